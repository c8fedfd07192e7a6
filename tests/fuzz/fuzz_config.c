/*
 * fuzz_config.c: ecship.yml loading on arbitrary bytes (libyaml events, the tree, the schema
 * check, overrides, rendering). Every variable is defined except UNSET, so both paths run.
 * Checks: no crash, no leak; a failure is an input error or out of memory, never anything else.
 */
#include <string.h>

#include "ecship/config.h"
#include "fuzz_main.h"

static const char *fake_getenv(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "UNSET") == 0 ? NULL : "v";
}

static int fake_cfn(void *ctx, const char *stack, struct ship_str key, struct ship_buf *out,
		    struct ship_err *err)
{
	(void)ctx;
	(void)stack;
	(void)err;
	return key.len % 2 ? (ship_buf_adds(out, "out") ? -1 : 1) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ship_vars v;
	struct ship_diags d;
	struct ship_err err = SHIP_ERR_INIT;
	ship_vars_init(&v);
	ship_diags_init(&d, 20);
	v.getenv = fake_getenv;
	v.cfn = fake_cfn;
	ship_vars_set(&v, "ENVIRONMENT", size % 2 ? "staging" : "production");
	struct ship_config *c =
	    ship_config_parse("dir/ecship.yml", (struct ship_str){(const char *)data, size}, &v, &d,
			      &err);
	if (!c && err.code != SHIP_ERR_INPUT && err.code != SHIP_ERR_NOMEM)
		__builtin_trap();
	if (c && (c->n_services == 0 || !c->services))
		__builtin_trap();
	ship_config_destroy(c);
	ship_diags_release(&d);
	ship_vars_release(&v);
	return 0;
}
