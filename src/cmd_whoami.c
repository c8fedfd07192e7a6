/*
 * cmd_whoami.c: `ecship whoami`: who AWS thinks we are (STS GetCallerIdentity), in which
 * region, and where the credentials came from. The first thing to run when a deploy is denied.
 */
#include "cli.h"

static int cmd_whoami(struct cli_ctx *ctx, int argc, char **argv)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_caller_identity id;
	int rc = CLI_EXIT_OK;
	(void)argv;

	if (argc > 0) {
		cli_error(_("'whoami' takes no arguments, got '%s'"), argv[0]);
		return CLI_EXIT_USAGE;
	}
	const struct ship_creds *creds = ship_aws_creds(ctx->aws, &err);
	if (!creds)
		return cli_report(_("cannot find AWS credentials"), &err);
	if (ship_aws_caller_identity(ctx->aws, &id, &err))
		return cli_report(_("cannot get the caller identity (STS GetCallerIdentity)"),
				  &err);

	const char *region = ship_aws_region(ctx->aws);
	const char *region_src = ship_aws_region_source(ctx->aws);
	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s}", "account",
				      id.account, "arn", id.arn, "user_id", id.user_id, "region",
				      region, "region_source", region_src, "credential_source",
				      creds->source, "profile", ship_aws_profile(ctx->aws));
		if (!o || cli_print_json(o))
			rc = CLI_EXIT_FAILED;
		json_decref(o);
	} else {
		printf(_("account            %s\n"), cli_safe(id.account));
		printf(_("arn                %s\n"), cli_safe(id.arn));
		if (id.user_id)
			printf(_("user id            %s\n"), cli_safe(id.user_id));
		if (region)
			printf(_("region             %s (from %s)\n"), region, region_src);
		else
			printf(_("region             none (use --region or set AWS_REGION)\n"));
		printf(_("credential source  %s\n"), creds->source);
	}
	ship_caller_identity_release(&id);
	return rc;
}

static const struct cli_option s_options[] = {CLI_OPTIONS_END};

const struct cli_command cmd_whoami_def = {
    "whoami",
    cmd_whoami,
    CLI_WANT_CONFIG | CLI_NEED_AWS, /* ecship.yml, when there is one, for its region */
    NULL,
    "show the AWS account, identity, region and credential source in use",
    "Calls STS GetCallerIdentity with the credentials ecship would deploy with and prints\n"
    "the account, the caller's ARN, the region and where the credentials came from\n"
    "(environment, web identity, a profile, credential_process, container or instance role).",
    s_options,
};
