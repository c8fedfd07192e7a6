#!/usr/bin/env bash
# bench_parts.sh: the pure helpers of `make bench`'s parts e and g (bench/fanout.py,
# bench/failures.py) on fabricated request logs, rollout logs, services and tasks: the throttle
# and registration counts, the fan-out's correctness check and floor, the first failed task, the
# run's outcome (failure, time limit, false success). No simulator, no timing asserted.
. tests/lib/common.sh

for part in fanout failures; do
	run_pass_fail "bench/$part.py" --selftest
done
done_testing
