#!/usr/bin/env python3
"""bench.py: the benchmarks of `make bench`, started by bench/run (which owns the servers).

Measures, against ecship-sim (--upstream moto_server) on loopback: (a) how soon `ecship deploy`
notices COMPLETED and how often it polls, (b) the runbook's AWS CLI steps vs `ecship deploy`,
(c) failure detection and the waiter's false success, (d) SigV4 and client micro-benchmarks,
(e) fan-out: ecship in one process against the peers run in parallel (bench/fanout.py), (f) the
peers (AWS CLI steps, the deploy action's SDK waiter, a fabfuel-style poller), (g) the failure
cases at ECS's timing for every tool (bench/failures.py).
Prints plain-text tables on stdout, progress on stderr. A benchmark, not a test: PASS/FAIL lines
compare with issue 4's targets and never change the exit code. Never starts servers itself.
"""
import argparse
import json
import math
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

import benchlib
from benchlib import (CLUSTER, FAMILY, ROOT, SERVICE, FIGURES, Sim, SimProc, figure, f, log, pctl,
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


# ---- (b) the runbook's AWS CLI steps vs ecship deploy -------------------------------------------

def render_td(rn, tag, path):
    rc, _, _, out, _ = rn.ecship("render", "--tag", tag)
    if rc != 0:
        raise SystemExit(f"bench: ecship render failed with exit {rc}; see {rn.errlog.name}")
    with open(path, "w") as fh:
        fh.write(out)


def cli_deploy(rn, tag):
    """Runbook section 5, steps 3-4, then the waiter (the CI workflow's wait-for-service-stability)."""
    td = os.path.join(rn.work, f"td-{tag}.json")
    render_td(rn, tag, td)  # the runbook edits this file by hand: not timed
    seq, rseq = rn.sim.marks()
    steps, cpu = [], 0.0
    rc1, t0, t1, _, c1 = rn.aws("ecs", "register-task-definition", "--cli-input-json", "file://" + td)
    rc2, _, t2, out2, c2 = rn.aws("ecs", "update-service", "--cluster", CLUSTER, "--service", SERVICE,
                                  "--task-definition", FAMILY, "--force-new-deployment")
    dep = next((d["id"] for d in jload(out2).get("service", {}).get("deployments", [])
                if d["status"] == "PRIMARY"), "")
    rc3, _, t3, _, c3 = rn.aws("ecs", "wait", "services-stable", "--cluster", CLUSTER, "--services", SERVICE,
                               timeout=300)
    a = analyse(rn.sim, seq, rseq, t3, dep)
    return {"rc": (rc1, rc2, rc3), "start": t0, "end": t3, "steps": (t1 - t0, t2 - t1, t3 - t2),
            "cpu": c1 + c2 + c3, "a": a, "processes": 3}


def ecship_deploy(rn, tag):
    seq, rseq = rn.sim.marks()
    rc, t0, t1, out, cpu = rn.ecship("deploy", "--tag", tag)
    res = jload(out)
    a = analyse(rn.sim, seq, rseq, t1, res.get("deployment_id", ""))
    return {"rc": (rc,), "start": t0, "end": t1, "cpu": cpu, "a": a, "processes": 1, "res": res}


def bench_cli(rn, runs):
    results = {"aws cli": [], "ecship": []}
    for i in range(1, runs + 1):
        r = cli_deploy(rn, f"b{i}")
        results["aws cli"].append(r)
        log(f"(b) AWS CLI run {i}/{runs}: exits {r['rc']}, {r['end'] - r['start']:.1f} s")
        r = ecship_deploy(rn, f"c{i}")
        results["ecship"].append(r)
        log(f"(b) ecship run {i}/{runs}: exit {r['rc'][0]}, {r['end'] - r['start']:.1f} s")
    rows = []
    for tool, rs in results.items():
        for k, r in enumerate(rs, 1):
            a = r["a"]
            tc = a["states"].get("COMPLETED")
            rows.append([tool, k, "/".join(str(x) for x in r["rc"]),
                         f(r["end"] - r["start"]), f(tc - r["start"] if tc else None),
                         f(r["end"] - tc if tc else None), a["by_action"].get("DescribeServices", 0),
                         a["total"], r["processes"], f"{r['cpu'] * 1000:.0f}"])
    table(f"(b) runbook AWS CLI steps vs ecship deploy, same service, same sim ({runs} runs each, alternating)",
          ["tool", "run", "exit", "wall s", "COMPLETED at s", "lag s", "DescribeServices", "requests",
           "processes", "CPU ms"], rows,
          ["aws cli = register-task-definition + update-service --force-new-deployment + "
           "`aws ecs wait services-stable` (polls every 15 s);",
           "wall s = start of the first command to the end of the last; COMPLETED at = the sim's "
           "COMPLETED for that deployment;",
           "lag = COMPLETED to the tool's return. The task definition file is rendered beforehand "
           "for the CLI (not timed)."])
    summ = []
    for tool, rs in results.items():
        walls = [r["end"] - r["start"] for r in rs]
        lags = [r["end"] - r["a"]["states"]["COMPLETED"] for r in rs if "COMPLETED" in r["a"]["states"]]
        steps = [r.get("steps") for r in rs if r.get("steps")]
        summ.append([tool, f(statistics.median(walls)), f(statistics.median(lags) if lags else None),
                     f(statistics.median([s[0] + s[1] for s in steps])) if steps else "-",
                     f(statistics.median([r["cpu"] for r in rs]) * 1000, 0)])
    table("(b) medians", ["tool", "wall s", "lag after COMPLETED s", "register+update s", "CPU ms"], summ,
          ["The AWS GitHub Action amazon-ecs-deploy-task-definition with wait-for-service-stability: true "
           "uses the", "JavaScript SDK v3 waiter waitUntilServicesStable: the same 'stable' test, but its "
           "delays start at 15 s and grow", "(exponential with jitter) up to 120 s, so its lag after "
           "COMPLETED is at least the 'aws cli' lag above and", "up to 120 s on long rollouts. "
           "fabfuel/ecs-deploy polls every 1 s (not measured here)."])
    return results


# ---- (c) failure detection and the waiter's false success ---------------------------------------

def bench_failure(rn):
    rn.sim.post("/rules", {"rules": [{"match": ":bad", "behavior": "exit:1"}]})
    rows = []
    before = rn.sim.running_revision()
    # ecship
    seq, rseq = rn.sim.marks()
    rc, t0, t1, out, cpu = rn.ecship("deploy", "--tag", "bad-ecship")
    res = jload(out)
    a = analyse(rn.sim, seq, rseq, t1, res.get("deployment_id", ""))
    after = rn.sim.running_revision()
    rows.append(failure_row("ecship deploy", rc, t0, t1, a, before, res.get("revision"), after,
                            "failure, rolled back" if rc == 1 else "?"))
    log(f"(c) ecship: exit {rc}, service on revision {after} (was {before})")
    # AWS CLI
    before = after
    td = os.path.join(rn.work, "td-bad-cli.json")
    render_td(rn, "bad-cli", td)
    seq, rseq = rn.sim.marks()
    rc1, t0, _, out1, _ = rn.aws("ecs", "register-task-definition", "--cli-input-json", "file://" + td)
    registered = jload(out1).get("taskDefinition", {}).get("revision")
    rc2, _, _, out2, _ = rn.aws("ecs", "update-service", "--cluster", CLUSTER, "--service", SERVICE,
                                "--task-definition", FAMILY)
    dep = next((d["id"] for d in jload(out2).get("service", {}).get("deployments", [])
                if d["status"] == "PRIMARY"), "")
    rc3, _, t1, _, _ = rn.aws("ecs", "wait", "services-stable", "--cluster", CLUSTER, "--services", SERVICE,
                              timeout=300)
    a = analyse(rn.sim, seq, rseq, t1, dep)
    after = rn.sim.running_revision()
    verdict = ("FALSE SUCCESS" if rc3 == 0 and after != registered else
               "success" if rc3 == 0 else f"exit {rc3}")
    rows.append(failure_row("aws ecs wait services-stable", rc3, t0, t1, a, before, registered, after, verdict))
    log(f"(c) AWS CLI waiter: exit {rc3}, service on revision {after}, registered {registered}")
    rn.sim.post("/rules", {"rules": []})
    table("(c) failing image (sim behaviour exit:1, circuit breaker with rollback)",
          ["tool", "exit", "FAILED at s", "rolled back at s", "returned at s", "after FAILED s",
           "after rollback s", "revisions before/new/after", "reported"], rows,
          ["times from the tool's start: the sim's FAILED of the new deployment, the COMPLETED of the "
           "breaker's rollback deployment, the tool's return.",
           "The waiter exits 0 once the rollback is stable: the service runs the old revision, not the "
           "one just registered."])
    return rows


def failure_row(tool, rc, t0, t1, a, before, new, after, verdict):
    tf = a["states"].get("FAILED")
    trb = None
    if tf:
        rb = [r for r in a["rollouts"] if r["time"] >= tf and r["rolloutState"] == "COMPLETED"]
        trb = rb[0]["time"] if rb else None
    rel = lambda t: f(t - t0) if t else "-"
    return [tool, rc, rel(tf), rel(trb), f(t1 - t0), f(t1 - tf) if tf else "-", f(t1 - trb) if trb else "-",
            f"{before}/{new}/{after}", verdict]


# ---- (d) micro-benchmarks ---------------------------------------------------------------------

def client_row(label, limits, d, cpu):
    return [label, limits, d["calls"], f(d["seconds"]), f"{d['per_second']:.0f}", f"{d['p50_us'] / 1000:.2f}",
            f"{d['p99_us'] / 1000:.2f}", d.get("connects", "-"), d["attempts"], d["throttled"],
            f"{cpu * 1000:.0f}"]


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

    # one process per call, as a shell script or CI step does it
    rows = []
    n = 10
    for name, argv in (("ecship status", [os.path.join(rn.build, "ecship"), "--config", rn.cfg,
                                          "--endpoint-url", rn.sim.url, "status"]),
                       ("aws ecs describe-services", ["aws", "--endpoint-url", rn.sim.url, "--region",
                                                      "ap-northeast-1", "ecs", "describe-services",
                                                      "--cluster", CLUSTER, "--services", SERVICE])):
        times, cpus, rcs = [], [], set()
        for _ in range(n):
            rc, t0, t1, _, cpu = rn.run(argv)
            times.append(t1 - t0)
            cpus.append(cpu)
            rcs.add(rc)
        rows.append([name, n, ",".join(str(r) for r in sorted(rcs)), f(statistics.median(times), 3),
                     f(max(times), 3), f(statistics.median(cpus) * 1000, 0)])
    table("(d) one process per call (start-up included)",
          ["command", "runs", "exit", "median s", "max s", "median CPU ms"], rows)

    rows = []
    client = os.path.join(rn.build, "bench", "client_bench")
    rn.sim.post("/config", {"rate_limits": False})
    try:
        rc, _, _, out, cpu = rn.run([client, rn.sim.url, "2000", CLUSTER, SERVICE])
        d = jload(out)
        if d:
            rows.append(client_row("ecship client (C, libcurl keep-alive)", "off", d, cpu))
        d = botocore_bench(rn.sim.url, 2000)
        if d:
            rows.append(client_row("botocore (Python, one client)", "off", d, d["cpu"]))
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
          ["rate limits on = the sim's DescribeServices bucket (burst 100, 20/s): every throttled "
           "attempt is retried with backoff, none fails."])


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


# ---- (f) the peers at the sim's fast pace --------------------------------------------------------

def install_node_peer(rn):
    return benchlib.install_node_peer(rn.build)


def run_measured(rn, argv, timeout=600):
    return benchlib.run_measured(rn.errlog, rn.work, argv, timeout)


def peer_steps(rn, tool, tag, action_js):
    """One deploy of the bench service by `tool`; a list of process runs (untimed preparation apart)."""
    img = f"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/bench-web:{tag}"
    if tool == "ecship":
        return [[os.path.join(rn.build, "ecship"), "--config", rn.cfg, "--endpoint-url", rn.sim.url,
                 "deploy", "--tag", tag]]
    if tool == "fabfuel-style":
        return [[sys.executable, os.path.join(ROOT, "bench", "peers", "fabfuel_style.py"), CLUSTER, SERVICE,
                 "web", img]]
    td = os.path.join(rn.work, f"td-{tag}.json")
    render_td(rn, tag, td)  # both peers take a finished file: not timed
    if tool == "deploy action":
        return [["node", action_js, td, CLUSTER, SERVICE, "30"]]
    aws = ["aws", "--endpoint-url", rn.sim.url, "--region", "ap-northeast-1", "--output", "json", "ecs"]
    return [aws + ["register-task-definition", "--cli-input-json", "file://" + td],
            aws + ["update-service", "--cluster", CLUSTER, "--service", SERVICE, "--task-definition", FAMILY],
            aws + ["wait", "services-stable", "--cluster", CLUSTER, "--services", SERVICE]]


def bench_peers(rn, runs):
    action_js, why = install_node_peer(rn)
    tools = ["ecship", "aws cli", "deploy action", "fabfuel-style"]
    if not action_js:
        tools.remove("deploy action")
        log(f"(f) the Node peer is skipped: {why}")
    res = {t: [] for t in tools}
    loads = []
    for k in range(runs):
        order = tools[k % len(tools):] + tools[:k % len(tools)]  # A B C D, B C D A, ...
        for tool in order:
            tag = f"p{k}{tools.index(tool)}"
            steps = peer_steps(rn, tool, tag, action_js)
            seq, rseq = rn.sim.marks()
            rcs, cpu, rss, t_start = [], 0.0, 0, None
            for argv in steps:
                rc, t0, t1, c, m = run_measured(rn, argv)
                t_start = t_start or t0
                rcs.append(rc)
                cpu += c
                rss = max(rss, m) if m is not None and rss is not None else None
            reqs = [r for r in rn.sim.requests(seq) if r["time"] <= t1]
            rolls = [r for r in rn.sim.rollouts(rseq) if r["serviceArn"].endswith(f"/{CLUSTER}/{SERVICE}")]
            dep = next((r["deploymentId"] for r in rolls if r["rolloutState"] == "IN_PROGRESS"), None)
            done = next((r["time"] for r in rolls if r["deploymentId"] == dep and r["rolloutState"] == "COMPLETED"), None)
            loads.append(os.getloadavg()[0])
            res[tool].append({"rc": rcs, "wall": t1 - t_start, "lag": t1 - done if done else None, "cpu": cpu,
                              "rss": rss, "requests": len(reqs)})
            log(f"(f) {tool} run {k + 1}/{runs}: exit {rcs}, {t1 - t_start:.1f} s")

    def mmm(xs, scale=1.0, nd=2):
        xs = [x * scale for x in xs if x is not None]
        if not xs:
            return "-"
        return f"{f(statistics.median(xs), nd)} [{f(min(xs), nd)}-{f(max(xs), nd)}]"
    rows = []
    for tool, rs in res.items():
        rows.append([tool, len(rs), ",".join(sorted({"/".join(str(c) for c in r["rc"]) for r in rs})),
                     mmm([r["wall"] for r in rs]), mmm([r["lag"] for r in rs]),
                     mmm([r["cpu"] for r in rs], 1000, 0), mmm([r["rss"] for r in rs], 1 / 1024, 1),
                     mmm([r["requests"] for r in rs], 1, 0)])
    table(f"(f) one deploy of the 2-task service by each tool, interleaved with rotation, {runs} runs each "
          f"(median [min-max]); load average {min(loads):.1f}-{max(loads):.1f}",
          ["tool", "runs", "exit", "wall s", "COMPLETED to exit s", "CPU ms", "peak RSS MB", "requests"], rows,
          ["aws cli = register-task-definition + update-service + `aws ecs wait services-stable` "
           "(every 15 s); peak RSS = the largest of its 3 processes, CPU their sum;",
           "deploy action = bench/peers/action.mjs, @aws-sdk/client-ecs from npm, waitUntilServicesStable "
           "minDelay 15 s growing to 120 s (the action's settings);",
           "fabfuel-style = bench/peers/fabfuel_style.py, boto3, 1 s polling with ListTasks/DescribeTasks as "
           "its is_deployed does; the peers' task definition file is rendered beforehand (not timed)."]
          + ([f"the deploy action was skipped: {why}"] if why else []))
    return res


# ---- main -------------------------------------------------------------------------------------

def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                         text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return (f"{time.strftime('%Y-%m-%d %H:%M %Z')}, git {rev}{'+dirty' if dirty else ''}, "
            f"{os.cpu_count()} x {model}, {os.uname().sysname} {os.uname().release}")


def on_signal(signum, frame):
    # an exception, so that subprocess.run kills the tool it is running before we go
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--moto", required=True)
    ap.add_argument("--speed", default="20")
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", default="a,b,c,d,e,f,g")
    ap.add_argument("--peer-runs", type=int, default=5, help="runs of each tool in part f")
    ap.add_argument("--fanout", default="1,10,50,200", help="service counts of part e")
    ap.add_argument("--deploys", type=int, default=10)
    ap.add_argument("--slow-deploys", type=int, default=3)
    ap.add_argument("--slow-speed", default="5")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sim-ecs", default="")
    ap.add_argument("--ecs-speed", default="10")
    args = ap.parse_args()
    for u in (args.sim, args.moto) + ((args.sim_ecs,) if args.sim_ecs else ()):
        if not u.startswith("http://127.0.0.1:"):
            raise SystemExit(f"bench: refusing '{u}': only loopback endpoints")
    only = set(args.only.split(","))
    t_start = time.time()
    print(f"ecship benchmarks: {machine()}")
    v = subprocess.run(["aws", "--version"], capture_output=True, text=True)
    print(f"ecship-sim --speed {args.speed} --upstream moto_server; {(v.stdout + v.stderr).split()[0]}")
    sys.stdout.flush()
    rn = Runner(args)
    setup(rn)
    if "a" in only:
        bench_detection_all(rn, args)
    if "b" in only:
        bench_cli(rn, args.runs)
    if "c" in only:
        bench_failure(rn)
    if "d" in only:
        bench_micro(rn, args)
    if "f" in only:
        bench_peers(rn, args.peer_runs)
    if "e" in only or "g" in only:
        action_js, action_why = benchlib.install_node_peer(args.build)
        ctx = benchlib.Ctx(build=args.build, work=args.work, moto=args.moto, errlog=rn.errlog,
                           fanout=[int(x) for x in args.fanout.split(",")], action_js=action_js,
                           action_why=action_why)
    if "e" in only:
        import fanout
        fanout.run(ctx)
    if "g" in only:
        import failures
        failures.run(ctx)
    stop_all_sims()
    print(f"\nbenchmarks took {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
