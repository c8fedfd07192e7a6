/*
 * test_diag_django.c: Django's ALLOWED_HOSTS rules in lib/troubleshoot/django.c, from tables: host
 * splitting (validate_host's regex), pattern matching, whole lists with DEBUG defaults, and
 * the advice for wildcards Django does not understand (the runbook's *.elb.amazonaws.com).
 */
#include <stdio.h>
#include <string.h>

#include "ecship/django.h"
#include "testutil.h"

static void split_host_table(void **state)
{
	(void)state;
	static const struct {
		const char *host, *domain; /* NULL: invalid */
	} t[] = {
	    {"example.com", "example.com"},
	    {"Example.COM", "example.com"},
	    {"example.com:8000", "example.com"},
	    {"example.com.", "example.com"},
	    {"10.0.1.23:8000", "10.0.1.23"},
	    {"[::1]:8000", "[::1]"},
	    {"[::1]", "[::1]"},
	    {"a-b.c", "a-b.c"},
	    {"", NULL},
	    {"exa mple.com", NULL},
	    {"example.com:", NULL},
	    {"example.com:80a", NULL},
	    {"[]", NULL},
	    {"[zz::1]", NULL},
	    {"[1234]", NULL},
	    {"under_score.com", NULL},
	    {":8000", NULL},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char out[256];
		int r = ship_django_split_host(t[i].host, out, sizeof(out));
		if (t[i].domain) {
			assert_int_equal(r, 0);
			assert_string_equal(out, t[i].domain);
		} else {
			assert_int_equal(r, -1);
		}
	}
	char tiny[4];
	assert_int_equal(ship_django_split_host("example.com", tiny, sizeof(tiny)), -1);
}

static void pattern_table(void **state)
{
	(void)state;
	static const struct {
		const char *pattern, *domain;
		int want;
	} t[] = {
	    {"*", "anything.example", 1},
	    {".elb.amazonaws.com", "app-1.ap-northeast-1.elb.amazonaws.com", 1},
	    {".elb.amazonaws.com", "elb.amazonaws.com", 1},
	    {".elb.amazonaws.com", "xelb.amazonaws.com", 0},
	    {"*.elb.amazonaws.com", "app-1.ap-northeast-1.elb.amazonaws.com",
	     0}, /* the runbook's */
	    {"staging.example.jp", "staging.example.jp", 1},
	    {"STAGING.example.jp", "staging.example.jp", 1},
	    {"staging.example.jp", "www.staging.example.jp", 0},
	    {"10.0.1.23", "10.0.1.23", 1},
	    {"10.0.1.*", "10.0.1.23", 0},
	    {"", "example.com", 0},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(ship_django_pattern_admits(t[i].pattern, t[i].domain), t[i].want);
}

static void list_table(void **state)
{
	(void)state;
	static const struct {
		const char *env, *host;
		int debug, want;
		const char *matched;
	} t[] = {
	    {"*.elb.amazonaws.com,staging.grape-app.jp", "app-1.ap-northeast-1.elb.amazonaws.com",
	     0, 0, ""},
	    {"*.elb.amazonaws.com,staging.grape-app.jp", "staging.grape-app.jp", 0, 1,
	     "staging.grape-app.jp"},
	    {".elb.amazonaws.com, staging.grape-app.jp",
	     "app-1.ap-northeast-1.elb.amazonaws.com:80", 0, 1, ".elb.amazonaws.com"},
	    {".elb.amazonaws.com", "10.0.1.23:8000", 0, 0, ""},
	    {"*", "10.0.1.23:8000", 0, 1, "*"},
	    {"['a.example', \"b.example\"]", "b.example", 0, 1, "b.example"},
	    {"a.example b.example", "b.example", 0, 1, "b.example"},
	    {"", "localhost", 1, 1, ".localhost"},
	    {"", "localhost", 0, 0, ""},
	    {"", "127.0.0.1:8000", 1, 1, "127.0.0.1"},
	    {"x.example", "localhost", 1, 0, ""}, /* the defaults apply only to an empty list */
	    {"*", "bad host", 0, 0, ""},
	    {NULL, "a.example", 0, 0, ""},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char m[64] = "x";
		assert_int_equal(
		    ship_django_host_allowed(t[i].env, t[i].host, t[i].debug, m, sizeof(m)),
		    t[i].want);
		assert_string_equal(m, t[i].matched);
	}
	assert_int_equal(ship_django_host_allowed("*", "a.example", 0, NULL, 0), 1);
}

static void advice_table(void **state)
{
	(void)state;
	static const struct {
		const char *pattern, *advice; /* NULL: fine as it is */
	} t[] = {
	    {"*.elb.amazonaws.com", ".elb.amazonaws.com"},
	    {"*example.com", ".example.com"},
	    {".elb.amazonaws.com", NULL},
	    {"*", NULL},
	    {"staging.example.jp", NULL},
	    {"10.0.*", "the full host names (Django matches no '*' inside a pattern), or '*'"},
	    {"*.*.example.com",
	     "the full host names (Django matches no '*' inside a pattern), or '*'"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char out[200] = "";
		int r = ship_django_pattern_advice(t[i].pattern, out, sizeof(out));
		if (t[i].advice) {
			assert_int_equal(r, 0);
			assert_string_equal(out, t[i].advice);
		} else {
			assert_int_equal(r, -1);
		}
	}
}

struct collect {
	char all[256];
};
static void collect_one(void *ctx, const char *p)
{
	struct collect *c = ctx;
	size_t n = strlen(c->all);
	snprintf(c->all + n, sizeof(c->all) - n, "<%s>", p);
}

static void patterns_are_listed_in_order(void **state)
{
	(void)state;
	struct collect c = {""};
	assert_int_equal(
	    ship_django_patterns(" a.example,,\t'b.example' [\"c\"] ", collect_one, &c), 3);
	assert_string_equal(c.all, "<a.example><b.example><c>");
	assert_int_equal(ship_django_patterns("", NULL, NULL), 0);
	assert_int_equal(ship_django_patterns(NULL, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(split_host_table),
	    TU_TEST(pattern_table),
	    TU_TEST(list_table),
	    TU_TEST(advice_table),
	    TU_TEST(patterns_are_listed_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
