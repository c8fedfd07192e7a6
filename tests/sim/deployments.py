"""deployments.py: the service deployments API of ecship-sim: ListServiceDeployments,
DescribeServiceDeployments, DescribeServiceRevisions and StopServiceDeployment (ROLLBACK, ABORT),
and Service's currentServiceDeployment / currentServiceRevisions / deploymentConfiguration.strategy,
consistent with deployments[] of DescribeServices. Every answer is checked against botocore's ECS
output shapes (the authority for the shapes), raw, before botocore's parsing.
Sources: API_ListServiceDeployments, API_DescribeServiceDeployments, API_ServiceDeployment
(status, stoppedAt "the rollback option is not in use ... and the service fails", rollback),
API_DescribeServiceRevisions, API_StopServiceDeployment (stopType ROLLBACK, ABORT), all under
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ ; the rollback's target is the last
COMPLETED deployment (developer guide, deployment-circuit-breaker.html). The simulator's own
controls (docs/sim.md): /_sim/config hold_rollbacks and service_deployments."""
from shapes import violations
from simlib import NET, TG, Sim, check, done, raw_ecs, taskdef

BAD = []


def call(sim, op, body):
    status, answer = raw_ecs(sim, op, body)
    if status == 200:
        BAD.extend(violations("ecs", op, answer))
    return status, answer


def svc(sim, name):
    return call(sim, "DescribeServices", {"cluster": "c1", "services": [name]})[1]["services"][0]


def sdeps(sim, name):
    return call(sim, "ListServiceDeployments", {"cluster": "c1", "service": name})[1]["serviceDeployments"]


def describe(sim, arn):
    return call(sim, "DescribeServiceDeployments", {"serviceDeploymentArns": [arn]})[1]["serviceDeployments"][0]


def settle(sim, name, cond, limit=900, step=5):
    t = 0
    while t <= limit:
        s = svc(sim, name)
        if cond(s):
            return s
        sim.advance(step)
        t += step
    return svc(sim, name)


def stable(s):
    d = s["deployments"]
    return len(d) == 1 and d[0]["rolloutState"] == "COMPLETED" and s["runningCount"] == s["desiredCount"]


def register(sim, image):
    return call(sim, "RegisterTaskDefinition", taskdef("sd", image))[1]["taskDefinition"]["taskDefinitionArn"]


def main():
    with Sim("--speed", "0", "--seed", "41", "--no-rate-limits", "--image-rule", "nopull=pull-error") as sim:
        call(sim, "CreateCluster", {"clusterName": "c1"})
        td1 = register(sim, "repo/web:1")
        call(sim, "CreateService", {"cluster": "c1", "serviceName": "sd", "taskDefinition": td1, "desiredCount": 2,
                                    "networkConfiguration": NET, "deploymentConfiguration": {
                                        "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
                                    "loadBalancers": [{"targetGroupArn": TG, "containerName": "app", "containerPort": 8000}]})
        s1 = settle(sim, "sd", stable)
        first = sdeps(sim, "sd")
        check("one SUCCESSFUL service deployment after the first rollout",
              len(first) == 1 and first[0]["status"] == "SUCCESSFUL" and "finishedAt" in first[0], first)
        check("Service.currentServiceDeployment names it", s1.get("currentServiceDeployment") == first[0]["serviceDeploymentArn"],
              s1.get("currentServiceDeployment"))
        cur = s1.get("currentServiceRevisions", [])
        check("currentServiceRevisions: the target revision with 2 running",
              len(cur) == 1 and cur[0]["arn"] == first[0]["targetServiceRevisionArn"] and cur[0]["runningTaskCount"] == 2
              and cur[0]["requestedTaskCount"] == 2, cur)
        check("deploymentConfiguration.strategy is ROLLING", s1["deploymentConfiguration"].get("strategy") == "ROLLING",
              s1["deploymentConfiguration"])
        rev1 = first[0]["targetServiceRevisionArn"]
        r = call(sim, "DescribeServiceRevisions", {"serviceRevisionArns": [rev1]})[1]["serviceRevisions"][0]
        check("DescribeServiceRevisions: task definition, launch type, network, load balancer, images",
              r["taskDefinition"] == td1 and r["launchType"] == "FARGATE" and r["networkConfiguration"] == NET
              and r["loadBalancers"][0]["targetGroupArn"] == TG and r["containerImages"][0]["image"] == "repo/web:1", r)

        # a second deployment, stopped with ROLLBACK while under way; it also moves the network and
        # the target group and raises the grace period
        td2 = register(sim, "repo/web:2")
        net2 = {"awsvpcConfiguration": {"subnets": ["subnet-0ffffff0"], "assignPublicIp": "DISABLED"}}
        tg2 = TG.replace("targetgroup/", "targetgroup/other-")
        call(sim, "UpdateService", {"cluster": "c1", "service": "sd", "taskDefinition": td2, "networkConfiguration": net2,
                                    "healthCheckGracePeriodSeconds": 180,
                                    "loadBalancers": [{"targetGroupArn": tg2, "containerName": "app", "containerPort": 8000}]})
        s2 = svc(sim, "sd")
        sd2 = describe(sim, s2["currentServiceDeployment"])
        check("update: IN_PROGRESS, source = the first revision, target = a new one",
              sd2["status"] == "IN_PROGRESS" and [x["arn"] for x in sd2["sourceServiceRevisions"]] == [rev1]
              and sd2["targetServiceRevision"]["arn"] != rev1, sd2)
        check("update: lifecycle stage and circuit breaker MONITORING",
              sd2.get("lifecycleStage") in ("SCALE_UP", "CLEAN_UP") and sd2["deploymentCircuitBreaker"]["status"] == "MONITORING"
              and sd2["deploymentCircuitBreaker"]["threshold"] == 3, sd2)
        check("currentServiceRevisions mirror deployments[]",
              len(s2["currentServiceRevisions"]) == len(s2["deployments"]) == 2, s2["currentServiceRevisions"])
        st, a = call(sim, "StopServiceDeployment", {"serviceDeploymentArn": sd2["serviceDeploymentArn"], "stopType": "ROLLBACK"})
        check("StopServiceDeployment ROLLBACK answers the ARN", st == 200 and a["serviceDeploymentArn"] == sd2["serviceDeploymentArn"], a)
        mid = describe(sim, sd2["serviceDeploymentArn"])
        check("ROLLBACK_IN_PROGRESS with rollback.serviceRevisionArn = the first revision",
              mid["status"] == "ROLLBACK_IN_PROGRESS" and mid["rollback"]["serviceRevisionArn"] == rev1, mid)
        # the rollback restores the service revision (network, load balancers), not what a revision
        # does not hold (the grace period): DG service-revision.html, service-revision-property.html
        back = svc(sim, "sd")
        check("ROLLBACK restores the revision's network and load balancers, leaves the grace period",
              back["networkConfiguration"] == NET and back["loadBalancers"][0]["targetGroupArn"] == TG
              and back["taskDefinition"] == td1 and back["healthCheckGracePeriodSeconds"] == 180,
              (back.get("networkConfiguration"), back.get("loadBalancers"), back.get("healthCheckGracePeriodSeconds")))
        st, a = call(sim, "StopServiceDeployment", {"serviceDeploymentArn": sd2["serviceDeploymentArn"]})
        check("stopping a deployment being rolled back: the rollback goes on (DG stop-service-deployment.html)",
              st == 200 and describe(sim, sd2["serviceDeploymentArn"])["status"] == "ROLLBACK_IN_PROGRESS", a)
        s3 = settle(sim, "sd", stable)
        end = describe(sim, sd2["serviceDeploymentArn"])
        check("then ROLLBACK_SUCCESSFUL, the service back on the first revision under its first deployment id",
              end["status"] == "ROLLBACK_SUCCESSFUL" and s3["taskDefinition"] == td1
              and s3["deployments"][0]["id"] == s1["deployments"][0]["id"], (end["status"], s3["deployments"]))
        st, a = call(sim, "StopServiceDeployment", {"serviceDeploymentArn": sd2["serviceDeploymentArn"]})
        check("stopping a finished deployment: ConflictException", st == 400 and a.get("__type") == "ConflictException", a)

        # the circuit breaker's rollback shows in the service deployment
        td3 = register(sim, "repo/nopull:3")
        call(sim, "UpdateService", {"cluster": "c1", "service": "sd", "taskDefinition": td3})
        arn3 = svc(sim, "sd")["currentServiceDeployment"]
        settle(sim, "sd", lambda s: stable(s) and s["taskDefinition"] == td1, limit=1800)
        sd3 = describe(sim, arn3)
        check("breaker: ROLLBACK_SUCCESSFUL, TRIGGERED, rollback names the circuit breaker",
              sd3["status"] == "ROLLBACK_SUCCESSFUL" and sd3["deploymentCircuitBreaker"]["status"] == "TRIGGERED"
              and "circuit breaker" in sd3["rollback"]["reason"] and sd3["rollback"]["serviceRevisionArn"] == rev1, sd3)

        # ABORT: launches stop where they stand
        td4 = register(sim, "repo/web:4")
        call(sim, "UpdateService", {"cluster": "c1", "service": "sd", "taskDefinition": td4})
        arn4 = svc(sim, "sd")["currentServiceDeployment"]
        st, _ = call(sim, "StopServiceDeployment", {"serviceDeploymentArn": arn4, "stopType": "ABORT"})
        sd4 = describe(sim, arn4)
        s4 = svc(sim, "sd")
        check("ABORT: STOPPED with stoppedAt, the deployment FAILED and launching nothing more",
              st == 200 and sd4["status"] == "STOPPED" and "stoppedAt" in sd4
              and s4["deployments"][0]["rolloutState"] == "FAILED", (sd4, s4["deployments"]))

        st, a = call(sim, "StopServiceDeployment", {"serviceDeploymentArn": arn4.rsplit("/", 1)[0] + "/nosuch"})
        check("unknown ARN: ServiceDeploymentNotFoundException", st == 400 and a.get("__type") == "ServiceDeploymentNotFoundException", a)
        st, a = call(sim, "DescribeServiceDeployments", {"serviceDeploymentArns": ["arn:aws:ecs:x:1:service-deployment/c/s/zz"]})
        check("DescribeServiceDeployments of an unknown ARN: a MISSING failure", a["failures"][0]["reason"] == "MISSING", a)
        all_sd = sdeps(sim, "sd")
        page = call(sim, "ListServiceDeployments", {"cluster": "c1", "service": "sd", "maxResults": 2})[1]
        rest = call(sim, "ListServiceDeployments", {"cluster": "c1", "service": "sd", "nextToken": page["nextToken"]})[1]
        check("ListServiceDeployments pages with nextToken, newest first",
              [x["serviceDeploymentArn"] for x in page["serviceDeployments"] + rest["serviceDeployments"]]
              == [x["serviceDeploymentArn"] for x in all_sd] and all_sd[0]["serviceDeploymentArn"] == arn4, all_sd)
        only = call(sim, "ListServiceDeployments", {"cluster": "c1", "service": "sd", "status": ["ROLLBACK_SUCCESSFUL"]})[1]
        check("ListServiceDeployments filters by status", len(only["serviceDeployments"]) == 2, only)

        # /_sim/config hold_rollbacks: ECS's rollback stays under way however healthy its tasks
        sim.ctl("config", {"hold_rollbacks": True})
        td5 = register(sim, "repo/nopull:5")
        call(sim, "UpdateService", {"cluster": "c1", "service": "sd", "taskDefinition": td5})
        arn5 = svc(sim, "sd")["currentServiceDeployment"]
        settle(sim, "sd", lambda s: describe(sim, arn5)["status"] == "ROLLBACK_IN_PROGRESS", limit=1800)
        sim.advance(600)
        held = describe(sim, arn5)
        s5 = svc(sim, "sd")
        check("hold_rollbacks: ROLLBACK_IN_PROGRESS 10 minutes on, the rollback deployment IN_PROGRESS",
              held["status"] == "ROLLBACK_IN_PROGRESS" and s5["deployments"][0]["rolloutState"] == "IN_PROGRESS",
              (held["status"], s5["deployments"]))
        sim.ctl("config", {"hold_rollbacks": False})
        settle(sim, "sd", lambda s: stable(s) and s["taskDefinition"] == td1)
        check("released: ROLLBACK_SUCCESSFUL", describe(sim, arn5)["status"] == "ROLLBACK_SUCCESSFUL",
              describe(sim, arn5)["status"])

        # /_sim/config service_deployments false: as an endpoint without the API
        sim.ctl("config", {"service_deployments": False})
        s6 = svc(sim, "sd")
        check("service_deployments off: no currentServiceDeployment or currentServiceRevisions",
              "currentServiceDeployment" not in s6 and "currentServiceRevisions" not in s6, sorted(s6))
        st, a = raw_ecs(sim, "DescribeServiceDeployments", {"serviceDeploymentArns": [arn5]})
        check("service_deployments off: DescribeServiceDeployments is an UnknownOperationException",
              st == 400 and a.get("__type") == "UnknownOperationException", (st, a))
        st, a = raw_ecs(sim, "DescribeServiceRevisions", {"serviceRevisionArns": [rev1]})
        check("service_deployments off: DescribeServiceRevisions too", st == 400, (st, a))
        sim.ctl("config", {"service_deployments": True})
        check("service_deployments back on: the record is there again",
              describe(sim, arn5)["status"] == "ROLLBACK_SUCCESSFUL", arn5)
        check("every answer matches botocore's ECS output shapes (0 violations)", not BAD, BAD[:10])
    done()


if __name__ == "__main__":
    main()
