/*
 * diag.c: the bounded problem list behind diag.h. Keeps the first `max` entries and counts the
 * rest, so a file with a thousand mistakes cannot grow memory without bound.
 * Depends on lib/util only.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/diag.h"

void ship_diags_init(struct ship_diags *d, size_t max)
{
	memset(d, 0, sizeof(*d));
	d->max = max ? max : SHIP_DIAGS_MAX_DEFAULT;
}

void ship_diags_release(struct ship_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		ship_free(d->v[i].file);
		ship_free(d->v[i].message);
		ship_free(d->v[i].hint);
	}
	ship_free(d->v);
	size_t max = d->max;
	ship_diags_init(d, max);
}

int ship_diags_add(struct ship_diags *d, enum ship_severity sev, const char *file, unsigned line,
		   unsigned column, const char *hint, const char *fmt, ...)
{
	struct ship_buf msg = SHIP_BUF_INIT(0); /* bounded by the input, never cut */
	struct ship_diag g = {sev, NULL, line, column, NULL, NULL};
	va_list ap;

	if ((unsigned)sev <= SHIP_SEV_ERROR)
		d->counts[sev]++;
	if (d->n >= (d->max ? d->max : SHIP_DIAGS_MAX_DEFAULT))
		goto drop;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct ship_diag *v = ship_realloc(d->v, cap * sizeof(*v));
		if (!v)
			goto drop;
		d->v = v;
		d->cap = cap;
	}
	va_start(ap, fmt);
	ship_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	g.message = ship_buf_detach(&msg, NULL);
	g.file = file ? ship_strdup(file) : NULL;
	g.hint = hint && *hint ? ship_strdup(hint) : NULL;
	if (!g.message || (file && !g.file) || (hint && *hint && !g.hint)) {
		ship_free(g.message);
		ship_free(g.file);
		ship_free(g.hint);
		goto drop;
	}
	d->v[d->n++] = g;
	return 0;
drop:
	ship_buf_release(&msg);
	d->dropped++;
	return -1;
}

size_t ship_diags_count(const struct ship_diags *d, enum ship_severity sev)
{
	return (unsigned)sev <= SHIP_SEV_ERROR ? d->counts[sev] : 0;
}

const char *ship_severity_name(enum ship_severity sev)
{
	switch (sev) {
	case SHIP_SEV_NOTE:
		return "note";
	case SHIP_SEV_WARNING:
		return "warning";
	case SHIP_SEV_ERROR:
		return "error";
	}
	return "error";
}

int ship_diag_format(const struct ship_diag *g, struct ship_buf *out)
{
	if (g->file) {
		ship_buf_addf(out, "'%s'", g->file);
		if (g->line && g->column)
			ship_buf_addf(out, ": line %u, column %u", g->line, g->column);
		else if (g->line)
			ship_buf_addf(out, ": line %u", g->line);
		ship_buf_adds(out, ": ");
	}
	ship_buf_adds(out, g->message);
	return out->failed ? -1 : 0;
}

int ship_diags_to_err(const struct ship_diags *d, struct ship_err *err)
{
	size_t errors = ship_diags_count(d, SHIP_SEV_ERROR);
	const struct ship_diag *first = NULL;
	struct ship_buf b = SHIP_BUF_INIT(sizeof(err->message));

	if (!errors)
		return 0;
	for (size_t i = 0; i < d->n && !first; i++)
		if (d->v[i].severity == SHIP_SEV_ERROR)
			first = &d->v[i];
	if (!first) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory while recording %zu input errors",
			     errors);
		return -1;
	}
	ship_diag_format(first, &b);
	if (first->hint)
		ship_buf_addf(&b, "; %s", first->hint);
	if (errors > 1)
		ship_buf_addf(&b, " (and %zu more error%s)", errors - 1, errors > 2 ? "s" : "");
	ship_err_set(err, SHIP_ERR_INPUT, "%s", b.failed ? first->message : b.data);
	ship_buf_release(&b);
	return -1;
}
