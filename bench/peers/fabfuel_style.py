#!/usr/bin/env python3
"""fabfuel_style.py: what fabfuel/ecs-deploy's `ecs deploy CLUSTER SERVICE --image web IMAGE`
does, in boto3: describe the service and its task definition, register a copy with the new
image, update the service, then every second (its --sleep-time default) check the service the
way its EcsAction.is_deployed does: a PRIMARY with rolloutState FAILED is an error; deployed when
there is exactly one deployment and as many RUNNING tasks of the new revision as desired (ListTasks
then DescribeTasks); a timeout (--timeout, 300 s) fails. It then deregisters the previous
revision (its default). Exit 0 deployed, 1 failed or timed out.
Usage: fabfuel_style.py CLUSTER SERVICE CONTAINER IMAGE [TIMEOUT]"""
import sys
import time

import boto3

IGNORED = ("taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
           "registeredAt", "registeredBy", "deregisteredAt")


def main():
    cluster, service, container, image = sys.argv[1:5]
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 300
    ecs = boto3.client("ecs")
    svc = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    old = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    new = {k: v for k, v in old.items() if k not in IGNORED}
    for c in new["containerDefinitions"]:
        if c["name"] == container:
            c["image"] = image
    arn = ecs.register_task_definition(**new)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=cluster, service=service, taskDefinition=arn)
    start = time.time()
    while time.time() - start < timeout:
        time.sleep(1)
        s = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
        primary = next(d for d in s["deployments"] if d["status"] == "PRIMARY")
        if primary.get("rolloutState") == "FAILED":
            print("Deployment Failed! " + primary.get("rolloutStateReason", ""), file=sys.stderr)
            return 1
        if len(s["deployments"]) != 1:
            continue
        tasks = ecs.list_tasks(cluster=cluster, serviceName=service)["taskArns"]
        if not tasks:
            if s["desiredCount"] == 0:
                break
            continue
        running = sum(1 for t in ecs.describe_tasks(cluster=cluster, tasks=tasks)["tasks"]
                      if t["taskDefinitionArn"] == arn and t["lastStatus"] == "RUNNING")
        if running == s["desiredCount"]:
            break
    else:
        print("Deployment failed due to timeout", file=sys.stderr)
        return 1
    ecs.deregister_task_definition(taskDefinition=old["taskDefinitionArn"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
