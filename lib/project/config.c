/*
 * config.c: loads ecship.yml (see config.h and docs/config.md): schema check with "did you
 * mean", the per-environment override, rendering of every string value with exact positions,
 * and path resolution. Collects every problem before failing.
 * Depends on yamltree.c, template.c, vars.c, diag.c and lib/util; no AWS calls.
 */
#include <errno.h>
#include <string.h>

#include "ecship/config.h"
#include "ecship/text.h"
#include "private/yamltree.h"

enum ftype { F_STR, F_PATH, F_PRIO, F_STRLIST, F_STRMAP, F_DURATION, F_MAP, F_SERVICES, F_ENVS };

struct field {
	const char *key;
	enum ftype type;
	const struct field *sub;
};

static const struct field s_infra_fields[] = {
    {"template", F_PATH, NULL}, {"parameters", F_STRMAP, NULL}, {NULL, F_STR, NULL}};
static const struct field s_rule_fields[] = {{"priority", F_PRIO, NULL},
					     {"host_headers", F_STRLIST, NULL},
					     {"path_patterns", F_STRLIST, NULL},
					     {NULL, F_STR, NULL}};
static const struct field s_tt_fields[] = {{"metric", F_STR, NULL},
					   {"target", F_STR, NULL},
					   {"scale_in_cooldown", F_DURATION, NULL},
					   {"scale_out_cooldown", F_DURATION, NULL},
					   {"disable_scale_in", F_STR, NULL},
					   {NULL, F_STR, NULL}};
static const struct field s_as_fields[] = {{"min", F_STR, NULL},
					   {"max", F_STR, NULL},
					   {"target_tracking", F_MAP, s_tt_fields},
					   {NULL, F_STR, NULL}};
static const struct field s_service_fields[] = {{"name", F_STR, NULL},
						{"task_definition", F_PATH, NULL},
						{"service_definition", F_PATH, NULL},
						{"container", F_STR, NULL},
						{"autoscaling", F_MAP, s_as_fields},
						{NULL, F_STR, NULL}};
static const struct field s_failfast_fields[] = {{"enabled", F_STR, NULL},
						 {"same_exit", F_STR, NULL},
						 {"failed_health", F_STR, NULL},
						 {NULL, F_STR, NULL}};
static const struct field s_top_fields[] = {
    {"region", F_STR, NULL},
    {"cluster", F_STR, NULL},
    {"service", F_STR, NULL},
    {"task_definition", F_PATH, NULL},
    {"service_definition", F_PATH, NULL},
    {"stack", F_STR, NULL},
    {"infra", F_MAP, s_infra_fields},
    {"listener_rule", F_MAP, s_rule_fields},
    {"autoscaling", F_MAP, s_as_fields},
    {"timeout", F_DURATION, NULL},
    {"fail_fast", F_MAP, s_failfast_fields},
    {"variables", F_STRLIST, NULL},
    {"services", F_SERVICES, s_service_fields},
    {"environments", F_ENVS, NULL},
    {NULL, F_STR, NULL},
};

struct loader {
	struct ship_ydoc doc;
	struct ship_vars *vars;
	struct ship_diags *diags;
	struct ship_err *err;
	struct ship_config *cfg;
	const struct ship_ynode *scalar; /* the one being rendered, for the locator */
	int hard;                        /* a failure that is not the user's input */
	unsigned need;			 /* SHIP_CONFIG_NEED_*: keys whose absence is a problem */
};

/* ---- helpers ------------------------------------------------------------------------------- */

static const char *kind_name(const struct ship_ynode *n)
{
	if (n->kind == SHIP_Y_MAP)
		return "a map";
	if (n->kind == SHIP_Y_SEQ)
		return "a list";
	return "a single value";
}

static void problem(struct loader *L, const struct ship_ynode *at, const char *hint,
		    const char *fmt, const char *a, const char *b)
{
	ship_diags_add(L->diags, SHIP_SEV_ERROR, L->doc.file, at ? at->line : 0,
		       at ? at->column : 0, hint, fmt, a, b);
}

static void yaml_locate(void *ctx, size_t off, unsigned *line, unsigned *column)
{
	struct loader *L = ctx;
	ship_ydoc_locate(&L->doc, L->scalar, off, line, column);
}

/* Renders a scalar into a new string (*out); NULL *out when the scalar is null. */
static int render(struct loader *L, const struct ship_ynode *n, const char *key, char **out)
{
	struct ship_buf b = SHIP_BUF_INIT(SHIP_CONFIG_MAX_FILE);
	struct ship_tpl t = {ship_vars_resolve, L->vars, L->diags, L->doc.file, yaml_locate, L,
			     n->line, n->column};
	*out = NULL;
	if (n->kind != SHIP_Y_SCALAR) {
		problem(L, n, "write one value after the key", "'%s' must be a string, not %s", key,
			kind_name(n));
		return 1;
	}
	if (ship_ynode_is_null(n))
		return 0;
	if (memchr(n->value, '\0', n->len)) {
		problem(L, n, "remove the NUL character", "'%s' contains a NUL character%s", key, "");
		return 1;
	}
	L->scalar = n;
	int r = ship_tpl_expand(&t, (struct ship_str){n->value, n->len}, &b, L->err);
	if (r < 0) {
		L->hard = 1;
		ship_buf_release(&b);
		return -1;
	}
	if (r > 0) {
		ship_buf_release(&b);
		return 1;
	}
	*out = ship_buf_detach(&b, NULL);
	if (!*out) {
		L->hard = 1;
		ship_err_set(L->err, SHIP_ERR_NOMEM, "out of memory");
		return -1;
	}
	return 0;
}

static int resolve_path(struct loader *L, char **p)
{
	if (!*p || (*p)[0] == '/' || strcmp(L->cfg->dir, ".") == 0)
		return 0;
	struct ship_buf b = SHIP_BUF_INIT(0);
	ship_buf_addf(&b, "%s/%s", L->cfg->dir, *p);
	char *r = ship_buf_detach(&b, NULL);
	if (!r) {
		L->hard = 1;
		return ship_err_set(L->err, SHIP_ERR_NOMEM, "out of memory");
	}
	ship_free(*p);
	*p = r;
	return 0;
}

/* A string (or path) value under key in map; stays NULL when absent or null. */
static int get_str(struct loader *L, const struct ship_ynode *map, const char *key, int path,
		   char **out)
{
	const struct ship_ynode *n = ship_ynode_get(map, key);
	if (!n)
		return 0;
	int r = render(L, n, key, out);
	if (r == 0 && path && *out && !**out) {
		problem(L, n, "give a file name or remove the key", "'%s' is empty%s", key, "");
		ship_freep(out);
		return 1;
	}
	if (r == 0 && path)
		return resolve_path(L, out);
	return r;
}

static int get_list(struct loader *L, const struct ship_ynode *map, const char *key,
		    char ***out, size_t *n_out)
{
	const struct ship_ynode *n = ship_ynode_get(map, key);
	if (!n || ship_ynode_is_null(n))
		return 0;
	if (n->kind == SHIP_Y_SCALAR) {
		problem(L, n, "write a list: [a.example.com, b.example.com]",
			"'%s' must be a list, not %s", key, kind_name(n));
		return 1;
	}
	if (n->kind != SHIP_Y_SEQ) {
		problem(L, n, "write a list: [a.example.com, b.example.com]",
			"'%s' must be a list, not %s", key, kind_name(n));
		return 1;
	}
	*out = ship_calloc(n->n ? n->n : 1, sizeof(char *));
	if (!*out) {
		L->hard = 1;
		return ship_err_set(L->err, SHIP_ERR_NOMEM, "out of memory");
	}
	int rc = 0;
	for (size_t i = 0; i < n->n; i++) {
		char *s = NULL;
		int r = render(L, n->kids[i], key, &s);
		if (r < 0)
			return -1;
		if (r == 0 && s)
			(*out)[(*n_out)++] = s;
		rc |= r;
	}
	return rc;
}

/* ---- schema check -------------------------------------------------------------------------- */

static void unknown_key(struct loader *L, const struct ship_ynode *k, const struct field *fields)
{
	const char *names[32];
	size_t n = 0;
	struct ship_buf hint = SHIP_BUF_INIT(1024);
	for (; n < 31 && fields[n].key; n++)
		names[n] = fields[n].key;
	names[n] = NULL;
	const char *s = ship_suggest(k->value, names);
	if (s) {
		ship_buf_addf(&hint, "did you mean '%s'?", s);
	} else {
		ship_buf_adds(&hint, "known keys here:");
		for (size_t i = 0; i < n; i++)
			ship_buf_addf(&hint, "%s %s", i ? "," : "", names[i]);
	}
	problem(L, k, hint.failed ? NULL : hint.data, "unknown key '%s'%s", k->value, "");
	ship_buf_release(&hint);
}

static void check_keys(struct loader *L, const struct ship_ynode *map, const struct field *fields,
		       int top)
{
	if (!map || map->kind != SHIP_Y_MAP)
		return;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct ship_ynode *k = map->kids[i], *v = map->kids[i + 1];
		const struct field *f = NULL;
		if (k->kind != SHIP_Y_SCALAR) {
			problem(L, k, "write keys as plain names", "a key must be a name, not %s%s",
				kind_name(k), "");
			continue;
		}
		for (size_t j = 0; j < i; j += 2) {
			const struct ship_ynode *o = map->kids[j];
			if (o->kind == SHIP_Y_SCALAR && strcmp(o->value, k->value) == 0) {
				problem(L, k, "remove one of them",
					"key '%s' appears twice in the same map%s", k->value, "");
				break;
			}
		}
		for (size_t j = 0; fields[j].key; j++)
			if (strcmp(fields[j].key, k->value) == 0)
				f = &fields[j];
		if (!f) {
			unknown_key(L, k, fields);
			continue;
		}
		if (f->type == F_MAP) {
			check_keys(L, v, f->sub, 0);
		} else if (f->type == F_SERVICES && v->kind == SHIP_Y_SEQ) {
			for (size_t j = 0; j < v->n; j++)
				check_keys(L, v->kids[j], f->sub, 0);
		} else if (f->type == F_ENVS) {
			if (!top) {
				problem(L, k, "move it to the top level of the file",
					"'%s' cannot be used inside an environment%s", k->value, "");
			} else if (v->kind == SHIP_Y_MAP) {
				for (size_t j = 0; j + 1 < v->n; j += 2) {
					const struct ship_ynode *ov = v->kids[j + 1];
					if (ov->kind == SHIP_Y_MAP)
						check_keys(L, ov, s_top_fields, 0);
					else if (!ship_ynode_is_null(ov))
						problem(L, ov,
							"write the keys to override under the "
							"environment's name",
							"environment '%s' must be a map, not %s",
							v->kids[j]->kind == SHIP_Y_SCALAR
							    ? v->kids[j]->value
							    : "?",
							kind_name(ov));
				}
			} else if (!ship_ynode_is_null(v)) {
				problem(L, v, "write environments: {production: {cluster: ...}}",
					"'environments' must be a map, not %s%s", kind_name(v), "");
			}
		}
	}
}

/* Overlays map `over` on map `base` (new nodes in the doc's arena); maps merge, others replace. */
static const struct ship_ynode *merge(struct loader *L, const struct ship_ynode *base,
				      const struct ship_ynode *over, int depth)
{
	if (!base || base->kind != SHIP_Y_MAP || over->kind != SHIP_Y_MAP || depth > 8)
		return over;
	struct ship_ynode *m = ship_ydoc_new_map(&L->doc, base, base->n + over->n);
	if (!m || (base->n + over->n && !m->kids))
		return NULL;
	memcpy(m->kids, base->kids, base->n * sizeof(*m->kids));
	m->n = base->n;
	for (size_t i = 0; i + 1 < over->n; i += 2) {
		const struct ship_ynode *k = over->kids[i];
		size_t j;
		if (k->kind != SHIP_Y_SCALAR)
			continue;
		for (j = 0; j + 1 < m->n; j += 2)
			if (m->kids[j]->kind == SHIP_Y_SCALAR && strcmp(m->kids[j]->value, k->value) == 0)
				break;
		if (j + 1 < m->n) {
			const struct ship_ynode *v = merge(L, m->kids[j + 1], over->kids[i + 1], depth + 1);
			if (!v)
				return NULL;
			m->kids[j + 1] = (struct ship_ynode *)v;
		} else {
			m->kids[m->n++] = (struct ship_ynode *)k;
			m->kids[m->n++] = over->kids[i + 1];
		}
	}
	return m;
}

/* ---- extraction ---------------------------------------------------------------------------- */

static void missing(struct loader *L, const char *key, const char *hint)
{
	ship_diags_add(L->diags, SHIP_SEV_ERROR, L->doc.file, 0, 0, hint,
		       "missing required key '%s'", key);
}

static int get_infra(struct loader *L, const struct ship_ynode *root)
{
	const struct ship_ynode *infra = ship_ynode_get(root, "infra"), *params;
	struct ship_config *cfg = L->cfg;
	int rc = 0, r;
	if (!infra || ship_ynode_is_null(infra))
		return 0;
	if (infra->kind != SHIP_Y_MAP) {
		problem(L, infra, "write infra: {template: FILE, parameters: {Name: value}}",
			"'%s' must be a map, not %s", "infra", kind_name(infra));
		return 1;
	}
	if ((r = get_str(L, infra, "template", 1, &cfg->infra_template)) < 0)
		return -1;
	rc |= r;
	params = ship_ynode_get(infra, "parameters");
	if (!params || ship_ynode_is_null(params))
		return rc;
	if (params->kind != SHIP_Y_MAP) {
		problem(L, params, "write parameters: {Environment: \"${ENVIRONMENT}\"}",
			"'%s' must be a map, not %s", "parameters", kind_name(params));
		return 1;
	}
	cfg->infra_parameters = ship_calloc(params->n / 2 + 1, sizeof(*cfg->infra_parameters));
	if (!cfg->infra_parameters) {
		L->hard = 1;
		return ship_err_set(L->err, SHIP_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i + 1 < params->n; i += 2) {
		const struct ship_ynode *k = params->kids[i], *v = params->kids[i + 1];
		char *val = NULL;
		if (k->kind != SHIP_Y_SCALAR)
			continue; /* reported by check_keys-like rule below */
		r = render(L, v, k->value, &val);
		if (r < 0)
			return -1;
		rc |= r;
		if (r)
			continue;
		struct ship_config_param *p = &cfg->infra_parameters[cfg->n_infra_parameters];
		p->key = ship_strdup(k->value);
		p->value = val ? val : ship_strdup("");
		cfg->n_infra_parameters++;
		if (!p->key || !p->value) {
			L->hard = 1;
			return ship_err_set(L->err, SHIP_ERR_NOMEM, "out of memory");
		}
	}
	return rc;
}

static int get_rule(struct loader *L, const struct ship_ynode *root)
{
	const struct ship_ynode *rule = ship_ynode_get(root, "listener_rule"), *prio;
	struct ship_config_listener_rule *lr = &L->cfg->listener_rule;
	int rc = 0, r;
	if (!rule || ship_ynode_is_null(rule))
		return 0;
	if (rule->kind != SHIP_Y_MAP) {
		problem(L, rule, "write listener_rule: {priority: 100, host_headers: [app.example.com]}",
			"'%s' must be a map, not %s", "listener_rule", kind_name(rule));
		return 1;
	}
	lr->set = 1;
	prio = ship_ynode_get(rule, "priority");
	if (prio && !ship_ynode_is_null(prio)) {
		char *s = NULL;
		r = render(L, prio, "priority", &s);
		if (r < 0)
			return -1;
		rc |= r;
		if (r == 0 && s) {
			if (strcmp(s, "auto") == 0)
				lr->priority_auto = 1;
			else if (ship_parse_long(s, 1, 50000, &lr->priority))
				problem(L, prio,
					"ALB rule priorities are 1 to 50000; write a fixed number per "
					"environment, or auto to pick a free one once",
					"'priority' must be a number from 1 to 50000 or \"auto\", not "
					"'%s'%s",
					s, ""),
				    rc = 1;
		}
		ship_free(s);
	}
	if ((r = get_list(L, rule, "host_headers", &lr->host_headers, &lr->n_host_headers)) < 0)
		return -1;
	rc |= r;
	if ((r = get_list(L, rule, "path_patterns", &lr->path_patterns, &lr->n_path_patterns)) < 0)
		return -1;
	return rc | r;
}

/* ---- autoscaling --------------------------------------------------------------------------- */

/* A whole number from lo to hi under key in map: 0 (absent: *out untouched), 1 a problem. */
static int as_number(struct loader *L, const struct ship_ynode *map, const char *key, long lo,
		     long hi, const char *hint, long *out)
{
	const struct ship_ynode *n = ship_ynode_get(map, key);
	char *v = NULL;
	int r;
	if (!n || ship_ynode_is_null(n))
		return 0;
	if ((r = render(L, n, key, &v)) != 0)
		return r;
	if (!v || ship_parse_long(v, lo, hi, out)) {
		problem(L, n, hint, "'%s' must be a task count, not '%s'", key, v ? v : "");
		r = 1;
	}
	ship_free(v);
	return r;
}

/* A cooldown: a duration in whole seconds, 0 to 1 day; *out stays -1 when absent. */
static int as_cooldown(struct loader *L, const struct ship_ynode *map, const char *key, long *out)
{
	const struct ship_ynode *n = ship_ynode_get(map, key);
	char *v = NULL;
	double sec = 0;
	int r;
	*out = -1;
	if (!n || ship_ynode_is_null(n))
		return 0;
	if ((r = render(L, n, key, &v)) != 0)
		return r;
	if (!v || ship_parse_duration(v, &sec) || sec < 0 || sec > 86400 ||
	    sec != (double)(long)sec) {
		problem(L, n, "write whole seconds up to a day, such as 60s, 5m or 300",
			"'%s' is not a cooldown: '%s'", key, v ? v : "");
		r = 1;
	} else
		*out = (long)sec;
	ship_free(v);
	return r;
}

static const char *const s_metrics[] = {"cpu", "memory", "alb_requests", NULL};

/* target_tracking: {metric, target, scale_in_cooldown, scale_out_cooldown, disable_scale_in} */
static int get_target_tracking(struct loader *L, const struct ship_ynode *tt,
			       struct ship_config_autoscaling *as)
{
	const struct ship_ynode *mn = ship_ynode_get(tt, "metric"),
				*tn = ship_ynode_get(tt, "target");
	char *m = NULL, *t = NULL, *d = NULL;
	int rc = 0, r;
	if (tt->kind != SHIP_Y_MAP) {
		problem(L, tt, "write target_tracking: {metric: cpu, target: 60}",
			"'%s' must be a map, not %s", "target_tracking", kind_name(tt));
		return 1;
	}
	if (!mn || !tn) {
		problem(L, tt, "write target_tracking: {metric: cpu, target: 60}",
			"'target_tracking' needs '%s'%s", !mn ? "metric" : "target", "");
		return 1;
	}
	if ((r = render(L, mn, "metric", &m)) < 0)
		return -1;
	rc |= r;
	for (size_t i = 0; !r && m && s_metrics[i]; i++)
		if (!strcmp(m, s_metrics[i]))
			as->metric = (enum ship_as_metric)(SHIP_AS_METRIC_CPU + i);
	if (!r && as->metric == SHIP_AS_METRIC_NONE) {
		const char *s = m ? ship_suggest(m, s_metrics) : NULL;
		struct ship_buf hint = SHIP_BUF_INIT(256);
		if (s)
			ship_buf_addf(&hint, "did you mean '%s'?", s);
		else
			ship_buf_adds(&hint, "write cpu, memory or alb_requests");
		problem(L, mn, hint.failed ? NULL : hint.data,
			"'metric' must be cpu, memory or alb_requests, not '%s'%s", m ? m : "", "");
		ship_buf_release(&hint);
		rc = 1;
	}
	if ((r = render(L, tn, "target", &t)) < 0)
		goto hard;
	rc |= r;
	if (!r) {
		char *end = NULL;
		errno = 0;
		as->target = t ? strtod(t, &end) : 0;
		int pct = as->metric == SHIP_AS_METRIC_CPU || as->metric == SHIP_AS_METRIC_MEMORY;
		if (!t || !*t || *end || errno || !(as->target > 0) || (pct && as->target > 100) ||
		    as->target > 1e9) {
			problem(
			    L, tn,
			    pct ? "a percent of the service's reserved CPU or memory: more than 0, "
				  "at most 100, such as 60"
				: "requests per target per minute: more than 0, such as 1000",
			    "'target' must be a number above 0%s, not '%s'",
			    pct ? " and at most 100" : "", t ? t : "");
			rc = 1;
		}
	}
	if ((r = as_cooldown(L, tt, "scale_in_cooldown", &as->scale_in_cooldown)) < 0 ||
	    (rc |= r, r = as_cooldown(L, tt, "scale_out_cooldown", &as->scale_out_cooldown)) < 0)
		goto hard;
	rc |= r;
	if ((r = get_str(L, tt, "disable_scale_in", 0, &d)) < 0)
		goto hard;
	rc |= r;
	if (!r && d) {
		if (!strcmp(d, "true"))
			as->disable_scale_in = 1;
		else if (strcmp(d, "false")) {
			problem(L, ship_ynode_get(tt, "disable_scale_in"), "write true or false",
				"'%s' must be true or false, not '%s'", "disable_scale_in", d);
			rc = 1;
		}
	}
	ship_free(m);
	ship_free(t);
	ship_free(d);
	return rc;
hard:
	ship_free(m);
	ship_free(t);
	ship_free(d);
	return -1;
}

/* autoscaling: {min, max, target_tracking} under map into *as (left unset when absent). */
static int get_autoscaling(struct loader *L, const struct ship_ynode *map,
			   struct ship_config_autoscaling *as)
{
	const struct ship_ynode *n = ship_ynode_get(map, "autoscaling"), *tt;
	int rc = 0, r;
	if (!n || ship_ynode_is_null(n))
		return 0;
	memset(as, 0, sizeof(*as));
	as->scale_in_cooldown = as->scale_out_cooldown = -1;
	as->line = n->line;
	if (n->kind != SHIP_Y_MAP) {
		problem(L, n,
			"write autoscaling: {min: 1, max: 4, target_tracking: {metric: cpu, "
			"target: 60}}",
			"'%s' must be a map, not %s", "autoscaling", kind_name(n));
		return 1;
	}
	if (!ship_ynode_get(n, "min") || !ship_ynode_get(n, "max")) {
		problem(
		    L, n, "give the task counts Application Auto Scaling keeps to: min: 1, max: 4",
		    "'autoscaling' needs '%s'%s", !ship_ynode_get(n, "min") ? "min" : "max", "");
		rc = 1;
	}
	if ((r = as_number(L, n, "min", 0, 5000, "write a task count from 0 to 5000", &as->min)) <
	    0)
		return -1;
	rc |= r;
	if ((r = as_number(L, n, "max", 1, 5000,
			   "write a task count from 1 to 5000 (ECS's tasks per service)",
			   &as->max)) < 0)
		return -1;
	rc |= r;
	if (!rc && as->min > as->max) {
		problem(L, ship_ynode_get(n, "min"), "make min at most max",
			"autoscaling 'min' is above 'max'%s%s", "", "");
		rc = 1;
	}
	tt = ship_ynode_get(n, "target_tracking");
	if (tt && !ship_ynode_is_null(tt)) {
		if ((r = get_target_tracking(L, tt, as)) < 0)
			return -1;
		rc |= r;
	}
	if (!rc)
		as->set = 1;
	return rc;
}

static int get_services(struct loader *L, const struct ship_ynode *root, const char *service,
			const char *td, const char *sd)
{
	struct ship_config *cfg = L->cfg;
	const struct ship_ynode *list = ship_ynode_get(root, "services");
	int rc = 0, r;

	if (list && !ship_ynode_is_null(list)) {
		if (list->kind != SHIP_Y_SEQ) {
			problem(L, list, "write services: [{name: web, service_definition: FILE}]",
				"'%s' must be a list, not %s", "services", kind_name(list));
			return 1;
		}
		if (service) {
			problem(L, ship_ynode_get(root, "service"),
				"list every service under 'services' and remove 'service'",
				"use either 'service' or 'services', not both%s%s", "", "");
			rc = 1;
		}
		cfg->services = ship_calloc(list->n ? list->n : 1, sizeof(*cfg->services));
		if (!cfg->services) {
			L->hard = 1;
			return ship_err_set(L->err, SHIP_ERR_NOMEM, "out of memory");
		}
		for (size_t i = 0; i < list->n; i++) {
			const struct ship_ynode *item = list->kids[i];
			struct ship_config_service *s = &cfg->services[cfg->n_services++];
			s->line = item->line;
			if (item->kind != SHIP_Y_MAP) {
				problem(L, item, "write - {name: SERVICE, service_definition: FILE}",
					"each entry of '%s' must be a map, not %s", "services",
					kind_name(item));
				rc = 1;
				continue;
			}
			if ((r = get_str(L, item, "name", 0, &s->name)) < 0)
				return -1;
			rc |= r;
			if ((r = get_str(L, item, "task_definition", 1, &s->task_definition)) < 0)
				return -1;
			rc |= r;
			if ((r = get_str(L, item, "service_definition", 1, &s->service_definition)) <
			    0)
				return -1;
			rc |= r;
			if ((r = get_str(L, item, "container", 0, &s->container)) < 0)
				return -1;
			rc |= r;
			if ((r = get_autoscaling(L, item, &s->autoscaling)) < 0)
				return -1;
			rc |= r;
			if (!r && !s->name && !ship_ynode_get(item, "name")) {
				problem(L, item, "give the ECS service name: name: my-service",
					"service entry has no '%s'%s", "name", "");
				rc = 1;
			}
			if (!s->task_definition && td && !(s->task_definition = ship_strdup(td))) {
				L->hard = 1;
				return ship_err_set(L->err, SHIP_ERR_NOMEM, "out of memory");
			}
			if (!s->task_definition && !ship_ynode_get(item, "task_definition") &&
			    (L->need & SHIP_CONFIG_NEED_TASKDEF)) {
				problem(L, item,
					"set task_definition at the top level or in this entry",
					"service entry has no '%s'%s", "task_definition", "");
				rc = 1;
			}
		}
		/* not inherited like task_definition: a CreateService input names one service */
		const struct ship_ynode *top_sd = ship_ynode_get(root, "service_definition");
		if (sd && top_sd)
			ship_diags_add(
			    L->diags, SHIP_SEV_WARNING, L->doc.file, top_sd->line, top_sd->column,
			    "give each entry under 'services' its own service_definition: FILE",
			    "'service_definition' is not used with 'services:'");
		if (list->n == 0) {
			problem(L, list, "list at least one service, or use 'service'",
				"'%s' is empty%s", "services", "");
			rc = 1;
		}
		return rc;
	}
	cfg->services = ship_calloc(1, sizeof(*cfg->services));
	if (!cfg->services) {
		L->hard = 1;
		return ship_err_set(L->err, SHIP_ERR_NOMEM, "out of memory");
	}
	if (!service && !ship_ynode_get(root, "service"))
		return 0; /* no service named: none (missing only when the caller needs one) */
	cfg->n_services = 1;
	struct ship_config_service *s = &cfg->services[0];
	s->line = root->line;
	if ((service && !(s->name = ship_strdup(service))) ||
	    (td && !(s->task_definition = ship_strdup(td))) ||
	    (sd && !(s->service_definition = ship_strdup(sd)))) {
		L->hard = 1;
		return ship_err_set(L->err, SHIP_ERR_NOMEM, "out of memory");
	}
	return 0;
}

/* true/false (also on/off, yes/no): 1 or 0; -1 otherwise. */
static int parse_bool(const char *v)
{
	static const char *const yes[] = {"true", "on", "yes"}, *const no[] = {"false", "off", "no"};
	for (size_t i = 0; i < 3; i++) {
		if (!strcmp(v, yes[i]))
			return 1;
		if (!strcmp(v, no[i]))
			return 0;
	}
	return -1;
}

/* `fail_fast: false`, or a map of enabled, same_exit and failed_health (docs/config.md). */
static int get_fail_fast(struct loader *L, const struct ship_ynode *sel)
{
	const struct ship_ynode *n = ship_ynode_get(sel, "fail_fast");
	static const char *const counts[] = {"same_exit", "failed_health"};
	char *v = NULL;
	int r;
	if (!n || ship_ynode_is_null(n))
		return 0;
	if (n->kind != SHIP_Y_MAP) {
		if ((r = render(L, n, "fail_fast", &v)) < 0)
			return -1;
		if (r == 0 && v && (L->cfg->fail_fast = parse_bool(v)) < 0)
			problem(L, n, "write fail_fast: false, or a map such as {same_exit: 3}",
				"'fail_fast' must be true or false, not '%s'%s", v, "");
		ship_free(v);
		return 0;
	}
	if ((r = get_str(L, n, "enabled", 0, &v)) < 0)
		return -1;
	if (r == 0 && v && (L->cfg->fail_fast = parse_bool(v)) < 0)
		problem(L, ship_ynode_get(n, "enabled"), "write true or false",
			"'fail_fast.enabled' must be true or false, not '%s'%s", v, "");
	ship_freep(&v);
	for (size_t i = 0; i < 2; i++) {
		long k = 0;
		if ((r = get_str(L, n, counts[i], 0, &v)) < 0)
			return -1;
		if (r == 0 && v && (ship_parse_long(v, 1, 200, &k) || k < 1))
			problem(L, ship_ynode_get(n, counts[i]), "write a number of tasks from 1 to 200",
				"'fail_fast.%s' must be a number from 1 to 200, not '%s'", counts[i],
				v);
		else if (r == 0 && v)
			*(i ? &L->cfg->fail_fast_failed_health : &L->cfg->fail_fast_same_exit) = k;
		ship_freep(&v);
	}
	return 0;
}

static void load(struct loader *L, const struct ship_ynode *root)
{
	struct ship_config *cfg = L->cfg;
	const struct ship_ynode *sel = root, *envs, *over = NULL, *n;
	char *service = NULL, *td = NULL, *sd = NULL, *timeout = NULL;
	struct ship_config_autoscaling top_as = {0};
	int r;

	check_keys(L, root, s_top_fields, 1);
	envs = ship_ynode_get(root, "environments");
	if (L->vars->environment && envs && envs->kind == SHIP_Y_MAP)
		over = ship_ynode_get(envs, L->vars->environment);
	if (over && over->kind == SHIP_Y_MAP) {
		sel = merge(L, root, over, 0);
		if (!sel) {
			L->hard = 1;
			ship_err_set(L->err, SHIP_ERR_NOMEM, "out of memory");
			return;
		}
	}

	/* region and stack first: the rest may use ${AWS_REGION} and ${cfn:KEY} */
	if (get_str(L, sel, "region", 0, &cfg->region) < 0)
		return;
	if (cfg->region && !L->vars->region && ship_vars_set(L->vars, "AWS_REGION", cfg->region))
		goto nomem;
	if (get_str(L, sel, "stack", 0, &cfg->stack) < 0)
		return;
	if (cfg->stack && ship_vars_set(L->vars, "stack", cfg->stack))
		goto nomem;
	if (get_str(L, sel, "cluster", 0, &cfg->cluster) < 0 ||
	    get_str(L, sel, "service", 0, &service) < 0 ||
	    get_str(L, sel, "task_definition", 1, &td) < 0 ||
	    get_str(L, sel, "service_definition", 1, &sd) < 0 || get_infra(L, sel) < 0 ||
	    get_rule(L, sel) < 0)
		goto cleanup;
	n = ship_ynode_get(sel, "timeout");
	if ((r = get_str(L, sel, "timeout", 0, &timeout)) < 0)
		goto cleanup;
	if (r == 0 && timeout) {
		if (ship_parse_duration(timeout, &cfg->timeout) || cfg->timeout <= 0)
			problem(L, n, "write a duration such as 10m, 90s or 1h30m",
				"'timeout' is not a duration: '%s'%s", timeout, "");
		else
			cfg->timeout_set = 1;
	}
	if (get_fail_fast(L, sel) < 0)
		goto cleanup;
	if (get_list(L, sel, "variables", &cfg->variables, &cfg->n_variables) < 0 ||
	    get_services(L, sel, service, td, sd) < 0 || get_autoscaling(L, sel, &top_as) < 0)
		goto cleanup;
	/* the top level's autoscaling is every service's that has none of its own */
	for (size_t i = 0; top_as.set && i < cfg->n_services; i++)
		if (!cfg->services[i].autoscaling.line)
			cfg->services[i].autoscaling = top_as;
	if (!cfg->cluster && !ship_ynode_get(sel, "cluster") &&
	    (L->need & SHIP_CONFIG_NEED_CLUSTER))
		missing(L, "cluster", "add the ECS cluster name: cluster: my-cluster-${ENVIRONMENT}");
	if (!ship_ynode_get(sel, "services")) {
		if (!service && !ship_ynode_get(sel, "service") &&
		    (L->need & SHIP_CONFIG_NEED_SERVICE))
			missing(L, "service",
				"add the fixed ECS service name: service: my-service-${ENVIRONMENT} "
				"(or list several under 'services')");
		if (!td && !ship_ynode_get(sel, "task_definition") &&
		    (L->need & SHIP_CONFIG_NEED_TASKDEF))
			missing(L, "task_definition",
				"add the task definition file: task_definition: "
				"task-definition-${ENVIRONMENT}.json");
	}
	goto cleanup;
nomem:
	L->hard = 1;
	ship_err_set(L->err, SHIP_ERR_NOMEM, "out of memory");
cleanup:
	ship_free(service);
	ship_free(td);
	ship_free(sd);
	ship_free(timeout);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ship_strdup(".");
	if (slash == path)
		return ship_strdup("/");
	return ship_strndup(path, (size_t)(slash - path));
}

struct ship_config *ship_config_parse(const char *path, struct ship_str text,
				      struct ship_vars *vars, struct ship_diags *diags,
				      struct ship_err *err)
{
	return ship_config_parse_for(path, SHIP_CONFIG_NEED_ALL, text, vars, diags, err);
}

struct ship_config *ship_config_parse_for(const char *path, unsigned need, struct ship_str text,
					  struct ship_vars *vars, struct ship_diags *diags,
					  struct ship_err *err)
{
	struct loader L;
	size_t errors_before = ship_diags_count(diags, SHIP_SEV_ERROR);

	memset(&L, 0, sizeof(L));
	L.vars = vars;
	L.diags = diags;
	L.err = err;
	L.need = need;
	L.cfg = ship_calloc(1, sizeof(*L.cfg));
	if (!L.cfg)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory"), NULL;
	L.cfg->timeout = SHIP_CONFIG_TIMEOUT_DEFAULT;
	L.cfg->fail_fast = 1;
	L.cfg->path = ship_strdup(path);
	L.cfg->dir = dir_of(path);
	if (vars->environment)
		L.cfg->environment = ship_strdup(vars->environment);
	if (!L.cfg->path || !L.cfg->dir || (vars->environment && !L.cfg->environment)) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (ship_ydoc_parse(&L.doc, path, text, err))
		goto fail;
	if (!L.doc.root || ship_ynode_is_null(L.doc.root)) {
		ship_err_set(err, SHIP_ERR_INPUT,
			     "'%s' is empty; write at least cluster, service and task_definition "
			     "(see 'ecship init')",
			     path);
		goto fail;
	}
	if (L.doc.root->kind != SHIP_Y_MAP) {
		ship_err_set(err, SHIP_ERR_INPUT,
			     "'%s': line %u, column %u: the file must be a map of keys, not %s; "
			     "write 'cluster: ...' and so on, one key per line",
			     path, L.doc.root->line, L.doc.root->column, kind_name(L.doc.root));
		goto fail;
	}
	load(&L, L.doc.root);
	if (L.hard)
		goto fail;
	if (ship_diags_count(diags, SHIP_SEV_ERROR) > errors_before) {
		ship_diags_to_err(diags, err);
		goto fail;
	}
	ship_ydoc_release(&L.doc);
	return L.cfg;
fail:
	ship_ydoc_release(&L.doc);
	ship_config_destroy(L.cfg);
	return NULL;
}

struct ship_config *ship_config_load(const char *path, struct ship_vars *vars,
				     struct ship_diags *diags, struct ship_err *err)
{
	return ship_config_load_for(path, SHIP_CONFIG_NEED_ALL, vars, diags, err);
}

struct ship_config *ship_config_load_for(const char *path, unsigned need, struct ship_vars *vars,
					 struct ship_diags *diags, struct ship_err *err)
{
	struct ship_buf b = SHIP_BUF_INIT(SHIP_CONFIG_MAX_FILE);
	struct ship_config *cfg = NULL;
	if (ship_read_regular_file(path, &b)) {
		if (errno == ENOENT)
			ship_err_set(err, SHIP_ERR_INPUT,
				     "cannot read '%s': no such file; run 'ecship init' to create "
				     "one, or pass --config FILE",
				     path);
		else if (errno == EFBIG)
			ship_err_set(err, SHIP_ERR_INPUT, "cannot read '%s': larger than %zu bytes",
				     path, SHIP_CONFIG_MAX_FILE);
		else
			ship_err_set(err, SHIP_ERR_INPUT, "cannot read '%s': %s", path,
				     ship_read_strerror(errno));
	} else {
		cfg = ship_config_parse_for(path, need, ship_buf_str(&b), vars, diags, err);
	}
	ship_buf_release(&b);
	return cfg;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ship_free(v[i]);
	ship_free(v);
}

void ship_config_destroy(struct ship_config *cfg)
{
	if (!cfg)
		return;
	ship_free(cfg->path);
	ship_free(cfg->dir);
	ship_free(cfg->environment);
	ship_free(cfg->region);
	ship_free(cfg->cluster);
	ship_free(cfg->stack);
	ship_free(cfg->infra_template);
	for (size_t i = 0; i < cfg->n_infra_parameters; i++) {
		ship_free(cfg->infra_parameters[i].key);
		ship_free(cfg->infra_parameters[i].value);
	}
	ship_free(cfg->infra_parameters);
	free_list(cfg->listener_rule.host_headers, cfg->listener_rule.n_host_headers);
	free_list(cfg->listener_rule.path_patterns, cfg->listener_rule.n_path_patterns);
	free_list(cfg->variables, cfg->n_variables);
	for (size_t i = 0; i < cfg->n_services; i++) {
		ship_free(cfg->services[i].name);
		ship_free(cfg->services[i].task_definition);
		ship_free(cfg->services[i].service_definition);
		ship_free(cfg->services[i].container);
	}
	ship_free(cfg->services);
	ship_free(cfg);
}

const struct ship_config_service *ship_config_service(const struct ship_config *cfg,
						      const char *name)
{
	for (size_t i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].name && strcmp(cfg->services[i].name, name) == 0)
			return &cfg->services[i];
	return NULL;
}
