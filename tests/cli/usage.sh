#!/usr/bin/env bash
# usage.sh: the command line itself: help from the option tables, exit codes for usage errors,
# git-style messages with a next step, version, usage lines and the man page generated from
# the option tables (checked by tests/lib/cli_docs.py).
. tests/lib/common.sh

# --help, usage errors, -h and version: tests/cases/usage-*, tests/cases/version
expect_exit "help COMMAND equals COMMAND --help" 0 "$ECSHIP" help whoami
cp "$OUT" "$T_TMP/help1"
expect_exit "COMMAND --help" 0 "$ECSHIP" whoami --help
check "help COMMAND and COMMAND --help print the same" cmp -s "$OUT" "$T_TMP/help1"

# Usage lines, --help and the man page are generated from the same option tables: every
# command's usage line names exactly the options of its table, in order.
check "every command's usage line lists exactly its table's options" python3 tests/lib/cli_docs.py usage "$ECSHIP"
expect_exit "help --man generates the man page" 0 "$ECSHIP" help --man
MAN=$OUT
# the page renders (man -l, else groff) with its sections in order, each global option under
# GLOBAL OPTIONS, each command's usage line and its own options in its subsection, the exit codes
check "man page renders and covers every command and option in its section" python3 tests/lib/cli_docs.py man "$ECSHIP" "$MAN"
# the check itself can fail: an empty page, a garbage page, a page missing one option
: >"$T_TMP/empty.1"
check "the man-page check fails on an empty page" bash -c "! python3 tests/lib/cli_docs.py man '$ECSHIP' '$T_TMP/empty.1' >/dev/null"
echo 'garbage' >"$T_TMP/garbage.1"
check "the man-page check fails on a garbage page" bash -c "! python3 tests/lib/cli_docs.py man '$ECSHIP' '$T_TMP/garbage.1' >/dev/null"
grep -v '^\.B \\-\\-pre\\-run' "$MAN" >"$T_TMP/lacks.1"
check "the man-page check fails on a page without deploy's --pre-run" bash -c "python3 tests/lib/cli_docs.py man '$ECSHIP' '$T_TMP/lacks.1' | grep -q 'deploy: the man page lists the options'"

# Writing results to a closed stdout is an error, not a silent success.
expect_exit "a failed write to stdout is reported" 1 bash -c "'$ECSHIP' version >/dev/full"
contains "the write error is named" "$ERR" "cannot write the results to stdout"

done_testing
