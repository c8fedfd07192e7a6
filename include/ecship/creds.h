/*
 * creds.h: AWS credentials and the provider chain, in the AWS CLI's (botocore's) order:
 * environment, assume role from the profile, web identity, the shared credentials file,
 * credential_process, static keys in the config file, ECS container credentials, EC2 IMDSv2.
 * The chain reaches STS and HTTP only through the function pointers of struct ship_creds_ctx,
 * so every provider can be tested without a client; ship_creds_resolve wires in a ship_aws.
 */
#ifndef ECSHIP_CREDS_H
#define ECSHIP_CREDS_H

#include <libxml/tree.h>

#include "ecship/clock.h"
#include "ecship/err.h"
#include "ecship/http.h"

struct ship_creds {
	char *access_key;
	char *secret_key;
	char *session_token; /* NULL when none */
	double expires;	     /* epoch seconds; 0 when they do not expire */
	/* Where they came from, in words: "environment", "web identity
	 * (AWS_WEB_IDENTITY_TOKEN_FILE)", "profile 'dev' (assume role arn:...)",
	 * "credential_process of profile 'ci'", "shared credentials file, profile 'default'", "ECS
	 * container credentials", ... */
	char source[256];
};

void ship_creds_release(struct ship_creds *c); /* accepts a zeroed or released struct */
int ship_creds_copy(struct ship_creds *dst, const struct ship_creds *src, struct ship_err *err);
/*
 * Fills out (overwritten, never read) from strings: token and expiration may be NULL or "",
 * expiration is ISO 8601 (see ship_creds_parse_time); source is a printf format.
 * SHIP_ERR_CREDENTIALS (prefixed with the source) when a key is missing or the time cannot be read.
 */
int ship_creds_set(struct ship_creds *out, const char *access_key, const char *secret_key,
		   const char *token, const char *expiration, struct ship_err *err,
		   const char *source_fmt, ...) SHIP_PRINTF(7, 8);

struct ship_aws;

/*
 * Runs the chain for the client's profile and fills out (which the caller releases). STS calls
 * (AssumeRole, AssumeRoleWithWebIdentity) go through aws. SHIP_ERR_CREDENTIALS when none found,
 * with a message that lists what was tried and what to do; SHIP_ERR_INPUT for a profile that
 * does not exist or is misconfigured.
 */
int ship_creds_resolve(struct ship_aws *aws, struct ship_creds *out, struct ship_err *err);

/*
 * A cache of the client's credentials: get() returns the cached ones, resolving them on first use
 * and again when they expire within 5 minutes (time from the client's clock), because waits can
 * be long. When a refresh fails while the cached ones have not yet expired, those are returned.
 * The result is borrowed until the next get() or release.
 */
struct ship_creds_cache {
	struct ship_creds current;
	int have;
};
const struct ship_creds *ship_creds_cache_get(struct ship_creds_cache *c, struct ship_aws *aws,
					      struct ship_err *err);
void ship_creds_cache_release(struct ship_creds_cache *c);

/* ---- parts, public for the client and for tests ---------------------------------------------- */

#define SHIP_CREDS_REFRESH_WINDOW 300.0 /* seconds before expiry when credentials are renewed */

/* Whether credentials must be (re)resolved at time now: none yet, or expiring within the window. */
int ship_creds_need_refresh(const struct ship_creds *c, int have, double now);

/* Resolves credentials into out; for ship_creds_cache_refresh. */
typedef int (*ship_creds_resolve_fn)(void *ctx, struct ship_creds *out, struct ship_err *err);
/* The cache logic of ship_creds_cache_get with the resolver and the time passed in. */
const struct ship_creds *ship_creds_cache_refresh(struct ship_creds_cache *c, double now,
						  ship_creds_resolve_fn resolve, void *ctx,
						  struct ship_err *err);

/*
 * Parses an ISO 8601 / RFC 3339 time as AWS writes it ("2026-11-28T19:31:04Z", with fractions,
 * a space for the T, or an offset "+09:00"; no zone means UTC) to epoch seconds. 0 ok, -1 not.
 */
int ship_creds_parse_time(const char *s, double *out);
/* Formats epoch seconds as "2026-11-28T19:31:04Z" (buf at least 21 bytes). */
void ship_creds_format_time(double t, char *buf, size_t n);

struct ship_params;
struct ship_aws_config;

/*
 * One STS Query call (action "AssumeRole" or "AssumeRoleWithWebIdentity"): signed with sign_with,
 * or unsigned when it is NULL. On success *response is the XML answer (caller xmlFreeDoc).
 */
typedef int (*ship_creds_sts_fn)(void *ctx, const char *action, const struct ship_params *params,
				 const struct ship_creds *sign_with, xmlDoc **response,
				 struct ship_err *err);

/* Everything the providers take from outside besides the environment variables. */
struct ship_creds_ctx {
	const char *profile;  /* the selected profile ("default") */
	int profile_explicit; /* given with --profile: environment keys are skipped */
	const struct ship_aws_config *config; /* the shared files; NULL when there are none */
	const struct ship_clock *clock;	      /* NULL: the system clock */
	ship_transport_fn http;		      /* container and IMDS requests; NULL: none */
	void *http_ctx;
	ship_creds_sts_fn sts; /* STS calls; NULL: assume role and web identity fail */
	void *sts_ctx;
	long process_timeout_ms; /* credential_process time limit; 0: 300000 */
};

/* The whole chain for ctx->profile (ship_creds_resolve without a client). */
int ship_creds_chain(const struct ship_creds_ctx *ctx, struct ship_creds *out,
		     struct ship_err *err);

/*
 * The providers one by one. Each returns 1 when it filled out (overwritten, never read), 0 when
 * it is not configured (out untouched) and -1 with err when it is configured but failed.
 */
/* AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION. */
int ship_creds_from_env(struct ship_creds *out, struct ship_err *err);
/* role_arn with source_profile or credential_source in the profile, through STS AssumeRole. */
int ship_creds_from_assume_role(const struct ship_creds_ctx *ctx, const char *profile,
				struct ship_creds *out, struct ship_err *err);
/*
 * AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME] (unless use_env is 0), or
 * the profile's web_identity_token_file + role_arn, through STS AssumeRoleWithWebIdentity.
 */
int ship_creds_from_web_identity(const struct ship_creds_ctx *ctx, const char *profile, int use_env,
				 struct ship_creds *out, struct ship_err *err);
/*
 * The profile-based providers after assume role, in order: web identity, (SSO: an error saying
 * what to do instead), shared credentials file, credential_process, config file keys.
 */
int ship_creds_from_profile(const struct ship_creds_ctx *ctx, const char *profile, int use_env,
			    struct ship_creds *out, struct ship_err *err);
/* The profile's credential_process, run without a shell; JSON Version 1 on its stdout. */
int ship_creds_from_process(const struct ship_creds_ctx *ctx, const char *profile,
			    struct ship_creds *out, struct ship_err *err);
/* Runs one credential_process command line (source names it in messages). */
int ship_creds_run_process(const char *command, const char *source, long timeout_ms,
			   const struct ship_clock *clock, struct ship_creds *out,
			   struct ship_err *err);
/* AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE].
 */
int ship_creds_from_container(const struct ship_creds_ctx *ctx, struct ship_creds *out,
			      struct ship_err *err);
/* EC2 instance metadata, IMDSv2 only; 0 when disabled or when nothing answers. */
int ship_creds_from_imds(const struct ship_creds_ctx *ctx, struct ship_creds *out,
			 struct ship_err *err);
/* Whether a full container credentials URL may be used (https, loopback, ECS/EKS hosts). */
int ship_creds_container_url_allowed(const char *url);

#endif
