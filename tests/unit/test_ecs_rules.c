/*
 * test_ecs_rules.c: the library's rules (Fargate sizes in taskdef.h, the circuit-breaker
 * threshold in rollout.h, Django's host matching in django.h) against the documented cases of
 * tests/data/ecs-rules.tsv. test_sim_pure.c runs the simulator's own rules over the same rows.
 */
#include <stdlib.h>

#include "ecship/django.h"
#include "ecship/rollout.h"
#include "ecship/taskdef.h"
#include "rules_table.h"
#include "testutil.h"

static int fargate_row(void *ctx, const struct rules_row *r)
{
	(void)ctx;
	long c, m;
	int got = ship_parse_cpu(r->a, &c) == 0 && ship_parse_memory(r->b, &m) == 0 &&
		  ship_fargate_size_ok(c, m);
	return got != r->want;
}

static int breaker_row(void *ctx, const struct rules_row *r)
{
	(void)ctx;
	return ship_breaker_threshold(strtol(r->a, NULL, 10), 3) != r->want;
}

static int django_row(void *ctx, const struct rules_row *r)
{
	(void)ctx;
	int got = ship_django_host_allowed(r->a, r->b, r->c[0] == '1', NULL, 0);
	return got != r->want;
}

static void fargate_sizes(void **state)
{
	(void)state;
	rules_table_run("fargate", fargate_row, NULL);
}

static void breaker_threshold(void **state)
{
	(void)state;
	rules_table_run("breaker", breaker_row, NULL);
}

static void django_hosts(void **state)
{
	(void)state;
	rules_table_run("django", django_row, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(fargate_sizes),
	    TU_TEST(breaker_threshold),
	    TU_TEST(django_hosts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
