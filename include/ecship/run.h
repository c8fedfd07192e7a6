/*
 * run.h: one-off tasks (`ecship run`, `deploy --pre-run`): RunTask with a service's task
 * definition, network and launch settings and one container's command overridden, then wait
 * for the task to stop and report the container's exit code, or why it never started.
 * Progress goes through callbacks; never prints.
 */
#ifndef ECSHIP_RUN_H
#define ECSHIP_RUN_H

#include <jansson.h>

#include "ecship/aws.h"
#include "ecship/tasks.h"

typedef void (*ship_task_fn)(void *ctx, const struct ship_task_info *t);

struct ship_run_opts {
	const char *cluster;
	const char *taskdef;	    /* ARN or family:revision */
	const char *container;	    /* whose command is replaced (required with command) */
	const char *const *command; /* NULL: the image's own command */
	size_t ncommand;
	/* from the service (ship_run_use_service), all borrowed and optional */
	const json_t *network;	 /* networkConfiguration */
	const char *launch_type; /* NULL and no strategy: neither sent (the cluster's default) */
	const json_t *capacity_provider_strategy;
	const char *platform_version;
	const char *started_by;	 /* NULL: "ecship-run" */
	double timeout;		 /* seconds until the task is stopped; 0: no limit */
	ship_task_fn on_started; /* once, with RunTask's answer */
	ship_task_fn on_poll;	 /* after each DescribeTasks (e.g. to show new log lines) */
	int (*cancelled)(void *ctx);
	void *ctx;
	const struct ship_call_opts *call; /* options of every call (a deploy's retry persistence
					      for `deploy --pre-run`); NULL: none */
};

/* Takes network, launch type, capacity provider strategy and platform version from a
 * DescribeServices service or CreateService input (borrowed: keep `service` alive). */
void ship_run_use_service(struct ship_run_opts *o, const json_t *service);

/* RunTask's input for these options (new reference; NULL out of memory): launchType only when
 * named, capacityProviderStrategy passed through unchanged, neither when neither is named. */
json_t *ship_run_request(const struct ship_run_opts *o);

/* The container a service is about: its first load balancer's containerName, else the only
 * container, else the first essential one. NULL when the task definition has none. */
const char *ship_run_main_container(const json_t *taskdef, const json_t *service);

enum ship_run_end {
	SHIP_RUN_EXITED,      /* the container ran and exited: see exit_code */
	SHIP_RUN_NOT_STARTED, /* RunTask failed or the task stopped before the container ran */
	SHIP_RUN_TIMEOUT,     /* stopped by us after opts.timeout */
	SHIP_RUN_INTERRUPTED, /* cancelled(): stopped by us */
};

/* Caller's storage (about 21 KB: pass it by pointer); it holds no pointers, nothing to free. */
struct ship_run_result {
	enum ship_run_end end;
	int exit_code; /* the container's, when EXITED */
	struct ship_task_info task;
	char reason[1024]; /* why it did not start or was stopped */
	long polls;
};

/*
 * Starts the task and waits for it to stop (polling DescribeTasks 1 s at first, backing off to
 * 5 s). Returns 0 with res filled whatever the task did; -1 when an AWS call failed (err).
 */
int ship_run_task(struct ship_aws *aws, const struct ship_run_opts *o, struct ship_run_result *res,
		  struct ship_err *err);

/*
 * The revision to run a rendered task definition as: the family's latest ACTIVE revision when it
 * is the same (nothing registered), else a new one. arn receives it; *registered says which.
 */
int ship_run_register(struct ship_aws *aws, const json_t *taskdef, char *arn, size_t n,
		      int *registered, struct ship_err *err);

/* The process exit status for a run: the exit code when EXITED (clamped to 0..255), else 1. */
int ship_run_exit_status(const struct ship_run_result *res);

#endif
