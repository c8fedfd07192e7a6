#!/usr/bin/env python3
"""sim_network.py: the network the tests' projects name, made in moto (the sim's upstream).

ECS refuses CreateService/UpdateService naming a subnet, security group or target group that does
not exist ("Error retrieving subnet information for [subnet-x]", "The target group with
targetGroupArn ... does not exist": API_CreateService, InvalidParameterException), and a target
group no load balancer uses ("does not have an associated load balancer"). ecship-sim makes the
existence checks against its --upstream (sim/ecs.c check_upstream), so the tests create what
their projects name, here, instead of turning the checks off.

moto 5 makes random EC2 and ELBv2 IDs (its `_custom_id_` tag is not honoured for VPCs, subnets,
security groups or target groups), so the IDs are handed to the tests as variables:

  VPC_ID          a VPC, 10.0.0.0/16
  SUBNET_A        a private subnet in REGION a (10.0.1.0/24)
  SUBNET_B        a private subnet in REGION c (10.0.2.0/24)
  SECURITY_GROUP  a security group in the VPC (ecship-test-web)
  TARGET_GROUP    an ip target group (web, HTTP 8000) behind LOAD_BALANCER's listener on :80
  TARGET_GROUP_B  a second one (web-b), behind a listener rule of the same listener
  LOAD_BALANCER   an internal application load balancer over both subnets

and the CloudWatch Logs groups the projects' awslogs options name (LOG_GROUPS, as the base stack
makes them): ECS stops a task whose log group does not exist, unless awslogs-create-group is
"true", with ResourceInitializationError (ecship-sim checks it against its --upstream too).
`sim_network.py MOTO_URL REGION --log-group NAME...` makes more.

Idempotent: called again against the same moto (a second sim in one test) it answers the same
IDs (found by the VPC's tag). As a program: `sim_network.py MOTO_URL REGION` prints NAME=VALUE
lines (shell-safe: the values are IDs and ARNs).
"""
import sys

TAG = "ecship-test-network"
LOG_GROUPS = ("/ecs/demo", "/ecs/web", "/ecs/app", "/ecs/diag", "/ecs/ff", "/ecs/follow",
              "/ecs/django-app-staging", "/ecs/django-app-production")
NAMES = ("VPC_ID", "SUBNET_A", "SUBNET_B", "SECURITY_GROUP", "TARGET_GROUP", "TARGET_GROUP_B",
         "LOAD_BALANCER")


def _clients(url, region):
    import boto3
    kw = dict(endpoint_url=url, region_name=region, aws_access_key_id="testing",
              aws_secret_access_key="testing")
    return boto3.client("ec2", **kw), boto3.client("elbv2", **kw)


def _existing(ec2, elb):
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [TAG]}])["Vpcs"]
    if not vpcs:
        return None
    vpc = vpcs[0]["VpcId"]
    subnets = {s["CidrBlock"]: s["SubnetId"] for s in
               ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]}
    sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                               {"Name": "group-name", "Values": ["ecship-test-web"]}])
    tgs = {t["TargetGroupName"]: t["TargetGroupArn"] for t in
           elb.describe_target_groups(Names=["web", "web-b"])["TargetGroups"]}
    lb = elb.describe_load_balancers(Names=["ecship-test"])["LoadBalancers"][0]["LoadBalancerArn"]
    return {"VPC_ID": vpc, "SUBNET_A": subnets["10.0.1.0/24"], "SUBNET_B": subnets["10.0.2.0/24"],
            "SECURITY_GROUP": sg["SecurityGroups"][0]["GroupId"], "TARGET_GROUP": tgs["web"],
            "TARGET_GROUP_B": tgs["web-b"], "LOAD_BALANCER": lb}


def log_groups(url, region, names=LOG_GROUPS):
    """Makes the log groups `names` in the moto at URL (those that exist are left as they are)."""
    import boto3
    logs = boto3.client("logs", endpoint_url=url, region_name=region, aws_access_key_id="testing",
                        aws_secret_access_key="testing")
    for name in names:
        try:
            logs.create_log_group(logGroupName=name)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass


def create(url, region):
    """Makes (or finds) the network and the log groups in the moto at URL; returns {NAME: ID}."""
    ec2, elb = _clients(url, region)
    log_groups(url, region)
    found = _existing(ec2, elb)
    if found:
        return found
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": TAG}]}])["Vpc"]["VpcId"]
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24",
                          AvailabilityZone=region + "a")["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24",
                          AvailabilityZone=region + "c")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="ecship-test-web", Description="ecship tests",
                                   VpcId=vpc)["GroupId"]
    lb = elb.create_load_balancer(Name="ecship-test", Subnets=[a, b], SecurityGroups=[sg],
                                  Scheme="internal", Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    tg = {}
    for name in ("web", "web-b"):
        tg[name] = elb.create_target_group(Name=name, Protocol="HTTP", Port=8000, VpcId=vpc,
                                           TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "forward", "TargetGroupArn": tg["web"]}])["Listeners"][0]["ListenerArn"]
    elb.create_rule(ListenerArn=listener, Priority=10,
                    Conditions=[{"Field": "path-pattern", "Values": ["/b/*"]}],
                    Actions=[{"Type": "forward", "TargetGroupArn": tg["web-b"]}])
    return {"VPC_ID": vpc, "SUBNET_A": a, "SUBNET_B": b, "SECURITY_GROUP": sg,
            "TARGET_GROUP": tg["web"], "TARGET_GROUP_B": tg["web-b"], "LOAD_BALANCER": lb}


if __name__ == "__main__":
    if len(sys.argv) < 3 or (len(sys.argv) > 3 and sys.argv[3] != "--log-group"):
        sys.exit("usage: sim_network.py MOTO_URL REGION [--log-group NAME...]")
    if len(sys.argv) > 3:
        log_groups(sys.argv[1], sys.argv[2], sys.argv[4:])
        sys.exit(0)
    ids = create(sys.argv[1], sys.argv[2])
    for k in NAMES:
        print(f"{k}={ids[k]}")
