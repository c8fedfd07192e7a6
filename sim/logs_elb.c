/*
 * logs_elb.c: the two read-only side APIs ecship-sim answers for its own tasks: CloudWatch Logs
 * (DescribeLogStreams, GetLogEvents, FilterLogEvents) over the awslogs lines its tasks write,
 * and ELBv2 DescribeTargetHealth for its services' target groups. Anything else goes upstream.
 * Lock held. Depends on sim.h and jansson.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static int group_known(struct sim *s, const char *group)
{
	for (struct sim_task *t = s->tasks; t; t = t->next)
		if (t->log_group && strcmp(t->log_group, group) == 0)
			return 1;
	return 0;
}

int sim_logs_owns(struct sim *s, const char *action, json_t *in)
{
	const char *g = json_string_value(json_object_get(in, "logGroupName"));
	if (!g)
		return 0;
	if (strcmp(action, "GetLogEvents") && strcmp(action, "FilterLogEvents") && strcmp(action, "DescribeLogStreams"))
		return 0;
	return group_known(s, g);
}

static long long ms(double t) { return (long long)floor(t * 1000); }

/* The lines a task has written by now. */
static int visible(struct sim *s, const struct sim_logline *l) { return l->at <= s->now; }

static json_t *stream_json(struct sim *s, struct sim_task *t)
{
	char arn[600];
	snprintf(arn, sizeof(arn), "arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", s->region, s->account, t->log_group,
		 t->log_stream);
	double first = 0, last = 0;
	for (int i = 0; i < t->nlines; i++)
		if (visible(s, &t->lines[i])) {
			if (!first || t->lines[i].at < first)
				first = t->lines[i].at;
			if (t->lines[i].at > last)
				last = t->lines[i].at;
		}
	json_t *o = json_pack("{s:s,s:I,s:s,s:i}", "logStreamName", t->log_stream, "creationTime",
			      (json_int_t)ms(t->started_at ? t->started_at : t->created_at), "arn", arn, "storedBytes", 0);
	if (first) {
		json_object_set_new(o, "firstEventTimestamp", json_integer(ms(first)));
		json_object_set_new(o, "lastEventTimestamp", json_integer(ms(last)));
		json_object_set_new(o, "lastIngestionTime", json_integer(ms(last) + 150));
	}
	return o;
}

static int filter_match(const char *pattern, const char *msg)
{
	/* plain terms, all of which must occur; a quoted pattern is one term */
	if (!pattern || !*pattern)
		return 1;
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", pattern);
	size_t n = strlen(buf);
	if (n >= 2 && buf[0] == '"' && buf[n - 1] == '"') {
		buf[n - 1] = '\0';
		return strstr(msg, buf + 1) != NULL;
	}
	for (char *tok = buf; *tok;) {
		while (*tok == ' ')
			tok++;
		size_t len = strcspn(tok, " ");
		if (!len)
			break;
		char c = tok[len];
		tok[len] = '\0';
		int hit = strstr(msg, tok) != NULL;
		tok[len] = c;
		if (!hit)
			return 0;
		tok += len;
	}
	return 1;
}

/* nextToken of this file's own making: "<kind>/<offset>"; -1 when absent, -2 when not ours. */
static long token_offset(json_t *in, const char *key, char kind)
{
	json_t *v = json_object_get(in, key);
	if (!v)
		return -1;
	const char *t = json_string_value(v);
	long off;
	if (!t || t[0] != kind || t[1] != '/' || ship_parse_long(t + 2, 0, 100000000, &off) != 0)
		return -2;
	return off;
}

struct hit {
	long long at;
	struct sim_task *t;
	int line;
};

/* time order, then stream, then line: the order FilterLogEvents returns events in */
static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	int c = strcmp(x->t->log_stream, y->t->log_stream);
	return c ? c : x->line - y->line;
}

struct stream_at {
	long long last;
	json_t *o;
};

static int stream_cmp(const void *a, const void *b)
{
	const struct stream_at *x = a, *y = b;
	return x->last < y->last ? -1 : x->last > y->last;
}

int sim_logs_call(struct sim *s, const char *action, json_t *in, json_t **out, struct sim_apierr *e)
{
	const char *group = json_string_value(json_object_get(in, "logGroupName"));
	json_t *jlimit = json_object_get(in, "limit");
	long limit = json_is_integer(jlimit) ? (long)json_integer_value(jlimit) : 10000;
	if (limit < 1 || limit > 10000)
		return sim_err(e, "InvalidParameterException", "limit must be between 1 and 10000");
	/*
	 * DescribeLogStreams: by name, or with orderBy LastEventTime by the last event's time
	 * (ascending, descending on request); at most 50 a page, nextToken for the rest.
	 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogStreams.html
	 */
	if (strcmp(action, "DescribeLogStreams") == 0) {
		const char *prefix = json_string_value(json_object_get(in, "logStreamNamePrefix"));
		int by_time = strcmp(json_string_value(json_object_get(in, "orderBy")) ?: "", "LastEventTime") == 0;
		int desc = json_is_true(json_object_get(in, "descending"));
		long skip = token_offset(in, "nextToken", 's');
		if (skip == -2)
			return sim_err(e, "InvalidParameterException", "The specified nextToken is invalid.");
		if (by_time && prefix)
			return sim_err(e, "InvalidParameterException",
				       "Cannot order by LastEventTime with a logStreamNamePrefix.");
		if (limit > 50)
			limit = 50;
		size_t n = 0, cap = 0;
		struct stream_at *v = NULL;
		for (struct sim_task *t = s->tasks; t; t = t->next) {
			if (!t->log_group || strcmp(t->log_group, group) != 0 ||
			    (prefix && strncmp(t->log_stream, prefix, strlen(prefix)) != 0))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				struct stream_at *nv = ship_realloc(v, cap * sizeof(*v));
				if (!nv)
					break;
				v = nv;
			}
			json_t *o = stream_json(s, t);
			json_t *le = json_object_get(o, "lastEventTimestamp");
			v[n].last = le ? json_integer_value(le) : json_integer_value(json_object_get(o, "creationTime"));
			v[n++].o = o;
		}
		if (by_time && n > 1)
			qsort(v, n, sizeof(*v), stream_cmp); /* stable enough: equal times keep no promise */
		else if (n > 1) {
			/* by name (lexicographic), as CloudWatch Logs orders by default */
			for (size_t i = 1; i < n; i++)
				for (size_t j = i; j > 0 &&
						   strcmp(json_string_value(json_object_get(v[j - 1].o, "logStreamName")),
							  json_string_value(json_object_get(v[j].o, "logStreamName"))) > 0;
				     j--) {
					struct stream_at tmp = v[j];
					v[j] = v[j - 1];
					v[j - 1] = tmp;
				}
		}
		json_t *list = json_array();
		long from = skip < 0 ? 0 : skip, k = 0;
		for (size_t i = 0; i < n; i++) {
			size_t idx = desc ? n - 1 - i : i;
			if (k >= from && k < from + limit)
				json_array_append(list, v[idx].o);
			k++;
			json_decref(v[idx].o);
		}
		ship_free(v);
		*out = json_pack("{s:o}", "logStreams", list);
		if (*out && from + limit < (long)n) {
			char tok[40];
			snprintf(tok, sizeof(tok), "s/%ld", from + limit);
			json_object_set_new(*out, "nextToken", json_string(tok));
		}
		return 0;
	}
	json_t *jstart = json_object_get(in, "startTime"), *jend = json_object_get(in, "endTime");
	long long start = json_is_integer(jstart) ? json_integer_value(jstart) : 0;
	long long end = json_is_integer(jend) ? json_integer_value(jend) : (long long)9e18;
	if (strcmp(action, "GetLogEvents") == 0) {
		const char *stream = json_string_value(json_object_get(in, "logStreamName"));
		struct sim_task *t = NULL;
		for (struct sim_task *x = s->tasks; x && stream; x = x->next)
			if (x->log_group && strcmp(x->log_group, group) == 0 && strcmp(x->log_stream, stream) == 0)
				t = x;
		if (!t)
			return sim_err(e, "ResourceNotFoundException", "The specified log stream does not exist.");
		/*
		 * Paging: without a token, the first `limit` events (startFromHead) or the last ones;
		 * nextForwardToken continues after the page, nextBackwardToken before it; at the end
		 * the forward token comes back unchanged.
		 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html
		 */
		json_t *events = json_array();
		int from_head = json_is_true(json_object_get(in, "startFromHead"));
		long n = 0;
		for (int i = 0; i < t->nlines; i++)
			if (visible(s, &t->lines[i]) && ms(t->lines[i].at) >= start && ms(t->lines[i].at) < end)
				n++;
		const char *tok = json_string_value(json_object_get(in, "nextToken"));
		long lo, hi;
		if (tok && tok[0] == 'f') {
			if ((lo = token_offset(in, "nextToken", 'f')) < 0)
				return sim_err(e, "InvalidParameterException", "The specified nextToken is invalid.");
			if (lo > n)
				lo = n;
			hi = lo + limit < n ? lo + limit : n;
		} else if (tok) {
			if ((hi = token_offset(in, "nextToken", 'b')) < 0)
				return sim_err(e, "InvalidParameterException", "The specified nextToken is invalid.");
			if (hi > n)
				hi = n;
			lo = hi - limit > 0 ? hi - limit : 0;
		} else if (from_head) {
			lo = 0;
			hi = limit < n ? limit : n;
		} else {
			hi = n;
			lo = n - limit > 0 ? n - limit : 0;
		}
		long k = 0;
		for (int i = 0; i < t->nlines; i++) {
			struct sim_logline *l = &t->lines[i];
			if (!visible(s, l) || ms(l->at) < start || ms(l->at) >= end)
				continue;
			if (k >= lo && k < hi)
				json_array_append_new(events, json_pack("{s:I,s:s,s:I}", "timestamp", (json_int_t)ms(l->at),
									"message", l->message, "ingestionTime",
									(json_int_t)ms(l->at) + 150));
			k++;
		}
		char fwd[64], bwd[64];
		snprintf(fwd, sizeof(fwd), "f/%020ld", hi);
		snprintf(bwd, sizeof(bwd), "b/%020ld", lo);
		*out = json_pack("{s:o,s:s,s:s}", "events", events, "nextForwardToken", fwd, "nextBackwardToken", bwd);
		return 0;
	}
	/*
	 * FilterLogEvents: the matching events of every stream, in time order, at most `limit`
	 * (default 10,000) a page, nextToken for the rest.
	 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html
	 */
	const char *pattern = json_string_value(json_object_get(in, "filterPattern"));
	const char *prefix = json_string_value(json_object_get(in, "logStreamNamePrefix"));
	json_t *names = json_object_get(in, "logStreamNames");
	long skip = token_offset(in, "nextToken", 'e');
	if (skip == -2)
		return sim_err(e, "InvalidParameterException", "The specified nextToken is invalid.");
	if (skip < 0)
		skip = 0;
	json_t *events = json_array(), *searched = json_array();
	size_t n = 0, cap = 0;
	struct hit *hits = NULL;
	for (struct sim_task *t = s->tasks; t; t = t->next) {
		if (!t->log_group || strcmp(t->log_group, group) != 0)
			continue;
		if (prefix && strncmp(t->log_stream, prefix, strlen(prefix)) != 0)
			continue;
		if (json_is_array(names) && json_array_size(names)) {
			int hit = 0;
			json_t *v;
			size_t i;
			json_array_foreach(names, i, v) hit |= json_is_string(v) && strcmp(json_string_value(v), t->log_stream) == 0;
			if (!hit)
				continue;
		}
		json_array_append_new(searched, json_pack("{s:s,s:b}", "logStreamName", t->log_stream, "searchedCompletely", 1));
		for (int i = 0; i < t->nlines; i++) {
			struct sim_logline *l = &t->lines[i];
			if (!visible(s, l) || ms(l->at) < start || ms(l->at) >= end || !filter_match(pattern, l->message))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				struct hit *nh = ship_realloc(hits, cap * sizeof(*hits));
				if (!nh)
					break;
				hits = nh;
			}
			hits[n].at = ms(l->at);
			hits[n].t = t;
			hits[n++].line = i;
		}
	}
	if (n > 1)
		qsort(hits, n, sizeof(*hits), hit_cmp);
	for (size_t i = (size_t)skip; i < n && (long)json_array_size(events) < limit; i++) {
		struct sim_task *t = hits[i].t;
		struct sim_logline *l = &t->lines[hits[i].line];
		char id[80];
		snprintf(id, sizeof(id), "%020lld%s%04d", hits[i].at, t->id, hits[i].line);
		json_array_append_new(events, json_pack("{s:s,s:I,s:s,s:I,s:s}", "logStreamName", t->log_stream, "timestamp",
							(json_int_t)hits[i].at, "message", l->message, "ingestionTime",
							(json_int_t)hits[i].at + 150, "eventId", id));
	}
	ship_free(hits);
	*out = json_pack("{s:o,s:o}", "events", events, "searchedLogStreams", searched);
	if (*out && (size_t)skip + json_array_size(events) < n) {
		char tok[40];
		snprintf(tok, sizeof(tok), "e/%ld", skip + (long)json_array_size(events));
		json_object_set_new(*out, "nextToken", json_string(tok));
	}
	return 0;
}

/* ---- ELBv2 ------------------------------------------------------------------------------------------ */

int sim_elb_target_health(struct sim *s, const char *tg, struct ship_buf *xml, const char *request_id)
{
	int ours = 0;
	for (struct sim_service *v = s->services; v && !ours; v = v->next) {
		json_t *lb;
		size_t i;
		json_array_foreach(v->load_balancers, i, lb)
		{
			/* the alternate target group of a blue/green service too */
			const char *alt = json_string_value(
			    json_object_get(json_object_get(lb, "advancedConfiguration"), "alternateTargetGroupArn"));
			if (strcmp(json_string_value(json_object_get(lb, "targetGroupArn")) ?: "", tg) == 0 ||
			    (alt && strcmp(alt, tg) == 0))
				ours = 1;
		}
	}
	if (!ours)
		return 0;
	ship_buf_reset(xml);
	ship_buf_adds(xml, "<DescribeTargetHealthResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">"
			   "<DescribeTargetHealthResult><TargetHealthDescriptions>");
	for (struct sim_task *t = s->tasks; t; t = t->next) {
		if (!t->tg_arn || strcmp(t->tg_arn, tg) != 0 || t->target == SIM_TG_NONE)
			continue;
		const char *state = "initial", *reason = "Elb.RegistrationInProgress",
			   *desc = "Target registration is in progress";
		char why[120];
		if (t->target == SIM_TG_INITIAL && s->now >= t->registered_until) {
			/* registered; the first health checks decide (ELB "Target health status") */
			reason = "Elb.InitialHealthChecking";
			desc = "Initial health checks in progress";
		}
		switch (t->target) {
		case SIM_TG_HEALTHY:
			state = "healthy";
			reason = desc = NULL;
			break;
		case SIM_TG_UNHEALTHY:
			state = "unhealthy";
			if (t->last_code) {
				reason = "Target.ResponseCodeMismatch";
				snprintf(why, sizeof(why), "Health checks failed with these codes: [%d]", t->last_code);
				desc = why;
			} else {
				reason = "Target.Timeout";
				desc = "Request timed out";
			}
			break;
		case SIM_TG_DRAINING:
			state = "draining";
			reason = "Target.DeregistrationInProgress";
			desc = "Target deregistration is in progress";
			break;
		default:
			break;
		}
		ship_buf_addf(xml, "<member><HealthCheckPort>%d</HealthCheckPort><Target><Id>%s</Id><Port>%d</Port>"
				   "<AvailabilityZone>%s</AvailabilityZone></Target><TargetHealth><State>%s</State>",
			      t->port, t->ip, t->port, t->az, state);
		if (reason)
			ship_buf_addf(xml, "<Reason>%s</Reason><Description>%s</Description>", reason, desc);
		ship_buf_adds(xml, "</TargetHealth></member>");
	}
	ship_buf_addf(xml, "</TargetHealthDescriptions></DescribeTargetHealthResult><ResponseMetadata><RequestId>%s"
			   "</RequestId></ResponseMetadata></DescribeTargetHealthResponse>",
		      request_id);
	return 1;
}
