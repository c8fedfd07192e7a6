/*
 * fuzz_answers.c: arbitrary bytes as the answers of AWS, through the library calls that read
 * them, over an injected transport: CloudFormation DescribeStacks and events (Query XML), EC2
 * DescribeVpcs/Subnets/RouteTables (EC2 XML), ELBv2 DescribeRules and DescribeTargetHealth (Query
 * XML), STS GetCallerIdentity, and ECS, CloudWatch Logs and Service Quotas (JSON). The first byte
 * picks the call and the status (200 mostly, sometimes an error status); the rest is every
 * answer's body. Each call gets at most 6 answers, then the transport fails, so pagination ends.
 * Checks: no crash, no leak, no hang (bounded pages), an error always has a message.
 */
#include <stdlib.h>
#include <string.h>

#include "ecship/aws.h"
#include "ecship/ecs.h"
#include "ecship/infra.h"
#include "ecship/listener.h"
#include "ecship/logs.h"
#include "ecship/rollout.h"
#include "ecship/tasks.h"
#include "ecship/xml.h"
#include "fuzz_main.h"

struct fake {
	const uint8_t *body;
	size_t len;
	long status;
	int calls;
};

static struct fake s_fake;

static int transport(void *ctx, const struct ship_http_request *req, struct ship_http_response *resp,
		     struct ship_err *err)
{
	struct fake *f = ctx;
	(void)req;
	if (++f->calls > 6)
		return ship_err_set(err, SHIP_ERR_NETWORK, "fuzz transport: no more answers");
	resp->status = f->status;
	ship_headers_add(&resp->headers, "x-amzn-RequestId", "fuzz-request");
	if (ship_buf_add(&resp->body, f->body, f->len))
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	return 0;
}

static struct ship_aws *client(void)
{
	static struct ship_aws *aws;
	if (!aws) {
		setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
		setenv("AWS_SECRET_ACCESS_KEY", "fuzz/secret", 1);
		setenv("AWS_CONFIG_FILE", "/dev/null", 1);
		setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
		setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
		unsetenv("AWS_PROFILE");
		struct ship_aws_options o = {0};
		struct ship_err err = SHIP_ERR_INIT;
		o.region = "us-east-1";
		o.endpoint_url = "http://127.0.0.1:9";
		o.max_attempts = 1;
		o.transport = transport;
		o.transport_ctx = &s_fake;
		aws = ship_aws_new(&o, &err);
		if (!aws)
			abort();
	}
	return aws;
}

static void check_err(const struct ship_err *err)
{
	if (err->code != SHIP_ERR_NONE && !err->message[0])
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 200, 200, 200, 200, 200, 400, 500};
	if (size < 1)
		return 0;
	struct ship_aws *aws = client();
	struct ship_err err = SHIP_ERR_INIT;
	s_fake.body = data + 1;
	s_fake.len = size - 1;
	s_fake.status = statuses[(data[0] >> 4) & 7];
	s_fake.calls = 0;
	switch (data[0] % 10) {
	case 0: {
		struct ship_stack st;
		memset(&st, 0, sizeof(st));
		ship_stack_describe(aws, "stack", &st, &err);
		ship_stack_release(&st);
		break;
	}
	case 1: {
		char out[512];
		ship_stack_last_event(aws, "stack", out, sizeof(out), &err);
		break;
	}
	case 2: {
		struct ship_vpc_list l = {0};
		ship_vpc_list(aws, &l, &err);
		ship_vpc_list_release(&l);
		break;
	}
	case 3: {
		struct ship_vpc_quota q;
		memset(&q, 0, sizeof(q));
		ship_vpc_quota_get(aws, &q, &err);
		break;
	}
	case 4: {
		struct ship_rule_list l = {0};
		ship_rules_list(aws, "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/a/b/c", &l,
				&err);
		ship_rule_list_release(&l);
		break;
	}
	case 5: {
		struct ship_target_list l = {0};
		ship_target_health(aws, "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/0", &l,
				   &err);
		ship_target_list_release(&l);
		break;
	}
	case 6: {
		xmlDoc *doc = NULL;
		if (!ship_aws_query(aws, SHIP_SVC_STS, "GetCallerIdentity", NULL, &doc, NULL, &err)) {
			char *arn = ship_xml_path_text(ship_xml_root(doc), "GetCallerIdentityResult/Arn");
			ship_free(arn);
		}
		xmlFreeDoc(doc);
		break;
	}
	case 7: {
		struct ship_task_list l = {0};
		ship_tasks_list(aws, "c", "s", SHIP_TASKS_RUNNING | SHIP_TASKS_STOPPED, 20, &l, &err);
		ship_task_list_release(&l);
		break;
	}
	case 8: {
		struct ship_log_events ev = {0};
		struct ship_logs_query q = {0};
		q.group = "/ecs/web";
		q.max_pages = 4;
		ship_logs_filter(aws, &q, &ev, &err);
		ship_log_events_release(&ev);
		break;
	}
	default: {
		json_t *svc = NULL;
		if (!ship_ecs_describe_service(aws, "c", "s", &svc, &err) && svc) {
			struct ship_service_view v;
			struct ship_err verr = SHIP_ERR_INIT;
			if (!ship_service_view_parse(svc, &v, &verr))
				ship_service_primary(&v);
		}
		json_decref(svc);
		break;
	}
	}
	check_err(&err);
	return 0;
}
