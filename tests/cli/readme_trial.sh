#!/usr/bin/env bash
# readme_trial.sh: README.md's "Trying it locally" runs as written: its two code blocks (servers
# on loopback with the django image rule, then a copy of the example deployed twice) with only
# the ports, the copy's folder and the PATH of this build changed. The first deploy completes, the
# second fails the way the runbook's did, is rolled back, and the diagnosis names ALLOWED_HOSTS.
# san: skip
. tests/lib/common.sh

P1=$(free_port)
P2=$(free_port)
TRY=$T_TMP/try
python3 - "$P1" "$P2" "$TRY" "$ECSHIP_BUILD" >"$T_TMP/trial.sh" <<'PY'
import re, sys
p1, p2, try_dir, build = sys.argv[1:]
text = open("README.md", encoding="utf-8").read()
section = text.split("\n## Trying it locally\n", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"^```sh\n(.*?)^```", section, re.M | re.S)
assert len(blocks) == 2, len(blocks)
servers = blocks[0].replace("5000", p1).replace("5001", p2).replace("build/", build + "/")
steps = blocks[1].replace("/tmp/try", try_dir).replace("$PWD/build", build)
out = ["set -u", "trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT", servers,
       "for i in $(seq 150); do curl -s -o /dev/null http://127.0.0.1:%s/moto-api/ && "
       "curl -s -o /dev/null http://127.0.0.1:%s/_sim/state && break; sleep 0.2; done" % (p1, p2)]
for line in steps.replace("\\\n", " ").splitlines():
    out.append(line)
    if re.match(r"^ALLOWED_HOSTS=.*ecship deploy", line) or line.startswith("ecship infra"):
        out.append('echo "step exit $?" >&2')
print("\n".join(out))
PY
check "README's trial blocks were found" test -s "$T_TMP/trial.sh"
(cd "$PWD" && timeout -k 5 300 bash "$T_TMP/trial.sh") >"$T_TMP/trial.out" 2>"$T_TMP/trial.err"
grep 'step exit' "$T_TMP/trial.err" | tr '\n' ' ' >"$T_TMP/codes"
check "infra deploy and rule ensure, then the first deploy, complete (exit 0)" \
	grep -q '^step exit 0 step exit 0 ' "$T_TMP/codes"
check "the second deploy fails (exit 1)" grep -q 'step exit 0 step exit 1 $' "$T_TMP/codes"
contains "the first deploy completed" "$T_TMP/trial.out" "^deployed django-app-staging:1 to service 'django-ecs-service-staging'"
contains "the second is rolled back to the first revision" "$T_TMP/trial.err" 'back on django-app-staging:1'
contains "the diagnosis names ALLOWED_HOSTS" "$T_TMP/trial.err" '^cause: .*ALLOWED_HOSTS=\*\.elb\.amazonaws\.com does not admit it'
[ "$T_FAILED" -gt 0 ] && { cat "$T_TMP/codes"; tail -n 30 "$T_TMP/trial.err"; } | diag
done_testing
