/*
 * ecs.c: ecship-sim's ECS JSON 1.1 operations: clusters, task definitions, services, tasks
 * and tags, with request validation and the error codes and messages ECS gives. Objects are
 * rendered in the shapes of the ECS API (botocore's ecs/2014-11-13 model); timestamps are
 * epoch seconds. Lock held. Depends on sim.h, pure.h and jansson.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define CE "ClientException"
#define IPE "InvalidParameterException"

/* ---- request field access ------------------------------------------------------------------------ */

static int wrong_type(struct sim_apierr *e, const char *k, const char *want)
{
	return sim_err(e, "SerializationException", "Unexpected value for '%s': expected %s", k, want);
}

static int opt_str(json_t *in, const char *k, const char **out, struct sim_apierr *e)
{
	json_t *v = json_object_get(in, k);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return wrong_type(e, k, "a string");
	*out = json_string_value(v);
	return 0;
}

static int req_str(json_t *in, const char *k, const char **out, struct sim_apierr *e)
{
	if (opt_str(in, k, out, e))
		return -1;
	if (!*out || !**out)
		return sim_err(e, IPE, "%s can not be blank.", k);
	return 0;
}

/* *present = 0 when absent */
static int opt_int(json_t *in, const char *k, long *out, int *present, struct sim_apierr *e)
{
	json_t *v = json_object_get(in, k);
	*present = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return wrong_type(e, k, "an integer");
	*out = (long)json_integer_value(v);
	*present = 1;
	return 0;
}

static int opt_bool(json_t *in, const char *k, int *out, struct sim_apierr *e)
{
	json_t *v = json_object_get(in, k);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return wrong_type(e, k, "a boolean");
	*out = json_is_true(v);
	return 0;
}

static int opt_array(json_t *in, const char *k, json_t **out, struct sim_apierr *e)
{
	json_t *v = json_object_get(in, k);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return wrong_type(e, k, "a list");
	*out = v;
	return 0;
}

static int opt_object(json_t *in, const char *k, json_t **out, struct sim_apierr *e)
{
	json_t *v = json_object_get(in, k);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return wrong_type(e, k, "a structure");
	*out = v;
	return 0;
}

static int valid_name(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len > 255)
		return 0;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return 0;
	return 1;
}

static int includes(json_t *in, const char *what)
{
	json_t *v;
	size_t i;
	json_array_foreach(json_object_get(in, "include"), i, v)
	if (json_is_string(v) && strcmp(json_string_value(v), what) == 0)
		return 1;
	return 0;
}

static json_t *ts(double t) { return json_real(floor(t * 1000 + 0.5) / 1000); }

/* tags: [{key, value}] validated and copied */
static int check_tags(json_t *tags, struct sim_apierr *e)
{
	json_t *t;
	size_t i;
	if (json_array_size(tags) > 50)
		return sim_err(e, IPE, "Too many tags: at most 50 are allowed.");
	json_array_foreach(tags, i, t)
	{
		const char *k = json_string_value(json_object_get(t, "key"));
		json_t *v = json_object_get(t, "value");
		if (!json_is_object(t) || !k || !*k || strlen(k) > 128 || (v && !json_is_string(v)))
			return sim_err(e, IPE, "Each tag needs a 'key' of 1 to 128 characters and a string 'value'.");
	}
	return 0;
}

static void merge_tags(json_t *dst, json_t *add)
{
	json_t *t, *d;
	size_t i, j;
	json_array_foreach(add, i, t)
	{
		const char *k = json_string_value(json_object_get(t, "key"));
		int replaced = 0;
		json_array_foreach(dst, j, d)
		{
			if (strcmp(json_string_value(json_object_get(d, "key")), k) == 0) {
				json_object_set_new(d, "value", json_string(json_string_value(json_object_get(t, "value")) ?: ""));
				replaced = 1;
			}
		}
		if (!replaced)
			json_array_append_new(dst, json_pack("{s:s,s:s}", "key", k, "value",
							      json_string_value(json_object_get(t, "value")) ?: ""));
	}
}

/* ---- pagination ------------------------------------------------------------------------------------ */

static int page(json_t *in, long *start, long *max, struct sim_apierr *e)
{
	const char *tok;
	int present;
	*start = 0;
	*max = 100;
	if (opt_str(in, "nextToken", &tok, e) || opt_int(in, "maxResults", max, &present, e))
		return -1;
	if (present && (*max < 1 || *max > 100))
		return sim_err(e, IPE, "maxResults must be between 1 and 100.");
	if (!present)
		*max = 100;
	if (tok && ship_parse_long(tok, 0, 1L << 40, start) != 0)
		return sim_err(e, IPE, "Invalid nextToken.");
	return 0;
}

static void page_out(json_t *out, long start, long max, long total)
{
	if (start + max < total) {
		char b[32];
		snprintf(b, sizeof(b), "%ld", start + max);
		json_object_set_new(out, "nextToken", json_string(b));
	}
}

/* ---- clusters ---------------------------------------------------------------------------------------- */

static struct sim_cluster *find_cluster(struct sim *s, const struct sim_request *rq, const char *ref)
{
	struct sim_cluster *c = sim_cluster_find(s, ref);
	if (!c && s->upstream)
		c = sim_upstream_adopt_cluster(s, rq, ref && *ref ? ref : "default");
	return c && c->active ? c : NULL;
}

static struct sim_cluster *cluster_arg(struct sim *s, const struct sim_request *rq, json_t *in, struct sim_apierr *e)
{
	const char *name;
	if (opt_str(in, "cluster", &name, e))
		return NULL;
	struct sim_cluster *c = find_cluster(s, rq, name);
	if (!c)
		sim_err(e, "ClusterNotFoundException", "Cluster not found.");
	return c;
}

static json_t *render_cluster(struct sim *s, struct sim_cluster *c, int tags)
{
	int running = 0, pending = 0, services = 0;
	for (struct sim_task *t = s->tasks; t; t = t->next)
		if (t->cluster == c) {
			running += t->phase == SIM_RUNNING;
			pending += t->want_running && t->phase < SIM_RUNNING;
		}
	for (struct sim_service *v = s->services; v; v = v->next)
		services += v->cluster == c && v->status == SIM_SVC_ACTIVE;
	json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:[],s:O,s:[],s:[]}", "clusterArn", c->arn, "clusterName",
			      c->name, "status", c->active ? "ACTIVE" : "INACTIVE", "registeredContainerInstancesCount", 0,
			      "runningTasksCount", running, "pendingTasksCount", pending, "activeServicesCount", services,
			      "statistics", "settings", c->settings, "capacityProviders", "defaultCapacityProviderStrategy");
	if (o && tags)
		json_object_set_new(o, "tags", json_deep_copy(c->tags));
	return o;
}

static int create_cluster(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	(void)rq;
	const char *name;
	json_t *tags, *settings;
	if (opt_str(in, "clusterName", &name, e) || opt_array(in, "tags", &tags, e) || opt_array(in, "settings", &settings, e))
		return -1;
	if (!name)
		name = "default";
	if (!valid_name(name))
		return sim_err(e, IPE, "Cluster name must be 1 to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.");
	if (check_tags(tags, e))
		return -1;
	struct sim_cluster *c = sim_cluster_find(s, name);
	if (!c && !(c = sim_cluster_add(s, name, NULL)))
		return sim_err(e, "LimitExceededException", "The maximum number of clusters (%d) has been reached.", SIM_MAX_CLUSTERS);
	c->active = 1;
	merge_tags(c->tags, tags);
	if (settings && json_array_size(settings)) {
		json_decref(c->settings);
		c->settings = json_deep_copy(settings);
	}
	*out = json_pack("{s:o}", "cluster", render_cluster(s, c, 1));
	return 0;
}

/*
 * DeleteCluster: refused while services are ACTIVE or DRAINING (ClusterContainsServicesException,
 * API_DeleteCluster), else INACTIVE here and, for a cluster that also lives upstream, there: one state.
 */
static int delete_cluster(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	const char *name;
	if (req_str(in, "cluster", &name, e))
		return -1;
	struct sim_cluster *c = find_cluster(s, rq, name);
	if (!c || !c->active)
		return sim_err(e, "ClusterNotFoundException", "Cluster not found.");
	for (struct sim_service *v = s->services; v; v = v->next)
		if (v->cluster == c && v->status != SIM_SVC_INACTIVE)
			return sim_err(e, "ClusterContainsServicesException",
				       "The Cluster cannot be deleted while Services are active.");
	for (struct sim_task *t = s->tasks; t; t = t->next)
		if (t->cluster == c && t->want_running)
			return sim_err(e, "ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.");
	if (c->adopted)
		json_decref(sim_upstream_ecs(s, rq, "DeleteCluster", in));
	c->active = 0;
	*out = json_pack("{s:o}", "cluster", render_cluster(s, c, 0));
	return 0;
}

/* UpdateCluster: settings (containerInsights) kept here and passed upstream; one state. */
static int update_cluster(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	const char *name;
	json_t *settings;
	if (req_str(in, "cluster", &name, e) || opt_array(in, "settings", &settings, e))
		return -1;
	struct sim_cluster *c = find_cluster(s, rq, name);
	if (!c || !c->active)
		return sim_err(e, "ClusterNotFoundException", "Cluster not found.");
	json_t *x;
	size_t i;
	json_array_foreach(settings, i, x)
	{
		const char *k = json_string_value(json_object_get(x, "name"));
		const char *val = json_string_value(json_object_get(x, "value"));
		if (!k || !val || strcmp(k, "containerInsights") != 0)
			return sim_err(e, IPE, "settings: name must be containerInsights with a value.");
		json_t *old;
		size_t j, found = 0;
		json_array_foreach(c->settings, j, old) if (strcmp(json_string_value(json_object_get(old, "name")) ?: "", k) == 0)
		{
			json_object_set_new(old, "value", json_string(val));
			found = 1;
		}
		if (!found)
			json_array_append_new(c->settings, json_pack("{s:s,s:s}", "name", k, "value", val));
	}
	if (c->adopted)
		json_decref(sim_upstream_ecs(s, rq, "UpdateCluster", in));
	*out = json_pack("{s:o}", "cluster", render_cluster(s, c, 0));
	return 0;
}

static int describe_clusters(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	json_t *names, *v;
	size_t i;
	if (opt_array(in, "clusters", &names, e))
		return -1;
	if (json_array_size(names) > 100)
		return sim_err(e, IPE, "clusters can have at most 100 items.");
	json_t *list = json_array(), *failures = json_array();
	int tags = includes(in, "TAGS");
	if (!names || !json_array_size(names)) {
		struct sim_cluster *c = find_cluster(s, rq, "default");
		if (c)
			json_array_append_new(list, render_cluster(s, c, tags));
		else
			json_array_append_new(failures, json_pack("{s:s,s:s}", "arn",
				"arn:aws:ecs:::cluster/default", "reason", "MISSING"));
	}
	json_array_foreach(names, i, v)
	{
		const char *n = json_string_value(v);
		struct sim_cluster *c = n ? find_cluster(s, rq, n) : NULL;
		if (!c && n)
			c = sim_cluster_find(s, n); /* a deleted cluster describes as INACTIVE (API_DeleteCluster) */
		if (c) {
			json_array_append_new(list, render_cluster(s, c, tags));
		} else {
			struct ship_buf b = SHIP_BUF_INIT(2048);
			if (n && strncmp(n, "arn:", 4) == 0)
				ship_buf_adds(&b, n);
			else
				ship_buf_addf(&b, "arn:aws:ecs:%s:%s:cluster/%s", s->region, s->account, n ? n : "");
			json_array_append_new(failures, json_pack("{s:s,s:s}", "arn", b.data, "reason", "MISSING"));
			ship_buf_release(&b);
		}
	}
	*out = json_pack("{s:o,s:o}", "clusters", list, "failures", failures);
	return 0;
}

/* ListClusters: the sim's clusters and, with an upstream, the ones that live there (made by
 * CloudFormation, say) that the sim has not adopted yet: one list, as one ECS would give. */
static int list_clusters(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	long start, max, n = 0;
	if (page(in, &start, &max, e))
		return -1;
	json_t *all = json_array(), *arns = json_array(), *v;
	size_t i;
	for (struct sim_cluster *c = s->clusters; c; c = c->next)
		if (c->active)
			json_array_append_new(all, json_string(c->arn));
	json_t *q = json_object(), *up = sim_upstream_ecs(s, rq, "ListClusters", q);
	json_decref(q);
	json_array_foreach(json_object_get(up, "clusterArns"), i, v)
	{
		const char *arn = json_string_value(v);
		struct sim_cluster *c = arn ? sim_cluster_find(s, arn) : NULL;
		if (arn && !c)
			json_array_append_new(all, json_string(arn));
	}
	json_decref(up);
	json_array_foreach(all, i, v)
	{
		if (n >= start && n < start + max)
			json_array_append(arns, v);
		n++;
	}
	json_decref(all);
	*out = json_pack("{s:o}", "clusterArns", arns);
	page_out(*out, start, max, n);
	return 0;
}

/* ---- task definitions ----------------------------------------------------------------------------------- */

static const char *td_str(struct sim_taskdef *td, const char *k) { return json_string_value(json_object_get(td->def, k)); }

static int td_is_fargate(json_t *def)
{
	json_t *v;
	size_t i;
	json_array_foreach(json_object_get(def, "requiresCompatibilities"), i, v)
	if (json_is_string(v) && strcmp(json_string_value(v), "FARGATE") == 0)
		return 1;
	return 0;
}

static int validate_containers(json_t *defs, int fargate, int has_exec_role, int awsvpc, struct sim_apierr *e)
{
	json_t *c, *d, *pm;
	size_t i, j;
	if (!json_is_array(defs) || json_array_size(defs) == 0)
		return sim_err(e, CE, "Container list cannot be empty.");
	if (json_array_size(defs) > 10)
		return sim_err(e, CE, "Too many containers: a task definition can have at most 10.");
	json_array_foreach(defs, i, c)
	{
		if (!json_is_object(c))
			return wrong_type(e, "containerDefinitions", "a list of structures");
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *image = json_string_value(json_object_get(c, "image"));
		if (!name || !*name)
			return sim_err(e, CE, "Container.name should not be null or empty.");
		if (!valid_name(name))
			return sim_err(e, CE, "Container name '%s' must be 1 to 255 letters, numbers, hyphens, and underscores.", name);
		if (!image || !*image)
			return sim_err(e, CE, "Container.image should not be null or empty.");
		/* "Up to 255 letters (uppercase and lowercase), numbers, hyphens, underscores, colons,
		 * periods, forward slashes, and number signs are allowed" (API_ContainerDefinition, image),
		 * '@' for a digest reference */
		if (strlen(image) > 255 || image[strspn(image, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
							  "0123456789-_:./#@")] != '\0')
			return sim_err(e, CE, "Container.image contains invalid characters.");
		/* container cpu, memory and memoryReservation are Integers in ECS's model: a string is a
		 * SerializationException ("STRING_VALUE can not be converted to an Integer") */
		static const char *const ints[] = {"cpu", "memory", "memoryReservation", "startTimeout", "stopTimeout"};
		for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++) {
			json_t *v = json_object_get(c, ints[k]);
			if (v && json_is_string(v))
				return sim_err(e, "SerializationException", "STRING_VALUE can not be converted to an Integer");
			if (v && !json_is_integer(v))
				return wrong_type(e, ints[k], "an integer");
		}
		/* secrets are fetched with the task execution role (developer guide, "Pass sensitive data
		 * to an Amazon ECS container"; API_Secret) */
		if (json_array_size(json_object_get(c, "secrets")) && !has_exec_role)
			return sim_err(e, CE, "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.");
		json_array_foreach(defs, j, d) if (j < i && strcmp(json_string_value(json_object_get(d, "name")) ?: "", name) == 0)
			return sim_err(e, CE, "Duplicate container name '%s' in the task definition.", name);
		json_t *ports = json_object_get(c, "portMappings");
		if (ports && !json_is_array(ports))
			return wrong_type(e, "portMappings", "a list");
		json_array_foreach(ports, j, pm)
		{
			json_t *cp = json_object_get(pm, "containerPort"), *hp = json_object_get(pm, "hostPort");
			if (cp && (!json_is_integer(cp) || json_integer_value(cp) < 0 || json_integer_value(cp) > 65535))
				return sim_err(e, CE, "Invalid 'containerPort' setting for container '%s'.", name);
			if (awsvpc && hp && cp && json_integer_value(hp) != json_integer_value(cp))
				return sim_err(e, CE, "When networkMode=awsvpc, the host ports and container ports in port mappings must match.");
		}
		json_t *env = json_object_get(c, "environment"), *ev;
		json_array_foreach(env, j, ev) if (!json_is_string(json_object_get(ev, "name")))
			return sim_err(e, CE, "Environment variable names in container '%s' must be strings.", name);
		json_t *log = json_object_get(c, "logConfiguration");
		const char *driver = json_string_value(json_object_get(log, "logDriver"));
		if (driver && strcmp(driver, "awslogs") == 0) {
			if (fargate && !has_exec_role)
				return sim_err(e, CE, "Fargate requires task definition to have execution role ARN to support log driver awslogs.");
			if (!json_string_value(json_object_get(json_object_get(log, "options"), "awslogs-group")))
				return sim_err(e, CE, "Log driver awslogs requires options: awslogs-group");
		}
	}
	return 0;
}

/* The stored definition: the request plus the defaults and read-only fields ECS adds. */
static json_t *td_render(struct sim *s, json_t *in, const char *family, int revision, double now)
{
	json_t *def = json_deep_copy(in), *c, *pm;
	size_t i, j;
	if (!def)
		return NULL;
	json_object_del(def, "tags");
	const char *mode = json_string_value(json_object_get(def, "networkMode"));
	json_array_foreach(json_object_get(def, "containerDefinitions"), i, c)
	{
		if (!json_object_get(c, "cpu"))
			json_object_set_new(c, "cpu", json_integer(0));
		if (!json_object_get(c, "essential"))
			json_object_set_new(c, "essential", json_true());
		static const char *const lists[] = {"portMappings", "environment", "mountPoints", "volumesFrom", "systemControls"};
		for (size_t k = 0; k < 5; k++)
			if (!json_object_get(c, lists[k]))
				json_object_set_new(c, lists[k], json_array());
		/*
		 * hostPort: in awsvpc and host mode it is the containerPort; in bridge mode (the default
		 * network mode on Linux) left out it is 0, a port from the ephemeral range at run time.
		 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PortMapping.html
		 */
		int same_port = mode && (strcmp(mode, "awsvpc") == 0 || strcmp(mode, "host") == 0);
		int bridge = !mode || strcmp(mode, "bridge") == 0;
		json_array_foreach(json_object_get(c, "portMappings"), j, pm)
		{
			if (!json_object_get(pm, "protocol"))
				json_object_set_new(pm, "protocol", json_string("tcp"));
			if (json_object_get(pm, "hostPort") || !json_object_get(pm, "containerPort"))
				continue;
			if (same_port)
				json_object_set_new(pm, "hostPort", json_integer(json_integer_value(json_object_get(pm, "containerPort"))));
			else if (bridge)
				json_object_set_new(pm, "hostPort", json_integer(0));
		}
	}
	char arn[600];
	snprintf(arn, sizeof(arn), "arn:aws:ecs:%s:%s:task-definition/%s:%d", s->region, s->account, family, revision);
	json_object_set_new(def, "taskDefinitionArn", json_string(arn));
	json_object_set_new(def, "family", json_string(family));
	json_object_set_new(def, "revision", json_integer(revision));
	json_object_set_new(def, "status", json_string("ACTIVE"));
	if (!json_object_get(def, "volumes"))
		json_object_set_new(def, "volumes", json_array());
	/* an EFS volume without rootDirectory mounts the root: ECS stores "/"
	 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_EFSVolumeConfiguration.html) */
	json_t *vol;
	json_array_foreach(json_object_get(def, "volumes"), i, vol)
	{
		json_t *efs = json_object_get(vol, "efsVolumeConfiguration");
		if (json_is_object(efs) && !json_object_get(efs, "rootDirectory"))
			json_object_set_new(efs, "rootDirectory", json_string("/"));
	}
	if (!json_object_get(def, "placementConstraints"))
		json_object_set_new(def, "placementConstraints", json_array());
	json_t *req = json_array();
	json_array_append_new(req, json_pack("{s:s}", "name", "com.amazonaws.ecs.capability.logging-driver.awslogs"));
	json_array_append_new(req, json_pack("{s:s}", "name", "ecs.capability.execution-role-awslogs"));
	json_array_append_new(req, json_pack("{s:s}", "name", "com.amazonaws.ecs.capability.docker-remote-api.1.19"));
	if (mode && strcmp(mode, "awsvpc") == 0)
		json_array_append_new(req, json_pack("{s:s}", "name", "ecs.capability.task-eni"));
	json_object_set_new(def, "requiresAttributes", req);
	json_object_set_new(def, "compatibilities", mode && strcmp(mode, "awsvpc") == 0 ? json_pack("[s,s]", "EC2", "FARGATE")
											    : json_pack("[s,s]", "EXTERNAL", "EC2"));
	json_object_set_new(def, "registeredAt", ts(now));
	char by[200];
	snprintf(by, sizeof(by), "arn:aws:iam::%s:root", s->account);
	json_object_set_new(def, "registeredBy", json_string(by));
	return def;
}

static int register_td(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	(void)rq;
	const char *family, *mode, *cpu, *mem, *exec_role;
	json_t *defs, *tags, *compat;
	if (req_str(in, "family", &family, e) || opt_str(in, "networkMode", &mode, e) || opt_str(in, "cpu", &cpu, e) ||
	    opt_str(in, "memory", &mem, e) || opt_str(in, "executionRoleArn", &exec_role, e) ||
	    opt_array(in, "containerDefinitions", &defs, e) || opt_array(in, "tags", &tags, e) ||
	    opt_array(in, "requiresCompatibilities", &compat, e))
		return -1;
	if (!valid_name(family))
		return sim_err(e, CE, "Family contains invalid characters: use 1 to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.");
	json_t *cv;
	size_t ci;
	json_array_foreach(compat, ci, cv)
	{
		if (!json_is_string(cv))
			return wrong_type(e, "requiresCompatibilities", "a list of strings");
		const char *c = json_string_value(cv);
		if (strcmp(c, "EC2") && strcmp(c, "FARGATE") && strcmp(c, "EXTERNAL") && strcmp(c, "MANAGED_INSTANCES"))
			return sim_err(e, CE, "Invalid requiresCompatibilities value '%s': use EC2, FARGATE, EXTERNAL or MANAGED_INSTANCES.", c);
	}
	if (mode && strcmp(mode, "awsvpc") && strcmp(mode, "bridge") && strcmp(mode, "host") && strcmp(mode, "none"))
		return sim_err(e, CE, "Invalid networkMode '%s': use awsvpc, bridge, host or none.", mode);
	int fargate = td_is_fargate(in);
	long cpu_units = 0, mem_mib = 0;
	if (cpu && sim_parse_cpu(cpu, &cpu_units) != 0)
		return sim_err(e, CE, "Invalid 'cpu' setting for task.");
	if (mem && sim_parse_memory(mem, &mem_mib) != 0)
		return sim_err(e, CE, "Invalid 'memory' setting for task.");
	if (fargate) {
		if (!mode || strcmp(mode, "awsvpc") != 0)
			return sim_err(e, CE, "Fargate only supports network mode 'awsvpc'.");
		if (!cpu)
			return sim_err(e, CE, "Fargate requires that 'cpu' be defined at the task level.");
		if (!mem)
			return sim_err(e, CE, "Fargate requires that 'memory' be defined at the task level.");
		if (!sim_fargate_combo_ok(cpu_units, mem_mib))
			return sim_err(e, CE, "No Fargate configuration exists for given values: %ld CPU, %ld memory. See the Amazon ECS documentation for the valid values.",
				       cpu_units, mem_mib);
	}
	if (validate_containers(defs, fargate, exec_role != NULL, mode && strcmp(mode, "awsvpc") == 0, e) || check_tags(tags, e))
		return -1;
	if (s->ntaskdefs >= SIM_MAX_TASKDEFS)
		return sim_err(e, "LimitExceededException", "Too many task definition revisions (the simulator keeps %d).", SIM_MAX_TASKDEFS);
	int rev = 0;
	for (struct sim_taskdef *d = s->taskdefs; d; d = d->next)
		if (strcmp(d->family, family) == 0 && d->revision > rev)
			rev = d->revision;
	struct sim_taskdef *td = ship_calloc(1, sizeof(*td));
	if (!td)
		return sim_err(e, "ServerException", "out of memory");
	td->family = ship_strdup(family);
	td->revision = rev + 1;
	td->active = 1;
	td->registered_at = s->now;
	td->def = td_render(s, in, family, rev + 1, s->now);
	if (td->def) {
		char buf[32];
		if (cpu) {
			snprintf(buf, sizeof(buf), "%ld", cpu_units);
			json_object_set_new(td->def, "cpu", json_string(buf));
		}
		if (mem) {
			snprintf(buf, sizeof(buf), "%ld", mem_mib);
			json_object_set_new(td->def, "memory", json_string(buf));
		}
	}
	td->tags = tags ? json_deep_copy(tags) : json_array();
	td->arn = ship_strdup(td->def ? json_string_value(json_object_get(td->def, "taskDefinitionArn")) : NULL);
	if (!td->family || !td->def || !td->tags || !td->arn) {
		ship_free(td->family);
		ship_free(td->arn);
		json_decref(td->def);
		json_decref(td->tags);
		ship_free(td);
		return sim_err(e, "ServerException", "out of memory");
	}
	struct sim_taskdef **pp = &s->taskdefs;
	while (*pp)
		pp = &(*pp)->next;
	*pp = td;
	s->ntaskdefs++;
	*out = json_pack("{s:O,s:O}", "taskDefinition", td->def, "tags", td->tags);
	json_t *copy = json_deep_copy(*out);
	json_decref(*out);
	*out = copy;
	return 0;
}

static json_t *td_json(struct sim_taskdef *td)
{
	json_t *d = json_deep_copy(td->def);
	if (d && !td->active) {
		json_object_set_new(d, "status", json_string("INACTIVE"));
		json_object_set_new(d, "deregisteredAt", ts(td->deregistered_at));
	}
	return d;
}

static int describe_td(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	(void)rq;
	const char *ref;
	if (req_str(in, "taskDefinition", &ref, e))
		return -1;
	struct sim_taskdef *td = sim_taskdef_find(s, ref, 1);
	if (!td)
		return sim_err(e, CE, "Unable to describe task definition.");
	*out = json_pack("{s:o}", "taskDefinition", td_json(td));
	if (includes(in, "TAGS"))
		json_object_set_new(*out, "tags", json_deep_copy(td->tags));
	return 0;
}

static int deregister_td(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	(void)rq;
	const char *ref;
	if (req_str(in, "taskDefinition", &ref, e))
		return -1;
	if (strncmp(ref, "arn:", 4) != 0 && !strchr(ref, ':'))
		return sim_err(e, CE, "Invalid revision number. Number: %s", ref);
	struct sim_taskdef *td = sim_taskdef_find(s, ref, 0);
	if (!td)
		return sim_err(e, CE, "The specified task definition does not exist.");
	if (td->active) {
		td->active = 0;
		td->deregistered_at = s->now;
	}
	*out = json_pack("{s:o}", "taskDefinition", td_json(td));
	return 0;
}

static int cmp_td(const void *a, const void *b)
{
	const struct sim_taskdef *x = *(struct sim_taskdef *const *)a, *y = *(struct sim_taskdef *const *)b;
	int c = strcmp(x->family, y->family);
	return c ? c : x->revision - y->revision;
}

static int list_tds(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	(void)rq;
	const char *prefix, *status, *sort;
	long start, max;
	if (opt_str(in, "familyPrefix", &prefix, e) || opt_str(in, "status", &status, e) || opt_str(in, "sort", &sort, e) ||
	    page(in, &start, &max, e))
		return -1;
	if (status && strcmp(status, "ACTIVE") && strcmp(status, "INACTIVE") && strcmp(status, "DELETE_IN_PROGRESS"))
		return sim_err(e, IPE, "Invalid status '%s'.", status);
	if (sort && strcmp(sort, "ASC") && strcmp(sort, "DESC"))
		return sim_err(e, IPE, "Invalid sort '%s'.", sort);
	int want_active = !status || strcmp(status, "ACTIVE") == 0;
	struct sim_taskdef **v = ship_calloc((size_t)s->ntaskdefs + 1, sizeof(*v));
	long n = 0;
	if (!v)
		return sim_err(e, "ServerException", "out of memory");
	for (struct sim_taskdef *d = s->taskdefs; d; d = d->next)
		if (d->active == want_active && (!prefix || strcmp(d->family, prefix) == 0))
			v[n++] = d;
	qsort(v, (size_t)n, sizeof(*v), cmp_td);
	json_t *arns = json_array();
	int desc = sort && strcmp(sort, "DESC") == 0;
	for (long i = start; i < n && i < start + max; i++)
		json_array_append_new(arns, json_string(v[desc ? n - 1 - i : i]->arn));
	ship_free(v);
	*out = json_pack("{s:o}", "taskDefinitionArns", arns);
	page_out(*out, start, max, n);
	return 0;
}

/* ---- services ------------------------------------------------------------------------------------------ */

static void dep_counts(struct sim *s, struct sim_service *svc, const char *dep_id, int *running, int *pending, int *wanted)
{
	*running = *pending = *wanted = 0;
	for (struct sim_task *t = s->tasks; t; t = t->next) {
		if (t->service != svc || (dep_id && strcmp(t->dep_id, dep_id) != 0))
			continue;
		*running += t->phase == SIM_RUNNING;
		*pending += t->want_running && t->phase < SIM_RUNNING;
		*wanted += t->want_running;
	}
}

static json_t *render_deployment(struct sim *s, struct sim_service *svc, struct sim_deployment *d)
{
	int running, pending, wanted;
	dep_counts(s, svc, d->id, &running, &pending, &wanted);
	json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:o,s:o,s:s,s:s}", "id", d->id, "status",
			      d->primary ? "PRIMARY" : "ACTIVE", "taskDefinition", d->td->arn, "desiredCount",
			      d->primary ? svc->desired : wanted, "pendingCount", pending, "runningCount", running,
			      "failedTasks", d->failed, "createdAt", ts(d->created_at), "updatedAt", ts(d->updated_at),
			      "launchType", svc->launch_type, "rolloutState", sim_rollout_name(d->rollout));
	if (!o)
		return NULL;
	if (strcmp(svc->launch_type, "FARGATE") == 0) {
		const char *pv = svc->platform_version && strcmp(svc->platform_version, "LATEST") ? svc->platform_version : "1.4.0";
		json_object_set_new(o, "platformVersion", json_string(pv));
		json_object_set_new(o, "platformFamily", json_string("Linux"));
	}
	if (svc->cps) {
		json_object_del(o, "launchType");
		json_object_set_new(o, "capacityProviderStrategy", json_deep_copy(svc->cps));
	}
	if (d->network)
		json_object_set_new(o, "networkConfiguration", json_deep_copy(d->network));
	if (d->reason)
		json_object_set_new(o, "rolloutStateReason", json_string(d->reason));
	return o;
}

static json_t *render_service(struct sim *s, struct sim_service *svc, int tags)
{
	static const char *const st[] = {"ACTIVE", "DRAINING", "INACTIVE"};
	int running, pending, wanted;
	dep_counts(s, svc, NULL, &running, &pending, &wanted);
	json_t *deps = json_array(), *events = json_array();
	for (struct sim_deployment *d = svc->deployments; d; d = d->next)
		json_array_append_new(deps, render_deployment(s, svc, d));
	for (int i = 1; i <= svc->ev_count; i++) {
		struct sim_event *ev = &svc->events[(svc->ev_head - i + SIM_MAX_EVENTS) % SIM_MAX_EVENTS];
		json_array_append_new(events, json_pack("{s:s,s:o,s:s}", "id", ev->id, "createdAt", ts(ev->at), "message", ev->message));
	}
	char role[200], by[200];
	snprintf(role, sizeof(role), "arn:aws:iam::%s:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS", s->account);
	snprintf(by, sizeof(by), "arn:aws:iam::%s:root", s->account);
	json_t *o = json_pack("{s:s,s:s,s:s,s:O,s:[],s:s,s:i,s:i,s:i,s:s,s:s,s:{s:{s:b,s:b},s:i,s:i},s:o,s:s,s:o,s:o,"
			      "s:[],s:[],s:s,s:{s:s},s:s,s:b,s:s,s:b}",
			      "serviceArn", svc->arn, "serviceName", svc->name, "clusterArn", svc->cluster->arn,
			      "loadBalancers", svc->load_balancers, "serviceRegistries", "status", st[svc->status],
			      "desiredCount", svc->desired, "runningCount", running, "pendingCount", pending, "launchType",
			      svc->launch_type, "taskDefinition", svc->td->arn, "deploymentConfiguration",
			      "deploymentCircuitBreaker", "enable", svc->breaker, "rollback", svc->rollback, "maximumPercent",
			      svc->max_pct, "minimumHealthyPercent", svc->min_pct, "deployments", deps, "roleArn", role,
			      "events", events, "createdAt", ts(svc->created_at), "placementConstraints",
			      "placementStrategy", "schedulingStrategy", "REPLICA", "deploymentController", "type",
			      svc->code_deploy ? "CODE_DEPLOY" : "ECS",
			      "createdBy", by, "enableECSManagedTags", 0, "propagateTags", "NONE", "enableExecuteCommand", 0);
	if (!o)
		return NULL;
	/* the O above took a reference to a model object: replace it with a copy for thread safety */
	json_object_set_new(o, "loadBalancers", json_deep_copy(svc->load_balancers));
	/* DeploymentConfiguration.strategy (ROLLING unless given) and the strategy's fields as given
	 * (API_DeploymentConfiguration) */
	json_t *dco = json_object_get(o, "deploymentConfiguration");
	json_object_set_new(dco, "strategy", json_string("ROLLING"));
	const char *dk;
	json_t *dv;
	json_object_foreach(svc->dc_extra, dk, dv) json_object_set_new(dco, dk, json_deep_copy(dv));
	sim_sdep_service_fields(s, svc, o);
	if (strcmp(svc->launch_type, "FARGATE") == 0) {
		json_object_set_new(o, "platformVersion", json_string(svc->platform_version ? svc->platform_version : "LATEST"));
		json_object_set_new(o, "platformFamily", json_string("Linux"));
	}
	if (svc->cps) {
		json_object_del(o, "launchType");
		json_object_set_new(o, "capacityProviderStrategy", json_deep_copy(svc->cps));
	}
	if (svc->network)
		json_object_set_new(o, "networkConfiguration", json_deep_copy(svc->network));
	if (json_array_size(svc->load_balancers) || svc->grace)
		json_object_set_new(o, "healthCheckGracePeriodSeconds", json_integer(svc->grace));
	if (tags)
		json_object_set_new(o, "tags", json_deep_copy(svc->tags));
	return o;
}

static int check_network(struct sim_taskdef *td, json_t *net, struct sim_apierr *e)
{
	const char *mode = td_str(td, "networkMode");
	json_t *vpc = json_object_get(net, "awsvpcConfiguration");
	if (net && !json_is_object(vpc))
		return sim_err(e, IPE, "networkConfiguration.awsvpcConfiguration is required.");
	if (mode && strcmp(mode, "awsvpc") == 0) {
		if (!net)
			return sim_err(e, IPE, "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
		json_t *subnets = json_object_get(vpc, "subnets");
		if (!json_is_array(subnets) || json_array_size(subnets) == 0)
			return sim_err(e, IPE, "subnets can not be empty.");
		if (json_array_size(subnets) > 16)
			return sim_err(e, IPE, "subnets can have at most 16 items.");
		json_t *ap = json_object_get(vpc, "assignPublicIp");
		if (ap && (!json_is_string(ap) || (strcmp(json_string_value(ap), "ENABLED") && strcmp(json_string_value(ap), "DISABLED"))))
			return sim_err(e, IPE, "assignPublicIp must be ENABLED or DISABLED.");
	} else if (net) {
		return sim_err(e, IPE, "Network Configuration is not valid for the given networkMode of this task definition.");
	}
	return 0;
}

static int check_lbs(struct sim_taskdef *td, json_t *lbs, struct sim_apierr *e)
{
	json_t *lb, *c, *pm;
	size_t i, j, k;
	json_array_foreach(lbs, i, lb)
	{
		const char *name = json_string_value(json_object_get(lb, "containerName"));
		json_t *port = json_object_get(lb, "containerPort");
		if (!json_is_object(lb) || !json_string_value(json_object_get(lb, "targetGroupArn")))
			return sim_err(e, IPE, "loadBalancers: targetGroupArn is required (classic load balancers are not simulated).");
		if (!name || !json_is_integer(port))
			return sim_err(e, IPE, "loadBalancers: containerName and containerPort are required.");
		int found = 0, port_ok = 0;
		json_array_foreach(json_object_get(td->def, "containerDefinitions"), j, c)
		{
			if (strcmp(json_string_value(json_object_get(c, "name")) ?: "", name) != 0)
				continue;
			found = 1;
			json_array_foreach(json_object_get(c, "portMappings"), k, pm)
			if (json_integer_value(json_object_get(pm, "containerPort")) == json_integer_value(port))
				port_ok = 1;
		}
		if (!found)
			return sim_err(e, IPE, "The container %s does not exist in the task definition.", name);
		if (!port_ok)
			return sim_err(e, IPE, "The container %s did not have a container port %lld defined.", name,
				       (long long)json_integer_value(port));
	}
	return 0;
}

/* deploymentConfiguration into svc fields (only the keys present) */
static int apply_dc(struct sim_service *svc, json_t *dc, struct sim_apierr *e)
{
	if (!dc)
		return 0;
	long max = svc->max_pct, min = svc->min_pct;
	int p1, p2, en = svc->breaker, rb = svc->rollback;
	json_t *cb;
	if (opt_int(dc, "maximumPercent", &max, &p1, e) || opt_int(dc, "minimumHealthyPercent", &min, &p2, e) ||
	    opt_object(dc, "deploymentCircuitBreaker", &cb, e))
		return -1;
	if (cb && (opt_bool(cb, "enable", &en, e) || opt_bool(cb, "rollback", &rb, e)))
		return -1;
	if (max < 100 || max > 2000)
		return sim_err(e, IPE, "maximumPercent must be between 100 and 2000.");
	if (min < 0 || min > 100)
		return sim_err(e, IPE, "minimumHealthyPercent must be between 0 and 100.");
	svc->max_pct = (int)max;
	svc->min_pct = (int)min;
	svc->breaker = en;
	svc->rollback = rb;
	return 0;
}

/*
 * The health-check settings the service's tasks will meet: the target group's own (read from
 * the upstream where the target group lives) else AWS's defaults (the profile's: interval 30 s,
 * timeout 6 s (an HTTP target group's, ELBv2 CreateTargetGroup), healthy 5, unhealthy 2,
 * deregistration delay 300 s).
 */
static void load_tg_params(struct sim *s, const struct sim_request *rq, struct sim_service *svc)
{
	struct sim_tg_params p = {s->cfg.health_interval, 6, s->cfg.drain_seconds, s->cfg.healthy_threshold,
				  s->cfg.unhealthy_threshold, 0};
	const char *tg = json_string_value(json_object_get(json_array_get(svc->load_balancers, 0), "targetGroupArn"));
	if (tg && s->cfg.timing == SIM_TIMING_ECS)
		sim_upstream_target_group(s, rq, tg, &p);
	svc->tg = p;
}

static struct sim_deployment *new_deployment(struct sim *s, struct sim_service *svc)
{
	struct sim_deployment *d = ship_calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	unsigned long long n = 1000000000000000000ULL + sim_rand(s) % 8999999999999999999ULL;
	snprintf(d->id, sizeof(d->id), "ecs-svc/%llu", n);
	char r[120];
	snprintf(r, sizeof(r), "ECS deployment %s in progress.", d->id);
	d->reason = ship_strdup(r);
	d->primary = 1;
	d->td = svc->td;
	d->desired = svc->desired;
	d->rollout = SIM_RO_IN_PROGRESS;
	d->created_at = d->updated_at = s->now;
	d->network = svc->network ? json_deep_copy(svc->network) : NULL;
	for (struct sim_deployment *o = svc->deployments; o; o = o->next)
		o->primary = 0;
	d->next = svc->deployments;
	svc->deployments = d;
	svc->steady = 0;
	sim_sdep_start(s, svc, d);
	sim_rollout_log(s, svc, d);
	return d;
}

/*
 * Client tokens (CreateService, RunTask): "If you retry a request that completed successfully
 * using the same client token and the same parameters, the retry succeeds without performing any
 * further actions"; for RunTask "the original request's result is returned", and a changed
 * parameter is a ConflictException. Tokens are scoped to the cluster. Source:
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html
 */
#define SIM_MAX_TOKENS 5000

static int token_arg(json_t *in, size_t max, const char **token, struct sim_apierr *e)
{
	*token = NULL;
	if (opt_str(in, "clientToken", token, e))
		return -1;
	if (!*token)
		return 0;
	size_t n = strlen(*token);
	for (const unsigned char *p = (const unsigned char *)*token; *p; p++)
		if (*p < 33 || *p > 126)
			n = 0;
	if (n == 0 || n > max)
		return sim_err(e, IPE,
			       "clientToken must be 1 to %zu ASCII characters in the range 33-126.",
			       max);
	return 0;
}

static void token_key(char *out, size_t n, const char *action, const struct sim_cluster *c,
		      const char *token)
{
	snprintf(out, n, "%s %s %s", action, c->arn, token);
}

/* 1 and *out the earlier answer when this token was seen with the same request, 0 when it is new,
 * -1 (e) when it was seen with another request. */
static int token_seen(struct sim *s, const char *action, const struct sim_cluster *c,
		      const char *token, json_t *in, json_t **out, struct sim_apierr *e)
{
	char key[600];
	if (!token || !s->tokens)
		return 0;
	token_key(key, sizeof(key), action, c, token);
	json_t *seen = json_object_get(s->tokens, key);
	if (!seen)
		return 0;
	if (!json_equal(json_object_get(seen, "request"), in)) {
		if (!strcmp(action, "RunTask"))
			return sim_err(e, "ConflictException",
				       "The request uses the same client token as a previous, but "
				       "non-identical request. Do not reuse a client token with "
				       "different requests, unless the requests are identical.");
		return sim_err(e, IPE, "Creation of service was not idempotent.");
	}
	*out = json_deep_copy(json_object_get(seen, "answer"));
	return 1;
}

static void token_keep(struct sim *s, const char *action, const struct sim_cluster *c,
		       const char *token, json_t *in, json_t *answer)
{
	char key[600];
	if (!token)
		return;
	if (!s->tokens || json_object_size(s->tokens) >= SIM_MAX_TOKENS) {
		json_decref(s->tokens);
		s->tokens = json_object();
	}
	token_key(key, sizeof(key), action, c, token);
	json_object_set_new(
	    s->tokens, key,
	    json_pack("{s:O,s:o}", "request", in, "answer", json_deep_copy(answer)));
}

static struct sim_taskdef *td_arg(struct sim *s, const char *ref, struct sim_apierr *e)
{
	struct sim_taskdef *td = sim_taskdef_find(s, ref, 1);
	if (!td) {
		sim_err(e, IPE, "TaskDefinition not found.");
		return NULL;
	}
	if (!td->active) {
		sim_err(e, IPE, "TaskDefinition is inactive");
		return NULL;
	}
	return td;
}

/* capacityProviderStrategy: [{capacityProvider, weight 0-1000, base 0-100000}] */
static int check_cps(json_t *cps, struct sim_apierr *e)
{
	json_t *x;
	size_t i;
	json_array_foreach(cps, i, x)
	{
		json_t *w = json_object_get(x, "weight"), *b = json_object_get(x, "base");
		if (!json_is_object(x) || !json_is_string(json_object_get(x, "capacityProvider")))
			return wrong_type(e, "capacityProviderStrategy", "a list of {capacityProvider, weight, base}");
		if ((w && (!json_is_integer(w) || json_integer_value(w) < 0 || json_integer_value(w) > 1000)) ||
		    (b && (!json_is_integer(b) || json_integer_value(b) < 0 || json_integer_value(b) > 100000)))
			return sim_err(e, IPE, "capacityProviderStrategy: weight must be 0-1000 and base 0-100000.");
	}
	return 0;
}

/*
 * Subnets, security groups and target groups must exist: with an upstream, ECS's answers when
 * they do not (unless --no-upstream-checks).
 */
static int check_upstream(struct sim *s, const struct sim_request *rq, json_t *net, json_t *lbs, struct sim_apierr *e)
{
	if (!s->upstream || !s->cfg.upstream_checks)
		return 0;
	json_t *vpc = json_object_get(net, "awsvpcConfiguration"), *v, *lb;
	size_t i;
	char msg[400];
	json_array_foreach(json_object_get(vpc, "subnets"), i, v)
	{
		if (sim_upstream_exists(s, rq, "subnet", json_string_value(v), msg, sizeof(msg)) == 0)
			return sim_err(e, IPE, "Error retrieving subnet information for [%s]: %s", json_string_value(v), msg);
	}
	json_array_foreach(json_object_get(vpc, "securityGroups"), i, v)
	{
		if (sim_upstream_exists(s, rq, "security-group", json_string_value(v), msg, sizeof(msg)) == 0)
			return sim_err(e, IPE, "Error retrieving security group information for [%s]: %s", json_string_value(v), msg);
	}
	json_array_foreach(lbs, i, lb)
	{
		const char *tg = json_string_value(json_object_get(lb, "targetGroupArn"));
		if (tg && sim_upstream_exists(s, rq, "target-group", tg, msg, sizeof(msg)) == 0)
			return sim_err(e, IPE, "The target group with targetGroupArn %s does not exist.", tg);
	}
	return 0;
}

static int create_service(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	const char *name, *tdref, *launch, *strategy, *pv;
	long desired = 1, grace = 0;
	int has_desired, has_grace;
	json_t *net, *lbs, *dc, *tags, *ctl, *cps;
	const char *token;
	struct sim_cluster *c = cluster_arg(s, rq, in, e);
	if (!c || token_arg(in, 36, &token, e))
		return -1;
	int seen = token_seen(s, "CreateService", c, token, in, out, e);
	if (seen)
		return seen < 0 ? -1 : 0;
	if (req_str(in, "serviceName", &name, e) || req_str(in, "taskDefinition", &tdref, e) ||
	    opt_str(in, "launchType", &launch, e) || opt_str(in, "schedulingStrategy", &strategy, e) ||
	    opt_int(in, "desiredCount", &desired, &has_desired, e) ||
	    opt_int(in, "healthCheckGracePeriodSeconds", &grace, &has_grace, e) ||
	    opt_object(in, "networkConfiguration", &net, e) || opt_array(in, "loadBalancers", &lbs, e) ||
	    opt_object(in, "deploymentConfiguration", &dc, e) || opt_array(in, "tags", &tags, e) ||
	    opt_object(in, "deploymentController", &ctl, e) || opt_str(in, "platformVersion", &pv, e) ||
	    opt_array(in, "capacityProviderStrategy", &cps, e))
		return -1;
	if (launch && json_array_size(cps))
		return sim_err(e, IPE, "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.");
	if (check_cps(cps, e))
		return -1;
	if (!has_desired)
		desired = 1;
	if (!valid_name(name))
		return sim_err(e, IPE, "Service name must be 1 to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.");
	if (desired < 0 || desired > 5000)
		return sim_err(e, IPE, "desiredCount must be between 0 and 5000.");
	if (grace < 0 || grace > 2147483647)
		return sim_err(e, IPE, "healthCheckGracePeriodSeconds must be between 0 and 2147483647.");
	if (launch && strcmp(launch, "FARGATE") && strcmp(launch, "EC2") && strcmp(launch, "EXTERNAL"))
		return sim_err(e, IPE, "launchType must be FARGATE, EC2 or EXTERNAL.");
	if (strategy && strcmp(strategy, "REPLICA") != 0)
		return sim_err(e, IPE, "ecship-sim only simulates the REPLICA scheduling strategy.");
	const char *ctype = json_string_value(json_object_get(ctl, "type"));
	if (ctype && strcmp(ctype, "ECS") != 0 && strcmp(ctype, "CODE_DEPLOY") != 0)
		return sim_err(e, IPE, "ecship-sim only simulates the ECS and CODE_DEPLOY deployment controllers.");
	struct sim_taskdef *td = td_arg(s, tdref, e);
	if (!td || check_network(td, net, e) || check_lbs(td, lbs, e) || check_tags(tags, e) ||
	    check_upstream(s, rq, net, lbs, e))
		return -1;
	if (launch && strcmp(launch, "FARGATE") == 0 && !td_is_fargate(td->def) &&
	    strcmp(td_str(td, "networkMode") ?: "", "awsvpc") != 0)
		return sim_err(e, IPE, "Task definition does not support launch_type FARGATE.");
	struct sim_service *old = sim_service_find(s, c, name);
	if (old && old->status != SIM_SVC_INACTIVE)
		return sim_err(e, IPE, "Creation of service was not idempotent.");
	json_t *extra = NULL;
	int strat = SIM_STRAT_ROLLING;
	if (sim_strategy_check(s, rq, NULL, dc, lbs, ctype && strcmp(ctype, "CODE_DEPLOY") == 0, &extra, &strat, e))
		return -1;
	if (s->nservices >= SIM_MAX_SERVICES) {
		json_decref(extra);
		return sim_err(e, "LimitExceededException", "The maximum number of services (%d) has been reached.", SIM_MAX_SERVICES);
	}
	struct sim_service *svc = ship_calloc(1, sizeof(*svc));
	if (!svc) {
		json_decref(extra);
		return sim_err(e, "ServerException", "out of memory");
	}
	svc->dc_extra = extra;
	svc->strategy = strat;
	svc->cluster = c;
	svc->name = ship_strdup(name);
	struct ship_buf b = SHIP_BUF_INIT(2048);
	ship_buf_addf(&b, "arn:aws:ecs:%s:%s:service/%s/%s", s->region, s->account, c->name, name);
	svc->arn = ship_buf_detach(&b, NULL);
	svc->status = SIM_SVC_ACTIVE;
	svc->desired = (int)desired;
	svc->td = td;
	/* a capacity provider strategy instead of a launch type: FARGATE and FARGATE_SPOT run as Fargate */
	svc->launch_type = ship_strdup(launch ? launch : (td_is_fargate(td->def) || json_array_size(cps)) ? "FARGATE" : "EC2");
	svc->cps = json_array_size(cps) ? json_deep_copy(cps) : NULL;
	svc->platform_version = pv ? ship_strdup(pv) : NULL;
	svc->code_deploy = ctype && strcmp(ctype, "CODE_DEPLOY") == 0;
	svc->network = net ? json_deep_copy(net) : NULL;
	svc->load_balancers = lbs ? json_deep_copy(lbs) : json_array();
	svc->tags = tags ? json_deep_copy(tags) : json_array();
	svc->max_pct = 200;
	svc->min_pct = 100;
	svc->grace = (int)grace;
	svc->created_at = s->now;
	if (!svc->name || !svc->arn || !svc->launch_type || !svc->load_balancers || !svc->tags || apply_dc(svc, dc, e)) {
		if (!e->type[0])
			sim_err(e, "ServerException", "out of memory");
		ship_free(svc->name);
		ship_free(svc->arn);
		ship_free(svc->launch_type);
		json_decref(svc->network);
		json_decref(svc->load_balancers);
		json_decref(svc->tags);
		json_decref(svc->dc_extra);
		ship_free(svc);
		return -1;
	}
	load_tg_params(s, rq, svc);
	struct sim_service **pp = &s->services;
	while (*pp)
		pp = &(*pp)->next;
	*pp = svc;
	s->nservices++;
	new_deployment(s, svc);
	sim_reconcile(s, svc);
	*out = json_pack("{s:o}", "service", render_service(s, svc, 1));
	token_keep(s, "CreateService", c, token, in, *out);
	return 0;
}

static struct sim_service *service_arg(struct sim *s, struct sim_cluster *c, json_t *in, const char *key, struct sim_apierr *e)
{
	const char *name;
	if (req_str(in, key, &name, e))
		return NULL;
	struct sim_service *svc = sim_service_find(s, c, name);
	if (!svc) {
		sim_err(e, "ServiceNotFoundException", "Service not found.");
		return NULL;
	}
	return svc;
}

static int update_service(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	const char *tdref;
	long desired = 0, grace = 0;
	int has_desired, has_grace, force = 0;
	json_t *net, *lbs, *dc;
	struct sim_cluster *c = cluster_arg(s, rq, in, e);
	if (!c)
		return -1;
	struct sim_service *svc = service_arg(s, c, in, "service", e);
	if (!svc)
		return -1;
	if (opt_str(in, "taskDefinition", &tdref, e) || opt_int(in, "desiredCount", &desired, &has_desired, e) ||
	    opt_int(in, "healthCheckGracePeriodSeconds", &grace, &has_grace, e) ||
	    opt_object(in, "networkConfiguration", &net, e) || opt_array(in, "loadBalancers", &lbs, e) ||
	    opt_object(in, "deploymentConfiguration", &dc, e) || opt_bool(in, "forceNewDeployment", &force, e))
		return -1;
	if (svc->status != SIM_SVC_ACTIVE)
		return sim_err(e, "ServiceNotActiveException", "Service was not ACTIVE.");
	if (has_desired && (desired < 0 || desired > 5000))
		return sim_err(e, IPE, "desiredCount must be between 0 and 5000.");
	if (has_grace && (grace < 0 || grace > 2147483647))
		return sim_err(e, IPE, "healthCheckGracePeriodSeconds must be between 0 and 2147483647.");
	struct sim_taskdef *td = svc->td;
	if (tdref && !(td = td_arg(s, tdref, e)))
		return -1;
	/* https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html: with the
	 * CODE_DEPLOY controller only desired count, deployment configuration, grace period and a few
	 * more may change; a new task definition goes through CodeDeploy */
	if (svc->code_deploy && td != svc->td)
		return sim_err(e, IPE, "Unable to update task definition on services with a CODE_DEPLOY deployment controller. "
				       "Use AWS CodeDeploy to trigger a new deployment.");
	if (check_network(td, net ? net : svc->network, e) || check_lbs(td, lbs ? lbs : svc->load_balancers, e) ||
	    check_upstream(s, rq, net, lbs, e))
		return -1;
	struct sim_service saved = *svc;
	if (apply_dc(svc, dc, e)) {
		svc->max_pct = saved.max_pct;
		svc->min_pct = saved.min_pct;
		svc->breaker = saved.breaker;
		svc->rollback = saved.rollback;
		return -1;
	}
	if (dc || lbs) {
		json_t *extra = NULL;
		int strat = svc->strategy;
		if (sim_strategy_check(s, rq, svc->dc_extra, dc, lbs ? lbs : svc->load_balancers, svc->code_deploy, &extra,
				       &strat, e)) {
			svc->max_pct = saved.max_pct;
			svc->min_pct = saved.min_pct;
			svc->breaker = saved.breaker;
			svc->rollback = saved.rollback;
			return -1;
		}
		json_decref(svc->dc_extra);
		svc->dc_extra = extra;
		svc->strategy = strat;
	}
	int redeploy = force || td != svc->td;
	if (net && !json_equal(net, svc->network)) {
		json_decref(svc->network);
		svc->network = json_deep_copy(net);
		redeploy = 1;
	}
	if (lbs && !json_equal(lbs, svc->load_balancers)) {
		json_decref(svc->load_balancers);
		svc->load_balancers = json_deep_copy(lbs);
		redeploy = 1;
	}
	if (redeploy)
		load_tg_params(s, rq, svc); /* the target group's settings may have changed too */
	if (has_grace)
		svc->grace = (int)grace;
	if (has_desired && desired != svc->desired) {
		svc->desired = (int)desired;
		svc->steady = 0;
		if (svc->deployments)
			svc->deployments->desired = svc->desired;
	}
	svc->td = td;
	if (redeploy && !new_deployment(s, svc))
		return sim_err(e, "ServerException", "out of memory");
	sim_reconcile(s, svc);
	*out = json_pack("{s:o}", "service", render_service(s, svc, 0));
	return 0;
}

static int describe_services(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	json_t *names, *v;
	size_t i;
	struct sim_cluster *c = cluster_arg(s, rq, in, e);
	if (!c || opt_array(in, "services", &names, e))
		return -1;
	if (!names || json_array_size(names) == 0)
		return sim_err(e, IPE, "Services cannot be empty.");
	if (json_array_size(names) > 10)
		return sim_err(e, IPE, "services can have at most 10 items.");
	json_t *list = json_array(), *failures = json_array();
	int tags = includes(in, "TAGS");
	json_array_foreach(names, i, v)
	{
		const char *n = json_string_value(v);
		struct sim_service *svc = n ? sim_service_find(s, c, n) : NULL;
		if (svc) {
			json_array_append_new(list, render_service(s, svc, tags));
		} else {
			struct ship_buf b = SHIP_BUF_INIT(2048);
			if (n && strncmp(n, "arn:", 4) == 0)
				ship_buf_adds(&b, n);
			else
				ship_buf_addf(&b, "arn:aws:ecs:%s:%s:service/%s/%s", s->region, s->account, c->name, n ? n : "");
			json_array_append_new(failures, json_pack("{s:s,s:s}", "arn", b.data, "reason", "MISSING"));
			ship_buf_release(&b);
		}
	}
	*out = json_pack("{s:o,s:o}", "services", list, "failures", failures);
	return 0;
}

static int list_services(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	long start, max, n = 0;
	struct sim_cluster *c = cluster_arg(s, rq, in, e);
	if (!c || page(in, &start, &max, e))
		return -1;
	json_t *arns = json_array();
	for (struct sim_service *v = s->services; v; v = v->next) {
		if (v->cluster != c || v->status == SIM_SVC_INACTIVE)
			continue;
		if (n >= start && n < start + max)
			json_array_append_new(arns, json_string(v->arn));
		n++;
	}
	*out = json_pack("{s:o}", "serviceArns", arns);
	page_out(*out, start, max, n);
	return 0;
}

static int delete_service(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	int force = 0;
	struct sim_cluster *c = cluster_arg(s, rq, in, e);
	if (!c)
		return -1;
	struct sim_service *svc = service_arg(s, c, in, "service", e);
	if (!svc || opt_bool(in, "force", &force, e))
		return -1;
	/* an INACTIVE service: ECS answers with it, INACTIVE, and no error (public report,
	 * https://github.com/aws/aws-sdk-js/issues/4189; ServiceNotActiveException is not one of
	 * DeleteService's errors in ECS's model) */
	if (svc->status == SIM_SVC_INACTIVE) {
		*out = json_pack("{s:o}", "service", render_service(s, svc, 0));
		return 0;
	}
	if (svc->desired > 0 && !force && svc->status == SIM_SVC_ACTIVE)
		return sim_err(e, IPE, "The service cannot be stopped while it is scaled above 0.");
	svc->status = SIM_SVC_DRAINING;
	svc->desired = 0;
	sim_reconcile(s, svc);
	*out = json_pack("{s:o}", "service", render_service(s, svc, 0));
	return 0;
}

/* ---- tasks ------------------------------------------------------------------------------------------------ */

static const char *container_status(const struct sim_task *t)
{
	if (t->phase < SIM_RUNNING)
		return t->want_running ? "PENDING" : "STOPPED";
	if (t->execution_stopped_at || t->phase >= SIM_DEPROVISIONING)
		return "STOPPED";
	return "RUNNING";
}

static const char *attachment_status(const struct sim_task *t)
{
	switch (t->phase) {
	case SIM_PROVISIONING: return "PRECREATED";
	case SIM_DEPROVISIONING:
	case SIM_STOPPED: return "DELETED";
	default: return "ATTACHED";
	}
}

static json_t *render_task(struct sim *s, struct sim_task *t, int tags)
{
	json_t *containers = json_array(), *cd;
	size_t i;
	json_array_foreach(json_object_get(t->td->def, "containerDefinitions"), i, cd)
	{
		const char *cname = json_string_value(json_object_get(cd, "name")) ?: "";
		char carn[400], runtime[120], digest[120];
		snprintf(carn, sizeof(carn), "arn:aws:ecs:%s:%s:container/%s/%s/%.8s-%.4s-4%.3s-8%.3s-%.12s%zu", s->region,
			 s->account, t->cluster->name, t->id, t->id + 16, t->id + 24, t->id + 4, t->id + 8, t->id + 12, i);
		json_t *c = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[],s:[{s:s,s:s}],s:s}", "containerArn", carn, "taskArn", t->arn,
				      "name", cname, "image", json_string_value(json_object_get(cd, "image")) ?: "",
				      "lastStatus", container_status(t), "networkBindings", "networkInterfaces",
				      "attachmentId", t->attachment, "privateIpv4Address", t->ip, "cpu", "0");
		if (!c)
			continue;
		if (t->pull_stopped_at) {
			snprintf(digest, sizeof(digest), "sha256:%s%s", t->id, t->id);
			json_object_set_new(c, "imageDigest", json_string(digest));
		}
		if (t->started_at) {
			snprintf(runtime, sizeof(runtime), "%s-%zu", t->id, 1000000000 + i * 7919);
			json_object_set_new(c, "runtimeId", json_string(runtime));
		}
		int is_main = strcmp(cname, t->main_container) == 0;
		if (t->has_exit && (strcmp(container_status(t), "STOPPED") == 0))
			json_object_set_new(c, "exitCode", json_integer(is_main ? t->exit_code : 0));
		if (t->container_reason && is_main)
			json_object_set_new(c, "reason", json_string(t->container_reason));
		if (json_object_get(cd, "healthCheck"))
			json_object_set_new(c, "healthStatus", json_string(t->health == SIM_H_HEALTHY ? "HEALTHY"
									  : t->health == SIM_H_UNHEALTHY ? "UNHEALTHY" : "UNKNOWN"));
		json_t *mem = json_object_get(cd, "memory");
		if (json_is_integer(mem)) {
			char m[24];
			snprintf(m, sizeof(m), "%lld", (long long)json_integer_value(mem));
			json_object_set_new(c, "memory", json_string(m));
		}
		json_array_append_new(containers, c);
	}
	char dns[120];
	snprintf(dns, sizeof(dns), "ip-%s.%s.compute.internal", t->ip, s->region);
	for (char *p = dns; *p && p < dns + 3 + strlen(t->ip); p++)
		if (*p == '.' && p > dns + 2)
			*p = '-';
	json_t *att = json_pack("[{s:s,s:s,s:s,s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]}]", "id", t->attachment,
				"type", "ElasticNetworkInterface", "status", attachment_status(t), "details", "name",
				"subnetId", "value", t->subnet, "name", "networkInterfaceId", "value", t->eni, "name",
				"macAddress", "value", t->mac, "name", "privateDnsName", "value", dns, "name",
				"privateIPv4Address", "value", t->ip);
	const char *hs = "UNKNOWN";
	if (t->has_hc)
		hs = t->health == SIM_H_HEALTHY ? "HEALTHY" : t->health == SIM_H_UNHEALTHY ? "UNHEALTHY" : "UNKNOWN";
	json_t *o = json_pack("{s:o,s:[],s:s,s:s,s:o,s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:O,s:s,s:s,s:i,s:b,s:s,s:{s:i}}",
			      "attachments", att, "attributes", "availabilityZone", t->az, "clusterArn", t->cluster->arn,
			      "containers", containers, "cpu", td_str(t->td, "cpu") ?: "256", "createdAt", ts(t->created_at),
			      "desiredStatus", t->want_running ? "RUNNING" : "STOPPED", "group", t->group, "healthStatus", hs,
			      "lastStatus", sim_phase_name(t->phase), "launchType", t->launch_type, "overrides", t->overrides,
			      "taskArn", t->arn, "taskDefinitionArn", t->td->arn, "version", t->version,
			      "enableExecuteCommand", 0, "memory", td_str(t->td, "memory") ?: "512", "ephemeralStorage",
			      "sizeInGiB", 20);
	if (!o)
		return NULL;
	json_object_set_new(o, "overrides", json_deep_copy(t->overrides));
	if (strcmp(t->launch_type, "FARGATE") == 0) {
		json_object_set_new(o, "platformVersion", json_string("1.4.0"));
		json_object_set_new(o, "platformFamily", json_string("Linux"));
		json_object_set_new(o, "capacityProviderName", json_string("FARGATE"));
	}
	if (t->connectivity_at) {
		json_object_set_new(o, "connectivity", json_string("CONNECTED"));
		json_object_set_new(o, "connectivityAt", ts(t->connectivity_at));
	}
	struct {
		const char *k;
		double v;
	} times[] = {{"pullStartedAt", t->pull_started_at}, {"pullStoppedAt", t->pull_stopped_at},
		     {"startedAt", t->started_at}, {"stoppingAt", t->stopping_at},
		     {"executionStoppedAt", t->execution_stopped_at}, {"stoppedAt", t->stopped_at}};
	for (size_t k = 0; k < sizeof(times) / sizeof(times[0]); k++)
		if (times[k].v > 0)
			json_object_set_new(o, times[k].k, ts(times[k].v));
	if (t->started_by)
		json_object_set_new(o, "startedBy", json_string(t->started_by));
	if (t->stop_code && !t->want_running) {
		json_object_set_new(o, "stopCode", json_string(t->stop_code));
		json_object_set_new(o, "stoppedReason", json_string(t->stopped_reason ? t->stopped_reason : ""));
	}
	if (tags)
		json_object_set_new(o, "tags", json_deep_copy(t->tags));
	return o;
}

static int list_tasks(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	const char *svcname, *family, *desired, *started_by, *launch;
	long start, max, n = 0;
	struct sim_cluster *c = cluster_arg(s, rq, in, e);
	if (!c || opt_str(in, "serviceName", &svcname, e) || opt_str(in, "family", &family, e) ||
	    opt_str(in, "desiredStatus", &desired, e) || opt_str(in, "startedBy", &started_by, e) ||
	    opt_str(in, "launchType", &launch, e) || page(in, &start, &max, e))
		return -1;
	if (desired && strcmp(desired, "RUNNING") && strcmp(desired, "PENDING") && strcmp(desired, "STOPPED"))
		return sim_err(e, IPE, "desiredStatus must be RUNNING, PENDING or STOPPED.");
	struct sim_service *svc = NULL;
	if (svcname && !(svc = sim_service_find(s, c, svcname)))
		return sim_err(e, "ServiceNotFoundException", "Service not found.");
	int want_stopped = desired && strcmp(desired, "STOPPED") == 0;
	json_t *arns = json_array();
	for (struct sim_task *t = s->tasks; t; t = t->next) {
		if (t->cluster != c || (svc && t->service != svc) || (family && strcmp(t->td->family, family) != 0) ||
		    (started_by && (!t->started_by || strcmp(t->started_by, started_by) != 0)) ||
		    (launch && strcmp(t->launch_type, launch) != 0) || (!t->want_running) != want_stopped)
			continue;
		if (n >= start && n < start + max)
			json_array_append_new(arns, json_string(t->arn));
		n++;
	}
	*out = json_pack("{s:o}", "taskArns", arns);
	page_out(*out, start, max, n);
	return 0;
}

static int describe_tasks(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	json_t *ids, *v;
	size_t i;
	struct sim_cluster *c = cluster_arg(s, rq, in, e);
	if (!c || opt_array(in, "tasks", &ids, e))
		return -1;
	if (!ids || json_array_size(ids) == 0)
		return sim_err(e, IPE, "Tasks cannot be empty.");
	if (json_array_size(ids) > 100)
		return sim_err(e, IPE, "tasks can have at most 100 items.");
	json_t *list = json_array(), *failures = json_array();
	int tags = includes(in, "TAGS");
	json_array_foreach(ids, i, v)
	{
		struct sim_task *t = json_is_string(v) ? sim_task_find(s, c, json_string_value(v)) : NULL;
		if (t)
			json_array_append_new(list, render_task(s, t, tags));
		else
			json_array_append_new(failures, json_pack("{s:s,s:s}", "arn", json_string_value(v) ?: "", "reason", "MISSING"));
	}
	*out = json_pack("{s:o,s:o}", "tasks", list, "failures", failures);
	return 0;
}

static int container_def_exists(struct sim_taskdef *td, const char *name)
{
	json_t *c;
	size_t i;
	json_array_foreach(json_object_get(td->def, "containerDefinitions"), i, c)
	if (strcmp(json_string_value(json_object_get(c, "name")) ?: "", name) == 0)
		return 1;
	return 0;
}

static int run_task(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	const char *tdref, *launch, *group, *started_by, *token;
	long count = 1;
	int has_count;
	json_t *net, *overrides, *tags;
	struct sim_cluster *c = cluster_arg(s, rq, in, e);
	if (!c || token_arg(in, 64, &token, e))
		return -1;
	int seen = token_seen(s, "RunTask", c, token, in, out, e);
	if (seen)
		return seen < 0 ? -1 : 0;
	if (req_str(in, "taskDefinition", &tdref, e) || opt_str(in, "launchType", &launch, e) ||
	    opt_str(in, "group", &group, e) || opt_str(in, "startedBy", &started_by, e) ||
	    opt_int(in, "count", &count, &has_count, e) ||
	    opt_object(in, "networkConfiguration", &net, e) ||
	    opt_object(in, "overrides", &overrides, e) || opt_array(in, "tags", &tags, e))
		return -1;
	if (!has_count)
		count = 1;
	if (count < 1 || count > 10)
		return sim_err(e, IPE, "count must be between 1 and 10.");
	if (launch && strcmp(launch, "FARGATE") && strcmp(launch, "EC2") && strcmp(launch, "EXTERNAL"))
		return sim_err(e, IPE, "launchType must be FARGATE, EC2 or EXTERNAL.");
	if (started_by && strlen(started_by) > 128)
		return sim_err(e, IPE, "startedBy can be at most 128 characters.");
	struct sim_taskdef *td = td_arg(s, tdref, e);
	if (!td || check_network(td, net, e) || check_tags(tags, e))
		return -1;
	json_t *co, *o;
	size_t i;
	if (overrides && opt_array(overrides, "containerOverrides", &co, e))
		return -1;
	json_array_foreach(json_object_get(overrides, "containerOverrides"), i, o)
	{
		const char *n = json_string_value(json_object_get(o, "name"));
		if (!n || !container_def_exists(td, n))
			return sim_err(e, IPE, "Override for container named %s is not a container in the TaskDefinition.", n ? n : "(none)");
	}
	char grp[300];
	snprintf(grp, sizeof(grp), "family:%s", td->family);
	json_t *tasks = json_array(), *failures = json_array();
	for (long k = 0; k < count; k++) {
		struct sim_task *t = sim_task_start(s, c, NULL, NULL, td, overrides, net, started_by, group ? group : grp,
						    launch ? launch : td_is_fargate(td->def) ? "FARGATE" : "EC2");
		if (!t) {
			json_array_append_new(failures, json_pack("{s:s,s:s}", "arn", td->arn, "reason", "RESOURCE:MEMORY"));
			continue;
		}
		if (tags)
			merge_tags(t->tags, tags);
		json_array_append_new(tasks, render_task(s, t, 0));
	}
	*out = json_pack("{s:o,s:o}", "tasks", tasks, "failures", failures);
	token_keep(s, "RunTask", c, token, in, *out);
	return 0;
}

static int stop_task(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	const char *id, *reason;
	struct sim_cluster *c = cluster_arg(s, rq, in, e);
	if (!c || req_str(in, "task", &id, e) || opt_str(in, "reason", &reason, e))
		return -1;
	struct sim_task *t = sim_task_find(s, c, id);
	if (!t)
		return sim_err(e, IPE, "The referenced task was not found.");
	if (t->want_running) {
		char r[300];
		snprintf(r, sizeof(r), "%.255s", reason && *reason ? reason : "Task stopped by user");
		sim_task_stop(s, t, "UserInitiated", r);
		if (t->service)
			sim_event_add(s, t->service, "(service %s) has stopped 1 running tasks: (task %s).", t->service->name, t->id);
	}
	*out = json_pack("{s:o}", "task", render_task(s, t, 0));
	return 0;
}

/* ---- tags ----------------------------------------------------------------------------------------------- */

static json_t *tags_of(struct sim *s, const char *arn)
{
	for (struct sim_cluster *c = s->clusters; c; c = c->next)
		if (strcmp(c->arn, arn) == 0)
			return c->tags;
	json_t *svc_tags = NULL; /* a live service before an INACTIVE one of the same ARN */
	for (struct sim_service *v = s->services; v; v = v->next)
		if (strcmp(v->arn, arn) == 0 && (!svc_tags || v->status != SIM_SVC_INACTIVE))
			svc_tags = v->tags;
	if (svc_tags)
		return svc_tags;
	for (struct sim_taskdef *d = s->taskdefs; d; d = d->next)
		if (strcmp(d->arn, arn) == 0)
			return d->tags;
	for (struct sim_task *t = s->tasks; t; t = t->next)
		if (strcmp(t->arn, arn) == 0)
			return t->tags;
	return NULL;
}

static int tag_resource(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	(void)rq;
	const char *arn;
	json_t *tags;
	if (req_str(in, "resourceArn", &arn, e) || opt_array(in, "tags", &tags, e) || check_tags(tags, e))
		return -1;
	json_t *dst = tags_of(s, arn);
	if (!dst)
		return sim_err(e, IPE, "The specified resource could not be found.");
	merge_tags(dst, tags);
	*out = json_object();
	return 0;
}

static int untag_resource(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	(void)rq;
	const char *arn;
	json_t *keys, *k;
	size_t i;
	if (req_str(in, "resourceArn", &arn, e) || opt_array(in, "tagKeys", &keys, e))
		return -1;
	json_t *dst = tags_of(s, arn);
	if (!dst)
		return sim_err(e, IPE, "The specified resource could not be found.");
	json_array_foreach(keys, i, k)
	{
		for (size_t j = json_array_size(dst); j-- > 0;)
			if (json_is_string(k) &&
			    strcmp(json_string_value(json_object_get(json_array_get(dst, j), "key")), json_string_value(k)) == 0)
				json_array_remove(dst, j);
	}
	*out = json_object();
	return 0;
}

static int list_tags(struct sim *s, const struct sim_request *rq, json_t *in, json_t **out, struct sim_apierr *e)
{
	(void)rq;
	const char *arn;
	if (req_str(in, "resourceArn", &arn, e))
		return -1;
	json_t *tags = tags_of(s, arn);
	if (!tags)
		return sim_err(e, IPE, "The specified resource could not be found.");
	*out = json_pack("{s:o}", "tags", json_deep_copy(tags));
	return 0;
}

/* ---- dispatch --------------------------------------------------------------------------------------------- */

typedef int (*ecs_fn)(struct sim *, const struct sim_request *, json_t *, json_t **, struct sim_apierr *);

static const struct {
	const char *name;
	ecs_fn fn;
} s_ops[] = {
    {"CreateCluster", create_cluster},
    {"DescribeClusters", describe_clusters},
    {"ListClusters", list_clusters},
    {"DeleteCluster", delete_cluster},
    {"UpdateCluster", update_cluster},
    {"RegisterTaskDefinition", register_td},
    {"DescribeTaskDefinition", describe_td},
    {"DeregisterTaskDefinition", deregister_td},
    {"ListTaskDefinitions", list_tds},
    {"CreateService", create_service},
    {"UpdateService", update_service},
    {"DescribeServices", describe_services},
    {"ListServices", list_services},
    {"DeleteService", delete_service},
    {"ListTasks", list_tasks},
    {"DescribeTasks", describe_tasks},
    {"RunTask", run_task},
    {"StopTask", stop_task},
    {"TagResource", tag_resource},
    {"UntagResource", untag_resource},
    {"ListTagsForResource", list_tags},
    {"ListServiceDeployments", sim_list_service_deployments},
    {"DescribeServiceDeployments", sim_describe_service_deployments},
    {"DescribeServiceRevisions", sim_describe_service_revisions},
    {"StopServiceDeployment", sim_stop_service_deployment},
    {"ContinueServiceDeployment", sim_continue_service_deployment},
};

int sim_ecs_owns(const char *action)
{
	for (size_t i = 0; i < sizeof(s_ops) / sizeof(s_ops[0]); i++)
		if (strcmp(s_ops[i].name, action) == 0)
			return 1;
	return 0;
}

/* ---- what a task needs at start, upstream ---------------------------------------------------- */

/* The secret's ARN without the JSON key, version stage and id a valueFrom may add (7 fields). */
static void secret_arn(const char *from, char *out, size_t n)
{
	const char *p = from;
	for (int fields = 0; *p; p++)
		if (*p == ':' && ++fields == 7)
			break;
	snprintf(out, n, "%.*s", (int)(p - from), from);
}

/* An SSM parameter's name from a valueFrom: the name itself, or the one in its ARN. */
static void parameter_name(const char *from, char *out, size_t n)
{
	const char *p = strncmp(from, "arn:", 4) == 0 ? strstr(from, ":parameter/") : NULL;
	if (!p) {
		snprintf(out, n, "%s", from);
		return;
	}
	p += strlen(":parameter/");
	snprintf(out, n, "%s%s", strchr(p, '/') ? "/" : "", p);
}

/*
 * The first missing resource one secret (or secretOptions entry) names, as the stopped reason
 * ECS gives (re:Post "ecs-unable-to-pull-secrets": "... unable to retrieve secret from asm:
 * service call has been retried 1 time(s): failed to fetch secret ARN from secrets manager:
 * ..."; the agent's SSM form "invalid parameters: NAME", amazon-ecs-agent agent/ssm/ssm.go).
 * 1 missing (reason filled), 0 present or unknown.
 */
static int secret_missing(struct sim *s, const struct sim_request *rq, const char *from, struct ship_buf *reason)
{
	char id[512];
	if (!from)
		return 0;
	if (strstr(from, ":secretsmanager:")) {
		secret_arn(from, id, sizeof(id));
		if (sim_upstream_exists(s, rq, "secret", id, NULL, 0) != 0)
			return 0;
		ship_buf_addf(reason,
			      "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
			      "retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): "
			      "failed to fetch secret %s from secrets manager: ResourceNotFoundException: Secrets Manager "
			      "can't find the specified secret.",
			      id);
		return 1;
	}
	parameter_name(from, id, sizeof(id));
	if (sim_upstream_exists(s, rq, "parameter", id, NULL, 0) != 0)
		return 0;
	ship_buf_addf(reason,
		      "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
		      "failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid "
		      "parameters: %s",
		      id);
	return 1;
}

/*
 * Checks, against the upstream, the resources a task of td needs before its containers start:
 * each awslogs group (unless awslogs-create-group is "true") and each secret (Secrets Manager or
 * SSM Parameter Store). A missing one makes its tasks stop with ECS's ResourceInitializationError
 * (DG "Amazon ECS stopped task error codes": ResourceInitializationError, "could not ... retrieve
 * secrets ... or create the log stream"), until it exists: a marked definition is checked again at
 * most every 30 simulated seconds (force: now). Only with --upstream and its checks on; without,
 * the image rules no-log-group and secret-error stand in.
 */
static void check_task_resources(struct sim *s, const struct sim_request *rq, struct sim_taskdef *td, int force)
{
	if (!td || !s->upstream || !s->cfg.upstream_checks)
		return;
	if (!force && td->missing_checked_at && s->now < td->missing_checked_at + 30)
		return;
	td->missing_checked_at = s->now;
	struct ship_buf reason = SHIP_BUF_INIT(8192);
	enum sim_behavior_kind kind = SIM_B_OK;
	json_t *cd, *sec, *opts;
	size_t i, k;
	json_array_foreach(json_object_get(td->def, "containerDefinitions"), i, cd)
	{
		json_t *logc = json_object_get(cd, "logConfiguration");
		opts = json_object_get(logc, "options");
		const char *grp = json_string_value(json_object_get(opts, "awslogs-group"));
		const char *create = json_string_value(json_object_get(opts, "awslogs-create-group"));
		if (kind == SIM_B_OK && grp &&
		    strcmp(json_string_value(json_object_get(logc, "logDriver")) ?: "", "awslogs") == 0 &&
		    !(create && ship_strcasecmp(create, "true") == 0) &&
		    sim_upstream_exists(s, rq, "log-group", grp, NULL, 0) == 0) {
			kind = SIM_B_NO_LOG_GROUP;
			ship_buf_adds(&reason, "ResourceInitializationError: failed to validate logger args: create stream has "
					       "been retried 1 times: failed to create Cloudwatch log stream: "
					       "ResourceNotFoundException: The specified log group does not exist. : exit "
					       "status 1");
		}
		json_array_foreach(json_object_get(cd, "secrets"), k, sec)
		{
			if (kind == SIM_B_OK &&
			    secret_missing(s, rq, json_string_value(json_object_get(sec, "valueFrom")), &reason))
				kind = SIM_B_SECRET_ERROR;
		}
		json_array_foreach(json_object_get(logc, "secretOptions"), k, sec)
		{
			if (kind == SIM_B_OK &&
			    secret_missing(s, rq, json_string_value(json_object_get(sec, "valueFrom")), &reason))
				kind = SIM_B_SECRET_ERROR;
		}
	}
	ship_free(td->missing_reason);
	td->missing_reason = NULL;
	td->missing_kind = SIM_B_OK;
	if (kind != SIM_B_OK && !reason.failed) {
		td->missing_kind = kind;
		td->missing_reason = ship_buf_detach(&reason, NULL);
	}
	ship_buf_release(&reason);
}

/* Before the calls that launch tasks (and the polls that follow them), the upstream resources of
 * the task definitions concerned. */
static void check_before(struct sim *s, const struct sim_request *rq, const char *action, json_t *in)
{
	int launches = strcmp(action, "CreateService") == 0 || strcmp(action, "UpdateService") == 0 ||
		       strcmp(action, "RunTask") == 0 || strcmp(action, "StartTask") == 0;
	if (!launches && strcmp(action, "DescribeServices") != 0)
		return;
	if (launches)
		check_task_resources(s, rq, sim_taskdef_find(s, json_string_value(json_object_get(in, "taskDefinition")), 0),
				     1);
	for (struct sim_taskdef *td = s->taskdefs; td; td = td->next)
		if (td->missing_kind != SIM_B_OK)
			check_task_resources(s, rq, td, launches);
}

int sim_ecs_call(struct sim *s, const struct sim_request *rq, const char *action, json_t *in, json_t **out,
		 struct sim_apierr *e)
{
	check_before(s, rq, action, in);
	for (size_t i = 0; i < sizeof(s_ops) / sizeof(s_ops[0]); i++) {
		if (strcmp(s_ops[i].name, action) != 0)
			continue;
		/* /_sim/config service_deployments false: as an endpoint without the API answers */
		if (!s->cfg.service_deployments && strstr(action, "ServiceDeployment") != NULL)
			return sim_err(e, "UnknownOperationException", "Unknown operation %s", action);
		if (!s->cfg.service_deployments && strcmp(action, "DescribeServiceRevisions") == 0)
			return sim_err(e, "UnknownOperationException", "Unknown operation %s", action);
		*out = NULL;
		int rc = s_ops[i].fn(s, rq, in, out, e);
		if (rc == 0 && !*out)
			return sim_err(e, "ServerException", "out of memory");
		if (rc != 0) {
			json_decref(*out);
			*out = NULL;
		}
		return rc;
	}
	return sim_err(e, "UnknownOperationException", "Unknown operation %s", action);
}
