# Creates, in moto, what a blue/green service needs outside ECS: one ALB with a listener, a
# production and a test listener rule, a blue and a green target group both attached to it, the
# infrastructure role and an alarm; plus a second ALB with a rule of its own. Writes the service
# definitions of the case's steps (good.json and one bad-*.json per refusal) with their ARNs.
import json

import boto3

ec2 = boto3.client("ec2")
elb = boto3.client("elbv2")
iam = boto3.client("iam")
cw = boto3.client("cloudwatch")
vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.%d.0/24" % i, AvailabilityZone=az)["Subnet"]["SubnetId"]
           for i, az in enumerate(azs)]


def alb(name):
    lb = elb.create_load_balancer(Name=name, Subnets=subnets, Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    tgs = [elb.create_target_group(Name="%s-%s" % (name, c), Protocol="HTTP", Port=8000, VpcId=vpc,
                                   TargetType="ip")["TargetGroups"][0]["TargetGroupArn"] for c in ("blue", "green")]
    li = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                             DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}])["Listeners"][0]["ListenerArn"]
    fwd = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tgs[0], "Weight": 100},
                                                                  {"TargetGroupArn": tgs[1], "Weight": 0}]}}]
    rules = [elb.create_rule(ListenerArn=li, Priority=p, Conditions=[{"Field": "path-pattern", "Values": [path]}],
                             Actions=fwd)["Rules"][0]["RuleArn"] for p, path in ((10, "/*"), (5, "/test/*"))]
    return tgs, rules


(blue, green), (prod, test) = alb("bg")
(oblue, _), (oprod, _) = alb("other")
role = iam.create_role(RoleName="ecsInfrastructureRole",
                       AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                       '"Principal":{"Service":"ecs.amazonaws.com"},"Action":"sts:AssumeRole"}]}')["Role"]["Arn"]
cw.put_metric_alarm(AlarmName="web-5xx", MetricName="HTTPCode_Target_5XX_Count", Namespace="AWS/ApplicationELB",
                    Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold")


def svc(adv, tg=blue, alarms=("web-5xx",), strategy="BLUE_GREEN"):
    return {"desiredCount": 1, "launchType": "FARGATE",
            "loadBalancers": [{"targetGroupArn": tg, "containerName": "web", "containerPort": 8000,
                               "advancedConfiguration": adv}],
            "deploymentConfiguration": {"strategy": strategy, "bakeTimeInMinutes": 5,
                                        "alarms": {"alarmNames": list(alarms), "enable": True, "rollback": True}},
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": subnets, "assignPublicIp": "DISABLED"}}}


good = {"alternateTargetGroupArn": green, "productionListenerRule": prod, "testListenerRule": test, "roleArn": role}
files = {
    "good.json": svc(good),
    "bad-missing-tg.json": svc(dict(good, alternateTargetGroupArn=green[:-4] + "0000")),
    "bad-missing-rule.json": svc(dict(good, testListenerRule=test[:-4] + "0000")),
    "bad-other-lb.json": svc(dict(good, productionListenerRule=oprod)),
    "bad-missing-role.json": svc(dict(good, roleArn=role.replace("ecsInfrastructureRole", "noSuchRole"))),
    "bad-missing-alarm.json": svc(good, alarms=("web-5xx", "no-such-alarm")),
    "bad-static.json": svc({"alternateTargetGroupArn": blue}, strategy="CANARY"),
}
files["bad-static.json"]["deploymentConfiguration"]["canaryConfiguration"] = {"canaryPercent": 0.05}
for name, doc in files.items():
    with open(name, "w") as f:
        json.dump(doc, f, indent=1)
