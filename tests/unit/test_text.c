/*
 * test_text.c: the text helpers of lib/util/text.c, from tables: hex digits, percent-decoding
 * (URI form for SigV4, form form with '+' for the simulator and IAM policy documents), the edit
 * distance and the "did you mean" suggestion used by the config, the definition checks and the
 * tool's unknown-command message.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/text.h"
#include "ecship/util.h"
#include "testutil.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void hex_digits(void **state)
{
	(void)state;
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		assert_int_equal(ship_hex_digit(digits[i]), i);
		assert_int_equal(ship_hex_digit(digits[i] >= 'a' ? digits[i] - 32 : digits[i]), i);
	}
	static const int bad[] = {'g', 'G', '/', ':', '@', '`', ' ', '+', '-', 0, 0xff, -1};
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		assert_int_equal(ship_hex_digit(bad[i]), -1);
}

static void pct_escapes(void **state)
{
	(void)state;
	struct ship_str s = SHIP_STR_LIT("%41%4%+1%zz");
	assert_true(ship_pct_is_escape(s, 0));
	assert_false(ship_pct_is_escape(s, 1)); /* not a '%' */
	assert_false(ship_pct_is_escape(s, 3)); /* "%4%" */
	assert_false(ship_pct_is_escape(s, 5)); /* "%+1": a sign is not a hex digit */
	assert_false(ship_pct_is_escape(s, 8)); /* "%zz" */
	struct ship_str cut = {"%41", 2};	/* the escape runs past the view */
	assert_false(ship_pct_is_escape(cut, 0));
}

static void pct_decode_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		unsigned flags;
		const char *out;
	} t[] = {
	    {"", 0, ""},
	    {"abc", 0, "abc"},
	    {"%41%2f%2F", 0, "A//"},
	    {"a+b", 0, "a+b"},
	    {"a+b", SHIP_PCT_PLUS_SPACE, "a b"},
	    {"%zz%4%", 0, "%zz%4%"},
	    {"%E1%88%b4", 0, "\xe1\x88\xb4"},
	    {"100%", SHIP_PCT_PLUS_SPACE, "100%"},
	    {"%4a%4A", 0, "JJ"},
	    {"%+1%-1% 1", SHIP_PCT_PLUS_SPACE, "% 1%-1% 1"},
	    {"%7B%22a%22%3A1%7D", SHIP_PCT_PLUS_SPACE, "{\"a\":1}"},
	    {"%2B+%2b", SHIP_PCT_PLUS_SPACE, "+ +"},
	};
	for (size_t i = 0; i < N_ELEMS(t); i++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		ship_buf_adds(&b, ">");
		assert_int_equal(ship_pct_decode(&b, ship_str_c(t[i].in), t[i].flags), 0);
		assert_string_equal(b.data + 1, t[i].out); /* appended */
		assert_int_equal(b.len, 1 + strlen(t[i].out));
		ship_buf_release(&b);
	}
}

static void pct_decode_bounded(void **state)
{
	(void)state;
	struct ship_buf b = SHIP_BUF_INIT(4);
	assert_int_equal(ship_pct_decode(&b, ship_str_c("abcdef"), 0), -1);
	assert_true(b.failed);
	assert_int_equal(ship_pct_decode(&b, ship_str_c(""), 0), -1); /* sticky */
	ship_buf_release(&b);
	int completed = 0;
	for (long n = 1; !completed && n < 10; n++) {
		struct ship_buf c = SHIP_BUF_INIT(0);
		tu_alloc_fail_at(n);
		int r = ship_pct_decode(&c, ship_str_c("%41bc"), 0);
		tu_alloc_fail_at(0);
		if (r == 0) {
			assert_string_equal(c.data, "Abc");
			completed = 1;
		} else {
			assert_true(c.failed);
		}
		ship_buf_release(&c);
	}
	assert_true(completed);
}

static void edit_distances(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		size_t d;
	} t[] = {
	    {"", "", 0},
	    {"", "abc", 3},
	    {"abc", "", 3},
	    {"kitten", "sitting", 3},
	    {"whomai", "whoami", 2},
	    {"deploy", "deploy", 0},
	    {"clustr", "cluster", 1},
	    {"Region", "region", 1},
	    {"flaw", "lawn", 2},
	};
	for (size_t i = 0; i < N_ELEMS(t); i++) {
		assert_int_equal(ship_edit_distance(t[i].a, t[i].b), t[i].d);
		assert_int_equal(ship_edit_distance(t[i].b, t[i].a), t[i].d);
	}
	char longw[70];
	memset(longw, 'a', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	assert_int_equal(ship_edit_distance(longw, "a"), (size_t)-1);
}

static void suggestions(void **state)
{
	(void)state;
	static const char *const words[] = {"cluster", "service", "services", "region", NULL};
	assert_string_equal(ship_suggest("clustr", words), "cluster");
	assert_string_equal(ship_suggest("Region", words), "region");
	assert_string_equal(ship_suggest("sevices", words), "services");
	assert_string_equal(ship_suggest("service", words), "service"); /* first of the closest */
	assert_null(ship_suggest("zzzzzz", words));
	assert_null(ship_suggest("x", words));
	static const char *const commands[] = {"deploy", "rollback", "whoami",
					       "status", "run",	     NULL};
	assert_string_equal(ship_suggest("whomai", commands), "whoami");
	assert_string_equal(ship_suggest("DEPLOY", commands), "deploy");
	assert_string_equal(ship_suggest("rn", commands), "run");
	assert_null(ship_suggest("frobnicate", commands));
	static const char *const none[] = {NULL};
	assert_null(ship_suggest("deploy", none));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(hex_digits),	 TU_TEST(pct_escapes),	  TU_TEST(pct_decode_table),
	    TU_TEST(pct_decode_bounded), TU_TEST(edit_distances), TU_TEST(suggestions),
	};
	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
