#!/usr/bin/env bash
# deploy_sim.sh: the deploy checks that need a process beside the command, against ecship-sim
# (with moto upstream): a deploy that outlasts --timeout while the sim's clock stands still,
# Ctrl-C during the wait, progress redrawn on a terminal, two deploys of one service at once.
# Every other deploy, wait, status, rollback and diff check is data: tests/cases/deploy-sim.
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 60 --seed 7 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_failure_rules
P=$T_TMP/proj
sim_project demo "$P"
cd "$P" || exit 1

revisions() { aws ecs list-task-definitions --family-prefix "web-$1" --query 'length(taskDefinitionArns)' --output text; }
# setup: the service exists (its checks are in tests/cases/deploy-sim)
"$ECSHIP" deploy >"$T_TMP/setup.out" 2>&1 || { not_ok "setup: the first deploy failed"; diag <"$T_TMP/setup.out"; }

# 7b. the timeout: exit 4, the state at that moment, and rolled back
# the simulated clock stands still until the deploy has timed out, then runs again for the rollback
sim_post /clock '{"speed": 0}' >/dev/null
(sleep 4.5; sim_post /clock '{"speed": 60}' >/dev/null) & clock_pid=$!
expect_exit "a deploy that outlasts --timeout exits 4" 4 "$ECSHIP" deploy --tag v-timeout --timeout 4s
wait "$clock_pid"
contains "the timeout is reported" "$ERR" "^error: deploy of service 'web-staging' timed out: deployment ecs-svc/[0-9]+ did not complete within 4 s"
contains "the state at that moment was shown" "$ERR" 'PRIMARY IN_PROGRESS'
contains "a timed-out deploy is rolled back" "$ERR" 'the service is back on web-staging:'

# 7b2. Ctrl-C during the wait: exit 130 and what goes on without us
sim_post /clock '{"speed": 0}' >/dev/null
"$ECSHIP" deploy --tag v-int >"$T_TMP/int.out" 2>"$T_TMP/int.err" & dpid=$!
for _ in $(seq 50); do grep -q 'waiting for deployment' "$T_TMP/int.err" && break; sleep 0.1; done
kill -INT "$dpid"; wait "$dpid"; rc=$?
sim_post /clock '{"speed": 60}' >/dev/null
check "Ctrl-C during the wait exits 130" test "$rc" = 130
contains "Ctrl-C says the deployment goes on in ECS" "$T_TMP/int.err" "interrupted while deployment ecs-svc/[0-9]+ was in progress; it goes on in ECS"
expect_exit "wait takes over after Ctrl-C" 0 "$ECSHIP" wait

# 7c. on a terminal, progress redraws in place (cursor-up escapes); elsewhere it is appended
script -qfec "'$ECSHIP' deploy --tag tty-1" /dev/null >"$T_TMP/tty.out" 2>&1
check "on a terminal the deploy succeeds" grep -q "deployed web-staging:" "$T_TMP/tty.out"
check "on a terminal progress is redrawn (ESC[nA)" grep -q $'\033\[[0-9]*A' "$T_TMP/tty.out"
lacks "off a terminal there are no escapes" "$ERR" $'\033'

# 10. two deploys of one service at once: both end cleanly, nothing lost, no false success
before=$(revisions staging)
"$ECSHIP" deploy --tag v5 --output json >"$T_TMP/a.json" 2>"$T_TMP/a.err" & pa=$!
"$ECSHIP" deploy --tag v6 --output json >"$T_TMP/b.json" 2>"$T_TMP/b.err" & pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
check "concurrent deploys: both exit 0 or 1" bash -c "[[ '$ra' =~ ^[01]$ && '$rb' =~ ^[01]$ ]]"
check "concurrent deploys: both revisions registered" test "$(revisions staging)" = $((before + 2))
sim_get /rollouts >"$T_TMP/rollouts.json"
check "concurrent deploys: every exit 0 names a deployment the sim completed" python3 -c '
import json,sys
roll=json.load(open(sys.argv[1]))["changes"]
done={c["deploymentId"] for c in roll if c["rolloutState"]=="COMPLETED"}
for f,rc in ((sys.argv[2],sys.argv[3]),(sys.argv[4],sys.argv[5])):
    d=json.load(open(f))
    if rc=="0":
        assert d["outcome"] in ("completed",), d
        assert d["deployment_id"] in done, (d["deployment_id"], "not completed in the sim")
    else:
        assert d["outcome"] in ("replaced","failed"), d
' "$T_TMP/rollouts.json" "$T_TMP/a.json" "$ra" "$T_TMP/b.json" "$rb"
check "concurrent deploys: the service ends steady on one of the two" bash -c "[[ \$(aws ecs describe-services --cluster demo --services web-staging --query 'services[0].deployments[0].rolloutState' --output text) == COMPLETED ]]"

done_testing
