// action.mjs: what the AWS deploy action (aws-actions/amazon-ecs-deploy-task-definition, v2, on
// the JavaScript SDK v3) does for a service with the ECS deployment controller: register the task
// definition, describe the service, update it to the new revision, then, with
// wait-for-service-stability, waitUntilServicesStable with the action's settings (minDelay 15 s,
// maxWaitTime wait-for-minutes * 60, default 30 minutes; the SDK's maxDelay 120 s). Exit 0 when
// the waiter succeeds, 1 when it fails or times out (the action fails the step).
// Usage: node action.mjs TASKDEF.json CLUSTER SERVICE [WAIT_MINUTES]
import { readFileSync } from "node:fs";
import {
  ECSClient,
  RegisterTaskDefinitionCommand,
  DescribeServicesCommand,
  UpdateServiceCommand,
  waitUntilServicesStable,
} from "@aws-sdk/client-ecs";

const [tdPath, cluster, service, minutes = "30"] = process.argv.slice(2);
const WAIT_DEFAULT_DELAY_SEC = 15; // the action's constant
const client = new ECSClient({
  endpoint: process.env.AWS_ENDPOINT_URL,
  region: process.env.AWS_REGION || "ap-northeast-1",
  customUserAgent: "amazon-ecs-deploy-task-definition-for-github-actions",
});
try {
  const td = JSON.parse(readFileSync(tdPath, "utf8"));
  const reg = await client.send(new RegisterTaskDefinitionCommand(td));
  const arn = reg.taskDefinition.taskDefinitionArn;
  const desc = await client.send(new DescribeServicesCommand({ cluster, services: [service] }));
  if (desc.failures && desc.failures.length) throw new Error(`${desc.failures[0].arn} is ${desc.failures[0].reason}`);
  if (desc.services[0].status !== "ACTIVE") throw new Error(`Service is ${desc.services[0].status}`);
  await client.send(new UpdateServiceCommand({ cluster, service, taskDefinition: arn, forceNewDeployment: false }));
  const r = await waitUntilServicesStable(
    { client, minDelay: WAIT_DEFAULT_DELAY_SEC, maxWaitTime: Number(minutes) * 60 },
    { cluster, services: [service] },
  );
  process.exit(r.state === "SUCCESS" ? 0 : 1);
} catch (e) {
  console.error(`::error::${e.message}`);
  process.exit(1);
}
