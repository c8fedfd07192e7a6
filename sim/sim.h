/*
 * sim.h: ecship-sim's internal model and the functions its files share: clusters, task
 * definitions, services, deployments, tasks, events, log lines, faults and logs of requests.
 * One struct sim per process, guarded by sim.lock; every function here expects the lock held
 * unless it says otherwise. Depends on lib/util, jansson and pure.h; never on the tool (src/).
 */
#ifndef ECSHIP_SIM_SIM_H
#define ECSHIP_SIM_SIM_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "ecship/util.h"
#include "ecship/xml.h"
#include "pure.h"

/* ---- limits (bounded memory) ---------------------------------------------------------------- */
#define SIM_MAX_BODY ((size_t)1 << 20)  /* request body */
#define SIM_MAX_CLUSTERS 100
#define SIM_MAX_TASKDEFS 5000           /* revisions, all families */
#define SIM_MAX_SERVICES 500
#define SIM_MAX_LIVE_TASKS 2000         /* not yet STOPPED */
#define SIM_MAX_STOPPED_TASKS 1000      /* kept for DescribeTasks, oldest dropped first */
#define SIM_MAX_EVENTS 100              /* per service, like ECS */
#define SIM_MAX_LOG_LINES 80            /* per task */
#define SIM_MAX_RULES 64
#define SIM_MAX_FAULTS 64
#define SIM_REQLOG_CAP 10000
#define SIM_ROLLOG_CAP 5000

/* ---- model ---------------------------------------------------------------------------------- */

enum sim_timing { SIM_TIMING_ECS, SIM_TIMING_FAST };

/* A target group's health-check settings (ELBv2 attributes), as the engine applies them. */
struct sim_tg_params {
	double interval, timeout, drain; /* HealthCheckIntervalSeconds, ..TimeoutSeconds, deregistration_delay */
	int healthy, unhealthy;          /* HealthyThresholdCount, UnhealthyThresholdCount */
	int upstream;                    /* read from the upstream's target group */
};


struct sim_rule {
	char *match;
	struct sim_behavior behavior;
	struct sim_rule *next;
};

struct sim_cluster {
	char *name, *arn;
	int active;
	int adopted; /* found upstream */
	json_t *tags; /* array of {key,value} */
	json_t *settings;
	struct sim_cluster *next;
};

struct sim_taskdef {
	char *family, *arn;
	int revision;
	int active;
	double registered_at, deregistered_at;
	json_t *def;  /* the rendered TaskDefinition */
	json_t *tags;
	/* a log group or secret it names that the upstream lacks (ecs.c, check_task_resources):
	 * its tasks stop with this ResourceInitializationError; SIM_B_OK and NULL: none */
	enum sim_behavior_kind missing_kind;
	char *missing_reason;
	double missing_checked_at; /* simulated time of the last check; 0: never */
	struct sim_taskdef *next;
};

enum sim_rollout { SIM_RO_IN_PROGRESS, SIM_RO_COMPLETED, SIM_RO_FAILED };

struct sim_deployment {
	char id[40];
	int primary;
	struct sim_taskdef *td;
	int desired;
	int failed;         /* failedTasks */
	int launch_stopped; /* breaker tripped: no more launches */
	enum sim_rollout rollout;
	char *reason;
	double created_at, updated_at;
	json_t *network;
	char rev_arn[200]; /* its service revision */
	char tg_arn[300];  /* the target group its tasks register in ("" = the service's first) */
	struct sim_deployment *next;
};

/* A service revision (what a deployment runs), frozen when made; deployments.c. */
struct sim_rev {
	char arn[200], dep_id[40];
	json_t *doc; /* the ServiceRevision as DescribeServiceRevisions answers it */
	struct sim_rev *next;
};

enum sim_strategy { SIM_STRAT_ROLLING, SIM_STRAT_BLUE_GREEN, SIM_STRAT_LINEAR, SIM_STRAT_CANARY };

enum sim_sdep_status {
	SIM_SD_PENDING,
	SIM_SD_SUCCESSFUL,
	SIM_SD_STOPPED,
	SIM_SD_STOP_REQUESTED,
	SIM_SD_IN_PROGRESS,
	SIM_SD_ROLLBACK_REQUESTED,
	SIM_SD_ROLLBACK_IN_PROGRESS,
	SIM_SD_ROLLBACK_SUCCESSFUL,
	SIM_SD_ROLLBACK_FAILED
};

/* A service deployment: the move from the source revisions to the target one; deployments.c. */
struct sim_sdep {
	char arn[256], target_rev[200], target_dep[40], rollback_rev[200], rollback_dep[40];
	json_t *sources; /* [{arn, dep}] the revisions running when it started */
	enum sim_sdep_status status;
	char *reason, *rollback_reason;
	double created_at, started_at, finished_at, stopped_at, updated_at, rollback_at;
	int min_pct, max_pct, breaker, rollback, tripped;
	/* the deployment strategy (strategies.c): dc keeps the strategy part of the service's
	 * deploymentConfiguration as it was; bg = 1 when the blue/green machine runs (not for ROLLING
	 * nor for a service's first deployment, which has no blue) */
	int strategy, bg, stage, pre_done;
	double stage_at, step_at, bake_until;
	double prod_pct, test_pct; /* green's share of production / test traffic now */
	json_t *dc, *hook_details, *stages, *triggered;
	char blue_tg[300], green_tg[300], prod_rule[300], test_rule[300];
	struct sim_sdep *next; /* newest first */
};

struct sim_event {
	char id[40];
	double at;
	char *message;
};

enum sim_svc_status { SIM_SVC_ACTIVE, SIM_SVC_DRAINING, SIM_SVC_INACTIVE };

struct sim_service {
	struct sim_cluster *cluster;
	char *name, *arn;
	enum sim_svc_status status;
	int desired;
	struct sim_taskdef *td;
	char *launch_type;
	json_t *network;        /* networkConfiguration or NULL */
	json_t *load_balancers; /* array */
	json_t *tags;
	int min_pct, max_pct, breaker, rollback;
	int grace;
	double created_at;
	struct sim_deployment *deployments; /* the PRIMARY first */
	char last_completed_id[40], last_completed_rev[200];
	struct sim_taskdef *last_completed_td;
	double last_completed_created;
	int stuck_reported; /* the "unable to stop or start tasks" event was posted for this stall */
	struct sim_tg_params tg; /* its target group's health checks (ECS timing) */
	struct sim_rev *revs;    /* its service revisions, newest first */
	struct sim_sdep *sdeps;  /* its service deployments, newest first */
	char *platform_version;  /* as given, else NULL */
	json_t *cps;             /* capacityProviderStrategy as given, else NULL */
	int code_deploy;         /* deploymentController CODE_DEPLOY */
	int strategy;            /* enum sim_strategy */
	json_t *dc_extra;        /* strategy, bakeTimeInMinutes, linear/canaryConfiguration, lifecycleHooks, alarms */
	char prod_tg[300];       /* the target group serving production (swaps after each blue/green deployment) */
	int start_failures;      /* tasks in a row that failed before RUNNING (service throttle) */
	int replaced_unhealthy;  /* tasks stopped for failed health checks, not yet replaced */
	int unplaced_reported;   /* the "unable to place a task" event was posted for this stall */
	double launch_after;     /* no launches before this simulated time (service throttle) */
	struct sim_event events[SIM_MAX_EVENTS]; /* ring, newest at events[(ev_head - 1) % MAX] */
	int ev_head, ev_count;
	int steady;
	/* its tasks (a sublist of sim.tasks in the same order, through svc_next): a pass over one
	 * service visits its own tasks, not every task of the account */
	struct sim_task *tasks, *tasks_tail;
	struct sim_service *next;
};

enum sim_phase {
	SIM_PROVISIONING,
	SIM_PENDING,
	SIM_ACTIVATING,
	SIM_RUNNING,
	SIM_DEACTIVATING,
	SIM_STOPPING,
	SIM_DEPROVISIONING,
	SIM_STOPPED
};

enum sim_target { SIM_TG_NONE, SIM_TG_INITIAL, SIM_TG_HEALTHY, SIM_TG_UNHEALTHY, SIM_TG_DRAINING };
enum sim_health { SIM_H_UNKNOWN, SIM_H_HEALTHY, SIM_H_UNHEALTHY };

struct sim_logline {
	double at;
	char *message;
};

struct sim_task {
	char id[40], *arn;
	struct sim_cluster *cluster;
	struct sim_service *service; /* NULL for RunTask */
	char dep_id[40];
	struct sim_taskdef *td;
	char *main_container; /* the container the behaviour, health checks and logs follow */
	struct sim_behavior behavior;
	enum sim_phase phase;
	int want_running;
	int version;
	double created_at, pull_started_at, pull_stopped_at, connectivity_at, started_at, stopping_at,
	    execution_stopped_at, stopped_at;
	double phase_at, exit_at, check_at, stable_at, hc_at; /* pending timers; 0 = none */
	double ready_at;
	int exit_code, has_exit;
	int stable; /* ran successfully: healthy, or running for a while without health checks */
	int failed_counted;
	int fail_when_stopped; /* failed its health checks: a failed task once STOPPED (ECS timing) */
	char *stop_code, *stopped_reason, *container_reason;
	char *init_reason; /* the upstream's missing log group or secret (its taskdef's), else NULL */
	char ip[20], eni[32], mac[20], az[24], subnet[40], attachment[40];
	/* load balancer target */
	char *tg_arn;
	int port;
	enum sim_target target;
	int passes, fails, checks, last_code;
	double registered_until; /* Elb.RegistrationInProgress until then, then Elb.InitialHealthChecking */
	/* container health check (the agent's rules: interval, timeout, retries, startPeriod) */
	int has_hc, hc_fails;
	double hc_interval, hc_timeout, hc_start_period;
	int hc_retries;
	char *hc_host;
	enum sim_health health;
	/* awslogs */
	char *log_group, *log_stream;
	struct sim_logline *lines;
	int nlines;
	json_t *overrides, *tags;
	char *started_by, *group, *launch_type;
	struct sim_task *next;
	struct sim_task *svc_next; /* the next task of the same service (sim_service.tasks) */
};

/* ---- faults --------------------------------------------------------------------------------- */

struct sim_fault {
	char *action; /* "DescribeServices", "ecs:*", "*" */
	double throttle, error, reset; /* probabilities */
	double lost;		       /* run the request, then close the connection unanswered */
	double empty; /* answer 200 with an empty body instead of running the request */
	int error_status;
	int latency_ms;
	long times; /* injections left; -1 unlimited */
	double rate, burst, tokens, last; /* token bucket; rate 0 = off */
	struct sim_fault *next;
};

struct sim_reqlog {
	double wall, ms;
	char action[64], service[16], fault[16];
	int status;
};

struct sim_rollog {
	double wall, sim;
	char service[160], deployment[40], state[16];
	char reason[200];
};

struct sim_config {
	enum sim_timing timing; /* ECS's clock (default) or today's quick pace (--timing fast) */
	double backoff_base, backoff_max; /* service throttle: first delay, cap (ECS timing) */
	double register_seconds;          /* Elb.RegistrationInProgress before the first check (ECS timing) */
	int breaker_min;
	double drain_seconds, health_interval, stable_seconds, stopped_ttl;
	int healthy_threshold, unhealthy_threshold;
	int rate_limits; /* ECS-like token buckets on */
	int upstream_checks; /* CreateService/UpdateService check subnets, security groups, target groups upstream */
	int service_deployments; /* the service deployments API answers (off: as where it is missing) */
	int hold_rollbacks;      /* ECS's rollbacks stay ROLLBACK_IN_PROGRESS until released */
	double minute_seconds; /* simulated seconds in one of ECS's minutes (bake times, steps, hook timeouts) */
	double stage_seconds;  /* the least time a blue/green lifecycle stage lasts */
	double hook_seconds;   /* a Lambda hook's invocation */
};

struct sim {
	pthread_mutex_t lock;
	volatile sig_atomic_t stopping; /* SIGTERM/SIGINT arrived: long work returns at once */
	char *region, *account, *upstream;
	double speed, base_wall, base_sim, now;
	uint64_t seed, rng, fault_rng;
	struct sim_config cfg;
	struct sim_rule *rules, *cli_rules;
	struct sim_cluster *clusters;
	struct sim_taskdef *taskdefs;
	struct sim_service *services;
	struct sim_task *tasks, *tasks_tail;
	int nclusters, ntaskdefs, nservices, nlive, nstopped;
	struct sim_fault *faults;
	struct sim_fault *buckets; /* default ECS-like buckets by action class */
	struct sim_reqlog *reqlog;
	long reqlog_n, reqlog_total;
	struct sim_rollog *rollog;
	long rollog_n, rollog_total;
	long requests;
	json_t *hook_rules;     /* [{match, behavior}] for Lambda hooks: succeed, fail, timeout */
	json_t *cli_hook_rules; /* the same from --hook-rule (kept by a reset, after the control ones) */
	json_t *alarms;     /* CloudWatch alarm states set through the control API: name -> {state, reason, at} */
	json_t *tokens; /* idempotency: "Action cluster-arn token" -> {"request", "answer"} */
	FILE *resp_log; /* $ECSHIP_SIM_RESPONSE_LOG: every JSON answer the sim gives, one line each */
	FILE *req_log;  /* $ECSHIP_SIM_REQUEST_LOG: every ECS request the sim does not relay upstream */
};

/* ---- state.c ---------------------------------------------------------------------------------- */
int sim_init(struct sim *s, uint64_t seed, double speed);
void sim_release(struct sim *s);
void sim_reset(struct sim *s); /* forget everything but options and command-line rules */
double sim_wall(void);
double sim_clock_now(const struct sim *s); /* simulated time for the current wall time */
uint64_t sim_rand(struct sim *s);
double sim_uniform(struct sim *s, double lo, double hi);
double sim_fault_chance(struct sim *s); /* [0,1) from the fault stream */
void sim_uuid(struct sim *s, char out[40]);
void sim_hexid(struct sim *s, char out[40]); /* 32 hex digits (task ids) */
struct sim_cluster *sim_cluster_find(struct sim *s, const char *name_or_arn);
struct sim_cluster *sim_cluster_add(struct sim *s, const char *name, const char *arn);
struct sim_taskdef *sim_taskdef_find(struct sim *s, const char *ref, int latest_active_only);
struct sim_service *sim_service_find(struct sim *s, struct sim_cluster *c, const char *name_or_arn);
struct sim_task *sim_task_find(struct sim *s, struct sim_cluster *c, const char *id_or_arn);
struct sim_deployment *sim_deployment_find(struct sim_service *svc, const char *id);
void sim_event_add(struct sim *s, struct sim_service *svc, const char *fmt, ...) SHIP_PRINTF(3, 4);
void sim_task_log(struct sim *s, struct sim_task *t, double at, const char *fmt, ...) SHIP_PRINTF(4, 5);
void sim_rollout_log(struct sim *s, struct sim_service *svc, struct sim_deployment *d);
void sim_task_free(struct sim_task *t);
void sim_deployment_free(struct sim_deployment *d);
int sim_rule_add(struct sim_rule **list, const char *match, const char *behavior);
void sim_rules_free(struct sim_rule *r);
struct sim_behavior sim_behavior_for(struct sim *s, const char *image);
const char *sim_phase_name(enum sim_phase p);
const char *sim_rollout_name(enum sim_rollout r);

/* ---- engine.c --------------------------------------------------------------------------------- */
/* Runs the model forward to simulated time `to` (no-op when already there). */
void sim_advance(struct sim *s, double to);
/* The same for at most wall_budget wall-clock seconds (0: no limit): 1 when `to` was reached,
 * 0 when time ran out first (s->now is then between; call again to go on). */
int sim_advance_for(struct sim *s, double to, double wall_budget);
/* Brings s->now to the clock and runs the scheduler once (after an API change). */
void sim_sync(struct sim *s);
void sim_reconcile(struct sim *s, struct sim_service *svc);
/* Starts one task (service task when svc != NULL). NULL when the task limit is reached. */
struct sim_task *sim_task_start(struct sim *s, struct sim_cluster *c, struct sim_service *svc,
				struct sim_deployment *d, struct sim_taskdef *td, json_t *overrides,
				json_t *network, const char *started_by, const char *group,
				const char *launch_type);
/* Asks a task to stop (scheduler, user or failure). */
void sim_task_stop(struct sim *s, struct sim_task *t, const char *stop_code, const char *reason);
int sim_task_healthy(const struct sim_task *t);

/* The breaker's rollback, asked for by StopServiceDeployment: d FAILED, the last COMPLETED
 * deployment back. */
void sim_engine_rollback(struct sim *s, struct sim_service *svc, struct sim_deployment *d, const char *reason);
/* StopServiceDeployment ABORT: d launches nothing more and is FAILED; its tasks stay. */
void sim_engine_abort(struct sim *s, struct sim_service *svc, struct sim_deployment *d);
/* d FAILED with no rollback: launches stop, the service deployment STOPPED. */
void sim_engine_fail(struct sim *s, struct sim_service *svc, struct sim_deployment *d, const char *reason);
/* d reached its end: COMPLETED, the last completed deployment, SUCCESSFUL, events. */
void sim_engine_complete(struct sim *s, struct sim_service *svc, struct sim_deployment *d);
/* Drops deployments other than p whose tasks are all gone; the count of their tasks still alive. */
int sim_engine_drop_dead(struct sim *s, struct sim_service *svc, struct sim_deployment *p);
/* Posts the service event "(service S) VERB N tasks: (task a) (task b)." ("has stopped N running
 * tasks" for verb "has stopped"); nothing for n <= 0. */
void sim_engine_post_tasks(struct sim *s, struct sim_service *svc, const char *verb, struct sim_task **ts, int n);

/* ---- request/response plumbing (http.c) ------------------------------------------------------- */

struct sim_header {
	char *name, *value;
};

struct sim_request {
	char *method, *uri, *path; /* uri = path + query as received */
	const char *query;         /* points into uri after '?', or "" */
	struct sim_header *headers;
	int nheaders;
	char *body;
	size_t len;
	int too_big;
	char *action;  /* resolved action name (ECS/Logs target suffix or Query Action) */
	const char *svc; /* "ecs", "logs", "elbv2", "ec2", "query", "control", "other" */
};

struct sim_response {
	int status;
	struct ship_buf body;
	char content_type[64];
	struct sim_header *headers; /* extra headers (relayed from upstream) */
	int nheaders;
	int drop; /* close the connection without an answer */
	char request_id[40];
	char fault[16];
};

const char *sim_req_header(const struct sim_request *rq, const char *name);
void sim_resp_json(struct sim_response *r, int status, json_t *body); /* steals body */
void sim_resp_text(struct sim_response *r, int status, const char *ctype, const char *text);
/* AWS JSON error: {"__type": type, "message": msg} */
void sim_resp_json_error(struct sim_response *r, int status, const char *type, const char *fmt, ...)
    SHIP_PRINTF(4, 5);
/* AWS Query XML error (ELBv2/CloudFormation style) */
void sim_resp_query_error(struct sim_response *r, int status, const char *code, const char *fmt, ...)
    SHIP_PRINTF(4, 5);
int sim_resp_add_header(struct sim_response *r, const char *name, const char *value);
/* Decoded value of a form/query parameter; caller frees. NULL when absent. */
char *sim_form_get(const char *form, size_t len, const char *key);

/* ---- API errors for the JSON handlers ---------------------------------------------------------- */
struct sim_apierr {
	int status;
	char type[64];
	char message[512];
};
int sim_err(struct sim_apierr *e, const char *type, const char *fmt, ...) SHIP_PRINTF(3, 4);

/* ---- ecs.c ------------------------------------------------------------------------------------ */
/* 1 when the action is one the simulator implements. */
int sim_ecs_owns(const char *action);
/* Handles one ECS action; lock held. Returns 0 with *out, or -1 with e filled. */
int sim_ecs_call(struct sim *s, const struct sim_request *rq, const char *action, json_t *in,
		 json_t **out, struct sim_apierr *e);

/* ---- deployments.c ------------------------------------------------------------------------------ */
void sim_sdep_start(struct sim *s, struct sim_service *svc, struct sim_deployment *d);
void sim_sdep_completed(struct sim *s, struct sim_service *svc, struct sim_deployment *d);
/* d failed: rolled back to `back`, or (back NULL) stopped there */
void sim_sdep_failed(struct sim *s, struct sim_service *svc, struct sim_deployment *d, struct sim_deployment *back,
		     const char *reason);
void sim_sdeps_free(struct sim_service *svc);
/* currentServiceDeployment and currentServiceRevisions of a Service */
void sim_sdep_service_fields(struct sim *s, struct sim_service *svc, json_t *o);
/* Whether a rollback of one of svc's service deployments goes to deployment dep_id now. */
int sim_sdep_rolling_back_to(const struct sim_service *svc, const char *dep_id);
const char *sim_sdep_status_name(enum sim_sdep_status st);
int sim_list_service_deployments(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out,
				 struct sim_apierr *e);
int sim_describe_service_deployments(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out,
				     struct sim_apierr *e);
int sim_describe_service_revisions(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out,
				   struct sim_apierr *e);
int sim_stop_service_deployment(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out,
				struct sim_apierr *e);
int sim_continue_service_deployment(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out,
				    struct sim_apierr *e);

/* ---- strategies.c ------------------------------------------------------------------------------ */
const char *sim_strategy_name(int strategy);
/*
 * Checks the strategy part of a deploymentConfiguration (merged onto the service's) and the load
 * balancers' advancedConfiguration as ECS does; on success *extra is the new strategy part
 * (caller owns) and *strategy its strategy. -1 with e filled.
 */
int sim_strategy_check(struct sim *s, const struct sim_request *rq, json_t *old_extra, json_t *dc, json_t *lbs,
		       int code_deploy, json_t **extra, int *strategy, struct sim_apierr *e);
/* A new service deployment x of deployment d: snapshots the strategy, picks d's target group. */
void sim_strategy_begin(struct sim *s, struct sim_service *svc, struct sim_deployment *d, struct sim_sdep *x);
/* The scheduler pass for a primary under a blue/green, linear or canary deployment (and the
 * alarm check of any deployment): 1 when it handled the pass, 0 for the rolling update. */
int sim_strategy_reconcile(struct sim *s, struct sim_service *svc, struct sim_deployment *p);
/* The earliest timed step of any deployment after now (0 none). */
double sim_strategy_next_due(struct sim *s);
/* Traffic back to blue on the listener rules (a failed, rolled back or stopped deployment). */
void sim_strategy_restore(struct sim *s, struct sim_sdep *x);
/* lifecycleStage, lifecycleHookDetails, alarms, strategy fields into a rendered ServiceDeployment. */
void sim_strategy_render(struct sim *s, struct sim_service *svc, struct sim_sdep *x, json_t *o);
/* ContinueServiceDeployment on hookId of x: 0, or -1 with e filled. */
int sim_strategy_continue(struct sim *s, struct sim_service *svc, struct sim_sdep *x, const char *hook_id,
			  const char *action, struct sim_apierr *e);
void sim_sdep_strategy_free(struct sim_sdep *x);

/* ---- logs_elb.c ------------------------------------------------------------------------------- */
/* 1 when the simulator answers this Logs call (its tasks' log group), else 0 (forward). */
int sim_logs_owns(struct sim *s, const char *action, json_t *in);
int sim_logs_call(struct sim *s, const char *action, json_t *in, json_t **out, struct sim_apierr *e);
/* DescribeTargetHealth for one of the simulator's target groups; 0 = not ours. */
int sim_elb_target_health(struct sim *s, const char *tg_arn, struct ship_buf *xml, const char *request_id);

/* The profile's defaults into s->cfg (breaker_min and rate_limits untouched). */
void sim_config_timing(struct sim *s, enum sim_timing timing);
/* The target-group settings a service's tasks follow now. */
struct sim_tg_params sim_service_tg(const struct sim *s, const struct sim_service *svc);

/* ---- upstream.c ------------------------------------------------------------------------------- */
/* Forwards the request unchanged; fills r with the upstream answer (or a 502). No lock needed. */
void sim_upstream_forward(const char *upstream, const struct sim_request *rq, struct sim_response *r);
/* One ECS call to the upstream; its parsed 200 answer or NULL (caller json_decref). */
json_t *sim_upstream_ecs(struct sim *s, const struct sim_request *rq, const char *action, json_t *body);
/* Looks a cluster up upstream (DescribeClusters) and adopts it; NULL when not found there. */
struct sim_cluster *sim_upstream_adopt_cluster(struct sim *s, const struct sim_request *rq,
					       const char *name_or_arn);
/*
 * Reads a target group's health-check settings and deregistration delay from the upstream
 * (ELBv2 DescribeTargetGroups and DescribeTargetGroupAttributes). 1 found (out filled where the
 * upstream says), 0 not found there, -1 no upstream or no answer.
 */
int sim_upstream_target_group(struct sim *s, const struct sim_request *rq, const char *tg_arn,
			      struct sim_tg_params *out);
/*
 * Whether a resource exists upstream, looked up by its kind (the table s_lookups in upstream.c):
 * "subnet", "security-group" (EC2), "target-group", "listener-rule", "listener" (ELBv2): msg gets
 * a missing one's upstream message in ECS's form (msg may be NULL); and what a task needs at start:
 * "log-group" (CloudWatch Logs DescribeLogGroups), "secret" (Secrets Manager DescribeSecret; id a
 * secret ARN or name), "parameter" (SSM GetParameters; id a parameter name). 1 yes, 0 no, -1 no
 * upstream, an unknown kind or no answer (treated as unknown).
 */
int sim_upstream_exists(struct sim *s, const struct sim_request *rq, const char *kind, const char *id, char *msg,
			size_t n);
/*
 * Sets a listener rule's (or, for a listener ARN, the listener's default) forward action to the
 * two target groups with these weights (ELBv2 ModifyRule / ModifyListener). 0 done, -1 not.
 */
int sim_upstream_forward_weights(struct sim *s, const char *rule, const char *tg_a, int w_a, const char *tg_b,
				 int w_b);
/* CloudWatch SetAlarmState on the upstream: 1 done, 0 refused (no such alarm), -1 no upstream. */
int sim_upstream_alarm_state(struct sim *s, const char *name, const char *state, const char *reason);
/* One Query call to the upstream (form already encoded, `scope` the signing service): the parsed
 * answer (caller xmlFreeDoc) or NULL, *status its HTTP status (0: no answer). No lock needed. */
xmlDoc *sim_upstream_query(struct sim *s, const struct sim_request *rq, const char *scope, const char *form, int *status);

/* ---- stack_guard.c ---------------------------------------------------------------------------- */
/*
 * CloudFormation requests relayed to the upstream: a DeleteStack whose stack holds a cluster with
 * active services here fails as CloudFormation's does (DELETE_FAILED), and the stack's
 * DescribeStacks and DescribeStackEvents answers say so. 1 when r holds the answer, 0 to forward
 * as usual. Takes the lock itself.
 */
int sim_cfn_guard(struct sim *s, struct sim_request *rq, struct sim_response *r);
/* Forgets the failed deletions (/_sim/reset; under the lock). */
void sim_cfn_guard_reset(void);

/* ---- faults.c --------------------------------------------------------------------------------- */
struct sim_fault_decision {
	int throttle, error_status, reset, latency_ms, lost, empty;
};
void sim_faults_decide(struct sim *s, const char *svc, const char *action, struct sim_fault_decision *d);
void sim_faults_free(struct sim_fault *f);
int sim_faults_set(struct sim *s, json_t *spec, int replace, struct sim_apierr *e);
json_t *sim_faults_json(struct sim *s);
void sim_buckets_init(struct sim *s);

/* ---- control.c -------------------------------------------------------------------------------- */
void sim_control(struct sim *s, const struct sim_request *rq, struct sim_response *r);
void sim_reqlog_add(struct sim *s, const struct sim_request *rq, const struct sim_response *r, double ms);

/* ---- http.c ----------------------------------------------------------------------------------- */
/* Handles one complete request (called by the server thread; takes the lock itself). */
void sim_handle(struct sim *s, struct sim_request *rq, struct sim_response *r);

#endif
