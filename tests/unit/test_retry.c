/*
 * test_retry.c: the standard-mode retry policy on its own (lib/aws/retry.c): which failures are
 * retried and how, the full-jitter backoff per attempt, the retry quota, max attempts.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "private/retry.h"
#include "testutil.h"

static void throttling_and_transient_codes(void **state)
{
	(void)state;
	static const char *const throttling[] = {
	    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
	    "TooManyRequestsException", "ProvisionedThroughputExceededException",
	    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
	    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
	    "EC2ThrottledException"};
	for (size_t i = 0; i < sizeof(throttling) / sizeof(*throttling); i++)
		assert_true(ship_retry_is_throttling_code(throttling[i]));
	static const char *const not_throttling[] = {"", "throttling", "ValidationError",
						     "ClusterNotFoundException", "AccessDenied",
						     "RequestTimeout", "Throttling "};
	for (size_t i = 0; i < sizeof(not_throttling) / sizeof(*not_throttling); i++)
		assert_false(ship_retry_is_throttling_code(not_throttling[i]));
	assert_false(ship_retry_is_throttling_code(NULL));
	assert_true(ship_retry_is_transient_code("RequestTimeout"));
	assert_true(ship_retry_is_transient_code("RequestTimeoutException"));
	assert_true(ship_retry_is_transient_code("PriorRequestNotComplete"));
	assert_true(ship_retry_is_transient_code("IDPCommunicationError"));
	assert_false(ship_retry_is_transient_code("InternalFailure"));
	static const long statuses[] = {500, 502, 503, 504};
	for (size_t i = 0; i < 4; i++)
		assert_true(ship_retry_is_transient_status(statuses[i]));
	static const long not_statuses[] = {200, 400, 403, 404, 429, 501, 505, 599};
	for (size_t i = 0; i < sizeof(not_statuses) / sizeof(*not_statuses); i++)
		assert_false(ship_retry_is_transient_status(not_statuses[i]));
}

static void classify(void **state)
{
	(void)state;
	static const struct {
		enum ship_errcode code;
		int status;
		const char *aws_code;
		enum ship_retry_kind kind;
	} cases[] = {
	    {SHIP_ERR_AWS, 400, "ThrottlingException", SHIP_RETRY_THROTTLE},
	    {SHIP_ERR_AWS, 400, "Throttling", SHIP_RETRY_THROTTLE},
	    {SHIP_ERR_AWS, 503, "RequestLimitExceeded", SHIP_RETRY_THROTTLE},
	    {SHIP_ERR_AWS, 503, "ServiceUnavailable", SHIP_RETRY_TRANSIENT},
	    {SHIP_ERR_AWS, 500, "InternalFailure", SHIP_RETRY_TRANSIENT},
	    {SHIP_ERR_AWS, 400, "RequestTimeout", SHIP_RETRY_TRANSIENT},
	    {SHIP_ERR_AWS, 400, "ValidationError", SHIP_RETRY_NONE},
	    {SHIP_ERR_AWS, 400, "ClusterNotFoundException", SHIP_RETRY_NONE},
	    {SHIP_ERR_AWS, 403, "AccessDenied", SHIP_RETRY_NONE},
	    {SHIP_ERR_AWS, 429, "", SHIP_RETRY_NONE},
	    {SHIP_ERR_PROTOCOL, 502, "", SHIP_RETRY_TRANSIENT},
	    {SHIP_ERR_PROTOCOL, 200, "", SHIP_RETRY_NONE},
	    {SHIP_ERR_NETWORK, 0, "", SHIP_RETRY_TRANSIENT},
	    {SHIP_ERR_TIMEOUT, 0, "", SHIP_RETRY_TIMEOUT},
	    {SHIP_ERR_CREDENTIALS, 0, "", SHIP_RETRY_NONE},
	    {SHIP_ERR_INPUT, 0, "ThrottlingException", SHIP_RETRY_NONE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ship_err e = SHIP_ERR_INIT;
		e.code = cases[i].code;
		e.http_status = cases[i].status;
		snprintf(e.aws_code, sizeof(e.aws_code), "%s", cases[i].aws_code);
		enum ship_retry_kind k = ship_retry_classify(&e);
		if (k != cases[i].kind)
			fail_msg("case %zu (%s %d): kind %d, want %d", i, cases[i].aws_code,
				 cases[i].status, k, cases[i].kind);
		assert_int_equal(e.retryable, cases[i].kind != SHIP_RETRY_NONE);
		assert_int_equal(e.throttled, cases[i].kind == SHIP_RETRY_THROTTLE);
	}
}

static void backoff_is_full_jitter_capped_at_20s(void **state)
{
	(void)state;
	static const struct {
		int attempt;
		double rnd, want;
	} cases[] = {
	    {1, 0.5, 0.5},   {2, 0.5, 1.0},  {3, 0.5, 2.0},   {4, 0.5, 4.0},  {5, 0.5, 8.0},
	    {6, 0.5, 10.0},  {7, 0.5, 10.0}, {50, 0.5, 10.0}, {1, 0.0, 0.0},  {3, 0.25, 1.0},
	    {5, 0.999, 15.984}, {6, 0.999, 19.98}, {1000, 0.999, 19.98}, {0, 0.5, 0.5},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		double d = ship_retry_backoff(cases[i].attempt, cases[i].rnd);
		if (fabs(d - cases[i].want) > 1e-9)
			fail_msg("attempt %d rand %g: %g, want %g", cases[i].attempt, cases[i].rnd, d,
				 cases[i].want);
	}
	/* never above the cap, never negative, whatever random() says */
	for (int a = 1; a < 40; a++) {
		assert_true(ship_retry_backoff(a, 0.9999999) <= SHIP_RETRY_MAX_BACKOFF);
		assert_true(ship_retry_backoff(a, -1) >= 0);
	}
}

static void quota_drains_and_refills(void **state)
{
	(void)state;
	struct ship_retry_quota q;
	ship_retry_quota_init(&q, SHIP_RETRY_QUOTA_INITIAL);
	assert_int_equal(q.available, 500);
	assert_int_equal(ship_retry_quota_acquire(&q, SHIP_RETRY_THROTTLE), 5);
	assert_int_equal(ship_retry_quota_acquire(&q, SHIP_RETRY_TRANSIENT), 5);
	assert_int_equal(ship_retry_quota_acquire(&q, SHIP_RETRY_TIMEOUT), 10);
	assert_int_equal(ship_retry_quota_acquire(&q, SHIP_RETRY_NONE), 0);
	assert_int_equal(q.available, 480);
	int n = 0;
	while (ship_retry_quota_acquire(&q, SHIP_RETRY_TRANSIENT))
		n++;
	assert_int_equal(n, 96);
	assert_int_equal(q.available, 0);
	ship_retry_quota_release(&q, 5);
	assert_int_equal(q.available, 5);
	assert_int_equal(ship_retry_quota_acquire(&q, SHIP_RETRY_TIMEOUT), 0); /* 10 > 5 */
	assert_int_equal(ship_retry_quota_acquire(&q, SHIP_RETRY_THROTTLE), 5);
	ship_retry_quota_release(&q, SHIP_RETRY_NO_RETRY_INCREMENT);
	assert_int_equal(q.available, 1);
	for (int i = 0; i < 1000; i++)
		ship_retry_quota_release(&q, 10);
	assert_int_equal(q.available, 500); /* never above capacity */
	ship_retry_quota_release(&q, -3);
	assert_int_equal(q.available, 500);
}

static void max_attempts_sources(void **state)
{
	(void)state;
	static const struct {
		int option;
		const char *env, *profile;
		int ok, want;
		const char *msg;
	} cases[] = {
	    {0, NULL, NULL, 1, 3, NULL},
	    {5, "7", "9", 1, 5, NULL},
	    {0, "7", "9", 1, 7, NULL},
	    {0, "", "9", 1, 9, NULL},
	    {0, NULL, "1", 1, 1, NULL},
	    {0, "abc", NULL, 0, 0, "invalid AWS_MAX_ATTEMPTS 'abc'"},
	    {0, "0", NULL, 0, 0, "invalid AWS_MAX_ATTEMPTS '0'"},
	    {0, "101", NULL, 0, 0, "invalid AWS_MAX_ATTEMPTS '101'"},
	    {0, NULL, "x", 0, 0, "invalid max_attempts in the profile 'x'"},
	    {1000, NULL, NULL, 1, 100, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ship_err e = SHIP_ERR_INIT;
		int out = -1;
		int r = ship_retry_max_attempts(cases[i].option, cases[i].env, cases[i].profile, &out,
						&e);
		assert_int_equal(r == 0, cases[i].ok);
		if (cases[i].ok) {
			assert_int_equal(out, cases[i].want);
		} else {
			assert_int_equal(e.code, SHIP_ERR_INPUT);
			if (!strstr(e.message, cases[i].msg))
				fail_msg("message '%s' lacks '%s'", e.message, cases[i].msg);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(throttling_and_transient_codes),
	    TU_TEST(classify),
	    TU_TEST(backoff_is_full_jitter_capped_at_20s),
	    TU_TEST(quota_drains_and_refills),
	    TU_TEST(max_attempts_sources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
