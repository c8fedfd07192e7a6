/*
 * service_info.c: the recorded previous revision, a task definition revision, a family's
 * revisions and the newest deployment of a service, for `status` and `rollback`
 * (service_info.h). Depends on the client (aws.h) and the service view (rollout.h); never prints.
 */
#include <stdlib.h>
#include <string.h>

#include "ecship/deploy.h"
#include "ecship/service_info.h"

int ship_service_recorded_previous(struct ship_aws *aws, const char *service_arn, char *out,
				   size_t n, struct ship_err *err)
{
	json_t *resp = NULL, *req = json_pack("{s:s}", "resourceArn", service_arn), *t;
	size_t i;
	out[0] = '\0';
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "ListTagsForResource", req, &resp, NULL, err);
	json_decref(req);
	if (r)
		return -1;
	json_array_foreach(json_object_get(resp, "tags"), i, t)
	{
		const char *k = json_string_value(json_object_get(t, "key"));
		const char *v = json_string_value(json_object_get(t, "value"));
		if (k && v && !strcmp(k, SHIP_TAG_PREVIOUS))
			snprintf(out, n, "%s", v);
	}
	json_decref(resp);
	return 0;
}

int ship_taskdef_describe(struct ship_aws *aws, const char *ref, json_t **taskdef,
			  struct ship_err *err)
{
	json_t *resp = NULL, *req = json_pack("{s:s}", "taskDefinition", ref);
	*taskdef = NULL;
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "DescribeTaskDefinition", req, &resp, NULL, err);
	json_decref(req);
	if (r) {
		/* ECS answers a revision that does not exist with ClientException "Unable to
		 * describe task definition." (API reference, DescribeTaskDefinition, Errors) */
		if (err->code == SHIP_ERR_AWS && err->http_status == 400 &&
		    !strcmp(err->aws_code, "ClientException"))
			err->code = SHIP_ERR_INPUT;
		return ship_err_prefix(err, "cannot find task definition '%s'", ref);
	}
	json_t *td = json_object_get(resp, "taskDefinition");
	if (!json_is_object(td)) {
		json_decref(resp);
		return ship_err_set(err, SHIP_ERR_PROTOCOL,
				    "DescribeTaskDefinition answered no "
				    "taskDefinition for '%s'",
				    ref);
	}
	*taskdef = json_incref(td);
	json_decref(resp);
	return 0;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

int ship_taskdef_revisions(struct ship_aws *aws, const char *family, long *revs, size_t max,
			   size_t *n, struct ship_err *err)
{
	char token[2048] = "";
	size_t flen = strlen(family);
	*n = 0;
	for (int page = 0; page < 100; page++) {
		json_t *resp = NULL, *arn;
		json_t *req = json_pack("{s:s, s:s, s:s}", "familyPrefix", family, "status",
					"ACTIVE", "sort", "DESC");
		if (req && token[0])
			json_object_set_new(req, "nextToken", json_string(token));
		if (!req)
			return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		int r =
		    ship_aws_json(aws, SHIP_SVC_ECS, "ListTaskDefinitions", req, &resp, NULL, err);
		json_decref(req);
		if (r)
			return -1;
		size_t i;
		json_array_foreach(json_object_get(resp, "taskDefinitionArns"), i, arn)
		{
			/* familyPrefix matches "web" and "web-worker": keep FAMILY:N only */
			const char *s = ship_taskdef_short(
			    json_string_value(arn) ? json_string_value(arn) : "");
			long rev;
			if (strncmp(s, family, flen) || s[flen] != ':' ||
			    ship_parse_long(s + flen + 1, 1, 100000000, &rev) || *n >= max)
				continue;
			revs[(*n)++] = rev;
		}
		const char *next = json_string_value(json_object_get(resp, "nextToken"));
		snprintf(token, sizeof(token), "%s", next ? next : "");
		json_decref(resp);
		if (!token[0] || *n >= max)
			break;
	}
	qsort(revs, *n, sizeof(*revs), cmp_long);
	return 0;
}

static double num(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : 0;
}

int ship_service_deployment_newest(struct ship_aws *aws, const char *cluster, const char *service,
				   struct ship_service_deployment_brief *out, int *found,
				   struct ship_err *err)
{
	char token[2048] = "";
	memset(out, 0, sizeof(*out));
	*found = 0;
	for (int page = 0; page < 20; page++) {
		json_t *resp = NULL, *d;
		json_t *req = json_pack("{s:s, s:s, s:i}", "cluster", cluster, "service", service,
					"maxResults", 100);
		if (req && token[0])
			json_object_set_new(req, "nextToken", json_string(token));
		if (!req)
			return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		int r = ship_aws_json(aws, SHIP_SVC_ECS, "ListServiceDeployments", req, &resp, NULL,
				      err);
		json_decref(req);
		if (r)
			return -1;
		size_t i;
		json_array_foreach(json_object_get(resp, "serviceDeployments"), i, d)
		{
			double created = num(d, "createdAt");
			if (*found && created <= out->created)
				continue;
			const char *arn =
			    json_string_value(json_object_get(d, "serviceDeploymentArn"));
			const char *st = json_string_value(json_object_get(d, "status"));
			const char *why = json_string_value(json_object_get(d, "statusReason"));
			const char *tgt =
			    json_string_value(json_object_get(d, "targetServiceRevisionArn"));
			const char *slash = arn ? strrchr(arn, '/') : NULL;
			snprintf(out->id, sizeof(out->id), "%s",
				 slash ? slash + 1
				 : arn ? arn
				       : "");
			snprintf(out->status, sizeof(out->status), "%s", st ? st : "");
			snprintf(out->reason, sizeof(out->reason), "%s", why ? why : "");
			snprintf(out->target, sizeof(out->target), "%s", tgt ? tgt : "");
			out->created = created;
			out->started = num(d, "startedAt");
			out->finished = num(d, "finishedAt");
			*found = 1;
		}
		const char *next = json_string_value(json_object_get(resp, "nextToken"));
		snprintf(token, sizeof(token), "%s", next ? next : "");
		json_decref(resp);
		if (!token[0])
			break;
	}
	return 0;
}

const struct ship_deployment_view *ship_service_newest(const struct ship_service_view *v)
{
	const struct ship_deployment_view *best = NULL;
	for (size_t i = 0; i < v->ndep; i++)
		if (!best || v->dep[i].created > best->created)
			best = &v->dep[i];
	return best;
}

int ship_service_breaker_rollback(const json_t *service, const struct ship_service_view *v,
				  char *out, size_t n)
{
	const struct ship_deployment_view *p = ship_service_primary(v);
	json_t *e, *events = json_object_get(service, "events");
	size_t i;
	const char *to = NULL, *failed = NULL;
	out[0] = '\0';
	if (!p)
		return 0;
	json_array_foreach(events, i, e)
	{
		const char *m = json_string_value(json_object_get(e, "message"));
		json_t *at = json_object_get(e, "createdAt");
		if (!m)
			continue;
		if (!to) {
			/* the rollback created the PRIMARY deployment: not an older one (1 s slack)
			 */
			if (json_is_number(at) && json_number_value(at) < p->created - 1)
				return 0;
			const char *r = strstr(m, ") rolling back to deployment ");
			if (r)
				to = r + strlen(") rolling back to ");
		} else if (strstr(m, ") deployment failed: ")) {
			failed = strstr(m, "(deployment ");
			break;
		}
	}
	if (!to)
		return 0;
	size_t tl = strcspn(to, ".");
	if (failed) {
		failed++; /* past "(" */
		const char *close = strchr(failed, ')');
		const char *why = strstr(failed, "deployment failed: ");
		size_t wl = why ? strcspn(why, ".") : 0;
		snprintf(out, n, "%.*s %.*s; rolled back to %.*s",
			 close ? (int)(close - failed) : 0, failed, (int)wl, why ? why : "",
			 (int)tl, to);
	} else {
		snprintf(out, n, "rolled back to %.*s", (int)tl, to);
	}
	return 1;
}

int ship_service_rolled_back_by_ecs(const json_t *service, const struct ship_service_view *v,
				    const struct ship_service_deployment_brief *newest, char *out,
				    size_t n)
{
	if (ship_service_breaker_rollback(service, v, out, n))
		return 1;
	if (newest && !strcmp(newest->status, "ROLLBACK_SUCCESSFUL")) {
		snprintf(out, n, "service deployment %s ended %s%s%s", newest->id, newest->status,
			 newest->reason[0] ? ": " : "", newest->reason);
		return 1;
	}
	out[0] = '\0';
	return 0;
}
