/*
 * fanout.h (private): runs one piece of work per service on a small pool of threads, each with
 * its own client forked from the caller's (ship_aws_fork: the ECS token buckets are shared, so
 * the pool together spends ECS's request rate once). Used by the deploy engine (lib/ecs/deploy.c)
 * to start services and to issue their rollbacks concurrently. Never prints.
 */
#ifndef ECSHIP_PRIVATE_FANOUT_H
#define ECSHIP_PRIVATE_FANOUT_H

#include <stddef.h>

#include "ecship/aws.h"

/* Threads of one fan-out: enough to keep ECS's sustained rates busy (UpdateService 5 a second,
 * Describe 20) while a registration waits for its token. */
#define SHIP_FANOUT_WORKERS 8
/* ECSHIP_DEPLOY_PARALLEL overrides the default, from 1 (one after another) to this. */
#define SHIP_FANOUT_MAX 64

/* The work for item i, on client aws (a fork, or the caller's own when run in turn). Non-zero:
 * start no further item (the ones in flight finish). */
typedef int (*ship_fanout_fn)(void *ctx, size_t i, struct ship_aws *aws);

struct ship_fanout {
	size_t n;
	const size_t *after;	/* item i starts once item after[i] (< i) has run; NULL, or
				   after[i] == i: at once */
	int (*stop)(void *ctx); /* checked before each item starts (may be NULL) */
	void *stop_ctx;
	size_t workers; /* 0: ECSHIP_DEPLOY_PARALLEL, else SHIP_FANOUT_WORKERS; 1: in
			   turn, on the caller's thread */
	/* out */
	unsigned char *ran; /* n flags, caller's: 1 for each item whose work ran */
	size_t threads;	    /* threads used (0: in turn, in index order) */
};

/*
 * Runs fn for every item, at most `workers` at a time, until fn asks to stop or stop() says so.
 * Falls back to running the items in turn, in index order, with the caller's client when there
 * is one item, when the client cannot be forked (an injected transport: unit tests) or threads
 * cannot be made. Returns 0 (the items' own errors are theirs to record).
 */
int ship_fanout_run(struct ship_aws *aws, struct ship_fanout *f, ship_fanout_fn fn, void *ctx);

/* Serializes callbacks into code that is not thread-safe (progress output), across the pool. */
void ship_fanout_lock(void);
void ship_fanout_unlock(void);

#endif
