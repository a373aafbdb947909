/*
 * engine: the approval engine — requests (instances), their tasks, and
 * every operation people perform on them, as events.
 *
 * Every action is one event appended to the store's log; the engine's
 * tables (eng_*, store schema 3) are derived from the events only and are
 * written in the same transaction as the event (see doc/engine.md).
 * engine_act() is the one way to change anything:
 *
 *   BEGIN IMMEDIATE → append the event (a UUID already there: no-op,
 *   success) → apply it (validate against the current state; a refusal
 *   rolls everything back) → COMMIT.
 *
 * Apply is deterministic: it reads the event, the derived state and the
 * definitions named by version hash, never the clock or randomness. So
 * engine_check() can rebuild every table by replaying the log and compare.
 *
 * The engine owns the eng_* tables; nothing else reads or writes them.
 * Ids of requests and tasks are short base32 strings derived from the
 * event that created them; engine_resolve() accepts any unique prefix.
 *
 * Errors: a negative status and a message in engine_error(): ENG_REFUSED
 * when the rules refuse the action (nothing changed), else a STORE_* status.
 */
#ifndef DOCKET_ENGINE_H
#define DOCKET_ENGINE_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct docs;
struct form;
struct org;
struct store;
struct workflow;

/*
 * What a person may write into an action, in characters (code points);
 * the engine refuses more (text.c, doc/security.md "Limits").
 */
#define ENG_TITLE_MAX 200          /* a request's title */
#define ENG_OPINION_MAX 2000       /* an opinion, or the reason to withdraw, urge, terminate */
#define ENG_COMMON_OPINION_MAX 200 /* a common opinion (常用意见) */
#define ENG_FIELD_TEXT_MAX 10000   /* each text of a form's answers */

/* The rules refused the action (bad state, not your task, ...). */
#define ENG_REFUSED (-20)
/*
 * Need to know or authority over a document refused it (not involved, not
 * the document's handler or signer): nothing changed, and the refusal is
 * recorded as action.refused by who tried. Front ends exit 5 (denied).
 */
#define ENG_DENIED (-21)

struct engine; /* opaque; engine_free() frees it */

/* What an action's payload names (actions.def). */
enum engine_target { ENG_ON_NONE, ENG_ON_TASK, ENG_ON_REQUEST };

/* A request's state (states.def; stored as its text). */
enum request_state {
#define REQUEST_STATE(name, text) REQUEST_##name,
#include "states.def"
#undef REQUEST_STATE
	REQUEST_STATE_COUNT
};

/* A task's state (states.def; stored as its text). */
enum task_state {
#define TASK_STATE(name, text) TASK_##name,
#include "states.def"
#undef TASK_STATE
	TASK_STATE_COUNT
};

/* What the engine checks before an action's rule (actions.def says the order). */
#define ENG_BY_PERSON 0x01u /* a person of the organisation acts (never "system") */
#define ENG_BY_SYSTEM 0x02u /* only the system (timers) */
#define ENG_MY_TASK   0x04u /* the payload's task is the actor's, open */
#define ENG_ANY_TASK  0x08u /* the payload's task exists */
#define ENG_REQUEST   0x10u /* the payload's request exists */
#define ENG_APPLICANT 0x20u /* only the applicant (with ENG_SYSADMIN: or a system administrator) */
#define ENG_SYSADMIN  0x40u /* only a system administrator */
#define ENG_TO_DECIDE 0x80u /* the task is one to decide, not an item to read */
#define ENG_BATCH     0x100u /* its verb makes one such event per request (no --uuid) */
#define ENG_ADMIN_OK  0x200u /* an administrator's work: the three administrators may make
				only these (三员分立), never a business action */
#define ENG_TO_READ   0x400u /* the task is an item to read (传阅) */
/*
 * The request's state: the action needs one of the states named (none
 * named: any state), else it is refused with the row's `wrong_state`.
 */
#define ENG_IN(state)  (0x800u << (state))
#define ENG_STATES     (((1u << REQUEST_STATE_COUNT) - 1) << 11) /* every ENG_IN bit */
#define ENG_RUNNING    ENG_IN(REQUEST_RUNNING)
/* its applicant may still change it: a draft, or returned or withdrawn */
#define ENG_CHANGEABLE (ENG_IN(REQUEST_DRAFT) | ENG_IN(REQUEST_RETURNED) | ENG_IN(REQUEST_WITHDRAWN))
/* not finished (approved, rejected, terminated) */
#define ENG_UNFINISHED (ENG_CHANGEABLE | ENG_RUNNING)
/* submitted at least once: anything but a draft */
#define ENG_SUBMITTED  (ENG_STATES & ~ENG_IN(REQUEST_DRAFT))

/* Every operation, from actions.def. */
enum engine_op {
#define ENG_ACTION(name, ...) ENG_OP_##name,
#include "actions.def"
#undef ENG_ACTION
	ENG_OP_COUNT
};

/* One row of the action table (actions.def); strings untranslated: pass them through _(). */
struct engine_action {
	enum engine_op op;
	const char *type;           /* the event type */
	enum engine_target target;
	unsigned checks;            /* ENG_BY_PERSON, ... */
	const char *verb;           /* the `docket` verb, or NULL */
	const char *title;          /* what people call it */
	const char *done;           /* what was done, one %s */
	const char *deny;           /* the refusal by ENG_APPLICANT/ENG_SYSADMIN, or NULL */
	const char *wrong_state;    /* the refusal by the state the checks name (request, state), or NULL */
};

/* The row of op; of an event type; of a `docket` verb (NULL when none). */
const struct engine_action *engine_action(enum engine_op op);
const struct engine_action *engine_action_by_type(const char *type);
const struct engine_action *engine_action_by_verb(const char *verb);

struct store_migration;
/*
 * The engine's steps of the store's schema (eng_schema.c: the eng_*
 * tables), for the core library's list of every module's steps
 * (src/schema.c; see store_sql.h).
 */
const struct store_migration *engine_schema(void);

/* An engine on an open store (borrowed; close the store after the engine). */
struct engine *engine_new(struct store *s);
void engine_free(struct engine *e);
const char *engine_error(const struct engine *e);
/*
 * Link the store's documents (borrowed: free the engine before them). With
 * documents linked, an approval at a step with `document:` access records
 * the exact head commit of each document attached to the request (in the
 * event and as a docs_approve in the same transaction), a `document: sign`
 * step signs them off, a document changed after its sign-off blocks
 * the steps after the sign-off, and taking an approval back withdraws what
 * it recorded (a sign-off no longer holds) (doc/engine.md, "Documents"). Without it the
 * engine neither records nor requires documents (unit tests, benchmarks).
 */
void engine_set_docs(struct engine *e, struct docs *d);
/*
 * Where the people acting through this engine sit ("HOST TTY OS-USER"):
 * recorded as "terminal" in every event they make, for the audit trail.
 */
void engine_set_terminal(struct engine *e, const char *terminal);

/*
 * Perform one action. `type` is an event type (doc/engine.md lists them),
 * `payload` a JSON object (borrowed) with the action's inputs; `uuid` is
 * the idempotency key (NULL: a new random one). Returns 0 when applied, 1
 * when an event with that UUID was already applied (nothing done), or a
 * negative status. When the action created a request, *created (if not
 * NULL) receives its id (caller frees).
 */
int engine_act(struct engine *e, const char *uuid, const char *type, const char *actor,
	       json_t *payload, char **created);

struct store_event;
/*
 * Judge an event made and signed on another store (a terminal's push to
 * docketd; doc/protocol.md) and append it, signature kept, inside the
 * caller's open transaction. It must be signed by the key that signs for
 * its actor now in this store; be judged by today's rules (its payload's
 * "rules"); name the definition version, stand-in principal and calendar
 * this store's state gives; and pass every rule of the engine's apply.
 * Returns 0 when appended (*seq: its sequence here), 1 when the same event
 * (same signed content and signature) is in the log already (*seq), or
 * ENG_REFUSED with *code ("malformed", "unsigned", "wrong_key",
 * "bad_signature", "system_event", "definition", "unknown_type",
 * "rules_version", "stale", "documents", "uuid_conflict", "refused": a
 * static string) and the reason in engine_error(), nothing written; or
 * another negative status (the caller rolls the batch back).
 */
int engine_accept(struct engine *e, const struct store_event *ev, int64_t *seq, const char **code);
/*
 * A terminal's own event applied again after the server's (sync's
 * rebase): judged as engine_accept judges, but the event may be one a
 * terminal keeps to itself (the system's timers, a deployment, one that
 * records document revisions), and it goes back into the log with
 * store_event_reappend from its old sequence `was`. 0 applied, or
 * ENG_REFUSED with *code and the reason in engine_error(), or < 0.
 */
int engine_reapply(struct engine *e, const struct store_event *ev, int64_t was, int64_t *seq, const char **code);
/*
 * An event the server sequenced and a terminal pulls: judged as
 * engine_accept judges (its signature, the rules), but not refused as
 * stale, since what it says of the state was checked by the server at its
 * place in the server's log, which the terminal's own definitions or
 * history may be ahead of or behind (sync's rebase.c).
 */
int engine_accept_decided(struct engine *e, const struct store_event *ev, int64_t *seq, const char **code);
/*
 * Rebuild the state tables by replaying the log up to sequence `upto`
 * (inside the caller's transaction): the slow, always-right way to take
 * the tail off when the undo journal cannot. 0 or < 0.
 */
int engine_rebuild(struct engine *e, int64_t upto);

/*
 * Start a request of the deployed workflow `workflow` (its id) as `user`,
 * on the current versions of the workflow, its form and the organisation:
 * the form data `input` (field id -> value as a person typed it; borrowed;
 * NULL: none), a title (NULL or "": the form's `title` field, else the title
 * its `title:` makes from the data), saved as a draft or submitted. The one
 * way front ends start a request: the engine judges who may start it and
 * every field, and refuses with each problem on its own line of
 * engine_error(). Returns as engine_act; *created gets the request's id.
 */
int engine_start(struct engine *e, const char *uuid, const char *user, const char *workflow, json_t *input,
		 const char *title, int draft, char **created);
/*
 * 1 if `user` may start the deployed workflow `workflow` (its current
 * version's `initiators:`), 0 if not, or a negative status (ENG_REFUSED:
 * not deployed). For front ends to offer only what will be accepted.
 */
int engine_may_start(struct engine *e, const char *user, const char *workflow);

/*
 * Whether the action `type` by `actor` under event `uuid` was applied
 * already: 1 (with *id, if not NULL, the request it created, else the
 * task or request it concerned; caller frees), 0 when no event has that
 * UUID, ENG_REFUSED when another action has it, or a negative status. A
 * caller resolving ids against the current state (a task that is decided
 * by now) asks this first, so that a retry succeeds as engine_act's does.
 */
int engine_repeated(struct engine *e, const char *uuid, const char *type, const char *actor, char **id);

/*
 * Process every timer due at `now` (reminders, deadlines), each as an event
 * made by "system" with a UUID derived from the timer, so two processes
 * ticking at once fire each timer once. *fired counts the events applied.
 */
int engine_tick(struct engine *e, time_t now, int *fired);

/*
 * Verify the event log's hash chain, then rebuild every engine table from
 * the events in a transaction and compare with the state before. Appends a
 * line per finding to `report`. Returns 0 when everything agrees, 1 when
 * something differs (the state is left as it was unless `repair`), or a
 * negative status.
 */
int engine_check(struct engine *e, int repair, struct buf *report, int64_t *events);

/*
 * The full id of a request ('i') or task ('t') from a unique prefix. 0 with
 * *out set (caller frees), or ENG_REFUSED (unknown or ambiguous).
 */
int engine_resolve(struct engine *e, char what, const char *prefix, char **out);
/* The request task `task` (a full id) belongs to: 0 with *instance set (caller frees), or ENG_REFUSED. */
int engine_task_request(struct engine *e, const char *task, char **instance);
/*
 * The task `user` can act on for `id`, which names a task or a request
 * (then the user's one open task in it). 0 with *task set (caller frees).
 */
int engine_my_task(struct engine *e, const char *user, const char *id, char **task);

/*
 * The approval `user` can take back (拿回) for `id`: the task it names, or
 * their last approval in the request it names. 0 with *task set (caller
 * frees), or ENG_REFUSED.
 */
int engine_my_approval(struct engine *e, const char *user, const char *id, char **task);

/*
 * The content hash of the current deployed version of (kind, id) — kind
 * "organisation" ignores id — or NULL when none. Caller frees.
 */
char *engine_current_version(struct engine *e, const char *kind, const char *id);
/*
 * The deployed version of (kind, id), current or not, whose hash starts with
 * `prefix`: 0 with *hash set (caller frees), or ENG_REFUSED (none, ambiguous).
 */
int engine_find_version(struct engine *e, const char *kind, const char *id, const char *prefix,
			char **hash);

/*
 * Move requests of workflow `workflow` to its deployed version `to` (a full
 * hash): those named in `instances` (a JSON array of ids or prefixes; NULL
 * or empty: every unfinished request not already on `to`). `map` (a JSON
 * object, old step id → new step id) must map every step a request is at,
 * its open parallel blocks' split and join, and the step a returned request
 * resumes at. One `instance.migrated` event per request, all in one
 * transaction: when any request cannot move, nothing moves (ENG_REFUSED,
 * the message names the request and the step). With dry_run the plan is
 * applied and rolled back. *moved (caller decrefs) lists
 * {request, from, to, steps}. Only a system administrator may migrate.
 */
int engine_migrate(struct engine *e, const char *actor, const char *workflow, const char *to,
		   json_t *map, json_t *instances, int dry_run, json_t **moved);

/* Which inbox: what to do, what I did, my requests, what to read. */
enum inbox_kind { INBOX_TODO, INBOX_DONE, INBOX_MINE, INBOX_TOREAD };

/*
 * The inbox as a JSON array (caller decrefs); NULL on error. Task rows
 * carry `received` (and `decided_at`) as ISO 8601 UTC; the to-do list also
 * holds the user's requests returned to them, as rows of kind "resubmit"
 * with no task, and their tasks waiting for a signer they added before
 * them or for their delegate, with `waiting_for` (who) and `waiting_reason`
 * ("signer_added", "delegated"); my requests carry `updated_at`
 * (doc/engine.md, "The inbox").
 * Every id people read has a `*_name` next to it (workflow_name,
 * step_name, applicant_name, ...), from the versions the request runs on.
 */
json_t *engine_inbox(struct engine *e, const char *user, enum inbox_kind which);
/* One request: fields, steps, tasks, trail, with names as in the inbox; NULL on error. */
json_t *engine_show(struct engine *e, const char *instance);
/*
 * The definitions request `instance` runs on (its pinned workflow, form and
 * organisation versions), to show its fields and ids as people read them.
 * Borrowed from the engine: valid until engine_free(). 0, or a negative
 * status with a message (ENG_REFUSED: no such request).
 */
int engine_request_defs(struct engine *e, const char *instance, const struct workflow **wf,
			const struct form **form, const struct org **org);

/*
 * Words for people, translated (the id itself when unknown): a request's
 * state ("in progress" for running), a trail action or a task's decision
 * ("approved" for approve), a task's kind ("lead" for handle_lead), a
 * task's state (a done task: its decision).
 */
const char *engine_state_label(const char *state);
const char *engine_action_label(const char *action);
const char *engine_task_kind_label(const char *kind);
const char *engine_task_state_label(const char *state, const char *decision);
/*
 * A row of engine_show()'s trail as people read it: who ("冯雪 on behalf
 * of 黄伟", "system" translated), then what, where, the detail by name
 * ("returned @部门审核 to applicant", "circulated 王芳") and, with
 * `opinion`, ": " and the opinion; names from the request's definitions
 * (engine_request_defs; NULL: ids stand in for names).
 */
void engine_trail_who(const json_t *row, struct buf *out);
void engine_trail_what(const json_t *row, const struct workflow *wf, const struct org *org, int opinion,
		       struct buf *out);
/* The row's opinion, which engine_trail_what leaves out without `opinion`; NULL when none. */
const char *engine_trail_opinion(const json_t *row);
/*
 * A to-do row of engine_inbox() that waits for someone acting for its
 * holder first (`waiting_for`): whom and why in words, appended to out —
 * "(waiting for 孙丽)", zh_CN （等待 孙丽 加签） for a signer added before
 * them, （等待 冯雪 办理） for a delegate — so `docket inbox` and the TUI's
 * 待办 say the same. 1 when appended, 0 (nothing) for any other row.
 */
int engine_waiting_note(const json_t *row, struct buf *out);
/*
 * The stand-ins (代理) not yet ended on `today` (YYYY-MM-DD): those
 * `user` named and those naming `user` (NULL: everyone's), by first day:
 * [{id (the UUID of the standin.set event: what standin.cancelled names),
 * user, user_name, standin, standin_name, from, to, workflow,
 * workflow_name (null: every workflow)}]. NULL on error.
 */
json_t *engine_standins(struct engine *e, const char *user, const char *today);
/*
 * The deployed workflow `s` names, by its id or by its name (请假) when
 * one workflow has it: 0 with *id (caller frees), or ENG_REFUSED (none,
 * or several of that name), or a status.
 */
int engine_find_workflow(struct engine *e, const char *s, char **id);
/* A user's common opinions, most used first; NULL on error. */
json_t *engine_opinions(struct engine *e, const char *user);
/*
 * Need to know (access.c; doc/security.md, "Need to know"). A person is
 * involved in a request when they are its applicant or hold or held one of
 * its tasks (a handler, the person a stand-in acted for and the stand-in,
 * an added signer, a delegate, a reader it was circulated to). As SQL over
 * every request, for a server that sends a person only theirs: the ids of
 * the requests person ?1 is involved in.
 */
#define ENGINE_INVOLVED_SQL                                                       \
	"SELECT id FROM eng_instances WHERE applicant = ?1"                         \
	" UNION SELECT instance FROM eng_tasks WHERE assignee = ?1 OR on_behalf = ?1"
/*
 * The same the other way: the people involved in request ?1, one per row
 * (what the sync server indexes after each event it sequences).
 */
#define ENGINE_INVOLVED_IN_SQL                                                    \
	"SELECT applicant FROM eng_instances WHERE id = ?1"                         \
	" UNION SELECT assignee FROM eng_tasks WHERE instance = ?1"                 \
	" UNION SELECT on_behalf FROM eng_tasks WHERE instance = ?1 AND on_behalf IS NOT NULL"
/*
 * The request the last event applied (engine_act, engine_accept) belongs
 * to: its task's or its own, the one it created, a read document's; NULL
 * when none (identity events, stand-ins, opinions) or when it was refused.
 * Borrowed until the next event.
 */
const char *engine_applied_request(const struct engine *e);
/* 1 if a role of `user` in the current organisation grants read_all (never an administrator's). */
int engine_reads_all(struct engine *e, const char *user);
/* 1 if `user` is involved in request `instance`, 0 if not, or a negative status. */
int engine_involved(struct engine *e, const char *user, const char *instance);
/*
 * May `user` read request `instance` (its fields, tasks, trail, documents)?
 * Involved, or a role of theirs in the current organisation grants
 * `read_all` (never to an administrator). 0 when they may; ENG_DENIED
 * (message in engine_error, refusal recorded) when not; or a status.
 */
int engine_may_read(struct engine *e, const char *user, const char *instance);
/*
 * For lists and searches, which leave out what a person may not read
 * (nothing recorded): 1 if `user` may read a document of request
 * `instance` (NULL: in no request, drafted by `drafter`), 0, or a status.
 */
int engine_can_read_doc(struct engine *e, const char *user, const char *instance, const char *drafter);
/* The same for document `doc` (a full id): its request's rule; in no request, its drafter's. */
int engine_may_read_doc(struct engine *e, const char *user, const char *doc);
/*
 * May `user` change document `doc` now (a new revision, an attachment), or
 * with doc NULL attach a new document to request `instance`? Its request
 * with its applicant (draft, returned, withdrawn): the applicant; running:
 * the holder of an open task at a current step with `document: edit` or
 * `sign`; finished: nobody. In no request: its drafter. 0, ENG_DENIED
 * (recorded) or a status.
 */
int engine_may_edit_doc(struct engine *e, const char *user, const char *doc, const char *instance);
/*
 * May `user` sign off document `doc`: the person its running request's
 * sign step names (an open task there, or the last approval there once
 * passed)? 0, ENG_DENIED (recorded) or a status.
 */
int engine_may_signoff_doc(struct engine *e, const char *user, const char *doc);
/* `doc signoff`: engine_may_signoff_doc, then the sign-off of exactly `commit` (docs_approve, frozen). */
int engine_doc_signoff(struct engine *e, const char *user, const char *doc, const char *commit);
/*
 * Record that `user` read revision `rev` (`commit`) of document `doc`, as a
 * signed document.read event (`how`: "show", "export", "tui"). It changes
 * nothing; the engine refuses it from someone not involved. 0 or a status.
 */
int engine_doc_read(struct engine *e, const char *user, const char *doc, int rev, const char *commit,
		    const char *how);
/* The current organisation (its latest deployed version, parsed and cached); NULL when none is deployed. */
const struct org *engine_org(struct engine *e);

#endif
