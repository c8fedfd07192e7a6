/*
 * ecs_fixtures.h: builders of ECS answers for unit tests (DescribeServices services with
 * deployments given compactly) and a scripted fake ECS transport for the client.
 */
#ifndef ECSHIP_ECS_FIXTURES_H
#define ECSHIP_ECS_FIXTURES_H

#include <jansson.h>

#include "ecship/http.h"

#define FX_OURS "ecs-svc/2222222222222222222"
#define FX_OLD "ecs-svc/1111111111111111111"
#define FX_OTHER "ecs-svc/3333333333333333333"
#define FX_TD_NEW "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/app:8"
#define FX_TD_OLD "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/app:7"

/*
 * A service object with the breaker setting and up to two deployments, each
 * "ID STATUS STATE TASKDEF desired pending running failed" (STATE "-" for none). The service's
 * taskDefinition is the first deployment's.
 */
json_t *fx_service(int breaker, const char *d1, const char *d2);

/* The fake ECS: answers by X-Amz-Target from queues; records every call. */
#define FX_MAX 64
struct fx_ecs {
	json_t *describe[FX_MAX]; /* successive DescribeServices "services"[0]; the last repeats; NULL = MISSING */
	int ndescribe, idescribe;
	json_t *latest_td;        /* DescribeTaskDefinition's taskDefinition, NULL: ClientException */
	const char *register_arn; /* RegisterTaskDefinition answers with this ARN */
	json_t *update_service;   /* UpdateService/CreateService answer's "service" */
	json_t *update_service2;  /* the answer to the second and later UpdateService (NULL: the first) */
	int updates;
	int throttle_every;       /* answer every Nth call with a ThrottlingException (0: never) */
	int throttle_first;       /* and the first N calls */
	int throttle_after_register; /* and the N calls after the first RegisterTaskDefinition */
	int refuse_first;         /* the first N calls get no answer (connection refused) */
	int register_fail;	  /* the first N RegisterTaskDefinition calls answer HTTP 500 */
	int register_lost; /* ... and did register it: latest_td becomes the registered one */
	/* a second service, "worker": its own DescribeServices queue (fx_service_named) and
	 * UpdateService answer (NULL: update_service); while its queue shows it MISSING, an
	 * UpdateService of it is ServiceNotActiveException, as ECS answers for a deleted service */
	json_t *worker[FX_MAX];
	int nworker, iworker;
	json_t *worker_update;
	/* DescribeServiceDeployments: records[ARN] is the list of successive statuses of that
	 * service deployment (the last repeats; an unknown ARN is a MISSING failure);
	 * records_missing: the operation is unknown (an endpoint without the API) */
	json_t *records;
	int records_missing;
	char ops[FX_MAX * 4][40];
	json_t *bodies[FX_MAX * 4]; /* request bodies, parsed */
	int nops;
	int calls;
};
void fx_ecs_init(struct fx_ecs *f);
void fx_ecs_release(struct fx_ecs *f);
/* Appends a DescribeServices snapshot (takes ownership). */
void fx_ecs_push(struct fx_ecs *f, json_t *service);
/* The same for the service "worker" (NULL: MISSING). */
void fx_ecs_push_worker(struct fx_ecs *f, json_t *service);
/* fx_service with another service name (its ARN follows). */
json_t *fx_service_named(const char *name, int breaker, const char *d1, const char *d2);
int fx_ecs_transport(void *ctx, const struct ship_http_request *req,
		     struct ship_http_response *resp, struct ship_err *err);
/* How many calls of an operation were made; the body of the Nth (0-based) one. */
int fx_ecs_count(const struct fx_ecs *f, const char *op);
json_t *fx_ecs_body(const struct fx_ecs *f, const char *op, int nth);

#endif
