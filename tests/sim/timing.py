"""timing.py: ecship-sim on ECS's clock (the default profile, not --timing fast), with the simulated
clock driven explicitly. Each scenario cites the documentation it follows; docs/sim.md lists the
profile's numbers. Needs $MOTO_URL for the target group read from the upstream."""
import os

import boto3

from simlib import NET, REGION, TG, Sim, check, done, taskdef

BREAKER = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}


def svc_of(ecs, name):
    return ecs.describe_services(cluster="c1", services=[name])["services"][0]


def run_until(sim, ecs, name, cond, limit, step=5):
    """Advance `step` simulated seconds until cond(svc); returns (svc, simulated seconds taken)."""
    t = 0
    while t <= limit:
        svc = svc_of(ecs, name)
        if cond(svc):
            return svc, t
        sim.advance(step)
        t += step
    return svc_of(ecs, name), None


def stable(svc):
    d = svc["deployments"]
    return len(d) == 1 and d[0]["rolloutState"] == "COMPLETED" and svc["runningCount"] == svc["desiredCount"]


def missing_tag_backoff():
    """A missing image tag at desired 1: the tasks never reach RUNNING, so the service throttle logic
    spaces the launch attempts out ("(service S) is unable to consistently start tasks successfully.",
    up to 15 minutes between attempts): the breaker's third failure comes after simulated minutes,
    not seconds. Developer guide, "Amazon ECS service throttle logic",
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-throttle-logic.html ; a public
    report saw the third failure of a bad tag at desired 1 after about 11 minutes."""
    for timing, lo, hi in (("ecs", 480, 960), ("fast", 0, 120)):
        with Sim("--speed", "0", "--seed", "31", "--no-rate-limits", "--timing", timing,
                 "--image-rule", "nopull=pull-error") as sim:
            ecs = sim.client()
            ecs.create_cluster(clusterName="c1")
            td = ecs.register_task_definition(**taskdef("bt", "repo/web:nopull"))["taskDefinition"]["taskDefinitionArn"]
            ecs.create_service(cluster="c1", serviceName="bt", taskDefinition=td, desiredCount=1,
                               networkConfiguration=NET, deploymentConfiguration=BREAKER)
            svc, took = run_until(sim, ecs, "bt", lambda s: s["deployments"][0]["rolloutState"] == "FAILED", 3600)
            msgs = [e["message"] for e in svc["events"]]
            throttled = "(service bt) is unable to consistently start tasks successfully." in msgs
            check("%s timing: a missing tag at desired 1 fails after %d-%d simulated s (took %s)" % (timing, lo, hi, took),
                  took is not None and lo <= took <= hi, took)
            if timing == "ecs":
                check("ecs timing: the throttle event is posted", throttled, msgs[:8])
                check("ecs timing: the breaker counted 3 failures", svc["deployments"][0]["failedTasks"] >= 3,
                      svc["deployments"][0])
            else:
                check("fast timing: no throttle", not throttled, msgs[:8])


def container_health_start_period():
    """The container healthCheck as the agent applies it: failures inside startPeriod do not count,
    UNHEALTHY after `retries` failures in a row, HEALTHY at the first success.
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
    A 60 s warm-up passes with startPeriod 120; without it, 3 failed checks 10 s apart mark the task
    UNHEALTHY and the deployment fails."""
    hc = {"command": ["CMD-SHELL", "curl -f http://localhost:8000/ || exit 1"], "interval": 10, "timeout": 5,
          "retries": 3}
    for start_period, want in ((120, "COMPLETED"), (0, "FAILED")):
        with Sim("--timing", "ecs", "--speed", "0", "--seed", "32", "--no-rate-limits", "--image-rule", "slow=slow-start:60") as sim:
            ecs = sim.client()
            ecs.create_cluster(clusterName="c1")
            h = dict(hc, startPeriod=start_period)
            td = ecs.register_task_definition(**taskdef("hc", "repo/slow:1", health_check=h))["taskDefinition"]
            ecs.create_service(cluster="c1", serviceName="hc", taskDefinition=td["taskDefinitionArn"], desiredCount=1,
                               networkConfiguration=NET, deploymentConfiguration=BREAKER)
            svc, took = run_until(sim, ecs, "hc", lambda s: s["deployments"][0]["rolloutState"] != "IN_PROGRESS", 3600)
            state = svc["deployments"][0]["rolloutState"]
            check("container health check, 60 s warm-up, startPeriod %d: %s" % (start_period, want), state == want,
                  (state, took, [e["message"] for e in svc["events"]][:6]))


def no_health_check_40s():
    """A task without any health check counts toward the healthy total 40 s after it reaches RUNNING
    ("the service scheduler will wait for 40 seconds after a task reaches a RUNNING state"):
    API_DeploymentConfiguration, minimumHealthyPercent,
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html"""
    with Sim("--timing", "ecs", "--speed", "0", "--seed", "33", "--no-rate-limits") as sim:
        ecs = sim.client()
        ecs.create_cluster(clusterName="c1")
        td = ecs.register_task_definition(**taskdef("nohc", "repo/web:1"))["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(cluster="c1", serviceName="nohc", taskDefinition=td, desiredCount=1,
                           networkConfiguration=NET, deploymentConfiguration=BREAKER)
        running_at = None
        t = 0
        while t < 600:
            arns = ecs.list_tasks(cluster="c1", serviceName="nohc")["taskArns"]
            tasks = ecs.describe_tasks(cluster="c1", tasks=arns)["tasks"] if arns else []
            if running_at is None and tasks and tasks[0]["lastStatus"] == "RUNNING":
                running_at = t
            if svc_of(ecs, "nohc")["deployments"][0]["rolloutState"] == "COMPLETED":
                break
            sim.advance(1)
            t += 1
        check("no health checks: COMPLETED 40-42 s after RUNNING",
              running_at is not None and 40 <= t - running_at <= 42, (running_at, t))


def target_group_from_upstream():
    """Target health follows the target group's own settings, read from the upstream where it lives
    (interval 10 s, healthy threshold 3, deregistration delay 20 s here), else AWS's defaults
    (interval 30 s, 5 healthy checks, delay 300 s); a new target is `initial` with
    Elb.RegistrationInProgress, then Elb.InitialHealthChecking until the threshold.
    ELB "Health checks for Application Load Balancer target groups" and "Target groups" pages:
    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html"""
    moto = os.environ["MOTO_URL"]
    with Sim("--timing", "ecs", "--speed", "0", "--seed", "34", "--no-rate-limits", "--upstream", moto) as sim:
        ec2 = sim.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        elb = sim.client("elbv2")
        tg = elb.create_target_group(Name="timing-tg", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip",
                                     HealthCheckIntervalSeconds=10, HealthCheckTimeoutSeconds=5,
                                     HealthyThresholdCount=3, UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
        elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": "20"}])
        ecs = sim.client()
        ecs.create_cluster(clusterName="c1")
        results = {}
        for name, arn in (("up", tg), ("dflt", TG)):
            td = ecs.register_task_definition(**taskdef(name, "repo/web:1"))["taskDefinition"]["taskDefinitionArn"]
            ecs.create_service(cluster="c1", serviceName=name, taskDefinition=td, desiredCount=1,
                               networkConfiguration=NET, deploymentConfiguration=BREAKER,
                               loadBalancers=[{"targetGroupArn": arn, "containerName": "app", "containerPort": 8000}])
            reasons, first_initial, healthy_at = [], None, None
            t = 0
            while t < 900:
                th = elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
                for d in th:
                    st = d["TargetHealth"]
                    if st["State"] == "initial":
                        if first_initial is None:
                            first_initial = t
                        if not reasons or reasons[-1] != st.get("Reason"):
                            reasons.append(st.get("Reason"))
                    if st["State"] == "healthy" and healthy_at is None:
                        healthy_at = t
                if healthy_at is not None:
                    break
                sim.advance(1)
                t += 1
            results[name] = (reasons, first_initial, healthy_at)
        reasons, first, healthy = results["up"]
        check("target: Elb.RegistrationInProgress then Elb.InitialHealthChecking",
              reasons == ["Elb.RegistrationInProgress", "Elb.InitialHealthChecking"], reasons)
        span_up = healthy - first if first is not None and healthy is not None else None
        # "For newly registered targets, regardless of the healthy threshold count setting, only
        # one successful health check is required for the target to be considered healthy" (ECS
        # developer guide, "Optimize load balancer health check parameters for Amazon ECS",
        # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html):
        # registration 20 s, then the first passing check one interval later (10 s here, 30 s by
        # default; the threshold, 3 here, 5 by default,
        # applies to a target recovering from unhealthy)
        check("upstream target group (interval 10, healthy 3): a new target healthy after one check, %s s after registering" % span_up,
              span_up is not None and 28 <= span_up <= 36, results["up"])
        reasons, first, healthy = results["dflt"]
        span_d = healthy - first if first is not None and healthy is not None else None
        check("target group unknown upstream (AWS defaults): a new target healthy after one check, %s s after registering" % span_d,
              span_d is not None and 48 <= span_d <= 56, results["dflt"])
        # the deregistration delay: a stopped task drains 20 s (upstream) before it goes on stopping
        arns = ecs.list_tasks(cluster="c1", serviceName="up")["taskArns"]
        ecs.stop_task(cluster="c1", task=arns[0], reason="drain test")
        drained = None
        for t in range(0, 400):
            st = ecs.describe_tasks(cluster="c1", tasks=arns)["tasks"][0]["lastStatus"]
            if st != "DEACTIVATING":
                drained = t
                break
            sim.advance(1)
        check("deregistration delay from the target group's attribute: %s s draining" % drained,
              drained is not None and 19 <= drained <= 22, drained)


def never_healthy_counts_when_stopped():
    """A never-healthy app at desired 1 behind a load balancer (AWS's target group defaults:
    interval 30 s, 2 failed checks, deregistration delay 300 s). ECS flags the task unhealthy,
    "deregisters it and stops the task" (developer guide, service throttle logic,
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-throttle-logic.html), so the
    task drains for the deregistration delay first (ELB "Target groups: deregistration delay",
    default 300 s); a task is a failed task "if it fails any of its defined health checks and is
    stopped" (API_Deployment, failedTasks), so the breaker counts it once it has STOPPED. The
    replacement starts at once. A public report saw such a deployment fail after about 15 minutes;
    before this rule the sim failed it after 265 simulated s."""
    for timing, lo, hi in (("ecs", 480, 960), ("fast", 0, 300)):
        with Sim("--timing", timing, "--speed", "0", "--seed", "35", "--no-rate-limits",
                 "--image-rule", "sick=unhealthy") as sim:
            ecs = sim.client()
            ecs.create_cluster(clusterName="c1")
            td = ecs.register_task_definition(**taskdef("nh", "repo/sick:1"))["taskDefinition"]["taskDefinitionArn"]
            ecs.create_service(cluster="c1", serviceName="nh", taskDefinition=td, desiredCount=1,
                               networkConfiguration=NET, deploymentConfiguration=BREAKER,
                               loadBalancers=[{"targetGroupArn": TG, "containerName": "app", "containerPort": 8000}])
            t, flagged, first_failed, failed_at = 0, None, None, None
            while t <= 3000:
                svc = svc_of(ecs, "nh")
                dep = svc["deployments"][0]
                if flagged is None and any("is unhealthy in (target-group" in e["message"] for e in svc["events"]):
                    flagged = t
                if first_failed is None and dep["failedTasks"] >= 1:
                    first_failed = t
                if dep["rolloutState"] == "FAILED":
                    failed_at = t
                    break
                sim.advance(5)
                t += 5
            check("%s timing: a never-healthy app at desired 1 fails after %d-%d simulated s (took %s)" % (timing, lo, hi, failed_at),
                  failed_at is not None and lo <= failed_at <= hi, (flagged, first_failed, failed_at))
            if timing == "ecs":
                drained = first_failed - flagged if first_failed is not None and flagged is not None else None
                check("ecs timing: the first unhealthy task counts as failed only once stopped, after draining 300 s (%s s)" % drained,
                      drained is not None and 300 <= drained <= 320, (flagged, first_failed))


def health_check_timeouts():
    """An app whose health endpoint answers after 8 s (image rule slow-health:8):
    - the target group's HealthCheckTimeoutSeconds, "the amount of time, in seconds, during which no
      response from a target means a failed health check" (default 6 s for HTTP: botocore's ELBv2
      CreateTargetGroup), fails every check, reason Target.Timeout "Request timed out"; a target
      group with a 10 s timeout (read from the upstream) passes;
    - the container healthCheck's `timeout`, "the time period in seconds to wait for a health check
      to succeed before it is considered a failure" (default 5: API_HealthCheck,
      https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html), likewise."""
    moto = os.environ["MOTO_URL"]
    with Sim("--timing", "ecs", "--speed", "0", "--seed", "36", "--no-rate-limits", "--upstream", moto,
             "--image-rule", "lag=slow-health:8") as sim:
        ec2 = sim.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
        elb = sim.client("elbv2")
        slow_tg = elb.create_target_group(Name="timeout-tg", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip",
                                          HealthCheckIntervalSeconds=30, HealthCheckTimeoutSeconds=10,
                                          HealthyThresholdCount=5, UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
        ecs = sim.client()
        ecs.create_cluster(clusterName="c1")
        cases = (("lbdflt", TG, None, "FAILED"), ("lb10", slow_tg, None, "COMPLETED"),
                 ("hc5", None, 5, "FAILED"), ("hc10", None, 10, "COMPLETED"))
        for name, tg, hc_timeout, want in cases:
            hc = None
            if hc_timeout:
                hc = {"command": ["CMD-SHELL", "curl -f http://localhost:8000/ || exit 1"], "interval": 30,
                      "timeout": hc_timeout, "retries": 3}
            td = ecs.register_task_definition(**taskdef(name, "repo/lag:1", health_check=hc))["taskDefinition"]["taskDefinitionArn"]
            kw = {"loadBalancers": [{"targetGroupArn": tg, "containerName": "app", "containerPort": 8000}]} if tg else {}
            ecs.create_service(cluster="c1", serviceName=name, taskDefinition=td, desiredCount=1,
                               networkConfiguration=NET, deploymentConfiguration=BREAKER, **kw)
            svc, took = run_until(sim, ecs, name, lambda s: s["deployments"][0]["rolloutState"] != "IN_PROGRESS", 3600, step=10)
            state = svc["deployments"][0]["rolloutState"]
            msgs = [e["message"] for e in svc["events"]]
            check("%s: an app answering after 8 s, %s: %s" % (name, "target group timeout %s" % ("10 s (upstream)" if tg == slow_tg else "6 s (default)") if tg else "container healthCheck timeout %d s" % hc_timeout, want),
                  state == want, (state, took, msgs[:6]))
            if name == "lbdflt":
                check("lbdflt: the event says the request timed out",
                      any("due to (reason Request timed out)" in m for m in msgs), msgs[:6])
            if name == "hc5":
                check("hc5: the task failed its container health checks",
                      any("failed container health checks" in m for m in msgs), msgs[:6])


def main():
    never_healthy_counts_when_stopped()
    health_check_timeouts()
    missing_tag_backoff()
    container_health_start_period()
    no_health_check_40s()
    target_group_from_upstream()
    done()


if __name__ == "__main__":
    main()
