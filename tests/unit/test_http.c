/*
 * test_http.c: the libcurl transport (lib/aws/http.c) against in-process libmicrohttpd servers
 * on 127.0.0.1: requests and answers, connection reuse, read and request timeouts, resets, the
 * size cap, no Expect header, proxies from the environment in both cases, TLS verification with
 * a self-signed certificate, and the ECSHIP_TEST_LOOPBACK_ONLY guard.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "ecship/http.h"
#include "testutil.h"

/* ---- a small server ------------------------------------------------------------------------- */

#define BODY_MAX ((size_t)3 << 20)

struct srv {
	struct MHD_Daemon *d;
	int port;
	int connections;
	int requests;
	volatile int stop;
	char url[512], method[16], content_type[128], expect[64], host[128], ua[128];
	char body[BODY_MAX];
	size_t body_len;
	const char *name; /* answered in X-Server */
};

static struct srv s_a, s_b; /* target and proxy */

static void nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct srv *s = cls;
	(void)c, (void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		__atomic_add_fetch(&s->connections, 1, __ATOMIC_SEQ_CST);
}

static void copy_header(struct MHD_Connection *c, const char *name, char *out, size_t size)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
	snprintf(out, size, "%s", v ? v : "");
}

static ssize_t trickle(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct srv *s = cls;
	(void)pos, (void)max;
	if (s->stop)
		return MHD_CONTENT_READER_END_OF_STREAM;
	nap(200);
	buf[0] = 'x';
	return 1;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct srv *s = cls;
	static int marker;
	(void)version;
	if (!*con_cls) {
		*con_cls = &marker;
		s->body_len = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		if (s->body_len + n > BODY_MAX)
			n = BODY_MAX - s->body_len;
		memcpy(s->body + s->body_len, upload, n);
		s->body_len += n;
		*upload_size = 0;
		return MHD_YES;
	}
	snprintf(s->url, sizeof(s->url), "%s", url);
	snprintf(s->method, sizeof(s->method), "%s", method);
	copy_header(c, "Content-Type", s->content_type, sizeof(s->content_type));
	copy_header(c, "Expect", s->expect, sizeof(s->expect));
	copy_header(c, "Host", s->host, sizeof(s->host));
	copy_header(c, "User-Agent", s->ua, sizeof(s->ua));
	__atomic_add_fetch(&s->requests, 1, __ATOMIC_SEQ_CST);

	if (strstr(url, "/close"))
		return MHD_NO; /* drop the connection without an answer */
	if (strstr(url, "/slow")) {
		for (int i = 0; i < 150 && !s->stop; i++)
			nap(20);
		return MHD_NO;
	}
	if (strstr(url, "/trickle")) { /* a byte every 200 ms, for ever */
		struct MHD_Response *r =
		    MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1, trickle, s, NULL);
		enum MHD_Result ret = MHD_queue_response(c, 200, r);
		MHD_destroy_response(r);
		return ret;
	}
	static char big[4096];
	const char *text = "hello";
	size_t len = 5;
	if (strstr(url, "/big")) {
		memset(big, 'x', sizeof(big));
		text = big;
		len = sizeof(big);
	}
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "X-Server", s->name);
	MHD_add_response_header(r, "X-Spaces", "  padded value  ");
	MHD_add_response_header(r, "Content-Type", "text/plain");
	enum MHD_Result ret = MHD_queue_response(c, strstr(url, "/teapot") ? 418 : 200, r);
	MHD_destroy_response(r);
	return ret;
}

static int srv_start_opts(struct srv *s, const char *name, unsigned flags, const char *cert,
			  const char *key)
{
	struct sockaddr_in a;
	memset(s, 0, sizeof(*s));
	s->name = name;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (cert)
		s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
					    MHD_USE_TLS | flags,
					0, NULL, NULL, answer, s, MHD_OPTION_SOCK_ADDR, &a,
					MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
					MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
					MHD_OPTION_END);
	else
		s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
					    flags,
					0, NULL, NULL, answer, s, MHD_OPTION_SOCK_ADDR, &a,
					MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
					MHD_OPTION_END);
	if (!s->d)
		return -1;
	s->port = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)->port;
	return 0;
}

static void srv_start(struct srv *s, const char *name)
{
	assert_int_equal(srv_start_opts(s, name, 0, NULL, NULL), 0);
}

static void srv_stop(struct srv *s)
{
	s->stop = 1;
	if (s->d)
		MHD_stop_daemon(s->d);
	s->d = NULL;
}

static char s_url[256];
static const char *url(const struct srv *s, const char *path)
{
	snprintf(s_url, sizeof(s_url), "http://127.0.0.1:%d%s", s->port, path);
	return s_url;
}

static int send_req(struct ship_http *h, const char *method, const char *u,
		    const struct ship_headers *hd, struct ship_str body, long timeout_ms,
		    struct ship_http_response *resp, struct ship_err *err)
{
	struct ship_http_request req = {method, u, hd, body, timeout_ms, 0};
	return ship_http_send(h, &req, resp, err);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void requests_and_answers(void **state)
{
	(void)state;
	struct ship_err e = SHIP_ERR_INIT;
	struct ship_http_response r;
	struct ship_headers hd = {0};
	srv_start(&s_a, "a");
	struct ship_http *h = ship_http_new(NULL, &e);
	assert_non_null(h);
	ship_http_response_init(&r);

	assert_int_equal(send_req(h, "GET", url(&s_a, "/hello"), NULL, SHIP_STR_LIT(""), 0, &r, &e), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.data, "hello");
	assert_string_equal(ship_headers_get(&r.headers, "x-server"), "a");
	assert_string_equal(ship_headers_get(&r.headers, "X-Spaces"), "padded value");
	assert_string_equal(s_a.method, "GET");

	/* a large POST: no Expect: 100-continue, our Content-Type and headers, the whole body */
	size_t n = (size_t)1536 << 10;
	char *big = ship_malloc(n);
	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	ship_headers_add(&hd, "Content-Type", "application/x-amz-json-1.1");
	ship_headers_add(&hd, "User-Agent", "ecship-test");
	ship_headers_add(&hd, "Expect", "100-continue"); /* dropped by the transport */
	assert_int_equal(send_req(h, "POST", url(&s_a, "/teapot"), &hd, (struct ship_str){big, n}, 0,
				  &r, &e),
			 0);
	assert_int_equal(r.status, 418); /* any status is an answer */
	assert_string_equal(s_a.method, "POST");
	assert_string_equal(s_a.expect, "");
	assert_string_equal(s_a.content_type, "application/x-amz-json-1.1");
	assert_string_equal(s_a.ua, "ecship-test");
	assert_int_equal(s_a.body_len, n);
	assert_memory_equal(s_a.body, big, n);
	ship_free(big);

	/* a POST without a Content-Type gets none (not libcurl's form default) */
	assert_int_equal(send_req(h, "POST", url(&s_a, "/x"), NULL, SHIP_STR_LIT("{}"), 0, &r, &e), 0);
	assert_string_equal(s_a.content_type, "");
	/* PUT with an empty body (the IMDS token request) */
	assert_int_equal(send_req(h, "PUT", url(&s_a, "/latest/api/token"), NULL, SHIP_STR_LIT(""), 0,
				  &r, &e),
			 0);
	assert_string_equal(s_a.method, "PUT");
	assert_int_equal(s_a.body_len, 0);

	ship_headers_release(&hd);
	ship_http_response_release(&r);
	ship_http_destroy(h);
	srv_stop(&s_a);
}

static void connections_are_reused(void **state)
{
	(void)state;
	struct ship_err e = SHIP_ERR_INIT;
	struct ship_http_response r;
	srv_start(&s_a, "a");
	struct ship_http *h = ship_http_new(NULL, &e);
	ship_http_response_init(&r);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(send_req(h, i % 2 ? "POST" : "GET", url(&s_a, "/x"), NULL,
					  SHIP_STR_LIT("k=v"), 0, &r, &e),
				 0);
		assert_int_equal(r.status, 200);
	}
	assert_int_equal(s_a.requests, 10);
	assert_int_equal(__atomic_load_n(&s_a.connections, __ATOMIC_SEQ_CST), 1);
	assert_int_equal(ship_http_connects(h), 1);
	/* a connection the server dropped is replaced, and counted */
	assert_int_equal(send_req(h, "GET", url(&s_a, "/close"), NULL, SHIP_STR_LIT(""), 0, &r, &e), -1);
	assert_int_equal(send_req(h, "GET", url(&s_a, "/x"), NULL, SHIP_STR_LIT(""), 0, &r, &e), 0);
	assert_true(ship_http_connects(h) >= 2);
	assert_int_equal(ship_http_connects(h), __atomic_load_n(&s_a.connections, __ATOMIC_SEQ_CST));
	ship_http_response_release(&r);
	ship_http_destroy(h);
	srv_stop(&s_a);
}

static void failures_are_classified(void **state)
{
	(void)state;
	struct ship_err e = SHIP_ERR_INIT;
	struct ship_http_response r;
	struct ship_http_options o = {0, 1000, NULL, 1000, 0,
				      0, 0,    NULL, NULL}; /* 1 s read timeout, 1000-byte cap */
	srv_start(&s_a, "a");
	struct ship_http *h = ship_http_new(&o, &e);
	ship_http_response_init(&r);

	assert_int_equal(send_req(h, "GET", url(&s_a, "/close"), NULL, SHIP_STR_LIT(""), 0, &r, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_NETWORK);
	assert_string_equal(e.message, "connection to '127.0.0.1' closed without an answer");

	assert_int_equal(send_req(h, "GET", url(&s_a, "/slow"), NULL, SHIP_STR_LIT(""), 0, &r, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_TIMEOUT);
	assert_non_null(strstr(e.message, "'127.0.0.1' did not answer in time"));

	/* a small POST whose answer never comes (libcurl's low-speed limit would miss it) */
	assert_int_equal(send_req(h, "POST", url(&s_a, "/slow"), NULL, SHIP_STR_LIT("Action=X"), 0, &r,
				  &e),
			 -1);
	assert_int_equal(e.code, SHIP_ERR_TIMEOUT);
	assert_string_equal(e.message, "'127.0.0.1' did not answer in time: no data for 1000 ms");

	assert_int_equal(send_req(h, "GET", url(&s_a, "/slow"), NULL, SHIP_STR_LIT(""), 300, &r, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_TIMEOUT);

	assert_int_equal(send_req(h, "GET", url(&s_a, "/big"), NULL, SHIP_STR_LIT(""), 0, &r, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_PROTOCOL);
	assert_string_equal(e.message, "the answer from '127.0.0.1' is larger than 1000 bytes");
	assert_int_equal(r.body.len, 0);

	int port = s_a.port;
	srv_stop(&s_a);
	char u[64];
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/", port);
	assert_int_equal(send_req(h, "GET", u, NULL, SHIP_STR_LIT(""), 0, &r, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_NETWORK);
	assert_non_null(strstr(e.message, "cannot connect to 'http://127.0.0.1:"));

	assert_int_equal(send_req(h, "GET", "gopher://127.0.0.1/", NULL, SHIP_STR_LIT(""), 0, &r, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_INPUT);
	ship_http_response_release(&r);
	ship_http_destroy(h);
}

static void loopback_guard(void **state)
{
	(void)state;
	static const struct {
		const char *url, *refused_host; /* NULL: allowed */
	} cases[] = {
	    {"http://127.0.0.1:5000/", NULL},
	    {"http://127.9.8.7/", NULL},
	    {"http://localhost:1/", NULL},
	    {"http://LOCALHOST/", NULL},
	    {"http://[::1]:8080/x", NULL},
	    {"http://user:pw@127.0.0.1/", NULL},
	    {"https://ecs.ap-northeast-1.amazonaws.com/", "ecs.ap-northeast-1.amazonaws.com"},
	    {"http://169.254.169.254/latest/api/token", "169.254.169.254"},
	    {"http://169.254.170.2/v2/credentials/x", "169.254.170.2"},
	    {"http://10.0.0.1/", "10.0.0.1"},
	    {"http://127.0.0.1.nip.io/", "127.0.0.1.nip.io"},
	    {"http://127.0.0.1@evil.example/", "evil.example"},
	    {"http://[::2]/", "::2"},
	    {"http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"},
	};
	const char *saved = getenv("ECSHIP_TEST_LOOPBACK_ONLY");
	setenv("ECSHIP_TEST_LOOPBACK_ONLY", "1", 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ship_err e = SHIP_ERR_INIT;
		int r = ship_http_check_loopback(cases[i].url, &e);
		if (!cases[i].refused_host) {
			if (r)
				fail_msg("%s refused: %s", cases[i].url, e.message);
			continue;
		}
		assert_int_equal(r, -1);
		assert_int_equal(e.code, SHIP_ERR_NETWORK);
		char want[256];
		snprintf(want, sizeof(want),
			 "refusing to contact '%s': ECSHIP_TEST_LOOPBACK_ONLY is set",
			 cases[i].refused_host);
		assert_string_equal(e.message, want);
	}
	/* the transport applies it before connecting, to the URL and to the proxy */
	struct ship_err e = SHIP_ERR_INIT;
	struct ship_http_response r;
	struct ship_http *h = ship_http_new(NULL, &e);
	ship_http_response_init(&r);
	assert_int_equal(send_req(h, "GET", "https://sts.amazonaws.com/", NULL, SHIP_STR_LIT(""), 0, &r,
				  &e),
			 -1);
	assert_string_equal(e.message,
			    "refusing to contact 'sts.amazonaws.com': ECSHIP_TEST_LOOPBACK_ONLY is set");
	setenv("http_proxy", "http://proxy.example:3128", 1);
	assert_int_equal(send_req(h, "GET", "http://127.0.0.1:1/", NULL, SHIP_STR_LIT(""), 0, &r, &e),
			 -1);
	assert_string_equal(
	    e.message, "proxy: refusing to contact 'proxy.example': ECSHIP_TEST_LOOPBACK_ONLY is set");
	unsetenv("http_proxy");
	assert_int_equal(ship_http_connects(h), 0);
	/* only "1" turns it on */
	setenv("ECSHIP_TEST_LOOPBACK_ONLY", "0", 1);
	assert_int_equal(ship_http_check_loopback("https://sts.amazonaws.com/", &e), 0);
	if (saved)
		setenv("ECSHIP_TEST_LOOPBACK_ONLY", saved, 1);
	else
		unsetenv("ECSHIP_TEST_LOOPBACK_ONLY");
	ship_http_response_release(&r);
	ship_http_destroy(h);
}

static void proxies_from_the_environment(void **state)
{
	(void)state;
	static const struct {
		const char *var, *no_proxy_var;
		int via_proxy;
	} cases[] = {
	    {"HTTP_PROXY", NULL, 1},
	    {"http_proxy", NULL, 1},
	    {"ALL_PROXY", NULL, 1},
	    {"HTTP_PROXY", "NO_PROXY", 0},
	    {"http_proxy", "no_proxy", 0},
	    {"HTTPS_PROXY", NULL, 0}, /* only for https URLs */
	};
	static const char *const vars[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
					   "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"};
	for (size_t v = 0; v < sizeof(vars) / sizeof(*vars); v++)
		unsetenv(vars[v]);
	srv_start(&s_a, "target");
	srv_start(&s_b, "proxy");
	char proxy[64], target[64];
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", s_b.port);
	snprintf(target, sizeof(target), "http://127.0.0.1:%d/path?q=1", s_a.port);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ship_err e = SHIP_ERR_INIT;
		struct ship_http_response r;
		setenv(cases[i].var, proxy, 1);
		if (cases[i].no_proxy_var)
			setenv(cases[i].no_proxy_var, "localhost,127.0.0.1", 1);
		struct ship_http *h = ship_http_new(NULL, &e);
		ship_http_response_init(&r);
		assert_int_equal(send_req(h, "GET", target, NULL, SHIP_STR_LIT(""), 0, &r, &e), 0);
		const char *who = ship_headers_get(&r.headers, "X-Server");
		if (strcmp(who, cases[i].via_proxy ? "proxy" : "target"))
			fail_msg("case %zu (%s%s%s): answered by %s", i, cases[i].var,
				 cases[i].no_proxy_var ? " + " : "",
				 cases[i].no_proxy_var ? cases[i].no_proxy_var : "", who);
		if (cases[i].via_proxy) /* the proxy was asked for the absolute URL */
			assert_non_null(strstr(s_b.url, "/path"));
		ship_http_response_release(&r);
		ship_http_destroy(h);
		for (size_t v = 0; v < sizeof(vars) / sizeof(*vars); v++)
			unsetenv(vars[v]);
	}
	srv_stop(&s_a);
	srv_stop(&s_b);
}

static char s_tmp[64];

static int make_cert(char **cert, char **key)
{
	char cmd[512];
	snprintf(s_tmp, sizeof(s_tmp), "/tmp/ecship-tls.XXXXXX");
	if (!mkdtemp(s_tmp))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
		 "-addext subjectAltName=IP:127.0.0.1 -keyout %s/key.pem -out %s/cert.pem "
		 ">/dev/null 2>&1",
		 s_tmp, s_tmp);
	if (system(cmd) != 0)
		return -1;
	struct ship_buf b = SHIP_BUF_INIT(0);
	snprintf(cmd, sizeof(cmd), "%s/cert.pem", s_tmp);
	if (ship_read_file(cmd, &b))
		return -1;
	*cert = ship_buf_detach(&b, NULL);
	snprintf(cmd, sizeof(cmd), "%s/key.pem", s_tmp);
	if (ship_read_file(cmd, &b))
		return -1;
	*key = ship_buf_detach(&b, NULL);
	return 0;
}

static void tls_is_always_verified(void **state)
{
	(void)state;
	char *cert = NULL, *key = NULL, path[128];
	if (!MHD_is_feature_supported(MHD_FEATURE_TLS) || make_cert(&cert, &key)) {
		ship_free(cert);
		ship_free(key);
		skip();
	}
	snprintf(path, sizeof(path), "%s/cert.pem", s_tmp);
	assert_int_equal(srv_start_opts(&s_a, "tls", 0, cert, key), 0);
	char u[64];
	snprintf(u, sizeof(u), "https://127.0.0.1:%d/x", s_a.port);
	struct ship_err e = SHIP_ERR_INIT;
	struct ship_http_response r;
	ship_http_response_init(&r);
	unsetenv("AWS_CA_BUNDLE");

	/* the system store does not trust a self-signed certificate */
	struct ship_http *h = ship_http_new(NULL, &e);
	assert_int_equal(send_req(h, "GET", u, NULL, SHIP_STR_LIT(""), 0, &r, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_NETWORK);
	assert_non_null(strstr(e.message, "TLS with '127.0.0.1' failed"));
	assert_non_null(strstr(e.message, "AWS_CA_BUNDLE"));
	ship_http_destroy(h);

	/* the option and AWS_CA_BUNDLE make it trusted */
	struct ship_http_options o = {0, 0, path, 0, 0, 0, 0, NULL, NULL};
	h = ship_http_new(&o, &e);
	assert_int_equal(send_req(h, "GET", u, NULL, SHIP_STR_LIT(""), 0, &r, &e), 0);
	assert_string_equal(r.body.data, "hello");
	ship_http_destroy(h);
	setenv("AWS_CA_BUNDLE", path, 1);
	h = ship_http_new(NULL, &e);
	assert_int_equal(send_req(h, "GET", u, NULL, SHIP_STR_LIT(""), 0, &r, &e), 0);
	ship_http_destroy(h);

	/* a trusted certificate for another name is still refused (host name verified) */
	char wrong[64];
	snprintf(wrong, sizeof(wrong), "https://localhost:%d/x", s_a.port);
	h = ship_http_new(NULL, &e);
	assert_int_equal(send_req(h, "GET", wrong, NULL, SHIP_STR_LIT(""), 0, &r, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_NETWORK);
	ship_http_destroy(h);

	/* a CA bundle that cannot be read is an input error up front */
	setenv("AWS_CA_BUNDLE", "/nonexistent/ca.pem", 1);
	assert_null(ship_http_new(NULL, &e));
	assert_int_equal(e.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(e.message, "cannot read the CA bundle '/nonexistent/ca.pem' (from "
					  "AWS_CA_BUNDLE)"));
	unsetenv("AWS_CA_BUNDLE");

	srv_stop(&s_a);
	ship_http_response_release(&r);
	ship_free(cert);
	ship_free(key);
	snprintf(path, sizeof(path), "rm -rf %s", s_tmp);
	assert_int_equal(system(path), 0);
}

static void headers_helpers(void **state)
{
	(void)state;
	struct ship_headers h = {0};
	assert_int_equal(ship_headers_add(&h, "A", "1"), 0);
	assert_int_equal(ship_headers_add(&h, "a", "2"), 0);
	assert_string_equal(ship_headers_get(&h, "A"), "1");
	assert_int_equal(ship_headers_set(&h, "a", "3"), 0);
	assert_string_equal(ship_headers_get(&h, "a"), "3");
	assert_int_equal(h.n, 2);
	assert_int_equal(ship_headers_set(&h, "B", ""), 0);
	assert_string_equal(ship_headers_get(&h, "b"), "");
	assert_null(ship_headers_get(&h, "c"));
	ship_headers_release(&h);
	ship_headers_release(&h);
	char host[64];
	assert_int_equal(ship_url_host("https://a.b:443/x", host, sizeof(host)), 0);
	assert_string_equal(host, "a.b");
	assert_int_equal(ship_url_host("http://[::1]:80", host, sizeof(host)), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(ship_url_host("http:///x", host, sizeof(host)), -1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * libcurl resends a request by itself when the kept-alive connection it reused dies before any
 * answer byte: a request that changes something (RunTask, RegisterTaskDefinition) would then run
 * twice. A request marked fresh_connection goes out on a new connection, so it is sent once.
 */
static void mutating_requests_are_never_resent(void **state)
{
	(void)state;
	struct ship_err e = SHIP_ERR_INIT;
	struct ship_http_response r;
	srv_start(&s_a, "a");
	struct ship_http *h = ship_http_new(NULL, &e);
	ship_http_response_init(&r);
	/* a kept-alive connection, then the server runs the POST and closes without answering */
	assert_int_equal(send_req(h, "GET", url(&s_a, "/x"), NULL, SHIP_STR_LIT(""), 0, &r, &e), 0);
	int before = s_a.requests;
	char close_url[256];
	snprintf(close_url, sizeof(close_url), "%s", url(&s_a, "/close"));
	struct ship_http_request req = {"POST", close_url, NULL, SHIP_STR_LIT("{}"), 0, 1};
	assert_int_equal(ship_http_send(h, &req, &r, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_NETWORK);
	assert_int_equal(s_a.requests - before, 1); /* sent once, not resent */
	/* the same without the flag: libcurl resends it on a new connection (the reason for it) */
	assert_int_equal(send_req(h, "GET", url(&s_a, "/x"), NULL, SHIP_STR_LIT(""), 0, &r, &e), 0);
	before = s_a.requests;
	req.fresh_connection = 0;
	assert_int_equal(ship_http_send(h, &req, &r, &e), -1);
	assert_true(s_a.requests - before > 1);
	ship_http_response_release(&r);
	ship_http_destroy(h);
	srv_stop(&s_a);
}

static int s_cancel;
static int cancelled_cb(void *ctx)
{
	(void)ctx;
	return s_cancel > 0 && --s_cancel == 0 ? 1 : s_cancel == 0;
}

/* Every request has a total deadline and a minimum speed; Ctrl-C ends one in flight. */
static void no_request_can_hang(void **state)
{
	(void)state;
	struct ship_err e = SHIP_ERR_INIT;
	struct ship_http_response r;
	srv_start(&s_a, "a");
	ship_http_response_init(&r);

	/* a trickle (a byte every 200 ms) never trips the read timeout, but the minimum speed */
	struct ship_http_options slow = {0, 0, NULL, 0, 0, 100, 1000, NULL, NULL};
	struct ship_http *h = ship_http_new(&slow, &e);
	double t0 = now_s();
	assert_int_equal(
	    send_req(h, "GET", url(&s_a, "/trickle"), NULL, SHIP_STR_LIT(""), 0, &r, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_TIMEOUT);
	assert_string_equal(e.message,
			    "'127.0.0.1' answered too slowly: less than 100 bytes a second "
			    "over 1.0 s (ECSHIP_HTTP_MIN_SPEED)");
	assert_true(now_s() - t0 < 5);
	ship_http_destroy(h);

	/* the total deadline, with the speed check off */
	struct ship_http_options total = {0, 0, NULL, 0, 1500, -1, 0, NULL, NULL};
	h = ship_http_new(&total, &e);
	t0 = now_s();
	assert_int_equal(
	    send_req(h, "GET", url(&s_a, "/trickle"), NULL, SHIP_STR_LIT(""), 0, &r, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_TIMEOUT);
	assert_non_null(strstr(e.message, "did not answer within 1500 ms (ECSHIP_HTTP_TIMEOUT)"));
	assert_true(now_s() - t0 < 4);
	ship_http_destroy(h);

	/* the environment sets both; nonsense is refused */
	struct ship_http_options env = {0};
	setenv("ECSHIP_HTTP_TIMEOUT", "2m", 1);
	setenv("ECSHIP_HTTP_MIN_SPEED", "0", 1);
	assert_int_equal(ship_http_options_from_env(&env, &e), 0);
	assert_int_equal(env.total_timeout_ms, 120000);
	assert_int_equal(env.min_speed_bps, -1);
	setenv("ECSHIP_HTTP_TIMEOUT", "soon", 1);
	env.total_timeout_ms = 0;
	assert_int_equal(ship_http_options_from_env(&env, &e), -1);
	assert_int_equal(e.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(e.message, "ECSHIP_HTTP_TIMEOUT 'soon'"));
	unsetenv("ECSHIP_HTTP_TIMEOUT");
	unsetenv("ECSHIP_HTTP_MIN_SPEED");

	/* Ctrl-C while waiting for an answer ends the request at once (SHIP_ERR_INTERRUPTED) */
	struct ship_http_options cancel = {0, 0, NULL, 0, 0, 0, 0, cancelled_cb, NULL};
	h = ship_http_new(&cancel, &e);
	s_cancel = 3; /* the third look says "interrupted" */
	t0 = now_s();
	assert_int_equal(send_req(h, "GET", url(&s_a, "/slow"), NULL, SHIP_STR_LIT(""), 0, &r, &e),
			 -1);
	assert_int_equal(e.code, SHIP_ERR_INTERRUPTED);
	assert_string_equal(e.message, "interrupted while waiting for '127.0.0.1'");
	assert_true(now_s() - t0 < 2.5);
	/* a request begun after the interrupt (the command cleaning up) goes through */
	assert_int_equal(send_req(h, "GET", url(&s_a, "/x"), NULL, SHIP_STR_LIT(""), 0, &r, &e), 0);
	assert_int_equal(r.status, 200);
	s_cancel = 0;
	ship_http_destroy(h);
	ship_http_response_release(&r);
	srv_stop(&s_a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(requests_and_answers),
	    TU_TEST(connections_are_reused),
	    TU_TEST(failures_are_classified),
	    TU_TEST(loopback_guard),
	    TU_TEST(proxies_from_the_environment),
	    TU_TEST(tls_is_always_verified),
	    TU_TEST(headers_helpers),
	    TU_TEST(mutating_requests_are_never_resent),
	    TU_TEST(no_request_can_hang),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
