/*
 * The "Workflow" view (and, for other kinds, the definition's text): opened
 * from the definitions list. A workflow shows its steps in order with type,
 * mode and assignees; when the content does not parse as a workflow (or is
 * another kind) the view shows the deployed YAML text line by line, and the
 * status bar says why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"
#include "../defs/form.h"
#include "../defs/org.h"
#include "../defs/workflow.h"
#include "../store/store.h"
#include "../util/diag.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "../yaml/ydoc.h"

/* One step, already rendered into column texts. */
struct step_item {
	char *id;         /* step id */
	char *name;       /* display name */
	char *type;       /* step_type_name() */
	char *mode;       /* mode for decision steps, else "" */
	char *who;        /* assignees, branches or the automatic action */
};

struct def_data {
	char *kind;                /* which definition; owned */
	char *id;
	char *name;                /* display name from the store, or NULL */
	char *hash;                /* version hash */
	struct step_item *steps;   /* the workflow's steps, or NULL for text mode */
	size_t nsteps;
	char **text;               /* the YAML lines (text mode) */
	size_t ntext;
};

void *def_view_data(const char *kind, const char *id)
{
	struct def_data *dd = xcalloc(1, sizeof(*dd));
	dd->kind = xstrdup(kind);
	dd->id = xstrdup(id);
	return dd;
}

/* What a step description needs to name things: the organisation and the form, if deployed. */
struct names {
	const struct org *org;       /* the current organisation, or NULL */
	const struct form *form;     /* the workflow's form, or NULL */
	const struct workflow *wf;   /* the workflow described */
};

/* A department by id as people read it ("the applicant's department" for applicant). */
static const char *dept_name(const struct names *nm, const char *id)
{
	if (!id || !strcmp(id, "applicant"))
		return _("the applicant's department");
	const struct org_dept *d = nm->org ? org_dept(nm->org, id) : NULL;
	return d && d->name ? d->name : id;
}

/* One assignment as people read it: "申请人所在部门的局领导", never the file's words. */
static void describe_assign(struct buf *out, const struct names *nm, const struct assign *a)
{
	switch (a->kind) {
	case A_USER: {
		const struct org_user *u = nm->org ? org_user(nm->org, a->ref) : NULL;
		buf_adds(out, u && u->name ? u->name : a->ref);
		break;
	}
	case A_ROLE: {
		const struct org_role *r = nm->org ? org_role(nm->org, a->ref) : NULL;
		const char *role = r && r->name ? r->name : a->ref;
		if (!a->dept)
			buf_adds(out, role);
		else
			/* TRANSLATORS: a role within a department: "局领导 of 申请人所在部门" */
			buf_addf(out, _("%s of %s"), role, dept_name(nm, a->dept));
		break;
	}
	case A_DEPT_HEAD:
		/* TRANSLATORS: the head of a department (部门负责人) */
		buf_addf(out, _("head of %s"), dept_name(nm, a->ref));
		break;
	case A_SUPERIOR:
		if (a->levels <= 1)
			buf_adds(out, _("the applicant's superior"));
		else
			buf_addf(out, _("the applicant's superior %d levels up"), a->levels);
		break;
	case A_MEMBERS:
		buf_addf(out, _("everyone in %s"), dept_name(nm, a->ref));
		break;
	case A_FIELD: {
		const char *label = a->ref;
		int dept = 0;
		for (size_t i = 0; nm->form && i < nm->form->nfields; i++)
			if (!strcmp(nm->form->fields[i].id, a->ref)) {
				label = nm->form->fields[i].label ? nm->form->fields[i].label : a->ref;
				dept = nm->form->fields[i].type == F_DEPARTMENT;
			}
		if (dept)
			/* TRANSLATORS: the heads of the departments a form field names ("主办部门") */
			buf_addf(out, _("the head of the department in %s"), label);
		else
			/* TRANSLATORS: the people named in a form field: "the person in 工作交接人" */
			buf_addf(out, _("the person in %s"), label);
		break;
	}
	}
}

static void describe_assigns(struct buf *out, const struct names *nm, const struct assign *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			/* TRANSLATORS: between the people of a step's list (、 in Chinese) */
			buf_adds(out, _(", "));
		describe_assign(out, nm, &v[i]);
	}
}

/* A step by id as people read it: its name, or "end". */
static const char *step_label(const struct names *nm, const char *id)
{
	if (!id || !strcmp(id, "end"))
		/* TRANSLATORS: a branch that ends the workflow */
		return _("end");
	for (size_t i = 0; i < nm->wf->nsteps; i++)
		if (!strcmp(nm->wf->steps[i].id, id))
			return nm->wf->steps[i].name ? nm->wf->steps[i].name : id;
	return id;
}

/* Who acts on a step, or where it routes to. */
static char *step_who(const struct names *nm, const struct step *s)
{
	struct buf b = BUF_INIT;
	switch (s->type) {
	case STEP_HANDLING:
		if (s->lead) {
			struct buf lead = BUF_INIT;
			describe_assign(&lead, nm, s->lead);
			/* TRANSLATORS: the lead department of a handling step (主办) */
			buf_addf(&b, _("lead: %s"), lead.s);
			buf_release(&lead);
		}
		if (s->nco) {
			struct buf co = BUF_INIT;
			describe_assigns(&co, nm, s->co, s->nco);
			if (b.len)
				buf_adds(&b, _("; "));
			/* TRANSLATORS: the co-handling departments of a handling step (协办) */
			buf_addf(&b, _("co-handling: %s"), co.s);
			buf_release(&co);
		}
		break;
	case STEP_EXCLUSIVE:
	case STEP_INCLUSIVE:
	case STEP_PARALLEL:
		buf_adds(&b, "-> ");
		for (size_t i = 0; i < s->nbranches; i++) {
			buf_addf(&b, "%s%s", i ? " | " : "", step_label(nm, s->branches[i].next));
			if (s->branches[i].is_default)
				/* TRANSLATORS: after the branch taken when no condition holds */
				buf_adds(&b, _(" (default)"));
		}
		break;
	case STEP_AUTO:
		buf_adds(&b, s->action == AUTO_NUMBER ? _("assign the document number") :
			     s->action == AUTO_ARCHIVE ? _("archive") : "");
		break;
	default:
		describe_assigns(&b, nm, s->assigns, s->nassigns);
		if (s->pick)
			/* TRANSLATORS: the previous handler picks one of these people */
			buf_adds(&b, _(" (picked by the previous handler)"));
		break;
	}
	return buf_detach(&b);
}

/* A step's type as people read it ("approval": 审批). */
static const char *step_type_label(enum step_type t)
{
	switch (t) {
	case STEP_APPROVAL: return _("approval");
	/* TRANSLATORS: a step handled by a lead department and co-handlers (承办) */
	case STEP_HANDLING: return _("handling");
	/* TRANSLATORS: a step that circulates the request for reading (传阅) */
	case STEP_CIRCULATE: return _("reading");
	/* TRANSLATORS: a step the system does itself (numbering, archiving) */
	case STEP_AUTO: return _("automatic");
	/* TRANSLATORS: a branch taking the first route whose condition holds (排他分支) */
	case STEP_EXCLUSIVE: return _("one branch");
	/* TRANSLATORS: a branch taking every route whose condition holds (包含分支) */
	case STEP_INCLUSIVE: return _("some branches");
	/* TRANSLATORS: a branch taking every route at once (并行分支) */
	case STEP_PARALLEL: return _("all branches");
	/* TRANSLATORS: where branches meet again (汇聚) */
	case STEP_JOIN: return _("join");
	case STEP_END: return _("end");
	}
	return step_type_name(t);
}

/* The decision mode of a step; "" for steps where people do not decide. */
static char *step_mode(const struct step *s)
{
	if (s->type != STEP_APPROVAL && s->type != STEP_HANDLING)
		return xstrdup("");
	switch (s->mode) {
	/* TRANSLATORS: one person decides a step */
	case MODE_SINGLE: return xstrdup(_("one person"));
	case MODE_SEQUENTIAL: return xstrdup(_("in turn"));
	/* TRANSLATORS: 会签: every signer must approve */
	case MODE_COUNTERSIGN: return xstrdup(_("all sign"));
	/* TRANSLATORS: 或签: the first decision counts */
	case MODE_ANY: return xstrdup(_("any one"));
	/* TRANSLATORS: 认领: offered to several, the first to claim it handles it */
	case MODE_CLAIM: return xstrdup(_("first to claim"));
	case MODE_VOTE:
		if (s->pass_percent)
			/* TRANSLATORS: 票签 passing at a percentage of approvals */
			return xasprintf(_("vote %d%%"), s->pass_percent);
		if (s->pass_count)
			/* TRANSLATORS: 票签 passing at k approvals */
			return xasprintf(_("vote %d"), s->pass_count);
		return xstrdup(_("vote"));
	}
	return xstrdup(step_mode_name(s->mode));
}

/* Parse the content as a workflow; 0 and the steps filled in, or -1. */
static int load_steps(struct tui *t, struct def_data *dd, const struct store_def *sd, struct diags *d)
{
	struct ydoc doc = YDOC_INIT;
	struct buf file = BUF_INIT;
	buf_addf(&file, "deployed:%s/%s", sd->kind, sd->id);
	int rc = -1;
	if (!ydoc_load_buf(&doc, file.s, sd->content, sd->len, d)) {
		struct workflow *w = workflow_parse(&doc, d);
		if (w && !diags_errors(d)) {
			struct names nm = { tui_org(t, NULL), w->form ? tui_form(t, w->form, NULL) : NULL, w };
			dd->steps = xcalloc(w->nsteps ? w->nsteps : 1, sizeof(*dd->steps));
			for (size_t i = 0; i < w->nsteps; i++) {
				const struct step *s = &w->steps[i];
				struct step_item *it = &dd->steps[i];
				it->id = xstrdup(s->id ? s->id : "");
				it->name = xstrdup(s->name ? s->name : it->id);
				it->type = xstrdup(step_type_label(s->type));
				it->mode = step_mode(s);
				it->who = step_who(&nm, s);
			}
			dd->nsteps = w->nsteps;
			rc = 0;
		}
		if (w)
			workflow_free(w);
	}
	ydoc_release(&doc);
	buf_release(&file);
	return rc;
}

/* Split the content into lines for text mode. */
static void load_text(struct def_data *dd, const struct store_def *sd)
{
	const char *p = sd->content ? sd->content : "", *end = p + (sd->content ? sd->len : 0);
	size_t alloc = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		ALLOC_GROW(dd->text, dd->ntext + 1, alloc);
		dd->text[dd->ntext++] = xstrndup(p, n);
		p += n + (nl ? 1 : 0);
	}
}

static int def_open(struct tui *t, struct view *v)
{
	struct def_data *dd = v->data;
	struct store_def sd;
	memset(&sd, 0, sizeof(sd));
	int rc = store_def_get(t->store, dd->kind, dd->id, &sd);
	if (rc) {
		if (rc > 0)
			tui_message(t, 1, _("definition '%s/%s' is no longer deployed"),
				    dd->kind, dd->id);
		else
			tui_message(t, 1, _("unable to read '%s/%s': %s"), dd->kind, dd->id,
				    store_error(t->store));
		return -1;
	}
	free(dd->name);
	free(dd->hash);
	dd->name = sd.name ? xstrdup(sd.name) : NULL;
	dd->hash = xstrdup(sd.hash ? sd.hash : "");
	struct diags d = DIAGS_INIT;
	if (!strcmp(dd->kind, "workflow") && !load_steps(t, dd, &sd, &d)) {
		v->lines = dd->nsteps;
	} else {
		if (d.n) {
			diags_sort(&d);
			tui_message(t, 1, _("showing the text: %d:%d: %s"), d.v[0].line,
				    d.v[0].col, d.v[0].msg);
		}
		load_text(dd, &sd);
		v->lines = dd->ntext;
		v->no_cursor = 1;
	}
	diags_release(&d);
	store_def_release(&sd);
	return 0;
}

/* Free what open loaded; the identity (kind, id) stays for a reload. */
static void def_clear(struct def_data *dd)
{
	for (size_t i = 0; i < dd->nsteps; i++) {
		free(dd->steps[i].id);
		free(dd->steps[i].name);
		free(dd->steps[i].type);
		free(dd->steps[i].mode);
		free(dd->steps[i].who);
	}
	free(dd->steps);
	dd->steps = NULL;
	dd->nsteps = 0;
	for (size_t i = 0; i < dd->ntext; i++)
		free(dd->text[i]);
	free(dd->text);
	dd->text = NULL;
	dd->ntext = 0;
}

static void def_release(struct view *v)
{
	struct def_data *dd = v->data;
	if (!dd)
		return;
	def_clear(dd);
	free(dd->kind);
	free(dd->id);
	free(dd->name);
	free(dd->hash);
	free(dd);
	v->data = NULL;
}

static int def_reload(struct tui *t, struct view *v, enum action a)
{
	if (a != ACT_REFRESH)
		return 0;
	def_clear(v->data);
	v->no_cursor = 0;
	v->lines = 0;
	size_t cur = v->cursor, off = v->offset;
	if (!def_open(t, v)) {
		v->cursor = cur;
		v->offset = off;
	}
	return 1;
}

static void def_title(struct tui *t, struct view *v, struct buf *out)
{
	(void)t;
	struct def_data *dd = v->data;
	const char *name = dd->name ? dd->name : dd->id;
	if (!strcmp(dd->kind, "workflow"))
		buf_addf(out, _("Workflow %s"), name);
	else
		/* TRANSLATORS: the title of a definition's view: its kind and its name (表单 请假单) */
		buf_addf(out, _("%s %s"), tui_kind_label(dd->kind), name);
	buf_addf(out, " [%.8s]", dd->hash ? dd->hash : "");
}

/* Step column widths: #, name, type, mode, then who acts takes the rest. */
struct step_layout {
	size_t num, name, type, mode, who;
};

static struct step_layout step_layout(size_t width)
{
	struct step_layout l = { 3, 0, 10, 10, 0 };
	size_t fixed = 1 + l.num + 1 + 1 + l.type + 1 + l.mode + 1;
	size_t rest = width > fixed ? width - fixed : 3;
	l.name = rest / 3;
	if (l.name > 24)
		l.name = 24;
	if (l.name < 4)
		l.name = 4;
	l.who = rest > l.name ? rest - l.name : 1;
	return l;
}

/* Render a step (or the header when s is NULL). */
static void step_format(struct row *r, size_t index, const struct step_item *s)
{
	struct step_layout l = step_layout(r->width);
	enum theme_elem h = TE_HEADER, n = s ? TE_NORMAL : h;
	char num[24];
	snprintf(num, sizeof(num), "%3zu", index + 1);
	row_add(r, n, " ", 1);
	row_add(r, s ? TE_MUTED : h, s ? num : "  #", l.num);
	row_add(r, n, " ", 1);
	row_add(r, n, s ? s->name : _("Step"), l.name);
	row_add(r, n, " ", 1);
	row_add(r, n, s ? s->type : _("Type"), l.type);
	row_add(r, n, " ", 1);
	row_add(r, n, s ? s->mode : _("Mode"), l.mode);
	row_add(r, n, " ", 1);
	row_add(r, n, s ? s->who : _("Assignees"), l.who);
	row_fill(r, n);
}

static void def_header_fn(struct tui *t, struct view *v, struct row *r)
{
	(void)t;
	struct def_data *dd = v->data;
	if (dd->steps || !dd->text)
		step_format(r, 0, NULL);
	else
		row_add(r, TE_HEADER, " ", 0);
}

static void def_line(struct tui *t, struct view *v, size_t i, struct row *r)
{
	(void)t;
	struct def_data *dd = v->data;
	if (dd->steps) {
		step_format(r, i, &dd->steps[i]);
		return;
	}
	char num[24];
	snprintf(num, sizeof(num), "%4zu ", i + 1);
	row_add(r, TE_MUTED, num, 0);
	row_add(r, TE_NORMAL, dd->text[i], 0);
}

const struct view_ops def_view_ops = {
	.name = "workflow",
	.title = def_title,
	.open = def_open,
	.header = def_header_fn,
	.line = def_line,
	.request = def_reload,
	.release = def_release,
	.empty = N_("this workflow has no steps"),
};
