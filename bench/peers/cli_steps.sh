#!/usr/bin/env bash
# cli_steps.sh: the runbook's AWS CLI steps for one service, as a CI job runs them (set -e):
# register-task-definition from a finished file, update-service to the family's latest revision,
# then `aws ecs wait services-stable` (botocore's waiter: every 15 s, 40 attempts). With
# WAIT_LIMIT (seconds) the wait is cut there and reported as the waiter reports running out of
# attempts ("Max attempts exceeded", exit 255): the benchmark runs the simulator faster than ECS
# and gives the waiter its 600 s on the simulated clock. Endpoint: AWS_ENDPOINT_URL (loopback).
# Usage: cli_steps.sh TASKDEF.json CLUSTER SERVICE FAMILY [WAIT_LIMIT]
set -eu
td=$1 cluster=$2 service=$3 family=$4 limit=${5:-}
aws=(aws --endpoint-url "$AWS_ENDPOINT_URL" --region "${AWS_REGION:-ap-northeast-1}" --output json ecs)
"${aws[@]}" register-task-definition --cli-input-json "file://$td" >/dev/null
"${aws[@]}" update-service --cluster "$cluster" --service "$service" --task-definition "$family" >/dev/null
if [ -z "$limit" ]; then
	exec "${aws[@]}" wait services-stable --cluster "$cluster" --services "$service"
fi
rc=0
timeout "$limit" "${aws[@]}" wait services-stable --cluster "$cluster" --services "$service" || rc=$?
if [ "$rc" -eq 124 ]; then
	echo "Waiter ServicesStable failed: Max attempts exceeded (the waiter's limit, $limit s of wall time here)" >&2
	exit 255
fi
exit "$rc"
