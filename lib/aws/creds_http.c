/*
 * creds_http.c: the two HTTP credential providers, ECS/EKS container credentials and EC2
 * instance metadata (IMDSv2: a PUT for a session token, then the role name, then its
 * credentials), with short timeouts. HTTP goes only through ctx->http so tests can point it at
 * loopback. Depends on jansson and lib/util; never prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ecship/creds.h"
#include "ecship/profile.h"
#include "ecship/util.h"

#define ECS_HOST "169.254.170.2"
#define CONTAINER_TIMEOUT_MS 2000
#define CONTAINER_ATTEMPTS 3
#define CONTAINER_RETRY_SLEEP 1.0
#define IMDS_V4 "http://169.254.169.254"
#define IMDS_V6 "http://[fd00:ec2::254]"
#define IMDS_TTL "21600"

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static const struct ship_clock *clock_of(const struct ship_creds_ctx *ctx)
{
	return ctx->clock ? ctx->clock : ship_clock_system();
}

/* One exchange; resp is initialised here and released by the caller even on failure. */
static int send_once(const struct ship_creds_ctx *ctx, const char *method, const char *url,
		     const struct ship_headers *h, long timeout_ms, struct ship_http_response *resp,
		     struct ship_err *err)
{
	struct ship_http_request req;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = h;
	req.body = ship_str_c("");
	req.timeout_ms = timeout_ms;
	ship_http_response_init(resp);
	if (!ctx->http)
		return ship_err_set(err, SHIP_ERR_INTERNAL, "no HTTP transport for %s", url);
	return ctx->http(ctx->http_ctx, &req, resp, err);
}

/* A short printable excerpt of a response body for a message. */
static void excerpt(const struct ship_buf *b, char *out, size_t n)
{
	size_t j = 0;
	for (size_t i = 0; i < b->len && j + 1 < n; i++) {
		unsigned char c = (unsigned char)b->data[i];
		out[j++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[j] = '\0';
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Reads {AccessKeyId, SecretAccessKey, Token, Expiration} from a JSON body. */
static int creds_from_json(const struct ship_buf *body, const char *source, struct ship_creds *out,
			   struct ship_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(body->data, body->len, 0, &je);
	int rc = -1;
	if (!root && (json_error_code(&je) == json_error_out_of_memory || !je.text[0])) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	if (!json_is_object(root)) {
		ship_err_set(err, SHIP_ERR_PROTOCOL, "%s: the answer is not a JSON object (%s)",
			     source, root ? "another JSON value" : je.text);
		goto cleanup;
	}
	const char *ak = jstr(root, "AccessKeyId"), *sk = jstr(root, "SecretAccessKey");
	if (!ak || !sk) {
		const char *code = jstr(root, "Code"), *msg = jstr(root, "Message");
		ship_err_set(err, SHIP_ERR_CREDENTIALS, "%s: no credentials in the answer%s%s%s%s",
			     source, code ? ": " : "", code ? code : "", msg ? ": " : "",
			     msg ? msg : "");
		goto cleanup;
	}
	rc = ship_creds_set(out, ak, sk, jstr(root, "Token"), jstr(root, "Expiration"), err, "%s",
			    source);
cleanup:
	json_decref(root);
	return rc;
}

/* ---- container credentials ------------------------------------------------------------------- */

static int host_allowed(const char *host)
{
	static const char *const hosts[] = {ECS_HOST, "169.254.170.23", "fd00:ec2::23",
					    "localhost"};
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		if (!ship_strcasecmp(host, hosts[i]))
			return 1;
	if (!strcmp(host, "::1") || !strcmp(host, "0:0:0:0:0:0:0:1"))
		return 1;
	/* 127.0.0.0/8 written as a dotted quad */
	unsigned a, b, c, d;
	char tail;
	/* NOLINTNEXTLINE(cert-err34-c): widths bound each part, the count and ranges are checked */
	if (sscanf(host, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 &&
	    c < 256 && d < 256)
		return 1;
	return 0;
}

int ship_creds_container_url_allowed(const char *url)
{
	char host[256];
	const char *p;
	size_t n;
	if (!ship_strncasecmp(url, "https://", 8))
		return 1;
	if (ship_strncasecmp(url, "http://", 7))
		return 0;
	p = url + 7;
	const char *end = p + strcspn(p, "/?#");
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close)
			return 0;
		p++;
		n = (size_t)(close - p);
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		n = (size_t)((colon ? colon : end) - p);
	}
	if (n == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, p, n);
	host[n] = '\0';
	return host_allowed(host);
}

/* The authorization token: the file wins over the variable (a trailing newline is dropped). */
static int container_token(struct ship_buf *tok, struct ship_err *err)
{
	const char *file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *var = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *what =
	    file ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" : "AWS_CONTAINER_AUTHORIZATION_TOKEN";
	if (file) {
		if (ship_read_file(file, tok))
			return ship_err_set(
			    err, SHIP_ERR_CREDENTIALS,
			    "cannot read the container authorization token file '%s' "
			    "(AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE): %s",
			    file, tok->failed ? "too large" : strerror(errno));
		while (tok->len &&
		       (tok->data[tok->len - 1] == '\n' || tok->data[tok->len - 1] == '\r'))
			ship_buf_truncate(tok, tok->len - 1);
	} else if (var) {
		if (ship_buf_adds(tok, var))
			return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	if (strchr(tok->data, '\n') || strchr(tok->data, '\r') || strlen(tok->data) != tok->len)
		return ship_err_set(
		    err, SHIP_ERR_INPUT,
		    "%s holds a line break or NUL, which cannot be sent in a header; "
		    "fix it",
		    what);
	return 0;
}

int ship_creds_from_container(const struct ship_creds_ctx *ctx, struct ship_creds *out,
			      struct ship_err *err)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	struct ship_buf url = SHIP_BUF_INIT(8192), tok = SHIP_BUF_INIT(16384);
	struct ship_headers h;
	struct ship_http_response resp;
	const char *source = rel ? "ECS container credentials"
				 : "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)";
	int rc = -1;

	memset(&h, 0, sizeof(h));
	ship_http_response_init(&resp);
	if (!rel && !full)
		return 0;
	if (rel) {
		ship_buf_addf(&url, "http://%s%s%s", ECS_HOST, rel[0] == '/' ? "" : "/", rel);
	} else {
		if (!ship_creds_container_url_allowed(full)) {
			ship_err_set(
			    err, SHIP_ERR_INPUT,
			    "AWS_CONTAINER_CREDENTIALS_FULL_URI '%.200s' is not allowed: use "
			    "https, a loopback address, or the ECS/EKS hosts 169.254.170.2, "
			    "169.254.170.23, [fd00:ec2::23]",
			    full);
			goto cleanup;
		}
		ship_buf_adds(&url, full);
	}
	if (url.failed || ship_headers_add(&h, "Accept", "application/json"))
		goto nomem;
	if (container_token(&tok, err))
		goto cleanup;
	if (tok.len && ship_headers_add(&h, "Authorization", tok.data))
		goto nomem;

	const struct ship_clock *clock = clock_of(ctx);
	for (int attempt = 1;; attempt++) {
		ship_http_response_release(&resp);
		int r = send_once(ctx, "GET", url.data, &h, CONTAINER_TIMEOUT_MS, &resp, err);
		int transient = r ? (err->code == SHIP_ERR_NETWORK || err->code == SHIP_ERR_TIMEOUT)
				  : resp.status >= 500;
		if (!r && resp.status == 200)
			break;
		if (!transient || attempt >= CONTAINER_ATTEMPTS) {
			if (!r) {
				char body[201];
				excerpt(&resp.body, body, sizeof(body));
				ship_err_set(
				    err, SHIP_ERR_CREDENTIALS, "%s: %s answered HTTP %ld%s%s%s",
				    source, url.data, resp.status, *body ? ": " : "", body,
				    resp.status == 401 || resp.status == 403
					? "; check AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)"
					: "");
			} else {
				ship_err_prefix(err, "%s: %s", source, url.data);
			}
			goto cleanup;
		}
		clock->sleep(clock->ctx, CONTAINER_RETRY_SLEEP);
	}
	if (creds_from_json(&resp.body, source, out, err))
		goto cleanup;
	rc = 1;
	goto cleanup;
nomem:
	ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
cleanup:
	ship_http_response_release(&resp);
	ship_headers_release(&h);
	ship_buf_release(&url);
	ship_buf_release(&tok);
	return rc;
}

/* ---- EC2 instance metadata (IMDSv2) ---------------------------------------------------------- */

struct imds {
	const struct ship_creds_ctx *ctx;
	struct ship_buf base; /* no trailing slash */
	long timeout_ms;
	long attempts;
};

static const char *setting(const struct ship_creds_ctx *ctx, const char *env_name, const char *key)
{
	const char *v = env(env_name);
	if (!v) {
		v = ship_aws_config_get(ctx->config, ctx->profile ? ctx->profile : "default", key);
		if (v && !*v)
			v = NULL;
	}
	return v;
}

static int imds_config(struct imds *m, const struct ship_creds_ctx *ctx, struct ship_err *err)
{
	const char *ep =
	    setting(ctx, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint");
	const char *mode = setting(ctx, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
				   "ec2_metadata_service_endpoint_mode");
	const char *t = setting(ctx, "AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout");
	const char *a =
	    setting(ctx, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts");
	double secs = 1;

	m->ctx = ctx;
	if (ep && ship_strncasecmp(ep, "http://", 7) && ship_strncasecmp(ep, "https://", 8))
		return ship_err_set(
		    err, SHIP_ERR_INPUT,
		    "EC2 metadata endpoint '%.200s' (AWS_EC2_METADATA_SERVICE_ENDPOINT) "
		    "is not an http:// or https:// URL; fix it",
		    ep);
	if (!ep)
		ep = mode && !ship_strcasecmp(mode, "IPv6") ? IMDS_V6 : IMDS_V4;
	if (t) {
		char *end;
		errno = 0;
		secs = strtod(t, &end);
		if (errno || *end || !(secs > 0) || secs > 3600)
			return ship_err_set(
			    err, SHIP_ERR_INPUT,
			    "AWS_METADATA_SERVICE_TIMEOUT '%.32s' must be a number of "
			    "seconds (default 1)",
			    t);
	}
	m->attempts = 1;
	if (a && ship_parse_long(a, 1, 10, &m->attempts))
		return ship_err_set(
		    err, SHIP_ERR_INPUT,
		    "AWS_METADATA_SERVICE_NUM_ATTEMPTS '%.32s' must be a whole number "
		    "from 1 to 10 (default 1)",
		    a);
	m->timeout_ms = (long)(secs * 1000 + 0.5);
	if (m->timeout_ms < 1)
		m->timeout_ms = 1;
	size_t n = strlen(ep);
	while (n && ep[n - 1] == '/')
		n--;
	if (ship_buf_add(&m->base, ep, n))
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	return 0;
}

/*
 * A request with up to m->attempts tries; a try is repeated on a network error, a timeout, a
 * non-200 answer other than 4xx, or an empty body. 0: an answer (of any status) is in resp;
 * -1: no answer (err says why).
 */
static int imds_send(struct imds *m, const char *method, const char *path, const char *token,
		     struct ship_http_response *resp, struct ship_err *err)
{
	struct ship_buf url = SHIP_BUF_INIT(8192);
	struct ship_headers h;
	int rc = -1;

	memset(&h, 0, sizeof(h));
	ship_buf_addf(&url, "%s%s", m->base.data, path);
	if (url.failed ||
	    (token ? ship_headers_add(&h, "X-aws-ec2-metadata-token", token)
		   : ship_headers_add(&h, "X-aws-ec2-metadata-token-ttl-seconds", IMDS_TTL))) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	for (long i = 0; i < m->attempts; i++) {
		ship_http_response_release(resp);
		if (send_once(m->ctx, method, url.data, &h, m->timeout_ms, resp, err)) {
			if (err->code == SHIP_ERR_NOMEM || err->code == SHIP_ERR_INTERNAL)
				goto cleanup;
			continue;
		}
		rc = 0;
		if ((resp->status == 200 && resp->body.len) ||
		    (resp->status >= 400 && resp->status < 500))
			break;
	}
cleanup:
	ship_headers_release(&h);
	ship_buf_release(&url);
	return rc;
}

int ship_creds_from_imds(const struct ship_creds_ctx *ctx, struct ship_creds *out,
			 struct ship_err *err)
{
	struct imds m;
	struct ship_http_response resp;
	char *token = NULL, *role = NULL, source[sizeof(out->source)], path[512], body[201];
	const char *dis = env("AWS_EC2_METADATA_DISABLED");
	int rc = -1;

	if (dis && !ship_strcasecmp(dis, "true"))
		return 0;
	memset(&m, 0, sizeof(m));
	ship_buf_init(&m.base, 4096);
	ship_http_response_init(&resp);
	if (imds_config(&m, ctx, err))
		goto cleanup;

	/* 1. the session token; no answer (not on EC2) or IMDS turned off means "not here" */
	if (imds_send(&m, "PUT", "/latest/api/token", NULL, &resp, err)) {
		if (err->code == SHIP_ERR_NOMEM || err->code == SHIP_ERR_INTERNAL)
			goto cleanup;
		ship_err_clear(err);
		rc = 0;
		goto cleanup;
	}
	if (resp.status == 400) {
		ship_err_set(err, SHIP_ERR_CREDENTIALS,
			     "EC2 instance metadata: %s refused the token request (HTTP 400)",
			     m.base.data);
		goto cleanup;
	}
	if (resp.status != 200 || !resp.body.len) {
		rc = 0; /* 403/404/405: IMDSv2 turned off; IMDSv1 is not used */
		goto cleanup;
	}
	token = ship_strndup(resp.body.data, resp.body.len);
	if (!token)
		goto nomem;
	for (char *q = token; *q; q++)
		if (*q == '\r' || *q == '\n')
			*q = '\0';

	/* 2. the role name */
	if (imds_send(&m, "GET", "/latest/meta-data/iam/security-credentials/", token, &resp,
		      err)) {
		ship_err_prefix(err, "EC2 instance metadata (IMDSv2): reading the role name");
		goto cleanup;
	}
	if (resp.status == 404) {
		rc = 0; /* an instance without a role */
		goto cleanup;
	}
	if (resp.status != 200 || !resp.body.len) {
		excerpt(&resp.body, body, sizeof(body));
		ship_err_set(
		    err, SHIP_ERR_CREDENTIALS,
		    "EC2 instance metadata (IMDSv2): reading the role name: HTTP %ld%s%s%s",
		    resp.status, *body ? ": " : "", body,
		    resp.status == 401 ? " (the session token was refused)" : "");
		goto cleanup;
	}
	size_t rl = strcspn(resp.body.data, "\r\n");
	role = ship_strndup(resp.body.data, rl);
	if (!role)
		goto nomem;
	if (!*role || strpbrk(role, "/?#% ")) {
		ship_err_set(err, SHIP_ERR_PROTOCOL,
			     "EC2 instance metadata: unexpected role name '%.64s'", role);
		goto cleanup;
	}

	/* 3. its credentials */
	snprintf(path, sizeof(path), "/latest/meta-data/iam/security-credentials/%s", role);
	snprintf(source, sizeof(source), "EC2 instance metadata (IMDSv2, role '%s')", role);
	if (imds_send(&m, "GET", path, token, &resp, err)) {
		ship_err_prefix(err, "%s", source);
		goto cleanup;
	}
	if (resp.status != 200) {
		excerpt(&resp.body, body, sizeof(body));
		ship_err_set(err, SHIP_ERR_CREDENTIALS, "%s: HTTP %ld%s%s%s", source, resp.status,
			     *body ? ": " : "", body,
			     resp.status == 401 ? " (the session token was refused)" : "");
		goto cleanup;
	}
	if (creds_from_json(&resp.body, source, out, err))
		goto cleanup;
	rc = 1;
	goto cleanup;
nomem:
	ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
cleanup:
	ship_free(token);
	ship_free(role);
	ship_http_response_release(&resp);
	ship_buf_release(&m.base);
	return rc;
}
