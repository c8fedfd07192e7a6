# common.sh: sourced by every shell test (tests/*/*.sh). TAP helpers, the loopback guard and
# temporary directories. The harness (tests/run) exports:
#   ECSHIP, ECSHIP_SIM    the binaries under test     ECSHIP_BUILD   their build dir (tools/ inside)
#   MOTO_URL              a running moto_server       ECSHIP_TESTDATA  ../shared/testdata
#   fake AWS credentials, AWS_ENDPOINT_URL=$MOTO_URL, AWS_REGION, a private HOME.
set -u

T_N=0
T_FAILED=0

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $*"; }
# check DESC CMD...: ok when CMD exits 0
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
diag() { sed 's/^/# /' >&2; }
done_testing() { echo "1..$T_N"; [ "$T_FAILED" -eq 0 ]; }

# run_pass_fail PROGRAM [ARGS...]: runs a Python check that prints "PASS text" and "FAIL text"
# lines; each becomes one TAP result, other lines are comments. A program that exits non-zero
# without a FAIL line is one failure, with the end of its standard error as diagnostics.
run_pass_fail() {
	local line rc
	python3 "$@" >"$T_TMP/pf.out" 2>"$T_TMP/pf.err"
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"PASS "*) ok "${line#PASS }" ;;
		"FAIL "*) not_ok "${line#FAIL }" ;;
		*) echo "# $line" ;;
		esac
	done <"$T_TMP/pf.out"
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$T_TMP/pf.out"; then
		not_ok "${*#tests/sim/} exited with status $rc"
		tail -n 30 "$T_TMP/pf.err" | diag
	fi
}

# expect_exit DESC CODE CMD...: runs CMD, output to $OUT/$ERR files, checks the exit code.
OUT=""; ERR=""
expect_exit() {
	local d=$1 want=$2; shift 2
	OUT=$T_TMP/out.$T_N; ERR=$T_TMP/err.$T_N
	"$@" >"$OUT" 2>"$ERR" </dev/null
	local got=$?
	if [ "$got" -eq "$want" ]; then ok "$d"; else
		not_ok "$d (exit $got, want $want)"
		{ echo "command: $*"; echo "--- stdout"; head -c 2000 "$OUT"; echo "--- stderr"; head -c 2000 "$ERR"; } | diag
	fi
}
# contains DESC FILE REGEX
contains() { if grep -Eq -- "$3" "$2"; then ok "$1"; else not_ok "$1"; { echo "no match for: $3"; head -c 2000 "$2"; } | diag; fi; }
lacks() { if grep -Eq -- "$3" "$2"; then not_ok "$1"; { echo "unexpected match for: $3"; grep -E -- "$3" "$2" | head -5; } | diag; else ok "$1"; fi; }

# Tests never reach real AWS: every endpoint must be on loopback and the keys fake.
guard_loopback() {
	case "${AWS_ENDPOINT_URL:-}" in
	http://127.0.0.1:* | http://localhost:* | http://\[::1\]:*) ;;
	*) echo "Bail out! AWS_ENDPOINT_URL is not a loopback URL; refusing to run"; exit 1 ;;
	esac
	case "${AWS_ACCESS_KEY_ID:-}" in
	AKIA*TEST* | testing | AKIDEXAMPLE | "") ;;
	*) echo "Bail out! AWS_ACCESS_KEY_ID does not look like a test key; refusing to run"; exit 1 ;;
	esac
	[ "${ECSHIP_TEST_LOOPBACK_ONLY:-}" = 1 ] || { echo "Bail out! ECSHIP_TEST_LOOPBACK_ONLY is not set"; exit 1; }
}
guard_loopback

T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ecship-test.XXXXXX")
T_PIDS=()
t_cleanup() {
	local p
	for p in "${T_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
	for p in "${T_PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# free_port: prints a free loopback TCP port.
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# wait_http URL [SECONDS]: waits until URL answers (any status).
wait_http() {
	local url=$1 n=$(( ${2:-20} * 10 ))
	while ((n-- > 0)); do curl -s -o /dev/null "$url" && return 0; sleep 0.1; done
	return 1
}

# start_bg CMD...: starts a server in the background; killed at exit. Sets BG_PID.
start_bg() { "$@" & BG_PID=$!; T_PIDS+=("$BG_PID"); }
