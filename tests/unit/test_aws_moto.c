/*
 * test_aws_moto.c: the client against moto_server ($MOTO_URL, started by tests/run; every case is
 * skipped without it): STS via Query, ECS via JSON 1.1, EC2 via the EC2 protocol, and API errors
 * from moto parsed with code, message and request id. Real transport, real signing.
 */
#include <stdlib.h>
#include <string.h>

#include "ecship/aws.h"
#include "ecship/xml.h"
#include "testutil.h"

static struct ship_aws *moto_client(void)
{
	const char *url = getenv("MOTO_URL");
	struct ship_err e = SHIP_ERR_INIT;
	if (!url || !*url)
		return NULL;
	struct ship_aws_options o;
	memset(&o, 0, sizeof(o));
	o.endpoint_url = url;
	o.region = getenv("AWS_REGION") ? NULL : "us-east-1";
	struct ship_aws *aws = ship_aws_new(&o, &e);
	if (!aws)
		fail_msg("ship_aws_new: %s", e.message);
	return aws;
}

#define MOTO_OR_SKIP(aws)                                                                          \
	struct ship_aws *aws = moto_client();                                                      \
	if (!aws)                                                                                  \
	skip()

static void sts_get_caller_identity(void **state)
{
	(void)state;
	MOTO_OR_SKIP(aws);
	struct ship_err e = SHIP_ERR_INIT;
	xmlDoc *doc = NULL;
	if (ship_aws_query(aws, SHIP_SVC_STS, "GetCallerIdentity", NULL, &doc, NULL, &e))
		fail_msg("GetCallerIdentity: %s", e.message);
	char account[32], arn[256];
	xmlNode *res = ship_xml_path(ship_xml_root(doc), "GetCallerIdentityResult");
	ship_xml_path_copy(res, "Account", account, sizeof(account));
	ship_xml_path_copy(res, "Arn", arn, sizeof(arn));
	assert_int_equal(strlen(account), 12);
	assert_true(!strncmp(arn, "arn:aws:", 8));
	xmlFreeDoc(doc);
	ship_aws_destroy(aws);
}

static void ecs_clusters_over_json(void **state)
{
	(void)state;
	MOTO_OR_SKIP(aws);
	struct ship_err e = SHIP_ERR_INIT;
	json_t *out = NULL;
	json_t *req = json_pack("{s:s}", "clusterName", "ecship-client-test");
	if (ship_aws_json(aws, SHIP_SVC_ECS, "CreateCluster", req, &out, NULL, &e))
		fail_msg("CreateCluster: %s", e.message);
	json_decref(req);
	assert_string_equal(json_string_value(json_object_get(json_object_get(out, "cluster"),
							     "clusterName")),
			    "ecship-client-test");
	json_decref(out);
	if (ship_aws_json(aws, SHIP_SVC_ECS, "ListClusters", NULL, &out, NULL, &e))
		fail_msg("ListClusters: %s", e.message);
	json_t *arns = json_object_get(out, "clusterArns");
	int found = 0;
	size_t i;
	json_t *v;
	json_array_foreach(arns, i, v) found |= strstr(json_string_value(v), "/ecship-client-test") != NULL;
	assert_true(found);
	json_decref(out);
	struct ship_aws_stats st;
	ship_aws_stats(aws, &st);
	assert_int_equal(st.calls, 2);
	assert_int_equal(st.attempts, 2);
	ship_aws_destroy(aws);
}

static void ec2_vpcs_over_ec2(void **state)
{
	(void)state;
	MOTO_OR_SKIP(aws);
	struct ship_err e = SHIP_ERR_INIT;
	struct ship_params p = {{0}};
	xmlDoc *doc = NULL;
	ship_params_add(&p, "Filter.1.Name", "isDefault");
	ship_params_add(&p, "Filter.1.Value.1", "true");
	if (ship_aws_query(aws, SHIP_SVC_EC2, "DescribeVpcs", &p, &doc, NULL, &e))
		fail_msg("DescribeVpcs: %s", e.message);
	xmlNode *set = ship_xml_path(ship_xml_root(doc), "vpcSet");
	assert_int_equal(ship_xml_count_items(set), 1);
	char id[64];
	ship_xml_path_copy(ship_xml_first_item(set), "vpcId", id, sizeof(id));
	assert_true(!strncmp(id, "vpc-", 4));
	xmlFreeDoc(doc);
	ship_params_release(&p);
	ship_aws_destroy(aws);
}

static void other_services_answer(void **state)
{
	(void)state;
	MOTO_OR_SKIP(aws);
	struct ship_err e = SHIP_ERR_INIT;
	json_t *out = NULL;
	xmlDoc *doc = NULL;
	if (ship_aws_json(aws, SHIP_SVC_LOGS, "DescribeLogGroups", NULL, &out, NULL, &e))
		fail_msg("DescribeLogGroups: %s", e.message);
	assert_true(json_is_array(json_object_get(out, "logGroups")));
	json_decref(out);
	if (ship_aws_query(aws, SHIP_SVC_ELBV2, "DescribeLoadBalancers", NULL, &doc, NULL, &e))
		fail_msg("DescribeLoadBalancers: %s", e.message);
	assert_non_null(ship_xml_path(ship_xml_root(doc), "DescribeLoadBalancersResult"));
	xmlFreeDoc(doc);
	if (ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "ListStacks", NULL, &doc, NULL, &e))
		fail_msg("ListStacks: %s", e.message);
	assert_non_null(ship_xml_path(ship_xml_root(doc), "ListStacksResult"));
	xmlFreeDoc(doc);
	if (ship_aws_query(aws, SHIP_SVC_IAM, "ListRoles", NULL, &doc, NULL, &e))
		fail_msg("ListRoles: %s", e.message);
	assert_non_null(ship_xml_path(ship_xml_root(doc), "ListRolesResult"));
	xmlFreeDoc(doc);
	ship_aws_destroy(aws);
}

static void api_errors_from_moto(void **state)
{
	(void)state;
	MOTO_OR_SKIP(aws);
	struct ship_err e = SHIP_ERR_INIT;
	xmlDoc *doc = NULL;
	struct ship_params p = {{0}};
	ship_params_add(&p, "StackName", "ecship-no-such-stack");
	assert_int_equal(ship_aws_query(aws, SHIP_SVC_CLOUDFORMATION, "DescribeStacks", &p, &doc, NULL,
					&e),
			 -1);
	assert_null(doc);
	assert_int_equal(e.code, SHIP_ERR_AWS);
	assert_string_equal(e.aws_code, "ValidationError");
	assert_int_equal(e.http_status, 400);
	assert_false(e.retryable);
	assert_true(strlen(e.request_id) > 0);
	assert_non_null(strstr(e.message, "ValidationError: Stack with id ecship-no-such-stack does "
					  "not exist"));
	assert_non_null(strstr(e.message, e.request_id));
	ship_params_release(&p);

	json_t *out = NULL;
	json_t *req = json_pack("{s:s, s:[s]}", "cluster", "ecship-no-such-cluster", "services", "web");
	assert_int_equal(ship_aws_json(aws, SHIP_SVC_ECS, "DescribeServices", req, &out, NULL, &e), -1);
	json_decref(req);
	assert_null(out);
	assert_int_equal(e.code, SHIP_ERR_AWS);
	assert_string_equal(e.aws_code, "ClusterNotFoundException");
	assert_int_equal(e.http_status, 400);
	assert_non_null(strstr(e.message, "ClusterNotFoundException: "));

	ship_params_add(&p, "VpcId.1", "vpc-00000000");
	assert_int_equal(ship_aws_query(aws, SHIP_SVC_EC2, "DescribeVpcs", &p, &doc, NULL, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_AWS);
	assert_string_equal(e.aws_code, "InvalidVpcID.NotFound");
	assert_true(strlen(e.request_id) > 0);
	ship_params_release(&p);
	struct ship_aws_stats st;
	ship_aws_stats(aws, &st);
	assert_int_equal(st.retries, 0);
	ship_aws_destroy(aws);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(sts_get_caller_identity), TU_TEST(ecs_clusters_over_json),
	    TU_TEST(ec2_vpcs_over_ec2),       TU_TEST(other_services_answer),
	    TU_TEST(api_errors_from_moto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
