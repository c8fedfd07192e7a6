/*
 * scaffold.c: a live service as definition files (scaffold.h): the revision it runs through the
 * task-definition normalization (what diff compares), the service through the CreateService
 * fields, and every "${" escaped so that the files render back to what runs. Depends on the
 * client (aws.h), wait.c's DescribeServices and normalize.c; never prints.
 */
#include <string.h>

#include "ecship/ecs.h"
#include "ecship/scaffold.h"
#include "ecship/taskdef.h"

/* CreateService's request fields that DescribeServices also reports (API reference, CreateService;
 * serviceConnectConfiguration, volumeConfigurations and vpcLatticeConfigurations are only
 * reported per deployment and are not carried over). */
static const char *const s_create_fields[] = {"serviceName",
					      "taskDefinition",
					      "desiredCount",
					      "launchType",
					      "capacityProviderStrategy",
					      "platformVersion",
					      "loadBalancers",
					      "serviceRegistries",
					      "deploymentConfiguration",
					      "deploymentController",
					      "placementConstraints",
					      "placementStrategy",
					      "networkConfiguration",
					      "healthCheckGracePeriodSeconds",
					      "schedulingStrategy",
					      "enableECSManagedTags",
					      "propagateTags",
					      "enableExecuteCommand",
					      "availabilityZoneRebalancing",
					      NULL};

/* Every string's "${" becomes "$${" (the templates' escape for a literal "${"), in place. */
static int escape_templates(json_t *v)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!strstr(s, "${"))
			return 0;
		struct ship_buf b = SHIP_BUF_INIT(0);
		for (; *s; s++) {
			if (s[0] == '$' && s[1] == '{' && ship_buf_addch(&b, '$'))
				goto nomem;
			if (ship_buf_addch(&b, *s))
				goto nomem;
		}
		int r = json_string_set(v, b.data);
		ship_buf_release(&b);
		return r;
	nomem:
		ship_buf_release(&b);
		return -1;
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x) if (escape_templates(x)) return -1;
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) if (escape_templates(x)) return -1;
	}
	return 0;
}

json_t *ship_scaffold_taskdef(const json_t *live)
{
	json_t *td = ship_taskdef_normalize(live);
	if (td && escape_templates(td)) {
		json_decref(td);
		return NULL;
	}
	return td;
}

json_t *ship_scaffold_servicedef(const json_t *live)
{
	json_t *norm = ship_servicedef_normalize(live), *out = NULL;
	if (!norm)
		return NULL;
	out = json_object();
	for (size_t i = 0; out && s_create_fields[i]; i++) {
		json_t *v = json_object_get(norm, s_create_fields[i]);
		/* the normalization leaves desiredCount out (deploys keep the running count) */
		if (!v && !strcmp(s_create_fields[i], "desiredCount"))
			v = json_object_get(live, "desiredCount");
		if (v && json_object_set(out, s_create_fields[i], v)) {
			json_decref(out);
			out = NULL;
		}
	}
	json_decref(norm);
	if (out && escape_templates(out)) {
		json_decref(out);
		out = NULL;
	}
	return out;
}

void ship_scaffold_release(struct ship_scaffold *s)
{
	if (!s)
		return;
	json_decref(s->task_definition);
	json_decref(s->service_definition);
	memset(s, 0, sizeof(*s));
}

int ship_scaffold_from_service(struct ship_aws *aws, const char *cluster, const char *service,
			       struct ship_scaffold *out, struct ship_err *err)
{
	json_t *svc = NULL, *req = NULL, *resp = NULL;
	int rc = -1;
	memset(out, 0, sizeof(*out));
	if (ship_ecs_describe_service(aws, cluster, service, &svc, err))
		goto cleanup;
	if (!svc) {
		ship_err_set(err, SHIP_ERR_INPUT, "service '%s' does not exist in cluster '%s'",
			     service, cluster);
		goto cleanup;
	}
	const char *td = json_string_value(json_object_get(svc, "taskDefinition"));
	if (!td) {
		ship_err_set(err, SHIP_ERR_PROTOCOL, "service '%s' names no task definition",
			     service);
		goto cleanup;
	}
	snprintf(out->taskdef_arn, sizeof(out->taskdef_arn), "%s", td);
	req = json_pack("{s:s}", "taskDefinition", td);
	if (!req) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	if (ship_aws_json(aws, SHIP_SVC_ECS, "DescribeTaskDefinition", req, &resp, NULL, err))
		goto cleanup;
	out->task_definition = ship_scaffold_taskdef(json_object_get(resp, "taskDefinition"));
	out->service_definition = ship_scaffold_servicedef(svc);
	if (!out->task_definition || !out->service_definition) {
		ship_err_set(err, SHIP_ERR_PROTOCOL,
			     "cannot read the service or its task definition");
		goto cleanup;
	}
	rc = 0;
cleanup:
	json_decref(svc);
	json_decref(req);
	json_decref(resp);
	return rc;
}
