/* sigv4.c: STUB until the SigV4 work lands; see sigv4.h. */
#include "ecship/sigv4.h"

int ship_sigv4_sign(const struct ship_sigv4_params *p, const char *method, const char *url,
		    struct ship_headers *headers, struct ship_str body, struct ship_err *err)
{
	(void)p, (void)method, (void)url, (void)headers, (void)body;
	return ship_err_set(err, SHIP_ERR_INTERNAL, "sigv4 not implemented");
}

int ship_sigv4_presign(const struct ship_sigv4_params *p, const char *method, const char *url,
		       const struct ship_headers *headers, long expires, struct ship_buf *out,
		       struct ship_err *err)
{
	(void)p, (void)method, (void)url, (void)headers, (void)expires, (void)out;
	return ship_err_set(err, SHIP_ERR_INTERNAL, "sigv4 not implemented");
}
