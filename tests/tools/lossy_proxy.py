#!/usr/bin/env python3
"""lossy_proxy.py: a loopback HTTP proxy in front of one upstream (moto_server) that loses answers.

Usage: lossy_proxy.py UPSTREAM_URL LOG [ACTION:N[:bare]]...

Forwards every request unchanged to UPSTREAM_URL. For each ACTION:N, the Nth request of that
action (Query `Action=` in the form body, or the JSON `X-Amz-Target` operation) is forwarded, so
the upstream runs it, and then the client's connection is closed before any answer byte: a lost
answer, as when a kept-alive connection dies after the server ran a request (issue 15 item 1).
With `:bare`, that request is not forwarded: it is answered 200 with the bare root element
(`<ACTIONResponse/>`), well-formed XML without any of the answer's members (issue 15 item 4).
Prints `listening on http://127.0.0.1:PORT` first; appends `ACTION answered|lost` lines to LOG.
The sim has the same fault for the calls it serves (docs/sim.md, `lost`); this one is for the
calls that go to moto (CloudFormation, ELBv2, EC2).
"""
import http.client
import http.server
import sys
import threading
import urllib.parse

UPSTREAM = urllib.parse.urlsplit(sys.argv[1])
LOG = sys.argv[2]
LOSE = {}
BARE = {}
for spec in sys.argv[3:]:
    action, _, rest = spec.partition(":")
    nth, _, mode = rest.partition(":")
    (BARE if mode == "bare" else LOSE).setdefault(action, set()).add(int(nth or "1"))
SEEN = {}
LOCK = threading.Lock()


def action_of(headers, body):
    target = headers.get("X-Amz-Target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    return form.get("Action", [""])[0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        action = action_of(self.headers, body)
        with LOCK:
            SEEN[action] = SEEN.get(action, 0) + 1
            lose = SEEN[action] in LOSE.get(action, ())
            bare = SEEN[action] in BARE.get(action, ())
        if bare:
            data = ("<%sResponse/>" % action).encode()
            with LOCK, open(LOG, "a") as f:
                f.write("%s bare\n" % action)
            self.send_response(200)
            self.send_header("Content-Type", "text/xml;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        with LOCK, open(LOG, "a") as f:
            f.write("%s %s\n" % (action, "lost" if lose else "answered"))
        if lose:
            self.close_connection = True
            return
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
