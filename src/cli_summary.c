/*
 * cli_summary.c: what a deploy leaves for people under GitHub Actions: the ::error:: annotation
 * of a failed deploy with the diagnosis's cause and hint, and the step summary's sections (the
 * cause, the evidence: stopped tasks, target health, service events, log lines, which revision
 * the service is back on, and the deployment timeline). Only writing; the diagnosis is
 * lib/troubleshoot's and the timeline cli_progress.c's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ecship/diagnose.h"

void cli_annotation(const char *kind, const char *msg)
{
	/* workflow command: one line, %, CR and LF escaped */
	fprintf(stderr, "::%s::", kind);
	for (const char *p = msg; *p; p++) {
		if (*p == '%')
			fputs("%25", stderr);
		else if (*p == '\n')
			fputs("%0A", stderr);
		else if (*p == '\r')
			fputs("%0D", stderr);
		else
			fputc(*p, stderr);
	}
	fputc('\n', stderr);
}

static int s_group_open;

void cli_group_begin(const char *title)
{
	const char *gh = getenv("GITHUB_ACTIONS");
	if (s_group_open || !gh || strcmp(gh, "true"))
		return;
	fprintf(stderr, "::group::%s\n", title);
	s_group_open = 1;
}

void cli_group_end(void)
{
	if (s_group_open)
		fputs("::endgroup::\n", stderr);
	s_group_open = 0;
}

FILE *cli_github_summary_open(void)
{
	const char *path = getenv("GITHUB_STEP_SUMMARY");
	FILE *f;
	if (!path || !*path)
		return NULL;
	f = fopen(path, "a");
	if (!f)
		cli_warn(_("cannot append to $GITHUB_STEP_SUMMARY '%s'"), path);
	return f;
}

/* Text inside markdown (and table cells): nothing in it may become markup or end the cell. */
static void md_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '\n':
		case '\r':
			fputc(' ', f);
			break;
		case '|':
		case '\\':
		case '`':
		case '*':
		case '_':
		case '[':
		case ']':
		case '#':
			fputc('\\', f);
			fputc(*s, f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* A fence longer than any run of backticks in the lines, so no log line can close it. */
static int fence_len(const struct ship_log_events *ev)
{
	int best = 3;
	for (size_t i = 0; i < ev->n; i++) {
		int run = 0;
		for (const char *c = ev->v[i].message; *c; c++) {
			run = *c == '`' ? run + 1 : 0;
			if (run >= best)
				best = run + 1;
		}
	}
	return best;
}

static void summary_evidence(FILE *f, const char *taskdef, const struct ship_diagnosis *d)
{
	char ts[48];
	fprintf(f, "<details open><summary>%s</summary>\n\n", _("Evidence"));
	if (d->stopped.n) {
		fprintf(f, _("**Stopped tasks of %s** (newest first)"),
			ship_taskdef_short(taskdef));
		fprintf(f, "\n\n| %s | %s | %s | %s |\n|---|---|---|---|\n", _("task"),
			_("stop code"), _("stopped reason"), _("containers"));
		for (size_t i = 0; i < d->stopped.n; i++) {
			const struct ship_task_info *t = &d->stopped.v[i];
			fprintf(f, "| %s | ", t->id);
			md_text(f, t->stop_code[0] ? t->stop_code : "-");
			fputs(" | ", f);
			md_text(f, t->stopped_reason[0] ? t->stopped_reason : "-");
			fputs(" | ", f);
			for (size_t j = 0; j < t->nc; j++) {
				const struct ship_container_info *c = &t->c[j];
				char ec[64] = "";
				if (c->has_exit)
					snprintf(ec, sizeof(ec), _("exit code %d"), c->exit_code);
				md_text(f, c->name);
				fputs(": ", f);
				md_text(f, ec[0] ? ec : c->last_status);
				if (c->reason[0]) {
					fputs(", ", f);
					md_text(f, c->reason);
				}
				if (j + 1 < t->nc)
					fputs("<br>", f);
			}
			fputs(" |\n", f);
		}
		fputc('\n', f);
	} else {
		fprintf(f, _("No stopped task of %s is known to ECS."),
			ship_taskdef_short(taskdef));
		fputs("\n\n", f);
	}
	if (d->targets.n) {
		fprintf(f, "%s\n\n| %s | %s | %s |\n|---|---|---|\n", _("**Targets not healthy**"),
			_("target"), _("state"), _("reason"));
		for (size_t i = 0; i < d->targets.n; i++) {
			const struct ship_target_info *t = &d->targets.v[i];
			fprintf(f, "| %s:%ld | ", t->id, t->port);
			md_text(f, t->state);
			fputs(" | ", f);
			md_text(f, t->reason);
			if (t->description[0]) {
				fputs(": ", f);
				md_text(f, t->description);
			}
			fputs(" |\n", f);
		}
		fputc('\n', f);
	}
	if (d->nevents) {
		fprintf(f, "%s\n\n", _("**Service events**"));
		for (size_t i = 0; i < d->nevents; i++) {
			fputs("- ", f);
			md_text(f, d->events[i]);
			fputc('\n', f);
		}
		fputc('\n', f);
	}
	if (d->lines.n) {
		int fl = fence_len(&d->lines);
		fprintf(f, _("**Last log lines of task %s** (%s %s)"), d->log_task, d->logs.group,
			d->log_stream);
		fprintf(f, "\n\n%.*stext\n", fl, "``````````````````````````````````");
		for (size_t i = 0; i < d->lines.n; i++) {
			cli_time_format(d->lines.v[i].time, 1, ts, sizeof(ts));
			fprintf(f, "%s %s\n", ts, d->lines.v[i].message);
		}
		fprintf(f, "%.*s\n\n", fl, "``````````````````````````````````");
	} else if (d->log_error[0]) {
		fprintf(f, "%s ", _("No log lines:"));
		md_text(f, d->log_error);
		fputs("\n\n", f);
	}
	fputs("</details>\n\n", f);
}

void cli_github_failure(struct cli_ctx *ctx, const char *service,
			const struct ship_deploy_result *r, const struct ship_diagnosis *d)
{
	char msg[4096], back[1024];
	size_t k;
	FILE *f;
	if (!ctx->github)
		return;
	if (r->rolled_back)
		snprintf(
		    back, sizeof(back),
		    r->rollback_by_ecs
			? _("the service is back on %s (rolled back by the ECS circuit breaker)")
			: _("the service is back on %s"),
		    ship_taskdef_short(r->previous_taskdef));
	else
		snprintf(back, sizeof(back), _("the service was NOT rolled back"));
	/* the annotation: what failed, the cause, the hint, and where the service is now */
	k = (size_t)snprintf(msg, sizeof(msg),
			     r->outcome == SHIP_DEPLOY_TIMEOUT
				 ? _("deploy of service '%s' timed out: %s")
				 : _("deploy of service '%s' failed: %s"),
			     cli_safe(service), cli_safe(r->reason));
	if (d && d->cause[0] && k < sizeof(msg))
		k += (size_t)snprintf(msg + k, sizeof(msg) - k, "\n%s %s", _("cause:"),
				      cli_safe(d->cause));
	if (d && d->fix[0] && k < sizeof(msg))
		k += (size_t)snprintf(msg + k, sizeof(msg) - k, "\n%s %s", _("hint:"),
				      cli_safe(d->fix));
	if (k < sizeof(msg))
		snprintf(msg + k, sizeof(msg) - k, "\n%s", back);
	cli_annotation("error", msg);

	if (!(f = cli_github_summary_open()))
		return;
	fputs("#### ", f);
	fprintf(f,
		r->outcome == SHIP_DEPLOY_TIMEOUT ? _("deploy of service `%s` timed out")
						  : _("deploy of service `%s` failed"),
		service);
	fputs("\n\n", f);
	if (d && d->cause[0]) {
		fprintf(f, "%s ", _("**Cause:**"));
		md_text(f, d->cause);
		fputs("  \n", f);
	}
	if (d && d->fix[0]) {
		fprintf(f, "%s ", _("**Fix:**"));
		md_text(f, d->fix);
		fputs("  \n", f);
	}
	fprintf(f, "%s ", _("**Now:**"));
	md_text(f, back);
	fputs("  \n", f);
	fprintf(f, "%s ", _("**Reason:**"));
	md_text(f, r->reason);
	fputs("\n\n", f);
	if (d)
		summary_evidence(f, r->taskdef_arn, d);
	fclose(f);
}

void cli_github_timeline(struct cli_ctx *ctx, const struct cli_progress *p)
{
	FILE *f;
	if (!ctx->github || !(f = cli_github_summary_open()))
		return;
	cli_progress_timeline(p, f);
	fclose(f);
}

/*
 * The table a deploy of several services ends on (stderr, with its progress): one row per
 * service with the revision it deployed, how it ended (and where a rollback left it) and its own
 * time, so that 50 services read at a glance after their progress scrolled by.
 */
long cli_deploy_failed_with(const char *const *names, const struct ship_deploy_result *res,
			    size_t n, size_t i)
{
	/* the library's reason for such a service (deploy.h, ship_deploy_many: when one fails,
	 * every one is rolled back), in the same catalogue: its text up to the failed service's
	 * own reason */
	char pre[SHIP_ECS_NAME_MAX + 256];
	if (res[i].outcome != SHIP_DEPLOY_FAILED)
		return -1;
	for (size_t j = 0; j < n; j++) {
		if (j == i || !names[j])
			continue;
		snprintf(pre, sizeof(pre), _("rolled back because service '%s' failed: %s"),
			 names[j], "\001");
		char *cut = strchr(pre, '\001');
		if (cut)
			*cut = '\0';
		if (pre[0] && !strncmp(res[i].reason, pre, strlen(pre)))
			return (long)j;
	}
	return -1;
}

void cli_deploy_summary_table(FILE *f, const char *const *names,
			      const struct ship_deploy_result *res, size_t n)
{
	const char *head[4] = {_("service"), _("revision"), _("outcome"), _("time")};
	int w[3] = {(int)strlen(head[0]), (int)strlen(head[1]), (int)strlen(head[2])};
	char rev[SHIP_ECS_TASKDEF_ARN_MAX + 1], oc[SHIP_ECS_TASKDEF_ARN_MAX + 64];
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			fprintf(f, "%-*s  %-*s  %-*s  %s\n", w[0], head[0], w[1], head[1], w[2],
				head[2], head[3]);
		for (size_t i = 0; i < n; i++) {
			const struct ship_deploy_result *r = &res[i];
			snprintf(rev, sizeof(rev), "%s",
				 r->taskdef_arn[0] ? ship_taskdef_short(r->taskdef_arn) : "-");
			long with = cli_deploy_failed_with(names, res, n, i);
			if (with >= 0 && r->rolled_back)
				snprintf(oc, sizeof(oc), _("rolled back to %s (%s failed)"),
					 ship_taskdef_short(r->previous_taskdef), names[with]);
			else if (r->rolled_back)
				snprintf(oc, sizeof(oc), _("%s, back on %s"),
					 ship_deploy_outcome_name(r->outcome),
					 ship_taskdef_short(r->previous_taskdef));
			else
				snprintf(oc, sizeof(oc), "%s",
					 ship_deploy_outcome_name(r->outcome));
			const char *name = cli_safe(names[i]);
			if (!pass) {
				int l[3] = {(int)strlen(name), (int)strlen(rev), (int)strlen(oc)};
				for (int k = 0; k < 3; k++)
					if (l[k] > w[k])
						w[k] = l[k];
				continue;
			}
			fprintf(f, "%-*s  %-*s  %-*s  %.1f s\n", w[0], name, w[1], cli_safe(rev),
				w[2], oc, r->seconds);
		}
	}
}
