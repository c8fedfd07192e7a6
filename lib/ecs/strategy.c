/*
 * strategy.c: what blue/green, linear and canary deployments need outside ECS (target groups,
 * listener rules and listeners in ELBv2, the infrastructure role in IAM, alarms in CloudWatch),
 * and what a service deployment says about its lifecycle: stage, traffic split, a PAUSE hook
 * awaiting ContinueServiceDeployment, triggered alarms (strategy.h). Shapes: botocore's ECS
 * model (ServiceDeployment, DeploymentLifecycleHookDetail, ContinueServiceDeployment); the
 * resources: ECS developer guide, deployment-type-blue-green.html. Over ship_aws_*; never prints.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/i18n.h"
#include "ecship/strategy.h"
#include "ecship/xml.h"

/* ---- the lifecycle ------------------------------------------------------------------------- */

static const struct {
	const char *stage, *words;
} s_stages[] = {
    {"RECONCILE_SERVICE", N_("reconciling the service's active revisions")},
    {"PRE_SCALE_UP", N_("before the green revision starts")},
    {"SCALE_UP", N_("green revision scaling up")},
    {"POST_SCALE_UP", N_("green revision started, no traffic yet")},
    {"TEST_TRAFFIC_SHIFT", N_("test traffic moving to green")},
    {"POST_TEST_TRAFFIC_SHIFT", N_("test traffic on green")},
    {"PRODUCTION_TRAFFIC_SHIFT", N_("production traffic moving to green")},
    {"POST_PRODUCTION_TRAFFIC_SHIFT", N_("production traffic on green")},
    {"BAKE_TIME", N_("both revisions kept while green bakes")},
    {"CLEAN_UP", N_("blue revision scaling down")},
};

const char *ship_sdep_stage_words(const char *stage)
{
	for (size_t i = 0; stage && i < sizeof(s_stages) / sizeof(s_stages[0]); i++)
		if (!strcmp(stage, s_stages[i].stage))
			return s_stages[i].words;
	return NULL;
}

static void copy(char *dst, size_t n, const json_t *v)
{
	snprintf(dst, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static void hook_parse(const json_t *h, struct ship_sdep_hook *out)
{
	memset(out, 0, sizeof(*out));
	copy(out->id, sizeof(out->id), json_object_get(h, "hookId"));
	copy(out->type, sizeof(out->type), json_object_get(h, "targetType"));
	copy(out->status, sizeof(out->status), json_object_get(h, "status"));
	copy(out->timeout_action, sizeof(out->timeout_action), json_object_get(h, "timeoutAction"));
	json_t *e = json_object_get(h, "expiresAt");
	out->expires_at = json_is_number(e) ? json_number_value(e) : 0;
}

/* a PAUSE hook that waits for ContinueServiceDeployment */
static int hook_awaits(const struct ship_sdep_hook *h)
{
	return !strcmp(h->type, "PAUSE") && !strcmp(h->status, "AWAITING_ACTION") && h->id[0];
}

void ship_sdep_stage_parse(const json_t *sd, struct ship_sdep_stage *out)
{
	memset(out, 0, sizeof(*out));
	const json_t *dc = json_object_get(sd, "deploymentConfiguration");
	const json_t *tgt = json_object_get(sd, "targetServiceRevision");
	copy(out->strategy, sizeof(out->strategy), json_object_get(dc, "strategy"));
	copy(out->stage, sizeof(out->stage), json_object_get(sd, "lifecycleStage"));
	json_t *w = json_object_get(tgt, "requestedProductionTrafficWeight");
	out->prod_weight = json_is_number(w) ? json_number_value(w) : -1;
	w = json_object_get(tgt, "requestedTestTrafficWeight");
	out->test_weight = json_is_number(w) ? json_number_value(w) : -1;
	w = json_object_get(dc, "bakeTimeInMinutes");
	out->bake_minutes = json_is_integer(w) ? (long)json_integer_value(w) : -1;
	json_t *h;
	size_t i;
	json_array_foreach(json_object_get(sd, "lifecycleHookDetails"), i, h)
	{
		struct ship_sdep_hook hk;
		hook_parse(h, &hk);
		if (hook_awaits(&hk) && !out->paused) {
			out->hook = hk;
			out->paused = 1;
		}
	}
	const json_t *al = json_object_get(sd, "alarms");
	copy(out->alarms_status, sizeof(out->alarms_status), json_object_get(al, "status"));
	json_t *n;
	json_array_foreach(json_object_get(al, "triggeredAlarmNames"), i, n)
	{
		size_t len = strlen(out->triggered);
		if (json_is_string(n))
			snprintf(out->triggered + len, sizeof(out->triggered) - len, "%s%s",
				 len ? ", " : "", json_string_value(n));
	}
}

int ship_sdep_find_pause(const json_t *sd, struct ship_sdep_hook *hook, struct ship_err *err)
{
	if (!json_is_object(sd) || !json_is_string(json_object_get(sd, "serviceDeploymentArn")))
		return ship_err_set(err, SHIP_ERR_PROTOCOL, "not a service deployment");
	struct ship_sdep_stage st;
	ship_sdep_stage_parse(sd, &st);
	if (st.paused) {
		*hook = st.hook;
		return 0;
	}
	const char *status = json_string_value(json_object_get(sd, "status"));
	ship_err_set(
	    err, SHIP_ERR_INPUT, "service deployment %s is %s%s%s and waits at no PAUSE hook",
	    json_string_value(json_object_get(sd, "serviceDeploymentArn")),
	    status ? status : "of unknown status", st.stage[0] ? " at stage " : "", st.stage);
	return 1;
}

int ship_ecs_sdep_raw(struct ship_aws *aws, const char *arn, const struct ship_call_opts *call,
		      json_t **sd, struct ship_err *err)
{
	json_t *resp = NULL;
	json_t *req = json_pack("{s:[s]}", "serviceDeploymentArns", arn);
	*sd = NULL;
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r =
	    ship_aws_json(aws, SHIP_SVC_ECS, "DescribeServiceDeployments", req, &resp, call, err);
	json_decref(req);
	if (r)
		return -1;
	json_t *first = json_array_get(json_object_get(resp, "serviceDeployments"), 0);
	if (first)
		*sd = json_incref(first);
	json_decref(resp);
	return *sd ? 0 : 1;
}

json_t *ship_sdep_continue_request(const char *arn, const char *hook_id, const char *action)
{
	if (!arn || !hook_id || !action ||
	    (strcmp(action, "CONTINUE") && strcmp(action, "ROLLBACK")))
		return NULL;
	return json_pack("{s:s, s:s, s:s}", "serviceDeploymentArn", arn, "hookId", hook_id,
			 "action", action);
}

int ship_ecs_sdep_continue(struct ship_aws *aws, const char *arn, const char *hook_id,
			   const char *action, struct ship_err *err)
{
	json_t *resp = NULL, *req = ship_sdep_continue_request(arn, hook_id, action);
	if (!req)
		return ship_err_set(err, SHIP_ERR_INTERNAL,
				    "cannot build ContinueServiceDeployment");
	int r =
	    ship_aws_json(aws, SHIP_SVC_ECS, "ContinueServiceDeployment", req, &resp, NULL, err);
	json_decref(req);
	json_decref(resp);
	return r ? -1 : 0;
}

int ship_ecs_sdep_answer_pause(struct ship_aws *aws, const char *arn, const char *hook_id,
			       const char *action, struct ship_sdep_stage *st, struct ship_err *err)
{
	json_t *sd = NULL;
	int r = ship_ecs_sdep_raw(aws, arn, NULL, &sd, err);
	if (r > 0)
		ship_err_set(err, SHIP_ERR_INPUT, "ECS knows no service deployment %s", arn);
	if (r)
		return r < 0 ? -1 : 1;
	ship_sdep_stage_parse(sd, st);
	struct ship_sdep_hook h;
	r = ship_sdep_find_pause(sd, &h, err);
	json_decref(sd);
	if (r)
		return r;
	if (hook_id && strcmp(hook_id, h.id)) {
		ship_err_set(err, SHIP_ERR_INPUT, "service deployment %s waits at hook %s, not %s",
			     arn, h.id, hook_id);
		return 1;
	}
	return ship_ecs_sdep_continue(aws, arn, h.id, action, err);
}

/* ---- CloudWatch alarms ---------------------------------------------------------------------- */

int ship_alarms_describe(struct ship_aws *aws, const char *const *names, size_t n,
			 struct ship_alarm_state *out, struct ship_err *err)
{
	struct ship_params p = {0};
	xmlDoc *doc = NULL;
	if (n > 100)
		return ship_err_set(err, SHIP_ERR_INPUT, "more than 100 alarms");
	if (n == 0)
		return 0; /* no names would ask for every alarm */
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		snprintf(out[i].name, sizeof(out[i].name), "%s", names[i]);
		if (ship_params_addf(&p, names[i], "AlarmNames.member.%zu", i + 1)) {
			ship_params_release(&p);
			return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		}
	}
	int r = ship_aws_query(aws, SHIP_SVC_CLOUDWATCH, "DescribeAlarms", &p, &doc, NULL, err);
	ship_params_release(&p);
	if (r)
		return -1;
	static const char *const lists[] = {"DescribeAlarmsResult/MetricAlarms",
					    "DescribeAlarmsResult/CompositeAlarms"};
	for (size_t l = 0; l < 2; l++) {
		xmlNode *list = ship_xml_path(ship_xml_root(doc), lists[l]);
		for (xmlNode *m = ship_xml_first_item(list); m; m = ship_xml_next_item(m)) {
			char name[256];
			ship_xml_path_copy(m, "AlarmName", name, sizeof(name));
			for (size_t i = 0; i < n; i++)
				if (!strcmp(out[i].name, name)) {
					ship_xml_path_copy(m, "StateValue", out[i].state,
							   sizeof(out[i].state));
					ship_xml_path_copy(m, "StateReason", out[i].reason,
							   sizeof(out[i].reason));
				}
		}
	}
	xmlFreeDoc(doc);
	return 0;
}

/* ---- prerequisites -------------------------------------------------------------------------- */

struct pctx {
	struct ship_aws *aws;
	struct ship_diags *d;
	const char *file;
	int errors;
	struct ship_err *err;
	int failed;
};

static void perr(struct pctx *c, const char *hint, const char *fmt, ...) SHIP_PRINTF(3, 4);
static void perr(struct pctx *c, const char *hint, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ship_diags_add(c->d, SHIP_SEV_ERROR, c->file, 0, 0, hint, "service definition: %s", msg);
	c->errors++;
}

/* AccessDenied and its kin: the deployer may not read this; the check is skipped with a warning
 * (ECS itself still refuses what is wrong), never a failed deploy. */
static int denied(const struct ship_err *e)
{
	return e->code == SHIP_ERR_AWS && (!strcmp(e->aws_code, "AccessDenied") ||
					   !strcmp(e->aws_code, "AccessDeniedException") ||
					   !strcmp(e->aws_code, "UnauthorizedOperation"));
}

static void pwarn_denied(struct pctx *c, const char *action, const struct ship_err *e)
{
	ship_diags_add(
	    c->d, SHIP_SEV_WARNING, c->file, 0, 0,
	    "allow it to the deployer (docs/strategies.md lists the actions), or ignore: "
	    "ECS refuses what is missing when the service changes",
	    "service definition: cannot check with %s: %s", action, e->message);
}

/* One Query call with one ARN parameter: 0 and *doc, 1 when the answer is the not-found code,
 * 2 when the deployer may not ask (a warning added), -1 on another error (c->failed). */
static int query1(struct pctx *c, enum ship_service svc, const char *action, const char *param,
		  const char *value, const char *notfound, xmlDoc **doc)
{
	struct ship_params p = {0};
	struct ship_err e = SHIP_ERR_INIT;
	*doc = NULL;
	if (ship_params_add(&p, param, value)) {
		ship_params_release(&p);
		ship_err_set(c->err, SHIP_ERR_NOMEM, "out of memory");
		c->failed = 1;
		return -1;
	}
	int r = ship_aws_query(c->aws, svc, action, &p, doc, NULL, &e);
	ship_params_release(&p);
	if (!r)
		return 0;
	/* ELBv2 answers a malformed ARN with ValidationError: the thing does not exist either */
	if (e.code == SHIP_ERR_AWS &&
	    (!strcmp(e.aws_code, notfound) || !strcmp(e.aws_code, "ValidationError")))
		return 1;
	if (denied(&e)) {
		pwarn_denied(c, action, &e);
		return 2;
	}
	*c->err = e;
	c->failed = 1;
	return -1;
}

/* The load balancers a target group is attached to (first one into lb, "" when none). */
static int target_group(struct pctx *c, const char *where, const char *arn, char *lb, size_t n)
{
	xmlDoc *doc;
	lb[0] = '\0';
	int r = query1(c, SHIP_SVC_ELBV2, "DescribeTargetGroups", "TargetGroupArns.member.1", arn,
		       "TargetGroupNotFound", &doc);
	if (r == 1)
		perr(c, "create it (the base stack's AlternateTargetGroup) or fix the ARN",
		     "%s: target group %s does not exist", where, arn);
	if (r)
		return r < 0 ? r : 1;
	xmlNode *tg = ship_xml_first_item(
	    ship_xml_path(ship_xml_root(doc), "DescribeTargetGroupsResult/TargetGroups"));
	xmlNode *l = ship_xml_first_item(ship_xml_path(tg, "LoadBalancerArns"));
	if (l) {
		char *t = ship_xml_text(l);
		snprintf(lb, n, "%s", t ? t : "");
		ship_free(t);
	}
	xmlFreeDoc(doc);
	return 0;
}

/* The listener of a listener rule (or the listener itself for a Network Load Balancer), and its
 * load balancer. */
static int rule_lb(struct pctx *c, const char *where, const char *arn, char *lb, size_t n)
{
	char listener[600];
	xmlDoc *doc;
	lb[0] = '\0';
	const char *lr = strstr(arn, ":listener-rule/");
	if (lr) {
		int r = query1(c, SHIP_SVC_ELBV2, "DescribeRules", "RuleArns.member.1", arn,
			       "RuleNotFound", &doc);
		if (r == 1)
			perr(c,
			     "create the rule (the base stack's ProductionListenerRule) or fix the "
			     "ARN",
			     "%s: listener rule %s does not exist", where, arn);
		if (r)
			return r < 0 ? r : 1;
		xmlFreeDoc(doc);
		/* arn:...:listener-rule/app/NAME/LB-ID/LISTENER-ID/RULE-ID is a rule of
		 * arn:...:listener/app/NAME/LB-ID/LISTENER-ID */
		const char *last = strrchr(arn, '/');
		snprintf(listener, sizeof(listener), "%.*s:listener/%.*s", (int)(lr - arn), arn,
			 (int)(last - (lr + 15)), lr + 15);
	} else {
		snprintf(listener, sizeof(listener), "%s", arn);
	}
	int r = query1(c, SHIP_SVC_ELBV2, "DescribeListeners", "ListenerArns.member.1", listener,
		       "ListenerNotFound", &doc);
	if (r == 1)
		perr(c, "fix the ARN: it names a listener rule (or an NLB listener)",
		     "%s: listener %s does not exist", where, listener);
	if (r)
		return r < 0 ? r : 1;
	ship_xml_path_copy(ship_xml_first_item(ship_xml_path(ship_xml_root(doc),
							     "DescribeListenersResult/Listeners")),
			   "LoadBalancerArn", lb, n);
	xmlFreeDoc(doc);
	return 0;
}

static void check_lb(struct pctx *c, size_t i, const json_t *lb)
{
	const json_t *ac = json_object_get(lb, "advancedConfiguration");
	const char *tg = json_string_value(json_object_get(lb, "targetGroupArn"));
	const char *alt = json_string_value(json_object_get(ac, "alternateTargetGroupArn"));
	const char *rules[2] = {json_string_value(json_object_get(ac, "productionListenerRule")),
				json_string_value(json_object_get(ac, "testListenerRule"))};
	static const char *const rule_keys[2] = {"productionListenerRule", "testListenerRule"};
	char where[128], lb1[600] = "", lb2[600] = "", lbr[600];
	snprintf(where, sizeof(where), "loadBalancers[%zu]", i);
	if (!json_is_object(ac))
		return;
	if (tg && target_group(c, where, tg, lb1, sizeof(lb1)) < 0)
		return;
	if (alt && target_group(c, where, alt, lb2, sizeof(lb2)) < 0)
		return;
	const char *owner = lb1[0] ? lb1 : lb2;
	for (int k = 0; k < 2; k++) {
		if (!rules[k])
			continue;
		char w[160];
		snprintf(w, sizeof(w), "%s.advancedConfiguration.%s", where, rule_keys[k]);
		int r = rule_lb(c, w, rules[k], lbr, sizeof(lbr));
		if (r < 0)
			return;
		if (r == 0 && owner[0] && lbr[0] && strcmp(owner, lbr))
			perr(
			    c,
			    "use a rule of the listener on the load balancer the target groups are "
			    "attached to",
			    "%s: the rule's load balancer %s is not the target groups' %s", w, lbr,
			    owner);
	}
	if (lb1[0] && lb2[0] && strcmp(lb1, lb2))
		perr(c, "attach both target groups to the same load balancer",
		     "%s: the target group is on %s but the alternate one on %s", where, lb1, lb2);
	const char *role = json_string_value(json_object_get(ac, "roleArn"));
	if (role) {
		const char *slash = strrchr(role, '/');
		xmlDoc *doc;
		int r = query1(c, SHIP_SVC_IAM, "GetRole", "RoleName", slash ? slash + 1 : role,
			       "NoSuchEntity", &doc);
		if (r == 1)
			perr(c,
			     "create the role (the base stack's EcsInfrastructureRole) with the "
			     "AmazonECSInfrastructureRolePolicyForLoadBalancers policy",
			     "%s.advancedConfiguration.roleArn: role %s does not exist", where,
			     role);
		xmlFreeDoc(doc);
	}
}

int ship_strategy_check_prereqs(struct ship_aws *aws, const json_t *svc, const char *file,
				struct ship_diags *d, struct ship_err *err)
{
	struct pctx c = {aws, d, file, 0, err, 0};
	json_t *lb;
	size_t i;
	json_array_foreach(json_object_get(svc, "loadBalancers"), i, lb)
	{
		check_lb(&c, i, lb);
		if (c.failed)
			return -1;
	}
	const json_t *al =
	    json_object_get(json_object_get(svc, "deploymentConfiguration"), "alarms");
	const json_t *names = json_object_get(al, "alarmNames");
	if (json_is_true(json_object_get(al, "enable")) && json_array_size(names)) {
		const char *v[100];
		struct ship_alarm_state st[100];
		size_t n = 0;
		json_t *x;
		json_array_foreach(names, i, x) if (json_is_string(x) && n < 100) v[n++] =
		    json_string_value(x);
		struct ship_err e = SHIP_ERR_INIT;
		if (ship_alarms_describe(aws, v, n, st, &e)) {
			if (!denied(&e)) {
				*err = e;
				return -1;
			}
			pwarn_denied(&c, "DescribeAlarms", &e);
			return c.errors;
		}
		for (i = 0; i < n; i++)
			if (!st[i].state[0])
				perr(&c, "create the alarm in CloudWatch, or fix its name",
				     "deploymentConfiguration.alarms: alarm '%s' does not exist",
				     st[i].name);
	}
	return c.errors;
}

/* ---- following the lifecycle ---------------------------------------------------------------- */

void ship_lifecycle_watch_init(struct ship_lifecycle_watch *w, struct ship_aws *aws,
			       const struct ship_call_opts *call, const char *arn,
			       ship_wait_done_fn inner, void *inner_ctx)
{
	memset(w, 0, sizeof(*w));
	w->aws = aws;
	w->call = call;
	snprintf(w->arn, sizeof(w->arn), "%s", arn ? arn : "");
	w->inner = inner;
	w->inner_ctx = inner_ctx;
	w->prod_noted = w->test_noted = -2;
}

static void wnote(struct ship_lifecycle_watch *w, const char *fmt, ...) SHIP_PRINTF(2, 3);
static void wnote(struct ship_lifecycle_watch *w, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!w->on_note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->on_note(w->note_ctx, msg);
}

/* The alarms ECS names as triggered, else those of the deployment's configuration, read from
 * CloudWatch: the ones in ALARM with their reason. */
static void read_alarms(struct ship_lifecycle_watch *w, const json_t *sd)
{
	const char *names[100];
	struct ship_alarm_state st[100];
	size_t n = 0, i;
	json_t *x;
	const json_t *al = json_object_get(sd, "alarms");
	const json_t *list = json_object_get(al, "triggeredAlarmNames");
	if (!json_array_size(list))
		list = json_object_get(
		    json_object_get(json_object_get(sd, "deploymentConfiguration"), "alarms"),
		    "alarmNames");
	json_array_foreach(list, i, x) if (json_is_string(x) && n < 100) names[n++] =
	    json_string_value(x);
	struct ship_err e = SHIP_ERR_INIT;
	if (!n || ship_alarms_describe(w->aws, names, n, st, &e))
		return;
	w->alarm_reason[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t len = strlen(w->alarm_reason);
		if (strcmp(st[i].state, "ALARM"))
			continue;
		snprintf(w->alarm_reason + len, sizeof(w->alarm_reason) - len,
			 "%salarm '%s' is in ALARM: %s", len ? "; " : "", st[i].name,
			 st[i].reason[0] ? st[i].reason : "(no reason given)");
	}
}

static const char *status_of(const json_t *sd)
{
	return json_string_value(json_object_get(sd, "status"));
}

int ship_wait_lifecycle_done(void *ctx, const struct ship_service_view *v)
{
	struct ship_lifecycle_watch *w = ctx;
	int done = w->inner ? w->inner(w->inner_ctx, v) : 0;
	json_t *sd = NULL;
	struct ship_err e = SHIP_ERR_INIT;
	if (!w->arn[0] || ship_ecs_sdep_raw(w->aws, w->arn, w->call, &sd, &e))
		return done;
	struct ship_sdep_stage st;
	ship_sdep_stage_parse(sd, &st);
	const struct ship_clock *clk = ship_aws_clock(w->aws);
	double now = clk->now(clk->ctx);
	int new_stage = st.stage[0] && (!w->seen || strcmp(st.stage, w->last.stage)) &&
			(!status_of(sd) || !strcmp(status_of(sd), "PENDING") ||
			 !strcmp(status_of(sd), "IN_PROGRESS"));
	if (new_stage) {
		size_t len = strlen(w->stages);
		snprintf(w->stages + len, sizeof(w->stages) - len, "%s%s", len ? " > " : "",
			 st.stage);
		if (!strcmp(st.stage, "BAKE_TIME"))
			w->bake_since = now;
	}
	/* the stages of the deployment itself: not those a rollback goes through */
	int under_way = !status_of(sd) || !strcmp(status_of(sd), "PENDING") ||
			!strcmp(status_of(sd), "IN_PROGRESS");
	if (st.stage[0] && under_way)
		snprintf(w->where, sizeof(w->where), "%s", st.stage);
	if (st.stage[0] && under_way &&
	    (new_stage || st.prod_weight != w->prod_noted || st.test_weight != w->test_noted)) {
		const char *words = ship_sdep_stage_words(st.stage);
		if (st.prod_weight >= 0 || st.test_weight >= 0)
			wnote(
			    w,
			    _("stage %s%s%s%s: production %.1f%%, test %.1f%% on the new revision"),
			    st.stage, words ? " (" : "", words ? _(words) : "", words ? ")" : "",
			    st.prod_weight >= 0 ? st.prod_weight : 0.0,
			    st.test_weight >= 0 ? st.test_weight : 0.0);
		else
			wnote(w, _("stage %s%s%s%s"), st.stage, words ? " (" : "",
			      words ? _(words) : "", words ? ")" : "");
		w->prod_noted = st.prod_weight;
		w->test_noted = st.test_weight;
	}
	if (!strcmp(st.stage, "BAKE_TIME") && st.bake_minutes > 0 && w->bake_since > 0 &&
	    now - w->bake_noted >= 60) {
		double left = st.bake_minutes * 60.0 - (now - w->bake_since);
		if (left > 0)
			wnote(w,
			      _("baking: %.0f s of %ld min left before ECS removes the blue "
				"revision"),
			      left, st.bake_minutes);
		w->bake_noted = now;
	}
	if (st.paused && !w->wait_approval && !(w->seen && w->last.paused)) {
		w->paused = 1;
		done = 1;
	}
	const char *status = json_string_value(json_object_get(sd, "status"));
	const char *why = json_string_value(json_object_get(sd, "statusReason"));
	snprintf(w->status, sizeof(w->status), "%s", status ? status : "");
	snprintf(w->reason, sizeof(w->reason), "%s", why ? why : "");
	w->final = status && strcmp(status, "PENDING") && strcmp(status, "IN_PROGRESS");
	if (!w->paused)
		done = w->final; /* ECS's record says when it is over: SUCCESSFUL only after the
				    bake */
	int ending = done;
	if ((st.triggered[0] && strcmp(st.triggered, w->last.triggered)) ||
	    (ending && !w->paused && !w->alarm_reason[0] && status && strcmp(status, "SUCCESSFUL")))
		read_alarms(w, sd);
	w->last = st;
	w->seen = 1;
	json_decref(sd);
	return done;
}
