#!/usr/bin/env bash
# ci_output.sh: what a deploy leaves in CI logs and under GitHub Actions. A failed deploy with
# GITHUB_ACTIONS=true: the ::error:: annotation carries the diagnosis's cause and hint and the
# revision the service is back on; the step summary has the cause, the evidence (stopped reasons,
# log lines), that revision and the deployment's timeline as a Mermaid gantt chart; service
# events and status lines are in ::group:: blocks. In plain logs an unchanged status block is not
# printed again, and a heartbeat line says the wait goes on. Runs on ecship-sim, moto upstream.
# Workflow commands and the step summary:
# https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 60 --seed 13 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_failure_rules
P=$T_TMP/proj
sim_project ci "$P"
cd "$P" || exit 1

expect_exit "first deploy (healthy) completes" 0 "$ECSHIP" deploy --tag v1

# 1. a failed deploy under GitHub Actions
export GITHUB_ACTIONS=true GITHUB_OUTPUT=$T_TMP/gh_out GITHUB_STEP_SUMMARY=$T_TMP/gh_sum
: >"$GITHUB_STEP_SUMMARY"
expect_exit "a failing deploy under GitHub Actions exits 1" 1 "$ECSHIP" deploy --tag crash-1
E=$ERR
check "exactly one ::error:: annotation" test "$(grep -c '^::error' "$E")" = 1
contains "the annotation names the failed deploy" "$E" "^::error::deploy of service 'web-staging' failed: "
contains "the annotation carries the diagnosis's cause" "$E" "^::error::.*%0Acause: container 'web' exited with code 3 after writing 'KeyError: .DATABASE_URL.'"
contains "the annotation carries the hint" "$E" '^::error::.*%0Ahint: [^%]+'
contains "the annotation says which revision the service is back on" "$E" '^::error::.*%0Athe service is back on web-staging:1'
contains "the plain error line is still there" "$E" "^error: deploy of service 'web-staging' failed"
contains "service events are in a ::group::" "$E" '^::group::deployment progress'
check "every ::group:: is closed" test "$(grep -c '^::group::' "$E")" = "$(grep -c '^::endgroup::' "$E")"
check "events are inside groups, notes outside" python3 -c '
import sys
inside=False
for line in open(sys.argv[1]):
    if line.startswith("::group::"): assert not inside, "nested group"; inside=True; continue
    if line.startswith("::endgroup::"): assert inside; inside=False; continue
    if " event: " in line: assert inside, line
    elif "rolling back" in line or "is back on" in line or "waiting for deployment" in line: assert not inside, line
assert not inside' "$E"
# ecship's own lines and ECS's events are on one clock: the sim's runs 60 times faster than the
# wall clock, so without taking the server's clock (its Date) the events would run minutes ahead.
# Whole-second Dates at 60x: a line may be up to 60 s early (plus 60x any delay in printing),
# never the minutes the sim runs ahead by.
check "ecship's times and ECS's event times are on one clock" python3 - "$E" <<'PY'
import re, sys
top, n = None, 0
for line in open(sys.argv[1]):
    m = re.match(r"([0-9]{2}):([0-9]{2}):([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})? ", line)
    if not m: continue
    n += 1
    t = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
    if top is not None:
        d = (t - top + 43200) % 86400 - 43200  # across midnight too
        assert d >= -110, "%d s earlier than a line before it: %s" % (-d, line)
        t = max(t, top) if d < 0 else t
    top = t
assert n >= 5, "only %d time-stamped lines" % n
PY
S=$GITHUB_STEP_SUMMARY
contains "the summary has the failure section" "$S" '^#### deploy of service `web-staging` failed'
contains "the summary has the cause" "$S" "^\*\*Cause:\*\* container 'web' exited with code 3"
contains "the summary has the fix" "$S" '^\*\*Fix:\*\* .+'
contains "the summary says which revision the service is back on" "$S" '^\*\*Now:\*\* the service is back on web-staging:1'
contains "the summary lists stopped tasks with stop code and reason" "$S" '^\| [0-9a-f]{32} \| EssentialContainerExited \| Essential container in task exited \| web: exit code 3'
contains "the summary shows the log lines in a code block" "$S" "^20[0-9-]+T[0-9:.]+Z .*KeyError: 'DATABASE_URL'"
contains "the summary has a mermaid block" "$S" '^```mermaid$'
contains "the chart is a gantt chart" "$S" '^gantt$'
contains "the chart has a section per service" "$S" '^    section web-staging$'
contains "the chart shows the rollback" "$S" '^    rolled back to web-staging revision 1 :crit, '
check "the chart's tasks are well formed and in time order" python3 -c '
import re,sys
text=open(sys.argv[1]).read()
m=re.search(r"```mermaid\n(.*?)```", text, re.S); assert m
body=m.group(1).splitlines()
assert body[0]=="gantt" and "    dateFormat x" in body, body
tasks=[l for l in body[1:] if re.match(r"    [^ ].* :", l) and not l.strip().startswith(("title","dateFormat","axisFormat","section"))]
assert len(tasks)>=4, tasks
names=[]; last=0
for t in tasks:
    name,spec=t.strip().split(" :",1)
    assert not re.search("[:#;]", name), name
    parts=[p.strip() for p in spec.split(",")]
    a,b=int(parts[-2]),int(parts[-1])
    assert a<=b and a>=last-1, (t,last)
    last=a; names.append(name)
assert names[0]=="registered, service updated" and names[-1]=="rolled back", names
' "$S"

# 2. a successful deploy: the timeline ends on "completed"
: >"$GITHUB_STEP_SUMMARY"
expect_exit "a deploy under GitHub Actions completes" 0 "$ECSHIP" deploy --tag v2
lacks "no error annotation on success" "$ERR" '^::error'
contains "the chart ends with completed" "$GITHUB_STEP_SUMMARY" '^    completed :milestone, '
contains "the chart shows the tasks start" "$GITHUB_STEP_SUMMARY" '^    tasks started :done, '
unset GITHUB_ACTIONS GITHUB_OUTPUT GITHUB_STEP_SUMMARY

# 3. plain logs: a status block is printed only when it changed
sim_post /clock '{"speed": 10}' >/dev/null
expect_exit "a deploy in a plain log" 0 "$ECSHIP" deploy --tag v3
sim_post /clock '{"speed": 60}' >/dev/null
lacks "no workflow commands outside GitHub Actions" "$ERR" '^::'
check "no status block is printed twice in a row" python3 -c '
import re,sys
last={}; prev=None; block=[]; blocks=[]
stamp=r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2}) "
lines=[re.sub(stamp,"",l.rstrip("\n")) for l in open(sys.argv[1])]
# a block: consecutive status lines (deployment rows)
cur=[]
for l in lines+[""]:
    if re.match(r"(PRIMARY|ACTIVE|INACTIVE) ", l): cur.append(l); continue
    if cur: blocks.append(tuple(cur)); cur=[]
for a,b in zip(blocks, blocks[1:]):
    assert a!=b, "repeated block: %r" % (a,)
assert len(blocks)>=2, blocks
' "$ERR"
contains "time stamps carry their zone" "$ERR" '^[0-9]{2}:[0-9]{2}:[0-9]{2}Z event: '
TZ=Asia/Tokyo expect_exit "TZ=Asia/Tokyo: the same deploy, in Tokyo time" 1 "$ECSHIP" deploy --tag sick-2
contains "ecship's times follow TZ" "$ERR" '^[0-9]{2}:[0-9]{2}:[0-9]{2}\+09:00 waiting for deployment'
contains "ECS's event times are on the same clock and zone" "$ERR" '^[0-9]{2}:[0-9]{2}:[0-9]{2}\+09:00 event: '
contains "the diagnosis's task times follow TZ" "$ERR" '^  started 20[0-9-]+T[0-9:]+\+09:00  stopped 20[0-9-]+T[0-9:]+\+09:00'
contains "the diagnosis's log lines follow TZ" "$ERR" '^  20[0-9-]+T[0-9:.]+\+09:00 '

# 4. the heartbeat: with the simulated clock stopped nothing changes; a line says the wait goes on
sim_post /clock '{"speed": 0}' >/dev/null
ECSHIP_PROGRESS_HEARTBEAT=1 expect_exit "a deploy that cannot progress times out" 4 "$ECSHIP" deploy --tag v-hb --timeout 4s --no-rollback
sim_post /clock '{"speed": 60}' >/dev/null
contains "an unchanged status gives a heartbeat line" "$ERR" "^[0-9:]+Z still waiting \([0-9]+ s\): service 'web-staging' unchanged, PRIMARY web-staging:[0-9]+ running 0 of 2"
check "the unchanged block itself is printed once" test "$(grep -c 'PRIMARY IN_PROGRESS' "$ERR")" = 1

# 5. infra: the stack events stream is a ::group:: too (moto_server's CloudFormation)
cat >"$T_TMP/tiny.yml" <<'YML'
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
YML
GITHUB_ACTIONS=true ECSHIP_STACK_POLL_SECONDS=0.2 AWS_ENDPOINT_URL=$MOTO_URL \
	expect_exit "infra deploy under GitHub Actions" 0 "$ECSHIP" infra deploy --stack gh-tiny --template "$T_TMP/tiny.yml"
contains "the stack events are in a ::group::" "$ERR" '^::group::stack events$'
check "the group is closed" test "$(grep -c '^::group::' "$ERR")" = "$(grep -c '^::endgroup::' "$ERR")"
check "the events are inside it, the notes outside" python3 -c '
import sys
inside = False; events = 0
for line in open(sys.argv[1]):
    if line.startswith("::group::"): inside = True; continue
    if line.startswith("::endgroup::"): inside = False; continue
    if "CREATE_" in line and "AWS::" in line: assert inside, line; events += 1
    if "waiting for stack" in line: assert not inside, line
assert events and not inside' "$ERR"

done_testing
