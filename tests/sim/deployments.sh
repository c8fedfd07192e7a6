#!/usr/bin/env bash
# deployments.sh: the service deployments API of ecship-sim, its answers checked against botocore's
# ECS output shapes (tests/sim/deployments.py); each PASS/FAIL line becomes one TAP result.
. tests/lib/common.sh

run_pass_fail tests/sim/deployments.py
done_testing
