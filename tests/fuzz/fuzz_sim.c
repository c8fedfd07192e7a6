/*
 * fuzz_sim.c: ecship-sim's request handling (sim_handle: routing, the ECS JSON API, CloudWatch
 * Logs and ELBv2 reads, the control API, faults) on arbitrary requests, without the HTTP server.
 * An input holds up to 4 requests separated by a line "%%", each "METHOD /path?query", header
 * lines "Name: value", an empty line, then the body, so one request can set up what the next
 * uses (a cluster, a task definition, a service, a fault). The model's clock is frozen (speed 0)
 * and /_sim/clock is not called (advancing is a separate, slow path); fault latency is zeroed.
 * The simulator is reset before each input. Checks: no crash, no leak, every answer has a status
 * and a content type, unless the connection is dropped on purpose.
 */
#include <string.h>

#include "../../sim/sim.h"
#include "fuzz_main.h"

static struct sim *sim_get(void)
{
	static struct sim s;
	static int ready;
	if (!ready) {
		if (sim_init(&s, 1, 0) != 0)
			__builtin_trap();
		s.region = ship_strdup("us-east-1");
		s.account = ship_strdup("123456789012");
		ready = 1;
	}
	return &s;
}

static void one(struct sim *s, char *p, size_t n)
{
	struct sim_request rq;
	struct sim_response r;
	struct sim_header hs[16];
	memset(&rq, 0, sizeof(rq));
	char *end = p + n, *nl = memchr(p, '\n', n);
	char *first = p;
	if (nl)
		*nl = '\0';
	p = nl ? nl + 1 : end;
	char *sp = strchr(first, ' ');
	char *uri = sp ? sp + 1 : first;
	if (sp)
		*sp = '\0';
	rq.method = ship_strdup(sp ? first : "POST");
	rq.uri = ship_strdup(*uri ? uri : "/");
	if (!rq.method || !rq.uri)
		goto cleanup;
	char *q = strchr(rq.uri, '?');
	rq.path = q ? ship_strndup(rq.uri, (size_t)(q - rq.uri)) : ship_strdup(rq.uri);
	rq.query = q ? q + 1 : "";
	if (!rq.path || !strncmp(rq.path, "/_sim/clock", 11))
		goto cleanup;
	rq.headers = hs;
	while (p < end && *p != '\n' && rq.nheaders < 16) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl)
			*nl = '\0';
		char *colon = strchr(p, ':');
		if (colon) {
			*colon = '\0';
			hs[rq.nheaders].name = p;
			hs[rq.nheaders].value = colon + 1 + (colon[1] == ' ');
			rq.nheaders++;
		}
		p = nl ? nl + 1 : end;
	}
	if (p < end && *p == '\n')
		p++;
	rq.body = p;
	rq.len = (size_t)(end - p);
	for (struct sim_fault *f = s->faults; f; f = f->next)
		f->latency_ms = 0;
	memset(&r, 0, sizeof(r));
	ship_buf_init(&r.body, (size_t)64 << 20);
	r.status = 500;
	sim_handle(s, &rq, &r);
	if (!r.drop && (r.status < 100 || r.status > 599))
		__builtin_trap();
	for (int i = 0; i < r.nheaders; i++) {
		ship_free(r.headers[i].name);
		ship_free(r.headers[i].value);
	}
	ship_free(r.headers);
	ship_buf_release(&r.body);
cleanup:
	ship_free(rq.method);
	ship_free(rq.uri);
	ship_free(rq.path);
	ship_free(rq.action);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim *s = sim_get();
	struct ship_buf b = SHIP_BUF_INIT(SIM_MAX_BODY * 2);
	if (ship_buf_add(&b, data, size)) {
		ship_buf_release(&b);
		return 0;
	}
	sim_reset(s);
	char *p = b.data, *end = b.data + b.len;
	for (int i = 0; i < 4 && p <= end; i++) {
		char *sep = NULL;
		for (char *x = p; !sep && x + 4 <= end; x++)
			if (!memcmp(x, "\n%%\n", 4))
				sep = x;
		size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);
		one(s, p, n);
		if (!sep)
			break;
		p = sep + 4;
	}
	ship_buf_release(&b);
	return 0;
}
