#!/usr/bin/env bash
# fresh_clone.sh: the first of the README's two set-up commands as a new user runs it: a clone of
# this repository (its committed HEAD) in a temporary folder with nothing beside it (no ../shared),
# then `make demo` there: exit 0, the summary table, and the example's files left as they were.
# Takes about 75 s on two cores (35 s build, 40 s demo).
# san: skip
. tests/lib/common.sh

if ! git rev-parse --git-dir >/dev/null 2>&1; then
	ok "make demo in a fresh clone # SKIP this tree is not a git repository, nothing to clone"
	done_testing
	exit
fi
C=$T_TMP/clone/ecship
git clone -q "$PWD" "$C" 2>"$T_TMP/clone.err"
check "git clone into $T_TMP/clone" test -f "$C/Makefile"
check "nothing beside the clone (no ../shared)" test ! -e "$C/../shared"

# a new user's environment: no harness variables, no jobserver of an outer make
unset MAKEFLAGS MAKELEVEL MFLAGS ECSHIP_TESTDATA ECSHIP ECSHIP_SIM ECSHIP_BUILD
expect_exit "make demo in the fresh clone exits 0" 0 timeout -k 5 400 make -C "$C" -j2 demo
DEMO=$OUT
contains "the demo prints its summary table" "$DEMO" '^step +command +exit +want +seconds +result$'
contains "every step ended as expected" "$DEMO" '^demo: all [0-9]+ steps ended as expected$'
contains "the demo says it works on its own copy of the example" "$DEMO" \
	'^project: a copy of examples/django-app in /'
check "the example's files are untouched (git status is clean)" \
	test -z "$(git -C "$C" status --porcelain --untracked-files=no)"
done_testing
