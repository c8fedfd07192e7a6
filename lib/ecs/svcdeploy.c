/*
 * svcdeploy.c: ECS's service deployment record (DescribeServiceDeployments) and the table from
 * its status to ecship's outcome (svcdeploy.h). Statuses: botocore's ECS model,
 * ServiceDeploymentStatus; meanings: ECS API Reference, API_ServiceDeployment ("status").
 */
#include <stdio.h>
#include <string.h>

#include "ecship/i18n.h"
#include "ecship/svcdeploy.h"

static const struct ship_sdep_rule s_rules[] = {
    {"PENDING", SHIP_SDEP_WAITING, "has not started yet"},
    {"IN_PROGRESS", SHIP_SDEP_WAITING, "is in progress"},
    {"SUCCESSFUL", SHIP_SDEP_COMPLETED, "completed"},
    {"STOP_REQUESTED", SHIP_SDEP_STOPPED, "is being stopped"},
    {"STOPPED", SHIP_SDEP_STOPPED, "was stopped"},
    {"ROLLBACK_REQUESTED", SHIP_SDEP_ROLLED_BACK, "failed; ECS was asked to roll it back"},
    {"ROLLBACK_IN_PROGRESS", SHIP_SDEP_ROLLED_BACK, "failed; ECS is rolling it back"},
    {"ROLLBACK_SUCCESSFUL", SHIP_SDEP_ROLLED_BACK, "failed; ECS rolled it back"},
    {"ROLLBACK_FAILED", SHIP_SDEP_ROLLED_BACK, "failed, and ECS's rollback failed too"},
};

const struct ship_sdep_rule *ship_sdep_rule_of(const char *status)
{
	static const struct ship_sdep_rule unknown = {"", SHIP_SDEP_WAITING, "is in progress"};
	for (size_t i = 0; i < sizeof(s_rules) / sizeof(s_rules[0]); i++)
		if (status && !strcmp(status, s_rules[i].status))
			return &s_rules[i];
	return &unknown;
}

static void copy(char *dst, size_t n, json_t *v)
{
	snprintf(dst, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int ship_sdep_parse(json_t *sd, struct ship_sdep_view *out, struct ship_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!json_is_object(sd))
		return ship_err_set(err, SHIP_ERR_PROTOCOL, "service deployment is not an object");
	const char *arn = json_string_value(json_object_get(sd, "serviceDeploymentArn"));
	const char *st = json_string_value(json_object_get(sd, "status"));
	if (!arn || !st || strlen(arn) >= sizeof(out->arn) || strlen(st) >= sizeof(out->status))
		return ship_err_set(
		    err, SHIP_ERR_PROTOCOL,
		    "ECS answered a service deployment without a usable ARN or status");
	copy(out->arn, sizeof(out->arn), json_object_get(sd, "serviceDeploymentArn"));
	copy(out->status, sizeof(out->status), json_object_get(sd, "status"));
	copy(out->reason, sizeof(out->reason), json_object_get(sd, "statusReason"));
	copy(out->target_revision, sizeof(out->target_revision),
	     json_object_get(json_object_get(sd, "targetServiceRevision"), "arn"));
	copy(out->rollback_revision, sizeof(out->rollback_revision),
	     json_object_get(json_object_get(sd, "rollback"), "serviceRevisionArn"));
	copy(out->breaker, sizeof(out->breaker),
	     json_object_get(json_object_get(sd, "deploymentCircuitBreaker"), "status"));
	return 0;
}

int ship_ecs_describe_sdep(struct ship_aws *aws, const char *arn, const struct ship_call_opts *call,
			   struct ship_sdep_view *out, struct ship_err *err)
{
	json_t *resp = NULL;
	json_t *req = json_pack("{s:[s]}", "serviceDeploymentArns", arn);
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r =
	    ship_aws_json(aws, SHIP_SVC_ECS, "DescribeServiceDeployments", req, &resp, call, err);
	json_decref(req);
	if (r)
		return -1;
	json_t *sd = json_array_get(json_object_get(resp, "serviceDeployments"), 0);
	r = sd ? ship_sdep_parse(sd, out, err) : 1;
	json_decref(resp);
	return r;
}

void ship_sdep_follow_init(struct ship_sdep_follow *f, const char *arn)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->arn, sizeof(f->arn), "%s", arn ? arn : "");
	struct ship_err init = SHIP_ERR_INIT;
	f->err = init;
}

/* A status after which ECS's record does not change any more. */
static int final_status(const char *st)
{
	return !strcmp(st, "SUCCESSFUL") || !strcmp(st, "STOPPED") ||
	       !strcmp(st, "ROLLBACK_SUCCESSFUL") || !strcmp(st, "ROLLBACK_FAILED");
}

/* FNV-1a over what deployments[] says about the deployments' identities and states. */
static unsigned long view_sig(const struct ship_service_view *v)
{
	unsigned long h = 2166136261u;
	const char *parts[4];
	for (size_t i = 0; i <= v->ndep; i++) {
		if (i < v->ndep) {
			parts[0] = v->dep[i].id;
			parts[1] = v->dep[i].status;
			parts[2] = v->dep[i].rollout_state;
			parts[3] = "|";
		} else {
			parts[0] = v->current_sdep;
			parts[1] = parts[2] = parts[3] = "";
		}
		for (size_t k = 0; k < 4; k++)
			for (const char *c = parts[k]; *c; c++)
				h = (h ^ (unsigned char)*c) * 16777619u;
	}
	return h;
}

int ship_sdep_wants_look(const struct ship_sdep_follow *f, const struct ship_service_view *v,
			 double now)
{
	if (!f->arn[0] || f->missing || f->unknown || f->failed)
		return 0;
	if (!f->looked)
		return 1;
	if (final_status(f->last.status))
		return 0;
	if (view_sig(v) != f->sig || now - f->looked_at >= SHIP_SDEP_RECHECK)
		return 1;
	const struct ship_deployment_view *p = ship_service_primary(v);
	return p && strcmp(p->rollout_state, "IN_PROGRESS");
}

/* One DescribeServiceDeployments for fs[0..n), n <= SHIP_SDEP_BATCH. */
static void look_batch(struct ship_aws *aws, struct ship_sdep_follow **fs, size_t n,
		       const struct ship_call_opts *call, double now)
{
	json_t *resp = NULL, *arns = json_array(), *sd;
	struct ship_err e = SHIP_ERR_INIT;
	size_t i, k;
	for (i = 0; arns && i < n; i++)
		json_array_append_new(arns, json_string(fs[i]->arn));
	json_t *req = arns ? json_pack("{s:o}", "serviceDeploymentArns", arns) : NULL;
	if (!req)
		return;
	for (i = 0; i < n; i++)
		fs[i]->calls++;
	int r =
	    ship_aws_json(aws, SHIP_SVC_ECS, "DescribeServiceDeployments", req, &resp, call, &e);
	json_decref(req);
	if (r) {
		if (ship_err_is_transient(&e) || e.code == SHIP_ERR_INTERRUPTED)
			return; /* asked again at the next poll */
		for (i = 0; i < n; i++) {
			fs[i]->missing = 1;
			fs[i]->err = e;
		}
		return;
	}
	for (i = 0; i < n; i++) {
		struct ship_sdep_follow *f = fs[i];
		int found = 0;
		json_array_foreach(json_object_get(resp, "serviceDeployments"), k, sd)
		{
			const char *a =
			    json_string_value(json_object_get(sd, "serviceDeploymentArn"));
			if (!a || strcmp(a, f->arn))
				continue;
			struct ship_sdep_view sv;
			if (ship_sdep_parse(sd, &sv, &e))
				break;
			f->last = sv;
			f->outcome = ship_sdep_rule_of(sv.status)->outcome;
			f->looked = 1;
			f->looked_at = now;
			found = 1;
			break;
		}
		if (!found) {
			json_t *fl;
			json_array_foreach(json_object_get(resp, "failures"), k, fl)
			{
				const char *a = json_string_value(json_object_get(fl, "arn"));
				if (a && !strcmp(a, f->arn))
					f->unknown = 1;
			}
		}
	}
	json_decref(resp);
}

long ship_sdep_look_many(struct ship_aws *aws, struct ship_sdep_follow **fs, size_t n,
			 const struct ship_call_opts *call, double now)
{
	long calls = 0;
	for (size_t i = 0; i < n; i += SHIP_SDEP_BATCH) {
		size_t k = n - i < SHIP_SDEP_BATCH ? n - i : SHIP_SDEP_BATCH;
		look_batch(aws, fs + i, k, call, now);
		calls++;
	}
	return calls;
}

/* Records what deployments[] looked like when the record was last read (ship_sdep_wants_look). */
static void note_view(struct ship_sdep_follow *f, const struct ship_service_view *v)
{
	f->sig = view_sig(v);
}

int ship_wait_sdep_done(void *ctx, const struct ship_service_view *v)
{
	struct ship_sdep_follow *f = ctx;
	note_view(f, v);
	if (f->unknown) {
		ship_err_set(&f->err, SHIP_ERR_INPUT, "ECS knows no service deployment %s", f->arn);
		f->failed = 1;
		return 1;
	}
	if (f->missing) {
		f->failed = 1;
		return 1;
	}
	return f->looked && f->outcome != SHIP_SDEP_WAITING;
}

/* ---- a deploy's or rollback's own deployment --------------------------------------------------
 */

void ship_follow_init(struct ship_follow *f, const char *deployment_id, const char *taskdef,
		      const char *sdep_arn)
{
	ship_rollout_init(&f->ro, deployment_id, taskdef);
	ship_sdep_follow_init(&f->sd, sdep_arn);
}

int ship_follow_by_record(const struct ship_follow *f)
{
	return f->sd.arn[0] && !f->sd.missing && !f->sd.unknown;
}

static void set_reason(struct ship_rollout *r, const char *what, const struct ship_sdep_view *sv)
{
	const struct ship_sdep_rule *rule = ship_sdep_rule_of(sv->status);
	int n = snprintf(r->reason, sizeof(r->reason), "deployment %s %s (ECS: %s)%s%s", what,
			 rule->words, sv->status, sv->reason[0] ? ": " : "", sv->reason);
	if (n >= (int)sizeof(r->reason))
		memcpy(r->reason + sizeof(r->reason) - 4, "...", 4);
	snprintf(r->sdep_status, sizeof(r->sdep_status), "%s", sv->status);
}

enum ship_rollout_phase ship_follow_evaluate(struct ship_follow *f,
					     const struct ship_service_view *v)
{
	struct ship_rollout *r = &f->ro;
	struct ship_sdep_follow *sd = &f->sd;
	if (r->phase != SHIP_ROLLOUT_WAITING)
		return r->phase;
	if (!ship_follow_by_record(f)) {
		enum ship_rollout_phase ph = ship_rollout_evaluate(r, v);
		if (ph == SHIP_ROLLOUT_FAILED && r->by_breaker && v->breaker_rollback)
			r->ecs_rolls_back = 1;
		return ph;
	}
	if (!sd->looked)
		return SHIP_ROLLOUT_WAITING;
	note_view(sd, v);
	const struct ship_sdep_view *sv = &sd->last;
	const struct ship_deployment_view *p = ship_service_primary(v);
	const struct ship_deployment_view *d = ship_service_deployment(v, r->deployment_id);
	switch (ship_sdep_rule_of(sv->status)->outcome) {
	case SHIP_SDEP_WAITING:
		/* ecship's own rule where ECS has none: the breaker is off and our deployment's
		 * tasks failed as often as the breaker's threshold allows */
		if (d && !v->breaker_enable &&
		    d->failed >= ship_breaker_threshold(d->desired, r->threshold_min)) {
			r->phase = SHIP_ROLLOUT_FAILED;
			snprintf(
			    r->reason, sizeof(r->reason),
			    _("%ld tasks of deployment %s failed, the circuit breaker's threshold "
			      "for %ld desired tasks (the breaker is off, so ecship applied its "
			      "rule)"),
			    d->failed, d->id, d->desired);
		}
		return r->phase;
	case SHIP_SDEP_COMPLETED:
		r->phase = SHIP_ROLLOUT_COMPLETED;
		set_reason(r, r->deployment_id, sv);
		return r->phase;
	case SHIP_SDEP_ROLLED_BACK:
		r->phase = SHIP_ROLLOUT_FAILED;
		r->ecs_rolls_back = 1;
		r->by_breaker = !strcmp(sv->breaker, "TRIGGERED") ||
				strstr(sv->reason, "circuit breaker") != NULL;
		set_reason(r, r->deployment_id, sv);
		return r->phase;
	case SHIP_SDEP_STOPPED:
		break;
	}
	/* stopped: a newer service deployment took over, or ECS (the breaker without rollback) or
	 * a person (StopServiceDeployment ABORT) stopped ours */
	if (v->current_sdep[0] && strcmp(v->current_sdep, sd->arn)) {
		if (p && !strcmp(p->taskdef, r->taskdef) && strcmp(p->id, r->deployment_id)) {
			/* the service moves to our revision all the same: follow that one */
			if (!r->followed_from[0])
				snprintf(r->followed_from, sizeof(r->followed_from), "%s",
					 r->deployment_id);
			snprintf(r->deployment_id, sizeof(r->deployment_id), "%s", p->id);
			snprintf(sd->arn, sizeof(sd->arn), "%s", v->current_sdep);
			sd->looked = 0;
			sd->looked_at = 0;
			return SHIP_ROLLOUT_WAITING;
		}
		r->phase = SHIP_ROLLOUT_REPLACED;
		snprintf(r->replaced_by, sizeof(r->replaced_by), "%s", p ? p->id : "");
		int n = snprintf(r->reason, sizeof(r->reason),
				 "deployment %s was replaced by deployment %s (task definition %s) "
				 "before it completed (ECS: %s)",
				 r->deployment_id, p ? p->id : v->current_sdep,
				 p ? p->taskdef : "?", sv->status);
		if (n >= (int)sizeof(r->reason))
			memcpy(r->reason + sizeof(r->reason) - 4, "...", 4);
		snprintf(r->sdep_status, sizeof(r->sdep_status), "%s", sv->status);
		return r->phase;
	}
	r->phase = SHIP_ROLLOUT_FAILED;
	r->by_breaker = !strcmp(sv->breaker, "TRIGGERED");
	set_reason(r, r->deployment_id, sv);
	return r->phase;
}

int ship_wait_follow_done(void *ctx, const struct ship_service_view *v)
{
	return ship_follow_evaluate(ctx, v) != SHIP_ROLLOUT_WAITING;
}

int ship_wait_ecs_rollback_done(void *ctx, const struct ship_service_view *v)
{
	struct ship_follow *f = ctx;
	if (!ship_follow_by_record(f))
		return 1; /* the caller waits on deployments[] instead */
	note_view(&f->sd, v);
	return f->sd.looked && strcmp(f->sd.last.status, "ROLLBACK_REQUESTED") &&
	       strcmp(f->sd.last.status, "ROLLBACK_IN_PROGRESS");
}

/* ---- which revisions ran ------------------------------------------------------------------------
 */

/* The task definition of each revision in revs (ARN -> "" on entry), 20 per call. */
static int revision_taskdefs(struct ship_aws *aws, json_t *revs)
{
	const char *arn;
	json_t *v, *batch = json_array();
	size_t left = json_object_size(revs);
	if (!batch)
		return -1;
	json_object_foreach(revs, arn, v)
	{
		json_array_append_new(batch, json_string(arn));
		if (--left > 0 && json_array_size(batch) < SHIP_SDEP_BATCH)
			continue;
		json_t *resp = NULL, *r;
		struct ship_err e = SHIP_ERR_INIT;
		json_t *req = json_pack("{s:O}", "serviceRevisionArns", batch);
		int rc = req ? ship_aws_json(aws, SHIP_SVC_ECS, "DescribeServiceRevisions", req,
					     &resp, NULL, &e)
			     : -1;
		json_decref(req);
		json_array_clear(batch);
		if (rc) {
			json_decref(batch);
			return -1;
		}
		size_t i;
		json_array_foreach(json_object_get(resp, "serviceRevisions"), i, r)
		{
			const char *ra =
			    json_string_value(json_object_get(r, "serviceRevisionArn"));
			json_t *td = json_object_get(r, "taskDefinition");
			if (ra && json_is_string(td) && json_object_get(revs, ra))
				json_object_set(revs, ra, td);
		}
		json_decref(resp);
	}
	json_decref(batch);
	return 0;
}

int ship_sdep_revision_ran(struct ship_aws *aws, const char *cluster, const char *service,
			   const char *taskdef)
{
	json_t *resp = NULL, *sd, *revs = json_object();
	struct ship_err e = SHIP_ERR_INIT;
	size_t i;
	int verdict = -1;
	json_t *req =
	    json_pack("{s:s, s:s, s:i}", "cluster", cluster, "service", service, "maxResults", 100);
	if (!req || !revs ||
	    ship_aws_json(aws, SHIP_SVC_ECS, "ListServiceDeployments", req, &resp, NULL, &e))
		goto cleanup;
	json_array_foreach(json_object_get(resp, "serviceDeployments"), i, sd)
	{
		const char *ra = json_string_value(json_object_get(sd, "targetServiceRevisionArn"));
		if (ra)
			json_object_set_new(revs, ra, json_string(""));
	}
	if (!json_object_size(revs) || revision_taskdefs(aws, revs))
		goto cleanup;
	json_array_foreach(json_object_get(resp, "serviceDeployments"), i, sd)
	{
		const char *ra = json_string_value(json_object_get(sd, "targetServiceRevisionArn"));
		const char *st = json_string_value(json_object_get(sd, "status"));
		const char *td = ra ? json_string_value(json_object_get(revs, ra)) : NULL;
		if (!td || !st || strcmp(td, taskdef))
			continue;
		if (!strcmp(st, "SUCCESSFUL")) {
			verdict = 1;
			break;
		}
		verdict = 0;
	}
cleanup:
	json_decref(req);
	json_decref(resp);
	json_decref(revs);
	return verdict;
}
