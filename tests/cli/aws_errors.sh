#!/usr/bin/env bash
# aws_errors.sh: how failures of AWS calls reach the user: an API error from moto shows its code,
# message and request id and exits 3; network failures and missing settings say what to do.
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

# Nothing listens on this port: a network error after retries, exit 3, with a next step.
dead=$(free_port)
expect_exit "connection refused exits 3" 3 env AWS_MAX_ATTEMPTS=2 "$ECSHIP" --endpoint-url "http://127.0.0.1:$dead" whoami
contains "connection refused is explained" "$ERR" "^error: cannot get the caller identity.*127\.0\.0\.1:$dead"
contains "network hint names the endpoint settings" "$ERR" '^hint: check the endpoint'

# No region anywhere: a usage error before any call.
expect_exit "no region exits 2" 2 env -u AWS_REGION -u AWS_DEFAULT_REGION "$ECSHIP" whoami
contains "no region says how to set one" "$ERR" 'AWS_REGION|--region'

# No credentials anywhere: exit 3 and the list of what was tried.
expect_exit "no credentials exit 3" 3 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$ECSHIP" whoami
contains "no credentials lists the sources" "$ERR" 'environment'

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

# The test guard of the transport: with ECSHIP_TEST_LOOPBACK_ONLY=1 the real AWS endpoint is
# refused before any connection is made.
expect_exit "the loopback guard refuses real AWS" 3 env -u AWS_ENDPOINT_URL "$ECSHIP" whoami
contains "the guard names the host" "$ERR" "refusing to contact 'sts\.ap-northeast-1\.amazonaws\.com'"

done_testing
