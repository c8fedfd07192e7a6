/*
 * doctor_net.c: the doctor's network checks (runbook 6.4): the tasks' security group admits
 * the container port from the load balancer's, the target group fits the container, private
 * subnets have a way out for image pulls (NAT gateway or VPC endpoints), and ALLOWED_HOSTS
 * admits the ALB's DNS name, the rule's domains and the health check's Host (the task's IP).
 * Read-only EC2 / ELBv2 calls; never prints.
 */
#include <stdio.h>
#include <string.h>

#include "troubleshoot/doctor_int.h"
#include "ecship/django.h"
#include "ecship/tasks.h"
#include "ecship/xml.h"

static xmlDoc *query(struct doctor *d, enum ship_service svc, const char *action,
		     struct ship_params *p, struct ship_err *err)
{
	xmlDoc *doc = NULL;
	int r = ship_aws_query(d->aws, svc, action, p, &doc, NULL, err);
	ship_params_release(p);
	return r ? NULL : doc;
}

void doc_load_network(struct doctor *d)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_params p = {0};
	xmlDoc *doc;
	if (d->tg_arn[0]) {
		ship_params_add(&p, "TargetGroupArns.member.1", d->tg_arn);
		if ((doc = query(d, SHIP_SVC_ELBV2, "DescribeTargetGroups", &p, &err))) {
			xmlNode *m = ship_xml_first_item(ship_xml_path(
			    ship_xml_root(doc), "DescribeTargetGroupsResult/TargetGroups"));
			char port[16];
			if (m) {
				d->tg_found = 1;
				ship_xml_path_copy(m, "Port", port, sizeof(port));
				ship_parse_long(port, 0, 65535, &d->tg_port);
				ship_xml_path_copy(m, "Protocol", d->tg_protocol,
						   sizeof(d->tg_protocol));
				ship_xml_path_copy(m, "TargetType", d->tg_type, sizeof(d->tg_type));
				ship_xml_path_copy(m, "HealthCheckPath", d->tg_hc_path,
						   sizeof(d->tg_hc_path));
				ship_xml_path_copy(m, "HealthCheckPort", d->tg_hc_port,
						   sizeof(d->tg_hc_port));
				ship_xml_path_copy(m, "VpcId", d->tg_vpc, sizeof(d->tg_vpc));
				ship_xml_path_copy(
				    ship_xml_first_item(ship_xml_child(m, "LoadBalancerArns")), "",
				    d->tg_lb, sizeof(d->tg_lb));
			}
			xmlFreeDoc(doc);
		}
	}
	if (!d->tg_lb[0] && doc_output(d, "LoadBalancerArn"))
		snprintf(d->tg_lb, sizeof(d->tg_lb), "%s", doc_output(d, "LoadBalancerArn"));
	if (d->tg_lb[0]) {
		ship_params_add(&p, "LoadBalancerArns.member.1", d->tg_lb);
		if ((doc = query(d, SHIP_SVC_ELBV2, "DescribeLoadBalancers", &p, &err))) {
			xmlNode *m = ship_xml_first_item(ship_xml_path(
			    ship_xml_root(doc), "DescribeLoadBalancersResult/LoadBalancers"));
			ship_xml_path_copy(m, "DNSName", d->lb_dns, sizeof(d->lb_dns));
			for (xmlNode *g = ship_xml_first_item(ship_xml_child(m, "SecurityGroups"));
			     g && d->n_lb_sgs < DOC_MAX_IDS; g = ship_xml_next_item(g))
				ship_xml_path_copy(g, "", d->lb_sgs[d->n_lb_sgs++], 64);
			xmlFreeDoc(doc);
		}
	}
	if (!d->lb_dns[0] && doc_output(d, "LoadBalancerDnsName"))
		snprintf(d->lb_dns, sizeof(d->lb_dns), "%s", doc_output(d, "LoadBalancerDnsName"));
	if (!d->n_lb_sgs && doc_output(d, "LoadBalancerSecurityGroup"))
		snprintf(d->lb_sgs[d->n_lb_sgs++], 64, "%s",
			 doc_output(d, "LoadBalancerSecurityGroup"));

	/* running tasks: their IPs are the health checks' Host headers */
	struct ship_task_list tl = {0};
	if (d->service && !ship_tasks_list(d->aws, d->in->cluster, d->in->service,
					   SHIP_TASKS_RUNNING, 8, &tl, &err)) {
		for (size_t i = 0; i < tl.n && d->n_ips < 8; i++)
			if (tl.v[i].private_ip[0])
				snprintf(d->ips[d->n_ips++], 64, "%s", tl.v[i].private_ip);
	}
	ship_task_list_release(&tl);
	struct ship_target_list th = {0};
	if (d->tg_found && !ship_target_health(d->aws, d->tg_arn, &th, &err)) {
		for (size_t i = 0; i < th.n; i++) {
			if (!strcmp(th.v[i].state, "healthy"))
				d->healthy_targets++;
			else if (!strcmp(th.v[i].state, "unhealthy"))
				d->unhealthy_targets++;
		}
	}
	ship_target_list_release(&th);
}

/* ---- security group -------------------------------------------------------------------------- */

static int has_id(char ids[][64], size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ids[i], id))
			return 1;
	return 0;
}

void doc_check_security_group(struct doctor *d)
{
	struct ship_check *c = doc_add(
	    d, "security-group", _("security group admits the container port from the ALB (6.4.1)"));
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_params p = {0};
	if (!d->port || !d->n_lb_sgs || !d->n_sgs) {
		doc_set(
		    c, SHIP_VERDICT_SKIP, "%s",
		    !d->port ? "the container has no port"
		    : !d->n_sgs
			? "the service names no security group (awsvpcConfiguration.securityGroups)"
			: "no load balancer security group found (target group or stack outputs)");
		if (d->port && !d->n_sgs) {
			c->verdict = SHIP_VERDICT_WARN;
			doc_fix(c,
				_("name the base stack's ${cfn:ServiceSecurityGroup} in the service "
				"definition; without one the VPC's default group applies"));
		}
		doc_done(d, c);
		return;
	}
	for (size_t i = 0; i < d->n_sgs; i++)
		ship_params_addf(&p, d->sgs[i], "GroupId.%zu", i + 1);
	xmlDoc *doc = query(d, SHIP_SVC_EC2, "DescribeSecurityGroups", &p, &err);
	if (!doc) {
		doc_error(c, _("cannot describe the security groups"), &err);
		doc_done(d, c);
		return;
	}
	int admitted = 0, open_world = 0;
	xmlNode *list = ship_xml_path(ship_xml_root(doc), "securityGroupInfo");
	for (xmlNode *g = ship_xml_first_item(list); g && !admitted; g = ship_xml_next_item(g)) {
		for (xmlNode *perm = ship_xml_first_item(ship_xml_child(g, "ipPermissions")); perm;
		     perm = ship_xml_next_item(perm)) {
			char proto[16], from[16], to[16];
			long lo = 0, hi = 65535;
			ship_xml_path_copy(perm, "ipProtocol", proto, sizeof(proto));
			ship_xml_path_copy(perm, "fromPort", from, sizeof(from));
			ship_xml_path_copy(perm, "toPort", to, sizeof(to));
			int all = !strcmp(proto, "-1") || !strcmp(proto, "all");
			if (!all && strcmp(proto, "tcp") && strcmp(proto, "6"))
				continue;
			if (!all && (ship_parse_long(from, -1, 65535, &lo) ||
				     ship_parse_long(to, -1, 65535, &hi)))
				continue;
			if (!all && (d->port < lo || d->port > hi))
				continue;
			for (xmlNode *u = ship_xml_first_item(ship_xml_child(perm, "groups")); u;
			     u = ship_xml_next_item(u)) {
				char gid[64];
				ship_xml_path_copy(u, "groupId", gid, sizeof(gid));
				if (has_id(d->lb_sgs, d->n_lb_sgs, gid))
					admitted = 1;
			}
			for (xmlNode *r = ship_xml_first_item(ship_xml_child(perm, "ipRanges")); r;
			     r = ship_xml_next_item(r)) {
				char cidr[64];
				ship_xml_path_copy(r, "cidrIp", cidr, sizeof(cidr));
				if (!strcmp(cidr, "0.0.0.0/0"))
					open_world = 1;
			}
		}
	}
	xmlFreeDoc(doc);
	char sgl[256] = "";
	for (size_t i = 0, n = 0; i < d->n_sgs; i++)
		n += (size_t)snprintf(sgl + n, n < sizeof(sgl) ? sizeof(sgl) - n : 0, "%s%s",
				      i ? ", " : "", d->sgs[i]);
	if (admitted) {
		doc_set(c, SHIP_VERDICT_OK, _("%s admits tcp %ld from the load balancer's %s"), sgl,
			d->port, d->lb_sgs[0]);
	} else if (open_world) {
		doc_set(c, SHIP_VERDICT_WARN,
			_("%s admits tcp %ld from 0.0.0.0/0, not only from the "
			"load balancer"),
			sgl, d->port);
		doc_fix(c, _("admit the port from the load balancer's security group %s only"),
			d->lb_sgs[0]);
	} else {
		doc_set(c, SHIP_VERDICT_FAIL,
			_("%s does not admit tcp %ld from the load balancer's "
			"security group %s: health checks time out and the "
			"tasks are stopped as unhealthy"),
			sgl, d->port, d->lb_sgs[0]);
		doc_fix(c,
			_("aws ec2 authorize-security-group-ingress --group-id %s --protocol tcp "
			"--port %ld --source-group %s (the base stack's ServiceSecurityGroup has "
			"this rule)"),
			d->sgs[0], d->port, d->lb_sgs[0]);
	}
	doc_done(d, c);
}

/* ---- target group ---------------------------------------------------------------------------- */

void doc_check_target_group(struct doctor *d)
{
	struct ship_check *c = doc_add(d, "target-group", _("target group fits the container"));
	if (!d->tg_arn[0]) {
		doc_set(c, SHIP_VERDICT_SKIP, _("the service has no load balancer"));
		doc_done(d, c);
		return;
	}
	if (!d->tg_found) {
		doc_set(c, SHIP_VERDICT_FAIL, _("target group %s does not exist"), d->tg_arn);
		doc_fix(c, _("use the base stack's target group: \"targetGroupArn\": "
			   "\"${cfn:TargetGroupArn}\""));
		doc_done(d, c);
		return;
	}
	const char *nm = json_string_value(json_object_get(d->in->taskdef, "networkMode"));
	doc_set(c, SHIP_VERDICT_OK, _("%s: %s port %ld, target type %s, health check %s on %s"),
		ship_arn_tail(d->tg_arn), d->tg_protocol, d->tg_port, d->tg_type,
		d->tg_hc_path[0] ? d->tg_hc_path : "/",
		d->tg_hc_port[0] ? d->tg_hc_port : "traffic-port");
	if (nm && !strcmp(nm, "awsvpc") && strcmp(d->tg_type, "ip")) {
		c->verdict = SHIP_VERDICT_FAIL;
		doc_more(c, _("awsvpc tasks register by IP, but the target type is %s"), d->tg_type);
		doc_fix(c, _("create the target group with --target-type ip (the base stack's is)"));
	}
	long hcp = 0;
	if (d->tg_hc_port[0] && strcmp(d->tg_hc_port, "traffic-port") &&
	    !ship_parse_long(d->tg_hc_port, 1, 65535, &hcp) && d->port && hcp != d->port) {
		c->verdict = SHIP_VERDICT_FAIL;
		doc_more(c, _("health checks go to port %ld, the container listens on %ld"), hcp,
			 d->port);
		doc_fix(c, _("set the health check port to traffic-port"));
	}
	if (d->port && d->tg_port != d->port && c->verdict == SHIP_VERDICT_OK) {
		c->verdict = SHIP_VERDICT_WARN;
		doc_more(c,
			 _("the target group's port %ld differs from the container port %ld (ECS "
			 "registers %ld; only defaults differ)"),
			 d->tg_port, d->port, d->port);
		doc_fix(c, _("make them equal to avoid confusion"));
	}
	if (strcmp(d->tg_protocol, "HTTP") && strcmp(d->tg_protocol, "HTTPS") &&
	    d->tg_protocol[0]) {
		c->verdict = SHIP_VERDICT_FAIL;
		doc_more(c, _("an application load balancer forwards HTTP(S), not %s"),
			 d->tg_protocol);
		doc_fix(c, _("use an HTTP target group"));
	}
	if (d->unhealthy_targets) {
		if (c->verdict == SHIP_VERDICT_OK)
			c->verdict = SHIP_VERDICT_WARN;
		doc_more(c, _("%ld unhealthy and %ld healthy targets now ('ecship tasks' shows why)"),
			 d->unhealthy_targets, d->healthy_targets);
	} else if (d->healthy_targets) {
		doc_more(c, _("%ld healthy targets"), d->healthy_targets);
	}
	doc_done(d, c);
}

/* ---- routes out of the private subnets --------------------------------------------------------
 */

struct route_info {
	char table[64];
	char nat[64], igw[64], other[64];
	int found;
};

static void read_routes(xmlNode *rt, struct route_info *ri)
{
	ship_xml_path_copy(rt, "routeTableId", ri->table, sizeof(ri->table));
	ri->found = 1;
	for (xmlNode *r = ship_xml_first_item(ship_xml_child(rt, "routeSet")); r;
	     r = ship_xml_next_item(r)) {
		char dst[64], state[32], v[64];
		ship_xml_path_copy(r, "destinationCidrBlock", dst, sizeof(dst));
		ship_xml_path_copy(r, "state", state, sizeof(state));
		if (strcmp(dst, "0.0.0.0/0") || (state[0] && strcmp(state, "active")))
			continue;
		if (*ship_xml_path_copy(r, "natGatewayId", v, sizeof(v)))
			snprintf(ri->nat, sizeof(ri->nat), "%s", v);
		else if (*ship_xml_path_copy(r, "gatewayId", v, sizeof(v)) &&
			 !strncmp(v, "igw-", 4))
			snprintf(ri->igw, sizeof(ri->igw), "%s", v);
		else if (*ship_xml_path_copy(r, "transitGatewayId", v, sizeof(v)) ||
			 *ship_xml_path_copy(r, "instanceId", v, sizeof(v)) ||
			 *ship_xml_path_copy(r, "networkInterfaceId", v, sizeof(v)) ||
			 *ship_xml_path_copy(r, "gatewayId", v, sizeof(v)))
			snprintf(ri->other, sizeof(ri->other), "%s", v);
	}
}

/* The route table of a subnet: its own association, else the VPC's main table. */
static int subnet_routes(struct doctor *d, const char *subnet, const char *vpc,
			 struct route_info *ri, struct ship_err *err)
{
	struct ship_params p = {0};
	memset(ri, 0, sizeof(*ri));
	ship_params_add(&p, "Filter.1.Name", "association.subnet-id");
	ship_params_add(&p, "Filter.1.Value.1", subnet);
	xmlDoc *doc = query(d, SHIP_SVC_EC2, "DescribeRouteTables", &p, err);
	if (!doc)
		return -1;
	xmlNode *rt = ship_xml_first_item(ship_xml_path(ship_xml_root(doc), "routeTableSet"));
	if (rt)
		read_routes(rt, ri);
	xmlFreeDoc(doc);
	if (ri->found || !vpc[0])
		return 0;
	ship_params_add(&p, "Filter.1.Name", "vpc-id");
	ship_params_add(&p, "Filter.1.Value.1", vpc);
	ship_params_add(&p, "Filter.2.Name", "association.main");
	ship_params_add(&p, "Filter.2.Value.1", "true");
	if (!(doc = query(d, SHIP_SVC_EC2, "DescribeRouteTables", &p, err)))
		return -1;
	rt = ship_xml_first_item(ship_xml_path(ship_xml_root(doc), "routeTableSet"));
	if (rt)
		read_routes(rt, ri);
	xmlFreeDoc(doc);
	return 0;
}

/* Which of the endpoints image pulls need exist in the VPC; names the missing ones. */
static int endpoints_missing(struct doctor *d, const char *vpc, char *missing, size_t n,
			     struct ship_err *err)
{
	static const char *const need[] = {"ecr.api", "ecr.dkr", "s3", "logs"};
	int have[4] = {0, 0, 0, 0}, count = 0;
	struct ship_params p = {0};
	ship_params_add(&p, "Filter.1.Name", "vpc-id");
	ship_params_add(&p, "Filter.1.Value.1", vpc);
	xmlDoc *doc = query(d, SHIP_SVC_EC2, "DescribeVpcEndpoints", &p, err);
	if (!doc)
		return -1;
	for (xmlNode *e = ship_xml_first_item(ship_xml_path(ship_xml_root(doc), "vpcEndpointSet"));
	     e; e = ship_xml_next_item(e)) {
		char name[160];
		ship_xml_path_copy(e, "serviceName", name, sizeof(name));
		const char *dot = name;
		/* com.amazonaws.REGION.SERVICE */
		for (int k = 0; k < 3 && dot; k++)
			dot = strchr(dot, '.') ? strchr(dot, '.') + 1 : NULL;
		for (size_t i = 0; dot && i < 4; i++)
			if (!strcmp(dot, need[i]))
				have[i] = 1;
	}
	xmlFreeDoc(doc);
	missing[0] = '\0';
	for (size_t i = 0, m = 0; i < 4; i++) {
		if (have[i])
			continue;
		count++;
		m += (size_t)snprintf(missing + m, m < n ? n - m : 0, "%s%s", m ? ", " : "",
				      need[i]);
	}
	return count;
}

void doc_check_routes(struct doctor *d)
{
	struct ship_check *c =
	    doc_add(d, "subnet-routes", _("subnets have a way out for image pulls"));
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_params p = {0};
	char vpc[64] = "";
	if (!d->n_subnets) {
		doc_set(c, SHIP_VERDICT_SKIP, _("the service names no subnets"));
		doc_done(d, c);
		return;
	}
	ship_params_add(&p, "SubnetId.1", d->subnets[0]);
	xmlDoc *doc = query(d, SHIP_SVC_EC2, "DescribeSubnets", &p, &err);
	if (!doc) {
		doc_error(c, _("cannot describe the subnets"), &err);
		doc_done(d, c);
		return;
	}
	ship_xml_path_copy(ship_xml_first_item(ship_xml_path(ship_xml_root(doc), "subnetSet")),
			   "vpcId", vpc, sizeof(vpc));
	xmlFreeDoc(doc);
	c->verdict = SHIP_VERDICT_OK;
	for (size_t i = 0; i < d->n_subnets; i++) {
		struct route_info ri;
		char missing[128];
		if (subnet_routes(d, d->subnets[i], vpc, &ri, &err)) {
			doc_error(c, _("cannot read the route tables"), &err);
			break;
		}
		if (ri.nat[0]) {
			doc_more(c, _("%s: 0.0.0.0/0 via NAT gateway %s (%s)"), d->subnets[i], ri.nat,
				 ri.table);
		} else if (ri.igw[0] && d->public_ip) {
			doc_more(c, _("%s: 0.0.0.0/0 via internet gateway %s, tasks get public IPs"),
				 d->subnets[i], ri.igw);
		} else if (ri.igw[0]) {
			c->verdict = SHIP_VERDICT_FAIL;
			doc_more(c,
				 _("%s: public subnet (0.0.0.0/0 via %s) but assignPublicIp is "
				 "DISABLED, so tasks cannot reach ECR"),
				 d->subnets[i], ri.igw);
			doc_fix(c, _("run tasks in the private subnets (${cfn:PrivateSubnet1}, "
				   "${cfn:PrivateSubnet2}) or set assignPublicIp ENABLED"));
		} else if (ri.other[0]) {
			if (c->verdict == SHIP_VERDICT_OK)
				c->verdict = SHIP_VERDICT_WARN;
			doc_more(c, _("%s: 0.0.0.0/0 via %s (not a NAT gateway; not verified)"),
				 d->subnets[i], ri.other);
		} else {
			int m =
			    vpc[0] ? endpoints_missing(d, vpc, missing, sizeof(missing), &err) : 4;
			if (m < 0) {
				doc_error(c, _("cannot list the VPC endpoints"), &err);
				break;
			}
			if (m == 0) {
				doc_more(c,
					 _("%s: no default route; VPC endpoints for ECR, S3 and Logs "
					 "exist"),
					 d->subnets[i]);
				continue;
			}
			c->verdict = SHIP_VERDICT_FAIL;
			doc_more(c,
				 _("%s: route table %s has no 0.0.0.0/0 route and the VPC has no "
				 "endpoint for %s: image pulls fail with CannotPullContainerError "
				 "(i/o timeout)"),
				 d->subnets[i], ri.table[0] ? ri.table : "(none)",
				 vpc[0] ? missing : "ECR");
			doc_fix(
			    c,
			    _("add a route 0.0.0.0/0 to a NAT gateway in route table %s (aws ec2 "
			    "create-route --route-table-id %s --destination-cidr-block 0.0.0.0/0 "
			    "--nat-gateway-id nat-...), or VPC endpoints for ecr.api, ecr.dkr, s3 "
			    "and logs"),
			    ri.table[0] ? ri.table : "of the subnet",
			    ri.table[0] ? ri.table : "rtb-...");
		}
	}
	doc_done(d, c);
}

/* ---- ALLOWED_HOSTS -----------------------------------------------------------------------------
 */

struct advice_ctx {
	char out[512];
	size_t n;
};

static void advise(void *vctx, const char *pattern)
{
	struct advice_ctx *a = vctx;
	char fix[200];
	if (ship_django_pattern_advice(pattern, fix, sizeof(fix)))
		return;
	a->n += (size_t)snprintf(a->out + a->n, a->n < sizeof(a->out) ? sizeof(a->out) - a->n : 0,
				 "%s'%s' matches nothing in Django: use %s%s%s", a->n ? "; " : "",
				 pattern, fix[0] == '.' ? "'" : "", fix, fix[0] == '.' ? "'" : "");
}

void doc_check_allowed_hosts(struct doctor *d)
{
	struct ship_check *c = doc_add(d, "allowed-hosts",
				       _("ALLOWED_HOSTS admits the ALB, the domains "
				       "and the health check (6.4.3)"));
	const char *ah = doc_env(d->cdef, "ALLOWED_HOSTS");
	const char *debug = doc_env(d->cdef, "DEBUG");
	const char *live = NULL;
	const json_t *lc;
	size_t li;
	json_array_foreach(json_object_get(d->live_td, "containerDefinitions"), li, lc)
	{
		const char *n = json_string_value(json_object_get(lc, "name"));
		if (n && d->container && !strcmp(n, d->container))
			live = doc_env(lc, "ALLOWED_HOSTS");
	}
	char bad[1024] = "", matched[256], host[300];
	size_t nb = 0, checked = 0;
	if (!ah) {
		doc_set(c, SHIP_VERDICT_SKIP,
			_("the container's environment has no ALLOWED_HOSTS (not a "
			"Django app, or set elsewhere)"));
		doc_done(d, c);
		return;
	}
	int dbg = ship_django_debug_on(debug);
	doc_set(c, SHIP_VERDICT_OK, _("ALLOWED_HOSTS=%s"), ah);
	/* 1. the ALB's DNS name, 2. the rule's domains */
	const char *names[17];
	size_t nn = 0;
	if (d->lb_dns[0])
		names[nn++] = d->lb_dns;
	for (size_t i = 0; i < d->in->n_host_headers && nn < 17; i++)
		names[nn++] = d->in->host_headers[i];
	for (size_t i = 0; i < nn; i++) {
		checked++;
		if (ship_django_host_allowed(ah, names[i], dbg, matched, sizeof(matched)))
			doc_more(c, _("'%s' admitted by '%s'"), names[i], matched);
		else
			nb += (size_t)snprintf(bad + nb, nb < sizeof(bad) ? sizeof(bad) - nb : 0,
					       "%s'%s'", nb ? ", " : "", names[i]);
	}
	/* 3. the health check's Host header: the target's IP and port */
	if (d->port) {
		char sample[64];
		snprintf(sample, sizeof(sample), "%s", d->n_ips ? d->ips[0] : "10.0.1.23");
		snprintf(host, sizeof(host), "%s:%ld", sample, d->port);
		checked++;
		int excused =
		    !d->unhealthy_targets && d->healthy_targets > 0 && live && !strcmp(live, ah);
		if (ship_django_host_allowed(ah, host, dbg, matched, sizeof(matched)))
			doc_more(c, _("health check Host '%s' admitted by '%s'"), host, matched);
		else if (excused)
			doc_more(c,
				 _("health check Host '%s' is not in it, but the running targets are "
				 "healthy, so the app admits its own IP"),
				 host);
		else
			nb += (size_t)snprintf(bad + nb, nb < sizeof(bad) ? sizeof(bad) - nb : 0,
					       "%shealth check Host '%s'%s", nb ? ", " : "", host,
					       d->n_ips ? "" : " (a task IP)");
	}
	if (nb) {
		struct advice_ctx a;
		memset(&a, 0, sizeof(a));
		ship_django_patterns(ah, advise, &a);
		c->verdict = SHIP_VERDICT_FAIL;
		doc_set(c, SHIP_VERDICT_FAIL,
			_("ALLOWED_HOSTS=%s does not admit %s; Django answers 400 "
			"Bad Request (Invalid HTTP_HOST header)%s%s"),
			ah, bad, a.n ? "; " : "", a.out);
		doc_fix(
		    c,
		    _("Django matches a leading '.' as 'this domain and its subdomains' and no "
		    "other wildcard: use e.g. '.elb.amazonaws.com,%s'; ALB health checks send the "
		    "task's IP as Host, so add the IP at startup (from the ECS task metadata) "
		    "or use '*' and let the listener rule filter hosts"),
		    d->in->n_host_headers ? d->in->host_headers[0] : "www.example.com");
	} else if (!checked) {
		doc_set(c, SHIP_VERDICT_SKIP,
			_("ALLOWED_HOSTS=%s; no load balancer, domain or port to "
			"check it against"),
			ah);
	}
	doc_done(d, c);
}
