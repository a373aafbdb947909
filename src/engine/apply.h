/*
 * apply.h: what the files of the engine's judge share (apply.c, policy.c,
 * route.c, tasks.c, lifecycle.c). Not a front door: only src/engine/.
 */
#ifndef DOCKET_APPLY_H
#define DOCKET_APPLY_H

#include <jansson.h>
#include <stdint.h>

#include "../defs/assign.h"
#include "../util/buf.h"
#include "eng_internal.h"

struct calendar;
struct org;
struct step;

/* A request as stored. */
struct inst {
	char *id, *uuid, *workflow, *wf_hash, *form_hash, *org_hash, *applicant, *title;
	enum request_state state;
	char *doc_number, *resume_step;
	json_t *data;          /* canonical form data */
	int64_t submit_seq;
	const struct eng_defs *defs;
};

/* A task as stored. */
struct task {
	char *id, *instance, *step, *assignee, *on_behalf, *kind, *resumes, *after_task, *decision;
	enum task_state state;
	int extra, ord, timed_out;
	int64_t deadline, next_remind, decided_seq; /* 0 = none */
	int64_t created_seq;  /* the event that made it */
};

/* What one apply call works with. */
struct ctx {
	struct engine *e;
	const struct eng_event *ev;
	struct inst in;   /* the request concerned (id NULL when none) */
	int ntask;        /* tasks created so far by this event (for their ids) */
	int ntrail;       /* trail lines written so far by this event */
	int depth;        /* routing recursion guard */
	const struct calendar *cal; /* the event's calendar (NULL: the fallback) */
	int cal_loaded;   /* cal was looked up */
	int rules;        /* the rules the event carries (0: none, older than rules 2) */
	int strict;       /* rules >= ENG_RULES_STRICT: every check; older events replay as they were */
	struct task t;    /* the payload's task, when the action targets one (loaded before the rule) */
	int pick_used;    /* a step that lets the previous handler pick was entered */
};

#define REFUSE(c, ...) eng_fail((c)->e, ENG_REFUSED, __VA_ARGS__)

/* Why the workflow's policies keep someone from handling a step. */
enum bar { BAR_NONE, BAR_SELF, BAR_SEPARATE, BAR_DEDUPE };

/* Every operation's rule (actions.def names them). */
#define ENG_ACTION(name, type, target, checks, apply, ...) int apply(struct ctx *c);
#include "actions.def"
#undef ENG_ACTION

/* The payload's string `key`, or NULL. */
const char *eng_pstr(const struct ctx *c, const char *key);
/* One line of the trail. */
int eng_trail_add(struct ctx *c, const char *step, const char *actor, const char *on_behalf,
		 const char *action, const char *detail, const char *opinion);
/* The text a state is stored as (states.def). */
const char *eng_request_state_text(enum request_state s);
const char *eng_task_state_text(enum task_state s);
/* The state stored as `text` into *out: 0, or -1 when no state is so called. */
int eng_request_state_parse(const char *text, enum request_state *out);
int eng_task_state_parse(const char *text, enum task_state *out);
/* Set the request's state (and its last change) to `state`. */
int eng_set_state(struct ctx *c, enum request_state state);
/* Load request `id` into c->in with its definitions; ENG_REFUSED when unknown. */
int eng_load_inst(struct ctx *c, const char *id);
/* Load task `id`; ENG_REFUSED when unknown. */
int eng_load_task(struct ctx *c, const char *id, struct task *t);
/* Free a task's strings (it can be loaded again). */
void eng_task_release(struct task *t);
/* 1 if `user` is a system, security or audit administrator in o. */
int eng_is_admin(const struct org *o, const char *user);
/*
 * Rules 3: refuse an administrator an action that is not an
 * administrator's work (三员分立); o is the organisation the event is judged by.
 */
int eng_need_not_admin(struct ctx *c, const struct org *o, const char *what);
/* 1 if `user` holds role `role` in the request's organisation. */
int eng_has_role(const struct org *o, const char *user, const char *role);
/* A person as messages name them: their name in the request's organisation, else the id. */
const char *eng_who_name(const struct ctx *c, const char *user);
/* A step as messages name it. */
const char *eng_step_label(const struct ctx *c, const char *id);
/*
 * The loaded request as messages name it: its title, as people know it —
 * the id when the actor may not read the request (need to know), or it
 * has no title.
 */
const char *eng_request_label(const struct ctx *c);
/* 1 if `user` exists in the request's organisation (else refuse). */
int eng_need_user(struct ctx *c, const char *user);
/*
 * Why the policies keep `user` from step `step`, as the trail stores it
 * and eng_reason_text words it: {"reason": code, "user", "step"[,
 * "other"]} (new reference). Codes: ENG_REASON_APPLICANT (self-approval),
 * ENG_REASON_SEPARATION (other: the paired step they acted on),
 * ENG_REASON_DEDUPE (other: the step they approved at).
 */
json_t *eng_reason(const char *code, const char *user, const char *step, const char *other);
/* A reason in words, translated, with names from the request's definitions. */
void eng_reason_words(const struct ctx *c, const json_t *why, struct buf *out);
/*
 * Whether the workflow's policies let `user` handle step `s` of this
 * request, however they would come to it (assigned, picked, added as a
 * signer, transferred to, delegated to, standing in, escalated to): a
 * BAR_* (>= 0), with the reason (eng_reason; caller decrefs) in *why when
 * barred and why is not NULL, or a negative status. Self-approval first,
 * then separation of duties, then dedupe (so a person both rules keep out
 * is said to be kept out by separation, which a fallback must then
 * honour).
 */
int eng_barred(struct ctx *c, const char *user, const struct step *s, json_t **why);
/*
 * Refuse making `user` a handler of step s when the policies bar them
 * (strict events only: older ones replay as they were decided).
 */
int eng_need_unbarred(struct ctx *c, const char *user, const struct step *s);
/*
 * The step paired with `step` by a `separate:` policy that `user` acted on,
 * into *other (NULL when none; points into the workflow). 0 or a negative status.
 */
int eng_separated(struct ctx *c, const char *user, const char *step, const char **other);
/*
 * The people of a people step after every policy; 0 and l filled (maybe
 * empty). When today's rules dropped someone for separation of duties,
 * *kept_out (caller decrefs) is the reason of the first of them: a step
 * left with nobody then goes to a fallback instead of passing.
 */
int eng_people(struct ctx *c, const struct step *s, struct assign_list *l, json_t **kept_out);
/*
 * A step the policies left with nobody because separation of duties kept
 * someone out, for the reason `why` (say, the only seal keeper applied,
 * and the superior who stands for them approved the paired step): passing
 * it would let one person do both. It goes to the step's `fallback:`
 * people the policies allow, else to the superior of the person kept out,
 * or theirs, and so on up; the trail names who and why. Refused when
 * nobody is left. Those people then go through the stand-ins (rules 4), as
 * assignees do.
 */
int eng_fallback(struct ctx *c, const struct step *s, const json_t *why, struct assign_list *l);
/* A task to create (eng_add_task). */
struct new_task {
	const struct step *step; /* its step, or NULL (circulated by hand) */
	const char *user;        /* who acts */
	const char *on_behalf;   /* the person they stand in for, or NULL */
	const char *kind;        /* approve, offer, handle_lead, handle_co, read */
	enum task_state state;   /* TASK_PENDING or TASK_WAITING */
	int extra;               /* 0 the workflow's, 1 an added signer (加签), 2 a delegate (委派) */
	const char *resumes;     /* the task that waits for this one and resumes after it, or NULL */
	const char *after;       /* the task this one waits for (加签 after me), or NULL */
	int ord;                 /* order among the step's signers */
};
/* Create one task as `t` describes it; its id into *id_out (caller frees) when not NULL. */
int eng_add_task(struct ctx *c, const struct new_task *t, char **id_out);
/* Enter step s, coming from the people step `prev` (NULL: the applicant). */
int eng_enter(struct ctx *c, const struct step *s, const char *prev);
/* Close every open (non-read) task of the request, and forget where it was. */
int eng_close_all(struct ctx *c, enum task_state state);
/* After a decision at step s: pass it on, fail the request, or wait. */
int eng_settle(struct ctx *c, const struct step *s);
/*
 * The calendar the event counts working days on: the version it recorded
 * (`calendar_version`), else the fallback (Monday to Friday). 0 or a
 * negative status when the recorded version cannot be read.
 */
int eng_event_calendar(struct ctx *c, const struct calendar **out);
/* Read items for a circulate step (one per person per request, however often). */
int eng_circulate_to(struct ctx *c, const struct step *s, const char *user, const char *on_behalf);

/*
 * Rules 5: every text a person wrote into the payload (title, form answers,
 * opinions, a common opinion) holds no control, C1 or bidirectional
 * character, is within its limit and carries no classification marking
 * (text.c). 0 or ENG_REFUSED; a marking also sets e->refused_marking.
 */
int eng_check_text(struct ctx *c);

#endif
