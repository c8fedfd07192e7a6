/*
 * failfast.c: the fail-fast decision (failfast.h): which stopped tasks of our deployment prove it
 * cannot succeed, by the developer guide's stop reasons and ECS's own counters. Pure: no I/O, no
 * clock; the watcher (failfast_watch.c) feeds it. Depends on tasks.h's records and lib/util.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ecship/failfast.h"
#include "ecship/i18n.h"

void ship_failfast_rules_default(struct ship_failfast_rules *r)
{
	r->enabled = 1;
	r->same_exit = SHIP_FAILFAST_SAME_EXIT_DEFAULT;
	r->failed_health = SHIP_FAILFAST_FAILED_HEALTH_DEFAULT;
}

const char *ship_failfast_rule_name(enum ship_failfast_rule r)
{
	switch (r) {
	case SHIP_FAILFAST_CANNOT_HEAL:
		return "cannot-heal";
	case SHIP_FAILFAST_SAME_EXIT:
		return "same-exit";
	case SHIP_FAILFAST_FAILED_HEALTH:
		return "failed-health";
	case SHIP_FAILFAST_NONE:
		break;
	}
	return "";
}

/* Whether s contains word, ignoring ASCII case. */
static int has(const char *s, const char *word)
{
	size_t wl = strlen(word);
	for (; *s; s++) {
		size_t i = 0;
		while (i < wl && s[i] &&
		       tolower((unsigned char)s[i]) == tolower((unsigned char)word[i]))
			i++;
		if (i == wl)
			return 1;
	}
	return 0;
}

static int has_any(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (has(s, *words))
			return 1;
	return 0;
}

/*
 * Words of a failure that can pass by itself: the registry or AWS was slow, refused for a while
 * or could not be reached (developer guide, "CannotPullContainer task errors" and "Troubleshoot
 * ResourceInitializationError errors": timeouts, "too many requests", network routes). Such a
 * task proves nothing about the next one.
 */
static const char *const s_transient[] = {"timeout",
					  "timed out",
					  "deadline exceeded",
					  "toomanyrequests",
					  "too many requests",
					  "rate exceeded",
					  "throttl",
					  "connection reset",
					  "connection refused",
					  "no such host",
					  "i/o ",
					  "network is unreachable",
					  "service unavailable",
					  "internal server error",
					  "request canceled",
					  NULL};

/* CannotPullContainerError for an image, tag or repository that is not there, or a registry
 * that refuses this task's identity (developer guide, "CannotPullContainer task errors":
 * "not found", "manifest unknown", "repository ... does not exist", 403 / access denied). */
static const char *const s_pull_missing[] = {"not found", "manifest unknown", "does not exist",
					     NULL};
static const char *const s_pull_denied[] = {"403",	    "forbidden",      "denied",
					    "unauthorized", "not authorized", NULL};
/* ResourceInitializationError that names a refusal or a missing resource (developer guide,
 * "Troubleshoot ResourceInitializationError errors": secrets from Secrets Manager or SSM the
 * execution role may not read or that do not exist, a log group that does not exist). */
static const char *const s_init_denied[] = {"AccessDenied", "not authorized", NULL};
static const char *const s_init_missing[] = {"ResourceNotFoundException", "ParameterNotFound",
					     "does not exist", NULL};

static void set_why(char *why, size_t n, const char *text)
{
	if (why && n)
		snprintf(why, n, "%s", text);
}

/* CANNOT_HEAL for one reason text, else NONE. */
static enum ship_failfast_rule classify_reason(const char *r, char *why, size_t n)
{
	if (!r[0] || has_any(r, s_transient))
		return SHIP_FAILFAST_NONE;
	if (has(r, "CannotPullContainerError")) {
		if (has_any(r, s_pull_denied)) {
			set_why(why, n, _("the image's registry refuses access"));
			return SHIP_FAILFAST_CANNOT_HEAL;
		}
		if (has_any(r, s_pull_missing)) {
			set_why(why, n, _("the image or its tag does not exist"));
			return SHIP_FAILFAST_CANNOT_HEAL;
		}
		return SHIP_FAILFAST_NONE;
	}
	if (has(r, "ResourceInitializationError")) {
		int log = has(r, "log group") || has(r, "logger");
		if (has_any(r, s_init_denied)) {
			set_why(why, n,
				log ? _("access to the log group is denied")
				    : _("the execution role may not read a secret or parameter"));
			return SHIP_FAILFAST_CANNOT_HEAL;
		}
		if (has_any(r, s_init_missing)) {
			set_why(why, n,
				log ? _("the log group does not exist")
				    : _("a secret or parameter does not exist"));
			return SHIP_FAILFAST_CANNOT_HEAL;
		}
	}
	return SHIP_FAILFAST_NONE;
}

int ship_failfast_ready(const struct ship_task_info *t)
{
	if (!strcmp(t->last_status, "STOPPED"))
		return 1;
	if (strcmp(t->desired_status, "STOPPED") || !t->stopped_reason[0])
		return 0;
	/* an exit is judged once the container's exit code is known */
	const struct ship_container_info *c = ship_task_failed_container(t);
	return strcmp(t->stop_code, "EssentialContainerExited") || (c && c->has_exit);
}

enum ship_failfast_rule ship_failfast_classify(const struct ship_task_info *t, int *exit_code,
					       char *why, size_t n)
{
	set_why(why, n, "");
	if (!ship_failfast_ready(t))
		return SHIP_FAILFAST_NONE;
	if (classify_reason(t->stopped_reason, why, n) == SHIP_FAILFAST_CANNOT_HEAL)
		return SHIP_FAILFAST_CANNOT_HEAL;
	for (size_t i = 0; i < t->nc; i++)
		if (classify_reason(t->c[i].reason, why, n) == SHIP_FAILFAST_CANNOT_HEAL)
			return SHIP_FAILFAST_CANNOT_HEAL;
	/* "Task failed ELB health checks in (target-group ...)" and "Task failed container health
	 * checks" (developer guide, "Amazon ECS stopped task error messages") */
	if (has(t->stopped_reason, "failed ELB health checks") ||
	    has(t->stopped_reason, "failed container health checks")) {
		set_why(why, n, _("failed its health checks after the grace period"));
		return SHIP_FAILFAST_FAILED_HEALTH;
	}
	const struct ship_container_info *c = ship_task_failed_container(t);
	if (!strcmp(t->stop_code, "EssentialContainerExited") && c && c->has_exit &&
	    c->exit_code != 0) {
		if (exit_code)
			*exit_code = c->exit_code;
		set_why(why, n, _("its essential container exited"));
		return SHIP_FAILFAST_SAME_EXIT;
	}
	return SHIP_FAILFAST_NONE;
}

void ship_failfast_init(struct ship_failfast *f, const struct ship_failfast_rules *rules,
			const char *deployment_id, const char *taskdef)
{
	memset(f, 0, sizeof(*f));
	if (rules)
		f->rules = *rules;
	else
		ship_failfast_rules_default(&f->rules);
	snprintf(f->deployment_id, sizeof(f->deployment_id), "%s",
		 deployment_id ? deployment_id : "");
	snprintf(f->taskdef, sizeof(f->taskdef), "%s", taskdef ? taskdef : "");
	f->last_failed = -1;
}

static void reset_counts(struct ship_failfast *f)
{
	f->health = 0;
	f->nexits = 0;
}

void ship_failfast_observe(struct ship_failfast *f, long failed_tasks)
{
	if (f->last_failed >= 0 && failed_tasks < f->last_failed) {
		f->resets++;
		reset_counts(f);
	}
	f->last_failed = failed_tasks;
}

int ship_failfast_seen(const struct ship_failfast *f, const char *task_id)
{
	for (size_t i = 0; i < f->nseen; i++)
		if (!strcmp(f->seen[i], task_id))
			return 1;
	return 0;
}

static void remember(struct ship_failfast *f, const char *task_id)
{
	snprintf(f->seen[f->seen_next], sizeof(f->seen[0]), "%s", task_id);
	f->seen_next = (f->seen_next + 1) % SHIP_FAILFAST_SEEN;
	if (f->nseen < SHIP_FAILFAST_SEEN)
		f->nseen++;
}

/* Started by our deployment (ECS sets startedBy to the deployment's id), or, where startedBy is
 * missing, running our task definition. */
int ship_failfast_ours(const struct ship_failfast *f, const struct ship_task_info *t)
{
	if (t->started_by[0])
		return f->deployment_id[0] && !strcmp(t->started_by, f->deployment_id);
	return f->taskdef[0] && !strcmp(t->taskdef, f->taskdef);
}

/* A reason quoted in evidence: the first line, at most 600 bytes. */
static void quote(char *out, size_t n, const struct ship_task_info *t)
{
	const char *r = t->stopped_reason;
	const struct ship_container_info *c = ship_task_failed_container(t);
	if (c && c->reason[0] && (!r[0] || has(c->reason, "Error")))
		r = c->reason;
	size_t len = strcspn(r, "\n");
	if (len > 600)
		len = 600;
	snprintf(out, n, "%.*s%s", (int)len, r, r[len] && r[len] != '\n' ? "..." : "");
}

enum ship_failfast_rule ship_failfast_feed(struct ship_failfast *f, const struct ship_task_info *t)
{
	char why[96], q[620];
	int code = 0;
	if (f->verdict != SHIP_FAILFAST_NONE || !f->rules.enabled)
		return f->verdict;
	if (!ship_failfast_ready(t) || !t->id[0] || ship_failfast_seen(f, t->id))
		return f->verdict;
	remember(f, t->id);
	if (!ship_failfast_ours(f, t))
		return f->verdict;
	enum ship_failfast_rule k = ship_failfast_classify(t, &code, why, sizeof(why));
	if (k == SHIP_FAILFAST_NONE)
		return f->verdict;
	f->failed++;
	double when = t->stopping > 0 ? t->stopping : t->stopped;
	if (!f->first_failed || (when > 0 && when < f->first_failed)) {
		f->first_failed = when;
		snprintf(f->first_task, sizeof(f->first_task), "%s", t->id);
	}
	quote(q, sizeof(q), t);
	const char *td = ship_taskdef_short(t->taskdef[0] ? t->taskdef : f->taskdef);
	switch (k) {
	case SHIP_FAILFAST_CANNOT_HEAL:
		f->verdict = k;
		snprintf(
		    f->evidence, sizeof(f->evidence),
		    _("failing fast: task %s of %s stopped because %s, which no relaunch cures: "
		      "%s"),
		    t->id, td, why, q);
		break;
	case SHIP_FAILFAST_SAME_EXIT: {
		size_t i;
		for (i = 0; i < f->nexits && f->exits[i].code != code; i++)
			;
		if (i == f->nexits) {
			if (f->nexits == SHIP_FAILFAST_EXITS)
				break; /* many different codes: not one repeated fault */
			f->exits[f->nexits].code = code;
			f->exits[f->nexits++].n = 0;
		}
		if (++f->exits[i].n >= f->rules.same_exit && f->rules.same_exit > 0) {
			const struct ship_container_info *c = ship_task_failed_container(t);
			f->verdict = k;
			snprintf(
			    f->evidence, sizeof(f->evidence),
			    _("failing fast: the essential container '%s' exited with code %d in "
			      "%ld tasks of %s, none healthy in between (last: task %s, \"%s\")"),
			    c ? c->name : "?", code, f->exits[i].n, td, t->id, q);
		}
		break;
	}
	case SHIP_FAILFAST_FAILED_HEALTH:
		if (++f->health >= f->rules.failed_health && f->rules.failed_health > 0) {
			f->verdict = k;
			snprintf(
			    f->evidence, sizeof(f->evidence),
			    _("failing fast: %ld tasks of %s failed their health checks after the "
			      "grace period and none turned healthy (last: task %s, \"%s\")"),
			    f->health, td, t->id, q);
		}
		break;
	case SHIP_FAILFAST_NONE:
		break;
	}
	return f->verdict;
}
