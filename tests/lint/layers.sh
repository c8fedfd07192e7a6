#!/usr/bin/env bash
# layers.sh: STYLE.md's layering rules hold for the tree (scripts/check-layers): the tool (src/)
# never calls the AWS client itself, the library (lib/) never prints or exits. And the check
# can fail: over a copy of the tree with one violating line it names that file and line, while
# the same words in a comment or a string literal are not violations.
# san: skip (reads the source only)
. "$(dirname "$0")/../lib/common.sh"

CHECK=scripts/check-layers

expect_exit "the tree keeps the layering rules" 0 "$CHECK" .

copy() { # a copy of src/ and lib/ in $T_TMP/$1
	rm -rf "$T_TMP/$1"
	mkdir -p "$T_TMP/$1"
	cp -r src lib "$T_TMP/$1/"
}

# a command that calls the client directly, as cmd_diff.c and nine others did before issue 9
copy bad-src
cat >"$T_TMP/bad-src/src/cmd_bad.c" <<'C'
#include "cli.h"
static int describe(struct ship_aws *aws, json_t **resp, struct ship_err *err)
{
	json_t *req = json_pack("{s:s}", "taskDefinition", "web:1");
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "DescribeTaskDefinition", req, resp, NULL, err);
	json_decref(req);
	return r;
}
C
expect_exit "a raw ship_aws_json call in src/ fails the check" 1 "$CHECK" "$T_TMP/bad-src"
contains "the violation is named by file and line" "$OUT" '^src/cmd_bad\.c:5: .*ship_aws_json'
contains "the check says what to do" "$OUT" 'move the call into a library function'

for call in 'ship_aws_query(aws, SHIP_SVC_STS, "GetCallerIdentity", NULL, &doc, NULL, &err);' \
	'ship_aws_json_pages(aws, SHIP_SVC_ECS, "ListServices", req, NULL, fn, ctx, &err);' \
	'curl_easy_perform(h);'; do
	copy bad-call
	printf 'static void f(void)\n{\n\t%s\n}\n' "$call" >"$T_TMP/bad-call/src/cli_bad.c"
	expect_exit "src/ calling ${call%%(*} fails the check" 1 "$CHECK" "$T_TMP/bad-call"
done

# the same words where they are not calls
copy comments
cat >"$T_TMP/comments/src/cmd_ok.c" <<'C'
/* ship_aws_json(aws, ...) is the library's; the tool calls ship_ecs_describe_taskdef() */
// ship_aws_query(aws, SHIP_SVC_STS, ...)
static const char *s_doc = "ship_aws_json(aws, SHIP_SVC_ECS, ...)";
static int my_ship_aws_json(void) { return 0; }
C
expect_exit "mentions in comments and strings, and longer names, are not calls" 0 "$CHECK" "$T_TMP/comments"

# the library never prints and never exits
copy bad-lib
printf 'static void f(void)\n{\n\tfprintf(stderr, "warning");\n}\n' >"$T_TMP/bad-lib/lib/util/bad.c"
expect_exit "fprintf(stderr, ...) in lib/ fails the check" 1 "$CHECK" "$T_TMP/bad-lib"
contains "the printing line is named" "$OUT" '^lib/util/bad\.c:3: .*library prints or exits'
copy bad-exit
printf 'static void f(void)\n{\n\texit(2);\n}\n' >"$T_TMP/bad-exit/lib/aws/bad.c"
expect_exit "exit() in lib/ fails the check" 1 "$CHECK" "$T_TMP/bad-exit"

done_testing
