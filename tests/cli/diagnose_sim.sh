#!/usr/bin/env bash
# diagnose_sim.sh: for each failure behaviour of ecship-sim (exit:3, unhealthy:503, pull-error,
# django with the runbook's ALLOWED_HOSTS=*.elb.amazonaws.com) a failed `ecship deploy` ends with
# a diagnosis naming the cause (stopCode, stoppedReason, exit codes, unhealthy targets, the log
# tail), `tasks --stopped` shows the matching stop code and reason, and `logs` shows the lines
# the failing task wrote. Runs on ecship-sim with moto upstream.
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 60 --seed 11 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_failure_rules
P=$T_TMP/proj
sim_project diag "$P"
cd "$P" || exit 1
service_td() { aws ecs describe-services --cluster diag --services web-staging --query 'services[0].taskDefinition' --output text; }

expect_exit "first deploy (healthy) completes" 0 "$ECSHIP" deploy
lacks "a successful deploy prints no diagnosis" "$ERR" '^diagnosis of'
expect_exit "tasks lists the running tasks" 0 "$ECSHIP" tasks
check "two running tasks of revision 1" test "$(grep -c '^task [0-9a-f]\{32\}  web-staging:1  RUNNING' "$OUT")" -eq 2
contains "tasks show the private IP" "$OUT" 'ip 10\.[0-9.]+'
expect_exit "tasks --output json" 0 "$ECSHIP" tasks --output json
check "json: two tasks with id, revision, ip, containers" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); t=d["tasks"]
assert len(t)==2 and all(x["revision"]==1 and x["private_ip"] and x["containers"][0]["name"]=="web" and x["last_status"]=="RUNNING" for x in t), d' "$OUT"
expect_exit "tasks --stopped with none stopped yet" 0 "$ECSHIP" tasks --stopped
contains "says there are none" "$ERR" "no stopped tasks"

# one deploy per behaviour; every one must end on revision 1 with exit 1 and say why
# name|tag|env|stopCode regex|reason regex|cause regex|log line regex
CASES=(
	"exit|crash||EssentialContainerExited|Essential container in task exited|container 'web' exited with code 3 after writing 'KeyError: .DATABASE_URL.'|KeyError: 'DATABASE_URL'"
	"unhealthy|sick||ServiceSchedulerInitiated|Task failed ELB health checks in \\(target-group|health checks got HTTP 503|health check failed: could not connect to server"
	"pull-error|nopull||TaskFailedToStart|CannotPullContainerError: pull image manifest|the image could not be pulled: CannotPullContainerError|"
	"django|django|*.elb.amazonaws.com,staging.example.jp|ServiceSchedulerInitiated|Task failed ELB health checks|Django rejected the health check's Host '10\\.[0-9.]+:8000'.*ALLOWED_HOSTS=\\*\\.elb\\.amazonaws\\.com,staging\\.example\\.jp does not admit it|Invalid HTTP_HOST header: '10\\.[0-9.]+:8000'"
)
for c in "${CASES[@]}"; do
	IFS='|' read -r name tag hosts code reason cause line <<<"$c"
	expect_exit "$name: deploy fails with exit 1" 1 env ALLOWED_HOSTS="${hosts:-*}" "$ECSHIP" deploy --tag "$tag"
	D=$ERR
	check "$name: the service is back on revision 1" bash -c "[[ '$(service_td)' == *:task-definition/web-staging:1 ]]"
	contains "$name: a diagnosis follows the failure" "$D" "^diagnosis of web-staging:[0-9]+ on service 'web-staging':"
	contains "$name: diagnosis lists a stopped task with its stopCode and reason" "$D" "^  stopCode $code: $reason"
	contains "$name: diagnosis names the cause" "$D" "^cause: .*$cause"
	contains "$name: diagnosis ends with a fix" "$D" '^hint: '
	if [ -n "$line" ]; then
		contains "$name: diagnosis shows the failing task's last log lines" "$D" "^  20[0-9-]+T[0-9:.]+Z .*$line"
	else
		contains "$name: diagnosis says why there are no log lines" "$D" '^no log lines: '
	fi
	rev=$(sed -n "s/^diagnosis of web-staging:\([0-9]*\) .*/\1/p" "$D")
	expect_exit "$name: tasks --stopped" 0 "$ECSHIP" tasks --stopped --max 100
	contains "$name: tasks --stopped shows the stop code and reason of revision $rev" "$OUT" "^  stopCode $code: $reason"
	check "$name: tasks --stopped lists revision $rev's tasks" grep -q "  web-staging:$rev  STOPPED" "$OUT"
	if [ "$name" = exit ]; then
		contains "exit: tasks --stopped shows the container's exit code" "$OUT" '^  container web: exit code 3$'
	fi
	if [ "$name" = pull-error ]; then
		contains "pull-error: tasks --stopped shows the container's reason" "$OUT" '^  container web: CannotPullContainerError'
	fi
	if [ -n "$line" ]; then
		task=$(sed -n 's/^last log lines of task \([0-9a-f]*\) .*/\1/p' "$D")
		expect_exit "$name: logs --task shows that task's lines" 0 "$ECSHIP" logs --since 3h --task "$task"
		contains "$name: logs --task has the failing line" "$OUT" "$line"
		check "$name: logs --task is prefixed by that task only" bash -c "! grep -v '\[${task:0:12}\]' '$OUT' | grep -q ."
		expect_exit "$name: logs (all tasks) has the failing line" 0 "$ECSHIP" logs --since 3h
		contains "$name: logs merges the failing task's lines" "$OUT" "\[${task:0:12}\] .*$line"
	fi
done

# events and targets appear for the health-check failures
expect_exit "unhealthy once more, for its events" 1 "$ECSHIP" deploy --tag sick2
contains "diagnosis quotes the unhealthy-target events" "$ERR" 'is unhealthy in \(target-group .*Health checks failed with these codes: \[503\]'
lacks "diagnosis keeps to this deployment's events (no 400 from the django case)" "$ERR" 'codes: \[400\]'

# logs: time order across tasks, --filter
expect_exit "logs --filter" 0 "$ECSHIP" logs --since 3h --filter Traceback
check "every filtered line matches" bash -c "[ -s '$OUT' ] && ! grep -v 'Traceback' '$OUT' | grep -q ."
expect_exit "logs (all)" 0 "$ECSHIP" logs --since 3h
check "logs are in time order" bash -c "cut -d' ' -f1 '$OUT' | sort -c"
check "logs come from more than one task" test "$(sed -n 's/^[^ ]* \[\([0-9a-f]*\)\].*/\1/p' "$OUT" | sort -u | wc -l)" -gt 2

# --no-rollback: the diagnosis still comes, about the failed revision
expect_exit "deploy --no-rollback of a crash fails" 1 "$ECSHIP" deploy --tag crash3 --no-rollback
contains "diagnosis after --no-rollback too" "$ERR" '^cause: container .web. exited with code 3'
done_testing
