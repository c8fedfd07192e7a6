/*
 * test_creds.c: the credential chain (lib/aws/creds*.c) without a network: which source wins for
 * which environment and files (a table), assume-role chains and cycles, web identity, the
 * "nothing found" message, time parsing and the refresh decision with an injected clock.
 * STS and HTTP are fakes behind struct ship_creds_ctx.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "ecship/aws.h"
#include "ecship/clock.h"
#include "ecship/creds.h"
#include "ecship/profile.h"
#include "ecship/util.h"
#include "testutil.h"

static char s_dir[256];

static const char *const s_env_vars[] = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_METADATA_SERVICE_TIMEOUT",
    "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
    "AWS_PROFILE",
};

static void clear_env(void)
{
	for (size_t i = 0; i < sizeof(s_env_vars) / sizeof(s_env_vars[0]); i++)
		unsetenv(s_env_vars[i]);
}

static void make_dir(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(s_dir, sizeof(s_dir), "%s/ecship-creds.XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(s_dir));
}

static void remove_dir(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s_dir);
	assert_int_equal(system(cmd), 0);
}

/* Replaces $DIR with the temporary directory. */
static void subst(const char *in, char *out, size_t n)
{
	size_t j = 0;
	for (const char *p = in; *p && j + 1 < n;) {
		if (!strncmp(p, "$DIR", 4)) {
			j += (size_t)snprintf(out + j, n - j, "%s", s_dir);
			p += 4;
		} else {
			out[j++] = *p++;
		}
	}
	out[j < n ? j : n - 1] = '\0';
}

static const char *write_file(const char *name, const char *text, int mode)
{
	static char path[4][512];
	static int which;
	char *p = path[which++ & 3];
	char body[4096];
	subst(text, body, sizeof(body));
	snprintf(p, 512, "%s/%s", s_dir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	fputs(body, f);
	fclose(f);
	if (mode)
		chmod(p, (mode_t)mode);
	return p;
}

/* ---- fakes ----------------------------------------------------------------------------------- */

struct fake_sts {
	int calls;
	char action[4][48];
	char signer[4][48]; /* access key that signed, "" for unsigned */
	char params[4][1024];
	const char *fail_code; /* answer with this error */
};

static int fake_sts(void *ctx, const char *action, const struct ship_params *params,
		    const struct ship_creds *sign_with, xmlDoc **response, struct ship_err *err)
{
	struct fake_sts *f = ctx;
	int i = f->calls++;
	char xml[1024];
	if (i < 4) {
		snprintf(f->action[i], sizeof(f->action[i]), "%s", action);
		snprintf(f->signer[i], sizeof(f->signer[i]), "%s",
			 sign_with ? sign_with->access_key : "");
		size_t n = 0;
		for (size_t k = 0; k < params->kv.n && n < sizeof(f->params[i]); k++)
			n += (size_t)snprintf(f->params[i] + n, sizeof(f->params[i]) - n, "%s=%s&",
					      params->kv.v[k].name, params->kv.v[k].value);
	}
	if (f->fail_code) {
		ship_err_set(err, SHIP_ERR_AWS, "%s: denied", f->fail_code);
		snprintf(err->aws_code, sizeof(err->aws_code), "%s", f->fail_code);
		return -1;
	}
	snprintf(
	    xml, sizeof(xml),
	    "<%sResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><%sResult>"
	    "<Credentials><AccessKeyId>ASIASTS%d</AccessKeyId><SecretAccessKey>sts-secret-%d"
	    "</SecretAccessKey><SessionToken>sts-token-%d</SessionToken>"
	    "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></%sResult></%sResponse>",
	    action, action, i + 1, i + 1, i + 1, action, action);
	*response = xmlReadMemory(xml, (int)strlen(xml), "sts.xml", NULL, XML_PARSE_NONET);
	return *response ? 0 : ship_err_set(err, SHIP_ERR_INTERNAL, "bad fake xml");
}

struct fake_http {
	int calls;
	char last_url[512];
	char last_auth[256];
};

/* 127.0.0.1:1/creds answers container credentials; anything else has no answer. */
static int fake_http(void *ctx, const struct ship_http_request *req,
		     struct ship_http_response *resp, struct ship_err *err)
{
	struct fake_http *f = ctx;
	const char *auth = req->headers ? ship_headers_get(req->headers, "Authorization") : NULL;
	f->calls++;
	snprintf(f->last_url, sizeof(f->last_url), "%s", req->url);
	snprintf(f->last_auth, sizeof(f->last_auth), "%s", auth ? auth : "");
	if (!strcmp(req->url, "http://127.0.0.1:1/creds")) {
		resp->status = 200;
		ship_buf_adds(&resp->body,
			      "{\"AccessKeyId\":\"ASIACONTAINER\",\"SecretAccessKey\":\"c\","
			      "\"Token\":\"ct\",\"Expiration\":\"2099-01-01T00:00:00Z\"}");
		return 0;
	}
	return ship_err_set(err, SHIP_ERR_NETWORK, "connection refused");
}

/* ---- the chain table ------------------------------------------------------------------------- */

/* clang-format off */
#define STATIC_DEFAULT "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s\n"

static const struct chain_case {
	const char *name;
	const char *env[6]; /* NAME=value, $DIR substituted */
	const char *config;
	const char *creds;
	const char *profile; /* NULL: default */
	int explicit_profile;
	const char *want_source; /* exact; NULL when an error is expected */
	const char *want_key;    /* access key id of the result */
	enum ship_errcode want_code;
	const char *want_msg; /* substring of the error */
	int sts_calls;
	const char *sts_signer0; /* who signed the first STS call */
} s_chain[] = {
    {"environment alone", {"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=e"}, NULL, NULL,
     NULL, 0, "environment", "AKIAENV", 0, NULL, 0, NULL},
    {"environment beats the shared credentials file",
     {"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=e"}, NULL, STATIC_DEFAULT, NULL, 0,
     "environment", "AKIAENV", 0, NULL, 0, NULL},
    {"--profile skips the environment",
     {"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=e"}, NULL,
     "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = d\n", "dev", 1,
     "shared credentials file, profile 'dev'", "AKIADEV", 0, NULL, 0, NULL},
    {"AWS_PROFILE does not skip the environment",
     {"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=e", "AWS_PROFILE=dev"}, NULL,
     "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = d\n", "dev", 0, "environment",
     "AKIAENV", 0, NULL, 0, NULL},
    {"shared credentials file beats config file keys", {NULL},
     "[default]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = c\n", STATIC_DEFAULT,
     NULL, 0, "shared credentials file, profile 'default'", "AKIADEFAULT", 0, NULL, 0, NULL},
    {"config file keys alone", {NULL},
     "[profile p]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = c\n"
     "aws_session_token = tok\n",
     NULL, "p", 1, "config file, profile 'p'", "AKIACONFIG", 0, NULL, 0, NULL},
    {"credential_process beats config file keys", {NULL},
     "[default]\ncredential_process = $DIR/ok.sh\naws_access_key_id = AKIACONFIG\n"
     "aws_secret_access_key = c\n",
     NULL, NULL, 0, "credential_process of profile 'default'", "AKIAPROCESS", 0, NULL, 0, NULL},
    {"shared credentials file beats credential_process", {NULL},
     "[default]\ncredential_process = $DIR/ok.sh\n", STATIC_DEFAULT, NULL, 0,
     "shared credentials file, profile 'default'", "AKIADEFAULT", 0, NULL, 0, NULL},
    {"credential_process in the credentials file counts too", {NULL}, NULL,
     "[default]\ncredential_process = $DIR/ok.sh\n", NULL, 0,
     "credential_process of profile 'default'", "AKIAPROCESS", 0, NULL, 0, NULL},
    {"assume role with source_profile", {NULL},
     "[default]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\n"
     "[profile base]\n",
     "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n", NULL, 0,
     "profile 'default' (assume role arn:aws:iam::123456789012:role/deploy)", "ASIASTS1", 0,
     NULL, 1, "AKIABASE"},
    {"assume role beats the shared credentials file of the same profile", {NULL},
     "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n",
     STATIC_DEFAULT "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n", NULL, 0,
     "profile 'default' (assume role arn:aws:iam::123456789012:role/r)", "ASIASTS1", 0, NULL, 1,
     "AKIABASE"},
    {"environment beats assume role", {"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=e"},
     "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n",
     "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n", NULL, 0, "environment",
     "AKIAENV", 0, NULL, 0, NULL},
    {"a profile may source its own keys", {NULL},
     "[profile self]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = self\n",
     "[self]\naws_access_key_id = AKIASELF\naws_secret_access_key = s\n", "self", 1,
     "profile 'self' (assume role arn:aws:iam::123456789012:role/r)", "ASIASTS1", 0, NULL, 1,
     "AKIASELF"},
    {"chained roles: each hop signed by the previous one", {NULL},
     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
     "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = c\n"
     "[profile c]\naws_access_key_id = AKIAC\naws_secret_access_key = c\n",
     NULL, "a", 1, "profile 'a' (assume role arn:aws:iam::1:role/a)", "ASIASTS2", 0, NULL, 2,
     "AKIAC"},
    {"source_profile cycle", {NULL},
     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
     "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n",
     NULL, "a", 1, NULL, NULL, SHIP_ERR_INPUT, "chain 'a' -> 'b' -> 'a' loops", 0, NULL},
    {"self reference without keys is a cycle", {NULL},
     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = a\n", NULL, "a", 1, NULL,
     NULL, SHIP_ERR_INPUT, "loops", 0, NULL},
    {"missing source_profile", {NULL},
     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = nope\n", NULL, "a", 1, NULL,
     NULL, SHIP_ERR_INPUT, "source_profile 'nope' of profile 'a' does not exist", 0, NULL},
    {"source profile without credentials", {NULL},
     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\n"
     "region = x\n",
     NULL, "a", 1, NULL, NULL, SHIP_ERR_INPUT,
     "source_profile 'b' of profile 'a' has no credentials", 0, NULL},
    {"credential_source Environment", {"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=e"},
     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Environment\n", NULL,
     "a", 1, "profile 'a' (assume role arn:aws:iam::1:role/a)", "ASIASTS1", 0, NULL, 1,
     "AKIAENV"},
    {"credential_source EcsContainer",
     {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:1/creds"},
     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = EcsContainer\n", NULL,
     "a", 1, "profile 'a' (assume role arn:aws:iam::1:role/a)", "ASIASTS1", 0, NULL, 1,
     "ASIACONTAINER"},
    {"credential_source that finds nothing", {NULL},
     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Environment\n", NULL,
     "a", 1, NULL, NULL, SHIP_ERR_CREDENTIALS,
     "credential_source Environment of profile 'a' found no credentials", 0, NULL},
    {"unknown credential_source", {NULL},
     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Laptop\n", NULL, "a", 1,
     NULL, NULL, SHIP_ERR_INPUT, "credential_source 'Laptop' in profile 'a' is not valid", 0, NULL},
    {"both source_profile and credential_source", {NULL},
     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Environment\n"
     "source_profile = a\n",
     NULL, "a", 1, NULL, NULL, SHIP_ERR_INPUT, "both source_profile and credential_source", 0,
     NULL},
    {"role_arn alone", {NULL}, "[profile a]\nrole_arn = arn:aws:iam::1:role/a\n", NULL, "a", 1,
     NULL, NULL, SHIP_ERR_INPUT, "neither source_profile nor credential_source", 0, NULL},
    {"mfa_serial is refused with a way out", {NULL},
     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\nmfa_serial = "
     "arn:aws:iam::1:mfa/me\n[profile b]\naws_access_key_id = A\naws_secret_access_key = B\n",
     NULL, "a", 1, NULL, NULL, SHIP_ERR_INPUT, "not supported: assume the role with 'aws sts", 0,
     NULL},
    {"bad duration_seconds", {NULL},
     "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\nduration_seconds = 10\n"
     "[profile b]\naws_access_key_id = A\naws_secret_access_key = B\n",
     NULL, "a", 1, NULL, NULL, SHIP_ERR_INPUT, "from 900 to 43200", 0, NULL},
    {"web identity from the environment",
     {"AWS_WEB_IDENTITY_TOKEN_FILE=$DIR/token", "AWS_ROLE_ARN=arn:aws:iam::1:role/gha"}, NULL,
     STATIC_DEFAULT, NULL, 0, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)", "ASIASTS1", 0, NULL, 1,
     ""},
    {"assume role beats web identity",
     {"AWS_WEB_IDENTITY_TOKEN_FILE=$DIR/token", "AWS_ROLE_ARN=arn:aws:iam::1:role/gha"},
     "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n",
     "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n", NULL, 0,
     "profile 'default' (assume role arn:aws:iam::1:role/r)", "ASIASTS1", 0, NULL, 1, "AKIABASE"},
    {"web identity environment skipped with --profile",
     {"AWS_WEB_IDENTITY_TOKEN_FILE=$DIR/token", "AWS_ROLE_ARN=arn:aws:iam::1:role/gha"}, NULL,
     "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = d\n", "dev", 1,
     "shared credentials file, profile 'dev'", "AKIADEV", 0, NULL, 0, NULL},
    {"web identity from the profile", {NULL},
     "[profile w]\nweb_identity_token_file = $DIR/token\nrole_arn = arn:aws:iam::1:role/w\n", NULL,
     "w", 1, "web identity (profile 'w')", "ASIASTS1", 0, NULL, 1, ""},
    {"web identity without a role", {"AWS_WEB_IDENTITY_TOKEN_FILE=$DIR/token"}, NULL, NULL, NULL,
     0, NULL, NULL, SHIP_ERR_INPUT, "set AWS_ROLE_ARN", 0, NULL},
    {"web identity token file missing",
     {"AWS_WEB_IDENTITY_TOKEN_FILE=$DIR/missing", "AWS_ROLE_ARN=arn:aws:iam::1:role/gha"}, NULL,
     NULL, NULL, 0, NULL, NULL, SHIP_ERR_CREDENTIALS, "cannot read web identity token file", 0,
     NULL},
    {"container credentials", {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:1/creds"},
     NULL, NULL, NULL, 0, "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)",
     "ASIACONTAINER", 0, NULL, 0, NULL},
    {"shared credentials beat container credentials",
     {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:1/creds"}, NULL, STATIC_DEFAULT, NULL,
     0, "shared credentials file, profile 'default'", "AKIADEFAULT", 0, NULL, 0, NULL},
    {"SSO profiles say what to do", {NULL},
     "[profile s]\nsso_session = corp\nsso_account_id = 1\n[sso-session corp]\nsso_region = x\n",
     NULL, "s", 1, NULL, NULL, SHIP_ERR_CREDENTIALS, "aws sso login --profile s", 0, NULL},
    {"unknown profile", {"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=e"}, NULL, NULL,
     "nope", 1, NULL, NULL, SHIP_ERR_INPUT, "profile 'nope' not found", 0, NULL},
    {"partial environment", {"AWS_ACCESS_KEY_ID=AKIAENV"}, NULL, STATIC_DEFAULT, NULL, 0, NULL,
     NULL, SHIP_ERR_CREDENTIALS, "AWS_SECRET_ACCESS_KEY is not", 0, NULL},
    {"partial keys in the credentials file", {NULL}, NULL, "[default]\naws_access_key_id = A\n",
     NULL, 0, NULL, NULL, SHIP_ERR_INPUT, "has aws_access_key_id but no aws_secret_access_key", 0,
     NULL},
    {"expired environment credentials",
     {"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=e",
      "AWS_CREDENTIAL_EXPIRATION=2020-01-01T00:00:00Z"},
     NULL, NULL, NULL, 0, NULL, NULL, SHIP_ERR_CREDENTIALS,
     "the credentials from environment expired at 2020-01-01T00:00:00Z", 0, NULL},
    {"nothing anywhere", {NULL}, NULL, NULL, NULL, 0, NULL, NULL, SHIP_ERR_CREDENTIALS,
     "no AWS credentials found; tried: environment", 0, NULL},
};
/* clang-format on */

static void run_chain_case(const struct chain_case *c)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	struct fake_sts sts;
	struct fake_http http;
	struct ship_fake_clock fc;
	const char *cp = NULL, *kp = NULL;

	memset(&sts, 0, sizeof(sts));
	memset(&http, 0, sizeof(http));
	ship_fake_clock_init(&fc, 1800000000.0);
	clear_env();
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	for (size_t i = 0; i < 6 && c->env[i]; i++) {
		char kv[512];
		subst(c->env[i], kv, sizeof(kv));
		char *eq = strchr(kv, '=');
		*eq = '\0';
		setenv(kv, eq + 1, 1);
	}
	if (c->config)
		cp = write_file("config", c->config, 0);
	if (c->creds)
		kp = write_file("credentials", c->creds, 0);
	struct ship_aws_config *cfg = ship_aws_config_load_files(cp, kp, &err);
	if (!cfg) {
		fprintf(stderr, "# %s: %s\n", c->name, err.message);
		fail();
	}
	struct ship_creds_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.profile = c->profile ? c->profile : "default";
	ctx.profile_explicit = c->explicit_profile;
	ctx.config = cfg;
	ctx.clock = &fc.clock;
	ctx.http = fake_http;
	ctx.http_ctx = &http;
	ctx.sts = fake_sts;
	ctx.sts_ctx = &sts;
	int rc = ship_creds_chain(&ctx, &out, &err);
	int bad = 0;
	if (c->want_source) {
		if (rc != 0) {
			fprintf(stderr, "# %s: failed: %s\n", c->name, err.message);
			bad = 1;
		} else if (strcmp(out.source, c->want_source) ||
			   strcmp(out.access_key, c->want_key)) {
			fprintf(stderr, "# %s: got %s from '%s', want %s from '%s'\n", c->name,
				out.access_key, out.source, c->want_key, c->want_source);
			bad = 1;
		}
	} else if (rc == 0) {
		fprintf(stderr, "# %s: want an error, got '%s'\n", c->name, out.source);
		bad = 1;
	} else if (err.code != c->want_code || !strstr(err.message, c->want_msg)) {
		fprintf(stderr, "# %s: error %s '%s', want %s containing '%s'\n", c->name,
			ship_errcode_name(err.code), err.message, ship_errcode_name(c->want_code),
			c->want_msg);
		bad = 1;
	}
	if (sts.calls != c->sts_calls) {
		fprintf(stderr, "# %s: %d STS calls, want %d\n", c->name, sts.calls, c->sts_calls);
		bad = 1;
	}
	if (c->sts_signer0 && sts.calls && strcmp(sts.signer[0], c->sts_signer0)) {
		fprintf(stderr, "# %s: first STS call signed by '%s', want '%s'\n", c->name,
			sts.signer[0], c->sts_signer0);
		bad = 1;
	}
	if (rc == 0)
		ship_creds_release(&out);
	ship_aws_config_destroy(cfg);
	unlink(cp ? cp : "/nonexistent");
	unlink(kp ? kp : "/nonexistent");
	if (bad)
		fail_msg("chain case '%s'", c->name);
}

static void setup_files(void)
{
	make_dir();
	write_file("ok.sh",
		   "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCESS\", "
		   "\"SecretAccessKey\": \"p\", \"SessionToken\": \"pt\", \"Expiration\": "
		   "\"2099-01-01T00:00:00Z\"}'\n",
		   0755);
	write_file("token", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln\n", 0);
}

static void chain_order_table(void **state)
{
	(void)state;
	setup_files();
	for (size_t i = 0; i < sizeof(s_chain) / sizeof(s_chain[0]); i++)
		run_chain_case(&s_chain[i]);
	clear_env();
	remove_dir();
}

/* ---- what goes to STS ------------------------------------------------------------------------ */

static void sts_parameters(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	struct fake_sts sts;
	struct ship_fake_clock fc;
	struct ship_creds_ctx ctx;

	setup_files();
	clear_env();
	const char *cp =
	    write_file("config",
		       "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = "
		       "b\nexternal_id = ext-1\nduration_seconds = 3600\n"
		       "[profile b]\naws_access_key_id = AKIAB\naws_secret_access_key = "
		       "B\n[profile n]\nrole_arn = arn:aws:iam::1:role/n\nsource_profile "
		       "= b\nrole_session_name = mine\n",
		       0);
	struct ship_aws_config *cfg = ship_aws_config_load_files(cp, NULL, &err);
	assert_non_null(cfg);
	ship_fake_clock_init(&fc, 1800000000.0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.config = cfg;
	ctx.clock = &fc.clock;
	ctx.sts = fake_sts;
	ctx.sts_ctx = &sts;

	memset(&sts, 0, sizeof(sts));
	assert_int_equal(ship_creds_from_assume_role(&ctx, "a", &out, &err), 1);
	assert_string_equal(sts.action[0], "AssumeRole");
	assert_string_equal(sts.params[0], "RoleArn=arn:aws:iam::1:role/a&RoleSessionName=ecship-"
					   "1800000000&ExternalId=ext-1&DurationSeconds=3600&");
	assert_string_equal(out.session_token, "sts-token-1");
	assert_true(out.expires > 4000000000.0);
	ship_creds_release(&out);

	memset(&sts, 0, sizeof(sts));
	assert_int_equal(ship_creds_from_assume_role(&ctx, "n", &out, &err), 1);
	assert_string_equal(sts.params[0], "RoleArn=arn:aws:iam::1:role/n&RoleSessionName=mine&");
	ship_creds_release(&out);

	/* not configured: 0 and no call */
	memset(&sts, 0, sizeof(sts));
	assert_int_equal(ship_creds_from_assume_role(&ctx, "b", &out, &err), 0);
	assert_int_equal(sts.calls, 0);

	/* web identity: unsigned, token and session name from the environment */
	char tok[600];
	snprintf(tok, sizeof(tok), "%s/token", s_dir);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tok, 1);
	setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/gha", 1);
	setenv("AWS_ROLE_SESSION_NAME", "run-42", 1);
	memset(&sts, 0, sizeof(sts));
	assert_int_equal(ship_creds_from_web_identity(&ctx, "default", 1, &out, &err), 1);
	assert_string_equal(sts.action[0], "AssumeRoleWithWebIdentity");
	assert_string_equal(sts.signer[0], "");
	assert_string_equal(sts.params[0], "RoleArn=arn:aws:iam::1:role/gha&RoleSessionName=run-42&"
					   "WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.e30.c2ln&");
	assert_string_equal(out.source, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)");
	ship_creds_release(&out);
	/* use_env 0 ignores the variables */
	assert_int_equal(ship_creds_from_web_identity(&ctx, "default", 0, &out, &err), 0);

	/* an STS error keeps its code and says which role */
	sts.fail_code = "AccessDenied";
	assert_int_equal(ship_creds_from_web_identity(&ctx, "default", 1, &out, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_AWS);
	assert_string_equal(err.aws_code, "AccessDenied");
	assert_non_null(strstr(err.message, "cannot assume role 'arn:aws:iam::1:role/gha'"));
	assert_int_equal(ship_creds_from_assume_role(&ctx, "a", &out, &err), -1);
	assert_non_null(strstr(err.message,
			       "profile 'a': cannot assume role 'arn:aws:iam::1:role/a' "
			       "with the credentials from config file, profile 'b'"));

	ship_aws_config_destroy(cfg);
	clear_env();
	remove_dir();
}

/* ---- the message when nothing is found ------------------------------------------------------- */

static void not_found_message_lists_sources_and_fixes(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	struct ship_creds_ctx ctx;
	clear_env();
	setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
	memset(&ctx, 0, sizeof(ctx));
	ctx.profile = "default";
	assert_int_equal(ship_creds_chain(&ctx, &out, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_CREDENTIALS);
	static const char *const want[] = {
	    "environment (AWS_ACCESS_KEY_ID not set)",
	    "web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set)",
	    "profile 'default'",
	    "container credentials",
	    "EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)",
	    "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
	    "aws configure",
	    "--profile",
	    "id-token: write",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(err.message, want[i]))
			fail_msg("'%s' lacks '%s'", err.message, want[i]);
	assert_null(strchr(err.message, '\n'));
	assert_true(err.message[strlen(err.message) - 1] != '.');

	ctx.profile_explicit = 1;
	ship_creds_chain(&ctx, &out, &err);
	assert_non_null(strstr(err.message, "environment (skipped because --profile was given)"));
	clear_env();
}

/* ---- environment ----------------------------------------------------------------------------- */

static void environment_provider(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	memset(&out, 0, sizeof(out));
	clear_env();
	assert_int_equal(ship_creds_from_env(&out, &err), 0);
	setenv("AWS_SECRET_ACCESS_KEY", "only-secret", 1);
	assert_int_equal(ship_creds_from_env(&out, &err), 0); /* like botocore: key id decides */
	setenv("AWS_ACCESS_KEY_ID", "AKIA1", 1);
	setenv("AWS_SESSION_TOKEN", "session", 1);
	assert_int_equal(ship_creds_from_env(&out, &err), 1);
	assert_string_equal(out.access_key, "AKIA1");
	assert_string_equal(out.secret_key, "only-secret");
	assert_string_equal(out.session_token, "session");
	assert_true(out.expires == 0);
	ship_creds_release(&out);
	setenv("AWS_SECURITY_TOKEN", "legacy", 1); /* botocore reads it first */
	setenv("AWS_CREDENTIAL_EXPIRATION", "2030-01-02T03:04:05+01:00", 1);
	assert_int_equal(ship_creds_from_env(&out, &err), 1);
	assert_string_equal(out.session_token, "legacy");
	assert_true(out.expires == 1893549845.0);
	ship_creds_release(&out);
	setenv("AWS_CREDENTIAL_EXPIRATION", "soon", 1);
	assert_int_equal(ship_creds_from_env(&out, &err), -1);
	assert_non_null(strstr(err.message, "AWS_CREDENTIAL_EXPIRATION 'soon'"));
	ship_creds_release(&out);
	clear_env();
}

/* ---- time and refresh ------------------------------------------------------------------------ */

static void parses_times(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		double want; /* -1: error */
	} cases[] = {
	    {"2026-11-28T19:31:04Z", 1795894264.0},
	    {"2026-11-28T19:31:04.250Z", 1795894264.25},
	    {"2026-11-28 19:31:04Z", 1795894264.0},
	    {"2026-11-28T19:31:04", 1795894264.0},
	    {"2026-11-28T19:31:04+00:00", 1795894264.0},
	    {"2026-11-29T04:31:04+09:00", 1795894264.0},
	    {"2026-11-28T14:31:04-0500", 1795894264.0},
	    {"2026-11-28t19:31:04z", 1795894264.0},
	    {"1970-01-01T00:00:00Z", 0.0},
	    {"2026-11-28", -1},
	    {"2026-13-28T19:31:04Z", -1},
	    {"2026-11-28T19:31:04Zjunk", -1},
	    {"2026-11-28T19:31", -1},
	    {"", -1},
	    {"1795894264", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double t = -2;
		int rc = ship_creds_parse_time(cases[i].in, &t);
		if (cases[i].want < 0) {
			if (rc != -1)
				fail_msg("'%s' parsed as %f", cases[i].in, t);
		} else if (rc != 0 || t != cases[i].want) {
			fail_msg("'%s': rc %d, %f, want %f", cases[i].in, rc, t, cases[i].want);
		}
	}
	char buf[32];
	ship_creds_format_time(1795894264.0, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-28T19:31:04Z");
}

static void refresh_decision(void **state)
{
	(void)state;
	static const struct {
		int have;
		double expires, now;
		int want;
	} cases[] = {
	    {0, 0, 1000, 1},	      /* nothing yet */
	    {1, 0, 1000, 0},	      /* never expire */
	    {1, 10000, 1000, 0},      /* far away */
	    {1, 1000 + 301, 1000, 0}, /* just outside the window */
	    {1, 1000 + 299, 1000, 1}, /* inside the 5 minutes */
	    {1, 1000, 1000, 1},	      /* expired now */
	    {1, 500, 1000, 1},	      /* long expired */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_creds c;
		memset(&c, 0, sizeof(c));
		c.expires = cases[i].expires;
		assert_int_equal(ship_creds_need_refresh(&c, cases[i].have, cases[i].now),
				 cases[i].want);
	}
}

struct counting_resolver {
	int calls;
	int fail;
	double expires;
};

static int counting_resolve(void *ctx, struct ship_creds *out, struct ship_err *err)
{
	struct counting_resolver *r = ctx;
	r->calls++;
	if (r->fail)
		return ship_err_set(err, SHIP_ERR_NETWORK, "sts unreachable");
	if (ship_creds_set(out, "AKIA", "secret", "tok", NULL, err, "resolve %d", r->calls))
		return -1;
	out->expires = r->expires;
	return 0;
}

static void cache_refreshes_with_the_clock(void **state)
{
	(void)state;
	struct ship_creds_cache cache;
	struct counting_resolver r = {0, 0, 0};
	struct ship_fake_clock fc;
	struct ship_err err = SHIP_ERR_INIT;
	const struct ship_creds *c;

	memset(&cache, 0, sizeof(cache));
	ship_fake_clock_init(&fc, 10000);
	r.expires = 10000 + 3600;
	c = ship_creds_cache_refresh(&cache, fc.clock.now(fc.clock.ctx), counting_resolve, &r,
				     &err);
	assert_non_null(c);
	assert_string_equal(c->source, "resolve 1");
	/* 54 minutes later: still cached */
	fc.clock.sleep(fc.clock.ctx, 54 * 60);
	c = ship_creds_cache_refresh(&cache, fc.now, counting_resolve, &r, &err);
	assert_int_equal(r.calls, 1);
	/* 56 minutes: within 5 minutes of expiry, resolved again */
	fc.clock.sleep(fc.clock.ctx, 2 * 60);
	r.expires = fc.now + 3600;
	c = ship_creds_cache_refresh(&cache, fc.now, counting_resolve, &r, &err);
	assert_int_equal(r.calls, 2);
	assert_string_equal(c->source, "resolve 2");
	/* a failed refresh while the old ones are still valid keeps them */
	fc.clock.sleep(fc.clock.ctx, 57 * 60);
	r.fail = 1;
	c = ship_creds_cache_refresh(&cache, fc.now, counting_resolve, &r, &err);
	assert_non_null(c);
	assert_int_equal(r.calls, 3);
	assert_string_equal(c->source, "resolve 2");
	assert_int_equal(err.code, SHIP_ERR_NONE);
	/* ... but not once they have expired */
	fc.clock.sleep(fc.clock.ctx, 4 * 60);
	c = ship_creds_cache_refresh(&cache, fc.now, counting_resolve, &r, &err);
	assert_null(c);
	assert_int_equal(err.code, SHIP_ERR_NETWORK);
	/* credentials that never expire are resolved once */
	ship_creds_cache_release(&cache);
	r.fail = 0;
	r.calls = 0;
	r.expires = 0;
	for (int i = 0; i < 5; i++) {
		fc.clock.sleep(fc.clock.ctx, 86400);
		assert_non_null(
		    ship_creds_cache_refresh(&cache, fc.now, counting_resolve, &r, &err));
	}
	assert_int_equal(r.calls, 1);
	ship_creds_cache_release(&cache);
	ship_creds_cache_release(NULL);
}

/* ---- through a real client with a fake transport --------------------------------------------- */

struct sts_server {
	int calls;
	char last_body[2048];
};

/* Answers every request as STS AssumeRole, expiring one hour after the fake clock's start. */
static int sts_transport(void *ctx, const struct ship_http_request *req,
			 struct ship_http_response *resp, struct ship_err *err)
{
	struct sts_server *s = ctx;
	(void)err;
	s->calls++;
	snprintf(s->last_body, sizeof(s->last_body), "%.*s", (int)req->body.len, req->body.p);
	resp->status = 200;
	ship_buf_addf(
	    &resp->body,
	    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	    "<AssumeRoleResult><Credentials><AccessKeyId>ASIACALL%d</AccessKeyId>"
	    "<SecretAccessKey>x</SecretAccessKey><SessionToken>y</SessionToken>"
	    "<Expiration>2027-01-15T09:00:00Z</Expiration></Credentials></AssumeRoleResult>"
	    "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
	    "</AssumeRoleResponse>",
	    s->calls);
	return 0;
}

static void client_cache_refreshes_assumed_role(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	struct sts_server srv;
	struct ship_fake_clock fc;
	struct ship_aws_options o;
	char *old_cfg = getenv("AWS_CONFIG_FILE") ? strdup(getenv("AWS_CONFIG_FILE")) : NULL;
	char *old_cred = getenv("AWS_SHARED_CREDENTIALS_FILE")
			     ? strdup(getenv("AWS_SHARED_CREDENTIALS_FILE"))
			     : NULL;

	make_dir();
	clear_env();
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_CONFIG_FILE",
	       write_file("config",
			  "[profile deploy]\nregion = ap-northeast-1\nrole_arn = "
			  "arn:aws:iam::123456789012:role/deploy\nsource_profile = base\n",
			  0),
	       1);
	setenv("AWS_SHARED_CREDENTIALS_FILE",
	       write_file("credentials",
			  "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n", 0),
	       1);
	memset(&srv, 0, sizeof(srv));
	ship_fake_clock_init(&fc, 1800000000.0); /* 2027-01-15T08:00:00Z */
	memset(&o, 0, sizeof(o));
	o.profile = "deploy";
	o.endpoint_url = "http://127.0.0.1:9";
	o.clock = &fc.clock;
	o.transport = sts_transport;
	o.transport_ctx = &srv;
	struct ship_aws *aws = ship_aws_new(&o, &err);
	if (!aws)
		fail_msg("ship_aws_new: %s", err.message);

	const struct ship_creds *c = ship_aws_creds(aws, &err);
	if (!c)
		fail_msg("creds: %s", err.message);
	assert_string_equal(c->access_key, "ASIACALL1");
	assert_string_equal(c->source,
			    "profile 'deploy' (assume role arn:aws:iam::123456789012:role/deploy)");
	assert_non_null(strstr(srv.last_body, "Action=AssumeRole"));
	assert_non_null(strstr(srv.last_body, "RoleSessionName=ecship-1800000000"));
	/* 50 minutes later the same credentials; at 56 minutes new ones */
	fc.clock.sleep(fc.clock.ctx, 50 * 60);
	c = ship_aws_creds(aws, &err);
	assert_string_equal(c->access_key, "ASIACALL1");
	assert_int_equal(srv.calls, 1);
	fc.clock.sleep(fc.clock.ctx, 6 * 60);
	c = ship_aws_creds(aws, &err);
	assert_non_null(c);
	assert_string_equal(c->access_key, "ASIACALL2");
	assert_int_equal(srv.calls, 2);
	ship_aws_destroy(aws);

	if (old_cfg)
		setenv("AWS_CONFIG_FILE", old_cfg, 1);
	if (old_cred)
		setenv("AWS_SHARED_CREDENTIALS_FILE", old_cred, 1);
	free(old_cfg);
	free(old_cred);
	clear_env();
	remove_dir();
}

/* ---- allocation failures --------------------------------------------------------------------- */

/* (credential_process is left out: jansson reports some failed allocations as bad JSON) */
static void chain_survives_every_failed_allocation(void **state)
{
	(void)state;
	struct fake_sts sts;
	struct ship_fake_clock fc;
	setup_files();
	clear_env();
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	const char *cp =
	    write_file("config",
		       "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = "
		       "b\nexternal_id = e\n[profile b]\naws_access_key_id = A\n"
		       "aws_secret_access_key = S\n",
		       0);
	int ok = 0;
	for (long n = 1; n < 200; n++) {
		struct ship_err err = SHIP_ERR_INIT;
		struct ship_creds out;
		struct ship_creds_ctx ctx;
		long live = tu_alloc_live();
		tu_alloc_fail_at(n);
		struct ship_aws_config *cfg = ship_aws_config_load_files(cp, NULL, &err);
		int rc = -1;
		if (cfg) {
			memset(&sts, 0, sizeof(sts));
			ship_fake_clock_init(&fc, 1800000000.0);
			memset(&ctx, 0, sizeof(ctx));
			ctx.profile = "a";
			ctx.profile_explicit = 1;
			ctx.config = cfg;
			ctx.clock = &fc.clock;
			ctx.sts = fake_sts;
			ctx.sts_ctx = &sts;
			rc = ship_creds_chain(&ctx, &out, &err);
			ship_aws_config_destroy(cfg);
		}
		tu_alloc_fail_at(0);
		if (rc == 0) {
			ok++;
			assert_string_equal(out.access_key, "ASIASTS1");
			ship_creds_release(&out);
		} else if (err.code != SHIP_ERR_NOMEM) {
			fail_msg("n=%ld: %s", n, err.message);
		}
		assert_int_equal(tu_alloc_live(), live);
		if (ok && n > 10)
			break;
	}
	assert_true(ok > 0);
	clear_env();
	remove_dir();
}

int main(void)
{
	xmlInitParser();
	const struct CMUnitTest tests[] = {
	    TU_TEST(chain_order_table),
	    TU_TEST(sts_parameters),
	    TU_TEST(not_found_message_lists_sources_and_fixes),
	    TU_TEST(environment_provider),
	    TU_TEST(parses_times),
	    TU_TEST(refresh_decision),
	    TU_TEST(cache_refreshes_with_the_clock),
	    TU_TEST(client_cache_refreshes_assumed_role),
	    TU_TEST(chain_survives_every_failed_allocation),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
