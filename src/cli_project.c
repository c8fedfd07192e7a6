/*
 * cli_project.c: loads the project (ecship.yml and the definitions it names) for the commands
 * that need it: the variables from --env, --image/--tag and the environment, the lazy
 * AWS_ACCOUNT_ID (STS) and ${cfn:KEY} (CloudFormation DescribeStacks, once per run), and prints
 * every diagnostic. The rendering itself is the library's (render.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ecship/ecs.h"
#include "ecship/xml.h"

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
			cli_note("note: %s", line.data);
		if (g->hint && g->severity != SHIP_SEV_NOTE)
			cli_hint("%s", g->hint);
	}
	if (d->dropped)
		cli_note("(%zu more problems not shown)", d->dropped);
	ship_buf_release(&line);
}

/* AWS_ACCOUNT_ID, only when a file uses it: STS GetCallerIdentity. */
static int account_cb(void *vctx, struct ship_buf *out, struct ship_err *err)
{
	struct cli_project *p = vctx;
	struct ship_aws *aws = cli_aws(p->ctx, err);
	xmlDoc *doc = NULL;
	if (!aws)
		return -1;
	if (ship_aws_query(aws, SHIP_SVC_STS, "GetCallerIdentity", NULL, &doc, NULL, err))
		return ship_err_prefix(err, "cannot find the account id for ${AWS_ACCOUNT_ID}");
	char *acct = ship_xml_path_text(ship_xml_root(doc), "GetCallerIdentityResult/Account");
	xmlFreeDoc(doc);
	if (!acct)
		return ship_err_set(err, SHIP_ERR_PROTOCOL,
				    "STS GetCallerIdentity answered without an account id");
	ship_buf_adds(out, acct);
	ship_free(acct);
	return out->failed ? ship_err_set(err, SHIP_ERR_NOMEM, "out of memory") : 0;
}

/* The stack's outputs, fetched once: a JSON object OutputKey -> OutputValue. */
static int load_outputs(struct cli_project *p, const char *stack, struct ship_err *err)
{
	struct ship_params params = {0};
	xmlDoc *doc = NULL;
	struct ship_aws *aws = cli_aws(p->ctx, err);
	if (!aws)
		return -1;
	ship_params_add(&params, "StackName", stack);
	int r = ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "DescribeStacks", &params, &doc, NULL,
			       err);
	ship_params_release(&params);
	if (r) {
		if (!strcmp(err->aws_code, "ValidationError"))
			return ship_err_prefix(err, "cannot read ${cfn:...} outputs of stack '%s' "
						    "(create it with 'ecship infra deploy')",
					       stack);
		return ship_err_prefix(err, "cannot read the outputs of stack '%s'", stack);
	}
	p->outputs = json_object();
	xmlNode *stacks = ship_xml_path(ship_xml_root(doc), "DescribeStacksResult/Stacks");
	xmlNode *outs = ship_xml_path(ship_xml_first_item(stacks), "Outputs");
	for (xmlNode *o = ship_xml_first_item(outs); o; o = ship_xml_next_item(o)) {
		char *k = ship_xml_path_text(o, "OutputKey"), *v = ship_xml_path_text(o, "OutputValue");
		if (k && v)
			json_object_set_new(p->outputs, k, json_string(v));
		ship_free(k);
		ship_free(v);
	}
	xmlFreeDoc(doc);
	return 0;
}

static int cfn_cb(void *vctx, const char *stack, struct ship_str key, struct ship_buf *out,
		  struct ship_err *err)
{
	struct cli_project *p = vctx;
	char name[256];
	if (!p->outputs && load_outputs(p, stack, err))
		return -1;
	snprintf(name, sizeof(name), "%.*s", (int)key.len, key.p);
	const char *v = json_string_value(json_object_get(p->outputs, name));
	if (v) {
		ship_buf_adds(out, v);
		return out->failed ? ship_err_set(err, SHIP_ERR_NOMEM, "out of memory") : 1;
	}
	/* not found: list what the stack does have */
	struct ship_buf have = SHIP_BUF_INIT(600);
	const char *k;
	json_t *val;
	json_object_foreach(p->outputs, k, val) ship_buf_addf(&have, "%s%s", have.len ? ", " : "", k);
	ship_err_set(err, SHIP_ERR_INPUT, "stack '%s' has no output '%s'; its outputs: %s", stack,
		     name, have.len ? have.data : "none");
	ship_buf_release(&have);
	return 0;
}

int cli_project_load(struct cli_ctx *ctx, struct cli_project *p, const char *image,
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
	p->vars.cfn = cfn_cb;
	p->vars.cfn_ctx = p;
	if (ship_vars_set(&p->vars, "ENVIRONMENT", env && *env ? env : "staging") ||
	    (ctx->g.region && ship_vars_set(&p->vars, "AWS_REGION", ctx->g.region))) {
		cli_error("out of memory");
		cli_project_release(p);
		return CLI_EXIT_FAILED;
	}
	if ((image || tag) && ship_vars_set_image(&p->vars, image, tag, &err)) {
		cli_project_release(p);
		return cli_report("invalid --image/--tag", &err);
	}
	p->cfg = ship_config_load(path, &p->vars, &p->diags, &err);
	cli_print_diags(&p->diags);
	if (!p->cfg) {
		if (p->diags.counts[SHIP_SEV_ERROR] == 0)
			cli_report("cannot load the configuration", &err);
		if (!ctx->g.config && err.code == SHIP_ERR_INPUT && !p->diags.n)
			cli_hint("run ecship in the directory of ecship.yml, or give --config FILE");
		cli_project_release(p);
		return cli_exit_for(&err);
	}
	/* the config's region applies when neither --region nor the environment names one */
	if (!ctx->g.region && p->cfg->region && !getenv("AWS_REGION") &&
	    !getenv("AWS_DEFAULT_REGION") && !ctx->aws)
		ctx->g.region = p->cfg->region;
	ship_diags_release(&p->diags);
	ship_diags_init(&p->diags, 0);
	return CLI_EXIT_OK;
}

const struct ship_config_service *cli_project_service(struct cli_project *p, const char *name)
{
	if (name) {
		const struct ship_config_service *s = ship_config_service(p->cfg, name);
		if (!s) {
			cli_error("no service '%s' in '%s'", name, p->cfg->path);
			cli_hint("the services it names: use one of them with --service");
		}
		return s;
	}
	if (p->cfg->n_services == 0) {
		cli_error("'%s' names no service", p->cfg->path);
		cli_hint("add 'service: NAME' and 'task_definition: FILE' to it");
		return NULL;
	}
	return &p->cfg->services[0];
}

int cli_project_render(struct cli_project *p, const struct ship_config_service *svc,
		       const char *image, const char *tag, int no_validate,
		       struct ship_rendered *out)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_render_options ro = {image, tag, no_validate};
	ship_diags_release(&p->diags);
	ship_diags_init(&p->diags, 0);
	int r = ship_render_service(p->cfg, svc, &ro, &p->vars, &p->diags, out, &err);
	cli_print_diags(&p->diags);
	if (r) {
		if (p->diags.counts[SHIP_SEV_ERROR] == 0)
			cli_report("cannot render the definitions", &err);
		return cli_exit_for(&err);
	}
	return CLI_EXIT_OK;
}

int cli_project_aws(struct cli_ctx *ctx, struct cli_project *p, const char *service,
		    const struct ship_config_service **cs, struct ship_aws **aws)
{
	struct ship_err err = SHIP_ERR_INIT;
	int rc;
	if ((rc = cli_project_load(ctx, p, NULL, NULL)))
		return rc;
	if (!(*cs = cli_project_service(p, service)))
		return CLI_EXIT_USAGE;
	if (!p->cfg->cluster) {
		cli_error("'%s' names no cluster", p->cfg->path);
		cli_hint("add 'cluster: NAME' (e.g. django-ecs-cluster-${ENVIRONMENT})");
		return CLI_EXIT_USAGE;
	}
	if (!(*aws = cli_aws(ctx, &err)))
		return cli_report("cannot set up the AWS client", &err);
	return CLI_EXIT_OK;
}

int cli_project_live(struct cli_ctx *ctx, struct cli_project *p, const char *service,
		     const struct ship_config_service **cs, json_t **svc, struct ship_service_view *v)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_aws *aws;
	int rc;
	*svc = NULL;
	if ((rc = cli_project_aws(ctx, p, service, cs, &aws)))
		return rc;
	if (ship_ecs_describe_service(aws, p->cfg->cluster, (*cs)->name, svc, &err))
		return cli_report("cannot describe the service", &err);
	if (!*svc) {
		cli_error("service '%s' does not exist in cluster '%s'", (*cs)->name, p->cfg->cluster);
		cli_hint("'ecship deploy' creates it from the service definition");
		return CLI_EXIT_FAILED;
	}
	if (ship_service_view_parse(*svc, v, &err))
		return cli_report("cannot read the service", &err);
	return CLI_EXIT_OK;
}

void cli_project_release(struct cli_project *p)
{
	ship_config_destroy(p->cfg);
	ship_vars_release(&p->vars);
	ship_diags_release(&p->diags);
	json_decref(p->outputs);
	memset(p, 0, sizeof(*p));
}
