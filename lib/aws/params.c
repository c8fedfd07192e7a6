/*
 * params.c: ordered key/value parameters for Query and EC2 calls (struct ship_params in aws.h).
 * Keys are kept as given ("Parameters.member.1.ParameterKey"); encoding happens when the body is
 * built. Depends on http.c's header list only.
 */
#include <stdio.h>

#include "ecship/aws.h"

int ship_params_add(struct ship_params *p, const char *key, const char *value)
{
	return ship_headers_add(&p->kv, key, value ? value : "");
}

int ship_params_addf(struct ship_params *p, const char *value, const char *key_fmt, ...)
{
	char key[512];
	va_list ap;
	va_start(ap, key_fmt);
	int n = vsnprintf(key, sizeof(key), key_fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(key))
		return -1;
	return ship_params_add(p, key, value);
}

void ship_params_release(struct ship_params *p)
{
	if (p)
		ship_headers_release(&p->kv);
}
