/*
 * fanout.c: the worker pool behind the concurrent starts and rollbacks of a deploy (see
 * private/fanout.h). Items become ready in index order once the item they wait for has run;
 * each worker takes the lowest ready item. Depends on the client (ship_aws_fork) and pthreads.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ecship/util.h"
#include "private/fanout.h"

/* The client's callback lock: progress and the wire log end in the same output code. */
void ship_fanout_lock(void)
{
	ship_aws_callbacks_lock();
}
void ship_fanout_unlock(void)
{
	ship_aws_callbacks_unlock();
}

struct pool {
	struct ship_fanout *f;
	ship_fanout_fn fn;
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned char *taken; /* n flags */
	size_t left;	      /* items not yet taken */
	size_t running;	      /* items in flight */
	int halt;	      /* an item asked to stop, or stop() said so */
};

struct worker {
	struct pool *p;
	struct ship_aws *aws;
};

static int ready(const struct ship_fanout *f, size_t i)
{
	return !f->after || f->after[i] == i || f->ran[f->after[i]];
}

static int stopped(const struct ship_fanout *f)
{
	int r;
	if (!f->stop)
		return 0;
	ship_fanout_lock();
	r = f->stop(f->stop_ctx);
	ship_fanout_unlock();
	return r;
}

/* The lowest untaken item that is ready, or n; under p->lock. */
static size_t next_item(struct pool *p)
{
	for (size_t i = 0; i < p->f->n; i++)
		if (!p->taken[i] && ready(p->f, i))
			return i;
	return p->f->n;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->p;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		size_t i = p->f->n;
		while (!p->halt && p->left > 0 && (i = next_item(p)) == p->f->n && p->running > 0)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->halt || p->left == 0 || i == p->f->n)
			break; /* nothing ready and nothing in flight: the rest waits on an item
				  that did not run */
		p->taken[i] = 1;
		p->left--;
		p->running++;
		pthread_mutex_unlock(&p->lock);
		int stop = stopped(p->f);
		int r = stop ? 1 : p->fn(p->ctx, i, w->aws);
		pthread_mutex_lock(&p->lock);
		if (!stop)
			p->f->ran[i] = 1;
		if (r)
			p->halt = 1;
		p->running--;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* In turn, in index order, on the caller's thread and client. */
static int in_turn(struct ship_aws *aws, struct ship_fanout *f, ship_fanout_fn fn, void *ctx)
{
	for (size_t i = 0; i < f->n; i++) {
		if (!ready(f, i))
			continue;
		if (f->stop && f->stop(f->stop_ctx))
			break;
		int r = fn(ctx, i, aws);
		f->ran[i] = 1;
		if (r)
			break;
	}
	return 0;
}

/* ECSHIP_DEPLOY_PARALLEL: 1 to SHIP_FANOUT_MAX; anything else is the default. */
static size_t default_workers(void)
{
	const char *v = getenv("ECSHIP_DEPLOY_PARALLEL");
	char *end;
	long k = v && *v ? strtol(v, &end, 10) : 0;
	return v && *v && !*end && k >= 1 && k <= SHIP_FANOUT_MAX ? (size_t)k : SHIP_FANOUT_WORKERS;
}

int ship_fanout_run(struct ship_aws *aws, struct ship_fanout *f, ship_fanout_fn fn, void *ctx)
{
	size_t k = f->workers ? f->workers : default_workers(), started = 0, i;
	struct ship_err e = SHIP_ERR_INIT;
	struct pool p;
	struct worker *w = NULL;
	pthread_t *tid = NULL;

	memset(f->ran, 0, f->n);
	f->threads = 0;
	if (k > f->n)
		k = f->n;
	if (k <= 1)
		return in_turn(aws, f, fn, ctx);
	memset(&p, 0, sizeof(p));
	p.f = f;
	p.fn = fn;
	p.ctx = ctx;
	p.left = f->n;
	w = ship_calloc(k, sizeof(*w));
	tid = ship_calloc(k, sizeof(*tid));
	p.taken = ship_calloc(f->n, 1);
	if (!w || !tid || !p.taken)
		goto fallback;
	for (i = 0; i < k; i++) {
		w[i].p = &p;
		if (!(w[i].aws = ship_aws_fork(aws, &e)))
			goto fallback;
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	for (i = 0; i < k; i++)
		if (pthread_create(&tid[i], NULL, work, &w[i]) == 0)
			started++;
	if (!started) { /* no thread at all: nothing was taken yet */
		pthread_mutex_destroy(&p.lock);
		pthread_cond_destroy(&p.cond);
		goto fallback;
	}
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.cond);
	f->threads = started;
	for (i = 0; i < k; i++)
		ship_aws_destroy(w[i].aws);
	ship_free(w);
	ship_free(tid);
	ship_free(p.taken);
	return 0;
fallback:
	for (i = 0; w && i < k; i++)
		ship_aws_destroy(w[i].aws);
	ship_free(w);
	ship_free(tid);
	ship_free(p.taken);
	return in_turn(aws, f, fn, ctx);
}
