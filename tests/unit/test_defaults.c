/*
 * test_defaults.c: ECS's defaults (data/ecs-defaults.tsv) row by row, both ways: a member written
 * with its default and the same member left out normalize equal (task definitions and services,
 * the normalizers deploy's "unchanged" check and `ecship diff` use), a non-default value still
 * shows; the compiled rows are the table's; the minimal inputs against what ECS returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecship/taskdef.h"
#include "testutil.h"

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &e);
	if (!j)
		fail_msg("bad test JSON '%s': line %d: %s", s, e.line, e.text);
	return j;
}

/* The table's rows as read from the file (what the generated C rows must equal). */
static void compiled_rows_are_the_table(void **state)
{
	(void)state;
	FILE *f = fopen("data/ecs-defaults.tsv", "r");
	assert_non_null(f);
	size_t n, i = 0;
	const struct ship_ecs_default *rows = ship_ecs_defaults(&n);
	char line[2048];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		assert_true(i < n);
		const char *want[6] = {rows[i].op,    rows[i].path,  rows[i].when,
				       rows[i].value, rows[i].other, rows[i].source};
		char *p = line;
		for (int k = 0; k < 6; k++) {
			char *tab = strchr(p, '\t');
			if (tab)
				*tab = '\0';
			if (strcmp(p, want[k]) != 0)
				fail_msg("row %zu column %d: table '%s', compiled '%s' (run "
					 "scripts/gen-ecs-defaults)",
					 i + 1, k + 1, p, want[k]);
			p = tab ? tab + 1 : p + strlen(p);
		}
		assert_true(strncmp(rows[i].source, "https://docs.aws.amazon.com/AmazonECS/", 38) ==
			    0);
		i++;
	}
	fclose(f);
	assert_int_equal(i, n);
	assert_true(n >= 30);
}

/* Sets doc's member at path ("a.b[].c") to v (stolen; NULL: only the parents), making the
 * parents as it goes; returns the object that holds the member. */
static json_t *put(json_t *doc, const char *path, json_t *v)
{
	char seg[128];
	const char *dot = strchr(path, '.');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	assert_true(n < sizeof(seg));
	memcpy(seg, path, n);
	seg[n] = '\0';
	if (!dot) {
		if (v)
			json_object_set_new(doc, seg, v);
		return doc;
	}
	int list = n > 2 && strcmp(seg + n - 2, "[]") == 0;
	if (list)
		seg[n - 2] = '\0';
	json_t *next = json_object_get(doc, seg);
	if (!next) {
		json_t *obj = json_object();
		if (list) {
			json_t *arr = json_array();
			json_array_append_new(arr, obj);
			json_object_set_new(doc, seg, arr);
		} else {
			json_object_set_new(doc, seg, obj);
		}
		next = obj;
	} else if (list) {
		next = json_array_get(next, 0);
	}
	return put(next, dot + 1, v);
}

/* A document for a row: the root the row's condition needs, the parents of its member, a sibling
 * for =MEMBER rows and a name so it is not empty; the member set to value (a JSON text) or not. */
static json_t *doc_for(const struct ship_ecs_default *r, const char *value)
{
	int service = strcmp(r->op, "RegisterTaskDefinition") != 0;
	json_t *d = parse(service ? "{\"serviceName\": \"web\"}" : "{\"family\": \"web\"}");
	if (r->when[0]) {
		char key[64];
		const char *eq = strchr(r->when, '=');
		snprintf(key, sizeof(key), "%.*s", (int)(eq - r->when), r->when);
		size_t vn = strcspn(eq + 1, "|");
		if (!(vn == 1 && eq[1] == '-'))
			json_object_set_new(d, key, json_stringn(eq + 1, vn));
	}
	json_t *holder = put(d, r->path, NULL);
	json_object_set_new(holder, "name", json_string("x"));
	if (r->value[0] == '=')
		json_object_set_new(holder, r->value + 1, json_integer(80));
	if (value) {
		json_t *v =
		    r->value[0] == '=' && value == r->value ? json_integer(80) : parse(value);
		put(d, r->path, v);
	}
	return d;
}

static json_t *norm(const struct ship_ecs_default *r, const json_t *d)
{
	return strcmp(r->op, "RegisterTaskDefinition") ? ship_servicedef_normalize(d)
						       : ship_taskdef_normalize(d);
}

static void every_row_both_ways(void **state)
{
	(void)state;
	size_t n;
	const struct ship_ecs_default *rows = ship_ecs_defaults(&n);
	for (size_t i = 0; i < n; i++) {
		const struct ship_ecs_default *r = &rows[i];
		json_t *given = doc_for(r, r->value), *left = doc_for(r, NULL),
		       *other = doc_for(r, r->other);
		json_t *ng = norm(r, given), *nl = norm(r, left), *no = norm(r, other);
		assert_non_null(ng);
		assert_non_null(nl);
		assert_non_null(no);
		/* written out by one side (ECS's answer), left out by the other (the file), both
		 * ways */
		if (!json_equal(ng, nl) || !json_equal(nl, ng)) {
			char *a = json_dumps(ng, JSON_SORT_KEYS),
			     *b = json_dumps(nl, JSON_SORT_KEYS);
			fail_msg("%s %s = %s (%s): with it %s, without %s", r->op, r->path,
				 r->value, r->source, a, b);
		}
		/* a value that is not the default is a real difference */
		if (json_equal(no, nl))
			fail_msg("%s %s = %s hides a real change (%s)", r->op, r->path, r->other,
				 r->source);
		json_decref(given);
		json_decref(left);
		json_decref(other);
		json_decref(ng);
		json_decref(nl);
		json_decref(no);
	}
}

/* The minimal inputs (bridge on EC2; Fargate with EFS), and what DescribeTaskDefinition
 * returns for them (ECS fills hostPort 0 in bridge mode and rootDirectory "/", API_PortMapping,
 * API_EFSVolumeConfiguration). Before the table these registered a new revision every deploy. */
static void minimal_inputs_are_unchanged(void **state)
{
	(void)state;
	static const char *const pairs[][2] = {
	    {"{\"family\":\"nginx\",\"networkMode\":\"bridge\",\"requiresCompatibilities\":["
	     "\"EC2\"],"
	     "\"containerDefinitions\":[{\"name\":\"nginx\",\"image\":\"nginx:1.27\",\"memory\":"
	     "256,"
	     "\"portMappings\":[{\"containerPort\":80,\"protocol\":\"tcp\"}]}]}",
	     "{\"taskDefinition\":{\"family\":\"nginx\",\"revision\":1,\"networkMode\":\"bridge\","
	     "\"requiresCompatibilities\":[\"EC2\"],\"compatibilities\":[\"EXTERNAL\",\"EC2\"],"
	     "\"status\":\"ACTIVE\",\"volumes\":[],\"placementConstraints\":[],"
	     "\"containerDefinitions\":[{\"name\":\"nginx\",\"image\":\"nginx:1.27\",\"cpu\":0,"
	     "\"memory\":256,\"essential\":true,\"environment\":[],\"mountPoints\":[],"
	     "\"volumesFrom\":[],\"systemControls\":[],"
	     "\"portMappings\":[{\"containerPort\":80,\"hostPort\":0,\"protocol\":\"tcp\"}]}]}}"},
	    {"{\"family\":\"web\",\"networkMode\":\"host\",\"containerDefinitions\":[{\"name\":"
	     "\"w\","
	     "\"image\":\"nginx:1.27\",\"memory\":256,\"portMappings\":[{\"containerPort\":80}]}]}",
	     "{\"family\":\"web\",\"networkMode\":\"host\",\"containerDefinitions\":[{\"name\":"
	     "\"w\","
	     "\"image\":\"nginx:1.27\",\"memory\":256,\"cpu\":0,\"essential\":true,"
	     "\"portMappings\":[{\"containerPort\":80,\"hostPort\":80,\"protocol\":\"tcp\"}]}]}"},
	    {"{\"family\":\"efs-min\",\"networkMode\":\"awsvpc\",\"requiresCompatibilities\":"
	     "[\"FARGATE\"],\"cpu\":\"256\",\"memory\":\"512\",\"containerDefinitions\":[{\"name\":"
	     "\"app\",\"image\":\"nginx:1.27\",\"mountPoints\":[{\"sourceVolume\":\"data\","
	     "\"containerPath\":\"/data\"}]}],\"volumes\":[{\"name\":\"data\","
	     "\"efsVolumeConfiguration\":{\"fileSystemId\":\"fs-12345678\"}}]}",
	     "{\"taskDefinition\":{\"family\":\"efs-min\",\"revision\":1,\"networkMode\":"
	     "\"awsvpc\","
	     "\"requiresCompatibilities\":[\"FARGATE\"],\"cpu\":\"256\",\"memory\":\"512\","
	     "\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"nginx:1.27\",\"cpu\":0,"
	     "\"essential\":true,\"portMappings\":[],\"mountPoints\":[{\"sourceVolume\":\"data\","
	     "\"containerPath\":\"/data\",\"readOnly\":false}]}],\"volumes\":[{\"name\":\"data\","
	     "\"efsVolumeConfiguration\":{\"fileSystemId\":\"fs-12345678\",\"rootDirectory\":\"/\","
	     "\"transitEncryption\":\"DISABLED\"}}]}}"},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		json_t *a = parse(pairs[i][0]), *b = parse(pairs[i][1]);
		if (ship_taskdef_same(a, b) != 1)
			fail_msg("minimal input %zu would register a new revision every deploy", i);
		json_decref(a);
		json_decref(b);
	}
}

/* A service as ecship creates it from a file without a breaker, as DescribeServices returns it:
 * the breaker ecship added, availabilityZoneRebalancing ENABLED (API_CreateService), Service
 * Connect on the PRIMARY deployment only (API_Deployment). No drift right after the deploy. */
static void service_as_created_is_not_drift(void **state)
{
	(void)state;
	json_t *file =
	    parse("{\"desiredCount\":2,\"launchType\":\"FARGATE\",\"serviceConnectConfiguration\":"
		  "{\"enabled\":true,\"namespace\":\"app\"},\"networkConfiguration\":{"
		  "\"awsvpcConfiguration\":{\"subnets\":[\"subnet-b\",\"subnet-a\"]}}}");
	json_t *live = parse(
	    "{\"services\":[{\"serviceName\":\"web\",\"serviceArn\":\"arn:aws:ecs:r:1:service/c/"
	    "web\","
	    "\"launchType\":\"FARGATE\",\"desiredCount\":2,\"platformVersion\":\"LATEST\","
	    "\"availabilityZoneRebalancing\":\"ENABLED\",\"schedulingStrategy\":\"REPLICA\","
	    "\"deploymentController\":{\"type\":\"ECS\"},\"deploymentConfiguration\":{"
	    "\"deploymentCircuitBreaker\":{\"enable\":true,\"rollback\":true},\"maximumPercent\":"
	    "200,"
	    "\"minimumHealthyPercent\":100,\"strategy\":\"ROLLING\"},\"networkConfiguration\":{"
	    "\"awsvpcConfiguration\":{\"subnets\":[\"subnet-a\",\"subnet-b\"],\"assignPublicIp\":"
	    "\"DISABLED\"}},\"deployments\":[{\"status\":\"ACTIVE\"},{\"status\":\"PRIMARY\","
	    "\"serviceConnectConfiguration\":{\"enabled\":true,\"namespace\":\"app\"}}]}]}");
	json_t *req = ship_servicedef_request(file);
	json_object_set_new(req, "serviceName", json_string("web"));
	json_t *a = ship_servicedef_normalize(req), *b = ship_servicedef_normalize(live);
	assert_non_null(a);
	assert_non_null(b);
	if (!json_equal(a, b)) {
		char *x = json_dumps(a, JSON_SORT_KEYS), *y = json_dumps(b, JSON_SORT_KEYS);
		fail_msg("drift right after a deploy: local %s, live %s", x, y);
	}
	/* a breaker the file sets is kept as written */
	json_t *off = parse("{\"deploymentConfiguration\":{\"deploymentCircuitBreaker\":"
			    "{\"enable\":false,\"rollback\":false}}}");
	json_t *r2 = ship_servicedef_request(off);
	assert_false(json_is_true(
	    json_object_get(json_object_get(json_object_get(r2, "deploymentConfiguration"),
					    "deploymentCircuitBreaker"),
			    "enable")));
	json_decref(off);
	json_decref(r2);
	json_decref(file);
	json_decref(live);
	json_decref(req);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(compiled_rows_are_the_table),
	    TU_TEST(every_row_both_ways),
	    TU_TEST(minimal_inputs_are_unchanged),
	    TU_TEST(service_as_created_is_not_drift),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
