/*
 * cli_diagnose.c: how troubleshooting looks on the terminal, shared by `tasks`, `logs`, `run`,
 * `deploy --pre-run` and the diagnosis a failed deploy prints: one task as a few lines, one log
 * event as one line, a task's log lines as they arrive, and the failure diagnosis (the library's
 * diagnose.h). Only printing here; the work is in lib/troubleshoot/.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ecship/diagnose.h"
#include "ecship/service_info.h"

static void when(double t, char *out, size_t n)
{
	if (t <= 0)
		snprintf(out, n, "-");
	else
		cli_time_format(t, 2, out, n);
}

void cli_print_task(FILE *f, const struct ship_task_info *t)
{
	char started[48], stopped[48];
	when(t->started, started, sizeof(started));
	when(t->stopped, stopped, sizeof(stopped));
	/* every field comes from the answer: escaped (cli_safe) */
	fprintf(f, _("task %s  %s  %s (desired %s)  health %s  ip %s\n"), cli_safe(t->id),
		cli_safe(ship_arn_tail(t->taskdef)), cli_safe(t->last_status),
		cli_safe(t->desired_status), cli_safe(t->health[0] ? t->health : "-"),
		cli_safe(t->private_ip[0] ? t->private_ip : "-"));
	fprintf(f, _("  started %s  stopped %s%s%s\n"), started, stopped,
		t->started_by[0] ? _("  started by ") : "", cli_safe(t->started_by));
	if (t->stop_code[0] || t->stopped_reason[0])
		/* i18n: not translated (ECS's field name stopCode, then its own texts) */
		fprintf(f, "  stopCode %s: %s\n", cli_safe(t->stop_code[0] ? t->stop_code : "-"),
			cli_safe(t->stopped_reason[0] ? t->stopped_reason : "-"));
	for (size_t i = 0; i < t->nc; i++) {
		const struct ship_container_info *c = &t->c[i];
		if (!c->has_exit && !c->reason[0] && !t->stop_code[0])
			continue;
		fprintf(f, _("  container %s: "), cli_safe(c->name));
		if (c->has_exit)
			fprintf(f, _("exit code %d%s"), c->exit_code, c->reason[0] ? ", " : "");
		else if (!c->reason[0])
			fprintf(f, _("no exit code (%s)"), cli_safe(c->last_status));
		fprintf(f, "%s\n", cli_safe(c->reason));
	}
}

void cli_print_log_event(FILE *f, const struct ship_log_event *e, int with_task)
{
	char ts[48];
	cli_time_format(e->time, 1, ts, sizeof(ts));
	if (with_task)
		fprintf(f, "%s [%.12s] %s\n", ts, cli_safe(ship_arn_tail(e->stream)),
			cli_safe(e->message));
	else
		fprintf(f, "%s %s\n", ts, cli_safe(e->message));
}

/* ---- a task's log lines as they arrive ----------------------------------------------------- */

void cli_task_logs_init(struct cli_task_logs *l, struct ship_aws *aws, const json_t *taskdef,
			const char *container)
{
	struct ship_err err = SHIP_ERR_INIT;
	memset(l, 0, sizeof(*l));
	l->aws = aws;
	l->ok = !ship_awslogs_of(taskdef, container, &l->logs, &err);
	if (!l->ok)
		snprintf(l->why, sizeof(l->why), "%s", err.message);
	ship_logs_follow_init(&l->cursor, 0);
}

size_t cli_task_logs_poll(struct cli_task_logs *l, const char *task_id, FILE *out)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_log_events ev = {0};
	char stream[900];
	const char *streams[1] = {stream};
	size_t n = 0;
	if (!l->ok || ship_awslogs_stream(&l->logs, task_id, stream, sizeof(stream)))
		return 0;
	struct ship_logs_query q = {0};
	q.group = l->logs.group;
	q.streams = streams;
	q.nstreams = 1;
	q.start = l->cursor.since;
	if (ship_logs_filter(l->aws, &q, &ev, &err)) {
		/* the stream appears only once the container writes: not an error until then */
		if (strcmp(err.aws_code, "ResourceNotFoundException") && !l->warned) {
			cli_warn(_("cannot read the task's log: %s"), err.message);
			l->warned = 1;
		}
	} else {
		n = ship_logs_follow_take(&l->cursor, &ev);
		for (size_t i = 0; i < ev.n; i++)
			cli_print_log_event(out, &ev.v[i], 0);
		fflush(out);
	}
	ship_log_events_release(&ev);
	return n;
}

/* ---- the failed-deploy diagnosis ----------------------------------------------------------- */

void cli_diagnose_failure(struct cli_ctx *ctx, struct ship_aws *aws, const char *cluster,
			  const char *service, const struct ship_deploy_result *res)
{
	struct ship_diagnosis d;
	struct ship_err err = SHIP_ERR_INIT;
	if (res->outcome != SHIP_DEPLOY_FAILED && res->outcome != SHIP_DEPLOY_TIMEOUT)
		return;
	if (!aws || !res->taskdef_arn[0]) {
		cli_github_failure(ctx, service, res, NULL);
		return;
	}
	if (ship_diagnose_failure(aws, cluster, service, res->taskdef_arn, res->deployment_id, 15,
				  &d, &err)) {
		cli_warn(_("cannot diagnose the failure: %s"), err.message);
		ship_diagnosis_release(&d);
		cli_github_failure(ctx, service, res, NULL);
		return;
	}
	fprintf(stderr, _("\ndiagnosis of %s on service '%s':\n"),
		cli_safe(ship_arn_tail(res->taskdef_arn)), cli_safe(service));
	if (d.stopped.n) {
		fprintf(stderr, "%s\n", _("stopped tasks (newest first):"));
		for (size_t i = 0; i < d.stopped.n; i++)
			cli_print_task(stderr, &d.stopped.v[i]);
	} else {
		fprintf(stderr, _("no stopped task of %s is known to ECS\n"),
			cli_safe(ship_arn_tail(res->taskdef_arn)));
	}
	if (d.targets.n) {
		fprintf(stderr, "%s\n", _("targets not healthy:"));
		for (size_t i = 0; i < d.targets.n; i++)
			fprintf(stderr, "  %s:%ld %s%s%s%s%s\n", cli_safe(d.targets.v[i].id),
				d.targets.v[i].port, cli_safe(d.targets.v[i].state),
				d.targets.v[i].reason[0] ? " " : "",
				cli_safe(d.targets.v[i].reason),
				d.targets.v[i].description[0] ? ": " : "",
				cli_safe(d.targets.v[i].description));
	}
	if (d.nevents) {
		fprintf(stderr, "%s\n", _("service events:"));
		for (size_t i = 0; i < d.nevents; i++)
			fprintf(stderr, "  %s\n", cli_safe(d.events[i]));
	}
	if (d.lines.n) {
		fprintf(stderr, _("last log lines of task %s (%s %s):\n"), cli_safe(d.log_task),
			cli_safe(d.logs.group), cli_safe(d.log_stream));
		for (size_t i = 0; i < d.lines.n; i++) {
			fputs("  ", stderr);
			cli_print_log_event(stderr, &d.lines.v[i], 0);
		}
	} else if (d.log_error[0]) {
		fprintf(stderr, "%s %s\n", _("no log lines:"), cli_safe(d.log_error));
	}
	/* blue/green, linear, canary: ECS ended it for a reason of its own (an alarm, a lifecycle
	 * hook), which the tasks do not show */
	if (res->lifecycle_cause[0]) {
		snprintf(d.cause, sizeof(d.cause), "%s", res->lifecycle_cause);
		const char *fix =
		    res->lifecycle_alarm
			? _("the new revision set the alarm off: see what it measures ('aws "
			    "cloudwatch describe-alarm-history'), fix the revision and deploy "
			    "again")
			: _("a lifecycle hook ended it: answer a PAUSE hook before its timeout "
			    "('ecship approve'), or see why the Lambda hook failed");
		/* `ecship abort` (ContinueServiceDeployment ROLLBACK) or StopServiceDeployment */
		if (!res->lifecycle_alarm && ship_sdep_rollback_requested(res->lifecycle_cause))
			fix =
			    _("the deployment was aborted ('ecship abort', or a ROLLBACK through "
			      "ContinueServiceDeployment or StopServiceDeployment): nothing to fix "
			      "unless that was not intended");
		snprintf(d.fix, sizeof(d.fix), "%s", fix);
	}
	if (d.cause[0])
		fprintf(stderr, "%s %s\n", _("cause:"), cli_safe(d.cause));
	if (d.fix[0])
		cli_hint("%s", d.fix);
	cli_github_failure(ctx, service, res, &d); /* the annotation and the step summary */
	ship_diagnosis_release(&d);
}
