/*
 * version.c: the versions behind `ecship version`, read from the libraries at run time (what
 * actually runs), not from the headers seen at build time where a run-time call exists.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>
#include <yaml.h>

#include "ecship/version.h"

#ifndef ECSHIP_VERSION
#define ECSHIP_VERSION "0.0.0"
#endif
#ifndef ECSHIP_GIT_REV
#define ECSHIP_GIT_REV "unknown"
#endif

void ship_versions_get(struct ship_versions *v)
{
	const curl_version_info_data *c = curl_version_info(CURLVERSION_NOW);
	v->ecship = ECSHIP_VERSION;
	v->git_rev = ECSHIP_GIT_REV;
	v->libcurl = c->version;
	v->tls = c->ssl_version ? c->ssl_version : "none";
	v->openssl = OpenSSL_version(OPENSSL_VERSION);
	v->jansson = jansson_version_str();
	v->libyaml = yaml_get_version_string();
	v->libxml2 = LIBXML_DOTTED_VERSION;
}
