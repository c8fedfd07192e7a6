/*
 * service_info.c: a family's revisions and the newest deployment of a service, for `status` and
 * `rollback` (service_info.h). Depends on the client (aws.h) and the service view (rollout.h);
 * never prints.
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

static double num(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : 0;
}

struct newest_page {
	struct ship_service_deployment_brief *out;
	int *found;
};

/* One page of ListServiceDeployments: keeps the entry with the largest createdAt. */
static int newest_page(void *ctx, json_t *resp, struct ship_err *err)
{
	struct newest_page *p = ctx;
	json_t *d;
	size_t i;
	(void)err;
	json_array_foreach(json_object_get(resp, "serviceDeployments"), i, d)
	{
		double created = num(d, "createdAt");
		if (*p->found && created <= p->out->created)
			continue;
		const char *arn = json_string_value(json_object_get(d, "serviceDeploymentArn"));
		const char *st = json_string_value(json_object_get(d, "status"));
		const char *why = json_string_value(json_object_get(d, "statusReason"));
		const char *tgt = json_string_value(json_object_get(d, "targetServiceRevisionArn"));
		const char *slash = arn ? strrchr(arn, '/') : NULL;
		snprintf(p->out->id, sizeof(p->out->id), "%s", slash ? slash + 1 : arn ? arn : "");
		snprintf(p->out->status, sizeof(p->out->status), "%s", st ? st : "");
		snprintf(p->out->reason, sizeof(p->out->reason), "%s", why ? why : "");
		snprintf(p->out->target, sizeof(p->out->target), "%s", tgt ? tgt : "");
		p->out->created = created;
		p->out->started = num(d, "startedAt");
		p->out->finished = num(d, "finishedAt");
		*p->found = 1;
	}
	return 0;
}

int ship_service_deployment_newest(struct ship_aws *aws, const char *cluster, const char *service,
				   struct ship_service_deployment_brief *out, int *found,
				   struct ship_err *err)
{
	memset(out, 0, sizeof(*out));
	*found = 0;
	struct newest_page p = {out, found};
	json_t *req =
	    json_pack("{s:s, s:s, s:i}", "cluster", cluster, "service", service, "maxResults", 100);
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json_pages(aws, SHIP_SVC_ECS, "ListServiceDeployments", req, NULL,
				    newest_page, &p, err);
	json_decref(req);
	return r < 0 ? -1 : 0;
}

const struct ship_deployment_view *ship_service_newest(const struct ship_service_view *v)
{
	const struct ship_deployment_view *best = NULL;
	for (size_t i = 0; i < v->ndep; i++)
		if (!best || v->dep[i].created > best->created)
			best = &v->dep[i];
	return best;
}

/* ECS posts the breaker's "deployment failed:" event with the rollback it starts (same second);
 * an older one belongs to an earlier deployment. */
#define BREAKER_EVENT_SLACK 5.0

/*
 * 1 when the events show a rollback into the PRIMARY deployment, with *breaker set when ECS's
 * circuit breaker started it ("(deployment ID) deployment failed: ..." posted with it); a rollback
 * requested through StopServiceDeployment or ContinueServiceDeployment ROLLBACK posts "rolling
 * back to deployment" alone.
 */
static int rollback_event(const json_t *service, const struct ship_service_view *v, int *breaker,
			  char *out, size_t n)
{
	const struct ship_deployment_view *p = ship_service_primary(v);
	json_t *e, *events = json_object_get(service, "events");
	size_t i;
	const char *to = NULL, *failed = NULL;
	double to_at = 0;
	int have_to_at = 0, after_to = 0;
	out[0] = '\0';
	*breaker = 0;
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
			if (r) {
				to = r + strlen(") rolling back to ");
				have_to_at = json_is_number(at);
				to_at = have_to_at ? json_number_value(at) : 0;
			}
			continue;
		}
		after_to++;
		/* without times, only the event right before the rollback's counts */
		int too_old = have_to_at && json_is_number(at)
				  ? json_number_value(at) < to_at - BREAKER_EVENT_SLACK
				  : after_to > 1;
		if (too_old)
			break;
		if (strstr(m, ") deployment failed: ")) {
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
		*breaker = 1;
	} else {
		snprintf(out, n, "rolled back to %.*s", (int)tl, to);
	}
	return 1;
}

int ship_service_breaker_rollback(const json_t *service, const struct ship_service_view *v,
				  char *out, size_t n)
{
	int breaker;
	if (rollback_event(service, v, &breaker, out, n) && breaker)
		return 1;
	out[0] = '\0';
	return 0;
}

int ship_sdep_rollback_requested(const char *reason)
{
	return strstr(reason, "user request") || strstr(reason, "ROLLBACK action");
}

int ship_service_rolled_back_by_ecs(const json_t *service, const struct ship_service_view *v,
				    const struct ship_service_deployment_brief *newest, char *out,
				    size_t n)
{
	/* the breaker's own events; else the record, unless someone asked for the rollback (its
	 * events look alike without the breaker's "deployment failed") */
	if (ship_service_breaker_rollback(service, v, out, n))
		return 1;
	if (newest && !strcmp(newest->status, "ROLLBACK_SUCCESSFUL") &&
	    !ship_sdep_rollback_requested(newest->reason)) {
		snprintf(out, n, "service deployment %s ended %s%s%s", newest->id, newest->status,
			 newest->reason[0] ? ": " : "", newest->reason);
		return 1;
	}
	out[0] = '\0';
	return 0;
}
