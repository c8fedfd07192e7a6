#!/usr/bin/env bash
# scenarios_rolling.sh: ecship-sim deployment scenarios (rolling) driven through boto3 with an explicit
# simulated clock (tests/sim/scenarios.py rolling); each PASS/FAIL line becomes one TAP result.
. tests/lib/common.sh

run_pass_fail tests/sim/scenarios.py rolling
done_testing
