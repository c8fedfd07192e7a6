/*
 * xml.h: small helpers over libxml2 for reading Query and EC2 answers: parse without network or
 * entity expansion, find children and paths by local name (namespaces ignored), copy text, walk
 * `member`/`item` lists. Every command reads its XML through these. Never prints.
 */
#ifndef ECSHIP_XML_H
#define ECSHIP_XML_H

#include <libxml/tree.h>

#include "ecship/err.h"

/*
 * Parses a document (no DTD loading, no entity expansion, no network, no messages on stderr).
 * Returns NULL with SHIP_ERR_PROTOCOL and the parser's reason on malformed input; caller
 * xmlFreeDoc.
 */
xmlDoc *ship_xml_parse(struct ship_str text, struct ship_err *err);

/* The root element, or NULL. */
xmlNode *ship_xml_root(const xmlDoc *doc);

/* First element child of `parent` whose local name is `name`; NULL when none (or parent NULL). */
xmlNode *ship_xml_child(const xmlNode *parent, const char *name);

/*
 * Follows a '/'-separated path of local names from `from` (each step the first matching child):
 * ship_xml_path(root, "DescribeStacksResult/Stacks"). An empty path returns `from`.
 */
xmlNode *ship_xml_path(const xmlNode *from, const char *path);

/* Like ship_xml_path, but searches the whole document's root: "ErrorResponse/Error/Code". */
xmlNode *ship_xml_doc_path(const xmlDoc *doc, const char *path);

/* Text content of a node as a new string (caller ship_free); NULL when node is NULL or on OOM. */
char *ship_xml_text(const xmlNode *node);

/* Text of the node at path under `from`, caller ship_free; NULL when there is no such node. */
char *ship_xml_path_text(const xmlNode *from, const char *path);

/* Copies the text at path into out (truncating); "" when absent. Returns out. */
const char *ship_xml_path_copy(const xmlNode *from, const char *path, char *out, size_t size);

/*
 * Lists: Query answers wrap list entries in <member>, EC2 answers in <item>. first_item returns
 * the first element child of `list` named member or item, next_item the next sibling element
 * with the same name as `item`. for (n = ship_xml_first_item(l); n; n = ship_xml_next_item(n))
 */
xmlNode *ship_xml_first_item(const xmlNode *list);
xmlNode *ship_xml_next_item(const xmlNode *item);
/* Number of entries of a list (0 for NULL). */
size_t ship_xml_count_items(const xmlNode *list);

/* Whether the node is an element with this local name. */
int ship_xml_is(const xmlNode *node, const char *name);

#endif
