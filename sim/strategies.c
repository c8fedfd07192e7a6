/*
 * strategies.c: ecship-sim's blue/green, linear and canary service deployments (ECS's own, with
 * the ECS deployment controller): green tasks beside blue in the alternate target group, the
 * lifecycle stages in order, weighted forwarding on the listener rules (set on the upstream with
 * ELBv2 ModifyRule), bake time, lifecycle hooks (PAUSE and Lambda), CloudWatch alarms and the
 * rollback at any stage. Also the request checks of the strategy fields. Lock held throughout.
 * Depends on sim.h; never on the library's copies of these rules (the sim is their witness).
 * Sources (developer guide, https://docs.aws.amazon.com/AmazonECS/latest/developerguide/):
 * deployment-type-blue-green.html, blue-green-deployment-how-it-works.html,
 * deployment-type-linear.html, canary-deployment.html, deployment-lifecycle-hooks.html,
 * pause-lifecycle-hooks.html, lambda-lifecycle-hooks.html, continue-service-deployment.html,
 * deployment-alarm-failure.html, alb-resources-for-blue-green.html; API reference
 * API_DeploymentConfiguration, API_LinearConfiguration, API_CanaryConfiguration,
 * API_DeploymentLifecycleHook, API_DeploymentLifecycleHookTimeoutConfiguration,
 * API_AdvancedConfiguration, API_ContinueServiceDeployment, API_ServiceDeployment.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define IPE "InvalidParameterException"

enum {
	ST_RECONCILE,
	ST_PRE_SCALE_UP,
	ST_SCALE_UP,
	ST_POST_SCALE_UP,
	ST_TEST_SHIFT,
	ST_POST_TEST_SHIFT,
	ST_PROD_SHIFT,
	ST_POST_PROD_SHIFT,
	ST_BAKE,
	ST_CLEAN_UP,
	ST_COUNT
};

/* ServiceDeploymentLifecycleStage, in the order a deployment goes through them */
static const char *const s_stage[ST_COUNT] = {"RECONCILE_SERVICE",
					      "PRE_SCALE_UP",
					      "SCALE_UP",
					      "POST_SCALE_UP",
					      "TEST_TRAFFIC_SHIFT",
					      "POST_TEST_TRAFFIC_SHIFT",
					      "PRODUCTION_TRAFFIC_SHIFT",
					      "POST_PRODUCTION_TRAFFIC_SHIFT",
					      "BAKE_TIME",
					      "CLEAN_UP"};

/* DeploymentLifecycleHookStage: where a hook may run (PRE_PRODUCTION_TRAFFIC_SHIFT is a hook
 * stage without a lifecycleStage of its own: it runs at the start of PRODUCTION_TRAFFIC_SHIFT,
 * before the first shift) */
static const char *const s_hook_stage[] = {"RECONCILE_SERVICE",
					   "PRE_SCALE_UP",
					   "POST_SCALE_UP",
					   "TEST_TRAFFIC_SHIFT",
					   "POST_TEST_TRAFFIC_SHIFT",
					   "PRE_PRODUCTION_TRAFFIC_SHIFT",
					   "PRODUCTION_TRAFFIC_SHIFT",
					   "POST_PRODUCTION_TRAFFIC_SHIFT"};

static const char *const s_strategy[] = {"ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"};

const char *sim_strategy_name(int strategy)
{
	return strategy >= 0 && strategy < 4 ? s_strategy[strategy] : "ROLLING";
}

static json_t *ts(double t)
{
	return json_real(floor(t * 1000 + 0.5) / 1000);
}

/* ---- request checks
 * ------------------------------------------------------------------------------ */

static int bad_type(struct sim_apierr *e, const char *k, const char *want)
{
	return sim_err(e, "SerializationException", "Unexpected value for '%s': expected %s", k,
		       want);
}

/* an integer in [lo, hi] when present (*v untouched when absent) */
static int int_in(json_t *o, const char *k, long lo, long hi, long *v, struct sim_apierr *e)
{
	json_t *x = json_object_get(o, k);
	if (!x || json_is_null(x))
		return 0;
	if (!json_is_integer(x))
		return bad_type(e, k, "an integer");
	/* the documented limits (pure.c, the table tests/data/ecs-rules.tsv checks) */
	if (sim_deploy_limit_ok(k, (double)json_integer_value(x)) != 1)
		return sim_err(e, IPE, "%s must be between %ld and %ld.", k, lo, hi);
	*v = (long)json_integer_value(x);
	return 0;
}

/* a percentage, a multiple of 0.1 in [lo, hi], when present */
static int pct_in(json_t *o, const char *k, double lo, double hi, struct sim_apierr *e)
{
	json_t *x = json_object_get(o, k);
	if (!x || json_is_null(x))
		return 0;
	if (!json_is_number(x))
		return bad_type(e, k, "a number");
	if (sim_deploy_limit_ok(k, json_number_value(x)) != 1)
		return sim_err(e, IPE, "%s must be a multiple of 0.1 from %.1f to %.1f.", k, lo,
			       hi);
	return 0;
}

static int one_of(const char *v, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v && strcmp(v, list[i]) == 0)
			return (int)i;
	return -1;
}

static int check_hooks(json_t *hooks, struct sim_apierr *e)
{
	json_t *h, *st;
	size_t i, j;
	if (!json_is_array(hooks))
		return bad_type(e, "lifecycleHooks", "a list");
	json_array_foreach(hooks, i, h)
	{
		if (!json_is_object(h))
			return bad_type(e, "lifecycleHooks", "a list of DeploymentLifecycleHook");
		json_t *tt = json_object_get(h, "targetType"),
		       *stages = json_object_get(h, "lifecycleStages");
		static const char *const types[] = {"AWS_LAMBDA", "PAUSE"};
		if (tt && one_of(json_string_value(tt), types, 2) < 0)
			return sim_err(
			    e, IPE, "lifecycleHooks[%zu].targetType must be AWS_LAMBDA or PAUSE.",
			    i);
		int pause = tt && strcmp(json_string_value(tt), "PAUSE") == 0;
		if (!json_is_array(stages) || json_array_size(stages) == 0)
			return sim_err(e, IPE,
				       "lifecycleHooks[%zu].lifecycleStages can not be empty.", i);
		json_array_foreach(stages, j, st) if (
		    one_of(json_string_value(st), s_hook_stage,
			   sizeof(s_hook_stage) / sizeof(s_hook_stage[0])) <
		    0) return sim_err(e, IPE,
				      "lifecycleHooks[%zu].lifecycleStages: '%s' is not a "
				      "lifecycle stage a hook can use: "
				      "RECONCILE_SERVICE, PRE_SCALE_UP, POST_SCALE_UP, "
				      "TEST_TRAFFIC_SHIFT, "
				      "POST_TEST_TRAFFIC_SHIFT, PRE_PRODUCTION_TRAFFIC_SHIFT, "
				      "PRODUCTION_TRAFFIC_SHIFT, "
				      "POST_PRODUCTION_TRAFFIC_SHIFT.",
				      i, json_string_value(st) ?: "");
		const char *target = json_string_value(json_object_get(h, "hookTargetArn"));
		const char *role = json_string_value(json_object_get(h, "roleArn"));
		/* "You must provide this parameter [hookTargetArn] when configuring a deployment
		 * lifecycle hook" (Lambda); the role lets ECS call the function
		 * (API_DeploymentLifecycleHook) */
		if (!pause && (!target || strncmp(target, "arn:", 4) != 0))
			return sim_err(e, IPE,
				       "lifecycleHooks[%zu].hookTargetArn must be a Lambda "
				       "function ARN for an AWS_LAMBDA hook.",
				       i);
		if (!pause && (!role || strncmp(role, "arn:", 4) != 0))
			return sim_err(e, IPE,
				       "lifecycleHooks[%zu].roleArn must be an IAM role ARN for an "
				       "AWS_LAMBDA hook.",
				       i);
		json_t *tc = json_object_get(h, "timeoutConfiguration");
		if (tc && !json_is_object(tc))
			return bad_type(e, "timeoutConfiguration", "a structure");
		long minutes = 1440;
		if (tc && int_in(tc, "timeoutInMinutes", 1, 20160, &minutes, e))
			return -1;
		json_t *act = json_object_get(tc, "action");
		static const char *const acts[] = {"ROLLBACK", "CONTINUE"};
		if (act && one_of(json_string_value(act), acts, 2) < 0)
			return sim_err(e, IPE,
				       "lifecycleHooks[%zu].timeoutConfiguration.action must be "
				       "ROLLBACK or CONTINUE.",
				       i);
	}
	return 0;
}

static int check_alarms(json_t *a, struct sim_apierr *e)
{
	json_t *names = json_object_get(a, "alarmNames"), *v;
	size_t i;
	if (!json_is_object(a))
		return bad_type(e, "alarms", "a structure");
	/* DeploymentAlarms: alarmNames, rollback and enable are all required (botocore's model) */
	if (!json_is_array(names) || !json_is_boolean(json_object_get(a, "rollback")) ||
	    !json_is_boolean(json_object_get(a, "enable")))
		return sim_err(e, IPE, "alarms needs alarmNames, enable and rollback.");
	json_array_foreach(
	    names, i, v) if (!json_is_string(v) ||
			     !json_string_value(
				 v)[0]) return sim_err(e, IPE,
						       "alarms.alarmNames must be alarm names.");
	if (json_is_true(json_object_get(a, "enable")) && json_array_size(names) == 0)
		return sim_err(e, IPE,
			       "alarms.alarmNames can not be empty when alarms are enabled.");
	return 0;
}

static int check_lbs_advanced(struct sim *s, const struct sim_request *rq, json_t *lbs,
			      const char *strategy, struct sim_apierr *e)
{
	json_t *lb;
	size_t i;
	char msg[400];
	/* "To use a blue/green [linear, canary] deployment with managed traffic shifting, your
	 * service must use ... Elastic Load Balancing [or] Service Connect"
	 * (linear-deployment-implementation; the sim simulates the load balancer) */
	if (json_array_size(lbs) == 0)
		return sim_err(e, IPE,
			       "The %s deployment strategy needs a load balancer with an "
			       "advancedConfiguration "
			       "(alternateTargetGroupArn, productionListenerRule, roleArn).",
			       strategy);
	json_array_foreach(lbs, i, lb)
	{
		json_t *adv = json_object_get(lb, "advancedConfiguration");
		if (!json_is_object(adv))
			return sim_err(e, IPE,
				       "loadBalancers[%zu].advancedConfiguration is required for "
				       "the %s deployment strategy.",
				       i, strategy);
		const char *tg = json_string_value(json_object_get(lb, "targetGroupArn"));
		const char *alt =
		    json_string_value(json_object_get(adv, "alternateTargetGroupArn"));
		const char *prod =
		    json_string_value(json_object_get(adv, "productionListenerRule"));
		const char *test = json_string_value(json_object_get(adv, "testListenerRule"));
		const char *role = json_string_value(json_object_get(adv, "roleArn"));
		if (!alt || !alt[0])
			return sim_err(
			    e, IPE,
			    "loadBalancers[%zu].advancedConfiguration.alternateTargetGroupArn is "
			    "required for the %s deployment strategy.",
			    i, strategy);
		if (tg && strcmp(tg, alt) == 0)
			return sim_err(e, IPE,
				       "loadBalancers[%zu].advancedConfiguration."
				       "alternateTargetGroupArn must differ from targetGroupArn.",
				       i);
		if (!prod || !prod[0])
			return sim_err(
			    e, IPE,
			    "loadBalancers[%zu].advancedConfiguration.productionListenerRule is "
			    "required for the %s deployment strategy.",
			    i, strategy);
		if (!role || strncmp(role, "arn:", 4) != 0)
			return sim_err(e, IPE,
				       "loadBalancers[%zu].advancedConfiguration.roleArn is "
				       "required for the %s deployment strategy: "
				       "the infrastructure role that lets Amazon ECS change the "
				       "listener rules.",
				       i, strategy);
		if (!s->upstream || !s->cfg.upstream_checks)
			continue;
		if (sim_upstream_exists(s, rq, "target-group", alt, msg, sizeof(msg)) == 0)
			return sim_err(
			    e, IPE, "The target group with targetGroupArn %s does not exist.", alt);
		const char *rules[2] = {prod, test};
		for (int k = 0; k < 2; k++) {
			if (!rules[k] || !rules[k][0])
				continue;
			const char *kind =
			    strstr(rules[k], ":listener-rule/") ? "listener-rule" : "listener";
			if (sim_upstream_exists(s, rq, kind, rules[k], msg, sizeof(msg)) == 0)
				return sim_err(e, IPE, "The %s listener rule %s does not exist.",
					       k ? "test" : "production", rules[k]);
		}
	}
	return 0;
}

int sim_strategy_check(struct sim *s, const struct sim_request *rq, json_t *old_extra, json_t *dc,
		       json_t *lbs, int code_deploy, json_t **extra, int *strategy,
		       struct sim_apierr *e)
{
	static const char *const keys[] = {"strategy",
					   "bakeTimeInMinutes",
					   "linearConfiguration",
					   "canaryConfiguration",
					   "lifecycleHooks",
					   "alarms"};
	json_t *m = old_extra ? json_deep_copy(old_extra) : json_object();
	*extra = NULL;
	if (!m)
		return sim_err(e, "ServerException", "out of memory");
	/* a new strategy drops the old one's own configuration unless given again */
	if (json_is_string(json_object_get(dc, "strategy"))) {
		json_object_del(m, "linearConfiguration");
		json_object_del(m, "canaryConfiguration");
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(dc, keys[i]);
		if (v && !json_is_null(v))
			json_object_set_new(m, keys[i], json_deep_copy(v));
	}
	json_t *sv = json_object_get(m, "strategy");
	const char *st = sv ? json_string_value(sv) : "ROLLING";
	int k = one_of(st, s_strategy, 4);
	long bake = -1, minutes = 0;
	json_t *lin = json_object_get(m, "linearConfiguration"),
	       *can = json_object_get(m, "canaryConfiguration");
	json_t *hooks = json_object_get(m, "lifecycleHooks"),
	       *alarms = json_object_get(m, "alarms");
	if (sv && !json_is_string(sv)) {
		bad_type(e, "strategy", "a string");
		goto fail;
	}
	if (k < 0) {
		sim_err(e, IPE,
			"Invalid deployment strategy '%s': valid values are ROLLING, BLUE_GREEN, "
			"LINEAR and CANARY.",
			st);
		goto fail;
	}
	/* bakeTimeInMinutes: 0-1440 like the step bake times; "You must provide this parameter when
	 * you use the BLUE_GREEN deployment strategy" (API_DeploymentConfiguration) */
	if (int_in(m, "bakeTimeInMinutes", 0, 1440, &bake, e))
		goto fail;
	if (k == SIM_STRAT_BLUE_GREEN && bake < 0) {
		sim_err(e, IPE,
			"bakeTimeInMinutes is required with the BLUE_GREEN deployment strategy.");
		goto fail;
	}
	/* linear: stepPercent 3.0-100.0 in steps of 0.1, stepBakeTimeInMinutes 0-1440; canary:
	 * canaryPercent 0.1-100.0, canaryBakeTimeInMinutes 0-1440; each only with its strategy
	 * (API_LinearConfiguration, API_CanaryConfiguration) */
	if (lin && (k != SIM_STRAT_LINEAR || !json_is_object(lin))) {
		sim_err(e, IPE,
			"linearConfiguration is only valid with the LINEAR deployment strategy.");
		goto fail;
	}
	if (can && (k != SIM_STRAT_CANARY || !json_is_object(can))) {
		sim_err(e, IPE,
			"canaryConfiguration is only valid with the CANARY deployment strategy.");
		goto fail;
	}
	if (lin && (pct_in(lin, "stepPercent", 3.0, 100.0, e) ||
		    int_in(lin, "stepBakeTimeInMinutes", 0, 1440, &minutes, e)))
		goto fail;
	if (can && (pct_in(can, "canaryPercent", 0.1, 100.0, e) ||
		    int_in(can, "canaryBakeTimeInMinutes", 0, 1440, &minutes, e)))
		goto fail;
	if (hooks && check_hooks(hooks, e))
		goto fail;
	if (alarms && check_alarms(alarms, e))
		goto fail;
	if (k != SIM_STRAT_ROLLING) {
		/* "Set the service deployment controller to ECS" (linear-deployment-implementation)
		 */
		if (code_deploy) {
			sim_err(e, IPE,
				"The %s deployment strategy needs the ECS deployment controller.",
				st);
			goto fail;
		}
		if (check_lbs_advanced(s, rq, lbs, st, e))
			goto fail;
	} else if (json_array_size(hooks)) {
		sim_err(e, IPE,
			"lifecycleHooks are only used with the BLUE_GREEN, LINEAR and CANARY "
			"deployment strategies.");
		goto fail;
	}
	*extra = m;
	*strategy = k;
	return 0;
fail:
	json_decref(m);
	return -1;
}

/* ---- the deployment
 * -------------------------------------------------------------------------------- */

static double minutes_of(json_t *o, const char *k, double dflt)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (double)json_integer_value(v) : dflt;
}

static double pct_of(json_t *o, const char *k, double dflt)
{
	json_t *v = json_object_get(o, k);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

void sim_strategy_begin(struct sim *s, struct sim_service *svc, struct sim_deployment *d,
			struct sim_sdep *x)
{
	(void)s;
	json_t *lb = json_array_get(svc->load_balancers, 0);
	json_t *adv = json_object_get(lb, "advancedConfiguration");
	const char *main_tg = json_string_value(json_object_get(lb, "targetGroupArn"));
	const char *alt = json_string_value(json_object_get(adv, "alternateTargetGroupArn"));
	const char *prod = json_string_value(json_object_get(adv, "productionListenerRule"));
	const char *test = json_string_value(json_object_get(adv, "testListenerRule"));
	x->strategy = svc->strategy;
	x->dc = svc->dc_extra ? json_deep_copy(svc->dc_extra) : NULL;
	x->hook_details = json_array();
	x->stages = json_array();
	x->triggered = json_array();
	x->stage = -1;
	if (main_tg && (!svc->prod_tg[0] || (strcmp(svc->prod_tg, main_tg) != 0 &&
					     (!alt || strcmp(svc->prod_tg, alt) != 0))))
		snprintf(svc->prod_tg, sizeof(svc->prod_tg), "%s", main_tg);
	/* the first deployment has no blue to shift from: it scales up like a rolling update */
	if (svc->strategy != SIM_STRAT_ROLLING && svc->last_completed_id[0] && main_tg && alt &&
	    prod) {
		x->bg = 1;
		snprintf(x->blue_tg, sizeof(x->blue_tg), "%s", svc->prod_tg);
		snprintf(x->green_tg, sizeof(x->green_tg), "%s",
			 strcmp(svc->prod_tg, main_tg) == 0 ? alt : main_tg);
		snprintf(x->prod_rule, sizeof(x->prod_rule), "%s", prod);
		snprintf(x->test_rule, sizeof(x->test_rule), "%s", test ? test : "");
		snprintf(d->tg_arn, sizeof(d->tg_arn), "%s", x->green_tg);
	} else {
		snprintf(d->tg_arn, sizeof(d->tg_arn), "%s", svc->prod_tg);
	}
}

void sim_sdep_strategy_free(struct sim_sdep *x)
{
	json_decref(x->dc);
	json_decref(x->hook_details);
	json_decref(x->stages);
	json_decref(x->triggered);
	x->dc = x->hook_details = x->stages = x->triggered = NULL;
}

static long gcd(long a, long b)
{
	while (b) {
		long t = a % b;
		a = b;
		b = t;
	}
	return a ? a : 1;
}

/* green's share pct of a rule's traffic, as ALB weights (0-999): tenths of a percent, reduced */
static void set_share(struct sim *s, struct sim_sdep *x, const char *rule, double pct)
{
	long g = lround(pct * 10), b;
	if (g < 0)
		g = 0;
	if (g > 1000)
		g = 1000;
	b = 1000 - g;
	long d = gcd(g, b);
	sim_upstream_forward_weights(s, rule, x->blue_tg, (int)(b / d), x->green_tg, (int)(g / d));
}

void sim_strategy_restore(struct sim *s, struct sim_sdep *x)
{
	if (!x->bg)
		return;
	/* the deployment ends another way (rollback, stop, a newer deployment): hooks still waiting
	 * will never be answered */
	json_t *d;
	size_t i;
	json_array_foreach(x->hook_details, i, d)
	{
		const char *st = json_string_value(json_object_get(d, "status")) ?: "";
		if (strcmp(st, "AWAITING_ACTION") == 0 || strcmp(st, "IN_PROGRESS") == 0)
			json_object_set_new(d, "status", json_string("FAILED"));
	}
	if (x->prod_pct > 0 && x->prod_rule[0])
		set_share(s, x, x->prod_rule, 0);
	if (x->test_pct > 0 && x->test_rule[0])
		set_share(s, x, x->test_rule, 0);
	x->prod_pct = x->test_pct = 0;
}

static void enter(struct sim *s, struct sim_sdep *x, int stage)
{
	x->stage = stage;
	x->stage_at = s->now;
	x->updated_at = s->now;
	json_array_append_new(x->stages,
			      json_pack("{s:s,s:o}", "stage", s_stage[stage], "at", ts(s->now)));
	if (stage == ST_TEST_SHIFT && x->test_rule[0]) {
		set_share(s, x, x->test_rule, 100);
		x->test_pct = 100;
	} else if (stage == ST_PROD_SHIFT) {
		x->pre_done = 0;
		x->step_at = 0;
	} else if (stage == ST_BAKE) {
		x->bake_until =
		    s->now + minutes_of(x->dc, "bakeTimeInMinutes", 0) * s->cfg.minute_seconds;
	}
}

/* The Lambda switch: the first rule whose match is in the function's ARN, control rules
 * (/_sim/hooks) before command-line ones (--hook-rule); no match succeeds. */
static const char *lambda_behavior(struct sim *s, const char *arn)
{
	json_t *r, *lists[2] = {s->hook_rules, s->cli_hook_rules};
	size_t i;
	for (int k = 0; k < 2; k++) {
		json_array_foreach(lists[k], i, r)
		{
			const char *m = json_string_value(json_object_get(r, "match"));
			if (m && arn && strstr(arn, m))
				return json_string_value(json_object_get(r, "behavior"));
		}
	}
	return "succeed";
}

static void hook_id(struct sim *s, const char *prefix, char *out, size_t n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t p = (size_t)snprintf(out, n, "%s", prefix);
	for (int i = 0; i < 43 && p + 1 < n; i++)
		out[p++] = abc[sim_rand(s) % 64];
	out[p] = '\0';
}

/* Starts the hooks configured for a hook stage (once). */
static void start_hooks(struct sim *s, struct sim_sdep *x, const char *stage)
{
	json_t *h, *d, *st;
	size_t i, j;
	json_array_foreach(x->hook_details, i,
			   d) if (strcmp(json_string_value(json_object_get(d, "_stage")) ?: "",
					 stage) == 0) return;
	json_array_foreach(json_object_get(x->dc, "lifecycleHooks"), i, h)
	{
		int here = 0;
		json_array_foreach(json_object_get(h, "lifecycleStages"), j, st) here |=
		    strcmp(json_string_value(st) ?: "", stage) == 0;
		if (!here)
			continue;
		json_t *tc = json_object_get(h, "timeoutConfiguration");
		const char *action = json_string_value(json_object_get(tc, "action")) ?: "ROLLBACK";
		double expires =
		    s->now + minutes_of(tc, "timeoutInMinutes", 1440) * s->cfg.minute_seconds;
		int pause =
		    strcmp(json_string_value(json_object_get(h, "targetType")) ?: "", "PAUSE") == 0;
		char id[64];
		hook_id(s, pause ? "ecs-pause-" : "ecs-lambda-", id, sizeof(id));
		json_t *o =
		    json_pack("{s:s,s:s,s:s,s:o,s:s,s:s,s:f,s:f}", "hookId", id, "targetType",
			      pause ? "PAUSE" : "AWS_LAMBDA", "status",
			      pause ? "AWAITING_ACTION" : "IN_PROGRESS", "expiresAt", ts(expires),
			      "timeoutAction", action, "_stage", stage, "_expires", expires, "_due",
			      pause ? 0.0 : s->now + s->cfg.hook_seconds);
		if (o && !pause)
			json_object_set_new(
			    o, "targetArn",
			    json_string(json_string_value(json_object_get(h, "hookTargetArn"))
					    ?: ""));
		if (o)
			json_array_append_new(x->hook_details, o);
	}
}

enum { HOOKS_PENDING, HOOKS_DONE, HOOKS_FAILED };

/* The hooks of a hook stage, moved on by the clock: PENDING, DONE or FAILED (why then in why). */
static int hooks_state(struct sim *s, struct sim_sdep *x, const char *stage, char *why, size_t n)
{
	json_t *d;
	size_t i;
	int pending = 0;
	start_hooks(s, x, stage);
	json_array_foreach(x->hook_details, i, d)
	{
		if (strcmp(json_string_value(json_object_get(d, "_stage")) ?: "", stage) != 0)
			continue;
		const char *st = json_string_value(json_object_get(d, "status")) ?: "";
		const char *id = json_string_value(json_object_get(d, "hookId")) ?: "";
		double due = json_number_value(json_object_get(d, "_due"));
		double expires = json_number_value(json_object_get(d, "_expires"));
		if (strcmp(st, "IN_PROGRESS") == 0 && due > 0 && due <= s->now) {
			/* the function answered: hookStatus SUCCEEDED, FAILED, or IN_PROGRESS until
			 * the timeout (lambda-lifecycle-hooks.html) */
			const char *b =
			    lambda_behavior(s, json_string_value(json_object_get(d, "targetArn")));
			json_object_set_new(d, "_due", json_real(0));
			if (strcmp(b, "fail") == 0)
				json_object_set_new(d, "status", json_string("FAILED"));
			else if (strcmp(b, "timeout") != 0)
				json_object_set_new(d, "status", json_string("SUCCEEDED"));
			st = json_string_value(json_object_get(d, "status"));
			x->updated_at = s->now;
		}
		if ((strcmp(st, "IN_PROGRESS") == 0 || strcmp(st, "AWAITING_ACTION") == 0) &&
		    expires <= s->now) {
			json_object_set_new(d, "status", json_string("TIMED_OUT"));
			st = "TIMED_OUT";
			x->updated_at = s->now;
		}
		const char *ta =
		    json_string_value(json_object_get(d, "timeoutAction")) ?: "ROLLBACK";
		if (strcmp(st, "FAILED") == 0) {
			snprintf(why, n,
				 "Service deployment rolled back because the lifecycle hook %s "
				 "failed at %s.",
				 id, stage);
			return HOOKS_FAILED;
		}
		if (strcmp(st, "TIMED_OUT") == 0 && strcmp(ta, "ROLLBACK") == 0) {
			snprintf(why, n,
				 "Service deployment rolled back because the lifecycle hook %s "
				 "timed out at %s.",
				 id, stage);
			return HOOKS_FAILED;
		}
		pending |= strcmp(st, "IN_PROGRESS") == 0 || strcmp(st, "AWAITING_ACTION") == 0;
	}
	return pending ? HOOKS_PENDING : HOOKS_DONE;
}

/* The hook stage a lifecycle stage runs hooks for (NULL: none). */
static const char *hook_stage_of(int stage)
{
	switch (stage) {
	case ST_SCALE_UP:
	case ST_BAKE:
	case ST_CLEAN_UP:
		return NULL;
	default:
		return s_stage[stage];
	}
}

/* Production traffic: BLUE_GREEN all at once; LINEAR stepPercent (default 10) every
 * stepBakeTimeInMinutes (default 6); CANARY canaryPercent (default 5), then the rest after
 * canaryBakeTimeInMinutes (default 10). */
static void shift_production(struct sim *s, struct sim_sdep *x)
{
	if (x->prod_pct >= 100 || (x->step_at > 0 && s->now < x->step_at))
		return;
	double next = 100, wait = 0;
	if (x->strategy == SIM_STRAT_LINEAR) {
		json_t *c = json_object_get(x->dc, "linearConfiguration");
		next = x->prod_pct + pct_of(c, "stepPercent", 10.0);
		wait = minutes_of(c, "stepBakeTimeInMinutes", 6);
	} else if (x->strategy == SIM_STRAT_CANARY && x->prod_pct <= 0) {
		json_t *c = json_object_get(x->dc, "canaryConfiguration");
		next = pct_of(c, "canaryPercent", 5.0);
		wait = minutes_of(c, "canaryBakeTimeInMinutes", 10);
	}
	if (next > 100 - 1e-9)
		next = 100;
	x->prod_pct = next;
	set_share(s, x, x->prod_rule, next);
	x->step_at = next < 100 ? s->now + wait * s->cfg.minute_seconds : 0;
	x->updated_at = s->now;
}

static int first_stage(struct sim_sdep *x)
{
	/* RECONCILE_SERVICE "only happens when you start a new service deployment with more than 1
	 * service revision in an ACTIVE state" */
	return json_array_size(x->sources) > 1 ? ST_RECONCILE : ST_PRE_SCALE_UP;
}

/* The failure of a blue/green deployment: rolled back (traffic back to blue) or stopped there. */
static void bg_fail(struct sim *s, struct sim_service *svc, struct sim_deployment *p,
		    const char *why, int rollback)
{
	if (rollback && svc->last_completed_id[0])
		sim_engine_rollback(s, svc, p, why);
	else
		sim_engine_fail(s, svc, p, why);
}

static const char *firing_alarms(struct sim *s, struct sim_sdep *x, char *names, size_t n)
{
	json_t *a = json_object_get(x->dc, "alarms"), *v;
	size_t i, len = 0;
	names[0] = '\0';
	if (!json_is_true(json_object_get(a, "enable")))
		return NULL;
	json_array_foreach(json_object_get(a, "alarmNames"), i, v)
	{
		const char *name = json_string_value(v);
		json_t *st = json_object_get(s->alarms, name ?: "");
		if (!name ||
		    strcmp(json_string_value(json_object_get(st, "state")) ?: "", "ALARM") != 0)
			continue;
		int seen = 0;
		json_t *t;
		size_t j;
		json_array_foreach(x->triggered, j, t) seen |=
		    strcmp(json_string_value(t), name) == 0;
		if (!seen)
			json_array_append_new(x->triggered, json_string(name));
		len += (size_t)snprintf(names + len, len < n ? n - len : 0, "%s%s", len ? ", " : "",
					name);
		if (len >= n)
			len = n - 1;
	}
	return names[0] ? names : NULL;
}

static struct sim_sdep *sdep_of(struct sim_service *svc, struct sim_deployment *p)
{
	for (struct sim_sdep *x = svc->sdeps; x; x = x->next)
		if (strcmp(x->target_dep, p->id) == 0)
			return x;
	return NULL;
}

#define BATCH 256

/* One pass of a blue/green deployment: 1 handled, 2 the deployment failed (start over). */
static int bg_pass(struct sim *s, struct sim_service *svc, struct sim_deployment *p,
		   struct sim_sdep *x)
{
	int old_alive = sim_engine_drop_dead(s, svc, p);
	int wanted = 0, healthy = 0;
	for (struct sim_task *t = svc->tasks; t; t = t->svc_next) {
		if (t->service != svc || !t->want_running || strcmp(t->dep_id, p->id) != 0)
			continue;
		wanted++;
		healthy += sim_task_healthy(t);
	}
	char why[400];
	for (int guard = 0; x->status == SIM_SD_IN_PROGRESS && guard < 2 * ST_COUNT; guard++) {
		if (x->stage < 0)
			enter(s, x, first_stage(x));
		int work_done = 1, hs = HOOKS_DONE;
		const char *hstage = hook_stage_of(x->stage);
		if (x->stage == ST_PROD_SHIFT) {
			if (!x->pre_done) {
				hs = hooks_state(s, x, "PRE_PRODUCTION_TRAFFIC_SHIFT", why,
						 sizeof(why));
				if (hs == HOOKS_DONE)
					x->pre_done = 1;
			}
			if (x->pre_done) {
				shift_production(s, x);
				hs = hooks_state(s, x, hstage, why, sizeof(why));
			}
			work_done = x->prod_pct >= 100;
		} else if (hstage) {
			hs = hooks_state(s, x, hstage, why, sizeof(why));
		}
		if (hs == HOOKS_FAILED) {
			bg_fail(s, svc, p, why, 1);
			return 2;
		}
		if (x->stage == ST_SCALE_UP)
			work_done = healthy >= svc->desired;
		else if (x->stage == ST_BAKE)
			work_done = s->now >= x->bake_until;
		else if (x->stage == ST_CLEAN_UP)
			work_done = 0;
		if (!work_done || hs != HOOKS_DONE || s->now < x->stage_at + s->cfg.stage_seconds)
			break;
		enter(s, x, x->stage + 1);
	}
	/* green scales up beside blue to the desired count (SCALE_UP on), replacing failed tasks */
	struct sim_task *list[BATCH];
	int n = 0;
	if (x->status == SIM_SD_IN_PROGRESS && x->stage >= ST_SCALE_UP && !p->launch_stopped &&
	    svc->status == SIM_SVC_ACTIVE && s->now >= svc->launch_after) {
		char group[300];
		snprintf(group, sizeof(group), "service:%s", svc->name);
		for (int i = wanted; i < svc->desired && n < BATCH; i++) {
			struct sim_task *t =
			    sim_task_start(s, svc->cluster, svc, p, p->td, NULL, p->network, p->id,
					   group, svc->launch_type);
			if (!t)
				break;
			list[n++] = t;
		}
		sim_engine_post_tasks(s, svc, "has started", list, n);
		if (n)
			svc->steady = 0;
	}
	if (x->status != SIM_SD_IN_PROGRESS || x->stage != ST_CLEAN_UP)
		return 1;
	/* CLEAN_UP: "the blue service revision has completely scaled down to 0 running tasks" */
	char reason[160];
	snprintf(reason, sizeof(reason), "Scaling activity initiated by (deployment %s)", p->id);
	n = 0;
	for (struct sim_task *t = svc->tasks; t; t = t->svc_next) {
		if (t->service != svc || !t->want_running || strcmp(t->dep_id, p->id) == 0)
			continue;
		sim_task_stop(s, t, "ServiceSchedulerInitiated", reason);
		if (n < BATCH)
			list[n++] = t;
	}
	sim_engine_post_tasks(s, svc, "has stopped", list, n);
	if (!old_alive && healthy >= svc->desired && s->now >= x->stage_at + s->cfg.stage_seconds) {
		snprintf(svc->prod_tg, sizeof(svc->prod_tg), "%s", x->green_tg);
		sim_engine_complete(s, svc, p);
	}
	return 1;
}

int sim_strategy_reconcile(struct sim *s, struct sim_service *svc, struct sim_deployment *p)
{
	struct sim_sdep *x = sdep_of(svc, p);
	if (!x)
		return 0;
	char names[400];
	if (x->status == SIM_SD_IN_PROGRESS && firing_alarms(s, x, names, sizeof(names))) {
		/* "Amazon ECS sets the service deployment to failed" when an alarm goes into ALARM,
		 * and rolls back when rollback is set (deployment-alarm-failure.html,
		 * API_DeploymentAlarms) */
		char why[600];
		snprintf(why, sizeof(why),
			 "Service deployment failed: CloudWatch alarm(s) in ALARM state: %s.",
			 names);
		x->updated_at = s->now;
		bg_fail(
		    s, svc, p, why,
		    json_is_true(json_object_get(json_object_get(x->dc, "alarms"), "rollback")));
		return 2;
	}
	if (!x->bg || x->status == SIM_SD_SUCCESSFUL || x->status == SIM_SD_ROLLBACK_IN_PROGRESS ||
	    x->status == SIM_SD_ROLLBACK_SUCCESSFUL || x->status == SIM_SD_ROLLBACK_FAILED)
		return 0;
	return bg_pass(s, svc, p, x);
}

double sim_strategy_next_due(struct sim *s)
{
	double next = 0;
#define CONSIDER(t)                                                                                \
	do {                                                                                       \
		double t_ = (t);                                                                   \
		if (t_ > s->now && (next == 0 || t_ < next))                                       \
			next = t_;                                                                 \
	} while (0)
	for (struct sim_service *v = s->services; v; v = v->next) {
		for (struct sim_sdep *x = v->sdeps; x; x = x->next) {
			if (!x->bg || x->status != SIM_SD_IN_PROGRESS)
				continue;
			CONSIDER(x->stage_at + s->cfg.stage_seconds);
			CONSIDER(x->step_at);
			if (x->stage == ST_BAKE)
				CONSIDER(x->bake_until);
			json_t *d;
			size_t i;
			json_array_foreach(x->hook_details, i, d)
			{
				const char *st =
				    json_string_value(json_object_get(d, "status")) ?: "";
				if (strcmp(st, "IN_PROGRESS") && strcmp(st, "AWAITING_ACTION"))
					continue;
				CONSIDER(json_number_value(json_object_get(d, "_due")));
				CONSIDER(json_number_value(json_object_get(d, "_expires")));
			}
		}
	}
#undef CONSIDER
	return next;
}

/* ---- rendering and ContinueServiceDeployment
 * ------------------------------------------------------ */

void sim_strategy_render(struct sim *s, struct sim_service *svc, struct sim_sdep *x, json_t *o)
{
	(void)svc;
	json_t *dc = json_object_get(o, "deploymentConfiguration");
	const char *k;
	json_t *v;
	if (dc && x->dc)
		json_object_foreach(x->dc, k, v) json_object_set_new(dc, k, json_deep_copy(v));
	if (x->bg && x->stage >= 0 &&
	    (x->status == SIM_SD_IN_PROGRESS || x->status == SIM_SD_STOP_REQUESTED))
		json_object_set_new(o, "lifecycleStage", json_string(s_stage[x->stage]));
	json_t *hooks = json_array(), *d;
	size_t i;
	json_array_foreach(x->hook_details, i, d)
	{
		json_t *c = json_object();
		json_object_foreach(d, k, v) if (k[0] != '_') json_object_set_new(c, k, json_deep_copy(v));
		json_array_append_new(hooks, c);
	}
	if (json_array_size(hooks))
		json_object_set_new(o, "lifecycleHookDetails", hooks);
	else
		json_decref(hooks);
	json_t *a = json_object_get(x->dc, "alarms");
	if (a) {
		int active = x->status == SIM_SD_IN_PROGRESS || x->status == SIM_SD_PENDING;
		const char *st = !json_is_true(json_object_get(a, "enable")) ? "DISABLED"
				 : json_array_size(x->triggered)	     ? "TRIGGERED"
				 : active				     ? "MONITORING"
					  : "MONITORING_COMPLETE";
		/* copies: the answer is written out after the lock is let go */
		json_object_set_new(o, "alarms",
				    json_pack("{s:s,s:o,s:o}", "status", st, "alarmNames",
					      json_deep_copy(json_object_get(a, "alarmNames")),
					      "triggeredAlarmNames", json_deep_copy(x->triggered)));
	}
	if (!x->bg)
		return;
	/* requestedProductionTrafficWeight / requestedTestTrafficWeight (ServiceRevisionSummary) */
	json_t *tgt = json_object_get(o, "targetServiceRevision");
	json_object_set_new(tgt, "requestedProductionTrafficWeight", json_real(x->prod_pct));
	json_object_set_new(tgt, "requestedTestTrafficWeight", json_real(x->test_pct));
	json_array_foreach(json_object_get(o, "sourceServiceRevisions"), i, d)
	{
		json_object_set_new(d, "requestedProductionTrafficWeight",
				    json_real(100 - x->prod_pct));
		json_object_set_new(d, "requestedTestTrafficWeight", json_real(100 - x->test_pct));
	}
	(void)s;
}

int sim_strategy_continue(struct sim *s, struct sim_service *svc, struct sim_sdep *x,
			  const char *id, const char *action, struct sim_apierr *e)
{
	json_t *d, *hit = NULL;
	size_t i;
	json_array_foreach(
	    x->hook_details, i,
	    d) if (strcmp(json_string_value(json_object_get(d, "hookId")) ?: "", id) == 0) hit = d;
	if (!hit)
		return sim_err(
		    e, IPE, "The lifecycle hook '%s' was not found in the service deployment.", id);
	const char *st = json_string_value(json_object_get(hit, "status")) ?: "";
	/* "The pause hook must be in AWAITING_ACTION status ... The deployment must be in the
	 * IN_PROGRESS state." (continue-service-deployment.html) */
	if (strcmp(st, "AWAITING_ACTION") != 0)
		return sim_err(e, "ClientException",
			       "The lifecycle hook '%s' is %s, not AWAITING_ACTION.", id, st);
	if (x->status != SIM_SD_IN_PROGRESS)
		return sim_err(e, "ClientException",
			       "The service deployment is %s, not IN_PROGRESS.",
			       sim_sdep_status_name(x->status));
	struct sim_deployment *p = NULL;
	for (struct sim_deployment *q = svc->deployments; q; q = q->next)
		if (strcmp(q->id, x->target_dep) == 0)
			p = q;
	if (!p)
		return sim_err(e, "ClientException", "The service deployment can't be continued.");
	x->updated_at = s->now;
	if (strcmp(action, "ROLLBACK") == 0) {
		char why[300];
		json_object_set_new(hit, "status", json_string("FAILED"));
		snprintf(why, sizeof(why),
			 "Service deployment rolled back because of a ROLLBACK action on the "
			 "lifecycle hook %s at %s.",
			 id, json_string_value(json_object_get(hit, "_stage")) ?: "");
		bg_fail(s, svc, p, why, 1);
	} else {
		json_object_set_new(hit, "status", json_string("SUCCEEDED"));
	}
	sim_reconcile(s, svc);
	return 0;
}
