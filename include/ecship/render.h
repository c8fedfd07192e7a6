/*
 * render.h: the pure part of a deploy: render one service's task and service definitions from
 * the config (variables, read-only fields dropped, --image/--tag applied) and validate them, so
 * nothing reaches AWS unless it is well-formed. The AWS side (deploy.h) builds on this.
 * No AWS calls here, except through the caller's variable callbacks.
 * Depends on config.h, taskdef.h, template.h, vars.h, diag.h.
 */
#ifndef ECSHIP_RENDER_H
#define ECSHIP_RENDER_H

#include <jansson.h>

#include "ecship/config.h"
#include "ecship/diag.h"
#include "ecship/taskdef.h"
#include "ecship/template.h"
#include "ecship/vars.h"

struct ship_render_options {
	const char *image; /* --image URI, or NULL */
	const char *tag;   /* --tag TAG, or NULL */
	int no_validate;   /* skip ship_taskdef_validate (e.g. to print a broken definition) */
	/* botocore's ECS model, parsed once for every service of a project (ship_ecs_model_new);
	 * NULL: each render parses its own */
	const struct ship_ecs_model *model;
};

struct ship_rendered {
	json_t *task_definition;    /* RegisterTaskDefinition input */
	json_t *service_definition; /* CreateService input; NULL when the config names none */
};

/*
 * Renders and validates the definitions of service svc of cfg. Before calling, set the image
 * variables with ship_vars_set_image(vars, opt->image, opt->tag) (ideally before loading the
 * config, which may use them too). Every unresolved variable in both files is reported, not
 * only the first. Notes (dropped fields, the new image) and warnings go to diags as well.
 * 0 ok; -1 with err: SHIP_ERR_INPUT for anything the user must fix (details in diags), or a
 * resolver failure's own code.
 */
int ship_render_service(const struct ship_config *cfg, const struct ship_config_service *svc,
			const struct ship_render_options *opt, struct ship_vars *vars,
			struct ship_diags *diags, struct ship_rendered *out, struct ship_err *err);
void ship_rendered_release(struct ship_rendered *r); /* accepts a released or zeroed struct */

#endif
