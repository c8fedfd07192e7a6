/*
 * profile.h: the AWS CLI's shared config and credentials files (INI), parsed once.
 * Config file: AWS_CONFIG_FILE or ~/.aws/config, sections "[default]" and "[profile NAME]"
 * (also "[sso-session NAME]" and "[services NAME]", kept for lookups).
 * Credentials file: AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, sections "[NAME]".
 * Missing files are not an error; an unreadable or malformed one is (file and line named).
 */
#ifndef ECSHIP_PROFILE_H
#define ECSHIP_PROFILE_H

#include <stddef.h>

#include "ecship/err.h"

struct ship_aws_config;

/*
 * Loads both files from AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE (defaults ~/.aws/config and
 * ~/.aws/credentials; "~" and $VAR expanded with HOME and the environment, as the AWS CLI does).
 */
struct ship_aws_config *ship_aws_config_load(struct ship_err *err);
/* Loads the two files at these paths (already expanded); NULL for a file that is not used. */
struct ship_aws_config *ship_aws_config_load_files(const char *config_path,
						   const char *credentials_path,
						   struct ship_err *err);
void ship_aws_config_destroy(struct ship_aws_config *c);

/*
 * Lookups accept c == NULL (no files) and return NULL when the key is absent. Keys are compared
 * case-insensitively, profile and section names exactly. A key given twice: the later one wins.
 * A nested key ("s3 =" followed by indented "k = v" lines) has its raw text as value; read its
 * members with the _sub variants.
 */

/* A key of a profile in the config file. */
const char *ship_aws_config_get(const struct ship_aws_config *c, const char *profile,
				const char *key);
/* A key of a profile in the credentials file. */
const char *ship_aws_credfile_get(const struct ship_aws_config *c, const char *profile,
				  const char *key);
/*
 * A key of a profile as the AWS CLI merges the two files: the credentials file wins over the
 * config file (role_arn, source_profile, credential_process, ... may be in either).
 */
const char *ship_aws_profile_get(const struct ship_aws_config *c, const char *profile,
				 const char *key);
/* A member of a nested key of a profile in the config file ("s3", "addressing_style"). */
const char *ship_aws_config_get_sub(const struct ship_aws_config *c, const char *profile,
				    const char *key, const char *subkey);
/* A key of another config-file section: kind "sso-session" or "services", then its name. */
const char *ship_aws_config_section_get(const struct ship_aws_config *c, const char *kind,
					const char *name, const char *key);
const char *ship_aws_config_section_get_sub(const struct ship_aws_config *c, const char *kind,
					    const char *name, const char *key, const char *subkey);
/* Whether the profile appears in either file. */
int ship_aws_config_has_profile(const struct ship_aws_config *c, const char *profile);
/* The paths that were read (or would have been, when the file is missing); "" when unused. */
const char *ship_aws_config_path(const struct ship_aws_config *c);
const char *ship_aws_credfile_path(const struct ship_aws_config *c);

/*
 * Splits a command line into words like POSIX shlex (Python's shlex.split): whitespace
 * separates, '...' is literal, "..." keeps \" and \\ escapes, a backslash outside quotes escapes
 * the next character. No variables, globs or comments. *argv is NULL-terminated; free it with
 * ship_shell_split_free. An unclosed quote or a trailing backslash is SHIP_ERR_INPUT.
 */
int ship_shell_split(const char *s, char ***argv, size_t *argc, struct ship_err *err);
void ship_shell_split_free(char **argv);

#endif
