/*
 * pure.h: the simulator's pure decision logic: Django's ALLOWED_HOSTS matching, the Fargate
 * cpu/memory table, image behaviours and the rolling-update / circuit-breaker arithmetic.
 * No state, no I/O, libc and lib/util only, so unit tests include it directly. Written from the
 * documentation, never calling the library's copies of these rules (the sim is their witness).
 */
#ifndef ECSHIP_SIM_PURE_H
#define ECSHIP_SIM_PURE_H

#include <stddef.h>

#include "ecship/util.h"

/* ---- Django host validation (django.http.request.validate_host) ------------------------------ */

/*
 * Splits a Host header the way Django's split_domain_port does: lowercased, port removed,
 * trailing dot removed. Writes the domain into out (size n). Returns 0, or -1 when the header is
 * not a valid host (Django then says "The domain name provided is not valid").
 */
int sim_django_split_host(const char *host, char *out, size_t n);
/* 1 when `domain` (already split) is admitted by one pattern, Django's is_same_domain or '*'. */
int sim_django_pattern_admits(const char *pattern, const char *domain);
/*
 * 1 when the Host header is admitted by the ALLOWED_HOSTS environment value (patterns separated
 * by commas and/or whitespace). debug=1 applies Django's DEBUG default when the list is empty
 * ('.localhost', '127.0.0.1', '[::1]').
 */
int sim_django_host_allowed(const char *allowed_hosts_env, const char *host_header, int debug);
/* Django's log message for a rejected host, e.g. "Invalid HTTP_HOST header: '10.0.1.23:8000'. ..." */
void sim_django_reject_message(const char *host_header, struct ship_buf *out);

/* ---- Fargate task sizes ---------------------------------------------------------------------- */

/*
 * Parses a task-level cpu value ("256", "1024", "1 vCPU", "0.25 vcpu") into CPU units, and a
 * memory value ("512", "2 GB", "0.5GB") into MiB. 0 ok, -1 not a valid value.
 */
int sim_parse_cpu(const char *s, long *units);
int sim_parse_memory(const char *s, long *mib);
/* 1 when Fargate offers this cpu/memory combination (units, MiB). */
int sim_fargate_combo_ok(long cpu, long mem);

/* ---- behaviours ------------------------------------------------------------------------------- */

enum sim_behavior_kind {
	SIM_B_OK,
	SIM_B_EXIT,       /* essential container exits with `code` (default 1) */
	SIM_B_UNHEALTHY,  /* health checks answer `code` (default 503) */
	SIM_B_PULL_ERROR, /* CannotPullContainerError, never starts */
	SIM_B_SLOW_START, /* ready after `code` seconds (default 90) */
	SIM_B_DJANGO,     /* health decided by ALLOWED_HOSTS */
	SIM_B_PULL_DENIED,  /* CannotPullContainerError: the registry answers 403 */
	SIM_B_SECRET_ERROR, /* ResourceInitializationError: a secret cannot be read */
	SIM_B_NO_LOG_GROUP, /* ResourceInitializationError: the awslogs group does not exist */
	SIM_B_FAIL_AFTER,   /* healthy, then health checks fail `code` seconds (default 120) after start */
	SIM_B_SLOW_HEALTH,  /* answers every health check 200, but only after `code` seconds (default 10) */
};

struct sim_behavior {
	enum sim_behavior_kind kind;
	int code;
};

/* Parses "ok", "exit", "exit:3", "unhealthy:500", "pull-error", "pull-denied", "secret-error",
 * "no-log-group", "slow-start[:S]", "fail-after[:S]", "slow-health[:S]", "django". 0/-1. */
int sim_behavior_parse(const char *s, struct sim_behavior *out);
/* Canonical text of a behaviour ("exit:3") into buf (size n). */
const char *sim_behavior_format(const struct sim_behavior *b, char *buf, size_t n);

/* ---- deployment strategy limits ------------------------------------------------------------- */

/*
 * Whether ECS accepts `value` for a field of a blue/green, linear or canary deployment
 * configuration: bakeTimeInMinutes, stepBakeTimeInMinutes, canaryBakeTimeInMinutes (whole
 * minutes 0-1440), stepPercent (a multiple of 0.1 from 3.0 to 100.0), canaryPercent (a multiple
 * of 0.1 from 0.1 to 100.0), timeoutInMinutes (a hook's, whole minutes 1-20160). 1 yes, 0 no,
 * -1 not one of these fields. API_DeploymentConfiguration, API_LinearConfiguration,
 * API_CanaryConfiguration, API_DeploymentLifecycleHookTimeoutConfiguration.
 */
int sim_deploy_limit_ok(const char *field, double value);

/* ---- rollout arithmetic ----------------------------------------------------------------------- */

/* Circuit-breaker failure threshold: ceil(0.5 * desired) clamped to [min_threshold, 200]. */
int sim_breaker_threshold(int desired, int min_threshold);
/* Upper bound of tasks during a deployment: floor(desired * maximumPercent / 100). */
int sim_rollout_max_tasks(int desired, int maximum_percent);
/* Lower bound of healthy tasks: ceil(desired * minimumHealthyPercent / 100). */
int sim_rollout_min_healthy(int desired, int minimum_healthy_percent);

/*
 * One scheduler step of a rolling update: given the counts now, how many old tasks may be
 * stopped and how many new tasks started. old_healthy/old_unhealthy are the old deployments'
 * tasks still wanted; new_active are the primary's tasks wanted (any state); healthy_total
 * counts every healthy task.
 */
struct sim_rollout_step {
	int stop_unhealthy_old; /* old tasks not (yet) healthy: always stoppable */
	int stop_healthy_old;   /* healthy old tasks that may go without breaking min healthy */
	int start_new;          /* new tasks to launch */
};
void sim_rollout_plan(int desired, int min_pct, int max_pct, int old_healthy, int old_unhealthy,
		      int new_active, int new_healthy, int launch_allowed, struct sim_rollout_step *out);

#endif
