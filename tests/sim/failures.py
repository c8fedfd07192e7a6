"""failures.py: the failure kinds ecship diagnoses, as ecship-sim produces them, in ECS's words.
Sources: developer guide "Amazon ECS stopped task error messages" (CannotPullContainerError,
ResourceInitializationError), https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html ;
"Amazon ECS service event messages" (unable to place a task, replaced tasks due to an unhealthy
status, draining), https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages-list.html"""
import os

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


def upstream_start_failures():
    """With --upstream (and its checks on), the resources a task needs before its containers start
    are looked up where they live, not taken from image rules: an awslogs group that CloudWatch Logs
    does not have (and awslogs-create-group not "true"), a Secrets Manager secret or an SSM
    parameter that does not exist stop the task with ResourceInitializationError, in the stopped
    reason's ECS form (DG stopped-task-error-codes.html, ResourceInitializationError; re:Post
    "ecs-unable-to-pull-secrets": "... unable to retrieve secret from asm: service call has been
    retried 1 time(s): failed to fetch secret ARN from secrets manager: ..."; amazon-ecs-agent
    agent/ssm/ssm.go: "invalid parameters: NAME"). Once the log group exists, the next task starts."""
    moto = os.environ["MOTO_URL"]
    with Sim("--speed", "0", "--seed", "74", "--no-rate-limits", "--upstream", moto, "--upstream-checks") as sim:
        ec2 = sim.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
        net = {"awsvpcConfiguration": {"subnets": [subnet], "assignPublicIp": "DISABLED"}}
        logs = sim.client("logs")
        logs.create_log_group(logGroupName="/ecs/present")
        sm = sim.client("secretsmanager")
        present = sm.create_secret(Name="present-db", SecretString="x")["ARN"]
        ssm = sim.client("ssm")
        ssm.put_parameter(Name="/app/present", Value="x", Type="SecureString")
        region, acct = sim.ctl("")["region"], "123456789012"
        ecs = sim.client()
        ecs.create_cluster(clusterName="c1")
        missing_secret = "arn:aws:secretsmanager:%s:%s:secret:absent-db-AbCdEf" % (region, acct)
        cases = (
            ("nolog", "/ecs/absent", None, False, "ResourceInitializationError: failed to validate logger args",
             "The specified log group does not exist."),
            ("created", "/ecs/absent2", None, True, None, None),
            ("nosecret", "/ecs/present", [{"name": "DB", "valueFrom": missing_secret + ":password::"}], False,
             "ResourceInitializationError: unable to pull secrets or registry auth",
             "failed to fetch secret %s from secrets manager: ResourceNotFoundException" % missing_secret),
            ("noparam", "/ecs/present", [{"name": "P", "valueFrom": "arn:aws:ssm:%s:%s:parameter/app/absent" % (region, acct)}],
             False, "ResourceInitializationError: unable to pull secrets or registry auth", "invalid parameters: /app/absent"),
            ("allthere", "/ecs/present", [{"name": "DB", "valueFrom": present}, {"name": "P", "valueFrom": "/app/present"}],
             False, None, None),
        )
        for name, group, secrets, create, head, detail in cases:
            body = taskdef(name, "repo/web:1", group=group)
            if create:
                body["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-create-group"] = "true"
            if secrets:
                body["containerDefinitions"][0]["secrets"] = secrets
            td = ecs.register_task_definition(**body)["taskDefinition"]["taskDefinitionArn"]
            ecs.create_service(cluster="c1", serviceName=name, taskDefinition=td, desiredCount=1, networkConfiguration=net)
        sim.advance(120)
        for name, group, secrets, create, head, detail in cases:
            ts = stopped(ecs, name)
            t = ts[0] if ts else {}
            r = t.get("stoppedReason", "")
            if head:
                check("upstream %s: TaskFailedToStart, %s ... %s" % (name, head, detail),
                      t.get("stopCode") == "TaskFailedToStart" and r.startswith(head) and detail in r, r)
            else:
                svc = svc_of(ecs, name)
                check("upstream %s: everything exists upstream, the task runs" % name,
                      not ts and svc["runningCount"] == 1, (r, svc["runningCount"]))
        # the log group created: the next launch of the service starts
        logs.create_log_group(logGroupName="/ecs/absent")
        for _ in range(60):
            if svc_of(ecs, "nolog")["runningCount"] == 1:
                break
            sim.advance(30)
        check("upstream nolog: once the log group exists, a task starts", svc_of(ecs, "nolog")["runningCount"] == 1,
              svc_of(ecs, "nolog")["events"][:3])


def main():
    start_failures()
    upstream_start_failures()
    healthy_then_fails()
    unable_to_place()
    done()


if __name__ == "__main__":
    main()
