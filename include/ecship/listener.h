/*
 * listener.h: ALB listener rules with fixed, conflict-free priorities (runbook 6.2). A rule of
 * ours carries the tag ecship:rule = <cluster>/<service>, so it is updated in place, never
 * duplicated; a priority held by someone else's rule is reported before any create call; and
 * `priority: auto` takes the lowest free priority, retrying when a concurrent caller wins.
 * The choice of priority and the comparison of rules are pure and unit-tested. Never prints.
 */
#ifndef ECSHIP_LISTENER_H
#define ECSHIP_LISTENER_H

#include <stddef.h>

#include "ecship/aws.h"
#include "ecship/err.h"

#define SHIP_RULE_TAG "ecship:rule"
#define SHIP_RULE_PRIORITY_MAX 50000

struct ship_rule_condition {
	char *field; /* host-header, path-pattern, http-header, ... */
	char **values;
	size_t n_values;
};

struct ship_listener_rule {
	char *arn;
	long priority; /* 0 for the default rule */
	int is_default;
	struct ship_rule_condition *conds;
	size_t n_conds;
	char *action_type;  /* the first action's type: forward, redirect, fixed-response */
	char *target_group; /* the first forward action's target group, or NULL */
	/* a forward to two target groups, as ECS re-weights the production and test rules of a
	 * BLUE_GREEN, LINEAR or CANARY service (blue and green): the second one, or NULL; the
	 * weights of both (ForwardConfig; 0..999) */
	char *alt_target_group;
	long weight, alt_weight;
	size_t n_actions;
	char *owner; /* tag ecship:rule, NULL when the rule has none */
};

struct ship_rule_list {
	struct ship_listener_rule *v; /* by priority, the default rule last */
	size_t n;
};
void ship_rule_list_release(struct ship_rule_list *l); /* accepts a zeroed list */

/* DescribeRules (every page) and DescribeTags (20 rules per call) for one listener. */
int ship_rules_list(struct ship_aws *aws, const char *listener_arn, struct ship_rule_list *out,
		    struct ship_err *err);

/* The non-default rule at priority p, or NULL. */
const struct ship_listener_rule *ship_rules_at(const struct ship_rule_list *l, long p);
/* The lowest-priority rule whose owner tag is owner, or NULL. */
const struct ship_listener_rule *ship_rules_owned(const struct ship_rule_list *l,
						  const char *owner);
/* The lowest priority >= from that no rule holds; -1 when every one up to 50000 is taken. */
long ship_rules_pick_priority(const struct ship_rule_list *l, long from);

/* What a rule of ours must look like. */
struct ship_rule_spec {
	const char *listener_arn;
	const char *owner; /* "<cluster>/<service>": the tag value */
	long priority;	   /* 1..50000; ignored when priority_auto */
	int priority_auto;
	long auto_from; /* with priority_auto: the lowest priority to consider (0: 1) */
	const char *const *host_headers;
	size_t n_host_headers;
	const char *const *path_patterns;
	size_t n_path_patterns;
	const char *target_group_arn;
	int max_attempts; /* create attempts with priority_auto; 0: 10 */
	/* the service has a deployment in progress: a rule of ours that ECS re-weights (two
	 * target groups) is not changed then (SHIP_RULE_BUSY) */
	int deployment_in_progress;
};

/*
 * Whether rule r already has the spec's conditions (host-header and path-pattern values as sets,
 * hosts compared without case, and no other condition) and forwards to its target group only,
 * or, for a rule ECS re-weights (two target groups), to the spec's among its two, whatever the
 * weights (ECS developer guide, "Amazon ECS blue/green service deployments": ECS moves the
 * production and test rules' weights between the primary and the alternate target group).
 */
int ship_rule_matches(const struct ship_listener_rule *r, const struct ship_rule_spec *s);

enum ship_rule_outcome {
	SHIP_RULE_CREATED,
	SHIP_RULE_UPDATED, /* conditions, target group or priority changed */
	SHIP_RULE_UNCHANGED,
	SHIP_RULE_CONFLICT, /* the fixed priority is held by a rule that is not ours */
	SHIP_RULE_BUSY,	    /* ours is re-weighted by ECS (two target groups) and a deployment is
			       in progress, or its weights are mid-shift: a needed change was not
			       made (res->busy_rule) */
};

struct ship_rule_result {
	enum ship_rule_outcome outcome;
	long priority;				   /* ours, after the call */
	char arn[512];				   /* ours, after the call ("" on conflict) */
	struct ship_rule_list rules;		   /* the listener's rules as last listed */
	const struct ship_listener_rule *conflict; /* into rules, on conflict */
	const struct ship_listener_rule *busy_rule; /* into rules, when BUSY */
	int attempts;				   /* CreateRule calls */
	int duplicates_removed;
};
void ship_rule_result_release(struct ship_rule_result *r);

/*
 * Makes the listener hold exactly one rule of ours matching spec. Nothing is created or
 * changed on a conflict (outcome CONFLICT, return 0). A rule of ours that forwards to two target
 * groups belongs to ECS's traffic shifting: its actions are never replaced (a change of
 * conditions or priority keeps them), and while its weights are mid-shift or the spec says a
 * deployment is in progress nothing is changed (outcome BUSY, return 0). Errors: SHIP_ERR_INPUT for
 * a spec without conditions or target group, AWS errors as they come.
 */
int ship_rule_ensure(struct ship_aws *aws, const struct ship_rule_spec *spec,
		     struct ship_rule_result *res, struct ship_err *err);

#endif
