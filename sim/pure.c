/*
 * pure.c: the simulator's pure rules (see pure.h), written from the documentation and NOT from
 * the library: the sim is the independent witness ecship's own rules are tested against, so
 * Django's host matching, the Fargate size table and the circuit-breaker threshold live here a
 * second time. tests/data/ecs-rules.tsv holds the documented cases both must pass. No state, no
 * I/O.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pure.h"

/* ---- Django ------------------------------------------------------------------------------------
 */
/*
 * Django's HttpRequest.get_host() -> validate_host(): the Host header must match
 * host_validation_re = ^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9\.:]+\])(:[0-9]+)?$ (lowercased), the
 * domain loses one trailing dot, then each ALLOWED_HOSTS entry is '*', an exact name, or
 * '.example.com' (the domain and its subdomains). With DEBUG and an empty list Django checks
 * ['.localhost', '127.0.0.1', '[::1]'].
 * https://docs.djangoproject.com/en/5.0/ref/settings/#allowed-hosts
 */

static int host_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static int ipv6_char(int c)
{
	return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9') || c == '.' || c == ':';
}

int sim_django_split_host(const char *host, char *out, size_t n)
{
	if (!n)
		return -1;
	out[0] = '\0';
	size_t len = host ? strlen(host) : 0;
	char lower[256];
	if (len == 0 || len >= sizeof(lower))
		return -1;
	for (size_t i = 0; i <= len; i++)
		lower[i] = (char)tolower((unsigned char)host[i]);
	size_t dom_end; /* one past the domain part */
	if (lower[0] == '[') {
		/* \[[a-f0-9]*:[a-f0-9\.:]+\] : at least one ':' and a character after the first ':'
		 */
		char *close = strchr(lower, ']');
		if (!close)
			return -1;
		char *first_colon = NULL;
		for (char *p = lower + 1; p < close; p++) {
			if (!ipv6_char((unsigned char)*p))
				return -1;
			if (*p == ':' && !first_colon)
				first_colon = p;
		}
		if (!first_colon || first_colon + 1 >= close)
			return -1;
		dom_end = (size_t)(close - lower) + 1;
	} else {
		dom_end = 0;
		while (lower[dom_end] && host_char((unsigned char)lower[dom_end]))
			dom_end++;
		if (dom_end == 0)
			return -1;
	}
	const char *rest = lower + dom_end;
	if (*rest == ':') {
		if (!rest[1])
			return -1;
		for (const char *p = rest + 1; *p; p++)
			if (!isdigit((unsigned char)*p))
				return -1;
	} else if (*rest) {
		return -1;
	}
	size_t dlen = dom_end;
	if (lower[0] != '[' && lower[dlen - 1] == '.')
		dlen--; /* "the FQDN of any entry": one trailing dot is dropped */
	if (dlen >= n)
		return -1;
	memcpy(out, lower, dlen);
	out[dlen] = '\0';
	return 0;
}

int sim_django_pattern_admits(const char *pattern, const char *domain)
{
	if (!pattern || !*pattern || !domain || !*domain)
		return 0;
	if (strcmp(pattern, "*") == 0)
		return 1;
	char pat[256];
	size_t plen = strlen(pattern), dlen = strlen(domain);
	if (plen >= sizeof(pat))
		return 0;
	for (size_t i = 0; i <= plen; i++)
		pat[i] = (char)tolower((unsigned char)pattern[i]);
	if (pat[0] != '.')
		return strcmp(pat, domain) == 0;
	/* is_same_domain: domain == pattern[1:] or domain ends with pattern */
	if (strcmp(domain, pat + 1) == 0)
		return 1;
	return dlen > plen && memcmp(domain + dlen - plen, pat, plen) == 0;
}

/*
 * Splits an ALLOWED_HOSTS environment value into entries: separators are commas and whitespace;
 * quotes and the brackets of a Python list spelling (['a', 'b']) are dropped, an IPv6 literal's
 * brackets kept. Calls fn for each entry until it returns nonzero. Returns the number of entries.
 */
static int each_allowed(const char *env, int (*fn)(const char *entry, void *ctx), void *ctx)
{
	int count = 0;
	const char *p = env ? env : "";
	for (;;) {
		while (*p && (*p == ',' || isspace((unsigned char)*p)))
			p++;
		if (!*p)
			return count;
		size_t n = 0;
		while (p[n] && p[n] != ',' && !isspace((unsigned char)p[n]))
			n++;
		char e[256];
		if (n < sizeof(e)) {
			memcpy(e, p, n);
			e[n] = '\0';
			char *b = e;
			size_t l = n;
			if (b[0] == '[' && (b[1] == '\'' || b[1] == '"')) {
				b++;
				l--;
			}
			if (l && b[l - 1] == ']' && l >= 2 && (b[l - 2] == '\'' || b[l - 2] == '"'))
				b[--l] = '\0';
			while (l && (*b == '\'' || *b == '"')) {
				b++;
				l--;
			}
			while (l && (b[l - 1] == '\'' || b[l - 1] == '"'))
				b[--l] = '\0';
			if (l && strcmp(b, "[") != 0 && strcmp(b, "]") != 0) {
				count++;
				if (fn(b, ctx))
					return count;
			}
		}
		p += n;
	}
}

static int admits_cb(const char *entry, void *ctx)
{
	const char **dom = ctx;
	if (sim_django_pattern_admits(entry, dom[0]))
		dom[1] = entry; /* any non-NULL marks the match */
	return dom[1] != NULL;
}

int sim_django_host_allowed(const char *env, const char *host_header, int debug)
{
	char domain[256];
	if (sim_django_split_host(host_header, domain, sizeof(domain)) != 0 || !domain[0])
		return 0;
	const char *dom[2] = {domain, NULL};
	int n = each_allowed(env, admits_cb, dom);
	if (n == 0 && debug) {
		static const char *const debug_hosts[] = {".localhost", "127.0.0.1", "[::1]"};
		for (size_t i = 0; i < sizeof(debug_hosts) / sizeof(debug_hosts[0]); i++)
			if (sim_django_pattern_admits(debug_hosts[i], domain))
				return 1;
	}
	return dom[1] != NULL;
}

void sim_django_reject_message(const char *host_header, struct ship_buf *out)
{
	char domain[256];
	ship_buf_addf(out, "Invalid HTTP_HOST header: '%s'.", host_header);
	if (sim_django_split_host(host_header, domain, sizeof(domain)) == 0 && domain[0])
		ship_buf_addf(out, " You may need to add '%s' to ALLOWED_HOSTS.", domain);
	else
		ship_buf_adds(out,
			      " The domain name provided is not valid according to RFC 1034/1035.");
}

/* ---- Fargate -----------------------------------------------------------------------------------
 */
/*
 * Task cpu is CPU units or "N vCPU" (x1024), memory MiB or "N GB" (x1024); converted to integers
 * when the task definition is registered. The supported sizes, per cpu: memory from..to in steps.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html
 */
static const struct {
	long cpu, mem_from, mem_to, step;
} s_fargate[] = {
    {256, 512, 512, 512}, /* 0.5 GB, then 1 GB and 2 GB: two more rows */
    {256, 1024, 2048, 1024},	  {512, 1024, 4096, 1024},
    {1024, 2048, 8192, 1024},	  {2048, 4096, 16384, 1024},
    {4096, 8192, 30720, 1024},	  {8192, 16384, 61440, 4096}, /* Linux platform 1.4.0 or later */
    {16384, 32768, 122880, 8192},			      /* Linux platform 1.4.0 or later */
};

static int parse_with_unit(const char *s, const char *unit, long *out)
{
	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -1;
	char *end;
	double v = strtod(s, &end);
	if (end == s || !(v > 0) || v > 1e7)
		return -1;
	while (*end == ' ')
		end++;
	if (*end) {
		size_t ul = strlen(unit);
		if (strlen(end) != ul)
			return -1;
		for (size_t i = 0; i < ul; i++)
			if (tolower((unsigned char)end[i]) != unit[i])
				return -1;
		v *= 1024;
	}
	if (v != floor(v))
		return -1;
	*out = (long)v;
	return 0;
}

int sim_parse_cpu(const char *s, long *units)
{
	return parse_with_unit(s, "vcpu", units);
}

int sim_parse_memory(const char *s, long *mib)
{
	return parse_with_unit(s, "gb", mib);
}

int sim_fargate_combo_ok(long cpu, long mem)
{
	for (size_t i = 0; i < sizeof(s_fargate) / sizeof(s_fargate[0]); i++)
		if (s_fargate[i].cpu == cpu && mem >= s_fargate[i].mem_from &&
		    mem <= s_fargate[i].mem_to &&
		    (mem - s_fargate[i].mem_from) % s_fargate[i].step == 0)
			return 1;
	return 0;
}

/* ---- behaviours --------------------------------------------------------------------------------
 */

static const struct {
	const char *name;
	enum sim_behavior_kind kind;
	int default_code;
	int takes_code;
} s_behaviors[] = {
    {"ok", SIM_B_OK, 0, 0},
    {"exit", SIM_B_EXIT, 1, 1},
    {"unhealthy", SIM_B_UNHEALTHY, 503, 1},
    {"pull-error", SIM_B_PULL_ERROR, 0, 0},
    {"slow-start", SIM_B_SLOW_START, 90, 1},
    {"django", SIM_B_DJANGO, 0, 0},
    {"pull-denied", SIM_B_PULL_DENIED, 0, 0},
    {"secret-error", SIM_B_SECRET_ERROR, 0, 0},
    {"no-log-group", SIM_B_NO_LOG_GROUP, 0, 0},
    {"fail-after", SIM_B_FAIL_AFTER, 120, 1},
    {"slow-health", SIM_B_SLOW_HEALTH, 10, 1},
};

int sim_behavior_parse(const char *s, struct sim_behavior *out)
{
	if (!s)
		return -1;
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	for (size_t i = 0; i < sizeof(s_behaviors) / sizeof(s_behaviors[0]); i++) {
		if (strlen(s_behaviors[i].name) != n ||
		    ship_strncasecmp(s, s_behaviors[i].name, n) != 0)
			continue;
		out->kind = s_behaviors[i].kind;
		out->code = s_behaviors[i].default_code;
		if (colon) {
			long v;
			long lo = out->kind == SIM_B_UNHEALTHY ? 100 : 0;
			long hi = out->kind == SIM_B_UNHEALTHY
				      ? 599
				      : (out->kind == SIM_B_EXIT ? 255 : 86400);
			if (!s_behaviors[i].takes_code ||
			    ship_parse_long(colon + 1, lo, hi, &v) != 0)
				return -1;
			out->code = (int)v;
		}
		return 0;
	}
	return -1;
}

const char *sim_behavior_format(const struct sim_behavior *b, char *buf, size_t n)
{
	for (size_t i = 0; i < sizeof(s_behaviors) / sizeof(s_behaviors[0]); i++) {
		if (s_behaviors[i].kind != b->kind)
			continue;
		if (s_behaviors[i].takes_code)
			snprintf(buf, n, "%s:%d", s_behaviors[i].name, b->code);
		else
			snprintf(buf, n, "%s", s_behaviors[i].name);
		return buf;
	}
	snprintf(buf, n, "ok");
	return buf;
}

/* ---- rollout -----------------------------------------------------------------------------------
 */

/*
 * "The deployment circuit breaker has a minimum threshold of 3 and a maximum threshold of 200
 * and uses ... 0.5 * desired task count" (rounded up).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html
 */
int sim_breaker_threshold(int desired, int min_threshold)
{
	int t = desired / 2 + desired % 2;
	int lo = min_threshold > 0 ? min_threshold : 3;
	if (t < lo)
		t = lo;
	return t > 200 ? 200 : t;
}

int sim_rollout_max_tasks(int desired, int maximum_percent)
{
	long v = (long)desired * maximum_percent / 100;
	return (int)v;
}

int sim_rollout_min_healthy(int desired, int minimum_healthy_percent)
{
	long v = ((long)desired * minimum_healthy_percent + 99) / 100;
	return (int)v;
}

void sim_rollout_plan(int desired, int min_pct, int max_pct, int old_healthy, int old_unhealthy,
		      int new_active, int new_healthy, int launch_allowed,
		      struct sim_rollout_step *out)
{
	int min_healthy = sim_rollout_min_healthy(desired, min_pct);
	int max_tasks = sim_rollout_max_tasks(desired, max_pct);
	out->stop_unhealthy_old = old_unhealthy;
	int spare = old_healthy + new_healthy - min_healthy;
	if (spare < 0)
		spare = 0;
	out->stop_healthy_old = spare < old_healthy ? spare : old_healthy;
	int remaining = old_healthy - out->stop_healthy_old + new_active;
	int start = desired - new_active;
	if (max_tasks - remaining < start)
		start = max_tasks - remaining;
	out->start_new = (launch_allowed && start > 0) ? start : 0;
}

/* ---- deployment strategy limits ------------------------------------------------------------- */

int sim_deploy_limit_ok(const char *field, double value)
{
	static const struct {
		const char *field;
		double lo, hi, step; /* step 1: whole numbers; 0.1: tenths */
	} limits[] = {
	    {"bakeTimeInMinutes", 0, 1440, 1},	     {"stepBakeTimeInMinutes", 0, 1440, 1},
	    {"canaryBakeTimeInMinutes", 0, 1440, 1}, {"stepPercent", 3.0, 100.0, 0.1},
	    {"canaryPercent", 0.1, 100.0, 0.1},	     {"timeoutInMinutes", 1, 20160, 1},
	};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (strcmp(field, limits[i].field) != 0)
			continue;
		double units = value / limits[i].step;
		if (value != value || value < limits[i].lo - 1e-9 || value > limits[i].hi + 1e-9 ||
		    fabs(units - floor(units + 0.5)) > 1e-6)
			return 0;
		return 1;
	}
	return -1;
}
