/*
 * test_sigv4_stages.c: each SigV4 stage alone (URI encoding, dot segments, canonical URI, query,
 * header values, URL and Host, signing key, signature) from tables, the AWS documentation's IAM
 * ListUsers example end to end, behaviours of the public entry points (re-signing, Host, body
 * hash, token placement, presign URLs, parameter checks), and an allocation-failure loop.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/http.h"
#include "ecship/sigv4.h"
#include "ecship/util.h"
#include "private/sigv4.h"
#include "testutil.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- uri.c ---------------------------------------------------------------------------------- */

static void uri_encode_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int keep_slash;
		const char *out;
	} cases[] = {
	    {"", 0, ""},
	    {"abcXYZ019-_.~", 0, "abcXYZ019-_.~"},
	    {"a b", 0, "a%20b"},
	    {"/a/b/", 0, "%2Fa%2Fb%2F"},
	    {"/a/b/", 1, "/a/b/"},
	    {"%", 1, "%25"},
	    {"%41", 0, "%2541"},
	    {"+=&?#", 0, "%2B%3D%26%3F%23"},
	    {"\xe1\x88\xb4", 0, "%E1%88%B4"},
	    {"!*'();:@$,[]", 1, "%21%2A%27%28%29%3B%3A%40%24%2C%5B%5D"},
	    {"\x7f\x01\xff", 0, "%7F%01%FF"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		assert_int_equal(ship_uri_encode(&b, ship_str_c(cases[i].in), cases[i].keep_slash),
				 0);
		assert_string_equal(b.data, cases[i].out);
		ship_buf_release(&b);
	}
}

static void uri_encode_every_byte(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		char in = (char)c;
		assert_int_equal(ship_uri_encode(&b, (struct ship_str){&in, 1}, 0), 0);
		int unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				 (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
				 c == '~';
		if (unreserved) {
			assert_int_equal(b.len, 1);
		} else {
			char want[4];
			snprintf(want, sizeof(want), "%%%02X", c);
			assert_string_equal(b.data, want);
		}
		ship_buf_release(&b);
	}
}

static void uri_encode_appends_and_respects_max(void **state)
{
	(void)state;
	struct ship_buf b = SHIP_BUF_INIT(7);
	assert_int_equal(ship_buf_adds(&b, "x="), 0);
	assert_int_equal(ship_uri_encode(&b, SHIP_STR_LIT("a b"), 0), 0); /* exactly 7 bytes */
	assert_string_equal(b.data, "x=a%20b");
	ship_buf_release(&b);
	struct ship_buf small = SHIP_BUF_INIT(4);
	assert_int_equal(ship_uri_encode(&small, SHIP_STR_LIT("a b"), 0), -1);
	assert_true(small.failed);
	assert_int_equal(ship_uri_encode(&small, SHIP_STR_LIT("a"), 0), -1); /* sticky */
	ship_buf_release(&small);
	struct ship_buf empty = SHIP_BUF_INIT(0);
	assert_int_equal(ship_uri_encode(&empty, (struct ship_str){NULL, 0}, 1), 0);
	assert_int_equal(empty.len, 0);
	ship_buf_release(&empty);
}

/* ---- canonical URI -------------------------------------------------------------------------- */

static void dot_segments_table(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"", ""},
	    {"/", "/"},
	    {"//", "/"},
	    {"/./", "/"},
	    {"/..", "/"},
	    {"/example/..", "/"},
	    {"/a/b/..", "/a"}, /* botocore; RFC 3986 would give "/a/" */
	    {"/a/.", "/a"},
	    {"/a/./b/", "/a/b/"},
	    {"/../a", "/a"},
	    {"//example//", "/example/"},
	    {"/a/b/../../../c", "/c"},
	    {"/a/b/../c/./d", "/a/c/d"},
	    {"/a%2F../b", "/a%2F../b"}, /* %2F is not a separator */
	    {"/a/%2E%2E/b", "/a/%2E%2E/b"},
	    {"/...", "/..."},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		assert_int_equal(ship_sigv4_remove_dot_segments(&b, ship_str_c(cases[i].in)), 0);
		if (strcmp(b.data, cases[i].out))
			fail_msg("remove_dot_segments('%s') = '%s', want '%s'", cases[i].in, b.data,
				 cases[i].out);
		ship_buf_release(&b);
	}
}

static void canonical_uri_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int normalize;
		const char *out;
	} cases[] = {
	    {"", 1, "/"},
	    {"", 0, "/"},
	    {"/a b", 1, "/a%20b"},
	    {"/a%20b", 1, "/a%2520b"}, /* the wire form encoded again */
	    {"/a/../%E1%88%B4/", 1, "/%25E1%2588%25B4/"},
	    {"/a=b:c@d", 1, "/a%3Db%3Ac%40d"},
	    {"/a%20b", 0, "/a%20b"}, /* S3: as sent */
	    {"/a b", 0, "/a%20b"},
	    {"/a=b:c@d!$&'()*+,;", 0, "/a=b:c@d!$&'()*+,;"},
	    {"/%zz/%4", 0, "/%25zz/%254"},
	    {"/\xe1\x88\xb4", 0, "/%E1%88%B4"},
	    {"//a/./..", 0, "//a/./.."},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		assert_int_equal(
		    ship_sigv4_canonical_uri(&b, ship_str_c(cases[i].in), cases[i].normalize), 0);
		if (strcmp(b.data, cases[i].out))
			fail_msg("canonical_uri('%s', %d) = '%s', want '%s'", cases[i].in,
				 cases[i].normalize, b.data, cases[i].out);
		ship_buf_release(&b);
	}
}

/* ---- canonical query ------------------------------------------------------------------------ */

static void canonical_query_table(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"", ""},
	    {"b=2&a=1", "a=1&b=2"},
	    {"a=2&a=1&a=10", "a=1&a=10&a=2"},
	    {"a", "a="},
	    {"a=", "a="},
	    {"=x", "=x"},
	    {"a&&b=", "a=&b="}, /* empty pieces skipped */
	    {"&", ""},
	    {"k=%e1%88%b4", "k=%E1%88%B4"},
	    {"k=a+b", "k=a%2Bb"},
	    {"k=a b", "k=a%20b"},
	    {"a-b=1&a=2", "a=2&a-b=1"}, /* by key first, not by the joined text */
	    {"Param2=v&Param1=v&param0=v", "Param1=v&Param2=v&param0=v"},
	    {"k=a=b", "k=a%3Db"},
	    {"k=%2F/", "k=%2F%2F"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		assert_int_equal(
		    ship_sigv4_canonical_query(&b, ship_str_c(cases[i].in), NULL, NULL, 0), 0);
		if (strcmp(b.data, cases[i].out))
			fail_msg("canonical_query('%s') = '%s', want '%s'", cases[i].in, b.data,
				 cases[i].out);
		ship_buf_release(&b);
	}
}

static void canonical_query_merges_extra(void **state)
{
	(void)state;
	struct ship_str names[] = {SHIP_STR_LIT("X-Amz-Credential"), SHIP_STR_LIT("A")};
	struct ship_str values[] = {SHIP_STR_LIT("AK/2015/r/s/aws4_request"), SHIP_STR_LIT("a b")};
	struct ship_buf b = SHIP_BUF_INIT(0);
	assert_int_equal(
	    ship_sigv4_canonical_query(&b, SHIP_STR_LIT("Z=1&B=%41"), names, values, 2), 0);
	assert_string_equal(b.data,
			    "A=a%20b&B=A&X-Amz-Credential=AK%2F2015%2Fr%2Fs%2Faws4_request&Z=1");
	ship_buf_release(&b);
}

/* ---- headers -------------------------------------------------------------------------------- */

static void trim_value_table(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"", ""},
	    {"   ", ""},
	    {"a", "a"},
	    {" a ", "a"},
	    {"a   b", "a b"},
	    {"\ta\t \tb\r\n", "a b"},
	    {"\"a   b   c\"", "\"a b c\""},
	    {"value1\n  value2\n     value3", "value1 value2 value3"},
	    {"a,b", "a,b"},
	    {"\xc2\xa0x", "\xc2\xa0x"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		assert_int_equal(ship_sigv4_trim_value(&b, ship_str_c(cases[i].in)), 0);
		assert_string_equal(b.data, cases[i].out);
		ship_buf_release(&b);
	}
}

static void unsigned_headers(void **state)
{
	(void)state;
	assert_true(ship_sigv4_header_unsigned(SHIP_STR_LIT("user-agent")));
	assert_true(ship_sigv4_header_unsigned(SHIP_STR_LIT("expect")));
	assert_true(ship_sigv4_header_unsigned(SHIP_STR_LIT("x-amzn-trace-id")));
	assert_true(ship_sigv4_header_unsigned(SHIP_STR_LIT("authorization")));
	assert_false(ship_sigv4_header_unsigned(SHIP_STR_LIT("host")));
	assert_false(ship_sigv4_header_unsigned(SHIP_STR_LIT("content-type")));
	assert_false(ship_sigv4_header_unsigned(SHIP_STR_LIT("x-amz-target")));
}

static void url_and_host_table(void **state)
{
	(void)state;
	static const struct {
		const char *url;
		int ok;
		const char *host, *path, *query;
		int has_query;
		size_t end;
	} cases[] = {
	    {"https://Example.COM:443/x?y#z", 1, "example.com", "/x", "y", 1, 27},
	    {"http://h:80", 1, "h", "", "", 0, 11},
	    {"http://h:0080/", 1, "h", "/", "", 0, 14},
	    {"https://h:80/", 1, "h:80", "/", "", 0, 13},
	    {"http://u:p@h:8080/a", 1, "h:8080", "/a", "", 0, 19},
	    {"https://[::1]:8443/?", 1, "[::1]:8443", "/", "", 1, 20},
	    {"https://[::1]/", 1, "[::1]", "/", "", 0, 14},
	    {"HTTPS://h:443/", 1, "h", "/", "", 0, 14},
	    {"https://h:/", 1, "h", "/", "", 0, 11},
	    {"notaurl", 0, NULL, NULL, NULL, 0, 0},
	    {"https:///x", 0, NULL, NULL, NULL, 0, 0},
	    {"://h/", 0, NULL, NULL, NULL, 0, 0},
	    {"1http://h/", 0, NULL, NULL, NULL, 0, 0},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct ship_sigv4_url u;
		int rc = ship_sigv4_parse_url(cases[i].url, &u);
		assert_int_equal(rc == 0, cases[i].ok);
		if (!cases[i].ok)
			continue;
		struct ship_buf b = SHIP_BUF_INIT(0);
		assert_int_equal(ship_sigv4_host(&b, &u), 0);
		if (strcmp(b.data, cases[i].host))
			fail_msg("host of '%s' = '%s', want '%s'", cases[i].url, b.data,
				 cases[i].host);
		assert_true(ship_str_eq_c(u.path, cases[i].path));
		assert_true(ship_str_eq_c(u.query, cases[i].query));
		assert_int_equal(u.has_query, cases[i].has_query);
		assert_int_equal(u.end, cases[i].end);
		ship_buf_release(&b);
	}
	struct ship_sigv4_url u;
	assert_int_equal(ship_sigv4_parse_url(NULL, &u), -1);
}

/* ---- the AWS documentation's example, stage by stage ----------------------------------------- */

/* "Create a signed AWS API request": IAM ListUsers, 2015-08-30T12:36:00Z. */
static const struct ship_sigv4_params s_iam = {
    .access_key = "AKIDEXAMPLE",
    .secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    .region = "us-east-1",
    .service = "iam",
    .when = 1440938160,
    .normalize_path = 1,
};

static void stages_iam_example(void **state)
{
	(void)state;
	struct ship_sigv4_state st;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_sigv4_header h[] = {
	    {SHIP_STR_LIT("Content-Type"),
	     SHIP_STR_LIT("application/x-www-form-urlencoded; charset=utf-8")},
	    {SHIP_STR_LIT("Host"), SHIP_STR_LIT("iam.amazonaws.com")},
	    {SHIP_STR_LIT("X-Amz-Date"), SHIP_STR_LIT("20150830T123600Z")},
	};
	assert_int_equal(ship_sigv4_state_init(&st, &s_iam, SHIP_SIGV4_FORM_HEADER, 0, &err), 0);
	assert_string_equal(st.amz_date, "20150830T123600Z");
	assert_string_equal(st.scope.data, "20150830/us-east-1/iam/aws4_request");

	assert_int_equal(ship_sigv4_canonical_request(
			     &st, "GET",
			     "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", h,
			     N_ELEMS(h), SHIP_STR_LIT(""), NULL, &err),
			 0);
	assert_string_equal(st.canonical_request.data,
			    "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
			    "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
			    "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
			    "content-type;host;x-amz-date\n" SHIP_SIGV4_EMPTY_SHA256);
	assert_string_equal(st.signed_headers.data, "content-type;host;x-amz-date");

	assert_int_equal(ship_sigv4_string_to_sign(&st, &err), 0);
	assert_string_equal(
	    st.string_to_sign.data,
	    "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
	    "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");

	assert_int_equal(ship_sigv4_signing_key(&st, &err), 0);
	char hex[65];
	ship_hex(st.signing_key, 32, hex);
	assert_string_equal(hex,
			    "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");

	assert_int_equal(ship_sigv4_signature(&st, &err), 0);
	assert_string_equal(st.signature,
			    "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");

	assert_int_equal(ship_sigv4_authorization(&st, &err), 0);
	assert_string_equal(
	    st.authorization.data,
	    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/"
	    "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
	    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
	ship_sigv4_state_release(&st);
}

static void signature_stage_alone(void **state)
{
	(void)state;
	/* the signature stage only reads signing_key and string_to_sign */
	struct ship_sigv4_state st;
	struct ship_err err = SHIP_ERR_INIT;
	assert_int_equal(ship_sigv4_state_init(&st, &s_iam, SHIP_SIGV4_FORM_HEADER, 0, &err), 0);
	assert_int_equal(ship_sigv4_signing_key(&st, &err), 0);
	ship_buf_adds(&st.string_to_sign,
		      "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
		      "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
	assert_int_equal(ship_sigv4_signature(&st, &err), 0);
	assert_string_equal(st.signature,
			    "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
	ship_sigv4_state_release(&st);
}

/* ---- public entry points -------------------------------------------------------------------- */

static int count_named(const struct ship_headers *h, const char *name)
{
	int n = 0;
	for (size_t i = 0; i < h->n; i++)
		n += !ship_strcasecmp(h->v[i].name, name);
	return n;
}

static void sign_is_repeatable_in_place(void **state)
{
	(void)state;
	struct ship_headers h = {0};
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_sigv4_params p = s_iam;
	p.session_token = "TOKEN";
	assert_int_equal(ship_headers_add(&h, "Content-Type", "application/json"), 0);
	assert_int_equal(ship_sigv4_sign(&p, "post", "https://Iam.Amazonaws.com:443/x", &h,
					 SHIP_STR_LIT("{}"), &err),
			 0);
	assert_string_equal(ship_headers_get(&h, "Host"), "iam.amazonaws.com");
	char *first = ship_strdup(ship_headers_get(&h, "Authorization"));
	assert_non_null(first);
	size_t n = h.n;
	/* a retry: the same list signed again replaces, never duplicates */
	assert_int_equal(ship_sigv4_sign(&p, "post", "https://Iam.Amazonaws.com:443/x", &h,
					 SHIP_STR_LIT("{}"), &err),
			 0);
	assert_int_equal(h.n, n);
	assert_int_equal(count_named(&h, "Authorization"), 1);
	assert_int_equal(count_named(&h, "X-Amz-Date"), 1);
	assert_int_equal(count_named(&h, "X-Amz-Security-Token"), 1);
	assert_string_equal(ship_headers_get(&h, "Authorization"), first);
	assert_non_null(strstr(first, "SignedHeaders=content-type;host;x-amz-date;"
				      "x-amz-security-token,"));
	/* a later time signs differently */
	p.when += 1;
	assert_int_equal(ship_sigv4_sign(&p, "POST", "https://iam.amazonaws.com/x", &h,
					 SHIP_STR_LIT("{}"), &err),
			 0);
	assert_string_not_equal(ship_headers_get(&h, "Authorization"), first);
	assert_string_equal(ship_headers_get(&h, "X-Amz-Date"), "20150830T123601Z");
	ship_free(first);
	ship_headers_release(&h);
}

static void sign_body_and_payload_hash(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_sigv4_params p = s_iam;
	struct ship_sigv4_state st;
	struct ship_headers h = {0};
	char hash[65];

	p.sign_body_header = 1;
	assert_int_equal(ship_sigv4_sha256_hex(SHIP_STR_LIT("Param1=value1"), hash), 0);
	assert_string_equal(hash,
			    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
	assert_int_equal(ship_headers_add(&h, "X-Amz-Content-SHA256", "stale"), 0);
	assert_int_equal(ship_sigv4_sign_state(&st, &p, "PUT", "https://h/k", &h,
					       SHIP_STR_LIT("Param1=value1"), &err),
			 0);
	assert_string_equal(ship_headers_get(&h, "x-amz-content-sha256"), hash);
	assert_int_equal(count_named(&h, "x-amz-content-sha256"), 1);
	assert_string_equal(st.payload_hash, hash);
	ship_sigv4_state_release(&st);
	ship_headers_release(&h);

	/* without sign_body_header an x-amz-content-sha256 header is the payload hash */
	p.sign_body_header = 0;
	assert_int_equal(ship_headers_add(&h, "X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"), 0);
	assert_int_equal(ship_sigv4_sign_state(&st, &p, "PUT", "https://h/k", &h,
					       SHIP_STR_LIT("Param1=value1"), &err),
			 0);
	assert_string_equal(st.payload_hash, "UNSIGNED-PAYLOAD");
	ship_sigv4_state_release(&st);
	ship_headers_release(&h);

	/* an explicit payload_hash wins */
	p.payload_hash = SHIP_SIGV4_UNSIGNED_PAYLOAD;
	assert_int_equal(
	    ship_sigv4_sign_state(&st, &p, "PUT", "https://h/k", &h, SHIP_STR_LIT("x"), &err), 0);
	assert_string_equal(st.payload_hash, "UNSIGNED-PAYLOAD");
	ship_sigv4_state_release(&st);
	ship_headers_release(&h);
}

static void token_placement(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_sigv4_params p = s_iam;
	struct ship_sigv4_state st;
	struct ship_headers h = {0};

	p.session_token = "tok/+=";
	p.omit_session_token = 1;
	assert_int_equal(
	    ship_sigv4_sign_state(&st, &p, "GET", "https://h/", &h, SHIP_STR_LIT(""), &err), 0);
	assert_string_equal(ship_headers_get(&h, "X-Amz-Security-Token"), "tok/+=");
	assert_string_equal(st.signed_headers.data, "host;x-amz-date");
	ship_sigv4_state_release(&st);
	ship_headers_release(&h);

	struct ship_buf url = SHIP_BUF_INIT(0);
	assert_int_equal(
	    ship_sigv4_presign_state(&st, &p, "GET", "https://h/", NULL, 60, &url, &err), 0);
	assert_null(strstr(st.canonical_request.data, "X-Amz-Security-Token"));
	assert_non_null(strstr(url.data, "&X-Amz-Security-Token=tok%2F%2B%3D&X-Amz-Signature="));
	ship_sigv4_state_release(&st);

	p.omit_session_token = 0;
	ship_buf_reset(&url);
	assert_int_equal(
	    ship_sigv4_presign_state(&st, &p, "GET", "https://h/", NULL, 60, &url, &err), 0);
	assert_non_null(strstr(st.canonical_request.data, "&X-Amz-Security-Token=tok%2F%2B%3D&"));
	ship_sigv4_state_release(&st);
	ship_buf_release(&url);
}

static void presign_urls(void **state)
{
	(void)state;
	static const struct {
		const char *in, *prefix;
	} cases[] = {
	    {"https://h/p", "https://h/p?X-Amz-Algorithm="},
	    {"https://h/p?", "https://h/p?X-Amz-Algorithm="},
	    {"https://h/p?a=1", "https://h/p?a=1&X-Amz-Algorithm="},
	    {"https://h/p?a=1#frag", "https://h/p?a=1&X-Amz-Algorithm="},
	    {"https://h#frag", "https://h?X-Amz-Algorithm="},
	};
	struct ship_err err = SHIP_ERR_INIT;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct ship_buf url = SHIP_BUF_INIT(0);
		assert_int_equal(
		    ship_sigv4_presign(&s_iam, "GET", cases[i].in, NULL, 900, &url, &err), 0);
		assert_true(ship_str_starts_with(ship_buf_str(&url), cases[i].prefix));
		assert_null(strchr(url.data, '#'));
		assert_non_null(strstr(url.data, "&X-Amz-Expires=900&X-Amz-Signature="));
		ship_buf_release(&url);
	}
}

static void parameters_are_checked(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_headers h = {0};
	struct ship_buf url = SHIP_BUF_INIT(0);
	struct ship_sigv4_params p;

	p = s_iam;
	p.secret_key = "";
	assert_int_equal(ship_sigv4_sign(&p, "GET", "https://h/", &h, SHIP_STR_LIT(""), &err), -1);
	assert_int_equal(err.code, SHIP_ERR_CREDENTIALS);
	p = s_iam;
	p.access_key = NULL;
	assert_int_equal(ship_sigv4_sign(&p, "GET", "https://h/", &h, SHIP_STR_LIT(""), &err), -1);
	assert_int_equal(err.code, SHIP_ERR_CREDENTIALS);
	p = s_iam;
	p.region = "us-east-1/x";
	assert_int_equal(ship_sigv4_sign(&p, "GET", "https://h/", &h, SHIP_STR_LIT(""), &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(err.message, "'us-east-1/x'"));
	p = s_iam;
	p.session_token = "a\r\nX-Evil: 1";
	assert_int_equal(ship_sigv4_sign(&p, "GET", "https://h/", &h, SHIP_STR_LIT(""), &err), -1);
	assert_int_equal(err.code, SHIP_ERR_CREDENTIALS);
	assert_int_equal(ship_sigv4_sign(&s_iam, "GET", "h/x", &h, SHIP_STR_LIT(""), &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_int_equal(ship_sigv4_sign(&s_iam, "", "https://h/", &h, SHIP_STR_LIT(""), &err), -1);
	assert_int_equal(ship_sigv4_sign(NULL, "GET", "https://h/", &h, SHIP_STR_LIT(""), &err),
			 -1);
	assert_int_equal(h.n, 0);
	assert_int_equal(ship_sigv4_presign(&s_iam, "GET", "https://h/", NULL, 0, &url, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_int_equal(ship_sigv4_presign(&s_iam, "GET", "https://h/", NULL,
					    SHIP_SIGV4_MAX_EXPIRES + 1, &url, &err),
			 -1);
	assert_int_equal(ship_sigv4_presign(&s_iam, "GET", "https://h/", NULL,
					    SHIP_SIGV4_MAX_EXPIRES, &url, &err),
			 0);
	ship_buf_release(&url);
}

/* Many parameters and headers cost a constant number of allocations, not one per item. */
static void big_requests_allocate_little(void **state)
{
	(void)state;
	struct ship_buf url = SHIP_BUF_INIT(0);
	struct ship_headers h = {0};
	struct ship_err err = SHIP_ERR_INIT;
	ship_buf_adds(&url, "https://h/a/b/../c?");
	for (int i = 20000; i > 0; i--)
		ship_buf_addf(&url, "k%d=v%%20%d&", i % 977, i);
	for (int i = 0; i < 2000; i++) {
		char n[32];
		snprintf(n, sizeof(n), "X-H%d", i % 301);
		assert_int_equal(ship_headers_add(&h, n, "  a   b  "), 0);
	}
	assert_false(url.failed);
	long before = tu_alloc_count();
	assert_int_equal(ship_sigv4_sign(&s_iam, "GET", url.data, &h, SHIP_STR_LIT(""), &err), 0);
	long used = tu_alloc_count() - before;
	if (used > 200)
		fail_msg("signing a large request made %ld allocations", used);
	ship_headers_release(&h);
	ship_buf_release(&url);
}

/* ---- out of memory -------------------------------------------------------------------------- */

static void sign_survives_every_failed_allocation(void **state)
{
	(void)state;
	struct ship_sigv4_params p = s_iam;
	p.session_token = "token";
	p.sign_body_header = 1;
	int succeeded = 0;
	for (long n = 1; n < 500 && !succeeded; n++) {
		struct ship_headers h = {0};
		struct ship_err err = SHIP_ERR_INIT;
		assert_int_equal(ship_headers_add(&h, "Content-Type", "text/plain"), 0);
		assert_int_equal(ship_headers_add(&h, "X-Multi", "a  \n  b"), 0);
		assert_int_equal(ship_headers_add(&h, "x-multi", "c"), 0);
		assert_int_equal(ship_headers_add(&h, "Authorization", "stale"), 0);
		tu_alloc_fail_at(n);
		int rc =
		    ship_sigv4_sign(&p, "POST", "https://H.example:8443/a/./b%20c/..?z=1&a=%41&a",
				    &h, SHIP_STR_LIT("body"), &err);
		tu_alloc_fail_at(0);
		if (rc == 0) {
			succeeded = 1;
			assert_true(n > 10); /* the loop did fail allocations along the way */
			assert_non_null(ship_headers_get(&h, "Authorization"));
		} else {
			assert_int_equal(err.code, SHIP_ERR_NOMEM);
			assert_non_null(strstr(err.message, "out of memory"));
		}
		ship_headers_release(&h); /* TU_TEST's teardown then proves nothing leaked */
	}
	assert_true(succeeded);

	succeeded = 0;
	for (long n = 1; n < 500 && !succeeded; n++) {
		struct ship_buf url = SHIP_BUF_INIT(0);
		struct ship_err err = SHIP_ERR_INIT;
		tu_alloc_fail_at(n);
		int rc = ship_sigv4_presign(&p, "GET", "https://h/x?b=2&a=1", NULL, 60, &url, &err);
		tu_alloc_fail_at(0);
		if (rc == 0)
			succeeded = 1;
		else
			assert_int_equal(err.code, SHIP_ERR_NOMEM);
		ship_buf_release(&url);
	}
	assert_true(succeeded);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(uri_encode_table),
	    TU_TEST(uri_encode_every_byte),
	    TU_TEST(uri_encode_appends_and_respects_max),
	    TU_TEST(dot_segments_table),
	    TU_TEST(canonical_uri_table),
	    TU_TEST(canonical_query_table),
	    TU_TEST(canonical_query_merges_extra),
	    TU_TEST(trim_value_table),
	    TU_TEST(unsigned_headers),
	    TU_TEST(url_and_host_table),
	    TU_TEST(stages_iam_example),
	    TU_TEST(signature_stage_alone),
	    TU_TEST(sign_is_repeatable_in_place),
	    TU_TEST(sign_body_and_payload_hash),
	    TU_TEST(token_placement),
	    TU_TEST(presign_urls),
	    TU_TEST(parameters_are_checked),
	    TU_TEST(big_requests_allocate_little),
	    TU_TEST(sign_survives_every_failed_allocation),
	};
	return cmocka_run_group_tests_name("sigv4_stages", tests, NULL, NULL);
}
