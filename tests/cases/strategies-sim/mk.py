# The resources a blue/green, linear or canary service needs outside ECS, in moto (through the
# simulator, which forwards ELBv2, IAM and CloudWatch upstream): one load balancer with a
# production and a test listener; per service two target groups and a production and a test
# listener rule; the infrastructure role; the alarm web-5xx. Writes svc-NAME.json for each service
# of ecship.yml with its strategy, its ARNs and what its steps need (for "sw" also a rolling
# definition, its first, and a blue/green one naming a role that does not exist).
import json

import boto3

ec2, elb, iam, cw = (boto3.client(s) for s in ("ec2", "elbv2", "iam", "cloudwatch"))
vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.%d.0/24" % i, AvailabilityZone=az)["Subnet"]["SubnetId"]
           for i, az in enumerate(azs)]
lb = elb.create_load_balancer(Name="shared", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]
prod_l, test_l = (elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=p, DefaultActions=fixed)
                  ["Listeners"][0]["ListenerArn"] for p in (80, 8080))
role = iam.create_role(RoleName="ecsInfrastructureRole", AssumeRolePolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"},
                                             "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
cw.put_metric_alarm(AlarmName="web-5xx", MetricName="HTTPCode_Target_5XX_Count", Namespace="AWS/ApplicationELB",
                    Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=5,
                    ComparisonOperator="GreaterThanThreshold")
PAUSE = [{"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
          "timeoutConfiguration": {"timeoutInMinutes": 60, "action": "ROLLBACK"}}]
LAMBDA = [{"hookTargetArn": "arn:aws:lambda:ap-northeast-1:123456789012:function:smoke-test",
           "roleArn": "arn:aws:iam::123456789012:role/ecsLambdaHookRole", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}]
services = {
    "bg": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2},
    "lin": {"strategy": "LINEAR", "bakeTimeInMinutes": 1,
            "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1}},
    "can": {"strategy": "CANARY", "bakeTimeInMinutes": 1, "lifecycleHooks": PAUSE,
            "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 1}},
    "ab": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1, "lifecycleHooks": PAUSE},
    "to": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1, "lifecycleHooks": [
        dict(PAUSE[0], timeoutConfiguration={"timeoutInMinutes": 1, "action": "ROLLBACK"})]},
    "hook": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1, "lifecycleHooks": LAMBDA},
    "alarm": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30,
              "alarms": {"alarmNames": ["web-5xx"], "enable": True, "rollback": True}},
    "sw": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1},
}
prio = 10
for name, dc in services.items():
    tgs = [elb.create_target_group(Name="%s-%s" % (name, c), Protocol="HTTP", Port=8000, VpcId=vpc,
                                   TargetType="ip")["TargetGroups"][0]["TargetGroupArn"] for c in ("blue", "green")]
    prio += 1
    cond = [{"Field": "host-header", "Values": [name + ".example.com"]}]
    prod, test = (elb.create_rule(ListenerArn=li, Priority=prio, Conditions=cond,
                                  Actions=[{"Type": "forward", "TargetGroupArn": tgs[0]}])["Rules"][0]["RuleArn"]
                  for li in (prod_l, test_l))
    dc = dict(dc, deploymentCircuitBreaker={"enable": True, "rollback": True})
    svc = {"desiredCount": 2, "launchType": "FARGATE", "healthCheckGracePeriodSeconds": 30,
           "loadBalancers": [{"targetGroupArn": tgs[0], "containerName": "web", "containerPort": 8000,
                              "advancedConfiguration": {"alternateTargetGroupArn": tgs[1], "productionListenerRule": prod,
                                                        "testListenerRule": test, "roleArn": role}}],
           "deploymentConfiguration": dc,
           "networkConfiguration": {"awsvpcConfiguration": {"subnets": subnets, "assignPublicIp": "DISABLED"}}}
    with open("svc-%s.json" % name, "w") as f:
        json.dump(svc, f, indent=1)
    if name == "sw":  # the same service as a rolling one, and switched with a role that is missing
        rolling = dict(svc, deploymentConfiguration={"deploymentCircuitBreaker": dc["deploymentCircuitBreaker"]},
                       loadBalancers=[{k: v for k, v in svc["loadBalancers"][0].items() if k != "advancedConfiguration"}])
        with open("svc-sw-rolling.json", "w") as f:
            json.dump(rolling, f, indent=1)
        norole = json.loads(json.dumps(svc))
        norole["loadBalancers"][0]["advancedConfiguration"]["roleArn"] = role.replace("ecsInfrastructureRole", "missingRole")
        with open("svc-sw-norole.json", "w") as f:
            json.dump(norole, f, indent=1)
    with open("rule-%s" % name, "w") as f:
        f.write(prod)
    with open("tg-%s" % name, "w") as f:
        f.write(" ".join(tgs))
