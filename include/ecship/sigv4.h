/*
 * sigv4.h: AWS Signature Version 4 (header signing and presigned query strings). The stages
 * (canonical request, string to sign, signing key, signature) are in lib/private/sigv4.h for
 * tests; the date is always passed in. Depends on OpenSSL libcrypto and util only.
 */
#ifndef ECSHIP_SIGV4_H
#define ECSHIP_SIGV4_H

#include <time.h>

#include "ecship/err.h"
#include "ecship/http.h"

struct ship_sigv4_params {
	const char *access_key;
	const char *secret_key;
	const char *session_token; /* NULL or "" when none */
	const char *region;
	const char *service;       /* signing name, e.g. "ecs", "elasticloadbalancing" */
	time_t when;               /* signing time, UTC */
	int normalize_path;        /* remove dot segments and double slashes (all services but S3) */
	int sign_body_header;      /* add x-amz-content-sha256 */
	int omit_session_token;    /* add X-Amz-Security-Token after signing (a few services want it so) */
};

/*
 * Signs a request in place: adds X-Amz-Date, X-Amz-Security-Token (when a token is given) and
 * Authorization to headers, and Host when missing. url is absolute and already percent-encoded
 * as it will be sent.
 */
int ship_sigv4_sign(const struct ship_sigv4_params *p, const char *method, const char *url,
		    struct ship_headers *headers, struct ship_str body, struct ship_err *err);

/* Presigns: appends X-Amz-* query parameters with the signature to url (for expires seconds). */
int ship_sigv4_presign(const struct ship_sigv4_params *p, const char *method, const char *url,
		       const struct ship_headers *headers, long expires, struct ship_buf *signed_url,
		       struct ship_err *err);

#endif
