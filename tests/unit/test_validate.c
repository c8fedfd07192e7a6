/*
 * test_validate.c: task definition validation (required fields, Fargate sizes, 64 KiB, essential
 * containers, load balancer targets, awslogs, secrets in plain environment), image references
 * and --image/--tag replacement.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/taskdef.h"
#include "testutil.h"

#define GOOD_CONTAINER                                                                            \
	"{\"name\": \"app\", \"image\": \"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/a:v1\","  \
	" \"portMappings\": [{\"containerPort\": 8000, \"protocol\": \"tcp\"}],"                   \
	" \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": "     \
	"\"/ecs/a\", \"awslogs-region\": \"ap-northeast-1\", \"awslogs-stream-prefix\": \"ecs\"}}}"
#define FARGATE_HEAD                                                                              \
	"\"family\": \"a\", \"networkMode\": \"awsvpc\", \"requiresCompatibilities\": [\"FARGATE\"], " \
	"\"executionRoleArn\": \"arn:aws:iam::1:role/x\", "

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);
	if (!j)
		fail_msg("bad test JSON: %s: %s", e.text, s);
	return j;
}

static void validation_table(void **state)
{
	(void)state;
	static const struct {
		const char *td, *svc;
		size_t errors, warnings;
		const char *want; /* in some message */
	} cases[] = {
	    {"{" FARGATE_HEAD "\"cpu\": \"256\", \"memory\": \"512\", \"containerDefinitions\": "
	     "[" GOOD_CONTAINER "]}",
	     "{\"loadBalancers\": [{\"containerName\": \"app\", \"containerPort\": 8000}], "
	     "\"networkConfiguration\": {}}",
	     0, 0, NULL},
	    {"{" FARGATE_HEAD "\"cpu\": \"1 vCPU\", \"memory\": \"2 GB\", \"containerDefinitions\": "
	     "[" GOOD_CONTAINER "]}",
	     NULL, 0, 0, NULL},
	    {"{\"memory\": \"512\", \"containerDefinitions\": [" GOOD_CONTAINER "]}", NULL, 1, 0, "'family' is required"},
	    {"{\"family\": \"a b\", \"memory\": \"512\", \"containerDefinitions\": [" GOOD_CONTAINER "]}", NULL, 1, 0,
	     "not a valid name"},
	    {"{\"family\": \"a\"}", NULL, 1, 0, "'containerDefinitions' is required"},
	    {"{" FARGATE_HEAD "\"cpu\": \"256\", \"memory\": \"4096\", \"containerDefinitions\": "
	     "[" GOOD_CONTAINER "]}",
	     NULL, 1, 0, "Fargate does not offer cpu 256 with memory 4096 MiB"},
	    {"{" FARGATE_HEAD "\"cpu\": 256, \"memory\": \"512\", \"containerDefinitions\": "
	     "[" GOOD_CONTAINER "]}",
	     NULL, 1, 0, "'cpu' must be a string"},
	    {"{" FARGATE_HEAD "\"cpu\": \"300\", \"memory\": \"512\", \"containerDefinitions\": "
	     "[" GOOD_CONTAINER "]}",
	     NULL, 1, 0, "Fargate does not offer 300 CPU units"},
	    {"{" FARGATE_HEAD "\"containerDefinitions\": [" GOOD_CONTAINER "]}", NULL, 2, 0,
	     "'cpu' is required at the task level on Fargate"},
	    {"{\"family\": \"a\", \"requiresCompatibilities\": [\"FARGATE\"], \"cpu\": \"256\", "
	     "\"memory\": \"512\", \"executionRoleArn\": \"r\", \"containerDefinitions\": "
	     "[" GOOD_CONTAINER "]}",
	     NULL, 1, 0, "Fargate requires networkMode awsvpc"},
	    {"{\"family\": \"a\", \"containerDefinitions\": [{\"name\": \"x\", \"image\": \"i\", "
	     "\"essential\": false, \"memory\": 128}]}",
	     NULL, 1, 0, "no container is essential"},
	    {"{\"family\": \"a\", \"containerDefinitions\": [{\"name\": \"x\", \"image\": \"i\"}]}", NULL,
	     1, 0, "container 'x' has no memory limit"},
	    {"{\"family\": \"a\", \"memory\": \"512\", \"containerDefinitions\": [{\"name\": \"x\"}, "
	     "{\"name\": \"x\", \"image\": \"i\"}]}",
	     NULL, 2, 0, "container name 'x' is used twice"},
	    {"{\"family\": \"a\", \"memory\": \"512\", \"famliy\": 1, \"containerDefinitions\": "
	     "[{\"name\": \"x\", \"image\": \"i\", \"portMapping\": []}]}",
	     NULL, 2, 0, "unknown field 'portMapping'"},
	    {"{" FARGATE_HEAD "\"cpu\": \"256\", \"memory\": \"512\", \"containerDefinitions\": "
	     "[" GOOD_CONTAINER "]}",
	     "{\"loadBalancers\": [{\"containerName\": \"web\", \"containerPort\": 8000}], "
	     "\"networkConfiguration\": {}}",
	     1, 0, "names container 'web', which is not in the task definition"},
	    {"{" FARGATE_HEAD "\"cpu\": \"256\", \"memory\": \"512\", \"containerDefinitions\": "
	     "[" GOOD_CONTAINER "]}",
	     "{\"loadBalancers\": [{\"containerName\": \"app\", \"containerPort\": 80}], "
	     "\"networkConfiguration\": {}}",
	     1, 0, "has no port mapping for containerPort 80"},
	    {"{\"family\": \"a\", \"networkMode\": \"awsvpc\", \"memory\": \"512\", "
	     "\"containerDefinitions\": [{\"name\": \"x\", \"image\": \"i\"}]}",
	     "{\"launchType\": \"FARGATE\"}", 1, 1, "launchType FARGATE"},
	    {"{" FARGATE_HEAD "\"cpu\": \"256\", \"memory\": \"512\", \"containerDefinitions\": "
	     "[{\"name\": \"x\", \"image\": \"i\", \"portMappings\": [{\"containerPort\": 80, "
	     "\"hostPort\": 8080}], \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": "
	     "{\"awslogs-group\": \"g\"}}}]}",
	     NULL, 3, 0, "awslogs option 'awslogs-stream-prefix' is missing (required on Fargate)"},
	    {"{\"family\": \"a\", \"networkMode\": \"awsvpc\", \"requiresCompatibilities\": "
	     "[\"FARGATE\"], \"cpu\": \"256\", \"memory\": \"512\", \"containerDefinitions\": "
	     "[" GOOD_CONTAINER "]}",
	     NULL, 1, 0, "an execution role is required on Fargate"},
	    {"{\"family\": \"a\", \"memory\": \"512\", \"containerDefinitions\": [{\"name\": \"x\", "
	     "\"image\": \"i\", \"environment\": [{\"name\": \"DEBUG\", \"value\": 0}]}]}",
	     NULL, 1, 0, "environment variable 'DEBUG' must be a string"},
	    {"{\"family\": \"a\", \"memory\": \"512\", \"containerDefinitions\": [{\"name\": \"x\", "
	     "\"image\": \"i\", \"environment\": ["
	     "{\"name\": \"DJANGO_SECRET_KEY\", \"value\": \"x\"},"
	     "{\"name\": \"DATABASE_URL\", \"value\": \"postgres://app:hunter2@db/app\"},"
	     "{\"name\": \"KEY_ID\", \"value\": \"AKIAIOSFODNN7EXAMPLE\"},"
	     "{\"name\": \"BLOB\", \"value\": \"q8Zr2Lk9XwV4bN7mT1pY6sH3dF0gJ5cA\"},"
	     "{\"name\": \"AWS_SECRET_ACCESS_KEY\", \"value\": \"abc\"},"
	     "{\"name\": \"ALLOWED_HOSTS\", \"value\": \"*.elb.amazonaws.com,staging.grape-app.jp\"},"
	     "{\"name\": \"DB_PASSWORD_FILE\", \"value\": \"/run/secrets/db\"},"
	     "{\"name\": \"DATABASE_URL2\", \"value\": \"postgres://app@db/app\"},"
	     "{\"name\": \"GIT_SHA\", \"value\": \"0123456789abcdef0123456789abcdef01234567\"},"
	     "{\"name\": \"EMPTY_TOKEN\", \"value\": \"\"}"
	     "]}]}",
	     NULL, 0, 5, "has a name that suggests a secret"},
	    {"{\"family\": \"a\", \"memory\": \"512\", \"containerDefinitions\": [{\"name\": \"x\", "
	     "\"image\": \"bad image\"}]}",
	     NULL, 1, 0, "is not a valid image reference"},
	    /* issue 11: what ECS would refuse is refused first */
	    /* ContainerDefinition cpu/memory/memoryReservation are Integer (botocore's ECS model) */
	    {"{\"family\": \"a\", \"containerDefinitions\": [{\"name\": \"x\", \"image\": \"i\", "
	     "\"memory\": \"256\", \"memoryReservation\": \"128\", \"cpu\": \"128\"}]}",
	     NULL, 3, 0, "'memory' must be a number, not a string"},
	    /* API_PortMapping: in host mode hostPort must equal containerPort */
	    {"{\"family\": \"a\", \"networkMode\": \"host\", \"containerDefinitions\": [{\"name\": "
	     "\"x\", \"image\": \"i\", \"memory\": 256, \"portMappings\": [{\"containerPort\": 80, "
	     "\"hostPort\": 8080}]}]}",
	     NULL, 1, 0, "with networkMode host, hostPort 8080 must equal containerPort 80"},
	    /* developer guide, task-cpu-memory-error.html: Windows on Fargate from 1 vCPU */
	    {"{" FARGATE_HEAD "\"cpu\": \"256\", \"memory\": \"512\", \"runtimePlatform\": "
	     "{\"operatingSystemFamily\": \"WINDOWS_SERVER_2022_CORE\"}, \"containerDefinitions\": "
	     "[" GOOD_CONTAINER "]}",
	     NULL, 1, 0, "with 1, 2 or 4 vCPU, not cpu 256"},
	    /* a leftover placeholder is not an image */
	    {"{\"family\": \"a\", \"memory\": \"512\", \"containerDefinitions\": [{\"name\": \"x\", "
	     "\"image\": \"<IMAGE>\"}]}",
	     NULL, 1, 0, "image '<IMAGE>' is a placeholder"},
	    /* ARN format: only S3 leaves the account empty */
	    {"{\"family\": \"a\", \"memory\": \"512\", \"taskRoleArn\": \"arn:aws:iam:::role/app\", "
	     "\"containerDefinitions\": [{\"name\": \"x\", \"image\": \"i\", \"environment\": "
	     "[{\"name\": \"B\", \"value\": \"arn:aws:s3:::bucket\"}]}]}",
	     NULL, 1, 0, "ARN 'arn:aws:iam:::role/app' has an empty account field"},
	    /* the runbook's placeholders in the service definition */
	    {"{\"family\": \"a\", \"memory\": \"512\", \"containerDefinitions\": [{\"name\": \"x\", "
	     "\"image\": \"i\", \"portMappings\": [{\"containerPort\": 80}]}]}",
	     "{\"networkConfiguration\": {\"awsvpcConfiguration\": {\"subnets\": [\"subnet-xxx\", "
	     "\"subnet-0a1b2c3d\"], \"securityGroups\": [\"sg-xxx\"]}}, \"loadBalancers\": "
	     "[{\"targetGroupArn\": \"arn:aws:elasticloadbalancing:r:123456789012:targetgroup/...\", "
	     "\"containerName\": \"x\", \"containerPort\": 80}]}",
	     3, 0, "subnet 'subnet-xxx' is a placeholder"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_diags d = SHIP_DIAGS_INIT;
		json_t *td = parse(cases[i].td), *svc = cases[i].svc ? parse(cases[i].svc) : NULL;
		size_t errors = ship_taskdef_validate(td, svc, "td.json", &d);
		int found = cases[i].want == NULL;
		for (size_t k = 0; k < d.n; k++) {
			if (cases[i].want && strstr(d.v[k].message, cases[i].want))
				found = 1;
			assert_non_null(d.v[k].hint); /* every problem says what to do */
		}
		if (errors != cases[i].errors ||
		    ship_diags_count(&d, SHIP_SEV_WARNING) != cases[i].warnings || !found) {
			for (size_t k = 0; k < d.n; k++)
				fprintf(stderr, "# %s: %s\n", ship_severity_name(d.v[k].severity),
					d.v[k].message);
			fail_msg("case %zu: %zu errors, %zu warnings", i, errors,
				 ship_diags_count(&d, SHIP_SEV_WARNING));
		}
		json_decref(td);
		json_decref(svc);
		ship_diags_release(&d);
	}
}

static void size_limit(void **state)
{
	(void)state;
	struct ship_diags d = SHIP_DIAGS_INIT;
	json_t *td = parse("{\"family\": \"a\", \"memory\": \"512\", \"containerDefinitions\": "
			   "[{\"name\": \"x\", \"image\": \"i\", \"command\": []}]}");
	json_t *cmd = json_object_get(json_array_get(json_object_get(td, "containerDefinitions"), 0),
				      "command");
	for (int i = 0; i < 1000; i++)
		json_array_append_new(cmd, json_string("0123456789012345678901234567890123456789012"
						       "345678901234567890123456789"));
	assert_int_equal(ship_taskdef_validate(td, NULL, NULL, &d), 1);
	assert_non_null(strstr(d.v[0].message, "RegisterTaskDefinition accepts at most 65536"));
	json_decref(td);
	ship_diags_release(&d);
}

static void fargate_table(void **state)
{
	(void)state;
	static const struct {
		long cpu, mem;
		int ok;
	} cases[] = {
	    {256, 512, 1},    {256, 1024, 1},   {256, 2048, 1},    {256, 3072, 0},
	    {512, 1024, 1},   {512, 4096, 1},   {512, 5120, 0},    {512, 512, 0},
	    {1024, 2048, 1},  {1024, 8192, 1},  {1024, 9216, 0},   {2048, 4096, 1},
	    {2048, 16384, 1}, {2048, 17408, 0}, {4096, 8192, 1},   {4096, 30720, 1},
	    {4096, 31744, 0}, {8192, 16384, 1}, {8192, 20480, 1},  {8192, 17408, 0},
	    {8192, 61440, 1}, {8192, 65536, 0}, {16384, 32768, 1}, {16384, 40960, 1},
	    {16384, 36864, 0}, {16384, 122880, 1}, {16384, 131072, 0}, {128, 512, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ship_fargate_size_ok(cases[i].cpu, cases[i].mem) != cases[i].ok)
			fail_msg("cpu %ld memory %ld", cases[i].cpu, cases[i].mem);
	static const struct {
		const char *s;
		long v;
		int cpu, ok;
	} amounts[] = {
	    {"256", 256, 1, 1},  {"1 vCPU", 1024, 1, 1}, {"0.25 vcpu", 256, 1, 1},
	    {".5vCPU", 512, 1, 1}, {"2 GB", 2048, 0, 1}, {"0.5GB", 512, 0, 1},
	    {"512", 512, 0, 1},  {"1.5", 0, 1, 0},      {"1 GB", 0, 1, 0},
	    {"", 0, 0, 0},       {"-1", 0, 0, 0},       {"2 MB", 0, 0, 0},
	};
	for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
		long v = 0;
		int r = amounts[i].cpu ? ship_parse_cpu(amounts[i].s, &v)
				       : ship_parse_memory(amounts[i].s, &v);
		if ((r == 0) != amounts[i].ok || (r == 0 && v != amounts[i].v))
			fail_msg("amount '%s': r=%d v=%ld", amounts[i].s, r, v);
	}
}

static void image_refs(void **state)
{
	(void)state;
	static const char *const D =
	    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	static const struct {
		const char *ref, *name, *tag;
		int has_digest, ok;
	} cases[] = {
	    {"nginx", "nginx", "", 0, 1},
	    {"nginx:1.25", "nginx", "1.25", 0, 1},
	    {"host:5000/repo", "host:5000/repo", "", 0, 1},
	    {"host:5000/repo:tag", "host:5000/repo", "tag", 0, 1},
	    {"1.dkr.ecr.ap-northeast-1.amazonaws.com/a/b:v1", "1.dkr.ecr.ap-northeast-1.amazonaws.com/a/b",
	     "v1", 0, 1},
	    {"repo@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "repo", "", 1,
	     1},
	    {"repo:t@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "repo", "t",
	     1, 1},
	    {"", NULL, NULL, 0, 0},
	    {"repo:", NULL, NULL, 0, 0},
	    {"repo:-x", NULL, NULL, 0, 0},
	    {"a b", NULL, NULL, 0, 0},
	    {"repo@sha256:12", NULL, NULL, 0, 0},
	    {"/repo", NULL, NULL, 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_image_ref r;
		int ok = ship_image_parse(ship_str_c(cases[i].ref), &r) == 0;
		if (ok != cases[i].ok)
			fail_msg("case %zu '%s': ok=%d", i, cases[i].ref, ok);
		if (!ok)
			continue;
		assert_true(ship_str_eq_c(r.name, cases[i].name));
		assert_true(ship_str_eq_c(r.tag, cases[i].tag));
		assert_int_equal(r.digest.len != 0, cases[i].has_digest);
	}
	static const struct {
		const char *ref, *tag, *out;
	} repl[] = {
	    {"host:5000/repo:old", "new", "host:5000/repo:new"},
	    {"host:5000/repo", "new", "host:5000/repo:new"},
	    {"repo:old@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "v2",
	     "repo:v2"},
	    {"repo:old", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	     "repo@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
	    {"repo:old", "bad tag", NULL},
	};
	(void)D;
	for (size_t i = 0; i < sizeof(repl) / sizeof(repl[0]); i++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		struct ship_err err = SHIP_ERR_INIT;
		int r = ship_image_with_tag(ship_str_c(repl[i].ref), ship_str_c(repl[i].tag), &b, &err);
		if (repl[i].out) {
			assert_int_equal(r, 0);
			assert_string_equal(b.data, repl[i].out);
		} else {
			assert_int_equal(r, -1);
			assert_int_equal(err.code, SHIP_ERR_INPUT);
		}
		ship_buf_release(&b);
	}
}

static void set_image(void **state)
{
	(void)state;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	json_t *td = parse("{\"containerDefinitions\": [{\"name\": \"web\", \"image\": \"r/web:1\"},"
			   "{\"name\": \"sidecar\", \"image\": \"r/side:1\"}]}");
	json_t *svc = parse("{\"loadBalancers\": [{\"containerName\": \"web\"}]}");
	json_t *cds = json_object_get(td, "containerDefinitions");
	assert_int_equal(ship_taskdef_set_image(td, svc, NULL, "2", &d, &err), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(cds, 0), "image")),
			    "r/web:2");
	assert_string_equal(json_string_value(json_object_get(json_array_get(cds, 1), "image")),
			    "r/side:1");
	assert_int_equal(ship_taskdef_set_image(td, svc, "other/img:9", NULL, &d, &err), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(cds, 0), "image")),
			    "other/img:9");
	/* two containers and no load balancer: ambiguous */
	assert_int_equal(ship_taskdef_set_image(td, NULL, NULL, "3", &d, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(err.message, "'web', 'sidecar'"));
	json_decref(svc);
	svc = parse("{\"loadBalancers\": [{\"containerName\": \"nope\"}]}");
	assert_int_equal(ship_taskdef_set_image(td, svc, NULL, "3", &d, &err), -1);
	assert_non_null(strstr(err.message, "container 'nope'"));
	json_decref(svc);
	json_decref(td);
	/* the only container */
	td = parse("{\"containerDefinitions\": [{\"name\": \"one\", \"image\": \"h:5000/r@sha256:"
		   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}]}");
	assert_int_equal(ship_taskdef_set_image(td, NULL, NULL, "v7", &d, &err), 0);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(td, "containerDefinitions"), 0), "image")),
			    "h:5000/r:v7");
	json_decref(td);
	ship_diags_release(&d);
}

static void prepare_drops_read_only(void **state)
{
	(void)state;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	json_t *doc = parse("{\"taskDefinition\": {\"taskDefinitionArn\": \"arn:x\", \"family\": \"f\","
			    " \"revision\": 3, \"status\": \"ACTIVE\", \"compatibilities\": [\"EC2\"],"
			    " \"registeredAt\": 1.5, \"registeredBy\": \"me\", \"requiresAttributes\": [],"
			    " \"containerDefinitions\": []}, \"tags\": [{\"key\": \"k\", \"value\": \"v\"}]}");
	json_t *td = ship_taskdef_prepare(doc, "td.json", &d, &err);
	assert_non_null(td);
	assert_string_equal(json_string_value(json_object_get(td, "family")), "f");
	assert_null(json_object_get(td, "revision"));
	assert_null(json_object_get(td, "taskDefinitionArn"));
	assert_null(json_object_get(td, "compatibilities"));
	assert_int_equal(json_array_size(json_object_get(td, "tags")), 1);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.v[1].severity, SHIP_SEV_NOTE);
	assert_non_null(strstr(d.v[1].message, "'taskDefinitionArn', 'revision', 'status'"));
	json_decref(td);
	json_decref(doc);
	doc = parse("[1]");
	assert_null(ship_taskdef_prepare(doc, "td.json", &d, &err));
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	json_decref(doc);
	doc = parse("{\"services\": [{\"serviceName\": \"s\", \"serviceArn\": \"a\", \"events\": []}]}");
	json_t *svc = ship_servicedef_prepare(doc, "s.json", &d, &err);
	assert_non_null(svc);
	assert_null(json_object_get(svc, "events"));
	assert_string_equal(json_string_value(json_object_get(svc, "serviceName")), "s");
	json_decref(svc);
	json_decref(doc);
	ship_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(validation_table), TU_TEST(size_limit), TU_TEST(fargate_table),
	    TU_TEST(image_refs),       TU_TEST(set_image),  TU_TEST(prepare_drops_read_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
