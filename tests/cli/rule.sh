#!/usr/bin/env bash
# rule.sh: `ecship rule ensure` with `priority: auto` under concurrent callers, against
# moto_server: distinct, lowest free priorities, one rule per service even when the same service
# races itself; a rule ECS re-weights (blue/green) keeps its weighted forward and is left alone
# while its traffic is mid-shift. Every other rule check is data: tests/cases/rule.
. tests/lib/common.sh

TEMPLATE=$PWD/cloudformation/ecs-cluster.yml
W=$T_TMP/proj
mkdir -p "$W"
export ECSHIP_STACK_POLL_SECONDS=0.2
AWSCLI() { aws --endpoint-url "$MOTO_URL" --region ap-northeast-1 "$@"; }
# config NAME SERVICE PRIORITY HOSTS [EXTRA-LINE]: writes $W/NAME.yml
config() {
	cat >"$W/$1.yml" <<EOF
region: ap-northeast-1
cluster: django-ecs-cluster-\${ENVIRONMENT}
service: $2
task_definition: td.json
stack: django-ecs-cluster-\${ENVIRONMENT}
infra:
  template: $TEMPLATE
  parameters: { Environment: "\${ENVIRONMENT}" }
listener_rule:
  priority: $3
  host_headers: [$4]
${5:-}
EOF
}
E() { local c=$1; shift; (cd "$W" && "$ECSHIP" --config "$c.yml" "$@"); }
echo '{"family": "x", "containerDefinitions": []}' >"$W/td.json"

config base web-staging 100 staging.example.jp
# setup: the base stack (its checks and every other rule check are in tests/cases/rule)
E base infra deploy >"$T_TMP/setup.out" 2>&1 || { not_ok "setup: infra deploy failed"; diag <"$T_TMP/setup.out"; }
LISTENER=$(AWSCLI cloudformation describe-stacks --stack-name django-ecs-cluster-staging --query "Stacks[0].Outputs[?OutputKey=='HttpListenerArn'].OutputValue|[0]" --output text)

# ---- priority: auto, concurrent callers ---------------------------------------------------------
# priorities 1..3 are free; four services race for them
for s in a b c d; do config "auto-$s" "svc-$s" auto "$s.example.jp"; done
pids=()
for s in a b c d; do (E "auto-$s" rule ensure >"$T_TMP/auto-$s.out" 2>"$T_TMP/auto-$s.err"; echo $? >"$T_TMP/auto-$s.rc") & pids+=($!); done
wait "${pids[@]}"
for s in a b c d; do check "auto caller $s exit 0" test "$(cat "$T_TMP/auto-$s.rc")" = 0; done
prios=$(for s in a b c d; do AWSCLI elbv2 describe-rules --listener-arn "$LISTENER" --output json | python3 -c '
import json,sys
rules=json.load(sys.stdin)["Rules"]
print(" ".join(r["Priority"] for r in rules if any(c.get("HostHeaderConfig",{}).get("Values")==[sys.argv[1]+".example.jp"] for c in r["Conditions"])))' "$s"; done)
echo "# auto priorities: $prios"
check "each service got exactly one rule" test "$(echo $prios | wc -w)" = 4
check "four distinct priorities" test "$(echo $prios | tr ' ' '\n' | sort -u | wc -l)" = 4
check "the lowest free ones: 1..4" test "$(echo $prios | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "1 2 3 4 "
expect_exit "auto again keeps its priority" 0 E auto-a rule ensure
contains "unchanged" "$OUT" "rule unchanged"

# the same service twice at once: one rule remains
config auto-e svc-e auto e.example.jp
(E auto-e rule ensure >/dev/null 2>&1) & p1=$!
(E auto-e rule ensure >/dev/null 2>&1) & p2=$!
wait $p1 $p2
n=$(AWSCLI elbv2 describe-rules --listener-arn "$LISTENER" --query 'length(Rules[?Conditions[0].HostHeaderConfig.Values[0]==`e.example.jp`])' --output text)
check "same owner concurrently: one rule ($n)" test "$n" = 1

# ---- a rule ECS re-weights (blue/green, linear, canary) -----------------------------------------
# ECS moves the weights of the production rule's forward between the service's target group and
# its alternate during a deployment (ECS developer guide, "Amazon ECS blue/green service
# deployments"; API_AdvancedConfiguration): `rule ensure` keeps those actions, and never changes
# the rule while the weights are mid-shift.
VPC=$(AWSCLI cloudformation describe-stacks --stack-name django-ecs-cluster-staging --query "Stacks[0].Outputs[?OutputKey=='VpcId'].OutputValue|[0]" --output text)
BLUE=$(AWSCLI elbv2 create-target-group --name bg-blue --protocol HTTP --port 8000 --vpc-id "$VPC" --target-type ip --query 'TargetGroups[0].TargetGroupArn' --output text)
GREEN=$(AWSCLI elbv2 create-target-group --name bg-green --protocol HTTP --port 8000 --vpc-id "$VPC" --target-type ip --query 'TargetGroups[0].TargetGroupArn' --output text)
fwd() { echo "[{\"Type\":\"forward\",\"ForwardConfig\":{\"TargetGroups\":[{\"TargetGroupArn\":\"$GREEN\",\"Weight\":$1},{\"TargetGroupArn\":\"$BLUE\",\"Weight\":$2}]}}]"; }
BGRULE=$(AWSCLI elbv2 create-rule --listener-arn "$LISTENER" --priority 300 \
	--conditions '[{"Field":"host-header","HostHeaderConfig":{"Values":["bg.example.jp"]}}]' \
	--actions "$(fwd 100 0)" --tags Key=ecship:rule,Value=django-ecs-cluster-staging/bg-staging \
	--query 'Rules[0].RuleArn' --output text)
rule_now() { AWSCLI elbv2 describe-rules --rule-arns "$BGRULE" --output json | python3 -c '
import json,sys
r=json.load(sys.stdin)["Rules"][0]
hosts=[v for c in r["Conditions"] for v in c.get("HostHeaderConfig",{}).get("Values",[])]
tgs=[t["TargetGroupArn"].split("/")[1]+"="+str(t["Weight"]) for t in r["Actions"][0].get("ForwardConfig",{}).get("TargetGroups",[])]
print(",".join(hosts), " ".join(sorted(tgs)))'; }
config bg bg-staging 300 bg.example.jp
expect_exit "blue/green settled on green: ensure with the service's target group exits 0" 0 E bg rule ensure --target-group "$BLUE"
contains "  the rule is unchanged" "$OUT" "rule unchanged: priority 300"
check "  its forward to both target groups is kept (green 100, blue 0)" test "$(rule_now)" = "bg.example.jp bg-blue=0 bg-green=100"

AWSCLI elbv2 modify-rule --rule-arn "$BGRULE" --actions "$(fwd 50 50)" >/dev/null
config bg bg-staging 300 bg2.example.jp
expect_exit "mid-shift (50/50) and the host changed: not changed, exit 1" 1 E bg rule ensure --target-group "$BLUE"
contains "  says ECS re-weights it" "$ERR" "forwards to two target groups that ECS re-weights during a blue/green, linear or canary deployment, and its traffic is being shifted now; it was not changed"
contains "  shows the weights" "$ERR" "\(weight 50\) \+ .*bg-blue.* \(weight 50\)"
contains "  says when to run it again" "$ERR" "once the deployment has ended"
check "  the rule is as ECS left it" test "$(rule_now)" = "bg.example.jp bg-blue=50 bg-green=50"

AWSCLI elbv2 modify-rule --rule-arn "$BGRULE" --actions "$(fwd 100 0)" >/dev/null
expect_exit "settled again: the host change is made" 0 E bg rule ensure --target-group "$BLUE"
contains "  rule updated" "$OUT" "rule updated: priority 300"
check "  only the conditions changed; the weighted forward is kept" test "$(rule_now)" = "bg2.example.jp bg-blue=0 bg-green=100"
expect_exit "rule list shows both target groups and their weights" 0 E bg rule list
contains "  weights" "$OUT" "bg-green.* \(weight 100\) \+ .*bg-blue.* \(weight 0\)"

done_testing
