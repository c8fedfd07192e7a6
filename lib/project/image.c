/*
 * image.c: container image references ([registry[:port]/]path[:tag][@digest]) and replacing
 * their tag, for --image/--tag. Depends on lib/util only.
 */
#include <string.h>

#include "ecship/taskdef.h"

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_hex(int c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

static int digest_valid(struct ship_str d)
{
	if (!ship_str_starts_with(d, "sha256:") || d.len != 7 + 64)
		return 0;
	for (size_t i = 7; i < d.len; i++)
		if (!is_hex((unsigned char)d.p[i]))
			return 0;
	return 1;
}

int ship_image_tag_valid(struct ship_str tag)
{
	if (digest_valid(tag))
		return 1;
	if (tag.len == 0 || tag.len > 128)
		return 0;
	if (!is_alnum((unsigned char)tag.p[0]) && tag.p[0] != '_')
		return 0;
	for (size_t i = 1; i < tag.len; i++) {
		int c = (unsigned char)tag.p[i];
		if (!is_alnum(c) && c != '_' && c != '.' && c != '-')
			return 0;
	}
	return 1;
}

int ship_image_parse(struct ship_str ref, struct ship_image_ref *out)
{
	memset(out, 0, sizeof(*out));
	if (ref.len == 0 || ref.len > 1024)
		return -1;
	for (size_t i = 0; i < ref.len; i++) {
		unsigned char c = (unsigned char)ref.p[i];
		if (c <= ' ' || c >= 0x7f)
			return -1;
	}
	size_t end = ref.len;
	const char *at = memchr(ref.p, '@', ref.len);
	if (at) {
		out->digest = (struct ship_str){at + 1, (size_t)(ref.p + ref.len - at - 1)};
		end = (size_t)(at - ref.p);
		if (!digest_valid(out->digest))
			return -1;
	}
	/* the tag is after the last ':' that follows the last '/' (so host:5000/x is no tag) */
	size_t slash = 0;
	for (size_t i = 0; i < end; i++)
		if (ref.p[i] == '/')
			slash = i + 1;
	for (size_t i = end; i-- > slash;) {
		if (ref.p[i] == ':') {
			out->tag = (struct ship_str){ref.p + i + 1, end - i - 1};
			end = i;
			if (!ship_image_tag_valid(out->tag) || digest_valid(out->tag))
				return -1;
			break;
		}
	}
	out->name = (struct ship_str){ref.p, end};
	if (end == 0 || ref.p[end - 1] == '/' || ref.p[0] == '/')
		return -1;
	return 0;
}

int ship_image_with_tag(struct ship_str ref, struct ship_str tag, struct ship_buf *out,
			struct ship_err *err)
{
	struct ship_image_ref r;
	if (ship_image_parse(ref, &r))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "cannot replace the tag of image '%.*s': not a valid image "
				    "reference; use --image URI instead",
				    (int)(ref.len > 300 ? 300 : ref.len), ref.p);
	if (!ship_image_tag_valid(tag))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "invalid image tag '%.*s'; a tag is up to 128 letters, digits, "
				    "'_', '.' and '-', not starting with '.' or '-'",
				    (int)(tag.len > 300 ? 300 : tag.len), tag.p);
	ship_buf_addstr(out, r.name);
	ship_buf_addch(out, digest_valid(tag) ? '@' : ':');
	ship_buf_addstr(out, tag);
	return out->failed ? ship_err_set(err, SHIP_ERR_NOMEM, "out of memory") : 0;
}
