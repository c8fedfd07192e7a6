/*
 * profile.c: the AWS CLI's shared config and credentials files, parsed the way botocore's
 * configloader (Python configparser) reads them: full-line # and ; comments, "=" or ":" between
 * key and value, indented continuation lines, one level of nested keys. Unlike botocore, a
 * repeated section or key is not an error: sections merge and the later key wins.
 * Depends on libc and lib/util only; never touches the network.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ecship/profile.h"
#include "ecship/util.h"

#define MAX_FILE ((size_t)4 << 20)

struct pf_sub {
	char *key;
	char *value;
};

struct pf_entry {
	char *key; /* lowercase */
	char *value;
	struct pf_sub *subs;
	size_t nsubs, capsubs;
};

struct pf_section {
	char *kind; /* "profile", "sso-session", "services", or "" for any other section */
	char *name;
	struct pf_entry *v;
	size_t n, cap;
};

struct pf_file {
	char *path;
	struct pf_section *v;
	size_t n, cap;
};

struct ship_aws_config {
	struct pf_file config, creds;
};

/* ---- shell-like splitting -------------------------------------------------------------------- */

void ship_shell_split_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		ship_free(*p);
	ship_free(argv);
}

static int push_word(char ***argv, size_t *n, size_t *cap, struct ship_buf *w)
{
	if (w->failed)
		return -1;
	if (*n + 2 > *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		char **nv = ship_realloc(*argv, nc * sizeof(*nv));
		if (!nv)
			return -1;
		*argv = nv;
		*cap = nc;
		nv[*n] = NULL;
	}
	char *s = ship_strndup(w->data, w->len);
	if (!s)
		return -1;
	(*argv)[(*n)++] = s;
	(*argv)[*n] = NULL;
	ship_buf_reset(w);
	return 0;
}

int ship_shell_split(const char *s, char ***argv_out, size_t *argc_out, struct ship_err *err)
{
	struct ship_buf w = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
	char **argv = NULL;
	size_t n = 0, cap = 0;
	int in_word = 0, rc = -1;

	*argv_out = NULL;
	if (argc_out)
		*argc_out = 0;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (in_word && push_word(&argv, &n, &cap, &w))
				goto nomem;
			in_word = 0;
		} else if (c == '\\') {
			if (!p[1]) {
				ship_err_set(
				    err, SHIP_ERR_INPUT,
				    "command '%s' ends with a backslash; remove it or quote it", s);
				goto cleanup;
			}
			ship_buf_addch(&w, *++p);
			in_word = 1;
		} else if (c == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (!end)
				goto unclosed;
			ship_buf_add(&w, p + 1, (size_t)(end - p - 1));
			p = end;
			in_word = 1;
		} else if (c == '"') {
			for (p++;; p++) {
				if (!*p)
					goto unclosed;
				if (*p == '"')
					break;
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				ship_buf_addch(&w, *p);
			}
			in_word = 1;
		} else {
			ship_buf_addch(&w, c);
			in_word = 1;
		}
	}
	if (in_word && push_word(&argv, &n, &cap, &w))
		goto nomem;
	if (w.failed)
		goto nomem;
	if (!argv) {
		argv = ship_calloc(1, sizeof(*argv));
		if (!argv)
			goto nomem;
	}
	*argv_out = argv;
	argv = NULL;
	if (argc_out)
		*argc_out = n;
	rc = 0;
	goto cleanup;
unclosed:
	ship_err_set(err, SHIP_ERR_INPUT, "command '%s' has an unclosed quote; close it", s);
	goto cleanup;
nomem:
	ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
cleanup:
	ship_shell_split_free(argv);
	ship_buf_release(&w);
	return rc;
}

/* ---- data ------------------------------------------------------------------------------------ */

static void entry_release(struct pf_entry *e)
{
	ship_free(e->key);
	ship_free(e->value);
	for (size_t i = 0; i < e->nsubs; i++) {
		ship_free(e->subs[i].key);
		ship_free(e->subs[i].value);
	}
	ship_free(e->subs);
}

static void file_release(struct pf_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct pf_section *s = &f->v[i];
		for (size_t j = 0; j < s->n; j++)
			entry_release(&s->v[j]);
		ship_free(s->v);
		ship_free(s->kind);
		ship_free(s->name);
	}
	ship_free(f->v);
	ship_free(f->path);
	memset(f, 0, sizeof(*f));
}

void ship_aws_config_destroy(struct ship_aws_config *c)
{
	if (!c)
		return;
	file_release(&c->config);
	file_release(&c->creds);
	ship_free(c);
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 4;
	void *nv = ship_realloc(*v, nc * size);
	if (!nv)
		return -1;
	memset((char *)nv + *cap * size, 0, (nc - *cap) * size);
	*v = nv;
	*cap = nc;
	return 0;
}

static char *lower_dup(const char *p, size_t n)
{
	char *s = ship_strndup(p, n);
	if (s)
		for (char *q = s; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q + 32);
	return s;
}

/* ---- parser ---------------------------------------------------------------------------------- */

struct parser {
	struct pf_file *f;
	const char *what; /* "AWS config file" */
	int is_config;
	struct pf_section *sect;
	struct pf_entry *entry; /* the key whose value continuation lines extend */
	size_t indent_level;
	size_t pending_blanks;
	int nested;
	struct ship_buf val;
	struct ship_err *err;
};

static int nomem(struct parser *ps)
{
	return ship_err_set(ps->err, SHIP_ERR_NOMEM, "out of memory");
}

static int parse_fail(struct parser *ps, long line, const char *what, const char *p, size_t n)
{
	if (n > 60)
		n = 60;
	return ship_err_set(ps->err, SHIP_ERR_INPUT,
			    "%s '%s' line %ld: %s, found '%.*s'; fix or remove the line", ps->what,
			    ps->f->path, line, what, (int)n, p);
}

/* Stores the value being collected into the current key. */
static int finish_entry(struct parser *ps)
{
	if (!ps->entry)
		return 0;
	char *v = ship_buf_detach(&ps->val, NULL);
	ship_buf_init(&ps->val, MAX_FILE);
	if (!v)
		return nomem(ps);
	ps->entry->value = v;
	ps->entry = NULL;
	return 0;
}

static int start_section(struct parser *ps, const char *h, size_t hn)
{
	struct pf_file *f = ps->f;
	char *header = ship_strndup(h, hn);
	char **words = NULL;
	size_t nw = 0;
	const char *kind = "", *name = header;
	int rc = -1;

	if (!header || grow((void **)&f->v, &f->cap, f->n, sizeof(*f->v)))
		goto oom;
	if (!ps->is_config || !strcmp(header, "default")) {
		kind = "profile";
	} else {
		struct ship_err ignored = SHIP_ERR_INIT;
		if (ship_shell_split(header, &words, &nw, &ignored)) {
			if (ignored.code == SHIP_ERR_NOMEM)
				goto oom;
			nw = 0; /* botocore ignores such a section */
		}
		if (nw == 2 && (!strcmp(words[0], "profile") || !strcmp(words[0], "sso-session") ||
				!strcmp(words[0], "services"))) {
			kind = words[0];
			name = words[1];
		}
	}
	struct pf_section *s = &f->v[f->n];
	s->kind = ship_strdup(kind);
	s->name = ship_strdup(name);
	if (!s->kind || !s->name) {
		ship_free(s->kind);
		ship_free(s->name);
		memset(s, 0, sizeof(*s));
		goto oom;
	}
	f->n++;
	ps->sect = s;
	rc = 0;
	goto cleanup;
oom:
	nomem(ps);
cleanup:
	ship_shell_split_free(words);
	ship_free(header);
	return rc;
}

static int add_sub(struct parser *ps, long line, const char *p, size_t n)
{
	struct pf_entry *e = ps->entry;
	const char *eq = memchr(p, '=', n);
	if (!eq)
		return parse_fail(ps, line, "expected 'key = value' in the nested block", p, n);
	const char *k = p, *ke = eq, *v = eq + 1, *ve = p + n;
	while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
		ke--;
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	if (grow((void **)&e->subs, &e->capsubs, e->nsubs, sizeof(*e->subs)))
		return nomem(ps);
	struct pf_sub *s = &e->subs[e->nsubs];
	s->key = lower_dup(k, (size_t)(ke - k));
	s->value = ship_strndup(v, (size_t)(ve - v));
	if (!s->key || !s->value) {
		ship_free(s->key);
		ship_free(s->value);
		memset(s, 0, sizeof(*s));
		return nomem(ps);
	}
	e->nsubs++;
	return 0;
}

static int add_entry(struct parser *ps, long line, const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] != '=' && p[i] != ':')
		i++;
	if (i == n)
		return parse_fail(ps, line, "expected '[section]' or 'key = value'", p, n);
	size_t ke = i;
	while (ke > 0 && (p[ke - 1] == ' ' || p[ke - 1] == '\t'))
		ke--;
	if (ke == 0)
		return parse_fail(ps, line, "expected a key before the '='", p, n);
	size_t v = i + 1;
	while (v < n && (p[v] == ' ' || p[v] == '\t'))
		v++;
	struct pf_section *s = ps->sect;
	if (grow((void **)&s->v, &s->cap, s->n, sizeof(*s->v)))
		return nomem(ps);
	struct pf_entry *e = &s->v[s->n];
	e->key = lower_dup(p, ke);
	if (!e->key)
		return nomem(ps);
	s->n++;
	ps->entry = e;
	ps->nested = 0;
	ps->pending_blanks = 0;
	ship_buf_reset(&ps->val);
	if (ship_buf_add(&ps->val, p + v, n - v))
		return nomem(ps);
	return 0;
}

static int continuation(struct parser *ps, long line, const char *p, size_t n)
{
	if (ps->val.len == 0 && !ps->nested && ps->entry->nsubs == 0)
		ps->nested = 1; /* "key =" followed by indented lines: a nested block */
	for (size_t i = 0; i <= ps->pending_blanks; i++)
		ship_buf_addch(&ps->val, '\n');
	ps->pending_blanks = 0;
	if (ship_buf_add(&ps->val, p, n))
		return nomem(ps);
	if (ps->nested)
		return add_sub(ps, line, p, n);
	return 0;
}

static int parse_text(struct parser *ps, const char *text, size_t len)
{
	long line = 0;
	const char *p = text, *end = text + len;

	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	if (memchr(text, '\0', len))
		return ship_err_set(ps->err, SHIP_ERR_INPUT,
				    "%s '%s' contains a NUL byte; it must be a text file", ps->what,
				    ps->f->path);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *next = nl ? nl + 1 : end;
		line++;
		while (le > p && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t' ||
				  le[-1] == '\f' || le[-1] == '\v'))
			le--;
		const char *s = p;
		while (s < le && (*s == ' ' || *s == '\t' || *s == '\f' || *s == '\v'))
			s++;
		size_t indent = (size_t)(s - p), n = (size_t)(le - s);
		p = next;
		if (n == 0) {
			if (ps->entry)
				ps->pending_blanks++;
			continue;
		}
		if (*s == '#' || *s == ';')
			continue;
		if (ps->entry && indent > ps->indent_level) {
			if (continuation(ps, line, s, n))
				return -1;
			continue;
		}
		if (finish_entry(ps))
			return -1;
		ps->indent_level = indent;
		const char *close = NULL;
		if (*s == '[') {
			for (const char *q = s + n - 1; q > s + 1; q--)
				if (*q == ']') {
					close = q;
					break;
				}
		}
		if (close) {
			if (start_section(ps, s + 1, (size_t)(close - s - 1)))
				return -1;
			continue;
		}
		if (!ps->sect)
			return parse_fail(
			    ps, line, "expected a section header such as [default] first", s, n);
		if (add_entry(ps, line, s, n))
			return -1;
	}
	return finish_entry(ps);
}

static int load_file(struct pf_file *f, const char *path, const char *what, int is_config,
		     const char *env_name, struct ship_err *err)
{
	struct ship_buf b = SHIP_BUF_INIT(MAX_FILE);
	struct parser ps;
	int rc = -1;

	memset(&ps, 0, sizeof(ps));
	ship_buf_init(&ps.val, MAX_FILE);
	f->path = ship_strdup(path ? path : "");
	if (!f->path)
		goto oom;
	if (!path || !*path) {
		rc = 0;
		goto cleanup;
	}
	if (ship_read_file(path, &b)) {
		if (errno == ENOENT || errno == ENOTDIR) {
			rc = 0;
		} else if (errno == EFBIG || b.failed) {
			struct stat st;
			if (stat(path, &st) == 0 && (size_t)st.st_size <= MAX_FILE)
				ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
			else
				ship_err_set(
				    err, SHIP_ERR_INPUT,
				    "%s '%s' is larger than 4 MiB; point %s at the right file",
				    what, path, env_name);
		} else {
			ship_err_set(err, SHIP_ERR_IO,
				     "cannot read %s '%s': %s; fix it or point %s elsewhere", what,
				     path, strerror(errno), env_name);
		}
		goto cleanup;
	}
	ps.f = f;
	ps.what = what;
	ps.is_config = is_config;
	ps.err = err;
	rc = parse_text(&ps, b.data, b.len);
	goto cleanup;
oom:
	ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
cleanup:
	ship_buf_release(&ps.val);
	ship_buf_release(&b);
	return rc;
}

struct ship_aws_config *ship_aws_config_load_files(const char *config_path,
						   const char *credentials_path,
						   struct ship_err *err)
{
	struct ship_aws_config *c = ship_calloc(1, sizeof(*c));
	if (!c) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (load_file(&c->config, config_path, "AWS config file", 1, "AWS_CONFIG_FILE", err) ||
	    load_file(&c->creds, credentials_path, "AWS credentials file", 0,
		      "AWS_SHARED_CREDENTIALS_FILE", err)) {
		ship_aws_config_destroy(c);
		return NULL;
	}
	return c;
}

/* Python's os.path.expandvars then expanduser: $NAME and ${NAME} when set, a leading ~ as HOME. */
static int expand_path(const char *in, struct ship_buf *out)
{
	struct ship_buf tmp = SHIP_BUF_INIT(65536);
	const char *p = in;
	while (*p) {
		if (*p == '$') {
			int brace = p[1] == '{';
			const char *n = p + 1 + brace, *e = n;
			while ((*e >= 'A' && *e <= 'Z') || (*e >= 'a' && *e <= 'z') ||
			       (*e >= '0' && *e <= '9') || *e == '_')
				e++;
			if (e > n && (!brace || *e == '}')) {
				char name[256];
				size_t len = (size_t)(e - n);
				if (len < sizeof(name)) {
					memcpy(name, n, len);
					name[len] = '\0';
					const char *v = getenv(name);
					if (v) {
						ship_buf_adds(&tmp, v);
						p = e + brace;
						continue;
					}
				}
			}
		}
		ship_buf_addch(&tmp, *p++);
	}
	const char *home = getenv("HOME");
	if (tmp.data[0] == '~' && (tmp.data[1] == '/' || tmp.data[1] == '\0') && home && *home) {
		size_t hl = strlen(home);
		while (hl > 1 && home[hl - 1] == '/')
			hl--;
		ship_buf_add(out, home, hl);
		ship_buf_adds(out, tmp.data + 1);
	} else {
		ship_buf_addstr(out, ship_buf_str(&tmp));
	}
	int failed = tmp.failed || out->failed;
	ship_buf_release(&tmp);
	return failed ? -1 : 0;
}

struct ship_aws_config *ship_aws_config_load(struct ship_err *err)
{
	struct ship_buf cp = SHIP_BUF_INIT(65536), kp = SHIP_BUF_INIT(65536);
	struct ship_aws_config *c = NULL;
	const char *ce = getenv("AWS_CONFIG_FILE"), *ke = getenv("AWS_SHARED_CREDENTIALS_FILE");
	const char *home = getenv("HOME");
	int have_home = home && *home;

	if (ce && *ce ? expand_path(ce, &cp) : have_home ? expand_path("~/.aws/config", &cp) : 0)
		goto oom;
	if (ke && *ke	? expand_path(ke, &kp)
	    : have_home ? expand_path("~/.aws/credentials", &kp)
			: 0)
		goto oom;
	c = ship_aws_config_load_files(cp.len ? cp.data : NULL, kp.len ? kp.data : NULL, err);
	goto cleanup;
oom:
	ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
cleanup:
	ship_buf_release(&cp);
	ship_buf_release(&kp);
	return c;
}

/* ---- lookups --------------------------------------------------------------------------------- */

static const struct pf_entry *find_entry(const struct pf_file *f, const char *kind,
					 const char *name, const char *key)
{
	const struct pf_entry *found = NULL;
	if (!name || !key)
		return NULL;
	for (size_t i = 0; i < f->n; i++) {
		const struct pf_section *s = &f->v[i];
		if (strcmp(s->kind, kind) || strcmp(s->name, name))
			continue;
		for (size_t j = 0; j < s->n; j++)
			if (!ship_strcasecmp(s->v[j].key, key))
				found = &s->v[j];
	}
	return found;
}

static const char *find_sub(const struct pf_entry *e, const char *subkey)
{
	const char *found = NULL;
	if (!e || !subkey)
		return NULL;
	for (size_t i = 0; i < e->nsubs; i++)
		if (!ship_strcasecmp(e->subs[i].key, subkey))
			found = e->subs[i].value;
	return found;
}

const char *ship_aws_config_get(const struct ship_aws_config *c, const char *profile,
				const char *key)
{
	const struct pf_entry *e = c ? find_entry(&c->config, "profile", profile, key) : NULL;
	return e ? e->value : NULL;
}

const char *ship_aws_credfile_get(const struct ship_aws_config *c, const char *profile,
				  const char *key)
{
	const struct pf_entry *e = c ? find_entry(&c->creds, "profile", profile, key) : NULL;
	return e ? e->value : NULL;
}

const char *ship_aws_profile_get(const struct ship_aws_config *c, const char *profile,
				 const char *key)
{
	const char *v = ship_aws_credfile_get(c, profile, key);
	return v ? v : ship_aws_config_get(c, profile, key);
}

const char *ship_aws_config_get_sub(const struct ship_aws_config *c, const char *profile,
				    const char *key, const char *subkey)
{
	return c ? find_sub(find_entry(&c->config, "profile", profile, key), subkey) : NULL;
}

const char *ship_aws_config_section_get(const struct ship_aws_config *c, const char *kind,
					const char *name, const char *key)
{
	const struct pf_entry *e = c && kind ? find_entry(&c->config, kind, name, key) : NULL;
	return e ? e->value : NULL;
}

const char *ship_aws_config_section_get_sub(const struct ship_aws_config *c, const char *kind,
					    const char *name, const char *key, const char *subkey)
{
	return c && kind ? find_sub(find_entry(&c->config, kind, name, key), subkey) : NULL;
}

static int file_has(const struct pf_file *f, const char *profile)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].kind, "profile") && !strcmp(f->v[i].name, profile))
			return 1;
	return 0;
}

int ship_aws_config_has_profile(const struct ship_aws_config *c, const char *profile)
{
	return c && profile && (file_has(&c->config, profile) || file_has(&c->creds, profile));
}

const char *ship_aws_config_path(const struct ship_aws_config *c)
{
	return c && c->config.path ? c->config.path : "";
}

const char *ship_aws_credfile_path(const struct ship_aws_config *c)
{
	return c && c->creds.path ? c->creds.path : "";
}
