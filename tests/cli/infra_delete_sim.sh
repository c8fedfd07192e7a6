#!/usr/bin/env bash
# infra_delete_sim.sh: `ecship infra delete --force` under a running service, with the base stack
# in moto behind ecship-sim. CloudFormation deletes the cluster through ECS, whose DeleteCluster
# refuses while services are ACTIVE (ClusterContainsServicesException,
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteCluster.html), so the stack
# ends DELETE_FAILED; moto alone would delete it (issue 10 item 7: the sim stands in, docs/sim.md
# "Upstream"). ecship reports the failure with the cluster's reason and the FAQ's order.
. tests/lib/common.sh
. tests/lib/sim.sh

start_sim --upstream "$MOTO_URL" --speed 50 --seed 9 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION ECSHIP_STACK_POLL_SECONDS=0.2 ENVIRONMENT=deltest
P=$T_TMP/proj
mkdir -p "$P"
cat >"$P/ecship.yml" <<YML
region: $AWS_REGION
cluster: django-ecs-cluster-\${ENVIRONMENT}
service: web-\${ENVIRONMENT}
task_definition: td.json
service_definition: svc.json
stack: django-ecs-cluster-\${ENVIRONMENT}
infra:
  template: $PWD/cloudformation/ecs-cluster.yml
  parameters: { Environment: "\${ENVIRONMENT}" }
YML
cat >"$P/td.json" <<'JSON'
{"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
 "containerDefinitions": [{"name": "web", "image": "repo/web:v1", "portMappings": [{"containerPort": 8000}]}]}
JSON
# the harness's network (start_sim made it in moto): ECS checks that the subnet exists
echo '{"desiredCount": 1, "launchType": "FARGATE", "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["'"$SUBNET_A"'"], "assignPublicIp": "DISABLED"}}}' >"$P/svc.json"
cd "$P" || exit 1
"$ECSHIP" infra deploy >"$T_TMP/setup1" 2>&1 || { not_ok "setup: infra deploy failed"; diag <"$T_TMP/setup1"; }
"$ECSHIP" deploy >"$T_TMP/setup2" 2>&1 || { not_ok "setup: deploy failed"; diag <"$T_TMP/setup2"; }

expect_exit "infra delete --force under a running service fails (exit 1)" 1 "$ECSHIP" infra delete --force
contains "the stack is DELETE_FAILED" "$ERR" "stack 'django-ecs-cluster-deltest' is DELETE_FAILED: The following resource\(s\) failed to delete: \[Cluster\]"
contains "the cluster's reason is ECS's" "$ERR" 'Cluster \(AWS::ECS::Cluster\) DELETE_FAILED: .*The Cluster cannot be deleted while Services are active'
contains "the hint gives the FAQ's order" "$ERR" 'ECS services, then the stack'
check "the cluster still exists upstream" test "$(AWS_ENDPOINT_URL=$MOTO_URL aws ecs describe-clusters --clusters django-ecs-cluster-deltest --query 'clusters[0].status' --output text)" = ACTIVE
check "the service still runs" test "$(aws ecs describe-services --cluster django-ecs-cluster-deltest --services web-deltest --query 'services[0].status' --output text)" = ACTIVE

# with the service deleted, the deletion goes to moto (whose own CloudFormation then meets its
# VPC-dependency limit on this template; that part is moto's, so only the cluster's refusal is
# checked here; sim/logs_seam.py `stack_delete_refused` shows a relayed deletion completing)
aws ecs delete-service --cluster django-ecs-cluster-deltest --service web-deltest --force >/dev/null
"$ECSHIP" infra delete >"$T_TMP/del2.out" 2>"$T_TMP/del2.err"
lacks "with the service deleted, the cluster no longer refuses" "$T_TMP/del2.err" 'Services are active'
done_testing
