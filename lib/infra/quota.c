/*
 * quota.c: the VPC quota preflight (runbook 6.1): how many VPCs the region has against the
 * applied quota (Service Quotas vpc/L-F678F1CE, AWS's default of 5 when that cannot be read),
 * and the region's VPCs with their subnets, so "reuse an existing VPC" can name real ids.
 * Depends on the client (aws.h) and xml.h; never prints.
 */
#include <stdlib.h>
#include <string.h>

#include "ecship/infra.h"
#include "ecship/xml.h"

static int oom(struct ship_err *err)
{
	return ship_err_set(err, SHIP_ERR_NOMEM, "out of memory");
}

int ship_vpc_quota_full(long count, double quota)
{
	return (double)count >= quota;
}

static void subnet_free(struct ship_subnet_info *s)
{
	ship_free(s->id);
	ship_free(s->az);
	ship_free(s->cidr);
	ship_free(s->name);
}

void ship_vpc_list_release(struct ship_vpc_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		struct ship_vpc_info *v = &l->v[i];
		ship_free(v->id);
		ship_free(v->cidr);
		ship_free(v->name);
		for (size_t j = 0; j < v->n_subnets; j++)
			subnet_free(&v->subnets[j]);
		ship_free(v->subnets);
	}
	ship_free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The value of tag Name in an EC2 tagSet, or NULL. */
static char *name_tag(const xmlNode *item)
{
	for (xmlNode *t = ship_xml_first_item(ship_xml_child(item, "tagSet")); t;
	     t = ship_xml_next_item(t)) {
		char key[64];
		ship_xml_path_copy(t, "key", key, sizeof(key));
		if (!strcmp(key, "Name"))
			return ship_xml_path_text(t, "value");
	}
	return NULL;
}

/* Calls an EC2 Describe* action, every page (ship_aws_query_pages); each page goes to fn. */
static int ec2_pages(struct ship_aws *aws, const char *action, ship_xml_page_fn fn, void *ctx,
		     struct ship_err *err)
{
	return ship_aws_query_pages(aws, SHIP_SVC_EC2, action, NULL, "NextToken", "nextToken", fn,
				    ctx, err);
}

static int vpcs_page(void *ctx, const xmlNode *root, struct ship_err *err)
{
	struct ship_vpc_list *l = ctx;
	xmlNode *set = ship_xml_child(root, "vpcSet");
	for (xmlNode *it = ship_xml_first_item(set); it; it = ship_xml_next_item(it)) {
		struct ship_vpc_info *nv = ship_realloc(l->v, (l->n + 1) * sizeof(*nv));
		if (!nv)
			return oom(err);
		l->v = nv;
		struct ship_vpc_info *v = &l->v[l->n++];
		char isdef[8];
		memset(v, 0, sizeof(*v));
		v->id = ship_xml_path_text(it, "vpcId");
		v->cidr = ship_xml_path_text(it, "cidrBlock");
		v->name = name_tag(it);
		ship_xml_path_copy(it, "isDefault", isdef, sizeof(isdef));
		v->is_default = !strcmp(isdef, "true");
		if (!v->id)
			return oom(err);
	}
	return 0;
}

static struct ship_vpc_info *find_vpc(struct ship_vpc_list *l, const char *id)
{
	for (size_t i = 0; id && i < l->n; i++)
		if (!strcmp(l->v[i].id, id))
			return &l->v[i];
	return NULL;
}

static int subnets_page(void *ctx, const xmlNode *root, struct ship_err *err)
{
	struct ship_vpc_list *l = ctx;
	xmlNode *set = ship_xml_child(root, "subnetSet");
	for (xmlNode *it = ship_xml_first_item(set); it; it = ship_xml_next_item(it)) {
		char vpc_id[64];
		ship_xml_path_copy(it, "vpcId", vpc_id, sizeof(vpc_id));
		struct ship_vpc_info *v = find_vpc(l, vpc_id);
		if (!v)
			continue;
		struct ship_subnet_info *nv =
		    ship_realloc(v->subnets, (v->n_subnets + 1) * sizeof(*nv));
		if (!nv)
			return oom(err);
		v->subnets = nv;
		struct ship_subnet_info *s = &v->subnets[v->n_subnets++];
		memset(s, 0, sizeof(*s));
		s->id = ship_xml_path_text(it, "subnetId");
		s->az = ship_xml_path_text(it, "availabilityZone");
		s->cidr = ship_xml_path_text(it, "cidrBlock");
		s->name = name_tag(it);
		if (!s->id || !s->az)
			return oom(err);
	}
	return 0;
}

/*
 * Marks each subnet by the route table that serves it: its explicit association (2 when that
 * table routes 0.0.0.0/0 to an internet gateway, 4 when not), else the VPC's main table (3 or
 * 5). Explicit marks overwrite, main-table marks fill only unmarked subnets, so the order of
 * the tables does not matter. ship_vpc_list turns 2 and 3 into public.
 */
static int routes_page(void *ctx, const xmlNode *root, struct ship_err *err)
{
	struct ship_vpc_list *l = ctx;
	(void)err;
	xmlNode *set = ship_xml_child(root, "routeTableSet");
	for (xmlNode *it = ship_xml_first_item(set); it; it = ship_xml_next_item(it)) {
		char vpc_id[64];
		int to_igw = 0, main = 0;
		ship_xml_path_copy(it, "vpcId", vpc_id, sizeof(vpc_id));
		struct ship_vpc_info *v = find_vpc(l, vpc_id);
		if (!v)
			continue;
		for (xmlNode *r = ship_xml_first_item(ship_xml_child(it, "routeSet")); r;
		     r = ship_xml_next_item(r)) {
			char dest[64], gw[64];
			ship_xml_path_copy(r, "destinationCidrBlock", dest, sizeof(dest));
			ship_xml_path_copy(r, "gatewayId", gw, sizeof(gw));
			if (!strcmp(dest, "0.0.0.0/0") && !strncmp(gw, "igw-", 4))
				to_igw = 1;
		}
		for (xmlNode *a = ship_xml_first_item(ship_xml_child(it, "associationSet")); a;
		     a = ship_xml_next_item(a)) {
			char sub[64], m[8];
			ship_xml_path_copy(a, "subnetId", sub, sizeof(sub));
			ship_xml_path_copy(a, "main", m, sizeof(m));
			if (!strcmp(m, "true"))
				main = 1;
			for (size_t j = 0; *sub && j < v->n_subnets; j++)
				if (!strcmp(v->subnets[j].id, sub))
					v->subnets[j].is_public = to_igw ? 2 : 4;
		}
		if (main)
			for (size_t j = 0; j < v->n_subnets; j++)
				if (v->subnets[j].is_public == 0)
					v->subnets[j].is_public = to_igw ? 3 : 5;
	}
	return 0;
}

static int subnet_cmp(const void *a, const void *b)
{
	const struct ship_subnet_info *x = a, *y = b;
	int c = strcmp(x->az, y->az);
	return c ? c : strcmp(x->id, y->id);
}

static int vpc_cmp(const void *a, const void *b)
{
	const struct ship_vpc_info *x = a, *y = b;
	return strcmp(x->id, y->id);
}

int ship_vpc_list(struct ship_aws *aws, struct ship_vpc_list *out, struct ship_err *err)
{
	memset(out, 0, sizeof(*out));
	if (ec2_pages(aws, "DescribeVpcs", vpcs_page, out, err) ||
	    ec2_pages(aws, "DescribeSubnets", subnets_page, out, err) ||
	    ec2_pages(aws, "DescribeRouteTables", routes_page, out, err)) {
		ship_vpc_list_release(out);
		return -1;
	}
	for (size_t i = 0; i < out->n; i++) {
		struct ship_vpc_info *v = &out->v[i];
		for (size_t j = 0; j < v->n_subnets; j++) {
			int mark = v->subnets[j].is_public;
			v->subnets[j].is_public = mark == 2 || mark == 3;
		}
		if (v->n_subnets > 1)
			qsort(v->subnets, v->n_subnets, sizeof(*v->subnets), subnet_cmp);
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), vpc_cmp);
	return 0;
}

int ship_vpc_quota_get(struct ship_aws *aws, struct ship_vpc_quota *q, struct ship_err *err)
{
	struct ship_vpc_list l;
	struct ship_err qerr = SHIP_ERR_INIT;
	json_t *resp = NULL;

	memset(q, 0, sizeof(*q));
	memset(&l, 0, sizeof(l));
	if (ec2_pages(aws, "DescribeVpcs", vpcs_page, &l, err)) {
		ship_vpc_list_release(&l);
		return ship_err_prefix(err, "cannot count the VPCs (EC2 DescribeVpcs)");
	}
	q->count = (long)l.n;
	ship_vpc_list_release(&l);

	json_t *req =
	    json_pack("{s:s, s:s}", "ServiceCode", "vpc", "QuotaCode", SHIP_VPC_QUOTA_CODE);
	if (!req)
		return oom(err);
	int r =
	    ship_aws_json(aws, SHIP_SVC_SERVICE_QUOTAS, "GetServiceQuota", req, &resp, NULL, &qerr);
	json_decref(req);
	json_t *value = r ? NULL : json_object_get(json_object_get(resp, "Quota"), "Value");
	if (value && json_is_number(value) && json_number_value(value) >= 1) {
		q->quota = json_number_value(value);
		q->from_api = 1;
	} else {
		q->quota = SHIP_VPC_QUOTA_DEFAULT;
		if (r)
			snprintf(q->why_default, sizeof(q->why_default), "%s%s%.400s",
				 qerr.aws_code[0] ? qerr.aws_code : ship_errcode_name(qerr.code),
				 qerr.message[0] ? ": " : "", qerr.message);
		else
			snprintf(q->why_default, sizeof(q->why_default),
				 "the answer has no Quota.Value");
	}
	json_decref(resp);
	return 0;
}

/* Picks two subnets from cand (sorted by AZ, then id) in different AZs; 0 or -1. */
static int pick_two(const struct ship_subnet_info *const *cand, size_t n, const char *out[2])
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(cand[i]->az, cand[j]->az)) {
				out[0] = cand[i]->id;
				out[1] = cand[j]->id;
				return 0;
			}
	return -1;
}

int ship_vpc_pick_subnets(const struct ship_vpc_info *vpc, const char *ids[4])
{
	const struct ship_subnet_info **pub = NULL, **priv = NULL, **all = NULL;
	size_t np = 0, nq = 0, n = vpc->n_subnets;
	int rc = -1;

	for (size_t i = 0; i < 4; i++)
		ids[i] = NULL;
	if (n < 2)
		return -1;
	pub = ship_calloc(n, sizeof(*pub));
	priv = ship_calloc(n, sizeof(*priv));
	all = ship_calloc(n, sizeof(*all));
	if (!pub || !priv || !all)
		goto cleanup;
	/* the caller's order is kept when it is already sorted (ship_vpc_list sorts) */
	for (size_t i = 0; i < n; i++) {
		const struct ship_subnet_info *s = &vpc->subnets[i];
		all[i] = s;
		if (s->is_public)
			pub[np++] = s;
		else
			priv[nq++] = s;
	}
	if (pick_two(all, n, ids) < 0)
		goto cleanup; /* one AZ only */
	if (pick_two(pub, np, ids) < 0)
		pick_two(all, n, ids);
	if (pick_two(priv, nq, ids + 2) < 0)
		pick_two(all, n, ids + 2);
	rc = 0;
cleanup:
	ship_free(pub);
	ship_free(priv);
	ship_free(all);
	return rc;
}
