/*
 * test_creds_process.c: the credential_process provider against small shell scripts in a
 * temporary directory: good output, non-zero exit with stderr, bad JSON, expired credentials,
 * wrong version, missing keys, a command that does not exist, quoting, a hung command and
 * unbounded output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecship/clock.h"
#include "ecship/creds.h"
#include "ecship/profile.h"
#include "ecship/util.h"
#include "testutil.h"

static char s_dir[256];

static void make_dir(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(s_dir, sizeof(s_dir), "%s/ecship-proc.XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(s_dir));
}

static void remove_dir(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s_dir);
	assert_int_equal(system(cmd), 0);
}

static void script(const char *name, const char *body)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", s_dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

#define GOOD_JSON(exp)                                                                             \
	"echo '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": \"sk\", "      \
	"\"SessionToken\": \"st\", \"Expiration\": \"" exp "\"}'\n"

/* clang-format off */
static const struct {
	const char *name;
	const char *script;     /* body of $DIR/NAME.sh; NULL: none */
	const char *args;       /* after the script path */
	long timeout_ms;
	const char *want_key;   /* success: access key */
	double want_expires;
	enum ship_errcode code; /* failure */
	const char *want_msg[3];
} s_cases[] = {
    {"ok", GOOD_JSON("2027-01-15T09:00:00Z"), "", 0, "AKIAPROC", 1800003600.0, 0, {NULL}},
    {"no expiration, no token",
     "printf '%s' '{\"Version\":1,\"AccessKeyId\":\"AK2\",\"SecretAccessKey\":\"s\"}'\n", "", 0,
     "AK2", 0, 0, {NULL}},
    {"quoted arguments, no shell",
     "printf '{\"Version\":1,\"AccessKeyId\":\"%s|%s|%s\",\"SecretAccessKey\":\"s\"}' \"$1\" "
     "\"$2\" \"$3\"\n",
     " 'a b' \"c'd\" $HOME", 0, "a b|c'd|$HOME", 0, 0, {NULL}},
    {"non-zero exit shows stderr", "echo 'token expired, run: login' >&2\nexit 3\n", "", 0, NULL,
     0, SHIP_ERR_CREDENTIALS, {"credential_process of profile 'ci'", "failed with exit status 3",
			       "token expired, run: login"}},
    {"non-zero exit without stderr", "exit 1\n", "", 0, NULL, 0, SHIP_ERR_CREDENTIALS,
     {"exit status 1", "printed nothing on stderr"}},
    {"bad JSON", "echo 'AccessKeyId=AK'\necho 'oops' >&2\n", "", 0, NULL, 0, SHIP_ERR_CREDENTIALS,
     {"did not print a JSON object", "\"Version\": 1", "its stderr: oops"}},
    {"expired", GOOD_JSON("2027-01-15T07:00:00Z"), "", 0, NULL, 0, SHIP_ERR_CREDENTIALS,
     {"returned credentials that expired at 2027-01-15T07:00:00Z"}},
    {"bad expiration", GOOD_JSON("tomorrow"), "", 0, NULL, 0, SHIP_ERR_CREDENTIALS,
     {"cannot read the expiration time 'tomorrow'"}},
    {"version 2", "echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\"}'\n",
     "", 0, NULL, 0, SHIP_ERR_CREDENTIALS, {"only Version 1 is supported"}},
    {"missing secret", "echo '{\"Version\": 1, \"AccessKeyId\": \"A\"}'\n", "", 0, NULL, 0,
     SHIP_ERR_CREDENTIALS, {"no \"SecretAccessKey\""}},
    {"killed by a signal", "kill -9 $$\n", "", 0, NULL, 0, SHIP_ERR_CREDENTIALS,
     {"killed by signal 9"}},
    {"hangs", "exec sleep 30\n", "", 300, NULL, 0, SHIP_ERR_TIMEOUT,
     {"did not finish within 1 s"}},
    {"too much output", "exec yes\n", "", 0, NULL, 0, SHIP_ERR_CREDENTIALS,
     {"printed more than 64 KiB"}},
    {"command not found", NULL, "", 0, NULL, 0, SHIP_ERR_CREDENTIALS,
     {"cannot run", "No such file or directory"}},
    {"unclosed quote", NULL, " 'x", 0, NULL, 0, SHIP_ERR_INPUT, {"unclosed quote"}},
};
/* clang-format on */

static void process_table(void **state)
{
	(void)state;
	struct ship_fake_clock fc;
	make_dir();
	ship_fake_clock_init(&fc, 1800000000.0); /* 2027-01-15T08:00:00Z */
	for (size_t i = 0; i < sizeof(s_cases) / sizeof(s_cases[0]); i++) {
		char name[32], cmd[1024];
		struct ship_err err = SHIP_ERR_INIT;
		struct ship_creds out;
		snprintf(name, sizeof(name), "case%zu.sh", i);
		if (s_cases[i].script)
			script(name, s_cases[i].script);
		snprintf(cmd, sizeof(cmd), "%s/%s%s", s_dir, name, s_cases[i].args);
		int rc = ship_creds_run_process(cmd, "credential_process of profile 'ci'",
						s_cases[i].timeout_ms, &fc.clock, &out, &err);
		if (s_cases[i].want_key) {
			if (rc != 0)
				fail_msg("%s: %s", s_cases[i].name, err.message);
			assert_string_equal(out.access_key, s_cases[i].want_key);
			assert_true(out.expires == s_cases[i].want_expires);
			assert_string_equal(out.source, "credential_process of profile 'ci'");
			ship_creds_release(&out);
			continue;
		}
		if (rc == 0)
			fail_msg("%s: succeeded", s_cases[i].name);
		if (err.code != s_cases[i].code)
			fail_msg("%s: code %s (%s)", s_cases[i].name, ship_errcode_name(err.code),
				 err.message);
		for (int j = 0; j < 3 && s_cases[i].want_msg[j]; j++)
			if (!strstr(err.message, s_cases[i].want_msg[j]))
				fail_msg("%s: '%s' lacks '%s'", s_cases[i].name, err.message,
					 s_cases[i].want_msg[j]);
	}
	remove_dir();
}

static void from_profile(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	struct ship_fake_clock fc;
	struct ship_creds_ctx ctx;
	char path[512], text[1024];

	make_dir();
	script("ok.sh", GOOD_JSON("2027-01-15T09:00:00Z"));
	snprintf(path, sizeof(path), "%s/config", s_dir);
	snprintf(text, sizeof(text),
		 "[profile ci]\ncredential_process = %s/ok.sh --role deploy\n[profile none]\n"
		 "region = x\n[profile empty]\ncredential_process =\n",
		 s_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	struct ship_aws_config *cfg = ship_aws_config_load_files(path, NULL, &err);
	assert_non_null(cfg);
	ship_fake_clock_init(&fc, 1800000000.0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.config = cfg;
	ctx.clock = &fc.clock;
	assert_int_equal(ship_creds_from_process(&ctx, "ci", &out, &err), 1);
	assert_string_equal(out.source, "credential_process of profile 'ci'");
	assert_string_equal(out.session_token, "st");
	ship_creds_release(&out);
	assert_int_equal(ship_creds_from_process(&ctx, "none", &out, &err), 0);
	assert_int_equal(ship_creds_from_process(&ctx, "empty", &out, &err), 0);
	/* the same command an hour later returns expired credentials */
	fc.now += 7200;
	assert_int_equal(ship_creds_from_process(&ctx, "ci", &out, &err), -1);
	assert_non_null(strstr(err.message, "expired at 2027-01-15T09:00:00Z"));
	ship_aws_config_destroy(cfg);
	remove_dir();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(process_table),
	    TU_TEST(from_profile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
