/*
 * cmd_rule.c: `ecship rule ensure|list`: the service's ALB listener rule with the priority from
 * `listener_rule` in the config (runbook 6.2: fixed priorities, per environment, separated by
 * host header and path), created once, updated in place, never clashing with someone else's.
 * Parses arguments and prints; the work is in lib/infra/rules.c (listener.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ecship/ecs.h"
#include "ecship/infra.h"
#include "ecship/listener.h"
#include "ecship/rollout.h"
#include "ecship/template.h"

static struct {
	const char *service;
	const char *listener;
	const char *target_group;
	const char *priority;
} s_args;

static const struct cli_option s_options[] = {
    CLI_STRING("service", "NAME", &s_args.service,
	       "the service of the config (default: the first)"),
    CLI_STRING("listener", "ARN", &s_args.listener,
	       "this listener (default: the stack's HTTPS listener when it has one, else HTTP)"),
    CLI_STRING("target-group", "ARN", &s_args.target_group,
	       "ensure: forward here (default: the service definition's, else the stack's)"),
    CLI_STRING("priority", "N|auto", &s_args.priority,
	       "ensure: this priority instead of listener_rule.priority"),
    CLI_OPTIONS_END,
};

struct rulectx {
	struct cli_ctx *ctx;
	struct cli_project *proj;
	struct ship_aws *aws;
	const struct ship_config_service *svc;
	struct ship_stack stack;
	int have_stack;
	const char *listeners[2];
	size_t n_listeners;
	char owner[512];
};

static void print_rule_line(FILE *f, const struct ship_listener_rule *r, const char *owner)
{
	char prio[16];
	if (r->is_default)
		/* i18n: not translated (ELB's name of the listener's default rule, in a column) */
		snprintf(prio, sizeof(prio), "default");
	else
		snprintf(prio, sizeof(prio), "%ld", r->priority);
	fprintf(f, "  %-8s %-3s ", prio, owner && r->owner && !strcmp(r->owner, owner) ? "*" : "");
	for (size_t i = 0; i < r->n_conds; i++) {
		fprintf(f, "%s%s=", i ? " " : "", cli_safe(r->conds[i].field));
		for (size_t j = 0; j < r->conds[i].n_values; j++)
			fprintf(f, "%s%s", j ? "," : "", cli_safe(r->conds[i].values[j]));
	}
	if (!r->n_conds)
		fprintf(f, _("(any request)"));
	fprintf(f, "  -> %s", cli_safe(r->action_type ? r->action_type : "?"));
	if (r->target_group)
		fprintf(f, " %s", cli_safe(r->target_group));
	if (r->alt_target_group)
		fprintf(f, _(" (weight %ld) + %s (weight %ld)"), r->weight,
			cli_safe(r->alt_target_group), r->alt_weight);
	if (r->owner)
		/* i18n: not translated (ecship's tag on the rule, as AWS shows it) */
		fprintf(f, "  [ecship:rule=%s]", cli_safe(r->owner));
	fputc('\n', f);
}

static json_t *rule_json(const struct ship_listener_rule *r, const char *owner)
{
	json_t *conds = json_array();
	for (size_t i = 0; i < r->n_conds; i++) {
		json_t *vals = json_array();
		for (size_t j = 0; j < r->conds[i].n_values; j++)
			json_array_append_new(vals, json_string(r->conds[i].values[j]));
		json_array_append_new(
		    conds, json_pack("{s:s, s:o}", "field", r->conds[i].field, "values", vals));
	}
	json_t *o = json_pack("{s:s, s:s?, s:o, s:s?, s:s?, s:s?, s:b}", "rule_arn", r->arn,
			      "priority", (const char *)NULL, "conditions", conds, "action", r->action_type,
			      "target_group_arn", r->target_group, "owner", r->owner, "ours",
			      owner && r->owner && !strcmp(r->owner, owner));
	if (o)
		json_object_set_new(o, "priority",
				    r->is_default ? json_string("default")
						  : json_integer(r->priority));
	return o;
}

/* Whether the service has a deployment in progress (DescribeServices; best effort: a service
 * that cannot be read counts as not deploying, and a rule whose weights are mid-shift is left
 * alone all the same). */
static int deployment_in_progress(struct rulectx *rc)
{
	const char *cluster = rc->proj->cfg->cluster;
	struct ship_err err = SHIP_ERR_INIT;
	json_t *svc = NULL;
	int busy = 0;
	if (!cluster || !rc->svc ||
	    ship_ecs_describe_service(rc->aws, cluster, rc->svc->name, &svc, &err))
		return 0;
	struct ship_service_view *v = svc ? ship_calloc(1, sizeof(*v)) : NULL;
	if (v && !ship_service_view_parse(svc, v, &err))
		busy = ship_service_busy(v);
	ship_free(v);
	json_decref(svc);
	return busy;
}

/* The target group from the service definition's loadBalancers, rendered; NULL when none. */
static char *service_target_group(struct rulectx *rc, struct ship_err *err, int *failed)
{
	*failed = 0;
	if (!rc->svc || !rc->svc->service_definition)
		return NULL;
	struct ship_tpl t;
	memset(&t, 0, sizeof(t));
	t.var = ship_vars_resolve;
	t.var_ctx = &rc->proj->vars;
	t.diags = &rc->proj->diags;
	json_t *def = ship_tpl_render_json_file(&t, rc->svc->service_definition, err);
	if (!def) {
		*failed = 1;
		return NULL;
	}
	const char *tg = json_string_value(json_object_get(
	    json_array_get(json_object_get(def, "loadBalancers"), 0), "targetGroupArn"));
	char *r = tg && *tg ? ship_strdup(tg) : NULL;
	json_decref(def);
	return r;
}

static int rule_setup(struct cli_ctx *ctx, struct rulectx *rc)
{
	struct ship_err err = SHIP_ERR_INIT;

	memset(rc, 0, sizeof(*rc));
	rc->ctx = ctx;
	rc->proj = ctx->proj;
	rc->svc = ctx->svc;
	rc->aws = ctx->aws;
	snprintf(rc->owner, sizeof(rc->owner), "%s/%s",
		 rc->proj->cfg->cluster ? rc->proj->cfg->cluster : "", rc->svc->name);
	if (s_args.listener) {
		rc->listeners[rc->n_listeners++] = s_args.listener;
		return CLI_EXIT_OK;
	}
	if (!rc->proj->cfg->stack) {
		cli_error(_("no listener: '%s' names no 'stack' and --listener is not given"),
			  rc->proj->cfg->path);
		cli_hint(_("add 'stack: NAME' (the base stack with HttpListenerArn), or give "
			   "--listener ARN"));
		return CLI_EXIT_USAGE;
	}
	int found = ship_stack_describe(rc->aws, rc->proj->cfg->stack, &rc->stack, &err);
	if (found < 0)
		return cli_report(_("cannot describe the base stack"), &err);
	if (!found) {
		cli_error(_("base stack '%s' does not exist"), rc->proj->cfg->stack);
		cli_hint(_("'ecship infra deploy' creates it"));
		return CLI_EXIT_FAILED;
	}
	rc->have_stack = 1;
	/* with a certificate, HTTP only redirects: a forward rule there would bypass HTTPS */
	const char *https = ship_stack_output(&rc->stack, "HttpsListenerArn");
	const char *http = ship_stack_output(&rc->stack, "HttpListenerArn");
	if (https && *https)
		rc->listeners[rc->n_listeners++] = https;
	else if (http && *http)
		rc->listeners[rc->n_listeners++] = http;
	if (!rc->n_listeners) {
		cli_error(_("stack '%s' has no output HttpListenerArn or HttpsListenerArn"),
			  rc->proj->cfg->stack);
		cli_hint(_("deploy cloudformation/ecs-cluster.yml ('ecship infra deploy'), or give "
			   "--listener ARN"));
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

static void rule_release(struct rulectx *rc)
{
	ship_stack_release(&rc->stack);
}

static int rule_list(struct rulectx *rc)
{
	struct ship_err err = SHIP_ERR_INIT;
	json_t *all = rc->ctx->json ? json_array() : NULL;
	int ret = CLI_EXIT_OK;

	for (size_t i = 0; i < rc->n_listeners; i++) {
		struct ship_rule_list l;
		if (ship_rules_list(rc->aws, rc->listeners[i], &l, &err)) {
			ret = cli_report(_("cannot list the rules"), &err);
			break;
		}
		if (all) {
			for (size_t j = 0; j < l.n; j++) {
				json_t *o = rule_json(&l.v[j], rc->owner);
				json_object_set_new(o, "listener_arn",
						    json_string(rc->listeners[i]));
				json_array_append_new(all, o);
			}
		} else {
			printf(_("listener %s\n"), cli_safe(rc->listeners[i]));
			for (size_t j = 0; j < l.n; j++)
				print_rule_line(stdout, &l.v[j], rc->owner);
		}
		ship_rule_list_release(&l);
	}
	if (all && !ret && cli_print_json(all))
		ret = CLI_EXIT_FAILED;
	json_decref(all);
	if (!rc->ctx->json && !ret)
		cli_note(_("* marks the rule of %s (tag %s)"), rc->owner, SHIP_RULE_TAG);
	return ret;
}

static int rule_ensure(struct rulectx *rc)
{
	struct ship_err err = SHIP_ERR_INIT;
	const struct ship_config_listener_rule *lr = &rc->proj->cfg->listener_rule;
	char *tg = NULL;
	int ret = CLI_EXIT_OK, failed = 0;
	json_t *all = rc->ctx->json ? json_array() : NULL;

	struct ship_rule_spec spec;
	memset(&spec, 0, sizeof(spec));
	spec.owner = rc->owner;
	spec.priority_auto = lr->priority_auto;
	spec.priority = lr->priority;
	if (s_args.priority) {
		if (!strcmp(s_args.priority, "auto")) {
			spec.priority_auto = 1;
		} else if (ship_parse_long(s_args.priority, 1, SHIP_RULE_PRIORITY_MAX,
					   &spec.priority)) {
			cli_error(_("invalid --priority '%s': expected 1..50000 or auto"),
				  s_args.priority);
			ret = CLI_EXIT_USAGE;
			goto cleanup;
		} else {
			spec.priority_auto = 0;
		}
	}
	if (!lr->set && !s_args.priority) {
		cli_error(_("'%s' has no 'listener_rule'"), rc->proj->cfg->path);
		cli_hint(_(
		    "add e.g. 'listener_rule: {priority: 100, host_headers: [staging.example.jp]}' "
		    "(a fixed priority per environment, or 'priority: auto')"));
		ret = CLI_EXIT_USAGE;
		goto cleanup;
	}
	if (!spec.priority_auto && spec.priority < 1) {
		cli_error(_("'listener_rule' in '%s' has no priority"), rc->proj->cfg->path);
		cli_hint(_(
		    "set 'priority: N' (1..50000, different per environment) or 'priority: auto'"));
		ret = CLI_EXIT_USAGE;
		goto cleanup;
	}
	spec.host_headers = (const char *const *)lr->host_headers;
	spec.n_host_headers = lr->n_host_headers;
	spec.path_patterns = (const char *const *)lr->path_patterns;
	spec.n_path_patterns = lr->n_path_patterns;
	if (!spec.n_host_headers && !spec.n_path_patterns) {
		cli_error(_("'listener_rule' in '%s' has neither host_headers nor path_patterns"),
			  rc->proj->cfg->path);
		cli_hint(_("a rule must separate this service's requests: give the host names "
			   "(host_headers) and/or paths (path_patterns)"));
		ret = CLI_EXIT_USAGE;
		goto cleanup;
	}
	if (s_args.target_group) {
		spec.target_group_arn = s_args.target_group;
	} else {
		tg = service_target_group(rc, &err, &failed);
		cli_print_diags(&rc->proj->diags);
		if (failed) {
			ret = cli_report(_("cannot read the service definition's target group"),
					 &err);
			goto cleanup;
		}
		spec.target_group_arn = tg ? tg
					: rc->have_stack
					    ? ship_stack_output(&rc->stack, "TargetGroupArn")
					    : NULL;
		if (!spec.target_group_arn) {
			cli_error(_("no target group for service '%s'"), rc->svc->name);
			cli_hint(_("put it in the service definition's loadBalancers, or give "
				   "--target-group ARN"));
			ret = CLI_EXIT_USAGE;
			goto cleanup;
		}
	}
	spec.deployment_in_progress = deployment_in_progress(rc);
	for (size_t i = 0; i < rc->n_listeners && !ret; i++) {
		struct ship_rule_result res;
		spec.listener_arn = rc->listeners[i];
		if (ship_rule_ensure(rc->aws, &spec, &res, &err)) {
			ret = cli_report(_("cannot ensure the listener rule"), &err);
			ship_rule_result_release(&res);
			break;
		}
		if (res.outcome == SHIP_RULE_CONFLICT) {
			cli_error(_("priority %ld on listener '%s' is held by a rule that is not "
				    "ecship's "
				    "for '%s'; nothing was created"),
				  res.priority, spec.listener_arn, rc->owner);
			fprintf(stderr, _("  the rule holding it (%s):\n"),
				cli_safe(res.conflict->arn));
			print_rule_line(stderr, res.conflict, rc->owner);
			long free_p = ship_rules_pick_priority(&res.rules, res.priority);
			cli_hint(
			    _("give this environment its own priority in listener_rule.priority "
			      "(the next free one is %ld) or 'priority: auto'; if that rule is "
			      "stale, remove it: aws elbv2 delete-rule --rule-arn %s"),
			    free_p, res.conflict->arn);
			if (all)
				json_array_append_new(
				    all,
				    json_pack("{s:s, s:s, s:i, s:o}", "listener_arn",
					      spec.listener_arn, "outcome", "conflict", "priority",
					      (int)res.priority, "conflicting_rule",
					      rule_json(res.conflict, rc->owner)));
			ret = CLI_EXIT_FAILED;
		} else if (res.outcome == SHIP_RULE_BUSY) {
			cli_error(
			    _("the rule of %s on listener '%s' forwards to two target groups that "
			      "ECS re-weights during a blue/green, linear or canary deployment, "
			      "and %s; it was not changed"),
			    rc->owner, spec.listener_arn,
			    spec.deployment_in_progress
				? _("the service has a deployment in progress")
				: _("its traffic is being shifted now"));
			print_rule_line(stderr, res.busy_rule, rc->owner);
			cli_hint(_("run 'ecship rule ensure' again once the deployment has ended "
				   "('ecship wait' waits for it)"));
			if (all)
				json_array_append_new(
				    all, json_pack("{s:s, s:s, s:i, s:o}", "listener_arn",
						   spec.listener_arn, "outcome", "busy", "priority",
						   (int)res.priority, "rule",
						   rule_json(res.busy_rule, rc->owner)));
			ret = CLI_EXIT_FAILED;
		} else {
			static const char *const what[] = {"created", "updated", "unchanged",
							   "conflict"};
			if (all) {
				json_array_append_new(
				    all, json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "listener_arn",
						   spec.listener_arn, "outcome", what[res.outcome],
						   "rule_arn", res.arn, "priority",
						   (int)res.priority, "owner", rc->owner,
						   "target_group_arn", spec.target_group_arn));
			} else {
				printf(_("rule %s: priority %ld on listener %s -> %s\n"),
				       what[res.outcome], res.priority, cli_safe(spec.listener_arn),
				       cli_safe(spec.target_group_arn));
			}
			if (res.attempts > 1)
				cli_note(
				    _("priority taken by a concurrent caller: %d create attempts"),
				    res.attempts);
			if (res.duplicates_removed)
				cli_note(
				    _("removed %d duplicate rule%s of %s left by a concurrent run"),
				    res.duplicates_removed, res.duplicates_removed == 1 ? "" : "s",
				    rc->owner);
		}
		ship_rule_result_release(&res);
	}
	if (all && cli_print_json(all) && !ret)
		ret = CLI_EXIT_FAILED;
cleanup:
	json_decref(all);
	ship_free(tg);
	return ret;
}

static int cmd_rule(struct cli_ctx *ctx, int argc, char **argv)
{
	struct rulectx rc;
	int ret;

	if (argc != 1 || (strcmp(argv[0], "ensure") && strcmp(argv[0], "list"))) {
		if (argc < 1)
			cli_error(_("'rule' needs a subcommand: ensure or list"));
		else if (argc > 1)
			cli_error(_("'rule %s' takes no arguments, got '%s'"), argv[0], argv[1]);
		else
			cli_error(_("unknown subcommand 'rule %s'"), argv[0]);
		cli_hint(_("'ecship rule --help' describes them"));
		return CLI_EXIT_USAGE;
	}
	ret = rule_setup(ctx, &rc);
	if (!ret)
		ret = !strcmp(argv[0], "ensure") ? rule_ensure(&rc) : rule_list(&rc);
	rule_release(&rc);
	return ret;
}

const struct cli_command cmd_rule_def = {
    "rule",
    cmd_rule,
    CLI_NEED_SERVICE | CLI_NEED_REGION,
    "ensure | list",
    "the service's ALB listener rule, with a fixed, conflict-free priority",
    "ensure  makes the base stack's listener (HTTPS when the stack has one, else HTTP) hold\n"
    "        exactly one rule for the service: the priority of 'listener_rule' in the config\n"
    "        (per environment), its host_headers and path_patterns, forwarding to the\n"
    "        service definition's target group (else the stack's TargetGroupArn). The rule is\n"
    "        recognised by its tag ecship:rule = <cluster>/<service>, so running it again\n"
    "        updates it in place. A priority held by a rule that is not ours is reported with\n"
    "        that rule's conditions before anything is created, exit 1. 'priority: auto'\n"
    "        takes the lowest free priority and retries when a concurrent run takes it first.\n"
    "        A rule of ours forwarding to two target groups (blue and green) is ECS's to\n"
    "        re-weight: its actions are kept, and while the service has a deployment in\n"
    "        progress or the weights are mid-shift it is not changed at all, exit 1.\n"
    "list    every rule of the listener, * marking the service's.",
    s_options,
};
