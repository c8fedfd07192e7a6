/*
 * validate.c: checks a task definition (and the service definition it is deployed with) before
 * any call that changes AWS, collecting every problem with a fix: required fields, Fargate sizes,
 * the 64 KiB limit, essential containers, load balancer targets, awslogs options, and values in
 * plain `environment` that look like secrets. Depends on jansson, diag.c, image.c, lib/util.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ecship/config.h"
#include "ecship/taskdef.h"
#include "ecship/text.h"

static const char *const s_td_keys[] = {
    "family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions", "volumes",
    "placementConstraints", "requiresCompatibilities", "cpu", "memory", "tags", "pidMode",
    "ipcMode", "proxyConfiguration", "inferenceAccelerators", "ephemeralStorage",
    "runtimePlatform", "enableFaultInjection", NULL};

static const char *const s_cd_keys[] = {
    "name", "image", "repositoryCredentials", "cpu", "memory", "memoryReservation", "links",
    "portMappings", "essential", "restartPolicy", "entryPoint", "command", "environment",
    "environmentFiles", "mountPoints", "volumesFrom", "linuxParameters", "secrets", "dependsOn",
    "startTimeout", "stopTimeout", "versionConsistency", "hostname", "user", "workingDirectory",
    "disableNetworking", "privileged", "readonlyRootFilesystem", "dnsServers", "dnsSearchDomains",
    "extraHosts", "dockerSecurityOptions", "interactive", "pseudoTerminal", "dockerLabels",
    "ulimits", "logConfiguration", "healthCheck", "systemControls", "resourceRequirements",
    "firelensConfiguration", "credentialSpecs", NULL};

/* ---- sizes --------------------------------------------------------------------------------- */

int ship_fargate_size_ok(long cpu, long mem)
{
	switch (cpu) {
	case 256:
		return mem == 512 || mem == 1024 || mem == 2048;
	case 512:
		return mem >= 1024 && mem <= 4096 && mem % 1024 == 0;
	case 1024:
		return mem >= 2048 && mem <= 8192 && mem % 1024 == 0;
	case 2048:
		return mem >= 4096 && mem <= 16384 && mem % 1024 == 0;
	case 4096:
		return mem >= 8192 && mem <= 30720 && mem % 1024 == 0;
	case 8192:
		return mem >= 16384 && mem <= 61440 && mem % 4096 == 0;
	case 16384:
		return mem >= 32768 && mem <= 122880 && mem % 8192 == 0;
	}
	return 0;
}

static const char *fargate_memory_for(long cpu)
{
	switch (cpu) {
	case 256:
		return "512, 1024 or 2048";
	case 512:
		return "1024 to 4096 in steps of 1024";
	case 1024:
		return "2048 to 8192 in steps of 1024";
	case 2048:
		return "4096 to 16384 in steps of 1024";
	case 4096:
		return "8192 to 30720 in steps of 1024";
	case 8192:
		return "16384 to 61440 in steps of 4096";
	case 16384:
		return "32768 to 122880 in steps of 8192";
	}
	return NULL;
}

/* "<number>[ ]<unit>" with the unit compared case-insensitively; no unit gives scale 1. */
static int parse_amount(const char *s, const char *unit, double unit_scale, long *out)
{
	char *end;
	double v;
	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -1;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || v <= 0 || v > 1e7)
		return -1;
	while (*end == ' ')
		end++;
	if (*end) {
		if (ship_strcasecmp(end, unit) != 0)
			return -1;
		v *= unit_scale;
	} else if (v != floor(v)) {
		return -1;
	}
	if (v != floor(v))
		return -1;
	*out = (long)v;
	return 0;
}

int ship_parse_cpu(const char *s, long *units) { return parse_amount(s, "vcpu", 1024, units); }
int ship_parse_memory(const char *s, long *mib) { return parse_amount(s, "gb", 1024, mib); }

/* ---- secrets ------------------------------------------------------------------------------- */

static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (ship_strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && ship_strcasecmp(s + a - b, suffix) == 0;
}

static int secret_name(const char *name)
{
	static const char *const words[] = {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY",
					    "APIKEY", "PRIVATE_KEY", "ACCESS_KEY", "CREDENTIAL",
					    NULL};
	static const char *const harmless[] = {"_FILE", "_PATH", "_ARN", "_NAME", "_ID", "_URL",
					       "_HEADER", "_LENGTH", "_TTL", "_EXPIRY", NULL};
	for (size_t i = 0; harmless[i]; i++)
		if (ends_with_ci(name, harmless[i]) && !contains_ci(name, "SECRET_ACCESS"))
			return 0;
	for (size_t i = 0; words[i]; i++)
		if (contains_ci(name, words[i]))
			return 1;
	return 0;
}

/* scheme://user:password@host */
static int url_with_password(const char *v)
{
	const char *p = strstr(v, "://");
	if (!p)
		return 0;
	p += 3;
	const char *at = strchr(p, '@'), *slash = strchr(p, '/');
	if (!at || (slash && slash < at))
		return 0;
	const char *colon = memchr(p, ':', (size_t)(at - p));
	return colon && colon + 1 < at;
}

static int aws_key_id(const char *v)
{
	for (const char *p = v; *p; p++) {
		if ((strncmp(p, "AKIA", 4) == 0 || strncmp(p, "ASIA", 4) == 0)) {
			size_t n = 4;
			while (p[n] && ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9')))
				n++;
			if (n == 20 && !(p > v && isalnum((unsigned char)p[-1])))
				return 1;
		}
	}
	return 0;
}

/* Long, random-looking tokens: base64/hex alphabet, letters and digits, entropy >= 3.5 bits. */
static int high_entropy(const char *v)
{
	size_t n = strlen(v), counts[256] = {0};
	int digit = 0, alpha = 0;
	if (n < 24 || n > 4096)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (!isalnum(c) && !strchr("+/=_-", c))
			return 0;
		digit |= isdigit(c) != 0;
		alpha |= isalpha(c) != 0;
		counts[c]++;
	}
	if (!digit || !alpha)
		return 0;
	double h = 0;
	for (size_t i = 0; i < 256; i++)
		if (counts[i]) {
			double p = (double)counts[i] / (double)n;
			h -= p * log2(p);
		}
	return h >= 3.5;
}

/* Names whose values are commit ids or versions: random-looking but not secret. */
static int version_name(const char *name)
{
	static const char *const words[] = {"SHA", "COMMIT", "VERSION", "REVISION", "BUILD",
					    "IMAGE_TAG", "RELEASE", NULL};
	for (size_t i = 0; words[i]; i++)
		if (contains_ci(name, words[i]))
			return 1;
	return 0;
}

/* ---- checks -------------------------------------------------------------------------------- */

struct vctx {
	struct ship_diags *d;
	const char *file;
	size_t errors;
	int fargate, awsvpc, host;
};

static void verr(struct vctx *v, const char *hint, const char *fmt, ...) SHIP_PRINTF(3, 4);
static void vwarn(struct vctx *v, const char *hint, const char *fmt, ...) SHIP_PRINTF(3, 4);

static void vadd(struct vctx *v, enum ship_severity sev, const char *hint, const char *fmt,
		 va_list ap)
{
	struct ship_buf b = SHIP_BUF_INIT(0); /* bounded by the input: a message is never cut */
	ship_buf_vaddf(&b, fmt, ap);
	ship_diags_add(v->d, sev, v->file, 0, 0, hint, "%s", b.failed ? "out of memory" : b.data);
	ship_buf_release(&b);
	if (sev == SHIP_SEV_ERROR)
		v->errors++;
}

static void verr(struct vctx *v, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(v, SHIP_SEV_ERROR, hint, fmt, ap);
	va_end(ap);
}

static void vwarn(struct vctx *v, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(v, SHIP_SEV_WARNING, hint, fmt, ap);
	va_end(ap);
}

static void unknown_keys(struct vctx *v, const json_t *obj, const char *const *known,
			 const char *where)
{
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)obj, key, val)
	{
		size_t i;
		for (i = 0; known[i]; i++)
			if (strcmp(known[i], key) == 0)
				break;
		if (known[i])
			continue;
		const char *s = ship_suggest(key, known);
		char hint[256];
		if (s)
			snprintf(hint, sizeof(hint), "did you mean '%s'?", s);
		else
			snprintf(hint, sizeof(hint), "remove it; see the RegisterTaskDefinition API "
						     "reference for the fields");
		verr(v, hint, "unknown field '%s' in %s", key, where);
	}
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

static void check_environment(struct vctx *v, const json_t *env, const char *cname)
{
	size_t i;
	json_t *e;
	if (!env)
		return;
	if (!json_is_array(env)) {
		verr(v, "write \"environment\": [{\"name\": \"DEBUG\", \"value\": \"0\"}]",
		     "container '%s': 'environment' must be a list of {name, value}", cname);
		return;
	}
	json_array_foreach(env, i, e)
	{
		const char *name = json_string_value(json_object_get(e, "name"));
		json_t *val = json_object_get(e, "value");
		if (!name || !*name) {
			verr(v, "give every entry a \"name\"",
			     "container '%s': environment[%zu] has no name", cname, i);
			continue;
		}
		if (val && !json_is_string(val)) {
			char hint[512];
			char *txt = json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT);
			snprintf(hint, sizeof(hint), "quote it: \"value\": \"%s\"",
				 txt ? txt : "...");
			ship_free(txt);
			verr(v, hint, "container '%s': environment variable '%s' must be a string",
			     cname, name);
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			const char *o = json_string_value(
			    json_object_get(json_array_get(env, j), "name"));
			if (o && strcmp(o, name) == 0) {
				vwarn(v, "remove one of them; ECS keeps only one",
				      "container '%s': environment variable '%s' is set twice", cname,
				      name);
				break;
			}
		}
		const char *s = json_string_value(val);
		if (!s || !*s)
			continue;
		const char *why = NULL;
		if (aws_key_id(s))
			why = "holds an AWS access key id";
		else if (url_with_password(s))
			why = "is a URL with a password in it";
		else if (secret_name(name))
			why = "has a name that suggests a secret";
		else if (high_entropy(s) && !version_name(name))
			why = "looks like a key or token";
		if (why) {
			char hint[700];
			snprintf(hint, sizeof(hint),
				 "store it in Secrets Manager or SSM Parameter Store and move it to "
				 "\"secrets\": [{\"name\": \"%.100s\", \"valueFrom\": \"arn:aws:"
				 "secretsmanager:...\"}]; plain environment values are visible to "
				 "anyone who can describe the task definition",
				 name);
			vwarn(v, hint, "container '%s': environment variable '%s' %s", cname, name,
			      why);
		}
	}
}

static void check_logs(struct vctx *v, const json_t *lc, const char *cname, int *uses_awslogs)
{
	const char *driver;
	if (!lc)
		return;
	driver = json_string_value(json_object_get(lc, "logDriver"));
	if (!driver) {
		verr(v, "add \"logDriver\": \"awslogs\"",
		     "container '%s': logConfiguration has no logDriver", cname);
		return;
	}
	if (strcmp(driver, "awslogs") != 0)
		return;
	*uses_awslogs = 1;
	json_t *opts = json_object_get(lc, "options");
	static const char *const need[] = {"awslogs-group", "awslogs-region",
					   "awslogs-stream-prefix"};
	for (size_t i = 0; i < 3; i++) {
		json_t *o = json_object_get(opts, need[i]);
		if (json_is_string(o) && *json_string_value(o))
			continue;
		char hint[256];
		snprintf(hint, sizeof(hint), "add \"%s\": \"%s\" to logConfiguration.options",
			 need[i],
			 i == 0 ? "/ecs/FAMILY" : i == 1 ? "${AWS_REGION}" : "ecs");
		if (i == 2 && !v->fargate)
			vwarn(v, hint,
			      "container '%s': awslogs option '%s' is missing; log streams will "
			      "be hard to match to tasks",
			      cname, need[i]);
		else
			verr(v, hint, "container '%s': awslogs option '%s' is missing%s", cname,
			     need[i], i == 2 ? " (required on Fargate)" : "");
	}
}

static void check_ports(struct vctx *v, const json_t *pms, const char *cname)
{
	size_t i;
	json_t *pm;
	if (!pms)
		return;
	if (!json_is_array(pms)) {
		verr(v, "write \"portMappings\": [{\"containerPort\": 8000}]",
		     "container '%s': 'portMappings' must be a list", cname);
		return;
	}
	json_array_foreach(pms, i, pm)
	{
		json_t *cp = json_object_get(pm, "containerPort"), *hp = json_object_get(pm, "hostPort");
		const char *proto = json_string_value(json_object_get(pm, "protocol"));
		if (!cp && json_object_get(pm, "containerPortRange"))
			continue;
		if (!json_is_integer(cp) || json_integer_value(cp) < 1 ||
		    json_integer_value(cp) > 65535) {
			verr(v, "write the port as a number from 1 to 65535, without quotes",
			     "container '%s': portMappings[%zu].containerPort must be a port number",
			     cname, i);
			continue;
		}
		if (hp && v->awsvpc && (!json_is_integer(hp) ||
					json_integer_value(hp) != json_integer_value(cp)))
			verr(v, "remove hostPort or make it equal to containerPort",
			     "container '%s': with networkMode awsvpc, hostPort must equal "
			     "containerPort %lld",
			     cname, (long long)json_integer_value(cp));
		/* host mode maps the container's port on the instance itself (API_PortMapping:
		 * "hostPort ... must be the same as the containerPort" for host and awsvpc) */
		if (hp && v->host && json_is_integer(hp) &&
		    json_integer_value(hp) != json_integer_value(cp))
			verr(v, "remove hostPort or make it equal to containerPort",
			     "container '%s': with networkMode host, hostPort %lld must equal "
			     "containerPort %lld",
			     cname, (long long)json_integer_value(hp), (long long)json_integer_value(cp));
		if (proto && strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
			verr(v, "write \"protocol\": \"tcp\" (or \"udp\")",
			     "container '%s': unknown protocol '%s'", cname, proto);
	}
}

static const json_t *find_container(const json_t *cds, const char *name)
{
	size_t i;
	json_t *c;
	json_array_foreach(cds, i, c)
	{
		const char *n = json_string_value(json_object_get(c, "name"));
		if (n && strcmp(n, name) == 0)
			return c;
	}
	return NULL;
}

/* arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT(12 digits):targetgroup/NAME/ID(hex)
 * (Elastic Load Balancing API reference, TargetGroup; NAME is 1-32 letters, digits, '-'). */
static int target_group_arn(const char *s)
{
	const char *p = strstr(s, ":elasticloadbalancing:");
	if (strncmp(s, "arn:aws", 7) != 0 || !p)
		return 0;
	p = strchr(p + 22, ':'); /* after REGION */
	if (!p)
		return 0;
	p++;
	for (int i = 0; i < 12; i++, p++)
		if (*p < '0' || *p > '9')
			return 0;
	if (strncmp(p, ":targetgroup/", 13) != 0)
		return 0;
	p += 13;
	const char *slash = strchr(p, '/');
	if (!slash || slash == p || slash - p > 32 || !slash[1])
		return 0;
	for (const char *q = p; q < slash; q++)
		if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') ||
		      (*q >= 'A' && *q <= 'Z') || *q == '-'))
			return 0;
	for (const char *q = slash + 1; *q; q++)
		if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f')))
			return 0;
	return 1;
}

/* The suffix of a resource ID ("subnet-0a1b...") is hexadecimal (EC2 API reference, "Resource
 * IDs"). 2: a placeholder left in the file (the runbook's "subnet-xxx", "sg-xxx", "<...>", "...");
 * 1: some other text that is not an ID; 0: an ID. */
static int placeholder_id(const char *id, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(id, prefix, n) != 0 || !id[n])
		return strpbrk(id, "<>{}") || strstr(id, "...") ? 2 : 1;
	int xyz = 1, hex = 1;
	for (const char *p = id + n; *p; p++) {
		if (!strchr("xyzXYZ", *p))
			xyz = 0;
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			hex = 0;
	}
	if (xyz || strpbrk(id + n, "<>{}.*"))
		return 2;
	return hex ? 0 : 1;
}

static void check_ids(struct vctx *v, const json_t *list, const char *what, const char *prefix,
		      const char *output)
{
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x)
	{
		const char *id = json_string_value(x);
		int kind = id ? placeholder_id(id, prefix) : 0;
		char hint[200];
		snprintf(hint, sizeof(hint),
			 "write the real ID, or \"${cfn:%s}\" (an Output of the base stack)", output);
		if (kind == 2)
			verr(v, hint,
			     "service definition: %s '%s' is a placeholder, not a %s ID (%s and "
			     "hexadecimal digits)",
			     what, id, what, prefix);
		else if (kind == 1)
			vwarn(v, hint,
			      "service definition: %s '%s' does not look like a %s ID (%s and "
			      "hexadecimal digits)",
			      what, id, what, prefix);
	}
}

/* An ARN's account field (the fifth) is empty only for S3 (ARN reference, "ARN format"); empty
 * elsewhere, it is a variable that was not set when the file was written or rendered. */
static void check_arns(struct vctx *v, const json_t *x, const char *where)
{
	const char *k;
	json_t *e;
	size_t i;
	if (json_is_object(x)) {
		json_object_foreach((json_t *)x, k, e) check_arns(v, e, where);
	} else if (json_is_array(x)) {
		json_array_foreach(x, i, e) check_arns(v, e, where);
	} else if (json_is_string(x)) {
		const char *s = json_string_value(x), *f = s;
		if (strncmp(s, "arn:", 4) != 0)
			return;
		for (int n = 0; n < 4 && f; n++)
			f = strchr(f, ':') ? strchr(f, ':') + 1 : NULL;
		if (f && *f == ':' && !strstr(s, ":s3:"))
			verr(v,
			     "write the account ID, or ${AWS_ACCOUNT_ID} (filled from STS); a "
			     "${VARIABLE} there was empty",
			     "%s: ARN '%s' has an empty account field", where, s);
	}
}

static void check_service(struct vctx *v, const json_t *td, const json_t *svc)
{
	json_t *awsvpc =
	    json_object_get(json_object_get(svc, "networkConfiguration"), "awsvpcConfiguration");
	check_ids(v, json_object_get(awsvpc, "subnets"), "subnet", "subnet-", "PrivateSubnet1");
	check_ids(v, json_object_get(awsvpc, "securityGroups"), "security group", "sg-",
		  "ServiceSecurityGroup");
	check_arns(v, svc, "service definition");
	const json_t *cds = json_object_get(td, "containerDefinitions");
	json_t *lbs = json_object_get(svc, "loadBalancers"), *lb;
	size_t i;
	json_array_foreach(lbs, i, lb)
	{
		const char *cn = json_string_value(json_object_get(lb, "containerName"));
		json_t *port = json_object_get(lb, "containerPort");
		const char *tg = json_string_value(json_object_get(lb, "targetGroupArn"));
		if (tg && strncmp(tg, "arn:", 4) != 0)
			vwarn(v,
			      "write the target group's ARN, or \"${cfn:TargetGroupArn}\" (an Output "
			      "of the base stack)",
			      "service definition: loadBalancers[%zu].targetGroupArn '%s' does not look "
			      "like an ARN",
			      i, tg);
		else if (tg && !target_group_arn(tg))
			verr(v,
			     "write the target group's ARN, or \"${cfn:TargetGroupArn}\" (an Output "
			     "of the base stack)",
			     "service definition: loadBalancers[%zu].targetGroupArn '%s' is a "
			     "placeholder, not a target group ARN "
			     "(arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID)",
			     i, tg);
		const json_t *c;
		if (!cn) {
			verr(v, "add \"containerName\" naming the container that receives traffic",
			     "service definition: loadBalancers[%zu] has no containerName", i);
			continue;
		}
		c = json_is_array(cds) ? find_container(cds, cn) : NULL;
		if (!c) {
			struct ship_buf names = SHIP_BUF_INIT(0);
			size_t k;
			json_t *x;
			ship_buf_adds(&names, "use one of the task definition's containers: ");
			json_array_foreach(cds, k, x)
			{
				const char *n = json_string_value(json_object_get(x, "name"));
				ship_buf_addf(&names, "%s'%s'", k ? ", " : "", n ? n : "?");
			}
			verr(v,
			     names.failed ? "use one of the task definition's containers"
					  : names.data,
			     "service definition: loadBalancers[%zu] names container '%s', which "
			     "is not in the task definition",
			     i, cn);
			ship_buf_release(&names);
			continue;
		}
		if (!json_is_integer(port)) {
			verr(v, "add \"containerPort\": the port the container listens on",
			     "service definition: loadBalancers[%zu] has no containerPort", i);
			continue;
		}
		json_t *pms = json_object_get(c, "portMappings"), *pm;
		size_t k;
		int found = 0;
		json_array_foreach(pms, k, pm)
		{
			if (json_integer_value(json_object_get(pm, "containerPort")) ==
			    json_integer_value(port))
				found = 1;
		}
		if (!found) {
			char hint[256];
			snprintf(hint, sizeof(hint),
				 "add {\"containerPort\": %lld} to the container's portMappings, or "
				 "fix the port in the service definition",
				 (long long)json_integer_value(port));
			verr(v, hint,
			     "service definition: container '%s' has no port mapping for "
			     "containerPort %lld",
			     cn, (long long)json_integer_value(port));
		}
	}
	const char *lt = json_string_value(json_object_get(svc, "launchType"));
	if (lt && strcmp(lt, "FARGATE") == 0 && !v->fargate)
		verr(v, "add \"requiresCompatibilities\": [\"FARGATE\"] to the task definition",
		     "the service uses launchType FARGATE but the task definition does not "
		     "require FARGATE compatibility");
	if (v->awsvpc && !json_object_get(svc, "networkConfiguration"))
		vwarn(v,
		      "add networkConfiguration.awsvpcConfiguration with subnets and security "
		      "groups (e.g. \"${cfn:PrivateSubnet1}\")",
		      "service definition has no networkConfiguration, which awsvpc tasks need "
		      "when the service is created");
}

static void check_sizes(struct vctx *v, const json_t *td)
{
	json_t *cpu = json_object_get(td, "cpu"), *mem = json_object_get(td, "memory");
	long c = 0, m = 0;
	int have_c = 0, have_m = 0;
	if (cpu) {
		if (!json_is_string(cpu)) {
			verr(v, "write it as a string: \"cpu\": \"256\" (or \"0.25 vCPU\")",
			     "'cpu' must be a string");
		} else if (ship_parse_cpu(json_string_value(cpu), &c)) {
			verr(v, "write CPU units (\"256\", \"1024\") or vCPUs (\"1 vCPU\")",
			     "'cpu' is not a CPU amount: '%s'", json_string_value(cpu));
		} else {
			have_c = 1;
		}
	}
	if (mem) {
		if (!json_is_string(mem)) {
			verr(v, "write it as a string: \"memory\": \"512\" (or \"0.5 GB\")",
			     "'memory' must be a string");
		} else if (ship_parse_memory(json_string_value(mem), &m)) {
			verr(v, "write MiB (\"512\", \"2048\") or GB (\"2 GB\")",
			     "'memory' is not a memory amount: '%s'", json_string_value(mem));
		} else {
			have_m = 1;
		}
	}
	if (!v->fargate)
		return;
	if (!cpu)
		verr(v, "add \"cpu\": \"256\" (256, 512, 1024, 2048, 4096, 8192 or 16384)",
		     "'cpu' is required at the task level on Fargate");
	if (!mem)
		verr(v, "add \"memory\": \"512\" (see the Fargate table for the cpu you chose)",
		     "'memory' is required at the task level on Fargate");
	if (!have_c || !have_m)
		return;
	const char *os = json_string_value(
	    json_object_get(json_object_get(td, "runtimePlatform"), "operatingSystemFamily"));
	/* Windows on Fargate: 1, 2 or 4 vCPU (developer guide, task-cpu-memory-error.html) */
	if (os && strncmp(os, "WINDOWS", 7) == 0 && (c < 1024 || c > 4096)) {
		verr(v, "use cpu 1024, 2048 or 4096 with memory from 2 GB (Windows on Fargate)",
		     "Fargate runs %s with 1, 2 or 4 vCPU, not cpu %ld", os, c);
		return;
	}
	if (!fargate_memory_for(c)) {
		verr(v, "use 256, 512, 1024, 2048, 4096, 8192 or 16384 CPU units",
		     "Fargate does not offer %ld CPU units", c);
	} else if (!ship_fargate_size_ok(c, m)) {
		char hint[200];
		snprintf(hint, sizeof(hint), "with cpu %ld use memory %s (MiB), or change cpu", c,
			 fargate_memory_for(c));
		verr(v, hint, "Fargate does not offer cpu %ld with memory %ld MiB", c, m);
	}
}

size_t ship_taskdef_validate(const json_t *td, const json_t *svc, const char *file,
			     struct ship_diags *diags)
{
	struct vctx v = {diags, file, 0, 0, 0, 0};
	json_t *cds, *c, *rc;
	const char *family, *nm;
	int essentials = 0, awslogs = 0, ecr = 0, task_mem;
	size_t i;

	if (!json_is_object(td)) {
		verr(&v, "write RegisterTaskDefinition input as a JSON object",
		     "the task definition is not a JSON object");
		return v.errors;
	}
	rc = json_object_get(td, "requiresCompatibilities");
	json_array_foreach(rc, i, c)
	{
		const char *s = json_string_value(c);
		if (s && strcmp(s, "FARGATE") == 0)
			v.fargate = 1;
		else if (!s || (strcmp(s, "EC2") && strcmp(s, "EXTERNAL") &&
				strcmp(s, "MANAGED_INSTANCES")))
			verr(&v, "use \"FARGATE\", \"EC2\" or \"EXTERNAL\"",
			     "unknown requiresCompatibilities entry '%s'", s ? s : "(not a string)");
	}
	if (rc && !json_is_array(rc))
		verr(&v, "write \"requiresCompatibilities\": [\"FARGATE\"]",
		     "'requiresCompatibilities' must be a list");
	nm = json_string_value(json_object_get(td, "networkMode"));
	v.awsvpc = nm && strcmp(nm, "awsvpc") == 0;
	v.host = nm && strcmp(nm, "host") == 0;
	if (nm && strcmp(nm, "awsvpc") && strcmp(nm, "bridge") && strcmp(nm, "host") &&
	    strcmp(nm, "none"))
		verr(&v, "use awsvpc, bridge, host or none", "unknown networkMode '%s'", nm);
	if (v.fargate && !v.awsvpc)
		verr(&v, "add \"networkMode\": \"awsvpc\"", "Fargate requires networkMode awsvpc");

	unknown_keys(&v, td, s_td_keys, "the task definition");
	family = json_string_value(json_object_get(td, "family"));
	if (!json_object_get(td, "family"))
		verr(&v, "add \"family\": \"my-app-${ENVIRONMENT}\"", "'family' is required");
	else if (!family || !valid_name(family))
		verr(&v, "use up to 255 letters, digits, '-' and '_'",
		     "'family' is not a valid name: '%s'", family ? family : "(not a string)");
	check_sizes(&v, td);
	task_mem = json_object_get(td, "memory") != NULL;

	cds = json_object_get(td, "containerDefinitions");
	if (!json_is_array(cds) || json_array_size(cds) == 0) {
		verr(&v, "add \"containerDefinitions\": [{\"name\": ..., \"image\": ...}]",
		     "'containerDefinitions' is required and must list at least one container");
		cds = NULL;
	}
	json_array_foreach(cds, i, c)
	{
		char cname[300];
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *ess = json_object_get(c, "essential");
		if (!json_is_object(c)) {
			verr(&v, "write each container as an object", "containerDefinitions[%zu] "
			     "is not an object", i);
			continue;
		}
		snprintf(cname, sizeof(cname), "%s", name ? name : "");
		if (!name)
			snprintf(cname, sizeof(cname), "containerDefinitions[%zu]", i);
		unknown_keys(&v, c, s_cd_keys, name ? "a container definition" : cname);
		if (!name)
			verr(&v, "add \"name\": \"app\"", "containerDefinitions[%zu] has no name", i);
		else if (!valid_name(name))
			verr(&v, "use up to 255 letters, digits, '-' and '_'",
			     "container name '%s' is not valid", name);
		for (size_t j = 0; name && j < i; j++) {
			const char *o = json_string_value(
			    json_object_get(json_array_get(cds, j), "name"));
			if (o && strcmp(o, name) == 0)
				verr(&v, "give every container its own name",
				     "container name '%s' is used twice", name);
		}
		const char *image = json_string_value(json_object_get(c, "image"));
		struct ship_image_ref ref;
		if (!image || !*image)
			verr(&v, "add \"image\": \"REPOSITORY:TAG\" (or use --image)",
			     "container '%s' has no image", cname);
		else if (strpbrk(image, "<>{}$"))
			verr(&v, "use --image/--tag, or write \"REPOSITORY:${IMAGE_TAG}\" in the file",
			     "container '%s': image '%s' is a placeholder, not an image reference",
			     cname, image);
		else if (ship_image_parse(ship_str_c(image), &ref))
			verr(&v, "write REPOSITORY[:TAG][@sha256:DIGEST] without spaces",
			     "container '%s': '%s' is not a valid image reference", cname, image);
		else if (strstr(image, ".dkr.ecr."))
			ecr = 1;
		/* Integer members in botocore's ECS model (ContainerDefinition): a string is refused
		 * by ECS ("cannot be converted to Integer"), unlike the task-level cpu/memory */
		static const char *const ints[] = {"cpu", "memory", "memoryReservation"};
		for (size_t k = 0; k < 3; k++) {
			json_t *x = json_object_get(c, ints[k]);
			if (x && !json_is_integer(x))
				verr(&v, "write the number without quotes (MiB for memory, CPU units for cpu)",
				     "container '%s': '%s' must be a number, not %s", cname, ints[k],
				     json_is_string(x) ? "a string" : "this value");
		}
		if (ess && !json_is_boolean(ess))
			verr(&v, "write true or false, without quotes",
			     "container '%s': 'essential' must be true or false", cname);
		if (!ess || json_is_true(ess))
			essentials++;
		if (!v.fargate && !task_mem && !json_object_get(c, "memory") &&
		    !json_object_get(c, "memoryReservation"))
			verr(&v, "set task-level \"memory\" or the container's \"memory\" / "
				 "\"memoryReservation\"",
			     "container '%s' has no memory limit", cname);
		check_ports(&v, json_object_get(c, "portMappings"), cname);
		check_environment(&v, json_object_get(c, "environment"), cname);
		json_t *secrets = json_object_get(c, "secrets"), *s;
		size_t k;
		json_array_foreach(secrets, k, s)
		{
			if (!json_is_string(json_object_get(s, "name")) ||
			    !json_is_string(json_object_get(s, "valueFrom")))
				verr(&v, "write {\"name\": \"VAR\", \"valueFrom\": \"arn:...\"}",
				     "container '%s': secrets[%zu] needs a name and a valueFrom", cname,
				     k);
		}
		if (secrets && json_array_size(secrets))
			awslogs |= 2; /* secrets need the execution role too */
		check_logs(&v, json_object_get(c, "logConfiguration"), cname, &awslogs);
		json_t *hc = json_object_get(c, "healthCheck");
		if (hc && (!json_is_array(json_object_get(hc, "command")) ||
			   json_array_size(json_object_get(hc, "command")) == 0))
			verr(&v, "write \"command\": [\"CMD-SHELL\", \"curl -f http://localhost/ || "
				 "exit 1\"]",
			     "container '%s': healthCheck has no command", cname);
	}
	if (cds && essentials == 0)
		verr(&v, "mark the main container \"essential\": true (the default)",
		     "no container is essential; a task needs at least one");
	if (v.fargate && !json_object_get(td, "executionRoleArn") && (awslogs || ecr))
		verr(&v,
		     "add \"executionRoleArn\": \"arn:aws:iam::${AWS_ACCOUNT_ID}:role/"
		     "ecsTaskExecutionRole\"",
		     "an execution role is required on Fargate to %s",
		     (awslogs & 1)   ? "send logs to CloudWatch (awslogs)"
		     : (awslogs & 2) ? "read secrets"
				     : "pull images from ECR");
	check_arns(&v, td, "task definition");
	if (json_is_object(svc))
		check_service(&v, td, svc);

	char *text = json_dumps(td, JSON_COMPACT);
	if (text) {
		size_t n = strlen(text);
		if (n > SHIP_TASKDEF_MAX_BYTES) {
			verr(&v,
			     "move large values (long commands, many environment variables) to "
			     "environmentFiles in S3 or to secrets",
			     "the task definition is %zu bytes; RegisterTaskDefinition accepts at "
			     "most %d",
			     n, SHIP_TASKDEF_MAX_BYTES);
		}
		ship_free(text);
	}
	return v.errors;
}
