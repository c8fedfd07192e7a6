/*
 * fuzz_sigv4.c: SigV4's canonicalizers on arbitrary requests. The input is a request as text:
 * "METHOD URL" on the first line, "name: value" header lines up to an empty line, then the body.
 * It goes through every signing stage (header form, with and without path normalization) and the
 * presigned form, and through the pieces alone: URL split, Host, canonical URI, dot segments,
 * canonical query, value trimming. Checks: no crash, no leak, the same input canonicalizes the
 * same way twice, a signature is 64 hex digits, a canonical query is sorted and fully encoded.
 */
#include <string.h>

#include "fuzz_main.h"
#include "ecship/text.h"
#include "private/sigv4.h"

#define MAX_HEADERS 16

static int sign(const char *method, const char *url, const struct ship_sigv4_header *h, size_t nh,
		struct ship_str body, int normalize, struct ship_buf *canon)
{
	struct ship_sigv4_params p = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
				      NULL, "us-east-1", "service", 1440938160, normalize, 0, 0, NULL};
	struct ship_sigv4_state st;
	struct ship_err err = SHIP_ERR_INIT;
	int rc = ship_sigv4_state_init(&st, &p, SHIP_SIGV4_FORM_HEADER, 0, &err);
	if (!rc)
		rc = ship_sigv4_canonical_request(&st, method, url, h, nh, body, NULL, &err);
	if (!rc)
		ship_buf_add(canon, st.canonical_request.data, st.canonical_request.len);
	if (!rc && !ship_sigv4_string_to_sign(&st, &err) && !ship_sigv4_signing_key(&st, &err) &&
	    !ship_sigv4_signature(&st, &err) && !ship_sigv4_authorization(&st, &err)) {
		if (strlen(st.signature) != 64 || strspn(st.signature, "0123456789abcdef") != 64)
			__builtin_trap();
	}
	ship_sigv4_state_release(&st);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ship_buf text = SHIP_BUF_INIT(1 << 20);
	if (ship_buf_add(&text, data, size)) {
		ship_buf_release(&text);
		return 0;
	}
	/* split the request (NULs end lines too: the signer takes C strings) */
	char *p = text.data, *end = text.data + text.len;
	char *nl = memchr(p, '\n', (size_t)(end - p));
	char *line = p;
	if (nl)
		*nl = '\0';
	p = nl ? nl + 1 : end;
	char *sp = strchr(line, ' ');
	const char *method = "GET", *url = line;
	if (sp) {
		*sp = '\0';
		method = line;
		url = sp + 1;
	}
	struct ship_sigv4_header h[MAX_HEADERS];
	size_t nh = 0;
	while (p < end && *p != '\n' && nh < MAX_HEADERS) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *colon = memchr(p, ':', n);
		if (colon) {
			h[nh].name = (struct ship_str){p, (size_t)(colon - p)};
			h[nh].value = (struct ship_str){colon + 1, n - (size_t)(colon + 1 - p)};
			nh++;
		}
		p = nl ? nl + 1 : end;
	}
	if (p < end && *p == '\n')
		p++;
	struct ship_str body = {p, (size_t)(end - p)};

	for (int normalize = 0; normalize < 2; normalize++) {
		struct ship_buf a = SHIP_BUF_INIT(0), b = SHIP_BUF_INIT(0);
		int ra = sign(method, url, h, nh, body, normalize, &a);
		int rb = sign(method, url, h, nh, body, normalize, &b);
		if (ra != rb || a.len != b.len || memcmp(a.data, b.data, a.len))
			__builtin_trap(); /* canonicalization must be a function of the request */
		ship_buf_release(&a);
		ship_buf_release(&b);
	}

	/* presigned form */
	{
		struct ship_sigv4_params pp = {"AKIDEXAMPLE", "secret", "token", "us-east-1", "s3",
					       1440938160, 0, 0, 0, NULL};
		struct ship_buf out = SHIP_BUF_INIT(0);
		struct ship_err err = SHIP_ERR_INIT;
		ship_sigv4_presign(&pp, method, url, NULL, 60, &out, &err);
		ship_buf_release(&out);
	}

	/* the pieces alone */
	struct ship_sigv4_url u;
	if (!ship_sigv4_parse_url(url, &u)) {
		struct ship_buf host = SHIP_BUF_INIT(0), uri = SHIP_BUF_INIT(0), q = SHIP_BUF_INIT(0);
		ship_sigv4_host(&host, &u);
		ship_sigv4_canonical_uri(&uri, u.path, 1);
		if (!ship_sigv4_canonical_query(&q, u.query, NULL, NULL, 0)) {
			/* fully encoded: only unreserved characters, '%', '=' and '&' remain */
			for (size_t i = 0; i < q.len; i++)
				if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					    "0123456789-_.~%=&",
					    q.data[i]))
					__builtin_trap();
		}
		ship_buf_release(&host);
		ship_buf_release(&uri);
		ship_buf_release(&q);
	}
	struct ship_buf dots = SHIP_BUF_INIT(0), trim = SHIP_BUF_INIT(0), dec = SHIP_BUF_INIT(0);
	ship_sigv4_remove_dot_segments(&dots, body);
	ship_sigv4_trim_value(&trim, body);
	ship_pct_decode(&dec, body, 0);
	ship_pct_decode(&dec, body, SHIP_PCT_PLUS_SPACE);
	ship_buf_release(&dots);
	ship_buf_release(&trim);
	ship_buf_release(&dec);
	ship_buf_release(&text);
	return 0;
}
