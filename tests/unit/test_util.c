/*
 * test_util.c: buffer, allocation hook, string, number and duration helpers (lib/util).
 */
#include <stdio.h>
#include <string.h>

#include "ecship/err.h"
#include "ecship/util.h"
#include "testutil.h"

static void buf_grows_and_detaches(void **state)
{
	(void)state;
	struct ship_buf b = SHIP_BUF_INIT(0);
	assert_string_equal(b.data, "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ship_buf_addf(&b, "%d,", i), 0);
	assert_true(b.len > 3000);
	assert_memory_equal(b.data, "0,1,2,", 6);
	size_t len;
	char *p = ship_buf_detach(&b, &len);
	assert_non_null(p);
	assert_int_equal(strlen(p), len);
	assert_string_equal(b.data, "");
	ship_free(p);
}

static void buf_respects_max(void **state)
{
	(void)state;
	struct ship_buf b = SHIP_BUF_INIT(8);
	assert_int_equal(ship_buf_adds(&b, "12345678"), 0);
	assert_int_equal(ship_buf_adds(&b, "9"), -1);
	assert_true(b.failed);
	assert_int_equal(ship_buf_adds(&b, ""), -1); /* sticky */
	assert_null(ship_buf_detach(&b, NULL));
	ship_buf_release(&b);
}

static void buf_survives_every_failed_allocation(void **state)
{
	(void)state;
	for (long n = 1; n < 20; n++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		tu_alloc_fail_at(n);
		for (int i = 0; i < 200; i++)
			ship_buf_adds(&b, "abcdefghij");
		tu_alloc_fail_at(0);
		if (!b.failed)
			assert_int_equal(b.len, 2000);
		ship_buf_release(&b);
	}
}

static void durations_parse(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		double out;
		int ok;
	} cases[] = {
	    {"90", 90, 1},     {"90s", 90, 1},   {"10m", 600, 1}, {"1h30m", 5400, 1},
	    {"250ms", 0.25, 1}, {"", 0, 0},      {"m", 0, 0},     {"-5s", 0, 0},
	    {"5x", 0, 0},      {"1.5m", 90, 1},  {"99999h", 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v = -1;
		int r = ship_parse_duration(cases[i].in, &v);
		assert_int_equal(r == 0, cases[i].ok);
		if (cases[i].ok)
			assert_true(v == cases[i].out);
	}
}

static void longs_parse(void **state)
{
	(void)state;
	long v;
	assert_int_equal(ship_parse_long("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(ship_parse_long("101", 0, 100, &v), -1);
	assert_int_equal(ship_parse_long("4x", 0, 100, &v), -1);
	assert_int_equal(ship_parse_long("", 0, 100, &v), -1);
}

static void err_prefix_keeps_fields(void **state)
{
	(void)state;
	struct ship_err e = SHIP_ERR_INIT;
	ship_err_set(&e, SHIP_ERR_AWS, "rate exceeded");
	snprintf(e.aws_code, sizeof(e.aws_code), "ThrottlingException");
	ship_err_prefix(&e, "cannot describe service '%s'", "web");
	assert_string_equal(e.message, "cannot describe service 'web': rate exceeded");
	assert_string_equal(e.aws_code, "ThrottlingException");
	assert_string_equal(ship_errcode_name(e.code), "aws");
}

static void strings_compare(void **state)
{
	(void)state;
	assert_int_equal(ship_strcasecmp("X-Amz-Date", "x-amz-date"), 0);
	assert_true(ship_strcasecmp("a", "b") < 0);
	assert_true(ship_str_eq_c(ship_str_c("abc"), "abc"));
	assert_true(ship_str_starts_with(ship_str_c("abcdef"), "abc"));
	char hex[7];
	ship_hex((const unsigned char *)"\x01\xab\xff", 3, hex);
	assert_string_equal(hex, "01abff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(buf_grows_and_detaches), TU_TEST(buf_respects_max),
	    TU_TEST(buf_survives_every_failed_allocation), TU_TEST(durations_parse),
	    TU_TEST(longs_parse), TU_TEST(err_prefix_keeps_fields), TU_TEST(strings_compare),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
