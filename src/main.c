/*
 * main.c: ecship's entry point. Parses the global options, finds the command in the one
 * commands[] table, checks its preconditions, runs it, and makes sure the results reached stdout.
 * Commands live in cmd_<name>.c; parsing and help in cli_options.c; output in cli_output.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cli_command *const s_commands[] = {
    &cmd_deploy_def,
    &cmd_rollback_def,
    &cmd_wait_def,
    &cmd_diff_def,
    &cmd_status_def,
    &cmd_whoami_def,
    &cmd_render_def,
    &cmd_infra_def,
    &cmd_rule_def,
    &cmd_tasks_def,
    &cmd_logs_def,
    &cmd_doctor_def,
    &cmd_run_def,
    &cmd_version_def,
};
#define NCOMMANDS (sizeof(s_commands) / sizeof(s_commands[0]))

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(s_commands[i]->name, name))
			return s_commands[i];
	return NULL;
}

/* Levenshtein distance, for "did you mean" (names are short). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];
	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (a[i - 1] != b[j - 1]);
			size_t best = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
			row[j] = sub < best ? sub : best;
			prev = cur;
		}
	}
	return row[lb];
}

static int unknown_command(const char *name)
{
	const char *best = NULL;
	size_t bestd = 3;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		size_t d = distance(name, s_commands[i]->name);
		if (d < bestd) {
			bestd = d;
			best = s_commands[i]->name;
		}
	}
	cli_error("unknown command '%s'", name);
	if (best)
		cli_hint("did you mean 'ecship %s'?", best);
	else
		cli_hint("'ecship --help' lists the commands");
	return CLI_EXIT_USAGE;
}

/* `ecship help [COMMAND]` and the hidden `ecship help --man` that generates the man page. */
static int run_help(int argc, char **argv)
{
	if (argc > 0 && !strcmp(argv[0], "--man")) {
		cli_man_page(stdout, s_commands, NCOMMANDS);
		return CLI_EXIT_OK;
	}
	if (argc > 0) {
		const struct cli_command *c = find_command(argv[0]);
		if (!c)
			return unknown_command(argv[0]);
		cli_usage_command(stdout, c);
		return CLI_EXIT_OK;
	}
	cli_usage_tool(stdout, s_commands, NCOMMANDS);
	return CLI_EXIT_OK;
}

static int check_preconditions(struct cli_ctx *ctx)
{
	struct ship_err err = SHIP_ERR_INIT;
	unsigned f = ctx->cmd->flags;
	if (f & (CLI_NEED_AWS | CLI_NEED_REGION)) {
		if (!cli_aws(ctx, &err))
			return cli_report("cannot set up the AWS client", &err);
	}
	if ((f & CLI_NEED_REGION) && !ship_aws_region(ctx->aws)) {
		cli_error("no AWS region is configured");
		cli_hint("use --region, set AWS_REGION, or add 'region' to the profile in "
			 "~/.aws/config");
		return CLI_EXIT_USAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx;
	int n = argc - 1, rc;
	char **args = argv + 1;

	memset(&ctx, 0, sizeof(ctx));
	cli_i18n_setup();
	cli_signals_setup();
	cli_output_setup(&ctx);
	if ((rc = cli_parse(&ctx, NULL, &n, args, 1)))
		return rc;
	cli_output_setup(&ctx);
	if (ctx.g.version)
		return cmd_version_def.fn(&ctx, 0, args);
	if (n == 0) {
		if (ctx.g.help)
			return run_help(0, args);
		cli_usage_tool(stderr, s_commands, NCOMMANDS);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(args[0], "help"))
		return run_help(n - 1, args + 1);
	ctx.cmd = find_command(args[0]);
	if (!ctx.cmd)
		return unknown_command(args[0]);
	n--;
	args++;
	if ((rc = cli_parse(&ctx, ctx.cmd->options, &n, args, 0)))
		return rc;
	cli_output_setup(&ctx);
	if (ctx.g.help) {
		cli_usage_command(stdout, ctx.cmd);
		return CLI_EXIT_OK;
	}
	if (ctx.g.env)
		setenv("ENVIRONMENT", ctx.g.env, 1);
	rc = check_preconditions(&ctx);
	if (!rc)
		rc = ctx.cmd->fn(&ctx, n, args);
	ship_aws_destroy(ctx.aws);
	if (fflush(stdout) || ferror(stdout)) {
		cli_error("cannot write the results to stdout: %s", strerror(errno));
		if (!rc)
			rc = CLI_EXIT_FAILED;
	}
	return rc;
}
