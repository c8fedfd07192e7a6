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
	const char *service;	  /* signing name, e.g. "ecs", "elasticloadbalancing" */
	time_t when;		  /* signing time, UTC */
	int normalize_path;	  /* remove dot segments and double slashes (all services but S3) */
	int sign_body_header;	  /* add x-amz-content-sha256 */
	int omit_session_token;	  /* add X-Amz-Security-Token after signing (a few services want it
				     so) */
	const char *payload_hash; /* NULL: hex SHA-256 of the body (presign: of an empty body); else
				     used as given, e.g. SHIP_SIGV4_UNSIGNED_PAYLOAD */
};

#define SHIP_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

/*
 * Signs a request in place: adds X-Amz-Date, X-Amz-Security-Token (when a token is given) and
 * Authorization to headers, and Host when missing. url is absolute and already percent-encoded
 * as it will be sent. Earlier Authorization, X-Amz-Date and X-Amz-Security-Token headers (and
 * x-amz-content-sha256 with sign_body_header) are replaced, so a retry signs again in place.
 * Without sign_body_header, an x-amz-content-sha256 header already present is the payload hash.
 * User-Agent and hop-by-hop headers (Connection, Expect, Transfer-Encoding, ...) are not signed.
 * On failure headers may hold part of the additions; do not send them.
 */
int ship_sigv4_sign(const struct ship_sigv4_params *p, const char *method, const char *url,
		    struct ship_headers *headers, struct ship_str body, struct ship_err *err);

/*
 * Presigns: writes url (without any fragment) with the X-Amz-* query parameters and the signature
 * appended to signed_url, valid for expires seconds (1 to 604800). Signs Host (from url when not
 * in headers) and the given headers, which must then be sent unchanged.
 */
int ship_sigv4_presign(const struct ship_sigv4_params *p, const char *method, const char *url,
		       const struct ship_headers *headers, long expires,
		       struct ship_buf *signed_url, struct ship_err *err);

#endif
