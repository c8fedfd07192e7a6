#!/usr/bin/env bash
# harness_skips.sh: a test run without the optional data beside the clone (what a fresh clone
# has) reports the tests that need it as skipped, each with its reason, and ends on
# "N passed, 0 failed, N skipped" rather than failing: tests/run itself, nested, over the three
# programs that read ECSHIP_TESTDATA (the SigV4 suite, the protocol error cases, the runbook).
# san: skip
. tests/lib/common.sh

expect_exit "tests/run without the optional data exits 0" 0 env ECSHIP_TESTDATA="$T_TMP/none" ECSHIP_TEST_JOBS=1 \
	tests/run --build "${ECSHIP_BUILD#"$PWD"/}" --only 'plain/(unit/test_sigv4|unit/test_aws_errors|cli/runbook)$'
contains "the last line counts the skips" "$OUT" '^[0-9]+ passed, 0 failed, [0-9]+ skipped$'
check "the last line is that line" bash -c "tail -n 1 '$OUT' | grep -Eq '^[0-9]+ passed, 0 failed, [0-9]+ skipped\$'"
contains "the SigV4 suite is skipped, with the folder it looked in" "$OUT" \
	"^skipped: plain/unit/test_sigv4: optional test data '$T_TMP/none/aws-sigv4-suite/v4' is not there"
contains "the protocol error cases are skipped, with the file" "$OUT" \
	"^skipped: plain/unit/test_aws_errors: optional test data '$T_TMP/none/aws-protocol-tests/output/json.json' is not there"
contains "the runbook check is skipped, with the path" "$OUT" "^skipped: plain/cli/runbook: optional data: the runbook is not at"
contains "the per-program lines show the skips" "$OUT" '^ok +plain/unit/test_sigv4 +0 passed, 1 skipped'
contains "the other tests of test_aws_errors still ran" "$OUT" '^ok +plain/unit/test_aws_errors +3 passed, 3 skipped'
lacks "nothing failed" "$OUT" '^FAIL|^failed:'
done_testing
