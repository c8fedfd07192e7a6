/*
 * deploy.c: the deploy engine (see deploy.h) for one or many services: observe, ensure the
 * revision, apply the change, wait for our deployments, roll back to the recorded revisions.
 * Every AWS call goes through the client with this deploy's call options (retry persistence is
 * part of the call, never a mode of the shared client); every message through on_note.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ecship/autoscaling.h"
#include "ecship/deploy.h"
#include "ecship/failfast.h"
#include "ecship/i18n.h"
#include "ecship/strategy.h"
#include "ecship/svcdeploy.h"
#include "ecship/taskdef.h"
#include "private/deploy.h"
#include "private/fanout.h"

static void note(const struct ship_deploy_opts *o, const char *fmt, ...) SHIP_PRINTF(2, 3);
static void note(const struct ship_deploy_opts *o, const char *fmt, ...)
{
	struct ship_buf msg = SHIP_BUF_INIT(64 << 10);
	va_list ap;
	if (!o->on_note)
		return;
	va_start(ap, fmt);
	ship_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	o->on_note(o->ctx, msg.data);
	ship_buf_release(&msg);
}

/* A reason that does not fit ends in "..." rather than silently. */
static void mark_cut(char *buf, size_t size, int wanted)
{
	if (wanted >= 0 && (size_t)wanted >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

static void set_reason(struct ship_deploy_result *res, const char *fmt, ...) SHIP_PRINTF(2, 3);
static void set_reason(struct ship_deploy_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	mark_cut(res->reason, sizeof(res->reason), n);
}

static void append_reason(struct ship_deploy_result *res, const char *s)
{
	size_t n = strlen(res->reason);
	int w = snprintf(res->reason + n, sizeof(res->reason) - n, "%s", s);
	mark_cut(res->reason, sizeof(res->reason), w < 0 ? w : (int)n + w);
}

/* An identifier from an ECS answer into a fixed field sized from limits.h: too long is an error. */
static int copy_id(char *dst, size_t n, json_t *v, const char *what, struct ship_err *err)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	if (strlen(s) >= n)
		return ship_err_set(
		    err, SHIP_ERR_PROTOCOL,
		    _("ECS answered a %s of %zu characters; ecship takes at most %zu"), what,
		    strlen(s), n - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

const char *ship_deploy_outcome_name(enum ship_deploy_outcome oc)
{
	static const char *const names[] = {
	    [SHIP_DEPLOY_NONE] = "none",
	    [SHIP_DEPLOY_COMPLETED] = "completed",
	    [SHIP_DEPLOY_STARTED] = "started",
	    [SHIP_DEPLOY_UNCHANGED] = "unchanged",
	    [SHIP_DEPLOY_DRY_RUN] = "dry-run",
	    [SHIP_DEPLOY_FAILED] = "failed",
	    [SHIP_DEPLOY_TIMEOUT] = "timeout",
	    [SHIP_DEPLOY_REPLACED] = "replaced",
	    [SHIP_DEPLOY_INTERRUPTED] = "interrupted",
	    [SHIP_DEPLOY_REFUSED] = "refused",
	    [SHIP_DEPLOY_PAUSED] = "paused",
	};
	return (unsigned)oc < sizeof(names) / sizeof(names[0]) ? names[oc] : "unknown";
}

/* The PRIMARY deployment's id in a CreateService/UpdateService answer ("" when none). */
static int primary_id(json_t *resp, char *out, size_t n, struct ship_err *err)
{
	json_t *deps = json_object_get(json_object_get(resp, "service"), "deployments"), *d;
	size_t i;
	out[0] = '\0';
	json_array_foreach(deps, i, d)
	{
		const char *st = json_string_value(json_object_get(d, "status"));
		if (st && !strcmp(st, "PRIMARY"))
			return copy_id(out, n, json_object_get(d, "id"), "deployment id", err);
	}
	return 0;
}

/* Once Ctrl-C or SIGTERM has come, a deploy starts no new change (docs/waiting.md). */
static int stop_here(const struct ship_deploy_opts *o)
{
	return o->cancelled && o->cancelled(o->ctx);
}

static int is_busy(void *ctx, const struct ship_service_view *v)
{
	(void)ctx;
	return !ship_service_busy(v);
}

/* ---- the task definition ------------------------------------------------------------------ */

/* The check between two RegisterTaskDefinition attempts (ship_call_opts.took_effect). */
struct lost_register {
	struct ship_aws *aws;
	const struct ship_call_opts *call;
	json_t *taskdef;
	const char *family;
	json_t *found; /* the revision the lost attempt registered */
};

static int register_took_effect(void *ctx, struct ship_err *err)
{
	struct lost_register *l = ctx;
	json_t *latest = NULL;
	if (ship_ecs_latest_taskdef(l->aws, l->family, l->call, &latest, err))
		return -1;
	int same = latest ? ship_taskdef_same(l->taskdef, latest) : 0;
	if (same == 1) {
		l->found = latest;
		return 1;
	}
	json_decref(latest);
	return same < 0 ? ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory")) : 0;
}

int ship_ecs_register_taskdef(struct ship_aws *aws, json_t *taskdef,
			      const struct ship_call_opts *call, json_t **td_out,
			      struct ship_err *err)
{
	const char *family = json_string_value(json_object_get(taskdef, "family"));
	struct lost_register lost = {aws, call, taskdef, family ? family : "", NULL};
	struct ship_call_opts once = {0};
	json_t *resp = NULL;
	*td_out = NULL;
	if (call)
		once = *call;
	once.not_idempotent = 1;
	once.took_effect = register_took_effect;
	once.took_effect_ctx = &lost;
	if (ship_aws_json(aws, SHIP_SVC_ECS, "RegisterTaskDefinition", taskdef, &resp, &once, err))
		return -1;
	if (!resp) { /* an attempt whose answer was lost did register it */
		*td_out = lost.found;
		return 0;
	}
	*td_out = json_incref(json_object_get(resp, "taskDefinition"));
	json_decref(resp);
	return *td_out
		   ? 0
		   : ship_err_set(err, SHIP_ERR_PROTOCOL,
				  _("the answer to RegisterTaskDefinition has no taskDefinition"));
}

/*
 * UpdateService takes no clientToken (botocore's ECS model: UpdateServiceRequest has none), and
 * with forceNewDeployment, or a new revision, every copy that runs starts a deployment. So an
 * attempt whose answer was lost (the connection closed after the request was sent) is never
 * resent blindly: the service is described first, and a PRIMARY deployment that was not among
 * those seen before the request, on the revision asked for, is the lost attempt's (used as its
 * answer). Otherwise the attempt did not start a deployment and resending it is safe.
 */
struct lost_update {
	struct ship_aws *aws;
	const struct ship_call_opts *call;
	const char *cluster, *service, *taskdef;
	json_t *before; /* the service as described before the request (borrowed; NULL: none) */
	json_t *found;	/* the service after the lost attempt took effect */
};

static int known_deployment(json_t *svc, const char *id)
{
	json_t *d;
	size_t i;
	json_array_foreach(json_object_get(svc, "deployments"), i, d)
	{
		const char *x = json_string_value(json_object_get(d, "id"));
		if (x && !strcmp(x, id))
			return 1;
	}
	return 0;
}

static int update_took_effect(void *ctx, struct ship_err *err)
{
	struct lost_update *l = ctx;
	json_t *svc = NULL, *d;
	size_t i;
	if (ship_ecs_describe_service_opts(l->aws, l->cluster, l->service, l->call, &svc, err))
		return -1;
	json_array_foreach(json_object_get(svc, "deployments"), i, d)
	{
		const char *st = json_string_value(json_object_get(d, "status"));
		const char *id = json_string_value(json_object_get(d, "id"));
		const char *td = json_string_value(json_object_get(d, "taskDefinition"));
		if (!st || strcmp(st, "PRIMARY") || !id || !td)
			continue;
		if (!known_deployment(l->before, id) && !strcmp(td, l->taskdef)) {
			l->found = svc;
			return 1;
		}
		break;
	}
	json_decref(svc);
	return 0;
}

/* UpdateService of req (borrowed); before: the service described before it. *resp as
 * ship_aws_json's, also when a lost attempt took effect ({"service": what DescribeServices
 * said}). */
static int update_service(struct ship_aws *aws, const struct ship_call_opts *call,
			  const char *cluster, const char *service, json_t *before, json_t *req,
			  json_t **resp, struct ship_err *err)
{
	const char *td = json_string_value(json_object_get(req, "taskDefinition"));
	struct lost_update lost = {aws, call, cluster, service, td ? td : "", before, NULL};
	struct ship_call_opts once = {0};
	if (call)
		once = *call;
	once.not_idempotent = 1;
	once.took_effect = update_took_effect;
	once.took_effect_ctx = &lost;
	*resp = NULL;
	if (ship_aws_json(aws, SHIP_SVC_ECS, "UpdateService", req, resp, &once, err)) {
		json_decref(lost.found);
		return -1;
	}
	if (!*resp) {
		*resp = json_pack("{s:o}", "service", lost.found);
		if (!*resp)
			return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
	} else
		json_decref(lost.found);
	return 0;
}

/*
 * From the first call that changes AWS on, a deploy does not give up on transient failures
 * until its timeout (see docs/retries.md); before that, a wrong endpoint or an outage fails fast.
 */
static void persist(struct ship_aws *aws, struct ship_call_opts *call,
		    const struct ship_deploy_opts *o)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	if (!call->persist_until)
		call->persist_until = clk->now(clk->ctx) + o->timeout;
}

/*
 * A deploy of several services marks each service it moves with TAG_PENDING = the revision it
 * moves it to and TAG_GROUP = the deploy's digest (group_digest: its services and definitions),
 * in the TagResource that records the previous revision, just before the UpdateService. When a
 * run was interrupted half-way, its rerun (the same digest) finds the services it had already
 * moved unchanged; if another service then fails, those go back too (to the recorded previous
 * revision): every service on the new revisions or every service back, never a mix. The marks
 * are not removed: a later deploy with other definitions has another digest and ignores them,
 * so a deploy of many services costs one tagging call per service (ECS's bucket for the other
 * actions: 50, then 20 a second). Best effort, like the previous tag.
 */
#define TAG_PENDING "ecship:deploy-pending"
#define TAG_GROUP "ecship:deploy-group"

/* Records the revision being replaced as a tag on the service, and with it the service settings
 * the change replaces (config; NULL: none) for a later `ecship rollback` (best effort); with
 * pending and group, the marks above in the same call. */
static void record_previous(struct ship_aws *aws, const struct ship_call_opts *call,
			    const struct ship_deploy_opts *o, const char *service_arn,
			    const char *previous, const json_t *config, const char *pending,
			    const char *group)
{
	struct ship_err e = SHIP_ERR_INIT;
	json_t *resp = NULL;
	json_t *req = json_pack("{s:s, s:[{s:s, s:s}]}", "resourceArn", service_arn, "tags", "key",
				SHIP_TAG_PREVIOUS, "value", previous);
	if (req && ship_restore_config_tags(config, json_object_get(req, "tags")))
		note(o,
		     _("warning: the service settings this change replaces are too long to record "
		       "as tags on the service; 'ecship rollback' later restores the revision "
		       "only"));
	if (req && pending && pending[0] && group && group[0]) {
		json_t *tags = json_object_get(req, "tags");
		json_array_append_new(
		    tags, json_pack("{s:s, s:s}", "key", TAG_PENDING, "value", pending));
		json_array_append_new(tags,
				      json_pack("{s:s, s:s}", "key", TAG_GROUP, "value", group));
	}
	if (req && ship_aws_json(aws, SHIP_SVC_ECS, "TagResource", req, &resp, call, &e))
		note(o,
		     _("warning: cannot record the previous revision as tag '%s' on the service "
		       "(%s: %s); this deploy still rolls back to it, but 'ecship rollback' later "
		       "will need --to"),
		     SHIP_TAG_PREVIOUS, e.aws_code[0] ? e.aws_code : ship_errcode_name(e.code),
		     e.message);
	json_decref(req);
	json_decref(resp);
}

/*
 * Only a revision that ran is a rollback target (issue 12, item 5): the revision being replaced
 * is recorded only when deployments[] show that a deployment of it completed; else the tag is
 * left as it is and the deploy says why.
 */
static void record_previous_if_ran(struct ship_aws *aws, const struct ship_call_opts *call,
				   const struct ship_deploy_opts *o,
				   const struct ship_service_view *v, const char *previous,
				   const json_t *config, const char *pending, const char *group)
{
	if (ship_service_revision_ran(v, previous)) {
		record_previous(aws, call, o, v->arn, previous, config, pending, group);
		return;
	}
	note(o,
	     "not recording %s as the revision to roll back to: no deployment of it completed "
	     "on service '%s'",
	     ship_taskdef_short(previous), o->service);
}

/* The revision record_previous wrote: the service's tag, "" when there is none. */
int ship_deploy_recorded_previous(struct ship_aws *aws, const char *service_arn, char *out,
				  size_t n, struct ship_err *err)
{
	json_t *resp = NULL, *req = json_pack("{s:s}", "resourceArn", service_arn), *t;
	size_t i;
	if (n)
		out[0] = '\0';
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "ListTagsForResource", req, &resp, NULL, err);
	json_decref(req);
	if (r)
		return -1;
	json_array_foreach(json_object_get(resp, "tags"), i, t)
	{
		const char *k = json_string_value(json_object_get(t, "key"));
		const char *v = json_string_value(json_object_get(t, "value"));
		if (k && v && !strcmp(k, SHIP_TAG_PREVIOUS))
			snprintf(out, n, "%s", v);
	}
	json_decref(resp);
	return 0;
}

/* The service's TAG_PENDING, TAG_GROUP and SHIP_TAG_PREVIOUS values ("" when absent or
 * unreadable). */
static void read_marks(struct ship_aws *aws, const struct ship_call_opts *call,
		       const char *service_arn, char *pending, size_t np, char *group, size_t ng,
		       char *previous, size_t npr)
{
	struct ship_err e = SHIP_ERR_INIT;
	json_t *resp = NULL, *req = json_pack("{s:s}", "resourceArn", service_arn), *t;
	size_t k;
	pending[0] = group[0] = previous[0] = '\0';
	if (req && service_arn[0] &&
	    !ship_aws_json(aws, SHIP_SVC_ECS, "ListTagsForResource", req, &resp, call, &e)) {
		json_array_foreach(json_object_get(resp, "tags"), k, t)
		{
			const char *key = json_string_value(json_object_get(t, "key"));
			const char *val = json_string_value(json_object_get(t, "value"));
			if (key && val && !strcmp(key, TAG_PENDING))
				snprintf(pending, np, "%s", val);
			else if (key && val && !strcmp(key, TAG_GROUP))
				snprintf(group, ng, "%s", val);
			else if (key && val && !strcmp(key, SHIP_TAG_PREVIOUS))
				snprintf(previous, npr, "%s", val);
		}
	}
	json_decref(req);
	json_decref(resp);
}

static void add_stats(struct ship_deploy_result *res, const struct ship_wait_stats *st)
{
	res->wait.polls += st->polls;
	res->wait.throttled_polls += st->throttled_polls;
	res->wait.elapsed += st->elapsed;
	res->wait.sdep_calls += st->sdep_calls;
}

static int wait_for(struct ship_aws *aws, const struct ship_call_opts *call,
		    const struct ship_deploy_opts *o, struct ship_event_cursor *cur,
		    ship_wait_done_fn done, void *done_ctx, struct ship_sdep_follow *sdep,
		    enum ship_wait_end *end, struct ship_deploy_result *res, struct ship_err *err)
{
	struct ship_wait_opts wo = {o->timeout, o->on_snapshot, o->on_event, o->cancelled, o->ctx,
				    cur,	SHIP_POLL_MIN,	call,	       sdep};
	struct ship_wait_stats st;
	int r = ship_ecs_wait(aws, o->cluster, o->service, done, done_ctx, &wo, end, &res->final,
			      &st, err);
	add_stats(res, &st);
	return r;
}

/* ---- rollback ------------------------------------------------------------------------------- */

static int rollback_failed(struct ship_aws *aws, const struct ship_call_opts *call,
			   const struct ship_deploy_opts *o, struct ship_event_cursor *cur,
			   struct ship_follow *fo, const char *taskdef, struct ship_deploy_result *res,
			   struct ship_err *err);

/* After ECS's own rollback (the breaker's, or StopServiceDeployment): the recorded settings it
 * leaves as they are (ship_restore_outside_revision) go back with one UpdateService. */
static int restore_outside_revision(struct ship_aws *aws, const struct ship_call_opts *call,
				    const struct ship_deploy_opts *o, const json_t *config,
				    struct ship_err *err)
{
	json_t *outside = ship_restore_outside_revision(config);
	char names[512];
	int r = 0;
	if (!outside)
		return 1;
	ship_restore_names(outside, names, sizeof(names));
	r = ship_restore_update(aws, call, o->cluster, o->service, outside, err);
	json_decref(outside);
	if (r)
		return ship_err_prefix(err, _("cannot restore the settings of service '%s' (%s)"),
				       o->service, names);
	note(o, _("service '%s' has its settings from before the deploy back: %s"), o->service,
	     names);
	return 1;
}

/*
 * The service settings a rollback to taskdef sends back: a deploy's own rollback, those the
 * deploy replaced (res->previous_service); `ecship rollback` (record), those recorded on the
 * service when taskdef is the recorded previous revision. New reference, or NULL for none.
 */
static json_t *settings_to_restore(struct ship_aws *aws, const struct ship_call_opts *call,
				   const char *service_arn, const char *taskdef, int record,
				   const struct ship_deploy_result *res)
{
	struct ship_err e = SHIP_ERR_INIT;
	json_t *resp = NULL, *req, *out = NULL;
	if (!record)
		return res->previous_service[0]
			   ? json_loads(res->previous_service, JSON_REJECT_DUPLICATES, NULL)
			   : NULL;
	if (!service_arn[0] || !(req = json_pack("{s:s}", "resourceArn", service_arn)))
		return NULL;
	if (!ship_aws_json(aws, SHIP_SVC_ECS, "ListTagsForResource", req, &resp, call, &e)) {
		json_t *tags = json_object_get(resp, "tags"), *t;
		size_t i;
		json_array_foreach(tags, i, t)
		{
			const char *k = json_string_value(json_object_get(t, "key"));
			const char *v = json_string_value(json_object_get(t, "value"));
			if (k && v && !strcmp(k, SHIP_TAG_PREVIOUS) && !strcmp(v, taskdef))
				out = ship_restore_config_from_tags(tags);
		}
	}
	json_decref(req);
	json_decref(resp);
	return out;
}

/*
 * ECS's own rollback of the deployment in progress (StopServiceDeployment ROLLBACK), when it
 * goes back to taskdef: ECS returns to the last COMPLETED service revision, so one on taskdef
 * must still be there. The settings outside the revision go back with an UpdateService that
 * starts no deployment. 1 done, 0 not possible here (the caller sends UpdateService), -1 err.
 */
static int ecs_rollback(struct ship_aws *aws, const struct ship_call_opts *call,
			const struct ship_deploy_opts *o, const struct ship_service_view *v,
			const char *taskdef, const json_t *config, struct ship_err *err)
{
	const struct ship_deployment_view *p = ship_service_primary(v);
	int back_there = 0;
	if (!v->current_sdep[0] || !p || !strcmp(p->taskdef, taskdef) || !ship_service_busy(v))
		return 0;
	for (size_t i = 0; i < v->ndep; i++)
		if (&v->dep[i] != p && !strcmp(v->dep[i].taskdef, taskdef) &&
		    !strcmp(v->dep[i].rollout_state, "COMPLETED"))
			back_there = 1;
	if (!back_there)
		return 0;
	int r = ship_restore_stop_rollback(aws, call, v->current_sdep, err);
	if (r <= 0)
		return r ? ship_err_prefix(err, _("cannot roll back service deployment %s"),
					   v->current_sdep)
			 : 0;
	note(o, _("ECS is rolling back service deployment %s to %s (StopServiceDeployment)"),
	     v->current_sdep, ship_taskdef_short(taskdef));
	return restore_outside_revision(aws, call, o, config, err);
}

enum rb_kind {
	RB_NONE,     /* nothing to wait for */
	RB_BREAKER,  /* ECS rolls our deployment back (the breaker, a failed lifecycle stage) */
	RB_DIRECT,   /* our rollback to `target` (StopServiceDeployment ROLLBACK or UpdateService) */
	RB_FALLBACK, /* ECS's rollback did not settle: roll back directly */
};
struct rb {
	enum rb_kind kind;
	char target[SHIP_ECS_TASKDEF_ARN_MAX + 1]; /* the revision it goes back to */
	char id[80]; /* RB_DIRECT: the rollback's own deployment ("" when ECS rolls back) */
	char sdep[SHIP_ECS_SERVICE_ARN_MAX + 64]; /* RB_DIRECT: its service deployment ("": none) */
	struct ship_follow fo;			   /* RB_DIRECT: the rollback's own deployment */
	struct ship_follow *ecs; /* RB_BREAKER: our failed deployment, which ECS rolls back */
	struct ship_event_cursor cur;	  /* RB_DIRECT: primed before the rollback */
	struct ship_event_cursor *events; /* the cursor the wait feeds */
	struct ship_call_opts call;
};

/* What the wait for rb is over on, and the service deployment record the wait reads (NULL:
 * deployments[] only). The record decides where ECS answers (ship_follow_by_record). */
static void rb_done(struct rb *rb, ship_wait_done_fn *done, void **ctx,
		    struct ship_sdep_follow **sdep)
{
	*sdep = NULL;
	if (rb->kind == RB_DIRECT && rb->id[0]) {
		*done = ship_wait_follow_done;
		*ctx = &rb->fo;
		*sdep = rb->fo.sd.arn[0] ? &rb->fo.sd : NULL;
	} else if (rb->kind == RB_BREAKER && rb->ecs && ship_follow_by_record(rb->ecs)) {
		*done = ship_wait_ecs_rollback_done;
		*ctx = rb->ecs;
		*sdep = &rb->ecs->sd;
	} else {
		*done = ship_wait_settled_done;
		*ctx = rb->target;
	}
}

/*
 * Issues a rollback of one service to taskdef and says in rb what to wait for. A deployment in
 * progress is rolled back by ECS where it can (StopServiceDeployment ROLLBACK, ecs_rollback);
 * otherwise one UpdateService sends taskdef and the recorded service settings. record: remember
 * what the rollback replaces (a rollback by hand can be undone); a deploy's own rollback does
 * not, so the recorded revision stays the last good one.
 */
static int rb_direct_issue(struct ship_aws *aws, const struct ship_call_opts *call,
			   const struct ship_deploy_opts *o, const char *taskdef, int record,
			   struct ship_deploy_result *res, struct rb *rb, struct ship_err *err)
{
	json_t *resp = NULL, *svc = NULL, *config = NULL, *req = NULL;
	char before[SHIP_ECS_TASKDEF_ARN_MAX + 1] = "";
	int r = 0;

	rb->kind = RB_NONE;
	rb->id[0] = rb->sdep[0] = '\0';
	snprintf(rb->target, sizeof(rb->target), "%s", taskdef);
	memset(&rb->cur, 0, sizeof(rb->cur));
	rb->events = &rb->cur;
	if (ship_ecs_describe_service_opts(aws, o->cluster, o->service, call, &svc, err))
		return -1;
	if (svc) {
		ship_event_cursor_feed(&rb->cur, json_object_get(svc, "events"), 1, NULL, NULL);
		if ((r = ship_service_view_parse(svc, &res->final, err)) != 0)
			goto cleanup;
		snprintf(before, sizeof(before), "%s", res->final.taskdef);
		config = settings_to_restore(aws, call, res->final.arn, taskdef, record, res);
		if (record && before[0] && strcmp(before, taskdef)) {
			json_t *now = ship_restore_config_before(svc, config);
			record_previous_if_ran(aws, call, o, &res->final, before, now, NULL, NULL);
			json_decref(now);
		}
		r = ecs_rollback(aws, call, o, &res->final, taskdef, config, err);
		if (r < 0)
			goto cleanup;
	}
	if (r != 1) { /* ECS does not roll it back: our UpdateService */
		note(o, _("rolling back service '%s' to %s"), o->service,
		     ship_taskdef_short(taskdef));
		req = json_pack("{s:s, s:s, s:s}", "cluster", o->cluster, "service", o->service,
				"taskDefinition", taskdef);
		if (!req || (config && json_object_update(req, config))) {
			r = ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
			goto cleanup;
		}
		r = update_service(aws, call, o->cluster, o->service, svc, req, &resp, err);
		if (!r)
			r = primary_id(resp, rb->id, sizeof(rb->id), err);
		if (!r)
			r = copy_id(rb->sdep, sizeof(rb->sdep),
				    json_object_get(json_object_get(resp, "service"),
						    "currentServiceDeployment"),
				    "service deployment ARN", err);
		if (r) {
			ship_err_prefix(err, _("cannot roll back service '%s' to %s"), o->service,
					ship_taskdef_short(taskdef));
			goto cleanup;
		}
		if (json_object_size(config)) {
			char names[512];
			ship_restore_names(config, names, sizeof(names));
			note(o, _("service '%s' has its settings from before the deploy back: %s"),
			     o->service, names);
		}
	}
	r = 0;
	/* follow the rollback's own deployment (it can fail too; ECS's record where it answers);
	 * ECS's own rollback has no id of ours: wait until the service settles on taskdef */
	ship_follow_init(&rb->fo, rb->id, taskdef, rb->sdep);
	snprintf(rb->fo.ro.previous_taskdef, sizeof(rb->fo.ro.previous_taskdef), "%s", before);
	if (o->breaker_min > 0)
		rb->fo.ro.threshold_min = o->breaker_min;
	rb->kind = RB_DIRECT;
cleanup:
	json_decref(svc);
	json_decref(config);
	json_decref(req);
	json_decref(resp);
	return r ? -1 : 0;
}

/* How our own rollback's wait ended, for the user and in res; a rollback whose own deployment
 * failed reports both fates (rollback_failed, which may wait for ECS's rollback of it). */
static int rb_direct_finish(struct ship_aws *aws, const struct ship_deploy_opts *o,
			    struct rb *rb, enum ship_wait_end end, struct ship_deploy_result *res,
			    struct ship_err *err)
{
	const char *taskdef = rb->target;
	if (rb->id[0] && end == SHIP_WAIT_DONE && rb->fo.ro.phase != SHIP_ROLLOUT_COMPLETED)
		return rollback_failed(aws, &rb->call, o, rb->events, &rb->fo, taskdef, res, err);
	if (end == SHIP_WAIT_DONE) {
		res->rolled_back = 1;
		note(o, _("service '%s' is back on %s"), o->service, ship_taskdef_short(taskdef));
		return 0;
	}
	note(o, _("the rollback to %s did not settle (%s)"), ship_taskdef_short(taskdef),
	     end == SHIP_WAIT_TIMEOUT ? "timed out"
	     : end == SHIP_WAIT_GONE  ? "the service is gone"
				      : "interrupted");
	if (end == SHIP_WAIT_INTERRUPTED) {
		res->outcome = SHIP_DEPLOY_INTERRUPTED;
		append_reason(res, "; interrupted while rolling back to ");
		append_reason(res, ship_taskdef_short(taskdef));
		append_reason(res, " (the rollback goes on in ECS)");
	}
	return 0;
}

/* Whether res has a revision to go back to ourselves: one, and one that ran (issue 12, item 5);
 * else the reason says why not. */
static int rb_has_target(struct ship_deploy_result *res)
{
	if (!res->previous_taskdef[0]) {
		append_reason(res, _("; nothing to roll back to: this deploy created the service"));
		return 0;
	}
	if (!res->previous_ran) {
		append_reason(res, "; nothing to roll back to: ");
		append_reason(res, ship_taskdef_short(res->previous_taskdef));
		append_reason(res, " never completed a deployment");
		return 0;
	}
	return 1;
}

/* How the wait for ECS's own rollback ended (ECS's record: ROLLBACK_SUCCESSFUL or
 * ROLLBACK_FAILED; without it, settled on the previous revision); RB_FALLBACK when it did not
 * settle in time and we roll back directly. */
static void rb_breaker_finish(const struct ship_deploy_opts *o, struct rb *rb,
			      enum ship_wait_end end, struct ship_deploy_result *res)
{
	const char *back = res->previous_taskdef;
	int by_record = rb->ecs && ship_follow_by_record(rb->ecs);
	int ok = end == SHIP_WAIT_DONE &&
		 (!by_record || !strcmp(rb->ecs->sd.last.status, "ROLLBACK_SUCCESSFUL"));
	if (ok) {
		res->rolled_back = 1;
		res->rollback_by_ecs = 1;
		note(o, _("service '%s' is back on %s"), o->service,
		     ship_taskdef_short(res->final.taskdef));
		return;
	}
	if (end == SHIP_WAIT_INTERRUPTED) {
		res->outcome = SHIP_DEPLOY_INTERRUPTED;
		append_reason(res, "; interrupted while the circuit breaker rolls the "
				   "service back to ");
		append_reason(res,
			      back[0] ? ship_taskdef_short(back) : "the last revision that completed");
		append_reason(res, " (ECS goes on with it; 'ecship wait' follows it)");
		return;
	}
	if (end == SHIP_WAIT_GONE)
		return;
	if (end == SHIP_WAIT_DONE) { /* ECS's record: ROLLBACK_FAILED */
		append_reason(res, "; ECS's rollback failed too (");
		append_reason(res, rb->ecs->sd.last.status);
		append_reason(res, ")");
		return;
	}
	note(o, _("ECS's rollback did not settle on %s in time; rolling back directly"),
	     back[0] ? ship_taskdef_short(back) : "the last revision that completed");
	if (rb_has_target(res))
		rb->kind = RB_FALLBACK;
}

static int rollback_to(struct ship_aws *aws, const struct ship_call_opts *call,
		       const struct ship_deploy_opts *o, const char *taskdef, int no_wait,
		       int record, struct ship_deploy_result *res, struct ship_err *err)
{
	struct rb rb;
	enum ship_wait_end end;
	ship_wait_done_fn done;
	void *done_ctx;
	struct ship_sdep_follow *sdep;
	memset(&rb, 0, sizeof(rb));
	if (call)
		rb.call = *call;
	if (rb_direct_issue(aws, &rb.call, o, taskdef, record, res, &rb, err))
		return -1;
	if (no_wait)
		return 0;
	rb_done(&rb, &done, &done_ctx, &sdep);
	if (wait_for(aws, &rb.call, o, rb.events, done, done_ctx, sdep, &end, res, err))
		return -1;
	return rb_direct_finish(aws, o, &rb, end, res, err);
}

/* A rollback gets its own --timeout, and persists through transient failures like a deploy. */
static void rollback_call(struct ship_aws *aws, const struct ship_call_opts *base,
			  const struct ship_deploy_opts *o, struct ship_call_opts *out)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	memset(out, 0, sizeof(*out));
	if (base)
		*out = *base;
	out->persist_until = clk->now(clk->ctx) + o->timeout;
}

int ship_deploy_rollback_to(struct ship_aws *aws, const struct ship_deploy_opts *o,
			    const char *taskdef, int no_wait, struct ship_deploy_result *res,
			    struct ship_err *err)
{
	struct ship_call_opts call;
	rollback_call(aws, NULL, o, &call);
	return rollback_to(aws, &call, o, taskdef, no_wait, 1, res, err);
}

int ship_deploy_restore_settings(struct ship_aws *aws, const struct ship_deploy_opts *o,
				 const char *taskdef, char *names, size_t n, struct ship_err *err)
{
	struct ship_call_opts call;
	struct ship_deploy_result *res = ship_calloc(1, sizeof(*res));
	json_t *svc = NULL, *config = NULL, *outside = NULL;
	const char *k;
	json_t *v;
	void *tmp;
	int rc = -1;
	if (n)
		names[0] = '\0';
	if (!res)
		return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
	rollback_call(aws, NULL, o, &call);
	if (ship_ecs_describe_service_opts(aws, o->cluster, o->service, &call, &svc, err))
		goto cleanup;
	if (!svc || ship_service_view_parse(svc, &res->final, err)) {
		rc = svc ? -1 : 0;
		goto cleanup;
	}
	config = settings_to_restore(aws, &call, res->final.arn, taskdef, 1, res);
	outside = ship_restore_outside_revision(config);
	/* only what differs: the revision's members are back with the revision already */
	json_object_foreach_safe(outside, tmp, k, v)
	{
		json_t *live = json_object_get(svc, k);
		if (live && json_equal(live, v))
			json_object_del(outside, k);
	}
	rc = 0;
	if (json_object_size(outside)) {
		ship_restore_names(outside, names, n);
		rc = ship_restore_update(aws, &call, o->cluster, o->service, outside, err);
		if (rc)
			ship_err_prefix(err, _("cannot restore the settings of service '%s' (%s)"),
					o->service, names);
	}
cleanup:
	json_decref(outside);
	json_decref(config);
	json_decref(svc);
	ship_free(res);
	return rc;
}

/* The breaker restores the service revision; the settings outside it are ecship's to restore. */
static int restore_after_breaker(struct ship_aws *aws, const struct ship_call_opts *call,
				 const struct ship_deploy_opts *o,
				 const struct ship_deploy_result *res, struct ship_err *err)
{
	json_t *config = res->previous_service[0]
			     ? json_loads(res->previous_service, JSON_REJECT_DUPLICATES, NULL)
			     : NULL;
	int r = config ? restore_outside_revision(aws, call, o, config, err) : 0;
	json_decref(config);
	return r;
}

/*
 * Waits while ECS rolls our deployment back. With ECS's record: until it says
 * ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED; without: until the service has settled on `back`.
 * *ok: ECS's rollback succeeded.
 */
static int wait_ecs_rollback(struct ship_aws *aws, const struct ship_call_opts *call,
			     const struct ship_deploy_opts *o, struct ship_event_cursor *cur,
			     struct ship_follow *fo, const char *back, enum ship_wait_end *end,
			     int *ok, struct ship_deploy_result *res, struct ship_err *err)
{
	*ok = 0;
	if (ship_follow_by_record(fo)) {
		if (wait_for(aws, call, o, cur, ship_wait_ecs_rollback_done, fo, &fo->sd, end, res,
			     err))
			return -1;
		if (*end == SHIP_WAIT_DONE && ship_follow_by_record(fo)) {
			*ok = !strcmp(fo->sd.last.status, "ROLLBACK_SUCCESSFUL");
			return 0;
		}
		if (*end != SHIP_WAIT_DONE)
			return 0;
		/* the record went away mid-way (access denied, say): deployments[] then */
	}
	if (wait_for(aws, call, o, cur, ship_wait_settled_done, (void *)back, NULL, end, res, err))
		return -1;
	*ok = *end == SHIP_WAIT_DONE;
	return 0;
}

/*
 * The rollback's own deployment failed (rollback_to). Both fates go into the result: the
 * rollback's, and, when ECS rolls that one back in turn, where ECS brought the service.
 */
static int rollback_failed(struct ship_aws *aws, const struct ship_call_opts *call,
			   const struct ship_deploy_opts *o, struct ship_event_cursor *cur,
			   struct ship_follow *fo, const char *taskdef, struct ship_deploy_result *res,
			   struct ship_err *err)
{
	enum ship_wait_end end;
	int ok;
	size_t n;
	res->rollback_failed = 1;
	snprintf(res->rollback_reason, sizeof(res->rollback_reason), "%s", fo->ro.reason);
	note(o, _("the rollback to %s failed too: %s"), ship_taskdef_short(taskdef), fo->ro.reason);
	if (fo->ro.ecs_rolls_back &&
	    wait_ecs_rollback(aws, call, o, cur, fo, fo->ro.previous_taskdef, &end, &ok, res, err))
		return -1;
	if (!fo->ro.ecs_rolls_back) {
		if (res->reason[0]) {
			append_reason(res, "; the rollback failed too: ");
			append_reason(res, res->rollback_reason);
		}
		return 0;
	}
	n = strlen(res->rollback_reason);
	if (ok)
		snprintf(res->rollback_reason + n, sizeof(res->rollback_reason) - n,
			 "; ECS then rolled the service back to %s, which runs again",
			 ship_taskdef_short(res->final.taskdef));
	else if (end == SHIP_WAIT_DONE)
		snprintf(res->rollback_reason + n, sizeof(res->rollback_reason) - n,
			 "; ECS's own rollback failed too (%s)%s%s", fo->sd.last.status,
			 fo->sd.last.reason[0] ? ": " : "", fo->sd.last.reason);
	else
		snprintf(res->rollback_reason + n, sizeof(res->rollback_reason) - n,
			 "; ECS is rolling the service back to %s (not settled when ecship stopped "
			 "waiting)",
			 ship_taskdef_short(fo->ro.previous_taskdef));
	if (res->reason[0]) {
		append_reason(res, "; the rollback failed too: ");
		append_reason(res, res->rollback_reason);
	}
	if (end == SHIP_WAIT_INTERRUPTED)
		res->outcome = SHIP_DEPLOY_INTERRUPTED;
	return 0;
}

/*
 * After this deploy's change to one service failed, timed out or must be undone, the first step
 * of making sure the service ends on the previous revision: rb says what to wait for. fo: our own
 * failed deployment (ECS may be rolling it back already), or NULL; cur: the events cursor of the
 * deploy.
 */
static int rb_begin(struct ship_aws *aws, const struct ship_call_opts *base,
		    const struct ship_deploy_opts *o, struct ship_follow *fo,
		    struct ship_event_cursor *cur, struct ship_deploy_result *res, struct rb *rb,
		    struct ship_err *err)
{
	rb->kind = RB_NONE;
	rollback_call(aws, base, o, &rb->call);
	if (o->no_rollback) {
		append_reason(res, _("; left as it is (--no-rollback)"));
		return 0;
	}
	if (fo && fo->ro.ecs_rolls_back) {
		const char *back = res->previous_taskdef;
		/* blue/green, linear, canary: ECS moves the traffic back to blue */
		if (res->lifecycle)
			note(o, _("ECS is moving the traffic back to %s; waiting for it to settle"),
			     back[0] ? ship_taskdef_short(back) : "the last revision that completed");
		else
			note(o, _("the circuit breaker is rolling back to %s; waiting for it to settle"),
			     back[0] ? ship_taskdef_short(back) : "the last revision that completed");
		if (restore_after_breaker(aws, &rb->call, o, res, err) < 0)
			return -1;
		rb->kind = RB_BREAKER;
		rb->ecs = fo;
		snprintf(rb->target, sizeof(rb->target), "%s", back);
		rb->events = cur;
		return 0;
	}
	if (!rb_has_target(res))
		return 0;
	return rb_direct_issue(aws, &rb->call, o, res->previous_taskdef, 0, res, rb, err);
}

/* ---- the three stages of a start ----------------------------------------------------------------
 */

void ship_deploy_start_release(struct ship_deploy_start *s)
{
	json_decref(s->svc);
	s->svc = NULL;
	json_decref(s->update);
	s->update = NULL;
	json_decref(s->prefetch);
	s->prefetch = NULL;
	s->prefetched = 0;
}

static int describe(struct ship_aws *aws, const struct ship_call_opts *call,
		    const struct ship_deploy_opts *o, struct ship_deploy_start *s,
		    struct ship_err *err)
{
	json_t *pre = s->prefetched ? json_incref(s->prefetch) : NULL;
	int have = s->prefetched;
	ship_deploy_start_release(s);
	if (have)
		s->svc = pre; /* described with the others (prefetch) */
	else if (ship_ecs_describe_service_opts(aws, o->cluster, o->service, call, &s->svc, err))
		return ship_err_prefix(err, _("cannot describe service '%s' in cluster '%s'"),
				       o->service, o->cluster);
	memset(&s->view, 0, sizeof(s->view));
	return s->svc ? ship_service_view_parse(s->svc, &s->view, err) : 0;
}

/* A deployment is in progress: refuse, note it (dry run), or wait until it is over. */
static int busy_service(struct ship_aws *aws, const struct ship_call_opts *call,
			const struct ship_deploy_opts *o, struct ship_deploy_start *s,
			struct ship_deploy_result *res, struct ship_err *err)
{
	const struct ship_deployment_view *p = ship_service_primary(&s->view);
	char pid[80], ptd[SHIP_ECS_TASKDEF_ARN_MAX + 1];
	enum ship_wait_end end;
	snprintf(pid, sizeof(pid), "%s", p ? p->id : "?");
	snprintf(ptd, sizeof(ptd), "%s", p ? ship_taskdef_short(p->taskdef) : "?");
	if (o->dry_run) {
		note(o,
		     _("deployment %s (%s) is still in progress on service '%s'; a deploy would "
		       "wait "
		       "for it first"),
		     pid, ptd, o->service);
		return 0;
	}
	if (o->refuse_if_busy) {
		res->outcome = SHIP_DEPLOY_REFUSED;
		set_reason(res, _("deployment %s (%s) is still in progress on service '%s'"), pid,
			   ptd, o->service);
		return 1;
	}
	note(o,
	     _("deployment %s (%s) is in progress on service '%s'; waiting for it to finish "
	       "before deploying"),
	     pid, ptd, o->service);
	ship_event_cursor_feed(&s->cur, json_object_get(s->svc, "events"), 1, NULL, NULL);
	if (wait_for(aws, call, o, &s->cur, is_busy, NULL, NULL, &end, res, err))
		return -1;
	switch (end) {
	case SHIP_WAIT_DONE:
		return describe(aws, call, o, s, err);
	case SHIP_WAIT_GONE:
		res->outcome = SHIP_DEPLOY_FAILED;
		set_reason(res,
			   _("service '%s' was deleted while deployment %s was in progress; "
			     "nothing was changed"),
			   o->service, pid);
		return 1;
	case SHIP_WAIT_INTERRUPTED:
	case SHIP_WAIT_TIMEOUT:
		break;
	}
	res->outcome = end == SHIP_WAIT_INTERRUPTED ? SHIP_DEPLOY_INTERRUPTED : SHIP_DEPLOY_TIMEOUT;
	set_reason(res, _("deployment %s did not finish in time; nothing was changed"), pid);
	return 1;
}

/*
 * Before anything changes: a service ECS deploys with another controller is refused (ecship
 * deploys with the ECS rolling-update controller), and the service definition's differences from
 * the live service become s->update (what ECS cannot change in place is an input error).
 */
static int check_service(const struct ship_deploy_opts *o, struct ship_deploy_start *s,
			 struct ship_err *err)
{
	const char *ctl = json_string_value(
	    json_object_get(json_object_get(s->svc, "deploymentController"), "type"));
	if (ctl && strcmp(ctl, "ECS") != 0)
		return ship_err_set(
		    err, SHIP_ERR_INPUT,
		    "service '%s' uses the %s deployment controller; ecship deploys "
		    "services with the ECS deployment controller: deploy this one with "
		    "%s, or create a service with the ECS controller",
		    o->service, ctl,
		    strcmp(ctl, "CODE_DEPLOY") == 0 ? "CodeDeploy" : "its external deployer");
	if (!o->service_def)
		return 0;
	if (ship_servicedef_update(o->service_def, s->svc, &s->update, err))
		return ship_err_prefix(err, "service '%s'", o->service);
	return 0;
}

/* A service that does not exist, with no service definition to create it from. */
#define NO_SERVICE_DEF                                                                             \
	_("service '%s' does not exist and there is no service definition to create it from: "     \
	  "give it 'service_definition: FILE' in ecship.yml (under its entry of 'services:')")

int ship_deploy_observe(struct ship_aws *aws, struct ship_call_opts *call,
			const struct ship_deploy_opts *o, struct ship_deploy_start *s,
			struct ship_deploy_result *res, struct ship_err *err)
{
	if (describe(aws, call, o, s, err))
		return -1;
	if (s->svc && ship_service_busy(&s->view)) {
		int r = busy_service(aws, call, o, s, res, err);
		if (r)
			return r;
	}
	if (s->svc && check_service(o, s, err))
		return -1;
	if (!s->svc) {
		/* before anything is registered: a service ecship cannot create stops the deploy
		 * while nothing has changed in AWS */
		if (!o->service_def)
			return ship_err_set(err, SHIP_ERR_INPUT, NO_SERVICE_DEF, o->service);
		s->cur.primed = 1; /* a new service: every event it gets is news */
		return 0;
	}
	snprintf(res->previous_taskdef, sizeof(res->previous_taskdef), "%s", s->view.taskdef);
	const struct ship_deployment_view *f = ship_service_failed_primary(&s->view, 3);
	if (f) {
		s->superseding = 1;
		note(o, "deployment %s (%s) on service '%s' failed (%s); this deploy supersedes it",
		     f->id, ship_taskdef_short(f->taskdef), o->service,
		     strcmp(f->rollout_state, "FAILED") ? "past the failure rule" : "FAILED");
		/* what still serves is the previous revision, not the failed one */
		for (size_t i = 0; i < s->view.ndep; i++)
			if (&s->view.dep[i] != f && s->view.dep[i].running > 0)
				snprintf(res->previous_taskdef, sizeof(res->previous_taskdef), "%s",
					 s->view.dep[i].taskdef);
	}
	res->previous_ran = ship_service_revision_ran(&s->view, res->previous_taskdef);
	ship_event_cursor_feed(&s->cur, json_object_get(s->svc, "events"), 1, NULL, NULL);
	return 0;
}

static int take_revision(struct ship_deploy_result *res, json_t *td, struct ship_err *err)
{
	res->revision = (long)json_integer_value(json_object_get(td, "revision"));
	return copy_id(res->taskdef_arn, sizeof(res->taskdef_arn),
		       json_object_get(td, "taskDefinitionArn"), "task definition ARN", err);
}

int ship_deploy_ensure_revision(struct ship_aws *aws, struct ship_call_opts *call,
				const struct ship_deploy_opts *o, struct ship_deploy_start *s,
				struct ship_deploy_result *res, struct ship_err *err)
{
	json_t *latest = NULL, *td = NULL;
	int rc = -1;
	const char *family = json_string_value(json_object_get(o->taskdef, "family"));
	if (!family)
		return ship_err_set(err, SHIP_ERR_INPUT, _("the task definition has no 'family'"));
	if (ship_ecs_latest_taskdef(aws, family, call, &latest, err))
		return ship_err_prefix(err, _("cannot describe task definition family '%s'"),
				       family);
	s->same = latest ? ship_taskdef_same(o->taskdef, latest) : 0;
	if (s->same < 0) {
		ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
		goto cleanup;
	}
	if (s->same) {
		if (take_revision(res, latest, err))
			goto cleanup;
		note(o, _("task definition unchanged: using %s"),
		     ship_taskdef_short(res->taskdef_arn));
	} else if (o->dry_run) {
		note(o, _("would register a new revision of family '%s'%s"), family,
		     latest ? " (it differs from the latest; 'ecship diff' shows how)" : "");
	} else if (stop_here(o)) {
		res->outcome = SHIP_DEPLOY_INTERRUPTED;
		set_reason(res,
			   "interrupted before anything was changed: no revision was registered "
			   "and service '%s' was not touched",
			   o->service);
		rc = 1;
		goto cleanup;
	} else {
		persist(aws, call, o);
		if (ship_ecs_register_taskdef(aws, o->taskdef, call, &td, err)) {
			ship_err_prefix(err, _("cannot register task definition family '%s'"),
					family);
			goto cleanup;
		}
		if (take_revision(res, td, err))
			goto cleanup;
		res->registered = 1;
		note(o, _("registered %s"), ship_taskdef_short(res->taskdef_arn));
	}
	rc = 0;
cleanup:
	json_decref(latest);
	json_decref(td);
	return rc;
}

/* CreateService's input: the service definition as ecship sends it, named, on our revision. */
static json_t *create_request(const struct ship_deploy_opts *o, const char *taskdef)
{
	if (!o->service_def)
		return NULL;
	json_t *req = ship_servicedef_request(o->service_def);
	if (!req)
		return NULL;
	json_object_set_new(req, "cluster", json_string(o->cluster));
	json_object_set_new(req, "serviceName", json_string(o->service));
	json_object_set_new(req, "taskDefinition", json_string(taskdef));
	if (o->set_desired)
		json_object_set_new(req, "desiredCount", json_integer(o->desired_count));
	/* the same in every retry: ECS creates the service once (ECS_Idempotency.html) */
	char token[40];
	if (!json_object_get(req, "clientToken") && !ship_aws_client_token(token, sizeof(token)))
		json_object_set_new(req, "clientToken", json_string(token));
	return req;
}

/* UpdateService's input: our revision and every member the service definition changes
 * (s->update); desiredCount only when --desired-count gives it. */
static json_t *update_request(const struct ship_deploy_opts *o, const struct ship_deploy_start *s,
			      const char *taskdef)
{
	json_t *req = json_pack("{s:s, s:s, s:s, s:b}", "cluster", o->cluster, "service",
				o->service, "taskDefinition", taskdef, "forceNewDeployment",
				o->force_new || s->superseding);
	if (req && s->update && json_object_update(req, s->update)) {
		json_decref(req);
		return NULL;
	}
	if (req && o->set_desired)
		json_object_set_new(req, "desiredCount", json_integer(o->desired_count));
	return req;
}

/* Nothing to change (UNCHANGED) or a dry run (DRY_RUN): 1 with the outcome set, else 0. */
static int nothing_to_apply(const struct ship_deploy_opts *o, const struct ship_deploy_start *s,
			    struct ship_deploy_result *res)
{
	size_t nupd = json_object_size(s->update);
	int desired_differs = o->set_desired && s->svc && o->desired_count != s->view.desired;
	if (s->svc && s->same && !o->force_new && !s->superseding && !nupd && !desired_differs &&
	    !strcmp(res->previous_taskdef, res->taskdef_arn)) {
		res->outcome = SHIP_DEPLOY_UNCHANGED;
		set_reason(
		    res,
		    _("service '%s' already runs %s; nothing to deploy (--force-new-deployment "
		      "restarts its tasks)"),
		    o->service, ship_taskdef_short(res->taskdef_arn));
		res->final = s->view;
		return 1;
	}
	if (!o->dry_run)
		return 0;
	res->outcome = SHIP_DEPLOY_DRY_RUN;
	if (s->svc) {
		set_reason(res, _("would update service '%s' from %s to %s"), o->service,
			   ship_taskdef_short(res->previous_taskdef),
			   res->taskdef_arn[0] ? ship_taskdef_short(res->taskdef_arn)
					       : "the new revision");
		json_t *req = update_request(
		    o, s, res->taskdef_arn[0] ? res->taskdef_arn : "(the new revision)");
		char *txt = req ? json_dumps(req, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
		if (txt)
			note(o, _("would send UpdateService %s"), txt);
		ship_free(txt);
		json_decref(req);
	} else
		set_reason(res, _("would create service '%s' in cluster '%s'"), o->service,
			   o->cluster);
	return 1;
}

/* The settings the update replaces, kept in the result for this deploy's own rollback. */
static void keep_previous_service(const struct ship_deploy_opts *o, const json_t *before,
				  struct ship_deploy_result *res)
{
	char *txt =
	    json_object_size(before) ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	res->previous_service[0] = '\0';
	if (txt && strlen(txt) < sizeof(res->previous_service))
		memcpy(res->previous_service, txt, strlen(txt) + 1);
	else if (txt)
		note(o,
		     _("warning: the service settings this change replaces are too long to keep; "
		       "a rollback restores the revision only"));
	ship_free(txt);
}

/* CreateService (no service yet) or UpdateService; *resp: the answer. */
static int create_or_update(struct ship_aws *aws, struct ship_call_opts *call,
			    const struct ship_deploy_opts *o, const struct ship_deploy_start *s,
			    struct ship_deploy_result *res, json_t **resp, struct ship_err *err)
{
	json_t *req;
	int r;
	if (!s->svc) {
		if (!(req = create_request(o, res->taskdef_arn)))
			return ship_err_set(err, SHIP_ERR_INPUT, NO_SERVICE_DEF, o->service);
		persist(aws, call, o);
		r = ship_aws_json(aws, SHIP_SVC_ECS, "CreateService", req, resp, call, err);
		json_decref(req);
		if (r)
			return ship_err_prefix(err, _("cannot create service '%s' in cluster '%s'"),
					       o->service, o->cluster);
		res->created = 1;
		note(o, _("created service '%s' with %s"), o->service,
		     ship_taskdef_short(res->taskdef_arn));
		return 0;
	}
	persist(aws, call, o);
	json_t *before = ship_restore_config_before(s->svc, s->update);
	keep_previous_service(o, before, res);
	record_previous_if_ran(aws, call, o, &s->view, res->previous_taskdef, before,
			       res->taskdef_arn, s->group);
	json_decref(before);
	req = update_request(o, s, res->taskdef_arn);
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
	r = update_service(aws, call, o->cluster, o->service, s->svc, req, resp, err);
	json_decref(req);
	if (r)
		return ship_err_prefix(err, _("cannot update service '%s'"), o->service);
	note(o, _("updated service '%s': %s -> %s"), o->service,
	     ship_taskdef_short(res->previous_taskdef), ship_taskdef_short(res->taskdef_arn));
	if (json_object_size(s->update)) {
		const char *k;
		json_t *v;
		struct ship_buf names = SHIP_BUF_INIT(4096);
		json_object_foreach(s->update, k, v)
		{
			(void)v;
			ship_buf_addf(&names, "%s%s", names.len ? ", " : "", k);
		}
		note(o, _("service '%s' now has the definition's %s"), o->service,
		     names.failed ? "settings" : names.data);
		ship_buf_release(&names);
	}
	return 0;
}

/* After a signal: INTERRUPTED, saying what was done (1); else 0. */
static int interrupted_before_change(const struct ship_deploy_opts *o,
				     struct ship_deploy_result *res)
{
	if (!stop_here(o))
		return 0;
	res->outcome = SHIP_DEPLOY_INTERRUPTED;
	if (res->registered)
		set_reason(res,
			   "interrupted: registered %s (the change in flight), but service '%s' "
			   "was not changed; deploy again to use it",
			   ship_taskdef_short(res->taskdef_arn), o->service);
	else
		set_reason(res, "interrupted before service '%s' was changed", o->service);
	return 1;
}

int ship_deploy_apply(struct ship_aws *aws, struct ship_call_opts *call,
		      const struct ship_deploy_opts *o, struct ship_deploy_start *s,
		      struct ship_deploy_result *res, struct ship_err *err)
{
	json_t *resp = NULL;
	int rc = -1;
	if (nothing_to_apply(o, s, res))
		return 1;
	if (interrupted_before_change(o, res))
		return 1;
	/* deploy --pre-run: a one-off task of the new revision before the service changes */
	if (o->before_update && o->before_update(o->before_update_ctx, res->taskdef_arn, call, err))
		return -1;
	/* a signal during the registration or the pre-run: that change in flight was finished,
	 * but no new one starts */
	if (interrupted_before_change(o, res))
		return 1;
	if (create_or_update(aws, call, o, s, res, &resp, err) ||
	    copy_id(res->final.arn, sizeof(res->final.arn),
		    json_object_get(json_object_get(resp, "service"), "serviceArn"), "service ARN",
		    err) ||
	    primary_id(resp, res->deployment_id, sizeof(res->deployment_id), err) ||
	    copy_id(res->service_deployment_arn, sizeof(res->service_deployment_arn),
		    json_object_get(json_object_get(resp, "service"), "currentServiceDeployment"),
		    "service deployment ARN", err))
		goto cleanup;
	if (!res->deployment_id[0]) {
		ship_err_set(err, SHIP_ERR_PROTOCOL,
			     _("the answer to %s names no PRIMARY deployment to follow"),
			     res->created ? "CreateService" : "UpdateService");
		goto cleanup;
	}
	res->outcome = SHIP_DEPLOY_STARTED;
	set_reason(res, _("deployment %s started; not waiting (--no-wait)"), res->deployment_id);
	rc = 1;
cleanup:
	json_decref(resp);
	return rc;
}

/*
 * ecship.yml's autoscaling, once the service exists: after CreateService/UpdateService was
 * accepted (a new service cannot be a scalable target before; Application Auto Scaling checks
 * that it exists), when nothing else was to deploy, and as a plan on a dry run. The deployment
 * itself never carries desiredCount unless --desired-count asks, so the scaled count stays.
 */
static int scales_now(const struct ship_deploy_opts *o, const struct ship_deploy_result *res)
{
	return o->autoscaling && o->autoscaling->set &&
	       (res->outcome == SHIP_DEPLOY_STARTED || res->outcome == SHIP_DEPLOY_UNCHANGED ||
		(res->outcome == SHIP_DEPLOY_DRY_RUN && res->previous_taskdef[0]));
}

static void as_note(void *ctx, const char *message)
{
	const struct ship_deploy_opts *o = ctx;
	note(o, "%s", message);
}

static int deploy_autoscaling(struct ship_aws *aws, struct ship_call_opts *call,
			      const struct ship_deploy_opts *o, const struct ship_deploy_start *s,
			      const struct ship_deploy_result *res, struct ship_err *err)
{
	struct ship_as_apply a = {o->cluster, o->service, o->autoscaling, o->service_def,
				  s->svc,     o->dry_run, as_note,	  (void *)o};
	if (!ship_autoscaling_apply(aws, call, &a, err))
		return 0;
	if (res->outcome == SHIP_DEPLOY_STARTED)
		ship_err_prefix(err,
				_("deployment %s of service '%s' started, but its autoscaling "
				  "was not applied (deploy again once fixed)"),
				res->deployment_id, o->service);
	return -1;
}

/*
 * Starts one service: stage 1 (observe) when not yet observed, then stages 2 and 3. -1 on an AWS error; else res->outcome says where it is.
 * `shared`: the result of an earlier service of this deploy whose rendered task definition is
 * identical, whose revision is used as it is (one revision per distinct definition).
 */
static int deploy_start(struct ship_aws *aws, struct ship_call_opts *call,
			const struct ship_deploy_opts *o, struct ship_deploy_start *s,
			const struct ship_deploy_opts *shared_opts,
			const struct ship_deploy_result *shared, struct ship_deploy_result *res, int observed,
			struct ship_err *err)
{
	int r = observed ? 0 : ship_deploy_observe(aws, call, o, s, res, err);
	if (!r && shared) {
		s->same = 1; /* the family's latest revision is now this definition */
		res->revision = shared->revision;
		snprintf(res->taskdef_arn, sizeof(res->taskdef_arn), "%s", shared->taskdef_arn);
		note(o, _("task definition shared with service '%s': using %s"), shared_opts->service,
		     ship_taskdef_short(res->taskdef_arn));
	} else if (!r)
		r = ship_deploy_ensure_revision(aws, call, o, s, res, err);
	if (!r)
		r = ship_deploy_apply(aws, call, o, s, res, err);
	if (r >= 0 && scales_now(o, res))
		r = deploy_autoscaling(aws, call, o, s, res, err);
	return r < 0 ? -1 : 0;
}

/* ---- the engine ------------------------------------------------------------------------------ */

/* What the engine keeps for each service. */
struct one {
	struct ship_deploy_start start;
	struct ship_follow fo;	       /* our deployment: ECS's record, else deployments[] */
	struct ship_failfast_watch ff; /* fail-fast over our deployment's stopped tasks */
	int waited;    /* it was waited for */
	int gone;      /* it disappeared during the deploy */
	int error;     /* its start or observation failed with err */
	int stopped;   /* its observation ended its deploy (error, refusal, interruption) */
	int failed_rb; /* issuing its rollback failed with err */
	double ended;  /* when its part of the deploy ended (client's clock; 0: with the deploy) */
	struct ship_err err;
	/* blue/green, linear, canary: lw follows the lifecycle around fo (and fail-fast) */
	int watched;
	struct ship_lifecycle_watch lw;
};

/* Sets res from how the wait for our deployment ended. */
static void end_outcome(const struct ship_deploy_opts *o, struct one *s, enum ship_wait_end end,
			struct ship_deploy_result *res)
{
	switch (end) {
	case SHIP_WAIT_DONE:
		if (s->watched && s->lw.paused) {
			res->outcome = SHIP_DEPLOY_PAUSED;
			set_reason(
			    res,
			    _("deployment %s is paused at stage %s: lifecycle hook %s awaits "
			      "an answer (on timeout ECS will %s)"),
			    res->deployment_id, s->lw.last.stage[0] ? s->lw.last.stage : "-",
			    s->lw.last.hook.id,
			    s->lw.last.hook.timeout_action[0] &&
				    !strcmp(s->lw.last.hook.timeout_action, "CONTINUE")
				? _("continue")
				: _("roll back"));
			return;
		}
		snprintf(res->reason, sizeof(res->reason), "%s", s->fo.ro.reason);
		res->outcome = s->fo.ro.phase == SHIP_ROLLOUT_COMPLETED	 ? SHIP_DEPLOY_COMPLETED
			       : s->fo.ro.phase == SHIP_ROLLOUT_REPLACED ? SHIP_DEPLOY_REPLACED
								      : SHIP_DEPLOY_FAILED;
		/* blue/green, linear, canary: ECS's record decides (svcdeploy.h's table); a
		 * rollback is ECS's own, moving traffic back to blue: ecship waits for it */
		if (s->watched && s->lw.final) {
			enum ship_sdep_outcome so = ship_sdep_rule_of(s->lw.status)->outcome;
			if (so == SHIP_SDEP_COMPLETED) {
				res->outcome = SHIP_DEPLOY_COMPLETED;
			} else if (res->outcome != SHIP_DEPLOY_REPLACED) {
				res->outcome = SHIP_DEPLOY_FAILED;
				set_reason(res, _("deployment %s %s (%s)%s%s"), res->deployment_id,
					   ship_sdep_rule_of(s->lw.status)->words, s->lw.status,
					   s->lw.reason[0] ? ": " : "", s->lw.reason);
				if (so == SHIP_SDEP_ROLLED_BACK)
					s->fo.ro.ecs_rolls_back = 1; /* roll_back waits for it */
				res->lifecycle_alarm = s->lw.alarm_reason[0] != '\0';
				if (!strstr(s->lw.reason, "circuit breaker"))
					snprintf(res->lifecycle_cause, sizeof(res->lifecycle_cause),
						 "%.1000s",
						 res->lifecycle_alarm ? s->lw.alarm_reason
								      : s->lw.reason);
			}
		}
		/* where in the lifecycle it failed, and the alarm that ended it */
		res->lifecycle = s->watched;
		if (s->watched && res->outcome == SHIP_DEPLOY_FAILED && s->lw.where[0]) {
			char at[128];
			snprintf(at, sizeof(at), _(" (at lifecycle stage %s)"), s->lw.where);
			append_reason(res, at);
		}
		if (s->watched && res->outcome == SHIP_DEPLOY_FAILED && s->lw.alarm_reason[0]) {
			append_reason(res, "; ");
			append_reason(res, s->lw.alarm_reason);
		}
		return;
	case SHIP_WAIT_TIMEOUT:
		res->outcome = SHIP_DEPLOY_TIMEOUT;
		set_reason(res, _("deployment %s did not complete within %.0f s"),
			   res->deployment_id, o->timeout);
		return;
	case SHIP_WAIT_INTERRUPTED:
		res->outcome = SHIP_DEPLOY_INTERRUPTED;
		set_reason(res,
			   _("interrupted while deployment %s was in progress; it goes on in ECS, "
			     "and 'ecship wait' or 'ecship rollback' take over from here"),
			   res->deployment_id);
		return;
	case SHIP_WAIT_GONE:
		s->gone = 1;
		res->outcome = SHIP_DEPLOY_FAILED;
		set_reason(res, _("service '%s' was deleted while deployment %s was in progress"),
			   o->service, res->deployment_id);
		return;
	}
}

/* Outcomes after which the other services go on; any other one fails the group. */
static int started_ok(enum ship_deploy_outcome oc)
{
	return oc == SHIP_DEPLOY_STARTED || oc == SHIP_DEPLOY_UNCHANGED ||
	       oc == SHIP_DEPLOY_DRY_RUN || oc == SHIP_DEPLOY_PAUSED;
}

/* Waits for every started deployment at once; sets each one's outcome. */
static int wait_all(struct ship_aws *aws, const struct ship_call_opts *call,
		    const struct ship_deploy_opts *opts, size_t n, struct one *st,
		    struct ship_deploy_result *res, struct ship_err *err)
{
	struct ship_wait_item *items = ship_calloc(n, sizeof(*items));
	size_t *idx = ship_calloc(n, sizeof(*idx)), nwait = 0, i, k;
	int rc = 0;
	if (!items || !idx) {
		rc = ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (res[i].outcome != SHIP_DEPLOY_STARTED || opts[i].no_wait)
			continue;
		ship_follow_init(&st[i].fo, res[i].deployment_id, res[i].taskdef_arn,
				 res[i].service_deployment_arn);
		snprintf(st[i].fo.ro.previous_taskdef, sizeof(st[i].fo.ro.previous_taskdef), "%s",
			 res[i].previous_taskdef);
		if (opts[i].breaker_min > 0)
			st[i].fo.ro.threshold_min = opts[i].breaker_min;
		memset(&items[nwait], 0, sizeof(items[nwait]));
		items[nwait].service = opts[i].service;
		items[nwait].done = ship_wait_follow_done;
		items[nwait].done_ctx = &st[i].fo;
		items[nwait].sdep = st[i].fo.sd.arn[0] ? &st[i].fo.sd : NULL;
		struct ship_failfast_rules ffr;
		ship_deploy_failfast_rules(&opts[i], &ffr);
		ship_failfast_watch_init(&st[i].ff, aws, opts[i].cluster, opts[i].service, call, &ffr,
					 &st[i].fo.ro);
		st[i].ff.inner = items[nwait].done; /* our deployment's end, or fail-fast's */
		st[i].ff.inner_ctx = items[nwait].done_ctx;
		items[nwait].done = ship_failfast_wait_done;
		items[nwait].done_ctx = &st[i].ff;
		if (res[i].service_deployment_arn[0] &&
		    ship_strategy_shifts_traffic(ship_strategy_of(opts[i].service_def))) {
			ship_lifecycle_watch_init(&st[i].lw, aws, call, res[i].service_deployment_arn,
						  items[nwait].done, items[nwait].done_ctx);
			st[i].lw.wait_approval = opts[i].wait_approval;
			st[i].lw.on_note = opts[i].on_note;
			st[i].lw.note_ctx = opts[i].ctx;
			st[i].watched = 1;
			items[nwait].done = ship_wait_lifecycle_done;
			items[nwait].done_ctx = &st[i].lw;
		}
		items[nwait].events = &st[i].start.cur;
		st[i].waited = 1;
		idx[nwait++] = i;
	}
	if (!nwait)
		goto cleanup;
	if (nwait == 1)
		note(&opts[idx[0]], _("waiting for deployment %s"), res[idx[0]].deployment_id);
	else
		note(&opts[0], _("waiting for %zu deployments"), nwait);
	struct ship_wait_opts wo = {opts[0].timeout,  opts[0].on_snapshot,
				    opts[0].on_event, opts[0].cancelled,
				    opts[0].ctx,      NULL,
				    SHIP_POLL_MIN,    call,
				    NULL};
	struct ship_wait_stats ws;
	const struct ship_clock *clk = ship_aws_clock(aws);
	double t0 = clk->now(clk->ctx);
	if (ship_ecs_wait_many(aws, opts[0].cluster, items, nwait, &wo, &ws, err)) {
		for (k = 0; k < nwait; k++)
			set_reason(&res[idx[k]],
				   _("deployment %s started, but following it failed; "
				     "'ecship wait' takes over from here"),
				   res[idx[k]].deployment_id);
		rc = -1;
		goto cleanup;
	}
	for (k = 0; k < nwait; k++) {
		i = idx[k];
		res[i].final = items[k].last;
		add_stats(&res[i], &ws);
		ship_deploy_failfast_result(&st[i].ff, &res[i]);
		st[i].ended = t0 + items[k].elapsed;
		end_outcome(&opts[i], &st[i], items[k].end, &res[i]);
	}
cleanup:
	ship_free(items);
	ship_free(idx);
	return rc;
}

/*
 * An UNCHANGED service of a group whose other service failed: when an interrupted run of this
 * deploy had moved it (still marked pending with the revision it runs), it goes back to its
 * recorded previous revision too, so the group never ends as a mix.
 */
static int roll_back_pending(struct ship_aws *aws, const struct ship_call_opts *call,
			     const struct ship_deploy_opts *o, const struct ship_deploy_opts *fo,
			     const struct ship_deploy_result *fres, struct one *st,
			     struct ship_deploy_result *res, struct rb *rb, struct ship_err *err)
{
	char pending[sizeof(res->taskdef_arn)], prev[sizeof(res->previous_taskdef)], group[40];
	read_marks(aws, call, res->final.arn, pending, sizeof(pending), group, sizeof(group), prev,
		   sizeof(prev));
	/* marked by a run of this very deploy (its digest), with the revision it runs */
	if (!pending[0] || strcmp(pending, res->taskdef_arn) || !prev[0] ||
	    !strcmp(prev, res->taskdef_arn) || !st->start.group || strcmp(group, st->start.group))
		return 0;
	snprintf(res->previous_taskdef, sizeof(res->previous_taskdef), "%s", prev);
	res->previous_ran = 1; /* recorded: it ran (record_previous_if_ran) */
	res->outcome = SHIP_DEPLOY_FAILED;
	res->moved_before = 1;
	set_reason(res,
		   _("rolled back because service '%s' failed: %s (an interrupted run of this "
		     "deploy had moved it to %s)"),
		   fo->service, fres->reason, ship_taskdef_short(pending));
	return rb_begin(aws, call, o, NULL, &st->start.cur, res, rb, err);
}

/* The state of one deploy of many services, shared by the pool's work functions. */
struct engine {
	const struct ship_deploy_opts *opts; /* the caller's */
	struct ship_deploy_opts *wopts;	     /* the same, callbacks serialized (ship_fanout_lock) */
	size_t n;
	struct one *st;
	struct ship_deploy_result *res;
	struct ship_call_opts *calls; /* each service's own copy of the deploy's call options */
	const size_t *leader;	      /* an earlier service with the identical definition, or i */
	int observed;
	size_t failed; /* the service whose failure rolls the others back */
	struct rb *rbs;
	int round;	/* roll_back_all's: 0 the rollbacks, 1 the fallbacks */
	char group[17]; /* group_digest */
};

/*
 * The deploy's digest for the pending marks: FNV-1a (64 bits) over each service's name, task
 * definition and service definition as rendered (keys sorted). A rerun of the same deploy has
 * the same one; a deploy of anything else another.
 */
static int group_digest(const struct ship_deploy_opts *opts, size_t n, char *out, size_t size)
{
	unsigned long long h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		char *td = json_dumps(opts[i].taskdef, JSON_COMPACT | JSON_SORT_KEYS);
		char *sd = opts[i].service_def
			       ? json_dumps(opts[i].service_def, JSON_COMPACT | JSON_SORT_KEYS)
			       : NULL;
		const char *parts[3] = {opts[i].service, td ? td : "", sd ? sd : ""};
		if (!td || (opts[i].service_def && !sd)) {
			ship_free(td);
			ship_free(sd);
			return -1;
		}
		for (int k = 0; k < 3; k++)
			for (const char *c = parts[k];; c++) {
				h = (h ^ (unsigned char)*c) * 1099511628211ULL;
				if (!*c)
					break;
			}
		ship_free(td);
		ship_free(sd);
	}
	snprintf(out, size, "%016llx", h);
	return 0;
}

/* ---- callbacks from the pool's threads, one at a time ---- */

static void locked_note(void *ctx, const char *message)
{
	const struct ship_deploy_opts *o = ctx;
	ship_fanout_lock();
	o->on_note(o->ctx, message);
	ship_fanout_unlock();
}

static void locked_snapshot(void *ctx, const struct ship_service_view *v, double elapsed,
			    int changed)
{
	const struct ship_deploy_opts *o = ctx;
	ship_fanout_lock();
	o->on_snapshot(o->ctx, v, elapsed, changed);
	ship_fanout_unlock();
}

static void locked_event(void *ctx, double created, const char *message)
{
	const struct ship_deploy_opts *o = ctx;
	ship_fanout_lock();
	o->on_event(o->ctx, created, message);
	ship_fanout_unlock();
}

static int locked_cancelled(void *ctx)
{
	const struct ship_deploy_opts *o = ctx;
	ship_fanout_lock();
	int r = o->cancelled(o->ctx);
	ship_fanout_unlock();
	return r;
}

static void wrap_callbacks(const struct ship_deploy_opts *o, struct ship_deploy_opts *w)
{
	*w = *o;
	w->ctx = (void *)o;
	w->on_note = o->on_note ? locked_note : NULL;
	w->on_snapshot = o->on_snapshot ? locked_snapshot : NULL;
	w->on_event = o->on_event ? locked_event : NULL;
	w->cancelled = o->cancelled ? locked_cancelled : NULL;
}

/*
 * Undoes what this deploy changed after service `failed` failed: every service with a deployment
 * of ours goes back to its previous revision, except one that was replaced by someone else's
 * deployment, interrupted, or deleted. The rollbacks are issued at once (the pool) and followed
 * together, ten services per DescribeServices. Errors are collected: every service gets its
 * attempt.
 */
static int rb_issue_one(void *ctx, size_t i, struct ship_aws *aws)
{
	struct engine *g = ctx;
	struct ship_deploy_result *res = g->res;
	const struct ship_deploy_opts *opts = g->wopts;
	struct one *st = g->st;
	struct rb *rb = &g->rbs[i];
	struct ship_err *e = &st[i].err;
	size_t failed = g->failed;
	/* the second round is only for the fallbacks */
	if (g->round > 0 && rb->kind != RB_FALLBACK)
		return 0;
	if (rb->kind == RB_FALLBACK) { /* second round: the breaker's rollback did not settle */
		if (rb_direct_issue(aws, &rb->call, &opts[i], res[i].previous_taskdef, 0, &res[i],
				    rb, e))
			st[i].failed_rb = 1;
		return 0;
	}
	rb->kind = RB_NONE;
	if (g->n > 1 && res[i].outcome == SHIP_DEPLOY_UNCHANGED) {
		if (roll_back_pending(aws, &g->calls[i], &opts[i], &opts[failed], &res[failed],
				      &st[i], &res[i], rb, e))
			st[i].failed_rb = 1;
		return 0;
	}
	if (!res[i].deployment_id[0] || res[i].outcome == SHIP_DEPLOY_REPLACED ||
	    res[i].outcome == SHIP_DEPLOY_INTERRUPTED)
		return 0;
	if (st[i].gone) {
		append_reason(&res[i], _("; nothing left to roll back"));
		return 0;
	}
	int own = res[i].outcome == SHIP_DEPLOY_FAILED || res[i].outcome == SHIP_DEPLOY_TIMEOUT;
	if (!own) {
		res[i].outcome = SHIP_DEPLOY_FAILED;
		set_reason(&res[i], _("rolled back because service '%s' failed: %s"),
			   opts[failed].service, res[failed].reason);
	}
	int by_ecs = res[i].outcome == SHIP_DEPLOY_FAILED && own && st[i].waited;
	if (rb_begin(aws, &g->calls[i], &opts[i], by_ecs ? &st[i].fo : NULL, &st[i].start.cur,
		     &res[i], rb, e))
		st[i].failed_rb = 1;
	return 0;
}

/* Waits for every rollback in flight at once and reads how each ended. */
static int rb_wait_all(struct ship_aws *aws, struct engine *g, struct ship_err *err)
{
	size_t n = g->n, nwait = 0, i, k;
	struct ship_wait_item *items = ship_calloc(n, sizeof(*items));
	size_t *idx = ship_calloc(n, sizeof(*idx));
	const struct ship_call_opts *call = NULL;
	int rc = 0;
	if (!items || !idx) {
		rc = ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		struct rb *rb = &g->rbs[i];
		if (rb->kind != RB_BREAKER && rb->kind != RB_DIRECT)
			continue;
		memset(&items[nwait], 0, sizeof(items[nwait]));
		items[nwait].service = g->opts[i].service;
		rb_done(rb, &items[nwait].done, &items[nwait].done_ctx, &items[nwait].sdep);
		items[nwait].events = rb->events;
		if (!call)
			call = &rb->call;
		idx[nwait++] = i;
	}
	if (!nwait)
		goto cleanup;
	const struct ship_deploy_opts *o0 = &g->wopts[idx[0]];
	struct ship_wait_opts wo = {
	    o0->timeout, o0->on_snapshot, o0->on_event, o0->cancelled, o0->ctx,
	    NULL,	 SHIP_POLL_MIN,	  call,		 NULL};
	struct ship_wait_stats ws;
	const struct ship_clock *clk = ship_aws_clock(aws);
	double t0 = clk->now(clk->ctx);
	if (ship_ecs_wait_many(aws, o0->cluster, items, nwait, &wo, &ws, err)) {
		rc = -1;
		goto cleanup;
	}
	for (k = 0; k < nwait; k++) {
		i = idx[k];
		struct rb *rb = &g->rbs[i];
		g->res[i].final = items[k].last;
		add_stats(&g->res[i], &ws);
		g->st[i].ended = t0 + items[k].elapsed;
		if (rb->kind == RB_BREAKER) {
			rb_breaker_finish(&g->wopts[i], rb, items[k].end, &g->res[i]);
		} else if (rb_direct_finish(aws, &g->wopts[i], rb, items[k].end, &g->res[i],
					    &g->st[i].err)) {
			if (!rc)
				*err = g->st[i].err;
			rc = -1;
		}
		if (rb->kind != RB_FALLBACK)
			rb->kind = RB_NONE;
	}
cleanup:
	ship_free(items);
	ship_free(idx);
	return rc;
}

static int roll_back_all(struct ship_aws *aws, struct engine *g, struct ship_err *err)
{
	size_t n = g->n, i;
	int rc = 0;
	unsigned char *ran = ship_calloc(n, 1);
	if (!(g->rbs = ship_calloc(n, sizeof(*g->rbs))) || !ran) {
		ship_free(ran);
		return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
	}
	/* two rounds at most: the rollbacks, then direct ones where the breaker's did not settle */
	for (int round = 0; round < 2; round++) {
		struct ship_fanout f = {n, NULL, NULL, NULL, 0, ran, 0};
		int any = 0;
		for (i = 0; i < n; i++) {
			g->st[i].failed_rb = 0;
			any |= round == 0 || g->rbs[i].kind == RB_FALLBACK;
		}
		if (!any)
			break;
		if (g->opts[0].before_update)
			f.workers = 1;
		g->round = round;
		ship_fanout_run(aws, &f, rb_issue_one, g);
		for (i = 0; i < n; i++)
			if (g->st[i].failed_rb) {
				if (!rc)
					*err = g->st[i].err;
				rc = -1;
			}
		struct ship_err e = SHIP_ERR_INIT;
		if (rb_wait_all(aws, g, &e) && !rc) {
			*err = e;
			rc = -1;
		}
		if (round == 0) /* only the fallbacks go round again */
			for (i = 0; i < n; i++)
				if (g->rbs[i].kind != RB_FALLBACK)
					g->rbs[i].kind = RB_NONE;
	}
	ship_free(g->rbs);
	g->rbs = NULL;
	ship_free(ran);
	return rc;
}

/* An earlier service with the identical rendered task definition, else i: its revision is used
 * as it is (one revision per distinct definition). */
static size_t same_definition(const struct ship_deploy_opts *opts, size_t i)
{
	const char *fam = json_string_value(json_object_get(opts[i].taskdef, "family"));
	for (size_t j = 0; fam && j < i; j++) {
		const char *f = json_string_value(json_object_get(opts[j].taskdef, "family"));
		if (f && !strcmp(f, fam) && json_equal(opts[j].taskdef, opts[i].taskdef))
			return j;
	}
	return i;
}

/* Stage 0 for service i (a pool's work). */
static int observe_one(void *ctx, size_t i, struct ship_aws *aws)
{
	struct engine *g = ctx;
	struct ship_err *e = &g->st[i].err;
	int r =
	    ship_deploy_observe(aws, &g->calls[i], &g->wopts[i], &g->st[i].start, &g->res[i], e);
	if (r < 0) {
		set_reason(&g->res[i], "%s", e->message);
		ship_err_prefix(e, "service '%s'", g->opts[i].service);
		g->st[i].error = 1;
	}
	g->st[i].stopped = r != 0;
	return r != 0;
}

/* Stages 1 to 3 for service i; non-zero when it did not start. */
static int start_stages(struct engine *g, size_t i, struct ship_aws *aws)
{
	struct ship_err *e = &g->st[i].err;
	size_t sh = g->leader[i];
	/* after a signal no new service starts; the first one's start sees it itself */
	if (i > 0 && stop_here(&g->wopts[i])) {
		g->st[i].stopped = 1;
		g->res[i].outcome = SHIP_DEPLOY_INTERRUPTED;
		set_reason(&g->res[i], _("interrupted before service '%s' was changed"),
			   g->opts[i].service);
		return 1;
	}
	if (sh != i && !g->res[sh].taskdef_arn[0])
		sh = i; /* the other has no revision (a dry run): this one finds its own */
	if (deploy_start(aws, &g->calls[i], &g->wopts[i], &g->st[i].start,
			 sh < i ? &g->opts[sh] : NULL, sh < i ? &g->res[sh] : NULL, &g->res[i],
			 g->observed, e)) {
		set_reason(&g->res[i], "%s", e->message);
		if (g->n > 1)
			ship_err_prefix(e, _("service '%s'"), g->opts[i].service);
		g->st[i].error = 1;
		return 1;
	}
	return !started_ok(g->res[i].outcome);
}

/* start_stages as a pool's work, noting when it ended. */
static int start_one(void *ctx, size_t i, struct ship_aws *aws)
{
	struct engine *g = ctx;
	const struct ship_clock *clk = ship_aws_clock(aws);
	int r = start_stages(g, i, aws);
	g->st[i].ended = clk->now(clk->ctx);
	return r;
}

/* The earliest persistence deadline a service's stages set (each has its own copy). */
static void join_calls(struct engine *g, struct ship_call_opts *call)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->calls[i].persist_until > 0 &&
		    (!call->persist_until || g->calls[i].persist_until < call->persist_until))
			call->persist_until = g->calls[i].persist_until;
}

/*
 * Describes the services of a deploy ten per DescribeServices (the API's maximum) before they are
 * observed, so that 200 services cost 20 calls against ECS's Describe bucket, not 200. Only a
 * service found by its name is prefetched; one ECS reports MISSING or INACTIVE, and every service
 * of a call that failed, is described on its own by stage 1 as before.
 */
static void prefetch(struct ship_aws *aws, const struct ship_call_opts *call,
		     const struct ship_deploy_opts *opts, size_t n, struct one *st)
{
	for (size_t first = 0; first < n; first += SHIP_DESCRIBE_BATCH) {
		size_t end = first + SHIP_DESCRIBE_BATCH < n ? first + SHIP_DESCRIBE_BATCH : n, i,
		       j;
		struct ship_err e = SHIP_ERR_INIT;
		json_t *names = json_array(), *resp = NULL, *s;
		for (i = first; names && i < end; i++)
			json_array_append_new(names, json_string(opts[i].service));
		json_t *req =
		    names ? json_pack("{s:s, s:o}", "cluster", opts[0].cluster, "services", names)
			  : NULL;
		if (!req ||
		    ship_aws_json(aws, SHIP_SVC_ECS, "DescribeServices", req, &resp, call, &e)) {
			json_decref(req);
			continue;
		}
		json_decref(req);
		for (i = first; i < end; i++)
			json_array_foreach(json_object_get(resp, "services"), j, s)
			{
				const char *name =
				    json_string_value(json_object_get(s, "serviceName"));
				const char *status =
				    json_string_value(json_object_get(s, "status"));
				if (name && !strcmp(name, opts[i].service) &&
				    !(status && !strcmp(status, "INACTIVE")) &&
				    !st[i].start.prefetched) {
					st[i].start.prefetch = json_incref(s);
					st[i].start.prefetched = 1;
				}
			}
		json_decref(resp);
	}
}

int ship_deploy_many(struct ship_aws *aws, const struct ship_deploy_opts *opts_in, size_t n,
		     struct ship_deploy_result *res, struct ship_err *err)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	double start = clk->now(clk->ctx);
	struct ship_call_opts call = {0};
	struct engine g;
	struct one *st = NULL;
	struct ship_deploy_opts *opts = NULL;
	size_t i, *leader = NULL;
	unsigned char *ran = NULL;
	int rc = 0, failed = -1;

	if (n == 0 || n > SHIP_DEPLOY_MAX_SERVICES)
		return ship_err_set(err, SHIP_ERR_INPUT, _("a deploy takes 1 to %d services"),
				    SHIP_DEPLOY_MAX_SERVICES);
	for (i = 1; i < n; i++)
		if (strcmp(opts_in[i].cluster, opts_in[0].cluster))
			return ship_err_set(
			    err, SHIP_ERR_INPUT,
			    _("the services of one deploy must share a cluster ('%s' "
			      "and '%s')"),
			    opts_in[0].cluster, opts_in[i].cluster);
	memset(res, 0, n * sizeof(*res));
	memset(&g, 0, sizeof(g));
	st = ship_calloc(n, sizeof(*st));
	opts = ship_calloc(n, sizeof(*opts));
	leader = ship_calloc(n, sizeof(*leader));
	ran = ship_calloc(n, 1);
	g.calls = ship_calloc(n, sizeof(*g.calls));
	if (!st || !opts || !leader || !ran || !g.calls) {
		rc = ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
		goto cleanup;
	}
	/* throttling and 5xx are outlasted from the start, everything transient from the first
	 * change on (persist()) */
	call.persist_answered_until = start + opts_in[0].timeout;
	for (i = 0; i < n; i++) {
		wrap_callbacks(&opts_in[i], &opts[i]);
		leader[i] = same_definition(opts_in, i);
		g.calls[i] = call;
	}
	g.opts = opts_in;
	g.wopts = opts;
	g.n = n;
	g.st = st;
	g.res = res;
	g.leader = leader;
	if (n > 1 && group_digest(opts_in, n, g.group, sizeof(g.group))) {
		rc = ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
		goto cleanup;
	}
	for (i = 0; n > 1 && i < n; i++)
		st[i].start.group = g.group;
	/* --pre-run's hook uses the caller's client: then the services start in turn */
	size_t workers = opts_in[0].before_update ? 1 : 0;

	/* 0. with several services, observe each before changing any: a service definition ECS
	 * cannot apply, or a service on another deployment controller, changes nothing */
	if (n > 1) {
		struct ship_fanout f = {n, NULL, NULL, NULL, workers, ran, 0};
		prefetch(aws, &call, opts_in, n, st);
		ship_fanout_run(aws, &f, observe_one, &g);
		for (i = 0; i < n && !st[i].stopped; i++)
			;
		if (i < n) { /* the first that stopped: the same as in turn */
			if (st[i].error)
				*err = st[i].err;
			for (size_t j = 0; j < n; j++)
				if (j != i)
					set_reason(&res[j], _("service '%s' did not start"),
						   opts[i].service);
			rc = st[i].error ? -1 : 0;
			goto cleanup;
		}
	}
	g.observed = n > 1;
	/* 1. start them, each distinct definition's first service at once and the others of it
	 * after it; no new one starts after one could not, or once a signal came (the services
	 * not reached are left as they are: "interrupted before service 'X' was changed") */
	for (i = 0; i < n; i++)
		st[i].stopped = 0;
	struct ship_fanout f = {n, leader, NULL, NULL, workers, ran, 0};
	ship_fanout_run(aws, &f, start_one, &g);
	join_calls(&g, &call);
	for (i = 0; i < n; i++) {
		if (!ran[i])
			continue;
		if (st[i].error) {
			if (!rc)
				*err = st[i].err;
			rc = -1;
		}
		if ((st[i].error || !started_ok(res[i].outcome)) &&
		    (st[i].error || res[i].outcome != SHIP_DEPLOY_INTERRUPTED) && failed < 0)
			failed = (int)i;
	}
	for (i = 0; i < n; i++) {
		if (ran[i])
			continue;
		if (failed >= 0) {
			set_reason(&res[i], _("service '%s' did not start"),
				   opts[failed].service);
		} else {
			res[i].outcome = SHIP_DEPLOY_INTERRUPTED;
			set_reason(&res[i], _("interrupted before service '%s' was changed"),
				   opts[i].service);
		}
	}
	/* 2. wait for all at once; after a signal the wait ends at once, and each started
	 * deployment is reported as going on in ECS */
	if (!rc && failed < 0 && wait_all(aws, &call, opts, n, st, res, err))
		rc = -1;
	if (!rc && failed < 0)
		for (i = 0; i < n && failed < 0; i++)
			if (res[i].outcome != SHIP_DEPLOY_COMPLETED &&
			    !started_ok(res[i].outcome) &&
			    res[i].outcome != SHIP_DEPLOY_INTERRUPTED)
				failed = (int)i;
	/* 3. one failed: every service this deploy changed goes back to its previous revision, and
	 * so does one an interrupted run of it had moved (unchanged now, still marked pending) */
	if (failed >= 0) {
		struct ship_err e = SHIP_ERR_INIT;
		for (i = 0; i < n; i++)
			g.calls[i] = call;
		g.failed = (size_t)failed;
		if (roll_back_all(aws, &g, &e) && !rc) {
			*err = e;
			rc = -1;
		}
	}
cleanup:;
	double secs = clk->now(clk->ctx) - start;
	for (i = 0; st && i < n; i++) {
		/* each service's own time: until its wait (or its rollback's) ended */
		res[i].seconds = st[i].ended > start ? st[i].ended - start : secs;
		ship_deploy_start_release(&st[i].start);
	}
	ship_free(st);
	ship_free(opts);
	ship_free(leader);
	ship_free(ran);
	ship_free(g.calls);
	return rc;
}

int ship_deploy_run(struct ship_aws *aws, const struct ship_deploy_opts *o,
		    struct ship_deploy_result *res, struct ship_err *err)
{
	return ship_deploy_many(aws, o, 1, res, err);
}
