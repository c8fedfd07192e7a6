/*
 * stack_guard.c: CloudFormation's refusal to delete a cluster that still has services, across the
 * seam to the upstream. The base stack lives in moto, whose CloudFormation deletes its cluster
 * whatever runs here; CloudFormation deletes the cluster through ECS, whose DeleteCluster refuses
 * while services are ACTIVE or DRAINING (ClusterContainsServicesException, API_DeleteCluster), so
 * the stack ends DELETE_FAILED with the cluster's reason. Depends on sim.h (upstream.c, state).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim.h"

#define MAX_FAILED 8

/* The stacks whose deletion failed here (under s->lock), newest overwriting the oldest. */
static struct failed_delete {
	char stack[256], stack_id[512], logical[128], physical[256];
	char rid[40]; /* the failing DeleteCluster's request id, as the cluster's event quotes it */
	double at;
} s_failed[MAX_FAILED];

static struct failed_delete *find_failed(const char *stack)
{
	for (int i = 0; i < MAX_FAILED; i++)
		if (s_failed[i].stack[0] &&
		    (strcmp(s_failed[i].stack, stack) == 0 || strcmp(s_failed[i].stack_id, stack) == 0))
			return &s_failed[i];
	return NULL;
}

static void iso8601(double at, char *out, size_t n)
{
	time_t t = (time_t)at;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

static void form_escape(const char *in, struct ship_buf *out)
{
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-_.~", *p))
			ship_buf_add(out, (const char *)p, 1);
		else
			ship_buf_addf(out, "%%%02X", *p);
	}
}

/* The stack's id and its AWS::ECS::Cluster resources upstream; 0 when found. */
static int stack_clusters(struct sim *s, const struct sim_request *rq, const char *stack, struct failed_delete *f,
			  char clusters[][256], int *n)
{
	struct ship_buf form = SHIP_BUF_INIT(4096);
	int status = 0;
	*n = 0;
	ship_buf_adds(&form, "Action=DescribeStackResources&Version=2010-05-15&StackName=");
	form_escape(stack, &form);
	xmlDoc *doc = form.failed ? NULL : sim_upstream_query(s, rq, "cloudformation", form.data, &status);
	ship_buf_release(&form);
	if (!doc || status != 200) {
		if (doc)
			xmlFreeDoc(doc);
		return -1;
	}
	xmlNode *list = ship_xml_doc_path(doc, "DescribeStackResourcesResponse/DescribeStackResourcesResult/StackResources");
	for (xmlNode *m = ship_xml_first_item(list); m && *n < 4; m = ship_xml_next_item(m)) {
		char type[128];
		ship_xml_path_copy(m, "ResourceType", type, sizeof(type));
		if (strcmp(type, "AWS::ECS::Cluster") != 0)
			continue;
		ship_xml_path_copy(m, "PhysicalResourceId", clusters[*n], 256);
		ship_xml_path_copy(m, "LogicalResourceId", f->logical, sizeof(f->logical));
		ship_xml_path_copy(m, "StackId", f->stack_id, sizeof(f->stack_id));
		(*n)++;
	}
	xmlFreeDoc(doc);
	return 0;
}

static void answer_delete(struct sim_response *r)
{
	r->status = 200;
	snprintf(r->content_type, sizeof(r->content_type), "text/xml");
	ship_buf_reset(&r->body);
	ship_buf_addf(&r->body,
		      "<DeleteStackResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">"
		      "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></DeleteStackResponse>",
		      r->request_id);
}

/* A DeleteStack: fails (recorded, answered 200 as CloudFormation does) when a cluster of the stack
 * has services here; else forwarded, and an earlier failure forgotten. */
static int guard_delete(struct sim *s, struct sim_request *rq, struct sim_response *r, const char *stack)
{
	struct failed_delete f;
	char clusters[4][256];
	int n = 0, busy = 0;
	memset(&f, 0, sizeof(f));
	if (stack_clusters(s, rq, stack, &f, clusters, &n) != 0)
		return 0;
	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < n && !busy; i++) {
		struct sim_cluster *c = sim_cluster_find(s, clusters[i]);
		for (struct sim_service *v = s->services; c && v && !busy; v = v->next)
			if (v->cluster == c && v->status != SIM_SVC_INACTIVE) {
				busy = 1;
				snprintf(f.physical, sizeof(f.physical), "%.255s", clusters[i]);
			}
	}
	struct failed_delete *old = find_failed(stack);
	if (busy) {
		int slot = 0; /* the same stack's, else an empty slot, else the oldest */
		for (int i = 0; i < MAX_FAILED; i++) {
			if (!s_failed[i].stack[0]) {
				slot = i;
				break;
			}
			if (s_failed[i].at < s_failed[slot].at)
				slot = i;
		}
		if (old)
			slot = (int)(old - s_failed);
		snprintf(f.stack, sizeof(f.stack), "%s", stack);
		snprintf(f.rid, sizeof(f.rid), "%s", r->request_id);
		f.at = sim_clock_now(s);
		s_failed[slot] = f;
	} else if (old) {
		memset(old, 0, sizeof(*old));
	}
	pthread_mutex_unlock(&s->lock);
	if (busy)
		answer_delete(r);
	return busy;
}

static xmlNode *add_text(xmlNode *parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, parent->ns, BAD_CAST name, BAD_CAST text);
}

/* One StackEvents member, inserted before `before` (NULL: appended). */
static void add_event(xmlNode *list, xmlNode *before, const struct failed_delete *f, double at, int n, const char *logical,
		      const char *physical, const char *type, const char *status, const char *reason)
{
	char ts[40], id[96];
	iso8601(at, ts, sizeof(ts));
	snprintf(id, sizeof(id), "ecship-sim-delete-%lld-%d", (long long)f->at, n);
	xmlNode *m = xmlNewNode(list->ns, BAD_CAST "member");
	if (!m)
		return;
	if (before)
		xmlAddPrevSibling(before, m);
	else
		xmlAddChild(list, m);
	add_text(m, "StackId", f->stack_id);
	add_text(m, "EventId", id);
	add_text(m, "StackName", f->stack);
	add_text(m, "LogicalResourceId", logical);
	add_text(m, "PhysicalResourceId", physical);
	add_text(m, "ResourceType", type);
	add_text(m, "Timestamp", ts);
	add_text(m, "ResourceStatus", status);
	if (reason)
		add_text(m, "ResourceStatusReason", reason);
}

/* The forwarded DescribeStacks or DescribeStackEvents answer, rewritten to show the failure. */
static void rewrite(struct sim_response *r, const char *action, const struct failed_delete *f)
{
	struct ship_err err = SHIP_ERR_INIT;
	xmlDoc *doc = r->status == 200 ? ship_xml_parse((struct ship_str){r->body.data, r->body.len}, &err) : NULL;
	if (!doc)
		return;
	char reason[700];
	snprintf(reason, sizeof(reason),
		 "Resource handler returned message: \"The Cluster cannot be deleted while Services are active. "
		 "(Service: Ecs, Status Code: 400, Request ID: %s)\" (HandlerErrorCode: GeneralServiceException)",
		 f->rid);
	if (strcmp(action, "DescribeStacks") == 0) {
		xmlNode *st = ship_xml_first_item(
		    ship_xml_doc_path(doc, "DescribeStacksResponse/DescribeStacksResult/Stacks"));
		xmlNode *status = ship_xml_child(st, "StackStatus"), *why = ship_xml_child(st, "StackStatusReason");
		char text[300];
		snprintf(text, sizeof(text), "The following resource(s) failed to delete: [%s]. ", f->logical);
		if (status)
			xmlNodeSetContent(status, BAD_CAST "DELETE_FAILED");
		if (why)
			xmlNodeSetContent(why, BAD_CAST text);
		else if (status)
			add_text(st, "StackStatusReason", text);
	} else {
		xmlNode *list =
		    ship_xml_doc_path(doc, "DescribeStackEventsResponse/DescribeStackEventsResult/StackEvents");
		xmlNode *first = ship_xml_first_item(list);
		if (list) {
			char text[300];
			snprintf(text, sizeof(text), "The following resource(s) failed to delete: [%s]. ", f->logical);
			/* newest first: the stack's DELETE_FAILED, the cluster's, the stack's start */
			add_event(list, first, f, f->at + 2, 3, f->stack, f->stack_id, "AWS::CloudFormation::Stack",
				  "DELETE_FAILED", text);
			add_event(list, first, f, f->at + 1, 2, f->logical, f->physical, "AWS::ECS::Cluster", "DELETE_FAILED",
				  reason);
			add_event(list, first, f, f->at, 1, f->stack, f->stack_id, "AWS::CloudFormation::Stack",
				  "DELETE_IN_PROGRESS", "User Initiated");
		}
	}
	xmlChar *out = NULL;
	int len = 0;
	xmlDocDumpMemory(doc, &out, &len);
	if (out && len > 0) {
		ship_buf_reset(&r->body);
		ship_buf_add(&r->body, (const char *)out, (size_t)len);
	}
	xmlFree(out);
	xmlFreeDoc(doc);
}

void sim_cfn_guard_reset(void)
{
	memset(s_failed, 0, sizeof(s_failed));
}

int sim_cfn_guard(struct sim *s, struct sim_request *rq, struct sim_response *r)
{
	if (!s->upstream || strcmp(rq->svc, "query") != 0 || !rq->body)
		return 0;
	int is_delete = strcmp(rq->action, "DeleteStack") == 0;
	if (!is_delete && strcmp(rq->action, "DescribeStacks") != 0 && strcmp(rq->action, "DescribeStackEvents") != 0)
		return 0;
	char *version = sim_form_get(rq->body, rq->len, "Version");
	char *stack = sim_form_get(rq->body, rq->len, "StackName");
	int rc = 0;
	if (!version || strcmp(version, "2010-05-15") != 0 || !stack)
		goto cleanup;
	if (is_delete) {
		rc = guard_delete(s, rq, r, stack);
		goto cleanup;
	}
	pthread_mutex_lock(&s->lock);
	struct failed_delete *found = find_failed(stack), f;
	if (found)
		f = *found;
	pthread_mutex_unlock(&s->lock);
	if (!found)
		goto cleanup;
	sim_upstream_forward(s->upstream, rq, r);
	rewrite(r, rq->action, &f);
	rc = 1;
cleanup:
	ship_free(version);
	ship_free(stack);
	return rc;
}
