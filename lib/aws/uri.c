/* uri.c: STUB until the SigV4 work lands; see ship_uri_encode in http.h. */
#include "ecship/http.h"

int ship_uri_encode(struct ship_buf *out, struct ship_str in, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < in.len; i++) {
		unsigned char c = (unsigned char)in.p[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
			ship_buf_addch(out, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			ship_buf_add(out, e, 3);
		}
	}
	return out->failed ? -1 : 0;
}
