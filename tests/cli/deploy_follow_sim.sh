#!/usr/bin/env bash
# deploy_follow_sim.sh: issue 12, item 3, with a process beside the deploy: a forced redeploy of
# the same revision (UpdateService --force-new-deployment, a second deployment of our task
# definition) while ecship waits is followed to completion (exit 0), not "replaced" (exit 1).
# "replaced" remains for a different revision (tests/cli/deploy_sim.sh, concurrent deploys).
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 20 --seed 5 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
P=$T_TMP/proj
sim_project demo "$P"
cd "$P" || exit 1
"$ECSHIP" deploy >"$T_TMP/setup.out" 2>&1 || { not_ok "setup: the first deploy failed"; diag <"$T_TMP/setup.out"; }

"$ECSHIP" deploy --tag v2 >"$T_TMP/d.out" 2>"$T_TMP/d.err" & dpid=$!
for _ in $(seq 100); do grep -q 'waiting for deployment' "$T_TMP/d.err" && break; sleep 0.1; done
check "the forced redeploy of the same revision is accepted" aws ecs update-service --cluster demo --service web-staging --force-new-deployment --query 'service.deployments[0].id' --output text
wait "$dpid"; rc=$?
check "a forced redeploy of the same revision during the wait: exit 0" test "$rc" = 0
check "it is reported deployed" grep -q "deployed web-staging:2" "$T_TMP/d.out"
lacks "never 'replaced'" "$T_TMP/d.err" "replaced"
check "the service runs revision 2" bash -c "[[ \$(aws ecs describe-services --cluster demo --services web-staging --query 'services[0].taskDefinition' --output text) == *web-staging:2 ]]"

done_testing
