"""report.py: the generated part of docs/benchmarks.md. bench.py hands it what the parts printed
(their tables) and the figures they recorded (benchlib.FIGURES); it writes them between the two
marker lines BEGIN and END, with the date, git revision, machine and versions, and a section
"Where ecship does not lead" computed from the figures: each line names the figure, both values
and the reason from REASONS, which is written from measurements and never made up here (a
figure without one says so). The hand-written prose outside the markers is left as it is.
Runs nothing that reaches the network."""
import importlib.metadata
import io
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = "<!-- bench:results:begin -->"
END = "<!-- bench:results:end -->"
TOOL = "ecship"
MODULES = {"a": "bench/bench.py", "d": "bench/bench.py", "e": "bench/fanout.py", "f": "bench/pace.py",
           "g": "bench/failures.py", "h": "bench/startup.py"}

# Why a peer beats ecship on a figure, keyed by (part, metric): written from what the benchmark
# measured (see docs/benchmarks.md), one reason per kind of figure.
REASONS = {
    ("f", "requests"):
        "ecship asks DescribeServices about once a second while the rollout moves (the sim's timing "
        "changes the service often, so its backoff, up to 5 s while nothing changes, rarely starts), "
        "where the AWS CLI and SDK waiters ask after 15 s and then every 15 s or more, which is why they "
        "notice COMPLETED late; it also reads its deployment's record (DescribeServiceDeployments) and "
        "the live task definition (DescribeTaskDefinition), the stopped tasks for fail-fast (ListTasks, "
        "DescribeTasks), and tags the service with the previous revision for rollback (TagResource)",
    ("f", "COMPLETED to exit s"):
        "ecship and the fabfuel-style poller both poll about once a second near the end of a rollout; "
        "which of them sees COMPLETED first depends on where the poll falls against the rollout, within "
        "one interval",
    ("f", "wall s"):
        "the wall time is the rollout plus the lag after COMPLETED: the same phase of the poll against "
        "the rollout, within one poll interval",
    ("e", "wall (s)"):
        "at one service every tool's wall time is the same rollout plus where its poll fell against "
        "COMPLETED: ecship and fabfuel-style both poll about once a second",
    ("g", "first failed task to exit, at ECS's pace (s)"):
        "ecship exits once the rollback has settled, so that its exit code and the service agree (a task "
        "behind a target group first drains for the 300 s deregistration delay); a peer that exits "
        "sooner stopped at its own time limit (fabfuel-style's 300 s, the CLI waiter's 40 x 15 s) with the "
        "service still rolling back, or left on the first 'unable' service event (fabfuel-style on a "
        "missing tag); ecship --no-fail-fast is ecship waiting for the breaker instead",
    ("g", "UpdateService to exit, at ECS's pace (s)"):
        "on the healthy control a tool that exits sooner gave up: fabfuel-style's 300 s time limit fails a "
        "deploy that ECS completes (its outcome shows FALSE FAILURE); between ecship and ecship "
        "--no-fail-fast the difference is where the poll fell",
}


class Tee(io.TextIOBase):
    """A stdout that also keeps what was written: the report's copy of the tables."""

    def __init__(self, out):
        self.out = out
        self.kept = io.StringIO()

    def write(self, s):
        self.kept.write(s)
        return self.out.write(s)

    def flush(self):
        self.out.flush()

    def getvalue(self):
        return self.kept.getvalue()


# ---- where ecship does not lead -----------------------------------------------------------------

def not_leading(figures, tool=TOOL):
    """For each (part, case, metric) with a value of `tool`, the other tools that do better:
    [{"part", "case", "metric", "unit", "mine", "better": [(tool, value), ...] best first, "reason"}]."""
    groups = {}
    for fg in figures:
        groups.setdefault((fg["part"], fg["case"], fg["metric"]), []).append(fg)
    out = []
    for (part, case, metric), fs in groups.items():
        mine = [x for x in fs if x["tool"] == tool]
        if not mine:
            continue
        m = mine[0]
        low = m["lower_is_better"]
        better = [(x["tool"], x["value"]) for x in fs if x["tool"] != tool and
                  (x["value"] < m["value"] if low else x["value"] > m["value"])]
        if not better:
            continue
        better.sort(key=lambda tv: tv[1], reverse=not low)
        out.append({"part": part, "case": case, "metric": metric, "unit": m.get("unit", ""), "mine": m["value"],
                    "better": better, "reason": reason(part, metric)})
    return out


def reason(part, metric):
    return REASONS.get((part, metric)) or \
        f"(no reason written yet: see {MODULES.get(part, 'bench/bench.py')} and REASONS in bench/report.py)"


def num(v):
    if isinstance(v, int) or (isinstance(v, float) and v == int(v) and abs(v) >= 100):
        return f"{v:,.0f}"
    return f"{v:.2f}" if abs(v) < 100 else f"{v:,.0f}"


def not_leading_lines(figures):
    rows = not_leading(figures)
    if not rows:
        return ["In every figure recorded, no other tool has a better median than ecship."]
    lines = []
    for r in rows:
        peers = ", ".join(f"{t} {num(v)}" for t, v in r["better"])
        lines.append(f"- **({r['part']}) {r['case']}, {r['metric']}**: ecship {num(r['mine'])}, {peers}. "
                     f"Why: {r['reason']}.")
    return lines


# ---- machine and versions -----------------------------------------------------------------------

def sh(argv, cwd=None):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=cwd)
        return (p.stdout + p.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((l.split(":", 1)[1].strip() for l in fh if l.startswith("model name")), "?")
    except OSError:
        pass
    return f"{os.cpu_count()} x {model}, {platform.system()} {platform.release()}"


def revision():
    rev = sh(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT) or "unknown"
    dirty = sh(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT)
    return rev + ("+dirty" if dirty else "")


def pkg_version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def versions(build):
    ecship = sh([os.path.join(build, "ecship"), "--version"]).splitlines()
    sim = sh([os.path.join(build, "ecship-sim"), "--version"]).splitlines()
    node = sh(["node", "--version"]) or "not installed"
    sdk = "not installed"
    try:
        with open(os.path.join(build, "bench-peers", "node_modules", "@aws-sdk", "client-ecs", "package.json")) as fh:
            sdk = json.load(fh)["version"]
    except (OSError, ValueError, KeyError):
        pass
    return [("ecship", " / ".join(ecship) or "?"), ("ecship-sim", sim[0] if sim else "?"),
            ("aws", (sh(["aws", "--version"]).split() or ["?"])[0]), ("node", node),
            ("@aws-sdk/client-ecs", sdk), ("python", platform.python_version()),
            ("boto3", pkg_version("boto3")), ("moto", pkg_version("moto"))]


# ---- the block and its place in the report -------------------------------------------------------

def render(meta, output, figures):
    """The generated block, markers included. meta: date, revision, machine, loads (start, end),
    versions [(name, version)], took (seconds of the whole run)."""
    lines = [BEGIN,
             "<!-- generated by `make bench` (bench/report.py): edits between these markers are overwritten -->",
             "",
             f"Generated by `make bench` on {meta['date']} at git {meta['revision']}, in {meta['took']:.0f} s.",
             "",
             f"- Machine: {meta['machine']}; load average {meta['loads'][0]:.2f} at the start, "
             f"{meta['loads'][1]:.2f} at the end.",
             "- Versions: " + "; ".join(v if v.startswith(n) else f"{n} {v}" for n, v in meta["versions"]) + ".",
             "",
             "```",
             output.strip("\n"),
             "```",
             "",
             "### Where ecship does not lead",
             "",
             "Computed from the medians the parts recorded: every figure in which another tool does better "
             "than ecship, with the reason.",
             ""]
    lines += not_leading_lines(figures)
    lines += ["", END]
    return "\n".join(lines) + "\n"


def replace_block(text, block):
    """text with the lines from BEGIN to END (both included) replaced by block; ValueError when the
    markers are not there exactly once each, in that order."""
    lines = text.splitlines(keepends=True)
    b = [i for i, l in enumerate(lines) if l.strip() == BEGIN]
    e = [i for i, l in enumerate(lines) if l.strip() == END]
    if len(b) != 1 or len(e) != 1 or b[0] > e[0]:
        raise ValueError(f"the report needs the lines '{BEGIN}' and '{END}' once each, in that order "
                         f"(found {len(b)} and {len(e)})")
    return "".join(lines[:b[0]]) + block + "".join(lines[e[0] + 1:])


def write(path, block):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    new = replace_block(text, block)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(new)
    os.replace(tmp, path)


def meta_now(build, t_start, load_start):
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "revision": revision(),
            "machine": machine(), "loads": (load_start, os.getloadavg()[0]), "versions": versions(build),
            "took": time.time() - t_start}


if __name__ == "__main__":
    # bench/report.py FIGURES.json OUTPUT.txt REPORT.md: writes a block from saved pieces (for tests
    # and for re-rendering a kept run; bench.py saves both in its work folder)
    if len(sys.argv) != 4:
        sys.exit("usage: bench/report.py FIGURES.json OUTPUT.txt REPORT.md")
    with open(sys.argv[1]) as fh:
        saved = json.load(fh)
    with open(sys.argv[2]) as fh:
        out = fh.read()
    try:
        write(sys.argv[3], render(saved["meta"], out, saved["figures"]))
    except (OSError, ValueError) as e:
        sys.exit(f"bench/report.py: {e}")
