#!/usr/bin/env bash
# terminal_safety.sh: text that comes from AWS (service events, error messages, stopped reasons,
# log lines) can hold escape sequences, CR and LF; ecship shows them escaped (caret notation, as
# git does: ESC is ^[, CR ^M, LF ^J) so an endpoint or a log line cannot forge ecship's output or
# drive the terminal, under GitHub Actions too (workflow commands %-encoded); --output json keeps
# the text exact. Events are injected through ecship-sim's /_sim/events.
. tests/lib/common.sh
. tests/lib/sim.sh

ESC=$'\033'
# no_raw_controls DESC FILE: no ESC, CR, BEL or other C0 control byte besides LF and tab
no_raw_controls() {
	if LC_ALL=C grep -q $'[\001-\010\013-\037\177]' "$2"; then
		not_ok "$1"
		LC_ALL=C grep -n $'[\001-\010\013-\037\177]' "$2" | cat -v | head -5 | diag
	else ok "$1"; fi
}

start_sim --upstream "$MOTO_URL" --speed 60 --seed 9 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_post /rules '{"rules":[{"match":"nopull","behavior":"pull-error"}]}' >/dev/null
P=$T_TMP/proj
sim_project safety "$P"
cd "$P" || exit 1
expect_exit "deploy the service" 0 "$ECSHIP" deploy

# ---- a service event with an escape sequence, BEL and CR/LF -----------------------------------
evil="ok${ESC}]0;owned${ESC}\\${ESC}[2J"$'\a\r\n'"error: forged by the endpoint"
python3 -c 'import json,sys; print(json.dumps({"cluster":"safety","service":"web-staging","message":sys.argv[1]}))' "$evil" >"$T_TMP/ev.json"
check "the sim takes the event" curl -sf -X POST "$SIM_URL/_sim/events" -d @"$T_TMP/ev.json" -o /dev/null

expect_exit "status shows the events" 0 "$ECSHIP" status --events 3
no_raw_controls "status writes no raw control character" "$OUT"
contains "the event is shown escaped, on one line" "$OUT" '^  .*  ok\^\[\]0;owned\^\[\\\^\[\[2J\^G\^M\^Jerror: forged by the endpoint$'
lacks "no line is forged" "$OUT" '^error: forged'

expect_exit "status --output json" 0 "$ECSHIP" --output json status --events 3
check "JSON keeps the event exactly" python3 -c '
import json,sys
ev=json.load(open(sys.argv[1]))["events"]
assert any(e["message"]==sys.argv[2] for e in ev), [e["message"] for e in ev]' "$OUT" "$evil"

# A deploy shows new events as they happen: escaped there too.
expect_exit "a deploy with --force-new-deployment" 0 "$ECSHIP" deploy --force-new-deployment
python3 -c 'import json,sys; print(json.dumps({"cluster":"safety","service":"web-staging","message":sys.argv[1]}))' "later${ESC}[31m red"$'\r'"x" >"$T_TMP/ev2.json"
curl -sf -X POST "$SIM_URL/_sim/events" -d @"$T_TMP/ev2.json" -o /dev/null
expect_exit "wait shows events while waiting" 0 "$ECSHIP" wait
no_raw_controls "wait writes no raw control character" "$ERR"

# ---- a stopped reason holding the image name, with an escape sequence --------------------------
# ecship refuses such an image itself; another client registers it and updates the service.
expect_exit "ecship refuses an image name with control characters" 2 "$ECSHIP" run --image "repo/nopull${ESC}[2J:v1" -- true
no_raw_controls "and says so without a raw control character" "$ERR"
aws ecs describe-task-definition --task-definition web-staging --query taskDefinition --output json >"$T_TMP/td.json"
python3 -c '
import json,sys
td=json.load(open(sys.argv[1]))
td={k:td[k] for k in ("family","networkMode","requiresCompatibilities","cpu","memory","executionRoleArn","containerDefinitions")}
td["containerDefinitions"][0]["image"]="repo/nopull\u001b[2J:v1"
json.dump(td,open(sys.argv[1],"w"))' "$T_TMP/td.json"
arn=$(aws ecs register-task-definition --cli-input-json "file://$T_TMP/td.json" --query taskDefinition.taskDefinitionArn --output text)
aws ecs update-service --cluster safety --service web-staging --task-definition "$arn" >/dev/null
n=0
until aws ecs list-tasks --cluster safety --desired-status STOPPED --output json | grep -q arn && \
	[ "$("$ECSHIP" tasks --stopped 2>/dev/null | grep -c CannotPull)" -gt 0 ]; do
	n=$((n + 1)); [ $n -gt 100 ] && break; sleep 0.2
done
expect_exit "tasks --stopped" 0 "$ECSHIP" tasks --stopped
no_raw_controls "tasks --stopped writes no raw control character" "$OUT"
contains "the stopped reason in tasks is escaped" "$OUT" 'CannotPullContainerError.*nopull\^\[\[2J'
expect_exit "tasks --stopped --output json" 0 "$ECSHIP" --output json tasks --stopped
check "JSON keeps the stopped reason exactly" python3 -c '
import json,sys
def strings(v):
    if isinstance(v, str): yield v
    elif isinstance(v, dict): yield from (x for w in v.values() for x in strings(w))
    elif isinstance(v, list): yield from (x for w in v for x in strings(w))
assert any("nopull\x1b[2J:v1: not found" in x for x in strings(json.load(open(sys.argv[1]))))' "$OUT"
aws ecs update-service --cluster safety --service web-staging --task-definition web-staging:1 >/dev/null

# ---- a log line (the one-off task logs its command) --------------------------------------------
expect_exit "run a command whose log line holds CR and an escape sequence" 0 "$ECSHIP" run -- echo "a${ESC}[2Kb"$'\r'"error: forged"
no_raw_controls "run's log output holds no raw control character" "$OUT"
contains "the log line is escaped" "$OUT" 'running: echo a\^\[\[2Kb\^Merror: forged'
expect_exit "logs" 0 "$ECSHIP" logs --since 1h
no_raw_controls "logs writes no raw control character" "$OUT"

# ---- an AWS error message with control characters, in text and GitHub Actions mode --------------
fake=$(free_port)
start_bg python3 -c '
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"__type": "ClientException", "message": "bad\u001b[31m red 100%\r\n::error::forged\u009b2J"}).encode()
        self.send_response(400); self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", "req-1"); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$fake"
wait_http "http://127.0.0.1:$fake/" 10
expect_exit "an AWS error exits 3" 3 env AWS_MAX_ATTEMPTS=1 "$ECSHIP" --endpoint-url "http://127.0.0.1:$fake" status
no_raw_controls "the error message holds no raw control character" "$ERR"
contains "the AWS message is shown escaped" "$ERR" '^error: cannot .*ClientException.*bad\^\[\[31m red 100%\^M\^J::error::forged\\xC2\\x9B2J'
lacks "no forged annotation line" "$ERR" '^::error::forged'
expect_exit "under GitHub Actions too" 3 env AWS_MAX_ATTEMPTS=1 GITHUB_ACTIONS=true "$ECSHIP" --endpoint-url "http://127.0.0.1:$fake" status
no_raw_controls "the annotation holds no raw control character" "$ERR"
contains "the annotation is one line, % encoded" "$ERR" '^::error::cannot .*bad\^\[\[31m red 100%25\^M\^J::error::forged'
check "exactly one annotation" test "$(grep -c '^::' "$ERR")" = 1

done_testing
