#!/usr/bin/env bash
# deploy_many_sim.sh: one `ecship deploy` of 50 services (10 on one shared family, 40 distinct)
# against ecship-sim with its ECS-like rate limits (issue 14): every service ends COMPLETED on its
# new revision, one revision per distinct definition, exit 0, also with 30% injected throttling;
# the wait asks DescribeServices about at most ten services per call ("services: ... up to 10",
# ECS API Reference, DescribeServices); a failure in one service rolls all 50 back. --service
# takes several names and globs. Heavy (about two minutes, mostly the registration floor):
# san: skip
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 60 --seed 14 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
P=$T_TMP/proj
sim_project many "$P"
cd "$P" || exit 1
sim_failure_rules
# one task per service keeps the simulator's work small; the image of svc-49 comes from ${BAD}
sed 's/"desiredCount": 2/"desiredCount": 1/' svc.json >svc1.json
{
	echo "cluster: many"
	echo "timeout: 10m"
	echo "services:"
	for i in $(seq -w 0 49); do
		echo "  - name: svc-$i"
		echo "    service_definition: svc1.json"
		if ((10#$i < 10)); then
			echo "    task_definition: td.json"
		else
			sed -e "s/\"family\": \"web-\${ENVIRONMENT}\"/\"family\": \"fam-$i\"/" \
				-e "s|repo/web:|repo/\${BAD_$i:-web}:|" td.json >"td-$i.json"
			echo "    task_definition: td-$i.json"
		fi
	done
} >ecship.yml

# check_all TAG: every service runs its family's revision with TAG, its deployment COMPLETED;
# each family has exactly REVS revisions
check_all() {
	python3 - "$SIM_URL" "$1" "$2" <<'PY'
import boto3, sys
url, tag, revs = sys.argv[1], sys.argv[2], int(sys.argv[3])
ecs = boto3.client("ecs", endpoint_url=url)
names = ["svc-%02d" % i for i in range(50)]
bad = []
for k in range(0, 50, 10):
    for s in ecs.describe_services(cluster="many", services=names[k:k + 10])["services"]:
        td = ecs.describe_task_definition(taskDefinition=s["taskDefinition"])["taskDefinition"]
        img = td["containerDefinitions"][0]["image"]
        deps = s["deployments"]
        if not img.endswith(":" + tag) or len(deps) != 1 or deps[0]["rolloutState"] != "COMPLETED":
            bad.append((s["serviceName"], img, [(d["status"], d["rolloutState"]) for d in deps]))
fams = ["web-staging"] + ["fam-%02d" % i for i in range(10, 50)]
for f in fams:
    n = len(ecs.list_task_definitions(familyPrefix=f)["taskDefinitionArns"])
    if n != revs:
        bad.append((f, n, "revisions, expected", revs))
assert not bad, bad[:5]
PY
}

# rate_limits_on BOOL: the simulator's ECS-like token buckets (default on); the setup and the
# failure cases below run without them, so the test pays the registration floor (burst 20, then
# one a second) only for the two deploys that are about it
rate_limits_on() { sim_post /faults "{\"faults\": [], \"rate_limits\": $1}" >/dev/null; }

# 1. first deploy: creates all 50
rate_limits_on false
expect_exit "50 services: the first deploy creates them" 0 "$ECSHIP" deploy --tag v1 --timeout 10m
check "50 services: all COMPLETED on v1, one revision per family" check_all v1 1

# 2. a second deploy under the default limits; the wait polls ten services per DescribeServices
rate_limits_on true
seq0=$(sim_get /requests | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
expect_exit "50 services: deploy v2 (default rate limits)" 0 "$ECSHIP" --debug deploy --tag v2
# the client's own token buckets (lib/aws/aws.c) spend ECS's quota at its sustained rate, so the
# 41 registrations (burst 20, then one a second) are throttled rarely if at all; both buckets run
# on wall clocks, so on a loaded machine one can still drift into a throttle: that is reported,
# not failed (no timing is asserted in make check), and every throttled one is retried once
check "50 services under the default limits: 41 registrations, each throttled one retried once" python3 -c '
import json,sys,urllib.request
d=json.load(urllib.request.urlopen(sys.argv[1]+"/_sim/requests?since="+sys.argv[2]))
t=[r["action"] for r in d["requests"] if r.get("fault")=="throttle"]
n=sum(1 for r in d["requests"] if r["action"]=="RegisterTaskDefinition")
tr=sum(1 for a in t if a=="RegisterTaskDefinition")
print("# throttled requests under the default limits: %d" % len(t))
assert n==41+tr, (n, tr, t[:10])' "$SIM_URL" "$seq0"
check "50 services: all COMPLETED on v2, one new revision per distinct definition" check_all v2 2
# before anything changes, the 50 services are described ten per call (5 DescribeServices), not
# one by one (50): ECS's Describe bucket is 100, then 20 a second
check "50 services: described ten per DescribeServices before the first change" python3 -c '
import json,sys,urllib.request
d=json.load(urllib.request.urlopen(sys.argv[1]+"/_sim/requests?since="+sys.argv[2]))
n=0
for r in d["requests"]:
    if r["action"] in ("RegisterTaskDefinition","TagResource","UpdateService","CreateService"):
        break
    n+=r["action"]=="DescribeServices"
print("# DescribeServices before the first change: %d" % n)
assert n==5, n' "$SIM_URL" "$seq0"
check "50 services: every DescribeServices names at most 10 services, some exactly 10" python3 - "$ERR" <<'PY'
import json, re, sys
sizes = []
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r'(\{"cluster": ?"many", ?"services": ?\[.*?\]\})', line)
    if m:
        sizes.append(len(json.loads(m.group(1))["services"]))
assert sizes and max(sizes) == 10 and all(s <= 10 for s in sizes), sizes[:40]
PY
contains "50 services: the shared family is registered once and shared" "$ERR" "task definition shared with service 'svc-00'"
# the services start concurrently (lib/ecs/fanout.c): one after another, each service's
# registration is followed by its UpdateService before the next registers, so registrations
# never run ahead of updates by more than one; started together, several register first
check "50 services: the starts overlap (registrations run ahead of the updates)" python3 - "$ERR" <<'PY'
import re, sys
ahead = most = 0
for line in open(sys.argv[1], errors="replace"):
    if re.search(r"registered fam-\d+:\d+$", line):
        ahead += 1
    elif re.search(r"updated service 'svc-(1\d|[2-4]\d)'", line):
        ahead -= 1
    most = max(most, ahead)
print("# registrations ahead of updates at most: %d" % most)
assert most >= 2, most
PY

# 3. the same with 30% of the ECS requests throttled
sim_post /faults '{"faults":[{"action":"ecs:*","throttle":0.30}], "rate_limits": true}' >/dev/null
expect_exit "50 services: deploy v3 under 30% throttling" 0 "$ECSHIP" deploy --tag v3
curl -sf -X DELETE "$SIM_URL/_sim/faults" >/dev/null
# progress off a terminal (a CI log): one time-stamped line per service, printed only when that
# service's state changed; then a table of every service: revision, outcome, its own time
check "50 services, CI log: one status line per service, each only when it changed" python3 - "$ERR" <<'PY'
import re, sys
last, seen = {}, 0
for line in open(sys.argv[1], errors="replace"):
    assert not re.search(r"desired \d+, pending \d+, running", line), ("a per-deployment block", line)
    m = re.match(r"[0-9:]+(Z|[+-][0-9:]+) (svc-\d\d): (.*)$", line)
    if not m:
        continue
    svc, state = m.group(2), m.group(3)
    assert last.get(svc) != state, ("printed again unchanged", svc, state)
    last[svc] = state
    seen += 1
assert len(last) == 50, sorted(last)
assert all(re.match(r"COMPLETED (web-staging|fam-\d\d):3 1/1", v) for v in last.values()), last
print("# status lines for 50 services: %d" % seen)
PY
check "50 services: the deploy ends on a table of service, revision, outcome and time" python3 - "$ERR" <<'PY'
import re, sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
head = [i for i, l in enumerate(lines) if re.match(r"service +revision +outcome +time$", l)]
assert len(head) == 1, head
rows = lines[head[0] + 1:head[0] + 51]
got = []
for r in rows:
    m = re.match(r"(svc-\d\d) +(\S+) +completed +(\d+\.\d) s$", r)
    assert m, r
    want = "web-staging:3" if int(m.group(1)[4:]) < 10 else "fam-%s:3" % m.group(1)[4:]
    assert m.group(2) == want, (r, want)
    got.append(m.group(1))
assert got == ["svc-%02d" % i for i in range(50)], got
PY
check "50 services under throttling: all COMPLETED on v3, one new revision per distinct definition" check_all v3 3
check "throttling was really injected" python3 -c '
import json,sys,urllib.request
d=json.load(urllib.request.urlopen(sys.argv[1]+"/_sim/requests"))
assert sum(1 for r in d["requests"] if r.get("fault")=="throttle" or r["status"]==400) > 20' "$SIM_URL"

# 4. one of the 50 crashes: all 50 go back to v3; the rollbacks are issued together and followed
# together (ten services per DescribeServices)
rate_limits_on false
expect_exit "50 services, one crashing: exit 1" 1 env BAD_49=crash "$ECSHIP" deploy --tag v4
contains "50 services, one crashing: its failure is reported" "$ERR" "^error: deploy of service 'svc-49' failed"
# one after another, each rollback was waited for before the next began ("rolling back", "is
# back on", "rolling back", ...): every rollback now begins before the first one is waited out
check "50 services, one crashing: all 49 rollbacks begin before any is waited out" python3 - "$ERR" <<'PY'
import re, sys
begun = back = 0
for line in open(sys.argv[1], errors="replace"):
    if re.search(r"rolling back service 'svc-\d+'|circuit breaker is rolling back", line):
        assert back == 0, ("a rollback began after one was waited out", begun, back)
        begun += 1
    elif re.search(r"service 'svc-\d+' is back on", line):
        back += 1
assert begun >= 49 and back == begun, (begun, back)
PY
check "50 services, one crashing: every service is back on v3" python3 - "$SIM_URL" <<'PY'
import boto3, sys
ecs = boto3.client("ecs", endpoint_url=sys.argv[1])
names = ["svc-%02d" % i for i in range(50)]
bad = []
for k in range(0, 50, 10):
    for s in ecs.describe_services(cluster="many", services=names[k:k + 10])["services"]:
        img = ecs.describe_task_definition(taskDefinition=s["taskDefinition"])["taskDefinition"]["containerDefinitions"][0]["image"]
        if not img.endswith(":v3"):
            bad.append((s["serviceName"], img))
assert not bad, bad[:5]
PY

# 5. --service: repeatable, comma-separated, globs; a name matching nothing is a usage error
expect_exit "--service with a glob and a list" 0 "$ECSHIP" --output json deploy --tag v5 --service 'svc-0*' --service svc-12,svc-13
check "--service: exactly the 12 services picked were deployed" python3 -c '
import json,sys
text=open(sys.argv[1]).read()
objs=[json.loads(x) for x in text.replace("}\n{","}\x00{").split("\x00")]
got=sorted(o["service"] for o in objs)
assert got==["svc-%02d"%i for i in range(10)]+["svc-12","svc-13"], got
assert all(o["outcome"]=="completed" for o in objs), objs' "$OUT"
expect_exit "--service naming no service: exit 2" 2 "$ECSHIP" deploy --tag v6 --service 'svc-0*,nope'
contains "--service naming no service: the error says which" "$ERR" "names no service matching 'nope'"
done_testing
