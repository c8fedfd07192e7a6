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

/*
 * One page of a protocol: sends the request with `token` (NULL for the first page), hands the
 * answer to the caller's callback, and returns the callback's verdict (<0 error in err, >0 enough,
 * 0 more) with *next the answer's token (from next_token) when there is more.
 */
typedef int (*page_step_fn)(void *step, const char *token, char **next, struct ship_err *err);

/* The token bookkeeping, once for every protocol. */
static int drive_pages(page_step_fn one, void *step, struct ship_err *err)
{
	char *token = NULL;
	int rc = 0;
	for (size_t page = 0; page < SHIP_AWS_MAX_PAGES; page++) {
		char *next = NULL;
		int r = one(step, token, &next, err);
		ship_freep(&token);
		if (r != 0 || !next) {
			ship_free(next);
			rc = r < 0 ? -1 : 0;
			break;
		}
		token = next;
	}
	ship_free(token);
	return rc;
}

struct json_step {
	struct ship_aws *aws;
	enum ship_service svc;
	const char *operation, *member;
	const json_t *request;
	ship_json_page_fn fn;
	void *ctx;
};

static int json_page(void *step, const char *token, char **next, struct ship_err *err)
{
	struct json_step *s = step;
	json_t *resp = NULL;
	json_t *req = s->request ? json_copy((json_t *)s->request) : json_object();
	if (!req || (token && json_object_set_new(req, s->member, json_string(token)))) {
		json_decref(req);
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	int r = ship_aws_json(s->aws, s->svc, s->operation, req, &resp, NULL, err);
	json_decref(req);
	if (r)
		return -1;
	r = s->fn(s->ctx, resp, err);
	if (r == 0)
		*next = next_token(json_string_value(json_object_get(resp, s->member)), token);
	json_decref(resp);
	return r;
}

int ship_aws_json_pages(struct ship_aws *aws, enum ship_service svc, const char *operation,
			const json_t *request, const char *token_member, ship_json_page_fn fn,
			void *ctx, struct ship_err *err)
{
	struct json_step s = {aws,     svc, operation, token_member ? token_member : "nextToken",
			      request, fn,  ctx};
	return drive_pages(json_page, &s, err);
}

struct query_step {
	struct ship_aws *aws;
	enum ship_service svc;
	const char *action, *token_param, *token_path;
	const struct ship_params *params;
	ship_xml_page_fn fn;
	void *ctx;
};

static int query_page(void *step, const char *token, char **next, struct ship_err *err)
{
	struct query_step *s = step;
	struct ship_params p = {0};
	xmlDoc *doc = NULL;
	int bad = 0;
	for (size_t i = 0; s->params && i < s->params->kv.n; i++)
		bad |= ship_params_add(&p, s->params->kv.v[i].name, s->params->kv.v[i].value);
	if (token)
		bad |= ship_params_add(&p, s->token_param, token);
	if (bad) {
		ship_params_release(&p);
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	int r = ship_aws_query(s->aws, s->svc, s->action, &p, &doc, NULL, err);
	ship_params_release(&p);
	if (r)
		return -1;
	const xmlNode *root = ship_xml_root(doc);
	r = s->fn(s->ctx, root, err);
	if (r == 0) {
		char *text = ship_xml_path_text(root, s->token_path);
		*next = next_token(text, token);
		ship_free(text);
	}
	xmlFreeDoc(doc);
	return r;
}

int ship_aws_query_pages(struct ship_aws *aws, enum ship_service svc, const char *action,
			 const struct ship_params *params, const char *token_param,
			 const char *token_path, ship_xml_page_fn fn, void *ctx,
			 struct ship_err *err)
{
	struct query_step s = {aws, svc, action, token_param, token_path, params, fn, ctx};
	return drive_pages(query_page, &s, err);
}
