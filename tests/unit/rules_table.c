/*
 * rules_table.c: the reader of tests/data/ecs-rules.tsv (see rules_table.h). Tab-separated, '#'
 * comments, empty fields allowed; the path is relative to the repository root, where tests/run
 * starts every test ($ECSHIP_RULES overrides it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_table.h"
#include "testutil.h"

#define RULES_MAX_FIELDS 6

int rules_table_run(const char *kind, rules_row_fn fn, void *ctx)
{
	const char *path =
	    getenv("ECSHIP_RULES") ? getenv("ECSHIP_RULES") : "tests/data/ecs-rules.tsv";
	FILE *f = fopen(path, "r");
	char line[2048];
	int n = 0, bad = 0, lineno = 0;
	if (!f)
		fail_msg("cannot open '%s' (run from the repository root)", path);
	while (fgets(line, sizeof(line), f)) {
		char *field[RULES_MAX_FIELDS] = {0};
		int nf = 0;
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		for (char *p = line; nf < RULES_MAX_FIELDS;) {
			field[nf++] = p;
			char *tab = strchr(p, '\t');
			if (!tab)
				break;
			*tab = '\0';
			p = tab + 1;
		}
		if (nf != RULES_MAX_FIELDS) {
			fclose(f);
			fail_msg("%s:%d: %d fields, want %d", path, lineno, nf, RULES_MAX_FIELDS);
		}
		if (strcmp(field[0], kind) != 0)
			continue;
		char *end;
		struct rules_row r = {lineno, field[0], field[1], field[2], field[3], field[5], 0};
		r.want = strtol(field[4], &end, 10);
		if (!field[4][0] || *end) {
			fclose(f);
			fail_msg("%s:%d: want '%s' is not a number", path, lineno, field[4]);
		}
		n++;
		if (fn(ctx, &r) != 0) {
			bad++;
			print_error(
			    "%s:%d: %s '%s' '%s' '%s' disagrees with the documented %ld (%s)\n",
			    path, lineno, r.kind, r.a, r.b, r.c, r.want, r.source);
		}
	}
	fclose(f);
	if (bad)
		fail_msg("%d of %d '%s' rows disagree with the documented rule", bad, n, kind);
	if (!n)
		fail_msg("no '%s' rows in %s", kind, path);
	return n;
}
