/*
 * deployments.c: ECS's service deployments and service revisions for ecship-sim: every
 * deployment the scheduler rolls out is a service revision (what runs) and a service deployment
 * (the move to it), kept in step with deployments[] of DescribeServices; ListServiceDeployments,
 * DescribeServiceDeployments, DescribeServiceRevisions and StopServiceDeployment (ROLLBACK,
 * ABORT) answer with the shapes of botocore's ECS model. Lock held throughout; depends on sim.h.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define IPE "InvalidParameterException"
#define SIM_MAX_REVISIONS 50 /* per service, oldest dropped first */

static json_t *ts(double t) { return json_real(floor(t * 1000 + 0.5) / 1000); }

static void set_str(char **dst, const char *v)
{
	ship_free(*dst);
	*dst = v ? ship_strdup(v) : NULL;
}

static const char *const s_status[] = {"PENDING",
				       "SUCCESSFUL",
				       "STOPPED",
				       "STOP_REQUESTED",
				       "IN_PROGRESS",
				       "ROLLBACK_REQUESTED",
				       "ROLLBACK_IN_PROGRESS",
				       "ROLLBACK_SUCCESSFUL",
				       "ROLLBACK_FAILED"};

const char *sim_sdep_status_name(enum sim_sdep_status st) { return s_status[st]; }

/* ---- revisions ------------------------------------------------------------------------------------ */

/* A service revision: what the deployment runs (task definition, launch type, network, load
 * balancers, images), frozen when it is made. https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceRevision.html */
static struct sim_rev *rev_new(struct sim *s, struct sim_service *svc, struct sim_deployment *d)
{
	struct sim_rev *r = ship_calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	unsigned long long n = 1000000000000000000ULL + sim_rand(s) % 8999999999999999999ULL;
	snprintf(r->arn, sizeof(r->arn), "arn:aws:ecs:%s:%s:service-revision/%s/%s/%llu", s->region, s->account,
		 svc->cluster->name, svc->name, n);
	json_t *images = json_array();
	json_t *c;
	size_t i;
	json_array_foreach(json_object_get(d->td->def, "containerDefinitions"), i, c)
	{
		const char *image = json_string_value(json_object_get(c, "image")) ?: "";
		char digest[80];
		uint64_t h = 1469598103934665603ULL;
		for (const char *p = image; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		uint64_t h31 = h * 31, h131 = h * 131, h1031 = h * 1031;
		snprintf(digest, sizeof(digest), "sha256:%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64,
			 h, h31, h131, h1031);
		json_array_append_new(images, json_pack("{s:s,s:s,s:s}", "containerName",
							json_string_value(json_object_get(c, "name")) ?: "", "imageDigest",
							digest, "image", image));
	}
	r->doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:O,s:[],s:o,s:b,s:o}", "serviceRevisionArn", r->arn, "serviceArn",
			   svc->arn, "clusterArn", svc->cluster->arn, "taskDefinition", d->td->arn, "launchType",
			   svc->launch_type, "loadBalancers", svc->load_balancers, "serviceRegistries",
			   "containerImages", images, "guardDutyEnabled", 0, "createdAt", ts(s->now));
	if (!r->doc) {
		ship_free(r);
		return NULL;
	}
	json_object_set_new(r->doc, "loadBalancers", json_deep_copy(svc->load_balancers));
	if (d->network)
		json_object_set_new(r->doc, "networkConfiguration", json_deep_copy(d->network));
	if (svc->platform_version)
		json_object_set_new(r->doc, "platformVersion", json_string(svc->platform_version));
	else if (strcmp(svc->launch_type, "FARGATE") == 0)
		json_object_set_new(r->doc, "platformVersion", json_string("1.4.0"));
	if (strcmp(svc->launch_type, "FARGATE") == 0)
		json_object_set_new(r->doc, "platformFamily", json_string("Linux"));
	/* bounded: the oldest revisions go first */
	int n_revs = 0;
	for (struct sim_rev *x = svc->revs; x; x = x->next)
		n_revs++;
	if (n_revs >= SIM_MAX_REVISIONS) {
		struct sim_rev **pp = &svc->revs;
		while ((*pp)->next)
			pp = &(*pp)->next;
		json_decref((*pp)->doc);
		ship_free(*pp);
		*pp = NULL;
	}
	r->next = svc->revs;
	svc->revs = r;
	return r;
}

/* ---- service deployments ---------------------------------------------------------------------------- */

static void id22(struct sim *s, char out[32])
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	for (int i = 0; i < 22; i++)
		out[i] = abc[sim_rand(s) % 64];
	out[22] = '\0';
}

static int sdep_active(const struct sim_sdep *x)
{
	return x->status == SIM_SD_PENDING || x->status == SIM_SD_IN_PROGRESS || x->status == SIM_SD_ROLLBACK_REQUESTED ||
	       x->status == SIM_SD_ROLLBACK_IN_PROGRESS || x->status == SIM_SD_STOP_REQUESTED;
}

void sim_sdep_start(struct sim *s, struct sim_service *svc, struct sim_deployment *d)
{
	struct sim_rev *r = rev_new(s, svc, d);
	if (!r)
		return;
	snprintf(d->rev_arn, sizeof(d->rev_arn), "%s", r->arn);
	snprintf(r->dep_id, sizeof(r->dep_id), "%s", d->id);
	/* a deployment still under way is superseded by the new one */
	for (struct sim_sdep *x = svc->sdeps; x; x = x->next) {
		if (!sdep_active(x))
			continue;
		sim_strategy_restore(s, x);
		x->status = SIM_SD_STOPPED;
		set_str(&x->reason, "Service deployment stopped because a new service deployment started.");
		x->stopped_at = x->updated_at = s->now;
	}
	struct sim_sdep *x = ship_calloc(1, sizeof(*x));
	if (!x)
		return;
	char id[32];
	id22(s, id);
	snprintf(x->arn, sizeof(x->arn), "arn:aws:ecs:%s:%s:service-deployment/%s/%s/%s", s->region, s->account,
		 svc->cluster->name, svc->name, id);
	snprintf(x->target_rev, sizeof(x->target_rev), "%s", r->arn);
	snprintf(x->target_dep, sizeof(x->target_dep), "%s", d->id);
	x->sources = json_array();
	for (struct sim_deployment *o = svc->deployments; o; o = o->next)
		if (o != d && o->rev_arn[0])
			json_array_append_new(x->sources, json_pack("{s:s,s:s}", "arn", o->rev_arn, "dep", o->id));
	x->status = SIM_SD_IN_PROGRESS;
	x->created_at = x->started_at = x->updated_at = s->now;
	x->min_pct = svc->min_pct;
	x->max_pct = svc->max_pct;
	x->breaker = svc->breaker;
	x->rollback = svc->rollback;
	x->next = svc->sdeps;
	svc->sdeps = x;
	sim_strategy_begin(s, svc, d, x);
	/* resolvedConfiguration: the target group this revision serves from (API_ServiceRevision) */
	if (d->tg_arn[0]) {
		json_t *lb = json_pack("{s:s}", "targetGroupArn", d->tg_arn);
		const char *rule = json_string_value(json_object_get(
		    json_object_get(json_array_get(svc->load_balancers, 0), "advancedConfiguration"), "productionListenerRule"));
		if (lb && rule)
			json_object_set_new(lb, "productionListenerRule", json_string(rule));
		json_object_set_new(r->doc, "resolvedConfiguration", json_pack("{s:[o]}", "loadBalancers", lb));
	}
}

void sim_sdep_completed(struct sim *s, struct sim_service *svc, struct sim_deployment *d)
{
	for (struct sim_sdep *x = svc->sdeps; x; x = x->next) {
		if (x->status == SIM_SD_IN_PROGRESS && strcmp(x->target_dep, d->id) == 0) {
			x->status = SIM_SD_SUCCESSFUL;
			set_str(&x->reason, NULL);
		} else if (x->status == SIM_SD_ROLLBACK_IN_PROGRESS && strcmp(x->rollback_dep, d->id) == 0) {
			x->status = SIM_SD_ROLLBACK_SUCCESSFUL;
		} else {
			continue;
		}
		x->finished_at = x->updated_at = s->now;
	}
}

void sim_sdep_failed(struct sim *s, struct sim_service *svc, struct sim_deployment *d, struct sim_deployment *back,
		     const char *reason)
{
	for (struct sim_sdep *x = svc->sdeps; x; x = x->next) {
		if (x->status == SIM_SD_ROLLBACK_IN_PROGRESS && strcmp(x->rollback_dep, d->id) == 0) {
			/* the rollback failed too: nothing COMPLETED is left, the service stalls */
			x->status = SIM_SD_ROLLBACK_FAILED;
			x->finished_at = x->updated_at = s->now;
			continue;
		}
		if (!sdep_active(x) || strcmp(x->target_dep, d->id) != 0)
			continue;
		sim_strategy_restore(s, x); /* production and test traffic back to blue */
		x->tripped = 1;
		x->updated_at = s->now;
		if (back) {
			x->status = SIM_SD_ROLLBACK_IN_PROGRESS;
			snprintf(x->rollback_rev, sizeof(x->rollback_rev), "%s", back->rev_arn);
			snprintf(x->rollback_dep, sizeof(x->rollback_dep), "%s", back->id);
			x->rollback_at = s->now;
			set_str(&x->rollback_reason, reason);
		} else {
			/* "the rollback option is not in use ... and the service fails" (stoppedAt) */
			x->status = SIM_SD_STOPPED;
			x->stopped_at = s->now;
		}
		set_str(&x->reason, reason);
	}
}

void sim_sdeps_free(struct sim_service *svc)
{
	for (struct sim_sdep *x = svc->sdeps, *n; x; x = n) {
		n = x->next;
		ship_free(x->reason);
		ship_free(x->rollback_reason);
		json_decref(x->sources);
		sim_sdep_strategy_free(x);
		ship_free(x);
	}
	for (struct sim_rev *r = svc->revs, *n; r; r = n) {
		n = r->next;
		json_decref(r->doc);
		ship_free(r);
	}
	svc->sdeps = NULL;
	svc->revs = NULL;
}

/* ---- rendering ------------------------------------------------------------------------------------- */

static struct sim_deployment *dep_by_id(struct sim_service *svc, const char *id)
{
	for (struct sim_deployment *d = svc->deployments; d; d = d->next)
		if (strcmp(d->id, id) == 0)
			return d;
	return NULL;
}

static json_t *rev_summary(struct sim *s, struct sim_service *svc, const char *rev_arn, const char *dep_id)
{
	int running = 0, pending = 0, wanted = 0;
	struct sim_deployment *d = dep_by_id(svc, dep_id);
	if (d && strcmp(d->rev_arn, rev_arn) == 0) {
		for (struct sim_task *t = s->tasks; t; t = t->next) {
			if (t->service != svc || strcmp(t->dep_id, d->id) != 0)
				continue;
			running += t->phase == SIM_RUNNING;
			pending += t->want_running && t->phase < SIM_RUNNING;
			wanted += t->want_running;
		}
	}
	int requested = d ? (d->primary ? svc->desired : wanted) : 0;
	return json_pack("{s:s,s:i,s:i,s:i}", "arn", rev_arn, "requestedTaskCount", requested, "runningTaskCount", running,
			 "pendingTaskCount", pending);
}

int sim_sdep_rolling_back_to(const struct sim_service *svc, const char *dep_id)
{
	for (const struct sim_sdep *x = svc->sdeps; x; x = x->next)
		if (x->status == SIM_SD_ROLLBACK_IN_PROGRESS && strcmp(x->rollback_dep, dep_id) == 0)
			return 1;
	return 0;
}

void sim_sdep_service_fields(struct sim *s, struct sim_service *svc, json_t *o)
{
	if (!s->cfg.service_deployments)
		return; /* as where the API is missing: no currentServiceDeployment, no revisions */
	if (svc->sdeps)
		json_object_set_new(o, "currentServiceDeployment", json_string(svc->sdeps->arn));
	json_t *revs = json_array();
	for (struct sim_deployment *d = svc->deployments; d; d = d->next)
		if (d->rev_arn[0])
			json_array_append_new(revs, rev_summary(s, svc, d->rev_arn, d->id));
	json_object_set_new(o, "currentServiceRevisions", revs);
}

static const char *lifecycle_stage(struct sim *s, struct sim_service *svc, struct sim_sdep *x)
{
	if (!sdep_active(x))
		return NULL;
	const char *dep = x->status == SIM_SD_ROLLBACK_IN_PROGRESS ? x->rollback_dep : x->target_dep;
	int healthy = 0;
	for (struct sim_task *t = s->tasks; t; t = t->next)
		healthy += t->service == svc && strcmp(t->dep_id, dep) == 0 && sim_task_healthy(t);
	/* rolling update: scale the target up, then clean the others up */
	return healthy < svc->desired ? "SCALE_UP" : "CLEAN_UP";
}

static json_t *render_sdep(struct sim *s, struct sim_service *svc, struct sim_sdep *x)
{
	json_t *src = json_array(), *v;
	size_t i;
	json_array_foreach(x->sources, i, v)
	json_array_append_new(src, rev_summary(s, svc, json_string_value(json_object_get(v, "arn")),
					       json_string_value(json_object_get(v, "dep"))));
	struct sim_deployment *d = dep_by_id(svc, x->target_dep);
	const char *cb = !x->breaker ? "DISABLED" : x->tripped ? "TRIGGERED" : sdep_active(x) ? "MONITORING" : "MONITORING_COMPLETE";
	json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:{s:{s:b,s:b},s:i,s:i,s:s},s:{s:s,s:i,s:i}}",
			      "serviceDeploymentArn", x->arn, "serviceArn", svc->arn, "clusterArn", svc->cluster->arn,
			      "createdAt", ts(x->created_at), "startedAt", ts(x->started_at), "updatedAt",
			      ts(x->updated_at), "sourceServiceRevisions", src, "targetServiceRevision",
			      rev_summary(s, svc, x->target_rev, x->target_dep), "status", s_status[x->status],
			      "deploymentConfiguration", "deploymentCircuitBreaker", "enable", x->breaker, "rollback",
			      x->rollback, "maximumPercent", x->max_pct, "minimumHealthyPercent", x->min_pct, "strategy",
			      "ROLLING", "deploymentCircuitBreaker", "status", cb, "failureCount", d ? d->failed : 0,
			      "threshold", sim_breaker_threshold(svc->desired, s->cfg.breaker_min));
	if (!o)
		return NULL;
	if (x->reason)
		json_object_set_new(o, "statusReason", json_string(x->reason));
	if (x->finished_at)
		json_object_set_new(o, "finishedAt", ts(x->finished_at));
	if (x->stopped_at)
		json_object_set_new(o, "stoppedAt", ts(x->stopped_at));
	const char *stage = lifecycle_stage(s, svc, x);
	if (stage)
		json_object_set_new(o, "lifecycleStage", json_string(stage));
	sim_strategy_render(s, svc, x, o);
	if (x->rollback_rev[0])
		json_object_set_new(o, "rollback", json_pack("{s:s,s:o,s:s}", "reason", x->rollback_reason ?: "",
							     "startedAt", ts(x->rollback_at), "serviceRevisionArn",
							     x->rollback_rev));
	return o;
}

/* ---- the API ------------------------------------------------------------------------------------- */

static struct sim_sdep *find_sdep(struct sim *s, const char *arn, struct sim_service **svc_out)
{
	for (struct sim_service *v = s->services; v; v = v->next)
		for (struct sim_sdep *x = v->sdeps; x; x = x->next)
			if (strcmp(x->arn, arn) == 0) {
				*svc_out = v;
				return x;
			}
	return NULL;
}

static int str_list(json_t *in, const char *k, json_t **out, struct sim_apierr *e)
{
	json_t *v = json_object_get(in, k), *x;
	size_t i;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return sim_err(e, IPE, "%s can not be empty.", k);
	if (json_array_size(v) > 20)
		return sim_err(e, IPE, "%s can have at most 20 items.", k);
	json_array_foreach(v, i, x) if (!json_is_string(x)) return sim_err(e, "SerializationException", "%s must be a list of strings", k);
	*out = v;
	return 0;
}

static struct sim_cluster *cluster_of(struct sim *s, json_t *in, struct sim_apierr *e)
{
	json_t *c = json_object_get(in, "cluster");
	if (c && !json_is_string(c)) {
		sim_err(e, "SerializationException", "cluster must be a string");
		return NULL;
	}
	struct sim_cluster *cl = sim_cluster_find(s, c ? json_string_value(c) : "default");
	if (!cl)
		sim_err(e, "ClusterNotFoundException", "Cluster not found.");
	return cl;
}

int sim_list_service_deployments(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out,
				 struct sim_apierr *e)
{
	(void)rq;
	json_t *sv = json_object_get(in, "service"), *filter = json_object_get(in, "status");
	if (!json_is_string(sv) || !json_string_value(sv)[0])
		return sim_err(e, IPE, "service can not be blank.");
	struct sim_cluster *c = cluster_of(s, in, e);
	if (!c)
		return -1;
	struct sim_service *svc = sim_service_find(s, c, json_string_value(sv));
	if (!svc)
		return sim_err(e, "ServiceNotFoundException", "Service not found.");
	json_t *ca = json_object_get(in, "createdAt");
	double before = json_number_value(json_object_get(ca, "before")), after = json_number_value(json_object_get(ca, "after"));
	long max = 20, skip = 0;
	json_t *mr = json_object_get(in, "maxResults"), *nt = json_object_get(in, "nextToken");
	if (mr && (!json_is_integer(mr) || json_integer_value(mr) < 1 || json_integer_value(mr) > 100))
		return sim_err(e, IPE, "maxResults must be between 1 and 100.");
	if (mr)
		max = (long)json_integer_value(mr);
	if (nt && (!json_is_string(nt) || ship_parse_long(json_string_value(nt), 0, 1000000, &skip) != 0))
		return sim_err(e, IPE, "Invalid nextToken.");
	json_t *list = json_array();
	long seen = 0;
	int more = 0;
	for (struct sim_sdep *x = svc->sdeps; x; x = x->next) {
		if (json_array_size(filter)) {
			int hit = 0;
			json_t *f;
			size_t i;
			json_array_foreach(filter, i, f) hit |= strcmp(json_string_value(f) ?: "", s_status[x->status]) == 0;
			if (!hit)
				continue;
		}
		if ((before > 0 && x->created_at >= before) || (after > 0 && x->created_at <= after))
			continue;
		if (seen++ < skip)
			continue;
		if ((long)json_array_size(list) >= max) {
			more = 1;
			break;
		}
		json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:o,s:s,s:s}", "serviceDeploymentArn", x->arn, "serviceArn",
				      svc->arn, "clusterArn", svc->cluster->arn, "createdAt", ts(x->created_at), "startedAt",
				      ts(x->started_at), "targetServiceRevisionArn", x->target_rev, "status",
				      s_status[x->status]);
		if (o && x->reason)
			json_object_set_new(o, "statusReason", json_string(x->reason));
		if (o && x->finished_at)
			json_object_set_new(o, "finishedAt", ts(x->finished_at));
		json_array_append_new(list, o);
	}
	*out = json_pack("{s:o}", "serviceDeployments", list);
	if (*out && more) {
		char tok[32];
		snprintf(tok, sizeof(tok), "%ld", skip + max);
		json_object_set_new(*out, "nextToken", json_string(tok));
	}
	return 0;
}

static json_t *failure(const char *arn, const char *reason)
{
	return json_pack("{s:s,s:s}", "arn", arn, "reason", reason);
}

int sim_describe_service_deployments(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out,
				     struct sim_apierr *e)
{
	(void)rq;
	json_t *arns, *v;
	size_t i;
	if (str_list(in, "serviceDeploymentArns", &arns, e))
		return -1;
	json_t *list = json_array(), *fails = json_array();
	json_array_foreach(arns, i, v)
	{
		struct sim_service *svc = NULL;
		struct sim_sdep *x = find_sdep(s, json_string_value(v), &svc);
		if (x)
			json_array_append_new(list, render_sdep(s, svc, x));
		else
			json_array_append_new(fails, failure(json_string_value(v), "MISSING"));
	}
	*out = json_pack("{s:o,s:o}", "serviceDeployments", list, "failures", fails);
	return 0;
}

int sim_describe_service_revisions(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out,
				   struct sim_apierr *e)
{
	(void)rq;
	json_t *arns, *v;
	size_t i;
	if (str_list(in, "serviceRevisionArns", &arns, e))
		return -1;
	json_t *list = json_array(), *fails = json_array();
	json_array_foreach(arns, i, v)
	{
		json_t *doc = NULL;
		for (struct sim_service *svc = s->services; svc && !doc; svc = svc->next)
			for (struct sim_rev *r = svc->revs; r && !doc; r = r->next)
				if (strcmp(r->arn, json_string_value(v)) == 0)
					doc = r->doc;
		if (doc)
			json_array_append_new(list, json_deep_copy(doc));
		else
			json_array_append_new(fails, failure(json_string_value(v), "MISSING"));
	}
	*out = json_pack("{s:o,s:o}", "serviceRevisions", list, "failures", fails);
	return 0;
}

/*
 * StopServiceDeployment: ROLLBACK (the default) goes back to the last service revision that
 * completed, as the breaker would; ABORT stops the deployment where it stands: no more launches,
 * the tasks already there stay. Only a deployment under way can be stopped (ConflictException);
 * one already being stopped or rolled back goes on as it was. The rollback restores the previous
 * service revision (task definition, network, load balancers: engine.c restore_revision).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stop-service-deployment.html
 */
int sim_stop_service_deployment(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out,
				struct sim_apierr *e)
{
	(void)rq;
	json_t *a = json_object_get(in, "serviceDeploymentArn"), *st = json_object_get(in, "stopType");
	if (!json_is_string(a) || !json_string_value(a)[0])
		return sim_err(e, IPE, "serviceDeploymentArn can not be blank.");
	const char *type = st ? json_string_value(st) : "ROLLBACK";
	if (!type || (strcmp(type, "ROLLBACK") && strcmp(type, "ABORT")))
		return sim_err(e, IPE, "stopType must be ABORT or ROLLBACK.");
	struct sim_service *svc = NULL;
	struct sim_sdep *x = find_sdep(s, json_string_value(a), &svc);
	if (!x)
		return sim_err(e, "ServiceDeploymentNotFoundException", "The service deployment does not exist.");
	/* a stop or rollback already under way goes on ("continues the rollback operation") */
	if (x->status == SIM_SD_STOP_REQUESTED || x->status == SIM_SD_ROLLBACK_REQUESTED ||
	    x->status == SIM_SD_ROLLBACK_IN_PROGRESS) {
		*out = json_pack("{s:s}", "serviceDeploymentArn", x->arn);
		return 0;
	}
	if (x->status != SIM_SD_IN_PROGRESS && x->status != SIM_SD_PENDING)
		return sim_err(e, "ConflictException", "The service deployment is in %s status and can't be stopped.",
			       s_status[x->status]);
	struct sim_deployment *d = dep_by_id(svc, x->target_dep);
	if (!d)
		return sim_err(e, "ConflictException", "The service deployment can't be stopped.");
	if (strcmp(type, "ROLLBACK") == 0) {
		if (!svc->last_completed_id[0])
			return sim_err(e, "ConflictException",
				       "The service deployment can't be rolled back: there is no completed service revision.");
		x->status = SIM_SD_ROLLBACK_REQUESTED;
		sim_engine_rollback(s, svc, d, "Service deployment rolled back because of a user request.");
	} else {
		x->status = SIM_SD_STOP_REQUESTED;
		sim_strategy_restore(s, x);
		sim_engine_abort(s, svc, d);
		x->status = SIM_SD_STOPPED;
		set_str(&x->reason, "Service deployment stopped because of a user request.");
		x->stopped_at = x->updated_at = s->now;
	}
	*out = json_pack("{s:s}", "serviceDeploymentArn", x->arn);
	return 0;
}

/*
 * ContinueServiceDeployment: a deployment paused at a PAUSE lifecycle hook goes on to its next
 * stage (CONTINUE, the default) or rolls back (ROLLBACK); the hook must be AWAITING_ACTION and the
 * deployment IN_PROGRESS. https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContinueServiceDeployment.html,
 * developer guide continue-service-deployment.html
 */
int sim_continue_service_deployment(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out,
				    struct sim_apierr *e)
{
	(void)rq;
	json_t *a = json_object_get(in, "serviceDeploymentArn"), *h = json_object_get(in, "hookId"),
	       *act = json_object_get(in, "action");
	if (!json_is_string(a) || !json_string_value(a)[0])
		return sim_err(e, IPE, "serviceDeploymentArn can not be blank.");
	if (!json_is_string(h) || !json_string_value(h)[0])
		return sim_err(e, IPE, "hookId can not be blank.");
	const char *action = act ? json_string_value(act) : "CONTINUE";
	if (!action || (strcmp(action, "CONTINUE") && strcmp(action, "ROLLBACK")))
		return sim_err(e, IPE, "action must be CONTINUE or ROLLBACK.");
	struct sim_service *svc = NULL;
	struct sim_sdep *x = find_sdep(s, json_string_value(a), &svc);
	if (!x)
		return sim_err(e, "ServiceDeploymentNotFoundException", "The service deployment does not exist.");
	if (sim_strategy_continue(s, svc, x, json_string_value(h), action, e))
		return -1;
	*out = json_pack("{s:s}", "serviceDeploymentArn", x->arn);
	return 0;
}
