# moto.sh: starts moto_server on a free loopback port for the harness. Sourced by tests/run.
# moto_start sets MOTO_URL and MOTO_PID; moto_stop stops it (tests/run calls it from a trap).
moto_start() {
	local port log=$1
	port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	if [ -n "${ECSHIP_REQUEST_LOG:-}" ]; then
		# moto's recorder keeps every request it gets, for the harness's request-model check
		MOTO_ENABLE_RECORDING=1 MOTO_RECORDER_FILEPATH="$ECSHIP_REQUEST_LOG/moto-$port.jsonl" \
			moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
	else
		moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
	fi
	MOTO_PID=$!
	echo "$MOTO_PID" >"$log.pid" # so the harness can stop it whatever happens
	MOTO_URL="http://127.0.0.1:$port"
	local n=150
	while ((n-- > 0)); do
		if curl -s -o /dev/null "$MOTO_URL/moto-api/"; then return 0; fi
		kill -0 "$MOTO_PID" 2>/dev/null || break
		sleep 0.2
	done
	echo "moto_server did not start; its log:" >&2
	cat "$log" >&2
	return 1
}

moto_stop() {
	[ -n "${MOTO_PID:-}" ] || return 0
	kill "$MOTO_PID" 2>/dev/null
	wait "$MOTO_PID" 2>/dev/null
	MOTO_PID=""
}

# moto_reset: forget every resource (between tests that need a clean account).
moto_reset() { curl -s -X POST "$MOTO_URL/moto-api/reset" >/dev/null; }
