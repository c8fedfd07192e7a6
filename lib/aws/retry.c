/*
 * retry.c: the retry policy of the AWS SDKs' standard mode (botocore/retries/standard.py and
 * quota.py): what is retried, full-jitter exponential backoff capped at 20 s, the retry quota.
 * Pure functions; the caller owns the clock. See docs/retries.md.
 */
#include <string.h>

#include "private/retry.h"

static const char *const s_throttling_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

static const char *const s_transient_codes[] = {
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
    "IDPCommunicationError", /* STS web identity: the identity provider did not answer */
};

static int in_list(const char *code, const char *const *list, size_t n)
{
	if (!code || !*code)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(code, list[i]))
			return 1;
	return 0;
}

int ship_retry_is_throttling_code(const char *code)
{
	return in_list(code, s_throttling_codes, sizeof(s_throttling_codes) / sizeof(*s_throttling_codes));
}

int ship_retry_is_transient_code(const char *code)
{
	return in_list(code, s_transient_codes, sizeof(s_transient_codes) / sizeof(*s_transient_codes));
}

int ship_retry_is_transient_status(long status)
{
	return status == 500 || status == 502 || status == 503 || status == 504;
}

enum ship_retry_kind ship_retry_classify(struct ship_err *e)
{
	enum ship_retry_kind k = SHIP_RETRY_NONE;
	switch (e->code) {
	case SHIP_ERR_TIMEOUT:
		k = SHIP_RETRY_TIMEOUT;
		break;
	case SHIP_ERR_NETWORK:
		k = SHIP_RETRY_TRANSIENT;
		break;
	case SHIP_ERR_AWS:
	case SHIP_ERR_PROTOCOL:
		if (ship_retry_is_throttling_code(e->aws_code))
			k = SHIP_RETRY_THROTTLE;
		else if (ship_retry_is_transient_code(e->aws_code) ||
			 ship_retry_is_transient_status(e->http_status))
			k = SHIP_RETRY_TRANSIENT;
		break;
	default:
		break;
	}
	e->retryable = k != SHIP_RETRY_NONE;
	e->throttled = k == SHIP_RETRY_THROTTLE;
	return k;
}

double ship_retry_backoff(int attempt, double random01)
{
	double cap = SHIP_RETRY_BASE;
	if (attempt < 1)
		attempt = 1;
	for (int i = 1; i < attempt && cap < SHIP_RETRY_MAX_BACKOFF; i++)
		cap *= 2;
	if (cap > SHIP_RETRY_MAX_BACKOFF)
		cap = SHIP_RETRY_MAX_BACKOFF;
	if (random01 < 0)
		random01 = 0;
	if (random01 >= 1)
		random01 = 1;
	return random01 * cap;
}

void ship_retry_quota_init(struct ship_retry_quota *q, int capacity)
{
	q->available = q->max = capacity;
}

int ship_retry_quota_acquire(struct ship_retry_quota *q, enum ship_retry_kind kind)
{
	int cost = kind == SHIP_RETRY_TIMEOUT ? SHIP_RETRY_TIMEOUT_COST : SHIP_RETRY_COST;
	if (kind == SHIP_RETRY_NONE || cost > q->available)
		return 0;
	q->available -= cost;
	return cost;
}

void ship_retry_quota_release(struct ship_retry_quota *q, int amount)
{
	if (amount <= 0)
		return;
	q->available = q->max - q->available < amount ? q->max : q->available + amount;
}

static int parse_attempts(const char *v, const char *from, int *out, struct ship_err *err)
{
	long n;
	if (ship_parse_long(v, 1, SHIP_RETRY_MAX_ATTEMPTS_LIMIT, &n))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "invalid %s '%s': expected a number of attempts from 1 to %d", from,
				    v, SHIP_RETRY_MAX_ATTEMPTS_LIMIT);
	*out = (int)n;
	return 0;
}

int ship_retry_max_attempts(int option, const char *env_value, const char *profile_value,
			    int *out, struct ship_err *err)
{
	if (option > 0) {
		*out = option > SHIP_RETRY_MAX_ATTEMPTS_LIMIT ? SHIP_RETRY_MAX_ATTEMPTS_LIMIT : option;
		return 0;
	}
	if (env_value && *env_value)
		return parse_attempts(env_value, "AWS_MAX_ATTEMPTS", out, err);
	if (profile_value && *profile_value)
		return parse_attempts(profile_value, "max_attempts in the profile", out, err);
	*out = SHIP_RETRY_DEFAULT_ATTEMPTS;
	return 0;
}
