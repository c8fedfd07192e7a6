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

/* ---- calls of our own: the relay of one POST, signed for the service it goes to ------------ */

/* The test key when the caller's request names none, as the sim's own calls have. */
#define DEFAULT_AKID "AKIAECSHIPTEST000000"
#define TEST_ECS_AUTH                                                                              \
	"AWS4-HMAC-SHA256 Credential=" DEFAULT_AKID                                                \
	"/20240101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0"

/* POSTs `body` with the headers h to the upstream (sim_upstream_forward); the answer in *r, which
 * the caller releases with release_answer. */
static void relay_post(struct sim *s, struct sim_header *h, int nh, const char *body,
		       struct sim_response *r)
{
	struct sim_request q;
	memset(&q, 0, sizeof(q));
	memset(r, 0, sizeof(*r));
	ship_buf_init(&r->body, MAX_UPSTREAM_BODY);
	q.method = "POST";
	q.uri = "/";
	q.path = "/";
	q.query = "";
	q.headers = h;
	q.nheaders = nh;
	q.body = (char *)body;
	q.len = strlen(body);
	sim_upstream_forward(s->upstream, &q, r);
}

static void release_answer(struct sim_response *r)
{
	for (int i = 0; i < r->nheaders; i++) {
		ship_free(r->headers[i].name);
		ship_free(r->headers[i].value);
	}
	ship_free(r->headers);
	ship_buf_release(&r->body);
}

/* The Authorization of a call to another service than the caller's: the caller's access key
 * and region (rq's credential scope "AKID/DATE/REGION/SERVICE/aws4_request", else the test key
 * and the sim's --region) scoped to `scope`, which is how the upstream routes it: a moto_server
 * keeps each region's resources apart, so a lookup in another region than the caller's would
 * not find the subnets the caller made. */
static void sign_for(const struct sim *s, const struct sim_request *rq, const char *scope,
		     char *auth, size_t n)
{
	char akid[64] = DEFAULT_AKID, region[32];
	const char *a = rq ? sim_req_header(rq, "Authorization") : NULL;
	const char *cred = a ? strstr(a, "Credential=") : NULL;
	snprintf(region, sizeof(region), "%s", s->region);
	if (cred) {
		cred += strlen("Credential=");
		size_t len = strcspn(cred, "/,");
		if (len && len < sizeof(akid)) {
			memcpy(akid, cred, len);
			akid[len] = '\0';
		}
		const char *date = cred[len] == '/' ? cred + len + 1 : NULL;
		const char *reg = date ? strchr(date, '/') : NULL;
		size_t rl = reg ? strcspn(reg + 1, "/,") : 0;
		if (rl && rl < sizeof(region) && reg[1 + rl] == '/') {
			memcpy(region, reg + 1, rl);
			region[rl] = '\0';
		}
	}
	snprintf(auth, n,
		 "AWS4-HMAC-SHA256 Credential=%s/20240101/%s/%s/aws4_request, SignedHeaders=host, "
		 "Signature=0",
		 akid, region, scope);
}

/* One JSON 1.1 call (X-Amz-Target `target`, Authorization `auth`): the HTTP status (0: no answer)
 * and, for a JSON body, *out (caller json_decref). */
static int json_post(struct sim *s, const char *target, const char *auth, json_t *body,
		     json_t **out)
{
	struct sim_response r;
	struct sim_header h[3] = {{"Content-Type", "application/x-amz-json-1.1"},
				  {"X-Amz-Target", (char *)target},
				  {"Authorization", (char *)auth}};
	*out = NULL;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	if (!text)
		return 0;
	relay_post(s, h, 3, text, &r);
	if (r.body.len)
		*out = json_loadb(r.body.data, r.body.len, 0, NULL);
	release_answer(&r);
	ship_free(text);
	return r.status;
}

/* One JSON 1.1 call to another service (target "Prefix.Action", signed for its `scope`). */
static int json_call(struct sim *s, const struct sim_request *rq, const char *target,
		     const char *scope, json_t *body, json_t **out)
{
	char auth[300];
	sign_for(s, rq, scope, auth, sizeof(auth));
	return json_post(s, target, auth, body, out);
}

json_t *sim_upstream_ecs(struct sim *s, const struct sim_request *rq, const char *action,
			 json_t *body)
{
	char target[128];
	json_t *resp = NULL;
	if (!s->upstream)
		return NULL;
	/* ECS calls go out with the caller's own Authorization */
	const char *auth = rq ? sim_req_header(rq, "Authorization") : NULL;
	snprintf(target, sizeof(target), "AmazonEC2ContainerServiceV20141113.%s", action);
	if (json_post(s, target, auth ? auth : TEST_ECS_AUTH, body, &resp) != 200) {
		json_decref(resp);
		resp = NULL;
	}
	return resp;
}

struct sim_cluster *sim_upstream_adopt_cluster(struct sim *s, const struct sim_request *rq, const char *ref)
{
	struct sim_cluster *c = NULL;
	json_t *body = json_pack("{s:[s]}", "clusters", ref);
	json_t *resp = body ? sim_upstream_ecs(s, rq, "DescribeClusters", body) : NULL;
	json_decref(body);
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
	return c;
}

/* ---- target groups (ELBv2, Query protocol) ----------------------------------------------------- */

/* One Query/EC2 call to the upstream, signed for `scope`; the parsed answer (also an error
 * answer, *status says) or NULL (caller xmlFreeDoc). */
static xmlDoc *query_call(struct sim *s, const struct sim_request *rq, const char *scope, const char *form, int *status)
{
	struct sim_response r;
	char auth[300];
	struct sim_header h[2] = {
	    {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
	    {"Authorization", auth}};
	xmlDoc *doc = NULL;
	sign_for(s, rq, scope, auth, sizeof(auth));
	relay_post(s, h, 2, form, &r);
	*status = r.status;
	if (r.status >= 200 && r.status < 500 && r.body.len) {
		struct ship_err err = SHIP_ERR_INIT;
		doc = ship_xml_parse((struct ship_str){r.body.data, r.body.len}, &err);
	}
	release_answer(&r);
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

/* ---- existence checks ---------------------------------------------------------------------- */

/* CloudWatch Logs DescribeLogGroups lists the groups by prefix: there when one has the name. */
static int log_group_listed(int status, json_t *resp, const char *id)
{
	json_t *v;
	size_t i;
	if (status != 200)
		return -1;
	json_array_foreach(json_object_get(resp, "logGroups"), i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "logGroupName")) ?: "", id) == 0)
			return 1;
	}
	return 0;
}

/* Secrets Manager DescribeSecret: a ResourceNotFoundException says it is missing. */
static int secret_described(int status, json_t *resp, const char *id)
{
	(void)id;
	if (status == 200)
		return 1;
	if (status >= 400 && status < 500 &&
	    strstr(json_string_value(json_object_get(resp, "__type")) ?: "", "ResourceNotFound"))
		return 0;
	return -1;
}

/* SSM GetParameters answers 200 and lists a missing name under InvalidParameters. */
static int parameter_valid(int status, json_t *resp, const char *id)
{
	(void)id;
	if (status != 200)
		return -1;
	return json_array_size(json_object_get(resp, "InvalidParameters")) ? 0 : 1;
}

/*
 * What sim_upstream_exists asks the upstream for each kind, and how the answer says "missing".
 * Query rows (EC2, ELBv2): the form before the url-encoded id, and the error code of a missing
 * one (the message then in ECS's form). JSON rows (CloudWatch Logs, Secrets Manager, SSM): the
 * X-Amz-Target, the json_pack format and member of the request naming the id, and the judge of
 * the answer. The ECS error each caller makes of a missing one is the caller's.
 */
static const struct lookup {
	const char *kind;
	const char *scope;   /* the signing scope: the service the upstream routes the call to */
	const char *call;    /* Query: the form up to the id; JSON: the X-Amz-Target */
	const char *missing; /* Query: the error code of a missing one */
	const char *pack, *member; /* JSON: the request, {member: id} */
	/* JSON: 1 there, 0 missing, -1 unknown */
	int (*judge)(int status, json_t *resp, const char *id);
} s_lookups[] = {
    {"subnet", "ec2", "Action=DescribeSubnets&Version=2016-11-15&SubnetId.1=",
     "InvalidSubnetID.NotFound", NULL, NULL, NULL},
    {"security-group", "ec2", "Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1=",
     "InvalidGroup.NotFound", NULL, NULL, NULL},
    {"target-group", "elasticloadbalancing",
     "Action=DescribeTargetGroups&Version=2015-12-01&TargetGroupArns.member.1=",
     "TargetGroupNotFound", NULL, NULL, NULL},
    {"listener-rule", "elasticloadbalancing",
     "Action=DescribeRules&Version=2015-12-01&RuleArns.member.1=", "RuleNotFound", NULL, NULL,
     NULL},
    {"listener", "elasticloadbalancing",
     "Action=DescribeListeners&Version=2015-12-01&ListenerArns.member.1=", "ListenerNotFound", NULL,
     NULL, NULL},
    {"log-group", "logs", "Logs_20140328.DescribeLogGroups", NULL, "{s:s}", "logGroupNamePrefix",
     log_group_listed},
    {"secret", "secretsmanager", "secretsmanager.DescribeSecret", NULL, "{s:s}", "SecretId",
     secret_described},
    {"parameter", "ssm", "AmazonSSM.GetParameters", NULL, "{s:[s]}", "Names", parameter_valid},
};

/* A Query row: the error code and message of the answer, a missing one's message in msg. */
static int query_exists(struct sim *s, const struct sim_request *rq, const struct lookup *l,
			const char *id, char *msg, size_t n)
{
	struct ship_buf form = SHIP_BUF_INIT(4096);
	ship_buf_adds(&form, l->call);
	url_encode(id, &form);
	int status = 0, rc = -1;
	xmlDoc *doc = form.failed ? NULL : query_call(s, rq, l->scope, form.data, &status);
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
		if (strcmp(code, l->missing) == 0) {
			rc = 0;
			if (msg)
				snprintf(msg, n,
					 "%s (Service: %s; Status Code: %d; Error Code: %s; "
					 "Request ID: %s)",
					 text,
					 strcmp(l->scope, "ec2") == 0
					     ? "AmazonEC2"
					     : "AmazonElasticLoadBalancing",
					 status, code, rid);
		}
	}
	if (doc)
		xmlFreeDoc(doc);
	ship_buf_release(&form);
	return rc;
}

/* A JSON row: the row's judge of the answer. */
static int json_exists(struct sim *s, const struct sim_request *rq, const struct lookup *l,
		       const char *id)
{
	json_t *resp = NULL, *body = json_pack(l->pack, l->member, id);
	int status = body ? json_call(s, rq, l->call, l->scope, body, &resp) : 0;
	int rc = l->judge(status, resp, id);
	json_decref(body);
	json_decref(resp);
	return rc;
}

int sim_upstream_exists(struct sim *s, const struct sim_request *rq, const char *kind,
			const char *id, char *msg, size_t n)
{
	if (!s->upstream || !id)
		return -1;
	for (size_t i = 0; i < sizeof(s_lookups) / sizeof(s_lookups[0]); i++) {
		const struct lookup *l = &s_lookups[i];
		if (strcmp(kind, l->kind) != 0)
			continue;
		if (!l->judge)
			return query_exists(s, rq, l, id, msg, n);
		return *id ? json_exists(s, rq, l, id) : -1;
	}
	return -1;
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
