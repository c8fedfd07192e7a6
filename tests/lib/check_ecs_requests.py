#!/usr/bin/env python3
"""check_ecs_requests.py: every ECS request in ecship's --debug wire logs, validated against
botocore's ECS model (the AWS CLI's own authority): botocore's ParamValidator (types, required
members, lengths, ranges) plus enum values. Prints "N requests, M violations" and each violation;
exit 1 when there are any, or when no request was found. Usage: check_ecs_requests.py LOG..."""
import sys

import botocore.session
from botocore.validate import ParamValidator

PREFIX = "AmazonEC2ContainerServiceV20141113."


def enums(shape, value, path, out):
    t = shape.type_name
    if t == "structure" and isinstance(value, dict):
        for k, v in value.items():
            if k in shape.members:
                enums(shape.members[k], v, path + "." + k, out)
    elif t == "list" and isinstance(value, list):
        for i, v in enumerate(value):
            enums(shape.member, v, "%s[%d]" % (path, i), out)
    elif t == "map" and isinstance(value, dict):
        for k, v in value.items():
            enums(shape.value, v, path + "." + k, out)
    elif t == "string" and shape.enum and isinstance(value, str) and value not in shape.enum:
        out.append("%s: %r is not one of %s" % (path, value, ", ".join(shape.enum)))


def main():
    model = botocore.session.get_session().get_service_model("ecs")
    validator = ParamValidator()
    total, bad = 0, []
    import json
    for log in sys.argv[1:]:
        op = None
        for line in open(log, encoding="utf-8", errors="replace"):
            line = line.rstrip("\n")
            if line.startswith("debug: > X-Amz-Target: " + PREFIX):
                op = line.split(PREFIX, 1)[1].strip()
            elif op and line.startswith("debug: > {"):
                body = json.loads(line[len("debug: > "):])
                shape = model.operation_model(op).input_shape
                report = validator.validate(body, shape)
                problems = [report.generate_report()] if report.has_errors() else []
                enums(shape, body, op, problems)
                total += 1
                bad += ["%s: %s %s" % (log, op, p) for p in problems]
                op = None
    print("%d requests, %d violations" % (total, len(bad)))
    for b in bad:
        print(b)
    return 1 if bad or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
