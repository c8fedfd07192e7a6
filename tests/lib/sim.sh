# sim.sh: starting ecship-sim in shell tests. Source after tests/lib/common.sh.
# start_sim ARGS...: starts ecship-sim on a free loopback port (killed at exit by common.sh);
# sets SIM_URL, SIM_PID and SIM_FIRST_LINE. The project's tests run on the quick pace
# (--timing fast) unless ARGS name a --timing (ECS's clock is the sim's default, docs/sim.md).
# With --upstream URL the sim checks, as ECS does, that the subnets, security groups and target
# groups a service names exist there; so start_sim first makes the tests' network in that moto
# (tests/lib/sim_network.py) and exports its IDs: VPC_ID, SUBNET_A, SUBNET_B, SECURITY_GROUP,
# TARGET_GROUP, TARGET_GROUP_B, LOAD_BALANCER. A test that passes --no-upstream-checks says why.
SIM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
start_sim() {
	local out=$T_TMP/sim.$RANDOM timing=(--timing fast) upstream="" region=${AWS_REGION:-} prev="" a
	for a in "$@"; do
		[ "$a" = --timing ] && timing=()
		[ "$prev" = --upstream ] && upstream=$a
		[ "$prev" = --region ] && region=$a
		[ "$a" = --no-upstream-checks ] && upstream=""
		prev=$a
	done
	if [ -n "$upstream" ] && ! sim_network "$upstream" "$region"; then
		echo "start_sim: cannot make the network in $upstream" >&2
		return 1
	fi
	"$ECSHIP_SIM" --listen 127.0.0.1:0 "${timing[@]}" "$@" >"$out.out" 2>"$out.err" &
	SIM_PID=$!
	T_PIDS+=("$SIM_PID")
	local n=200
	while ((n-- > 0)); do grep -q '^listening on ' "$out.out" 2>/dev/null && break; sleep 0.05; done
	SIM_URL=$(sed -n '1s/^listening on //p' "$out.out")
	SIM_FIRST_LINE=$(head -n 1 "$out.out")
	[ -n "$SIM_URL" ]
}

# sim_network MOTO_URL REGION: makes (or finds) the tests' network in that moto and exports its IDs
# (see start_sim).
sim_network() {
	local lines line
	lines=$(python3 "$SIM_LIB_DIR/sim_network.py" "$1" "$2") || return 1
	while IFS= read -r line; do
		[ -n "$line" ] && export "${line?}"
	done <<<"$lines"
	[ -n "${SUBNET_A:-}" ]
}

# sim_log_group NAME...: makes these CloudWatch Logs groups in the harness's moto (the sim's
# upstream), as a base stack would: ECS stops tasks whose awslogs group does not exist.
sim_log_group() { python3 "$SIM_LIB_DIR/sim_network.py" "$MOTO_URL" "${AWS_REGION:-ap-northeast-1}" --log-group "$@"; }

# sim_post PATH JSON: POST to the sim's control API.
sim_post() { curl -sf -X POST "$SIM_URL/_sim$1" -H 'Content-Type: application/json' -d "$2"; }
sim_get() { curl -sf "$SIM_URL/_sim$1"; }

# sim_failure_rules: the image rules the deploy tests use: crash -> exit:3, sick -> unhealthy:503,
# nopull -> pull-error, django -> django, slow -> slow-start:900.
sim_failure_rules() {
	sim_post /rules '{"rules":[{"match":"crash","behavior":"exit:3"},{"match":"sick","behavior":"unhealthy:503"},{"match":"nopull","behavior":"pull-error"},{"match":"django","behavior":"django"},{"match":"slow","behavior":"slow-start:900"}]}' >/dev/null
}

# sim_project CLUSTER DIR: creates the cluster and writes a small project to DIR: ecship.yml
# (service web-${ENVIRONMENT}), td.json (image repo/web:${IMAGE_TAG:-v1}, ALLOWED_HOSTS from
# ${ALLOWED_HOSTS:-*}, awslogs group /ecs/CLUSTER) and svc.json (2 tasks behind TARGET_GROUP in
# SUBNET_A as start_sim made them, else made-up ones for a sim without upstream; breaker with
# rollback, 30 s grace period).
sim_project() {
	local cluster=$1 dir=$2
	aws ecs create-cluster --cluster-name "$cluster" >/dev/null
	sim_log_group "/ecs/$cluster" || return 1
	mkdir -p "$dir"
	cat >"$dir/ecship.yml" <<YML
cluster: $cluster
service: web-\${ENVIRONMENT}
task_definition: td.json
service_definition: svc.json
timeout: 5m
YML
	cat >"$dir/td.json" <<JSON
{"family": "web-\${ENVIRONMENT}", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512", "executionRoleArn": "arn:aws:iam::\${AWS_ACCOUNT_ID}:role/ecsTaskExecutionRole",
 "containerDefinitions": [{"name": "web", "image": "repo/web:\${IMAGE_TAG:-v1}",
   "portMappings": [{"containerPort": 8000}],
   "environment": [{"name": "ALLOWED_HOSTS", "value": "\${ALLOWED_HOSTS:-*}"}, {"name": "DEBUG", "value": "0"}],
   "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/$cluster", "awslogs-region": "\${AWS_REGION}", "awslogs-stream-prefix": "ecs"}}}]}
JSON
	cat >"$dir/svc.json" <<JSON
{"desiredCount": 2, "launchType": "FARGATE", "healthCheckGracePeriodSeconds": 30,
 "loadBalancers": [{"targetGroupArn": "${TARGET_GROUP:-arn:aws:elasticloadbalancing:${AWS_REGION}:123456789012:targetgroup/$cluster/0123456789abcdef}", "containerName": "web", "containerPort": 8000}],
 "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true}},
 "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["${SUBNET_A:-subnet-a}"], "assignPublicIp": "DISABLED"}}}
JSON
}

# sim_small_project DIR CLUSTER SERVICE FAMILY COUNT [TAG [LOG_GROUP]]: writes to DIR (made if
# needed) a project of one service without a load balancer: ecship.yml (CLUSTER, SERVICE, timeout
# 5m), td.json (FAMILY, one container web on port 8000, image repo/web:${IMAGE_TAG:-TAG}, TAG v1 by
# default; awslogs to LOG_GROUP when given) and svc.json (COUNT Fargate tasks in ${SUBNET_A}, which
# start_sim makes in moto; a made-up subnet before it). The cluster is not created.
sim_small_project() {
	local dir=$1 cluster=$2 service=$3 family=$4 count=$5 tag=${6:-v1} logs=""
	[ -n "${7:-}" ] && logs=',
   "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "'$7'", "awslogs-region": "${AWS_REGION}", "awslogs-stream-prefix": "ecs"}}'
	[ -n "${7:-}" ] && { sim_log_group "$7" || return 1; }
	mkdir -p "$dir"
	cat >"$dir/ecship.yml" <<YML
cluster: $cluster
service: $service
task_definition: td.json
service_definition: svc.json
timeout: 5m
YML
	cat >"$dir/td.json" <<JSON
{"family": "$family", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512", "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
 "containerDefinitions": [{"name": "web", "image": "repo/web:\${IMAGE_TAG:-$tag}", "portMappings": [{"containerPort": 8000}]$logs}]}
JSON
	cat >"$dir/svc.json" <<JSON
{"desiredCount": $count, "launchType": "FARGATE",
 "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["\${SUBNET_A:-subnet-a}"], "assignPublicIp": "DISABLED"}}}
JSON
}

# sim_faults JSON: the sim's fault rules (docs/sim.md "Faults and rate limits"); sim_faults_off clears them.
sim_faults() { sim_post /faults "$1" >/dev/null; }
sim_faults_off() { curl -sf -X DELETE "$SIM_URL/_sim/faults" >/dev/null; }
