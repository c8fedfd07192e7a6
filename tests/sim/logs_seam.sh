#!/usr/bin/env bash
# logs_seam.sh: CloudWatch Logs paging and the moto seam of ecship-sim
# (tests/sim/logs_seam.py); each PASS/FAIL line becomes one TAP result.
. tests/lib/common.sh

python3 tests/sim/logs_seam.py >"$T_TMP/out" 2>"$T_TMP/err"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	*) echo "# $line" ;;
	esac
done <"$T_TMP/out"
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$T_TMP/out"; then
	not_ok "logs_seam.py exited with status $rc"
	tail -n 30 "$T_TMP/err" | diag
fi
done_testing
