/*
 * wait.c: DescribeServices and the polling loop behind every wait (deploy, rollback, `ecship
 * wait`): adaptive interval, throttling-aware, deadline and cancellation on the client's clock.
 * Depends on the client (aws.h) and rollout.c; never prints.
 */
#include <string.h>

#include "ecship/ecs.h"

int ship_ecs_describe_service(struct ship_aws *aws, const char *cluster, const char *service,
			      json_t **service_out, struct ship_err *err)
{
	json_t *resp = NULL;
	json_t *req = json_pack("{s:s, s:[s]}", "cluster", cluster, "services", service);
	*service_out = NULL;
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "DescribeServices", req, &resp, NULL, err);
	json_decref(req);
	if (r)
		return -1;
	json_t *svc = json_array_get(json_object_get(resp, "services"), 0);
	const char *status = json_string_value(json_object_get(svc, "status"));
	if (svc && !(status && !strcmp(status, "INACTIVE")))
		*service_out = json_incref(svc);
	json_decref(resp);
	return 0;
}

int ship_wait_rollout_done(void *ctx, const struct ship_service_view *v)
{
	return ship_rollout_evaluate(ctx, v) != SHIP_ROLLOUT_WAITING;
}

int ship_wait_settled_done(void *ctx, const struct ship_service_view *v)
{
	return ship_rollout_settled_on(v, ctx);
}

/* Whether anything a user would notice changed between two snapshots. */
static int view_changed(const struct ship_service_view *a, const struct ship_service_view *b)
{
	if (a->ndep != b->ndep || a->running != b->running || a->pending != b->pending ||
	    a->desired != b->desired)
		return 1;
	for (size_t i = 0; i < a->ndep; i++) {
		const struct ship_deployment_view *x = &a->dep[i], *y = &b->dep[i];
		if (strcmp(x->id, y->id) || strcmp(x->status, y->status) ||
		    strcmp(x->rollout_state, y->rollout_state) || x->running != y->running ||
		    x->pending != y->pending || x->failed != y->failed || x->desired != y->desired)
			return 1;
	}
	return 0;
}

int ship_ecs_wait(struct ship_aws *aws, const char *cluster, const char *service,
		  ship_wait_done_fn done, void *done_ctx, const struct ship_wait_opts *o,
		  enum ship_wait_end *end, struct ship_service_view *last,
		  struct ship_wait_stats *stats, struct ship_err *err)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	struct ship_service_view prev, cur;
	struct ship_wait_stats st = {0, 0, 0};
	struct ship_poll poll;
	int have_prev = 0, rc = 0;
	double start = clk->now(clk->ctx), deadline = start + o->timeout;

	memset(&prev, 0, sizeof(prev));
	ship_poll_init(&poll);
	*end = SHIP_WAIT_TIMEOUT;
	for (;;) {
		if (o->cancelled && o->cancelled(o->ctx)) {
			*end = SHIP_WAIT_INTERRUPTED;
			break;
		}
		struct ship_aws_stats before, after;
		struct ship_err e = SHIP_ERR_INIT;
		json_t *svc = NULL;
		int changed = 0, throttled = 0;
		ship_aws_stats(aws, &before);
		int r = ship_ecs_describe_service(aws, cluster, service, &svc, &e);
		ship_aws_stats(aws, &after);
		st.polls++;
		throttled = after.throttled > before.throttled;
		if (r) {
			if (!ship_err_is_transient(&e)) {
				*err = e;
				rc = -1;
				break;
			}
			throttled = 1; /* keep polling, slower, until the deadline */
		} else if (!svc) {
			*end = SHIP_WAIT_GONE;
			break;
		} else {
			if (ship_service_view_parse(svc, &cur, &e)) {
				json_decref(svc);
				*err = e;
				rc = -1;
				break;
			}
			int news = 0;
			if (o->events)
				news = ship_event_cursor_feed(o->events, json_object_get(svc, "events"),
							      0, o->on_event, o->ctx);
			changed = !have_prev || news > 0 || view_changed(&prev, &cur);
			prev = cur;
			have_prev = 1;
			json_decref(svc);
			if (o->on_snapshot)
				o->on_snapshot(o->ctx, &cur, clk->now(clk->ctx) - start, changed);
			if (done(done_ctx, &cur)) {
				*end = SHIP_WAIT_DONE;
				break;
			}
		}
		if (throttled)
			st.throttled_polls++;
		double now = clk->now(clk->ctx);
		if (now >= deadline) {
			*end = SHIP_WAIT_TIMEOUT;
			break;
		}
		double pause = ship_poll_next(&poll, changed, throttled);
		if (now + pause > deadline)
			pause = deadline - now;
		clk->sleep(clk->ctx, pause);
	}
	st.elapsed = clk->now(clk->ctx) - start;
	if (last && have_prev)
		*last = prev;
	else if (last)
		memset(last, 0, sizeof(*last));
	if (stats)
		*stats = st;
	return rc;
}
