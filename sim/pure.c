/*
 * pure.c: Django host matching, the Fargate size table, behaviour names and rollout arithmetic
 * for the simulator (see pure.h). No state and no I/O: libc and lib/util only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pure.h"

/* ---- Django ------------------------------------------------------------------------------------ */

static int lower_ch(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Django's host_validation_re: ^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9\.:]+\])(:[0-9]+)?$ (on lowercase) */
int sim_django_split_host(const char *host, char *out, size_t n)
{
	char h[256];
	size_t len = strlen(host);
	if (n == 0)
		return -1;
	out[0] = '\0';
	if (len == 0 || len >= sizeof(h))
		return -1;
	for (size_t i = 0; i <= len; i++)
		h[i] = (char)lower_ch((unsigned char)host[i]);
	size_t dom_end;
	if (h[0] == '[') {
		char *close = strchr(h, ']');
		if (!close || close == h + 1)
			return -1;
		int colon = 0;
		for (char *p = h + 1; p < close; p++) {
			if (*p == ':')
				colon = 1;
			else if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '.'))
				return -1;
		}
		if (!colon)
			return -1;
		dom_end = (size_t)(close - h) + 1;
	} else {
		dom_end = 0;
		while (h[dom_end] && h[dom_end] != ':') {
			char c = h[dom_end];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
				return -1;
			dom_end++;
		}
		if (dom_end == 0)
			return -1;
	}
	if (h[dom_end] == ':') {
		const char *p = h + dom_end + 1;
		if (!*p)
			return -1;
		for (; *p; p++)
			if (*p < '0' || *p > '9')
				return -1;
	} else if (h[dom_end]) {
		return -1;
	}
	/* an IPv6 literal keeps its brackets and has no port split in Django's sense */
	size_t dlen = dom_end;
	if (h[0] != '[' && dlen > 0 && h[dlen - 1] == '.')
		dlen--;
	if (dlen + 1 > n)
		return -1;
	memcpy(out, h, dlen);
	out[dlen] = '\0';
	return 0;
}

int sim_django_pattern_admits(const char *pattern, const char *domain)
{
	char p[256];
	size_t plen = strlen(pattern), dlen = strlen(domain);
	if (plen == 0 || plen >= sizeof(p))
		return 0;
	if (strcmp(pattern, "*") == 0)
		return 1;
	for (size_t i = 0; i <= plen; i++)
		p[i] = (char)lower_ch((unsigned char)pattern[i]);
	if (p[0] == '.') {
		/* ".example.com" admits example.com and any subdomain */
		if (strcmp(domain, p + 1) == 0)
			return 1;
		return dlen >= plen && strcmp(domain + dlen - plen, p) == 0;
	}
	return strcmp(p, domain) == 0;
}

int sim_django_host_allowed(const char *env, const char *host_header, int debug)
{
	char domain[256];
	if (sim_django_split_host(host_header, domain, sizeof(domain)) != 0 || !domain[0])
		return 0;
	const char *p = env ? env : "";
	int any = 0;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n')
			p++;
		size_t n = strcspn(p, ", \t\n");
		if (n == 0)
			break;
		char pat[256];
		if (n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			/* tolerate a Python-list spelling: ['a', "b"] */
			char *s = pat;
			if (s[0] == '[' && (s[1] == '\'' || s[1] == '"'))
				s++;
			size_t sl = strlen(s);
			if (sl > 1 && s[sl - 1] == ']' && (s[sl - 2] == '\'' || s[sl - 2] == '"'))
				s[--sl] = '\0';
			while (*s == '\'' || *s == '"')
				s++;
			sl = strlen(s);
			while (sl > 0 && (s[sl - 1] == '\'' || s[sl - 1] == '"'))
				s[--sl] = '\0';
			if (*s) {
				any = 1;
				if (sim_django_pattern_admits(s, domain))
					return 1;
			}
		}
		p += n;
	}
	if (!any && debug) {
		static const char *const defaults[] = {".localhost", "127.0.0.1", "[::1]"};
		for (size_t i = 0; i < 3; i++)
			if (sim_django_pattern_admits(defaults[i], domain))
				return 1;
	}
	return 0;
}

void sim_django_reject_message(const char *host_header, struct ship_buf *out)
{
	char domain[256];
	ship_buf_addf(out, "Invalid HTTP_HOST header: '%s'.", host_header);
	if (sim_django_split_host(host_header, domain, sizeof(domain)) == 0 && domain[0])
		ship_buf_addf(out, " You may need to add '%s' to ALLOWED_HOSTS.", domain);
	else
		ship_buf_adds(out, " The domain name provided is not valid according to RFC 1034/1035.");
}

/* ---- Fargate ----------------------------------------------------------------------------------- */

/* "<number>[ <unit>]" with the unit compared case-insensitively; *has_unit tells whether given. */
static int parse_quantity(const char *s, const char *unit, double *v, int *has_unit)
{
	char *end;
	if (!s || !*s)
		return -1;
	double d = strtod(s, &end);
	if (end == s || !(d > 0) || d > 1e7)
		return -1;
	while (*end == ' ')
		end++;
	*has_unit = 0;
	if (*end) {
		if (ship_strcasecmp(end, unit) != 0)
			return -1;
		*has_unit = 1;
	}
	*v = d;
	return 0;
}

int sim_parse_cpu(const char *s, long *units)
{
	double d;
	int unit;
	if (parse_quantity(s, "vcpu", &d, &unit) != 0)
		return -1;
	if (unit)
		d *= 1024;
	else if (d != floor(d))
		return -1;
	if (d != floor(d) || d < 1)
		return -1;
	*units = (long)d;
	return 0;
}

int sim_parse_memory(const char *s, long *mib)
{
	double d;
	int unit;
	if (parse_quantity(s, "gb", &d, &unit) != 0)
		return -1;
	if (unit)
		d *= 1024;
	if (d != floor(d) || d < 1)
		return -1;
	*mib = (long)d;
	return 0;
}

int sim_fargate_combo_ok(long cpu, long mem)
{
	static const struct {
		long cpu, lo, hi, step;
	} table[] = {
	    {256, 512, 2048, 0},        /* 512, 1024, 2048 */
	    {512, 1024, 4096, 1024},    {1024, 2048, 8192, 1024},     {2048, 4096, 16384, 1024},
	    {4096, 8192, 30720, 1024},  {8192, 16384, 61440, 4096},   {16384, 32768, 122880, 8192},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].cpu != cpu)
			continue;
		if (table[i].step == 0)
			return mem == 512 || mem == 1024 || mem == 2048;
		return mem >= table[i].lo && mem <= table[i].hi && (mem - table[i].lo) % table[i].step == 0;
	}
	return 0;
}

/* ---- behaviours -------------------------------------------------------------------------------- */

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
};

int sim_behavior_parse(const char *s, struct sim_behavior *out)
{
	if (!s)
		return -1;
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	for (size_t i = 0; i < sizeof(s_behaviors) / sizeof(s_behaviors[0]); i++) {
		if (strlen(s_behaviors[i].name) != n || ship_strncasecmp(s, s_behaviors[i].name, n) != 0)
			continue;
		out->kind = s_behaviors[i].kind;
		out->code = s_behaviors[i].default_code;
		if (colon) {
			long v;
			long lo = out->kind == SIM_B_UNHEALTHY ? 100 : 0;
			long hi = out->kind == SIM_B_UNHEALTHY ? 599 : (out->kind == SIM_B_EXIT ? 255 : 86400);
			if (!s_behaviors[i].takes_code || ship_parse_long(colon + 1, lo, hi, &v) != 0)
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

/* ---- rollout ----------------------------------------------------------------------------------- */

int sim_breaker_threshold(int desired, int min_threshold)
{
	int t = (desired + 1) / 2; /* ceil(0.5 * desired) */
	if (min_threshold < 1)
		min_threshold = 1;
	if (t < min_threshold)
		t = min_threshold;
	if (t > 200)
		t = 200;
	return t;
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
		      int new_active, int new_healthy, int launch_allowed, struct sim_rollout_step *out)
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
