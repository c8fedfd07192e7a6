/*
 * uri.c: RFC 3986 percent-encoding and decoding as SigV4 and the AWS protocols need them
 * (unreserved A-Z a-z 0-9 - _ . ~ kept, everything else %XX with uppercase hex, UTF-8 bytes
 * encoded one by one). Linear in the input: the output grows once. Depends on util only.
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

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ship_uri_is_escape(struct ship_str s, size_t i)
{
	return i + 2 < s.len && s.p[i] == '%' && hex_value((unsigned char)s.p[i + 1]) >= 0 &&
	       hex_value((unsigned char)s.p[i + 2]) >= 0;
}

int ship_uri_decode(struct ship_buf *out, struct ship_str in)
{
	if (in.len == 0)
		return out->failed ? -1 : 0;
	if (ship_buf_grow(out, in.len))
		return -1;
	char *d = out->data + out->len;
	for (size_t i = 0; i < in.len; i++) {
		if (ship_uri_is_escape(in, i)) {
			*d++ = (char)(hex_value((unsigned char)in.p[i + 1]) * 16 +
				      hex_value((unsigned char)in.p[i + 2]));
			i += 2;
		} else {
			*d++ = in.p[i];
		}
	}
	out->len = (size_t)(d - out->data);
	out->data[out->len] = '\0';
	return 0;
}
