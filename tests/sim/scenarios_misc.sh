#!/usr/bin/env bash
# scenarios_misc.sh: ecship-sim deployment scenarios (misc) driven through boto3 with an explicit
# simulated clock (tests/sim/scenarios.py misc); each PASS/FAIL line becomes one TAP result.
. tests/lib/common.sh

run_pass_fail tests/sim/scenarios.py misc
done_testing
