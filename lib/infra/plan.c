/*
 * plan.c: the pure decisions behind `ecship infra`: stack parameters, the capabilities a
 * template needs, the deterministic change set name, whether a deploy creates a VPC, what a
 * stack status means, and how "no changes" reads in real CloudFormation and in moto.
 * No AWS calls, no I/O: everything here is unit-tested from tables. Depends on util, OpenSSL.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "ecship/i18n.h"
#include "ecship/infra.h"

const char *const ship_infra_existing_subnet_params[4] = {
    "ExistingPublicSubnet1Id", "ExistingPublicSubnet2Id", "ExistingPrivateSubnet1Id",
    "ExistingPrivateSubnet2Id"};

/* ---- parameters ------------------------------------------------------------------------------ */

void ship_kvs_release(struct ship_kvs *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		ship_free(l->v[i].key);
		ship_free(l->v[i].value);
	}
	ship_free(l->v);
	l->v = NULL;
	l->n = 0;
}

int ship_kvs_set(struct ship_kvs *l, const char *key, const char *value)
{
	char *v = ship_strdup(value ? value : "");
	if (!v)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].key, key)) {
			ship_free(l->v[i].value);
			l->v[i].value = v;
			return 0;
		}
	}
	char *k = ship_strdup(key);
	struct ship_kv *nv = k ? ship_realloc(l->v, (l->n + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		ship_free(k);
		ship_free(v);
		return -1;
	}
	l->v = nv;
	l->v[l->n].key = k;
	l->v[l->n].value = v;
	l->n++;
	return 0;
}

int ship_kvs_set_arg(struct ship_kvs *l, const char *arg, struct ship_err *err)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    _("invalid parameter '%s': expected KEY=VALUE, e.g. "
				    "EnableNatGateway=false"),
				    arg);
	char *key = ship_strndup(arg, (size_t)(eq - arg));
	if (!key || ship_kvs_set(l, key, eq + 1)) {
		ship_free(key);
		return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
	}
	ship_free(key);
	return 0;
}

const char *ship_kvs_get(const struct ship_kvs *l, const char *key)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return l->v[i].value;
	return NULL;
}

/* ---- template scanning --------------------------------------------------------------------- */

static int ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Finds word in s as a whole token (no identifier char around it, no ":" before it). */
static const char *find_token(struct ship_str s, const char *word, size_t from)
{
	size_t wl = strlen(word);
	for (size_t i = from; wl && i + wl <= s.len; i++) {
		if (memcmp(s.p + i, word, wl))
			continue;
		char before = i ? s.p[i - 1] : ' ';
		char after = i + wl < s.len ? s.p[i + wl] : ' ';
		if (ident_char(before) || before == ':' || ident_char(after))
			continue;
		return s.p + i;
	}
	return NULL;
}

/* Whether word occurs as a mapping key: the token followed by an optional quote and ':'. */
static int has_key(struct ship_str s, const char *word)
{
	size_t from = 0;
	const char *at;
	while ((at = find_token(s, word, from))) {
		size_t i = (size_t)(at - s.p) + strlen(word);
		if (i < s.len && (s.p[i] == '"' || s.p[i] == '\''))
			i++;
		while (i < s.len && (s.p[i] == ' ' || s.p[i] == '\t'))
			i++;
		if (i < s.len && s.p[i] == ':')
			return 1;
		from = (size_t)(at - s.p) + 1;
	}
	return 0;
}

int ship_infra_template_has_type(struct ship_str body, const char *type)
{
	return find_token(body, type, 0) != NULL;
}

int ship_infra_template_has_parameter(struct ship_str body, const char *name)
{
	return has_key(body, name);
}

unsigned ship_infra_capabilities(struct ship_str body)
{
	static const char *const named[] = {"RoleName", "UserName", "GroupName",
					    "ManagedPolicyName", "InstanceProfileName"};
	unsigned caps = 0;
	/* "AWS::IAM::Role": the token check would stop at the "::", so search the prefix */
	for (size_t i = 0; i + 10 <= body.len; i++) {
		if (!memcmp(body.p + i, "AWS::IAM::", 10)) {
			caps |= SHIP_CAP_IAM;
			break;
		}
	}
	if (caps & SHIP_CAP_IAM)
		for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
			if (has_key(body, named[i]))
				caps |= SHIP_CAP_NAMED_IAM;
	if (has_key(body, "Transform"))
		caps |= SHIP_CAP_AUTO_EXPAND;
	return caps;
}

int ship_infra_creates_vpc(struct ship_str body, const struct ship_kvs *params)
{
	if (!ship_infra_template_has_type(body, "AWS::EC2::VPC"))
		return 0;
	if (!ship_infra_template_has_parameter(body, SHIP_INFRA_EXISTING_VPC))
		return 1;
	const char *v = ship_kvs_get(params, SHIP_INFRA_EXISTING_VPC);
	return !v || !*v;
}

size_t ship_infra_missing_subnet_params(const struct ship_kvs *params, char *missing, size_t size)
{
	const char *vpc = ship_kvs_get(params, SHIP_INFRA_EXISTING_VPC);
	size_t n = 0, len = 0;
	if (size)
		missing[0] = '\0';
	if (!vpc || !*vpc)
		return 0;
	for (size_t i = 0; i < 4; i++) {
		const char *v = ship_kvs_get(params, ship_infra_existing_subnet_params[i]);
		if (v && *v)
			continue;
		if (len < size) {
			int w = snprintf(missing + len, size - len, "%s%s", n ? ", " : "",
					 ship_infra_existing_subnet_params[i]);
			len += w > 0 ? (size_t)w : 0;
		}
		n++;
	}
	return n;
}

/* ---- change set names ---------------------------------------------------------------------- */

static int kv_cmp(const void *a, const void *b)
{
	const struct ship_kv *const *x = a, *const *y = b;
	return strcmp((*x)->key, (*y)->key);
}

/* The stack part of a change set name: [A-Za-z0-9-], at most 104 characters. */
static size_t stack_part(const char *stack, char *out, size_t size)
{
	size_t n = 0;
	for (const char *p = stack; *p && n < 104 && n + 1 < size; p++)
		out[n++] = (ident_char(*p) && *p != '_') || *p == '-' ? *p : '-';
	out[n] = '\0';
	return n;
}

int ship_infra_changeset_name(const char *stack, struct ship_str body,
			      const struct ship_kvs *params, char *out, size_t size)
{
	const struct ship_kv **sorted = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1], part[105];
	int rc = -1;
	size_t n = params ? params->n : 0;
	EVP_MD_CTX *md_ctx = EVP_MD_CTX_new();

	if (!md_ctx || size < SHIP_CHANGESET_NAME_MAX)
		goto cleanup;
	if (n) {
		sorted = ship_calloc(n, sizeof(*sorted));
		if (!sorted)
			goto cleanup;
		for (size_t i = 0; i < n; i++)
			sorted[i] = &params->v[i];
		qsort(sorted, n, sizeof(*sorted), kv_cmp);
	}
	if (!EVP_DigestInit_ex(md_ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(md_ctx, body.p, body.len) || !EVP_DigestUpdate(md_ctx, "", 1))
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		if (!EVP_DigestUpdate(md_ctx, sorted[i]->key, strlen(sorted[i]->key)) ||
		    !EVP_DigestUpdate(md_ctx, "=", 1) ||
		    !EVP_DigestUpdate(md_ctx, sorted[i]->value, strlen(sorted[i]->value)) ||
		    !EVP_DigestUpdate(md_ctx, "", 1))
			goto cleanup;
	}
	if (!EVP_DigestFinal_ex(md_ctx, md, &mdlen) || mdlen < 8)
		goto cleanup;
	ship_hex(md, 8, hex);
	stack_part(stack, part, sizeof(part));
	snprintf(out, size, "ecship-%s-%s", part, hex);
	rc = 0;
cleanup:
	EVP_MD_CTX_free(md_ctx);
	ship_free(sorted);
	return rc;
}

int ship_infra_changeset_is_ours(const char *stack, const char *name)
{
	char part[105];
	size_t pl = stack_part(stack, part, sizeof(part));
	if (strncmp(name, "ecship-", 7) || strncmp(name + 7, part, pl) || name[7 + pl] != '-')
		return 0;
	const char *h = name + 7 + pl + 1;
	if (strlen(h) != 16)
		return 0;
	for (; *h; h++)
		if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
			return 0;
	return 1;
}

/* ---- statuses ------------------------------------------------------------------------------ */

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

enum ship_stack_class ship_stack_classify(const char *status)
{
	if (!status || !*status)
		return SHIP_STACK_CLASS_UNKNOWN;
	if (!strcmp(status, "REVIEW_IN_PROGRESS"))
		return SHIP_STACK_CLASS_REVIEW;
	if (ends_with(status, "_IN_PROGRESS"))
		return SHIP_STACK_CLASS_BUSY;
	if (!strcmp(status, "DELETE_COMPLETE"))
		return SHIP_STACK_CLASS_DELETED;
	if (!strcmp(status, "UPDATE_ROLLBACK_COMPLETE") ||
	    !strcmp(status, "IMPORT_ROLLBACK_COMPLETE"))
		return SHIP_STACK_CLASS_ROLLED_BACK;
	if (!strcmp(status, "ROLLBACK_COMPLETE") || ends_with(status, "_FAILED"))
		return SHIP_STACK_CLASS_DEAD;
	if (!strcmp(status, "CREATE_COMPLETE") || !strcmp(status, "UPDATE_COMPLETE") ||
	    !strcmp(status, "IMPORT_COMPLETE"))
		return SHIP_STACK_CLASS_OK;
	return SHIP_STACK_CLASS_UNKNOWN;
}

/* Case-insensitive substring search (ASCII). */
static int contains_ci(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);
	for (; hay && *hay; hay++)
		if (!ship_strncasecmp(hay, needle, nl))
			return 1;
	return 0;
}

int ship_infra_is_no_changes(const char *reason)
{
	return reason && (contains_ci(reason, "didn't contain changes") ||
			  contains_ci(reason, "does not contain changes") ||
			  contains_ci(reason, "no updates are to be performed"));
}

/* The base stack's foundations: replacing or deleting one takes every service down with it. */
static const char *const s_foundations[] = {"AWS::EC2::VPC", "AWS::EC2::Subnet",
					    "AWS::ElasticLoadBalancingV2::LoadBalancer",
					    "AWS::ECS::Cluster", NULL};

const char *ship_change_destroys(const struct ship_change *c)
{
	if (!c->action || !c->type)
		return NULL;
	int removed = strcmp(c->action, "Remove") == 0;
	/* ResourceChange.Replacement: True, or Conditional (it may be, depending on values only
	 * known at execution) — both count (CloudFormation API reference, ResourceChange) */
	int replaced = strcmp(c->action, "Modify") == 0 && c->replacement &&
		       (strcmp(c->replacement, "True") == 0 ||
			strcmp(c->replacement, "Conditional") == 0);
	if (!removed && !replaced)
		return NULL;
	for (size_t i = 0; s_foundations[i]; i++)
		if (strcmp(c->type, s_foundations[i]) == 0)
			return removed ? "deletes" : "replaces";
	return NULL;
}
