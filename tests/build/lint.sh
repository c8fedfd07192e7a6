#!/usr/bin/env bash
# lint.sh: `make lint` is clean: clang-tidy with the checked-in .clang-tidy (bugprone-*, cert-*)
# and cppcheck (warning, portability) over lib/, src/ and sim/. Skipped when neither is installed.
# san: skip
. tests/lib/common.sh

if ! command -v clang-tidy >/dev/null && ! command -v cppcheck >/dev/null; then
	ok "# SKIP neither clang-tidy nor cppcheck is installed (scripts/install-deps --lint)"
	done_testing
	exit 0
fi
expect_exit "make lint passes" 0 nice make --no-print-directory lint BUILD="$T_TMP/lint"
contains "clang-tidy ran (or says why not)" "$OUT" 'TIDY '
contains "cppcheck ran (or says why not)" "$OUT" 'CPPCHK '
done_testing
