/*
 * xml.c: libxml2 helpers for Query/EC2 answers (see xml.h). Parsing is locked down: no network,
 * no DTD, no entity substitution, no error output. Depends on libxml2 and util only.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>

#include "ecship/xml.h"

/* libxml2 reports some errors (input encoding conversion) through its generic handler whatever
 * XML_PARSE_NOERROR says; the library never prints, so that handler is silenced while parsing. */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

xmlDoc *ship_xml_parse(struct ship_str text, struct ship_err *err)
{
	if (text.len > INT_MAX) {
		ship_err_set(err, SHIP_ERR_PROTOCOL, "XML document too large");
		return NULL;
	}
	xmlGenericErrorFunc prev = xmlGenericError;
	void *prev_ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlDoc *doc = xmlReadMemory(text.p, (int)text.len, "answer.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					XML_PARSE_NOCDATA);
	xmlSetGenericErrorFunc(prev_ctx, prev);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		char why[200] = "malformed XML";
		if (e && e->message) {
			snprintf(why, sizeof(why), "%s", e->message);
			size_t n = strlen(why);
			while (n && (why[n - 1] == '\n' || why[n - 1] == ' '))
				why[--n] = '\0';
			if (e->line > 0) {
				size_t m = strlen(why);
				snprintf(why + m, sizeof(why) - m, " (line %d)", e->line);
			}
		}
		ship_err_set(err, SHIP_ERR_PROTOCOL, "cannot parse XML: %s", why);
		return NULL;
	}
	if (!xmlDocGetRootElement(doc)) {
		xmlFreeDoc(doc);
		ship_err_set(err, SHIP_ERR_PROTOCOL, "cannot parse XML: no root element");
		return NULL;
	}
	return doc;
}

xmlNode *ship_xml_root(const xmlDoc *doc) { return doc ? xmlDocGetRootElement(doc) : NULL; }

int ship_xml_is(const xmlNode *node, const char *name)
{
	return node && node->type == XML_ELEMENT_NODE && node->name &&
	       !strcmp((const char *)node->name, name);
}

xmlNode *ship_xml_child(const xmlNode *parent, const char *name)
{
	if (!parent)
		return NULL;
	for (xmlNode *c = parent->children; c; c = c->next)
		if (ship_xml_is(c, name))
			return c;
	return NULL;
}

static xmlNode *path_from(const xmlNode *n, const char *path)
{
	char step[128];
	while (n && path && *path) {
		const char *slash = strchr(path, '/');
		size_t len = slash ? (size_t)(slash - path) : strlen(path);
		if (len == 0 || len >= sizeof(step))
			return NULL;
		memcpy(step, path, len);
		step[len] = '\0';
		n = ship_xml_child(n, step);
		path = slash ? slash + 1 : NULL;
	}
	return (xmlNode *)n;
}

xmlNode *ship_xml_path(const xmlNode *from, const char *path) { return path_from(from, path); }

xmlNode *ship_xml_doc_path(const xmlDoc *doc, const char *path)
{
	xmlNode *root = ship_xml_root(doc);
	if (!root || !path)
		return NULL;
	const char *slash = strchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : strlen(path);
	if (strlen((const char *)root->name) != len || strncmp((const char *)root->name, path, len))
		return NULL;
	return slash ? path_from(root, slash + 1) : root;
}

char *ship_xml_text(const xmlNode *node)
{
	if (!node)
		return NULL;
	xmlChar *c = xmlNodeGetContent(node);
	if (!c)
		return ship_strdup("");
	char *s = ship_strdup((const char *)c);
	xmlFree(c);
	return s;
}

char *ship_xml_path_text(const xmlNode *from, const char *path)
{
	return ship_xml_text(ship_xml_path(from, path));
}

const char *ship_xml_path_copy(const xmlNode *from, const char *path, char *out, size_t size)
{
	if (!size)
		return out;
	out[0] = '\0';
	xmlNode *n = ship_xml_path(from, path);
	if (!n)
		return out;
	xmlChar *c = xmlNodeGetContent(n);
	if (c) {
		snprintf(out, size, "%s", (const char *)c);
		xmlFree(c);
	}
	return out;
}

xmlNode *ship_xml_first_item(const xmlNode *list)
{
	if (!list)
		return NULL;
	for (xmlNode *c = list->children; c; c = c->next)
		if (ship_xml_is(c, "member") || ship_xml_is(c, "item"))
			return c;
	return NULL;
}

xmlNode *ship_xml_next_item(const xmlNode *item)
{
	if (!item)
		return NULL;
	for (xmlNode *c = item->next; c; c = c->next)
		if (ship_xml_is(c, (const char *)item->name))
			return c;
	return NULL;
}

size_t ship_xml_count_items(const xmlNode *list)
{
	size_t n = 0;
	for (xmlNode *c = ship_xml_first_item(list); c; c = ship_xml_next_item(c))
		n++;
	return n;
}
