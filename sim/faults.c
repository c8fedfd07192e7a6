/*
 * faults.c: fault injection for ecship-sim: per-action throttling, 5xx, connection resets (before
 * the request runs), lost answers (after it ran), empty answers and latency as probabilities
 * (optionally for a limited number of requests), and token buckets per action like ECS's own
 * request throttling. Decisions draw from their own seeded stream so faults do not disturb the
 * deployment model. Lock held. Depends on sim.h and jansson.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

void sim_faults_free(struct sim_fault *f)
{
	while (f) {
		struct sim_fault *n = f->next;
		ship_free(f->action);
		ship_free(f);
		f = n;
	}
}

static struct sim_fault *fault_new(const char *action)
{
	struct sim_fault *f = ship_calloc(1, sizeof(*f));
	if (!f || !(f->action = ship_strdup(action))) {
		ship_free(f);
		return NULL;
	}
	f->error_status = 500;
	f->times = -1;
	f->last = sim_wall();
	return f;
}

/*
 * ECS throttles per account and Region with token buckets by class of action; bucket (burst)
 * and refill (sustained, per second) below approximate the documented quotas.
 */
static const struct {
	const char *action;
	double burst, rate;
} s_ecs_buckets[] = {
    {"ecs:Describe*", 100, 20}, {"ecs:List*", 100, 20},          {"ecs:RegisterTaskDefinition", 20, 1},
    {"ecs:DeregisterTaskDefinition", 20, 1}, {"ecs:CreateService", 50, 5}, {"ecs:UpdateService", 50, 5},
    {"ecs:DeleteService", 50, 5}, {"ecs:RunTask", 100, 40},        {"ecs:StopTask", 100, 40},
    {"ecs:CreateCluster", 20, 1}, {"ecs:*", 50, 20},
};

void sim_buckets_init(struct sim *s)
{
	struct sim_fault **pp = &s->buckets;
	for (size_t i = 0; i < sizeof(s_ecs_buckets) / sizeof(s_ecs_buckets[0]); i++) {
		struct sim_fault *f = fault_new(s_ecs_buckets[i].action);
		if (!f)
			return;
		f->burst = f->tokens = s_ecs_buckets[i].burst;
		f->rate = s_ecs_buckets[i].rate;
		*pp = f;
		pp = &f->next;
	}
}

/* "DescribeServices", "ecs:DescribeServices", "ecs:Describe*", "ecs:*", "*" */
static int matches(const char *pat, const char *svc, const char *action)
{
	if (strcmp(pat, "*") == 0)
		return 1;
	const char *colon = strchr(pat, ':');
	const char *apat = pat;
	if (colon) {
		size_t n = (size_t)(colon - pat);
		if (strlen(svc) != n || strncmp(pat, svc, n) != 0)
			return 0;
		apat = colon + 1;
	}
	size_t n = strlen(apat);
	if (n && apat[n - 1] == '*')
		return strncmp(apat, action, n - 1) == 0;
	return strcmp(apat, action) == 0;
}

static int take_token(struct sim_fault *f)
{
	double now = sim_wall();
	f->tokens += (now - f->last) * f->rate;
	if (f->tokens > f->burst)
		f->tokens = f->burst;
	f->last = now;
	if (f->tokens < 1)
		return 0;
	f->tokens -= 1;
	return 1;
}

void sim_faults_decide(struct sim *s, const char *svc, const char *action, struct sim_fault_decision *d)
{
	memset(d, 0, sizeof(*d));
	for (struct sim_fault *f = s->faults; f; f = f->next) {
		if (!matches(f->action, svc, action))
			continue;
		if (f->rate > 0 && !take_token(f))
			d->throttle = 1;
		if (f->times == 0)
			continue;
		int hit = 0;
		if (f->latency_ms > d->latency_ms) {
			d->latency_ms = f->latency_ms;
			hit = 1;
		}
		if (f->reset > 0 && sim_fault_chance(s) < f->reset)
			d->reset = hit = 1;
		else if (f->lost > 0 && sim_fault_chance(s) < f->lost)
			d->lost = hit = 1;
		else if (f->empty > 0 && sim_fault_chance(s) < f->empty)
			d->empty = hit = 1;
		else if (f->throttle > 0 && sim_fault_chance(s) < f->throttle)
			d->throttle = hit = 1;
		else if (f->error > 0 && sim_fault_chance(s) < f->error) {
			d->error_status = f->error_status;
			hit = 1;
		}
		if (hit && f->times > 0)
			f->times--;
	}
	if (s->cfg.rate_limits && strcmp(svc, "ecs") == 0 && !d->throttle) {
		for (struct sim_fault *f = s->buckets; f; f = f->next) {
			if (matches(f->action, svc, action)) {
				if (!take_token(f))
					d->throttle = 1;
				break;
			}
		}
	}
}

static int num(json_t *o, const char *k, double lo, double hi, double *out, struct sim_apierr *e)
{
	json_t *v = json_object_get(o, k);
	if (!v)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi)
		return sim_err(e, "InvalidParameterException", "'%s' must be a number in [%g, %g]", k, lo, hi);
	*out = json_number_value(v);
	return 0;
}

static json_t *fault_json(const struct sim_fault *f)
{
	return json_pack("{s:s,s:f,s:f,s:i,s:f,s:f,s:f,s:i,s:I,s:f,s:f}", "action", f->action,
			 "throttle", f->throttle, "error", f->error, "error_status",
			 f->error_status, "reset", f->reset, "lost", f->lost, "empty", f->empty,
			 "latency_ms", f->latency_ms, "times", (json_int_t)f->times, "rate",
			 f->rate, "burst", f->burst);
}

/* spec: {"faults":[{action, throttle, error, error_status, reset, lost, empty, latency_ms, times,
 * rate, burst}]} */
int sim_faults_set(struct sim *s, json_t *spec, int replace, struct sim_apierr *e)
{
	json_t *list = json_object_get(spec, "faults"), *o;
	size_t i;
	if (!json_is_array(list))
		return sim_err(e, "InvalidParameterException", "expected {\"faults\": [...]}");
	struct sim_fault *head = NULL, **pp = &head;
	int n = 0;
	for (struct sim_fault *f = replace ? NULL : s->faults; f; f = f->next)
		n++;
	json_array_foreach(list, i, o)
	{
		const char *action = json_string_value(json_object_get(o, "action"));
		double tmp;
		if (!json_is_object(o) || !action || !*action) {
			sim_err(e, "InvalidParameterException", "fault %zu: 'action' is required", i);
			goto fail;
		}
		if (++n > SIM_MAX_FAULTS) {
			sim_err(e, "LimitExceededException", "at most %d faults", SIM_MAX_FAULTS);
			goto fail;
		}
		struct sim_fault *f = fault_new(action);
		if (!f) {
			sim_err(e, "ServerException", "out of memory");
			goto fail;
		}
		*pp = f;
		pp = &f->next;
		tmp = f->error_status;
		if (num(o, "throttle", 0, 1, &f->throttle, e) ||
		    num(o, "error", 0, 1, &f->error, e) || num(o, "reset", 0, 1, &f->reset, e) ||
		    num(o, "lost", 0, 1, &f->lost, e) || num(o, "empty", 0, 1, &f->empty, e) ||
		    num(o, "error_status", 500, 599, &tmp, e) ||
		    num(o, "rate", 0, 1e6, &f->rate, e) || num(o, "burst", 0, 1e6, &f->burst, e))
			goto fail;
		f->error_status = (int)tmp;
		tmp = 0;
		if (num(o, "latency_ms", 0, 30000, &tmp, e))
			goto fail;
		f->latency_ms = (int)tmp;
		tmp = -1;
		if (num(o, "times", -1, 1e12, &tmp, e))
			goto fail;
		f->times = (long)tmp;
		if (f->rate > 0 && f->burst < 1)
			f->burst = f->rate;
		f->tokens = f->burst;
	}
	if (replace) {
		sim_faults_free(s->faults);
		s->faults = head;
	} else {
		struct sim_fault **tail = &s->faults;
		while (*tail)
			tail = &(*tail)->next;
		*tail = head;
	}
	return 0;
fail:
	sim_faults_free(head);
	return -1;
}

json_t *sim_faults_json(struct sim *s)
{
	json_t *a = json_array(), *b = json_array();
	for (struct sim_fault *f = s->faults; f; f = f->next)
		json_array_append_new(a, fault_json(f));
	for (struct sim_fault *f = s->buckets; f; f = f->next)
		json_array_append_new(b, json_pack("{s:s,s:f,s:f}", "action", f->action, "burst", f->burst, "rate", f->rate));
	return json_pack("{s:o,s:b,s:o}", "faults", a, "rate_limits", s->cfg.rate_limits, "buckets", b);
}
