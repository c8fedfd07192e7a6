/*
 * rollout.c: reading DescribeServices snapshots and deciding how our deployment ends (see
 * rollout.h), the adaptive poll interval and the service-event cursor. Pure functions over
 * jansson values: no I/O, no clock, so every rule is tested from tables of snapshots.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ecship/i18n.h"
#include "ecship/rollout.h"

static void copy_str(char *dst, size_t n, json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	size_t len = strlen(s);
	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* An identifier: one that does not fit its field is an error, never cut short. */
static int copy_id(char *dst, size_t n, json_t *v, const char *what, struct ship_err *err)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	size_t len = strlen(s);
	if (len >= n)
		return ship_err_set(err, SHIP_ERR_PROTOCOL,
				    "ECS answered a %s of %zu characters; ecship takes at most %zu",
				    what, len, n - 1);
	memcpy(dst, s, len + 1);
	return 0;
}

/* Words for the user: a longer text is cut, visibly, with "...". */
static void copy_text(char *dst, size_t n, json_t *v)
{
	copy_str(dst, n, v);
	if (json_is_string(v) && strlen(json_string_value(v)) >= n && n > 4)
		memcpy(dst + n - 4, "...", 4);
}

static long get_long(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

static double get_time(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : 0;
}

int ship_service_view_parse(json_t *service, struct ship_service_view *out, struct ship_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!json_is_object(service))
		return ship_err_set(err, SHIP_ERR_PROTOCOL, "service description is not an object");
	if (copy_id(out->name, sizeof(out->name), json_object_get(service, "serviceName"),
		    "service name", err) ||
	    copy_id(out->arn, sizeof(out->arn), json_object_get(service, "serviceArn"),
		    "service ARN", err) ||
	    copy_id(out->status, sizeof(out->status), json_object_get(service, "status"),
		    "service status", err) ||
	    copy_id(out->taskdef, sizeof(out->taskdef), json_object_get(service, "taskDefinition"),
		    "task definition ARN", err))
		return -1;
	if (copy_id(out->current_sdep, sizeof(out->current_sdep),
		    json_object_get(service, "currentServiceDeployment"), "service deployment ARN",
		    err))
		return -1;
	out->desired = get_long(service, "desiredCount");
	out->running = get_long(service, "runningCount");
	out->pending = get_long(service, "pendingCount");
	json_t *cfg = json_object_get(service, "deploymentConfiguration");
	json_t *cb = json_object_get(cfg, "deploymentCircuitBreaker");
	out->breaker_enable = json_is_true(json_object_get(cb, "enable"));
	out->breaker_rollback = json_is_true(json_object_get(cb, "rollback"));
	out->min_healthy = json_object_get(cfg, "minimumHealthyPercent") ? get_long(cfg, "minimumHealthyPercent") : 100;
	out->max_percent = json_object_get(cfg, "maximumPercent") ? get_long(cfg, "maximumPercent") : 200;

	json_t *deps = json_object_get(service, "deployments"), *d;
	size_t i;
	json_array_foreach(deps, i, d) {
		if (out->ndep == SHIP_MAX_DEPLOYMENTS)
			break;
		struct ship_deployment_view *dv = &out->dep[out->ndep++];
		if (copy_id(dv->id, sizeof(dv->id), json_object_get(d, "id"), "deployment id",
			    err) ||
		    copy_id(dv->status, sizeof(dv->status), json_object_get(d, "status"),
			    "deployment status", err) ||
		    copy_id(dv->rollout_state, sizeof(dv->rollout_state),
			    json_object_get(d, "rolloutState"), "rollout state", err) ||
		    copy_id(dv->taskdef, sizeof(dv->taskdef), json_object_get(d, "taskDefinition"),
			    "task definition ARN", err))
			return -1;
		copy_text(dv->reason, sizeof(dv->reason), json_object_get(d, "rolloutStateReason"));
		dv->desired = get_long(d, "desiredCount");
		dv->pending = get_long(d, "pendingCount");
		dv->running = get_long(d, "runningCount");
		dv->failed = get_long(d, "failedTasks");
		dv->created = get_time(d, "createdAt");
		dv->updated = get_time(d, "updatedAt");
	}
	return 0;
}

const struct ship_deployment_view *ship_service_primary(const struct ship_service_view *v)
{
	for (size_t i = 0; i < v->ndep; i++)
		if (!strcmp(v->dep[i].status, "PRIMARY"))
			return &v->dep[i];
	return NULL;
}

const struct ship_deployment_view *ship_service_deployment(const struct ship_service_view *v,
							   const char *id)
{
	for (size_t i = 0; i < v->ndep; i++)
		if (!strcmp(v->dep[i].id, id))
			return &v->dep[i];
	return NULL;
}

/* Steady without rollout states (older APIs, emulators): one deployment, all tasks running. */
static int steady(const struct ship_service_view *v, const struct ship_deployment_view *d)
{
	return v->ndep == 1 && d->running == d->desired && d->pending == 0;
}

const struct ship_deployment_view *ship_service_failed_primary(const struct ship_service_view *v,
							       long threshold_min)
{
	const struct ship_deployment_view *p = ship_service_primary(v);
	if (!p)
		return NULL;
	if (!strcmp(p->rollout_state, "FAILED"))
		return p;
	if (!v->breaker_enable && strcmp(p->rollout_state, "COMPLETED") &&
	    p->failed >= ship_breaker_threshold(p->desired, threshold_min))
		return p;
	return NULL;
}

int ship_service_busy(const struct ship_service_view *v)
{
	const struct ship_deployment_view *p = ship_service_primary(v);
	if (ship_service_failed_primary(v, 3))
		return 0;
	if (v->ndep > 1)
		return 1;
	if (!p)
		return 0;
	if (p->rollout_state[0])
		return !strcmp(p->rollout_state, "IN_PROGRESS");
	return !steady(v, p);
}

int ship_service_revision_ran(const struct ship_service_view *v, const char *taskdef)
{
	for (size_t i = 0; taskdef && i < v->ndep; i++) {
		const struct ship_deployment_view *d = &v->dep[i];
		if (strcmp(d->taskdef, taskdef))
			continue;
		if (d->rollout_state[0]) {
			if (!strcmp(d->rollout_state, "COMPLETED"))
				return 1;
		} else if (!strcmp(d->status, "PRIMARY") ? steady(v, d) : d->running > 0) {
			return 1;
		}
	}
	return 0;
}

const char *ship_taskdef_short(const char *arn)
{
	const char *s = arn ? strrchr(arn, '/') : NULL;
	return s ? s + 1 : (arn ? arn : "");
}

long ship_breaker_threshold(long desired, long min)
{
	long t = (long)ceil(0.5 * (double)desired);
	if (min <= 0)
		min = 3;
	if (t < min)
		t = min;
	if (t > 200)
		t = 200;
	return t;
}

void ship_rollout_init(struct ship_rollout *r, const char *deployment_id, const char *taskdef)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->deployment_id, sizeof(r->deployment_id), "%s", deployment_id ? deployment_id : "");
	snprintf(r->taskdef, sizeof(r->taskdef), "%s", taskdef ? taskdef : "");
	r->threshold_min = 3;
}

enum ship_rollout_phase ship_rollout_evaluate(struct ship_rollout *r,
					      const struct ship_service_view *v)
{
	if (r->phase != SHIP_ROLLOUT_WAITING)
		return r->phase;
	const struct ship_deployment_view *d = ship_service_deployment(v, r->deployment_id);
	if (d && strcmp(d->status, "INACTIVE")) {
		if (!strcmp(d->rollout_state, "COMPLETED")) {
			r->phase = SHIP_ROLLOUT_COMPLETED;
			snprintf(r->reason, sizeof(r->reason), "%s",
				 d->reason[0] ? d->reason : _("deployment completed"));
		} else if (!strcmp(d->rollout_state, "FAILED")) {
			r->phase = SHIP_ROLLOUT_FAILED;
			r->by_breaker = 1;
			snprintf(r->reason, sizeof(r->reason), "%s",
				 d->reason[0] ? d->reason : _("ECS marked the deployment FAILED"));
		} else if (!v->breaker_enable &&
			   d->failed >= ship_breaker_threshold(d->desired, r->threshold_min)) {
			r->phase = SHIP_ROLLOUT_FAILED;
			snprintf(r->reason, sizeof(r->reason),
				 _("%ld tasks of deployment %s failed, the circuit breaker's threshold "
				 "for %ld desired tasks (the breaker is off, so ecship applied its rule)"),
				 d->failed, d->id, d->desired);
		} else if (!d->rollout_state[0] && !strcmp(d->status, "PRIMARY") && steady(v, d)) {
			r->phase = SHIP_ROLLOUT_COMPLETED;
			snprintf(r->reason, sizeof(r->reason),
				 _("all %ld tasks running and no other deployment left"), d->running);
		}
		return r->phase;
	}
	/* Ours is gone or INACTIVE: something else is PRIMARY now. A deployment of the previous
	 * revision, or one whose reason names the circuit breaker, is ECS rolling ours back. */
	const struct ship_deployment_view *p = ship_service_primary(v);
	if (p && ((r->previous_taskdef[0] && !strcmp(p->taskdef, r->previous_taskdef) &&
		   strcmp(p->taskdef, r->taskdef)) ||
		  strstr(p->reason, "circuit breaker"))) {
		r->phase = SHIP_ROLLOUT_FAILED;
		r->by_breaker = 1;
		snprintf(r->reason, sizeof(r->reason),
			 _("deployment %s failed and ECS is rolling back with deployment %s%s%s"),
			 r->deployment_id, p->id, p->reason[0] ? ": " : "", p->reason);
		return r->phase;
	}
	/* A deployment of our very task definition took over (a forced redeploy, ECS's own
	 * re-deployment): the service is moving to our revision all the same, so follow that one. */
	if (p && !strcmp(p->taskdef, r->taskdef) && strcmp(p->id, r->deployment_id) &&
	    strcmp(p->status, "INACTIVE")) {
		if (!r->followed_from[0])
			snprintf(r->followed_from, sizeof(r->followed_from), "%s", r->deployment_id);
		snprintf(r->deployment_id, sizeof(r->deployment_id), "%s", p->id);
		return ship_rollout_evaluate(r, v);
	}
	r->phase = SHIP_ROLLOUT_REPLACED;
	if (p) {
		snprintf(r->replaced_by, sizeof(r->replaced_by), "%s", p->id);
		snprintf(r->reason, sizeof(r->reason),
			 _("deployment %s was replaced by deployment %s (task definition %s) before "
			 "it completed"),
			 r->deployment_id, p->id, p->taskdef);
	} else {
		snprintf(r->reason, sizeof(r->reason),
			 _("deployment %s is no longer listed and the service has no primary deployment"),
			 r->deployment_id);
	}
	return r->phase;
}

int ship_rollout_settled_on(const struct ship_service_view *v, const char *taskdef)
{
	const struct ship_deployment_view *p = ship_service_primary(v);
	if (!p || strcmp(p->taskdef, taskdef))
		return 0;
	if (p->rollout_state[0])
		return !strcmp(p->rollout_state, "COMPLETED") && v->ndep == 1;
	return steady(v, p);
}

void ship_poll_init(struct ship_poll *p)
{
	p->min = SHIP_POLL_MIN;
	p->max = SHIP_POLL_MAX;
	p->interval = p->min;
}

double ship_poll_next(struct ship_poll *p, int changed, int throttled)
{
	if (throttled)
		p->interval *= 2;
	else if (changed)
		p->interval = p->min;
	else
		p->interval *= 1.5;
	if (p->interval > p->max)
		p->interval = p->max;
	if (p->interval < p->min)
		p->interval = p->min;
	return p->interval;
}

double ship_poll_share(double pause, size_t calls_left, size_t calls_first, int throttled)
{
	if (throttled || !calls_first || calls_left >= calls_first)
		return pause;
	double cut = pause * (double)calls_left / (double)calls_first;
	if (cut < SHIP_POLL_TAIL_MIN)
		cut = SHIP_POLL_TAIL_MIN;
	return cut < pause ? cut : pause;
}

int ship_event_cursor_feed(struct ship_event_cursor *c, json_t *events, int prime_only,
			   ship_event_fn fn, void *ctx)
{
	size_t n = json_array_size(events), fresh = 0;
	/* events are newest first: count the ones before the last one we saw */
	for (; fresh < n; fresh++) {
		json_t *e = json_array_get(events, fresh);
		const char *id = json_string_value(json_object_get(e, "id"));
		double t = get_time(e, "createdAt");
		if (c->primed && ((id && !strcmp(id, c->last_id)) || t < c->last_time))
			break;
	}
	if (!prime_only && fn && c->primed) {
		for (size_t i = fresh; i-- > 0;) {
			json_t *e = json_array_get(events, i);
			const char *msg = json_string_value(json_object_get(e, "message"));
			fn(ctx, get_time(e, "createdAt"), msg ? msg : "");
		}
	}
	if (n) {
		json_t *e = json_array_get(events, 0);
		copy_str(c->last_id, sizeof(c->last_id), json_object_get(e, "id"));
		c->last_time = get_time(e, "createdAt");
	}
	int was_primed = c->primed;
	c->primed = 1;
	return was_primed && !prime_only ? (int)fresh : 0;
}
