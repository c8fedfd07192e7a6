/*
 * test_creds_moto.c: web identity and role_arn + source_profile end to end through the real
 * client (ship_aws, libcurl, SigV4) against moto_server's STS ($MOTO_URL, started by tests/run);
 * GetCallerIdentity then shows that the assumed role's credentials are the ones signing.
 * Skipped when MOTO_URL is not set (run outside the harness).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ecship/aws.h"
#include "ecship/creds.h"
#include "ecship/util.h"
#include "testutil.h"

static char s_dir[256];
static char s_config[300], s_creds[300];

static const char *const s_vars[] = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
};

static const char *moto(void)
{
	const char *m = getenv("MOTO_URL");
	if (!m || !*m)
		skip();
	return m;
}

static void setup_env(const char *config, const char *creds)
{
	const char *t = getenv("TMPDIR");
	snprintf(s_dir, sizeof(s_dir), "%s/ecship-moto.XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(s_dir));
	for (size_t i = 0; i < sizeof(s_vars) / sizeof(s_vars[0]); i++)
		unsetenv(s_vars[i]);
	snprintf(s_config, sizeof(s_config), "%s/config", s_dir);
	snprintf(s_creds, sizeof(s_creds), "%s/credentials", s_dir);
	FILE *f = fopen(s_config, "w");
	assert_non_null(f);
	fputs(config, f);
	fclose(f);
	f = fopen(s_creds, "w");
	assert_non_null(f);
	fputs(creds, f);
	fclose(f);
	setenv("AWS_CONFIG_FILE", s_config, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", s_creds, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	if (!getenv("AWS_REGION"))
		setenv("AWS_REGION", "ap-northeast-1", 1);
}

static void teardown_env(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s_dir);
	assert_int_equal(system(cmd), 0);
}

/* GetCallerIdentity's Arn for the client's current credentials. */
static void caller_arn(struct ship_aws *aws, char *arn, size_t n)
{
	struct ship_err err = SHIP_ERR_INIT;
	xmlDoc *doc = NULL;
	if (ship_aws_query(aws, SHIP_SVC_STS, "GetCallerIdentity", NULL, &doc, NULL, &err))
		fail_msg("GetCallerIdentity: %s", err.message);
	xmlChar *text = NULL;
	for (xmlNode *r = xmlDocGetRootElement(doc)->children; r; r = r->next)
		for (xmlNode *c = r->children; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, "Arn"))
				text = xmlNodeGetContent(c);
	assert_non_null(text);
	snprintf(arn, n, "%s", (const char *)text);
	xmlFree(text);
	xmlFreeDoc(doc);
}

static struct ship_aws *client(const char *profile)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_aws_options o;
	memset(&o, 0, sizeof(o));
	o.profile = profile;
	o.endpoint_url = moto();
	struct ship_aws *aws = ship_aws_new(&o, &err);
	if (!aws)
		fail_msg("ship_aws_new: %s", err.message);
	return aws;
}

static void web_identity_through_moto(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	char arn[512], token[400];
	moto();
	setup_env("", "");
	snprintf(token, sizeof(token), "%s/token", s_dir);
	FILE *f = fopen(token, "w");
	assert_non_null(f);
	fputs("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvOmV4YW1wbGUifQ.c2lnbmF0dXJl\n",
	      f);
	fclose(f);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token, 1);
	setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/gha-deploy", 1);
	setenv("AWS_ROLE_SESSION_NAME", "ecship-ci", 1);

	struct ship_aws *aws = client(NULL);
	const struct ship_creds *c = ship_aws_creds(aws, &err);
	if (!c)
		fail_msg("creds: %s", err.message);
	assert_string_equal(c->source, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)");
	assert_non_null(c->session_token);
	assert_true(c->expires > (double)time(NULL) + 600);
	caller_arn(aws, arn, sizeof(arn));
	assert_string_equal(arn, "arn:aws:sts::123456789012:assumed-role/gha-deploy/ecship-ci");
	ship_aws_destroy(aws);
	teardown_env();
}

static void assume_role_with_source_profile_through_moto(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	char arn[512];
	moto();
	setup_env("[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\n"
		  "source_profile = base\nrole_session_name = ecship-e2e\nduration_seconds = 900\n"
		  "[profile chained]\nrole_arn = arn:aws:iam::123456789012:role/second\n"
		  "source_profile = deploy\nrole_session_name = hop2\n",
		  "[base]\naws_access_key_id = AKIAECSHIPTEST000001\n"
		  "aws_secret_access_key = ecship/test/secret/base\n");

	struct ship_aws *aws = client("deploy");
	const struct ship_creds *c = ship_aws_creds(aws, &err);
	if (!c)
		fail_msg("creds: %s", err.message);
	assert_string_equal(c->source,
			    "profile 'deploy' (assume role arn:aws:iam::123456789012:role/deploy)");
	assert_int_equal(strncmp(c->access_key, "ASIA", 4), 0);
	caller_arn(aws, arn, sizeof(arn));
	assert_string_equal(arn, "arn:aws:sts::123456789012:assumed-role/deploy/ecship-e2e");
	ship_aws_destroy(aws);

	aws = client("chained");
	c = ship_aws_creds(aws, &err);
	if (!c)
		fail_msg("creds: %s", err.message);
	caller_arn(aws, arn, sizeof(arn));
	assert_string_equal(arn, "arn:aws:sts::123456789012:assumed-role/second/hop2");
	ship_aws_destroy(aws);
	teardown_env();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(web_identity_through_moto),
	    TU_TEST(assume_role_with_source_profile_through_moto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
