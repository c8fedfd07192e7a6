/*
 * test_sigv4.c: the official SigV4 test suite (testdata/aws-sigv4-suite/v4), one cmocka test per
 * case directory. Each case is signed in the header form and the query (presign) form; canonical
 * request, string to sign, signature and the signed request must match byte for byte, and a
 * mismatch prints a line diff. Depends on libship, jansson and the files under testdata only.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "ecship/http.h"
#include "ecship/sigv4.h"
#include "ecship/util.h"
#include "private/sigv4.h"
#include "testutil.h"

struct suite_case {
	char name[256];
	char dir[1300];
	void *tu; /* tu_setup's leak baseline */
};

/* ---- helpers -------------------------------------------------------------------------------- */

static void read_case_file(const struct suite_case *c, const char *file, struct ship_buf *b)
{
	char path[1400];
	snprintf(path, sizeof(path), "%s/%s", c->dir, file);
	if (ship_read_file(path, b))
		fail_msg("cannot read '%s'", path);
}

/* Prints a line-by-line diff (lines in step; '-' expected, '+' got) and fails the test. */
static void expect_text(const char *what, struct ship_str want, struct ship_str got)
{
	if (ship_str_eq(want, got))
		return;
	print_error("# %s differs (- expected, + got):\n", what);
	size_t i = 0, j = 0;
	while (i < want.len || j < got.len) {
		size_t ie = i, je = j;
		while (ie < want.len && want.p[ie] != '\n')
			ie++;
		while (je < got.len && got.p[je] != '\n')
			je++;
		int have_w = i < want.len;
		int have_g = j < got.len;
		if (have_w && have_g && ie - i == je - j &&
		    memcmp(want.p + i, got.p + j, ie - i) == 0) {
			print_error("#   %.*s\n", (int)(ie - i), want.p + i);
		} else {
			if (have_w)
				print_error("# - %.*s\n", (int)(ie - i), want.p + i);
			if (have_g)
				print_error("# + %.*s\n", (int)(je - j), got.p + j);
		}
		i = ie < want.len ? ie + 1 : want.len + 1;
		j = je < got.len ? je + 1 : got.len + 1;
		if (i > want.len && j > got.len)
			break;
	}
	if (want.len && got.len && (want.p[want.len - 1] == '\n') != (got.p[got.len - 1] == '\n'))
		print_error("# (the two differ in the final newline)\n");
	fail_msg("%s does not match", what);
}

struct request {
	char method[16];
	char target[2048]; /* path and query as in the request line */
	struct ship_headers headers;
	struct ship_buf body;
	char host[256];
};

/* Parses request.txt: request line, headers (repeated, or folded over lines), blank line, body. */
static void parse_request(struct ship_str txt, struct request *r)
{
	memset(r, 0, sizeof(*r));
	ship_buf_init(&r->body, 0);
	const char *p = txt.p, *end = txt.p + txt.len;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	assert_non_null(nl);
	const char *sp1 = memchr(p, ' ', (size_t)(nl - p));
	const char *sp2 = nl;
	while (sp2 > p && sp2[-1] != ' ')
		sp2--;
	assert_non_null(sp1);
	assert_true(sp2 - 1 > sp1);
	snprintf(r->method, sizeof(r->method), "%.*s", (int)(sp1 - p), p);
	snprintf(r->target, sizeof(r->target), "%.*s", (int)(sp2 - 1 - sp1 - 1), sp1 + 1);
	p = nl + 1;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (le == p) { /* blank line: the body follows */
			p = le + 1;
			assert_int_equal(
			    ship_buf_add(&r->body, p, (size_t)(end - p > 0 ? end - p : 0)), 0);
			break;
		}
		if (*p == ' ' || *p == '\t') { /* a continuation of the previous value */
			assert_true(r->headers.n > 0);
			struct ship_header *h = &r->headers.v[r->headers.n - 1];
			struct ship_buf v = SHIP_BUF_INIT(0);
			ship_buf_adds(&v, h->value);
			ship_buf_addch(&v, '\n');
			ship_buf_add(&v, p, (size_t)(le - p));
			char *nv = ship_buf_detach(&v, NULL);
			assert_non_null(nv);
			ship_free(h->value);
			h->value = nv;
		} else {
			const char *colon = memchr(p, ':', (size_t)(le - p));
			assert_non_null(colon);
			char *name = ship_strndup(p, (size_t)(colon - p));
			char *value = ship_strndup(colon + 1, (size_t)(le - colon - 1));
			assert_int_equal(ship_headers_add(&r->headers, name, value), 0);
			ship_free(name);
			ship_free(value);
		}
		p = nl ? nl + 1 : end;
	}
	const char *host = ship_headers_get(&r->headers, "Host");
	assert_non_null(host);
	snprintf(r->host, sizeof(r->host), "%s", host);
}

static void request_release(struct request *r)
{
	ship_headers_release(&r->headers);
	ship_buf_release(&r->body);
}

/* The signed request as the suite writes it: request line, headers, blank line, body. */
static void format_request(struct ship_buf *out, const char *method, const char *target,
			   const struct ship_headers *h, struct ship_str body)
{
	ship_buf_addf(out, "%s %s HTTP/1.1\n", method, target);
	for (size_t i = 0; i < h->n; i++)
		ship_buf_addf(out, "%s:%s\n", h->v[i].name, h->v[i].value);
	ship_buf_addch(out, '\n');
	ship_buf_addstr(out, body);
	assert_false(out->failed);
}

struct context {
	json_t *root;
	struct ship_sigv4_params p;
	long expires;
};

static time_t parse_timestamp(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	int n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		       &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
	assert_int_equal(n, 6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

static void load_context(const struct suite_case *c, struct context *ctx)
{
	char path[1400];
	json_error_t jerr;
	snprintf(path, sizeof(path), "%s/context.json", c->dir);
	memset(ctx, 0, sizeof(*ctx));
	ctx->root = json_load_file(path, 0, &jerr);
	if (!ctx->root)
		fail_msg("cannot parse '%s': line %d: %s", path, jerr.line, jerr.text);
	json_t *cred = json_object_get(ctx->root, "credentials");
	assert_non_null(cred);
	ctx->p.access_key = json_string_value(json_object_get(cred, "access_key_id"));
	ctx->p.secret_key = json_string_value(json_object_get(cred, "secret_access_key"));
	ctx->p.session_token = json_string_value(json_object_get(cred, "token"));
	ctx->p.region = json_string_value(json_object_get(ctx->root, "region"));
	ctx->p.service = json_string_value(json_object_get(ctx->root, "service"));
	const char *ts = json_string_value(json_object_get(ctx->root, "timestamp"));
	assert_non_null(ts);
	ctx->p.when = parse_timestamp(ts);
	json_t *norm = json_object_get(ctx->root, "normalize");
	ctx->p.normalize_path = norm ? json_is_true(norm) : 1;
	ctx->p.sign_body_header = json_is_true(json_object_get(ctx->root, "sign_body"));
	ctx->p.omit_session_token = json_is_true(json_object_get(ctx->root, "omit_session_token"));
	json_t *exp = json_object_get(ctx->root, "expiration_in_seconds");
	ctx->expires = exp ? (long)json_integer_value(exp) : 3600;
}

static void check_stages(const struct suite_case *c, const char *form,
			 const struct ship_sigv4_state *st)
{
	struct ship_buf want = SHIP_BUF_INIT(0);
	char file[64], what[400];

	snprintf(file, sizeof(file), "%s-canonical-request.txt", form);
	snprintf(what, sizeof(what), "%s: %s", c->name, file);
	read_case_file(c, file, &want);
	expect_text(what, ship_buf_str(&want), ship_buf_str(&st->canonical_request));

	ship_buf_reset(&want);
	snprintf(file, sizeof(file), "%s-string-to-sign.txt", form);
	snprintf(what, sizeof(what), "%s: %s", c->name, file);
	read_case_file(c, file, &want);
	expect_text(what, ship_buf_str(&want), ship_buf_str(&st->string_to_sign));

	ship_buf_reset(&want);
	snprintf(file, sizeof(file), "%s-signature.txt", form);
	snprintf(what, sizeof(what), "%s: %s", c->name, file);
	read_case_file(c, file, &want);
	expect_text(what, ship_buf_str(&want), ship_str_c(st->signature));
	ship_buf_release(&want);
}

/* ---- one case ------------------------------------------------------------------------------- */

static void run_case(void **state)
{
	struct suite_case *c = *state;
	struct ship_buf txt = SHIP_BUF_INIT(0), url = SHIP_BUF_INIT(0), got = SHIP_BUF_INIT(0);
	struct ship_buf want = SHIP_BUF_INIT(0), signed_url = SHIP_BUF_INIT(0);
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_sigv4_state st;
	struct request r;
	struct context ctx;
	char body_hash[65];

	load_context(c, &ctx);
	read_case_file(c, "request.txt", &txt);
	parse_request(ship_buf_str(&txt), &r);
	ship_buf_addf(&url, "https://%s%s", r.host, r.target);
	assert_false(url.failed);

	/* header form, through the public entry point's state */
	struct ship_headers h = {0};
	for (size_t i = 0; i < r.headers.n; i++)
		assert_int_equal(ship_headers_add(&h, r.headers.v[i].name, r.headers.v[i].value),
				 0);
	int rc =
	    ship_sigv4_sign_state(&st, &ctx.p, r.method, url.data, &h, ship_buf_str(&r.body), &err);
	if (rc)
		fail_msg("%s: header signing failed: %s", c->name, err.message);
	check_stages(c, "header", &st);
	ship_sigv4_state_release(&st);
	format_request(&got, r.method, r.target, &h, ship_buf_str(&r.body));
	read_case_file(c, "header-signed-request.txt", &want);
	expect_text("header-signed-request.txt", ship_buf_str(&want), ship_buf_str(&got));
	ship_headers_release(&h);

	/* query form: the suite signs the body's hash (presigning has no body argument) */
	assert_int_equal(ship_sigv4_sha256_hex(ship_buf_str(&r.body), body_hash), 0);
	ctx.p.payload_hash = body_hash;
	rc = ship_sigv4_presign_state(&st, &ctx.p, r.method, url.data, &r.headers, ctx.expires,
				      &signed_url, &err);
	if (rc)
		fail_msg("%s: presigning failed: %s", c->name, err.message);
	check_stages(c, "query", &st);
	ship_sigv4_state_release(&st);
	size_t prefix = strlen("https://") + strlen(r.host);
	assert_true(signed_url.len > prefix);
	ship_buf_reset(&got);
	format_request(&got, r.method, signed_url.data + prefix, &r.headers, ship_buf_str(&r.body));
	ship_buf_reset(&want);
	read_case_file(c, "query-signed-request.txt", &want);
	expect_text("query-signed-request.txt", ship_buf_str(&want), ship_buf_str(&got));

	/* the public wrappers give the same results */
	struct ship_headers h2 = {0};
	for (size_t i = 0; i < r.headers.n; i++)
		assert_int_equal(ship_headers_add(&h2, r.headers.v[i].name, r.headers.v[i].value),
				 0);
	ctx.p.payload_hash = NULL;
	assert_int_equal(
	    ship_sigv4_sign(&ctx.p, r.method, url.data, &h2, ship_buf_str(&r.body), &err), 0);
	ship_buf_reset(&got);
	format_request(&got, r.method, r.target, &h2, ship_buf_str(&r.body));
	ship_buf_reset(&want);
	read_case_file(c, "header-signed-request.txt", &want);
	expect_text("header-signed-request.txt (ship_sigv4_sign)", ship_buf_str(&want),
		    ship_buf_str(&got));
	ship_headers_release(&h2);

	json_decref(ctx.root);
	request_release(&r);
	ship_buf_release(&txt);
	ship_buf_release(&url);
	ship_buf_release(&got);
	ship_buf_release(&want);
	ship_buf_release(&signed_url);
}

/* ---- discovery ------------------------------------------------------------------------------ */

static int case_setup(void **state)
{
	struct suite_case *c = *state;
	return tu_setup(&c->tu);
}

static int case_teardown(void **state)
{
	struct suite_case *c = *state;
	return tu_teardown(&c->tu);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct suite_case *)a)->name, ((const struct suite_case *)b)->name);
}

int main(void)
{
	char base[1024];
	tu_alloc_install(); /* before the case list is allocated, so it is freed by the same hook */
	snprintf(base, sizeof(base), "%s", tu_testdata("aws-sigv4-suite/v4"));
	DIR *d = opendir(base);
	if (!d) {
		/* optional data (a fresh clone has none beside it): skipped, with the reason */
		printf(
		    "1..1\nok 1 - the AWS SigV4 test suite # SKIP optional test data '%s' is "
		    "not there (set ECSHIP_TESTDATA to the folder holding aws-sigv4-suite/ to run "
		    "it)\n",
		    base);
		return 0;
	}
	size_t n = 0, cap = 64;
	struct suite_case *cases = ship_calloc(cap, sizeof(*cases));
	struct dirent *e;
	while (cases && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char ctxpath[1400];
		struct stat sb;
		snprintf(ctxpath, sizeof(ctxpath), "%s/%s/context.json", base, e->d_name);
		if (stat(ctxpath, &sb) != 0)
			continue;
		if (n == cap) {
			struct suite_case *nc = ship_realloc(cases, 2 * cap * sizeof(*cases));
			if (!nc)
				break;
			cases = nc;
			cap *= 2;
		}
		memset(&cases[n], 0, sizeof(cases[n]));
		snprintf(cases[n].name, sizeof(cases[n].name), "%s", e->d_name);
		snprintf(cases[n].dir, sizeof(cases[n].dir), "%s/%s", base, e->d_name);
		n++;
	}
	closedir(d);
	if (!cases || n == 0) {
		printf("not ok 1 - no cases found under '%s'\n1..1\n", base);
		ship_free(cases);
		return 1;
	}
	qsort(cases, n, sizeof(*cases), name_cmp);
	struct CMUnitTest *tests = ship_calloc(n, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = run_case;
		tests[i].setup_func = case_setup;
		tests[i].teardown_func = case_teardown;
		tests[i].initial_state = &cases[i];
	}
	int failed = _cmocka_run_group_tests("sigv4_suite", tests, n, NULL, NULL);
	ship_free(tests);
	ship_free(cases);
	return failed ? 1 : 0;
}
