/*
 * test_endpoint.c: the services table (checked against botocore's service-2.json metadata),
 * region resolution and endpoint resolution (option, AWS_ENDPOINT_URL_<SVC>, AWS_ENDPOINT_URL,
 * profile, partitions, IAM), from tables, plus the client's use of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecship/aws.h"
#include "ecship/profile.h"
#include "private/endpoint.h"
#include "testutil.h"

/* An environment as a NULL-terminated list of "NAME=value" strings. */
static const char *fake_env(void *ctx, const char *name)
{
	const char *const *v = ctx;
	size_t n = strlen(name);
	for (; v && *v; v++)
		if (!strncmp(*v, name, n) && (*v)[n] == '=')
			return *v + n + 1;
	return NULL;
}

static void services_match_botocore(void **state)
{
	(void)state;
	/* From botocore/data/<svc>/<version>/service-2.json metadata; env suffix = serviceId in
	 * upper snake case. */
	static const struct {
		enum ship_service svc;
		const char *env, *prefix, *signing, *target, *version;
		enum ship_protocol proto;
		int global;
	} want[] = {
	    {SHIP_SVC_ECS, "ECS", "ecs", "ecs", "AmazonEC2ContainerServiceV20141113", "2014-11-13",
	     SHIP_PROTO_JSON, 0},
	    {SHIP_SVC_CLOUDFORMATION, "CLOUDFORMATION", "cloudformation", "cloudformation", NULL,
	     "2010-05-15", SHIP_PROTO_QUERY, 0},
	    {SHIP_SVC_ELBV2, "ELASTIC_LOAD_BALANCING_V2", "elasticloadbalancing",
	     "elasticloadbalancing", NULL, "2015-12-01", SHIP_PROTO_QUERY, 0},
	    {SHIP_SVC_EC2, "EC2", "ec2", "ec2", NULL, "2016-11-15", SHIP_PROTO_EC2, 0},
	    {SHIP_SVC_LOGS, "CLOUDWATCH_LOGS", "logs", "logs", "Logs_20140328", "2014-03-28",
	     SHIP_PROTO_JSON, 0},
	    {SHIP_SVC_STS, "STS", "sts", "sts", NULL, "2011-06-15", SHIP_PROTO_QUERY, 0},
	    {SHIP_SVC_SERVICE_QUOTAS, "SERVICE_QUOTAS", "servicequotas", "servicequotas",
	     "ServiceQuotasV20190624", "2019-06-24", SHIP_PROTO_JSON, 0},
	    {SHIP_SVC_IAM, "IAM", "iam", "iam", NULL, "2010-05-08", SHIP_PROTO_QUERY, 1},
	    {SHIP_SVC_ECR, "ECR", "api.ecr", "ecr", "AmazonEC2ContainerRegistry_V20150921",
	     "2015-09-21", SHIP_PROTO_JSON, 0},
	    {SHIP_SVC_CLOUDWATCH, "CLOUDWATCH", "monitoring", "monitoring", NULL, "2010-08-01",
	     SHIP_PROTO_QUERY, 0},
	    {SHIP_SVC_APPLICATION_AUTO_SCALING, "APPLICATION_AUTO_SCALING",
	     "application-autoscaling", "application-autoscaling", "AnyScaleFrontendService",
	     "2016-02-06", SHIP_PROTO_JSON, 0},
	};
	assert_int_equal(sizeof(want) / sizeof(*want), SHIP_SVC_COUNT);
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		const struct ship_service_info *si = ship_service_info(want[i].svc);
		assert_non_null(si);
		assert_string_equal(si->env_suffix, want[i].env);
		assert_string_equal(si->endpoint_prefix, want[i].prefix);
		assert_string_equal(si->signing_name, want[i].signing);
		assert_string_equal(si->api_version, want[i].version);
		assert_int_equal(si->protocol, want[i].proto);
		assert_int_equal(si->global, want[i].global);
		if (want[i].target)
			assert_string_equal(si->target_prefix, want[i].target);
		else
			assert_null(si->target_prefix);
	}
	assert_null(ship_service_info(SHIP_SVC_COUNT));
}

static void endpoints_resolve(void **state)
{
	(void)state;
	static const char *const env_none[] = {NULL};
	static const char *const env_global[] = {"AWS_ENDPOINT_URL=http://127.0.0.1:5000/", NULL};
	static const char *const env_both[] = {"AWS_ENDPOINT_URL=http://127.0.0.1:5000",
					       "AWS_ENDPOINT_URL_ECS=http://127.0.0.1:7000",
					       "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2=http://[::1]:8000",
					       "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=http://localhost:9000",
					       "AWS_ENDPOINT_URL_SERVICE_QUOTAS=https://sq.example",
					       NULL};
	static const char *const env_ignore[] = {"AWS_ENDPOINT_URL=http://127.0.0.1:5000",
						 "AWS_ENDPOINT_URL_ECS=http://127.0.0.1:7000",
						 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", NULL};
	static const char *const env_empty[] = {"AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL_ECS=", NULL};
	static const char *const env_bad[] = {"AWS_ENDPOINT_URL_STS=127.0.0.1:5000", NULL};
	static const struct {
		enum ship_service svc;
		const char *region, *option, *svc_profile, *profile;
		int profile_ignore;
		const char *const *env;
		const char *url, *signing_region, *source; /* url NULL: error containing source */
	} cases[] = {
	    /* defaults per partition */
	    {SHIP_SVC_ECS, "ap-northeast-1", NULL, NULL, NULL, 0, env_none,
	     "https://ecs.ap-northeast-1.amazonaws.com", "ap-northeast-1", "default"},
	    {SHIP_SVC_ELBV2, "us-west-2", NULL, NULL, NULL, 0, env_none,
	     "https://elasticloadbalancing.us-west-2.amazonaws.com", "us-west-2", "default"},
	    {SHIP_SVC_LOGS, "eu-west-1", NULL, NULL, NULL, 0, env_none,
	     "https://logs.eu-west-1.amazonaws.com", "eu-west-1", "default"},
	    {SHIP_SVC_SERVICE_QUOTAS, "ap-northeast-1", NULL, NULL, NULL, 0, env_none,
	     "https://servicequotas.ap-northeast-1.amazonaws.com", "ap-northeast-1", "default"},
	    {SHIP_SVC_ECR, "ap-northeast-1", NULL, NULL, NULL, 0, env_none,
	     "https://api.ecr.ap-northeast-1.amazonaws.com", "ap-northeast-1", "default"},
	    {SHIP_SVC_APPLICATION_AUTO_SCALING, "ap-northeast-1", NULL, NULL, NULL, 0, env_none,
	     "https://application-autoscaling.ap-northeast-1.amazonaws.com", "ap-northeast-1",
	     "default"},
	    {SHIP_SVC_STS, "ap-northeast-1", NULL, NULL, NULL, 0, env_none,
	     "https://sts.ap-northeast-1.amazonaws.com", "ap-northeast-1", "default"},
	    {SHIP_SVC_EC2, "cn-north-1", NULL, NULL, NULL, 0, env_none,
	     "https://ec2.cn-north-1.amazonaws.com.cn", "cn-north-1", "default"},
	    {SHIP_SVC_CLOUDFORMATION, "cn-northwest-1", NULL, NULL, NULL, 0, env_none,
	     "https://cloudformation.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1", "default"},
	    /* IAM: global per partition */
	    {SHIP_SVC_IAM, "ap-northeast-1", NULL, NULL, NULL, 0, env_none,
	     "https://iam.amazonaws.com", "us-east-1", "default"},
	    {SHIP_SVC_IAM, "cn-northwest-1", NULL, NULL, NULL, 0, env_none,
	     "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1", "default"},
	    {SHIP_SVC_IAM, "us-gov-east-1", NULL, NULL, NULL, 0, env_none,
	     "https://iam.us-gov.amazonaws.com", "us-gov-west-1", "default"},
	    /* precedence */
	    {SHIP_SVC_ECS, "ap-northeast-1", "http://127.0.0.1:1234/", "http://p-svc", "http://p",
	     0, env_both, "http://127.0.0.1:1234", "ap-northeast-1", "--endpoint-url"},
	    {SHIP_SVC_ECS, "ap-northeast-1", NULL, "http://p-svc", "http://p", 0, env_both,
	     "http://127.0.0.1:7000", "ap-northeast-1", "AWS_ENDPOINT_URL_<SERVICE>"},
	    {SHIP_SVC_ELBV2, "ap-northeast-1", NULL, NULL, NULL, 0, env_both, "http://[::1]:8000",
	     "ap-northeast-1", "AWS_ENDPOINT_URL_<SERVICE>"},
	    {SHIP_SVC_LOGS, "ap-northeast-1", NULL, NULL, NULL, 0, env_both,
	     "http://localhost:9000", "ap-northeast-1", "AWS_ENDPOINT_URL_<SERVICE>"},
	    {SHIP_SVC_SERVICE_QUOTAS, "ap-northeast-1", NULL, NULL, NULL, 0, env_both,
	     "https://sq.example", "ap-northeast-1", "AWS_ENDPOINT_URL_<SERVICE>"},
	    {SHIP_SVC_STS, "ap-northeast-1", NULL, "http://p-svc", "http://p", 0, env_both,
	     "http://127.0.0.1:5000", "ap-northeast-1", "AWS_ENDPOINT_URL"},
	    {SHIP_SVC_IAM, "ap-northeast-1", NULL, NULL, NULL, 0, env_global,
	     "http://127.0.0.1:5000", "ap-northeast-1", "AWS_ENDPOINT_URL"},
	    {SHIP_SVC_EC2, "ap-northeast-1", NULL, "http://p-svc/", "http://p", 0, env_none,
	     "http://p-svc", "ap-northeast-1", "the profile's services section"},
	    {SHIP_SVC_EC2, "ap-northeast-1", NULL, NULL, "https://p.example/", 0, env_none,
	     "https://p.example", "ap-northeast-1", "profile endpoint_url"},
	    {SHIP_SVC_EC2, "ap-northeast-1", NULL, NULL, "https://p.example", 0, env_empty,
	     "https://p.example", "ap-northeast-1", "profile endpoint_url"},
	    /* ignoring configured endpoints: env and profile off, the option still wins */
	    {SHIP_SVC_ECS, "ap-northeast-1", NULL, "http://p-svc", "http://p", 0, env_ignore,
	     "https://ecs.ap-northeast-1.amazonaws.com", "ap-northeast-1", "default"},
	    {SHIP_SVC_ECS, "ap-northeast-1", NULL, NULL, "http://p", 1, env_none,
	     "https://ecs.ap-northeast-1.amazonaws.com", "ap-northeast-1", "default"},
	    {SHIP_SVC_ECS, "ap-northeast-1", "http://127.0.0.1:1", NULL, NULL, 0, env_ignore,
	     "http://127.0.0.1:1", "ap-northeast-1", "--endpoint-url"},
	    /* errors */
	    {SHIP_SVC_ECS, NULL, NULL, NULL, NULL, 0, env_none, NULL, NULL,
	     "no AWS region configured for ecs: use --region, set AWS_REGION"},
	    {SHIP_SVC_STS, "us-east-1", NULL, NULL, NULL, 0, env_bad, NULL, NULL,
	     "invalid endpoint URL '127.0.0.1:5000' (from AWS_ENDPOINT_URL_STS)"},
	    {SHIP_SVC_STS, "us-east-1", "ftp://x", NULL, NULL, 0, env_none, NULL, NULL,
	     "(from --endpoint-url): it must start with 'https://' or 'http://'"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ship_endpoint_in in = {cases[i].svc,         cases[i].region,
					      cases[i].option,      cases[i].svc_profile,
					      cases[i].profile,     cases[i].profile_ignore,
					      fake_env,             (void *)cases[i].env};
		struct ship_buf url = SHIP_BUF_INIT(0);
		struct ship_err e = SHIP_ERR_INIT;
		char sr[64] = "";
		const char *src = NULL;
		int r = ship_endpoint_resolve(&in, &url, sr, sizeof(sr), &src, &e);
		if (cases[i].url) {
			if (r)
				fail_msg("case %zu: %s", i, e.message);
			if (strcmp(url.data, cases[i].url))
				fail_msg("case %zu: url %s, want %s", i, url.data, cases[i].url);
			assert_string_equal(sr, cases[i].signing_region);
			assert_string_equal(src, cases[i].source);
		} else {
			assert_int_equal(r, -1);
			assert_int_equal(e.code, SHIP_ERR_INPUT);
			if (!strstr(e.message, cases[i].source))
				fail_msg("case %zu: '%s' lacks '%s'", i, e.message, cases[i].source);
		}
		ship_buf_release(&url);
	}
}

static char s_dir[64];

static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", s_dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void regions_resolve(void **state)
{
	(void)state;
	snprintf(s_dir, sizeof(s_dir), "/tmp/ecship-endpoint.XXXXXX");
	assert_non_null(mkdtemp(s_dir));
	const char *cfg = write_file("config", "[default]\nregion = eu-central-1\n"
					       "[profile dev]\nregion = us-west-2\n"
					       "[profile bad]\nregion = not a region\n"
					       "[profile none]\noutput = json\n");
	struct ship_err e = SHIP_ERR_INIT;
	struct ship_aws_config *c = ship_aws_config_load_files(cfg, NULL, &e);
	assert_non_null(c);
	static const char *const env_none[] = {NULL};
	static const char *const env_both[] = {"AWS_REGION=ap-northeast-1",
					       "AWS_DEFAULT_REGION=ap-southeast-2", NULL};
	static const char *const env_default[] = {"AWS_DEFAULT_REGION=ap-southeast-2", NULL};
	static const char *const env_empty[] = {"AWS_REGION=", "AWS_DEFAULT_REGION=", NULL};
	static const struct {
		const char *option, *profile;
		const char *const *env;
		const char *region, *source;
		int ok;
		const char *project; /* ecship.yml's region */
	} cases[] = {
	    /* the project's region: below the option and the environment, above the profile */
	    {"sa-east-1", "dev", env_both, "sa-east-1", "--region", 1, "eu-west-1"},
	    {NULL, "dev", env_both, "ap-northeast-1", "AWS_REGION", 1, "eu-west-1"},
	    {NULL, "dev", env_default, "ap-southeast-2", "AWS_DEFAULT_REGION", 1, "eu-west-1"},
	    {NULL, "dev", env_empty, "eu-west-1", "ecship.yml", 1, "eu-west-1"},
	    {NULL, "none", env_none, "eu-west-1", "ecship.yml", 1, "eu-west-1"},
	    {NULL, "dev", env_none, "us-west-2", "profile dev", 1, ""},
	    {NULL, "dev", env_none, NULL, "invalid region 'eu west' (from ecship.yml)", 0,
	     "eu west"},
	    {"sa-east-1", "dev", env_both, "sa-east-1", "--region", 1, NULL},
	    {NULL, "dev", env_both, "ap-northeast-1", "AWS_REGION", 1, NULL},
	    {"", "dev", env_default, "ap-southeast-2", "AWS_DEFAULT_REGION", 1, NULL},
	    {NULL, "dev", env_none, "us-west-2", "profile dev", 1, NULL},
	    {NULL, "default", env_empty, "eu-central-1", "profile default", 1, NULL},
	    {NULL, "none", env_none, NULL, "", 1, NULL},
	    {NULL, "missing", env_none, NULL, "", 1, NULL},
	    {NULL, "bad", env_none, NULL, "invalid region 'not a region' (from profile bad)", 0,
	     NULL},
	    {"us-east-1.evil.com/", "dev", env_none, NULL, "invalid region", 0, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ship_region_in in = {cases[i].option, cases[i].profile,	   c,
					    fake_env,	     (void *)cases[i].env, cases[i].project,
					    "ecship.yml"};
		const char *region = "unset";
		char src[96];
		int r = ship_region_resolve(&in, &region, src, sizeof(src), &e);
		assert_int_equal(r == 0, cases[i].ok);
		if (!cases[i].ok) {
			if (!strstr(e.message, cases[i].source))
				fail_msg("case %zu: '%s' lacks '%s'", i, e.message, cases[i].source);
			continue;
		}
		if (cases[i].region)
			assert_string_equal(region, cases[i].region);
		else
			assert_null(region);
		assert_string_equal(src, cases[i].source);
	}
	ship_aws_config_destroy(c);
}

static int never_called(void *ctx, const struct ship_http_request *req,
			struct ship_http_response *resp, struct ship_err *err)
{
	(void)ctx, (void)req, (void)resp;
	fail_msg("transport called");
	return ship_err_set(err, SHIP_ERR_INTERNAL, "unreachable");
}

/* The client end to end: profile selection, region source, and a call without a region. */
static void client_uses_resolution(void **state)
{
	(void)state;
	const char *cfg = write_file("config2", "[default]\nregion = eu-central-1\n"
						"[profile dev]\nregion = us-west-2\n"
						"endpoint_url = http://127.0.0.1:4566\n"
						"max_attempts = 7\n"
						"[profile nothing]\noutput = json\n");
	setenv("AWS_CONFIG_FILE", cfg, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_ECS");
	unsetenv("AWS_MAX_ATTEMPTS");
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	setenv("AWS_PROFILE", "dev", 1);

	struct ship_err e = SHIP_ERR_INIT;
	struct ship_aws_options o = {0};
	o.transport = never_called;
	struct ship_aws *aws = ship_aws_new(&o, &e);
	assert_non_null(aws);
	assert_string_equal(ship_aws_profile(aws), "dev");
	assert_string_equal(ship_aws_region(aws), "us-west-2");
	assert_string_equal(ship_aws_region_source(aws), "profile dev");
	assert_int_equal(ship_aws_max_attempts(aws), 7);
	struct ship_buf url = SHIP_BUF_INIT(0);
	char sr[64];
	assert_int_equal(ship_aws_endpoint(aws, SHIP_SVC_ECS, &url, sr, sizeof(sr), &e), 0);
	assert_string_equal(url.data, "http://127.0.0.1:4566");
	setenv("AWS_ENDPOINT_URL_ECS", "http://127.0.0.1:7777", 1);
	assert_int_equal(ship_aws_endpoint(aws, SHIP_SVC_ECS, &url, sr, sizeof(sr), &e), 0);
	assert_string_equal(url.data, "http://127.0.0.1:7777");
	unsetenv("AWS_ENDPOINT_URL_ECS");
	ship_aws_destroy(aws);

	/* --profile beats AWS_PROFILE; AWS_DEFAULT_REGION beats the profile */
	setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
	o.profile = "default";
	o.max_attempts = 2;
	aws = ship_aws_new(&o, &e);
	assert_non_null(aws);
	assert_string_equal(ship_aws_profile(aws), "default");
	assert_string_equal(ship_aws_region(aws), "ap-south-1");
	assert_string_equal(ship_aws_region_source(aws), "AWS_DEFAULT_REGION");
	assert_int_equal(ship_aws_max_attempts(aws), 2);
	ship_aws_destroy(aws);
	unsetenv("AWS_DEFAULT_REGION");

	/* no region anywhere: the client is made, calls fail with the hint, nothing is sent */
	o.profile = "nothing";
	aws = ship_aws_new(&o, &e);
	assert_non_null(aws);
	assert_null(ship_aws_region(aws));
	assert_null(ship_aws_region_source(aws));
	json_t *out = NULL;
	struct ship_call_opts anon = {.anonymous = 1};
	assert_int_equal(ship_aws_json(aws, SHIP_SVC_ECS, "ListClusters", NULL, &out, &anon, &e), -1);
	assert_null(out);
	assert_int_equal(e.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(e.message, "no AWS region configured"));
	assert_non_null(strstr(e.message, "--region"));
	xmlDoc *doc = NULL;
	assert_int_equal(ship_aws_query(aws, SHIP_SVC_STS, "GetCallerIdentity", NULL, &doc, &anon, &e),
			 -1);
	assert_null(doc);
	assert_non_null(strstr(e.message, "AWS_REGION"));
	ship_aws_destroy(aws);

	/* a malformed AWS_MAX_ATTEMPTS is refused when the client is made */
	setenv("AWS_MAX_ATTEMPTS", "lots", 1);
	o.max_attempts = 0;
	assert_null(ship_aws_new(&o, &e));
	assert_int_equal(e.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(e.message, "AWS_MAX_ATTEMPTS 'lots'"));
	unsetenv("AWS_MAX_ATTEMPTS");
	unsetenv("AWS_PROFILE");
	ship_buf_release(&url);
	unlink(cfg);
	unlink(write_file("config", ""));
	rmdir(s_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(services_match_botocore),
	    TU_TEST(endpoints_resolve),
	    TU_TEST(regions_resolve),
	    TU_TEST(client_uses_resolution),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
