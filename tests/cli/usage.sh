#!/usr/bin/env bash
# usage.sh: the command line itself: help from the option tables, exit codes for usage errors,
# git-style messages with a next step, version, usage lines and the man page generated from
# the option tables (checked by tests/lib/cli_docs.py).
. tests/lib/common.sh

expect_exit "--help exits 0" 0 "$ECSHIP" --help
contains "--help lists whoami" "$OUT" '^  whoami  '
contains "--help lists the exit codes" "$OUT" '^  130  interrupted'
contains "--help lists the global options" "$OUT" '--endpoint-url URL'

expect_exit "no command is a usage error" 2 "$ECSHIP"
contains "no command prints usage on stderr" "$ERR" '^usage: ecship'

expect_exit "unknown command exits 2" 2 "$ECSHIP" whomai
contains "unknown command is named" "$ERR" "^error: unknown command 'whomai'"
contains "unknown command suggests the closest" "$ERR" "did you mean 'ecship whoami'"

expect_exit "unknown option exits 2" 2 "$ECSHIP" whoami --frobnicate
contains "unknown option says where to look" "$ERR" "unknown option '--frobnicate' for 'whoami': see 'ecship whoami --help'"

expect_exit "bad --output value exits 2" 2 "$ECSHIP" --output yaml whoami
contains "bad --output value lists the choices" "$ERR" "choose one of text,json"

expect_exit "missing option value exits 2" 2 "$ECSHIP" whoami --region
contains "missing option value is explained" "$ERR" "option '--region' needs a value"

expect_exit "short options are refused clearly" 2 "$ECSHIP" whoami -x
contains "short option error names the option" "$ERR" "unknown option '-x'"

expect_exit "-h shows help" 0 "$ECSHIP" whoami -h
contains "command help has a usage line" "$OUT" '^usage: ecship whoami'

expect_exit "help COMMAND equals COMMAND --help" 0 "$ECSHIP" help whoami
cp "$OUT" "$T_TMP/help1"
expect_exit "COMMAND --help" 0 "$ECSHIP" whoami --help
check "help COMMAND and COMMAND --help print the same" cmp -s "$OUT" "$T_TMP/help1"

expect_exit "--version exits 0" 0 "$ECSHIP" --version
contains "--version names ecship and libcurl" "$OUT" '^ecship [0-9]+\.[0-9]+\.[0-9]+'
expect_exit "version --output json" 0 "$ECSHIP" version --output json
check "version json parses and has the libraries" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d["version"] and d["libraries"]["libcurl"]' "$OUT"

expect_exit "version with an argument is a usage error" 2 "$ECSHIP" version extra

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
