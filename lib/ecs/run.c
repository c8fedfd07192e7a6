/*
 * run.c: one-off tasks (see run.h): RunTask with the command overridden, wait until STOPPED
 * on the client's clock (adaptive polling as in rollout.h), stop the task on timeout or
 * cancellation. Depends on aws.h, tasks.h, rollout.h (ship_poll); never prints.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ecship/ecs.h"
#include "ecship/rollout.h"
#include "ecship/run.h"
#include "ecship/taskdef.h"

void ship_run_use_service(struct ship_run_opts *o, const json_t *service)
{
	const json_t *s = service;
	if (!s)
		return;
	o->network = json_object_get(s, "networkConfiguration");
	o->launch_type = json_string_value(json_object_get(s, "launchType"));
	const json_t *cps = json_object_get(s, "capacityProviderStrategy");
	o->capacity_provider_strategy = json_array_size(cps) ? cps : NULL;
	o->platform_version = json_string_value(json_object_get(s, "platformVersion"));
}

const char *ship_run_main_container(const json_t *taskdef, const json_t *service)
{
	const json_t *td = json_object_get(taskdef, "taskDefinition");
	if (!json_is_object(td))
		td = taskdef;
	const json_t *defs = json_object_get(td, "containerDefinitions"), *c;
	const char *lb = json_string_value(json_object_get(
	    json_array_get(json_object_get(service, "loadBalancers"), 0), "containerName"));
	size_t i;
	json_array_foreach(defs, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		if (lb && name && !strcmp(name, lb))
			return name;
	}
	if (json_array_size(defs) == 1)
		return json_string_value(json_object_get(json_array_get(defs, 0), "name"));
	json_array_foreach(defs, i, c)
	{
		if (!json_is_false(json_object_get(c, "essential")))
			return json_string_value(json_object_get(c, "name"));
	}
	return NULL;
}

static void set_reason(struct ship_run_result *res, const char *fmt, ...) SHIP_PRINTF(2, 3);
static void set_reason(struct ship_run_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

json_t *ship_run_request(const struct ship_run_opts *o)
{
	json_t *req =
	    json_pack("{s:s, s:s, s:i, s:s}", "cluster", o->cluster, "taskDefinition", o->taskdef,
		      "count", 1, "startedBy", o->started_by ? o->started_by : "ecship-run");
	if (!req)
		return NULL;
	if (o->network)
		json_object_set_new(req, "networkConfiguration", json_deep_copy(o->network));
	/* neither named: send neither, so the cluster's default capacity provider strategy applies
	 * (API_RunTask: "If a launchType is specified, the capacityProviderStrategy parameter must
	 * be omitted"; with neither, the cluster's default strategy is used) */
	if (o->capacity_provider_strategy)
		json_object_set_new(req, "capacityProviderStrategy",
				    json_deep_copy(o->capacity_provider_strategy));
	else if (o->launch_type)
		json_object_set_new(req, "launchType", json_string(o->launch_type));
	if (o->platform_version)
		json_object_set_new(req, "platformVersion", json_string(o->platform_version));
	char token[40]; /* one task, however often the request is sent */
	if (ship_aws_client_token(token, sizeof(token)) == 0)
		json_object_set_new(req, "clientToken", json_string(token));
	if (o->command && o->container) {
		json_t *cmd = json_array();
		for (size_t i = 0; cmd && i < o->ncommand; i++)
			json_array_append_new(cmd, json_string(o->command[i]));
		json_t *ov = json_pack("{s:[{s:s, s:o}]}", "containerOverrides", "name",
				       o->container, "command", cmd);
		if (!ov) {
			json_decref(req);
			return NULL;
		}
		json_object_set_new(req, "overrides", ov);
	}
	return req;
}

static int stop_task(struct ship_aws *aws, const struct ship_call_opts *call, const char *cluster,
		     const char *arn, const char *reason, struct ship_err *err)
{
	json_t *resp = NULL, *req = json_pack("{s:s, s:s, s:s}", "cluster", cluster, "task", arn,
					      "reason", reason);
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "StopTask", req, &resp, call, err);
	json_decref(req);
	json_decref(resp);
	return r ? ship_err_prefix(err, "cannot stop task '%s'", ship_arn_tail(arn)) : 0;
}

/* The container whose exit code is the run's: the overridden one, else the failed one. */
static const struct ship_container_info *run_container(const struct ship_task_info *t,
						       const char *name)
{
	for (size_t i = 0; name && i < t->nc; i++)
		if (!strcmp(t->c[i].name, name))
			return &t->c[i];
	return ship_task_failed_container(t);
}

static void finish(const struct ship_run_opts *o, struct ship_run_result *res)
{
	const struct ship_task_info *t = &res->task;
	const struct ship_container_info *c = run_container(t, o->container);
	if (c && c->has_exit) {
		res->end = SHIP_RUN_EXITED;
		res->exit_code = c->exit_code;
		if (c->exit_code != 0)
			set_reason(res, "container '%s' exited with code %d", c->name,
				   c->exit_code);
		return;
	}
	res->end = SHIP_RUN_NOT_STARTED;
	if (c && c->reason[0])
		set_reason(res, "%s%s%s", t->stop_code[0] ? t->stop_code : "",
			   t->stop_code[0] ? ": " : "", c->reason);
	else
		set_reason(res, "%s%s%s", t->stop_code[0] ? t->stop_code : "stopped",
			   t->stopped_reason[0] ? ": " : "", t->stopped_reason);
}

int ship_run_task(struct ship_aws *aws, const struct ship_run_opts *o, struct ship_run_result *res,
		  struct ship_err *err)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	double start = clk->now(clk->ctx);
	json_t *req = NULL, *resp = NULL;
	struct ship_poll poll;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (!(req = ship_run_request(o))) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	/* RunTask carries a clientToken, so a retry after a lost answer gets the same task back
	 * instead of starting a second one: retried like any call, with the caller's persistence */
	struct ship_call_opts call = {0};
	if (o->call)
		call = *o->call;
	if (ship_aws_json(aws, SHIP_SVC_ECS, "RunTask", req, &resp, &call, err)) {
		ship_err_prefix(err, "cannot run a task of '%s' in cluster '%s'",
				ship_arn_tail(o->taskdef), o->cluster);
		goto cleanup;
	}
	json_t *task = json_array_get(json_object_get(resp, "tasks"), 0);
	if (!task) {
		json_t *f = json_array_get(json_object_get(resp, "failures"), 0);
		const char *why = json_string_value(json_object_get(f, "reason"));
		const char *detail = json_string_value(json_object_get(f, "detail"));
		res->end = SHIP_RUN_NOT_STARTED;
		set_reason(res, "ECS did not start the task: %s%s%s", why ? why : "no reason given",
			   detail ? ": " : "", detail ? detail : "");
		rc = 0;
		goto cleanup;
	}
	if (ship_task_parse(task, &res->task)) {
		/* it started, but cannot be followed: stop it rather than leave it running */
		const char *arn = json_string_value(json_object_get(task, "taskArn"));
		struct ship_err e2 = SHIP_ERR_INIT;
		if (arn)
			stop_task(aws, o->call, o->cluster, arn, "cannot be followed (ecship run)",
				  &e2);
		ship_err_set(
		    err, SHIP_ERR_PROTOCOL,
		    "RunTask answered a task with an identifier longer than ECS documents; "
		    "it was stopped");
		goto cleanup;
	}
	if (o->on_started)
		o->on_started(o->ctx, &res->task);
	ship_poll_init(&poll);
	for (;;) {
		if (o->cancelled && o->cancelled(o->ctx)) {
			res->end = SHIP_RUN_INTERRUPTED;
			set_reason(res, "interrupted; task %s was stopped", res->task.id);
			stop_task(aws, o->call, o->cluster, res->task.arn,
				  "interrupted (ecship run)", err);
			rc = 0;
			goto cleanup;
		}
		double elapsed = clk->now(clk->ctx) - start;
		if (o->timeout > 0 && elapsed >= o->timeout) {
			res->end = SHIP_RUN_TIMEOUT;
			set_reason(res, "task %s did not stop within %.0f s; it was stopped",
				   res->task.id, o->timeout);
			if (stop_task(aws, o->call, o->cluster, res->task.arn,
				      "timed out (ecship run)", err))
				goto cleanup;
			rc = 0;
			goto cleanup;
		}
		double wait = ship_poll_next(&poll, 0, 0);
		if (o->timeout > 0 && elapsed + wait > o->timeout)
			wait = o->timeout - elapsed;
		clk->sleep(clk->ctx, wait > 0 ? wait : 0);
		if (o->cancelled && o->cancelled(o->ctx))
			continue;
		struct ship_task_list l = {0};
		const char *arn = res->task.arn;
		if (ship_tasks_describe_opts(aws, o->call, o->cluster, &arn, 1, &l, err)) {
			ship_task_list_release(&l);
			goto cleanup;
		}
		res->polls++;
		if (l.n) {
			int changed = strcmp(l.v[0].last_status, res->task.last_status) != 0;
			res->task = l.v[0];
			if (changed)
				ship_poll_init(&poll);
		}
		ship_task_list_release(&l);
		if (o->on_poll)
			o->on_poll(o->ctx, &res->task);
		if (!strcmp(res->task.last_status, "STOPPED")) {
			finish(o, res);
			rc = 0;
			goto cleanup;
		}
	}
cleanup:
	json_decref(req);
	json_decref(resp);
	return rc;
}

int ship_run_exit_status(const struct ship_run_result *res)
{
	if (res->end != SHIP_RUN_EXITED)
		return 1;
	if (res->exit_code < 0 || res->exit_code > 255)
		return 1;
	return res->exit_code;
}

int ship_run_register(struct ship_aws *aws, const json_t *taskdef, char *arn, size_t n,
		      int *registered, struct ship_err *err)
{
	const char *family = json_string_value(json_object_get(taskdef, "family"));
	json_t *latest = NULL, *td = NULL;
	int rc = -1;
	*registered = 0;
	if (!family)
		return ship_err_set(err, SHIP_ERR_INPUT, "the task definition has no 'family'");
	if (ship_ecs_latest_taskdef(aws, family, NULL, &latest, err))
		return ship_err_prefix(err, "cannot describe task definition family '%s'", family);
	if (latest && ship_taskdef_same(taskdef, latest) == 1) {
		td = latest;
		latest = NULL;
	} else if (ship_ecs_register_taskdef(aws, (json_t *)taskdef, NULL, &td, err)) {
		ship_err_prefix(err, "cannot register task definition family '%s'", family);
		goto cleanup;
	} else {
		*registered = 1;
	}
	const char *a = json_string_value(json_object_get(td, "taskDefinitionArn"));
	if (snprintf(arn, n, "%s", a ? a : "") >= (int)n) {
		ship_err_set(err, SHIP_ERR_PROTOCOL,
			     "the task definition ARN '%s' is longer than %zu "
			     "characters",
			     a, n - 1);
		goto cleanup;
	}
	rc = 0;
cleanup:
	json_decref(latest);
	json_decref(td);
	return rc;
}
