"""conformance.py: checks every answer ecship-sim gave (the JSON lines it writes when
$ECSHIP_SIM_RESPONSE_LOG is set: a file, or a directory with one file per process) against
botocore's models: a 200 answer against the operation's output shape (tests/sim/shapes.py), an
error answer's __type against the operation's error shapes and the errors common to every AWS
JSON service. Prints a summary and each violation; exit 1 when there is any.
Usage: python3 tests/sim/conformance.py PATH..."""
import collections
import json
import os
import sys

from shapes import model, violations

# errors any JSON-protocol call can get (botocore's models do not list them per operation); the
# 5xx ones come from the sim's fault injection
COMMON = {"ThrottlingException", "SerializationException", "UnknownOperationException", "AccessDeniedException",
          "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException", "InternalServerError",
          "ValidationException", "RequestEntityTooLargeException", "ServerException", "InvalidParameterException",
          "ClientException"}
SERVICES = {"ecs": "ecs", "logs": "logs"}


def files(paths):
    for p in paths:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                if name.endswith(".jsonl"):
                    yield os.path.join(p, name)
        elif os.path.exists(p):
            yield p


def main(paths):
    total, by_op, bad = 0, collections.Counter(), []
    for path in files(paths):
        with open(path) as f:
            for n, line in enumerate(f, 1):
                rec = json.loads(line)
                svc, op, status = SERVICES.get(rec["service"]), rec["action"], rec["status"]
                if not svc:
                    continue
                try:
                    body = json.loads(rec["body"] or "{}")
                except ValueError:
                    bad.append("%s:%d %s: the body is not JSON" % (path, n, op))
                    continue
                total += 1
                by_op[op] += 1
                if op not in model(svc).operation_names:
                    if status == 200:
                        bad.append("%s:%d %s: answered 200 but botocore has no such %s operation" % (path, n, op, svc))
                    continue
                if status == 200:
                    bad.extend("%s:%d %s" % (path, n, v) for v in violations(svc, op, body))
                else:
                    t = body.get("__type", "")
                    known = {e.name for e in model(svc).operation_model(op).error_shapes} | COMMON
                    if t.split("#")[-1] not in known:
                        bad.append("%s:%d %s: error %r is none of the operation's errors" % (path, n, op, t))
                    if not isinstance(body.get("message"), str):
                        bad.append("%s:%d %s: error without a message" % (path, n, op))
    print("%d answers of %d operations checked against botocore's models, %d violations" % (total, len(by_op), len(bad)))
    for op, c in sorted(by_op.items()):
        print("  %-28s %d" % (op, c))
    for v in bad[:50]:
        print("VIOLATION " + v)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
