"""fills.py: what ECS fills in and what it refuses, on ecship-sim: RegisterTaskDefinition's stored
defaults and refusals, CreateService/UpdateService checking subnets, security groups and target
groups against the upstream (moto, $MOTO_URL), a CODE_DEPLOY service refusing a task definition
change, capacityProviderStrategy and platformVersion kept. Each case names its source."""
import os

import boto3

from simlib import NET, REGION, Sim, check, done, raw_ecs, taskdef

EXEC = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"


def td_of(sim, body):
    return raw_ecs(sim, "RegisterTaskDefinition", body)


def defaults_and_refusals():
    with Sim("--speed", "0", "--seed", "51", "--no-rate-limits") as sim:
        # API_PortMapping: bridge mode leaves hostPort 0 (an ephemeral port at run time); host and
        # awsvpc mode use the containerPort. https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PortMapping.html
        for mode, want in (("bridge", 0), (None, 0), ("host", 8000), ("awsvpc", 8000)):
            body = {"family": "ports", "containerDefinitions": [{"name": "app", "image": "repo/web:1", "memory": 256,
                                                                  "portMappings": [{"containerPort": 8000}]}]}
            if mode:
                body["networkMode"] = mode
            st, a = td_of(sim, body)
            pm = a.get("taskDefinition", {}).get("containerDefinitions", [{}])[0].get("portMappings", [{}])[0]
            check("%s mode: hostPort %d stored" % (mode or "default (bridge)", want), st == 200 and pm.get("hostPort") == want, (st, a))
        # API_EFSVolumeConfiguration: rootDirectory left out is the root, stored as "/"
        st, a = td_of(sim, {"family": "efs", "containerDefinitions": [{"name": "app", "image": "repo/web:1", "memory": 256}],
                            "volumes": [{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678"}}]})
        efs = a.get("taskDefinition", {}).get("volumes", [{}])[0].get("efsVolumeConfiguration", {})
        check("EFS volume: rootDirectory '/' stored", st == 200 and efs.get("rootDirectory") == "/", a)
        # ContainerDefinition cpu/memory are Integers: a string is a SerializationException
        for field in ("cpu", "memory"):
            st, a = td_of(sim, {"family": "strs", "containerDefinitions": [{"name": "app", "image": "repo/web:1", field: "256"}]})
            check("container %s as a string: SerializationException" % field,
                  st == 400 and a.get("__type") == "SerializationException", a)
        # secrets need the execution role (developer guide, "Pass sensitive data to an Amazon ECS container")
        secret = [{"name": "DB", "valueFrom": "arn:aws:secretsmanager:%s:123456789012:secret:db" % REGION}]
        st, a = td_of(sim, {"family": "sec", "containerDefinitions": [{"name": "app", "image": "repo/web:1", "memory": 256,
                                                                      "secrets": secret}]})
        check("secrets without executionRoleArn: ClientException naming executionRoleArn",
              st == 400 and a.get("__type") == "ClientException" and "executionRoleArn" in a.get("message", ""), a)
        st, a = td_of(sim, {"family": "sec", "executionRoleArn": EXEC,
                            "containerDefinitions": [{"name": "app", "image": "repo/web:1", "memory": 256, "secrets": secret}]})
        check("secrets with executionRoleArn: registered", st == 200, a)
        # API_ContainerDefinition image: letters, numbers, - _ : . / # (and @ for a digest), at most 255
        for image in ("repo/web:1 latest", "repo/web:$TAG", "x" * 256):
            st, a = td_of(sim, {"family": "img", "containerDefinitions": [{"name": "app", "image": image, "memory": 256}]})
            check("invalid image reference %r refused" % image[:20], st == 400 and a.get("__type") == "ClientException", a)
        st, a = td_of(sim, {"family": "img", "containerDefinitions": [{"name": "app", "memory": 256,
                                                                      "image": "123456789012.dkr.ecr.%s.amazonaws.com/web@sha256:%s" % (REGION, "a" * 64)}]})
        check("an ECR digest reference is accepted", st == 200, a)
        # Fargate sizes (task-cpu-memory-error.html)
        body = taskdef("fg", "repo/web:1")
        body["memory"] = "4096"
        st, a = td_of(sim, body)
        check("Fargate 256 CPU with 4096 memory: ClientException", st == 400 and a.get("__type") == "ClientException"
              and "No Fargate configuration exists" in a.get("message", ""), a)


def upstream_checks():
    """CreateService/UpdateService: subnets, security groups and target groups must exist (ECS asks
    EC2 and ELB; its messages 'Error retrieving subnet information for [...]', 'The target group with
    targetGroupArn ... does not exist.'). API_CreateService, errors InvalidParameterException."""
    moto = os.environ["MOTO_URL"]
    with Sim("--speed", "0", "--seed", "52", "--no-rate-limits", "--upstream", moto) as sim:
        ec2 = sim.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
        sg = ec2.create_security_group(GroupName="fills-sg", Description="x", VpcId=vpc)["GroupId"]
        tg = sim.client("elbv2").create_target_group(Name="fills-tg", Protocol="HTTP", Port=8000, VpcId=vpc,
                                                     TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        raw_ecs(sim, "CreateCluster", {"clusterName": "c1"})
        td = td_of(sim, taskdef("svc", "repo/web:1"))[1]["taskDefinition"]["taskDefinitionArn"]

        def create(name, subnets, sgs, tg_arn):
            net = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": sgs, "assignPublicIp": "DISABLED"}}
            return raw_ecs(sim, "CreateService", {"cluster": "c1", "serviceName": name, "taskDefinition": td, "desiredCount": 1,
                                                  "networkConfiguration": net, "loadBalancers": [
                                                      {"targetGroupArn": tg_arn, "containerName": "app", "containerPort": 8000}]})
        st, a = create("ok", [subnet], [sg], tg)
        check("CreateService with a subnet, security group and target group that exist upstream", st == 200, a)
        st, a = create("nosubnet", ["subnet-0123456789abcdef0"], [sg], tg)
        check("CreateService with a subnet unknown upstream: InvalidParameterException",
              st == 400 and a.get("__type") == "InvalidParameterException"
              and a["message"].startswith("Error retrieving subnet information for [subnet-0123456789abcdef0]"), a)
        st, a = create("nosg", [subnet], ["sg-0123456789abcdef0"], tg)
        check("CreateService with a security group unknown upstream: InvalidParameterException",
              st == 400 and "security group" in a.get("message", ""), a)
        st, a = create("notg", [subnet], [sg], tg.replace("fills-tg", "nosuch-tg"))
        check("CreateService with a target group unknown upstream: InvalidParameterException",
              st == 400 and "does not exist" in a.get("message", ""), a)
        st, a = raw_ecs(sim, "UpdateService", {"cluster": "c1", "service": "ok", "networkConfiguration": {
            "awsvpcConfiguration": {"subnets": ["subnet-0fedcba9876543210"], "assignPublicIp": "DISABLED"}}})
        check("UpdateService to a subnet unknown upstream: refused", st == 400 and "subnet" in a.get("message", ""), a)


def code_deploy_and_kept_fields():
    with Sim("--speed", "0", "--seed", "53", "--no-rate-limits") as sim:
        raw_ecs(sim, "CreateCluster", {"clusterName": "c1"})
        td1 = td_of(sim, taskdef("cd", "repo/web:1"))[1]["taskDefinition"]["taskDefinitionArn"]
        td2 = td_of(sim, taskdef("cd", "repo/web:2"))[1]["taskDefinition"]["taskDefinitionArn"]
        st, a = raw_ecs(sim, "CreateService", {"cluster": "c1", "serviceName": "cd", "taskDefinition": td1, "desiredCount": 1,
                                               "networkConfiguration": NET, "deploymentController": {"type": "CODE_DEPLOY"}})
        check("a CODE_DEPLOY service is created", st == 200 and a["service"]["deploymentController"]["type"] == "CODE_DEPLOY", a)
        # API_UpdateService: with CODE_DEPLOY a new task definition goes through CodeDeploy
        st, a = raw_ecs(sim, "UpdateService", {"cluster": "c1", "service": "cd", "taskDefinition": td2})
        check("CODE_DEPLOY: a task definition change is refused with ECS's message",
              st == 400 and a.get("__type") == "InvalidParameterException"
              and a["message"].startswith("Unable to update task definition on services with a CODE_DEPLOY deployment controller."), a)
        st, a = raw_ecs(sim, "UpdateService", {"cluster": "c1", "service": "cd", "desiredCount": 2})
        check("CODE_DEPLOY: desiredCount may change", st == 200 and a["service"]["desiredCount"] == 2, a)
        cps = [{"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0}, {"capacityProvider": "FARGATE", "weight": 1, "base": 1}]
        st, a = raw_ecs(sim, "CreateService", {"cluster": "c1", "serviceName": "spot", "taskDefinition": td1, "desiredCount": 1,
                                               "networkConfiguration": NET, "capacityProviderStrategy": cps,
                                               "platformVersion": "1.4.0"})
        svc = a.get("service", {})
        check("capacityProviderStrategy and platformVersion kept and returned (no launchType with a strategy)",
              st == 200 and svc.get("capacityProviderStrategy") == cps and svc.get("platformVersion") == "1.4.0"
              and "launchType" not in svc and svc["deployments"][0].get("capacityProviderStrategy") == cps, svc)
        st, a = raw_ecs(sim, "CreateService", {"cluster": "c1", "serviceName": "both", "taskDefinition": td1,
                                               "launchType": "FARGATE", "capacityProviderStrategy": cps, "networkConfiguration": NET})
        check("launchType with a capacityProviderStrategy: InvalidParameterException", st == 400, a)


def main():
    defaults_and_refusals()
    upstream_checks()
    code_deploy_and_kept_fields()
    done()


if __name__ == "__main__":
    main()
