/*
 * fuzz_profile.c: the AWS shared config and credentials files (INI with nested keys, as the AWS
 * CLI reads them) and the shell-word splitter used for credential_process, on arbitrary bytes.
 * The input is split at the first NUL into the config file and the credentials file. Checks: no
 * crash, no leak; lookups on what was parsed are consistent (a profile that has a key exists).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecship/profile.h"
#include "fuzz_main.h"

static void put(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (n && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

static char s_dir[64], s_cfg[96], s_cred[96];

static void cleanup(void)
{
	unlink(s_cfg);
	unlink(s_cred);
	rmdir(s_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *dir = s_dir, *cfg = s_cfg, *cred = s_cred;
	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(s_dir, sizeof(s_dir), "%s/ecship-fuzz-profile.XXXXXX",
			 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
		if (!mkdtemp(s_dir))
			abort();
		snprintf(s_cfg, sizeof(s_cfg), "%s/config", s_dir);
		snprintf(s_cred, sizeof(s_cred), "%s/credentials", s_dir);
		atexit(cleanup);
	}
	const uint8_t *nul = memchr(data, 0, size);
	size_t n1 = nul ? (size_t)(nul - data) : size;
	put(cfg, data, n1);
	put(cred, nul ? nul + 1 : data, nul ? size - n1 - 1 : 0);
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_aws_config *c = ship_aws_config_load_files(cfg, cred, &err);
	static const char *const profiles[] = {"default", "dev", "prod", "a b"};
	static const char *const keys[] = {"region",	    "role_arn",	    "source_profile",
					   "credential_process", "endpoint_url", "s3",
					   "aws_access_key_id",	    "sso_session"};
	for (size_t i = 0; c && i < 4; i++) {
		for (size_t k = 0; k < 8; k++) {
			const char *v = ship_aws_profile_get(c, profiles[i], keys[k]);
			if (v && !ship_aws_config_has_profile(c, profiles[i]))
				__builtin_trap();
			ship_aws_config_get_sub(c, profiles[i], keys[k], "addressing_style");
			const char *cp = ship_aws_config_get(c, profiles[i], "credential_process");
			if (cp) {
				char **argv = NULL;
				size_t argc = 0;
				struct ship_err e2 = SHIP_ERR_INIT;
				if (!ship_shell_split(cp, &argv, &argc, &e2))
					ship_shell_split_free(argv);
			}
		}
		ship_aws_config_section_get(c, "services", profiles[i], "ecs");
		ship_aws_config_section_get_sub(c, "services", profiles[i], "ecs", "endpoint_url");
	}
	ship_aws_config_destroy(c);
	/* the whole input as one command line */
	struct ship_buf line = SHIP_BUF_INIT(1 << 20);
	if (!ship_buf_add(&line, data, n1)) {
		char **argv = NULL;
		size_t argc = 0;
		if (!ship_shell_split(line.data, &argv, &argc, &err)) {
			if (argv[argc] != NULL)
				__builtin_trap();
			ship_shell_split_free(argv);
		}
	}
	ship_buf_release(&line);
	return 0;
}
