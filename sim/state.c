/*
 * state.c: ecship-sim's model storage: init/reset/release, the simulated clock, the seeded
 * random streams, lookups by name or ARN, service events, task log lines and the rollout log.
 * Depends on lib/util, jansson and pure.c; the caller holds sim.lock.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim.h"

double sim_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double sim_clock_now(const struct sim *s)
{
	double t = s->base_sim + (sim_wall() - s->base_wall) * s->speed;
	return t < s->now ? s->now : t;
}

/* splitmix64: small, fast and the same everywhere */
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

uint64_t sim_rand(struct sim *s) { return splitmix(&s->rng); }

double sim_uniform(struct sim *s, double lo, double hi)
{
	double u = (double)(sim_rand(s) >> 11) / 9007199254740992.0;
	return lo + (hi - lo) * u;
}

double sim_fault_chance(struct sim *s) { return (double)(splitmix(&s->fault_rng) >> 11) / 9007199254740992.0; }

void sim_uuid(struct sim *s, char out[40])
{
	uint64_t a = sim_rand(s), b = sim_rand(s);
	snprintf(out, 40, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
		 (unsigned)a & 0xfff, (unsigned)((b >> 48) & 0x3fff) | 0x8000,
		 (unsigned long long)(b & 0xffffffffffffULL));
}

void sim_hexid(struct sim *s, char out[40])
{
	snprintf(out, 40, "%016llx%016llx", (unsigned long long)sim_rand(s), (unsigned long long)sim_rand(s));
}

/*
 * The timing profiles (docs/sim.md lists every number with its source). ECS: a target group's
 * defaults (interval 30 s, timeout 5 s, 5 healthy / 2 unhealthy checks, deregistration delay
 * 300 s: ELB "Health checks for Application Load Balancer target groups" and "Target groups"
 * pages), 40 s before a task without health checks counts as healthy (API_DeploymentConfiguration,
 * minimumHealthyPercent), the service throttle capped at 15 minutes (developer guide, "Amazon ECS
 * service throttle logic"). Fast: the quick pace the project's own tests run at.
 */
void sim_config_timing(struct sim *s, enum sim_timing timing)
{
	s->cfg.timing = timing;
	if (timing == SIM_TIMING_FAST) {
		s->cfg.drain_seconds = 30;
		s->cfg.health_interval = 10;
		s->cfg.stable_seconds = 15;
		s->cfg.healthy_threshold = 2;
		s->cfg.unhealthy_threshold = 2;
		s->cfg.backoff_base = s->cfg.backoff_max = 0;
		s->cfg.register_seconds = 0;
		s->cfg.minute_seconds = 6; /* ECS's minutes ten times faster */
		s->cfg.stage_seconds = 3;
		s->cfg.hook_seconds = 1;
		return;
	}
	s->cfg.minute_seconds = 60;
	s->cfg.stage_seconds = 15;
	s->cfg.hook_seconds = 3;
	s->cfg.drain_seconds = 300;
	s->cfg.health_interval = 30;
	s->cfg.stable_seconds = 40;
	s->cfg.healthy_threshold = 5;
	s->cfg.unhealthy_threshold = 2;
	s->cfg.backoff_base = 150;
	s->cfg.backoff_max = 900;
	s->cfg.register_seconds = 20;
}

struct sim_tg_params sim_service_tg(const struct sim *s, const struct sim_service *svc)
{
	if (s->cfg.timing == SIM_TIMING_ECS && svc && svc->tg.interval > 0)
		return svc->tg;
	struct sim_tg_params p = {s->cfg.health_interval, 6, s->cfg.drain_seconds, s->cfg.healthy_threshold,
				  s->cfg.unhealthy_threshold, 0};
	return p;
}

int sim_init(struct sim *s, uint64_t seed, double speed)
{
	memset(s, 0, sizeof(*s));
	if (pthread_mutex_init(&s->lock, NULL) != 0)
		return -1;
	s->seed = seed;
	s->rng = seed;
	s->fault_rng = seed ^ 0x5DEECE66DULL;
	s->speed = speed;
	s->base_wall = sim_wall();
	s->base_sim = floor(s->base_wall);
	s->now = s->base_sim;
	s->cfg.breaker_min = 3;
	s->cfg.stopped_ttl = 3600;
	s->cfg.rate_limits = 1;
	s->cfg.upstream_checks = 1;
	s->cfg.service_deployments = 1;
	sim_config_timing(s, SIM_TIMING_ECS);
	s->reqlog = ship_calloc(SIM_REQLOG_CAP, sizeof(*s->reqlog));
	s->rollog = ship_calloc(SIM_ROLLOG_CAP, sizeof(*s->rollog));
	if (!s->reqlog || !s->rollog) {
		ship_free(s->reqlog);
		ship_free(s->rollog);
		pthread_mutex_destroy(&s->lock);
		return -1;
	}
	sim_buckets_init(s);
	s->hook_rules = json_array();
	s->cli_hook_rules = json_array();
	s->alarms = json_object();
	return 0;
}

void sim_rules_free(struct sim_rule *r)
{
	while (r) {
		struct sim_rule *n = r->next;
		ship_free(r->match);
		ship_free(r);
		r = n;
	}
}

void sim_deployment_free(struct sim_deployment *d)
{
	if (!d)
		return;
	ship_free(d->reason);
	json_decref(d->network);
	ship_free(d);
}

void sim_task_free(struct sim_task *t)
{
	if (!t)
		return;
	ship_free(t->arn);
	ship_free(t->main_container);
	ship_free(t->stop_code);
	ship_free(t->stopped_reason);
	ship_free(t->container_reason);
	ship_free(t->init_reason);
	ship_free(t->tg_arn);
	ship_free(t->hc_host);
	ship_free(t->log_group);
	ship_free(t->log_stream);
	for (int i = 0; i < t->nlines; i++)
		ship_free(t->lines[i].message);
	ship_free(t->lines);
	json_decref(t->overrides);
	json_decref(t->tags);
	ship_free(t->started_by);
	ship_free(t->group);
	ship_free(t->launch_type);
	ship_free(t);
}

static void free_model(struct sim *s)
{
	for (struct sim_task *t = s->tasks, *n; t; t = n) {
		n = t->next;
		sim_task_free(t);
	}
	for (struct sim_service *v = s->services, *n; v; v = n) {
		n = v->next;
		for (struct sim_deployment *d = v->deployments, *dn; d; d = dn) {
			dn = d->next;
			sim_deployment_free(d);
		}
		for (int i = 0; i < SIM_MAX_EVENTS; i++)
			ship_free(v->events[i].message);
		sim_sdeps_free(v);
		ship_free(v->platform_version);
		json_decref(v->cps);
		json_decref(v->dc_extra);
		ship_free(v->name);
		ship_free(v->arn);
		ship_free(v->launch_type);
		json_decref(v->network);
		json_decref(v->load_balancers);
		json_decref(v->tags);
		ship_free(v);
	}
	for (struct sim_taskdef *d = s->taskdefs, *n; d; d = n) {
		n = d->next;
		ship_free(d->family);
		ship_free(d->arn);
		json_decref(d->def);
		json_decref(d->tags);
		ship_free(d->missing_reason);
		ship_free(d);
	}
	for (struct sim_cluster *c = s->clusters, *n; c; c = n) {
		n = c->next;
		ship_free(c->name);
		ship_free(c->arn);
		json_decref(c->tags);
		json_decref(c->settings);
		ship_free(c);
	}
	json_decref(s->tokens);
	s->tokens = NULL;
	s->tasks = s->tasks_tail = NULL;
	s->services = NULL;
	s->taskdefs = NULL;
	s->clusters = NULL;
	s->nclusters = s->ntaskdefs = s->nservices = s->nlive = s->nstopped = 0;
}

void sim_reset(struct sim *s)
{
	free_model(s);
	json_decref(s->hook_rules);
	json_decref(s->alarms);
	s->hook_rules = json_array();
	s->alarms = json_object();
	sim_rules_free(s->rules);
	s->rules = NULL;
	sim_faults_free(s->faults);
	s->faults = NULL;
	sim_faults_free(s->buckets);
	s->buckets = NULL;
	sim_buckets_init(s);
	sim_cfn_guard_reset();
	s->reqlog_n = s->reqlog_total = 0;
	s->rollog_n = s->rollog_total = 0;
	s->rng = s->seed;
	s->fault_rng = s->seed ^ 0x5DEECE66DULL;
}

void sim_release(struct sim *s)
{
	free_model(s);
	json_decref(s->hook_rules);
	json_decref(s->cli_hook_rules);
	json_decref(s->alarms);
	sim_rules_free(s->rules);
	sim_rules_free(s->cli_rules);
	sim_faults_free(s->faults);
	sim_faults_free(s->buckets);
	ship_free(s->reqlog);
	ship_free(s->rollog);
	ship_free(s->region);
	ship_free(s->account);
	ship_free(s->upstream);
	pthread_mutex_destroy(&s->lock);
}

/* ---- lookups ------------------------------------------------------------------------------------ */

/* The part after the last '/' of an ARN, or the string itself. */
static const char *arn_tail(const char *s)
{
	const char *slash = strrchr(s, '/');
	return (strncmp(s, "arn:", 4) == 0 && slash) ? slash + 1 : s;
}

struct sim_cluster *sim_cluster_find(struct sim *s, const char *ref)
{
	if (!ref || !*ref)
		ref = "default";
	int is_arn = strncmp(ref, "arn:", 4) == 0;
	for (struct sim_cluster *c = s->clusters; c; c = c->next)
		if (strcmp(is_arn ? c->arn : c->name, ref) == 0)
			return c;
	return NULL;
}

struct sim_cluster *sim_cluster_add(struct sim *s, const char *name, const char *arn)
{
	if (s->nclusters >= SIM_MAX_CLUSTERS)
		return NULL;
	struct sim_cluster *c = ship_calloc(1, sizeof(*c));
	struct ship_buf b = SHIP_BUF_INIT(4096);
	if (!c)
		return NULL;
	if (arn)
		ship_buf_adds(&b, arn);
	else
		ship_buf_addf(&b, "arn:aws:ecs:%s:%s:cluster/%s", s->region, s->account, name);
	c->name = ship_strdup(name);
	c->arn = ship_buf_detach(&b, NULL);
	c->tags = json_array();
	c->settings = json_pack("[{s:s,s:s}]", "name", "containerInsights", "value", "disabled");
	c->active = 1;
	if (!c->name || !c->arn || !c->tags || !c->settings) {
		ship_free(c->name);
		ship_free(c->arn);
		json_decref(c->tags);
		json_decref(c->settings);
		ship_free(c);
		return NULL;
	}
	/* append: listing order is creation order */
	struct sim_cluster **pp = &s->clusters;
	while (*pp)
		pp = &(*pp)->next;
	*pp = c;
	s->nclusters++;
	return c;
}

struct sim_taskdef *sim_taskdef_find(struct sim *s, const char *ref, int latest_active_only)
{
	if (!ref || !*ref)
		return NULL;
	if (strncmp(ref, "arn:", 4) == 0) {
		for (struct sim_taskdef *d = s->taskdefs; d; d = d->next)
			if (strcmp(d->arn, ref) == 0)
				return d;
		return NULL;
	}
	const char *colon = strchr(ref, ':');
	if (colon) {
		long rev;
		if (ship_parse_long(colon + 1, 1, 1000000, &rev) != 0)
			return NULL;
		size_t n = (size_t)(colon - ref);
		for (struct sim_taskdef *d = s->taskdefs; d; d = d->next)
			if (strlen(d->family) == n && strncmp(d->family, ref, n) == 0 && d->revision == rev)
				return d;
		return NULL;
	}
	struct sim_taskdef *best = NULL;
	for (struct sim_taskdef *d = s->taskdefs; d; d = d->next)
		if (strcmp(d->family, ref) == 0 && (d->active || !latest_active_only) &&
		    (!best || d->revision > best->revision))
			best = d;
	return best;
}

struct sim_service *sim_service_find(struct sim *s, struct sim_cluster *c, const char *ref)
{
	if (!ref)
		return NULL;
	int is_arn = strncmp(ref, "arn:", 4) == 0;
	struct sim_service *found = NULL;
	for (struct sim_service *v = s->services; v; v = v->next) {
		if (v->cluster != c || strcmp(is_arn ? v->arn : v->name, ref) != 0)
			continue;
		/* prefer a live service over an INACTIVE one of the same name */
		if (!found || found->status == SIM_SVC_INACTIVE)
			found = v;
	}
	return found;
}

struct sim_task *sim_task_find(struct sim *s, struct sim_cluster *c, const char *ref)
{
	if (!ref)
		return NULL;
	const char *id = arn_tail(ref);
	for (struct sim_task *t = s->tasks; t; t = t->next)
		if (t->cluster == c && strcmp(t->id, id) == 0)
			return t;
	return NULL;
}

struct sim_deployment *sim_deployment_find(struct sim_service *svc, const char *id)
{
	for (struct sim_deployment *d = svc->deployments; d; d = d->next)
		if (strcmp(d->id, id) == 0)
			return d;
	return NULL;
}

/* ---- events, logs ------------------------------------------------------------------------------- */

void sim_event_add(struct sim *s, struct sim_service *svc, const char *fmt, ...)
{
	struct ship_buf b = SHIP_BUF_INIT(2048);
	va_list ap;
	va_start(ap, fmt);
	ship_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	char *msg = ship_buf_detach(&b, NULL);
	if (!msg)
		return;
	struct sim_event *e = &svc->events[svc->ev_head];
	ship_free(e->message);
	e->message = msg;
	e->at = s->now;
	sim_uuid(s, e->id);
	svc->ev_head = (svc->ev_head + 1) % SIM_MAX_EVENTS;
	if (svc->ev_count < SIM_MAX_EVENTS)
		svc->ev_count++;
}

void sim_task_log(struct sim *s, struct sim_task *t, double at, const char *fmt, ...)
{
	(void)s;
	if (!t->log_group || t->nlines >= SIM_MAX_LOG_LINES)
		return;
	if (!t->lines) {
		t->lines = ship_calloc(SIM_MAX_LOG_LINES, sizeof(*t->lines));
		if (!t->lines)
			return;
	}
	struct ship_buf b = SHIP_BUF_INIT(4096);
	va_list ap;
	va_start(ap, fmt);
	ship_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	char *msg = ship_buf_detach(&b, NULL);
	if (!msg)
		return;
	t->lines[t->nlines].at = at;
	t->lines[t->nlines].message = msg;
	t->nlines++;
}

void sim_rollout_log(struct sim *s, struct sim_service *svc, struct sim_deployment *d)
{
	struct sim_rollog *r = &s->rollog[s->rollog_total % SIM_ROLLOG_CAP];
	r->wall = sim_wall();
	r->sim = s->now;
	snprintf(r->service, sizeof(r->service), "%s", svc->arn);
	snprintf(r->deployment, sizeof(r->deployment), "%s", d->id);
	snprintf(r->state, sizeof(r->state), "%s", sim_rollout_name(d->rollout));
	snprintf(r->reason, sizeof(r->reason), "%s", d->reason ? d->reason : "");
	s->rollog_total++;
	if (s->rollog_n < SIM_ROLLOG_CAP)
		s->rollog_n++;
}

/* ---- rules -------------------------------------------------------------------------------------- */

int sim_rule_add(struct sim_rule **list, const char *match, const char *behavior)
{
	struct sim_behavior b;
	int n = 0;
	if (!match || !*match || sim_behavior_parse(behavior, &b) != 0)
		return -1;
	struct sim_rule **pp = list;
	while (*pp) {
		pp = &(*pp)->next;
		n++;
	}
	if (n >= SIM_MAX_RULES)
		return -1;
	struct sim_rule *r = ship_calloc(1, sizeof(*r));
	if (!r || !(r->match = ship_strdup(match))) {
		ship_free(r);
		return -1;
	}
	r->behavior = b;
	*pp = r;
	return 0;
}

/* Control-API rules first, then command-line rules; no match is `ok`. */
struct sim_behavior sim_behavior_for(struct sim *s, const char *image)
{
	struct sim_rule *lists[2] = {s->rules, s->cli_rules};
	for (int i = 0; i < 2; i++)
		for (struct sim_rule *r = lists[i]; r; r = r->next)
			if (image && strstr(image, r->match))
				return r->behavior;
	struct sim_behavior b = {SIM_B_OK, 0};
	return b;
}

const char *sim_phase_name(enum sim_phase p)
{
	static const char *const names[] = {"PROVISIONING", "PENDING",  "ACTIVATING",     "RUNNING",
					    "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"};
	return names[p];
}

const char *sim_rollout_name(enum sim_rollout r)
{
	return r == SIM_RO_COMPLETED ? "COMPLETED" : r == SIM_RO_FAILED ? "FAILED" : "IN_PROGRESS";
}
