#!/usr/bin/env python3
"""check_ecs_requests.py: every ECS request ecship sent, validated against botocore's ECS model
(the AWS CLI's own authority): botocore's ParamValidator (types, required members, unknown
members, lengths, ranges) plus enum values. Prints "N requests, M violations" and each
violation; exit 1 when there are any, or when no request was found.

Usage:
  check_ecs_requests.py LOG...          ecship --debug wire logs (tests/lib/wire_log.sh)
  check_ecs_requests.py --recorded DIR  the whole suite: tests/run has ecship-sim
      ($ECSHIP_SIM_REQUEST_LOG, {"target", "user_agent", "body"} a line) and moto_server's
      recorder ({"headers", "body", "body_encoded"} a line) keep every request they get in DIR;
      only the requests ecship sent (User-Agent ecship/...) count, and besides ECS the other
      JSON services ecship calls (CloudWatch Logs, Service Quotas, ECR, Application Auto
      Scaling) and its Query-protocol requests (CloudFormation, EC2, ELBv2, STS, IAM, CloudWatch:
      form parameters read back into the operation's input shape by the protocol's serialization
      rules; a parameter the shape has no place for is a violation) are checked against their
      own models. With --allow-empty, no request at all is "0 requests" and exit 0."""
import base64
import glob
import json
import os
import sys
import urllib.parse

import botocore.session
from botocore.validate import ParamValidator

PREFIX = "AmazonEC2ContainerServiceV20141113."
# X-Amz-Target prefixes of the JSON services ecship calls, and their botocore models
JSON_SERVICES = ("ecs", "logs", "service-quotas", "ecr", "application-autoscaling")
# the Query-protocol services ecship calls, by the Version parameter of their requests
QUERY_SERVICES = ("cloudformation", "ec2", "elbv2", "sts", "iam", "cloudwatch")


def _scalar(shape, text, path, out):
    t = shape.type_name
    try:
        if t in ("integer", "long"):
            return int(text)
        if t in ("float", "double"):
            return float(text)
        if t == "boolean":
            if text not in ("true", "false"):
                raise ValueError(text)
            return text == "true"
    except ValueError:
        out.append("%s: %r is not a %s" % (path, text, t))
        return None
    return text  # strings, timestamps (ISO 8601 text), blobs


def query_value(shape, params, prefix, used, ec2, path, out):
    """Reads the value of `shape` at `prefix` back from the form `params` (name -> text), marking
    the names it reads in `used`; None when absent. Query: lists are NAME.member.N (NAME.N when
    flattened), maps NAME.entry.N.key/value; EC2: lists are NAME.N, members by queryName or the
    capitalised locationName."""
    t = shape.type_name
    if t == "structure":
        value, any_ = {}, False
        base = prefix if not prefix or prefix.endswith(".") else prefix + "."
        for name, m in shape.members.items():
            if ec2:
                key = m.serialization.get("queryName") or (m.serialization.get("name") or name)
                key = key[0].upper() + key[1:]
            else:
                key = m.serialization.get("name") or name
            v = query_value(m, params, base + key, used, ec2, path + "." + name, out)
            if v is not None:
                value[name], any_ = v, True
        if prefix and not any_ and base[:-1] in params:  # an empty structure, as "Name="
            used.add(base[:-1])
        return value if any_ or not prefix else None
    if t == "list":
        base = prefix.rstrip(".") if prefix.endswith(".") else prefix
        if ec2 or shape.serialization.get("flattened"):
            item = base + "."
        else:
            item = base + "." + (shape.member.serialization.get("name") or "member") + "."
        items, n = [], 1
        while True:
            v = query_value(shape.member, params, item + str(n) + ("." if shape.member.type_name in ("structure", "list", "map") else ""),
                            used, ec2, "%s[%d]" % (path, n - 1), out)
            if v is None:
                break
            items.append(v)
            n += 1
        if not items and base in params and params[base] == "":  # an empty list, as "Name="
            used.add(base)
            return []
        return items if items else None
    if t == "map":
        base = prefix.rstrip(".")
        value, n = {}, 1
        while base + ".entry.%d.key" % n in params:
            k = params[base + ".entry.%d.key" % n]
            used.add(base + ".entry.%d.key" % n)
            v = query_value(shape.value, params, base + ".entry.%d.value" % n, used, ec2, path + "." + k, out)
            value[k] = v
            n += 1
        return value if value else None
    key = prefix.rstrip(".")
    if key not in params:
        return None
    used.add(key)
    return _scalar(shape, params[key], path, out)


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


class Checker:
    def __init__(self):
        session = botocore.session.get_session()
        self.models = {}
        for name in JSON_SERVICES:
            model = session.get_service_model(name)
            self.models[model.metadata["targetPrefix"] + "."] = model
        self.query = {}
        for name in QUERY_SERVICES:
            model = session.get_service_model(name)
            self.query[model.api_version] = model
        self.validator = ParamValidator()
        self.total = 0
        self.counts = {}
        self.bad = []

    def check(self, where, target, body_text):
        prefix = target.rsplit(".", 1)[0] + "." if "." in target else ""
        model = self.models.get(prefix)
        if not model:
            return
        op = target[len(prefix):]
        self.total += 1
        self.counts[model.service_name] = self.counts.get(model.service_name, 0) + 1
        try:
            shape = model.operation_model(op).input_shape
        except Exception:  # an operation the model does not have
            self.bad.append("%s: %s: no such operation in botocore's %s model" % (where, op, model.service_name))
            return
        try:
            body = json.loads(body_text) if body_text.strip() else {}
        except ValueError as e:
            self.bad.append("%s: %s: the body is not JSON (%s)" % (where, op, e))
            return
        if shape is None:
            return
        report = self.validator.validate(body, shape)
        problems = [report.generate_report()] if report.has_errors() else []
        enums(shape, body, op, problems)
        self.bad += ["%s: %s %s" % (where, op, p) for p in problems]


    def check_query(self, where, body_text):
        params = dict(urllib.parse.parse_qsl(body_text, keep_blank_values=True))
        action, version = params.pop("Action", ""), params.pop("Version", "")
        model = self.query.get(version)
        if not model or not action:
            return
        self.total += 1
        self.counts[model.service_name] = self.counts.get(model.service_name, 0) + 1
        try:
            shape = model.operation_model(action).input_shape
        except Exception:
            self.bad.append("%s: %s: no such operation in botocore's %s model" % (where, action, model.service_name))
            return
        problems, used = [], set()
        body = query_value(shape, params, "", used, model.protocol == "ec2", action, problems) if shape else {}
        problems += ["unknown parameter %r" % k for k in sorted(set(params) - used)]
        if shape is not None:
            report = self.validator.validate(body or {}, shape)
            if report.has_errors():
                problems.append(report.generate_report())
            enums(shape, body or {}, action, problems)
        self.bad += ["%s: %s %s" % (where, action, p) for p in problems]


def wire_logs(checker, logs):
    for log in logs:
        op = None
        for line in open(log, encoding="utf-8", errors="replace"):
            line = line.rstrip("\n")
            if line.startswith("debug: > X-Amz-Target: " + PREFIX):
                op = line.split(PREFIX, 1)[1].strip()
            elif op and line.startswith("debug: > {"):
                checker.check(log, PREFIX + op, line[len("debug: > "):])
                op = None


def header(headers, name):
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return ""


def recorded(checker, folder):
    for path in sorted(glob.glob(os.path.join(folder, "*.jsonl"))):
        for n, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # a line cut short by a process that was killed
            if "headers" in rec:  # moto's recorder
                ua, target = header(rec["headers"], "User-Agent"), header(rec["headers"], "X-Amz-Target")
                body = rec.get("body") or ""
                if rec.get("body_encoded"):
                    body = base64.b64decode(body).decode("utf-8", "replace")
            else:  # ecship-sim's request log
                ua, target, body = rec.get("user_agent", ""), rec.get("target", ""), rec.get("body", "")
            if ua.startswith("ecship/") and target:
                checker.check("%s:%d" % (os.path.basename(path), n), target, body)
            elif ua.startswith("ecship/") and body.startswith("Action="):
                checker.check_query("%s:%d" % (os.path.basename(path), n), body)


def main():
    args = sys.argv[1:]
    allow_empty = "--allow-empty" in args
    args = [a for a in args if a != "--allow-empty"]
    checker = Checker()
    if args[:1] == ["--recorded"]:
        recorded(checker, args[1])
    else:
        wire_logs(checker, args)
    by = ", ".join("%s %d" % kv for kv in sorted(checker.counts.items()))
    print("%d requests, %d violations" % (checker.total, len(checker.bad)))
    if by:
        print("by service: " + by)
    for b in checker.bad:
        print(b)
    return 1 if checker.bad or (checker.total == 0 and not allow_empty) else 0


if __name__ == "__main__":
    sys.exit(main())
