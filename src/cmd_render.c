/*
 * cmd_render.c: `ecship render`: loads ecship.yml, renders the task definition (or, with
 * --service, the service definition) exactly as a deploy would send it, validates it, and prints
 * it. AWS is asked only for what the files use: ${AWS_ACCOUNT_ID} (STS) and ${cfn:KEY} (the
 * base stack's Outputs), lazily (cli_project.c). Nothing is changed in AWS.
 */
#include "cli.h"

static const char *s_image, *s_tag, *s_name;
static int s_service;

static int cmd_render(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_project *p = ctx->proj;
	struct ship_rendered out = {NULL, NULL};
	const struct ship_config_service *svc = ctx->svc;
	int rc;

	if (argc > 0) {
		cli_error(_("'%s' takes no arguments, got '%s'"), "render", argv[0]);
		/* 'render --service web' as other commands pick a service: here --service is a
		 * flag (print the service definition) and --name picks the service */
		if (ship_config_service(p->cfg, argv[0]))
			cli_hint(_("render picks a service with --name (--name %s); its --service "
				   "is a flag that prints the service definition"),
				 argv[0]);
		else
			cli_hint("%s", _("pass the image with --image URI or --tag TAG"));
		return CLI_EXIT_USAGE;
	}
	if (s_service && !svc->service_definition) {
		cli_error(_("'%s' names no service_definition for service '%s'"), p->cfg->path,
			  svc->name ? svc->name : "?");
		cli_hint(_("add service_definition: ecs-service-${ENVIRONMENT}.json"));
		rc = CLI_EXIT_USAGE;
		goto cleanup;
	}
	if ((rc = cli_project_render(p, svc, ctx->image, ctx->tag, 0, &out)))
		goto cleanup;
	if (cli_print_json(s_service ? out.service_definition : out.task_definition))
		rc = CLI_EXIT_FAILED;
cleanup:
	ship_rendered_release(&out);
	return rc;
}

static const struct cli_option s_options[] = {
    CLI_STRING("image", "URI", &s_image, "replace the image of the load balancer's container"),
    CLI_STRING_ALT("tag", "TAG", &s_tag, "replace only the tag of that image"),
    CLI_FLAG("service", &s_service, "print the service definition instead"),
    CLI_STRING("name", "SERVICE", &s_name,
	       "which service of a 'services:' list (default: the first)"),
    CLI_OPTIONS_END,
};

const struct cli_command cmd_render_def = {
    "render",
    cmd_render,
    CLI_NEED_TASKDEF | CLI_IMAGE_OR_TAG,
    NULL,
    "print the final task (or service) definition JSON",
    "Loads ecship.yml, replaces ${NAME}, ${NAME:-default} and ${cfn:KEY} in every string of\n"
    "the config and of both definition files, drops read-only fields copied from\n"
    "describe-task-definition output, applies --image or --tag, validates the result, and\n"
    "prints it. Every unresolved variable is reported with its file, line and column.\n"
    "AWS is asked only for ${AWS_ACCOUNT_ID} (STS) and ${cfn:KEY} (the stack's Outputs), and\n"
    "only when a file uses them. Nothing is changed in AWS.",
    s_options,
};
