/*
 * test_infra_stack.c: the CloudFormation side of `ecship infra` over a scripted fake transport
 * and a fake clock: the wait reports only events newer than the operation, oldest first, keeps
 * the failed resources with their reasons, ends on the timeout without waiting past it; the
 * change set recognises "no changes" in both forms, deletes stale change sets of ours only.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "ecship/infra.h"

/* ---- a scripted CloudFormation --------------------------------------------------------------- */

#define MAXLOG 64

struct fake {
	const char *const *statuses; /* DescribeStacks answers, one per call; the last repeats */
	size_t n_statuses, describes;
	int events_step; /* DescribeStackEvents: how many events exist by now */
	const char *changeset_status;
	const char *changeset_reason;
	const char *create_error;  /* CreateChangeSet fails with ValidationError: this message */
	const char *list_names[4]; /* ListChangeSets answer */
	const char *outputs;	   /* DescribeStacks: the <Outputs> members, or NULL */
	int missing;		   /* DescribeStacks: the stack does not exist */
	char log[MAXLOG][64];	   /* actions called, with ChangeSetName for deletes */
	size_t n_log;
};

/* The event history, oldest first: id, logical id, status, reason. */
static const char *const s_events[][4] = {
    {"e1", "stack", "CREATE_IN_PROGRESS", "User Initiated"},
    {"e2", "stack", "CREATE_COMPLETE", ""},
    {"e3", "stack", "UPDATE_IN_PROGRESS", "User Initiated"},
    {"e4", "TargetGroup", "UPDATE_IN_PROGRESS", ""},
    {"e5", "TargetGroup", "UPDATE_FAILED", "Health check path must start with /"},
    {"e6", "stack", "UPDATE_ROLLBACK_IN_PROGRESS",
     "The following resource(s) failed to update: [TargetGroup]"},
    {"e7", "TargetGroup", "UPDATE_COMPLETE", ""},
    {"e8", "stack", "UPDATE_ROLLBACK_COMPLETE", ""},
};

static const char *param(const char *body, const char *key, char *out, size_t size)
{
	size_t kl = strlen(key);
	out[0] = '\0';
	for (const char *p = body; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			const char *v = p + kl + 1, *end = strchr(v, '&');
			size_t n = end ? (size_t)(end - v) : strlen(v);
			snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), v);
			return out;
		}
	}
	return out;
}

static void answer(struct ship_http_response *resp, int status, const char *xml)
{
	resp->status = status;
	ship_headers_add(&resp->headers, "Content-Type", "text/xml");
	ship_buf_adds(&resp->body, xml);
}

static int fake_transport(void *ctx, const struct ship_http_request *req,
			  struct ship_http_response *resp, struct ship_err *err)
{
	struct fake *f = ctx;
	char body[4096], action[64], name[160];
	struct ship_buf x = SHIP_BUF_INIT(1 << 16);
	(void)err;
	snprintf(body, sizeof(body), "%.*s", (int)req->body.len, req->body.p);
	param(body, "Action", action, sizeof(action));
	param(body, "ChangeSetName", name, sizeof(name));
	if (f->n_log < MAXLOG)
		snprintf(f->log[f->n_log++], 64, "%.20s%s%.40s", action, *name ? " " : "", name);

	if (!strcmp(action, "DescribeStacks") && f->missing) {
		answer(resp, 400,
		       "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>"
		       "<Message>Stack with id s does not exist</Message></Error>"
		       "<RequestId>r</RequestId></ErrorResponse>");
		ship_buf_release(&x);
		return 0;
	} else if (!strcmp(action, "DescribeStacks")) {
		size_t i = f->describes < f->n_statuses ? f->describes : f->n_statuses - 1;
		f->describes++;
		ship_buf_addf(&x,
			      "<DescribeStacksResponse><DescribeStacksResult><Stacks><member>"
			      "<StackId>arn:stack/s/1</StackId><StackName>s</StackName>"
			      "<StackStatus>%s</StackStatus><Outputs>%s</Outputs></member></Stacks>"
			      "</DescribeStacksResult></DescribeStacksResponse>",
			      f->statuses[i], f->outputs ? f->outputs : "");
		if (f->events_step < 8)
			f->events_step += 2; /* two more events per poll */
	} else if (!strcmp(action, "DescribeStackEvents")) {
		ship_buf_adds(
		    &x, "<DescribeStackEventsResponse><DescribeStackEventsResult><StackEvents>");
		for (int i = f->events_step; i-- > 0;) /* newest first */
			ship_buf_addf(
			    &x,
			    "<member><EventId>%s</EventId><Timestamp>2024-06-19T10:00:0%dZ"
			    "</Timestamp><LogicalResourceId>%s</LogicalResourceId>"
			    "<ResourceType>AWS::X</ResourceType><ResourceStatus>%s"
			    "</ResourceStatus><ResourceStatusReason>%s</ResourceStatusReason>"
			    "</member>",
			    s_events[i][0], i, s_events[i][1], s_events[i][2], s_events[i][3]);
		ship_buf_adds(
		    &x, "</StackEvents></DescribeStackEventsResult></DescribeStackEventsResponse>");
	} else if (!strcmp(action, "ListChangeSets")) {
		ship_buf_adds(&x, "<ListChangeSetsResponse><ListChangeSetsResult><Summaries>");
		for (size_t i = 0; i < 4 && f->list_names[i]; i++)
			ship_buf_addf(&x, "<member><ChangeSetName>%s</ChangeSetName></member>",
				      f->list_names[i]);
		ship_buf_adds(&x, "</Summaries></ListChangeSetsResult></ListChangeSetsResponse>");
	} else if (!strcmp(action, "CreateChangeSet")) {
		if (f->create_error) {
			ship_buf_addf(
			    &x,
			    "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError"
			    "</Code><Message>%s</Message></Error><RequestId>r</RequestId>"
			    "</ErrorResponse>",
			    f->create_error);
			answer(resp, 400, x.data);
			ship_buf_release(&x);
			return 0;
		}
		ship_buf_adds(&x,
			      "<CreateChangeSetResponse><CreateChangeSetResult><Id>arn:cs/1</Id>"
			      "</CreateChangeSetResult></CreateChangeSetResponse>");
	} else if (!strcmp(action, "DescribeChangeSet")) {
		ship_buf_addf(&x,
			      "<DescribeChangeSetResponse><DescribeChangeSetResult>"
			      "<Status>%s</Status><StatusReason>%s</StatusReason>"
			      "<ExecutionStatus>AVAILABLE</ExecutionStatus><Changes><member>"
			      "<ResourceChange><Action>Modify</Action><LogicalResourceId>TG"
			      "</LogicalResourceId><ResourceType>AWS::X</ResourceType>"
			      "<Replacement>False</Replacement></ResourceChange></member></Changes>"
			      "</DescribeChangeSetResult></DescribeChangeSetResponse>",
			      f->changeset_status, f->changeset_reason ? f->changeset_reason : "");
	} else {
		ship_buf_addf(&x, "<%sResponse><%sResult/></%sResponse>", action, action, action);
	}
	answer(resp, 200, x.data);
	ship_buf_release(&x);
	return 0;
}

struct env {
	struct fake f;
	struct ship_fake_clock clock;
	struct ship_aws *aws;
	char seen[16][64];
	size_t n_seen;
};

static struct env *env_new(void)
{
	struct env *e = ship_calloc(1, sizeof(*e));
	struct ship_err err = SHIP_ERR_INIT;
	setenv("AWS_ACCESS_KEY_ID", "AKIAECSHIPTEST000000", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "test/secret", 1);
	unsetenv("AWS_SESSION_TOKEN");
	ship_fake_clock_init(&e->clock, 1700000000.0);
	struct ship_aws_options ao = {0};
	ao.region = "ap-northeast-1";
	ao.endpoint_url = "http://127.0.0.1:9";
	ao.clock = &e->clock.clock;
	ao.transport = fake_transport;
	ao.transport_ctx = &e->f;
	ao.max_attempts = 1;
	e->aws = ship_aws_new(&ao, &err);
	if (!e->aws)
		fail_msg("ship_aws_new: %s", err.message);
	return e;
}

static void env_destroy(struct env *e)
{
	ship_aws_destroy(e->aws);
	ship_free(e);
}

static void on_event(void *ctx, const struct ship_stack_event *ev)
{
	struct env *e = ctx;
	if (e->n_seen < 16)
		snprintf(e->seen[e->n_seen++], 64, "%s %s", ev->id, ev->status);
}

/* ---- tests --------------------------------------------------------------------------------- */

static void wait_reports_new_events_and_failures(void **state)
{
	(void)state;
	static const char *const st[] = {"UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS",
					 "UPDATE_ROLLBACK_COMPLETE"};
	struct env *e = env_new();
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_stack final;
	struct ship_stack_events failed = {NULL, 0};
	enum ship_stack_wait_end end;
	e->f.statuses = st;
	e->f.n_statuses = 3;
	e->f.events_step = 2; /* e1, e2 existed before the update */
	struct ship_stack_wait_opts o = {600, 5, on_event, NULL, e, "e2"};
	assert_int_equal(ship_stack_wait(e->aws, "s", &o, &end, &final, &failed, &err), 0);
	assert_int_equal(end, SHIP_STACK_WAIT_DONE);
	assert_string_equal(final.status, "UPDATE_ROLLBACK_COMPLETE");
	/* only e3..e8, each once, oldest first */
	assert_int_equal(e->n_seen, 6);
	static const char *const want[] = {
	    "e3 UPDATE_IN_PROGRESS", "e4 UPDATE_IN_PROGRESS",
	    "e5 UPDATE_FAILED",	     "e6 UPDATE_ROLLBACK_IN_PROGRESS",
	    "e7 UPDATE_COMPLETE",    "e8 UPDATE_ROLLBACK_COMPLETE"};
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(e->seen[i], want[i]);
	/* the failed resource with its reason */
	assert_int_equal(failed.n, 1);
	assert_string_equal(failed.v[0].logical_id, "TargetGroup");
	assert_string_equal(failed.v[0].reason, "Health check path must start with /");
	assert_int_equal(ship_stack_classify(final.status), SHIP_STACK_CLASS_ROLLED_BACK);
	ship_stack_release(&final);
	ship_stack_events_release(&failed);
	env_destroy(e);
}

static void wait_ends_at_the_timeout(void **state)
{
	(void)state;
	static const char *const st[] = {"CREATE_IN_PROGRESS"};
	struct env *e = env_new();
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_stack final;
	enum ship_stack_wait_end end;
	e->f.statuses = st;
	e->f.n_statuses = 1;
	struct ship_stack_wait_opts o = {62, 5, NULL, NULL, NULL, ""};
	assert_int_equal(ship_stack_wait(e->aws, "s", &o, &end, &final, NULL, &err), 0);
	assert_int_equal(end, SHIP_STACK_WAIT_TIMEOUT);
	assert_string_equal(final.status, "CREATE_IN_PROGRESS");
	/* it slept no longer than the timeout, in steps of the interval (the last one shorter) */
	assert_true(e->clock.slept <= 62.0 + 1e-9);
	assert_true(e->clock.slept >= 62.0 - 1e-9);
	assert_int_equal(e->clock.sleeps, 13);
	ship_stack_release(&final);
	env_destroy(e);
}

static void wait_reports_a_deleted_stack_as_gone(void **state)
{
	(void)state;
	static const char *const st[] = {"DELETE_IN_PROGRESS", "DELETE_COMPLETE"};
	struct env *e = env_new();
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_stack final;
	enum ship_stack_wait_end end;
	e->f.statuses = st;
	e->f.n_statuses = 2;
	struct ship_stack_wait_opts o = {600, 5, NULL, NULL, NULL, "e8"};
	assert_int_equal(ship_stack_wait(e->aws, "arn:stack/s/1", &o, &end, &final, NULL, &err), 0);
	assert_int_equal(end, SHIP_STACK_WAIT_GONE);
	ship_stack_release(&final);
	env_destroy(e);
}

static size_t count_log(const struct fake *f, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n_log; i++)
		n += !strncmp(f->log[i], prefix, strlen(prefix));
	return n;
}

static void changeset_no_changes_in_both_forms(void **state)
{
	(void)state;
	struct ship_kvs p = {NULL, 0};
	struct ship_changeset cs;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_stack_input in = {"s", SHIP_STR_LIT("Resources: {}"), &p, SHIP_CAP_IAM};
	assert_int_equal(ship_kvs_set(&p, "Environment", "staging"), 0);

	/* CloudFormation: a FAILED change set; it is deleted */
	struct env *e = env_new();
	e->f.changeset_status = "FAILED";
	e->f.changeset_reason = "The submitted information didn't contain changes. Submit "
				"different information to create a change set.";
	assert_int_equal(ship_stack_changeset(e->aws, &in, NULL, &cs, &err), 0);
	assert_true(cs.no_changes);
	assert_int_equal(count_log(&e->f, "DeleteChangeSet ecship-s-"), 1);
	ship_changeset_release(&cs);
	env_destroy(e);

	/* moto: CreateChangeSet refuses with a ValidationError */
	e = env_new();
	e->f.create_error = "No updates are to be performed.";
	assert_int_equal(ship_stack_changeset(e->aws, &in, NULL, &cs, &err), 0);
	assert_true(cs.no_changes);
	ship_changeset_release(&cs);
	env_destroy(e);

	/* another validation error is an error */
	e = env_new();
	e->f.create_error = "Parameters: [Nope] do not exist in the template";
	assert_int_equal(ship_stack_changeset(e->aws, &in, NULL, &cs, &err), -1);
	assert_string_equal(err.aws_code, "ValidationError");
	ship_changeset_release(&cs);
	env_destroy(e);

	/* a FAILED change set for another reason: an input error with the reason */
	e = env_new();
	e->f.changeset_status = "FAILED";
	e->f.changeset_reason =
	    "Template error: instance of Fn::GetAtt references undefined resource X";
	assert_int_equal(ship_stack_changeset(e->aws, &in, NULL, &cs, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(err.message, "undefined resource X"));
	ship_changeset_release(&cs);
	env_destroy(e);
	ship_kvs_release(&p);
}

static void changeset_with_changes_replaces_stale_ones_of_ours(void **state)
{
	(void)state;
	struct ship_kvs p = {NULL, 0};
	struct ship_changeset cs;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_stack_input in = {"s", SHIP_STR_LIT("Resources: {}"), &p, 0};
	char name[SHIP_CHANGESET_NAME_MAX];
	assert_int_equal(ship_infra_changeset_name("s", in.template_body, &p, name, sizeof(name)),
			 0);

	struct env *e = env_new();
	e->f.changeset_status = "CREATE_COMPLETE";
	e->f.list_names[0] = name;			  /* ours, same name: recreated */
	e->f.list_names[1] = "ecship-s-00112233445566ff"; /* ours, stale */
	e->f.list_names[2] = "someone-elses-change-set";  /* not ours: kept */
	assert_int_equal(ship_stack_changeset(e->aws, &in, NULL, &cs, &err), 0);
	assert_false(cs.no_changes);
	assert_string_equal(cs.name, name);
	assert_int_equal(cs.n_changes, 1);
	assert_string_equal(cs.changes[0].action, "Modify");
	assert_int_equal(count_log(&e->f, "DeleteChangeSet"), 2);
	assert_int_equal(count_log(&e->f, "DeleteChangeSet someone"), 0);
	assert_int_equal(count_log(&e->f, "CreateChangeSet"), 1);
	assert_int_equal(count_log(&e->f, "ExecuteChangeSet"), 0); /* only when asked */
	assert_int_equal(ship_stack_changeset_execute(e->aws, "s", &cs, &err), 0);
	assert_int_equal(count_log(&e->f, "ExecuteChangeSet"), 1);
	ship_changeset_release(&cs);
	env_destroy(e);
	ship_kvs_release(&p);
}

static struct ship_aws *the_client(void *ctx, struct ship_err *err)
{
	(void)err;
	return ((struct env *)ctx)->aws;
}

/* ${cfn:KEY}: the stack's Outputs read once for every key; a missing key lists what there is;
 * a missing stack is an input error naming the fix. */
static void stack_vars_read_outputs_once(void **state)
{
	(void)state;
	static const char *const st[] = {"CREATE_COMPLETE"};
	struct env *e = env_new();
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_buf out = SHIP_BUF_INIT(0);
	struct ship_stack_vars v = {the_client, e, NULL, {0}};
	e->f.statuses = st;
	e->f.n_statuses = 1;
	e->f.outputs =
	    "<member><OutputKey>VpcId</OutputKey><OutputValue>vpc-1</OutputValue></member>"
	    "<member><OutputKey>TargetGroupArn</OutputKey><OutputValue>arn:tg</OutputValue>"
	    "</member>";
	assert_int_equal(ship_stack_vars_output(&v, "s", SHIP_STR_LIT("VpcId"), &out, &err), 1);
	assert_string_equal(out.data, "vpc-1");
	ship_buf_reset(&out);
	assert_int_equal(
	    ship_stack_vars_output(&v, "s", SHIP_STR_LIT("TargetGroupArn"), &out, &err), 1);
	assert_string_equal(out.data, "arn:tg");
	assert_int_equal(ship_stack_vars_output(&v, "s", SHIP_STR_LIT("Nope"), &out, &err), 0);
	assert_non_null(strstr(err.message, "its outputs: VpcId, TargetGroupArn"));
	assert_int_equal(count_log(&e->f, "DescribeStacks"), 1);
	ship_stack_vars_release(&v);

	struct ship_stack_vars w = {the_client, e, NULL, {0}};
	ship_err_clear(&err);
	e->f.missing = 1;
	assert_int_equal(ship_stack_vars_output(&w, "s", SHIP_STR_LIT("VpcId"), &out, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(err.message, "does not exist in ap-northeast-1"));
	assert_non_null(strstr(err.message, "ecship infra deploy"));
	ship_stack_vars_release(&w);
	ship_buf_release(&out);
	env_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(wait_reports_new_events_and_failures),
	    TU_TEST(wait_ends_at_the_timeout),
	    TU_TEST(wait_reports_a_deleted_stack_as_gone),
	    TU_TEST(changeset_no_changes_in_both_forms),
	    TU_TEST(changeset_with_changes_replaces_stale_ones_of_ours),
	    TU_TEST(stack_vars_read_outputs_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
