/*
 * profile.h: the AWS CLI's shared config and credentials files (INI), parsed once.
 * Config file: AWS_CONFIG_FILE or ~/.aws/config, sections "[default]" and "[profile NAME]".
 * Credentials file: AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, sections "[NAME]".
 * Missing files are not an error; a malformed one is (file and line named).
 */
#ifndef ECSHIP_PROFILE_H
#define ECSHIP_PROFILE_H

#include "ecship/err.h"

struct ship_aws_config;

struct ship_aws_config *ship_aws_config_load(struct ship_err *err);
void ship_aws_config_destroy(struct ship_aws_config *c);

/* A key of a profile in the config file, or NULL. Keys are compared case-insensitively. */
const char *ship_aws_config_get(const struct ship_aws_config *c, const char *profile, const char *key);
/* A key of a profile in the credentials file, or NULL. */
const char *ship_aws_credfile_get(const struct ship_aws_config *c, const char *profile,
				  const char *key);
/* Whether the profile appears in either file. */
int ship_aws_config_has_profile(const struct ship_aws_config *c, const char *profile);

#endif
