/*
 * vars.h: the standard variable resolver behind ${NAME} and ${cfn:KEY} (see template.h).
 * Order: ENVIRONMENT, IMAGE and IMAGE_TAG when set here (they come from --env, --image, --tag)
 * win; otherwise the process environment; then the built-ins AWS_REGION and AWS_ACCOUNT_ID (the
 * latter fetched through a callback, only when a file uses it, at most once). ${cfn:KEY} asks a
 * callback for an Output of `stack`. No AWS calls happen here. Depends on template.h only.
 */
#ifndef ECSHIP_VARS_H
#define ECSHIP_VARS_H

#include "ecship/template.h"

/* Looks up an environment variable; NULL when unset. */
typedef const char *(*ship_getenv_fn)(void *ctx, const char *name);
/* Appends the account id (STS GetCallerIdentity) to out; 0 ok, -1 with err. */
typedef int (*ship_account_fn)(void *ctx, struct ship_buf *out, struct ship_err *err);
/*
 * Appends Output `key` of CloudFormation stack `stack` to out: 1 found, 0 no such output (a hint
 * such as the list of outputs may go to err->message), -1 failure (err filled).
 */
typedef int (*ship_cfn_output_fn)(void *ctx, const char *stack, struct ship_str key,
				  struct ship_buf *out, struct ship_err *err);

struct ship_vars {
	ship_getenv_fn getenv; /* NULL: getenv(3) */
	void *getenv_ctx;
	ship_account_fn account; /* NULL: AWS_ACCOUNT_ID only from the environment */
	void *account_ctx;
	ship_cfn_output_fn cfn; /* NULL: ${cfn:KEY} is never defined */
	void *cfn_ctx;
	/* built-ins, owned; set with ship_vars_set */
	char *environment, *region, *image, *image_tag, *account_id, *stack;
	int account_tried;
	unsigned used; /* SHIP_VARS_USED_* bits: which lazy values were asked for */
};

#define SHIP_VARS_USED_ACCOUNT 1u
#define SHIP_VARS_USED_CFN 2u

void ship_vars_init(struct ship_vars *v);
void ship_vars_release(struct ship_vars *v);
/*
 * Sets a built-in: "ENVIRONMENT", "AWS_REGION", "AWS_ACCOUNT_ID", "IMAGE", "IMAGE_TAG", or
 * "stack" (the stack ${cfn:KEY} reads). NULL value unsets. 0 ok, -1 out of memory or unknown.
 */
int ship_vars_set(struct ship_vars *v, const char *name, const char *value);
/*
 * From --image and/or --tag: IMAGE = image, IMAGE_TAG = tag, else the image's tag (or digest).
 * An image reference that cannot be parsed is SHIP_ERR_INPUT.
 */
int ship_vars_set_image(struct ship_vars *v, const char *image, const char *tag,
			struct ship_err *err);
/* A ship_var_fn over a struct ship_vars (ctx). */
int ship_vars_resolve(void *ctx, struct ship_str ns, struct ship_str name, struct ship_buf *out,
		      struct ship_err *err);

#endif
