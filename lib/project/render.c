/*
 * render.c: config + definition files -> validated RegisterTaskDefinition and CreateService
 * input for one service (see render.h). Problems from both files are reported together.
 * Depends on tpl_json.c, taskdef.c, validate.c, vars.c, diag.c; no AWS calls of its own.
 */
#include <string.h>

#include "ecship/render.h"
#include "ecship/strategy.h"
#include "ecship/template.h"

void ship_rendered_release(struct ship_rendered *r)
{
	if (!r)
		return;
	json_decref(r->task_definition);
	json_decref(r->service_definition);
	r->task_definition = r->service_definition = NULL;
}

/*
 * Reads one definition file, once: the checks on the text as written and the render all use this
 * copy. An unreadable file is a user error recorded in diags (so the next file still runs); out of
 * memory is err. Returns 0 when b holds the text.
 */
static int read_definition(const char *path, int service, struct ship_buf *b,
			   struct ship_diags *diags, struct ship_err *err, int *user_errors)
{
	struct ship_err e = SHIP_ERR_INIT;
	if (ship_tpl_read_file(path, b, &e) == 0)
		return 0;
	if (e.code != SHIP_ERR_INPUT) {
		*err = e;
		return -1;
	}
	ship_diags_add(diags, SHIP_SEV_ERROR, NULL, 0, 0,
		       service ? "check 'service_definition' in ecship.yml"
			       : "check 'task_definition' in ecship.yml",
		       "%s", e.message);
	*user_errors = 1;
	return -1;
}

/* Renders and prepares one definition from its text; a user error is recorded in diags so the
 * next file still runs. */
static json_t *load(struct ship_tpl *t, const char *path, struct ship_str text, int service,
		    struct ship_diags *diags, struct ship_err *err, int *user_errors)
{
	struct ship_err e = SHIP_ERR_INIT;
	size_t before = ship_diags_count(diags, SHIP_SEV_ERROR);
	json_t *doc = ship_tpl_render_json(t, path, text, &e), *out;
	if (!doc) {
		if (e.code != SHIP_ERR_INPUT) {
			*err = e;
			return NULL;
		}
		/* template problems are in diags already; parse errors are not */
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

/* The names ecship fills itself (docs/config.md, "Variables"). */
static const char *const s_builtins[] = {"ENVIRONMENT", "AWS_REGION", "AWS_ACCOUNT_ID",
					 "IMAGE_TAG",	"IMAGE",      NULL};

static int allowed(const struct ship_config *cfg, const char *name, size_t n)
{
	for (size_t i = 0; s_builtins[i]; i++)
		if (strlen(s_builtins[i]) == n && memcmp(s_builtins[i], name, n) == 0)
			return 1;
	for (size_t i = 0; cfg && i < cfg->n_variables; i++)
		if (strlen(cfg->variables[i]) == n && memcmp(cfg->variables[i], name, n) == 0)
			return 1;
	return 0;
}

/* ${NAME} in one string of a container's command: an error unless a built-in or listed. */
static size_t scan_command(const struct ship_config *cfg, const char *file, const char *container,
			   const char *field, const char *s, struct ship_diags *diags)
{
	size_t errors = 0;
	for (const char *p = s; (p = strchr(p, '$')) != NULL;) {
		if (p[1] == '$') { /* "$$": a literal '$' (so "$${NAME}" stays for the container) */
			p += 2;
			continue;
		}
		if (p[1] != '{') {
			p++;
			continue;
		}
		const char *name = p + 2;
		size_t n = strcspn(name, ":}");
		p = name + n;
		if (strncmp(name, "cfn:", 4) == 0 || n == 0 || allowed(cfg, name, n))
			continue;
		char hint[600];
		snprintf(hint, sizeof(hint),
			 "write $${%.*s} to leave it to the container, or list it in ecship.yml "
			 "(variables: [%.*s]) to fill it from the environment of the deploy",
			 (int)n, name, (int)n, name);
		ship_diags_add(diags, SHIP_SEV_ERROR, file, 0, 0, hint,
			       "container '%s' %s: '${%.*s}' would be filled from the environment "
			       "of whoever deploys (this machine or the CI runner), not the "
			       "container's",
			       container, field, (int)n, name);
		errors++;
	}
	return errors;
}

/*
 * In a container's command, entryPoint and healthCheck.command, a ${NAME} is meant for the
 * container's shell far more often than for ecship: only built-ins and the names listed under
 * `variables:` are filled there; any other is an error naming both fixes. Read on the file as
 * written, before variables are filled. Returns the number of errors (0 when the text is not
 * UTF-8 JSON: the render reports that).
 */
static size_t check_container_vars(const struct ship_config *cfg, const char *path,
				   struct ship_str text, struct ship_diags *diags)
{
	static const char *const fields[] = {"command", "entryPoint", NULL};
	struct ship_err rerr = SHIP_ERR_INIT;
	json_t *doc = NULL, *c, *x;
	/* a UTF-8 byte-order mark skipped, as the render skips it */
	if (ship_text_utf8(path, &text, &rerr) == 0)
		doc = json_loadb(text.p, text.len, 0, NULL);
	size_t i, k, errors = 0;
	json_t *cds = json_object_get(
	    json_object_get(doc, "taskDefinition") ? json_object_get(doc, "taskDefinition") : doc,
	    "containerDefinitions");
	json_array_foreach(cds, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		for (size_t f = 0; f < 3; f++) {
			json_t *list =
			    f < 2 ? json_object_get(c, fields[f])
				  : json_object_get(json_object_get(c, "healthCheck"), "command");
			json_array_foreach(list, k, x)
			{
				if (json_is_string(x))
					errors +=
					    scan_command(cfg, path, name ? name : "?",
							 f < 2 ? fields[f] : "healthCheck.command",
							 json_string_value(x), diags);
			}
		}
	}
	json_decref(doc);
	return errors;
}

/* Which of ${IMAGE} (1) and ${IMAGE_TAG} (2) the file's text (NUL-terminated) uses, with or
 * without a default. */
static int uses_image_vars(const char *text)
{
	int found = 0;
	for (const char *p = text; (p = strstr(p, "${IMAGE")) != NULL; p += 7) {
		const char *e = p + 7;
		int bit = 1;
		if (strncmp(e, "_TAG", 4) == 0) {
			e += 4;
			bit = 2;
		}
		if ((*e == '}' || *e == ':') && !(p > text && p[-1] == '$'))
			found |= bit;
	}
	return found;
}

int ship_render_service(const struct ship_config *cfg, const struct ship_config_service *svc,
			const struct ship_render_options *opt, struct ship_vars *vars,
			struct ship_diags *diags, struct ship_rendered *out, struct ship_err *err)
{
	struct ship_tpl t = {ship_vars_resolve, vars, diags, NULL, NULL, NULL, 0, 0};
	struct ship_render_options none = {NULL, NULL, 0, NULL};
	int user_errors = 0, uses = 0;
	json_t *td = NULL, *sd = NULL;
	struct ship_buf tdb = SHIP_BUF_INIT(SHIP_TPL_MAX_FILE),
			sdb = SHIP_BUF_INIT(SHIP_TPL_MAX_FILE);

	memset(out, 0, sizeof(*out));
	if (!opt)
		opt = &none;
	if (!svc->task_definition)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "service '%s' has no task_definition in the config",
				    svc->name ? svc->name : "?");
	ship_err_clear(err);
	if (read_definition(svc->task_definition, 0, &tdb, diags, err, &user_errors) == 0) {
		if (check_container_vars(cfg, svc->task_definition, ship_buf_str(&tdb), diags))
			user_errors = 1;
		/* a task definition that writes ${IMAGE} (for --image) or ${IMAGE_TAG} (for --tag)
		 * itself got the image from them: no container to choose */
		if (opt->image || opt->tag)
			uses = uses_image_vars(tdb.data);
		td =
		    load(&t, svc->task_definition, ship_buf_str(&tdb), 0, diags, err, &user_errors);
	}
	if (!td && err->code != SHIP_ERR_NONE)
		goto fail;
	if (svc->service_definition &&
	    read_definition(svc->service_definition, 1, &sdb, diags, err, &user_errors) == 0)
		sd = load(&t, svc->service_definition, ship_buf_str(&sdb), 1, diags, err,
			  &user_errors);
	if (!sd && err->code != SHIP_ERR_NONE)
		goto fail;
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
	if ((opt->image && !(uses & 1)) || (!opt->image && opt->tag && !uses)) {
		struct ship_err e = SHIP_ERR_INIT;
		if (ship_taskdef_set_image_in(td, sd, svc->container, opt->image, opt->tag, diags,
					      &e)) {
			if (e.code != SHIP_ERR_INPUT) {
				*err = e;
				goto fail;
			}
			ship_diags_add(diags, SHIP_SEV_ERROR, NULL, 0, 0, NULL, "%s", e.message);
			goto input;
		}
	}
	if (!opt->no_validate && ship_taskdef_validate(td, sd, svc->task_definition, diags) +
				     (sd ? ship_strategy_validate(sd, svc->service_definition, diags)
					 : 0))
		goto input;
	/* then the requests as they will be sent, against botocore's ECS model */
	if (!opt->no_validate) {
		size_t bad = ship_ecs_model_check_in(opt->model, "RegisterTaskDefinition", td,
						     svc->task_definition, diags);
		json_t *req = sd ? ship_servicedef_request(sd) : NULL;
		if (req && !json_object_get(req, "taskDefinition"))
			json_object_set_new(req, "taskDefinition", json_string("model-check"));
		if (req)
			bad += ship_ecs_model_check_in(opt->model, "CreateService", req,
						       svc->service_definition, diags);
		json_decref(req);
		if (bad)
			goto input;
	}
	out->task_definition = td;
	out->service_definition = sd;
	ship_buf_release(&tdb);
	ship_buf_release(&sdb);
	return 0;
input:
	if (!ship_diags_to_err(diags, err))
		ship_err_set(err, SHIP_ERR_INPUT, "the definitions have errors");
fail:
	json_decref(td);
	json_decref(sd);
	ship_buf_release(&tdb);
	ship_buf_release(&sdb);
	return -1;
}
