#!/usr/bin/env bash
# rule.sh: `ecship rule ensure` with `priority: auto` under concurrent callers, against
# moto_server: distinct, lowest free priorities, one rule per service even when the same service
# races itself. Every other rule check is data: tests/cases/rule.
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

done_testing
