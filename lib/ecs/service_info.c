/*
 * service_info.c: a family's revisions and the newest deployment of a service, for `status` and `rollback`
 * (service_info.h). Depends on the client (aws.h) and the service view (rollout.h); never prints.
 */
#include <stdlib.h>
#include <string.h>

#include "ecship/deploy.h"
#include "ecship/service_info.h"

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

struct revisions_pages {
	const char *family;
	size_t flen;
	long *revs;
	size_t max, *n;
};

/* One ListTaskDefinitions page: the revision numbers of exactly FAMILY. */
static int revisions_page(void *ctx, json_t *resp, struct ship_err *err)
{
	struct revisions_pages *p = ctx;
	json_t *arn;
	size_t i;
	(void)err;
	json_array_foreach(json_object_get(resp, "taskDefinitionArns"), i, arn)
	{
		/* familyPrefix matches "web" and "web-worker": keep FAMILY:N only */
		const char *s =
		    ship_taskdef_short(json_string_value(arn) ? json_string_value(arn) : "");
		long rev;
		if (strncmp(s, p->family, p->flen) || s[p->flen] != ':' ||
		    ship_parse_long(s + p->flen + 1, 1, 100000000, &rev) || *p->n >= p->max)
			continue;
		p->revs[(*p->n)++] = rev;
	}
	return *p->n >= p->max ? 1 : 0;
}

int ship_taskdef_revisions(struct ship_aws *aws, const char *family, long *revs, size_t max,
			   size_t *n, struct ship_err *err)
{
	struct revisions_pages p = {family, strlen(family), revs, max, n};
	*n = 0;
	json_t *req = json_pack("{s:s, s:s, s:s}", "familyPrefix", family, "status", "ACTIVE",
				"sort", "DESC");
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json_pages(aws, SHIP_SVC_ECS, "ListTaskDefinitions", req, NULL,
				    revisions_page, &p, err);
	json_decref(req);
	if (r < 0)
		return -1;
	qsort(revs, *n, sizeof(*revs), cmp_long);
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
