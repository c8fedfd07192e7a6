/*
 * diff.c: a unified diff (3 lines of context) of two texts or two JSON documents (printed with
 * sorted keys and two-space indent). Common head and tail are trimmed, the middle is an LCS;
 * when the middle is too large for that, it is shown as replaced wholesale.
 * Depends on jansson and lib/util only.
 */
#include <stdint.h>
#include <string.h>

#include "ecship/taskdef.h"

#define CONTEXT 3
#define MAX_CELLS ((size_t)4 << 20)

struct line {
	const char *p;
	size_t len;
};

struct op {
	char kind; /* ' ', '-', '+' */
	size_t a, b; /* line index in a (for ' ', '-') and b (for ' ', '+') */
};

static int split(struct ship_str s, struct line **out, size_t *n)
{
	size_t count = 0, cap = 16;
	struct line *v = ship_calloc(cap, sizeof(*v));
	if (!v)
		return -1;
	size_t i = 0;
	while (i < s.len) {
		const char *nl = memchr(s.p + i, '\n', s.len - i);
		size_t end = nl ? (size_t)(nl - s.p) : s.len;
		if (count == cap) {
			struct line *w = ship_realloc(v, cap * 2 * sizeof(*v));
			if (!w) {
				ship_free(v);
				return -1;
			}
			v = w;
			cap *= 2;
		}
		v[count].p = s.p + i;
		v[count].len = end - i;
		count++;
		i = end + 1;
	}
	*out = v;
	*n = count;
	return 0;
}

static int same(const struct line *x, const struct line *y)
{
	return x->len == y->len && memcmp(x->p, y->p, x->len) == 0;
}

static void emit_range(struct ship_buf *out, size_t start, size_t count)
{
	/* unified diff: an empty range is written as the line before it, count 0 */
	if (count == 0)
		ship_buf_addf(out, "%zu,0", start);
	else if (count == 1)
		ship_buf_addf(out, "%zu", start + 1);
	else
		ship_buf_addf(out, "%zu,%zu", start + 1, count);
}

/* A hunk is a maximal run of ops within CONTEXT of a change (so close hunks merge). */
static void emit_hunks(const struct op *ops, size_t nops, const struct line *a,
		       const struct line *b, struct ship_buf *out)
{
	size_t i = 0, last_change = (size_t)-1;
	size_t next_change = 0;
	while (i < nops) {
		/* find the next change at or after i */
		if (next_change < i)
			next_change = i;
		while (next_change < nops && ops[next_change].kind == ' ')
			next_change++;
		if (next_change >= nops)
			break;
		size_t start = next_change >= CONTEXT ? next_change - CONTEXT : 0;
		if (last_change != (size_t)-1 && start <= last_change + CONTEXT)
			start = last_change + CONTEXT + 1;
		size_t stop = next_change;
		for (;;) {
			while (stop < nops && ops[stop].kind != ' ')
				stop++;
			size_t k = stop;
			while (k < nops && ops[k].kind == ' ')
				k++;
			if (k < nops && k - stop <= (size_t)2 * CONTEXT) {
				stop = k;
				continue;
			}
			last_change = stop - 1;
			stop = stop + CONTEXT < nops ? stop + CONTEXT : nops;
			break;
		}
		size_t a0 = (size_t)-1, b0 = (size_t)-1, na = 0, nb = 0;
		for (size_t k = start; k < stop; k++) {
			if (ops[k].kind != '+') {
				if (a0 == (size_t)-1)
					a0 = ops[k].a;
				na++;
			}
			if (ops[k].kind != '-') {
				if (b0 == (size_t)-1)
					b0 = ops[k].b;
				nb++;
			}
		}
		if (a0 == (size_t)-1)
			a0 = ops[start].a;
		if (b0 == (size_t)-1)
			b0 = ops[start].b;
		ship_buf_adds(out, "@@ -");
		emit_range(out, a0, na);
		ship_buf_adds(out, " +");
		emit_range(out, b0, nb);
		ship_buf_adds(out, " @@\n");
		for (size_t k = start; k < stop; k++) {
			const struct line *l = ops[k].kind == '+' ? &b[ops[k].b] : &a[ops[k].a];
			ship_buf_addch(out, ops[k].kind);
			ship_buf_add(out, l->p, l->len);
			ship_buf_addch(out, '\n');
		}
		i = stop;
	}
}

int ship_text_diff(struct ship_str ta, struct ship_str tb, const char *label_a,
		   const char *label_b, struct ship_buf *out, struct ship_err *err)
{
	struct line *a = NULL, *b = NULL;
	struct op *ops = NULL;
	uint32_t *tab = NULL;
	size_t na, nb, nops = 0, head = 0, tail = 0;
	int rc = -1;

	if (split(ta, &a, &na) || split(tb, &b, &nb))
		goto nomem;
	while (head < na && head < nb && same(&a[head], &b[head]))
		head++;
	while (tail < na - head && tail < nb - head &&
	       same(&a[na - 1 - tail], &b[nb - 1 - tail]))
		tail++;
	if (head == na && head == nb) {
		rc = 0;
		goto cleanup;
	}
	ops = ship_calloc(na + nb + 1, sizeof(*ops));
	if (!ops)
		goto nomem;
	for (size_t i = 0; i < head; i++)
		ops[nops++] = (struct op){' ', i, i};
	size_t m = na - head - tail, n = nb - head - tail;
	if (m && n && (m + 1) <= MAX_CELLS / (n + 1)) {
		/* tab[i][j] = LCS length of a[head+i..] and b[head+j..] */
		tab = ship_calloc((m + 1) * (n + 1), sizeof(*tab));
		if (!tab)
			goto nomem;
		for (size_t i = m; i-- > 0;)
			for (size_t j = n; j-- > 0;) {
				uint32_t *c = &tab[i * (n + 1) + j];
				if (same(&a[head + i], &b[head + j]))
					*c = tab[(i + 1) * (n + 1) + j + 1] + 1;
				else {
					uint32_t d = tab[(i + 1) * (n + 1) + j], r = tab[i * (n + 1) + j + 1];
					*c = d >= r ? d : r;
				}
			}
		size_t i = 0, j = 0;
		while (i < m || j < n) {
			if (i < m && j < n && same(&a[head + i], &b[head + j])) {
				ops[nops++] = (struct op){' ', head + i, head + j};
				i++;
				j++;
			} else if (j >= n || (i < m && tab[(i + 1) * (n + 1) + j] >=
							   tab[i * (n + 1) + j + 1])) {
				ops[nops++] = (struct op){'-', head + i, head + j};
				i++;
			} else {
				ops[nops++] = (struct op){'+', head + i, head + j};
				j++;
			}
		}
	} else {
		for (size_t i = 0; i < m; i++)
			ops[nops++] = (struct op){'-', head + i, head};
		for (size_t j = 0; j < n; j++)
			ops[nops++] = (struct op){'+', head + m, head + j};
	}
	for (size_t i = 0; i < tail; i++)
		ops[nops++] = (struct op){' ', na - tail + i, nb - tail + i};
	ship_buf_addf(out, "--- %s\n+++ %s\n", label_a ? label_a : "a", label_b ? label_b : "b");
	emit_hunks(ops, nops, a, b, out);
	if (out->failed)
		goto nomem;
	rc = 1;
	goto cleanup;
nomem:
	ship_err_set(err, SHIP_ERR_NOMEM, "out of memory computing a diff");
	rc = -1;
cleanup:
	ship_free(a);
	ship_free(b);
	ship_free(ops);
	ship_free(tab);
	return rc;
}

int ship_json_diff(const json_t *a, const json_t *b, const char *label_a, const char *label_b,
		   struct ship_buf *out, struct ship_err *err)
{
	const size_t flags = JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY;
	char *ta = a ? json_dumps(a, flags) : NULL, *tb = b ? json_dumps(b, flags) : NULL;
	int rc;
	if ((a && !ta) || (b && !tb)) {
		rc = ship_err_set(err, SHIP_ERR_NOMEM, "out of memory printing JSON");
	} else {
		rc = ship_text_diff(ship_str_c(ta), ship_str_c(tb), label_a, label_b, out, err);
	}
	ship_free(ta);
	ship_free(tb);
	return rc;
}
