/*
 * cli_aws.c: creates the run's AWS client from the global options (region, profile, endpoint,
 * --debug wire log to stderr) and the project's `region:`, which the library ranks among the
 * region sources. The library does the resolving; this file only wires options in.
 */
#include <stdio.h>

#include "cli.h"

static void wire_log(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "debug: %s\n", cli_safe(line)); /* the wire: remote text */
}

struct ship_aws *cli_aws(struct cli_ctx *ctx, struct ship_err *err)
{
	if (ctx->aws)
		return ctx->aws;
	struct ship_aws_options o = {0};
	o.region = ctx->g.region;
	o.profile = ctx->g.profile;
	o.endpoint_url = ctx->g.endpoint_url;
	if (ctx->g.debug)
		o.wire_log = wire_log;
	o.cancelled = cli_cancelled_cb;
	if (ctx->proj && ctx->proj->cfg && ctx->proj->cfg->region) {
		o.project_region = ctx->proj->cfg->region;
		o.project_region_source = ctx->proj->cfg->path;
	}
	ctx->aws = ship_aws_new(&o, err);
	return ctx->aws;
}
