/*
 * creds_sts.c: the providers that call STS: assume role from a profile (role_arn with
 * source_profile chains and cycle detection, or credential_source) and web identity
 * (AssumeRoleWithWebIdentity, unsigned, as GitHub Actions OIDC uses it). STS is reached only
 * through ctx->sts, so these run against a fake in tests. Never prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecship/aws.h"
#include "ecship/creds.h"
#include "ecship/profile.h"
#include "ecship/util.h"

#define MAX_ROLE_CHAIN 16
#define MAX_TOKEN_FILE ((size_t)64 << 10)

static const char *pget(const struct ship_creds_ctx *ctx, const char *profile, const char *key)
{
	const char *v = ship_aws_profile_get(ctx->config, profile, key);
	return v && *v ? v : NULL;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static double now_of(const struct ship_creds_ctx *ctx)
{
	const struct ship_clock *c = ctx->clock ? ctx->clock : ship_clock_system();
	return c->now(c->ctx);
}

static const xmlNode *find_elem(const xmlNode *n, const char *name)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)n->name, name))
			return n;
		const xmlNode *f = find_elem(n->children, name);
		if (f)
			return f;
	}
	return NULL;
}

/* The text of a child element, or NULL; caller xmlFree. */
static char *child_text(const xmlNode *parent, const char *name)
{
	for (const xmlNode *n = parent->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
			return (char *)xmlNodeGetContent(n);
	return NULL;
}

/* Calls STS and reads <Credentials> from the answer into out. */
static int sts_call(const struct ship_creds_ctx *ctx, const char *action,
		    const struct ship_params *params, const struct ship_creds *sign_with,
		    struct ship_creds *out, const char *source, struct ship_err *err)
{
	xmlDoc *doc = NULL;
	char *ak = NULL, *sk = NULL, *tok = NULL, *exp = NULL;
	int rc = -1;

	if (!ctx->sts)
		return ship_err_set(err, SHIP_ERR_INTERNAL, "%s: no STS client to call %s", source,
				    action);
	if (ctx->sts(ctx->sts_ctx, action, params, sign_with, &doc, err))
		return -1;
	const xmlNode *cred = doc ? find_elem(xmlDocGetRootElement(doc), "Credentials") : NULL;
	if (!cred) {
		ship_err_set(err, SHIP_ERR_PROTOCOL, "%s: the %s answer has no Credentials", source,
			     action);
		goto cleanup;
	}
	ak = child_text(cred, "AccessKeyId");
	sk = child_text(cred, "SecretAccessKey");
	tok = child_text(cred, "SessionToken");
	exp = child_text(cred, "Expiration");
	rc = ship_creds_set(out, ak, sk, tok, exp, err, "%s", source);
cleanup:
	xmlFree(ak);
	xmlFree(sk);
	xmlFree(tok);
	xmlFree(exp);
	xmlFreeDoc(doc);
	return rc;
}

static int add(struct ship_params *p, const char *k, const char *v)
{
	return ship_headers_add(&p->kv, k, v);
}

/* ---- web identity ---------------------------------------------------------------------------- */

/* A web identity setting: the environment variable first (when allowed), then the profile. */
static const char *wi_get(const struct ship_creds_ctx *ctx, const char *profile, int use_env,
			  const char *env_name, const char *key, int *from_env)
{
	const char *v = use_env ? env(env_name) : NULL;
	if (from_env)
		*from_env = v != NULL;
	return v ? v : pget(ctx, profile, key);
}

int ship_creds_from_web_identity(const struct ship_creds_ctx *ctx, const char *profile, int use_env,
				 struct ship_creds *out, struct ship_err *err)
{
	struct ship_params params;
	struct ship_buf tok = SHIP_BUF_INIT(MAX_TOKEN_FILE);
	char source[128], session[64];
	int file_env = 0, rc = -1;

	memset(&params, 0, sizeof(params));
	const char *file = wi_get(ctx, profile, use_env, "AWS_WEB_IDENTITY_TOKEN_FILE",
				  "web_identity_token_file", &file_env);
	if (!file)
		return 0;
	const char *role = wi_get(ctx, profile, use_env, "AWS_ROLE_ARN", "role_arn", NULL);
	const char *name =
	    wi_get(ctx, profile, use_env, "AWS_ROLE_SESSION_NAME", "role_session_name", NULL);
	if (file_env)
		snprintf(source, sizeof(source), "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)");
	else
		snprintf(source, sizeof(source), "web identity (profile '%s')", profile);
	if (!role)
		return ship_err_set(
		    err, SHIP_ERR_INPUT,
		    "%s: a web identity token file is set but no role; set AWS_ROLE_ARN "
		    "or role_arn in profile '%s'",
		    source, profile);
	if (ship_read_file(file, &tok)) {
		if (tok.failed)
			ship_err_set(err, SHIP_ERR_CREDENTIALS,
				     "web identity token file '%s' is larger than 64 KiB", file);
		else
			ship_err_set(err, SHIP_ERR_CREDENTIALS,
				     "cannot read web identity token file '%s': %s; check %s", file,
				     strerror(errno),
				     file_env ? "AWS_WEB_IDENTITY_TOKEN_FILE"
					      : "web_identity_token_file");
		goto cleanup;
	}
	while (tok.len && (tok.data[tok.len - 1] == '\n' || tok.data[tok.len - 1] == '\r' ||
			   tok.data[tok.len - 1] == ' ' || tok.data[tok.len - 1] == '\t'))
		ship_buf_truncate(&tok, tok.len - 1);
	if (!tok.len) {
		ship_err_set(err, SHIP_ERR_CREDENTIALS, "web identity token file '%s' is empty",
			     file);
		goto cleanup;
	}
	snprintf(session, sizeof(session), "ecship-%.0f", now_of(ctx));
	if (add(&params, "RoleArn", role) ||
	    add(&params, "RoleSessionName", name ? name : session) ||
	    add(&params, "WebIdentityToken", tok.data)) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	if (sts_call(ctx, "AssumeRoleWithWebIdentity", &params, NULL, out, source, err)) {
		ship_err_prefix(err, "%s: cannot assume role '%s'", source, role);
		goto cleanup;
	}
	rc = 1;
cleanup:
	ship_headers_release(&params.kv);
	ship_buf_release(&tok);
	return rc;
}

/* ---- assume role ----------------------------------------------------------------------------- */

struct visited {
	const char *v[MAX_ROLE_CHAIN];
	size_t n;
};

static int has_static(const struct ship_creds_ctx *ctx, const char *p)
{
	return pget(ctx, p, "aws_access_key_id") || pget(ctx, p, "aws_secret_access_key");
}

static int has_role(const struct ship_creds_ctx *ctx, const char *p)
{
	return pget(ctx, p, "role_arn") && !pget(ctx, p, "web_identity_token_file");
}

static int chain_error(struct visited *vis, const char *next, struct ship_err *err)
{
	struct ship_buf b = SHIP_BUF_INIT(512);
	for (size_t i = 0; i < vis->n; i++)
		ship_buf_addf(&b, "'%s' -> ", vis->v[i]);
	ship_buf_addf(&b, "'%s'", next);
	ship_err_set(
	    err, SHIP_ERR_INPUT,
	    "the source_profile chain %s loops; change a source_profile so that it ends at "
	    "a profile with keys",
	    b.data);
	ship_buf_release(&b);
	return -1;
}

static int assume_role(const struct ship_creds_ctx *ctx, const char *profile, struct visited *vis,
		       struct ship_creds *out, struct ship_err *err);

/* botocore's _resolve_credentials_from_profile. */
static int from_source_profile(const struct ship_creds_ctx *ctx, const char *parent,
			       const char *source, struct visited *vis, struct ship_creds *out,
			       struct ship_err *err)
{
	if (has_static(ctx, source) || !has_role(ctx, source)) {
		int r = ship_creds_from_profile(ctx, source, 0, out, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return ship_err_set(
			    err, SHIP_ERR_INPUT,
			    "source_profile '%s' of profile '%s' has no credentials; "
			    "add aws_access_key_id and aws_secret_access_key (or "
			    "credential_process) to it",
			    source, parent);
		return 0;
	}
	return assume_role(ctx, source, vis, out, err);
}

static int credential_source(const struct ship_creds_ctx *ctx, const char *profile,
			     const char *name, struct ship_creds *out, struct ship_err *err)
{
	int r;
	if (!ship_strcasecmp(name, "Environment"))
		r = ship_creds_from_env(out, err);
	else if (!ship_strcasecmp(name, "EcsContainer"))
		r = ship_creds_from_container(ctx, out, err);
	else if (!ship_strcasecmp(name, "Ec2InstanceMetadata"))
		r = ship_creds_from_imds(ctx, out, err);
	else
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "credential_source '%s' in profile '%s' is not valid; use "
				    "Environment, EcsContainer or Ec2InstanceMetadata",
				    name, profile);
	if (r < 0)
		return ship_err_prefix(err, "credential_source %s of profile '%s'", name, profile);
	if (r == 0)
		return ship_err_set(err, SHIP_ERR_CREDENTIALS,
				    "credential_source %s of profile '%s' found no credentials; "
				    "configure that source or use source_profile instead",
				    name, profile);
	return 0;
}

static int assume_role(const struct ship_creds_ctx *ctx, const char *profile, struct visited *vis,
		       struct ship_creds *out, struct ship_err *err)
{
	struct ship_creds src;
	struct ship_params params;
	char source[sizeof(out->source)], session[64];
	int rc = -1;

	memset(&src, 0, sizeof(src));
	memset(&params, 0, sizeof(params));
	const char *role = pget(ctx, profile, "role_arn");
	const char *sp = pget(ctx, profile, "source_profile");
	const char *cs = pget(ctx, profile, "credential_source");
	const char *mfa = pget(ctx, profile, "mfa_serial");
	const char *ext = pget(ctx, profile, "external_id");
	const char *name = pget(ctx, profile, "role_session_name");
	const char *dur = pget(ctx, profile, "duration_seconds");
	long seconds = 0;

	if (sp && cs)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "profile '%s' has both source_profile and credential_source; "
				    "keep one",
				    profile);
	if (!sp && !cs)
		return ship_err_set(
		    err, SHIP_ERR_INPUT,
		    "profile '%s' has role_arn but neither source_profile nor "
		    "credential_source; add one to say which credentials assume the "
		    "role",
		    profile);
	if (mfa)
		return ship_err_set(
		    err, SHIP_ERR_INPUT,
		    "profile '%s' needs an MFA code (mfa_serial), which ecship does not "
		    "prompt for; not supported: assume the role with 'aws sts "
		    "assume-role --serial-number ... --token-code ...' and export the "
		    "result, or use a credential_process that asks for the code",
		    profile);
	if (dur && ship_parse_long(dur, 900, 43200, &seconds))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "duration_seconds '%.32s' in profile '%s' must be a number of "
				    "seconds from 900 to 43200",
				    dur, profile);
	if (cs) {
		if (credential_source(ctx, profile, cs, &src, err))
			goto cleanup;
	} else {
		if (!ship_aws_config_has_profile(ctx->config, sp)) {
			ship_err_set(err, SHIP_ERR_INPUT,
				     "source_profile '%s' of profile '%s' does not exist; add a "
				     "[profile %s] section or fix the name",
				     sp, profile, sp);
			goto cleanup;
		}
		for (size_t i = 0; i < vis->n; i++) {
			if (strcmp(vis->v[i], sp))
				continue;
			/* A profile may name itself to take its own keys (botocore allows it). */
			if (strcmp(sp, profile) || !has_static(ctx, sp)) {
				chain_error(vis, sp, err);
				goto cleanup;
			}
		}
		if (vis->n == MAX_ROLE_CHAIN) {
			ship_err_set(err, SHIP_ERR_INPUT,
				     "the source_profile chain from profile '%s' is longer than %d "
				     "profiles; shorten it",
				     vis->v[0], MAX_ROLE_CHAIN);
			goto cleanup;
		}
		vis->v[vis->n++] = sp;
		if (from_source_profile(ctx, profile, sp, vis, &src, err))
			goto cleanup;
	}

	snprintf(source, sizeof(source), "profile '%s' (assume role %s)", profile, role);
	snprintf(session, sizeof(session), "ecship-%.0f", now_of(ctx));
	char secs[24];
	snprintf(secs, sizeof(secs), "%ld", seconds);
	if (add(&params, "RoleArn", role) ||
	    add(&params, "RoleSessionName", name ? name : session) ||
	    (ext && add(&params, "ExternalId", ext)) ||
	    (seconds && add(&params, "DurationSeconds", secs))) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	if (sts_call(ctx, "AssumeRole", &params, &src, out, source, err)) {
		ship_err_prefix(err,
				"profile '%s': cannot assume role '%s' with the credentials "
				"from %s",
				profile, role, src.source);
		goto cleanup;
	}
	rc = 0;
cleanup:
	ship_headers_release(&params.kv);
	ship_creds_release(&src);
	return rc;
}

int ship_creds_from_assume_role(const struct ship_creds_ctx *ctx, const char *profile,
				struct ship_creds *out, struct ship_err *err)
{
	struct visited vis;
	if (!has_role(ctx, profile))
		return 0;
	vis.n = 1;
	vis.v[0] = profile;
	return assume_role(ctx, profile, &vis, out, err) ? -1 : 1;
}
