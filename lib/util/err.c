/*
 * err.c: filling and naming struct ship_err (see err.h). Depends on libc only.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/err.h"

void ship_err_clear(struct ship_err *e)
{
	memset(e, 0, sizeof(*e));
}

int ship_err_set(struct ship_err *e, enum ship_errcode code, const char *fmt, ...)
{
	va_list ap;
	if (!e)
		return -1;
	ship_err_clear(e);
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

int ship_err_prefix(struct ship_err *e, const char *fmt, ...)
{
	char head[256], old[sizeof(e->message)];
	size_t n;
	va_list ap;
	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, e->message, sizeof(old));
	n = strlen(head);
	if (n + 2 >= sizeof(e->message))
		n = sizeof(e->message) - 3;
	memcpy(e->message, head, n);
	memcpy(e->message + n, ": ", 2);
	size_t rest = strnlen(old, sizeof(old) - 1);
	if (rest > sizeof(e->message) - n - 3)
		rest = sizeof(e->message) - n - 3;
	memcpy(e->message + n + 2, old, rest);
	e->message[n + 2 + rest] = '\0';
	return -1;
}

const char *ship_errcode_name(enum ship_errcode code)
{
	static const char *const names[] = {
	    [SHIP_ERR_NONE] = "none",         [SHIP_ERR_NOMEM] = "out of memory",
	    [SHIP_ERR_INPUT] = "input",       [SHIP_ERR_CREDENTIALS] = "credentials",
	    [SHIP_ERR_NETWORK] = "network",   [SHIP_ERR_TIMEOUT] = "timeout",
	    [SHIP_ERR_AWS] = "aws",           [SHIP_ERR_PROTOCOL] = "protocol",
	    [SHIP_ERR_IO] = "io",             [SHIP_ERR_INTERNAL] = "internal",
	    [SHIP_ERR_INTERRUPTED] = "interrupted",
	};
	if ((unsigned)code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "unknown";
}

int ship_err_is_transient(const struct ship_err *e)
{
	return e->throttled || e->retryable || e->code == SHIP_ERR_NETWORK ||
	       e->code == SHIP_ERR_TIMEOUT;
}
