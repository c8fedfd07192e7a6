/*
 * taskdef.h: task and service definitions as JSON (jansson): cleaning describe-* output into
 * RegisterTaskDefinition input, replacing the image, validating before any call that changes
 * AWS, normalizing ECS defaults away for "same definition" checks, and a unified diff.
 * Pure functions: no AWS calls, no printing. Depends on jansson, diag.h, util.h, err.h.
 */
#ifndef ECSHIP_TASKDEF_H
#define ECSHIP_TASKDEF_H

#include <jansson.h>

#include "ecship/diag.h"
#include "ecship/err.h"
#include "ecship/util.h"

/* ---- images -------------------------------------------------------------------------------- */

/* [registry[:port]/]path[:tag][@digest]; views into the parsed string. */
struct ship_image_ref {
	struct ship_str name;   /* everything before the tag and digest */
	struct ship_str tag;    /* without ':'; len 0 when absent */
	struct ship_str digest; /* "sha256:..." without '@'; len 0 when absent */
};

/* 0 ok; -1 when ref is empty or malformed (spaces, empty name, bad tag). */
int ship_image_parse(struct ship_str ref, struct ship_image_ref *out);
/* Nonzero when tag is a valid image tag (or a "sha256:<64 hex>" digest). */
int ship_image_tag_valid(struct ship_str tag);
/* Appends ref with its tag (and digest) replaced: name:tag, or name@sha256:... for a digest. */
int ship_image_with_tag(struct ship_str ref, struct ship_str tag, struct ship_buf *out,
			struct ship_err *err);

/* ---- loading ------------------------------------------------------------------------------- */

/*
 * Turns a task definition document into RegisterTaskDefinition input, in place: unwraps the
 * {"taskDefinition": {...}} of describe-task-definition output (keeping its "tags"), and drops
 * the read-only fields (taskDefinitionArn, revision, status, requiresAttributes, compatibilities,
 * registeredAt, registeredBy, deregisteredAt, deleteRequestedAt), adding one note per document
 * to notes. Returns the input object (a new reference), or NULL with err (not an object).
 */
json_t *ship_taskdef_prepare(json_t *doc, const char *file, struct ship_diags *notes,
			     struct ship_err *err);
/* The same for CreateService input: unwraps {"services": [one]} / {"service": {...}} and drops
 * describe-services fields that CreateService does not take (serviceArn, status, events, ...). */
json_t *ship_servicedef_prepare(json_t *doc, const char *file, struct ship_diags *notes,
				struct ship_err *err);

/*
 * Replaces the image (image != NULL) or only its tag (tag != NULL) of the container the service
 * definition's first loadBalancers entry names, or of the only container. More than one
 * container and no load balancer entry (or a name that matches none) is SHIP_ERR_INPUT listing
 * the containers. Adds a note naming the container and the new image.
 */
int ship_taskdef_set_image(json_t *td, const json_t *service_def, const char *image,
			   const char *tag, struct ship_diags *notes, struct ship_err *err);
/* The same with the container named (the config's `container:`; NULL: as above). */
int ship_taskdef_set_image_in(json_t *td, const json_t *service_def, const char *container,
			      const char *image, const char *tag, struct ship_diags *notes,
			      struct ship_err *err);

/* ---- validation ---------------------------------------------------------------------------- */

/* Fargate: whether cpu units / memory MiB is a supported pair. */
int ship_fargate_size_ok(long cpu_units, long memory_mib);
/* "256", "1 vCPU", ".25 vcpu" -> units; "512", "2 GB", "0.5GB" -> MiB. 0 ok, -1 unparseable. */
int ship_parse_cpu(const char *s, long *units);
int ship_parse_memory(const char *s, long *mib);

#define SHIP_TASKDEF_MAX_BYTES 65536 /* RegisterTaskDefinition request limit */

/*
 * Checks a task definition (RegisterTaskDefinition input) and, when given, the service
 * definition it is deployed with. Every problem goes to diags as an error or warning with a fix;
 * file names the task definition file in them (may be NULL). Returns the number of errors.
 */
size_t ship_taskdef_validate(const json_t *td, const json_t *service_def, const char *file,
			     struct ship_diags *diags);

/*
 * Checks a request of op ("RegisterTaskDefinition", "CreateService", "UpdateService", "RunTask")
 * against botocore's ECS model (compiled in; scripts/gen-ecs-model): member types, enum values,
 * required members, at any depth. Each problem goes to diags as an error naming op, the member's
 * path and the fix. Returns the number of problems. Unknown members are left to the validator.
 */
size_t ship_ecs_model_check(const char *op, const json_t *req, const char *file,
			    struct ship_diags *diags);

/*
 * The same against a model parsed once (about 26 KB of JSON, half a millisecond to parse): a
 * render of many services checks each against one. ship_ecs_model_new returns NULL when out of
 * memory; ship_ecs_model_check_in with a NULL model parses its own, as ship_ecs_model_check.
 */
struct ship_ecs_model;
struct ship_ecs_model *ship_ecs_model_new(void);
void ship_ecs_model_destroy(struct ship_ecs_model *m);
size_t ship_ecs_model_check_in(const struct ship_ecs_model *m, const char *op, const json_t *req,
			       const char *file, struct ship_diags *diags);

/* ---- comparison ---------------------------------------------------------------------------- */

/*
 * ECS's defaults: one row per member ECS fills in when a request leaves it out, from
 * data/ecs-defaults.tsv (compiled in). op is "RegisterTaskDefinition", "CreateService" or
 * "UpdateService"; path "a.b[].c"; when "" or "KEY=V1|V2" on the root ("-": left out); value a
 * JSON text or "=MEMBER" (equal to that member of the same object); other a non-default value;
 * source the documentation page that states it.
 */
struct ship_ecs_default {
	const char *op, *path, *when, *value, *other, *source;
};
const struct ship_ecs_default *ship_ecs_defaults(size_t *n);
/* Deletes from doc every member equal to its default (task definition rows, or service rows when
 * service), conditions read on root. 0 ok, -1 out of memory. */
int ship_ecs_defaults_drop(json_t *doc, const json_t *root, int service);
/* The default of op's member at path (new reference), or NULL when the table has none. */
json_t *ship_ecs_default_value(const char *op, const char *path, const json_t *root);
/*
 * The service definition as ecship sends it to CreateService (new reference): the file plus what
 * ecship adds (the deployment circuit breaker with rollback, unless the file sets one). diff and
 * deploy compare this, not the bare file, so what ecship adds is never drift.
 */
json_t *ship_servicedef_request(const json_t *service_def);
/*
 * The members of UpdateService (botocore's UpdateServiceRequest) that bring the live service
 * (DescribeServices) to the service definition, compared normalized exactly as `diff` does:
 * *members (new reference; an empty object when nothing differs) holds each differing member as
 * the file writes it (left out: ECS's default). desiredCount and taskDefinition are the deploy's.
 * A difference ECS cannot apply in place (schedulingStrategy, deploymentController, role,
 * serviceName, cluster, launchType) is SHIP_ERR_INPUT naming it and what to do. 0 / -1.
 */
int ship_servicedef_update(const json_t *service_def, const json_t *live, json_t **members,
			   struct ship_err *err);

/*
 * A normalized copy (new reference) of a task definition as submitted or as returned by
 * DescribeTaskDefinition: read-only fields and ECS defaults removed (the rows of
 * data/ecs-defaults.tsv: essential true, tcp, hostPort 0 in bridge mode and equal to
 * containerPort in awsvpc and host mode, EFS rootDirectory "/", ...; empty arrays and objects), cpu and memory as unit strings, requiresCompatibilities
 * sorted, environment and secrets sorted by name. NULL when out of memory or not an object.
 */
json_t *ship_taskdef_normalize(const json_t *td);
/* 1 when both normalize to the same definition, 0 when not, -1 out of memory. */
int ship_taskdef_same(const json_t *a, const json_t *b);
/* The same idea for a service: CreateService input vs a DescribeServices service (whose
 * serviceConnectConfiguration, volumeConfigurations and vpcLatticeConfigurations are taken from
 * its PRIMARY deployment, where DescribeServices returns them). */
json_t *ship_servicedef_normalize(const json_t *svc);

/*
 * Appends a unified diff (3 lines of context) of two JSON documents, each pretty-printed with
 * sorted keys, labelled a and b. Returns 0 when equal (nothing appended), 1 when they differ,
 * -1 out of memory (err filled).
 */
int ship_json_diff(const json_t *a, const json_t *b, const char *label_a, const char *label_b,
		   struct ship_buf *out, struct ship_err *err);
/* The same on two texts, line by line. */
int ship_text_diff(struct ship_str a, struct ship_str b, const char *label_a,
		   const char *label_b, struct ship_buf *out, struct ship_err *err);

#endif
