/*
 * logs.h: reading a service's awslogs output: where a task definition sends its logs (group,
 * region, stream prefix), the stream of one task, FilterLogEvents merged in time order across
 * streams, the last lines of one stream, and a cursor that makes polling (`logs --follow`)
 * show each event once. Never prints; the pure parts are separate from the calls.
 */
#ifndef ECSHIP_LOGS_H
#define ECSHIP_LOGS_H

#include <jansson.h>

#include "ecship/aws.h"
#include "ecship/limits.h"

/* ---- where the logs go ---------------------------------------------------------------------- */

/* Sizes from the documented maxima: a log group name and a log stream name are 1 to 512
 * characters (CloudWatch Logs API Reference, CreateLogGroup and CreateLogStream), a container
 * name up to 255 (limits.h). A longer value is an input error, never cut short. */
struct ship_awslogs {
	char group[512 + 1];
	char region[64];      /* awslogs-region; "" when not given */
	char prefix[512 + 1]; /* awslogs-stream-prefix; "" when not given */
	char container[SHIP_ECS_NAME_MAX + 1];
};

/*
 * The awslogs settings of `container` (NULL: the first essential container using awslogs) in a
 * task definition: RegisterTaskDefinition input, DescribeTaskDefinition's "taskDefinition", or
 * its whole answer. SHIP_ERR_INPUT naming the container when it does not use awslogs.
 */
int ship_awslogs_of(const json_t *taskdef, const char *container, struct ship_awslogs *out,
		    struct ship_err *err);
/* The stream a task writes to: PREFIX/CONTAINER/TASK-ID. -1 without a prefix (ECS then names
 * streams after the container id, which cannot be predicted). */
int ship_awslogs_stream(const struct ship_awslogs *l, const char *task_id, char *out, size_t n);

/* ---- events --------------------------------------------------------------------------------- */

struct ship_log_event {
	double time; /* seconds since the epoch (ms precision) */
	char *stream;
	char *message; /* without a trailing newline */
	char *id;      /* eventId; synthesized when the API gives none */
	size_t seq;    /* order of arrival, for a stable sort */
};

struct ship_log_events {
	struct ship_log_event *v;
	size_t n, cap;
	size_t max; /* events kept; later ones are counted in dropped (0: 10000) */
	size_t dropped;
	size_t seq;
};

void ship_log_events_release(struct ship_log_events *e); /* accepts a zeroed list */
int ship_log_events_add(struct ship_log_events *e, double time, const char *stream,
			const char *message, const char *id);
/* Time order, ties in arrival order. */
void ship_log_events_sort(struct ship_log_events *e);

struct ship_logs_query {
	const char *group;
	const char *const *streams; /* logStreamNames (at most 100), or NULL */
	size_t nstreams;
	const char *stream_prefix; /* logStreamNamePrefix, or NULL */
	double start, end;	   /* seconds since the epoch; 0: unbounded */
	const char *filter;	   /* CloudWatch Logs filter pattern, or NULL */
	size_t max_pages;	   /* 0: up to SHIP_AWS_MAX_PAGES */
};

/* FilterLogEvents over every page (up to max_pages), appended to out and sorted by time. */
int ship_logs_filter(struct ship_aws *aws, const struct ship_logs_query *q,
		     struct ship_log_events *out, struct ship_err *err);
/*
 * Whether the log group holds a stream of exactly that name (DescribeLogStreams,
 * logStreamNamePrefix, limit 1: the results are in name order, so the stream itself is the first
 * one when it exists). 0 with *exists set, or -1 with err.
 */
int ship_logs_stream_exists(struct ship_aws *aws, const char *group, const char *stream,
			    int *exists, struct ship_err *err);
/* The last n (1..10000) events of one stream (GetLogEvents from the tail), oldest first. */
int ship_logs_tail(struct ship_aws *aws, const char *group, const char *stream, size_t n,
		   struct ship_log_events *out, struct ship_err *err);

/* ---- following --------------------------------------------------------------------------------
 */

#define SHIP_LOGS_FOLLOW_IDS 256

/* Remembers the newest timestamp shown and the ids of the events at exactly that time, so the
 * next poll can start there again without showing an event twice. */
struct ship_logs_follow {
	double since; /* the next query's start */
	char ids[SHIP_LOGS_FOLLOW_IDS][96];
	size_t nids;
};

void ship_logs_follow_init(struct ship_logs_follow *f, double since);
/* Removes from ev (sorted) the events already shown and advances the cursor past the rest.
 * Returns how many remain. */
size_t ship_logs_follow_take(struct ship_logs_follow *f, struct ship_log_events *ev);

#endif
