#!/usr/bin/env python3
# botocore_diff.py: differential test of our SigV4 signer (tests/tools/sigv4_sign) against
# botocore's SigV4Auth / S3SigV4Auth on random requests from a fixed seed. Prints one line per
# batch ("batch I N MISMATCHES"), "# "-prefixed details of the first mismatches, and a summary.
# Depends on python3 and botocore only; nothing leaves the machine (signing is pure computation).
#
# How requests are fed: our client sends URLs already encoded (ship_uri_encode on every path
# segment and query key/value), so botocore gets exactly those URLs, as it would see a request
# it built itself. Known, deliberate differences (documented in lib/aws/sigv4.c) are not
# generated: raw (unencoded) non-ASCII or reserved characters in S3 paths and in queries,
# lowercase %xx escapes in queries, empty query pieces ("a&&b"), a Date header, a stale
# X-Amz-Security-Token header without a token, and non-ASCII header values (Python's str.split
# treats U+00A0 and friends as whitespace).
import argparse
import base64
import datetime
import json
import random
import subprocess
import sys
from urllib.parse import quote

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
SUB_DELIMS = "!$&'()*+,;=:@"  # legal unencoded in a path segment
RAW_PIECES = [" ", "+", "=", "&", "/", "?", "#", "%", ":", "@", ";", ",", "'", '"', "<", ">",
              "\\", "^", "`", "{", "}", "|", "[", "]", "!", "$", "(", ")", "*"]
UTF8_PIECES = ["é", "ሴ", "日本語", "ü", "😀", "Ω", "ß", "中"]
TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "get", "post"]
REGIONS = ["us-east-1", "eu-west-1", "ap-northeast-1", "cn-north-1", "us-gov-west-1",
           "sa-east-1", "me-south-1"]
SERVICES = ["ecs", "sts", "logs", "elasticloadbalancing", "cloudformation", "ec2", "iam",
            "servicequotas", "execute-api", "s3"]
UNSIGNED = ["user-agent", "User-Agent", "Expect", "connection", "Transfer-Encoding",
            "X-Amzn-Trace-Id", "keep-alive", "TE", "upgrade"]


def rand_text(r, n, utf8=True, raw=True):
    out = []
    for _ in range(n):
        k = r.random()
        if k < 0.55:
            out.append(r.choice(UNRESERVED))
        elif k < 0.8 and raw:
            out.append(r.choice(RAW_PIECES))
        elif utf8:
            out.append(r.choice(UTF8_PIECES))
        else:
            out.append(r.choice(UNRESERVED))
    return "".join(out)


def enc(s):
    """How our client encodes a query key or value, or a path segment (RFC 3986, uppercase)."""
    return quote(s, safe="-_.~")


def rand_path(r, s3):
    segs = []
    for _ in range(r.randint(0, 6)):
        k = r.random()
        if k < 0.1 and not s3:
            segs.append(r.choice([".", "..", ""]))  # dot segments, duplicate slashes
        elif k < 0.2 and not s3:
            # already legal unencoded characters, left as they are on the wire
            segs.append("".join(r.choice(UNRESERVED + SUB_DELIMS) for _ in range(r.randint(1, 8))))
        elif k < 0.3:
            # a percent-encoded sequence kept as sent (e.g. %2F inside a segment)
            segs.append(enc(rand_text(r, 2)) + r.choice(["%2F", "%20", "%25", "%2B", "%3D"]))
        elif k < 0.35 and not s3:
            segs.append(r.choice(["%e1%88%b4", "%c3%a9x"]))  # lowercase escapes
        else:
            segs.append(enc(rand_text(r, r.randint(1, 10))))
    path = "/" + "/".join(segs)
    if r.random() < 0.2:
        path += "/"
    if not s3 and r.random() < 0.05:
        path = "/" + path  # leading double slash
    return path


def rand_query(r):
    if r.random() < 0.3:
        return ""
    pairs = []
    keys = [rand_text(r, r.randint(0, 6)) for _ in range(r.randint(1, 4))]
    for _ in range(r.randint(1, 7)):
        k = r.choice(keys)
        v = rand_text(r, r.randint(0, 8))
        form = r.random()
        if form < 0.1 and k:
            pairs.append(enc(k))  # key without '='
        elif form < 0.2:
            pairs.append(enc(k) + "=")
        else:
            pairs.append(enc(k) + "=" + enc(v))
    return "&".join(pairs)


def rand_header_value(r):
    k = r.random()
    if k < 0.1:
        return ""
    parts = []
    for _ in range(r.randint(1, 4)):
        parts.append("".join(r.choice(UNRESERVED + " \"',;:/=()") for _ in range(r.randint(1, 10))))
    ws = lambda: r.choice([" ", "  ", "\t", " \t ", "   "])
    v = ws().join(parts)
    if r.random() < 0.4:
        v = ws() + v
    if r.random() < 0.4:
        v = v + ws()
    if r.random() < 0.05:
        v = v + "\n  " + "folded"  # a multi-line (obs-fold) value
    return v


def rand_name(r):
    base = "".join(r.choice(TOKEN_CHARS) for _ in range(r.randint(1, 12)))
    if r.random() < 0.5:
        base = "X-" + base
    return "".join(c.upper() if r.random() < 0.5 else c.lower() for c in base)


def make_case(r, i):
    service = r.choice(SERVICES)
    s3 = service == "s3"
    region = r.choice(REGIONS)
    host = r.choice([f"{service}.{region}.amazonaws.com", "127.0.0.1", "localhost",
                     f"{service}.{region}.amazonaws.com.cn", "[::1]", "Example.COM"])
    scheme = r.choice(["https", "http"])
    port = r.choice(["", "", "", ":443", ":80", ":8443", ":5000"])
    url = f"{scheme}://{host}{port}{rand_path(r, s3)}"
    q = rand_query(r)
    if q:
        url += "?" + q
    headers = []
    if r.random() < 0.3:
        hv = host.lower()
        headers.append([r.choice(["Host", "host", "HOST"]), r.choice(["", " "]) + hv])
    names = [rand_name(r) for _ in range(r.randint(0, 4))]
    for _ in range(r.randint(0, 7)):
        k = r.random()
        if k < 0.1:
            name = r.choice(UNSIGNED)
        elif k < 0.15:
            name = r.choice(["Content-Type", "content-type"])
        elif k < 0.18:
            name = r.choice(["Authorization", "X-Amz-Date"])  # stale, replaced by both
        elif names:
            name = r.choice(names)
            if r.random() < 0.3:  # the same name in another case
                name = name.swapcase()
        else:
            name = rand_name(r)
        headers.append([name, rand_header_value(r)])
    if not s3 and r.random() < 0.03:
        headers.append(["X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"])
    k = r.random()
    if k < 0.4:
        body = b""
    elif k < 0.7:
        body = rand_text(r, r.randint(1, 200)).encode()
    else:
        body = bytes(r.getrandbits(8) for _ in range(r.randint(1, 300)))
    token = None
    if r.random() < 0.5:
        token = "".join(r.choice(B64) for _ in range(r.randint(16, 400))) + r.choice(["", "=", "=="])
    ts = r.randint(946684800, 2145916799)  # 2000 .. 2037
    if r.random() < 0.05:
        ts = r.choice([951782400, 1456704000, 1483228799, 1704067199])  # leap days, year ends
    return {
        "id": i,
        "method": r.choice(METHODS),
        "url": url,
        "headers": headers,
        "body_b64": base64.b64encode(body).decode(),
        "region": region,
        "service": service,
        "access_key": "AKIA" + "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
        "secret_key": "".join(r.choice(B64) for _ in range(40)),
        "token": token,
        "timestamp": ts,
        "normalize": not s3,
        "sign_body": s3,
    }


class Recorder:
    """Mixin that keeps botocore's canonical request and string to sign."""

    def canonical_request(self, request):
        self.cr = super().canonical_request(request)
        return self.cr

    def string_to_sign(self, request, canonical_request):
        self.sts = super().string_to_sign(request, canonical_request)
        return self.sts


class V4(Recorder, botocore.auth.SigV4Auth):
    pass


class S3V4(Recorder, botocore.auth.S3SigV4Auth):
    pass


def botocore_sign(case):
    when = datetime.datetime.fromtimestamp(case["timestamp"], datetime.timezone.utc).replace(tzinfo=None)
    botocore.auth.get_current_datetime = lambda *a, **k: when
    body = base64.b64decode(case["body_b64"])
    req = AWSRequest(method=case["method"], url=case["url"], data=body)
    for name, value in case["headers"]:
        req.headers[name] = value  # HTTPHeaders appends: repeated names stay repeated
    creds = Credentials(case["access_key"], case["secret_key"], case["token"])
    cls = S3V4 if case["service"] == "s3" else V4
    signer = cls(creds, case["service"], case["region"])
    signer.add_auth(req)
    added = {}
    for n in ("X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256", "Authorization"):
        vals = req.headers.get_all(n) or []
        if vals:
            added[n.lower()] = vals
    return {"canonical_request": signer.cr, "string_to_sign": signer.sts,
            "authorization": req.headers["Authorization"], "added": added}


def ours_added(out):
    added = {}
    for n, v in out.get("headers", []):
        ln = n.lower()
        if ln in ("x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "authorization"):
            added.setdefault(ln, []).append(v)
    return added


def compare(case, ours, theirs):
    """Returns a list of (field, ours, botocore) that differ."""
    if "error" in ours:
        return [("error", ours["error"], "")]
    diffs = []
    for f in ("canonical_request", "string_to_sign", "authorization"):
        if ours.get(f) != theirs[f]:
            diffs.append((f, ours.get(f), theirs[f]))
    if ours_added(ours) != theirs["added"]:
        diffs.append(("added headers", ours_added(ours), theirs["added"]))
    return diffs


def run_tool(tool, cases):
    inp = "".join(json.dumps(c) + "\n" for c in cases)
    p = subprocess.run([tool], input=inp.encode(), stdout=subprocess.PIPE, check=False)
    lines = p.stdout.decode().splitlines()
    if p.returncode != 0 or len(lines) != len(cases):
        sys.exit(f"sigv4_sign exited {p.returncode} with {len(lines)} answers for {len(cases)} cases")
    return [json.loads(line) for line in lines]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--count", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=20150830)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--show", type=int, default=20)
    args = ap.parse_args()

    r = random.Random(args.seed)
    cases = [make_case(r, i) for i in range(args.count)]
    ours = run_tool(args.tool, cases)
    total = shown = 0
    for b in range(0, len(cases), args.batch):
        bad = 0
        for case, out in zip(cases[b:b + args.batch], ours[b:b + args.batch]):
            diffs = compare(case, out, botocore_sign(case))
            if diffs:
                bad += 1
                if shown < args.show:
                    shown += 1
                    print(f"# mismatch in case {case['id']}: {json.dumps(case)}")
                    for field, mine, theirs in diffs:
                        print(f"#   {field}:\n#     ours:     {mine!r}\n#     botocore: {theirs!r}")
        total += bad
        print(f"batch {b // args.batch} {len(cases[b:b + args.batch])} {bad}")

    # coverage of what the brief asks for, so a generator change cannot quietly drop a feature
    feats = {
        "session token": sum(1 for c in cases if c["token"]),
        "s3 (unnormalized, body header)": sum(1 for c in cases if c["service"] == "s3"),
        "dot segments": sum(1 for c in cases if "/./" in c["url"] or "/../" in c["url"] or c["url"].endswith("/..")),
        "double slashes": sum(1 for c in cases if "//" in c["url"].split("://", 1)[1]),
        "percent-encoded UTF-8": sum(1 for c in cases if "%E1%88%B4" in c["url"] or "%C3%A9" in c["url"]),
        "repeated query keys": sum(1 for c in cases if "?" in c["url"] and len({p.split("=")[0] for p in c["url"].split("?", 1)[1].split("&")}) < len(c["url"].split("?", 1)[1].split("&"))),
        "empty query key or value": sum(1 for c in cases if "?=" in c["url"] or "&=" in c["url"] or "=&" in c["url"] or c["url"].endswith("=")),
        "repeated header names": sum(1 for c in cases if len({n.lower() for n, _ in c["headers"]}) < len(c["headers"])),
        "header whitespace": sum(1 for c in cases if any(v != v.strip() or "  " in v or "\t" in v for _, v in c["headers"])),
        "binary body": sum(1 for c in cases if c["body_b64"] and not _is_text(c["body_b64"])),
        "empty body": sum(1 for c in cases if not c["body_b64"]),
    }
    for name, n in feats.items():
        print(f"feature {n} {name}")

    # negative control: a wrong secret must be caught by the comparison
    wrong = dict(cases[0], secret_key=cases[0]["secret_key"][::-1] + "x")
    caught = bool(compare(cases[0], run_tool(args.tool, [wrong])[0], botocore_sign(cases[0])))
    print(f"control {'caught' if caught else 'missed'}")
    print(f"summary: {len(cases)} requests, {total} mismatches")
    return 0 if total == 0 and caught else 1


def _is_text(b64):
    try:
        base64.b64decode(b64).decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


if __name__ == "__main__":
    sys.exit(main())
