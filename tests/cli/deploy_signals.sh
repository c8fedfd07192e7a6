#!/usr/bin/env bash
# deploy_signals.sh: Ctrl-C means what it says. Signals at fixed points of a deploy on ecship-sim:
# SIGINT or SIGTERM while RegisterTaskDefinition is in flight (held open by the sim's latency
# fault) lets it finish but changes no service (exit 130, the revision named); a signal while the
# circuit breaker rolls the service back is exit 130, not "failed, NOT rolled back"; a signal
# between the services of a multi-service deploy starts no further service, and the rerun leaves
# every service on the new revisions, or, when the rerun fails on the service the first run had not
# reached, puts the one it had moved back too (never a mix).
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 20 --seed 7 --region "$AWS_REGION" --no-rate-limits || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_failure_rules
P=$T_TMP/proj
sim_project sig "$P"
cd "$P" || exit 1
svc_td() { aws ecs describe-services --cluster sig --services "${1:-web-staging}" --query 'services[0].taskDefinition' --output text; }
seq_now() { sim_get /requests | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
# actions_since SEQ: the ECS actions the sim has answered (or dropped) since SEQ, one a line
actions_since() { sim_get "/requests?since=$1" | python3 -c 'import json,sys; [print(r["action"]) for r in json.load(sys.stdin)["requests"]]'; }
# bg_deploy ARGS...: ecship deploy in the background, output in $T_TMP/bg.{out,err}; sets BGP
bg_deploy() {
	"$ECSHIP" deploy "$@" >"$T_TMP/bg.out" 2>"$T_TMP/bg.err" </dev/null &
	BGP=$!
	T_PIDS+=("$BGP")
}
# finish: waits (at most 60 s) for the background deploy; sets BGRC
finish() {
	timeout 60 tail --pid="$BGP" -f /dev/null
	kill -KILL "$BGP" 2>/dev/null
	wait "$BGP"
	BGRC=$?
}
# until_seen ACTION SEQ: waits until the sim has logged ACTION since SEQ (at most 20 s)
until_seen() {
	local n=200
	while ((n-- > 0)); do actions_since "$2" | grep -qx "$1" && return 0; sleep 0.1; done
	return 1
}

expect_exit "first deploy" 0 "$ECSHIP" deploy
good=$(svc_td)

# 1. a signal while RegisterTaskDefinition is in flight: it is finished, nothing else starts
for sig in INT TERM; do
	s0=$(seq_now)
	sim_post /faults '{"faults":[{"action":"RegisterTaskDefinition","latency_ms":6000,"times":1}]}' >/dev/null
	bg_deploy --tag "crash-$sig"
	until_seen DescribeTaskDefinition "$s0"
	sleep 1 # RegisterTaskDefinition is now held open by the sim (6 s)
	kill -"$sig" "$BGP"
	finish
	sim_post /faults '{"faults":[]}' >/dev/null
	check "SIG$sig during RegisterTaskDefinition: exit 130 (got $BGRC)" test "$BGRC" = 130
	actions_since "$s0" >"$T_TMP/acts"
	check "SIG$sig: the registration in flight was finished" grep -qx RegisterTaskDefinition "$T_TMP/acts"
	lacks "SIG$sig: no UpdateService after the signal" "$T_TMP/acts" '^(UpdateService|CreateService|TagResource)$'
	check "SIG$sig: the service still runs $good" test "$(svc_td)" = "$good"
	contains "SIG$sig: it says what was done and what was not" "$T_TMP/bg.err" "registered web-staging:[0-9]+ .*but service 'web-staging' was not changed"
done

# 2. a signal while the circuit breaker rolls the service back: 130, and ECS's rollback goes on
bg_deploy --tag crash-breaker --no-fail-fast # the breaker's own rollback (fail-fast would decide first)
n=600
while ((n-- > 0)) && ! grep -q 'circuit breaker is rolling back' "$T_TMP/bg.err"; do sleep 0.1; done
sim_post /clock '{"speed": 0}' >/dev/null # hold the rollback where it is
kill -INT "$BGP"
finish
sim_post /clock '{"speed": 20}' >/dev/null
check "Ctrl-C during ECS's own rollback: exit 130 (got $BGRC)" test "$BGRC" = 130
lacks "it does not claim the service was not rolled back" "$T_TMP/bg.err" 'NOT rolled back'
contains "it says the circuit breaker rolls it back" "$T_TMP/bg.err" 'interrupted while the circuit breaker rolls the service back'
"$ECSHIP" wait --timeout 2m >/dev/null 2>&1 # follows ECS's rollback to its end
n=100
while ((n-- > 0)) && [ "$(svc_td)" != "$good" ]; do sleep 0.2; done
check "the service ends back on $good" test "$(svc_td)" = "$good"

# 3. two services: a signal after the first was changed starts no change on the second; the
# rerun leaves both on the new revisions. These cases are about a signal between two starts, so
# the services start one after another here (ECSHIP_DEPLOY_PARALLEL=1; by default a deploy starts
# up to eight at once, and a signal stops only the starts not yet begun)
export ECSHIP_DEPLOY_PARALLEL=1
cat >ecship.yml <<'YML'
cluster: sig
task_definition: td.json
service_definition: svc.json
timeout: 5m
services:
  - name: web-staging
  - name: worker-staging
    task_definition: td-worker.json
    service_definition: svc-worker.json
YML
sed -e 's/"web-\${ENVIRONMENT}"/"worker-${ENVIRONMENT}"/' -e 's|repo/web:|repo/worker:|' td.json >td-worker.json
cat >svc-worker.json <<'JSON'
{"desiredCount": 1, "launchType": "FARGATE",
 "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true}},
 "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["${SUBNET_A}"], "assignPublicIp": "DISABLED"}}}
JSON
expect_exit "deploy of two services" 0 "$ECSHIP" deploy
s0=$(seq_now)
sim_post /faults '{"faults":[{"action":"TagResource","latency_ms":6000,"times":1}]}' >/dev/null
bg_deploy --tag v5
until_seen RegisterTaskDefinition "$s0"
sleep 0.5 # the first service's TagResource (just before its UpdateService) is held open
kill -INT "$BGP"
finish
sim_post /faults '{"faults":[]}' >/dev/null
check "Ctrl-C during a two-service deploy: exit 130 (got $BGRC)" test "$BGRC" = 130
contains "the second service is named as not changed" "$T_TMP/bg.err" "interrupted before service 'worker-staging' was changed"
expect_exit "the rerun deploys both" 0 "$ECSHIP" deploy --tag v5
a=$(svc_td web-staging) b=$(svc_td worker-staging)
check "both services run the v5 revisions ($a, $b)" bash -c "aws ecs describe-task-definition --task-definition '$a' --query 'taskDefinition.containerDefinitions[0].image' --output text | grep -q ':v5$' && aws ecs describe-task-definition --task-definition '$b' --query 'taskDefinition.containerDefinitions[0].image' --output text | grep -q ':v5$'"

# 4. interrupted again after the first service was moved; this time the rerun fails on the
# second: the first goes back too (it is marked ecship:deploy-pending by the interrupted run)
sim_post /rules '{"match": "worker:v6", "behavior": "exit:3"}' >/dev/null
w0=$(svc_td web-staging) k0=$(svc_td worker-staging)
s0=$(seq_now)
sim_post /faults '{"faults":[{"action":"TagResource","latency_ms":6000,"times":1}]}' >/dev/null
bg_deploy --tag v6
until_seen RegisterTaskDefinition "$s0"
sleep 1
kill -INT "$BGP"
finish
sim_post /faults '{"faults":[]}' >/dev/null
check "interrupted v6 deploy: exit 130 (got $BGRC)" test "$BGRC" = 130
check "it had moved web-staging (a mix for now)" test "$(svc_td web-staging)" != "$w0"
check "and not worker-staging" test "$(svc_td worker-staging)" = "$k0"
expect_exit "the rerun fails on worker-staging (exit 1)" 1 "$ECSHIP" deploy --tag v6
contains "it says why web-staging goes back" "$ERR" "an interrupted run of this deploy had moved it to web-staging:"
n=150
while ((n-- > 0)) && { [ "$(svc_td web-staging)" != "$w0" ] || [ "$(svc_td worker-staging)" != "$k0" ]; }; do sleep 0.2; done
check "every service is back: web-staging on ${w0##*/}" test "$(svc_td web-staging)" = "$w0"
check "and worker-staging on ${k0##*/}" test "$(svc_td worker-staging)" = "$k0"
done_testing
