/*
 * endpoint.c: where requests go. Region (option, environment, profile) and endpoint (option,
 * per-service and global environment variables, profile, partition defaults) resolution, as the
 * AWS CLI does it. Pure functions over an environment callback; no I/O, no libcurl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private/endpoint.h"

const char *ship_env_process(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

static const char *env(ship_getenv_fn fn, void *ctx, const char *name)
{
	const char *v = fn ? fn(ctx, name) : NULL;
	return v && *v ? v : NULL;
}

static int is_true(const char *v) { return v && !ship_strcasecmp(v, "true"); }

static int region_ok(const char *r)
{
	size_t n = strlen(r);
	if (n == 0 || n > 48 || r[0] == '-' || r[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = r[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

int ship_region_resolve(const struct ship_region_in *in, const char **region, char *source,
			size_t source_size, struct ship_err *err)
{
	const char *r = NULL;
	*region = NULL;
	if (source_size)
		source[0] = '\0';
	if (in->option && *in->option) {
		r = in->option;
		snprintf(source, source_size, "--region");
	} else if ((r = env(in->getenv, in->getenv_ctx, "AWS_REGION"))) {
		snprintf(source, source_size, "AWS_REGION");
	} else if ((r = env(in->getenv, in->getenv_ctx, "AWS_DEFAULT_REGION"))) {
		snprintf(source, source_size, "AWS_DEFAULT_REGION");
	} else if (in->project && *in->project) {
		r = in->project;
		snprintf(source, source_size, "%s",
			 in->project_source ? in->project_source : "the project");
	} else if (in->config && in->profile &&
		   (r = ship_aws_config_get(in->config, in->profile, "region")) && *r) {
		snprintf(source, source_size, "profile %s", in->profile);
	} else {
		return 0;
	}
	if (!region_ok(r))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "invalid region '%s' (from %s): expected a name like "
				    "'ap-northeast-1'",
				    r, source);
	*region = r;
	return 0;
}

const char *ship_region_dns_suffix(const char *region)
{
	return strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
}

/* Copies a configured endpoint URL after checking its scheme; drops trailing slashes. */
static int custom_url(struct ship_buf *url, const char *v, const char *from, struct ship_err *err)
{
	size_t n = strlen(v);
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "invalid endpoint URL '%s' (from %s): it must start with "
				    "'https://' or 'http://'",
				    v, from);
	while (n > 8 && v[n - 1] == '/')
		n--;
	if (ship_buf_add(url, v, n))
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	return 0;
}

int ship_endpoint_resolve(const struct ship_endpoint_in *in, struct ship_buf *url,
			  char *signing_region, size_t signing_region_size, const char **source,
			  struct ship_err *err)
{
	const struct ship_service_info *si = ship_service_info(in->svc);
	char name[96];
	const char *v, *src = NULL;

	ship_buf_reset(url);
	if (!si)
		return ship_err_set(err, SHIP_ERR_INTERNAL, "unknown service %d", (int)in->svc);
	if (!in->region)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "no AWS region configured for %s: use --region, set AWS_REGION, "
				    "or add 'region = ...' to your profile in ~/.aws/config",
				    si->name);
	snprintf(signing_region, signing_region_size, "%s", in->region);

	int ignore = is_true(env(in->getenv, in->getenv_ctx, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
		     in->profile_ignore;
	snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", si->env_suffix);
	const char *from = NULL; /* for messages: the variable or option the URL came from */
	if (in->option_url && *in->option_url) {
		v = in->option_url;
		src = from = "--endpoint-url";
	} else if (!ignore && (v = env(in->getenv, in->getenv_ctx, name))) {
		src = "AWS_ENDPOINT_URL_<SERVICE>";
		from = name;
	} else if (!ignore && (v = env(in->getenv, in->getenv_ctx, "AWS_ENDPOINT_URL"))) {
		src = from = "AWS_ENDPOINT_URL";
	} else if (!ignore && in->profile_service_url && *in->profile_service_url) {
		v = in->profile_service_url;
		src = from = "the profile's services section";
	} else if (!ignore && in->profile_url && *in->profile_url) {
		v = in->profile_url;
		src = from = "profile endpoint_url";
	} else {
		v = NULL;
	}
	if (v) {
		if (source)
			*source = src;
		return custom_url(url, v, from, err);
	}

	const char *suffix = ship_region_dns_suffix(in->region);
	if (si->global) {
		/* IAM: one endpoint per partition, signed for the partition's home region. */
		if (!strcmp(suffix, "amazonaws.com.cn")) {
			ship_buf_addf(url, "https://%s.cn-north-1.%s", si->endpoint_prefix, suffix);
			snprintf(signing_region, signing_region_size, "cn-north-1");
		} else if (!strncmp(in->region, "us-gov-", 7)) {
			ship_buf_addf(url, "https://%s.us-gov.%s", si->endpoint_prefix, suffix);
			snprintf(signing_region, signing_region_size, "us-gov-west-1");
		} else {
			ship_buf_addf(url, "https://%s.%s", si->endpoint_prefix, suffix);
			snprintf(signing_region, signing_region_size, "us-east-1");
		}
	} else {
		ship_buf_addf(url, "https://%s.%s.%s", si->endpoint_prefix, in->region, suffix);
	}
	if (source)
		*source = "default";
	if (url->failed)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	return 0;
}
