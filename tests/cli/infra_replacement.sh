#!/usr/bin/env bash
# infra_replacement.sh: `infra deploy` refuses a change set that would replace the VPC (issue 11,
# item 8) before ExecuteChangeSet, and executes it with --allow-replacement. moto's change sets
# never report Replacement, so ecship talks to moto through tests/lib/cfn_replacement_proxy.py,
# which relays every request unchanged and answers DescribeChangeSet with Replacement True for
# the VPC's Modify, as CloudFormation does for a changed AWS::EC2::VPC CidrBlock ("Update
# requires: Replacement",
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpc.html).
# The change itself is real: the template's VPC CIDR changes, and moto reports it as a Modify.
. tests/lib/common.sh

W=$T_TMP/proj
mkdir -p "$W"
export ECSHIP_STACK_POLL_SECONDS=0.2
AWSCLI() { aws --endpoint-url "$MOTO_URL" --region ap-northeast-1 "$@"; }
cp cloudformation/ecs-cluster.yml "$W/stack.yml"
cat >"$W/ecship.yml" <<'EOF'
region: ap-northeast-1
cluster: django-ecs-cluster-${ENVIRONMENT}
service: django-ecs-service-${ENVIRONMENT}
task_definition: td.json
stack: django-ecs-cluster-${ENVIRONMENT}
infra:
  template: stack.yml
  parameters: { Environment: "${ENVIRONMENT}" }
EOF
echo '{"family": "x", "containerDefinitions": []}' >"$W/td.json"
E() { (cd "$W" && "$ECSHIP" "$@"); }
param_cidr() { AWSCLI ec2 describe-vpcs --vpc-ids "$1" --query 'Vpcs[0].CidrBlock' --output text; }
stack_vpc() { AWSCLI cloudformation describe-stacks --stack-name django-ecs-cluster-staging --query "Stacks[0].Outputs[?OutputKey=='VpcId'].OutputValue|[0]" --output text; }

expect_exit "setup: the base stack is created (straight to moto)" 0 E infra deploy
VPC0=$(stack_vpc)
CIDR0=$(param_cidr "$VPC0")

# the relay in front of moto, marking the VPC's Modify as a replacement
start_bg python3 tests/lib/cfn_replacement_proxy.py --upstream "$MOTO_URL" --port-file "$T_TMP/port" \
	--log "$T_TMP/actions" --replace Vpc
for _ in $(seq 100); do [ -s "$T_TMP/port" ] && break; sleep 0.1; done
PROXY=http://127.0.0.1:$(cat "$T_TMP/port")
wait_http "$PROXY/moto-api/" 20 || { echo "Bail out! the relay did not start"; exit 1; }

# a template whose VPC CIDR changes: CloudFormation replaces the VPC
sed -i 's#CidrBlock: !Ref VpcCidr#CidrBlock: 10.77.0.0/16#' "$W/stack.yml"
grep -q 'CidrBlock: 10.77.0.0/16' "$W/stack.yml" || { echo "Bail out! the template has no 'CidrBlock: !Ref VpcCidr'"; exit 1; }

: >"$T_TMP/actions"
expect_exit "a change set replacing the VPC is refused: exit 2" 2 E --endpoint-url "$PROXY" infra deploy
contains "the refusal names the VPC and what it does" "$ERR" "it replaces Vpc \(AWS::EC2::VPC\)"
contains "and says how to go ahead" "$ERR" "infra deploy --allow-replacement"
contains "the change set was made and read (through the relay)" "$T_TMP/actions" "^DescribeChangeSet$"
lacks "ExecuteChangeSet was never sent" "$T_TMP/actions" "^ExecuteChangeSet$"
check "the stack is unchanged: same VPC, same CIDR" \
	test "$(stack_vpc)/$(param_cidr "$(stack_vpc)")" = "$VPC0/$CIDR0"
STATUS=$(AWSCLI cloudformation describe-stacks --stack-name django-ecs-cluster-staging --query 'Stacks[0].StackStatus' --output text)
check "the stack is not updating ($STATUS)" test "$STATUS" = CREATE_COMPLETE

: >"$T_TMP/actions"
expect_exit "with --allow-replacement the change set executes: exit 0" 0 \
	E --endpoint-url "$PROXY" infra deploy --allow-replacement
contains "the replacement is still named, as a warning" "$ERR" "it replaces Vpc \(AWS::EC2::VPC\)"
contains "ExecuteChangeSet was sent" "$T_TMP/actions" "^ExecuteChangeSet$"
STATUS=$(AWSCLI cloudformation describe-stacks --stack-name django-ecs-cluster-staging --query 'Stacks[0].StackStatus' --output text)
check "the stack was updated ($STATUS)" test "$STATUS" = UPDATE_COMPLETE
check "the stack's template has the new CIDR" \
	bash -c "aws --endpoint-url '$MOTO_URL' --region ap-northeast-1 cloudformation get-template --stack-name django-ecs-cluster-staging --query TemplateBody --output text | grep -q 10.77.0.0/16"

done_testing
