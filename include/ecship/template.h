/*
 * template.h: the variable syntax of ecship.yml and the definition files:
 *   ${NAME}           NAME from the resolver (environment, then built-ins)
 *   ${NAME:-default}  default when NAME is unset or empty; the default may hold variables
 *   ${cfn:KEY}        an Output of the base stack (also ${cfn:KEY:-default})
 *   $${               a literal "${"
 * Anything else after "${" is an error. Values come from a callback, so this file knows nothing
 * about the environment, STS or CloudFormation. Depends on util.h, err.h, diag.h only.
 */
#ifndef ECSHIP_TEMPLATE_H
#define ECSHIP_TEMPLATE_H

#include <jansson.h>

#include "ecship/diag.h"
#include "ecship/err.h"
#include "ecship/util.h"

/*
 * Resolves one variable: ns is "" for ${NAME} or "cfn" for ${cfn:KEY}. Appends the value to out
 * and returns 1 when it is defined (an empty value is fine), 0 when it is not (it may then put a
 * hint for the user in err->message, e.g. the outputs the stack does have), or -1 on a failure
 * that is not the user's input (STS unreachable, ...) with err filled.
 */
typedef int (*ship_var_fn)(void *ctx, struct ship_str ns, struct ship_str name,
			   struct ship_buf *out, struct ship_err *err);

/* Maps a byte offset in the string being expanded to a 1-based line and column in its file. */
typedef void (*ship_tpl_locate_fn)(void *ctx, size_t offset, unsigned *line, unsigned *column);

struct ship_tpl {
	ship_var_fn var;
	void *var_ctx;
	struct ship_diags *diags;  /* unresolved variables and syntax errors are added here */
	const char *file;	   /* named in problems */
	ship_tpl_locate_fn locate; /* NULL: every problem is at line/column below */
	void *locate_ctx;
	unsigned line, column;
};

#define SHIP_TPL_MAX_DEPTH 8 /* nesting of defaults: ${A:-${B:-${C}}} */

/* Nonzero when s contains "$" followed by "{" or "${" (i.e. expansion could change it). */
int ship_tpl_has_vars(struct ship_str s);

/*
 * Expands `in`, appending to out. Returns 0 when done, 1 when problems were added to t->diags
 * (out then holds a best effort with the unresolved references left as written), -1 on a
 * resolver failure or when out overflows (err filled).
 */
int ship_tpl_expand(const struct ship_tpl *t, struct ship_str in, struct ship_buf *out,
		    struct ship_err *err);

/*
 * Parses the JSON text of `file` and renders every string value (never a key) through t; t->file
 * and the locator are set here, so problems name the exact line and column of each reference.
 * Returns a new reference, or NULL with err: malformed JSON (SHIP_ERR_INPUT: file, line, column,
 * jansson's message and a hint), problems in t->diags (SHIP_ERR_INPUT summarising them), or a
 * resolver failure (its own code).
 */
json_t *ship_tpl_render_json(const struct ship_tpl *t, const char *file, struct ship_str text,
			     struct ship_err *err);
/* The same for a file (at most SHIP_TPL_MAX_FILE bytes); a missing file is SHIP_ERR_INPUT. */
json_t *ship_tpl_render_json_file(const struct ship_tpl *t, const char *path, struct ship_err *err);
#define SHIP_TPL_MAX_FILE ((size_t)1 << 20)
/*
 * Reads a definition file as the render reads it: regular files only (a FIFO or a device is
 * refused, never waited on), at most SHIP_TPL_MAX_FILE bytes, into b (created with that limit by
 * the caller, who releases it). 0, or -1 with err: unreadable or too large (SHIP_ERR_INPUT, naming
 * the file and why), out of memory (SHIP_ERR_NOMEM).
 */
int ship_tpl_read_file(const char *path, struct ship_buf *b, struct ship_err *err);

/* The hint given for an unset variable NAME (written to out). */
void ship_tpl_unset_hint(struct ship_str name, struct ship_buf *out);

#endif
