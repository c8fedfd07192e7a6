/*
 * proto_json.c: the AWS JSON 1.1 protocol (ECS, CloudWatch Logs, Service Quotas, ECR): POST /
 * with Content-Type application/x-amz-json-1.1 and X-Amz-Target <prefix>.<Operation>.
 * Depends on jansson and util; no transport.
 */
#include <string.h>

#include "private/awsproto.h"

static int dump_cb(const char *buffer, size_t size, void *data)
{
	return ship_buf_add(data, buffer, size);
}

int ship_awsproto_json_request(const struct ship_service_info *si, const char *operation,
			       json_t *request, struct ship_buf *body, struct ship_headers *headers,
			       struct ship_err *err)
{
	char target[256];
	if (!si->target_prefix)
		return ship_err_set(err, SHIP_ERR_INTERNAL, "%s does not speak JSON", si->name);
	if (request && !json_is_object(request))
		return ship_err_set(err, SHIP_ERR_INTERNAL, "%s %s: request is not a JSON object",
				    si->name, operation);
	ship_buf_reset(body);
	if (request) {
		if (json_dump_callback(request, dump_cb, body, JSON_COMPACT | JSON_PRESERVE_ORDER))
			return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	} else if (ship_buf_adds(body, "{}")) {
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	snprintf(target, sizeof(target), "%s.%s", si->target_prefix, operation);
	if (ship_headers_set(headers, "Content-Type", "application/x-amz-json-1.1") ||
	    ship_headers_set(headers, "X-Amz-Target", target))
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	return 0;
}

int ship_awsproto_json_response(const struct ship_http_response *resp, json_t **out,
				struct ship_err *err)
{
	json_error_t je;
	size_t n = resp->body.len;
	const char *p = resp->body.data;
	while (n && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++, n--;
	*out = NULL;
	if (n == 0) {
		*out = json_object();
		return *out ? 0 : ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	json_t *j = json_loadb(p, n, 0, &je);
	if (!j)
		return ship_err_set(err, SHIP_ERR_PROTOCOL,
				    "cannot parse the JSON answer (HTTP %ld): %s at line %d, column %d",
				    resp->status, je.text, je.line, je.column);
	if (!json_is_object(j)) {
		json_decref(j);
		return ship_err_set(err, SHIP_ERR_PROTOCOL,
				    "unexpected JSON answer (HTTP %ld): not an object", resp->status);
	}
	*out = j;
	return 0;
}
