/*
 * cli_project.c: loads the project (ecship.yml and the definitions it names) for the commands
 * that need it: the variables from --env, --image/--tag and the environment, the lazy
 * AWS_ACCOUNT_ID (aws.h's caller identity) and ${cfn:KEY} (infra.h's stack variable source, one
 * DescribeStacks per run), and prints every diagnostic. The rendering is the library's.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ecship/ecs.h"
#include "ecship/infra.h"

void cli_print_diags(const struct ship_diags *d)
{
	struct ship_buf line = SHIP_BUF_INIT(0);
	for (size_t i = 0; i < d->n; i++) {
		const struct ship_diag *g = &d->v[i];
		ship_buf_reset(&line);
		ship_diag_format(g, &line);
		if (g->severity == SHIP_SEV_ERROR)
			cli_error("%s", line.data);
		else if (g->severity == SHIP_SEV_WARNING)
			cli_warn("%s", line.data);
		else
			cli_note(_("note: %s"), line.data);
		if (g->hint && g->severity != SHIP_SEV_NOTE)
			cli_hint("%s", g->hint);
	}
	if (d->dropped)
		cli_note(_("(%zu more problems not shown)"), d->dropped);
	ship_buf_release(&line);
}

/* AWS_ACCOUNT_ID, only when a file uses it: STS GetCallerIdentity. */
static int account_cb(void *vctx, struct ship_buf *out, struct ship_err *err)
{
	struct cli_project *p = vctx;
	struct ship_aws *aws = cli_aws(p->ctx, err);
	struct ship_caller_identity id;
	if (!aws)
		return -1;
	if (ship_aws_caller_identity(aws, &id, err))
		return ship_err_prefix(err, "cannot find the account id for ${AWS_ACCOUNT_ID}");
	ship_buf_adds(out, id.account);
	ship_caller_identity_release(&id);
	return out->failed ? ship_err_set(err, SHIP_ERR_NOMEM, "out of memory") : 0;
}

/* The client for ${cfn:KEY} (lib/infra's variable source), made on first use. */
static struct ship_aws *outputs_aws(void *vctx, struct ship_err *err)
{
	struct cli_project *p = vctx;
	return cli_aws(p->ctx, err);
}

int cli_project_load(struct cli_ctx *ctx, struct cli_project *p, unsigned need, const char *image,
		     const char *tag)
{
	struct ship_err err = SHIP_ERR_INIT;
	const char *env = ctx->g.env ? ctx->g.env : getenv("ENVIRONMENT");
	const char *path = ctx->g.config ? ctx->g.config : "ecship.yml";

	memset(p, 0, sizeof(*p));
	p->ctx = ctx;
	ship_vars_init(&p->vars);
	ship_diags_init(&p->diags, 0);
	p->vars.account = account_cb;
	p->vars.account_ctx = p;
	p->outputs.aws = outputs_aws;
	p->outputs.ctx = p;
	p->vars.cfn = ship_stack_vars_output;
	p->vars.cfn_ctx = &p->outputs;
	if (ship_vars_set(&p->vars, "ENVIRONMENT", env && *env ? env : "staging") ||
	    (ctx->g.region && ship_vars_set(&p->vars, "AWS_REGION", ctx->g.region))) {
		cli_error(_("out of memory"));
		cli_project_release(p);
		return CLI_EXIT_FAILED;
	}
	if ((image || tag) && ship_vars_set_image(&p->vars, image, tag, &err)) {
		cli_project_release(p);
		return cli_report(_("invalid --image/--tag"), &err);
	}
	p->cfg = ship_config_load_for(path, need, &p->vars, &p->diags, &err);
	cli_print_diags(&p->diags);
	if (!p->cfg) {
		if (p->diags.counts[SHIP_SEV_ERROR] == 0)
			cli_report(_("cannot load the configuration"), &err);
		if (!ctx->g.config && err.code == SHIP_ERR_INPUT && !p->diags.n)
			cli_hint(
			    _("run ecship in the directory of ecship.yml, or give --config FILE"));
		cli_project_release(p);
		return cli_exit_for(&err);
	}
	ship_diags_release(&p->diags);
	ship_diags_init(&p->diags, 0);
	return CLI_EXIT_OK;
}

const struct ship_config_service *cli_project_service(struct cli_project *p, const char *name,
						      const char *option)
{
	if (name) {
		const struct ship_config_service *s = ship_config_service(p->cfg, name);
		if (!s) {
			/* the names it has, the first ten (a list may hold 1000) */
			struct ship_buf names = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
			size_t i, n = p->cfg->n_services;
			for (i = 0; i < n && i < 10; i++)
				ship_buf_addf(&names, "%s%s", i ? ", " : "",
					      p->cfg->services[i].name ? p->cfg->services[i].name
								       : "?");
			if (n > 10)
				ship_buf_addf(&names, _(" and %zu more"), n - 10);
			cli_error(_("no service '%s' in '%s'"), name, p->cfg->path);
			if (n)
				cli_hint(_("name one of the services it lists with %s: %s"), option,
					 names.failed ? "?" : names.data);
			else
				cli_hint("%s", _("it names no service: add 'service: NAME' or a "
						 "'services:' list"));
			ship_buf_release(&names);
		}
		return s;
	}
	if (p->cfg->n_services == 0) {
		cli_error(_("'%s' names no service"), p->cfg->path);
		cli_hint(_("add 'service: NAME' and 'task_definition: FILE' to it"));
		return NULL;
	}
	return &p->cfg->services[0];
}

int cli_project_render(struct cli_project *p, const struct ship_config_service *svc,
		       const char *image, const char *tag, int no_validate,
		       struct ship_rendered *out)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_render_options ro = {image, tag, no_validate, NULL};
	if (!svc->task_definition) {
		cli_error(_("'%s' names no task definition for service '%s'"), p->cfg->path,
			  svc->name ? svc->name : "?");
		cli_hint(_("add 'task_definition: task-definition-${ENVIRONMENT}.json' to it"));
		return CLI_EXIT_USAGE;
	}
	ship_diags_release(&p->diags);
	ship_diags_init(&p->diags, 0);
	/* the model is parsed once for all the services a command renders (NULL when out of
	 * memory: then each render parses its own) */
	if (!no_validate && !p->model)
		p->model = ship_ecs_model_new();
	ro.model = p->model;
	int r = ship_render_service(p->cfg, svc, &ro, &p->vars, &p->diags, out, &err);
	cli_print_diags(&p->diags);
	if (r) {
		if (p->diags.counts[SHIP_SEV_ERROR] == 0)
			cli_report(_("cannot render the definitions"), &err);
		return cli_exit_for(&err);
	}
	return CLI_EXIT_OK;
}

int cli_live_service(struct cli_ctx *ctx, json_t **svc, struct ship_service_view *v)
{
	struct ship_err err = SHIP_ERR_INIT;
	const char *cluster = ctx->proj->cfg->cluster, *name = ctx->svc->name;
	*svc = NULL;
	if (ship_ecs_describe_service(ctx->aws, cluster, name, svc, &err))
		return cli_report(_("cannot describe the service"), &err);
	if (!*svc) {
		cli_error(_("service '%s' does not exist in cluster '%s'"), name, cluster);
		cli_hint(_("'ecship deploy' creates it from the service definition"));
		return CLI_EXIT_FAILED;
	}
	if (ship_service_view_parse(*svc, v, &err))
		return cli_report(_("cannot read the service"), &err);
	return CLI_EXIT_OK;
}

void cli_project_release(struct cli_project *p)
{
	ship_config_destroy(p->cfg);
	ship_vars_release(&p->vars);
	ship_diags_release(&p->diags);
	ship_stack_vars_release(&p->outputs);
	ship_ecs_model_destroy(p->model);
	memset(p, 0, sizeof(*p));
}
