/*
 * diag.h: a bounded list of problems found in user input (config, definitions), each with a
 * severity, the file, line and column it is about, what is wrong and what to do. Loaders and
 * validators collect every problem instead of stopping at the first; the tool prints them.
 * Depends on util.h and err.h only; never prints.
 */
#ifndef ECSHIP_DIAG_H
#define ECSHIP_DIAG_H

#include "ecship/err.h"
#include "ecship/util.h"

enum ship_severity { SHIP_SEV_NOTE, SHIP_SEV_WARNING, SHIP_SEV_ERROR };

struct ship_diag {
	enum ship_severity severity;
	char *file;            /* NULL when not about a file */
	unsigned line, column; /* 1-based; 0 when unknown */
	char *message;         /* what is wrong: lowercase, no full stop */
	char *hint;            /* what to do; NULL when there is nothing to add */
};

struct ship_diags {
	struct ship_diag *v;
	size_t n, cap;
	size_t max;       /* entries kept; later ones are only counted */
	size_t dropped;   /* entries counted but not kept (over max or out of memory) */
	size_t counts[3]; /* per severity, including dropped ones */
};

#define SHIP_DIAGS_MAX_DEFAULT 50
#define SHIP_DIAGS_INIT {NULL, 0, 0, SHIP_DIAGS_MAX_DEFAULT, 0, {0, 0, 0}}

void ship_diags_init(struct ship_diags *d, size_t max); /* max 0: SHIP_DIAGS_MAX_DEFAULT */
void ship_diags_release(struct ship_diags *d);          /* accepts a released or zeroed list */
/* Adds one entry (file and hint may be NULL). Returns 0, or -1 when it could only be counted. */
int ship_diags_add(struct ship_diags *d, enum ship_severity sev, const char *file, unsigned line,
		   unsigned column, const char *hint, const char *fmt, ...) SHIP_PRINTF(7, 8);
size_t ship_diags_count(const struct ship_diags *d, enum ship_severity sev);
const char *ship_severity_name(enum ship_severity sev); /* "note", "warning", "error" */
/* "'file': line 3, column 5: message" (no severity, no hint, no newline); appends to out. */
int ship_diag_format(const struct ship_diag *g, struct ship_buf *out);
/*
 * Fills err with SHIP_ERR_INPUT from the first error in d ("<first>; hint; and N more errors")
 * and returns -1; when d holds no error it returns 0 and leaves err alone.
 */
int ship_diags_to_err(const struct ship_diags *d, struct ship_err *err);

#endif
