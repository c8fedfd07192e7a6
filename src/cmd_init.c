/*
 * cmd_init.c: `ecship init`: writes a new project's ecship.yml, task and service definitions and
 * GitHub Actions workflow (the definitions take the network, target group, roles and log group
 * from the base stack's Outputs as ${cfn:KEY}), or with --from-service the files of a service
 * that runs already (the library's scaffold.h reads it), so that `ecship diff` right after finds
 * no difference. Never overwrites a file without --force; writes nothing when one would be.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "ecship/scaffold.h"

static struct {
	const char *dir, *name, *from_service, *cluster, *stack, *image;
	long port;
	int force, no_workflow;
} s_args = {.port = 8000};

static const struct cli_option s_options[] = {
    CLI_STRING("dir", "DIR", &s_args.dir,
	       "write the files into DIR (default: the current directory)"),
    CLI_STRING("name", "NAME", &s_args.name, "the application's name (default: DIR's name)"),
    CLI_STRING("from-service", "NAME", &s_args.from_service,
	       "write the files of this running service and its task definition"),
    CLI_STRING("cluster", "NAME", &s_args.cluster,
	       "the cluster (default: django-ecs-cluster-${ENVIRONMENT})"),
    CLI_STRING(
	"stack", "NAME", &s_args.stack,
	"the base stack whose Outputs are ${cfn:KEY} (default: django-ecs-cluster-${ENVIRONMENT})"),
    CLI_STRING("image", "URI", &s_args.image,
	       "the container image without its tag (default: the ECR repository NAME)"),
    CLI_INT("port", "PORT", &s_args.port, 1, 65535,
	    "the container port behind the load balancer (default 8000)"),
    CLI_FLAG("no-workflow", &s_args.no_workflow,
	     "do not write .github/workflows/deploy-staging.yml"),
    CLI_FLAG("force", &s_args.force, "overwrite files that exist"),
    CLI_OPTIONS_END,
};

#define DEFAULT_CLUSTER "django-ecs-cluster-${ENVIRONMENT}"

enum { F_CONFIG, F_TASKDEF, F_SERVICE, F_WORKFLOW, F_COUNT };
static const char *const s_files[F_COUNT] = {"ecship.yml", "task-definition.json",
					     "ecs-service.json",
					     ".github/workflows/deploy-staging.yml"};

/* ---- writing -------------------------------------------------------------------------------- */

static int mkdirs(const char *path) /* the parent directories of path */
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* i18n: not translated (a file name) */
	snprintf(tmp, sizeof(tmp), "%s.ecship-init.tmp", path);
	if (mkdirs(path)) {
		cli_error(_("cannot create the folders of '%s': %s"), path, strerror(errno));
		return -1;
	}
	FILE *f = fopen(tmp, "w");
	if (!f) {
		cli_error(_("cannot write '%s': %s"), path, strerror(errno));
		return -1;
	}
	int bad = fputs(text, f) < 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path)) {
		cli_error(_("cannot write '%s': %s"), path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Appends a JSON document, two-space indented, keys in their order, with a final newline. */
static int add_json(struct ship_buf *b, const json_t *doc)
{
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		return -1;
	int r = ship_buf_adds(b, s) || ship_buf_addch(b, '\n');
	free(s);
	return r;
}

/* ---- the new project ------------------------------------------------------------------------ */

/* The application's name from DIR's last component: lowercase letters, digits and '-'. */
static void default_name(const char *dir, char *out, size_t n)
{
	char cwd[4096];
	const char *base = dir;
	if (!strcmp(dir, ".") && getcwd(cwd, sizeof(cwd)))
		base = cwd;
	size_t len = strlen(base);
	while (len > 1 && base[len - 1] == '/')
		len--;
	const char *start = base + len;
	while (start > base && start[-1] != '/')
		start--;
	size_t j = 0;
	for (const char *p = start; p < base + len && j + 1 < n; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c))
			out[j++] = (char)tolower(c);
		else if (j > 0 && out[j - 1] != '-')
			out[j++] = '-';
	}
	while (j > 0 && out[j - 1] == '-')
		j--;
	out[j] = '\0';
	if (!j)
		/* i18n: not translated (the default application name, an identifier) */
		snprintf(out, n, "app");
}

static int name_ok(const char *s)
{
	if (!*s || strlen(s) > 200)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

static int new_config(struct ship_buf *b, const char *name, const char *region, const char *cluster,
		      const char *stack)
{
	ship_buf_addf(
	    b,
	    "# ecship.yml for %s, written by `ecship init` (docs/config.md has the schema).\n"
	    "# ${ENVIRONMENT} comes from --env (default $ENVIRONMENT, else staging); ${cfn:KEY} "
	    "is an\n"
	    "# Output of the base stack (`ecship infra deploy` creates it once per environment).\n",
	    name);
	if (region)
		ship_buf_addf(b, "region: %s\n", region);
	ship_buf_addf(b,
		      "cluster: %s\n"
		      "service: %s-${ENVIRONMENT}\n"
		      "task_definition: task-definition.json\n"
		      "service_definition: ecs-service.json\n"
		      "stack: %s\n"
		      "timeout: 10m\n",
		      cluster, name, stack);
	return b->failed ? -1 : 0;
}

static int new_taskdef(struct ship_buf *b, const char *name, const char *image, long port)
{
	char img[1024];
	if (image)
		snprintf(img, sizeof(img), "%s", image);
	else
		/* i18n: not translated (an image URI written into the generated files) */
		snprintf(img, sizeof(img),
			 "${AWS_ACCOUNT_ID}.dkr.ecr.${AWS_REGION}.amazonaws.com/%s", name);
	json_t *td = json_pack(
	    "{s:s, s:s, s:[s], s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:b, s:[{s:I}], s:{s:s, s:{s:s, "
	    "s:s, s:s}}}]}",
	    "family", "", "networkMode", "awsvpc", "requiresCompatibilities", "FARGATE", "cpu",
	    "256", "memory", "512", "executionRoleArn", "${cfn:TaskExecutionRoleArn}",
	    "taskRoleArn", "${cfn:TaskRoleArn}", "containerDefinitions", "name", name, "image", "",
	    "essential", 1, "portMappings", "containerPort", (json_int_t)port, "logConfiguration",
	    "logDriver", "awslogs", "options", "awslogs-group", "${cfn:LogGroupName}",
	    "awslogs-region", "${AWS_REGION}", "awslogs-stream-prefix", name);
	if (!td)
		return -1;
	char family[512], full[1200];
	/* i18n: not translated (a name written into the generated files) */
	snprintf(family, sizeof(family), "%s-${ENVIRONMENT}", name);
	/* i18n: not translated (an image reference written into the generated files) */
	snprintf(full, sizeof(full), "%s:${IMAGE_TAG:-latest}", img);
	json_object_set_new(td, "family", json_string(family));
	json_object_set_new(json_array_get(json_object_get(td, "containerDefinitions"), 0), "image",
			    json_string(full));
	int r = add_json(b, td);
	json_decref(td);
	return r;
}

static int new_servicedef(struct ship_buf *b, const char *name, long port)
{
	char svc[512];
	/* i18n: not translated (a name written into the generated files) */
	snprintf(svc, sizeof(svc), "%s-${ENVIRONMENT}", name);
	json_t *sd = json_pack(
	    "{s:s, s:s, s:i, s:s, s:i, s:[{s:s, s:s, s:I}], s:{s:{s:b, s:b}, s:i, s:i}, "
	    "s:{s:{s:[s, s], s:[s], s:s}}}",
	    "serviceName", svc, "taskDefinition", svc, "desiredCount", 2, "launchType", "FARGATE",
	    "healthCheckGracePeriodSeconds", 60, "loadBalancers", "targetGroupArn",
	    "${cfn:TargetGroupArn}", "containerName", name, "containerPort", (json_int_t)port,
	    "deploymentConfiguration", "deploymentCircuitBreaker", "enable", 1, "rollback", 1,
	    "maximumPercent", 200, "minimumHealthyPercent", 100, "networkConfiguration",
	    "awsvpcConfiguration", "subnets", "${cfn:PrivateSubnet1}", "${cfn:PrivateSubnet2}",
	    "securityGroups", "${cfn:ServiceSecurityGroup}", "assignPublicIp", "DISABLED");
	if (!sd)
		return -1;
	int r = add_json(b, sd);
	json_decref(sd);
	return r;
}

/* The workflow: OIDC, build and push, then the ecship action pinned to this version. */
static int new_workflow(struct ship_buf *b, const char *name, const char *region)
{
	ship_buf_addf(
	    b,
	    "# Deploy to staging with ecship, written by `ecship init`: OIDC credentials (no "
	    "long-lived keys),\n"
	    "# build and push the image, then `ecship deploy` through the ecship action, pinned to "
	    "a release.\n"
	    "# Set role-to-assume to your deploy role, and your-org/ecship to where you get ecship "
	    "from.\n"
	    "name: Deploy to staging\n\n"
	    "on:\n  push:\n    branches: [main]\n\n"
	    "permissions:\n  id-token: write\n  contents: read\n\n"
	    "env:\n  AWS_REGION: %s\n  ECR_REPOSITORY: %s\n\n"
	    "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: staging\n"
	    "    concurrency:\n      group: ecship-deploy-staging\n      cancel-in-progress: "
	    "false\n"
	    "    steps:\n"
	    "      - uses: actions/checkout@v4\n\n"
	    "      - name: Configure AWS credentials (OIDC)\n"
	    "        uses: aws-actions/configure-aws-credentials@v4\n"
	    "        with:\n"
	    "          role-to-assume: arn:aws:iam::123456789012:role/ecship-deployer\n"
	    "          aws-region: ${{ env.AWS_REGION }}\n\n"
	    "      - name: Login to Amazon ECR\n        id: login-ecr\n"
	    "        uses: aws-actions/amazon-ecr-login@v2\n\n"
	    "      - name: Build and push the image\n"
	    "        env:\n"
	    "          IMAGE: ${{ steps.login-ecr.outputs.registry }}/${{ env.ECR_REPOSITORY "
	    "}}:${{ "
	    "github.sha }}\n"
	    "        run: |\n"
	    "          docker build -t \"$IMAGE\" .\n"
	    "          docker push \"$IMAGE\"\n\n"
	    "      - name: Deploy %s\n        id: deploy\n"
	    "        uses: your-org/ecship@v%s\n"
	    "        with:\n          command: deploy\n          env: staging\n"
	    "          tag: ${{ github.sha }}\n",
	    region ? region : "ap-northeast-1", name, name, ECSHIP_VERSION);
	return b->failed ? -1 : 0;
}

/* ---- main ----------------------------------------------------------------------------------- */

static int cmd_init(struct cli_ctx *ctx, int argc, char **argv)
{
	struct ship_buf text[F_COUNT];
	struct ship_scaffold sc;
	struct ship_err err = SHIP_ERR_INIT;
	const char *dir = s_args.dir ? s_args.dir : ".";
	char name[256];
	int rc = CLI_EXIT_FAILED;
	size_t i;

	memset(&sc, 0, sizeof(sc));
	for (i = 0; i < F_COUNT; i++)
		ship_buf_init(&text[i], 0);
	if (argc > 0) {
		cli_error(_("'init' takes no arguments, got '%s'"), argv[0]);
		cli_hint(_("give the folder with --dir DIR"));
		rc = CLI_EXIT_USAGE;
		goto cleanup;
	}
	if (s_args.name)
		snprintf(name, sizeof(name), "%s", s_args.name);
	else
		default_name(dir, name, sizeof(name));
	if (!name_ok(name)) {
		cli_error(_("'%s' cannot be the application's name"), name);
		cli_hint(_("use letters, digits, '-' and '_' (--name NAME)"));
		rc = CLI_EXIT_USAGE;
		goto cleanup;
	}
	if (s_args.from_service && !s_args.cluster) {
		cli_error(_("--from-service needs the cluster the service runs in"));
		cli_hint(_("add --cluster NAME"));
		rc = CLI_EXIT_USAGE;
		goto cleanup;
	}

	/* nothing is written when any file exists (unless --force) */
	int exists = 0;
	for (i = 0; i < F_COUNT; i++) {
		char path[4096];
		struct stat st;
		if (i == F_WORKFLOW && s_args.no_workflow)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, s_files[i]);
		if (stat(path, &st) == 0 && !s_args.force) {
			cli_error(_("'%s' exists; not overwriting it"), path);
			exists = 1;
		}
	}
	if (exists) {
		cli_hint(_("nothing was written: move those files away, or use --force to "
			   "overwrite them"));
		rc = CLI_EXIT_USAGE;
		goto cleanup;
	}

	const char *cluster = s_args.cluster ? s_args.cluster : DEFAULT_CLUSTER;
	const char *stack = s_args.stack ? s_args.stack : DEFAULT_CLUSTER;
	const char *region = ctx->g.region;
	if (s_args.from_service) {
		struct ship_aws *aws = cli_aws(ctx, &err);
		if (!aws) {
			rc = cli_report(_("cannot set up the AWS client"), &err);
			goto cleanup;
		}
		region = ship_aws_region(aws);
		if (ship_scaffold_from_service(aws, cluster, s_args.from_service, &sc, &err)) {
			rc = cli_report(_("cannot read the service"), &err);
			if (err.code == SHIP_ERR_INPUT)
				cli_hint(
				    _("'aws ecs list-services --cluster %s' lists its services"),
				    cluster);
			goto cleanup;
		}
		struct ship_buf *c = &text[F_CONFIG];
		ship_buf_addf(
		    c,
		    "# ecship.yml for service %s, written by `ecship init --from-service` "
		    "from %s\n"
		    "# (docs/config.md has the schema). The definitions are what runs now: "
		    "`ecship diff` shows\n"
		    "# no difference; replace literal values with ${ENVIRONMENT} or ${cfn:KEY} "
		    "as you like.\n",
		    s_args.from_service, sc.taskdef_arn);
		if (region)
			ship_buf_addf(c, "region: %s\n", region);
		ship_buf_addf(c,
			      "cluster: %s\nservice: %s\ntask_definition: task-definition.json\n"
			      "service_definition: ecs-service.json\n",
			      cluster, s_args.from_service);
		if (s_args.stack)
			ship_buf_addf(c, "stack: %s\n", s_args.stack);
		ship_buf_adds(c, "timeout: 10m\n");
		if (add_json(&text[F_TASKDEF], sc.task_definition) ||
		    add_json(&text[F_SERVICE], sc.service_definition))
			goto nomem;
	} else {
		if (new_config(&text[F_CONFIG], name, region, cluster, stack) ||
		    new_taskdef(&text[F_TASKDEF], name, s_args.image, s_args.port) ||
		    new_servicedef(&text[F_SERVICE], name, s_args.port))
			goto nomem;
	}
	if (!s_args.no_workflow && new_workflow(&text[F_WORKFLOW], name, region))
		goto nomem;
	for (i = 0; i < F_COUNT; i++) {
		if (i == F_WORKFLOW && s_args.no_workflow)
			continue;
		if (text[i].failed)
			goto nomem;
		if (write_file(dir, s_files[i], text[i].data)) {
			rc = CLI_EXIT_FAILED;
			goto cleanup;
		}
		printf(_("wrote %s/%s\n"), dir, s_files[i]);
	}
	if (s_args.from_service)
		cli_note(_("'ecship diff' in %s compares them with what runs: no difference"), dir);
	else
		/* the files are in dir, and the base stack's template is not among them (the new
		 * ecship.yml names no infra.template, and the default path is in ecship's source)
		 */
		cli_note(
		    _("next, in %s: 'ecship infra deploy --template FILE' (once per environment; "
		      "FILE is cloudformation/ecs-cluster.yml of ecship's source, or set "
		      "'infra: {template: FILE}' in ecship.yml), then 'ecship render' and 'ecship "
		      "deploy --tag TAG'"),
		    dir);
	rc = CLI_EXIT_OK;
	goto cleanup;
nomem:
	cli_error(_("out of memory"));
	rc = CLI_EXIT_FAILED;
cleanup:
	for (i = 0; i < F_COUNT; i++)
		ship_buf_release(&text[i]);
	ship_scaffold_release(&sc);
	return rc;
}

const struct cli_command cmd_init_def = {
    "init",
    cmd_init,
    0,
    NULL,
    "write ecship.yml, the task and service definitions and a workflow for a project",
    "Writes ecship.yml, task-definition.json, ecs-service.json and\n"
    ".github/workflows/deploy-staging.yml into DIR. For a new project, the definitions run the\n"
    "image NAME on Fargate behind the base stack's load balancer: subnets, security group,\n"
    "target group, roles and log group are the stack's Outputs as ${cfn:KEY}. With\n"
    "--from-service, they are the running service and the revision it runs (ECS's defaults\n"
    "left out, '${' written as '$${'), so that 'ecship diff' right after shows no difference.\n"
    "A file that exists is never overwritten without --force: nothing is written then (exit 2).",
    s_options,
};
