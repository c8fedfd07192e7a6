"""simlib.py: helpers for the ecship-sim tests: start/stop a simulator on a free loopback port,
boto3 clients pointed at it, the control API, and PASS/FAIL reporting that the shell wrappers
turn into TAP. Needs $ECSHIP_SIM (the binary under test) and the harness's fake credentials."""
import json
import os
import signal
import subprocess
import sys
import urllib.request
import urllib.error

import boto3
from botocore.config import Config

REGION = os.environ.get("AWS_REGION", "ap-northeast-1")
FAILS = 0


def check(desc, cond, detail=""):
    global FAILS
    if cond:
        print("PASS " + desc, flush=True)
    else:
        FAILS += 1
        print("FAIL " + desc, flush=True)
        if detail:
            for line in str(detail).splitlines()[:30]:
                print("  " + line, flush=True)
    return cond


class Sim:
    """One ecship-sim process; use as a context manager. SIGTERM on exit, checks exit status 0."""

    def __init__(self, *args):
        self.args = list(args)
        self.proc = None
        self.url = None

    def __enter__(self):
        # the quick pace unless the test asks for a profile (ECS's clock is the sim's default). With
        # --upstream the sim checks, as ECS does, that the subnets, security groups and target groups
        # a service names exist there: the network of tests/lib/sim_network.py is made in that moto
        # first and given as self.net (a networkConfiguration) and self.ids (SUBNET_A, TARGET_GROUP
        # ...), unless the test says --no-upstream-checks (and why). NET and TG below are made up:
        # for sims without an upstream.
        timing = [] if "--timing" in self.args else ["--timing", "fast"]
        self.ids, self.net = {}, None
        if "--upstream" in self.args and "--no-upstream-checks" not in self.args:
            sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
            import sim_network
            self.ids = sim_network.create(self.args[self.args.index("--upstream") + 1], REGION)
            self.net = {"awsvpcConfiguration": {"subnets": [self.ids["SUBNET_A"], self.ids["SUBNET_B"]],
                                                "securityGroups": [self.ids["SECURITY_GROUP"]],
                                                "assignPublicIp": "DISABLED"}}
        cmd = [os.environ["ECSHIP_SIM"], "--listen", "127.0.0.1:0"] + timing + self.args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on http://127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError("ecship-sim did not start: %r %s" % (line, self.proc.stderr.read()))
        self.url = line[len("listening on "):]
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return -9
        return self.proc.returncode if self.proc else None

    def __exit__(self, *exc):
        rc = self.stop()
        self.exit_status = rc
        self.proc.stdout.close()
        self.proc.stderr.close()

    def client(self, service="ecs", retries=1):
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            config=Config(retries={"total_max_attempts": retries, "mode": "standard"}))

    def ctl(self, path, body=None, method=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/_sim/" + path, data=data,
                                     method=method or ("POST" if data is not None else "GET"))
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def advance(self, seconds):
        return self.ctl("clock", {"advance": seconds})


def taskdef(family, image, port=8000, env=None, health_check=None, group="/ecs/web"):
    c = {"name": "app", "image": image, "essential": True,
         "portMappings": [{"containerPort": port, "protocol": "tcp"}],
         "environment": [{"name": k, "value": v} for k, v in (env or {}).items()],
         "logConfiguration": {"logDriver": "awslogs", "options": {
             "awslogs-group": group, "awslogs-region": REGION, "awslogs-stream-prefix": "ecs"}}}
    if health_check:
        c["healthCheck"] = health_check
    return {"family": family, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": "256", "memory": "512", "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
            "containerDefinitions": [c]}


TG = "arn:aws:elasticloadbalancing:%s:123456789012:targetgroup/web-tg/0123456789abcdef" % REGION
NET = {"awsvpcConfiguration": {"subnets": ["subnet-0aaa", "subnet-0bbb"], "securityGroups": ["sg-0123"],
                               "assignPublicIp": "DISABLED"}}


def done():
    sys.exit(1 if FAILS else 0)


def raw_ecs(sim, operation, body):
    """One ECS JSON call without botocore's parsing: (HTTP status, parsed JSON body)."""
    req = urllib.request.Request(sim.url + "/", data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AmazonEC2ContainerServiceV20141113." + operation,
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAECSHIPTEST000000/20240101/%s/ecs/aws4_request, "
                         "SignedHeaders=host, Signature=0" % REGION})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")
