/*
 * fuzz_taskdef.c: a JSON definition document on arbitrary bytes through the whole pure
 * pipeline: render, prepare (describe output), --tag, validate, normalize (twice: it must be
 * idempotent) and diff against the original. Checks: no crash, no leak, normalize idempotent.
 */
#include <string.h>

#include "ecship/taskdef.h"
#include "ecship/template.h"
#include "fuzz_main.h"

static int var(void *ctx, struct ship_str ns, struct ship_str name, struct ship_buf *out,
	       struct ship_err *err)
{
	(void)ctx;
	(void)ns;
	(void)err;
	return name.len % 3 ? (ship_buf_adds(out, "x:1") ? -1 : 1) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ship_diags d;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_buf diff = SHIP_BUF_INIT(1 << 22);
	ship_diags_init(&d, 20);
	struct ship_tpl t = {var, NULL, &d, NULL, NULL, NULL, 0, 0};
	json_t *doc = ship_tpl_render_json(&t, "td.json", (struct ship_str){(const char *)data, size},
					   &err);
	json_t *td = doc ? ship_taskdef_prepare(doc, "td.json", &d, &err) : NULL;
	if (td) {
		json_t *svc = json_object_get(doc, "service");
		ship_taskdef_set_image(td, json_is_object(svc) ? svc : NULL, NULL, "v2", &d, &err);
		ship_taskdef_validate(td, json_is_object(svc) ? svc : NULL, "td.json", &d);
		json_t *n1 = ship_taskdef_normalize(td);
		json_t *n2 = n1 ? ship_taskdef_normalize(n1) : NULL;
		if (n1 && n2 && !json_equal(n1, n2))
			__builtin_trap();
		if (n1)
			ship_json_diff(td, n1, "a", "b", &diff, &err);
		json_t *s1 = ship_servicedef_normalize(td);
		json_decref(s1);
		json_decref(n1);
		json_decref(n2);
		json_decref(td);
	}
	json_decref(doc);
	ship_buf_release(&diff);
	ship_diags_release(&d);
	return 0;
}
