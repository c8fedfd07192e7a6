"""startup.py: part (h) of `make bench`: what one process per call costs, as a shell script or CI
step pays it. `ecship --version` and `ecship status` against `aws --version` and
`aws ecs describe-services` (wall time, peak RSS, CPU); the shared libraries ecship loads and
those only libxml2 brings; and the dynamic loader's cost of libxml2, measured on empty programs
compiled here. Answers whether loading libxml2 lazily would pay; changes nothing.
Never reaches real AWS: `status` asks the benchmark's own loopback simulator."""
import os
import re
import shutil
import socket
import statistics
import subprocess
import time

import benchlib
from benchlib import CLUSTER, SERVICE, f, figure, log, table

RUNS = 10  # per command, interleaved
EXECS = 200  # per empty program, interleaved
PAYS_MS = 10.0  # lazy loading "pays" when it saves this much per process (what a person or a CI log
               # could notice), or when it changes a comparison with a peer


def mmm(xs, nd=1):
    return f"{f(statistics.median(xs), nd)} [{f(min(xs), nd)}-{f(max(xs), nd)}]" if xs else "-"


def ldd(path):
    """{soname: resolved path} of everything the dynamic loader maps for path (vdso left out)."""
    p = subprocess.run(["ldd", path], capture_output=True, text=True)
    libs = {}
    for line in p.stdout.splitlines():
        m = re.match(r"\s*(\S+)\s+=>\s+(/\S+)", line) or re.match(r"\s*(/\S+)\s+\(", line)
        if m:
            name = m.group(1)
            libs[os.path.basename(name)] = m.group(m.lastindex)
    return libs


def needed(path):
    p = subprocess.run(["readelf", "-d", path], capture_output=True, text=True)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]+)\]", p.stdout)


def mapped_libs(exe, argv_tail):
    """Distinct .so files in /proc/PID/maps of exe running argv_tail against an endpoint that
    accepts the connection and never answers (so that the process is caught mid-request)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(10)
    url = f"http://127.0.0.1:{srv.getsockname()[1]}"
    p = subprocess.Popen([exe, "--endpoint-url", url, *argv_tail], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        conn, _ = srv.accept()  # ecship has connected: its libraries are all loaded by now
        time.sleep(0.2)
        with open(f"/proc/{p.pid}/maps") as fh:
            files = {line.split()[-1] for line in fh if len(line.split()) >= 6}
        conn.close()
        return sorted({os.path.realpath(x) for x in files if re.search(r"\.so(\.|$)", x)})
    except OSError:
        return None
    finally:
        p.kill()
        p.wait()
        srv.close()


def spawn_time(argv):
    t = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, {})
    os.waitpid(pid, 0)
    return time.perf_counter() - t


def time_rss(ctx, argv, n=5):
    """Median peak RSS (KB) of argv by GNU time, n runs."""
    xs = []
    for _ in range(n):
        rc, _, _, _, m = benchlib.run_measured(ctx.errlog, ctx.work, argv, timeout=30)
        if m is not None:
            xs.append(m)
    return statistics.median(xs) if xs else None


def run(ctx, sim_url, cfg):
    """Part (h): `ecship status` reads the benchmark service on the simulator at sim_url (cfg is
    its ecship.yml)."""
    ecship = os.path.join(ctx.build, "ecship")
    aws = ["aws", "--endpoint-url", sim_url, "--region", "ap-northeast-1"]
    cmds = [("ecship --version", [ecship, "--version"]),
            ("aws --version", ["aws", "--version"]),
            ("ecship status", [ecship, "--config", cfg, "--endpoint-url", sim_url, "status"]),
            ("aws ecs describe-services", aws + ["ecs", "describe-services", "--cluster", CLUSTER,
                                                 "--services", SERVICE])]
    res = {name: {"rc": set(), "wall": [], "cpu": [], "rss": []} for name, _ in cmds}
    for i in range(RUNS):
        r = i % len(cmds)
        for name, argv in cmds[r:] + cmds[:r]:
            rc, t0, t1, cpu, m = benchlib.run_measured(ctx.errlog, ctx.work, argv, timeout=60)
            d = res[name]
            d["rc"].add(rc)
            d["wall"].append((t1 - t0) * 1000)
            d["cpu"].append(cpu * 1000)
            if m is not None:
                d["rss"].append(m / 1024)
    rows = []
    for name, _ in cmds:
        d = res[name]
        rows.append([name, RUNS, ",".join(str(x) for x in sorted(d["rc"])), mmm(d["wall"]), mmm(d["rss"]),
                     mmm(d["cpu"], 0)])
        tool = "ecship" if name.startswith("ecship") else "aws cli"
        case = "--version" if name.endswith("--version") else "status vs describe-services"
        figure("h", case, "wall ms", tool, statistics.median(d["wall"]), True)
        if d["rss"]:
            figure("h", case, "peak RSS MB", tool, statistics.median(d["rss"]), True)
        figure("h", case, "CPU ms", tool, statistics.median(d["cpu"]), True)
    table(f"(h) start-up: one process per call, {RUNS} runs each, interleaved with rotation (median [min-max])",
          ["command", "runs", "exit", "wall ms", "peak RSS MB", "CPU ms"], rows,
          ["wall = the process under GNU time (its fork and exec included, the same for every command); "
           "status and describe-services ask the sim once."])

    # ---- the shared libraries -------------------------------------------------------------------
    libs = ldd(ecship)
    mapped = mapped_libs(ecship, ["--config", cfg, "status"])
    direct = needed(ecship)
    xml = next((n for n in direct if n.startswith("libxml2")), None)
    others = set()
    for n in direct:
        if n != xml and n in libs:
            others |= set(ldd(libs[n])) | {n}
    only_xml = sorted(set(ldd(libs[xml])) | {xml}) if xml and xml in libs else []
    only_xml = [n for n in only_xml if n not in others]
    real = {os.path.realpath(p) for p in libs.values()}
    extra = sorted(os.path.basename(x) for x in set(mapped or ()) - real)
    rows = [["ecship (ldd: the loader's closure)", len(libs), ", ".join(direct)],
            ["ecship status (its /proc/PID/maps)", len(mapped) if mapped is not None else "-",
             "-" if mapped is None else "the same files as ldd's" if set(mapped) == real else
             "besides ldd's: " + (", ".join(extra) or "none") + "; not mapped: " +
             (", ".join(sorted(os.path.basename(x) for x in real - set(mapped))) or "none")],
            ["only with libxml2 (not needed by the others)", len(only_xml), ", ".join(only_xml)]]
    table("(h) shared libraries ecship loads", ["what", "libraries", "which (direct NEEDED first row)"], rows)

    # ---- the loader's cost of libxml2 -----------------------------------------------------------
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc or not xml:
        log("(h) no C compiler or no libxml2 in ecship: the loader's cost is not measured")
        return
    d = os.path.join(ctx.work, "startup")
    os.makedirs(d, exist_ok=True)
    src = os.path.join(d, "empty.c")
    with open(src, "w") as fh:
        fh.write("int main(void) { return 0; }\n")
    rest = [libs[n] for n in direct if n != xml and n in libs and not n.startswith(("libc.so", "libm.so"))]
    variants = [("empty: libc only", []),
                ("empty + libxml2", [libs[xml]]),
                ("empty + ecship's libraries but libxml2", rest),
                ("empty + ecship's libraries", rest + [libs[xml]])]
    progs = []
    for i, (name, extra) in enumerate(variants):
        exe = os.path.join(d, f"empty{i}")
        p = subprocess.run([cc, "-O2", "-o", exe, src, "-Wl,--no-as-needed", *extra], capture_output=True,
                           text=True)
        if p.returncode != 0:
            log(f"(h) cannot link '{name}': {p.stderr.strip()[:200]}")
            return
        progs.append((name, [exe]))
    progs.append(("ecship --version", [ecship, "--version"]))
    times = {name: [] for name, _ in progs}
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1)
    os.dup2(devnull, 1)  # ecship --version prints
    try:
        for i in range(EXECS):
            r = i % len(progs)
            for name, argv in progs[r:] + progs[:r]:
                times[name].append(spawn_time(argv) * 1000)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    rows, med, rss = [], {}, {}
    for name, argv in progs:
        med[name] = statistics.median(times[name])
        rss[name] = time_rss(ctx, argv)
        n = len(ldd(argv[0]))
        rows.append([name, n, f(med[name], 2), f(min(times[name]), 2), f(rss[name] / 1024 if rss[name] else None, 1)])
    table(f"(h) the dynamic loader's cost: {EXECS} executions of each, interleaved (posix_spawn to exit)",
          ["program", "libraries", "median ms", "min ms", "peak RSS MB"], rows,
          ["empty = int main(void){return 0;} linked with -Wl,--no-as-needed against the libraries named; "
           "RSS by GNU time, 5 runs."])

    saving = med["empty + ecship's libraries"] - med["empty + ecship's libraries but libxml2"]
    a, b = rss["empty + ecship's libraries"], rss["empty + ecship's libraries but libxml2"]
    saving_mb = (a - b) / 1024 if a and b else None
    status = statistics.median(res["ecship status"]["wall"])
    aws_status = statistics.median(res["aws ecs describe-services"]["wall"])
    share = saving / status if status else 0
    # a comparison with a peer changes when ecship without the saving is not already ahead of it
    changes = status - saving < aws_status <= status
    pays = saving >= PAYS_MS or changes
    verdict = [f"Loading libxml2 lazily (dlopen on the first Query or EC2 call) would save {saving:.2f} ms of "
               f"loader time and {f(saving_mb, 1)} MB", f"per process that speaks only ECS's JSON: "
               f"{100 * share:.0f} % of `ecship status`'s {status:.1f} ms (median above), "
               f"{100 * saving / aws_status:.1f} % of `aws ecs describe-services`'s {aws_status:.0f} ms.",
               (f"It pays: at least {PAYS_MS:.0f} ms per process, or a comparison with a peer changes." if pays else
                f"It does not pay: under {PAYS_MS:.0f} ms per process (what a person or a CI log could notice), "
                "and no comparison with a peer changes.")]
    table("(h) would loading libxml2 lazily pay?", ["figure", "value"],
          [["libraries only libxml2 brings", len(only_xml)],
           ["loader time saved (median, ms)", f(saving, 2)],
           ["peak RSS saved (MB)", f(saving_mb, 1)],
           ["ecship status (median, ms)", f(status, 1)],
           ["aws ecs describe-services (median, ms)", f(aws_status, 0)],
           [f"verdict (pays at {PAYS_MS:.0f} ms or more, or when a comparison with a peer changes)",
            "pays" if pays else "does not pay"]],
          verdict)
