#!/usr/bin/env bash
# upstream.sh: ecship-sim in front of moto_server: forwarding, cluster adoption from a
# CloudFormation stack, its own answers for its tasks (tests/sim/upstream.py); TAP per PASS/FAIL.
. tests/lib/common.sh

run_pass_fail tests/sim/upstream.py
done_testing
