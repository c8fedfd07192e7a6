/*
 * defaults.c: the values ECS fills in when a request leaves a member out, from the one table
 * data/ecs-defaults.tsv (compiled in as ecs_defaults.inc by scripts/gen-ecs-defaults), applied by
 * both normalizers so a default written out and a default left out compare equal.
 * Depends on jansson and lib/util only; the simulator never uses it (it implements ECS itself).
 */
#include <string.h>

#include "ecship/taskdef.h"

static const struct ship_ecs_default s_rows[] = {
#include "ecs_defaults.inc"
};

const struct ship_ecs_default *ship_ecs_defaults(size_t *n)
{
	*n = sizeof(s_rows) / sizeof(s_rows[0]);
	return s_rows;
}

/* "KEY=V1|V2" on the root: the root's KEY (a string, or "-" when left out) is one of the values. */
static int when_holds(const char *when, const json_t *root)
{
	if (!when || !*when)
		return 1;
	const char *eq = strchr(when, '=');
	if (!eq)
		return 0;
	char key[64];
	size_t kn = (size_t)(eq - when);
	if (kn >= sizeof(key))
		return 0;
	memcpy(key, when, kn);
	key[kn] = '\0';
	json_t *v = json_object_get(root, key);
	const char *have = v ? json_string_value(v) : "-";
	if (!have)
		return 0;
	size_t hn = strlen(have);
	for (const char *p = eq + 1; *p;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (n == hn && memcmp(p, have, n) == 0)
			return 1;
		p += n + (bar ? 1 : 0);
	}
	return 0;
}

/* Deletes obj[name] when it equals the row's default (a JSON value, or =SIBLING). */
static void drop_member(json_t *obj, const char *name, const json_t *def, const char *sibling)
{
	json_t *v = json_object_get(obj, name);
	if (!v)
		return;
	if (sibling) {
		json_t *s = json_object_get(obj, sibling);
		if (s && json_equal(v, s))
			json_object_del(obj, name);
	} else if (json_equal(v, def)) {
		json_object_del(obj, name);
	}
}

/* Walks path ("a.b[].c") from node and drops the last member where it holds the default. */
static void walk(json_t *node, const char *path, const json_t *def, const char *sibling)
{
	if (!json_is_object(node))
		return;
	const char *dot = strchr(path, '.');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	char seg[128];
	if (n >= sizeof(seg))
		return;
	memcpy(seg, path, n);
	seg[n] = '\0';
	if (!dot) {
		drop_member(node, seg, def, sibling);
		return;
	}
	int list = n > 2 && strcmp(seg + n - 2, "[]") == 0;
	if (list)
		seg[n - 2] = '\0';
	json_t *next = json_object_get(node, seg), *el;
	size_t i;
	if (!list) {
		walk(next, dot + 1, def, sibling);
		return;
	}
	json_array_foreach(next, i, el) walk(el, dot + 1, def, sibling);
}

int ship_ecs_defaults_drop(json_t *doc, const json_t *root, int service)
{
	for (size_t i = 0; i < sizeof(s_rows) / sizeof(s_rows[0]); i++) {
		const struct ship_ecs_default *r = &s_rows[i];
		int for_service = strcmp(r->op, "RegisterTaskDefinition") != 0;
		if (for_service != !!service || strcmp(r->op, "UpdateService") == 0 ||
		    !when_holds(r->when, root))
			continue;
		if (r->value[0] == '=') {
			walk(doc, r->path, NULL, r->value + 1);
			continue;
		}
		json_t *def = json_loads(r->value, JSON_DECODE_ANY, NULL);
		if (!def)
			return -1;
		walk(doc, r->path, def, NULL);
		json_decref(def);
	}
	return 0;
}

json_t *ship_ecs_default_value(const char *op, const char *path, const json_t *root)
{
	for (size_t i = 0; i < sizeof(s_rows) / sizeof(s_rows[0]); i++) {
		const struct ship_ecs_default *r = &s_rows[i];
		if (strcmp(r->op, op) == 0 && strcmp(r->path, path) == 0 && r->value[0] != '=' &&
		    when_holds(r->when, root))
			return json_loads(r->value, JSON_DECODE_ANY, NULL);
	}
	return NULL;
}
