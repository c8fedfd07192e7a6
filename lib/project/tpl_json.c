/*
 * tpl_json.c: renders variables inside the string values of a JSON document. jansson keeps no
 * positions per value, so the text is first parsed by jansson (for its error messages), then
 * scanned here token by token: each value string is decoded, expanded and re-encoded in place,
 * and the result parsed again. Positions are therefore exact, even after escapes.
 * Depends on jansson, template.c and lib/util only.
 */
#include <errno.h>
#include <string.h>

#include "ecship/template.h"
#include "ecship/text.h"

struct tok_loc {
	const char *raw; /* token body, between the quotes */
	size_t len;
	unsigned line, column; /* of raw[0] */
};

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = ship_hex_digit((unsigned char)p[i]);
		v = v * 16 + (unsigned)(h < 0 ? 0 : h);
	}
	return v;
}

static void put_utf8(struct ship_buf *out, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	ship_buf_add(out, b, n);
}

/*
 * Decodes a token body jansson has already accepted. With `stop` != (size_t)-1 it decodes
 * nothing and returns the raw offset where decoded offset `stop` begins.
 */
static size_t decode(const char *raw, size_t len, struct ship_buf *out, size_t stop)
{
	size_t i = 0, dlen = 0;
	while (i < len) {
		if (stop != (size_t)-1 && dlen >= stop)
			return i;
		if (raw[i] != '\\') {
			if (out)
				ship_buf_addch(out, raw[i]);
			i++;
			dlen++;
			continue;
		}
		if (i + 1 >= len)
			break;
		char c = raw[i + 1], e = 0;
		switch (c) {
		case 'n':
			e = '\n';
			break;
		case 't':
			e = '\t';
			break;
		case 'r':
			e = '\r';
			break;
		case 'b':
			e = '\b';
			break;
		case 'f':
			e = '\f';
			break;
		case 'u':
			break;
		default:
			e = c;
			break;
		}
		if (c != 'u') {
			if (out)
				ship_buf_addch(out, e);
			i += 2;
			dlen++;
			continue;
		}
		if (i + 6 > len)
			break;
		unsigned cp = hex4(raw + i + 2);
		i += 6;
		if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= len && raw[i] == '\\' &&
		    raw[i + 1] == 'u') {
			unsigned lo = hex4(raw + i + 2);
			if (lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i += 6;
			}
		}
		size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		if (out)
			put_utf8(out, cp);
		dlen += n;
	}
	return i;
}

static unsigned codepoints(const char *p, size_t n)
{
	unsigned c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)p[i] & 0xC0) != 0x80)
			c++;
	return c;
}

static void tok_locate(void *ctx, size_t off, unsigned *line, unsigned *column)
{
	const struct tok_loc *t = ctx;
	size_t raw = decode(t->raw, t->len, NULL, off);
	*line = t->line;
	*column = t->column + codepoints(t->raw, raw);
}

static void encode(struct ship_buf *out, struct ship_str s)
{
	static const char hex[] = "0123456789abcdef";
	ship_buf_addch(out, '"');
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		switch (c) {
		case '"':
			ship_buf_add(out, "\\\"", 2);
			break;
		case '\\':
			ship_buf_add(out, "\\\\", 2);
			break;
		case '\n':
			ship_buf_add(out, "\\n", 2);
			break;
		case '\r':
			ship_buf_add(out, "\\r", 2);
			break;
		case '\t':
			ship_buf_add(out, "\\t", 2);
			break;
		default:
			if (c < 0x20) {
				char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				ship_buf_add(out, u, 6);
			} else {
				ship_buf_addch(out, (char)c);
			}
		}
	}
	ship_buf_addch(out, '"');
}

static const char *json_hint(const char *text)
{
	if (strstr(text, "end of file expected"))
		return "the file must hold one JSON object; look for text after its closing '}'";
	if (strstr(text, "duplicate"))
		return "remove one of the two entries with that key";
	if (strstr(text, "invalid token") || strstr(text, "string or '}' expected"))
		return "look for a trailing comma, an unquoted key or value, or a comment (JSON "
		       "has "
		       "none) near there";
	if (strstr(text, "expected"))
		return "look for a missing ',' or ':' or an unclosed bracket or quote near there";
	return "fix the JSON syntax near there (for example with 'python3 -m json.tool FILE')";
}

/* Parses text with jansson; on failure fills err with file, line, column, message and hint. */
static json_t *parse(const char *file, struct ship_str text, struct ship_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(text.p, text.len, JSON_REJECT_DUPLICATES, &je);
	if (j)
		return j;
	if (je.line < 0 && !je.text[0])
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory parsing '%s'", file), NULL;
	if (je.line < 0)
		return ship_err_set(err, SHIP_ERR_INPUT, "cannot parse '%s': %s; %s", file, je.text,
				    json_hint(je.text)),
		       NULL;
	if (strstr(je.text, "out of memory") || strstr(je.text, "Out of memory"))
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory parsing '%s'", file), NULL;
	ship_err_set(err, SHIP_ERR_INPUT, "cannot parse '%s': line %d, column %d: %s; %s", file,
		     je.line, je.column, je.text, json_hint(je.text));
	return NULL;
}

json_t *ship_tpl_render_json(const struct ship_tpl *tin, const char *file, struct ship_str text,
			     struct ship_err *err)
{
	struct ship_tpl t = *tin;
	struct ship_buf out = SHIP_BUF_INIT(SHIP_TPL_MAX_FILE * 4);
	struct ship_buf dec = SHIP_BUF_INIT(SHIP_TPL_MAX_FILE);
	struct ship_buf exp = SHIP_BUF_INIT(SHIP_TPL_MAX_FILE);
	struct tok_loc loc;
	json_t *result = NULL, *check;
	size_t errors_before = ship_diags_count(t.diags, SHIP_SEV_ERROR);
	unsigned line = 1, col = 1;
	size_t i = 0;

	/* as editors write files: a UTF-8 byte-order mark is skipped, UTF-16 refused */
	if (ship_text_utf8(file, &text, err))
		return NULL;
	check = parse(file, text, err);
	if (!check)
		return NULL;
	json_decref(check);

	t.file = file;
	t.locate = tok_locate;
	t.locate_ctx = &loc;
	while (i < text.len) {
		unsigned char c = (unsigned char)text.p[i];
		if (c != '"') {
			ship_buf_addch(&out, (char)c);
			if (c == '\n') {
				line++;
				col = 1;
			} else if ((c & 0xC0) != 0x80) {
				col++;
			}
			i++;
			continue;
		}
		size_t start = i + 1, j = start;
		while (j < text.len && text.p[j] != '"')
			j += text.p[j] == '\\' ? 2 : 1;
		if (j > text.len)
			j = text.len;
		size_t k = j + 1;
		while (k < text.len && strchr(" \t\r\n", text.p[k]))
			k++;
		int is_key = k < text.len && text.p[k] == ':';
		loc = (struct tok_loc){text.p + start, j - start, line, col + 1};
		if (!is_key && memchr(text.p + start, '$', j - start)) {
			ship_buf_reset(&dec);
			ship_buf_reset(&exp);
			decode(text.p + start, j - start, &dec, (size_t)-1);
			if (dec.failed) {
				ship_err_set(err, SHIP_ERR_NOMEM, "out of memory rendering '%s'",
					     file);
				goto cleanup;
			}
			if (ship_tpl_expand(&t, ship_buf_str(&dec), &exp, err) < 0)
				goto cleanup;
			encode(&out, ship_buf_str(&exp));
		} else {
			ship_buf_add(&out, text.p + i, j + 1 - i);
		}
		col += 1 + codepoints(text.p + start, j - start) + 1;
		i = j + 1;
	}
	if (out.failed) {
		ship_err_set(err, SHIP_ERR_NOMEM, "rendered '%s' is too large or memory ran out",
			     file);
		goto cleanup;
	}
	if (ship_diags_count(t.diags, SHIP_SEV_ERROR) > errors_before) {
		ship_diags_to_err(t.diags, err);
		goto cleanup;
	}
	result = parse(file, ship_buf_str(&out), err);
	if (!result && err->code == SHIP_ERR_INPUT)
		err->code = SHIP_ERR_INTERNAL; /* our own output must parse */
cleanup:
	ship_buf_release(&out);
	ship_buf_release(&dec);
	ship_buf_release(&exp);
	return result;
}

int ship_tpl_read_file(const char *path, struct ship_buf *b, struct ship_err *err)
{
	if (ship_read_regular_file(path, b) == 0)
		return 0;
	if (errno == EFBIG)
		return ship_err_set(err, SHIP_ERR_INPUT, "cannot read '%s': larger than %zu bytes",
				    path, SHIP_TPL_MAX_FILE);
	if (b->failed)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory reading '%s'", path);
	return ship_err_set(err, SHIP_ERR_INPUT, "cannot read '%s': %s", path,
			    ship_read_strerror(errno));
}

json_t *ship_tpl_render_json_file(const struct ship_tpl *t, const char *path, struct ship_err *err)
{
	struct ship_buf b = SHIP_BUF_INIT(SHIP_TPL_MAX_FILE);
	json_t *j = NULL;
	if (ship_tpl_read_file(path, &b, err) == 0)
		j = ship_tpl_render_json(t, path, ship_buf_str(&b), err);
	ship_buf_release(&b);
	return j;
}
