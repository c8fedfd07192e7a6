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
    # without the existence checks: the "dflt" service names a target group that is nowhere, to show
    # the fallback to AWS's defaults when the upstream does not know it
    with Sim("--timing", "ecs", "--speed", "0", "--seed", "34", "--no-rate-limits", "--upstream", moto,
             "--no-upstream-checks") as sim:
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
        # registration 20 s, then checks 10 s apart: the 3rd passing check at +40 s
        check("upstream target group (interval 10, healthy 3): healthy %s s after registering" % span_up,
              span_up is not None and 38 <= span_up <= 46, results["up"])
        reasons, first, healthy = results["dflt"]
        span_d = healthy - first if first is not None and healthy is not None else None
        # AWS defaults: registration 20 s, then 5 checks 30 s apart: healthy at +140 s
        check("target group unknown upstream: AWS defaults (interval 30, healthy 5): healthy %s s after registering" % span_d,
              span_d is not None and 138 <= span_d <= 146, results["dflt"])
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


def main():
    missing_tag_backoff()
    container_health_start_period()
    no_health_check_40s()
    target_group_from_upstream()
    done()


if __name__ == "__main__":
    main()
