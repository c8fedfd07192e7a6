#!/usr/bin/env bash
# rule.sh: `ecship rule ensure|list` against moto_server: one rule however often it runs, updated
# in place, the service definition's target group, a foreign rule on our priority reported with
# its conditions before any create, and `priority: auto` under concurrent callers.
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
expect_exit "infra deploy (setup)" 0 E base infra deploy
LISTENER=$(AWSCLI cloudformation describe-stacks --stack-name django-ecs-cluster-staging --query "Stacks[0].Outputs[?OutputKey=='HttpListenerArn'].OutputValue|[0]" --output text)
TG=$(AWSCLI cloudformation describe-stacks --stack-name django-ecs-cluster-staging --query "Stacks[0].Outputs[?OutputKey=='TargetGroupArn'].OutputValue|[0]" --output text)
VPC=$(AWSCLI cloudformation describe-stacks --stack-name django-ecs-cluster-staging --query "Stacks[0].Outputs[?OutputKey=='VpcId'].OutputValue|[0]" --output text)
nrules() { AWSCLI elbv2 describe-rules --listener-arn "$LISTENER" --query 'length(Rules[?IsDefault==`false`])' --output text; }
rule_at() { AWSCLI elbv2 describe-rules --listener-arn "$LISTENER" --query "Rules[?Priority=='$1'].$2|[0]" --output text; }

# ---- idempotent ------------------------------------------------------------------------------
expect_exit "ensure creates the rule" 0 E base rule ensure
contains "says created at 100" "$OUT" "rule created: priority 100 on listener $LISTENER"
expect_exit "ensure again" 0 E base rule ensure
contains "says unchanged" "$OUT" "rule unchanged: priority 100"
check "exactly one rule ($(nrules))" test "$(nrules)" = 1
ARN=$(rule_at 100 RuleArn)
check "it forwards to the stack's target group" test "$(rule_at 100 'Actions[0].TargetGroupArn')" = "$TG"
check "host-header condition" test "$(rule_at 100 'Conditions[0].HostHeaderConfig.Values[0]')" = staging.example.jp
check "tagged as ours" test "$(AWSCLI elbv2 describe-tags --resource-arns "$ARN" --query "TagDescriptions[0].Tags[?Key=='ecship:rule'].Value|[0]" --output text)" = django-ecs-cluster-staging/web-staging

# ---- update in place: new hosts, a path, the service definition's target group ------------------
TG2=$(AWSCLI elbv2 create-target-group --name web2 --protocol HTTP --port 8000 --target-type ip --vpc-id "$VPC" --query 'TargetGroups[0].TargetGroupArn' --output text)
cat >"$W/svc.json" <<EOF
{"serviceName": "web-staging", "loadBalancers": [{"targetGroupArn": "$TG2", "containerName": "web", "containerPort": 8000}]}
EOF
config base web-staging 100 "staging.example.jp, www.staging.example.jp" "service_definition: svc.json"
sed -i '/^listener_rule:/a\  path_patterns: ["/app/*"]' "$W/base.yml"
expect_exit "ensure after the config changed" 0 E base rule ensure
contains "says updated" "$OUT" "rule updated: priority 100"
check "still one rule" test "$(nrules)" = 1
check "the same rule, modified" test "$(rule_at 100 RuleArn)" = "$ARN"
check "now forwards to the service definition's target group" test "$(rule_at 100 'Actions[0].TargetGroupArn')" = "$TG2"
check "path-pattern added" test "$(AWSCLI elbv2 describe-rules --listener-arn "$LISTENER" --output json | python3 -c '
import json,sys
r=[x for x in json.load(sys.stdin)["Rules"] if x["Priority"]=="100"][0]
print([c for c in r["Conditions"] if c["Field"]=="path-pattern"][0]["PathPatternConfig"]["Values"][0])')" = "/app/*"
expect_exit "and again: unchanged" 0 E base rule ensure
contains "unchanged" "$OUT" "rule unchanged"

expect_exit "list" 0 E base rule list
contains "marks ours" "$OUT" "^  100 +\* +host-header=staging.example.jp,www.staging.example.jp"
contains "shows the default rule" "$OUT" "^  default"
expect_exit "list --output json" 0 E base --output json rule list
check "json marks ours" python3 -c '
import json,sys
r=json.load(open(sys.argv[1]))
ours=[x for x in r if x["ours"]]
sys.exit(0 if len(ours)==1 and ours[0]["priority"]==100 else 1)' "$OUT"

# ---- a foreign rule on our priority -------------------------------------------------------------
AWSCLI elbv2 create-rule --listener-arn "$LISTENER" --priority 200 \
	--conditions Field=host-header,Values=legacy.example.jp --actions Type=forward,TargetGroupArn="$TG" >/dev/null
FOREIGN=$(rule_at 200 RuleArn)
config prod web-production 200 www.example.jp
# same listener: the production config points at the staging stack
sed -i 's/^stack: .*/stack: django-ecs-cluster-staging/' "$W/prod.yml"
before=$(nrules)
expect_exit "a foreign rule on the priority: exit 1" 1 E prod rule ensure
contains "says the priority is taken" "$ERR" "priority 200 on listener .* is held by a rule that is not ecship's"
contains "shows that rule's conditions" "$ERR" "host-header=legacy.example.jp"
contains "names that rule" "$ERR" "$FOREIGN"
contains "suggests the next free priority" "$ERR" "the next free one is 201"
contains "and how to remove a stale one" "$ERR" "aws elbv2 delete-rule --rule-arn $FOREIGN"
check "nothing was created ($(nrules) rules, before $before)" test "$(nrules)" = "$before"
check "the foreign rule is untouched" test "$(rule_at 200 'Conditions[0].Values[0]')" = legacy.example.jp
expect_exit "--priority overrides the config" 0 E prod rule ensure --priority 201
contains "created at 201" "$OUT" "rule created: priority 201"

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

# ---- input errors -------------------------------------------------------------------------------
cat >"$W/norule.yml" <<EOF
cluster: c
service: s
task_definition: td.json
stack: django-ecs-cluster-staging
EOF
expect_exit "no listener_rule in the config: usage error" 2 E norule rule ensure
contains "says so" "$ERR" "has no 'listener_rule'"
expect_exit "bad --priority" 2 E base rule ensure --priority 0
expect_exit "unknown subcommand" 2 E base rule delete

done_testing
