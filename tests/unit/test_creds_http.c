/*
 * test_creds_http.c: the container-credentials and IMDSv2 providers against an in-process
 * libmicrohttpd server on 127.0.0.1 (port 0), over the real libcurl transport: tokens right,
 * wrong and missing, retries with an injected clock, the disabled flag, IMDSv2 turned off, no
 * role, nothing listening, and which full URIs are allowed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "ecship/clock.h"
#include "ecship/creds.h"
#include "ecship/http.h"
#include "ecship/profile.h"
#include "ecship/util.h"
#include "testutil.h"

#define IMDS_TOKEN "AQAEAtokenFromTheServer=="

struct srv {
	struct MHD_Daemon *d;
	int port;
	/* container */
	const char *want_auth; /* NULL: no token needed */
	int fail_first;	       /* answer 500 this many times */
	int container_calls;
	char last_auth[256];
	/* IMDS */
	int token_status; /* 0: 200 */
	int always_500;
	int reject_token;
	int no_role;
	int token_puts, role_gets, cred_gets;
	char last_ttl[32];
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	static int first_call_marker;
	struct srv *s = cls;
	(void)version, (void)upload;
	if (!*con_cls) {
		*con_cls = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	const char *tok =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-aws-ec2-metadata-token");
	if (!strcmp(url, "/creds") && !strcmp(method, "GET")) {
		s->container_calls++;
		snprintf(s->last_auth, sizeof(s->last_auth), "%s", auth ? auth : "(none)");
		if (s->want_auth && (!auth || strcmp(auth, s->want_auth)))
			return reply(c, 401, "{\"message\":\"unauthorized\"}");
		if (s->fail_first > 0) {
			s->fail_first--;
			return reply(c, 500, "busy");
		}
		return reply(
		    c, 200,
		    "{\"AccessKeyId\":\"ASIACONTAINER\",\"SecretAccessKey\":\"cs\",\"Token\":"
		    "\"ct\",\"Expiration\":\"2027-01-15T14:00:00Z\",\"RoleArn\":\"r\"}");
	}
	if (!strcmp(url, "/latest/api/token")) {
		const char *ttl = MHD_lookup_connection_value(
		    c, MHD_HEADER_KIND, "X-aws-ec2-metadata-token-ttl-seconds");
		s->token_puts++;
		snprintf(s->last_ttl, sizeof(s->last_ttl), "%s", ttl ? ttl : "(none)");
		if (strcmp(method, "PUT"))
			return reply(c, 405, "");
		if (s->always_500)
			return reply(c, 500, "");
		if (s->token_status)
			return reply(c, (unsigned)s->token_status, "");
		if (!ttl)
			return reply(c, 400, "");
		return reply(c, 200, IMDS_TOKEN);
	}
	if (!strncmp(url, "/latest/meta-data/iam/security-credentials/", 43)) {
		int is_role = url[43] == '\0';
		if (is_role)
			s->role_gets++;
		else
			s->cred_gets++;
		if (!tok || strcmp(tok, IMDS_TOKEN) || s->reject_token)
			return reply(c, 401, "");
		if (is_role)
			return s->no_role ? reply(c, 404, "") : reply(c, 200, "ecs-role\n");
		if (strcmp(url + 43, "ecs-role"))
			return reply(c, 404, "");
		return reply(
		    c, 200,
		    "{\"Code\":\"Success\",\"LastUpdated\":\"2027-01-15T08:00:00Z\",\"Type\":"
		    "\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"is\","
		    "\"Token\":\"it\",\"Expiration\":\"2027-01-15T14:00:00Z\"}");
	}
	return reply(c, 404, "not found");
}

static void srv_start(struct srv *s)
{
	struct sockaddr_in sa;
	memset(s, 0, sizeof(*s));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handler, s,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	assert_non_null(s->d);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	s->port = info->port;
	assert_true(s->port > 0);
}

static void srv_stop(struct srv *s)
{
	MHD_stop_daemon(s->d);
}

/* A loopback port with nothing listening. */
static int closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static const char *const s_vars[] = {
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
    "AWS_METADATA_SERVICE_TIMEOUT",
    "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_PROFILE",
};

struct fixture {
	struct srv srv;
	struct ship_http *http;
	struct ship_fake_clock fc;
	struct ship_creds_ctx ctx;
	char url[128];
};

static void fixture_init(struct fixture *f)
{
	struct ship_err err = SHIP_ERR_INIT;
	for (size_t i = 0; i < sizeof(s_vars) / sizeof(s_vars[0]); i++)
		unsetenv(s_vars[i]);
	srv_start(&f->srv);
	f->http = ship_http_new(NULL, &err);
	if (!f->http)
		fail_msg("ship_http_new: %s", err.message);
	ship_fake_clock_init(&f->fc, 1800000000.0);
	memset(&f->ctx, 0, sizeof(f->ctx));
	f->ctx.profile = "default";
	f->ctx.clock = &f->fc.clock;
	f->ctx.http = ship_http_send;
	f->ctx.http_ctx = f->http;
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", f->srv.port);
}

static void fixture_release(struct fixture *f)
{
	ship_http_destroy(f->http);
	srv_stop(&f->srv);
	for (size_t i = 0; i < sizeof(s_vars) / sizeof(s_vars[0]); i++)
		unsetenv(s_vars[i]);
}

/* ---- container credentials ------------------------------------------------------------------- */

static void container_with_token(void **state)
{
	(void)state;
	struct fixture f;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	char full[200];
	fixture_init(&f);
	snprintf(full, sizeof(full), "%s/creds", f.url);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", full, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer right", 1);
	f.srv.want_auth = "Bearer right";

	assert_int_equal(ship_creds_from_container(&f.ctx, &out, &err), 1);
	assert_string_equal(out.access_key, "ASIACONTAINER");
	assert_string_equal(out.session_token, "ct");
	assert_true(out.expires == 1800021600.0);
	assert_string_equal(out.source,
			    "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)");
	assert_string_equal(f.srv.last_auth, "Bearer right");
	ship_creds_release(&out);

	/* the token file wins over the variable; its trailing newline is not sent */
	char path[256];
	snprintf(path, sizeof(path), "%s/ecship-ctok.%d",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("Bearer right\n", fp);
	fclose(fp);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer wrong", 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, 1);
	assert_int_equal(ship_creds_from_container(&f.ctx, &out, &err), 1);
	ship_creds_release(&out);
	unlink(path);
	/* a missing token file is an error naming it */
	assert_int_equal(ship_creds_from_container(&f.ctx, &out, &err), -1);
	assert_non_null(strstr(err.message, path));
	fixture_release(&f);
}

static void container_wrong_or_missing_token(void **state)
{
	(void)state;
	struct fixture f;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	char full[200];
	fixture_init(&f);
	snprintf(full, sizeof(full), "%s/creds", f.url);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", full, 1);
	f.srv.want_auth = "Bearer right";

	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer wrong", 1);
	assert_int_equal(ship_creds_from_container(&f.ctx, &out, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_CREDENTIALS);
	assert_non_null(strstr(err.message, "answered HTTP 401"));
	assert_non_null(strstr(err.message, "AWS_CONTAINER_AUTHORIZATION_TOKEN"));
	assert_int_equal(f.srv.container_calls, 1); /* a refusal is not retried */

	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	assert_int_equal(ship_creds_from_container(&f.ctx, &out, &err), -1);
	assert_non_null(strstr(err.message, "HTTP 401"));
	assert_string_equal(f.srv.last_auth, "(none)");

	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer a\r\nX-Injected: 1", 1);
	assert_int_equal(ship_creds_from_container(&f.ctx, &out, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_int_equal(f.srv.container_calls, 2);
	fixture_release(&f);
}

static void container_retries_server_errors(void **state)
{
	(void)state;
	struct fixture f;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	char full[200];
	fixture_init(&f);
	snprintf(full, sizeof(full), "%s/creds", f.url);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", full, 1);

	f.srv.fail_first = 2;
	assert_int_equal(ship_creds_from_container(&f.ctx, &out, &err), 1);
	assert_int_equal(f.srv.container_calls, 3);
	assert_int_equal(f.fc.sleeps, 2);
	assert_true(f.fc.slept == 2.0);
	ship_creds_release(&out);

	f.srv.fail_first = 5;
	assert_int_equal(ship_creds_from_container(&f.ctx, &out, &err), -1);
	assert_non_null(strstr(err.message, "HTTP 500"));
	assert_int_equal(f.srv.container_calls, 6);

	/* nothing listening: three tries, then a network error naming the URL */
	snprintf(full, sizeof(full), "http://127.0.0.1:%d/creds", closed_port());
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", full, 1);
	f.fc.sleeps = 0;
	assert_int_equal(ship_creds_from_container(&f.ctx, &out, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_NETWORK);
	assert_non_null(strstr(err.message, full));
	assert_int_equal(f.fc.sleeps, 2);
	fixture_release(&f);
}

struct capture {
	char url[256];
	long timeout_ms;
};

static int capture_send(void *ctx, const struct ship_http_request *req,
			struct ship_http_response *resp, struct ship_err *err)
{
	struct capture *c = ctx;
	(void)resp;
	snprintf(c->url, sizeof(c->url), "%s", req->url);
	c->timeout_ms = req->timeout_ms;
	return ship_err_set(err, SHIP_ERR_INPUT, "captured");
}

static void container_urls(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	struct capture cap;
	struct ship_creds_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	memset(&cap, 0, sizeof(cap));
	ctx.http = capture_send;
	ctx.http_ctx = &cap;
	for (size_t i = 0; i < sizeof(s_vars) / sizeof(s_vars[0]); i++)
		unsetenv(s_vars[i]);

	assert_int_equal(ship_creds_from_container(&ctx, &out, &err), 0);
	setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc-123", 1);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/ignored", 1);
	assert_int_equal(ship_creds_from_container(&ctx, &out, &err), -1);
	assert_string_equal(cap.url, "http://169.254.170.2/v2/credentials/abc-123");
	assert_int_equal(cap.timeout_ms, 2000);
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");

	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds", 1);
	cap.url[0] = '\0';
	assert_int_equal(ship_creds_from_container(&ctx, &out, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(err.message, "'http://example.com/creds' is not allowed"));
	assert_string_equal(cap.url, "");
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");

	static const struct {
		const char *url;
		int ok;
	} cases[] = {
	    {"http://127.0.0.1:8080/x", 1},
	    {"http://127.4.5.6/x", 1},
	    {"http://[::1]:8080/x", 1},
	    {"http://localhost/x", 1},
	    {"http://user@127.0.0.1/x", 1},
	    {"http://169.254.170.2/v2/credentials", 1},
	    {"http://169.254.170.23/v1/credentials", 1},
	    {"http://[fd00:ec2::23]/v1/credentials", 1},
	    {"https://creds.example.com/x", 1},
	    {"HTTPS://creds.example.com/x", 1},
	    {"http://example.com/x", 0},
	    {"http://169.254.169.254/latest", 0},
	    {"http://127.0.0.1.evil.example/x", 0},
	    {"http://10.0.0.1/x", 0},
	    {"http://128.0.0.1/x", 0},
	    {"ftp://127.0.0.1/x", 0},
	    {"127.0.0.1/x", 0},
	    {"http:///x", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ship_creds_container_url_allowed(cases[i].url) != cases[i].ok)
			fail_msg("'%s': want %d", cases[i].url, cases[i].ok);
}

/* ---- IMDSv2 ---------------------------------------------------------------------------------- */

static void imds_v2_happy_path(void **state)
{
	(void)state;
	struct fixture f;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	char ep[160];
	fixture_init(&f);
	snprintf(ep, sizeof(ep), "%s/", f.url);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
	assert_int_equal(ship_creds_from_imds(&f.ctx, &out, &err), 1);
	assert_string_equal(out.access_key, "ASIAIMDS");
	assert_string_equal(out.session_token, "it");
	assert_true(out.expires == 1800021600.0);
	assert_string_equal(out.source, "EC2 instance metadata (IMDSv2, role 'ecs-role')");
	assert_string_equal(f.srv.last_ttl, "21600");
	assert_int_equal(f.srv.token_puts, 1);
	assert_int_equal(f.srv.role_gets, 1);
	assert_int_equal(f.srv.cred_gets, 1);
	ship_creds_release(&out);

	/* the whole chain ends there when nothing else is configured */
	assert_int_equal(ship_creds_chain(&f.ctx, &out, &err), 0);
	assert_string_equal(out.source, "EC2 instance metadata (IMDSv2, role 'ecs-role')");
	ship_creds_release(&out);
	fixture_release(&f);
}

static void imds_refused_token(void **state)
{
	(void)state;
	struct fixture f;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	fixture_init(&f);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f.url, 1);
	f.srv.reject_token = 1;
	assert_int_equal(ship_creds_from_imds(&f.ctx, &out, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_CREDENTIALS);
	assert_non_null(strstr(err.message, "HTTP 401"));
	assert_non_null(strstr(err.message, "session token was refused"));
	assert_int_equal(f.srv.cred_gets, 0);
	fixture_release(&f);
}

static void imds_not_there(void **state)
{
	(void)state;
	struct fixture f;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	char ep[100];
	fixture_init(&f);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f.url, 1);

	/* disabled: not even asked */
	setenv("AWS_EC2_METADATA_DISABLED", "True", 1);
	assert_int_equal(ship_creds_from_imds(&f.ctx, &out, &err), 0);
	assert_int_equal(f.srv.token_puts, 0);
	setenv("AWS_EC2_METADATA_DISABLED", "false", 1);

	/* IMDSv2 turned off on the instance: no IMDSv1 fallback */
	f.srv.token_status = 403;
	assert_int_equal(ship_creds_from_imds(&f.ctx, &out, &err), 0);
	assert_int_equal(f.srv.token_puts, 1);
	assert_int_equal(f.srv.role_gets, 0);
	f.srv.token_status = 0;

	/* an instance without a role */
	f.srv.no_role = 1;
	assert_int_equal(ship_creds_from_imds(&f.ctx, &out, &err), 0);
	assert_int_equal(f.srv.role_gets, 1);
	f.srv.no_role = 0;

	/* server errors: AWS_METADATA_SERVICE_NUM_ATTEMPTS tries, then nothing */
	f.srv.always_500 = 1;
	f.srv.token_puts = 0;
	setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3", 1);
	assert_int_equal(ship_creds_from_imds(&f.ctx, &out, &err), 0);
	assert_int_equal(f.srv.token_puts, 3);
	unsetenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS");
	f.srv.always_500 = 0;

	/* nothing listening */
	snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", closed_port());
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
	assert_int_equal(ship_creds_from_imds(&f.ctx, &out, &err), 0);

	/* bad settings are input errors */
	setenv("AWS_METADATA_SERVICE_TIMEOUT", "soon", 1);
	assert_int_equal(ship_creds_from_imds(&f.ctx, &out, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	unsetenv("AWS_METADATA_SERVICE_TIMEOUT");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254", 1);
	assert_int_equal(ship_creds_from_imds(&f.ctx, &out, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_INPUT);
	fixture_release(&f);
}

static void imds_timeout_and_endpoint_settings(void **state)
{
	(void)state;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_creds out;
	struct capture cap;
	struct ship_creds_ctx ctx;
	for (size_t i = 0; i < sizeof(s_vars) / sizeof(s_vars[0]); i++)
		unsetenv(s_vars[i]);
	memset(&ctx, 0, sizeof(ctx));
	memset(&cap, 0, sizeof(cap));
	ctx.http = capture_send;
	ctx.http_ctx = &cap;

	/* defaults: the link-local address, 1 s (the capture gives no answer: not found) */
	assert_int_equal(ship_creds_from_imds(&ctx, &out, &err), 0);
	assert_string_equal(cap.url, "http://169.254.169.254/latest/api/token");
	assert_int_equal(cap.timeout_ms, 1000);
	setenv("AWS_METADATA_SERVICE_TIMEOUT", "2.5", 1);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6", 1);
	ship_creds_from_imds(&ctx, &out, &err);
	assert_string_equal(cap.url, "http://[fd00:ec2::254]/latest/api/token");
	assert_int_equal(cap.timeout_ms, 2500);
	for (size_t i = 0; i < sizeof(s_vars) / sizeof(s_vars[0]); i++)
		unsetenv(s_vars[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(container_with_token),
	    TU_TEST(container_wrong_or_missing_token),
	    TU_TEST(container_retries_server_errors),
	    TU_TEST(container_urls),
	    TU_TEST(imds_v2_happy_path),
	    TU_TEST(imds_refused_token),
	    TU_TEST(imds_not_there),
	    TU_TEST(imds_timeout_and_endpoint_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
