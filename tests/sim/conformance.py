"""conformance.py: checks every answer ecship-sim gave (the JSON lines it writes when
$ECSHIP_SIM_RESPONSE_LOG is set: a file, or a directory with one file per process) against
botocore's models: a 200 answer against the operation's output shape (tests/sim/shapes.py), an
error answer's __type against the operation's error shapes and the errors common to every AWS
JSON service. The ELBv2 answers the sim gives itself (DescribeTargetHealth, XML in the Query
protocol) are checked the same way: the OpResponse/OpResult wrapper and ResponseMetadata, every
element a member of its shape (lists of <member>), required members present, integers, booleans,
timestamps and enum values right; an error's Code one of the operation's or the common Query ones.
Prints a summary and each violation; exit 1 when there is any.
Usage: python3 tests/sim/conformance.py PATH..."""
import collections
import datetime
import json
import os
import sys
import xml.etree.ElementTree as ET

from shapes import model, violations

# errors any JSON-protocol call can get (botocore's models do not list them per operation); the
# 5xx ones come from the sim's fault injection
COMMON = {"ThrottlingException", "SerializationException", "UnknownOperationException", "AccessDeniedException",
          "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException", "InternalServerError",
          "ValidationException", "RequestEntityTooLargeException", "ServerException", "InvalidParameterException",
          "ClientException"}
SERVICES = {"ecs": "ecs", "logs": "logs", "elbv2": "elbv2"}
# errors any Query-protocol call can get (the sim's fault injection: throttling, 5xx)
QUERY_COMMON = {"Throttling", "InternalFailure", "ServiceUnavailable", "ValidationError", "InvalidAction",
                "MissingAction", "AccessDenied", "RequestExpired"}


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _xml_check(shape, el, path, out):
    t = shape.type_name
    text = (el.text or "").strip()
    if t == "structure":
        names = {m.serialization.get("name", k): (k, m) for k, m in shape.members.items()}
        seen = set()
        for child in el:
            tag = _local(child.tag)
            if tag not in names:
                out.append("%s.%s: not a member of %s" % (path, tag, shape.name))
                continue
            k, m = names[tag]
            seen.add(k)
            _xml_check(m, child, path + "." + tag, out)
        for k in shape.required_members:
            if k not in seen:
                out.append("%s.%s: required member of %s missing" % (path, k, shape.name))
    elif t == "list":
        item = shape.member.serialization.get("name", "member")
        for i, child in enumerate(el):
            if _local(child.tag) != item:
                out.append("%s: list item <%s>, want <%s>" % (path, _local(child.tag), item))
            else:
                _xml_check(shape.member, child, "%s[%d]" % (path, i), out)
    elif t == "string":
        if getattr(shape, "enum", None) and text not in shape.enum:
            out.append("%s: %r is not one of %s" % (path, text, "|".join(shape.enum)))
    elif t in ("integer", "long"):
        try:
            int(text)
        except ValueError:
            out.append("%s: want an integer, got %r" % (path, text))
    elif t == "boolean":
        if text not in ("true", "false"):
            out.append("%s: want true|false, got %r" % (path, text))
    elif t == "timestamp":
        try:
            datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            out.append("%s: want an ISO 8601 time, got %r" % (path, text))


def xml_violations(service, operation, status, body):
    """The ways an XML answer (Query protocol) breaks botocore's model of the operation."""
    out = []
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        return ["%s: the body is not XML (%s)" % (operation, e)]
    op = model(service).operation_model(operation)
    if status != 200:
        code = root.find("./{*}Error/{*}Code")
        if _local(root.tag) != "ErrorResponse" or code is None:
            return ["%s: an error answer without ErrorResponse/Error/Code" % operation]
        known = {e.metadata.get("error", {}).get("code", e.name) for e in op.error_shapes} | QUERY_COMMON
        if (code.text or "") not in known:
            out.append("%s: error %r is none of the operation's errors" % (operation, code.text))
        if root.find("./{*}Error/{*}Message") is None:
            out.append("%s: error without a Message" % operation)
        return out
    if _local(root.tag) != operation + "Response":
        return ["%s: root <%s>, want <%sResponse>" % (operation, _local(root.tag), operation)]
    wrapper = op.output_shape.serialization.get("resultWrapper") if op.output_shape is not None else None
    result = root.find("./{*}" + wrapper) if wrapper else None
    if wrapper and result is None:
        out.append("%s: no <%s>" % (operation, wrapper))
    if root.find("./{*}ResponseMetadata/{*}RequestId") is None:
        out.append("%s: no ResponseMetadata/RequestId" % operation)
    if result is not None:
        _xml_check(op.output_shape, result, operation, out)
    return out


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
                if svc == "elbv2":
                    total += 1
                    by_op[op] += 1
                    bad.extend("%s:%d %s" % (path, n, v) for v in xml_violations(svc, op, status, rec["body"] or ""))
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
