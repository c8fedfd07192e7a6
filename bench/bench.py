#!/usr/bin/env python3
"""bench.py: the benchmarks of `make bench`, started by bench/run (which owns moto_server and the
shared ecship-sim; parts that need simulators of their own start them with benchlib.SimProc).

Measures, against ecship-sim (--upstream moto_server) on loopback: (a) how soon `ecship deploy`
notices COMPLETED and how often it polls, (d) SigV4 and client micro-benchmarks, (e) fan-out:
many services in one deploy (bench/fanout.py), (f) the peers (AWS CLI steps, the deploy action's
SDK waiter, a fabfuel-style poller) at ECS's pace and a fast one (bench/pace.py), (g) failure
cases at ECS's timing (bench/failures.py), (h) start-up and shared libraries (bench/startup.py).
(The old parts b, the runbook's CLI vs ecship, and c, one crashing image, are covered by f and g.)
Prints plain-text tables on stdout, progress on stderr; after a run of every part, writes them
into docs/benchmarks.md between its markers (bench/report.py). A benchmark, not a test: PASS/FAIL
lines compare with issue 4's targets and never change the exit code.
"""
import argparse
import json
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import benchlib
import pace
import report
import startup
from benchlib import (CLUSTER, ROOT, SERVICE, FIGURES, Sim, SimProc, figure, f, log, pctl,
                      stop_all_sims, table)

LAG_TARGET, RATE_TARGET = 1.5, 1.0  # issue 4: seconds after COMPLETED; DescribeServices per second

# ---- running the tools ----------------------------------------------------------------------

class Runner:
    def __init__(self, args):
        self.build = args.build
        self.sim = Sim(args.sim)
        self.work = args.work
        self.cfg = os.path.join(args.work, "bench-svc", "ecship.yml")
        self.errlog = open(os.path.join(args.work, "tools.log"), "a")

    def run(self, argv, timeout=180, stdout_file=None):
        """Runs argv; returns (rc, start, end, stdout text, child CPU seconds)."""
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.errlog.write(f"$ {' '.join(argv)}\n")
        self.errlog.flush()
        t0 = time.time()
        try:
            p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=self.errlog, timeout=timeout,
                               stdin=subprocess.DEVNULL, text=True)
            rc, out = p.returncode, p.stdout
        except subprocess.TimeoutExpired:
            rc, out = -1, ""
        t1 = time.time()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        return rc, t0, t1, out, cpu

    def ecship(self, *args, timeout=180):
        return self.run([os.path.join(self.build, "ecship"), "--config", self.cfg, "--endpoint-url",
                         self.sim.url, "--output", "json", *args], timeout=timeout)

    def aws(self, *args, timeout=180):
        return self.run(["aws", "--endpoint-url", self.sim.url, "--region", "ap-northeast-1",
                         "--output", "json", *args], timeout=timeout)


def jload(text):
    try:
        return json.loads(text)
    except ValueError:
        return {}


def analyse(sim, seq, rseq, t_end, dep_id):
    """Request log and rollout log of one deploy: update time, COMPLETED/FAILED times, polls."""
    reqs = sim.requests(seq)
    rolls = sim.rollouts(rseq)
    upd = next((r["time"] for r in reqs if r["action"] in ("UpdateService", "CreateService")), None)
    state_t = {}
    for r in rolls:
        if r["deploymentId"] == dep_id:
            state_t.setdefault(r["rolloutState"], r["time"])
    ds = [r for r in reqs if r["action"] == "DescribeServices" and upd is not None and r["time"] >= upd
          and r["time"] <= t_end]
    by_action = {}
    for r in reqs:
        if r["time"] <= t_end:
            by_action[r["action"]] = by_action.get(r["action"], 0) + 1
    return {"update": upd, "states": state_t, "describes": ds, "requests": reqs, "rollouts": rolls,
            "by_action": by_action, "total": sum(by_action.values())}


def first_after(rows, t):
    return next((r["time"] for r in rows if r["time"] > t), None)


# ---- setup ------------------------------------------------------------------------------------

def setup(rn):
    d = os.path.dirname(rn.cfg)
    os.makedirs(d, exist_ok=True)
    for n in ("ecship.yml", "task-definition.json", "ecs-service.json"):
        shutil.copy(os.path.join(ROOT, "bench", "fixture", n), d)
    rn.sim.ecs("CreateCluster", {"clusterName": CLUSTER})
    rc, t0, t1, out, _ = rn.ecship("deploy", "--tag", "r0")
    if rc != 0:
        raise SystemExit(f"bench: the first deploy (creating the service) failed with exit {rc}; "
                         f"see {rn.errlog.name}")
    log(f"service created and rolled out in {t1 - t0:.1f} s")


# ---- (a) completion detection -----------------------------------------------------------------

def bench_detection(rn, n, speed, first):
    """n deploys at the given sim speed; prints the per-deploy table, returns the summary rows."""
    rn.sim.post("/clock", {"speed": float(speed)})
    rows, lags_seen, lags_exit, rates, all_ds, all_wait = [], [], [], [], 0, 0.0
    for i in range(first, first + n):
        seq, rseq = rn.sim.marks()
        rc, t0, t1, out, cpu = rn.ecship("deploy", "--tag", f"a{i}")
        res = jload(out)
        a = analyse(rn.sim, seq, rseq, t1, res.get("deployment_id", ""))
        tc = a["states"].get("COMPLETED")
        seen = first_after(a["describes"], tc) if tc else None
        before = [r["time"] for r in a["describes"] if tc and r["time"] <= tc]
        interval = seen - before[-1] if seen and before else None
        lag_seen = seen - tc if seen and tc else None
        lag_exit = t1 - tc if tc else None
        wait = t1 - a["update"] if a["update"] else None
        rate = len(a["describes"]) / wait if wait else None
        rollout = tc - a["update"] if tc and a["update"] else None
        if lag_seen is not None:
            lags_seen.append(lag_seen)
            lags_exit.append(lag_exit)
        if rate is not None:
            rates.append(rate)
            all_ds += len(a["describes"])
            all_wait += wait
        rows.append([i, rc, f(rollout), f(lag_seen), f(interval), f(lag_exit), len(a["describes"]), f(wait),
                     f(rate), a["total"], f"{cpu * 1000:.0f}"])
        log(f"(a) --speed {speed} deploy {i - first + 1}/{n}: exit {rc}, rollout {f(rollout)} s, "
            f"noticed after {f(lag_seen)} s")
    table(f"(a) completion detection: {n} deploys of a 2-task service (ecship-sim --speed {speed}, "
          "ECS-like rate limits on)",
          ["#", "exit", "rollout s", "seen lag s", "interval s", "exit lag s", "DescribeServices",
           "waiting s", "polls/s", "requests", "CPU ms"], rows,
          ["rollout = UpdateService to the sim's COMPLETED; seen lag = COMPLETED to the first "
           "DescribeServices after it;", "interval = the poll interval that straddled COMPLETED; "
           "exit lag = COMPLETED to ecship's exit;", "polls/s = DescribeServices per second from "
           "UpdateService to exit; requests = all requests of the deploy, CPU = ecship's user+sys"])
    mean_rate = all_ds / all_wait if all_wait else float("nan")
    ok_lag = bool(lags_exit) and max(lags_exit) <= LAG_TARGET and len(lags_exit) == n
    ok_rate = mean_rate <= RATE_TARGET
    mx = lambda xs: max(xs) if xs else None
    return [[f"--speed {speed}", n, "seen lag s", f(pctl(lags_seen, 50)), f(pctl(lags_seen, 90)), f(mx(lags_seen)),
             "-", "-"],
            [f"--speed {speed}", n, "exit lag s", f(pctl(lags_exit, 50)), f(pctl(lags_exit, 90)), f(mx(lags_exit)),
             f"max <= {LAG_TARGET}", "PASS" if ok_lag else "FAIL"],
            [f"--speed {speed}", n, "DescribeServices/s", f(pctl(rates, 50)), f(pctl(rates, 90)), f(mx(rates)),
             f"mean <= {RATE_TARGET:.1f}", ("PASS" if ok_rate else "FAIL") + f" (mean {mean_rate:.2f})"]]


def bench_detection_all(rn, args):
    summary = bench_detection(rn, args.deploys, args.speed, 1)
    if args.slow_deploys:
        summary += bench_detection(rn, args.slow_deploys, args.slow_speed, args.deploys + 1)
        rn.sim.post("/clock", {"speed": float(args.speed)})
    table("(a) summary against issue 4's targets",
          ["series", "deploys", "metric", "p50", "p90", "max", "target", "verdict"], summary,
          [f"--speed {args.speed}: a rolling update takes ~4 s of wall time, so every poll sees a change "
           "and ecship polls every second;",
           f"--speed {args.slow_speed}: the same rollout over ~15 s, closer to ECS's pace (~75 s "
           "simulated), where unchanged answers back the polls off."])


# ---- (g) fail-fast against the circuit breaker, at ECS's timing -------------------------------

FF_RULES = [("missing tag", "ffpull", "pull-error"), ("crash loop", "ffcrash", "exit:3"),
            ("failing health check", "ffsick", "unhealthy:503")]


def first_failed_task(sim, dep):
    """When ECS stopped (stoppingAt, else stoppedAt; sim time) the first failed task of deployment dep.
    A task behind a target group drains for the deregistration delay between the two."""
    arns = sim.ecs("ListTasks", {"cluster": CLUSTER, "serviceName": SERVICE, "desiredStatus": "STOPPED"})
    arns = arns.get("taskArns", [])
    if not arns:
        return None
    tasks = sim.ecs("DescribeTasks", {"cluster": CLUSTER, "tasks": arns[:100]}).get("tasks", [])
    ts = [t.get("stoppingAt") or t.get("stoppedAt") for t in tasks if t.get("startedBy") == dep
          and not (t.get("stoppedReason") or "").startswith("Scaling activity")]
    ts = [t for t in ts if t]
    return min(ts) if ts else None


def bench_failfast(args):
    """(g): a doomed deployment at desired count 1 on a second ecship-sim at --timing ecs."""
    speed = float(args.ecs_speed)
    rn = Runner(args)
    rn.sim = Sim(args.sim_ecs)
    rn.cfg = os.path.join(args.work, "ff-svc", "ecship.yml")
    d = os.path.dirname(rn.cfg)
    os.makedirs(d, exist_ok=True)
    for n in ("ecship.yml", "task-definition.json", "ecs-service.json"):
        shutil.copy(os.path.join(ROOT, "bench", "fixture", n), d)
    svc = json.load(open(os.path.join(d, "ecs-service.json")))
    svc["desiredCount"] = 1  # the case: the breaker's minimum threshold, 3 failed tasks
    json.dump(svc, open(os.path.join(d, "ecs-service.json"), "w"))
    rn.sim.ecs("CreateCluster", {"clusterName": CLUSTER})
    rc, t0, t1, _, _ = rn.ecship("deploy", "--tag", "r0", "--timeout", "60m", timeout=900)
    log(f"(g) service created at ECS timing (--speed {args.ecs_speed}) in {t1 - t0:.0f} s, exit {rc}")
    rn.sim.post("/rules", {"rules": [{"match": ":" + tag, "behavior": b} for _, tag, b in FF_RULES]})
    rows = []
    for kind, tag, behaviour in FF_RULES:
        for mode in ("fail-fast", "breaker"):
            seq, rseq = rn.sim.marks()
            extra = ["--no-fail-fast"] if mode == "breaker" else []
            rc, t0, t1, out, _ = rn.ecship("deploy", "--tag", f"{tag}-{mode}", "--timeout", "60m", *extra,
                                           timeout=900)
            clock = rn.sim.get("/clock")
            to_sim = lambda w: clock["now"] - (clock["wall"] - w) * speed
            res = jload(out)
            dep = res.get("deployment_id", "")
            first = first_failed_task(rn.sim, dep)
            failed = next((r["simTime"] for r in rn.sim.rollouts(rseq)
                           if r["deploymentId"] == dep and r["rolloutState"] == "FAILED"), None)
            # fail-fast's rollback: StopServiceDeployment ROLLBACK (ECS rolls the deployment in
            # progress back), else a second UpdateService (to the previous revision)
            reqs_seen = rn.sim.requests(seq)
            ups = [r for r in reqs_seen if r["action"] == "UpdateService"]
            stops = [r for r in reqs_seen if r["action"] == "StopServiceDeployment"]
            first_rb = stops[0] if stops else (ups[1] if len(ups) > 1 else None)
            rollback = to_sim(first_rb["time"]) if mode == "fail-fast" and first_rb else None
            decided = rollback if mode == "fail-fast" else failed
            rel = lambda t: f(t - first, 0) if t is not None and first is not None else "-"
            reqs = res.get("fail_fast_requests", "-") if mode == "fail-fast" else "-"
            rows.append([kind, mode, rc, res.get("fail_fast") or ("breaker" if failed else "?"),
                         rel(decided), rel(to_sim(t1)), reqs])
            log(f"(g) {kind}, {mode}: exit {rc}, decided {rel(decided)} s and exited {rel(to_sim(t1))} s "
                f"after the first failed task (simulated)")
    rn.sim.post("/rules", {"rules": []})
    table(f"(g) fail-fast vs the circuit breaker: desired count 1, ecship-sim --timing ecs --speed {args.ecs_speed} "
          f"(simulated seconds from ECS's stoppingAt of the first failed task)",
          ["failure", "run", "exit", "decided by", "decided at s", "exited at s", "fail-fast requests"], rows,
          ["decided: fail-fast's rollback request, StopServiceDeployment or UpdateService (fail-fast runs), the "
           "deployment's FAILED (breaker runs, --no-fail-fast).",
           f"ecship polls on the wall clock (1-5 s), which the sim's speed turns into {speed:.0f}-{5 * speed:.0f} "
           "simulated s: fail-fast's times include that lag, the breaker's FAILED does not.",
           "exited: after the rollback settled (fail-fast: ECS rolls the deployment in progress back on "
           "StopServiceDeployment ROLLBACK, keeping the previous deployment's tasks; breaker: ECS re-activates "
           "the previous deployment)."])
    return rows


# ---- (d) micro-benchmarks ---------------------------------------------------------------------

CLIENT_CALLS = 100


def client_row(label, limits, d, cpu):
    return [label, limits, d["calls"], f(d["seconds"]), f"{d['per_second']:.0f}", f"{d['p50_us'] / 1000:.2f}",
            f"{d['p99_us'] / 1000:.2f}", d.get("connects", "-"), d["attempts"], d["throttled"],
            f"{cpu * 1000:.0f}"]


def client_figures(tool, d, cpu):
    case = "DescribeServices in one process, rate limits off"
    figure("d", case, "calls/s", tool, d["per_second"], False)
    figure("d", case, "p50 ms", tool, d["p50_us"] / 1000, True)
    figure("d", case, "CPU ms per 1,000 calls", tool, cpu * 1000 / d["calls"] * 1000, True)


def bench_micro(rn, args):
    rows = []
    rc, _, _, out, _ = rn.run([os.path.join(rn.build, "bench", "sigv4_bench"), "20000"])
    for line in out.splitlines():
        d = jload(line)
        if d:
            rows.append([d["case"], d["count"], f"{d['per_second']:.0f}", f"{d['ns_each'] / 1000:.1f}"])
    ir = callgrind_sigv4(rn)
    table("(d) SigV4 signing: ship_sigv4_sign, fresh headers per request (one core)",
          ["request", "signatures", "per second", "µs each"], rows,
          [f"callgrind: {ir} instructions per ship_sigv4_sign call (mean over the three cases)" if ir else
           "callgrind: not measured (valgrind not installed)"])

    rows = []
    client = os.path.join(rn.build, "bench", "client_bench")
    rn.sim.post("/config", {"rate_limits": False})
    try:
        # ecship's client keeps to ECS's DescribeServices rate itself (a bucket of 100, then 20 a
        # second, lib/aws/aws.c): calls within the burst measure the client, not the bucket
        rc, _, _, out, cpu = rn.run([client, rn.sim.url, str(CLIENT_CALLS), CLUSTER, SERVICE])
        d = jload(out)
        if d:
            rows.append(client_row("ecship client (C, libcurl keep-alive)", "off", d, cpu))
            client_figures("ecship", d, cpu)
        d = botocore_bench(rn.sim.url, CLIENT_CALLS)
        if d:
            rows.append(client_row("botocore (Python, one client)", "off", d, d["cpu"]))
            client_figures("botocore", d, d["cpu"])
    finally:
        rn.sim.post("/config", {"rate_limits": True})
    # last: it empties the sim's DescribeServices bucket
    rc, _, _, out, cpu = rn.run([client, rn.sim.url, "200", CLUSTER, SERVICE])
    d = jload(out)
    if d:
        rows.append(client_row("ecship client (C, libcurl keep-alive)", "on", d, cpu))
    table("(d) client throughput: DescribeServices of the benchmark service, one process, loopback",
          ["client", "rate limits", "calls", "seconds", "calls/s", "p50 ms", "p99 ms", "connections",
           "attempts", "throttled", "CPU ms"], rows,
          [f"rate limits off: {CLIENT_CALLS} calls, within the DescribeServices burst of ecship's own client-side "
           "bucket (100, then 20/s, as ECS's);",
           "rate limits on = the sim's DescribeServices bucket (burst 100, 20/s) too: 200 calls, the last 100 at "
           "the refill rate; every throttled attempt is retried with backoff, none fails."])


def callgrind_sigv4(rn):
    if not shutil.which("valgrind"):
        return None
    outf = os.path.join(rn.work, "callgrind.out")
    count = 200
    rc, _, _, _, _ = rn.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={outf}",
                             "--toggle-collect=ship_sigv4_sign", os.path.join(rn.build, "bench", "sigv4_bench"),
                             str(count)], timeout=120)
    if rc != 0 or not os.path.exists(outf):
        return None
    with open(outf) as fh:
        for line in fh:
            if line.startswith("totals:") or line.startswith("summary:"):
                ir = int(line.split()[1])
                calls = 3 * (count + count // 20 + 1)
                return f"{ir // calls:,}"
    return None


def botocore_bench(url, n):
    try:
        import botocore.session
        from botocore.config import Config
    except ImportError:
        return None
    s = botocore.session.get_session()
    c = s.create_client("ecs", region_name="ap-northeast-1", endpoint_url=url,
                        config=Config(retries={"mode": "standard"}))
    c.describe_services(cluster=CLUSTER, services=[SERVICE])  # warm-up: loads the model
    lat = []
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        c.describe_services(cluster=CLUSTER, services=[SERVICE])
        lat.append(time.perf_counter() - t)
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    return {"calls": n, "attempts": n, "throttled": 0, "seconds": dt, "per_second": n / dt,
            "p50_us": pctl(lat, 50) * 1e6,
            "p99_us": pctl(lat, 99) * 1e6,
            "cpu": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)}


# ---- (e) fan-out: many services in one deploy --------------------------------------------------

# The sim's ECS-like buckets (sim/faults.c, docs/sim.md): (burst, refill per second)
SIM_BUCKETS = {"RegisterTaskDefinition": (20, 1), "UpdateService": (50, 5), "CreateService": (50, 5),
               "TagResource": (50, 20)}


def fan_project(rn, name, n, shared):
    """A project of n services (one task each) in cluster `name`: one family for all, or one each."""
    d = os.path.join(rn.work, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(ROOT, "bench", "fixture", "task-definition.json")) as fh:
        td = json.load(fh)
    with open(os.path.join(ROOT, "bench", "fixture", "ecs-service.json")) as fh:
        sd = json.load(fh)
    sd.pop("loadBalancers", None)
    sd.pop("healthCheckGracePeriodSeconds", None)
    sd.pop("serviceName", None)
    sd.pop("taskDefinition", None)
    sd["desiredCount"] = 1
    with open(os.path.join(d, "svc.json"), "w") as fh:
        json.dump(sd, fh)
    lines = ["region: ap-northeast-1", f"cluster: {name}", "timeout: 10m", "services:"]
    for i in range(n):
        fam = f"{name}-web" if shared else f"{name}-f{i:03d}"
        t = dict(td, family=fam)
        with open(os.path.join(d, f"td-{fam}.json"), "w") as fh:
            json.dump(t, fh)
        lines += [f"  - name: s{i:03d}", "    service_definition: svc.json",
                  f"    task_definition: td-{fam}.json"]
    cfg = os.path.join(d, "ecship.yml")
    with open(cfg, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    rn.sim.ecs("CreateCluster", {"clusterName": name})
    return cfg


def fan_check(rn, name, n, shared, tag, revs):
    """Every service's only deployment is COMPLETED on its family's revision `revs` (the image with
    tag); each family has exactly `revs` revisions. Returns a list of problems."""
    bad = []
    names = [f"s{i:03d}" for i in range(n)]
    for k in range(0, n, 10):
        for s in rn.sim.ecs("DescribeServices", {"cluster": name, "services": names[k:k + 10]})["services"]:
            deps = s["deployments"]
            if len(deps) != 1 or deps[0]["rolloutState"] != "COMPLETED" or \
                    not s["taskDefinition"].endswith(f":{revs}"):
                bad.append(s["serviceName"])
    fams = [f"{name}-web"] if shared else [f"{name}-f{i:03d}" for i in range(n)]
    for fam in fams:
        arns = rn.sim.ecs("ListTaskDefinitions", {"familyPrefix": fam})["taskDefinitionArns"]
        if len(arns) != revs:
            bad.append(f"{fam}: {len(arns)} revisions")
    return bad


def fan_floor(n, distinct, one):
    """The floor the sim's buckets set for one deploy of n services (distinct registrations), plus
    one service's own deploy time: the slowest bucket's (calls - burst) / rate."""
    calls = {"RegisterTaskDefinition": distinct, "UpdateService": n, "TagResource": n}
    return one + max(max(0, c - SIM_BUCKETS[a][0]) / SIM_BUCKETS[a][1] for a, c in calls.items())


def bench_fanout(rn, sizes):
    rows, one = [], None
    cases = [(n, True) for n in sizes] + [(n, False) for n in sizes if 1 < n <= 50]
    for n, shared in cases:
        name = f"fan-{n}-{'shared' if shared else 'distinct'}"
        cfg = fan_project(rn, name, n, shared)
        exe = [os.path.join(rn.build, "ecship"), "--config", cfg, "--endpoint-url", rn.sim.url]
        # the creating deploy runs without the sim's limits, so that the measured one starts with
        # ECS's buckets full, as a deploy after a quiet spell does
        rn.sim.post("/faults", {"faults": [], "rate_limits": False})
        rc0, _, _, _, _ = rn.run(exe + ["deploy", "--tag", "f1"], timeout=900)
        rn.sim.post("/faults", {"faults": [], "rate_limits": True})
        seq, _ = rn.sim.marks()
        rc, t0, t1, _, cpu = rn.run(exe + ["deploy", "--tag", "f2"], timeout=900)
        reqs = rn.sim.requests(seq)
        reqs = [r for r in reqs if r["time"] <= t1]
        throttled = sum(1 for r in reqs if r.get("fault") == "throttle")
        regs = sum(1 for r in reqs if r["action"] == "RegisterTaskDefinition" and r.get("fault") != "throttle")
        bad = fan_check(rn, name, n, shared, "f2", 2)
        wall = t1 - t0
        if n == 1 and shared:
            one = wall
        distinct = 1 if shared else n
        floor = fan_floor(n, distinct, one or wall)
        rows.append([n, "one" if shared else "each its own", f"{rc0}/{rc}", f(wall, 1), f(floor, 1),
                     f"{100 * (wall / floor - 1):+.0f} %", regs, throttled, len(reqs),
                     f"{cpu * 1000:.0f}", "ok" if not bad else f"{len(bad)} wrong: {bad[:3]}"])
        log(f"(e) {n} services, {'shared' if shared else 'distinct'} family: {wall:.1f} s (floor {floor:.1f} s), exit {rc}")
    table("(e) fan-out: N services (1 task each) in one `ecship deploy`, the sim's default rate limits on",
          ["services", "family", "exit", "wall s", "floor s", "vs floor", "registrations", "throttled",
           "requests", "CPU ms", "check"], rows,
          ["floor = one service's deploy (the first row) + the slowest of the sim's buckets: "
           "RegisterTaskDefinition 20 then 1/s,",
           "UpdateService 50 then 5/s, TagResource (other actions) 50 then 20/s, each (calls - burst) / rate;",
           "exit = the creating deploy / the measured one; check = every service's only deployment "
           "COMPLETED on revision 2, each family with exactly 2 revisions."])


def on_signal(signum, frame):
    # an exception, so that subprocess.run kills the tool it is running before we go
    raise KeyboardInterrupt(f"signal {signum}")


PARTS = "a,d,e,f,g,h"


def part_e(ctx, rn):
    try:
        import fanout
    except ModuleNotFoundError as e:
        if e.name != "fanout":
            raise
        print("\n(e) not available: bench/fanout.py missing; this branch's own fan-out part runs instead")
        bench_fanout(rn, ctx.fanout)
        return
    fanout.run(ctx)


def part_g(ctx, args):
    try:
        import failures
    except ModuleNotFoundError as e:
        if e.name != "failures":
            raise
        # at twice the speed part g had, to keep within make bench's 15 minutes
        args.ecs_speed = "20"
        print("\n(g) not available: bench/failures.py missing; this branch's own fail-fast part runs instead, "
              f"at --timing ecs --speed {args.ecs_speed}")
        sim = SimProc(ctx.build, ctx.moto, ctx.work, timing="ecs", speed=args.ecs_speed, name="sim-ecs")
        args.sim_ecs = sim.url
        try:
            bench_failfast(args)
        finally:
            sim.stop()
        return
    failures.run(ctx)


def main():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--moto", required=True)
    ap.add_argument("--speed", default="20")
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", default=PARTS)
    ap.add_argument("--peer-runs", type=int, default=5, help="runs of each tool per figure (parts e, f, g)")
    ap.add_argument("--paces", default="1,20", help="the sim speeds of part f")
    ap.add_argument("--fanout", default="1,10,50,200", help="service counts of part e")
    ap.add_argument("--deploys", type=int, default=6)
    ap.add_argument("--slow-deploys", type=int, default=3)
    ap.add_argument("--slow-speed", default="5")
    ap.add_argument("--ecs-speed", default="10")
    ap.add_argument("--report", default=os.path.join(ROOT, "docs", "benchmarks.md"),
                    help="the report to write after a run of every part")
    ap.add_argument("--no-report", action="store_true", help="print only")
    args = ap.parse_args()
    for u in (args.sim, args.moto):
        if not u.startswith("http://127.0.0.1:"):
            raise SystemExit(f"bench: refusing '{u}': only loopback endpoints")
    only = set(args.only.split(","))
    unknown = only - set(PARTS.split(","))
    if unknown:
        raise SystemExit(f"bench: no part '{','.join(sorted(unknown))}'; the parts are {PARTS}")
    t_start, load_start = time.time(), os.getloadavg()[0]
    tee = report.Tee(sys.stdout)
    sys.stdout = tee
    print(f"ecship benchmarks: {report.machine()}, git {report.revision()}, load average {load_start:.2f}")
    sys.stdout.flush()
    rn = Runner(args)
    took = []
    t = time.time()
    setup(rn)
    took.append(["start-up: the shared sim's service", time.time() - t])
    action_js, why = None, "part f not run"
    if only & {"e", "f", "g"}:
        t = time.time()
        action_js, why = benchlib.install_node_peer(args.build)
        took.append(["npm install of the Node peer" + ("" if action_js else f" ({why})"), time.time() - t])
    ctx = benchlib.Ctx(build=args.build, work=args.work, moto=args.moto, errlog=rn.errlog, runs=args.peer_runs,
                       fanout=[int(x) for x in args.fanout.split(",")], action_js=action_js, action_why=why)
    parts = [("h", "start-up and shared libraries", lambda: startup.run(ctx, rn.sim.url, rn.cfg)),
             ("a", "completion detection", lambda: bench_detection_all(rn, args)),
             ("d", "micro-benchmarks", lambda: bench_micro(rn, args)),
             ("f", "the peers at two paces", lambda: pace.run(ctx, [int(x) for x in args.paces.split(",")])),
             ("e", "fan-out", lambda: part_e(ctx, rn)),
             ("g", "failure cases", lambda: part_g(ctx, args))]
    for letter, name, fn in parts:
        if letter in only:
            t = time.time()
            fn()
            took.append([f"({letter}) {name}", time.time() - t])
    stop_all_sims()
    total = time.time() - t_start
    table("time taken", ["what", "s"], [[w, f"{s:.0f}"] for w, s in took] + [["all", f"{total:.0f}"]],
          ["the build before it (make) is not included."])
    saved = os.path.join(args.work, "report.json")
    meta = report.meta_now(args.build, t_start, load_start)
    with open(saved, "w") as fh:
        json.dump({"meta": meta, "figures": FIGURES}, fh)
    with open(os.path.join(args.work, "output.txt"), "w") as fh:
        fh.write(tee.getvalue())
    sys.stdout = tee.out
    if args.no_report:
        return
    if only != set(PARTS.split(",")):
        log(f"{args.report} left as it is: only parts {args.only} ran (the report needs all of {PARTS})")
        return
    try:
        report.write(args.report, report.render(meta, tee.getvalue(), FIGURES))
    except (OSError, ValueError) as e:
        raise SystemExit(f"bench: cannot write the report '{args.report}': {e}")
    log(f"wrote {os.path.relpath(args.report, ROOT)}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
