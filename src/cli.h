/*
 * cli.h: what the ecship tool's files share: the exit-code enum, the option tables from which
 * parsing and --help are generated, the command table entry, the run context, and the output
 * helpers. The tool only parses arguments and prints; the work is in the library (lib/).
 */
#ifndef ECSHIP_CLI_H
#define ECSHIP_CLI_H

#include <stdio.h>

#include "ecship/aws.h"
#include "ecship/config.h"
#include "ecship/rollout.h"
#include "ecship/err.h"
#include "ecship/i18n.h"

/* Exit codes: one enum, documented in --help and the man page (see cli_exit_help). */
enum cli_exit {
	CLI_EXIT_OK = 0,          /* success */
	CLI_EXIT_FAILED = 1,      /* ran and failed: deploy failed and was rolled back, task exited non-zero, doctor found problems */
	CLI_EXIT_USAGE = 2,       /* usage or input error; nothing was changed in AWS */
	CLI_EXIT_AWS = 3,         /* AWS error: authentication, authorization, API, network, after retries */
	CLI_EXIT_TIMEOUT = 4,     /* timed out waiting; the state at that moment was printed */
	CLI_EXIT_PAUSED = 5,      /* a deployment waits at a PAUSE lifecycle hook: approve or abort */
	CLI_EXIT_INTERRUPTED = 130 /* interrupted; what was and was not done was printed */
};

/* ---- options ------------------------------------------------------------------------------- */

enum cli_opt_type {
	CLI_OPT_END = 0,
	CLI_OPT_FLAG,     /* int, set to 1 */
	CLI_OPT_STRING,   /* const char *, points into argv */
	CLI_OPT_DURATION, /* double seconds, "90s", "10m" */
	CLI_OPT_INT,      /* long */
	CLI_OPT_CHOICE,   /* const char *, one of `choices` (comma-separated) */
	CLI_OPT_LIST,     /* struct cli_list: every occurrence, in order (repeatable) */
};

/* A repeatable option's values, pointing into argv. */
#define CLI_LIST_MAX 64
struct cli_list {
	const char *v[CLI_LIST_MAX];
	size_t n;
};

struct cli_option {
	enum cli_opt_type type;
	const char *name;    /* long name without "--" */
	const char *argname; /* for --help: "URI", "DUR" */
	void *dest;
	const char *help;
	const char *choices; /* CLI_OPT_CHOICE: "text,json" */
	long min, max;       /* CLI_OPT_INT range */
	int alt;             /* an alternative to the option before it: "[--a A | --b B]" in usage */
};

#define CLI_FLAG(n, d, h) {CLI_OPT_FLAG, (n), NULL, (d), (h), NULL, 0, 0, 0}
#define CLI_STRING(n, a, d, h) {CLI_OPT_STRING, (n), (a), (d), (h), NULL, 0, 0, 0}
#define CLI_DURATION(n, d, h) {CLI_OPT_DURATION, (n), "DUR", (d), (h), NULL, 0, 0, 0}
#define CLI_INT(n, a, d, lo, hi, h) {CLI_OPT_INT, (n), (a), (d), (h), NULL, (lo), (hi), 0}
#define CLI_LIST(n, a, d, h) {CLI_OPT_LIST, (n), (a), (d), (h), NULL, 0, 0, 0}
#define CLI_CHOICE(n, c, d, h) {CLI_OPT_CHOICE, (n), NULL, (d), (h), (c), 0, 0, 0}
/* The same, as an alternative to the option before (--image URI | --tag TAG in the usage line). */
#define CLI_FLAG_ALT(n, d, h) {CLI_OPT_FLAG, (n), NULL, (d), (h), NULL, 0, 0, 1}
#define CLI_STRING_ALT(n, a, d, h) {CLI_OPT_STRING, (n), (a), (d), (h), NULL, 0, 0, 1}
#define CLI_OPTIONS_END {CLI_OPT_END, NULL, NULL, NULL, NULL, NULL, 0, 0, 0}

/* ---- commands ------------------------------------------------------------------------------ */

/*
 * What a command needs, as flags of its commands[] entry. main sets all of it up once, before
 * the command runs, in this order (cli_setup.c): --image/--tag, the project (ecship.yml with only
 * the keys the command uses), its service, the AWS client (with the project's region among the
 * region sources), the region. A command finds the result in its context and repeats none of it.
 */
enum {
	/* an AWS client: ctx->aws (credentials on its first call) */
	CLI_NEED_AWS = 1 << 0,
	/* ... with a region (implies CLI_NEED_AWS) */
	CLI_NEED_REGION = 1 << 1,
	/* ecship.yml loaded: ctx->proj */
	CLI_NEED_CONFIG = 1 << 2,
	/* ecship.yml loaded when there is one (else ctx->proj is NULL) */
	CLI_WANT_CONFIG = 1 << 3,
	/* ecship.yml names a service; ctx->svc is --service's (render: --name's) or the first
	 * (implies CLI_NEED_CONFIG) */
	CLI_NEED_SERVICE = 1 << 4,
	/* ecship.yml names the cluster (implies CLI_NEED_CONFIG) */
	CLI_NEED_CLUSTER = 1 << 5,
	/* the service names its task definition (implies CLI_NEED_SERVICE) */
	CLI_NEED_TASKDEF = 1 << 6,
	/* takes --image URI or --tag TAG, not both: ctx->image, ctx->tag, and ${IMAGE} and
	 * ${IMAGE_TAG} while loading the project */
	CLI_IMAGE_OR_TAG = 1 << 7,
};

struct cli_ctx;

struct cli_command {
	const char *name;
	int (*fn)(struct cli_ctx *ctx, int argc, char **argv); /* returns an enum cli_exit */
	unsigned flags;
	const char *args;        /* arguments after the options in the usage line, e.g. "-- CMD ARGS..."
				    (the options part is generated from `options`) */
	const char *summary;     /* one line for the command list */
	const char *description; /* paragraphs for `CMD --help` and the man page */
	const struct cli_option *options;
};

/* Global options (ecship --help); accepted before or after the command name. */
struct cli_globals {
	const char *config;
	const char *env;
	const char *region;
	const char *profile;
	const char *endpoint_url;
	const char *output; /* "text" or "json" */
	int no_color;
	int quiet;
	int verbose;
	int debug;
	int help;
	int version;
};

struct cli_project;

struct cli_ctx {
	struct cli_globals g;
	const struct cli_command *cmd;
	struct ship_aws *aws;	  /* made by main (CLI_NEED_AWS) or cli_aws() on first use */
	struct cli_project *proj; /* CLI_NEED_CONFIG, CLI_WANT_CONFIG; else NULL */
	const struct ship_config_service *svc; /* CLI_NEED_SERVICE */
	const char *image, *tag;	       /* CLI_IMAGE_OR_TAG: --image, --tag (or NULL) */
	int json;			       /* --output json */
	int color;			       /* colors on stderr */
	int github;			       /* GITHUB_ACTIONS=true */
};

extern const struct cli_option cli_global_options[];

/*
 * Parses argv against the command's options and the global ones. Leaves the positional
 * arguments (and everything after "--") in argv[0..*argc). Prints the error and returns
 * CLI_EXIT_USAGE on a bad option, 0 otherwise.
 */
int cli_parse(struct cli_ctx *ctx, const struct cli_option *opts, int *argc, char **argv,
	      int stop_at_positional);
void cli_usage_tool(FILE *f, const struct cli_command *const *cmds, size_t n);
/* The usage line after "ecship ": the name, "[--opt ARG]" for each option of the table (one
 * "[--a A | --b B]" for alternatives), then cmd->args. It starts at column col; with width > 0
 * it wraps before that column, continuing under the first option. 0, or -1 when b failed. */
int cli_usage_synopsis(struct ship_buf *b, const struct cli_command *cmd, size_t col, size_t width);
void cli_usage_command(FILE *f, const struct cli_command *cmd);
void cli_man_page(FILE *f, const struct cli_command *const *cmds, size_t n);
/* The completion script for "bash" or "zsh" (cli_completion.c); -1 for another shell. */
int cli_completion(FILE *f, const char *shell, const struct cli_command *const *cmds, size_t n);

/* ---- output -------------------------------------------------------------------------------- */

void cli_output_setup(struct cli_ctx *ctx);
/* Messages in the user's language: locale from the environment, the catalogue bound (gettext). */
void cli_i18n_setup(void);
void cli_output_release(void);
/*
 * Text from outside ecship (AWS error messages, service and stack events, log lines, stopped
 * reasons, names and ids from answers) made safe for a terminal, as git and curl do: control
 * characters in caret notation (ESC is ^[, CR ^M, LF ^J, DEL ^?), C1 controls and bytes that are
 * not UTF-8 as \xHH; tab and printable UTF-8 unchanged. Every text-mode printer of remote text
 * goes through these; JSON output does not (it stays exact). cli_error, cli_warn, cli_hint and
 * cli_note escape their whole message.
 */
void cli_escape(struct ship_buf *out, const char *s);
/* cli_escape into one of 8 rotating buffers: valid until 8 more calls (one printf's arguments). */
const char *cli_safe(const char *s);
/* A command for the user to run, aimed where this one was: "ecship [--config FILE] [--env NAME]
 * ARGS" with the --config and --env given (or $ENVIRONMENT), shell-quoted; a cli_safe buffer. */
const char *cli_ecship(const struct cli_ctx *ctx, const char *args);
/* text with each quoted command 'ecship X' made 'ecship [--config FILE] [--env NAME] X' (as
 * cli_ecship); cli_error, cli_warn, cli_hint and cli_note apply it. A cli_safe buffer. */
const char *cli_aim(const char *text);
/* The context cli_aim takes --config and --env from (main sets it once). */
void cli_output_set_ctx(const struct cli_ctx *ctx);
/* With several services in ecship.yml, the one the output is about: a command cli_ecship and
 * cli_aim print that takes --service NAME gets it, so it acts on that service and not on the
 * first one (NULL: none). main sets the command's service; a multi-service deploy sets each in
 * turn as it prints its result. */
void cli_output_set_service(const char *name);
/* The command named `name` of the commands[] table (main.c), or NULL. */
const struct cli_command *cli_find_command(const char *name);
/* Writes text that holds remote strings line by line, each line escaped, each ending in '\n'. */
void cli_put_lines(FILE *f, const char *text);
/* "error: ..." on stderr (and ::error:: under GitHub Actions). */
void cli_error(const char *fmt, ...) SHIP_PRINTF(1, 2);
/* "error: ..." on stderr only: the caller writes the GitHub Actions annotation itself. */
void cli_error_local(const char *fmt, ...) SHIP_PRINTF(1, 2);
/* A GitHub Actions workflow command "::KIND::MSG", MSG escaped onto one line. */
void cli_annotation(const char *kind, const char *msg);
void cli_warn(const char *fmt, ...) SHIP_PRINTF(1, 2);
void cli_hint(const char *fmt, ...) SHIP_PRINTF(1, 2);
/* Progress and notes on stderr; silent under --quiet. */
void cli_note(const char *fmt, ...) SHIP_PRINTF(1, 2);
/* Prints a library error with its AWS code, HTTP status and request id, plus a hint, and
 * returns the exit code it maps to. `what` says what was being done: "cannot describe service". */
int cli_report(const char *what, const struct ship_err *err);
int cli_exit_for(const struct ship_err *err);
/* Prints a JSON value to stdout (indented, keys in insertion order). 0 or -1. */
int cli_print_json(json_t *v);

/* ---- setup (cli_setup.c) ------------------------------------------------------------------- */

/* Sets up what ctx->cmd's flags say (see CLI_NEED_*); prints why it cannot; an enum cli_exit. */
int cli_setup(struct cli_ctx *ctx);
/* Releases what cli_setup made. */
void cli_teardown(struct cli_ctx *ctx);
/* `ecship help --needs`: each command's needs, from the same flags. */
void cli_print_needs(FILE *f, const struct cli_command *const *cmds, size_t n);

/* The context's AWS client, created on first use from the global options and the project's
 * region. NULL: err filled. */
struct ship_aws *cli_aws(struct cli_ctx *ctx, struct ship_err *err);

/* ---- the project (ecship.yml and the definitions) ------------------------------------------- */

#include "ecship/config.h"
#include "ecship/infra.h"
#include "ecship/render.h"

struct cli_project {
	struct cli_ctx *ctx;
	struct ship_vars vars;
	struct ship_config *cfg;
	struct ship_diags diags;
	/* ${cfn:KEY}: the base stack's outputs, read on first use */
	struct ship_stack_vars outputs;
	/* botocore's ECS model, parsed at the first render (cli_project_render) */
	struct ship_ecs_model *model;
};

/* Loads --config (default ./ecship.yml) for --env, requiring the keys of `need`
 * (SHIP_CONFIG_NEED_*); prints problems. Returns an enum cli_exit; on failure p is already
 * released (releasing it again is harmless). */
int cli_project_load(struct cli_ctx *ctx, struct cli_project *p, unsigned need, const char *image,
		     const char *tag);
/* The named service of the config, or its first; NULL after printing why (the names it has,
 * and `option`, the command's option that picks one: "--service", render's "--name"). */
const struct ship_config_service *cli_project_service(struct cli_project *p, const char *name,
						      const char *option);
/* Renders and validates one service's definitions; prints problems; returns an enum cli_exit. */
int cli_project_render(struct cli_project *p, const struct ship_config_service *svc,
		       const char *image, const char *tag, int no_validate,
		       struct ship_rendered *out);
/*
 * For commands about the live service (ctx->svc in the cluster of ecship.yml): describes it;
 * *svc is a new reference and v its view. Prints why it failed, including "does not exist".
 * Returns an enum cli_exit; the caller releases *svc in every case.
 */
int cli_live_service(struct cli_ctx *ctx, json_t **svc, struct ship_service_view *v);
void cli_project_release(struct cli_project *p);
void cli_print_diags(const struct ship_diags *d);

/* ---- progress of waits, signals, GitHub Actions --------------------------------------------- */

/*
 * When each step of one ECS deployment happened, on ECS's clock: its createdAt and updatedAt
 * (COMPLETED, FAILED) where ECS stamps them, else when a DescribeServices answer first showed
 * it; the step summary's timeline is drawn from these.
 */
struct cli_dep_times {
	char id[80];
	char taskdef[512];
	double seen;      /* created (first listed) */
	double started;   /* it had running or pending tasks */
	double healthy;   /* all its desired tasks ran */
	double alone;     /* the only deployment left: all the traffic is on it */
	double completed; /* ECS marked it COMPLETED */
	double failed;    /* ECS marked it FAILED */
	double lost;      /* listed but not (or no longer) the PRIMARY one */
	double settled;   /* PRIMARY and steady on its task definition */
};

#define CLI_TIMELINE_DEPLOYMENTS 12

struct cli_timeline {
	struct cli_dep_times dep[CLI_TIMELINE_DEPLOYMENTS];
	size_t ndep;
	double last;             /* the last snapshot */
	/* from the deploy's result (cli_progress_result) */
	char ours[80];           /* the deployment the deploy started */
	char previous[512];      /* the revision it replaced */
	int outcome;             /* enum ship_deploy_outcome + 1; 0: no result */
	int rolled_back;
	double ended;            /* when the result came */
};

#define CLI_PROGRESS_SERVICES 10 /* kept inline; a deploy of more adds them on the heap */
#define CLI_PROGRESS_LINES 200	/* at most this many status lines drawn on a terminal */
#define CLI_PROGRESS_HEARTBEAT 30.0 /* plain logs: an unchanged status again after this long */

struct cli_progress_service {
	char name[256];
	char block[2048]; /* its status lines as last shown (without time stamps) */
	double printed;   /* when they were last printed (plain logs) */
	struct ship_service_view view;
	struct cli_timeline tl;
};

struct cli_progress {
	struct cli_ctx *ctx;
	int tty;   /* redraw in place */
	int quiet;
	int group; /* GitHub Actions: inside a ::group:: of events and status lines */
	double start;     /* the first note, event or status, on ECS's clock (the timeline's 0) */
	double t0;        /* when the wait began, on ours (time waited, heartbeat) */
	double heartbeat; /* seconds between repeats of an unchanged status (plain logs) */
	/* the block drawn last (terminal only): each line's width in columns, to count the rows it
	 * takes at the terminal's current width when it is erased */
	int ndrawn;
	int drawn[CLI_PROGRESS_LINES + 2];
	size_t nsvc;
	size_t expect; /* services the command follows (a deploy's n): several get one line each */
	double printed_any; /* plain logs, several services: when a status line was last printed */
	struct cli_progress_service svc[CLI_PROGRESS_SERVICES];
	struct cli_progress_service *more; /* services past CLI_PROGRESS_SERVICES (heap) */
	size_t nmore_cap;
};

/* A time for people: local time (TZ) with its zone, "09:30:05Z" or "18:30:05+09:00"; date 1:
 * "2026-11-30T09:30:05.123Z", date 2: "2026-11-30T09:30:05Z". The one format for ecship's and
 * AWS's times. */
void cli_time_format(double t, int date, char *out, size_t n);
/* The terminal's width in columns (stderr), read again on each call; 0 when not a terminal. */
int cli_term_width(void);

void cli_signals_setup(void);
int cli_interrupted(void);
int cli_cancelled_cb(void *ctx); /* for ship_wait_opts.cancelled */
void cli_progress_init(struct cli_progress *p, struct cli_ctx *ctx);
/* Callbacks for the library's waits; ctx is the struct cli_progress. */
void cli_progress_note(void *p, const char *msg);
void cli_progress_event(void *p, double created, const char *message);
void cli_progress_snapshot(void *p, const struct ship_service_view *v, double elapsed,
			   int changed);
void cli_progress_done(struct cli_progress *p);
/* The table a deploy of several services ends on: service, revision, outcome, time (each
 * service's own seconds) (cli_summary.c). */
struct ship_deploy_result;
void cli_deploy_summary_table(FILE *f, const char *const *names,
			      const struct ship_deploy_result *res, size_t n);
/* Of a deploy of several services (names[n], res[n]): the index of the service whose failure
 * rolled service i back with it, or -1 when i failed (or ended) on its own. */
long cli_deploy_failed_with(const char *const *names, const struct ship_deploy_result *res,
			    size_t n, size_t i);
/* Frees what a deploy of more than CLI_PROGRESS_SERVICES services added (after the timeline). */
void cli_progress_release(struct cli_progress *p);
/* Service i of the progress (0 <= i < nsvc). */
struct cli_progress_service *cli_progress_service_at(const struct cli_progress *p, size_t i);
struct ship_deploy_result;
/* After the wait: closes the timeline of `service` with the deploy's outcome. */
void cli_progress_result(struct cli_progress *p, const char *service,
			 const struct ship_deploy_result *r);
/* The step summary's timeline of every service (a Mermaid gantt chart); "" when none. */
void cli_progress_timeline(const struct cli_progress *p, FILE *out);
/* Appends key=value to $GITHUB_OUTPUT / markdown to $GITHUB_STEP_SUMMARY when set. */
void cli_github_output(const char *key, const char *value);
void cli_github_summary(const char *markdown);

/* Under GitHub Actions, a collapsed ::group:: of the lines that follow (a long event stream);
 * nothing elsewhere. One at a time: begin while one is open does nothing. */
void cli_group_begin(const char *title);
void cli_group_end(void);
/* The step summary file for appending ($GITHUB_STEP_SUMMARY), or NULL (not set, or warned). */
FILE *cli_github_summary_open(void);
struct ship_diagnosis;
/* A failed or timed-out deploy under GitHub Actions: the ::error:: annotation (what failed, the
 * diagnosis's cause and hint, the revision the service is back on) and the step summary's
 * section with the evidence. d may be NULL (no diagnosis could be made). */
void cli_github_failure(struct cli_ctx *ctx, const char *service,
			const struct ship_deploy_result *r, const struct ship_diagnosis *d);
/* Appends the deployment timeline (Mermaid gantt) to the step summary. */
void cli_github_timeline(struct cli_ctx *ctx, const struct cli_progress *p);

/* ---- commands ------------------------------------------------------------------------------ */

extern const struct cli_command cmd_version_def;
extern const struct cli_command cmd_deploy_def;
extern const struct cli_command cmd_diff_def;
extern const struct cli_command cmd_rollback_def;
extern const struct cli_command cmd_status_def;
extern const struct cli_command cmd_wait_def;
extern const struct cli_command cmd_approve_def;
extern const struct cli_command cmd_abort_def;
/* approve and abort (cli_pause.c): their one option table (--service, --deployment, --hook). */
extern const struct cli_option cli_pause_options[];
/* Answers the PAUSE hook the service's current service deployment (or --deployment's) waits at
 * with ContinueServiceDeployment `action` (CONTINUE or ROLLBACK); only the hook --hook names
 * when given. cmd names the command. An enum cli_exit. */
int cli_answer_pause(struct cli_ctx *ctx, const char *cmd, const char *action, int argc,
		     char **argv);

/* Shared by deploy, rollback and wait. */
#include "ecship/deploy.h"
int cli_deploy_exit(enum ship_deploy_outcome oc);
/* $GITHUB_OUTPUT of a deploy: task_definition_arn, revision, deployment_id, outcome, rolled_back,
 * previous_task_definition_arn (action.yml's outputs), written whatever the outcome. */
void cli_deploy_github_outputs(const struct ship_deploy_result *r, const char *outcome);
/* When ctx's command is deploy and it could not start (a bad flag, config or setup: rc), its
 * step outputs under GitHub Actions still say so: outcome invalid (rc 2) or error. */
void cli_deploy_not_run(struct cli_ctx *ctx, int rc);
void cli_deploy_print_result(struct cli_ctx *ctx, const char *service,
			     const struct ship_deploy_result *r);
extern const struct cli_command cmd_whoami_def;
extern const struct cli_command cmd_init_def;
extern const struct cli_command cmd_render_def;
extern const struct cli_command cmd_infra_def;
extern const struct cli_command cmd_rule_def;

/* ---- troubleshooting: tasks, logs, doctor, run (cli_diagnose.c, cmd_run.c) ---------------- */

#include "ecship/logs.h"
#include "ecship/run.h"
extern const struct cli_command cmd_tasks_def;
extern const struct cli_command cmd_logs_def;
extern const struct cli_command cmd_doctor_def;
extern const struct cli_command cmd_run_def;
void cli_print_task(FILE *f, const struct ship_task_info *t);
void cli_print_log_event(FILE *f, const struct ship_log_event *e, int with_task);
/* A task's new log lines as they arrive (run, deploy --pre-run). */
struct cli_task_logs {
	struct ship_aws *aws;
	struct ship_awslogs logs;
	int ok, warned;
	char why[1024];
	struct ship_logs_follow cursor;
};
void cli_task_logs_init(struct cli_task_logs *l, struct ship_aws *aws, const json_t *taskdef,
			const char *container);
size_t cli_task_logs_poll(struct cli_task_logs *l, const char *task_id, FILE *out);
/* After a failed or timed-out deploy: stopped tasks, unhealthy targets, log tail, cause. */
void cli_diagnose_failure(struct cli_ctx *ctx, struct ship_aws *aws, const char *cluster,
			  const char *service, const struct ship_deploy_result *res);
/* deploy --pre-run CMD: a one-off task of the new revision before the service is updated. */
struct cli_prerun {
	struct cli_ctx *ctx;
	struct ship_aws *aws;
	const char *command;
	const char *cluster, *service;
	const json_t *taskdef, *service_def;
	double timeout;
	int rc; /* non-zero: the exit code deploy ends with (the task failed or was interrupted) */
};
/* Hooks the pre-run into o (o->before_update). */
void cli_prerun_attach(struct cli_prerun *pre, struct cli_ctx *ctx, struct ship_aws *aws,
		       const char *command, struct ship_deploy_opts *o, const json_t *taskdef,
		       const json_t *service_def);

#endif
