/*
 * test_infra.c: the pure decisions of `ecship infra` and `ecship rule`: change set names,
 * template capabilities and VPC detection, parameters, stack statuses, "no changes" in its
 * forms, the VPC quota decision and subnet choice, rule priorities and rule comparison.
 * Tables of cases on the leak-counting allocator, plus allocation-failure loops.
 */
#include "testutil.h"

#include <regex.h>
#include <string.h>

#include "ecship/infra.h"
#include "ecship/listener.h"

static struct ship_str S(const char *s) {
	return ship_str_c(s);
}

static void
kvs_of(struct ship_kvs *l, const char *const *kv)
{
	memset(l, 0, sizeof(*l));
	for (; kv && kv[0]; kv += 2)
		assert_int_equal(ship_kvs_set(l, kv[0], kv[1]), 0);
}

/* ---- change set names ---------------------------------------------------------------------- */

static void changeset_names_are_deterministic(void **state)
{
	(void)state;
	struct ship_kvs a, b, c;
	char n1[SHIP_CHANGESET_NAME_MAX], n2[SHIP_CHANGESET_NAME_MAX], n3[SHIP_CHANGESET_NAME_MAX];
	static const char *const pa[] = {"Environment", "staging", "EnableNatGateway", "false",
					 NULL};
	static const char *const pb[] = {"EnableNatGateway", "false", "Environment", "staging",
					 NULL};
	static const char *const pc[] = {"Environment", "staging", "EnableNatGateway", "true",
					 NULL};
	kvs_of(&a, pa);
	kvs_of(&b, pb);
	kvs_of(&c, pc);
	assert_int_equal(
	    ship_infra_changeset_name("django-ecs-cluster-staging", S("T"), &a, n1, sizeof(n1)), 0);
	assert_int_equal(
	    ship_infra_changeset_name("django-ecs-cluster-staging", S("T"), &b, n2, sizeof(n2)), 0);
	assert_string_equal(n1, n2); /* parameter order does not matter */
	assert_int_equal(
	    ship_infra_changeset_name("django-ecs-cluster-staging", S("T"), &c, n3, sizeof(n3)), 0);
	assert_string_not_equal(n1, n3); /* a value does */
	assert_int_equal(
	    ship_infra_changeset_name("django-ecs-cluster-staging", S("T "), &a, n3, sizeof(n3)),
	    0);
	assert_string_not_equal(n1, n3); /* so does one byte of the template */
	/* "a=b" + "c" must differ from "a" + "b=c": keys and values are delimited */
	struct ship_kvs d, e;
	static const char *const pd[] = {"A", "1B=2", NULL};
	static const char *const pe[] = {"A", "1", "B", "2", NULL};
	kvs_of(&d, pd);
	kvs_of(&e, pe);
	assert_int_equal(ship_infra_changeset_name("s", S("T"), &d, n2, sizeof(n2)), 0);
	assert_int_equal(ship_infra_changeset_name("s", S("T"), &e, n3, sizeof(n3)), 0);
	assert_string_not_equal(n2, n3);

	regex_t re;
	assert_int_equal(regcomp(&re, "^ecship-django-ecs-cluster-staging-[0-9a-f]{16}$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	assert_int_equal(regexec(&re, n1, 0, NULL, 0), 0);
	regfree(&re);
	assert_true(ship_infra_changeset_is_ours("django-ecs-cluster-staging", n1));
	assert_false(ship_infra_changeset_is_ours("django-ecs-cluster-production", n1));
	assert_false(ship_infra_changeset_is_ours("django-ecs-cluster", n1));
	assert_false(ship_infra_changeset_is_ours("django-ecs-cluster-staging",
						  "ecship-django-ecs-cluster-staging-1718000000"));
	assert_false(ship_infra_changeset_is_ours(
	    "django-ecs-cluster-staging", "awscli-cloudformation-package-deploy-1718000000"));
	assert_false(ship_infra_changeset_is_ours(
	    "django-ecs-cluster-staging", "ecship-django-ecs-cluster-staging-0123456789ABCDEF"));

	/* a very long stack name still gives a valid name (<= 128 characters) */
	char longstack[200];
	memset(longstack, 'x', sizeof(longstack) - 1);
	longstack[sizeof(longstack) - 1] = '\0';
	assert_int_equal(ship_infra_changeset_name(longstack, S("T"), NULL, n2, sizeof(n2)), 0);
	assert_true(strlen(n2) <= 128);
	assert_true(ship_infra_changeset_is_ours(longstack, n2));
	/* too small an output buffer is refused */
	char tiny[16];
	assert_int_equal(ship_infra_changeset_name("s", S("T"), NULL, tiny, sizeof(tiny)), -1);

	ship_kvs_release(&a);
	ship_kvs_release(&b);
	ship_kvs_release(&c);
	ship_kvs_release(&d);
	ship_kvs_release(&e);
}

static void changeset_name_survives_allocation_failures(void **state)
{
	(void)state;
	struct ship_kvs a;
	char want[SHIP_CHANGESET_NAME_MAX], got[SHIP_CHANGESET_NAME_MAX];
	static const char *const pa[] = {"Environment", "staging", "B", "x", NULL};
	kvs_of(&a, pa);
	assert_int_equal(ship_infra_changeset_name("s", S("T"), &a, want, sizeof(want)), 0);
	for (long n = 1; n < 10; n++) {
		tu_alloc_fail_at(n);
		int r = ship_infra_changeset_name("s", S("T"), &a, got, sizeof(got));
		tu_alloc_fail_at(0);
		if (r == 0)
			assert_string_equal(got, want);
	}
	ship_kvs_release(&a);
}

/* ---- templates ----------------------------------------------------------------------------- */

static void capabilities_from_template(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		unsigned want;
	} cases[] = {
	    {"Resources:\n  B:\n    Type: AWS::S3::Bucket\n", 0},
	    {"Resources:\n  R:\n    Type: AWS::IAM::Role\n", SHIP_CAP_IAM},
	    {"Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: x\n",
	     SHIP_CAP_IAM | SHIP_CAP_NAMED_IAM},
	    {"{\"Resources\": {\"R\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": "
	     "{\"RoleName\": \"x\"}}}}",
	     SHIP_CAP_IAM | SHIP_CAP_NAMED_IAM},
	    {"Resources:\n  U:\n    Type: AWS::IAM::User\n    Properties:\n      UserName : x\n",
	     SHIP_CAP_IAM | SHIP_CAP_NAMED_IAM},
	    /* RoleName as a value (a Ref to a role's name) is not a named IAM resource */
	    {"Resources:\n  R:\n    Type: AWS::IAM::Role\n  P:\n    Type: X\n    Properties:\n     "
	     " Roles: [RoleName]\n",
	     SHIP_CAP_IAM},
	    /* a RoleName key without IAM resources (e.g. an ECS property) asks for nothing */
	    {"Resources:\n  S:\n    Type: AWS::ECS::Service\n    Properties:\n      RoleName: x\n",
	     0},
	    {"Transform: AWS::Serverless-2016-10-31\nResources: {}\n", SHIP_CAP_AUTO_EXPAND},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned got = ship_infra_capabilities(S(cases[i].body));
		if (got != cases[i].want)
			fail_msg("case %zu: capabilities %u, want %u", i, got, cases[i].want);
	}
}

static void vpc_creation_detected(void **state)
{
	(void)state;
	static const char *const none[] = {NULL};
	static const char *const empty[] = {"ExistingVpcId", "", NULL};
	static const char *const given[] = {"ExistingVpcId", "vpc-1", NULL};
	static const char *const tpl_vpc_param =
	    "Parameters:\n  ExistingVpcId:\n    Type: String\nResources:\n  Vpc:\n    Type: "
	    "AWS::EC2::VPC\n";
	static const char *const tpl_vpc = "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n";
	static const char *const tpl_endpoint_only =
	    "Resources:\n  E:\n    Type: AWS::EC2::VPCEndpoint\n  G:\n    Type: "
	    "AWS::EC2::VPCGatewayAttachment\n";
	static const char *const tpl_json =
	    "{\"Resources\": {\"V\": {\"Type\": \"AWS::EC2::VPC\"}}}";
	static const struct {
		const char *tpl;
		const char *const *params;
		int want;
	} cases[] = {
	    {tpl_vpc_param, none, 1},	  {tpl_vpc_param, empty, 1},
	    {tpl_vpc_param, given, 0},	  {tpl_vpc, given, 1}, /* no such parameter */
	    {tpl_endpoint_only, none, 0}, {tpl_json, none, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_kvs p;
		kvs_of(&p, cases[i].params);
		int got = ship_infra_creates_vpc(S(cases[i].tpl), &p);
		ship_kvs_release(&p);
		if (got != cases[i].want)
			fail_msg("case %zu: creates_vpc %d, want %d", i, got, cases[i].want);
	}
	/* the real template: a VPC unless ExistingVpcId, and it needs IAM + NAMED_IAM */
	struct ship_buf b = SHIP_BUF_INIT(1 << 20);
	const char *path = "cloudformation/ecs-cluster.yml";
	if (ship_read_file(path, &b) == 0) {
		struct ship_kvs p;
		kvs_of(&p, none);
		assert_true(ship_infra_creates_vpc(ship_buf_str(&b), &p));
		assert_int_equal(ship_kvs_set(&p, "ExistingVpcId", "vpc-1"), 0);
		assert_false(ship_infra_creates_vpc(ship_buf_str(&b), &p));
		assert_int_equal(ship_infra_capabilities(ship_buf_str(&b)),
				 SHIP_CAP_IAM | SHIP_CAP_NAMED_IAM);
		for (size_t i = 0; i < 4; i++)
			assert_true(ship_infra_template_has_parameter(
			    ship_buf_str(&b), ship_infra_existing_subnet_params[i]));
		ship_kvs_release(&p);
	}
	ship_buf_release(&b);
}

static void existing_vpc_needs_four_subnets(void **state)
{
	(void)state;
	char missing[256];
	struct ship_kvs p;
	static const char *const none[] = {"Environment", "qa", NULL};
	static const char *const vpc_only[] = {"ExistingVpcId", "vpc-1", NULL};
	static const char *const two[] = {"ExistingVpcId",
					  "vpc-1",
					  "ExistingPublicSubnet1Id",
					  "s-1",
					  "ExistingPrivateSubnet2Id",
					  "",
					  NULL};
	static const char *const all[] = {"ExistingVpcId",
					  "vpc-1",
					  "ExistingPublicSubnet1Id",
					  "a",
					  "ExistingPublicSubnet2Id",
					  "b",
					  "ExistingPrivateSubnet1Id",
					  "c",
					  "ExistingPrivateSubnet2Id",
					  "d",
					  NULL};
	kvs_of(&p, none);
	assert_int_equal(ship_infra_missing_subnet_params(&p, missing, sizeof(missing)), 0);
	ship_kvs_release(&p);
	kvs_of(&p, vpc_only);
	assert_int_equal(ship_infra_missing_subnet_params(&p, missing, sizeof(missing)), 4);
	assert_string_equal(missing, "ExistingPublicSubnet1Id, ExistingPublicSubnet2Id, "
				     "ExistingPrivateSubnet1Id, ExistingPrivateSubnet2Id");
	ship_kvs_release(&p);
	kvs_of(&p, two);
	assert_int_equal(ship_infra_missing_subnet_params(&p, missing, sizeof(missing)), 3);
	assert_string_equal(missing, "ExistingPublicSubnet2Id, ExistingPrivateSubnet1Id, "
				     "ExistingPrivateSubnet2Id");
	ship_kvs_release(&p);
	kvs_of(&p, all);
	assert_int_equal(ship_infra_missing_subnet_params(&p, missing, sizeof(missing)), 0);
	ship_kvs_release(&p);
}

/* ---- parameters ---------------------------------------------------------------------------- */

static void parameters_override_in_order(void **state)
{
	(void)state;
	struct ship_kvs p = {NULL, 0};
	struct ship_err err = SHIP_ERR_INIT;
	assert_int_equal(ship_kvs_set(&p, "Environment", "staging"), 0);
	assert_int_equal(ship_kvs_set_arg(&p, "EnableNatGateway=false", &err), 0);
	assert_int_equal(ship_kvs_set_arg(&p, "Environment=qa", &err), 0);
	assert_int_equal(ship_kvs_set_arg(&p, "HealthCheckPath=/a=b", &err), 0);
	assert_int_equal(ship_kvs_set_arg(&p, "CertificateArn=", &err), 0);
	assert_int_equal(p.n, 4);
	assert_string_equal(p.v[0].key, "Environment"); /* replaced in place, order kept */
	assert_string_equal(ship_kvs_get(&p, "Environment"), "qa");
	assert_string_equal(ship_kvs_get(&p, "HealthCheckPath"), "/a=b");
	assert_string_equal(ship_kvs_get(&p, "CertificateArn"), "");
	assert_null(ship_kvs_get(&p, "Nope"));
	assert_int_equal(ship_kvs_set_arg(&p, "NoEquals", &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(err.message, "KEY=VALUE"));
	assert_int_equal(ship_kvs_set_arg(&p, "=value", &err), -1);
	ship_kvs_release(&p);
	ship_kvs_release(&p); /* twice is fine */
	for (long n = 1; n < 8; n++) {
		struct ship_kvs q = {NULL, 0};
		tu_alloc_fail_at(n);
		ship_kvs_set(&q, "A", "1");
		ship_kvs_set(&q, "B", "2");
		ship_kvs_set_arg(&q, "A=3", &err);
		tu_alloc_fail_at(0);
		ship_kvs_release(&q);
	}
}

/* ---- statuses ------------------------------------------------------------------------------ */

static void stack_statuses_classified(void **state)
{
	(void)state;
	static const struct {
		const char *status;
		enum ship_stack_class want;
	} cases[] = {
	    {"CREATE_IN_PROGRESS", SHIP_STACK_CLASS_BUSY},
	    {"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", SHIP_STACK_CLASS_BUSY},
	    {"UPDATE_ROLLBACK_IN_PROGRESS", SHIP_STACK_CLASS_BUSY},
	    {"DELETE_IN_PROGRESS", SHIP_STACK_CLASS_BUSY},
	    {"CREATE_COMPLETE", SHIP_STACK_CLASS_OK},
	    {"UPDATE_COMPLETE", SHIP_STACK_CLASS_OK},
	    {"IMPORT_COMPLETE", SHIP_STACK_CLASS_OK},
	    {"UPDATE_ROLLBACK_COMPLETE", SHIP_STACK_CLASS_ROLLED_BACK},
	    {"ROLLBACK_COMPLETE", SHIP_STACK_CLASS_DEAD},
	    {"CREATE_FAILED", SHIP_STACK_CLASS_DEAD},
	    {"ROLLBACK_FAILED", SHIP_STACK_CLASS_DEAD},
	    {"DELETE_FAILED", SHIP_STACK_CLASS_DEAD},
	    {"UPDATE_ROLLBACK_FAILED", SHIP_STACK_CLASS_DEAD},
	    {"DELETE_COMPLETE", SHIP_STACK_CLASS_DELETED},
	    {"REVIEW_IN_PROGRESS", SHIP_STACK_CLASS_REVIEW},
	    {"", SHIP_STACK_CLASS_UNKNOWN},
	    {"SOMETHING_NEW", SHIP_STACK_CLASS_UNKNOWN},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ship_stack_classify(cases[i].status) != cases[i].want)
			fail_msg("%s: class %d, want %d", cases[i].status,
				 ship_stack_classify(cases[i].status), cases[i].want);
	assert_int_equal(ship_stack_classify(NULL), SHIP_STACK_CLASS_UNKNOWN);
}

static void no_changes_in_both_forms(void **state)
{
	(void)state;
	static const struct {
		const char *reason;
		int want;
	} cases[] = {
	    /* real CloudFormation: a FAILED change set */
	    {"The submitted information didn't contain changes. Submit different information to "
	     "create a change set.",
	     1},
	    /* UpdateStack, and moto's ValidationError */
	    {"No updates are to be performed.", 1},
	    {"no updates are to be performed", 1},
	    {"The submitted information does not contain changes.", 1},
	    {"Template format error: Unresolved resource dependencies [X]", 0},
	    {"Parameters: [Foo] do not exist in the template", 0},
	    {"", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ship_infra_is_no_changes(cases[i].reason) != cases[i].want)
			fail_msg("case %zu: '%s'", i, cases[i].reason);
	assert_false(ship_infra_is_no_changes(NULL));
}

/* ---- VPC quota ----------------------------------------------------------------------------- */

static void quota_decision(void **state)
{
	(void)state;
	static const struct {
		long count;
		double quota;
		int want;
	} cases[] = {{0, 5, 0},	 {4, 5, 0},  {5, 5, 1},	 {6, 5, 1},
		     {5, 10, 0}, {9, 10, 0}, {10, 10, 1}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ship_vpc_quota_full(cases[i].count, cases[i].quota) != cases[i].want)
			fail_msg("%ld of %.0f: want %d", cases[i].count, cases[i].quota,
				 cases[i].want);
}

#define SUB(id, az, pub)                                                                           \
	{                                                                                          \
		(char *)(id), (char *)(az), (char *)"10.0.0.0/24", NULL, (pub)                     \
	}

static void subnets_picked_for_reuse(void **state)
{
	(void)state;
	const char *ids[4];
	/* sorted by AZ then id, as ship_vpc_list leaves them */
	struct ship_subnet_info mixed[] = {SUB("subnet-a1", "az-a", 1), SUB("subnet-a2", "az-a", 0),
					   SUB("subnet-c1", "az-c", 1),
					   SUB("subnet-c2", "az-c", 0)};
	struct ship_vpc_info v = {(char *)"vpc-1", NULL, NULL, 0, mixed, 4};
	assert_int_equal(ship_vpc_pick_subnets(&v, ids), 0);
	assert_string_equal(ids[0], "subnet-a1");
	assert_string_equal(ids[1], "subnet-c1");
	assert_string_equal(ids[2], "subnet-a2");
	assert_string_equal(ids[3], "subnet-c2");

	/* a default VPC: all public; the tasks get public ones too */
	struct ship_subnet_info pub[] = {SUB("subnet-1", "az-a", 1), SUB("subnet-2", "az-c", 1),
					 SUB("subnet-3", "az-d", 1)};
	struct ship_vpc_info d = {(char *)"vpc-d", NULL, NULL, 1, pub, 3};
	assert_int_equal(ship_vpc_pick_subnets(&d, ids), 0);
	assert_string_equal(ids[0], "subnet-1");
	assert_string_equal(ids[1], "subnet-2");
	assert_string_equal(ids[2], "subnet-1");
	assert_string_equal(ids[3], "subnet-2");

	/* private ones in one AZ only: fall back to any two AZs for the tasks */
	struct ship_subnet_info one_az_priv[] = {SUB("s-a1", "az-a", 1), SUB("s-a2", "az-a", 0),
						 SUB("s-a3", "az-a", 0), SUB("s-c1", "az-c", 1)};
	struct ship_vpc_info p = {(char *)"vpc-p", NULL, NULL, 0, one_az_priv, 4};
	assert_int_equal(ship_vpc_pick_subnets(&p, ids), 0);
	assert_string_equal(ids[0], "s-a1");
	assert_string_equal(ids[1], "s-c1");
	assert_string_not_equal(ids[2], ids[3]);

	/* one AZ: nothing to suggest */
	struct ship_subnet_info single[] = {SUB("s-1", "az-a", 1), SUB("s-2", "az-a", 0)};
	struct ship_vpc_info s = {(char *)"vpc-s", NULL, NULL, 0, single, 2};
	assert_int_equal(ship_vpc_pick_subnets(&s, ids), -1);
	struct ship_vpc_info e = {(char *)"vpc-e", NULL, NULL, 0, NULL, 0};
	assert_int_equal(ship_vpc_pick_subnets(&e, ids), -1);

	for (long n = 1; n < 5; n++) {
		tu_alloc_fail_at(n);
		int r = ship_vpc_pick_subnets(&v, ids);
		tu_alloc_fail_at(0);
		assert_true(r == 0 || r == -1);
	}
}

/* ---- listener rules ------------------------------------------------------------------------ */

static struct ship_listener_rule R(long prio, const char *arn, const char *owner) {
	struct ship_listener_rule r;
	memset(&r, 0, sizeof(r));
	r.priority = prio;
	r.is_default = prio == 0;
	r.arn = (char *)arn;
	r.owner = (char *)owner;
	return r;
}

static void
priorities_chosen_lowest_free(void **state)
{
	(void)state;
	struct ship_listener_rule v[] = {R(1, "r1", NULL), R(2, "r2", "c/a"), R(4, "r4", NULL),
					 R(0, "default", NULL)};
	struct ship_rule_list l = {v, 4};
	assert_int_equal(ship_rules_pick_priority(&l, 1), 3);
	assert_int_equal(ship_rules_pick_priority(&l, 0), 3);
	assert_int_equal(ship_rules_pick_priority(&l, 4), 5);
	assert_int_equal(ship_rules_pick_priority(&l, 100), 100);
	struct ship_rule_list none = {NULL, 0};
	assert_int_equal(ship_rules_pick_priority(&none, 1), 1);
	assert_int_equal(ship_rules_pick_priority(&none, SHIP_RULE_PRIORITY_MAX + 1), -1);
	/* the default rule holds no priority */
	assert_null(ship_rules_at(&l, 0));
	assert_string_equal(ship_rules_at(&l, 4)->arn, "r4");
	assert_null(ship_rules_at(&l, 3));
	/* ours: by tag; twins resolve to the lowest priority, then ARN, so callers agree */
	struct ship_listener_rule w[] = {R(7, "rb", "c/a"), R(3, "rz", "c/x"), R(7, "ra", "c/a"),
					 R(9, "rc", "c/a")};
	struct ship_rule_list lw = {w, 4};
	assert_string_equal(ship_rules_owned(&lw, "c/a")->arn, "ra");
	assert_string_equal(ship_rules_owned(&lw, "c/x")->arn, "rz");
	assert_null(ship_rules_owned(&lw, "c/none"));
	assert_null(ship_rules_owned(&l, "c/b"));
}

static void rules_compared_as_sets(void **state)
{
	(void)state;
	char *hosts[] = {(char *)"a.example.jp", (char *)"B.example.jp"};
	char *paths[] = {(char *)"/app/*"};
	char *paths2[] = {(char *)"/APP/*"};
	struct ship_rule_condition hc = {(char *)"host-header", hosts, 2};
	struct ship_rule_condition pc = {(char *)"path-pattern", paths, 1};
	struct ship_rule_condition pc2 = {(char *)"path-pattern", paths2, 1};
	struct ship_rule_condition mc = {(char *)"http-request-method", paths, 1};
	struct ship_rule_condition both[] = {hc, pc}, hosts_only[] = {hc}, upper[] = {hc, pc2},
				   extra[] = {hc, pc, mc};
	struct ship_listener_rule r = R(10, "r", "c/s");
	r.action_type = (char *)"forward";
	r.target_group = (char *)"tg-1";
	r.n_actions = 1;

	const char *want_hosts[] = {"b.example.jp", "a.example.jp"}; /* order and case differ */
	const char *want_paths[] = {"/app/*"};
	struct ship_rule_spec s;
	memset(&s, 0, sizeof(s));
	s.host_headers = want_hosts;
	s.n_host_headers = 2;
	s.path_patterns = want_paths;
	s.n_path_patterns = 1;
	s.target_group_arn = "tg-1";

	r.conds = both, r.n_conds = 2;
	assert_true(ship_rule_matches(&r, &s));
	r.conds = upper; /* paths are case-sensitive */
	assert_false(ship_rule_matches(&r, &s));
	r.conds = hosts_only, r.n_conds = 1; /* a condition is missing */
	assert_false(ship_rule_matches(&r, &s));
	r.conds = extra, r.n_conds = 3; /* a condition too many */
	assert_false(ship_rule_matches(&r, &s));
	r.conds = both, r.n_conds = 2;
	s.n_host_headers = 1; /* one host fewer wanted */
	assert_false(ship_rule_matches(&r, &s));
	s.n_host_headers = 2;
	s.target_group_arn = "tg-2";
	assert_false(ship_rule_matches(&r, &s));
	s.target_group_arn = "tg-1";
	r.n_actions = 2; /* e.g. authenticate + forward */
	assert_false(ship_rule_matches(&r, &s));
	r.n_actions = 1;
	r.action_type = (char *)"redirect";
	assert_false(ship_rule_matches(&r, &s));
	r.action_type = (char *)"forward";
	s.n_path_patterns = 0; /* hosts only wanted, rule has a path too */
	assert_false(ship_rule_matches(&r, &s));
	r.conds = hosts_only, r.n_conds = 1;
	assert_true(ship_rule_matches(&r, &s));
	/* a rule ECS re-weights (blue/green: two target groups, ECS developer guide "Amazon ECS
	 * blue/green service deployments"): the service's target group is either, any weights */
	r.target_group = (char *)"tg-green", r.weight = 100;
	r.alt_target_group = (char *)"tg-1", r.alt_weight = 0;
	assert_true(ship_rule_matches(&r, &s));
	r.weight = 30, r.alt_weight = 70;
	assert_true(ship_rule_matches(&r, &s));
	s.target_group_arn = "tg-other"; /* neither of the two */
	assert_false(ship_rule_matches(&r, &s));
}

/* Issue 11: a change set that replaces or deletes the VPC, a subnet, the load balancer or the
 * cluster is named (CloudFormation API reference, ResourceChange: Action, Replacement). */
static void destroying_changes_are_named(void **state)
{
	(void)state;
	static const struct {
		const char *action, *type, *replacement, *want;
	} cases[] = {
	    {"Modify", "AWS::EC2::VPC", "True", "replaces"},
	    {"Modify", "AWS::EC2::Subnet", "Conditional", "replaces"},
	    {"Remove", "AWS::ElasticLoadBalancingV2::LoadBalancer", NULL, "deletes"},
	    {"Remove", "AWS::ECS::Cluster", NULL, "deletes"},
	    {"Modify", "AWS::EC2::VPC", "False", NULL},
	    {"Add", "AWS::EC2::Subnet", NULL, NULL},
	    {"Modify", "AWS::EC2::SecurityGroup", "True", NULL},
	    {"Remove", "AWS::ElasticLoadBalancingV2::Listener", NULL, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_change c = {(char *)cases[i].action, (char *)"Res", NULL,
					(char *)cases[i].type, (char *)cases[i].replacement};
		const char *got = ship_change_destroys(&c);
		if (cases[i].want)
			assert_string_equal(got, cases[i].want);
		else
			assert_null(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(changeset_names_are_deterministic),
	    TU_TEST(destroying_changes_are_named),
	    TU_TEST(changeset_name_survives_allocation_failures),
	    TU_TEST(capabilities_from_template),
	    TU_TEST(vpc_creation_detected),
	    TU_TEST(existing_vpc_needs_four_subnets),
	    TU_TEST(parameters_override_in_order),
	    TU_TEST(stack_statuses_classified),
	    TU_TEST(no_changes_in_both_forms),
	    TU_TEST(quota_decision),
	    TU_TEST(subnets_picked_for_reuse),
	    TU_TEST(priorities_chosen_lowest_free),
	    TU_TEST(rules_compared_as_sets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
