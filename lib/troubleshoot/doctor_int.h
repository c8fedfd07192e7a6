/*
 * doctor_int.h: what the doctor's two files share: the run's state (the resources found so
 * far, so each is read once) and the helpers that record a verdict. Private to lib/troubleshoot/.
 */
#ifndef ECSHIP_TROUBLESHOOT_DOCTOR_INT_H
#define ECSHIP_TROUBLESHOOT_DOCTOR_INT_H

#include <libxml/tree.h>

#include "ecship/doctor.h"
#include "ecship/i18n.h"
#include "ecship/infra.h"

#define DOC_MAX_IDS 16

struct doctor {
	struct ship_aws *aws;
	const struct ship_doctor_input *in;
	struct ship_doctor_report *rep;
	struct ship_stack stack;
	int have_stack;
	json_t *service;    /* live, or NULL */
	json_t *live_td;    /* the live service's task definition, or NULL */
	const json_t *svc;  /* live service, else the rendered service definition (may be NULL) */
	const json_t *cdef; /* the main container's definition */
	const char *container;
	long port; /* its container port; 0 when none */
	char tg_arn[512];
	int tg_found;
	long tg_port;
	char tg_protocol[16], tg_type[16], tg_hc_path[256], tg_hc_port[32], tg_vpc[64], tg_lb[512];
	char lb_dns[256];
	char lb_sgs[DOC_MAX_IDS][64];
	size_t n_lb_sgs;
	char subnets[DOC_MAX_IDS][64];
	size_t n_subnets;
	char sgs[DOC_MAX_IDS][64];
	size_t n_sgs;
	int public_ip;
	char ips[8][64]; /* running tasks' private IPs */
	size_t n_ips;
	long healthy_targets, unhealthy_targets;
};

struct ship_check *doc_add(struct doctor *d, const char *id, const char *title);
void doc_set(struct ship_check *c, enum ship_verdict v, const char *fmt, ...) SHIP_PRINTF(3, 4);
void doc_fix(struct ship_check *c, const char *fmt, ...) SHIP_PRINTF(2, 3);
/* Ends a check whose AWS call failed: warn, the error as evidence. */
void doc_error(struct ship_check *c, const char *what, const struct ship_err *err);
void doc_done(struct doctor *d, struct ship_check *c);
/* Appends to the evidence ("; " separated). */
void doc_more(struct ship_check *c, const char *fmt, ...) SHIP_PRINTF(2, 3);
/* A stack output, or NULL. */
const char *doc_output(const struct doctor *d, const char *key);
/* An environment variable of the main container, or NULL. */
const char *doc_env(const json_t *cdef, const char *name);

void doc_check_security_group(struct doctor *d);
void doc_check_target_group(struct doctor *d);
void doc_check_routes(struct doctor *d);
void doc_check_allowed_hosts(struct doctor *d);
/* Reads the target group and its load balancer (DNS name, security groups) into d. */
void doc_load_network(struct doctor *d);

#endif
