/*
 * redact.h: hides credential material in the --debug wire log: signatures, session and metadata
 * tokens, secret keys, passwords, and secret-looking values in JSON, XML and form bodies (ECS
 * environment entries, CloudFormation parameters, tags). Pure string functions; never prints.
 */
#ifndef ECSHIP_REDACT_H
#define ECSHIP_REDACT_H

#include "ecship/util.h"

#define SHIP_REDACTED "<redacted>"

/*
 * Whether a field name (JSON key, XML element, last part of a form key) holds a secret:
 * SecretAccessKey, SessionToken, Token, Password, WebIdentityToken, authorizationToken, ...
 * Pagination and idempotency tokens (NextToken, nextForwardToken, ClientToken) are not.
 */
int ship_redact_is_secret_field(const char *name, size_t len);
/* Whether a field holds an access key id (shown with its last 4 characters only). */
int ship_redact_is_key_id_field(const char *name, size_t len);
/*
 * Whether a user-chosen variable or parameter name looks like it names a secret (SECRET,
 * PASSWORD, PASSWD, TOKEN, KEY, CREDENTIAL, PRIVATE, AUTH, DSN, ...; case-insensitive), for
 * {"name": N, "value": V} entries and Key/Value pairs.
 */
int ship_redact_is_secret_name(const char *name, size_t len);

/* Appends "****" and the last 4 characters of an access key id (all hidden when short). */
int ship_redact_key_id(struct ship_buf *out, struct ship_str id);

/*
 * Appends the value of a header as it may be logged: SigV4 Authorization keeps algorithm,
 * credential scope (key id shortened) and signed headers but not the signature; other
 * Authorization values, X-Amz-Security-Token, X-aws-ec2-metadata-token, cookies are hidden.
 */
int ship_redact_header(struct ship_buf *out, const char *name, const char *value);

/* Appends a URL with presigning parameters and a userinfo password hidden. */
int ship_redact_url(struct ship_buf *out, const char *url);

enum ship_redact_flags {
	SHIP_REDACT_WHOLE = 1, /* the whole body is a secret (an IMDS session token) */
};

/*
 * Appends a redacted copy of a body. content_type (may be NULL) picks the format: JSON, XML or
 * form; without one the body is sniffed. Unparseable bodies get a conservative text scan.
 */
int ship_redact_body(struct ship_buf *out, struct ship_str body, const char *content_type,
		     int flags);

/* Replaces every occurrence of `secret` (at least 8 bytes long) in b with SHIP_REDACTED. */
int ship_redact_literal(struct ship_buf *b, const char *secret);

#endif
