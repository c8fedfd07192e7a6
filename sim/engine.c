/*
 * engine.c: ecship-sim's deployment dynamics: the task lifecycle (PROVISIONING .. STOPPED),
 * target registration and health checks, the rolling-update scheduler bounded by minimum
 * healthy / maximum percent, the circuit breaker and its rollback, and service events worded
 * as ECS words them. Time only moves through sim_advance, event by event in simulated-time
 * order, so a run is repeatable for a given seed and request sequence. Lock held throughout.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim.h"

#define EPS 0.001

static void set_str(char **dst, const char *v)
{
	ship_free(*dst);
	*dst = ship_strdup(v);
}

static struct sim_deployment *primary_of(struct sim_service *svc)
{
	return (svc->deployments && svc->deployments->primary) ? svc->deployments : NULL;
}

int sim_task_healthy(const struct sim_task *t)
{
	return t->want_running && t->phase == SIM_RUNNING && t->stable;
}

/* "21/Nov/2023:10:15:32 +0000" for access-log lines */
static void clf_time(double at, char *out, size_t n)
{
	time_t tt = (time_t)at;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, n, "%d/%b/%Y:%H:%M:%S +0000", &tm);
}

static void iso_time(double at, char *out, size_t n)
{
	time_t tt = (time_t)at;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S +0000", &tm);
}

/* ---- container definition helpers -------------------------------------------------------------- */

static json_t *container_def(struct sim_taskdef *td, const char *name)
{
	json_t *cs = json_object_get(td->def, "containerDefinitions"), *c;
	size_t i;
	json_array_foreach(cs, i, c)
	{
		if (!name || strcmp(json_string_value(json_object_get(c, "name")) ?: "", name) == 0)
			return c;
	}
	return NULL;
}

/* An environment variable of the task's main container, overrides first. */
static const char *task_env(struct sim_task *t, const char *key)
{
	json_t *ov = json_object_get(t->overrides, "containerOverrides"), *o, *e;
	size_t i, j;
	json_array_foreach(ov, i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "name")) ?: "", t->main_container) != 0)
			continue;
		json_array_foreach(json_object_get(o, "environment"), j, e)
		if (strcmp(json_string_value(json_object_get(e, "name")) ?: "", key) == 0)
			return json_string_value(json_object_get(e, "value"));
	}
	json_t *c = container_def(t->td, t->main_container);
	json_array_foreach(json_object_get(c, "environment"), j, e)
	if (strcmp(json_string_value(json_object_get(e, "name")) ?: "", key) == 0)
		return json_string_value(json_object_get(e, "value"));
	return NULL;
}

/* The command a one-off task runs, joined with spaces. */
static void task_command(struct sim_task *t, struct ship_buf *out)
{
	json_t *cmd = NULL, *o, *v;
	size_t i;
	json_array_foreach(json_object_get(t->overrides, "containerOverrides"), i, o)
	if (strcmp(json_string_value(json_object_get(o, "name")) ?: "", t->main_container) == 0 &&
	    json_object_get(o, "command"))
		cmd = json_object_get(o, "command");
	if (!cmd)
		cmd = json_object_get(container_def(t->td, t->main_container), "command");
	json_array_foreach(cmd, i, v)
	{
		if (i)
			ship_buf_addch(out, ' ');
		ship_buf_adds(out, json_string_value(v) ?: "");
	}
}

/* ---- logs a believable app writes ---------------------------------------------------------------- */

static void log_startup(struct sim *s, struct sim_task *t)
{
	double at = s->now;
	char ts[40];
	iso_time(at, ts, sizeof(ts));
	int port = t->port ? t->port : 8000;
	if (!t->service) {
		struct ship_buf cmd = SHIP_BUF_INIT(1024);
		task_command(t, &cmd);
		if (strstr(cmd.data, "migrate")) {
			sim_task_log(s, t, at + 0.4, "Operations to perform:");
			sim_task_log(s, t, at + 0.4, "  Apply all migrations: admin, auth, contenttypes, sessions");
			sim_task_log(s, t, at + 0.9, "Running migrations:");
		} else {
			sim_task_log(s, t, at + 0.2, "running: %s", cmd.len ? cmd.data : "(image default command)");
		}
		ship_buf_release(&cmd);
		return;
	}
	switch (t->behavior.kind) {
	case SIM_B_DJANGO:
	case SIM_B_UNHEALTHY:
		sim_task_log(s, t, at + 0.3, "[%s] [1] [INFO] Starting gunicorn 21.2.0", ts);
		sim_task_log(s, t, at + 0.3, "[%s] [1] [INFO] Listening at: http://0.0.0.0:%d (1)", ts, port);
		sim_task_log(s, t, at + 0.3, "[%s] [1] [INFO] Using worker: sync", ts);
		sim_task_log(s, t, at + 0.4, "[%s] [7] [INFO] Booting worker with pid: 7", ts);
		break;
	case SIM_B_SLOW_START:
		sim_task_log(s, t, at + 0.2, "waiting for dependencies before serving (warm-up %d s)", t->behavior.code);
		break;
	case SIM_B_EXIT:
		sim_task_log(s, t, at + 0.2, "starting application");
		break;
	default:
		sim_task_log(s, t, at + 0.2, "starting application");
		sim_task_log(s, t, at + 1.0, "listening on 0.0.0.0:%d", port);
		break;
	}
}

static void log_traceback(struct sim *s, struct sim_task *t, int code)
{
	double at = s->now - 0.2;
	sim_task_log(s, t, at, "Traceback (most recent call last):");
	sim_task_log(s, t, at, "  File \"/app/manage.py\", line 22, in <module>");
	sim_task_log(s, t, at, "    main()");
	sim_task_log(s, t, at, "  File \"/app/config/settings.py\", line 31, in <module>");
	sim_task_log(s, t, at, "    DATABASES = {\"default\": env.db(\"DATABASE_URL\")}");
	sim_task_log(s, t, at, "  File \"/usr/local/lib/python3.12/os.py\", line 714, in __getitem__");
	sim_task_log(s, t, at, "    raise KeyError(key) from None");
	sim_task_log(s, t, at, "KeyError: 'DATABASE_URL'");
	if (code != 1)
		sim_task_log(s, t, at + 0.1, "exiting with status %d", code);
}

/* ---- stopping ------------------------------------------------------------------------------------ */

static void trip_breaker(struct sim *s, struct sim_service *svc, struct sim_deployment *d);

/* Behaviours that keep a task from ever reaching RUNNING. */
static int start_fails(enum sim_behavior_kind k)
{
	return k == SIM_B_PULL_ERROR || k == SIM_B_PULL_DENIED || k == SIM_B_SECRET_ERROR || k == SIM_B_NO_LOG_GROUP;
}

/* A duration drawn from the profile's range: today's quick pace, or ECS's (docs/sim.md). */
static double span(struct sim *s, double fast_lo, double fast_hi, double ecs_lo, double ecs_hi)
{
	if (s->cfg.timing == SIM_TIMING_FAST)
		return sim_uniform(s, fast_lo, fast_hi);
	return sim_uniform(s, ecs_lo, ecs_hi);
}

/*
 * Service throttle logic: tasks of a service that fail to start (never reach RUNNING) make the
 * scheduler wait longer and longer between launch attempts, up to 15 minutes, with the event
 * "(service S) is unable to consistently start tasks successfully."; tasks stopped after they
 * reached RUNNING do not start it. https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-throttle-logic.html
 * ECS publishes the cap, not the steps: the first delay (backoff_base, 150 s) doubles per failure.
 */
static void throttle_start_failure(struct sim *s, struct sim_service *svc)
{
	if (!svc || s->cfg.backoff_base <= 0)
		return;
	svc->start_failures++;
	double delay = s->cfg.backoff_base;
	for (int i = 1; i < svc->start_failures && delay < s->cfg.backoff_max; i++)
		delay *= 2;
	if (delay > s->cfg.backoff_max)
		delay = s->cfg.backoff_max;
	svc->launch_after = s->now + delay;
	sim_event_add(s, svc, "(service %s) is unable to consistently start tasks successfully.", svc->name);
}

static void count_failure(struct sim *s, struct sim_task *t)
{
	if (!t->service || t->failed_counted)
		return;
	t->failed_counted = 1;
	/* Counted in both of the breaker's stages: tasks that never reach RUNNING (stage 1) and
	 * tasks that fail their health checks or exit once RUNNING (stage 2), until the
	 * deployment completes. https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html */
	struct sim_deployment *d = sim_deployment_find(t->service, t->dep_id);
	if (!d || !d->primary || d->rollout != SIM_RO_IN_PROGRESS)
		return;
	d->failed++;
	d->updated_at = s->now;
	if (t->service->breaker && d->failed >= sim_breaker_threshold(t->service->desired, s->cfg.breaker_min))
		trip_breaker(s, t->service, d);
}

void sim_task_stop(struct sim *s, struct sim_task *t, const char *stop_code, const char *reason)
{
	if (!t->want_running)
		return;
	t->want_running = 0;
	t->version++;
	t->stopping_at = s->now;
	if (!t->stop_code)
		set_str(&t->stop_code, stop_code);
	if (!t->stopped_reason)
		set_str(&t->stopped_reason, reason);
	t->exit_at = t->check_at = t->stable_at = t->hc_at = 0;
	if (t->target != SIM_TG_NONE) {
		t->phase = SIM_DEACTIVATING;
		t->target = SIM_TG_DRAINING;
		t->phase_at = s->now + sim_service_tg(s, t->service).drain + EPS;
		if (t->service) {
			/* ECS's order: the target is deregistered, then the task set drains its connections
			 * ("(service S, taskSet ecs-svc/N) has begun draining connections on 1 tasks.") */
			sim_event_add(s, t->service, "(service %s) deregistered 1 targets in (target-group %s)",
				      t->service->name, t->tg_arn);
			sim_event_add(s, t->service, "(service %s, taskSet %s) has begun draining connections on 1 tasks.",
				      t->service->name, t->dep_id);
		}
	} else {
		t->phase = t->phase <= SIM_PENDING ? SIM_DEPROVISIONING : SIM_STOPPING;
		t->phase_at = s->now + sim_uniform(s, 1, 4);
	}
}

static void task_fail(struct sim *s, struct sim_task *t, const char *stop_code, const char *reason)
{
	sim_task_stop(s, t, stop_code, reason);
	count_failure(s, t);
}

static void mark_stable(struct sim *s, struct sim_task *t)
{
	if (t->stable)
		return;
	t->stable = 1;
	if (!t->service)
		return;
	struct sim_deployment *d = sim_deployment_find(t->service, t->dep_id);
	if (d && d->rollout == SIM_RO_IN_PROGRESS && d->failed) {
		/* resetOnHealthyTask (default true): "a task that reaches a healthy state resets the
		 * failure count to 0"; the breaker keeps counting until the deployment completes.
		 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html */
		d->failed = 0;
		d->updated_at = s->now;
	}
}

/* ---- health checks ------------------------------------------------------------------------------- */

/*
 * HTTP status the app answers a health check with (0: no answer yet, or none within `timeout`
 * seconds: the target group's HealthCheckTimeoutSeconds, "the amount of time during which no
 * response from a target means a failed health check" (botocore's ELBv2 CreateTargetGroup), or
 * the container healthCheck's `timeout`, "the time period in seconds to wait for a health check
 * to succeed before it is considered a failure" (API_HealthCheck)).
 */
static int probe(struct sim *s, struct sim_task *t, const char *host, int log, double timeout)
{
	if (s->now < t->ready_at)
		return 0;
	int code;
	switch (t->behavior.kind) {
	case SIM_B_SLOW_HEALTH:
		if (t->behavior.code > timeout) {
			if (log && t->checks < 6)
				sim_task_log(s, t, s->now, "[WARNING] health check from %s still running after %.0f s "
							   "(the app answers after %d s)", host, timeout, t->behavior.code);
			return 0;
		}
		code = 200;
		break;
	case SIM_B_UNHEALTHY:
		code = t->behavior.code;
		break;
	case SIM_B_DJANGO: {
		const char *debug = task_env(t, "DEBUG");
		int dbg = debug && (strcmp(debug, "1") == 0 || ship_strcasecmp(debug, "true") == 0);
		code = sim_django_host_allowed(task_env(t, "ALLOWED_HOSTS"), host, dbg) ? 200 : 400;
		break;
	}
	case SIM_B_FAIL_AFTER: /* healthy, then its dependency goes away */
		code = s->now < t->started_at + t->behavior.code ? 200 : 503;
		break;
	case SIM_B_EXIT:
	case SIM_B_PULL_ERROR:
	case SIM_B_PULL_DENIED:
	case SIM_B_SECRET_ERROR:
	case SIM_B_NO_LOG_GROUP:
		return 0;
	default:
		code = 200;
	}
	if (log && t->checks < 6) {
		char ts[40], its[40];
		clf_time(s->now, ts, sizeof(ts));
		iso_time(s->now, its, sizeof(its));
		if (code == 400 && t->behavior.kind == SIM_B_DJANGO) {
			struct ship_buf m = SHIP_BUF_INIT(1024);
			sim_django_reject_message(host, &m);
			sim_task_log(s, t, s->now, "%s", m.data);
			sim_task_log(s, t, s->now, "Bad Request: /");
			ship_buf_release(&m);
		} else if (code >= 500) {
			sim_task_log(s, t, s->now, "[%s] [7] [ERROR] health check failed: could not connect to "
						   "server: Connection refused (database at db:5432)", its);
		}
		sim_task_log(s, t, s->now, "10.0.0.%d - - [%s] \"GET / HTTP/1.1\" %d %d \"-\" \"ELB-HealthChecker/2.0\"",
			     (int)(t->ip[7] % 200) + 20, ts, code, code == 200 ? 2 : 143);
	}
	return code;
}

static void schedule_check(struct sim *s, struct sim_task *t)
{
	int agent = s->cfg.timing == SIM_TIMING_ECS; /* container checks run on their own timer */
	if (t->want_running && (t->tg_arn || (t->has_hc && !agent)))
		t->check_at = s->now + (t->tg_arn ? sim_service_tg(s, t->service).interval : s->cfg.health_interval);
}

static int evaluate_health(struct sim *s, struct sim_task *t);

/*
 * ECS timing: the container health check as the agent runs it (Docker's HEALTHCHECK): every
 * `interval` seconds, a probe with no answer within `timeout` fails, UNHEALTHY after `retries`
 * failures in a row, failures inside `startPeriod` not counted, HEALTHY at the first success.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
 */
static void container_check(struct sim *s, struct sim_task *t)
{
	if (!t->want_running || t->phase != SIM_RUNNING)
		return;
	int code = probe(s, t, t->hc_host ? t->hc_host : "localhost", t->target == SIM_TG_NONE, t->hc_timeout);
	if (code == 200) {
		t->health = SIM_H_HEALTHY;
		t->hc_fails = 0;
	} else if (s->now >= t->started_at + t->hc_start_period) {
		if (++t->hc_fails >= t->hc_retries)
			t->health = SIM_H_UNHEALTHY;
	}
	if (t->target == SIM_TG_NONE)
		t->last_code = code;
	if (evaluate_health(s, t))
		return;
	t->hc_at = s->now + t->hc_interval;
}

static void health_check(struct sim *s, struct sim_task *t)
{
	if (!t->want_running || (t->phase != SIM_RUNNING && t->phase != SIM_ACTIVATING))
		return;
	char host[80];
	int code = 0;
	if (t->target != SIM_TG_NONE) {
		struct sim_tg_params tg = sim_service_tg(s, t->service);
		if (s->now < t->registered_until) { /* Elb.RegistrationInProgress: no checks yet */
			t->check_at = t->registered_until;
			return;
		}
		snprintf(host, sizeof(host), "%s:%d", t->ip, t->port);
		code = probe(s, t, host, 1, tg.timeout);
		if (code == 200) {
			t->passes++;
			t->fails = 0;
			/* "For newly registered targets, regardless of the healthy threshold count setting,
			 * only one successful health check is required for the target to be considered
			 * healthy" (ECS developer guide, "Optimize load balancer health check parameters");
			 * the threshold applies to a target recovering from unhealthy */
			if (t->passes >= tg.healthy || (t->target == SIM_TG_INITIAL && s->cfg.timing == SIM_TIMING_ECS))
				t->target = SIM_TG_HEALTHY;
		} else {
			t->fails++;
			t->passes = 0;
			if (t->fails >= tg.unhealthy)
				t->target = SIM_TG_UNHEALTHY;
		}
		t->last_code = code;
	}
	if (t->has_hc && t->phase == SIM_RUNNING && s->cfg.timing == SIM_TIMING_FAST) {
		snprintf(host, sizeof(host), "%s", t->hc_host ? t->hc_host : "localhost");
		int c2 = probe(s, t, host, t->target == SIM_TG_NONE, t->hc_timeout);
		if (c2 == 200)
			t->health = SIM_H_HEALTHY;
		else if (t->checks >= 3 && s->now >= t->started_at + s->cfg.health_interval * 3)
			t->health = SIM_H_UNHEALTHY;
		if (t->target == SIM_TG_NONE)
			t->last_code = c2;
	}
	t->checks++;
	if (evaluate_health(s, t))
		return;
	schedule_check(s, t);
}

/* Healthy marks the task stable; unhealthy past the grace period stops it. 1 when stopped. */
static int evaluate_health(struct sim *s, struct sim_task *t)
{
	int healthy = (!t->tg_arn || t->target == SIM_TG_HEALTHY) && (!t->has_hc || t->health == SIM_H_HEALTHY);
	if (healthy && t->phase == SIM_RUNNING)
		mark_stable(s, t);
	int lb_bad = t->target == SIM_TG_UNHEALTHY, hc_bad = t->has_hc && t->health == SIM_H_UNHEALTHY;
	if (t->service && (lb_bad || hc_bad) && t->phase == SIM_RUNNING &&
	    s->now >= t->started_at + t->service->grace) {
		char reason[600];
		if (lb_bad) {
			char why[120];
			if (t->last_code)
				snprintf(why, sizeof(why), "Health checks failed with these codes: [%d]", t->last_code);
			else
				snprintf(why, sizeof(why), "Request timed out");
			sim_event_add(s, t->service, "(service %s) (task %s) (port %d) is unhealthy in (target-group %s) due to (reason %s).",
				      t->service->name, t->id, t->port, t->tg_arn, why);
			snprintf(reason, sizeof(reason), "Task failed ELB health checks in (target-group %s)", t->tg_arn);
		} else {
			sim_event_add(s, t->service, "(service %s) (task %s) failed container health checks.",
				      t->service->name, t->id);
			snprintf(reason, sizeof(reason), "Task failed container health checks");
		}
		sim_event_add(s, t->service, "(service %s) has stopped 1 running tasks: (task %s).", t->service->name, t->id);
		t->service->replaced_unhealthy++;
		if (s->cfg.timing == SIM_TIMING_ECS) {
			/* ECS "deregisters it and stops the task" (service throttle logic page): the task
			 * drains for the target group's deregistration delay (300 s by default), and a task
			 * that "fails any of its defined health checks and is stopped" is a failed task
			 * (API_Deployment, failedTasks): the breaker counts it once it has STOPPED. The
			 * replacement starts at once (maximumPercent allowing). */
			sim_task_stop(s, t, "ServiceSchedulerInitiated", reason);
			t->fail_when_stopped = 1;
		} else {
			task_fail(s, t, "ServiceSchedulerInitiated", reason);
		}
		return 1;
	}
	return 0;
}

/* ---- lifecycle ------------------------------------------------------------------------------------ */

static void go_running(struct sim *s, struct sim_task *t)
{
	t->phase = SIM_RUNNING;
	t->version++;
	t->started_at = s->now;
	if (t->behavior.kind == SIM_B_SLOW_START)
		t->ready_at = s->now + t->behavior.code;
	else
		t->ready_at = s->now + sim_uniform(s, 1, 4);
	log_startup(s, t);
	if (t->behavior.kind == SIM_B_SLOW_START)
		sim_task_log(s, t, t->ready_at, "application startup complete; listening on 0.0.0.0:%d", t->port ? t->port : 8000);
	if (!t->service)
		t->exit_at = s->now + sim_uniform(s, 4, 12);
	else if (t->behavior.kind == SIM_B_EXIT)
		t->exit_at = s->now + sim_uniform(s, 2, 8);
	if (t->has_hc && s->cfg.timing == SIM_TIMING_ECS)
		t->hc_at = s->now + t->hc_interval; /* the first check after one interval */
	else if (t->has_hc && !t->check_at)
		t->check_at = s->now + sim_uniform(s, 2, 5);
	if (t->service)
		t->service->start_failures = 0; /* it reached RUNNING: the throttle starts over */
	if (!t->tg_arn && !t->has_hc)
		t->stable_at = s->now + s->cfg.stable_seconds;
}

static void container_exit(struct sim *s, struct sim_task *t)
{
	int code = 0;
	if (t->behavior.kind == SIM_B_EXIT)
		code = t->behavior.code;
	t->exit_code = code;
	t->has_exit = 1;
	t->execution_stopped_at = s->now;
	if (code != 0) {
		log_traceback(s, t, code);
	} else if (!t->service) {
		struct ship_buf cmd = SHIP_BUF_INIT(1024);
		task_command(t, &cmd);
		if (strstr(cmd.data, "migrate")) {
			sim_task_log(s, t, s->now - 1, "  Applying contenttypes.0001_initial... OK");
			sim_task_log(s, t, s->now - 0.5, "  Applying auth.0001_initial... OK");
		} else {
			sim_task_log(s, t, s->now - 0.2, "done");
		}
		ship_buf_release(&cmd);
	}
	if (t->service)
		task_fail(s, t, "EssentialContainerExited", "Essential container in task exited");
	else
		sim_task_stop(s, t, "EssentialContainerExited", "Essential container in task exited");
}

/*
 * Why a task never started, in the words of the developer guide's "Amazon ECS stopped task
 * error messages" (CannotPullContainerError, ResourceInitializationError):
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html
 */
static void start_failure_reason(struct sim *s, struct sim_task *t, char *out, size_t n)
{
	json_t *c = container_def(t->td, t->main_container);
	const char *image = json_string_value(json_object_get(c, "image")) ?: "";
	char host[256];
	size_t hl = strcspn(image, "/");
	snprintf(host, sizeof(host), "%.*s", (int)(image[hl] && strchr(image, '.') && memchr(image, '.', hl) ? hl : 0),
		 image);
	if (t->init_reason) {
		snprintf(out, n, "%s", t->init_reason);
		return;
	}
	switch (t->behavior.kind) {
	case SIM_B_PULL_DENIED:
		snprintf(out, n,
			 "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref %s: "
			 "pulling from host %s failed with status code [manifests %s]: 403 Forbidden",
			 image, host[0] ? host : "registry-1.docker.io", strrchr(image, ':') ? strrchr(image, ':') + 1 : "latest");
		break;
	case SIM_B_SECRET_ERROR: {
		json_t *sec = json_array_get(json_object_get(c, "secrets"), 0);
		const char *from = json_string_value(json_object_get(sec, "valueFrom"));
		char secret[300];
		if (from)
			snprintf(secret, sizeof(secret), "%s", from);
		else
			snprintf(secret, sizeof(secret), "arn:aws:secretsmanager:%s:%s:secret:app", s->region, s->account);
		snprintf(out, n,
			 "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
			 "failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch "
			 "secret %s from secrets manager: AccessDeniedException: User: arn:aws:sts::%s:assumed-role/"
			 "ecsTaskExecutionRole/%s is not authorized to perform: secretsmanager:GetSecretValue on resource: %s "
			 "because no identity-based policy allows the secretsmanager:GetSecretValue action",
			 secret, s->account, t->id, secret);
		break;
	}
	case SIM_B_NO_LOG_GROUP:
		snprintf(out, n,
			 "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: "
			 "failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not "
			 "exist. : exit status 1");
		break;
	default:
		snprintf(out, n,
			 "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref %s: %s: not found",
			 image, image);
	}
}

static void phase_step(struct sim *s, struct sim_task *t)
{
	t->version++;
	switch (t->phase) {
	case SIM_PROVISIONING:
		t->phase = SIM_PENDING;
		t->connectivity_at = s->now;
		t->pull_started_at = s->now;
		if (start_fails(t->behavior.kind)) /* the agent retries the pull before giving up */
			t->phase_at = s->now + span(s, 5, 12, 30, 60);
		else if (t->behavior.kind == SIM_B_SLOW_START)
			t->phase_at = s->now + span(s, 15, 30, 20, 45);
		else
			t->phase_at = s->now + span(s, 4, 12, 10, 30);
		break;
	case SIM_PENDING:
		t->phase_at = 0;
		if (start_fails(t->behavior.kind)) {
			char reason[1400];
			start_failure_reason(s, t, reason, sizeof(reason));
			if (t->behavior.kind == SIM_B_PULL_ERROR || t->behavior.kind == SIM_B_PULL_DENIED)
				set_str(&t->container_reason, reason);
			if (t->service) {
				task_fail(s, t, "TaskFailedToStart", reason);
				throttle_start_failure(s, t->service);
			} else
				sim_task_stop(s, t, "TaskFailedToStart", reason);
			break;
		}
		t->pull_stopped_at = s->now;
		if (t->tg_arn) {
			t->phase = SIM_ACTIVATING;
			t->target = SIM_TG_INITIAL;
			t->phase_at = s->now + sim_uniform(s, 2, 4);
			t->registered_until = s->now + s->cfg.register_seconds;
			if (s->cfg.timing == SIM_TIMING_ECS) /* Elb.RegistrationInProgress, then
								 * Elb.InitialHealthChecking: the first check one
								 * interval later (the sim's choice) */
				t->check_at = t->registered_until + sim_service_tg(s, t->service).interval;
			else
				t->check_at = s->now + sim_uniform(s, 3, s->cfg.health_interval);
			t->ready_at = 1e18; /* container still starting */
			if (t->service)
				sim_event_add(s, t->service, "(service %s) registered 1 targets in (target-group %s)",
					      t->service->name, t->tg_arn);
		} else {
			go_running(s, t);
		}
		break;
	case SIM_ACTIVATING:
		t->phase_at = 0;
		go_running(s, t);
		break;
	case SIM_DEACTIVATING:
		t->target = SIM_TG_NONE;
		t->phase = SIM_STOPPING;
		t->phase_at = s->now + sim_uniform(s, 1, 4);
		break;
	case SIM_STOPPING:
		if (!t->execution_stopped_at)
			t->execution_stopped_at = s->now;
		if (!t->has_exit && t->started_at) {
			char ts[40];
			iso_time(s->now, ts, sizeof(ts));
			t->has_exit = 1;
			t->exit_code = 0;
			if (t->behavior.kind == SIM_B_DJANGO || t->behavior.kind == SIM_B_UNHEALTHY) {
				sim_task_log(s, t, s->now, "[%s] [1] [INFO] Handling signal: term", ts);
				sim_task_log(s, t, s->now, "[%s] [7] [INFO] Worker exiting (pid: 7)", ts);
				sim_task_log(s, t, s->now, "[%s] [1] [INFO] Shutting down: Master", ts);
			} else {
				sim_task_log(s, t, s->now, "received SIGTERM, shutting down");
			}
		}
		t->phase = SIM_DEPROVISIONING;
		t->phase_at = s->now + sim_uniform(s, 2, 5);
		break;
	case SIM_DEPROVISIONING:
		if (!t->execution_stopped_at)
			t->execution_stopped_at = s->now;
		t->phase = SIM_STOPPED;
		t->phase_at = 0;
		t->stopped_at = s->now;
		s->nlive--;
		s->nstopped++;
		if (t->fail_when_stopped)
			count_failure(s, t);
		break;
	default:
		t->phase_at = 0;
	}
}

static double next_due(const struct sim_task *t)
{
	double m = 0;
	const double v[5] = {t->phase_at, t->exit_at, t->check_at, t->stable_at, t->hc_at};
	for (int i = 0; i < 5; i++)
		if (v[i] > 0 && (m == 0 || v[i] < m))
			m = v[i];
	return m;
}

static void process_due(struct sim *s, struct sim_task *t)
{
	if (t->phase_at && t->phase_at <= s->now) {
		t->phase_at = 0;
		phase_step(s, t);
	}
	if (t->exit_at && t->exit_at <= s->now) {
		t->exit_at = 0;
		if (t->want_running && t->phase == SIM_RUNNING)
			container_exit(s, t);
	}
	if (t->check_at && t->check_at <= s->now) {
		t->check_at = 0;
		health_check(s, t);
	}
	if (t->hc_at && t->hc_at <= s->now) {
		t->hc_at = 0;
		container_check(s, t);
	}
	if (t->stable_at && t->stable_at <= s->now) {
		t->stable_at = 0;
		if (t->want_running && t->phase == SIM_RUNNING)
			mark_stable(s, t);
	}
}

/* ---- starting tasks -------------------------------------------------------------------------------- */

static void pick_network(struct sim *s, struct sim_task *t, json_t *network)
{
	json_t *subnets = json_object_get(json_object_get(network, "awsvpcConfiguration"), "subnets");
	size_t n = json_array_size(subnets);
	int idx = n ? (int)(sim_rand(s) % n) : (int)(sim_rand(s) % 2);
	const char *subnet = n ? json_string_value(json_array_get(subnets, (size_t)idx)) : NULL;
	if (subnet)
		snprintf(t->subnet, sizeof(t->subnet), "%s", subnet);
	else
		snprintf(t->subnet, sizeof(t->subnet), "subnet-0%016llx", (unsigned long long)(sim_rand(s) >> 4));
	snprintf(t->ip, sizeof(t->ip), "10.0.%d.%d", 10 + idx % 4, (int)(sim_rand(s) % 240) + 10);
	snprintf(t->az, sizeof(t->az), "%s%c", s->region, idx % 2 ? 'c' : 'a');
	snprintf(t->eni, sizeof(t->eni), "eni-0%016llx", (unsigned long long)(sim_rand(s) >> 4));
	uint64_t m = sim_rand(s);
	snprintf(t->mac, sizeof(t->mac), "0a:%02x:%02x:%02x:%02x:%02x", (unsigned)(m & 0xff), (unsigned)((m >> 8) & 0xff),
		 (unsigned)((m >> 16) & 0xff), (unsigned)((m >> 24) & 0xff), (unsigned)((m >> 32) & 0xff));
	sim_uuid(s, t->attachment);
}

/* Host of the first http URL in a health-check command ("curl -f http://localhost:8000/health"). */
static char *hc_host_of(json_t *hc, int port)
{
	json_t *v;
	size_t i;
	char buf[128];
	json_array_foreach(json_object_get(hc, "command"), i, v)
	{
		const char *p = strstr(json_string_value(v) ?: "", "://");
		if (!p)
			continue;
		p += 3;
		size_t n = strcspn(p, "/ '\"");
		if (n && n < sizeof(buf)) {
			memcpy(buf, p, n);
			buf[n] = '\0';
			return ship_strdup(buf);
		}
	}
	snprintf(buf, sizeof(buf), "localhost:%d", port ? port : 8000);
	return ship_strdup(buf);
}

static int behavior_rank(enum sim_behavior_kind k)
{
	return start_fails(k) ? 3 : k == SIM_B_EXIT ? 2 : 0;
}

struct sim_task *sim_task_start(struct sim *s, struct sim_cluster *c, struct sim_service *svc,
				struct sim_deployment *d, struct sim_taskdef *td, json_t *overrides,
				json_t *network, const char *started_by, const char *group,
				const char *launch_type)
{
	if (s->nlive >= SIM_MAX_LIVE_TASKS)
		return NULL;
	struct sim_task *t = ship_calloc(1, sizeof(*t));
	struct ship_buf b = SHIP_BUF_INIT(4096);
	if (!t)
		return NULL;
	sim_hexid(s, t->id);
	ship_buf_addf(&b, "arn:aws:ecs:%s:%s:task/%s/%s", s->region, s->account, c->name, t->id);
	t->arn = ship_buf_detach(&b, NULL);
	t->cluster = c;
	t->service = svc;
	t->td = td;
	if (d)
		snprintf(t->dep_id, sizeof(t->dep_id), "%s", d->id);
	/* the main container: the load balancer's, else the first essential one */
	json_t *lb = svc ? json_array_get(svc->load_balancers, 0) : NULL;
	const char *lb_container = json_string_value(json_object_get(lb, "containerName"));
	json_t *main = lb_container ? container_def(td, lb_container) : NULL, *cd;
	size_t i;
	if (!main)
		json_array_foreach(json_object_get(td->def, "containerDefinitions"), i, cd)
		if (!main && !json_is_false(json_object_get(cd, "essential")))
			main = cd;
	if (!main)
		main = container_def(td, NULL);
	t->main_container = ship_strdup(json_string_value(json_object_get(main, "name")) ?: "app");
	t->behavior = sim_behavior_for(s, json_string_value(json_object_get(main, "image")));
	json_array_foreach(json_object_get(td->def, "containerDefinitions"), i, cd)
	{
		if (json_is_false(json_object_get(cd, "essential")))
			continue;
		struct sim_behavior other = sim_behavior_for(s, json_string_value(json_object_get(cd, "image")));
		if (behavior_rank(other.kind) > behavior_rank(t->behavior.kind))
			t->behavior = other;
	}
	if (td->missing_kind != SIM_B_OK && td->missing_reason) {
		/* the upstream lacks a log group or secret it names: fails before any image rule */
		t->behavior.kind = td->missing_kind;
		t->behavior.code = 0;
		set_str(&t->init_reason, td->missing_reason);
	}
	pick_network(s, t, network);
	if (lb && json_string_value(json_object_get(lb, "targetGroupArn"))) {
		/* a blue/green deployment's tasks register in the target group it chose (strategies.c) */
		t->tg_arn = ship_strdup(d && d->tg_arn[0] ? d->tg_arn : json_string_value(json_object_get(lb, "targetGroupArn")));
		t->port = (int)json_integer_value(json_object_get(lb, "containerPort"));
	} else {
		json_t *pm = json_array_get(json_object_get(main, "portMappings"), 0);
		t->port = (int)json_integer_value(json_object_get(pm, "containerPort"));
	}
	json_t *hc = json_object_get(main, "healthCheck");
	if (json_array_size(json_object_get(hc, "command")) > 0) {
		/* defaults: interval 30, timeout 5, retries 3, startPeriod 0 (API_HealthCheck) */
		json_t *v;
		t->has_hc = 1;
		t->hc_host = hc_host_of(hc, t->port);
		t->hc_interval = (v = json_object_get(hc, "interval")) ? (double)json_integer_value(v) : 30;
		t->hc_timeout = (v = json_object_get(hc, "timeout")) ? (double)json_integer_value(v) : 5;
		t->hc_retries = (v = json_object_get(hc, "retries")) ? (int)json_integer_value(v) : 3;
		t->hc_start_period = (v = json_object_get(hc, "startPeriod")) ? (double)json_integer_value(v) : 0;
		if (t->hc_interval < 1)
			t->hc_interval = 30;
		if (t->hc_retries < 1)
			t->hc_retries = 3;
	}
	json_t *logc = json_object_get(main, "logConfiguration");
	if (strcmp(json_string_value(json_object_get(logc, "logDriver")) ?: "", "awslogs") == 0) {
		json_t *opts = json_object_get(logc, "options");
		const char *grp = json_string_value(json_object_get(opts, "awslogs-group"));
		const char *prefix = json_string_value(json_object_get(opts, "awslogs-stream-prefix"));
		if (grp) {
			t->log_group = ship_strdup(grp);
			if (prefix)
				ship_buf_addf(&b, "%s/%s/%s", prefix, t->main_container, t->id);
			else
				ship_buf_addf(&b, "%s/%s", t->main_container, t->id);
			t->log_stream = ship_buf_detach(&b, NULL);
		}
	}
	t->overrides = overrides ? json_deep_copy(overrides) : json_pack("{s:[]}", "containerOverrides");
	t->tags = json_array();
	t->started_by = started_by ? ship_strdup(started_by) : NULL;
	t->group = ship_strdup(group);
	t->launch_type = ship_strdup(launch_type ? launch_type : "FARGATE");
	t->phase = SIM_PROVISIONING;
	t->want_running = 1;
	t->version = 1;
	t->created_at = s->now;
	t->phase_at = s->now + span(s, 2, 6, 10, 30);
	if (!t->arn || !t->main_container || !t->overrides || !t->tags || !t->group || !t->launch_type) {
		sim_task_free(t);
		return NULL;
	}
	if (s->tasks_tail)
		s->tasks_tail->next = t;
	else
		s->tasks = t;
	s->tasks_tail = t;
	if (svc) {
		if (svc->tasks_tail)
			svc->tasks_tail->svc_next = t;
		else
			svc->tasks = t;
		svc->tasks_tail = t;
	}
	s->nlive++;
	return t;
}

/* ---- the scheduler --------------------------------------------------------------------------------- */

/*
 * The breaker trips: the deployment goes FAILED and launches stop. With rollback, "it looks for
 * the most recent deployment that is in a COMPLETED state ... When the rollback starts, the
 * deployment changes from a COMPLETED to IN_PROGRESS. This means that the deployment is not
 * eligible for another rollback until it reaches a COMPLETED state. When the deployment circuit
 * breaker does not find a deployment that is in a COMPLETED state, the circuit breaker does not
 * launch new tasks and the deployment is stalled."
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
 * So the rollback is the last COMPLETED deployment itself, under its own id, and its tasks that
 * still run keep serving; a failing rollback has nothing COMPLETED left and stalls.
 */
/*
 * A rollback goes back to the service revision, not only its task definition: "Amazon ECS uses
 * the last successful service revision for the rollback", and a service revision holds the
 * network configuration and the load balancers besides the task definition (the service's
 * health-check grace period and deployment configuration are not in it, and stay as they are).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-revision.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-revision-property.html
 */
static void restore_revision(struct sim_service *svc, struct sim_deployment *back)
{
	const json_t *doc = NULL;
	for (struct sim_rev *r = svc->revs; r && !doc; r = r->next)
		if (strcmp(r->arn, back->rev_arn) == 0)
			doc = r->doc;
	json_t *net = doc ? json_object_get(doc, "networkConfiguration") : NULL;
	json_t *lbs = doc ? json_object_get(doc, "loadBalancers") : NULL;
	if (doc) {
		json_decref(back->network);
		back->network = net ? json_deep_copy(net) : NULL;
	}
	if (doc || back->network) {
		json_decref(svc->network);
		svc->network = back->network ? json_deep_copy(back->network) : NULL;
	}
	if (lbs) {
		json_decref(svc->load_balancers);
		svc->load_balancers = json_deep_copy(lbs);
	}
}

/* The last COMPLETED deployment back as PRIMARY, IN_PROGRESS, under its own id; NULL when none. */
static struct sim_deployment *reactivate_last_completed(struct sim *s, struct sim_service *svc, struct sim_deployment *d)
{
	if (!svc->last_completed_td || !svc->last_completed_id[0] || d != primary_of(svc) ||
	    strcmp(svc->last_completed_id, d->id) == 0)
		return NULL;
	struct sim_deployment *back = NULL, **pp;
	for (pp = &svc->deployments; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->id, svc->last_completed_id) == 0) {
			back = *pp;
			*pp = back->next; /* unlinked; goes back in front below */
			break;
		}
	}
	if (!back) {
		/* its tasks are all gone, its record is not: the same id comes back */
		back = ship_calloc(1, sizeof(*back));
		if (!back)
			return NULL;
		snprintf(back->id, sizeof(back->id), "%s", svc->last_completed_id);
		snprintf(back->rev_arn, sizeof(back->rev_arn), "%s", svc->last_completed_rev);
		back->td = svc->last_completed_td;
		back->created_at = svc->last_completed_created;
		back->network = svc->network ? json_deep_copy(svc->network) : NULL;
		snprintf(back->tg_arn, sizeof(back->tg_arn), "%s", svc->prod_tg);
	}
	restore_revision(svc, back);
	char reason[160];
	snprintf(reason, sizeof(reason), "ECS deployment circuit breaker: rolling back to deploymentId %s.", back->id);
	set_str(&back->reason, reason);
	back->primary = 1;
	back->desired = svc->desired;
	back->failed = 0;
	back->launch_stopped = 0;
	back->rollout = SIM_RO_IN_PROGRESS;
	back->updated_at = s->now;
	d->primary = 0;
	back->next = svc->deployments;
	svc->deployments = back;
	svc->td = back->td;
	svc->steady = 0;
	svc->last_completed_id[0] = '\0'; /* not eligible for another rollback until it completes */
	sim_event_add(s, svc, "(service %s) rolling back to deployment %s.", svc->name, back->id);
	sim_rollout_log(s, svc, back);
	return back;
}

static void fail_deployment(struct sim *s, struct sim_service *svc, struct sim_deployment *d, const char *reason)
{
	d->rollout = SIM_RO_FAILED;
	set_str(&d->reason, reason);
	d->launch_stopped = 1;
	d->updated_at = s->now;
	sim_rollout_log(s, svc, d);
}

/*
 * The breaker trips: the deployment goes FAILED and launches stop. With rollback, "it looks for
 * the most recent deployment that is in a COMPLETED state ... When the rollback starts, the
 * deployment changes from a COMPLETED to IN_PROGRESS. This means that the deployment is not
 * eligible for another rollback until it reaches a COMPLETED state. When the deployment circuit
 * breaker does not find a deployment that is in a COMPLETED state, the circuit breaker does not
 * launch new tasks and the deployment is stalled."
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
 * So the rollback is the last COMPLETED deployment itself, under its own id, and its tasks that
 * still run keep serving; a failing rollback has nothing COMPLETED left and stalls.
 */
static void trip_breaker(struct sim *s, struct sim_service *svc, struct sim_deployment *d)
{
	fail_deployment(s, svc, d, "ECS deployment circuit breaker: tasks failed to start.");
	sim_event_add(s, svc, "(service %s) (deployment %s) deployment failed: tasks failed to start.", svc->name, d->id);
	struct sim_deployment *back = svc->rollback ? reactivate_last_completed(s, svc, d) : NULL;
	sim_sdep_failed(s, svc, d, back, back ? back->reason : d->reason); /* else stalled: FAILED, PRIMARY */
}

void sim_engine_rollback(struct sim *s, struct sim_service *svc, struct sim_deployment *d, const char *reason)
{
	fail_deployment(s, svc, d, reason);
	struct sim_deployment *back = reactivate_last_completed(s, svc, d);
	sim_sdep_failed(s, svc, d, back, reason);
}

void sim_engine_fail(struct sim *s, struct sim_service *svc, struct sim_deployment *d, const char *reason)
{
	fail_deployment(s, svc, d, reason);
	sim_sdep_failed(s, svc, d, NULL, reason);
}

void sim_engine_abort(struct sim *s, struct sim_service *svc, struct sim_deployment *d)
{
	fail_deployment(s, svc, d, "ECS deployment stopped: the service deployment was aborted.");
	svc->steady = 0;
}

/* Adds " (task ID)" for each task to an event and posts it (also for strategies.c). */
void sim_engine_post_tasks(struct sim *s, struct sim_service *svc, const char *verb, struct sim_task **ts, int n)
{
	if (n <= 0)
		return;
	struct ship_buf b = SHIP_BUF_INIT(8192);
	ship_buf_addf(&b, "(service %s) %s %d %stasks:", svc->name, verb, n,
		      strcmp(verb, "has stopped") == 0 ? "running " : "");
	for (int i = 0; i < n; i++)
		ship_buf_addf(&b, " (task %s)", ts[i]->id);
	ship_buf_addch(&b, '.');
	if (!b.failed)
		sim_event_add(s, svc, "%s", b.data);
	ship_buf_release(&b);
}

/*
 * "(service S) has started N tasks: (task a). Amazon ECS replaced N tasks due to an unhealthy
 * status." when the new tasks replace ones stopped for failed health checks.
 */
static void post_started(struct sim *s, struct sim_service *svc, struct sim_task **ts, int n)
{
	if (n <= 0)
		return;
	struct ship_buf b = SHIP_BUF_INIT(8192);
	ship_buf_addf(&b, "(service %s) has started %d tasks:", svc->name, n);
	for (int i = 0; i < n; i++)
		ship_buf_addf(&b, " (task %s)", ts[i]->id);
	ship_buf_addch(&b, '.');
	if (svc->replaced_unhealthy > 0) {
		int r = svc->replaced_unhealthy < n ? svc->replaced_unhealthy : n;
		ship_buf_addf(&b, " Amazon ECS replaced %d tasks due to an unhealthy status.", r);
		svc->replaced_unhealthy -= r;
	}
	if (!b.failed)
		sim_event_add(s, svc, "%s", b.data);
	ship_buf_release(&b);
}

#define BATCH 256

void sim_reconcile(struct sim *s, struct sim_service *svc)
{
	if (svc->status == SIM_SVC_INACTIVE)
		return;
	struct sim_deployment *p = primary_of(svc);
	struct sim_task *stopped[BATCH], *started[BATCH];
	int nstop = 0, nstart = 0;
	char reason[160];
	snprintf(reason, sizeof(reason), "Scaling activity initiated by (deployment %s)", p ? p->id : "");

	if (svc->status == SIM_SVC_DRAINING || !p) {
		int alive = 0;
		for (struct sim_task *t = svc->tasks; t; t = t->svc_next) {
			if (t->service != svc)
				continue;
			if (t->want_running) {
				if (nstop < BATCH)
					stopped[nstop++] = t;
				sim_task_stop(s, t, "ServiceSchedulerInitiated", reason);
			}
			if (t->phase != SIM_STOPPED)
				alive++;
		}
		sim_engine_post_tasks(s, svc, "has stopped", stopped, nstop);
		if (!alive && svc->status == SIM_SVC_DRAINING)
			svc->status = SIM_SVC_INACTIVE;
		return;
	}

	/* blue/green, linear, canary (and any deployment's alarms): strategies.c */
	int handled = sim_strategy_reconcile(s, svc, p);
	if (handled == 2) {
		sim_reconcile(s, svc); /* it failed: the rollback (or the stop) decides this pass */
		return;
	}
	if (handled)
		return;
	int old_h = 0, old_u = 0, new_a = 0, new_h = 0;
	for (struct sim_task *t = svc->tasks; t; t = t->svc_next) {
		if (t->service != svc || !t->want_running)
			continue;
		int h = sim_task_healthy(t);
		if (strcmp(t->dep_id, p->id) == 0) {
			new_a++;
			new_h += h;
		} else if (h) {
			old_h++;
		} else {
			old_u++;
		}
	}
	struct sim_rollout_step step;
	int launch = !p->launch_stopped && svc->status == SIM_SVC_ACTIVE && s->now >= svc->launch_after;
	sim_rollout_plan(svc->desired, svc->min_pct, svc->max_pct, old_h, old_u, new_a, new_h, launch, &step);

	/* stop: old tasks not healthy, then healthy old ones the minimum allows, then primary excess */
	int stop_h = step.stop_healthy_old, excess = new_a - svc->desired;
	for (int pass = 0; pass < 2; pass++) {
		for (struct sim_task *t = svc->tasks; t; t = t->svc_next) {
			if (t->service != svc || !t->want_running)
				continue;
			int is_new = strcmp(t->dep_id, p->id) == 0, h = sim_task_healthy(t);
			int go = 0;
			if (!is_new && !h && pass == 0)
				go = 1;
			else if (!is_new && h && pass == 1 && stop_h > 0)
				go = stop_h--;
			else if (is_new && excess > 0 && (pass == 1 || !h))
				go = excess--;
			if (!go)
				continue;
			sim_task_stop(s, t, "ServiceSchedulerInitiated", reason);
			if (nstop < BATCH)
				stopped[nstop++] = t;
		}
	}
	sim_engine_post_tasks(s, svc, "has stopped", stopped, nstop);

	int unplaced = 0;
	for (int i = 0; i < step.start_new && nstart < BATCH; i++) {
		char group[300];
		snprintf(group, sizeof(group), "service:%s", svc->name);
		struct sim_task *t = sim_task_start(s, svc->cluster, svc, p, p->td, NULL, p->network, p->id,
						    group, svc->launch_type);
		if (!t) {
			unplaced = 1;
			break;
		}
		started[nstart++] = t;
	}
	/* the tasks limit reached: ECS's placement event (developer guide, service event messages) */
	if (unplaced && !svc->unplaced_reported)
		sim_event_add(s, svc, "(service %s) was unable to place a task. Reason: You've reached the limit on the number "
				      "of tasks you can run concurrently. For more information, see the Troubleshooting "
				      "section of the Amazon ECS Developer Guide.", svc->name);
	svc->unplaced_reported = unplaced;
	post_started(s, svc, started, nstart);
	if (nstart || nstop)
		svc->steady = 0;
	/*
	 * Minimum healthy and maximum percent that leave no room: no old task may stop and no new
	 * one start, and nothing is on its way. ECS says so in an event ("service (S) was unable to
	 * stop or start tasks during a deployment because of the service deployment configuration.
	 * Update the minimumHealthyPercent or maximumPercent value and try again.").
	 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages-list.html
	 */
	int stuck = launch && !nstart && !nstop && step.start_new == 0 && old_h > 0 && !old_u &&
		    new_a == new_h && new_a < svc->desired && p->rollout == SIM_RO_IN_PROGRESS;
	if (stuck && !svc->stuck_reported)
		sim_event_add(s, svc, "(service %s) was unable to stop or start tasks during a deployment because of the "
				      "service deployment configuration. Update the minimumHealthyPercent or maximumPercent "
				      "value and try again.", svc->name);
	svc->stuck_reported = stuck;

	int old_alive = sim_engine_drop_dead(s, svc, p), prim_healthy = 0, prim_unhealthy = 0;
	for (struct sim_task *t = svc->tasks; t; t = t->svc_next) {
		if (t->service != svc || !t->want_running || strcmp(t->dep_id, p->id) != 0)
			continue;
		if (sim_task_healthy(t))
			prim_healthy++;
		else
			prim_unhealthy++;
	}
	int steady = !old_alive && prim_healthy == svc->desired && !prim_unhealthy;
	/* /_sim/config hold_rollbacks: ECS's rollback stays under way until released */
	int held = s->cfg.hold_rollbacks && sim_sdep_rolling_back_to(svc, p->id);
	if (steady && p->rollout == SIM_RO_IN_PROGRESS && !held)
		sim_engine_complete(s, svc, p);
	if (steady && !svc->steady)
		sim_event_add(s, svc, "(service %s) has reached a steady state.", svc->name);
	svc->steady = steady;
}

int sim_engine_drop_dead(struct sim *s, struct sim_service *svc, struct sim_deployment *p)
{
	(void)s;
	int old_alive = 0;
	for (struct sim_deployment **pp = &p->next; *pp;) {
		int alive = 0;
		for (struct sim_task *t = svc->tasks; t; t = t->svc_next)
			if (t->service == svc && t->phase != SIM_STOPPED && strcmp(t->dep_id, (*pp)->id) == 0)
				alive++;
		if (!alive) {
			struct sim_deployment *dead = *pp;
			*pp = dead->next;
			sim_deployment_free(dead);
		} else {
			old_alive += alive;
			pp = &(*pp)->next;
		}
	}
	return old_alive;
}

void sim_engine_complete(struct sim *s, struct sim_service *svc, struct sim_deployment *p)
{
	p->rollout = SIM_RO_COMPLETED;
	char r[120];
	snprintf(r, sizeof(r), "ECS deployment %s completed.", p->id);
	set_str(&p->reason, r);
	p->updated_at = s->now;
	snprintf(svc->last_completed_id, sizeof(svc->last_completed_id), "%s", p->id);
	svc->last_completed_td = p->td;
	svc->last_completed_created = p->created_at;
	snprintf(svc->last_completed_rev, sizeof(svc->last_completed_rev), "%s", p->rev_arn);
	sim_sdep_completed(s, svc, p);
	sim_rollout_log(s, svc, p);
	sim_event_add(s, svc, "(service %s) (deployment %s) deployment completed.", svc->name, p->id);
}

/* ---- time ------------------------------------------------------------------------------------------ */

static void reconcile_all(struct sim *s)
{
	for (struct sim_service *v = s->services; v; v = v->next)
		sim_reconcile(s, v);
}

/* Takes t out of its service's list of tasks. */
static void unlink_from_service(struct sim_task *t)
{
	struct sim_service *v = t->service;
	struct sim_task *before = NULL;
	for (struct sim_task **pp = &v->tasks; *pp; before = *pp, pp = &(*pp)->svc_next)
		if (*pp == t) {
			*pp = t->svc_next;
			if (v->tasks_tail == t)
				v->tasks_tail = before;
			return;
		}
}

/* Drops STOPPED tasks beyond the cap or older than the retention time, oldest first. */
static void gc_stopped(struct sim *s)
{
	int excess = s->nstopped - SIM_MAX_STOPPED_TASKS;
	struct sim_task *prev = NULL;
	for (struct sim_task *t = s->tasks, *n; t; t = n) {
		n = t->next;
		if (t->phase == SIM_STOPPED && (excess > 0 || t->stopped_at < s->now - s->cfg.stopped_ttl)) {
			if (prev)
				prev->next = n;
			else
				s->tasks = n;
			if (s->tasks_tail == t)
				s->tasks_tail = prev;
			if (t->service)
				unlink_from_service(t);
			s->nstopped--;
			excess--;
			sim_task_free(t);
			continue;
		}
		prev = t;
	}
}

int sim_advance_for(struct sim *s, double to, double wall_budget)
{
	double deadline = wall_budget > 0 ? sim_wall() + wall_budget : 0;
	for (long guard = 0; guard < 1000000; guard++) {
		if (deadline > 0 && (guard & 15) == 15 && sim_wall() >= deadline) {
			gc_stopped(s);
			return 0; /* out of time: s->now is where the model got to */
		}
		double next = 0;
		for (struct sim_task *t = s->tasks; t; t = t->next) {
			double d = next_due(t);
			if (d > 0 && (next == 0 || d < next))
				next = d;
		}
		for (struct sim_service *v = s->services; v; v = v->next)
			if (v->launch_after > s->now && (next == 0 || v->launch_after < next))
				next = v->launch_after; /* the throttle's delay ends: launch again */
		double due = sim_strategy_next_due(s); /* stages, steps, bake time, hooks */
		if (due > 0 && (next == 0 || due < next))
			next = due;
		if (next == 0 || next > to)
			break;
		if (next > s->now)
			s->now = next;
		for (struct sim_task *t = s->tasks; t; t = t->next)
			process_due(s, t);
		reconcile_all(s);
	}
	if (to > s->now)
		s->now = to;
	gc_stopped(s);
	return 1;
}

void sim_advance(struct sim *s, double to)
{
	sim_advance_for(s, to, 0);
}

void sim_sync(struct sim *s)
{
	sim_advance(s, sim_clock_now(s));
	reconcile_all(s);
}
