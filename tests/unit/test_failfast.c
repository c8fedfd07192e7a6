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
#include <stdio.h>
#include <string.h>

#include "ecship/failfast.h"
#include "ecship/http.h"
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

/* The failfast state one scenario after another runs on, and how many of them decided. */
struct tally {
	struct ship_failfast *f;
	int decided;
};

static void gives_its_verdict(const char *name, json_t *doc, void *ctx)
{
	struct tally *t = ctx;
	json_t *expect = json_object_get(doc, "expect"), *w;
	const char *want = json_string_value(json_object_get(expect, "verdict"));
	int want_at = (int)json_integer_value(json_object_get(expect, "at"));
	if (!want || !json_string_value(json_object_get(doc, "source")))
		fail_msg("%s: needs expect.verdict and source", name);
	int at = run_scenario(name, doc, t->f);
	const char *got = ship_failfast_rule_name(t->f->verdict);
	if (strcmp(got, want) || at != want_at)
		fail_msg("%s: verdict '%s' at answer %d, expected '%s' at %d (evidence: %s)", name,
			 got, at, want, want_at, t->f->evidence);
	size_t i;
	json_array_foreach(json_object_get(expect, "evidence"), i, w)
	{
		if (!strstr(t->f->evidence, json_string_value(w)))
			fail_msg("%s: evidence lacks '%s': %s", name, json_string_value(w),
				 t->f->evidence);
	}
	if (t->f->verdict == SHIP_FAILFAST_NONE)
		assert_string_equal(t->f->evidence, "");
	else
		t->decided++;
	json_t *first = json_object_get(expect, "first_failed");
	if (json_is_number(first) && t->f->first_failed != json_number_value(first))
		fail_msg("%s: first failed task at %.1f, expected %.1f", name, t->f->first_failed,
			 json_number_value(first));
}

static void recorded_answers_give_their_verdict(void **state)
{
	(void)state;
	struct tally t = {test_malloc(sizeof(*t.f)), 0};
	int n = tu_json_each(DIR_, gives_its_verdict, &t);
	test_free(t.f);
	assert_true(n >= 20);
	assert_true(t.decided >= 10 && t.decided < n);
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

/* ---- the watcher: when it reads, what it costs, what a verdict does ---------------------------
 */

/* A fake ECS for the watcher: ListTasks answers `arns`, DescribeTasks the tasks of `tasks` asked
 * for; `deny` answers ListTasks with AccessDeniedException. Counts both. */
struct fake {
	json_t *arns, *tasks;
	int deny, lists, describes;
};

static int fake_answer(struct ship_http_response *resp, long status, json_t *body,
		       const char *etype)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (etype)
		ship_headers_add(&resp->headers, "x-amzn-ErrorType", etype);
	tu_answer(resp, status, "application/x-amz-json-1.1", text ? text : "{}");
	ship_free(text);
	return 0;
}

static int fake_transport(void *ctx, const struct ship_http_request *req,
			  struct ship_http_response *resp, struct ship_err *err)
{
	struct fake *f = ctx;
	const char *target = ship_headers_get(req->headers, "X-Amz-Target");
	json_t *body = json_loadb(req->body.p, req->body.len, 0, NULL), *out, *a, *t;
	size_t i, j;
	(void)err;
	if (target && strstr(target, ".ListTasks")) {
		f->lists++;
		/* the watcher asks for the service's stopped tasks, one page */
		assert_string_equal(json_string_value(json_object_get(body, "desiredStatus")),
				    "STOPPED");
		assert_string_equal(json_string_value(json_object_get(body, "serviceName")), "web");
		json_decref(body);
		if (f->deny)
			return fake_answer(resp, 400,
					   json_pack("{s:s, s:s}", "__type",
						     "AccessDeniedException", "message",
						     "not authorized to perform: ecs:ListTasks"),
					   "AccessDeniedException");
		return fake_answer(resp, 200, json_pack("{s:O}", "taskArns", f->arns), NULL);
	}
	f->describes++;
	out = json_array();
	json_array_foreach(json_object_get(body, "tasks"), i, a)
	{
		json_array_foreach(f->tasks, j, t)
		{
			if (json_equal(json_object_get(t, "taskArn"), a))
				json_array_append(out, t);
		}
	}
	json_decref(body);
	return fake_answer(resp, 200, json_pack("{s:o, s:[]}", "tasks", out, "failures"), NULL);
}

struct wenv {
	struct fake fk;
	struct ship_fake_clock clock;
	struct ship_aws *aws;
	struct ship_rollout ro;
	struct ship_failfast_watch w;
	struct ship_service_view v;
};

static struct wenv *wenv_new(const char *scenario)
{
	struct wenv *e = test_calloc(1, sizeof(*e));
	char path[256];
	e->aws = tu_fake_aws(&e->clock, 1796036600.0, fake_transport, &e->fk);
	/* the tasks of a recorded scenario's last answer */
	snprintf(path, sizeof(path), "%s/%s.json", DIR_, scenario);
	json_t *doc = tu_json_file(path);
	json_t *answers = json_object_get(doc, "answers"), *t;
	e->fk.tasks = json_incref(
	    json_object_get(json_array_get(answers, json_array_size(answers) - 1), "tasks"));
	e->fk.arns = json_array();
	e->fk.lists = e->fk.describes = 0;
	size_t i;
	json_array_foreach(e->fk.tasks, i, t)
	    json_array_append(e->fk.arns, json_object_get(t, "taskArn"));
	ship_rollout_init(&e->ro, json_string_value(json_object_get(doc, "deployment_id")),
			  json_string_value(json_object_get(doc, "taskdef")));
	json_decref(doc);
	ship_failfast_watch_init(&e->w, e->aws, "demo", "web", NULL, NULL, &e->ro);
	snprintf(e->v.dep[0].id, sizeof(e->v.dep[0].id), "%s", e->ro.deployment_id);
	snprintf(e->v.dep[0].status, sizeof(e->v.dep[0].status), "PRIMARY");
	snprintf(e->v.dep[0].rollout_state, sizeof(e->v.dep[0].rollout_state), "IN_PROGRESS");
	snprintf(e->v.dep[0].taskdef, sizeof(e->v.dep[0].taskdef), "%.300s", e->ro.taskdef);
	e->v.dep[0].desired = 1;
	e->v.ndep = 1;
	return e;
}

static void wenv_destroy(struct wenv *e)
{
	ship_aws_destroy(e->aws);
	json_decref(e->fk.arns);
	json_decref(e->fk.tasks);
	test_free(e);
}

/* One poll of the wait at +at seconds with the deployment's failedTasks. */
static int poll_at(struct wenv *e, double at, long failed)
{
	e->clock.now = 1796036600.0 + at;
	e->v.dep[0].failed = failed;
	return ship_failfast_wait_done(&e->w, &e->v);
}

/* Reads only when ECS counted a failed task (at most every 5 s) or every 30 s, not each poll;
 * one ListTasks plus one DescribeTasks of the tasks not judged yet. */
static void the_watcher_reads_when_ecs_counts_a_failure(void **state)
{
	(void)state;
	struct wenv *e = wenv_new("missing-tag");
	json_array_clear(e->fk.arns); /* nothing stopped yet */
	for (int t = 0; t < 30; t++)
		assert_false(poll_at(e, t, 0));
	assert_int_equal(e->fk.lists, 0); /* 30 polls, no read */
	assert_false(poll_at(e, 31, 0));
	assert_int_equal(e->fk.lists, 1); /* the 30 s read */
	assert_int_equal(e->fk.describes, 0);
	json_array_append(e->fk.arns, json_object_get(json_array_get(e->fk.tasks, 0), "taskArn"));
	assert_false(poll_at(e, 33, 1)); /* failedTasks rose, but 2 s after the last read */
	assert_int_equal(e->fk.lists, 1);
	assert_true(poll_at(e, 36, 1)); /* 5 s after it: read, judge, decide */
	assert_int_equal(e->fk.lists, 2);
	assert_int_equal(e->fk.describes, 1);
	assert_int_equal(e->ro.phase, SHIP_ROLLOUT_FAILED);
	assert_false(e->ro.by_breaker);
	assert_non_null(strstr(e->ro.reason, "failing fast: task "));
	assert_non_null(strstr(e->ro.reason, "the image or its tag does not exist"));
	assert_int_equal(e->w.reads, 2);
	assert_int_equal(e->w.requests, 3);
	wenv_destroy(e);
}

/* A stopping task of ours that is not ready yet is read again 5 s later, not 30 s later. */
static void a_task_on_its_way_to_stopped_is_read_again_soon(void **state)
{
	(void)state;
	struct wenv *e = wenv_new("exit-code-not-yet-known");
	json_t *t = json_array_get(e->fk.tasks, 0);
	json_t *c = json_array_get(json_object_get(t, "containers"), 0);
	json_t *saved = json_deep_copy(t);
	json_object_del(c, "exitCode");
	json_object_set_new(t, "lastStatus", json_string("DEPROVISIONING"));
	assert_false(poll_at(e, 1, 1));
	assert_int_equal(e->fk.describes, 1);
	assert_true(e->w.unready);
	json_array_set_new(e->fk.tasks, 0, saved); /* now it has stopped with its exit code */
	assert_true(poll_at(e, 7, 1));		   /* failedTasks did not rise: read for the task */
	assert_int_equal(e->fk.describes, 2);
	assert_string_equal(ship_failfast_rule_name(e->w.ff.verdict), "same-exit");
	wenv_destroy(e);
}

/* Access denied to ecs:ListTasks turns fail-fast off for the deploy: the breaker decides. */
static void a_refused_read_turns_fail_fast_off(void **state)
{
	(void)state;
	struct wenv *e = wenv_new("missing-tag");
	e->fk.deny = 1;
	assert_false(poll_at(e, 1, 1));
	assert_int_equal(e->fk.lists, 1);
	assert_true(e->w.off);
	assert_false(poll_at(e, 40, 2)); /* below the breaker-off rule's 3 */
	assert_int_equal(e->fk.lists, 1);
	assert_int_equal(e->ro.phase, SHIP_ROLLOUT_WAITING);
	assert_int_equal(e->w.errors, 1);
	wenv_destroy(e);
}

/* Disabled, the watcher is the plain rollout check: it never reads. */
static void disabled_it_never_reads(void **state)
{
	(void)state;
	struct wenv *e = wenv_new("missing-tag");
	e->w.ff.rules.enabled = 0;
	for (int t = 0; t < 100; t += 5)
		assert_false(poll_at(e, t, t > 50));
	assert_int_equal(e->fk.lists + e->fk.describes, 0);
	wenv_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(recorded_answers_give_their_verdict),
	    TU_TEST(a_running_task_is_not_judged),
	    TU_TEST(rule_names_are_stable),
	    TU_TEST(the_watcher_reads_when_ecs_counts_a_failure),
	    TU_TEST(a_task_on_its_way_to_stopped_is_read_again_soon),
	    TU_TEST(a_refused_read_turns_fail_fast_off),
	    TU_TEST(disabled_it_never_reads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
