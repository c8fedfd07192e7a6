#!/usr/bin/env bash
# deploy_sim.sh: `ecship deploy`, `wait`, `status` and `rollback` against ecship-sim (with moto
# upstream): create then update with exactly one new revision, no revision for an unchanged
# definition, each failure behaviour rolled back to the previous revision with exit 1 (with the
# circuit breaker on and off), --no-rollback, --dry-run, --no-wait + wait, rollback --to and the
# recorded revision, concurrent deploys, GitHub Actions outputs.
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 60 --seed 7 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_failure_rules
P=$T_TMP/proj
sim_project demo "$P"
cd "$P" || exit 1

revisions() { aws ecs list-task-definitions --family-prefix "web-$1" --query 'length(taskDefinitionArns)' --output text; }
service_td() { aws ecs describe-services --cluster demo --services "web-$1" --query 'services[0].taskDefinition' --output text; }

# 1. first deploy creates the service
expect_exit "first deploy creates the service and completes" 0 "$ECSHIP" deploy --output json
check "result says created and completed" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d["created"] and d["outcome"]=="completed" and d["revision"]==1, d' "$OUT"
contains "progress shows the service events" "$ERR" 'event: \(service web-staging\) has started 2 tasks'
check "one revision registered" test "$(revisions staging)" = 1

# 2. a new tag registers exactly one revision and completes
expect_exit "deploy --tag v2 completes" 0 "$ECSHIP" deploy --tag v2
contains "text result names the revision and the deployment" "$OUT" "^deployed web-staging:2 to service 'web-staging' \(deployment ecs-svc/[0-9]+"
check "exactly one more revision" test "$(revisions staging)" = 2
check "service runs revision 2" bash -c "[[ '$(service_td staging)' == *:task-definition/web-staging:2 ]]"

# 3. nothing changed: no new revision, no new deployment
expect_exit "deploy of the same definition" 0 "$ECSHIP" deploy --tag v2
contains "unchanged deploy says so" "$OUT" "already runs web-staging:2; nothing to deploy"
check "no revision registered" test "$(revisions staging)" = 2

# 4. --dry-run changes nothing
expect_exit "dry run" 0 "$ECSHIP" deploy --tag v3 --dry-run
contains "dry run says what it would do" "$OUT" "would update service 'web-staging' from web-staging:2"
check "dry run registered nothing" test "$(revisions staging)" = 2

# 5. each failure behaviour: exit 1, back on the previous revision, the reason named
n=2
for tag in crash-1 sick-1 nopull-1; do
	n=$((n + 1))
	expect_exit "failing image '$tag' exits 1" 1 "$ECSHIP" deploy --tag "$tag"
	contains "'$tag': the failure is reported" "$ERR" "^error: deploy of service 'web-staging' failed"
	contains "'$tag': the service is back on the previous revision" "$ERR" 'the service is back on web-staging:2'
	check "'$tag': ECS shows revision 2 again" bash -c "[[ '$(service_td staging)' == *:task-definition/web-staging:2 ]]"
done
ALLOWED_HOSTS='*.elb.amazonaws.com' expect_exit "django with ALLOWED_HOSTS=*.elb.amazonaws.com exits 1" 1 "$ECSHIP" deploy --tag django-1
contains "django: back on the previous revision" "$ERR" 'the service is back on web-staging:2'
ALLOWED_HOSTS='*' expect_exit "django with ALLOWED_HOSTS=* completes" 0 "$ECSHIP" deploy --tag django-2

# 6. the circuit breaker off: ecship applies the breaker's rule and rolls back itself
sed 's/"enable": true, "rollback": true/"enable": false, "rollback": false/' svc.json >svc-nb.json
sed 's/^service: .*/service: nobreaker/; s/^service_definition: .*/service_definition: svc-nb.json/' ecship.yml >nb.yml
expect_exit "breaker off: first deploy" 0 "$ECSHIP" --config nb.yml deploy --tag v1
nb_td() { aws ecs describe-services --cluster demo --services nobreaker --query 'services[0].taskDefinition' --output text; }
nb_first=$(nb_td)
for tag in crash-2 sick-2 nopull-2 django-3; do
	ALLOWED_HOSTS='*.elb.amazonaws.com' expect_exit "breaker off: '$tag' exits 1" 1 "$ECSHIP" --config nb.yml deploy --tag "$tag"
	contains "breaker off: '$tag' is judged by ecship's rule" "$ERR" "the breaker is off, so ecship applied its rule"
	contains "breaker off: '$tag' rolled back by ecship" "$ERR" 'the service is back on web-staging:'
	check "breaker off: '$tag' ECS shows the first revision again" test "$(nb_td)" = "$nb_first"
done

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

# 7. --no-rollback leaves the failure in place
expect_exit "--no-rollback: failing deploy exits 1" 1 "$ECSHIP" deploy --tag crash-3 --no-rollback
contains "--no-rollback says it was not rolled back" "$ERR" 'NOT rolled back'

# 8. rollback to the recorded revision, then --to
expect_exit "rollback to the recorded previous revision" 0 "$ECSHIP" rollback
# ECS's circuit breaker may have rolled the crash-3 deployment back already (then rollback says so)
contains "rollback names both revisions, or that the service already runs the recorded one" "$OUT" \
	"^(rolled back service 'web-staging' from web-staging:[0-9]+ to web-staging:[0-9]+|service 'web-staging' already runs web-staging:[0-9]+, the recorded previous revision)"
expect_exit "rollback --to 2" 0 "$ECSHIP" rollback --to 2
check "service runs revision 2 after rollback --to 2" bash -c "[[ '$(service_td staging)' == *:task-definition/web-staging:2 ]]"
expect_exit "rollback --to a missing revision exits 2" 2 "$ECSHIP" rollback --to 999

# 9. --no-wait, then wait and status
expect_exit "deploy --no-wait returns at once" 0 "$ECSHIP" deploy --tag v4 --no-wait
contains "--no-wait names the deployment" "$OUT" 'deployment ecs-svc/[0-9]+ started; not waiting'
expect_exit "wait follows it to completion" 0 "$ECSHIP" wait
contains "wait reports completion" "$OUT" 'deployment ecs-svc/[0-9]+ completed'
expect_exit "status" 0 "$ECSHIP" status --events 3
contains "status shows the revision" "$OUT" '^revision +web-staging:'
contains "status shows the deployment" "$OUT" 'PRIMARY COMPLETED'
expect_exit "status --output json" 0 "$ECSHIP" status --output json
check "status json has deployments" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["deployments"][0]["status"]=="PRIMARY"' "$OUT"

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

# 11. two services in one deploy (a web service and a worker): one fails, both are rolled back
sed 's/"family": "web-${ENVIRONMENT}"/"family": "worker-${ENVIRONMENT}"/; s|"image": "repo/web:|"image": "repo/${WORKER_IMAGE:-worker}:|' td.json >td-worker.json
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
web1=$(pair_td web); worker1=$(pair_td worker)
check "two services: both exist" bash -c "[[ '$web1' == *web-staging* && '$worker1' == *worker-staging* ]]"
WORKER_IMAGE=crashworker expect_exit "two services: the worker fails, exit 1" 1 "$ECSHIP" --config two.yml deploy --tag v2
contains "two services: the web service is rolled back because of the worker" "$ERR" "rolled back because service 'pair-worker' failed"
check "two services: web is back on its previous revision" test "$(pair_td web)" = "$web1"
check "two services: worker is back on its previous revision" test "$(pair_td worker)" = "$worker1"
expect_exit "two services: both deploy together" 0 "$ECSHIP" --config two.yml deploy --tag v3 --output json
check "two services: two results, both completed" python3 -c '
import json,sys
text=open(sys.argv[1]).read()
objs=[json.loads(x) for x in text.replace("}\n{","}\x00{").split("\x00")]
assert len(objs)==2 and all(o["outcome"]=="completed" for o in objs), objs' "$OUT"

# 12. GitHub Actions: outputs and summary
export GITHUB_ACTIONS=true GITHUB_OUTPUT=$T_TMP/gh_out GITHUB_STEP_SUMMARY=$T_TMP/gh_sum
expect_exit "deploy under GitHub Actions" 0 "$ECSHIP" deploy --tag v7
contains "GITHUB_OUTPUT has the task definition ARN" "$GITHUB_OUTPUT" '^task_definition_arn=arn:aws:ecs:.*:task-definition/web-staging:[0-9]+$'
contains "GITHUB_OUTPUT has the revision" "$GITHUB_OUTPUT" '^revision=[0-9]+$'
contains "GITHUB_OUTPUT has the deployment id" "$GITHUB_OUTPUT" '^deployment_id=ecs-svc/[0-9]+$'
contains "the step summary has a table row" "$GITHUB_STEP_SUMMARY" '^\| web-staging \| completed \|'
expect_exit "a failing deploy under GitHub Actions" 1 "$ECSHIP" deploy --tag crash-4
contains "the failure is an ::error:: annotation" "$ERR" '^::error::deploy of service'
unset GITHUB_ACTIONS GITHUB_OUTPUT GITHUB_STEP_SUMMARY

# 13. diff: local vs live, ECS defaults normalized away
expect_exit "diff of what runs: no differences" 0 "$ECSHIP" diff --tag v7 --exit-code
lacks "no diff lines when nothing differs" "$OUT" '^[-+]'
contains "diff says there are no differences" "$ERR" 'no differences'
expect_exit "diff of a new tag: exit 1 with --exit-code" 1 "$ECSHIP" diff --tag v8 --exit-code
contains "diff shows the live image" "$OUT" '^-.*"image": "repo/web:v7"'
contains "diff shows the local image" "$OUT" '^\+.*"image": "repo/web:v8"'
contains "diff has unified headers" "$OUT" '^--- live web-staging:[0-9]+'
lacks "ECS defaults do not show as differences" "$OUT" '^[-+].*"(essential|hostPort|protocol)"'

done_testing
