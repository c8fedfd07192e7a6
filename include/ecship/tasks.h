/*
 * tasks.h: what troubleshooting reads about a service's tasks and targets: ListTasks +
 * DescribeTasks as flat records (status, health, times, stopCode, stoppedReason, each
 * container's exit code and reason, private IP), newest first, and ELBv2 DescribeTargetHealth.
 * Shared by `tasks`, `run`, `doctor` and the failed-deploy diagnosis. Never prints.
 */
#ifndef ECSHIP_TASKS_H
#define ECSHIP_TASKS_H

#include <jansson.h>

#include "ecship/aws.h"
#include "ecship/limits.h"

#define SHIP_TASK_MAX_CONTAINERS 10

struct ship_container_info {
	char name[SHIP_ECS_NAME_MAX + 1];
	char image[512]; /* "Up to 255 letters ..." (ECS ContainerDefinition.image) */
	char last_status[24];
	char health[16]; /* HEALTHY, UNHEALTHY, UNKNOWN; "" without a health check */
	int has_exit;	 /* exit_code is set */
	int exit_code;
	char reason[1024]; /* e.g. CannotPullContainerError: ... (a longer one ends in "...") */
};

/* One task, about 21 KB of fixed fields (sizes from limits.h): pass it by pointer. */
struct ship_task_info {
	char arn[SHIP_ECS_TASK_ARN_MAX + 1];
	char id[64];	   /* the last part of the ARN */
	char taskdef[SHIP_ECS_TASKDEF_ARN_MAX + 1]; /* task definition ARN */
	long revision;	   /* from the ARN; 0 when unknown */
	char last_status[24];
	char desired_status[16];
	char health[16];
	char group[8 + SHIP_ECS_NAME_MAX + 1]; /* "service:NAME" or "family:NAME" */
	char started_by[128 + 1];	       /* "up to 128 letters ..." (ECS RunTask.startedBy) */
	double created, started, stopping, stopped; /* epoch seconds; 0 when absent */
	char stop_code[48];
	char stopped_reason[1024]; /* a longer one ends in "..." */
	char private_ip[64];
	struct ship_container_info c[SHIP_TASK_MAX_CONTAINERS];
	size_t nc;
};

/* Owns v (ship_task_list_release). */
struct ship_task_list {
	struct ship_task_info *v;
	size_t n;
};

void ship_task_list_release(struct ship_task_list *l); /* accepts a zeroed list */

/* Reads one element of DescribeTasks' "tasks" (missing fields stay empty). 0, or -1 when not an
 * object or an identifier is longer than ECS documents (never cut short). */
int ship_task_parse(const json_t *task, struct ship_task_info *out);
/* The same record as JSON for --output json (new reference; NULL when out of memory). */
json_t *ship_task_info_json(const struct ship_task_info *t);
/* The essential (or first) container that stopped the task: the one with a non-zero exit code,
 * else one with a reason, else the first; NULL when the task has none. */
const struct ship_container_info *ship_task_failed_container(const struct ship_task_info *t);

/* Newest first: by stopped (or started, or created) time, ties by ARN. */
void ship_task_list_sort(struct ship_task_list *l);

enum {
	SHIP_TASKS_RUNNING = 1, /* desired status RUNNING (running and pending) */
	SHIP_TASKS_STOPPED = 2, /* desired status STOPPED (ECS keeps them about an hour) */
};

#define SHIP_TASKS_LIST_SCAN 500 /* tasks read per desired status before sorting */

/*
 * The tasks of `service` (or of the whole cluster when service is NULL), those selected by
 * `which` (SHIP_TASKS_*): up to SHIP_TASKS_LIST_SCAN per status described, sorted newest first,
 * the first max (0: 100) kept.
 */
int ship_tasks_list(struct ship_aws *aws, const char *cluster, const char *service, unsigned which,
		    size_t max, struct ship_task_list *out, struct ship_err *err);
/* DescribeTasks for the given ARNs or ids (batches of 100), appended to out in answer order. */
/* ship_tasks_describe with per-call options (a deploy's retry persistence; NULL: none). */
int ship_tasks_describe_opts(struct ship_aws *aws, const struct ship_call_opts *call,
			     const char *cluster, const char *const *tasks, size_t n,
			     struct ship_task_list *out, struct ship_err *err);
int ship_tasks_describe(struct ship_aws *aws, const char *cluster, const char *const *tasks,
			size_t n, struct ship_task_list *out, struct ship_err *err);

/* ---- target health ------------------------------------------------------------------------ */

struct ship_target_info {
	char id[128]; /* an IP for target type ip */
	long port;
	char state[24];	 /* initial, healthy, unhealthy, unused, draining, unavailable */
	char reason[64]; /* Target.ResponseCodeMismatch, Target.Timeout, ... */
	char description[512];
};

struct ship_target_list {
	struct ship_target_info *v;
	size_t n;
};

void ship_target_list_release(struct ship_target_list *l);
/* ELBv2 DescribeTargetHealth of one target group. */
int ship_target_health(struct ship_aws *aws, const char *target_group_arn,
		       struct ship_target_list *out, struct ship_err *err);

/* "ecs-svc/..." style helpers: the part after the last '/' (or the whole string). */
const char *ship_arn_tail(const char *arn);

#endif
