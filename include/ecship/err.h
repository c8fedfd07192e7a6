/*
 * err.h: the library's error record. Functions return 0 / -1 (constructors NULL) and fill a
 * struct ship_err: a code from one table, a human message, and for AWS errors the service's own
 * code, HTTP status and request id. The library never prints and never exits.
 */
#ifndef ECSHIP_ERR_H
#define ECSHIP_ERR_H

#include "ecship/util.h"

enum ship_errcode {
	SHIP_ERR_NONE = 0,
	SHIP_ERR_NOMEM,       /* out of memory or a size limit */
	SHIP_ERR_INPUT,       /* bad input from the user: config, definition, flag value */
	SHIP_ERR_CREDENTIALS, /* no credentials found, or a provider failed */
	SHIP_ERR_NETWORK,     /* connection refused/reset, DNS, TLS */
	SHIP_ERR_TIMEOUT,     /* connect or read timeout */
	SHIP_ERR_AWS,         /* the service answered with an error (aws_code, http_status) */
	SHIP_ERR_PROTOCOL,    /* the answer could not be understood */
	SHIP_ERR_IO,          /* local file or process I/O */
	SHIP_ERR_INTERNAL,    /* a bug */
	SHIP_ERR_INTERRUPTED, /* the caller's cancel callback said stop (Ctrl-C) */
};

struct ship_err {
	enum ship_errcode code;
	int http_status;     /* 0 when no HTTP answer */
	int retryable;       /* set by the protocol layer: throttling, 5xx, transient */
	int throttled;       /* the error was a throttling error */
	char aws_code[96];   /* e.g. "ThrottlingException", "ValidationError" */
	char request_id[96]; /* x-amzn-RequestId / RequestId */
	char message[1024];  /* human text, no trailing newline or full stop */
};

#define SHIP_ERR_INIT {SHIP_ERR_NONE, 0, 0, 0, "", "", ""}

void ship_err_clear(struct ship_err *e);
/* Sets code and message (replacing the AWS fields); returns -1 so callers can `return ship_err_set(..)`. */
int ship_err_set(struct ship_err *e, enum ship_errcode code, const char *fmt, ...) SHIP_PRINTF(3, 4);
/* Prepends "context: " to the message, keeping code and AWS fields; returns -1. */
int ship_err_prefix(struct ship_err *e, const char *fmt, ...) SHIP_PRINTF(2, 3);
/* Whether trying again later may succeed: throttling, 5xx, network and timeout errors. */
int ship_err_is_transient(const struct ship_err *e);
/* Short stable name of a code ("network", "aws", ...). */
const char *ship_errcode_name(enum ship_errcode code);

#endif
