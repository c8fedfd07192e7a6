/*
 * cli_setup.c: what main does once before any command runs, driven by the flags of the
 * command's commands[] entry (CLI_NEED_* in cli.h), as git's run_builtin does: --image/--tag,
 * the project with only the config keys the command uses, its service and cluster, the AWS
 * client (ecship.yml's region ranked among the region sources), one region check with one hint.
 * Commands find the result in their context; `ecship help --needs` prints the same table.
 */
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The value of the command's string option --name (its dest), or NULL. */
static const char *option_value(const struct cli_command *c, const char *name)
{
	for (const struct cli_option *o = c->options; o && o->type != CLI_OPT_END; o++)
		if (o->type == CLI_OPT_STRING && !strcmp(o->name, name) && o->dest)
			return *(const char *const *)o->dest;
	return NULL;
}

/* Whether the command's option `name` takes one value (a string). */
static int option_is_string(const struct cli_command *c, const char *name)
{
	for (const struct cli_option *o = c->options; o && o->type != CLI_OPT_END; o++)
		if (!strcmp(o->name, name))
			return o->type == CLI_OPT_STRING;
	return 0;
}

/* The flags with what they imply. */
static unsigned needs(const struct cli_command *c)
{
	unsigned f = c->flags;
	if (f & CLI_NEED_TASKDEF)
		f |= CLI_NEED_SERVICE;
	if (f & (CLI_NEED_SERVICE | CLI_NEED_CLUSTER))
		f |= CLI_NEED_CONFIG;
	if (f & CLI_NEED_REGION)
		f |= CLI_NEED_AWS;
	return f;
}

static unsigned config_keys(unsigned f)
{
	return ((f & CLI_NEED_CLUSTER) ? SHIP_CONFIG_NEED_CLUSTER : 0) |
	       ((f & CLI_NEED_SERVICE) ? SHIP_CONFIG_NEED_SERVICE : 0) |
	       ((f & CLI_NEED_TASKDEF) ? SHIP_CONFIG_NEED_TASKDEF : 0);
}

static int setup_project(struct cli_ctx *ctx, unsigned f)
{
	static struct cli_project s_proj; /* one run, one project; released by cli_teardown */
	int rc;
	if (!(f & CLI_NEED_CONFIG) &&
	    !((f & CLI_WANT_CONFIG) && (ctx->g.config || access("ecship.yml", F_OK) == 0)))
		return CLI_EXIT_OK;
	ctx->proj = &s_proj; /* released even when loading fails */
	if ((rc = cli_project_load(ctx, ctx->proj, config_keys(f), ctx->image, ctx->tag)))
		return rc;
	const struct ship_config *cfg = ctx->proj->cfg;
	if (f & CLI_NEED_SERVICE) {
		const char *name = option_value(ctx->cmd, "service"), *option = "--service";
		if (!name && (name = option_value(ctx->cmd, "name")))
			option = "--name"; /* render: --service is a flag there */
		if (!(ctx->svc = cli_project_service(ctx->proj, name, option)))
			return CLI_EXIT_USAGE;
		/* the commands it suggests act on this service, not on the config's first
		 * (deploy, whose --service picks several, sets each itself) */
		if (cfg->n_services > 1 && option_is_string(ctx->cmd, "service"))
			cli_output_set_service(ctx->svc->name);
	}
	if ((f & CLI_NEED_CLUSTER) && !cfg->cluster) {
		cli_error(_("'%s' names no cluster"), cfg->path);
		cli_hint(_("add 'cluster: NAME' (e.g. django-ecs-cluster-${ENVIRONMENT})"));
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

int cli_setup(struct cli_ctx *ctx)
{
	struct ship_err err = SHIP_ERR_INIT;
	unsigned f = needs(ctx->cmd);
	int rc;

	if (f & CLI_IMAGE_OR_TAG) {
		ctx->image = option_value(ctx->cmd, "image");
		ctx->tag = option_value(ctx->cmd, "tag");
		if (ctx->image && ctx->tag) {
			cli_error(_("--image and --tag cannot be used together"));
			cli_hint(
			    _("--image replaces the whole image, --tag only its tag: give one"));
			return CLI_EXIT_USAGE;
		}
	}
	if ((rc = setup_project(ctx, f)))
		return rc;
	if (f & CLI_NEED_AWS) {
		if (!cli_aws(ctx, &err))
			return cli_report(_("cannot set up the AWS client"), &err);
		/* ${AWS_REGION} in the definitions: the client's region when nothing closer set it
		 */
		const char *region = ship_aws_region(ctx->aws);
		if (ctx->proj && ctx->proj->cfg && region && !ctx->proj->vars.region &&
		    ship_vars_set(&ctx->proj->vars, "AWS_REGION", region)) {
			cli_error(_("out of memory"));
			return CLI_EXIT_FAILED;
		}
	}
	if ((f & CLI_NEED_REGION) && !ship_aws_region(ctx->aws)) {
		cli_error(_("no AWS region is configured"));
		cli_hint(_("use --region, set AWS_REGION, add 'region:' to ecship.yml, or add "
			   "'region' to the profile in ~/.aws/config"));
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

void cli_teardown(struct cli_ctx *ctx)
{
	cli_output_set_service(NULL); /* its name is the project's, released here */
	if (ctx->proj)
		cli_project_release(ctx->proj);
	ctx->proj = NULL;
	ctx->svc = NULL;
	ship_aws_destroy(ctx->aws);
	ctx->aws = NULL;
}

void cli_print_needs(FILE *f, const struct cli_command *const *cmds, size_t n)
{
	fprintf(f, "%-10s %-10s %-34s %-6s %s\n", "COMMAND", "ECSHIP.YML", "KEYS", "AWS",
		"OPTIONS");
	for (size_t i = 0; i < n; i++) {
		unsigned k = needs(cmds[i]);
		char keys[64] = "";
		snprintf(keys, sizeof(keys), "%s%s%s", (k & CLI_NEED_CLUSTER) ? ",cluster" : "",
			 (k & CLI_NEED_SERVICE) ? ",service" : "",
			 (k & CLI_NEED_TASKDEF) ? ",task_definition" : "");
		if (!keys[0] && (k & (CLI_NEED_CONFIG | CLI_WANT_CONFIG)))
			snprintf(keys, sizeof(keys), ",(none)");
		fprintf(f, "%-10s %-10s %-34s %-6s %s\n", cmds[i]->name,
			(k & CLI_NEED_CONFIG)	? "needed"
			: (k & CLI_WANT_CONFIG) ? "if there"
						: "-",
			keys[0] ? keys + 1 : "-",
			(k & CLI_NEED_REGION) ? "region"
			: (k & CLI_NEED_AWS)  ? "client"
					      : "-",
			(k & CLI_IMAGE_OR_TAG) ? "--image|--tag" : "-");
	}
}
