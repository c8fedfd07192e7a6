/*
 * text.h: small text helpers written once for library, tool and simulator: hex digits,
 * percent-decoding (URIs, forms, IAM policy documents) and the edit-distance "did you mean"
 * suggestion. Pure functions over util.h's buffers and views; depends on libc and util only.
 */
#ifndef ECSHIP_TEXT_H
#define ECSHIP_TEXT_H

#include <stddef.h>

#include "ecship/util.h"

/* The value of one hex digit (0-9, a-f, A-F), or -1 for any other byte. */
int ship_hex_digit(int c);

/* 1 when s.p[i] starts a valid %XX escape (a '%' and two hex digits inside s). */
int ship_pct_is_escape(struct ship_str s, size_t i);

/* Flags of ship_pct_decode. */
#define SHIP_PCT_PLUS_SPACE 1u /* '+' decodes to ' ' (HTML forms, IAM policy documents) */

/*
 * Appends in to out with every valid %XX escape decoded; a '%' not followed by two hex digits
 * is kept as it is. '+' stays '+' unless flags has SHIP_PCT_PLUS_SPACE. The output is never
 * longer than the input, so out grows once. 0, or -1 when out cannot grow (out->failed).
 */
int ship_pct_decode(struct ship_buf *out, struct ship_str in, unsigned flags);

/* Levenshtein distance of two short words; (size_t)-1 when either has 63 bytes or more. */
size_t ship_edit_distance(const char *a, const char *b);

/*
 * The "did you mean" suggestion: the candidate (NULL-terminated list) closest to word, or NULL
 * when none is close: at most len(word)/3 + 1 edits, and never more than 3; a candidate equal
 * but for ASCII case counts as distance 0. The first of equally close candidates wins.
 */
const char *ship_suggest(const char *word, const char *const *candidates);

#endif
