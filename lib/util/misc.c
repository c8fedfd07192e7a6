/*
 * misc.c: small string, number, duration and file helpers shared by library, tool and simulator.
 * Depends on libc and alloc.c only.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecship/util.h"

struct ship_str ship_str_c(const char *s)
{
	struct ship_str r = {s ? s : "", s ? strlen(s) : 0};
	return r;
}

int ship_str_eq(struct ship_str a, struct ship_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

int ship_str_eq_c(struct ship_str a, const char *b) { return ship_str_eq(a, ship_str_c(b)); }

int ship_str_starts_with(struct ship_str a, const char *prefix)
{
	size_t n = strlen(prefix);
	return a.len >= n && memcmp(a.p, prefix, n) == 0;
}

void ship_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

int ship_strncasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ca = lower((unsigned char)a[i]), cb = lower((unsigned char)b[i]);
		if (ca != cb || !ca)
			return ca - cb;
	}
	return 0;
}

int ship_strcasecmp(const char *a, const char *b) { return ship_strncasecmp(a, b, (size_t)-1); }

int ship_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int ship_parse_duration(const char *s, double *seconds)
{
	double total = 0;
	int any = 0;
	if (!s || !*s)
		return -1;
	while (*s) {
		char *end;
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		double v = strtod(s, &end);
		if (errno || end == s)
			return -1;
		s = end;
		double unit = 1;
		if (*s == 'h') {
			unit = 3600;
			s++;
		} else if (*s == 'm' && s[1] == 's') {
			unit = 0.001;
			s += 2;
		} else if (*s == 'm') {
			unit = 60;
			s++;
		} else if (*s == 's') {
			s++;
		} else if (*s) {
			return -1;
		}
		total += v * unit;
		any = 1;
	}
	if (!any || total > 365.0 * 86400)
		return -1;
	*seconds = total;
	return 0;
}

static int read_fd(int fd, struct ship_buf *b);

int ship_read_file(const char *path, struct ship_buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	return read_fd(fd, b);
}

int ship_read_regular_file(const char *path, struct ship_buf *b)
{
	struct stat st;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : ENOTSUP;
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return read_fd(fd, b);
}

const char *ship_read_strerror(int e)
{
	if (e == ENOTSUP)
		return "not a regular file (a FIFO, socket or device); name a regular file";
	if (e == EISDIR)
		return "a directory; name a regular file";
	return strerror(e);
}

static int read_fd(int fd, struct ship_buf *b)
{
	char chunk[8192];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		if (ship_buf_add(b, chunk, (size_t)n)) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
	}
	close(fd);
	return 0;
}
