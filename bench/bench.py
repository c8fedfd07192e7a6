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
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

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


def on_signal(signum, frame):
    # an exception, so that subprocess.run kills the tool it is running before we go
    raise KeyboardInterrupt(f"signal {signum}")


PARTS = "a,d,e,f,g,h"


def part_e(ctx):
    import fanout  # bench/fanout.py: ecship in one process against the peers run in parallel
    fanout.run(ctx)


def part_g(ctx):
    import failures  # bench/failures.py: the failure cases for every tool at ECS's timing
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
             ("e", "fan-out", lambda: part_e(ctx)),
             ("g", "failure cases", lambda: part_g(ctx))]
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
