#!/usr/bin/env bash
# aws_errors.sh: how failures of AWS calls reach the user: an API error from a moto that enforces
# IAM shows its code, message and request id and exits 3; a non-AWS answer (an HTML error page)
# exits 3. Network failures and missing settings: tests/cases/aws-errors-*.
. tests/lib/common.sh

# A second moto that enforces IAM from the first request on: unknown keys are rejected.
port=$(free_port)
INITIAL_NO_AUTH_ACTION_COUNT=0 start_bg moto_server -H 127.0.0.1 -p "$port" >"$T_TMP/moto-iam.log" 2>&1
check "moto with IAM enforcement starts" wait_http "http://127.0.0.1:$port/moto-api/" 30

expect_exit "rejected credentials exit 3" 3 "$ECSHIP" --endpoint-url "http://127.0.0.1:$port" whoami
contains "the AWS error code is shown" "$ERR" 'InvalidClientTokenId'
contains "the AWS message is shown" "$ERR" 'security token included in the request is invalid'
contains "the request id is shown" "$ERR" 'request id [A-Za-z0-9-]{8,}'
contains "the HTTP status is shown" "$ERR" 'HTTP 403'
contains "the error says what was being done" "$ERR" '^error: cannot get the caller identity'
contains "a hint says what to do" "$ERR" "^hint: .*ecship whoami"
lacks "nothing on stdout" "$OUT" '.'

# A refused connection, no region, no credentials and the loopback guard:
# tests/cases/aws-errors-*.

# An endpoint that is not AWS (an HTML error page, as from a proxy).
html=$(free_port)
start_bg python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.send_response(502); self.send_header("Content-Type", "text/html"); self.end_headers()
        self.wfile.write(b"<html><body>Bad Gateway</body></html>")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$html"
wait_http "http://127.0.0.1:$html/" 10
expect_exit "a non-AWS answer exits 3" 3 env AWS_MAX_ATTEMPTS=1 "$ECSHIP" --endpoint-url "http://127.0.0.1:$html" whoami
contains "the HTTP status of a non-AWS answer is shown" "$ERR" '502'

done_testing
