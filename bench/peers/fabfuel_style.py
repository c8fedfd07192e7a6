#!/usr/bin/env python3
"""fabfuel_style.py: what fabfuel/ecs-deploy's `ecs deploy CLUSTER SERVICE --image web IMAGE`
does, in boto3 (its ecs_deploy/cli.py deploy, wait_for_finish, inspect_errors and ecs.py
is_deployed, get_warnings): describe the service and its task definition, register a copy with
the new image, update the service, then check the service, and sleep 1 s (--sleep-time) between
checks until --timeout (300 s) passes:
- a service event containing "unable" since the PRIMARY deployment was created is an error
  (inspect_errors; e.g. "is unable to consistently start tasks successfully.");
- a PRIMARY deployment with rolloutState FAILED is an error (is_deployed);
- deployed when there is exactly one deployment and as many RUNNING tasks as desired whose task
  definition is the service's taskDefinition as described now (ListTasks, DescribeTasks): after
  the circuit breaker's rollback that is the old revision, so the rollback counts as deployed.
Then it deregisters the task definition it copied (--deregister, the default). Exit 0 deployed,
1 failed or timed out (fabfuel exits 1 on its errors).
Usage: fabfuel_style.py CLUSTER SERVICE CONTAINER IMAGE [TIMEOUT_SECONDS]"""
import sys
import time
from datetime import datetime, timezone

import boto3

IGNORED = ("taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
           "registeredAt", "registeredBy", "deregisteredAt")


def warnings(svc, since):
    """get_warnings: events with "unable" in them, created after `since`."""
    return [e["message"] for e in svc.get("events", []) if "unable" in e["message"] and e["createdAt"] > since]


def main():
    cluster, service, container, image = sys.argv[1:5]
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 300
    ecs = boto3.client("ecs")
    describe = lambda: ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    svc = describe()
    old = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"], include=["TAGS"])["taskDefinition"]
    new = {k: v for k, v in old.items() if k not in IGNORED}
    for c in new["containerDefinitions"]:
        if c["name"] == container:
            c["image"] = image
    arn = ecs.register_task_definition(**new)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=cluster, service=service, taskDefinition=arn)
    start = time.time()
    while time.time() - start < timeout:
        s = describe()
        primary = next(d for d in s["deployments"] if d["status"] == "PRIMARY")
        errs = warnings(s, primary.get("createdAt") or datetime.now(timezone.utc))
        if errs:
            print("ERROR: " + errs[0] + "\nDeployment failed", file=sys.stderr)
            return 1
        if primary.get("rolloutState") == "FAILED":
            print("Deployment Failed! " + primary.get("rolloutStateReason", ""), file=sys.stderr)
            return 1
        if len(s["deployments"]) == 1:
            tasks = ecs.list_tasks(cluster=cluster, serviceName=service)["taskArns"]
            if not tasks:
                if s["desiredCount"] == 0:
                    break
            else:
                running = sum(1 for t in ecs.describe_tasks(cluster=cluster, tasks=tasks)["tasks"]
                              if t["taskDefinitionArn"] == s["taskDefinition"] and t["lastStatus"] == "RUNNING")
                if running == s["desiredCount"]:
                    break
        time.sleep(1)
    else:
        print("Deployment failed due to timeout", file=sys.stderr)
        return 1
    print("Deployment successful")
    ecs.deregister_task_definition(taskDefinition=old["taskDefinitionArn"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
