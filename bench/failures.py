#!/usr/bin/env python3
"""failures.py: part (g) of `make bench`: doomed deployments at ECS's timing, for every tool.

Three failures (image rules: a missing tag, a crash loop, a never-healthy app) of the benchmark
service at desired count 1 on ecship-sim --timing ecs, deployed by ecship (fail-fast, the
default), ecship --no-fail-fast (the circuit breaker's own time), the runbook's AWS CLI steps,
the deploy action (bench/peers/action.mjs) and a fabfuel-style poller: when each tool exits
after ECS stopped the first failed task, with what exit code, and whether it reported the failure
or a false success. Every run has an ecship-sim of its own (no shared rate limit or lock); all
runs go at once. Never reaches real AWS. `python3 bench/failures.py --selftest` checks the pure
helpers (no simulator, no timing)."""
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import benchlib
from benchlib import CLUSTER, FAMILY, ROOT, SERVICE, Checks, SimProc, f, figure, log, table

SPEED = 10  # simulated seconds per wall second: ECS's minutes in the benchmark's seconds
CASES = [("missing tag", "ffpull", "pull-error"), ("crash loop", "ffcrash", "exit:3"),
         ("never healthy", "ffsick", "unhealthy:503"),
         ("healthy (control)", "ffok", "ok")]  # the same tools and limits on a deploy that succeeds
TOOLS = ["ecship", "ecship --no-fail-fast", "aws cli", "deploy action", "fabfuel-style"]
# each tool's own time limit, simulated seconds (applied on the sim's clock: divided by SPEED)
LIMITS = {"ecship": 600,               # ecship's default --timeout, 10 minutes
          "ecship --no-fail-fast": None,  # --timeout 60m: the breaker decides (the reference)
          "aws cli": 600,              # `aws ecs wait services-stable`: 40 attempts x 15 s
          "deploy action": 1800,       # the action's wait-for-minutes default, 30
          "fabfuel-style": 300}        # fabfuel/ecs-deploy's --timeout default
RUN_CAP = 240  # wall seconds: the benchmark kills a run still going then ("cut off")


# ---- pure helpers (the selftest covers them) ---------------------------------------------------

def first_failed_task(tasks, dep):
    """When ECS stopped (stoppingAt, else stoppedAt; simulated seconds) the first failed task of
    deployment dep, from DescribeTasks' tasks. A task behind a target group drains for the
    deregistration delay between the two; tasks stopped by a scale-in do not count."""
    ts = [t.get("stoppingAt") or t.get("stoppedAt") for t in tasks if t.get("startedBy") == dep
          and not (t.get("stoppedReason") or "").startswith("Scaling activity")]
    ts = [t for t in ts if t]
    return min(ts) if ts else None


def decision_anchor(tasks, dep, t):
    """The last change ECS made to deployment dep's stopped tasks at or before t (simulated
    seconds): a stoppingAt or stoppedAt, the evidence fail-fast decides on; None."""
    ts = [x for tk in tasks if tk.get("startedBy") == dep for x in (tk.get("stoppingAt"), tk.get("stoppedAt"))
          if x is not None and x <= t]
    return max(ts) if ts else None


def new_deployment(rollouts, old_dep):
    """The deployment the measured deploy started: the first IN_PROGRESS in the rollout log that
    is not the service's previous one (which comes back IN_PROGRESS when it is rolled back to)."""
    return next((r["deploymentId"] for r in rollouts
                 if r["rolloutState"] == "IN_PROGRESS" and r["deploymentId"] != old_dep), None)


def rollback_request(reqs):
    """When fail-fast rolled back (wall time): its StopServiceDeployment (ECS rolls the deployment
    in progress back), else a second UpdateService (back to the previous revision); None."""
    stops = [r for r in reqs if r["action"] == "StopServiceDeployment" and r.get("status") == 200]
    ups = [r for r in reqs if r["action"] == "UpdateService" and r.get("status") == 200]
    first = stops[0] if stops else (ups[1] if len(ups) > 1 else None)
    return first["time"] if first else None


def verdict(tool, rc, wall, limit_wall, new_running, doomed=True):
    """How a run ended: the tool reported the failure, hit its own time limit, claimed success
    while the service runs its old revision (false success), or was cut off by the benchmark;
    on a deploy that succeeds (doomed False) any failure is a false one. ecship says a timeout
    with exit 4; the others only by when they end."""
    if rc is None or rc < 0:
        return "cut off"
    if rc == 0:
        return "success" if new_running else "FALSE SUCCESS"
    word = "failure" if doomed else "FALSE FAILURE"
    if tool.startswith("ecship"):
        return f"{word} (time limit)" if rc == 4 else word
    if limit_wall is not None and wall >= limit_wall - 0.5:
        return f"{word} (time limit)"
    return word


def at_pace(raw, lag, speed, timed_out):
    """The tool's exit in simulated seconds at ECS's own pace. The tools poll on the wall clock,
    so at --speed S their lag after the last change they could react to (lag, simulated seconds:
    from the later of the last rollout-log change and the first failed task, to the exit) shows
    as S times itself: put it back at one. A time limit is already on the simulated clock."""
    if raw is None or timed_out or lag is None:
        return raw
    return raw - lag + lag / speed


def mmm(xs, nd=0):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-"
    return f"{f(statistics.median(xs), nd)} [{f(min(xs), nd)}-{f(max(xs), nd)}]"


# ---- one run -----------------------------------------------------------------------------------

def fixture(desired=1):
    with open(os.path.join(ROOT, "bench", "fixture", "task-definition.json")) as fh:
        td = json.load(fh)
    with open(os.path.join(ROOT, "bench", "fixture", "ecs-service.json")) as fh:
        sd = json.load(fh)
    sd["desiredCount"] = desired
    return td, sd


def with_tag(td, tag):
    t = json.loads(json.dumps(td))
    for c in t["containerDefinitions"]:
        c["image"] = c["image"].replace("${IMAGE_TAG}", tag)
    return t


def create_service(api, td, sd):
    """The service on revision 1, COMPLETED, made through the API with the clock moved on (no
    tool's time spent); returns its deployment id."""
    api.ecs("CreateCluster", {"clusterName": CLUSTER})
    api.ecs("RegisterTaskDefinition", with_tag(td, "r0"))
    api.ecs("CreateService", dict(sd, cluster=CLUSTER, taskDefinition=FAMILY + ":1"))
    for _ in range(6):
        api.post("/clock", {"advance": 300})
        s = api.ecs("DescribeServices", {"cluster": CLUSTER, "services": [SERVICE]})["services"][0]
        if len(s["deployments"]) == 1 and s["deployments"][0].get("rolloutState") == "COMPLETED":
            return s["deployments"][0]["id"]
    raise RuntimeError("the benchmark service did not complete its first deployment")


def argv_for(ctx, tool, tag, sim_url, tdfile):
    img = f"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/bench-web:{tag}"
    lim = LIMITS[tool]
    if tool.startswith("ecship"):
        mode = ["--timeout", f"{lim // SPEED}s"] if lim else ["--no-fail-fast", "--timeout", "60m"]
        return [os.path.join(ctx.build, "ecship"), "--config", os.path.join(ctx.work, "g-svc", "ecship.yml"),
                "--endpoint-url", sim_url, "deploy", "--tag", tag, *mode]
    if tool == "aws cli":
        return ["bash", os.path.join(ROOT, "bench", "peers", "cli_steps.sh"), tdfile, CLUSTER, SERVICE, FAMILY,
                str(lim / SPEED)]
    if tool == "deploy action":
        return ["node", ctx.action_js, tdfile, CLUSTER, SERVICE, str(lim / SPEED / 60)]
    return [sys.executable, os.path.join(ROOT, "bench", "peers", "fabfuel_style.py"), CLUSTER, SERVICE, "web", img,
            str(lim / SPEED)]


def spawn(ctx, argv, sim_url, cap, logname):
    """Runs argv against sim_url, its output to WORK/LOGNAME (runs are concurrent); (rc, t0, t1);
    rc None when the benchmark cut it off."""
    env = dict(os.environ, AWS_ENDPOINT_URL=sim_url)
    out = os.path.join(ctx.work, logname)
    ctx.errlog.write(f"$ {' '.join(argv)}  (output: {out})\n")
    ctx.errlog.flush()
    t0 = time.time()
    with open(out, "w") as fh:
        p = subprocess.Popen(argv, stdout=fh, stderr=fh, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        rc = p.wait(cap)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        p.wait()
        rc = None
    return rc, t0, time.time()


def one_run(ctx, case, tool, k, td, sd):
    kind, tagbase, behaviour = case
    slug = tool.replace(" ", "").replace("-", "")
    tag = f"{tagbase}-{slug}-{k}"
    seed = 100 + k  # run k of every tool sees the same simulated world
    with SimProc(ctx.build, ctx.moto, ctx.work, timing="ecs", speed=SPEED, seed=seed,
                 name=f"g-{tagbase}-{slug}-{k}") as sim:
        api = sim.api
        old_dep = create_service(api, td, sd)
        api.post("/rules", {"rules": [{"match": ":" + tagbase, "behavior": behaviour}]})
        tdfile = os.path.join(ctx.work, f"g-td-{tag}.json")
        with open(tdfile, "w") as fh:
            json.dump(with_tag(td, tag), fh)
        seq, rseq = api.marks()
        rc, t0, t1 = spawn(ctx, argv_for(ctx, tool, tag, sim.url, tdfile), sim.url, RUN_CAP, f"g-{tag}.log")
        clock = api.get("/clock")
        to_sim = lambda w: clock["now"] - (clock["wall"] - w) * SPEED
        rolls = api.rollouts(rseq)
        reqs = api.requests(seq)
        rb = rollback_request(reqs) if tool == "ecship" else None
        dep = new_deployment(rolls, old_dep)
        first, tasks = None, []
        if dep:
            arns = api.ecs("ListTasks", {"cluster": CLUSTER, "serviceName": SERVICE,
                                         "desiredStatus": "STOPPED"}).get("taskArns", [])
            if arns:
                tasks = api.ecs("DescribeTasks", {"cluster": CLUSTER, "tasks": arns[:100]}).get("tasks", [])
                first = first_failed_task(tasks, dep)
        if behaviour == "ok":  # the control: times from the tool's UpdateService (its start-up apart)
            up = next((r["time"] for r in reqs if r["action"] == "UpdateService" and r.get("status") == 200), None)
            first = to_sim(up) if up else None
        # the breaker's FAILED; fail-fast's StopServiceDeployment ROLLBACK fails the deployment too
        failed = next((r for r in rolls if r["deploymentId"] == dep and r["rolloutState"] == "FAILED"
                       and "circuit breaker" in (r.get("rolloutStateReason") or "")), None)
        anchor = max([r["simTime"] for r in rolls if r["time"] <= t1] + ([first] if first is not None else []),
                     default=None)
        s = api.ecs("DescribeServices", {"cluster": CLUSTER, "services": [SERVICE]})["services"][0]
        new_running = not s["taskDefinition"].endswith(":1") and len(s["deployments"]) == 1 and \
            s["deployments"][0].get("rolloutState") == "COMPLETED"
    lim = LIMITS[tool]
    v = verdict(tool, rc, t1 - t0, lim / SPEED if lim else None, new_running, behaviour != "ok")
    raw = to_sim(t1) - first if first is not None else None
    lag = to_sim(t1) - anchor if anchor is not None else None
    est = at_pace(raw, lag, SPEED, v.endswith("(time limit)"))
    # fail-fast's decision: its lag after the last task change before it, put back at 1x too; a
    # decision that soon would have started the rollback (and the exit after it) that much sooner
    decided = decided_pace = None
    if rb and first is not None:
        decided = to_sim(rb) - first
        da = decision_anchor(tasks, dep, to_sim(rb))
        decided_pace = at_pace(decided, to_sim(rb) - da if da is not None else None, SPEED, False)
        if est is not None and not v.endswith("(time limit)"):
            est -= decided - decided_pace
    r = {"case": kind, "tool": tool, "k": k, "rc": rc, "wall": t1 - t0, "verdict": v, "raw": raw,
         "est": est, "decided_pace": decided_pace,
         "failed": failed["simTime"] - first if failed and first is not None else None,
         "decided": decided,
         "load": os.getloadavg()[0]}
    log(f"(g) {kind}, {tool}, run {k + 1}: exit {rc}, {v}, {f(raw, 0)} simulated s after the first failed "
        f"task ({f(r['est'], 0)} at ECS's pace), breaker FAILED at {f(r['failed'], 0)}")
    return r


# ---- the part ----------------------------------------------------------------------------------

def run(ctx):
    t_part = time.time()
    tools = list(TOOLS)
    if not ctx.action_js:
        tools.remove("deploy action")
        log(f"(g) the deploy action is skipped: {ctx.action_why}")
    d = os.path.join(ctx.work, "g-svc")
    os.makedirs(d, exist_ok=True)
    for n in ("ecship.yml", "task-definition.json"):
        with open(os.path.join(ROOT, "bench", "fixture", n)) as src, open(os.path.join(d, n), "w") as dst:
            dst.write(src.read())
    td, sd = fixture(desired=1)  # the breaker's minimum threshold: 3 failed tasks
    with open(os.path.join(d, "ecs-service.json"), "w") as fh:
        json.dump(sd, fh)
    # the longest first: a missing tag and a never-healthy app left to the breaker
    first_order = [CASES[0], CASES[2], CASES[3], CASES[1]]
    jobs = [(case, tool, k) for case in first_order for k in range(ctx.runs) for tool in tools]
    loads = [os.getloadavg()[0]]
    results, lock = [], threading.Lock()

    def job(j):
        try:
            r = one_run(ctx, *j, td, sd)
        except Exception as e:  # a run that breaks is reported, not fatal
            log(f"(g) {j[0][0]}, {j[1]}, run {j[2] + 1}: {e}")
            r = {"case": j[0][0], "tool": j[1], "k": j[2], "rc": None, "verdict": f"error: {e}", "raw": None,
                 "est": None, "failed": None, "decided": None, "decided_pace": None, "load": os.getloadavg()[0]}
        with lock:
            results.append(r)

    # all runs at once, each with its own sim: the longest (a missing tag left to the breaker)
    # takes ~110 s of wall time; started a little apart so that 75 tools do not start together
    with ThreadPoolExecutor(max_workers=len(jobs)) as ex:
        for j in jobs:
            ex.submit(job, j)
            time.sleep(0.1)
    loads += [r["load"] for r in results]
    rows = []
    for kind, _, behaviour in CASES:
        doomed = behaviour != "ok"
        start = "first failed task" if doomed else "UpdateService"
        ref = [r["failed"] for r in results if r["case"] == kind and r["failed"] is not None]
        for tool in tools:
            rs = [r for r in results if r["case"] == kind and r["tool"] == tool]
            rcs = ",".join(sorted({str(r["rc"]) for r in rs}))
            counts = {}
            for r in rs:
                counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
            reported = sum(1 for r in rs if r["verdict"].startswith("failure" if doomed else "success"))
            rows.append([kind, tool, len(rs), rcs, ", ".join(f"{v} {n}" for v, n in sorted(counts.items())),
                         mmm([r["decided"] for r in rs]), mmm([r["decided_pace"] for r in rs]),
                         mmm([r["raw"] for r in rs]), mmm([r["est"] for r in rs]),
                         mmm([r["failed"] for r in rs])])
            decided = [r["decided_pace"] for r in rs if r["decided_pace"] is not None]
            if decided:
                figure("g", kind, "first failed task to the decision, at ECS's pace (s)", tool, statistics.median(decided), True, "s")
            ests = [r["est"] for r in rs if r["est"] is not None]
            if ests:
                figure("g", kind, f"{start} to exit, at ECS's pace (s)", tool, statistics.median(ests), True, "s")
            figure("g", kind, f"runs reporting {'the failure' if doomed else 'success'} (of {len(rs)})", tool,
                   reported, False)
        if doomed:
            rows.append([kind, "circuit breaker (FAILED)", len(ref), "-", "-", mmm(ref), mmm(ref), "-", "-", mmm(ref)])
        if ref:
            figure("g", kind, "first failed task to the decision, at ECS's pace (s)", "circuit breaker (FAILED)",
                   statistics.median(ref), True, "s")
    wall = time.time() - t_part
    table(f"(g) failure cases at ECS's timing: desired count 1, ecship-sim --timing ecs --speed {SPEED}, "
          f"{ctx.runs} runs of each tool (median [min-max]); load average {min(loads):.1f}-{max(loads):.1f}",
          ["case", "tool", "runs", "exit", "outcome", "decided, sim s", "at ECS's pace", "exited, sim s",
           "at ECS's pace", "breaker FAILED, sim s"], rows,
          ["Times in simulated seconds from ECS's stoppingAt of the deployment's first failed task; decided = "
           "fail-fast's rollback request (StopServiceDeployment),",
           "or the breaker's FAILED. exited = the tool's exit; ecship exits once the rollback has settled (a crashed "
           "or unhealthy task drains for 300 s first).",
           "Each run has an ecship-sim of its own (seed 100+run:",
           f"run k of every tool sees the same simulated world); all {len(jobs)} runs went at once, started 0.1 s "
           f"apart, the longest cases first; the part took {wall:.0f} s.",
           "Time limits are each tool's own default on the simulated clock (divided by the speed): ecship "
           "--timeout 10m, the CLI waiter's 40 x 15 s,",
           "the action's wait-for-minutes 30, fabfuel's --timeout 300 s; ecship --no-fail-fast runs with "
           "--timeout 60m so that the breaker decides.",
           f"A run still going after {RUN_CAP} s of wall time is cut off. The tools poll on the wall clock: at "
           f"speed {SPEED} a poll interval of P s shows",
           f"as {SPEED}P simulated s; 'at ECS's pace' puts the lag after the last change the tool could react to "
           "back at 1x (for the exit: the later",
           "of the last rollout-log change and the first failed task; for fail-fast's decision: the last stoppingAt or "
           "stoppedAt of the deployment's tasks before it,",
           "and its exit moves with its decision). outcome: failure = exit non-zero; FALSE SUCCESS = exit 0 "
           "with the service back on its old revision",
           "(the breaker's rollback); breaker FAILED = the deployment's FAILED in that tool's runs (fail-fast "
           "rolls back first, so it has none).",
           "healthy (control): a good image, the same tools and limits; times from the tool's UpdateService; a failure "
           "there is a FALSE FAILURE (the old task drains 300 s before COMPLETED)."])
    return results


# ---- selftest ----------------------------------------------------------------------------------

def selftest():
    checks = Checks()
    check = checks.expect

    tasks = [{"startedBy": "ecs-svc/2", "stoppingAt": 300.0, "stoppedAt": 600.0},
             {"startedBy": "ecs-svc/2", "stoppingAt": 180.0, "stoppedAt": 480.0},
             {"startedBy": "ecs-svc/2", "stoppedAt": 150.0, "stoppedReason": "Scaling activity initiated by"},
             {"startedBy": "ecs-svc/1", "stoppingAt": 10.0},
             {"startedBy": "ecs-svc/2", "stoppedAt": 200.0}]
    check("first failed task: the earliest stoppingAt of the deployment, scale-ins left out",
          first_failed_task(tasks, "ecs-svc/2"), 180.0)
    check("first failed task: stoppedAt when there is no stoppingAt", first_failed_task(tasks[4:], "ecs-svc/2"), 200.0)
    check("first failed task: none", first_failed_task(tasks, "ecs-svc/9"), None)
    rolls = [{"deploymentId": "ecs-svc/1", "rolloutState": "IN_PROGRESS"},
             {"deploymentId": "ecs-svc/2", "rolloutState": "IN_PROGRESS"},
             {"deploymentId": "ecs-svc/2", "rolloutState": "FAILED"}]
    check("new deployment: not the one rolled back to", new_deployment(rolls, "ecs-svc/1"), "ecs-svc/2")
    check("verdict: exit 0 on the old revision", verdict("aws cli", 0, 50, 60, False), "FALSE SUCCESS")
    check("verdict: exit 0 on the new revision", verdict("aws cli", 0, 50, 60, True), "success")
    check("verdict: non-zero before the limit", verdict("fabfuel-style", 1, 20, 30, False), "failure")
    check("verdict: non-zero at the limit", verdict("aws cli", 255, 30.2, 30, False), "failure (time limit)")
    check("verdict: ecship's timeout is exit 4", verdict("ecship", 4, 10, 60, False), "failure (time limit)")
    check("verdict: ecship's exit 1 is its failure, however late", verdict("ecship", 1, 61, 60, False), "failure")
    check("verdict: no limit", verdict("deploy action", 1, 300, None, False), "failure")
    check("verdict: a healthy deploy's timeout", verdict("fabfuel-style", 1, 30.1, 30, False, False),
          "FALSE FAILURE (time limit)")
    check("verdict: cut off", verdict("aws cli", None, 240, 30, False), "cut off")
    check("at pace: the lag back at 1x", at_pace(400.0, 100.0, 10, False), 310.0)
    check("at pace: a time limit stays", at_pace(600.0, 300.0, 10, True), 600.0)
    reqs = [{"action": "UpdateService", "status": 200, "time": 1.0},
            {"action": "StopServiceDeployment", "status": 400, "time": 2.0},
            {"action": "StopServiceDeployment", "status": 200, "time": 3.0},
            {"action": "UpdateService", "status": 200, "time": 4.0}]
    check("rollback request: the StopServiceDeployment that was answered", rollback_request(reqs), 3.0)
    check("rollback request: else the second UpdateService", rollback_request([reqs[0], reqs[3]]), 4.0)
    check("rollback request: none", rollback_request(reqs[:1]), None)
    check("decision anchor: the last task change at or before the decision",
          decision_anchor(tasks, "ecs-svc/2", 490.0), 480.0)
    check("decision anchor: none before", decision_anchor(tasks, "ecs-svc/2", 100.0), None)
    check("median [min-max]", mmm([3, None, 1, 2]), "2 [1-3]")
    return checks.finish("failures.py helpers")


if __name__ == "__main__":
    if sys.argv[1:] == ["--selftest"]:
        sys.exit(selftest())
    sys.exit("usage: failures.py --selftest (the part runs from bench/bench.py)")
