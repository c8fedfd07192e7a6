"""benchlib.py: what the parts of `make bench` share: plain-text tables, the figures the report's
"where ecship does not lead" summary is made from, the simulator's control API, ecship-sim
processes of a run's own (each concurrent run gets its own simulator, so that runs share no rate
limit and no lock), measured tool runs, and the Node peer's install.
Never reaches real AWS: every endpoint is a loopback one the benchmark started."""
import atexit
import ctypes
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLUSTER, SERVICE, FAMILY = "ecship-bench", "web", "ecship-bench-web"


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# ---- tables -----------------------------------------------------------------------------------

def table(title, headers, rows, notes=()):
    """Prints an aligned plain-text table: text columns left, numeric columns right."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in cells:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))

    def numeric(i):
        return all(re.fullmatch(r"[-+]?[0-9][0-9.,]*( ?[a-zµ%/]+)?|-", r[i]) for r in cells if i < len(r))

    right = [bool(cells) and numeric(i) for i in range(len(headers))]
    fmt = lambda r: "  ".join(c.rjust(widths[i]) if right[i] else c.ljust(widths[i])
                              for i, c in enumerate(r)).rstrip()
    print()
    print(title)
    print(fmt(headers))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print(fmt(r))
    for n in notes:
        print(n)
    sys.stdout.flush()


def pctl(xs, p):
    """Nearest-rank percentile."""
    s = sorted(xs)
    if not s:
        return float("nan")
    k = max(1, math.ceil(p / 100 * len(s)))
    return s[k - 1]


def f(x, nd=2):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


# ---- the simulator's control API and direct (unsigned) ECS reads ------------------------------

class Sim:
    def __init__(self, url):
        self.url = url

    def get(self, path):
        with urllib.request.urlopen(self.url + "/_sim" + path, timeout=10) as r:
            return json.load(r)

    def post(self, path, body):
        req = urllib.request.Request(self.url + "/_sim" + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)

    def marks(self):
        return self.get("/requests?since=100000000")["total"], self.get("/rollouts?since=100000000")["total"]

    def requests(self, since):
        return [r for r in self.get(f"/requests?since={since}")["requests"] if r["seq"] >= since]

    def rollouts(self, since):
        return [r for r in self.get(f"/rollouts?since={since}")["changes"] if r["seq"] >= since]

    def service_state(self):
        for s in self.get("/state")["serviceStates"]:
            if s["serviceArn"].endswith(f"service/{CLUSTER}/{SERVICE}"):
                return s
        return None

    def running_revision(self):
        """The task definition revision of the PRIMARY deployment (after a settled rollout)."""
        s = self.service_state()
        for d in (s or {}).get("deployments", []):
            if d["status"] == "PRIMARY":
                return int(d["taskDefinition"].rsplit(":", 1)[1])
        return None

    def ecs(self, action, body):
        req = urllib.request.Request(self.url + "/", data=json.dumps(body).encode(), method="POST", headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113." + action})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)


# ---- figures: what the report's summary compares -------------------------------------------------

FIGURES = []


def figure(part, case, metric, tool, value, lower_is_better=True, unit=""):
    """Records one figure (a median, usually) for the report's "where ecship does not lead"
    summary: within one (part, case, metric), the tools' values are compared."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    FIGURES.append({"part": part, "case": case, "metric": metric, "tool": tool, "value": value,
                    "lower_is_better": lower_is_better, "unit": unit})


# ---- ecship-sim processes of a run's own ---------------------------------------------------------

_SIMS = []
_SIMS_LOCK = threading.Lock()


def _die_with_parent():
    # PR_SET_PDEATHSIG: the simulator goes when the benchmark does, even after a SIGKILL
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


class SimProc:
    """One ecship-sim started by the benchmark: .url, .api (a Sim), .stop(); a context manager."""

    def __init__(self, build, moto, work, timing="fast", speed=20, seed=7, extra=(), name="sim"):
        os.makedirs(work, exist_ok=True)
        with _SIMS_LOCK:
            n = len(_SIMS)
            _SIMS.append(self)
        self.out = os.path.join(work, f"{name}-{n}.out")
        self.err = os.path.join(work, f"{name}-{n}.err")
        argv = [os.path.join(build, "ecship-sim"), "--listen", "127.0.0.1:0", "--timing", timing,
                "--no-upstream-checks", "--upstream", moto, "--speed", str(speed), "--seed", str(seed), *extra]
        with open(self.out, "w") as o, open(self.err, "w") as e:
            # PR_SET_PDEATHSIG follows the thread that forked: only the main thread lives as long
            # as the benchmark; a simulator started from a worker thread is stopped by
            # stop_all_sims (also on SIGTERM) instead
            main = threading.current_thread() is threading.main_thread()
            self.proc = subprocess.Popen(argv, stdout=o, stderr=e, stdin=subprocess.DEVNULL,
                                         preexec_fn=_die_with_parent if main else None)
        self.speed = float(speed)
        self.url = None
        for _ in range(400):
            try:
                with open(self.out) as fh:
                    first = fh.readline()
            except OSError:
                first = ""
            if first.startswith("listening on "):
                self.url = first[len("listening on "):].strip()
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not self.url:
            self.stop()
            with open(self.err) as fh:
                raise SystemExit(f"bench: ecship-sim did not start; its stderr:\n{fh.read()}")
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            raise SystemExit(f"bench: refusing '{self.url}': only loopback endpoints")
        self.api = Sim(self.url)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def stop_all_sims():
    with _SIMS_LOCK:
        sims = list(_SIMS)
    for s in sims:
        s.stop()


atexit.register(stop_all_sims)  # also when an exception or SIGTERM (bench.py's on_signal) ends the run


# ---- measured runs and the Node peer -------------------------------------------------------------

PEERS_DIR = "bench-peers"  # under the build folder: the Node peer's node_modules


def install_node_peer(build):
    """npm installs @aws-sdk/client-ecs into BUILD/bench-peers; None with the reason when it cannot."""
    d = os.path.join(build, PEERS_DIR)
    os.makedirs(d, exist_ok=True)
    for n in ("package.json", "action.mjs"):
        shutil.copy(os.path.join(ROOT, "bench", "peers", n), d)
    if not shutil.which("node") or not shutil.which("npm"):
        return None, "node or npm is not installed"
    if not os.path.isdir(os.path.join(d, "node_modules", "@aws-sdk", "client-ecs")):
        # bounded: an unreachable registry costs about a minute of make bench, not npm's own retries
        try:
            p = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--fetch-retries=1",
                                "--fetch-timeout=30000"], cwd=d, capture_output=True, text=True, timeout=90)
        except subprocess.TimeoutExpired:
            return None, "npm install did not finish within 90 s (registry unreachable?)"
        if p.returncode != 0:
            lines = [l for l in p.stderr.strip().splitlines() if l.strip() and "complete log" not in l]
            return None, "npm install failed (registry unreachable?): " + (lines or ["?"])[0]
    return os.path.join(d, "action.mjs"), None


TIME = shutil.which("time") or "/usr/bin/time"


def run_measured(errlog, work, argv, timeout=600):
    """Runs argv (its output to tools.log); (rc, t0, t1, CPU s, peak RSS KB). The peak RSS comes
    from GNU time, which forks the tool from its own small process: a child forked from this
    Python process would count Python's resident pages before its exec (getrusage's maxrss is the
    largest over the whole process, exec included)."""
    errlog.write(f"$ {' '.join(argv)}\n")
    errlog.flush()
    out = os.path.join(work, f"time-{threading.get_ident()}.out")  # runs may be concurrent
    use_time = os.access(TIME, os.X_OK)
    cmd = [TIME, "-f", "%U %S %M", "-o", out, *argv] if use_time else argv
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=errlog, stderr=errlog, stdin=subprocess.DEVNULL)
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    _, status, ru = os.wait4(p.pid, 0)
    timer.cancel()
    t1 = time.time()
    p.returncode = os.waitstatus_to_exitcode(status)
    if use_time:
        try:
            with open(out) as fh:
                u, s_, m = fh.read().split()[-3:]
            return p.returncode, t0, t1, float(u) + float(s_), int(m)
        except (OSError, ValueError):
            pass
    return p.returncode, t0, t1, ru.ru_utime + ru.ru_stime, None


# ---- what a part gets from the driver ------------------------------------------------------------

class Ctx:
    """What bench.py hands a part module's run(ctx) (bench/fanout.py, bench/failures.py):
    build      the build folder (ecship, ecship-sim, bench binaries)
    work       a scratch folder of the run (logs kept with bench/run --keep)
    moto       moto_server's loopback URL (the simulators' --upstream)
    errlog     an open file: the tools' stdout and stderr (tools.log)
    runs       runs of each tool per figure (at least 5 for a median with min and max)
    fanout     the fan-out sizes (part e), e.g. [1, 10, 50, 200]
    action_js  bench/peers/action.mjs installed with its node_modules, or None
    action_why why the Node peer is skipped when action_js is None
    A part starts its own simulators (SimProc), prints its tables (table) and records its
    figures (figure); it never changes the benchmark's exit code."""

    def __init__(self, **kw):
        self.build = self.work = self.moto = self.errlog = None
        self.runs, self.fanout, self.action_js, self.action_why = 5, [1, 10, 50, 200], None, None
        for k, v in kw.items():
            if not hasattr(self, k):
                raise TypeError(f"Ctx has no field '{k}'")
            setattr(self, k, v)


# ---- the parts' selftests ------------------------------------------------------------------------

class Checks:
    """What a part's --selftest collects: expect(name, got, want), then finish(label) prints each
    mismatch and a verdict and returns the exit code."""

    def __init__(self):
        self.bad = []

    def expect(self, name, got, want):
        if got != want:
            self.bad.append(f"{name}: got {got!r}, want {want!r}")

    def finish(self, label):
        for b in self.bad:
            print("FAIL " + b)
        print(f"PASS {label}" if not self.bad else f"{len(self.bad)} failed")
        return 1 if self.bad else 0
