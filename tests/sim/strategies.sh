#!/usr/bin/env bash
# strategies.sh: blue/green, linear and canary deployments on ecship-sim with moto upstream: stages,
# listener-rule weights, bake time, PAUSE and Lambda hooks, alarms, rollbacks, refusals
# (tests/sim/strategies.py); TAP per PASS/FAIL.
. tests/lib/common.sh

run_pass_fail tests/sim/strategies.py
done_testing
