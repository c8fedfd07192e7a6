/*
 * restore.c: what a rollback restores besides the task definition (issue 12, item 6): the
 * service settings a deploy changed, recorded before the change (in memory, and as tags on the
 * service for a later `ecship rollback`), ECS's own rollback of a deployment in progress
 * (StopServiceDeployment ROLLBACK), and the UpdateService that puts back what ECS's rollback
 * leaves. Depends on the client (aws.h) and jansson; never prints.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/i18n.h"
#include "ecship/taskdef.h"
#include "private/deploy.h"

/*
 * The members of a service revision: what ECS's rollback (the circuit breaker's, or
 * StopServiceDeployment ROLLBACK) puts back by itself, as it goes back to "the last successful
 * service revision". Every other UpdateService member (the health-check grace period, the
 * deployment configuration, placement, tags and exec options) is the service's, not the
 * revision's, and stays as the failed deploy left it.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-revision.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-revision-property.html
 * (botocore's ServiceRevision shape has the same members)
 */
static const char *const s_revision_members[] = {"taskDefinition",
						 "capacityProviderStrategy",
						 "launchType",
						 "platformVersion",
						 "loadBalancers",
						 "serviceRegistries",
						 "networkConfiguration",
						 "serviceConnectConfiguration",
						 "volumeConfigurations",
						 "vpcLatticeConfigurations",
						 NULL};

static int in_revision(const char *member)
{
	for (size_t i = 0; s_revision_members[i]; i++)
		if (!strcmp(member, s_revision_members[i]))
			return 1;
	return 0;
}

/* The live value of member k: the service's own, else its PRIMARY deployment's (ECS describes
 * Service Connect and volumes there), else NULL. Borrowed. */
static json_t *live_value(const json_t *live, const char *k)
{
	json_t *v = json_object_get(live, k), *d;
	size_t i;
	if (v)
		return v;
	json_array_foreach(json_object_get(live, "deployments"), i, d)
	{
		const char *st = json_string_value(json_object_get(d, "status"));
		if (st && !strcmp(st, "PRIMARY"))
			return json_object_get(d, k);
	}
	return NULL;
}

json_t *ship_restore_config_before(const json_t *live, const json_t *update)
{
	const char *k;
	json_t *v, *out;
	if (!live || !json_object_size(update))
		return NULL;
	if (!(out = json_object()))
		return NULL;
	json_object_foreach((json_t *)update, k, v)
	{
		json_t *was = live_value(live, k), *put;
		if (was)
			put = json_deep_copy(was);
		else if (!(put = ship_ecs_default_value("CreateService", k, live))) {
			/* not set live: what "not set" is for its type */
			if (json_is_array(v))
				put = json_array();
			else if (json_is_boolean(v))
				put = json_false();
			else if (json_is_integer(v))
				put = json_integer(0);
			else
				continue; /* a structure ECS describes back: nothing to send */
		}
		if (!put || json_object_set_new(out, k, put)) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

json_t *ship_restore_outside_revision(const json_t *config)
{
	const char *k;
	json_t *v, *out = NULL;
	json_object_foreach((json_t *)config, k, v)
	{
		if (in_revision(k))
			continue;
		if (!out && !(out = json_object()))
			return NULL;
		json_object_set(out, k, v);
	}
	return out;
}

/* ---- the record as tags ------------------------------------------------------------------- */

/*
 * Tag values take letters, digits, spaces and "_ . : / = + - @", at most 256 characters
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-using-tags.html), so the
 * record is base64 (whose alphabet is inside that set) of the compact JSON, cut into chunks:
 * SHIP_TAG_PREVIOUS_SERVICE holds "N:" and the first chunk, "<key>-2" ... "<key>-N" the others.
 * "0:" records that the deploy changed no service setting.
 */
#define CHUNK 248
#define MAX_CHUNKS 8

static const char s_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(const unsigned char *in, size_t n, struct ship_buf *out)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		ship_buf_addch(out, s_b64[(v >> 18) & 63]);
		ship_buf_addch(out, s_b64[(v >> 12) & 63]);
		ship_buf_addch(out, i + 1 < n ? s_b64[(v >> 6) & 63] : '=');
		ship_buf_addch(out, i + 2 < n ? s_b64[v & 63] : '=');
	}
}

static int b64_decode(const char *in, size_t n, struct ship_buf *out)
{
	unsigned v = 0;
	int bits = 0;
	for (size_t i = 0; i < n && in[i] != '='; i++) {
		const char *p = strchr(s_b64, in[i]);
		if (!p || !in[i])
			return -1;
		v = (v << 6) | (unsigned)(p - s_b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			ship_buf_addch(out, (char)((v >> bits) & 0xff));
		}
	}
	return out->failed ? -1 : 0;
}

static int add_tag(json_t *tags, const char *key, const char *value)
{
	return json_array_append_new(tags, json_pack("{s:s, s:s}", "key", key, "value", value));
}

int ship_restore_config_tags(const json_t *config, json_t *tags)
{
	struct ship_buf enc = SHIP_BUF_INIT(CHUNK * MAX_CHUNKS + 8);
	char *txt =
	    json_object_size(config) ? json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char key[64], value[CHUNK + 16];
	int rc = -1;
	if (txt)
		b64_encode((const unsigned char *)txt, strlen(txt), &enc);
	if (enc.failed)
		goto cleanup; /* longer than MAX_CHUNKS tags: not recorded */
	size_t nchunks = (enc.len + CHUNK - 1) / CHUNK;
	for (size_t i = 0; i < nchunks || i == 0; i++) {
		size_t off = i * CHUNK, len = enc.len - off < CHUNK ? enc.len - off : CHUNK;
		if (i == 0) {
			snprintf(key, sizeof(key), "%s", SHIP_TAG_PREVIOUS_SERVICE);
			snprintf(value, sizeof(value), "%zu:%.*s", nchunks, (int)len,
				 enc.len ? enc.data : "");
		} else {
			snprintf(key, sizeof(key), "%s-%zu", SHIP_TAG_PREVIOUS_SERVICE, i + 1);
			snprintf(value, sizeof(value), "%.*s", (int)len, enc.data + off);
		}
		if (add_tag(tags, key, value))
			goto cleanup;
	}
	rc = 0;
cleanup:
	ship_free(txt);
	ship_buf_release(&enc);
	return rc;
}

static const char *tag_value(const json_t *tags, const char *key)
{
	json_t *t;
	size_t i;
	json_array_foreach((json_t *)tags, i, t)
	{
		const char *k = json_string_value(json_object_get(t, "key"));
		if (k && !strcmp(k, key))
			return json_string_value(json_object_get(t, "value"));
	}
	return NULL;
}

json_t *ship_restore_config_from_tags(const json_t *tags)
{
	const char *first = tag_value(tags, SHIP_TAG_PREVIOUS_SERVICE), *colon;
	struct ship_buf enc = SHIP_BUF_INIT(CHUNK * MAX_CHUNKS + 8);
	struct ship_buf dec = SHIP_BUF_INIT(CHUNK * MAX_CHUNKS + 8);
	json_t *out = NULL;
	char key[64];
	char count[8];
	long n;
	if (!first || !(colon = strchr(first, ':')) || (size_t)(colon - first) >= sizeof(count))
		goto cleanup;
	snprintf(count, sizeof(count), "%.*s", (int)(colon - first), first);
	if (ship_parse_long(count, 1, MAX_CHUNKS, &n))
		goto cleanup; /* "0:" (nothing recorded) too */
	ship_buf_adds(&enc, colon + 1);
	for (long i = 2; i <= n; i++) {
		snprintf(key, sizeof(key), "%s-%ld", SHIP_TAG_PREVIOUS_SERVICE, i);
		const char *v = tag_value(tags, key);
		if (!v)
			goto cleanup; /* a chunk is missing: no record rather than half of one */
		ship_buf_adds(&enc, v);
	}
	if (enc.failed || b64_decode(enc.data, enc.len, &dec))
		goto cleanup;
	out = json_loadb(dec.data, dec.len, JSON_REJECT_DUPLICATES, NULL);
	if (out && !json_is_object(out)) {
		json_decref(out);
		out = NULL;
	}
cleanup:
	ship_buf_release(&enc);
	ship_buf_release(&dec);
	return out;
}

/* ---- the calls ----------------------------------------------------------------------------- */

int ship_restore_stop_rollback(struct ship_aws *aws, const struct ship_call_opts *call,
			       const char *sdep_arn, struct ship_err *err)
{
	json_t *resp = NULL;
	json_t *req =
	    json_pack("{s:s, s:s}", "serviceDeploymentArn", sdep_arn, "stopType", "ROLLBACK");
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "StopServiceDeployment", req, &resp, call, err);
	json_decref(req);
	json_decref(resp);
	if (!r)
		return 1;
	/*
	 * Where ECS cannot roll this deployment back itself, ecship does (UpdateService): an
	 * endpoint without the action (UnknownOperationException, an emulator's 400/404), a
	 * deployment that has finished meanwhile (ConflictException), one ECS no longer knows
	 * (ServiceDeploymentNotFoundException) or a service it does not apply to
	 * (UnsupportedFeatureException). Errors of access, throttling and the network stay errors.
	 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html
	 */
	static const char *const fallback[] = {"UnknownOperationException",
					       "ConflictException",
					       "ServiceDeploymentNotFoundException",
					       "UnsupportedFeatureException",
					       "InvalidAction",
					       "NotImplemented",
					       "InvalidParameterException",
					       NULL};
	for (size_t i = 0; fallback[i]; i++)
		if (!strcmp(err->aws_code, fallback[i])) {
			ship_err_clear(err);
			return 0;
		}
	return -1;
}

int ship_restore_update(struct ship_aws *aws, const struct ship_call_opts *call,
			const char *cluster, const char *service, const json_t *members,
			struct ship_err *err)
{
	json_t *resp = NULL, *req = json_pack("{s:s, s:s}", "cluster", cluster, "service", service);
	if (!req || json_object_update(req, (json_t *)members)) {
		json_decref(req);
		return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
	}
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "UpdateService", req, &resp, call, err);
	json_decref(req);
	json_decref(resp);
	return r;
}

void ship_restore_names(const json_t *members, char *out, size_t n)
{
	struct ship_buf b = SHIP_BUF_INIT(4096);
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)members, k, v)
	{
		(void)v;
		ship_buf_addf(&b, "%s%s", b.len ? ", " : "", k);
	}
	snprintf(out, n, "%s", b.failed ? "settings" : b.data);
	ship_buf_release(&b);
}
