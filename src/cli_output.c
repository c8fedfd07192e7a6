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

static void vline(const char *label, const char *color, const char *fmt, va_list ap)
{
	if (s_color)
		fprintf(stderr, "\033[%sm%s:\033[0m ", color, label);
	else
		fprintf(stderr, "%s: ", label);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(_("error"), "1;31", fmt, ap);
	va_end(ap);
	if (s_github) {
		char msg[2048];
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		cli_annotation("error", msg);
	}
}

void cli_error_local(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(_("error"), "1;31", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(_("warning"), "1;33", fmt, ap);
	va_end(ap);
}

void cli_hint(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(_("hint"), "36", fmt, ap);
	va_end(ap);
}

void cli_note(const char *fmt, ...)
{
	va_list ap;
	if (s_quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
