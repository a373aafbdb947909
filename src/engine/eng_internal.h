/*
 * eng_internal: what the files of src/engine/ share. Not a front door.
 */
#ifndef DOCKET_ENG_INTERNAL_H
#define DOCKET_ENG_INTERNAL_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include "../util/buf.h"
#include "../yaml/ydoc.h"
#include "engine.h"

struct store;
struct workflow;
struct form;
struct org;
struct calendar;

/* The definitions one request runs on, parsed from their versions. */
struct eng_defs {
	char *wf_hash, *form_hash, *org_hash; /* the versions (org alone: others NULL) */
	struct ydoc docs[3];       /* organisation, form, workflow documents */
	struct org *org;
	struct form *form;         /* NULL for an organisation-only entry */
	struct workflow *wf;       /* NULL for an organisation-only entry */
	int64_t roles_v;           /* the granted roles laid over org (auth_roles_version), -1: none yet */
	struct eng_defs *next;     /* the cache's list */
};

/* A deployed calendar version, parsed (the cache's list). */
struct eng_cal {
	char *hash;                /* its version */
	struct ydoc doc;           /* the document it was parsed from */
	struct calendar *cal;      /* parsed */
	struct eng_cal *next;
};

struct sm2key;

struct engine {
	struct store *s;                  /* borrowed; its kit caches our statements */
	sqlite3 *db;                      /* its connection, for tests that look inside (SQL: the kit) */
	struct buf err;                   /* the last message */
	struct eng_defs *defs;            /* parsed definitions by version */
	struct eng_cal *cals;             /* parsed calendars by version */
	struct docs *docs;                /* the store's documents (borrowed), or NULL: not linked */
	char *created;                    /* the request the last applied event created */
	struct sm2key *vkey;               /* the public key engine_accept verified with last (accept.c) */
	char *vkey_pub;                   /* ... as its base64 text */
	char *applied;                    /* the request the last applied event belongs to (the sync
					     server's need-to-know index), or NULL: none */
	char *terminal;                   /* where people act from, recorded in their events, or NULL */
	struct auth_role *roles;          /* the security administrator's role changes (auth_roles_list) */
	size_t nroles;
	int64_t roles_v;                  /* their version (auth_roles_version), -1: not read */
	char refused_marking[8];          /* the level word of the marking the last action was refused
					     for ("" none): engine_act records the refusal (text.c) */
};

/*
 * The timer index (eng_tasks_due, store schema 7), one entry per pending
 * task with a time: ENG_TASK_DUE is when its next timer is due (its
 * deadline unless it already timed out, or its next reminder, whichever
 * comes first) and ENG_TASK_TIMED says which tasks have one. A query finds
 * due tasks with both, written exactly so, for SQLite to use the index.
 */
#define ENG_TASK_TIMED "state = 'pending' AND (next_remind IS NOT NULL OR (deadline IS NOT NULL AND timed_out = 0))"
#define ENG_TASK_DUE                                                                            \
	"min(ifnull(next_remind, 9223372036854775807),"                                            \
	" CASE WHEN timed_out = 0 THEN ifnull(deadline, 9223372036854775807) ELSE 9223372036854775807 END)"

/*
 * The rules an action is judged by. engine_act stamps every new event's
 * payload with "rules": ENG_RULES (whatever a caller put there); replay
 * judges an event by the rules it carries, so events accepted before a
 * rule was added replay as they were decided. ENG_RULES is today's
 * version; each rule names the version that introduced it, and holds for
 * events carrying that version or a later one.
 */
#define ENG_RULES 6
/*
 * 2: the engine judges forms, initiators, picks and the policies on every
 * way to a handler (a "strict" event, struct ctx): every check of
 * doc/engine.md, "The engine alone judges an action".
 */
#define ENG_RULES_STRICT 2
/* 3: the three administrators make no business action (三员分立). */
#define ENG_RULES_ADMINS 3
/*
 * 4: the people a step falls back to (eng_fallback) go through the
 * stand-ins as assignees do, and the trail names each of them.
 */
#define ENG_RULES_FALLBACK 4
/*
 * 4: what the engine itself writes into a request does not depend on the
 * process's language, so replay gives the same rows in every locale: the
 * trail stores a policy's reason as a code with ids (worded when shown),
 * and a made title says yes and no as 是 and 否 (formdata_title).
 */
#define ENG_RULES_WORDS 4
/*
 * 5: every text a person writes into an action (title, form answers,
 * opinions, a common opinion) is judged: no control, C1 or bidirectional
 * characters, a limit each, no classification marking (text.c).
 */
#define ENG_RULES_TEXT 5

/*
 * 6: need to know (access.c): a document.read is by someone involved in
 * the document's request (or granted read_all).
 */
#define ENG_RULES_READ 6

/* The codes of a policy's reason (eng_reason, eng_reason_text). */
#define ENG_REASON_APPLICANT "applicant"   /* self-approval: the applicant */
#define ENG_REASON_SEPARATION "separation" /* separation of duties: acted on the paired step */
#define ENG_REASON_DEDUPE "dedupe"         /* dedupe: approved at another step */

/* The event being applied. */
struct eng_event {
	int64_t seq;          /* its sequence in the log */
	const char *uuid;
	const char *type;
	const char *actor;
	const char *on_behalf;
	const char *def_version;
	time_t made_at;
	json_t *p;            /* payload */
};

/*
 * A policy's reason (a trail row's, a refusal's: {"reason": code, "user",
 * "step"[, "other"]}) in words, names from wf and org (either may be NULL:
 * ids then); translated, or with `translate` 0 the English text older
 * events stored. An unknown code is shown as the JSON it is.
 */
void eng_reason_text(const json_t *why, const struct workflow *wf, const struct org *org, int translate,
		     struct buf *out);

/* printf into e->err; returns status. */
int eng_fail(struct engine *e, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * The SQL helpers: the store's kit (store_sql.h, whose contract they keep)
 * with the message in e->err. eng_sql_fail turns an SQLite code into a
 * store status with the store's wording (busy, read-only, full, damaged).
 */
int eng_sql_fail(struct engine *e, int rc);
/*
 * The cached statement for `sql` (a literal), reset and bound from fmt:
 * 's' text (NULL binds null), 'i' int64_t, 'd' int. NULL on error.
 */
sqlite3_stmt *eng_q(struct engine *e, const char *sql, const char *fmt, ...);
/* Run a statement to completion; 0 or a negative status. */
int eng_run(struct engine *e, const char *sql, const char *fmt, ...);
/* First column of the first row as int: 1 found, 0 none, negative on error. */
int eng_int(struct engine *e, int64_t *out, const char *sql, const char *fmt, ...);
/* First column of the first row as a new string (NULL when none or null); *rc < 0 on error. */
char *eng_str(struct engine *e, int *rc, const char *sql, const char *fmt, ...);
/* Column i as a new string or NULL. */
char *eng_col(sqlite3_stmt *st, int i);

/* The definitions of versions wf/form/org (org alone when wf is NULL); NULL + message on error. */
const struct eng_defs *eng_defs_get(struct engine *e, const char *wf, const char *form, const char *org);
/* The calendar of version `hash`; NULL + message on error. */
const struct calendar *eng_cal_get(struct engine *e, const char *hash);
/* The hash of the current deployed version of (kind, id), or NULL. Caller frees. */
char *eng_current_hash(struct engine *e, const char *kind, const char *id);

/* What the state says of the event an action makes (engine_act fills it; engine_accept compares). */
struct act_ctx {
	const char *instance; /* the request it concerns, or NULL */
	char *def_version;    /* its workflow version, or the current organisation */
	char *on_behalf;      /* the task's principal (stand-in), or NULL */
	char *calendar;       /* the current version of the workflow's calendar, or NULL */
};
/*
 * Fill c for an action `type` with `payload` from the current state
 * (inside the transaction); the caller frees c's strings. 0 or < 0.
 */
int eng_act_context(struct engine *e, const char *type, json_t *payload, struct act_ctx *c);

/* A new short id for the n-th thing the event `uuid` creates, unique in `table` ('i' or 't'). */
int eng_new_id(struct engine *e, char table, const char *uuid, int n, char **out);

/* 1 if `user` may start the workflow of `d` (its `initiators:`; none: everyone in the organisation). */
int eng_may_start(const struct eng_defs *d, const char *user);
/* The id of the form that workflow version `wf` names, or NULL (caller frees). */
char *eng_workflow_form(struct engine *e, const char *wf);

/* Apply one event (engine_act and replay); 0 or a negative status. */
int eng_apply(struct engine *e, const struct eng_event *ev);
/* 1 if `type` is an event type the engine applies. */
int eng_is_engine_event(const char *type);

/*
 * The documents an approval concerns (doclink.c), worked out by engine_act
 * inside its transaction: before the event, what the payload records;
 * after applying it, the refusals and the docs_approve calls. Replay never
 * comes here: it reads "documents" from the payload only.
 */
struct eng_doclink {
	json_t *docs;         /* {"DOCID": {"commit": hex, "rev": n}}, or NULL: nothing to record */
	char *instance;       /* the request */
	char *step_name;      /* the step's name (for messages) */
	int access;           /* the step's enum document_access */
	int sign_ahead;       /* a `document: sign` step can still follow this step */
	char *resign;         /* a document changed after its sign-off, or NULL */
	int64_t withdraw_seq; /* a take back (拿回): the decision's event, whose approvals are withdrawn */
};
/*
 * For an approval (task.approved) with documents linked: fill l from the
 * state. For a take back (task.takenback): the documents the decision
 * recorded (its event's "documents"), to record in this event and to
 * withdraw. 0 (l->docs NULL when there is nothing to record) or a negative
 * status.
 */
int eng_doclink_before(struct engine *e, const char *type, json_t *payload, struct eng_doclink *l);
/*
 * After the event applied: refuse (ENG_REFUSED) what the documents forbid,
 * else record each document's approval (sign-off with freeze at a sign step);
 * after a take back, withdraw the approvals the decision recorded.
 */
int eng_doclink_after(struct engine *e, const char *actor, struct eng_doclink *l);
void eng_doclink_release(struct eng_doclink *l);
/* The trail detail of an approval's "documents" ("r3 (1a2b3c4)"), or NULL. Caller frees. */
char *eng_doclink_detail(json_t *documents);
/*
 * The documents attached to a request for engine_show: [{id, title, rev,
 * head, signed_commit, signed_rev, needs_resign}], or *out NULL when no
 * documents are linked. 0 or a negative status.
 */
int eng_doclink_show(struct engine *e, const char *instance, json_t **out);
/*
 * A sign-off binds its commit: each revision of the request's documents
 * made after a sign-off with other content goes into the trail `trail`
 * (engine_show's rows) in its place in the log, as "revised after
 * sign-off" by its author with "DOC rN (commit)". 0 or a negative status.
 */
int eng_doclink_trail(struct engine *e, const char *instance, json_t *trail);

/* A person as messages name them: their name in the deployed organisation, else the id. */
const char *eng_user_name(struct engine *e, const char *user);
/* 1 when `user` may read request `instance` (involved, or read_all), 0 if not, or a status (need to know). */
int eng_may_read(struct engine *e, const char *user, const char *instance);
/*
 * Request `instance` as a message to `user` names it (caller frees): its
 * title when user may read it (need to know), else its id.
 */
char *eng_request_title_for(struct engine *e, const char *user, const char *instance);

/*
 * Bench only (tests/bench/bench_engine.c): `ntasks` tasks of ntasks/10
 * running requests for `nusers` users u00000..., one transaction of direct
 * inserts (not events). 0 or a negative status.
 */
int engine_bench_fill(struct engine *e, int64_t ntasks, int nusers, const char *wf, const char *form,
		      const char *org);

#endif
