/*
 * failfast_watch.c: the I/O around the fail-fast decision (failfast.h): inside the deploy's wait,
 * reads the service's stopped tasks when ECS counts a new failed task (and now and then besides)
 * and hands each one not judged yet to failfast.c. Depends on the client (aws.h), tasks.c and
 * rollout.c; never prints.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/deploy.h"
#include "ecship/failfast.h"
#include "ecship/i18n.h"

void ship_failfast_watch_init(struct ship_failfast_watch *w, struct ship_aws *aws,
			      const char *cluster, const char *service,
			      const struct ship_call_opts *call,
			      const struct ship_failfast_rules *rules, struct ship_rollout *ro)
{
	memset(w, 0, sizeof(*w));
	w->aws = aws;
	w->cluster = cluster;
	w->service = service;
	w->call = call;
	w->ro = ro;
	w->inner = ship_wait_rollout_done;
	w->inner_ctx = ro;
	w->interval = SHIP_FAILFAST_INTERVAL;
	w->min_gap = SHIP_FAILFAST_MIN_GAP;
	ship_failfast_init(&w->ff, rules, ro->deployment_id, ro->taskdef);
}

/* One read: ListTasks (STOPPED) and DescribeTasks of the tasks not judged yet. */
static int read_stopped(struct ship_failfast_watch *w, struct ship_err *err)
{
	json_t *resp = NULL, *arns;
	struct ship_task_list tl = {0};
	const char **ids = NULL;
	size_t n = 0, i;
	int rc = -1;
	json_t *req = json_pack("{s:s, s:s, s:s, s:i}", "cluster", w->cluster, "serviceName",
				w->service, "desiredStatus", "STOPPED", "maxResults", 100);
	if (!req) {
		ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
		goto cleanup;
	}
	w->requests++;
	/* one page: the newest hundred stopped tasks are the ones that matter */
	if (ship_aws_json(w->aws, SHIP_SVC_ECS, "ListTasks", req, &resp, w->call, err))
		goto cleanup;
	arns = json_object_get(resp, "taskArns");
	ids = ship_calloc(json_array_size(arns) + 1, sizeof(*ids));
	if (!ids) {
		ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
		goto cleanup;
	}
	for (i = 0; i < json_array_size(arns); i++) {
		const char *arn = json_string_value(json_array_get(arns, i));
		if (arn && !ship_failfast_seen(&w->ff, ship_arn_tail(arn)))
			ids[n++] = arn;
	}
	w->unready = 0;
	if (n) {
		w->requests += (long)((n + 99) / 100);
		if (ship_tasks_describe_opts(w->aws, w->call, w->cluster, ids, n, &tl, err))
			goto cleanup;
		for (i = 0; i < tl.n; i++) {
			ship_failfast_feed(&w->ff, &tl.v[i]);
			if (!ship_failfast_seen(&w->ff, tl.v[i].id) &&
			    ship_failfast_ours(&w->ff, &tl.v[i]))
				w->unready = 1;
		}
	}
	rc = 0;
cleanup:
	json_decref(req);
	json_decref(resp);
	ship_free(ids);
	ship_task_list_release(&tl);
	return rc;
}

int ship_failfast_wait_done(void *ctx, const struct ship_service_view *v)
{
	struct ship_failfast_watch *w = ctx;
	struct ship_rollout *ro = w->ro;
	if (w->inner(w->inner_ctx, v))
		return 1;
	if (w->off || !w->ff.rules.enabled)
		return 0;
	/* a takeover by a deployment of the same task definition: follow its tasks */
	if (strcmp(w->ff.deployment_id, ro->deployment_id))
		snprintf(w->ff.deployment_id, sizeof(w->ff.deployment_id), "%s", ro->deployment_id);
	const struct ship_deployment_view *d = ship_service_deployment(v, ro->deployment_id);
	if (!d)
		return 0;
	ship_failfast_observe(&w->ff, d->failed);
	const struct ship_clock *clk = ship_aws_clock(w->aws);
	double now = clk->now(clk->ctx);
	if (!w->started) { /* the interval counts from the start of the wait */
		w->started = 1;
		w->last_read = now;
	}
	if (w->reads > 0 && now - w->last_read < w->min_gap)
		return 0; /* the first failure is read at once */
	if (d->failed <= w->read_failed && !w->unready && now - w->last_read < w->interval)
		return 0;
	struct ship_err e = SHIP_ERR_INIT;
	w->last_read = now;
	w->reads++;
	if (read_stopped(w, &e)) {
		w->errors++;
		if (!ship_err_is_transient(&e) && e.code != SHIP_ERR_INTERRUPTED)
			w->off = 1; /* the breaker and the timeout still decide */
		return 0;
	}
	w->read_failed = d->failed;
	if (w->ff.verdict == SHIP_FAILFAST_NONE)
		return 0;
	ro->phase = SHIP_ROLLOUT_FAILED;
	ro->by_breaker = 0;
	snprintf(ro->reason, sizeof(ro->reason), "%s", w->ff.evidence);
	return 1;
}

void ship_deploy_failfast_rules(const struct ship_deploy_opts *o, struct ship_failfast_rules *r)
{
	ship_failfast_rules_default(r);
	r->enabled = !o->no_fail_fast;
	if (o->fail_fast_same_exit > 0)
		r->same_exit = o->fail_fast_same_exit;
	if (o->fail_fast_failed_health > 0)
		r->failed_health = o->fail_fast_failed_health;
}

void ship_deploy_failfast_result(const struct ship_failfast_watch *w,
				 struct ship_deploy_result *res)
{
	const struct ship_rollout *ro = w->ro;
	int decided = w->ff.verdict != SHIP_FAILFAST_NONE && ro->phase == SHIP_ROLLOUT_FAILED &&
		      !ro->by_breaker;
	snprintf(res->fail_fast, sizeof(res->fail_fast), "%s",
		 decided ? ship_failfast_rule_name(w->ff.verdict) : "");
	res->first_failure = w->ff.first_failed;
	res->fail_fast_reads = w->reads;
	res->fail_fast_requests = w->requests;
}
