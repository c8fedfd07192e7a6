/*
 * utf8.c: input files as editors write them. A UTF-8 byte-order mark (Windows Notepad, some IDEs)
 * is skipped; UTF-16 and UTF-32 (a BOM FE FF / FF FE, or NUL bytes) are refused with a message
 * that says how to save the file as UTF-8. Depends on lib/util only.
 */
#include <string.h>

#include "ecship/err.h"

int ship_text_utf8(const char *file, struct ship_str *text, struct ship_err *err)
{
	const unsigned char *p = (const unsigned char *)text->p;
	const char *name = file ? file : "input";
	size_t n = text->len;
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		text->p += 3;
		text->len -= 3;
		p += 3;
		n -= 3;
	}
	if (n >= 2 && ((p[0] == 0xFE && p[1] == 0xFF) || (p[0] == 0xFF && p[1] == 0xFE)))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "'%s' is UTF-16 or UTF-32 text (byte-order mark %02X %02X); "
				    "ecship reads UTF-8: save it as UTF-8 (in Notepad: Save As, "
				    "Encoding UTF-8)",
				    name, p[0], p[1]);
	const unsigned char *nul = n ? memchr(p, 0, n) : NULL;
	if (nul) {
		size_t line = 1;
		for (const unsigned char *q = p; q < nul; q++)
			line += *q == '\n';
		return ship_err_set(
		    err, SHIP_ERR_INPUT,
		    "'%s' holds a NUL byte (line %zu): it is UTF-16 or binary, not "
		    "UTF-8 text; save it as UTF-8 (in Notepad: Save As, Encoding UTF-8)",
		    name, line);
	}
	return 0;
}
