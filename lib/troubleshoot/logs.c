/*
 * logs.c: awslogs settings from a task definition, FilterLogEvents / GetLogEvents into one
 * time-ordered list, and the follow cursor (see logs.h). Bounded by the list's maximum and a
 * page limit. Depends on aws.h and jansson; never prints.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecship/logs.h"

static const json_t *unwrap_td(const json_t *td)
{
	const json_t *inner = json_object_get(td, "taskDefinition");
	return json_is_object(inner) ? inner : td;
}

static int uses_awslogs(const json_t *c)
{
	const char *d =
	    json_string_value(json_object_get(json_object_get(c, "logConfiguration"), "logDriver"));
	return d && !strcmp(d, "awslogs");
}

int ship_awslogs_of(const json_t *taskdef, const char *container, struct ship_awslogs *out,
		    struct ship_err *err)
{
	const json_t *td = unwrap_td(taskdef), *c, *pick = NULL;
	size_t i;
	memset(out, 0, sizeof(*out));
	json_array_foreach(json_object_get(td, "containerDefinitions"), i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		if (container) {
			if (name && !strcmp(name, container))
				pick = c;
			continue;
		}
		/* the first essential container using awslogs, else the first using it */
		if (uses_awslogs(c) &&
		    (!pick || (json_is_false(json_object_get(pick, "essential")) &&
			       !json_is_false(json_object_get(c, "essential")))))
			pick = c;
	}
	if (container && !pick)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "the task definition has no container '%s'", container);
	if (!pick)
		return ship_err_set(
		    err, SHIP_ERR_INPUT,
		    "no container of the task definition uses the awslogs log driver, "
		    "so its output is not in CloudWatch Logs");
	const char *name = json_string_value(json_object_get(pick, "name"));
	if (snprintf(out->container, sizeof(out->container), "%s", name ? name : "") >=
	    (int)sizeof(out->container))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "a container name is longer than %zu "
				    "characters",
				    sizeof(out->container) - 1);
	if (!uses_awslogs(pick))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "container '%s' does not use the awslogs log driver",
				    out->container);
	const json_t *opts = json_object_get(json_object_get(pick, "logConfiguration"), "options");
	const char *g = json_string_value(json_object_get(opts, "awslogs-group"));
	const char *r = json_string_value(json_object_get(opts, "awslogs-region"));
	const char *p = json_string_value(json_object_get(opts, "awslogs-stream-prefix"));
	if (!g || !*g)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "container '%s' uses awslogs without 'awslogs-group'",
				    out->container);
	if (snprintf(out->group, sizeof(out->group), "%s", g) >= (int)sizeof(out->group) ||
	    snprintf(out->region, sizeof(out->region), "%s", r ? r : "") >=
		(int)sizeof(out->region) ||
	    snprintf(out->prefix, sizeof(out->prefix), "%s", p ? p : "") >=
		(int)sizeof(out->prefix))
		return ship_err_set(
		    err, SHIP_ERR_INPUT,
		    "container '%s': an awslogs option is longer than CloudWatch Logs "
		    "allows (512 characters for a group or stream name)",
		    out->container);
	return 0;
}

int ship_awslogs_stream(const struct ship_awslogs *l, const char *task_id, char *out, size_t n)
{
	if (!l->prefix[0] || !task_id || !*task_id)
		return -1;
	int w = snprintf(out, n, "%s/%s/%s", l->prefix, l->container, task_id);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* ---- events ------------------------------------------------------------------------------- */

void ship_log_events_release(struct ship_log_events *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++) {
		ship_free(e->v[i].stream);
		ship_free(e->v[i].message);
		ship_free(e->v[i].id);
	}
	ship_free(e->v);
	size_t max = e->max;
	memset(e, 0, sizeof(*e));
	e->max = max;
}

int ship_log_events_add(struct ship_log_events *e, double time, const char *stream,
			const char *message, const char *id)
{
	size_t max = e->max ? e->max : 10000;
	if (e->n >= max) {
		e->dropped++;
		return 0;
	}
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		struct ship_log_event *nv = ship_realloc(e->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		e->v = nv;
		e->cap = cap;
	}
	char synth[96];
	if (!id || !*id) {
		/* GetLogEvents gives no id: time, stream and a hash of the message identify it */
		unsigned long h = 5381;
		for (const char *p = message ? message : ""; *p; p++)
			h = h * 33 + (unsigned char)*p;
		snprintf(synth, sizeof(synth), "%.0f:%.40s:%lx", time * 1000, stream ? stream : "",
			 h);
		id = synth;
	}
	struct ship_log_event *ev = &e->v[e->n];
	size_t mlen = message ? strlen(message) : 0;
	while (mlen && (message[mlen - 1] == '\n' || message[mlen - 1] == '\r'))
		mlen--;
	ev->time = time;
	ev->stream = ship_strdup(stream ? stream : "");
	ev->message = ship_strndup(message ? message : "", mlen);
	ev->id = ship_strdup(id);
	ev->seq = e->seq++;
	if (!ev->stream || !ev->message || !ev->id) {
		ship_free(ev->stream);
		ship_free(ev->message);
		ship_free(ev->id);
		return -1;
	}
	e->n++;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct ship_log_event *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void ship_log_events_sort(struct ship_log_events *e)
{
	if (e->n > 1)
		qsort(e->v, e->n, sizeof(e->v[0]), by_time);
}

static double ev_time(const json_t *ev)
{
	json_t *t = json_object_get(ev, "timestamp");
	return json_is_number(t) ? json_number_value(t) / 1000.0 : 0;
}

struct filter_pages {
	const struct ship_logs_query *q;
	struct ship_log_events *out;
	size_t pages;
};

static int filter_page(void *ctx, json_t *resp, struct ship_err *err)
{
	struct filter_pages *f = ctx;
	json_t *ev;
	size_t i;
	json_array_foreach(json_object_get(resp, "events"), i, ev)
	{
		if (ship_log_events_add(f->out, ev_time(ev),
					json_string_value(json_object_get(ev, "logStreamName")),
					json_string_value(json_object_get(ev, "message")),
					json_string_value(json_object_get(ev, "eventId"))))
			return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	return ++f->pages == f->q->max_pages;
}

int ship_logs_filter(struct ship_aws *aws, const struct ship_logs_query *q,
		     struct ship_log_events *out, struct ship_err *err)
{
	struct filter_pages f = {q, out, 0};
	json_t *req = json_pack("{s:s}", "logGroupName", q->group);
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	if (q->nstreams) {
		json_t *names = json_array();
		for (size_t i = 0; names && i < q->nstreams && i < 100; i++)
			json_array_append_new(names, json_string(q->streams[i]));
		json_object_set_new(req, "logStreamNames", names);
	} else if (q->stream_prefix && *q->stream_prefix) {
		json_object_set_new(req, "logStreamNamePrefix", json_string(q->stream_prefix));
	}
	if (q->start > 0)
		json_object_set_new(req, "startTime",
				    json_integer((json_int_t)floor(q->start * 1000)));
	if (q->end > 0)
		json_object_set_new(req, "endTime", json_integer((json_int_t)ceil(q->end * 1000)));
	if (q->filter && *q->filter)
		json_object_set_new(req, "filterPattern", json_string(q->filter));
	/* a token equal to the one sent means the end, as in GetLogEvents (ship_aws_json_pages) */
	int r = ship_aws_json_pages(aws, SHIP_SVC_LOGS, "FilterLogEvents", req, NULL, filter_page,
				    &f, err);
	json_decref(req);
	if (r)
		return ship_err_prefix(err, "cannot read log group '%s'", q->group);
	ship_log_events_sort(out);
	return 0;
}

int ship_logs_stream_exists(struct ship_aws *aws, const char *group, const char *stream,
			    int *exists, struct ship_err *err)
{
	json_t *resp = NULL, *s;
	size_t i;
	*exists = 0;
	/* the names that start with it, in name order: the stream itself comes first */
	json_t *req = json_pack("{s:s, s:s, s:i}", "logGroupName", group, "logStreamNamePrefix",
				stream, "limit", 1);
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json(aws, SHIP_SVC_LOGS, "DescribeLogStreams", req, &resp, NULL, err);
	json_decref(req);
	if (r)
		return ship_err_prefix(err, "cannot list the log streams of group '%s'", group);
	json_array_foreach(json_object_get(resp, "logStreams"), i, s)
	{
		const char *name = json_string_value(json_object_get(s, "logStreamName"));
		if (name && !strcmp(name, stream))
			*exists = 1;
	}
	json_decref(resp);
	return 0;
}

int ship_logs_tail(struct ship_aws *aws, const char *group, const char *stream, size_t n,
		   struct ship_log_events *out, struct ship_err *err)
{
	json_t *resp = NULL;
	if (n < 1 || n > 10000)
		n = n < 1 ? 1 : 10000;
	json_t *req = json_pack("{s:s, s:s, s:I, s:b}", "logGroupName", group, "logStreamName",
				stream, "limit", (json_int_t)n, "startFromHead", 0);
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json(aws, SHIP_SVC_LOGS, "GetLogEvents", req, &resp, NULL, err);
	json_decref(req);
	if (r)
		return ship_err_prefix(err, "cannot read log stream '%s' of group '%s'", stream,
				       group);
	json_t *ev;
	size_t i;
	json_array_foreach(json_object_get(resp, "events"), i, ev)
	{
		if (ship_log_events_add(out, ev_time(ev), stream,
					json_string_value(json_object_get(ev, "message")), NULL)) {
			json_decref(resp);
			return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		}
	}
	json_decref(resp);
	ship_log_events_sort(out);
	return 0;
}

/* ---- following ------------------------------------------------------------------------------ */

void ship_logs_follow_init(struct ship_logs_follow *f, double since)
{
	memset(f, 0, sizeof(*f));
	f->since = since;
}

static int seen(const struct ship_logs_follow *f, const char *id)
{
	for (size_t i = 0; i < f->nids; i++)
		if (!strcmp(f->ids[i], id))
			return 1;
	return 0;
}

size_t ship_logs_follow_take(struct ship_logs_follow *f, struct ship_log_events *ev)
{
	size_t keep = 0;
	long long since_ms = llround(f->since * 1000);
	for (size_t i = 0; i < ev->n; i++) {
		struct ship_log_event *e = &ev->v[i];
		long long ms = llround(e->time * 1000);
		int old = ms < since_ms || (ms == since_ms && seen(f, e->id));
		if (old) {
			ship_free(e->stream);
			ship_free(e->message);
			ship_free(e->id);
			continue;
		}
		if (ms > since_ms) {
			since_ms = ms;
			f->since = e->time;
			f->nids = 0;
		}
		if (f->nids < SHIP_LOGS_FOLLOW_IDS)
			snprintf(f->ids[f->nids++], sizeof(f->ids[0]), "%s", e->id);
		ev->v[keep++] = *e;
	}
	ev->n = keep;
	return keep;
}
