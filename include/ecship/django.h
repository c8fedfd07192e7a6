/*
 * django.h: Django's ALLOWED_HOSTS rules (django.http.request.validate_host), so `doctor` and
 * the failed-deploy diagnosis can say whether a Host header is admitted, and why not: the
 * runbook's "*.elb.amazonaws.com" admits nothing in Django, which wants ".elb.amazonaws.com".
 * Pure: libc and lib/util only. (ecship-sim carries the same rules in sim/pure.c.)
 */
#ifndef ECSHIP_DJANGO_H
#define ECSHIP_DJANGO_H

#include <stddef.h>

#include "ecship/util.h"

/*
 * Splits a Host header as Django's split_domain_port does: lowercased, port and trailing dot
 * removed. 0 with the domain in out, -1 when Django would call the header invalid.
 */
int ship_django_split_host(const char *host, char *out, size_t n);
/* Whether one ALLOWED_HOSTS pattern admits an (already split) domain: "*", ".example.com"
 * (the domain and its subdomains), or an exact, case-insensitive name. */
int ship_django_pattern_admits(const char *pattern, const char *domain);

/*
 * Whether a Host header is admitted by an ALLOWED_HOSTS environment value (patterns separated
 * by commas and/or whitespace, a Python-list spelling tolerated). With debug and no pattern,
 * Django's defaults apply ('.localhost', '127.0.0.1', '[::1]'). When matched is not NULL it
 * receives the admitting pattern ("" when none).
 */
int ship_django_host_allowed(const char *allowed_hosts, const char *host, int debug, char *matched,
			     size_t matched_size);

/*
 * For a pattern that looks like a shell or regex wildcard Django does not understand ("*.x",
 * "*x", "x*", "x.*"), the pattern Django would need (".x" for "*.x"); 0 with the advice in out,
 * -1 when the pattern is fine as it is.
 */
int ship_django_pattern_advice(const char *pattern, char *out, size_t n);

/* Calls fn for each pattern of an ALLOWED_HOSTS value, in order (quotes and brackets removed). */
typedef void (*ship_django_pattern_fn)(void *ctx, const char *pattern);
size_t ship_django_patterns(const char *allowed_hosts, ship_django_pattern_fn fn, void *ctx);

#endif
