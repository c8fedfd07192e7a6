/* aws.c: STUB until the client work lands; see aws.h. */
#include <string.h>

#include "ecship/aws.h"

struct ship_aws {
	int unused;
};

struct ship_aws *ship_aws_new(const struct ship_aws_options *o, struct ship_err *err)
{
	(void)o;
	ship_err_set(err, SHIP_ERR_INTERNAL, "aws client not implemented");
	return NULL;
}
void ship_aws_destroy(struct ship_aws *aws) { (void)aws; }
const char *ship_aws_region(const struct ship_aws *aws) { (void)aws; return NULL; }
const char *ship_aws_region_source(const struct ship_aws *aws) { (void)aws; return NULL; }
const char *ship_aws_profile(const struct ship_aws *aws) { (void)aws; return "default"; }
const struct ship_clock *ship_aws_clock(const struct ship_aws *aws) { (void)aws; return ship_clock_system(); }
const struct ship_service_info *ship_service_info(enum ship_service svc) { (void)svc; return NULL; }
int ship_aws_endpoint(struct ship_aws *aws, enum ship_service svc, struct ship_buf *url,
		      char *signing_region, size_t n, struct ship_err *err)
{
	(void)aws, (void)svc, (void)url, (void)signing_region, (void)n;
	return ship_err_set(err, SHIP_ERR_INTERNAL, "not implemented");
}
const struct ship_creds *ship_aws_creds(struct ship_aws *aws, struct ship_err *err)
{
	(void)aws;
	ship_err_set(err, SHIP_ERR_INTERNAL, "not implemented");
	return NULL;
}
int ship_aws_json(struct ship_aws *aws, enum ship_service svc, const char *operation, json_t *request,
		  json_t **response, const struct ship_call_opts *opts, struct ship_err *err)
{
	(void)aws, (void)svc, (void)operation, (void)request, (void)response, (void)opts;
	return ship_err_set(err, SHIP_ERR_INTERNAL, "not implemented");
}
int ship_aws_query(struct ship_aws *aws, enum ship_service svc, const char *action,
		   const struct ship_params *params, xmlDoc **response,
		   const struct ship_call_opts *opts, struct ship_err *err)
{
	(void)aws, (void)svc, (void)action, (void)params, (void)response, (void)opts;
	return ship_err_set(err, SHIP_ERR_INTERNAL, "not implemented");
}
int ship_aws_http(struct ship_aws *aws, const struct ship_http_request *req,
		  struct ship_http_response *resp, struct ship_err *err)
{
	(void)aws, (void)req, (void)resp;
	return ship_err_set(err, SHIP_ERR_INTERNAL, "not implemented");
}
const struct ship_aws_config *ship_aws_config(const struct ship_aws *aws) { (void)aws; return NULL; }
void ship_aws_stats(const struct ship_aws *aws, struct ship_aws_stats *out)
{
	(void)aws;
	memset(out, 0, sizeof(*out));
}
