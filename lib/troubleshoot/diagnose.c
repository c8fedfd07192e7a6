/*
 * diagnose.c: the failed-deploy diagnosis (see diagnose.h), built on tasks.c, logs.c and
 * django.c so `deploy`, `tasks`, `logs` and `doctor` tell the same story. The cause is
 * decided by ship_diagnose_cause, a pure function over what was gathered. Never prints.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ecship/diagnose.h"
#include "ecship/django.h"
#include "ecship/ecs.h"
#include "ecship/run.h"

void ship_diagnosis_release(struct ship_diagnosis *d)
{
	if (!d)
		return;
	ship_task_list_release(&d->stopped);
	ship_target_list_release(&d->targets);
	ship_log_events_release(&d->lines);
}

static void say(char *out, size_t n, const char *fmt, ...) SHIP_PRINTF(3, 4);
static void say(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, n, fmt, ap);
	va_end(ap);
}

static int event_about_failure(const char *m)
{
	return strstr(m, "is unhealthy in") || strstr(m, "failed container health checks") ||
	       strstr(m, "unable to") || strstr(m, "failed to launch") ||
	       strstr(m, "deployment failed") || strstr(m, "circuit breaker");
}

int ship_task_failed(const struct ship_task_info *t)
{
	const struct ship_container_info *c = ship_task_failed_container(t);
	if (c && ((c->has_exit && c->exit_code != 0) || c->reason[0]))
		return 1;
	if (!strcmp(t->stop_code, "UserInitiated") || strstr(t->stopped_reason, "Scaling activity"))
		return 0;
	return t->stop_code[0] || t->stopped_reason[0];
}

/* Whether an event is about this failure: it names the deployment or one of the tasks. */
static int event_ours(const struct ship_diagnosis *d, const char *deployment_id, const char *m)
{
	if (deployment_id && *deployment_id && strstr(m, deployment_id))
		return 1;
	for (size_t i = 0; i < d->stopped.n; i++)
		if (d->stopped.v[i].id[0] && strstr(m, d->stopped.v[i].id))
			return 1;
	return !deployment_id && !d->stopped.n;
}

static int keep_task(struct ship_diagnosis *d, const struct ship_task_info *t)
{
	struct ship_task_info *nv = ship_realloc(d->stopped.v, (d->stopped.n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	d->stopped.v = nv;
	d->stopped.v[d->stopped.n++] = *t;
	return 0;
}

int ship_diagnose_failure(struct ship_aws *aws, const char *cluster, const char *service,
			  const char *taskdef_arn, const char *deployment_id, size_t log_lines,
			  struct ship_diagnosis *d, struct ship_err *err)
{
	struct ship_task_list all = {0};
	struct ship_err e = SHIP_ERR_INIT;
	json_t *svc = NULL, *td = NULL, *resp = NULL;
	int got = 0;

	memset(d, 0, sizeof(*d));
	d->lines.max = 200;
	/* 1. the revision's stopped tasks */
	if (!ship_tasks_list(aws, cluster, service, SHIP_TASKS_STOPPED, 100, &all, &e)) {
		got = 1;
		/* the revision's failed tasks first (newest first), then the ones scaled in */
		for (int pass = 1; pass >= 0; pass--) {
			for (size_t i = 0; i < all.n && d->stopped.n < SHIP_DIAG_MAX_TASKS; i++) {
				if ((taskdef_arn && *taskdef_arn &&
				     strcmp(all.v[i].taskdef, taskdef_arn)) ||
				    ship_task_failed(&all.v[i]) != pass)
					continue;
				if (keep_task(d, &all.v[i]))
					break;
			}
		}
	} else {
		*err = e;
	}
	ship_task_list_release(&all);

	/* 2. the service: failure events and its target group's unhealthy targets */
	if (!ship_ecs_describe_service(aws, cluster, service, &svc, &e) && svc) {
		got = 1;
		json_t *ev;
		size_t i;
		json_array_foreach(json_object_get(svc, "events"), i, ev)
		{
			const char *m = json_string_value(json_object_get(ev, "message"));
			if (i >= 50 || d->nevents >= SHIP_DIAG_MAX_EVENTS)
				break;
			if (m && event_about_failure(m) && event_ours(d, deployment_id, m))
				snprintf(d->events[d->nevents++], sizeof(d->events[0]), "%s", m);
		}
		const char *tg = json_string_value(json_object_get(
		    json_array_get(json_object_get(svc, "loadBalancers"), 0), "targetGroupArn"));
		struct ship_target_list tl = {0};
		if (tg && !ship_target_health(aws, tg, &tl, &e)) {
			for (size_t k = 0; k < tl.n; k++) {
				if (!strcmp(tl.v[k].state, "healthy"))
					continue;
				struct ship_target_info *nv =
				    ship_realloc(d->targets.v, (d->targets.n + 1) * sizeof(*nv));
				if (!nv)
					break;
				d->targets.v = nv;
				d->targets.v[d->targets.n++] = tl.v[k];
			}
		}
		ship_target_list_release(&tl);
	}

	/* 3. the revision's logs: the newest failed task's last lines */
	if (taskdef_arn && *taskdef_arn &&
	    !ship_ecs_describe_taskdef(aws, taskdef_arn, &resp, &e)) {
		td = resp;
		const char *main = ship_run_main_container(td, svc);
		const json_t *c, *env;
		size_t i, j;
		json_array_foreach(json_object_get(td, "containerDefinitions"), i, c)
		{
			const char *n = json_string_value(json_object_get(c, "name"));
			if (!main || !n || strcmp(n, main))
				continue;
			json_array_foreach(json_object_get(c, "environment"), j, env)
			{
				const char *k = json_string_value(json_object_get(env, "name"));
				const char *v = json_string_value(json_object_get(env, "value"));
				if (k && v && !strcmp(k, "ALLOWED_HOSTS")) {
					d->have_allowed_hosts = 1;
					snprintf(d->allowed_hosts, sizeof(d->allowed_hosts), "%s",
						 v);
				}
			}
		}
		if (ship_awslogs_of(td, main, &d->logs, &e)) {
			snprintf(d->log_error, sizeof(d->log_error), "%s", e.message);
		} else if (!d->stopped.n) {
			snprintf(d->log_error, sizeof(d->log_error),
				 "no stopped task of %s to read the log of",
				 ship_arn_tail(taskdef_arn));
		} else {
			/* the newest task that wrote something */
			for (size_t k = 0; k < d->stopped.n && !d->lines.n; k++) {
				const struct ship_task_info *t = &d->stopped.v[k];
				if (ship_awslogs_stream(&d->logs, t->id, d->log_stream,
							sizeof(d->log_stream))) {
					snprintf(
					    d->log_error, sizeof(d->log_error),
					    "the container's awslogs options have no "
					    "awslogs-stream-prefix, so its stream cannot be found");
					break;
				}
				snprintf(d->log_task, sizeof(d->log_task), "%s", t->id);
				if (ship_logs_tail(aws, d->logs.group, d->log_stream,
						   log_lines ? log_lines : 15, &d->lines, &e)) {
					snprintf(d->log_error, sizeof(d->log_error), "%s",
						 e.message);
					if (strcmp(e.aws_code, "ResourceNotFoundException"))
						break;
					snprintf(d->log_error, sizeof(d->log_error),
						 "task %s wrote no log lines (the container never "
						 "started, or the stream is gone)",
						 t->id);
				}
			}
			if (!d->lines.n && !d->log_error[0])
				snprintf(d->log_error, sizeof(d->log_error),
					 "the failed tasks wrote no log lines");
		}
	}
	json_decref(resp);
	json_decref(svc);
	ship_diagnose_cause(d);
	return got ? 0 : -1;
}

/* The Host header Django rejected, from its log line "Invalid HTTP_HOST header: 'h'. ..." */
static int rejected_host(const struct ship_log_events *l, char *out, size_t n)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *p = strstr(l->v[i].message, "Invalid HTTP_HOST header: '");
		if (!p)
			continue;
		p += strlen("Invalid HTTP_HOST header: '");
		size_t len = strcspn(p, "'");
		snprintf(out, n, "%.*s", (int)len, p);
		return 1;
	}
	return 0;
}

/* "Health checks failed with these codes: [503]" -> 503 */
static int health_code(const char *s)
{
	const char *p = s ? strstr(s, "codes: [") : NULL;
	long code = 0;
	char buf[8];
	if (!p)
		return 0;
	p += strlen("codes: [");
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(p, "],"), p);
	return ship_parse_long(buf, 100, 599, &code) ? 0 : (int)code;
}

struct advice_ctx {
	char out[400];
	size_t n;
};

static void advise(void *vctx, const char *pattern)
{
	struct advice_ctx *a = vctx;
	char fix[200];
	if (ship_django_pattern_advice(pattern, fix, sizeof(fix)) || fix[0] != '.')
		return;
	a->n += (size_t)snprintf(a->out + a->n, a->n < sizeof(a->out) ? sizeof(a->out) - a->n : 0,
				 "%s'%s' (not '%s')", a->n ? ", " : "", fix, pattern);
}

void ship_diagnose_cause(struct ship_diagnosis *d)
{
	const struct ship_task_info *t = d->stopped.n ? &d->stopped.v[0] : NULL;
	const struct ship_container_info *c = t ? ship_task_failed_container(t) : NULL;
	char host[256];
	int code = 0;
	for (size_t i = 0; i < d->nevents && !code; i++)
		code = health_code(d->events[i]);
	for (size_t i = 0; i < d->targets.n && !code; i++)
		code = health_code(d->targets.v[i].description);

	d->cause[0] = d->fix[0] = '\0';
	if (c && (strstr(c->reason, "CannotPullContainerError") ||
		  (t && strstr(t->stopped_reason, "CannotPullContainerError")))) {
		say(d->cause, sizeof(d->cause), "the image could not be pulled: %s",
		    c->reason[0] ? c->reason : t->stopped_reason);
		say(d->fix, sizeof(d->fix),
		    "check that the tag exists in the registry and that the private subnets reach "
		    "ECR (NAT gateway or VPC endpoints); 'ecship doctor' checks both");
	} else if (t && (strstr(t->stopped_reason, "ResourceInitializationError") ||
			 (c && strstr(c->reason, "ResourceInitializationError")))) {
		say(d->cause, sizeof(d->cause), "the task could not be set up: %s",
		    t->stopped_reason[0] ? t->stopped_reason : c->reason);
		say(d->fix, sizeof(d->fix),
		    "usually a missing log group, secret or execution-role "
		    "permission; 'ecship doctor' checks them");
	} else if (c && c->has_exit && c->exit_code != 0) {
		const char *last = NULL;
		for (size_t i = d->lines.n; i-- > 0 && !last;)
			if (strstr(d->lines.v[i].message, "Error") ||
			    strstr(d->lines.v[i].message, "Exception") ||
			    strstr(d->lines.v[i].message, "error"))
				last = d->lines.v[i].message;
		if (!last && d->lines.n)
			last = d->lines.v[d->lines.n - 1].message;
		say(d->cause, sizeof(d->cause), "container '%s' exited with code %d%s%s%s", c->name,
		    c->exit_code, last ? " after writing '" : "", last ? last : "",
		    last ? "'" : "");
		say(d->fix, sizeof(d->fix),
		    "the log lines above show why; 'ecship logs --task %s' "
		    "shows all of them, and 'ecship run' reproduces it in a "
		    "one-off task",
		    t->id);
	} else if (rejected_host(&d->lines, host, sizeof(host))) {
		struct advice_ctx a;
		memset(&a, 0, sizeof(a));
		if (d->have_allowed_hosts)
			ship_django_patterns(d->allowed_hosts, advise, &a);
		say(d->cause, sizeof(d->cause),
		    "Django rejected the health check's Host '%s' (400 Bad Request): "
		    "ALLOWED_HOSTS=%s "
		    "does not admit it",
		    host,
		    d->have_allowed_hosts ? d->allowed_hosts : "(not set in the task definition)");
		say(d->fix, sizeof(d->fix),
		    "ALB health checks send the task's IP as Host: admit it (add the IP at startup "
		    "from the ECS task metadata, or '*' with the listener rule filtering "
		    "hosts)%s%s; "
		    "'ecship doctor' checks ALLOWED_HOSTS",
		    a.n ? "; Django wants " : "", a.out);
	} else if (code) {
		say(d->cause, sizeof(d->cause),
		    "the load balancer's health checks got HTTP %d from "
		    "the tasks",
		    code);
		say(d->fix, sizeof(d->fix),
		    "make the target group's health-check path answer "
		    "200-399 (the log lines above show the app's side)");
	} else if ((t && strstr(t->stopped_reason, "ELB health checks")) || d->targets.n) {
		say(d->cause, sizeof(d->cause),
		    "the tasks failed the load balancer's health checks "
		    "(no answer)");
		say(d->fix, sizeof(d->fix),
		    "check that the service's security group admits the "
		    "container port from the load balancer ('ecship doctor')");
	} else if (t && strstr(t->stopped_reason, "container health checks")) {
		say(d->cause, sizeof(d->cause), "the tasks failed their container health check");
		say(d->fix, sizeof(d->fix),
		    "run the healthCheck command in a one-off task ('ecship "
		    "run') to see why it fails");
	} else if (t) {
		say(d->cause, sizeof(d->cause), "task %s stopped: %s%s%s", t->id, t->stop_code,
		    t->stopped_reason[0] ? ": " : "", t->stopped_reason);
	}
}
