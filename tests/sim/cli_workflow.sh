#!/usr/bin/env bash
# cli_workflow.sh: the real AWS CLI against ecship-sim: register, create a service, update it and
# `aws ecs wait services-stable`, plus the CLI-visible errors; the sim's startup line, options
# and a clean SIGTERM exit.
. tests/lib/common.sh

# start_sim ARGS...: starts ecship-sim on a free port; sets SIM_URL and SIM_PID.
start_sim() {
	local out=$T_TMP/sim.$RANDOM
	"$ECSHIP_SIM" --listen 127.0.0.1:0 --timing fast "$@" >"$out.out" 2>"$out.err" &
	SIM_PID=$!
	T_PIDS+=("$SIM_PID")
	local n=200
	while ((n-- > 0)); do grep -q '^listening on ' "$out.out" 2>/dev/null && break; sleep 0.05; done
	SIM_URL=$(sed -n '1s/^listening on //p' "$out.out")
	SIM_FIRST_LINE=$(head -n 1 "$out.out")
}

expect_exit "--help exits 0" 0 "$ECSHIP_SIM" --help
contains "--help names the behaviours" "$OUT" 'pull-error'
expect_exit "unknown option is a usage error" 2 "$ECSHIP_SIM" --bogus
contains "the error names the option" "$ERR" "unknown .*option '--bogus'"
expect_exit "bad --speed is a usage error" 2 "$ECSHIP_SIM" --speed fast
expect_exit "bad --timing is a usage error" 2 "$ECSHIP_SIM" --timing slow
expect_exit "bad --image-rule is a usage error" 2 "$ECSHIP_SIM" --image-rule 'x=explode'
contains "the error lists the behaviours" "$ERR" 'exit\[:CODE\]'
expect_exit "bad --listen is a usage error" 2 "$ECSHIP_SIM" --listen nowhere

start_sim --speed 2000 --seed 1 --no-rate-limits
check "first stdout line is 'listening on http://127.0.0.1:PORT'" \
	bash -c "[[ '$SIM_FIRST_LINE' =~ ^listening\ on\ http://127\.0\.0\.1:[0-9]+$ ]]"
export AWS_DEFAULT_REGION=$AWS_REGION
AWS=(aws --endpoint-url "$SIM_URL" --output json)

expect_exit "create-cluster" 0 "${AWS[@]}" ecs create-cluster --cluster-name cli
contains "cluster ARN in the region" "$OUT" "\"clusterArn\": \"arn:aws:ecs:$AWS_REGION:123456789012:cluster/cli\""
cat >"$T_TMP/td.json" <<JSON
{"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
 "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
 "containerDefinitions": [{"name": "app", "image": "repo/web:1", "portMappings": [{"containerPort": 8000}],
   "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "$AWS_REGION", "awslogs-stream-prefix": "ecs"}}}]}
JSON
expect_exit "register-task-definition" 0 "${AWS[@]}" ecs register-task-definition --cli-input-json "file://$T_TMP/td.json"
contains "revision 1" "$OUT" '"taskDefinitionArn": "arn:aws:ecs:[^"]*:task-definition/web:1"'
contains "ECS defaults are filled in (essential, hostPort, protocol)" "$OUT" '"hostPort": 8000'
expect_exit "create-service" 0 "${AWS[@]}" ecs create-service --cluster cli --service-name web --task-definition web \
	--desired-count 2 --launch-type FARGATE \
	--network-configuration 'awsvpcConfiguration={subnets=[subnet-1,subnet-2],assignPublicIp=DISABLED}' \
	--deployment-configuration 'deploymentCircuitBreaker={enable=true,rollback=true},maximumPercent=200,minimumHealthyPercent=100'
contains "service starts IN_PROGRESS" "$OUT" '"rolloutState": "IN_PROGRESS"'
sleep 0.3 # 600 simulated seconds at --speed 2000
expect_exit "aws ecs wait services-stable (new service)" 0 timeout 60 "${AWS[@]}" ecs wait services-stable --cluster cli --services web
sed 's/repo\/web:1/repo\/web:2/' "$T_TMP/td.json" >"$T_TMP/td2.json"
expect_exit "register revision 2" 0 "${AWS[@]}" ecs register-task-definition --cli-input-json "file://$T_TMP/td2.json"
expect_exit "update-service to web:2" 0 "${AWS[@]}" ecs update-service --cluster cli --service web --task-definition web:2
contains "update shows two deployments" "$OUT" '"status": "ACTIVE"'
sleep 0.3
expect_exit "aws ecs wait services-stable (update)" 0 timeout 60 "${AWS[@]}" ecs wait services-stable --cluster cli --services web
expect_exit "describe-services" 0 "${AWS[@]}" ecs describe-services --cluster cli --services web
contains "on revision 2" "$OUT" '"taskDefinition": "arn:aws:ecs:[^"]*:task-definition/web:2"'
contains "deployment completed" "$OUT" '"rolloutStateReason": "ECS deployment ecs-svc/[0-9]{19} completed."'
contains "steady-state event" "$OUT" '"message": "\(service web\) has reached a steady state."'
check "the CLI parses every timestamp (table output)" "${AWS[@]}" ecs describe-services --cluster cli --services web \
	--output table --query 'services[0].[createdAt,deployments[0].createdAt,events[0].createdAt]' >/dev/null
expect_exit "list-tasks" 0 "${AWS[@]}" ecs list-tasks --cluster cli --service-name web
check "two running tasks" test "$(grep -c 'task/cli/' "$OUT")" -eq 2
expect_exit "list-task-definitions" 0 "${AWS[@]}" ecs list-task-definitions --family-prefix web --sort DESC
contains "newest first" "$OUT" 'web:2",\s*$'
expect_exit "describe-task-definition web (latest)" 0 "${AWS[@]}" ecs describe-task-definition --task-definition web --include TAGS
contains "latest is revision 2" "$OUT" '"revision": 2'
expect_exit "deregister web:1" 0 "${AWS[@]}" ecs deregister-task-definition --task-definition web:1
contains "INACTIVE" "$OUT" '"status": "INACTIVE"'
expect_exit "tag-resource" 0 "${AWS[@]}" ecs tag-resource --resource-arn "arn:aws:ecs:$AWS_REGION:123456789012:cluster/cli" --tags key=env,value=test
expect_exit "list-tags-for-resource" 0 "${AWS[@]}" ecs list-tags-for-resource --resource-arn "arn:aws:ecs:$AWS_REGION:123456789012:cluster/cli"
contains "the tag is there" "$OUT" '"value": "test"'

# errors as ECS gives them
expect_exit "unknown cluster fails" 255 "${AWS[@]}" ecs describe-services --cluster nope --services web
contains "ClusterNotFoundException" "$ERR" 'ClusterNotFoundException.*Cluster not found\.'
expect_exit "unknown service fails" 255 "${AWS[@]}" ecs update-service --cluster cli --service nope --desired-count 1
contains "ServiceNotFoundException" "$ERR" 'ServiceNotFoundException.*Service not found\.'
expect_exit "unknown task definition" 255 "${AWS[@]}" ecs describe-task-definition --task-definition nope
contains "ClientException" "$ERR" 'ClientException.*Unable to describe task definition\.'
sed 's/"memory": "512"/"memory": "4096"/' "$T_TMP/td.json" >"$T_TMP/td3.json"
expect_exit "invalid Fargate size" 255 "${AWS[@]}" ecs register-task-definition --cli-input-json "file://$T_TMP/td3.json"
contains "No Fargate configuration exists" "$ERR" 'ClientException.*No Fargate configuration exists for given values: 256 CPU, 4096 memory'
expect_exit "duplicate service" 255 "${AWS[@]}" ecs create-service --cluster cli --service-name web --task-definition web \
	--network-configuration 'awsvpcConfiguration={subnets=[subnet-1]}'
contains "not idempotent" "$ERR" 'InvalidParameterException.*Creation of service was not idempotent'
expect_exit "awsvpc without network configuration" 255 "${AWS[@]}" ecs create-service --cluster cli --service-name web2 --task-definition web
contains "network configuration required" "$ERR" "InvalidParameterException.*Network Configuration must be provided when networkMode 'awsvpc' is specified"
expect_exit "delete scaled-up service without force" 255 "${AWS[@]}" ecs delete-service --cluster cli --service web
contains "scaled above 0" "$ERR" 'The service cannot be stopped while it is scaled above 0'
expect_exit "delete with --force" 0 "${AWS[@]}" ecs delete-service --cluster cli --service web --force
contains "DRAINING" "$OUT" '"status": "DRAINING"'

kill -TERM "$SIM_PID"
wait "$SIM_PID"
check "SIGTERM: clean exit 0" test $? -eq 0
done_testing
