/*
 * autoscaling.c: Application Auto Scaling for one ECS service (see autoscaling.h): describe the
 * scalable target and its policies, compare them with ecship.yml, and register or put what
 * differs. Talks to Application Auto Scaling (JSON 1.1) and ELBv2 (the ALB request metric's
 * resource label) through the client; never prints (messages go to the caller's on_note).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>

#include "ecship/autoscaling.h"
#include "ecship/i18n.h"
#include "ecship/xml.h"

#define DIMENSION "ecs:service:DesiredCount"

void ship_as_live_release(struct ship_as_live *live)
{
	if (!live)
		return;
	json_decref(live->policies);
	memset(live, 0, sizeof(*live));
}

const char *ship_as_metric_type(enum ship_as_metric metric)
{
	switch (metric) {
	case SHIP_AS_METRIC_CPU:
		return "ECSServiceAverageCPUUtilization";
	case SHIP_AS_METRIC_MEMORY:
		return "ECSServiceAverageMemoryUtilization";
	case SHIP_AS_METRIC_ALB_REQUESTS:
		return "ALBRequestCountPerTarget";
	case SHIP_AS_METRIC_NONE:
		break;
	}
	return NULL;
}

/* "service/<cluster>/<service>", the ResourceId of an ECS service. */
static int resource_id(const char *cluster, const char *service, char *out, size_t size)
{
	int n = snprintf(out, size, "service/%s/%s", cluster, service);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* A request naming the service's scalable dimension, plus ResourceId (or ResourceIds). */
static json_t *request(const char *rid, int as_list)
{
	json_t *req =
	    json_pack("{s:s, s:s}", "ServiceNamespace", "ecs", "ScalableDimension", DIMENSION);
	if (req && json_object_set_new(req, as_list ? "ResourceIds" : "ResourceId",
				       as_list ? json_pack("[s]", rid) : json_string(rid))) {
		json_decref(req);
		return NULL;
	}
	return req;
}

int ship_autoscaling_describe(struct ship_aws *aws, const struct ship_call_opts *call,
			      const char *cluster, const char *service, struct ship_as_live *live,
			      struct ship_err *err)
{
	char rid[1024];
	json_t *req = NULL, *resp = NULL;
	int rc = -1;
	memset(live, 0, sizeof(*live));
	if (resource_id(cluster, service, rid, sizeof(rid)))
		return ship_err_set(err, SHIP_ERR_INPUT, _("service name '%s' is too long"),
				    service);
	if (!(req = request(rid, 1)))
		goto nomem;
	if (ship_aws_json(aws, SHIP_SVC_APPLICATION_AUTO_SCALING, "DescribeScalableTargets", req,
			  &resp, call, err)) {
		ship_err_prefix(err, _("cannot describe the scalable target of service '%s'"),
				service);
		goto cleanup;
	}
	json_t *t = json_array_get(json_object_get(resp, "ScalableTargets"), 0);
	if (t) {
		live->registered = 1;
		live->min = (long)json_integer_value(json_object_get(t, "MinCapacity"));
		live->max = (long)json_integer_value(json_object_get(t, "MaxCapacity"));
	}
	json_decref(req);
	json_decref(resp);
	resp = NULL;
	if (!(req = request(rid, 0)))
		goto nomem;
	if (ship_aws_json(aws, SHIP_SVC_APPLICATION_AUTO_SCALING, "DescribeScalingPolicies", req,
			  &resp, call, err)) {
		ship_err_prefix(err, _("cannot describe the scaling policies of service '%s'"),
				service);
		goto cleanup;
	}
	json_t *p = json_object_get(resp, "ScalingPolicies");
	live->policies = json_is_array(p) ? json_incref(p) : json_array();
	if (!live->policies)
		goto nomem;
	rc = 0;
	goto cleanup;
nomem:
	ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
cleanup:
	json_decref(req);
	json_decref(resp);
	return rc;
}

/* The last part of an ARN after its resource type: "app/<name>/<id>", "targetgroup/<name>/<id>". */
static const char *arn_tail(const char *arn, const char *kind)
{
	const char *p = arn ? strstr(arn, kind) : NULL;
	return p && p > arn && p[-1] == ':' ? p : NULL;
}

int ship_autoscaling_resource_label(struct ship_aws *aws, const struct ship_call_opts *call,
				    const char *target_group_arn, char *out, size_t size,
				    struct ship_err *err)
{
	struct ship_params params = {0};
	xmlDoc *doc = NULL;
	char lb[2048] = "";
	int rc = -1;
	const char *tg = arn_tail(target_group_arn, "targetgroup/");
	if (!tg)
		return ship_err_set(err, SHIP_ERR_INPUT, _("'%s' is not a target group ARN"),
				    target_group_arn);
	if (ship_params_add(&params, "TargetGroupArns.member.1", target_group_arn)) {
		ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
		goto cleanup;
	}
	if (ship_aws_query(aws, SHIP_SVC_ELBV2, "DescribeTargetGroups", &params, &doc, call, err)) {
		ship_err_prefix(err, _("cannot describe target group '%s'"), target_group_arn);
		goto cleanup;
	}
	xmlNode *item = ship_xml_first_item(
	    ship_xml_path(ship_xml_root(doc), "DescribeTargetGroupsResult/TargetGroups"));
	ship_xml_path_copy(ship_xml_first_item(ship_xml_child(item, "LoadBalancerArns")), "", lb,
			   sizeof(lb));
	const char *app = arn_tail(lb, "loadbalancer/");
	if (!app) {
		ship_err_set(
		    err, SHIP_ERR_INPUT,
		    _("target group '%s' is not attached to a load balancer: the "
		      "alb_requests metric counts the requests its load balancer sends it"),
		    target_group_arn);
		goto cleanup;
	}
	app += strlen("loadbalancer/");
	int n = snprintf(out, size, "%s/%s", app, tg);
	if (n < 0 || (size_t)n >= size) {
		ship_err_set(err, SHIP_ERR_INPUT, _("the resource label of '%s' is too long"),
			     target_group_arn);
		goto cleanup;
	}
	rc = 0;
cleanup:
	ship_params_release(&params);
	xmlFreeDoc(doc);
	return rc;
}

static json_t *our_policy(const struct ship_as_live *live)
{
	size_t i;
	json_t *p;
	json_array_foreach(live->policies, i, p)
	{
		const char *name = json_string_value(json_object_get(p, "PolicyName"));
		if (name && !strcmp(name, SHIP_AS_POLICY_NAME))
			return p;
	}
	return NULL;
}

/* One line for a policy's target tracking, in ecship.yml's words. */
static void describe_tt(struct ship_buf *b, const char *type, double target, long in_cd,
			long out_cd, int disable_in, const char *label)
{
	ship_buf_addf(b, "%s target %g", type ? type : "?", target);
	if (label && *label)
		ship_buf_addf(b, " label %s", label);
	if (in_cd >= 0)
		ship_buf_addf(b, " scale_in_cooldown %lds", in_cd);
	if (out_cd >= 0)
		ship_buf_addf(b, " scale_out_cooldown %lds", out_cd);
	if (disable_in)
		ship_buf_adds(b, " disable_scale_in");
}

static long opt_long(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

/* The live policy's line, with the cooldowns want leaves to AWS left out (not compared). */
static void live_tt(struct ship_buf *b, const json_t *p, const struct ship_config_autoscaling *want,
		    const char *label)
{
	const json_t *c = json_object_get(p, "TargetTrackingScalingPolicyConfiguration");
	const json_t *spec = json_object_get(c, "PredefinedMetricSpecification");
	const char *lab = json_string_value(json_object_get(spec, "ResourceLabel"));
	describe_tt(b, json_string_value(json_object_get(spec, "PredefinedMetricType")),
		    json_number_value(json_object_get(c, "TargetValue")),
		    want->scale_in_cooldown >= 0 ? opt_long(c, "ScaleInCooldown") : -1,
		    want->scale_out_cooldown >= 0 ? opt_long(c, "ScaleOutCooldown") : -1,
		    json_is_true(json_object_get(c, "DisableScaleIn")), label ? lab : NULL);
}

static void want_tt(struct ship_buf *b, const struct ship_config_autoscaling *want,
		    const char *label)
{
	describe_tt(b, ship_as_metric_type(want->metric), want->target, want->scale_in_cooldown,
		    want->scale_out_cooldown, want->disable_scale_in,
		    want->metric == SHIP_AS_METRIC_ALB_REQUESTS ? label : NULL);
}

int ship_autoscaling_diff(const struct ship_config_autoscaling *want,
			  const struct ship_as_live *live, const char *label, struct ship_buf *out)
{
	int differs = 0;
	if (!want || !want->set)
		return 0;
	if (!live->registered) {
		ship_buf_adds(out, "-scalable target: none\n");
		ship_buf_addf(out, "+scalable target: min %ld max %ld\n", want->min, want->max);
		differs = 1;
	} else if (live->min != want->min || live->max != want->max) {
		ship_buf_addf(out, "-scalable target: min %ld max %ld\n", live->min, live->max);
		ship_buf_addf(out, "+scalable target: min %ld max %ld\n", want->min, want->max);
		differs = 1;
	}
	if (want->metric != SHIP_AS_METRIC_NONE) {
		const char *lab = want->metric == SHIP_AS_METRIC_ALB_REQUESTS ? label : NULL;
		const json_t *p = our_policy(live);
		struct ship_buf l = SHIP_BUF_INIT(4096), w = SHIP_BUF_INIT(4096);
		if (p)
			live_tt(&l, p, want, lab);
		else
			ship_buf_adds(&l, "none");
		want_tt(&w, want, lab);
		if (l.failed || w.failed) {
			ship_buf_release(&l);
			ship_buf_release(&w);
			return -1;
		}
		if (strcmp(l.data, w.data)) {
			ship_buf_addf(out, "-policy %s: %s\n", SHIP_AS_POLICY_NAME, l.data);
			ship_buf_addf(out, "+policy %s: %s\n", SHIP_AS_POLICY_NAME, w.data);
			differs = 1;
		}
		ship_buf_release(&l);
		ship_buf_release(&w);
	}
	return out->failed ? -1 : differs;
}

/* The production target group: the definition's first load balancer's, else the live one's. */
static const char *target_group(const struct ship_as_apply *a)
{
	const json_t *defs[2] = {a->service_def, a->live_service};
	for (int i = 0; i < 2; i++) {
		const char *tg = json_string_value(
		    json_object_get(json_array_get(json_object_get(defs[i], "loadBalancers"), 0),
				    "targetGroupArn"));
		if (tg && *tg)
			return tg;
	}
	return NULL;
}

static void note(const struct ship_as_apply *a, const char *fmt, ...) SHIP_PRINTF(2, 3);
static void note(const struct ship_as_apply *a, const char *fmt, ...)
{
	char msg[8192];
	va_list ap;
	if (!a->on_note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	a->on_note(a->ctx, msg);
}

static int put_policy(struct ship_aws *aws, const struct ship_call_opts *call,
		      const struct ship_as_apply *a, const char *rid, const char *label,
		      struct ship_err *err)
{
	const struct ship_config_autoscaling *w = a->want;
	json_t *spec = json_pack("{s:s}", "PredefinedMetricType", ship_as_metric_type(w->metric));
	json_t *conf =
	    json_pack("{s:f, s:o, s:b}", "TargetValue", w->target, "PredefinedMetricSpecification",
		      spec, "DisableScaleIn", w->disable_scale_in);
	json_t *req = request(rid, 0), *resp = NULL;
	int rc = -1;
	if (!conf || !req)
		goto nomem;
	if (w->metric == SHIP_AS_METRIC_ALB_REQUESTS &&
	    json_object_set_new(spec, "ResourceLabel", json_string(label)))
		goto nomem;
	if ((w->scale_in_cooldown >= 0 &&
	     json_object_set_new(conf, "ScaleInCooldown", json_integer(w->scale_in_cooldown))) ||
	    (w->scale_out_cooldown >= 0 &&
	     json_object_set_new(conf, "ScaleOutCooldown", json_integer(w->scale_out_cooldown))) ||
	    json_object_set_new(req, "PolicyName", json_string(SHIP_AS_POLICY_NAME)) ||
	    json_object_set_new(req, "PolicyType", json_string("TargetTrackingScaling")) ||
	    json_object_set(req, "TargetTrackingScalingPolicyConfiguration", conf))
		goto nomem;
	if (ship_aws_json(aws, SHIP_SVC_APPLICATION_AUTO_SCALING, "PutScalingPolicy", req, &resp,
			  call, err)) {
		ship_err_prefix(err, _("cannot put scaling policy '%s' on service '%s'"),
				SHIP_AS_POLICY_NAME, a->service);
		goto cleanup;
	}
	rc = 0;
	goto cleanup;
nomem:
	ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
cleanup:
	json_decref(conf);
	json_decref(req);
	json_decref(resp);
	return rc;
}

/* The label (alb_requests), the live state and the differences: 1, 0 or -1 with err. */
static int plan(struct ship_aws *aws, const struct ship_call_opts *call,
		const struct ship_as_apply *a, char *rid, size_t rid_size, char *label,
		size_t label_size, struct ship_as_live *live, struct ship_buf *out,
		struct ship_err *err)
{
	const struct ship_config_autoscaling *w = a->want;
	if (resource_id(a->cluster, a->service, rid, rid_size))
		return ship_err_set(err, SHIP_ERR_INPUT, _("service name '%s' is too long"),
				    a->service);
	if (w->metric == SHIP_AS_METRIC_ALB_REQUESTS) {
		const char *tg = target_group(a);
		if (!tg)
			return ship_err_set(
			    err, SHIP_ERR_INPUT,
			    _("autoscaling of service '%s' follows alb_requests, but "
			      "the service has no load balancer: add loadBalancers to "
			      "its service definition or pick cpu or memory"),
			    a->service);
		if (ship_autoscaling_resource_label(aws, call, tg, label, label_size, err))
			return -1;
	}
	if (ship_autoscaling_describe(aws, call, a->cluster, a->service, live, err))
		return -1;
	int differs = ship_autoscaling_diff(w, live, label, out);
	if (differs < 0)
		return ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
	return differs;
}

int ship_autoscaling_plan(struct ship_aws *aws, const struct ship_call_opts *call,
			  const struct ship_as_apply *a, struct ship_buf *out, struct ship_err *err)
{
	struct ship_as_live live = {0};
	char rid[1024], label[1024] = "";
	if (!a->want || !a->want->set)
		return 0;
	int r = plan(aws, call, a, rid, sizeof(rid), label, sizeof(label), &live, out, err);
	ship_as_live_release(&live);
	return r;
}

int ship_autoscaling_apply(struct ship_aws *aws, const struct ship_call_opts *call,
			   const struct ship_as_apply *a, struct ship_err *err)
{
	const struct ship_config_autoscaling *w = a->want;
	struct ship_as_live live = {0};
	struct ship_buf d = SHIP_BUF_INIT(64 << 10);
	char rid[1024], label[1024] = "";
	json_t *req = NULL, *resp = NULL;
	int rc = -1;
	if (!w || !w->set)
		return 0;
	int differs = plan(aws, call, a, rid, sizeof(rid), label, sizeof(label), &live, &d, err);
	if (differs < 0)
		goto cleanup;
	if (!differs) {
		note(a, _("autoscaling of service '%s' is as ecship.yml says (min %ld, max %ld)"),
		     a->service, w->min, w->max);
		rc = 0;
		goto cleanup;
	}
	int target_differs = !live.registered || live.min != w->min || live.max != w->max;
	int policy_differs = w->metric != SHIP_AS_METRIC_NONE && strstr(d.data, "+policy ");
	if (a->dry_run) {
		note(a, _("would change the autoscaling of service '%s':\n%s"), a->service, d.data);
		rc = 0;
		goto cleanup;
	}
	if (target_differs) {
		if (!(req = request(rid, 0)) ||
		    json_object_set_new(req, "MinCapacity", json_integer(w->min)) ||
		    json_object_set_new(req, "MaxCapacity", json_integer(w->max))) {
			ship_err_set(err, SHIP_ERR_NOMEM, _("out of memory"));
			goto cleanup;
		}
		if (ship_aws_json(aws, SHIP_SVC_APPLICATION_AUTO_SCALING, "RegisterScalableTarget",
				  req, &resp, call, err)) {
			ship_err_prefix(err,
					_("cannot register the scalable target of service '%s'"),
					a->service);
			goto cleanup;
		}
		note(a, _("autoscaling of service '%s': desired count kept between %ld and %ld"),
		     a->service, w->min, w->max);
	}
	if (policy_differs) {
		if (put_policy(aws, call, a, rid, label, err))
			goto cleanup;
		note(a, _("autoscaling of service '%s': policy '%s' tracks %s at %g"), a->service,
		     SHIP_AS_POLICY_NAME, ship_as_metric_type(w->metric), w->target);
	}
	rc = 0;
cleanup:
	ship_as_live_release(&live);
	ship_buf_release(&d);
	json_decref(req);
	json_decref(resp);
	return rc;
}
