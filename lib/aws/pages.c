/*
 * pages.c: paginated calls, written once: the same request is sent again with the token of
 * the previous answer until an answer has none (or repeats the one sent, as CloudWatch Logs
 * does at the end), the caller's callback has enough, or SHIP_AWS_MAX_PAGES pages were read.
 * Depends on the client (aws.c) and xml.h; never prints.
 */
#include <string.h>

#include "ecship/aws.h"
#include "ecship/xml.h"

/* The next token: a copy of the answer's, or NULL at the end (none, empty, or the one sent). */
static char *next_token(const char *got, const char *sent)
{
	if (!got || !*got || (sent && !strcmp(got, sent)))
		return NULL;
	return ship_strdup(got);
}

int ship_aws_json_pages(struct ship_aws *aws, enum ship_service svc, const char *operation,
			const json_t *request, const char *token_member, ship_json_page_fn fn,
			void *ctx, struct ship_err *err)
{
	const char *member = token_member ? token_member : "nextToken";
	char *token = NULL;
	int rc = -1;
	for (size_t page = 0; page < SHIP_AWS_MAX_PAGES; page++) {
		json_t *resp = NULL;
		json_t *req = request ? json_copy((json_t *)request) : json_object();
		if (!req || (token && json_object_set_new(req, member, json_string(token)))) {
			json_decref(req);
			ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
			goto cleanup;
		}
		int r = ship_aws_json(aws, svc, operation, req, &resp, NULL, err);
		json_decref(req);
		if (r)
			goto cleanup;
		r = fn(ctx, resp, err);
		char *next =
		    r ? NULL : next_token(json_string_value(json_object_get(resp, member)), token);
		json_decref(resp);
		ship_freep(&token);
		if (r < 0)
			goto cleanup;
		if (r > 0 || !next)
			break;
		token = next;
	}
	rc = 0;
cleanup:
	ship_free(token);
	return rc;
}

int ship_aws_query_pages(struct ship_aws *aws, enum ship_service svc, const char *action,
			 const struct ship_params *params, const char *token_param,
			 const char *token_path, ship_xml_page_fn fn, void *ctx,
			 struct ship_err *err)
{
	char *token = NULL;
	int rc = -1;
	for (size_t page = 0; page < SHIP_AWS_MAX_PAGES; page++) {
		struct ship_params p = {0};
		xmlDoc *doc = NULL;
		int bad = 0;
		for (size_t i = 0; params && i < params->kv.n; i++)
			bad |= ship_params_add(&p, params->kv.v[i].name, params->kv.v[i].value);
		if (token)
			bad |= ship_params_add(&p, token_param, token);
		if (bad) {
			ship_params_release(&p);
			ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
			goto cleanup;
		}
		int r = ship_aws_query(aws, svc, action, &p, &doc, NULL, err);
		ship_params_release(&p);
		if (r)
			goto cleanup;
		const xmlNode *root = ship_xml_root(doc);
		r = fn(ctx, root, err);
		char *text = r ? NULL : ship_xml_path_text(root, token_path);
		char *next = next_token(text, token);
		ship_free(text);
		xmlFreeDoc(doc);
		ship_freep(&token);
		if (r < 0)
			goto cleanup;
		if (r > 0 || !next)
			break;
		token = next;
	}
	rc = 0;
cleanup:
	ship_free(token);
	return rc;
}
