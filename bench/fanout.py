#!/usr/bin/env python3
"""fanout.py: part (e) of `make bench`: many services at once under ECS's rate limits.

ecship deploys N one-task services in one process; each peer (the runbook's AWS CLI steps, the
deploy action, a fabfuel-style poller) deploys them as N processes in parallel, one per service,
as N CI jobs would. Every tool gets an ecship-sim of its own (--timing fast, the sim's ECS-like
rate limits on), so runs share no bucket and no lock. Counted from the sim's request log: the
throttled requests and the registrations; checked afterwards: every service's only deployment
COMPLETED on the new image, revisions per family, processes that failed. Never reaches real
AWS. `python3 bench/fanout.py --selftest` checks the pure helpers (no simulator, no timing)."""
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import benchlib
from benchlib import ROOT, Checks, SimProc, f, figure, log, table

SPEED = 20
# The sim's ECS-like buckets (sim/faults.c, docs/sim.md): (burst, refill per second)
SIM_BUCKETS = {"RegisterTaskDefinition": (20, 1), "UpdateService": (50, 5), "CreateService": (50, 5),
               "TagResource": (50, 20)}
PEERS = ["aws cli", "deploy action", "fabfuel-style"]
PEER_MAX = 50  # the peers' largest N: 200 parallel CLI runs (600 `aws` processes) would not fit
GROUP_CAP = 200  # wall seconds: a group still running then is killed (its processes count as failed)
IMAGE = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/bench-web:"


# ---- pure helpers (the selftest covers them) ---------------------------------------------------

def count_throttled(reqs):
    """Requests the sim throttled: its rate limits and injected throttling both log fault "throttle"."""
    return sum(1 for r in reqs if r.get("fault") == "throttle")


def registrations(reqs):
    """RegisterTaskDefinition calls that registered a revision (answered 200, no fault)."""
    return sum(1 for r in reqs if r["action"] == "RegisterTaskDefinition" and r.get("status") == 200
               and not r.get("fault"))


def fan_verdict(services, images, want_tag, revisions, want_revisions):
    """Problems after a fan-out: (services whose deployments are not exactly one COMPLETED on a
    task definition with the new image (images: task definition ARN -> its image), families
    whose revision count is not want_revisions (revisions: family -> count)); ([], []) when right."""
    bad = []
    for s in services:
        deps = s["deployments"]
        if len(deps) != 1 or deps[0].get("rolloutState") != "COMPLETED" or \
                not images.get(s["taskDefinition"], "").endswith(":" + want_tag):
            bad.append(s["serviceName"])
    return bad, [f"{fam}: {n} revisions" for fam, n in sorted(revisions.items()) if n != want_revisions]


def fan_floor(n, distinct, one):
    """The floor the sim's buckets set for one deploy of n services (distinct registrations), plus
    one service's own deploy time: the slowest bucket's (calls - burst) / rate."""
    calls = {"RegisterTaskDefinition": distinct, "UpdateService": n, "TagResource": n}
    return one + max(max(0, c - SIM_BUCKETS[a][0]) / SIM_BUCKETS[a][1] for a, c in calls.items())


# ---- projects and checks against a sim ---------------------------------------------------------

def fixtures():
    with open(os.path.join(ROOT, "bench", "fixture", "task-definition.json")) as fh:
        td = json.load(fh)
    with open(os.path.join(ROOT, "bench", "fixture", "ecs-service.json")) as fh:
        sd = json.load(fh)
    for k in ("loadBalancers", "healthCheckGracePeriodSeconds", "serviceName", "taskDefinition"):
        sd.pop(k, None)
    sd["desiredCount"] = 1
    return td, sd


def tagged(td, fam, tag):
    t = json.loads(json.dumps(dict(td, family=fam)))
    for c in t["containerDefinitions"]:
        c["image"] = c["image"].replace("${IMAGE_TAG}", tag)
    return t


def fan_project(work, name, n, shared):
    """An ecship project of n services (one task each) in cluster `name`: one family for all, or one each."""
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    td, sd = fixtures()
    with open(os.path.join(d, "svc.json"), "w") as fh:
        json.dump(sd, fh)
    lines = ["region: ap-northeast-1", f"cluster: {name}", "timeout: 10m", "services:"]
    for i in range(n):
        fam = f"{name}-web" if shared else f"{name}-f{i:03d}"
        with open(os.path.join(d, f"td-{fam}.json"), "w") as fh:
            json.dump(dict(td, family=fam), fh)
        lines += [f"  - name: s{i:03d}", "    service_definition: svc.json", f"    task_definition: td-{fam}.json"]
    cfg = os.path.join(d, "ecship.yml")
    with open(cfg, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return cfg


def check(api, name, n, fams, tag, want_revisions):
    services, images, revisions = [], {}, {}
    names = [f"s{i:03d}" for i in range(n)]
    for k in range(0, n, 10):
        services += api.ecs("DescribeServices", {"cluster": name, "services": names[k:k + 10]})["services"]
    for arn in {s["taskDefinition"] for s in services}:
        td = api.ecs("DescribeTaskDefinition", {"taskDefinition": arn})["taskDefinition"]
        images[arn] = td["containerDefinitions"][0]["image"]
    for fam in fams:
        revisions[fam] = sum(len(api.ecs("ListTaskDefinitions", {"familyPrefix": fam, "status": st})
                                 ["taskDefinitionArns"]) for st in ("ACTIVE", "INACTIVE"))
    return fan_verdict(services, images, tag, revisions, want_revisions)


def quiet(api, on):
    api.post("/faults", {"faults": [], "rate_limits": on})


def run_group(ctx, argvs, url, logdir):
    """Starts every argv at once against url; (return codes, t0, t1). A group still running after
    GROUP_CAP seconds is killed: those processes count as failed (rc None)."""
    os.makedirs(logdir, exist_ok=True)
    env = dict(os.environ, AWS_ENDPOINT_URL=url)
    ctx.errlog.write(f"$ {len(argvs)} x {' '.join(argvs[0])}  (output: {logdir})\n")
    ctx.errlog.flush()
    procs = []
    t0 = time.time()
    for i, argv in enumerate(argvs):
        with open(os.path.join(logdir, f"{i:03d}.log"), "w") as fh:
            procs.append(subprocess.Popen(argv, stdout=fh, stderr=fh, stdin=subprocess.DEVNULL, env=env,
                                          start_new_session=True))
    rcs, ends = [], []
    for p in procs:
        try:
            rcs.append(p.wait(max(1, GROUP_CAP - (time.time() - t0))))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            p.wait()
            rcs.append(None)
        ends.append(time.time())
    return rcs, t0, max(ends)


# ---- the cases ---------------------------------------------------------------------------------

def ecship_case(ctx, n, shared):
    name = f"fan-{n}-{'shared' if shared else 'distinct'}"
    with SimProc(ctx.build, ctx.moto, ctx.work, timing="fast", speed=SPEED, name=f"e-{name}") as sim:
        api = sim.api
        api.ecs("CreateCluster", {"clusterName": name})
        cfg = fan_project(ctx.work, name, n, shared)
        exe = [os.path.join(ctx.build, "ecship"), "--config", cfg, "--endpoint-url", sim.url, "deploy", "--tag"]
        # the creating deploy runs without the sim's limits, so that the measured one starts with
        # ECS's buckets full, as a deploy after a quiet spell does
        quiet(api, False)
        (rc0,), _, _ = run_group(ctx, [exe + ["f1"]], sim.url, os.path.join(ctx.work, f"e-{name}-create"))
        quiet(api, True)
        seq, _ = api.marks()
        (rc,), t0, t1 = run_group(ctx, [exe + ["f2"]], sim.url, os.path.join(ctx.work, f"e-{name}"))
        reqs = [r for r in api.requests(seq) if r["time"] <= t1]
        fams = [f"{name}-web"] if shared else [f"{name}-f{i:03d}" for i in range(n)]
        wrong, famwrong = check(api, name, n, fams, "f2", 2)
    return {"tool": "ecship", "n": n, "shared": shared, "processes": 1, "rc": f"{rc0}/{rc}",
            "failed": int(rc != 0), "wall": t1 - t0, "regs": registrations(reqs), "distinct": len(fams),
            "throttled": count_throttled(reqs),
            "requests": len(reqs), "wrong": wrong, "famwrong": famwrong, "load": os.getloadavg()[0]}


def peer_argv(ctx, tool, name, svc, tdfile):
    if tool == "aws cli":
        return ["bash", os.path.join(ROOT, "bench", "peers", "cli_steps.sh"), tdfile, name, svc, f"{name}-web"]
    if tool == "deploy action":
        return ["node", ctx.action_js, tdfile, name, svc, "30"]
    return [sys.executable, os.path.join(ROOT, "bench", "peers", "fabfuel_style.py"), name, svc, "web", IMAGE + "f2"]


def peer_case(ctx, tool, n):
    slug = tool.replace(" ", "").replace("-", "")
    name = f"fan-{n}-{slug}"
    fam = f"{name}-web"
    td, sd = fixtures()
    with SimProc(ctx.build, ctx.moto, ctx.work, timing="fast", speed=SPEED, name=f"e-{name}") as sim:
        api = sim.api
        # the services on revision 1, created through the API without the limits, the clock moved on
        quiet(api, False)
        api.ecs("CreateCluster", {"clusterName": name})
        api.ecs("RegisterTaskDefinition", tagged(td, fam, "f1"))
        for i in range(n):
            api.ecs("CreateService", dict(sd, cluster=name, serviceName=f"s{i:03d}", taskDefinition=fam + ":1"))
        for _ in range(6):
            api.post("/clock", {"advance": 60})
            if not check(api, name, n, [], "f1", 1)[0]:
                break
        quiet(api, True)
        tdfile = os.path.join(ctx.work, f"e-td-{name}.json")
        with open(tdfile, "w") as fh:
            json.dump(tagged(td, fam, "f2"), fh)
        seq, _ = api.marks()
        rcs, t0, t1 = run_group(ctx, [peer_argv(ctx, tool, name, f"s{i:03d}", tdfile) for i in range(n)],
                                sim.url, os.path.join(ctx.work, f"e-{name}"))
        reqs = [r for r in api.requests(seq) if r["time"] <= t1]
        # every registration makes a revision (1 + regs is right for the family's count); the
        # duplicates are the registrations beyond the one distinct definition
        regs = registrations(reqs)
        wrong, famwrong = check(api, name, n, [fam], "f2", 1 + regs)
    failed = sum(1 for rc in rcs if rc != 0)
    return {"tool": tool, "n": n, "shared": True, "processes": n, "rc": ",".join(sorted({str(r) for r in rcs})),
            "failed": failed, "wall": t1 - t0, "regs": regs, "distinct": 1, "throttled": count_throttled(reqs),
            "requests": len(reqs), "wrong": wrong, "famwrong": famwrong, "load": os.getloadavg()[0]}


# ---- the part ----------------------------------------------------------------------------------

def run(ctx):
    t_part = time.time()
    sizes = list(ctx.fanout)
    peers = list(PEERS)
    if not ctx.action_js:
        peers.remove("deploy action")
        log(f"(e) the deploy action is skipped: {ctx.action_why}")
    results, lock, loads = [], threading.Lock(), [os.getloadavg()[0]]

    def job(fn, *a):
        try:
            r = fn(ctx, *a)
        except Exception as e:  # a case that breaks is reported, not fatal
            log(f"(e) {fn.__name__}{a} broke: {e}")
            return
        loads.append(os.getloadavg()[0])
        log(f"(e) {r['tool']}, {r['n']} services: {r['wall']:.1f} s, {r['failed']} failed, "
            f"{r['throttled']} throttled, {len(r['wrong'])} services wrong {r['wrong'][:3]} {r['famwrong'][:3]}")
        with lock:
            results.append(r)

    # 1. ecship, every size at once, each on its own sim (the deploys mostly wait on the buckets)
    cases = [(n, True) for n in sizes] + [(n, False) for n in sizes if n in (10, 50)]
    with ThreadPoolExecutor(max_workers=len(cases)) as ex:
        for n, shared in cases:
            ex.submit(job, ecship_case, n, shared)
    t_ecship = time.time() - t_part
    # 2. the peers: for each N, the three tools at once, each on its own sim, N processes each
    for n in [n for n in sizes if n <= PEER_MAX]:
        with ThreadPoolExecutor(max_workers=len(peers)) as ex:
            for tool in peers:
                ex.submit(job, peer_case, tool, n)
    one = next((r["wall"] for r in results if r["tool"] == "ecship" and r["n"] == 1 and r["shared"]), None)
    rows = []
    order = {t: i for i, t in enumerate(["ecship"] + PEERS)}
    for r in sorted(results, key=lambda r: (not r["shared"], r["n"], order[r["tool"]])):
        floor = fan_floor(r["n"], r["distinct"], one) if r["tool"] == "ecship" and one else None
        fam = "one" if r["shared"] else "each its own"
        dup = max(0, r["regs"] - r["distinct"])
        rows.append([r["tool"], r["n"], r["processes"], fam, r["rc"], r["failed"], f(r["wall"], 1), f(floor, 1),
                     f"{100 * (r['wall'] / floor - 1):+.0f} %" if floor else "-", r["regs"], dup, r["throttled"],
                     r["requests"], len(r["wrong"]), "; ".join(r["famwrong"][:2]) or "-", f(r["load"], 1)])
        case = f"{r['n']} service{'s' if r['n'] != 1 else ''}, {fam} family"
        figure("e", case, "wall (s)", r["tool"], r["wall"], True, "s")
        figure("e", case, "throttled requests", r["tool"], r["throttled"], True)
        figure("e", case, "failed processes", r["tool"], r["failed"], True)
        figure("e", case, "duplicate revisions", r["tool"], dup, True)
        figure("e", case, "services not on the new revision", r["tool"], len(r["wrong"]), True)
    wall = time.time() - t_part
    table("(e) fan-out: N one-task services deployed at once, each tool on an ecship-sim of its own "
          f"(--timing fast --speed {SPEED}, its ECS-like rate limits on); one run per row",
          ["tool", "services", "processes", "family", "exit", "failed", "wall s", "floor s", "vs floor",
           "registrations", "duplicates", "throttled", "requests", "not updated", "revisions", "load"], rows,
          ["ecship = one `ecship deploy` of all N (exit: the creating deploy, run without the limits / the measured "
           "one); the peers = N processes in parallel,",
           "one per service, as N CI jobs: aws cli = bench/peers/cli_steps.sh (register, update-service, `aws ecs "
           "wait services-stable`), deploy action =",
           "bench/peers/action.mjs, fabfuel-style = bench/peers/fabfuel_style.py; their services were created through "
           "the API on revision 1.",
           f"Scheduling: ecship's {len(cases)} rows at once ({t_ecship:.0f} s), then per N the {len(peers)} peers at "
           f"once; one run per row (five would not fit the part's 3 minutes); load average "
           f"{min(loads):.1f}-{max(loads):.1f}; the part took {wall:.0f} s.",
           *([f"The peers stop at N = {PEER_MAX}: {max(sizes)} parallel CLI runs would be {3 * max(sizes)} `aws` "
              "processes of ~0.6 s of CPU each on this 2-core machine."] if max(sizes) > PEER_MAX else []),
           "floor = ecship's 1-service row + the slowest of the sim's buckets, (calls - burst) / rate: "
           "RegisterTaskDefinition 20 then 1/s, UpdateService 50 then 5/s,",
           "TagResource 50 then 20/s. registrations = RegisterTaskDefinition answered 200; throttled = requests the "
           "sim answered ThrottlingException (its log's fault \"throttle\").",
           "duplicates = registrations beyond one per distinct definition (the peers register once per service); "
           "not updated = services whose only deployment is not",
           "COMPLETED on the new image afterwards; revisions = a family whose revision count (ACTIVE + INACTIVE) is "
           "not 2 for ecship, 1 + registrations for a peer;",
           "failed = processes that exited non-zero (throttled out after their SDK's retries: see their logs); load = "
           "the 1-minute load average at the row's end.",
           "The peers' N processes share this machine's 2 cores (N CI jobs would each have a runner): their wall "
           "times include that contention, their throttling does not come from it."])
    return results


# ---- selftest ----------------------------------------------------------------------------------

def selftest():
    checks = Checks()
    expect = checks.expect

    reqs = [{"action": "RegisterTaskDefinition", "status": 200},
            {"action": "RegisterTaskDefinition", "status": 400, "fault": "throttle"},
            {"action": "RegisterTaskDefinition", "status": 200},
            {"action": "DescribeServices", "status": 400, "fault": "throttle"},
            {"action": "UpdateService", "status": 200},
            {"action": "RegisterTaskDefinition", "status": 500, "fault": "error"}]
    expect("throttled: both throttled requests", count_throttled(reqs), 2)
    expect("registrations: only the answered ones", registrations(reqs), 2)
    td1, td2 = "arn:td/fam:1", "arn:td/fam:2"
    images = {td1: IMAGE + "f1", td2: IMAGE + "f2"}
    ok = {"serviceName": "s000", "taskDefinition": td2, "deployments": [{"rolloutState": "COMPLETED"}]}
    old = {"serviceName": "s001", "taskDefinition": td1, "deployments": [{"rolloutState": "COMPLETED"}]}
    busy = {"serviceName": "s002", "taskDefinition": td2,
            "deployments": [{"rolloutState": "COMPLETED"}, {"rolloutState": "IN_PROGRESS"}]}
    failed = {"serviceName": "s003", "taskDefinition": td2, "deployments": [{"rolloutState": "FAILED"}]}
    expect("check: all right", fan_verdict([ok], images, "f2", {"fam": 2}, 2), ([], []))
    expect("check: old image, two deployments, failed, extra revisions",
           fan_verdict([ok, old, busy, failed], images, "f2", {"fam": 5, "other": 2}, 2),
           (["s001", "s002", "s003"], ["fam: 5 revisions"]))
    expect("check: the tag must end the image", fan_verdict([ok], {td2: IMAGE + "f20"}, "f2", {}, 2), (["s000"], []))
    expect("floor: 50 distinct registrations", fan_floor(50, 50, 2.0), 32.0)
    expect("floor: 200 updates on one family", fan_floor(200, 1, 2.0), 32.0)
    expect("floor: within the bursts", fan_floor(10, 1, 2.0), 2.0)
    return checks.finish("fanout.py helpers")


if __name__ == "__main__":
    if sys.argv[1:] == ["--selftest"]:
        sys.exit(selftest())
    sys.exit("usage: fanout.py --selftest (the part runs from bench/bench.py)")
