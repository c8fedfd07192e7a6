/*
 * config.h: ecship.yml (schema in docs/config.md). Loading renders every string value through
 * the variable resolver, applies the `environments: {<env>: {...}}` override for the selected
 * environment, resolves relative paths against the file's directory, and reports every problem
 * (unknown keys with a suggestion, wrong types, unresolved variables) with line and column.
 * Depends on libyaml (through lib/private/yamltree.h), vars.h, diag.h; no AWS calls.
 */
#ifndef ECSHIP_CONFIG_H
#define ECSHIP_CONFIG_H

#include "ecship/diag.h"
#include "ecship/err.h"
#include "ecship/vars.h"

/* What the target-tracking policy of `autoscaling:` follows (docs/config.md#autoscaling). */
enum ship_as_metric {
	SHIP_AS_METRIC_NONE,	     /* no `target_tracking`: the scalable target only */
	SHIP_AS_METRIC_CPU,	     /* ECSServiceAverageCPUUtilization, percent */
	SHIP_AS_METRIC_MEMORY,	     /* ECSServiceAverageMemoryUtilization, percent */
	SHIP_AS_METRIC_ALB_REQUESTS, /* ALBRequestCountPerTarget, requests per target per minute */
};

/*
 * `autoscaling:` of a service: Application Auto Scaling owns its desired count between min and
 * max, and `ecship deploy` registers the scalable target (ecs:service:DesiredCount) and one
 * target-tracking policy. Limits checked at load: 0 <= min <= max <= 5000 (ECS's tasks per
 * service), max >= 1; a percent target in (0, 100]; a request target > 0; cooldowns whole
 * seconds 0..86400.
 */
struct ship_config_autoscaling {
	int set;		    /* the section is present */
	long min, max;		    /* MinCapacity, MaxCapacity */
	enum ship_as_metric metric; /* NONE: no policy */
	double target;		    /* TargetValue */
	long scale_in_cooldown;	    /* seconds; -1: not given (Application Auto Scaling's 300) */
	long scale_out_cooldown;    /* seconds; -1: not given (300) */
	int disable_scale_in;	    /* DisableScaleIn */
	unsigned line;		    /* where it is declared */
};

struct ship_config_service {
	char *name;               /* the ECS service name (fixed) */
	char *task_definition;    /* path of RegisterTaskDefinition input */
	char *service_definition; /* path of CreateService input; NULL when not given */
	char *container;          /* whose image --image/--tag replaces; NULL: the load-balanced
				     or only container */
	struct ship_config_autoscaling autoscaling; /* `autoscaling:` (its own, else the top
						       level's); set 0 when not given */
	unsigned line;            /* where it is declared in the config */
};

struct ship_config_param {
	char *key;
	char *value;
};

struct ship_config_listener_rule {
	int set;           /* the section is present */
	int priority_auto; /* priority: auto */
	long priority;     /* 1..50000; 0 when not given */
	char **host_headers;
	size_t n_host_headers;
	char **path_patterns;
	size_t n_path_patterns;
};

struct ship_config {
	char *path;        /* as given */
	char *dir;         /* its directory ("." for a bare name) */
	char *environment; /* the environment it was loaded for; NULL when none was set */
	char *region;      /* NULL when not set (then AWS_REGION etc.) */
	char *cluster;
	char *stack;          /* base stack; its Outputs are ${cfn:KEY}; NULL when not set */
	char *infra_template; /* path; NULL when not set */
	struct ship_config_param *infra_parameters;
	size_t n_infra_parameters;
	struct ship_config_listener_rule listener_rule;
	double timeout; /* seconds; SHIP_CONFIG_TIMEOUT_DEFAULT when not set */
	int timeout_set;
	struct ship_config_service *services; /* `service` + definitions, or `services:` */
	size_t n_services;
	char **variables; /* `variables:`: names a container's command may take from the
			     environment (render.c) */
	size_t n_variables;
};

#define SHIP_CONFIG_TIMEOUT_DEFAULT 600.0
#define SHIP_CONFIG_MAX_FILE ((size_t)1 << 20)

/*
 * Loads and renders a config. vars supplies variables (its ENVIRONMENT selects the override);
 * loading sets vars' "stack" and, when vars has none, AWS_REGION from `region`, so later
 * rendering of the definitions sees them. Every problem goes to diags; on any error returns
 * NULL with err (SHIP_ERR_INPUT summarising the first) — or a resolver failure's own code.
 */
struct ship_config *ship_config_load(const char *path, struct ship_vars *vars,
				     struct ship_diags *diags, struct ship_err *err);
/* The same from text; `path` names the file and anchors relative paths. */
struct ship_config *ship_config_parse(const char *path, struct ship_str text,
				      struct ship_vars *vars, struct ship_diags *diags,
				      struct ship_err *err);
/*
 * The keys a caller needs: each command of the tool needs only the ones it uses (`ecship infra`
 * none of them). Missing, they are reported like any other problem; not needed, they may be
 * absent (then cluster is NULL, n_services 0, a service's task_definition NULL).
 */
enum {
	SHIP_CONFIG_NEED_CLUSTER = 1u << 0, /* `cluster` */
	SHIP_CONFIG_NEED_SERVICE = 1u << 1, /* `service`, or a `services` list */
	SHIP_CONFIG_NEED_TASKDEF = 1u << 2, /* each service's `task_definition` */
};
#define SHIP_CONFIG_NEED_ALL                                                                       \
	(SHIP_CONFIG_NEED_CLUSTER | SHIP_CONFIG_NEED_SERVICE | SHIP_CONFIG_NEED_TASKDEF)
/* ship_config_load and ship_config_parse need them all; these take the caller's set. */
struct ship_config *ship_config_load_for(const char *path, unsigned need, struct ship_vars *vars,
					 struct ship_diags *diags, struct ship_err *err);
struct ship_config *ship_config_parse_for(const char *path, unsigned need, struct ship_str text,
					  struct ship_vars *vars, struct ship_diags *diags,
					  struct ship_err *err);
void ship_config_destroy(struct ship_config *cfg);

/* The service called name, or NULL. */
const struct ship_config_service *ship_config_service(const struct ship_config *cfg,
						      const char *name);

#endif
