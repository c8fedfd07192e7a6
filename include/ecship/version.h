/*
 * version.h: ecship's version and the versions of the libraries it runs on, for `ecship
 * version` and bug reports.
 */
#ifndef ECSHIP_VERSION_H
#define ECSHIP_VERSION_H

struct ship_versions {
	const char *ecship;
	const char *git_rev;
	const char *libcurl;
	const char *tls; /* TLS backend of libcurl */
	const char *openssl;
	const char *jansson;
	const char *libyaml;
	const char *libxml2;
};

void ship_versions_get(struct ship_versions *v);

#endif
