#!/usr/bin/env bash
# scenarios_failing.sh: ecship-sim deployment scenarios (failing) driven through boto3 with an explicit
# simulated clock (tests/sim/scenarios.py failing); each PASS/FAIL line becomes one TAP result.
. tests/lib/common.sh

run_pass_fail tests/sim/scenarios.py failing
done_testing
