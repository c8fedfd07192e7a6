"""logs_seam.py: CloudWatch Logs as ecship-sim answers it for its tasks (paging with nextToken,
events in time order, streams ordered by their last event) and the seam with the upstream (moto,
$MOTO_URL): clusters made upstream listed, DeleteCluster/UpdateCluster keeping one state, DeleteService
on an INACTIVE service, a re-created service without the deleted one's tags. Each case names its source."""
import os

import boto3

from simlib import NET, REGION, Sim, check, done, raw_ecs, taskdef


def logs_paging():
    with Sim("--speed", "0", "--seed", "61", "--no-rate-limits", "--image-rule", "sick=unhealthy:503") as sim:
        ecs = sim.client()
        logs = sim.client("logs")
        ecs.create_cluster(clusterName="c1")
        td = ecs.register_task_definition(**taskdef("lg", "repo/sick:1", group="/ecs/lg"))["taskDefinition"]["taskDefinitionArn"]
        lb = [{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lg/1", "containerName": "app",
               "containerPort": 8000}]
        ecs.create_service(cluster="c1", serviceName="lg", taskDefinition=td, desiredCount=2, networkConfiguration=NET,
                           loadBalancers=lb)
        sim.advance(300)
        streams = logs.describe_log_streams(logGroupName="/ecs/lg")["logStreams"]
        counts = {x["logStreamName"]: len(logs.get_log_events(logGroupName="/ecs/lg", logStreamName=x["logStreamName"])["events"])
                  for x in streams}
        name = max(counts, key=counts.get)
        every = logs.get_log_events(logGroupName="/ecs/lg", logStreamName=name, startFromHead=True)["events"]
        # GetLogEvents: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html
        got, tok, pages = [], None, 0
        while pages < 100:
            kw = dict(logGroupName="/ecs/lg", logStreamName=name, limit=2, startFromHead=True)
            if tok:
                kw["nextToken"] = tok
            r = logs.get_log_events(**kw)
            got += r["events"]
            pages += 1
            if r["nextForwardToken"] == tok:
                break
            tok = r["nextForwardToken"]
        check("GetLogEvents pages forward 2 at a time past one page (%d events, %d pages)" % (len(every), pages),
              len(every) > 4 and got == every, (len(got), len(every)))
        last = logs.get_log_events(logGroupName="/ecs/lg", logStreamName=name, limit=3)
        prev = logs.get_log_events(logGroupName="/ecs/lg", logStreamName=name, limit=3, nextToken=last["nextBackwardToken"])
        check("GetLogEvents without startFromHead: the newest page, and nextBackwardToken the one before",
              last["events"] == every[-3:] and prev["events"] == every[-6:-3], (last["events"], prev["events"]))
        # FilterLogEvents: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html
        whole = logs.filter_log_events(logGroupName="/ecs/lg")["events"]
        paged, tok = [], None
        for _ in range(200):
            kw = dict(logGroupName="/ecs/lg", limit=5)
            if tok:
                kw["nextToken"] = tok
            r = logs.filter_log_events(**kw)
            paged += r["events"]
            tok = r.get("nextToken")
            if not tok:
                break
        check("FilterLogEvents pages with nextToken: the pages add up to the whole (%d events)" % len(whole),
              len(whole) > 10 and [e["eventId"] for e in paged] == [e["eventId"] for e in whole], (len(paged), len(whole)))
        check("FilterLogEvents returns events in time order across streams",
              [e["timestamp"] for e in whole] == sorted(e["timestamp"] for e in whole)
              and len({e["logStreamName"] for e in whole}) > 1, [e["timestamp"] for e in whole][:10])
        # DescribeLogStreams orderBy LastEventTime:
        # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogStreams.html
        ordered = logs.describe_log_streams(logGroupName="/ecs/lg", orderBy="LastEventTime", descending=True)["logStreams"]
        lasts = [x.get("lastEventTimestamp", 0) for x in ordered]
        check("DescribeLogStreams orderBy LastEventTime descending: newest last event first",
              len(ordered) > 2 and lasts == sorted(lasts, reverse=True), lasts)
        one = logs.describe_log_streams(logGroupName="/ecs/lg", orderBy="LastEventTime", descending=True, limit=1)
        two = logs.describe_log_streams(logGroupName="/ecs/lg", orderBy="LastEventTime", descending=True, limit=1,
                                        nextToken=one["nextToken"])
        check("DescribeLogStreams pages with nextToken", [one["logStreams"][0]["logStreamName"], two["logStreams"][0]["logStreamName"]]
              == [x["logStreamName"] for x in ordered[:2]], (one, two))


def cluster_seam():
    moto = os.environ["MOTO_URL"]
    import boto3
    from simlib import REGION
    direct = boto3.client("ecs", endpoint_url=moto, region_name=REGION)
    with Sim("--speed", "0", "--seed", "62", "--no-rate-limits", "--upstream", moto) as sim:
        direct.create_cluster(clusterName="made-upstream")
        st, a = raw_ecs(sim, "ListClusters", {})
        check("ListClusters shows a cluster that lives upstream (API_ListClusters)",
              st == 200 and any(x.endswith("/made-upstream") for x in a["clusterArns"]), a)
        raw_ecs(sim, "CreateCluster", {"clusterName": "busy"})
        td = raw_ecs(sim, "RegisterTaskDefinition", taskdef("seam", "repo/web:1"))[1]["taskDefinition"]["taskDefinitionArn"]
        raw_ecs(sim, "CreateService", {"cluster": "busy", "serviceName": "web", "taskDefinition": td, "desiredCount": 1,
                                       "networkConfiguration": NET, "tags": [{"key": "team", "value": "a"}]})
        st, a = raw_ecs(sim, "DeleteCluster", {"cluster": "busy"})
        # API_DeleteCluster: ClusterContainsServicesException while services are active
        check("DeleteCluster with an active service: ClusterContainsServicesException",
              st == 400 and a.get("__type") == "ClusterContainsServicesException", a)
        st, a = raw_ecs(sim, "UpdateCluster", {"cluster": "busy", "settings": [{"name": "containerInsights", "value": "enabled"}]})
        st2, d = raw_ecs(sim, "DescribeClusters", {"clusters": ["busy"], "include": ["SETTINGS"]})
        check("UpdateCluster settings: DescribeClusters shows them (one state)",
              st == 200 and {"name": "containerInsights", "value": "enabled"} in d["clusters"][0].get("settings", []), (a, d))
        raw_ecs(sim, "UpdateService", {"cluster": "busy", "service": "web", "desiredCount": 0})
        sim.advance(120)
        st, a = raw_ecs(sim, "DeleteService", {"cluster": "busy", "service": "web"})
        sim.advance(120)
        # deleting it again once INACTIVE: ECS answers with the INACTIVE service, no error (public
        # report https://github.com/aws/aws-sdk-js/issues/4189; not an error of DeleteService in the model)
        st, a = raw_ecs(sim, "DeleteService", {"cluster": "busy", "service": "web"})
        check("DeleteService on an INACTIVE service: answered with the service, INACTIVE",
              st == 200 and a["service"]["status"] == "INACTIVE", a)
        st, a = raw_ecs(sim, "CreateService", {"cluster": "busy", "serviceName": "web", "taskDefinition": td, "desiredCount": 0,
                                               "networkConfiguration": NET})
        arn = a.get("service", {}).get("serviceArn")
        st, t = raw_ecs(sim, "ListTagsForResource", {"resourceArn": arn})
        check("a re-created service does not inherit the deleted one's tags", st == 200 and t.get("tags") == [], t)
        raw_ecs(sim, "DeleteService", {"cluster": "busy", "service": "web", "force": True})
        sim.advance(120)
        st, a = raw_ecs(sim, "DeleteCluster", {"cluster": "busy"})
        check("DeleteCluster once no service is active: INACTIVE", st == 200 and a["cluster"]["status"] == "INACTIVE", a)
        st, a = raw_ecs(sim, "DescribeClusters", {"clusters": ["busy"]})
        check("the deleted cluster describes as INACTIVE", st == 200 and a["clusters"] and a["clusters"][0]["status"] == "INACTIVE", a)


TEMPLATE = """{"Resources": {"ECSCluster": {"Type": "AWS::ECS::Cluster",
 "Properties": {"ClusterName": "stack-cluster"}}}}"""


def stack_delete_refused():
    """The base stack cannot be deleted under a running service: CloudFormation deletes the cluster
    through ECS, whose DeleteCluster refuses while services are ACTIVE or DRAINING
    (ClusterContainsServicesException, API_DeleteCluster,
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteCluster.html), so the stack
    ends DELETE_FAILED ("The following resource(s) failed to delete: [ECSCluster]."; CloudFormation
    "Stack status codes", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html).
    moto's CloudFormation would delete its cluster whatever runs in the sim; the sim stands in.
    Once the service is deleted, the stack goes."""
    moto = os.environ["MOTO_URL"]
    with Sim("--speed", "0", "--seed", "83", "--no-rate-limits", "--upstream", moto) as sim:
        cfn = sim.client("cloudformation")
        cfn.create_stack(StackName="seam-base", TemplateBody=TEMPLATE)
        ecs = sim.client()
        td = ecs.register_task_definition(**taskdef("seam", "repo/web:1"))["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(cluster="stack-cluster", serviceName="web", taskDefinition=td, desiredCount=1,
                           networkConfiguration=NET)
        sim.advance(60)
        cfn.delete_stack(StackName="seam-base")
        st = cfn.describe_stacks(StackName="seam-base")["Stacks"][0]
        check("DeleteStack under a running service: the stack is DELETE_FAILED",
              st["StackStatus"] == "DELETE_FAILED" and "[ECSCluster]" in st.get("StackStatusReason", ""), st)
        ev = cfn.describe_stack_events(StackName="seam-base")["StackEvents"]
        failed = [e for e in ev if e["LogicalResourceId"] == "ECSCluster" and e["ResourceStatus"] == "DELETE_FAILED"]
        check("the cluster's DELETE_FAILED event gives ECS's reason",
              failed and "The Cluster cannot be deleted while Services are active." in failed[0].get("ResourceStatusReason", ""),
              [(e["LogicalResourceId"], e["ResourceStatus"]) for e in ev[:5]])
        up = boto3.client("ecs", endpoint_url=moto, region_name=REGION)
        check("the cluster still exists upstream",
              [c["status"] for c in up.describe_clusters(clusters=["stack-cluster"])["clusters"]] == ["ACTIVE"])
        check("the service still runs", ecs.describe_services(cluster="stack-cluster", services=["web"])["services"][0]["status"] == "ACTIVE")
        ecs.delete_service(cluster="stack-cluster", service="web", force=True)
        sim.advance(600)
        cfn.delete_stack(StackName="seam-base")
        gone = [x["StackStatus"] for x in boto3.client("cloudformation", endpoint_url=moto, region_name=REGION)
                .list_stacks()["StackSummaries"] if x["StackName"] == "seam-base"]
        check("with the service deleted, DeleteStack deletes the stack (%s)" % gone, gone and all(g == "DELETE_COMPLETE" for g in gone), gone)


def main():
    logs_paging()
    cluster_seam()
    stack_delete_refused()
    done()


if __name__ == "__main__":
    main()
