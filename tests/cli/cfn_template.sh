#!/usr/bin/env bash
# cfn_template.sh: cloudformation/ecs-cluster.yml is cfn-lint clean (any finding fails, and a
# broken copy is caught, so the check can fail), says what the issue asks (static checks), and
# moto_server creates it in its four shapes: new VPC with NAT, VPC endpoints with HTTPS, an
# existing VPC (no VPC created), and blue/green (EnableBlueGreen: the alternate target group, the
# production and test listener rules ECS re-weights, the test listener and the ECS
# infrastructure role; ECS developer guide, "Amazon ECS blue/green deployments" and "Amazon ECS
# infrastructure IAM role for load balancers").
. tests/lib/common.sh

T=cloudformation/ecs-cluster.yml
AWSCLI() { aws --endpoint-url "$MOTO_URL" --region ap-northeast-1 "$@"; }
out() { AWSCLI cloudformation describe-stacks --stack-name "$1" --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue|[0]" --output text; }

# ---- cfn-lint -----------------------------------------------------------------------------------
expect_exit "cfn-lint finds nothing" 0 cfn-lint "$T"
check "cfn-lint printed nothing" test ! -s "$OUT"
sed 's/^      Protocol: HTTP$/      Protocol: HTTPZ/' "$T" >"$T_TMP/broken.yml"
if cmp -s "$T" "$T_TMP/broken.yml"; then not_ok "negative control: could not break the template"; else
	expect_exit "negative control: cfn-lint catches a broken copy" 2 cfn-lint "$T_TMP/broken.yml"
fi

# ---- static: what the issue asks ----------------------------------------------------------------
check "static checks" python3 - "$T" <<'EOF'
import sys, yaml
class L(yaml.SafeLoader): pass
def tag(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else ("Condition" if suffix == "Condition" else "Fn::" + suffix)
    if isinstance(node, yaml.ScalarNode): v = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode): v = loader.construct_sequence(node, deep=True)
    else: v = loader.construct_mapping(node, deep=True)
    return {name: v}
L.add_multi_constructor("!", tag)
t = yaml.load(open(sys.argv[1]), Loader=L)
R, P, O = t["Resources"], t["Parameters"], t["Outputs"]
bad = []
def want(c, msg):
    if not c: bad.append(msg)
want("Environment" in P, "Environment parameter")
for p in ["ExistingVpcId", "ExistingPublicSubnet1Id", "ExistingPublicSubnet2Id", "ExistingPrivateSubnet1Id", "ExistingPrivateSubnet2Id", "CertificateArn", "HealthCheckPath", "EnableNatGateway", "EnableVpcEndpoints"]:
    want(p in P, "parameter " + p)
types = [r["Type"] for r in R.values()]
want(types.count("AWS::EC2::Subnet") == 4, "4 subnets")
want(all(R[s].get("Condition") == "CreateVpc" for s in R if R[s]["Type"] in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway")), "network only with CreateVpc")
azs = [R[s]["Properties"]["AvailabilityZone"] for s in R if R[s]["Type"] == "AWS::EC2::Subnet"]
want(all("Fn::Select" in a and a["Fn::Select"][1] == {"Fn::GetAZs": ""} for a in azs), "AZs from GetAZs")
want(len({a["Fn::Select"][0] for a in azs}) == 2, "two AZs")
want(R["NatGateway"]["Condition"] == "CreateNat", "NAT optional")
eps = {R[k]["Properties"]["ServiceName"]["Fn::Sub"].split(".")[-1] for k in R if R[k]["Type"] == "AWS::EC2::VPCEndpoint"}
want(eps == {"api", "dkr", "s3", "logs"}, "endpoints ecr.api, ecr.dkr, s3, logs: %s" % eps)
tg = R["DefaultTargetGroup"]["Properties"]
want(tg["TargetType"] == "ip" and tg["Port"] == {"Ref": "ContainerPort"} and P["ContainerPort"]["Default"] == 8000, "TG ip on 8000")
want(tg["HealthCheckPath"] == {"Ref": "HealthCheckPath"}, "health check path parameter")
want(R["HttpsListener"]["Condition"] == "HasCertificate", "HTTPS only with a certificate")
http = R["HttpListener"]["Properties"]["DefaultActions"]["Fn::If"]
want(http[0] == "HasCertificate" and http[1][0]["Type"] == "redirect" and http[2][0]["Type"] == "forward", "HTTP redirects when HTTPS")
cl = R["Cluster"]["Properties"]
want({"Name": "containerInsights", "Value": "enabled"} in cl["ClusterSettings"], "Container Insights")
lg = R["LogGroup"]["Properties"]
want(lg["LogGroupName"] == {"Fn::Sub": "/ecs/django-app-${Environment}"} and "RetentionInDays" in lg, "log group name and retention")
alb = R["LoadBalancerSecurityGroup"]["Properties"]["SecurityGroupIngress"]
want(sorted(r["FromPort"] for r in alb) == [80, 443] and all(r["CidrIp"] == "0.0.0.0/0" for r in alb), "ALB 80/443 open")
svc = R["ServiceSecurityGroup"]["Properties"]["SecurityGroupIngress"]
want(len(svc) == 1 and svc[0]["SourceSecurityGroupId"] == {"Ref": "LoadBalancerSecurityGroup"} and "CidrIp" not in svc[0], "tasks only from the ALB")
# least privilege: every statement but GetAuthorizationToken is scoped; no wildcard action
st = R["TaskExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
for s in st:
    acts = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
    want(all("*" not in a for a in acts), "no wildcard action: %s" % acts)
    want(s["Resource"] != "*" or acts == ["ecr:GetAuthorizationToken"], "scoped resource for %s" % acts)
want("ManagedPolicyArns" not in R["TaskExecutionRole"]["Properties"], "no broad managed policy")
for k in ["VpcId", "PublicSubnet1", "PublicSubnet2", "PrivateSubnet1", "PrivateSubnet2", "LoadBalancerSecurityGroup", "ServiceSecurityGroup", "LoadBalancerArn", "LoadBalancerDnsName", "HttpListenerArn", "HttpsListenerArn", "TargetGroupArn", "ClusterName", "LogGroupName", "TaskExecutionRoleArn"]:
    want(k in O and "Export" in O[k], "exported output " + k)
# blue/green, all behind EnableBlueGreen
bg = ["AlternateTargetGroup", "ProductionListenerRule", "TestListener", "TestListenerRule", "InfrastructureRole"]
want(P["EnableBlueGreen"]["Default"] == "false", "blue/green off by default")
want(all(R[k]["Condition"] == "CreateBlueGreen" for k in bg), "blue/green resources only with EnableBlueGreen")
for k in ["ProductionListenerRule", "TestListenerRule"]:
    tgs = R[k]["Properties"]["Actions"][0]["ForwardConfig"]["TargetGroups"]
    want([(t["TargetGroupArn"]["Ref"], t["Weight"]) for t in tgs] == [("DefaultTargetGroup", 100), ("AlternateTargetGroup", 0)], k + " forwards blue 100, green 0")
role = R["InfrastructureRole"]["Properties"]
want(role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ecs.amazonaws.com"}, "infrastructure role trusts ECS")
want("ManagedPolicyArns" not in role, "infrastructure role: no broad managed policy")
for s in role["Policies"][0]["PolicyDocument"]["Statement"]:
    acts = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
    want(all(a.startswith("elasticloadbalancing:") and "*" not in a for a in acts), "ELB actions only: %s" % acts)
    want(s["Resource"] != "*" or all(a.split(":")[1].startswith("Describe") for a in acts), "scoped resource for %s" % acts)
for k in ["AlternateTargetGroupArn", "ProductionListenerRuleArn", "TestListenerArn", "TestListenerRuleArn", "InfrastructureRoleArn"]:
    want(k in O and "Export" in O[k] and O[k].get("Condition") == "CreateBlueGreen", "exported blue/green output " + k)
for m in bad: print("# missing: " + m)
sys.exit(1 if bad else 0)
EOF

# ---- moto creates it --------------------------------------------------------------------------
AWSCLI cloudformation create-stack --stack-name shape-nat --template-body "file://$T" --capabilities CAPABILITY_NAMED_IAM \
	--parameters ParameterKey=Environment,ParameterValue=nat >/dev/null
check "shape 1 (new VPC, NAT): CREATE_COMPLETE" test "$(AWSCLI cloudformation describe-stacks --stack-name shape-nat --query 'Stacks[0].StackStatus' --output text)" = CREATE_COMPLETE
VPC=$(out shape-nat VpcId)
check "  a NAT gateway in the new VPC" test "$(AWSCLI ec2 describe-nat-gateways --filter Name=vpc-id,Values="$VPC" --query 'length(NatGateways)' --output text)" = 1
check "  four subnets in two AZs" test "$(AWSCLI ec2 describe-subnets --filters Name=vpc-id,Values="$VPC" --query 'length(Subnets)' --output text) $(AWSCLI ec2 describe-subnets --filters Name=vpc-id,Values="$VPC" --query 'Subnets[].AvailabilityZone' --output text | tr '\t' '\n' | sort -u | wc -l)" = "4 2"
ALBSG=$(out shape-nat LoadBalancerSecurityGroup)
check "  tasks open on 8000 from the ALB group only" test "$(AWSCLI ec2 describe-security-groups --group-ids "$(out shape-nat ServiceSecurityGroup)" --query 'SecurityGroups[0].IpPermissions[*].[FromPort,UserIdGroupPairs[0].GroupId,length(IpRanges)]' --output text)" = "$(printf '8000\t%s\t0' "$ALBSG")"
check "  log group with retention" test "$(AWSCLI logs describe-log-groups --log-group-name-prefix /ecs/django-app-nat --query 'logGroups[0].retentionInDays' --output text)" = 30

CERT=$(AWSCLI acm request-certificate --domain-name nat.example.jp --query CertificateArn --output text)
AWSCLI cloudformation create-stack --stack-name shape-ep --template-body "file://$T" --capabilities CAPABILITY_NAMED_IAM \
	--parameters ParameterKey=Environment,ParameterValue=ep ParameterKey=EnableNatGateway,ParameterValue=false \
	ParameterKey=EnableVpcEndpoints,ParameterValue=true ParameterKey=CertificateArn,ParameterValue="$CERT" \
	ParameterKey=VpcCidr,ParameterValue=10.1.0.0/16 ParameterKey=PublicSubnet1Cidr,ParameterValue=10.1.0.0/24 \
	ParameterKey=PublicSubnet2Cidr,ParameterValue=10.1.1.0/24 ParameterKey=PrivateSubnet1Cidr,ParameterValue=10.1.2.0/24 \
	ParameterKey=PrivateSubnet2Cidr,ParameterValue=10.1.3.0/24 >/dev/null
check "shape 2 (endpoints, HTTPS): CREATE_COMPLETE" test "$(AWSCLI cloudformation describe-stacks --stack-name shape-ep --query 'Stacks[0].StackStatus' --output text)" = CREATE_COMPLETE
VPC2=$(out shape-ep VpcId)
check "  no NAT gateway" test "$(AWSCLI ec2 describe-nat-gateways --filter Name=vpc-id,Values="$VPC2" --query 'length(NatGateways)' --output text)" = 0
check "  endpoints ecr.api, ecr.dkr, logs, s3" test "$(AWSCLI ec2 describe-vpc-endpoints --filters Name=vpc-id,Values="$VPC2" --query 'VpcEndpoints[].ServiceName' --output text | tr '\t' '\n' | sed 's/.*\.ap-northeast-1\.//' | sort | tr '\n' ' ')" = "ecr.api ecr.dkr logs s3 "
LB2=$(out shape-ep LoadBalancerArn)
check "  HTTP redirects, HTTPS forwards" test "$(AWSCLI elbv2 describe-listeners --load-balancer-arn "$LB2" --query 'Listeners[].[Port,DefaultActions[0].Type]' --output text | sort | tr '\t\n' ' ')" = "443 forward 80 redirect "
case "$(out shape-ep HttpsListenerArn)" in arn:*listener*) ok "  HttpsListenerArn output" ;; *) not_ok "  HttpsListenerArn output" ;; esac

nv=$(AWSCLI ec2 describe-vpcs --query 'length(Vpcs)' --output text)
S=($(AWSCLI ec2 describe-subnets --filters Name=vpc-id,Values="$VPC" --query 'Subnets[].SubnetId' --output text))
AWSCLI cloudformation create-stack --stack-name shape-existing --template-body "file://$T" --capabilities CAPABILITY_NAMED_IAM \
	--parameters ParameterKey=Environment,ParameterValue=ex ParameterKey=ExistingVpcId,ParameterValue="$VPC" \
	ParameterKey=ExistingPublicSubnet1Id,ParameterValue="${S[0]}" ParameterKey=ExistingPublicSubnet2Id,ParameterValue="${S[1]}" \
	ParameterKey=ExistingPrivateSubnet1Id,ParameterValue="${S[2]}" ParameterKey=ExistingPrivateSubnet2Id,ParameterValue="${S[3]}" >/dev/null
check "shape 3 (existing VPC): CREATE_COMPLETE" test "$(AWSCLI cloudformation describe-stacks --stack-name shape-existing --query 'Stacks[0].StackStatus' --output text)" = CREATE_COMPLETE
check "  no VPC created" test "$(AWSCLI ec2 describe-vpcs --query 'length(Vpcs)' --output text)" = "$nv"
check "  outputs name the existing VPC" test "$(out shape-existing VpcId)" = "$VPC"
check "  and the given task subnets" test "$(out shape-existing PrivateSubnet2)" = "${S[3]}"
check "  no blue/green resources unless asked" test "$(out shape-existing AlternateTargetGroupArn)" = None

AWSCLI cloudformation create-stack --stack-name shape-bg --template-body "file://$T" --capabilities CAPABILITY_NAMED_IAM \
	--parameters ParameterKey=Environment,ParameterValue=bg ParameterKey=EnableBlueGreen,ParameterValue=true \
	ParameterKey=ProductionHostHeader,ParameterValue=bg.example.jp ParameterKey=TestListenerCidr,ParameterValue=10.0.0.0/8 \
	ParameterKey=VpcCidr,ParameterValue=10.2.0.0/16 ParameterKey=PublicSubnet1Cidr,ParameterValue=10.2.0.0/24 \
	ParameterKey=PublicSubnet2Cidr,ParameterValue=10.2.1.0/24 ParameterKey=PrivateSubnet1Cidr,ParameterValue=10.2.2.0/24 \
	ParameterKey=PrivateSubnet2Cidr,ParameterValue=10.2.3.0/24 >/dev/null
check "shape 4 (blue/green): CREATE_COMPLETE" test "$(AWSCLI cloudformation describe-stacks --stack-name shape-bg --query 'Stacks[0].StackStatus' --output text)" = CREATE_COMPLETE
BLUE=$(out shape-bg TargetGroupArn) GREEN=$(out shape-bg AlternateTargetGroupArn)
case "$GREEN" in arn:*targetgroup/*) ok "  AlternateTargetGroupArn output" ;; *) not_ok "  AlternateTargetGroupArn output: $GREEN" ;; esac
check "  the green target group is a second one" test "$GREEN" != "$BLUE"
AWSCLI elbv2 describe-rules --rule-arns "$(out shape-bg ProductionListenerRuleArn)" >"$T_TMP/prod.json"
check "  the production rule is on the HTTP listener, priority 50000, host bg.example.jp, blue 100 / green 0" python3 - "$T_TMP/prod.json" "$BLUE" "$GREEN" "$(out shape-bg HttpListenerArn)" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["Rules"][0]
assert r["Priority"] == "50000", r
assert r["RuleArn"].split("/")[-4:-1] == sys.argv[4].split("/")[-3:], (r["RuleArn"], sys.argv[4])
assert any(c.get("Field") == "host-header" and "bg.example.jp" in c.get("Values", []) + c.get("HostHeaderConfig", {}).get("Values", []) for c in r["Conditions"]), r
tgs = {t["TargetGroupArn"]: t["Weight"] for t in r["Actions"][0]["ForwardConfig"]["TargetGroups"]}
assert tgs == {sys.argv[2]: 100, sys.argv[3]: 0}, tgs
EOF
TL=$(out shape-bg TestListenerArn)
check "  the test listener is on 8080" test "$(AWSCLI elbv2 describe-listeners --listener-arns "$TL" --query 'Listeners[0].Port' --output text)" = 8080
check "  the test rule is on it" test "$(AWSCLI elbv2 describe-rules --rule-arns "$(out shape-bg TestListenerRuleArn)" --query 'Rules[0].Priority' --output text)" = 1
check "  the test port is open to the given CIDR only" test "$(AWSCLI ec2 describe-security-groups --group-ids "$(out shape-bg LoadBalancerSecurityGroup)" --query 'SecurityGroups[0].IpPermissions[?FromPort==`8080`].IpRanges[].CidrIp' --output text)" = 10.0.0.0/8
ROLE=$(out shape-bg InfrastructureRoleArn)
check "  the infrastructure role is django-ecs-infrastructure-bg" test "${ROLE##*/}" = django-ecs-infrastructure-bg
check "  and ECS may assume it" test "$(AWSCLI iam get-role --role-name django-ecs-infrastructure-bg --query 'Role.AssumeRolePolicyDocument.Statement[0].Principal.Service' --output text)" = ecs.amazonaws.com
AWSCLI iam get-role-policy --role-name django-ecs-infrastructure-bg --policy-name shift-traffic --output json >"$T_TMP/shift.json"
check "  its policy names this stack's green target group" grep -q "${GREEN##*:}" "$T_TMP/shift.json"

done_testing
