/*
 * testutil.c: the counting allocator and helpers behind testutil.h. Linked into every unit test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecship/util.h"
#include "testutil.h"

struct hdr {
	size_t size;
	size_t magic;
};
#define MAGIC ((size_t)0x5ec5a11c)

static long s_live, s_count, s_fail_at;
static int s_installed;

static void *count_realloc(void *ctx, void *p, size_t n)
{
	(void)ctx;
	if (s_fail_at > 0 && --s_fail_at == 0)
		return NULL;
	struct hdr *h = p ? (struct hdr *)p - 1 : NULL;
	if (h && h->magic != MAGIC)
		abort();
	struct hdr *nh = realloc(h, sizeof(*nh) + (n ? n : 1));
	if (!nh)
		return NULL;
	if (!h)
		s_live++;
	s_count++;
	nh->size = n;
	nh->magic = MAGIC;
	return nh + 1;
}

static void count_free(void *ctx, void *p)
{
	(void)ctx;
	if (!p)
		return;
	struct hdr *h = (struct hdr *)p - 1;
	if (h->magic != MAGIC)
		abort();
	h->magic = 0;
	s_live--;
	free(h);
}

void tu_alloc_install(void)
{
	if (s_installed)
		return;
	struct ship_allocator a = {count_realloc, count_free, NULL};
	ship_set_allocator(&a);
	s_installed = 1;
}

long tu_alloc_live(void) { return s_live; }
long tu_alloc_count(void) { return s_count; }
void tu_alloc_fail_at(long n) { s_fail_at = n; }

int tu_setup(void **state)
{
	tu_alloc_install();
	tu_alloc_fail_at(0);
	*state = (void *)(intptr_t)tu_alloc_live();
	return 0;
}

int tu_teardown(void **state)
{
	long before = (long)(intptr_t)*state;
	tu_alloc_fail_at(0);
	if (tu_alloc_live() != before) {
		fprintf(stderr, "# leak: %ld allocation(s) not freed\n", tu_alloc_live() - before);
		return -1;
	}
	return 0;
}

const char *tu_testdata(const char *rel)
{
	static char path[4096];
	const char *base = getenv("ECSHIP_TESTDATA");
	if (!base || !*base)
		base = "../shared/testdata";
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	return path;
}

int tu_testdata_missing(const char *rel)
{
	const char *path = tu_testdata(rel);
	if (access(path, R_OK) == 0)
		return 0;
	/* the reason line the harness shows beside the count of skipped tests */
	printf("# SKIP optional test data '%s' is not there (set ECSHIP_TESTDATA to the folder "
	       "holding aws-sigv4-suite/ and aws-protocol-tests/ to run it)\n",
	       path);
	fflush(stdout);
	return 1;
}
