#!/usr/bin/env bash
# doctor_sim.sh: `ecship doctor` against the real base stack (cloudformation/ecs-cluster.yml
# created in moto_server) with the service deployed on ecship-sim: a healthy setup is all ok
# (exit 0); then one misconfiguration at a time — security group without 8000 from the ALB,
# ALLOWED_HOSTS=*.elb.amazonaws.com, missing log group, missing execution role, a foreign rule
# on the priority, VPCs at quota, private subnets with no route out, invalid cpu/memory — each
# fails exactly the right check, with evidence and a fix, exit 1; and each is put back.
. tests/lib/common.sh
. tests/lib/sim.sh

export AWS_DEFAULT_REGION=$AWS_REGION
start_sim --upstream "$MOTO_URL" --speed 60 --seed 21 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
MOTO=(aws --endpoint-url "$MOTO_URL" --output text)

# ---- the base stack, as 'ecship infra deploy' would create it ----------------------------------
STACK=django-ecs-cluster-staging
"${MOTO[@]}" cloudformation create-stack --stack-name $STACK --template-body file://cloudformation/ecs-cluster.yml \
	--parameters ParameterKey=Environment,ParameterValue=staging --capabilities CAPABILITY_NAMED_IAM >/dev/null
out() { "${MOTO[@]}" cloudformation describe-stacks --stack-name $STACK --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue"; }
check "the base stack is created" test "$("${MOTO[@]}" cloudformation describe-stacks --stack-name $STACK --query 'Stacks[0].StackStatus')" = CREATE_COMPLETE
PRIV1=$(out PrivateSubnet1) PRIV2=$(out PrivateSubnet2) SVC_SG=$(out ServiceSecurityGroup) LB_SG=$(out LoadBalancerSecurityGroup)
LISTENER=$(out HttpListenerArn) VPC=$(out VpcId)
NAT_RT=$("${MOTO[@]}" ec2 describe-route-tables --filters Name=vpc-id,Values="$VPC" --query 'RouteTables[?Routes[?NatGatewayId]].RouteTableId')
NAT=$("${MOTO[@]}" ec2 describe-route-tables --route-table-ids "$NAT_RT" --query 'RouteTables[0].Routes[?NatGatewayId].NatGatewayId')
# moto's CloudFormation creates the SubnetRouteTableAssociation resources without associating
# the subnets; AWS does associate them, so the fixture does what the template says
for s in "$PRIV1" "$PRIV2"; do "${MOTO[@]}" ec2 associate-route-table --route-table-id "$NAT_RT" --subnet-id "$s" >/dev/null; done
check "the private subnets route through the NAT gateway" test -n "$NAT"
"${MOTO[@]}" ecr create-repository --repository-name django-ecs-app >/dev/null
"${MOTO[@]}" ecr put-image --repository-name django-ecs-app --image-tag v1 --image-manifest \
	'{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7023,"digest":"sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},"layers":[]}' >/dev/null

# ---- the project: the runbook's setup, its values from the stack's outputs ----------------------
P=$T_TMP/proj
mkdir -p "$P"
cat >"$P/ecship.yml" <<'YML'
cluster: django-ecs-cluster-${ENVIRONMENT}
service: django-ecs-service-${ENVIRONMENT}
task_definition: td.json
service_definition: svc.json
stack: django-ecs-cluster-${ENVIRONMENT}
listener_rule:
  priority: 100
  host_headers: [staging.example.jp]
YML
cat >"$P/td.json" <<'JSON'
{"family": "django-app-${ENVIRONMENT}", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "${TASK_MEMORY:-512}",
 "executionRoleArn": "arn:aws:iam::${AWS_ACCOUNT_ID}:role/${EXEC_ROLE:-django-ecs-task-execution-staging}",
 "containerDefinitions": [{"name": "django-app",
   "image": "${AWS_ACCOUNT_ID}.dkr.ecr.${AWS_REGION}.amazonaws.com/django-ecs-app:${IMAGE_TAG}",
   "portMappings": [{"containerPort": 8000, "protocol": "tcp"}],
   "environment": [{"name": "DEBUG", "value": "0"},
                   {"name": "ALLOWED_HOSTS", "value": "${ALLOWED_HOSTS:-.elb.amazonaws.com,staging.example.jp}"}],
   "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/django-app-${ENVIRONMENT}",
     "awslogs-region": "${AWS_REGION}", "awslogs-stream-prefix": "ecs"}}}]}
JSON
cat >"$P/svc.json" <<'JSON'
{"loadBalancers": [{"targetGroupArn": "${cfn:TargetGroupArn}", "containerName": "django-app", "containerPort": 8000}],
 "desiredCount": 2, "launchType": "FARGATE", "healthCheckGracePeriodSeconds": 60,
 "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true}},
 "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["${cfn:PrivateSubnet1}", "${cfn:PrivateSubnet2}"],
   "securityGroups": ["${cfn:ServiceSecurityGroup}"], "assignPublicIp": "DISABLED"}}}
JSON
cd "$P" || exit 1
export AWS_ENDPOINT_URL=$SIM_URL
expect_exit "deploy the service (image v1)" 0 "$ECSHIP" deploy --tag v1
expect_exit "create our listener rule" 0 "$ECSHIP" rule ensure
ALL_CHECKS="cluster stack service vpc-quota listener-rule task-size execution-role log-group image security-group target-group subnet-routes allowed-hosts debug secrets"

DARGS=()
# doctor_fails NAME CHECK-ID EVIDENCE-REGEX FIX-REGEX [ENV=VALUE...]: doctor exits 1 and the
# only failing check is CHECK-ID, with that evidence and fix.
doctor_fails() {
	local name=$1 id=$2 ev=$3 fix=$4
	shift 4
	expect_exit "$name: doctor exits 1" 1 env "$@" "$ECSHIP" doctor "${DARGS[@]}"
	contains "$name: check '$id' fails" "$OUT" "^\[FAIL\] $id: "
	check "$name: no other check fails" test "$(grep -c '^\[FAIL\]' "$OUT")" -eq 1
	contains "$name: the evidence says what is wrong" "$OUT" "$ev"
	contains "$name: a fix follows" "$OUT" "^       fix: .*$fix"
	contains "$name: the summary counts one failure" "$OUT" '^[0-9]+ ok, [0-9]+ warn, 1 fail, [0-9]+ skip$'
}
doctor_ok() {
	expect_exit "$1: doctor exits 0" 0 "$ECSHIP" doctor
	check "$1: every check is ok" test "$(grep -c '^\[ok\]  ' "$OUT")" -eq 15
	contains "$1: summary" "$OUT" '^15 ok, 0 warn, 0 fail, 0 skip$'
}

# ---- healthy ---------------------------------------------------------------------------------------
doctor_ok "healthy setup"
for id in $ALL_CHECKS; do contains "healthy: check '$id' ran" "$OUT" "^\[ok\]   $id: "; done
contains "healthy: it checked the image the service runs" "$ERR" 'checking the image tag the service runs now: v1'
contains "healthy: the rule is recognised as ours" "$OUT" 'priority 100 is ours'
contains "healthy: the NAT route is the evidence" "$OUT" "0.0.0.0/0 via NAT gateway $NAT"
expect_exit "doctor --output json" 0 "$ECSHIP" doctor --output json
check "json: 15 checks, all ok" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"]==15 and d["fail"]==0 and len(d["checks"])==15 and all(c["verdict"]=="ok" and c["evidence"] for c in d["checks"]), d' "$OUT"

# ---- 1. the tasks' security group without 8000 from the ALB (runbook 6.4.1) -------------------
"${MOTO[@]}" ec2 revoke-security-group-ingress --group-id "$SVC_SG" --ip-permissions \
	"IpProtocol=tcp,FromPort=8000,ToPort=8000,UserIdGroupPairs=[{GroupId=$LB_SG}]" >/dev/null
doctor_fails "security group" security-group "$SVC_SG does not admit tcp 8000 from the load balancer's security group $LB_SG" \
	"authorize-security-group-ingress --group-id $SVC_SG --protocol tcp --port 8000 --source-group $LB_SG"
"${MOTO[@]}" ec2 authorize-security-group-ingress --group-id "$SVC_SG" --protocol tcp --port 8000 --source-group "$LB_SG" >/dev/null

# ---- 2. the runbook's ALLOWED_HOSTS (6.4.3) ---------------------------------------------------------
doctor_fails "ALLOWED_HOSTS=*.elb.amazonaws.com" allowed-hosts \
	"does not admit '[A-Za-z0-9-]+\.ap-northeast-1\.elb\.amazonaws\.com'.*'\*\.elb\.amazonaws\.com' matches nothing in Django: use '\.elb\.amazonaws\.com'" \
	"leading '\.'" ALLOWED_HOSTS='*.elb.amazonaws.com,staging.example.jp'
doctor_fails "ALLOWED_HOSTS without the custom domain" allowed-hosts "does not admit 'staging\.example\.jp'" "staging\.example\.jp" \
	ALLOWED_HOSTS='.elb.amazonaws.com'

# ---- 3. missing log group ---------------------------------------------------------------------------
"${MOTO[@]}" logs delete-log-group --log-group-name /ecs/django-app-staging
doctor_fails "missing log group" log-group "log group '/ecs/django-app-staging' does not exist" \
	"aws logs create-log-group --log-group-name /ecs/django-app-staging"
"${MOTO[@]}" logs create-log-group --log-group-name /ecs/django-app-staging

# ---- 4. missing execution role ----------------------------------------------------------------------
doctor_fails "missing execution role" execution-role "role 'no-such-role' .* does not exist" 'TaskExecutionRoleArn' EXEC_ROLE=no-such-role

# ---- 5. a foreign rule on our priority (runbook 6.2) ------------------------------------------------
OUR_RULE=$("${MOTO[@]}" elbv2 describe-rules --listener-arn "$LISTENER" --query "Rules[?Priority=='100'].RuleArn")
"${MOTO[@]}" elbv2 delete-rule --rule-arn "$OUR_RULE"
OTHER_TG=$("${MOTO[@]}" elbv2 create-target-group --name other-app --protocol HTTP --port 80 --vpc-id "$VPC" --target-type ip --query 'TargetGroups[0].TargetGroupArn')
FOREIGN=$("${MOTO[@]}" elbv2 create-rule --listener-arn "$LISTENER" --priority 100 \
	--conditions Field=host-header,Values=other.example.jp --actions Type=forward,TargetGroupArn="$OTHER_TG" --query 'Rules[0].RuleArn')
doctor_fails "foreign rule on the priority" listener-rule "priority 100 is held by another rule \(host-header other\.example\.jp.*A rule with the given priority already exists" \
	"set listener_rule.priority in ecship.yml to a free one \([0-9]+ is free\)"
"${MOTO[@]}" elbv2 delete-rule --rule-arn "$FOREIGN"
expect_exit "our rule back" 0 "$ECSHIP" rule ensure

# ---- 6. VPCs at quota (runbook 6.1) -----------------------------------------------------------------
have=$("${MOTO[@]}" ec2 describe-vpcs --query 'length(Vpcs)')
EXTRA=()
for ((i = have; i < 5; i++)); do EXTRA+=("$("${MOTO[@]}" ec2 create-vpc --cidr-block "10.$((100 + i)).0.0/16" --query Vpc.VpcId)"); done
doctor_fails "VPCs at quota" vpc-quota "5 VPCs in $AWS_REGION, quota 5.*The maximum number of VPCs has been reached" "ExistingVpcId"
for v in "${EXTRA[@]}"; do "${MOTO[@]}" ec2 delete-vpc --vpc-id "$v"; done

# ---- 7. private subnets with no route out -----------------------------------------------------------
"${MOTO[@]}" ec2 delete-route --route-table-id "$NAT_RT" --destination-cidr-block 0.0.0.0/0
doctor_fails "no route out of the private subnets" subnet-routes \
	"$PRIV1: route table $NAT_RT has no 0.0.0.0/0 route and the VPC has no endpoint for ecr.api, ecr.dkr, s3, logs" \
	"create-route --route-table-id $NAT_RT --destination-cidr-block 0.0.0.0/0"
"${MOTO[@]}" ec2 create-route --route-table-id "$NAT_RT" --destination-cidr-block 0.0.0.0/0 --nat-gateway-id "$NAT" >/dev/null

# ---- 8. invalid cpu/memory ----------------------------------------------------------------------------
doctor_fails "invalid cpu/memory" task-size "cpu 256 \(256 units\) with memory 3000 \(3000 MiB\) is not a Fargate size" \
	"with cpu 256 use memory 512, 1024, 2048" TASK_MEMORY=3000

# ---- and more, beyond the acceptance list -------------------------------------------------------------
DARGS=(--tag v404)
doctor_fails "image tag not in ECR" image "repository 'django-ecs-app' has no image 'v404'" "docker push"
DARGS=()
sed -i 's/"value": "0"}/"value": "${DEBUG:-0}"}/' td.json
doctor_fails "DEBUG on in staging" debug "DEBUG=1 in the 'staging' environment" "set DEBUG to 0" DEBUG=1
doctor_ok "everything put back"
done_testing
