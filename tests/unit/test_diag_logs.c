/*
 * test_diag_logs.c: lib/troubleshoot/logs.c and the pure parts of tasks.c: awslogs settings from task
 * definitions (both shapes), stream names, time-ordered merging, the follow cursor showing each
 * event once, parsing DescribeTasks records, newest-first sorting, and allocation failures.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/logs.h"
#include "ecship/tasks.h"
#include "testutil.h"

static json_t *td(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	assert_non_null(j);
	return j;
}

static void awslogs_of_table(void **state)
{
	(void)state;
	static const struct {
		const char *td, *container;
		int rc;
		const char *group, *prefix, *name;
	} t[] = {
	    {"{\"containerDefinitions\":[{\"name\":\"web\",\"logConfiguration\":{\"logDriver\":"
	     "\"awslogs\",\"options\":{\"awslogs-group\":\"/ecs/"
	     "a\",\"awslogs-region\":\"r\",\"awslogs-stream-prefix\":\"ecs\"}}}]}",
	     NULL, 0, "/ecs/a", "ecs", "web"},
	    {"{\"taskDefinition\":{\"containerDefinitions\":[{\"name\":\"web\","
	     "\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"/"
	     "ecs/b\"}}}]}}",
	     NULL, 0, "/ecs/b", "", "web"},
	    /* the essential container wins over a non-essential sidecar listed first */
	    {"{\"containerDefinitions\":[{\"name\":\"side\",\"essential\":false,"
	     "\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"/"
	     "s\"}}},{\"name\":\"app\",\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":"
	     "{\"awslogs-group\":\"/a\",\"awslogs-stream-prefix\":\"p\"}}}]}",
	     NULL, 0, "/a", "p", "app"},
	    {"{\"containerDefinitions\":[{\"name\":\"side\",\"essential\":false,"
	     "\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"/"
	     "s\"}}},{\"name\":\"app\"}]}",
	     "side", 0, "/s", "", "side"},
	    {"{\"containerDefinitions\":[{\"name\":\"web\"}]}", NULL, -1, "", "", ""},
	    {"{\"containerDefinitions\":[{\"name\":\"web\"}]}", "web", -1, "", "", "web"},
	    {"{\"containerDefinitions\":[{\"name\":\"web\"}]}", "nope", -1, "", "", ""},
	    {"{\"containerDefinitions\":[{\"name\":\"web\",\"logConfiguration\":{\"logDriver\":"
	     "\"awslogs\",\"options\":{}}}]}",
	     NULL, -1, "", "", "web"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *j = td(t[i].td);
		struct ship_awslogs al;
		struct ship_err err = SHIP_ERR_INIT;
		assert_int_equal(ship_awslogs_of(j, t[i].container, &al, &err), t[i].rc);
		if (t[i].rc == 0) {
			assert_string_equal(al.group, t[i].group);
			assert_string_equal(al.prefix, t[i].prefix);
		} else {
			assert_int_equal(err.code, SHIP_ERR_INPUT);
			assert_true(err.message[0]);
		}
		assert_string_equal(al.container, t[i].name);
		json_decref(j);
	}
}

static void stream_names(void **state)
{
	(void)state;
	struct ship_awslogs al;
	char out[64];
	memset(&al, 0, sizeof(al));
	snprintf(al.container, sizeof(al.container), "web");
	assert_int_equal(ship_awslogs_stream(&al, "abc", out, sizeof(out)), -1); /* no prefix */
	snprintf(al.prefix, sizeof(al.prefix), "ecs");
	assert_int_equal(ship_awslogs_stream(&al, "abc", out, sizeof(out)), 0);
	assert_string_equal(out, "ecs/web/abc");
	assert_int_equal(ship_awslogs_stream(&al, "", out, sizeof(out)), -1);
	assert_int_equal(ship_awslogs_stream(&al, "abc", out, 8), -1); /* does not fit */
}

static void events_sort_stably_and_trim_newlines(void **state)
{
	(void)state;
	struct ship_log_events ev = {0};
	assert_int_equal(ship_log_events_add(&ev, 2.0, "s/a", "second\n", "1"), 0);
	assert_int_equal(ship_log_events_add(&ev, 1.0, "s/b", "first\r\n", "2"), 0);
	assert_int_equal(ship_log_events_add(&ev, 2.0, "s/b", "third", NULL), 0);
	ship_log_events_sort(&ev);
	assert_string_equal(ev.v[0].message, "first");
	assert_string_equal(ev.v[1].message, "second");
	assert_string_equal(ev.v[2].message, "third"); /* same time: arrival order */
	assert_true(ev.v[2].id[0]);		       /* synthesized */
	ship_log_events_release(&ev);
	ev.max = 2;
	for (int i = 0; i < 5; i++)
		assert_int_equal(ship_log_events_add(&ev, i, "s", "m", NULL), 0);
	assert_int_equal(ev.n, 2);
	assert_int_equal(ev.dropped, 3);
	ship_log_events_release(&ev);
	assert_int_equal(ev.max, 2);
}

static void follow_shows_each_event_once(void **state)
{
	(void)state;
	struct ship_logs_follow f;
	struct ship_log_events ev = {0};
	ship_logs_follow_init(&f, 10.0);
	/* poll 1: one before the start, two at 11.5 */
	ship_log_events_add(&ev, 9.0, "s", "old", "a");
	ship_log_events_add(&ev, 11.5, "s", "x", "b");
	ship_log_events_add(&ev, 11.5, "s", "y", "c");
	assert_int_equal(ship_logs_follow_take(&f, &ev), 2);
	assert_string_equal(ev.v[0].message, "x");
	assert_true(f.since == 11.5);
	ship_log_events_release(&ev);
	/* poll 2 starts at 11.5 again: b and c come back with a new d at the same ms, and e */
	ship_log_events_add(&ev, 11.5, "s", "x", "b");
	ship_log_events_add(&ev, 11.5, "s", "y", "c");
	ship_log_events_add(&ev, 11.5, "s", "z", "d");
	ship_log_events_add(&ev, 12.0, "s", "w", "e");
	assert_int_equal(ship_logs_follow_take(&f, &ev), 2);
	assert_string_equal(ev.v[0].message, "z");
	assert_string_equal(ev.v[1].message, "w");
	assert_true(f.since == 12.0);
	assert_int_equal(f.nids, 1);
	ship_log_events_release(&ev);
	/* poll 3: nothing new */
	ship_log_events_add(&ev, 12.0, "s", "w", "e");
	assert_int_equal(ship_logs_follow_take(&f, &ev), 0);
	ship_log_events_release(&ev);
}

static void events_survive_failed_allocations(void **state)
{
	(void)state;
	for (long n = 1; n < 40; n++) {
		struct ship_log_events ev = {0};
		tu_alloc_fail_at(n);
		for (int i = 0; i < 5; i++)
			ship_log_events_add(&ev, i, "stream", "message", i % 2 ? NULL : "id");
		tu_alloc_fail_at(0);
		assert_true(ev.n <= 5);
		for (size_t i = 0; i < ev.n; i++)
			assert_non_null(ev.v[i].message);
		ship_log_events_release(&ev);
	}
}

static void task_parse_and_sort(void **state)
{
	(void)state;
	json_t *a = td("{\"taskArn\":\"arn:aws:ecs:r:1:task/c/"
		       "aaa\",\"taskDefinitionArn\":\"arn:aws:ecs:r:1:task-definition/web:7\","
		       "\"lastStatus\":\"STOPPED\",\"desiredStatus\":\"STOPPED\",\"stopCode\":"
		       "\"TaskFailedToStart\","
		       "\"stoppedReason\":\"CannotPullContainerError: "
		       "x\",\"createdAt\":100,\"stoppedAt\":130.5,"
		       "\"attachments\":[{\"details\":[{\"name\":\"subnetId\",\"value\":\"s\"},{"
		       "\"name\":\"privateIPv4Address\",\"value\":\"10.0.1.5\"}]}],"
		       "\"containers\":[{\"name\":\"side\",\"exitCode\":0},{\"name\":\"web\","
		       "\"reason\":\"CannotPullContainerError: x\"}]}");
	json_t *b = td("{\"taskArn\":\"arn:aws:ecs:r:1:task/c/"
		       "bbb\",\"taskDefinitionArn\":\"arn:aws:ecs:r:1:task-definition/web:8\","
		       "\"lastStatus\":\"RUNNING\",\"createdAt\":120,\"startedAt\":125,"
		       "\"containers\":[{\"name\":\"web\",\"exitCode\":3}]}");
	struct ship_task_list l = {0};
	l.v = ship_calloc(2, sizeof(*l.v));
	assert_non_null(l.v);
	l.n = 2;
	assert_int_equal(ship_task_parse(a, &l.v[0]), 0);
	assert_int_equal(ship_task_parse(b, &l.v[1]), 0);
	assert_int_equal(ship_task_parse(json_null(), &l.v[1]), -1);
	assert_int_equal(ship_task_parse(b, &l.v[1]), 0);
	assert_string_equal(l.v[0].id, "aaa");
	assert_int_equal(l.v[0].revision, 7);
	assert_string_equal(l.v[0].private_ip, "10.0.1.5");
	assert_int_equal(l.v[0].nc, 2);
	assert_true(l.v[0].c[0].has_exit && l.v[0].c[0].exit_code == 0);
	assert_false(l.v[0].c[1].has_exit);
	assert_string_equal(ship_task_failed_container(&l.v[0])->name, "web"); /* the reason */
	assert_string_equal(ship_task_failed_container(&l.v[1])->name, "web"); /* exit 3 */
	ship_task_list_sort(&l);
	assert_string_equal(l.v[0].id, "aaa"); /* stopped at 130.5 is newer than started at 125 */
	json_t *j = ship_task_info_json(&l.v[1]);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(json_object_get(j, "containers"), 0), "exit_code")),
			 3);
	assert_true(json_is_null(json_object_get(j, "stop_code")));
	json_decref(j);
	assert_string_equal(ship_arn_tail("a/b/c"), "c");
	assert_string_equal(ship_arn_tail("plain"), "plain");
	assert_string_equal(ship_arn_tail(NULL), "");
	ship_task_list_release(&l);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(awslogs_of_table),
	    TU_TEST(stream_names),
	    TU_TEST(events_sort_stably_and_trim_newlines),
	    TU_TEST(follow_shows_each_event_once),
	    TU_TEST(events_survive_failed_allocations),
	    TU_TEST(task_parse_and_sort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
