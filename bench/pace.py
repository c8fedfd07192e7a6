"""pace.py: part (f) of `make bench`: one deploy of the 2-task benchmark service by ecship and by
its three peers (the runbook's AWS CLI steps, the AWS deploy action's SDK v3 waiter, a
fabfuel-style boto3 poller), at ECS's own pace (ecship-sim --speed 1) and at a fast one (--speed 20).
Every run gets an ecship-sim of its own (benchlib.SimProc), so that runs share no rate limit and
no lock and can overlap in time: that is what lets minute-long rollouts fit the benchmark's budget.
Never reaches real AWS: every endpoint is a loopback simulator started here."""
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

import benchlib
from benchlib import CLUSTER, FAMILY, ROOT, SERVICE, SimProc, f, figure, log, table

TOOLS = ["ecship", "aws cli", "deploy action", "fabfuel-style"]
PACES = (1, 20)  # simulated seconds per wall second: ECS's own pace, and a fast one
SETUP_SPEED = 20  # the service is created at this speed whatever the pace, then the clock is set
STAGGER = 1.0  # seconds between two launches (runs overlap; see run())
SETUP_AT_ONCE = 6  # simulators being set up at the same time


def prepare(ctx, sim, d):
    """Copies the benchmark fixture into d; creates the cluster and the service (its first
    deployment completed) on sim. Returns the ecship.yml path."""
    os.makedirs(d, exist_ok=True)
    for n in ("ecship.yml", "task-definition.json", "ecs-service.json"):
        shutil.copy(os.path.join(ROOT, "bench", "fixture", n), d)
    cfg = os.path.join(d, "ecship.yml")
    sim.api.ecs("CreateCluster", {"clusterName": CLUSTER})
    p = subprocess.run([os.path.join(ctx.build, "ecship"), "--config", cfg, "--endpoint-url", sim.url,
                        "deploy", "--tag", "r0"], stdout=ctx.errlog, stderr=ctx.errlog,
                       stdin=subprocess.DEVNULL, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"the deploy creating the service failed with exit {p.returncode}; "
                           f"see {ctx.errlog.name}")
    return cfg


class Job:
    """One deploy by one tool at one pace, on a simulator of its own."""

    def __init__(self, pace, k, tool):
        self.pace, self.k, self.tool = pace, k, tool
        self.sim = self.cfg = self.steps = None
        self.result = None
        self.error = None


def steps(ctx, job):
    """The process runs of job's deploy (its untimed preparation done here)."""
    url = job.sim.url
    tag = f"p{job.pace}x{job.k}"
    img = f"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/bench-web:{tag}"
    env = ["env", f"AWS_ENDPOINT_URL={url}"]  # the peers built on an SDK read the endpoint from there
    if job.tool == "ecship":
        return [[os.path.join(ctx.build, "ecship"), "--config", job.cfg, "--endpoint-url", url,
                 "deploy", "--tag", tag]]
    if job.tool == "fabfuel-style":
        return [env + [sys.executable, os.path.join(ROOT, "bench", "peers", "fabfuel_style.py"), CLUSTER,
                       SERVICE, "web", img]]
    # both other peers take a finished task definition file, as the runbook and the action do
    td = os.path.join(os.path.dirname(job.cfg), f"td-{tag}.json")
    with open(td, "w") as fh:
        p = subprocess.run([os.path.join(ctx.build, "ecship"), "--config", job.cfg, "--endpoint-url", url,
                            "render", "--tag", tag], stdout=fh, stderr=ctx.errlog, stdin=subprocess.DEVNULL,
                           timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"ecship render failed with exit {p.returncode}")
    if job.tool == "deploy action":
        return [env + ["node", ctx.action_js, td, CLUSTER, SERVICE, "30"]]
    aws = ["aws", "--endpoint-url", url, "--region", "ap-northeast-1", "--output", "json", "ecs"]
    return [aws + ["register-task-definition", "--cli-input-json", "file://" + td],
            aws + ["update-service", "--cluster", CLUSTER, "--service", SERVICE, "--task-definition", FAMILY],
            aws + ["wait", "services-stable", "--cluster", CLUSTER, "--services", SERVICE]]


def set_up(ctx, job, lock, n_done, n_all):
    if job.error:
        return
    try:
        job.cfg = prepare(ctx, job.sim, os.path.join(ctx.work, f"f-{job.pace}-{job.k}-{job.tool.replace(' ', '-')}"))
        job.sim.api.post("/clock", {"speed": float(job.pace)})
        job.steps = steps(ctx, job)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        job.error = str(e)
    with lock:
        n_done[0] += 1
        if n_done[0] % 10 == 0 or n_done[0] == n_all:
            log(f"(f) {n_done[0]}/{n_all} simulators ready")


def run_job(ctx, job):
    """Runs job's steps one after another; reads its simulator's logs for COMPLETED and requests."""
    if job.error:
        log(f"(f) --speed {job.pace} {job.tool} run {job.k + 1} not run: {job.error}")
        return
    try:
        seq, rseq = job.sim.api.marks()
        rcs, cpu, rss, t_start, t1 = [], 0.0, 0, None, None
        for argv in job.steps:
            rc, t0, t1, c, m = benchlib.run_measured(ctx.errlog, ctx.work, argv, timeout=900)
            t_start = t_start or t0
            rcs.append(rc)
            cpu += c
            rss = max(rss, m) if m is not None and rss is not None else None
        reqs = [r for r in job.sim.api.requests(seq) if r["time"] <= t1]
        rolls = [r for r in job.sim.api.rollouts(rseq) if r["serviceArn"].endswith(f"/{CLUSTER}/{SERVICE}")]
        dep = next((r["deploymentId"] for r in rolls if r["rolloutState"] == "IN_PROGRESS"), None)
        done = next((r["time"] for r in rolls if r["deploymentId"] == dep and r["rolloutState"] == "COMPLETED"),
                    None)
        job.result = {"rc": rcs, "start": t_start, "end": t1, "wall": t1 - t_start,
                      "lag": t1 - done if done else None, "rollout": done - t_start if done else None,
                      "cpu": cpu, "rss": rss, "requests": len(reqs),
                      "actions": sorted((a, sum(1 for r in reqs if r["action"] == a)) for a in {r["action"] for r in reqs})}
        log(f"(f) --speed {job.pace} {job.tool} run {job.k + 1}: exit {rcs}, {t1 - t_start:.1f} s")
    except Exception as e:  # a benchmark run that breaks is reported, not fatal
        job.error = f"{type(e).__name__}: {e}"
    finally:
        if job.sim:
            job.sim.stop()


def mmm(xs, scale=1.0, nd=2):
    xs = [x * scale for x in xs if x is not None]
    if not xs:
        return "-"
    return f"{f(statistics.median(xs), nd)} [{f(min(xs), nd)}-{f(max(xs), nd)}]"


def run(ctx, paces=PACES, stagger=STAGGER):
    """Part (f). Schedule: every run (pace, round, tool) gets its own simulator, set up first
    (SETUP_AT_ONCE at a time, at --speed SETUP_SPEED, then the clock set to the pace). Then runs are
    launched one every `stagger` seconds: the slow pace's rounds first, each round's tools in
    rotated order (A B C D, B C D A, ...), then the fast pace's the same way, while the slow
    runs are still waiting on their rollouts. Runs overlap: the load average is sampled and printed."""
    tools = list(TOOLS)
    if not ctx.action_js:
        tools.remove("deploy action")
        log(f"(f) the Node peer is skipped: {ctx.action_why}")
    jobs = []
    for pace in paces:
        for k in range(ctx.runs):
            r = k % len(tools)
            jobs += [Job(pace, k, t) for t in tools[r:] + tools[:r]]

    t_setup = time.time()
    # simulators are started from this thread: benchlib.SimProc asks the kernel to stop a
    # simulator when the thread that started it ends (PR_SET_PDEATHSIG follows the thread)
    for job in jobs:
        try:
            job.sim = SimProc(ctx.build, ctx.moto, os.path.join(ctx.work, "f-sims"), speed=SETUP_SPEED,
                              name=f"f{job.pace}-{job.k}")
        except SystemExit as e:
            job.error = str(e)
    lock, n_done = threading.Lock(), [0]
    pending = list(jobs)
    while pending:
        batch, pending = pending[:SETUP_AT_ONCE], pending[SETUP_AT_ONCE:]
        ths = [threading.Thread(target=set_up, args=(ctx, j, lock, n_done, len(jobs))) for j in batch]
        for t in ths:
            t.start()
        for t in ths:
            t.join()
    setup_s = time.time() - t_setup

    active = {p: 0 for p in paces}
    loads = {p: [] for p in paces}
    stop = threading.Event()

    def sample():
        while not stop.wait(1.0):
            la = os.getloadavg()[0]
            with lock:
                for p in paces:
                    if active[p]:
                        loads[p].append(la)

    def worker(job):
        with lock:
            active[job.pace] += 1
        try:
            run_job(ctx, job)
        finally:
            with lock:
                active[job.pace] -= 1

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t_launch = time.time()
    threads = []
    for i, job in enumerate(jobs):
        delay = t_launch + i * stagger - time.time()
        if delay > 0:
            time.sleep(delay)
        th = threading.Thread(target=worker, args=(job,))
        th.start()
        threads.append(th)
    for th in threads:
        th.join()
    stop.set()
    sampler.join()
    runs_s = time.time() - t_launch

    for pace in paces:
        rows = []
        mine = [j for j in jobs if j.pace == pace]
        for tool in tools:
            rs = [j.result for j in mine if j.tool == tool and j.result]
            errs = [j.error for j in mine if j.tool == tool and j.error]
            if errs:
                log(f"(f) --speed {pace} {tool}: {len(errs)} run(s) broke: {errs[0]}")
            rows.append([tool, len(rs), ",".join(sorted({"/".join(str(c) for c in r["rc"]) for r in rs})) or "-",
                         mmm([r["wall"] for r in rs]), mmm([r["lag"] for r in rs]),
                         mmm([r["cpu"] for r in rs], 1000, 0), mmm([r["rss"] for r in rs], 1 / 1024, 1),
                         mmm([r["requests"] for r in rs], 1, 0)])
            case = f"--speed {pace}"
            for metric, key, scale in (("wall s", "wall", 1), ("COMPLETED to exit s", "lag", 1),
                                       ("CPU ms", "cpu", 1000), ("peak RSS MB", "rss", 1 / 1024),
                                       ("requests", "requests", 1)):
                xs = [r[key] * scale for r in rs if r[key] is not None]
                if xs:
                    figure("f", case, metric, tool, statistics.median(xs), True)
        by_action = []
        for tool in tools:
            first = next((j.result for j in mine if j.tool == tool and j.result), None)
            if first:
                by_action.append(f"  {tool}: " + ", ".join(f"{a} {n}" for a, n in first["actions"]))
        la = loads[pace]
        ro = [j.result["rollout"] for j in mine if j.result and j.result["rollout"] is not None]
        table(f"(f) one deploy of the 2-task service by each tool at ecship-sim --speed {pace} "
              f"(rollout {f(statistics.median(ro), 1) if ro else '-'} s of wall time), {ctx.runs} runs each, "
              f"median [min-max]; load average {f(min(la), 1) if la else '-'}-{f(max(la), 1) if la else '-'}",
              ["tool", "runs", "exit", "wall s", "COMPLETED to exit s", "CPU ms", "peak RSS MB", "requests"], rows,
              ["aws cli = register-task-definition + update-service + `aws ecs wait services-stable` "
               "(every 15 s); peak RSS = the largest of its 3 processes, CPU their sum;",
               "deploy action = bench/peers/action.mjs, @aws-sdk/client-ecs from npm, waitUntilServicesStable "
               "minDelay 15 s growing to 120 s (the action's settings);",
               "fabfuel-style = bench/peers/fabfuel_style.py, boto3, 1 s polling with ListTasks/DescribeTasks as "
               "its is_deployed does; the peers' task definition file is rendered beforehand (not timed).",
               "CPU and peak RSS: GNU time (%U %S %M), CPU in steps of 10 ms; requests: the run's simulator's log,",
               "by action in each tool's first run:"] + by_action
              + ([f"the deploy action was skipped: {ctx.action_why}"] if not ctx.action_js else []))
    table("(f) how the runs were scheduled",
          ["what", "value"],
          [["simulators", f"{len(jobs)}, one per run (--timing fast, ECS-like rate limits on)"],
           ["set-up", f"{SETUP_AT_ONCE} at a time at --speed {SETUP_SPEED}, then the pace: {setup_s:.0f} s"],
           ["launches", f"one every {stagger:g} s in this order: "
                        + ", then ".join(f"the --speed {p} rounds" for p in paces) + ", tools rotated per round"],
           ["runs", f"{runs_s:.0f} s from the first launch to the last exit"]],
          ["Runs overlap (a slow run waits out a ~72 s rollout while later ones start): CPU contention can add "
           "latency,", "most to start-up and to the fast pace's sub-second lags; the load average above is "
           "sampled each second while a pace's runs are active."])
