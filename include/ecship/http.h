/*
 * http.h: HTTP messages and the transport that carries them. The real transport is libcurl
 * (lib/aws/http.c): TLS verification always on, connections reused, timeouts, proxies from the
 * environment. Tests swap in their own ship_transport_fn. Knows nothing about AWS.
 */
#ifndef ECSHIP_HTTP_H
#define ECSHIP_HTTP_H

#include "ecship/err.h"
#include "ecship/util.h"

struct ship_header {
	char *name; /* as given; compared case-insensitively */
	char *value;
};

/* An ordered header list that owns its strings. Zero-initialised is an empty list. */
struct ship_headers {
	struct ship_header *v;
	size_t n, cap;
};

int ship_headers_add(struct ship_headers *h, const char *name, const char *value);
/* Replaces the first header of that name (case-insensitive) or adds it. */
int ship_headers_set(struct ship_headers *h, const char *name, const char *value);
/* First value of that name, or NULL. */
const char *ship_headers_get(const struct ship_headers *h, const char *name);
void ship_headers_release(struct ship_headers *h);

struct ship_http_request {
	const char *method;
	const char *url; /* absolute, already encoded */
	const struct ship_headers *headers;
	struct ship_str body;
	long timeout_ms; /* 0: the transport's defaults; else connect and whole-transfer limit */
	/* not idempotent: send it on a new connection, never on a kept-alive one, so that the
	 * transport cannot resend it on its own (libcurl resends a request whose reused
	 * connection died before any answer byte came) */
	int fresh_connection;
};

struct ship_http_response {
	long status;
	struct ship_headers headers;
	struct ship_buf body;
};

void ship_http_response_init(struct ship_http_response *r);
void ship_http_response_release(struct ship_http_response *r);

/*
 * Sends one request. Returns 0 when an HTTP answer (of any status) was read into resp, -1 with
 * SHIP_ERR_NETWORK or SHIP_ERR_TIMEOUT when none was. resp is initialised by the caller.
 */
typedef int (*ship_transport_fn)(void *ctx, const struct ship_http_request *req,
				 struct ship_http_response *resp, struct ship_err *err);

struct ship_http_options {
	long connect_timeout_ms; /* 0: 3100 ms */
	long read_timeout_ms;    /* 0: 60000 ms; the transfer fails after this long without data */
	const char *ca_bundle;   /* NULL: AWS_CA_BUNDLE, else the system store */
	size_t max_response;     /* 0: 64 MiB */
	long total_timeout_ms; /* 0: ECSHIP_HTTP_TIMEOUT, else 120000 ms: no request takes longer */
	long min_speed_bps;    /* 0: ECSHIP_HTTP_MIN_SPEED, else 100 bytes/s; < 0: no check. Once
				  the answer has begun, fewer bytes than this per second over a
				  window of SHIP_HTTP_SPEED_WINDOW_MS fails the request (a trickle) */
	long speed_window_ms;  /* 0: SHIP_HTTP_SPEED_WINDOW_MS */
	int (*cancelled)(void *ctx); /* checked while a request is in flight (at least once a
					second): turning non-zero ends it with SHIP_ERR_INTERRUPTED;
					a fresh_connection request (a change) and a request begun
					when it was already non-zero run on to their end */
	void *cancel_ctx;
};

#define SHIP_HTTP_TOTAL_TIMEOUT_MS 120000L
#define SHIP_HTTP_MIN_SPEED_BPS 100L
#define SHIP_HTTP_SPEED_WINDOW_MS 10000L

/*
 * The transport's limits from the environment: ECSHIP_HTTP_TIMEOUT (a duration: "30s", "2m",
 * or seconds) and ECSHIP_HTTP_MIN_SPEED (bytes per second, 0 turns the check off). Fields
 * already set in o are kept. An invalid value is SHIP_ERR_INPUT naming the variable.
 */
int ship_http_options_from_env(struct ship_http_options *o, struct ship_err *err);

/* The libcurl transport. One handle, connections reused across calls. */
struct ship_http;
struct ship_http *ship_http_new(const struct ship_http_options *o, struct ship_err *err);
void ship_http_destroy(struct ship_http *h);
/*
 * A ship_transport_fn; ctx is the struct ship_http. Proxies come from the environment, both
 * cases accepted: http_proxy/HTTP_PROXY for http URLs, https_proxy/HTTPS_PROXY for https,
 * all_proxy/ALL_PROXY as a fallback, no_proxy/NO_PROXY for exceptions (lowercase wins).
 * Never sends "Expect: 100-continue"; never follows redirects.
 */
int ship_http_send(void *ctx, const struct ship_http_request *req, struct ship_http_response *resp,
		   struct ship_err *err);
/* Connections opened so far by this transport (a reused connection does not count). */
long ship_http_connects(const struct ship_http *h);

/*
 * The test guard: when ECSHIP_TEST_LOOPBACK_ONLY=1, any host other than 127.0.0.0/8, localhost
 * and ::1 is refused with SHIP_ERR_NETWORK "refusing to contact 'HOST': ECSHIP_TEST_LOOPBACK_ONLY
 * is set". 0 when allowed (always, when the variable is not 1). ship_http_send checks it for the
 * URL and the proxy; other code that opens connections should too.
 */
int ship_http_check_loopback(const char *url, struct ship_err *err);
/* The host part of an absolute URL ("[::1]" as "::1") into out; -1 when there is none. */
int ship_url_host(const char *url, char *out, size_t size);

/* Percent-encodes per RFC 3986 (unreserved A-Z a-z 0-9 - _ . ~ kept). keep_slash keeps '/'. */
int ship_uri_encode(struct ship_buf *out, struct ship_str in, int keep_slash);

#endif
