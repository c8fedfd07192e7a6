/*
 * strategy.c: the service definition's deployment strategy (BLUE_GREEN, LINEAR, CANARY) checked
 * before any change (strategy.h). Limits: botocore's ECS model (DeploymentLifecycleHookDuration
 * 1-20160) and the API reference (API_DeploymentConfiguration, API_LinearConfiguration,
 * API_CanaryConfiguration, API_AdvancedConfiguration); the developer guide's
 * deployment-type-blue-green.html for the load balancer resources. Depends on jansson and diag.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ecship/strategy.h"

#define BAKE_MAX 1440	       /* minutes: bake times, step and canary bake times */
#define HOOK_TIMEOUT_MAX 20160 /* minutes: DeploymentLifecycleHookDuration */

struct sctx {
	struct ship_diags *d;
	const char *file;
	size_t errors;
};

static void serr(struct sctx *s, const char *hint, const char *fmt, ...) SHIP_PRINTF(3, 4);
static void serr(struct sctx *s, const char *hint, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ship_diags_add(s->d, SHIP_SEV_ERROR, s->file, 0, 0, hint, "service definition: %s", msg);
	s->errors++;
}

const char *ship_strategy_of(const json_t *svc)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(svc, "deploymentConfiguration"), "strategy"));
	return s ? s : "ROLLING";
}

int ship_strategy_shifts_traffic(const char *strategy)
{
	return strategy && (!strcmp(strategy, "BLUE_GREEN") || !strcmp(strategy, "LINEAR") ||
			    !strcmp(strategy, "CANARY"));
}

/* minutes in 0..BAKE_MAX, when present */
static void check_minutes(struct sctx *s, const json_t *v, const char *what)
{
	if (!v)
		return;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > BAKE_MAX)
		serr(s, "write whole minutes from 0 to 1440 (24 hours)",
		     "%s must be 0 to 1440 minutes", what);
}

/* a percentage in lo..100.0, a multiple of 0.1, when present */
static void check_percent(struct sctx *s, const json_t *v, double lo, const char *what)
{
	if (!v)
		return;
	double x = json_number_value(v);
	double tenths = x * 10.0;
	char hint[160];
	snprintf(hint, sizeof(hint), "write a multiple of 0.1 from %.1f to 100.0", lo);
	if (!json_is_number(v) || x < lo - 1e-9 || x > 100.0 + 1e-9 ||
	    fabs(tenths - round(tenths)) > 1e-6)
		serr(s, hint, "%s must be a multiple of 0.1 from %.1f to 100.0", what, lo);
}

static void check_lb(struct sctx *s, size_t i, const json_t *lb)
{
	const json_t *ac = json_object_get(lb, "advancedConfiguration");
	const char *tg = json_string_value(json_object_get(lb, "targetGroupArn"));
	if (!json_object_get(lb, "targetGroupArn"))
		return; /* Service Connect or a classic load balancer: not for traffic shifting */
	if (!json_is_object(ac)) {
		serr(s,
		     "add \"advancedConfiguration\": {\"alternateTargetGroupArn\": ..., "
		     "\"productionListenerRule\": ..., \"roleArn\": ...} (docs/strategies.md)",
		     "loadBalancers[%zu] has no advancedConfiguration, which a %s deployment "
		     "needs to shift traffic",
		     i, "blue/green, linear or canary");
		return;
	}
	static const struct {
		const char *key, *hint;
	} need[] = {
	    {"alternateTargetGroupArn",
	     "name the second target group, e.g. \"${cfn:AlternateTargetGroupArn}\""},
	    {"productionListenerRule",
	     "name the listener rule that carries production traffic, e.g. "
	     "\"${cfn:ProductionListenerRuleArn}\""},
	    {"roleArn", "name the ECS infrastructure role that may change the listener rules, e.g. "
			"\"${cfn:EcsInfrastructureRoleArn}\""},
	};
	for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++) {
		const char *v = json_string_value(json_object_get(ac, need[k].key));
		if (!v || !*v)
			serr(s, need[k].hint, "loadBalancers[%zu].advancedConfiguration has no %s",
			     i, need[k].key);
	}
	const char *alt = json_string_value(json_object_get(ac, "alternateTargetGroupArn"));
	if (alt && tg && !strcmp(alt, tg))
		serr(s,
		     "give the alternate (green) target group its own target group; ECS moves "
		     "traffic between the two",
		     "loadBalancers[%zu]: alternateTargetGroupArn is the production target group",
		     i);
	const char *prod = json_string_value(json_object_get(ac, "productionListenerRule"));
	const char *test = json_string_value(json_object_get(ac, "testListenerRule"));
	if (prod && test && !strcmp(prod, test))
		serr(s,
		     "use a separate rule (or listener) for test traffic, or leave "
		     "testListenerRule out",
		     "loadBalancers[%zu]: testListenerRule is the production listener rule", i);
}

static void check_hooks(struct sctx *s, const json_t *hooks, int shifts)
{
	json_t *h;
	size_t i;
	if (!hooks)
		return;
	if (json_array_size(hooks) && !shifts)
		serr(s,
		     "set \"strategy\" to BLUE_GREEN, LINEAR or CANARY, or remove lifecycleHooks",
		     "lifecycleHooks run only in blue/green, linear and canary deployments");
	json_array_foreach(hooks, i, h)
	{
		const char *type = json_string_value(json_object_get(h, "targetType"));
		int pause = type && !strcmp(type, "PAUSE");
		json_t *st = json_object_get(h, "lifecycleStages");
		if (!json_is_array(st) || !json_array_size(st))
			serr(s,
			     "add \"lifecycleStages\": [\"POST_TEST_TRAFFIC_SHIFT\"] (the stages "
			     "to stop at)",
			     "lifecycleHooks[%zu] names no lifecycleStages", i);
		if (pause && json_object_get(h, "hookTargetArn"))
			serr(s, "remove hookTargetArn: a PAUSE hook waits for 'ecship approve'",
			     "lifecycleHooks[%zu] is a PAUSE hook with a hookTargetArn", i);
		if (!pause && !json_string_value(json_object_get(h, "hookTargetArn")))
			serr(s,
			     "name the Lambda function (hookTargetArn), or set \"targetType\": "
			     "\"PAUSE\" to wait for 'ecship approve'",
			     "lifecycleHooks[%zu] is a Lambda hook without hookTargetArn", i);
		if (!pause && !json_string_value(json_object_get(h, "roleArn")))
			serr(s, "name the role that lets ECS invoke the function (roleArn)",
			     "lifecycleHooks[%zu] is a Lambda hook without roleArn", i);
		json_t *tm =
		    json_object_get(json_object_get(h, "timeoutConfiguration"), "timeoutInMinutes");
		if (tm && (!json_is_integer(tm) || json_integer_value(tm) < 1 ||
			   json_integer_value(tm) > HOOK_TIMEOUT_MAX))
			serr(s, "write whole minutes from 1 to 20160 (14 days)",
			     "lifecycleHooks[%zu].timeoutConfiguration.timeoutInMinutes must be 1 "
			     "to "
			     "20160",
			     i);
	}
}

size_t ship_strategy_validate(const json_t *svc, const char *file, struct ship_diags *d)
{
	struct sctx s = {d, file, 0};
	const json_t *dc = json_object_get(svc, "deploymentConfiguration");
	if (!json_is_object(svc) || !json_is_object(dc))
		return 0;
	const char *strategy = ship_strategy_of(svc);
	int shifts = ship_strategy_shifts_traffic(strategy);
	if (shifts) {
		const char *ctl = json_string_value(
		    json_object_get(json_object_get(svc, "deploymentController"), "type"));
		if (ctl && strcmp(ctl, "ECS"))
			serr(&s,
			     "remove deploymentController (ECS is the default) or set its type to "
			     "\"ECS\"; CodeDeploy's blue/green is another mechanism",
			     "strategy %s needs the ECS deployment controller, not %s", strategy,
			     ctl);
		json_t *lbs = json_object_get(svc, "loadBalancers"), *lb;
		size_t i;
		json_array_foreach(lbs, i, lb) check_lb(&s, i, lb);
		if (!json_array_size(lbs) && !json_object_get(svc, "serviceConnectConfiguration"))
			serr(&s,
			     "add a load balancer with advancedConfiguration (or Service Connect): "
			     "ECS shifts traffic through one of them",
			     "strategy %s needs a load balancer or Service Connect", strategy);
	}
	check_minutes(&s, json_object_get(dc, "bakeTimeInMinutes"),
		      "deploymentConfiguration.bakeTimeInMinutes");
	/* API_DeploymentConfiguration: "You must provide this parameter when you use the
	 * BLUE_GREEN deployment strategy" */
	if (!strcmp(strategy, "BLUE_GREEN") && !json_object_get(dc, "bakeTimeInMinutes"))
		serr(&s,
		     "add \"bakeTimeInMinutes\": how long blue stays beside green after the switch "
		     "(0 to 1440)",
		     "strategy BLUE_GREEN needs deploymentConfiguration.bakeTimeInMinutes");
	const json_t *lin = json_object_get(dc, "linearConfiguration");
	const json_t *can = json_object_get(dc, "canaryConfiguration");
	if (lin && strcmp(strategy, "LINEAR"))
		serr(&s, "set \"strategy\": \"LINEAR\", or remove linearConfiguration",
		     "linearConfiguration is only for strategy LINEAR, not %s", strategy);
	if (can && strcmp(strategy, "CANARY"))
		serr(&s, "set \"strategy\": \"CANARY\", or remove canaryConfiguration",
		     "canaryConfiguration is only for strategy CANARY, not %s", strategy);
	check_percent(&s, json_object_get(lin, "stepPercent"), 3.0,
		      "linearConfiguration.stepPercent");
	check_minutes(&s, json_object_get(lin, "stepBakeTimeInMinutes"),
		      "linearConfiguration.stepBakeTimeInMinutes");
	check_percent(&s, json_object_get(can, "canaryPercent"), 0.1,
		      "canaryConfiguration.canaryPercent");
	check_minutes(&s, json_object_get(can, "canaryBakeTimeInMinutes"),
		      "canaryConfiguration.canaryBakeTimeInMinutes");
	check_hooks(&s, json_object_get(dc, "lifecycleHooks"), shifts);
	const json_t *al = json_object_get(dc, "alarms");
	if (json_is_true(json_object_get(al, "enable")) &&
	    !json_array_size(json_object_get(al, "alarmNames")))
		serr(&s,
		     "list the CloudWatch alarms to follow in \"alarmNames\", or disable alarms",
		     "deploymentConfiguration.alarms is enabled but names no alarm");
	return s.errors;
}
