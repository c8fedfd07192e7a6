/*
 * creds_process.c: the credential_process provider. Runs the profile's command without a shell
 * (split like shlex), reads JSON Version 1 from its stdout with bounded output and time, and
 * reports a failure with the command's own stderr. Depends on POSIX spawn/poll and jansson;
 * never prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ecship/creds.h"
#include "ecship/profile.h"
#include "ecship/util.h"

extern char **environ;

#define MAX_STDOUT ((size_t)64 << 10)
#define MAX_STDERR ((size_t)4 << 10)
#define DEFAULT_TIMEOUT_MS 300000L

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int cloexec_pipe(int fds[2])
{
	if (pipe(fds))
		return -1;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

/* The child's stderr as one trimmed line for a message. */
static void stderr_text(struct ship_buf *e, char *out, size_t n)
{
	size_t j = 0;
	int space = 0;
	for (size_t i = 0; i < e->len && j + 4 < n; i++) {
		unsigned char c = (unsigned char)e->data[i];
		if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
			space = j > 0;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			continue;
		if (space)
			out[j++] = ' ';
		space = 0;
		out[j++] = (char)c;
	}
	out[j] = '\0';
	if (j + 4 >= n && e->len)
		memcpy(out + j, "...", 4);
}

/*
 * Runs argv, collecting stdout (at most MAX_STDOUT) and stderr (first MAX_STDERR kept) until it
 * exits or timeout_ms passes. *status is the waitpid status.
 */
static int run(char **argv, const char *source, long timeout_ms, struct ship_buf *out,
	       struct ship_buf *errbuf, int *status, struct ship_err *err)
{
	int po[2] = {-1, -1}, pe[2] = {-1, -1}, rc = -1;
	pid_t pid = -1;
	posix_spawn_file_actions_t fa;
	int fa_ok = 0;

	if (cloexec_pipe(po) || cloexec_pipe(pe)) {
		ship_err_set(err, SHIP_ERR_IO, "%s: cannot create a pipe: %s", source,
			     strerror(errno));
		goto cleanup;
	}
	if (posix_spawn_file_actions_init(&fa))
		goto nomem;
	fa_ok = 1;
	if (posix_spawn_file_actions_adddup2(&fa, po[1], 1) ||
	    posix_spawn_file_actions_adddup2(&fa, pe[1], 2))
		goto nomem;
	int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	if (e) {
		pid = -1;
		ship_err_set(err, SHIP_ERR_CREDENTIALS,
			     "%s: cannot run '%s': %s; check the command", source, argv[0],
			     strerror(e));
		goto cleanup;
	}
	close_fd(&po[1]);
	close_fd(&pe[1]);

	double deadline = mono_ms() + (double)timeout_ms;
	while (po[0] >= 0 || pe[0] >= 0) {
		struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
		double left = deadline - mono_ms();
		if (left <= 0) {
			ship_err_set(err, SHIP_ERR_TIMEOUT,
				     "%s: '%s' did not finish within %ld s; it was stopped", source,
				     argv[0], (timeout_ms + 999) / 1000);
			goto cleanup;
		}
		int n = poll(fds, 2, left > 1e6 ? 1000000 : (int)left + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ship_err_set(err, SHIP_ERR_IO, "%s: poll: %s", source, strerror(errno));
			goto cleanup;
		}
		for (int i = 0; i < 2; i++) {
			char chunk[4096];
			int *fd = i == 0 ? &po[0] : &pe[0];
			if (*fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(*fd, chunk, sizeof(chunk));
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				close_fd(fd);
				continue;
			}
			if (i == 1) {
				size_t room = MAX_STDERR - errbuf->len;
				ship_buf_add(errbuf, chunk, (size_t)r < room ? (size_t)r : room);
			} else if (ship_buf_add(out, chunk, (size_t)r)) {
				if (out->len + (size_t)r > MAX_STDOUT)
					ship_err_set(
					    err, SHIP_ERR_CREDENTIALS,
					    "%s: '%s' printed more than %zu KiB; it must print "
					    "one JSON object",
					    source, argv[0], MAX_STDOUT >> 10);
				else
					ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
				goto cleanup;
			}
		}
	}
	for (;;) {
		pid_t w = waitpid(pid, status, 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			ship_err_set(err, SHIP_ERR_IO, "%s: waitpid: %s", source, strerror(errno));
			goto cleanup;
		}
	}
	pid = -1;
	rc = 0;
	goto cleanup;
nomem:
	ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
cleanup:
	if (pid > 0) {
		/* stopped early: do not leave it running or as a zombie */
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	close_fd(&po[0]);
	close_fd(&po[1]);
	close_fd(&pe[0]);
	close_fd(&pe[1]);
	return rc;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int ship_creds_run_process(const char *command, const char *source, long timeout_ms,
			   const struct ship_clock *clock, struct ship_creds *out,
			   struct ship_err *err)
{
	struct ship_buf o = SHIP_BUF_INIT(MAX_STDOUT), e = SHIP_BUF_INIT(MAX_STDERR);
	char **argv = NULL;
	size_t argc = 0;
	json_t *root = NULL;
	int status = 0, rc = -1;
	char text[512];

	if (timeout_ms <= 0)
		timeout_ms = DEFAULT_TIMEOUT_MS;
	if (ship_shell_split(command, &argv, &argc, err)) {
		ship_err_prefix(err, "%s", source);
		goto cleanup;
	}
	if (argc == 0) {
		ship_err_set(err, SHIP_ERR_INPUT, "%s is empty; give the command to run", source);
		goto cleanup;
	}
	if (run(argv, source, timeout_ms, &o, &e, &status, err))
		goto cleanup;
	stderr_text(&e, text, sizeof(text));
	if (WIFSIGNALED(status)) {
		ship_err_set(err, SHIP_ERR_CREDENTIALS, "%s: '%s' was killed by signal %d%s%s",
			     source, argv[0], WTERMSIG(status), *text ? ": " : "", text);
		goto cleanup;
	}
	if (WEXITSTATUS(status) != 0) {
		ship_err_set(err, SHIP_ERR_CREDENTIALS, "%s: '%s' failed with exit status %d%s%s",
			     source, argv[0], WEXITSTATUS(status), *text ? ": " : "",
			     *text ? text : " and printed nothing on stderr");
		goto cleanup;
	}
	json_error_t je;
	root = json_loadb(o.data, o.len, 0, &je);
	if (!root && (json_error_code(&je) == json_error_out_of_memory || !je.text[0])) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	if (!json_is_object(root)) {
		ship_err_set(err, SHIP_ERR_CREDENTIALS,
			     "%s: '%s' did not print a JSON object (%s); it must print "
			     "{\"Version\": 1, \"AccessKeyId\": ..., \"SecretAccessKey\": ...}%s%s",
			     source, argv[0], root ? "not an object" : je.text,
			     *text ? "; its stderr: " : "", text);
		goto cleanup;
	}
	json_t *ver = json_object_get(root, "Version");
	if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
		ship_err_set(
		    err, SHIP_ERR_CREDENTIALS,
		    "%s: unsupported or missing \"Version\" in its JSON; only Version 1 is "
		    "supported",
		    source);
		goto cleanup;
	}
	const char *keys[] = {"AccessKeyId", "SecretAccessKey"};
	for (size_t i = 0; i < 2; i++)
		if (!jstr(root, keys[i])) {
			ship_err_set(err, SHIP_ERR_CREDENTIALS, "%s: its JSON has no \"%s\"",
				     source, keys[i]);
			goto cleanup;
		}
	if (ship_creds_set(out, jstr(root, "AccessKeyId"), jstr(root, "SecretAccessKey"),
			   jstr(root, "SessionToken"), jstr(root, "Expiration"), err, "%s", source))
		goto cleanup;
	const struct ship_clock *c = clock ? clock : ship_clock_system();
	if (out->expires != 0 && out->expires <= c->now(c->ctx)) {
		char when[32];
		ship_creds_format_time(out->expires, when, sizeof(when));
		ship_err_set(err, SHIP_ERR_CREDENTIALS,
			     "%s: '%s' returned credentials that expired at %s; make it renew them",
			     source, argv[0], when);
		ship_creds_release(out);
		goto cleanup;
	}
	rc = 0;
cleanup:
	json_decref(root);
	ship_shell_split_free(argv);
	ship_buf_release(&o);
	ship_buf_release(&e);
	return rc;
}

int ship_creds_from_process(const struct ship_creds_ctx *ctx, const char *profile,
			    struct ship_creds *out, struct ship_err *err)
{
	char source[sizeof(out->source)];
	const char *cmd = ship_aws_profile_get(ctx->config, profile, "credential_process");
	if (!cmd || !*cmd)
		return 0;
	snprintf(source, sizeof(source), "credential_process of profile '%s'", profile);
	struct ship_creds tmp;
	memset(&tmp, 0, sizeof(tmp));
	if (ship_creds_run_process(cmd, source, ctx->process_timeout_ms, ctx->clock, &tmp, err))
		return -1;
	*out = tmp;
	return 1;
}
