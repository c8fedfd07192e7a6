/*
 * test_aws_errors.c: error answers of the three protocols turned into struct ship_err, driven by
 * the GreetingWithErrors cases of ../shared/testdata/aws-protocol-tests/output/{json,query,ec2}.json
 * plus a table of real-world shapes (request id headers, HTML from a proxy, empty bodies). The
 * protocol files are optional data: without them those three tests are skipped, with the reason.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/xml.h"
#include "private/awsproto.h"
#include "testutil.h"

static void response_from_case(json_t *resp, struct ship_http_response *r)
{
	const char *k;
	json_t *v;
	ship_http_response_init(r);
	r->status = (long)json_integer_value(json_object_get(resp, "status_code"));
	json_object_foreach(json_object_get(resp, "headers"), k, v)
	    ship_headers_add(&r->headers, k, json_string_value(v));
	const char *body = json_string_value(json_object_get(resp, "body"));
	if (body)
		ship_buf_adds(&r->body, body);
}

/* Runs every error case of one protocol file; returns how many were checked. */
static int run_file(const char *rel, enum ship_protocol proto, const char *want_rid)
{
	json_error_t je;
	json_t *suites = json_load_file(tu_testdata(rel), 0, &je);
	if (!suites)
		fail_msg("cannot load %s: %s", tu_testdata(rel), je.text);
	int checked = 0, successes = 0;
	size_t i;
	json_t *suite;
	json_array_foreach(suites, i, suite)
	{
		size_t j;
		json_t *c;
		json_array_foreach(json_object_get(suite, "cases"), j, c)
		{
			const char *op = json_string_value(
			    json_object_get(json_object_get(c, "given"), "name"));
			if (!op || strcmp(op, "GreetingWithErrors"))
				continue;
			const char *id = json_string_value(json_object_get(c, "id"));
			struct ship_http_response r;
			response_from_case(json_object_get(c, "response"), &r);
			const char *code = json_string_value(json_object_get(c, "errorCode"));
			if (!code) {
				/* the success case of the same operation */
				json_t *greeting = json_object_get(json_object_get(c, "result"), "greeting");
				struct ship_err e = SHIP_ERR_INIT;
				if (proto == SHIP_PROTO_JSON) {
					ship_http_response_release(&r);
					continue;
				}
				xmlDoc *doc = NULL;
				assert_int_equal(ship_awsproto_xml_response(&r, &doc, &e), 0);
				xmlNode *root = ship_xml_root(doc);
				char *g = ship_xml_path_text(root, proto == SHIP_PROTO_QUERY
								       ? "GreetingWithErrorsResult/greeting"
								       : "greeting");
				assert_string_equal(g, json_string_value(greeting));
				ship_free(g);
				xmlFreeDoc(doc);
				ship_http_response_release(&r);
				successes++;
				continue;
			}
			const char *msg = json_string_value(json_object_get(c, "errorMessage"));
			struct ship_err e = SHIP_ERR_INIT;
			assert_int_equal(ship_awsproto_error(proto, &r, "127.0.0.1", &e), -1);
			if (e.code != SHIP_ERR_AWS || strcmp(e.aws_code, code))
				fail_msg("%s: code %d '%s', want '%s' (%s)", id, e.code, e.aws_code, code,
					 e.message);
			assert_int_equal(e.http_status, r.status);
			char want[256];
			if (msg)
				snprintf(want, sizeof(want), "%s: %s", code, msg);
			else
				snprintf(want, sizeof(want), "%s", code);
			/* EC2's ComplexError carries a Message although the case lists none */
			if (strcmp(e.message, want) && !(proto == SHIP_PROTO_EC2 && !msg &&
							 !strncmp(e.message, want, strlen(want))))
				fail_msg("%s: message '%s', want '%s'", id, e.message, want);
			if (want_rid)
				assert_string_equal(e.request_id, want_rid);
			ship_http_response_release(&r);
			checked++;
		}
	}
	json_decref(suites);
	if (proto != SHIP_PROTO_JSON)
		assert_int_equal(successes, 1);
	return checked;
}

static void json_protocol_tests(void **state)
{
	(void)state;
	TU_NEED_TESTDATA("aws-protocol-tests/output/json.json");
	int n = run_file("aws-protocol-tests/output/json.json", SHIP_PROTO_JSON, NULL);
	assert_int_equal(n, 12);
}

static void query_protocol_tests(void **state)
{
	(void)state;
	TU_NEED_TESTDATA("aws-protocol-tests/output/query.json");
	int n = run_file("aws-protocol-tests/output/query.json", SHIP_PROTO_QUERY, "foo-id");
	assert_int_equal(n, 3);
}

static void ec2_protocol_tests(void **state)
{
	(void)state;
	TU_NEED_TESTDATA("aws-protocol-tests/output/ec2.json");
	int n = run_file("aws-protocol-tests/output/ec2.json", SHIP_PROTO_EC2, "foo-id");
	assert_int_equal(n, 2);
}

static void error_codes_normalize(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
	    {"FooError", "FooError"},
	    {"aws.protocoltests.restjson#FooError", "FooError"},
	    {"FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError"},
	    {"aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/", "FooError"},
	    {"com.amazonaws.ecs.v20141113#ClusterNotFoundException", "ClusterNotFoundException"},
	    {" ThrottlingException ", "ThrottlingException"},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char out[96];
		ship_awsproto_error_code(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
}

static void real_world_shapes(void **state)
{
	(void)state;
	static const struct {
		enum ship_protocol proto;
		long status;
		const char *h1, *v1, *h2, *v2;
		const char *body;
		enum ship_errcode code;
		const char *aws_code, *rid, *msg;
	} cases[] = {
	    /* ECS as moto and AWS send it */
	    {SHIP_PROTO_JSON, 400, "x-amzn-RequestId", "3f1c-ecs", "Content-Type",
	     "application/x-amz-json-1.1",
	     "{\"__type\":\"ClusterNotFoundException\",\"message\":\"Cluster not found.\"}",
	     SHIP_ERR_AWS, "ClusterNotFoundException", "3f1c-ecs",
	     "ClusterNotFoundException: Cluster not found."},
	    {SHIP_PROTO_JSON, 400, "X-Amzn-RequestId", "r1", NULL, NULL,
	     "{\"__type\":\"com.amazonaws.logs#ThrottlingException\",\"Message\":\"Rate exceeded\"}",
	     SHIP_ERR_AWS, "ThrottlingException", "r1", "ThrottlingException: Rate exceeded"},
	    /* the header wins over the body */
	    {SHIP_PROTO_JSON, 400, "x-amzn-ErrorType", "AccessDeniedException:http://x/", NULL, NULL,
	     "{\"__type\":\"Other\",\"message\":\"no\"}", SHIP_ERR_AWS, "AccessDeniedException", "",
	     "AccessDeniedException: no"},
	    /* Query: request id from the body; x-amz-request-id header used when absent */
	    {SHIP_PROTO_QUERY, 400, "x-amzn-RequestId", "hdr", NULL, NULL,
	     "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error>"
	     "<Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id x does not "
	     "exist</Message></Error><RequestId>body-rid</RequestId></ErrorResponse>",
	     SHIP_ERR_AWS, "ValidationError", "body-rid",
	     "ValidationError: Stack with id x does not exist"},
	    {SHIP_PROTO_QUERY, 400, "x-amz-request-id", "amz-rid", NULL, NULL,
	     "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
	     "</ErrorResponse>",
	     SHIP_ERR_AWS, "Throttling", "amz-rid", "Throttling: Rate exceeded"},
	    /* EC2: RequestID */
	    {SHIP_PROTO_EC2, 503, NULL, NULL, NULL, NULL,
	     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
	     "RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error>"
	     "</Errors><RequestID>ec2-rid</RequestID></Response>",
	     SHIP_ERR_AWS, "RequestLimitExceeded", "ec2-rid",
	     "RequestLimitExceeded: Request limit exceeded."},
	    /* an EC2-shaped answer to a Query call, and a JSON answer to a Query call */
	    {SHIP_PROTO_QUERY, 400, NULL, NULL, NULL, NULL,
	     "<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>nope</Message>"
	     "</Error></Errors><RequestID>x</RequestID></Response>",
	     SHIP_ERR_AWS, "InvalidVpcID.NotFound", "x", "InvalidVpcID.NotFound: nope"},
	    {SHIP_PROTO_QUERY, 400, NULL, NULL, NULL, NULL, "{\"__type\":\"Foo\",\"message\":\"m\"}",
	     SHIP_ERR_AWS, "Foo", "", "Foo: m"},
	    /* a JSON error without a code */
	    {SHIP_PROTO_JSON, 403, NULL, NULL, NULL, NULL, "{\"message\":\"Missing token\"}",
	     SHIP_ERR_AWS, "HTTP403", "", "HTTP403: Missing token"},
	    /* not AWS at all: a proxy's HTML page, an empty body, plain text */
	    {SHIP_PROTO_JSON, 502, "Content-Type", "text/html", NULL, NULL,
	     "<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1>"
	     "</body></html>",
	     SHIP_ERR_PROTOCOL, "", "",
	     "HTTP 502 Bad Gateway from '127.0.0.1': the answer is not an AWS error document "
	     "(text/html): 502 Bad Gateway Bad Gateway; a proxy or load balancer may be in the way"},
	    {SHIP_PROTO_QUERY, 503, NULL, NULL, NULL, NULL, "", SHIP_ERR_PROTOCOL, "", "",
	     "HTTP 503 Service Unavailable from '127.0.0.1': the answer is not an AWS error "
	     "document (empty body)"},
	    {SHIP_PROTO_EC2, 500, "x-amz-request-id", "keep", NULL, NULL, "oops\x01 broken",
	     SHIP_ERR_PROTOCOL, "", "keep", "the answer is not an AWS error document: oops? broken"},
	    {SHIP_PROTO_JSON, 400, NULL, NULL, NULL, NULL, "[1,2]", SHIP_ERR_PROTOCOL, "", "",
	     "HTTP 400 Bad Request"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ship_http_response r;
		struct ship_err e = SHIP_ERR_INIT;
		ship_http_response_init(&r);
		r.status = cases[i].status;
		if (cases[i].h1)
			ship_headers_add(&r.headers, cases[i].h1, cases[i].v1);
		if (cases[i].h2)
			ship_headers_add(&r.headers, cases[i].h2, cases[i].v2);
		ship_buf_adds(&r.body, cases[i].body);
		assert_int_equal(ship_awsproto_error(cases[i].proto, &r, "127.0.0.1", &e), -1);
		if (e.code != cases[i].code || strcmp(e.aws_code, cases[i].aws_code) ||
		    strcmp(e.request_id, cases[i].rid) || !strstr(e.message, cases[i].msg))
			fail_msg("case %zu: code %d aws '%s' rid '%s' message '%s'", i, e.code,
				 e.aws_code, e.request_id, e.message);
		assert_int_equal(e.http_status, cases[i].status);
		ship_http_response_release(&r);
	}
}

static void success_answers(void **state)
{
	(void)state;
	struct ship_http_response r;
	struct ship_err e = SHIP_ERR_INIT;
	json_t *j = NULL;
	ship_http_response_init(&r);
	r.status = 200;
	assert_int_equal(ship_awsproto_json_response(&r, &j, &e), 0); /* empty body: {} */
	assert_true(json_is_object(j) && json_object_size(j) == 0);
	json_decref(j);
	ship_buf_adds(&r.body, "{\"clusterArns\":[\"a\"]}");
	assert_int_equal(ship_awsproto_json_response(&r, &j, &e), 0);
	assert_int_equal(json_array_size(json_object_get(j, "clusterArns")), 1);
	json_decref(j);
	ship_buf_reset(&r.body);
	ship_buf_adds(&r.body, "<html>");
	assert_int_equal(ship_awsproto_json_response(&r, &j, &e), -1);
	assert_null(j);
	assert_int_equal(e.code, SHIP_ERR_PROTOCOL);
	assert_non_null(strstr(e.message, "cannot parse the JSON answer (HTTP 200)"));
	xmlDoc *doc = NULL;
	assert_int_equal(ship_awsproto_xml_response(&r, &doc, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_PROTOCOL);
	assert_non_null(strstr(e.message, "unexpected answer (HTTP 200): cannot parse XML"));
	ship_http_response_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(json_protocol_tests), TU_TEST(query_protocol_tests),
	    TU_TEST(ec2_protocol_tests),  TU_TEST(error_codes_normalize),
	    TU_TEST(real_world_shapes),   TU_TEST(success_answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
