/*
 * test_xml.c: the XML helpers (include/ecship/xml.h) over Query and EC2 shaped answers:
 * namespaces ignored, paths, text copies, member/item lists, hostile input refused quietly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecship/xml.h"
#include "testutil.h"

static const char s_query[] =
    "<DescribeStacksResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">\n"
    "  <DescribeStacksResult>\n"
    "    <Stacks>\n"
    "      <member><StackName>a</StackName><Outputs><member><OutputKey>Vpc</OutputKey>"
    "<OutputValue>vpc-1</OutputValue></member></Outputs></member>\n"
    "      <member><StackName>b &amp; c</StackName><Outputs/></member>\n"
    "    </Stacks>\n"
    "  </DescribeStacksResult>\n"
    "  <ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata>\n"
    "</DescribeStacksResponse>\n";

static const char s_ec2[] =
    "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
    "<requestId>r-2</requestId><vpcSet><item><vpcId>vpc-1</vpcId></item>"
    "<item><vpcId>vpc-2</vpcId><tagSet><item><key>Name</key><value>x</value></item></tagSet>"
    "</item><item><vpcId>vpc-3</vpcId></item></vpcSet></DescribeVpcsResponse>";

static void query_paths_and_members(void **state)
{
	(void)state;
	struct ship_err e = SHIP_ERR_INIT;
	xmlDoc *doc = ship_xml_parse(SHIP_STR_LIT(s_query), &e);
	assert_non_null(doc);
	xmlNode *root = ship_xml_root(doc);
	assert_true(ship_xml_is(root, "DescribeStacksResponse"));
	xmlNode *stacks = ship_xml_path(root, "DescribeStacksResult/Stacks");
	assert_non_null(stacks);
	assert_ptr_equal(stacks, ship_xml_doc_path(doc, "DescribeStacksResponse/DescribeStacksResult/Stacks"));
	assert_null(ship_xml_doc_path(doc, "Other/DescribeStacksResult"));
	assert_int_equal(ship_xml_count_items(stacks), 2);
	const char *want[] = {"a", "b & c"};
	int i = 0;
	for (xmlNode *m = ship_xml_first_item(stacks); m; m = ship_xml_next_item(m), i++) {
		char *name = ship_xml_path_text(m, "StackName");
		assert_string_equal(name, want[i]);
		ship_free(name);
	}
	assert_int_equal(i, 2);
	xmlNode *first = ship_xml_first_item(stacks);
	char buf[8];
	assert_string_equal(ship_xml_path_copy(first, "Outputs/member/OutputValue", buf, sizeof(buf)),
			    "vpc-1");
	assert_string_equal(ship_xml_path_copy(root, "ResponseMetadata/RequestId", buf, 4), "rid");
	assert_string_equal(ship_xml_path_copy(root, "Nope/Nothing", buf, sizeof(buf)), "");
	assert_null(ship_xml_path_text(root, "DescribeStacksResult/Missing"));
	assert_null(ship_xml_text(NULL));
	assert_null(ship_xml_child(NULL, "x"));
	assert_ptr_equal(ship_xml_path(root, ""), root);
	assert_int_equal(ship_xml_count_items(ship_xml_path(ship_xml_next_item(first), "Outputs")), 0);
	assert_int_equal(ship_xml_count_items(NULL), 0);
	xmlFreeDoc(doc);
}

static void ec2_items(void **state)
{
	(void)state;
	struct ship_err e = SHIP_ERR_INIT;
	xmlDoc *doc = ship_xml_parse(SHIP_STR_LIT(s_ec2), &e);
	assert_non_null(doc);
	xmlNode *set = ship_xml_path(ship_xml_root(doc), "vpcSet");
	assert_int_equal(ship_xml_count_items(set), 3);
	xmlNode *second = ship_xml_next_item(ship_xml_first_item(set));
	char *id = ship_xml_path_text(second, "vpcId");
	assert_string_equal(id, "vpc-2");
	ship_free(id);
	/* the nested tagSet items are not siblings of the vpc items */
	assert_int_equal(ship_xml_count_items(ship_xml_child(second, "tagSet")), 1);
	xmlFreeDoc(doc);
}

static void bad_documents_fail_quietly(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "", "<a>", "not xml", "<a></b>",
	    /* an external entity: must not be fetched or expanded */
	    "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct ship_err e = SHIP_ERR_INIT;
		xmlDoc *doc = ship_xml_parse(ship_str_c(bad[i]), &e);
		if (i == 4) {
			/* well-formed; the entity stays unexpanded */
			assert_non_null(doc);
			char *t = ship_xml_text(ship_xml_root(doc));
			assert_null(strstr(t, "root:"));
			ship_free(t);
			xmlFreeDoc(doc);
			continue;
		}
		assert_null(doc);
		assert_int_equal(e.code, SHIP_ERR_PROTOCOL);
		assert_non_null(strstr(e.message, "cannot parse XML"));
	}
}

/* Found by fuzz_answers/fuzz_awserror: bytes that look like UTF-32 made libxml2 print "encoding
 * error : input conversion failed" on stderr, past XML_PARSE_NOERROR. The library never prints. */
static void encoding_errors_are_not_printed(void **state)
{
	(void)state;
	static const char text[] = "<\0\0\0?ENTITY\x97\x93'\xb9" "Eetc!/pass<Eec/sspawd\">]>"
				   "\xbb" "Erro<ie;%</Code><or>";
	char path[] = "/tmp/ecship-test-xml.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	struct ship_err e = SHIP_ERR_INIT;
	xmlDoc *doc = ship_xml_parse((struct ship_str){text, sizeof(text) - 1}, &e);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	off_t written = lseek(fd, 0, SEEK_END);
	close(fd);
	unlink(path);
	assert_null(doc);
	assert_int_equal(e.code, SHIP_ERR_PROTOCOL);
	assert_int_equal(written, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(query_paths_and_members),
	    TU_TEST(ec2_items),
	    TU_TEST(bad_documents_fail_quietly),
	    TU_TEST(encoding_errors_are_not_printed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
