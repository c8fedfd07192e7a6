/*
 * client_bench.c: request throughput of the AWS client, run by bench/run (make bench): COUNT
 * DescribeServices calls through ship_aws_json in one process against a loopback endpoint
 * (ecship-sim), over one keep-alive libcurl transport. Prints one JSON line: calls, seconds,
 * calls per second, latency percentiles, connections opened, attempts and throttled attempts.
 * Depends on libship and libc; refuses any endpoint that is not on loopback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecship/aws.h"
#include "ecship/http.h"
#include "ecship/util.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(const double *sorted, long n, double p)
{
	long i = (long)(p / 100.0 * (double)(n - 1) + 0.5);
	return sorted[i < 0 ? 0 : i >= n ? n - 1 : i];
}

int main(int argc, char **argv)
{
	long count = 2000;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_http *http = NULL;
	struct ship_aws *aws = NULL;
	json_t *req = NULL;
	double *lat = NULL;
	int rc = 1;

	if (argc != 5 || ship_parse_long(argv[2], 1, 1000000, &count)) {
		fprintf(stderr, "usage: client_bench ENDPOINT_URL COUNT CLUSTER SERVICE\n");
		return 2;
	}
	if (strncmp(argv[1], "http://127.0.0.1:", 17) != 0) {
		fprintf(stderr, "client_bench: refusing '%s': only http://127.0.0.1:PORT\n",
			argv[1]);
		return 2;
	}
	if (!(http = ship_http_new(NULL, &err)))
		goto fail;
	struct ship_aws_options o;
	memset(&o, 0, sizeof(o));
	o.endpoint_url = argv[1];
	o.transport = ship_http_send;
	o.transport_ctx = http;
	if (!(aws = ship_aws_new(&o, &err)))
		goto fail;
	req = json_pack("{s:s, s:[s]}", "cluster", argv[3], "services", argv[4]);
	lat = ship_calloc((size_t)count, sizeof(*lat));
	if (!req || !lat) {
		ship_err_set(&err, SHIP_ERR_NOMEM, "out of memory");
		goto fail;
	}
	double t0 = now_s();
	for (long i = 0; i < count; i++) {
		json_t *out = NULL;
		double t = now_s();
		if (ship_aws_json(aws, SHIP_SVC_ECS, "DescribeServices", req, &out, NULL, &err))
			goto fail;
		lat[i] = now_s() - t;
		json_decref(out);
	}
	double dt = now_s() - t0;
	struct ship_aws_stats st;
	ship_aws_stats(aws, &st);
	qsort(lat, (size_t)count, sizeof(*lat), cmp_double);
	printf("{\"calls\": %ld, \"seconds\": %.6f, \"per_second\": %.0f, \"p50_us\": %.0f, "
	       "\"p99_us\": %.0f, \"max_us\": %.0f, \"connects\": %ld, \"attempts\": %ld, "
	       "\"throttled\": %ld}\n",
	       count, dt, (double)count / dt, pct(lat, count, 50) * 1e6, pct(lat, count, 99) * 1e6,
	       lat[count - 1] * 1e6, ship_http_connects(http), st.attempts, st.throttled);
	rc = 0;
	goto cleanup;
fail:
	fprintf(stderr, "client_bench: %s\n", err.message);
cleanup:
	ship_free(lat);
	json_decref(req);
	ship_aws_destroy(aws);
	ship_http_destroy(http);
	return rc;
}
