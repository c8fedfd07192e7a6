#!/usr/bin/env bash
# request_model_check.sh: the check tests/run makes after every run (issue 11: every request ecship
# sends must validate against botocore's model), on recorded requests in both recorders' forms:
# ecship-sim's request log and moto_server's recorder. Only ecship's requests count (by
# User-Agent); an unknown member, a missing required member, a wrong type and a value outside an
# enum are each a violation; the other JSON services ecship calls and its Query-protocol requests
# (CloudFormation, EC2, ELBv2, STS, IAM, CloudWatch) are checked against their models.
# san: skip (no binary under test)
. tests/lib/common.sh

D=$T_TMP/requests
mkdir -p "$D"
ECS=AmazonEC2ContainerServiceV20141113
b64() { printf '%s' "$1" | base64 -w0; }
cat >"$D/sim-1.jsonl" <<EOF
{"target": "$ECS.DescribeServices", "user_agent": "ecship/0.1.0", "body": "{\"cluster\": \"c\", \"services\": [\"s\"]}"}
{"target": "$ECS.UpdateService", "user_agent": "ecship/0.1.0", "body": "{\"cluster\": \"c\", \"service\": \"s\", \"healthCheckGracePeriod\": 30}"}
{"target": "$ECS.StopServiceDeployment", "user_agent": "ecship/0.1.0", "body": "{\"serviceDeploymentArn\": \"a\", \"stopType\": \"UNDO\"}"}
{"target": "$ECS.UpdateService", "user_agent": "aws-cli/2 botocore/1", "body": "{\"nonsense\": 1}"}
EOF
# moto's recorder: headers, base64 bodies; its own calls (moto-api) and Query requests are not JSON targets
{
	printf '{"headers": {"User-Agent": "ecship/0.1.0", "X-Amz-Target": "%s.RegisterTaskDefinition"}, "method": "POST", "url": "http://127.0.0.1/", "body": "%s", "body_encoded": true}\n' \
		"$ECS" "$(b64 '{"containerDefinitions": []}')"
	printf '{"headers": {"User-Agent": "ecship/0.1.0", "X-Amz-Target": "%s.RegisterTaskDefinition"}, "method": "POST", "url": "http://127.0.0.1/", "body": "%s", "body_encoded": true}\n' \
		"$ECS" "$(b64 '{"family": "f", "containerDefinitions": [], "cpu": 256}')"
	printf '{"headers": {"User-Agent": "ecship/0.1.0", "X-Amz-Target": "Logs_20140328.GetLogEvents"}, "method": "POST", "url": "http://127.0.0.1/", "body": "{\\"logGroupName\\": \\"g\\", \\"logStreamName\\": \\"s\\"}", "body_encoded": false}\n'
	printf '{"headers": {"User-Agent": "curl/8"}, "method": "POST", "url": "http://127.0.0.1/moto-api/reset", "body": "", "body_encoded": false}\n'
	printf '{"headers": {"User-Agent": "ecship/0.1.0"}, "method": "POST", "url": "http://127.0.0.1/", "body": "Action=DescribeStacks", "body_encoded": false}\n'
	# Query-protocol requests, read back into the operation's input shape by the protocol's rules
	printf '{"headers": {"User-Agent": "ecship/0.1.0"}, "method": "POST", "url": "http://127.0.0.1/", "body": "Action=DescribeStacks&Version=2010-05-15&StackName=base", "body_encoded": false}\n'
	printf '{"headers": {"User-Agent": "ecship/0.1.0"}, "method": "POST", "url": "http://127.0.0.1/", "body": "Action=DescribeVpcs&Version=2016-11-15&Filter.member.1.Name=vpc-id", "body_encoded": false}\n'
} >"$D/moto-1.jsonl"

expect_exit "violations fail the check" 1 python3 tests/lib/check_ecs_requests.py --recorded "$D"
contains "only ecship's requests are counted" "$OUT" '^8 requests, 5 violations$'
contains "by service" "$OUT" '^by service: cloudformation 1, ec2 1, ecs 5, logs 1$'
contains "a Query parameter the shape has no place for (EC2 lists are Name.N)" "$OUT" "DescribeVpcs unknown parameter 'Filter.member.1.Name'"
contains "an unknown member" "$OUT" 'UpdateService .*Unknown parameter .*healthCheckGracePeriod'
contains "a value outside an enum" "$OUT" "StopServiceDeployment.*'UNDO' is not one of"
contains "a missing required member" "$OUT" 'RegisterTaskDefinition .*Missing required parameter.*family'
contains "a wrong type" "$OUT" 'RegisterTaskDefinition .*Invalid type for parameter cpu'
lacks "another client's request is not checked" "$OUT" 'nonsense'

# only the valid ones: exit 0
grep -v 'healthCheckGracePeriod\|UNDO' "$D/sim-1.jsonl" >"$T_TMP/s" && mv "$T_TMP/s" "$D/sim-1.jsonl"
rm "$D/moto-1.jsonl"
expect_exit "valid requests pass" 0 python3 tests/lib/check_ecs_requests.py --recorded "$D"
contains "and are counted" "$OUT" '^1 requests, 0 violations$'
rm "$D/sim-1.jsonl"
expect_exit "no request at all fails without --allow-empty" 1 python3 tests/lib/check_ecs_requests.py --recorded "$D"
expect_exit "and passes with it (tests/run: a run of unit tests only)" 0 \
	python3 tests/lib/check_ecs_requests.py --allow-empty --recorded "$D"
done_testing
