#!/usr/bin/env bash
# hostile_endpoints.sh: no call can hang and no answer is acted on unchecked. A loopback server
# that trickles its answer (a byte every 2 s) meets the total deadline (ECSHIP_HTTP_TIMEOUT) and
# the minimum speed; SIGTERM (as `timeout` sends it) and Ctrl-C end a call in flight at once; a
# server that does not speak HTTP is exit 3, not "invalid URL"; a FIFO named as --config or as
# the task definition is refused, not waited on; an empty 200 answer to RegisterTaskDefinition
# (the sim's "empty" fault) stops the deploy with exit 3 before any service is changed.
. tests/lib/common.sh
. tests/lib/sim.sh

# A server per mode: "trickle" answers 200 with a 1000-byte body one byte every 2 s; "ssh"
# greets like an SSH server and closes.
serve() {
	local mode=$1 port=$2
	python3 - "$mode" "$port" <<'PY' &
import socket, sys, threading, time
mode, port = sys.argv[1], int(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(16)
def handle(c):
    try:
        c.settimeout(5)
        try: c.recv(65536)
        except OSError: pass
        if mode == "ssh":
            c.sendall(b"SSH-2.0-OpenSSH_9.6\r\n"); c.close(); return
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            c.sendall(b" "); time.sleep(2)
    except OSError:
        pass
    finally:
        c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
PY
	T_PIDS+=("$!")
	local n=50
	while ((n-- > 0)); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

P=$T_TMP/proj
# its subnet is the one start_sim makes in moto (a made-up one for the hostile servers before it)
sim_small_project "$P" hostile web hostile-web 1
cd "$P" || exit 1

# elapsed CMD...: runs CMD (killed after 30 s: a hang fails the test, not the run), sets RC and
# SECS.
elapsed() {
	local t0=$SECONDS
	timeout -s KILL 30 "$@" >"$T_TMP/o" 2>"$T_TMP/e" </dev/null
	RC=$?
	SECS=$((SECONDS - t0))
}

tp=$(free_port)
check "the trickling server starts" serve trickle "$tp"
TRICKLE=http://127.0.0.1:$tp

elapsed env ECSHIP_HTTP_TIMEOUT=3s AWS_MAX_ATTEMPTS=1 "$ECSHIP" --endpoint-url "$TRICKLE" status
check "status against a trickle ends at the total deadline ECSHIP_HTTP_TIMEOUT=3s (exit $RC after $SECS s)" test "$RC" = 3 -a "$SECS" -le 8
contains "it says the endpoint did not answer in time" "$T_TMP/e" "did not answer within 3000 ms \(ECSHIP_HTTP_TIMEOUT\)"

elapsed env AWS_MAX_ATTEMPTS=1 "$ECSHIP" --endpoint-url "$TRICKLE" status
check "status against a trickle ends at the minimum speed by default (exit $RC after $SECS s)" test "$RC" = 3 -a "$SECS" -le 20
contains "it says the answer came too slowly" "$T_TMP/e" "answered too slowly: less than 100 bytes a second"

elapsed env ECSHIP_HTTP_TIMEOUT=later "$ECSHIP" --endpoint-url "$TRICKLE" status
check "an invalid ECSHIP_HTTP_TIMEOUT is a usage error (exit $RC)" test "$RC" = 2
contains "naming the variable" "$T_TMP/e" "ECSHIP_HTTP_TIMEOUT 'later'"

elapsed timeout -s TERM -k 20 --preserve-status 3 "$ECSHIP" --endpoint-url "$TRICKLE" status
check "SIGTERM from timeout(1) ends status in flight with 130 (exit $RC after $SECS s)" test "$RC" = 130 -a "$SECS" -le 6

"$ECSHIP" --endpoint-url "$TRICKLE" status >"$T_TMP/int.out" 2>"$T_TMP/int.err" </dev/null &
pid=$!
T_PIDS+=("$pid")
sleep 2
t0=$SECONDS
kill -INT "$pid"
timeout 10 tail --pid="$pid" -f /dev/null
kill -KILL "$pid" 2>/dev/null
wait "$pid"
rc=$?
check "the first Ctrl-C ends status in flight with 130 (exit $rc after $((SECONDS - t0)) s)" test "$rc" = 130 -a $((SECONDS - t0)) -le 3
contains "it says it was interrupted" "$T_TMP/int.err" "interrupted"

# deploy --timeout bounds every call it makes
elapsed env AWS_MAX_ATTEMPTS=1 ECSHIP_HTTP_MIN_SPEED=0 "$ECSHIP" --endpoint-url "$TRICKLE" deploy --timeout 4s
check "deploy --timeout 4s against a trickle ends within its timeout (exit $RC after $SECS s)" test "$RC" = 3 -a "$SECS" -le 9
contains "it says the command's time limit cut the call" "$T_TMP/e" "did not answer within [0-9]+ ms \(the command's time limit\)"

# not HTTP at all
sp=$(free_port)
check "the SSH-like server starts" serve ssh "$sp"
elapsed env AWS_MAX_ATTEMPTS=1 "$ECSHIP" --endpoint-url "http://127.0.0.1:$sp" status
check "an endpoint that does not speak HTTP is exit 3 (exit $RC)" test "$RC" = 3
contains "it says the endpoint did not answer in HTTP" "$T_TMP/e" "did not answer in HTTP"
lacks "not 'invalid URL'" "$T_TMP/e" "invalid URL"

# FIFOs are refused, not waited on
mkfifo "$T_TMP/config.fifo" "$T_TMP/td.fifo"
elapsed "$ECSHIP" --config "$T_TMP/config.fifo" render
check "a FIFO as --config is refused at once (exit $RC after $SECS s)" test "$RC" = 2 -a "$SECS" -le 3
contains "it says it is not a regular file" "$T_TMP/e" "config.fifo.*not a regular file"
sed "s|task_definition: td.json|task_definition: $T_TMP/td.fifo|" ecship.yml >fifo.yml
elapsed "$ECSHIP" --config fifo.yml render
check "a FIFO as task_definition is refused at once (exit $RC after $SECS s)" test "$RC" = 2 -a "$SECS" -le 3
contains "naming the file" "$T_TMP/e" "td.fifo.*not a regular file"
elapsed "$ECSHIP" --config /dev/zero render
check "a device as --config is refused (exit $RC after $SECS s)" test "$RC" = 2 -a "$SECS" -le 3

# an empty 200 answer to RegisterTaskDefinition: exit 3, the service is not touched
start_sim --upstream "$MOTO_URL" --speed 120 --seed 3 --region "$AWS_REGION" --no-rate-limits || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
aws ecs create-cluster --cluster-name hostile >/dev/null
expect_exit "first deploy" 0 "$ECSHIP" deploy
before=$(aws ecs describe-services --cluster hostile --services web --query 'services[0].taskDefinition' --output text)
seq0=$(sim_get /requests | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
sim_faults '{"faults":[{"action":"RegisterTaskDefinition","empty":1,"times":1}]}'
expect_exit "an empty answer to RegisterTaskDefinition is exit 3" 3 "$ECSHIP" deploy --tag v2
contains "the error names the call and the member" "$ERR" "RegisterTaskDefinition: the answer has no 'taskDefinition.taskDefinitionArn'"
sim_get "/requests?since=$seq0" >"$T_TMP/req.json"
check "no UpdateService or CreateService followed" python3 -c '
import json,sys
acts=[r["action"] for r in json.load(open(sys.argv[1]))["requests"]]
assert "RegisterTaskDefinition" in acts and "UpdateService" not in acts and "CreateService" not in acts, acts' "$T_TMP/req.json"
after=$(aws ecs describe-services --cluster hostile --services web --query 'services[0].taskDefinition' --output text)
check "the service still runs what it ran" test "$before" = "$after"
done_testing
