/*
 * wait.c: DescribeServices and the polling loop behind every wait (deploy, rollback, `ecship
 * wait`): adaptive interval, throttling-aware, deadline and cancellation on the client's clock.
 * Depends on the client (aws.h) and rollout.c; never prints.
 */
#include <string.h>

#include "ecship/ecs.h"
#include "ecship/i18n.h"
#include "ecship/svcdeploy.h"

int ship_ecs_describe_service(struct ship_aws *aws, const char *cluster, const char *service,
			      json_t **service_out, struct ship_err *err)
{
	return ship_ecs_describe_service_opts(aws, cluster, service, NULL, service_out, err);
}

int ship_ecs_describe_service_opts(struct ship_aws *aws, const char *cluster, const char *service,
				   const struct ship_call_opts *call, json_t **service_out,
				   struct ship_err *err)
{
	json_t *resp = NULL;
	json_t *req = json_pack("{s:s, s:[s]}", "cluster", cluster, "services", service);
	*service_out = NULL;
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "DescribeServices", req, &resp, call, err);
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

/*
 * The primary deployment has all its tasks running and only older tasks are left to stop: ECS
 * marks it COMPLETED any moment now, so the next poll should not wait long.
 */
static int about_to_finish(const struct ship_service_view *v)
{
	const struct ship_deployment_view *p = ship_service_primary(v);
	return p && p->desired > 0 && p->running >= p->desired && p->pending == 0 &&
	       (v->ndep > 1 || strcmp(p->rollout_state, "COMPLETED"));
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

/*
 * One DescribeServices for up to SHIP_DESCRIBE_BATCH unfinished items, from *next on (the API
 * takes at most 10 names per call: API_DescribeServices, "services"); svcs[i] (new reference) or
 * NULL when missing, for the items asked about. *next moves past them; *asked says whether any was.
 */
static int describe_batch(struct ship_aws *aws, const char *cluster, struct ship_wait_item *items,
			  size_t n, size_t *next, const struct ship_call_opts *call, json_t **svcs,
			  int *asked, struct ship_err *err)
{
	json_t *resp = NULL, *names = json_array(), *s;
	size_t i, j, first = *next, k = 0;
	if (!names)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	for (i = first; i < n && k < SHIP_DESCRIBE_BATCH; i++) {
		svcs[i] = NULL;
		if (!items[i].finished) {
			json_array_append_new(names, json_string(items[i].service));
			k++;
		}
	}
	*next = i;
	*asked = k > 0;
	if (!k) {
		json_decref(names);
		return 0;
	}
	json_t *req = json_pack("{s:s, s:o}", "cluster", cluster, "services", names);
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "DescribeServices", req, &resp, call, err);
	json_decref(req);
	if (r)
		return -1;
	json_array_foreach(json_object_get(resp, "services"), j, s) {
		const char *name = json_string_value(json_object_get(s, "serviceName"));
		const char *arn = json_string_value(json_object_get(s, "serviceArn"));
		const char *status = json_string_value(json_object_get(s, "status"));
		/* DRAINING only follows DeleteService (ECS API Reference, Service.status): the
		 * service is on its way to INACTIVE and no deployment of it completes any more */
		if (status && (!strcmp(status, "INACTIVE") || !strcmp(status, "DRAINING")))
			continue;
		for (i = first; i < *next; i++) {
			const char *want = items[i].service;
			size_t wl = strlen(want), al = arn ? strlen(arn) : 0;
			if (items[i].finished)
				continue;
			if (!svcs[i] &&
			    ((name && !strcmp(name, want)) || (arn && !strcmp(arn, want)) ||
			     (arn && al > wl && arn[al - wl - 1] == '/' &&
			      !strcmp(arn + al - wl, want))))
				svcs[i] = json_incref(s);
		}
	}
	json_decref(resp);
	return 0;
}

/* One poll: DescribeServices for every unfinished item, ten per call. */
static int describe_many(struct ship_aws *aws, const char *cluster, struct ship_wait_item *items,
			 size_t n, const struct ship_call_opts *call, json_t **svcs,
			 struct ship_err *err)
{
	size_t next = 0, i;
	int asked;
	for (i = 0; i < n; i++)
		svcs[i] = NULL;
	while (next < n)
		if (describe_batch(aws, cluster, items, n, &next, call, svcs, &asked, err)) {
			for (i = 0; i < n; i++) {
				json_decref(svcs[i]);
				svcs[i] = NULL;
			}
			return -1;
		}
	return 0;
}

int ship_ecs_wait_many(struct ship_aws *aws, const char *cluster, struct ship_wait_item *items,
		       size_t n, const struct ship_wait_opts *o, struct ship_wait_stats *stats,
		       struct ship_err *err)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	struct ship_wait_stats st = {0, 0, 0, 0};
	struct ship_sdep_follow **looks = NULL;
	struct ship_poll poll;
	json_t **svcs = NULL;
	int *have = NULL, rc = 0;
	double start = clk->now(clk->ctx), deadline = start + o->timeout;
	size_t left = n, i;
	/* two snapshots per service, the last one and the one being read, swapped by index: a
	 * snapshot is about 10 KB and is never copied per poll */
	struct ship_service_view(*views)[2];
	unsigned char *cur_of = NULL;

	if (n == 0 || n > SHIP_DEPLOY_MAX_SERVICES)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    _("between 1 and %d services can be waited for"),
				    SHIP_DEPLOY_MAX_SERVICES);
	views = ship_calloc(n, sizeof(*views));
	svcs = ship_calloc(n, sizeof(*svcs));
	have = ship_calloc(n, sizeof(*have));
	cur_of = ship_calloc(n, sizeof(*cur_of));
	looks = ship_calloc(n, sizeof(*looks));
	if (!views || !svcs || !have || !cur_of || !looks) {
		rc = ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		items[i].finished = 0;
		items[i].end = SHIP_WAIT_TIMEOUT;
		memset(&items[i].last, 0, sizeof(items[i].last));
	}
	ship_poll_init(&poll);
	if (o->first_poll_after > 0)
		clk->sleep(clk->ctx, o->first_poll_after);
	while (left > 0) {
		if (o->cancelled && o->cancelled(o->ctx)) {
			for (i = 0; i < n; i++)
				if (!items[i].finished)
					items[i].end = SHIP_WAIT_INTERRUPTED;
			break;
		}
		struct ship_aws_stats before, after;
		struct ship_err e = SHIP_ERR_INIT;
		int changed = 0, throttled;
		ship_aws_stats(aws, &before);
		int r = describe_many(aws, cluster, items, n, o->call, svcs, &e);
		ship_aws_stats(aws, &after);
		st.polls++;
		throttled = after.throttled > before.throttled;
		if (r && e.code == SHIP_ERR_INTERRUPTED) { /* Ctrl-C ended the poll in flight */
			for (i = 0; i < n; i++)
				if (!items[i].finished)
					items[i].end = SHIP_WAIT_INTERRUPTED;
			for (i = 0; i < n; i++)
				json_decref(svcs[i]);
			break;
		}
		if (r) {
			if (!ship_err_is_transient(&e)) {
				*err = e;
				rc = -1;
				break;
			}
			throttled = 1; /* keep polling, slower, until the deadline */
		} else {
			for (i = 0; i < n; i++) {
				struct ship_wait_item *it = &items[i];
				if (it->finished)
					continue;
				if (!svcs[i]) {
					it->finished = 1;
					it->elapsed = clk->now(clk->ctx) - start;
					it->end = SHIP_WAIT_GONE;
					left--;
					continue;
				}
				struct ship_service_view *cur = &views[i][!cur_of[i]];
				const struct ship_service_view *prev = &views[i][cur_of[i]];
				if (ship_service_view_parse(svcs[i], cur, &e)) {
					*err = e;
					rc = -1;
					break;
				}
				int news = 0;
				if (it->events)
					news = ship_event_cursor_feed(it->events,
								      json_object_get(svcs[i], "events"),
								      0, o->on_event, o->ctx);
				int ch = !have[i] || news > 0 || view_changed(prev, cur) ||
					 about_to_finish(cur);
				changed |= ch;
				cur_of[i] = !cur_of[i];
				have[i] = 1;
				if (o->on_snapshot)
					o->on_snapshot(o->ctx, cur, clk->now(clk->ctx) - start, ch);
			}
			/* ECS's record of the followed deployments that want a look, 20 per call */
			size_t nlook = 0;
			for (i = 0; !rc && i < n; i++)
				if (!items[i].finished && items[i].sdep &&
				    ship_sdep_wants_look(items[i].sdep, &views[i][cur_of[i]],
							 clk->now(clk->ctx)))
					looks[nlook++] = items[i].sdep;
			if (nlook)
				st.sdep_calls += ship_sdep_look_many(aws, looks, nlook, o->call,
								     clk->now(clk->ctx));
			for (i = 0; !rc && i < n; i++) {
				struct ship_wait_item *it = &items[i];
				if (it->finished || !svcs[i])
					continue;
				if (it->done(it->done_ctx, &views[i][cur_of[i]])) {
					it->finished = 1;
					it->elapsed = clk->now(clk->ctx) - start;
					it->end = SHIP_WAIT_DONE;
					left--;
				}
			}
		}
		for (i = 0; i < n; i++)
			json_decref(svcs[i]);
		if (rc || left == 0)
			break;
		if (throttled)
			st.throttled_polls++;
		double now = clk->now(clk->ctx);
		if (now >= deadline)
			break; /* the unfinished keep SHIP_WAIT_TIMEOUT */
		/* the services left are polled more often once they need fewer calls than the
		 * first poll made (docs/waiting.md) */
		double pause = ship_poll_share(ship_poll_next(&poll, changed, throttled),
					       (left + SHIP_DESCRIBE_BATCH - 1) / SHIP_DESCRIBE_BATCH,
					       (n + SHIP_DESCRIBE_BATCH - 1) / SHIP_DESCRIBE_BATCH,
					       throttled);
		if (now + pause > deadline)
			pause = deadline - now;
		clk->sleep(clk->ctx, pause);
	}
	for (i = 0; i < n; i++) {
		if (have[i])
			items[i].last = views[i][cur_of[i]];
		if (!items[i].finished)
			items[i].elapsed = clk->now(clk->ctx) - start;
	}
cleanup:
	ship_free(views);
	ship_free(svcs);
	ship_free(have);
	ship_free(cur_of);
	ship_free(looks);
	st.elapsed = clk->now(clk->ctx) - start;
	if (stats)
		*stats = st;
	return rc;
}

int ship_ecs_wait(struct ship_aws *aws, const char *cluster, const char *service,
		  ship_wait_done_fn done, void *done_ctx, const struct ship_wait_opts *o,
		  enum ship_wait_end *end, struct ship_service_view *last,
		  struct ship_wait_stats *stats, struct ship_err *err)
{
	struct ship_wait_item it;
	memset(&it, 0, sizeof(it));
	it.service = service;
	it.done = done;
	it.done_ctx = done_ctx;
	it.events = o->events;
	it.sdep = o->sdep;
	int r = ship_ecs_wait_many(aws, cluster, &it, 1, o, stats, err);
	*end = it.end;
	if (last)
		*last = it.last;
	return r;
}
