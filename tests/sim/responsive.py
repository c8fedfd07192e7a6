"""responsive.py: ecship-sim stays responsive while /_sim/clock advances a long time under load
(5 services of 20 crash-looping tasks: hours of simulated time are minutes of work). The advance
runs in slices that let the lock go, so another request is answered while it is still running,
and SIGTERM ends the process promptly in the middle of it. Before, the advance held the lock to the
end (216 s for an hour in the report of issue 15): every request waited and SIGTERM was ignored."""
import threading
import time
import urllib.request

from simlib import Sim, check, done, taskdef, NET

with Sim("--speed", "0", "--seed", "3", "--no-rate-limits", "--image-rule", "crash=exit:1") as sim:
    ecs = sim.client()
    ecs.create_cluster(clusterName="load")
    td = ecs.register_task_definition(**taskdef("crash", "repo/crash:v1"))["taskDefinition"]
    for i in range(5):
        # no circuit breaker: the tasks crash and are replaced for ever
        ecs.create_service(cluster="load", serviceName="s%d" % i, taskDefinition=td["taskDefinitionArn"],
                           desiredCount=20, launchType="FARGATE", networkConfiguration=NET)
    sim.advance(60)
    stopped = ecs.list_tasks(cluster="load", serviceName="s0", desiredStatus="STOPPED")["taskArns"]
    svc = ecs.describe_services(cluster="load", services=["s0"])["services"][0]
    check("the services' tasks are crash-looping (stopped tasks after 60 s, 20 wanted)",
          len(stopped) > 0 and svc["desiredCount"] == 20, (len(stopped), svc["desiredCount"]))

    result = {}

    def advance():
        try:
            result["answer"] = sim.ctl("clock", {"advance": 86400 * 3})
        except Exception as ex:  # the process is ended under it: expected
            result["error"] = repr(ex)
        result["ended"] = time.monotonic()

    t = threading.Thread(target=advance, daemon=True)
    t.start()
    time.sleep(1.0)
    check("the long advance is still running after 1 s", t.is_alive())
    asked = time.monotonic()
    try:
        with urllib.request.urlopen(sim.url + "/_sim/", timeout=60) as r:
            now = r.read()
        answered = time.monotonic()
    except Exception as ex:
        now, answered = repr(ex), None
    check("a control request is answered while the advance runs",
          answered is not None and t.is_alive(), "answered %s, advance alive %s: %s" % (answered, t.is_alive(), now))
    try:
        svcs = ecs.describe_services(cluster="load", services=["s0"])["services"]
        ok = len(svcs) == 1 and t.is_alive()
    except Exception as ex:
        ok, svcs = False, repr(ex)
    check("an ECS request (DescribeServices) is answered while the advance runs", ok, svcs)
    if answered is not None:
        print("# answered in %.3f s while advancing" % (answered - asked))

    # SIGTERM in the middle of the advance: the process is gone within the bound
    check("the advance is still running when SIGTERM is sent", t.is_alive())
    sent = time.monotonic()
    rc = sim.stop()  # SIGTERM, then waits (20 s bound; SIGKILL and -9 after that)
    gone = time.monotonic()
    check("SIGTERM during an advance ends the simulator with status 0", rc == 0, "exit status %r" % rc)
    check("it ends within 10 s", gone - sent < 10, "%.1f s" % (gone - sent))
    t.join(10)
    check("the advance's request ended (answered 503 or cut off), not completed",
          "answer" not in result, result)
    print("# SIGTERM to exit: %.3f s" % (gone - sent))
done()
