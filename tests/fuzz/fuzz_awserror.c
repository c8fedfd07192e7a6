/*
 * fuzz_awserror.c: arbitrary bytes as the body of an AWS error answer, read by the error parser
 * of each protocol (JSON 1.1, Query, EC2) with and without an x-amzn-ErrorType header, and by
 * the XML helpers. Checks: no crash, no leak, the error record is always filled and terminated.
 */
#include <string.h>

#include "ecship/xml.h"
#include "fuzz_main.h"
#include "private/awsproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ship_protocol protos[] = {SHIP_PROTO_JSON, SHIP_PROTO_QUERY, SHIP_PROTO_EC2};
	for (int h = 0; h < 2; h++) {
		for (size_t i = 0; i < 3; i++) {
			struct ship_http_response resp;
			struct ship_err err = SHIP_ERR_INIT;
			ship_http_response_init(&resp);
			resp.status = 400 + (long)(size % 200);
			if (h)
				ship_headers_add(&resp.headers, "x-amzn-ErrorType",
						 "ThrottlingException:http://internal.amazon.com/");
			ship_buf_add(&resp.body, data, size);
			ship_awsproto_error(protos[i], &resp, "127.0.0.1", &err);
			if (err.code == SHIP_ERR_NONE || strnlen(err.message, sizeof(err.message)) ==
								 sizeof(err.message))
				__builtin_trap();
			ship_http_response_release(&resp);
		}
	}
	struct ship_err perr = SHIP_ERR_INIT;
	xmlDoc *doc = ship_xml_parse((struct ship_str){(const char *)data, size}, &perr);
	if (doc) {
		char *t = ship_xml_path_text(ship_xml_root(doc), "Error/Code");
		ship_free(t);
		size_t n = ship_xml_count_items(ship_xml_path(ship_xml_root(doc), "Errors"));
		(void)n;
		xmlFreeDoc(doc);
	}
	return 0;
}
