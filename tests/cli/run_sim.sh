#!/usr/bin/env bash
# run_sim.sh: `ecship run` and `deploy --pre-run` on ecship-sim (moto upstream): the container's
# exit code is ecship's (0 and 3), the task's log is streamed, RunTask gets the service's
# network and the overridden command, --tag registers (or reuses) a revision, and a failing
# --pre-run leaves the service exactly as it was (described before and after).
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
 "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-run1", "subnet-run2"], "securityGroups": ["sg-run"], "assignPublicIp": "DISABLED"}}}
JSON
cd "$P" || exit 1
describe() { aws ecs describe-services --cluster runs --services app --query 'services[0].{td:taskDefinition,deps:deployments[*].[id,taskDefinition,status]}' --output json; }
revisions() { aws ecs list-task-definitions --family-prefix app --query 'length(taskDefinitionArns)' --output text; }

expect_exit "run needs a command" 2 "$ECSHIP" run
contains "says how to give it" "$ERR" "ecship run -- python manage.py migrate"
expect_exit "run --image and --tag together is a usage error" 2 "$ECSHIP" run --image x --tag y -- true

expect_exit "deploy the service" 0 "$ECSHIP" deploy
expect_exit "run -- python manage.py migrate (exits 0)" 0 "$ECSHIP" run -- python manage.py migrate
contains "the migration's log is streamed to stdout" "$OUT" 'Running migrations:'
contains "up to its last line" "$OUT" 'Applying auth.0001_initial... OK'
contains "progress names the task" "$ERR" '^started task [0-9a-f]{32} \(app:1\)'
contains "and its exit code" "$ERR" 'exited with code 0'
task=$(sed -n 's/^started task \([0-9a-f]*\) .*/\1/p' "$ERR")
aws ecs describe-tasks --cluster runs --tasks "$task" --output json >"$T_TMP/task.json"
check "RunTask overrode the container's command" python3 -c '
import json,sys; t=json.load(open(sys.argv[1]))["tasks"][0]
o=t["overrides"]["containerOverrides"][0]; assert o["name"]=="web" and o["command"]==["python","manage.py","migrate"], o' "$T_TMP/task.json"
check "RunTask used the service's network (subnet of the service)" python3 -c '
import json,sys; t=json.load(open(sys.argv[1]))["tasks"][0]
d={x["name"]:x["value"] for x in t["attachments"][0]["details"]}; assert d["subnetId"] in ("subnet-run1","subnet-run2"), d' "$T_TMP/task.json"
check "the one-off task is marked as started by ecship" grep -q '"startedBy": "ecship-run"' "$T_TMP/task.json"
check "no revision was registered for a plain run" test "$(revisions)" = 1

expect_exit "run --tag fail3 -- python manage.py migrate (exits 3)" 3 "$ECSHIP" run --tag fail3 -- python manage.py migrate
contains "the failing migration's log is streamed" "$OUT" "KeyError: 'DATABASE_URL'"
contains "the error names the exit code" "$ERR" "container 'web' exited with code 3"
contains "--tag registered a revision" "$ERR" '^registered app:2'
expect_exit "run --tag fail3 again reuses that revision" 3 "$ECSHIP" run --tag fail3 -- python manage.py migrate
contains "it says so" "$ERR" '^using app:2'
check "still two revisions" test "$(revisions)" = 2
expect_exit "run --output json" 3 "$ECSHIP" run --tag fail3 --output json --no-logs -- python manage.py migrate
check "json: exit code 3, ended as exited" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d["exit_code"]==3 and d["end"]=="exited" and len(d["task"])==32, d' "$OUT"
lacks "--no-logs streams nothing" "$OUT" 'Traceback'

expect_exit "run of an image that cannot be pulled exits 1" 1 "$ECSHIP" run --tag nopull -- python manage.py migrate
contains "with the reason it did not start" "$ERR" 'the task did not run: TaskFailedToStart: CannotPullContainerError'
expect_exit "run with an unknown container" 3 "$ECSHIP" run --container nope -- true
contains "ECS's refusal is reported" "$ERR" 'cannot run the task.*nope'

# --timeout and Ctrl-C stop the task (the sim's clock frozen, so it would run for ever)
sim_post /clock '{"speed": 0}' >/dev/null
expect_exit "run --timeout 2s of a task that does not end exits 4" 4 "$ECSHIP" run --timeout 2s -- sleep 3600
contains "it says the task was stopped" "$ERR" 'did not stop within 2 s; it was stopped'
task=$(sed -n 's/^started task \([0-9a-f]*\) .*/\1/p' "$ERR")
check "the timed-out task is being stopped" test "$(aws ecs describe-tasks --cluster runs --tasks "$task" --query 'tasks[0].desiredStatus' --output text)" = STOPPED
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
