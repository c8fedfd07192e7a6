/*
 * sigv4_bench.c: micro-benchmark of ship_sigv4_sign, run by bench/run (make bench). Signs the
 * requests ecship sends most (DescribeServices, a 2 KiB RegisterTaskDefinition, an STS Query
 * call) for a fixed count and prints one JSON line per case: signatures per second and ns each.
 * Depends on libship (sigv4, http headers, util) and libc only; never touches the network.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ecship/http.h"
#include "ecship/sigv4.h"
#include "ecship/util.h"

struct bench_case {
	const char *name;
	const char *method;
	const char *url;
	const char *content_type;
	const char *target; /* X-Amz-Target, NULL for Query */
	const char *service;
	size_t body_len;   /* body of this many bytes (a JSON-ish filler) */
	const char *token; /* session token or NULL */
};

static const struct bench_case s_cases[] = {
    {"DescribeServices (JSON, 120 B)", "POST", "https://ecs.ap-northeast-1.amazonaws.com/",
     "application/x-amz-json-1.1", "AmazonEC2ContainerServiceV20141113.DescribeServices", "ecs",
     120, NULL},
    {"RegisterTaskDefinition (JSON, 2 KiB)", "POST", "https://ecs.ap-northeast-1.amazonaws.com/",
     "application/x-amz-json-1.1", "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition",
     "ecs", 2048, NULL},
    {"GetCallerIdentity (Query, session token)", "POST",
     "https://sts.ap-northeast-1.amazonaws.com/",
     "application/x-www-form-urlencoded; charset=utf-8", NULL, "sts", 43,
     "FwoGZXIvYXdzEXAMPLEsessiontokenEXAMPLEsessiontokenEXAMPLEsessiontoken"},
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Signs one request with fresh headers, as the client does per attempt. 0 or -1. */
static int sign_once(const struct bench_case *c, const struct ship_sigv4_params *p,
		     struct ship_str body, struct ship_err *err)
{
	struct ship_headers h = {0};
	int rc = -1;
	if (ship_headers_add(&h, "Content-Type", c->content_type))
		goto cleanup;
	if (c->target && ship_headers_add(&h, "X-Amz-Target", c->target))
		goto cleanup;
	if (ship_headers_add(&h, "User-Agent", "ecship/bench"))
		goto cleanup;
	rc = ship_sigv4_sign(p, c->method, c->url, &h, body, err);
cleanup:
	ship_headers_release(&h);
	return rc;
}

int main(int argc, char **argv)
{
	long count = 20000;
	if (argc > 1 && ship_parse_long(argv[1], 1, 100000000, &count)) {
		fprintf(stderr, "usage: sigv4_bench [COUNT]\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(s_cases) / sizeof(s_cases[0]); i++) {
		const struct bench_case *c = &s_cases[i];
		struct ship_buf body = SHIP_BUF_INIT(0);
		struct ship_err err = SHIP_ERR_INIT;
		ship_buf_adds(&body, "{\"cluster\":\"django-ecs-cluster-staging\",\"services\":[");
		while (!body.failed && body.len < c->body_len)
			ship_buf_addch(&body, 'x');
		ship_buf_truncate(&body, c->body_len);
		if (body.failed) {
			fprintf(stderr, "sigv4_bench: out of memory\n");
			return 1;
		}
		struct ship_sigv4_params p;
		memset(&p, 0, sizeof(p));
		p.access_key = "AKIAECSHIPTEST000000";
		p.secret_key = "ecship/test/secret/not+a+real+key0000000";
		p.session_token = c->token;
		p.region = "ap-northeast-1";
		p.service = c->service;
		p.when = 1767225600; /* 2026-01-01T00:00:00Z */
		p.normalize_path = 1;
		/* warm-up, then the timed run */
		for (long n = 0; n < count / 20 + 1; n++)
			if (sign_once(c, &p, ship_buf_str(&body), &err))
				goto fail;
		double t0 = now_s();
		for (long n = 0; n < count; n++)
			if (sign_once(c, &p, ship_buf_str(&body), &err))
				goto fail;
		double dt = now_s() - t0;
		printf(
		    "{\"case\": \"%s\", \"count\": %ld, \"seconds\": %.6f, \"per_second\": %.0f, "
		    "\"ns_each\": %.0f}\n",
		    c->name, count, dt, (double)count / dt, dt * 1e9 / (double)count);
		ship_buf_release(&body);
		continue;
	fail:
		fprintf(stderr, "sigv4_bench: signing '%s' failed: %s\n", c->name, err.message);
		ship_buf_release(&body);
		return 1;
	}
	return 0;
}
