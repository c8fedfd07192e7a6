/*
 * logs_elb.c: the two read-only side APIs ecship-sim answers for its own tasks: CloudWatch Logs
 * (DescribeLogStreams, GetLogEvents, FilterLogEvents) over the awslogs lines its tasks write,
 * and ELBv2 DescribeTargetHealth for its services' target groups. Anything else goes upstream.
 * Lock held. Depends on sim.h and jansson.
 */
#include <math.h>
#include <stdio.h>
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

int sim_logs_call(struct sim *s, const char *action, json_t *in, json_t **out, struct sim_apierr *e)
{
	const char *group = json_string_value(json_object_get(in, "logGroupName"));
	json_t *jlimit = json_object_get(in, "limit");
	long limit = json_is_integer(jlimit) ? (long)json_integer_value(jlimit) : 10000;
	if (limit < 1 || limit > 10000)
		return sim_err(e, "InvalidParameterException", "limit must be between 1 and 10000");
	if (strcmp(action, "DescribeLogStreams") == 0) {
		const char *prefix = json_string_value(json_object_get(in, "logStreamNamePrefix"));
		int by_time = strcmp(json_string_value(json_object_get(in, "orderBy")) ?: "", "LastEventTime") == 0;
		int desc = json_is_true(json_object_get(in, "descending"));
		if (limit > 50)
			limit = 50;
		json_t *list = json_array();
		for (struct sim_task *t = s->tasks; t; t = t->next) {
			if (!t->log_group || strcmp(t->log_group, group) != 0 ||
			    (prefix && strncmp(t->log_stream, prefix, strlen(prefix)) != 0))
				continue;
			json_array_append_new(list, stream_json(s, t));
		}
		if (desc || by_time) {
			/* creation order is ascending already; reverse for descending */
			size_t n = json_array_size(list);
			if (desc) {
				json_t *rev = json_array();
				for (size_t i = n; i-- > 0;)
					json_array_append(rev, json_array_get(list, i));
				json_decref(list);
				list = rev;
			}
		}
		while ((long)json_array_size(list) > limit)
			json_array_remove(list, json_array_size(list) - 1);
		*out = json_pack("{s:o}", "logStreams", list);
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
		json_t *events = json_array();
		int from_head = json_is_true(json_object_get(in, "startFromHead"));
		int n = 0, first = 0;
		for (int i = 0; i < t->nlines; i++)
			if (visible(s, &t->lines[i]) && ms(t->lines[i].at) >= start && ms(t->lines[i].at) < end)
				n++;
		if (!from_head && n > limit)
			first = n - (int)limit;
		int k = 0;
		for (int i = 0; i < t->nlines; i++) {
			struct sim_logline *l = &t->lines[i];
			if (!visible(s, l) || ms(l->at) < start || ms(l->at) >= end)
				continue;
			if (k++ < first || (long)json_array_size(events) >= limit)
				continue;
			json_array_append_new(events, json_pack("{s:I,s:s,s:I}", "timestamp", (json_int_t)ms(l->at), "message",
								l->message, "ingestionTime", (json_int_t)ms(l->at) + 150));
		}
		char fwd[64], bwd[64];
		snprintf(fwd, sizeof(fwd), "f/%020d", k);
		snprintf(bwd, sizeof(bwd), "b/%020d", first);
		*out = json_pack("{s:o,s:s,s:s}", "events", events, "nextForwardToken", fwd, "nextBackwardToken", bwd);
		return 0;
	}
	/* FilterLogEvents */
	const char *pattern = json_string_value(json_object_get(in, "filterPattern"));
	const char *prefix = json_string_value(json_object_get(in, "logStreamNamePrefix"));
	json_t *names = json_object_get(in, "logStreamNames");
	json_t *events = json_array(), *searched = json_array();
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
		for (int i = 0; i < t->nlines && (long)json_array_size(events) < limit; i++) {
			struct sim_logline *l = &t->lines[i];
			if (!visible(s, l) || ms(l->at) < start || ms(l->at) >= end || !filter_match(pattern, l->message))
				continue;
			char id[80];
			snprintf(id, sizeof(id), "%020lld%s%04d", ms(l->at), t->id, i);
			json_array_append_new(events, json_pack("{s:s,s:I,s:s,s:I,s:s}", "logStreamName", t->log_stream,
								"timestamp", (json_int_t)ms(l->at), "message", l->message,
								"ingestionTime", (json_int_t)ms(l->at) + 150, "eventId", id));
		}
	}
	*out = json_pack("{s:o,s:o}", "events", events, "searchedLogStreams", searched);
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
		if (strcmp(json_string_value(json_object_get(lb, "targetGroupArn")) ?: "", tg) == 0)
			ours = 1;
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
