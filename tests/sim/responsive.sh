#!/usr/bin/env bash
# responsive.sh: the simulator answers requests and SIGTERM while /_sim/clock advances a long
# time under load (tests/sim/responsive.py); each PASS/FAIL line becomes one TAP result.
. tests/lib/common.sh

run_pass_fail tests/sim/responsive.py
done_testing
