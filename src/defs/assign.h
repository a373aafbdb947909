/*
 * assign: who gets a task — assignee specs resolved to people.
 *
 * The approval engine calls this when a step starts: each spec of the step
 * (`user`, `role` with an optional department, `department_head`,
 * `superior`, `members`, `field`) is resolved against the organisation, the
 * applicant and the request's canonical form data (assign_resolve()); the
 * self-approval policy decides what happens to the applicant among them
 * (assign_self_target()); then the stand-ins (代理) of people who are away
 * take their place (assign_apply_standins()) — a stand-in who is the
 * applicant goes through the policy again.
 *
 * Pure: no clock (the engine passes `now`), no randomness, no I/O. The rules
 * for people are in doc/ref-workflows.md ("How assignees are resolved").
 */
#ifndef DOCKET_ASSIGN_H
#define DOCKET_ASSIGN_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "workflow.h"

struct buf;
struct form;
struct org;

/* One person who gets the task. */
struct assign_entry {
	char *user;       /* who acts (a user id); owned */
	char *on_behalf;  /* the person they stand in for (代理), or NULL; owned */
	size_t spec;      /* index of the spec that produced the person (the first, if several did) */
};

/* The people of a step, in spec order, each once. */
struct assign_list {
	struct assign_entry *v;
	size_t n, alloc;
};

#define ASSIGN_LIST_INIT { NULL, 0, 0 }

void assign_list_release(struct assign_list *l);

/*
 * Resolve `specs` for a request by `applicant` (a user id) with canonical
 * form `data` of `form` (both may be NULL when no spec is a `field:`).
 *
 * People are appended to `out` (which must be empty) in spec order, and
 * within a spec in the organisation's file order; someone named twice is
 * kept at their first place. Returns 0, or -1 when a spec resolves to
 * nobody: then `out` is emptied and `err` gets one message per failing spec
 * ("no one holds role 'director' in '市财政局'"), separated by "; ".
 */
int assign_resolve(const struct org *org, const struct assign *specs, size_t nspecs,
		   const char *applicant, const json_t *data, const struct form *form,
		   struct assign_list *out, struct buf *err);

/* A stand-in (代理): while `user` is away, `standin` acts for them. */
struct standin {
	const char *user;      /* who is away */
	const char *standin;   /* who acts instead */
	const char *workflow;  /* only for this workflow id; NULL = every workflow */
	time_t from, to;       /* away from <= now < to */
};

/* How many stand-ins in a row are followed (A -> B -> C ...). */
#define ASSIGN_STANDIN_HOPS 5

/*
 * Replace each person who is away at `now` in workflow `workflow_id` (NULL:
 * only stand-ins for every workflow apply) by their stand-in, recording
 * `on_behalf` = the person originally assigned. A stand-in who is away too
 * is replaced in turn, at most ASSIGN_STANDIN_HOPS times; a chain that comes
 * back to someone already on it stops at the last distinct person
 * (A -> B -> A: B acts). When several stand-ins are active for one person,
 * one for this workflow wins over one for every workflow, then the first in
 * `s`. The chain always starts from the person originally assigned
 * (`on_behalf` when set), so applying the same stand-ins again changes
 * nothing; when that person is not away the entry is left as it is.
 * Afterwards an entry equal to an earlier one (same user, same on_behalf) is
 * dropped: a stand-in keeps their own task and one per person they act for.
 */
void assign_apply_standins(struct assign_list *l, const struct standin *s, size_t n,
			   const char *workflow_id, time_t now);

/*
 * Who acts on a task assigned to `assignee` under the workflow's
 * self-approval policy: the assignee, unless they are the applicant; then
 * the assignee again (allow), NULL (skip: the task is recorded as skipped),
 * or the applicant's superior (superior; NULL when the applicant has none,
 * so the task is skipped). The result points into `org` or is `assignee`.
 */
const char *assign_self_target(const struct org *org, enum self_approval policy,
			       const char *applicant, const char *assignee);

#endif
