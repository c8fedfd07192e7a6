/*
 * deploy.c: the application deploy (see deploy.h): describe, register or reuse, create or
 * update, wait for our deployment, roll back to the recorded revision. Every AWS call goes
 * through the client; every message to the user through the on_note callback.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ecship/deploy.h"
#include "ecship/taskdef.h"

static void note(const struct ship_deploy_opts *o, const char *fmt, ...) SHIP_PRINTF(2, 3);
static void note(const struct ship_deploy_opts *o, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!o->on_note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->on_note(o->ctx, msg);
}

static void set_reason(struct ship_deploy_result *res, const char *fmt, ...) SHIP_PRINTF(2, 3);
static void set_reason(struct ship_deploy_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

static void append_reason(struct ship_deploy_result *res, const char *s)
{
	size_t n = strlen(res->reason);
	snprintf(res->reason + n, sizeof(res->reason) - n, "%s", s);
}

const char *ship_deploy_outcome_name(enum ship_deploy_outcome oc)
{
	static const char *const names[] = {
	    [SHIP_DEPLOY_COMPLETED] = "completed", [SHIP_DEPLOY_STARTED] = "started",
	    [SHIP_DEPLOY_UNCHANGED] = "unchanged", [SHIP_DEPLOY_DRY_RUN] = "dry-run",
	    [SHIP_DEPLOY_FAILED] = "failed",       [SHIP_DEPLOY_TIMEOUT] = "timeout",
	    [SHIP_DEPLOY_REPLACED] = "replaced",   [SHIP_DEPLOY_INTERRUPTED] = "interrupted",
	    [SHIP_DEPLOY_REFUSED] = "refused",
	};
	return (unsigned)oc < sizeof(names) / sizeof(names[0]) ? names[oc] : "unknown";
}

/* The PRIMARY deployment's id in a CreateService/UpdateService answer. */
static void primary_id(json_t *resp, char *out, size_t n)
{
	json_t *deps = json_object_get(json_object_get(resp, "service"), "deployments"), *d;
	size_t i;
	out[0] = '\0';
	json_array_foreach(deps, i, d) {
		const char *st = json_string_value(json_object_get(d, "status"));
		const char *id = json_string_value(json_object_get(d, "id"));
		if (st && id && !strcmp(st, "PRIMARY")) {
			snprintf(out, n, "%s", id);
			return;
		}
	}
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

/* The latest ACTIVE revision of the family, or NULL when the family has none. */
static int latest_revision(struct ship_aws *aws, const char *family, json_t **out,
			   struct ship_err *err)
{
	json_t *resp = NULL, *req = json_pack("{s:s}", "taskDefinition", family);
	*out = NULL;
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "DescribeTaskDefinition", req, &resp, NULL, err);
	json_decref(req);
	if (r) {
		/* ECS: ClientException "Unable to describe task definition." for an unknown family */
		if (err->code == SHIP_ERR_AWS && (!strcmp(err->aws_code, "ClientException") ||
						  !strcmp(err->aws_code, "InvalidParameterException"))) {
			ship_err_clear(err);
			return 0;
		}
		return -1;
	}
	*out = json_incref(json_object_get(resp, "taskDefinition"));
	json_decref(resp);
	return 0;
}

static void copy_json_str(char *dst, size_t n, json_t *v)
{
	snprintf(dst, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}


/*
 * RegisterTaskDefinition is not idempotent: an attempt whose answer is lost (reset, 5xx after
 * the fact, timeout) may still have registered a revision, and a blind retry registers it twice.
 * So the client retries only throttling (refused before it ran), and before any other retry the
 * latest revision is checked: when it is ours, *resp stays NULL and the caller uses it.
 */
static int register_once(struct ship_aws *aws, const struct ship_deploy_opts *o,
			 const char *family, json_t **resp, struct ship_err *err)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	struct ship_call_opts single = {NULL, 0, 1}; /* not idempotent */
	int max = ship_aws_max_attempts(aws);
	*resp = NULL;
	for (int attempt = 1;; attempt++) {
		if (!ship_aws_json(aws, SHIP_SVC_ECS, "RegisterTaskDefinition", o->taskdef, resp,
				   &single, err))
			return 0;
		double until = ship_aws_persisting(aws);
		if (!ship_err_is_transient(err) ||
		    (attempt >= max && !(until > 0 && clk->now(clk->ctx) < until)))
			return -1;
		double cap = attempt < 5 ? (double)(1 << attempt) : 20.0;
		clk->sleep(clk->ctx, clk->random(clk->ctx) * (cap > 20 ? 20 : cap));
		json_t *latest = NULL;
		struct ship_err e2 = SHIP_ERR_INIT;
		if (latest_revision(aws, family, &latest, &e2) == 0 && latest) {
			int same = ship_taskdef_same(o->taskdef, latest);
			json_decref(latest);
			if (same == 1)
				return 0; /* *resp NULL: registered by the lost attempt */
		}
	}
}

/*
 * From the first call that changes AWS on, a deploy does not give up on transient failures
 * until its timeout (see docs/retries.md); before that, a wrong endpoint or an outage fails fast.
 */
static void persist(struct ship_aws *aws, const struct ship_deploy_opts *o)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	if (!ship_aws_persisting(aws))
		ship_aws_persist_until(aws, clk->now(clk->ctx) + o->timeout);
}

/*
 * A deploy of several services marks each service it moves with TAG_PENDING = the revision it
 * moved it to, until the deploy ends settled (all completed, or all rolled back). When a run was
 * interrupted half-way, its rerun finds the services it had already moved unchanged; if another
 * service then fails, those go back too (to the recorded previous revision): every service on
 * the new revisions or every service back, never a mix. Best effort, like the previous tag.
 */
#define TAG_PENDING "ecship:deploy-pending"

static void mark_pending(struct ship_aws *aws, const char *service_arn, const char *revision)
{
	struct ship_err e = SHIP_ERR_INIT;
	json_t *resp = NULL, *req;
	if (!service_arn[0])
		return;
	if (revision)
		req = json_pack("{s:s, s:[{s:s, s:s}]}", "resourceArn", service_arn, "tags", "key",
				TAG_PENDING, "value", revision);
	else
		req = json_pack("{s:s, s:[s]}", "resourceArn", service_arn, "tagKeys", TAG_PENDING);
	if (req)
		ship_aws_json(aws, SHIP_SVC_ECS, revision ? "TagResource" : "UntagResource", req,
			      &resp, NULL, &e);
	json_decref(req);
	json_decref(resp);
}

/* The service's TAG_PENDING and SHIP_TAG_PREVIOUS values ("" when absent or unreadable). */
static void read_marks(struct ship_aws *aws, const char *service_arn, char *pending, size_t np,
		       char *previous, size_t npr)
{
	struct ship_err e = SHIP_ERR_INIT;
	json_t *resp = NULL, *req = json_pack("{s:s}", "resourceArn", service_arn), *t;
	size_t k;
	pending[0] = previous[0] = '\0';
	if (req && service_arn[0] &&
	    !ship_aws_json(aws, SHIP_SVC_ECS, "ListTagsForResource", req, &resp, NULL, &e)) {
		json_array_foreach(json_object_get(resp, "tags"), k, t)
		{
			const char *key = json_string_value(json_object_get(t, "key"));
			const char *val = json_string_value(json_object_get(t, "value"));
			if (key && val && !strcmp(key, TAG_PENDING))
				snprintf(pending, np, "%s", val);
			else if (key && val && !strcmp(key, SHIP_TAG_PREVIOUS))
				snprintf(previous, npr, "%s", val);
		}
	}
	json_decref(req);
	json_decref(resp);
}

/* Records the revision being replaced as a tag on the service (best effort). */
static void record_previous(struct ship_aws *aws, const struct ship_deploy_opts *o,
			    const char *service_arn, const char *previous)
{
	struct ship_err e = SHIP_ERR_INIT;
	json_t *resp = NULL;
	json_t *req = json_pack("{s:s, s:[{s:s, s:s}]}", "resourceArn", service_arn, "tags", "key",
				SHIP_TAG_PREVIOUS, "value", previous);
	if (req && ship_aws_json(aws, SHIP_SVC_ECS, "TagResource", req, &resp, NULL, &e))
		note(o, "warning: cannot record the previous revision as tag '%s' on the service "
			"(%s: %s); this deploy still rolls back to it, but 'ecship rollback' later "
			"will need --to",
		     SHIP_TAG_PREVIOUS, e.aws_code[0] ? e.aws_code : ship_errcode_name(e.code),
		     e.message);
	json_decref(req);
	json_decref(resp);
}

static int wait_for(struct ship_aws *aws, const struct ship_deploy_opts *o,
		    struct ship_event_cursor *cur, ship_wait_done_fn done, void *done_ctx,
		    enum ship_wait_end *end, struct ship_deploy_result *res, struct ship_err *err)
{
	struct ship_wait_opts wo = {o->timeout, o->on_snapshot, o->on_event, o->cancelled, o->ctx,
				    cur, SHIP_POLL_MIN};
	struct ship_wait_stats st;
	int r = ship_ecs_wait(aws, o->cluster, o->service, done, done_ctx, &wo, end, &res->final,
			      &st, err);
	res->wait.polls += st.polls;
	res->wait.throttled_polls += st.throttled_polls;
	res->wait.elapsed += st.elapsed;
	return r;
}

static int rollback_to(struct ship_aws *aws, const struct ship_deploy_opts *o,
		       const char *taskdef, int no_wait, int record, struct ship_deploy_result *res,
		       struct ship_err *err);

/* A rollback gets its own --timeout, and persists through throttling like a deploy. */
int ship_deploy_rollback_to(struct ship_aws *aws, const struct ship_deploy_opts *o,
			    const char *taskdef, int no_wait, struct ship_deploy_result *res,
			    struct ship_err *err)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	double was = ship_aws_persisting(aws);
	ship_aws_persist_until(aws, clk->now(clk->ctx) + o->timeout);
	int r = rollback_to(aws, o, taskdef, no_wait, 1, res, err);
	ship_aws_persist_until(aws, was);
	return r;
}

/* record: remember what the rollback replaces (a rollback by hand can be undone); a deploy's own
 * rollback does not, so the recorded revision stays the last good one. */
static int rollback_to(struct ship_aws *aws, const struct ship_deploy_opts *o,
		       const char *taskdef, int no_wait, int record, struct ship_deploy_result *res,
		       struct ship_err *err)
{
	json_t *resp = NULL, *svc = NULL;
	struct ship_event_cursor cur;
	struct ship_service_view before;
	struct ship_rollout ro;
	enum ship_wait_end end;
	char id[80];

	memset(&cur, 0, sizeof(cur));
	memset(&before, 0, sizeof(before));
	if (ship_ecs_describe_service(aws, o->cluster, o->service, &svc, err))
		return -1;
	if (svc) {
		ship_event_cursor_feed(&cur, json_object_get(svc, "events"), 1, NULL, NULL);
		ship_service_view_parse(svc, &before, err);
		if (record && before.taskdef[0] && strcmp(before.taskdef, taskdef))
			record_previous(aws, o, before.arn, before.taskdef);
	}
	json_decref(svc);
	note(o, "rolling back service '%s' to %s", o->service, ship_taskdef_short(taskdef));
	json_t *req = json_pack("{s:s, s:s, s:s}", "cluster", o->cluster, "service", o->service,
				"taskDefinition", taskdef);
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "UpdateService", req, &resp, NULL, err);
	json_decref(req);
	if (r)
		return ship_err_prefix(err, "cannot roll back service '%s' to %s", o->service,
				       ship_taskdef_short(taskdef));
	primary_id(resp, id, sizeof(id));
	json_decref(resp);
	if (no_wait)
		return 0;
	/* follow the rollback's own deployment: it can fail too */
	ship_rollout_init(&ro, id, taskdef);
	snprintf(ro.previous_taskdef, sizeof(ro.previous_taskdef), "%s", before.taskdef);
	if (o->breaker_min > 0)
		ro.threshold_min = o->breaker_min;
	if (id[0]) {
		if (wait_for(aws, o, &cur, ship_wait_rollout_done, &ro, &end, res, err))
			return -1;
		if (end == SHIP_WAIT_DONE && ro.phase != SHIP_ROLLOUT_COMPLETED) {
			note(o, "the rollback to %s failed too: %s", ship_taskdef_short(taskdef), ro.reason);
			return 0;
		}
	} else if (wait_for(aws, o, &cur, ship_wait_settled_done, (void *)taskdef, &end, res, err)) {
		return -1;
	}
	if (end == SHIP_WAIT_DONE) {
		res->rolled_back = 1;
		note(o, "service '%s' is back on %s", o->service, ship_taskdef_short(taskdef));
	} else {
		note(o, "the rollback to %s did not settle (%s)", ship_taskdef_short(taskdef),
		     end == SHIP_WAIT_TIMEOUT ? "timed out" : "interrupted");
		if (end == SHIP_WAIT_INTERRUPTED) {
			res->outcome = SHIP_DEPLOY_INTERRUPTED;
			append_reason(res, "; interrupted while rolling back to ");
			append_reason(res, ship_taskdef_short(taskdef));
			append_reason(res, " (the rollback goes on in ECS)");
		}
	}
	return 0;
}

/* After our deployment failed or timed out: make sure the service ends on the previous one. */
static int roll_back(struct ship_aws *aws, const struct ship_deploy_opts *o,
		     const struct ship_rollout *ro, struct ship_event_cursor *cur,
		     struct ship_deploy_result *res, struct ship_err *err)
{
	enum ship_wait_end end;
	const struct ship_clock *clk = ship_aws_clock(aws);
	ship_aws_persist_until(aws, clk->now(clk->ctx) + o->timeout); /* the caller restores it */
	if (o->no_rollback) {
		append_reason(res, "; left as it is (--no-rollback)");
		return 0;
	}
	if (!res->previous_taskdef[0]) {
		append_reason(res, "; nothing to roll back to: this deploy created the service");
		return 0;
	}
	if (ro && ro->by_breaker && res->final.breaker_rollback) {
		note(o, "the circuit breaker is rolling back to %s; waiting for it to settle",
		     ship_taskdef_short(res->previous_taskdef));
		if (wait_for(aws, o, cur, ship_wait_settled_done, res->previous_taskdef, &end, res,
			     err))
			return -1;
		if (end == SHIP_WAIT_DONE) {
			res->rolled_back = 1;
			res->rollback_by_ecs = 1;
			note(o, "service '%s' is back on %s", o->service,
			     ship_taskdef_short(res->previous_taskdef));
			return 0;
		}
		if (end == SHIP_WAIT_INTERRUPTED) {
			res->outcome = SHIP_DEPLOY_INTERRUPTED;
			append_reason(
			    res, "; interrupted while the circuit breaker rolls the service back "
				 "to ");
			append_reason(res, ship_taskdef_short(res->previous_taskdef));
			append_reason(res, " (ECS goes on with it; 'ecship wait' follows it)");
			return 0;
		}
		note(o, "ECS's rollback did not settle on %s in time; rolling back directly",
		     ship_taskdef_short(res->previous_taskdef));
	}
	return rollback_to(aws, o, res->previous_taskdef, 0, 0, res, err);
}

/*
 * Steps 1-4 of a deploy: everything up to and including CreateService/UpdateService. Returns 0
 * with either res->outcome final (unchanged, dry run, refused, ...) or SHIP_DEPLOY_STARTED and
 * res->deployment_id to follow; -1 when an AWS call failed (err). `cur` gets primed.
 */
static int deploy_start(struct ship_aws *aws, const struct ship_deploy_opts *o,
			struct ship_event_cursor *cur_out, struct ship_deploy_result *res,
			struct ship_err *err)
{
	json_t *svc = NULL, *latest = NULL, *req = NULL, *resp = NULL;
	struct ship_service_view v;
	struct ship_event_cursor cur;
	enum ship_wait_end end;
	int rc = -1;

	memset(&cur, 0, sizeof(cur));
	memset(&v, 0, sizeof(v));

	/* 1. the service as it is now */
	if (ship_ecs_describe_service(aws, o->cluster, o->service, &svc, err)) {
		ship_err_prefix(err, "cannot describe service '%s' in cluster '%s'", o->service,
				o->cluster);
		goto cleanup;
	}
	if (svc) {
		if (ship_service_view_parse(svc, &v, err))
			goto cleanup;
		if (ship_service_busy(&v)) {
			const struct ship_deployment_view *p = ship_service_primary(&v);
			const char *pid = p ? p->id : "?", *ptd = p ? ship_taskdef_short(p->taskdef) : "?";
			if (o->refuse_if_busy || o->dry_run) {
				res->outcome = o->dry_run ? SHIP_DEPLOY_DRY_RUN : SHIP_DEPLOY_REFUSED;
				set_reason(res, "deployment %s (%s) is still in progress on service '%s'",
					   pid, ptd, o->service);
				if (!o->dry_run) {
					rc = 0;
					goto cleanup;
				}
				note(o, "%s; a deploy would wait for it first", res->reason);
			} else {
				note(o, "deployment %s (%s) is in progress on service '%s'; waiting for "
					"it to finish before deploying",
				     pid, ptd, o->service);
				ship_event_cursor_feed(&cur, json_object_get(svc, "events"), 1, NULL, NULL);
				if (wait_for(aws, o, &cur, is_busy, NULL, &end, res, err))
					goto cleanup;
				if (end != SHIP_WAIT_DONE) {
					res->outcome = end == SHIP_WAIT_INTERRUPTED ? SHIP_DEPLOY_INTERRUPTED
										    : SHIP_DEPLOY_TIMEOUT;
					set_reason(res, "deployment %s did not finish in time; nothing was "
							"changed",
						   pid);
					rc = 0;
					goto cleanup;
				}
				json_decref(svc);
				svc = NULL;
				if (ship_ecs_describe_service(aws, o->cluster, o->service, &svc, err))
					goto cleanup;
				if (svc && ship_service_view_parse(svc, &v, err))
					goto cleanup;
			}
		}
	}
	if (svc) {
		snprintf(res->previous_taskdef, sizeof(res->previous_taskdef), "%s", v.taskdef);
		ship_event_cursor_feed(&cur, json_object_get(svc, "events"), 1, NULL, NULL);
	} else {
		cur.primed = 1; /* a new service: every event it gets is news */
	}

	/* 2. the task definition: reuse the latest revision when it is the same */
	const char *family = json_string_value(json_object_get(o->taskdef, "family"));
	if (!family) {
		ship_err_set(err, SHIP_ERR_INPUT, "the task definition has no 'family'");
		goto cleanup;
	}
	if (latest_revision(aws, family, &latest, err)) {
		ship_err_prefix(err, "cannot describe task definition family '%s'", family);
		goto cleanup;
	}
	int same = latest ? ship_taskdef_same(o->taskdef, latest) : 0;
	if (same < 0) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	if (same) {
		copy_json_str(res->taskdef_arn, sizeof(res->taskdef_arn),
			      json_object_get(latest, "taskDefinitionArn"));
		res->revision = (long)json_integer_value(json_object_get(latest, "revision"));
		note(o, "task definition unchanged: using %s", ship_taskdef_short(res->taskdef_arn));
	} else if (o->dry_run) {
		note(o, "would register a new revision of family '%s'%s", family,
		     latest ? " (it differs from the latest; 'ecship diff' shows how)" : "");
	} else if (stop_here(o)) {
		res->outcome = SHIP_DEPLOY_INTERRUPTED;
		set_reason(res,
			   "interrupted before anything was changed: no revision was registered "
			   "and service '%s' was not touched",
			   o->service);
		rc = 0;
		goto cleanup;
	} else {
		persist(aws, o);
		if (register_once(aws, o, family, &resp, err)) {
			ship_err_prefix(err, "cannot register task definition family '%s'", family);
			goto cleanup;
		}
		if (!resp) { /* an attempt whose answer was lost did register it */
			json_decref(latest);
			latest = NULL;
			if (latest_revision(aws, family, &latest, err))
				goto cleanup;
			if (!latest) {
				ship_err_set(err, SHIP_ERR_PROTOCOL,
					     "family '%s' has no revision after it was registered",
					     family);
				goto cleanup;
			}
			resp = json_pack("{s:O}", "taskDefinition", latest);
			note(o, "a lost answer had registered it already: not registering it twice");
		}
		json_t *td = json_object_get(resp, "taskDefinition");
		copy_json_str(res->taskdef_arn, sizeof(res->taskdef_arn),
			      json_object_get(td, "taskDefinitionArn"));
		res->revision = (long)json_integer_value(json_object_get(td, "revision"));
		res->registered = 1;
		json_decref(resp);
		resp = NULL;
		note(o, "registered %s", ship_taskdef_short(res->taskdef_arn));
	}

	/* 3. nothing to do? */
	if (svc && same && !o->force_new && !strcmp(res->previous_taskdef, res->taskdef_arn)) {
		res->outcome = SHIP_DEPLOY_UNCHANGED;
		set_reason(res, "service '%s' already runs %s; nothing to deploy (--force-new-deployment "
				"restarts its tasks)",
			   o->service, ship_taskdef_short(res->taskdef_arn));
		res->final = v;
		rc = 0;
		goto cleanup;
	}
	if (o->dry_run) {
		res->outcome = SHIP_DEPLOY_DRY_RUN;
		if (svc)
			set_reason(res, "would update service '%s' from %s to %s", o->service,
				   ship_taskdef_short(res->previous_taskdef),
				   res->taskdef_arn[0] ? ship_taskdef_short(res->taskdef_arn) : "the new revision");
		else
			set_reason(res, "would create service '%s' in cluster '%s'", o->service,
				   o->cluster);
		rc = 0;
		goto cleanup;
	}

	/* 3b. deploy --pre-run: a one-off task of the new revision before the service changes */
	if (o->before_update && o->before_update(o->before_update_ctx, res->taskdef_arn, err))
		goto cleanup;

	/* 4. create or update, unless a signal came meanwhile (the registration in flight was
	 * finished, but no new change starts) */
	if (stop_here(o)) {
		res->outcome = SHIP_DEPLOY_INTERRUPTED;
		if (res->registered)
			set_reason(res,
				   "interrupted: registered %s (the change in flight), but service "
				   "'%s' was not changed; deploy again to use it",
				   ship_taskdef_short(res->taskdef_arn), o->service);
		else
			set_reason(res, "interrupted before service '%s' was changed", o->service);
		rc = 0;
		goto cleanup;
	}
	persist(aws, o);
	if (!svc) {
		req = json_deep_copy(o->service_def);
		if (!req) {
			ship_err_set(err, SHIP_ERR_INPUT,
				     "service '%s' does not exist and there is no service definition "
				     "to create it from",
				     o->service);
			goto cleanup;
		}
		json_object_set_new(req, "cluster", json_string(o->cluster));
		json_object_set_new(req, "serviceName", json_string(o->service));
		json_object_set_new(req, "taskDefinition", json_string(res->taskdef_arn));
		json_t *dc = json_object_get(req, "deploymentConfiguration");
		if (!dc) {
			dc = json_object();
			json_object_set_new(req, "deploymentConfiguration", dc);
		}
		if (!json_object_get(dc, "deploymentCircuitBreaker"))
			json_object_set_new(dc, "deploymentCircuitBreaker",
					    json_pack("{s:b, s:b}", "enable", 1, "rollback", 1));
		char token[40]; /* the same in every retry: ECS creates the service once */
		if (!json_object_get(req, "clientToken") &&
		    !ship_aws_client_token(token, sizeof(token)))
			json_object_set_new(req, "clientToken", json_string(token));
		if (ship_aws_json(aws, SHIP_SVC_ECS, "CreateService", req, &resp, NULL, err)) {
			ship_err_prefix(err, "cannot create service '%s' in cluster '%s'", o->service,
					o->cluster);
			goto cleanup;
		}
		res->created = 1;
		note(o, "created service '%s' with %s", o->service, ship_taskdef_short(res->taskdef_arn));
	} else {
		record_previous(aws, o, v.arn, res->previous_taskdef);
		req = json_pack("{s:s, s:s, s:s, s:b}", "cluster", o->cluster, "service", o->service,
				"taskDefinition", res->taskdef_arn, "forceNewDeployment", o->force_new);
		if (!req || ship_aws_json(aws, SHIP_SVC_ECS, "UpdateService", req, &resp, NULL, err)) {
			if (!req)
				ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
			ship_err_prefix(err, "cannot update service '%s'", o->service);
			goto cleanup;
		}
		note(o, "updated service '%s': %s -> %s", o->service, ship_taskdef_short(res->previous_taskdef),
		     ship_taskdef_short(res->taskdef_arn));
	}
	copy_json_str(res->final.arn, sizeof(res->final.arn),
		      json_object_get(json_object_get(resp, "service"), "serviceArn"));
	primary_id(resp, res->deployment_id, sizeof(res->deployment_id));
	if (!res->deployment_id[0]) {
		ship_err_set(err, SHIP_ERR_PROTOCOL,
			     "the answer to %s names no PRIMARY deployment to follow",
			     res->created ? "CreateService" : "UpdateService");
		goto cleanup;
	}
	res->outcome = SHIP_DEPLOY_STARTED;
	set_reason(res, "deployment %s started; not waiting (--no-wait)", res->deployment_id);
	rc = 0;

cleanup:
	*cur_out = cur;
	json_decref(svc);
	json_decref(latest);
	json_decref(req);
	json_decref(resp);
	return rc;
}

/* Sets res from how the wait for our deployment ended; rolls back a failure or timeout. */
static int deploy_finish(struct ship_aws *aws, const struct ship_deploy_opts *o,
			 const struct ship_rollout *ro, enum ship_wait_end end,
			 struct ship_event_cursor *cur, struct ship_deploy_result *res,
			 struct ship_err *err)
{
	switch (end) {
	case SHIP_WAIT_DONE:
		snprintf(res->reason, sizeof(res->reason), "%s", ro->reason);
		if (ro->phase == SHIP_ROLLOUT_COMPLETED) {
			res->outcome = SHIP_DEPLOY_COMPLETED;
		} else if (ro->phase == SHIP_ROLLOUT_REPLACED) {
			res->outcome = SHIP_DEPLOY_REPLACED;
		} else {
			res->outcome = SHIP_DEPLOY_FAILED;
			return roll_back(aws, o, ro, cur, res, err);
		}
		return 0;
	case SHIP_WAIT_TIMEOUT:
		res->outcome = SHIP_DEPLOY_TIMEOUT;
		set_reason(res, "deployment %s did not complete within %.0f s", res->deployment_id,
			   o->timeout);
		return roll_back(aws, o, NULL, cur, res, err);
	case SHIP_WAIT_INTERRUPTED:
		res->outcome = SHIP_DEPLOY_INTERRUPTED;
		set_reason(res, "interrupted while deployment %s was in progress; it goes on in ECS, "
				"and 'ecship wait' or 'ecship rollback' take over from here",
			   res->deployment_id);
		return 0;
	case SHIP_WAIT_GONE:
		res->outcome = SHIP_DEPLOY_FAILED;
		set_reason(res, "service '%s' was deleted while deployment %s was in progress",
			   o->service, res->deployment_id);
		return 0;
	}
	return 0;
}

static void rollout_for(struct ship_rollout *ro, const struct ship_deploy_opts *o,
			const struct ship_deploy_result *res)
{
	ship_rollout_init(ro, res->deployment_id, res->taskdef_arn);
	snprintf(ro->previous_taskdef, sizeof(ro->previous_taskdef), "%s", res->previous_taskdef);
	if (o->breaker_min > 0)
		ro->threshold_min = o->breaker_min;
}

int ship_deploy_run(struct ship_aws *aws, const struct ship_deploy_opts *o,
		    struct ship_deploy_result *res, struct ship_err *err)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	double start = clk->now(clk->ctx);
	struct ship_event_cursor cur;
	struct ship_rollout ro;
	enum ship_wait_end end;
	int rc;

	memset(res, 0, sizeof(*res));
	double was = ship_aws_persisting(aws), was_answered = ship_aws_persisting_answered(aws);
	ship_aws_persist_answered_until(aws, start + o->timeout);
	rc = deploy_start(aws, o, &cur, res, err);
	if (!rc && res->outcome == SHIP_DEPLOY_STARTED && !o->no_wait) {
		note(o, "waiting for deployment %s", res->deployment_id);
		rollout_for(&ro, o, res);
		rc = wait_for(aws, o, &cur, ship_wait_rollout_done, &ro, &end, res, err);
		if (!rc)
			rc = deploy_finish(aws, o, &ro, end, &cur, res, err);
	}
	ship_aws_persist_until(aws, was);
	ship_aws_persist_answered_until(aws, was_answered);
	res->seconds = clk->now(clk->ctx) - start;
	return rc;
}

int ship_deploy_many(struct ship_aws *aws, const struct ship_deploy_opts *opts, size_t n,
		     struct ship_deploy_result *res, struct ship_err *err)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	double start = clk->now(clk->ctx);
	struct ship_event_cursor cur[SHIP_WAIT_MAX_SERVICES];
	struct ship_rollout ro[SHIP_WAIT_MAX_SERVICES];
	struct ship_wait_item items[SHIP_WAIT_MAX_SERVICES];
	size_t i, nwait = 0, idx[SHIP_WAIT_MAX_SERVICES];
	int rc = 0, failed = -1;

	if (n == 0 || n > SHIP_WAIT_MAX_SERVICES)
		return ship_err_set(err, SHIP_ERR_INPUT, "a deploy takes 1 to %d services",
				    SHIP_WAIT_MAX_SERVICES);
	for (i = 1; i < n; i++)
		if (strcmp(opts[i].cluster, opts[0].cluster))
			return ship_err_set(err, SHIP_ERR_INPUT,
					    "the services of one deploy must share a cluster ('%s' "
					    "and '%s')",
					    opts[0].cluster, opts[i].cluster);
	memset(res, 0, n * sizeof(*res));
	double was = ship_aws_persisting(aws), was_answered = ship_aws_persisting_answered(aws);
	ship_aws_persist_answered_until(aws, start + opts[0].timeout);
	/* 1. start each; stop at the first that cannot start, or once a signal came */
	for (i = 0; i < n; i++) {
		if (i > 0 &&
		    (stop_here(&opts[i]) || res[i - 1].outcome == SHIP_DEPLOY_INTERRUPTED)) {
			for (size_t k = i; k < n; k++) {
				res[k].outcome = SHIP_DEPLOY_INTERRUPTED;
				set_reason(&res[k], "interrupted before service '%s' was changed",
					   opts[k].service);
			}
			break;
		}
		rc = deploy_start(aws, &opts[i], &cur[i], &res[i], err);
		if (rc) {
			ship_err_prefix(err, "service '%s'", opts[i].service);
			failed = (int)i;
			break;
		}
		if (res[i].outcome == SHIP_DEPLOY_STARTED && !opts[i].no_wait) {
			rollout_for(&ro[i], &opts[i], &res[i]);
			memset(&items[nwait], 0, sizeof(items[nwait]));
			items[nwait].service = opts[i].service;
			items[nwait].done = ship_wait_rollout_done;
			items[nwait].done_ctx = &ro[i];
			items[nwait].events = &cur[i];
			idx[nwait++] = i;
		} else if (res[i].outcome != SHIP_DEPLOY_STARTED &&
			   res[i].outcome != SHIP_DEPLOY_UNCHANGED &&
			   res[i].outcome != SHIP_DEPLOY_DRY_RUN &&
			   res[i].outcome != SHIP_DEPLOY_INTERRUPTED) {
			failed = (int)i;
			break;
		}
	}
	for (i = 0; i < n; i++)
		if (res[i].deployment_id[0])
			mark_pending(aws, res[i].final.arn, res[i].taskdef_arn);
	/* 2. wait for all at once */
	if (failed < 0 && nwait > 0) {
		struct ship_wait_opts wo = {opts[0].timeout, opts[0].on_snapshot, opts[0].on_event,
					    opts[0].cancelled, opts[0].ctx, NULL, SHIP_POLL_MIN};
		struct ship_wait_stats st;
		note(&opts[0], "waiting for %zu deployment%s", nwait, nwait == 1 ? "" : "s");
		if (ship_ecs_wait_many(aws, opts[0].cluster, items, nwait, &wo, &st, err)) {
			ship_aws_persist_until(aws, was);
			ship_aws_persist_answered_until(aws, was_answered);
			return -1;
		}
		for (size_t k = 0; k < nwait; k++) {
			i = idx[k];
			res[i].final = items[k].last;
			res[i].wait = st;
			switch (items[k].end) {
			case SHIP_WAIT_DONE:
				snprintf(res[i].reason, sizeof(res[i].reason), "%s", ro[i].reason);
				res[i].outcome = ro[i].phase == SHIP_ROLLOUT_COMPLETED ? SHIP_DEPLOY_COMPLETED
						 : ro[i].phase == SHIP_ROLLOUT_REPLACED ? SHIP_DEPLOY_REPLACED
											 : SHIP_DEPLOY_FAILED;
				break;
			case SHIP_WAIT_TIMEOUT:
				res[i].outcome = SHIP_DEPLOY_TIMEOUT;
				set_reason(&res[i], "deployment %s did not complete within %.0f s",
					   res[i].deployment_id, opts[i].timeout);
				break;
			case SHIP_WAIT_INTERRUPTED:
				res[i].outcome = SHIP_DEPLOY_INTERRUPTED;
				set_reason(&res[i], "interrupted while deployment %s was in progress",
					   res[i].deployment_id);
				break;
			case SHIP_WAIT_GONE:
				res[i].outcome = SHIP_DEPLOY_FAILED;
				set_reason(&res[i], "service '%s' was deleted during the deploy",
					   opts[i].service);
				break;
			}
			if (failed < 0 && res[i].outcome != SHIP_DEPLOY_COMPLETED &&
			    res[i].outcome != SHIP_DEPLOY_INTERRUPTED)
				failed = (int)i;
		}
	}
	/* 3. one failed: every service this deploy changed goes back to its previous revision, and
	 * so does one an interrupted run of it had moved (unchanged now, still marked pending) */
	if (failed >= 0) {
		for (i = 0; i < n; i++) {
			const struct ship_deploy_opts *o = &opts[i];
			char pending[sizeof(res[i].taskdef_arn)],
			    prev[sizeof(res[i].previous_taskdef)];
			if (res[i].outcome == SHIP_DEPLOY_UNCHANGED) {
				read_marks(aws, res[i].final.arn, pending, sizeof(pending), prev,
					   sizeof(prev));
				if (!pending[0] || strcmp(pending, res[i].taskdef_arn) ||
				    !prev[0] || !strcmp(prev, res[i].taskdef_arn))
					continue;
				snprintf(res[i].previous_taskdef, sizeof(res[i].previous_taskdef),
					 "%s", prev);
				res[i].outcome = SHIP_DEPLOY_FAILED;
				set_reason(
				    &res[i],
				    "rolled back because service '%s' failed: %s (an interrupted "
				    "run of this deploy had moved it to %s)",
				    opts[failed].service, res[failed].reason,
				    ship_taskdef_short(pending));
				if (roll_back(aws, o, NULL, &cur[i], &res[i], err))
					rc = -1;
				continue;
			}
			if (!res[i].deployment_id[0] || res[i].outcome == SHIP_DEPLOY_REPLACED ||
			    res[i].outcome == SHIP_DEPLOY_INTERRUPTED)
				continue;
			if ((int)i != failed) {
				if (res[i].outcome == SHIP_DEPLOY_COMPLETED ||
				    res[i].outcome == SHIP_DEPLOY_STARTED)
					res[i].outcome = SHIP_DEPLOY_FAILED;
				set_reason(&res[i], "rolled back because service '%s' failed: %s",
					   opts[failed].service, res[failed].reason);
			}
			int by_breaker = res[i].outcome == SHIP_DEPLOY_FAILED && ro[i].by_breaker &&
					 (int)i == failed;
			if (roll_back(aws, o, by_breaker ? &ro[i] : NULL, &cur[i], &res[i], err))
				rc = -1;
		}
	}
	/* every service on its new revision: the deploy is over, no mark stays (after a failure
	 * the marks stay, harmless: the services are no longer on the marked revisions) */
	int settled = rc == 0 && failed < 0;
	for (i = 0; i < n; i++)
		if (res[i].outcome != SHIP_DEPLOY_COMPLETED &&
		    res[i].outcome != SHIP_DEPLOY_UNCHANGED)
			settled = 0;
	for (i = 0; settled && i < n; i++)
		mark_pending(aws, res[i].final.arn, NULL);
	ship_aws_persist_until(aws, was);
	ship_aws_persist_answered_until(aws, was_answered);
	double secs = clk->now(clk->ctx) - start;
	for (i = 0; i < n; i++)
		res[i].seconds = secs;
	return rc;
}
