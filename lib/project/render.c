/*
 * render.c: config + definition files -> validated RegisterTaskDefinition and CreateService
 * input for one service (see render.h). Problems from both files are reported together.
 * Depends on tpl_json.c, taskdef.c, validate.c, vars.c, diag.c; no AWS calls of its own.
 */
#include <string.h>

#include "ecship/render.h"

void ship_rendered_release(struct ship_rendered *r)
{
	if (!r)
		return;
	json_decref(r->task_definition);
	json_decref(r->service_definition);
	r->task_definition = r->service_definition = NULL;
}

/* Loads one definition file; a user error is recorded in diags so the next file still runs. */
static json_t *load(struct ship_tpl *t, const char *path, int service, struct ship_diags *diags,
		    struct ship_err *err, int *user_errors)
{
	struct ship_err e = SHIP_ERR_INIT;
	size_t before = ship_diags_count(diags, SHIP_SEV_ERROR);
	json_t *doc = ship_tpl_render_json_file(t, path, &e), *out;
	if (!doc) {
		if (e.code != SHIP_ERR_INPUT) {
			*err = e;
			return NULL;
		}
		/* template problems are in diags already; parse and read errors are not */
		if (ship_diags_count(diags, SHIP_SEV_ERROR) == before)
			ship_diags_add(diags, SHIP_SEV_ERROR, NULL, 0, 0,
				       service ? "check 'service_definition' in ecship.yml"
					       : "check 'task_definition' in ecship.yml",
				       "%s", e.message);
		*user_errors = 1;
		return NULL;
	}
	out = service ? ship_servicedef_prepare(doc, path, diags, &e)
		      : ship_taskdef_prepare(doc, path, diags, &e);
	json_decref(doc);
	if (!out) {
		ship_diags_add(diags, SHIP_SEV_ERROR, NULL, 0, 0, NULL, "%s", e.message);
		*user_errors = 1;
	}
	return out;
}

int ship_render_service(const struct ship_config *cfg, const struct ship_config_service *svc,
			const struct ship_render_options *opt, struct ship_vars *vars,
			struct ship_diags *diags, struct ship_rendered *out, struct ship_err *err)
{
	struct ship_tpl t = {ship_vars_resolve, vars, diags, NULL, NULL, NULL, 0, 0};
	struct ship_render_options none = {NULL, NULL, 0};
	int user_errors = 0;
	json_t *td = NULL, *sd = NULL;

	(void)cfg;
	memset(out, 0, sizeof(*out));
	if (!opt)
		opt = &none;
	if (!svc->task_definition)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "service '%s' has no task_definition in the config",
				    svc->name ? svc->name : "?");
	ship_err_clear(err);
	td = load(&t, svc->task_definition, 0, diags, err, &user_errors);
	if (!td && err->code != SHIP_ERR_NONE)
		goto fail;
	if (svc->service_definition) {
		sd = load(&t, svc->service_definition, 1, diags, err, &user_errors);
		if (!sd && err->code != SHIP_ERR_NONE)
			goto fail;
	}
	if (user_errors)
		goto input;
	if (sd) {
		const char *name = json_string_value(json_object_get(sd, "serviceName"));
		if (!name && svc->name) {
			if (json_object_set_new(sd, "serviceName", json_string(svc->name))) {
				ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
				goto fail;
			}
		} else if (name && svc->name && strcmp(name, svc->name) != 0) {
			ship_diags_add(diags, SHIP_SEV_ERROR, svc->service_definition, 0, 0,
				       "make them the same: the service name is fixed, and ecship "
				       "never creates a second service",
				       "serviceName '%s' differs from service '%s' in the config",
				       name, svc->name);
			goto input;
		}
	}
	if (opt->image || opt->tag) {
		struct ship_err e = SHIP_ERR_INIT;
		if (ship_taskdef_set_image(td, sd, opt->image, opt->tag, diags, &e)) {
			if (e.code != SHIP_ERR_INPUT) {
				*err = e;
				goto fail;
			}
			ship_diags_add(diags, SHIP_SEV_ERROR, NULL, 0, 0, NULL, "%s", e.message);
			goto input;
		}
	}
	if (!opt->no_validate && ship_taskdef_validate(td, sd, svc->task_definition, diags))
		goto input;
	out->task_definition = td;
	out->service_definition = sd;
	return 0;
input:
	if (!ship_diags_to_err(diags, err))
		ship_err_set(err, SHIP_ERR_INPUT, "the definitions have errors");
fail:
	json_decref(td);
	json_decref(sd);
	return -1;
}
