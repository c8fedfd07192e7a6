/*
 * test_aws_pages.c: the one paging helper of the client (ship_aws_json_pages,
 * ship_aws_query_pages) over a fake paged service: every page is read with the previous
 * answer's token, the caller's request is not changed, the callback can stop early or fail,
 * a failed call ends it with the AWS error, a token repeated by the service (CloudWatch Logs'
 * end) ends it, and a service that never stops paging is cut at SHIP_AWS_MAX_PAGES.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "ecship/aws.h"
#include "ecship/xml.h"

#define PAGE 3

struct paged {
	int items;   /* items in all; a page holds PAGE */
	int endless; /* always answer with a next token */
	int repeat;  /* the last page repeats the token it was sent */
	int fail_at; /* the Nth call (1-based) fails with an AWS error; 0: never */
	int calls;
	char tokens[128][32]; /* the token each call carried ("" for none) */
	char other[128][32];  /* another member/param of each call, to see the request kept */
};

/* "t<N>": the first item of the page asked for. */
static int start_of(const char *token)
{
	return token && token[0] == 't' ? atoi(token + 1) : 0;
}

static const char *query_param(const char *body, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	out[0] = '\0';
	for (const char *p = body; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			const char *v = p + kl + 1, *e = strchr(v, '&');
			snprintf(out, n, "%.*s", (int)(e ? (size_t)(e - v) : strlen(v)), v);
			break;
		}
	return out;
}

static int fake_transport(void *ctx, const struct ship_http_request *req,
			  struct ship_http_response *resp, struct ship_err *err)
{
	struct paged *f = ctx;
	char token[32] = "", other[32] = "", next[32] = "";
	int json = ship_headers_get(req->headers, "X-Amz-Target") != NULL;
	struct ship_buf x = SHIP_BUF_INIT(1 << 16);
	(void)err;
	f->calls++;
	if (json) {
		json_t *b = json_loadb(req->body.p, req->body.len, 0, NULL);
		const char *t = json_string_value(json_object_get(b, "nextToken"));
		const char *o = json_string_value(json_object_get(b, "cluster"));
		snprintf(token, sizeof(token), "%s", t ? t : "");
		snprintf(other, sizeof(other), "%s", o ? o : "");
		json_decref(b);
	} else {
		char body[2048];
		snprintf(body, sizeof(body), "%.*s", (int)req->body.len, req->body.p);
		query_param(body, "Marker", token, sizeof(token));
		query_param(body, "ListenerArn", other, sizeof(other));
	}
	if (f->calls <= 128) {
		snprintf(f->tokens[f->calls - 1], 32, "%s", token);
		snprintf(f->other[f->calls - 1], 32, "%s", other);
	}
	if (f->fail_at && f->calls == f->fail_at) {
		resp->status = 400;
		if (json) {
			ship_headers_add(&resp->headers, "Content-Type",
					 "application/x-amz-json-1.1");
			ship_buf_adds(&resp->body, "{\"__type\":\"AccessDeniedException\","
						   "\"message\":\"not allowed\"}");
		} else {
			ship_headers_add(&resp->headers, "Content-Type", "text/xml");
			ship_buf_adds(&resp->body,
				      "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
				      "</Code><Message>not allowed</Message></Error>"
				      "<RequestId>r</RequestId></ErrorResponse>");
		}
		return 0;
	}
	int from = start_of(token), to = from + PAGE < f->items ? from + PAGE : f->items;
	if (f->endless || to < f->items)
		snprintf(next, sizeof(next), "t%d", f->endless ? from + PAGE : to);
	if (f->repeat && to >= f->items)
		snprintf(next, sizeof(next), "%s", token);
	resp->status = 200;
	if (json) {
		json_t *items = json_array();
		for (int i = from; i < to; i++)
			json_array_append_new(items, json_integer(i));
		json_t *o = json_pack("{s:o}", "items", items);
		if (next[0])
			json_object_set_new(o, "nextToken", json_string(next));
		char *text = json_dumps(o, JSON_COMPACT);
		ship_buf_adds(&x, text);
		ship_free(text);
		json_decref(o);
		ship_headers_add(&resp->headers, "Content-Type", "application/x-amz-json-1.1");
	} else {
		ship_buf_adds(&x, "<DescribeRulesResponse><DescribeRulesResult><Rules>");
		for (int i = from; i < to; i++)
			ship_buf_addf(&x,
				      "<member><RuleArn>arn:aws:elasticloadbalancing:ap-northeast-"
				      "1:123456789012:listener-rule/app/lb/1/2/%d</"
				      "RuleArn><Priority>%d</Priority></member>",
				      i, i);
		ship_buf_adds(&x, "</Rules>");
		if (next[0])
			ship_buf_addf(&x, "<NextMarker>%s</NextMarker>", next);
		ship_buf_adds(&x, "</DescribeRulesResult></DescribeRulesResponse>");
		ship_headers_add(&resp->headers, "Content-Type", "text/xml");
	}
	ship_buf_add(&resp->body, x.data, x.len);
	ship_buf_release(&x);
	return 0;
}

static struct ship_aws *client(struct paged *f)
{
	return tu_fake_aws(NULL, 0, fake_transport, f);
}

/* Collects the items; stops after `stop_after` of them (0: never); fails at page `fail_page`. */
struct collect {
	int seen[1024];
	int n, pages, stop_after, fail_page;
};

static int json_page(void *ctx, json_t *resp, struct ship_err *err)
{
	struct collect *c = ctx;
	json_t *v;
	size_t i;
	if (++c->pages == c->fail_page)
		return ship_err_set(err, SHIP_ERR_PROTOCOL, "page %d is bad", c->pages);
	json_array_foreach(json_object_get(resp, "items"), i, v)
	{
		if (c->n < 1024)
			c->seen[c->n++] = (int)json_integer_value(v);
	}
	return c->stop_after && c->n >= c->stop_after;
}

static int xml_page(void *ctx, const xmlNode *root, struct ship_err *err)
{
	struct collect *c = ctx;
	(void)err;
	c->pages++;
	xmlNode *rules = ship_xml_path(root, "DescribeRulesResult/Rules");
	for (xmlNode *m = ship_xml_first_item(rules); m; m = ship_xml_next_item(m)) {
		char *p = ship_xml_path_text(m, "Priority");
		if (c->n < 1024)
			c->seen[c->n++] = atoi(p ? p : "-1");
		ship_free(p);
	}
	return 0;
}

static int run_json(struct paged *f, struct collect *c, struct ship_err *err)
{
	struct ship_aws *aws = client(f);
	json_t *req = json_pack("{s:s}", "cluster", "main");
	int r =
	    ship_aws_json_pages(aws, SHIP_SVC_ECS, "ListServices", req, NULL, json_page, c, err);
	/* the caller's request is not changed by the paging */
	assert_null(json_object_get(req, "nextToken"));
	assert_int_equal(json_object_size(req), 1);
	json_decref(req);
	ship_aws_destroy(aws);
	return r;
}

static void json_reads_every_page_with_the_previous_token(void **state)
{
	struct paged f = {0};
	struct collect c = {0};
	struct ship_err err = SHIP_ERR_INIT;
	(void)state;
	f.items = 10;
	assert_int_equal(run_json(&f, &c, &err), 0);
	assert_int_equal(f.calls, 4); /* 3 + 3 + 3 + 1 */
	assert_int_equal(c.n, 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(c.seen[i], i);
	assert_string_equal(f.tokens[0], "");
	assert_string_equal(f.tokens[1], "t3");
	assert_string_equal(f.tokens[2], "t6");
	assert_string_equal(f.tokens[3], "t9");
	for (int i = 0; i < 4; i++)
		assert_string_equal(f.other[i], "main"); /* every page keeps the request */
}

static void json_callback_stops_early_or_fails(void **state)
{
	struct paged f = {0};
	struct collect c = {0};
	struct ship_err err = SHIP_ERR_INIT;
	(void)state;
	f.items = 30;
	c.stop_after = 5; /* enough after the second page */
	assert_int_equal(run_json(&f, &c, &err), 0);
	assert_int_equal(f.calls, 2);
	assert_int_equal(c.n, 6);

	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	f.items = 30;
	c.fail_page = 3;
	assert_int_equal(run_json(&f, &c, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_PROTOCOL);
	assert_string_equal(err.message, "page 3 is bad");
	assert_int_equal(f.calls, 3);
}

static void json_failed_call_ends_with_its_error(void **state)
{
	struct paged f = {0};
	struct collect c = {0};
	struct ship_err err = SHIP_ERR_INIT;
	(void)state;
	f.items = 30;
	f.fail_at = 2;
	assert_int_equal(run_json(&f, &c, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_AWS);
	assert_string_equal(err.aws_code, "AccessDeniedException");
	assert_int_equal(c.n, 3); /* the first page was seen */
	assert_int_equal(f.calls, 2);
}

static void json_repeated_token_ends(void **state)
{
	struct paged f = {0};
	struct collect c = {0};
	struct ship_err err = SHIP_ERR_INIT;
	(void)state;
	f.items = 7;
	f.repeat = 1; /* as FilterLogEvents/GetLogEvents at the end */
	assert_int_equal(run_json(&f, &c, &err), 0);
	assert_int_equal(f.calls, 3);
	assert_int_equal(c.n, 7);
}

static void endless_paging_is_cut_at_the_documented_cap(void **state)
{
	struct paged f = {0};
	struct collect c = {0};
	struct ship_err err = SHIP_ERR_INIT;
	(void)state;
	f.items = 3;
	f.endless = 1;
	assert_int_equal(run_json(&f, &c, &err), 0);
	assert_int_equal(f.calls, SHIP_AWS_MAX_PAGES);
	assert_int_equal(c.pages, SHIP_AWS_MAX_PAGES);
}

static void query_reads_every_page_with_the_marker(void **state)
{
	struct paged f = {0};
	struct collect c = {0};
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_params p = {0};
	(void)state;
	f.items = 8;
	struct ship_aws *aws = client(&f);
	ship_params_add(&p, "ListenerArn", "listener-1");
	assert_int_equal(ship_aws_query_pages(aws, SHIP_SVC_ELBV2, "DescribeRules", &p, "Marker",
					      "DescribeRulesResult/NextMarker", xml_page, &c, &err),
			 0);
	assert_int_equal(f.calls, 3);
	assert_int_equal(c.n, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(c.seen[i], i);
	assert_string_equal(f.tokens[1], "t3");
	assert_string_equal(f.tokens[2], "t6");
	assert_string_equal(f.other[2], "listener-1");
	assert_int_equal(p.kv.n, 1); /* the caller's parameters are not changed */

	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	f.items = 8;
	f.fail_at = 3;
	assert_int_equal(ship_aws_query_pages(aws, SHIP_SVC_ELBV2, "DescribeRules", &p, "Marker",
					      "DescribeRulesResult/NextMarker", xml_page, &c, &err),
			 -1);
	assert_string_equal(err.aws_code, "AccessDenied");
	ship_params_release(&p);
	ship_aws_destroy(aws);
}

/* Out of memory at every allocation of a three-page read: an error, never a leak or a crash. */
static void allocation_failures_are_errors(void **state)
{
	int done = 0;
	(void)state;
	for (long n = 1; n < 400 && !done; n++) {
		struct paged f = {0};
		struct collect c = {0};
		struct ship_err err = SHIP_ERR_INIT;
		f.items = 7;
		struct ship_aws *aws = client(&f);
		json_t *req = json_pack("{s:s}", "cluster", "main");
		tu_alloc_fail_at(n);
		int r = ship_aws_json_pages(aws, SHIP_SVC_ECS, "ListServices", req, NULL, json_page,
					    &c, &err);
		tu_alloc_fail_at(0);
		json_decref(req);
		ship_aws_destroy(aws);
		if (r == 0) {
			assert_int_equal(c.n, 7);
			done = 1;
		} else {
			assert_int_equal(err.code, SHIP_ERR_NOMEM);
		}
	}
	assert_true(done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(json_reads_every_page_with_the_previous_token),
	    TU_TEST(json_callback_stops_early_or_fails),
	    TU_TEST(json_failed_call_ends_with_its_error),
	    TU_TEST(json_repeated_token_ends),
	    TU_TEST(endless_paging_is_cut_at_the_documented_cap),
	    TU_TEST(query_reads_every_page_with_the_marker),
	    TU_TEST(allocation_failures_are_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
