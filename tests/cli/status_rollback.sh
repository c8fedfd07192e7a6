#!/usr/bin/env bash
# status_rollback.sh: what users asked for after a trial, against ecship-sim: `status` shows the
# image the service runs, the recorded previous revision, the newest deployment (with ECS's
# circuit-breaker reason) and the newest service deployment (ListServiceDeployments:
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListServiceDeployments.html); `rollback` right after an automatic rollback explains that the service
# already runs the previous revision; `rollback --to` a revision that does not exist is a usage
# error (exit 2) that lists the revisions that do, and changes nothing.
# ECS's events on a circuit-breaker rollback, "(deployment ID) deployment failed: tasks failed to
# start." then "rolling back to deployment ID.":
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 60 --seed 9 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_failure_rules
P=$T_TMP/proj
sim_project sr "$P"
cd "$P" || exit 1
service_td() { aws ecs describe-services --cluster sr --services web-staging --query 'services[0].taskDefinition' --output text; }

expect_exit "status before any deploy: the service does not exist" 1 "$ECSHIP" status
expect_exit "first deploy" 0 "$ECSHIP" deploy --tag v1
expect_exit "status after the first deploy" 0 "$ECSHIP" status
contains "status: the image the main container runs" "$OUT" '^image +repo/web:v1 \(container web\)$'
contains "status: no previous revision yet" "$OUT" '^previous +none recorded'
contains "status: the newest deployment" "$OUT" '^newest +ecs-svc/[0-9]+ web-staging:1 PRIMARY COMPLETED'
contains "status: the newest service deployment (ListServiceDeployments) succeeded" "$OUT" \
	'^last change +service deployment [^ ]+ SUCCESSFUL \(since [^,]+, finished [^)]+\)'
expect_exit "second deploy" 0 "$ECSHIP" deploy --tag v2
expect_exit "status after the second deploy" 0 "$ECSHIP" status
contains "status: the recorded previous revision is 1, where rollback goes" "$OUT" "^previous +web-staging:1 \(recorded by the last deploy; 'ecship rollback' returns to it\)$"
expect_exit "a failing deploy is rolled back by the circuit breaker" 1 "$ECSHIP" deploy --no-fail-fast --tag crash-9
check "the service runs revision 2 again" bash -c "[[ '$(service_td)' == *:task-definition/web-staging:2 ]]"

expect_exit "status after the automatic rollback" 0 "$ECSHIP" status
contains "status: the image is v2 again" "$OUT" '^image +repo/web:v2 \(container web\)$'
# the recorded previous revision is the one it runs again: 'ecship rollback' would go nowhere
contains "status: the recorded previous revision is 2, which it runs again" "$OUT" "^previous +web-staging:2, which it runs again \(the last deploy was rolled back; 'ecship rollback --to N' goes further back\)$"
contains "status: the newest deployment is the rollback's, on revision 2" "$OUT" '^newest +ecs-svc/[0-9]+ web-staging:2 PRIMARY [A-Z_]+ \(since'
contains "status: ECS's circuit breaker rolled back the failed deployment" "$OUT" \
	"^rollback +by ECS's circuit breaker: deployment ecs-svc/[0-9]+ deployment failed: tasks failed to start; rolled back to deployment ecs-svc/[0-9]+$"
contains "status: the newest service deployment is the failed one, rolled back" "$OUT" \
	'^last change +service deployment [^ ]+ ROLLBACK_SUCCESSFUL \(since '
expect_exit "status --output json" 0 "$ECSHIP" status --output json
check "status json: image, container, previous revision and newest deployment" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["image"] == "repo/web:v2" and d["container"] == "web", d
assert d["previous_task_definition"].endswith(":task-definition/web-staging:2"), d
assert d["newest_deployment"].startswith("ecs-svc/"), d
assert d["newest_deployment"] in [x["id"] for x in d["deployments"]], d
n = d["newest_service_deployment"]
assert n["status"] == "ROLLBACK_SUCCESSFUL" and n["finished"] and n["created"] <= n["finished"], n
assert n["target_revision"], n' "$OUT"

expect_exit "rollback right after the automatic rollback" 0 "$ECSHIP" rollback
contains "it says the service already runs the previous revision" "$OUT" \
	"^service 'web-staging' already runs web-staging:2, the recorded previous revision; nothing to roll back$"
contains "it says ECS rolled the last deploy back, and why" "$ERR" \
	'rolled back automatically by ECS: deployment ecs-svc/[0-9]+ deployment failed: tasks failed to start; rolled back to deployment ecs-svc/[0-9]+'
contains "it says how to go further back" "$ERR" 'ecship rollback --to N'
check "nothing changed: still revision 2" bash -c "[[ '$(service_td)' == *:task-definition/web-staging:2 ]]"

# --to a revision that does not exist: exit 2, the revisions that do, nothing changed
deps_before=$(aws ecs describe-services --cluster sr --services web-staging --query 'services[0].deployments[*].id' --output text)
expect_exit "rollback --to 99 (no such revision) exits 2" 2 "$ECSHIP" rollback --to 99
contains "it names the revision" "$ERR" "^error: revision 'web-staging:99' does not exist; nothing was changed$"
contains "it lists the revisions that exist" "$ERR" "revisions of 'web-staging' that exist: 1, 2, 3; e.g. --to 3"
expect_exit "rollback --to FAMILY:N that does not exist exits 2 too" 2 "$ECSHIP" rollback --to web-staging:42
contains "the same list" "$ERR" "revisions of 'web-staging' that exist: 1, 2, 3"
check "nothing changed: same deployments" test \
	"$(aws ecs describe-services --cluster sr --services web-staging --query 'services[0].deployments[*].id' --output text)" = "$deps_before"
expect_exit "rollback --to 1 still works" 0 "$ECSHIP" rollback --to 1
check "the service runs revision 1" bash -c "[[ '$(service_td)' == *:task-definition/web-staging:1 ]]"

# the breaker off: ecship rolls the failed deploy back itself; rollback says so
sed 's/"enable": true, "rollback": true/"enable": false, "rollback": false/' svc.json >svc-nb.json
sed 's/^service: .*/service: nobreaker/; s/^service_definition: .*/service_definition: svc-nb.json/' ecship.yml >nb.yml
expect_exit "breaker off: first deploy" 0 "$ECSHIP" --config nb.yml deploy --tag v1
expect_exit "breaker off: second deploy" 0 "$ECSHIP" --config nb.yml deploy --tag v2
expect_exit "breaker off: a failing deploy is rolled back by ecship" 1 "$ECSHIP" --config nb.yml deploy --tag crash-10
expect_exit "breaker off: rollback right after" 0 "$ECSHIP" --config nb.yml rollback
contains "breaker off: it says the service already runs the previous revision" "$OUT" "already runs web-staging:[0-9]+, the recorded previous revision"
contains "breaker off: it says a failed deploy was rolled back to it" "$ERR" 'rolled back to it already \(ecship rolls back a failed deploy itself\)'
done_testing
