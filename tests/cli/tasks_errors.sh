#!/usr/bin/env bash
# tasks_errors.sh: how `tasks`, `logs`, `run` and `doctor` fail: usage errors (exit 2), AWS
# errors naming the cluster or service (exit 3), and an unreachable endpoint (exit 3, no check
# results printed as if they were findings).
. tests/lib/common.sh

P=$T_TMP/proj
mkdir -p "$P"
cat >"$P/ecship.yml" <<'YML'
cluster: no-such-cluster
service: web
task_definition: td.json
YML
cat >"$P/td.json" <<'JSON'
{"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
 "containerDefinitions": [{"name": "web", "image": "repo/web:v1"}]}
JSON
cd "$P" || exit 1

expect_exit "tasks takes no arguments" 2 "$ECSHIP" tasks extra
contains "it says so" "$ERR" "'tasks' takes no arguments, got 'extra'"
expect_exit "tasks --max 0 is out of range" 2 "$ECSHIP" tasks --max 0
expect_exit "logs takes no arguments" 2 "$ECSHIP" logs extra
expect_exit "doctor takes no arguments" 2 "$ECSHIP" doctor extra
expect_exit "doctor --image with --tag" 2 "$ECSHIP" doctor --image a --tag b
expect_exit "tasks of a cluster that does not exist" 3 "$ECSHIP" tasks
contains "the error names the AWS error" "$ERR" "^error: cannot list the tasks: .*(ClusterNotFoundException|ServiceNotFoundException)"
expect_exit "run of a service that does not exist, without a service definition" 3 "$ECSHIP" run -- true
expect_exit "doctor with nothing reachable" 3 env AWS_ENDPOINT_URL=http://127.0.0.1:9 "$ECSHIP" doctor
contains "doctor says AWS cannot be reached" "$ERR" '^error: cannot run the checks: .*127\.0\.0\.1:9'
lacks "and prints no verdicts" "$OUT" '^\[(ok|FAIL)'
expect_exit "doctor: cluster missing is a finding, not an error" 1 "$ECSHIP" doctor
contains "the cluster check fails" "$OUT" '^\[FAIL\] cluster: '
contains "the stack check is skipped without 'stack'" "$OUT" '^\[skip\] stack: '
expect_exit "tasks --help" 0 "$ECSHIP" tasks --help
contains "help lists --stopped" "$OUT" '--stopped'
expect_exit "run --help" 0 "$ECSHIP" run --help
contains "help shows the -- form" "$OUT" '^(usage: ecship run| {18}\[).* -- CMD ARGS\.\.\.$'
done_testing
