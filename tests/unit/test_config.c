/*
 * test_config.c: ecship.yml loading: the full schema, per-environment overrides, relative
 * paths, variables with line and column, unknown keys with suggestions, type errors, malformed
 * YAML, and allocation failures.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/config.h"
#include "private/yamltree.h"
#include "testutil.h"

static const char *env_getenv(void *ctx, const char *name)
{
	const char *const *env = ctx;
	size_t n = strlen(name);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

static const char *const s_env[] = {"TEAM=web", NULL};

static int fake_cfn(void *ctx, const char *stack, struct ship_str key, struct ship_buf *out,
		    struct ship_err *err)
{
	(void)ctx;
	if (ship_str_eq_c(key, "Listener"))
		return ship_buf_addf(out, "arn:listener/%s", stack)
			   ? ship_err_set(err, SHIP_ERR_NOMEM, "out of memory")
			   : 1;
	return 0;
}

static void vars_for(struct ship_vars *v, const char *env)
{
	ship_vars_init(v);
	v->getenv = env_getenv;
	v->getenv_ctx = (void *)s_env;
	v->cfn = fake_cfn;
	if (env)
		assert_int_equal(ship_vars_set(v, "ENVIRONMENT", env), 0);
}

static const char s_full[] =
    "# the DESIGN.md example\n"
    "region: ap-northeast-1\n"
    "cluster: django-ecs-cluster-${ENVIRONMENT}\n"
    "service: django-ecs-service-${ENVIRONMENT}\n"
    "task_definition: task-definition-${ENVIRONMENT}.json\n"
    "service_definition: ecs-service-${ENVIRONMENT}.json\n"
    "stack: django-ecs-cluster-${ENVIRONMENT}\n"
    "infra:\n"
    "  template: cloudformation/ecs-cluster.yml\n"
    "  parameters: { Environment: \"${ENVIRONMENT}\", Team: $TEAM, Listener: \"${cfn:Listener}\" }\n"
    "listener_rule:\n"
    "  priority: 100\n"
    "  host_headers: [staging.example.jp]\n"
    "  path_patterns: ['/api/*', /admin/*]\n"
    "timeout: 10m\n"
    "environments:\n"
    "  production:\n"
    "    region: us-east-1\n"
    "    listener_rule: {priority: 200, host_headers: [www.example.jp]}\n"
    "    timeout: 15m\n";

static void loads_full_config(void **state)
{
	(void)state;
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	vars_for(&v, "staging");
	struct ship_config *c = ship_config_parse("deploy/ecship.yml", ship_str_c(s_full), &v, &d, &err);
	if (!c)
		fail_msg("%s", err.message);
	assert_string_equal(c->region, "ap-northeast-1");
	assert_string_equal(c->cluster, "django-ecs-cluster-staging");
	assert_string_equal(c->stack, "django-ecs-cluster-staging");
	assert_string_equal(c->environment, "staging");
	assert_int_equal(c->n_services, 1);
	assert_string_equal(c->services[0].name, "django-ecs-service-staging");
	assert_string_equal(c->services[0].task_definition, "deploy/task-definition-staging.json");
	assert_string_equal(c->services[0].service_definition, "deploy/ecs-service-staging.json");
	assert_string_equal(c->infra_template, "deploy/cloudformation/ecs-cluster.yml");
	assert_int_equal(c->n_infra_parameters, 3);
	assert_string_equal(c->infra_parameters[0].key, "Environment");
	assert_string_equal(c->infra_parameters[0].value, "staging");
	assert_string_equal(c->infra_parameters[1].value, "$TEAM"); /* no braces: literal */
	assert_string_equal(c->infra_parameters[2].value, "arn:listener/django-ecs-cluster-staging");
	assert_true(c->listener_rule.set);
	assert_int_equal(c->listener_rule.priority, 100);
	assert_int_equal(c->listener_rule.n_host_headers, 1);
	assert_string_equal(c->listener_rule.host_headers[0], "staging.example.jp");
	assert_int_equal(c->listener_rule.n_path_patterns, 2);
	assert_string_equal(c->listener_rule.path_patterns[1], "/admin/*");
	assert_true(c->timeout == 600);
	assert_string_equal(v.region, "ap-northeast-1"); /* for ${AWS_REGION} in the definitions */
	assert_string_equal(v.stack, "django-ecs-cluster-staging");
	assert_int_equal(d.n, 0);
	ship_config_destroy(c);
	ship_vars_release(&v);
}

static void applies_environment_override(void **state)
{
	(void)state;
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	vars_for(&v, "production");
	struct ship_config *c = ship_config_parse("/abs/ecship.yml", ship_str_c(s_full), &v, &d, &err);
	if (!c)
		fail_msg("%s", err.message);
	assert_string_equal(c->region, "us-east-1");
	assert_string_equal(c->cluster, "django-ecs-cluster-production");
	assert_int_equal(c->listener_rule.priority, 200);
	assert_string_equal(c->listener_rule.host_headers[0], "www.example.jp");
	assert_int_equal(c->listener_rule.n_path_patterns, 2); /* maps merge, keys kept */
	assert_true(c->timeout == 900);
	assert_string_equal(c->services[0].task_definition, "/abs/task-definition-production.json");
	ship_config_destroy(c);
	ship_vars_release(&v);
}

static void services_list(void **state)
{
	(void)state;
	static const char text[] = "cluster: c\n"
				   "task_definition: td.json\n"
				   "services:\n"
				   "  - name: web\n"
				   "    service_definition: web.json\n"
				   "  - {name: worker, task_definition: /x/worker.json}\n";
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	vars_for(&v, NULL);
	struct ship_config *c = ship_config_parse("ecship.yml", ship_str_c(text), &v, &d, &err);
	if (!c)
		fail_msg("%s", err.message);
	assert_int_equal(c->n_services, 2);
	assert_string_equal(c->services[0].name, "web");
	assert_string_equal(c->services[0].task_definition, "td.json");
	assert_string_equal(c->services[0].service_definition, "web.json");
	assert_string_equal(c->services[1].task_definition, "/x/worker.json");
	assert_null(c->services[1].service_definition);
	assert_int_equal(c->services[1].line, 6);
	assert_non_null(ship_config_service(c, "worker"));
	assert_null(ship_config_service(c, "nope"));
	ship_config_destroy(c);
	ship_vars_release(&v);
}

/* With `services:`, a top-level service_definition is not used (docs/config.md): a warning at
 * the key (its value's column), the config still loads, and no entry takes it. */
static void top_level_service_definition_with_services(void **state)
{
	(void)state;
	static const char text[] = "cluster: c\n"
				   "task_definition: td.json\n"
				   "service_definition: svc.json\n"
				   "services:\n"
				   "  - name: web\n"
				   "  - {name: worker, service_definition: worker.json}\n";
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	vars_for(&v, NULL);
	struct ship_config *c = ship_config_parse("ecship.yml", ship_str_c(text), &v, &d, &err);
	if (!c)
		fail_msg("%s", err.message);
	assert_null(c->services[0].service_definition);
	assert_string_equal(c->services[1].service_definition, "worker.json");
	assert_int_equal(ship_diags_count(&d, SHIP_SEV_WARNING), 1);
	assert_int_equal(ship_diags_count(&d, SHIP_SEV_ERROR), 0);
	assert_int_equal(d.v[0].line, 3);
	assert_int_equal(d.v[0].column, 21);
	assert_string_equal(d.v[0].message, "'service_definition' is not used with 'services:'");
	assert_non_null(strstr(d.v[0].hint, "its own service_definition: FILE"));
	ship_config_destroy(c);
	ship_diags_release(&d);
	ship_vars_release(&v);
}

/* autoscaling: at the top level for every service without its own, or per service. */
static void autoscaling_config(void **state)
{
	(void)state;
	static const char text[] =
	    "cluster: c\n"
	    "task_definition: td.json\n"
	    "autoscaling: {min: 1, max: 4, target_tracking: {metric: cpu, target: 60}}\n"
	    "services:\n"
	    "  - name: web\n"
	    "    autoscaling:\n"
	    "      min: 2\n"
	    "      max: 10\n"
	    "      target_tracking: {metric: alb_requests, target: 1000.5, scale_in_cooldown: 5m,\n"
	    "                        scale_out_cooldown: 60, disable_scale_in: true}\n"
	    "  - name: worker\n";
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	vars_for(&v, NULL);
	struct ship_config *c = ship_config_parse("ecship.yml", ship_str_c(text), &v, &d, &err);
	if (!c)
		fail_msg("%s", err.message);
	const struct ship_config_autoscaling *w = &c->services[0].autoscaling,
					     *k = &c->services[1].autoscaling;
	assert_true(w->set);
	assert_int_equal(w->min, 2);
	assert_int_equal(w->max, 10);
	assert_int_equal(w->metric, SHIP_AS_METRIC_ALB_REQUESTS);
	assert_true(w->target == 1000.5);
	assert_int_equal(w->scale_in_cooldown, 300);
	assert_int_equal(w->scale_out_cooldown, 60);
	assert_true(w->disable_scale_in);
	assert_true(k->set); /* the top level's */
	assert_int_equal(k->min, 1);
	assert_int_equal(k->max, 4);
	assert_int_equal(k->metric, SHIP_AS_METRIC_CPU);
	assert_true(k->target == 60);
	assert_int_equal(k->scale_in_cooldown, -1);
	assert_int_equal(k->disable_scale_in, 0);
	ship_config_destroy(c);
	ship_vars_release(&v);
}

static void reports_problems(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t errors;
		const char *msg, *hint; /* of the first error */
		unsigned line, col;
	} cases[] = {
	    {"cluster: c\nservice: s\ntask_definiton: t.json\n", 2, "unknown key 'task_definiton'",
	     "did you mean 'task_definition'?", 3, 1},
	    {"cluster: c\nservice: s\ntask_definition: t\nlistener_rule: {priorty: 5}\n", 1,
	     "unknown key 'priorty'", "did you mean 'priority'?", 4, 17},
	    {"cluster: c\nservice: s\ntask_definition: t\nbogus: 1\n", 1, "unknown key 'bogus'",
	     "known keys here: region, cluster", 4, 1},
	    {"cluster: [a]\nservice: s\ntask_definition: t\n", 1, "'cluster' must be a string",
	     NULL, 1, 10},
	    {"cluster: c\nservice: s\ntask_definition: t\ntimeout: soon\n", 1,
	     "'timeout' is not a duration", "10m", 4, 10},
	    {"cluster: c\nservice: s\ntask_definition: t\nlistener_rule: {priority: 0}\n", 1,
	     "'priority' must be a number from 1 to 50000", NULL, 4, 27},
	    {"cluster: c\nservice: s\ntask_definition: t\nlistener_rule: {host_headers: a.jp}\n", 1,
	     "'host_headers' must be a list", NULL, 4, 31},
	    {"service: s\n", 2, "missing required key 'cluster'", "cluster:", 0, 0},
	    {"cluster: c-${NOPE}\nservice: s-${ENVIRONMENT}-${ALSO}\ntask_definition: t\n", 2,
	     "variable 'NOPE' is not set", "${NOPE:-value}", 1, 12},
	    {"cluster: \"a\\tb ${NOPE}\"\nservice: s\ntask_definition: t\n", 1,
	     "variable 'NOPE' is not set", NULL, 1, 16},
	    {"cluster: >-\n  folded\n  ${NOPE}\nservice: s\ntask_definition: t\n", 1,
	     "variable 'NOPE'", NULL, 3, 3},
	    {"stack: s-${cfn:Listener}\ncluster: c\nservice: s\ntask_definition: t\n", 1,
	     "stack output 'Listener' is not defined", "no base stack is known here", 1, 10},
	    {"cluster: c\nservice: s\nservices: [{name: a}]\ntask_definition: t\n", 1,
	     "use either 'service' or 'services'", NULL, 2, 10},
	    {"cluster: c\nservices: [{name: a}]\n", 1, "service entry has no 'task_definition'",
	     NULL, 2, 12},
	    {"cluster: c\nservice: s\ntask_definition: t\ncluster: d\n", 1,
	     "key 'cluster' appears twice", NULL, 4, 1},
	    {"cluster: c\nservice: s\ntask_definition: t\nenvironments: {prod: {clustr: x}}\n", 1,
	     "unknown key 'clustr'", "did you mean 'cluster'?", 4, 23},
	    {"cluster: c\nservice: s\ntask_definition: t\nenvironments: {prod: {environments: {}}}\n",
	     1, "'environments' cannot be used inside an environment", NULL, 4, 23},
	    /* autoscaling (docs/config.md#autoscaling) */
	    {"cluster: c\nservice: s\ntask_definition: t\nautoscaling: {min: 1}\n", 1,
	     "'autoscaling' needs 'max'", "min: 1, max: 4", 4, 14},
	    {"cluster: c\nservice: s\ntask_definition: t\nautoscaling: {min: 3, max: 2}\n", 1,
	     "autoscaling 'min' is above 'max'", "at most max", 4, 20},
	    {"cluster: c\nservice: s\ntask_definition: t\nautoscaling: {min: 1, max: 9000}\n", 1,
	     "'max' must be a task count, not '9000'", "1 to 5000", 4, 28},
	    {"cluster: c\nservice: s\ntask_definition: t\nautoscaling: {min: -1, max: 2}\n", 1,
	     "'min' must be a task count", "0 to 5000", 4, 20},
	    {"cluster: c\nservice: s\ntask_definition: t\nautoscaling: {min: 1, max: 2, mx: 3}\n",
	     1, "unknown key 'mx'", "did you mean 'max'?", 4, 31},
	    {"cluster: c\nservice: s\ntask_definition: t\nautoscaling: {min: 1, max: 2, "
	     "target_tracking: {metric: cpus, target: 50}}\n",
	     1, "'metric' must be cpu, memory or alb_requests, not 'cpus'", "did you mean 'cpu'?",
	     4, 57},
	    {"cluster: c\nservice: s\ntask_definition: t\nautoscaling: {min: 1, max: 2, "
	     "target_tracking: {metric: memory, target: 120}}\n",
	     1, "'target' must be a number above 0 and at most 100, not '120'", "percent", 4, 73},
	    {"cluster: c\nservice: s\ntask_definition: t\nautoscaling: {min: 1, max: 2, "
	     "target_tracking: {metric: alb_requests, target: 0}}\n",
	     1, "'target' must be a number above 0, not '0'", "requests per target", 4, 79},
	    {"cluster: c\nservice: s\ntask_definition: t\nautoscaling: {min: 1, max: 2, "
	     "target_tracking: {metric: cpu}}\n",
	     1, "'target_tracking' needs 'target'", NULL, 4, 48},
	    {"cluster: c\nservice: s\ntask_definition: t\nautoscaling: {min: 1, max: 2, "
	     "target_tracking: {metric: cpu, target: 50, scale_in_cooldown: 2d}}\n",
	     1, "'scale_in_cooldown' is not a cooldown: '2d'", "up to a day", 4, 93},
	    {"cluster: c\nservices: [{name: a, task_definition: t, autoscaling: [1]}]\n", 1,
	     "'autoscaling' must be a map, not a list", NULL, 2, 55},
	    {"cluster: c\nservice: s\ntask_definition: t\nfail_fast: maybe\n", 1,
	     "'fail_fast' must be true or false", "fail_fast: false", 4, 12},
	    {"cluster: c\nservice: s\ntask_definition: t\nfail_fast: {same_exit: 0}\n", 1,
	     "'fail_fast.same_exit' must be a number from 1 to 200", NULL, 4, 24},
	    {"cluster: c\nservice: s\ntask_definition: t\nfail_fast: {same_exits: 2}\n", 1,
	     "unknown key 'same_exits'", "did you mean 'same_exit'?", 4, 13},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_vars v;
		struct ship_diags d = SHIP_DIAGS_INIT;
		struct ship_err err = SHIP_ERR_INIT;
		vars_for(&v, "staging");
		struct ship_config *c =
		    ship_config_parse("ecship.yml", ship_str_c(cases[i].text), &v, &d, &err);
		if (c)
			fail_msg("case %zu loaded", i);
		assert_int_equal(err.code, SHIP_ERR_INPUT);
		const struct ship_diag *g = d.n ? &d.v[0] : NULL;
		if (!g || ship_diags_count(&d, SHIP_SEV_ERROR) != cases[i].errors ||
		    !strstr(g->message, cases[i].msg) ||
		    (cases[i].hint && (!g->hint || !strstr(g->hint, cases[i].hint))) ||
		    g->line != cases[i].line || g->column != cases[i].col)
			fail_msg("case %zu: %zu errors; first: %u:%u %s (hint %s)", i,
				 ship_diags_count(&d, SHIP_SEV_ERROR), g ? g->line : 0,
				 g ? g->column : 0, g ? g->message : "-",
				 g && g->hint ? g->hint : "-");
		ship_diags_release(&d);
		ship_vars_release(&v);
	}
}

/* `fail_fast:` (docs/config.md): on by default, false turns it off, a map sets thresholds, and
 * an environment overrides it like any key. */
static void fail_fast_key(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int on;
		long same_exit, failed_health;
	} cases[] = {
	    {"", 1, 0, 0},
	    {"fail_fast: false\n", 0, 0, 0},
	    {"fail_fast: on\n", 1, 0, 0},
	    {"fail_fast: {same_exit: 3, failed_health: 4}\n", 1, 3, 4},
	    {"fail_fast: {enabled: false, same_exit: 5}\n", 0, 5, 0},
	    {"fail_fast: {same_exit: 3}\nenvironments: {staging: {fail_fast: {enabled: no}}}\n", 0,
	     3, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		struct ship_vars v;
		struct ship_diags d = SHIP_DIAGS_INIT;
		struct ship_err err = SHIP_ERR_INIT;
		snprintf(text, sizeof(text), "cluster: c\nservice: s\ntask_definition: t\n%s",
			 cases[i].text);
		vars_for(&v, "staging");
		struct ship_config *c = ship_config_parse("ecship.yml", ship_str_c(text), &v, &d, &err);
		if (!c)
			fail_msg("case %zu: %s", i, err.message);
		if (c->fail_fast != cases[i].on || c->fail_fast_same_exit != cases[i].same_exit ||
		    c->fail_fast_failed_health != cases[i].failed_health)
			fail_msg("case %zu: fail_fast %d, %ld, %ld", i, c->fail_fast,
				 c->fail_fast_same_exit, c->fail_fast_failed_health);
		ship_config_destroy(c);
		ship_diags_release(&d);
		ship_vars_release(&v);
	}
}

/* Each command needs only the keys it uses (issue 11 item 7): the loader asks for those only. */
static void needs_only_the_keys_asked_for(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		unsigned need;
		const char *error; /* NULL: loads */
		size_t services;   /* loaded: how many; failed: how many problems (0: one) */
	} cases[] = {
	    /* `ecship infra`: stack, infra and region, no task definition */
	    {"region: us-west-2\nstack: s\ninfra: {template: t.yml}\n", 0, NULL, 0},
	    {"region: us-west-2\nstack: s\ninfra: {template: t.yml}\n", SHIP_CONFIG_NEED_ALL,
	     "missing required key 'cluster'", 3}, /* and service, task_definition */
	    /* `ecship rule`: the service, no cluster, no task definition */
	    {"service: web\nstack: s\n", SHIP_CONFIG_NEED_SERVICE, NULL, 1},
	    {"stack: s\n", SHIP_CONFIG_NEED_SERVICE, "missing required key 'service'", 0},
	    {"service: web\n", SHIP_CONFIG_NEED_SERVICE | SHIP_CONFIG_NEED_CLUSTER,
	     "missing required key 'cluster'", 1},
	    {"cluster: c\nservice: web\n", SHIP_CONFIG_NEED_CLUSTER | SHIP_CONFIG_NEED_SERVICE,
	     NULL, 1},
	    {"cluster: c\nservice: web\n", SHIP_CONFIG_NEED_ALL,
	     "missing required key 'task_definition'", 1},
	    {"cluster: c\nservices: [{name: a}, {name: b, task_definition: b.json}]\n",
	     SHIP_CONFIG_NEED_SERVICE, NULL, 2},
	    {"cluster: c\nservices: [{name: a}, {name: b, task_definition: b.json}]\n",
	     SHIP_CONFIG_NEED_TASKDEF, "service entry has no 'task_definition'", 0},
	    /* what is given is still checked, needed or not */
	    {"stack: s\nclustr: c\n", 0, "unknown key 'clustr'", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_vars v;
		struct ship_diags d = SHIP_DIAGS_INIT;
		struct ship_err err = SHIP_ERR_INIT;
		vars_for(&v, "staging");
		struct ship_config *c = ship_config_parse_for(
		    "ecship.yml", cases[i].need, ship_str_c(cases[i].text), &v, &d, &err);
		if (cases[i].error) {
			if (c)
				fail_msg("case %zu loaded", i);
			if (!d.n || !strstr(d.v[0].message, cases[i].error))
				fail_msg("case %zu: first problem '%s', want '%s'", i,
					 d.n ? d.v[0].message : "(none)", cases[i].error);
			assert_int_equal(ship_diags_count(&d, SHIP_SEV_ERROR),
					 cases[i].services > 1 ? cases[i].services : 1);
		} else {
			if (!c)
				fail_msg("case %zu: %s", i, err.message);
			assert_int_equal(c->n_services, cases[i].services);
			if (!(cases[i].need & SHIP_CONFIG_NEED_CLUSTER) &&
			    !strstr(cases[i].text, "cluster"))
				assert_null(c->cluster);
			for (size_t k = 0; k < c->n_services; k++)
				assert_non_null(c->services[k].name);
		}
		ship_config_destroy(c);
		ship_diags_release(&d);
		ship_vars_release(&v);
	}
}

static void malformed_yaml(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"cluster: c\n  service: s\n", "line 2, column 10"},
	    {"cluster: [a, b\n", "line 2"},
	    {"cluster: *nope\n", "unknown alias '*nope'"}, /* libyaml reports it while parsing */
	    {"\tcluster: c\n", "line 1, column 1"},
	    {"", "is empty"},
	    {"- a\n- b\n", "must be a map of keys"},
	    {"cluster: \"unterminated\n", "line 2"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_vars v;
		struct ship_diags d = SHIP_DIAGS_INIT;
		struct ship_err err = SHIP_ERR_INIT;
		vars_for(&v, NULL);
		struct ship_config *c =
		    ship_config_parse("e.yml", ship_str_c(cases[i].text), &v, &d, &err);
		assert_null(c);
		if (err.code != SHIP_ERR_INPUT || !strstr(err.message, cases[i].want) ||
		    !strstr(err.message, "e.yml"))
			fail_msg("case %zu: %d %s", i, err.code, err.message);
		ship_diags_release(&d);
		ship_vars_release(&v);
	}
}

static void aliases_and_missing_file(void **state)
{
	(void)state;
	static const char text[] = "cluster: &c shared\nstack: *c\nservice: s\ntask_definition: t\n";
	struct ship_vars v;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	vars_for(&v, NULL);
	struct ship_config *c = ship_config_parse("e.yml", ship_str_c(text), &v, &d, &err);
	assert_non_null(c);
	assert_string_equal(c->stack, "shared");
	ship_config_destroy(c);
	assert_null(ship_config_load("/nonexistent/ecship.yml", &v, &d, &err));
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(err.message, "ecship init"));
	ship_vars_release(&v);
}

static void survives_allocation_failures(void **state)
{
	(void)state;
	int completed = 0;
	for (long n = 1; n < 5000 && !completed; n++) {
		struct ship_vars v;
		struct ship_diags d = SHIP_DIAGS_INIT;
		struct ship_err err = SHIP_ERR_INIT;
		vars_for(&v, "production");
		tu_alloc_fail_at(n);
		struct ship_config *c =
		    ship_config_parse("ecship.yml", ship_str_c(s_full), &v, &d, &err);
		tu_alloc_fail_at(0);
		if (c) {
			completed = c->listener_rule.priority == 200;
			ship_config_destroy(c);
		} else if (err.code != SHIP_ERR_NOMEM && err.code != SHIP_ERR_INPUT) {
			fail_msg("fail at %ld: %d %s", n, err.code, err.message);
		}
		ship_diags_release(&d);
		ship_vars_release(&v);
	}
	assert_true(completed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(loads_full_config),
	    TU_TEST(applies_environment_override),
	    TU_TEST(services_list),
	    TU_TEST(top_level_service_definition_with_services),
	    TU_TEST(autoscaling_config),
	    TU_TEST(fail_fast_key),
	    TU_TEST(reports_problems),
	    TU_TEST(needs_only_the_keys_asked_for),
	    TU_TEST(malformed_yaml),
	    TU_TEST(aliases_and_missing_file),
	    TU_TEST(survives_allocation_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
