/*
 * doctor.h: `ecship doctor`: the runbook's troubleshooting section (6.1-6.4) and more as
 * checks over the live account, each ending ok / warn / fail / skip with the evidence it saw
 * and the fix. Reads the base stack through its outputs, the rest through the rendered
 * definitions and the resources they name. Never prints; each check goes to a callback.
 */
#ifndef ECSHIP_DOCTOR_H
#define ECSHIP_DOCTOR_H

#include <jansson.h>

#include "ecship/aws.h"

enum ship_verdict {
	SHIP_VERDICT_OK,
	SHIP_VERDICT_WARN,
	SHIP_VERDICT_FAIL,
	SHIP_VERDICT_SKIP, /* not applicable, or nothing to check it against */
};

const char *ship_verdict_name(enum ship_verdict v); /* "ok", "warn", "fail", "skip" */

struct ship_check {
	char id[32]; /* stable: "security-group", "allowed-hosts", ... (docs/troubleshooting.md) */
	char title[128];
	enum ship_verdict verdict;
	char evidence[2048]; /* what was seen */
	char fix[1024];	     /* what to do ("" when ok) */
};

#define SHIP_DOCTOR_MAX_CHECKS 24

struct ship_doctor_report {
	struct ship_check v[SHIP_DOCTOR_MAX_CHECKS];
	size_t n;
	size_t counts[4]; /* per verdict */
};

typedef void (*ship_check_fn)(void *ctx, const struct ship_check *c);

struct ship_doctor_input {
	const char *cluster;
	const char *service;
	const json_t *taskdef;	   /* rendered RegisterTaskDefinition input (not validated) */
	const json_t *service_def; /* rendered CreateService input, or NULL */
	const char *stack;	   /* the base stack (ecship.yml `stack`), or NULL */
	const char *environment;   /* DEBUG is allowed only in development ones */
	long rule_priority;	   /* listener_rule.priority; 0 when none is configured */
	int rule_priority_auto;
	const char *const *host_headers; /* listener_rule.host_headers */
	size_t n_host_headers;
	ship_check_fn on_check; /* each check as it ends (may be NULL) */
	void *ctx;
};

/*
 * Runs every check. A check that cannot read what it needs (e.g. AccessDenied) ends as warn
 * with the error as evidence; -1 (err filled) only when the very first call shows AWS cannot be
 * reached at all (network, credentials).
 */
int ship_doctor_run(struct ship_aws *aws, const struct ship_doctor_input *in,
		    struct ship_doctor_report *rep, struct ship_err *err);

/* ---- pure parts, unit-tested ---------------------------------------------------------------- */

/* Whether an IAM trust policy (JSON text) lets ECS tasks assume the role. */
int ship_trust_allows_ecs_tasks(const char *policy_json);
/* Whether DEBUG's value turns Django's debug mode on ("1", "true", "yes", "on"). */
int ship_django_debug_on(const char *value);
/* Whether an environment name is a development one (dev, development, local, test). */
int ship_env_is_development(const char *env);
/* Whether an IPv4 CIDR contains an address; -1 when either does not parse. */
int ship_cidr_contains(const char *cidr, const char *ip);

#endif
