/*
 * yamltree.h: a small YAML document tree built from libyaml events, keeping each node's line and
 * column so config errors can point at them. Aliases share nodes; merge keys are not supported.
 * Private to lib/project (config.c) and its tests. Depends on libyaml and lib/util.
 */
#ifndef ECSHIP_PRIVATE_YAMLTREE_H
#define ECSHIP_PRIVATE_YAMLTREE_H

#include "ecship/err.h"
#include "ecship/util.h"

enum ship_ykind { SHIP_Y_SCALAR, SHIP_Y_SEQ, SHIP_Y_MAP };

struct ship_ynode {
	enum ship_ykind kind;
	unsigned line, column;         /* 1-based, where the node starts (at a quote if quoted) */
	unsigned end_line, end_column; /* 1-based, just past its end */
	int plain;                     /* scalar written without quotes (may mean null) */
	char *value;                   /* scalar: NUL-terminated (may also hold NULs) */
	size_t len;
	struct ship_ynode **kids; /* seq: items; map: key, value, key, value, ... */
	size_t n;                 /* entries in kids */
	struct ship_ynode *all_next;
};

struct ship_ydoc {
	char *file;
	struct ship_str text; /* borrowed: the caller keeps it alive while the doc is used */
	size_t *line_starts;  /* byte offset of each line */
	size_t nlines;
	struct ship_ynode *root; /* NULL for an empty document */
	struct ship_ynode *all;  /* every node, for freeing */
	size_t nodes;
};

#define SHIP_YAML_MAX_DEPTH 64
#define SHIP_YAML_MAX_NODES 100000

/* Parses the first document of text. Malformed YAML: SHIP_ERR_INPUT with file, line, column. */
int ship_ydoc_parse(struct ship_ydoc *doc, const char *file, struct ship_str text,
		    struct ship_err *err);
void ship_ydoc_release(struct ship_ydoc *doc);
/* A new map node (in doc's arena) with room for n entries; NULL when out of memory. */
struct ship_ynode *ship_ydoc_new_map(struct ship_ydoc *doc, const struct ship_ynode *like, size_t n);
/* The value under key in a map, or NULL. */
const struct ship_ynode *ship_ynode_get(const struct ship_ynode *map, const char *key);
/* A plain scalar meaning null: "", "~", "null", "Null", "NULL". */
int ship_ynode_is_null(const struct ship_ynode *n);
/* Line and column of byte offset `off` within scalar n's value (see yamltree.c for how). */
void ship_ydoc_locate(const struct ship_ydoc *doc, const struct ship_ynode *n, size_t off,
		      unsigned *line, unsigned *column);

#endif
