#!/usr/bin/env bash
# deploy_chaos.sh: 20 deploys in a row against ecship-sim while it throttles 30% of requests,
# answers 10% with 5xx, resets 5% of connections (before the request runs) and loses 5% of the
# answers (after the request ran): every deploy ends in the right state with the right exit
# code, and no revision is registered twice (a lost RegisterTaskDefinition answer must not make
# the transport or ecship register it again).
# san: skip
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 120 --seed 11 --region "$AWS_REGION" --no-rate-limits || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_post /rules '{"rules":[{"match":"crash","behavior":"exit:3"}]}' >/dev/null
aws ecs create-cluster --cluster-name chaos >/dev/null

P=$T_TMP/proj
mkdir -p "$P" && cd "$P" || exit 1
sim_small_project . chaos web chaos-web 2 v0 /ecs/web
expect_exit "baseline deploy (no faults)" 0 "$ECSHIP" deploy --tag v0

faults_on() { sim_faults '{"faults":[{"action":"*","throttle":0.30,"error":0.10,"reset":0.05,"lost":0.05},{"action":"RegisterTaskDefinition","lost":0.5}]}'; }
td_now() { aws ecs describe-services --cluster chaos --services web --query 'services[0].taskDefinition' --output text; }

good=$(td_now)
bad_exit=0 wrong_state=0 registered=0
for i in $(seq 1 20); do
	if [ $((i % 4)) -eq 0 ]; then tag="crash-$i" want=1; else tag="v$i" want=0; fi
	faults_on
	"$ECSHIP" deploy --tag "$tag" >"$T_TMP/out.$i" 2>"$T_TMP/err.$i"
	rc=$?
	sim_faults_off
	registered=$((registered + 1))
	now=$(td_now)
	if [ "$rc" -ne "$want" ]; then
		bad_exit=$((bad_exit + 1))
		{ echo "deploy $i ($tag): exit $rc, want $want"; tail -5 "$T_TMP/err.$i"; } | diag
	fi
	if [ "$want" -eq 0 ]; then
		# the new revision is live and the service is on it
		[[ "$now" == *":task-definition/chaos-web:"* && "$now" != "$good" ]] || { wrong_state=$((wrong_state + 1)); echo "deploy $i: service on $now" | diag; }
		good=$now
	else
		[ "$now" = "$good" ] || { wrong_state=$((wrong_state + 1)); echo "deploy $i: service on $now, want $good" | diag; }
	fi
done
check "20 deploys under faults: every exit code right" test "$bad_exit" = 0
check "20 deploys under faults: every deploy ended in the right state" test "$wrong_state" = 0
revs=$(aws ecs list-task-definitions --family-prefix chaos-web --query 'length(taskDefinitionArns)' --output text)
check "no duplicate revisions: $revs revisions for 21 distinct definitions" test "$revs" = 21
sim_get /requests >"$T_TMP/req.json"
check "the faults were really injected (throttles, 5xx, resets and lost answers seen)" python3 -c '
import json,sys
reqs=json.load(open(sys.argv[1]))["requests"]
kinds={r.get("fault") for r in reqs}
assert {"throttle","error","reset","lost"} <= kinds, kinds
assert any(r.get("fault") == "lost" and r["action"] == "RegisterTaskDefinition" for r in reqs)' "$T_TMP/req.json"
done_testing
