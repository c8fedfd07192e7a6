/*
 * limits.h: the longest identifiers ecship keeps in fixed-size fields, derived from AWS's
 * documented maxima, so nothing read from or sent to ECS is cut short. A value longer than its
 * field is an error where it is read, never silently truncated. Depends on nothing.
 */
#ifndef ECSHIP_LIMITS_H
#define ECSHIP_LIMITS_H

/* Cluster, service and task definition family names: "Up to 255 letters (uppercase and
 * lowercase), numbers, underscores, and hyphens are allowed" (ECS API Reference:
 * CreateCluster.clusterName, CreateService.serviceName, RegisterTaskDefinition.family). */
#define SHIP_ECS_NAME_MAX 255

/* ARN parts (General Reference, "Amazon Resource Names (ARNs)"): the account is 12 digits; no
 * maximum is documented for partition and region: the longest today are 10 ("aws-us-gov") and
 * 14 ("ap-southeast-5") characters; we allow 32 each and refuse longer ones. */
#define SHIP_AWS_PARTITION_MAX 32
#define SHIP_AWS_REGION_MAX 32
#define SHIP_AWS_ACCOUNT_LEN 12
/* "arn:" PARTITION ":ecs:" REGION ":" ACCOUNT ":" */
#define SHIP_ECS_ARN_PREFIX_MAX                                                                    \
	(4 + SHIP_AWS_PARTITION_MAX + 5 + SHIP_AWS_REGION_MAX + 1 + SHIP_AWS_ACCOUNT_LEN + 1)
/* PREFIX "service/" CLUSTER "/" SERVICE (ECS's long ARN format; the short one is shorter):
 * 606 characters with two 255-character names. */
#define SHIP_ECS_SERVICE_ARN_MAX                                                                   \
	(SHIP_ECS_ARN_PREFIX_MAX + 8 + SHIP_ECS_NAME_MAX + 1 + SHIP_ECS_NAME_MAX)
/* PREFIX "task-definition/" FAMILY ":" REVISION (a revision is a positive 32-bit number, at
 * most 10 digits). */
#define SHIP_ECS_TASKDEF_ARN_MAX (SHIP_ECS_ARN_PREFIX_MAX + 16 + SHIP_ECS_NAME_MAX + 1 + 10)

/* PREFIX "task/" CLUSTER "/" TASK-ID (32 hexadecimal digits). */
#define SHIP_ECS_TASK_ARN_MAX (SHIP_ECS_ARN_PREFIX_MAX + 5 + SHIP_ECS_NAME_MAX + 1 + 32)

#endif
