/*
 * workflow: the workflow definition language and its static checks.
 *
 * Parsing (workflow_parse) checks what one file can tell on its own: keys,
 * types, values, which keys make sense for which step type. Checking
 * (workflow_check) adds what needs the organisation and the form, and the
 * graph checks: reachability, loops with no way out, routing without a
 * default, branches that skip their join, return targets never visited.
 * Every problem is reported, each at its own line and column.
 */
#include "workflow.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/diag.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "../yaml/ydoc.h"
#include "expr.h"
#include "form.h"
#include "org.h"
#include "value.h"

/* Keywords of the language: stable English words, never translated. */
static const char *const type_names[] = {
	[STEP_APPROVAL] = "approval", [STEP_HANDLING] = "handling",
	[STEP_CIRCULATE] = "circulate", [STEP_AUTO] = "auto",
	[STEP_EXCLUSIVE] = "exclusive", [STEP_INCLUSIVE] = "inclusive",
	[STEP_PARALLEL] = "parallel", [STEP_JOIN] = "join", [STEP_END] = "end",
};
#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))

static const char *const mode_names[] = {
	[MODE_SINGLE] = "single", [MODE_SEQUENTIAL] = "sequential",
	[MODE_COUNTERSIGN] = "countersign", [MODE_ANY] = "any",
	[MODE_VOTE] = "vote", [MODE_CLAIM] = "claim",
};
#define NMODES (sizeof(mode_names) / sizeof(mode_names[0]))

static const char *const timeout_names[] = { "remind", "escalate", "approve", "reject" };
static const enum timeout_action timeout_values[] = {
	TIMEOUT_REMIND, TIMEOUT_ESCALATE, TIMEOUT_APPROVE, TIMEOUT_REJECT
};
static const char *const action_names[] = { "number", "archive" };
static const char *const document_names[] = { "none", "read", "edit", "sign" };
static const char *const opinion_names[] = { "required", "optional" };
static const char *const self_names[] = { "allow", "skip", "superior" };
static const char *const resubmit_names[] = { "restart", "to_returner" };

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *step_type_name(enum step_type t)
{
	return (unsigned)t < NTYPES ? type_names[t] : "?";
}

const char *step_mode_name(enum step_mode m)
{
	return (unsigned)m < NMODES ? mode_names[m] : "?";
}

/* Durations: a positive whole number and a unit; "wd" is working days. */
int duration_parse(const char *s, struct duration *out)
{
	if (!s || !out)
		return -1;
	long v = 0;
	const char *p = s;
	if (*p < '1' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v > 100000) /* more than a lifetime of minutes is a typo */
			return -1;
		p++;
	}
	enum duration_unit u;
	if (!strcmp(p, "m"))
		u = DUR_MINUTES;
	else if (!strcmp(p, "h"))
		u = DUR_HOURS;
	else if (!strcmp(p, "d"))
		u = DUR_DAYS;
	else if (!strcmp(p, "wd"))
		u = DUR_WORKDAYS;
	else
		return -1;
	out->amount = v;
	out->unit = u;
	return 0;
}

const struct step *workflow_step(const struct workflow *w, const char *id)
{
	if (!w || !id)
		return NULL;
	for (size_t i = 0; i < w->nsteps; i++)
		if (w->steps[i].id && !strcmp(w->steps[i].id, id))
			return &w->steps[i];
	return NULL;
}

static int is_routing(enum step_type t)
{
	return t == STEP_EXCLUSIVE || t == STEP_INCLUSIVE || t == STEP_PARALLEL;
}

const struct step *workflow_next(const struct workflow *w, const struct step *s)
{
	if (!w || !s || is_routing(s->type) || s->type == STEP_END)
		return NULL;
	if (s->next)
		return strcmp(s->next, "end") ? workflow_step(w, s->next) : NULL;
	return s->index + 1 < w->nsteps ? &w->steps[s->index + 1] : NULL;
}

/* ---- freeing ---------------------------------------------------------- */

static void assign_release(struct assign *a)
{
	free(a->ref);
	free(a->dept);
}

static void assigns_free(struct assign *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assign_release(&v[i]);
	free(v);
}

static void step_release(struct step *s)
{
	free(s->id);
	free(s->name);
	assigns_free(s->assigns, s->nassigns);
	assigns_free(s->fallback, s->nfallback);
	assigns_free(s->lead, s->lead ? 1 : 0);
	assigns_free(s->co, s->nco);
	for (size_t i = 0; i < s->nbranches; i++) {
		expr_free(s->branches[i].when);
		free(s->branches[i].next);
	}
	free(s->branches);
	free(s->next);
	free(s->join);
	free(s->organ);
	for (size_t i = 0; i < s->nreturn_steps; i++)
		free(s->return_steps[i]);
	free(s->return_steps);
	free(s->return_pos);
	for (size_t i = 0; i < s->neditable; i++)
		free(s->editable[i]);
	free(s->editable);
	free(s->editable_pos);
}

void workflow_free(struct workflow *w)
{
	if (!w)
		return;
	free(w->id);
	free(w->name);
	free(w->form);
	free(w->category);
	free(w->calendar);
	assigns_free(w->initiators, w->ninitiators);
	for (size_t i = 0; i < w->nseparate; i++) {
		free(w->separate[i][0]);
		free(w->separate[i][1]);
	}
	free(w->separate);
	free(w->separate_pos);
	for (size_t i = 0; i < w->nsteps; i++)
		step_release(&w->steps[i]);
	free(w->steps);
	free(w);
}

/* ---- parsing ---------------------------------------------------------- */

/* What the parser reports into. */
struct wp {
	const struct ydoc *doc; /* the file, for positions */
	struct diags *d;        /* where problems go */
};

#define ERR(p, n, ...) y_error((p)->d, (p)->doc, (n), __VA_ARGS__)

static struct wpos pos_of(const struct ynode *n)
{
	struct wpos p = { n ? n->line : 0, n ? n->col : 0 };
	return p;
}

/*
 * The scalar value of `key` in `map`, or NULL. Reports a missing required
 * key at the map, a list or mapping where a value belongs at the value
 * (the same words as y_str, so messages stay uniform across modules).
 */
static const struct ynode *sval(struct wp *p, const struct ynode *map, const char *key,
				int required)
{
	const struct ynode *v = ymap_get(map, key);
	if (!v || yis_null(v)) {
		if (required)
			ERR(p, v ? v : map, _("missing required key '%s'"), key);
		return NULL;
	}
	if (v->type != Y_SCALAR) {
		ERR(p, v, _("'%s' must be a value, not a %s"), key, ytype_name(v->type));
		return NULL;
	}
	return v;
}

/* "a, b or c" from a list of words. */
static void join_words(struct buf *b, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(b, i + 1 == n ? _(" or ") : ", ");
		buf_adds(b, words[i]);
	}
}

/*
 * Look a keyword value up in `names`; report an unknown one with the nearest
 * spelling or the list of accepted words. Returns the index or -1.
 */
static int keyword(struct wp *p, const struct ynode *v, const char *key,
		   const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v->value, names[i]))
			return (int)i;
	const char *near = y_nearest(v->value, names, n);
	if (near) {
		ERR(p, v, _("unknown %s '%s' (did you mean '%s'?)"), key, v->value, near);
	} else {
		struct buf b = BUF_INIT;
		join_words(&b, names, n);
		ERR(p, v, _("unknown %s '%s' (expected %s)"), key, v->value, b.s);
		buf_release(&b);
	}
	return -1;
}

/* Optional keyword key; returns the index, `dflt` when absent, -1 when wrong. */
static int keyword_key(struct wp *p, const struct ynode *map, const char *key,
		       const char *const *names, size_t n, int dflt)
{
	const struct ynode *v = sval(p, map, key, 0);
	if (!v)
		return ymap_get(map, key) && !yis_null(ymap_get(map, key)) ? -1 : dflt;
	return keyword(p, v, key, names, n);
}

/* Where an assignee spec is used: each place accepts different kinds. */
enum actx {
	AC_PEOPLE,    /* assignees of approval and circulate steps */
	AC_DEPT,      /* lead / co of a handling step: departments */
	AC_INITIATOR  /* who may start the workflow */
};

static const char *const assign_kinds[] = {
	[A_USER] = "user", [A_ROLE] = "role", [A_DEPT_HEAD] = "department_head",
	[A_SUPERIOR] = "superior", [A_MEMBERS] = "members", [A_FIELD] = "field",
};
static const char *const assign_keys[] = {
	"user", "role", "department_head", "superior", "members", "field", "department", NULL
};

/* Parse one assignee spec such as {role: director, department: applicant}. */
static int parse_assign(struct wp *p, const struct ynode *n, enum actx ctx, struct assign *out)
{
	memset(out, 0, sizeof(*out));
	if (n->type != Y_MAP) {
		ERR(p, n, _("an assignee must be a mapping such as {role: clerk}, not a %s"),
		    ytype_name(n->type));
		return -1;
	}
	y_check_keys(p->d, p->doc, n, assign_keys);
	const struct ynode *kindkey = NULL;
	int kind = -1, bad = 0;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = n->pairs[i].key;
		for (size_t j = 0; j < LEN(assign_kinds); j++) {
			if (strcmp(k->value, assign_kinds[j]))
				continue;
			if (kindkey) {
				ERR(p, k, _("an assignee takes only one of user, role, "
					    "department_head, superior, members or field "
					    "(found '%s' and '%s')"), kindkey->value, k->value);
				bad = 1;
			} else {
				kindkey = k;
				kind = (int)j;
			}
		}
	}
	if (!kindkey) {
		/* a misspelt kind is already reported by y_check_keys */
		for (size_t i = 0; i < n->n; i++) {
			size_t j;
			for (j = 0; assign_keys[j]; j++)
				if (!strcmp(n->pairs[i].key->value, assign_keys[j]))
					break;
			if (!assign_keys[j])
				return -1;
		}
		ERR(p, n, _("an assignee needs one of user, role, department_head, superior, "
			    "members or field"));
		return -1;
	}
	out->kind = (enum assign_kind)kind;
	const struct ynode *dk = ymap_key(n, "department");
	if (dk && out->kind != A_ROLE) {
		ERR(p, dk, _("'department' applies only to a 'role' assignee"));
		bad = 1;
	}
	const struct ynode *v = sval(p, n, kindkey->value, 1);
	if (!v)
		return -1;
	out->line = v->line;
	out->col = v->col;
	if (out->kind == A_SUPERIOR) {
		long long lv;
		if (yparse_int(v, &lv) < 0 || lv < 1 || lv > 10) {
			ERR(p, v, _("'superior' must be a whole number from 1 to 10"));
			return -1;
		}
		out->levels = (int)lv;
	} else {
		out->ref = xstrdup(v->value);
	}
	if (out->kind == A_ROLE && dk) {
		const struct ynode *dv = sval(p, n, "department", 0);
		if (dv) {
			out->dept = xstrdup(dv->value);
			out->dept_pos = pos_of(dv);
		}
	}
	int uses_applicant = (out->ref && !strcmp(out->ref, "applicant") &&
			      (out->kind == A_DEPT_HEAD || out->kind == A_MEMBERS)) ||
			     (out->dept && !strcmp(out->dept, "applicant"));
	if (ctx == AC_DEPT && out->kind != A_DEPT_HEAD && out->kind != A_FIELD) {
		ERR(p, kindkey, _("'%s' cannot name a handling department; use "
				  "department_head or field"), kindkey->value);
		bad = 1;
	} else if (ctx == AC_INITIATOR &&
		   (out->kind == A_SUPERIOR || out->kind == A_FIELD)) {
		ERR(p, kindkey, _("'%s' cannot say who may start a workflow; use user, "
				  "role, department_head or members"), kindkey->value);
		bad = 1;
	} else if (ctx == AC_INITIATOR && uses_applicant) {
		ERR(p, out->dept && !strcmp(out->dept, "applicant") ? ymap_get(n, "department") : v,
		    _("'applicant' cannot be used in initiators: there is no applicant yet"));
		bad = 1;
	}
	if (bad) {
		assign_release(out);
		return -1;
	}
	return 0;
}

/* A list of assignee specs (a single mapping is taken as a list of one). */
static struct assign *parse_assigns(struct wp *p, const struct ynode *map, const char *key,
				    enum actx ctx, size_t *nout)
{
	*nout = 0;
	const struct ynode *v = ymap_get(map, key);
	if (!v || yis_null(v))
		return NULL;
	if (v->type == Y_MAP) {
		struct assign *a = xcalloc(1, sizeof(*a));
		if (parse_assign(p, v, ctx, a) < 0) {
			free(a);
			return NULL;
		}
		*nout = 1;
		return a;
	}
	if (v->type != Y_SEQ) {
		ERR(p, v, _("'%s' must be a list of assignees such as [{role: clerk}], not a %s"),
		    key, ytype_name(v->type));
		return NULL;
	}
	if (!v->n) {
		ERR(p, v, _("'%s' must not be empty"), key);
		return NULL;
	}
	struct assign *a = xcalloc(v->n, sizeof(*a));
	size_t n = 0;
	for (size_t i = 0; i < v->n; i++)
		if (parse_assign(p, v->items[i], ctx, &a[n]) == 0)
			n++;
	if (!n) {
		free(a);
		return NULL;
	}
	*nout = n;
	return a;
}

/* A list of scalars (or one scalar) as strings with their positions. */
static char **parse_ids(struct wp *p, const struct ynode *v, const char *key,
			struct wpos **pos, size_t *nout)
{
	*nout = 0;
	*pos = NULL;
	if (!v || yis_null(v))
		return NULL;
	const struct ynode *const *items = (const struct ynode *const *)v->items;
	size_t n = v->n;
	if (v->type == Y_SCALAR) {
		items = (const struct ynode *const *)&v;
		n = 1;
	} else if (v->type != Y_SEQ) {
		ERR(p, v, _("'%s' must be a list, not a %s"), key, ytype_name(v->type));
		return NULL;
	}
	char **ids = xcalloc(n ? n : 1, sizeof(*ids));
	*pos = xcalloc(n ? n : 1, sizeof(**pos));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (items[i]->type != Y_SCALAR || yis_null(items[i])) {
			ERR(p, items[i], _("each entry of '%s' must be a value"), key);
			continue;
		}
		ids[k] = xstrdup(items[i]->value);
		(*pos)[k] = pos_of(items[i]);
		k++;
	}
	*nout = k;
	return ids;
}

/* A duration key; reports an invalid one. */
static void parse_duration_key(struct wp *p, const struct ynode *map, const char *key,
			       struct duration *out)
{
	const struct ynode *v = sval(p, map, key, 0);
	if (!v)
		return;
	if (duration_parse(v->value, out) < 0) {
		memset(out, 0, sizeof(*out));
		ERR(p, v, _("invalid duration '%s' for '%s' (use a whole number and m, h, d "
			    "or wd: 30m, 8h, 2d, 3wd)"), v->value, key);
	}
}

#define T(x) (1u << STEP_##x)
#define T_ALL 0xffffu
#define T_PEOPLE (T(APPROVAL) | T(HANDLING))
#define T_READERS (T(APPROVAL) | T(HANDLING) | T(CIRCULATE))

/* Every step key and the step types it applies to. */
static const struct step_key {
	const char *key;
	unsigned types;
} step_keys[] = {
	{ "id", T_ALL },
	{ "name", T_ALL },
	{ "type", T_ALL },
	{ "mode", T(APPROVAL) },
	{ "pass", T(APPROVAL) },
	{ "assignees", T(APPROVAL) | T(CIRCULATE) },
	{ "pick", T(APPROVAL) },
	{ "fallback", T(APPROVAL) },
	{ "lead", T(HANDLING) },
	{ "co", T(HANDLING) },
	{ "branches", T(EXCLUSIVE) | T(INCLUSIVE) | T(PARALLEL) },
	{ "join", T(INCLUSIVE) | T(PARALLEL) },
	{ "next", T_READERS | T(AUTO) | T(JOIN) },
	{ "action", T(AUTO) },
	{ "organ", T(AUTO) },
	{ "deadline", T_READERS },
	{ "remind_every", T_READERS },
	{ "on_timeout", T_PEOPLE },
	{ "return_to", T_PEOPLE },
	{ "opinion", T_READERS },
	{ "document", T_READERS },
	{ "editable", T_PEOPLE },
};

static const char *const branch_keys[] = { "when", "default", "next", NULL };

/*
 * 1 when `map` has an unknown key that is a misspelling of `key`: then the
 * "unknown key ... did you mean" report says it all, and "missing" would
 * only repeat it.
 */
static int misspelt(const struct ynode *map, const char *key, const char *const *allowed)
{
	size_t na = 0;
	while (allowed[na])
		na++;
	for (size_t i = 0; i < map->n; i++) {
		const char *k = map->pairs[i].key->value;
		size_t j;
		for (j = 0; j < na && strcmp(k, allowed[j]); j++)
			;
		if (j == na) {
			const char *near = y_nearest(k, allowed, na);
			if (near && !strcmp(near, key))
				return 1;
		}
	}
	return 0;
}

/* A required key of a step: reported missing unless it is only misspelt. */
static int step_has(struct wp *p, const struct ynode *map, const char *key,
		    const char *const *allowed)
{
	const struct ynode *v = ymap_get(map, key);
	if (v && !yis_null(v))
		return 1;
	if (!misspelt(map, key, allowed))
		ERR(p, v ? v : map, _("missing required key '%s'"), key);
	return 0;
}

/* Parse the branches of a routing step. */
static void parse_branches(struct wp *p, const struct ynode *map, struct step *s,
			   const char *const *allowed)
{
	const struct ynode *v = ymap_get(map, "branches");
	if (!step_has(p, map, "branches", allowed))
		return;
	if (v->type != Y_SEQ) {
		ERR(p, v, _("'%s' must be a list, not a %s"), "branches", ytype_name(v->type));
		return;
	}
	if (v->n < (s->type == STEP_PARALLEL ? 2u : 1u)) {
		if (s->type == STEP_PARALLEL)
			ERR(p, v, _("a parallel step needs at least two branches"));
		else
			ERR(p, v, _("'%s' must not be empty"), "branches");
		if (!v->n)
			return;
	}
	s->branches = xcalloc(v->n, sizeof(*s->branches));
	const struct ynode *first_default = NULL;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *b = v->items[i];
		if (b->type != Y_MAP) {
			ERR(p, b, _("a branch must be a mapping such as {next: step}, not a %s"),
			    ytype_name(b->type));
			continue;
		}
		y_check_keys(p->d, p->doc, b, branch_keys);
		struct branch *br = &s->branches[s->nbranches];
		br->line = b->line;
		br->col = b->col;
		const struct ynode *nv = sval(p, b, "next", 1);
		if (nv) {
			br->next = xstrdup(nv->value);
			br->next_pos = pos_of(nv);
		}
		const struct ynode *wk = ymap_key(b, "when");
		const struct ynode *dk = ymap_key(b, "default");
		if (s->type == STEP_PARALLEL) {
			if (wk)
				ERR(p, wk, _("'%s' does not apply to parallel branches: every "
					     "branch is taken"), "when");
			if (dk)
				ERR(p, dk, _("'%s' does not apply to parallel branches: every "
					     "branch is taken"), "default");
			s->nbranches++;
			continue;
		}
		int dflt = 0;
		if (dk) {
			const struct ynode *dv = ymap_get(b, "default");
			if (yparse_bool(dv, &dflt) < 0)
				ERR(p, dv, _("'%s' must be true or false"), "default");
			br->when_pos = pos_of(dv);
		}
		if (dflt && wk) {
			ERR(p, dk, _("a branch cannot have both 'when' and 'default'"));
		} else if (dflt) {
			if (first_default)
				ERR(p, dk, _("only one default branch is allowed (first at line %d)"),
				    first_default->line);
			else
				first_default = dk;
			br->is_default = 1;
		} else if (wk) {
			const struct ynode *wv = ymap_get(b, "when");
			br->when_pos = pos_of(wv);
			if (wv->type != Y_SCALAR || yis_null(wv))
				ERR(p, wv, _("'when' must be a condition such as days > 3"));
			else
				br->when = expr_parse_node(p->doc, wv, p->d);
		} else if (!dk) {
			ERR(p, b, _("a branch needs 'when: CONDITION' or 'default: true'"));
		}
		s->nbranches++;
	}
}

/* Parse `pass:` of a vote: a count ("2") or a percentage ("60%"). */
static void parse_pass(struct wp *p, const struct ynode *v, struct step *s)
{
	s->pass_pos = pos_of(v);
	long long n;
	if (yparse_int(v, &n) == 0) {
		if (n < 1)
			ERR(p, v, _("'pass' must be at least 1"));
		else if (n > 10000)
			ERR(p, v, _("'pass' is too large"));
		else
			s->pass_count = (int)n;
		return;
	}
	size_t len = v->len;
	if (len >= 2 && v->value[len - 1] == '%') {
		char *end;
		long pc = strtol(v->value, &end, 10);
		if (end == v->value + len - 1 && v->value[0] != '-' && v->value[0] != '+') {
			if (pc < 1 || pc > 100)
				ERR(p, v, _("'pass' must be between 1%% and 100%%"));
			else
				s->pass_percent = (int)pc;
			return;
		}
	}
	ERR(p, v, _("'pass' must be a number of approvals such as 2 or a percentage such as 60%%"));
}

/* Parse one step; returns 0 when it was added to w->steps. */
static void parse_step(struct wp *p, const struct ynode *map, struct workflow *w)
{
	if (map->type != Y_MAP) {
		ERR(p, map, _("a step must be a mapping with at least 'id', not a %s"),
		    ytype_name(map->type));
		return;
	}
	struct step *s = &w->steps[w->nsteps];
	memset(s, 0, sizeof(*s));
	s->index = w->nsteps++;
	s->line = map->line;
	s->col = map->col;

	/* unknown keys first: a typo should not also cause "missing" noise */
	const char *all[LEN(step_keys) + 1];
	for (size_t i = 0; i < LEN(step_keys); i++)
		all[i] = step_keys[i].key;
	all[LEN(step_keys)] = NULL;
	y_check_keys(p->d, p->doc, map, all);

	const struct ynode *idv = step_has(p, map, "id", all) ? sval(p, map, "id", 1) : NULL;
	if (idv) {
		s->line = idv->line;
		s->col = idv->col;
		if (!strcmp(idv->value, "end"))
			ERR(p, idv, _("step id 'end' is reserved: 'next: end' finishes the request"));
		else if (!y_is_slug(idv->value))
			ERR(p, idv, _("invalid step id '%s': use lowercase letters, digits, '.', "
				      "'_' and '-'"), idv->value);
		s->id = xstrdup(idv->value);
	}
	const struct ynode *nm = sval(p, map, "name", 0);
	s->name = xstrdup(nm ? nm->value : s->id ? s->id : "");

	int typed = 1;
	int t = keyword_key(p, map, "type", type_names, NTYPES, STEP_APPROVAL);
	if (t < 0) {
		typed = 0; /* unknown type: skip checks that depend on it */
		t = STEP_APPROVAL;
	}
	s->type = (enum step_type)t;

	if (typed) {
		for (size_t i = 0; i < map->n; i++) {
			const struct ynode *k = map->pairs[i].key;
			for (size_t j = 0; j < LEN(step_keys); j++)
				if (!strcmp(k->value, step_keys[j].key) &&
				    !(step_keys[j].types & (1u << s->type)))
					ERR(p, k, _("'%s' does not apply to %s steps"), k->value,
					    type_names[s->type]);
		}
	}
	unsigned bit = typed ? 1u << s->type : 0;

	/* defaults */
	s->mode = MODE_SINGLE;
	s->return_to = RETURN_PREVIOUS | RETURN_APPLICANT | RETURN_VISITED;
	s->opinion_required = 1;
	s->document = (bit & T_READERS) ? DOC_READ : DOC_NONE;

	/* people */
	const struct ynode *modev = NULL;
	int mode_ok = 1; /* the mode was given correctly (or not at all) */
	if (bit & T(APPROVAL)) {
		modev = sval(p, map, "mode", 0);
		int m = modev ? keyword(p, modev, "mode", mode_names, NMODES) : MODE_SINGLE;
		if (m >= 0)
			s->mode = (enum step_mode)m;
		else
			mode_ok = 0;
		const struct ynode *pv = ymap_get(map, "pass");
		if (pv && !yis_null(pv)) {
			if (pv->type != Y_SCALAR)
				ERR(p, pv, _("'%s' must be a value, not a %s"), "pass",
				    ytype_name(pv->type));
			else
				parse_pass(p, pv, s);
			if (m >= 0 && s->mode != MODE_VOTE)
				ERR(p, ymap_key(map, "pass"), _("'pass' applies only to mode: vote"));
		} else if (s->mode == MODE_VOTE) {
			ERR(p, modev, _("mode 'vote' needs 'pass': a number of approvals such as "
					"2 or a percentage such as 60%%"));
		}
		s->pick = y_bool(p->d, p->doc, map, "pick", 0);
		s->fallback = parse_assigns(p, map, "fallback", AC_PEOPLE, &s->nfallback);
	}
	if (bit & (T(APPROVAL) | T(CIRCULATE))) {
		step_has(p, map, "assignees", all);
		s->assigns = parse_assigns(p, map, "assignees", AC_PEOPLE, &s->nassigns);
		const struct ynode *av = ymap_get(map, "assignees");
		if ((bit & T(APPROVAL)) && mode_ok && s->mode == MODE_SINGLE && !s->pick &&
		    av && av->type == Y_SEQ && av->n > 1) {
			if (modev)
				ERR(p, modev, _("mode 'single' takes one assignee; use sequential, "
						"countersign, any, vote or claim for several"));
			else
				ERR(p, av, _("several assignees need a 'mode': sequential, "
					     "countersign, any, vote or claim"));
		}
	}
	if (bit & T(HANDLING)) {
		const struct ynode *lv = ymap_get(map, "lead");
		if (!step_has(p, map, "lead", all)) {
			;
		} else if (lv->type != Y_MAP) {
			ERR(p, lv, _("'lead' must be one department such as {field: lead_dept}, "
				     "not a %s"), ytype_name(lv->type));
		} else {
			struct assign *a = xcalloc(1, sizeof(*a));
			if (parse_assign(p, lv, AC_DEPT, a) == 0)
				s->lead = a;
			else
				free(a);
		}
		s->co = parse_assigns(p, map, "co", AC_DEPT, &s->nco);
	}

	/* routing */
	if (bit & (T(EXCLUSIVE) | T(INCLUSIVE) | T(PARALLEL)))
		parse_branches(p, map, s, all);
	if (bit & (T(INCLUSIVE) | T(PARALLEL))) {
		const struct ynode *jv = step_has(p, map, "join", all) ? sval(p, map, "join", 1)
								      : NULL;
		if (jv) {
			s->join = xstrdup(jv->value);
			s->join_pos = pos_of(jv);
		}
	}
	if (bit & (T_READERS | T(AUTO) | T(JOIN))) {
		const struct ynode *nv = sval(p, map, "next", 0);
		if (nv) {
			s->next = xstrdup(nv->value);
			s->next_pos = pos_of(nv);
		}
	}

	/* automatic steps */
	if (bit & T(AUTO)) {
		const struct ynode *av = step_has(p, map, "action", all) ? sval(p, map, "action", 1)
									  : NULL;
		int a = av ? keyword(p, av, "action", action_names, LEN(action_names)) : -1;
		s->action = a == 0 ? AUTO_NUMBER : a == 1 ? AUTO_ARCHIVE : AUTO_NONE;
		const struct ynode *ov = sval(p, map, "organ", 0);
		if (ov) {
			s->organ = xstrdup(ov->value);
			s->organ_pos = pos_of(ov);
		}
		if (s->action == AUTO_NUMBER && !ov && !ymap_get(map, "organ"))
			ERR(p, map, _("'action: number' needs 'organ': the department whose code "
				      "numbers the documents"));
		else if (s->action == AUTO_ARCHIVE && ymap_key(map, "organ"))
			ERR(p, ymap_key(map, "organ"), _("'organ' applies only to action: number"));
	}

	/* time */
	if (bit & T_READERS) {
		parse_duration_key(p, map, "deadline", &s->deadline);
		parse_duration_key(p, map, "remind_every", &s->remind_every);
	}
	if (bit & T_PEOPLE) {
		const struct ynode *tv = sval(p, map, "on_timeout", 0);
		if (tv) {
			int a = keyword(p, tv, "on_timeout", timeout_names, LEN(timeout_names));
			if (a >= 0)
				s->on_timeout = timeout_values[a];
			if (!ymap_get(map, "deadline"))
				ERR(p, ymap_key(map, "on_timeout"),
				    _("'on_timeout' needs a 'deadline'"));
		} else if (s->deadline.amount) {
			s->on_timeout = TIMEOUT_REMIND;
		}
	}

	/* returns */
	if (bit & T_PEOPLE) {
		const struct ynode *rv = ymap_get(map, "return_to");
		if (rv && !yis_null(rv)) {
			size_t n;
			struct wpos *pos;
			char **ids = parse_ids(p, rv, "return_to", &pos, &n);
			s->return_to = 0;
			s->return_steps = xcalloc(n ? n : 1, sizeof(char *));
			s->return_pos = xcalloc(n ? n : 1, sizeof(struct wpos));
			for (size_t i = 0; i < n; i++) {
				if (!strcmp(ids[i], "previous")) {
					s->return_to |= RETURN_PREVIOUS;
				} else if (!strcmp(ids[i], "applicant")) {
					s->return_to |= RETURN_APPLICANT;
				} else if (!strcmp(ids[i], "visited")) {
					s->return_to |= RETURN_VISITED;
				} else if (!strcmp(ids[i], "none")) {
					if (n > 1)
						diag_error(p->d, p->doc->file, pos[i].line, pos[i].col,
							   _("'none' cannot be combined with other "
							     "return targets"));
				} else {
					s->return_pos[s->nreturn_steps] = pos[i];
					s->return_steps[s->nreturn_steps++] = ids[i];
					continue;
				}
				free(ids[i]);
			}
			free(ids);
			free(pos);
		}
	}

	/* what the handler does */
	if (bit & T_READERS) {
		int o = keyword_key(p, map, "opinion", opinion_names, LEN(opinion_names), 0);
		if (o >= 0)
			s->opinion_required = o == 0;
		int dc = keyword_key(p, map, "document", document_names, LEN(document_names),
				     (int)s->document);
		if (dc >= 0)
			s->document = (enum document_access)dc;
		/* the sign-off (签发) is a person's act: the system never signs at a deadline */
		const struct ynode *tv = (bit & T_PEOPLE) ? ymap_get(map, "on_timeout") : NULL;
		if (tv && s->document == DOC_SIGN && s->on_timeout == TIMEOUT_APPROVE)
			ERR(p, tv, _("'on_timeout: approve' cannot be used on a 'document: sign' step: "
				     "the sign-off must be given by a person; use remind, escalate or reject"));
	}
	if (bit & T_PEOPLE)
		s->editable = parse_ids(p, ymap_get(map, "editable"), "editable",
					&s->editable_pos, &s->neditable);
}

static const char *const top_keys[] = {
	"kind", "id", "name", "form", "category", "calendar", "initiators", "policies", "steps",
	NULL
};
static const char *const policy_keys[] = {
	"self_approval", "dedupe", "resubmit", "separate", NULL
};

/* Parse `policies:`. */
static void parse_policies(struct wp *p, const struct ynode *v, struct workflow *w)
{
	if (!v || yis_null(v))
		return;
	if (y_expect(p->d, p->doc, v, Y_MAP, "policies") < 0)
		return;
	y_check_keys(p->d, p->doc, v, policy_keys);
	int x = keyword_key(p, v, "self_approval", self_names, LEN(self_names), SELF_ALLOW);
	if (x >= 0)
		w->self_approval = (enum self_approval)x;
	w->dedupe = y_bool(p->d, p->doc, v, "dedupe", 0);
	x = keyword_key(p, v, "resubmit", resubmit_names, LEN(resubmit_names), RESUBMIT_RESTART);
	if (x >= 0)
		w->resubmit = (enum resubmit)x;
	const struct ynode *sep = ymap_get(v, "separate");
	if (!sep || yis_null(sep))
		return;
	if (sep->type != Y_SEQ) {
		ERR(p, sep, _("'separate' must be a list of step pairs such as "
			      "[[review, approve]], not a %s"), ytype_name(sep->type));
		return;
	}
	w->separate = xcalloc(sep->n ? sep->n : 1, sizeof(*w->separate));
	w->separate_pos = xcalloc(sep->n ? sep->n : 1, sizeof(*w->separate_pos));
	for (size_t i = 0; i < sep->n; i++) {
		const struct ynode *pr = sep->items[i];
		if (pr->type != Y_SEQ || pr->n != 2 || pr->items[0]->type != Y_SCALAR ||
		    pr->items[1]->type != Y_SCALAR || yis_null(pr->items[0]) ||
		    yis_null(pr->items[1])) {
			ERR(p, pr, _("each 'separate' entry must be a pair of step ids such as "
				     "[review, approve]"));
			continue;
		}
		if (!strcmp(pr->items[0]->value, pr->items[1]->value)) {
			ERR(p, pr->items[1], _("step '%s' cannot be separated from itself"),
			    pr->items[1]->value);
			continue;
		}
		size_t k = w->nseparate++;
		for (int j = 0; j < 2; j++) {
			w->separate[k][j] = xstrdup(pr->items[j]->value);
			w->separate_pos[k][j] = pos_of(pr->items[j]);
		}
	}
}

struct workflow *workflow_parse(const struct ydoc *doc, struct diags *d)
{
	struct wp p = { doc, d };
	const struct ynode *root = doc ? doc->root : NULL;
	if (!root || root->type != Y_MAP)
		return NULL; /* reported by whoever loaded it */
	struct workflow *w = xcalloc(1, sizeof(*w));
	w->line = root->line;
	w->col = root->col;
	y_check_keys(d, doc, root, top_keys);

	/* the same words and positions as defset's header check, so they merge */
	const struct ynode *id = ymap_get(root, "id");
	if (!id || yis_null(id) || !yscalar(id))
		y_error(d, doc, id ? id : root, _("missing 'id'"));
	else if (!y_is_slug(id->value))
		y_error(d, doc, id, _("invalid id '%s': use lowercase letters, digits, '.', '_' "
				      "and '-'"), id->value);
	else
		w->id = xstrdup(id->value);
	const struct ynode *v = sval(&p, root, "name", 1);
	w->name = xstrdup(v ? v->value : w->id ? w->id : "");
	if ((v = sval(&p, root, "form", 1))) {
		w->form = xstrdup(v->value);
		w->form_pos = pos_of(v);
	}
	if ((v = sval(&p, root, "category", 0)))
		w->category = xstrdup(v->value);
	/* the calendar's existence is checked by defset, which sees every calendar */
	if ((v = sval(&p, root, "calendar", 0))) {
		w->calendar = xstrdup(v->value);
		w->calendar_pos = pos_of(v);
	} else {
		w->calendar = xstrdup("cn");
	}
	w->initiators = parse_assigns(&p, root, "initiators", AC_INITIATOR, &w->ninitiators);
	parse_policies(&p, ymap_get(root, "policies"), w);

	const struct ynode *steps = ymap_get(root, "steps");
	if (!steps || yis_null(steps)) {
		ERR(&p, steps ? steps : root, _("missing required key '%s'"), "steps");
	} else if (steps->type != Y_SEQ) {
		ERR(&p, steps, _("'steps' must be a list, not a %s"), ytype_name(steps->type));
	} else if (!steps->n) {
		ERR(&p, steps, _("a workflow needs at least one step"));
	} else {
		w->steps = xcalloc(steps->n, sizeof(*w->steps));
		for (size_t i = 0; i < steps->n; i++)
			parse_step(&p, steps->items[i], w);
	}

	/* duplicate step ids */
	for (size_t i = 0; i < w->nsteps; i++) {
		if (!w->steps[i].id)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (w->steps[j].id && !strcmp(w->steps[i].id, w->steps[j].id)) {
				diag_error(d, doc->file, w->steps[i].line, w->steps[i].col,
					   _("duplicate step id '%s' (first at line %d)"),
					   w->steps[i].id, w->steps[j].line);
				break;
			}
		}
	}
	return w;
}

/* ---- checking --------------------------------------------------------- */

/* What the checker reads and reports into. */
struct wc {
	const struct workflow *w;
	const struct org *org;   /* NULL: organisation checks are skipped */
	const struct form *form; /* NULL: form checks are skipped */
	const char *file;        /* for messages */
	struct diags *d;
	int errors;              /* problems found by the checks */
};

/* Report at a position, appending " (did you mean 'x'?)" when there is a near id. */
static void cerr_near(struct wc *c, struct wpos at, const char *near, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void cerr_near(struct wc *c, struct wpos at, const char *near, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (near)
		buf_addf(&b, _(" (did you mean '%s'?)"), near);
	diag_error(c->d, c->file, at.line, at.col, "%s", b.s);
	buf_release(&b);
	c->errors++;
}

#define CERR(c, at, ...) cerr_near((c), (at), NULL, __VA_ARGS__)

static struct wpos wpos_at(int line, int col)
{
	struct wpos p = { line, col };
	return p;
}

/*
 * y_nearest, but never a suggestion that shares nothing with the word
 * ('b' for 'a', 'p' for 'jj'): the distance must be below both lengths.
 */
static const char *nearest(const char *word, const char *const *v, size_t n)
{
	const char *near = y_nearest(word, v, n);
	if (!near)
		return NULL;
	size_t dist = y_edit_distance(word, near);
	return dist < strlen(word) && dist < strlen(near) ? near : NULL;
}

/* Nearest id among the organisation's users (0), roles (1) or departments (2). */
static const char *org_nearest(const struct org *o, int what, const char *id)
{
	size_t n = what == 0 ? o->nusers : what == 1 ? o->nroles : o->ndepts;
	const char **v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = what == 0 ? o->users[i].id : what == 1 ? o->roles[i].id : o->depts[i].id;
	const char *near = nearest(id, v, n);
	free(v);
	return near;
}

static const char *field_nearest(const struct form *f, const char *id)
{
	const char **v = xcalloc(f->nfields ? f->nfields : 1, sizeof(*v));
	for (size_t i = 0; i < f->nfields; i++)
		v[i] = f->fields[i].id;
	const char *near = nearest(id, v, f->nfields);
	free(v);
	return near;
}

/*
 * The department an assignee names, or NULL when it is unknown (reported).
 * Where `applicant` is allowed, a misspelling of it is suggested too.
 */
static const struct org_dept *check_dept(struct wc *c, const char *id, struct wpos at,
					 int applicant_ok)
{
	const struct org_dept *dp = org_dept(c->org, id);
	if (!dp) {
		static const char *const app[] = { "applicant" };
		const char *near = applicant_ok ? nearest(id, app, 1) : NULL;
		if (!near)
			near = org_nearest(c->org, 2, id);
		cerr_near(c, at, near, _("unknown department '%s'"), id);
	}
	return dp;
}

/* Check a field used as an assignee source; `depts_only` for handling steps. */
static void check_assign_field(struct wc *c, const struct assign *a, int depts_only)
{
	if (!c->form)
		return;
	const struct field *f = form_field(c->form, a->ref);
	struct wpos at = wpos_at(a->line, a->col);
	if (!f) {
		cerr_near(c, at, field_nearest(c->form, a->ref), _("unknown field '%s' in form '%s'"),
			  a->ref, c->form->id);
		return;
	}
	if (depts_only && f->type != F_DEPARTMENT)
		CERR(c, at, _("field '%s' is a %s field; a handling department must come from a "
			      "department field"), a->ref, field_type_name(f->type));
	else if (!depts_only && f->type != F_USER && f->type != F_DEPARTMENT)
		CERR(c, at, _("field '%s' is a %s field; assignees can only come from a user or "
			      "department field"), a->ref, field_type_name(f->type));
}

/*
 * How many people an assignee names, when the organisation alone decides it;
 * -1 when it depends on the request (the applicant, a form field).
 */
static long assign_count(const struct org *o, const struct assign *a)
{
	switch (a->kind) {
	case A_USER:
		return org_user(o, a->ref) ? 1 : -1;
	case A_SUPERIOR:
		return 1;
	case A_DEPT_HEAD: {
		if (!strcmp(a->ref, "applicant"))
			return 1;
		const struct org_dept *dp = org_dept(o, a->ref);
		return !dp ? -1 : dp->head ? 1 : 0;
	}
	case A_ROLE:
	case A_MEMBERS: {
		const char *dept = a->kind == A_ROLE ? a->dept : a->ref;
		if ((dept && !strcmp(dept, "applicant")) || (dept && !org_dept(o, dept)))
			return -1;
		if (a->kind == A_ROLE && !org_role(o, a->ref))
			return -1;
		long n = 0;
		for (size_t i = 0; i < o->nusers; i++) {
			const struct org_user *u = &o->users[i];
			if (a->kind == A_ROLE && !org_user_has_role(u, a->ref))
				continue;
			if (dept && (!u->dept || !org_dept_within(o, u->dept, dept)))
				continue;
			n++;
		}
		return n;
	}
	case A_FIELD:
		return -1;
	}
	return -1;
}

/* Check one assignee against the organisation and the form. */
static void check_assign(struct wc *c, const struct assign *a, int depts_only, int who_acts)
{
	struct wpos at = wpos_at(a->line, a->col);
	if (a->kind == A_FIELD) {
		check_assign_field(c, a, depts_only);
		return;
	}
	if (!c->org || a->kind == A_SUPERIOR)
		return;
	switch (a->kind) {
	case A_USER:
		if (!org_user(c->org, a->ref))
			cerr_near(c, at, org_nearest(c->org, 0, a->ref), _("unknown user '%s'"),
				  a->ref);
		return;
	case A_ROLE:
		if (!org_role(c->org, a->ref))
			cerr_near(c, at, org_nearest(c->org, 1, a->ref), _("unknown role '%s'"),
				  a->ref);
		if (a->dept && strcmp(a->dept, "applicant") && !check_dept(c, a->dept, a->dept_pos, 1))
			return;
		break;
	case A_DEPT_HEAD:
	case A_MEMBERS:
		if (strcmp(a->ref, "applicant") && !check_dept(c, a->ref, at, 1))
			return;
		break;
	default:
		return;
	}
	if (!who_acts || assign_count(c->org, a) != 0)
		return;
	if (a->kind == A_DEPT_HEAD)
		CERR(c, at, _("department '%s' has no head"), a->ref);
	else if (a->kind == A_MEMBERS)
		CERR(c, at, _("department '%s' has no members"), a->ref);
	else if (a->dept)
		CERR(c, at, _("no user has role '%s' in department '%s'"), a->ref, a->dept);
	else if (org_role(c->org, a->ref))
		CERR(c, at, _("no user has role '%s'"), a->ref);
}

/* The type environment of `when:` conditions: form fields and the applicant. */
struct cond_env {
	const struct form *form;
	const char **names; /* NULL-terminated, for "did you mean" */
};

static const char *const applicant_names[] = {
	"applicant.id", "applicant.name", "applicant.department", "applicant.roles",
	"applicant.level", "applicant.title",
};
static const enum vtype applicant_types[] = {
	V_STRING, V_STRING, V_STRING, V_LIST, V_NUMBER, V_STRING,
};

static int cond_lookup(void *ctx, const char *name, enum vtype *type)
{
	struct cond_env *e = ctx;
	for (size_t i = 0; i < LEN(applicant_names); i++) {
		if (!strcmp(name, applicant_names[i])) {
			*type = applicant_types[i];
			return 0;
		}
	}
	const struct field *f = e->form ? form_field(e->form, name) : NULL;
	if (!f)
		return -1;
	*type = field_vtype(f);
	return 0;
}

static const char *const *cond_names(void *ctx)
{
	return ((struct cond_env *)ctx)->names;
}

/* No names are known when folding literals. */
static int no_lookup(void *ctx, const char *name, struct value *out)
{
	(void)ctx;
	(void)name;
	(void)out;
	return -1;
}

static void count_ident(void *ctx, const char *name)
{
	(void)name;
	(*(size_t *)ctx)++;
}

/* 1 when a condition reads nothing and is false: its branch is never taken. */
static int constant_false(const struct expr *e)
{
	size_t idents = 0;
	expr_foreach_ident(e, count_ident, &idents);
	if (idents)
		return 0;
	struct expr_scope scope = { no_lookup, NULL };
	int b = 1;
	char *err = NULL;
	if (expr_eval_bool(e, &scope, &b, &err) < 0) {
		free(err);
		return 0;
	}
	return !b;
}

/* The step graph: successors of each step; index nsteps is `end`. */
struct graph {
	size_t n;        /* steps; node n is the end */
	size_t **succ;   /* successor node indices */
	size_t *nsucc;
	char *dangling;  /* 1: a target is unknown (reported), so do not cascade */
};

/* The node a target id names: a step index, n for "end", or SIZE_MAX. */
static size_t target_node(const struct workflow *w, const char *id)
{
	if (!id)
		return SIZE_MAX;
	if (!strcmp(id, "end"))
		return w->nsteps;
	const struct step *s = workflow_step(w, id);
	return s ? s->index : SIZE_MAX;
}

static void graph_add(struct graph *g, size_t from, size_t to)
{
	if (to == SIZE_MAX) {
		g->dangling[from] = 1;
		return;
	}
	g->succ[from] = xrealloc(g->succ[from], (g->nsucc[from] + 1) * sizeof(size_t));
	g->succ[from][g->nsucc[from]++] = to;
}

static void graph_build(struct graph *g, const struct workflow *w)
{
	g->n = w->nsteps;
	g->succ = xcalloc(g->n + 1, sizeof(*g->succ));
	g->nsucc = xcalloc(g->n + 1, sizeof(*g->nsucc));
	g->dangling = xcalloc(g->n + 1, 1);
	for (size_t i = 0; i < w->nsteps; i++) {
		const struct step *s = &w->steps[i];
		if (s->type == STEP_END) {
			graph_add(g, i, g->n);
		} else if (is_routing(s->type)) {
			if (!s->nbranches)
				g->dangling[i] = 1; /* its branches are reported missing */
			for (size_t b = 0; b < s->nbranches; b++)
				graph_add(g, i, target_node(w, s->branches[b].next));
		} else if (s->next) {
			graph_add(g, i, target_node(w, s->next));
		} else {
			graph_add(g, i, i + 1); /* the following step, or the end */
		}
	}
}

static void graph_release(struct graph *g)
{
	for (size_t i = 0; i <= g->n; i++)
		free(g->succ[i]);
	free(g->succ);
	free(g->nsucc);
	free(g->dangling);
}

/* Mark every node reachable from `from` without entering `avoid` (SIZE_MAX: none). */
static void graph_reach(const struct graph *g, size_t from, size_t avoid, char *seen)
{
	memset(seen, 0, g->n + 1);
	size_t *stack = xcalloc(g->n + 2, sizeof(*stack));
	size_t top = 0;
	if (from != avoid) {
		seen[from] = 1;
		stack[top++] = from;
	}
	while (top) {
		size_t x = stack[--top];
		for (size_t i = 0; i < g->nsucc[x]; i++) {
			size_t y = g->succ[x][i];
			if (y == avoid || seen[y])
				continue;
			seen[y] = 1;
			stack[top++] = y;
		}
	}
	free(stack);
}

static const char *step_nearest(const struct workflow *w, const char *id)
{
	const char **v = xcalloc(w->nsteps + 1, sizeof(*v));
	for (size_t i = 0; i < w->nsteps; i++)
		v[i] = w->steps[i].id;
	v[w->nsteps] = "end";
	const char *near = nearest(id, v, w->nsteps + 1);
	free(v);
	return near;
}

/* A `next:` style target: a step id or "end". */
static void check_target(struct wc *c, const char *id, struct wpos at)
{
	if (id && target_node(c->w, id) == SIZE_MAX)
		cerr_near(c, at, step_nearest(c->w, id), _("unknown step '%s'"), id);
}

static const char *sname(const struct step *s)
{
	return s->id ? s->id : "?";
}

/* References from steps to other steps, fields, the organisation. */
static void check_step_refs(struct wc *c, const struct step *s)
{
	const struct workflow *w = c->w;
	for (size_t i = 0; i < s->nassigns; i++)
		check_assign(c, &s->assigns[i], 0, 1);
	for (size_t i = 0; i < s->nfallback; i++)
		check_assign(c, &s->fallback[i], 0, 1);
	if (s->lead)
		check_assign(c, s->lead, 1, 1);
	for (size_t i = 0; i < s->nco; i++)
		check_assign(c, &s->co[i], 1, 1);

	check_target(c, s->next, s->next_pos);
	for (size_t i = 0; i < s->nbranches; i++)
		check_target(c, s->branches[i].next, s->branches[i].next_pos);
	if (s->join) {
		const struct step *j = workflow_step(w, s->join);
		if (!j)
			cerr_near(c, s->join_pos, step_nearest(w, s->join), _("unknown step '%s'"),
				  s->join);
		else if (j->type != STEP_JOIN)
			CERR(c, s->join_pos, _("join '%s' must be a step of type join, not %s"),
			     s->join, step_type_name(j->type));
	}
	for (size_t i = 0; i < s->nreturn_steps; i++) {
		const char *r = s->return_steps[i];
		if (!workflow_step(w, r))
			cerr_near(c, s->return_pos[i], step_nearest(w, r), _("unknown step '%s'"), r);
		else if (s->id && !strcmp(r, s->id))
			CERR(c, s->return_pos[i], _("step '%s' cannot return to itself"), r);
	}

	if (s->organ && c->org) {
		const struct org_dept *dp = check_dept(c, s->organ, s->organ_pos, 0);
		if (dp && (!dp->code || !*dp->code))
			CERR(c, s->organ_pos, _("department '%s' has no organ code to number "
						"documents with"), s->organ);
	}

	if (c->form) {
		for (size_t i = 0; i < s->neditable; i++) {
			const struct field *f = form_field(c->form, s->editable[i]);
			if (!f)
				cerr_near(c, s->editable_pos[i], field_nearest(c->form, s->editable[i]),
					  _("unknown field '%s' in form '%s'"), s->editable[i],
					  c->form->id);
			else if (f->compute)
				CERR(c, s->editable_pos[i], _("field '%s' is computed and cannot "
							      "be editable"), s->editable[i]);
		}
	}

	/* a vote that can never pass */
	if (s->mode == MODE_VOTE && s->pass_count > 0 && c->org) {
		long total = 0;
		for (size_t i = 0; i < s->nassigns && total >= 0; i++) {
			long k = assign_count(c->org, &s->assigns[i]);
			total = k < 0 ? -1 : total + k;
		}
		if (total >= 0 && s->pass_count > total)
			CERR(c, s->pass_pos, _("'pass: %d' can never be met: step '%s' has only "
					       "%ld signers"), s->pass_count, sname(s), total);
	}
}

/* Conditions: well-typed booleans over the form and the applicant. */
static void check_conditions(struct wc *c, const struct step *s, struct cond_env *env)
{
	struct expr_env ee = { cond_lookup, cond_names, env };
	for (size_t i = 0; i < s->nbranches; i++) {
		struct branch *b = &s->branches[i];
		if (!b->when)
			continue;
		enum vtype t;
		size_t before = c->d->n;
		if (c->form && expr_check(b->when, &ee, V_BOOL, &t, c->d) < 0) {
			c->errors += c->d->n > before ? (int)(c->d->n - before) : 1;
			continue;
		}
		if (constant_false(b->when))
			CERR(c, b->when_pos, _("condition '%s' is always false: this branch is "
					       "never taken"), expr_source(b->when));
	}
}

/* Graph checks: reachability, a way to the end, defaults, joins, returns. */
static void check_graph(struct wc *c)
{
	const struct workflow *w = c->w;
	if (!w->nsteps)
		return;
	struct graph g;
	graph_build(&g, w);
	size_t n = g.n;
	char *from_first = xcalloc(n + 1, 1);
	char *seen = xcalloc(n + 1, 1);
	graph_reach(&g, 0, SIZE_MAX, from_first);

	/* can reach the end: a fixpoint over the successors */
	char *can_end = xcalloc(n + 1, 1);
	can_end[n] = 1;
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			if (can_end[i])
				continue;
			int ok = g.dangling[i];
			for (size_t k = 0; k < g.nsucc[i] && !ok; k++)
				ok = can_end[g.succ[i][k]];
			if (ok) {
				can_end[i] = 1;
				changed = 1;
			}
		}
	}

	/*
	 * A reachable step with an unknown target may lead anywhere: then
	 * "unreachable" would only echo that typo.
	 */
	int open_ended = 0;
	for (size_t i = 0; i < n; i++)
		if (from_first[i] && g.dangling[i])
			open_ended = 1;

	for (size_t i = 0; i < n; i++) {
		const struct step *s = &w->steps[i];
		struct wpos at = wpos_at(s->line, s->col);
		if (!from_first[i]) {
			if (open_ended)
				continue;
			CERR(c, at, _("step '%s' can never be reached from the first step '%s'"),
			     sname(s), sname(&w->steps[0]));
			continue;
		}
		if (!can_end[i]) {
			/* report where a request enters the trap, once per way in */
			int entry = i == 0;
			for (size_t p = 0; p < n && !entry; p++)
				for (size_t k = 0; k < g.nsucc[p] && !entry; k++)
					entry = g.succ[p][k] == i && can_end[p];
			if (entry)
				CERR(c, at, _("no way to finish from step '%s': every path from it "
					      "loops without reaching 'end'"), sname(s));
		}
		if (s->type == STEP_EXCLUSIVE || s->type == STEP_INCLUSIVE) {
			size_t k;
			for (k = 0; k < s->nbranches; k++)
				if (s->branches[k].is_default)
					break;
			if (s->nbranches && k == s->nbranches)
				CERR(c, at, _("no default branch: a request that matches no condition "
					      "would stop at '%s'"), sname(s));
		}
		if ((s->type == STEP_PARALLEL || s->type == STEP_INCLUSIVE) && s->join) {
			const struct step *j = workflow_step(w, s->join);
			if (!j || j->type != STEP_JOIN)
				continue;
			for (size_t b = 0; b < s->nbranches; b++) {
				const struct branch *br = &s->branches[b];
				size_t t = target_node(w, br->next);
				if (t == SIZE_MAX)
					continue;
				int leaks = t == n;
				if (!leaks) {
					graph_reach(&g, t, j->index, seen);
					leaks = seen[n];
				}
				if (leaks)
					CERR(c, br->next_pos, _("branch '%s' of step '%s' can reach the "
								"end without passing its join '%s'"),
					     br->next, sname(s), s->join);
			}
		}
	}

	/* explicit return targets must be able to come before the step */
	for (size_t i = 0; i < n; i++) {
		const struct step *s = &w->steps[i];
		for (size_t r = 0; r < s->nreturn_steps; r++) {
			const struct step *t = workflow_step(w, s->return_steps[r]);
			if (!t || t == s)
				continue;
			graph_reach(&g, t->index, SIZE_MAX, seen);
			if (!seen[i])
				CERR(c, s->return_pos[r], _("return target '%s' can never have been "
							    "visited before step '%s'"),
				     t->id, sname(s));
		}
	}
	free(can_end);
	free(seen);
	free(from_first);
	graph_release(&g);
}

int workflow_check(struct workflow *w, const struct ydoc *doc, const struct org *org,
		   const struct form *form, struct diags *d)
{
	if (!w)
		return -1;
	struct wc c = { w, org, form, doc && doc->file ? doc->file : "workflow", d, 0 };

	if (w->form && !form)
		CERR(&c, w->form_pos, _("unknown form '%s'"), w->form);
	if (!org)
		CERR(&c, wpos_at(w->line, w->col), _("no organisation to check assignees "
						     "against: lint the workflow together with "
						     "one, or deploy one first"));

	for (size_t i = 0; i < w->ninitiators; i++)
		check_assign(&c, &w->initiators[i], 0, 0);

	struct cond_env env = { form, NULL };
	size_t nf = form ? form->nfields : 0;
	env.names = xcalloc(nf + LEN(applicant_names) + 1, sizeof(*env.names));
	for (size_t i = 0; i < nf; i++)
		env.names[i] = form->fields[i].id;
	for (size_t i = 0; i < LEN(applicant_names); i++)
		env.names[nf + i] = applicant_names[i];

	for (size_t i = 0; i < w->nsteps; i++) {
		check_step_refs(&c, &w->steps[i]);
		check_conditions(&c, &w->steps[i], &env);
	}
	free(env.names);

	for (size_t i = 0; i < w->nseparate; i++)
		for (int j = 0; j < 2; j++)
			if (!workflow_step(w, w->separate[i][j]))
				cerr_near(&c, w->separate_pos[i][j], step_nearest(w, w->separate[i][j]),
					  _("unknown step '%s'"), w->separate[i][j]);

	check_graph(&c);
	return c.errors ? -1 : 0;
}
