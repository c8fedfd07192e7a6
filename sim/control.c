/*
 * control.c: ecship-sim's control API under /_sim/: image rules, faults, clock, tunables,
 * the request log, the rollout-state change log, a state summary and reset. JSON in and out;
 * documented in docs/sim.md. Takes sim.lock itself. Depends on sim.h and jansson.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim.h"

void sim_reqlog_add(struct sim *s, const struct sim_request *rq, const struct sim_response *r, double ms)
{
	struct sim_reqlog *l = &s->reqlog[s->reqlog_total % SIM_REQLOG_CAP];
	l->wall = sim_wall();
	l->ms = ms;
	snprintf(l->action, sizeof(l->action), "%s", rq->action ? rq->action : "?");
	snprintf(l->service, sizeof(l->service), "%s", rq->svc ? rq->svc : "?");
	snprintf(l->fault, sizeof(l->fault), "%s", r->fault);
	l->status = r->drop ? 0 : r->status;
	s->reqlog_total++;
	if (s->reqlog_n < SIM_REQLOG_CAP)
		s->reqlog_n++;
}

static json_t *rules_json(struct sim_rule *r)
{
	json_t *a = json_array();
	char buf[40];
	for (; r; r = r->next)
		json_array_append_new(a, json_pack("{s:s,s:s}", "match", r->match, "behavior",
						   sim_behavior_format(&r->behavior, buf, sizeof(buf))));
	return a;
}

static int add_rule_obj(struct sim_rule **list, json_t *o, struct sim_apierr *e)
{
	const char *m = json_string_value(json_object_get(o, "match"));
	const char *b = json_string_value(json_object_get(o, "behavior"));
	if (!m || !b || sim_rule_add(list, m, b) != 0)
		return sim_err(e, "InvalidParameterException",
			       "a rule is {\"match\": SUBSTRING, \"behavior\": ok|exit[:CODE]|unhealthy[:STATUS]|pull-error|slow-start[:S]|slow-health[:S]|django}");
	return 0;
}

static int add_hook_rule(json_t *list, json_t *o, struct sim_apierr *e)
{
	const char *m = json_string_value(json_object_get(o, "match"));
	const char *b = json_string_value(json_object_get(o, "behavior"));
	if (!m || !b || (strcmp(b, "succeed") && strcmp(b, "fail") && strcmp(b, "timeout")))
		return sim_err(e, "InvalidParameterException",
			       "a hook rule is {\"match\": SUBSTRING of the function ARN, \"behavior\": succeed|fail|timeout}");
	json_array_append_new(list, json_pack("{s:s,s:s}", "match", m, "behavior", b));
	return 0;
}

/* {"name", "state": OK|ALARM|INSUFFICIENT_DATA, "reason"}: kept here, and set upstream
 * (CloudWatch SetAlarmState) so that DescribeAlarms there says the same */
static int set_alarm(struct sim *s, json_t *in, struct sim_apierr *e)
{
	const char *name = json_string_value(json_object_get(in, "name"));
	const char *state = json_string_value(json_object_get(in, "state"));
	const char *reason = json_string_value(json_object_get(in, "reason"));
	if (!name || !name[0] || !state ||
	    (strcmp(state, "OK") && strcmp(state, "ALARM") && strcmp(state, "INSUFFICIENT_DATA")))
		return sim_err(e, "InvalidParameterException",
			       "an alarm is {\"name\": NAME, \"state\": OK|ALARM|INSUFFICIENT_DATA, \"reason\": TEXT}");
	int up = sim_upstream_alarm_state(s, name, state, reason);
	json_object_set_new(s->alarms, name, json_pack("{s:s,s:s,s:f,s:s}", "state", state, "reason", reason ? reason : "",
						       "at", s->now, "upstream",
						       up > 0 ? "set" : up == 0 ? "refused" : "none"));
	return 0;
}

static json_t *clock_json(struct sim *s)
{
	return json_pack("{s:f,s:f,s:f}", "now", s->now, "speed", s->speed, "wall", sim_wall());
}

static json_t *config_json(struct sim *s)
{
	json_t *o = json_pack("{s:i,s:f,s:f,s:f,s:f,s:i,s:i,s:b,s:s,s:f,s:f,s:f,s:b}", "breaker_min", s->cfg.breaker_min,
			 "drain_seconds", s->cfg.drain_seconds, "health_interval", s->cfg.health_interval,
			 "stable_seconds", s->cfg.stable_seconds, "stopped_ttl", s->cfg.stopped_ttl, "healthy_threshold",
			 s->cfg.healthy_threshold, "unhealthy_threshold", s->cfg.unhealthy_threshold, "rate_limits",
			 s->cfg.rate_limits, "timing", s->cfg.timing == SIM_TIMING_FAST ? "fast" : "ecs", "backoff_base",
			 s->cfg.backoff_base, "backoff_max", s->cfg.backoff_max, "register_seconds", s->cfg.register_seconds,
			 "upstream_checks", s->cfg.upstream_checks);
	if (o) {
		json_object_set_new(o, "minute_seconds", json_real(s->cfg.minute_seconds));
		json_object_set_new(o, "stage_seconds", json_real(s->cfg.stage_seconds));
		json_object_set_new(o, "hook_seconds", json_real(s->cfg.hook_seconds));
		json_object_set_new(o, "service_deployments", json_boolean(s->cfg.service_deployments));
		json_object_set_new(o, "hold_rollbacks", json_boolean(s->cfg.hold_rollbacks));
	}
	return o;
}

static int set_num(json_t *in, const char *k, double lo, double hi, double *out, struct sim_apierr *e)
{
	json_t *v = json_object_get(in, k);
	if (!v)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi)
		return sim_err(e, "InvalidParameterException", "'%s' must be a number in [%g, %g]", k, lo, hi);
	*out = json_number_value(v);
	return 0;
}

static int apply_config(struct sim *s, json_t *in, struct sim_apierr *e)
{
	struct sim_config c = s->cfg;
	double bm = c.breaker_min, ht = c.healthy_threshold, ut = c.unhealthy_threshold;
	if (set_num(in, "breaker_min", 1, 200, &bm, e) || set_num(in, "drain_seconds", 0, 3600, &c.drain_seconds, e) ||
	    set_num(in, "health_interval", 1, 300, &c.health_interval, e) ||
	    set_num(in, "stable_seconds", 0, 3600, &c.stable_seconds, e) ||
	    set_num(in, "stopped_ttl", 0, 86400, &c.stopped_ttl, e) || set_num(in, "healthy_threshold", 1, 10, &ht, e) ||
	    set_num(in, "unhealthy_threshold", 1, 10, &ut, e) || set_num(in, "backoff_base", 0, 3600, &c.backoff_base, e) ||
	    set_num(in, "backoff_max", 0, 3600, &c.backoff_max, e) ||
	    set_num(in, "register_seconds", 0, 600, &c.register_seconds, e) ||
	    set_num(in, "minute_seconds", 0.01, 3600, &c.minute_seconds, e) ||
	    set_num(in, "stage_seconds", 0, 3600, &c.stage_seconds, e) || set_num(in, "hook_seconds", 0, 3600, &c.hook_seconds, e))
		return -1;
	json_t *rl = json_object_get(in, "rate_limits"), *uc = json_object_get(in, "upstream_checks");
	json_t *sd = json_object_get(in, "service_deployments"), *hr = json_object_get(in, "hold_rollbacks");
	if ((rl && !json_is_boolean(rl)) || (uc && !json_is_boolean(uc)) || (sd && !json_is_boolean(sd)) ||
	    (hr && !json_is_boolean(hr)))
		return sim_err(e, "InvalidParameterException",
			       "'rate_limits', 'upstream_checks', 'service_deployments' and 'hold_rollbacks' must be true "
			       "or false");
	if (sd)
		c.service_deployments = json_is_true(sd);
	if (hr)
		c.hold_rollbacks = json_is_true(hr);
	if (rl)
		c.rate_limits = json_is_true(rl);
	if (uc)
		c.upstream_checks = json_is_true(uc);
	c.breaker_min = (int)bm;
	c.healthy_threshold = (int)ht;
	c.unhealthy_threshold = (int)ut;
	s->cfg = c;
	return 0;
}

static json_t *state_json(struct sim *s)
{
	json_t *svcs = json_array();
	for (struct sim_service *v = s->services; v; v = v->next) {
		json_t *deps = json_array();
		for (struct sim_deployment *d = v->deployments; d; d = d->next) {
			int dh = 0;
			for (struct sim_task *t = s->tasks; t; t = t->next)
				dh += t->service == v && strcmp(t->dep_id, d->id) == 0 && sim_task_healthy(t);
			json_array_append_new(deps, json_pack("{s:s,s:s,s:s,s:i,s:s,s:i}", "id", d->id, "status",
							      d->primary ? "PRIMARY" : "ACTIVE", "rolloutState",
							      sim_rollout_name(d->rollout), "failedTasks", d->failed,
							      "taskDefinition", d->td->arn, "healthyCount", dh));
		}
		int running = 0, healthy = 0;
		for (struct sim_task *t = s->tasks; t; t = t->next)
			if (t->service == v) {
				running += t->phase == SIM_RUNNING;
				healthy += sim_task_healthy(t);
			}
		static const char *const st[] = {"ACTIVE", "DRAINING", "INACTIVE"};
		/* the service deployments with the lifecycle stages each went through, in order */
		json_t *sds = json_array();
		for (struct sim_sdep *x = v->sdeps; x; x = x->next)
			json_array_append_new(sds, json_pack("{s:s,s:s,s:s,s:o?,s:f,s:f}", "serviceDeploymentArn", x->arn,
							     "status", sim_sdep_status_name(x->status), "strategy",
							     sim_strategy_name(x->strategy), "stages", json_deep_copy(x->stages),
							     "productionTrafficWeight", x->prod_pct, "testTrafficWeight",
							     x->test_pct));
		json_array_append_new(svcs, json_pack("{s:s,s:s,s:i,s:i,s:i,s:o,s:o,s:s}", "serviceArn", v->arn, "status",
						      st[v->status], "desiredCount", v->desired, "runningCount", running,
						      "healthyCount", healthy, "deployments", deps, "serviceDeployments",
						      sds, "productionTargetGroup", v->prod_tg));
	}
	return json_pack("{s:f,s:i,s:i,s:i,s:i,s:i,s:o}", "now", s->now, "clusters", s->nclusters, "taskDefinitions",
			 s->ntaskdefs, "services", s->nservices, "liveTasks", s->nlive, "stoppedTasks", s->nstopped,
			 "serviceStates", svcs);
}

static json_t *reqlog_json(struct sim *s, long since)
{
	json_t *a = json_array();
	long first = s->reqlog_total - s->reqlog_n;
	if (since > first)
		first = since;
	for (long i = first; i < s->reqlog_total; i++) {
		struct sim_reqlog *l = &s->reqlog[i % SIM_REQLOG_CAP];
		json_t *o = json_pack("{s:I,s:f,s:s,s:s,s:i,s:f}", "seq", (json_int_t)i, "time", l->wall, "service",
				      l->service, "action", l->action, "status", l->status, "ms", l->ms);
		if (l->fault[0])
			json_object_set_new(o, "fault", json_string(l->fault));
		json_array_append_new(a, o);
	}
	return json_pack("{s:I,s:o}", "total", (json_int_t)s->reqlog_total, "requests", a);
}

static json_t *rollog_json(struct sim *s, long since)
{
	json_t *a = json_array();
	long first = s->rollog_total - s->rollog_n;
	if (since > first)
		first = since;
	for (long i = first; i < s->rollog_total; i++) {
		struct sim_rollog *l = &s->rollog[i % SIM_ROLLOG_CAP];
		json_array_append_new(a, json_pack("{s:I,s:f,s:f,s:s,s:s,s:s,s:s}", "seq", (json_int_t)i, "time", l->wall,
						   "simTime", l->sim, "serviceArn", l->service, "deploymentId",
						   l->deployment, "rolloutState", l->state, "rolloutStateReason", l->reason));
	}
	return json_pack("{s:I,s:o}", "total", (json_int_t)s->rollog_total, "changes", a);
}

static long since_param(const struct sim_request *rq)
{
	char *v = sim_form_get(rq->query, strlen(rq->query), "since");
	long n = 0;
	if (v && ship_parse_long(v, 0, 1L << 62, &n) != 0)
		n = 0;
	ship_free(v);
	return n;
}

/*
 * Moves the model to `to` in slices of at most SIM_ADVANCE_SLICE wall seconds, letting go of the
 * lock between slices so that requests (and the shutdown) get in: an hour of 100 crash-looping
 * tasks is minutes of work. Lock held on entry and on return. A shutdown ends it early (503).
 */
#define SIM_ADVANCE_SLICE 0.02
static int advance_clock(struct sim *s, double to, struct sim_apierr *e)
{
	while (!sim_advance_for(s, to, SIM_ADVANCE_SLICE)) {
		if (s->stopping)
			break;
		pthread_mutex_unlock(&s->lock);
		struct timespec pause = {0, 1000000L}; /* a waiting request takes the lock now */
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&s->lock);
	}
	s->base_sim = s->now;
	s->base_wall = sim_wall();
	if (s->stopping && s->now < to) {
		sim_err(e, "ServiceUnavailableException",
			"the simulator is shutting down; the clock stopped at %.3f", s->now);
		e->status = 503;
		return -1;
	}
	sim_sync(s);
	return 0;
}

void sim_control(struct sim *s, const struct sim_request *rq, struct sim_response *r)
{
	const char *p = rq->path + 5; /* after "/_sim" */
	const char *m = rq->method;
	int get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0,
	    del = strcmp(m, "DELETE") == 0;
	json_t *in = NULL, *out = NULL;
	struct sim_apierr e = {400, "", ""};
	int rc = 0;
	if (rq->too_big) {
		sim_resp_json_error(r, 413, "RequestEntityTooLargeException", "request body exceeds %zu bytes", SIM_MAX_BODY);
		return;
	}
	if (post) {
		json_error_t jerr;
		in = rq->len ? json_loadb(rq->body, rq->len, 0, &jerr) : json_object();
		if (!json_is_object(in)) {
			json_decref(in);
			sim_resp_json_error(r, 400, "SerializationException", "expected a JSON object: %s",
					    rq->len ? "not an object or invalid JSON" : "empty");
			return;
		}
	}
	pthread_mutex_lock(&s->lock);
	sim_sync(s);
	if (strcmp(p, "") == 0 || strcmp(p, "/") == 0) {
		if (!get)
			goto bad_method;
		out = json_pack("{s:s,s:s,s:s,s:f,s:I,s:f,s:s?,s:s}", "name", "ecship-sim", "region", s->region, "account",
				s->account, "speed", s->speed, "seed", (json_int_t)s->seed, "now", s->now, "upstream",
				s->upstream, "timing", s->cfg.timing == SIM_TIMING_FAST ? "fast" : "ecs");
	} else if (strcmp(p, "/state") == 0) {
		if (!get)
			goto bad_method;
		out = state_json(s);
	} else if (strcmp(p, "/rules") == 0) {
		if (post) {
			json_t *list = json_object_get(in, "rules"), *o;
			size_t i;
			if (list) {
				struct sim_rule *fresh = NULL;
				if (!json_is_array(list))
					rc = sim_err(&e, "InvalidParameterException", "'rules' must be an array");
				json_array_foreach(list, i, o) if (rc == 0) rc = add_rule_obj(&fresh, o, &e);
				if (rc == 0) {
					sim_rules_free(s->rules);
					s->rules = fresh;
				} else {
					sim_rules_free(fresh);
				}
			} else {
				rc = add_rule_obj(&s->rules, in, &e);
			}
		} else if (del) {
			sim_rules_free(s->rules);
			s->rules = NULL;
		} else if (!get) {
			goto bad_method;
		}
		if (rc == 0)
			out = json_pack("{s:o,s:o}", "rules", rules_json(s->rules), "commandLineRules", rules_json(s->cli_rules));
	} else if (strcmp(p, "/faults") == 0) {
		if (post) {
			json_t *rl = json_object_get(in, "rate_limits");
			if (rl && !json_is_boolean(rl))
				rc = sim_err(&e, "InvalidParameterException", "'rate_limits' must be true or false");
			if (rc == 0 && json_object_get(in, "faults"))
				rc = sim_faults_set(s, in, !json_is_true(json_object_get(in, "append")), &e);
			if (rc == 0 && rl)
				s->cfg.rate_limits = json_is_true(rl);
		} else if (del) {
			sim_faults_free(s->faults);
			s->faults = NULL;
		} else if (!get) {
			goto bad_method;
		}
		if (rc == 0)
			out = sim_faults_json(s);
	} else if (strcmp(p, "/clock") == 0) {
		if (post) {
			double speed = s->speed, adv = 0;
			if (set_num(in, "speed", 0, 1e6, &speed, &e) || set_num(in, "advance", 0, 86400 * 30, &adv, &e)) {
				rc = -1;
			} else {
				double wall = sim_wall();
				s->base_sim = s->now;
				s->base_wall = wall;
				s->speed = speed;
				if (adv > 0)
					rc = advance_clock(s, s->now + adv, &e);
			}
		} else if (!get) {
			goto bad_method;
		}
		if (rc == 0)
			out = clock_json(s);
	} else if (strcmp(p, "/config") == 0) {
		if (post)
			rc = apply_config(s, in, &e);
		else if (!get)
			goto bad_method;
		if (rc == 0)
			out = config_json(s);
	} else if (strcmp(p, "/requests") == 0) {
		if (del)
			s->reqlog_n = 0;
		else if (!get)
			goto bad_method;
		out = reqlog_json(s, since_param(rq));
	} else if (strcmp(p, "/rollouts") == 0) {
		if (del)
			s->rollog_n = 0;
		else if (!get)
			goto bad_method;
		out = rollog_json(s, since_param(rq));
	} else if (strcmp(p, "/events") == 0) {
		/* a service event with any text, as a hostile or odd endpoint could send one (tests
		 * of how the tool shows remote text) */
		if (!post)
			goto bad_method;
		const char *cn = json_string_value(json_object_get(in, "cluster"));
		const char *sn = json_string_value(json_object_get(in, "service"));
		const char *msg = json_string_value(json_object_get(in, "message"));
		struct sim_cluster *c = cn ? sim_cluster_find(s, cn) : NULL;
		struct sim_service *svc = c && sn ? sim_service_find(s, c, sn) : NULL;
		if (!msg)
			rc = sim_err(&e, "InvalidParameterException", "'message' must be a string");
		else if (!svc)
			rc = sim_err(&e, "ServiceNotFoundException",
				     "no service '%s' in cluster '%s'", sn ? sn : "", cn ? cn : "");
		else
			sim_event_add(s, svc, "%s", msg);
		if (rc == 0)
			out = json_pack("{s:i}", "events", svc->ev_count);
	} else if (strcmp(p, "/hooks") == 0) {
		/* Lambda lifecycle hooks: what the function answers, by a substring of its ARN */
		if (post) {
			json_t *list = json_object_get(in, "hooks");
			json_t *fresh = list ? json_array() : json_deep_copy(s->hook_rules), *o;
			size_t i;
			if (list && !json_is_array(list)) {
				rc = sim_err(&e, "InvalidParameterException", "'hooks' must be an array");
			} else if (list) {
				json_array_foreach(list, i, o)
				{
					if (rc == 0)
						rc = add_hook_rule(fresh, o, &e);
				}
			} else {
				rc = add_hook_rule(fresh, in, &e);
			}
			if (rc == 0) {
				json_decref(s->hook_rules);
				s->hook_rules = fresh;
			} else {
				json_decref(fresh);
			}
		} else if (del) {
			json_array_clear(s->hook_rules);
		} else if (!get) {
			goto bad_method;
		}
		if (rc == 0)
			out = json_pack("{s:o,s:o}", "hooks", json_deep_copy(s->hook_rules), "commandLineHooks",
					json_deep_copy(s->cli_hook_rules));
	} else if (strcmp(p, "/alarms") == 0) {
		/* CloudWatch alarm states for deployments that watch alarms (also set upstream) */
		if (post) {
			rc = set_alarm(s, in, &e);
		} else if (del) {
			json_object_clear(s->alarms);
		} else if (!get) {
			goto bad_method;
		}
		if (rc == 0) {
			sim_sync(s);
			out = json_pack("{s:o}", "alarms", json_deep_copy(s->alarms));
		}
	} else if (strcmp(p, "/reset") == 0) {
		if (!post)
			goto bad_method;
		sim_reset(s);
		out = json_pack("{s:b}", "reset", 1);
	} else {
		pthread_mutex_unlock(&s->lock);
		json_decref(in);
		sim_resp_json_error(r, 404, "NotFound", "no control endpoint '%s'; see docs/sim.md", rq->path);
		return;
	}
	pthread_mutex_unlock(&s->lock);
	json_decref(in);
	if (rc != 0)
		sim_resp_json_error(r, e.status, e.type, "%s", e.message);
	else
		sim_resp_json(r, 200, out);
	snprintf(r->content_type, sizeof(r->content_type), "application/json");
	return;
bad_method:
	pthread_mutex_unlock(&s->lock);
	json_decref(in);
	sim_resp_json_error(r, 405, "MethodNotAllowed", "method %s is not allowed on '%s'", m, rq->path);
	snprintf(r->content_type, sizeof(r->content_type), "application/json");
}
