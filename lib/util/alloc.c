/*
 * alloc.c: the one allocation hook. Library, tool and simulator allocate through here; tests
 * install a counting allocator (tests/unit/testutil.h) to find leaks and fail the Nth allocation.
 * Depends on libc and, to route its allocations too, jansson.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ecship/util.h"

static void *libc_realloc(void *ctx, void *p, size_t n)
{
	(void)ctx;
	return realloc(p, n ? n : 1);
}

static void libc_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static struct ship_allocator s_alloc = {libc_realloc, libc_free, NULL};

static void *json_malloc_hook(size_t n) { return ship_malloc(n); }
static void json_free_hook(void *p) { ship_free(p); }

void ship_set_allocator(const struct ship_allocator *a)
{
	if (a) {
		s_alloc = *a;
	} else {
		s_alloc.realloc_fn = libc_realloc;
		s_alloc.free_fn = libc_free;
		s_alloc.ctx = NULL;
	}
	json_set_alloc_funcs(json_malloc_hook, json_free_hook);
}

void *ship_malloc(size_t n) { return s_alloc.realloc_fn(s_alloc.ctx, NULL, n); }

void *ship_calloc(size_t nmemb, size_t size)
{
	if (size && nmemb > (size_t)-1 / size)
		return NULL;
	void *p = ship_malloc(nmemb * size);
	if (p)
		memset(p, 0, nmemb * size);
	return p;
}

void *ship_realloc(void *p, size_t n) { return s_alloc.realloc_fn(s_alloc.ctx, p, n); }

void ship_free(void *p)
{
	if (p)
		s_alloc.free_fn(s_alloc.ctx, p);
}

void ship_freep(void *pp)
{
	void **p = pp;
	ship_free(*p);
	*p = NULL;
}

char *ship_strndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	size_t len = strnlen(s, n);
	char *d = ship_malloc(len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *ship_strdup(const char *s) { return s ? ship_strndup(s, strlen(s)) : NULL; }
