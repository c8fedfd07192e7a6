/*
 * infra.h: the base stack (runbook section 1) made safe: CloudFormation create or change set
 * with a deterministic name, "no changes" recognised in both of its forms, waits that report
 * only new stack events, the failed resources' reasons, and the VPC quota preflight (section
 * 6.1). The pure parts (names, capabilities, parameters, status classes, the quota decision,
 * the subnet choice) are separate so they are unit-tested. Never prints; calls go through aws.h.
 */
#ifndef ECSHIP_INFRA_H
#define ECSHIP_INFRA_H

#include <stddef.h>

#include "ecship/aws.h"
#include "ecship/err.h"

/* ---- parameters ------------------------------------------------------------------------------ */

struct ship_kv {
	char *key;
	char *value;
};

/* An ordered list of stack parameters; a later set of the same key replaces the value. */
struct ship_kvs {
	struct ship_kv *v;
	size_t n;
};

void ship_kvs_release(struct ship_kvs *l); /* accepts a zeroed list */
int ship_kvs_set(struct ship_kvs *l, const char *key, const char *value);
/* "KEY=VALUE" (from --parameter); SHIP_ERR_INPUT when there is no '=' or the key is empty. */
int ship_kvs_set_arg(struct ship_kvs *l, const char *arg, struct ship_err *err);
const char *ship_kvs_get(const struct ship_kvs *l, const char *key); /* NULL when absent */

/* ---- pure planning ------------------------------------------------------------------------- */

#define SHIP_CAP_IAM 1u		/* CAPABILITY_IAM */
#define SHIP_CAP_NAMED_IAM 2u	/* CAPABILITY_NAMED_IAM */
#define SHIP_CAP_AUTO_EXPAND 4u /* CAPABILITY_AUTO_EXPAND */

/*
 * The capabilities a template needs: IAM when it declares an AWS::IAM:: resource, NAMED_IAM when
 * it also names one (RoleName, UserName, GroupName, ManagedPolicyName, InstanceProfileName),
 * AUTO_EXPAND for a Transform. Scans the text (YAML or JSON), so it errs on the side of asking.
 */
unsigned ship_infra_capabilities(struct ship_str template_body);

/*
 * The change set name for this template and these parameters: "ecship-<stack>-<16 hex>", the hex
 * from SHA-256 over the template and the parameters sorted by key. The same input always gives
 * the same name, never a time or a random one. out must hold SHIP_CHANGESET_NAME_MAX bytes.
 */
#define SHIP_CHANGESET_NAME_MAX 129
int ship_infra_changeset_name(const char *stack, struct ship_str template_body,
			      const struct ship_kvs *params, char *out, size_t size);
/* Whether name is one of ours for this stack (a stale one may be deleted). */
int ship_infra_changeset_is_ours(const char *stack, const char *name);

/*
 * Whether a template declares a parameter (a top-level "Parameters" key named `name`, in YAML or
 * JSON) and a resource of exactly this type (e.g. "AWS::EC2::VPC", not AWS::EC2::VPCEndpoint).
 */
int ship_infra_template_has_parameter(struct ship_str template_body, const char *name);
int ship_infra_template_has_type(struct ship_str template_body, const char *type);

/* The parameters of cloudformation/ecs-cluster.yml that select an existing VPC. */
#define SHIP_INFRA_EXISTING_VPC "ExistingVpcId"
extern const char *const ship_infra_existing_subnet_params[4]; /* public 1, 2, private 1, 2 */

/*
 * Whether deploying with these parameters creates a VPC: the template declares AWS::EC2::VPC and
 * ExistingVpcId is not given (or the template has no such parameter).
 */
int ship_infra_creates_vpc(struct ship_str template_body, const struct ship_kvs *params);
/*
 * With ExistingVpcId given, the four Existing*SubnetId parameters must be given too (the
 * template's Rules say so to CloudFormation; this says it before any call). Returns the number
 * of missing ones and lists them, comma-separated, in `missing`.
 */
size_t ship_infra_missing_subnet_params(const struct ship_kvs *params, char *missing, size_t size);

enum ship_stack_class {
	SHIP_STACK_CLASS_UNKNOWN,
	SHIP_STACK_CLASS_BUSY,	      /* *_IN_PROGRESS: wait */
	SHIP_STACK_CLASS_OK,	      /* CREATE/UPDATE/IMPORT_COMPLETE: usable, deploy updates it */
	SHIP_STACK_CLASS_ROLLED_BACK, /* UPDATE_ROLLBACK_COMPLETE: usable, the last update failed */
	SHIP_STACK_CLASS_DEAD,	      /* ROLLBACK_COMPLETE, *_FAILED: only deleting helps */
	SHIP_STACK_CLASS_DELETED,     /* DELETE_COMPLETE */
	SHIP_STACK_CLASS_REVIEW, /* REVIEW_IN_PROGRESS: created by a change set never executed */
};
enum ship_stack_class ship_stack_classify(const char *status);

/*
 * Whether a change set or update error means "nothing to change": a FAILED change set whose
 * StatusReason says the submitted information contained no changes, or "No updates are to be
 * performed.", or moto's ValidationError with either text.
 */
int ship_infra_is_no_changes(const char *reason);

/* ---- stacks -------------------------------------------------------------------------------- */

struct ship_stack_output {
	char *key, *value, *description, *export_name;
};

struct ship_stack {
	char *id, *name, *status, *status_reason;
	struct ship_kvs params;
	struct ship_stack_output *outputs;
	size_t n_outputs;
};

void ship_stack_release(struct ship_stack *s); /* accepts a zeroed struct */
const char *ship_stack_output(const struct ship_stack *s, const char *key);

/* DescribeStacks: 1 found (out filled), 0 no such stack, -1 error. */
int ship_stack_describe(struct ship_aws *aws, const char *name, struct ship_stack *out,
			struct ship_err *err);

struct ship_stack_event {
	char *id, *timestamp, *logical_id, *physical_id, *type, *status, *reason;
};
struct ship_stack_events {
	struct ship_stack_event *v;
	size_t n;
};
void ship_stack_events_release(struct ship_stack_events *e);

/* The id of the newest event of the stack ("" when none), to report only newer ones later. */
int ship_stack_last_event(struct ship_aws *aws, const char *stack, char *out, size_t size,
			  struct ship_err *err);

/* The stack's newest events, at most n, newest first as CloudFormation gives them. */
int ship_stack_events_recent(struct ship_aws *aws, const char *stack, size_t n,
			     struct ship_stack_events *out, struct ship_err *err);

/*
 * The variable source of ${cfn:KEY} (vars.h's ship_cfn_output_fn, with a struct
 * ship_stack_vars as its ctx): an Output of the stack, read with DescribeStacks once and then
 * from the cache. The client comes from aws(ctx) on first use, so files without ${cfn:KEY}
 * cause no client and no call. A missing stack is SHIP_ERR_INPUT naming the fix.
 */
struct ship_stack_vars {
	struct ship_aws *(*aws)(void *ctx, struct ship_err *err);
	void *ctx;
	/* the cache (private) */
	char *name;
	struct ship_stack stack;
};
int ship_stack_vars_output(void *vars, const char *stack, struct ship_str key, struct ship_buf *out,
			   struct ship_err *err);
void ship_stack_vars_release(struct ship_stack_vars *v); /* accepts a zeroed struct */

/* A deploy's input: the template text and the parameters to pass (the rest keep defaults). */
struct ship_stack_input {
	const char *stack;
	struct ship_str template_body;
	const struct ship_kvs *params;
	unsigned capabilities; /* SHIP_CAP_* */
};

/* CreateStack; id receives the StackId. */
int ship_stack_create(struct ship_aws *aws, const struct ship_stack_input *in, char *id,
		      size_t id_size, struct ship_err *err);

struct ship_change {
	char *action; /* Add, Modify, Remove, Import, Dynamic */
	char *logical_id;
	char *physical_id;
	char *type;
	char *replacement; /* True, False, Conditional; NULL for Add/Remove */
};

struct ship_changeset {
	char name[SHIP_CHANGESET_NAME_MAX];
	char *id;
	char *status;		/* CREATE_COMPLETE, FAILED, ... */
	char *execution_status; /* AVAILABLE, UNAVAILABLE, ... */
	char *reason;
	int no_changes; /* the changes set is empty by AWS's own verdict */
	struct ship_change *changes;
	size_t n_changes;
};
void ship_changeset_release(struct ship_changeset *cs);
/* "replaces" or "deletes" when the change replaces (Replacement True or Conditional) or removes
 * the VPC, a subnet, the load balancer or the cluster; NULL otherwise. */
const char *ship_change_destroys(const struct ship_change *c);

struct ship_changeset_opts {
	double timeout; /* for the change set to be computed; 0: 300 s */
	int (*cancelled)(void *ctx);
	void *ctx;
};

/*
 * Creates the UPDATE change set with the deterministic name (deleting a stale one of ours with
 * the same name first, and any other stale ones of ours), waits until it is computed and
 * describes it. "No changes", in either form, is cs->no_changes with return 0 (the empty change
 * set is then deleted). Other failures: -1, with the reason.
 */
int ship_stack_changeset(struct ship_aws *aws, const struct ship_stack_input *in,
			 const struct ship_changeset_opts *o, struct ship_changeset *cs,
			 struct ship_err *err);
int ship_stack_changeset_execute(struct ship_aws *aws, const char *stack,
				 const struct ship_changeset *cs, struct ship_err *err);
int ship_stack_changeset_delete(struct ship_aws *aws, const char *stack, const char *name,
				struct ship_err *err);

int ship_stack_delete(struct ship_aws *aws, const char *stack, struct ship_err *err);

typedef void (*ship_stack_event_fn)(void *ctx, const struct ship_stack_event *e);

struct ship_stack_wait_opts {
	double timeout;		      /* seconds from the start of the wait */
	double interval;	      /* between polls; 0: 5 s */
	ship_stack_event_fn on_event; /* each new event, oldest first (may be NULL) */
	int (*cancelled)(void *ctx);
	void *ctx;
	const char *since_event; /* the newest event before the operation ("" for all) */
};

enum ship_stack_wait_end {
	SHIP_STACK_WAIT_DONE, /* a terminal status: see final->status */
	SHIP_STACK_WAIT_TIMEOUT,
	SHIP_STACK_WAIT_INTERRUPTED,
	SHIP_STACK_WAIT_GONE, /* the stack no longer exists (after a delete: success) */
};

/*
 * Polls DescribeStacks and DescribeStackEvents until the stack leaves *_IN_PROGRESS, reporting
 * each new event. final receives the last description; failed the events of this operation
 * whose status ends in _FAILED (oldest first) — the resources and their reasons.
 */
int ship_stack_wait(struct ship_aws *aws, const char *stack, const struct ship_stack_wait_opts *o,
		    enum ship_stack_wait_end *end, struct ship_stack *final,
		    struct ship_stack_events *failed, struct ship_err *err);

/* ---- VPC quota preflight ------------------------------------------------------------------- */

#define SHIP_VPC_QUOTA_CODE "L-F678F1CE"
#define SHIP_VPC_QUOTA_DEFAULT 5.0

struct ship_subnet_info {
	char *id, *az, *cidr, *name;
	int is_public; /* its route table sends 0.0.0.0/0 to an internet gateway */
};

struct ship_vpc_info {
	char *id, *cidr, *name;
	int is_default;
	struct ship_subnet_info *subnets;
	size_t n_subnets;
};

struct ship_vpc_list {
	struct ship_vpc_info *v;
	size_t n;
};
void ship_vpc_list_release(struct ship_vpc_list *l);

/* The region's VPCs with their subnets, public or not (DescribeVpcs, Subnets, RouteTables). */
int ship_vpc_list(struct ship_aws *aws, struct ship_vpc_list *out, struct ship_err *err);

struct ship_vpc_quota {
	long count;	       /* VPCs in the region */
	double quota;	       /* the applied quota, or SHIP_VPC_QUOTA_DEFAULT */
	int from_api;	       /* Service Quotas answered */
	char why_default[512]; /* when not from_api: the error that made us fall back */
};

/* Counts the VPCs and asks Service Quotas (vpc, L-F678F1CE); any error there falls back to 5. */
int ship_vpc_quota_get(struct ship_aws *aws, struct ship_vpc_quota *q, struct ship_err *err);

/* 1 when one more VPC would exceed the quota (count >= quota), else 0. */
int ship_vpc_quota_full(long count, double quota);

/*
 * Picks the four Existing*SubnetId values for reusing vpc: two public subnets in different AZs
 * for the load balancer and two non-public ones in different AZs for the tasks (public ones when
 * there are not two such). Deterministic (subnets ordered by AZ, then id). Returns 0 with
 * ids[0..3] borrowed from vpc (public 1, 2, private 1, 2), -1 when the VPC has no two AZs.
 */
int ship_vpc_pick_subnets(const struct ship_vpc_info *vpc, const char *ids[4]);

#endif
