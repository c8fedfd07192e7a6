/*
 * test_failfast.c: the fail-fast decision (lib/ecs/failfast.c) over answer sequences kept as
 * data, one scenario a file in tests/data/failfast/: each answer is the deployment's failedTasks
 * (DescribeServices) and the tasks DescribeTasks gave for the stopped tasks listed then; "expect"
 * names the verdict, the answer that brings it and words of the evidence. The stop reasons are
 * the developer guide's ("Amazon ECS stopped task error messages", stopped-task-error-codes.html;
 * "CannotPullContainer task errors", task_cannot_pull_image.html; "Troubleshoot
 * ResourceInitializationError errors", resource-initialization-error.html); a fall of failedTasks
 * is a task that turned healthy ("How the Amazon ECS deployment circuit breaker detects
 * failures", deployment-circuit-breaker.html). Each file names its source.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "ecship/failfast.h"
#include "testutil.h"

#define DIR_ "tests/data/failfast"

static void rules_of(json_t *doc, struct ship_failfast_rules *r)
{
	json_t *j = json_object_get(doc, "rules");
	ship_failfast_rules_default(r);
	if (json_is_boolean(json_object_get(j, "enabled")))
		r->enabled = json_is_true(json_object_get(j, "enabled"));
	if (json_is_integer(json_object_get(j, "same_exit")))
		r->same_exit = (long)json_integer_value(json_object_get(j, "same_exit"));
	if (json_is_integer(json_object_get(j, "failed_health")))
		r->failed_health = (long)json_integer_value(json_object_get(j, "failed_health"));
}

/* Runs one scenario; returns the number of answers fed before the verdict (-1: none). */
static int run_scenario(const char *name, json_t *doc, struct ship_failfast *f)
{
	struct ship_failfast_rules rules;
	struct ship_task_info *t = test_malloc(sizeof(*t));
	json_t *answer, *task;
	size_t i, j;
	int at = -1;
	rules_of(doc, &rules);
	ship_failfast_init(f, &rules, json_string_value(json_object_get(doc, "deployment_id")),
			   json_string_value(json_object_get(doc, "taskdef")));
	json_array_foreach(json_object_get(doc, "answers"), i, answer)
	{
		json_t *failed = json_object_get(answer, "failedTasks");
		if (json_is_integer(failed))
			ship_failfast_observe(f, (long)json_integer_value(failed));
		json_array_foreach(json_object_get(answer, "tasks"), j, task)
		{
			if (ship_task_parse(task, t))
				fail_msg("%s: answer %zu task %zu does not parse", name, i, j);
			enum ship_failfast_rule before = f->verdict;
			enum ship_failfast_rule v = ship_failfast_feed(f, t);
			if (before != SHIP_FAILFAST_NONE && v != before)
				fail_msg("%s: the verdict changed after it was given", name);
		}
		if (f->verdict != SHIP_FAILFAST_NONE && at < 0)
			at = (int)i;
	}
	test_free(t);
	return at;
}

static void recorded_answers_give_their_verdict(void **state)
{
	(void)state;
	DIR *d = opendir(DIR_);
	assert_non_null(d);
	struct dirent *e;
	int n = 0, decided = 0;
	struct ship_failfast *f = test_malloc(sizeof(*f));
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", DIR_, e->d_name);
		json_error_t je;
		json_t *doc = json_load_file(path, 0, &je);
		if (!doc)
			fail_msg("%s: %s", path, je.text);
		json_t *expect = json_object_get(doc, "expect"), *w;
		const char *want = json_string_value(json_object_get(expect, "verdict"));
		int want_at = (int)json_integer_value(json_object_get(expect, "at"));
		if (!want || !json_string_value(json_object_get(doc, "source")))
			fail_msg("%s: needs expect.verdict and source", e->d_name);
		int at = run_scenario(e->d_name, doc, f);
		const char *got = ship_failfast_rule_name(f->verdict);
		if (strcmp(got, want) || at != want_at)
			fail_msg(
			    "%s: verdict '%s' at answer %d, expected '%s' at %d (evidence: %s)",
			    e->d_name, got, at, want, want_at, f->evidence);
		size_t i;
		json_array_foreach(json_object_get(expect, "evidence"), i, w)
		{
			if (!strstr(f->evidence, json_string_value(w)))
				fail_msg("%s: evidence lacks '%s': %s", e->d_name,
					 json_string_value(w), f->evidence);
		}
		if (f->verdict == SHIP_FAILFAST_NONE)
			assert_string_equal(f->evidence, "");
		else
			decided++;
		json_t *first = json_object_get(expect, "first_failed");
		if (json_is_number(first) && f->first_failed != json_number_value(first))
			fail_msg("%s: first failed task at %.1f, expected %.1f", e->d_name,
				 f->first_failed, json_number_value(first));
		json_decref(doc);
		n++;
	}
	closedir(d);
	test_free(f);
	assert_true(n >= 20);
	assert_true(decided >= 10 && decided < n);
}

/* The classification alone: a task that is still running says nothing, whatever its reason. */
static void a_running_task_is_not_judged(void **state)
{
	(void)state;
	struct ship_task_info *t = test_calloc(1, sizeof(*t));
	snprintf(t->last_status, sizeof(t->last_status), "RUNNING");
	snprintf(t->desired_status, sizeof(t->desired_status), "RUNNING");
	snprintf(t->stopped_reason, sizeof(t->stopped_reason),
		 "CannotPullContainerError: ref: not found");
	assert_false(ship_failfast_ready(t));
	assert_int_equal(ship_failfast_classify(t, NULL, NULL, 0), SHIP_FAILFAST_NONE);
	snprintf(t->desired_status, sizeof(t->desired_status), "STOPPED");
	assert_true(ship_failfast_ready(t));
	assert_int_equal(ship_failfast_classify(t, NULL, NULL, 0), SHIP_FAILFAST_CANNOT_HEAL);
	test_free(t);
}

static void rule_names_are_stable(void **state)
{
	(void)state;
	assert_string_equal(ship_failfast_rule_name(SHIP_FAILFAST_CANNOT_HEAL), "cannot-heal");
	assert_string_equal(ship_failfast_rule_name(SHIP_FAILFAST_SAME_EXIT), "same-exit");
	assert_string_equal(ship_failfast_rule_name(SHIP_FAILFAST_FAILED_HEALTH), "failed-health");
	assert_string_equal(ship_failfast_rule_name(SHIP_FAILFAST_NONE), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(recorded_answers_give_their_verdict),
	    TU_TEST(a_running_task_is_not_judged),
	    TU_TEST(rule_names_are_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
