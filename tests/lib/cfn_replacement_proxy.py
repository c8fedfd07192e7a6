#!/usr/bin/env python3
"""cfn_replacement_proxy.py: a loopback HTTP relay in front of moto_server that answers
CloudFormation's DescribeChangeSet as CloudFormation does for a change that replaces a resource.

moto's change sets never say Replacement (moto 5 leaves ResourceChange.Replacement out), so
`infra deploy`'s refusal of a change set that would replace the VPC cannot be shown against moto
alone. Every request goes to the upstream unchanged (method, path, headers, body) and its answer
comes back unchanged, except that in DescribeChangeSet answers a Modify of one of the logical ids
given with --replace gets <Replacement>True</Replacement>, what CloudFormation reports for a
property whose update requires replacement (e.g. AWS::EC2::VPC CidrBlock, "Update requires:
Replacement":
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpc.html;
ResourceChange.Replacement:
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html).
Each request's Action (or X-Amz-Target) is appended to --log, one a line, so a test can show
that ExecuteChangeSet was or was not sent.

Usage: cfn_replacement_proxy.py --upstream URL --port-file FILE --log FILE --replace LOGICAL_ID...
Prints nothing; writes the port it listens on (127.0.0.1, a free one) to --port-file."""
import argparse
import http.server
import re
import urllib.error
import urllib.parse
import urllib.request

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "accept-encoding"}


def action_of(path, headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target
    for text in (body.decode("utf-8", "replace"), urllib.parse.urlsplit(path).query):
        a = urllib.parse.parse_qs(text).get("Action")
        if a:
            return a[0]
    return "?"


def mark_replacements(xml, ids):
    """<Replacement>True</Replacement> into each Modify ResourceChange of one of ids."""
    def one(m):
        block = m.group(0)
        lid = re.search(r"<LogicalResourceId>([^<]*)</LogicalResourceId>", block)
        if not lid or lid.group(1) not in ids or "<Action>Modify</Action>" not in block:
            return block
        block = re.sub(r"<Replacement>[^<]*</Replacement>", "", block)
        return block.replace("<Action>Modify</Action>", "<Action>Modify</Action><Replacement>True</Replacement>", 1)
    return re.sub(r"<ResourceChange>.*?</ResourceChange>", one, xml, flags=re.S)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--replace", nargs="+", required=True)
    args = ap.parse_args()
    upstream = args.upstream.rstrip("/")

    class Relay(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def relay(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            action = action_of(self.path, self.headers, body)
            with open(args.log, "a") as f:
                f.write(action + "\n")
            req = urllib.request.Request(upstream + self.path, data=body if n else None, method=self.command)
            for k, v in self.headers.items():
                if k.lower() not in HOP:
                    req.add_header(k, v)
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    status, headers, data = r.status, r.getheaders(), r.read()
            except urllib.error.HTTPError as e:
                status, headers, data = e.code, e.headers.items(), e.read()
            if action == "DescribeChangeSet" and status == 200:
                data = mark_replacements(data.decode("utf-8"), set(args.replace)).encode("utf-8")
            self.send_response(status)
            for k, v in headers:
                if k.lower() not in HOP and k.lower() not in ("server", "date"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = relay

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    with open(args.port_file, "w") as f:
        f.write(str(srv.server_address[1]))
    srv.serve_forever()


if __name__ == "__main__":
    main()
