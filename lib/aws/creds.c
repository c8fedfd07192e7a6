/* creds.c: STUB until the credentials work lands: environment only; see creds.h. */
#include <stdlib.h>
#include <string.h>

#include "ecship/creds.h"
#include "ecship/util.h"

void ship_creds_release(struct ship_creds *c)
{
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

int ship_creds_resolve(struct ship_aws *aws, struct ship_creds *out, struct ship_err *err)
{
	(void)aws;
	const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
	memset(out, 0, sizeof(*out));
	if (!ak || !sk)
		return ship_err_set(err, SHIP_ERR_CREDENTIALS, "no credentials found");
	struct ship_creds c = {(char *)ak, (char *)sk, getenv("AWS_SESSION_TOKEN"), 0, "environment"};
	return ship_creds_copy(out, &c, err);
}

const struct ship_creds *ship_creds_cache_get(struct ship_creds_cache *c, struct ship_aws *aws,
					      struct ship_err *err)
{
	if (!c->have) {
		if (ship_creds_resolve(aws, &c->current, err))
			return NULL;
		c->have = 1;
	}
	return &c->current;
}

void ship_creds_cache_release(struct ship_creds_cache *c)
{
	ship_creds_release(&c->current);
	c->have = 0;
}
