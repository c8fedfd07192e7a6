/*
 * upstream.c: forwarding to the upstream AWS emulator (a moto_server) with libcurl: the request
 * goes out unchanged (method, path, query, headers including Authorization, body) and the
 * answer comes back as it was; and the cluster lookup that adopts clusters made upstream (e.g.
 * by CloudFormation). Depends on sim.h, libcurl and jansson.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ecship/xml.h"
#include "sim.h"

#define MAX_UPSTREAM_BODY ((size_t)32 << 20)

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct ship_buf *b = ctx;
	return ship_buf_add(b, p, size * n) == 0 ? size * n : 0;
}

struct hdr_ctx {
	struct sim_response *r;
};

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct sim_response *r = ctx;
	size_t len = size * n;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new status line (e.g. after 100 Continue): forget earlier headers */
		for (int i = 0; i < r->nheaders; i++) {
			ship_free(r->headers[i].name);
			ship_free(r->headers[i].value);
		}
		r->nheaders = 0;
		return len;
	}
	const char *colon = memchr(p, ':', len);
	if (!colon)
		return len;
	char name[128], value[4096];
	size_t nl = (size_t)(colon - p);
	if (nl == 0 || nl >= sizeof(name))
		return len;
	memcpy(name, p, nl);
	name[nl] = '\0';
	const char *v = colon + 1;
	size_t vl = len - nl - 1;
	while (vl && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (vl >= sizeof(value))
		return len;
	memcpy(value, v, vl);
	value[vl] = '\0';
	static const char *const skip[] = {"content-length", "transfer-encoding", "connection", "keep-alive", "date",
					   "server", "content-type"};
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (ship_strcasecmp(name, skip[i]) == 0) {
			if (i == 6)
				snprintf(r->content_type, sizeof(r->content_type), "%.63s", value);
			return len;
		}
	if (r->nheaders < 50)
		sim_resp_add_header(r, name, value);
	return len;
}

static int skip_request_header(const char *name)
{
	static const char *const skip[] = {"host", "content-length", "transfer-encoding", "connection", "expect",
					   "keep-alive", "accept-encoding"};
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (ship_strcasecmp(name, skip[i]) == 0)
			return 1;
	return 0;
}

void sim_upstream_forward(const char *upstream, const struct sim_request *rq, struct sim_response *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	struct ship_buf url = SHIP_BUF_INIT(16384), line = SHIP_BUF_INIT(16384);
	if (!c) {
		sim_resp_text(r, 502, "text/plain", "ecship-sim: cannot create an upstream request\n");
		return;
	}
	ship_buf_addf(&url, "%s%s", upstream, rq->uri);
	for (int i = 0; i < rq->nheaders; i++) {
		if (skip_request_header(rq->headers[i].name))
			continue;
		ship_buf_reset(&line);
		if (rq->headers[i].value[0])
			ship_buf_addf(&line, "%s: %s", rq->headers[i].name, rq->headers[i].value);
		else
			ship_buf_addf(&line, "%s;", rq->headers[i].name);
		struct curl_slist *n = line.failed ? NULL : curl_slist_append(hdrs, line.data);
		if (n)
			hdrs = n;
	}
	struct curl_slist *n = curl_slist_append(hdrs, "Expect:");
	if (n)
		hdrs = n;
	ship_buf_reset(&r->body);
	r->content_type[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (rq->len || strcmp(rq->method, "POST") == 0 || strcmp(rq->method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
	}
	if (strcmp(rq->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK || status == 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "ecship-sim: upstream '%s' failed: %s\n", upstream, curl_easy_strerror(rc));
		for (int i = 0; i < r->nheaders; i++) {
			ship_free(r->headers[i].name);
			ship_free(r->headers[i].value);
		}
		r->nheaders = 0;
		sim_resp_text(r, 502, "text/plain", msg);
	} else {
		r->status = (int)status;
		if (!r->content_type[0])
			snprintf(r->content_type, sizeof(r->content_type), "text/plain");
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	ship_buf_release(&url);
	ship_buf_release(&line);
}

json_t *sim_upstream_ecs(struct sim *s, const struct sim_request *rq, const char *action, json_t *body)
{
	struct sim_request q;
	struct sim_response r;
	struct sim_header h[3];
	char target[128];
	json_t *resp = NULL;
	if (!s->upstream)
		return NULL;
	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	ship_buf_init(&r.body, MAX_UPSTREAM_BODY);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	if (!text)
		goto cleanup;
	const char *auth = rq ? sim_req_header(rq, "Authorization") : NULL;
	snprintf(target, sizeof(target), "AmazonEC2ContainerServiceV20141113.%s", action);
	h[0].name = "Content-Type";
	h[0].value = "application/x-amz-json-1.1";
	h[1].name = "X-Amz-Target";
	h[1].value = target;
	h[2].name = "Authorization";
	h[2].value = (char *)(auth ? auth : "AWS4-HMAC-SHA256 Credential=AKIAECSHIPTEST000000/20240101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0");
	q.method = "POST";
	q.uri = "/";
	q.path = "/";
	q.query = "";
	q.headers = h;
	q.nheaders = 3;
	q.body = text;
	q.len = strlen(text);
	sim_upstream_forward(s->upstream, &q, &r);
	if (r.status == 200)
		resp = json_loadb(r.body.data, r.body.len, 0, NULL);
cleanup:
	for (int i = 0; i < r.nheaders; i++) {
		ship_free(r.headers[i].name);
		ship_free(r.headers[i].value);
	}
	ship_free(r.headers);
	ship_buf_release(&r.body);
	ship_free(text);
	return resp;
}

struct sim_cluster *sim_upstream_adopt_cluster(struct sim *s, const struct sim_request *rq, const char *ref)
{
	struct sim_request q;
	struct sim_response r;
	struct sim_header h[3];
	struct sim_cluster *c = NULL;
	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	ship_buf_init(&r.body, MAX_UPSTREAM_BODY);
	json_t *body = json_pack("{s:[s]}", "clusters", ref);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		goto cleanup;
	const char *auth = sim_req_header(rq, "Authorization");
	h[0].name = "Content-Type";
	h[0].value = "application/x-amz-json-1.1";
	h[1].name = "X-Amz-Target";
	h[1].value = "AmazonEC2ContainerServiceV20141113.DescribeClusters";
	h[2].name = "Authorization";
	h[2].value = (char *)(auth ? auth : "AWS4-HMAC-SHA256 Credential=AKIAECSHIPTEST000000/20240101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0");
	q.method = "POST";
	q.uri = "/";
	q.path = "/";
	q.query = "";
	q.headers = h;
	q.nheaders = 3;
	q.body = text;
	q.len = strlen(text);
	sim_upstream_forward(s->upstream, &q, &r);
	if (r.status != 200)
		goto cleanup;
	json_t *resp = json_loadb(r.body.data, r.body.len, 0, NULL);
	json_t *cl = json_array_get(json_object_get(resp, "clusters"), 0);
	const char *name = json_string_value(json_object_get(cl, "clusterName"));
	const char *arn = json_string_value(json_object_get(cl, "clusterArn"));
	const char *status = json_string_value(json_object_get(cl, "status"));
	if (name && arn && status && strcmp(status, "ACTIVE") == 0 && !sim_cluster_find(s, name)) {
		c = sim_cluster_add(s, name, arn);
		if (c)
			c->adopted = 1;
	}
	json_decref(resp);
cleanup:
	for (int i = 0; i < r.nheaders; i++) {
		ship_free(r.headers[i].name);
		ship_free(r.headers[i].value);
	}
	ship_free(r.headers);
	ship_buf_release(&r.body);
	ship_free(text);
	return c;
}

/* ---- target groups (ELBv2, Query protocol) ----------------------------------------------------- */

/* One Query/EC2 call to the upstream, signed for `scope`; the parsed answer (also an error
 * answer, *status says) or NULL (caller xmlFreeDoc). */
static xmlDoc *query_call(struct sim *s, const struct sim_request *rq, const char *scope, const char *form, int *status)
{
	struct sim_request q;
	struct sim_response r;
	struct sim_header h[2];
	char auth[300], akid[64] = "AKIAECSHIPTEST000000";
	xmlDoc *doc = NULL;
	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	ship_buf_init(&r.body, MAX_UPSTREAM_BODY);
	/* the same access key, scoped to elasticloadbalancing so the upstream routes it there */
	const char *a = rq ? sim_req_header(rq, "Authorization") : NULL;
	const char *cred = a ? strstr(a, "Credential=") : NULL;
	if (cred) {
		cred += strlen("Credential=");
		size_t n = strcspn(cred, "/,");
		if (n && n < sizeof(akid)) {
			memcpy(akid, cred, n);
			akid[n] = '\0';
		}
	}
	snprintf(auth, sizeof(auth),
		 "AWS4-HMAC-SHA256 Credential=%s/20240101/%s/%s/aws4_request, SignedHeaders=host, "
		 "Signature=0",
		 akid, s->region, scope);
	h[0].name = "Content-Type";
	h[0].value = "application/x-www-form-urlencoded; charset=utf-8";
	h[1].name = "Authorization";
	h[1].value = auth;
	q.method = "POST";
	q.uri = "/";
	q.path = "/";
	q.query = "";
	q.headers = h;
	q.nheaders = 2;
	q.body = (char *)form;
	q.len = strlen(form);
	sim_upstream_forward(s->upstream, &q, &r);
	*status = r.status;
	if (r.status >= 200 && r.status < 500 && r.body.len) {
		struct ship_err err = SHIP_ERR_INIT;
		doc = ship_xml_parse((struct ship_str){r.body.data, r.body.len}, &err);
	}
	for (int i = 0; i < r.nheaders; i++) {
		ship_free(r.headers[i].name);
		ship_free(r.headers[i].value);
	}
	ship_free(r.headers);
	ship_buf_release(&r.body);
	return doc;
}

xmlDoc *sim_upstream_query(struct sim *s, const struct sim_request *rq, const char *scope, const char *form, int *status)
{
	*status = 0;
	return s->upstream ? query_call(s, rq, scope, form, status) : NULL;
}

static void url_encode(const char *in, struct ship_buf *out)
{
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-_.~", *p))
			ship_buf_addch(out, (char)*p);
		else
			ship_buf_addf(out, "%%%02X", *p);
	}
}

static void num_at(const xmlNode *n, const char *path, double *out)
{
	char buf[32];
	char *end;
	ship_xml_path_copy(n, path, buf, sizeof(buf));
	double v = strtod(buf, &end);
	if (buf[0] && !*end && v > 0)
		*out = v;
}

int sim_upstream_target_group(struct sim *s, const struct sim_request *rq, const char *tg_arn, struct sim_tg_params *out)
{
	if (!s->upstream || !tg_arn)
		return -1;
	struct ship_buf form = SHIP_BUF_INIT(4096);
	ship_buf_adds(&form, "Action=DescribeTargetGroups&Version=2015-12-01&TargetGroupArns.member.1=");
	url_encode(tg_arn, &form);
	int status = 0;
	xmlDoc *doc = form.failed ? NULL : query_call(s, rq, "elasticloadbalancing", form.data, &status);
	int rc = -1;
	if (!doc || status != 200)
		goto cleanup;
	xmlNode *tg = ship_xml_first_item(ship_xml_doc_path(doc, "DescribeTargetGroupsResponse/DescribeTargetGroupsResult/TargetGroups"));
	if (!tg) {
		rc = 0;
		goto cleanup;
	}
	double healthy = out->healthy, unhealthy = out->unhealthy;
	num_at(tg, "HealthCheckIntervalSeconds", &out->interval);
	num_at(tg, "HealthCheckTimeoutSeconds", &out->timeout);
	num_at(tg, "HealthyThresholdCount", &healthy);
	num_at(tg, "UnhealthyThresholdCount", &unhealthy);
	out->healthy = (int)healthy;
	out->unhealthy = (int)unhealthy;
	out->upstream = 1;
	rc = 1;
	xmlFreeDoc(doc);
	ship_buf_reset(&form);
	ship_buf_adds(&form, "Action=DescribeTargetGroupAttributes&Version=2015-12-01&TargetGroupArn=");
	url_encode(tg_arn, &form);
	doc = form.failed ? NULL : query_call(s, rq, "elasticloadbalancing", form.data, &status);
	xmlNode *attrs = ship_xml_doc_path(doc, "DescribeTargetGroupAttributesResponse/DescribeTargetGroupAttributesResult/Attributes");
	for (xmlNode *m = ship_xml_first_item(attrs); m; m = ship_xml_next_item(m)) {
		char key[80];
		ship_xml_path_copy(m, "Key", key, sizeof(key));
		if (strcmp(key, "deregistration_delay.timeout_seconds") == 0) {
			double d = -1;
			char buf[32], *end;
			ship_xml_path_copy(m, "Value", buf, sizeof(buf));
			d = strtod(buf, &end);
			if (buf[0] && !*end && d >= 0)
				out->drain = d;
		}
	}
cleanup:
	if (doc)
		xmlFreeDoc(doc);
	ship_buf_release(&form);
	return rc;
}

int sim_upstream_exists(struct sim *s, const struct sim_request *rq, const char *kind, const char *id, char *msg, size_t n)
{
	if (!s->upstream || !id)
		return -1;
	struct ship_buf form = SHIP_BUF_INIT(4096);
	const char *scope = "ec2", *missing = NULL;
	if (strcmp(kind, "subnet") == 0) {
		ship_buf_adds(&form, "Action=DescribeSubnets&Version=2016-11-15&SubnetId.1=");
		missing = "InvalidSubnetID.NotFound";
	} else if (strcmp(kind, "security-group") == 0) {
		ship_buf_adds(&form, "Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1=");
		missing = "InvalidGroup.NotFound";
	} else if (strcmp(kind, "listener-rule") == 0) {
		ship_buf_adds(&form, "Action=DescribeRules&Version=2015-12-01&RuleArns.member.1=");
		scope = "elasticloadbalancing";
		missing = "RuleNotFound";
	} else if (strcmp(kind, "listener") == 0) {
		ship_buf_adds(&form, "Action=DescribeListeners&Version=2015-12-01&ListenerArns.member.1=");
		scope = "elasticloadbalancing";
		missing = "ListenerNotFound";
	} else {
		ship_buf_adds(&form, "Action=DescribeTargetGroups&Version=2015-12-01&TargetGroupArns.member.1=");
		scope = "elasticloadbalancing";
		missing = "TargetGroupNotFound";
	}
	url_encode(id, &form);
	int status = 0, rc = -1;
	xmlDoc *doc = form.failed ? NULL : query_call(s, rq, scope, form.data, &status);
	if (doc && status == 200) {
		rc = 1;
	} else if (doc) {
		/* EC2: Response/Errors/Error; ELBv2: ErrorResponse/Error */
		xmlNode *err = ship_xml_doc_path(doc, "Response/Errors/Error");
		if (!err)
			err = ship_xml_doc_path(doc, "ErrorResponse/Error");
		char code[80], text[200], rid[80];
		ship_xml_path_copy(err, "Code", code, sizeof(code));
		ship_xml_path_copy(err, "Message", text, sizeof(text));
		ship_xml_path_copy(ship_xml_root(doc), "RequestID", rid, sizeof(rid));
		if (!rid[0])
			ship_xml_path_copy(ship_xml_root(doc), "RequestId", rid, sizeof(rid));
		if (strcmp(code, missing) == 0) {
			rc = 0;
			snprintf(msg, n, "%s (Service: %s; Status Code: %d; Error Code: %s; Request ID: %s)", text,
				 strcmp(scope, "ec2") == 0 ? "AmazonEC2" : "AmazonElasticLoadBalancing", status, code, rid);
		}
	}
	if (doc)
		xmlFreeDoc(doc);
	ship_buf_release(&form);
	return rc;
}

/* ---- traffic shifting and alarms --------------------------------------------------------------- */

int sim_upstream_forward_weights(struct sim *s, const char *rule, const char *tg_a, int w_a, const char *tg_b,
				 int w_b)
{
	if (!s->upstream || !rule || !rule[0] || !tg_a || !tg_b)
		return -1;
	struct ship_buf form = SHIP_BUF_INIT(8192);
	/* a listener-rule ARN names a rule (ALB); anything else is a listener (NLB, or a listener's
	 * default action) */
	int is_rule = strstr(rule, ":listener-rule/") != NULL;
	const char *pre = is_rule ? "Actions" : "DefaultActions";
	ship_buf_addf(&form, "Action=%s&Version=2015-12-01&%s=", is_rule ? "ModifyRule" : "ModifyListener",
		      is_rule ? "RuleArn" : "ListenerArn");
	url_encode(rule, &form);
	ship_buf_addf(&form, "&%s.member.1.Type=forward&%s.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn=",
		      pre, pre);
	url_encode(tg_a, &form);
	ship_buf_addf(&form, "&%s.member.1.ForwardConfig.TargetGroups.member.1.Weight=%d", pre, w_a);
	ship_buf_addf(&form, "&%s.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn=", pre);
	url_encode(tg_b, &form);
	ship_buf_addf(&form, "&%s.member.1.ForwardConfig.TargetGroups.member.2.Weight=%d", pre, w_b);
	int status = 0;
	xmlDoc *doc = form.failed ? NULL : query_call(s, NULL, "elasticloadbalancing", form.data, &status);
	if (doc)
		xmlFreeDoc(doc);
	ship_buf_release(&form);
	return status == 200 ? 0 : -1;
}

int sim_upstream_alarm_state(struct sim *s, const char *name, const char *state, const char *reason)
{
	if (!s->upstream)
		return -1;
	struct ship_buf form = SHIP_BUF_INIT(8192);
	ship_buf_adds(&form, "Action=SetAlarmState&Version=2010-08-01&AlarmName=");
	url_encode(name, &form);
	ship_buf_adds(&form, "&StateValue=");
	url_encode(state, &form);
	ship_buf_adds(&form, "&StateReason=");
	url_encode(reason && reason[0] ? reason : "set through ecship-sim", &form);
	int status = 0;
	xmlDoc *doc = form.failed ? NULL : query_call(s, NULL, "monitoring", form.data, &status);
	if (doc)
		xmlFreeDoc(doc);
	ship_buf_release(&form);
	return status == 200 ? 1 : status ? 0 : -1;
}

/* One JSON 1.1 call to the upstream (target "Prefix.Action", signing scope the service's):
 * the HTTP status (0: no answer) and, for a JSON body, *out (caller json_decref). */
static int json_call(struct sim *s, const struct sim_request *rq, const char *target, const char *scope, json_t *body,
		     json_t **out)
{
	struct sim_request q;
	struct sim_response r;
	struct sim_header h[3];
	char auth[300], akid[64] = "AKIAECSHIPTEST000000";
	*out = NULL;
	char *text = json_dumps(body, JSON_COMPACT);
	if (!text)
		return 0;
	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	ship_buf_init(&r.body, MAX_UPSTREAM_BODY);
	const char *a = rq ? sim_req_header(rq, "Authorization") : NULL;
	const char *cred = a ? strstr(a, "Credential=") : NULL;
	if (cred) {
		cred += strlen("Credential=");
		size_t n = strcspn(cred, "/,");
		if (n && n < sizeof(akid)) {
			memcpy(akid, cred, n);
			akid[n] = '\0';
		}
	}
	snprintf(auth, sizeof(auth),
		 "AWS4-HMAC-SHA256 Credential=%s/20240101/%s/%s/aws4_request, SignedHeaders=host, Signature=0", akid,
		 s->region, scope);
	h[0].name = "Content-Type";
	h[0].value = "application/x-amz-json-1.1";
	h[1].name = "X-Amz-Target";
	h[1].value = (char *)target;
	h[2].name = "Authorization";
	h[2].value = auth;
	q.method = "POST";
	q.uri = "/";
	q.path = "/";
	q.query = "";
	q.headers = h;
	q.nheaders = 3;
	q.body = text;
	q.len = strlen(text);
	sim_upstream_forward(s->upstream, &q, &r);
	if (r.body.len)
		*out = json_loadb(r.body.data, r.body.len, 0, NULL);
	for (int i = 0; i < r.nheaders; i++) {
		ship_free(r.headers[i].name);
		ship_free(r.headers[i].value);
	}
	ship_free(r.headers);
	ship_buf_release(&r.body);
	ship_free(text);
	return r.status;
}

int sim_upstream_task_resource(struct sim *s, const struct sim_request *rq, const char *kind, const char *id)
{
	if (!s->upstream || !id || !*id)
		return -1;
	json_t *resp = NULL, *v, *body;
	size_t i;
	int status, rc = -1;
	if (strcmp(kind, "log-group") == 0) {
		body = json_pack("{s:s}", "logGroupNamePrefix", id);
		status = body ? json_call(s, rq, "Logs_20140328.DescribeLogGroups", "logs", body, &resp) : 0;
		if (status == 200) {
			rc = 0;
			json_array_foreach(json_object_get(resp, "logGroups"), i, v)
			{
				if (strcmp(json_string_value(json_object_get(v, "logGroupName")) ?: "", id) == 0)
					rc = 1;
			}
		}
	} else if (strcmp(kind, "secret") == 0) {
		body = json_pack("{s:s}", "SecretId", id);
		status = body ? json_call(s, rq, "secretsmanager.DescribeSecret", "secretsmanager", body, &resp) : 0;
		if (status == 200)
			rc = 1;
		else if (status >= 400 && status < 500 &&
			 strstr(json_string_value(json_object_get(resp, "__type")) ?: "", "ResourceNotFound"))
			rc = 0;
	} else {
		body = json_pack("{s:[s]}", "Names", id);
		status = body ? json_call(s, rq, "AmazonSSM.GetParameters", "ssm", body, &resp) : 0;
		if (status == 200)
			rc = json_array_size(json_object_get(resp, "InvalidParameters")) ? 0 : 1;
	}
	json_decref(body);
	json_decref(resp);
	return rc;
}
