#!/usr/bin/env bash
# logs_follow.sh: `ecship logs --follow` on ecship-sim: prints what is there, then the lines of a
# task started while it follows (each line once), and ends cleanly with exit 0 on SIGINT (sent
# as Ctrl-C would).
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 30 --seed 3 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
aws ecs create-cluster --cluster-name follow >/dev/null

P=$T_TMP/proj
mkdir -p "$P"
cat >"$P/ecship.yml" <<'YML'
cluster: follow
service: app
task_definition: td.json
service_definition: svc.json
YML
cat >"$P/td.json" <<'JSON'
{"family": "follow", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
 "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
 "containerDefinitions": [{"name": "web", "image": "repo/app:v1", "portMappings": [{"containerPort": 8000}],
   "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "${LOG_GROUP:-/ecs/follow}", "awslogs-region": "${AWS_REGION}", "awslogs-stream-prefix": "ecs"}}}]}
JSON
cat >"$P/svc.json" <<'JSON'
{"desiredCount": 1, "launchType": "FARGATE",
 "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["${SUBNET_A}"], "assignPublicIp": "DISABLED"}}}
JSON
cd "$P" || exit 1

expect_exit "deploy" 0 "$ECSHIP" deploy
expect_exit "logs shows the service's startup lines" 0 "$ECSHIP" logs --since 1h
contains "prefixed by task" "$OUT" '^20[0-9-]+T[0-9:.]+Z \[[0-9a-f]{12}\] starting application$'

# follow: start it, run a one-off task meanwhile, then Ctrl-C
"$ECSHIP" logs --follow --since 1h >"$T_TMP/follow.out" 2>"$T_TMP/follow.err" &
FPID=$!
T_PIDS+=("$FPID")
n=100
while ((n-- > 0)) && ! grep -q 'starting application' "$T_TMP/follow.out"; do sleep 0.1; done
check "--follow prints the existing lines first" grep -q 'starting application' "$T_TMP/follow.out"
expect_exit "a one-off task while following" 0 "$ECSHIP" run --no-logs -- ./manage.py check --deploy
n=150
while ((n-- > 0)) && ! grep -q 'running: ./manage.py check --deploy' "$T_TMP/follow.out"; do sleep 0.1; done
contains "--follow shows the new task's lines as they come" "$T_TMP/follow.out" '\[[0-9a-f]{12}\] running: \./manage\.py check --deploy$'
n=100
while ((n-- > 0)) && ! grep -q '\] done$' "$T_TMP/follow.out"; do sleep 0.1; done
check "--follow shows each line once" bash -c "[ \$(sort '$T_TMP/follow.out' | uniq -d | wc -l) -eq 0 ]"
kill -INT "$FPID"
rc=0
# the follower must end by itself after SIGINT; if it does not, timeout's kill makes this fail
timeout 20 tail --pid="$FPID" -f /dev/null || rc=124
wait "$FPID"
frc=$?
check "--follow ended after SIGINT" test "$rc" -eq 0
check "--follow ends with exit 0 on Ctrl-C" test "$frc" -eq 0
lacks "no error on the way out" "$T_TMP/follow.err" '^error:'

# an unknown task: its stream is not in the log group, so it says so and exits 2 (input error)
# rather than printing nothing with exit 0 (cases/logs-task-missing has the rest)
expect_exit "logs --task of an unknown task: exit 2" 2 "$ECSHIP" logs --since 1h --task 0123456789abcdef0123456789abcdef
check "no log lines" test ! -s "$OUT"
contains "it names the missing stream" "$ERR" "no log stream 'ecs/web/0123456789abcdef0123456789abcdef'"
done_testing
