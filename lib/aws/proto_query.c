/*
 * proto_query.c: the AWS Query protocol (CloudFormation, ELBv2, STS, IAM) and its EC2 variant:
 * a form-encoded POST of Action, Version and the parameters; XML answers. Depends on libxml2
 * (through xml.h) and util; no transport.
 */
#include <string.h>

#include "ecship/xml.h"
#include "private/awsproto.h"

/* application/x-www-form-urlencoded as botocore writes it: RFC 3986 escapes, space as '+'
 * (AWS accepts %20 too; moto's signature check re-encodes with '+'). */
static void form_encode(struct ship_buf *b, const char *s)
{
	for (;;) {
		const char *sp = strchr(s, ' ');
		size_t n = sp ? (size_t)(sp - s) : strlen(s);
		ship_uri_encode(b, (struct ship_str){s, n}, 0);
		if (!sp)
			return;
		ship_buf_addch(b, '+');
		s = sp + 1;
	}
}

static void add_pair(struct ship_buf *b, const char *k, const char *v)
{
	if (b->len)
		ship_buf_addch(b, '&');
	form_encode(b, k);
	ship_buf_addch(b, '=');
	form_encode(b, v);
}

int ship_awsproto_query_request(const struct ship_service_info *si, const char *action,
				const struct ship_params *params, struct ship_buf *body,
				struct ship_headers *headers, struct ship_err *err)
{
	if (!si->api_version || si->protocol == SHIP_PROTO_JSON)
		return ship_err_set(err, SHIP_ERR_INTERNAL, "%s does not speak Query", si->name);
	ship_buf_reset(body);
	add_pair(body, "Action", action);
	add_pair(body, "Version", si->api_version);
	for (size_t i = 0; params && i < params->kv.n; i++)
		add_pair(body, params->kv.v[i].name, params->kv.v[i].value);
	if (body->failed ||
	    ship_headers_set(headers, "Content-Type",
			     "application/x-www-form-urlencoded; charset=utf-8"))
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	return 0;
}

int ship_awsproto_xml_response(const struct ship_http_response *resp, xmlDoc **out,
			       struct ship_err *err)
{
	*out = ship_xml_parse(ship_buf_str(&resp->body), err);
	if (!*out)
		return ship_err_prefix(err, "unexpected answer (HTTP %ld)", resp->status);
	return 0;
}
