#!/usr/bin/env bash
# lost_answers.sh: a change whose answer is lost (the server ran it, then the connection closed
# before any answer byte) is reconciled, never resent blindly (issue 15 item 1); an EC2 answer
# without the members ecship acts on is a protocol error, exit 3 (issue 15 item 4; every call of
# the member table: tests/unit/test_aws_faults.c, answers_are_checked).
# - UpdateService takes no clientToken (botocore's ECS model), and with forceNewDeployment every
#   copy that runs starts a deployment: after a lost answer ecship describes the service and
#   takes the new PRIMARY deployment on its revision as the answer
#   (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html,
#   "forceNewDeployment"; ECS_Idempotency.html lists the calls that take a clientToken).
# - CloudFormation CreateStack, CreateChangeSet and ExecuteChangeSet (and ELBv2 CreateRule) go to moto through
#   tests/tools/lossy_proxy.py, which loses one answer of each: ecship reads the stack or the
#   change set by name before any retry and does not resend (a resent copy fails with "already
#   exists" or "cannot be executed in its current status"); each carries a request token
#   (ClientRequestToken, ClientToken: "Specify this token if you plan to retry requests so that
#   CloudFormation knows that you're not attempting to create a stack with the same name",
#   https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html).
. tests/lib/common.sh
. tests/lib/sim.sh
ROOT=$PWD

start_sim --upstream "$MOTO_URL" --speed 60 --seed 7 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION ENVIRONMENT=staging
P=$T_TMP/proj
sim_project lost "$P"
cd "$P" || exit 1
"$ECSHIP" deploy >"$T_TMP/setup.out" 2>&1 || { not_ok "setup: the first deploy failed"; diag <"$T_TMP/setup.out"; }

svc_deployments() { aws ecs list-service-deployments --cluster lost --service web-staging --query 'length(serviceDeployments)' --output text; }
requests_since() { sim_get "/requests?since=$1" | python3 -c 'import json,sys; print(sum(r["action"] == sys.argv[1] for r in json.load(sys.stdin)["requests"]))' "$2"; }
seq_now() { sim_get /requests | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }

# force-new-deployment with the UpdateService answer lost once: exactly one new deployment
for cmd in "deploy --force-new-deployment" "deploy --tag v2 --force-new-deployment"; do
	n0=$(svc_deployments)
	seq0=$(seq_now)
	sim_post /faults '{"faults":[{"action":"UpdateService","lost":1,"times":1}]}' >/dev/null
	# shellcheck disable=SC2086
	expect_exit "$cmd with a lost UpdateService answer succeeds" 0 "$ECSHIP" $cmd
	sim_post /faults '{"faults":[]}' >/dev/null
	n1=$(svc_deployments)
	check "the lost answer was really injected" bash -c "curl -sf '$SIM_URL/_sim/requests?since=$seq0' | grep -q '\"fault\":\"lost\"'"
	check "$cmd: one deployment for one deploy ($n0 before, $n1 after)" test "$n1" = $((n0 + 1))
	ups=$(requests_since "$seq0" UpdateService)
	check "$cmd: UpdateService was sent once, not resent ($ups)" test "$ups" = 1
	contains "$cmd: the deploy followed the deployment the lost attempt started" "$ERR" 'deployment ecs-svc/[0-9]+ completed|completed'
done

# CloudFormation through the lossy proxy: the first CreateStack, the first CreateChangeSet and
# the second ExecuteChangeSet lose their answers
C=$T_TMP/cfn
mkdir -p "$C"
cat >"$C/ecship.yml" <<YML
region: $AWS_REGION
cluster: django-ecs-cluster-\${ENVIRONMENT}
service: django-ecs-service-\${ENVIRONMENT}
task_definition: td.json
stack: django-ecs-cluster-\${ENVIRONMENT}
infra:
  template: $ROOT/cloudformation/ecs-cluster.yml
  parameters: { Environment: "\${ENVIRONMENT}" }
YML
echo '{"family": "x", "containerDefinitions": [{"name": "x", "image": "x"}]}' >"$C/td.json"
PLOG=$T_TMP/proxy.log
: >"$PLOG"
python3 "$ROOT/tests/tools/lossy_proxy.py" "$MOTO_URL" "$PLOG" CreateStack:1 CreateChangeSet:1 ExecuteChangeSet:2 CreateRule:1 >"$T_TMP/proxy.out" 2>"$T_TMP/proxy.err" &
T_PIDS+=("$!")
n=100
while ((n-- > 0)) && ! grep -q '^listening on ' "$T_TMP/proxy.out"; do sleep 0.1; done
PROXY_URL=$(sed -n '1s/^listening on //p' "$T_TMP/proxy.out")
cd "$C" || exit 1
export ECSHIP_STACK_POLL_SECONDS=0.2
cfn() { AWS_ENDPOINT_URL=$PROXY_URL "$ECSHIP" --env lostcfn infra deploy "$@"; }
param() { AWS_ENDPOINT_URL=$MOTO_URL aws cloudformation describe-stacks --stack-name django-ecs-cluster-lostcfn --query "Stacks[0].Parameters[?ParameterKey=='HealthCheckPath'].ParameterValue|[0]" --output text; }
step() { # step DESC ACTION ARGS...: infra deploy with ARGS; ACTION's answer was lost, sent once
	local d=$1 action=$2 l0
	shift 2
	l0=$(wc -l <"$PLOG")
	expect_exit "infra deploy with a lost $action answer succeeds ($d)" 0 cfn "$@"
	tail -n +$((l0 + 1)) "$PLOG" >"$T_TMP/step.log"
	check "the $action answer was really lost" grep -qx "$action lost" "$T_TMP/step.log"
	check "$action was sent once, not resent ($(grep -c "^$action " "$T_TMP/step.log"))" test "$(grep -c "^$action " "$T_TMP/step.log")" = 1
	lacks "no misleading error" "$ERR" 'already exists|AlreadyExists|InvalidChangeSetStatus|cannot be executed'
}
step "create" CreateStack
check "the stack was created once" test "$(AWS_ENDPOINT_URL=$MOTO_URL aws cloudformation describe-stacks --stack-name django-ecs-cluster-lostcfn --query 'length(Stacks)' --output text)" = 1
step "change set created" CreateChangeSet HealthCheckPath=/healthz/
check "the update was applied" test "$(param)" = /healthz/
step "change set executed" ExecuteChangeSet HealthCheckPath=/ping/
check "the second update was applied" test "$(param)" = /ping/

# ELBv2 CreateRule (no token in botocore's model): a lost answer is reconciled by reading the
# listener's rules, never resent (a resent copy meets PriorityInUse)
{ cat "$C/ecship.yml"; printf 'listener_rule:\n  priority: 100\n  host_headers: [lost.example.jp]\n'; } >"$C/rule.yml"
l0=$(wc -l <"$PLOG")
expect_exit "rule ensure with a lost CreateRule answer succeeds" 0 env AWS_ENDPOINT_URL="$PROXY_URL" "$ECSHIP" --env lostcfn --config rule.yml rule ensure
tail -n +$((l0 + 1)) "$PLOG" >"$T_TMP/step.log"
check "the CreateRule answer was really lost" grep -qx "CreateRule lost" "$T_TMP/step.log"
check "CreateRule was sent once, not resent ($(grep -c '^CreateRule ' "$T_TMP/step.log"))" test "$(grep -c '^CreateRule ' "$T_TMP/step.log")" = 1
contains "it reports the rule the lost attempt created" "$OUT" '^rule created: priority 100 on listener'
LISTENER=$(AWS_ENDPOINT_URL=$MOTO_URL aws cloudformation describe-stacks --stack-name django-ecs-cluster-lostcfn --query "Stacks[0].Outputs[?OutputKey=='HttpListenerArn'].OutputValue|[0]" --output text)
check "one rule on the listener" test "$(AWS_ENDPOINT_URL=$MOTO_URL aws elbv2 describe-rules --listener-arn "$LISTENER" --query 'length(Rules[?IsDefault==`false`])' --output text)" = 1

# a well-formed EC2 answer without its list: DescribeVpcs answered <DescribeVpcsResponse/>
# would read as "no VPC" and the VPC quota check pass; it is exit 3 naming call and member
python3 "$ROOT/tests/tools/lossy_proxy.py" "$MOTO_URL" "$PLOG" DescribeVpcs:1:bare DescribeVpcs:2:bare >"$T_TMP/proxy2.out" 2>"$T_TMP/proxy2.err" &
T_PIDS+=("$!")
n=100
while ((n-- > 0)) && ! grep -q '^listening on ' "$T_TMP/proxy2.out"; do sleep 0.1; done
PROXY_URL=$(sed -n '1s/^listening on //p' "$T_TMP/proxy2.out")
expect_exit "infra deploy with a DescribeVpcs answer without vpcSet: exit 3" 3 env AWS_ENDPOINT_URL="$PROXY_URL" "$ECSHIP" --env garbled infra deploy
contains "the error names the call and the member" "$ERR" "ec2 DescribeVpcs: the answer has no 'vpcSet'"
check "no stack was created on a garbled answer" bash -c "! AWS_ENDPOINT_URL=$MOTO_URL aws cloudformation describe-stacks --stack-name django-ecs-cluster-garbled >/dev/null 2>&1"
done_testing
