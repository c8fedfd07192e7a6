#!/usr/bin/env bash
# failures.sh: the failure kinds ecship diagnoses, as ecship-sim produces them
# (tests/sim/failures.py); each PASS/FAIL line becomes one TAP result.
. tests/lib/common.sh

run_pass_fail tests/sim/failures.py
done_testing
