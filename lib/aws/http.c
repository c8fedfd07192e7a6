/*
 * http.c: HTTP messages (header lists, responses) and the libcurl transport: one easy handle
 * reused across calls (so connections are kept alive; a request that changes something goes on a
 * new one, so libcurl never resends it), TLS verification always on, connect, read and total
 * timeouts, a minimum speed, cancellation in flight, proxies from the environment in both
 * cases, a response size cap and the ECSHIP_TEST_LOOPBACK_ONLY guard. Knows nothing about AWS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ecship/http.h"

int ship_headers_add(struct ship_headers *h, const char *name, const char *value)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8;
		struct ship_header *v = ship_realloc(h->v, cap * sizeof(*v));
		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n].name = ship_strdup(name);
	h->v[h->n].value = ship_strdup(value);
	if (!h->v[h->n].name || !h->v[h->n].value) {
		ship_free(h->v[h->n].name);
		ship_free(h->v[h->n].value);
		return -1;
	}
	h->n++;
	return 0;
}

int ship_headers_set(struct ship_headers *h, const char *name, const char *value)
{
	for (size_t i = 0; i < h->n; i++) {
		if (!ship_strcasecmp(h->v[i].name, name)) {
			char *v = ship_strdup(value);
			if (!v)
				return -1;
			ship_free(h->v[i].value);
			h->v[i].value = v;
			return 0;
		}
	}
	return ship_headers_add(h, name, value);
}

const char *ship_headers_get(const struct ship_headers *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (!ship_strcasecmp(h->v[i].name, name))
			return h->v[i].value;
	return NULL;
}

void ship_headers_release(struct ship_headers *h)
{
	for (size_t i = 0; i < h->n; i++) {
		ship_free(h->v[i].name);
		ship_free(h->v[i].value);
	}
	ship_free(h->v);
	memset(h, 0, sizeof(*h));
}

void ship_http_response_init(struct ship_http_response *r)
{
	memset(r, 0, sizeof(*r));
	ship_buf_init(&r->body, 0);
}

void ship_http_response_release(struct ship_http_response *r)
{
	ship_headers_release(&r->headers);
	ship_buf_release(&r->body);
	r->status = 0;
}

/* ---- URLs and the loopback guard --------------------------------------------------------- */

int ship_url_host(const char *url, char *out, size_t size)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t auth = strcspn(p, "/?#");
	const char *at = memchr(p, '@', auth);
	if (at) {
		auth -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	size_t n;
	if (*p == '[') {
		const char *close = memchr(p, ']', auth);
		if (!close)
			return -1;
		p++;
		n = (size_t)(close - p);
	} else {
		const char *colon = memchr(p, ':', auth);
		n = colon ? (size_t)(colon - p) : auth;
	}
	if (n == 0 || n >= size)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (!ship_strcasecmp(host, "localhost") || !ship_strcasecmp(host, "localhost."))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return !memcmp(&a6, &in6addr_loopback, sizeof(a6));
	return 0;
}

static int loopback_only(void)
{
	const char *v = getenv("ECSHIP_TEST_LOOPBACK_ONLY");
	return v && !strcmp(v, "1");
}

int ship_http_check_loopback(const char *url, struct ship_err *err)
{
	char host[256];
	if (!loopback_only())
		return 0;
	if (ship_url_host(url, host, sizeof(host)))
		return ship_err_set(err, SHIP_ERR_NETWORK,
				    "refusing to contact '%s': ECSHIP_TEST_LOOPBACK_ONLY is set", url);
	if (!host_is_loopback(host))
		return ship_err_set(err, SHIP_ERR_NETWORK,
				    "refusing to contact '%s': ECSHIP_TEST_LOOPBACK_ONLY is set", host);
	return 0;
}

/* ---- the libcurl transport ----------------------------------------------------------------- */

struct ship_http {
	CURL *curl;
	long connect_timeout_ms;
	long read_timeout_ms;
	long total_timeout_ms;
	long min_speed_bps; /* < 0: off */
	long speed_window_ms;
	char *ca_bundle;
	size_t max_response;
	long connects;
	int (*cancelled)(void *ctx);
	void *cancel_ctx;
	/* per request */
	struct ship_http_response *resp;
	int too_big;
	int stalled;           /* the read timeout fired */
	int trickled;	       /* the answer came slower than min_speed_bps */
	int interrupted;       /* the cancel callback said stop */
	int began;	       /* a line of the answer (status or header) has arrived */
	int cancelled_before;  /* not to be ended by the cancel callback: cancelled already when
				  it began (a clean-up call: stop the task, say what was done), or
				  a change (fresh_connection) that is finished to know its fate */
	double last_activity;  /* monotonic seconds when bytes last moved */
	double window_start;   /* the minimum-speed window, once the answer began (0: not yet) */
	curl_off_t window_dl;
	curl_off_t last_dl, last_ul;
	char errbuf[CURL_ERROR_SIZE];
};

int ship_http_options_from_env(struct ship_http_options *o, struct ship_err *err)
{
	const char *v = getenv("ECSHIP_HTTP_TIMEOUT");
	if (!o->total_timeout_ms && v && *v) {
		double secs;
		if (ship_parse_duration(v, &secs) || secs < 1 || secs > 86400)
			return ship_err_set(err, SHIP_ERR_INPUT,
					    "invalid ECSHIP_HTTP_TIMEOUT '%s': expected a duration "
					    "from 1s to 24h, such as 30s or 2m",
					    v);
		o->total_timeout_ms = (long)(secs * 1000);
	}
	v = getenv("ECSHIP_HTTP_MIN_SPEED");
	if (!o->min_speed_bps && v && *v) {
		long n;
		if (ship_parse_long(v, 0, 1L << 30, &n))
			return ship_err_set(
			    err, SHIP_ERR_INPUT,
			    "invalid ECSHIP_HTTP_MIN_SPEED '%s': expected bytes per "
			    "second (0 turns the check off)",
			    v);
		o->min_speed_bps = n ? n : -1;
	}
	return 0;
}

struct ship_http *ship_http_new(const struct ship_http_options *o, struct ship_err *err)
{
	struct ship_http_options none = {0, 0, NULL, 0, 0, 0, 0, NULL, NULL};
	const char *ca, *from = "the CA bundle option";
	if (!o)
		o = &none;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		ship_err_set(err, SHIP_ERR_INTERNAL, "cannot initialise libcurl");
		return NULL;
	}
	struct ship_http *h = ship_calloc(1, sizeof(*h));
	if (!h)
		goto nomem;
	h->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 3100;
	h->read_timeout_ms = o->read_timeout_ms > 0 ? o->read_timeout_ms : 60000;
	h->max_response = o->max_response ? o->max_response : SHIP_BUF_MAX_DEFAULT;
	h->total_timeout_ms =
	    o->total_timeout_ms > 0 ? o->total_timeout_ms : SHIP_HTTP_TOTAL_TIMEOUT_MS;
	h->min_speed_bps = o->min_speed_bps ? o->min_speed_bps : SHIP_HTTP_MIN_SPEED_BPS;
	h->speed_window_ms =
	    o->speed_window_ms > 0 ? o->speed_window_ms : SHIP_HTTP_SPEED_WINDOW_MS;
	h->cancelled = o->cancelled;
	h->cancel_ctx = o->cancel_ctx;
	ca = o->ca_bundle;
	if (!ca || !*ca) {
		ca = getenv("AWS_CA_BUNDLE");
		from = "AWS_CA_BUNDLE";
	}
	if (ca && *ca) {
		if (access(ca, R_OK)) {
			ship_err_set(err, SHIP_ERR_INPUT,
				     "cannot read the CA bundle '%s' (from %s): %s; point it at a PEM "
				     "file of trusted certificates",
				     ca, from, strerror(errno));
			goto fail;
		}
		if (!(h->ca_bundle = ship_strdup(ca)))
			goto nomem;
	}
	if (!(h->curl = curl_easy_init()))
		goto nomem;
	return h;
nomem:
	ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
fail:
	ship_http_destroy(h);
	if (!h)
		curl_global_cleanup();
	return NULL;
}

void ship_http_destroy(struct ship_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	ship_free(h->ca_bundle);
	ship_free(h);
	curl_global_cleanup();
}

long ship_http_connects(const struct ship_http *h) { return h ? h->connects : 0; }

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Called by libcurl at least once a second while a request is in flight:
 * - cancellation: the first Ctrl-C or SIGTERM ends a read in flight (no waiting for a slow
 *   answer); a change in flight is finished (bounded by its deadline; a second Ctrl-C ends the
 *   process), and a request begun after it (the command cleaning up) is not ended by it;
 * - the read timeout: libcurl's low-speed limit averages over several seconds and counts the
 *   upload, so a small POST whose answer never comes would not trip it. Instead, abort when no
 *   byte has moved in either direction for read_timeout_ms;
 * - the minimum speed: once the answer has begun, each window of SHIP_HTTP_SPEED_WINDOW_MS must
 *   bring min_speed_bps bytes a second on average, so a byte every few seconds cannot hold the
 *   request open until the total deadline.
 */
static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct ship_http *h = ctx;
	double now = mono();
	(void)dltotal, (void)ultotal;
	if (h->cancelled && !h->cancelled_before && h->cancelled(h->cancel_ctx)) {
		h->interrupted = 1;
		return 1;
	}
	if (h->min_speed_bps > 0) {
		if (!h->window_start && (dlnow > 0 || h->began)) {
			h->window_start = now;
			h->window_dl = dlnow;
		} else if (h->window_start &&
			   (now - h->window_start) * 1000 >= (double)h->speed_window_ms) {
			double rate = (double)(dlnow - h->window_dl) / (now - h->window_start);
			if (rate < (double)h->min_speed_bps) {
				h->trickled = 1;
				return 1;
			}
			h->window_start = now;
			h->window_dl = dlnow;
		}
	}
	if (dlnow != h->last_dl || ulnow != h->last_ul) {
		h->last_dl = dlnow;
		h->last_ul = ulnow;
		h->last_activity = now;
		return 0;
	}
	if ((now - h->last_activity) * 1000 >= (double)h->read_timeout_ms) {
		h->stalled = 1;
		return 1;
	}
	return 0;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct ship_http *h = ctx;
	size_t n = size * nmemb;
	if (h->resp->body.len + n > h->max_response) {
		h->too_big = 1;
		return 0;
	}
	if (ship_buf_add(&h->resp->body, p, n))
		return 0;
	return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct ship_http *h = ctx;
	size_t n = size * nmemb, len = n;
	h->began = 1;
	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len >= 5 && !memcmp(p, "HTTP/", 5)) {
		/* A new status line (after 100 Continue or a proxy's CONNECT): start over. */
		ship_headers_release(&h->resp->headers);
		return n;
	}
	const char *colon = memchr(p, ':', len);
	if (!colon || colon == p || *p == ' ' || *p == '\t')
		return n;
	char name[256];
	size_t nl = (size_t)(colon - p);
	if (nl >= sizeof(name))
		return n;
	memcpy(name, p, nl);
	name[nl] = '\0';
	const char *v = colon + 1, *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	char *value = ship_strndup(v, (size_t)(end - v));
	if (!value || ship_headers_add(&h->resp->headers, name, value)) {
		ship_free(value);
		return 0;
	}
	ship_free(value);
	return n;
}

static const char *env2(const char *lower, const char *upper)
{
	const char *v = getenv(lower);
	if (!v || !*v)
		v = getenv(upper);
	return v && *v ? v : NULL;
}

/* The proxy for a URL from the environment (both cases), or NULL. */
static const char *proxy_for(const char *url)
{
	const char *p = !ship_strncasecmp(url, "https://", 8) ? env2("https_proxy", "HTTPS_PROXY")
							      : env2("http_proxy", "HTTP_PROXY");
	return p ? p : env2("all_proxy", "ALL_PROXY");
}

static void where(const char *url, char *out, size_t size)
{
	if (ship_url_host(url, out, size))
		snprintf(out, size, "%s", url);
}

/* The endpoint as a user wrote it: scheme, host and port, without the path. */
static void endpoint_of(const char *url, char *out, size_t size)
{
	const char *auth = strstr(url, "://");
	const char *end = auth ? strchr(auth + 3, '/') : NULL;
	snprintf(out, size, "%.*s", end ? (int)(end - url) : (int)strlen(url), url);
}

static int map_error(struct ship_http *h, CURLcode rc, const struct ship_http_request *req,
		     long timeout_ms, struct ship_err *err)
{
	char host[256];
	const char *why = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
	curl_off_t connect_us = 0;
	where(req->url, host, sizeof(host));
	curl_easy_getinfo(h->curl, CURLINFO_CONNECT_TIME_T, &connect_us);
	if (h->interrupted)
		return ship_err_set(err, SHIP_ERR_INTERRUPTED, "interrupted while waiting for '%s'",
				    host);
	if (h->stalled)
		return ship_err_set(err, SHIP_ERR_TIMEOUT,
				    "'%s' did not answer in time: no data for %ld ms", host,
				    h->read_timeout_ms);
	if (h->trickled)
		return ship_err_set(
		    err, SHIP_ERR_TIMEOUT,
		    "'%s' answered too slowly: less than %ld bytes a second over %.1f "
		    "s (ECSHIP_HTTP_MIN_SPEED)",
		    host, h->min_speed_bps, (double)h->speed_window_ms / 1000);
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		if (connect_us == 0)
			return ship_err_set(err, SHIP_ERR_TIMEOUT,
					    "cannot connect to '%s' within %ld ms: %s", host,
					    timeout_ms && timeout_ms < h->connect_timeout_ms
						? timeout_ms
						: h->connect_timeout_ms,
					    why);
		return ship_err_set(err, SHIP_ERR_TIMEOUT,
				    "'%s' did not answer within %ld ms (%s): %s", host, timeout_ms,
				    timeout_ms == h->total_timeout_ms ? "ECSHIP_HTTP_TIMEOUT"
								      : "the command's time limit",
				    why);
	case CURLE_COULDNT_RESOLVE_HOST:
		return ship_err_set(err, SHIP_ERR_NETWORK,
				    "cannot resolve '%s': check the endpoint URL, region and DNS", host);
	case CURLE_COULDNT_RESOLVE_PROXY:
		return ship_err_set(err, SHIP_ERR_NETWORK,
				    "cannot resolve the proxy for '%s': check HTTPS_PROXY/HTTP_PROXY",
				    host);
	case CURLE_COULDNT_CONNECT:
		endpoint_of(req->url, host, sizeof(host));
		return ship_err_set(err, SHIP_ERR_NETWORK, "cannot connect to '%s': %s", host, why);
	case CURLE_GOT_NOTHING:
		return ship_err_set(err, SHIP_ERR_NETWORK,
				    "connection to '%s' closed without an answer", host);
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		return ship_err_set(err, SHIP_ERR_NETWORK, "connection to '%s' broke: %s", host,
				    why);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
		return ship_err_set(err, SHIP_ERR_NETWORK,
				    "TLS with '%s' failed: %s; if a proxy or private CA signs it, set "
				    "AWS_CA_BUNDLE to its PEM bundle",
				    host, why);
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WRITE_ERROR:
		if (h->too_big || rc == CURLE_FILESIZE_EXCEEDED)
			return ship_err_set(err, SHIP_ERR_PROTOCOL,
					    "the answer from '%s' is larger than %zu bytes", host,
					    h->max_response);
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory reading the answer from '%s'",
				    host);
	case CURLE_WEIRD_SERVER_REPLY:
		return ship_err_set(
		    err, SHIP_ERR_PROTOCOL,
		    "'%s' did not answer in HTTP: %s; check the endpoint URL and port", host, why);
	case CURLE_UNSUPPORTED_PROTOCOL:
		if (connect_us > 0 || h->began) /* connected: the server spoke something else */
			return ship_err_set(
			    err, SHIP_ERR_PROTOCOL,
			    "'%s' did not answer in HTTP: %s; check the endpoint URL "
			    "and port",
			    host, why);
		/* fall through */
	case CURLE_URL_MALFORMAT:
		return ship_err_set(err, SHIP_ERR_INPUT, "invalid URL '%s': %s", req->url, why);
	default:
		return ship_err_set(err, SHIP_ERR_NETWORK, "request to '%s' failed: %s", host, why);
	}
}

static struct curl_slist *build_headers(const struct ship_http_request *req, int *ok)
{
	struct curl_slist *list = NULL, *l;
	struct ship_buf line = SHIP_BUF_INIT(0);
	int have_ct = 0;
	*ok = 0;
	for (size_t i = 0; req->headers && i < req->headers->n; i++) {
		const struct ship_header *hd = &req->headers->v[i];
		if (!ship_strcasecmp(hd->name, "Content-Type"))
			have_ct = 1;
		if (!ship_strcasecmp(hd->name, "Content-Length") || !ship_strcasecmp(hd->name, "Expect"))
			continue; /* libcurl writes these itself */
		ship_buf_reset(&line);
		if (*hd->value)
			ship_buf_addf(&line, "%s: %s", hd->name, hd->value);
		else
			ship_buf_addf(&line, "%s;", hd->name); /* libcurl's form for an empty value */
		if (line.failed || !(l = curl_slist_append(list, line.data)))
			goto out;
		list = l;
	}
	/* No "Expect: 100-continue", and no default form Content-Type libcurl would invent. */
	if (!(l = curl_slist_append(list, "Expect:")))
		goto out;
	list = l;
	if (!have_ct) {
		if (!(l = curl_slist_append(list, "Content-Type:")))
			goto out;
		list = l;
	}
	*ok = 1;
out:
	ship_buf_release(&line);
	return list;
}

int ship_http_send(void *ctx, const struct ship_http_request *req, struct ship_http_response *resp,
		   struct ship_err *err)
{
	struct ship_http *h = ctx;
	struct curl_slist *headers = NULL;
	int ok, rc = -1;
	CURL *c;

	if (!h || !h->curl)
		return ship_err_set(err, SHIP_ERR_INTERNAL, "http transport not initialised");
	if (ship_http_check_loopback(req->url, err))
		return -1;
	const char *proxy = proxy_for(req->url);
	if (proxy && ship_http_check_loopback(proxy, err))
		return ship_err_prefix(err, "proxy");
	headers = build_headers(req, &ok);
	if (!ok) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	c = h->curl;
	curl_easy_reset(c); /* keeps the connection cache */
	h->resp = resp;
	h->too_big = 0;
	h->errbuf[0] = '\0';
	ship_headers_release(&resp->headers);
	ship_buf_reset(&resp->body);
	resp->status = 0;

	const char *m = req->method ? req->method : "GET";
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_bundle)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_bundle);
	curl_easy_setopt(c, CURLOPT_PROXY, proxy ? proxy : "");
	const char *no_proxy = env2("no_proxy", "NO_PROXY");
	if (no_proxy)
		curl_easy_setopt(c, CURLOPT_NOPROXY, no_proxy);
	long ct = h->connect_timeout_ms, total = h->total_timeout_ms;
	if (req->timeout_ms > 0 && req->timeout_ms < total)
		total = req->timeout_ms;
	if (total < ct)
		ct = total;
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ct);
	if (req->fresh_connection)
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	h->stalled = h->trickled = h->interrupted = h->began = 0;
	h->window_start = 0;
	h->window_dl = 0;
	/* a change in flight (not idempotent) is finished, so the caller knows whether it
	 * happened and can say so; a read is ended at once */
	h->cancelled_before =
	    req->fresh_connection || (h->cancelled && h->cancelled(h->cancel_ctx));
	h->last_dl = h->last_ul = 0;
	h->last_activity = mono();
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_response);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	if (!strcmp(m, "GET") && !req->body.len) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(m, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body.len ? req->body.p : "");
		if (strcmp(m, "POST"))
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
	}

	CURLcode cr = curl_easy_perform(c);
	long n = 0;
	if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &n) == CURLE_OK)
		h->connects += n;
	if (cr != CURLE_OK) {
		map_error(h, cr, req, total, err);
		ship_headers_release(&resp->headers);
		ship_buf_reset(&resp->body);
		goto cleanup;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	rc = 0;
cleanup:
	/* The handle must not keep pointers into this call's storage. */
	if (h->curl) {
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
	}
	h->resp = NULL;
	curl_slist_free_all(headers);
	return rc;
}
