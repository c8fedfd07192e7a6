/*
 * rules_table.h: reads tests/data/ecs-rules.tsv, the one table of documented ECS (and Django)
 * rules that both the library's tests (test_ecs_rules.c) and the simulator's (test_sim_pure.c)
 * run, so each implementation is held to the documentation rather than to the other.
 */
#ifndef ECSHIP_RULES_TABLE_H
#define ECSHIP_RULES_TABLE_H

struct rules_row {
	int line;
	const char *kind, *a, *b, *c, *source;
	long want;
};

/* Called for each row of `kind`; returns 0 when the implementation agrees, else nonzero. */
typedef int (*rules_row_fn)(void *ctx, const struct rules_row *row);

/*
 * Runs fn over every row of `kind` and fails the cmocka test (naming each disagreeing line and
 * its source) when a row disagrees, the file is missing, or it has no such row. Returns the
 * number of rows run.
 */
int rules_table_run(const char *kind, rules_row_fn fn, void *ctx);

#endif
