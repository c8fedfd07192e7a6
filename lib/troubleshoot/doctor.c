/*
 * doctor.c: the doctor's framework and its account-level checks (see doctor.h): base stack,
 * VPC quota and listener-rule clashes (through lib/infra), cluster, service and task
 * definition, Fargate size, execution role, log group, ECR image, DEBUG and plain secrets.
 * The network checks are in doctor_net.c. Never prints; never changes anything in AWS.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "troubleshoot/doctor_int.h"
#include "ecship/ecs.h"
#include "ecship/listener.h"
#include "ecship/logs.h"
#include "ecship/run.h"
#include "ecship/taskdef.h"
#include "ecship/tasks.h"
#include "ecship/text.h"
#include "ecship/xml.h"

const char *ship_verdict_name(enum ship_verdict v)
{
	static const char *const names[] = {"ok", "warn", "fail", "skip"};
	return (unsigned)v < 4 ? names[v] : "?";
}

/* ---- pure helpers ---------------------------------------------------------------------------- */

static int json_has_string(const json_t *v, const char *want)
{
	const json_t *e;
	size_t i;
	if (json_is_string(v))
		return !ship_strcasecmp(json_string_value(v), want);
	json_array_foreach(v, i, e)
	{
		if (json_is_string(e) && !ship_strcasecmp(json_string_value(e), want))
			return 1;
	}
	return 0;
}

int ship_trust_allows_ecs_tasks(const char *policy_json)
{
	json_t *doc = json_loads(policy_json ? policy_json : "", 0, NULL);
	json_t *st = json_object_get(doc, "Statement"), *s;
	int ok = 0;
	size_t i;
	if (json_is_object(st)) {
		json_t *one = json_array();
		json_array_append(one, st);
		json_object_set_new(doc, "Statement", one);
		st = one;
	}
	json_array_foreach(st, i, s)
	{
		const char *effect = json_string_value(json_object_get(s, "Effect"));
		json_t *pr = json_object_get(s, "Principal"), *act = json_object_get(s, "Action");
		if (!effect || strcmp(effect, "Allow"))
			continue;
		int principal =
		    json_has_string(json_object_get(pr, "Service"), "ecs-tasks.amazonaws.com") ||
		    (json_is_string(pr) && !strcmp(json_string_value(pr), "*"));
		int action = json_has_string(act, "sts:AssumeRole") ||
			     json_has_string(act, "sts:*") || json_has_string(act, "*");
		if (principal && action)
			ok = 1;
	}
	json_decref(doc);
	return ok;
}

int ship_django_debug_on(const char *v)
{
	static const char *const on[] = {"1", "true", "yes", "on", "t", "y"};
	if (!v)
		return 0;
	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		if (!ship_strcasecmp(v, on[i]))
			return 1;
	return 0;
}

int ship_env_is_development(const char *env)
{
	static const char *const dev[] = {"dev", "development", "local", "test", "testing"};
	if (!env)
		return 0;
	for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++)
		if (!ship_strcasecmp(env, dev[i]))
			return 1;
	return 0;
}

static int parse_ipv4(const char *s, unsigned long *out)
{
	unsigned long v = 0;
	int parts = 0;
	while (parts < 4) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned long b = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			b = b * 10 + (unsigned long)(*s++ - '0');
			digits++;
		}
		if (b > 255)
			return -1;
		v = (v << 8) | b;
		parts++;
		if (parts < 4 && *s++ != '.')
			return -1;
	}
	*out = v;
	return *s == '\0' || *s == '/' || *s == ':' ? 0 : -1;
}

int ship_cidr_contains(const char *cidr, const char *ip)
{
	unsigned long net, addr;
	long bits = 32;
	const char *slash = cidr ? strchr(cidr, '/') : NULL;
	if (!cidr || !ip || parse_ipv4(cidr, &net) || parse_ipv4(ip, &addr))
		return -1;
	if (slash && ship_parse_long(slash + 1, 0, 32, &bits))
		return -1;
	unsigned long mask = bits ? (0xffffffffUL << (32 - bits)) & 0xffffffffUL : 0;
	return (net & mask) == (addr & mask);
}

/* ---- recording verdicts ---------------------------------------------------------------------- */

struct ship_check *doc_add(struct doctor *d, const char *id, const char *title)
{
	static struct ship_check s_overflow_never_used;
	struct ship_doctor_report *r = d->rep;
	if (r->n >= SHIP_DOCTOR_MAX_CHECKS) {
		memset(&s_overflow_never_used, 0, sizeof(s_overflow_never_used));
		return &s_overflow_never_used;
	}
	struct ship_check *c = &r->v[r->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->title, sizeof(c->title), "%s", title);
	c->verdict = SHIP_VERDICT_OK;
	return c;
}

void doc_set(struct ship_check *c, enum ship_verdict v, const char *fmt, ...)
{
	va_list ap;
	c->verdict = v;
	va_start(ap, fmt);
	vsnprintf(c->evidence, sizeof(c->evidence), fmt, ap);
	va_end(ap);
}

void doc_more(struct ship_check *c, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(c->evidence);
	if (n && n + 2 < sizeof(c->evidence)) {
		memcpy(c->evidence + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(c->evidence + n, sizeof(c->evidence) - n, fmt, ap);
	va_end(ap);
}

void doc_fix(struct ship_check *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->fix, sizeof(c->fix), fmt, ap);
	va_end(ap);
}

void doc_error(struct ship_check *c, const char *what, const struct ship_err *err)
{
	doc_set(c, SHIP_VERDICT_WARN, "%s: %s%s%s", what, err->aws_code[0] ? err->aws_code : "",
		err->aws_code[0] ? ": " : "", err->message);
	doc_fix(c,
		"check that the identity may call it (docs/iam/ lists the permissions), then run "
		"'ecship doctor' again");
}

void doc_done(struct doctor *d, struct ship_check *c)
{
	if ((unsigned)c->verdict < 4)
		d->rep->counts[c->verdict]++;
	if (d->in->on_check)
		d->in->on_check(d->in->ctx, c);
}

const char *doc_output(const struct doctor *d, const char *key)
{
	return d->have_stack ? ship_stack_output(&d->stack, key) : NULL;
}

const char *doc_env(const json_t *cdef, const char *name)
{
	const json_t *e;
	size_t i;
	json_array_foreach(json_object_get(cdef, "environment"), i, e)
	{
		const char *n = json_string_value(json_object_get(e, "name"));
		if (n && !strcmp(n, name))
			return json_string_value(json_object_get(e, "value"));
	}
	return NULL;
}

static const char *family_of(const char *arn, char *out, size_t n)
{
	const char *s = ship_arn_tail(arn);
	snprintf(out, n, "%s", s);
	char *colon = strrchr(out, ':');
	if (colon)
		*colon = '\0';
	return out;
}

/* ---- base stack, quota, listener rule -------------------------------------------------------- */

static void check_stack(struct doctor *d)
{
	struct ship_check *c = doc_add(d, "stack", "base stack (runbook 1.2)");
	struct ship_err err = SHIP_ERR_INIT;
	if (!d->in->stack) {
		doc_set(c, SHIP_VERDICT_SKIP, "ecship.yml names no 'stack'");
		doc_fix(c, "add 'stack: django-ecs-cluster-${ENVIRONMENT}' so ${cfn:...} and these "
			   "checks can read the base stack's outputs");
	} else {
		int found = ship_stack_describe(d->aws, d->in->stack, &d->stack, &err);
		if (found < 0) {
			doc_error(c, "cannot describe the stack", &err);
		} else if (found == 0) {
			doc_set(c, SHIP_VERDICT_FAIL, "stack '%s' does not exist", d->in->stack);
			doc_fix(c, "create it once with 'ecship infra deploy'");
		} else {
			d->have_stack = 1;
			enum ship_stack_class k = ship_stack_classify(d->stack.status);
			doc_set(c, SHIP_VERDICT_OK, "stack '%s' is %s with %zu outputs",
				d->in->stack, d->stack.status, d->stack.n_outputs);
			if (k == SHIP_STACK_CLASS_DEAD || k == SHIP_STACK_CLASS_REVIEW) {
				c->verdict = SHIP_VERDICT_FAIL;
				doc_fix(
				    c,
				    "only deleting it helps: 'ecship infra delete', then 'ecship "
				    "infra deploy'");
			} else if (k == SHIP_STACK_CLASS_BUSY ||
				   k == SHIP_STACK_CLASS_ROLLED_BACK) {
				c->verdict = SHIP_VERDICT_WARN;
				doc_fix(
				    c,
				    "'ecship infra status' shows what happened; run 'ecship infra "
				    "deploy' when it has settled");
			}
		}
	}
	doc_done(d, c);
}

static void check_vpc_quota(struct doctor *d)
{
	struct ship_check *c = doc_add(d, "vpc-quota", "VPC quota (runbook 6.1)");
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_vpc_quota q;
	memset(&q, 0, sizeof(q));
	if (ship_vpc_quota_get(d->aws, &q, &err)) {
		doc_error(c, "cannot count the VPCs", &err);
	} else {
		doc_set(c, SHIP_VERDICT_OK, "%ld VPCs in %s, quota %.0f (%s)", q.count,
			ship_aws_region(d->aws), q.quota,
			q.from_api ? "from Service Quotas"
				   : "AWS's default; Service Quotas did not answer");
		if (ship_vpc_quota_full(q.count, q.quota)) {
			c->verdict = SHIP_VERDICT_FAIL;
			doc_more(c, "creating a base stack for another environment fails with 'The "
				    "maximum number of VPCs has been reached'");
			doc_fix(
			    c,
			    "reuse a VPC: 'ecship infra deploy --parameter ExistingVpcId=vpc-...' "
			    "(with its subnets), delete unused VPCs, or ask for more in Service "
			    "Quotas (vpc, %s)",
			    SHIP_VPC_QUOTA_CODE);
		}
	}
	doc_done(d, c);
}

/* The listeners of the target group's load balancer (DescribeListeners), else the stack's. */
static size_t listeners(struct doctor *d, char out[][512], size_t max, struct ship_err *err)
{
	size_t n = 0;
	if (d->tg_lb[0]) {
		struct ship_params p = {0};
		xmlDoc *doc = NULL;
		ship_params_add(&p, "LoadBalancerArn", d->tg_lb);
		int r = ship_aws_query(d->aws, SHIP_SVC_ELBV2, "DescribeListeners", &p, &doc, NULL,
				       err);
		ship_params_release(&p);
		if (r)
			return (size_t)-1;
		xmlNode *l = ship_xml_path(ship_xml_root(doc), "DescribeListenersResult/Listeners");
		for (xmlNode *m = ship_xml_first_item(l); m && n < max; m = ship_xml_next_item(m))
			ship_xml_path_copy(m, "ListenerArn", out[n++], 512);
		xmlFreeDoc(doc);
		return n;
	}
	static const char *const keys[] = {"HttpListenerArn", "HttpsListenerArn"};
	for (size_t i = 0; i < 2 && n < max; i++)
		if (doc_output(d, keys[i]))
			snprintf(out[n++], 512, "%s", doc_output(d, keys[i]));
	return n;
}

static void check_listener_rule(struct doctor *d)
{
	struct ship_check *c = doc_add(d, "listener-rule", "listener rule priority (runbook 6.2)");
	struct ship_err err = SHIP_ERR_INIT;
	char owner[600], ls[4][512];
	const struct ship_doctor_input *in = d->in;
	snprintf(owner, sizeof(owner), "%s/%s", in->cluster, in->service);
	if (!in->rule_priority && !in->rule_priority_auto) {
		doc_set(c, SHIP_VERDICT_SKIP, "ecship.yml has no listener_rule");
		doc_done(d, c);
		return;
	}
	size_t nl = listeners(d, ls, 4, &err);
	if (nl == (size_t)-1) {
		doc_error(c, "cannot list the load balancer's listeners", &err);
		doc_done(d, c);
		return;
	}
	if (!nl) {
		doc_set(c, SHIP_VERDICT_WARN,
			"no listener found (no target group with a load "
			"balancer, no HttpListenerArn output)");
		doc_fix(c,
			"deploy the base stack ('ecship infra deploy') and name its target group "
			"in the service definition");
		doc_done(d, c);
		return;
	}
	c->verdict = SHIP_VERDICT_OK;
	for (size_t i = 0; i < nl; i++) {
		struct ship_rule_list rl = {0};
		if (ship_rules_list(d->aws, ls[i], &rl, &err)) {
			doc_error(c, "cannot list the listener's rules", &err);
			break;
		}
		const char *lname = ship_arn_tail(ls[i]);
		const struct ship_listener_rule *mine = ship_rules_owned(&rl, owner);
		const struct ship_listener_rule *at =
		    in->rule_priority_auto ? mine : ship_rules_at(&rl, in->rule_priority);
		int ours = at && ((at->owner && !strcmp(at->owner, owner)) ||
				  (!at->owner && at->target_group && d->tg_arn[0] &&
				   !strcmp(at->target_group, d->tg_arn)));
		if (ours) {
			doc_more(c, "listener %s: priority %ld is ours (forwards to %s)", lname,
				 at->priority,
				 at->target_group ? ship_arn_tail(at->target_group) : "-");
		} else if (at) {
			const char *host =
			    at->n_conds && at->conds[0].n_values ? at->conds[0].values[0] : "";
			c->verdict = SHIP_VERDICT_FAIL;
			doc_more(
			    c,
			    "listener %s: priority %ld is held by another rule (%s%s%s, %s %s, "
			    "owner %s); creating ours fails with 'A rule with the given "
			    "priority already exists'",
			    lname, at->priority, at->n_conds ? at->conds[0].field : "no condition",
			    host[0] ? " " : "", host, at->action_type ? at->action_type : "?",
			    at->target_group ? ship_arn_tail(at->target_group) : "",
			    at->owner ? at->owner : "none");
			doc_fix(
			    c,
			    "set listener_rule.priority in ecship.yml to a free one (%ld is free), "
			    "or 'priority: auto'; give each environment its own priority",
			    ship_rules_pick_priority(&rl, in->rule_priority));
		} else if (mine) {
			if (c->verdict == SHIP_VERDICT_OK)
				c->verdict = SHIP_VERDICT_WARN;
			doc_more(c, "listener %s: our rule is at priority %ld, not %ld", lname,
				 mine->priority, in->rule_priority);
			doc_fix(c, "'ecship rule ensure' moves it to the configured priority");
		} else if (i == 0) {
			if (c->verdict == SHIP_VERDICT_OK)
				c->verdict = SHIP_VERDICT_WARN;
			doc_more(c, "listener %s: no rule at priority %ld yet", lname,
				 in->rule_priority);
			doc_fix(c, "'ecship rule ensure' creates it");
		}
		ship_rule_list_release(&rl);
	}
	doc_done(d, c);
}

/* ---- ECS ----------------------------------------------------------------------------------- */

static int check_cluster(struct doctor *d, struct ship_err *fatal)
{
	struct ship_check *c = doc_add(d, "cluster", "ECS cluster");
	struct ship_err err = SHIP_ERR_INIT;
	json_t *resp = NULL, *req = json_pack("{s:[s]}", "clusters", d->in->cluster);
	int r =
	    req ? ship_aws_json(d->aws, SHIP_SVC_ECS, "DescribeClusters", req, &resp, NULL, &err)
		: ship_err_set(&err, SHIP_ERR_NOMEM, "out of memory");
	json_decref(req);
	if (r) {
		if (err.code != SHIP_ERR_AWS) {
			*fatal = err;
			json_decref(resp);
			d->rep->n--;
			return -1;
		}
		doc_error(c, "cannot describe the cluster", &err);
	} else {
		json_t *cl = json_array_get(json_object_get(resp, "clusters"), 0);
		const char *st = json_string_value(json_object_get(cl, "status"));
		if (st && !strcmp(st, "ACTIVE")) {
			doc_set(
			    c, SHIP_VERDICT_OK,
			    "cluster '%s' is ACTIVE, %lld running tasks, %lld "
			    "services",
			    d->in->cluster,
			    (long long)json_integer_value(json_object_get(cl, "runningTasksCount")),
			    (long long)json_integer_value(
				json_object_get(cl, "activeServicesCount")));
		} else {
			doc_set(c, SHIP_VERDICT_FAIL, "cluster '%s' %s", d->in->cluster,
				st ? "is INACTIVE" : "does not exist");
			doc_fix(
			    c,
			    "the base stack creates it ('ecship infra deploy'); check 'cluster:' "
			    "in ecship.yml and --region");
		}
	}
	json_decref(resp);
	doc_done(d, c);
	return 0;
}

static void check_service(struct doctor *d)
{
	struct ship_check *c = doc_add(d, "service", "service and task definition agree");
	struct ship_err err = SHIP_ERR_INIT;
	const char *want_family = json_string_value(json_object_get(d->in->taskdef, "family"));
	char fam[300];
	if (ship_ecs_describe_service(d->aws, d->in->cluster, d->in->service, &d->service, &err)) {
		doc_error(c, "cannot describe the service", &err);
		doc_done(d, c);
		return;
	}
	if (!d->service) {
		doc_set(c, SHIP_VERDICT_WARN, "service '%s' does not exist in cluster '%s'",
			d->in->service, d->in->cluster);
		doc_fix(c, "'ecship deploy' creates it from the service definition");
		doc_done(d, c);
		return;
	}
	const char *td = json_string_value(json_object_get(d->service, "taskDefinition"));
	family_of(td ? td : "", fam, sizeof(fam));
	doc_set(c, SHIP_VERDICT_OK, "service '%s' is %s on %s (desired %lld, running %lld)",
		d->in->service, json_string_value(json_object_get(d->service, "status")),
		ship_arn_tail(td),
		(long long)json_integer_value(json_object_get(d->service, "desiredCount")),
		(long long)json_integer_value(json_object_get(d->service, "runningCount")));
	if (ship_ecs_describe_taskdef(d->aws, td, &d->live_td, &err)) {
		c->verdict = SHIP_VERDICT_FAIL;
		doc_more(c, "its task definition %s cannot be read: %s", ship_arn_tail(td),
			 err.message);
		doc_fix(c, "'ecship deploy' registers a new revision and moves the service to it");
	}
	if (want_family && strcmp(want_family, fam)) {
		c->verdict = SHIP_VERDICT_FAIL;
		doc_more(c,
			 "it runs family '%s' but the task definition of ecship.yml is family '%s'",
			 fam, want_family);
		doc_fix(c,
			"make 'family' in the task definition file '%s' (a deploy would switch the "
			"service to another family)",
			fam);
	}
	const char *live_tg = json_string_value(json_object_get(
	    json_array_get(json_object_get(d->service, "loadBalancers"), 0), "targetGroupArn"));
	const char *want_tg = json_string_value(
	    json_object_get(json_array_get(json_object_get(d->in->service_def, "loadBalancers"), 0),
			    "targetGroupArn"));
	if (live_tg && want_tg && strcmp(live_tg, want_tg)) {
		c->verdict = SHIP_VERDICT_FAIL;
		doc_more(c, "it sends traffic to target group %s, the service definition names %s",
			 ship_arn_tail(live_tg), ship_arn_tail(want_tg));
		doc_fix(c, "ECS cannot move a service to another target group by a deploy: fix the "
			   "service definition, or recreate the service");
	}
	doc_done(d, c);
}

static int is_fargate(const struct doctor *d)
{
	const json_t *rc = json_object_get(d->in->taskdef, "requiresCompatibilities");
	const char *lt = json_string_value(json_object_get(d->svc, "launchType"));
	return json_has_string(rc, "FARGATE") || (lt && !strcmp(lt, "FARGATE"));
}

static void check_task_size(struct doctor *d)
{
	struct ship_check *c = doc_add(d, "task-size", "Fargate cpu and memory");
	const json_t *td = d->in->taskdef;
	const char *cpu = json_string_value(json_object_get(td, "cpu"));
	const char *mem = json_string_value(json_object_get(td, "memory"));
	char cbuf[32], mbuf[32];
	long units = 0, mib = 0;
	if (!cpu && json_is_integer(json_object_get(td, "cpu"))) {
		snprintf(cbuf, sizeof(cbuf), "%lld",
			 (long long)json_integer_value(json_object_get(td, "cpu")));
		cpu = cbuf;
	}
	if (!mem && json_is_integer(json_object_get(td, "memory"))) {
		snprintf(mbuf, sizeof(mbuf), "%lld",
			 (long long)json_integer_value(json_object_get(td, "memory")));
		mem = mbuf;
	}
	if (!is_fargate(d)) {
		doc_set(c, SHIP_VERDICT_SKIP, "not a Fargate task definition");
	} else if (!cpu || !mem || ship_parse_cpu(cpu, &units) || ship_parse_memory(mem, &mib)) {
		doc_set(c, SHIP_VERDICT_FAIL,
			"Fargate needs task-level cpu and memory; got cpu %s, "
			"memory %s",
			cpu ? cpu : "(none)", mem ? mem : "(none)");
		doc_fix(c, "set e.g. \"cpu\": \"256\", \"memory\": \"512\" in the task definition");
	} else if (!ship_fargate_size_ok(units, mib)) {
		char valid[256] = "";
		size_t n = 0;
		for (long m = 512; m <= 122880 && n + 12 < sizeof(valid);
		     m += m < 1024 ? 512 : 1024)
			if (ship_fargate_size_ok(units, m))
				n += (size_t)snprintf(valid + n, sizeof(valid) - n, "%s%ld",
						      n ? ", " : "", m);
		doc_set(c, SHIP_VERDICT_FAIL,
			"cpu %s (%ld units) with memory %s (%ld MiB) is not a "
			"Fargate size",
			cpu, units, mem, mib);
		doc_fix(
		    c, "with cpu %ld use memory %s", units,
		    valid[0]
			? valid
			: "(cpu is not a Fargate value: 256, 512, 1024, 2048, 4096, 8192, 16384)");
	} else {
		doc_set(c, SHIP_VERDICT_OK, "cpu %ld units, memory %ld MiB", units, mib);
	}
	doc_done(d, c);
}

static int image_is_ecr(const char *image, char *acct, char *repo, size_t rn, char *tag, size_t tn,
			int *digest)
{
	struct ship_image_ref ref;
	if (!image || ship_image_parse(ship_str_c(image), &ref))
		return 0;
	const char *p = ref.name.p, *slash = memchr(p, '/', ref.name.len);
	if (!slash)
		return 0;
	size_t hl = (size_t)(slash - p);
	const char *dkr = strstr(p, ".dkr.ecr.");
	if (!dkr || dkr > slash || !(hl > 14 && !strncmp(slash - 14, ".amazonaws.com", 14)) ||
	    (size_t)(dkr - p) != 12)
		return 0;
	snprintf(acct, 13, "%.12s", p);
	snprintf(repo, rn, "%.*s", (int)(ref.name.len - hl - 1), slash + 1);
	*digest = ref.digest.len > 0;
	if (*digest)
		snprintf(tag, tn, "%.*s", (int)ref.digest.len, ref.digest.p);
	else if (ref.tag.len)
		snprintf(tag, tn, "%.*s", (int)ref.tag.len, ref.tag.p);
	else
		snprintf(tag, tn, "latest");
	return 1;
}

static void check_execution_role(struct doctor *d)
{
	struct ship_check *c = doc_add(d, "execution-role", "task execution role");
	struct ship_err err = SHIP_ERR_INIT;
	const char *arn = json_string_value(json_object_get(d->in->taskdef, "executionRoleArn"));
	char acct[16], repo[256], tag[160];
	int dig, needs = image_is_ecr(json_string_value(json_object_get(d->cdef, "image")), acct,
				      repo, sizeof(repo), tag, sizeof(tag), &dig);
	struct ship_awslogs al;
	struct ship_err ignore = SHIP_ERR_INIT;
	needs |= !ship_awslogs_of(d->in->taskdef, NULL, &al, &ignore);
	if (!arn || !*arn) {
		doc_set(c, needs ? SHIP_VERDICT_FAIL : SHIP_VERDICT_OK,
			"the task definition has no executionRoleArn%s",
			needs ? ", but it pulls from ECR or writes to CloudWatch Logs" : "");
		if (needs)
			doc_fix(
			    c,
			    "set \"executionRoleArn\": \"${cfn:TaskExecutionRoleArn}\" (the base "
			    "stack's role)");
		doc_done(d, c);
		return;
	}
	const char *slash = strrchr(arn, '/');
	const char *name = slash ? slash + 1 : arn;
	struct ship_params p = {0};
	xmlDoc *doc = NULL;
	ship_params_add(&p, "RoleName", name);
	int r = ship_aws_query(d->aws, SHIP_SVC_IAM, "GetRole", &p, &doc, NULL, &err);
	ship_params_release(&p);
	if (r && !strcmp(err.aws_code, "NoSuchEntity")) {
		doc_set(c, SHIP_VERDICT_FAIL,
			"role '%s' (%s) does not exist; tasks stop with "
			"'ECS was unable to assume the role'",
			name, arn);
		doc_fix(c,
			"use the base stack's role: \"executionRoleArn\": "
			"\"${cfn:TaskExecutionRoleArn}\"%s%s, or create '%s' with the "
			"AmazonECSTaskExecutionRolePolicy",
			doc_output(d, "TaskExecutionRoleArn") ? " = " : "",
			doc_output(d, "TaskExecutionRoleArn")
			    ? doc_output(d, "TaskExecutionRoleArn")
			    : "",
			name);
	} else if (r) {
		doc_error(c, "cannot read the role", &err);
	} else {
		/* IAM returns the policy document URL-encoded */
		char *raw = ship_xml_path_text(ship_xml_root(doc),
					       "GetRoleResult/Role/AssumeRolePolicyDocument");
		struct ship_buf trust = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
		int have =
		    raw && ship_pct_decode(&trust, ship_str_c(raw), SHIP_PCT_PLUS_SPACE) == 0;
		ship_free(raw);
		if (ship_trust_allows_ecs_tasks(have ? trust.data : NULL)) {
			doc_set(c, SHIP_VERDICT_OK,
				"role '%s' exists and ecs-tasks.amazonaws.com may "
				"assume it",
				name);
		} else {
			doc_set(c, SHIP_VERDICT_FAIL,
				"role '%s' exists but its trust policy does not "
				"let ecs-tasks.amazonaws.com assume it",
				name);
			doc_fix(
			    c,
			    "add a statement {\"Effect\": \"Allow\", \"Principal\": {\"Service\": "
			    "\"ecs-tasks.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"} to its "
			    "trust policy");
		}
		ship_buf_release(&trust);
	}
	xmlFreeDoc(doc);
	doc_done(d, c);
}

static void check_log_group(struct doctor *d)
{
	struct ship_check *c = doc_add(d, "log-group", "CloudWatch Logs group");
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_awslogs al;
	if (ship_awslogs_of(d->in->taskdef, d->container, &al, &err)) {
		doc_set(c, SHIP_VERDICT_WARN, "%s", err.message);
		doc_fix(
		    c,
		    "use \"logConfiguration\": {\"logDriver\": \"awslogs\", ...} so 'ecship logs' "
		    "and the failure diagnosis can read the output");
		doc_done(d, c);
		return;
	}
	json_t *resp = NULL, *req = json_pack("{s:s}", "logGroupNamePrefix", al.group);
	int r =
	    req ? ship_aws_json(d->aws, SHIP_SVC_LOGS, "DescribeLogGroups", req, &resp, NULL, &err)
		: ship_err_set(&err, SHIP_ERR_NOMEM, "out of memory");
	json_decref(req);
	if (r) {
		doc_error(c, "cannot list the log groups", &err);
		doc_done(d, c);
		return;
	}
	int found = 0;
	json_t *g;
	size_t i;
	json_array_foreach(json_object_get(resp, "logGroups"), i, g)
	{
		const char *n = json_string_value(json_object_get(g, "logGroupName"));
		found |= n && !strcmp(n, al.group);
	}
	json_decref(resp);
	const char *create = json_string_value(json_object_get(
	    json_object_get(json_object_get(d->cdef, "logConfiguration"), "options"),
	    "awslogs-create-group"));
	const char *region = ship_aws_region(d->aws);
	if (found) {
		doc_set(c, SHIP_VERDICT_OK, "log group '%s' exists", al.group);
	} else if (create && !ship_strcasecmp(create, "true")) {
		doc_set(c, SHIP_VERDICT_WARN,
			"log group '%s' does not exist; awslogs-create-group "
			"creates it on the first start",
			al.group);
		doc_fix(c, "the execution role then needs logs:CreateLogGroup");
	} else {
		doc_set(c, SHIP_VERDICT_FAIL,
			"log group '%s' does not exist in %s; tasks fail to "
			"start with 'ResourceInitializationError: failed to "
			"validate logger args'",
			al.group, region ? region : "the region");
		doc_fix(
		    c,
		    "create it ('aws logs create-log-group --log-group-name %s'), use the "
		    "base stack's ${cfn:LogGroupName}, or add \"awslogs-create-group\": \"true\"",
		    al.group);
	}
	if (al.region[0] && region && strcmp(al.region, region))
		doc_more(c, "awslogs-region is %s, checked in %s", al.region, region);
	doc_done(d, c);
}

static void check_image(struct doctor *d)
{
	struct ship_check *c = doc_add(d, "image", "image in ECR");
	struct ship_err err = SHIP_ERR_INIT;
	const char *image = json_string_value(json_object_get(d->cdef, "image"));
	char acct[16], repo[256], tag[160];
	int digest = 0;
	if (!image_is_ecr(image, acct, repo, sizeof(repo), tag, sizeof(tag), &digest)) {
		doc_set(c, SHIP_VERDICT_SKIP, "'%s' is not an ECR image; ecship checks only ECR",
			image ? image : "(none)");
		doc_done(d, c);
		return;
	}
	json_t *resp = NULL,
	       *req = json_pack("{s:s, s:s, s:[{s:s}]}", "registryId", acct, "repositoryName", repo,
				"imageIds", digest ? "imageDigest" : "imageTag", tag);
	int r = req ? ship_aws_json(d->aws, SHIP_SVC_ECR, "DescribeImages", req, &resp, NULL, &err)
		    : ship_err_set(&err, SHIP_ERR_NOMEM, "out of memory");
	json_decref(req);
	json_decref(resp);
	if (!r) {
		doc_set(c, SHIP_VERDICT_OK, "%s:%s exists in ECR", repo, tag);
	} else if (!strcmp(err.aws_code, "ImageNotFoundException")) {
		doc_set(c, SHIP_VERDICT_FAIL,
			"repository '%s' has no image '%s'; tasks would stop "
			"with CannotPullContainerError",
			repo, tag);
		doc_fix(c,
			"push it first (docker push %s), or deploy a tag that exists "
			"('aws ecr describe-images --repository-name %s' lists them)",
			image, repo);
	} else if (!strcmp(err.aws_code, "RepositoryNotFoundException")) {
		doc_set(c, SHIP_VERDICT_FAIL, "ECR repository '%s' does not exist in account %s",
			repo, acct);
		doc_fix(c,
			"create it ('aws ecr create-repository --repository-name %s') and push the "
			"image",
			repo);
	} else {
		doc_error(c, "cannot look the image up", &err);
	}
	doc_done(d, c);
}

static void check_debug(struct doctor *d)
{
	struct ship_check *c = doc_add(d, "debug", "DEBUG off outside development");
	const char *v = doc_env(d->cdef, "DEBUG");
	const char *env = d->in->environment;
	if (!v)
		doc_set(c, SHIP_VERDICT_OK, "DEBUG is not set (Django's default is off)");
	else if (!ship_django_debug_on(v))
		doc_set(c, SHIP_VERDICT_OK, "DEBUG=%s", v);
	else if (ship_env_is_development(env))
		doc_set(c, SHIP_VERDICT_OK, "DEBUG=%s in the '%s' environment", v, env);
	else {
		doc_set(c, SHIP_VERDICT_FAIL,
			"DEBUG=%s in the '%s' environment: error pages show "
			"settings and source to anyone",
			v, env ? env : "(unnamed)");
		doc_fix(c, "set DEBUG to 0 in the task definition's environment");
	}
	doc_done(d, c);
}

static void check_secrets(struct doctor *d)
{
	struct ship_check *c = doc_add(d, "secrets", "no plain-text secrets in environment");
	struct ship_diags diags;
	ship_diags_init(&diags, 0);
	ship_taskdef_validate(d->in->taskdef, NULL, NULL, &diags);
	doc_set(c, SHIP_VERDICT_OK, "no environment value looks like a secret");
	size_t n = 0;
	for (size_t i = 0; i < diags.n; i++) {
		const struct ship_diag *g = &diags.v[i];
		if (g->severity != SHIP_SEV_WARNING || !g->hint || !strstr(g->hint, "\"secrets\""))
			continue;
		if (!n++)
			doc_set(c, SHIP_VERDICT_WARN, "%s", g->message);
		else
			doc_more(c, "%s", g->message);
		doc_fix(c, "%s", g->hint);
	}
	ship_diags_release(&diags);
	doc_done(d, c);
}

/* ---- the run --------------------------------------------------------------------------------- */

static void find_container(struct doctor *d)
{
	const json_t *c;
	size_t i;
	d->svc = d->service ? d->service : d->in->service_def;
	d->container = ship_run_main_container(d->in->taskdef, d->svc);
	json_array_foreach(json_object_get(d->in->taskdef, "containerDefinitions"), i, c)
	{
		const char *n = json_string_value(json_object_get(c, "name"));
		if (n && d->container && !strcmp(n, d->container))
			d->cdef = c;
	}
	const json_t *lb = json_array_get(json_object_get(d->svc, "loadBalancers"), 0);
	if (json_is_integer(json_object_get(lb, "containerPort")))
		d->port = (long)json_integer_value(json_object_get(lb, "containerPort"));
	else
		d->port = (long)json_integer_value(json_object_get(
		    json_array_get(json_object_get(d->cdef, "portMappings"), 0), "containerPort"));
	const char *tg = json_string_value(json_object_get(lb, "targetGroupArn"));
	snprintf(d->tg_arn, sizeof(d->tg_arn), "%s", tg ? tg : "");
	const json_t *net = json_object_get(json_object_get(d->svc, "networkConfiguration"),
					    "awsvpcConfiguration"),
		     *v;
	json_array_foreach(json_object_get(net, "subnets"), i, v)
	{
		if (d->n_subnets < DOC_MAX_IDS && json_is_string(v))
			snprintf(d->subnets[d->n_subnets++], 64, "%s", json_string_value(v));
	}
	json_array_foreach(json_object_get(net, "securityGroups"), i, v)
	{
		if (d->n_sgs < DOC_MAX_IDS && json_is_string(v))
			snprintf(d->sgs[d->n_sgs++], 64, "%s", json_string_value(v));
	}
	const char *ap = json_string_value(json_object_get(net, "assignPublicIp"));
	d->public_ip = ap && !strcmp(ap, "ENABLED");
}

int ship_doctor_run(struct ship_aws *aws, const struct ship_doctor_input *in,
		    struct ship_doctor_report *rep, struct ship_err *err)
{
	struct doctor d;
	memset(&d, 0, sizeof(d));
	memset(rep, 0, sizeof(*rep));
	d.aws = aws;
	d.in = in;
	d.rep = rep;
	if (check_cluster(&d, err))
		return -1;
	check_stack(&d);
	check_service(&d);
	find_container(&d);
	doc_load_network(&d);
	check_vpc_quota(&d);
	check_listener_rule(&d);
	check_task_size(&d);
	check_execution_role(&d);
	check_log_group(&d);
	check_image(&d);
	doc_check_security_group(&d);
	doc_check_target_group(&d);
	doc_check_routes(&d);
	doc_check_allowed_hosts(&d);
	check_debug(&d);
	check_secrets(&d);
	ship_stack_release(&d.stack);
	json_decref(d.service);
	json_decref(d.live_td);
	return 0;
}
