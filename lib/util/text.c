/*
 * text.c: hex digits, percent-decoding and the "did you mean" suggestion (text.h), written once
 * for the AWS protocols, doctor's IAM policy reading, the simulator's forms, the config and
 * definition checks and the tool's unknown-command message. Depends on libc and util only.
 */
#include <string.h>

#include "ecship/text.h"

int ship_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ship_pct_is_escape(struct ship_str s, size_t i)
{
	return i + 2 < s.len && s.p[i] == '%' && ship_hex_digit((unsigned char)s.p[i + 1]) >= 0 &&
	       ship_hex_digit((unsigned char)s.p[i + 2]) >= 0;
}

int ship_pct_decode(struct ship_buf *out, struct ship_str in, unsigned flags)
{
	if (in.len == 0)
		return out->failed ? -1 : 0;
	if (ship_buf_grow(out, in.len))
		return -1;
	char *d = out->data + out->len;
	for (size_t i = 0; i < in.len; i++) {
		if (ship_pct_is_escape(in, i)) {
			*d++ = (char)(ship_hex_digit((unsigned char)in.p[i + 1]) * 16 +
				      ship_hex_digit((unsigned char)in.p[i + 2]));
			i += 2;
		} else if (in.p[i] == '+' && (flags & SHIP_PCT_PLUS_SPACE)) {
			*d++ = ' ';
		} else {
			*d++ = in.p[i];
		}
	}
	out->len = (size_t)(d - out->data);
	out->data[out->len] = '\0';
	return 0;
}

size_t ship_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];
	if (la >= 63 || lb >= 63)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0]; /* the diagonal: row i-1, column j-1 */
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

const char *ship_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1, limit = strlen(word) / 3 + 1;
	if (limit > 3)
		limit = 3;
	for (size_t i = 0; candidates[i]; i++) {
		size_t d = ship_edit_distance(word, candidates[i]);
		if (ship_strcasecmp(word, candidates[i]) == 0)
			d = 0;
		if (d <= limit && d < bestd) {
			best = candidates[i];
			bestd = d;
		}
	}
	return best;
}
