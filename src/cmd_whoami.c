/*
 * cmd_whoami.c: `ecship whoami`: who AWS thinks we are (STS GetCallerIdentity), in which
 * region, and where the credentials came from. The first thing to run when a deploy is denied.
 */
#include <libxml/tree.h>

#include "cli.h"
#include "ecship/xml.h"

static int cmd_whoami(struct cli_ctx *ctx, int argc, char **argv)
{
	struct ship_err err = SHIP_ERR_INIT;
	xmlDoc *doc = NULL;
	char *account = NULL, *arn = NULL, *user_id = NULL;
	int rc = CLI_EXIT_OK;
	(void)argv;

	if (argc > 0) {
		cli_error("'whoami' takes no arguments, got '%s'", argv[0]);
		return CLI_EXIT_USAGE;
	}
	const struct ship_creds *creds = ship_aws_creds(ctx->aws, &err);
	if (!creds)
		return cli_report("cannot find AWS credentials", &err);
	if (ship_aws_query(ctx->aws, SHIP_SVC_STS, "GetCallerIdentity", NULL, &doc, NULL, &err))
		return cli_report("cannot get the caller identity (STS GetCallerIdentity)", &err);

	xmlNode *result = ship_xml_path(ship_xml_root(doc), "GetCallerIdentityResult");
	account = ship_xml_path_text(result, "Account");
	arn = ship_xml_path_text(result, "Arn");
	user_id = ship_xml_path_text(result, "UserId");
	if (!account || !arn) {
		cli_error("cannot get the caller identity: the answer has no Account or Arn");
		cli_hint("the endpoint did not answer like AWS STS: check --endpoint-url");
		rc = CLI_EXIT_AWS;
		goto cleanup;
	}
	const char *region = ship_aws_region(ctx->aws);
	const char *region_src = ship_aws_region_source(ctx->aws);
	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s}", "account", account,
				      "arn", arn, "user_id", user_id, "region", region,
				      "region_source", region_src, "credential_source",
				      creds->source, "profile", ship_aws_profile(ctx->aws));
		if (!o || cli_print_json(o))
			rc = CLI_EXIT_FAILED;
		json_decref(o);
	} else {
		printf("account            %s\n", cli_safe(account));
		printf("arn                %s\n", cli_safe(arn));
		if (user_id)
			printf("user id            %s\n", cli_safe(user_id));
		if (region)
			printf("region             %s (from %s)\n", region, region_src);
		else
			printf("region             none (use --region or set AWS_REGION)\n");
		printf("credential source  %s\n", creds->source);
	}
cleanup:
	ship_free(account);
	ship_free(arn);
	ship_free(user_id);
	xmlFreeDoc(doc);
	return rc;
}

static const struct cli_option s_options[] = {CLI_OPTIONS_END};

const struct cli_command cmd_whoami_def = {
    "whoami",
    cmd_whoami,
    CLI_NEED_AWS,
    NULL,
    "show the AWS account, identity, region and credential source in use",
    "Calls STS GetCallerIdentity with the credentials ecship would deploy with and prints\n"
    "the account, the caller's ARN, the region and where the credentials came from\n"
    "(environment, web identity, a profile, credential_process, container or instance role).",
    s_options,
};
