/*
 * creds.h: AWS credentials and the provider chain, in the AWS CLI's order: environment, web
 * identity, shared config/credentials files (static keys, role_arn + source_profile,
 * credential_process), ECS container credentials, EC2 IMDSv2.
 */
#ifndef ECSHIP_CREDS_H
#define ECSHIP_CREDS_H

#include "ecship/err.h"

struct ship_creds {
	char *access_key;
	char *secret_key;
	char *session_token; /* NULL when none */
	double expires;      /* epoch seconds; 0 when they do not expire */
	char source[96];     /* e.g. "environment", "web-identity", "profile dev (assume-role)" */
};

void ship_creds_release(struct ship_creds *c); /* accepts a zeroed or released struct */
int ship_creds_copy(struct ship_creds *dst, const struct ship_creds *src, struct ship_err *err);

struct ship_aws;

/*
 * Runs the chain for the client's profile and fills out (which the caller releases). STS calls
 * (AssumeRole, AssumeRoleWithWebIdentity) go through aws. SHIP_ERR_CREDENTIALS when none found,
 * with a message that lists what was tried and what to do.
 */
int ship_creds_resolve(struct ship_aws *aws, struct ship_creds *out, struct ship_err *err);

/*
 * A cache of the client's credentials: get() returns the cached ones, resolving them on first use
 * and again when they expire within 5 minutes (time from the client's clock), because waits can
 * be long. The result is borrowed until the next get() or release.
 */
struct ship_creds_cache {
	struct ship_creds current;
	int have;
};
const struct ship_creds *ship_creds_cache_get(struct ship_creds_cache *c, struct ship_aws *aws,
					      struct ship_err *err);
void ship_creds_cache_release(struct ship_creds_cache *c);

#endif
