/*
 * util.h: allocation hook, growable string buffer, read-only string views.
 * Every allocation in the library, tool and simulator goes through ship_malloc and friends so
 * tests can count leaks and fail the Nth allocation. Depends on libc only.
 *
 * Ownership, for every public header (README "Ownership"): whoever allocates frees, with the
 * matching *_release (caller's storage) or *_destroy (*_new objects); a header says otherwise in
 * so many words: "new reference" (json_decref), "caller xmlFreeDoc", "caller ship_free"; all else
 * is borrowed for the call. Identifiers are sized from limits.h and never truncated.
 */
#ifndef ECSHIP_UTIL_H
#define ECSHIP_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define SHIP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SHIP_PRINTF(f, a)
#endif

/* ---- allocation ---------------------------------------------------------------------------- */

/* One hook for every allocation. realloc_fn(ctx, NULL, n) allocates; free_fn(ctx, NULL) is a no-op. */
struct ship_allocator {
	void *(*realloc_fn)(void *ctx, void *p, size_t n);
	void (*free_fn)(void *ctx, void *p);
	void *ctx;
};

/* Installs a (copied) allocator; NULL restores libc. Also routes jansson through it. */
void ship_set_allocator(const struct ship_allocator *a);

/* Return NULL when memory runs out (or the test allocator says so). */
void *ship_malloc(size_t n);
void *ship_calloc(size_t nmemb, size_t size);
void *ship_realloc(void *p, size_t n);
void ship_free(void *p);
char *ship_strdup(const char *s);            /* NULL in, NULL out */
char *ship_strndup(const char *s, size_t n); /* copies at most n bytes, always terminated */
/* Frees *p and sets it to NULL. */
void ship_freep(void *pp);

/* ---- read-only views ----------------------------------------------------------------------- */

/* A borrowed, not necessarily terminated byte range; passed by value. */
struct ship_str {
	const char *p;
	size_t len;
};

#define SHIP_STR_LIT(s) ((struct ship_str){(s), sizeof(s) - 1})
struct ship_str ship_str_c(const char *s); /* NULL gives {"", 0} */
int ship_str_eq(struct ship_str a, struct ship_str b);
int ship_str_eq_c(struct ship_str a, const char *b);
int ship_str_starts_with(struct ship_str a, const char *prefix);

/* ---- growable buffer ----------------------------------------------------------------------- */

/*
 * A growable byte buffer, always NUL-terminated, data never NULL. It will not grow past `max`
 * bytes of content: an add that would do so fails, like an out-of-memory, and sets `failed`
 * (sticky), so a sequence of adds can be checked once at the end.
 */
struct ship_buf {
	char *data;
	size_t len;
	size_t cap; /* 0 while data points at the shared empty string */
	size_t max;
	int failed;
};

extern char ship_buf_empty[1];
#define SHIP_BUF_MAX_DEFAULT ((size_t)64 << 20)
#define SHIP_BUF_INIT(maxlen) {ship_buf_empty, 0, 0, (maxlen), 0}

void ship_buf_init(struct ship_buf *b, size_t max);
void ship_buf_release(struct ship_buf *b); /* accepts a released or zeroed buffer */
void ship_buf_reset(struct ship_buf *b);   /* empties, keeps capacity, clears `failed` */
int ship_buf_grow(struct ship_buf *b, size_t extra);
int ship_buf_add(struct ship_buf *b, const void *p, size_t n);
int ship_buf_adds(struct ship_buf *b, const char *s);
int ship_buf_addstr(struct ship_buf *b, struct ship_str s);
int ship_buf_addch(struct ship_buf *b, char c);
int ship_buf_addf(struct ship_buf *b, const char *fmt, ...) SHIP_PRINTF(2, 3);
int ship_buf_vaddf(struct ship_buf *b, const char *fmt, va_list ap);
void ship_buf_truncate(struct ship_buf *b, size_t len);
/* Hands the memory over: caller frees with ship_free. NULL if the buffer failed. */
char *ship_buf_detach(struct ship_buf *b, size_t *len);
static inline struct ship_str ship_buf_str(const struct ship_buf *b)
{
	struct ship_str s = {b->data, b->len};
	return s;
}

/* ---- small helpers ------------------------------------------------------------------------- */

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void ship_hex(const unsigned char *in, size_t n, char *out);
/* ASCII case-insensitive compare that does not depend on the locale. */
int ship_strcasecmp(const char *a, const char *b);
int ship_strncasecmp(const char *a, const char *b, size_t n);
/* Parses a decimal integer in [min, max]; the whole string must be the number. 0 ok, -1 not. */
int ship_parse_long(const char *s, long min, long max, long *out);
/*
 * A text file's contents as editors write them (lib/util/text.c): a UTF-8 byte-order mark is
 * skipped (*text then starts after it); UTF-16/UTF-32 (BOM FE FF or FF FE) and NUL bytes are
 * refused: -1 with err (SHIP_ERR_INPUT) naming `file` and saying to save it as UTF-8. 0 ok.
 */
struct ship_err;
int ship_text_utf8(const char *file, struct ship_str *text, struct ship_err *err);
/* Parses a duration "90", "90s", "10m", "1h30m", "2h"; seconds out. 0 ok, -1 not. */
int ship_parse_duration(const char *s, double *seconds);
/*
 * Reads a whole file into b (bounded by b->max). 0 ok; -1 with errno set. Used for the files the
 * AWS conventions name (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, token files): like the AWS
 * CLI and SDKs, these may be pipes (`AWS_CONFIG_FILE=<(op inject ...)`), so they are not limited
 * to regular files.
 */
int ship_read_file(const char *path, struct ship_buf *b);
/*
 * The same for files the user names (ecship.yml, definitions, templates): only a regular file
 * is read; a FIFO, socket or device is refused at once with errno ENOTSUP (never waited on), a
 * directory with EISDIR.
 */
int ship_read_regular_file(const char *path, struct ship_buf *b);
/* "not a regular file (a FIFO, device or directory)" for those errnos, else strerror. */
const char *ship_read_strerror(int e);

#endif
