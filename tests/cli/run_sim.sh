#!/usr/bin/env bash
# run_sim.sh: Ctrl-C during `ecship run` (the task is stopped, exit 130) and `deploy --pre-run`
# on ecship-sim (moto upstream): a failing --pre-run leaves the service exactly as it was
# (described before and after), a passing one runs before the update. The plain `ecship run`
# checks are data: tests/cases/run-sim.
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 60 --seed 5 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_post /rules '{"rules":[{"match":"fail3","behavior":"exit:3"},{"match":"nopull","behavior":"pull-error"}]}' >/dev/null
aws ecs create-cluster --cluster-name runs >/dev/null

P=$T_TMP/proj
mkdir -p "$P"
cat >"$P/ecship.yml" <<'YML'
cluster: runs
service: app
task_definition: td.json
service_definition: svc.json
YML
cat >"$P/td.json" <<'JSON'
{"family": "app", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
 "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
 "containerDefinitions": [{"name": "web", "image": "repo/app:${IMAGE_TAG:-v1}", "portMappings": [{"containerPort": 8000}],
   "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app", "awslogs-region": "${AWS_REGION}", "awslogs-stream-prefix": "ecs"}}}]}
JSON
cat >"$P/svc.json" <<'JSON'
{"desiredCount": 1, "launchType": "FARGATE",
 "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["${SUBNET_A}", "${SUBNET_B}"], "securityGroups": ["${SECURITY_GROUP}"], "assignPublicIp": "DISABLED"}}}
JSON
cd "$P" || exit 1
describe() { aws ecs describe-services --cluster runs --services app --query 'services[0].{td:taskDefinition,deps:deployments[*].[id,taskDefinition,status]}' --output json; }

# setup: the service exists (the checks of plain runs are in tests/cases/run-sim)
"$ECSHIP" deploy >"$T_TMP/setup.out" 2>&1 || { not_ok "setup: the first deploy failed"; diag <"$T_TMP/setup.out"; }

# Ctrl-C stops the task (the sim's clock frozen, so it would run for ever)
sim_post /clock '{"speed": 0}' >/dev/null
"$ECSHIP" run -- sleep 3600 >"$T_TMP/int.out" 2>"$T_TMP/int.err" &
RPID=$!
T_PIDS+=("$RPID")
n=100
while ((n-- > 0)) && ! grep -q '^started task' "$T_TMP/int.err"; do sleep 0.1; done
kill -INT "$RPID"
timeout 20 tail --pid="$RPID" -f /dev/null
wait "$RPID"
check "run ends with 130 on Ctrl-C" test $? -eq 130
contains "it says the task was stopped" "$T_TMP/int.err" 'interrupted; task [0-9a-f]{32} was stopped'
task=$(sed -n 's/^started task \([0-9a-f]*\) .*/\1/p' "$T_TMP/int.err")
check "the interrupted task is being stopped" test "$(aws ecs describe-tasks --cluster runs --tasks "$task" --query 'tasks[0].desiredStatus' --output text)" = STOPPED
sim_post /clock '{"speed": 60}' >/dev/null

# deploy --pre-run: a failing command leaves the service untouched
describe >"$T_TMP/before.json"
expect_exit "deploy --pre-run with a failing migration exits 1" 1 "$ECSHIP" deploy --tag fail3-v2 --pre-run "python manage.py migrate"
contains "the pre-run's log is shown" "$ERR" "KeyError: 'DATABASE_URL'"
contains "the error says the service was not changed" "$ERR" "--pre-run 'python manage.py migrate' failed \(task [0-9a-f]{32}\): container 'web' exited with code 3; the service was not changed"
describe >"$T_TMP/after.json"
check "the service is exactly as before (task definition and deployments)" cmp -s "$T_TMP/before.json" "$T_TMP/after.json"
check "it still runs app:1" grep -q 'task-definition/app:1"' "$T_TMP/after.json"
expect_exit "deploy --pre-run with an unclosed quote is a usage error" 2 "$ECSHIP" deploy --tag v9 --pre-run "python 'manage.py"
describe >"$T_TMP/after2.json"
check "nothing changed by the invalid --pre-run either" cmp -s "$T_TMP/before.json" "$T_TMP/after2.json"

expect_exit "deploy --pre-run with a passing migration deploys" 0 "$ECSHIP" deploy --tag v3 --pre-run "python manage.py migrate"
contains "the pre-run ran first" "$ERR" "pre-run: task [0-9a-f]{32} exited with code 0"
check "the pre-run came before the update" bash -c "grep -n 'pre-run: task' '$ERR' | cut -d: -f1 | head -1 > '$T_TMP/a'; grep -n 'updated service' '$ERR' | cut -d: -f1 | head -1 > '$T_TMP/b'; [ \$(cat '$T_TMP/a') -lt \$(cat '$T_TMP/b') ]"
now=$(aws ecs describe-services --cluster runs --services app --query 'services[0].taskDefinition' --output text)
registered=$(sed -n 's/.*registered \(app:[0-9]*\).*/\1/p' "$ERR" | head -1)
check "the service now runs the revision the pre-run ran ($registered)" bash -c "[ -n '$registered' ] && [[ '$now' == *:task-definition/$registered ]]"
expect_exit "deploy --pre-run with nothing to deploy runs nothing" 0 "$ECSHIP" deploy --tag v3 --pre-run "python manage.py migrate"
lacks "no pre-run when the service already runs the revision" "$ERR" 'pre-run:'

# a lost RunTask answer (the task started, the connection closed before the answer) never
# starts a second task: RunTask goes out on a new connection (libcurl cannot resend it on its
# own) with a clientToken, and ecship's retry with the same token gets the same task back
# (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html)
run_tasks() { for st in RUNNING STOPPED; do aws ecs list-tasks --cluster runs --started-by ecship-run --desired-status $st --query 'taskArns' --output text; done | tr '\t' '\n' | grep -c arn; }
n0=$(run_tasks)
seq0=$(sim_get /requests | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
sim_post /faults '{"faults":[{"action":"RunTask","lost":1,"times":1}]}' >/dev/null
expect_exit "run with a lost RunTask answer still runs the command (exit 0)" 0 "$ECSHIP" run -- python manage.py migrate
sim_post /faults '{"faults":[]}' >/dev/null
check "the lost answer was really injected" bash -c "curl -sf '$SIM_URL/_sim/requests' | grep -q '\"fault\":\"lost\"'"
n1=$(run_tasks)
check "one task for one 'ecship run' ($n0 before, $n1 after)" test "$n1" = $((n0 + 1))
runtasks=$(sim_get "/requests?since=$seq0" | python3 -c 'import json,sys; print(sum(r["action"] == "RunTask" for r in json.load(sys.stdin)["requests"]))')
check "ecship retried the RunTask whose answer was lost ($runtasks RunTask requests, 1 task)" test "$runtasks" = 2
done_testing
