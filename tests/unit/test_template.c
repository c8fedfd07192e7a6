/*
 * test_template.c: the variable engine (${NAME}, defaults, ${cfn:KEY}, $${), the standard
 * resolver, and rendering JSON with exact line/column for every problem; allocation failures.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/template.h"
#include "ecship/vars.h"
#include "testutil.h"

/* environment for the tests: NAME=VALUE pairs */
static const char *const s_env[] = {"HOME=/home/u", "EMPTY=", "TAG=v1", "QUOTE=a\"b\\c\n",
				    "ALLOWED=*.example.com", NULL};

static const char *table_getenv(void *ctx, const char *name)
{
	const char *const *env = ctx ? ctx : s_env;
	size_t n = strlen(name);
	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

static int s_account_calls;
static int fake_account(void *ctx, struct ship_buf *out, struct ship_err *err)
{
	(void)ctx;
	(void)err;
	s_account_calls++;
	return ship_buf_adds(out, "123456789012");
}

static int failing_account(void *ctx, struct ship_buf *out, struct ship_err *err)
{
	(void)ctx;
	(void)out;
	return ship_err_set(err, SHIP_ERR_NETWORK, "cannot reach sts");
}

static int fake_cfn(void *ctx, const char *stack, struct ship_str key, struct ship_buf *out,
		    struct ship_err *err)
{
	(void)ctx;
	if (strcmp(stack, "base") != 0)
		return 0;
	if (ship_str_eq_c(key, "Subnet1"))
		return ship_buf_adds(out, "subnet-111") ? -1 : 1;
	ship_err_set(err, SHIP_ERR_INPUT, "stack 'base' has outputs Subnet1");
	return 0;
}

static void setup_vars(struct ship_vars *v)
{
	ship_vars_init(v);
	v->getenv = table_getenv;
	v->account = fake_account;
	v->cfn = fake_cfn;
	assert_int_equal(ship_vars_set(v, "ENVIRONMENT", "staging"), 0);
	assert_int_equal(ship_vars_set(v, "AWS_REGION", "ap-northeast-1"), 0);
	assert_int_equal(ship_vars_set(v, "stack", "base"), 0);
}

static void expands_table(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out; /* out NULL: problems expected */
		int problems;
		unsigned column; /* of the first problem (line 1, column 1 is the string start) */
		const char *msg;
	} cases[] = {
	    {"plain", "plain", 0, 0, NULL},
	    {"", "", 0, 0, NULL},
	    {"${HOME}/x", "/home/u/x", 0, 0, NULL},
	    {"a${TAG}b${TAG}", "av1bv1", 0, 0, NULL},
	    {"${EMPTY}", "", 0, 0, NULL},
	    {"${EMPTY:-d}", "d", 0, 0, NULL},
	    {"${NOPE:-fallback}", "fallback", 0, 0, NULL},
	    {"${NOPE:-}", "", 0, 0, NULL},
	    {"${NOPE:-${TAG}}", "v1", 0, 0, NULL},
	    {"${NOPE:-${NADA:-deep}}", "deep", 0, 0, NULL},
	    {"${NOPE:-a:b-c}", "a:b-c", 0, 0, NULL},
	    {"$${HOME}", "${HOME}", 0, 0, NULL},
	    {"cost $5 and $$", "cost $5 and $$", 0, 0, NULL},
	    {"$HOME stays", "$HOME stays", 0, 0, NULL},
	    {"end$", "end$", 0, 0, NULL},
	    {"${ENVIRONMENT}", "staging", 0, 0, NULL},
	    {"${AWS_REGION}", "ap-northeast-1", 0, 0, NULL},
	    {"${AWS_ACCOUNT_ID}.dkr", "123456789012.dkr", 0, 0, NULL},
	    {"${cfn:Subnet1}", "subnet-111", 0, 0, NULL},
	    {"${cfn:Missing:-subnet-0}", "subnet-0", 0, 0, NULL},
	    {"${QUOTE}", "a\"b\\c\n", 0, 0, NULL},
	    {"x ${NOPE} y", NULL, 1, 3, "variable 'NOPE' is not set"},
	    {"${A1} ${B2}", NULL, 2, 1, "variable 'A1' is not set"},
	    {"${IMAGE_TAG}", NULL, 1, 1, "variable 'IMAGE_TAG' is not set"},
	    {"${cfn:Nope}", NULL, 1, 1, "stack output 'Nope' is not defined"},
	    {"${}", NULL, 1, 1, "unsupported variable syntax '${}'"},
	    {"ab${1X}", NULL, 1, 3, "unsupported variable syntax '${1X}'"},
	    {"${A B}", NULL, 1, 1, "unsupported variable syntax"},
	    {"${X:=y}", NULL, 1, 1, "unsupported variable syntax"},
	    {"${{ secrets.X }}", NULL, 1, 1, "unsupported variable syntax"},
	    {"${HOME", NULL, 1, 1, "unterminated variable reference"},
	    {"${NOPE:-${ALSO}}", NULL, 1, 9, "variable 'ALSO' is not set"},
	    {"ok ${TAG} ${BAD", NULL, 1, 11, "unterminated"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_vars v;
		struct ship_diags d = SHIP_DIAGS_INIT;
		struct ship_buf out = SHIP_BUF_INIT(0);
		struct ship_err err = SHIP_ERR_INIT;
		setup_vars(&v);
		struct ship_tpl t = {ship_vars_resolve, &v, &d, "f.json", NULL, NULL, 1, 1};
		/* the simplest locator: offsets are columns on line 1 */
		int r = ship_tpl_expand(&t, ship_str_c(cases[i].in), &out, &err);
		if (cases[i].out) {
			if (r != 0)
				fail_msg("case %zu '%s': r=%d %s", i, cases[i].in, r,
					 d.n ? d.v[0].message : err.message);
			assert_string_equal(out.data, cases[i].out);
			assert_int_equal(d.n, 0);
		} else {
			if (r != 1)
				fail_msg("case %zu '%s': r=%d", i, cases[i].in, r);
			assert_int_equal(ship_diags_count(&d, SHIP_SEV_ERROR), cases[i].problems);
			if (!strstr(d.v[0].message, cases[i].msg))
				fail_msg("case %zu: '%s' lacks '%s'", i, d.v[0].message, cases[i].msg);
			assert_non_null(d.v[0].hint);
			assert_string_equal(d.v[0].file, "f.json");
		}
		ship_buf_release(&out);
		ship_diags_release(&d);
		ship_vars_release(&v);
	}
}

static void offset_locate(void *ctx, size_t off, unsigned *line, unsigned *col)
{
	(void)ctx;
	*line = 7;
	*col = (unsigned)off + 1;
}

static void problems_have_columns(void **state)
{
	(void)state;
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_buf out = SHIP_BUF_INIT(0);
	struct ship_err err = SHIP_ERR_INIT;
	setup_vars(&v);
	struct ship_tpl t = {ship_vars_resolve, &v, &d, "f", offset_locate, NULL, 0, 0};
	assert_int_equal(ship_tpl_expand(&t, ship_str_c("ab ${X1} ${TAG} ${cfn:Q} ${X1:-${Y}}"),
					 &out, &err),
			 1);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.v[0].line, 7);
	assert_int_equal(d.v[0].column, 4);
	assert_int_equal(d.v[1].column, 17);
	assert_string_equal(d.v[1].hint, "stack 'base' has outputs Subnet1; list the outputs with "
					 "'ecship infra outputs', or give a default with "
					 "${cfn:Q:-value}");
	assert_int_equal(d.v[2].column, 32);
	ship_buf_release(&out);
	ship_diags_release(&d);
	ship_vars_release(&v);
}

static void many_problems_are_bounded(void **state)
{
	(void)state;
	struct ship_vars v;
	struct ship_diags d;
	struct ship_buf in = SHIP_BUF_INIT(0), out = SHIP_BUF_INIT(0);
	struct ship_err err = SHIP_ERR_INIT;
	ship_diags_init(&d, 10);
	setup_vars(&v);
	for (int i = 0; i < 500; i++)
		ship_buf_addf(&in, "${V%d}", i);
	struct ship_tpl t = {ship_vars_resolve, &v, &d, "f", NULL, NULL, 1, 1};
	assert_int_equal(ship_tpl_expand(&t, ship_buf_str(&in), &out, &err), 1);
	assert_int_equal(d.n, 10);
	assert_int_equal(ship_diags_count(&d, SHIP_SEV_ERROR), 500);
	assert_int_equal(ship_diags_to_err(&d, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(err.message, "(and 499 more errors)"));
	ship_buf_release(&in);
	ship_buf_release(&out);
	ship_diags_release(&d);
	ship_vars_release(&v);
}

static void account_is_lazy_and_cached(void **state)
{
	(void)state;
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_buf out = SHIP_BUF_INIT(0);
	struct ship_err err = SHIP_ERR_INIT;
	setup_vars(&v);
	s_account_calls = 0;
	struct ship_tpl t = {ship_vars_resolve, &v, &d, "f", NULL, NULL, 1, 1};
	assert_int_equal(ship_tpl_expand(&t, ship_str_c("${TAG}"), &out, &err), 0);
	assert_int_equal(s_account_calls, 0);
	assert_int_equal(ship_tpl_expand(&t, ship_str_c("${AWS_ACCOUNT_ID}${AWS_ACCOUNT_ID}"), &out,
					 &err),
			 0);
	assert_int_equal(s_account_calls, 1);
	assert_true(v.used & SHIP_VARS_USED_ACCOUNT);
	/* the environment wins over the built-in */
	static const char *const env[] = {"AWS_ACCOUNT_ID=999", "ENVIRONMENT=fromenv", NULL};
	v.getenv_ctx = (void *)env;
	ship_buf_reset(&out);
	assert_int_equal(ship_tpl_expand(&t, ship_str_c("${AWS_ACCOUNT_ID}/${ENVIRONMENT}"), &out,
					 &err),
			 0);
	assert_string_equal(out.data, "999/staging"); /* --env wins over $ENVIRONMENT */
	ship_buf_release(&out);
	ship_diags_release(&d);
	ship_vars_release(&v);
}

static void resolver_failure_is_not_input(void **state)
{
	(void)state;
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_buf out = SHIP_BUF_INIT(0);
	struct ship_err err = SHIP_ERR_INIT;
	setup_vars(&v);
	v.account = failing_account;
	struct ship_tpl t = {ship_vars_resolve, &v, &d, "td.json", NULL, NULL, 3, 9};
	assert_int_equal(ship_tpl_expand(&t, ship_str_c("${AWS_ACCOUNT_ID}"), &out, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_NETWORK);
	assert_non_null(strstr(err.message, "'td.json' line 3, column 9"));
	assert_non_null(strstr(err.message, "cannot reach sts"));
	ship_buf_release(&out);
	ship_diags_release(&d);
	ship_vars_release(&v);
}

static void image_vars(void **state)
{
	(void)state;
	struct ship_vars v;
	struct ship_err err = SHIP_ERR_INIT;
	ship_vars_init(&v);
	assert_int_equal(ship_vars_set_image(&v, "host:5000/app:v2", NULL, &err), 0);
	assert_string_equal(v.image, "host:5000/app:v2");
	assert_string_equal(v.image_tag, "v2");
	assert_int_equal(ship_vars_set_image(&v, NULL, "abc123", &err), 0);
	assert_string_equal(v.image_tag, "abc123");
	assert_int_equal(ship_vars_set_image(&v, NULL, "-bad", &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_int_equal(ship_vars_set_image(&v, "has space:1", NULL, &err), -1);
	ship_vars_release(&v);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static const char s_runbook_td[] =
    "{\n"
    "  \"family\": \"django-app-staging\",\n"
    "  \"networkMode\": \"awsvpc\",\n"
    "  \"requiresCompatibilities\": [\"FARGATE\"],\n"
    "  \"cpu\": \"256\",\n"
    "  \"memory\": \"512\",\n"
    "  \"executionRoleArn\": \"arn:aws:iam::${AWS_ACCOUNT_ID}:role/ecsTaskExecutionRole\",\n"
    "  \"containerDefinitions\": [\n"
    "    {\n"
    "      \"name\": \"django-app\",\n"
    "      \"image\": "
    "\"${AWS_ACCOUNT_ID}.dkr.ecr.${AWS_REGION}.amazonaws.com/django-ecs-app:${IMAGE_TAG}\",\n"
    "      \"portMappings\": [\n"
    "        {\n"
    "          \"containerPort\": 8000,\n"
    "          \"protocol\": \"tcp\"\n"
    "        }\n"
    "      ]\n"
    "    }\n"
    "  ]\n"
    "}\n";

static void json_renders_runbook(void **state)
{
	(void)state;
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	setup_vars(&v);
	assert_int_equal(ship_vars_set(&v, "IMAGE_TAG", "abc"), 0);
	struct ship_tpl t = {ship_vars_resolve, &v, &d, NULL, NULL, NULL, 0, 0};
	json_t *j = ship_tpl_render_json(&t, "td.json", ship_str_c(s_runbook_td), &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "executionRoleArn")),
			    "arn:aws:iam::123456789012:role/ecsTaskExecutionRole");
	json_t *c = json_array_get(json_object_get(j, "containerDefinitions"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "image")),
			    "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/django-ecs-app:abc");
	json_decref(j);
	ship_diags_release(&d);
	ship_vars_release(&v);
}

static void json_reports_every_position(void **state)
{
	(void)state;
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	setup_vars(&v);
	struct ship_tpl t = {ship_vars_resolve, &v, &d, NULL, NULL, NULL, 0, 0};
	json_t *j = ship_tpl_render_json(&t, "td.json", ship_str_c(s_runbook_td), &err);
	assert_null(j);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_int_equal(d.n, 1); /* only IMAGE_TAG is unset */
	assert_string_equal(d.v[0].message, "variable 'IMAGE_TAG' is not set");
	assert_int_equal(d.v[0].line, 11);
	assert_int_equal(d.v[0].column, 86);
	assert_non_null(strstr(d.v[0].hint, "--tag"));
	assert_non_null(strstr(err.message, "'td.json': line 11, column 86: variable 'IMAGE_TAG'"));
	ship_diags_release(&d);

	/* escapes and multi-byte characters before the reference; keys are never rendered */
	static const struct {
		const char *text;
		unsigned line, col;
	} cases[] = {
	    {"{\"a\": \"\\\"q\\\" ${X}\"}", 1, 14},
	    {"{\"a\": \"\xc3\xa9t\xc3\xa9 ${X}\"}", 1, 12},
	    {"{\"a\": \"\\u00e9 ${X}\"}", 1, 15},
	    {"{\"a\": \"\\ud83d\\ude00${X}\"}", 1, 20},
	    {"{\n\t\"k\": [1,\n  \"${X}\"]}", 3, 4},
	    {"{\"${KEY}\": \"v\", \"b\": \"${X}\"}", 1, 23},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ship_diags_init(&d, 0);
		j = ship_tpl_render_json(&t, "x.json", ship_str_c(cases[i].text), &err);
		assert_null(j);
		if (d.n != 1 || d.v[0].line != cases[i].line || d.v[0].column != cases[i].col)
			fail_msg("case %zu: n=%zu line %u col %u", i, d.n, d.n ? d.v[0].line : 0,
				 d.n ? d.v[0].column : 0);
		ship_diags_release(&d);
	}
	ship_vars_release(&v);
}

static void json_escapes_values(void **state)
{
	(void)state;
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	setup_vars(&v);
	struct ship_tpl t = {ship_vars_resolve, &v, &d, NULL, NULL, NULL, 0, 0};
	json_t *j = ship_tpl_render_json(
	    &t, "x.json", ship_str_c("{\"${HOME}\": \"${QUOTE}\", \"lit\": \"$${HOME} \\u0024{HOME}\"}"),
	    &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "${HOME}")), "a\"b\\c\n");
	/* \u0024{ is a "${" after decoding: values are decoded before rendering */
	assert_string_equal(json_string_value(json_object_get(j, "lit")), "${HOME} /home/u");
	json_decref(j);
	ship_diags_release(&d);
	ship_vars_release(&v);
}

static void json_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"{\"a\": 1,}", "line 1, column 9"},
	    {"{\n  \"a\": 1\n  \"b\": 2\n}", "line 3, column 5"},
	    {"", "line 1"},
	    {"{\"a\": 1} x", "end of file expected"},
	    {"{\"a\": 1, \"a\": 2}", "duplicate"},
	    {"[1, 2", "line 1"},
	};
	struct ship_vars v;
	setup_vars(&v);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_diags d = SHIP_DIAGS_INIT;
		struct ship_err err = SHIP_ERR_INIT;
		struct ship_tpl t = {ship_vars_resolve, &v, &d, NULL, NULL, NULL, 0, 0};
		json_t *j = ship_tpl_render_json(&t, "bad.json", ship_str_c(cases[i].text), &err);
		assert_null(j);
		assert_int_equal(err.code, SHIP_ERR_INPUT);
		if (!strstr(err.message, cases[i].want) || !strstr(err.message, "'bad.json'"))
			fail_msg("case %zu: %s", i, err.message);
		ship_diags_release(&d);
	}
	ship_vars_release(&v);
}

static void json_missing_file(void **state)
{
	(void)state;
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	setup_vars(&v);
	struct ship_tpl t = {ship_vars_resolve, &v, &d, NULL, NULL, NULL, 0, 0};
	assert_null(ship_tpl_render_json_file(&t, "/nonexistent/td.json", &err));
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(err.message, "cannot read '/nonexistent/td.json'"));
	ship_vars_release(&v);
}

static void survives_allocation_failures(void **state)
{
	(void)state;
	int completed = 0;
	for (long n = 1; n < 2000 && !completed; n++) {
		struct ship_vars v;
		struct ship_diags d = SHIP_DIAGS_INIT;
		struct ship_err err = SHIP_ERR_INIT;
		setup_vars(&v);
		assert_int_equal(ship_vars_set(&v, "IMAGE_TAG", "abc"), 0);
		struct ship_tpl t = {ship_vars_resolve, &v, &d, NULL, NULL, NULL, 0, 0};
		tu_alloc_fail_at(n);
		json_t *j = ship_tpl_render_json(&t, "td.json", ship_str_c(s_runbook_td), &err);
		/* and a failing expansion with diagnostics */
		struct ship_buf out = SHIP_BUF_INIT(0);
		struct ship_err err2 = SHIP_ERR_INIT;
		int r = ship_tpl_expand(&t, ship_str_c("${A} ${B:-${C}} ${cfn:D} $${"), &out, &err2);
		tu_alloc_fail_at(0);
		if (j) {
			completed = r == 1 && ship_diags_count(&d, SHIP_SEV_ERROR) == 3;
			json_decref(j);
		} else if (err.code != SHIP_ERR_NOMEM && err.code != SHIP_ERR_INPUT) {
			fail_msg("fail at %ld: code %d: %s", n, err.code, err.message);
		}
		ship_buf_release(&out);
		ship_diags_release(&d);
		ship_vars_release(&v);
	}
	assert_true(completed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(expands_table),
	    TU_TEST(problems_have_columns),
	    TU_TEST(many_problems_are_bounded),
	    TU_TEST(account_is_lazy_and_cached),
	    TU_TEST(resolver_failure_is_not_input),
	    TU_TEST(image_vars),
	    TU_TEST(json_renders_runbook),
	    TU_TEST(json_reports_every_position),
	    TU_TEST(json_escapes_values),
	    TU_TEST(json_malformed),
	    TU_TEST(json_missing_file),
	    TU_TEST(survives_allocation_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
