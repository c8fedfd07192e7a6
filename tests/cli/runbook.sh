#!/usr/bin/env bash
# runbook.sh: the render case's copies of the runbook's two files (tests/cases/render/) are the
# runbook's text byte for byte. The runbook is optional data beside the clone (../shared/seed);
# without it the check is reported as skipped with the reason.
. tests/lib/common.sh

SEED=${ECSHIP_TESTDATA:-../shared/testdata}/../seed/000_2eb6dde9967fb72d.txt
if [ -r "$SEED" ]; then
	mkdir -p "$T_TMP/seed"
	python3 - "$SEED" "$T_TMP/seed" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2] + "/task-definition-staging.json", "w").write(re.findall(r"```json\n(.*?)```", t, re.S)[0])
open(sys.argv[2] + "/ecs-service-staging.json", "w").write(
    re.search(r"cat > ecs-service-staging.json << EOF\n(.*?)EOF\n", t, re.S).group(1))
PY
	for f in task-definition-staging.json ecs-service-staging.json; do
		check "tests/cases/render/$f is the runbook's $f byte for byte" \
			cmp "$T_TMP/seed/$f" "tests/cases/render/$f"
	done
else
	ok "tests/cases/render/ holds the runbook's files byte for byte # SKIP optional data: the runbook is not at '$SEED'"
	ok "(second file) # SKIP optional data: the runbook is not at '$SEED'"
fi
done_testing
