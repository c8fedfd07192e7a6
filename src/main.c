/*
 * main.c: ecship's entry point. Parses the global options, finds the command in the one
 * commands[] table, sets up what its flags say it needs (cli_setup.c), runs it, and makes sure
 * the results reached stdout.
 * Commands live in cmd_<name>.c; parsing and help in cli_options.c; output in cli_output.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ecship/text.h"

static const struct cli_command *const s_commands[] = {
    &cmd_deploy_def,
    &cmd_rollback_def,
    &cmd_wait_def,
    &cmd_approve_def,
    &cmd_abort_def,
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
    &cmd_init_def,
    &cmd_version_def,
};
#define NCOMMANDS (sizeof(s_commands) / sizeof(s_commands[0]))

const struct cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(s_commands[i]->name, name))
			return s_commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	const char *names[NCOMMANDS + 1];
	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = s_commands[i]->name;
	names[NCOMMANDS] = NULL;
	const char *best = ship_suggest(name, names);
	cli_error(_("unknown command '%s'"), name);
	if (best)
		cli_hint(_("did you mean 'ecship %s'?"), best);
	else
		cli_hint(_("'ecship --help' lists the commands"));
	return CLI_EXIT_USAGE;
}

/* `ecship help [COMMAND]`, `ecship help --needs` (the commands' preconditions), and the hidden
 * `ecship help --man` and `ecship help --completion bash|zsh` that generate the man page and the
 * completion scripts. */
static int run_help(int argc, char **argv)
{
	if (argc > 0 && !strcmp(argv[0], "--man")) {
		cli_man_page(stdout, s_commands, NCOMMANDS);
		return CLI_EXIT_OK;
	}
	if (argc > 0 && !strcmp(argv[0], "--needs")) {
		cli_print_needs(stdout, s_commands, NCOMMANDS);
		return CLI_EXIT_OK;
	}
	if (argc > 0 && !strcmp(argv[0], "--completion")) {
		if (argc < 2 || cli_completion(stdout, argv[1], s_commands, NCOMMANDS)) {
			cli_error(_("'help --completion' takes the shell: bash or zsh"));
			return CLI_EXIT_USAGE;
		}
		return CLI_EXIT_OK;
	}
	if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		fputs(_("usage: ecship help [COMMAND]\n\nLists the commands, or shows COMMAND's "
			"options (the same as 'ecship COMMAND --help').\n"),
		      stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 0 && argv[0][0] == '-') {
		cli_error(_("unknown option '%s' for 'help': see 'ecship help --help'"), argv[0]);
		return CLI_EXIT_USAGE;
	}
	if (argc > 0) {
		const struct cli_command *c = cli_find_command(argv[0]);
		if (!c)
			return unknown_command(argv[0]);
		cli_usage_command(stdout, c);
		return CLI_EXIT_OK;
	}
	cli_usage_tool(stdout, s_commands, NCOMMANDS);
	return CLI_EXIT_OK;
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
	ctx.cmd = cli_find_command(args[0]);
	if (!ctx.cmd)
		return unknown_command(args[0]);
	n--;
	args++;
	if ((rc = cli_parse(&ctx, ctx.cmd->options, &n, args, 0))) {
		cli_deploy_not_run(&ctx, rc); /* a deploy's step outputs say it did not run */
		return rc;
	}
	cli_output_setup(&ctx);
	if (ctx.g.help) {
		cli_usage_command(stdout, ctx.cmd);
		return CLI_EXIT_OK;
	}
	if (ctx.g.env)
		setenv("ENVIRONMENT", ctx.g.env, 1);
	cli_output_set_ctx(&ctx);
	rc = cli_setup(&ctx);
	if (!rc)
		rc = ctx.cmd->fn(&ctx, n, args);
	else
		cli_deploy_not_run(&ctx, rc);
	cli_teardown(&ctx);
	if (fflush(stdout) || ferror(stdout)) {
		cli_error(_("cannot write the results to stdout: %s"), strerror(errno));
		if (!rc)
			rc = CLI_EXIT_FAILED;
	}
	cli_output_release();
	return rc;
}
