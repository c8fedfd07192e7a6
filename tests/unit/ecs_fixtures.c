/*
 * ecs_fixtures.c: see ecs_fixtures.h. Linked into every unit test.
 */
#include <stdio.h>
#include <string.h>

#include "ecs_fixtures.h"
#include "testutil.h"

json_t *fx_service(int breaker, const char *d1, const char *d2)
{
	json_t *deps = json_array();
	const char *ds[2] = {d1, d2};
	char first_td[200] = "";
	for (int i = 0; i < 2; i++) {
		if (!ds[i])
			continue;
		char id[80], st[16], state[16], td[200];
		long des, pen, run, fail;
		if (sscanf(ds[i], "%79s %15s %15s %199s %ld %ld %ld %ld", id, st, state, td, &des,
			   &pen, &run, &fail) != 8)
			fail_msg("bad fixture '%s'", ds[i]);
		if (!first_td[0])
			snprintf(first_td, sizeof(first_td), "%s", td);
		json_t *d = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:f}", "id", id, "status",
				      st, "taskDefinition", td, "desiredCount", (json_int_t)des,
				      "pendingCount", (json_int_t)pen, "runningCount",
				      (json_int_t)run, "failedTasks", (json_int_t)fail, "createdAt",
				      1700000000.5);
		if (strcmp(state, "-"))
			json_object_set_new(d, "rolloutState", json_string(state));
		json_array_append_new(deps, d);
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:[], s:{s:{s:b, s:b}, s:I, s:I}}",
			 "serviceName", "web", "serviceArn",
			 "arn:aws:ecs:ap-northeast-1:123456789012:service/c/web", "status", "ACTIVE",
			 "taskDefinition", first_td, "desiredCount", (json_int_t)2, "deployments",
			 deps, "events", "deploymentConfiguration", "deploymentCircuitBreaker",
			 "enable", breaker, "rollback", breaker, "maximumPercent", (json_int_t)200,
			 "minimumHealthyPercent", (json_int_t)100);
}

json_t *fx_service_named(const char *name, int breaker, const char *d1, const char *d2)
{
	char arn[600];
	json_t *s = fx_service(breaker, d1, d2);
	snprintf(arn, sizeof(arn), "arn:aws:ecs:ap-northeast-1:123456789012:service/c/%s", name);
	json_object_set_new(s, "serviceName", json_string(name));
	json_object_set_new(s, "serviceArn", json_string(arn));
	return s;
}

void fx_ecs_init(struct fx_ecs *f) { memset(f, 0, sizeof(*f)); }

void fx_ecs_push_worker(struct fx_ecs *f, json_t *service)
{
	if (f->nworker < FX_MAX)
		f->worker[f->nworker++] = service;
	else
		json_decref(service);
}

/* The next snapshot of a queue (the last one repeats); NULL: MISSING. */
static json_t *next_snapshot(json_t **q, int nq, int *iq)
{
	json_t *s = nq ? q[*iq < nq ? *iq : nq - 1] : NULL;
	if (*iq < nq)
		(*iq)++;
	return s;
}

static int worker_missing(const struct fx_ecs *f)
{
	if (!f->nworker)
		return 0;
	int i = f->iworker > 0 ? f->iworker - 1 : 0; /* the snapshot served last */
	return f->worker[i < f->nworker ? i : f->nworker - 1] == NULL;
}

void fx_ecs_release(struct fx_ecs *f)
{
	for (int i = 0; i < f->ndescribe; i++)
		json_decref(f->describe[i]);
	for (int i = 0; i < f->nworker; i++)
		json_decref(f->worker[i]);
	json_decref(f->worker_update);
	for (int i = 0; i < f->nops; i++)
		json_decref(f->bodies[i]);
	json_decref(f->latest_td);
	json_decref(f->update_service);
	json_decref(f->update_service2);
	json_decref(f->records);
	memset(f, 0, sizeof(*f));
}

void fx_ecs_push(struct fx_ecs *f, json_t *service)
{
	if (f->ndescribe < FX_MAX)
		f->describe[f->ndescribe++] = service;
	else
		json_decref(service);
}

static int answer(struct ship_http_response *resp, long status, json_t *body, const char *etype)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	resp->status = status;
	ship_headers_add(&resp->headers, "Content-Type", "application/x-amz-json-1.1");
	ship_headers_add(&resp->headers, "x-amzn-RequestId", "fx-request-id");
	if (etype)
		ship_headers_add(&resp->headers, "x-amzn-ErrorType", etype);
	ship_buf_adds(&resp->body, text ? text : "{}");
	ship_free(text);
	return 0;
}

int fx_ecs_transport(void *ctx, const struct ship_http_request *req,
		     struct ship_http_response *resp, struct ship_err *err)
{
	struct fx_ecs *f = ctx;
	const char *target = ship_headers_get(req->headers, "X-Amz-Target");
	const char *op = target ? strchr(target, '.') : NULL;
	op = op ? op + 1 : "?";
	f->calls++;
	if (f->calls <= f->refuse_first)
		return ship_err_set(err, SHIP_ERR_NETWORK, "cannot connect to 'http://127.0.0.1:9'");
	int registered = fx_ecs_count(f, "RegisterTaskDefinition") > 0;
	if ((f->throttle_every && f->calls % f->throttle_every == 0) || f->calls <= f->throttle_first ||
	    (registered && f->throttle_after_register > 0 && f->throttle_after_register--))
		return answer(resp, 400,
			      json_pack("{s:s, s:s}", "__type", "ThrottlingException", "message",
					"Rate exceeded"),
			      "ThrottlingException");
	if (f->nops < FX_MAX * 4) {
		snprintf(f->ops[f->nops], sizeof(f->ops[0]), "%s", op);
		f->bodies[f->nops++] = json_loadb(req->body.p, req->body.len, 0, NULL);
	}
	json_t *body = f->nops > 0 ? f->bodies[f->nops - 1] : NULL;
	const char *svc_name = json_string_value(json_object_get(body, "service"));
	int for_worker = svc_name && !strcmp(svc_name, "worker");
	if (!strcmp(op, "DescribeServices")) {
		json_t *services = json_array(), *failures = json_array(), *name;
		size_t i;
		json_array_foreach(json_object_get(body, "services"), i, name)
		{
			const char *n = json_string_value(name);
			json_t *s = n && !strcmp(n, "worker")
					? next_snapshot(f->worker, f->nworker, &f->iworker)
					: next_snapshot(f->describe, f->ndescribe, &f->idescribe);
			if (s)
				json_array_append(services, s);
			else
				json_array_append_new(failures,
						      json_pack("{s:s, s:s}", "arn",
								"arn:aws:ecs:::service/web",
								"reason", "MISSING"));
		}
		return answer(resp, 200,
			      json_pack("{s:o, s:o}", "services", services, "failures", failures),
			      NULL);
	}
	if (!strcmp(op, "UpdateService") && for_worker && worker_missing(f))
		return answer(resp, 400,
			      json_pack("{s:s, s:s}", "__type", "ServiceNotActiveException",
					"message", "Service was not ACTIVE."),
			      NULL);
	if (!strcmp(op, "RegisterTaskDefinition") && f->register_fail > 0) {
		f->register_fail--;
		if (f->register_lost) {
			json_decref(f->latest_td);
			f->latest_td = json_deep_copy(body);
			json_object_set_new(
			    f->latest_td, "taskDefinitionArn",
			    json_string(f->register_arn ? f->register_arn : FX_TD_NEW));
			json_object_set_new(f->latest_td, "revision", json_integer(8));
		}
		return answer(resp, 500,
			      json_pack("{s:s, s:s}", "__type", "ServerException", "message",
					"Service unavailable"),
			      NULL);
	}
	if (!strcmp(op, "DescribeTaskDefinition")) {
		if (!f->latest_td)
			return answer(resp, 400,
				      json_pack("{s:s, s:s}", "__type", "ClientException", "message",
						"Unable to describe task definition."),
				      NULL);
		return answer(resp, 200, json_pack("{s:O}", "taskDefinition", f->latest_td), NULL);
	}
	if (!strcmp(op, "RegisterTaskDefinition"))
		return answer(resp, 200,
			      json_pack("{s:{s:s, s:i}}", "taskDefinition", "taskDefinitionArn",
					f->register_arn ? f->register_arn : FX_TD_NEW, "revision", 8),
			      NULL);
	if (!strcmp(op, "UpdateService") || !strcmp(op, "CreateService")) {
		json_t *svc = for_worker && f->worker_update ? f->worker_update : f->update_service;
		if (!strcmp(op, "UpdateService") && f->updates++ > 0 && f->update_service2 &&
		    !for_worker)
			svc = f->update_service2;
		return answer(resp, 200, json_pack("{s:O}", "service", svc ? svc : json_null()),
			      NULL);
	}
	if (!strcmp(op, "TagResource"))
		return answer(resp, 200, json_object(), NULL);
	if (!strcmp(op, "DescribeServiceDeployments") && !f->records_missing) {
		json_t *list = json_array(), *fails = json_array(), *a;
		size_t i;
		json_array_foreach(json_object_get(body, "serviceDeploymentArns"), i, a)
		{
			const char *arn = json_string_value(a);
			json_t *q = json_object_get(f->records, arn ? arn : "");
			if (!json_array_size(q)) {
				json_array_append_new(fails, json_pack("{s:s, s:s}", "arn", arn,
								       "reason", "MISSING"));
				continue;
			}
			/* each answer takes the next status; the last one repeats */
			json_t *st = json_array_get(q, 0);
			json_array_append_new(list, json_pack("{s:s, s:O}", "serviceDeploymentArn",
							      arn, "status", st));
			if (json_array_size(q) > 1)
				json_array_remove(q, 0);
		}
		return answer(resp, 200,
			      json_pack("{s:o, s:o}", "serviceDeployments", list, "failures", fails),
			      NULL);
	}
	return answer(resp, 400,
		      json_pack("{s:s, s:s}", "__type", "UnknownOperationException", "message", op),
		      NULL);
}

int fx_ecs_count(const struct fx_ecs *f, const char *op)
{
	int n = 0;
	for (int i = 0; i < f->nops; i++)
		n += !strcmp(f->ops[i], op);
	return n;
}

json_t *fx_ecs_body(const struct fx_ecs *f, const char *op, int nth)
{
	for (int i = 0; i < f->nops; i++)
		if (!strcmp(f->ops[i], op) && nth-- == 0)
			return f->bodies[i];
	return NULL;
}
