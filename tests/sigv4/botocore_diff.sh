#!/usr/bin/env bash
# botocore_diff.sh: the SigV4 differential as TAP. 1,200 random requests (fixed seed) signed by
# our tests/tools/sigv4_sign and by botocore's SigV4Auth/S3SigV4Auth must agree on canonical
# request, string to sign, Authorization and the added headers: one TAP line per 100-request
# batch, one per generator feature (so none silently disappears), and a negative control.
# Needs python3 with botocore; no network.
. tests/lib/common.sh

TOOL=$ECSHIP_BUILD/tools/sigv4_sign
if [ ! -x "$TOOL" ]; then
	not_ok "sigv4_sign tool is built ($TOOL)"
	done_testing
	exit
fi
if ! python3 -c 'import botocore' 2>/dev/null; then
	not_ok "python3 can import botocore (install it: pip install botocore)"
	done_testing
	exit
fi

OUTF=$T_TMP/diff.out
python3 tests/sigv4/botocore_diff.py --tool "$TOOL" --count 1200 --seed 20150830 >"$OUTF" 2>"$T_TMP/diff.err"
rc=$?

batches=0
while read -r kind a rest; do
	case "$kind" in
	batch)
		batches=$((batches + 1))
		read -r b c <<<"$rest"
		if [ "$c" = 0 ]; then ok "batch $a: $b requests agree with botocore"
		else not_ok "batch $a: $c of $b requests differ from botocore"; fi ;;
	feature)
		# a feature must be exercised by at least 20 requests
		if [ "$a" -ge 20 ]; then ok "generator covers $rest ($a requests)"
		else not_ok "generator covers $rest (only $a requests)"; fi ;;
	control)
		if [ "$a" = caught ]; then ok "a wrong secret key is reported as a mismatch"
		else not_ok "a wrong secret key is reported as a mismatch"; fi ;;
	esac
done <"$OUTF"

grep '^#' "$OUTF" | head -n 200 >&2
grep '^summary:' "$OUTF" | diag
check "at least 10 batches ran" [ "$batches" -ge 10 ]
if [ "$rc" -eq 0 ]; then ok "differential exits 0"; else
	not_ok "differential exits 0 (status $rc)"
	head -c 2000 "$T_TMP/diff.err" | diag
fi
grep -q '^summary: [0-9]* requests, 0 mismatches$' "$OUTF"
check "summary reports 0 mismatches" [ $? -eq 0 ]
done_testing
