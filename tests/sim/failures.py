"""failures.py: the failure kinds ecship diagnoses, as ecship-sim produces them, in ECS's words.
Sources: developer guide "Amazon ECS stopped task error messages" (CannotPullContainerError,
ResourceInitializationError), https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html ;
"Amazon ECS service event messages" (unable to place a task, replaced tasks due to an unhealthy
status, draining), https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages-list.html"""
from simlib import NET, TG, Sim, check, done, taskdef

RULES = ["--image-rule", "denied=pull-denied", "--image-rule", "nopull=pull-error", "--image-rule", "nosecret=secret-error",
         "--image-rule", "nolog=no-log-group", "--image-rule", "flaky=fail-after:60"]


def svc_of(ecs, name):
    return ecs.describe_services(cluster="c1", services=[name])["services"][0]


def stopped(ecs, name):
    arns = ecs.list_tasks(cluster="c1", serviceName=name, desiredStatus="STOPPED")["taskArns"]
    return ecs.describe_tasks(cluster="c1", tasks=arns)["tasks"] if arns else []


def start_failures():
    with Sim("--speed", "0", "--seed", "71", "--no-rate-limits", *RULES) as sim:
        ecs = sim.client()
        ecs.create_cluster(clusterName="c1")
        cases = (("denied", "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1", "CannotPullContainerError:",
                  "403 Forbidden"),
                 ("nopull", "repo/nopull:v9", "CannotPullContainerError:", "repo/nopull:v9: not found"),
                 ("nosecret", "repo/nosecret:1", "ResourceInitializationError: unable to pull secrets or registry auth",
                  "secretsmanager:GetSecretValue"),
                 ("nolog", "repo/nolog:1", "ResourceInitializationError: failed to validate logger args",
                  "The specified log group does not exist."))
        for name, image, head, detail in cases:
            body = taskdef(name, image)
            if name == "nosecret":
                body["containerDefinitions"][0]["secrets"] = [{"name": "DB", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}]
            if name == "denied":
                body["containerDefinitions"][0]["image"] = image.replace("web", "denied")
            td = ecs.register_task_definition(**body)["taskDefinition"]["taskDefinitionArn"]
            ecs.create_service(cluster="c1", serviceName=name, taskDefinition=td, desiredCount=1, networkConfiguration=NET)
        sim.advance(120)
        for name, image, head, detail in cases:
            ts = stopped(ecs, name)
            t = ts[0] if ts else {}
            r = t.get("stoppedReason", "")
            check("%s: TaskFailedToStart, %s ... %s" % (name, head, detail),
                  t.get("stopCode") == "TaskFailedToStart" and r.startswith(head) and detail in r and "startedAt" not in t, r)


def healthy_then_fails():
    with Sim("--speed", "0", "--seed", "72", "--no-rate-limits", *RULES) as sim:
        ecs = sim.client()
        ecs.create_cluster(clusterName="c1")
        td = ecs.register_task_definition(**taskdef("flaky", "repo/flaky:1"))["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(cluster="c1", serviceName="flaky", taskDefinition=td, desiredCount=1, networkConfiguration=NET,
                           deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
                           loadBalancers=[{"targetGroupArn": TG, "containerName": "app", "containerPort": 8000}])
        done_at = None
        for t in range(0, 400, 2):
            s = svc_of(ecs, "flaky")
            if done_at is None and s["deployments"][0]["rolloutState"] == "COMPLETED":
                done_at = t
            msgs = [e["message"] for e in s["events"]]
            if any("Amazon ECS replaced" in m for m in msgs):
                break
            sim.advance(2)
        check("an app that turns healthy (deployment COMPLETED) and fails later", done_at is not None, done_at)
        chron = list(reversed(msgs))
        unhealthy = [i for i, m in enumerate(chron) if "is unhealthy in (target-group" in m]
        replaced = [i for i, m in enumerate(chron) if m.startswith("(service flaky) has started 1 tasks:")
                    and m.endswith(". Amazon ECS replaced 1 tasks due to an unhealthy status.")]
        check("the unhealthy event, then 'has started 1 tasks: (task ...). Amazon ECS replaced 1 tasks due to an unhealthy status.'",
              unhealthy and replaced and unhealthy[0] < replaced[0], chron[-8:])
        drain = [i for i, m in enumerate(chron) if m.startswith("(service flaky, taskSet ecs-svc/") and
                 m.endswith(") has begun draining connections on 1 tasks.")]
        dereg = [i for i, m in enumerate(chron) if m.startswith("(service flaky) deregistered 1 targets in (target-group %s)" % TG)]
        check("draining in ECS's order and words: deregistered, then '(service S, taskSet ecs-svc/N) has begun draining'",
              drain and dereg and dereg[0] < drain[0], chron[-10:])


def unable_to_place():
    with Sim("--speed", "0", "--seed", "73", "--no-rate-limits") as sim:
        ecs = sim.client()
        ecs.create_cluster(clusterName="c1")
        td = ecs.register_task_definition(**taskdef("big", "repo/web:1"))["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(cluster="c1", serviceName="big", taskDefinition=td, desiredCount=2010, networkConfiguration=NET)
        for _ in range(10):  # the scheduler starts at most 256 tasks a pass
            sim.advance(1)
        msgs = [e["message"] for e in svc_of(ecs, "big")["events"]]
        want = ("(service big) was unable to place a task. Reason: You've reached the limit on the number of tasks you "
                "can run concurrently. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")
        check("past the tasks limit: '(service S) was unable to place a task. Reason: ...'", want in msgs, msgs[:3])


def main():
    start_failures()
    healthy_then_fails()
    unable_to_place()
    done()


if __name__ == "__main__":
    main()
