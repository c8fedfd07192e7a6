#!/usr/bin/env bash
# deploy_engine_sim.sh: one deploy engine for one or many services, against ecship-sim (moto
# upstream): a service deleted in the middle of a deploy is "failed", exit 1, alone and in a
# group, with every service's outcome in text and JSON; identifiers as long as ECS allows (a
# 255-character cluster and service name) deploy, record the previous revision and roll back.
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 60 --seed 5 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
P=$T_TMP/proj
sim_project demo "$P"
cd "$P" || exit 1

# deploy_then_delete NAME OUT ARGS...: starts `ecship ARGS` with the simulated clock frozen (so our
# deployments stay in progress), deletes service NAME once ecship waits for its deployment(s)
# (DeleteService --force: the service goes DRAINING, then INACTIVE), lets the clock run again
# and sets RC to ecship's exit code; stdout and stderr in OUT.out and OUT.err.
deploy_then_delete() {
	local name=$1 out=$2; shift 2
	sim_post /clock '{"speed": 0}' >/dev/null
	"$ECSHIP" "$@" >"$out.out" 2>"$out.err" & local pid=$!
	for _ in $(seq 100); do grep -q 'waiting for' "$out.err" && break; sleep 0.1; done
	aws ecs delete-service --cluster demo --service "$name" --force >/dev/null
	sim_post /clock '{"speed": 60}' >/dev/null
	wait "$pid"; RC=$?
}

# 1. one service deleted during its deploy: failed, exit 1, nothing left to roll back
expect_exit "one service: first deploy" 0 "$ECSHIP" deploy --tag v1
deploy_then_delete web-staging "$T_TMP/one" deploy --tag v2 --output json
check "one service deleted mid-deploy: exit 1 (got $RC)" test "$RC" = 1
check "one service deleted mid-deploy: the JSON result says failed and deleted" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert d["service"]=="web-staging" and d["outcome"]=="failed" and "was deleted" in d["reason"], d' "$T_TMP/one.out"
contains "one service deleted mid-deploy: the error names the deletion" "$T_TMP/one.err" \
	"^error: deploy of service 'web-staging' failed: service 'web-staging' was deleted while deployment ecs-svc/[0-9]+ was in progress"

# 2. the same in a group of two: the same exit code, a result for each service, the other one
# rolled back (issue 12 item 8: this was exit 3 with no per-service results)
sed 's/"family": "web-${ENVIRONMENT}"/"family": "worker-${ENVIRONMENT}"/' td.json >td-worker.json
cat >two.yml <<'YML'
cluster: demo
task_definition: td.json
timeout: 5m
services:
  - name: pair-web
    service_definition: svc.json
  - name: pair-worker
    task_definition: td-worker.json
    service_definition: svc.json
YML
expect_exit "two services: first deploy creates both" 0 "$ECSHIP" --config two.yml deploy --tag v1
pair_td() { aws ecs describe-services --cluster demo --services "pair-$1" --query 'services[0].taskDefinition' --output text; }
web1=$(pair_td web)
deploy_then_delete pair-worker "$T_TMP/two" --config two.yml deploy --tag v2 --output json
check "two services, one deleted mid-deploy: exit 1 as alone (got $RC)" test "$RC" = 1
check "two services, one deleted mid-deploy: a JSON result for each" python3 -c '
import json,sys
text=open(sys.argv[1]).read()
objs={o["service"]: o for o in (json.loads(x) for x in text.replace("}\n{","}\x00{").split("\x00"))}
assert set(objs)=={"pair-web","pair-worker"}, objs
w, k = objs["pair-web"], objs["pair-worker"]
assert k["outcome"]=="failed" and "was deleted" in k["reason"] and not k["rolled_back"], k
assert w["outcome"]=="failed" and "rolled back because service '"'"'pair-worker'"'"' failed" in w["reason"] and w["rolled_back"], w
' "$T_TMP/two.out"
contains "two services: the deleted one is reported" "$T_TMP/two.err" "^error: deploy of service 'pair-worker' failed: service 'pair-worker' was deleted"
contains "two services: the other one is reported rolled back" "$T_TMP/two.err" "^error: deploy of service 'pair-web' failed: rolled back because service 'pair-worker' failed"
check "two services: pair-web is back on its previous revision" test "$(pair_td web)" = "$web1"
# 2b. a service that cannot start (it does not exist and has no service definition): the deploy
# stops before anything changes in AWS (exit 2, no revision registered, no service updated),
# "none" for both, and the error says what to add (a user trial: the old engine registered
# every revision and started the first service before it found out)
cat >three.yml <<'YML'
cluster: demo
task_definition: td.json
timeout: 5m
services:
  - name: pair-web
    service_definition: svc.json
  - name: pair-ghost
    task_definition: td-worker.json
YML
web_before=$(pair_td web)
seq0=$(sim_get /requests | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
expect_exit "a service that cannot start: exit 2" 2 "$ECSHIP" --config three.yml deploy --tag v4 --output json
check "a service that cannot start: a JSON result for each, 'none' for both" python3 -c '
import json,sys
text=open(sys.argv[1]).read()
objs={o["service"]: o for o in (json.loads(x) for x in text.replace("}\n{","}\x00{").split("\x00"))}
w, g = objs["pair-web"], objs["pair-ghost"]
assert g["outcome"]=="none" and "does not exist" in g["reason"], g
assert w["outcome"]=="none" and not w["rolled_back"] and "service '"'"'pair-ghost'"'"' did not start" in w["reason"], w
' "$OUT"
contains "a service that cannot start: the error names it and what to add" "$ERR" "^error: deploy failed: service 'pair-ghost': service 'pair-ghost' does not exist .*service_definition: FILE"
check "a service that cannot start: nothing registered, created or updated" python3 -c '
import json,sys,urllib.request
d=json.load(urllib.request.urlopen(sys.argv[1]+"/_sim/requests?since="+sys.argv[2]))
changed=[r["action"] for r in d["requests"] if r["seq"]>=int(sys.argv[2]) and r["action"] in ("RegisterTaskDefinition","UpdateService","CreateService","TagResource")]
assert d["requests"] and not changed, changed' "$SIM_URL" "$seq0"
check "a service that cannot start: pair-web is where it was" test "$(pair_td web)" = "$web_before"

# 2c. the deletion case once more, in text
deploy_then_delete pair-web "$T_TMP/text" --config two.yml deploy --tag v3
check "two services in text: exit 1 (got $RC)" test "$RC" = 1
contains "two services in text: pair-web's outcome" "$T_TMP/text.err" "^error: deploy of service 'pair-web' failed: service 'pair-web' was deleted"
contains "two services in text: pair-worker's outcome" "$T_TMP/text.err" "deploy of service 'pair-worker'"

# 3. names as long as ECS allows: "Up to 255 letters (uppercase and lowercase), numbers, hyphens,
# and underscores are allowed" (ECS API Reference, CreateCluster clusterName and CreateService
# serviceName). The service ARN is then over 550 characters; the previous revision is recorded
# on it and read back by rollback.
long_name() { python3 -c 'import sys; p=sys.argv[1]; print((p+"-Ab_9"*60)[:255])' "$1"; }
CL=$(long_name cluster) SV=$(long_name service)
check "the names are 255 characters" test "${#CL}" = 255 -a "${#SV}" = 255
aws ecs create-cluster --cluster-name "$CL" >/dev/null
sim_small_project "$T_TMP/long" "$CL" "$SV" long-web 1
cd "$T_TMP/long" || exit 1
long_td() { aws ecs describe-services --cluster "$CL" --services "$SV" --query 'services[0].taskDefinition' --output text; }
expect_exit "255-character names: first deploy creates the service" 0 "$ECSHIP" deploy --tag v1
arn=$(aws ecs describe-services --cluster "$CL" --services "$SV" --query 'services[0].serviceArn' --output text)
check "255-character names: the service ARN is ${#arn} characters" test "${#arn}" -gt 550
expect_exit "255-character names: a second deploy completes" 0 "$ECSHIP" deploy --tag v2 --output json
lacks "255-character names: the previous revision is recorded" "$ERR" "cannot record the previous revision"
check "255-character names: the JSON result names both revisions" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert d["outcome"]=="completed" and d["task_definition_arn"].endswith("long-web:2") and d["previous_task_definition_arn"].endswith("long-web:1"), d' "$OUT"
check "255-character names: the tag holds revision 1" bash -c "aws ecs list-tags-for-resource --resource-arn '$arn' --output text | grep -q 'ecship:previous-task-definition.*long-web:1'"
expect_exit "255-character names: rollback to the recorded revision" 0 "$ECSHIP" rollback
contains "255-character names: rollback names both revisions" "$OUT" "^rolled back service '$SV' from long-web:2 to long-web:1"
check "255-character names: ECS runs revision 1 again" bash -c "[[ '$(long_td)' == *:task-definition/long-web:1 ]]"

done_testing
