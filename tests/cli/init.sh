#!/usr/bin/env bash
# init.sh: `ecship init`: a new project's files render (their ${cfn:KEY} are Outputs the base
# stack cloudformation/ecs-cluster.yml has, here served by a moto stack with the same Outputs),
# the workflow passes the lint, existing files are never overwritten without --force (and nothing
# is written then), and `init --from-service` against ecship-sim gives files that `ecship diff
# --exit-code` finds identical to what runs, "${" in a container command included.
. tests/lib/common.sh
. tests/lib/sim.sh
ROOT=$PWD

# ---- a new project ------------------------------------------------------------------------------
D=$T_TMP/new/shop-web
mkdir -p "$D"
expect_exit "init into an empty folder" 0 "$ECSHIP" --region ap-northeast-1 init --dir "$D"
# the next steps say where (the folder) and that infra deploy needs the base stack's template,
# which the new project does not have (the default cloudformation/ecs-cluster.yml is in ecship's source)
contains "init says what to run next, in which folder, with the template" "$ERR" \
	"^next, in $D: 'ecship infra deploy --template FILE' \(once per environment; FILE is cloudformation/ecs-cluster.yml of ecship's source"
for f in ecship.yml task-definition.json ecs-service.json .github/workflows/deploy-staging.yml; do
	check "init wrote $f" test -s "$D/$f"
done
contains "the name comes from the folder" "$D/ecship.yml" '^service: shop-web-\$\{ENVIRONMENT\}$'
contains "the definitions use the base stack's Outputs" "$D/ecs-service.json" '"\$\{cfn:TargetGroupArn\}"'

# a stack in moto with exactly the Outputs of the real base stack
python3 - "$ROOT/cloudformation/ecs-cluster.yml" >"$T_TMP/stack.yml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
outs = re.findall(r"^  ([A-Za-z0-9]+):\s*$", text.split("\nOutputs:", 1)[1], re.M)
print("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\nOutputs:")
for o in outs:
    v = "arn:aws:iam::123456789012:role/x" if o.endswith("RoleArn") else "v-" + o
    print(f"  {o}: {{Value: '{v}'}}")
PY
aws --region ap-northeast-1 cloudformation create-stack --stack-name django-ecs-cluster-staging \
	--template-body "file://$T_TMP/stack.yml" >/dev/null 2>"$T_TMP/cfn.err"
check "a stack with the base stack's Outputs in moto" test $? = 0
cd "$D" || exit 1
expect_exit "ecship render of the new project" 0 "$ECSHIP" render --tag v1
check "the task definition has the stack's roles and log group, the tag, the region" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["containerDefinitions"][0]
assert d["family"] == "shop-web-staging", d["family"]
assert d["executionRoleArn"] == "arn:aws:iam::123456789012:role/x", d
assert c["image"].endswith(".dkr.ecr.ap-northeast-1.amazonaws.com/shop-web:v1"), c["image"]
assert c["logConfiguration"]["options"]["awslogs-group"] == "v-LogGroupName", c' "$OUT"
expect_exit "ecship render --service of the new project" 0 "$ECSHIP" render --service
check "the service definition has the stack's subnets, security group and target group" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
n = d["networkConfiguration"]["awsvpcConfiguration"]
assert n["subnets"] == ["v-PrivateSubnet1", "v-PrivateSubnet2"], n
assert n["securityGroups"] == ["v-ServiceSecurityGroup"], n
assert d["loadBalancers"][0]["targetGroupArn"] == "v-TargetGroupArn", d' "$OUT"
cd "$ROOT" || exit 1
if scripts/lint-workflows --build "${ECSHIP_PEERS:-build}" "$D/.github/workflows/deploy-staging.yml" >"$T_TMP/lint" 2>&1; then
	ok "the written workflow passes actionlint and shellcheck"
elif [ $? = 3 ]; then
	ok "the written workflow passes actionlint and shellcheck # SKIP $(grep -m1 'not installed' "$T_TMP/lint")"
else
	not_ok "the written workflow passes actionlint and shellcheck"
	diag <"$T_TMP/lint"
fi
contains "the workflow pins the ecship action to this version" "$D/.github/workflows/deploy-staging.yml" \
	"uses: [^ ]+/ecship@v$(cat VERSION)\$"

# ---- never overwritten without --force -----------------------------------------------------------
echo "# mine" >"$D/ecship.yml"
rm "$D/ecs-service.json"
expect_exit "init refuses when a file exists" 2 "$ECSHIP" init --dir "$D"
contains "it names the file" "$ERR" "'$D/ecship.yml' exists; not overwriting it"
contains "and says what to do" "$ERR" 'use --force'
check "the existing file is untouched" test "$(cat "$D/ecship.yml")" = "# mine"
check "nothing else was written either" test ! -e "$D/ecs-service.json"
expect_exit "init --force overwrites" 0 "$ECSHIP" init --dir "$D" --force
contains "ecship.yml was rewritten" "$D/ecship.yml" '^service: shop-web-'
expect_exit "a bad name is a usage error" 2 "$ECSHIP" init --dir "$T_TMP/x" --name 'a b'
expect_exit "--from-service without --cluster is a usage error" 2 "$ECSHIP" init --dir "$T_TMP/x" --from-service web

# ---- from a running service ----------------------------------------------------------------------
start_sim --upstream "$MOTO_URL" --speed 60 --seed 5 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
P=$T_TMP/live
sim_project imp "$P"
# a container command with a literal ${PORT} (written $${PORT}) that the copy must keep literal
python3 - "$P/td.json" <<'PY'
import json, sys
p = sys.argv[1]
t = open(p).read()
d = json.loads(t.replace("${", "@{"))
d["containerDefinitions"][0]["command"] = ["sh", "-c", "exec gunicorn -b :$${PORT} app:wsgi"]
open(p, "w").write(json.dumps(d, indent=1).replace("@{", "${"))
PY
(cd "$P" && "$ECSHIP" deploy --tag v5 >/dev/null 2>"$T_TMP/deploy.err")
check "a service runs in the simulator" test $? = 0
I=$T_TMP/imported
expect_exit "init --from-service" 0 "$ECSHIP" init --dir "$I" --from-service web-staging --cluster imp --no-workflow
check "no workflow with --no-workflow" test ! -e "$I/.github"
contains "the command keeps its literal \${PORT}, escaped" "$I/task-definition.json" 'gunicorn -b :\$\$\{PORT\}'
cd "$I" || exit 1
expect_exit "ecship diff --exit-code right after: no difference" 0 "$ECSHIP" diff --exit-code
contains "diff says so" "$ERR" 'no differences'
sed -i 's/repo\/web:v5/repo\/web:v6/' task-definition.json
expect_exit "a changed image is a difference (diff --exit-code exits 1)" 1 "$ECSHIP" diff --exit-code
contains "the diff shows it" "$OUT" '^\+.*repo/web:v6'
cd "$ROOT" || exit 1
expect_exit "init --from-service of a service that does not exist" 2 \
	"$ECSHIP" init --dir "$T_TMP/none" --from-service nosuch --cluster imp
contains "it says which" "$ERR" "service 'nosuch' does not exist in cluster 'imp'"
check "and wrote nothing" test ! -e "$T_TMP/none"
done_testing
