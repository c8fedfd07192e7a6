#!/usr/bin/env bash
# docs.sh: the documentation a new user reads. The README's first screen gives exactly the two
# set-up commands (make demo, make check); README.ja.md and docs/ja/ are kept in step with their
# English originals (same headings in order, identical code blocks, same table rows) and are
# Japanese prose; every relative link resolves inside the repository; and README, docs, the man
# page and action.yml refer to nothing outside the repository (no ../shared, no DESIGN.md).
. tests/lib/common.sh

check "README.md: the first code block is exactly 'make demo' and 'make check', within the first screen" python3 - <<'PY'
import re
for f in ("README.md", "README.ja.md"):
    text = open(f, encoding="utf-8").read()
    m = re.search(r"^```sh\n(.*?)^```", text, re.M | re.S)
    assert m, f
    cmds = [l.split("#")[0].strip() for l in m.group(1).splitlines() if l.strip()]
    assert cmds == ["make demo", "make check"], (f, cmds)
    line = text[: m.start()].count("\n") + 1
    assert line <= 40, (f, "the two commands start at line", line)
PY

# pairs ORIGINAL TRANSLATION
PAIRS="README.md:README.ja.md docs/config.md:docs/ja/config.md docs/troubleshooting.md:docs/ja/troubleshooting.md docs/strategies.md:docs/ja/strategies.md"
for pair in $PAIRS; do
	en=${pair%%:*} ja=${pair#*:}
	check "$ja exists" test -s "$ja"
	check "$ja has the section structure of $en (headings in order, code blocks, table rows)" python3 - "$en" "$ja" <<'PY'
import re, sys
def shape(path):
    text = open(path, encoding="utf-8").read()
    code = re.findall(r"^```.*?^```\n", text, re.M | re.S)
    prose = re.sub(r"^```.*?^```\n", "", text, flags=re.M | re.S)
    heads = [len(m.group(1)) for m in re.finditer(r"^(#+) ", prose, re.M)]
    rows = len(re.findall(r"^\|", prose, re.M))
    return heads, code, rows, prose
eh, ec, er, _ = shape(sys.argv[1])
jh, jc, jr, prose = shape(sys.argv[2])
assert eh == jh, ("heading levels differ", eh, jh)
assert len(ec) == len(jc), ("code block count", len(ec), len(jc))
for i, (a, b) in enumerate(zip(ec, jc)):
    assert a == b, ("code block %d differs" % (i + 1), a[:200], b[:200])
assert er == jr, ("table rows", er, jr)
# Japanese prose: most prose lines (not headings' code names, tables or link lines) have kana
lines = [l for l in prose.splitlines() if l.strip() and not l.startswith(("|", "#", "[", "```"))]
jp = [l for l in lines if re.search(r"[\u3040-\u30ff]", l)]
assert len(jp) >= 0.8 * len(lines), ("prose is not Japanese", len(jp), len(lines))
# a line break inside Japanese text renders as a space: paragraphs are one line each
pl = prose.split("\n")
cjk = lambda c: "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef"
breaks = [a for a, b in zip(pl, pl[1:]) if a.strip() and b.strip() and cjk(a[-1]) and cjk(b.lstrip()[0])
          and not b.startswith(("#", "|", "- ", "[")) and not a.startswith(("#", "|"))]
assert not breaks, ("a paragraph broken inside Japanese text", breaks[:3])
PY
done
# negative control: a translation with a missing section fails the comparison
sed '/^## GitHub Actions/d' README.ja.md >"$T_TMP/bad.ja.md"
check "negative control: a missing heading is caught" bash -c "! python3 - README.md '$T_TMP/bad.ja.md' 2>/dev/null <<'PY'
import re, sys
h = lambda p: [len(m.group(1)) for m in re.finditer(r'^(#+) ', re.sub(r'^\`\`\`.*?^\`\`\`\n', '', open(p).read(), flags=re.M | re.S), re.M)]
assert h(sys.argv[1]) == h(sys.argv[2])
PY"

check "every relative link in README and docs resolves inside the repository" python3 - <<'PY'
import glob, os, re
root = os.getcwd()
bad = []
for f in ["README.md", "README.ja.md"] + glob.glob("docs/**/*.md", recursive=True):
    text = re.sub(r"^```.*?^```\n", "", open(f, encoding="utf-8").read(), flags=re.M | re.S)
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        p = os.path.realpath(os.path.join(os.path.dirname(f), target))
        if not p.startswith(root + os.sep) or not os.path.exists(p):
            bad.append((f, target))
assert not bad, bad
PY

MAN=$ECSHIP_BUILD/ecship.1
for f in README.md README.ja.md docs action.yml examples "$MAN"; do
	lacks "$(basename "$f") refers to nothing outside the repository" <(grep -rIn -- '' "$f") \
		'\.\./shared|DESIGN\.md|STYLE\.md|/work/'
done
done_testing
