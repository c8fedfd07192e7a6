/*
 * test_redact.c: the --debug redaction (lib/aws/redact.c) from tables: header values, URLs, and
 * JSON, XML and form bodies as the services, STS and the credential endpoints send them. Each
 * case names what must disappear and what must stay.
 */
#include <string.h>

#include "ecship/redact.h"
#include "testutil.h"

#define AKID "AKIAECSHIPTEST000000"
#define ASIA "ASIAECSHIPTESTZZ9876"
#define SECRET "ecship/test/secret/not+a+real+key0000000"
#define TOKEN "IQoJb3JpZ2luX2VjEXAMPLETOKENc2Vzc2lvbg=="
#define SIG "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

static void must(const char *where, const char *out, const char *const *gone,
		 const char *const *kept)
{
	for (; gone && *gone; gone++)
		if (strstr(out, *gone))
			fail_msg("%s: '%s' still in: %s", where, *gone, out);
	for (; kept && *kept; kept++)
		if (!strstr(out, *kept))
			fail_msg("%s: '%s' missing from: %s", where, *kept, out);
}

static void field_names(void **state)
{
	(void)state;
	static const char *const secret[] = {
	    "SecretAccessKey", "secretAccessKey", "SessionToken", "Token", "sessionToken",
	    "WebIdentityToken", "Password", "MasterUserPassword", "authorizationToken",
	    "aws_secret_access_key", "ClientSecret", "PrivateKey", "SecretString"};
	static const char *const not_secret[] = {
	    "NextToken", "nextToken", "nextForwardToken", "ClientToken", "clientToken",
	    "SecretArn", "Expiration", "RoleArn", "RoleSessionName", "name", "value", "image",
	    "AccessKeyId"};
	for (size_t i = 0; i < sizeof(secret) / sizeof(*secret); i++)
		if (!ship_redact_is_secret_field(secret[i], strlen(secret[i])))
			fail_msg("'%s' should be secret", secret[i]);
	for (size_t i = 0; i < sizeof(not_secret) / sizeof(*not_secret); i++)
		if (ship_redact_is_secret_field(not_secret[i], strlen(not_secret[i])))
			fail_msg("'%s' should not be secret", not_secret[i]);
	static const char *const names[] = {"DJANGO_SECRET_KEY", "DB_PASSWORD", "DbPassword",
					    "GITHUB_TOKEN", "API_KEY", "AWS_CREDENTIALS",
					    "PRIVATE_PEM", "SENTRY_DSN", "MYSQL_PWD", "AuthHeader"};
	static const char *const plain[] = {"ENVIRONMENT", "DEBUG", "ALLOWED_HOSTS", "Environment",
					    "PORT", "DATABASE_HOST"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		assert_true(ship_redact_is_secret_name(names[i], strlen(names[i])));
	for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++)
		assert_false(ship_redact_is_secret_name(plain[i], strlen(plain[i])));
}

static void headers(void **state)
{
	(void)state;
	static const struct {
		const char *name, *value, *want;
	} cases[] = {
	    {"Authorization",
	     "AWS4-HMAC-SHA256 Credential=" AKID "/20240101/ap-northeast-1/ecs/aws4_request, "
	     "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" SIG,
	     "AWS4-HMAC-SHA256 Credential=****0000/20240101/ap-northeast-1/ecs/aws4_request, "
	     "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=<redacted>"},
	    {"authorization", "AWS4-HMAC-SHA256 Credential=" AKID "/x,Signature=" SIG ",Extra=1",
	     "AWS4-HMAC-SHA256 Credential=****0000/x,Signature=<redacted>,Extra=1"},
	    {"Authorization", "container-token-" TOKEN, "<redacted>"},
	    {"Authorization", "Bearer " TOKEN, "Bearer <redacted>"},
	    {"X-Amz-Security-Token", TOKEN, "<redacted>"},
	    {"x-amz-security-token", TOKEN, "<redacted>"},
	    {"X-aws-ec2-metadata-token", TOKEN, "<redacted>"},
	    {"X-aws-ec2-metadata-token-ttl-seconds", "21600", "21600"},
	    {"Cookie", "session=" TOKEN, "<redacted>"},
	    {"X-Amz-Date", "20240101T000000Z", "20240101T000000Z"},
	    {"X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters",
	     "AmazonEC2ContainerServiceV20141113.ListClusters"},
	    {"Location", "https://user:p4ssw0rd-abc@example.com/x", "https://user:<redacted>@example.com/x"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		assert_int_equal(ship_redact_header(&b, cases[i].name, cases[i].value), 0);
		if (strcmp(b.data, cases[i].want))
			fail_msg("%s: '%s', want '%s'", cases[i].name, b.data, cases[i].want);
		ship_buf_release(&b);
	}
}

static void urls(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"https://ecs.ap-northeast-1.amazonaws.com/", "https://ecs.ap-northeast-1.amazonaws.com/"},
	    {"https://s3.amazonaws.com/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" AKID
	     "%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Security-Token=" TOKEN
	     "&X-Amz-Signature=" SIG,
	     "https://s3.amazonaws.com/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=****0000"
	     "&X-Amz-Security-Token=<redacted>&X-Amz-Signature=<redacted>"},
	    {"http://u:p4ssw0rd-abc@127.0.0.1:8080/p?a=1", "http://u:<redacted>@127.0.0.1:8080/p?a=1"},
	    {"http://169.254.170.2/v2/credentials/abc", "http://169.254.170.2/v2/credentials/abc"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		assert_int_equal(ship_redact_url(&b, cases[i].in), 0);
		if (strcmp(b.data, cases[i].want))
			fail_msg("'%s', want '%s'", b.data, cases[i].want);
		ship_buf_release(&b);
	}
}

static void bodies(void **state)
{
	(void)state;
	static const struct {
		const char *what, *ctype, *body;
		int flags;
		const char *gone[8];
		const char *kept[8];
	} cases[] = {
	    {"container credentials JSON", "application/json",
	     "{\"AccessKeyId\":\"" ASIA "\",\"SecretAccessKey\":\"" SECRET "\",\"Token\":\"" TOKEN
	     "\",\"Expiration\":\"2030-01-01T00:00:00Z\",\"RoleArn\":\"arn:aws:iam::1:role/r\"}",
	     0, {ASIA, SECRET, TOKEN}, {"****9876", "2030-01-01T00:00:00Z", "arn:aws:iam::1:role/r"}},
	    {"IMDS credentials (no content type)", NULL,
	     "{\n  \"Code\" : \"Success\",\n  \"AccessKeyId\" : \"" ASIA "\",\n  \"SecretAccessKey\" : \""
	     SECRET "\",\n  \"Token\" : \"" TOKEN "\"\n}",
	     0, {ASIA, SECRET, TOKEN}, {"Success"}},
	    {"ECS task definition environment", "application/x-amz-json-1.1",
	     "{\"family\":\"web\",\"containerDefinitions\":[{\"name\":\"web\",\"environment\":["
	     "{\"name\":\"DJANGO_SECRET_KEY\",\"value\":\"django-insecure-abcdef123456\"},"
	     "{\"value\":\"hunter2hunter2\",\"name\":\"DB_PASSWORD\"},"
	     "{\"name\":\"ALLOWED_HOSTS\",\"value\":\"staging.example.jp\"},"
	     "{\"name\":\"DATABASE_URL\",\"value\":\"postgres://app:pgpass12345@db:5432/app\"}],"
	     "\"secrets\":[{\"name\":\"X\",\"valueFrom\":\"arn:aws:ssm:x:1:parameter/p\"}]}],"
	     "\"tags\":[{\"key\":\"ApiToken\",\"value\":\"tagsecret9999\"},{\"key\":\"team\","
	     "\"value\":\"web\"}],\"nextToken\":\"page-2\"}",
	     0, {"django-insecure-abcdef123456", "hunter2hunter2", "pgpass12345", "tagsecret9999"},
	     {"staging.example.jp", "DJANGO_SECRET_KEY", "arn:aws:ssm:x:1:parameter/p", "page-2",
	      "postgres://app:<redacted>@db:5432/app", "\"team\""}},
	    {"ECR authorization token", "application/x-amz-json-1.1",
	     "{\"authorizationData\":[{\"authorizationToken\":\"QVdTOnNlY3JldHRva2Vu\","
	     "\"proxyEndpoint\":\"https://1.dkr.ecr.ap-northeast-1.amazonaws.com\"}]}",
	     0, {"QVdTOnNlY3JldHRva2Vu"}, {"proxyEndpoint"}},
	    {"truncated JSON falls back to a text scan", "application/json",
	     "{\"SecretAccessKey\": \"" SECRET "\", \"environment\":[{\"name\":\"A\",\"value\":\"v-"
	     "hidden-123\"", 0, {SECRET, "v-hidden-123"}, {"environment"}},
	    {"STS AssumeRoleWithWebIdentity answer", "text/xml",
	     "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	     "<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>" ASIA "</AccessKeyId>"
	     "<SecretAccessKey>" SECRET "</SecretAccessKey><SessionToken>" TOKEN "</SessionToken>"
	     "<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
	     "<SubjectFromWebIdentityToken>repo:o/r</SubjectFromWebIdentityToken>"
	     "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
	     0, {ASIA, SECRET, TOKEN}, {"****9876", "2030-01-01T00:00:00Z", "<SecretAccessKey><redacted></"}},
	    {"CloudFormation parameters in XML", "text/xml",
	     "<DescribeStacksResponse><DescribeStacksResult><Stacks><member><Parameters>"
	     "<member><ParameterKey>DbPassword</ParameterKey><ParameterValue>cfnpass777</ParameterValue>"
	     "</member><member><ParameterKey>Environment</ParameterKey><ParameterValue>staging"
	     "</ParameterValue></member></Parameters></member></Stacks></DescribeStacksResult>"
	     "</DescribeStacksResponse>",
	     0, {"cfnpass777"}, {"staging", "DbPassword"}},
	    {"XML that does not parse", "text/xml",
	     "<a><SessionToken>" TOKEN "</SessionToken><SecretAccessKey>" SECRET "</Secret",
	     0, {TOKEN, SECRET}, {"<SessionToken><redacted></SessionToken>"}},
	    {"web identity form", "application/x-www-form-urlencoded; charset=utf-8",
	     "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole"
	     "%2Fr&RoleSessionName=ecship&WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.payload.sig",
	     0, {"eyJhbGciOiJSUzI1NiJ9", "payload.sig"}, {"RoleSessionName=ecship", "WebIdentityToken=<redacted>"}},
	    {"CloudFormation parameters in a form", "application/x-www-form-urlencoded",
	     "Action=CreateStack&Parameters.member.1.ParameterKey=DbPassword&Parameters.member.1."
	     "ParameterValue=formpass42&Parameters.member.2.ParameterKey=Environment&Parameters."
	     "member.2.ParameterValue=staging&Tags.member.1.Key=Secret&Tags.member.1.Value=tagv99",
	     0, {"formpass42", "tagv99"}, {"ParameterValue=staging", "ParameterKey=DbPassword"}},
	    {"sniffed form", NULL, "Action=GetSessionToken&SerialNumber=x&TokenCode=123456", 0,
	     {"123456"}, {"Action=GetSessionToken"}},
	    {"IMDS token", "text/plain", "AQAEAEXAMPLEIMDSTOKEN==", SHIP_REDACT_WHOLE,
	     {"AQAEAEXAMPLEIMDSTOKEN"}, {"<redacted>"}},
	    {"HTML stays readable", "text/html", "<html><body>Bad Gateway</body></html>", 0, {NULL},
	     {"Bad Gateway"}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		assert_int_equal(
		    ship_redact_body(&b, ship_str_c(cases[i].body), cases[i].ctype, cases[i].flags), 0);
		must(cases[i].what, b.data, cases[i].gone, cases[i].kept);
		ship_buf_release(&b);
	}
}

static void literals(void **state)
{
	(void)state;
	struct ship_buf b = SHIP_BUF_INIT(0);
	ship_buf_adds(&b, "a " SECRET " b " SECRET);
	assert_int_equal(ship_redact_literal(&b, SECRET), 0);
	assert_string_equal(b.data, "a <redacted> b <redacted>");
	assert_int_equal(ship_redact_literal(&b, "short"), 0); /* too short to be a secret */
	assert_int_equal(ship_redact_literal(&b, NULL), 0);
	assert_string_equal(b.data, "a <redacted> b <redacted>");
	ship_buf_release(&b);
}

static void survives_allocation_failures(void **state)
{
	(void)state;
	const char *body = "{\"environment\":[{\"name\":\"DB_PASSWORD\",\"value\":\"pw123456789\"}],"
			   "\"SecretAccessKey\":\"" SECRET "\"}";
	for (long n = 1; n < 60; n++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		tu_alloc_fail_at(n);
		int r = ship_redact_body(&b, ship_str_c(body), "application/json", 0);
		tu_alloc_fail_at(0);
		if (r == 0 && !b.failed)
			must("after a failed allocation", b.data,
			     (const char *const[]){"pw123456789", SECRET, NULL}, NULL);
		ship_buf_release(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(field_names), TU_TEST(headers),  TU_TEST(urls),
	    TU_TEST(bodies),      TU_TEST(literals), TU_TEST(survives_allocation_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
