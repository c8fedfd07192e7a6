#!/usr/bin/env bash
# demo.sh: smoke test of `make demo` (scripts/demo): the whole workflow runs on its own moto_server
# and ecship-sim, every step ends with the exit code it should (the failing deploy with 1), the
# summary table is there, and both servers are gone afterwards. Timing is never asserted.
# san: skip
. tests/lib/common.sh

sums() { find examples/django-app -type f -print0 | sort -z | xargs -0 sha256sum; }
sums >"$T_TMP/example.before"
expect_exit "scripts/demo runs the whole workflow and exits 0" 0 timeout -k 5 300 scripts/demo --build "$ECSHIP_BUILD"
DEMO_OUT=$OUT
sums >"$T_TMP/example.after"
check "the example's files are exactly as before the demo" diff "$T_TMP/example.before" "$T_TMP/example.after"
contains "the demo says it works on its own copy and never changes the example" "$DEMO_OUT" \
	'^  the demo changes only this copy .*never the example$'

contains "it ends on the verdict line" "$DEMO_OUT" '^demo: all [0-9]+ steps ended as expected$'
contains "a summary table with step, command, exit, seconds, result" "$DEMO_OUT" '^step +command +exit +want +seconds +result$'

# summary rows, fixed-width columns: the header says where "exit" and "want" are
rows=$T_TMP/rows
sed -n '/^summary$/,/^demo: /p' "$DEMO_OUT" | grep -E '^[0-9]+ ' >"$rows"
header=$(grep -E '^step +command +exit' "$DEMO_OUT" | head -n 1)
epos=${header%%exit*}
epos=${#epos}
# field ROW_LINE: "exit want" of one row
fields() { printf '%s' "$1" | cut -c$((epos + 1))-$((epos + 10)); }
check "the summary has at least 8 steps" test "$(wc -l <"$rows")" -ge 8
bad=0
while IFS= read -r line; do
	read -r got want <<<"$(fields "$line")"
	[ -n "$got" ] && [ "$got" = "$want" ] || { bad=1; echo "unexpected: $line" | diag; }
done <"$rows"
check "every step's exit code is the expected one" test "$bad" = 0

# row_exit REGEX: the exit code in the first summary row whose command matches REGEX
row_exit() { local l; l=$(grep -E -- "$1" "$rows" | head -n 1); [ -n "$l" ] && fields "$l" | awk '{ print $1 }'; }
check "first deploy (creates the service) exits 0" test "$(row_exit "deploy --tag v1 ")" = 0
check "second deploy with a new tag exits 0" test "$(row_exit "ALLOWED_HOSTS='\*' ecship deploy --tag v2 ")" = 0
check "the failing deploy (ALLOWED_HOSTS) exits 1" test "$(row_exit "deploy --tag v3 ")" = 1
# issue 16: a canary paused for approval, approved; a blue/green rolled back by an alarm at BAKE_TIME
check "the canary deploy stops at its PAUSE hook with exit 5" \
	test "$(row_exit "deploy --service django-canary-staging --tag v2")" = 5
check "approve continues it" test "$(row_exit "approve --service django-canary-staging")" = 0
check "wait sees it complete" test "$(row_exit "wait --service django-canary-staging")" = 0
check "the blue/green deploy fails (rolled back)" \
	test "$(row_exit "deploy --service django-bluegreen-staging --tag v2")" = 1
contains "the blue/green rollback is reported at BAKE_TIME with the alarm" "$DEMO_OUT" \
	"at lifecycle stage BAKE_TIME; alarm 'django-5xx' is in ALARM"
check "status exits 0" test "$(row_exit "ecship status ")" = 0
check "rollback --to 1 exits 0" test "$(row_exit "ecship rollback --to 1 ")" = 0
check "rollback to the recorded revision exits 0" test "$(row_exit "ecship rollback  ")" = 0
contains "the failing deploy ended on the previous revision" "$rows" 'deploy --tag v3 .*back on django-app-staging:2'
contains "the failing deploy's diagnosis names ALLOWED_HOSTS" "$DEMO_OUT" '\| cause: .*ALLOWED_HOSTS'
contains "the hand rollback moved to revision 1" "$rows" 'rollback --to 1 .*on django-app-staging:1'
contains "the failing deploy's own output says it rolled back" "$DEMO_OUT" 'back on django-app-staging:2'
lacks "no step ended unexpectedly" "$DEMO_OUT" 'UNEXPECTED EXIT'

# the servers it started are stopped
moto=$(sed -n 's/^ecship demo: moto_server \(http:[^,]*\), ecship-sim \(http:[^ ]*\).*/\1/p' "$DEMO_OUT")
sim=$(sed -n 's/^ecship demo: moto_server \(http:[^,]*\), ecship-sim \(http:[^ ]*\).*/\2/p' "$DEMO_OUT")
check "the demo names its servers" test -n "$moto" -a -n "$sim"
check "moto_server is stopped" bash -c "! curl -s -o /dev/null --max-time 2 '$moto/moto-api/'"
check "ecship-sim is stopped" bash -c "! curl -s -o /dev/null --max-time 2 '$sim/_sim/'"

expect_exit "a bad option is a usage error" 2 scripts/demo --bogus
done_testing
