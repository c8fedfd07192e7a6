/*
 * test_strategy.c: blue/green, linear and canary deployments (strategy.h): the service
 * definition's strategy checked before any change (limits: botocore's ECS model and the API
 * reference pages API_DeploymentConfiguration, API_LinearConfiguration, API_CanaryConfiguration,
 * API_DeploymentLifecycleHook, API_AdvancedConfiguration; resources: developer guide
 * deployment-type-blue-green.html), what recorded DescribeServiceDeployments answers
 * (tests/data/strategy-deployments/, each with its "expect") say about stage, traffic split,
 * a PAUSE hook (API_DeploymentLifecycleHookDetail: AWAITING_ACTION, hookId for
 * ContinueServiceDeployment) and triggered alarms, and the ContinueServiceDeployment request.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ecship/clock.h"
#include "ecship/http.h"
#include "ecship/strategy.h"
#include "ecship/taskdef.h"
#include "testutil.h"

#define DIR_ "tests/data/strategy-deployments"

#define TG                                                                                         \
	"arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/web-blue/"           \
	"0123456789abcdef"
#define TG2                                                                                        \
	"arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/web-green/"          \
	"fedcba9876543210"
#define RULE                                                                                       \
	"arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener-rule/app/alb/"          \
	"50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
#define ROLE "arn:aws:iam::123456789012:role/ecsInfrastructureRole"
#define ADV                                                                                        \
	"\"advancedConfiguration\": {\"alternateTargetGroupArn\": \"" TG2                          \
	"\", \"productionListenerRule\": \"" RULE "\", \"roleArn\": \"" ROLE "\"}"
#define LB(adv)                                                                                    \
	"\"loadBalancers\": [{\"targetGroupArn\": \"" TG                                           \
	"\", \"containerName\": \"web\", \"containerPort\": 8000" adv "}]"

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);
	if (!j)
		fail_msg("bad test JSON: %s: %s", e.text, s);
	return j;
}

static void validation_table(void **state)
{
	(void)state;
	static const struct {
		const char *svc;
		size_t errors;
		const char *want; /* in some message */
	} cases[] = {
	    /* rolling, nothing special: nothing to say */
	    {"{\"deploymentConfiguration\": {\"maximumPercent\": 200}}", 0, NULL},
	    /* a complete blue/green service */
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"bakeTimeInMinutes\": 15}}",
	     0, NULL},
	    {"{" LB("") ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			"\"bakeTimeInMinutes\": 0}}",
	     1, "has no advancedConfiguration"},
	    /* API_DeploymentConfiguration: BLUE_GREEN must name its bake time */
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\"}}", 1,
	     "strategy BLUE_GREEN needs deploymentConfiguration.bakeTimeInMinutes"},
	    {"{" LB(", \"advancedConfiguration\": {\"alternateTargetGroupArn\": \"" TG
		    "\"}") ", "
			   "\"deploymentConfiguration\": {\"strategy\": \"CANARY\"}}",
	     3, "alternateTargetGroupArn is the production target group"},
	    {"{" LB(", \"advancedConfiguration\": {\"alternateTargetGroupArn\": \"" TG2
		    "\"}") ", "
			   "\"deploymentConfiguration\": {\"strategy\": \"LINEAR\"}}",
	     2, "has no roleArn"},
	    {"{" LB(", \"advancedConfiguration\": {\"alternateTargetGroupArn\": \"" TG2
		    "\", \"productionListenerRule\": \"" RULE "\", \"testListenerRule\": \"" RULE
		    "\", \"roleArn\": \"" ROLE "\"}") ", "
						      "\"deploymentConfiguration\": {\"strategy\": "
						      "\"BLUE_GREEN\", \"bakeTimeInMinutes\": 5}}",
	     1, "testListenerRule is the production listener rule"},
	    {"{" LB(", " ADV) ", \"deploymentController\": {\"type\": \"CODE_DEPLOY\"}, "
			      "\"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"bakeTimeInMinutes\": 5}}",
	     1, "needs the ECS deployment controller, not CODE_DEPLOY"},
	    {"{\"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", \"bakeTimeInMinutes\": "
	     "5}}",
	     1, "needs a load balancer or Service Connect"},
	    {"{\"serviceConnectConfiguration\": {\"enabled\": true}, \"deploymentConfiguration\": "
	     "{\"strategy\": \"BLUE_GREEN\", \"bakeTimeInMinutes\": 5}}",
	     0, NULL},
	    /* bake times: 0 to 1440 minutes */
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"bakeTimeInMinutes\": 1441}}",
	     1, "bakeTimeInMinutes must be 0 to 1440"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"bakeTimeInMinutes\": 1440}}",
	     0, NULL},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"bakeTimeInMinutes\": -1}}",
	     1, "bakeTimeInMinutes must be 0 to 1440"},
	    /* linear: steps 3.0..100.0 in tenths */
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"LINEAR\", "
			      "\"linearConfiguration\": {\"stepPercent\": 3.0, "
			      "\"stepBakeTimeInMinutes\": 0}}}",
	     0, NULL},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"LINEAR\", "
			      "\"linearConfiguration\": {\"stepPercent\": 2.9}}}",
	     1, "stepPercent must be a multiple of 0.1 from 3.0 to 100.0"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"LINEAR\", "
			      "\"linearConfiguration\": {\"stepPercent\": 12.25}}}",
	     1, "stepPercent must be a multiple of 0.1"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"LINEAR\", "
			      "\"linearConfiguration\": {\"stepPercent\": 10.0, "
			      "\"stepBakeTimeInMinutes\": 2000}}}",
	     1, "stepBakeTimeInMinutes must be 0 to 1440"},
	    /* canary: 0.1..100.0 in tenths */
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"CANARY\", "
			      "\"canaryConfiguration\": {\"canaryPercent\": 0.1, "
			      "\"canaryBakeTimeInMinutes\": 10}}}",
	     0, NULL},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"CANARY\", "
			      "\"canaryConfiguration\": {\"canaryPercent\": 100.1}}}",
	     1, "canaryPercent must be a multiple of 0.1 from 0.1 to 100.0"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"bakeTimeInMinutes\": 1, \"canaryConfiguration\": "
			      "{\"canaryPercent\": 5.0}}}",
	     1, "canaryConfiguration is only for strategy CANARY, not BLUE_GREEN"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"CANARY\", "
			      "\"linearConfiguration\": {\"stepPercent\": 5.0}}}",
	     1, "linearConfiguration is only for strategy LINEAR, not CANARY"},
	    /* lifecycle hooks */
	    {"{" LB(
		 ", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			   "\"bakeTimeInMinutes\": 1, "
			   "\"lifecycleHooks\": [{\"targetType\": \"PAUSE\", \"lifecycleStages\": "
			   "[\"POST_TEST_TRAFFIC_SHIFT\"], \"timeoutConfiguration\": "
			   "{\"timeoutInMinutes\": "
			   "20160, \"action\": \"ROLLBACK\"}}]}}",
	     0, NULL},
	    {"{" LB(
		 ", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			   "\"bakeTimeInMinutes\": 1, "
			   "\"lifecycleHooks\": [{\"targetType\": \"PAUSE\", \"lifecycleStages\": "
			   "[\"POST_TEST_TRAFFIC_SHIFT\"], \"timeoutConfiguration\": "
			   "{\"timeoutInMinutes\": 0}}]}}",
	     1, "timeoutInMinutes must be 1 to 20160"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"bakeTimeInMinutes\": 1, "
			      "\"lifecycleHooks\": [{\"lifecycleStages\": [\"PRE_SCALE_UP\"]}]}}",
	     2, "Lambda hook without hookTargetArn"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"bakeTimeInMinutes\": 1, "
			      "\"lifecycleHooks\": [{\"targetType\": \"PAUSE\"}]}}",
	     1, "names no lifecycleStages"},
	    {"{\"deploymentConfiguration\": {\"lifecycleHooks\": [{\"targetType\": \"PAUSE\", "
	     "\"lifecycleStages\": [\"PRE_SCALE_UP\"]}]}}",
	     1, "lifecycleHooks run only in blue/green, linear and canary deployments"},
	    /* alarms */
	    {"{\"deploymentConfiguration\": {\"alarms\": {\"enable\": true, \"rollback\": true, "
	     "\"alarmNames\": []}}}",
	     1, "alarms is enabled but names no alarm"},
	    {"{\"deploymentConfiguration\": {\"alarms\": {\"enable\": true, \"rollback\": true, "
	     "\"alarmNames\": [\"web-5xx\"]}}}",
	     0, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *svc = parse(cases[i].svc);
		struct ship_diags d = SHIP_DIAGS_INIT;
		size_t n = ship_strategy_validate(svc, "svc.json", &d);
		int found = cases[i].want == NULL;
		for (size_t k = 0; k < d.n; k++)
			if (cases[i].want && strstr(d.v[k].message, cases[i].want))
				found = 1;
		if (n != cases[i].errors || !found) {
			for (size_t k = 0; k < d.n; k++)
				print_message("  %s\n", d.v[k].message);
			fail_msg("case %zu: %zu errors (want %zu), '%s' %s", i, n, cases[i].errors,
				 cases[i].want ? cases[i].want : "", found ? "found" : "missing");
		}
		for (size_t k = 0; k < d.n; k++)
			assert_non_null(d.v[k].hint); /* every problem says what to do */
		ship_diags_release(&d);
		json_decref(svc);
	}
}

static void strategy_names(void **state)
{
	(void)state;
	json_t *a = parse("{}"),
	       *b = parse("{\"deploymentConfiguration\": {\"strategy\": \"LINEAR\"}}");
	assert_string_equal(ship_strategy_of(a), "ROLLING");
	assert_string_equal(ship_strategy_of(b), "LINEAR");
	assert_false(ship_strategy_shifts_traffic("ROLLING"));
	assert_true(ship_strategy_shifts_traffic("BLUE_GREEN"));
	assert_true(ship_strategy_shifts_traffic("CANARY"));
	json_decref(a);
	json_decref(b);
}

/* every ServiceDeploymentLifecycleStage of botocore's ECS model has words */
static void every_stage_has_words(void **state)
{
	(void)state;
	static const char *const stages[] = {"RECONCILE_SERVICE",
					     "PRE_SCALE_UP",
					     "SCALE_UP",
					     "POST_SCALE_UP",
					     "TEST_TRAFFIC_SHIFT",
					     "POST_TEST_TRAFFIC_SHIFT",
					     "PRODUCTION_TRAFFIC_SHIFT",
					     "POST_PRODUCTION_TRAFFIC_SHIFT",
					     "BAKE_TIME",
					     "CLEAN_UP"};
	for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
		assert_non_null(ship_sdep_stage_words(stages[i]));
	assert_null(ship_sdep_stage_words("SOME_FUTURE_STAGE"));
	assert_null(ship_sdep_stage_words(NULL));
}

/* One recorded answer: the stage, traffic split, triggered alarms and PAUSE hook its "expect"
 * names. */
static void says_what_it_expects(const char *name, json_t *doc, void *ctx)
{
	(void)ctx;
	json_t *want = json_object_get(doc, "expect");
	json_t *sd = json_array_get(
	    json_object_get(json_object_get(doc, "answer"), "serviceDeployments"), 0);
	struct ship_sdep_stage st;
	ship_sdep_stage_parse(sd, &st);
	if (strcmp(st.stage, json_string_value(json_object_get(want, "stage"))))
		fail_msg("%s: stage '%s'", name, st.stage);
	assert_true(fabs(st.prod_weight - json_number_value(json_object_get(want, "prod"))) < 1e-9);
	assert_true(fabs(st.test_weight - json_number_value(json_object_get(want, "test"))) < 1e-9);
	assert_string_equal(st.triggered, json_string_value(json_object_get(want, "triggered")));
	const char *hook = json_string_value(json_object_get(want, "paused"));
	struct ship_sdep_hook h;
	struct ship_err err = SHIP_ERR_INIT;
	int r = ship_sdep_find_pause(sd, &h, &err);
	if (hook) {
		assert_true(st.paused);
		assert_int_equal(r, 0);
		assert_string_equal(h.id, hook);
		assert_string_equal(h.type, "PAUSE");
		assert_string_equal(h.timeout_action,
				    json_string_value(json_object_get(want, "timeout_action")));
		assert_true(h.expires_at == json_number_value(json_object_get(want, "expires_at")));
	} else {
		assert_false(st.paused);
		assert_int_equal(r, 1);
		/* says why: the status (and the stage, when there is one) */
		const char *status = json_string_value(json_object_get(sd, "status"));
		assert_non_null(strstr(err.message, status));
		assert_non_null(strstr(err.message, st.stage));
	}
}

static void recorded_answers(void **state)
{
	(void)state;
	assert_true(tu_json_each(DIR_, says_what_it_expects, NULL) >= 6);
}

static void find_pause_refuses_junk(void **state)
{
	(void)state;
	struct ship_sdep_hook h;
	struct ship_err err = SHIP_ERR_INIT;
	json_t *x = parse("{\"status\": \"IN_PROGRESS\"}");
	assert_int_equal(ship_sdep_find_pause(x, &h, &err), -1);
	assert_int_equal(ship_sdep_find_pause(NULL, &h, &err), -1);
	json_decref(x);
}

static void continue_request(void **state)
{
	(void)state;
	static const char *const actions[] = {"CONTINUE", "ROLLBACK"};
	for (int i = 0; i < 2; i++) {
		json_t *r = ship_sdep_continue_request("arn:aws:ecs:r:1:service-deployment/c/s/x",
						       "hook-1", actions[i]);
		assert_non_null(r);
		char *s = json_dumps(r, JSON_SORT_KEYS | JSON_COMPACT);
		char want[256];
		snprintf(want, sizeof(want),
			 "{\"action\":\"%s\",\"hookId\":\"hook-1\",\"serviceDeploymentArn\":\"arn:"
			 "aws:ecs:r:1:service-deployment/c/s/x\"}",
			 actions[i]);
		assert_string_equal(s, want);
		free(s);
		json_decref(r);
	}
	/* the model's DeploymentLifecycleHookAction has no other value */
	assert_null(ship_sdep_continue_request("arn", "hook-1", "ABORT"));
	assert_null(ship_sdep_continue_request("arn", NULL, "CONTINUE"));
}

/* ROLLING <-> BLUE_GREEN is a service change: back to a definition that names no strategy, the
 * UpdateService says "ROLLING" (ECS's default, API_DeploymentConfiguration), since a member left
 * out of UpdateService stays as it is live */
static void switch_back_to_rolling_sends_the_strategy(void **state)
{
	(void)state;
	json_t *file = parse("{\"deploymentConfiguration\": {\"deploymentCircuitBreaker\": "
			     "{\"enable\": true, \"rollback\": true}}}");
	json_t *live =
	    parse("{\"deploymentConfiguration\": {\"deploymentCircuitBreaker\": "
		  "{\"enable\": true, \"rollback\": true}, \"strategy\": \"BLUE_GREEN\", "
		  "\"bakeTimeInMinutes\": 5, \"maximumPercent\": 200}}");
	json_t *members = NULL;
	struct ship_err err = SHIP_ERR_INIT;
	assert_int_equal(ship_servicedef_update(file, live, &members, &err), 0);
	json_t *dc = json_object_get(members, "deploymentConfiguration");
	assert_non_null(dc);
	assert_string_equal(json_string_value(json_object_get(dc, "strategy")), "ROLLING");
	assert_int_equal(json_integer_value(json_object_get(dc, "bakeTimeInMinutes")), 0);
	assert_null(json_object_get(dc, "maximumPercent")); /* the default already: not added */
	json_decref(members);
	json_decref(file);
	json_decref(live);
}

/* ---- the watch and approve/abort on the real client, over a scripted transport ------------- */

/* Answers DescribeServiceDeployments from a queue of recorded answers (the last repeats),
 * ContinueServiceDeployment with its ARN, CloudWatch DescribeAlarms with two alarms (web-5xx in
 * ALARM, web-latency OK); records the operations and ContinueServiceDeployment's body. */
struct fake {
	json_t *answers[8];
	int n, i;
	char ops[32][48];
	int nops;
	json_t *continued;
};

static int fake_transport(void *ctx, const struct ship_http_request *req,
			  struct ship_http_response *resp, struct ship_err *err)
{
	struct fake *f = ctx;
	(void)err;
	const char *target = ship_headers_get(req->headers, "X-Amz-Target");
	const char *op = target && strchr(target, '.') ? strchr(target, '.') + 1 : "";
	char form[512];
	snprintf(form, sizeof(form), "%.*s", (int)(req->body.len < 511 ? req->body.len : 511),
		 req->body.p ? req->body.p : "");
	if (!target && strstr(form, "Action=DescribeAlarms"))
		op = "DescribeAlarms";
	if (!target && strstr(form, "Action=GetRole"))
		op = "GetRole";
	if (f->nops < 32)
		snprintf(f->ops[f->nops++], sizeof(f->ops[0]), "%s", op);
	if (!strcmp(op, "DescribeServiceDeployments")) {
		json_t *a = f->answers[f->i < f->n ? f->i : f->n - 1];
		if (f->i < f->n)
			f->i++;
		char *text = json_dumps(a, JSON_COMPACT);
		tu_answer(resp, 200, "application/x-amz-json-1.1", text);
		free(text);
		return 0;
	}
	if (!strcmp(op, "ContinueServiceDeployment")) {
		f->continued = json_loadb(req->body.p, req->body.len, 0, NULL);
		return tu_answer(resp, 200, "application/x-amz-json-1.1",
				 "{\"serviceDeploymentArn\": \"arn:aws:ecs:x\"}");
	}
	if (!strcmp(op, "DescribeAlarms"))
		return tu_answer(
		    resp, 200, "text/xml",
		    "<DescribeAlarmsResponse "
		    "xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
		    "<DescribeAlarmsResult><MetricAlarms>"
		    "<member><AlarmName>web-5xx</AlarmName><StateValue>ALARM</StateValue>"
		    "<StateReason>Threshold Crossed: 1 datapoint [12.0] was greater than the "
		    "threshold (5.0).</StateReason></member>"
		    "<member><AlarmName>web-latency</AlarmName><StateValue>OK</StateValue>"
		    "<StateReason>fine</StateReason></member>"
		    "</MetricAlarms><CompositeAlarms/></DescribeAlarmsResult>"
		    "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
		    "</DescribeAlarmsResponse>");
	if (!strcmp(op, "GetRole")) { /* a deployer without iam:GetRole */
		return tu_answer(resp, 403, "text/xml",
				 "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</"
				 "Code><Message>User: "
				 "arn:aws:iam::123456789012:user/deployer is not authorized to "
				 "perform: iam:GetRole</Message></Error><RequestId>r</RequestId></"
				 "ErrorResponse>");
	}
	resp->status = 400;
	ship_buf_adds(&resp->body, "{\"__type\": \"UnknownOperationException\"}");
	return 0;
}

static json_t *recorded(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", DIR_, name);
	json_t *doc = tu_json_file(path);
	json_t *a = json_incref(json_object_get(doc, "answer"));
	json_decref(doc);
	return a;
}

/* a recorded answer with another lifecycleStage and weights */
static json_t *variant(const char *name, const char *stage, double prod, double test)
{
	json_t *a = recorded(name);
	json_t *sd = json_array_get(json_object_get(a, "serviceDeployments"), 0);
	json_object_set_new(sd, "lifecycleStage", json_string(stage));
	json_t *t = json_object_get(sd, "targetServiceRevision");
	json_object_set_new(t, "requestedProductionTrafficWeight", json_real(prod));
	json_object_set_new(t, "requestedTestTrafficWeight", json_real(test));
	json_object_del(sd, "lifecycleHookDetails");
	return a;
}

struct notes {
	char v[16][256];
	int n;
};

static void on_note(void *ctx, const char *msg)
{
	struct notes *n = ctx;
	if (n->n < 16)
		snprintf(n->v[n->n++], sizeof(n->v[0]), "%s", msg);
}

static int inner_waiting(void *ctx, const struct ship_service_view *v)
{
	(void)v;
	(*(int *)ctx)++;
	return 0;
}

struct rig {
	struct fake f;
	struct ship_fake_clock clock;
	struct ship_aws *aws;
};

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	r->aws = tu_fake_aws(&r->clock, 1796036700.0, fake_transport, &r->f);
}

static void rig_release(struct rig *r)
{
	for (int i = 0; i < r->f.n; i++)
		json_decref(r->f.answers[i]);
	json_decref(r->f.continued);
	ship_aws_destroy(r->aws);
}

#define ARN                                                                                        \
	"arn:aws:ecs:ap-northeast-1:123456789012:service-deployment/demo/web-production/"          \
	"Hq3bS0b8mYb1pZfWjvQe2"

/* stages noted in order, the traffic split with them; the wait ends at the PAUSE hook */
static void watch_follows_stages_and_stops_at_pause(void **state)
{
	(void)state;
	for (int approval = 0; approval < 2; approval++) {
		struct rig r;
		rig_init(&r);
		r.f.answers[r.f.n++] = variant("bg-paused-post-test.json", "SCALE_UP", 0, 0);
		r.f.answers[r.f.n++] =
		    variant("bg-paused-post-test.json", "TEST_TRAFFIC_SHIFT", 0, 50);
		r.f.answers[r.f.n++] = recorded("bg-paused-post-test.json");
		struct ship_lifecycle_watch w;
		struct notes notes = {0};
		int inner_calls = 0;
		ship_lifecycle_watch_init(&w, r.aws, NULL, ARN, inner_waiting, &inner_calls);
		w.on_note = on_note;
		w.note_ctx = &notes;
		w.wait_approval = approval;
		assert_int_equal(ship_wait_lifecycle_done(&w, NULL), 0);
		assert_int_equal(ship_wait_lifecycle_done(&w, NULL), 0);
		assert_int_equal(ship_wait_lifecycle_done(&w, NULL), !approval);
		assert_int_equal(w.paused, !approval);
		assert_int_equal(inner_calls, 3); /* the deploy's own decision is always asked */
		assert_string_equal(w.stages,
				    "SCALE_UP > TEST_TRAFFIC_SHIFT > POST_TEST_TRAFFIC_SHIFT");
		assert_int_equal(notes.n, 3);
		assert_non_null(strstr(notes.v[0], "stage SCALE_UP (green revision scaling up)"));
		assert_non_null(strstr(notes.v[1],
				       "stage TEST_TRAFFIC_SHIFT (test traffic moving to "
				       "green): production 0.0%, test 50.0%"));
		assert_non_null(strstr(notes.v[2], "POST_TEST_TRAFFIC_SHIFT"));
		assert_string_equal(w.last.hook.id, "hook-3fa1c2");
		rig_release(&r);
	}
}

static int inner_done(void *ctx, const struct ship_service_view *v)
{
	(void)v;
	(*(int *)ctx)++;
	return 1;
}

/* the deploy's own decision (deployments[]) says it is over while ECS's record is still under
 * way (the bake): held until the record is final; SUCCESSFUL comes only after the bake */
static void watch_holds_the_end_until_the_record_is_final(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	r.f.answers[r.f.n++] = recorded("bg-bake.json");
	json_t *done = recorded("bg-bake.json");
	json_t *sd = json_array_get(json_object_get(done, "serviceDeployments"), 0);
	json_object_set_new(sd, "status", json_string("SUCCESSFUL"));
	json_object_set_new(sd, "lifecycleStage", json_string("CLEAN_UP"));
	r.f.answers[r.f.n++] = done;
	struct ship_lifecycle_watch w;
	int inner_calls = 0;
	ship_lifecycle_watch_init(&w, r.aws, NULL, ARN, inner_done, &inner_calls);
	assert_int_equal(ship_wait_lifecycle_done(&w, NULL), 0); /* BAKE_TIME: held */
	assert_false(w.final);
	assert_int_equal(ship_wait_lifecycle_done(&w, NULL), 1); /* SUCCESSFUL */
	assert_true(w.final);
	assert_string_equal(w.status, "SUCCESSFUL");
	assert_string_equal(w.where, "BAKE_TIME"); /* CLEAN_UP came after it was over */
	assert_int_equal(inner_calls, 2);
	rig_release(&r);
}

/* during BAKE_TIME: the bake time left, at most once a minute */
static void watch_notes_bake_time_left(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	r.f.answers[r.f.n++] = recorded("bg-bake.json"); /* bakeTimeInMinutes 5 */
	struct ship_lifecycle_watch w;
	struct notes notes = {0};
	int inner_calls = 0;
	ship_lifecycle_watch_init(&w, r.aws, NULL, ARN, inner_waiting, &inner_calls);
	w.on_note = on_note;
	w.note_ctx = &notes;
	assert_int_equal(ship_wait_lifecycle_done(&w, NULL), 0);
	r.clock.now += 30;
	assert_int_equal(ship_wait_lifecycle_done(&w, NULL), 0); /* no note within the minute */
	r.clock.now += 45;
	assert_int_equal(ship_wait_lifecycle_done(&w, NULL), 0);
	assert_int_equal(notes.n, 3);
	assert_non_null(strstr(notes.v[0], "stage BAKE_TIME"));
	assert_non_null(strstr(notes.v[1], "baking: 300 s of 5 min left"));
	assert_non_null(strstr(notes.v[2], "baking: 225 s of 5 min left"));
	rig_release(&r);
}

/* an alarm ECS names as triggered: its state and reason read from CloudWatch, only the one in
 * ALARM named (API_ServiceDeploymentAlarms: triggeredAlarmNames) */
static void watch_names_the_alarm_in_alarm(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	r.f.answers[r.f.n++] = recorded("linear-alarm-rollback.json");
	struct ship_lifecycle_watch w;
	int inner_calls = 0;
	ship_lifecycle_watch_init(&w, r.aws, NULL, ARN, inner_waiting, &inner_calls);
	/* ROLLBACK_IN_PROGRESS: ECS's record is final, the wait ends whatever the inner one says */
	assert_int_equal(ship_wait_lifecycle_done(&w, NULL), 1);
	assert_true(w.final);
	assert_string_equal(w.status, "ROLLBACK_IN_PROGRESS");
	assert_string_equal(
	    w.alarm_reason,
	    "alarm 'web-5xx' is in ALARM: Threshold Crossed: 1 datapoint [12.0] was "
	    "greater than the threshold (5.0).");
	assert_string_equal(w.last.stage, "BAKE_TIME");
	/* asked once: the same triggered alarms are not read again */
	assert_int_equal(ship_wait_lifecycle_done(&w, NULL), 1);
	int alarms = 0;
	for (int i = 0; i < r.f.nops; i++)
		alarms += !strcmp(r.f.ops[i], "DescribeAlarms");
	assert_int_equal(alarms, 1);
	rig_release(&r);
}

/* the prerequisites: an alarm that does not exist is an error; a check the deployer may not make
 * (iam:GetRole denied) is a warning, never a failed deploy */
static void prereqs_missing_alarm_and_denied_role(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	json_t *svc = parse(
	    "{\"loadBalancers\": [{\"containerName\": \"web\", \"containerPort\": 8000, "
	    "\"advancedConfiguration\": {\"roleArn\": \"" ROLE
	    "\"}}], \"deploymentConfiguration\": "
	    "{\"strategy\": \"BLUE_GREEN\", \"alarms\": {\"enable\": true, \"rollback\": true, "
	    "\"alarmNames\": [\"web-5xx\", \"no-such-alarm\"]}}}");
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	assert_int_equal(ship_strategy_check_prereqs(r.aws, svc, "svc.json", &d, &err), 1);
	assert_int_equal(ship_diags_count(&d, SHIP_SEV_ERROR), 1);
	assert_int_equal(ship_diags_count(&d, SHIP_SEV_WARNING), 1);
	int alarm = 0, role = 0;
	for (size_t k = 0; k < d.n; k++) {
		alarm += d.v[k].severity == SHIP_SEV_ERROR &&
			 strstr(d.v[k].message, "alarm 'no-such-alarm' does not exist") != NULL;
		role += d.v[k].severity == SHIP_SEV_WARNING &&
			strstr(d.v[k].message, "cannot check with GetRole") != NULL;
	}
	assert_int_equal(alarm, 1);
	assert_int_equal(role, 1);
	ship_diags_release(&d);
	json_decref(svc);
	rig_release(&r);
}

/* approve/abort: ContinueServiceDeployment with the hook found in the record; nothing sent when
 * nothing waits */
static void answer_pause_sends_the_hook(void **state)
{
	(void)state;
	static const char *const actions[] = {"CONTINUE", "ROLLBACK"};
	for (int k = 0; k < 2; k++) {
		struct rig r;
		rig_init(&r);
		r.f.answers[r.f.n++] = recorded("bg-paused-post-test.json");
		struct ship_sdep_stage st;
		struct ship_err err = SHIP_ERR_INIT;
		assert_int_equal(
		    ship_ecs_sdep_answer_pause(r.aws, ARN, NULL, actions[k], &st, &err), 0);
		assert_non_null(r.f.continued);
		assert_string_equal(json_string_value(json_object_get(r.f.continued, "hookId")),
				    "hook-3fa1c2");
		assert_string_equal(json_string_value(json_object_get(r.f.continued, "action")),
				    actions[k]);
		assert_string_equal(
		    json_string_value(json_object_get(r.f.continued, "serviceDeploymentArn")), ARN);
		assert_string_equal(st.stage, "POST_TEST_TRAFFIC_SHIFT");
		rig_release(&r);
	}
	/* another hook named: refused, nothing sent */
	struct rig r;
	rig_init(&r);
	r.f.answers[r.f.n++] = recorded("bg-paused-post-test.json");
	struct ship_sdep_stage st;
	struct ship_err err = SHIP_ERR_INIT;
	assert_int_equal(
	    ship_ecs_sdep_answer_pause(r.aws, ARN, "hook-other", "CONTINUE", &st, &err), 1);
	assert_non_null(strstr(err.message, "waits at hook hook-3fa1c2, not hook-other"));
	assert_null(r.f.continued);
	rig_release(&r);
	/* nothing paused: refused, nothing sent */
	rig_init(&r);
	r.f.answers[r.f.n++] = recorded("pause-timed-out.json");
	assert_int_equal(ship_ecs_sdep_answer_pause(r.aws, ARN, NULL, "ROLLBACK", &st, &err), 1);
	assert_non_null(
	    strstr(err.message, "is ROLLBACK_SUCCESSFUL at stage POST_TEST_TRAFFIC_SHIFT"));
	assert_null(r.f.continued);
	rig_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(validation_table),
	    cmocka_unit_test(strategy_names),
	    cmocka_unit_test(every_stage_has_words),
	    cmocka_unit_test(recorded_answers),
	    cmocka_unit_test(find_pause_refuses_junk),
	    cmocka_unit_test(continue_request),
	    cmocka_unit_test(watch_follows_stages_and_stops_at_pause),
	    cmocka_unit_test(watch_notes_bake_time_left),
	    cmocka_unit_test(watch_holds_the_end_until_the_record_is_final),
	    cmocka_unit_test(watch_names_the_alarm_in_alarm),
	    cmocka_unit_test(answer_pause_sends_the_hook),
	    cmocka_unit_test(prereqs_missing_alarm_and_denied_role),
	    cmocka_unit_test(switch_back_to_rolling_sends_the_strategy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
