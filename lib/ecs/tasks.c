/*
 * tasks.c: ListTasks + DescribeTasks into flat records, newest first, and ELBv2
 * DescribeTargetHealth (see tasks.h). Bounded: at most the caller's maximum of tasks.
 * Depends on aws.h, xml.h and jansson; never prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecship/tasks.h"
#include "ecship/xml.h"

const char *ship_arn_tail(const char *arn)
{
	const char *s = arn ? strrchr(arn, '/') : NULL;
	return s ? s + 1 : (arn ? arn : "");
}

void ship_task_list_release(struct ship_task_list *l)
{
	if (!l)
		return;
	ship_free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* An identifier: 0, or 1 when it does not fit (then left empty, never cut short). */
static int copy_str(char *out, size_t n, const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (s && strlen(s) >= n) {
		out[0] = '\0';
		return 1;
	}
	snprintf(out, n, "%s", s ? s : "");
	return 0;
}

/* Words for people: a longer text is cut visibly, ending in "...". */
static void copy_text(char *out, size_t n, const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (snprintf(out, n, "%s", s ? s : "") >= (int)n && n > 4)
		memcpy(out + n - 4, "...", 4);
}

static double num(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_number(v) ? json_number_value(v) : 0;
}

int ship_task_parse(const json_t *task, struct ship_task_info *t)
{
	memset(t, 0, sizeof(*t));
	if (!json_is_object(task))
		return -1;
	int cut = copy_str(t->arn, sizeof(t->arn), task, "taskArn");
	snprintf(t->id, sizeof(t->id), "%.63s", ship_arn_tail(t->arn));
	cut |= copy_str(t->taskdef, sizeof(t->taskdef), task, "taskDefinitionArn");
	const char *colon = strrchr(t->taskdef, ':');
	if (colon)
		ship_parse_long(colon + 1, 0, 1L << 30, &t->revision);
	cut |= copy_str(t->last_status, sizeof(t->last_status), task, "lastStatus");
	cut |= copy_str(t->desired_status, sizeof(t->desired_status), task, "desiredStatus");
	cut |= copy_str(t->health, sizeof(t->health), task, "healthStatus");
	cut |= copy_str(t->group, sizeof(t->group), task, "group");
	cut |= copy_str(t->started_by, sizeof(t->started_by), task, "startedBy");
	cut |= copy_str(t->stop_code, sizeof(t->stop_code), task, "stopCode");
	copy_text(t->stopped_reason, sizeof(t->stopped_reason), task, "stoppedReason");
	t->created = num(task, "createdAt");
	t->started = num(task, "startedAt");
	t->stopping = num(task, "stoppingAt");
	t->stopped = num(task, "stoppedAt");

	json_t *att, *d;
	size_t i, j;
	json_array_foreach(json_object_get(task, "attachments"), i, att)
	{
		json_array_foreach(json_object_get(att, "details"), j, d)
		{
			const char *name = json_string_value(json_object_get(d, "name"));
			if (name && !strcmp(name, "privateIPv4Address"))
				copy_str(t->private_ip, sizeof(t->private_ip), d, "value");
		}
	}
	json_t *c;
	json_array_foreach(json_object_get(task, "containers"), i, c)
	{
		if (t->nc >= SHIP_TASK_MAX_CONTAINERS)
			break;
		struct ship_container_info *ci = &t->c[t->nc++];
		cut |= copy_str(ci->name, sizeof(ci->name), c, "name");
		cut |= copy_str(ci->image, sizeof(ci->image), c, "image");
		cut |= copy_str(ci->last_status, sizeof(ci->last_status), c, "lastStatus");
		cut |= copy_str(ci->health, sizeof(ci->health), c, "healthStatus");
		copy_text(ci->reason, sizeof(ci->reason), c, "reason");
		json_t *ec = json_object_get(c, "exitCode");
		if (json_is_integer(ec)) {
			ci->has_exit = 1;
			ci->exit_code = (int)json_integer_value(ec);
		}
		if (!t->private_ip[0]) {
			json_t *ni = json_array_get(json_object_get(c, "networkInterfaces"), 0);
			copy_str(t->private_ip, sizeof(t->private_ip), ni, "privateIpv4Address");
		}
	}
	return cut ? -1 : 0;
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *time_or_null(double t)
{
	char buf[40];
	if (t <= 0)
		return json_null();
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

json_t *ship_task_info_json(const struct ship_task_info *t)
{
	json_t *cs = json_array();
	for (size_t i = 0; cs && i < t->nc; i++) {
		const struct ship_container_info *c = &t->c[i];
		json_t *o =
		    json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "name", c->name, "image", c->image,
			      "last_status", c->last_status, "health", str_or_null(c->health),
			      "exit_code", c->has_exit ? json_integer(c->exit_code) : json_null(),
			      "reason", str_or_null(c->reason));
		if (!o || json_array_append_new(cs, o)) {
			json_decref(cs);
			return NULL;
		}
	}
	if (!cs)
		return NULL;
	return json_pack(
	    "{s:s, s:s, s:s, s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
	    t->id, "arn", t->arn, "task_definition", t->taskdef, "revision",
	    (json_int_t)t->revision, "last_status", t->last_status, "desired_status",
	    t->desired_status, "health", str_or_null(t->health), "created_at",
	    time_or_null(t->created), "started_at", time_or_null(t->started), "stopped_at",
	    time_or_null(t->stopped), "stop_code", str_or_null(t->stop_code), "stopped_reason",
	    str_or_null(t->stopped_reason), "private_ip", str_or_null(t->private_ip), "started_by",
	    str_or_null(t->started_by), "containers", cs);
}

const struct ship_container_info *ship_task_failed_container(const struct ship_task_info *t)
{
	for (size_t i = 0; i < t->nc; i++)
		if (t->c[i].has_exit && t->c[i].exit_code != 0)
			return &t->c[i];
	for (size_t i = 0; i < t->nc; i++)
		if (t->c[i].reason[0])
			return &t->c[i];
	return t->nc ? &t->c[0] : NULL;
}

static double sort_time(const struct ship_task_info *t)
{
	return t->stopped > 0 ? t->stopped : t->started > 0 ? t->started : t->created;
}

static int newest_first(const void *a, const void *b)
{
	const struct ship_task_info *x = a, *y = b;
	double tx = sort_time(x), ty = sort_time(y);
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(x->arn, y->arn);
}

void ship_task_list_sort(struct ship_task_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(l->v[0]), newest_first);
}

static int append_task(struct ship_task_list *l, const json_t *task)
{
	struct ship_task_info *nv = ship_realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	l->v = nv;
	return ship_task_parse(task, &l->v[l->n++]) ? -2 : 0;
}

int ship_tasks_describe(struct ship_aws *aws, const char *cluster, const char *const *tasks,
			size_t n, struct ship_task_list *out, struct ship_err *err)
{
	return ship_tasks_describe_opts(aws, NULL, cluster, tasks, n, out, err);
}

int ship_tasks_describe_opts(struct ship_aws *aws, const struct ship_call_opts *call,
			     const char *cluster, const char *const *tasks, size_t n,
			     struct ship_task_list *out, struct ship_err *err)
{
	for (size_t off = 0; off < n; off += 100) {
		json_t *ids = json_array(), *resp = NULL;
		for (size_t i = off; ids && i < n && i < off + 100; i++)
			json_array_append_new(ids, json_string(tasks[i]));
		json_t *req =
		    ids ? json_pack("{s:s, s:o}", "cluster", cluster, "tasks", ids) : NULL;
		if (!req)
			return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		int r = ship_aws_json(aws, SHIP_SVC_ECS, "DescribeTasks", req, &resp, call, err);
		json_decref(req);
		if (r)
			return ship_err_prefix(err, "cannot describe the tasks of cluster '%s'",
					       cluster);
		json_t *t;
		size_t i;
		json_array_foreach(json_object_get(resp, "tasks"), i, t)
		{
			int a = append_task(out, t);
			if (a) {
				json_decref(resp);
				return a == -2
					   ? ship_err_set(err, SHIP_ERR_PROTOCOL,
							  "ECS described a task with an identifier "
							  "longer than ECS documents")
					   : ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
			}
		}
		json_decref(resp);
	}
	return 0;
}

struct arns_pages {
	json_t *arns;
	size_t max;
};

static int arns_page(void *ctx, json_t *resp, struct ship_err *err)
{
	struct arns_pages *a = ctx;
	json_t *arn;
	size_t i;
	(void)err;
	json_array_foreach(json_object_get(resp, "taskArns"), i, arn)
	{
		if (json_array_size(a->arns) < a->max)
			json_array_append(a->arns, arn);
	}
	return json_array_size(a->arns) >= a->max;
}

/* ListTasks for one desired status, appending ARNs to arns (a JSON array) up to max. */
static int list_arns(struct ship_aws *aws, const char *cluster, const char *service,
		     const char *desired, size_t max, json_t *arns, struct ship_err *err)
{
	struct arns_pages a = {arns, max};
	json_t *req = json_pack("{s:s, s:s, s:i}", "cluster", cluster, "desiredStatus", desired,
				"maxResults", 100);
	if (!req)
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	if (service)
		json_object_set_new(req, "serviceName", json_string(service));
	int r = ship_aws_json_pages(aws, SHIP_SVC_ECS, "ListTasks", req, NULL, arns_page, &a, err);
	json_decref(req);
	if (r) {
		if (service)
			return ship_err_prefix(err, "cannot list the tasks of service '%s'",
					       service);
		return ship_err_prefix(err, "cannot list the tasks of cluster '%s'", cluster);
	}
	return 0;
}

int ship_tasks_list(struct ship_aws *aws, const char *cluster, const char *service, unsigned which,
		    size_t max, struct ship_task_list *out, struct ship_err *err)
{
	json_t *arns = json_array();
	const char **ids = NULL;
	int rc = -1;
	size_t keep = max ? max : 100;
	max = SHIP_TASKS_LIST_SCAN; /* ECS lists in no useful order: read them all, then keep */
	if (!arns) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	if ((which & SHIP_TASKS_RUNNING) &&
	    list_arns(aws, cluster, service, "RUNNING", max, arns, err))
		goto cleanup;
	if ((which & SHIP_TASKS_STOPPED) &&
	    list_arns(aws, cluster, service, "STOPPED", json_array_size(arns) + max, arns, err))
		goto cleanup;
	size_t n = json_array_size(arns);
	ids = ship_calloc(n ? n : 1, sizeof(*ids));
	if (!ids) {
		ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++)
		ids[i] = json_string_value(json_array_get(arns, i));
	if (ship_tasks_describe(aws, cluster, ids, n, out, err))
		goto cleanup;
	ship_task_list_sort(out);
	if (out->n > keep)
		out->n = keep;
	rc = 0;
cleanup:
	ship_free(ids);
	json_decref(arns);
	return rc;
}

/* ---- target health ------------------------------------------------------------------------- */

void ship_target_list_release(struct ship_target_list *l)
{
	if (!l)
		return;
	ship_free(l->v);
	l->v = NULL;
	l->n = 0;
}

int ship_target_health(struct ship_aws *aws, const char *target_group_arn,
		       struct ship_target_list *out, struct ship_err *err)
{
	struct ship_params p = {0};
	xmlDoc *doc = NULL;
	if (ship_params_add(&p, "TargetGroupArn", target_group_arn)) {
		ship_params_release(&p);
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	int r = ship_aws_query(aws, SHIP_SVC_ELBV2, "DescribeTargetHealth", &p, &doc, NULL, err);
	ship_params_release(&p);
	if (r)
		return ship_err_prefix(err, "cannot read the target health of '%s'",
				       target_group_arn);
	xmlNode *list = ship_xml_path(ship_xml_root(doc),
				      "DescribeTargetHealthResult/TargetHealthDescriptions");
	size_t n = ship_xml_count_items(list);
	out->v = n ? ship_calloc(n, sizeof(*out->v)) : NULL;
	out->n = 0;
	if (n && !out->v) {
		xmlFreeDoc(doc);
		return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
	}
	for (xmlNode *m = ship_xml_first_item(list); m && out->n < n; m = ship_xml_next_item(m)) {
		struct ship_target_info *ti = &out->v[out->n++];
		char port[32];
		ship_xml_path_copy(m, "Target/Id", ti->id, sizeof(ti->id));
		ship_xml_path_copy(m, "Target/Port", port, sizeof(port));
		ship_parse_long(port, 0, 65535, &ti->port);
		ship_xml_path_copy(m, "TargetHealth/State", ti->state, sizeof(ti->state));
		ship_xml_path_copy(m, "TargetHealth/Reason", ti->reason, sizeof(ti->reason));
		ship_xml_path_copy(m, "TargetHealth/Description", ti->description,
				   sizeof(ti->description));
	}
	xmlFreeDoc(doc);
	return 0;
}
