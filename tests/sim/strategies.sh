#!/usr/bin/env bash
# strategies.sh: blue/green, linear and canary deployments on ecship-sim with moto upstream: stages,
# listener-rule weights, bake time, PAUSE and Lambda hooks, alarms, rollbacks, refusals
# (tests/sim/strategies.py); TAP per PASS/FAIL.
. tests/lib/common.sh

python3 tests/sim/strategies.py >"$T_TMP/out" 2>"$T_TMP/err"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	*) echo "# $line" ;;
	esac
done <"$T_TMP/out"
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$T_TMP/out"; then
	not_ok "strategies.py exited with status $rc"
	tail -n 30 "$T_TMP/err" | diag
fi
done_testing
