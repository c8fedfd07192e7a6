/*
 * endpoint.h (private): region and endpoint resolution as pure functions over an environment
 * lookup callback, so unit tests can drive them from tables without touching the process
 * environment. Used by aws.c; only tests include it otherwise.
 */
#ifndef ECSHIP_PRIVATE_ENDPOINT_H
#define ECSHIP_PRIVATE_ENDPOINT_H

#include "ecship/aws.h"
#include "ecship/profile.h"

/* Looks up an environment variable; NULL when unset. */
typedef const char *(*ship_getenv_fn)(void *ctx, const char *name);

/* getenv(3) as a ship_getenv_fn (ctx unused). */
const char *ship_env_process(void *ctx, const char *name);

struct ship_region_in {
	const char *option;                   /* --region */
	const char *profile;                  /* selected profile name */
	const struct ship_aws_config *config; /* may be NULL */
	ship_getenv_fn getenv;
	void *getenv_ctx;
	const char *project;	    /* the project's region (ecship.yml `region:`); may be NULL */
	const char *project_source; /* where it is written, for the source: "ecship.yml" */
};

/*
 * Picks the region: option > AWS_REGION > AWS_DEFAULT_REGION > the project's region > the
 * profile's `region`. Empty values count as unset. *region is NULL when none is configured (not
 * an error); source is "--region", "AWS_REGION", "AWS_DEFAULT_REGION", the project's source
 * (e.g. "ecship.yml") or "profile NAME". -1 for a malformed region.
 */
int ship_region_resolve(const struct ship_region_in *in, const char **region, char *source,
			size_t source_size, struct ship_err *err);

struct ship_endpoint_in {
	enum ship_service svc;
	const char *region;       /* NULL: fails with a hint */
	const char *option_url;   /* --endpoint-url */
	const char *profile_service_url; /* endpoint_url of this service in the profile's services section */
	const char *profile_url;  /* the profile's endpoint_url */
	int profile_ignore;       /* the profile's ignore_configured_endpoint_urls = true */
	ship_getenv_fn getenv;
	void *getenv_ctx;
};

/*
 * Endpoint URL (no trailing slash) and signing region: option > AWS_ENDPOINT_URL_<SVC> >
 * AWS_ENDPOINT_URL > the service's endpoint_url in the profile's `services` section > profile
 * endpoint_url (env and profile ones off when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true) > https://<prefix>.<region>.<dns suffix>.
 * *source (may be NULL) names where the URL came from.
 */
int ship_endpoint_resolve(const struct ship_endpoint_in *in, struct ship_buf *url,
			  char *signing_region, size_t signing_region_size, const char **source,
			  struct ship_err *err);

/* The DNS suffix of a region's partition: "amazonaws.com" or "amazonaws.com.cn". */
const char *ship_region_dns_suffix(const char *region);

#endif
