#!/usr/bin/env bash
# logs_seam.sh: CloudWatch Logs paging and the moto seam of ecship-sim
# (tests/sim/logs_seam.py); each PASS/FAIL line becomes one TAP result.
. tests/lib/common.sh

run_pass_fail tests/sim/logs_seam.py
done_testing
