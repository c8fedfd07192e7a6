#!/usr/bin/env bash
# upstream.sh: ecship-sim in front of moto_server: forwarding, cluster adoption from a
# CloudFormation stack, its own answers for its tasks (tests/sim/upstream.py); TAP per PASS/FAIL.
. tests/lib/common.sh

python3 tests/sim/upstream.py >"$T_TMP/out" 2>"$T_TMP/err"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	*) echo "# $line" ;;
	esac
done <"$T_TMP/out"
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$T_TMP/out"; then
	not_ok "upstream.py exited with status $rc"
	tail -n 30 "$T_TMP/err" | diag
fi
done_testing
