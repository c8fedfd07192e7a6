# sim.sh: starting ecship-sim in shell tests. Source after tests/lib/common.sh.
# start_sim ARGS...: starts ecship-sim on a free loopback port (killed at exit by common.sh);
# sets SIM_URL, SIM_PID and SIM_FIRST_LINE.
start_sim() {
	local out=$T_TMP/sim.$RANDOM
	"$ECSHIP_SIM" --listen 127.0.0.1:0 "$@" >"$out.out" 2>"$out.err" &
	SIM_PID=$!
	T_PIDS+=("$SIM_PID")
	local n=200
	while ((n-- > 0)); do grep -q '^listening on ' "$out.out" 2>/dev/null && break; sleep 0.05; done
	SIM_URL=$(sed -n '1s/^listening on //p' "$out.out")
	SIM_FIRST_LINE=$(head -n 1 "$out.out")
	[ -n "$SIM_URL" ]
}

# sim_post PATH JSON: POST to the sim's control API.
sim_post() { curl -sf -X POST "$SIM_URL/_sim$1" -H 'Content-Type: application/json' -d "$2"; }
sim_get() { curl -sf "$SIM_URL/_sim$1"; }
