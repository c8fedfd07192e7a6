# alarm_at.py SERVICE STAGE ALARM DELAY: waits (at most 60 s) until the service's current service
# deployment reaches lifecycle STAGE, then DELAY seconds more (so that the deploy's next poll sees
# the stage), then sets CloudWatch alarm ALARM to ALARM through the simulator's control API
# (/_sim/alarms, which also sets it upstream). Prints what it did.
import json
import os
import sys
import time
import urllib.request

import boto3

service, stage, alarm, delay = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
ecs = boto3.client("ecs")
end = time.time() + 60
while time.time() < end:
    arn = ecs.describe_services(cluster="demo", services=[service])["services"][0].get("currentServiceDeployment")
    if arn:
        sd = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]
        if sd.get("lifecycleStage") == stage and sd["status"] == "IN_PROGRESS":
            time.sleep(delay)
            body = {"name": alarm, "state": "ALARM",
                    "reason": "Threshold Crossed: 1 datapoint [12.0 (30/11/26 14:02:00)] was greater than the threshold (5.0)."}
            req = urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + "/_sim/alarms", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
            urllib.request.urlopen(req, timeout=10).read()
            print("alarm %s set to ALARM at %s" % (alarm, stage))
            sys.exit(0)
    time.sleep(0.05)
print("%s never reached %s" % (service, stage))
sys.exit(1)
