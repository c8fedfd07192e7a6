/*
 * main.c: ecship-sim entry point: options, the listening socket, libmicrohttpd (a thread per
 * connection, a 1 MiB body limit), the clock tick that moves the model forward, and a clean
 * shutdown on SIGTERM/SIGINT that frees everything. Depends on the rest of sim/ and lib/util.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "sim.h"

static volatile sig_atomic_t s_stop;
static struct sim *s_sim; /* set once the model exists: long work checks its `stopping` */

static void on_signal(int sig)
{
	(void)sig;
	s_stop = 1;
	if (s_sim)
		s_sim->stopping = 1;
}

/* Per-connection request state, created when the URI arrives. */
struct sim_conn {
	struct sim_request rq;
	struct ship_buf body;
	int started;
};

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	struct sim_conn *k = ship_calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	ship_buf_init(&k->body, SIM_MAX_BODY);
	k->rq.uri = ship_strdup(uri ? uri : "/");
	return k;
}

static void free_conn(struct sim_conn *k)
{
	if (!k)
		return;
	for (int i = 0; i < k->rq.nheaders; i++) {
		ship_free(k->rq.headers[i].name);
		ship_free(k->rq.headers[i].value);
	}
	ship_free(k->rq.headers);
	ship_free(k->rq.uri);
	ship_free(k->rq.path);
	ship_free(k->rq.method);
	ship_free(k->rq.action);
	ship_buf_release(&k->body);
	ship_free(k);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode code)
{
	(void)cls;
	(void)c;
	(void)code;
	free_conn(*con_cls);
	*con_cls = NULL;
}

static enum MHD_Result copy_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct sim_request *rq = cls;
	if (rq->nheaders >= 100 || !key)
		return MHD_YES;
	struct sim_header *h = ship_realloc(rq->headers, sizeof(*h) * (size_t)(rq->nheaders + 1));
	if (!h)
		return MHD_NO;
	rq->headers = h;
	h[rq->nheaders].name = ship_strdup(key);
	h[rq->nheaders].value = ship_strdup(value ? value : "");
	if (!h[rq->nheaders].name || !h[rq->nheaders].value) {
		ship_free(h[rq->nheaders].name);
		ship_free(h[rq->nheaders].value);
		return MHD_NO;
	}
	rq->nheaders++;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct sim *s = cls;
	struct sim_conn *k = *con_cls;
	if (!k)
		return MHD_NO;
	if (!k->started) {
		k->started = 1;
		k->rq.method = ship_strdup(method);
		k->rq.path = ship_strdup(url);
		if (!k->rq.method || !k->rq.path || !k->rq.uri)
			return MHD_NO;
		char *q = strchr(k->rq.uri, '?');
		k->rq.query = q ? q + 1 : "";
		MHD_get_connection_values(c, MHD_HEADER_KIND, copy_header, &k->rq);
		return MHD_YES;
	}
	if (*upload_size) {
		if (!k->rq.too_big && ship_buf_add(&k->body, upload, *upload_size) != 0)
			k->rq.too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	k->rq.body = k->rq.too_big ? NULL : k->body.data;
	k->rq.len = k->rq.too_big ? 0 : k->body.len;
	struct sim_response r;
	memset(&r, 0, sizeof(r));
	ship_buf_init(&r.body, (size_t)64 << 20);
	r.status = 500;
	sim_handle(s, &k->rq, &r);
	enum MHD_Result ret = MHD_NO;
	if (!r.drop) {
		struct MHD_Response *resp =
		    MHD_create_response_from_buffer(r.body.len, r.body.data, MHD_RESPMEM_MUST_COPY);
		if (resp) {
			if (r.content_type[0])
				MHD_add_response_header(resp, "Content-Type", r.content_type);
			for (int i = 0; i < r.nheaders; i++)
				MHD_add_response_header(resp, r.headers[i].name, r.headers[i].value);
			ret = MHD_queue_response(c, (unsigned)r.status, resp);
			MHD_destroy_response(resp);
		}
	}
	for (int i = 0; i < r.nheaders; i++) {
		ship_free(r.headers[i].name);
		ship_free(r.headers[i].value);
	}
	ship_free(r.headers);
	ship_buf_release(&r.body);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ecship-sim [--listen 127.0.0.1:PORT] [--upstream URL] [--speed X] [--seed N]\n"
		   "                  [--region R] [--account ID] [--image-rule SUBSTRING=BEHAVIOR]...\n"
		   "                  [--breaker-min N] [--no-rate-limits] [--timing ecs|fast] [--no-upstream-checks]\n"
		   "                  [--hook-rule SUBSTRING=succeed|fail|timeout]...\n"
		   "behaviours: ok, exit[:CODE], unhealthy[:STATUS], pull-error, pull-denied, secret-error, no-log-group,\n"
		   "            slow-start[:SECONDS], fail-after[:SECONDS], slow-health[:SECONDS], django\n"
		   "control API: http://HOST:PORT/_sim/ (see docs/sim.md)\n");
}

struct opts {
	const char *listen, *upstream, *region, *account;
	double speed;
	unsigned long long seed;
	int breaker_min, no_rate_limits, no_upstream_checks;
	enum sim_timing timing;
};

static int parse_listen(const char *spec, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(spec, ':');
	long port;
	if (!colon || (size_t)(colon - spec) >= sizeof(host) || ship_parse_long(colon + 1, 0, 65535, &port) != 0)
		return -1;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/*
 * The conformance logs (docs/sim.md "Conformance log"): $NAME names a file appended to, or a
 * directory that gets one file per process (parallel test workers); NULL when unset or unusable.
 */
static FILE *open_log(const char *name, const char *what)
{
	const char *v = getenv(name);
	char path[4096];
	struct stat st;
	if (!v || !*v)
		return NULL;
	if (stat(v, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(path, sizeof(path), "%s/sim-%ld.jsonl", v, (long)getpid());
	else
		snprintf(path, sizeof(path), "%s", v);
	FILE *f = fopen(path, "a");
	if (!f)
		fprintf(stderr, "ecship-sim: warning: cannot open the %s log '%s'\n", what, path);
	else
		setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

int main(int argc, char **argv)
{
	struct opts o = {"127.0.0.1:4580", NULL, NULL, "123456789012", 1.0, 1, 3, 0, 0, SIM_TIMING_ECS};
	struct sim s;
	int rc = 2, fd = -1;
	struct MHD_Daemon *d = NULL;
	int have_sim = 0;
	const char **rules = ship_calloc((size_t)argc + 1, sizeof(char *));
	const char **hrules = ship_calloc((size_t)argc + 1, sizeof(char *));
	int nrules = 0, nhrules = 0;
	if (!rules || !hrules) {
		ship_free(rules);
		ship_free(hrules);
		return 1;
	}
	o.region = getenv("AWS_REGION") ? getenv("AWS_REGION") : getenv("AWS_DEFAULT_REGION");
	if (!o.region || !*o.region)
		o.region = "us-east-1";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			rc = 0;
			goto cleanup;
		} else if (strcmp(a, "--version") == 0) {
			printf("ecship-sim %s (%s)\n", ECSHIP_VERSION, ECSHIP_GIT_REV);
			rc = 0;
			goto cleanup;
		} else if (strcmp(a, "--no-rate-limits") == 0) {
			o.no_rate_limits = 1;
			continue;
		} else if (strcmp(a, "--no-upstream-checks") == 0) {
			o.no_upstream_checks = 1;
			continue;
		}
		if (!v || strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "ecship-sim: error: unknown or incomplete option '%s'\n", a);
			usage(stderr);
			goto cleanup;
		}
		i++;
		if (strcmp(a, "--listen") == 0) {
			o.listen = v;
		} else if (strcmp(a, "--upstream") == 0) {
			o.upstream = v;
		} else if (strcmp(a, "--region") == 0) {
			o.region = v;
		} else if (strcmp(a, "--account") == 0) {
			o.account = v;
		} else if (strcmp(a, "--speed") == 0) {
			o.speed = strtod(v, &end);
			if (*end || !(o.speed >= 0) || o.speed > 1e6) {
				fprintf(stderr, "ecship-sim: error: invalid --speed '%s': use a number from 0 to 1000000\n", v);
				goto cleanup;
			}
		} else if (strcmp(a, "--seed") == 0) {
			errno = 0;
			o.seed = strtoull(v, &end, 10);
			if (*end || errno || !*v) {
				fprintf(stderr, "ecship-sim: error: invalid --seed '%s': use a non-negative integer\n", v);
				goto cleanup;
			}
		} else if (strcmp(a, "--breaker-min") == 0) {
			long n;
			if (ship_parse_long(v, 1, 200, &n) != 0) {
				fprintf(stderr, "ecship-sim: error: invalid --breaker-min '%s': use 1 to 200\n", v);
				goto cleanup;
			}
			o.breaker_min = (int)n;
		} else if (strcmp(a, "--timing") == 0) {
			if (strcmp(v, "ecs") == 0) {
				o.timing = SIM_TIMING_ECS;
			} else if (strcmp(v, "fast") == 0) {
				o.timing = SIM_TIMING_FAST;
			} else {
				fprintf(stderr, "ecship-sim: error: invalid --timing '%s': use ecs or fast\n", v);
				goto cleanup;
			}
		} else if (strcmp(a, "--image-rule") == 0) {
			rules[nrules++] = v;
		} else if (strcmp(a, "--hook-rule") == 0) {
			hrules[nhrules++] = v;
		} else {
			fprintf(stderr, "ecship-sim: error: unknown option '%s'\n", a);
			usage(stderr);
			goto cleanup;
		}
	}

	struct sockaddr_in sa;
	if (parse_listen(o.listen, &sa) != 0) {
		fprintf(stderr, "ecship-sim: error: invalid --listen '%s': use IPV4ADDRESS:PORT, e.g. 127.0.0.1:0\n", o.listen);
		goto cleanup;
	}
	if (sim_init(&s, o.seed, o.speed) != 0) {
		fprintf(stderr, "ecship-sim: error: out of memory\n");
		rc = 1;
		goto cleanup;
	}
	have_sim = 1;
	s_sim = &s;
	s.region = ship_strdup(o.region);
	s.account = ship_strdup(o.account);
	s.upstream = o.upstream ? ship_strdup(o.upstream) : NULL;
	if (s.upstream) {
		size_t n = strlen(s.upstream);
		while (n > 0 && s.upstream[n - 1] == '/')
			s.upstream[--n] = '\0';
	}
	sim_config_timing(&s, o.timing);
	s.resp_log = open_log("ECSHIP_SIM_RESPONSE_LOG", "response");
	s.req_log = open_log("ECSHIP_SIM_REQUEST_LOG", "request");
	s.cfg.breaker_min = o.breaker_min;
	s.cfg.rate_limits = !o.no_rate_limits;
	s.cfg.upstream_checks = !o.no_upstream_checks;
	for (int i = 0; i < nrules; i++) {
		const char *eq = strchr(rules[i], '=');
		char *match = eq ? ship_strndup(rules[i], (size_t)(eq - rules[i])) : NULL;
		int bad = !match || sim_rule_add(&s.cli_rules, match, eq + 1) != 0;
		ship_free(match);
		if (bad) {
			fprintf(stderr, "ecship-sim: error: invalid --image-rule '%s': use SUBSTRING=BEHAVIOR with one of ok, "
					"exit[:CODE], unhealthy[:STATUS], pull-error, slow-start[:SECONDS], slow-health[:SECONDS], django\n", rules[i]);
			goto cleanup;
		}
	}
	/* Lambda lifecycle hooks' answers by a substring of the function ARN (docs/sim.md) */
	for (int i = 0; i < nhrules; i++) {
		const char *eq = strchr(hrules[i], '=');
		const char *b = eq ? eq + 1 : "";
		if (!eq || eq == hrules[i] || (strcmp(b, "succeed") && strcmp(b, "fail") && strcmp(b, "timeout"))) {
			fprintf(stderr, "ecship-sim: error: invalid --hook-rule '%s': use SUBSTRING=BEHAVIOR with one of "
					"succeed, fail, timeout\n", hrules[i]);
			goto cleanup;
		}
		json_array_append_new(s.cli_hook_rules, json_pack("{s:s%,s:s}", "match", hrules[i], (size_t)(eq - hrules[i]),
								  "behavior", b));
	}
	if (!s.region || !s.account) {
		rc = 1;
		goto cleanup;
	}

	fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	socklen_t slen = sizeof(sa);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &slen) != 0) {
		fprintf(stderr, "ecship-sim: error: cannot listen on '%s': %s; pick another port or use port 0\n",
			o.listen, strerror(errno));
		rc = 1;
		goto cleanup;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction act;
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);

	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
			     on_request, &s, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_URI_LOG_CALLBACK, on_uri, &s,
			     MHD_OPTION_NOTIFY_COMPLETED, on_done, &s, MHD_OPTION_CONNECTION_LIMIT, 256,
			     MHD_OPTION_CONNECTION_TIMEOUT, 60, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "ecship-sim: error: cannot start the HTTP server on '%s'\n", o.listen);
		rc = 1;
		curl_global_cleanup();
		goto cleanup;
	}
	fd = -1; /* the daemon owns it now */
	char addr[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sa.sin_addr, addr, sizeof(addr));
	printf("listening on http://%s:%u\n", addr, (unsigned)ntohs(sa.sin_port));
	if (fflush(stdout) != 0) {
		rc = 1;
		goto stop;
	}
	fprintf(stderr, "ecship-sim: region %s, account %s, speed %g, seed %llu%s%s\n", s.region, s.account, s.speed,
		o.seed, s.upstream ? ", upstream " : "", s.upstream ? s.upstream : "");

	while (!s_stop) {
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&s.lock);
		sim_sync(&s);
		pthread_mutex_unlock(&s.lock);
	}
	rc = 0;
stop:
	MHD_stop_daemon(d);
	curl_global_cleanup();
cleanup:
	if (fd >= 0)
		close(fd);
	if (have_sim && s.resp_log)
		fclose(s.resp_log);
	if (have_sim && s.req_log)
		fclose(s.req_log);
	s_sim = NULL;
	if (have_sim)
		sim_release(&s);
	ship_free(rules);
	ship_free(hrules);
	return rc;
}
