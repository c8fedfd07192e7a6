/*
 * services.c: the table of AWS services ecship talks to (protocol, API version, JSON target,
 * endpoint prefix, signing name, endpoint env suffix), checked against botocore's service-2.json
 * metadata. Pure data; depends on nothing but aws.h.
 */
#include "ecship/aws.h"

static const struct ship_service_info s_services[SHIP_SVC_COUNT] = {
    [SHIP_SVC_ECS] = {"ecs", "ECS", "ecs", "ecs", SHIP_PROTO_JSON,
		      "AmazonEC2ContainerServiceV20141113", "2014-11-13", 0},
    [SHIP_SVC_CLOUDFORMATION] = {"cloudformation", "CLOUDFORMATION", "cloudformation",
				 "cloudformation", SHIP_PROTO_QUERY, NULL, "2010-05-15", 0},
    [SHIP_SVC_ELBV2] = {"elbv2", "ELASTIC_LOAD_BALANCING_V2", "elasticloadbalancing",
			"elasticloadbalancing", SHIP_PROTO_QUERY, NULL, "2015-12-01", 0},
    [SHIP_SVC_EC2] = {"ec2", "EC2", "ec2", "ec2", SHIP_PROTO_EC2, NULL, "2016-11-15", 0},
    [SHIP_SVC_LOGS] = {"logs", "CLOUDWATCH_LOGS", "logs", "logs", SHIP_PROTO_JSON, "Logs_20140328",
		       "2014-03-28", 0},
    [SHIP_SVC_STS] = {"sts", "STS", "sts", "sts", SHIP_PROTO_QUERY, NULL, "2011-06-15", 0},
    [SHIP_SVC_SERVICE_QUOTAS] = {"service-quotas", "SERVICE_QUOTAS", "servicequotas",
				 "servicequotas", SHIP_PROTO_JSON, "ServiceQuotasV20190624",
				 "2019-06-24", 0},
    [SHIP_SVC_IAM] = {"iam", "IAM", "iam", "iam", SHIP_PROTO_QUERY, NULL, "2010-05-08", 1},
    [SHIP_SVC_ECR] = {"ecr", "ECR", "api.ecr", "ecr", SHIP_PROTO_JSON,
		      "AmazonEC2ContainerRegistry_V20150921", "2015-09-21", 0},
    /* CloudWatch speaks Query too (botocore's "protocols" lists it beside CBOR and JSON) */
    [SHIP_SVC_CLOUDWATCH] = {"cloudwatch", "CLOUDWATCH", "monitoring", "monitoring",
			     SHIP_PROTO_QUERY, NULL, "2010-08-01", 0},
    [SHIP_SVC_APPLICATION_AUTO_SCALING] = {"application-autoscaling", "APPLICATION_AUTO_SCALING",
					   "application-autoscaling", "application-autoscaling",
					   SHIP_PROTO_JSON, "AnyScaleFrontendService", "2016-02-06",
					   0},
};

const struct ship_service_info *ship_service_info(enum ship_service svc)
{
	if ((unsigned)svc >= SHIP_SVC_COUNT)
		return NULL;
	return &s_services[svc];
}
