"""upstream.py: ecship-sim with --upstream pointed at moto_server ($MOTO_URL): CloudFormation,
EC2, ELBv2, STS and Logs calls through the sim reach moto unchanged; a cluster made by a
CloudFormation stack in moto is adopted and a service on it really rolls; DescribeTargetHealth
and log reads for the sim's own tasks are answered by the sim, others by moto."""
import json
import os

import boto3

from simlib import REGION, Sim, check, done, taskdef

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterName": "django-ecs-cluster-staging"}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/ecs/django-staging"}},
    },
    "Outputs": {"ClusterName": {"Value": {"Ref": "Cluster"}}},
}


def main():
    moto = os.environ["MOTO_URL"]
    direct = lambda svc: boto3.client(svc, endpoint_url=moto, region_name=REGION)
    with Sim("--speed", "0", "--seed", "8", "--no-rate-limits", "--upstream", moto) as sim:
        cfn = sim.client("cloudformation")
        cfn.create_stack(StackName="django-ecs-cluster-staging", TemplateBody=json.dumps(TEMPLATE))
        st = cfn.describe_stacks(StackName="django-ecs-cluster-staging")["Stacks"][0]
        check("CloudFormation through the sim: stack created in moto",
              st["StackStatus"] == "CREATE_COMPLETE", st["StackStatus"])
        mst = direct("cloudformation").describe_stacks(StackName="django-ecs-cluster-staging")["Stacks"][0]
        check("moto itself has the stack", mst["StackId"] == st["StackId"], mst["StackId"])
        moto_cluster = direct("ecs").describe_clusters(clusters=["django-ecs-cluster-staging"])["clusters"][0]

        ec2 = sim.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        check("EC2 through the sim reaches moto",
              any(v["VpcId"] == vpc for v in direct("ec2").describe_vpcs()["Vpcs"]), vpc)
        elb = sim.client("elbv2")
        tg = elb.create_target_group(Name="web-tg", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        other = elb.create_target_group(Name="other-tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        check("ELBv2 through the sim reaches moto",
              {t["TargetGroupArn"] for t in direct("elbv2").describe_target_groups()["TargetGroups"]} >= {tg, other})
        ident = sim.client("sts").get_caller_identity()
        check("STS through the sim answers (moto)", ident["Account"] == "123456789012", ident)

        ecs = sim.client()
        got = ecs.describe_clusters(clusters=["django-ecs-cluster-staging"])["clusters"]
        check("the CloudFormation cluster is found through the sim",
              len(got) == 1 and got[0]["status"] == "ACTIVE" and got[0]["clusterArn"] == moto_cluster["clusterArn"], got)
        ecs.register_task_definition(**taskdef("django-staging", "repo/web:1", group="/ecs/django-staging"))
        ecs.create_service(cluster="django-ecs-cluster-staging", serviceName="django-ecs-service-staging",
                           taskDefinition="django-staging", desiredCount=2, networkConfiguration=sim.net,
                           loadBalancers=[{"targetGroupArn": tg, "containerName": "app", "containerPort": 8000}],
                           deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}})
        sim.advance(300)
        svc = ecs.describe_services(cluster="django-ecs-cluster-staging", services=["django-ecs-service-staging"])["services"][0]
        check("a service on the adopted cluster rolls to COMPLETED",
              svc["deployments"][0]["rolloutState"] == "COMPLETED" and svc["runningCount"] == 2
              and svc["clusterArn"] == moto_cluster["clusterArn"], svc["deployments"])
        th = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
        check("DescribeTargetHealth for the service's target group is the sim's (2 healthy)",
              len(th) == 2 and all(d["TargetHealth"]["State"] == "healthy" for d in th), th)
        th2 = elb.describe_target_health(TargetGroupArn=other)["TargetHealthDescriptions"]
        check("DescribeTargetHealth for another target group goes to moto", th2 == [], th2)
        logs = sim.client("logs")
        ev = logs.filter_log_events(logGroupName="/ecs/django-staging")["events"]
        check("log reads for the tasks' group come from the sim", len(ev) >= 2 and ev[0]["logStreamName"].startswith("ecs/app/"), ev[:2])
        groups = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
        check("other Logs calls go to moto (the stack's log group)", "/ecs/django-staging" in groups, groups)
        try:
            ecs.describe_services(cluster="nowhere", services=["x"])
            check("a cluster neither here nor upstream: ClusterNotFoundException", False)
        except ecs.exceptions.ClusterNotFoundException:
            check("a cluster neither here nor upstream: ClusterNotFoundException", True)
        reqs = sim.ctl("requests")["requests"]
        check("request log tells forwarded services apart",
              {"query", "ec2", "ecs", "elbv2", "logs"} <= {r["service"] for r in reqs}, {r["service"] for r in reqs})
    check("SIGTERM: exit status 0", sim.exit_status == 0, sim.exit_status)
    done()


if __name__ == "__main__":
    main()
