/*
 * rules.c: listener rules that never clash (runbook 6.2): list a listener's rules with their
 * ecship:rule tags, pick the lowest free priority, and create or update exactly one rule of
 * ours, detecting a foreign rule on our priority before any create call and retrying
 * `priority: auto` when a concurrent caller takes the priority first.
 * Depends on the client (aws.h), xml.h; never prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecship/i18n.h"
#include "ecship/listener.h"
#include "ecship/xml.h"

#define TAGS_PER_CALL 20

static int oom(struct ship_err *err)
{
	return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
}

/* ---- the list ------------------------------------------------------------------------------ */

static void rule_free(struct ship_listener_rule *r)
{
	ship_free(r->arn);
	for (size_t i = 0; i < r->n_conds; i++) {
		ship_free(r->conds[i].field);
		for (size_t j = 0; j < r->conds[i].n_values; j++)
			ship_free(r->conds[i].values[j]);
		ship_free(r->conds[i].values);
	}
	ship_free(r->conds);
	ship_free(r->action_type);
	ship_free(r->target_group);
	ship_free(r->alt_target_group);
	ship_free(r->owner);
	memset(r, 0, sizeof(*r));
}

void ship_rule_list_release(struct ship_rule_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		rule_free(&l->v[i]);
	ship_free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Values of a condition: the *Config/Values list when present, else the legacy Values. */
static int parse_values(const xmlNode *c, struct ship_rule_condition *out)
{
	static const char *const configs[] = {"HostHeaderConfig", "PathPatternConfig",
					      "HttpRequestMethodConfig", "SourceIpConfig",
					      "HttpHeaderConfig"};
	xmlNode *list = NULL;
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]) && !list; i++) {
		xmlNode *cfg = ship_xml_child(c, configs[i]);
		xmlNode *l = ship_xml_child(cfg, "Values");
		if (l && ship_xml_count_items(l))
			list = l;
	}
	if (!list)
		list = ship_xml_child(c, "Values");
	size_t n = ship_xml_count_items(list);
	if (!n)
		return 0;
	out->values = ship_calloc(n, sizeof(*out->values));
	if (!out->values)
		return -1;
	for (xmlNode *v = ship_xml_first_item(list); v && out->n_values < n;
	     v = ship_xml_next_item(v)) {
		out->values[out->n_values] = ship_xml_text(v);
		if (!out->values[out->n_values])
			return -1;
		out->n_values++;
	}
	return 0;
}

/* A ForwardConfig target group's Weight (0..999; absent or unreadable: 1, ELB's default). */
static long weight_of(const xmlNode *tg)
{
	char w[24];
	long v;
	return ship_parse_long(ship_xml_path_copy(tg, "Weight", w, sizeof(w)), 0, 999, &v) ? 1 : v;
}

static int parse_rule(const xmlNode *m, struct ship_listener_rule *r)
{
	char prio[32], isdef[8];
	r->arn = ship_xml_path_text(m, "RuleArn");
	ship_xml_path_copy(m, "Priority", prio, sizeof(prio));
	ship_xml_path_copy(m, "IsDefault", isdef, sizeof(isdef));
	r->is_default = !strcmp(isdef, "true") || !strcmp(prio, "default");
	if (r->is_default || ship_parse_long(prio, 1, SHIP_RULE_PRIORITY_MAX, &r->priority))
		r->priority = 0;
	if (!r->arn)
		return -1;
	xmlNode *conds = ship_xml_child(m, "Conditions");
	size_t n = ship_xml_count_items(conds);
	if (n) {
		r->conds = ship_calloc(n, sizeof(*r->conds));
		if (!r->conds)
			return -1;
	}
	for (xmlNode *c = ship_xml_first_item(conds); c && r->n_conds < n;
	     c = ship_xml_next_item(c)) {
		struct ship_rule_condition *rc = &r->conds[r->n_conds++];
		rc->field = ship_xml_path_text(c, "Field");
		if (!rc->field || parse_values(c, rc))
			return -1;
	}
	xmlNode *acts = ship_xml_child(m, "Actions");
	r->n_actions = ship_xml_count_items(acts);
	for (xmlNode *a = ship_xml_first_item(acts); a; a = ship_xml_next_item(a)) {
		char type[32];
		ship_xml_path_copy(a, "Type", type, sizeof(type));
		if (!r->action_type && !(r->action_type = ship_strdup(type)))
			return -1;
		if (strcmp(type, "forward") || r->target_group)
			continue;
		r->target_group = ship_xml_path_text(a, "TargetGroupArn");
		xmlNode *tgs = ship_xml_path(a, "ForwardConfig/TargetGroups");
		if (!r->target_group || !*r->target_group) {
			ship_freep(&r->target_group);
			r->target_group =
			    ship_xml_path_text(ship_xml_first_item(tgs), "TargetGroupArn");
		}
		/* two target groups: blue and green, weighted (ECS shifts them) */
		xmlNode *first = ship_xml_first_item(tgs), *second = ship_xml_next_item(first);
		if (second && ship_xml_count_items(tgs) == 2) {
			r->alt_target_group = ship_xml_path_text(second, "TargetGroupArn");
			r->weight = weight_of(first);
			r->alt_weight = weight_of(second);
			if (!r->alt_target_group || !*r->alt_target_group)
				ship_freep(&r->alt_target_group);
		}
	}
	return 0;
}

static int rule_cmp(const void *a, const void *b)
{
	const struct ship_listener_rule *x = a, *y = b;
	if (x->is_default != y->is_default)
		return x->is_default - y->is_default;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return strcmp(x->arn, y->arn);
}

static int rules_page(void *ctx, const xmlNode *root, struct ship_err *err)
{
	struct ship_rule_list *out = ctx;
	xmlNode *res = ship_xml_path(root, "DescribeRulesResult");
	for (xmlNode *m = ship_xml_first_item(ship_xml_child(res, "Rules")); m;
	     m = ship_xml_next_item(m)) {
		struct ship_listener_rule *nv = ship_realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (!nv)
			return oom(err);
		out->v = nv;
		memset(&out->v[out->n], 0, sizeof(out->v[0]));
		int r = parse_rule(m, &out->v[out->n]);
		out->n++;
		if (r)
			return oom(err);
	}
	return 0;
}

static int describe_rules(struct ship_aws *aws, const char *listener, struct ship_rule_list *out,
			  struct ship_err *err)
{
	struct ship_params params = {0};
	int r = ship_params_add(&params, "ListenerArn", listener)
		    ? oom(err)
		    : ship_aws_query_pages(aws, SHIP_SVC_ELBV2, "DescribeRules", &params, "Marker",
					   "DescribeRulesResult/NextMarker", rules_page, out, err);
	ship_params_release(&params);
	return r;
}

static struct ship_listener_rule *find_arn(struct ship_rule_list *l, const char *arn)
{
	for (size_t i = 0; arn && i < l->n; i++)
		if (!strcmp(l->v[i].arn, arn))
			return &l->v[i];
	return NULL;
}

static int describe_tags(struct ship_aws *aws, struct ship_rule_list *l, struct ship_err *err)
{
	for (size_t start = 0; start < l->n; start += TAGS_PER_CALL) {
		struct ship_params params = {0};
		xmlDoc *doc = NULL;
		size_t k = 0;
		for (size_t i = start; i < l->n && i < start + TAGS_PER_CALL; i++)
			if (!l->v[i].is_default)
				ship_params_addf(&params, l->v[i].arn, "ResourceArns.member.%zu",
						 ++k);
		if (!k) {
			ship_params_release(&params);
			continue;
		}
		int r =
		    ship_aws_query(aws, SHIP_SVC_ELBV2, "DescribeTags", &params, &doc, NULL, err);
		ship_params_release(&params);
		if (r)
			return -1;
		xmlNode *descs =
		    ship_xml_path(ship_xml_root(doc), "DescribeTagsResult/TagDescriptions");
		for (xmlNode *d = ship_xml_first_item(descs); d; d = ship_xml_next_item(d)) {
			char arn[512];
			ship_xml_path_copy(d, "ResourceArn", arn, sizeof(arn));
			struct ship_listener_rule *rule = find_arn(l, arn);
			if (!rule)
				continue;
			for (xmlNode *t = ship_xml_first_item(ship_xml_child(d, "Tags")); t;
			     t = ship_xml_next_item(t)) {
				char key[64];
				ship_xml_path_copy(t, "Key", key, sizeof(key));
				if (strcmp(key, SHIP_RULE_TAG))
					continue;
				ship_free(rule->owner);
				rule->owner = ship_xml_path_text(t, "Value");
			}
		}
		xmlFreeDoc(doc);
	}
	return 0;
}

int ship_rules_list(struct ship_aws *aws, const char *listener_arn, struct ship_rule_list *out,
		    struct ship_err *err)
{
	memset(out, 0, sizeof(*out));
	if (describe_rules(aws, listener_arn, out, err) || describe_tags(aws, out, err)) {
		ship_rule_list_release(out);
		return ship_err_prefix(err, _("cannot list the rules of listener '%s'"), listener_arn);
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), rule_cmp);
	return 0;
}

/* ---- pure decisions ------------------------------------------------------------------------ */

const struct ship_listener_rule *ship_rules_at(const struct ship_rule_list *l, long p)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (!l->v[i].is_default && l->v[i].priority == p)
			return &l->v[i];
	return NULL;
}

const struct ship_listener_rule *ship_rules_owned(const struct ship_rule_list *l, const char *owner)
{
	const struct ship_listener_rule *best = NULL;
	for (size_t i = 0; l && i < l->n; i++) {
		const struct ship_listener_rule *r = &l->v[i];
		if (r->is_default || !r->owner || strcmp(r->owner, owner))
			continue;
		if (!best || r->priority < best->priority ||
		    (r->priority == best->priority && strcmp(r->arn, best->arn) < 0))
			best = r;
	}
	return best;
}

long ship_rules_pick_priority(const struct ship_rule_list *l, long from)
{
	if (from < 1)
		from = 1;
	for (long p = from; p <= SHIP_RULE_PRIORITY_MAX; p++)
		if (!ship_rules_at(l, p))
			return p;
	return -1;
}

static const struct ship_rule_condition *cond_of(const struct ship_listener_rule *r,
						 const char *field)
{
	for (size_t i = 0; i < r->n_conds; i++)
		if (r->conds[i].field && !strcmp(r->conds[i].field, field))
			return &r->conds[i];
	return NULL;
}

/* Whether the values of c are exactly the set want (as sets; ci: ignore ASCII case). */
static int same_set(const struct ship_rule_condition *c, const char *const *want, size_t n, int ci)
{
	size_t have = c ? c->n_values : 0;
	for (size_t i = 0; i < n; i++) {
		int found = 0;
		for (size_t j = 0; j < have && !found; j++)
			found = ci ? !ship_strcasecmp(c->values[j], want[i])
				   : !strcmp(c->values[j], want[i]);
		if (!found)
			return 0;
	}
	for (size_t j = 0; j < have; j++) {
		int found = 0;
		for (size_t i = 0; i < n && !found; i++)
			found = ci ? !ship_strcasecmp(c->values[j], want[i])
				   : !strcmp(c->values[j], want[i]);
		if (!found)
			return 0;
	}
	return 1;
}

int ship_rule_matches(const struct ship_listener_rule *r, const struct ship_rule_spec *s)
{
	size_t want_conds = (s->n_host_headers > 0) + (s->n_path_patterns > 0);
	if (r->n_conds != want_conds)
		return 0;
	if (s->n_host_headers &&
	    !same_set(cond_of(r, "host-header"), s->host_headers, s->n_host_headers, 1))
		return 0;
	if (s->n_path_patterns &&
	    !same_set(cond_of(r, "path-pattern"), s->path_patterns, s->n_path_patterns, 0))
		return 0;
	if (r->n_actions != 1 || !r->action_type || strcmp(r->action_type, "forward") ||
	    !r->target_group || !s->target_group_arn)
		return 0;
	return !strcmp(r->target_group, s->target_group_arn) ||
	       (r->alt_target_group && !strcmp(r->alt_target_group, s->target_group_arn));
}

/* ECS moves traffic on it: two target groups with neither at 0 (a shift under way). */
static int mid_shift(const struct ship_listener_rule *r)
{
	return r->alt_target_group && r->weight > 0 && r->alt_weight > 0;
}

/* ---- calls --------------------------------------------------------------------------------- */

/* The spec's conditions, and its forward action unless actions is 0 (ModifyRule keeps them). */
static int add_conditions_actions(struct ship_params *p, const struct ship_rule_spec *s,
				  int actions)
{
	size_t c = 0;
	int r = 0;
	if (s->n_host_headers) {
		c++;
		r |= ship_params_addf(p, "host-header", "Conditions.member.%zu.Field", c);
		for (size_t i = 0; i < s->n_host_headers; i++)
			r |= ship_params_addf(
			    p, s->host_headers[i],
			    "Conditions.member.%zu.HostHeaderConfig.Values.member.%zu", c, i + 1);
	}
	if (s->n_path_patterns) {
		c++;
		r |= ship_params_addf(p, "path-pattern", "Conditions.member.%zu.Field", c);
		for (size_t i = 0; i < s->n_path_patterns; i++)
			r |= ship_params_addf(
			    p, s->path_patterns[i],
			    "Conditions.member.%zu.PathPatternConfig.Values.member.%zu", c, i + 1);
	}
	if (!actions)
		return r ? -1 : 0;
	r |= ship_params_add(p, "Actions.member.1.Type", "forward");
	r |= ship_params_add(p, "Actions.member.1.TargetGroupArn", s->target_group_arn);
	return r ? -1 : 0;
}

/*
 * CreateRule is not idempotent (no token in botocore's ELBv2 model): a copy resent after a lost
 * answer meets PriorityInUse, or, with priority auto, takes a second priority. Before any retry
 * the listener's rules are read (ship_call_opts.took_effect): a rule with our owner tag, which did
 * not exist when the create was decided, is the lost attempt's.
 */
struct lost_rule {
	struct ship_aws *aws;
	const struct ship_rule_spec *s;
	char *arn;
	size_t arn_size;
};

static int rule_took_effect(void *ctx, struct ship_err *err)
{
	struct lost_rule *l = ctx;
	struct ship_rule_list rules;
	memset(&rules, 0, sizeof(rules));
	if (ship_rules_list(l->aws, l->s->listener_arn, &rules, err))
		return -1;
	const struct ship_listener_rule *ours = ship_rules_owned(&rules, l->s->owner);
	if (ours)
		snprintf(l->arn, l->arn_size, "%s", ours->arn);
	ship_rule_list_release(&rules);
	return ours ? 1 : 0;
}

static int create_rule(struct ship_aws *aws, const struct ship_rule_spec *s, long priority,
		       char *arn, size_t arn_size, struct ship_err *err)
{
	struct ship_params params = {0};
	struct lost_rule lost = {aws, s, arn, arn_size};
	struct ship_call_opts once;
	xmlDoc *doc = NULL;
	memset(&once, 0, sizeof(once));
	once.not_idempotent = 1;
	once.took_effect = rule_took_effect;
	once.took_effect_ctx = &lost;
	char pr[24];
	snprintf(pr, sizeof(pr), "%ld", priority);
	int r = ship_params_add(&params, "ListenerArn", s->listener_arn);
	r |= ship_params_add(&params, "Priority", pr);
	r |= add_conditions_actions(&params, s, 1);
	r |= ship_params_add(&params, "Tags.member.1.Key", SHIP_RULE_TAG);
	r |= ship_params_add(&params, "Tags.member.1.Value", s->owner);
	if (r) {
		ship_params_release(&params);
		return oom(err);
	}
	r = ship_aws_query(aws, SHIP_SVC_ELBV2, "CreateRule", &params, &doc, &once, err);
	ship_params_release(&params);
	if (!r && doc) /* else a lost attempt created it: lost.arn has its ARN */
		ship_xml_path_copy(ship_xml_first_item(
				       ship_xml_path(ship_xml_root(doc), "CreateRuleResult/Rules")),
				   "RuleArn", arn, arn_size);
	xmlFreeDoc(doc);
	return r;
}

static int modify_rule(struct ship_aws *aws, const struct ship_rule_spec *s, const char *arn,
		       int actions, struct ship_err *err)
{
	struct ship_params params = {0};
	xmlDoc *doc = NULL;
	int r = ship_params_add(&params, "RuleArn", arn);
	r |= add_conditions_actions(&params, s, actions);
	if (r) {
		ship_params_release(&params);
		return oom(err);
	}
	r = ship_aws_query(aws, SHIP_SVC_ELBV2, "ModifyRule", &params, &doc, NULL, err);
	ship_params_release(&params);
	xmlFreeDoc(doc);
	return r;
}

static int set_priority(struct ship_aws *aws, const char *arn, long priority, struct ship_err *err)
{
	struct ship_params params = {0};
	xmlDoc *doc = NULL;
	char pr[24];
	snprintf(pr, sizeof(pr), "%ld", priority);
	int r = ship_params_add(&params, "RulePriorities.member.1.RuleArn", arn);
	r |= ship_params_add(&params, "RulePriorities.member.1.Priority", pr);
	if (r) {
		ship_params_release(&params);
		return oom(err);
	}
	r = ship_aws_query(aws, SHIP_SVC_ELBV2, "SetRulePriorities", &params, &doc, NULL, err);
	ship_params_release(&params);
	xmlFreeDoc(doc);
	return r;
}

static int delete_rule(struct ship_aws *aws, const char *arn, struct ship_err *err)
{
	struct ship_params params = {0};
	xmlDoc *doc = NULL;
	ship_params_add(&params, "RuleArn", arn);
	int r = ship_aws_query(aws, SHIP_SVC_ELBV2, "DeleteRule", &params, &doc, NULL, err);
	ship_params_release(&params);
	xmlFreeDoc(doc);
	if (r && err->code == SHIP_ERR_AWS && !strcmp(err->aws_code, "RuleNotFound")) {
		ship_err_clear(err);
		return 0; /* a concurrent twin removed it already */
	}
	return r;
}

static int priority_in_use(const struct ship_err *e)
{
	return e->code == SHIP_ERR_AWS && !strcmp(e->aws_code, "PriorityInUse");
}

void ship_rule_result_release(struct ship_rule_result *r)
{
	if (!r)
		return;
	ship_rule_list_release(&r->rules);
	r->conflict = NULL;
}

static int relist(struct ship_aws *aws, const struct ship_rule_spec *s,
		  struct ship_rule_result *res, struct ship_err *err)
{
	ship_rule_list_release(&res->rules);
	res->conflict = NULL;
	return ship_rules_list(aws, s->listener_arn, &res->rules, err);
}

/*
 * After a create: exactly one rule of ours may remain (a concurrent caller for the same owner
 * may have created a twin: keep the lowest priority, ties by ARN — both callers agree), and no
 * other rule may share its priority (a backend without atomic priorities: the rule with the
 * higher ARN moves to the next free priority). Leaves res->arn/priority on the survivor.
 */
static int settle(struct ship_aws *aws, const struct ship_rule_spec *s,
		  struct ship_rule_result *res, struct ship_err *err)
{
	if (relist(aws, s, res, err))
		return -1;
	const struct ship_listener_rule *keep = ship_rules_owned(&res->rules, s->owner);
	if (!keep)
		return 0; /* someone deleted it meanwhile; report what we created */
	for (size_t i = 0; i < res->rules.n; i++) {
		const struct ship_listener_rule *r = &res->rules.v[i];
		if (r == keep || r->is_default || !r->owner || strcmp(r->owner, s->owner))
			continue;
		if (delete_rule(aws, r->arn, err))
			return -1;
		res->duplicates_removed++;
	}
	snprintf(res->arn, sizeof(res->arn), "%s", keep->arn);
	res->priority = keep->priority;
	for (size_t i = 0; i < res->rules.n; i++) {
		const struct ship_listener_rule *r = &res->rules.v[i];
		if (r == keep || r->is_default || r->priority != keep->priority ||
		    (r->owner && !strcmp(r->owner, s->owner)) || strcmp(keep->arn, r->arn) < 0)
			continue;
		/* a foreign rule shares our priority and sorts first: we move */
		long p =
		    ship_rules_pick_priority(&res->rules, s->priority_auto ? keep->priority : 1);
		if (p < 0 || !s->priority_auto)
			return ship_err_set(
			    err, SHIP_ERR_AWS,
			    _("priority %ld is held by two rules at once ('%s' and "
			    "ours); the listener does not enforce unique priorities"),
			    keep->priority, r->arn);
		if (set_priority(aws, keep->arn, p, err))
			return -1;
		res->priority = p;
		break;
	}
	return 0;
}

int ship_rule_ensure(struct ship_aws *aws, const struct ship_rule_spec *s,
		     struct ship_rule_result *res, struct ship_err *err)
{
	int max = s->max_attempts > 0 ? s->max_attempts : 10;

	memset(res, 0, sizeof(*res));
	if (!s->n_host_headers && !s->n_path_patterns)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    _("a listener rule needs host_headers or path_patterns"));
	if (!s->target_group_arn || !*s->target_group_arn)
		return ship_err_set(err, SHIP_ERR_INPUT, _("a listener rule needs a target group"));
	if (!s->priority_auto && (s->priority < 1 || s->priority > SHIP_RULE_PRIORITY_MAX))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    _("listener rule priority %ld is out of range 1..50000"),
				    s->priority);
	for (int round = 0; round < max; round++) {
		if (relist(aws, s, res, err))
			return -1;
		const struct ship_listener_rule *ours = ship_rules_owned(&res->rules, s->owner);
		long want = s->priority;
		if (s->priority_auto)
			want = ours ? ours->priority
				    : ship_rules_pick_priority(&res->rules, s->auto_from);
		if (want < 0)
			return ship_err_set(err, SHIP_ERR_AWS,
					    _("listener '%s' has no free rule priority"),
					    s->listener_arn);
		const struct ship_listener_rule *at = ship_rules_at(&res->rules, want);
		if (at && at != ours && !(at->owner && !strcmp(at->owner, s->owner))) {
			res->outcome = SHIP_RULE_CONFLICT;
			res->conflict = at;
			res->priority = want;
			return 0;
		}
		if (ours) {
			int changed = 0;
			snprintf(res->arn, sizeof(res->arn), "%s", ours->arn);
			/* ECS re-weights it: never "repaired" while a deployment shifts traffic */
			if (ours->alt_target_group &&
			    (ours->priority != want || !ship_rule_matches(ours, s)) &&
			    (mid_shift(ours) || s->deployment_in_progress)) {
				res->outcome = SHIP_RULE_BUSY;
				res->busy_rule = ours;
				res->priority = ours->priority;
				return 0;
			}
			if (ours->priority != want) {
				if (set_priority(aws, ours->arn, want, err)) {
					if (priority_in_use(err)) {
						ship_err_clear(err);
						continue; /* re-list: reported as a conflict */
					}
					return -1;
				}
				changed = 1;
			}
			if (!ship_rule_matches(ours, s)) {
				/* a rule ECS re-weights whose target groups are the service's keeps
				 * its actions: only the conditions change */
				int keep = ours->alt_target_group &&
					   (!strcmp(ours->target_group, s->target_group_arn) ||
					    !strcmp(ours->alt_target_group, s->target_group_arn));
				if (modify_rule(aws, s, ours->arn, !keep, err))
					return -1;
				changed = 1;
			}
			res->priority = want;
			res->outcome = changed ? SHIP_RULE_UPDATED : SHIP_RULE_UNCHANGED;
			if (changed && relist(aws, s, res, err))
				return -1;
			return 0;
		}
		res->attempts++;
		if (create_rule(aws, s, want, res->arn, sizeof(res->arn), err)) {
			if (priority_in_use(err)) {
				ship_err_clear(err);
				continue; /* someone took it since we listed */
			}
			return -1;
		}
		res->outcome = SHIP_RULE_CREATED;
		res->priority = want;
		return settle(aws, s, res, err);
	}
	return ship_err_set(err, SHIP_ERR_AWS,
			    _("could not create the listener rule after %d attempts: each priority "
			    "tried was taken by a concurrent caller"),
			    max);
}
