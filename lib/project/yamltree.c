/*
 * yamltree.c: builds the ship_ydoc tree from libyaml's event stream (see yamltree.h), and maps
 * offsets inside a scalar's value back to line and column of the source text.
 * Depends on libyaml and lib/util only.
 */
#include <string.h>

#include <yaml.h>

#include "private/yamltree.h"

struct anchor {
	char *name;
	struct ship_ynode *node;
};

struct builder {
	struct ship_ydoc *doc;
	yaml_parser_t parser;
	struct anchor *anchors;
	size_t nanchors, capanchors;
	struct ship_err *err;
};

static struct ship_ynode *new_node(struct ship_ydoc *doc, enum ship_ykind kind, yaml_mark_t s)
{
	if (doc->nodes >= SHIP_YAML_MAX_NODES)
		return NULL;
	struct ship_ynode *n = ship_calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (unsigned)s.line + 1;
	n->column = (unsigned)s.column + 1;
	n->all_next = doc->all;
	doc->all = n;
	doc->nodes++;
	return n;
}

struct ship_ynode *ship_ydoc_new_map(struct ship_ydoc *doc, const struct ship_ynode *like, size_t n)
{
	yaml_mark_t m = {0, like ? like->line - 1 : 0, like ? like->column - 1 : 0};
	struct ship_ynode *node = new_node(doc, SHIP_Y_MAP, m);
	if (!node)
		return NULL;
	if (like) {
		node->end_line = like->end_line;
		node->end_column = like->end_column;
	}
	if (n) {
		node->kids = ship_calloc(n, sizeof(*node->kids));
		if (!node->kids)
			return NULL; /* the node itself is freed with the doc */
	}
	return node;
}

static int add_kid(struct ship_ynode *p, struct ship_ynode *k, size_t *cap)
{
	if (p->n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		struct ship_ynode **v = ship_realloc(p->kids, c * sizeof(*v));
		if (!v)
			return -1;
		p->kids = v;
		*cap = c;
	}
	p->kids[p->n++] = k;
	return 0;
}

static int fail_parser(struct builder *b)
{
	yaml_parser_t *p = &b->parser;
	const char *file = b->doc->file;
	if (p->error == YAML_MEMORY_ERROR)
		return ship_err_set(b->err, SHIP_ERR_NOMEM, "out of memory parsing '%s'", file);
	yaml_mark_t m = p->problem_mark;
	const char *hint = "check the indentation (spaces only, no tabs) and quote values that "
			   "contain ': ', '#', '{' or start with '*', '&', '!' or '%'";
	if (p->problem && strstr(p->problem, "tab"))
		hint = "YAML indentation must use spaces, not tabs";
	if (p->context)
		return ship_err_set(b->err, SHIP_ERR_INPUT,
				    "cannot parse '%s': line %zu, column %zu: %s %s; %s", file,
				    m.line + 1, m.column + 1, p->problem ? p->problem : "error",
				    p->context, hint);
	return ship_err_set(b->err, SHIP_ERR_INPUT, "cannot parse '%s': line %zu, column %zu: %s; %s",
			    file, m.line + 1, m.column + 1, p->problem ? p->problem : "error",
			    hint);
}

static int remember(struct builder *b, const yaml_char_t *anchor, struct ship_ynode *n)
{
	if (!anchor)
		return 0;
	if (b->nanchors == b->capanchors) {
		size_t c = b->capanchors ? b->capanchors * 2 : 8;
		struct anchor *v = ship_realloc(b->anchors, c * sizeof(*v));
		if (!v)
			return -1;
		b->anchors = v;
		b->capanchors = c;
	}
	char *name = ship_strdup((const char *)anchor);
	if (!name)
		return -1;
	b->anchors[b->nanchors].name = name;
	b->anchors[b->nanchors].node = n;
	b->nanchors++;
	return 0;
}

static struct ship_ynode *lookup(struct builder *b, const yaml_char_t *anchor)
{
	for (size_t i = b->nanchors; i-- > 0;)
		if (strcmp(b->anchors[i].name, (const char *)anchor) == 0)
			return b->anchors[i].node;
	return NULL;
}

/* Builds the node whose first event is ev (already parsed); recursion bounded by depth. */
static struct ship_ynode *build(struct builder *b, yaml_event_t *ev, int depth)
{
	struct ship_ydoc *doc = b->doc;
	struct ship_ynode *n = NULL;
	size_t cap = 0;
	yaml_event_t kid;

	if (depth > SHIP_YAML_MAX_DEPTH) {
		ship_err_set(b->err, SHIP_ERR_INPUT,
			     "cannot parse '%s': line %zu, column %zu: nested too deeply", doc->file,
			     ev->start_mark.line + 1, ev->start_mark.column + 1);
		return NULL;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		n = lookup(b, ev->data.alias.anchor);
		if (!n)
			ship_err_set(b->err, SHIP_ERR_INPUT,
				     "cannot parse '%s': line %zu, column %zu: unknown alias '*%s'; "
				     "define the anchor '&%s' before using it",
				     doc->file, ev->start_mark.line + 1, ev->start_mark.column + 1,
				     (const char *)ev->data.alias.anchor,
				     (const char *)ev->data.alias.anchor);
		return n;
	case YAML_SCALAR_EVENT:
		n = new_node(doc, SHIP_Y_SCALAR, ev->start_mark);
		if (!n)
			goto nomem;
		n->value = ship_malloc(ev->data.scalar.length + 1);
		if (!n->value)
			goto nomem;
		memcpy(n->value, ev->data.scalar.value, ev->data.scalar.length);
		n->value[ev->data.scalar.length] = '\0';
		n->len = ev->data.scalar.length;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->end_line = (unsigned)ev->end_mark.line + 1;
		n->end_column = (unsigned)ev->end_mark.column + 1;
		if (remember(b, ev->data.scalar.anchor, n))
			goto nomem;
		return n;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		int map = ev->type == YAML_MAPPING_START_EVENT;
		yaml_event_type_t end = map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
		n = new_node(doc, map ? SHIP_Y_MAP : SHIP_Y_SEQ, ev->start_mark);
		if (!n)
			goto nomem;
		if (remember(b, map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor,
			     n))
			goto nomem;
		for (;;) {
			if (!yaml_parser_parse(&b->parser, &kid)) {
				fail_parser(b);
				return NULL;
			}
			if (kid.type == end) {
				n->end_line = (unsigned)kid.end_mark.line + 1;
				n->end_column = (unsigned)kid.end_mark.column + 1;
				yaml_event_delete(&kid);
				return n;
			}
			struct ship_ynode *k = build(b, &kid, depth + 1);
			yaml_event_delete(&kid);
			if (!k || add_kid(n, k, &cap)) {
				if (k)
					goto nomem;
				return NULL;
			}
		}
	}
	default:
		ship_err_set(b->err, SHIP_ERR_INTERNAL, "unexpected YAML event %d", (int)ev->type);
		return NULL;
	}
nomem:
	ship_err_set(b->err, SHIP_ERR_NOMEM, "out of memory parsing '%s'", doc->file);
	return NULL;
}

int ship_ydoc_parse(struct ship_ydoc *doc, const char *file, struct ship_str text,
		    struct ship_err *err)
{
	struct builder b;
	yaml_event_t ev;
	int rc = -1, have_ev = 0;

	memset(doc, 0, sizeof(*doc));
	memset(&b, 0, sizeof(b));
	b.doc = doc;
	b.err = err;
	/* a UTF-8 byte-order mark is skipped (libyaml would read the first key with it), UTF-16
	 * refused */
	if (ship_text_utf8(file, &text, err))
		return -1;
	doc->text = text;
	doc->file = ship_strdup(file ? file : "?");
	if (!doc->file)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	/* line table, for locating offsets */
	size_t lines = 1;
	for (size_t i = 0; i < text.len; i++)
		lines += text.p[i] == '\n';
	doc->line_starts = ship_calloc(lines, sizeof(size_t));
	if (!doc->line_starts)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < text.len; i++)
		if (text.p[i] == '\n')
			doc->line_starts[++doc->nlines] = i + 1;
	doc->nlines++;

	if (!yaml_parser_initialize(&b.parser))
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text.p, text.len);
	yaml_parser_set_encoding(&b.parser, YAML_UTF8_ENCODING);
	for (;;) {
		if (!yaml_parser_parse(&b.parser, &ev)) {
			fail_parser(&b);
			goto cleanup;
		}
		have_ev = 1;
		if (ev.type == YAML_STREAM_END_EVENT || ev.type == YAML_DOCUMENT_END_EVENT)
			break;
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			have_ev = 0;
			continue;
		}
		doc->root = build(&b, &ev, 0);
		if (!doc->root)
			goto cleanup;
		yaml_event_delete(&ev);
		have_ev = 0;
	}
	rc = 0;
cleanup:
	if (have_ev)
		yaml_event_delete(&ev);
	yaml_parser_delete(&b.parser);
	for (size_t i = 0; i < b.nanchors; i++)
		ship_free(b.anchors[i].name);
	ship_free(b.anchors);
	if (rc)
		doc->root = NULL;
	return rc;
}

void ship_ydoc_release(struct ship_ydoc *doc)
{
	if (!doc)
		return;
	struct ship_ynode *n = doc->all;
	while (n) {
		struct ship_ynode *next = n->all_next;
		ship_free(n->value);
		ship_free(n->kids);
		ship_free(n);
		n = next;
	}
	ship_free(doc->file);
	ship_free(doc->line_starts);
	memset(doc, 0, sizeof(*doc));
}

const struct ship_ynode *ship_ynode_get(const struct ship_ynode *map, const char *key)
{
	if (!map || map->kind != SHIP_Y_MAP)
		return NULL;
	const struct ship_ynode *found = NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct ship_ynode *k = map->kids[i];
		if (k->kind == SHIP_Y_SCALAR && strcmp(k->value, key) == 0)
			found = map->kids[i + 1]; /* the last one wins, as in most YAML loaders */
	}
	return found;
}

int ship_ynode_is_null(const struct ship_ynode *n)
{
	if (!n)
		return 1;
	if (n->kind != SHIP_Y_SCALAR || !n->plain)
		return 0;
	return n->len == 0 || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0 ||
	       strcmp(n->value, "Null") == 0 || strcmp(n->value, "NULL") == 0;
}

/* Byte offset of (line, column) (1-based, column in characters) in the text. */
static size_t offset_of(const struct ship_ydoc *doc, unsigned line, unsigned column)
{
	if (line == 0 || line > doc->nlines)
		return doc->text.len;
	size_t i = doc->line_starts[line - 1];
	for (unsigned c = 1; c < column && i < doc->text.len && doc->text.p[i] != '\n'; c++) {
		i++;
		while (i < doc->text.len && ((unsigned char)doc->text.p[i] & 0xC0) == 0x80)
			i++;
	}
	return i;
}

/*
 * libyaml gives the scalar's start and end only, and its value may differ from the source
 * (quotes, escapes, folding). A problem is always at a "${"; it is the k-th "${" of the value, so
 * the k-th "${" in the source slice is where it is written. When the counts disagree (escaped
 * dollar signs), the scalar's start is the best answer.
 */
void ship_ydoc_locate(const struct ship_ydoc *doc, const struct ship_ynode *n, size_t off,
		      unsigned *line, unsigned *column)
{
	*line = n->line;
	*column = n->column;
	if (n->kind != SHIP_Y_SCALAR || off > n->len)
		return;
	size_t k = 0;
	for (size_t i = 0; i + 1 < n->len && i < off; i++)
		if (n->value[i] == '$' && n->value[i + 1] == '{')
			k++;
	size_t a = offset_of(doc, n->line, n->column), z = offset_of(doc, n->end_line, n->end_column);
	if (z > doc->text.len || a > z)
		return;
	size_t found = (size_t)-1;
	for (size_t i = a; i + 1 < z; i++) {
		if (doc->text.p[i] == '$' && doc->text.p[i + 1] == '{') {
			if (k == 0) {
				found = i;
				break;
			}
			k--;
		}
	}
	if (found == (size_t)-1)
		return;
	unsigned l = n->line, c = n->column;
	for (size_t i = a; i < found; i++) {
		unsigned char ch = (unsigned char)doc->text.p[i];
		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*column = c;
}
