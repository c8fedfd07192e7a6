#!/usr/bin/env bash
# fills.sh: what ECS fills in and refuses, on ecship-sim
# (tests/sim/fills.py); each PASS/FAIL line becomes one TAP result.
. tests/lib/common.sh

run_pass_fail tests/sim/fills.py
done_testing
