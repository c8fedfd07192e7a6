#!/usr/bin/env bash
# i18n.sh: every message the tool prints for people goes through _() (scripts/check-i18n): no
# cli_error/cli_error_local/cli_warn/cli_hint/cli_note call and no cli_report `what` in src/ has a
# bare string literal as its message, which would stay English under LANG=ja_JP.UTF-8. And the
# check can fail: over a tree with one bare literal it names that file and line, while a
# literal with nothing to translate ("%s: %s"), a line marked `i18n: not translated (REASON)`,
# and the same words in a comment are not violations. In src/cmd_status.c, whose standard
# output is text for people, printf/fprintf/snprintf formats are messages too.
# san: skip (reads the source only)
. "$(dirname "$0")/../lib/common.sh"

CHECK=scripts/check-i18n

expect_exit "every message in src/ is in _()" 0 "$CHECK" .

tree() { # an empty tree $T_TMP/$1 with a src/ folder, for one file
	rm -rf "$T_TMP/$1"
	mkdir -p "$T_TMP/$1/src"
}

# the kind of line R7 found 160 of (e.g. cmd_status.c before the fix)
for call in "cli_error(\"'status' takes no arguments, got '%s'\", argv[0]);" \
	'cli_warn("cannot read the recorded previous revision: %s", err.message);' \
	'cli_hint("name it with --container");' \
	'cli_note("task %s exited with code 0", arn);' \
	'cli_error_local("out of memory");' \
	'return cli_report("cannot list the tasks", &err);'; do
	tree bad
	printf 'static int f(void)\n{\n\t%s\n}\n' "$call" >"$T_TMP/bad/src/cmd_bad.c"
	expect_exit "a bare literal in ${call%%(*} fails the check" 1 "$CHECK" "$T_TMP/bad"
	contains "${call%%(*}: the violation is named by file and line" "$OUT" '^src/cmd_bad\.c:3: .*message not in _\(\)'
done
tree split
printf 'static void f(void)\n{\n\tcli_error(\n\t\t"a message split "\n\t\t"over lines %%s", x);\n}\n' >"$T_TMP/split/src/cmd_bad.c"
expect_exit "a literal on the next line, split in parts, fails the check" 1 "$CHECK" "$T_TMP/split"
contains "the split literal is named at its first line" "$OUT" '^src/cmd_bad\.c:4: cli_error\("a message split over lines %s"\)'
contains "the check says what to do" "$OUT" 'wrap each in _\(\) and translate it in po/ja.po'

tree fine
cat >"$T_TMP/fine/src/cmd_ok.c" <<'C'
/* cli_error("words in a comment") is not a call */
// cli_hint("nor this")
static const char *s_doc = "cli_warn(\"a string literal\")";
static void f(const char *a, const char *b)
{
	cli_error("%s: %s", a, b);
	cli_note("%s (%zu)", a, (size_t)1);
	cli_error(_("translated '%s'"), a);
	cli_note("KEY=%s", a); /* i18n: not translated (a KEY=VALUE line scripts read) */
}
C
expect_exit "comments, strings, bare conversions, _() and a marked line pass" 0 "$CHECK" "$T_TMP/fine"

# status's standard output is text for people: its printf/fprintf/snprintf formats too
tree status
cat >"$T_TMP/status/src/cmd_status.c" <<'C'
static void f(const char *a, char *line, long n)
{
	printf("%s\n", a);
	printf(_("revision     %s\n"), a);
	snprintf(line, 64, "tasks        desired %ld\n", n);
}
C
expect_exit "an English printf format in status fails the check" 1 "$CHECK" "$T_TMP/status"
contains "the snprintf format is named" "$OUT" '^src/cmd_status\.c:5: snprintf\("tasks        desired'
lacks "\\n and bare conversions are not words" "$OUT" 'cmd_status\.c:3:'
cp "$T_TMP/status/src/cmd_status.c" "$T_TMP/status/src/cmd_render.c"
rm "$T_TMP/status/src/cmd_status.c"
expect_exit "printf in a command whose output programs read is not checked" 0 "$CHECK" "$T_TMP/status"

done_testing
