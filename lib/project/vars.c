/*
 * vars.c: the standard resolver for ${NAME} and ${cfn:KEY} (see vars.h). Lazy values (account
 * id, stack outputs) come from the caller's callbacks, so this file makes no AWS calls.
 * Depends on template.h, taskdef.h (image parsing) and lib/util.
 */
#include <stdlib.h>
#include <string.h>

#include "ecship/taskdef.h"
#include "ecship/vars.h"

void ship_vars_init(struct ship_vars *v) { memset(v, 0, sizeof(*v)); }

void ship_vars_release(struct ship_vars *v)
{
	if (!v)
		return;
	ship_free(v->environment);
	ship_free(v->region);
	ship_free(v->image);
	ship_free(v->image_tag);
	ship_free(v->account_id);
	ship_free(v->stack);
	v->environment = v->region = v->image = v->image_tag = v->account_id = v->stack = NULL;
}

static char **slot(struct ship_vars *v, const char *name)
{
	if (strcmp(name, "ENVIRONMENT") == 0)
		return &v->environment;
	if (strcmp(name, "AWS_REGION") == 0)
		return &v->region;
	if (strcmp(name, "AWS_ACCOUNT_ID") == 0)
		return &v->account_id;
	if (strcmp(name, "IMAGE") == 0)
		return &v->image;
	if (strcmp(name, "IMAGE_TAG") == 0)
		return &v->image_tag;
	if (strcmp(name, "stack") == 0)
		return &v->stack;
	return NULL;
}

int ship_vars_set(struct ship_vars *v, const char *name, const char *value)
{
	char **p = slot(v, name), *copy = NULL;
	if (!p)
		return -1;
	if (value && !(copy = ship_strdup(value)))
		return -1;
	ship_free(*p);
	*p = copy;
	return 0;
}

int ship_vars_set_image(struct ship_vars *v, const char *image, const char *tag,
			struct ship_err *err)
{
	struct ship_image_ref ref;
	char *t = NULL;
	if (tag && !ship_image_tag_valid(ship_str_c(tag)))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "invalid image tag '%s'; a tag is up to 128 letters, digits, "
				    "'_', '.' and '-', not starting with '.' or '-'",
				    tag);
	if (image && ship_image_parse(ship_str_c(image), &ref))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "invalid image '%s'; write REPOSITORY[:TAG][@DIGEST], e.g. "
				    "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app:v1",
				    image);
	if (!tag && image) {
		struct ship_str s = ref.tag.len ? ref.tag : ref.digest;
		if (s.len && !(t = ship_strndup(s.p, s.len)))
			return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	if ((image && ship_vars_set(v, "IMAGE", image)) ||
	    ((tag || t) && ship_vars_set(v, "IMAGE_TAG", tag ? tag : t))) {
		ship_free(t);
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	ship_free(t);
	return 0;
}

/* Appends a value: 1 (defined), or -1 when the buffer is full or memory ran out. */
static int put(struct ship_buf *out, const char *s, struct ship_err *err)
{
	if (ship_buf_adds(out, s))
		return ship_err_set(err, SHIP_ERR_NOMEM, "value is too long or memory ran out");
	return 1;
}

static const char *env_lookup(const struct ship_vars *v, const char *name)
{
	if (v->getenv)
		return v->getenv(v->getenv_ctx, name);
	return getenv(name);
}

int ship_vars_resolve(void *ctx, struct ship_str ns, struct ship_str name, struct ship_buf *out,
		      struct ship_err *err)
{
	struct ship_vars *v = ctx;
	char key[256];
	const char *val;

	if (name.len >= sizeof(key))
		return 0;
	memcpy(key, name.p, name.len);
	key[name.len] = '\0';

	if (ns.len) {
		if (!ship_str_eq_c(ns, "cfn"))
			return 0;
		v->used |= SHIP_VARS_USED_CFN;
		if (!v->stack) {
			ship_err_set(err, SHIP_ERR_INPUT,
				     "no base stack is known here: set 'stack' in ecship.yml (and do "
				     "not use ${cfn:...} in 'stack' or 'region' themselves)");
			return 0;
		}
		if (!v->cfn) {
			ship_err_set(err, SHIP_ERR_INPUT, "stack outputs are not available here");
			return 0;
		}
		return v->cfn(v->cfn_ctx, v->stack, name, out, err);
	}
	/* explicit flags win over the environment */
	if (strcmp(key, "ENVIRONMENT") == 0 && v->environment)
		return put(out, v->environment, err);
	if (strcmp(key, "IMAGE") == 0 && v->image)
		return put(out, v->image, err);
	if (strcmp(key, "IMAGE_TAG") == 0 && v->image_tag)
		return put(out, v->image_tag, err);
	val = env_lookup(v, key);
	if (val)
		return put(out, val, err);
	if (strcmp(key, "AWS_REGION") == 0) {
		if (!v->region)
			return 0;
		return put(out, v->region, err);
	}
	if (strcmp(key, "AWS_ACCOUNT_ID") == 0) {
		v->used |= SHIP_VARS_USED_ACCOUNT;
		if (!v->account_id && v->account && !v->account_tried) {
			struct ship_buf b = SHIP_BUF_INIT(256);
			v->account_tried = 1;
			if (v->account(v->account_ctx, &b, err)) {
				ship_buf_release(&b);
				return -1;
			}
			v->account_id = ship_buf_detach(&b, NULL);
			if (!v->account_id)
				return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		}
		if (!v->account_id) {
			ship_err_set(err, SHIP_ERR_INPUT,
				     "it is read from STS GetCallerIdentity when credentials are "
				     "available");
			return 0;
		}
		return put(out, v->account_id, err);
	}
	return 0;
}
