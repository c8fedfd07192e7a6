/*
 * failfast.h: deciding early that a deployment is doomed, from ECS's own evidence about the
 * stopped tasks of *our* deployment, before the circuit breaker would (on ECS a missing image tag
 * at desired count 1 takes about ten minutes to trip it: the service throttle spaces relaunches
 * out up to 15 minutes). The decision is pure (no I/O, no clock): the stopped tasks seen so far
 * and the deployment's failedTasks go in, a verdict and the deciding evidence come out. The
 * watcher below feeds it from ListTasks(desiredStatus STOPPED) + DescribeTasks inside the
 * deploy's wait. Rules and sources: docs/waiting.md, "Failing fast".
 */
#ifndef ECSHIP_FAILFAST_H
#define ECSHIP_FAILFAST_H

#include "ecship/aws.h"
#include "ecship/ecs.h"
#include "ecship/rollout.h"
#include "ecship/tasks.h"

/* The thresholds (docs/config.md `fail_fast:`). Conservative defaults: a stop reason that cannot
 * heal decides at once; the same non-zero exit, or failed health checks, need two tasks (ECS's
 * circuit breaker needs at least three: its threshold is ceil(0.5 x desired) in [3, 200]). */
struct ship_failfast_rules {
	int enabled;
	long same_exit;	    /* tasks whose essential container exited with the same non-zero code */
	long failed_health; /* tasks stopped for failing health checks, none healthy since */
};
#define SHIP_FAILFAST_SAME_EXIT_DEFAULT 2
#define SHIP_FAILFAST_FAILED_HEALTH_DEFAULT 2
void ship_failfast_rules_default(struct ship_failfast_rules *r);

enum ship_failfast_rule {
	SHIP_FAILFAST_NONE,	     /* no verdict (or: this task says nothing) */
	SHIP_FAILFAST_CANNOT_HEAL,   /* a stop reason that relaunching cannot cure */
	SHIP_FAILFAST_SAME_EXIT,     /* the same non-zero exit of the essential container */
	SHIP_FAILFAST_FAILED_HEALTH, /* tasks stopped for failed health checks */
};
/* "cannot-heal", "same-exit", "failed-health"; "" for NONE. */
const char *ship_failfast_rule_name(enum ship_failfast_rule r);

/*
 * Whether a task can be judged: lastStatus STOPPED, or on its way there (desiredStatus STOPPED)
 * with ECS's stoppedReason already set and, for an essential container's exit, its exit code.
 * A task that drains from a load balancer stays STOPPING for the deregistration delay, while its
 * stoppedReason is final from the moment ECS decided to stop it.
 */
int ship_failfast_ready(const struct ship_task_info *t);
/*
 * What one stopped task says (a task not ready: NONE). CANNOT_HEAL for the
 * developer guide's stop reasons that no relaunch cures: CannotPullContainerError for an image,
 * tag or repository that does not exist or for access denied to it (not for timeouts, rate limits
 * or network errors, which can pass); ResourceInitializationError naming AccessDenied or a missing
 * secret, parameter or log group (not a timeout). SAME_EXIT for stopCode EssentialContainerExited
 * with a non-zero exit code (*exit_code set). FAILED_HEALTH for "Task failed ELB health checks"
 * and "Task failed container health checks". why (may be NULL) gets a few words on the case.
 */
enum ship_failfast_rule ship_failfast_classify(const struct ship_task_info *t, int *exit_code,
					       char *why, size_t n);

#define SHIP_FAILFAST_SEEN 128 /* task ids remembered (a ring: ListTasks pages hold 100) */
#define SHIP_FAILFAST_EXITS 8  /* distinct exit codes counted */

/* The decision over one deployment's stopped tasks (caller's storage, about 8 KB). */
struct ship_failfast {
	struct ship_failfast_rules rules;
	char deployment_id[80]; /* ours: tasks started by it (startedBy), else of our taskdef */
	char taskdef[SHIP_ECS_TASKDEF_ARN_MAX + 1];
	char seen[SHIP_FAILFAST_SEEN][64]; /* ids of the stopped tasks already judged */
	size_t nseen, seen_next;
	long last_failed; /* the deployment's failedTasks as last observed (-1: never) */
	long resets;	  /* times failedTasks fell: a task turned healthy */
	long health;	  /* FAILED_HEALTH tasks since the last reset */
	struct {
		int code;
		long n;
	} exits[SHIP_FAILFAST_EXITS]; /* SAME_EXIT tasks since the last reset, per code */
	size_t nexits;
	long failed;	     /* failed tasks of ours judged so far (any kind) */
	double first_failed; /* when ECS stopped the first failed task of ours: stoppingAt, else
				stoppedAt (epoch s; 0: none) */
	char first_task[64]; /* its id */
	enum ship_failfast_rule verdict; /* sticky once set */
	char evidence[1024];		 /* the deciding evidence, in words for the user */
};

void ship_failfast_init(struct ship_failfast *f, const struct ship_failfast_rules *rules,
			const char *deployment_id, const char *taskdef);
/*
 * The deployment's failedTasks from a DescribeServices snapshot. A fall means a task of it turned
 * healthy (the circuit breaker then starts counting again: developer guide, "How the Amazon ECS
 * deployment circuit breaker detects failures"), so the exit and health counts start over too.
 */
void ship_failfast_observe(struct ship_failfast *f, long failed_tasks);
/* Whether a task is of our deployment: started by it (ECS sets startedBy to the deployment's
 * id), or, where startedBy is missing, running our task definition. */
int ship_failfast_ours(const struct ship_failfast *f, const struct ship_task_info *t);
/* Whether the task id was judged already (a watcher need not describe it again). */
int ship_failfast_seen(const struct ship_failfast *f, const char *task_id);
/*
 * Judges one task of DescribeTasks (each stopped task once: later feeds of the same id are
 * ignored; tasks of other deployments are remembered and ignored). Returns the verdict so far.
 */
enum ship_failfast_rule ship_failfast_feed(struct ship_failfast *f, const struct ship_task_info *t);

/* ---- the watcher: the I/O around the decision, inside the deploy's wait --------------------- */

/*
 * Reads the service's stopped tasks when ECS's failedTasks for our deployment has risen since the
 * last read (at most every min_gap s), and otherwise every interval s: one ListTasks (one page of
 * up to 100, desiredStatus STOPPED) plus one DescribeTasks for the tasks not judged yet. A verdict
 * ends our rollout as FAILED (by_breaker 0) with the evidence as its reason. A failed read is
 * counted and retried at the next occasion; one that is not transient (access denied) turns the
 * watcher off: the breaker and the timeout still decide.
 */
struct ship_failfast_watch {
	struct ship_aws *aws;
	const char *cluster, *service;
	const struct ship_call_opts *call; /* may be NULL */
	struct ship_rollout *ro;
	/* the wait's own end, asked first: ship_wait_rollout_done over ro unless the caller
	 * sets another after init (e.g. one that reads ECS's service deployment record) */
	ship_wait_done_fn inner;
	void *inner_ctx;
	struct ship_failfast ff;
	double interval, min_gap; /* SHIP_FAILFAST_INTERVAL, SHIP_FAILFAST_MIN_GAP */
	double last_read;	  /* client clock; 0 before the first */
	long read_failed;	  /* failedTasks at the last read */
	long reads, requests, errors;
	int started, off;
	int unready; /* the last read saw a stopping task of ours not ready yet: read again soon */
};
#define SHIP_FAILFAST_INTERVAL 30.0
#define SHIP_FAILFAST_MIN_GAP 5.0

void ship_failfast_watch_init(struct ship_failfast_watch *w, struct ship_aws *aws,
			      const char *cluster, const char *service,
			      const struct ship_call_opts *call,
			      const struct ship_failfast_rules *rules, struct ship_rollout *ro);
/* A ship_wait_done_fn (ctx: struct ship_failfast_watch *): our rollout has ended, or fail-fast
 * has decided it. */
int ship_failfast_wait_done(void *ctx, const struct ship_service_view *v);

#endif
