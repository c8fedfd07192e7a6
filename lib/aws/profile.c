/* profile.c: STUB until the credentials work lands; see profile.h. */
#include "ecship/profile.h"

struct ship_aws_config {
	int unused;
};

struct ship_aws_config *ship_aws_config_load(struct ship_err *err)
{
	static struct ship_aws_config empty;
	(void)err;
	return &empty;
}
void ship_aws_config_destroy(struct ship_aws_config *c) { (void)c; }
const char *ship_aws_config_get(const struct ship_aws_config *c, const char *p, const char *k)
{
	(void)c, (void)p, (void)k;
	return 0;
}
const char *ship_aws_credfile_get(const struct ship_aws_config *c, const char *p, const char *k)
{
	(void)c, (void)p, (void)k;
	return 0;
}
int ship_aws_config_has_profile(const struct ship_aws_config *c, const char *p)
{
	(void)c, (void)p;
	return 0;
}
