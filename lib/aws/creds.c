/*
 * creds.c: the credential chain in botocore's order, the environment and shared-file providers,
 * the refresh cache and the "nothing found" message. STS and HTTP providers are in creds_sts.c,
 * creds_http.c and creds_process.c. Reaches the client (aws.h) only in ship_creds_resolve and
 * ship_creds_cache_get; never prints.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecship/aws.h"
#include "ecship/creds.h"
#include "ecship/profile.h"
#include "ecship/util.h"

void ship_creds_release(struct ship_creds *c)
{
	if (!c)
		return;
	ship_free(c->access_key);
	ship_free(c->secret_key);
	ship_free(c->session_token);
	memset(c, 0, sizeof(*c));
}

int ship_creds_copy(struct ship_creds *dst, const struct ship_creds *src, struct ship_err *err)
{
	memset(dst, 0, sizeof(*dst));
	dst->access_key = ship_strdup(src->access_key);
	dst->secret_key = ship_strdup(src->secret_key);
	dst->session_token = ship_strdup(src->session_token);
	dst->expires = src->expires;
	memcpy(dst->source, src->source, sizeof(dst->source));
	if (!dst->access_key || !dst->secret_key || (src->session_token && !dst->session_token)) {
		ship_creds_release(dst);
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	return 0;
}

/* ---- time ------------------------------------------------------------------------------------ */

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int ship_creds_parse_time(const char *s, double *out)
{
	int Y, M, D, h, m, sec, oh = 0, om = 0;
	double frac = 0;
	long offset = 0;
	if (!s)
		return -1;
	const char *p = s;
	if (digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) || *p++ != '-' ||
	    digits(&p, 2, &D))
		return -1;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m) || *p++ != ':' ||
	    digits(&p, 2, &sec))
		return -1;
	if (*p == '.' || *p == ',') {
		double scale = 0.1;
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			frac += (*p++ - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, 2, &oh))
			return -1;
		if (*p == ':')
			p++;
		if (*p && digits(&p, 2, &om))
			return -1;
		if (oh > 23 || om > 59)
			return -1;
		offset = sign * (oh * 3600L + om * 60L);
	}
	if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -1;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = (double)t - (double)offset + frac;
	return 0;
}

void ship_creds_format_time(double t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "%.0f", t);
}

static double ctx_now(const struct ship_creds_ctx *ctx)
{
	const struct ship_clock *c = ctx && ctx->clock ? ctx->clock : ship_clock_system();
	return c->now(c->ctx);
}

/* ---- building credentials -------------------------------------------------------------------- */

int ship_creds_set(struct ship_creds *out, const char *access_key, const char *secret_key,
		   const char *token, const char *expiration, struct ship_err *err,
		   const char *source_fmt, ...)
{
	char source[sizeof(out->source)];
	va_list ap;
	va_start(ap, source_fmt);
	vsnprintf(source, sizeof(source), source_fmt, ap);
	va_end(ap);

	memset(out, 0, sizeof(*out));
	if (!access_key || !*access_key)
		return ship_err_set(err, SHIP_ERR_CREDENTIALS, "%s: no access key id in the answer",
				    source);
	if (!secret_key || !*secret_key)
		return ship_err_set(err, SHIP_ERR_CREDENTIALS,
				    "%s: no secret access key in the answer", source);
	double expires = 0;
	if (expiration && *expiration && ship_creds_parse_time(expiration, &expires))
		return ship_err_set(
		    err, SHIP_ERR_CREDENTIALS,
		    "%s: cannot read the expiration time '%.64s'; it must be ISO 8601 "
		    "such as 2026-01-02T03:04:05Z",
		    source, expiration);
	out->access_key = ship_strdup(access_key);
	out->secret_key = ship_strdup(secret_key);
	out->session_token = token && *token ? ship_strdup(token) : NULL;
	if (!out->access_key || !out->secret_key || (token && *token && !out->session_token)) {
		ship_creds_release(out);
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	out->expires = expires;
	memcpy(out->source, source, sizeof(out->source));
	return 0;
}

/* ---- environment ----------------------------------------------------------------------------- */

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int ship_creds_from_env(struct ship_creds *out, struct ship_err *err)
{
	const char *ak = env("AWS_ACCESS_KEY_ID");
	if (!ak)
		return 0;
	const char *sk = env("AWS_SECRET_ACCESS_KEY");
	if (!sk)
		return ship_err_set(
		    err, SHIP_ERR_CREDENTIALS,
		    "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set "
		    "both, or unset AWS_ACCESS_KEY_ID to use another source");
	const char *token = env("AWS_SECURITY_TOKEN");
	if (!token)
		token = env("AWS_SESSION_TOKEN");
	const char *exp = env("AWS_CREDENTIAL_EXPIRATION");
	double t;
	if (exp && ship_creds_parse_time(exp, &t))
		return ship_err_set(
		    err, SHIP_ERR_CREDENTIALS,
		    "AWS_CREDENTIAL_EXPIRATION '%.64s' is not an ISO 8601 time such as "
		    "2026-01-02T03:04:05Z; fix or unset it",
		    exp);
	if (ship_creds_set(out, ak, sk, token, exp, err, "environment"))
		return -1;
	return 1;
}

/* ---- shared files ---------------------------------------------------------------------------- */

typedef const char *(*lookup_fn)(const struct ship_aws_config *c, const char *profile,
				 const char *key);

/* Static keys of a profile in one of the files (aws_security_token before aws_session_token). */
static int from_file_keys(const struct ship_creds_ctx *ctx, const char *profile, lookup_fn get,
			  const char *file, const char *path, struct ship_creds *out,
			  struct ship_err *err)
{
	const char *ak = get(ctx->config, profile, "aws_access_key_id");
	if (!ak)
		return 0;
	const char *sk = get(ctx->config, profile, "aws_secret_access_key");
	if (!sk || !*sk)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "profile '%s' in %s '%s' has aws_access_key_id but no "
				    "aws_secret_access_key; add it",
				    profile, file, path);
	const char *token = get(ctx->config, profile, "aws_security_token");
	if (!token)
		token = get(ctx->config, profile, "aws_session_token");
	if (!*ak)
		return ship_err_set(
		    err, SHIP_ERR_INPUT,
		    "profile '%s' in %s '%s' has an empty aws_access_key_id; fill it in", profile,
		    file, path);
	if (ship_creds_set(out, ak, sk, token, NULL, err, "%s, profile '%s'", file, profile))
		return -1;
	return 1;
}

int ship_creds_from_profile(const struct ship_creds_ctx *ctx, const char *profile, int use_env,
			    struct ship_creds *out, struct ship_err *err)
{
	int r = ship_creds_from_web_identity(ctx, profile, use_env, out, err);
	if (r)
		return r;
	const struct ship_aws_config *c = ctx->config;
	if (ship_aws_profile_get(c, profile, "sso_start_url") ||
	    ship_aws_profile_get(c, profile, "sso_session"))
		return ship_err_set(
		    err, SHIP_ERR_CREDENTIALS,
		    "profile '%s' uses IAM Identity Center (SSO), which ecship does not "
		    "read itself; run 'aws sso login --profile %s' and add "
		    "'credential_process = aws configure export-credentials --profile "
		    "%s --format process' to a profile that you then use with ecship",
		    profile, profile, profile);
	r = from_file_keys(ctx, profile, ship_aws_credfile_get, "shared credentials file",
			   ship_aws_credfile_path(c), out, err);
	if (r)
		return r;
	r = ship_creds_from_process(ctx, profile, out, err);
	if (r)
		return r;
	return from_file_keys(ctx, profile, ship_aws_config_get, "config file",
			      ship_aws_config_path(c), out, err);
}

/* ---- the chain ------------------------------------------------------------------------------- */

static void not_found(const struct ship_creds_ctx *ctx, struct ship_err *err)
{
	struct ship_buf b = SHIP_BUF_INIT(sizeof(err->message) * 2);
	const struct ship_aws_config *c = ctx->config;
	const char *profile = ctx->profile;
	const char *imds = getenv("AWS_EC2_METADATA_DISABLED");

	ship_buf_adds(&b, "no AWS credentials found; tried: ");
	if (ctx->profile_explicit)
		ship_buf_adds(&b, "environment (skipped because --profile was given), ");
	else
		ship_buf_adds(&b, "environment (AWS_ACCESS_KEY_ID not set), ");
	if (!ctx->profile_explicit && !env("AWS_WEB_IDENTITY_TOKEN_FILE"))
		ship_buf_adds(&b, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set), ");
	ship_buf_addf(&b, "profile '%s' ", profile);
	if (ship_aws_config_has_profile(c, profile))
		ship_buf_adds(&b,
			      "(no keys, role_arn, web_identity_token_file or credential_process)");
	else
		ship_buf_addf(&b, "(not in '%s' or '%s')", ship_aws_credfile_path(c),
			      ship_aws_config_path(c));
	ship_buf_adds(&b, ", container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
			  "_FULL_URI not set), EC2 instance metadata ");
	if (imds && !ship_strcasecmp(imds, "true"))
		ship_buf_adds(&b, "(disabled by AWS_EC2_METADATA_DISABLED)");
	else
		ship_buf_adds(&b, "(no answer)");
	ship_buf_adds(&b,
		      "; to fix: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run 'aws "
		      "configure' and choose the profile with --profile or AWS_PROFILE, or in "
		      "GitHub Actions use OIDC (permissions 'id-token: write' and "
		      "aws-actions/configure-aws-credentials with role-to-assume)");
	ship_err_set(err, SHIP_ERR_CREDENTIALS, "%s", b.data);
	ship_buf_release(&b);
}

static int check_expiry(const struct ship_creds_ctx *ctx, struct ship_creds *out,
			struct ship_err *err)
{
	if (out->expires == 0 || out->expires > ctx_now(ctx))
		return 0;
	char when[32];
	ship_creds_format_time(out->expires, when, sizeof(when));
	ship_err_set(err, SHIP_ERR_CREDENTIALS,
		     "the credentials from %s expired at %s; renew them at their source",
		     out->source, when);
	ship_creds_release(out);
	return -1;
}

int ship_creds_chain(const struct ship_creds_ctx *ctx, struct ship_creds *out, struct ship_err *err)
{
	const char *profile = ctx->profile && *ctx->profile ? ctx->profile : "default";
	struct ship_creds_ctx c = *ctx;
	int r;

	c.profile = profile;
	memset(out, 0, sizeof(*out));
	if (strcmp(profile, "default") && !ship_aws_config_has_profile(ctx->config, profile))
		return ship_err_set(
		    err, SHIP_ERR_INPUT,
		    "profile '%s' not found in '%s' or '%s'; check the name, or create "
		    "it with 'aws configure --profile %s'",
		    profile, ship_aws_config_path(ctx->config), ship_aws_credfile_path(ctx->config),
		    profile);
	r = c.profile_explicit ? 0 : ship_creds_from_env(out, err);
	if (!r)
		r = ship_creds_from_assume_role(&c, profile, out, err);
	if (!r)
		r = ship_creds_from_profile(&c, profile, !c.profile_explicit, out, err);
	if (!r)
		r = ship_creds_from_container(&c, out, err);
	if (!r)
		r = ship_creds_from_imds(&c, out, err);
	if (r < 0)
		return -1;
	if (r == 0) {
		not_found(&c, err);
		return -1;
	}
	return check_expiry(&c, out, err);
}

/* ---- the client's chain and cache ------------------------------------------------------------ */

static int sts_via_aws(void *ctx, const char *action, const struct ship_params *params,
		       const struct ship_creds *sign_with, xmlDoc **response, struct ship_err *err)
{
	struct ship_call_opts o;
	memset(&o, 0, sizeof(o));
	o.creds = sign_with;
	o.anonymous = sign_with == NULL;
	return ship_aws_query(ctx, SHIP_SVC_STS, action, params, response, &o, err);
}

static int http_via_aws(void *ctx, const struct ship_http_request *req,
			struct ship_http_response *resp, struct ship_err *err)
{
	return ship_aws_http(ctx, req, resp, err);
}

int ship_creds_resolve(struct ship_aws *aws, struct ship_creds *out, struct ship_err *err)
{
	struct ship_creds_ctx ctx;
	struct ship_aws_config *own = NULL;
	const char *env_profile = env("AWS_PROFILE");

	memset(&ctx, 0, sizeof(ctx));
	memset(out, 0, sizeof(*out));
	ctx.profile = ship_aws_profile(aws);
	if (!ctx.profile || !*ctx.profile)
		ctx.profile = "default";
	/*
	 * aws.h does not say whether the profile came from --profile; one that differs from what
	 * AWS_PROFILE (or the default) would give can only have been given explicitly.
	 */
	ctx.profile_explicit = strcmp(ctx.profile, env_profile ? env_profile : "default") != 0;
	ctx.config = ship_aws_config(aws);
	if (!ctx.config) {
		own = ship_aws_config_load(err);
		if (!own)
			return -1;
		ctx.config = own;
	}
	ctx.clock = ship_aws_clock(aws);
	ctx.http = http_via_aws;
	ctx.http_ctx = aws;
	ctx.sts = sts_via_aws;
	ctx.sts_ctx = aws;
	int rc = ship_creds_chain(&ctx, out, err);
	ship_aws_config_destroy(own);
	return rc;
}

int ship_creds_need_refresh(const struct ship_creds *c, int have, double now)
{
	if (!have)
		return 1;
	return c->expires != 0 && c->expires - now < SHIP_CREDS_REFRESH_WINDOW;
}

const struct ship_creds *ship_creds_cache_refresh(struct ship_creds_cache *c, double now,
						  ship_creds_resolve_fn resolve, void *ctx,
						  struct ship_err *err)
{
	struct ship_creds fresh;
	if (!ship_creds_need_refresh(&c->current, c->have, now))
		return &c->current;
	memset(&fresh, 0, sizeof(fresh));
	if (resolve(ctx, &fresh, err)) {
		ship_creds_release(&fresh);
		if (c->have && c->current.expires > now) {
			ship_err_clear(err); /* still valid: try again on the next call */
			return &c->current;
		}
		return NULL;
	}
	ship_creds_release(&c->current);
	c->current = fresh;
	c->have = 1;
	return &c->current;
}

static int resolve_via_aws(void *ctx, struct ship_creds *out, struct ship_err *err)
{
	return ship_creds_resolve(ctx, out, err);
}

const struct ship_creds *ship_creds_cache_get(struct ship_creds_cache *c, struct ship_aws *aws,
					      struct ship_err *err)
{
	const struct ship_clock *clock = ship_aws_clock(aws);
	if (!clock)
		clock = ship_clock_system();
	return ship_creds_cache_refresh(c, clock->now(clock->ctx), resolve_via_aws, aws, err);
}

void ship_creds_cache_release(struct ship_creds_cache *c)
{
	if (!c)
		return;
	ship_creds_release(&c->current);
	c->have = 0;
}
