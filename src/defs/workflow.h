/*
 * workflow: approval workflows read from files of `kind: workflow`.
 *
 * A workflow is a graph of steps. The first step in `steps:` is where a
 * submitted request goes first; each step names where it goes next (`next:`,
 * default: the step after it in the file; `end` finishes the request).
 * Routing steps (exclusive, inclusive, parallel) have branches and a join.
 *
 * This module owns the language and its static checks; the approval engine
 * runs what it describes. See doc/ref-workflows.md for the reference.
 * Working-day durations (`3wd`) count on the calendar named by `calendar:`
 * (default "cn", see calendar.h); defset checks that it exists, since only
 * the set knows every calendar.
 *
 * Positions (`line`, `col` and the `*_pos` fields) point into the file the
 * workflow was parsed from, so workflow_check() can report `file:line:col`.
 */
#ifndef DOCKET_WORKFLOW_H
#define DOCKET_WORKFLOW_H

#include <stddef.h>

struct diags;
struct expr;
struct form;
struct org;
struct ydoc;

/* A position in the definition file (1-based; 0 when not known). */
struct wpos {
	int line, col;
};

enum step_type {
	STEP_APPROVAL,  /* people decide: approve / reject / return ... */
	STEP_HANDLING,  /* 承办: a lead department (主办) and co-handlers (协办) */
	STEP_CIRCULATE, /* 传阅: read-only items, never blocks; flow goes on at once */
	STEP_AUTO,      /* the system acts: assign the document number, archive */
	STEP_EXCLUSIVE, /* first branch whose condition holds, else the default */
	STEP_INCLUSIVE, /* every branch whose condition holds, joined at `join` */
	STEP_PARALLEL,  /* every branch, joined at `join` */
	STEP_JOIN,      /* waits for the branches that were taken */
	STEP_END        /* finishes the request */
};

enum step_mode {
	MODE_SINGLE,      /* one handler (the only assignee) */
	MODE_SEQUENTIAL,  /* 依次审批: assignees one after another */
	MODE_COUNTERSIGN, /* 会签: all must approve; one rejection fails the step */
	MODE_ANY,         /* 或签: the first decision completes the step */
	MODE_VOTE,        /* 票签: passes at k approvals (or a percentage) */
	MODE_CLAIM        /* offered to several: one claims, the offers vanish */
};

enum assign_kind {
	A_USER,      /* user: ID */
	A_ROLE,      /* role: ID, optionally within department: ID|applicant */
	A_DEPT_HEAD, /* department_head: ID|applicant */
	A_SUPERIOR,  /* superior: N (levels above the applicant) */
	A_MEMBERS,   /* members: ID|applicant (everyone in the department) */
	A_FIELD      /* field: ID (a user field: those users; a department field: their heads) */
};

struct assign {
	enum assign_kind kind;
	char *ref;        /* user, role, department or field id; "applicant" allowed where noted */
	char *dept;       /* A_ROLE: department id or "applicant"; NULL = anywhere */
	int levels;       /* A_SUPERIOR */
	int line, col;    /* the value of the kind key (`role: HERE`) */
	struct wpos dept_pos; /* A_ROLE: the value of `department:` */
};

struct branch {
	struct expr *when; /* NULL for the default branch and parallel branches */
	int is_default;
	char *next;        /* target step id */
	int line, col;     /* the branch mapping */
	struct wpos next_pos; /* the value of `next:` */
	struct wpos when_pos; /* the value of `when:` (or `default:`) */
};

enum duration_unit { DUR_MINUTES, DUR_HOURS, DUR_DAYS, DUR_WORKDAYS };

struct duration {
	long amount;            /* 0 = not set */
	enum duration_unit unit;
};

enum timeout_action {
	TIMEOUT_NONE,
	TIMEOUT_REMIND,   /* remind the handlers again */
	TIMEOUT_ESCALATE, /* hand the task to the handler's superior */
	TIMEOUT_APPROVE,  /* decided by the system: approve */
	TIMEOUT_REJECT    /* decided by the system: reject */
};

enum auto_action { AUTO_NONE, AUTO_NUMBER, AUTO_ARCHIVE };

/* Where a handler may return a request to (flags). */
#define RETURN_PREVIOUS  0x1 /* the step before this one */
#define RETURN_APPLICANT 0x2 /* back to the applicant (draft) */
#define RETURN_VISITED   0x4 /* any earlier step actually visited */

enum document_access { DOC_NONE, DOC_READ, DOC_EDIT, DOC_SIGN };

struct step {
	char *id;
	char *name;               /* shown to people; defaults to id */
	enum step_type type;
	enum step_mode mode;
	int pass_count;           /* MODE_VOTE: approvals needed (k), or 0 */
	int pass_percent;         /* MODE_VOTE: percentage needed, or 0 */
	struct assign *assigns;   /* who handles (approval, circulate) */
	size_t nassigns;
	struct assign *fallback;  /* who takes a step the policies leave with nobody, or NULL: the superior */
	size_t nfallback;
	int pick;                 /* the previous handler picks from the assignees */
	struct assign *lead;      /* STEP_HANDLING: the lead department (主办), or NULL */
	struct assign *co;        /* STEP_HANDLING: co-handling departments (协办) */
	size_t nco;
	struct branch *branches;  /* exclusive / inclusive / parallel */
	size_t nbranches;
	char *next;               /* next step id, "end", or NULL = the following step */
	char *join;               /* inclusive / parallel: the join step id */
	enum auto_action action;  /* STEP_AUTO */
	char *organ;              /* AUTO_NUMBER: department whose code numbers documents */
	struct duration deadline;
	struct duration remind_every;
	enum timeout_action on_timeout;
	int return_to;            /* RETURN_* flags; default previous|applicant|visited */
	char **return_steps;      /* explicit step ids a return may target, or NULL */
	size_t nreturn_steps;
	int opinion_required;     /* every decision must carry an opinion (default 1) */
	enum document_access document;
	char **editable;          /* form fields the handler may change */
	size_t neditable;
	int line, col;            /* the step's `id:` value (the step mapping if none) */
	size_t index;             /* position in workflow->steps */
	struct wpos next_pos;     /* the value of `next:` */
	struct wpos join_pos;     /* the value of `join:` */
	struct wpos organ_pos;    /* the value of `organ:` */
	struct wpos pass_pos;     /* the value of `pass:` */
	struct wpos *return_pos;  /* one per return_steps entry */
	struct wpos *editable_pos; /* one per editable entry */
};

enum self_approval { SELF_ALLOW, SELF_SKIP, SELF_SUPERIOR };
enum resubmit { RESUBMIT_RESTART, RESUBMIT_TO_RETURNER };

struct workflow {
	char *id;
	char *name;
	char *form;               /* form id */
	char *category;           /* grouping for people ("公文", "人事"), or NULL */
	char *calendar;           /* `calendar:` id for working-day durations; default "cn" */
	struct assign *initiators; /* who may start it; none = everyone */
	size_t ninitiators;
	enum self_approval self_approval;
	int dedupe;               /* skip a signer who already approved earlier */
	enum resubmit resubmit;
	char *(*separate)[2];     /* pairs of step ids one person may not both act on */
	size_t nseparate;
	struct step *steps;
	size_t nsteps;
	int line, col;            /* the top-level mapping */
	struct wpos form_pos;     /* the value of `form:` */
	struct wpos calendar_pos; /* the value of `calendar:`; 0:0 when the key is absent */
	struct wpos (*separate_pos)[2]; /* one pair per separate entry */
};

/* Build from a document; problems local to the file go to d. */
struct workflow *workflow_parse(const struct ydoc *doc, struct diags *d);
/*
 * Static checks that need the organisation and the form: unknown roles,
 * departments, users and fields; ill-typed conditions; unreachable steps;
 * steps with no way to the end; exclusive routing with no default;
 * branches that never reach their join; return targets that can never have
 * been visited; vote thresholds that cannot be met. `org` and `form` may be
 * NULL (then the checks needing them report that they are missing).
 */
int workflow_check(struct workflow *w, const struct ydoc *doc, const struct org *org,
		   const struct form *form, struct diags *d);
void workflow_free(struct workflow *w);

const struct step *workflow_step(const struct workflow *w, const char *id);
/*
 * The step that follows `s` (resolving the default "next in the file"); NULL =
 * end. Routing steps (exclusive, inclusive, parallel) go on through their
 * branches, and `end` steps finish: for those it returns NULL.
 */
const struct step *workflow_next(const struct workflow *w, const struct step *s);
const char *step_type_name(enum step_type t);
const char *step_mode_name(enum step_mode m);
/* Parse "8h", "2d", "3wd", "30m"; 0 on success. */
int duration_parse(const char *s, struct duration *out);

#endif
