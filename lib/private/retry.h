/*
 * retry.h (private): the retry policy of the SDKs' "standard" mode as pure functions: which
 * failures are retried, how long to back off, and the client-wide retry quota. No I/O, no clock:
 * callers pass the random value in. Documented in docs/retries.md.
 */
#ifndef ECSHIP_PRIVATE_RETRY_H
#define ECSHIP_PRIVATE_RETRY_H

#include "ecship/err.h"

#define SHIP_RETRY_DEFAULT_ATTEMPTS 3
#define SHIP_RETRY_MAX_ATTEMPTS_LIMIT 100
#define SHIP_RETRY_BASE 1.0         /* seconds: the first retry waits up to this long */
#define SHIP_RETRY_MAX_BACKOFF 20.0 /* seconds: no backoff is longer */
#define SHIP_RETRY_QUOTA_INITIAL 500
#define SHIP_RETRY_COST 5          /* tokens taken by a retry */
#define SHIP_RETRY_TIMEOUT_COST 10 /* tokens taken by a retry after a timeout */
#define SHIP_RETRY_NO_RETRY_INCREMENT 1 /* tokens given back by a call that succeeded at once */

enum ship_retry_kind {
	SHIP_RETRY_NONE,      /* not retryable */
	SHIP_RETRY_TRANSIENT, /* 500/502/503/504, transient codes, connection errors */
	SHIP_RETRY_THROTTLE,  /* a throttling error code */
	SHIP_RETRY_TIMEOUT,   /* connect or read timeout (costs more quota) */
};

int ship_retry_is_throttling_code(const char *code);
int ship_retry_is_transient_code(const char *code);
int ship_retry_is_transient_status(long status);

/*
 * Classifies a failed attempt from its error record (code, http_status, aws_code) and sets
 * e->retryable and e->throttled accordingly.
 */
enum ship_retry_kind ship_retry_classify(struct ship_err *e);

/*
 * Backoff before the next attempt after attempt number `attempt` (1-based) failed:
 * random01 * min(SHIP_RETRY_BASE * 2^(attempt-1), SHIP_RETRY_MAX_BACKOFF) ("full jitter").
 */
double ship_retry_backoff(int attempt, double random01);

/* The token bucket that stops retry storms: shared by every call of a client. */
struct ship_retry_quota {
	int available;
	int max;
};
void ship_retry_quota_init(struct ship_retry_quota *q, int capacity);
/* Takes the cost of one retry of this kind; returns the tokens taken, 0 when there are too few. */
int ship_retry_quota_acquire(struct ship_retry_quota *q, enum ship_retry_kind kind);
/* Gives tokens back (never above the capacity). */
void ship_retry_quota_release(struct ship_retry_quota *q, int amount);

/*
 * Maximum attempts: option (> 0) > AWS_MAX_ATTEMPTS (env) > the profile's max_attempts > 3.
 * A malformed or out-of-range value is an input error naming where it came from.
 */
int ship_retry_max_attempts(int option, const char *env_value, const char *profile_value,
			    int *out, struct ship_err *err);

#endif
