/*
 * test_restore.c: the service settings a rollback restores (lib/ecs/restore.c, issue 12 item 6):
 * what is recorded from the live service before a change, which of it ECS's own rollback leaves
 * (a service revision holds the task definition, network, load balancers and a few more, not the
 * grace period or the deployment configuration:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-revision-property.html),
 * and the record as tags (values of at most 256 characters from ECS's tag alphabet:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-using-tags.html) both ways.
 */
#include <stdio.h>
#include <string.h>

#include "private/deploy.h"
#include "testutil.h"

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);
	if (!j)
		fail_msg("bad test JSON '%s': line %d: %s", s, e.line, e.text);
	return j;
}

static const char *s_live =
    "{\"serviceName\": \"web\", \"healthCheckGracePeriodSeconds\": 30,"
    " \"networkConfiguration\": {\"awsvpcConfiguration\": {\"subnets\": [\"subnet-a\"]}},"
    " \"deploymentConfiguration\": {\"maximumPercent\": 200, \"minimumHealthyPercent\": 100},"
    " \"deployments\": [{\"status\": \"PRIMARY\", \"serviceConnectConfiguration\": {\"enabled\": "
    "false}}]}";

/* The live values of the members the update changes, and only those. */
static void config_before_takes_live_values(void **state)
{
	(void)state;
	json_t *live = parse(s_live);
	json_t *update = parse(
	    "{\"healthCheckGracePeriodSeconds\": 180,"
	    " \"networkConfiguration\": {\"awsvpcConfiguration\": {\"subnets\": [\"subnet-c\"]}},"
	    " \"serviceConnectConfiguration\": {\"enabled\": true},"
	    " \"placementConstraints\": [{\"type\": \"distinctInstance\"}],"
	    " \"enableExecuteCommand\": true}");
	json_t *want = parse(
	    "{\"healthCheckGracePeriodSeconds\": 30,"
	    " \"networkConfiguration\": {\"awsvpcConfiguration\": {\"subnets\": [\"subnet-a\"]}},"
	    " \"serviceConnectConfiguration\": {\"enabled\": false},"
	    " \"placementConstraints\": [], \"enableExecuteCommand\": false}");
	json_t *got = ship_restore_config_before(live, update);
	assert_non_null(got);
	assert_true(json_equal(got, want));
	json_t *empty = json_object();
	assert_null(ship_restore_config_before(live, empty));
	assert_null(ship_restore_config_before(NULL, update));
	json_decref(empty);
	json_decref(got);
	json_decref(want);
	json_decref(update);
	json_decref(live);
}

/* ECS's rollback restores the revision's members; the rest is left to ecship. */
static void outside_revision_members(void **state)
{
	(void)state;
	json_t *config = parse("{\"healthCheckGracePeriodSeconds\": 30, \"loadBalancers\": [],"
			       " \"networkConfiguration\": {}, \"deploymentConfiguration\": {},"
			       " \"platformVersion\": \"1.4.0\", \"propagateTags\": \"NONE\","
			       " \"serviceRegistries\": [], \"capacityProviderStrategy\": [],"
			       " \"volumeConfigurations\": [], \"vpcLatticeConfigurations\": []}");
	json_t *got = ship_restore_outside_revision(config);
	json_t *want =
	    parse("{\"healthCheckGracePeriodSeconds\": 30, \"deploymentConfiguration\": {},"
		  " \"propagateTags\": \"NONE\"}");
	assert_true(json_equal(got, want));
	json_t *only_revision = parse("{\"loadBalancers\": [], \"taskDefinition\": \"x\"}");
	assert_null(ship_restore_outside_revision(only_revision));
	assert_null(ship_restore_outside_revision(NULL));
	json_decref(only_revision);
	json_decref(got);
	json_decref(want);
	json_decref(config);
}

static int tag_value_ok(const char *v)
{
	if (strlen(v) > 256)
		return 0;
	for (; *v; v++)
		if (!strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.:/=+-@",
			*v))
			return 0;
	return 1;
}

/* Short and long records go through tags and come back equal; every value is a valid tag value. */
static void tags_round_trip(void **state)
{
	(void)state;
	const char *docs[] = {"{\"healthCheckGracePeriodSeconds\": 30}", s_live, NULL};
	for (size_t i = 0; docs[i]; i++) {
		json_t *config = parse(docs[i]), *tags = json_array(), *t;
		size_t k;
		assert_int_equal(ship_restore_config_tags(config, tags), 0);
		json_array_foreach(tags, k, t)
		{
			assert_true(tag_value_ok(json_string_value(json_object_get(t, "value"))));
			assert_true(strlen(json_string_value(json_object_get(t, "key"))) <= 128);
		}
		if (i == 1)
			assert_true(json_array_size(tags) > 1); /* s_live takes more than one tag */
		/* other tags on the service do not matter, in any order */
		json_array_insert_new(tags, 0,
				      json_pack("{s:s,s:s}", "key", "team", "value", "web"));
		json_t *back = ship_restore_config_from_tags(tags);
		assert_non_null(back);
		assert_true(json_equal(back, config));
		json_decref(back);
		/* a missing chunk is no record, never half of one */
		if (json_array_size(tags) > 2) {
			json_array_remove(tags, json_array_size(tags) - 1);
			assert_null(ship_restore_config_from_tags(tags));
		}
		json_decref(tags);
		json_decref(config);
	}
}

/* No change recorded ("0:"), no tag, a damaged tag: nothing to restore. */
static void no_record(void **state)
{
	(void)state;
	json_t *tags = json_array();
	assert_int_equal(ship_restore_config_tags(NULL, tags), 0);
	assert_int_equal(json_array_size(tags), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 0), "value")),
			    "0:");
	assert_null(ship_restore_config_from_tags(tags));
	json_decref(tags);
	const char *bad[] = {
	    "[]", "[{\"key\": \"ecship:previous-service\", \"value\": \"1:!!!\"}]",
	    "[{\"key\": \"ecship:previous-service\", \"value\": \"1:WzFd\"}]", /* [1] */
	    "[{\"key\": \"ecship:previous-service\", \"value\": \"99:e30=\"}]", NULL};
	for (size_t i = 0; bad[i]; i++) {
		json_t *t = parse(bad[i]);
		assert_null(ship_restore_config_from_tags(t));
		json_decref(t);
	}
	/* too long to record: nothing appended */
	json_t *big = json_object();
	char key[32];
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "member%03d", i);
		json_object_set_new(big, key, json_string("a value of some length"));
	}
	tags = json_array();
	assert_int_equal(ship_restore_config_tags(big, tags), -1);
	assert_int_equal(json_array_size(tags), 0);
	json_decref(tags);
	json_decref(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(config_before_takes_live_values),
	    TU_TEST(outside_revision_members),
	    TU_TEST(tags_round_trip),
	    TU_TEST(no_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
