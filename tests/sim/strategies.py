"""strategies.py: ecship-sim's blue/green, linear and canary deployments, with moto as the upstream
($MOTO_URL) holding the load balancer, target groups, listener rules and CloudWatch alarms.
Checked: the lifecycle stages in order, green beside blue, the production and test listener rules'
weights as ELBv2 DescribeRules on moto shows them at each step, bake time, PAUSE hooks continued,
rolled back and timing out (ContinueServiceDeployment through boto3), Lambda hooks through the
/_sim/hooks switch, an alarm set to ALARM (/_sim/alarms, also set in moto) during the bake, the
rollback at several stages with traffic back on blue, and invalid configurations refused before
any change. Every ECS answer is checked against botocore's output shapes.
Sources (https://docs.aws.amazon.com/AmazonECS/latest/): developerguide/deployment-type-blue-green.html
and blue-green-deployment-how-it-works.html (stages, green beside blue, bake time, rollback),
developerguide/deployment-type-linear.html, canary-deployment.html (steps), deployment-lifecycle-hooks.html,
pause-lifecycle-hooks.html, lambda-lifecycle-hooks.html ("FAILED - Amazon ECS rolls back"),
continue-service-deployment.html, deployment-alarm-failure.html, alb-resources-for-blue-green.html;
APIReference/API_DeploymentConfiguration.html (bakeTimeInMinutes required for BLUE_GREEN),
API_LinearConfiguration.html (stepPercent 3.0-100.0), API_CanaryConfiguration.html (canaryPercent
0.1-100.0, bake 0-1440), API_DeploymentLifecycleHookTimeoutConfiguration.html (action, 1-20160 minutes),
API_AdvancedConfiguration.html, API_ContinueServiceDeployment.html, API_ServiceDeployment.html."""
import json
import os
import subprocess
import uuid

import boto3

from shapes import violations
from simlib import REGION, Sim, check, done, raw_ecs, taskdef

BAD = []
MOTO = os.environ["MOTO_URL"]
ROLE = "arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers"
ALARM = "web-5xx-" + uuid.uuid4().hex[:6]
LAMBDA = "arn:aws:lambda:%s:123456789012:function:" % REGION


def moto(svc):
    return boto3.client(svc, endpoint_url=MOTO, region_name=REGION)


def call(sim, op, body):
    status, answer = raw_ecs(sim, op, body)
    if status == 200:
        BAD.extend(violations("ecs", op, answer))
    return status, answer


class Infra:
    """A VPC, a load balancer with a production and a test listener; per service two target
    groups and a production and a test listener rule, all in moto."""

    def __init__(self):
        ec2, self.elb = moto("ec2"), moto("elbv2")
        self.tag = uuid.uuid4().hex[:6]  # moto is shared with other tests: names of our own
        self.vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.subnets = [ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.0.%d.0/24" % i,
                                          AvailabilityZone=REGION + az)["Subnet"]["SubnetId"]
                        for i, az in ((1, "a"), (2, "c"))]
        self.sg = ec2.create_security_group(GroupName="web-" + self.tag, Description="web", VpcId=self.vpc)["GroupId"]
        lb = self.elb.create_load_balancer(Name="shared-" + self.tag, Subnets=self.subnets)["LoadBalancers"][0]["LoadBalancerArn"]
        fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]
        self.prod = self.elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=fixed)["Listeners"][0]["ListenerArn"]
        self.test = self.elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=8080, DefaultActions=fixed)["Listeners"][0]["ListenerArn"]
        self.prio = 10
        self.net = {"awsvpcConfiguration": {"subnets": self.subnets, "securityGroups": [self.sg], "assignPublicIp": "DISABLED"}}

    def service(self, name):
        tg = [self.elb.create_target_group(Name="%s-%s-%s" % (name, c, self.tag), Protocol="HTTP", Port=8000, VpcId=self.vpc,
                                           TargetType="ip")["TargetGroups"][0]["TargetGroupArn"] for c in ("b", "g")]
        self.prio += 1
        cond = [{"Field": "host-header", "Values": [name + ".example.com"]}]
        rules = [self.elb.create_rule(ListenerArn=lst, Priority=self.prio, Conditions=cond,
                                      Actions=[{"Type": "forward", "TargetGroupArn": tg[0]}])["Rules"][0]["RuleArn"]
                 for lst in (self.prod, self.test)]
        return {"tg": tg, "prod": rules[0], "test": rules[1]}

    def green_share(self, rule, green_tg):
        """green's share of the rule's forwarded traffic in percent, from moto's DescribeRules"""
        act = self.elb.describe_rules(RuleArns=[rule])["Rules"][0]["Actions"][0]
        groups = act.get("ForwardConfig", {}).get("TargetGroups") or [{"TargetGroupArn": act["TargetGroupArn"], "Weight": 1}]
        total = sum(g.get("Weight", 1) for g in groups)
        return round(100.0 * sum(g.get("Weight", 1) for g in groups if g["TargetGroupArn"] == green_tg) / total, 1)


def lbs(r, adv=True, test=True):
    lb = {"targetGroupArn": r["tg"][0], "containerName": "app", "containerPort": 8000}
    if adv:
        lb["advancedConfiguration"] = {"alternateTargetGroupArn": r["tg"][1], "productionListenerRule": r["prod"],
                                       "roleArn": ROLE}
        if test:
            lb["advancedConfiguration"]["testListenerRule"] = r["test"]
    return [lb]


def register(sim, image):
    return call(sim, "RegisterTaskDefinition", taskdef("web", image))[1]["taskDefinition"]["taskDefinitionArn"]


def svc(sim, name):
    return call(sim, "DescribeServices", {"cluster": "c1", "services": [name]})[1]["services"][0]


def describe(sim, arn):
    return call(sim, "DescribeServiceDeployments", {"serviceDeploymentArns": [arn]})[1]["serviceDeployments"][0]


def stable(s):
    d = s["deployments"]
    return len(d) == 1 and d[0]["rolloutState"] == "COMPLETED" and s["runningCount"] == s["desiredCount"]


def settle(sim, name, cond, limit=600, step=2):
    t = 0
    while t <= limit:
        s = svc(sim, name)
        if cond(s):
            return s
        sim.advance(step)
        t += step
    return svc(sim, name)


def create(sim, infra, name, r, dc, td, desired=2):
    return call(sim, "CreateService", {"cluster": "c1", "serviceName": name, "taskDefinition": td, "desiredCount": desired,
                                       "networkConfiguration": infra.net, "deploymentConfiguration": dc,
                                       "loadBalancers": lbs(r)})


def deploy(sim, name, image):
    td = register(sim, image)
    call(sim, "UpdateService", {"cluster": "c1", "service": name, "taskDefinition": td})
    return td, svc(sim, name)["currentServiceDeployment"]


def follow(sim, infra, r, arn, until, limit=900, step=1, on_tick=None):
    """Advances the clock step by step until until(sd); records the lifecycle stages seen (in
    order, each once) and green's production and test shares on moto's rules at each change."""
    seen, prod, test, t, sd = [], [], [], 0, describe(sim, arn)
    while t <= limit:
        sd = describe(sim, arn)
        st = sd.get("lifecycleStage")
        if st and (not seen or seen[-1] != st):
            seen.append(st)
        p, q = infra.green_share(r["prod"], r["tg"][1]), infra.green_share(r["test"], r["tg"][1])
        if not prod or prod[-1] != p:
            prod.append(p)
        if not test or test[-1] != q:
            test.append(q)
        if on_tick:
            on_tick(sd)
        if until(sd):
            break
        sim.advance(step)
        t += step
    return sd, seen, prod, test


def tasks_by_tg(sim, name, r):
    arns = call(sim, "ListTasks", {"cluster": "c1", "serviceName": name})[1]["taskArns"]
    if not arns:
        return []
    ts = call(sim, "DescribeTasks", {"cluster": "c1", "tasks": arns})[1]["tasks"]
    tds = [t["taskDefinitionArn"] for t in ts if t["lastStatus"] == "RUNNING"]
    return tds


def sim_state(sim, name):
    for v in sim.ctl("state")["serviceStates"]:
        if v["serviceArn"].endswith("/" + name):
            return v
    return None


ORDER = ["PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
         "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"]


def blue_green(sim, infra):
    r = infra.service("bg")
    td1 = register(sim, "repo/web:1")
    st, a = create(sim, infra, "bg", r, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1}, td1)
    check("CreateService with BLUE_GREEN and an advanced configuration is accepted", st == 200, a)
    s1 = settle(sim, "bg", stable)
    check("the first deployment has no blue: it scales up and succeeds, strategy BLUE_GREEN kept",
          stable(s1) and s1["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
          and s1["deploymentConfiguration"]["bakeTimeInMinutes"] == 1
          and s1["loadBalancers"][0]["advancedConfiguration"]["alternateTargetGroupArn"] == r["tg"][1], s1)
    td2, arn = deploy(sim, "bg", "repo/web:2")
    beside = {}

    def tick(sd):
        if sd.get("lifecycleStage") == "BAKE_TIME" and "bake" not in beside:
            beside["bake"] = sorted(tasks_by_tg(sim, "bg", r))
    sd, seen, prod, test = follow(sim, infra, r, arn, lambda x: x["status"] != "IN_PROGRESS", on_tick=tick)
    check("BLUE_GREEN: SUCCESSFUL after the bake", sd["status"] == "SUCCESSFUL" and "finishedAt" in sd, sd)
    stages = [x["stage"] for x in sim_state(sim, "bg")["serviceDeployments"][0]["stages"]]
    check("every lifecycle stage, in ECS's order (/_sim/state)", stages == ORDER, stages)
    check("the stages DescribeServiceDeployments showed come in that order",
          seen == [x for x in ORDER if x in seen] and len(seen) >= 6, seen)
    check("green beside blue during BAKE_TIME: 2 tasks of each revision running",
          beside.get("bake") == sorted([td1, td1, td2, td2]), beside)
    check("production rule on moto: 0% then 100% green in one shift", prod == [0.0, 100.0], prod)
    check("test rule on moto: 0% then 100% green", test == [0.0, 100.0], test)
    s2 = settle(sim, "bg", stable)
    check("the service runs the green revision only, green's target group now serves production",
          s2["taskDefinition"] == td2 and sim_state(sim, "bg")["productionTargetGroup"] == r["tg"][1], s2["deployments"])
    rev = call(sim, "DescribeServiceRevisions", {"serviceRevisionArns": [sd["targetServiceRevision"]["arn"]]})[1]
    check("the revision's resolvedConfiguration names the alternate target group",
          rev["serviceRevisions"][0]["resolvedConfiguration"]["loadBalancers"][0]["targetGroupArn"] == r["tg"][1], rev)
    # the next deployment goes the other way: into the first target group
    td3, arn3 = deploy(sim, "bg", "repo/web:3")
    sd3, _, prod3, _ = follow(sim, infra, r, arn3, lambda x: x["status"] != "IN_PROGRESS")
    check("the next deployment shifts back to the first target group",
          sd3["status"] == "SUCCESSFUL" and prod3 == [100.0, 0.0]
          and sim_state(sim, "bg")["productionTargetGroup"] == r["tg"][0], (sd3["status"], prod3))


def shifting(sim, infra, name, dc, want):
    r = infra.service(name)
    st, a = create(sim, infra, name, r, dc, register(sim, "repo/web:1"))
    check("%s: CreateService accepted" % dc["strategy"], st == 200, a)
    settle(sim, name, stable)
    _, arn = deploy(sim, name, "repo/web:2")
    sd, seen, prod, _ = follow(sim, infra, r, arn, lambda x: x["status"] != "IN_PROGRESS")
    check("%s: traffic steps on the production rule (moto DescribeRules): %s" % (dc["strategy"], want),
          sd["status"] == "SUCCESSFUL" and prod == want, (sd["status"], prod, seen))
    return sd


def rollbacks(sim, infra):
    # 1. SCALE_UP: green never starts; the circuit breaker rolls back, traffic never moved
    r = infra.service("rb1")
    create(sim, infra, "rb1", r, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1,
                                  "deploymentCircuitBreaker": {"enable": True, "rollback": True}}, register(sim, "repo/web:1"))
    s1 = settle(sim, "rb1", stable)
    _, arn = deploy(sim, "rb1", "repo/nopull:2")
    stage_at_fail = {}

    def tick(sd):
        if sd["status"] == "IN_PROGRESS":
            stage_at_fail["stage"] = sd.get("lifecycleStage")
    sd, seen, prod, _ = follow(sim, infra, r, arn, lambda x: x["status"] not in ("IN_PROGRESS", "ROLLBACK_IN_PROGRESS"),
                               on_tick=tick)
    s = settle(sim, "rb1", stable)
    check("rolled back at SCALE_UP (green never starts): ROLLBACK_SUCCESSFUL, production never moved, blue serves",
          sd["status"] == "ROLLBACK_SUCCESSFUL" and stage_at_fail.get("stage") == "SCALE_UP" and prod == [0.0]
          and s["taskDefinition"] == s1["taskDefinition"], (sd["status"], stage_at_fail, prod, seen))

    # 2. POST_TEST_TRAFFIC_SHIFT: a Lambda hook fails ("FAILED - Amazon ECS rolls back")
    r = infra.service("rb2")
    hook = {"hookTargetArn": LAMBDA + "smoke-test", "roleArn": ROLE, "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}
    create(sim, infra, "rb2", r, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1, "lifecycleHooks": [hook]},
           register(sim, "repo/web:1"))
    s1 = settle(sim, "rb2", stable)
    sim.ctl("hooks", {"match": "smoke-test", "behavior": "fail"})
    _, arn = deploy(sim, "rb2", "repo/web:2")
    stage_at_fail = {}
    sd, seen, prod, test = follow(sim, infra, r, arn, lambda x: x["status"] not in ("IN_PROGRESS", "ROLLBACK_IN_PROGRESS"),
                                  on_tick=tick)
    s = settle(sim, "rb2", stable)
    hd = sd.get("lifecycleHookDetails", [{}])[0]
    check("rolled back at POST_TEST_TRAFFIC_SHIFT by a failing Lambda hook; the test rule back on blue",
          sd["status"] == "ROLLBACK_SUCCESSFUL" and stage_at_fail.get("stage") == "POST_TEST_TRAFFIC_SHIFT"
          and hd.get("status") == "FAILED" and hd.get("targetType") == "AWS_LAMBDA" and hd.get("targetArn") == hook["hookTargetArn"]
          and test == [0.0, 100.0, 0.0] and prod == [0.0] and s["taskDefinition"] == s1["taskDefinition"]
          and "lifecycle hook" in sd["rollback"]["reason"], (sd, stage_at_fail, test, prod))
    sim.ctl("hooks", method="DELETE")

    # a PAUSE hook awaiting action when StopServiceDeployment ROLLBACK ends the deployment: FAILED
    r = infra.service("rb5")
    create(sim, infra, "rb5", r, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1, "lifecycleHooks": [
        {"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}]}, register(sim, "repo/web:1"))
    settle(sim, "rb5", stable)
    _, arn = deploy(sim, "rb5", "repo/web:2")
    sd, _, _, _ = follow(sim, infra, r, arn, lambda x: any(h["status"] == "AWAITING_ACTION" for h in x.get("lifecycleHookDetails", [])))
    call(sim, "StopServiceDeployment", {"serviceDeploymentArn": arn})
    sd = describe(sim, arn)
    check("a PAUSE hook still awaiting action when the deployment is stopped: FAILED, timeout defaults 1440 min / ROLLBACK",
          sd["status"] == "ROLLBACK_IN_PROGRESS" and sd["lifecycleHookDetails"][0]["status"] == "FAILED"
          and sd["lifecycleHookDetails"][0]["timeoutAction"] == "ROLLBACK", sd)

    # 3. BAKE_TIME: an alarm goes into ALARM; rollback, production back on blue
    r = infra.service("rb3")
    cw = moto("cloudwatch")
    cw.put_metric_alarm(AlarmName=ALARM, MetricName="HTTPCode_Target_5XX_Count", Namespace="AWS/ApplicationELB",
                        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold")
    create(sim, infra, "rb3", r, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5,
                                  "alarms": {"alarmNames": [ALARM], "enable": True, "rollback": True}},
           register(sim, "repo/web:1"))
    s1 = settle(sim, "rb3", stable)
    _, arn = deploy(sim, "rb3", "repo/web:2")
    fired = {}

    def alarm_in_bake(sd):
        tick(sd)
        if sd.get("lifecycleStage") == "BAKE_TIME" and "at" not in fired:
            fired["at"] = sd["lifecycleStage"]
            fired["alarms"] = sd.get("alarms")
            sim.ctl("alarms", {"name": ALARM, "state": "ALARM", "reason": "Threshold Crossed: 12 5XX responses"})
    stage_at_fail = {}
    sd, seen, prod, _ = follow(sim, infra, r, arn, lambda x: x["status"] not in ("IN_PROGRESS", "ROLLBACK_IN_PROGRESS"),
                               on_tick=alarm_in_bake)
    s = settle(sim, "rb3", stable)
    check("alarms MONITORING while the deployment runs", (fired.get("alarms") or {}).get("status") == "MONITORING", fired)
    check("rolled back at BAKE_TIME by the alarm: production 100% green, then back to blue",
          sd["status"] == "ROLLBACK_SUCCESSFUL" and stage_at_fail.get("stage") == "BAKE_TIME" and prod == [0.0, 100.0, 0.0]
          and s["taskDefinition"] == s1["taskDefinition"], (sd["status"], stage_at_fail, prod))
    check("the service deployment names the alarm: TRIGGERED, triggeredAlarmNames, reason",
          sd["alarms"]["status"] == "TRIGGERED" and sd["alarms"]["triggeredAlarmNames"] == [ALARM]
          and ALARM in sd["statusReason"], sd)
    m = cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]
    check("the alarm state is set in moto too (DescribeAlarms: ALARM, the reason)",
          m["StateValue"] == "ALARM" and m["StateReason"] == "Threshold Crossed: 12 5XX responses", m)
    sim.ctl("alarms", {"name": ALARM, "state": "OK", "reason": "back to normal"})


def linear_alarm(sim, infra):
    # 4. PRODUCTION_TRAFFIC_SHIFT: an alarm while LINEAR has shifted 20%; the rule goes back to 0%
    r = infra.service("rb4")
    cw = moto("cloudwatch")
    name = ALARM + "-lin"
    cw.put_metric_alarm(AlarmName=name, MetricName="TargetResponseTime", Namespace="AWS/ApplicationELB",
                        Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    create(sim, infra, "rb4", r, {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 10.0, "stepBakeTimeInMinutes": 1},
                                  "alarms": {"alarmNames": [name], "enable": True, "rollback": True}},
           register(sim, "repo/web:1"))
    s1 = settle(sim, "rb4", stable)
    _, arn = deploy(sim, "rb4", "repo/web:2")
    at = {}

    def tick(sd):
        if sd["status"] == "IN_PROGRESS":
            at["stage"] = sd.get("lifecycleStage")
        if sd["status"] == "IN_PROGRESS" and infra.green_share(r["prod"], r["tg"][1]) == 20.0 and "set" not in at:
            at["set"] = sim.ctl("alarms", {"name": name, "state": "ALARM", "reason": "latency"})
    sd, seen, prod, _ = follow(sim, infra, r, arn, lambda x: x["status"] not in ("IN_PROGRESS", "ROLLBACK_IN_PROGRESS"),
                               on_tick=tick)
    s = settle(sim, "rb4", stable)
    check("rolled back at PRODUCTION_TRAFFIC_SHIFT (LINEAR at 20%) by an alarm: the rule back to 0% green",
          sd["status"] == "ROLLBACK_SUCCESSFUL" and at.get("stage") == "PRODUCTION_TRAFFIC_SHIFT"
          and prod == [0.0, 10.0, 20.0, 0.0] and s["taskDefinition"] == s1["taskDefinition"], (sd["status"], at, prod))
    sim.ctl("alarms", {"name": name, "state": "OK", "reason": "fine"})


def reconcile_stage(sim, infra):
    # RECONCILE_SERVICE "only happens when you start a new service deployment with more than 1
    # service revision in an ACTIVE state" (API_ServiceDeployment lifecycleStage): a deployment
    # started while another is still in SCALE_UP begins there; the one it replaced is STOPPED
    r = infra.service("rc")
    create(sim, infra, "rc", r, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0}, register(sim, "repo/web:1"))
    settle(sim, "rc", stable)
    _, arn2 = deploy(sim, "rc", "repo/web:2")
    follow(sim, infra, r, arn2, lambda x: x.get("lifecycleStage") == "SCALE_UP")
    td3, arn3 = deploy(sim, "rc", "repo/web:3")
    sd3, seen, prod, _ = follow(sim, infra, r, arn3, lambda x: x["status"] != "IN_PROGRESS")
    s = settle(sim, "rc", stable)
    check("a deployment started over one in progress: RECONCILE_SERVICE first, the other STOPPED, then SUCCESSFUL",
          describe(sim, arn2)["status"] == "STOPPED" and seen[:2] == ["RECONCILE_SERVICE", "PRE_SCALE_UP"]
          and len(sd3["sourceServiceRevisions"]) == 2 and sd3["status"] == "SUCCESSFUL" and prod == [0.0, 100.0]
          and s["taskDefinition"] == td3, (seen, sd3["status"], prod))


def rolling_alarm(sim, infra):
    # a rolling update watched by an alarm: ALARM while it runs fails it and rolls back
    # (deployment-alarm-failure.html); alarms.status TRIGGERED
    r = infra.service("ra")
    name = ALARM + "-roll"
    moto("cloudwatch").put_metric_alarm(AlarmName=name, MetricName="CPUUtilization", Namespace="AWS/ECS", Statistic="Average",
                                        Period=60, EvaluationPeriods=1, Threshold=90, ComparisonOperator="GreaterThanThreshold")
    td1 = register(sim, "repo/web:1")
    call(sim, "CreateService", {"cluster": "c1", "serviceName": "ra", "taskDefinition": td1, "desiredCount": 2,
                                "networkConfiguration": infra.net, "loadBalancers": lbs(r, adv=False),
                                "deploymentConfiguration": {"alarms": {"alarmNames": [name], "enable": True, "rollback": True}}})
    settle(sim, "ra", stable)
    _, arn = deploy(sim, "ra", "repo/web:2")
    sim.advance(5)
    sim.ctl("alarms", {"name": name, "state": "ALARM", "reason": "cpu"})
    sd = describe(sim, arn)
    s = settle(sim, "ra", stable)
    check("ROLLING with alarms: ALARM during the rollout rolls it back, TRIGGERED",
          sd["status"] in ("ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL") and sd["alarms"]["status"] == "TRIGGERED"
          and sd["deploymentConfiguration"]["strategy"] == "ROLLING" and s["taskDefinition"] == td1, (sd, s["deployments"]))
    sim.ctl("alarms", {"name": name, "state": "OK", "reason": "fine"})


def stop_and_abort(sim, infra):
    # StopServiceDeployment on a blue/green deployment (API_StopServiceDeployment): ROLLBACK during
    # BAKE_TIME puts production back on blue; ABORT at POST_TEST_TRAFFIC_SHIFT stops there with the
    # test rule back on blue; a later deployment still goes through
    r = infra.service("sa")
    td1 = register(sim, "repo/web:1")
    create(sim, infra, "sa", r, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}, td1)
    settle(sim, "sa", stable)
    _, arn = deploy(sim, "sa", "repo/web:2")
    sd, _, prod, _ = follow(sim, infra, r, arn, lambda x: x.get("lifecycleStage") == "BAKE_TIME")
    st, _ = call(sim, "StopServiceDeployment", {"serviceDeploymentArn": arn, "stopType": "ROLLBACK"})
    sd, _, prod2, _ = follow(sim, infra, r, arn, lambda x: x["status"] not in ("IN_PROGRESS", "ROLLBACK_IN_PROGRESS"))
    s = settle(sim, "sa", stable)
    check("StopServiceDeployment ROLLBACK in BAKE_TIME: ROLLBACK_SUCCESSFUL, production 100% green then back on blue",
          st == 200 and sd["status"] == "ROLLBACK_SUCCESSFUL" and prod == [0.0, 100.0] and prod2 == [0.0]
          and s["taskDefinition"] == td1, (sd["status"], prod, prod2))
    _, arn = deploy(sim, "sa", "repo/web:3")
    sd, _, _, test = follow(sim, infra, r, arn, lambda x: x.get("lifecycleStage") == "POST_TEST_TRAFFIC_SHIFT")
    st, _ = call(sim, "StopServiceDeployment", {"serviceDeploymentArn": arn, "stopType": "ABORT"})
    sd = describe(sim, arn)
    check("StopServiceDeployment ABORT at POST_TEST_TRAFFIC_SHIFT: STOPPED, the test rule back on blue",
          st == 200 and sd["status"] == "STOPPED" and test == [0.0, 100.0]
          and infra.green_share(r["test"], r["tg"][1]) == 0.0, (sd["status"], test))
    td4, arn = deploy(sim, "sa", "repo/web:4")
    sd, _, prod, _ = follow(sim, infra, r, arn, lambda x: x["status"] != "IN_PROGRESS")
    s = settle(sim, "sa", stable)
    check("the next deployment after the abort succeeds and serves alone",
          sd["status"] == "SUCCESSFUL" and prod == [0.0, 100.0] and s["taskDefinition"] == td4, (sd["status"], prod))


def pause_hooks(sim, infra):
    ecs = sim.client("ecs")
    cases = [("CONTINUE", "POST_TEST_TRAFFIC_SHIFT", "SUCCESSFUL"),
             ("ROLLBACK", "PRE_PRODUCTION_TRAFFIC_SHIFT", "ROLLBACK_SUCCESSFUL"),
             ("timeout", "POST_SCALE_UP", "ROLLBACK_SUCCESSFUL")]
    for i, (action, stage, want) in enumerate(cases):
        name = "ph%d" % i
        r = infra.service(name)
        hook = {"targetType": "PAUSE", "lifecycleStages": [stage],
                "timeoutConfiguration": {"timeoutInMinutes": 2, "action": "ROLLBACK"}}
        create(sim, infra, name, r, {"strategy": "CANARY", "bakeTimeInMinutes": 0, "lifecycleHooks": [hook],
                                     "canaryConfiguration": {"canaryPercent": 20.0, "canaryBakeTimeInMinutes": 1}},
               register(sim, "repo/web:1"))
        settle(sim, name, stable)
        _, arn = deploy(sim, name, "repo/web:2")
        sd, seen, prod, _ = follow(sim, infra, r, arn, lambda x: any(
            h["status"] == "AWAITING_ACTION" for h in x.get("lifecycleHookDetails", [])) or x["status"] != "IN_PROGRESS")
        h = (sd.get("lifecycleHookDetails") or [{}])[0]
        where = {"POST_TEST_TRAFFIC_SHIFT": "POST_TEST_TRAFFIC_SHIFT", "PRE_PRODUCTION_TRAFFIC_SHIFT": "PRODUCTION_TRAFFIC_SHIFT",
                 "POST_SCALE_UP": "POST_SCALE_UP"}[stage]
        check("PAUSE at %s: AWAITING_ACTION, hookId, expiresAt, timeoutAction ROLLBACK, the deployment held at %s"
              % (stage, where), h.get("status") == "AWAITING_ACTION" and h.get("hookId", "").startswith("ecs-pause-")
              and h.get("timeoutAction") == "ROLLBACK" and "expiresAt" in h and sd.get("lifecycleStage") == where, sd)
        # the fast clock's minute is 6 s (/_sim/config minute_seconds): 1 minute passes, then 2 more
        sim.advance(20 if action == "timeout" else 6)
        if action == "timeout":
            sd2 = describe(sim, arn)
            check("PAUSE timing out: TIMED_OUT after timeoutInMinutes, then its action (ROLLBACK)",
                  sd2["lifecycleHookDetails"][0]["status"] == "TIMED_OUT"
                  and sd2["status"] in ("ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL") and "timed out" in sd2["statusReason"], sd2)
        else:
            st = describe(sim, arn)
            check("PAUSE at %s holds the deployment" % stage,
                  st["status"] == "IN_PROGRESS" and st["lifecycleHookDetails"][0]["status"] == "AWAITING_ACTION", st)
            before = infra.green_share(r["prod"], r["tg"][1])
            if action == "ROLLBACK":  # the AWS CLI, as the developer guide's procedure does it
                out = subprocess.run(["aws", "--endpoint-url", sim.url, "--region", REGION, "--output", "json", "ecs",
                                      "continue-service-deployment", "--service-deployment-arn", arn,
                                      "--hook-id", h["hookId"], "--action", "ROLLBACK"],
                                     capture_output=True, text=True, timeout=60)
                got = json.loads(out.stdout or "{}")
                via = "AWS CLI"
            else:
                got = ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=h["hookId"], action=action)
                via = "boto3"
            check("ContinueServiceDeployment %s answers the ARN (%s)" % (action, via), got.get("serviceDeploymentArn") == arn, got)
            try:
                ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=h["hookId"])
                again = "no error"
            except ecs.exceptions.ClientException as e:
                again = e.response["Error"]["Code"]
            check("a hook no longer AWAITING_ACTION cannot be continued again (ClientException)", again == "ClientException", again)
        sd, seen, prod, _ = follow(sim, infra, r, arn, lambda x: x["status"] not in ("IN_PROGRESS", "ROLLBACK_IN_PROGRESS"))
        check("PAUSE %s at %s ends %s, production traffic %s" % (action, stage, want, prod),
              sd["status"] == want and prod[-1] == (100.0 if want == "SUCCESSFUL" else 0.0), (sd["status"], prod, sd))
        if action == "CONTINUE":
            check("CANARY after the approval: 0% before it, 20% for canaryBakeTimeInMinutes, then 100%",
                  before == 0.0 and prod == [20.0, 100.0], (before, prod))


def lambda_timeout(sim, infra):
    r = infra.service("lt")
    hook = {"hookTargetArn": LAMBDA + "slow-check", "roleArn": ROLE, "lifecycleStages": ["PRE_SCALE_UP"],
            "timeoutConfiguration": {"timeoutInMinutes": 1, "action": "CONTINUE"}}
    create(sim, infra, "lt", r, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0, "lifecycleHooks": [hook]},
           register(sim, "repo/web:1"))
    settle(sim, "lt", stable)
    sim.ctl("hooks", {"hooks": [{"match": "slow-check", "behavior": "timeout"}]})
    _, arn = deploy(sim, "lt", "repo/web:2")
    sd, seen, _, _ = follow(sim, infra, r, arn, lambda x: x["status"] != "IN_PROGRESS")
    h = sd["lifecycleHookDetails"][0]
    check("a Lambda hook that never answers times out; timeoutAction CONTINUE goes on to SUCCESSFUL",
          h["status"] == "TIMED_OUT" and h["timeoutAction"] == "CONTINUE" and sd["status"] == "SUCCESSFUL", sd)
    sim.ctl("hooks", method="DELETE")


def cli_hook_rule(sim, infra):
    # --hook-rule SUBSTRING=BEHAVIOR (the command-line twin of /_sim/hooks, as --image-rule is of
    # /_sim/rules): the function fails; a control rule comes first and makes it succeed
    r = infra.service("hr")
    hook = {"hookTargetArn": LAMBDA + "cli-hook-check", "roleArn": ROLE, "lifecycleStages": ["PRE_SCALE_UP"]}
    create(sim, infra, "hr", r, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0, "lifecycleHooks": [hook]},
           register(sim, "repo/web:1"))
    settle(sim, "hr", stable)
    listed = sim.ctl("hooks")
    _, arn = deploy(sim, "hr", "repo/web:2")
    sd, _, _, _ = follow(sim, infra, r, arn, lambda x: x["status"] not in ("IN_PROGRESS", "ROLLBACK_IN_PROGRESS"))
    check("--hook-rule cli-hook=fail: the Lambda hook FAILED at PRE_SCALE_UP, rolled back; GET /_sim/hooks lists it",
          sd["status"] == "ROLLBACK_SUCCESSFUL" and sd["lifecycleHookDetails"][0]["status"] == "FAILED"
          and listed["commandLineHooks"] == [{"match": "cli-hook", "behavior": "fail"}], (sd["status"], listed))
    sim.ctl("hooks", {"match": "cli-hook-check", "behavior": "succeed"})
    settle(sim, "hr", stable)
    _, arn = deploy(sim, "hr", "repo/web:3")
    sd, _, _, _ = follow(sim, infra, r, arn, lambda x: x["status"] != "IN_PROGRESS")
    check("a /_sim/hooks rule comes before --hook-rule: SUCCEEDED, SUCCESSFUL",
          sd["status"] == "SUCCESSFUL" and sd["lifecycleHookDetails"][0]["status"] == "SUCCEEDED", sd["status"])
    sim.ctl("hooks", method="DELETE")
    bad = subprocess.run([os.environ["ECSHIP_SIM"], "--listen", "127.0.0.1:0", "--hook-rule", "cli-hook=maybe"],
                         capture_output=True, text=True, timeout=30)
    check("an invalid --hook-rule is a usage error (exit 2, says what to use)",
          bad.returncode == 2 and "succeed, fail, timeout" in bad.stderr, (bad.returncode, bad.stderr))


def refusals(sim, infra):
    r = infra.service("bad")
    td = register(sim, "repo/web:1")
    good = lbs(r)
    nosuch_tg = r["tg"][1].rsplit("/", 2)[0] + "/nosuch/0123456789abcdef"
    cases = [
        ("BLUE_GREEN without advancedConfiguration", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}, lbs(r, adv=False)),
        ("BLUE_GREEN without bakeTimeInMinutes", {"strategy": "BLUE_GREEN"}, good),
        ("bakeTimeInMinutes 1441", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1441}, good),
        ("an unknown strategy", {"strategy": "RED_BLACK"}, good),
        ("LINEAR stepPercent 2.5", {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 2.5}}, good),
        ("LINEAR stepPercent 10.05", {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 10.05}}, good),
        ("CANARY canaryPercent 0.05", {"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0.05}}, good),
        ("CANARY canaryBakeTimeInMinutes 1441", {"strategy": "CANARY", "canaryConfiguration": {"canaryBakeTimeInMinutes": 1441}}, good),
        ("linearConfiguration with CANARY", {"strategy": "CANARY", "linearConfiguration": {"stepPercent": 10.0}}, good),
        ("a hook without lifecycle stages", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1,
                                             "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": []}]}, good),
        ("a hook at BAKE_TIME (not a hook stage)", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1,
                                                     "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["BAKE_TIME"]}]}, good),
        ("a hook timeout of 20161 minutes", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1, "lifecycleHooks": [
            {"targetType": "PAUSE", "lifecycleStages": ["PRE_SCALE_UP"], "timeoutConfiguration": {"timeoutInMinutes": 20161}}]}, good),
        ("the alternate target group missing in moto", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1},
         [dict(good[0], advancedConfiguration=dict(good[0]["advancedConfiguration"], alternateTargetGroupArn=nosuch_tg))]),
        ("the production listener rule missing in moto", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1},
         [dict(good[0], advancedConfiguration=dict(good[0]["advancedConfiguration"], productionListenerRule=r["prod"][:-4] + "beef"))]),
        ("no infrastructure role", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1},
         [dict(good[0], advancedConfiguration={k: v for k, v in good[0]["advancedConfiguration"].items() if k != "roleArn"})]),
        ("the alternate target group = the target group", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1},
         [dict(good[0], advancedConfiguration=dict(good[0]["advancedConfiguration"], alternateTargetGroupArn=r["tg"][0]))]),
    ]
    for i, (what, dc, lb) in enumerate(cases):
        st, a = call(sim, "CreateService", {"cluster": "c1", "serviceName": "bad%d" % i, "taskDefinition": td, "desiredCount": 1,
                                            "networkConfiguration": infra.net, "deploymentConfiguration": dc, "loadBalancers": lb})
        check("refused: %s (InvalidParameterException)" % what, st == 400 and a.get("__type") == "InvalidParameterException", a)
    names = ["bad%d" % i for i in range(len(cases))]
    found = [x for k in range(0, len(names), 10)
             for x in call(sim, "DescribeServices", {"cluster": "c1", "services": names[k:k + 10]})[1]["services"]]
    check("nothing was created by the refused requests", not found, [x["serviceName"] for x in found])
    # an UpdateService switching a ROLLING service to BLUE_GREEN without its prerequisites changes nothing
    call(sim, "CreateService", {"cluster": "c1", "serviceName": "roll", "taskDefinition": td, "desiredCount": 1,
                                "networkConfiguration": infra.net, "loadBalancers": lbs(r, adv=False)})
    st, a = call(sim, "UpdateService", {"cluster": "c1", "service": "roll",
                                        "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1}})
    s = svc(sim, "roll")
    check("UpdateService to BLUE_GREEN without an advanced configuration: refused, still ROLLING",
          st == 400 and s["deploymentConfiguration"]["strategy"] == "ROLLING", (a, s["deploymentConfiguration"]))
    st, a = call(sim, "UpdateService", {"cluster": "c1", "service": "roll", "loadBalancers": good,
                                        "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1}})
    check("with the advanced configuration the switch is accepted",
          st == 200 and a["service"]["deploymentConfiguration"]["strategy"] == "BLUE_GREEN", a)
    settle(sim, "roll", stable)
    _, arn2 = deploy(sim, "roll", "repo/web:2")
    sd, seen, prod, _ = follow(sim, infra, r, arn2, lambda x: x["status"] != "IN_PROGRESS")
    check("the switched service's next deployment is blue/green: stages, 0% then 100% green",
          sd["status"] == "SUCCESSFUL" and sd["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
          and "PRODUCTION_TRAFFIC_SHIFT" in seen and prod == [0.0, 100.0], (sd["status"], seen, prod))
    st, a = call(sim, "UpdateService", {"cluster": "c1", "service": "roll", "deploymentConfiguration": {
        "strategy": "LINEAR", "linearConfiguration": {"stepPercent": 50.0}}})
    st2, b = call(sim, "UpdateService", {"cluster": "c1", "service": "roll", "deploymentConfiguration": {"strategy": "CANARY"}})
    check("switching LINEAR to CANARY drops linearConfiguration (no refusal), bakeTimeInMinutes kept",
          st == 200 and st2 == 200 and "linearConfiguration" not in b["service"]["deploymentConfiguration"]
          and b["service"]["deploymentConfiguration"].get("bakeTimeInMinutes") == 1, (a, b))
    ecs = sim.client("ecs")
    arn = svc(sim, "roll")["currentServiceDeployment"]
    try:
        ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId="ecs-pause-nosuch")
        code = "no error"
    except ecs.exceptions.InvalidParameterException as e:
        code = e.response["Error"]["Code"]
    check("ContinueServiceDeployment with an unknown hookId: InvalidParameterException", code == "InvalidParameterException", code)
    try:
        ecs.continue_service_deployment(serviceDeploymentArn=arn.rsplit("/", 1)[0] + "/nosuch", hookId="x")
        code = "no error"
    except ecs.exceptions.ServiceDeploymentNotFoundException as e:
        code = e.response["Error"]["Code"]
    check("ContinueServiceDeployment of an unknown deployment: ServiceDeploymentNotFoundException",
          code == "ServiceDeploymentNotFoundException", code)


def ecs_clock(infra):
    # on ECS's clock (--timing ecs) a minute is 60 s: stepBakeTimeInMinutes 1 spaces the LINEAR
    # steps 60 s apart and bakeTimeInMinutes 2 holds BAKE_TIME for 120 s (/_sim/state stage times)
    with Sim("--speed", "0", "--seed", "5", "--no-rate-limits", "--upstream", MOTO, "--timing", "ecs") as sim:
        call(sim, "CreateCluster", {"clusterName": "c1"})
        r = infra.service("ec")
        create(sim, infra, "ec", r, {"strategy": "LINEAR", "bakeTimeInMinutes": 2,
                                     "linearConfiguration": {"stepPercent": 50.0, "stepBakeTimeInMinutes": 1}},
               register(sim, "repo/web:1"))
        settle(sim, "ec", stable, limit=3000, step=10)
        _, arn = deploy(sim, "ec", "repo/web:2")
        times = {}

        def tick(sd):
            share = infra.green_share(r["prod"], r["tg"][1])
            times.setdefault(share, sim.ctl("")["now"])
        sd, seen, prod, _ = follow(sim, infra, r, arn, lambda x: x["status"] != "IN_PROGRESS", limit=3000, step=5, on_tick=tick)
        st = {x["stage"]: x["at"] for x in sim_state(sim, "ec")["serviceDeployments"][0]["stages"]}
        check("ECS's clock: LINEAR steps 60 s apart, BAKE_TIME 120 s, then SUCCESSFUL",
              sd["status"] == "SUCCESSFUL" and prod == [0.0, 50.0, 100.0] and 60 <= times[100.0] - times[50.0] <= 65
              and round(st["CLEAN_UP"] - st["BAKE_TIME"]) == 120, (sd["status"], prod, times, st))
    check("ecship-sim (ECS's clock) exited cleanly", sim.exit_status == 0, sim.exit_status)


def main():
    infra = Infra()
    with Sim("--speed", "0", "--seed", "16", "--no-rate-limits", "--upstream", MOTO, "--upstream-checks",
             "--image-rule", "nopull=pull-error", "--hook-rule", "cli-hook=fail") as sim:
        call(sim, "CreateCluster", {"clusterName": "c1"})
        refusals(sim, infra)
        blue_green(sim, infra)
        shifting(sim, infra, "lin", {"strategy": "LINEAR", "bakeTimeInMinutes": 0,
                                     "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1}},
                 [0.0, 25.0, 50.0, 75.0, 100.0])
        shifting(sim, infra, "can", {"strategy": "CANARY", "bakeTimeInMinutes": 0,
                                     "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 2}},
                 [0.0, 10.0, 100.0])
        rollbacks(sim, infra)
        linear_alarm(sim, infra)
        stop_and_abort(sim, infra)
        rolling_alarm(sim, infra)
        reconcile_stage(sim, infra)
        cli_hook_rule(sim, infra)
        pause_hooks(sim, infra)
        lambda_timeout(sim, infra)
        check("every ECS answer matches botocore's output shapes", not BAD, "\n".join(BAD[:20]))
    check("ecship-sim exited cleanly", sim.exit_status == 0, sim.exit_status)
    ecs_clock(infra)
    done()


if __name__ == "__main__":
    main()
