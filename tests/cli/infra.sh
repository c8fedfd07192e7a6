#!/usr/bin/env bash
# infra.sh: `ecship infra` against moto_server: create, "no changes", an in-place update that
# keeps the stack and VPC ids, diff, status, outputs, the VPC quota preflight (stop before any
# change, the three choices, Service Quotas fallback) and the existing-VPC parameters, and
# delete refusing while services run (the runbook FAQ's order).
. tests/lib/common.sh

TEMPLATE=$PWD/cloudformation/ecs-cluster.yml
W=$T_TMP/proj
mkdir -p "$W"
cat >"$W/ecship.yml" <<EOF
region: ap-northeast-1
cluster: django-ecs-cluster-\${ENVIRONMENT}
service: django-ecs-service-\${ENVIRONMENT}
task_definition: td.json
stack: django-ecs-cluster-\${ENVIRONMENT}
infra:
  template: $TEMPLATE
  parameters: { Environment: "\${ENVIRONMENT}" }
EOF
echo '{"family": "x", "containerDefinitions": []}' >"$W/td.json"
export ECSHIP_STACK_POLL_SECONDS=0.2
E() { (cd "$W" && "$ECSHIP" "$@"); }
AWSCLI() { aws --endpoint-url "$MOTO_URL" --region ap-northeast-1 "$@"; }
reset() { curl -s -X POST "$MOTO_URL/moto-api/reset" >/dev/null; }
nvpcs() { AWSCLI ec2 describe-vpcs --query 'length(Vpcs)' --output text; }
stack_field() { AWSCLI cloudformation describe-stacks --stack-name "$1" --query "Stacks[0].$2" --output text; }

# ---- create, then no changes --------------------------------------------------------------------
reset
expect_exit "deploy creates the stack" 0 E infra deploy
contains "says created" "$OUT" "stack django-ecs-cluster-staging created \(CREATE_COMPLETE\)"
contains "prints the outputs" "$OUT" "^TargetGroupArn +arn:aws:elasticloadbalancing:"
contains "progress from stack events" "$ERR" "CREATE_COMPLETE"
STACK_ID=$(stack_field django-ecs-cluster-staging StackId)
VPC_ID=$(stack_field django-ecs-cluster-staging "Outputs[?OutputKey=='VpcId'].OutputValue|[0]")
case "$VPC_ID" in vpc-*) ok "the stack created a VPC ($VPC_ID)" ;; *) not_ok "no VpcId output: $VPC_ID" ;; esac

expect_exit "deploy again: no changes is success" 0 E infra deploy
contains "says unchanged" "$OUT" "unchanged \(CREATE_COMPLETE\)"
contains "says no changes" "$ERR" "no changes"
lacks "no update ran" "$ERR" "UPDATE_IN_PROGRESS"
n=$(AWSCLI cloudformation list-change-sets --stack-name django-ecs-cluster-staging --query 'length(Summaries)' --output text)
check "no change set is left behind after 'no changes' ($n)" test "$n" = 0

expect_exit "diff: no changes" 0 E infra diff
contains "diff says so" "$OUT" "no changes"

# ---- an update in place ---------------------------------------------------------------------
expect_exit "diff with a new parameter" 0 E infra diff HealthCheckPath=/healthz/
lacks "diff does not say no changes" "$OUT" "no changes"
n=$(AWSCLI cloudformation list-change-sets --stack-name django-ecs-cluster-staging --query 'length(Summaries)' --output text)
check "diff leaves no change set ($n)" test "$n" = 0
check "diff changed nothing" test "$(stack_field django-ecs-cluster-staging StackStatus)" = CREATE_COMPLETE

expect_exit "deploy with a changed parameter updates" 0 E infra deploy HealthCheckPath=/healthz/
contains "says updated" "$OUT" "updated \(UPDATE_COMPLETE\)"
contains "shows the change set by its fixed name" "$ERR" "change set ecship-django-ecs-cluster-staging-[0-9a-f]{16}"
lacks "no timestamped change set" "$ERR" "ecship-[0-9]{9,}"
check "same stack id" test "$(stack_field django-ecs-cluster-staging StackId)" = "$STACK_ID"
check "same VPC id" test "$(stack_field django-ecs-cluster-staging "Outputs[?OutputKey=='VpcId'].OutputValue|[0]")" = "$VPC_ID"
check "parameter applied" test "$(stack_field django-ecs-cluster-staging "Parameters[?ParameterKey=='HealthCheckPath'].ParameterValue|[0]")" = /healthz/
check "still one stack VPC plus the default" test "$(nvpcs)" = 2
# moto's ExecuteChangeSet keeps the creation-time parameters for its "no changes" comparison, so
# here it offers the same update again (CloudFormation would say "no changes"): only check that a
# repeat is harmless.
expect_exit "the same parameter again: exit 0" 0 E infra deploy HealthCheckPath=/healthz/
check "  and still the same stack" test "$(stack_field django-ecs-cluster-staging StackId)" = "$STACK_ID"

# ---- status, outputs -----------------------------------------------------------------------
expect_exit "status" 0 E infra status
contains "status line" "$OUT" "^status +UPDATE_COMPLETE"
contains "events, oldest first" "$OUT" "CREATE_IN_PROGRESS"
expect_exit "outputs --output json" 0 E --output json infra outputs
check "outputs JSON has every id later steps need" python3 -c '
import json,sys
o=json.load(open(sys.argv[1]))
need=["VpcId","PublicSubnet1","PublicSubnet2","PrivateSubnet1","PrivateSubnet2","LoadBalancerSecurityGroup",
"ServiceSecurityGroup","LoadBalancerArn","LoadBalancerDnsName","HttpListenerArn","TargetGroupArn","ClusterName",
"LogGroupName","TaskExecutionRoleArn"]
missing=[k for k in need if not o.get(k)]
sys.exit(1 if missing else 0)' "$OUT"
expect_exit "outputs of a missing stack: exit 1" 1 E --env nosuch infra outputs
contains "says it does not exist" "$ERR" "stack 'django-ecs-cluster-nosuch' does not exist"
expect_exit "unknown subcommand: usage" 2 E infra upgrade
expect_exit "KEY=VALUE needs an =" 2 E infra deploy NoEquals

# ---- the VPC quota --------------------------------------------------------------------------
reset
for i in 1 2 3 4; do AWSCLI ec2 create-vpc --cidr-block 10.$((20 + i)).0.0/16 >/dev/null; done
# a VPC with two public and two private subnets in two AZs, the one to reuse
REUSE=$(AWSCLI ec2 describe-vpcs --filters Name=cidr,Values=10.21.0.0/16 --query 'Vpcs[0].VpcId' --output text)
IGW=$(AWSCLI ec2 create-internet-gateway --query InternetGateway.InternetGatewayId --output text)
AWSCLI ec2 attach-internet-gateway --internet-gateway-id "$IGW" --vpc-id "$REUSE"
RT=$(AWSCLI ec2 create-route-table --vpc-id "$REUSE" --query RouteTable.RouteTableId --output text)
AWSCLI ec2 create-route --route-table-id "$RT" --destination-cidr-block 0.0.0.0/0 --gateway-id "$IGW" >/dev/null
sub() { AWSCLI ec2 create-subnet --vpc-id "$REUSE" --cidr-block "$1" --availability-zone "$2" --query Subnet.SubnetId --output text; }
PUB1=$(sub 10.21.0.0/24 ap-northeast-1a); PUB2=$(sub 10.21.1.0/24 ap-northeast-1c)
PRIV1=$(sub 10.21.2.0/24 ap-northeast-1a); PRIV2=$(sub 10.21.3.0/24 ap-northeast-1c)
for s in "$PUB1" "$PUB2"; do AWSCLI ec2 associate-route-table --route-table-id "$RT" --subnet-id "$s" >/dev/null; done
check "five VPCs: at the default quota" test "$(nvpcs)" = 5

expect_exit "deploy at the VPC quota stops with exit 1" 1 E --env qa infra deploy
contains "says why" "$ERR" "region ap-northeast-1 has 5 VPCs and its VPC quota is 5"
contains "choice 1: reuse, with the exact parameters" "$ERR" "ExistingVpcId: $REUSE"
contains "  public subnets for the ALB" "$ERR" "ExistingPublicSubnet1Id: ($PUB1|$PUB2)"
contains "  private subnets for the tasks" "$ERR" "ExistingPrivateSubnet1Id: ($PRIV1|$PRIV2)"
lacks "  no public subnet offered for the tasks" "$ERR" "ExistingPrivateSubnet[12]Id: ($PUB1|$PUB2)"
contains "choice 2: delete a VPC" "$ERR" "delete a VPC nothing uses"
contains "choice 3: the quota increase command" "$ERR" "aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-F678F1CE"
n=$(AWSCLI cloudformation list-stacks --query 'length(StackSummaries)' --output text)
check "nothing was created: no stack ($n)" test "$n" = 0
check "nothing was created: still 5 VPCs" test "$(nvpcs)" = 5

# the Service Quotas call fails (nothing listens there): fall back to 5 and say so
DEAD=http://127.0.0.1:$(free_port)
expect_exit "quota unreadable: falls back to 5" 1 env AWS_ENDPOINT_URL_SERVICE_QUOTAS="$DEAD" AWS_MAX_ATTEMPTS=1 bash -c "cd '$W' && '$ECSHIP' --verbose --env qa infra deploy"
contains "--verbose says it fell back" "$ERR" "AWS's default: Service Quotas did not answer"
contains "still stops at 5" "$ERR" "VPC quota is 5 \(AWS's default\)"

expect_exit "ExistingVpcId without subnets: usage error" 2 E --env qa infra deploy ExistingVpcId="$REUSE"
contains "names the missing ones" "$ERR" "ExistingPublicSubnet1Id, ExistingPublicSubnet2Id, ExistingPrivateSubnet1Id, ExistingPrivateSubnet2Id"

expect_exit "with the existing-VPC parameters it succeeds" 0 E --env qa infra deploy \
	ExistingVpcId="$REUSE" ExistingPublicSubnet1Id="$PUB1" ExistingPublicSubnet2Id="$PUB2" \
	ExistingPrivateSubnet1Id="$PRIV1" ExistingPrivateSubnet2Id="$PRIV2"
check "no VPC was created" test "$(nvpcs)" = 5
check "the stack uses the existing VPC" test "$(stack_field django-ecs-cluster-qa "Outputs[?OutputKey=='VpcId'].OutputValue|[0]")" = "$REUSE"
check "the load balancer is in the given subnets" test "$(AWSCLI elbv2 describe-load-balancers --query 'LoadBalancers[0].VpcId' --output text)" = "$REUSE"
expect_exit "status shows the existing VPC" 0 E --env qa infra status
contains "vpc line" "$OUT" "^vpc +existing $REUSE"

# ---- delete: services first ----------------------------------------------------------------
AWSCLI ecs register-task-definition --family web --container-definitions '[{"name":"web","image":"nginx","memory":128}]' >/dev/null
AWSCLI ecs create-service --cluster django-ecs-cluster-qa --service-name web-qa --task-definition web --desired-count 1 >/dev/null
expect_exit "delete refuses while a service runs" 1 E --env qa infra delete
contains "names the service" "$ERR" "web-qa"
contains "explains the order" "$ERR" "first delete what runs inside the VPC, the ECS services"
check "the stack is still there" test "$(stack_field django-ecs-cluster-qa StackStatus)" = CREATE_COMPLETE
AWSCLI ecs delete-service --cluster django-ecs-cluster-qa --service web-qa --force >/dev/null
expect_exit "after the service is gone, delete works" 0 E --env qa infra delete
contains "says deleted" "$OUT" "stack django-ecs-cluster-qa deleted"
n=$(AWSCLI cloudformation describe-stacks --stack-name django-ecs-cluster-qa --query 'length(Stacks)' --output text 2>/dev/null || echo 0)
check "the stack is gone" test "$n" = 0
check "the reused VPC is still there" test "$(nvpcs)" = 5
expect_exit "delete of a missing stack is a no-op" 0 E --env qa infra delete

# ---- without a config: --stack and --template -----------------------------------------------
reset
expect_exit "--stack without ecship.yml" 0 bash -c "cd '$T_TMP' && '$ECSHIP' infra deploy --stack bare-stack --template '$TEMPLATE' Environment=bare"
check "created" test "$(stack_field bare-stack StackStatus)" = CREATE_COMPLETE

done_testing
