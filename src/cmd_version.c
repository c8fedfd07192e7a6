/*
 * cmd_version.c: `ecship version` (and --version): ecship's version and its libraries'.
 */
#include "cli.h"
#include "ecship/version.h"

static int cmd_version(struct cli_ctx *ctx, int argc, char **argv)
{
	struct ship_versions v;
	(void)argv;
	if (argc > 0) {
		cli_error(_("'version' takes no arguments"));
		return CLI_EXIT_USAGE;
	}
	ship_versions_get(&v);
	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s}}", "version",
				      v.ecship, "git_revision", v.git_rev, "libraries", "libcurl",
				      v.libcurl, "tls", v.tls, "openssl", v.openssl, "jansson",
				      v.jansson, "libyaml", v.libyaml, "libxml2", v.libxml2);
		int r = o ? cli_print_json(o) : -1;
		json_decref(o);
		return r ? CLI_EXIT_FAILED : CLI_EXIT_OK;
	}
	printf("ecship %s (%s)\n", v.ecship, v.git_rev);
	printf("libcurl %s (%s), %s, jansson %s, libyaml %s, libxml2 %s\n", v.libcurl, v.tls,
	       v.openssl, v.jansson, v.libyaml, v.libxml2);
	return CLI_EXIT_OK;
}

static const struct cli_option s_options[] = {CLI_OPTIONS_END};

const struct cli_command cmd_version_def = {
    "version", cmd_version, 0, NULL, "show ecship's version and its libraries'",
    NULL, s_options,
};
