/* http.c: STUB until the transport work lands; see http.h. */
#include <string.h>

#include "ecship/http.h"

int ship_headers_add(struct ship_headers *h, const char *name, const char *value)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8;
		struct ship_header *v = ship_realloc(h->v, cap * sizeof(*v));
		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n].name = ship_strdup(name);
	h->v[h->n].value = ship_strdup(value);
	if (!h->v[h->n].name || !h->v[h->n].value) {
		ship_free(h->v[h->n].name);
		ship_free(h->v[h->n].value);
		return -1;
	}
	h->n++;
	return 0;
}

int ship_headers_set(struct ship_headers *h, const char *name, const char *value)
{
	for (size_t i = 0; i < h->n; i++) {
		if (!ship_strcasecmp(h->v[i].name, name)) {
			char *v = ship_strdup(value);
			if (!v)
				return -1;
			ship_free(h->v[i].value);
			h->v[i].value = v;
			return 0;
		}
	}
	return ship_headers_add(h, name, value);
}

const char *ship_headers_get(const struct ship_headers *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (!ship_strcasecmp(h->v[i].name, name))
			return h->v[i].value;
	return NULL;
}

void ship_headers_release(struct ship_headers *h)
{
	for (size_t i = 0; i < h->n; i++) {
		ship_free(h->v[i].name);
		ship_free(h->v[i].value);
	}
	ship_free(h->v);
	memset(h, 0, sizeof(*h));
}

void ship_http_response_init(struct ship_http_response *r)
{
	memset(r, 0, sizeof(*r));
	ship_buf_init(&r->body, 0);
}

void ship_http_response_release(struct ship_http_response *r)
{
	ship_headers_release(&r->headers);
	ship_buf_release(&r->body);
	r->status = 0;
}

struct ship_http *ship_http_new(const struct ship_http_options *o, struct ship_err *err)
{
	(void)o;
	ship_err_set(err, SHIP_ERR_INTERNAL, "not implemented");
	return NULL;
}
void ship_http_destroy(struct ship_http *h) { (void)h; }
int ship_http_send(void *ctx, const struct ship_http_request *req, struct ship_http_response *resp,
		   struct ship_err *err)
{
	(void)ctx, (void)req, (void)resp;
	return ship_err_set(err, SHIP_ERR_INTERNAL, "not implemented");
}
