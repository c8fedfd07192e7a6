/*
 * test_profile.c: the shared config/credentials file parser (lib/aws/profile.c) and the
 * shell-like splitter, from tables of file contents in a temporary directory; path expansion;
 * every allocation failing in turn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecship/profile.h"
#include "ecship/util.h"
#include "testutil.h"

static char s_dir[256];

static void make_dir(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(s_dir, sizeof(s_dir), "%s/ecship-profile.XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(s_dir));
}

static void remove_dir(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s_dir);
	assert_int_equal(system(cmd), 0);
}

static const char *write_file(const char *name, const char *text, size_t len)
{
	static char path[2][512];
	static int which;
	char *p = path[which++ & 1];
	snprintf(p, 512, "%s/%s", s_dir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	return p;
}

/* ---- parsing: what a lookup returns ---------------------------------------------------------- */

enum where { CONFIG, CREDFILE, MERGED, SUB, SECTION, SECTION_SUB, HAS };

struct lookup {
	enum where where;
	const char *profile; /* or section kind for SECTION */
	const char *key;     /* or section name */
	const char *sub;     /* key in SECTION; nested member otherwise */
	const char *sub2;
	const char *want; /* NULL: absent; for HAS "1"/"0" */
};

static const struct {
	const char *name;
	const char *config;
	const char *creds;
	struct lookup l[6];
} s_cases[] = {
    {"basic sections",
     "[default]\nregion = us-east-1\n\n[profile dev]\nregion=eu-west-1\noutput = json\n",
     NULL,
     {{CONFIG, "default", "region", 0, 0, "us-east-1"},
      {CONFIG, "dev", "region", 0, 0, "eu-west-1"},
      {CONFIG, "dev", "output", 0, 0, "json"},
      {CONFIG, "profile dev", "region", 0, 0, NULL},
      {HAS, "dev", 0, 0, 0, "1"},
      {HAS, "prod", 0, 0, 0, "0"}}},
    {"comments and spacing",
     "# a comment\n; another\n[default]\n   # indented comment\n  region   =   a b  \nname: "
     "colon\nurl = http://x:1/?a=b # kept\n",
     NULL,
     {{CONFIG, "default", "region", 0, 0, "a b"},
      {CONFIG, "default", "name", 0, 0, "colon"},
      {CONFIG, "default", "url", 0, 0, "http://x:1/?a=b # kept"}}},
    {"keys are case-insensitive, names are not",
     "[default]\nRegion = r1\n[profile Dev]\nx=1\n",
     NULL,
     {{CONFIG, "default", "REGION", 0, 0, "r1"},
      {CONFIG, "default", "region", 0, 0, "r1"},
      {HAS, "Dev", 0, 0, 0, "1"},
      {HAS, "dev", 0, 0, 0, "0"}}},
    {"nested block",
     "[default]\ns3 =\n  addressing_style = path\n\n  max_concurrent_requests=10\nregion = "
     "r\n[profile p]\nempty =\nafter = 1\n",
     NULL,
     {{SUB, "default", "s3", "addressing_style", 0, "path"},
      {SUB, "default", "s3", "max_concurrent_requests", 0, "10"},
      {SUB, "default", "s3", "other", 0, NULL},
      {CONFIG, "default", "region", 0, 0, "r"},
      {CONFIG, "p", "empty", 0, 0, ""},
      {CONFIG, "p", "after", 0, 0, "1"}}},
    {"continuation lines",
     "[default]\ncredential_process = /bin/x\n    --flag\n\n    --other\nnext = n\n",
     NULL,
     {{CONFIG, "default", "credential_process", 0, 0, "/bin/x\n--flag\n\n--other"},
      {CONFIG, "default", "next", 0, 0, "n"}}},
    {"later duplicates win and sections merge",
     "[default]\nregion=a\nregion=b\n[profile dev]\nx=1\n[default]\noutput=json\n[profile "
     "default]\nregion=c\n",
     NULL,
     {{CONFIG, "default", "region", 0, 0, "c"},
      {CONFIG, "default", "output", 0, 0, "json"},
      {CONFIG, "dev", "x", 0, 0, "1"}}},
    {"profile names like botocore",
     "[profile \"my dev\"]\na=1\n[profile dev x]\nb=2\n[profileX]\nc=3\n[ default ]\nd=4\n"
     "[preview]\ne=5\n",
     NULL,
     {{CONFIG, "my dev", "a", 0, 0, "1"},
      {HAS, "dev x", 0, 0, 0, "0"},
      {HAS, "profileX", 0, 0, 0, "0"},
      {HAS, "default", 0, 0, 0, "0"},
      {HAS, "preview", 0, 0, 0, "0"}}},
    {"sso-session and services sections",
     "[sso-session corp]\nsso_region = us-east-1\n[services local]\necs =\n  endpoint_url = "
     "http://127.0.0.1:9\n[profile a]\nservices = local\n",
     NULL,
     {{SECTION, "sso-session", "corp", "sso_region", 0, "us-east-1"},
      {SECTION_SUB, "services", "local", "ecs", "endpoint_url", "http://127.0.0.1:9"},
      {CONFIG, "a", "services", 0, 0, "local"},
      {HAS, "corp", 0, 0, 0, "0"}}},
    {"credentials file names sections verbatim",
     "[profile dev]\nregion=r\nrole_arn=from-config\n",
     "[dev]\naws_access_key_id = AKIA1\nrole_arn = from-creds\n[profile x]\ny=1\n",
     {{CREDFILE, "dev", "aws_access_key_id", 0, 0, "AKIA1"},
      {CREDFILE, "profile x", "y", 0, 0, "1"},
      {MERGED, "dev", "role_arn", 0, 0, "from-creds"},
      {MERGED, "dev", "region", 0, 0, "r"},
      {CONFIG, "dev", "aws_access_key_id", 0, 0, NULL},
      {HAS, "profile x", 0, 0, 0, "1"}}},
    {"CRLF, BOM, tabs",
     "\xef\xbb\xbf[default]\r\nregion\t=\tr\r\n\r\n[profile t]\r\nk = v\r\n",
     NULL,
     {{CONFIG, "default", "region", 0, 0, "r"}, {CONFIG, "t", "k", 0, 0, "v"}}},
    {"indented header after a key is a continuation (configparser)",
     "[default]\nk = v\n  [profile z]\n",
     NULL,
     {{CONFIG, "default", "k", 0, 0, "v\n[profile z]"}, {HAS, "z", 0, 0, 0, "0"}}},
    {"empty files", "", "", {{HAS, "default", 0, 0, 0, "0"}}},
};

static void check_lookup(const struct ship_aws_config *c, const char *name, const struct lookup *l)
{
	const char *got = NULL;
	char buf[4];
	switch (l->where) {
	case CONFIG:
		got = ship_aws_config_get(c, l->profile, l->key);
		break;
	case CREDFILE:
		got = ship_aws_credfile_get(c, l->profile, l->key);
		break;
	case MERGED:
		got = ship_aws_profile_get(c, l->profile, l->key);
		break;
	case SUB:
		got = ship_aws_config_get_sub(c, l->profile, l->key, l->sub);
		break;
	case SECTION:
		got = ship_aws_config_section_get(c, l->profile, l->key, l->sub);
		break;
	case SECTION_SUB:
		got = ship_aws_config_section_get_sub(c, l->profile, l->key, l->sub, l->sub2);
		break;
	case HAS:
		snprintf(buf, sizeof(buf), "%d", ship_aws_config_has_profile(c, l->profile));
		got = buf;
		break;
	}
	if ((got == NULL) != (l->want == NULL) || (got && strcmp(got, l->want))) {
		fprintf(stderr, "# case '%s': %s/%s: got '%s', want '%s'\n", name, l->profile,
			l->key ? l->key : "", got ? got : "(null)", l->want ? l->want : "(null)");
		fail();
	}
}

static void parses_table(void **state)
{
	(void)state;
	make_dir();
	for (size_t i = 0; i < sizeof(s_cases) / sizeof(s_cases[0]); i++) {
		struct ship_err err = SHIP_ERR_INIT;
		const char *cp = s_cases[i].config ? write_file("config", s_cases[i].config,
								strlen(s_cases[i].config))
						   : NULL;
		const char *kp = s_cases[i].creds ? write_file("credentials", s_cases[i].creds,
							       strlen(s_cases[i].creds))
						  : NULL;
		struct ship_aws_config *c = ship_aws_config_load_files(cp, kp, &err);
		if (!c) {
			fprintf(stderr, "# case '%s': %s\n", s_cases[i].name, err.message);
			fail();
		}
		for (size_t j = 0; j < 6 && s_cases[i].l[j].profile; j++)
			check_lookup(c, s_cases[i].name, &s_cases[i].l[j]);
		ship_aws_config_destroy(c);
	}
	remove_dir();
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void malformed_files_name_file_and_line(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t len; /* 0: strlen */
		int in_creds;
		const char *want; /* substring of the message */
	} cases[] = {
	    {"region = a\n", 0, 0, "line 1: expected a section header"},
	    {"[default]\nregion = a\nbad line\n", 0, 0,
	     "line 3: expected '[section]' or 'key = value', found 'bad line'"},
	    {"# c\n[default]\n= x\n", 0, 0, "line 3: expected a key"},
	    {"[default]\ns3 =\n  addressing_style = path\n  novalue\n", 0, 0,
	     "line 4: expected 'key = value' in the nested block"},
	    {"[dev]\naws_access_key_id\n", 0, 1, "AWS credentials file '"},
	    {"[default]\nk=v\0x\n", 16, 0, "NUL byte"},
	    {"[]\n", 0, 0, "line 1"},
	};
	make_dir();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_err err = SHIP_ERR_INIT;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		const char *p =
		    write_file(cases[i].in_creds ? "credentials" : "config", cases[i].text, len);
		struct ship_aws_config *c = cases[i].in_creds
						? ship_aws_config_load_files(NULL, p, &err)
						: ship_aws_config_load_files(p, NULL, &err);
		assert_null(c);
		assert_int_equal(err.code, SHIP_ERR_INPUT);
		if (!strstr(err.message, cases[i].want) || !strstr(err.message, s_dir)) {
			fprintf(stderr, "# case %zu: message '%s' lacks '%s'\n", i, err.message,
				cases[i].want);
			fail();
		}
	}
	remove_dir();
}

static void missing_files_are_fine_unreadable_are_not(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	make_dir();
	char missing[512], dir[512];
	snprintf(missing, sizeof(missing), "%s/nope/config", s_dir);
	snprintf(dir, sizeof(dir), "%s/adir", s_dir);
	assert_int_equal(mkdir(dir, 0700), 0);

	struct ship_aws_config *c = ship_aws_config_load_files(missing, missing, &err);
	assert_non_null(c);
	assert_false(ship_aws_config_has_profile(c, "default"));
	assert_string_equal(ship_aws_config_path(c), missing);
	ship_aws_config_destroy(c);

	c = ship_aws_config_load_files(dir, NULL, &err);
	assert_null(c);
	assert_int_equal(err.code, SHIP_ERR_IO);
	assert_non_null(strstr(err.message, "cannot read AWS config file"));
	assert_non_null(strstr(err.message, dir));
	assert_non_null(strstr(err.message, "AWS_CONFIG_FILE"));

	/* NULL config: every lookup is empty */
	assert_null(ship_aws_config_get(NULL, "default", "region"));
	assert_false(ship_aws_config_has_profile(NULL, "default"));
	assert_string_equal(ship_aws_config_path(NULL), "");
	remove_dir();
}

/* ---- paths from the environment -------------------------------------------------------------- */

static void paths_expand_home_and_variables(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	char *old_cfg = getenv("AWS_CONFIG_FILE") ? strdup(getenv("AWS_CONFIG_FILE")) : NULL;
	char *old_cred = getenv("AWS_SHARED_CREDENTIALS_FILE")
			     ? strdup(getenv("AWS_SHARED_CREDENTIALS_FILE"))
			     : NULL;
	char want[600];

	make_dir();
	write_file("cfg", "[default]\nregion = from-tilde\n", 30);
	write_file("creds", "[default]\naws_access_key_id = AKV\n", 34);
	setenv("HOME", s_dir, 1);
	setenv("ECSHIP_TEST_SUBDIR", "creds", 1);
	setenv("AWS_CONFIG_FILE", "~/cfg", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "${HOME}/$ECSHIP_TEST_SUBDIR", 1);
	struct ship_aws_config *c = ship_aws_config_load(&err);
	assert_non_null(c);
	assert_string_equal(ship_aws_config_get(c, "default", "region"), "from-tilde");
	assert_string_equal(ship_aws_credfile_get(c, "default", "aws_access_key_id"), "AKV");
	snprintf(want, sizeof(want), "%s/cfg", s_dir);
	assert_string_equal(ship_aws_config_path(c), want);
	ship_aws_config_destroy(c);

	/* defaults: ~/.aws/config and ~/.aws/credentials */
	unsetenv("AWS_CONFIG_FILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	c = ship_aws_config_load(&err);
	assert_non_null(c);
	snprintf(want, sizeof(want), "%s/.aws/credentials", s_dir);
	assert_string_equal(ship_aws_credfile_path(c), want);
	ship_aws_config_destroy(c);

	if (old_home)
		setenv("HOME", old_home, 1);
	if (old_cfg)
		setenv("AWS_CONFIG_FILE", old_cfg, 1);
	if (old_cred)
		setenv("AWS_SHARED_CREDENTIALS_FILE", old_cred, 1);
	unsetenv("ECSHIP_TEST_SUBDIR");
	free(old_home);
	free(old_cfg);
	free(old_cred);
	remove_dir();
}

/* ---- allocation failures --------------------------------------------------------------------- */

static void survives_every_failed_allocation(void **state)
{
	(void)state;
	static const char config[] =
	    "[default]\nregion = r\ns3 =\n  a = 1\n  b = 2\n[profile \"x y\"]\nk = v\n  more\n"
	    "[services s]\necs =\n  endpoint_url = http://127.0.0.1:1\n";
	static const char creds[] = "[default]\naws_access_key_id = A\naws_secret_access_key = S\n";
	make_dir();
	const char *cp = write_file("config", config, strlen(config));
	const char *kp = write_file("credentials", creds, strlen(creds));
	int failures = 0, successes = 0;
	for (long n = 1; n < 400; n++) {
		struct ship_err err = SHIP_ERR_INIT;
		long live = tu_alloc_live();
		tu_alloc_fail_at(n);
		struct ship_aws_config *c = ship_aws_config_load_files(cp, kp, &err);
		tu_alloc_fail_at(0);
		if (c) {
			successes++;
			assert_string_equal(ship_aws_config_get_sub(c, "default", "s3", "b"), "2");
			assert_string_equal(ship_aws_config_get(c, "x y", "k"), "v\nmore");
			ship_aws_config_destroy(c);
		} else {
			failures++;
			if (err.code != SHIP_ERR_NOMEM)
				fprintf(stderr, "# n=%ld: %s\n", n, err.message);
			assert_int_equal(err.code, SHIP_ERR_NOMEM);
		}
		assert_int_equal(tu_alloc_live(), live);
		if (c && n > 5)
			break; /* the Nth allocation no longer happens: every earlier one was failed
				*/
	}
	assert_true(failures > 20);
	assert_true(successes >= 1);
	remove_dir();
}

/* ---- shell splitting ------------------------------------------------------------------------- */

static void shell_split_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *want[6]; /* NULL-terminated; want[0] "ERR" for an error */
	} cases[] = {
	    /* the expected words are what Python's shlex.split gives for the same input */
	    {"a b  c", {"a", "b", "c", NULL}},
	    {"  /bin/creds --profile dev  ", {"/bin/creds", "--profile", "dev", NULL}},
	    {"'a b' \"c d\" e\\ f", {"a b", "c d", "e f", NULL}},
	    {"x'y'\"z\"", {"xyz", NULL}},
	    {"\"a\\\"b\\\\c\\d\"", {"a\"b\\c\\d", NULL}},
	    {"'a\\b'", {"a\\b", NULL}},
	    {"'' \"\"", {"", "", NULL}},
	    {"a\n  b\tc", {"a", "b", "c", NULL}},
	    {"#not-a-comment $HOME", {"#not-a-comment", "$HOME", NULL}},
	    {"", {NULL}},
	    {"'unclosed", {"ERR"}},
	    {"\"unclosed", {"ERR"}},
	    {"trailing\\", {"ERR"}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_err err = SHIP_ERR_INIT;
		char **argv = NULL;
		size_t argc = 99;
		int rc = ship_shell_split(cases[i].in, &argv, &argc, &err);
		if (cases[i].want[0] && !strcmp(cases[i].want[0], "ERR")) {
			assert_int_equal(rc, -1);
			assert_int_equal(err.code, SHIP_ERR_INPUT);
			assert_null(argv);
			continue;
		}
		assert_int_equal(rc, 0);
		size_t n = 0;
		while (cases[i].want[n])
			n++;
		assert_int_equal(argc, n);
		for (size_t j = 0; j < n; j++)
			assert_string_equal(argv[j], cases[i].want[j]);
		assert_null(argv[n]);
		ship_shell_split_free(argv);
	}
	/* every allocation failing in turn */
	for (long n = 1; n < 30; n++) {
		struct ship_err err = SHIP_ERR_INIT;
		char **argv = NULL;
		tu_alloc_fail_at(n);
		int rc = ship_shell_split("one 'two three' four five six seven", &argv, NULL, &err);
		tu_alloc_fail_at(0);
		if (rc == 0)
			ship_shell_split_free(argv);
		else
			assert_int_equal(err.code, SHIP_ERR_NOMEM);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(parses_table),
	    TU_TEST(malformed_files_name_file_and_line),
	    TU_TEST(missing_files_are_fine_unreadable_are_not),
	    TU_TEST(paths_expand_home_and_variables),
	    TU_TEST(survives_every_failed_allocation),
	    TU_TEST(shell_split_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
