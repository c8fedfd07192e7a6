#!/usr/bin/env bash
# diagnose_sim.sh: `ecship logs` merges the lines of several tasks in time order, on ecship-sim
# with moto upstream. The diagnosis of each failure behaviour, `tasks --stopped` and the other
# `logs` checks are data: tests/cases/diagnose-sim.
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 60 --seed 11 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_failure_rules
P=$T_TMP/proj
sim_project diag "$P"
cd "$P" || exit 1

# setup: a healthy deploy, then a failing one, so the log group holds several tasks' lines (the
# checks of these deploys are in tests/cases/diagnose-sim)
"$ECSHIP" deploy >"$T_TMP/setup.out" 2>&1 || { not_ok "setup: the first deploy failed"; diag <"$T_TMP/setup.out"; }
"$ECSHIP" deploy --tag crash >"$T_TMP/setup.out" 2>&1
[ $? = 1 ] || { not_ok "setup: the failing deploy did not exit 1"; diag <"$T_TMP/setup.out"; }

# logs: time order across tasks
expect_exit "logs (all)" 0 "$ECSHIP" logs --since 3h
check "logs are in time order" bash -c "cut -d' ' -f1 '$OUT' | sort -c"
check "logs come from more than one task" test "$(sed -n 's/^[^ ]* \[\([0-9a-f]*\)\].*/\1/p' "$OUT" | sort -u | wc -l)" -gt 2

done_testing
