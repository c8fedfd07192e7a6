/*
 * pure.c: the simulator's pure rules (see pure.h). Django host matching, the Fargate size table
 * and the breaker threshold have one owner, the library (django.h, taskdef.h, rollout.h): the
 * sim calls it, so the simulated ECS and ecship's own checks cannot disagree. No state, no I/O.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecship/django.h"
#include "ecship/rollout.h"
#include "ecship/taskdef.h"
#include "pure.h"

/* ---- Django ------------------------------------------------------------------------------------ */


int sim_django_split_host(const char *host, char *out, size_t n)
{
	return ship_django_split_host(host, out, n);
}

int sim_django_pattern_admits(const char *pattern, const char *domain)
{
	return ship_django_pattern_admits(pattern, domain);
}

int sim_django_host_allowed(const char *env, const char *host_header, int debug)
{
	return ship_django_host_allowed(env, host_header, debug, NULL, 0);
}

void sim_django_reject_message(const char *host_header, struct ship_buf *out)
{
	char domain[256];
	ship_buf_addf(out, "Invalid HTTP_HOST header: '%s'.", host_header);
	if (sim_django_split_host(host_header, domain, sizeof(domain)) == 0 && domain[0])
		ship_buf_addf(out, " You may need to add '%s' to ALLOWED_HOSTS.", domain);
	else
		ship_buf_adds(out, " The domain name provided is not valid according to RFC 1034/1035.");
}

/* ---- Fargate ----------------------------------------------------------------------------------- */


int sim_parse_cpu(const char *s, long *units) { return ship_parse_cpu(s, units); }

int sim_parse_memory(const char *s, long *mib) { return ship_parse_memory(s, mib); }

int sim_fargate_combo_ok(long cpu, long mem) { return ship_fargate_size_ok(cpu, mem); }

/* ---- behaviours -------------------------------------------------------------------------------- */

static const struct {
	const char *name;
	enum sim_behavior_kind kind;
	int default_code;
	int takes_code;
} s_behaviors[] = {
    {"ok", SIM_B_OK, 0, 0},
    {"exit", SIM_B_EXIT, 1, 1},
    {"unhealthy", SIM_B_UNHEALTHY, 503, 1},
    {"pull-error", SIM_B_PULL_ERROR, 0, 0},
    {"slow-start", SIM_B_SLOW_START, 90, 1},
    {"django", SIM_B_DJANGO, 0, 0},
};

int sim_behavior_parse(const char *s, struct sim_behavior *out)
{
	if (!s)
		return -1;
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	for (size_t i = 0; i < sizeof(s_behaviors) / sizeof(s_behaviors[0]); i++) {
		if (strlen(s_behaviors[i].name) != n || ship_strncasecmp(s, s_behaviors[i].name, n) != 0)
			continue;
		out->kind = s_behaviors[i].kind;
		out->code = s_behaviors[i].default_code;
		if (colon) {
			long v;
			long lo = out->kind == SIM_B_UNHEALTHY ? 100 : 0;
			long hi = out->kind == SIM_B_UNHEALTHY ? 599 : (out->kind == SIM_B_EXIT ? 255 : 86400);
			if (!s_behaviors[i].takes_code || ship_parse_long(colon + 1, lo, hi, &v) != 0)
				return -1;
			out->code = (int)v;
		}
		return 0;
	}
	return -1;
}

const char *sim_behavior_format(const struct sim_behavior *b, char *buf, size_t n)
{
	for (size_t i = 0; i < sizeof(s_behaviors) / sizeof(s_behaviors[0]); i++) {
		if (s_behaviors[i].kind != b->kind)
			continue;
		if (s_behaviors[i].takes_code)
			snprintf(buf, n, "%s:%d", s_behaviors[i].name, b->code);
		else
			snprintf(buf, n, "%s", s_behaviors[i].name);
		return buf;
	}
	snprintf(buf, n, "ok");
	return buf;
}

/* ---- rollout ----------------------------------------------------------------------------------- */

int sim_breaker_threshold(int desired, int min_threshold)
{
	return (int)ship_breaker_threshold(desired, min_threshold);
}

int sim_rollout_max_tasks(int desired, int maximum_percent)
{
	long v = (long)desired * maximum_percent / 100;
	return (int)v;
}

int sim_rollout_min_healthy(int desired, int minimum_healthy_percent)
{
	long v = ((long)desired * minimum_healthy_percent + 99) / 100;
	return (int)v;
}

void sim_rollout_plan(int desired, int min_pct, int max_pct, int old_healthy, int old_unhealthy,
		      int new_active, int new_healthy, int launch_allowed, struct sim_rollout_step *out)
{
	int min_healthy = sim_rollout_min_healthy(desired, min_pct);
	int max_tasks = sim_rollout_max_tasks(desired, max_pct);
	out->stop_unhealthy_old = old_unhealthy;
	int spare = old_healthy + new_healthy - min_healthy;
	if (spare < 0)
		spare = 0;
	out->stop_healthy_old = spare < old_healthy ? spare : old_healthy;
	int remaining = old_healthy - out->stop_healthy_old + new_active;
	int start = desired - new_active;
	if (max_tasks - remaining < start)
		start = max_tasks - remaining;
	out->start_new = (launch_allowed && start > 0) ? start : 0;
}
