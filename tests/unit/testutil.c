/*
 * testutil.c: the counting allocator and helpers behind testutil.h. Linked into every unit test.
 */
#include <dirent.h>
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

json_t *tu_json_file(const char *path)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc)
		fail_msg("%s: %s", path, je.text);
	return doc;
}

int tu_json_each(const char *dir, tu_json_fn fn, void *ctx)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		fail_msg("cannot read the folder %s", dir);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		json_t *doc = tu_json_file(path);
		fn(e->d_name, doc, ctx);
		json_decref(doc);
		n++;
	}
	closedir(d);
	return n;
}

struct ship_aws *tu_fake_aws(struct ship_fake_clock *fc, double now, ship_transport_fn fn,
			     void *ctx)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_aws_options ao = {0};
	setenv("AWS_ACCESS_KEY_ID", "AKIAECSHIPTEST000000", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "test/secret", 1);
	unsetenv("AWS_SESSION_TOKEN");
	if (fc) {
		ship_fake_clock_init(fc, now);
		ao.clock = &fc->clock;
	}
	ao.region = "ap-northeast-1";
	ao.endpoint_url = "http://127.0.0.1:9";
	ao.transport = fn;
	ao.transport_ctx = ctx;
	ao.max_attempts = 1;
	struct ship_aws *aws = ship_aws_new(&ao, &err);
	if (!aws)
		fail_msg("ship_aws_new: %s", err.message);
	return aws;
}

int tu_answer(struct ship_http_response *resp, long status, const char *type, const char *text)
{
	resp->status = status;
	ship_headers_add(&resp->headers, "Content-Type", type);
	ship_headers_add(&resp->headers, "x-amzn-RequestId", "tu-request-id");
	ship_buf_adds(&resp->body, text);
	return 0;
}
