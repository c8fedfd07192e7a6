#!/usr/bin/env bash
# github_action.sh: the GitHub Action (action.yml) and the example workflows: actionlint
# and shellcheck clean (scripts/lint-workflows, with a negative control), the action's inputs and
# outputs, its run step turning inputs into ecship's flags, the examples pinned to this release
# with OIDC and one concurrency group per environment, and the step outputs ecship writes to
# $GITHUB_OUTPUT after a deploy that completes and one that fails and is rolled back.
# Outputs: https://docs.github.com/en/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions
# san: skip
. tests/lib/common.sh
. tests/lib/sim.sh
ROOT=$PWD

# ---- linters ---------------------------------------------------------------------------------------
scripts/lint-workflows --build "${ECSHIP_PEERS:-build}" >"$T_TMP/lint.out" 2>&1
rc=$?
if [ "$rc" = 3 ]; then
	ok "actionlint and shellcheck are clean # SKIP $(grep -m1 'not installed' "$T_TMP/lint.out")"
else
	check "actionlint and shellcheck are clean on action.yml and every workflow" test "$rc" = 0
	[ "$rc" = 0 ] || diag <"$T_TMP/lint.out"
	contains "the examples' workflows were linted" "$T_TMP/lint.out" '[2-9] workflow\(s\) through actionlint'
	mkdir -p "$T_TMP/bad/.github/workflows"
	printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo $FOO ${{ github.nosuch }}\n' \
		>"$T_TMP/bad/.github/workflows/bad.yml"
	expect_exit "negative control: a bad workflow fails the lint" 1 \
		scripts/lint-workflows --build "${ECSHIP_PEERS:-build}" "$T_TMP/bad/.github/workflows/bad.yml"
	contains "actionlint caught the unknown property" "$OUT" 'property "nosuch" is not defined'
	contains "shellcheck caught the unquoted variable" "$OUT" 'SC2086'
fi

# ---- action.yml ----------------------------------------------------------------------------------
check "action.yml: composite, the inputs and the six outputs from the run step" python3 - <<'PY'
import yaml
a = yaml.safe_load(open("action.yml"))
assert a["runs"]["using"] == "composite", a["runs"]
want_in = {"command", "env", "tag", "image", "config", "timeout", "args", "working-directory", "version"}
assert want_in <= set(a["inputs"]), set(a["inputs"])
outs = ["task_definition_arn", "revision", "deployment_id", "outcome", "rolled_back",
        "previous_task_definition_arn"]
for o in outs:
    assert a["outputs"][o]["value"] == "${{ steps.run.outputs.%s }}" % o, o
steps = a["runs"]["steps"]
cache = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache@")]
assert cache and "version.outputs.version" in cache[0]["with"]["key"], "cached per version"
install = [s for s in steps if "cache-hit" in str(s.get("if", ""))]
assert install and "releases/download" in install[0]["run"] and "make -C" in install[0]["run"]
PY

# the run step's script with a stand-in ecship that prints its arguments one per line
run_step() { python3 -c '
import yaml
for s in yaml.safe_load(open("action.yml"))["runs"]["steps"]:
    if s.get("id") == "run": print(s["run"])' >"$T_TMP/run_step.sh"; }
run_step
mkdir -p "$T_TMP/bin"
printf '#!/bin/sh\nfor a in "$@"; do echo "[$a]"; done\n' >"$T_TMP/bin/ecship"
chmod +x "$T_TMP/bin/ecship"
expect_exit "the run step maps the inputs to flags" 0 env PATH="$T_TMP/bin:$PATH" \
	INPUT_COMMAND=deploy INPUT_ENV=production INPUT_TAG=abc123 INPUT_IMAGE= INPUT_CONFIG=deploy/ecship.yml \
	INPUT_TIMEOUT=15m INPUT_ARGS='--service web --no-fail-fast' bash "$T_TMP/run_step.sh"
check "ecship got: global flags, command, its flags, the extra args" test "$(grep '^\[' "$OUT" | tr -d '\n')" = \
	"[--config][deploy/ecship.yml][--env][production][deploy][--tag][abc123][--timeout][15m][--service][web][--no-fail-fast]"
expect_exit "a two-word command and no optional input" 0 env PATH="$T_TMP/bin:$PATH" \
	INPUT_COMMAND='infra deploy' INPUT_ENV= INPUT_TAG= INPUT_IMAGE= INPUT_CONFIG= INPUT_TIMEOUT= INPUT_ARGS= \
	bash "$T_TMP/run_step.sh"
check "ecship got exactly 'infra deploy'" test "$(grep '^\[' "$OUT" | tr -d '\n')" = "[infra][deploy]"
expect_exit "an input with shell syntax stays one argument" 0 env PATH="$T_TMP/bin:$PATH" \
	INPUT_COMMAND=deploy INPUT_ENV= INPUT_TAG='$(touch pwned);x' INPUT_IMAGE= INPUT_CONFIG= INPUT_TIMEOUT= INPUT_ARGS= \
	bash "$T_TMP/run_step.sh"
check "ecship got the tag verbatim and nothing ran" bash -c "grep -qxF '[\$(touch pwned);x]' '$OUT' && [ ! -e pwned ]"

# the version step: the action's own VERSION unless an input pins another
python3 -c '
import yaml
for s in yaml.safe_load(open("action.yml"))["runs"]["steps"]:
    if s.get("id") == "version": print(s["run"])' >"$T_TMP/version_step.sh"
: >"$T_TMP/gh_out"
GITHUB_ACTION_PATH=$ROOT RUNNER_TOOL_CACHE=/opt/tc RUNNER_ARCH=X64 GITHUB_OUTPUT=$T_TMP/gh_out INPUT_VERSION='' \
	bash "$T_TMP/version_step.sh"
contains "the version is the action's VERSION" "$T_TMP/gh_out" "^version=$(cat VERSION)\$"
contains "installed under the runner's tool cache, per version and machine" "$T_TMP/gh_out" \
	"^dir=/opt/tc/ecship/$(cat VERSION)/X64\$"

# the install step (cache miss): the release archive when there is one (checksum verified), else
# the tagged source built with make; curl, sudo and make are stand-ins that log their calls
python3 -c '
import yaml
for s in yaml.safe_load(open("action.yml"))["runs"]["steps"]:
    if "cache-hit" in str(s.get("if", "")): print(s["run"])' >"$T_TMP/install_step.sh"
REL=$T_TMP/release
STUBS=$T_TMP/istubs
ICALLS=$T_TMP/icalls
mkdir -p "$REL/ecship-9.9.9-linux-x86_64/bin" "$STUBS"
printf '#!/bin/sh\necho ecship 9.9.9\n' >"$REL/ecship-9.9.9-linux-x86_64/bin/ecship"
chmod +x "$REL/ecship-9.9.9-linux-x86_64/bin/ecship"
tar -C "$REL" -czf "$REL/ecship-9.9.9-linux-x86_64.tar.gz" ecship-9.9.9-linux-x86_64
(cd "$REL" && sha256sum ecship-9.9.9-linux-x86_64.tar.gz >ecship-9.9.9-linux-x86_64.tar.gz.sha256)
# curl -o OUT URL: copies the release file named like URL's last part, else fails like curl -f
cat >"$STUBS/curl" <<'STUB'
#!/bin/bash
echo "curl $*" >>"$ICALLS"
out="" url=""
while [ $# -gt 0 ]; do case "$1" in -o) out=$2; shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done
[ -f "$REL/${url##*/}" ] && cp "$REL/${url##*/}" "$out"
STUB
cat >"$STUBS/sudo" <<'STUB'
#!/bin/bash
echo "sudo $*" >>"$ICALLS"
STUB
# make: logs; `make ... PREFIX=DIR install` leaves DIR/bin/ecship
cat >"$STUBS/make" <<'STUB'
#!/bin/bash
echo "make $*" >>"$ICALLS"
for a in "$@"; do
	case "$a" in PREFIX=*) mkdir -p "${a#PREFIX=}/bin" && printf '#!/bin/sh\n' >"${a#PREFIX=}/bin/ecship" && chmod +x "${a#PREFIX=}/bin/ecship" ;; esac
done
STUB
chmod +x "$STUBS"/*
install_step() { # DEST: the install step for version 9.9.9 into DEST
	: >"$ICALLS"
	env PATH="$STUBS:$PATH" ICALLS="$ICALLS" REL="$REL" VERSION=9.9.9 DEST="$1" REPO=example/ecship \
		GH_TOKEN=x RUNNER_ARCH=X64 GITHUB_ACTION_PATH="$PWD" bash "$T_TMP/install_step.sh"
}
expect_exit "install step: the release archive" 0 install_step "$T_TMP/d1"
check "the release build is in DEST/bin" test "$("$T_TMP/d1/bin/ecship")" = "ecship 9.9.9"
check "it came from the action repository's release of the tag" \
	grep -q 'https://github.com/example/ecship/releases/download/v9.9.9/ecship-9.9.9-linux-x86_64.tar.gz$' "$ICALLS"
check "nothing was built" bash -c "! grep -q '^make' '$ICALLS'"
echo "0000000000000000000000000000000000000000000000000000000000000000  ecship-9.9.9-linux-x86_64.tar.gz" \
	>"$REL/ecship-9.9.9-linux-x86_64.tar.gz.sha256"
expect_exit "install step: a release archive with a bad checksum" 0 install_step "$T_TMP/d2"
check "a bad checksum is not installed: the tagged source is built instead" \
	grep -q "^make -C $PWD BUILD=.* PREFIX=$T_TMP/d2 install\$" "$ICALLS"
rm -f "$REL"/ecship-9.9.9-linux-x86_64.tar.gz*
expect_exit "install step: no release build" 0 install_step "$T_TMP/d3"
contains "it says it builds from source" "$OUT" 'no release build ecship-9.9.9-linux-x86_64.tar.gz; building v9.9.9 from source'
check "the build deps come from apt" grep -q '^sudo apt-get install' "$ICALLS"
check "the source built is the action's own checkout" grep -q "^make -C $PWD BUILD=.* all\$" "$ICALLS"
check "installed with PREFIX=DEST" test -x "$T_TMP/d3/bin/ecship"

# ---- the example workflows ---------------------------------------------------------------------
check "examples: the action pinned to this release, OIDC, a concurrency group per environment" \
	python3 - "$(cat VERSION)" <<'PY'
import glob, sys, yaml
version = sys.argv[1]
files = sorted(glob.glob("examples/*/.github/workflows/*.yml"))
assert len(files) >= 2, files
groups = set()
for f in files:
    w = yaml.safe_load(open(f))
    assert w["permissions"]["id-token"] == "write", f
    for name, job in w["jobs"].items():
        env = job.get("environment")
        assert env, (f, name, "no environment")
        g = job["concurrency"]["group"]
        assert env in g, (f, g)
        assert job["concurrency"].get("cancel-in-progress") is False, f
        groups.add(g)
        uses = [s["uses"] for s in job["steps"] if "uses" in s]
        ours = [u for u in uses if u.endswith("/ecship@v" + version)]
        assert ours, (f, uses)
        assert not [u for u in uses if "/ecship@" in u and u not in ours], (f, "unpinned ecship")
        creds = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
        assert creds and "role-to-assume" in creds[0]["with"], f
        assert not any(k in creds[0]["with"] for k in ("aws-access-key-id", "aws-secret-access-key")), f
        text = open(f).read()
        assert "git clone" not in text and "make install" not in text, (f, "builds from source")
assert len(groups) == len(files), groups
PY

# ---- the outputs ecship writes, on success and on failure -------------------------------------------
start_sim --upstream "$MOTO_URL" --speed 60 --seed 3 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_failure_rules
sim_project gha "$T_TMP/proj"
cd "$T_TMP/proj" || exit 1
export GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$T_TMP/gh_sum
export GITHUB_OUTPUT=$T_TMP/out1
expect_exit "deploy under GitHub Actions" 0 "$ECSHIP" deploy --tag v1
# value KEY FILE: the last value of KEY (GitHub keeps the last one)
value() { sed -n "s/^$1=//p" "$2" | tail -n 1; }
check "outputs: outcome=completed" test "$(value outcome "$GITHUB_OUTPUT")" = completed
check "outputs: rolled_back=false" test "$(value rolled_back "$GITHUB_OUTPUT")" = false
check "outputs: revision 1 and its ARN" bash -c "[ '$(value revision "$GITHUB_OUTPUT")' = 1 ] && [[ '$(value task_definition_arn "$GITHUB_OUTPUT")' == arn:aws:ecs:*:task-definition/web-staging:1 ]]"
check "outputs: all seven keys (service_deployment_arn: ECS's record of the deployment)" test "$(cut -d= -f1 "$GITHUB_OUTPUT" | sort -u | tr '\n' ' ')" = \
	"deployment_id outcome previous_task_definition_arn revision rolled_back service_deployment_arn task_definition_arn "
export GITHUB_OUTPUT=$T_TMP/out2
expect_exit "deploy of a crashing image under GitHub Actions fails" 1 "$ECSHIP" deploy --tag crash-1
check "outputs on failure: outcome=failed" test "$(value outcome "$GITHUB_OUTPUT")" = failed
check "outputs on failure: rolled_back=true" test "$(value rolled_back "$GITHUB_OUTPUT")" = true
check "outputs on failure: the previous revision is the one that ran" bash -c \
	"[[ '$(value previous_task_definition_arn "$GITHUB_OUTPUT")' == *:task-definition/web-staging:1 ]]"
check "outputs on failure: the failed revision 2" test "$(value revision "$GITHUB_OUTPUT")" = 2
export GITHUB_OUTPUT=$T_TMP/out3
expect_exit "a deploy that cannot reach AWS" 3 env AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_MAX_ATTEMPTS=1 \
	"$ECSHIP" deploy --tag v3
check "outputs when AWS fails: outcome=error" test "$(value outcome "$GITHUB_OUTPUT")" = error
export GITHUB_OUTPUT=$T_TMP/out4
expect_exit "a deploy with a bad flag" 2 "$ECSHIP" deploy --bogus
check "outputs of a deploy that did not start (bad flag): outcome=invalid, rolled_back=false" bash -c \
	"grep -qx 'outcome=invalid' '$GITHUB_OUTPUT' && grep -qx 'rolled_back=false' '$GITHUB_OUTPUT'"
export GITHUB_OUTPUT=$T_TMP/out5
printf 'cluster: gha\nservice: web-${ENVIRONMENT}\ntask_definiton: td.json\n' >bad.yml
expect_exit "a deploy with a bad config" 2 "$ECSHIP" --config bad.yml deploy --tag v9
check "outputs of a deploy that did not start (bad config): outcome=invalid" \
	test "$(value outcome "$GITHUB_OUTPUT")" = invalid
export GITHUB_OUTPUT=$T_TMP/out6
expect_exit "another command's failure writes no deploy outputs" 2 "$ECSHIP" status --bogus
check "no outputs for status" test ! -s "$GITHUB_OUTPUT"
done_testing
