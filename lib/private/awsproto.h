/*
 * awsproto.h (private): the wire shape of the three AWS protocols ecship speaks (JSON 1.1,
 * Query, EC2): request bodies and headers, success answers, and error answers turned into a
 * struct ship_err. No transport, no signing, no retries: aws.c composes these.
 */
#ifndef ECSHIP_PRIVATE_AWSPROTO_H
#define ECSHIP_PRIVATE_AWSPROTO_H

#include "ecship/aws.h"

/* JSON 1.1: body (compact JSON; NULL request sends {}) and Content-Type / X-Amz-Target headers. */
int ship_awsproto_json_request(const struct ship_service_info *si, const char *operation,
			       json_t *request, struct ship_buf *body, struct ship_headers *headers,
			       struct ship_err *err);
/* A 2xx JSON answer: *out is a new reference (an empty body gives {}). */
int ship_awsproto_json_response(const struct ship_http_response *resp, json_t **out,
				struct ship_err *err);

/* Query / EC2: form body "Action=..&Version=..&k=v" (RFC 3986 encoded) and Content-Type. */
int ship_awsproto_query_request(const struct ship_service_info *si, const char *action,
				const struct ship_params *params, struct ship_buf *body,
				struct ship_headers *headers, struct ship_err *err);
/* A 2xx XML answer: *out is the parsed document (caller xmlFreeDoc). */
int ship_awsproto_xml_response(const struct ship_http_response *resp, xmlDoc **out,
			       struct ship_err *err);

/*
 * Turns a non-2xx answer into err (always returns -1): SHIP_ERR_AWS with aws_code, message
 * "CODE: MESSAGE" (or "CODE"), request_id and http_status; or SHIP_ERR_PROTOCOL with the status
 * when the body is not an AWS error document (e.g. an HTML page from a proxy). `where` names the
 * server for such messages (may be NULL). retryable/throttled are left for ship_retry_classify.
 */
int ship_awsproto_error(enum ship_protocol proto, const struct ship_http_response *resp,
			const char *where, struct ship_err *err);

/* Normalizes an error type: the part after the last '#' and before the first ':'. */
void ship_awsproto_error_code(const char *in, char *out, size_t size);

/* "OK", "Bad Gateway", ... ("" when unknown). */
const char *ship_http_reason(long status);

#endif
