#!/usr/bin/env bash
# setup.sh: the commands[] table drives the setup (issue 9 item 2, issue 11 item 7). Each
# command's needs come from `ecship help --needs` (printed from the table's flags), and every
# row is checked against what main does before the command runs: the config keys it needs and
# only those, one region check with one hint, --image/--tag. Then the two reported faults, on
# moto: `infra` with an ecship.yml that has stack, infra and region but no task definition
# (exit 2 before), and `infra`/`rule` taking the region from ecship.yml (refused before).
. tests/lib/common.sh

TEMPLATE=$PWD/cloudformation/ecs-cluster.yml
W=$T_TMP/proj
mkdir -p "$W" "$T_TMP/empty" "$T_TMP/home"
export ECSHIP_STACK_POLL_SECONDS=0.2
echo '{"family": "x", "containerDefinitions": [{"name": "app", "image": "nginx:1.27", "memory": 256}]}' >"$W/td.json"
AWSCLI() { aws --endpoint-url "$MOTO_URL" "$@"; }

# The arguments that get each command past its own argument check.
args_for() {
	case $1 in
	infra) echo status ;;
	rule) echo list ;;
	run) echo -- true ;;
	*) ;;
	esac
}
# A command run with no usable endpoint: whatever main refuses, it refuses before any call.
NOCALL() { (cd "$1" && shift && env AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_MAX_ATTEMPTS=1 "$ECSHIP" "$@"); }

# ---- the table --------------------------------------------------------------------------------
expect_exit "help --needs prints the table" 0 "$ECSHIP" help --needs
NEEDS=$OUT
contains "deploy needs cluster, service, task_definition and a region" "$NEEDS" '^deploy +needed +cluster,service,task_definition +region +--image\|--tag'
contains "infra needs no key of ecship.yml, only a region" "$NEEDS" '^infra +if there +\(none\) +region'
contains "rule needs the service, not the task definition" "$NEEDS" '^rule +needed +service +region'
contains "render needs no AWS" "$NEEDS" '^render +needed +service,task_definition +- '
n=$(grep -c '' "$NEEDS")
check "one row per command ($((n - 1)))" test "$((n - 1))" -ge 14

# configs missing one key each (region given, so only the key is wrong)
base() { # ecship.yml without the keys named
	{
		echo "region: ap-northeast-1"
		echo "stack: django-ecs-cluster-\${ENVIRONMENT}"
		[[ " $* " == *" cluster "* ]] || echo "cluster: c"
		[[ " $* " == *" service "* ]] || echo "service: s"
		[[ " $* " == *" task_definition "* ]] || echo "task_definition: td.json"
	} >"$W/ecship.yml"
}

while read -r cmd cfg keys aws opts; do
	# shellcheck disable=SC2046
	set -- $(args_for "$cmd")
	case $cfg in
	needed)
		expect_exit "$cmd: no ecship.yml is exit 2" 2 NOCALL "$T_TMP/empty" "$cmd" "$@"
		contains "$cmd: says it cannot read ecship.yml" "$ERR" "cannot read 'ecship.yml'"
		;;
	esac
	for key in cluster service task_definition; do
		[ "$cfg" = - ] && continue
		base "$key"
		if [[ ",$keys," == *",$key,"* ]]; then
			expect_exit "$cmd: ecship.yml without '$key' is exit 2" 2 NOCALL "$W" "$cmd" "$@"
			contains "$cmd: names the missing key '$key'" "$ERR" "missing required key '$key'"
		else
			NOCALL "$W" "$cmd" "$@" >"$T_TMP/o" 2>"$T_TMP/e" </dev/null
			lacks "$cmd: does not need '$key'" "$T_TMP/e" "missing required key|names no (cluster|task definition)"
		fi
	done
	base
	if [ "$aws" = region ]; then
		sed -i '/^region:/d' "$W/ecship.yml"
		expect_exit "$cmd: no region anywhere is exit 2" 2 env -u AWS_REGION -u AWS_DEFAULT_REGION \
			HOME="$T_TMP/home" AWS_CONFIG_FILE=/dev/null bash -c 'cd "$1" && shift && AWS_ENDPOINT_URL=http://127.0.0.1:9 "$ECSHIP" "$@"' - "$W" "$cmd" "$@"
		check "$cmd: one region error" test "$(grep -c 'no AWS region' "$ERR")" = 1
		check "$cmd: one hint, naming every source" test "$(grep -c "^hint: use --region, set AWS_REGION, add 'region:' to ecship.yml, or add 'region' to the profile" "$ERR")" = 1
	fi
	if [ "$opts" = "--image|--tag" ]; then
		expect_exit "$cmd: --image and --tag together is exit 2" 2 NOCALL "$W" "$cmd" --image nginx:1 --tag 2 "$@"
		check "$cmd: said once" test "$(grep -c -- '--image and --tag cannot be used together' "$ERR")" = 1
	fi
done < <(tail -n +2 "$NEEDS")

# ---- infra with only stack, infra and region; the region from ecship.yml ------------------------
curl -s -X POST "$MOTO_URL/moto-api/reset" >/dev/null
cat >"$W/ecship.yml" <<EOF
region: us-west-2
stack: django-ecs-cluster-\${ENVIRONMENT}
infra:
  template: $TEMPLATE
  parameters: { Environment: "\${ENVIRONMENT}" }
EOF
NOREGION() { (cd "$W" && env -u AWS_REGION -u AWS_DEFAULT_REGION "$ECSHIP" "$@"); }
expect_exit "infra deploy: ecship.yml without task_definition, cluster, service, AWS_REGION unset" 0 NOREGION infra deploy
contains "created" "$OUT" "stack django-ecs-cluster-staging created"
st=$(AWSCLI --region us-west-2 cloudformation describe-stacks --stack-name django-ecs-cluster-staging --query 'Stacks[0].StackStatus' --output text 2>/dev/null)
check "the stack is in ecship.yml's region us-west-2 ($st)" test "$st" = CREATE_COMPLETE
n=$(AWSCLI --region ap-northeast-1 cloudformation list-stacks --query 'length(StackSummaries)' --output text)
check "and not in another region ($n)" test "$n" = 0
expect_exit "infra status with that config" 0 NOREGION infra status
contains "status names ecship.yml's region" "$OUT" "^region +us-west-2"
expect_exit "infra outputs" 0 NOREGION infra outputs
contains "outputs listed" "$OUT" "^HttpListenerArn +arn:"
expect_exit "infra diff" 0 NOREGION infra diff
contains "diff: no changes" "$OUT" "no changes"
# the environment still ranks above ecship.yml, --region above both (docs/config.md)
expect_exit "AWS_REGION set: it wins over ecship.yml" 1 env AWS_REGION=eu-west-1 bash -c 'cd "$1" && "$ECSHIP" infra status' - "$W"
contains "  the stack is looked for in eu-west-1" "$ERR" "does not exist in eu-west-1"
expect_exit "--region wins over both" 1 env AWS_REGION=eu-west-1 bash -c 'cd "$1" && "$ECSHIP" --region ap-southeast-2 infra status' - "$W"
contains "  the stack is looked for in ap-southeast-2" "$ERR" "does not exist in ap-southeast-2"

# rule: the service and the listener rule, no task definition, the region from ecship.yml
printf '%s\n' 'service: web-staging' 'listener_rule:' '  priority: 100' '  host_headers: [staging.example.jp]' >>"$W/ecship.yml"
expect_exit "rule ensure: no task_definition, no cluster, region from ecship.yml" 0 NOREGION rule ensure
contains "rule created" "$OUT" "rule created: priority 100"
expect_exit "rule list" 0 NOREGION rule list
contains "lists our rule" "$OUT" "ecship:rule=/web-staging"

done_testing
