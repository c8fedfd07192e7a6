/*
 * http.c: ecship-sim's request router: the control API under /_sim/, ECS and CloudWatch Logs
 * (JSON 1.1 by X-Amz-Target), ELBv2 DescribeTargetHealth (Query), everything else to the
 * upstream; fault injection and the request log around each. Errors come back in each
 * protocol's own shape. Takes sim.lock itself; never holds it while sleeping or forwarding.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecship/text.h"
#include "sim.h"

#define ECS_PREFIX "AmazonEC2ContainerServiceV20141113."
#define LOGS_PREFIX "Logs_20140328."

int sim_err(struct sim_apierr *e, const char *type, const char *fmt, ...)
{
	va_list ap;
	e->status = 400;
	snprintf(e->type, sizeof(e->type), "%s", type);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

const char *sim_req_header(const struct sim_request *rq, const char *name)
{
	for (int i = 0; i < rq->nheaders; i++)
		if (ship_strcasecmp(rq->headers[i].name, name) == 0)
			return rq->headers[i].value;
	return NULL;
}

void sim_resp_text(struct sim_response *r, int status, const char *ctype, const char *text)
{
	r->status = status;
	snprintf(r->content_type, sizeof(r->content_type), "%s", ctype);
	ship_buf_reset(&r->body);
	ship_buf_adds(&r->body, text);
}

void sim_resp_json(struct sim_response *r, int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text) {
		sim_resp_text(r, 500, "application/x-amz-json-1.1",
			      "{\"__type\":\"ServerException\",\"message\":\"out of memory\"}");
		return;
	}
	sim_resp_text(r, status, "application/x-amz-json-1.1", text);
	ship_free(text);
}

void sim_resp_json_error(struct sim_response *r, int status, const char *type, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sim_resp_json(r, status, json_pack("{s:s,s:s}", "__type", type, "message", msg));
}

static void xml_escape(struct ship_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': ship_buf_adds(b, "&lt;"); break;
		case '>': ship_buf_adds(b, "&gt;"); break;
		case '&': ship_buf_adds(b, "&amp;"); break;
		case '"': ship_buf_adds(b, "&quot;"); break;
		default: ship_buf_addch(b, *s);
		}
	}
}

void sim_resp_query_error(struct sim_response *r, int status, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->status = status;
	snprintf(r->content_type, sizeof(r->content_type), "text/xml");
	ship_buf_reset(&r->body);
	ship_buf_addf(&r->body, "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">"
				"<Error><Type>%s</Type><Code>", status >= 500 ? "Receiver" : "Sender");
	xml_escape(&r->body, code);
	ship_buf_adds(&r->body, "</Code><Message>");
	xml_escape(&r->body, msg);
	ship_buf_addf(&r->body, "</Message></Error><RequestId>%s</RequestId></ErrorResponse>", r->request_id);
}

static void ec2_error(struct sim_response *r, int status, const char *code, const char *msg)
{
	r->status = status;
	snprintf(r->content_type, sizeof(r->content_type), "text/xml;charset=UTF-8");
	ship_buf_reset(&r->body);
	ship_buf_addf(&r->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>%s</Code>"
				"<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>",
		      code, msg, r->request_id);
}

int sim_resp_add_header(struct sim_response *r, const char *name, const char *value)
{
	struct sim_header *h = ship_realloc(r->headers, sizeof(*h) * (size_t)(r->nheaders + 1));
	if (!h)
		return -1;
	r->headers = h;
	h[r->nheaders].name = ship_strdup(name);
	h[r->nheaders].value = ship_strdup(value);
	if (!h[r->nheaders].name || !h[r->nheaders].value) {
		ship_free(h[r->nheaders].name);
		ship_free(h[r->nheaders].value);
		return -1;
	}
	r->nheaders++;
	return 0;
}

static char *form_decode(const char *p, size_t n)
{
	struct ship_buf b = SHIP_BUF_INIT(SIM_MAX_BODY);
	ship_pct_decode(&b, (struct ship_str){p, n}, SHIP_PCT_PLUS_SPACE);
	return ship_buf_detach(&b, NULL);
}

char *sim_form_get(const char *form, size_t len, const char *key)
{
	size_t klen = strlen(key), i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && form[end] != '&')
			end++;
		const char *eq = memchr(form + i, '=', end - i);
		if (eq && (size_t)(eq - (form + i)) == klen && memcmp(form + i, key, klen) == 0)
			return form_decode(eq + 1, (size_t)(form + end - eq - 1));
		i = end + 1;
	}
	return NULL;
}

/* ---- classification ---------------------------------------------------------------------------- */

static void classify(struct sim_request *rq)
{
	const char *target = sim_req_header(rq, "X-Amz-Target");
	const char *ctype = sim_req_header(rq, "Content-Type");
	if (strncmp(rq->path, "/_sim", 5) == 0 && (rq->path[5] == '/' || rq->path[5] == '\0')) {
		rq->svc = "control";
		rq->action = ship_strdup(rq->path);
		return;
	}
	if (target) {
		const char *dot = strrchr(target, '.');
		if (strncmp(target, ECS_PREFIX, strlen(ECS_PREFIX)) == 0)
			rq->svc = "ecs";
		else if (strncmp(target, LOGS_PREFIX, strlen(LOGS_PREFIX)) == 0)
			rq->svc = "logs";
		else
			rq->svc = "json";
		rq->action = ship_strdup(dot ? dot + 1 : target);
		return;
	}
	char *action = NULL, *version = NULL;
	if (ctype && ship_strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0 && rq->body) {
		action = sim_form_get(rq->body, rq->len, "Action");
		version = sim_form_get(rq->body, rq->len, "Version");
	}
	if (!action && rq->query[0]) {
		action = sim_form_get(rq->query, strlen(rq->query), "Action");
		ship_free(version);
		version = sim_form_get(rq->query, strlen(rq->query), "Version");
	}
	if (action) {
		if (version && strcmp(version, "2016-11-15") == 0)
			rq->svc = "ec2";
		else if (version && strcmp(version, "2015-12-01") == 0)
			rq->svc = "elbv2";
		else
			rq->svc = "query";
		rq->action = action;
	} else {
		struct ship_buf b = SHIP_BUF_INIT(256);
		ship_buf_addf(&b, "%s %s", rq->method, rq->path);
		rq->svc = "other";
		rq->action = ship_buf_detach(&b, NULL);
		if (!rq->action)
			rq->action = ship_strdup("?");
	}
	ship_free(version);
}

static int is_json_service(const struct sim_request *rq)
{
	return strcmp(rq->svc, "ecs") == 0 || strcmp(rq->svc, "logs") == 0 || strcmp(rq->svc, "json") == 0;
}

/*
 * The request log ($ECSHIP_SIM_REQUEST_LOG): each ECS request the sim answers itself (owned, or
 * hit by a fault), one line {"target", "user_agent", "body"}; the ones relayed upstream are the
 * upstream's to record. tests/run checks ecship's against botocore's input shapes.
 */
static void log_request(struct sim *s, const struct sim_request *rq, const struct sim_fault_decision *fd)
{
	if (!s->req_log || strcmp(rq->svc, "ecs") != 0)
		return;
	int faulted = fd->reset || fd->empty || fd->throttle || fd->error_status;
	if (!rq->too_big && !faulted && !sim_ecs_owns(rq->action))
		return;
	const char *target = sim_req_header(rq, "X-Amz-Target");
	const char *ua = sim_req_header(rq, "User-Agent");
	json_t *line = json_pack("{s:s,s:s,s:s%}", "target", target ? target : "", "user_agent", ua ? ua : "", "body",
				 rq->body ? rq->body : "", rq->body ? rq->len : 0);
	char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	if (text) {
		pthread_mutex_lock(&s->lock);
		fprintf(s->req_log, "%s\n", text);
		pthread_mutex_unlock(&s->lock);
	}
	ship_free(text);
	json_decref(line);
}

static void throttle_error(const struct sim_request *rq, struct sim_response *r)
{
	if (is_json_service(rq))
		sim_resp_json_error(r, 400, "ThrottlingException", "Rate exceeded");
	else if (strcmp(rq->svc, "ec2") == 0)
		ec2_error(r, 503, "RequestLimitExceeded", "Request limit exceeded.");
	else
		sim_resp_query_error(r, 400, "Throttling", "Rate exceeded");
}

static void server_error(const struct sim_request *rq, struct sim_response *r, int status)
{
	if (is_json_service(rq))
		sim_resp_json_error(r, status, status == 503 ? "ServiceUnavailableException" : "ServerException",
				    status == 503 ? "Service Unavailable" : "We encountered an internal error. Please try again.");
	else if (strcmp(rq->svc, "ec2") == 0)
		ec2_error(r, status, status == 503 ? "Unavailable" : "InternalError",
			  "An internal error has occurred");
	else
		sim_resp_query_error(r, status, status == 503 ? "ServiceUnavailable" : "InternalFailure",
				     "An internal error has occurred");
}

/* ---- handlers ------------------------------------------------------------------------------------ */

static void handle_ecs(struct sim *s, struct sim_request *rq, struct sim_response *r)
{
	const char *ctype = sim_req_header(rq, "Content-Type");
	if (strcmp(rq->method, "POST") != 0) {
		sim_resp_json_error(r, 400, "UnknownOperationException", "ECS actions are sent with POST");
		return;
	}
	if (!ctype || (ship_strncasecmp(ctype, "application/x-amz-json-1.1", 26) != 0 &&
		       ship_strncasecmp(ctype, "application/x-amz-json-1.0", 26) != 0 &&
		       ship_strncasecmp(ctype, "application/json", 16) != 0)) {
		sim_resp_json_error(r, 400, "SerializationException", "Unsupported Content-Type: %s",
				    ctype ? ctype : "(none)");
		return;
	}
	json_error_t jerr;
	json_t *in = rq->len ? json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, &jerr) : json_object();
	if (!in || !json_is_object(in)) {
		sim_resp_json_error(r, 400, "SerializationException", "Start of structure or map found where not expected%s%s",
				    in ? "" : ": ", in ? "" : jerr.text);
		json_decref(in);
		return;
	}
	json_t *out = NULL;
	struct sim_apierr e = {400, "", ""};
	pthread_mutex_lock(&s->lock);
	sim_sync(s);
	int rc = sim_ecs_call(s, rq, rq->action, in, &out, &e);
	if (rc == 0)
		sim_sync(s);
	pthread_mutex_unlock(&s->lock);
	json_decref(in);
	if (rc == 0)
		sim_resp_json(r, 200, out);
	else
		sim_resp_json_error(r, e.status, e.type, "%s", e.message);
}

static void handle_logs(struct sim *s, struct sim_request *rq, struct sim_response *r)
{
	json_t *in = rq->len ? json_loadb(rq->body, rq->len, 0, NULL) : json_object();
	if (!json_is_object(in)) {
		json_decref(in);
		if (s->upstream)
			sim_upstream_forward(s->upstream, rq, r);
		else
			sim_resp_json_error(r, 400, "SerializationException", "could not parse the request body");
		return;
	}
	json_t *out = NULL;
	struct sim_apierr e = {400, "", ""};
	int owned, rc = -1;
	pthread_mutex_lock(&s->lock);
	sim_sync(s);
	owned = sim_logs_owns(s, rq->action, in);
	if (owned)
		rc = sim_logs_call(s, rq->action, in, &out, &e);
	pthread_mutex_unlock(&s->lock);
	json_decref(in);
	if (!owned) {
		if (s->upstream)
			sim_upstream_forward(s->upstream, rq, r);
		else
			sim_resp_json_error(r, 400, "ResourceNotFoundException", "The specified log group does not exist.");
	} else if (rc == 0) {
		sim_resp_json(r, 200, out);
	} else {
		sim_resp_json_error(r, e.status, e.type, "%s", e.message);
	}
}

static void handle_elb(struct sim *s, struct sim_request *rq, struct sim_response *r)
{
	char *tg = NULL;
	const char *ctype = sim_req_header(rq, "Content-Type");
	if (ctype && ship_strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0 && rq->body)
		tg = sim_form_get(rq->body, rq->len, "TargetGroupArn");
	if (!tg)
		tg = sim_form_get(rq->query, strlen(rq->query), "TargetGroupArn");
	int ours = 0;
	if (tg) {
		pthread_mutex_lock(&s->lock);
		sim_sync(s);
		ours = sim_elb_target_health(s, tg, &r->body, r->request_id);
		pthread_mutex_unlock(&s->lock);
	}
	if (ours) {
		r->status = 200;
		snprintf(r->content_type, sizeof(r->content_type), "text/xml");
	} else if (s->upstream) {
		sim_upstream_forward(s->upstream, rq, r);
	} else if (!tg) {
		sim_resp_query_error(r, 400, "ValidationError", "TargetGroupArn is required");
	} else {
		sim_resp_query_error(r, 400, "TargetGroupNotFound", "Target groups '%s' not found", tg);
	}
	ship_free(tg);
}

static void handle_other(struct sim *s, struct sim_request *rq, struct sim_response *r)
{
	if (sim_cfn_guard(s, rq, r))
		return;
	if (s->upstream) {
		sim_upstream_forward(s->upstream, rq, r);
		return;
	}
	if (is_json_service(rq))
		sim_resp_json_error(r, 400, "UnknownOperationException", "operation '%s' is not supported by ecship-sim "
					    "(start it with --upstream to forward it)", rq->action);
	else if (strcmp(rq->svc, "ec2") == 0)
		ec2_error(r, 400, "InvalidAction", "The action is not valid for this web service.");
	else if (strcmp(rq->svc, "other") == 0)
		sim_resp_json_error(r, 404, "UnknownOperationException",
				    "no route for '%s'; send an AWS request or use the control API under /_sim/", rq->action);
	else
		sim_resp_query_error(r, 400, "InvalidAction", "The action %s is not valid for this web service.", rq->action);
}

static void request_id(struct sim *s, char out[40])
{
	uint64_t x = s->seed * 0x9E3779B97F4A7C15ULL + (uint64_t)s->requests * 0xBF58476D1CE4E5B9ULL;
	uint64_t y = x ^ (x >> 29) ^ ((uint64_t)s->requests << 17);
	snprintf(out, 40, "%08x-%04x-4%03x-a%03x-%012llx", (unsigned)(x >> 32), (unsigned)(x >> 16) & 0xffff,
		 (unsigned)x & 0xfff, (unsigned)(y >> 52) & 0xfff, (unsigned long long)(y & 0xffffffffffffULL));
}

void sim_handle(struct sim *s, struct sim_request *rq, struct sim_response *r)
{
	double t0 = sim_wall();
	classify(rq);
	if (!rq->action) {
		sim_resp_text(r, 500, "text/plain", "out of memory\n");
		return;
	}
	if (strcmp(rq->svc, "control") == 0) {
		sim_control(s, rq, r);
		return;
	}
	struct sim_fault_decision fd;
	pthread_mutex_lock(&s->lock);
	s->requests++;
	request_id(s, r->request_id);
	if (!rq->too_big)
		sim_faults_decide(s, rq->svc, rq->action, &fd);
	else
		memset(&fd, 0, sizeof(fd));
	pthread_mutex_unlock(&s->lock);

	log_request(s, rq, &fd);
	if (rq->too_big) {
		if (is_json_service(rq))
			sim_resp_json_error(r, 413, "RequestEntityTooLargeException",
					    "Request body exceeds the limit of %zu bytes", SIM_MAX_BODY);
		else
			sim_resp_query_error(r, 413, "RequestEntityTooLarge", "Request body exceeds the limit of %zu bytes",
					     SIM_MAX_BODY);
	} else {
		if (fd.latency_ms > 0) {
			struct timespec ts = {fd.latency_ms / 1000, (long)(fd.latency_ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		}
		if (fd.reset) {
			r->drop = 1;
			snprintf(r->fault, sizeof(r->fault), "reset");
		} else if (fd.empty) {
			/* a broken proxy or a truncated answer: 200 and nothing in it */
			sim_resp_text(
			    r, 200, is_json_service(rq) ? "application/x-amz-json-1.1" : "text/xml",
			    "");
			snprintf(r->fault, sizeof(r->fault), "empty");
		} else if (fd.throttle) {
			throttle_error(rq, r);
			snprintf(r->fault, sizeof(r->fault), "throttle");
		} else if (fd.error_status) {
			server_error(rq, r, fd.error_status);
			snprintf(r->fault, sizeof(r->fault), "error");
		} else if (strcmp(rq->svc, "ecs") == 0 && sim_ecs_owns(rq->action)) {
			handle_ecs(s, rq, r);
		} else if (strcmp(rq->svc, "logs") == 0) {
			handle_logs(s, rq, r);
		} else if (strcmp(rq->svc, "elbv2") == 0 &&
			   strcmp(rq->action, "DescribeTargetHealth") == 0) {
			handle_elb(s, rq, r);
		} else {
			handle_other(s, rq, r);
		}
		if (fd.lost && !fd.reset && !fd.empty && !fd.throttle && !fd.error_status) {
			/* the request ran; its answer is lost on the way back */
			r->drop = 1;
			snprintf(r->fault, sizeof(r->fault), "lost");
		}
	}
	if (!r->drop && !r->nheaders)
		sim_resp_add_header(r, "x-amzn-RequestId", r->request_id);
	pthread_mutex_lock(&s->lock);
	sim_reqlog_add(s, rq, r, (sim_wall() - t0) * 1000);
	double now = sim_clock_now(s);
	/* the conformance log: the JSON (ECS, Logs) and ELBv2 XML answers the sim gave itself
	 * (forwarded ones carry upstream headers) */
	if (s->resp_log && !r->drop && r->nheaders == 1 &&
	    (strcmp(rq->svc, "ecs") == 0 || strcmp(rq->svc, "logs") == 0 || strcmp(rq->svc, "elbv2") == 0)) {
		json_t *line = json_pack("{s:s,s:s,s:i,s:s%}", "service", rq->svc, "action", rq->action, "status", r->status,
					 "body", r->body.data ? r->body.data : "", r->body.len);
		char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
		if (text)
			fprintf(s->resp_log, "%s\n", text);
		ship_free(text);
		json_decref(line);
	}
	pthread_mutex_unlock(&s->lock);
	if (!r->drop) {
		/* the Date of every answer is on the simulated clock, like the events it stamps */
		char date[64];
		time_t t = (time_t)now;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		sim_resp_add_header(r, "Date", date);
	}
}
