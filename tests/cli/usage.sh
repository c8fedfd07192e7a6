#!/usr/bin/env bash
# usage.sh: the command line itself: help from the option tables, exit codes for usage errors,
# git-style messages with a next step, version, the generated man page.
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

# The man page is generated from the same tables as --help: every option and command appears.
expect_exit "help --man generates the man page" 0 "$ECSHIP" help --man
MAN=$OUT
check "man page is valid roff (man -l renders it)" bash -c "MANWIDTH=100 man -l '$MAN' >/dev/null 2>&1 || groff -man -Tutf8 '$MAN' >/dev/null 2>&1"
missing=0
for opt in $("$ECSHIP" --help | grep -oE '^  --[a-z-]+' | sed 's/^  --//'); do
	grep -qF -- "$(printf -- '--%s' "$opt" | sed 's/-/\\-/g')" "$MAN" || { echo "# man page lacks --$opt"; missing=1; }
done
for cmd in $("$ECSHIP" --help | sed -n '/^commands:/,/^$/p' | awk 'NF>1{print $1}'); do
	grep -q "^\.SS $cmd" "$MAN" || { echo "# man page lacks command $cmd"; missing=1; }
done
check "man page covers every option and command of --help" test "$missing" = 0

# Writing results to a closed stdout is an error, not a silent success.
expect_exit "a failed write to stdout is reported" 1 bash -c "'$ECSHIP' version >/dev/full"
contains "the write error is named" "$ERR" "cannot write the results to stdout"

done_testing
