/*
 * normalize.c: task and service definitions normalized so that what was submitted and what
 * ECS describes back compare equal (no revision sprawl, `ecship diff`), and a unified diff of
 * two JSON documents. Depends on jansson and lib/util only.
 */
#include <stdlib.h>
#include <string.h>

#include "ecship/taskdef.h"

static const char *const s_td_drop[] = {"taskDefinitionArn",
					"revision",
					"status",
					"requiresAttributes",
					"compatibilities",
					"registeredAt",
					"registeredBy",
					"deregisteredAt",
					"deleteRequestedAt",
					"tags",
					NULL};

static const char *const s_svc_drop[] = {"serviceArn",
					 "clusterArn",
					 "cluster",
					 "status",
					 "runningCount",
					 "pendingCount",
					 "taskSets",
					 "deployments",
					 "roleArn",
					 "role",
					 "events",
					 "createdAt",
					 "createdBy",
					 "platformFamily",
					 "clientToken",
					 "tags",
					 "desiredCount",
					 "currentServiceDeployment",
					 "currentServiceRevisions",
					 "resourceManagementType",
					 NULL};

static void drop(json_t *o, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		json_object_del(o, names[i]);
}

/* Removes null values and (recursively) empty arrays and objects. Returns 1 if o became empty. */
static int prune(json_t *o)
{
	if (json_is_object(o)) {
		const char *key;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(o, tmp, key, v)
		{
			if (json_is_null(v) ||
			    ((json_is_object(v) || json_is_array(v)) && prune(v)))
				json_object_del(o, key);
		}
		return json_object_size(o) == 0;
	}
	if (json_is_array(o)) {
		for (size_t i = json_array_size(o); i-- > 0;) {
			json_t *v = json_array_get(o, i);
			if (json_is_object(v) || json_is_array(v))
				prune(v); /* keep empty elements: positions matter */
		}
		return json_array_size(o) == 0;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	const char *x = json_string_value(*(json_t *const *)a);
	const char *y = json_string_value(*(json_t *const *)b);
	return strcmp(x ? x : "", y ? y : "");
}

static int cmp_name(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "name"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "name"));
	return strcmp(x ? x : "", y ? y : "");
}

/* Sorts a JSON array in place with cmp. 0 ok, -1 out of memory. */
static int sort_array(json_t *arr, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(arr);
	if (n < 2)
		return 0;
	json_t **v = ship_calloc(n, sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp);
	json_array_clear(arr);
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, v[i]))
			rc = -1;
	ship_free(v);
	return rc;
}

static int amount_to_string(json_t *o, const char *key, int cpu)
{
	json_t *x = json_object_get(o, key);
	long v;
	char buf[32];
	if (json_is_integer(x)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(x));
	} else if (json_is_string(x)) {
		int r = cpu ? ship_parse_cpu(json_string_value(x), &v)
			    : ship_parse_memory(json_string_value(x), &v);
		if (r)
			return 0;
		snprintf(buf, sizeof(buf), "%ld", v);
	} else {
		return 0;
	}
	return json_object_set_new(o, key, json_string(buf));
}

static int normalize_container(json_t *c)
{
	if (sort_array(json_object_get(c, "environment"), cmp_name) ||
	    sort_array(json_object_get(c, "secrets"), cmp_name))
		return -1;
	return 0;
}

json_t *ship_taskdef_normalize(const json_t *in)
{
	json_t *td, *inner, *cds, *c;
	size_t i;
	if (!json_is_object(in))
		return NULL;
	inner = json_object_get(in, "taskDefinition");
	if (json_is_object(inner) && !json_object_get(in, "family"))
		in = inner;
	td = json_deep_copy(in);
	if (!td)
		return NULL;
	drop(td, s_td_drop);
	/* ECS's defaults (data/ecs-defaults.tsv), conditions read on the definition as given */
	if (ship_ecs_defaults_drop(td, in, 0) || amount_to_string(td, "cpu", 1) ||
	    amount_to_string(td, "memory", 0) ||
	    sort_array(json_object_get(td, "requiresCompatibilities"), cmp_str))
		goto fail;
	cds = json_object_get(td, "containerDefinitions");
	json_array_foreach(cds, i, c)
	{
		if (json_is_object(c) && normalize_container(c))
			goto fail;
	}
	prune(td);
	return td;
fail:
	json_decref(td);
	return NULL;
}

int ship_taskdef_same(const json_t *a, const json_t *b)
{
	json_t *na = ship_taskdef_normalize(a), *nb = ship_taskdef_normalize(b);
	int r = na && nb ? json_equal(na, nb) : -1;
	json_decref(na);
	json_decref(nb);
	return r;
}

/* "arn:aws:ecs:r:a:task-definition/fam:3" or "fam:3" -> "fam" */
static int family_only(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s)
		return 0;
	const char *slash = strrchr(s, '/');
	if (strncmp(s, "arn:", 4) == 0 && slash)
		s = slash + 1;
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	return json_object_set_new(o, key, json_stringn(s, n));
}

/*
 * DescribeServices returns serviceConnectConfiguration, volumeConfigurations and
 * vpcLatticeConfigurations on each deployment, not on the service (API_Deployment.html): a live
 * service takes them from its PRIMARY deployment so they compare with the definition's.
 */
static int lift_from_primary(json_t *s)
{
	static const char *const names[] = {"serviceConnectConfiguration", "volumeConfigurations",
					    "vpcLatticeConfigurations"};
	json_t *deps = json_object_get(s, "deployments"), *d, *primary = NULL;
	size_t i;
	if (!json_is_array(deps))
		return 0;
	json_array_foreach(deps, i, d)
	{
		const char *st = json_string_value(json_object_get(d, "status"));
		if (st && strcmp(st, "PRIMARY") == 0)
			primary = d;
	}
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		json_t *v = json_object_get(primary, names[k]);
		if (!json_object_get(s, names[k]) && v &&
		    json_object_set_new(s, names[k], json_deep_copy(v)))
			return -1;
	}
	return 0;
}

json_t *ship_servicedef_normalize(const json_t *in)
{
	json_t *s, *x, *awsvpc;
	if (!json_is_object(in))
		return NULL;
	x = json_object_get(in, "services");
	if (json_is_array(x) && json_array_size(x) == 1 && !json_object_get(in, "serviceName"))
		in = json_array_get(x, 0);
	x = json_object_get(in, "service");
	if (json_is_object(x) && !json_object_get(in, "serviceName"))
		in = x;
	s = json_deep_copy(in);
	if (!s)
		return NULL;
	if (lift_from_primary(s))
		goto fail;
	drop(s, s_svc_drop);
	if (family_only(s, "taskDefinition") || ship_ecs_defaults_drop(s, in, 1))
		goto fail;
	awsvpc = json_object_get(json_object_get(s, "networkConfiguration"), "awsvpcConfiguration");
	if (json_is_object(awsvpc)) {
		if (sort_array(json_object_get(awsvpc, "subnets"), cmp_str) ||
		    sort_array(json_object_get(awsvpc, "securityGroups"), cmp_str))
			goto fail;
	}
	prune(s);
	return s;
fail:
	json_decref(s);
	return NULL;
}

json_t *ship_servicedef_request(const json_t *service_def)
{
	json_t *req = json_is_object(service_def) ? json_deep_copy(service_def) : json_object();
	if (!req)
		return NULL;
	json_t *dc = json_object_get(req, "deploymentConfiguration");
	if (!json_is_object(dc)) {
		dc = json_object();
		if (json_object_set_new(req, "deploymentConfiguration", dc))
			goto fail;
	}
	if (!json_object_get(dc, "deploymentCircuitBreaker") &&
	    json_object_set_new(dc, "deploymentCircuitBreaker",
				json_pack("{s:b, s:b}", "enable", 1, "rollback", 1)))
		goto fail;
	return req;
fail:
	json_decref(req);
	return NULL;
}

/* UpdateService's members (botocore's ECS model, UpdateServiceRequest) that a definition file
 * sets; cluster, service, taskDefinition, desiredCount and forceNewDeployment are the deploy's. */
static const char *const s_update_members[] = {
    "capacityProviderStrategy", "deploymentConfiguration", "availabilityZoneRebalancing",
    "networkConfiguration", "placementConstraints", "placementStrategy", "platformVersion",
    "healthCheckGracePeriodSeconds", "enableExecuteCommand", "enableECSManagedTags",
    "loadBalancers", "propagateTags", "serviceRegistries", "serviceConnectConfiguration",
    "volumeConfigurations", "vpcLatticeConfigurations", NULL};

/* What ECS cannot change in place, and what to do instead. */
static const struct {
	const char *member, *fix;
} s_fixed[] = {
    {"schedulingStrategy", "create a new service with another name (or delete this one first)"},
    {"deploymentController", "create a new service with another name (or delete this one first)"},
    {"role", "create a new service with another name (or delete this one first)"},
    {"serviceName", "set the service's name in ecship.yml ('service:'), not in the definition"},
    {"cluster", "set the cluster in ecship.yml ('cluster:'), not in the definition"},
    {"launchType", "use a capacityProviderStrategy, or create a new service with another name"},
};

int ship_servicedef_update(const json_t *service_def, const json_t *live, json_t **members,
			   struct ship_err *err)
{
	json_t *req = ship_servicedef_request(service_def);
	json_t *nf = req ? ship_servicedef_normalize(req) : NULL;
	json_t *nl = ship_servicedef_normalize(live);
	json_t *out = json_object(), *v;
	const char *k;
	int rc = -1;
	*members = NULL;
	if (!nf || !nl || !out) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory comparing the service");
		goto cleanup;
	}
	/* the deploy's own members, and those the file cannot set (the name is ecship.yml's) */
	static const char *const ours[] = {"taskDefinition", "serviceName", "cluster", NULL};
	for (size_t i = 0; ours[i]; i++) {
		json_object_del(nf, ours[i]);
		json_object_del(nl, ours[i]);
	}
	/* a capacity provider strategy in the file replaces the live launch type; a file naming
	 * neither leaves them to the cluster's default strategy (API_CreateService) */
	if (!json_object_get(nf, "launchType")) {
		json_object_del(nl, "launchType");
		if (!json_object_get(nf, "capacityProviderStrategy"))
			json_object_del(nl, "capacityProviderStrategy");
	}
	for (size_t i = 0; i < sizeof(s_fixed) / sizeof(s_fixed[0]); i++) {
		json_t *a = json_object_get(nf, s_fixed[i].member);
		json_t *b = json_object_get(nl, s_fixed[i].member);
		if ((a || b) && !(a && b && json_equal(a, b))) {
			char *sa = a ? json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
			char *sb = b ? json_dumps(b, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
			ship_err_set(err, SHIP_ERR_INPUT,
				     "the service definition changes '%s' (%s live, %s in the file), "
				     "which ECS cannot change on an existing service: %s",
				     s_fixed[i].member, sb ? sb : "not set", sa ? sa : "not set",
				     s_fixed[i].fix);
			ship_free(sa);
			ship_free(sb);
			goto cleanup;
		}
	}
	for (size_t i = 0; s_update_members[i]; i++) {
		k = s_update_members[i];
		json_t *a = json_object_get(nf, k), *b = json_object_get(nl, k);
		if ((!a && !b) || (a && b && json_equal(a, b)))
			continue;
		/* the file's value as written; left out, ECS's default (or an empty list/structure) */
		v = json_object_get(req, k);
		if (v)
			v = json_deep_copy(v);
		else if (!(v = ship_ecs_default_value("CreateService", k, req)))
			v = json_is_array(b) ? json_array() : json_object();
		/* a structure's member the file leaves out but the live service has goes as ECS's
		 * default, as the comparison read it: UpdateService leaves an absent member as it
		 * is live (a definition without deploymentConfiguration.strategy switches a
		 * BLUE_GREEN service back to ROLLING only when "ROLLING" is sent) */
		if (v && json_is_object(v) && json_is_object(b)) {
			const char *m;
			json_t *lv;
			json_object_foreach(b, m, lv)
			{
				char path[128];
				if (json_object_get(v, m))
					continue;
				snprintf(path, sizeof(path), "%s.%s", k, m);
				json_t *dv = ship_ecs_default_value("CreateService", path, req);
				if (dv && !json_equal(dv, lv))
					json_object_set_new(v, m, dv);
				else
					json_decref(dv);
			}
		}
		if (!v || json_object_set_new(out, k, v)) {
			ship_err_set(err, SHIP_ERR_NOMEM, "out of memory comparing the service");
			goto cleanup;
		}
	}
	*members = out;
	out = NULL;
	rc = 0;
cleanup:
	json_decref(req);
	json_decref(nf);
	json_decref(nl);
	json_decref(out);
	return rc;
}
