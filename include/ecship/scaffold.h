/*
 * scaffold.h: a live service as the two files a project keeps (`ecship init --from-service`):
 * the RegisterTaskDefinition input of the revision it runs and the CreateService input of the
 * service, written so that rendering them gives back what runs (ECS's defaults left out, every
 * "${" escaped as "$${" since the files are templates). Never prints.
 */
#ifndef ECSHIP_SCAFFOLD_H
#define ECSHIP_SCAFFOLD_H

#include <jansson.h>

#include "ecship/aws.h"

struct ship_scaffold {
	json_t *task_definition;    /* RegisterTaskDefinition input */
	json_t *service_definition; /* CreateService input */
	char taskdef_arn[512];	    /* the revision the service runs */
};

/*
 * DescribeServices and DescribeTaskDefinition of the revision the service runs. A service that
 * does not exist (or was deleted) is an SHIP_ERR_INPUT error naming cluster and service.
 * Release *out with ship_scaffold_release, also after a failure.
 */
int ship_scaffold_from_service(struct ship_aws *aws, const char *cluster, const char *service,
			       struct ship_scaffold *out, struct ship_err *err);
void ship_scaffold_release(struct ship_scaffold *s);

/* The conversions alone (new references, NULL when out of memory or not an object): a
 * DescribeTaskDefinition "taskDefinition" and a DescribeServices service. */
json_t *ship_scaffold_taskdef(const json_t *live);
json_t *ship_scaffold_servicedef(const json_t *live);

#endif
