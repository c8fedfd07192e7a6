/*
 * aws_error.c: AWS error answers in their three shapes turned into struct ship_err: JSON
 * (`__type`/`code` with "prefix#Code" and "Code:uri" forms, or the x-amzn-ErrorType header),
 * Query (<ErrorResponse><Error><Code>) and EC2 (<Response><Errors><Error>), with the request id
 * from the body or the x-amzn-RequestId / x-amz-request-id headers. No transport.
 */
#include <string.h>

#include "ecship/xml.h"
#include "private/awsproto.h"

const char *ship_http_reason(long status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

void ship_awsproto_error_code(const char *in, char *out, size_t size)
{
	const char *p = in ? in : "";
	const char *hash = strrchr(p, '#');
	if (hash)
		p = hash + 1;
	size_t n = strcspn(p, ":");
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	if (!size)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static void set_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Collapses whitespace and strips tags from a non-AWS body for a short quote. */
static void snippet(const struct ship_buf *body, char *out, size_t size)
{
	size_t o = 0;
	int in_tag = 0, space = 1;
	for (size_t i = 0; i < body->len && o + 4 < size; i++) {
		unsigned char c = (unsigned char)body->data[i];
		if (c == '<') {
			in_tag = 1;
			continue;
		}
		if (in_tag) {
			if (c == '>') {
				in_tag = 0;
				if (!space)
					out[o++] = ' ', space = 1;
			}
			continue;
		}
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
			if (!space)
				out[o++] = ' ', space = 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			c = '?';
		out[o++] = (char)c;
		space = 0;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	if (o + 4 >= size && o >= 3)
		memcpy(out + o - 3, "...", 4);
}

static void request_id_from_headers(const struct ship_http_response *resp, struct ship_err *err)
{
	const char *rid = ship_headers_get(&resp->headers, "x-amzn-RequestId");
	if (!rid)
		rid = ship_headers_get(&resp->headers, "x-amz-request-id");
	if (rid)
		set_text(err->request_id, sizeof(err->request_id), rid);
}

/* Appends s to dst (size bytes), truncating; no format-truncation games. */
static void cat(char *dst, size_t size, const char *s)
{
	size_t n = strnlen(dst, size), m = strlen(s);
	if (n + 1 >= size)
		return;
	if (m > size - n - 1)
		m = size - n - 1;
	memcpy(dst + n, s, m);
	dst[n + m] = '\0';
}

static void compose(struct ship_err *err, const char *message)
{
	err->message[0] = '\0';
	cat(err->message, sizeof(err->message), err->aws_code);
	if (message && *message) {
		cat(err->message, sizeof(err->message), ": ");
		cat(err->message, sizeof(err->message), message);
	}
}

static int not_aws(const struct ship_http_response *resp, const char *where, struct ship_err *err)
{
	char quote[200];
	const char *ct = ship_headers_get(&resp->headers, "Content-Type");
	const char *reason = ship_http_reason(resp->status);
	char rid[sizeof(err->request_id)];
	memcpy(rid, err->request_id, sizeof(rid));
	snippet(&resp->body, quote, sizeof(quote));
	char head[300], tail[300];
	snprintf(head, sizeof(head), "HTTP %ld%s%s%s%s%s", resp->status, *reason ? " " : "", reason,
		 where ? " from '" : "", where ? where : "", where ? "'" : "");
	snprintf(tail, sizeof(tail), "%s%s%s%s%s", ct ? " (" : "", ct ? ct : "", ct ? ")" : "",
		 *quote ? ": " : "", quote);
	ship_err_set(err, SHIP_ERR_PROTOCOL,
		     "%s: the answer is not an AWS error document%s; a proxy or load balancer may "
		     "be in the way",
		     head, *tail ? tail : " (empty body)");
	memcpy(err->request_id, rid, sizeof(rid));
	err->http_status = (int)resp->status;
	return -1;
}

static int json_error(const struct ship_http_response *resp, const char *where, struct ship_err *err)
{
	const char *hdr = ship_headers_get(&resp->headers, "x-amzn-ErrorType");
	json_t *j = NULL;
	const char *msg = NULL, *type = NULL;
	if (resp->body.len)
		j = json_loadb(resp->body.data, resp->body.len, 0, NULL);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	if (j) {
		type = json_string_value(json_object_get(j, "__type"));
		if (!type)
			type = json_string_value(json_object_get(j, "code"));
		if (!type)
			type = json_string_value(json_object_get(j, "Code"));
		msg = json_string_value(json_object_get(j, "message"));
		if (!msg)
			msg = json_string_value(json_object_get(j, "Message"));
		if (!msg)
			msg = json_string_value(json_object_get(j, "errorMessage"));
	}
	if (hdr && *hdr)
		type = hdr;
	if (!type || !*type) {
		if (j && msg) {
			/* An error document without a code: keep its message, name the status. */
			snprintf(err->aws_code, sizeof(err->aws_code), "HTTP%ld", resp->status);
			compose(err, msg);
			json_decref(j);
			return -1;
		}
		json_decref(j);
		return not_aws(resp, where, err);
	}
	ship_awsproto_error_code(type, err->aws_code, sizeof(err->aws_code));
	compose(err, msg);
	json_decref(j);
	return -1;
}

static int xml_error(const struct ship_http_response *resp, const char *where, struct ship_err *err)
{
	struct ship_err perr = SHIP_ERR_INIT;
	xmlDoc *doc = resp->body.len ? ship_xml_parse(ship_buf_str(&resp->body), &perr) : NULL;
	xmlNode *root = ship_xml_root(doc), *e = NULL;
	char msg[sizeof(err->message)];
	if (!root)
		return not_aws(resp, where, err);
	if (ship_xml_is(root, "ErrorResponse")) {
		e = ship_xml_child(root, "Error");
		if (!e) /* moto's IAM/STS authorization errors: ErrorResponse/Errors/Error */
			e = ship_xml_path(root, "Errors/Error");
	}
	else if (ship_xml_is(root, "Response"))
		e = ship_xml_path(root, "Errors/Error");
	else if (ship_xml_is(root, "Error"))
		e = root;
	if (!e || !ship_xml_child(e, "Code")) {
		xmlFreeDoc(doc);
		return not_aws(resp, where, err);
	}
	char code[sizeof(err->aws_code)];
	ship_xml_path_copy(e, "Code", code, sizeof(code));
	ship_awsproto_error_code(code, err->aws_code, sizeof(err->aws_code));
	ship_xml_path_copy(e, "Message", msg, sizeof(msg));
	compose(err, msg);
	char rid[sizeof(err->request_id)];
	if (*ship_xml_path_copy(root, "RequestId", rid, sizeof(rid)) ||
	    *ship_xml_path_copy(root, "RequestID", rid, sizeof(rid)) ||
	    *ship_xml_path_copy(e, "RequestId", rid, sizeof(rid)))
		memcpy(err->request_id, rid, sizeof(rid));
	xmlFreeDoc(doc);
	return -1;
}

int ship_awsproto_error(enum ship_protocol proto, const struct ship_http_response *resp,
			const char *where, struct ship_err *err)
{
	ship_err_clear(err);
	err->code = SHIP_ERR_AWS;
	err->http_status = (int)resp->status;
	request_id_from_headers(resp, err);
	const char *p = resp->body.data;
	size_t n = resp->body.len;
	while (n && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++, n--;
	/* Follow the body when it says what it is: some services answer errors off-protocol. */
	int as_json = ship_headers_get(&resp->headers, "x-amzn-ErrorType") || (n && *p == '{') ||
		      (!(n && *p == '<') && proto == SHIP_PROTO_JSON);
	if (as_json)
		json_error(resp, where, err);
	else
		xml_error(resp, where, err);
	err->code = err->code == SHIP_ERR_PROTOCOL ? SHIP_ERR_PROTOCOL : SHIP_ERR_AWS;
	err->http_status = (int)resp->status;
	return -1;
}
