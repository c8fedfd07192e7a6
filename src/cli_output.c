/*
 * cli_output.c: everything the tool writes besides results: git-style error, warning and hint
 * lines, progress notes, GitHub Actions annotations, JSON results, and the mapping from a
 * library error to a message, a hint and an exit code. Depends on cli.h, jansson.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int s_quiet;
static int s_color;
static int s_github;

void cli_output_setup(struct cli_ctx *ctx)
{
	const char *nc = getenv("NO_COLOR");
	const char *gh = getenv("GITHUB_ACTIONS");
	s_quiet = ctx->g.quiet;
	s_color = !ctx->g.no_color && !(nc && *nc) && isatty(STDERR_FILENO);
	s_github = gh && !strcmp(gh, "true");
	ctx->color = s_color;
	ctx->github = s_github;
	ctx->json = ctx->g.output && !strcmp(ctx->g.output, "json");
}

/* ---- text from outside ecship -----------------------------------------------------------------
 */

/* Length of the valid UTF-8 sequence at p (2-4), or 0 when p does not start one. */
static size_t utf8_seq(const unsigned char *p)
{
	unsigned char c = p[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0; /* overlong */
	else if (c == 0xED)
		hi = 0x9F; /* surrogates */
	else if (c == 0xF0)
		lo = 0x90; /* overlong */
	else if (c == 0xF4)
		hi = 0x8F; /* beyond U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

void cli_escape(struct ship_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		size_t n;
		if (*p == '\t' || (*p >= 0x20 && *p < 0x7F)) {
			ship_buf_addch(out, (char)*p++);
		} else if (*p < 0x20 || *p == 0x7F) {
			/* caret notation, as git and `cat -v` show control characters: ESC is ^[ */
			ship_buf_addch(out, '^');
			ship_buf_addch(out, (char)(*p == 0x7F ? '?' : *p + 0x40));
			p++;
		} else if ((n = utf8_seq(p)) && !(p[0] == 0xC2 && p[1] < 0xA0)) {
			ship_buf_add(out, p, n);
			p += n;
		} else {
			/* a C1 control (U+0080-U+009F, e.g. the 8-bit CSI) or a byte that is not
			 * UTF-8 */
			char x[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
			ship_buf_add(out, x, sizeof(x));
			p++;
		}
	}
}

/* A ring of buffers, so one printf can take several cli_safe() arguments. */
#define CLI_SAFE_RING 8
static struct ship_buf s_ring[CLI_SAFE_RING];
static unsigned s_ring_next;

const char *cli_safe(const char *s)
{
	struct ship_buf *b = &s_ring[s_ring_next++ % CLI_SAFE_RING];
	if (!b->max)
		ship_buf_init(b, SHIP_BUF_MAX_DEFAULT);
	ship_buf_reset(b);
	cli_escape(b, s);
	return b->failed ? "(out of memory)" : b->data;
}

/* A value for a shell command line: as it is when it is plain, else in single quotes. */
static void shell_word(struct ship_buf *b, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+") ==
		      strlen(s)) {
		ship_buf_adds(b, s);
		return;
	}
	ship_buf_addch(b, '\'');
	for (; *s; s++)
		if (*s == '\'')
			ship_buf_adds(b, "'\\''");
		else
			ship_buf_addch(b, *s);
	ship_buf_addch(b, '\'');
}

/* The service a command printed for the user is about (cli_output_set_service), or NULL. */
static const char *s_service;

void cli_output_set_service(const char *name)
{
	s_service = name;
}

/* Whether the command that starts `cmd` (its first word; len bytes of it are the quoted
 * command) should get --service: one is set, the command takes --service NAME, and the
 * command does not name a service already. */
static int wants_service(const char *cmd, size_t len)
{
	size_t w = strcspn(cmd, " '");
	char name[32];
	if (!s_service || !w || w >= sizeof(name) || w > len)
		return 0;
	memcpy(name, cmd, w);
	name[w] = '\0';
	const struct cli_command *c = cli_find_command(name);
	for (const struct cli_option *o = c ? c->options : NULL; o && o->type != CLI_OPT_END; o++)
		if (!strcmp(o->name, "service") &&
		    (o->type == CLI_OPT_STRING || o->type == CLI_OPT_LIST)) {
			for (const char *p = cmd; p + 9 <= cmd + len; p++)
				if (!strncmp(p, "--service", 9))
					return 0;
			return 1;
		}
	return 0;
}

/* The command `cmd` (len bytes) with --service after its first word when wants_service. */
static void add_command(struct ship_buf *b, const char *cmd, size_t len)
{
	if (!wants_service(cmd, len)) {
		ship_buf_add(b, cmd, len);
		return;
	}
	size_t w = strcspn(cmd, " '");
	ship_buf_add(b, cmd, w);
	ship_buf_adds(b, " --service ");
	shell_word(b, s_service);
	ship_buf_add(b, cmd + w, len - w);
}

const char *cli_ecship(const struct cli_ctx *ctx, const char *args)
{
	struct ship_buf *b = &s_ring[s_ring_next++ % CLI_SAFE_RING];
	if (!b->max)
		ship_buf_init(b, SHIP_BUF_MAX_DEFAULT);
	ship_buf_reset(b);
	ship_buf_adds(b, "ecship");
	const char *env = ctx ? ctx->g.env : NULL;
	if (!env || !*env)
		env = getenv("ENVIRONMENT");
	if (ctx && ctx->g.config) {
		ship_buf_adds(b, " --config ");
		shell_word(b, ctx->g.config);
	}
	if (env && *env) {
		ship_buf_adds(b, " --env ");
		shell_word(b, env);
	}
	if (args && *args) {
		ship_buf_addch(b, ' ');
		add_command(b, args, strlen(args));
	}
	return b->failed ? "ecship" : b->data;
}

void cli_put_lines(FILE *f, const char *text)
{
	struct ship_buf b = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		struct ship_buf line = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
		ship_buf_add(&line, text, n);
		ship_buf_reset(&b);
		cli_escape(&b, line.data);
		fputs(b.failed || line.failed ? "(out of memory)" : b.data, f);
		fputc('\n', f);
		ship_buf_release(&line);
		text += n + (nl ? 1 : 0);
	}
	ship_buf_release(&b);
}

void cli_output_release(void)
{
	for (size_t i = 0; i < CLI_SAFE_RING; i++)
		ship_buf_release(&s_ring[i]);
}

/* Writes one message line: label, then the formatted text with control characters escaped (the
 * arguments may hold AWS messages and other remote text), leaving that text in esc. */
static const struct cli_ctx *s_ctx; /* for cli_aim: the --config and --env given */

void cli_output_set_ctx(const struct cli_ctx *ctx) { s_ctx = ctx; }

const char *cli_aim(const char *text)
{
	struct ship_buf *b = &s_ring[s_ring_next++ % CLI_SAFE_RING];
	if (!b->max)
		ship_buf_init(b, SHIP_BUF_MAX_DEFAULT);
	ship_buf_reset(b);
	const char *self = cli_ecship(s_ctx, "");
	if (!text)
		return "";
	for (const char *p = text; *p;) {
		const char *q = strstr(p, "'ecship ");
		if (!q) {
			ship_buf_adds(b, p);
			break;
		}
		ship_buf_add(b, p, (size_t)(q - p) + 1); /* through the quote */
		p = q + 1 + 7;			       /* after "ecship " */
		if (strncmp(p, "--config", 8) == 0 || strncmp(p, "--env", 5) == 0 ||
		    strncmp(p, "--help", 6) == 0 || strncmp(p, "COMMAND", 7) == 0) {
			ship_buf_adds(b, "ecship ");
			continue;
		}
		/* the quoted command, up to its closing quote, aimed at the service too */
		size_t len = strcspn(p, "'");
		ship_buf_addf(b, "%s ", self);
		add_command(b, p, len);
		p += len;
	}
	return b->failed ? text : b->data;
}

static void vline(const char *label, const char *color, const char *fmt, va_list ap,
		  struct ship_buf *esc)
{
	struct ship_buf raw = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
	ship_buf_vaddf(&raw, fmt, ap);
	/* every command printed for the user aims where this one did (--config, --env) */
	cli_escape(esc, raw.failed ? "(out of memory)" : cli_aim(raw.data));
	ship_buf_release(&raw);
	if (s_color)
		fprintf(stderr, "\033[%sm%s:\033[0m ", color, label);
	else
		fprintf(stderr, "%s: ", label);
	fputs(esc->failed ? "(out of memory)" : esc->data, stderr);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	struct ship_buf esc = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
	va_list ap;
	va_start(ap, fmt);
	vline(_("error"), "1;31", fmt, ap, &esc);
	va_end(ap);
	if (s_github && !esc.failed)
		cli_annotation("error", esc.data); /* CR and LF in it are already ^M, ^J */
	ship_buf_release(&esc);
}

void cli_error_local(const char *fmt, ...)
{
	struct ship_buf esc = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
	va_list ap;
	va_start(ap, fmt);
	vline(_("error"), "1;31", fmt, ap, &esc);
	va_end(ap);
	ship_buf_release(&esc);
}

void cli_warn(const char *fmt, ...)
{
	struct ship_buf esc = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
	va_list ap;
	va_start(ap, fmt);
	vline(_("warning"), "1;33", fmt, ap, &esc);
	va_end(ap);
	ship_buf_release(&esc);
}

void cli_hint(const char *fmt, ...)
{
	struct ship_buf esc = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
	va_list ap;
	va_start(ap, fmt);
	vline(_("hint"), "36", fmt, ap, &esc);
	va_end(ap);
	ship_buf_release(&esc);
}

void cli_note(const char *fmt, ...)
{
	va_list ap;
	if (s_quiet)
		return;
	struct ship_buf raw = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
	va_start(ap, fmt);
	ship_buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	fputs(cli_safe(raw.failed ? "(out of memory)" : raw.data), stderr);
	fputc('\n', stderr);
	ship_buf_release(&raw);
}

int cli_exit_for(const struct ship_err *err)
{
	switch (err->code) {
	case SHIP_ERR_INPUT:
	case SHIP_ERR_IO:
		return CLI_EXIT_USAGE;
	case SHIP_ERR_CREDENTIALS:
	case SHIP_ERR_NETWORK:
	case SHIP_ERR_TIMEOUT:
	case SHIP_ERR_AWS:
	case SHIP_ERR_PROTOCOL:
		return CLI_EXIT_AWS;
	case SHIP_ERR_INTERRUPTED:
		return CLI_EXIT_INTERRUPTED;
	case SHIP_ERR_NONE:
	case SHIP_ERR_NOMEM:
	case SHIP_ERR_INTERNAL:
		break;
	}
	return CLI_EXIT_FAILED;
}

static int code_in(const char *code, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(code, *list))
			return 1;
	return 0;
}

static const char *hint_for(const struct ship_err *err)
{
	static const char *const auth[] = {"InvalidClientTokenId", "UnrecognizedClientException",
					   "SignatureDoesNotMatch", "IncompleteSignature",
					   "InvalidSignatureException", "ExpiredToken",
					   "ExpiredTokenException", "InvalidAccessKeyId",
					   "AuthFailure", "InvalidToken", NULL};
	static const char *const denied[] = {"AccessDenied", "AccessDeniedException",
					     "UnauthorizedOperation", "UnauthorizedException",
					     NULL};
	switch (err->code) {
	case SHIP_ERR_CREDENTIALS:
		return _("ecship finds credentials as the AWS CLI does: environment, web identity, "
		       "--profile / AWS_PROFILE, container or instance roles");
	case SHIP_ERR_NETWORK:
	case SHIP_ERR_TIMEOUT:
		return _("check the endpoint (--endpoint-url, AWS_ENDPOINT_URL), the network and any "
		       "proxy settings (HTTPS_PROXY, NO_PROXY), then run the command again");
	case SHIP_ERR_PROTOCOL:
		return _("the endpoint did not answer like AWS: check --endpoint-url and proxies");
	case SHIP_ERR_AWS:
		if (code_in(err->aws_code, auth))
			return _("AWS rejected the credentials: 'ecship whoami' shows which are used and "
			       "where they come from; refresh expired session tokens");
		if (code_in(err->aws_code, denied))
			return _("the identity lacks a permission: add it to its IAM policy (docs/iam/ "
			       "holds the policies ecship needs)");
		if (err->throttled)
			return _("AWS kept throttling the calls: run again later or set AWS_MAX_ATTEMPTS "
			       "higher");
		if (err->http_status >= 500)
			return _("AWS had an internal error: run the command again in a moment");
		return NULL;
	default:
		return NULL;
	}
}

int cli_report(const char *what, const struct ship_err *err)
{
	/* The library's message may already name the code, status and request id: add what is
	 * missing, once. */
	char code[128] = "", tail[256] = "", status[16] = "";
	size_t m = 0;
	if (err->code == SHIP_ERR_AWS && err->aws_code[0] && !strstr(err->message, err->aws_code))
		snprintf(code, sizeof(code), "%s: ", err->aws_code);
	if (err->http_status)
		snprintf(status, sizeof(status), "HTTP %d", err->http_status);
	if (status[0] && !strstr(err->message, status))
		m += (size_t)snprintf(tail + m, sizeof(tail) - m, "%s", status);
	if (err->request_id[0] && !strstr(err->message, err->request_id))
		snprintf(tail + m, sizeof(tail) - m, _("%srequest id %s"), m ? ", " : "",
			 err->request_id);
	if (tail[0])
		cli_error("%s: %s%s (%s)", what, code, err->message, tail);
	else
		cli_error("%s: %s%s", what, code, err->message);
	const char *h = hint_for(err);
	if (h)
		cli_hint("%s", h);
	return cli_exit_for(err);
}

int cli_print_json(json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		return -1;
	return fputc('\n', stdout) == EOF ? -1 : 0;
}
