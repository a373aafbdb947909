/*
 * org: parsing and checking `kind: organisation` files, and the lookups the
 * approval engine uses to assign tasks.
 *
 * Parsing is two passes. The first reads every role, department and user
 * with their local checks (keys, ids, names, duplicates). The second
 * resolves references (parent, head, department, roles, superior) and then
 * looks at the shape of the whole: cycles in department parents and in the
 * superior chain, and heads who are not members of what they head. While
 * parsing, the YAML nodes of each entry are kept beside it so every problem
 * is reported at the exact value that causes it.
 *
 * All lookups by id go through find_role / find_dept / find_user, the one
 * place to replace the linear scans by an index when organisations grow.
 */
#include "org.h"

#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/diag.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "../yaml/ydoc.h"

/* ---- lookups ---------------------------------------------------------- */

static ptrdiff_t find_role(const struct org *o, const char *id)
{
	for (size_t i = 0; id && i < o->nroles; i++)
		if (o->roles[i].id && !strcmp(o->roles[i].id, id))
			return (ptrdiff_t)i;
	return -1;
}

static ptrdiff_t find_dept(const struct org *o, const char *id)
{
	for (size_t i = 0; id && i < o->ndepts; i++)
		if (o->depts[i].id && !strcmp(o->depts[i].id, id))
			return (ptrdiff_t)i;
	return -1;
}

static ptrdiff_t find_user(const struct org *o, const char *id)
{
	for (size_t i = 0; id && i < o->nusers; i++)
		if (o->users[i].id && !strcmp(o->users[i].id, id))
			return (ptrdiff_t)i;
	return -1;
}

const struct org_role *org_role(const struct org *o, const char *id)
{
	ptrdiff_t i = o ? find_role(o, id) : -1;
	return i < 0 ? NULL : &o->roles[i];
}

const struct org_dept *org_dept(const struct org *o, const char *id)
{
	ptrdiff_t i = o ? find_dept(o, id) : -1;
	return i < 0 ? NULL : &o->depts[i];
}

const struct org_user *org_user(const struct org *o, const char *id)
{
	ptrdiff_t i = o ? find_user(o, id) : -1;
	return i < 0 ? NULL : &o->users[i];
}

int org_user_granted(const struct org *o, const struct org_user *u, unsigned grant)
{
	for (size_t i = 0; o && u && i < u->nroles; i++) {
		const struct org_role *r = org_role(o, u->roles[i]);
		if (r && (r->grants & grant))
			return 1;
	}
	return 0;
}

int org_user_has_role(const struct org_user *u, const char *role)
{
	for (size_t i = 0; u && role && i < u->nroles; i++)
		if (!strcmp(u->roles[i], role))
			return 1;
	return 0;
}

void org_apply_role_changes(struct org *o, const struct org_role_change *changes, size_t n)
{
	for (size_t i = 0; i < o->nusers; i++) {
		struct org_user *u = &o->users[i];
		if (!u->file_roles) {
			/* the first time: the file's roles are kept aside, owned there */
			u->file_roles = u->roles;
			u->nfile_roles = u->nroles;
		} else {
			free(u->roles);
		}
		u->roles = xcalloc(u->nfile_roles + 1, sizeof(*u->roles));
		memcpy(u->roles, u->file_roles, u->nfile_roles * sizeof(*u->roles));
		u->nroles = u->nfile_roles;
	}
	for (size_t k = 0; k < n; k++) {
		ptrdiff_t ui = find_user(o, changes[k].person);
		const struct org_role *r = org_role(o, changes[k].role);
		if (ui < 0 || !r)
			continue;
		struct org_user *u = &o->users[ui];
		size_t at = 0;
		while (at < u->nroles && strcmp(u->roles[at], r->id))
			at++;
		if (changes[k].granted && at == u->nroles) {
			u->roles = xrealloc(u->roles, (u->nroles + 1) * sizeof(*u->roles));
			u->roles[u->nroles++] = r->id;
		} else if (!changes[k].granted && at < u->nroles) {
			memmove(&u->roles[at], &u->roles[at + 1], (u->nroles - at - 1) * sizeof(*u->roles));
			u->nroles--;
		}
	}
}

/*
 * Walk up from `inner`; the walk is bounded by the number of departments so
 * that it ends even on a (reported) parent cycle.
 */
int org_dept_within(const struct org *o, const char *inner, const char *outer)
{
	if (!o || !inner || !outer)
		return 0;
	const struct org_dept *dp = org_dept(o, inner);
	for (size_t steps = 0; dp && steps <= o->ndepts; steps++) {
		if (!strcmp(dp->id, outer))
			return 1;
		dp = dp->parent ? org_dept(o, dp->parent) : NULL;
	}
	return 0;
}

/*
 * The explicit superior, else the nearest department head above the user
 * who is not the user: the head of their own department, or — for a head —
 * the head of the parent department (and so on up).
 */
const struct org_user *org_superior(const struct org *o, const struct org_user *u)
{
	if (!o || !u)
		return NULL;
	if (u->superior)
		return org_user(o, u->superior);
	const struct org_dept *dp = org_dept(o, u->dept);
	for (size_t steps = 0; dp && steps <= o->ndepts; steps++) {
		if (dp->head && strcmp(dp->head, u->id)) {
			const struct org_user *h = org_user(o, dp->head);
			if (h)
				return h;
		}
		dp = dp->parent ? org_dept(o, dp->parent) : NULL;
	}
	return NULL;
}

const struct org_user *org_superior_n(const struct org *o, const struct org_user *u,
				      int levels)
{
	if (levels < 1)
		return u;
	for (int i = 0; u && i < levels; i++) {
		if ((size_t)i > (o ? o->nusers : 0))
			return NULL; /* only on a (reported) superior cycle */
		u = org_superior(o, u);
	}
	return u;
}

/* ---- freeing ---------------------------------------------------------- */

void org_free(struct org *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nroles; i++) {
		free(o->roles[i].id);
		free(o->roles[i].name);
	}
	for (size_t i = 0; i < o->ndepts; i++) {
		struct org_dept *dp = &o->depts[i];
		free(dp->id);
		free(dp->name);
		free(dp->code);
		free(dp->parent);
		free(dp->head);
	}
	for (size_t i = 0; i < o->nusers; i++) {
		struct org_user *u = &o->users[i];
		free(u->id);
		free(u->name);
		free(u->dept);
		free(u->superior);
		if (u->file_roles) {
			for (size_t r = 0; r < u->nfile_roles; r++)
				free(u->file_roles[r]);
			free(u->file_roles);
		} else {
			for (size_t r = 0; r < u->nroles; r++)
				free(u->roles[r]);
		}
		free(u->roles);
		free(u->title);
	}
	free(o->roles);
	free(o->depts);
	free(o->users);
	free(o->id);
	free(o->name);
	free(o);
}

/* ---- parsing ---------------------------------------------------------- */

/* Where the parts of one entry were written, for messages in the second pass. */
struct entry_nodes {
	const struct ynode *item;     /* the entry's mapping */
	const struct ynode *parent;   /* department: `parent` value, or NULL */
	const struct ynode *head;     /* department: `head` value, or NULL */
	const struct ynode *code;     /* department: `code` value, or NULL */
	const struct ynode *dept;     /* user: `department` value, or NULL */
	const struct ynode *superior; /* user: `superior` value, or NULL */
	const struct ynode **roles;   /* user: each role's value node */
};

/* State shared by the parsing functions. */
struct oparse {
	const struct ydoc *doc;
	struct diags *d;
	struct org *o;
	struct entry_nodes *dn;       /* one per department */
	struct entry_nodes *un;       /* one per user */
	int have_depts;               /* `departments` was a list (else no cascade) */
	int have_users;               /* `users` was a list */
};

/* Read the required `id` of an entry; a malformed id is reported but kept,
 * so references to it do not cascade into more errors. */
static char *read_id(struct oparse *p, const struct ynode *item)
{
	const char *id = y_str(p->d, p->doc, item, "id", 1);
	if (!id)
		return NULL;
	if (!y_is_slug(id))
		y_error(p->d, p->doc, ymap_get(item, "id"),
			_("invalid id '%s': use lowercase letters, digits, '.', '_' and '-'"), id);
	return xstrdup(id);
}

/* Read a required, non-blank text such as `name`. */
static char *read_text(struct oparse *p, const struct ynode *item, const char *key,
		       int required)
{
	const char *s = y_str(p->d, p->doc, item, key, required);
	if (!s)
		return NULL;
	if (y_is_blank(s)) {
		y_error(p->d, p->doc, ymap_get(item, key), _("'%s' must not be empty"), key);
		return NULL;
	}
	return xstrdup(s);
}

/* Fetch an optional reference value (`parent: gov`) and keep its node. */
static char *read_ref(struct oparse *p, const struct ynode *item, const char *key,
		      int required, const struct ynode **node)
{
	const char *s = y_str(p->d, p->doc, item, key, required);
	*node = s ? ymap_get(item, key) : NULL;
	return s ? xstrdup(s) : NULL;
}

/* The list under `key`, or NULL (reported when it is not a list). */
static const struct ynode *read_list(struct oparse *p, const struct ynode *root,
				     const char *key, int required)
{
	const struct ynode *seq = ymap_get(root, key);
	if (!seq || yis_null(seq)) {
		if (required)
			y_error(p->d, p->doc, seq ? seq : root, _("missing required key '%s'"), key);
		return NULL;
	}
	if (y_expect(p->d, p->doc, seq, Y_SEQ, key) < 0)
		return NULL;
	return seq;
}

/* Each entry of a list must be a mapping; `what` names it ("department"). */
static int entry_ok(struct oparse *p, const struct ynode *item, const char *what)
{
	if (item->type == Y_MAP)
		return 1;
	y_error(p->d, p->doc, item, _("each %s must be a mapping with 'id' and 'name', not a %s"),
		what, ytype_name(item->type));
	return 0;
}

/* A role's `grants:` (a list of grant names) as ORG_GRANT_* bits; unknown names reported. */
static unsigned read_grants(struct oparse *p, const struct ynode *it)
{
	const struct ynode *g = ymap_get(it, "grants");
	unsigned bits = 0;
	if (!g || yis_null(g) || y_expect(p->d, p->doc, g, Y_SEQ, "grants") < 0)
		return 0;
	for (size_t i = 0; i < g->n; i++) {
		const struct ynode *v = g->items[i];
		if (v->type != Y_SCALAR || strcmp(v->value, "read_all"))
			y_error(p->d, p->doc, v, _("unknown grant '%s': a role can grant read_all"),
				v->type == Y_SCALAR ? v->value : ytype_name(v->type));
		else
			bits |= ORG_GRANT_READ_ALL;
	}
	return bits;
}

static void parse_roles(struct oparse *p, const struct ynode *seq)
{
	static const char *const keys[] = { "id", "name", "description", "grants", NULL };
	struct org *o = p->o;
	o->roles = xcalloc(seq->n ? seq->n : 1, sizeof(*o->roles));
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *it = seq->items[i];
		if (!entry_ok(p, it, _("role")))
			continue;
		y_check_keys(p->d, p->doc, it, keys);
		char *id = read_id(p, it);
		char *name = read_text(p, it, "name", 1);
		y_str(p->d, p->doc, it, "description", 0);
		ptrdiff_t prev = find_role(o, id);
		if (!id || prev >= 0) {
			if (id)
				y_error(p->d, p->doc, ymap_get(it, "id"),
					_("duplicate role '%s' (first at line %d)"), id,
					o->roles[prev].line);
			free(id);
			free(name);
			continue;
		}
		struct org_role *r = &o->roles[o->nroles++];
		r->id = id;
		r->name = name;
		r->grants = read_grants(p, it);
		r->line = it->line;
		r->col = it->col;
	}
}

static void parse_depts(struct oparse *p, const struct ynode *seq)
{
	static const char *const keys[] = {
		"id", "name", "code", "parent", "head", "description", NULL
	};
	struct org *o = p->o;
	o->depts = xcalloc(seq->n ? seq->n : 1, sizeof(*o->depts));
	p->dn = xcalloc(seq->n ? seq->n : 1, sizeof(*p->dn));
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *it = seq->items[i];
		if (!entry_ok(p, it, _("department")))
			continue;
		y_check_keys(p->d, p->doc, it, keys);
		struct org_dept dp = { 0 };
		struct entry_nodes en = { 0 };
		en.item = it;
		dp.id = read_id(p, it);
		dp.name = read_text(p, it, "name", 1);
		dp.code = read_text(p, it, "code", 0);
		en.code = dp.code ? ymap_get(it, "code") : NULL;
		dp.parent = read_ref(p, it, "parent", 0, &en.parent);
		dp.head = read_ref(p, it, "head", 0, &en.head);
		y_str(p->d, p->doc, it, "description", 0);
		dp.line = it->line;
		dp.col = it->col;
		ptrdiff_t prev = find_dept(o, dp.id);
		if (!dp.id || prev >= 0) {
			if (dp.id)
				y_error(p->d, p->doc, ymap_get(it, "id"),
					_("duplicate department '%s' (first at line %d)"), dp.id,
					o->depts[prev].line);
			free(dp.id);
			free(dp.name);
			free(dp.code);
			free(dp.parent);
			free(dp.head);
			continue;
		}
		p->dn[o->ndepts] = en;
		o->depts[o->ndepts++] = dp;
	}
}

static void parse_users(struct oparse *p, const struct ynode *seq)
{
	static const char *const keys[] = {
		"id", "name", "department", "roles", "title", "superior", "level", NULL
	};
	struct org *o = p->o;
	o->users = xcalloc(seq->n ? seq->n : 1, sizeof(*o->users));
	p->un = xcalloc(seq->n ? seq->n : 1, sizeof(*p->un));
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *it = seq->items[i];
		if (!entry_ok(p, it, _("user")))
			continue;
		y_check_keys(p->d, p->doc, it, keys);
		struct org_user u = { 0 };
		struct entry_nodes en = { 0 };
		en.item = it;
		u.id = read_id(p, it);
		u.name = read_text(p, it, "name", 1);
		u.dept = read_ref(p, it, "department", 1, &en.dept);
		u.superior = read_ref(p, it, "superior", 0, &en.superior);
		u.title = read_text(p, it, "title", 0);
		int present;
		long long level = y_int(p->d, p->doc, it, "level", 0, 0, &present);
		if (present && (level < 0 || level > 99)) {
			y_error(p->d, p->doc, ymap_get(it, "level"),
				_("'level' must be between 0 and 99"));
			level = 0;
		}
		u.level = (int)level;
		const struct ynode *roles = ymap_get(it, "roles");
		if (roles && !yis_null(roles) && !y_expect(p->d, p->doc, roles, Y_SEQ, "roles")) {
			u.roles = xcalloc(roles->n ? roles->n : 1, sizeof(*u.roles));
			en.roles = xcalloc(roles->n ? roles->n : 1, sizeof(*en.roles));
			for (size_t r = 0; r < roles->n; r++) {
				const struct ynode *rn = roles->items[r];
				if (rn->type != Y_SCALAR) {
					y_error(p->d, p->doc, rn,
						_("each role must be a role id, not a %s"),
						ytype_name(rn->type));
					continue;
				}
				if (org_user_has_role(&u, rn->value)) {
					y_error(p->d, p->doc, rn, _("role '%s' is listed twice"),
						rn->value);
					continue;
				}
				en.roles[u.nroles] = rn;
				u.roles[u.nroles++] = xstrdup(rn->value);
			}
		}
		u.line = it->line;
		u.col = it->col;
		ptrdiff_t prev = find_user(o, u.id);
		if (!u.id || prev >= 0) {
			if (u.id)
				y_error(p->d, p->doc, ymap_get(it, "id"),
					_("duplicate user '%s' (first at line %d)"), u.id,
					o->users[prev].line);
			for (size_t r = 0; r < u.nroles; r++)
				free(u.roles[r]);
			free(u.roles);
			free(u.id);
			free(u.name);
			free(u.dept);
			free(u.superior);
			free(u.title);
			free(en.roles);
			continue;
		}
		p->un[o->nusers] = en;
		o->users[o->nusers++] = u;
	}
}

enum ref_kind { REF_ROLE, REF_DEPT, REF_USER };

/* Report an unknown reference at `n`, suggesting the nearest known id. */
static void unknown_ref(struct oparse *p, const struct ynode *n, enum ref_kind k)
{
	const struct org *o = p->o;
	size_t count = k == REF_ROLE ? o->nroles : k == REF_DEPT ? o->ndepts : o->nusers;
	const char **ids = xcalloc(count ? count : 1, sizeof(*ids));
	for (size_t i = 0; i < count; i++)
		ids[i] = k == REF_ROLE ? o->roles[i].id
			 : k == REF_DEPT ? o->depts[i].id : o->users[i].id;
	const char *near = y_nearest(n->value, ids, count);
	if (k == REF_ROLE && near)
		y_error(p->d, p->doc, n, _("unknown role '%s' (did you mean '%s'?)"), n->value, near);
	else if (k == REF_ROLE)
		y_error(p->d, p->doc, n, _("unknown role '%s'"), n->value);
	else if (k == REF_DEPT && near)
		y_error(p->d, p->doc, n, _("unknown department '%s' (did you mean '%s'?)"),
			n->value, near);
	else if (k == REF_DEPT)
		y_error(p->d, p->doc, n, _("unknown department '%s'"), n->value);
	else if (near)
		y_error(p->d, p->doc, n, _("unknown user '%s' (did you mean '%s'?)"), n->value, near);
	else
		y_error(p->d, p->doc, n, _("unknown user '%s'"), n->value);
	free(ids);
}

/*
 * Find cycles in a "points to" relation next[0..n) (-1 = none) and call
 * report once per cycle, for its earliest member in file order.
 */
static void find_cycles(struct oparse *p, const ptrdiff_t *next, size_t n,
			void (*report)(struct oparse *p, size_t first, const ptrdiff_t *next))
{
	for (size_t i = 0; i < n; i++) {
		ptrdiff_t j = next[i];
		size_t steps = 0;
		while (j >= 0 && (size_t)j != i && steps++ < n)
			j = next[j];
		if (j < 0 || (size_t)j != i)
			continue; /* not on a cycle */
		int earliest = 1;
		for (j = next[i]; (size_t)j != i; j = next[j])
			if ((size_t)j < i)
				earliest = 0;
		if (earliest)
			report(p, i, next);
	}
}

static void report_dept_cycle(struct oparse *p, size_t first, const ptrdiff_t *next)
{
	const struct org *o = p->o;
	const struct ynode *at = p->dn[first].parent;
	if ((size_t)next[first] == first) {
		y_error(p->d, p->doc, at, _("department '%s' cannot be its own parent"),
			o->depts[first].id);
		return;
	}
	struct buf b = BUF_INIT;
	buf_adds(&b, o->depts[first].id);
	for (ptrdiff_t j = next[first]; ; j = next[j]) {
		buf_addf(&b, " -> %s", o->depts[j].id);
		if ((size_t)j == first)
			break;
	}
	y_error(p->d, p->doc, at, _("department parents form a cycle: %s"), b.s);
	buf_release(&b);
}

static void report_superior_cycle(struct oparse *p, size_t first, const ptrdiff_t *next)
{
	const struct org *o = p->o;
	/* name the cycle from a user whose explicit `superior` closes it, if any */
	for (ptrdiff_t j = next[first]; !p->un[first].superior && (size_t)j != first; j = next[j]) {
		if (p->un[j].superior) {
			first = (size_t)j;
			break;
		}
	}
	const struct ynode *at = p->un[first].superior ? p->un[first].superior : p->un[first].item;
	if ((size_t)next[first] == first) {
		y_error(p->d, p->doc, at, _("user '%s' cannot be their own superior"),
			o->users[first].id);
		return;
	}
	struct buf b = BUF_INIT;
	buf_adds(&b, o->users[first].id);
	for (ptrdiff_t j = next[first]; ; j = next[j]) {
		buf_addf(&b, " -> %s", o->users[j].id);
		if ((size_t)j == first)
			break;
	}
	y_error(p->d, p->doc, at, _("superiors form a cycle: %s"), b.s);
	buf_release(&b);
}

/* The second pass: references, organ codes, cycles and heads. */
static void check_refs(struct oparse *p)
{
	struct org *o = p->o;
	int dept_cycle = 0;

	for (size_t i = 0; i < o->ndepts; i++) {
		const struct org_dept *dp = &o->depts[i];
		const struct entry_nodes *en = &p->dn[i];
		if (dp->parent && p->have_depts && find_dept(o, dp->parent) < 0) {
			unknown_ref(p, en->parent, REF_DEPT);
			free(o->depts[i].parent);
			o->depts[i].parent = NULL;
		}
		if (dp->head && p->have_users && find_user(o, dp->head) < 0)
			unknown_ref(p, en->head, REF_USER);
		for (size_t j = 0; dp->code && j < i; j++) {
			if (o->depts[j].code && !strcmp(o->depts[j].code, dp->code)) {
				y_error(p->d, p->doc, en->code,
					_("organ code '%s' is already used by department '%s' (line %d)"),
					dp->code, o->depts[j].id, o->depts[j].line);
				break;
			}
		}
	}
	ptrdiff_t *next = xcalloc(o->ndepts ? o->ndepts : 1, sizeof(*next));
	for (size_t i = 0; i < o->ndepts; i++)
		next[i] = o->depts[i].parent ? find_dept(o, o->depts[i].parent) : -1;
	size_t before = p->d->n;
	find_cycles(p, next, o->ndepts, report_dept_cycle);
	dept_cycle = p->d->n != before;
	free(next);

	for (size_t i = 0; i < o->nusers; i++) {
		struct org_user *u = &o->users[i];
		const struct entry_nodes *en = &p->un[i];
		if (u->dept && p->have_depts && find_dept(o, u->dept) < 0)
			unknown_ref(p, en->dept, REF_DEPT);
		for (size_t r = 0; r < u->nroles; r++)
			if (find_role(o, u->roles[r]) < 0)
				unknown_ref(p, en->roles[r], REF_ROLE);
		if (u->superior && find_user(o, u->superior) < 0)
			unknown_ref(p, en->superior, REF_USER);
	}

	/* a head belongs to the department or one below it */
	for (size_t i = 0; i < o->ndepts && !dept_cycle; i++) {
		const struct org_dept *dp = &o->depts[i];
		const struct org_user *h = dp->head ? org_user(o, dp->head) : NULL;
		if (!h || !h->dept || !org_dept(o, h->dept))
			continue;
		if (!org_dept_within(o, h->dept, dp->id))
			y_error(p->d, p->doc, p->dn[i].head,
				_("head '%s' of department '%s' is not a member of it or of a "
				  "department below it (they are in '%s')"),
				h->id, dp->id, h->dept);
	}

	/* the superior chain (explicit or by default) must end */
	if (dept_cycle)
		return;
	next = xcalloc(o->nusers ? o->nusers : 1, sizeof(*next));
	for (size_t i = 0; i < o->nusers; i++) {
		const struct org_user *s = org_superior(o, &o->users[i]);
		next[i] = s ? s - o->users : -1;
	}
	find_cycles(p, next, o->nusers, report_superior_cycle);
	free(next);
}

/* 1 if `kind` names an organisation (the spellings defset accepts) */
static int is_org_kind(const char *kind)
{
	return !strcmp(kind, "organisation") || !strcmp(kind, "organization") ||
	       !strcmp(kind, "org");
}

struct org *org_parse(const struct ydoc *doc, struct diags *d)
{
	static const char *const top[] = {
		"kind", "id", "name", "description", "roles", "departments", "users", NULL
	};
	const struct ynode *root = doc->root;
	if (!root || root->type != Y_MAP) {
		if (root)
			y_error(d, doc, root, _("a definition must be a mapping of keys, not a %s"),
				ytype_name(root->type));
		else
			diag_error(d, doc->file, 1, 1, _("empty definition: expected 'kind:' and 'id:'"));
		return NULL;
	}
	struct oparse p = { doc, d, xcalloc(1, sizeof(struct org)), NULL, NULL, 0, 0 };
	struct org *o = p.o;
	y_check_keys(d, doc, root, top);
	const char *kind = y_str(d, doc, root, "kind", 1);
	if (kind && !is_org_kind(kind))
		y_error(d, doc, ymap_get(root, "kind"), _("kind '%s' is not 'organisation'"), kind);
	/* the same messages as defset's header check, so lint shows them once */
	const struct ynode *id = ymap_get(root, "id");
	if (!id || yis_null(id) || !yscalar(id))
		y_error(d, doc, id ? id : root, _("missing 'id'"));
	else if (!y_is_slug(id->value))
		y_error(d, doc, id, _("invalid id '%s': use lowercase letters, digits, '.', '_' and '-'"),
			id->value);
	o->id = xstrdup(yscalar(id) ? id->value : "");
	struct oparse *pp = &p;
	o->name = read_text(pp, root, "name", 1);
	y_str(d, doc, root, "description", 0);

	const struct ynode *seq = read_list(pp, root, "roles", 0);
	if (seq)
		parse_roles(pp, seq);
	seq = read_list(pp, root, "departments", 1);
	p.have_depts = seq != NULL;
	if (seq)
		parse_depts(pp, seq);
	seq = read_list(pp, root, "users", 1);
	p.have_users = seq != NULL;
	if (seq)
		parse_users(pp, seq);
	check_refs(pp);

	for (size_t i = 0; i < o->nusers; i++)
		free(p.un[i].roles);
	free(p.un);
	free(p.dn);
	return o;
}
