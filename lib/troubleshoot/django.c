/*
 * django.c: Django's host validation (see django.h): host_validation_re, split_domain_port,
 * is_same_domain and the '*' wildcard, plus advice for wildcards Django does not understand.
 * Pure: libc and lib/util only; no AWS, no printing.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/django.h"

static char lower_ch(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static int is_hex_or_dot(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '.' || c == ':';
}

/* ^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9\.:]+\])(:[0-9]+)?$ on the lowercased header */
int ship_django_split_host(const char *host, char *out, size_t n)
{
	char h[256];
	size_t len = host ? strlen(host) : 0, end;
	if (!n)
		return -1;
	out[0] = '\0';
	if (!len || len >= sizeof(h))
		return -1;
	for (size_t i = 0; i <= len; i++)
		h[i] = lower_ch(host[i]);
	if (h[0] == '[') {
		const char *close = strchr(h, ']');
		int colon = 0;
		if (!close || close == h + 1)
			return -1;
		for (const char *p = h + 1; p < close; p++) {
			if (!is_hex_or_dot(*p))
				return -1;
			colon |= *p == ':';
		}
		if (!colon)
			return -1;
		end = (size_t)(close - h) + 1;
	} else {
		for (end = 0; h[end] && h[end] != ':'; end++) {
			char c = h[end];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
			      c == '-'))
				return -1;
		}
		if (!end)
			return -1;
	}
	if (h[end] == ':') {
		const char *p = h + end + 1;
		if (!*p)
			return -1;
		for (; *p; p++)
			if (*p < '0' || *p > '9')
				return -1;
	} else if (h[end]) {
		return -1;
	}
	size_t dlen = end;
	if (h[0] != '[' && h[dlen - 1] == '.')
		dlen--;
	if (dlen + 1 > n)
		return -1;
	memcpy(out, h, dlen);
	out[dlen] = '\0';
	return 0;
}

int ship_django_pattern_admits(const char *pattern, const char *domain)
{
	char p[256];
	size_t plen = pattern ? strlen(pattern) : 0, dlen = domain ? strlen(domain) : 0;
	if (!plen || plen >= sizeof(p) || !dlen)
		return 0;
	if (!strcmp(pattern, "*"))
		return 1;
	for (size_t i = 0; i <= plen; i++)
		p[i] = lower_ch(pattern[i]);
	if (p[0] == '.')
		return !strcmp(domain, p + 1) || (dlen > plen && !strcmp(domain + dlen - plen, p));
	return !strcmp(p, domain);
}

size_t ship_django_patterns(const char *env, ship_django_pattern_fn fn, void *ctx)
{
	const char *p = env ? env : "";
	size_t count = 0;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		size_t n = strcspn(p, ", \t\r\n");
		if (!n)
			break;
		char pat[256];
		if (n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			char *s = pat;
			size_t sl;
			/* a Python-list spelling ['a', "b"]: its brackets go with quotes, so an IPv6
			 * literal such as [::1] keeps its own */
			if (s[0] == '[' && (s[1] == '\'' || s[1] == '"'))
				s++;
			while (*s == '\'' || *s == '"')
				s++;
			sl = strlen(s);
			if (sl >= 2 && s[sl - 1] == ']' && (s[sl - 2] == '\'' || s[sl - 2] == '"'))
				s[--sl] = '\0';
			while (sl && (s[sl - 1] == '\'' || s[sl - 1] == '"'))
				s[--sl] = '\0';
			if (*s && strcmp(s, "[") && strcmp(s, "]")) {
				count++;
				if (fn)
					fn(ctx, s);
			}
		}
		p += n;
	}
	return count;
}

struct match_ctx {
	const char *domain;
	char *matched;
	size_t size;
	int found;
};

static void match_one(void *vctx, const char *pattern)
{
	struct match_ctx *m = vctx;
	if (m->found || !ship_django_pattern_admits(pattern, m->domain))
		return;
	m->found = 1;
	if (m->matched)
		snprintf(m->matched, m->size, "%s", pattern);
}

int ship_django_host_allowed(const char *allowed_hosts, const char *host, int debug, char *matched,
			     size_t matched_size)
{
	char domain[256];
	struct match_ctx m = {domain, matched, matched_size, 0};
	if (matched && matched_size)
		matched[0] = '\0';
	if (ship_django_split_host(host, domain, sizeof(domain)) || !domain[0])
		return 0;
	size_t n = ship_django_patterns(allowed_hosts, match_one, &m);
	if (!n && debug) {
		static const char *const defaults[] = {".localhost", "127.0.0.1", "[::1]"};
		for (size_t i = 0; i < 3 && !m.found; i++)
			match_one(&m, defaults[i]);
	}
	return m.found;
}

int ship_django_pattern_advice(const char *pattern, char *out, size_t n)
{
	size_t len = pattern ? strlen(pattern) : 0;
	if (!len || !strcmp(pattern, "*") || !n)
		return -1;
	if (!strchr(pattern, '*'))
		return -1;
	if (!strncmp(pattern, "*.", 2) && len > 2 && !strchr(pattern + 2, '*')) {
		snprintf(out, n, "%s", pattern + 1); /* "*.x" -> ".x" */
		return 0;
	}
	if (pattern[0] == '*' && !strchr(pattern + 1, '*')) {
		snprintf(out, n, ".%s",
			 pattern + 1); /* "*x.com" -> ".x.com", the nearest Django has */
		return 0;
	}
	/* "x.*" or "x*": Django has no suffix wildcard; list the names, or use "*" */
	snprintf(out, n, "the full host names (Django matches no '*' inside a pattern), or '*'");
	return 0;
}
