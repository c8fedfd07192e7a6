/*
 * template.c: expands ${NAME}, ${NAME:-default}, ${cfn:KEY} and $${ (see template.h) in one
 * string, recording every unresolved variable and syntax error (not only the first) with its
 * position. Values come from the caller's resolver. Depends on lib/util and diag.c only.
 */
#include <string.h>

#include "ecship/template.h"

static int is_name_start(int c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
static int is_name_char(int c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
static int is_key_char(int c) { return is_name_char(c) || c == '.' || c == '-'; }

int ship_tpl_has_vars(struct ship_str s)
{
	for (size_t i = 0; i + 1 < s.len; i++)
		if (s.p[i] == '$' && (s.p[i + 1] == '{' || s.p[i + 1] == '$'))
			return 1;
	return 0;
}

void ship_tpl_unset_hint(struct ship_str name, struct ship_buf *out)
{
	int n = (int)(name.len > 200 ? 200 : name.len);
	if (ship_str_eq_c(name, "IMAGE_TAG"))
		ship_buf_adds(out, "pass --tag TAG or --image URI, set IMAGE_TAG in the environment, or "
				   "give a default with ${IMAGE_TAG:-value}");
	else if (ship_str_eq_c(name, "IMAGE"))
		ship_buf_adds(out, "pass --image URI, set IMAGE in the environment, or give a default "
				   "with ${IMAGE:-value}");
	else if (ship_str_eq_c(name, "AWS_REGION"))
		ship_buf_adds(out, "pass --region, set 'region' in ecship.yml or AWS_REGION in the "
				   "environment, or give a default with ${AWS_REGION:-value}");
	else
		ship_buf_addf(out,
			      "set %.*s in the environment, or give a default with ${%.*s:-value}; "
			      "write $${ for a literal ${",
			      n, name.p, n, name.p);
}

/* Where the reference starting at `off` is, reported through the caller's locator. */
static void locate(const struct ship_tpl *t, size_t off, unsigned *line, unsigned *col)
{
	*line = t->line;
	*col = t->column;
	if (t->locate)
		t->locate(t->locate_ctx, off, line, col);
}

/* Index just past the '}' that closes the reference whose body starts at i, or 0 if none. */
static size_t find_close(struct ship_str s, size_t i)
{
	int depth = 1;
	for (; i < s.len; i++) {
		if (s.p[i] == '$' && i + 1 < s.len && s.p[i + 1] == '{') {
			depth++;
			i++;
		} else if (s.p[i] == '}' && --depth == 0) {
			return i + 1;
		}
	}
	return 0;
}

static int expand(const struct ship_tpl *t, struct ship_str s, size_t base, int depth,
		  struct ship_buf *out, struct ship_err *err);

static int syntax_problem(const struct ship_tpl *t, struct ship_str s, size_t start, size_t end,
			  size_t base, const char *what)
{
	unsigned line, col;
	size_t n = end - start;
	locate(t, base + start, &line, &col);
	ship_diags_add(t->diags, SHIP_SEV_ERROR, t->file, line, col,
		       "write ${NAME}, ${NAME:-default} or ${cfn:KEY}; for a literal ${ write $${",
		       "%s '%.*s%s'", what, (int)(n > 60 ? 60 : n), s.p + start, n > 60 ? "..." : "");
	return 1;
}

/* One reference starting at s.p[i] == '$', s.p[i+1] == '{'. Sets *next past it. */
static int reference(const struct ship_tpl *t, struct ship_str s, size_t i, size_t base, int depth,
		     struct ship_buf *out, size_t *next, struct ship_err *err)
{
	struct ship_str ns = {"", 0}, name;
	size_t j = i + 2, close = find_close(s, i + 2), mark;
	struct ship_str def = {NULL, 0};
	int r;

	if (!close) {
		*next = s.len;
		ship_buf_addstr(out, (struct ship_str){s.p + i, s.len - i});
		return syntax_problem(t, s, i, s.len, base, "unterminated variable reference");
	}
	*next = close;
	if (s.len - j >= 4 && memcmp(s.p + j, "cfn:", 4) == 0) {
		ns = (struct ship_str){s.p + j, 3};
		j += 4;
		name.p = s.p + j;
		while (j < close - 1 && is_key_char((unsigned char)s.p[j]))
			j++;
	} else {
		name.p = s.p + j;
		if (j < close - 1 && is_name_start((unsigned char)s.p[j]))
			while (j < close - 1 && is_name_char((unsigned char)s.p[j]))
				j++;
	}
	name.len = (size_t)(s.p + j - name.p);
	if (name.len == 0 || name.len > 255)
		goto bad;
	if (j == close - 1) {
		/* ${NAME} */
	} else if (s.p[j] == ':' && j + 1 < close - 1 && s.p[j + 1] == '-') {
		def.p = s.p + j + 2;
		def.len = close - 1 - (j + 2);
	} else {
		goto bad;
	}

	mark = out->len;
	err->message[0] = '\0';
	r = t->var(t->var_ctx, ns, name, out, err);
	if (r < 0) {
		unsigned line, col;
		locate(t, base + i, &line, &col);
		if (err->code == SHIP_ERR_NONE)
			err->code = SHIP_ERR_INTERNAL;
		return ship_err_prefix(err, "cannot resolve '%.*s' in '%s' line %u, column %u",
				       (int)(close - i), s.p + i, t->file ? t->file : "?", line, col);
	}
	if (out->failed)
		return ship_err_set(err, SHIP_ERR_NOMEM, "value of '%.*s' is too long or memory ran out",
				    (int)name.len, name.p);
	if (r > 0 && (out->len > mark || !def.p))
		return 0;
	ship_buf_truncate(out, mark);
	if (def.p) {
		if (depth >= SHIP_TPL_MAX_DEPTH)
			return syntax_problem(t, s, i, close, base, "defaults nested too deeply in");
		return expand(t, def, base + (size_t)(def.p - s.p), depth + 1, out, err);
	}
	{
		unsigned line, col;
		char cb_hint[sizeof(err->message)];
		struct ship_buf hint = SHIP_BUF_INIT(0);
		memcpy(cb_hint, err->message, sizeof(cb_hint));
		cb_hint[sizeof(cb_hint) - 1] = '\0';
		ship_err_clear(err);
		locate(t, base + i, &line, &col);
		if (ns.len) {
			if (cb_hint[0])
				ship_buf_addf(&hint, "%s; ", cb_hint);
			ship_buf_addf(&hint,
				      "list the outputs with 'ecship infra outputs', or give a default "
				      "with ${cfn:%.*s:-value}",
				      (int)name.len, name.p);
			ship_diags_add(t->diags, SHIP_SEV_ERROR, t->file, line, col,
				       hint.failed ? NULL : hint.data,
				       "stack output '%.*s' is not defined", (int)name.len, name.p);
		} else {
			if (cb_hint[0])
				ship_buf_addf(&hint, "%s; ", cb_hint);
			ship_tpl_unset_hint(name, &hint);
			ship_diags_add(t->diags, SHIP_SEV_ERROR, t->file, line, col,
				       hint.failed ? NULL : hint.data, "variable '%.*s' is not set",
				       (int)name.len, name.p);
		}
		ship_buf_release(&hint);
		ship_buf_addstr(out, (struct ship_str){s.p + i, close - i});
		return 1;
	}
bad:
	ship_buf_addstr(out, (struct ship_str){s.p + i, close - i});
	return syntax_problem(t, s, i, close, base, "unsupported variable syntax");
}

static int expand(const struct ship_tpl *t, struct ship_str s, size_t base, int depth,
		  struct ship_buf *out, struct ship_err *err)
{
	int problems = 0;
	size_t i = 0;
	while (i < s.len) {
		const char *d = memchr(s.p + i, '$', s.len - i);
		size_t at = d ? (size_t)(d - s.p) : s.len;
		ship_buf_add(out, s.p + i, at - i);
		i = at;
		if (i >= s.len)
			break;
		if (i + 2 < s.len && s.p[i + 1] == '$' && s.p[i + 2] == '{') {
			ship_buf_add(out, "${", 2);
			i += 3;
		} else if (i + 1 < s.len && s.p[i + 1] == '{') {
			size_t next;
			int r = reference(t, s, i, base, depth, out, &next, err);
			if (r < 0)
				return -1;
			problems |= r;
			i = next;
		} else {
			ship_buf_addch(out, '$');
			i++;
		}
		if (out->failed)
			break;
	}
	if (out->failed)
		return ship_err_set(err, SHIP_ERR_NOMEM,
				    "expanded value in '%s' is too long or memory ran out",
				    t->file ? t->file : "?");
	return problems;
}

int ship_tpl_expand(const struct ship_tpl *t, struct ship_str in, struct ship_buf *out,
		    struct ship_err *err)
{
	return expand(t, in, 0, 0, out, err);
}
