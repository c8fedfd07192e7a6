/*
 * buf.c: the growable, bounded string buffer (see util.h). Failure is sticky so a run of adds is
 * checked once. Depends on alloc.c only.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/util.h"

char ship_buf_empty[1];

void ship_buf_init(struct ship_buf *b, size_t max)
{
	b->data = ship_buf_empty;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : SHIP_BUF_MAX_DEFAULT;
	b->failed = 0;
}

void ship_buf_release(struct ship_buf *b)
{
	if (b->cap)
		ship_free(b->data);
	size_t max = b->max;
	ship_buf_init(b, max);
}

void ship_buf_reset(struct ship_buf *b)
{
	b->len = 0;
	if (b->cap) /* not the shared empty string, which threads read at once (ship_aws_fork) */
		b->data[0] = '\0';
	b->failed = 0;
}

int ship_buf_grow(struct ship_buf *b, size_t extra)
{
	if (b->failed)
		return -1;
	size_t max = b->max ? b->max : SHIP_BUF_MAX_DEFAULT;
	if (extra > max || b->len > max - extra) {
		b->failed = 1;
		return -1;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	char *p = ship_realloc(b->cap ? b->data : NULL, cap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	if (!b->cap)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return 0;
}

int ship_buf_add(struct ship_buf *b, const void *p, size_t n)
{
	if (ship_buf_grow(b, n))
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int ship_buf_adds(struct ship_buf *b, const char *s) { return ship_buf_add(b, s, strlen(s)); }
int ship_buf_addstr(struct ship_buf *b, struct ship_str s) { return ship_buf_add(b, s.p, s.len); }
int ship_buf_addch(struct ship_buf *b, char c) { return ship_buf_add(b, &c, 1); }

int ship_buf_vaddf(struct ship_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || ship_buf_grow(b, (size_t)n)) {
		b->failed = 1;
		return -1;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int ship_buf_addf(struct ship_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = ship_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

void ship_buf_truncate(struct ship_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

char *ship_buf_detach(struct ship_buf *b, size_t *len)
{
	char *p;
	if (b->failed) {
		ship_buf_release(b);
		return NULL;
	}
	if (b->cap) {
		p = b->data;
	} else {
		p = ship_malloc(1);
		if (!p)
			return NULL;
		p[0] = '\0';
	}
	if (len)
		*len = b->len;
	size_t max = b->max;
	ship_buf_init(b, max);
	return p;
}
