# share.py [--watch] RULE-FILE TG-FILE: green's share (percent) of the production listener rule's
# forwarded traffic, from ELBv2 DescribeRules upstream (moto, through the simulator). RULE-FILE
# holds the rule's ARN, TG-FILE the blue and green target groups' (mk.py writes both). With
# --watch it polls every 0.05 s until green has 100% (at most 90 s) and prints every share it saw,
# in order, each once: "0.0 25.0 50.0 75.0 100.0"; the file share.ready appears after its first
# reading (a step waits for it before changing anything).
import sys
import time

import boto3

watch = sys.argv[1] == "--watch"
rule_file, tg_file = sys.argv[2:4] if watch else sys.argv[1:3]
rule = open(rule_file).read().strip()
green = open(tg_file).read().split()[1]
elb = boto3.client("elbv2")


def share():
    act = elb.describe_rules(RuleArns=[rule])["Rules"][0]["Actions"][0]
    groups = act.get("ForwardConfig", {}).get("TargetGroups") or [{"TargetGroupArn": act["TargetGroupArn"], "Weight": 1}]
    total = sum(g.get("Weight", 1) for g in groups) or 1
    return round(100.0 * sum(g.get("Weight", 1) for g in groups if g["TargetGroupArn"] == green) / total, 1)


if not watch:
    print(share())
    sys.exit(0)
seen, end = [], time.time() + 90
while time.time() < end:
    s = share()
    if not seen or seen[-1] != s:
        seen.append(s)
        if len(seen) == 1:
            open("share.ready", "w").close()
    if s == 100.0:
        break
    time.sleep(0.05)
print(" ".join("%.1f" % s for s in seen))
