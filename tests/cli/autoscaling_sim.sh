#!/usr/bin/env bash
# autoscaling_sim.sh: ecship.yml's `autoscaling:` against ecship-sim with moto upstream (the sim
# forwards Application Auto Scaling and ELBv2 there): deploy registers the scalable target and
# the target-tracking policy, status shows them, diff shows a change, a deploy applies it, and a
# service under auto scaling keeps its live desired count through deploys (issue 16, item 4).
# Sources: ECS developer guide "Automatically scale your Amazon ECS service" (Application Auto
# Scaling owns desiredCount; ecs:service:DesiredCount, service/<cluster>/<service>);
# Application Auto Scaling API reference: RegisterScalableTarget, PutScalingPolicy,
# PredefinedMetricSpecification (ALBRequestCountPerTarget's ResourceLabel
# app/<lb>/<id>/targetgroup/<tg>/<id>).
# moto's Application Auto Scaling asks moto's own ECS whether the service exists, and the
# service lives in the sim: the test creates a service of the same name in moto directly.
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 60 --seed 11 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
P=$T_TMP/proj
sim_project asc "$P"
cd "$P" || exit 1
MOTO=(aws --endpoint-url "$MOTO_URL")
"${MOTO[@]}" ecs create-cluster --cluster-name asc >/dev/null
"${MOTO[@]}" ecs create-service --cluster asc --service-name web-staging --desired-count 2 >/dev/null

# a real ALB and target group upstream, for the alb_requests metric's resource label
VPC=$("${MOTO[@]}" ec2 create-vpc --cidr-block 10.9.0.0/16 --query Vpc.VpcId --output text)
SA=$("${MOTO[@]}" ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.9.1.0/24 --availability-zone "${AWS_REGION}a" --query Subnet.SubnetId --output text)
SB=$("${MOTO[@]}" ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.9.2.0/24 --availability-zone "${AWS_REGION}c" --query Subnet.SubnetId --output text)
LB=$("${MOTO[@]}" elbv2 create-load-balancer --name asc-alb --subnets "$SA" "$SB" --query 'LoadBalancers[0].LoadBalancerArn' --output text)
TG=$("${MOTO[@]}" elbv2 create-target-group --name asc-tg --protocol HTTP --port 8000 --vpc-id "$VPC" --target-type ip --query 'TargetGroups[0].TargetGroupArn' --output text)
"${MOTO[@]}" elbv2 create-listener --load-balancer-arn "$LB" --protocol HTTP --port 80 --default-actions "Type=forward,TargetGroupArn=$TG" >/dev/null
python3 - "$TG" <<'EOF'
import json, sys
d = json.load(open("svc.json"))
d["loadBalancers"][0]["targetGroupArn"] = sys.argv[1]
json.dump(d, open("svc.json", "w"))
EOF
cat >>ecship.yml <<'YML'
autoscaling:
  min: 1
  max: 6
  target_tracking: {metric: cpu, target: 60, scale_out_cooldown: 60s}
YML

targets() { aws application-autoscaling describe-scalable-targets --service-namespace ecs --query "ScalableTargets[?ResourceId=='service/asc/web-staging'].[MinCapacity,MaxCapacity]" --output text; }
policy() { aws application-autoscaling describe-scaling-policies --service-namespace ecs --resource-id service/asc/web-staging --query "ScalingPolicies[?PolicyName=='ecship-target-tracking'].TargetTrackingScalingPolicyConfiguration.$1" --output text; }
desired() { aws ecs describe-services --cluster asc --services web-staging --query 'services[0].desiredCount' --output text; }

expect_exit "the first deploy creates the service and its autoscaling" 0 "$ECSHIP" deploy
contains "deploy says it registered the scalable target" "$ERR" "autoscaling of service 'web-staging': desired count kept between 1 and 6"
check "the scalable target is registered with min 1, max 6" test "$(targets)" = "1	6"
check "the policy tracks CPU" test "$(policy PredefinedMetricSpecification.PredefinedMetricType)" = ECSServiceAverageCPUUtilization
check "the policy's target is 60" test "$(policy TargetValue)" = 60.0
check "the policy's scale-out cooldown is 60 s" test "$(policy ScaleOutCooldown)" = 60

expect_exit "status shows the scalable target" 0 "$ECSHIP" status
contains "status: min and max" "$OUT" "^autoscaling  min 1, max 6"
contains "status: the policy" "$OUT" "policy ecship-target-tracking TargetTrackingScaling ECSServiceAverageCPUUtilization target 60"
expect_exit "status --output json shows it" 0 "$ECSHIP" status --output json
check "status json: autoscaling min/max/policy" python3 -c '
import json,sys; a=json.load(open(sys.argv[1]))["autoscaling"]
assert (a["min"],a["max"])==(1,6), a
assert a["policies"][0]["metric"]=="ECSServiceAverageCPUUtilization" and a["policies"][0]["target"]==60, a' "$OUT"

# the acceptance: Application Auto Scaling moved the count; deploys keep it
aws ecs update-service --cluster asc --service web-staging --desired-count 5 >/dev/null
"$ECSHIP" wait >/dev/null 2>&1
check "setup: the live desired count is 5" test "$(desired)" = 5
expect_exit "a deploy of a new revision under autoscaling succeeds" 0 "$ECSHIP" deploy --tag v2
check "the deploy kept the live desired count 5 (svc.json says 2)" test "$(desired)" = 5
expect_exit "a deploy with nothing to change succeeds" 0 "$ECSHIP" deploy
check "the desired count is still 5" test "$(desired)" = 5
contains "an unchanged autoscaling is said so" "$ERR" "autoscaling of service 'web-staging' is as ecship.yml says \(min 1, max 6\)"

# a change in ecship.yml: diff shows it, a dry run only says it, deploy applies it
sed -i 's/^  min: 1/  min: 2/; s/metric: cpu, target: 60/metric: alb_requests, target: 500/' ecship.yml
expect_exit "diff --exit-code sees the autoscaling change" 1 "$ECSHIP" diff --exit-code
contains "diff: the target's old min/max" "$OUT" "^-scalable target: min 1 max 6"
contains "diff: the target's new min/max" "$OUT" "^\+scalable target: min 2 max 6"
contains "diff: the policy's new metric with the ALB's resource label" "$OUT" "^\+policy ecship-target-tracking: ALBRequestCountPerTarget target 500 label app/asc-alb/[0-9a-f]+/targetgroup/asc-tg/[0-9a-f]+"
expect_exit "a dry run says what would change" 0 "$ECSHIP" deploy --dry-run
contains "dry run: the autoscaling plan" "$ERR" "would change the autoscaling of service 'web-staging'"
check "a dry run changed nothing" test "$(targets)" = "1	6"
expect_exit "a deploy applies the autoscaling change" 0 "$ECSHIP" deploy
check "min is now 2" test "$(targets)" = "2	6"
check "the policy now tracks ALB requests per target" test "$(policy PredefinedMetricSpecification.PredefinedMetricType)" = ALBRequestCountPerTarget
check "the resource label names the ALB and the target group" bash -c "[[ '$(policy PredefinedMetricSpecification.ResourceLabel)' == app/asc-alb/*/targetgroup/asc-tg/* ]]"
check "the desired count is still 5" test "$(desired)" = 5
expect_exit "diff: no differences left" 0 "$ECSHIP" diff --exit-code
expect_exit "--desired-count outside min..max is refused before any change" 2 "$ECSHIP" deploy --desired-count 9
contains "  naming the range" "$ERR" "--desired-count 9 is outside the autoscaling range 2\.\.6 of service 'web-staging'"
check "  the desired count is still 5" test "$(desired)" = 5

# ecship.yml mistakes are input errors before anything is sent
sed -i 's/metric: alb_requests, target: 500/metric: cpus, target: 500/' ecship.yml
expect_exit "an unknown metric is exit 2" 2 "$ECSHIP" deploy
contains "the unknown metric is named with a suggestion" "$ERR" "'metric' must be cpu, memory or alb_requests, not 'cpus'.*|did you mean 'cpu'"
sed -i 's/metric: cpus, target: 500/metric: cpu, target: 500/' ecship.yml
expect_exit "a CPU target above 100 percent is exit 2" 2 "$ECSHIP" deploy
contains "the percent limit is said" "$ERR" "'target' must be a number above 0 and at most 100, not '500'"

done_testing
