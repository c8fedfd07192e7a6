/*
 * autoscaling.h: Application Auto Scaling of an ECS service's desired count (lib/ecs/
 * autoscaling.c): what is live (the scalable target and its policies), how it differs from
 * ecship.yml's `autoscaling:`, and the deploy step that registers the target and puts the one
 * target-tracking policy ecship owns. ECS's side of it: a deploy never sends desiredCount unless
 * --desired-count asks (deploy.h), so the count Application Auto Scaling set stays.
 * Sources: Application Auto Scaling API reference (RegisterScalableTarget, PutScalingPolicy,
 * DescribeScalableTargets, DescribeScalingPolicies, PredefinedMetricSpecification); ECS
 * developer guide, "Automatically scale your Amazon ECS service".
 */
#ifndef ECSHIP_AUTOSCALING_H
#define ECSHIP_AUTOSCALING_H

#include <jansson.h>

#include "ecship/aws.h"
#include "ecship/config.h"
#include "ecship/util.h"

/* The policy ecship creates and updates in place; other policies on the target are left alone. */
#define SHIP_AS_POLICY_NAME "ecship-target-tracking"

/* The live scaling of one service. */
struct ship_as_live {
	int registered;	  /* a scalable target exists for ecs:service:DesiredCount */
	long min, max;	  /* its MinCapacity, MaxCapacity (0 when not registered) */
	json_t *policies; /* DescribeScalingPolicies' ScalingPolicies (an array, never NULL after
			     a successful describe) */
};
void ship_as_live_release(struct ship_as_live *live);

/* DescribeScalableTargets and DescribeScalingPolicies for service/<cluster>/<service>. */
int ship_autoscaling_describe(struct ship_aws *aws, const struct ship_call_opts *call,
			      const char *cluster, const char *service, struct ship_as_live *live,
			      struct ship_err *err);

/* The PredefinedMetricType of a metric ("ECSServiceAverageCPUUtilization", ...); NULL for
 * SHIP_AS_METRIC_NONE. */
const char *ship_as_metric_type(enum ship_as_metric metric);

/*
 * The ALBRequestCountPerTarget ResourceLabel "app/<lb>/<id>/targetgroup/<tg>/<id>" of a target
 * group: its load balancer from ELBv2 DescribeTargetGroups. A target group without a load
 * balancer is SHIP_ERR_INPUT.
 */
int ship_autoscaling_resource_label(struct ship_aws *aws, const struct ship_call_opts *call,
				    const char *target_group_arn, char *out, size_t size,
				    struct ship_err *err);

/*
 * The differences between ecship.yml's want and live, as "-<live>\n+<wanted>\n" line pairs per
 * item (min, max, the policy SHIP_AS_POLICY_NAME) appended to out. label: the resource label
 * wanted for alb_requests (NULL: not compared). Returns 1 when they differ, 0 when not, -1 out
 * of memory.
 */
int ship_autoscaling_diff(const struct ship_config_autoscaling *want,
			  const struct ship_as_live *live, const char *label, struct ship_buf *out);

/* The deploy step (lib/ecs/deploy.c calls it once the service exists). */
struct ship_as_apply {
	const char *cluster, *service;
	const struct ship_config_autoscaling *want; /* set: what ecship.yml declares */
	const json_t
	    *service_def; /* the definition (loadBalancers for alb_requests); may be NULL */
	const json_t *live_service; /* the service as described (its loadBalancers); may be NULL */
	int dry_run;		    /* only say what would change */
	void (*on_note)(void *ctx, const char *message);
	void *ctx;
};
/*
 * What ship_autoscaling_apply would change, as ship_autoscaling_diff lines in out (the resource
 * label found as apply finds it). 1 when it would change something, 0 when not (or when
 * a->want is unset), -1 with err.
 */
int ship_autoscaling_plan(struct ship_aws *aws, const struct ship_call_opts *call,
			  const struct ship_as_apply *a, struct ship_buf *out,
			  struct ship_err *err);
/*
 * Registers the scalable target (min, max) when it is missing or differs, and puts the policy
 * SHIP_AS_POLICY_NAME when it is missing or differs (PutScalingPolicy updates it in place).
 * Nothing is sent when live already matches. Returns 0, or -1 with err (an AWS error, or
 * SHIP_ERR_INPUT when alb_requests finds no target group).
 */
int ship_autoscaling_apply(struct ship_aws *aws, const struct ship_call_opts *call,
			   const struct ship_as_apply *a, struct ship_err *err);

#endif
