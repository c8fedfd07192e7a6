/*
 * uri.c: RFC 3986 percent-encoding as SigV4 and the AWS protocols need it (unreserved
 * A-Z a-z 0-9 - _ . ~ kept, everything else %XX with uppercase hex, UTF-8 bytes encoded one by
 * one). Linear in the input: the output grows once. Decoding is ship_pct_decode (lib/util/text.c).
 * Depends on util only.
 */
#include <string.h>

#include "ecship/http.h"
#include "private/sigv4.h"

static const char s_hex_upper[] = "0123456789ABCDEF";

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

int ship_uri_encode(struct ship_buf *out, struct ship_str in, int keep_slash)
{
	if (in.len == 0)
		return out->failed ? -1 : 0;
	/* count first, so the buffer grows once to the exact size and its limit is honoured */
	size_t need = 0;
	for (size_t i = 0; i < in.len; i++) {
		unsigned char c = (unsigned char)in.p[i];
		need += (is_unreserved(c) || (keep_slash && c == '/')) ? 1 : 3;
	}
	if (ship_buf_grow(out, need))
		return -1;
	char *d = out->data + out->len;
	for (size_t i = 0; i < in.len; i++) {
		unsigned char c = (unsigned char)in.p[i];
		if (is_unreserved(c) || (keep_slash && c == '/')) {
			*d++ = (char)c;
		} else {
			*d++ = '%';
			*d++ = s_hex_upper[c >> 4];
			*d++ = s_hex_upper[c & 15];
		}
	}
	out->len = (size_t)(d - out->data);
	out->data[out->len] = '\0';
	return 0;
}
