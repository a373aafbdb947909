/*
 * assign: resolving assignee specs to people, stand-ins, self-approval.
 *
 * Each spec kind is one small function over the organisation. The rules
 * that need a decision (documented in doc/ref-workflows.md):
 *  - `role` in a named department means that department or below it (as
 *    lint counts it); `role` with `department: applicant` looks only at the
 *    applicant's own department, then its parent, and so on up, and stops at
 *    the first department where someone *in it* holds the role (a sibling
 *    section is never asked).
 *  - A department head is the head of the department, or, when it has none,
 *    of the nearest department above that has one. This holds for
 *    `department_head:` and for a department `field:`.
 *  - `members` is everyone in the department and in the departments below it.
 *  - The applicant is never left out here: what happens when they are an
 *    assignee is the self-approval policy's decision (assign_self_target()).
 */
#include "assign.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "form.h"
#include "formdata.h"
#include "org.h"
#include "value.h"

void assign_list_release(struct assign_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].user);
		free(l->v[i].on_behalf);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}

/* State while resolving the specs of one step. */
struct rctx {
	const struct org *org;
	const char *applicant;        /* the applicant's id as given */
	const struct org_user *app;   /* the applicant, or NULL when unknown */
	const json_t *data;           /* canonical form data, or NULL */
	const struct form *form;      /* the form of `data`, or NULL */
	struct assign_list *out;
	size_t spec;                  /* index of the spec being resolved */
	size_t named;                 /* people the current spec named, duplicates included */
	struct buf *err;              /* messages so far, "; "-separated */
};

/* Add a message about the current spec. */
__attribute__((format(printf, 2, 3)))
static void rerr(struct rctx *c, const char *fmt, ...)
{
	va_list ap;
	if (c->err->len)
		buf_adds(c->err, "; ");
	va_start(ap, fmt);
	buf_vaddf(c->err, fmt, ap);
	va_end(ap);
}

/* Add a person for the current spec, unless an earlier spec added them. */
static void add_person(struct rctx *c, const char *id)
{
	c->named++;
	for (size_t i = 0; i < c->out->n; i++)
		if (!strcmp(c->out->v[i].user, id))
			return;
	ALLOC_GROW(c->out->v, c->out->n + 1, c->out->alloc);
	c->out->v[c->out->n].user = xstrdup(id);
	c->out->v[c->out->n].on_behalf = NULL;
	c->out->v[c->out->n].spec = c->spec;
	c->out->n++;
}

/* A department as people read it: its name, else its id. */
static const char *dept_name(const struct org *org, const char *id)
{
	const struct org_dept *dp = org_dept(org, id);
	return dp && dp->name ? dp->name : id;
}

/* A user as people read it: their name, else their id. */
static const char *user_name(const struct org_user *u)
{
	return u->name ? u->name : u->id;
}

/*
 * The head of department `id`, or of the nearest department above it that
 * has one (a head that is no user of the organisation does not count).
 * Bounded by the number of departments, so it ends on a (reported) cycle.
 */
static const char *head_upward(const struct org *org, const char *id)
{
	const struct org_dept *dp = org_dept(org, id);
	for (size_t steps = 0; dp && steps <= org->ndepts; steps++) {
		if (dp->head && org_user(org, dp->head))
			return dp->head;
		dp = dp->parent ? org_dept(org, dp->parent) : NULL;
	}
	return NULL;
}

/* The department a spec names: an id, or the applicant's for "applicant"; NULL reported. */
static const char *spec_dept(struct rctx *c, const char *ref)
{
	if (!strcmp(ref, "applicant")) {
		if (!c->app) {
			rerr(c, _("unknown applicant '%s'"), c->applicant ? c->applicant : "");
			return NULL;
		}
		if (!org_dept(c->org, c->app->dept)) {
			rerr(c, _("the applicant '%s' is in an unknown department '%s'"),
			     c->app->id, c->app->dept ? c->app->dept : "");
			return NULL;
		}
		return c->app->dept;
	}
	if (!org_dept(c->org, ref)) {
		rerr(c, _("unknown department '%s'"), ref);
		return NULL;
	}
	return ref;
}

static void resolve_role(struct rctx *c, const struct assign *a)
{
	const struct org *o = c->org;
	if (!org_role(o, a->ref)) {
		rerr(c, _("unknown role '%s'"), a->ref);
		return;
	}
	if (!a->dept) {
		for (size_t i = 0; i < o->nusers; i++)
			if (org_user_has_role(&o->users[i], a->ref))
				add_person(c, o->users[i].id);
		if (!c->named)
			rerr(c, _("no one holds role '%s'"), a->ref);
		return;
	}
	const char *dept = spec_dept(c, a->dept);
	if (!dept)
		return;
	if (strcmp(a->dept, "applicant")) {
		for (size_t i = 0; i < o->nusers; i++) {
			const struct org_user *u = &o->users[i];
			if (org_user_has_role(u, a->ref) && org_dept_within(o, u->dept, dept))
				add_person(c, u->id);
		}
		if (!c->named)
			rerr(c, _("no one holds role '%s' in '%s'"), a->ref, dept_name(o, dept));
		return;
	}
	/* the applicant's department, then upward: the first one with someone in it */
	const struct org_dept *dp = org_dept(o, dept);
	for (size_t steps = 0; dp && !c->named && steps <= o->ndepts; steps++) {
		for (size_t i = 0; i < o->nusers; i++) {
			const struct org_user *u = &o->users[i];
			if (u->dept && !strcmp(u->dept, dp->id) && org_user_has_role(u, a->ref))
				add_person(c, u->id);
		}
		dp = dp->parent ? org_dept(o, dp->parent) : NULL;
	}
	if (!c->named)
		rerr(c, _("no one holds role '%s' in '%s' or a department above it"), a->ref,
		     dept_name(o, dept));
}

static void resolve_head(struct rctx *c, const char *dept_ref)
{
	const char *dept = spec_dept(c, dept_ref);
	if (!dept)
		return;
	const char *head = head_upward(c->org, dept);
	if (head)
		add_person(c, head);
	else
		rerr(c, _("no one heads '%s' or a department above it"), dept_name(c->org, dept));
}

static void resolve_superior(struct rctx *c, int levels)
{
	if (!c->app) {
		rerr(c, _("unknown applicant '%s'"), c->applicant ? c->applicant : "");
		return;
	}
	const struct org_user *s = org_superior_n(c->org, c->app, levels);
	if (s && s != c->app)
		add_person(c, s->id);
	else if (levels == 1)
		rerr(c, _("'%s' has no superior"), user_name(c->app));
	else
		rerr(c, _("'%s' has no superior %d levels up"), user_name(c->app), levels);
}

static void resolve_members(struct rctx *c, const char *dept_ref)
{
	const struct org *o = c->org;
	const char *dept = spec_dept(c, dept_ref);
	if (!dept)
		return;
	for (size_t i = 0; i < o->nusers; i++)
		if (org_dept_within(o, o->users[i].dept, dept))
			add_person(c, o->users[i].id);
	if (!c->named)
		rerr(c, _("'%s' has no members"), dept_name(o, dept));
}

/* One id from a user or department field: that user, or that department's head. */
static int field_person(struct rctx *c, const struct field *f, const char *id)
{
	const char *head;
	if (f->type == F_USER) {
		if (!org_user(c->org, id)) {
			rerr(c, _("'%s' names an unknown user '%s'"), f->label, id);
			return -1;
		}
		add_person(c, id);
	} else if (!org_dept(c->org, id)) {
		rerr(c, _("'%s' names an unknown department '%s'"), f->label, id);
		return -1;
	} else if (!(head = head_upward(c->org, id))) {
		rerr(c, _("no one heads '%s' or a department above it"), dept_name(c->org, id));
		return -1;
	} else {
		add_person(c, head);
	}
	return 0;
}

/*
 * `field: ID`: the users a user field names, or the heads of the
 * departments a department field names. Every one must resolve: a listed
 * department with no head anywhere above it is an error, not a silent gap.
 */
static void resolve_field(struct rctx *c, const char *id)
{
	const struct field *f = c->form ? form_field(c->form, id) : NULL;
	if (!c->form) {
		rerr(c, _("no form to read field '%s' from"), id);
		return;
	}
	if (!f) {
		rerr(c, _("form '%s' has no field '%s'"), c->form->id, id);
		return;
	}
	if (f->type != F_USER && f->type != F_DEPARTMENT) {
		rerr(c, _("field '%s' is a %s field; assignees can only come from a user or "
			  "department field"), id, field_type_name(f->type));
		return;
	}
	struct value v = VALUE_NULL;
	formdata_get(c->form, c->data, id, &v);
	size_t before = c->err->len;
	if (v.type == V_STRING) {
		field_person(c, f, v.u.str);
	} else if (v.type == V_LIST) {
		for (size_t i = 0; i < v.u.list.n; i++)
			field_person(c, f, v.u.list.items[i]);
	}
	if (!c->named && c->err->len == before)
		rerr(c, _("'%s' is not filled in: no one to assign"), f->label);
	value_release(&v);
}

int assign_resolve(const struct org *org, const struct assign *specs, size_t nspecs,
		   const char *applicant, const json_t *data, const struct form *form,
		   struct assign_list *out, struct buf *err)
{
	struct rctx c = { 0 };
	struct buf own = BUF_INIT;
	c.org = org;
	c.applicant = applicant;
	c.app = applicant ? org_user(org, applicant) : NULL;
	c.data = data;
	c.form = form;
	c.out = out;
	c.err = &own;
	for (size_t i = 0; i < nspecs; i++) {
		const struct assign *a = &specs[i];
		size_t before = own.len;
		c.spec = i;
		c.named = 0;
		switch (a->kind) {
		case A_USER:
			if (org_user(org, a->ref))
				add_person(&c, a->ref);
			else
				rerr(&c, _("unknown user '%s'"), a->ref);
			break;
		case A_ROLE:
			resolve_role(&c, a);
			break;
		case A_DEPT_HEAD:
			resolve_head(&c, a->ref);
			break;
		case A_SUPERIOR:
			resolve_superior(&c, a->levels);
			break;
		case A_MEMBERS:
			resolve_members(&c, a->ref);
			break;
		case A_FIELD:
			resolve_field(&c, a->ref);
			break;
		}
		if (!c.named && own.len == before)
			rerr(&c, _("assignee %zu resolves to no one"), i + 1);
	}
	if (!own.len) {
		buf_release(&own);
		return 0;
	}
	assign_list_release(out);
	if (err)
		buf_add(err, own.s, own.len);
	buf_release(&own);
	return -1;
}

/* ---- stand-ins --------------------------------------------------------- */

/*
 * The stand-in acting for `user` at `now` in workflow `wf`: one for this
 * workflow wins over one for every workflow, then the first in the array.
 */
static const struct standin *active_standin(const struct standin *s, size_t n,
					    const char *user, const char *wf, time_t now)
{
	const struct standin *best = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!s[i].user || !s[i].standin || strcmp(s[i].user, user))
			continue;
		if (!(s[i].from <= now && now < s[i].to))
			continue;
		if (s[i].workflow) {
			if (!wf || strcmp(s[i].workflow, wf))
				continue;
			if (!best || !best->workflow)
				best = &s[i];
		} else if (!best) {
			best = &s[i];
		}
	}
	return best;
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Is `id` among the first n entries of chain? */
static int on_chain(const char *const *chain, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (same_str(chain[i], id))
			return 1;
	return 0;
}

void assign_apply_standins(struct assign_list *l, const struct standin *s, size_t n,
			   const char *workflow_id, time_t now)
{
	for (size_t i = 0; i < l->n; i++) {
		struct assign_entry *e = &l->v[i];
		/* follow the chain from the person originally assigned, so that
		 * applying the same stand-ins again gives the same result */
		const char *start = e->on_behalf ? e->on_behalf : e->user;
		const char *chain[ASSIGN_STANDIN_HOPS + 1];
		size_t len = 0;
		const char *cur = chain[len++] = start;
		for (int hop = 0; hop < ASSIGN_STANDIN_HOPS; hop++) {
			const struct standin *st = active_standin(s, n, cur, workflow_id, now);
			if (!st || on_chain(chain, len, st->standin))
				break; /* no one else, or a cycle: the last distinct person acts */
			cur = chain[len++] = st->standin;
		}
		if (cur == start || !strcmp(cur, e->user))
			continue; /* no one is away (an earlier stand-in stays), or no change */
		char *user = xstrdup(cur);
		if (e->on_behalf)
			free(e->user);
		else
			e->on_behalf = e->user;
		e->user = user;
	}
	/* drop repeats of an earlier (user, on_behalf) */
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		size_t j;
		for (j = 0; j < k; j++)
			if (same_str(l->v[j].user, l->v[i].user) &&
			    same_str(l->v[j].on_behalf, l->v[i].on_behalf))
				break;
		if (j < k) {
			free(l->v[i].user);
			free(l->v[i].on_behalf);
			continue;
		}
		l->v[k++] = l->v[i];
	}
	l->n = k;
}

/* ---- self-approval ----------------------------------------------------- */

const char *assign_self_target(const struct org *org, enum self_approval policy,
			       const char *applicant, const char *assignee)
{
	if (!applicant || !assignee || strcmp(applicant, assignee) || policy == SELF_ALLOW)
		return assignee;
	if (policy == SELF_SKIP)
		return NULL;
	const struct org_user *s = org_superior(org, org_user(org, applicant));
	return s ? s->id : NULL;
}
