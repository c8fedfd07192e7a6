/*
 * test_aws_faults.c: the client against a scripted libmicrohttpd server on 127.0.0.1: throttling
 * (JSON 400 ThrottlingException, Query Throttling, EC2 503 RequestLimitExceeded), 500/502/503/504,
 * resets and read timeouts, then success; backoff per attempt and the retry quota with an injected
 * clock (no real sleeping); the exact requests of the three protocols; the redacted wire log;
 * the server's clock offset from the Date header of every answer.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "ecship/aws.h"
#include "ecship/xml.h"
#include "testutil.h"

/* ---- the scripted server -------------------------------------------------------------------- */

enum act { ANSWER, RESET, SLOW };

struct step {
	enum act act;
	int status;
	const char *ctype;
	const char *body;
	const char *rid; /* x-amzn-RequestId, "" for none */
};

struct seen {
	char method[8], url[128], target[128], ctype[128], date[32], auth[512], token[256];
	char ua[64], expect[32];
	char body[2048];
};

#define MAX_SEEN 256

static struct {
	struct MHD_Daemon *d;
	int port;
	const struct step *steps;
	int nsteps;
	struct step fallback; /* after the script */
	int next;
	struct seen seen[MAX_SEEN];
	int nseen;
	size_t body_len;
	volatile int stop;
	const char *date; /* the Date header of the answers; NULL: libmicrohttpd's (the wall clock) */
} s_srv;

static void nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void hdr(struct MHD_Connection *c, const char *name, char *out, size_t size)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
	snprintf(out, size, "%s", v ? v : "");
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	static int marker;
	(void)cls, (void)version;
	struct seen *sn = &s_srv.seen[s_srv.nseen < MAX_SEEN ? s_srv.nseen : MAX_SEEN - 1];
	if (!*con_cls) {
		*con_cls = &marker;
		s_srv.body_len = 0;
		memset(sn, 0, sizeof(*sn));
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		if (s_srv.body_len + n >= sizeof(sn->body))
			n = sizeof(sn->body) - 1 - s_srv.body_len;
		memcpy(sn->body + s_srv.body_len, upload, n);
		s_srv.body_len += n;
		*upload_size = 0;
		return MHD_YES;
	}
	snprintf(sn->method, sizeof(sn->method), "%s", method);
	snprintf(sn->url, sizeof(sn->url), "%s", url);
	hdr(c, "X-Amz-Target", sn->target, sizeof(sn->target));
	hdr(c, "Content-Type", sn->ctype, sizeof(sn->ctype));
	hdr(c, "X-Amz-Date", sn->date, sizeof(sn->date));
	hdr(c, "Authorization", sn->auth, sizeof(sn->auth));
	hdr(c, "X-Amz-Security-Token", sn->token, sizeof(sn->token));
	hdr(c, "User-Agent", sn->ua, sizeof(sn->ua));
	hdr(c, "Expect", sn->expect, sizeof(sn->expect));
	const struct step *st = s_srv.next < s_srv.nsteps ? &s_srv.steps[s_srv.next] : &s_srv.fallback;
	s_srv.next++;
	s_srv.nseen++;
	if (st->act == RESET)
		return MHD_NO;
	if (st->act == SLOW) {
		for (int i = 0; i < 150 && !s_srv.stop; i++)
			nap(20);
		return MHD_NO;
	}
	const char *body = st->body ? st->body : "";
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_PERSISTENT);
	if (st->ctype)
		MHD_add_response_header(r, "Content-Type", st->ctype);
	if (st->rid && *st->rid)
		MHD_add_response_header(r, "x-amzn-RequestId", st->rid);
	if (s_srv.date)
		MHD_add_response_header(r, "Date", s_srv.date);
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)st->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void srv_start(void)
{
	struct sockaddr_in a;
	memset(&s_srv, 0, sizeof(s_srv));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s_srv.d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
				   NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, &a, MHD_OPTION_END);
	assert_non_null(s_srv.d);
	s_srv.port = MHD_get_daemon_info(s_srv.d, MHD_DAEMON_INFO_BIND_PORT)->port;
	s_srv.fallback = (struct step){ANSWER, 500, "text/plain", "script exhausted", ""};
}

static void srv_script(const struct step *steps, int n)
{
	s_srv.steps = steps;
	s_srv.nsteps = n;
	s_srv.next = 0;
	s_srv.nseen = 0;
}

static void srv_stop(void)
{
	s_srv.stop = 1;
	MHD_stop_daemon(s_srv.d);
	s_srv.d = NULL;
}

/* ---- a recording clock ---------------------------------------------------------------------- */

struct rec_clock {
	struct ship_clock clock;
	double now, rnd;
	double sleeps[32];
	int nsleeps;
};

static double rc_now(void *ctx) { return ((struct rec_clock *)ctx)->now; }
static double rc_random(void *ctx) { return ((struct rec_clock *)ctx)->rnd; }
static void rc_sleep(void *ctx, double s)
{
	struct rec_clock *c = ctx;
	if (c->nsleeps < 32)
		c->sleeps[c->nsleeps] = s;
	c->nsleeps++;
	c->now += s;
}

static void rc_init(struct rec_clock *c, double rnd)
{
	memset(c, 0, sizeof(*c));
	c->clock = (struct ship_clock){rc_now, rc_sleep, rc_random, c};
	c->now = 1700000000.5;
	c->rnd = rnd;
}

/* ---- the client ----------------------------------------------------------------------------- */

#define AKID "AKIAECSHIPTEST000000"
#define SECRET "ecship/test/secret/not+a+real+key0000000"
#define TOKEN "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENvbg=="

static struct ship_creds s_creds = {AKID, SECRET, NULL, 0, "test"};
static struct ship_call_opts s_signed = {.creds = &s_creds};

static struct ship_buf s_log;
static void log_line(void *ctx, const char *line)
{
	(void)ctx;
	ship_buf_adds(&s_log, line);
	ship_buf_addch(&s_log, '\n');
}

static struct ship_aws *client(struct rec_clock *rc, int max_attempts)
{
	char url[64];
	struct ship_err e = SHIP_ERR_INIT;
	static struct ship_http_options http = {0, 1000, NULL, 0,   0,
						0, 0,	 NULL, NULL}; /* 1 s read timeout */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s_srv.port);
	struct ship_aws_options o;
	memset(&o, 0, sizeof(o));
	o.region = "us-east-1";
	o.endpoint_url = url;
	o.max_attempts = max_attempts;
	o.clock = &rc->clock;
	o.http = &http;
	o.wire_log = log_line;
	struct ship_aws *aws = ship_aws_new(&o, &e);
	if (!aws)
		fail_msg("ship_aws_new: %s", e.message);
	return aws;
}

#define JSON11 "application/x-amz-json-1.1"
#define OK_JSON {ANSWER, 200, JSON11, "{\"clusterArns\":[\"arn:aws:ecs:us-east-1:1:cluster/a\"]}", "ok-rid"}
#define OK_QUERY                                                                                   \
	{ANSWER, 200, "text/xml",                                                                  \
	 "<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>s</StackName>" \
	 "</member></Stacks></DescribeStacksResult></DescribeStacksResponse>",                     \
	 "ok-rid"}
#define OK_EC2                                                                                     \
	{ANSWER, 200, "text/xml;charset=UTF-8",                                                    \
	 "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId></item></vpcSet>"               \
	 "</DescribeVpcsResponse>",                                                                \
	 ""}
#define THROTTLE_JSON                                                                              \
	{ANSWER, 400, JSON11, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}", \
	 "json-rid"}
#define THROTTLE_QUERY                                                                             \
	{ANSWER, 400, "text/xml",                                                                  \
	 "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate "         \
	 "exceeded</Message></Error><RequestId>query-rid</RequestId></ErrorResponse>",             \
	 ""}
#define LIMIT_EC2                                                                                  \
	{ANSWER, 503, "text/xml",                                                                  \
	 "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit "     \
	 "exceeded.</Message></Error></Errors><RequestID>ec2-rid</RequestID></Response>",          \
	 ""}

enum proto_call { CALL_JSON, CALL_QUERY, CALL_EC2 };

static int do_call(struct ship_aws *aws, enum proto_call pc, struct ship_err *e)
{
	if (pc == CALL_JSON) {
		json_t *out = NULL;
		int r = ship_aws_json(aws, SHIP_SVC_ECS, "ListClusters", NULL, &out, &s_signed, e);
		if (r == 0)
			assert_int_equal(json_array_size(json_object_get(out, "clusterArns")), 1);
		json_decref(out);
		return r;
	}
	xmlDoc *doc = NULL;
	int r = pc == CALL_QUERY ? ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "DescribeStacks", NULL,
						  &doc, &s_signed, e)
				 : ship_aws_query(aws, SHIP_SVC_EC2, "DescribeVpcs", NULL, &doc,
						  &s_signed, e);
	if (r == 0)
		assert_non_null(ship_xml_root(doc));
	xmlFreeDoc(doc);
	return r;
}

struct scenario {
	const char *name;
	enum proto_call call;
	struct step steps[10];
	int nsteps;
	int max_attempts;
	double rnd;
	int ok;
	int attempts;
	double delays[10];
	enum ship_errcode code;
	const char *aws_code, *rid, *message;
	int throttled;
};

static const struct scenario s_scenarios[] = {
    {"JSON throttling then success", CALL_JSON, {THROTTLE_JSON, THROTTLE_JSON, OK_JSON}, 3, 3, 0.5,
     1, 3, {0.5, 1.0}, 0, NULL, NULL, NULL, 2},
    {"Query Throttling then success", CALL_QUERY, {THROTTLE_QUERY, OK_QUERY}, 2, 3, 0.5, 1, 2,
     {0.5}, 0, NULL, NULL, NULL, 1},
    {"EC2 503 RequestLimitExceeded then success", CALL_EC2, {LIMIT_EC2, LIMIT_EC2, OK_EC2}, 3, 3,
     0.25, 1, 3, {0.25, 0.5}, 0, NULL, NULL, NULL, 2},
    {"500/502/503/504 then success", CALL_JSON,
     {{ANSWER, 500, JSON11, "{\"__type\":\"InternalFailure\"}", "r500"},
      {ANSWER, 502, "text/html", "<html><body>Bad Gateway</body></html>", ""},
      {ANSWER, 503, "text/plain", "", ""},
      {ANSWER, 504, "text/html", "<h1>Gateway Timeout</h1>", ""},
      OK_JSON},
     5, 5, 0.5, 1, 5, {0.5, 1.0, 2.0, 4.0}, 0, NULL, NULL, NULL, 0},
    {"connection resets then success", CALL_QUERY, {{RESET, 0, 0, 0, 0}, {RESET, 0, 0, 0, 0}, OK_QUERY},
     3, 3, 0.5, 1, 3, {0.5, 1.0}, 0, NULL, NULL, NULL, 0},
    {"read timeout then success", CALL_EC2, {{SLOW, 0, 0, 0, 0}, OK_EC2}, 2, 3, 0.5, 1, 2, {0.5},
     0, NULL, NULL, NULL, 0},
    {"JSON throttling gives up", CALL_JSON, {THROTTLE_JSON, THROTTLE_JSON, THROTTLE_JSON}, 3, 3,
     0.5, 0, 3, {0.5, 1.0}, SHIP_ERR_AWS, "ThrottlingException", "json-rid",
     "ThrottlingException: Rate exceeded (request id json-rid; gave up after 3 attempts; set "
     "AWS_MAX_ATTEMPTS to retry more)",
     3},
    {"Query throttling gives up", CALL_QUERY, {THROTTLE_QUERY, THROTTLE_QUERY}, 2, 2, 0.5, 0, 2,
     {0.5}, SHIP_ERR_AWS, "Throttling", "query-rid",
     "Throttling: Rate exceeded (request id query-rid; gave up after 2 attempts; set "
     "AWS_MAX_ATTEMPTS to retry more)",
     2},
    {"EC2 RequestLimitExceeded gives up", CALL_EC2, {LIMIT_EC2, LIMIT_EC2, LIMIT_EC2}, 3, 3, 0.5,
     0, 3, {0.5, 1.0}, SHIP_ERR_AWS, "RequestLimitExceeded", "ec2-rid",
     "RequestLimitExceeded: Request limit exceeded. (request id ec2-rid; gave up after 3 "
     "attempts; set AWS_MAX_ATTEMPTS to retry more)",
     3},
    {"not retryable", CALL_JSON,
     {{ANSWER, 400, JSON11,
       "{\"__type\":\"ClusterNotFoundException\",\"message\":\"Cluster not found.\"}", "nf-rid"}},
     1, 3, 0.5, 0, 1, {0}, SHIP_ERR_AWS, "ClusterNotFoundException", "nf-rid",
     "ClusterNotFoundException: Cluster not found. (request id nf-rid)", 0},
    {"proxy 502 pages give up", CALL_QUERY,
     {{ANSWER, 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", ""},
      {ANSWER, 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", ""}},
     2, 2, 0.5, 0, 2, {0.5}, SHIP_ERR_PROTOCOL, "", "",
     "HTTP 502 Bad Gateway from '127.0.0.1': the answer is not an AWS error document (text/html):"
     " 502 Bad Gateway; a proxy or load balancer may be in the way (gave up after 2 attempts; "
     "set AWS_MAX_ATTEMPTS to retry more)",
     0},
    {"resets give up", CALL_JSON, {{RESET, 0, 0, 0, 0}, {RESET, 0, 0, 0, 0}, {RESET, 0, 0, 0, 0}},
     3, 3, 0.5, 0, 3, {0.5, 1.0}, SHIP_ERR_NETWORK, "", "",
     "connection to '127.0.0.1' closed without an answer (gave up after 3 attempts; set "
     "AWS_MAX_ATTEMPTS to retry more)",
     0},
    {"backoff capped at 20 s", CALL_JSON,
     {THROTTLE_JSON, THROTTLE_JSON, THROTTLE_JSON, THROTTLE_JSON, THROTTLE_JSON, THROTTLE_JSON,
      THROTTLE_JSON, OK_JSON},
     8, 8, 0.999, 1, 8, {0.999, 1.998, 3.996, 7.992, 15.984, 19.98, 19.98}, 0, NULL, NULL, NULL,
     7},
    {"one attempt only", CALL_JSON, {THROTTLE_JSON}, 1, 1, 0.5, 0, 1, {0}, SHIP_ERR_AWS,
     "ThrottlingException", "json-rid",
     "ThrottlingException: Rate exceeded (request id json-rid; gave up after 1 attempt; set "
     "AWS_MAX_ATTEMPTS to retry more)",
     1},
};

static void scenarios(void **state)
{
	(void)state;
	srv_start();
	for (size_t i = 0; i < sizeof(s_scenarios) / sizeof(*s_scenarios); i++) {
		const struct scenario *sc = &s_scenarios[i];
		struct rec_clock rc;
		struct ship_err e = SHIP_ERR_INIT;
		rc_init(&rc, sc->rnd);
		srv_script(sc->steps, sc->nsteps);
		ship_buf_init(&s_log, 0);
		struct ship_aws *aws = client(&rc, sc->max_attempts);
		int r = do_call(aws, sc->call, &e);
		if ((r == 0) != sc->ok)
			fail_msg("%s: result %d (%s)", sc->name, r, e.message);
		if (s_srv.nseen != sc->attempts)
			fail_msg("%s: %d attempts, want %d", sc->name, s_srv.nseen, sc->attempts);
		if (rc.nsleeps != sc->attempts - 1)
			fail_msg("%s: %d sleeps, want %d", sc->name, rc.nsleeps, sc->attempts - 1);
		for (int k = 0; k < rc.nsleeps; k++)
			if (rc.sleeps[k] < sc->delays[k] - 1e-9 || rc.sleeps[k] > sc->delays[k] + 1e-9)
				fail_msg("%s: delay %d is %g, want %g", sc->name, k + 1, rc.sleeps[k],
					 sc->delays[k]);
		struct ship_aws_stats st;
		ship_aws_stats(aws, &st);
		assert_int_equal(st.calls, 1);
		assert_int_equal(st.attempts, sc->attempts);
		assert_int_equal(st.retries, sc->attempts - 1);
		if (st.throttled != sc->throttled)
			fail_msg("%s: %ld throttled, want %d", sc->name, st.throttled, sc->throttled);
		if (!sc->ok) {
			if (e.code != sc->code || strcmp(e.aws_code, sc->aws_code) ||
			    strcmp(e.request_id, sc->rid) || strcmp(e.message, sc->message))
				fail_msg("%s: code %d '%s' rid '%s'\n  message '%s'\n  want    '%s'",
					 sc->name, e.code, e.aws_code, e.request_id, e.message,
					 sc->message);
			assert_int_equal(e.retryable, sc->attempts > 1 || sc->max_attempts == 1);
		}
		/* each attempt is signed afresh with the clock's time at that attempt */
		for (int k = 0; k < s_srv.nseen; k++) {
			assert_non_null(strstr(s_srv.seen[k].auth, "Credential=" AKID "/20231114/us-east-1/"));
			assert_string_equal(s_srv.seen[k].expect, "");
			if (k && !strcmp(s_srv.seen[k].date, s_srv.seen[k - 1].date) &&
			    rc.sleeps[k - 1] >= 1.0)
				fail_msg("%s: attempt %d reused X-Amz-Date %s", sc->name, k + 1,
					 s_srv.seen[k].date);
		}
		/* the quota: a timeout costs 10, other retries 5; success refunds the last cost */
		if (!strcmp(sc->name, "read timeout then success"))
			if (!strstr(s_log.data, "retry quota 490 left"))
				fail_msg("%s: quota not 490 in the log:\n%s", sc->name, s_log.data);
		/* botocore's rule: a success gives back what its last retry took (or 1) */
		int want_quota = 500, last = 1;
		for (int k = 0; k + 1 < sc->attempts; k++) {
			last = sc->steps[k].act == SLOW ? 10 : 5;
			want_quota -= last;
		}
		if (sc->ok)
			want_quota = want_quota + last > 500 ? 500 : want_quota + last;
		if (ship_aws_retry_quota(aws) != want_quota)
			fail_msg("%s: quota %d, want %d", sc->name, ship_aws_retry_quota(aws),
				 want_quota);
		ship_buf_release(&s_log);
		ship_aws_destroy(aws);
	}
	srv_stop();
}

/* Dates differ per attempt once the clock has moved by a second or more. */
static void attempts_are_resigned(void **state)
{
	(void)state;
	static const struct step steps[] = {THROTTLE_JSON, THROTTLE_JSON, OK_JSON};
	struct rec_clock rc;
	struct ship_err e = SHIP_ERR_INIT;
	srv_start();
	rc_init(&rc, 0.9); /* 0.5 + 0.9 and then + 1.8 seconds: three different seconds */
	srv_script(steps, 3);
	ship_buf_init(&s_log, 0);
	struct ship_aws *aws = client(&rc, 3);
	assert_int_equal(do_call(aws, CALL_JSON, &e), 0);
	assert_int_equal(s_srv.nseen, 3);
	assert_string_equal(s_srv.seen[0].date, "20231114T221320Z");
	assert_string_equal(s_srv.seen[1].date, "20231114T221321Z");
	assert_string_equal(s_srv.seen[2].date, "20231114T221323Z");
	assert_string_not_equal(s_srv.seen[0].auth, s_srv.seen[1].auth);
	ship_buf_release(&s_log);
	ship_aws_destroy(aws);
	srv_stop();
}

static void quota_runs_dry(void **state)
{
	(void)state;
	struct rec_clock rc;
	struct ship_err e = SHIP_ERR_INIT;
	srv_start();
	s_srv.fallback = (struct step){ANSWER, 503, JSON11, "{\"__type\":\"ServiceUnavailable\"}", "u"};
	srv_script(NULL, 0);
	rc_init(&rc, 0.0);
	ship_buf_init(&s_log, 0);
	struct ship_aws *aws = client(&rc, 3);
	/* each failing call takes two retries (10 tokens): 50 calls empty the bucket */
	for (int i = 0; i < 50; i++) {
		assert_int_equal(do_call(aws, CALL_JSON, &e), -1);
		assert_non_null(strstr(e.message, "gave up after 3 attempts; set AWS_MAX_ATTEMPTS"));
		assert_int_equal(ship_aws_retry_quota(aws), 500 - 10 * (i + 1));
	}
	assert_int_equal(s_srv.nseen, 150);
	assert_int_equal(do_call(aws, CALL_JSON, &e), -1);
	assert_int_equal(s_srv.nseen, 151); /* no retry without quota */
	assert_string_equal(e.message, "ServiceUnavailable (request id u; gave up after 1 attempt: the "
				       "retry quota is used up after too many failures; try again "
				       "later)");
	/* a success without retries gives one token back, a success after a retry its cost */
	static const struct step ok[] = {OK_JSON};
	for (int i = 1; i <= 5; i++) {
		srv_script(ok, 1);
		assert_int_equal(do_call(aws, CALL_JSON, &e), 0);
		assert_int_equal(ship_aws_retry_quota(aws), i);
	}
	static const struct step throttle_ok[] = {THROTTLE_JSON, OK_JSON};
	srv_script(throttle_ok, 2);
	assert_int_equal(do_call(aws, CALL_JSON, &e), 0); /* took 5, got 5 back */
	assert_int_equal(ship_aws_retry_quota(aws), 5);
	assert_int_equal(s_srv.nseen, 2);
	static const struct step throttle_twice[] = {THROTTLE_JSON, THROTTLE_JSON, OK_JSON};
	srv_script(throttle_twice, 3);
	assert_int_equal(do_call(aws, CALL_JSON, &e), -1);
	assert_int_equal(s_srv.nseen, 2);
	assert_int_equal(ship_aws_retry_quota(aws), 0);
	assert_string_equal(e.message, "ThrottlingException: Rate exceeded (request id json-rid; gave "
				       "up after 2 attempts: the retry quota is used up after too "
				       "many failures; try again later)");
	struct ship_aws_stats st;
	ship_aws_stats(aws, &st);
	assert_int_equal(st.calls, 58);
	ship_buf_release(&s_log);
	ship_aws_destroy(aws);
	srv_stop();
}

/* ---- the requests of the three protocols, exactly ------------------------------------------- */

static void exact_requests(void **state)
{
	(void)state;
	static const struct step steps[] = {
	    OK_JSON, OK_JSON, OK_JSON, OK_QUERY, OK_EC2,
	    {ANSWER, 200, "text/xml",
	     "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account>"
	     "</GetCallerIdentityResult></GetCallerIdentityResponse>",
	     "sts-rid"},
	    OK_JSON,
	    {ANSWER, 200, "text/xml",
	     "<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancers/>"
	     "</DescribeLoadBalancersResult></DescribeLoadBalancersResponse>",
	     "elb-rid"}};
	struct rec_clock rc;
	struct ship_err e = SHIP_ERR_INIT;
	srv_start();
	srv_script(steps, 8);
	rc_init(&rc, 0.5);
	ship_buf_init(&s_log, 0);
	struct ship_aws *aws = client(&rc, 3);
	json_t *out = NULL, *req = json_pack("{s:i, s:[s]}", "maxResults", 10, "include", "TAGS");

	assert_int_equal(ship_aws_json(aws, SHIP_SVC_ECS, "ListClusters", req, &out, &s_signed, &e), 0);
	json_decref(out);
	assert_int_equal(ship_aws_json(aws, SHIP_SVC_LOGS, "DescribeLogGroups", NULL, &out, &s_signed,
				       &e),
			 0);
	json_decref(out);
	assert_int_equal(ship_aws_json(aws, SHIP_SVC_ECR, "DescribeImages", NULL, &out, &s_signed, &e),
			 0);
	json_decref(out);
	json_decref(req);

	struct ship_params p = {{0}};
	xmlDoc *doc = NULL;
	ship_params_add(&p, "StackName", "my stack/\xce\xb1&=+~");
	ship_params_addf(&p, "DbPassword", "Parameters.member.%d.ParameterKey", 1);
	assert_int_equal(ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "DescribeStacks", &p, &doc,
					&s_signed, &e),
			 0);
	xmlFreeDoc(doc);
	ship_params_release(&p);
	ship_params_add(&p, "Filter.1.Name", "tag:Name");
	ship_params_add(&p, "Filter.1.Value.1", "web");
	assert_int_equal(ship_aws_query(aws, SHIP_SVC_EC2, "DescribeVpcs", &p, &doc, &s_signed, &e), 0);
	xmlFreeDoc(doc);
	ship_params_release(&p);
	struct ship_call_opts anon = {.anonymous = 1};
	assert_int_equal(ship_aws_query(aws, SHIP_SVC_STS, "GetCallerIdentity", NULL, &doc, &anon, &e),
			 0);
	xmlFreeDoc(doc);
	struct ship_creds temp = {AKID, SECRET, TOKEN, 0, "test"};
	struct ship_call_opts with_token = {.creds = &temp};
	assert_int_equal(ship_aws_json(aws, SHIP_SVC_SERVICE_QUOTAS, "GetServiceQuota", NULL, &out,
				       &with_token, &e),
			 0);
	json_decref(out);
	assert_int_equal(ship_aws_query(aws, SHIP_SVC_ELBV2, "DescribeLoadBalancers", NULL, &doc,
					&s_signed, &e),
			 0);
	xmlFreeDoc(doc);

	static const struct {
		const char *target, *ctype, *body, *scope;
	} want[] = {
	    {"AmazonEC2ContainerServiceV20141113.ListClusters", JSON11,
	     "{\"maxResults\":10,\"include\":[\"TAGS\"]}", "/us-east-1/ecs/aws4_request"},
	    {"Logs_20140328.DescribeLogGroups", JSON11, "{}", "/us-east-1/logs/aws4_request"},
	    {"AmazonEC2ContainerRegistry_V20150921.DescribeImages", JSON11, "{}",
	     "/us-east-1/ecr/aws4_request"},
	    {"", "application/x-www-form-urlencoded; charset=utf-8",
	     "Action=DescribeStacks&Version=2010-05-15&StackName=my+stack%2F%CE%B1%26%3D%2B~&"
	     "Parameters.member.1.ParameterKey=DbPassword",
	     "/us-east-1/cloudformation/aws4_request"},
	    {"", "application/x-www-form-urlencoded; charset=utf-8",
	     "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AName&Filter.1.Value.1=web",
	     "/us-east-1/ec2/aws4_request"},
	    {"", "application/x-www-form-urlencoded; charset=utf-8",
	     "Action=GetCallerIdentity&Version=2011-06-15", NULL},
	    {"ServiceQuotasV20190624.GetServiceQuota", JSON11, "{}",
	     "/us-east-1/servicequotas/aws4_request"},
	    {"", "application/x-www-form-urlencoded; charset=utf-8",
	     "Action=DescribeLoadBalancers&Version=2015-12-01",
	     "/us-east-1/elasticloadbalancing/aws4_request"},
	};
	assert_int_equal(s_srv.nseen, 8);
	for (int i = 0; i < 8; i++) {
		const struct seen *sn = &s_srv.seen[i];
		assert_string_equal(sn->method, "POST");
		assert_string_equal(sn->url, "/");
		assert_string_equal(sn->target, want[i].target);
		assert_string_equal(sn->ctype, want[i].ctype);
		assert_string_equal(sn->body, want[i].body);
		assert_string_equal(sn->expect, "");
		assert_true(!strncmp(sn->ua, "ecship/", 7));
		if (want[i].scope) {
			assert_true(!strncmp(sn->auth, "AWS4-HMAC-SHA256 Credential=" AKID "/", 37));
			assert_non_null(strstr(sn->auth, want[i].scope));
		} else {
			assert_string_equal(sn->auth, ""); /* anonymous */
		}
	}
	assert_string_equal(s_srv.seen[6].token, TOKEN);
	assert_string_equal(s_srv.seen[0].token, "");
	ship_buf_release(&s_log);
	ship_aws_destroy(aws);
	srv_stop();
}

/* ---- the wire log --------------------------------------------------------------------------- */

static void wire_log_is_redacted(void **state)
{
	(void)state;
	static const struct step steps[] = {
	    THROTTLE_JSON,
	    {ANSWER, 200, JSON11,
	     "{\"taskDefinition\":{\"taskDefinitionArn\":\"arn:aws:ecs:us-east-1:1:task-definition/"
	     "web:1\",\"revision\":1,\"containerDefinitions\":[{\"environment\":[{\"name\":"
	     "\"DJANGO_SECRET_KEY\",\"value\":\"django-insecure-0123456789\"}]}]},"
	     "\"credentials\":{\"secretAccessKey\":\"" SECRET "\"}}",
	     "rid-2"},
	    {ANSWER, 200, "text/plain", "AQAEAIMDSSESSIONTOKEN0123456789==", ""},
	};
	struct rec_clock rc;
	struct ship_err e = SHIP_ERR_INIT;
	srv_start();
	srv_script(steps, 3);
	rc_init(&rc, 0.5);
	ship_buf_init(&s_log, 0);
	struct ship_aws *aws = client(&rc, 3);
	struct ship_creds temp = {AKID, SECRET, TOKEN, 0, "test"};
	struct ship_call_opts with_token = {.creds = &temp};
	json_t *out = NULL;
	json_t *req = json_pack("{s:s, s:[{s:s, s:s}]}", "family", "web", "environment", "name",
				"DB_PASSWORD", "value", "pw-in-request-42");
	assert_int_equal(ship_aws_json(aws, SHIP_SVC_ECS, "RegisterTaskDefinition", req, &out,
				       &with_token, &e),
			 0);
	json_decref(req);
	json_decref(out);

	/* a plain exchange: not signed, not retried, logged; an IMDS token answer is hidden */
	struct ship_headers h = {0};
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/latest/api/token", s_srv.port);
	ship_headers_add(&h, "X-aws-ec2-metadata-token-ttl-seconds", "21600");
	struct ship_http_request hreq = {"PUT", url, &h, SHIP_STR_LIT(""), 1000, 0};
	struct ship_http_response resp;
	ship_http_response_init(&resp);
	assert_int_equal(ship_aws_http(aws, &hreq, &resp, &e), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body.data, "AQAEAIMDSSESSIONTOKEN0123456789==");
	assert_string_equal(s_srv.seen[2].auth, "");
	ship_http_response_release(&resp);
	ship_headers_release(&h);

	const char *log = s_log.data;
	/* the signatures actually sent must not appear */
	for (int i = 0; i < 2; i++) {
		const char *sig = strstr(s_srv.seen[i].auth, "Signature=");
		assert_non_null(sig);
		assert_null(strstr(log, sig + 10));
	}
	static const char *const gone[] = {SECRET, TOKEN, AKID, "pw-in-request-42",
					   "django-insecure-0123456789", "AQAEAIMDSSESSIONTOKEN"};
	for (size_t i = 0; i < sizeof(gone) / sizeof(*gone); i++)
		if (strstr(log, gone[i]))
			fail_msg("'%s' in the wire log:\n%s", gone[i], log);
	static const char *const kept[] = {
	    "* ecs RegisterTaskDefinition: attempt 1 of 3",
	    "> POST http://127.0.0.1:",
	    "> X-Amz-Target: AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition",
	    "> Authorization: AWS4-HMAC-SHA256 Credential=****0000/20231114/us-east-1/ecs/"
	    "aws4_request, SignedHeaders=",
	    "Signature=<redacted>",
	    "> X-Amz-Security-Token: <redacted>",
	    "> {\"family\":\"web\",\"environment\":[{\"name\":\"DB_PASSWORD\",\"value\":\"<redacted>\"}]}",
	    "< HTTP 400 Bad Request",
	    "< x-amzn-RequestId: json-rid",
	    "* retrying in 0.500 s after ThrottlingException (retry quota 495 left)",
	    "* ecs RegisterTaskDefinition: attempt 2 of 3",
	    "< HTTP 200 OK",
	    "\"secretAccessKey\":\"<redacted>\"",
	    "> PUT http://127.0.0.1:",
	    "> X-aws-ec2-metadata-token-ttl-seconds: 21600",
	    "< <redacted>",
	};
	for (size_t i = 0; i < sizeof(kept) / sizeof(*kept); i++)
		if (!strstr(log, kept[i]))
			fail_msg("'%s' not in the wire log:\n%s", kept[i], log);
	ship_buf_release(&s_log);
	ship_aws_destroy(aws);
	srv_stop();
}

static void plain_exchange_is_not_retried(void **state)
{
	(void)state;
	static const struct step steps[] = {{ANSWER, 503, "text/plain", "busy", ""}};
	struct rec_clock rc;
	struct ship_err e = SHIP_ERR_INIT;
	srv_start();
	srv_script(steps, 1);
	rc_init(&rc, 0.5);
	ship_buf_init(&s_log, 0);
	struct ship_aws *aws = client(&rc, 3);
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v2/credentials/x", s_srv.port);
	struct ship_http_request req = {"GET", url, NULL, SHIP_STR_LIT(""), 0, 0};
	struct ship_http_response resp;
	ship_http_response_init(&resp);
	assert_int_equal(ship_aws_http(aws, &req, &resp, &e), 0);
	assert_int_equal(resp.status, 503);
	assert_int_equal(s_srv.nseen, 1);
	assert_int_equal(rc.nsleeps, 0);
	ship_http_response_release(&resp);
	ship_buf_release(&s_log);
	ship_aws_destroy(aws);
	srv_stop();
}

/* A transport in memory: throttles once, then answers; for the allocation-failure loop. */
static int fake_transport(void *ctx, const struct ship_http_request *req,
			  struct ship_http_response *resp, struct ship_err *err)
{
	int *n = ctx;
	(void)req;
	if ((*n)++ % 2 == 0) {
		resp->status = 400;
		if (ship_headers_add(&resp->headers, "x-amzn-RequestId", "rid") ||
		    ship_buf_adds(&resp->body, "{\"__type\":\"ThrottlingException\",\"message\":\"x\"}"))
			return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		return 0;
	}
	resp->status = 200;
	if (ship_buf_adds(&resp->body, req->headers && ship_headers_get(req->headers, "X-Amz-Target")
					   ? "{\"clusterArns\":[\"a\"]}"
					   : "<R><DescribeStacksResult><Stacks/></DescribeStacksResult></R>"))
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	return 0;
}

/*
 * A call that changes something goes out on a new connection: when the server ran it and closed
 * the kept-alive connection before answering, libcurl must not send it again on its own
 * (one request seen, not two). Calls that only read may still reuse connections.
 */
static void changes_are_never_resent_by_the_transport(void **state)
{
	(void)state;
	static const struct step steps[] = {OK_JSON, {RESET, 0, 0, 0, 0}};
	struct rec_clock rc;
	struct ship_err e = SHIP_ERR_INIT;
	json_t *out = NULL;
	srv_start();
	rc_init(&rc, 0.5);
	srv_script(steps, 2);
	ship_buf_init(&s_log, 0);
	struct ship_aws *aws = client(&rc, 1);
	assert_int_equal(do_call(aws, CALL_JSON, &e), 0); /* a kept-alive connection */
	assert_int_equal(ship_aws_json(aws, SHIP_SVC_ECS, "RunTask", NULL, &out, &s_signed, &e),
			 -1);
	assert_int_equal(e.code, SHIP_ERR_NETWORK);
	assert_int_equal(s_srv.nseen, 2); /* RunTask reached the server once */
	assert_null(out);
	ship_buf_release(&s_log);
	ship_aws_destroy(aws);
	srv_stop();
	static const char *const reads[] = {"DescribeServices", "ListTasks",
					    "GetLogEvents",	"FilterLogEvents",
					    "ValidateTemplate", "GetCallerIdentity"};
	static const char *const changes[] = {"RegisterTaskDefinition",
					      "RunTask",
					      "CreateService",
					      "UpdateService",
					      "DeregisterTaskDefinition",
					      "CreateChangeSet",
					      "ExecuteChangeSet",
					      "CreateRule",
					      "StopTask",
					      "TagResource"};
	for (size_t i = 0; i < sizeof(reads) / sizeof(*reads); i++)
		assert_true(ship_aws_operation_reads_only(reads[i]));
	for (size_t i = 0; i < sizeof(changes) / sizeof(*changes); i++)
		assert_false(ship_aws_operation_reads_only(changes[i]));
	/* client tokens: 36 characters, a version 4 UUID, different each time */
	char t1[40], t2[40];
	assert_int_equal(ship_aws_client_token(t1, sizeof(t1)), 0);
	assert_int_equal(ship_aws_client_token(t2, sizeof(t2)), 0);
	assert_int_equal(strlen(t1), 36);
	assert_int_equal(t1[14], '4');
	assert_string_not_equal(t1, t2);
}

/* A 2xx answer without a member ecship acts on is a protocol error naming call and member. */
static void answers_are_checked(void **state)
{
	(void)state;
	static const struct {
		const char *op, *body, *message;
	} cases[] = {
	    {"RegisterTaskDefinition", "",
	     "ecs RegisterTaskDefinition: the answer has no 'taskDefinition.taskDefinitionArn'"},
	    {"RegisterTaskDefinition", "{\"taskDefinition\":{\"taskDefinitionArn\":\"\"}}",
	     "ecs RegisterTaskDefinition: the answer has no valid "
	     "'taskDefinition.taskDefinitionArn'"},
	    {"RegisterTaskDefinition", "{\"taskDefinition\":{\"taskDefinitionArn\":\"a:1\"}}",
	     "ecs RegisterTaskDefinition: the answer has no 'taskDefinition.revision'"},
	    {"UpdateService", "{\"service\":{\"serviceArn\":\"s\",\"deployments\":{}}}",
	     "ecs UpdateService: the answer has no valid 'service.deployments'"},
	    {"CreateService", "{}", "ecs CreateService: the answer has no 'service.serviceArn'"},
	    {"DescribeServices", "{\"failures\":[]}",
	     "ecs DescribeServices: the answer has no 'services'"},
	    {"RunTask", "{}", "ecs RunTask: the answer has no 'tasks'"},
	    {"DescribeTasks", "null", NULL}, /* not an object: the parser says so */
	};
	srv_start();
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct step st[] = {{ANSWER, 200, JSON11, cases[i].body, "chk-rid"}};
		struct rec_clock rc;
		struct ship_err e = SHIP_ERR_INIT;
		json_t *out = NULL;
		rc_init(&rc, 0.5);
		srv_script(st, 1);
		ship_buf_init(&s_log, 0);
		struct ship_aws *aws = client(&rc, 3);
		assert_int_equal(
		    ship_aws_json(aws, SHIP_SVC_ECS, cases[i].op, NULL, &out, &s_signed, &e), -1);
		assert_null(out);
		assert_int_equal(e.code, SHIP_ERR_PROTOCOL);
		assert_int_equal(s_srv.nseen, 1); /* final: not retried */
		if (cases[i].message &&
		    strncmp(e.message, cases[i].message, strlen(cases[i].message)))
			fail_msg("%s: '%s'\n want '%s...'", cases[i].op, e.message,
				 cases[i].message);
		if (cases[i].message)
			assert_non_null(strstr(e.message, "(request id chk-rid)"));
		ship_buf_release(&s_log);
		ship_aws_destroy(aws);
	}
	/* the same for Query answers: an empty CreateRule or DescribeStacks result */
	static const struct {
		enum ship_service svc;
		const char *action, *body, *message;
	} xcases[] = {
	    {SHIP_SVC_ELBV2, "CreateRule",
	     "<CreateRuleResponse><CreateRuleResult><Rules/></CreateRuleResult></CreateRuleResponse>",
	     "elbv2 CreateRule: the answer has no 'CreateRuleResult/Rules/+/RuleArn'"},
	    {SHIP_SVC_CLOUDFORMATION, "DescribeStacks",
	     "<DescribeStacksResponse><DescribeStacksResult/></DescribeStacksResponse>",
	     "cloudformation DescribeStacks: the answer has no 'DescribeStacksResult/Stacks'"},
	    {SHIP_SVC_CLOUDFORMATION, "CreateChangeSet",
	     "<CreateChangeSetResponse><CreateChangeSetResult><Id></Id></CreateChangeSetResult>"
	     "</CreateChangeSetResponse>",
	     "cloudformation CreateChangeSet: the answer has no 'CreateChangeSetResult/Id'"},
	    /* EC2 answers: an answer without its list would read as "none" (the VPC quota check
	     * passing on a garbled DescribeVpcs), an item without its id as a failed allocation */
	    {SHIP_SVC_EC2, "DescribeVpcs",
	     "<DescribeVpcsResponse><requestId>r</requestId></DescribeVpcsResponse>",
	     "ec2 DescribeVpcs: the answer has no 'vpcSet'"},
	    {SHIP_SVC_EC2, "DescribeVpcs",
	     "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId>"
	     "</item><item><cidrBlock>10.0.0.0/16</cidrBlock>"
	     "</item></vpcSet></DescribeVpcsResponse>",
	     "ec2 DescribeVpcs: the answer has no 'vpcSet/*/vpcId'"},
	    {SHIP_SVC_EC2, "DescribeSubnets", "<DescribeSubnetsResponse/>",
	     "ec2 DescribeSubnets: the answer has no 'subnetSet'"},
	    {SHIP_SVC_EC2, "DescribeSubnets",
	     "<DescribeSubnetsResponse><subnetSet><item><subnetId>subnet-1</subnetId><vpcId>vpc-1"
	     "</vpcId>"
	     "<availabilityZone></availabilityZone></item></subnetSet></DescribeSubnetsResponse>",
	     "ec2 DescribeSubnets: the answer has no 'subnetSet/*/availabilityZone'"},
	    {SHIP_SVC_EC2, "DescribeRouteTables", "<DescribeRouteTablesResponse/>",
	     "ec2 DescribeRouteTables: the answer has no 'routeTableSet'"},
	    {SHIP_SVC_EC2, "DescribeRouteTables",
	     "<DescribeRouteTablesResponse><routeTableSet><item><routeTableId>rtb-1"
	     "</routeTableId></item>"
	     "</routeTableSet></DescribeRouteTablesResponse>",
	     "ec2 DescribeRouteTables: the answer has no 'routeTableSet/*/vpcId'"},
	    {SHIP_SVC_EC2, "DescribeSecurityGroups", "<DescribeSecurityGroupsResponse/>",
	     "ec2 DescribeSecurityGroups: the answer has no 'securityGroupInfo'"},
	    {SHIP_SVC_EC2, "DescribeSecurityGroups",
	     "<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupName>g</groupName>"
	     "</item>"
	     "</securityGroupInfo></DescribeSecurityGroupsResponse>",
	     "ec2 DescribeSecurityGroups: the answer has no 'securityGroupInfo/*/groupId'"},
	    {SHIP_SVC_EC2, "DescribeVpcEndpoints", "<DescribeVpcEndpointsResponse/>",
	     "ec2 DescribeVpcEndpoints: the answer has no 'vpcEndpointSet'"},
	    /* the other Query answers ecship acts on */
	    {SHIP_SVC_ELBV2, "DescribeTargetHealth",
	     "<DescribeTargetHealthResponse><DescribeTargetHealthResult/>"
	     "</DescribeTargetHealthResponse>",
	     "elbv2 DescribeTargetHealth: the answer has no "
	     "'DescribeTargetHealthResult/TargetHealthDescriptions'"},
	    {SHIP_SVC_ELBV2, "DescribeListeners", "<DescribeListenersResponse/>",
	     "elbv2 DescribeListeners: the answer has no 'DescribeListenersResult/Listeners'"},
	    {SHIP_SVC_ELBV2, "DescribeTargetGroups", "<DescribeTargetGroupsResponse/>",
	     "elbv2 DescribeTargetGroups: the answer has no "
	     "'DescribeTargetGroupsResult/TargetGroups'"},
	    {SHIP_SVC_ELBV2, "DescribeLoadBalancers", "<DescribeLoadBalancersResponse/>",
	     "elbv2 DescribeLoadBalancers: the answer has no "
	     "'DescribeLoadBalancersResult/LoadBalancers'"},
	    {SHIP_SVC_ELBV2, "DescribeTags", "<DescribeTagsResponse/>",
	     "elbv2 DescribeTags: the answer has no 'DescribeTagsResult/TagDescriptions'"},
	    {SHIP_SVC_ELBV2, "DescribeRules",
	     "<DescribeRulesResponse><DescribeRulesResult><Rules><member><Priority>1</Priority>"
	     "</member>"
	     "</Rules></DescribeRulesResult></DescribeRulesResponse>",
	     "elbv2 DescribeRules: the answer has no 'DescribeRulesResult/Rules/*/RuleArn'"},
	    {SHIP_SVC_CLOUDFORMATION, "ListChangeSets", "<ListChangeSetsResponse/>",
	     "cloudformation ListChangeSets: the answer has no 'ListChangeSetsResult/Summaries'"},
	    {SHIP_SVC_CLOUDFORMATION, "DescribeStackEvents",
	     "<DescribeStackEventsResponse><DescribeStackEventsResult><StackEvents><member>"
	     "<ResourceStatus>CREATE_FAILED</ResourceStatus></member></StackEvents>"
	     "</DescribeStackEventsResult></DescribeStackEventsResponse>",
	     "cloudformation DescribeStackEvents: the answer has no "
	     "'DescribeStackEventsResult/StackEvents/*/EventId'"},
	    {SHIP_SVC_IAM, "GetRole",
	     "<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName></Role></GetRoleResult>"
	     "</GetRoleResponse>",
	     "iam GetRole: the answer has no 'GetRoleResult/Role/AssumeRolePolicyDocument'"},
	};
	for (size_t i = 0; i < sizeof(xcases) / sizeof(*xcases); i++) {
		struct step st[] = {{ANSWER, 200, "text/xml", xcases[i].body, "x-rid"}};
		struct rec_clock rc;
		struct ship_err xe = SHIP_ERR_INIT;
		xmlDoc *doc = NULL;
		rc_init(&rc, 0.5);
		srv_script(st, 1);
		ship_buf_init(&s_log, 0);
		struct ship_aws *aws = client(&rc, 3);
		assert_int_equal(ship_aws_query(aws, xcases[i].svc, xcases[i].action, NULL, &doc,
						&s_signed, &xe),
				 -1);
		assert_null(doc);
		assert_int_equal(xe.code, SHIP_ERR_PROTOCOL);
		if (strncmp(xe.message, xcases[i].message, strlen(xcases[i].message)))
			fail_msg("%s: '%s'\n want '%s...'", xcases[i].action, xe.message,
				 xcases[i].message);
		ship_buf_release(&s_log);
		ship_aws_destroy(aws);
	}
	/* complete answers pass, empty lists included */
	static const struct {
		enum ship_service svc;
		const char *action, *body;
	} passes[] = {
	    {SHIP_SVC_EC2, "DescribeVpcs",
	     "<DescribeVpcsResponse><vpcSet/></DescribeVpcsResponse>"},
	    {SHIP_SVC_EC2, "DescribeVpcs",
	     "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId></item><item><vpcId>vpc-2"
	     "</vpcId>"
	     "</item></vpcSet></DescribeVpcsResponse>"},
	    {SHIP_SVC_ELBV2, "CreateRule",
	     "<CreateRuleResponse><CreateRuleResult><Rules><member><RuleArn>arn:r</RuleArn>"
	     "</member>"
	     "</Rules></CreateRuleResult></CreateRuleResponse>"},
	    {SHIP_SVC_EC2, "DescribeInstances",
	     "<DescribeInstancesResponse/>"}, /* not in the table */
	};
	for (size_t i = 0; i < sizeof(passes) / sizeof(*passes); i++) {
		xmlDoc *d = xmlReadMemory(passes[i].body, (int)strlen(passes[i].body), NULL, NULL,
					  XML_PARSE_NONET);
		struct ship_err pe = SHIP_ERR_INIT;
		assert_non_null(d);
		if (ship_aws_xml_check(passes[i].svc, passes[i].action, d, &pe))
			fail_msg("%s: %s", passes[i].action, pe.message);
		xmlFreeDoc(d);
	}
	/* a complete answer passes */
	json_t *ok = json_pack("{s:{s:s, s:i}}", "taskDefinition", "taskDefinitionArn", "a:1",
			       "revision", 1);
	struct ship_err e = SHIP_ERR_INIT;
	assert_int_equal(ship_aws_json_check(SHIP_SVC_ECS, "RegisterTaskDefinition", ok, &e), 0);
	assert_int_equal(ship_aws_json_check(SHIP_SVC_ECS, "ListClusters", ok, &e), 0);
	json_decref(ok);
	srv_stop();
}

static void survives_allocation_failures(void **state)
{
	(void)state;
	int failures = 0, successes = 0;
	for (long n = 1; n < 400; n++) {
		struct rec_clock rc;
		struct ship_err e = SHIP_ERR_INIT;
		int calls = 0;
		rc_init(&rc, 0.5);
		struct ship_aws_options o;
		memset(&o, 0, sizeof(o));
		o.region = "us-east-1";
		o.endpoint_url = "http://127.0.0.1:1";
		o.clock = &rc.clock;
		o.transport = fake_transport;
		o.transport_ctx = &calls;
		o.wire_log = log_line;
		ship_buf_init(&s_log, 0);
		tu_alloc_fail_at(n);
		struct ship_aws *aws = ship_aws_new(&o, &e);
		if (aws) {
			json_t *out = NULL, *req = json_pack("{s:s}", "cluster", "c");
			xmlDoc *doc = NULL;
			struct ship_params p = {{0}};
			ship_params_add(&p, "StackName", "s");
			int r1 = ship_aws_json(aws, SHIP_SVC_ECS, "ListClusters", req, &out, &s_signed, &e);
			int r2 = ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "DescribeStacks", &p, &doc,
						&s_signed, &e);
			if (r1 == 0 && r2 == 0)
				successes++;
			else
				failures++;
			json_decref(out);
			json_decref(req);
			xmlFreeDoc(doc);
			ship_params_release(&p);
			ship_aws_destroy(aws);
		}
		tu_alloc_fail_at(0);
		ship_buf_release(&s_log);
	}
	assert_true(failures > 10);
	assert_true(successes > 0);
}

/* The server's clock from the Date header of each answer: the offset to ours (injected here). */
static void server_clock_offset(void **state)
{
	(void)state;
	static const struct step steps[] = {
	    OK_JSON, OK_JSON, {ANSWER, 400, JSON11, "{\"__type\":\"ClientException\"}", "r3"}, OK_JSON};
	struct rec_clock rc;
	struct ship_err e = SHIP_ERR_INIT;
	json_t *out = NULL;
	srv_start();
	srv_script(steps, 4);
	rc_init(&rc, 0.5);
	ship_buf_init(&s_log, 0);
	struct ship_aws *aws = client(&rc, 1);
	assert_true(ship_aws_clock_offset(aws) == 0); /* no answer yet */
	s_srv.date = "Mon, 30 Nov 2026 09:41:02 GMT";
	assert_int_equal(ship_aws_json(aws, SHIP_SVC_ECS, "ListClusters", NULL, &out, &s_signed, &e), 0);
	json_decref(out);
	/* 2026-11-30T09:41:02Z is 1796031662; the injected clock says 1700000000.5 */
	assert_true(ship_aws_clock_offset(aws) == 1796031662.0 - 1700000000.5);
	s_srv.date = "not a date";
	assert_int_equal(ship_aws_json(aws, SHIP_SVC_ECS, "ListClusters", NULL, &out, &s_signed, &e), 0);
	json_decref(out);
	assert_true(ship_aws_clock_offset(aws) == 1796031662.0 - 1700000000.5); /* kept */
	s_srv.date = "Tue, 01 Dec 2026 00:00:00 GMT"; /* an error answer has a Date too */
	assert_int_equal(ship_aws_json(aws, SHIP_SVC_ECS, "ListClusters", NULL, &out, &s_signed, &e),
			 -1);
	assert_true(ship_aws_clock_offset(aws) == 1796083200.0 - 1700000000.5);
	s_srv.date = NULL; /* libmicrohttpd's own Date: the wall clock */
	assert_int_equal(ship_aws_json(aws, SHIP_SVC_ECS, "ListClusters", NULL, &out, &s_signed, &e), 0);
	json_decref(out);
	double wall = (double)time(NULL) - 1700000000.5;
	assert_true(ship_aws_clock_offset(aws) > wall - 3 && ship_aws_clock_offset(aws) < wall + 3);
	ship_aws_destroy(aws);
	ship_buf_release(&s_log);
	srv_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(scenarios),
	    TU_TEST(attempts_are_resigned),
	    TU_TEST(quota_runs_dry),
	    TU_TEST(exact_requests),
	    TU_TEST(wire_log_is_redacted),
	    TU_TEST(plain_exchange_is_not_retried),
	    TU_TEST(survives_allocation_failures),
	    TU_TEST(server_clock_offset),
	    TU_TEST(changes_are_never_resent_by_the_transport),
	    TU_TEST(answers_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
