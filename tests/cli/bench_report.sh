#!/usr/bin/env bash
# bench_report.sh: the writer of docs/benchmarks.md's generated block (bench/report.py), on
# made-up figures and a made-up page: it replaces exactly the lines between the markers (both
# kept), refuses a page without them, and lists every figure in which another tool beats ecship,
# with its reason or a note that none is written. No benchmark runs and no timing is asserted.
. tests/lib/common.sh

check "the real report has its markers once each, in order" python3 - <<'PY'
import sys
sys.path.insert(0, "bench")
import report
text = open("docs/benchmarks.md", encoding="utf-8").read()
assert report.replace_block(text, report.BEGIN + "\nx\n" + report.END + "\n") != text
PY

run_pass_fail - <<'PY'
import sys
sys.path.insert(0, "bench")
import report

def check(desc, cond):
    print(("PASS " if cond else "FAIL ") + desc)

page = ("# Title\n\nhand-written, kept\n\n" + report.BEGIN + "\nold results\nmore old\n" + report.END +
        "\n\n## After\n\nalso kept\n")
block = report.BEGIN + "\nnew\n" + report.END + "\n"
new = report.replace_block(page, block)
check("the block between the markers is replaced, the markers kept",
      new == "# Title\n\nhand-written, kept\n\n" + block + "\n## After\n\nalso kept\n")
check("writing it twice gives the same page", report.replace_block(new, block) == new)
for bad, why in ((page.replace(report.END, ""), "no end marker"),
                 ("no markers at all\n", "no markers"),
                 (page + report.BEGIN + "\n", "two begin markers"),
                 (report.END + "\n" + report.BEGIN + "\n", "markers in the wrong order")):
    try:
        report.replace_block(bad, block)
        check(f"a page with {why} is refused", False)
    except ValueError:
        check(f"a page with {why} is refused", True)

def fig(part, case, metric, tool, value, low=True):
    return {"part": part, "case": case, "metric": metric, "tool": tool, "value": value,
            "lower_is_better": low, "unit": ""}

figures = [
    # ecship leads: nothing to say
    fig("f", "--speed 1", "CPU ms", "ecship", 10), fig("f", "--speed 1", "CPU ms", "aws cli", 1200),
    fig("f", "--speed 1", "CPU ms", "deploy action", 300),
    # two peers beat ecship on requests, lower is better; the reason is written
    fig("f", "--speed 1", "requests", "ecship", 11), fig("f", "--speed 1", "requests", "aws cli", 4),
    fig("f", "--speed 1", "requests", "deploy action", 5), fig("f", "--speed 1", "requests", "fabfuel-style", 20),
    # a tie is not a loss
    fig("f", "--speed 20", "requests", "ecship", 5), fig("f", "--speed 20", "requests", "aws cli", 5),
    # higher is better, and a part with no reason written
    fig("d", "client", "calls/s", "ecship", 800, low=False), fig("d", "client", "calls/s", "botocore", 900, low=False),
    # no ecship figure: no comparison
    fig("e", "50", "wall s", "aws cli", 1),
]
rows = report.not_leading(figures)
keys = [(r["part"], r["case"], r["metric"]) for r in rows]
check("exactly the figures where a peer does better are listed",
      sorted(keys) == [("d", "client", "calls/s"), ("f", "--speed 1", "requests")])
req = next(r for r in rows if r["metric"] == "requests")
check("the peers that do better are named, best first, and no one else",
      req["better"] == [("aws cli", 4), ("deploy action", 5)] and req["mine"] == 11)
check("a written reason is used", req["reason"] == report.REASONS[("f", "requests")])
cps = next(r for r in rows if r["metric"] == "calls/s")
check("higher-is-better figures compare the other way", cps["better"] == [("botocore", 900)])
check("a figure without a written reason says so and where to write it",
      cps["reason"].startswith("(no reason written yet: see bench/bench.py"))
check("nothing to list when ecship leads everywhere",
      report.not_leading([fig("f", "x", "CPU ms", "ecship", 1), fig("f", "x", "CPU ms", "aws cli", 2)]) == [])

meta = {"date": "2026-01-01 00:00 UTC", "revision": "abc1234", "machine": "2 x CPU, Linux 6",
        "loads": (0.5, 1.5), "versions": [("ecship", "ecship 0.1.0"), ("aws", "aws-cli/1.0")], "took": 600}
out = report.render(meta, "TABLE ONE\n", figures)
page2 = report.replace_block(page, out)
check("the rendered block carries the date, revision, machine, load and versions",
      all(s in out for s in ("2026-01-01", "abc1234", "2 x CPU, Linux 6", "0.50", "1.50", "aws-cli/1.0")))
check("the rendered block carries the printed tables", "TABLE ONE" in out)
check("the rendered block lists both not-leads with both values",
      "**(f) --speed 1, requests**: ecship 11, aws cli 4, deploy action 5." in out
      and "**(d) client, calls/s**: ecship 800, botocore 900." in out)
check("the hand-written text around the block is unchanged",
      page2.startswith("# Title\n\nhand-written, kept\n\n" + report.BEGIN) and page2.endswith(report.END + "\n\n## After\n\nalso kept\n"))
PY
done_testing
