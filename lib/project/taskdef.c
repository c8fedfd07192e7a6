/*
 * taskdef.c: task and service definition documents: cleaning describe-* output into
 * Register/Create input, and replacing the image for --image/--tag (see taskdef.h).
 * Depends on jansson, image.c, diag.c and lib/util; no AWS calls.
 */
#include <string.h>

#include "ecship/taskdef.h"

static const char *const s_td_readonly[] = {
    "taskDefinitionArn", "revision",     "status",         "requiresAttributes", "compatibilities",
    "registeredAt",      "registeredBy", "deregisteredAt", "deleteRequestedAt",  NULL};

/* describe-services fields CreateService does not take */
static const char *const s_svc_readonly[] = {
    "serviceArn",   "clusterArn",     "status",          "runningCount",
    "pendingCount", "taskSets",       "deployments",     "roleArn",
    "events",       "createdAt",      "createdBy",       "platformFamily",
    "currentServiceDeployment", "currentServiceRevisions", "resourceManagementType", NULL};

static int drop_fields(json_t *obj, const char *const *names, struct ship_buf *list)
{
	int n = 0;
	for (size_t i = 0; names[i]; i++) {
		if (json_object_get(obj, names[i])) {
			json_object_del(obj, names[i]);
			ship_buf_addf(list, "%s'%s'", n ? ", " : "", names[i]);
			n++;
		}
	}
	return n;
}

json_t *ship_taskdef_prepare(json_t *doc, const char *file, struct ship_diags *notes,
			     struct ship_err *err)
{
	struct ship_buf list = SHIP_BUF_INIT(0);
	json_t *td, *inner, *tags;

	if (!json_is_object(doc))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "'%s' must hold a JSON object (RegisterTaskDefinition input, as "
				    "for 'aws ecs register-task-definition --cli-input-json')",
				    file ? file : "task definition"),
		       NULL;
	inner = json_object_get(doc, "taskDefinition");
	if (json_is_object(inner) && !json_object_get(doc, "family")) {
		td = json_incref(inner);
		tags = json_object_get(doc, "tags");
		if (json_is_array(tags) && json_array_size(tags) && !json_object_get(td, "tags"))
			json_object_set(td, "tags", tags);
		ship_diags_add(notes, SHIP_SEV_NOTE, file, 0, 0, NULL,
			       "using the 'taskDefinition' object of describe-task-definition output");
	} else {
		td = json_incref(doc);
	}
	if (drop_fields(td, s_td_readonly, &list))
		ship_diags_add(notes, SHIP_SEV_NOTE, file, 0, 0,
			       "remove them from the file to silence this note",
			       "dropped read-only field%s %s (describe-task-definition output; "
			       "RegisterTaskDefinition does not accept them)",
			       strchr(list.data, ',') ? "s" : "", list.data);
	tags = json_object_get(td, "tags");
	if (json_is_array(tags) && json_array_size(tags) == 0)
		json_object_del(td, "tags");
	ship_buf_release(&list);
	return td;
}

json_t *ship_servicedef_prepare(json_t *doc, const char *file, struct ship_diags *notes,
				struct ship_err *err)
{
	struct ship_buf list = SHIP_BUF_INIT(0);
	json_t *svc = NULL, *arr;

	if (!json_is_object(doc))
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "'%s' must hold a JSON object (CreateService input, as for 'aws "
				    "ecs create-service --cli-input-json')",
				    file ? file : "service definition"),
		       NULL;
	arr = json_object_get(doc, "services");
	if (json_is_array(arr) && !json_object_get(doc, "serviceName")) {
		if (json_array_size(arr) != 1 || !json_is_object(json_array_get(arr, 0)))
			return ship_err_set(err, SHIP_ERR_INPUT,
					    "'%s' holds describe-services output with %zu services; "
					    "keep exactly one",
					    file ? file : "service definition", json_array_size(arr)),
			       NULL;
		svc = json_incref(json_array_get(arr, 0));
	} else if (json_is_object(json_object_get(doc, "service")) &&
		   !json_object_get(doc, "serviceName")) {
		svc = json_incref(json_object_get(doc, "service"));
	} else {
		svc = json_incref(doc);
	}
	if (svc != doc)
		ship_diags_add(notes, SHIP_SEV_NOTE, file, 0, 0, NULL,
			       "using the service object of describe-services output");
	/* describe-services says clusterArn/taskDefinition ARN; CreateService takes names */
	if (drop_fields(svc, s_svc_readonly, &list))
		ship_diags_add(notes, SHIP_SEV_NOTE, file, 0, 0,
			       "remove them from the file to silence this note",
			       "dropped read-only field%s %s (describe-services output; "
			       "CreateService does not accept them)",
			       strchr(list.data, ',') ? "s" : "", list.data);
	ship_buf_release(&list);
	return svc;
}

static void list_containers(const json_t *cds, struct ship_buf *b)
{
	size_t i;
	json_t *c;
	json_array_foreach(cds, i, c)
	{
		const char *n = json_string_value(json_object_get(c, "name"));
		ship_buf_addf(b, "%s'%s'", i ? ", " : "", n ? n : "?");
	}
}

int ship_taskdef_set_image(json_t *td, const json_t *service_def, const char *image,
			   const char *tag, struct ship_diags *notes, struct ship_err *err)
{
	return ship_taskdef_set_image_in(td, service_def, NULL, image, tag, notes, err);
}

int ship_taskdef_set_image_in(json_t *td, const json_t *service_def, const char *container,
			      const char *image, const char *tag, struct ship_diags *notes,
			      struct ship_err *err)
{
	json_t *cds = json_object_get(td, "containerDefinitions"), *target = NULL, *c;
	const char *want = NULL;
	struct ship_buf b = SHIP_BUF_INIT(0);
	size_t i;
	int rc = -1;

	if (!image && !tag)
		return 0;
	if (!json_is_array(cds) || json_array_size(cds) == 0)
		return ship_err_set(err, SHIP_ERR_INPUT,
				    "cannot replace the image: the task definition has no "
				    "containerDefinitions");
	json_t *lbs = service_def ? json_object_get(service_def, "loadBalancers") : NULL;
	if (container)
		want = container; /* the config's `container:` for this service */
	else if (json_is_array(lbs) && json_array_size(lbs))
		want = json_string_value(json_object_get(json_array_get(lbs, 0), "containerName"));
	if (want) {
		json_array_foreach(cds, i, c)
		{
			const char *n = json_string_value(json_object_get(c, "name"));
			if (n && strcmp(n, want) == 0)
				target = c;
		}
		if (!target) {
			list_containers(cds, &b);
			if (container)
				ship_err_set(err, SHIP_ERR_INPUT,
					     "cannot replace the image: ecship.yml names container "
					     "'%s' for this service, but the task definition has %s; "
					     "fix 'container:' in ecship.yml",
					     want, b.data);
			else
				ship_err_set(err, SHIP_ERR_INPUT,
					     "cannot replace the image: the service's load balancer "
					     "names container '%s', but the task definition has %s; fix "
					     "containerName in the service definition",
					     want, b.data);
			goto cleanup;
		}
	} else if (json_array_size(cds) == 1) {
		target = json_array_get(cds, 0);
	} else {
		list_containers(cds, &b);
		ship_err_set(err, SHIP_ERR_INPUT,
			     "cannot tell which container gets the new image: the task definition "
			     "has %s and the service definition has no loadBalancers entry naming "
			     "one; name it in ecship.yml (under services: '- name: ...' add "
			     "'container: NAME'), or write \"image\": \"REPOSITORY:${IMAGE_TAG}\" "
			     "in that container of the task definition",
			     b.data);
		goto cleanup;
	}
	const char *name = json_string_value(json_object_get(target, "name"));
	ship_buf_reset(&b);
	if (image) {
		struct ship_image_ref ref;
		if (ship_image_parse(ship_str_c(image), &ref)) {
			ship_err_set(err, SHIP_ERR_INPUT,
				     "invalid image '%s'; write REPOSITORY[:TAG][@DIGEST]", image);
			goto cleanup;
		}
		ship_buf_adds(&b, image);
	} else {
		const char *old = json_string_value(json_object_get(target, "image"));
		if (!old || !*old) {
			ship_err_set(err, SHIP_ERR_INPUT,
				     "cannot replace the tag: container '%s' has no image; use "
				     "--image URI",
				     name ? name : "?");
			goto cleanup;
		}
		if (ship_image_with_tag(ship_str_c(old), ship_str_c(tag), &b, err))
			goto cleanup;
	}
	if (b.failed || json_object_set_new(target, "image", json_string(b.data))) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	ship_diags_add(notes, SHIP_SEV_NOTE, NULL, 0, 0, NULL, "container '%s' uses image '%s'",
		       name ? name : "?", b.data);
	rc = 0;
cleanup:
	ship_buf_release(&b);
	return rc;
}
