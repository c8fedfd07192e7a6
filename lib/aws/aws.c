/*
 * aws.c: the AWS client: resolves profile, region, endpoints and attempts once, then runs each
 * call (JSON 1.1, Query, EC2) through signing, the transport, error parsing and standard-mode
 * retries with the injected clock, and writes the redacted --debug wire log. Never prints; the
 * pieces it composes (endpoint.c, retry.c, proto_*.c, aws_error.c, redact.c) stay pure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "ecship/aws.h"
#include "ecship/profile.h"
#include "ecship/redact.h"
#include "ecship/sigv4.h"
#include "ecship/xml.h"
#include "private/awsproto.h"
#include "private/endpoint.h"
#include "private/retry.h"

#define WIRE_BODY_MAX ((size_t)32 << 10) /* bytes of each body shown in the wire log */

/*
 * Client-side token buckets per class of ECS action, sized like ECS's own request throttling
 * (developer guide, "Request throttling for the Amazon ECS API": a bucket of `burst` tokens
 * refilled at `rate` a second, per account and Region). Every call of one client to an action of
 * a class draws from one bucket, so a deploy of many services spends ECS's quota at its
 * sustained rate instead of being throttled; a throttled answer empties the bucket, so every
 * later call of that class waits for the refill together (as the SDKs' adaptive retry mode does).
 */
struct rate_bucket {
	const char *prefix; /* action name prefix; "" for the rest */
	double burst, rate, tokens, last;
	int used;
};
static const struct rate_bucket s_ecs_buckets[] = {
    {"RegisterTaskDefinition", 20, 1, 0, 0, 0},
    {"DeregisterTaskDefinition", 20, 1, 0, 0, 0},
    {"CreateService", 50, 5, 0, 0, 0},
    {"UpdateService", 50, 5, 0, 0, 0},
    {"DeleteService", 50, 5, 0, 0, 0},
    {"Describe", 100, 20, 0, 0, 0},
    {"List", 100, 20, 0, 0, 0},
    {"", 50, 20, 0, 0, 0},
};
#define N_RATE_BUCKETS (sizeof(s_ecs_buckets) / sizeof(s_ecs_buckets[0]))

struct ship_aws {
	char *profile;
	char *region;
	char region_source[96];
	char *endpoint_url;
	int max_attempts;
	const struct ship_clock *clock;
	ship_transport_fn transport;
	void *transport_ctx;
	struct ship_http *http; /* owned when we made the transport */
	ship_log_fn wire_log;
	void *wire_log_ctx;
	struct ship_aws_config *config;
	struct ship_creds_cache cache;
	struct ship_retry_quota quota;
	struct ship_aws_stats stats;
	int (*cancelled)(void *ctx);
	void *cancel_ctx;
	double clock_offset; /* the server's Date minus our clock at the newest answer */
	struct rate_bucket buckets[N_RATE_BUCKETS]; /* ECS actions (s_ecs_buckets) */
};

static struct rate_bucket *ecs_bucket(struct ship_aws *aws, const char *action)
{
	size_t i;
	for (i = 0; i + 1 < N_RATE_BUCKETS; i++)
		if (!strncmp(action, aws->buckets[i].prefix, strlen(aws->buckets[i].prefix)))
			break;
	return &aws->buckets[i];
}

/* Takes a token for one attempt, sleeping (on the client's clock) until there is one. */
static void rate_take(struct ship_aws *aws, struct rate_bucket *b)
{
	double now = aws->clock->now(aws->clock->ctx);
	if (!b->used) {
		b->used = 1;
		b->tokens = b->burst;
	} else {
		b->tokens += (now - b->last) * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	b->last = now;
	if (b->tokens < 1) {
		double wait = (1 - b->tokens) / b->rate;
		aws->stats.rate_waits++;
		aws->clock->sleep(aws->clock->ctx, wait);
		b->last = aws->clock->now(aws->clock->ctx);
		if (b->last < now + wait)
			b->last = now + wait; /* a test clock that does not move on sleep */
		b->tokens = 1;
	}
	b->tokens -= 1;
}

struct ship_aws *ship_aws_new(const struct ship_aws_options *o, struct ship_err *err)
{
	struct ship_aws_options none;
	struct ship_aws *aws;
	const char *p, *region = NULL;

	memset(&none, 0, sizeof(none));
	if (!o)
		o = &none;
	if (!(aws = ship_calloc(1, sizeof(*aws)))) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		return NULL;
	}
	ship_retry_quota_init(&aws->quota, SHIP_RETRY_QUOTA_INITIAL);
	memcpy(aws->buckets, s_ecs_buckets, sizeof(aws->buckets));
	aws->clock = o->clock ? o->clock : ship_clock_system();
	aws->wire_log = o->wire_log;
	aws->cancelled = o->cancelled;
	aws->cancel_ctx = o->cancel_ctx;
	aws->wire_log_ctx = o->wire_log_ctx;

	p = o->profile && *o->profile ? o->profile : getenv("AWS_PROFILE");
	if (!p || !*p)
		p = "default";
	if (!(aws->profile = ship_strdup(p)))
		goto nomem;
	if (o->endpoint_url && *o->endpoint_url && !(aws->endpoint_url = ship_strdup(o->endpoint_url)))
		goto nomem;
	if (!(aws->config = ship_aws_config_load(err)))
		goto fail;

	struct ship_region_in rin = {o->region,
				     aws->profile,
				     aws->config,
				     ship_env_process,
				     NULL,
				     o->project_region,
				     o->project_region_source};
	if (ship_region_resolve(&rin, &region, aws->region_source, sizeof(aws->region_source), err))
		goto fail;
	if (region && !(aws->region = ship_strdup(region)))
		goto nomem;
	if (ship_retry_max_attempts(o->max_attempts, getenv("AWS_MAX_ATTEMPTS"),
				    ship_aws_config_get(aws->config, aws->profile, "max_attempts"),
				    &aws->max_attempts, err))
		goto fail;

	if (o->transport) {
		aws->transport = o->transport;
		aws->transport_ctx = o->transport_ctx;
	} else {
		struct ship_http_options ho;
		memset(&ho, 0, sizeof(ho));
		if (o->http)
			ho = *o->http;
		if (!ho.cancelled) {
			ho.cancelled = o->cancelled;
			ho.cancel_ctx = o->cancel_ctx;
		}
		if (ship_http_options_from_env(&ho, err) || !(aws->http = ship_http_new(&ho, err)))
			goto fail;
		aws->transport = ship_http_send;
		aws->transport_ctx = aws->http;
	}
	return aws;
nomem:
	ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
fail:
	ship_aws_destroy(aws);
	return NULL;
}

void ship_aws_destroy(struct ship_aws *aws)
{
	if (!aws)
		return;
	ship_creds_cache_release(&aws->cache);
	ship_http_destroy(aws->http);
	if (aws->config)
		ship_aws_config_destroy(aws->config);
	ship_free(aws->profile);
	ship_free(aws->region);
	ship_free(aws->endpoint_url);
	ship_free(aws);
}

const char *ship_aws_region(const struct ship_aws *aws) { return aws->region; }
const char *ship_aws_region_source(const struct ship_aws *aws)
{
	return aws->region ? aws->region_source : NULL;
}
const char *ship_aws_profile(const struct ship_aws *aws) { return aws->profile; }
const struct ship_clock *ship_aws_clock(const struct ship_aws *aws) { return aws->clock; }
double ship_aws_clock_offset(const struct ship_aws *aws) { return aws->clock_offset; }

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* An HTTP-date in its fixed form ("Mon, 30 Nov 2026 09:41:02 GMT", RFC 9110 5.6.7) as epoch
 * seconds; -1 if it is not one. */
static double http_date(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;
	const char *m;
	if (!s || strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || s[19] != ':' || s[22] != ':' || strcmp(s + 25, " GMT"))
		return -1;
	char mon[4] = {s[8], s[9], s[10], 0};
	if (!(m = strstr(months, mon)) || (m - months) % 3)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = digits(s + 5, 2);
	tm.tm_year = digits(s + 12, 4) - 1900;
	tm.tm_hour = digits(s + 17, 2);
	tm.tm_min = digits(s + 20, 2);
	tm.tm_sec = digits(s + 23, 2);
	tm.tm_mon = (int)(m - months) / 3;
	if (tm.tm_mday < 1 || tm.tm_year < 70 || tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0)
		return -1;
	return (double)timegm(&tm);
}
const struct ship_aws_config *ship_aws_config(const struct ship_aws *aws) { return aws->config; }
int ship_aws_max_attempts(const struct ship_aws *aws) { return aws->max_attempts; }

void ship_aws_stats(const struct ship_aws *aws, struct ship_aws_stats *out) { *out = aws->stats; }

int ship_aws_retry_quota(const struct ship_aws *aws) { return aws->quota.available; }

int ship_aws_endpoint(struct ship_aws *aws, enum ship_service svc, struct ship_buf *url,
		      char *signing_region, size_t signing_region_size, struct ship_err *err)
{
	const struct ship_service_info *si = ship_service_info(svc);
	const char *ignore = ship_aws_config_get(aws->config, aws->profile,
						 "ignore_configured_endpoint_urls");
	const char *services = ship_aws_config_get(aws->config, aws->profile, "services");
	const char *svc_url = NULL;
	char key[64];
	if (si && services) {
		/* [services NAME] sections key services by lowercase service id: "cloudwatch_logs" */
		size_t i;
		for (i = 0; si->env_suffix[i] && i + 1 < sizeof(key); i++)
			key[i] = (char)(si->env_suffix[i] >= 'A' && si->env_suffix[i] <= 'Z'
					    ? si->env_suffix[i] + 32
					    : si->env_suffix[i]);
		key[i] = '\0';
		svc_url = ship_aws_config_section_get_sub(aws->config, "services", services, key,
							  "endpoint_url");
	}
	struct ship_endpoint_in in = {
	    svc,
	    aws->region,
	    aws->endpoint_url,
	    svc_url,
	    ship_aws_config_get(aws->config, aws->profile, "endpoint_url"),
	    ignore && !ship_strcasecmp(ignore, "true"),
	    ship_env_process,
	    NULL,
	};
	return ship_endpoint_resolve(&in, url, signing_region, signing_region_size, NULL, err);
}

const struct ship_creds *ship_aws_creds(struct ship_aws *aws, struct ship_err *err)
{
	return ship_creds_cache_get(&aws->cache, aws, err);
}

/* ---- the wire log ---------------------------------------------------------------------------- */

struct wire {
	struct ship_aws *aws;
	const struct ship_creds *creds; /* its secrets are scrubbed from every line */
	struct ship_buf line;
};

static void wire_emit(struct wire *w)
{
	struct ship_aws *aws = w->aws;
	const struct ship_creds *c[2] = {w->creds, aws->cache.have ? &aws->cache.current : NULL};
	for (int i = 0; i < 2; i++) {
		if (!c[i])
			continue;
		ship_redact_literal(&w->line, c[i]->secret_key);
		ship_redact_literal(&w->line, c[i]->session_token);
		ship_redact_literal(&w->line, c[i]->access_key);
	}
	if (!w->line.failed)
		aws->wire_log(aws->wire_log_ctx, w->line.data);
	ship_buf_reset(&w->line);
}

static void wire_printf(struct wire *w, const char *fmt, ...) SHIP_PRINTF(2, 3);
static void wire_printf(struct wire *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ship_buf_vaddf(&w->line, fmt, ap);
	va_end(ap);
	wire_emit(w);
}

static void wire_headers(struct wire *w, char dir, const struct ship_headers *h)
{
	for (size_t i = 0; h && i < h->n; i++) {
		ship_buf_addf(&w->line, "%c %s: ", dir, h->v[i].name);
		ship_redact_header(&w->line, h->v[i].name, h->v[i].value);
		wire_emit(w);
	}
}

static void wire_body(struct wire *w, char dir, struct ship_str body, const char *ctype, int flags)
{
	struct ship_buf red = SHIP_BUF_INIT(0);
	if (!body.len)
		return;
	if (ship_redact_body(&red, body, ctype, flags)) {
		ship_buf_reset(&red);
		ship_buf_addf(&red, "(%zu bytes not shown: redaction failed)", body.len);
	}
	size_t shown = red.len > WIRE_BODY_MAX ? WIRE_BODY_MAX : red.len;
	const char *s = red.data, *end = red.data + shown;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		ship_buf_addf(&w->line, "%c ", dir);
		for (size_t i = 0; i < n; i++)
			ship_buf_addch(&w->line, s[i] == '\r' ? ' ' : s[i]);
		wire_emit(w);
		s += n + (nl != NULL);
	}
	if (shown < red.len)
		wire_printf(w, "%c ... (%zu more bytes not shown)", dir, red.len - shown);
	ship_buf_release(&red);
}

static void wire_request(struct wire *w, const struct ship_http_request *req)
{
	ship_buf_addf(&w->line, "> %s ", req->method ? req->method : "GET");
	ship_redact_url(&w->line, req->url);
	wire_emit(w);
	wire_headers(w, '>', req->headers);
	wire_body(w, '>', req->body,
		  req->headers ? ship_headers_get(req->headers, "Content-Type") : NULL, 0);
}

static void wire_response(struct wire *w, const struct ship_http_response *resp, int flags)
{
	const char *reason = ship_http_reason(resp->status);
	wire_printf(w, "< HTTP %ld%s%s", resp->status, *reason ? " " : "", reason);
	wire_headers(w, '<', &resp->headers);
	wire_body(w, '<', ship_buf_str(&resp->body), ship_headers_get(&resp->headers, "Content-Type"),
		  flags);
}

/* ---- calls ----------------------------------------------------------------------------------- */

struct call {
	const struct ship_service_info *si;
	const char *operation;
	struct ship_buf url;
	char signing_region[64];
	struct ship_buf body;
	struct ship_headers proto_headers;
	const struct ship_call_opts *opts;
	int took_effect; /* a not-idempotent attempt without an answer took effect: no response */
};

static int sign(struct ship_aws *aws, struct call *c, struct ship_headers *h,
		const struct ship_creds **used, struct ship_err *err)
{
	const struct ship_creds *cr = c->opts && c->opts->creds ? c->opts->creds : NULL;
	*used = NULL;
	if (c->opts && c->opts->anonymous)
		return 0;
	if (!cr && !(cr = ship_aws_creds(aws, err)))
		return -1;
	*used = cr;
	struct ship_sigv4_params p;
	memset(&p, 0, sizeof(p));
	p.access_key = cr->access_key;
	p.secret_key = cr->secret_key;
	p.session_token = cr->session_token;
	p.region = c->signing_region;
	p.service = c->si->signing_name;
	p.when = (time_t)floor(aws->clock->now(aws->clock->ctx));
	p.normalize_path = 1;
	return ship_sigv4_sign(&p, "POST", c->url.data, h, ship_buf_str(&c->body), err);
}

/* Appends " (request id X; gave up ...)" to the final error. */
static void finish_error(struct ship_err *err, const char *retry_note)
{
	char note[400] = "";
	size_t n = 0;
	if (err->request_id[0])
		n += (size_t)snprintf(note + n, sizeof(note) - n, "request id %s", err->request_id);
	if (retry_note && n < sizeof(note))
		n += (size_t)snprintf(note + n, sizeof(note) - n, "%s%s", n ? "; " : "", retry_note);
	if (!note[0])
		return;
	size_t m = strlen(err->message);
	snprintf(err->message + m, sizeof(err->message) - m, " (%s)", note);
}

int ship_aws_client_token(char *out, size_t size)
{
	unsigned char r[16];
	size_t got = 0;
	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof(r)) { /* no getrandom: the clock and the process id, still unique enough */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		unsigned long long x = (unsigned long long)ts.tv_nsec ^
				       ((unsigned long long)ts.tv_sec << 20) ^
				       ((unsigned long long)getpid() << 44);
		for (size_t i = 0; i < sizeof(r); i++, x = x * 6364136223846793005ULL + 1)
			r[i] = (unsigned char)(x >> 56);
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* a version 4 UUID */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	if (size < 37)
		return -1;
	snprintf(out, size, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
	return 0;
}

/*
 * Operations that only read may be resent by the transport; every other one (Register*, Run*,
 * Create*, Update*, Delete*, Deregister*, Execute*, Tag*, ...) changes something, and a copy
 * resent after a lost answer could run twice: it always goes out on a new connection.
 */
int ship_aws_operation_reads_only(const char *operation)
{
	static const char *const prefixes[] = {"Describe", "List", "Get", "Filter", "Validate"};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(operation, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/*
 * The time limit of one attempt: a call of a deploy or rollback, which persists until a deadline
 * (its --timeout, in the call options), runs no single request past it (but gives each at least
 * a second).
 */
static long attempt_timeout_ms(const struct ship_aws *aws, const struct ship_call_opts *o)
{
	double until = o->persist_until > o->persist_answered_until ? o->persist_until
								    : o->persist_answered_until;
	if (until <= 0)
		return 0;
	double left = until - aws->clock->now(aws->clock->ctx);
	if (left < 1)
		left = 1;
	if (left > 86400)
		left = 86400; /* the transport's own total timeout is shorter anyway */
	return (long)(left * 1000);
}

/*
 * Runs one logical call: attempts with fresh signatures until a 2xx answer (left in resp) or a
 * final error. Returns 0 on a 2xx answer.
 */
static int call_run(struct ship_aws *aws, struct call *c, struct ship_http_response *resp,
		    struct ship_err *err)
{
	struct wire w = {aws, NULL, SHIP_BUF_INIT(0)};
	struct ship_headers h = {NULL, 0, 0};
	int rc = -1, acquired = 0;
	char host[256], ua[64];
	if (ship_url_host(c->url.data, host, sizeof(host)))
		snprintf(host, sizeof(host), "%s", c->url.data);
	snprintf(ua, sizeof(ua), "ecship/%s", ECSHIP_VERSION);
	int max_attempts = aws->max_attempts;
	static const struct ship_call_opts none;
	const struct ship_call_opts *o = c->opts ? c->opts : &none;
	int only_throttling = o->not_idempotent, check_first = 0;
	aws->stats.calls++;
	for (int attempt = 1;; attempt++) {
		struct ship_err aerr = SHIP_ERR_INIT;
		const struct ship_creds *used = NULL;
		if (check_first) { /* the last attempt of a not-idempotent call failed unanswered */
			int t = o->took_effect(o->took_effect_ctx, &aerr);
			if (aws->wire_log)
				wire_printf(&w, "* %s %s: the failed attempt %s", c->si->name,
					    c->operation,
					    t > 0    ? "took effect: not repeating it"
					    : t == 0 ? "did not take effect: repeating it"
						     : "may have taken effect: not repeating it");
			if (t > 0) {
				ship_retry_quota_release(&aws->quota, acquired);
				ship_err_clear(err);
				c->took_effect = 1;
				rc = 0;
				goto cleanup;
			}
			if (t < 0) {
				*err = aerr;
				ship_err_prefix(err, "cannot tell whether a failed %s took effect",
						c->operation);
				goto cleanup;
			}
			check_first = 0;
		}
		ship_headers_release(&h);
		for (size_t i = 0; i < c->proto_headers.n; i++)
			if (ship_headers_add(&h, c->proto_headers.v[i].name, c->proto_headers.v[i].value))
				goto nomem;
		if (ship_headers_add(&h, "User-Agent", ua))
			goto nomem;
		if (sign(aws, c, &h, &used, err))
			goto cleanup;
		w.creds = used;
				struct ship_http_request req = {"POST",
						c->url.data,
						&h,
						ship_buf_str(&c->body),
						attempt_timeout_ms(aws, o),
						only_throttling ||
						    !ship_aws_operation_reads_only(c->operation)};
		struct rate_bucket *bucket =
		    c->si == ship_service_info(SHIP_SVC_ECS) ? ecs_bucket(aws, c->operation) : NULL;
		if (bucket)
			rate_take(aws, bucket);
		aws->stats.attempts++;
		if (aws->wire_log) {
			wire_printf(&w, "* %s %s: attempt %d of %d", c->si->name, c->operation, attempt,
				    max_attempts);
			wire_request(&w, &req);
		}
		ship_headers_release(&resp->headers);
		ship_buf_reset(&resp->body);
		resp->status = 0;
		if (aws->transport(aws->transport_ctx, &req, resp, &aerr) == 0) {
			double date = http_date(ship_headers_get(&resp->headers, "Date"));
			if (date > 0)
				aws->clock_offset = date - aws->clock->now(aws->clock->ctx);
			if (aws->wire_log)
				wire_response(&w, resp, 0);
			if (resp->status >= 200 && resp->status < 300) {
				ship_retry_quota_release(&aws->quota, acquired ? acquired
									       : SHIP_RETRY_NO_RETRY_INCREMENT);
				rc = 0;
				goto cleanup;
			}
			ship_awsproto_error(c->si->protocol, resp, host, &aerr);
		} else if (aws->wire_log) {
			wire_printf(&w, "* no answer: %s", aerr.message);
		}
		enum ship_retry_kind kind = ship_retry_classify(&aerr);
		if (aerr.throttled) {
			aws->stats.throttled++;
			if (bucket)
				bucket->tokens = 0; /* everyone waits for the refill */
		}
		*err = aerr;
		int unsure = only_throttling && !aerr.throttled;
		if (kind == SHIP_RETRY_NONE || (unsure && !o->took_effect)) {
			finish_error(err, NULL);
			goto cleanup;
		}
		double delay = ship_retry_backoff(attempt, aws->clock->random(aws->clock->ctx));
		double until = o->persist_until;
		if (aerr.http_status && o->persist_answered_until > until)
			until = o->persist_answered_until;
		int persist = until > 0 && aws->clock->now(aws->clock->ctx) + delay < until;
		if (attempt >= max_attempts && !persist) {
			char note[160];
			snprintf(note, sizeof(note),
				 "gave up after %d attempt%s; set AWS_MAX_ATTEMPTS to retry more",
				 attempt, attempt == 1 ? "" : "s");
			finish_error(err, note);
			goto cleanup;
		}
		int cost = ship_retry_quota_acquire(&aws->quota, kind);
		if (!cost) {
			char note[200];
			snprintf(note, sizeof(note),
				 "gave up after %d attempt%s: the retry quota is used up after too "
				 "many failures; try again later",
				 attempt, attempt == 1 ? "" : "s");
			finish_error(err, note);
			goto cleanup;
		}
		acquired = cost;
		if (aws->cancelled && aws->cancelled(aws->cancel_ctx)) {
			ship_err_set(err, SHIP_ERR_INTERRUPTED, "interrupted while retrying %s %s",
				     c->si->name, c->operation);
			goto cleanup;
		}
		aws->stats.retries++;
		if (aws->wire_log)
			wire_printf(&w, "* retrying in %.3f s after %s (retry quota %d left)", delay,
				    aerr.aws_code[0] ? aerr.aws_code : ship_errcode_name(aerr.code),
				    aws->quota.available);
		aws->clock->sleep(aws->clock->ctx, delay);
		if (aws->cancelled && aws->cancelled(aws->cancel_ctx)) {
			ship_err_set(err, SHIP_ERR_INTERRUPTED, "interrupted while retrying %s %s",
				     c->si->name, c->operation);
			goto cleanup;
		}
		check_first = unsure;
	}
nomem:
	ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
cleanup:
	ship_headers_release(&h);
	ship_buf_release(&w.line);
	return rc;
}

static int call_init(struct ship_aws *aws, struct call *c, enum ship_service svc,
		     const char *operation, const struct ship_call_opts *opts, struct ship_err *err)
{
	memset(c, 0, sizeof(*c));
	ship_buf_init(&c->url, 4096);
	ship_buf_init(&c->body, 0);
	c->operation = operation;
	c->opts = opts;
	if (!(c->si = ship_service_info(svc)))
		return ship_err_set(err, SHIP_ERR_INTERNAL, "unknown service %d", (int)svc);
	if (ship_aws_endpoint(aws, svc, &c->url, c->signing_region, sizeof(c->signing_region), err))
		return -1;
	if (ship_buf_addch(&c->url, '/'))
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	return 0;
}

static void call_release(struct call *c)
{
	ship_buf_release(&c->url);
	ship_buf_release(&c->body);
	ship_headers_release(&c->proto_headers);
}

/*
 * The members ecship acts on in each JSON answer: a 2xx answer without one of them (an empty
 * 200 from a broken proxy, a truncated body) is a protocol error naming the call and the
 * member, never a request built from an empty string. Paths are dotted; the type is
 * 's' (a non-empty string), 'i' (an integer), 'o' (an object) or 'a' (an array).
 */
static const struct {
	enum ship_service svc;
	const char *operation;
	const char *members[3]; /* "path:type" */
} s_needs[] = {
    {SHIP_SVC_ECS,
     "RegisterTaskDefinition",
     {"taskDefinition.taskDefinitionArn:s", "taskDefinition.revision:i", NULL}},
    {SHIP_SVC_ECS,
     "DescribeTaskDefinition",
     {"taskDefinition.taskDefinitionArn:s", "taskDefinition.family:s", NULL}},
    {SHIP_SVC_ECS, "CreateService", {"service.serviceArn:s", "service.deployments:a", NULL}},
    {SHIP_SVC_ECS, "UpdateService", {"service.serviceArn:s", "service.deployments:a", NULL}},
    {SHIP_SVC_ECS, "DescribeServices", {"services:a", NULL, NULL}},
    {SHIP_SVC_ECS, "RunTask", {"tasks:a", NULL, NULL}},
    {SHIP_SVC_ECS, "DescribeTasks", {"tasks:a", NULL, NULL}},
    {SHIP_SVC_ECS, "ListTasks", {"taskArns:a", NULL, NULL}},
    {SHIP_SVC_ECS, "StopTask", {"task:o", NULL, NULL}},
    {SHIP_SVC_LOGS, "GetLogEvents", {"events:a", NULL, NULL}},
    {SHIP_SVC_LOGS, "FilterLogEvents", {"events:a", NULL, NULL}},
};

static int member_ok(json_t *v, char type)
{
	switch (type) {
	case 's':
		return json_is_string(v) && json_string_length(v) > 0;
	case 'i':
		return json_is_integer(v);
	case 'o':
		return json_is_object(v);
	case 'a':
		return json_is_array(v);
	}
	return v != NULL;
}

int ship_aws_json_check(enum ship_service svc, const char *operation, json_t *answer,
			struct ship_err *err)
{
	for (size_t i = 0; i < sizeof(s_needs) / sizeof(s_needs[0]); i++) {
		if (s_needs[i].svc != svc || strcmp(s_needs[i].operation, operation))
			continue;
		for (int k = 0; k < 3 && s_needs[i].members[k]; k++) {
			const char *m = s_needs[i].members[k], *colon = strrchr(m, ':');
			char path[128];
			snprintf(path, sizeof(path), "%.*s", (int)(colon - m), m);
			json_t *v = answer;
			for (const char *p = path; v && *p;) {
				size_t n = strcspn(p, ".");
				char key[64];
				snprintf(key, sizeof(key), "%.*s", (int)n, p);
				v = json_object_get(v, key);
				p += n + (p[n] == '.');
			}
			if (!member_ok(v, colon[1]))
				return ship_err_set(
				    err, SHIP_ERR_PROTOCOL,
				    "%s %s: the answer has no %s'%s'; it cannot be acted "
				    "on (a proxy or an endpoint that is not %s may be in "
				    "the way)",
				    ship_service_info(svc)->name, operation, v ? "valid " : "",
				    path, ship_service_info(svc)->name);
		}
	}
	return 0;
}

int ship_aws_json(struct ship_aws *aws, enum ship_service svc, const char *operation,
		  json_t *request, json_t **response, const struct ship_call_opts *opts,
		  struct ship_err *err)
{
	struct call c;
	struct ship_http_response resp;
	int rc = -1;
	*response = NULL;
	ship_http_response_init(&resp);
	if (call_init(aws, &c, svc, operation, opts, err))
		goto cleanup;
	if (c.si->protocol != SHIP_PROTO_JSON) {
		ship_err_set(err, SHIP_ERR_INTERNAL, "%s does not speak JSON", c.si->name);
		goto cleanup;
	}
	if (ship_awsproto_json_request(c.si, operation, request, &c.body, &c.proto_headers, err) ||
	    call_run(aws, &c, &resp, err))
		goto cleanup;
	if (c.took_effect) {
		rc = 0; /* *response stays NULL */
		goto cleanup;
	}
	if (ship_awsproto_json_response(&resp, response, err)) {
		ship_err_prefix(err, "%s %s", c.si->name, operation);
		goto cleanup;
	}
	if (ship_aws_json_check(svc, operation, *response, err)) {
		const char *rid = ship_headers_get(&resp.headers, "x-amzn-RequestId");
		if (rid)
			snprintf(err->request_id, sizeof(err->request_id), "%s", rid);
		finish_error(err, NULL);
		json_decref(*response);
		*response = NULL;
		goto cleanup;
	}
	rc = 0;
cleanup:
	call_release(&c);
	ship_http_response_release(&resp);
	return rc;
}

/*
 * The same for Query and EC2 answers: the elements ecship acts on, by path below the root; "*"
 * steps into every item of a list (none is fine), "+" into every item and needs at least one;
 * leaf elements must hold text. A DescribeStacks answer without Stacks would read as "no such
 * stack" and lead to CreateStack; a DescribeVpcs answer without vpcSet as "no VPC", and the VPC
 * quota check would pass; an item without its id would be taken for a failed allocation.
 */
static const struct {
	enum ship_service svc;
	const char *action, *path;
	int text;
} s_xml_needs[] = {
    {SHIP_SVC_CLOUDFORMATION, "DescribeStacks", "DescribeStacksResult/Stacks", 0},
    {SHIP_SVC_CLOUDFORMATION, "DescribeStacks", "DescribeStacksResult/Stacks/*/StackName", 1},
    {SHIP_SVC_CLOUDFORMATION, "CreateStack", "CreateStackResult/StackId", 1},
    {SHIP_SVC_CLOUDFORMATION, "CreateChangeSet", "CreateChangeSetResult/Id", 1},
    {SHIP_SVC_CLOUDFORMATION, "DescribeChangeSet", "DescribeChangeSetResult/Status", 1},
    {SHIP_SVC_CLOUDFORMATION, "ListChangeSets", "ListChangeSetsResult/Summaries", 0},
    {SHIP_SVC_CLOUDFORMATION, "ListChangeSets", "ListChangeSetsResult/Summaries/*/ChangeSetName",
     1},
    {SHIP_SVC_CLOUDFORMATION, "DescribeStackEvents", "DescribeStackEventsResult/StackEvents", 0},
    {SHIP_SVC_CLOUDFORMATION, "DescribeStackEvents",
     "DescribeStackEventsResult/StackEvents/*/EventId", 1},
    {SHIP_SVC_ELBV2, "CreateRule", "CreateRuleResult/Rules/+/RuleArn", 1},
    {SHIP_SVC_ELBV2, "DescribeRules", "DescribeRulesResult/Rules", 0},
    {SHIP_SVC_ELBV2, "DescribeRules", "DescribeRulesResult/Rules/*/RuleArn", 1},
    {SHIP_SVC_ELBV2, "DescribeTags", "DescribeTagsResult/TagDescriptions", 0},
    {SHIP_SVC_ELBV2, "DescribeListeners", "DescribeListenersResult/Listeners", 0},
    {SHIP_SVC_ELBV2, "DescribeTargetGroups", "DescribeTargetGroupsResult/TargetGroups", 0},
    {SHIP_SVC_ELBV2, "DescribeLoadBalancers", "DescribeLoadBalancersResult/LoadBalancers", 0},
    {SHIP_SVC_ELBV2, "DescribeTargetHealth", "DescribeTargetHealthResult/TargetHealthDescriptions",
     0},
    {SHIP_SVC_EC2, "DescribeVpcs", "vpcSet", 0},
    {SHIP_SVC_EC2, "DescribeVpcs", "vpcSet/*/vpcId", 1},
    {SHIP_SVC_EC2, "DescribeSubnets", "subnetSet", 0},
    {SHIP_SVC_EC2, "DescribeSubnets", "subnetSet/*/subnetId", 1},
    {SHIP_SVC_EC2, "DescribeSubnets", "subnetSet/*/vpcId", 1},
    {SHIP_SVC_EC2, "DescribeSubnets", "subnetSet/*/availabilityZone", 1},
    {SHIP_SVC_EC2, "DescribeRouteTables", "routeTableSet", 0},
    {SHIP_SVC_EC2, "DescribeRouteTables", "routeTableSet/*/vpcId", 1},
    {SHIP_SVC_EC2, "DescribeSecurityGroups", "securityGroupInfo", 0},
    {SHIP_SVC_EC2, "DescribeSecurityGroups", "securityGroupInfo/*/groupId", 1},
    {SHIP_SVC_EC2, "DescribeVpcEndpoints", "vpcEndpointSet", 0},
    {SHIP_SVC_IAM, "GetRole", "GetRoleResult/Role/AssumeRolePolicyDocument", 1},
    {SHIP_SVC_STS, "GetCallerIdentity", "GetCallerIdentityResult/Account", 1},
};

/* 1 when the path from n holds (each item of a "*" or "+" step), else 0. */
static int xml_path_holds(xmlNode *n, const char *p, int text)
{
	while (n && *p) {
		char step[64];
		size_t len = strcspn(p, "/");
		snprintf(step, sizeof(step), "%.*s", (int)len, p);
		p += len + (p[len] == '/');
		if (!strcmp(step, "*") || !strcmp(step, "+")) {
			xmlNode *it = ship_xml_first_item(n);
			if (!it)
				return step[0] == '*';
			for (; it; it = ship_xml_next_item(it))
				if (!xml_path_holds(it, p, text))
					return 0;
			return 1;
		}
		n = ship_xml_child(n, step);
	}
	if (!n)
		return 0;
	if (!text)
		return 1;
	char *t = ship_xml_text(n);
	int ok = t && *t;
	ship_free(t);
	return ok;
}

int ship_aws_xml_check(enum ship_service svc, const char *action, const xmlDoc *answer,
		       struct ship_err *err)
{
	for (size_t i = 0; i < sizeof(s_xml_needs) / sizeof(s_xml_needs[0]); i++) {
		if (s_xml_needs[i].svc != svc || strcmp(s_xml_needs[i].action, action))
			continue;
		if (!xml_path_holds(ship_xml_root(answer), s_xml_needs[i].path,
				    s_xml_needs[i].text))
			return ship_err_set(
			    err, SHIP_ERR_PROTOCOL,
			    "%s %s: the answer has no '%s'; it cannot be acted on (a "
			    "proxy or an endpoint that is not %s may be in the way)",
			    ship_service_info(svc)->name, action, s_xml_needs[i].path,
			    ship_service_info(svc)->name);
	}
	return 0;
}

int ship_aws_query(struct ship_aws *aws, enum ship_service svc, const char *action,
		   const struct ship_params *params, xmlDoc **response,
		   const struct ship_call_opts *opts, struct ship_err *err)
{
	struct call c;
	struct ship_http_response resp;
	int rc = -1;
	*response = NULL;
	ship_http_response_init(&resp);
	if (call_init(aws, &c, svc, action, opts, err))
		goto cleanup;
	if (ship_awsproto_query_request(c.si, action, params, &c.body, &c.proto_headers, err) ||
	    call_run(aws, &c, &resp, err))
		goto cleanup;
	if (c.took_effect) {
		rc = 0; /* *response stays NULL */
		goto cleanup;
	}
	if (ship_awsproto_xml_response(&resp, response, err)) {
		ship_err_prefix(err, "%s %s", c.si->name, action);
		goto cleanup;
	}
	if (ship_aws_xml_check(svc, action, *response, err)) {
		finish_error(err, NULL);
		xmlFreeDoc(*response);
		*response = NULL;
		goto cleanup;
	}
	rc = 0;
cleanup:
	call_release(&c);
	ship_http_response_release(&resp);
	return rc;
}

int ship_aws_http(struct ship_aws *aws, const struct ship_http_request *req,
		  struct ship_http_response *resp, struct ship_err *err)
{
	struct wire w = {aws, NULL, SHIP_BUF_INIT(0)};
	int flags = 0;
	if (req->headers && ship_headers_get(req->headers, "X-aws-ec2-metadata-token-ttl-seconds"))
		flags = SHIP_REDACT_WHOLE; /* the answer is an IMDS session token */
	if (aws->wire_log)
		wire_request(&w, req);
	int rc = aws->transport(aws->transport_ctx, req, resp, err);
	if (aws->wire_log) {
		if (rc == 0)
			wire_response(&w, resp, flags);
		else
			wire_printf(&w, "* no answer: %s", err->message);
	}
	ship_buf_release(&w.line);
	return rc;
}
