#!/usr/bin/env python3
"""cli_docs.py: checks that ecship's generated documentation agrees with its option tables.

  cli_docs.py usage ECSHIP        every command's usage line (`ecship CMD --help`) names exactly
                                  the options of its table (the "options:" section, generated
                                  from the same table), each once, and nothing else
  cli_docs.py man ECSHIP FILE     the man page FILE, rendered with `man -l` (else groff), has the
                                  sections in order, every global option under GLOBAL OPTIONS,
                                  every command under COMMANDS with its usage line and each of
                                  its options in its own subsection, every exit code under
                                  EXIT STATUS
Prints one line per problem and exits 1 when there is any; exit 0 and no output when all agree.
"""
import os
import re
import shutil
import subprocess
import sys

OPT = re.compile(r"--[a-z][a-z0-9-]*")


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def commands(ecship):
    """The command names listed by `ecship --help`."""
    out = run(ecship, "--help").stdout
    block = out.split("\ncommands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def command_help(ecship, cmd):
    """(usage text joined on one line, [options of the table in order]) from `ecship CMD --help`."""
    out = run(ecship, cmd, "--help").stdout
    usage = out.split("\n\n", 1)[0]
    if not usage.startswith("usage: ecship " + cmd):
        return None, []
    usage = " ".join(usage[len("usage: ecship "):].split())
    opts = []
    if "\noptions:\n" in out:
        block = out.split("\noptions:\n", 1)[1].split("\n\n", 1)[0]
        for line in block.splitlines():
            m = re.match(r"  (--[a-z][a-z0-9-]*)", line)
            if m:
                opts.append(m.group(1))
    return usage, opts


def global_options(ecship):
    out = run(ecship, "--help").stdout
    block = out.split("\nglobal options", 1)[1].split("\n\n", 1)[0]
    return [m.group(1) for m in re.finditer(r"^  (--[a-z][a-z0-9-]*)", block, re.M)]


def check_usage(ecship):
    problems = []
    cmds = commands(ecship)
    if not cmds:
        problems.append("`ecship --help` lists no command")
    for cmd in cmds:
        usage, opts = command_help(ecship, cmd)
        if usage is None:
            problems.append(f"{cmd}: --help does not start with 'usage: ecship {cmd}'")
            continue
        named = OPT.findall(usage)
        for o in opts:
            if named.count(o) != 1:
                problems.append(f"{cmd}: usage line names {o} {named.count(o)} times, want 1: {usage}")
        for o in sorted(set(named) - set(opts)):
            problems.append(f"{cmd}: usage line names {o}, which its option table lacks")
        if [o for o in named if o in opts] != opts:
            problems.append(f"{cmd}: usage line lists the options out of table order: {usage}")
    return problems


def render(path):
    """The man page as plain text, wide enough that no usage line wraps."""
    env = dict(os.environ, MANWIDTH="400", MAN_KEEP_FORMATTING="")
    env.pop("MANPAGER", None)
    if shutil.which("man"):
        r = subprocess.run(["man", "-l", path], capture_output=True, text=True, env=env, check=False)
        if r.returncode == 0:
            raw = r.stdout
        else:
            return None, f"man -l failed: {r.stderr.strip()[:200]}"
    elif shutil.which("groff"):
        r = subprocess.run(["groff", "-man", "-Tutf8", "-rLL=400n", "-P-cbou", path],
                           capture_output=True, text=True, check=False)
        if r.returncode != 0:
            return None, f"groff failed: {r.stderr.strip()[:200]}"
        raw = r.stdout
    else:
        return None, "neither man nor groff is installed"
    text = re.sub(r".\x08", "", raw)  # overstrike bold and underline
    return text.replace("\u2010", "-").replace("\u2212", "-"), None


def check_man(ecship, path):
    problems = []
    with open(path, encoding="utf-8", errors="replace") as f:
        roff = f.read()
    if not roff.startswith(".TH ECSHIP 1 "):
        problems.append("the page does not start with '.TH ECSHIP 1'")
    text, why = render(path)
    if text is None:
        return problems + [why]
    lines = text.splitlines()
    order = ["NAME", "SYNOPSIS", "DESCRIPTION", "GLOBAL OPTIONS", "COMMANDS", "EXIT STATUS",
             "ENVIRONMENT", "SEE ALSO"]
    at = {}
    for i, line in enumerate(lines):
        if line in order and line not in at:
            at[line] = i
    for name in order:
        if name not in at:
            problems.append(f"no section {name}")
    if problems:
        return problems
    if [at[n] for n in order] != sorted(at[n] for n in order):
        problems.append("the sections are out of order: " + ", ".join(sorted(at, key=at.get)))
        return problems

    def section(name):
        i = order.index(name)
        end = at[order[i + 1]] if i + 1 < len(order) else len(lines)
        return lines[at[name] + 1:end]

    def entries(block):  # option entries (.TP tags), not mentions in prose
        return [m.group(1) for line in block
                for m in [re.match(r"^ {7}(--[a-z][a-z0-9-]*)(?:\s|$)", line)] if m]

    gopts = global_options(ecship)
    got = entries(section("GLOBAL OPTIONS"))
    if not gopts:
        problems.append("`ecship --help` lists no global option")
    if got != gopts:
        problems.append(f"GLOBAL OPTIONS lists {got}, --help lists {gopts}")

    cmds = commands(ecship)
    block = section("COMMANDS")
    heads = [i for i, line in enumerate(block) if re.match(r"^ {3}\S", line)]
    names = [block[i].split()[0] for i in heads]
    if names != cmds:
        problems.append(f"COMMANDS has the subsections {names}, --help lists {cmds}")
    for k, i in enumerate(heads):
        cmd = names[k]
        if cmd not in cmds:
            continue
        sub = block[i + 1:heads[k + 1] if k + 1 < len(heads) else len(block)]
        usage, opts = command_help(ecship, cmd)
        if " ".join(block[i].split()) != usage:
            problems.append(f"{cmd}: man synopsis '{block[i].strip()}' is not the usage line '{usage}'")
        if entries(sub) != opts:
            problems.append(f"{cmd}: the man page lists the options {entries(sub)}, its table {opts}")

    status = "\n".join(section("EXIT STATUS"))
    for code in ("0", "1", "2", "3", "4", "130"):
        if not re.search(rf"^\s+{code}\s+\S", status, re.M):
            problems.append(f"EXIT STATUS lacks exit code {code}")
    return problems


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "usage":
        problems = check_usage(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "man":
        problems = check_man(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
