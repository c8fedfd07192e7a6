#!/usr/bin/env bash
# timing.sh: ecship-sim on ECS's clock (the default timing profile) driven through boto3 with an explicit
# simulated clock (tests/sim/timing.py); each PASS/FAIL line becomes one TAP result.
. tests/lib/common.sh

run_pass_fail tests/sim/timing.py
done_testing
