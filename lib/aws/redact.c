/*
 * redact.c: keeps credential material out of the --debug wire log (see redact.h). Headers, URLs,
 * and JSON (jansson), XML (libxml2) and form bodies; a conservative text scan when a body does
 * not parse. Pure functions over buffers: no I/O, no knowledge of the client.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ecship/redact.h"
#include "ecship/text.h"
#include "ecship/xml.h"

/* ---- names ----------------------------------------------------------------------------------- */

static int lc(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int ci_eq(const char *a, size_t n, const char *b)
{
	return strlen(b) == n && !ship_strncasecmp(a, b, n);
}

static int ci_contains(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = 0; m <= n && i <= n - m; i++) {
		size_t j = 0;
		while (j < m && lc((unsigned char)s[i + j]) == needle[j])
			j++;
		if (j == m)
			return 1;
	}
	return 0;
}

static int ci_ends(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);
	return n >= m && !ship_strncasecmp(s + n - m, suffix, m);
}

int ship_redact_is_key_id_field(const char *name, size_t len)
{
	return ci_eq(name, len, "AccessKeyId") || ci_eq(name, len, "access_key_id") ||
	       ci_eq(name, len, "aws_access_key_id") || ci_eq(name, len, "AccessKey");
}

int ship_redact_is_secret_field(const char *name, size_t len)
{
	static const char *const not_secret[] = {
	    "NextToken",        "ContinuationToken",  "PaginationToken",    "ClientToken",
	    "IdempotencyToken", "nextForwardToken",   "nextBackwardToken",  "nextSequenceToken",
	    "StartingToken",    "uploadSequenceToken", "expectedSequenceToken", "TokenType",
	};
	static const char *const secret[] = {
	    "secret", "password", "passwd", "passphrase", "token", "privatekey", "private_key",
	    "signature", "authorization", "credential",
	};
	if (ship_redact_is_key_id_field(name, len))
		return 0;
	for (size_t i = 0; i < sizeof(not_secret) / sizeof(*not_secret); i++)
		if (ci_eq(name, len, not_secret[i]))
			return 0;
	if (ci_ends(name, len, "arn") || ci_ends(name, len, "expiration") ||
	    ci_ends(name, len, "expiry") || ci_ends(name, len, "expires"))
		return 0;
	for (size_t i = 0; i < sizeof(secret) / sizeof(*secret); i++)
		if (ci_contains(name, len, secret[i]))
			return 1;
	return 0;
}

int ship_redact_is_secret_name(const char *name, size_t len)
{
	static const char *const words[] = {
	    "secret", "passw", "pwd", "token", "key", "credential", "private",
	    "auth",   "dsn",   "signature", "salt", "cookie", "cert",
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (ci_contains(name, len, words[i]))
			return 1;
	return 0;
}

static int is_pair_name(const char *k, size_t n)
{
	return ci_eq(k, n, "name") || ci_eq(k, n, "key") || ci_eq(k, n, "ParameterKey") ||
	       ci_eq(k, n, "OutputKey") || ci_eq(k, n, "OptionName");
}

static int is_pair_value(const char *k, size_t n)
{
	return ci_eq(k, n, "value") || ci_eq(k, n, "ParameterValue") || ci_eq(k, n, "OutputValue");
}

int ship_redact_key_id(struct ship_buf *out, struct ship_str id)
{
	ship_buf_adds(out, "****");
	if (id.len >= 12)
		ship_buf_add(out, id.p + id.len - 4, 4);
	return out->failed ? -1 : 0;
}

/* "scheme://user:password@host": the offset and length of "password", or 0. */
static int userinfo_password(const char *s, size_t n, size_t *off, size_t *len)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		if (memcmp(s + i, "://", 3))
			continue;
		size_t a = i + 3, e = a;
		while (e < n && s[e] != '/' && s[e] != '@' && s[e] != '?' && s[e] != '#' && s[e] != ' ' &&
		       s[e] != '"' && s[e] != '<')
			e++;
		if (e >= n || s[e] != '@')
			continue;
		const char *colon = memchr(s + a, ':', e - a);
		if (!colon || (size_t)(colon - s) + 1 == e)
			continue;
		*off = (size_t)(colon - s) + 1;
		*len = e - *off;
		return 1;
	}
	return 0;
}

/* Appends s with any URL password hidden. */
static void add_masked(struct ship_buf *out, const char *s, size_t n)
{
	size_t off, len;
	while (userinfo_password(s, n, &off, &len)) {
		ship_buf_add(out, s, off);
		ship_buf_adds(out, SHIP_REDACTED);
		s += off + len;
		n -= off + len;
	}
	ship_buf_add(out, s, n);
}

/* ---- headers and URLs ------------------------------------------------------------------------ */

static void add_sigv4_auth(struct ship_buf *out, const char *v)
{
	const char *cred = strstr(v, "Credential=");
	const char *sig = strstr(v, "Signature=");
	if (!cred || !sig || sig < cred) {
		ship_buf_adds(out, SHIP_REDACTED);
		return;
	}
	cred += strlen("Credential=");
	ship_buf_add(out, v, (size_t)(cred - v));
	size_t idlen = strcspn(cred, "/,");
	ship_redact_key_id(out, (struct ship_str){cred, idlen});
	sig += strlen("Signature=");
	ship_buf_add(out, cred + idlen, (size_t)(sig - cred - idlen));
	ship_buf_adds(out, SHIP_REDACTED);
	const char *rest = strchr(sig, ',');
	if (rest)
		ship_buf_adds(out, rest);
}

int ship_redact_header(struct ship_buf *out, const char *name, const char *value)
{
	static const char *const hidden[] = {
	    "X-Amz-Security-Token", "X-aws-ec2-metadata-token", "Proxy-Authorization", "Cookie",
	    "Set-Cookie", "X-Amz-Server-Side-Encryption-Customer-Key", "x-amz-sso_bearer_token",
	};
	size_t n = strlen(name);
	if (ci_eq(name, n, "Authorization")) {
		if (!strncmp(value, "AWS4-", 5))
			add_sigv4_auth(out, value);
		else if (!ship_strncasecmp(value, "Bearer ", 7) || !ship_strncasecmp(value, "Basic ", 6))
			ship_buf_add(out, value, strcspn(value, " ") + 1), ship_buf_adds(out, SHIP_REDACTED);
		else
			ship_buf_adds(out, SHIP_REDACTED);
		return out->failed ? -1 : 0;
	}
	for (size_t i = 0; i < sizeof(hidden) / sizeof(*hidden); i++) {
		if (ci_eq(name, n, hidden[i])) {
			ship_buf_adds(out, SHIP_REDACTED);
			return out->failed ? -1 : 0;
		}
	}
	if (ship_redact_is_secret_field(name, n) && !ci_ends(name, n, "-ttl-seconds"))
		ship_buf_adds(out, SHIP_REDACTED);
	else
		add_masked(out, value, strlen(value));
	return out->failed ? -1 : 0;
}

/*
 * Percent-decodes s ('+' is a space) into out (size bytes) for name checks: a longer name is
 * cut, which only touches names no check looks for. Out of memory gives an empty name.
 */
static size_t pct_decode(const char *s, size_t n, char *out, size_t size)
{
	struct ship_buf b = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
	size_t o = 0;
	if (ship_pct_decode(&b, (struct ship_str){s, n}, SHIP_PCT_PLUS_SPACE) == 0) {
		o = b.len < size - 1 ? b.len : size - 1;
		memcpy(out, b.data, o);
	}
	out[o] = '\0';
	ship_buf_release(&b);
	return o;
}

/* Appends one "k=v" pair of a query string or form; hide: 0 keep, 1 secret, 2 key id. */
static void add_pair(struct ship_buf *out, const char *p, size_t n, int hide)
{
	const char *eq = memchr(p, '=', n);
	if (!eq || hide == 0) {
		add_masked(out, p, n);
		return;
	}
	ship_buf_add(out, p, (size_t)(eq - p) + 1);
	if (hide == 2) {
		char v[256];
		size_t vn = pct_decode(eq + 1, n - (size_t)(eq - p) - 1, v, sizeof(v));
		ship_redact_key_id(out, (struct ship_str){v, strcspn(v, "/")});
		(void)vn;
	} else {
		ship_buf_adds(out, SHIP_REDACTED);
	}
}

static int form_hide(const char *key, size_t kn)
{
	const char *dot = NULL;
	for (size_t i = 0; i < kn; i++)
		if (key[i] == '.')
			dot = key + i;
	const char *leaf = dot ? dot + 1 : key;
	size_t ln = kn - (size_t)(leaf - key);
	if (ci_eq(leaf, ln, "X-Amz-Credential") || ship_redact_is_key_id_field(leaf, ln))
		return 2;
	if (ci_eq(leaf, ln, "X-Amz-Signature") || ci_eq(leaf, ln, "X-Amz-Security-Token") ||
	    ship_redact_is_secret_field(leaf, ln))
		return 1;
	return 0;
}

int ship_redact_url(struct ship_buf *out, const char *url)
{
	const char *q = strchr(url, '?');
	if (!q) {
		add_masked(out, url, strlen(url));
		return out->failed ? -1 : 0;
	}
	add_masked(out, url, (size_t)(q - url) + 1);
	const char *p = q + 1;
	while (*p) {
		size_t n = strcspn(p, "&#");
		char key[128];
		const char *eq = memchr(p, '=', n);
		size_t kn = pct_decode(p, eq ? (size_t)(eq - p) : n, key, sizeof(key));
		add_pair(out, p, n, form_hide(key, kn));
		p += n;
		if (*p)
			ship_buf_addch(out, *p++);
	}
	return out->failed ? -1 : 0;
}

/* ---- form bodies ----------------------------------------------------------------------------- */

struct form_pair {
	const char *p;
	size_t n;
	char key[160];
	size_t kn;
	int hide;
};

static int redact_form(struct ship_buf *out, struct ship_str body)
{
	size_t count = 1;
	for (size_t i = 0; i < body.len; i++)
		count += body.p[i] == '&';
	struct form_pair *v = ship_calloc(count, sizeof(*v));
	if (!v)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i <= body.len && k < count;) {
		const char *p = body.p + i;
		const char *amp = memchr(p, '&', body.len - i);
		size_t n = amp ? (size_t)(amp - p) : body.len - i;
		const char *eq = memchr(p, '=', n);
		v[k].p = p;
		v[k].n = n;
		v[k].kn = pct_decode(p, eq ? (size_t)(eq - p) : n, v[k].key, sizeof(v[k].key));
		v[k].hide = form_hide(v[k].key, v[k].kn);
		k++;
		i += n + 1;
	}
	/* Pairs: "<prefix>.ParameterKey=DbPassword" hides "<prefix>.ParameterValue". */
	for (size_t i = 0; i < k; i++) {
		const char *dot = strrchr(v[i].key, '.');
		const char *leaf = dot ? dot + 1 : v[i].key;
		size_t plen = (size_t)(leaf - v[i].key);
		if (!is_pair_name(leaf, strlen(leaf)))
			continue;
		const char *eq = memchr(v[i].p, '=', v[i].n);
		char val[256];
		size_t vn = eq ? pct_decode(eq + 1, v[i].n - (size_t)(eq - v[i].p) - 1, val, sizeof(val)) : 0;
		if (!ship_redact_is_secret_name(val, vn))
			continue;
		for (size_t j = 0; j < k; j++) {
			const char *jl = v[j].key + plen;
			if (v[j].kn > plen && !memcmp(v[j].key, v[i].key, plen) && !strchr(jl, '.') &&
			    is_pair_value(jl, strlen(jl)))
				v[j].hide = 1;
		}
	}
	for (size_t i = 0; i < k; i++) {
		if (i)
			ship_buf_addch(out, '&');
		add_pair(out, v[i].p, v[i].n, v[i].hide);
	}
	ship_free(v);
	return out->failed ? -1 : 0;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static int json_fix_string(json_t *s, const char *key, int secret)
{
	const char *t = json_string_value(s);
	size_t n = json_string_length(s), off, len;
	size_t kn = key ? strlen(key) : 0;
	if (secret || (key && ship_redact_is_secret_field(key, kn)))
		return json_string_set(s, SHIP_REDACTED);
	if (key && ship_redact_is_key_id_field(key, kn)) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		ship_redact_key_id(&b, (struct ship_str){t, n});
		int r = b.failed ? -1 : json_string_setn(s, b.data, b.len);
		ship_buf_release(&b);
		return r;
	}
	if (userinfo_password(t, n, &off, &len)) {
		struct ship_buf b = SHIP_BUF_INIT(0);
		add_masked(&b, t, n);
		int r = b.failed ? -1 : json_string_setn(s, b.data, b.len);
		ship_buf_release(&b);
		return r;
	}
	return 0;
}

static int json_walk(json_t *v, int depth)
{
	if (depth > 64)
		return 0;
	if (json_is_object(v)) {
		int pair_secret = 0;
		const char *key;
		json_t *val;
		json_object_foreach(v, key, val)
		{
			if (json_is_string(val) && is_pair_name(key, strlen(key)) &&
			    ship_redact_is_secret_name(json_string_value(val), json_string_length(val)))
				pair_secret = 1;
		}
		json_object_foreach(v, key, val)
		{
			size_t kn = strlen(key);
			int sec = pair_secret && is_pair_value(key, kn);
			if (json_is_string(val)) {
				if (json_fix_string(val, key, sec))
					return -1;
			} else if (json_is_array(val)) {
				int all = sec || ship_redact_is_secret_field(key, kn);
				size_t i;
				json_t *e;
				json_array_foreach(val, i, e)
				{
					if (json_is_string(e) ? json_fix_string(e, NULL, all)
							      : json_walk(e, depth + 1))
						return -1;
				}
			} else if (json_is_object(val)) {
				if (json_walk(val, depth + 1))
					return -1;
			}
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
		{
			if (json_is_string(e) ? json_fix_string(e, NULL, 0) : json_walk(e, depth + 1))
				return -1;
		}
	} else if (json_is_string(v)) {
		return json_fix_string(v, NULL, 0);
	}
	return 0;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
	return ship_buf_add(data, buffer, size);
}

static int redact_json_text(struct ship_buf *out, struct ship_str body);

static int redact_json(struct ship_buf *out, struct ship_str body)
{
	json_t *j = json_loadb(body.p, body.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!j)
		return redact_json_text(out, body);
	int r = json_walk(j, 0);
	if (r == 0)
		r = json_dump_callback(j, dump_cb, out,
				       JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(j);
	return r || out->failed ? -1 : 0;
}

/* Text scan for JSON that does not parse (e.g. truncated): hides string values of secret keys
 * and, without the context to judge pairs, every "value"-like string. */
static int redact_json_text(struct ship_buf *out, struct ship_str body)
{
	const char *s = body.p, *end = body.p + body.len;
	const char *key = NULL;
	size_t keylen = 0;
	int after_colon = 0;
	while (s < end) {
		if (*s != '"') {
			if (*s == ':')
				after_colon = 1;
			else if (*s == ',' || *s == '{' || *s == '[' || *s == '}' || *s == ']')
				after_colon = 0;
			ship_buf_addch(out, *s++);
			continue;
		}
		const char *q = s + 1;
		while (q < end && *q != '"')
			q += *q == '\\' ? 2 : 1;
		if (q > end)
			q = end;
		const char *t = q + (q < end);
		while (t < end && (*t == ' ' || *t == '\n' || *t == '\t' || *t == '\r'))
			t++;
		size_t n = (size_t)(q - s - 1);
		if (t < end && *t == ':' && !after_colon) {
			key = s + 1;
			keylen = n;
			ship_buf_add(out, s, (size_t)(t - s));
		} else if (after_colon && key &&
			   (ship_redact_is_secret_field(key, keylen) || is_pair_value(key, keylen))) {
			ship_buf_adds(out, "\"" SHIP_REDACTED);
			if (q < end)
				ship_buf_addch(out, '"');
			after_colon = 0;
		} else if (after_colon && key && ship_redact_is_key_id_field(key, keylen)) {
			ship_buf_addch(out, '"');
			ship_redact_key_id(out, (struct ship_str){s + 1, n});
			if (q < end)
				ship_buf_addch(out, '"');
			after_colon = 0;
		} else {
			add_masked(out, s, (size_t)(t - s));
			after_colon = 0;
		}
		s = t;
	}
	return out->failed ? -1 : 0;
}

/* ---- XML ------------------------------------------------------------------------------------- */

static int has_element_children(const xmlNode *n)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return 1;
	return 0;
}

static void xml_set_text(xmlNode *n, const char *text)
{
	xmlNode *c = n->children;
	while (c) {
		xmlNode *next = c->next;
		xmlUnlinkNode(c);
		xmlFreeNode(c);
		c = next;
	}
	xmlNode *t = xmlNewText((const xmlChar *)text);
	if (t)
		xmlAddChild(n, t);
}

static void xml_walk(xmlNode *n, int depth)
{
	if (depth > 64)
		return;
	int pair_secret = 0;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || has_element_children(c))
			continue;
		const char *name = (const char *)c->name;
		if (is_pair_name(name, strlen(name))) {
			char *t = ship_xml_text(c);
			if (t && ship_redact_is_secret_name(t, strlen(t)))
				pair_secret = 1;
			ship_free(t);
		}
	}
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (has_element_children(c)) {
			xml_walk(c, depth + 1);
			continue;
		}
		const char *name = (const char *)c->name;
		size_t nl = strlen(name);
		char *t = ship_xml_text(c);
		if (!t)
			continue;
		size_t off, len;
		if ((pair_secret && is_pair_value(name, nl)) || ship_redact_is_secret_field(name, nl)) {
			xml_set_text(c, SHIP_REDACTED);
		} else if (ship_redact_is_key_id_field(name, nl)) {
			struct ship_buf b = SHIP_BUF_INIT(0);
			ship_redact_key_id(&b, ship_str_c(t));
			if (!b.failed)
				xml_set_text(c, b.data);
			ship_buf_release(&b);
		} else if (userinfo_password(t, strlen(t), &off, &len)) {
			struct ship_buf b = SHIP_BUF_INIT(0);
			add_masked(&b, t, strlen(t));
			if (!b.failed)
				xml_set_text(c, b.data);
			ship_buf_release(&b);
		}
		ship_free(t);
	}
}

static int redact_xml_text(struct ship_buf *out, struct ship_str body);

static int redact_xml(struct ship_buf *out, struct ship_str body)
{
	struct ship_err e = SHIP_ERR_INIT;
	xmlDoc *doc = ship_xml_parse(body, &e);
	if (!doc)
		return redact_xml_text(out, body);
	xmlNode *root = xmlDocGetRootElement(doc);
	xml_walk(root, 0);
	xmlBuffer *xb = xmlBufferCreate();
	int r = -1;
	if (xb && xmlNodeDump(xb, doc, root, 0, 0) >= 0) {
		const char *c = (const char *)xmlBufferContent(xb);
		static const char esc[] = "&lt;redacted&gt;";
		const char *hit;
		while ((hit = strstr(c, esc))) {
			ship_buf_add(out, c, (size_t)(hit - c));
			ship_buf_adds(out, SHIP_REDACTED);
			c = hit + sizeof(esc) - 1;
		}
		ship_buf_adds(out, c);
		r = out->failed ? -1 : 0;
	}
	if (xb)
		xmlBufferFree(xb);
	xmlFreeDoc(doc);
	return r;
}

/* Text scan for XML that does not parse: hides the text of secret-named leaf elements. */
static int redact_xml_text(struct ship_buf *out, struct ship_str body)
{
	const char *s = body.p, *end = body.p + body.len;
	while (s < end) {
		const char *lt = memchr(s, '<', (size_t)(end - s));
		if (!lt) {
			ship_buf_add(out, s, (size_t)(end - s));
			break;
		}
		const char *gt = memchr(lt, '>', (size_t)(end - lt));
		if (!gt) {
			ship_buf_add(out, s, (size_t)(end - s));
			break;
		}
		ship_buf_add(out, s, (size_t)(gt - s) + 1);
		s = gt + 1;
		if (lt[1] == '/' || lt[1] == '?' || lt[1] == '!' || gt[-1] == '/')
			continue;
		const char *name = lt + 1;
		size_t nl = strcspn(name, " \t\r\n/>");
		const char *colon = memchr(name, ':', nl);
		if (colon)
			nl -= (size_t)(colon + 1 - name), name = colon + 1;
		int hide = ship_redact_is_secret_field(name, nl) ? 1 : ship_redact_is_key_id_field(name, nl) ? 2 : 0;
		if (!hide)
			continue;
		const char *close = memchr(s, '<', (size_t)(end - s));
		size_t n = close ? (size_t)(close - s) : (size_t)(end - s);
		if (hide == 2)
			ship_redact_key_id(out, (struct ship_str){s, n});
		else
			ship_buf_adds(out, SHIP_REDACTED);
		s += n;
	}
	return out->failed ? -1 : 0;
}

/* ---- bodies ---------------------------------------------------------------------------------- */

int ship_redact_body(struct ship_buf *out, struct ship_str body, const char *content_type,
		     int flags)
{
	const char *ct = content_type ? content_type : "";
	size_t ctn = strlen(ct);
	size_t i = 0;
	if (body.len == 0)
		return 0;
	if (flags & SHIP_REDACT_WHOLE) {
		ship_buf_adds(out, SHIP_REDACTED);
		return out->failed ? -1 : 0;
	}
	while (i < body.len && (body.p[i] == ' ' || body.p[i] == '\n' || body.p[i] == '\r' || body.p[i] == '\t'))
		i++;
	char first = i < body.len ? body.p[i] : 0;
	if (ci_contains(ct, ctn, "json") || (!ctn && (first == '{' || first == '[')))
		return redact_json(out, body);
	if (ci_contains(ct, ctn, "xml") || first == '<')
		return redact_xml(out, body);
	if (ci_contains(ct, ctn, "x-www-form-urlencoded") ||
	    (!ctn && memchr(body.p, '=', body.len) && !memchr(body.p, ' ', body.len)))
		return redact_form(out, body);
	if (first == '{' || first == '[')
		return redact_json(out, body);
	add_masked(out, body.p, body.len);
	return out->failed ? -1 : 0;
}

static const char *find(const char *h, size_t hn, const char *needle, size_t n)
{
	for (size_t i = 0; n <= hn && i <= hn - n; i++)
		if (h[i] == needle[0] && !memcmp(h + i, needle, n))
			return h + i;
	return NULL;
}

int ship_redact_literal(struct ship_buf *b, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	if (n < 8 || b->len < n || !find(b->data, b->len, secret, n))
		return 0;
	struct ship_buf o = SHIP_BUF_INIT(b->max);
	const char *s = b->data, *end = b->data + b->len, *hit;
	while ((hit = find(s, (size_t)(end - s), secret, n))) {
		ship_buf_add(&o, s, (size_t)(hit - s));
		ship_buf_adds(&o, SHIP_REDACTED);
		s = hit + n;
	}
	ship_buf_add(&o, s, (size_t)(end - s));
	if (o.failed) {
		ship_buf_release(&o);
		ship_buf_reset(b);
		ship_buf_adds(b, SHIP_REDACTED);
		return -1;
	}
	ship_buf_release(b);
	*b = o;
	return 0;
}
