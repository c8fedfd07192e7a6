/*
 * aws.h: the AWS client: region, endpoints, credentials, the three wire protocols (JSON 1.1,
 * Query, EC2), error parsing and standard-mode retries, over an injectable transport and clock.
 * One struct ship_aws per process is enough; it is not thread-safe (ship_aws_fork makes one for
 * another thread). Never prints.
 */
#ifndef ECSHIP_AWS_H
#define ECSHIP_AWS_H

#include <jansson.h>
#include <libxml/tree.h>

#include "ecship/clock.h"
#include "ecship/creds.h"
#include "ecship/err.h"
#include "ecship/http.h"

enum ship_service {
	SHIP_SVC_ECS,
	SHIP_SVC_CLOUDFORMATION,
	SHIP_SVC_ELBV2,
	SHIP_SVC_EC2,
	SHIP_SVC_LOGS,
	SHIP_SVC_STS,
	SHIP_SVC_SERVICE_QUOTAS,
	SHIP_SVC_IAM,
	SHIP_SVC_ECR,
	SHIP_SVC_CLOUDWATCH,
	SHIP_SVC_APPLICATION_AUTO_SCALING,
	SHIP_SVC_COUNT
};

enum ship_protocol { SHIP_PROTO_JSON, SHIP_PROTO_QUERY, SHIP_PROTO_EC2 };

struct ship_service_info {
	const char *name;            /* "ecs" */
	const char *env_suffix;      /* AWS_ENDPOINT_URL_<suffix>: "ECS", "ELASTIC_LOAD_BALANCING_V2" */
	const char *endpoint_prefix; /* "ecs", "elasticloadbalancing", "api.ecr" */
	const char *signing_name;    /* "ecs", "elasticloadbalancing", "ecr" */
	enum ship_protocol protocol;
	const char *target_prefix;   /* JSON: "AmazonEC2ContainerServiceV20141113" */
	const char *api_version;     /* Query/EC2: "2010-05-15" */
	int global;                  /* one endpoint per partition (IAM) */
};

const struct ship_service_info *ship_service_info(enum ship_service svc);

/* Receives --debug wire-log lines, already redacted (no trailing newline). */
typedef void (*ship_log_fn)(void *ctx, const char *line);

struct ship_aws_options {
	const char *region;	  /* --region; NULL: AWS_REGION, AWS_DEFAULT_REGION, then
				     project_region, then the profile's */
	const char *profile;      /* --profile; NULL: AWS_PROFILE, else "default" */
	const char *endpoint_url; /* --endpoint-url, for every service */
	int max_attempts;         /* 0: AWS_MAX_ATTEMPTS, else 3 */
	const struct ship_clock *clock;      /* NULL: the system clock */
	ship_transport_fn transport;         /* NULL: libcurl (ship_http_send) */
	void *transport_ctx;
	const struct ship_http_options *http; /* for the libcurl transport; NULL: defaults */
	ship_log_fn wire_log;                 /* NULL: no wire log */
	void *wire_log_ctx;
	int (*cancelled)(void *ctx);          /* checked before each retry: non-zero ends the call
						 with SHIP_ERR_INTERRUPTED (NULL: never) */
	void *cancel_ctx;
	const char *project_region;	   /* the project's own region (ecship.yml `region:`),
					      below the environment and above the profile */
	const char *project_region_source; /* its name in ship_aws_region_source: "ecship.yml" */
};

struct ship_aws;

struct ship_aws *ship_aws_new(const struct ship_aws_options *o, struct ship_err *err);
void ship_aws_destroy(struct ship_aws *aws);
/*
 * A client for another thread: the parent's profile, region, endpoint, config files, clock,
 * wire log (its callback is serialized) and credentials (resolved now, once), its own libcurl
 * transport and retry quota, and the parent's ECS token buckets, shared under a lock, so that
 * all of them together spend ECS's request rate once. NULL with err when the parent uses an
 * injected transport (not known to be thread-safe) or the credentials cannot be resolved.
 * Destroy forks before their parent; a fork's stats are added to its parent's then. The parent
 * itself must not make calls while its forks do.
 */
struct ship_aws *ship_aws_fork(struct ship_aws *parent, struct ship_err *err);
/* The one lock taken around the wire log of forked clients; code calling other callbacks that are
 * not thread-safe from their threads takes it too (the deploy's progress), since both end in the
 * same output code. */
void ship_aws_callbacks_lock(void);
void ship_aws_callbacks_unlock(void);

/* The resolved region, or NULL when none is configured (calls then fail with a hint). */
const char *ship_aws_region(const struct ship_aws *aws);
/* Where the region came from: "--region", "AWS_REGION", "AWS_DEFAULT_REGION", the project's
 * source (e.g. "ecship.yml"), "profile NAME". */
const char *ship_aws_region_source(const struct ship_aws *aws);
/* The selected profile name ("default" when none was given). */
const char *ship_aws_profile(const struct ship_aws *aws);
const struct ship_clock *ship_aws_clock(const struct ship_aws *aws);
/*
 * The server's clock minus the client's, in seconds, from the HTTP Date header of the newest
 * answer that had one (1 s resolution); 0 before any. What ECS stamps (service events,
 * deployments) and what the tool stamps itself can then be shown on one clock.
 */
double ship_aws_clock_offset(const struct ship_aws *aws);

/* Endpoint URL (no trailing slash) and signing region for a service. */
int ship_aws_endpoint(struct ship_aws *aws, enum ship_service svc, struct ship_buf *url,
		      char *signing_region, size_t signing_region_size, struct ship_err *err);

/* Current credentials: resolved on first use, refreshed 5 minutes before they expire. */
const struct ship_creds *ship_aws_creds(struct ship_aws *aws, struct ship_err *err);

/*
 * Per-call options (NULL for none). Retry persistence belongs to the call, never to the shared
 * client: a deploy passes the same options to each of its calls (docs/retries.md).
 */
struct ship_call_opts {
	const struct ship_creds *creds; /* sign with these instead of the client's */
	int anonymous;                  /* do not sign (STS AssumeRoleWithWebIdentity) */
	int not_idempotent;		/* retry only throttling (refused before it ran); other
					   failures end the call at once unless took_effect is set */
	/*
	 * not_idempotent calls: before retrying a failure other than throttling (after the usual
	 * backoff, quota and Ctrl-C checks), asks whether the failed attempt took effect anyway:
	 * 1 it did (the call returns 0 with *response NULL), 0 it did not (retry), -1 stop with err
	 * filled (a lost answer is never repeated blindly). NULL: such failures end the call.
	 */
	int (*took_effect)(void *ctx, struct ship_err *err);
	void *took_effect_ctx;
	/*
	 * Until persist_until (epoch seconds on the client's clock; 0: off) transient failures are
	 * retried past the maximum attempts, with the same capped backoff and retry quota: a deploy
	 * that has changed something should not give up half-way while its --timeout allows
	 * waiting. persist_answered_until does the same only for failures that came with an answer
	 * (throttling, HTTP 5xx: the service is there but busy), so a wrong endpoint fails fast.
	 * The later of the two also bounds each attempt's request (at least a second), so no single
	 * request of the call runs past the deploy's --timeout.
	 */
	double persist_until;
	double persist_answered_until;
};

/*
 * JSON 1.1 call: request is borrowed (NULL sends {}); on success *response is a new reference
 * (caller json_decref), or NULL when opts->took_effect said a lost attempt had taken effect. On an
 * AWS error, err has code SHIP_ERR_AWS, aws_code, message, request_id and http_status.
 */
int ship_aws_json(struct ship_aws *aws, enum ship_service svc, const char *operation,
		  json_t *request, json_t **response, const struct ship_call_opts *opts,
		  struct ship_err *err);

/*
 * Checks a 2xx JSON answer for the members ecship acts on (ECS RegisterTaskDefinition needs
 * taskDefinition.taskDefinitionArn and .revision, CreateService/UpdateService service.serviceArn
 * and .deployments, RunTask tasks, ...; the table is in lib/aws/aws.c). ship_aws_json runs it
 * on every answer: a missing member is SHIP_ERR_PROTOCOL naming the call and the member.
 */
int ship_aws_json_check(enum ship_service svc, const char *operation, json_t *answer,
			struct ship_err *err);

/* The same for Query answers (CloudFormation, ELBv2, STS); ship_aws_query runs it. */
int ship_aws_xml_check(enum ship_service svc, const char *action, const xmlDoc *answer,
		       struct ship_err *err);

/* Ordered key/value parameters for Query and EC2 calls (owns its strings). */
struct ship_params {
	struct ship_headers kv;
};
int ship_params_add(struct ship_params *p, const char *key, const char *value);
int ship_params_addf(struct ship_params *p, const char *value, const char *key_fmt, ...)
    SHIP_PRINTF(3, 4);
void ship_params_release(struct ship_params *p);

/*
 * Query (CloudFormation, ELBv2, STS, IAM) and EC2 calls: Action and Version are added;
 * params may be NULL. On success *response is the parsed XML answer (caller xmlFreeDoc), or
 * NULL as for ship_aws_json.
 */
int ship_aws_query(struct ship_aws *aws, enum ship_service svc, const char *action,
		   const struct ship_params *params, xmlDoc **response,
		   const struct ship_call_opts *opts, struct ship_err *err);

/* Who the client's credentials belong to: STS GetCallerIdentity. */
struct ship_caller_identity {
	char *account; /* the 12-digit account id */
	char *arn;     /* the caller's ARN */
	char *user_id; /* NULL when the answer has none */
};
/* Fills id (release it with ship_caller_identity_release); an answer without Account or Arn
 * is SHIP_ERR_PROTOCOL. */
int ship_aws_caller_identity(struct ship_aws *aws, struct ship_caller_identity *id,
			     struct ship_err *err);
void ship_caller_identity_release(struct ship_caller_identity *id);

/*
 * Paginated calls (docs/retries.md, "Pages"): the request is sent again with the previous
 * answer's token until an answer has no token (or repeats the one sent), the callback returns
 * 1 (it has enough), or SHIP_AWS_MAX_PAGES pages were read; reading stops there without an
 * error. The callback sees each answer and returns 0 for the next page, 1 to stop, -1 to fail
 * (err filled). Every error of a call ends the paging with -1.
 */
#define SHIP_AWS_MAX_PAGES 100
typedef int (*ship_json_page_fn)(void *ctx, json_t *response, struct ship_err *err);
typedef int (*ship_xml_page_fn)(void *ctx, const xmlNode *root, struct ship_err *err);
/* JSON 1.1: request is borrowed and not changed; the token is the member token_member (NULL:
 * "nextToken") in both the request and the answer. */
int ship_aws_json_pages(struct ship_aws *aws, enum ship_service svc, const char *operation,
			const json_t *request, const char *token_member, ship_json_page_fn fn,
			void *ctx, struct ship_err *err);
/* Query and EC2: params (may be NULL) plus token_param ("NextToken", "Marker") set from the
 * answer's text at token_path ("DescribeStackEventsResult/NextToken", "nextToken"). */
int ship_aws_query_pages(struct ship_aws *aws, enum ship_service svc, const char *action,
			 const struct ship_params *params, const char *token_param,
			 const char *token_path, ship_xml_page_fn fn, void *ctx,
			 struct ship_err *err);

/*
 * One plain HTTP exchange through the client's transport: not signed, not retried, wire-logged
 * (redacted). For the credential providers (IMDS, container credentials).
 */
int ship_aws_http(struct ship_aws *aws, const struct ship_http_request *req,
		  struct ship_http_response *resp, struct ship_err *err);

/* The shared config/credentials files, loaded once by ship_aws_new. */
struct ship_aws_config;
const struct ship_aws_config *ship_aws_config(const struct ship_aws *aws);

/* Call statistics, for --debug summaries and benchmarks. */
struct ship_aws_stats {
	long calls;    /* logical calls */
	long attempts; /* HTTP attempts including retries */
	long retries;
	long throttled;
	long rate_waits; /* attempts that waited for the client's own ECS token bucket */
};
void ship_aws_stats(const struct ship_aws *aws, struct ship_aws_stats *out);

/*
 * A new idempotency token (a random UUID, 36 characters) into out (size >= 37) for the ECS calls
 * that take a clientToken (CreateService, RunTask): made once per logical call and sent
 * unchanged by every retry, so that ECS runs the call once however often it arrives.
 */
int ship_aws_client_token(char *out, size_t size);

/*
 * Whether an operation only reads (Describe*, List*, Get*, Filter*, Validate*). Every other one
 * is sent on a new connection, so that the transport never resends it on its own after a lost
 * answer (see docs/retries.md).
 */
int ship_aws_operation_reads_only(const char *operation);

/* The resolved maximum number of attempts per call (options, AWS_MAX_ATTEMPTS, profile, 3). */
int ship_aws_max_attempts(const struct ship_aws *aws);
/* Tokens left in the client's retry quota (500 when full; see docs/retries.md). */
int ship_aws_retry_quota(const struct ship_aws *aws);

#endif
