#!/usr/bin/env bash
# render.sh: `ecship render` end to end: the runbook's task-definition-staging.json and
# ecs-service-staging.json unchanged, --tag/--image, every unresolved variable with file, line and
# column (exit 2), malformed JSON/YAML, unknown keys, describe-task-definition output pasted in,
# and ${cfn:KEY} / ${AWS_ACCOUNT_ID} read from moto (a real DescribeStacks / GetCallerIdentity).
. tests/lib/common.sh

ROOT=$PWD
D=$T_TMP/proj
mkdir -p "$D"
# the runbook's two files, byte for byte: kept in tests/cli/runbook/ so a fresh clone has them; when
# the runbook itself is beside the clone (optional data), they must still be its exact text
cp tests/cli/runbook/task-definition-staging.json tests/cli/runbook/ecs-service-staging.json "$D"/
SEED=${ECSHIP_TESTDATA:-../shared/testdata}/../seed/000_2eb6dde9967fb72d.txt
if [ -r "$SEED" ]; then
	mkdir -p "$T_TMP/seed"
	python3 - "$SEED" "$T_TMP/seed" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2] + "/task-definition-staging.json", "w").write(re.findall(r"```json\n(.*?)```", t, re.S)[0])
open(sys.argv[2] + "/ecs-service-staging.json", "w").write(
    re.search(r"cat > ecs-service-staging.json << EOF\n(.*?)EOF\n", t, re.S).group(1))
PY
	check "tests/cli/runbook/ holds the runbook's files byte for byte" \
		diff -r "$T_TMP/seed" tests/cli/runbook
else
	ok "tests/cli/runbook/ holds the runbook's files byte for byte # SKIP optional data: the runbook is not at '$SEED'"
fi
cat >"$D/ecship.yml" <<'YML'
region: ap-northeast-1
cluster: django-ecs-cluster-${ENVIRONMENT}
service: django-ecs-service-${ENVIRONMENT}
task_definition: task-definition-${ENVIRONMENT}.json
service_definition: ecs-service-${ENVIRONMENT}.json
YML
cd "$D" || exit 1
export AWS_ACCOUNT_ID=123456789012

expect_exit "runbook files render with --tag" 0 "$ECSHIP" render --tag abc123
check "image carries the tag" python3 -c "
import json,sys; d=json.load(open('$OUT'))
assert d['containerDefinitions'][0]['image']=='123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/django-ecs-app:abc123', d
assert d['executionRoleArn']=='arn:aws:iam::123456789012:role/ecsTaskExecutionRole'
assert d['containerDefinitions'][0]['logConfiguration']['options']['awslogs-region']=='ap-northeast-1'
assert list(d)[:3]==['family','networkMode','requiresCompatibilities'], list(d)  # key order kept"
check "output is exactly what aws would send (valid JSON)" python3 -m json.tool "$OUT" /dev/null

expect_exit "IMAGE_TAG from the environment works too" 0 env IMAGE_TAG=fromenv "$ECSHIP" render
contains "environment IMAGE_TAG used" "$OUT" 'django-ecs-app:fromenv"'

expect_exit "--image replaces the load balancer container's image" 0 "$ECSHIP" render --image registry.example:5000/app:v9
contains "whole image replaced" "$OUT" '"image": "registry.example:5000/app:v9"'

expect_exit "--service prints the service definition" 0 "$ECSHIP" render --service --tag x
contains "service rendered" "$OUT" 'arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/\.\.\.'

expect_exit "unset IMAGE_TAG is an input error" 2 "$ECSHIP" render
contains "names file, line, column and variable" "$ERR" "'task-definition-staging.json': line 11, column 86: variable 'IMAGE_TAG' is not set"
contains "says what to do" "$ERR" "pass --tag TAG"
lacks "nothing on stdout" "$OUT" .

expect_exit "--image and --tag together is a usage error" 2 "$ECSHIP" render --image a:b --tag c

# every unresolved variable at once, in both files
sed 's/\${AWS_REGION}/${REGION_X}/g' task-definition-staging.json >td2.json
sed 's/targetgroup/${TG_X}/' ecs-service-staging.json >svc2.json
printf 'cluster: c\nservice: django-ecs-service-staging\ntask_definition: td2.json\nservice_definition: svc2.json\n' >two.yml
expect_exit "several unresolved variables" 2 "$ECSHIP" --config two.yml render --tag t
check "all three reported" test "$(grep -c "is not set" "$ERR")" -eq 3
contains "the service file too" "$ERR" "'svc2.json': line 6, column 87: variable 'TG_X'"

# malformed JSON and YAML
printf '{\n  "family": "x",\n  "containerDefinitions": [],\n}\n' >bad.json
printf 'cluster: c\nservice: s\ntask_definition: bad.json\n' >bad.yml
expect_exit "malformed JSON" 2 "$ECSHIP" --config bad.yml render
contains "JSON error with position" "$ERR" "'bad.json': line 4, column 1"
printf 'cluster: c\n  service: s\n' >bad2.yml
expect_exit "malformed YAML" 2 "$ECSHIP" --config bad2.yml render
contains "YAML error with position" "$ERR" "bad2.yml.*line 2, column 10"
printf 'cluster: c\nservice: s\ntask_defintion: t.json\n' >typo.yml
expect_exit "unknown key" 2 "$ECSHIP" --config typo.yml render
contains "did you mean" "$ERR" "did you mean 'task_definition'"

# describe-task-definition output pasted in: read-only fields dropped with a note
python3 - <<'PY'
import json
td = json.load(open("task-definition-staging.json"))
td.update({"taskDefinitionArn": "arn:aws:ecs:ap-northeast-1:1:task-definition/django-app-staging:3",
           "revision": 3, "status": "ACTIVE", "compatibilities": ["EC2", "FARGATE"],
           "requiresAttributes": [{"name": "ecs.capability.task-eni"}],
           "registeredAt": "2024-06-19T10:00:00+09:00", "registeredBy": "arn:aws:sts::1:x"})
json.dump({"taskDefinition": td, "tags": []}, open("described.json", "w"), indent=2)
PY
printf 'cluster: c\nservice: django-ecs-service-staging\ntask_definition: described.json\n' >desc.yml
expect_exit "describe output accepted" 0 "$ECSHIP" --config desc.yml render --tag t
contains "note names dropped fields" "$ERR" "dropped read-only fields 'taskDefinitionArn', 'revision'"
lacks "no read-only field left" "$OUT" '"revision"|"taskDefinitionArn"|"compatibilities"'

# validation: a broken definition never gets printed
python3 - <<'PY'
import json
td = json.load(open("task-definition-staging.json"))
td["memory"] = "4096"
td["containerDefinitions"][0]["environment"].append({"name": "DJANGO_SECRET_KEY", "value": "x"})
json.dump(td, open("invalid.json", "w"))
PY
printf 'cluster: c\nservice: django-ecs-service-staging\ntask_definition: invalid.json\nservice_definition: ecs-service-staging.json\n' >inv.yml
expect_exit "invalid Fargate size" 2 "$ECSHIP" --config inv.yml render --tag t
contains "size error" "$ERR" "Fargate does not offer cpu 256 with memory 4096"
contains "secret warning" "$ERR" "DJANGO_SECRET_KEY.*secret"
contains "secrets alternative" "$ERR" "valueFrom"

# ${cfn:KEY} and ${AWS_ACCOUNT_ID} from moto
unset AWS_ACCOUNT_ID
cat >stack.yml <<'CFN'
Resources:
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  PrivateSubnet1: {Value: subnet-aaa}
  PrivateSubnet2: {Value: subnet-bbb}
  ServiceSecurityGroup: {Value: sg-123}
  TargetGroupArn: {Value: "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/web/1"}
CFN
if aws --endpoint-url "$MOTO_URL" --region ap-northeast-1 cloudformation create-stack \
	--stack-name django-ecs-cluster-staging --template-body file://stack.yml >/dev/null 2>&1; then
	cp "$ROOT"/examples/django-app/ecs-service-staging.json cfn-svc.json
	printf 'region: ap-northeast-1\ncluster: c\nservice: django-ecs-service-${ENVIRONMENT}\nstack: django-ecs-cluster-${ENVIRONMENT}\ntask_definition: task-definition-staging.json\nservice_definition: cfn-svc.json\n' >cfn.yml
	expect_exit "cfn outputs and account id from AWS" 0 "$ECSHIP" --config cfn.yml --endpoint-url "$MOTO_URL" render --service --tag t
	check "outputs substituted" python3 -c "
import json; d=json.load(open('$OUT'))
n=d['networkConfiguration']['awsvpcConfiguration']
assert n['subnets']==['subnet-aaa','subnet-bbb'] and n['securityGroups']==['sg-123'], n
assert d['loadBalancers'][0]['targetGroupArn'].endswith('targetgroup/web/1')"
	sed 's/TargetGroupArn/TargetGroupArm/' cfn-svc.json >cfn-bad.json
	sed 's/cfn-svc.json/cfn-bad.json/' cfn.yml >cfn-bad.yml
	expect_exit "missing output is an input error" 2 "$ECSHIP" --config cfn-bad.yml --endpoint-url "$MOTO_URL" render --tag t
	contains "lists the outputs the stack has" "$ERR" "TargetGroupArm.*|PrivateSubnet1"
else
	not_ok "could not create the test stack in moto"
fi

done_testing
