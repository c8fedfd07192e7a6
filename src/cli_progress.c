/*
 * cli_progress.c: shows a wait as it happens: one line per deployment with its counts and each
 * new service event. On a terminal the deployment lines are redrawn in place, cut to the width
 * the terminal has at each redraw; otherwise lines are appended, time-stamped, only when they
 * changed (and a heartbeat line every 30 s), in ::group:: blocks under GitHub Actions. Also the
 * timeline of each deployment for the step summary, the one time format, the Ctrl-C flag that
 * waits poll, and the GitHub Actions outputs and step summary.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
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

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_time_format(double t, int date, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t k;
	if (t < (double)tt) /* before 1970: floor */
		tt--;
	localtime_r(&tt, &tm);
	k = strftime(out, n, date ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm);
	if (date == 1 && k < n)
		k += (size_t)snprintf(out + k, n - k, ".%03d",
				      (int)((t - (double)tt) * 1000 + 0.5) % 1000);
	if (k >= n)
		return;
	long off = tm.tm_gmtoff;
	if (off == 0)
		/* i18n: not translated (ISO 8601's UTC designator) */
		snprintf(out + k, n - k, "Z");
	else
		snprintf(out + k, n - k, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600,
			 labs(off) % 3600 / 60);
}

/*
 * Now on the clock ECS stamps its events with: ours corrected by the server's Date (when they
 * differ by 2 s or more; the header has whole seconds), so ecship's lines, ECS's events and the
 * timeline share one clock even against ecship-sim, whose clock runs --speed times faster.
 */
static double clock_now(const struct cli_progress *p)
{
	double off = p->ctx && p->ctx->aws ? ship_aws_clock_offset(p->ctx->aws) : 0;
	return now_s() + (off > -2 && off < 2 ? 0 : off);
}

static void stamp(const struct cli_progress *p, char *out, size_t n)
{
	cli_time_format(clock_now(p), 0, out, n);
}

/* The timeline starts at the first thing shown (after the first answer: its clock is known). */
static void mark_start(struct cli_progress *p)
{
	if (!p->start)
		p->start = clock_now(p);
}

int cli_term_width(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return isatty(STDERR_FILENO) ? 80 : 0;
}

void cli_progress_init(struct cli_progress *p, struct cli_ctx *ctx)
{
	const char *hb = getenv("ECSHIP_PROGRESS_HEARTBEAT"); /* seconds; for tests */
	memset(p, 0, sizeof(*p));
	tzset();
	p->ctx = ctx;
	p->tty = isatty(STDERR_FILENO) && !ctx->g.quiet;
	p->quiet = ctx->g.quiet;
	p->t0 = now_s();
	p->heartbeat = hb && *hb ? strtod(hb, NULL) : CLI_PROGRESS_HEARTBEAT;
	if (!(p->heartbeat > 0))
		p->heartbeat = CLI_PROGRESS_HEARTBEAT;
}

/* Columns that the UTF-8 text s takes (one per character; the status lines hold no escapes). */
static int columns(const char *s, size_t len)
{
	int c = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/* Erases the status block drawn last (terminal only). The terminal may have become narrower
 * since (and rewrapped the lines): each line takes as many rows as it needs at today's width. */
static void erase(struct cli_progress *p)
{
	int rows = 0, w;
	if (!p->tty || !p->ndrawn)
		return;
	w = cli_term_width();
	for (int i = 0; i < p->ndrawn; i++)
		rows += p->drawn[i] <= w || w <= 0 ? 1 : (p->drawn[i] + w - 1) / w;
	/* i18n: not translated (a terminal control sequence) */
	fprintf(stderr, "\r\033[%dA\033[J", rows);
	p->ndrawn = 0;
}

/* Prints one line of the block, cut to the terminal's width so that it never wraps. */
static void draw_line(struct cli_progress *p, const char *line, int width)
{
	size_t len = strlen(line), cut = len;
	int max = width > 1 ? width - 1 : 79, cols = 0;
	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)line[i] & 0xC0) != 0x80 && ++cols > max) {
			cut = i;
			break;
		}
	}
	fprintf(stderr, "%.*s\n", (int)cut, line);
	if (p->ndrawn < (int)(sizeof(p->drawn) / sizeof(p->drawn[0])))
		p->drawn[p->ndrawn++] = columns(line, cut);
}

/* Several services are followed: each gets one status line. */
static int several(const struct cli_progress *p)
{
	return p->expect > 1 || p->nsvc > 1;
}

/* One service's line when several are followed: its PRIMARY's state, revision and tasks, then
 * the other deployments' revisions and running tasks. */
static void status_line(const struct ship_service_view *v, char *out, size_t n)
{
	const struct ship_deployment_view *pr = ship_service_primary(v);
	size_t k = 0;
	int w = snprintf(out, n, "%s:", cli_safe(v->name));
	if (w < 0)
		return;
	k = (size_t)w;
	if (pr && k < n) {
		w = snprintf(out + k, n - k, " %s %s %ld/%ld",
			     cli_safe(pr->rollout_state[0] ? pr->rollout_state : pr->status),
			     cli_safe(ship_taskdef_short(pr->taskdef)), pr->running, pr->desired);
		k += w > 0 ? (size_t)w : 0;
		if (pr->pending && k < n)
			k += (size_t)snprintf(out + k, n - k, _(", pending %ld"), pr->pending);
		if (pr->failed && k < n)
			k += (size_t)snprintf(out + k, n - k, _(", failed %ld"), pr->failed);
	}
	for (size_t i = 0; i < v->ndep && k < n; i++) {
		const struct ship_deployment_view *d = &v->dep[i];
		if (d == pr)
			continue;
		w = snprintf(out + k, n - k, "; %s %s %ld", cli_safe(d->status),
			     cli_safe(ship_taskdef_short(d->taskdef)), d->running);
		k += w > 0 ? (size_t)w : 0;
	}
	if (k < n)
		snprintf(out + k, n - k, "\n");
}

/* A service whose deployments have settled (one left, COMPLETED or FAILED): on a terminal with
 * more services than rows, these are the ones folded into a count. */
static int settled(const struct ship_service_view *v)
{
	return v->ndep == 1 && (!strcmp(v->dep[0].rollout_state, "COMPLETED") ||
				!strcmp(v->dep[0].rollout_state, "FAILED"));
}

/* The status lines of one service, without time stamps, into out. */
static void status_block(const struct cli_progress *p, const struct ship_service_view *v, char *out,
			 size_t n)
{
	size_t k = 0;
	out[0] = 0;
	if (several(p)) {
		status_line(v, out, n);
		return;
	}
	for (size_t i = 0; i < v->ndep && k < n; i++) {
		const struct ship_deployment_view *d = &v->dep[i];
		int w = snprintf(out + k, n - k,
				 _("%s%s%-7s %-11s %s %s: desired %ld, pending %ld, running %ld, "
				   "failed %ld\n"),
				 p->nsvc > 1 ? cli_safe(v->name) : "", p->nsvc > 1 ? ": " : "",
				 cli_safe(d->status),
				 cli_safe(d->rollout_state[0] ? d->rollout_state : "-"),
				 cli_safe(d->id), cli_safe(ship_taskdef_short(d->taskdef)),
				 d->desired, d->pending, d->running, d->failed);
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

/* Rows the terminal has for the status block (its height less two; 20 when unknown). */
static int term_rows(void)
{
	struct winsize ws;
	int rows = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 ? ws.ws_row - 2 : 20;
	if (rows < 3)
		rows = 3;
	return rows > CLI_PROGRESS_LINES ? CLI_PROGRESS_LINES : rows;
}

/* Draws every service's status block and the time waited (terminal only). With more services
 * than rows, the settled ones are folded into one line, then any still left over. */
static void draw(struct cli_progress *p)
{
	char line[1024];
	int w = cli_term_width(), room = term_rows() - 1;
	size_t shown = 0, fold_settled = 0;
	if (!p->tty || !p->nsvc)
		return;
	int fold = several(p) && p->nsvc > (size_t)room;
	for (size_t i = 0; i < p->nsvc; i++) {
		const struct cli_progress_service *ps = cli_progress_service_at(p, i);
		if (fold && (settled(&ps->view) || shown + 1 >= (size_t)room)) {
			fold_settled += settled(&ps->view);
			continue;
		}
		shown++;
		const char *b = ps->block;
		while (*b) {
			const char *nl = strchr(b, '\n');
			size_t len = nl ? (size_t)(nl - b) : strlen(b);
			snprintf(line, sizeof(line), "  %.*s", (int)len, b);
			draw_line(p, line, w);
			b += len + (nl ? 1 : 0);
		}
	}
	if (fold && shown < p->nsvc) {
		snprintf(line, sizeof(line), "  ");
		snprintf(line + 2, sizeof(line) - 2, _("... and %zu more services (%zu settled)"),
			 p->nsvc - shown, fold_settled);
		draw_line(p, line, w);
	}
	snprintf(line, sizeof(line), "  %s", ""); /* then the time waited */
	snprintf(line + 2, sizeof(line) - 2, _("waiting %.0f s"), now_s() - p->t0);
	draw_line(p, line, w);
	fflush(stderr);
}

/* GitHub Actions: service events and status lines go into a collapsed group; notes do not. */
static void group_open(struct cli_progress *p)
{
	if (p->ctx && p->ctx->github && !p->tty && !p->group) {
		/* i18n: not translated (a GitHub Actions workflow command) */
		fprintf(stderr, "::group::%s\n",
			_("deployment progress (service events and status)"));
		p->group = 1;
	}
}

static void group_close(struct cli_progress *p)
{
	if (p->group) {
		fputs("::endgroup::\n", stderr);
		p->group = 0;
	}
}

void cli_progress_note(void *vp, const char *msg)
{
	struct cli_progress *p = vp;
	char ts[32];
	mark_start(p);
	if (p->quiet)
		return;
	erase(p);
	group_close(p);
	if (p->tty) {
		fprintf(stderr, "%s\n", cli_safe(msg));
		draw(p);
	} else {
		stamp(p, ts, sizeof(ts));
		fprintf(stderr, "%s %s\n", ts, cli_safe(msg));
	}
}

void cli_progress_event(void *vp, double created, const char *message)
{
	struct cli_progress *p = vp;
	char ts[32];
	mark_start(p);
	if (p->quiet)
		return;
	erase(p);
	group_open(p);
	cli_time_format(created, 0, ts, sizeof(ts));
	fprintf(stderr, "%s %s %s\n", ts, _("event:"), cli_safe(message));
	draw(p);
}

struct cli_progress_service *cli_progress_service_at(const struct cli_progress *p, size_t i)
{
	return i < CLI_PROGRESS_SERVICES ? (struct cli_progress_service *)&p->svc[i]
					 : &p->more[i - CLI_PROGRESS_SERVICES];
}

void cli_progress_release(struct cli_progress *p)
{
	ship_free(p->more);
	p->more = NULL;
	p->nmore_cap = 0;
	if (p->nsvc > CLI_PROGRESS_SERVICES)
		p->nsvc = CLI_PROGRESS_SERVICES;
}

static struct cli_progress_service *service_of(struct cli_progress *p, const char *name)
{
	for (size_t i = 0; i < p->nsvc; i++)
		if (!strcmp(cli_progress_service_at(p, i)->name, name))
			return cli_progress_service_at(p, i);
	if (p->nsvc >= CLI_PROGRESS_SERVICES + p->nmore_cap) {
		size_t cap = p->nmore_cap ? 2 * p->nmore_cap : CLI_PROGRESS_SERVICES;
		if (CLI_PROGRESS_SERVICES + cap > SHIP_DEPLOY_MAX_SERVICES)
			cap = SHIP_DEPLOY_MAX_SERVICES - CLI_PROGRESS_SERVICES;
		if (cap <= p->nmore_cap)
			return NULL;
		struct cli_progress_service *m = ship_realloc(p->more, cap * sizeof(*m));
		if (!m)
			return NULL;
		p->more = m;
		p->nmore_cap = cap;
	}
	struct cli_progress_service *s = cli_progress_service_at(p, p->nsvc++);
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	return s;
}

/* Moves the service's timeline on with one snapshot. */
static void timeline_update(struct cli_timeline *tl, const struct ship_service_view *v, double now)
{
	tl->last = now;
	for (size_t i = 0; i < v->ndep; i++) {
		const struct ship_deployment_view *d = &v->dep[i];
		struct cli_dep_times *e = NULL;
		for (size_t j = 0; j < tl->ndep && !e; j++)
			if (!strcmp(tl->dep[j].id, d->id))
				e = &tl->dep[j];
		if (!e) {
			if (tl->ndep == CLI_TIMELINE_DEPLOYMENTS)
				continue;
			e = &tl->dep[tl->ndep++];
			memset(e, 0, sizeof(*e));
			snprintf(e->id, sizeof(e->id), "%s", d->id);
			snprintf(e->taskdef, sizeof(e->taskdef), "%s", d->taskdef);
			/* ECS's own stamps where it has them (createdAt, updatedAt), on the same
			 * clock */
			e->seen = d->created > 0 && d->created < now ? d->created : now;
		}
		if (!e->started && (d->running > 0 || d->pending > 0))
			e->started = now;
		if (!e->healthy && d->desired > 0 && d->running >= d->desired && d->pending == 0)
			e->healthy = now;
		if (!e->alone && v->ndep == 1 && e->healthy)
			e->alone = now;
		if (!e->completed && !strcmp(d->rollout_state, "COMPLETED"))
			e->completed = d->updated > 0 && d->updated < now ? d->updated : now;
		if (!e->failed && !strcmp(d->rollout_state, "FAILED"))
			e->failed = d->updated > 0 && d->updated < now ? d->updated : now;
		if (strcmp(d->status, "PRIMARY")) {
			if (!e->lost)
				e->lost = now;
		} else if (!e->settled && ship_rollout_settled_on(v, d->taskdef)) {
			e->settled = now;
		}
	}
}

void cli_progress_snapshot(void *vp, const struct ship_service_view *v, double elapsed, int changed)
{
	struct cli_progress *p = vp;
	struct cli_progress_service *s = service_of(p, v->name);
	char ts[32], block[sizeof(s->block)];
	double now = now_s();
	(void)elapsed;
	(void)changed; /* what changed is decided here, on what is printed */
	if (!s)
		return;
	mark_start(p);
	s->view = *v;
	timeline_update(&s->tl, v, clock_now(p));
	if (p->quiet)
		return;
	status_block(p, v, block, sizeof(block));
	if (p->tty) {
		snprintf(s->block, sizeof(s->block), "%s", block);
		erase(p);
		draw(p);
		return;
	}
	/* plain logs: the block again only when it changed; else a heartbeat now and then (one
	 * for all, when several services are followed) */
	stamp(p, ts, sizeof(ts));
	if (!p->printed_any)
		p->printed_any = now;
	if (several(p) && !strcmp(block, s->block)) {
		if (now - p->printed_any >= p->heartbeat) {
			size_t open = 0;
			for (size_t i = 0; i < p->nsvc; i++)
				open += !settled(&cli_progress_service_at(p, i)->view);
			group_open(p);
			fprintf(stderr, "%s ", ts);
			fprintf(stderr,
				_("still waiting (%.0f s): %zu of %zu services not settled"),
				now - p->t0, open, p->nsvc);
			fputc('\n', stderr);
			p->printed_any = now;
		}
		return;
	}
	if (strcmp(block, s->block)) {
		p->printed_any = now;
		group_open(p);
		snprintf(s->block, sizeof(s->block), "%s", block);
		for (const char *b = block; *b;) {
			const char *nl = strchr(b, '\n');
			size_t len = nl ? (size_t)(nl - b) : strlen(b);
			fprintf(stderr, "%s %.*s\n", ts, (int)len, b);
			b += len + (nl ? 1 : 0);
		}
		s->printed = now;
	} else if (now - s->printed >= p->heartbeat) {
		const struct ship_deployment_view *pr = ship_service_primary(v);
		group_open(p);
		fprintf(stderr, "%s ", ts);
		fprintf(stderr, _("still waiting (%.0f s): service '%s' unchanged"), now - p->t0,
			cli_safe(v->name));
		if (pr)
			fprintf(stderr, _(", %s %s running %ld of %ld"), cli_safe(pr->status),
				cli_safe(ship_taskdef_short(pr->taskdef)), pr->running,
				pr->desired);
		fputc('\n', stderr);
		s->printed = now;
	}
}

void cli_progress_done(struct cli_progress *p)
{
	erase(p);
	group_close(p);
	for (size_t i = 0; i < p->nsvc; i++)
		cli_progress_service_at(p, i)->block[0] = 0; /* a later wait draws afresh */
	fflush(stderr);
}

void cli_progress_result(struct cli_progress *p, const char *service,
			 const struct ship_deploy_result *r)
{
	struct cli_progress_service *s = service_of(p, service);
	if (!s)
		return;
	snprintf(s->tl.ours, sizeof(s->tl.ours), "%s", r->deployment_id);
	snprintf(s->tl.previous, sizeof(s->tl.previous), "%s", r->previous_taskdef);
	s->tl.outcome = (int)r->outcome + 1;
	s->tl.rolled_back = r->rolled_back;
	s->tl.ended = clock_now(p);
}

/* A name for a Mermaid gantt task: no ':', '#' or ';', which end or break its syntax; the ':' of
 * a task definition ("web:3") reads "web revision 3". */
static void gantt_name(char *out, size_t n, const char *fmt, const char *arg)
{
	char a[600];
	size_t k = 0;
	for (const char *c = arg; *c && k + 11 < sizeof(a); c++) {
		if (*c == ':')
			k += (size_t)snprintf(a + k, sizeof(a) - k, " %s ", _("revision"));
		else
			a[k++] = *c == '#' || *c == ';' || *c == '\n' ? ' ' : *c;
	}
	a[k] = 0;
	snprintf(out, n, fmt, a);
}

static void gantt_task(FILE *out, const char *name, const char *tags, size_t svc, char id,
		       double from, double to)
{
	long long a = (long long)(from * 1000), b = (long long)(to * 1000);
	/* i18n: not translated (Mermaid gantt syntax) */
	fprintf(out, "    %s :%s%ss%zu%c, %lld, %lld\n", name, tags, tags[0] ? ", " : "", svc, id,
		a, b < a ? a : b);
}

static double later(double a, double b)
{
	return a > b ? a : b;
}

static const struct cli_dep_times *dep_times(const struct cli_timeline *tl, const char *id)
{
	for (size_t i = 0; i < tl->ndep; i++)
		if (!strcmp(tl->dep[i].id, id))
			return &tl->dep[i];
	return NULL;
}

/* One service's bars: the steps our deployment went through, then how it ended. */
static void gantt_service(FILE *out, const struct cli_progress *p, size_t i)
{
	const struct cli_progress_service *ps = cli_progress_service_at(p, i);
	const struct cli_timeline *tl = &ps->tl;
	const struct cli_dep_times *o = dep_times(tl, tl->ours);
	enum ship_deploy_outcome oc = (enum ship_deploy_outcome)(tl->outcome - 1);
	int ok = oc == SHIP_DEPLOY_COMPLETED || oc == SHIP_DEPLOY_PAUSED, bad = tl->outcome && !ok;
	const char *tag = bad ? "crit" : "done";
	char name[700];
	double at, failed = 0, back = 0;
	if (!o)
		return;
	gantt_name(name, sizeof(name), "section %s", ps->name);
	fprintf(out, "    %s\n", name);
	gantt_task(out, _("registered, service updated"), "done", i, 'a', p->start, o->seen);
	at = later(p->start, o->seen);
	if (bad) /* the first sign of failure: FAILED, or another deployment took over */
		failed = o->failed && (!o->lost || o->failed < o->lost) ? o->failed : o->lost;
	if (o->started && (!failed || o->started < failed)) {
		gantt_task(out, _("tasks started"), tag, i, 'b', at, o->started);
		at = later(at, o->started);
	}
	if (o->healthy && (!failed || o->healthy < failed)) {
		gantt_task(out, _("healthy"), tag, i, 'c', at, o->healthy);
		at = later(at, o->healthy);
	}
	if (o->alone && (!failed || o->alone < failed)) {
		gantt_task(out, _("traffic shifted"), tag, i, 'd', at, o->alone);
		at = later(at, o->alone);
	}
	if (ok) {
		double c = later(at, o->completed ? o->completed : tl->last);
		gantt_task(out, _("completed"), "done", i, 'e', at, c);
		gantt_task(out, _("completed"), "milestone", i, 'm', c, c);
		return;
	}
	if (!tl->outcome) {
		gantt_task(out, _("waiting"), "active", i, 'e', at, tl->last);
		return;
	}
	if (!failed || failed < at)
		failed = later(at, tl->last);
	gantt_task(out, oc == SHIP_DEPLOY_TIMEOUT ? _("timed out") : _("failed"), "crit", i, 'f',
		   at, failed);
	if (!tl->rolled_back) {
		gantt_task(out, _("not rolled back"), "milestone", i, 'm', failed, failed);
		return;
	}
	/* back on the previous revision: the deployment of it that settled after ours failed */
	for (size_t j = 0; j < tl->ndep; j++) {
		const struct cli_dep_times *e = &tl->dep[j];
		double settled = e->completed ? e->completed : e->settled;
		if (e != o && !strcmp(e->taskdef, tl->previous) && settled >= failed &&
		    (!back || settled < back))
			back = settled;
	}
	if (!back)
		back = tl->ended;
	back = later(failed, back);
	gantt_name(name, sizeof(name), _("rolled back to %s"), ship_taskdef_short(tl->previous));
	gantt_task(out, name, "crit", i, 'g', failed, back);
	gantt_task(out, _("rolled back"), "milestone", i, 'm', back, back);
}

void cli_progress_timeline(const struct cli_progress *p, FILE *out)
{
	char day[48];
	int any = 0;
	for (size_t i = 0; i < p->nsvc; i++)
		any |= dep_times(&cli_progress_service_at(p, i)->tl,
				 cli_progress_service_at(p, i)->tl.ours) != NULL;
	if (!any)
		return;
	cli_time_format(p->start, 1, day, sizeof(day));
	/* i18n: not translated (Mermaid gantt syntax; its title is translated) */
	fprintf(
	    out,
	    "```mermaid\ngantt\n    title %s %s\n    dateFormat x\n    axisFormat %%H:%%M:%%S\n",
	    _("deployment timeline, started"), day);
	for (size_t i = 0; i < p->nsvc; i++)
		gantt_service(out, p, i);
	fputs("```\n\n", out);
}

/* ---- GitHub Actions ------------------------------------------------------------------------- */

void cli_github_output(const char *key, const char *value)
{
	const char *path = getenv("GITHUB_OUTPUT");
	if (!path || !*path)
		return;
	FILE *f = fopen(path, "a");
	if (!f) {
		cli_warn(_("cannot append to $GITHUB_OUTPUT '%s'"), path);
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
		cli_warn(_("cannot append to $GITHUB_STEP_SUMMARY '%s'"), path);
		return;
	}
	fputs(markdown, f);
	fclose(f);
}
