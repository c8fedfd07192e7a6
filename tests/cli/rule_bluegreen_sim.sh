#!/usr/bin/env bash
# rule_bluegreen_sim.sh: `ecship rule ensure` never changes a rule ECS re-weights (a forward to
# the service's two target groups, blue and green) while the service has a deployment in
# progress, even when the weights are settled; once the deployment has ended the change is made
# and the weighted forward kept. ECS developer guide, "Amazon ECS blue/green service
# deployments" (ECS shifts the production and test listener rules during the deployment).
# ecship-sim answers ECS (a deployment held in progress by its frozen clock), moto ELBv2.
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 60 --seed 5 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
P=$T_TMP/proj
sim_project rbg "$P"
cd "$P" || exit 1
VPC=$(aws ec2 create-vpc --cidr-block 10.8.0.0/16 --query Vpc.VpcId --output text)
SA=$(aws ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.8.1.0/24 --availability-zone "${AWS_REGION}a" --query Subnet.SubnetId --output text)
SB=$(aws ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.8.2.0/24 --availability-zone "${AWS_REGION}c" --query Subnet.SubnetId --output text)
LB=$(aws elbv2 create-load-balancer --name rbg-alb --subnets "$SA" "$SB" --query 'LoadBalancers[0].LoadBalancerArn' --output text)
BLUE=$(aws elbv2 create-target-group --name rbg-blue --protocol HTTP --port 8000 --vpc-id "$VPC" --target-type ip --query 'TargetGroups[0].TargetGroupArn' --output text)
GREEN=$(aws elbv2 create-target-group --name rbg-green --protocol HTTP --port 8000 --vpc-id "$VPC" --target-type ip --query 'TargetGroups[0].TargetGroupArn' --output text)
L=$(aws elbv2 create-listener --load-balancer-arn "$LB" --protocol HTTP --port 80 --default-actions "Type=forward,TargetGroupArn=$BLUE" --query 'Listeners[0].ListenerArn' --output text)
RULE=$(aws elbv2 create-rule --listener-arn "$L" --priority 300 \
	--conditions '[{"Field":"host-header","HostHeaderConfig":{"Values":["old.example.jp"]}}]' \
	--actions "[{\"Type\":\"forward\",\"ForwardConfig\":{\"TargetGroups\":[{\"TargetGroupArn\":\"$GREEN\",\"Weight\":100},{\"TargetGroupArn\":\"$BLUE\",\"Weight\":0}]}}]" \
	--tags Key=ecship:rule,Value=rbg/web-staging --query 'Rules[0].RuleArn' --output text)
printf 'listener_rule:\n  priority: 300\n  host_headers: [new.example.jp]\n' >>ecship.yml
rule_now() { aws elbv2 describe-rules --rule-arns "$RULE" --output json | python3 -c '
import json,sys
r=json.load(sys.stdin)["Rules"][0]
hosts=[v for c in r["Conditions"] for v in c.get("HostHeaderConfig",{}).get("Values",[])]
tgs=[t["TargetGroupArn"].split("/")[1]+"="+str(t["Weight"]) for t in r["Actions"][0].get("ForwardConfig",{}).get("TargetGroups",[])]
print(",".join(hosts), " ".join(sorted(tgs)))'; }

expect_exit "setup: the first deploy" 0 "$ECSHIP" deploy
sim_post /clock '{"speed": 0}' >/dev/null
expect_exit "setup: a deployment started and held in progress" 0 "$ECSHIP" deploy --tag v2 --no-wait
expect_exit "during the deployment: the rule is not changed, exit 1" 1 "$ECSHIP" rule ensure --listener "$L" --target-group "$BLUE"
contains "  says the service has a deployment in progress" "$ERR" "ECS re-weights during a blue/green, linear or canary deployment, and the service has a deployment in progress; it was not changed"
check "  the rule is as it was (old host, green 100)" test "$(rule_now)" = "old.example.jp rbg-blue=0 rbg-green=100"
sim_post /clock '{"speed": 60}' >/dev/null
expect_exit "the deployment ends" 0 "$ECSHIP" wait
expect_exit "after it: the change is made" 0 "$ECSHIP" rule ensure --listener "$L" --target-group "$BLUE"
contains "  rule updated" "$OUT" "rule updated: priority 300"
check "  new host, the weighted forward kept" test "$(rule_now)" = "new.example.jp rbg-blue=0 rbg-green=100"

done_testing
