/*
 * stack.c: the CloudFormation calls behind `ecship infra`: describe, create, the deterministic
 * change set (stale ones of ours deleted, "no changes" in both of its forms), execute, delete,
 * and the wait that reports only the events newer than the operation. Depends on the client
 * (aws.h), xml.h and plan.c; never prints.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/i18n.h"
#include "ecship/infra.h"
#include "ecship/xml.h"

static char *xtext(const xmlNode *n, const char *path)
{
	return ship_xml_path_text(n, path);
}

static int oom(struct ship_err *err)
{
	return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
}

/* ---- describe ------------------------------------------------------------------------------ */

void ship_stack_release(struct ship_stack *s)
{
	if (!s)
		return;
	ship_free(s->id);
	ship_free(s->name);
	ship_free(s->status);
	ship_free(s->status_reason);
	ship_kvs_release(&s->params);
	for (size_t i = 0; i < s->n_outputs; i++) {
		ship_free(s->outputs[i].key);
		ship_free(s->outputs[i].value);
		ship_free(s->outputs[i].description);
		ship_free(s->outputs[i].export_name);
	}
	ship_free(s->outputs);
	memset(s, 0, sizeof(*s));
}

const char *ship_stack_output(const struct ship_stack *s, const char *key)
{
	for (size_t i = 0; s && i < s->n_outputs; i++)
		if (s->outputs[i].key && !strcmp(s->outputs[i].key, key))
			return s->outputs[i].value;
	return NULL;
}

static int parse_stack(const xmlNode *m, struct ship_stack *out, struct ship_err *err)
{
	out->id = xtext(m, "StackId");
	out->name = xtext(m, "StackName");
	out->status = xtext(m, "StackStatus");
	out->status_reason = xtext(m, "StackStatusReason");
	if (!out->status)
		return ship_err_set(err, SHIP_ERR_PROTOCOL,
				    _("CloudFormation DescribeStacks answered without a StackStatus"));
	for (xmlNode *p = ship_xml_first_item(ship_xml_child(m, "Parameters")); p;
	     p = ship_xml_next_item(p)) {
		char *k = xtext(p, "ParameterKey"), *v = xtext(p, "ParameterValue");
		int r = k ? ship_kvs_set(&out->params, k, v ? v : "") : 0;
		ship_free(k);
		ship_free(v);
		if (r)
			return oom(err);
	}
	xmlNode *outs = ship_xml_child(m, "Outputs");
	size_t n = ship_xml_count_items(outs);
	if (n) {
		out->outputs = ship_calloc(n, sizeof(*out->outputs));
		if (!out->outputs)
			return oom(err);
	}
	for (xmlNode *o = ship_xml_first_item(outs); o && out->n_outputs < n;
	     o = ship_xml_next_item(o)) {
		struct ship_stack_output *so = &out->outputs[out->n_outputs++];
		so->key = xtext(o, "OutputKey");
		so->value = xtext(o, "OutputValue");
		so->description = xtext(o, "Description");
		so->export_name = xtext(o, "ExportName");
	}
	return 0;
}

static int not_found(const struct ship_err *e)
{
	return e->code == SHIP_ERR_AWS && !strcmp(e->aws_code, "ValidationError") &&
	       strstr(e->message, "does not exist");
}

int ship_stack_describe(struct ship_aws *aws, const char *name, struct ship_stack *out,
			struct ship_err *err)
{
	struct ship_params params = {0};
	xmlDoc *doc = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (ship_params_add(&params, "StackName", name)) {
		oom(err);
		goto cleanup;
	}
	if (ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "DescribeStacks", &params, &doc, NULL,
			   err)) {
		if (not_found(err)) {
			ship_err_clear(err);
			rc = 0;
		}
		goto cleanup;
	}
	xmlNode *m =
	    ship_xml_first_item(ship_xml_path(ship_xml_root(doc), "DescribeStacksResult/Stacks"));
	if (!m) {
		rc = 0;
		goto cleanup;
	}
	if (parse_stack(m, out, err)) {
		ship_stack_release(out);
		goto cleanup;
	}
	rc = 1;
cleanup:
	ship_params_release(&params);
	xmlFreeDoc(doc);
	return rc;
}

/* ---- events -------------------------------------------------------------------------------- */

static void event_free(struct ship_stack_event *x)
{
	ship_free(x->id);
	ship_free(x->timestamp);
	ship_free(x->logical_id);
	ship_free(x->physical_id);
	ship_free(x->type);
	ship_free(x->status);
	ship_free(x->reason);
	memset(x, 0, sizeof(*x));
}

/* Takes ownership of ev's strings (even on failure). */
static int events_push(struct ship_stack_events *e, struct ship_stack_event *ev)
{
	struct ship_stack_event *nv = ship_realloc(e->v, (e->n + 1) * sizeof(*nv));
	if (!nv) {
		event_free(ev);
		return -1;
	}
	e->v = nv;
	e->v[e->n++] = *ev;
	return 0;
}

void ship_stack_events_release(struct ship_stack_events *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		event_free(&e->v[i]);
	ship_free(e->v);
	e->v = NULL;
	e->n = 0;
}

struct events_pages {
	const char *since;
	size_t max;
	struct ship_stack_events *out;
};

static int events_page(void *ctx, const xmlNode *root, struct ship_err *err)
{
	struct events_pages *p = ctx;
	xmlNode *res = ship_xml_path(root, "DescribeStackEventsResult");
	for (xmlNode *m = ship_xml_first_item(ship_xml_child(res, "StackEvents")); m;
	     m = ship_xml_next_item(m)) {
		struct ship_stack_event ev;
		if (p->max && p->out->n >= p->max)
			return 1;
		ev.id = xtext(m, "EventId");
		if (ev.id && p->since && *p->since && !strcmp(ev.id, p->since)) {
			ship_free(ev.id);
			return 1;
		}
		ev.timestamp = xtext(m, "Timestamp");
		ev.logical_id = xtext(m, "LogicalResourceId");
		ev.physical_id = xtext(m, "PhysicalResourceId");
		ev.type = xtext(m, "ResourceType");
		ev.status = xtext(m, "ResourceStatus");
		ev.reason = xtext(m, "ResourceStatusReason");
		if (events_push(p->out, &ev))
			return oom(err);
	}
	return p->max && p->out->n >= p->max;
}

/*
 * The events newer than `since` (all when since is ""), newest first as CloudFormation gives
 * them; at most max of them (0: no limit but the client's page cap).
 */
static int events_since(struct ship_aws *aws, const char *stack, const char *since, size_t max,
			struct ship_stack_events *out, struct ship_err *err)
{
	struct ship_params params = {0};
	struct events_pages p = {since, max, out};
	int r = ship_params_add(&params, "StackName", stack)
		    ? oom(err)
		    : ship_aws_query_pages(
			  aws, SHIP_SVC_CLOUDFORMATION, "DescribeStackEvents", &params, "NextToken",
			  "DescribeStackEventsResult/NextToken", events_page, &p, err);
	ship_params_release(&params);
	return r;
}

int ship_stack_last_event(struct ship_aws *aws, const char *stack, char *out, size_t size,
			  struct ship_err *err)
{
	struct ship_params params = {0};
	xmlDoc *doc = NULL;
	int rc = -1;

	if (size)
		out[0] = '\0';
	ship_params_add(&params, "StackName", stack);
	if (ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "DescribeStackEvents", &params, &doc, NULL,
			   err)) {
		if (not_found(err)) {
			ship_err_clear(err);
			rc = 0;
		}
		goto cleanup;
	}
	xmlNode *first = ship_xml_first_item(
	    ship_xml_path(ship_xml_root(doc), "DescribeStackEventsResult/StackEvents"));
	ship_xml_path_copy(first, "EventId", out, size);
	rc = 0;
cleanup:
	ship_params_release(&params);
	xmlFreeDoc(doc);
	return rc;
}

int ship_stack_events_recent(struct ship_aws *aws, const char *stack, size_t n,
			     struct ship_stack_events *out, struct ship_err *err)
{
	memset(out, 0, sizeof(*out));
	if (events_since(aws, stack, "", n, out, err)) {
		ship_stack_events_release(out);
		return -1;
	}
	return 0;
}

/* ---- ${cfn:KEY} ------------------------------------------------------------------------------ */

int ship_stack_vars_output(void *vctx, const char *stack, struct ship_str key, struct ship_buf *out,
			   struct ship_err *err)
{
	struct ship_stack_vars *v = vctx;
	char name[256];
	if (!v->name || strcmp(v->name, stack)) {
		struct ship_aws *aws = v->aws(v->ctx, err);
		if (!aws)
			return -1;
		ship_stack_release(&v->stack);
		memset(&v->stack, 0, sizeof(v->stack));
		ship_freep(&v->name);
		int found = ship_stack_describe(aws, stack, &v->stack, err);
		if (found < 0)
			return ship_err_prefix(err, "cannot read the outputs of stack '%s'", stack);
		if (!found)
			return ship_err_set(
			    err, SHIP_ERR_INPUT,
			    "cannot read ${cfn:...} outputs of stack '%s': it does not "
			    "exist in %s (create it with 'ecship infra deploy')",
			    stack, ship_aws_region(aws) ? ship_aws_region(aws) : "?");
		if (!(v->name = ship_strdup(stack)))
			return oom(err);
	}
	snprintf(name, sizeof(name), "%.*s", (int)key.len, key.p);
	const char *val = ship_stack_output(&v->stack, name);
	if (val) {
		ship_buf_adds(out, val);
		return out->failed ? oom(err) : 1;
	}
	/* not found: list what the stack does have */
	struct ship_buf have = SHIP_BUF_INIT(600);
	for (size_t i = 0; i < v->stack.n_outputs; i++)
		if (v->stack.outputs[i].key)
			ship_buf_addf(&have, "%s%s", have.len ? ", " : "", v->stack.outputs[i].key);
	ship_err_set(err, SHIP_ERR_INPUT, "stack '%s' has no output '%s'; its outputs: %s", stack,
		     name, have.len ? have.data : "none");
	ship_buf_release(&have);
	return 0;
}

void ship_stack_vars_release(struct ship_stack_vars *v)
{
	if (!v)
		return;
	ship_stack_release(&v->stack);
	ship_free(v->name);
	memset(&v->stack, 0, sizeof(v->stack));
	v->name = NULL;
}

/* ---- create, change sets, delete ----------------------------------------------------------- */

static int add_input(struct ship_params *p, const struct ship_stack_input *in)
{
	static const struct {
		unsigned bit;
		const char *name;
	} caps[] = {{SHIP_CAP_IAM, "CAPABILITY_IAM"},
		    {SHIP_CAP_NAMED_IAM, "CAPABILITY_NAMED_IAM"},
		    {SHIP_CAP_AUTO_EXPAND, "CAPABILITY_AUTO_EXPAND"}};
	char *body = ship_strndup(in->template_body.p, in->template_body.len);
	int r = 0;
	if (!body)
		return -1;
	r |= ship_params_add(p, "StackName", in->stack);
	r |= ship_params_add(p, "TemplateBody", body);
	ship_free(body);
	for (size_t i = 0; in->params && i < in->params->n; i++) {
		r |= ship_params_addf(p, in->params->v[i].key, "Parameters.member.%zu.ParameterKey",
				      i + 1);
		r |= ship_params_addf(p, in->params->v[i].value,
				      "Parameters.member.%zu.ParameterValue", i + 1);
	}
	size_t nc = 0;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (in->capabilities & caps[i].bit)
			r |= ship_params_addf(p, caps[i].name, "Capabilities.member.%zu", ++nc);
	return r ? -1 : 0;
}

/*
 * The calls that change a stack are not idempotent: a copy resent after a lost answer (the
 * connection closed after the request was sent) fails with a misleading error ("already exists",
 * "cannot be executed in its current status"). So they are never resent blindly: each carries a
 * request token that stays the same across ecship's retries (CreateStack, ExecuteChangeSet:
 * ClientRequestToken; CreateChangeSet: ClientToken; botocore's CloudFormation model, "Specify
 * this token if you plan to retry requests so that CloudFormation knows that you're not
 * attempting to create a stack with the same name"), and before a retry the state is read
 * (ship_call_opts.took_effect): the stack, or the change set by its name, exists (or has been
 * executed), so the lost attempt took effect.
 */
struct lost_change {
	struct ship_aws *aws;
	const char *stack, *changeset;
	char *id; /* the stack's id, filled when a lost CreateStack took effect */
	size_t id_size;
};

static int stack_took_effect(void *ctx, struct ship_err *err)
{
	struct lost_change *l = ctx;
	struct ship_stack st;
	int r = ship_stack_describe(l->aws, l->stack, &st, err);
	if (r > 0 && l->id && st.id)
		snprintf(l->id, l->id_size, "%s", st.id);
	ship_stack_release(&st);
	return r;
}

static int changeset_status(struct ship_aws *aws, const char *stack, const char *name, char *exec,
			    size_t exec_size, struct ship_err *err)
{
	struct ship_params params = {0};
	xmlDoc *doc = NULL;
	int rc = -1;
	if (ship_params_add(&params, "StackName", stack) ||
	    ship_params_add(&params, "ChangeSetName", name)) {
		oom(err);
		goto cleanup;
	}
	if (ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "DescribeChangeSet", &params, &doc, NULL,
			   err)) {
		if (err->code == SHIP_ERR_AWS && !strcmp(err->aws_code, "ChangeSetNotFound")) {
			ship_err_clear(err);
			rc = 0;
		}
		goto cleanup;
	}
	ship_xml_path_copy(ship_xml_root(doc), "DescribeChangeSetResult/ExecutionStatus", exec,
			   exec_size);
	rc = 1;
cleanup:
	ship_params_release(&params);
	xmlFreeDoc(doc);
	return rc;
}

/* A lost CreateChangeSet took effect when the change set of that name exists. */
static int changeset_took_effect(void *ctx, struct ship_err *err)
{
	struct lost_change *l = ctx;
	char exec[64] = "";
	return changeset_status(l->aws, l->stack, l->changeset, exec, sizeof(exec), err);
}

/* A lost ExecuteChangeSet took effect when the change set is no longer AVAILABLE to execute
 * (EXECUTE_IN_PROGRESS, EXECUTE_COMPLETE, EXECUTE_FAILED) or gone (CloudFormation removes the
 * change sets of an updated stack). */
static int execute_took_effect(void *ctx, struct ship_err *err)
{
	struct lost_change *l = ctx;
	char exec[64] = "";
	int r = changeset_status(l->aws, l->stack, l->changeset, exec, sizeof(exec), err);
	if (r < 0)
		return -1;
	return r == 0 || strcmp(exec, "AVAILABLE") ? 1 : 0;
}

static void once_opts(struct ship_call_opts *o, int (*check)(void *, struct ship_err *),
		      struct lost_change *l)
{
	memset(o, 0, sizeof(*o));
	o->not_idempotent = 1;
	o->took_effect = check;
	o->took_effect_ctx = l;
}

/* A token for one logical call, the same in each of its attempts. */
static int add_token(struct ship_params *p, const char *name)
{
	char token[40];
	if (ship_aws_client_token(token, sizeof(token)))
		return -1;
	return ship_params_add(p, name, token);
}

int ship_stack_create(struct ship_aws *aws, const struct ship_stack_input *in, char *id,
		      size_t id_size, struct ship_err *err)
{
	struct ship_params params = {0};
	struct lost_change lost = {aws, in->stack, NULL, id, id_size};
	struct ship_call_opts once;
	xmlDoc *doc = NULL;
	int rc = -1;

	if (id_size)
		id[0] = '\0';
	once_opts(&once, stack_took_effect, &lost);
	if (add_input(&params, in) || add_token(&params, "ClientRequestToken")) {
		oom(err);
		goto cleanup;
	}
	if (ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "CreateStack", &params, &doc, &once, err))
		goto cleanup;
	if (doc) /* else a lost attempt created it: the id is from DescribeStacks */
		ship_xml_path_copy(ship_xml_root(doc), "CreateStackResult/StackId", id, id_size);
	rc = 0;
cleanup:
	ship_params_release(&params);
	xmlFreeDoc(doc);
	return rc;
}

void ship_changeset_release(struct ship_changeset *cs)
{
	if (!cs)
		return;
	ship_free(cs->id);
	ship_free(cs->status);
	ship_free(cs->execution_status);
	ship_free(cs->reason);
	for (size_t i = 0; i < cs->n_changes; i++) {
		ship_free(cs->changes[i].action);
		ship_free(cs->changes[i].logical_id);
		ship_free(cs->changes[i].physical_id);
		ship_free(cs->changes[i].type);
		ship_free(cs->changes[i].replacement);
	}
	ship_free(cs->changes);
	memset(cs, 0, sizeof(*cs));
}

int ship_stack_changeset_delete(struct ship_aws *aws, const char *stack, const char *name,
				struct ship_err *err)
{
	struct ship_params params = {0};
	xmlDoc *doc = NULL;
	ship_params_add(&params, "StackName", stack);
	ship_params_add(&params, "ChangeSetName", name);
	int r = ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "DeleteChangeSet", &params, &doc, NULL,
			       err);
	ship_params_release(&params);
	xmlFreeDoc(doc);
	return r;
}

/* Deletes every change set of ours on the stack (names from ship_infra_changeset_name). */
static int delete_stale(struct ship_aws *aws, const char *stack, struct ship_err *err)
{
	struct ship_params params = {0};
	xmlDoc *doc = NULL;
	int rc = -1;

	ship_params_add(&params, "StackName", stack);
	if (ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "ListChangeSets", &params, &doc, NULL,
			   err))
		goto cleanup;
	xmlNode *sums = ship_xml_path(ship_xml_root(doc), "ListChangeSetsResult/Summaries");
	for (xmlNode *m = ship_xml_first_item(sums); m; m = ship_xml_next_item(m)) {
		char name[SHIP_CHANGESET_NAME_MAX];
		ship_xml_path_copy(m, "ChangeSetName", name, sizeof(name));
		if (!ship_infra_changeset_is_ours(stack, name))
			continue;
		if (ship_stack_changeset_delete(aws, stack, name, err) &&
		    !(err->code == SHIP_ERR_AWS && !strcmp(err->aws_code, "ChangeSetNotFound")))
			goto cleanup;
		ship_err_clear(err);
	}
	rc = 0;
cleanup:
	ship_params_release(&params);
	xmlFreeDoc(doc);
	return rc;
}

static int parse_changes(const xmlNode *res, struct ship_changeset *cs, struct ship_err *err)
{
	xmlNode *list = ship_xml_child(res, "Changes");
	size_t n = ship_xml_count_items(list);
	if (!n)
		return 0;
	struct ship_change *nv = ship_realloc(cs->changes, (cs->n_changes + n) * sizeof(*nv));
	if (!nv)
		return oom(err);
	cs->changes = nv;
	for (xmlNode *m = ship_xml_first_item(list); m; m = ship_xml_next_item(m)) {
		xmlNode *rc = ship_xml_child(m, "ResourceChange");
		struct ship_change *c = &cs->changes[cs->n_changes++];
		c->action = xtext(rc, "Action");
		c->logical_id = xtext(rc, "LogicalResourceId");
		c->physical_id = xtext(rc, "PhysicalResourceId");
		c->type = xtext(rc, "ResourceType");
		c->replacement = xtext(rc, "Replacement");
	}
	return 0;
}

struct changes_pages {
	struct ship_changeset *cs;
	size_t page;
};

static int changes_page(void *ctx, const xmlNode *root, struct ship_err *err)
{
	struct changes_pages *p = ctx;
	struct ship_changeset *cs = p->cs;
	xmlNode *res = ship_xml_path(root, "DescribeChangeSetResult");
	if (p->page++ == 0) {
		ship_freep(&cs->status);
		ship_freep(&cs->execution_status);
		ship_freep(&cs->reason);
		cs->status = xtext(res, "Status");
		cs->execution_status = xtext(res, "ExecutionStatus");
		cs->reason = xtext(res, "StatusReason");
		if (!cs->id)
			cs->id = xtext(res, "ChangeSetId");
	}
	return parse_changes(res, cs, err) ? -1 : 0;
}

/* DescribeChangeSet, every page; fills status, reason and changes. */
static int describe_changeset(struct ship_aws *aws, const char *stack, struct ship_changeset *cs,
			      struct ship_err *err)
{
	struct ship_params params = {0};
	struct changes_pages p = {cs, 0};
	int rc = -1;

	for (size_t i = 0; i < cs->n_changes; i++) {
		ship_free(cs->changes[i].action);
		ship_free(cs->changes[i].logical_id);
		ship_free(cs->changes[i].physical_id);
		ship_free(cs->changes[i].type);
		ship_free(cs->changes[i].replacement);
	}
	cs->n_changes = 0;
	if (ship_params_add(&params, "StackName", stack) ||
	    ship_params_add(&params, "ChangeSetName", cs->name)) {
		oom(err);
		goto cleanup;
	}
	if (ship_aws_query_pages(aws, SHIP_SVC_CLOUDFORMATION, "DescribeChangeSet", &params,
				 "NextToken", "DescribeChangeSetResult/NextToken", changes_page, &p,
				 err))
		goto cleanup;
	if (!cs->status) {
		ship_err_set(err, SHIP_ERR_PROTOCOL,
			     _("CloudFormation DescribeChangeSet answered without a Status"));
		goto cleanup;
	}
	rc = 0;
cleanup:
	ship_params_release(&params);
	return rc;
}

int ship_stack_changeset(struct ship_aws *aws, const struct ship_stack_input *in,
			 const struct ship_changeset_opts *o, struct ship_changeset *cs,
			 struct ship_err *err)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	struct ship_params params = {0};
	xmlDoc *doc = NULL;
	int rc = -1;
	double timeout = o && o->timeout > 0 ? o->timeout : 300;

	memset(cs, 0, sizeof(*cs));
	if (ship_infra_changeset_name(in->stack, in->template_body, in->params, cs->name,
				      sizeof(cs->name)))
		return ship_err_set(err, SHIP_ERR_INTERNAL, _("cannot name the change set"));
	if (delete_stale(aws, in->stack, err))
		return ship_err_prefix(err, _("cannot delete the previous change sets of '%s'"),
				       in->stack);
	struct lost_change lost = {aws, in->stack, cs->name, NULL, 0};
	struct ship_call_opts once;
	once_opts(&once, changeset_took_effect, &lost);
	if (add_input(&params, in) || ship_params_add(&params, "ChangeSetName", cs->name) ||
	    ship_params_add(&params, "ChangeSetType", "UPDATE") ||
	    add_token(&params, "ClientToken")) {
		oom(err);
		goto cleanup;
	}
	if (ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "CreateChangeSet", &params, &doc, &once,
			   err)) {
		/* moto (and old CloudFormation) refuse an empty update up front */
		if (err->code == SHIP_ERR_AWS && !strcmp(err->aws_code, "ValidationError") &&
		    ship_infra_is_no_changes(err->message)) {
			cs->no_changes = 1;
			cs->reason = ship_strdup(err->message);
			ship_err_clear(err);
			rc = 0;
		}
		goto cleanup;
	}
	if (doc) /* else a lost attempt created it: DescribeChangeSet gives the id */
		cs->id = ship_xml_path_text(ship_xml_root(doc), "CreateChangeSetResult/Id");
	double deadline = clk->now(clk->ctx) + timeout, pause = 1;
	for (;;) {
		if (describe_changeset(aws, in->stack, cs, err))
			goto cleanup;
		if (strcmp(cs->status, "CREATE_PENDING") &&
		    strcmp(cs->status, "CREATE_IN_PROGRESS"))
			break;
		if (o && o->cancelled && o->cancelled(o->ctx)) {
			ship_err_set(err, SHIP_ERR_TIMEOUT,
				     _("interrupted while change set '%s' was being computed"),
				     cs->name);
			goto cleanup;
		}
		if (clk->now(clk->ctx) >= deadline) {
			ship_err_set(err, SHIP_ERR_TIMEOUT,
				     _("change set '%s' was not computed within %.0f s"), cs->name,
				     timeout);
			goto cleanup;
		}
		clk->sleep(clk->ctx, pause);
		pause = pause < 5 ? pause * 2 : 5;
	}
	if (!strcmp(cs->status, "FAILED")) {
		if (ship_infra_is_no_changes(cs->reason)) {
			cs->no_changes = 1;
			/* an empty change set serves no one; a failure to delete it is harmless */
			struct ship_err ignored = SHIP_ERR_INIT;
			ship_stack_changeset_delete(aws, in->stack, cs->name, &ignored);
			rc = 0;
			goto cleanup;
		}
		ship_err_set(err, SHIP_ERR_INPUT, _("change set '%s' failed: %s"), cs->name,
			     cs->reason ? cs->reason : "no reason given");
		goto cleanup;
	}
	rc = 0;
cleanup:
	ship_params_release(&params);
	xmlFreeDoc(doc);
	return rc;
}

int ship_stack_changeset_execute(struct ship_aws *aws, const char *stack,
				 const struct ship_changeset *cs, struct ship_err *err)
{
	struct ship_params params = {0};
	struct lost_change lost = {aws, stack, cs->name, NULL, 0};
	struct ship_call_opts once;
	xmlDoc *doc = NULL;
	once_opts(&once, execute_took_effect, &lost);
	if (ship_params_add(&params, "StackName", stack) ||
	    ship_params_add(&params, "ChangeSetName", cs->name) ||
	    add_token(&params, "ClientRequestToken")) {
		ship_params_release(&params);
		return oom(err);
	}
	int r = ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "ExecuteChangeSet", &params, &doc,
			       &once, err);
	ship_params_release(&params);
	xmlFreeDoc(doc);
	return r;
}

int ship_stack_delete(struct ship_aws *aws, const char *stack, struct ship_err *err)
{
	struct ship_params params = {0};
	xmlDoc *doc = NULL;
	ship_params_add(&params, "StackName", stack);
	int r =
	    ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "DeleteStack", &params, &doc, NULL, err);
	ship_params_release(&params);
	xmlFreeDoc(doc);
	return r;
}

/* ---- wait ---------------------------------------------------------------------------------- */

static int failed_status(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n > 7 && !strcmp(s + n - 7, "_FAILED");
}

static int transient(const struct ship_err *e)
{
	return e->throttled || e->retryable || e->code == SHIP_ERR_NETWORK ||
	       e->code == SHIP_ERR_TIMEOUT;
}

/* Moves ev into failed when it is a failure with a reason; else frees it. */
static int keep_failure(struct ship_stack_events *failed, struct ship_stack_event *ev)
{
	if (failed && failed_status(ev->status) && ev->reason && *ev->reason)
		return events_push(failed, ev);
	event_free(ev);
	return 0;
}

int ship_stack_wait(struct ship_aws *aws, const char *stack, const struct ship_stack_wait_opts *o,
		    enum ship_stack_wait_end *end, struct ship_stack *final,
		    struct ship_stack_events *failed, struct ship_err *err)
{
	const struct ship_clock *clk = ship_aws_clock(aws);
	double interval = o->interval > 0 ? o->interval : 5;
	double deadline = clk->now(clk->ctx) + o->timeout;
	char marker[256];
	int rc = -1;

	snprintf(marker, sizeof(marker), "%s", o->since_event ? o->since_event : "");
	memset(final, 0, sizeof(*final));
	*end = SHIP_STACK_WAIT_TIMEOUT;
	for (;;) {
		struct ship_stack_events evs = {NULL, 0};
		struct ship_stack cur;
		int found = ship_stack_describe(aws, stack, &cur, err);
		if (found < 0 && !transient(err))
			goto cleanup;
		if (found == 0) {
			*end = SHIP_STACK_WAIT_GONE;
			break;
		}
		if (found > 0) {
			ship_stack_release(final);
			*final = cur;
		}
		if (events_since(aws, stack, marker, 0, &evs, err)) {
			ship_stack_events_release(&evs);
			if (!transient(err))
				goto cleanup;
		} else {
			if (evs.n)
				snprintf(marker, sizeof(marker), "%s",
					 evs.v[0].id ? evs.v[0].id : "");
			for (size_t i = evs.n; i-- > 0;) {
				if (o->on_event)
					o->on_event(o->ctx, &evs.v[i]);
				struct ship_stack_event ev = evs.v[i];
				memset(&evs.v[i], 0, sizeof(evs.v[i]));
				if (keep_failure(failed, &ev)) {
					ship_stack_events_release(&evs);
					oom(err);
					goto cleanup;
				}
			}
			ship_stack_events_release(&evs);
		}
		ship_err_clear(err);
		if (found > 0 && ship_stack_classify(final->status) != SHIP_STACK_CLASS_BUSY &&
		    ship_stack_classify(final->status) != SHIP_STACK_CLASS_REVIEW) {
			*end = ship_stack_classify(final->status) == SHIP_STACK_CLASS_DELETED
				   ? SHIP_STACK_WAIT_GONE
				   : SHIP_STACK_WAIT_DONE;
			break;
		}
		if (o->cancelled && o->cancelled(o->ctx)) {
			*end = SHIP_STACK_WAIT_INTERRUPTED;
			break;
		}
		double now = clk->now(clk->ctx);
		if (now >= deadline) {
			*end = SHIP_STACK_WAIT_TIMEOUT;
			break;
		}
		clk->sleep(clk->ctx, now + interval > deadline ? deadline - now : interval);
	}
	rc = 0;
cleanup:
	return rc;
}
