/*
 * sigv4.c: AWS Signature Version 4 in stages (lib/private/sigv4.h) and the two public entry points,
 * header signing and presigned URLs (ecship/sigv4.h). Each stage fills its own buffer in struct
 * ship_sigv4_state; the date comes in with the parameters. All work is linear or n log n (sorts).
 * Depends on OpenSSL libcrypto (SHA-256, HMAC) and util; must not read the clock, the
 * environment or know any service.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ecship/sigv4.h"
#include "ecship/text.h"
#include "private/sigv4.h"

/*
 * Where the official suite and botocore disagree, and what we do:
 * - Canonical URI with normalize_path (every service but S3): botocore removes "." and ".."
 *   segments and empty segments, keeps a trailing '/' only when a segment survives, and then
 *   percent-encodes the path as it is on the wire a second time ('%' becomes "%25"). Its ".."
 *   handling differs from RFC 3986 5.2.4 for a trailing ".." or "." ("/a/b/.." gives "/a", RFC
 *   gives "/a/"); the suite has no such case, services accept what botocore (the AWS CLI) sends,
 *   so we follow botocore.
 * - Canonical URI without normalize_path (S3): botocore takes the wire path unchanged. The suite
 *   feeds raw paths such as "/example space/" and expects "/example%20space/". We keep every byte
 *   that may appear in an encoded path (unreserved, sub-delims, ':', '@', '/', valid %XX) and
 *   encode the rest, which is botocore's result for any valid wire path and the suite's for raw
 *   ones.
 * - Canonical query: botocore sorts the raw "k=v" pieces of the URL; the suite decodes and
 *   re-encodes them (a raw UTF-8 key becomes %E1%88%B4). We decode and re-encode, identical to
 *   botocore for the canonically encoded queries our client sends. Empty pieces ("a=1&&b=2") are
 *   skipped; botocore would sign them as "=".
 * - Trim-all: ASCII whitespace (space, \t, \n, \v, \f, \r) is collapsed; Python's str.split in
 *   botocore also splits on Unicode spaces such as U+00A0, which do not occur in AWS headers.
 * - botocore turns a Date header into the signing date; we always use X-Amz-Date and sign Date
 *   as given.
 */

/* ---- small helpers ------------------------------------------------------------------------- */

static int nomem(struct ship_err *err)
{
	return ship_err_set(err, SHIP_ERR_NOMEM, "cannot sign request: out of memory");
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char lower_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int str_eq_lit(struct ship_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && memcmp(s.p, lit, n) == 0;
}

static int str_eq_nocase(struct ship_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && ship_strncasecmp(s.p, lit, n) == 0;
}

/* A parameter that ends up in the scope or a header: non-empty, printable, no '/'. */
static int scope_part_ok(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '/' || *s == 0x7f)
			return 0;
	return 1;
}

int ship_sigv4_sha256_hex(struct ship_str data, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (!EVP_Digest(data.len ? data.p : "", data.len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32)
		return -1;
	ship_hex(md, 32, out);
	return 0;
}

static int hmac_sha256(const void *key, size_t keylen, struct ship_str msg, unsigned char out[32])
{
	unsigned int len = 0;
	if (keylen > 0x7fffffff ||
	    !HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)(msg.len ? msg.p : ""),
		  msg.len, out, &len) ||
	    len != 32)
		return -1;
	return 0;
}

/* ---- URL ------------------------------------------------------------------------------------ */

int ship_sigv4_parse_url(const char *url, struct ship_sigv4_url *u)
{
	memset(u, 0, sizeof(*u));
	if (!url)
		return -1;
	const char *sep = strstr(url, "://");
	if (!sep || sep == url)
		return -1;
	for (const char *c = url; c < sep; c++) {
		char ch = *c;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (c > url &&
		       ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.'))))
			return -1;
	}
	u->scheme = (struct ship_str){url, (size_t)(sep - url)};
	const char *a = sep + 3;
	size_t alen = strcspn(a, "/?#");
	if (alen == 0)
		return -1;
	u->authority = (struct ship_str){a, alen};
	const char *p = a + alen;
	size_t plen = strcspn(p, "?#");
	u->path = (struct ship_str){p, plen};
	const char *q = p + plen;
	if (*q == '?') {
		u->has_query = 1;
		size_t qlen = strcspn(q + 1, "#");
		u->query = (struct ship_str){q + 1, qlen};
		q += 1 + qlen;
	}
	u->end = (size_t)(q - url);
	return 0;
}

int ship_sigv4_host(struct ship_buf *out, const struct ship_sigv4_url *u)
{
	struct ship_str a = u->authority;
	for (size_t i = a.len; i > 0; i--) {
		if (a.p[i - 1] == '@') {
			a.p += i;
			a.len -= i;
			break;
		}
	}
	size_t hostlen = a.len;
	if (a.len && a.p[0] == '[') {
		const char *close = memchr(a.p, ']', a.len);
		hostlen = close ? (size_t)(close - a.p) + 1 : a.len;
	} else {
		const char *colon = memchr(a.p, ':', a.len);
		if (colon)
			hostlen = (size_t)(colon - a.p);
	}
	struct ship_str port = {a.p + hostlen, a.len - hostlen};
	if (port.len && port.p[0] == ':') {
		port.p++;
		port.len--;
	}
	size_t start = out->len;
	if (ship_buf_add(out, a.p, hostlen))
		return -1;
	for (size_t i = start; i < out->len; i++)
		out->data[i] = lower_ascii(out->data[i]);
	if (port.len == 0)
		return 0;
	/* drop the scheme's default port, as the Host header a client sends does */
	long num = 0;
	int digits = 1;
	for (size_t i = 0; i < port.len; i++) {
		if (port.p[i] < '0' || port.p[i] > '9') {
			digits = 0;
			break;
		}
		if (num < 100000)
			num = num * 10 + (port.p[i] - '0');
	}
	if (digits && ((num == 80 && str_eq_nocase(u->scheme, "http")) ||
		       (num == 443 && str_eq_nocase(u->scheme, "https"))))
		return 0;
	ship_buf_addch(out, ':');
	if (digits)
		ship_buf_addf(out, "%ld", num);
	else
		ship_buf_addstr(out, port);
	return out->failed ? -1 : 0;
}

/* ---- canonical URI -------------------------------------------------------------------------- */

int ship_sigv4_remove_dot_segments(struct ship_buf *out, struct ship_str path)
{
	if (path.len == 0)
		return out->failed ? -1 : 0;
	size_t start = out->len;
	int lead = path.p[0] == '/';
	size_t kept = 0;
	if (lead && ship_buf_addch(out, '/'))
		return -1;
	size_t i = 0;
	while (i <= path.len) {
		size_t j = i;
		while (j < path.len && path.p[j] != '/')
			j++;
		struct ship_str seg = {path.p + i, j - i};
		i = j + 1;
		if (seg.len == 0 || str_eq_lit(seg, "."))
			continue;
		if (str_eq_lit(seg, "..")) {
			if (kept == 0)
				continue;
			/* drop the last kept segment: back to the '/' before it, or to the start */
			size_t cut = start + (size_t)lead;
			if (kept > 1) {
				cut = out->len;
				while (cut > start && out->data[cut - 1] != '/')
					cut--;
				cut--; /* the separator itself */
			}
			ship_buf_truncate(out, cut);
			kept--;
			continue;
		}
		if (kept && ship_buf_addch(out, '/'))
			return -1;
		if (ship_buf_addstr(out, seg))
			return -1;
		kept++;
	}
	if (path.p[path.len - 1] == '/' && kept && ship_buf_addch(out, '/'))
		return -1;
	return out->failed ? -1 : 0;
}

/* Bytes an encoded path may carry as they are (RFC 3986 pchar and '/', '%' checked apart). */
static int path_char_ok(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

int ship_sigv4_canonical_uri(struct ship_buf *out, struct ship_str path, int normalize)
{
	static const char hex[] = "0123456789ABCDEF";
	if (normalize) {
		struct ship_buf tmp = SHIP_BUF_INIT(0);
		int rc = ship_sigv4_remove_dot_segments(&tmp, path);
		if (rc == 0)
			rc = tmp.len ? ship_uri_encode(out, ship_buf_str(&tmp), 1)
				     : ship_buf_addch(out, '/');
		ship_buf_release(&tmp);
		return rc;
	}
	if (path.len == 0)
		return ship_buf_addch(out, '/');
	for (size_t i = 0; i < path.len; i++) {
		unsigned char c = (unsigned char)path.p[i];
		if (path_char_ok(c) || (c == '%' && ship_pct_is_escape(path, i))) {
			ship_buf_addch(out, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			ship_buf_add(out, e, 3);
		}
	}
	return out->failed ? -1 : 0;
}

/* ---- canonical query ------------------------------------------------------------------------ */

struct qpair {
	size_t koff, klen, voff, vlen; /* offsets into the scratch buffer while it may still move */
	const char *k, *v;
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c = cmp_bytes(x->k, x->klen, y->k, y->klen);
	return c ? c : cmp_bytes(x->v, x->vlen, y->v, y->vlen);
}

/* Appends decode-then-encode of s to scratch (tmp is reused). */
static int reencode(struct ship_buf *scratch, struct ship_buf *tmp, struct ship_str s)
{
	ship_buf_reset(tmp);
	if (ship_pct_decode(tmp, s, 0))
		return -1;
	return ship_uri_encode(scratch, ship_buf_str(tmp), 0);
}

int ship_sigv4_canonical_query(struct ship_buf *out, struct ship_str query,
			       const struct ship_str *names, const struct ship_str *values,
			       size_t nextra)
{
	struct ship_buf scratch = SHIP_BUF_INIT(0), tmp = SHIP_BUF_INIT(0);
	struct qpair *pairs = NULL;
	size_t n = 0, cap = nextra + 1;
	int rc = -1;

	for (size_t i = 0; i < query.len; i++)
		cap += query.p[i] == '&';
	pairs = ship_calloc(cap, sizeof(*pairs));
	if (!pairs)
		goto cleanup;
	size_t i = 0;
	while (query.len && i <= query.len) {
		size_t j = i;
		while (j < query.len && query.p[j] != '&')
			j++;
		struct ship_str piece = {query.p + i, j - i};
		i = j + 1;
		if (piece.len == 0)
			continue;
		const char *eq = memchr(piece.p, '=', piece.len);
		struct ship_str k = {piece.p, eq ? (size_t)(eq - piece.p) : piece.len};
		struct ship_str v = {eq ? eq + 1 : piece.p + piece.len,
				     eq ? piece.len - k.len - 1 : 0};
		struct qpair *q = &pairs[n++];
		q->koff = scratch.len;
		if (reencode(&scratch, &tmp, k))
			goto cleanup;
		q->klen = scratch.len - q->koff;
		q->voff = scratch.len;
		if (reencode(&scratch, &tmp, v))
			goto cleanup;
		q->vlen = scratch.len - q->voff;
	}
	for (size_t e = 0; e < nextra; e++) {
		struct qpair *q = &pairs[n++];
		q->koff = scratch.len;
		if (ship_uri_encode(&scratch, names[e], 0))
			goto cleanup;
		q->klen = scratch.len - q->koff;
		q->voff = scratch.len;
		if (ship_uri_encode(&scratch, values[e], 0))
			goto cleanup;
		q->vlen = scratch.len - q->voff;
	}
	for (size_t e = 0; e < n; e++) {
		pairs[e].k = scratch.data + pairs[e].koff;
		pairs[e].v = scratch.data + pairs[e].voff;
	}
	if (n > 1)
		qsort(pairs, n, sizeof(*pairs), qpair_cmp);
	if (ship_buf_grow(out, scratch.len + 2 * n))
		goto cleanup;
	for (size_t e = 0; e < n; e++) {
		if (e)
			ship_buf_addch(out, '&');
		ship_buf_add(out, pairs[e].k, pairs[e].klen);
		ship_buf_addch(out, '=');
		ship_buf_add(out, pairs[e].v, pairs[e].vlen);
	}
	rc = out->failed ? -1 : 0;
cleanup:
	ship_free(pairs);
	ship_buf_release(&scratch);
	ship_buf_release(&tmp);
	return rc;
}

/* ---- canonical headers ---------------------------------------------------------------------- */

int ship_sigv4_trim_value(struct ship_buf *out, struct ship_str value)
{
	size_t i = 0, end = value.len;
	while (i < end && is_ws((unsigned char)value.p[i]))
		i++;
	while (end > i && is_ws((unsigned char)value.p[end - 1]))
		end--;
	if (ship_buf_grow(out, end - i))
		return -1;
	char *d = out->data + out->len;
	for (; i < end; i++) {
		unsigned char c = (unsigned char)value.p[i];
		if (is_ws(c)) {
			if (!is_ws((unsigned char)value.p[i - 1]))
				*d++ = ' ';
		} else {
			*d++ = (char)c;
		}
	}
	out->len = (size_t)(d - out->data);
	out->data[out->len] = '\0';
	return 0;
}

int ship_sigv4_header_unsigned(struct ship_str name)
{
	/* botocore's SIGNED_HEADERS_BLACKLIST, plus authorization (it is the signature) */
	static const char *const never[] = {
	    "authorization",
	    "connection",
	    "expect",
	    "keep-alive",
	    "proxy-authenticate",
	    "proxy-authorization",
	    "te",
	    "trailer",
	    "transfer-encoding",
	    "upgrade",
	    "user-agent",
	    "x-amzn-trace-id",
	};
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (str_eq_lit(name, never[i]))
			return 1;
	return 0;
}

struct hentry {
	size_t noff, nlen, voff, vlen, index;
	const char *n, *v;
};

static int hentry_cmp(const void *a, const void *b)
{
	const struct hentry *x = a, *y = b;
	int c = cmp_bytes(x->n, x->nlen, y->n, y->nlen);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index; /* keep the sent order of repeats */
}

/*
 * Fills canonical headers ("name:v1,v2\n" per name, sorted) into out and st->signed_headers.
 * A Host header is derived from the URL when none is among headers.
 */
static int canonical_headers(struct ship_sigv4_state *st, const struct ship_sigv4_url *u,
			     const struct ship_sigv4_header *headers, size_t nheaders,
			     struct ship_buf *out)
{
	struct ship_buf scratch = SHIP_BUF_INIT(0);
	struct hentry *ents = ship_calloc(nheaders + 1, sizeof(*ents));
	size_t n = 0;
	int has_host = 0, rc = -1;

	if (!ents)
		goto cleanup;
	for (size_t i = 0; i < nheaders; i++) {
		struct hentry *e = &ents[n];
		e->index = i;
		e->noff = scratch.len;
		if (ship_buf_grow(&scratch, headers[i].name.len))
			goto cleanup;
		for (size_t k = 0; k < headers[i].name.len; k++)
			scratch.data[scratch.len++] = lower_ascii(headers[i].name.p[k]);
		scratch.data[scratch.len] = '\0';
		e->nlen = scratch.len - e->noff;
		struct ship_str lname = {scratch.data + e->noff, e->nlen};
		if (lname.len == 0 || ship_sigv4_header_unsigned(lname) ||
		    (st->p->omit_session_token && str_eq_lit(lname, "x-amz-security-token"))) {
			ship_buf_truncate(&scratch, e->noff);
			continue;
		}
		if (str_eq_lit(lname, "host"))
			has_host = 1;
		e->voff = scratch.len;
		if (ship_sigv4_trim_value(&scratch, headers[i].value))
			goto cleanup;
		e->vlen = scratch.len - e->voff;
		n++;
	}
	if (!has_host) {
		struct hentry *e = &ents[n++];
		e->index = nheaders;
		e->noff = scratch.len;
		ship_buf_adds(&scratch, "host");
		e->nlen = 4;
		e->voff = scratch.len;
		if (ship_sigv4_host(&scratch, u))
			goto cleanup;
		e->vlen = scratch.len - e->voff;
	}
	if (scratch.failed)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		ents[i].n = scratch.data + ents[i].noff;
		ents[i].v = scratch.data + ents[i].voff;
	}
	if (n > 1)
		qsort(ents, n, sizeof(*ents), hentry_cmp);
	if (ship_buf_grow(out, scratch.len + 2 * n))
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		int repeat = i > 0 && cmp_bytes(ents[i].n, ents[i].nlen, ents[i - 1].n,
						ents[i - 1].nlen) == 0;
		if (repeat) {
			ship_buf_addch(out, ',');
		} else {
			if (i > 0) {
				ship_buf_addch(out, '\n');
				ship_buf_addch(&st->signed_headers, ';');
			}
			ship_buf_add(out, ents[i].n, ents[i].nlen);
			ship_buf_addch(out, ':');
			ship_buf_add(&st->signed_headers, ents[i].n, ents[i].nlen);
		}
		ship_buf_add(out, ents[i].v, ents[i].vlen);
	}
	ship_buf_addch(out, '\n');
	rc = out->failed || st->signed_headers.failed ? -1 : 0;
cleanup:
	ship_free(ents);
	ship_buf_release(&scratch);
	return rc;
}

/* ---- stages --------------------------------------------------------------------------------- */

int ship_sigv4_state_init(struct ship_sigv4_state *st, const struct ship_sigv4_params *p,
			  enum ship_sigv4_form form, long expires, struct ship_err *err)
{
	memset(st, 0, sizeof(*st));
	st->p = p;
	st->form = form;
	st->expires = expires;
	ship_buf_init(&st->scope, 0);
	ship_buf_init(&st->signed_headers, 0);
	ship_buf_init(&st->canonical_request, 0);
	ship_buf_init(&st->string_to_sign, 0);
	ship_buf_init(&st->authorization, 0);
	if (!p)
		return ship_err_set(err, SHIP_ERR_INTERNAL, "cannot sign request: no parameters");
	if (!p->access_key || !*p->access_key || !p->secret_key || !*p->secret_key)
		return ship_err_set(
		    err, SHIP_ERR_CREDENTIALS,
		    "cannot sign request: no access key or secret key; configure "
		    "credentials (e.g. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
	if (!scope_part_ok(p->access_key))
		return ship_err_set(err, SHIP_ERR_CREDENTIALS,
				    "cannot sign request: the access key contains spaces, '/' or "
				    "control characters; check the configured credentials");
	if (!scope_part_ok(p->region))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "cannot sign request: invalid region '%s'; set --region or "
				    "AWS_REGION to a region name such as 'us-east-1'",
				    p->region ? p->region : "");
	if (!scope_part_ok(p->service))
		return ship_err_set(err, SHIP_ERR_INTERNAL,
				    "cannot sign request: invalid signing name '%s'",
				    p->service ? p->service : "");
	if (p->session_token && strpbrk(p->session_token, "\r\n"))
		return ship_err_set(err, SHIP_ERR_CREDENTIALS,
				    "cannot sign request: the session token contains a line break; "
				    "check the configured credentials");
	if (form == SHIP_SIGV4_FORM_QUERY && (expires < 1 || expires > SHIP_SIGV4_MAX_EXPIRES))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "cannot presign request: expiry of %ld seconds is outside 1 to "
				    "%ld",
				    expires, SHIP_SIGV4_MAX_EXPIRES);
	struct tm tm;
	if (!gmtime_r(&p->when, &tm) || tm.tm_year < 0 || tm.tm_year > 9999 - 1900 ||
	    strftime(st->amz_date, sizeof(st->amz_date), "%Y%m%dT%H%M%SZ", &tm) != 16)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "cannot sign request: the signing time is out of range");
	if (ship_buf_addf(&st->scope, "%.8s/%s/%s/aws4_request", st->amz_date, p->region,
			  p->service))
		return nomem(err);
	return 0;
}

void ship_sigv4_state_release(struct ship_sigv4_state *st)
{
	if (!st)
		return;
	ship_buf_release(&st->scope);
	ship_buf_release(&st->signed_headers);
	ship_buf_release(&st->canonical_request);
	ship_buf_release(&st->string_to_sign);
	ship_buf_release(&st->authorization);
	memset(st->signing_key, 0, sizeof(st->signing_key));
}

static int has_token(const struct ship_sigv4_params *p)
{
	return p->session_token && *p->session_token;
}

int ship_sigv4_canonical_request(struct ship_sigv4_state *st, const char *method, const char *url,
				 const struct ship_sigv4_header *headers, size_t nheaders,
				 struct ship_str body, const char *payload_hash,
				 struct ship_err *err)
{
	struct ship_sigv4_url u;
	struct ship_buf canon_headers = SHIP_BUF_INIT(0), query = SHIP_BUF_INIT(0);
	struct ship_buf credential = SHIP_BUF_INIT(0);
	int rc = -1;

	if (!method || !*method || strpbrk(method, " \t\r\n")) {
		ship_err_set(err, SHIP_ERR_INTERNAL, "cannot sign request: invalid method '%s'",
			     method ? method : "");
		goto cleanup;
	}
	if (ship_sigv4_parse_url(url, &u)) {
		ship_err_set(err, SHIP_ERR_INPUT,
			     "cannot sign request: '%s' is not an absolute URL; use "
			     "scheme://host/path",
			     url ? url : "");
		goto cleanup;
	}
	if (payload_hash) {
		size_t n = strlen(payload_hash);
		if (n == 0 || n >= sizeof(st->payload_hash) || strpbrk(payload_hash, "\r\n")) {
			ship_err_set(err, SHIP_ERR_INTERNAL,
				     "cannot sign request: invalid payload hash");
			goto cleanup;
		}
		memcpy(st->payload_hash, payload_hash, n + 1);
	} else if (ship_sigv4_sha256_hex(body, st->payload_hash)) {
		ship_err_set(err, SHIP_ERR_INTERNAL, "cannot sign request: SHA-256 failed");
		goto cleanup;
	}

	ship_buf_reset(&st->signed_headers);
	ship_buf_reset(&st->canonical_request);
	if (canonical_headers(st, &u, headers, nheaders, &canon_headers))
		goto nomem;

	if (st->form == SHIP_SIGV4_FORM_QUERY) {
		char expires[24];
		snprintf(expires, sizeof(expires), "%ld", st->expires);
		if (ship_buf_addf(&credential, "%s/%s", st->p->access_key, st->scope.data))
			goto nomem;
		struct ship_str names[6] = {
		    SHIP_STR_LIT("X-Amz-Algorithm"),	 SHIP_STR_LIT("X-Amz-Credential"),
		    SHIP_STR_LIT("X-Amz-Date"),		 SHIP_STR_LIT("X-Amz-Expires"),
		    SHIP_STR_LIT("X-Amz-SignedHeaders"), SHIP_STR_LIT("X-Amz-Security-Token"),
		};
		struct ship_str values[6] = {
		    SHIP_STR_LIT(SHIP_SIGV4_ALGORITHM), ship_buf_str(&credential),
		    ship_str_c(st->amz_date),		ship_str_c(expires),
		    ship_buf_str(&st->signed_headers),	ship_str_c(st->p->session_token),
		};
		size_t nextra = has_token(st->p) && !st->p->omit_session_token ? 6 : 5;
		if (ship_sigv4_canonical_query(&query, u.query, names, values, nextra))
			goto nomem;
	} else if (ship_sigv4_canonical_query(&query, u.query, NULL, NULL, 0)) {
		goto nomem;
	}

	struct ship_buf *cr = &st->canonical_request;
	size_t mstart = cr->len;
	ship_buf_adds(cr, method);
	for (size_t i = mstart; i < cr->len; i++)
		if (cr->data[i] >= 'a' && cr->data[i] <= 'z')
			cr->data[i] = (char)(cr->data[i] - 32);
	ship_buf_addch(cr, '\n');
	ship_sigv4_canonical_uri(cr, u.path, st->p->normalize_path);
	ship_buf_addch(cr, '\n');
	ship_buf_addstr(cr, ship_buf_str(&query));
	ship_buf_addch(cr, '\n');
	ship_buf_addstr(cr, ship_buf_str(&canon_headers));
	ship_buf_addch(cr, '\n');
	ship_buf_addstr(cr, ship_buf_str(&st->signed_headers));
	ship_buf_addch(cr, '\n');
	ship_buf_adds(cr, st->payload_hash);
	if (cr->failed)
		goto nomem;
	rc = 0;
	goto cleanup;
nomem:
	nomem(err);
cleanup:
	ship_buf_release(&canon_headers);
	ship_buf_release(&query);
	ship_buf_release(&credential);
	return rc;
}

int ship_sigv4_string_to_sign(struct ship_sigv4_state *st, struct ship_err *err)
{
	char hash[65];
	if (ship_sigv4_sha256_hex(ship_buf_str(&st->canonical_request), hash))
		return ship_err_set(err, SHIP_ERR_INTERNAL, "cannot sign request: SHA-256 failed");
	ship_buf_reset(&st->string_to_sign);
	if (ship_buf_addf(&st->string_to_sign, "%s\n%s\n%s\n%s", SHIP_SIGV4_ALGORITHM, st->amz_date,
			  st->scope.data, hash))
		return nomem(err);
	return 0;
}

int ship_sigv4_signing_key(struct ship_sigv4_state *st, struct ship_err *err)
{
	struct ship_buf secret = SHIP_BUF_INIT(0);
	unsigned char k[32];
	int rc = -1;
	if (ship_buf_addf(&secret, "AWS4%s", st->p->secret_key)) {
		nomem(err);
		goto cleanup;
	}
	if (hmac_sha256(secret.data, secret.len, (struct ship_str){st->amz_date, 8}, k) ||
	    hmac_sha256(k, 32, ship_str_c(st->p->region), k) ||
	    hmac_sha256(k, 32, ship_str_c(st->p->service), k) ||
	    hmac_sha256(k, 32, SHIP_STR_LIT("aws4_request"), st->signing_key)) {
		ship_err_set(err, SHIP_ERR_INTERNAL, "cannot sign request: HMAC-SHA256 failed");
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (secret.len)
		memset(secret.data, 0, secret.len);
	memset(k, 0, sizeof(k));
	ship_buf_release(&secret);
	return rc;
}

int ship_sigv4_signature(struct ship_sigv4_state *st, struct ship_err *err)
{
	unsigned char sig[32];
	if (hmac_sha256(st->signing_key, sizeof(st->signing_key), ship_buf_str(&st->string_to_sign),
			sig))
		return ship_err_set(err, SHIP_ERR_INTERNAL,
				    "cannot sign request: HMAC-SHA256 failed");
	ship_hex(sig, 32, st->signature);
	return 0;
}

int ship_sigv4_authorization(struct ship_sigv4_state *st, struct ship_err *err)
{
	struct ship_buf *a = &st->authorization;
	ship_buf_reset(a);
	if (st->form == SHIP_SIGV4_FORM_HEADER) {
		ship_buf_addf(a, "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s",
			      SHIP_SIGV4_ALGORITHM, st->p->access_key, st->scope.data,
			      st->signed_headers.data, st->signature);
	} else {
		/* the order of the official suite's signed URLs */
		ship_buf_adds(a, "X-Amz-Algorithm=" SHIP_SIGV4_ALGORITHM "&X-Amz-Credential=");
		ship_uri_encode(a, ship_str_c(st->p->access_key), 0);
		ship_buf_adds(a, "%2F");
		ship_uri_encode(a, ship_buf_str(&st->scope), 0);
		ship_buf_addf(a, "&X-Amz-Date=%s&X-Amz-SignedHeaders=", st->amz_date);
		ship_uri_encode(a, ship_buf_str(&st->signed_headers), 0);
		ship_buf_addf(a, "&X-Amz-Expires=%ld", st->expires);
		if (has_token(st->p)) {
			ship_buf_adds(a, "&X-Amz-Security-Token=");
			ship_uri_encode(a, ship_str_c(st->p->session_token), 0);
		}
		ship_buf_addf(a, "&X-Amz-Signature=%s", st->signature);
	}
	return a->failed ? nomem(err) : 0;
}

static int run_stages(struct ship_sigv4_state *st, const char *method, const char *url,
		      const struct ship_sigv4_header *h, size_t n, struct ship_str body,
		      const char *payload_hash, struct ship_err *err)
{
	if (ship_sigv4_canonical_request(st, method, url, h, n, body, payload_hash, err) ||
	    ship_sigv4_string_to_sign(st, err) || ship_sigv4_signing_key(st, err) ||
	    ship_sigv4_signature(st, err) || ship_sigv4_authorization(st, err))
		return -1;
	return 0;
}

/* ---- public entry points -------------------------------------------------------------------- */

/* Removes every header of that name (case-insensitive), keeping the order of the others. */
static void headers_remove(struct ship_headers *h, const char *name)
{
	size_t w = 0;
	for (size_t r = 0; r < h->n; r++) {
		if (!ship_strcasecmp(h->v[r].name, name)) {
			ship_free(h->v[r].name);
			ship_free(h->v[r].value);
		} else {
			h->v[w++] = h->v[r];
		}
	}
	h->n = w;
}

static struct ship_sigv4_header hview(const char *name, const char *value)
{
	struct ship_sigv4_header v = {ship_str_c(name), ship_str_c(value)};
	return v;
}

int ship_sigv4_sign_state(struct ship_sigv4_state *st, const struct ship_sigv4_params *p,
			  const char *method, const char *url, struct ship_headers *headers,
			  struct ship_str body, struct ship_err *err)
{
	struct ship_sigv4_header *views = NULL;
	struct ship_buf host = SHIP_BUF_INIT(0);
	char body_hash[65];
	const char *hash = NULL;
	int rc = -1;

	if (ship_sigv4_state_init(st, p, SHIP_SIGV4_FORM_HEADER, 0, err))
		goto cleanup;
	if (!headers) {
		ship_err_set(err, SHIP_ERR_INTERNAL, "cannot sign request: no header list");
		goto cleanup;
	}
	struct ship_sigv4_url u;
	if (ship_sigv4_parse_url(url, &u)) {
		ship_err_set(err, SHIP_ERR_INPUT,
			     "cannot sign request: '%s' is not an absolute URL; use "
			     "scheme://host/path",
			     url ? url : "");
		goto cleanup;
	}
	/* a retry signs the same list again: drop what an earlier signing added */
	headers_remove(headers, "Authorization");
	headers_remove(headers, "X-Amz-Date");
	headers_remove(headers, "X-Amz-Security-Token");
	if (p->sign_body_header)
		headers_remove(headers, "X-Amz-Content-SHA256");

	if (p->payload_hash) {
		hash = p->payload_hash;
	} else if (!p->sign_body_header && ship_headers_get(headers, "X-Amz-Content-SHA256")) {
		hash = ship_headers_get(headers, "X-Amz-Content-SHA256");
	} else {
		if (ship_sigv4_sha256_hex(body, body_hash)) {
			ship_err_set(err, SHIP_ERR_INTERNAL, "cannot sign request: SHA-256 failed");
			goto cleanup;
		}
		hash = body_hash;
	}

	int need_host = ship_headers_get(headers, "Host") == NULL;
	if (need_host && ship_sigv4_host(&host, &u)) {
		nomem(err);
		goto cleanup;
	}
	views = ship_calloc(headers->n + 4, sizeof(*views));
	if (!views) {
		nomem(err);
		goto cleanup;
	}
	size_t n = 0;
	for (size_t i = 0; i < headers->n; i++)
		views[n++] = hview(headers->v[i].name, headers->v[i].value);
	if (need_host)
		views[n++] = hview("Host", host.data);
	if (has_token(p))
		views[n++] = hview("X-Amz-Security-Token", p->session_token);
	views[n++] = hview("X-Amz-Date", st->amz_date);
	if (p->sign_body_header)
		views[n++] = hview("x-amz-content-sha256", hash);

	if (run_stages(st, method, url, views, n, body, hash, err))
		goto cleanup;

	if ((need_host && ship_headers_add(headers, "Host", host.data)) ||
	    (has_token(p) && ship_headers_add(headers, "X-Amz-Security-Token", p->session_token)) ||
	    ship_headers_add(headers, "X-Amz-Date", st->amz_date) ||
	    (p->sign_body_header && ship_headers_add(headers, "x-amz-content-sha256", hash)) ||
	    ship_headers_add(headers, "Authorization", st->authorization.data)) {
		nomem(err);
		goto cleanup;
	}
	rc = 0;
cleanup:
	ship_free(views);
	ship_buf_release(&host);
	return rc;
}

int ship_sigv4_sign(const struct ship_sigv4_params *p, const char *method, const char *url,
		    struct ship_headers *headers, struct ship_str body, struct ship_err *err)
{
	struct ship_sigv4_state st;
	int rc = ship_sigv4_sign_state(&st, p, method, url, headers, body, err);
	ship_sigv4_state_release(&st);
	return rc;
}

int ship_sigv4_presign_state(struct ship_sigv4_state *st, const struct ship_sigv4_params *p,
			     const char *method, const char *url,
			     const struct ship_headers *headers, long expires,
			     struct ship_buf *signed_url, struct ship_err *err)
{
	struct ship_sigv4_header *views = NULL;
	int rc = -1;

	if (ship_sigv4_state_init(st, p, SHIP_SIGV4_FORM_QUERY, expires, err))
		goto cleanup;
	struct ship_sigv4_url u;
	if (ship_sigv4_parse_url(url, &u)) {
		ship_err_set(err, SHIP_ERR_INPUT,
			     "cannot presign request: '%s' is not an absolute URL; use "
			     "scheme://host/path",
			     url ? url : "");
		goto cleanup;
	}
	size_t n = headers ? headers->n : 0;
	views = ship_calloc(n + 1, sizeof(*views));
	if (!views) {
		nomem(err);
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++)
		views[i] = hview(headers->v[i].name, headers->v[i].value);
	if (run_stages(st, method, url, views, n, (struct ship_str){"", 0},
		       p->payload_hash ? p->payload_hash : SHIP_SIGV4_EMPTY_SHA256, err))
		goto cleanup;
	ship_buf_add(signed_url, url, u.end);
	if (!u.has_query)
		ship_buf_addch(signed_url, '?');
	else if (u.query.len)
		ship_buf_addch(signed_url, '&');
	ship_buf_addstr(signed_url, ship_buf_str(&st->authorization));
	if (signed_url->failed) {
		nomem(err);
		goto cleanup;
	}
	rc = 0;
cleanup:
	ship_free(views);
	return rc;
}

int ship_sigv4_presign(const struct ship_sigv4_params *p, const char *method, const char *url,
		       const struct ship_headers *headers, long expires,
		       struct ship_buf *signed_url, struct ship_err *err)
{
	struct ship_sigv4_state st;
	int rc = ship_sigv4_presign_state(&st, p, method, url, headers, expires, signed_url, err);
	ship_sigv4_state_release(&st);
	return rc;
}
