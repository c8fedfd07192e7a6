"""robustness.py: ecship-sim against malformed requests (bad JSON, huge bodies, unknown actions,
wrong content types, wrong field types, random bytes, random mutations of valid bodies) and its
fault injection (throttling, 5xx, resets, latency, token buckets) and control API; it must stay
up, answer each with the error ECS would give, and exit cleanly on SIGTERM."""
import http.client
import json
import random
import socket

import botocore.exceptions

from simlib import NET, Sim, check, done, taskdef

T = "AmazonEC2ContainerServiceV20141113."


def raw(sim, target, body, ctype="application/x-amz-json-1.1", method="POST", path="/"):
    host, port = sim.url[len("http://"):].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    hdrs = {"Content-Type": ctype} if ctype else {}
    if target:
        hdrs["X-Amz-Target"] = target
    c.request(method, path, body=body, headers=hdrs)
    r = c.getresponse()
    data = r.read()
    c.close()
    try:
        js = json.loads(data)
    except ValueError:
        js = None
    return r.status, js, data, r.getheader("x-amzn-RequestId")


def malformed(sim):
    st, js, _, rid = raw(sim, T + "ListClusters", b"{not json")
    check("bad JSON: 400 SerializationException with a request id",
          st == 400 and js["__type"] == "SerializationException" and rid, (st, js, rid))
    st, js, _, _ = raw(sim, T + "ListClusters", b"[1,2]")
    check("JSON array body: 400 SerializationException", st == 400 and js["__type"] == "SerializationException", (st, js))
    st, js, _, _ = raw(sim, T + "ListClusters", b"x" * (2 << 20))
    check("2 MiB body: 413 RequestEntityTooLargeException", st == 413 and js["__type"] == "RequestEntityTooLargeException", (st, js))
    st, js, _, _ = raw(sim, T + "ListClusters", b"{}" + b" " * ((1 << 20) - 2))
    check("exactly 1 MiB body is accepted", st == 200, (st, js))
    st, js, _, _ = raw(sim, T + "FlyToTheMoon", b"{}")
    check("unknown ECS action: 400 UnknownOperationException", st == 400 and js["__type"] == "UnknownOperationException", (st, js))
    st, js, _, _ = raw(sim, T + "ListClusters", b"{}", ctype="text/plain")
    check("wrong content type: 400 SerializationException", st == 400 and js["__type"] == "SerializationException", (st, js))
    st, js, _, _ = raw(sim, T + "ListClusters", b"{}", method="GET")
    check("GET on an ECS action: 400", st == 400, (st, js))
    st, js, _, _ = raw(sim, T + "CreateCluster", json.dumps({"clusterName": 5}).encode())
    check("wrong field type: 400 SerializationException", st == 400 and js["__type"] == "SerializationException", (st, js))
    st, js, _, _ = raw(sim, T + "DescribeServices", json.dumps({"cluster": "nope", "services": ["a"]}).encode())
    check("unknown cluster: ClusterNotFoundException 'Cluster not found.'",
          st == 400 and js == {"__type": "ClusterNotFoundException", "message": "Cluster not found."}, js)
    st, js, _, _ = raw(sim, None, b"", ctype=None, method="GET", path="/nothing/here")
    check("unrouted GET: 404", st == 404, st)
    st, _, data, _ = raw(sim, None, b"Action=DescribeVpcs&Version=2016-11-15", ctype="application/x-www-form-urlencoded")
    check("EC2 action without upstream: InvalidAction XML", st == 400 and b"<Code>InvalidAction</Code>" in data, data[:200])
    st, _, data, _ = raw(sim, None, b"Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=arn%3Aaws%3Aelasticloadbalancing%3Ax",
                         ctype="application/x-www-form-urlencoded")
    check("DescribeTargetHealth for an unknown target group: TargetGroupNotFound", st == 400 and b"TargetGroupNotFound" in data, data[:200])
    st, js, _, _ = raw(sim, "Logs_20140328.GetLogEvents", json.dumps({"logGroupName": "/none", "logStreamName": "x"}).encode())
    check("logs for an unknown group: ResourceNotFoundException", st == 400 and js["__type"] == "ResourceNotFoundException", js)


def random_bytes(sim):
    host, port = sim.url[len("http://"):].split(":")
    rnd = random.Random(1234)
    answered = 0
    for i in range(60):
        s = socket.create_connection((host, int(port)), timeout=10)
        n = rnd.randint(1, 3000)
        payload = bytes(rnd.getrandbits(8) for _ in range(n))
        if i % 3 == 0:
            payload = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n" + payload
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            if s.recv(100):
                answered += 1
        except OSError:
            pass
        s.close()
    st, js, _, _ = raw(sim, T + "ListClusters", b"{}")
    check("60 connections of random bytes: still serving", st == 200, (st, js))
    check("some garbage got an HTTP error answer", answered > 0, answered)


def mutations(sim, ecs):
    ecs.create_cluster(clusterName="fz")
    td = taskdef("fz", "repo/web:1")
    ecs.register_task_definition(**td)
    seeds = {
        "RegisterTaskDefinition": td,
        "CreateService": {"cluster": "fz", "serviceName": "s", "taskDefinition": "fz", "desiredCount": 1, "networkConfiguration": NET},
        "UpdateService": {"cluster": "fz", "service": "s", "desiredCount": 2, "forceNewDeployment": True},
        "DescribeServices": {"cluster": "fz", "services": ["s"], "include": ["TAGS"]},
        "RunTask": {"cluster": "fz", "taskDefinition": "fz", "count": 2, "networkConfiguration": NET},
        "ListTasks": {"cluster": "fz", "desiredStatus": "STOPPED", "maxResults": 5},
        "DescribeTasks": {"cluster": "fz", "tasks": ["abc"]},
        "StopTask": {"cluster": "fz", "task": "abc"},
        "ListTaskDefinitions": {"familyPrefix": "fz", "sort": "DESC"},
        "TagResource": {"resourceArn": "arn:aws:ecs:x", "tags": [{"key": "a", "value": "b"}]},
    }
    junk = [None, True, -1, 2 ** 63, 1e308, "", "x" * 5000, [], {}, [None], {"a": [1, {"b": None}]}, "\u0000\uffff", -0.0]
    rnd = random.Random(99)

    def mutate(v, depth=0):
        if isinstance(v, dict) and v and rnd.random() < 0.7:
            v = dict(v)
            k = rnd.choice(list(v))
            v[k] = mutate(v[k], depth + 1) if rnd.random() < 0.5 else rnd.choice(junk)
            if rnd.random() < 0.2:
                v[rnd.choice(["zzz", k + "x", ""])] = rnd.choice(junk)
            return v
        if isinstance(v, list) and v and rnd.random() < 0.7:
            v = list(v)
            i = rnd.randrange(len(v))
            v[i] = mutate(v[i], depth + 1)
            return v
        return rnd.choice(junk)

    statuses = {}
    bad = []
    for i in range(400):
        action = rnd.choice(sorted(seeds))
        body = json.dumps(mutate(seeds[action])).encode()
        if rnd.random() < 0.1:
            body = body[: rnd.randrange(max(1, len(body)))]
        st, js, data, _ = raw(sim, T + action, body)
        statuses[st] = statuses.get(st, 0) + 1
        if st not in (200, 400) or (st == 400 and not (js and "__type" in js and "message" in js)):
            bad.append((action, body[:200], st, data[:200]))
    check("400 mutated requests: every answer is 200 or a 400 with __type and message", not bad, bad[:5])
    check("mutations exercised both success and error paths", statuses.get(200, 0) > 0 and statuses.get(400, 0) > 0, statuses)


def faults(sim, ecs):
    sim.ctl("faults", {"faults": [{"action": "DescribeClusters", "throttle": 1, "times": 2}]})
    for i in range(2):
        try:
            ecs.describe_clusters(clusters=["fz"])
            check("throttle %d: ThrottlingException" % i, False)
        except botocore.exceptions.ClientError as e:
            err = e.response["Error"]
            check("throttle %d: ThrottlingException 'Rate exceeded', HTTP 400" % i,
                  err["Code"] == "ThrottlingException" and err["Message"] == "Rate exceeded"
                  and e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, err)
    check("after `times` injections the action works again", ecs.describe_clusters(clusters=["fz"])["clusters"][0]["clusterName"] == "fz")
    sim.ctl("faults", {"faults": [{"action": "ecs:DescribeClusters", "throttle": 1, "times": 2}]})
    retrying = sim.client(retries=4)
    check("boto3's standard retries get through two throttles", retrying.describe_clusters(clusters=["fz"])["clusters"][0]["status"] == "ACTIVE")
    sim.ctl("faults", {"faults": [{"action": "ListClusters", "error": 1, "error_status": 503, "times": 1}]})
    try:
        ecs.list_clusters()
        check("5xx injected", False)
    except botocore.exceptions.ClientError as e:
        check("5xx: HTTP 503 ServiceUnavailableException", e.response["ResponseMetadata"]["HTTPStatusCode"] == 503
              and e.response["Error"]["Code"] == "ServiceUnavailableException", e.response["Error"])
    sim.ctl("faults", {"faults": [{"action": "ListServices", "reset": 1, "times": 1}]})
    st = None
    try:
        st, _, _, _ = raw(sim, T + "ListServices", json.dumps({"cluster": "fz"}).encode())
    except (http.client.HTTPException, OSError) as e:
        st = type(e).__name__
    check("reset: the connection closes without an answer", st in ("RemoteDisconnected", "ConnectionResetError", "BadStatusLine"), st)
    sim.ctl("faults", {"faults": [{"action": "ListClusters", "latency_ms": 250, "times": 1}]})
    ecs.list_clusters()
    log = sim.ctl("requests")["requests"]
    last = [r for r in log if r["action"] == "ListClusters"][-1]
    check("latency: the request log shows the delay", last["ms"] >= 250, last)
    sim.ctl("faults", {"faults": [{"action": "ListTasks", "rate": 0.001, "burst": 3}]})
    codes = []
    for i in range(6):
        st, js, _, _ = raw(sim, T + "ListTasks", json.dumps({"cluster": "fz"}).encode())
        codes.append(js.get("__type", st) if st != 200 else 200)
    check("token bucket: burst 3 then ThrottlingException", codes == [200] * 3 + ["ThrottlingException"] * 3, codes)
    sim.ctl("faults", {"faults": [{"action": "elbv2:DescribeTargetHealth", "throttle": 1, "times": 1}]})
    try:
        sim.client("elbv2").describe_target_health(TargetGroupArn="arn:aws:elasticloadbalancing:x")
    except botocore.exceptions.ClientError as e:
        check("Query throttling: XML error the ELBv2 client reads as Throttling", e.response["Error"]["Code"] == "Throttling", e.response["Error"])
    sim.ctl("faults", None, method="DELETE")
    check("faults cleared", sim.ctl("faults")["faults"] == [])
    # ECS-like default buckets: RegisterTaskDefinition bursts 20 then refills at 1/s
    td = taskdef("burst", "repo/web:1")
    throttled = 0
    for i in range(40):
        st, js, _, _ = raw(sim, T + "RegisterTaskDefinition", json.dumps(td).encode())
        throttled += st == 400 and js["__type"] == "ThrottlingException"
    check("default rate limits: 40 quick RegisterTaskDefinition calls meet throttling", throttled >= 10, throttled)
    reqs = sim.ctl("requests")
    kinds = {r.get("fault") for r in reqs["requests"]}
    check("request log records wall time, action, status and faults",
          {"throttle", "error", "reset"} <= kinds and all("time" in r and "status" in r for r in reqs["requests"]), kinds)


def lost_and_empty(sim, ecs):
    """The lost-answer fault runs the request, then closes the connection unanswered (unlike a
    reset, which drops it before it runs); the empty fault answers 200 with no body. Client
    tokens make RunTask and CreateService run once however often they arrive (source:
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html)."""
    sim.ctl("faults", {"faults": [], "rate_limits": False})  # the buckets were used up above
    ecs.create_cluster(clusterName="lost")
    td = taskdef("lostfam", "repo/web:1")
    before = len(ecs.list_task_definitions(familyPrefix="lostfam")["taskDefinitionArns"])
    sim.ctl("faults", {"faults": [{"action": "RegisterTaskDefinition", "lost": 1, "times": 1}], "rate_limits": False})
    st = None
    try:
        st, _, _, _ = raw(sim, T + "RegisterTaskDefinition", json.dumps(td).encode())
    except (http.client.HTTPException, OSError) as e:
        st = type(e).__name__
    check("lost answer: the connection closes without an answer", st in ("RemoteDisconnected", "ConnectionResetError", "BadStatusLine"), st)
    after = len(ecs.list_task_definitions(familyPrefix="lostfam")["taskDefinitionArns"])
    check("lost answer: the request ran all the same (one more revision)", after == before + 1, (before, after))
    last = [r for r in sim.ctl("requests")["requests"] if r["action"] == "RegisterTaskDefinition"][-1]
    check("lost answer: the request log says 'lost'", last.get("fault") == "lost", last)
    sim.ctl("faults", {"faults": [{"action": "ListClusters", "empty": 1, "times": 1}], "rate_limits": False})
    st, js, raw_body, _ = raw(sim, T + "ListClusters", b"{}")
    check("empty answer: HTTP 200 with an empty body", st == 200 and raw_body == b"", (st, raw_body))
    sim.ctl("faults", {"faults": [], "rate_limits": False})
    ecs.register_task_definition(**td)
    run = {"cluster": "lost", "taskDefinition": "lostfam", "count": 1, "networkConfiguration": NET, "clientToken": "tok-run-1"}
    st1, a1, _, _ = raw(sim, T + "RunTask", json.dumps(run).encode())
    st2, a2, _, _ = raw(sim, T + "RunTask", json.dumps(run).encode())
    arns = ecs.list_tasks(cluster="lost")["taskArns"]
    check("RunTask twice with one clientToken: one task, the same answer",
          st1 == st2 == 200 and len(arns) == 1 and a1["tasks"][0]["taskArn"] == a2["tasks"][0]["taskArn"], (st1, st2, arns))
    run2 = dict(run, count=2)
    st3, a3, _, _ = raw(sim, T + "RunTask", json.dumps(run2).encode())
    check("RunTask with the same clientToken and other parameters: ConflictException",
          st3 == 400 and a3.get("__type") == "ConflictException", (st3, a3))
    st4, _, _, _ = raw(sim, T + "RunTask", json.dumps(dict(run, clientToken="x" * 65)).encode())
    check("a RunTask clientToken longer than 64 characters is refused", st4 == 400, st4)
    svc = {"cluster": "lost", "serviceName": "once", "taskDefinition": "lostfam", "desiredCount": 1,
           "networkConfiguration": NET, "clientToken": "tok-svc-1"}
    s1, b1, _, _ = raw(sim, T + "CreateService", json.dumps(svc).encode())
    s2, b2, _, _ = raw(sim, T + "CreateService", json.dumps(svc).encode())
    check("CreateService twice with one clientToken: created once, both succeed",
          s1 == s2 == 200 and b1["service"]["serviceArn"] == b2["service"]["serviceArn"], (s1, s2, b2))
    s3, b3, _, _ = raw(sim, T + "CreateService", json.dumps(dict(svc, clientToken="tok-svc-2")).encode())
    check("CreateService again with another clientToken: not idempotent",
          s3 == 400 and "not idempotent" in b3.get("message", ""), (s3, b3))


def control(sim):
    import urllib.error
    for path, body, want in (("faults", b"{bad", 400), ("nowhere", None, 404), ("clock", b'{"speed": -1}', 400),
                             ("rules", b'{"match": "x", "behavior": "explode"}', 400), ("reset", None, 405)):
        req = __import__("urllib.request").request.Request(sim.url + "/_sim/" + path, data=body,
                                                           method="POST" if body else "GET")
        try:
            __import__("urllib.request").request.urlopen(req, timeout=10)
            got = 200
        except urllib.error.HTTPError as e:
            got = e.code
        check("control API %s -> %d" % (path, want), got == want, got)
    r = sim.ctl("rules", {"rules": [{"match": "canary", "behavior": "unhealthy:500"}]})
    check("rules: replaced through the control API", r["rules"] == [{"match": "canary", "behavior": "unhealthy:500"}], r)
    c = sim.ctl("config", {"breaker_min": 5, "drain_seconds": 10})
    check("config: breaker_min and drain_seconds set", c["breaker_min"] == 5 and c["drain_seconds"] == 10, c)
    sim.ctl("reset", {})
    check("reset forgets clusters", sim.client().list_clusters()["clusterArns"] == [])


def main():
    with Sim("--seed", "2") as sim:
        ecs = sim.client()
        malformed(sim)
        random_bytes(sim)
        mutations(sim, ecs)
        faults(sim, ecs)
        lost_and_empty(sim, ecs)
        control(sim)
    check("SIGTERM after all that: exit status 0", sim.exit_status == 0, sim.exit_status)
    done()


if __name__ == "__main__":
    main()
