/*
 * sigv4.h (private): the stages of AWS Signature Version 4 over one state struct, each result in
 * its own buffer so tests can check every stage alone (canonical request, string to sign, signing
 * key, signature, authorization). lib/aws/sigv4.c builds ship_sigv4_sign/_presign from them.
 * Also the URI helpers of uri.c that only the signer and tests use. Depends on util and err only.
 */
#ifndef ECSHIP_PRIVATE_SIGV4_H
#define ECSHIP_PRIVATE_SIGV4_H

#include <time.h>

#include "ecship/err.h"
#include "ecship/sigv4.h"
#include "ecship/util.h"

#define SHIP_SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SHIP_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHIP_SIGV4_MAX_EXPIRES 604800L /* seven days, the most AWS accepts */

/* ---- uri.c ---------------------------------------------------------------------------------- */

/* Decoding is ship_pct_decode (flags 0: '+' stays '+') and ship_pct_is_escape in text.h. */

/* ---- stages --------------------------------------------------------------------------------- */

enum ship_sigv4_form {
	SHIP_SIGV4_FORM_HEADER, /* Authorization header */
	SHIP_SIGV4_FORM_QUERY,	/* X-Amz-* query parameters (presigned URL) */
};

/* A header as the signer sees it: borrowed name and value. */
struct ship_sigv4_header {
	struct ship_str name, value;
};

struct ship_sigv4_state {
	const struct ship_sigv4_params *p; /* borrowed */
	enum ship_sigv4_form form;
	long expires;			/* query form: X-Amz-Expires */
	char amz_date[17];		/* 20150830T123600Z */
	char payload_hash[72];		/* hex SHA-256 or a marker such as UNSIGNED-PAYLOAD */
	struct ship_buf scope;		/* 20150830/us-east-1/service/aws4_request */
	struct ship_buf signed_headers; /* host;x-amz-date */
	struct ship_buf canonical_request;
	struct ship_buf string_to_sign;
	unsigned char signing_key[32];
	char signature[65];	       /* lowercase hex */
	struct ship_buf authorization; /* header form: the Authorization value; query form: the
					  parameters to append to the URL's query */
};

/*
 * Starts a signing: checks the parameters, formats the date and the credential scope. expires is
 * used by the query form only. Release with ship_sigv4_state_release even when this fails.
 */
int ship_sigv4_state_init(struct ship_sigv4_state *st, const struct ship_sigv4_params *p,
			  enum ship_sigv4_form form, long expires, struct ship_err *err);
void ship_sigv4_state_release(struct ship_sigv4_state *st);

/* Hex SHA-256 of data into out (65 bytes). 0 or -1. */
int ship_sigv4_sha256_hex(struct ship_str data, char out[65]);

/*
 * Stage 1. url is absolute and encoded as it will be sent; headers are exactly the headers that
 * will be sent (the header form expects X-Amz-Date and the token already among them; Host is
 * derived from url when missing). payload_hash NULL: SHA-256 of body. Fills signed_headers and
 * canonical_request.
 */
int ship_sigv4_canonical_request(struct ship_sigv4_state *st, const char *method, const char *url,
				 const struct ship_sigv4_header *headers, size_t nheaders,
				 struct ship_str body, const char *payload_hash,
				 struct ship_err *err);
/* Stage 2: string_to_sign from canonical_request. */
int ship_sigv4_string_to_sign(struct ship_sigv4_state *st, struct ship_err *err);
/* Stage 3: signing_key from the secret key, date, region and service. */
int ship_sigv4_signing_key(struct ship_sigv4_state *st, struct ship_err *err);
/* Stage 4: signature from signing_key and string_to_sign. */
int ship_sigv4_signature(struct ship_sigv4_state *st, struct ship_err *err);
/* Stage 5: authorization (header value or query parameters). */
int ship_sigv4_authorization(struct ship_sigv4_state *st, struct ship_err *err);

/*
 * ship_sigv4_sign and ship_sigv4_presign, leaving every intermediate result in st (initialised
 * here; release it afterwards whatever the result).
 */
int ship_sigv4_sign_state(struct ship_sigv4_state *st, const struct ship_sigv4_params *p,
			  const char *method, const char *url, struct ship_headers *headers,
			  struct ship_str body, struct ship_err *err);
int ship_sigv4_presign_state(struct ship_sigv4_state *st, const struct ship_sigv4_params *p,
			     const char *method, const char *url,
			     const struct ship_headers *headers, long expires,
			     struct ship_buf *signed_url, struct ship_err *err);

/* ---- pieces of stage 1, exposed for tests ------------------------------------------------- */

/* The canonical URI of an encoded path (see sigv4.c for the two modes). */
int ship_sigv4_canonical_uri(struct ship_buf *out, struct ship_str path, int normalize);
/* botocore's dot-segment and duplicate-slash removal (see sigv4.c for how it differs from RFC
 * 3986). */
int ship_sigv4_remove_dot_segments(struct ship_buf *out, struct ship_str path);
/*
 * The canonical query string of an encoded query (without '?'), with extra decoded name/value
 * pairs (names[i], values[i]) merged in. Pairs decoded and re-encoded, sorted by name then value.
 */
int ship_sigv4_canonical_query(struct ship_buf *out, struct ship_str query,
			       const struct ship_str *names, const struct ship_str *values,
			       size_t nextra);
/* Appends value with leading and trailing whitespace removed and inner runs turned into one space.
 */
int ship_sigv4_trim_value(struct ship_buf *out, struct ship_str value);
/* 1 for headers never signed (hop-by-hop, user-agent, ...), as botocore. */
int ship_sigv4_header_unsigned(struct ship_str lowercase_name);

/*
 * Splits an absolute URL (scheme://authority/path?query#fragment) into views; path is empty when
 * the URL has none. host gets the Host header value: lowercase, userinfo and default port removed.
 */
struct ship_sigv4_url {
	struct ship_str scheme, authority, path, query;
	int has_query;
	size_t end; /* offset of '#' or the end: where the sent URL stops */
};
int ship_sigv4_parse_url(const char *url, struct ship_sigv4_url *u);
int ship_sigv4_host(struct ship_buf *out, const struct ship_sigv4_url *u);

#endif
