/*
 * cmd_doctor.c: `ecship doctor`: renders the definitions (without stopping at invalid values:
 * those are findings) and runs the library's checks (doctor.h), printing each as ok / warn /
 * fail / skip with the evidence and the fix. Exit 1 when any check fails. Without --image or
 * --tag it checks the image tag the service runs now.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ecship/doctor.h"
#include "ecship/ecs.h"
#include "ecship/taskdef.h"

static struct {
	const char *image, *tag, *service;
} s_args;

static const struct cli_option s_options[] = {
    CLI_STRING("image", "URI", &s_args.image, "check this image (default: the one the service runs)"),
    CLI_STRING_ALT("tag", "TAG", &s_args.tag, "check this tag of the container's image"),
    CLI_STRING("service", "NAME", &s_args.service, "the service of the config (default: the first)"),
    CLI_OPTIONS_END,
};

static void print_check(void *vctx, const struct ship_check *c)
{
	struct cli_ctx *ctx = vctx;
	static const char *const label[] = {"[ok]  ", "[warn]", "[FAIL]", "[skip]"};
	static const char *const color[] = {"32", "33", "1;31", "2"};
	if (ctx->json)
		return;
	int v = (unsigned)c->verdict < 4 ? (int)c->verdict : 3;
	if (ctx->color && !ctx->g.no_color)
		printf("\033[%sm%s\033[0m %s: %s\n", color[v], label[v], c->id, cli_safe(c->title));
	else
		printf("%s %s: %s\n", label[v], c->id, cli_safe(c->title));
	if (c->evidence[0])
		printf("       %s\n", cli_safe(c->evidence));
	if (c->fix[0] && c->verdict != SHIP_VERDICT_OK && c->verdict != SHIP_VERDICT_SKIP)
		printf("       %s %s\n", _("fix:"), cli_safe(cli_aim(c->fix)));
	fflush(stdout);
}

/* The tag of the image the service's main container runs now, for rendering ${IMAGE_TAG}. */
static int current_tag(struct cli_ctx *ctx, char *tag, size_t n)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_aws *aws = ctx->aws;
	json_t *svc = NULL, *td = NULL;
	int found = 0;
	if (ship_ecs_describe_service(aws, ctx->proj->cfg->cluster, ctx->svc->name, &svc, &err) ||
	    !svc)
		return 0;
	const char *arn = json_string_value(json_object_get(svc, "taskDefinition"));
	if (!ship_ecs_describe_taskdef(aws, arn, &td, &err)) {
		const char *main = ship_run_main_container(td, svc);
		const json_t *c;
		size_t i;
		json_array_foreach(json_object_get(td, "containerDefinitions"), i, c) {
			const char *name = json_string_value(json_object_get(c, "name"));
			const char *image = json_string_value(json_object_get(c, "image"));
			struct ship_image_ref ref;
			if (main && name && image && !strcmp(name, main) &&
			    !ship_image_parse(ship_str_c(image), &ref) && ref.tag.len) {
				snprintf(tag, n, "%.*s", (int)ref.tag.len, ref.tag.p);
				found = 1;
			}
		}
	}
	json_decref(td);
	json_decref(svc);
	return found;
}

static int cmd_doctor(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_project *proj = ctx->proj;
	const struct ship_config_service *cs = ctx->svc;
	struct ship_aws *aws = ctx->aws;
	struct ship_rendered rend = {0};
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_doctor_report *rep = NULL;
	const char *tag = ctx->tag;
	char live_tag[160];
	int rc;

	if (argc > 0) {
		cli_error(_("'doctor' takes no arguments, got '%s'"), argv[0]);
		return CLI_EXIT_USAGE;
	}
	if (!ctx->image && !tag && current_tag(ctx, live_tag, sizeof(live_tag))) {
		/* render with the tag the service runs, for ${IMAGE_TAG} */
		cli_note(_("checking the image tag the service runs now: %s (--tag checks another)"),
			 live_tag);
		tag = live_tag;
		if (ship_vars_set_image(&proj->vars, NULL, tag, &err))
			return cli_report(_("invalid image tag of the service"), &err);
	}
	/* invalid values (e.g. cpu/memory) are findings of the doctor, not reasons to stop */
	if ((rc = cli_project_render(proj, cs, ctx->image, tag, 1, &rend)))
		goto cleanup;
	rep = ship_calloc(1, sizeof(*rep));
	if (!rep) {
		cli_error(_("out of memory"));
		rc = CLI_EXIT_FAILED;
		goto cleanup;
	}
	const struct ship_config_listener_rule *lr = &proj->cfg->listener_rule;
	struct ship_doctor_input in = {0};
	in.cluster = proj->cfg->cluster;
	in.service = cs->name;
	in.taskdef = rend.task_definition;
	in.service_def = rend.service_definition;
	in.stack = proj->cfg->stack;
	in.environment = proj->cfg->environment;
	in.rule_priority = lr->set ? lr->priority : 0;
	in.rule_priority_auto = lr->set && lr->priority_auto;
	in.host_headers = (const char *const *)lr->host_headers;
	in.n_host_headers = lr->n_host_headers;
	in.on_check = print_check;
	in.ctx = ctx;
	if (ship_doctor_run(aws, &in, rep, &err)) {
		rc = cli_report(_("cannot run the checks"), &err);
		goto cleanup;
	}
	if (ctx->json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < rep->n; i++) {
			const struct ship_check *c = &rep->v[i];
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", c->id,
							     "title", c->title, "verdict",
							     ship_verdict_name(c->verdict), "evidence",
							     c->evidence, "fix", c->fix));
		}
		json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:o}", "cluster", in.cluster,
				      "service", in.service, "ok", (json_int_t)rep->counts[SHIP_VERDICT_OK],
				      "warn", (json_int_t)rep->counts[SHIP_VERDICT_WARN], "fail",
				      (json_int_t)rep->counts[SHIP_VERDICT_FAIL], "skip",
				      (json_int_t)rep->counts[SHIP_VERDICT_SKIP], "checks", arr);
		if (o)
			cli_print_json(o);
		json_decref(o);
	} else {
		printf(_("\n%zu ok, %zu warn, %zu fail, %zu skip\n"), rep->counts[SHIP_VERDICT_OK],
		       rep->counts[SHIP_VERDICT_WARN], rep->counts[SHIP_VERDICT_FAIL],
		       rep->counts[SHIP_VERDICT_SKIP]);
	}
	rc = rep->counts[SHIP_VERDICT_FAIL] ? CLI_EXIT_FAILED : CLI_EXIT_OK;
cleanup:
	ship_free(rep);
	ship_rendered_release(&rend);
	return rc;
}

const struct cli_command cmd_doctor_def = {
    "doctor",
    cmd_doctor,
    CLI_NEED_CLUSTER | CLI_NEED_TASKDEF | CLI_NEED_REGION | CLI_IMAGE_OR_TAG,
    NULL,
    "check the account, the base stack and the definitions; say what is wrong and how to fix it",
    "Runs the runbook's troubleshooting checks and more against the live account, each ending\n"
    "ok, warn, fail or skip with the evidence and the fix: the base stack, the VPC quota (6.1),\n"
    "a listener rule on the configured priority that is not ours (6.2), cluster, service and\n"
    "task definition agreeing, Fargate cpu/memory, the execution role and its trust policy,\n"
    "the log group, the image in ECR, the tasks' security group admitting the container port\n"
    "from the load balancer (6.4.1), the target group, the private subnets' way out (NAT or VPC\n"
    "endpoints), ALLOWED_HOSTS with Django's own matching (6.4.3), DEBUG and plain-text\n"
    "secrets. Nothing is changed. Exit 1 when any check fails. docs/troubleshooting.md\n"
    "explains each check.",
    s_options,
};
