#!/usr/bin/env bash
# conformance.sh: runs the simulator's scenario programs with $ECSHIP_SIM_RESPONSE_LOG set, then
# checks every answer the sim gave against botocore's ECS, Logs and ELBv2 models (tests/sim/conformance.py):
# 0 violations wanted. The same checker runs over a whole suite: ECSHIP_SIM_RESPONSE_LOG=DIR tests/run
# ...; python3 tests/sim/conformance.py DIR (docs/sim.md).
. tests/lib/common.sh

export ECSHIP_SIM_RESPONSE_LOG=$T_TMP/answers
mkdir -p "$ECSHIP_SIM_RESPONSE_LOG"
for prog in "scenarios.py all" deployments.py fills.py failures.py logs_seam.py timing.py upstream.py robustness.py strategies.py; do
	# shellcheck disable=SC2086
	(cd tests/sim && python3 $prog) >"$T_TMP/prog.out" 2>&1
	rc=$?
	check "${prog%% *} ran (exit $rc)" test "$rc" = 0
	[ "$rc" = 0 ] || tail -n 20 "$T_TMP/prog.out" | diag
done
python3 tests/sim/conformance.py "$ECSHIP_SIM_RESPONSE_LOG" >"$T_TMP/conf.out" 2>&1
rc=$?
head -n 1 "$T_TMP/conf.out" | diag
check "every answer matches botocore's output shapes (0 violations)" test "$rc" = 0
[ "$rc" = 0 ] || grep VIOLATION "$T_TMP/conf.out" | head -20 | diag
n=$(sed -n '1s/^\([0-9]*\) answers.*/\1/p' "$T_TMP/conf.out")
check "the log holds the answers (at least 1000, got ${n:-0})" test "${n:-0}" -ge 1000
# the ELBv2 XML answers the sim gives itself are among them (DescribeTargetHealth)
e=$(sed -n 's/^  DescribeTargetHealth *\([0-9]*\)$/\1/p' "$T_TMP/conf.out")
check "the ELBv2 DescribeTargetHealth answers were checked too (at least 20, got ${e:-0})" test "${e:-0}" -ge 20
done_testing
