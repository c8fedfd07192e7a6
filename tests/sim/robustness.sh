#!/usr/bin/env bash
# robustness.sh: malformed requests, random bytes and mutated bodies, fault injection and the
# control API of ecship-sim (tests/sim/robustness.py); each PASS/FAIL line becomes one TAP result.
. tests/lib/common.sh

run_pass_fail tests/sim/robustness.py
done_testing
