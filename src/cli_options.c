/*
 * cli_options.c: parses argv against option tables and generates --help, the usage lines and
 * the man page from the same tables, so usage is never written twice. Long options only
 * ("--name VALUE" or "--name=VALUE"); "--" ends the options. Depends on cli.h and lib/util.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const struct cli_option cli_global_options[] = {
    CLI_STRING("config", "FILE", NULL, "configuration file (default ./ecship.yml)"),
    CLI_STRING("env", "NAME", NULL, "sets ${ENVIRONMENT} (default $ENVIRONMENT, else \"staging\")"),
    CLI_STRING("region", "REGION", NULL, "AWS region (default AWS_REGION, AWS_DEFAULT_REGION, ecship.yml, profile)"),
    CLI_STRING("profile", "NAME", NULL, "profile of the shared AWS config files (default AWS_PROFILE)"),
    CLI_STRING("endpoint-url", "URL", NULL, "send every AWS call to URL (a local emulator, a VPC endpoint)"),
    CLI_CHOICE("output", "text,json", NULL, "results as text (default) or json on stdout"),
    CLI_FLAG("no-color", NULL, "no colors (also when NO_COLOR is set or stderr is not a terminal)"),
    CLI_FLAG("quiet", NULL, "no progress, only results and errors"),
    CLI_FLAG("verbose", NULL, "more detail in progress"),
    CLI_FLAG("debug", NULL, "log every AWS request and answer to stderr, credentials redacted"),
    CLI_FLAG("help", NULL, "show help and exit"),
    CLI_FLAG("version", NULL, "show the version and exit"),
    CLI_OPTIONS_END,
};

/* The destination of a global option inside ctx->g (the table above has no dest pointers). */
static void *global_dest(struct cli_ctx *ctx, const char *name)
{
	struct cli_globals *g = &ctx->g;
	static const struct {
		const char *name;
		size_t off;
	} map[] = {
	    {"config", offsetof(struct cli_globals, config)},
	    {"env", offsetof(struct cli_globals, env)},
	    {"region", offsetof(struct cli_globals, region)},
	    {"profile", offsetof(struct cli_globals, profile)},
	    {"endpoint-url", offsetof(struct cli_globals, endpoint_url)},
	    {"output", offsetof(struct cli_globals, output)},
	    {"no-color", offsetof(struct cli_globals, no_color)},
	    {"quiet", offsetof(struct cli_globals, quiet)},
	    {"verbose", offsetof(struct cli_globals, verbose)},
	    {"debug", offsetof(struct cli_globals, debug)},
	    {"help", offsetof(struct cli_globals, help)},
	    {"version", offsetof(struct cli_globals, version)},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].name, name))
			return (char *)g + map[i].off;
	return NULL;
}

static const struct cli_option *find_opt(const struct cli_option *opts, const char *name,
					 size_t len)
{
	for (; opts && opts->type != CLI_OPT_END; opts++)
		if (strlen(opts->name) == len && !strncmp(opts->name, name, len))
			return opts;
	return NULL;
}

static int choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, v, n))
			return 1;
		p += len + (e ? 1 : 0);
	}
	return 0;
}

static int set_value(const struct cli_option *o, void *dest, const char *value, const char *cmd)
{
	switch (o->type) {
	case CLI_OPT_FLAG:
		*(int *)dest = 1;
		return 0;
	case CLI_OPT_STRING:
		*(const char **)dest = value;
		return 0;
	case CLI_OPT_LIST: {
		struct cli_list *l = dest;
		if (l->n >= CLI_LIST_MAX) {
			cli_error(_("--%s is given more than %d times"), o->name, CLI_LIST_MAX);
			cli_hint(
			    _("name several in one value, separated by commas, or use a glob such "
			      "as 'web-*'"));
			return -1;
		}
		l->v[l->n++] = value;
		return 0;
	}
	case CLI_OPT_CHOICE:
		if (!choice_ok(o->choices, value)) {
			cli_error(_("invalid value '%s' for --%s: choose one of %s"), value,
				  o->name, o->choices);
			return -1;
		}
		*(const char **)dest = value;
		return 0;
	case CLI_OPT_DURATION:
		if (ship_parse_duration(value, (double *)dest)) {
			cli_error(_("invalid duration '%s' for --%s: use e.g. 90s, 10m or 1h30m"),
				  value, o->name);
			return -1;
		}
		return 0;
	case CLI_OPT_INT:
		if (ship_parse_long(value, o->min, o->max, (long *)dest)) {
			cli_error(_("invalid value '%s' for --%s: expected a whole number from %ld "
				    "to %ld"),
				  value, o->name, o->min, o->max);
			return -1;
		}
		return 0;
	case CLI_OPT_END:
		break;
	}
	(void)cmd;
	return -1;
}

int cli_parse(struct cli_ctx *ctx, const struct cli_option *opts, int *argc, char **argv,
	      int stop_at_positional)
{
	int in = 0, out = 0, n = *argc;
	const char *cmd = ctx->cmd ? ctx->cmd->name : NULL;
	while (in < n) {
		char *a = argv[in];
		if (!strcmp(a, "--")) {
			in++;
			while (in < n)
				argv[out++] = argv[in++];
			break;
		}
		if (!strcmp(a, "-h")) {
			ctx->g.help = 1;
			in++;
			continue;
		}
		if (strncmp(a, "--", 2) || !a[2]) {
			if (a[0] == '-' && a[1] && a[1] != '-') {
				cli_error(_("unknown option '%s': ecship uses long options only, "
					    "e.g. --help"),
					  a);
				return CLI_EXIT_USAGE;
			}
			if (stop_at_positional) {
				while (in < n)
					argv[out++] = argv[in++];
				break;
			}
			argv[out++] = argv[in++];
			continue;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct cli_option *o = find_opt(opts, name, len);
		void *dest = o ? o->dest : NULL;
		if (!o) {
			o = find_opt(cli_global_options, name, len);
			dest = o ? global_dest(ctx, o->name) : NULL;
		}
		if (!o) {
			if (cmd)
				cli_error(
				    _("unknown option '--%.*s' for '%s': see 'ecship %s --help'"),
				    (int)len, name, cmd, cmd);
			else
				cli_error(_("unknown option '--%.*s': see 'ecship --help'"),
					  (int)len, name);
			return CLI_EXIT_USAGE;
		}
		const char *value = NULL;
		if (o->type == CLI_OPT_FLAG) {
			if (eq) {
				cli_error(_("option '--%s' takes no value"), o->name);
				return CLI_EXIT_USAGE;
			}
		} else if (eq) {
			value = eq + 1;
		} else if (in + 1 < n) {
			value = argv[++in];
		} else {
			cli_error(_("option '--%s' needs a value (%s)"), o->name,
				  o->argname ? o->argname : o->choices);
			return CLI_EXIT_USAGE;
		}
		if (set_value(o, dest, value, cmd))
			return CLI_EXIT_USAGE;
		in++;
	}
	*argc = out;
	return 0;
}

/* ---- help ------------------------------------------------------------------------------------ */

static void opt_left(const struct cli_option *o, char *out, size_t n)
{
	if (o->type == CLI_OPT_FLAG)
		snprintf(out, n, "--%s", o->name);
	else if (o->type == CLI_OPT_CHOICE)
		snprintf(out, n, "--%s {%s}", o->name, o->choices);
	else
		snprintf(out, n, "--%s %s", o->name, o->argname ? o->argname : "VALUE");
}

static void print_options(FILE *f, const struct cli_option *o)
{
	char left[96];
	for (; o && o->type != CLI_OPT_END; o++) {
		opt_left(o, left, sizeof(left));
		if (strlen(left) > 24)
			fprintf(f, "  %s\n  %-24s  %s\n", left, "", o->help);
		else
			fprintf(f, "  %-24s  %s\n", left, o->help);
	}
}

static const char s_exit_codes[] =
    "  0    success\n"
    "  1    the operation ran and failed: deployment failed (and was rolled back), task\n"
    "       exited non-zero, doctor found problems\n"
    "  2    usage or input error: bad flag, bad config, unresolved variable, invalid\n"
    "       definition; nothing was changed in AWS\n"
    "  3    AWS error: authentication, authorization, API error, network, after retries\n"
    "  4    timed out waiting; the state at that moment is printed\n"
    "  5    the deployment is paused at a PAUSE lifecycle hook: 'ecship approve'\n"
    "       continues it, 'ecship abort' rolls it back\n"
    "  130  interrupted; what was and was not done is printed\n";

void cli_usage_tool(FILE *f, const struct cli_command *const *cmds, size_t n)
{
	fprintf(f, "usage: ecship [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		   "Deploys container services to Amazon ECS: base infrastructure once, then fast,\n"
		   "safe application deploys that roll back on failure and say why.\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-12s  %s\n", cmds[i]->name, cmds[i]->summary);
	fprintf(f, "\nglobal options (before or after the command):\n");
	print_options(f, cli_global_options);
	fprintf(f, "\nexit codes:\n%s", s_exit_codes);
	fprintf(f, "\n'ecship COMMAND --help' shows a command's options; 'man ecship' has more.\n");
}

/* Appends one word of the usage line, first wrapping when it would pass width. */
static void usage_word(struct ship_buf *b, size_t *col, const char *w, size_t width, size_t indent)
{
	size_t n = strlen(w);
	if (width && *col > indent && *col + 1 + n > width) {
		ship_buf_addf(b, "\n%*s", (int)indent, "");
		*col = indent;
	} else {
		ship_buf_addch(b, ' ');
		(*col)++;
	}
	ship_buf_adds(b, w);
	*col += n;
}

int cli_usage_synopsis(struct ship_buf *b, const struct cli_command *cmd, size_t col, size_t width)
{
	char left[96];
	struct ship_buf w = SHIP_BUF_INIT(1024);
	ship_buf_adds(b, cmd->name);
	col += strlen(cmd->name);
	size_t indent = col + 1; /* continuation lines start under the first option */
	for (const struct cli_option *o = cmd->options; o && o->type != CLI_OPT_END; o++) {
		ship_buf_reset(&w);
		ship_buf_addch(&w, '[');
		for (;;) {
			opt_left(o, left, sizeof(left));
			ship_buf_adds(&w, left);
			if (o[1].type == CLI_OPT_END || !o[1].alt)
				break;
			ship_buf_adds(&w, " | ");
			o++;
		}
		ship_buf_addch(&w, ']');
		usage_word(b, &col, w.data, width, indent);
	}
	if (cmd->args)
		usage_word(b, &col, cmd->args, width, indent);
	ship_buf_release(&w);
	return b->failed ? -1 : 0;
}

void cli_usage_command(FILE *f, const struct cli_command *cmd)
{
	static const char lead[] = "usage: ecship ";
	struct ship_buf u = SHIP_BUF_INIT(8192);
	cli_usage_synopsis(&u, cmd, sizeof(lead) - 1, 100);
	fprintf(f, "%s%s\n\n%s\n", lead, u.data, cmd->summary);
	ship_buf_release(&u);
	if (cmd->description)
		fprintf(f, "\n%s\n", cmd->description);
	if (cmd->options && cmd->options->type != CLI_OPT_END) {
		fprintf(f, "\noptions:\n");
		print_options(f, cmd->options);
	}
	fprintf(f, "\nglobal options: see 'ecship --help'\n\nexit codes:\n%s", s_exit_codes);
}

/* roff needs backslashes doubled and leading dots/quotes escaped. */
static void roff(FILE *f, const char *s)
{
	int bol = 1;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		bol = *s == '\n';
	}
}

static void man_options(FILE *f, const struct cli_option *o)
{
	char left[96];
	for (; o && o->type != CLI_OPT_END; o++) {
		opt_left(o, left, sizeof(left));
		fputs(".TP\n.B ", f);
		roff(f, left);
		fputc('\n', f);
		roff(f, o->help);
		fputc('\n', f);
	}
}

void cli_man_page(FILE *f, const struct cli_command *const *cmds, size_t n)
{
	fprintf(f, ".TH ECSHIP 1 \"\" \"ecship %s\" \"User Commands\"\n", ECSHIP_VERSION);
	fputs(".SH NAME\necship \\- deploy container services to Amazon ECS safely\n"
	      ".SH SYNOPSIS\n.B ecship\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n"
	      ".SH DESCRIPTION\n",
	      f);
	roff(f, "ecship renders a task definition, registers it, updates a fixed-name ECS service, "
		"waits until the new deployment has completed and rolls back to the recorded "
		"previous revision when it does not, explaining why.\n");
	fputs(".SH GLOBAL OPTIONS\n", f);
	man_options(f, cli_global_options);
	fputs(".SH COMMANDS\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct cli_command *c = cmds[i];
		struct ship_buf u = SHIP_BUF_INIT(8192);
		cli_usage_synopsis(&u, c, 0, 0);
		fputs(".SS ", f);
		roff(f, u.data);
		fputc('\n', f);
		ship_buf_release(&u);
		roff(f, c->summary);
		fputc('\n', f);
		if (c->description) {
			fputs(".PP\n", f);
			roff(f, c->description);
			fputc('\n', f);
		}
		man_options(f, c->options);
	}
	fputs(".SH EXIT STATUS\n.nf\n", f);
	roff(f, s_exit_codes);
	fputs(".fi\n.SH ENVIRONMENT\n", f);
	roff(f, "AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE, AWS_CONFIG_FILE, "
		"AWS_SHARED_CREDENTIALS_FILE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
		"AWS_SESSION_TOKEN, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ENDPOINT_URL, "
		"AWS_ENDPOINT_URL_<SERVICE>, AWS_MAX_ATTEMPTS, AWS_CA_BUNDLE, "
		"ECSHIP_HTTP_TIMEOUT, ECSHIP_HTTP_MIN_SPEED (docs/retries.md), "
		"ECSHIP_DEPLOY_PARALLEL (services started at once, default 8; docs/waiting.md), "
		"AWS_EC2_METADATA_DISABLED, HTTPS_PROXY, NO_PROXY, NO_COLOR, ENVIRONMENT, "
		"GITHUB_ACTIONS: as the AWS CLI describes them; README.md in the source tree for "
		"GITHUB_ACTIONS.\n");
	fputs(".SH SEE ALSO\n", f);
	roff(f, "aws(1); docs/ in the source tree: credentials.md, retries.md, endpoints.md.\n");
}
