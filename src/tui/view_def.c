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

/* One assignment as people read it: "role:section-chief@applicant". */
static void describe_assign(struct buf *out, const struct assign *a)
{
	switch (a->kind) {
	case A_USER: buf_addf(out, "user:%s", a->ref); break;
	case A_ROLE:
		buf_addf(out, "role:%s", a->ref);
		if (a->dept)
			buf_addf(out, "@%s", a->dept);
		break;
	case A_DEPT_HEAD: buf_addf(out, "department_head:%s", a->ref); break;
	case A_SUPERIOR: buf_addf(out, "superior:%d", a->levels); break;
	case A_MEMBERS: buf_addf(out, "members:%s", a->ref); break;
	case A_FIELD: buf_addf(out, "field:%s", a->ref); break;
	}
}

static void describe_assigns(struct buf *out, const struct assign *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (out->len)
			buf_adds(out, ", ");
		describe_assign(out, &v[i]);
	}
}

/* Who acts on a step, or where it routes to. */
static char *step_who(const struct step *s)
{
	struct buf b = BUF_INIT;
	switch (s->type) {
	case STEP_HANDLING:
		if (s->lead) {
			buf_adds(&b, "lead ");
			describe_assign(&b, s->lead);
		}
		if (s->nco) {
			buf_adds(&b, b.len ? "; co " : "co ");
			struct buf co = BUF_INIT;
			describe_assigns(&co, s->co, s->nco);
			buf_adds(&b, co.s);
			buf_release(&co);
		}
		break;
	case STEP_EXCLUSIVE:
	case STEP_INCLUSIVE:
	case STEP_PARALLEL:
		buf_adds(&b, "-> ");
		for (size_t i = 0; i < s->nbranches; i++)
			buf_addf(&b, "%s%s%s", i ? " | " : "", s->branches[i].next,
				 s->branches[i].is_default ? "*" : "");
		break;
	case STEP_AUTO:
		buf_adds(&b, s->action == AUTO_NUMBER ? "number" :
			     s->action == AUTO_ARCHIVE ? "archive" : "");
		break;
	default:
		describe_assigns(&b, s->assigns, s->nassigns);
		if (s->pick)
			buf_adds(&b, " (pick)");
		break;
	}
	return buf_detach(&b);
}

/* The decision mode of a step; "" for steps where people do not decide. */
static char *step_mode(const struct step *s)
{
	if (s->type != STEP_APPROVAL && s->type != STEP_HANDLING)
		return xstrdup("");
	if (s->mode == MODE_VOTE && s->pass_percent)
		return xasprintf("%s %d%%", step_mode_name(s->mode), s->pass_percent);
	if (s->mode == MODE_VOTE && s->pass_count)
		return xasprintf("%s %d", step_mode_name(s->mode), s->pass_count);
	return xstrdup(step_mode_name(s->mode));
}

/* Parse the content as a workflow; 0 and the steps filled in, or -1. */
static int load_steps(struct def_data *dd, const struct store_def *sd, struct diags *d)
{
	struct ydoc doc = YDOC_INIT;
	struct buf file = BUF_INIT;
	buf_addf(&file, "deployed:%s/%s", sd->kind, sd->id);
	int rc = -1;
	if (!ydoc_load_buf(&doc, file.s, sd->content, sd->len, d)) {
		struct workflow *w = workflow_parse(&doc, d);
		if (w && !diags_errors(d)) {
			dd->steps = xcalloc(w->nsteps ? w->nsteps : 1, sizeof(*dd->steps));
			for (size_t i = 0; i < w->nsteps; i++) {
				const struct step *s = &w->steps[i];
				struct step_item *it = &dd->steps[i];
				it->id = xstrdup(s->id ? s->id : "");
				it->name = xstrdup(s->name ? s->name : it->id);
				it->type = xstrdup(step_type_name(s->type));
				it->mode = step_mode(s);
				it->who = step_who(s);
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
	if (!strcmp(dd->kind, "workflow") && !load_steps(dd, &sd, &d)) {
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
	if (!strcmp(dd->kind, "workflow"))
		buf_addf(out, _("Workflow %s"), dd->id);
	else
		buf_addf(out, "%s %s", dd->kind, dd->id);
	if (dd->name)
		buf_addf(out, " %s", dd->name);
	buf_addf(out, " [%.8s]", dd->hash ? dd->hash : "");
}

/* Step column widths: #, id, name, type, mode, then assignees take the rest. */
struct step_layout {
	size_t num, id, name, type, mode, who;
};

static struct step_layout step_layout(size_t width)
{
	struct step_layout l = { 3, 0, 0, 10, 12, 0 };
	size_t fixed = 1 + l.num + 1 + 1 + 1 + l.type + 1 + l.mode + 1;
	size_t rest = width > fixed ? width - fixed : 3;
	l.id = rest / 4;
	if (l.id > 16)
		l.id = 16;
	if (l.id < 4)
		l.id = 4;
	l.name = rest / 4;
	if (l.name > 20)
		l.name = 20;
	if (l.name < 4)
		l.name = 4;
	l.who = rest > l.id + l.name ? rest - l.id - l.name : 1;
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
	row_add(r, s ? TE_ID : h, s ? s->id : _("Step"), l.id);
	row_add(r, n, " ", 1);
	row_add(r, n, s ? s->name : _("Name"), l.name);
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
