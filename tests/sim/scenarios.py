"""scenarios.py: deployment scenarios against ecship-sim through boto3, with the simulated clock
driven explicitly (--speed 0 and /_sim/clock advance) so every run is exact: rolling updates at
100/200 and 50/100, desired counts 1, 2 and 10, exit / unhealthy / pull-error / django tripping
the circuit breaker and rolling back, rollback disabled staying FAILED, determinism by seed."""
import sys

from simlib import NET, TG, Sim, check, done, taskdef

BREAKER = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}


def svc_of(ecs, cluster, name):
    return ecs.describe_services(cluster=cluster, services=[name])["services"][0]


def watch(sim, ecs, cluster, name, until, max_sim=1800, step=2):
    """Advance `step` simulated seconds at a time until until(svc) holds; returns (svc, samples)."""
    samples = []
    t = 0
    while t <= max_sim:
        svc = svc_of(ecs, cluster, name)
        st = sim.ctl("state")
        me = [x for x in st["serviceStates"] if x["serviceArn"] == svc["serviceArn"]][0]
        wanted = sum(d["runningCount"] + d["pendingCount"] for d in svc["deployments"])
        samples.append({"t": t, "running": svc["runningCount"], "wanted": wanted, "healthy": me["healthyCount"],
                        "deps": [(d["status"], d["taskDefinition"].rsplit(":", 1)[1], d["rolloutState"]) for d in svc["deployments"]]})
        if until(svc):
            return svc, samples
        sim.advance(step)
        t += step
    return svc, samples


def stable(svc):
    d = svc["deployments"]
    return len(d) == 1 and d[0]["rolloutState"] == "COMPLETED" and svc["runningCount"] == svc["desiredCount"]


def new_service(sim, ecs, name, image, desired=2, dc=None, grace=0, env=None, lb=True, cluster="c1"):
    ecs.create_cluster(clusterName=cluster)
    td = ecs.register_task_definition(**taskdef(name, image, env=env))["taskDefinition"]
    kw = dict(cluster=cluster, serviceName=name, taskDefinition=td["taskDefinitionArn"], desiredCount=desired,
              launchType="FARGATE", networkConfiguration=NET, deploymentConfiguration=dc or dict(BREAKER))
    if lb:
        kw["loadBalancers"] = [{"targetGroupArn": TG, "containerName": "app", "containerPort": 8000}]
        kw["healthCheckGracePeriodSeconds"] = grace
    ecs.create_service(**kw)
    svc, _ = watch(sim, ecs, cluster, name, stable)
    return svc


def messages(svc):
    return [e["message"] for e in svc["events"]]


def rolling(min_pct, max_pct, desired):
    with Sim("--speed", "0", "--seed", "11", "--no-rate-limits") as sim:
        ecs = sim.client()
        name = "roll-%d-%d-%d" % (min_pct, max_pct, desired)
        dc = dict(BREAKER, minimumHealthyPercent=min_pct, maximumPercent=max_pct)
        svc = new_service(sim, ecs, name, "repo/web:v1", desired=desired, dc=dc)
        tag = "%d/%d desired %d" % (min_pct, max_pct, desired)
        check("%s: first deployment completes with %d running" % (tag, desired), stable(svc) and svc["runningCount"] == desired, svc)
        check("%s: 'has started %d tasks' event" % (tag, desired),
              any(m.startswith("(service %s) has started %d tasks:" % (name, desired)) for m in messages(svc)), messages(svc))
        check("%s: events newest first, steady state on top" % tag,
              messages(svc)[0] == "(service %s) has reached a steady state." % name, messages(svc)[:3])
        first_id = svc["deployments"][0]["id"]
        check("%s: deployment id looks like ecs-svc/<19 digits>" % tag,
              first_id.startswith("ecs-svc/") and len(first_id) == 27 and first_id[8:].isdigit(), first_id)
        td2 = ecs.register_task_definition(**taskdef(name, "repo/web:v2"))["taskDefinition"]["taskDefinitionArn"]
        up = ecs.update_service(cluster="c1", service=name, taskDefinition=td2)["service"]
        d = up["deployments"]
        check("%s: update makes a PRIMARY IN_PROGRESS and keeps the old one ACTIVE" % tag,
              len(d) == 2 and d[0]["status"] == "PRIMARY" and d[0]["rolloutState"] == "IN_PROGRESS"
              and d[1]["status"] == "ACTIVE" and d[1]["id"] == first_id, d)
        svc, samples = watch(sim, ecs, "c1", name, lambda s: stable(s) and s["taskDefinition"] == td2, step=1)
        check("%s: rolling update completes on the new revision" % tag, stable(svc) and svc["taskDefinition"] == td2,
              samples[-3:])
        max_tasks = desired * max_pct // 100
        min_healthy = -(-desired * min_pct // 100)
        over = [s for s in samples if s["wanted"] > max_tasks]
        under = [s for s in samples if s["healthy"] < min_healthy]
        check("%s: never more than %d tasks wanted" % (tag, max_tasks), not over, over[:3])
        check("%s: never fewer than %d healthy" % (tag, min_healthy), not under, under[:3])
        both = [s for s in samples if len(s["deps"]) == 2]
        check("%s: both deployments seen side by side" % tag, len(both) > 0)
        ch = [c for c in sim.ctl("rollouts")["changes"] if c["deploymentId"] == svc["deployments"][0]["id"]]
        check("%s: rollout log IN_PROGRESS then COMPLETED with wall times" % tag,
              [c["rolloutState"] for c in ch] == ["IN_PROGRESS", "COMPLETED"] and ch[0]["time"] <= ch[1]["time"], ch)
        check("%s: COMPLETED reason worded as ECS" % tag,
              svc["deployments"][0].get("rolloutStateReason") == "ECS deployment %s completed." % svc["deployments"][0]["id"])
        old = ecs.list_tasks(cluster="c1", serviceName=name, desiredStatus="STOPPED")["taskArns"]
        check("%s: %d old tasks stopped" % (tag, desired), len(old) >= desired, len(old))


def failing(behavior_image, label, extra_checks, desired=2, env=None, rollback=True):
    with Sim("--speed", "0", "--seed", "5", "--no-rate-limits", "--image-rule", "bad-exit=exit:3",
             "--image-rule", "bad-unhealthy=unhealthy", "--image-rule", "bad-pull=pull-error",
             "--image-rule", "django=django") as sim:
        ecs = sim.client()
        name = "fail-" + label
        dc = {"deploymentCircuitBreaker": {"enable": True, "rollback": rollback}}
        good_env = {"ALLOWED_HOSTS": "*"} if "django" in behavior_image else None
        svc = new_service(sim, ecs, name, behavior_image.replace("bad", "good") if "bad" in behavior_image else
                          "repo/django:good", desired=desired, dc=dc, env=good_env)
        ok_id = svc["deployments"][0]["id"]
        td1 = svc["taskDefinition"]
        check("%s: base deployment completes" % label, stable(svc), svc["deployments"])
        td2 = ecs.register_task_definition(**taskdef(name, behavior_image, env=env))["taskDefinition"]["taskDefinitionArn"]
        serving = set(ecs.list_tasks(cluster="c1", serviceName=name)["taskArns"])
        ecs.update_service(cluster="c1", service=name, taskDefinition=td2)
        new_id = svc_of(ecs, "c1", name)["deployments"][0]["id"]
        if rollback:
            svc, samples = watch(sim, ecs, "c1", name, lambda s: stable(s) and s["deployments"][0]["id"] != new_id, step=5)
            check("%s: rolled back and stable on the previous revision" % label,
                  stable(svc) and svc["taskDefinition"] == td1, samples[-4:])
            ch = [(c["deploymentId"], c["rolloutState"], c["rolloutStateReason"]) for c in sim.ctl("rollouts")["changes"]]
            failed = [c for c in ch if c[0] == new_id and c[1] == "FAILED"]
            check("%s: failed deployment FAILED with the circuit breaker's reason" % label,
                  failed and failed[0][2] == "ECS deployment circuit breaker: tasks failed to start.", ch)
            # the rollback re-activates the last COMPLETED deployment under its own id ("the
            # deployment changes from a COMPLETED to IN_PROGRESS"): developer guide,
            # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
            back = [c for c in ch if c[0] == ok_id]
            check("%s: rollback re-activates the last COMPLETED deployment under its own id" % label,
                  [c[1] for c in back] == ["IN_PROGRESS", "COMPLETED", "IN_PROGRESS", "COMPLETED"]
                  and back[2][2] == "ECS deployment circuit breaker: rolling back to deploymentId %s." % ok_id
                  and not [c for c in ch if c[0] not in (ok_id, new_id)]
                  and svc["deployments"][0]["id"] == ok_id, back)
            now = set(ecs.list_tasks(cluster="c1", serviceName=name)["taskArns"])
            check("%s: the rolled-back deployment's healthy tasks kept serving (not replaced)" % label,
                  serving == now, (serving, now))
            m = messages(svc)
            check("%s: events say deployment failed and rolling back" % label,
                  "(service %s) (deployment %s) deployment failed: tasks failed to start." % (name, new_id) in m
                  and "(service %s) rolling back to deployment %s." % (name, ok_id) in m, m[:12])
            seq = [x[:2] for x in ch[2:]]
            check("%s: sequence FAILED before the rollback starts" % label,
                  seq[:3] == [(new_id, "IN_PROGRESS"), (new_id, "FAILED"), (ok_id, "IN_PROGRESS")], seq)
        else:
            svc, samples = watch(sim, ecs, "c1", name, lambda s: s["deployments"][0]["rolloutState"] == "FAILED", step=5)
            sim.advance(900)
            svc = svc_of(ecs, "c1", name)
            d = svc["deployments"]
            check("%s: deployment stays PRIMARY and FAILED, no rollback" % label,
                  d[0]["id"] == new_id and d[0]["status"] == "PRIMARY" and d[0]["rolloutState"] == "FAILED"
                  and svc["taskDefinition"] == td2, d)
            check("%s: previous tasks keep serving" % label, len(d) == 2 and d[1]["runningCount"] == desired, d)
            check("%s: no rollback event" % label, not any("rolling back" in m for m in messages(svc)))
            check("%s: failedTasks reached the threshold" % label, d[0]["failedTasks"] >= 3, d[0])
            ch = sim.ctl("rollouts")["changes"]
            check("%s: rollout log ends FAILED" % label, ch[-1]["rolloutState"] == "FAILED" and ch[-1]["deploymentId"] == new_id, ch[-2:])
        stopped = ecs.list_tasks(cluster="c1", serviceName=name, desiredStatus="STOPPED")["taskArns"]
        tasks = []
        for i in range(0, len(stopped), 100):
            tasks += ecs.describe_tasks(cluster="c1", tasks=stopped[i:i + 100])["tasks"]
        bad = [t for t in tasks if t["taskDefinitionArn"] == td2]
        check("%s: failed tasks are STOPPED" % label, bad and all(t["lastStatus"] == "STOPPED" for t in bad), len(bad))
        extra_checks(sim, ecs, name, bad, svc)


def exit_checks(sim, ecs, name, bad, svc):
    t = bad[0]
    check("exit: stopCode EssentialContainerExited, exit code 3",
          t["stopCode"] == "EssentialContainerExited" and t["stoppedReason"] == "Essential container in task exited"
          and t["containers"][0]["exitCode"] == 3, t.get("stopCode"))
    logs = sim.client("logs")
    stream = "ecs/app/" + t["taskArn"].rsplit("/", 1)[1]
    ev = logs.get_log_events(logGroupName="/ecs/web", logStreamName=stream, startFromHead=True)["events"]
    check("exit: the task's log has a Python traceback", any(e["message"].startswith("Traceback") for e in ev), ev)


def unhealthy_checks(sim, ecs, name, bad, svc):
    reasons = [t["stoppedReason"] for t in bad]
    check("unhealthy: tasks stopped for failing ELB health checks",
          any(r.startswith("Task failed ELB health checks in (target-group %s)" % TG) for r in reasons), reasons)
    check("unhealthy: unhealthy-target event with the status code",
          any("is unhealthy in (target-group %s) due to (reason Health checks failed with these codes: [503])." % TG in m
              for m in messages(svc)), messages(svc)[:20])


def pull_checks(sim, ecs, name, bad, svc):
    t = bad[0]
    check("pull-error: TaskFailedToStart with CannotPullContainerError",
          t["stopCode"] == "TaskFailedToStart" and t["stoppedReason"].startswith("CannotPullContainerError:")
          and "startedAt" not in t, t.get("stoppedReason"))


def django_checks(sim, ecs, name, bad, svc):
    logs = sim.client("logs")
    ev = logs.filter_log_events(logGroupName="/ecs/web", filterPattern="Invalid HTTP_HOST")["events"]
    ip = bad[0]["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
    want = "Invalid HTTP_HOST header: '%s:8000'. You may need to add '%s' to ALLOWED_HOSTS." % (ip, ip)
    check("django: the app logs Django's DisallowedHost line for the target IP",
          any(e["message"] == want for e in ev), [e["message"] for e in ev][:4])
    ev2 = logs.filter_log_events(logGroupName="/ecs/web", filterPattern="\"Bad Request\"")["events"]
    check("django: and a Bad Request line", len(ev2) > 0)
    check("django: health checks failed with 400",
          any("Health checks failed with these codes: [400]" in m for m in messages(svc)), messages(svc)[:10])


def breaker_after_healthy():
    """Healthy tasks reset the failure count but do not end the counting: a deployment whose first
    new task turns healthy and whose next ones fail still trips the breaker and rolls back. The
    rollback is the last COMPLETED deployment under its own id, and its healthy task keeps serving.
    Sources: DeploymentCircuitBreaker.resetOnHealthyTask ("a task that reaches a healthy state
    resets the failure count to 0"), https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html;
    the two stages and the rollback, https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html"""
    with Sim("--speed", "0", "--seed", "21", "--no-rate-limits") as sim:
        ecs = sim.client()
        name = "flip"
        dc = dict(BREAKER, minimumHealthyPercent=50, maximumPercent=100)
        svc = new_service(sim, ecs, name, "repo/web:v1", desired=2, dc=dc)
        ok_id = svc["deployments"][0]["id"]
        td1 = svc["taskDefinition"]
        td2 = ecs.register_task_definition(**taskdef(name, "repo/flip:v2"))["taskDefinition"]["taskDefinitionArn"]
        ecs.update_service(cluster="c1", service=name, taskDefinition=td2)
        new_id = svc_of(ecs, "c1", name)["deployments"][0]["id"]
        # 50/100: one old task goes and one new one starts at once; the tasks started after it crash
        first_new = [a for a in ecs.list_tasks(cluster="c1", serviceName=name)["taskArns"]
                     if ecs.describe_tasks(cluster="c1", tasks=[a])["tasks"][0]["startedBy"] == new_id]
        sim.ctl("rules", {"rules": [{"match": "flip", "behavior": "exit:2"}]})
        healthy_seen = False
        for _ in range(300):
            sim.advance(2)
            st = [x for x in sim.ctl("state")["serviceStates"] if x["serviceArn"] == svc["serviceArn"]][0]
            dep = [d for d in st["deployments"] if d["id"] == new_id]
            if dep and dep[0]["healthyCount"] >= 1:
                healthy_seen = True
                break
        check("breaker after a healthy task: the first new task turned healthy", len(first_new) == 1 and healthy_seen,
              (first_new, st))
        svc, samples = watch(sim, ecs, "c1", name, lambda s: s["deployments"][0]["id"] != new_id or
                             s["deployments"][0]["rolloutState"] == "FAILED", max_sim=3600, step=5)
        ch = [(c["deploymentId"], c["rolloutState"]) for c in sim.ctl("rollouts")["changes"]]
        check("breaker after a healthy task: the deployment still goes FAILED",
              (new_id, "FAILED") in ch, (ch, samples[-3:]))
        svc, samples = watch(sim, ecs, "c1", name, stable, max_sim=1800, step=5)
        check("breaker after a healthy task: rolled back to the previous revision",
              stable(svc) and svc["taskDefinition"] == td1, samples[-3:])
        check("the rollback deployment keeps the last COMPLETED deployment's id",
              svc["deployments"][0]["id"] == ok_id, svc["deployments"])


def failing_rollback_stalls():
    """A rollback whose own tasks fail has no COMPLETED deployment left to roll back to: "the
    circuit breaker does not launch new tasks and the deployment is stalled" (no endless rollbacks).
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html"""
    with Sim("--speed", "0", "--seed", "22", "--no-rate-limits") as sim:
        ecs = sim.client()
        name = "stall"
        svc = new_service(sim, ecs, name, "repo/base:v1", desired=1)
        ok_id = svc["deployments"][0]["id"]
        # the old revision now fails too (e.g. its database went away), then a bad deploy
        sim.ctl("rules", {"rules": [{"match": "repo/base", "behavior": "exit:1"}, {"match": "repo/bad", "behavior": "pull-error"}]})
        td2 = ecs.register_task_definition(**taskdef(name, "repo/bad:v2"))["taskDefinition"]["taskDefinitionArn"]
        ecs.update_service(cluster="c1", service=name, taskDefinition=td2)
        new_id = svc_of(ecs, "c1", name)["deployments"][0]["id"]
        # the old task keeps running until stopped: make it go so the rollback must launch
        for arn in ecs.list_tasks(cluster="c1", serviceName=name)["taskArns"]:
            t = ecs.describe_tasks(cluster="c1", tasks=[arn])["tasks"][0]
            if t["startedBy"] == ok_id:
                ecs.stop_task(cluster="c1", task=arn, reason="test")
        sim.advance(3600)
        ch = [(c["deploymentId"], c["rolloutState"]) for c in sim.ctl("rollouts")["changes"]]
        check("failing rollback: the bad deployment FAILED and rolled back once",
              ch.count((new_id, "FAILED")) == 1 and ch.count((ok_id, "IN_PROGRESS")) == 2, ch)
        check("failing rollback: the rollback FAILED too and nothing rolls back again",
              ch[-1] == (ok_id, "FAILED") and len(ch) == 6, ch)
        svc = svc_of(ecs, "c1", name)
        d = svc["deployments"]
        check("failing rollback: stalled, PRIMARY and FAILED", d[0]["id"] == ok_id and d[0]["status"] == "PRIMARY"
              and d[0]["rolloutState"] == "FAILED", d)
        before = sim.ctl("state")["liveTasks"]
        sim.advance(600)
        after = sim.ctl("state")["liveTasks"]
        check("failing rollback: no more launches once stalled", before == after == 0 and
              not ecs.list_tasks(cluster="c1", serviceName=name)["taskArns"]
              and len(sim.ctl("rollouts")["changes"]) == 6, (before, after))


def no_room():
    """minimumHealthyPercent 100 and maximumPercent 100 leave no room to stop or start a task: ECS
    posts "(service S) was unable to stop or start tasks during a deployment because of the service
    deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages-list.html"""
    with Sim("--speed", "0", "--seed", "23", "--no-rate-limits") as sim:
        ecs = sim.client()
        name = "noroom"
        dc = dict(BREAKER, minimumHealthyPercent=100, maximumPercent=100)
        new_service(sim, ecs, name, "repo/web:v1", desired=2, dc=dc)
        td2 = ecs.register_task_definition(**taskdef(name, "repo/web:v2"))["taskDefinition"]["taskDefinitionArn"]
        ecs.update_service(cluster="c1", service=name, taskDefinition=td2)
        sim.advance(600)
        m = messages(svc_of(ecs, "c1", name))
        want = ("(service %s) was unable to stop or start tasks during a deployment because of the service deployment "
                "configuration. Update the minimumHealthyPercent or maximumPercent value and try again." % name)
        check("100/100: the 'unable to stop or start tasks' event, once", m.count(want) == 1, m[:5])
        ecs.update_service(cluster="c1", service=name, deploymentConfiguration=dict(BREAKER, minimumHealthyPercent=50, maximumPercent=100))
        svc, _ = watch(sim, ecs, "c1", name, lambda s: stable(s) and s["taskDefinition"] == td2)
        check("100/100: widening the bounds lets the deployment complete", stable(svc) and svc["taskDefinition"] == td2)


def django_allowed():
    with Sim("--speed", "0", "--seed", "3", "--no-rate-limits", "--image-rule", "django=django") as sim:
        ecs = sim.client()
        for allowed, good in (("*", True), (".compute.internal,10.0.10.0", False), ("10.0.*", False)):
            name = "dj-%d" % abs(hash(allowed) % 1000)
            ecs.create_cluster(clusterName="c1")
            td = ecs.register_task_definition(**taskdef(name, "repo/django:1", env={"ALLOWED_HOSTS": allowed}))["taskDefinition"]
            ecs.create_service(cluster="c1", serviceName=name, taskDefinition=td["taskDefinitionArn"], desiredCount=1,
                               networkConfiguration=NET, deploymentConfiguration=BREAKER,
                               loadBalancers=[{"targetGroupArn": TG + name, "containerName": "app", "containerPort": 8000}])
            svc, _ = watch(sim, ecs, "c1", name, lambda s: s["deployments"][0]["rolloutState"] != "IN_PROGRESS", step=5)
            state = svc["deployments"][0]["rolloutState"]
            check("django: ALLOWED_HOSTS=%r -> %s" % (allowed, "COMPLETED" if good else "FAILED"),
                  state == ("COMPLETED" if good else "FAILED"), state)
            if not good:
                th = sim.client("elbv2").describe_target_health(TargetGroupArn=TG + name)["TargetHealthDescriptions"]
                check("django: target health names ResponseCodeMismatch or draining for %r" % allowed,
                      all(d["TargetHealth"]["State"] in ("unhealthy", "draining", "initial") for d in th), th)


def target_health_and_logs():
    with Sim("--speed", "0", "--seed", "9", "--no-rate-limits") as sim:
        ecs = sim.client()
        svc = new_service(sim, ecs, "th", "repo/web:1", desired=2)
        th = sim.client("elbv2").describe_target_health(TargetGroupArn=TG)["TargetHealthDescriptions"]
        check("DescribeTargetHealth: 2 healthy targets on port 8000",
              len(th) == 2 and all(d["TargetHealth"]["State"] == "healthy" and d["Target"]["Port"] == 8000 for d in th), th)
        tasks = ecs.describe_tasks(cluster="c1", tasks=ecs.list_tasks(cluster="c1", serviceName="th")["taskArns"])["tasks"]
        ips = sorted(t["containers"][0]["networkInterfaces"][0]["privateIpv4Address"] for t in tasks)
        check("targets are the tasks' private IPs", sorted(d["Target"]["Id"] for d in th) == ips, (ips, th))
        check("tasks RUNNING with ENI attachment, startedBy the deployment, group service:th",
              all(t["lastStatus"] == "RUNNING" and t["attachments"][0]["type"] == "ElasticNetworkInterface"
                  and t["startedBy"] == svc["deployments"][0]["id"] and t["group"] == "service:th" for t in tasks), tasks[0])
        logs = sim.client("logs")
        streams = logs.describe_log_streams(logGroupName="/ecs/web")["logStreams"]
        check("DescribeLogStreams lists ecs/app/<task-id> per task",
              sorted(s["logStreamName"] for s in streams) == sorted("ecs/app/" + t["taskArn"].rsplit("/", 1)[1] for t in tasks), streams)
        # StopTask: the service replaces it
        victim = tasks[0]["taskArn"]
        r = ecs.stop_task(cluster="c1", task=victim, reason="testing")["task"]
        check("StopTask: desiredStatus STOPPED, UserInitiated", r["desiredStatus"] == "STOPPED" and r["stopCode"] == "UserInitiated", r.get("stopCode"))
        svc, _ = watch(sim, ecs, "c1", "th", lambda s: s["runningCount"] == 2 and s["pendingCount"] == 0 and
                       victim not in ecs.list_tasks(cluster="c1", serviceName="th")["taskArns"], step=5)
        check("the service replaced the stopped task", svc["runningCount"] == 2)
        # RunTask one-off: exit 0 and exit code
        sim.ctl("rules", {"match": "migrate-bad", "behavior": "exit:7"})
        for image, code in (("repo/web:1", 0), ("repo/migrate-bad:1", 7)):
            td = ecs.register_task_definition(**taskdef("oneoff", image))["taskDefinition"]["taskDefinitionArn"]
            t = ecs.run_task(cluster="c1", taskDefinition=td, launchType="FARGATE", networkConfiguration=NET,
                             overrides={"containerOverrides": [{"name": "app", "command": ["python", "manage.py", "migrate"]}]})["tasks"][0]
            check("RunTask %s starts PROVISIONING" % image, t["lastStatus"] == "PROVISIONING" and t["desiredStatus"] == "RUNNING", t["lastStatus"])
            sim.advance(120)
            t = ecs.describe_tasks(cluster="c1", tasks=[t["taskArn"]])["tasks"][0]
            check("RunTask %s stops with exit code %d" % (image, code),
                  t["lastStatus"] == "STOPPED" and t["containers"][0]["exitCode"] == code
                  and t["stopCode"] == "EssentialContainerExited", (t["lastStatus"], t["containers"][0].get("exitCode")))
        ev = logs.filter_log_events(logGroupName="/ecs/web", filterPattern="migrations")["events"]
        check("one-off migrate task logs Django migration output", any("Running migrations:" in e["message"] for e in ev), ev)
        # scale to 0 and delete
        ecs.update_service(cluster="c1", service="th", desiredCount=0)
        sim.advance(300)
        r = ecs.delete_service(cluster="c1", service="th")["service"]
        check("DeleteService: DRAINING", r["status"] in ("DRAINING", "INACTIVE"), r["status"])
        sim.advance(120)
        svc = svc_of(ecs, "c1", "th")
        check("deleted service becomes INACTIVE", svc["status"] == "INACTIVE", svc["status"])


def slow_start():
    with Sim("--speed", "0", "--seed", "4", "--no-rate-limits", "--image-rule", "slow=slow-start:60") as sim:
        ecs = sim.client()
        svc = new_service(sim, ecs, "slowgrace", "repo/slow:1", desired=1, grace=120)
        check("slow-start within the grace period completes", stable(svc), svc["deployments"])
        ecs.create_cluster(clusterName="c1")
        td = ecs.register_task_definition(**taskdef("slownograce", "repo/slow:1"))["taskDefinition"]
        ecs.create_service(cluster="c1", serviceName="slownograce", taskDefinition=td["taskDefinitionArn"], desiredCount=1,
                           networkConfiguration=NET, deploymentConfiguration=BREAKER, healthCheckGracePeriodSeconds=0,
                           loadBalancers=[{"targetGroupArn": TG, "containerName": "app", "containerPort": 8000}])
        svc, _ = watch(sim, ecs, "c1", "slownograce", lambda s: s["deployments"][0]["rolloutState"] != "IN_PROGRESS", step=5)
        check("slow-start without a grace period fails the health checks",
              svc["deployments"][0]["rolloutState"] == "FAILED", svc["deployments"])


def determinism():
    ids = []
    for _ in range(2):
        with Sim("--speed", "0", "--seed", "42", "--no-rate-limits") as sim:
            ecs = sim.client()
            svc = new_service(sim, ecs, "det", "repo/web:1", desired=3)
            ids.append((svc["deployments"][0]["id"], [e["message"] for e in svc["events"]],
                        sorted(ecs.list_tasks(cluster="c1", serviceName="det")["taskArns"])))
    check("same seed and requests give the same deployment ids, events and tasks", ids[0] == ids[1], ids)


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which in ("all", "rolling"):
        rolling(100, 200, 2)
        rolling(50, 100, 2)
        rolling(100, 200, 1)
        rolling(100, 150, 10)
    if which in ("all", "failing"):
        failing("repo/bad-exit:2", "exit", exit_checks)
        failing("repo/bad-unhealthy:2", "unhealthy", unhealthy_checks)
        failing("repo/bad-pull:2", "pull-error", pull_checks)
        failing("repo/django:bad", "django", django_checks, env={"ALLOWED_HOSTS": "*.example.com,.example.com"})
        failing("repo/bad-exit:2", "rollback-disabled", lambda *a: None, rollback=False)
        breaker_after_healthy()
        failing_rollback_stalls()
        no_room()
    if which in ("all", "misc"):
        django_allowed()
        target_health_and_logs()
        slow_start()
        determinism()
    done()


if __name__ == "__main__":
    main()
