#!/usr/bin/env bash
# deployments.sh: the service deployments API of ecship-sim, its answers checked against botocore's
# ECS output shapes (tests/sim/deployments.py); each PASS/FAIL line becomes one TAP result.
. tests/lib/common.sh

python3 tests/sim/deployments.py >"$T_TMP/out" 2>"$T_TMP/err"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	*) echo "# $line" ;;
	esac
done <"$T_TMP/out"
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$T_TMP/out"; then
	not_ok "deployments.py exited with status $rc"
	tail -n 30 "$T_TMP/err" | diag
fi
done_testing
