/*
 * svcdeploy.c: ECS's service deployment record (DescribeServiceDeployments) and the table from
 * its status to ecship's outcome (svcdeploy.h). Statuses: botocore's ECS model,
 * ServiceDeploymentStatus; meanings: ECS API Reference, API_ServiceDeployment ("status").
 */
#include <stdio.h>
#include <string.h>

#include "ecship/svcdeploy.h"

static const struct ship_sdep_rule s_rules[] = {
    {"PENDING", SHIP_SDEP_WAITING, "has not started yet"},
    {"IN_PROGRESS", SHIP_SDEP_WAITING, "is in progress"},
    {"SUCCESSFUL", SHIP_SDEP_COMPLETED, "completed"},
    {"STOP_REQUESTED", SHIP_SDEP_STOPPED, "is being stopped"},
    {"STOPPED", SHIP_SDEP_STOPPED, "was stopped"},
    {"ROLLBACK_REQUESTED", SHIP_SDEP_ROLLED_BACK, "failed; ECS was asked to roll it back"},
    {"ROLLBACK_IN_PROGRESS", SHIP_SDEP_ROLLED_BACK, "failed; ECS is rolling it back"},
    {"ROLLBACK_SUCCESSFUL", SHIP_SDEP_ROLLED_BACK, "failed; ECS rolled it back"},
    {"ROLLBACK_FAILED", SHIP_SDEP_ROLLED_BACK, "failed, and ECS's rollback failed too"},
};

const struct ship_sdep_rule *ship_sdep_rule_of(const char *status)
{
	static const struct ship_sdep_rule unknown = {"", SHIP_SDEP_WAITING, "is in progress"};
	for (size_t i = 0; i < sizeof(s_rules) / sizeof(s_rules[0]); i++)
		if (status && !strcmp(status, s_rules[i].status))
			return &s_rules[i];
	return &unknown;
}

static void copy(char *dst, size_t n, json_t *v)
{
	snprintf(dst, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int ship_sdep_parse(json_t *sd, struct ship_sdep_view *out, struct ship_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!json_is_object(sd))
		return ship_err_set(err, SHIP_ERR_PROTOCOL, "service deployment is not an object");
	const char *arn = json_string_value(json_object_get(sd, "serviceDeploymentArn"));
	const char *st = json_string_value(json_object_get(sd, "status"));
	if (!arn || !st || strlen(arn) >= sizeof(out->arn) || strlen(st) >= sizeof(out->status))
		return ship_err_set(
		    err, SHIP_ERR_PROTOCOL,
		    "ECS answered a service deployment without a usable ARN or status");
	copy(out->arn, sizeof(out->arn), json_object_get(sd, "serviceDeploymentArn"));
	copy(out->status, sizeof(out->status), json_object_get(sd, "status"));
	copy(out->reason, sizeof(out->reason), json_object_get(sd, "statusReason"));
	copy(out->target_revision, sizeof(out->target_revision),
	     json_object_get(json_object_get(sd, "targetServiceRevision"), "arn"));
	copy(out->rollback_revision, sizeof(out->rollback_revision),
	     json_object_get(json_object_get(sd, "rollback"), "serviceRevisionArn"));
	return 0;
}

int ship_ecs_describe_sdep(struct ship_aws *aws, const char *arn, const struct ship_call_opts *call,
			   struct ship_sdep_view *out, struct ship_err *err)
{
	json_t *resp = NULL;
	json_t *req = json_pack("{s:[s]}", "serviceDeploymentArns", arn);
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	int r =
	    ship_aws_json(aws, SHIP_SVC_ECS, "DescribeServiceDeployments", req, &resp, call, err);
	json_decref(req);
	if (r)
		return -1;
	json_t *sd = json_array_get(json_object_get(resp, "serviceDeployments"), 0);
	r = sd ? ship_sdep_parse(sd, out, err) : 1;
	json_decref(resp);
	return r;
}

void ship_sdep_follow_init(struct ship_sdep_follow *f, struct ship_aws *aws,
			   const struct ship_call_opts *call, const char *arn)
{
	memset(f, 0, sizeof(*f));
	f->aws = aws;
	f->call = call;
	snprintf(f->arn, sizeof(f->arn), "%s", arn);
	struct ship_err init = SHIP_ERR_INIT;
	f->err = init;
}

int ship_wait_sdep_done(void *ctx, const struct ship_service_view *v)
{
	struct ship_sdep_follow *f = ctx;
	struct ship_err e = SHIP_ERR_INIT;
	(void)v;
	int r = ship_ecs_describe_sdep(f->aws, f->arn, f->call, &f->last, &e);
	if (r < 0) {
		if (ship_err_is_transient(&e))
			return 0;
		f->err = e;
		f->failed = 1;
		return 1;
	}
	if (r > 0) {
		ship_err_set(&f->err, SHIP_ERR_INPUT, "ECS knows no service deployment %s", f->arn);
		f->failed = 1;
		return 1;
	}
	f->outcome = ship_sdep_rule_of(f->last.status)->outcome;
	return f->outcome != SHIP_SDEP_WAITING;
}
