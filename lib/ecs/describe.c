/*
 * describe.c: the ECS reads and retirements every part of ecship shares (DescribeTaskDefinition,
 * DeregisterTaskDefinition, the cluster's services), so no caller builds these requests itself.
 * Depends on the client (aws.h); never prints.
 */
#include <string.h>

#include "ecship/ecs.h"

int ship_ecs_describe_taskdef_call(struct ship_aws *aws, const char *ref,
				   const struct ship_call_opts *call, json_t **taskdef,
				   struct ship_err *err)
{
	json_t *resp = NULL, *req = json_pack("{s:s}", "taskDefinition", ref ? ref : "");
	*taskdef = NULL;
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "DescribeTaskDefinition", req, &resp, call, err);
	json_decref(req);
	if (r) {
		/* ECS answers a revision that does not exist with ClientException "Unable to
		 * describe task definition." (API reference, DescribeTaskDefinition, Errors) */
		if (err->code == SHIP_ERR_AWS && err->http_status == 400 &&
		    !strcmp(err->aws_code, "ClientException"))
			err->code = SHIP_ERR_INPUT;
		return -1;
	}
	json_t *td = json_object_get(resp, "taskDefinition");
	if (!json_is_object(td)) {
		json_decref(resp);
		return ship_err_set(err, SHIP_ERR_PROTOCOL,
				    "ECS DescribeTaskDefinition answered without a taskDefinition");
	}
	*taskdef = json_incref(td);
	json_decref(resp);
	return 0;
}

int ship_ecs_describe_taskdef(struct ship_aws *aws, const char *ref, json_t **taskdef,
			      struct ship_err *err)
{
	return ship_ecs_describe_taskdef_call(aws, ref, NULL, taskdef, err);
}

int ship_ecs_latest_taskdef(struct ship_aws *aws, const char *family,
			    const struct ship_call_opts *call, json_t **out, struct ship_err *err)
{
	if (!ship_ecs_describe_taskdef_call(aws, family, call, out, err))
		return 0;
	/* a family with no ACTIVE revision: ClientException "Unable to describe task definition."
	 * (an input error by now), or InvalidParameterException for a malformed family */
	if (err->code == SHIP_ERR_INPUT ||
	    (err->code == SHIP_ERR_AWS && !strcmp(err->aws_code, "InvalidParameterException"))) {
		ship_err_clear(err);
		return 0;
	}
	return -1;
}

int ship_ecs_deregister_taskdef(struct ship_aws *aws, const char *arn, struct ship_err *err)
{
	json_t *resp = NULL, *req = json_pack("{s:s}", "taskDefinition", arn ? arn : "");
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "DeregisterTaskDefinition", req, &resp, NULL, err);
	json_decref(req);
	json_decref(resp);
	return r ? -1 : 0;
}

struct services_pages {
	struct ship_aws *aws;
	const char *cluster;
	json_t *out;
};

/* One ListServices page (at most 10 ARNs): DescribeServices for them, appended to out. */
static int services_page(void *ctx, json_t *resp, struct ship_err *err)
{
	struct services_pages *p = ctx;
	json_t *arns = json_object_get(resp, "serviceArns"), *dresp = NULL, *svc;
	size_t i;
	if (!json_array_size(arns))
		return 0;
	json_t *req = json_pack("{s:s, s:O}", "cluster", p->cluster, "services", arns);
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json(p->aws, SHIP_SVC_ECS, "DescribeServices", req, &dresp, NULL, err);
	json_decref(req);
	if (r)
		return -1;
	json_array_foreach(json_object_get(dresp, "services"), i, svc)
	{
		if (json_array_append(p->out, svc)) {
			json_decref(dresp);
			return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		}
	}
	json_decref(dresp);
	return 0;
}

int ship_ecs_list_services(struct ship_aws *aws, const char *cluster, json_t **services,
			   struct ship_err *err)
{
	struct services_pages p = {aws, cluster, json_array()};
	json_t *req = json_pack("{s:s, s:i}", "cluster", cluster, "maxResults", 10);
	*services = NULL;
	if (!req || !p.out) {
		json_decref(req);
		json_decref(p.out);
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	int r = ship_aws_json_pages(aws, SHIP_SVC_ECS, "ListServices", req, NULL, services_page, &p,
				    err);
	json_decref(req);
	if (r && err->code == SHIP_ERR_AWS && !strcmp(err->aws_code, "ClusterNotFoundException")) {
		ship_err_clear(err);
		json_array_clear(p.out);
		r = 0;
	}
	if (r) {
		json_decref(p.out);
		return -1;
	}
	*services = p.out;
	return 0;
}
