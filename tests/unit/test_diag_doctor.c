/*
 * test_diag_doctor.c: the pure parts of the doctor and the failure diagnosis: IAM trust
 * policies, URL decoding, DEBUG values, development environments, CIDR containment, which
 * stopped tasks count as failed, and the cause (with its fix) decided from what was gathered.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/diagnose.h"
#include "ecship/doctor.h"
#include "testutil.h"

static void trust_table(void **state)
{
	(void)state;
	static const struct {
		const char *policy;
		int want;
	} t[] = {
	    {"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{"
	     "\"Service\":\"ecs-tasks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
	     1},
	    {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"ec2.amazonaws."
	     "com\",\"ecs-tasks.amazonaws.com\"]},\"Action\":[\"sts:AssumeRole\",\"sts:"
	     "TagSession\"]}}",
	     1},
	    {"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws."
	     "com\"},\"Action\":\"sts:AssumeRole\"}]}",
	     0},
	    {"{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":{\"Service\":\"ecs-tasks."
	     "amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
	     0},
	    {"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ecs-tasks."
	     "amazonaws.com\"},\"Action\":\"s3:GetObject\"}]}",
	     0},
	    {"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sts:*\"}]}",
	     1},
	    {"not json", 0},
	    {"", 0},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(ship_trust_allows_ecs_tasks(t[i].policy), t[i].want);
	assert_int_equal(ship_trust_allows_ecs_tasks(NULL), 0);
}

static void small_predicates(void **state)
{
	(void)state;
	assert_true(ship_django_debug_on("1"));
	assert_true(ship_django_debug_on("True"));
	assert_true(ship_django_debug_on("yes"));
	assert_false(ship_django_debug_on("0"));
	assert_false(ship_django_debug_on("False"));
	assert_false(ship_django_debug_on(""));
	assert_false(ship_django_debug_on(NULL));
	assert_true(ship_env_is_development("dev"));
	assert_true(ship_env_is_development("Development"));
	assert_false(ship_env_is_development("staging"));
	assert_false(ship_env_is_development("production"));
	assert_false(ship_env_is_development(NULL));
	static const struct {
		const char *cidr, *ip;
		int want;
	} c[] = {
	    {"10.0.0.0/16", "10.0.1.23", 1}, {"10.0.0.0/16", "10.1.0.1", 0},
	    {"0.0.0.0/0", "192.168.1.1", 1}, {"10.0.1.23/32", "10.0.1.23:8000", 1},
	    {"10.0.1.0/24", "10.0.2.1", 0},  {"10.0.0.0/33", "10.0.0.1", -1},
	    {"10.0.0/16", "10.0.0.1", -1},   {"10.0.0.0/16", "300.0.0.1", -1},
	    {"10.0.0.0", "10.0.0.0", 1},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		assert_int_equal(ship_cidr_contains(c[i].cidr, c[i].ip), c[i].want);
	assert_string_equal(ship_verdict_name(SHIP_VERDICT_FAIL), "fail");
	assert_string_equal(ship_verdict_name(SHIP_VERDICT_SKIP), "skip");
}

/* A diagnosis with one stopped task and optional events and log lines. */
static void one_task(struct ship_diagnosis *d, const char *code, const char *reason, int has_exit,
		     int exit_code, const char *creason)
{
	memset(d, 0, sizeof(*d));
	d->stopped.v = ship_calloc(1, sizeof(*d->stopped.v));
	assert_non_null(d->stopped.v);
	d->stopped.n = 1;
	struct ship_task_info *t = &d->stopped.v[0];
	snprintf(t->id, sizeof(t->id), "abc123");
	snprintf(t->stop_code, sizeof(t->stop_code), "%s", code);
	snprintf(t->stopped_reason, sizeof(t->stopped_reason), "%s", reason);
	t->nc = 1;
	snprintf(t->c[0].name, sizeof(t->c[0].name), "web");
	t->c[0].has_exit = has_exit;
	t->c[0].exit_code = exit_code;
	snprintf(t->c[0].reason, sizeof(t->c[0].reason), "%s", creason);
}

static void cause_table(void **state)
{
	(void)state;
	static const struct {
		const char *code, *reason;
		int has_exit, exit_code;
		const char *creason, *event, *log1, *log2, *hosts;
		const char *cause, *fix; /* substrings */
	} t[] = {
	    {"TaskFailedToStart", "CannotPullContainerError: not found", 0, 0,
	     "CannotPullContainerError: not found", NULL, NULL, NULL, NULL,
	     "the image could not be pulled: CannotPullContainerError",
	     "NAT gateway or VPC endpoints"},
	    {"EssentialContainerExited", "Essential container in task exited", 1, 3, "", NULL,
	     "KeyError: 'DATABASE_URL'", "exiting with status 3", NULL,
	     "container 'web' exited with code 3 after writing 'KeyError: 'DATABASE_URL''",
	     "ecship logs --task abc123"},
	    {"EssentialContainerExited", "Essential container in task exited", 1, 1, "", NULL, NULL,
	     NULL, NULL, "container 'web' exited with code 1", "ecship run"},
	    {"ServiceSchedulerInitiated", "Task failed ELB health checks in (target-group x)", 1, 0,
	     "",
	     "(service s) (task abc123) (port 8000) is unhealthy in (target-group x) due to "
	     "(reason Health checks failed with these codes: [503]).",
	     "GET / 503", NULL, NULL, "health checks got HTTP 503", "200-399"},
	    {"ServiceSchedulerInitiated", "Task failed ELB health checks in (target-group x)", 1, 0,
	     "",
	     "(service s) (task abc123) (port 8000) is unhealthy in (target-group x) due to "
	     "(reason Health checks failed with these codes: [400]).",
	     "Invalid HTTP_HOST header: '10.0.1.9:8000'. You may need to add '10.0.1.9' to "
	     "ALLOWED_HOSTS.",
	     "Bad Request: /", "*.elb.amazonaws.com,staging.example.jp",
	     "Django rejected the health check's Host '10.0.1.9:8000' (400 Bad Request): "
	     "ALLOWED_HOSTS=*.elb.amazonaws.com,staging.example.jp does not admit it",
	     "Django wants '.elb.amazonaws.com' (not '*.elb.amazonaws.com')"},
	    {"ServiceSchedulerInitiated", "Task failed ELB health checks in (target-group x)", 1, 0,
	     "", NULL, NULL, NULL, NULL, "failed the load balancer's health checks (no answer)",
	     "security group"},
	    {"TaskFailedToStart", "ResourceInitializationError: failed to validate logger args", 0,
	     0, "", NULL, NULL, NULL, NULL,
	     "the task could not be set up: ResourceInitializationError", "log group"},
	    {"ServiceSchedulerInitiated", "Task failed container health checks", 1, 0, "", NULL,
	     NULL, NULL, NULL, "failed their container health check", "healthCheck"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ship_diagnosis d;
		one_task(&d, t[i].code, t[i].reason, t[i].has_exit, t[i].exit_code, t[i].creason);
		if (t[i].event)
			snprintf(d.events[d.nevents++], sizeof(d.events[0]), "%s", t[i].event);
		if (t[i].log1)
			assert_int_equal(ship_log_events_add(&d.lines, 1, "s", t[i].log1, NULL), 0);
		if (t[i].log2)
			assert_int_equal(ship_log_events_add(&d.lines, 2, "s", t[i].log2, NULL), 0);
		if (t[i].hosts) {
			d.have_allowed_hosts = 1;
			snprintf(d.allowed_hosts, sizeof(d.allowed_hosts), "%s", t[i].hosts);
		}
		ship_diagnose_cause(&d);
		if (!strstr(d.cause, t[i].cause) || !strstr(d.fix, t[i].fix))
			fail_msg("case %zu: cause '%s', fix '%s'", i, d.cause, d.fix);
		ship_diagnosis_release(&d);
	}
	struct ship_diagnosis empty;
	memset(&empty, 0, sizeof(empty));
	ship_diagnose_cause(&empty);
	assert_string_equal(empty.cause, "");
	ship_diagnosis_release(&empty);
	ship_diagnosis_release(NULL);
}

static void failed_tasks(void **state)
{
	(void)state;
	struct ship_diagnosis d;
	one_task(&d, "ServiceSchedulerInitiated", "Scaling activity initiated by (deployment x)", 1,
		 0, "");
	assert_false(ship_task_failed(&d.stopped.v[0]));
	ship_diagnosis_release(&d);
	one_task(&d, "UserInitiated", "Task stopped by user", 1, 0, "");
	assert_false(ship_task_failed(&d.stopped.v[0]));
	ship_diagnosis_release(&d);
	one_task(&d, "EssentialContainerExited", "Essential container in task exited", 1, 2, "");
	assert_true(ship_task_failed(&d.stopped.v[0]));
	ship_diagnosis_release(&d);
	one_task(&d, "ServiceSchedulerInitiated",
		 "Task failed ELB health checks in (target-group x)", 1, 0, "");
	assert_true(ship_task_failed(&d.stopped.v[0]));
	ship_diagnosis_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(trust_table),
	    TU_TEST(small_predicates),
	    TU_TEST(cause_table),
	    TU_TEST(failed_tasks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
