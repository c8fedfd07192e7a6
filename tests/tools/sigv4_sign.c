/*
 * sigv4_sign.c: test helper for the botocore differential (tests/sigv4/botocore_diff.py). Reads
 * one JSON case per line on stdin, signs it with the library's SigV4 and prints one JSON line per
 * case: canonical request, string to sign, signature, Authorization and the headers as signed
 * (or the presigned URL). Depends on libship and jansson only; never touches the network.
 */

/*
 * Input fields: id, method, url, headers [[name, value], ...], body (text) or body_b64, region,
 * service, access_key, secret_key, token, timestamp (seconds since the epoch), normalize (default
 * true), sign_body (default false), payload_hash (optional), presign (expires seconds, optional).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "ecship/http.h"
#include "ecship/sigv4.h"
#include "ecship/util.h"
#include "private/sigv4.h"

static const char *get_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int get_bool(json_t *o, const char *key, int dflt)
{
	json_t *v = json_object_get(o, key);
	return v ? json_is_true(v) : dflt;
}

/* Decodes base64 into out. 0 or -1. */
static int b64_decode(const char *s, struct ship_buf *out)
{
	size_t n = strlen(s);
	if (n % 4 || n > (size_t)0x3fffffff)
		return -1;
	if (ship_buf_grow(out, n / 4 * 3 + 1))
		return -1;
	int len = EVP_DecodeBlock((unsigned char *)out->data, (const unsigned char *)s, (int)n);
	if (len < 0)
		return -1;
	size_t pad = (n >= 1 && s[n - 1] == '=') + (n >= 2 && s[n - 2] == '=');
	out->len = (size_t)len - pad;
	out->data[out->len] = '\0';
	return 0;
}

static json_t *jstr(struct ship_str s)
{
	json_t *v = json_stringn(s.p, s.len);
	return v ? v : json_string("<not valid UTF-8>");
}

static json_t *sign_one(json_t *in)
{
	struct ship_sigv4_params p;
	struct ship_sigv4_state st;
	struct ship_headers h = {0};
	struct ship_buf body = SHIP_BUF_INIT(0), url = SHIP_BUF_INIT(0);
	struct ship_err err = SHIP_ERR_INIT;
	json_t *out = json_object();
	int rc = -1, have_state = 0;

	memset(&p, 0, sizeof(p));
	json_object_set(out, "id", json_object_get(in, "id"));
	p.access_key = get_str(in, "access_key");
	p.secret_key = get_str(in, "secret_key");
	p.session_token = get_str(in, "token");
	p.region = get_str(in, "region");
	p.service = get_str(in, "service");
	p.when = (time_t)json_integer_value(json_object_get(in, "timestamp"));
	p.normalize_path = get_bool(in, "normalize", 1);
	p.sign_body_header = get_bool(in, "sign_body", 0);
	p.omit_session_token = get_bool(in, "omit_session_token", 0);
	p.payload_hash = get_str(in, "payload_hash");
	const char *method = get_str(in, "method");
	const char *u = get_str(in, "url");

	json_t *hs = json_object_get(in, "headers");
	size_t i;
	json_t *pair;
	json_array_foreach(hs, i, pair)
	{
		const char *n = json_string_value(json_array_get(pair, 0));
		const char *v = json_string_value(json_array_get(pair, 1));
		if (!n || !v || ship_headers_add(&h, n, v)) {
			ship_err_set(&err, SHIP_ERR_INPUT, "bad header %zu", i);
			goto done;
		}
	}
	const char *b64 = get_str(in, "body_b64");
	if (b64 && b64_decode(b64, &body)) {
		ship_err_set(&err, SHIP_ERR_INPUT, "bad body_b64");
		goto done;
	} else if (!b64 && get_str(in, "body")) {
		ship_buf_adds(&body, get_str(in, "body"));
	}

	json_t *presign = json_object_get(in, "presign");
	have_state = 1;
	if (presign) {
		rc = ship_sigv4_presign_state(&st, &p, method, u, &h,
					      (long)json_integer_value(presign), &url, &err);
		if (rc == 0)
			json_object_set_new(out, "url", jstr(ship_buf_str(&url)));
	} else {
		rc = ship_sigv4_sign_state(&st, &p, method, u, &h, ship_buf_str(&body), &err);
		if (rc == 0) {
			json_t *arr = json_array();
			for (i = 0; i < h.n; i++) {
				json_t *one = json_array();
				json_array_append_new(one, jstr(ship_str_c(h.v[i].name)));
				json_array_append_new(one, jstr(ship_str_c(h.v[i].value)));
				json_array_append_new(arr, one);
			}
			json_object_set_new(out, "headers", arr);
			json_object_set_new(
			    out, "authorization",
			    jstr(ship_str_c(ship_headers_get(&h, "Authorization"))));
		}
	}
	if (rc == 0) {
		json_object_set_new(out, "canonical_request",
				    jstr(ship_buf_str(&st.canonical_request)));
		json_object_set_new(out, "string_to_sign", jstr(ship_buf_str(&st.string_to_sign)));
		json_object_set_new(out, "signature", json_string(st.signature));
		json_object_set_new(out, "signed_headers", jstr(ship_buf_str(&st.signed_headers)));
	}
done:
	if (rc)
		json_object_set_new(out, "error", json_string(err.message));
	if (have_state)
		ship_sigv4_state_release(&st);
	ship_headers_release(&h);
	ship_buf_release(&body);
	ship_buf_release(&url);
	return out;
}

int main(void)
{
	struct ship_buf line = SHIP_BUF_INIT(0);
	int c, bad = 0;
	ship_set_allocator(NULL); /* routes jansson through the hook too */
	for (;;) {
		ship_buf_reset(&line);
		while ((c = getchar()) != EOF && c != '\n')
			ship_buf_addch(&line, (char)c);
		if (line.failed)
			return 2;
		if (line.len == 0 && c == EOF)
			break;
		if (line.len == 0)
			continue;
		json_error_t jerr;
		json_t *in = json_loadb(line.data, line.len, 0, &jerr);
		json_t *out;
		if (!in) {
			out = json_pack("{s:s}", "error", jerr.text);
			bad = 1;
		} else {
			out = sign_one(in);
		}
		char *s = json_dumps(out, JSON_COMPACT);
		if (!s || puts(s) == EOF)
			return 2;
		ship_free(s);
		json_decref(out);
		json_decref(in);
	}
	ship_buf_release(&line);
	if (fflush(stdout))
		return 2;
	return bad;
}
