/*
 * diagnose.h: why a deployment failed, from the same pieces as `tasks`, `logs` and `doctor`:
 * the failed revision's stopped tasks (stopCode, stoppedReason, exit codes), unhealthy targets
 * and the service events about them, the last lines of the failing task's log stream, and a
 * cause with a fix (image pull, exit code, health check status, Django's ALLOWED_HOSTS, ...).
 * Never prints.
 */
#ifndef ECSHIP_DIAGNOSE_H
#define ECSHIP_DIAGNOSE_H

#include <jansson.h>

#include "ecship/aws.h"
#include "ecship/logs.h"
#include "ecship/tasks.h"

#define SHIP_DIAG_MAX_TASKS 5
#define SHIP_DIAG_MAX_EVENTS 5

struct ship_diagnosis {
	struct ship_task_list stopped;	 /* the revision's stopped tasks, newest first */
	struct ship_target_list targets; /* targets not healthy right now */
	char events[SHIP_DIAG_MAX_EVENTS]
		   [512]; /* service events about failing tasks, newest first */
	size_t nevents;
	char allowed_hosts[512]; /* the revision's ALLOWED_HOSTS, when it sets one */
	int have_allowed_hosts;
	struct ship_awslogs logs;
	char log_task[64]; /* the task whose lines are in `lines` */
	char log_stream[900];
	struct ship_log_events lines; /* its last lines */
	char log_error[1200];	      /* why there are no lines, when there are none */
	char cause[1024];	      /* one sentence: what went wrong */
	char fix[1024];		      /* what to do */
};

void ship_diagnosis_release(struct ship_diagnosis *d); /* accepts a zeroed struct */

/*
 * Gathers the diagnosis of a failed deployment of `taskdef_arn` (the revision that failed) on
 * the service: its failed tasks first, the service events about them or about deployment_id
 * (may be NULL); log_lines (0: 15) is how many lines to read. Partial answers are kept: a failed
 * call leaves its part empty (and says so in log_error for the logs). -1 only when nothing could
 * be read at all.
 */
int ship_diagnose_failure(struct ship_aws *aws, const char *cluster, const char *service,
			  const char *taskdef_arn, const char *deployment_id, size_t log_lines,
			  struct ship_diagnosis *out, struct ship_err *err);
/* Whether a stopped task failed (rather than being scaled in or stopped by a person). */
int ship_task_failed(const struct ship_task_info *t);

/* The pure part: sets cause and fix from what was gathered. */
void ship_diagnose_cause(struct ship_diagnosis *d);

#endif
