/*
 * cli_progress.c: shows a wait as it happens: one line per deployment with its counts and each
 * new service event. On a terminal the deployment lines are redrawn in place; otherwise lines
 * are appended, time-stamped, and only when something changed. Also the Ctrl-C flag that waits
 * poll, and the GitHub Actions outputs and step summary.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t s_interrupted;

/* The first Ctrl-C (or SIGTERM) asks the command to stop cleanly and say what was done; a
 * second one ends the process at once. */
static void on_sigint(int sig)
{
	(void)sig;
	if (s_interrupted) {
		static const char msg[] = "\necship: interrupted again; exiting at once\n";
		ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)w;
		_exit(CLI_EXIT_INTERRUPTED);
	}
	s_interrupted = 1;
}

void cli_signals_setup(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint; /* no SA_RESTART: a sleep ends at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cli_interrupted(void) { return s_interrupted; }
int cli_cancelled_cb(void *ctx)
{
	(void)ctx;
	return s_interrupted;
}

static void stamp(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%H:%M:%S", &tm);
}


void cli_progress_init(struct cli_progress *p, struct cli_ctx *ctx)
{
	memset(p, 0, sizeof(*p));
	p->ctx = ctx;
	p->tty = isatty(STDERR_FILENO) && !ctx->g.quiet;
	p->quiet = ctx->g.quiet;
}

/* Erases the deployment lines drawn last time (terminal only). */
static void erase(struct cli_progress *p)
{
	if (p->tty && p->drawn) {
		fprintf(stderr, "\033[%dA\033[J", p->drawn);
		p->drawn = 0;
	}
}

void cli_progress_note(void *vp, const char *msg)
{
	struct cli_progress *p = vp;
	char ts[16];
	if (p->quiet)
		return;
	erase(p);
	if (p->tty) {
		fprintf(stderr, "%s\n", cli_safe(msg));
	} else {
		stamp(ts, sizeof(ts));
		fprintf(stderr, "%s %s\n", ts, cli_safe(msg));
	}
}

void cli_progress_event(void *vp, double created, const char *message)
{
	struct cli_progress *p = vp;
	char ts[16];
	time_t t = (time_t)created;
	struct tm tm;
	if (p->quiet)
		return;
	erase(p);
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	fprintf(stderr, "%s event: %s\n", ts, cli_safe(message));
}

void cli_progress_snapshot(void *vp, const struct ship_service_view *v, double elapsed,
			   int changed)
{
	struct cli_progress *p = vp;
	char ts[16];
	if (p->quiet || (!changed && !p->tty))
		return;
	erase(p);
	stamp(ts, sizeof(ts));
	for (size_t i = 0; i < v->ndep; i++) {
		const struct ship_deployment_view *d = &v->dep[i];
		fprintf(stderr,
			"%s %-7s %-11s %s %s: desired %ld, pending %ld, running %ld, failed %ld\n",
			p->tty ? "  " : ts, cli_safe(d->status),
			cli_safe(d->rollout_state[0] ? d->rollout_state : "-"), cli_safe(d->id),
			cli_safe(ship_taskdef_short(d->taskdef)), d->desired, d->pending,
			d->running, d->failed);
	}
	if (p->tty) {
		fprintf(stderr, "  waiting %.0f s\n", elapsed);
		p->drawn = (int)v->ndep + 1;
	}
}

void cli_progress_done(struct cli_progress *p)
{
	erase(p);
}

/* ---- GitHub Actions ------------------------------------------------------------------------- */

void cli_github_output(const char *key, const char *value)
{
	const char *path = getenv("GITHUB_OUTPUT");
	if (!path || !*path)
		return;
	FILE *f = fopen(path, "a");
	if (!f) {
		cli_warn("cannot append to $GITHUB_OUTPUT '%s'", path);
		return;
	}
	fprintf(f, "%s=%s\n", key, cli_safe(value)); /* one line: no output can be forged */
	fclose(f);
}

void cli_github_summary(const char *markdown)
{
	const char *path = getenv("GITHUB_STEP_SUMMARY");
	if (!path || !*path)
		return;
	FILE *f = fopen(path, "a");
	if (!f) {
		cli_warn("cannot append to $GITHUB_STEP_SUMMARY '%s'", path);
		return;
	}
	fputs(markdown, f);
	fclose(f);
}
