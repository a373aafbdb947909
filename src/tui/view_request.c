/*
 * The request view: one request from engine_show(), as a page that
 * scrolls — the summary, the document header in GB/T 9704 order (when the
 * form has document fields), the other form fields with their labels, the
 * attachments, a workflow map (every step in order: [x] done, [>] where it
 * is now, [-] skipped, [ ] not reached) and the trail of decisions with
 * opinions and "B on behalf of A". Long values wrap by columns; the page is
 * laid out again when the width changes.
 *
 * The approval actions open a dialog each (request_act): an opinion with
 * the user's common opinions on edit-pick, the people to hand over to, the
 * return target, and so on; the inputs become one engine_act() with the
 * event type and payload the CLI verbs send (src/cli/cmd_engine.c). A
 * refusal is shown in the dialog, which stays open.
 */
#include <curses.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "view.h"
#include "widget.h"
#include "../auth/auth.h"
#include "../defs/form.h"
#include "../defs/formdata.h"
#include "../defs/org.h"
#include "../defs/workflow.h"
#include "../docs/docs.h"
#include "../engine/engine.h"
#include "../util/clock.h"
#include "../util/fsutil.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

/* One line of the page: a label column, a text and an optional second text. */
struct rq_line {
	char *label;            /* in the label column, or NULL (text from the left edge) */
	char *text;
	enum theme_elem elem;   /* how text is drawn */
	size_t pad;             /* > 0: text is drawn in exactly this many columns */
	char *extra;            /* after the text (an opinion), or NULL */
	enum theme_elem extra_elem;
};

/* An attachment of one of the request's documents (at the document's head). */
struct rq_att {
	size_t doc;             /* index into docs */
	char *name;             /* its file name; owned */
	size_t size;            /* bytes */
};

struct rq_data {
	char *id;               /* the request; owned */
	json_t *show;           /* engine_show(); owned */
	struct rq_line *v;
	size_t n, alloc;
	size_t width;           /* the width the lines were laid out for */
	size_t label_w;         /* columns of the label column */
	char *title;            /* for the title bar */
	struct docs_info *docs; /* the documents attached to the request (docs_list) */
	char **bodies;          /* each document's body at its head, sanitized; parallel to docs */
	struct rq_att *att;     /* every document's attachments at its head, in document order */
	size_t natt, att_alloc;
	size_t ndocs, docs_alloc, bodies_alloc;
	int read_recorded;      /* the documents shown were recorded as read (document.read) */
};

void *request_view_data(const char *id)
{
	struct rq_data *d = xcalloc(1, sizeof(*d));
	d->id = xstrdup(id);
	return d;
}

static const char *rq_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void rq_add(struct rq_data *d, const char *label, const char *text, enum theme_elem e,
		   const char *extra, enum theme_elem ee)
{
	ALLOC_GROW(d->v, d->n + 1, d->alloc);
	struct rq_line *l = &d->v[d->n++];
	l->label = label ? xstrdup(label) : NULL;
	l->text = xstrdup(text ? text : "");
	l->elem = e;
	l->pad = 0;
	l->extra = extra ? xstrdup(extra) : NULL;
	l->extra_elem = ee;
}

/*
 * Add `text` under `label`, wrapped to the columns left of the label
 * column (Chinese wraps between any two characters, other text at blanks
 * when it can); newlines start new lines.
 */
static void rq_wrap(struct rq_data *d, const char *label, const char *text, enum theme_elem e,
		    size_t room)
{
	char **lines;
	size_t n = utf8_wrap(text ? text : "", room, &lines);
	/* a labelled text continues under its label; an unlabelled one at the left edge */
	for (size_t k = 0; k < n; k++)
		rq_add(d, !k || !label ? label : "", lines[k], e, NULL, TE_NORMAL);
	utf8_lines_free(lines, n);
}

static void rq_add_wrapped(struct rq_data *d, const char *label, const char *text, enum theme_elem e)
{
	rq_wrap(d, label, text, e, d->width > d->label_w + 3 ? d->width - d->label_w - 3 : 1);
}

/* A section heading: "== Name ==" and a blank line before it. */
static void rq_section(struct rq_data *d, const char *name)
{
	rq_add(d, NULL, "", TE_NORMAL, NULL, TE_NORMAL);
	struct buf s = BUF_INIT;
	buf_addf(&s, "== %s ==", name);
	rq_add(d, NULL, s.s, TE_HEADER, NULL, TE_NORMAL);
	buf_release(&s);
}

static void rq_clear(struct rq_data *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].label);
		free(d->v[i].text);
		free(d->v[i].extra);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->alloc = 0;
}

static void rq_docs_clear(struct rq_data *d)
{
	for (size_t i = 0; i < d->ndocs; i++) {
		docs_info_release(&d->docs[i]);
		free(d->bodies ? d->bodies[i] : NULL);
	}
	for (size_t i = 0; i < d->natt; i++)
		free(d->att[i].name);
	free(d->att);
	d->att = NULL;
	d->natt = d->att_alloc = 0;
	free(d->docs);
	free(d->bodies);
	d->docs = NULL;
	d->bodies = NULL;
	d->ndocs = d->docs_alloc = d->bodies_alloc = 0;
}

/*
 * A body as it can be drawn: invalid UTF-8 as '?', tabs as blanks to the
 * next multiple of 8 columns, control and bidi characters escaped from
 * each line, and no blank lines at the end. Caller frees.
 */
static char *rq_body_clean(const char *s, size_t len)
{
	struct buf raw = BUF_INIT, out = BUF_INIT, line = BUF_INIT, clean = BUF_INIT;
	for (size_t i = 0; i < len;) {
		size_t bad;
		if (utf8_valid(s + i, len - i, &bad)) {
			buf_add(&raw, s + i, len - i);
			break;
		}
		buf_add(&raw, s + i, bad);
		buf_addch(&raw, '?');
		i += bad + 1;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
	}
	const char *p = raw.s;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		buf_reset(&line);
		size_t col = 0;
		for (size_t k = 0; k < n;) {
			if (p[k] == '\t') {
				do
					buf_addch(&line, ' ');
				while (++col % 8);
				k++;
				continue;
			}
			uint32_t cp;
			size_t l = utf8_decode(p + k, &cp);
			buf_add(&line, p + k, l);
			col += (size_t)utf8_cp_width(cp);
			k += l;
		}
		buf_reset(&clean);
		utf8_sanitize(&clean, line.s);
		buf_add(&out, clean.s, clean.len);
		if (!nl)
			break;
		buf_addch(&out, '\n');
		p = nl + 1;
	}
	while (out.len && out.s[out.len - 1] == '\n')
		buf_setlen(&out, out.len - 1);
	buf_release(&raw);
	buf_release(&line);
	buf_release(&clean);
	return buf_detach(&out);
}

/* Read each document's body at its head (an unreadable one shows as empty). */
static void rq_bodies_load(struct rq_data *d, struct docs *ds)
{
	ALLOC_GROW(d->bodies, d->ndocs, d->bodies_alloc);
	for (size_t i = 0; i < d->ndocs; i++) {
		struct docs_content c;
		docs_content_init(&c);
		if (docs_load(ds, d->docs[i].id, d->docs[i].head, &c) < 0)
			d->bodies[i] = xstrdup("");
		else
			d->bodies[i] = rq_body_clean(c.body.s, c.body.len);
		for (size_t k = 0; k < c.natt; k++) {
			ALLOC_GROW(d->att, d->natt + 1, d->att_alloc);
			d->att[d->natt++] = (struct rq_att){ i, xstrdup(c.att[k].name), c.att[k].data.len };
		}
		docs_content_release(&c);
	}
}

/* docs_list callback: keep a copy of each document's index entry. */
static int rq_doc_collect(void *ctx, const struct docs_info *i)
{
	struct rq_data *d = ctx;
	ALLOC_GROW(d->docs, d->ndocs + 1, d->docs_alloc);
	struct docs_info *c = &d->docs[d->ndocs++];
	*c = *i;
	c->type = i->type ? xstrdup(i->type) : NULL;
	c->title = i->title ? xstrdup(i->title) : NULL;
	c->instance = i->instance ? xstrdup(i->instance) : NULL;
	c->created_at = i->created_at ? xstrdup(i->created_at) : NULL;
	c->created_by = i->created_by ? xstrdup(i->created_by) : NULL;
	c->updated_at = i->updated_at ? xstrdup(i->updated_at) : NULL;
	c->updated_by = i->updated_by ? xstrdup(i->updated_by) : NULL;
	return 0;
}

static void rq_release(struct view *v)
{
	struct rq_data *d = v->data;
	if (!d)
		return;
	rq_clear(d);
	rq_docs_clear(d);
	json_decref(d->show);
	free(d->id);
	free(d->title);
	free(d);
	v->data = NULL;
}

/* A stored field value as people read it: option labels, names, 是/否 (shared with `docket show`). */
static void rq_value(struct tui *t, const struct field *f, const json_t *val, struct buf *out)
{
	formdata_text(f, tui_org(t, NULL), val, out);
}

/* The document header fields, in GB/T 9704-2012 order ("doc_number" is the engine's). */
static const char *const rq_header_ids[] = {
	"copy_no", "classification", "urgency", "issuing_organ", "source_organ", "doc_number",
	"source_number", "signer", "title", "main_recipients", NULL
};
/* The footer fields, after the body and attachments. */
static const char *const rq_footer_ids[] = { "copy_to", "printing_organ", "printed", NULL };

static int rq_in(const char *const *ids, const char *id)
{
	for (size_t i = 0; ids[i]; i++)
		if (!strcmp(ids[i], id))
			return 1;
	return 0;
}

/* Add one form field's line(s) if the request has a value for it. */
static void rq_field(struct tui *t, struct rq_data *d, const struct form *fm, const char *id)
{
	const json_t *fields = json_object_get(d->show, "fields");
	const json_t *val = json_object_get(fields, id);
	if (!val || json_is_null(val))
		return;
	const struct field *f = fm ? form_field(fm, id) : NULL;
	struct buf s = BUF_INIT;
	rq_value(t, f, val, &s);
	rq_add_wrapped(d, f && f->label ? f->label : id, s.s, TE_NORMAL);
	buf_release(&s);
}

/*
 * Each line of the trail says whether its event's signature holds, in
 * front of who acted: ✓ when it verifies against the key its maker had
 * then, ✗ (and words after the action) when it does not — the store was
 * tampered with, and `docket check` says more. Unsigned lines (the
 * system's timers, the setup phase) get blanks, so names line up; a
 * store without keys shows no column at all.
 */
static int rq_signature(struct tui *t, const json_t *x, int keyed, struct buf *s)
{
	json_int_t seq = json_integer_value(json_object_get(x, "seq"));
	if (!keyed || seq <= 0 || !t->store)
		return AUTH_SIG_NONE;
	int v = auth_verify_event(t->store, (int64_t)seq);
	buf_adds(s, v == AUTH_SIG_OK ? "✓ " : v == AUTH_SIG_BAD ? "✗ " : "  ");
	return v;
}

/* Step ids in the trail, for the map: 1 visited, 2 skipped (only). */
static int rq_step_seen(const json_t *trail, const char *step)
{
	int seen = 0;
	size_t i;
	json_t *x;
	json_array_foreach(trail, i, x) {
		const char *s = rq_str(x, "step");
		if (!s || strcmp(s, step))
			continue;
		const char *a = rq_str(x, "action");
		if (a && (!strcmp(a, "skipped") || !strcmp(a, "nobody")))
			seen = seen ? seen : 2;
		else
			seen = 1;
	}
	return seen;
}

static int rq_is_current(const json_t *show, const char *step)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(show, "current"), i, x)
		if (rq_str(x, "step") && !strcmp(rq_str(x, "step"), step))
			return 1;
	return 0;
}

/*
 * Who acted on (or holds) a step: "赵磊 同意、周敏", each person once, as
 * their last task there says (a request returned and sent again has the
 * returner's new task: "赵磊", not "赵磊 已退回、赵磊").
 */
static void rq_step_people(struct tui *t, const json_t *show, const char *step, struct buf *out)
{
	const json_t *tasks = json_object_get(show, "tasks");
	size_t i, k;
	json_t *x, *y;
	json_array_foreach(tasks, i, x) {
		const char *s = rq_str(x, "step");
		const char *st = rq_str(x, "state");
		const char *who = rq_str(x, "assignee");
		if (!s || strcmp(s, step) || (st && !strcmp(st, "cancelled")))
			continue;
		int later = 0;
		json_array_foreach(tasks, k, y) {
			const char *s2 = rq_str(y, "step"), *st2 = rq_str(y, "state"), *who2 = rq_str(y, "assignee");
			if (k > i && s2 && !strcmp(s2, step) && !(st2 && !strcmp(st2, "cancelled")) && who && who2 &&
			    !strcmp(who, who2))
				later = 1;
		}
		if (later)
			continue;
		if (out->len)
			buf_adds(out, _(", "));
		buf_adds(out, tui_user_name(t, who));
		const char *dec = rq_str(x, "decision");
		if (dec)
			buf_addf(out, " %s", engine_action_label(dec));
	}
}

/* Did the request last leave `step` by a return (退回)? Its map mark is then "[<]", not done. */
static int rq_step_returned(const json_t *trail, const char *step)
{
	int ret = 0;
	size_t i;
	json_t *x;
	json_array_foreach(trail, i, x) {
		const char *s = rq_str(x, "step"), *a = rq_str(x, "action");
		if (s && a && !strcmp(s, step))
			ret = !strcmp(a, "returned");
	}
	return ret;
}

/* Lay the page out for `width` columns. */
static void rq_build(struct tui *t, struct rq_data *d, size_t width)
{
	rq_clear(d);
	d->width = width;
	d->label_w = width >= 100 ? 14 : 11;
	const json_t *o = d->show;
	const char *wfid = rq_str(o, "workflow"), *wfv = rq_str(o, "workflow_version");
	const struct workflow *w = tui_workflow(t, wfv, wfid);
	/* the versions the request runs on; the current ones if those are gone */
	const struct form *fm = tui_form_version(t, rq_str(o, "form_version"));
	if (!fm && w && w->form)
		fm = tui_form(t, w->form, NULL);
	const struct org *org = tui_org_version(t, rq_str(o, "org_version"));
	if (!org)
		org = tui_org(t, NULL);
	rq_add_wrapped(d, NULL, rq_str(o, "title"), TE_HEADER);
	struct buf s = BUF_INIT;
	/* the user's actions here the server did not accept: they are not in the trail */
	if (tui_conflict_notes(t, d->id, &s)) {
		for (char *line = s.s, *nl; line; line = nl) {
			nl = strchr(line, '\n');
			if (nl)
				*nl++ = 0;
			rq_add_wrapped(d, NULL, line, TE_ERROR);
		}
		buf_reset(&s);
	}
	buf_adds(&s, w && w->name ? w->name : (wfid ? wfid : ""));
	rq_add(d, _("Workflow"), s.s, TE_NORMAL, NULL, TE_NORMAL);
	buf_reset(&s);
	/* TRANSLATORS: the row giving the request's reference (its id), as a number is given: 申请编号 */
	rq_add(d, C_("request id row", "Request"), d->id, TE_ID, NULL, TE_NORMAL);
	rq_add(d, _("Applicant"), tui_user_name(t, rq_str(o, "applicant")), TE_NORMAL, NULL, TE_NORMAL);
	rq_add(d, _("State"), tui_state_label(rq_str(o, "state")), TE_NORMAL, NULL, TE_NORMAL);
	/* returned to the applicant: why, whole, at the top, where it is fixed */
	buf_reset(&s);
	if (tui_return_reason(t, o, &s))
		rq_add_wrapped(d, _("Returned"), s.s, TE_URGENT);

	/* the document header, when the form has document fields */
	const json_t *fields = json_object_get(o, "fields");
	int doc = rq_str(o, "doc_number") != NULL;
	for (size_t i = 0; rq_header_ids[i]; i++)
		if (strcmp(rq_header_ids[i], "title") && strcmp(rq_header_ids[i], "urgency") &&
		    json_object_get(fields, rq_header_ids[i]))
			doc = 1;
	if (doc) {
		rq_section(d, _("Document"));
		for (size_t i = 0; rq_header_ids[i]; i++) {
			if (!strcmp(rq_header_ids[i], "doc_number")) {
				if (rq_str(o, "doc_number"))
					rq_add(d, _("Number"), rq_str(o, "doc_number"), TE_ID, NULL, TE_NORMAL);
				continue;
			}
			rq_field(t, d, fm, rq_header_ids[i]);
		}
	}
	/* the rest of the form, in form order (then fields the form no longer has) */
	rq_section(d, _("Form"));
	const char *k;
	json_t *val;
	if (fm) {
		for (size_t i = 0; i < fm->nfields; i++) {
			const struct field *f = &fm->fields[i];
			if ((doc && rq_in(rq_header_ids, f->id)) || rq_in(rq_footer_ids, f->id) ||
			    f->type == F_ATTACHMENT)
				continue;
			rq_field(t, d, fm, f->id);
		}
	}
	json_object_foreach((json_t *)fields, k, val) {
		if (fm && form_field(fm, k))
			continue;
		if (doc && rq_in(rq_header_ids, k))
			continue;
		rq_field(t, d, fm, k);
	}
	/* the body of each document, from the left edge, wrapped by columns */
	if (d->ndocs && d->bodies) {
		rq_section(d, _("Body"));
		for (size_t i = 0; i < d->ndocs; i++) {
			const struct docs_info *di = &d->docs[i];
			if (d->ndocs > 1) {
				if (i)
					rq_add(d, NULL, "", TE_NORMAL, NULL, TE_NORMAL);
				buf_reset(&s);
				buf_addf(&s, "%s %s", di->id, di->title ? di->title : "");
				rq_wrap(d, NULL, s.s, TE_MUTED, width > 2 ? width - 2 : 1);
			}
			rq_wrap(d, NULL, d->bodies[i], TE_NORMAL, width > 2 ? width - 2 : 1);
		}
	}
	/* attachments: every attachment field's file names */
	int any = 0;
	for (size_t i = 0; fm && i < fm->nfields; i++) {
		const struct field *f = &fm->fields[i];
		json_t *a = json_object_get(fields, f->id);
		if (f->type != F_ATTACHMENT || !a)
			continue;
		if (!any++)
			rq_section(d, _("Attachments"));
		json_t *one = json_is_array(a) ? NULL : a;
		size_t n = one ? 1 : json_array_size(a);
		for (size_t j = 0; j < n; j++) {
			buf_reset(&s);
			rq_value(t, f, one ? one : json_array_get(a, j), &s);
			rq_add(d, j ? "" : f->label, s.s, TE_NORMAL, NULL, TE_NORMAL);
		}
	}
	/* the documents' own attachments, which open-attachment opens */
	for (size_t i = 0; i < d->natt; i++) {
		if (!any++)
			rq_section(d, _("Attachments"));
		buf_reset(&s);
		utf8_sanitize(&s, d->att[i].name);
		buf_adds(&s, "  ");
		tui_size_text(d->att[i].size, &s);
		rq_add(d, i && d->att[i - 1].doc == d->att[i].doc ? "" : d->docs[d->att[i].doc].id, s.s, TE_NORMAL,
		       NULL, TE_NORMAL);
	}
	if (d->natt) {
		struct buf keys = BUF_INIT;
		keymap_describe(&t->keymap, ACT_OPEN_ATTACHMENT, "/", &keys);
		buf_reset(&s);
		buf_addf(&s, _("%s: open an attachment"), keys.s);
		rq_add(d, "", s.s, TE_MUTED, NULL, TE_NORMAL);
		buf_release(&keys);
	}
	for (size_t i = 0; rq_footer_ids[i]; i++)
		rq_field(t, d, fm, rq_footer_ids[i]);
	/* the documents attached to it, with their latest revision */
	if (d->ndocs) {
		rq_section(d, _("Documents"));
		for (size_t i = 0; i < d->ndocs; i++) {
			const struct docs_info *di = &d->docs[i];
			buf_reset(&s);
			buf_addf(&s, "r%d %s %s", di->revs, tui_user_name(t, di->updated_by),
				 di->title ? di->title : "");
			rq_add(d, di->id, s.s, TE_NORMAL, NULL, TE_NORMAL);
			/* the sign-off (签发) binds the exact revision: say when it no longer holds */
			if (di->needs_resign) {
				rq_add(d, "", _("changed after sign-off: needs the sign-off again"), TE_URGENT, NULL,
				       TE_NORMAL);
			} else if (di->frozen) {
				buf_reset(&s);
				buf_addf(&s, "%s %.7s", _("signed off"), di->signed_commit);
				rq_add(d, "", s.s, TE_OK, NULL, TE_NORMAL);
			}
		}
		struct buf keys = BUF_INIT;
		keymap_describe(&t->keymap, ACT_DIFF, "/", &keys);
		buf_reset(&s);
		buf_addf(&s, _("%s: revisions and differences"), keys.s);
		rq_add(d, "", s.s, TE_MUTED, NULL, TE_NORMAL);
		buf_release(&keys);
	}

	/* the workflow map */
	const json_t *trail = json_object_get(o, "trail");
	if (w) {
		rq_section(d, _("Workflow map"));
		for (size_t i = 0; i < w->nsteps; i++) {
			const struct step *st = &w->steps[i];
			if (st->type != STEP_APPROVAL && st->type != STEP_HANDLING &&
			    st->type != STEP_CIRCULATE && st->type != STEP_AUTO)
				continue;
			int cur = rq_is_current(o, st->id);
			int seen = rq_step_seen(trail, st->id);
			int back = !cur && seen == 1 && rq_step_returned(trail, st->id);
			const char *mark = cur ? "[>]" : back ? "[<]" : seen == 1 ? "[x]" : seen == 2 ? "[-]" : "[ ]";
			buf_reset(&s);
			buf_addf(&s, "%s %s", mark, st->name ? st->name : st->id);
			struct buf who = BUF_INIT;
			if (seen == 2 && !cur)
				buf_adds(&who, _("skipped"));
			else
				rq_step_people(t, o, st->id, &who);
			rq_add(d, NULL, s.s, cur || back ? TE_URGENT : seen == 1 ? TE_OK : TE_MUTED,
			       who.len ? who.s : NULL, TE_NORMAL);
			d->v[d->n - 1].pad = d->label_w + 10;
			buf_release(&who);
		}
	}
	/* the trail */
	rq_section(d, _("Trail"));
	int keyed = t->store && auth_any_key(t->store) > 0;
	size_t i;
	json_t *x;
	json_array_foreach(trail, i, x) {
		char when[32] = "";
		time_t tt;
		if (rq_str(x, "at") && !clock_parse_iso(rq_str(x, "at"), &tt))
			clock_format_local_short(tt, when, sizeof(when));
		buf_reset(&s);
		int sig = rq_signature(t, x, keyed, &s);
		engine_trail_who(x, &s);
		buf_addch(&s, ' ');
		engine_trail_what(x, w, org, 0, &s);
		if (sig == AUTH_SIG_BAD)
			/* TRANSLATORS: after a decision in the trail whose signature does not hold */
			buf_adds(&s, _(" (signature does not hold)"));
		/* a person's action not on the server yet; the system's lines it caused are not marked again */
		json_t *seq = json_object_get(x, "seq");
		const char *actor = rq_str(x, "actor");
		if (json_is_integer(seq) && actor && strcmp(actor, "system") &&
		    tui_sync_waiting_seq(t, (long long)json_integer_value(seq)))
			/* TRANSLATORS: after an action in the trail that is not on the server yet (（待同步）) */
			buf_adds(&s, _(" (not yet on the server)"));
		const char *op = engine_trail_opinion(x);
		if (op)
			/* TRANSLATORS: between what was done and its opinion in the trail (Chinese ：) */
			buf_adds(&s, C_("before an opinion", ":"));
		/* an opinion that does not fit goes on whole, wrapped under the time */
		size_t room = d->width > d->label_w + 3 ? d->width - d->label_w - 3 : 1;
		if (!op || (!strchr(op, '\n') && utf8_width(s.s) + 1 + utf8_width(op) <= room)) {
			rq_add(d, when, s.s, TE_NORMAL, op, TE_OPINION);
		} else {
			rq_wrap(d, when, s.s, TE_NORMAL, room);
			rq_wrap(d, "", op, TE_OPINION, room);
		}
	}
	buf_release(&s);
}

int tui_return_reason(struct tui *t, const json_t *show, struct buf *out)
{
	const char *state = rq_str(show, "state");
	if (!state || strcmp(state, "returned"))
		return 0;
	const json_t *last = NULL;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(show, "trail"), i, x) {
		const char *a = rq_str(x, "action");
		if (a && !strcmp(a, "returned"))
			last = x;
	}
	if (!last)
		return 0;
	struct buf who = BUF_INIT;
	engine_trail_who(last, &who);
	const char *op = engine_trail_opinion(last);
	char when[32] = "";
	time_t tt;
	if (rq_str(last, "at") && !clock_parse_iso(rq_str(last, "at"), &tt))
		clock_format_local_short(tt, when, sizeof(when));
	if (op && *op)
		/* TRANSLATORS: why a request came back: the reason, then who returned it and when */
		buf_addf(out, _("%s (%s, %s)"), op, who.s, when);
	else
		/* TRANSLATORS: a request returned with no reason given: who and when */
		buf_addf(out, _("no reason given (%s, %s)"), who.s, when);
	buf_release(&who);
	(void)t;
	return 1;
}

/* Read the request again from the engine. */
static int rq_load(struct tui *t, struct view *v)
{
	struct rq_data *d = v->data;
	json_t *o = engine_show(t->engine, d->id);
	if (!o) {
		tui_message(t, 1, "%s", engine_error(t->engine));
		return -1;
	}
	json_decref(d->show);
	d->show = o;
	/* its documents: none when the store has no documents module yet */
	rq_docs_clear(d);
	struct docs *ds = tui_docs(t);
	if (ds) {
		docs_list(ds, d->id, rq_doc_collect, d);
		rq_bodies_load(d, ds);
	} else
		buf_reset(&t->msg);
	free(d->title);
	d->title = xstrdup(rq_str(o, "title") ? rq_str(o, "title") : d->id);
	rq_build(t, d, t->cols > 0 ? (size_t)t->cols : 80);
	v->lines = d->n;
	v->width = d->width;
	v->no_cursor = 1;
	return 0;
}

/*
 * Open the page: only for someone involved in the request (need to know:
 * the engine's rule, as `docket show`; a refusal is recorded), and the
 * documents whose text it shows are recorded as read once, when the page
 * first opens (document.read, as `docket doc show`).
 */
static int rq_open(struct tui *t, struct view *v)
{
	struct rq_data *d = v->data;
	struct docs *ds = tui_docs(t);
	if (ds)
		engine_set_docs(t->engine, ds);
	if (engine_may_read(t->engine, t->user, d->id) < 0) {
		tui_message(t, 1, "%s", engine_error(t->engine));
		return -1;
	}
	if (rq_load(t, v))
		return -1;
	for (size_t i = 0; ds && !d->read_recorded && i < d->ndocs; i++)
		if (engine_doc_read(t->engine, t->user, d->docs[i].id, d->docs[i].revs, d->docs[i].head, "tui") < 0) {
			tui_message(t, 1, "%s", engine_error(t->engine));
			return -1;
		}
	d->read_recorded = 1;
	return 0;
}

static void rq_title(struct tui *t, struct view *v, struct buf *out)
{
	(void)t;
	struct rq_data *d = v->data;
	buf_addf(out, "%s %s", _("Request"), d->title);
}

/* A new width: the page wraps again. */
static void rq_layout(struct tui *t, struct view *v, size_t width)
{
	struct rq_data *d = v->data;
	rq_build(t, d, width);
	v->lines = d->n;
}

static void rq_line_render(struct tui *t, struct view *v, size_t i, struct row *r)
{
	(void)t;
	struct rq_data *d = v->data;
	const struct rq_line *l = &d->v[i];
	row_add(r, TE_NORMAL, " ", 1);
	if (l->label) {
		row_add(r, TE_MUTED, l->label, d->label_w);
		row_add(r, TE_NORMAL, " ", 1);
	}
	row_add(r, l->elem, l->text, l->pad);
	if (l->extra) {
		/* a blank between, except after a full-width colon ("退回：请写明") */
		size_t n = strlen(l->text);
		if (l->pad || n < 3 || strcmp(l->text + n - 3, "\xef\xbc\x9a"))
			row_add(r, TE_NORMAL, " ", 1);
		row_add(r, l->extra_elem, l->extra, 0);
	}
}

/* Reload every inbox on the stack (after an action changed things). */
static void rq_refresh_inboxes(struct tui *t)
{
	for (int k = 0; k < t->nviews; k++)
		if (t->views[k]->ops == &inbox_view_ops)
			t->views[k]->ops->request(t, t->views[k], ACT_REFRESH);
	tui_update_pending(t);
}

/* Actions after which the task is no longer mine: back to the list. */
static int rq_leaves(enum action a)
{
	return a == ACT_APPROVE || a == ACT_APPROVE_DEFAULT || a == ACT_REJECT || a == ACT_RETURN || a == ACT_TRANSFER ||
	       a == ACT_DELEGATE || a == ACT_MARK_READ;
}

/* The diff action: the revisions of the request's document (a picker when it has several). */
/* Which of the request's documents: a picker when it has several; -1 when none or cancelled. */
static long rq_pick_document(struct tui *t, struct rq_data *d)
{
	if (!d->ndocs) {
		tui_message(t, 0, "%s", _("no document is attached to this request"));
		return -1;
	}
	long k = 0;
	if (d->ndocs > 1) {
		struct picker p;
		picker_init(&p, _("Documents"));
		for (size_t i = 0; i < d->ndocs; i++) {
			struct buf s = BUF_INIT;
			buf_addf(&s, "%s  r%d", d->docs[i].title && *d->docs[i].title ? d->docs[i].title : d->docs[i].id,
				 d->docs[i].revs);
			picker_add(&p, s.s);
			buf_release(&s);
		}
		k = picker_run(t, &p);
		picker_release(&p);
	}
	return k;
}

static void rq_documents(struct tui *t, struct rq_data *d)
{
	long k = rq_pick_document(t, d);
	if (k >= 0) {
		char id[DOCS_ID_MAX];
		snprintf(id, sizeof(id), "%s", d->docs[k].id);
		tui_doc_revisions(t, id);
	}
}

/* open-attachment: the only attachment of the request's documents, or the one chosen. */
static void rq_open_attachment(struct tui *t, struct rq_data *d)
{
	if (!d->natt) {
		tui_message(t, 0, "%s", _("the request's documents have no attachment to open"));
		return;
	}
	long k = 0;
	if (d->natt > 1) {
		struct picker p;
		picker_init(&p, _("Attachments"));
		for (size_t i = 0; i < d->natt; i++) {
			struct buf s = BUF_INIT;
			buf_addf(&s, "%s  ", d->docs[d->att[i].doc].id);
			utf8_sanitize(&s, d->att[i].name);
			buf_adds(&s, "  ");
			tui_size_text(d->att[i].size, &s);
			picker_add(&p, s.s);
			buf_release(&s);
		}
		k = picker_run(t, &p);
		picker_release(&p);
	}
	if (k >= 0) {
		const struct docs_info *di = &d->docs[d->att[k].doc];
		tui_open_doc_attachment(t, di->id, di->head, d->att[k].name);
	}
}

/* print: the 审批单, or (chosen from a list when the request has documents) one of its documents. */
static void rq_print(struct tui *t, struct rq_data *d)
{
	long k = 0;
	if (d->ndocs) {
		struct picker p;
		picker_init(&p, _("Print to PDF"));
		picker_add(&p, _("the approval form (审批单)"));
		for (size_t i = 0; i < d->ndocs; i++) {
			struct buf s = BUF_INIT;
			buf_addf(&s, "%s  r%d", d->docs[i].title && *d->docs[i].title ? d->docs[i].title : d->docs[i].id,
				 d->docs[i].revs);
			picker_add(&p, s.s);
			buf_release(&s);
		}
		k = picker_run(t, &p);
		picker_release(&p);
	}
	if (k == 0)
		tui_print_request(t, d->id, d->show);
	else if (k > 0)
		tui_print_doc(t, d->docs[k - 1].id, d->docs[k - 1].head);
}

/*
 * docs_edit_in_file's editor (ctx: the tui): the editor gets the terminal;
 * the screen comes back as it was. Time in the editor was not idle time.
 */
static int rq_editor(void *ctx, const char *path)
{
	struct tui *t = ctx;
	def_prog_mode();
	endwin();
	int rc = run_editor(path);
	t->last_key = tui_uptime();
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
	return rc;
}

/*
 * A first document for the request, before the editor: the type from the
 * form's doc_type field when its label is one of the 15 (else 通知), the
 * request's title; the body is for the user to write.
 */
static void rq_draft_content(struct tui *t, struct rq_data *d, struct docs_content *ct)
{
	const struct form *fm = tui_form_version(t, rq_str(d->show, "form_version"));
	const struct field *f = fm ? form_field(fm, "doc_type") : NULL;
	const char *want = rq_str(json_object_get(d->show, "fields"), "doc_type");
	const char *type = "通知";
	for (size_t i = 0; f && want && i < f->noptions; i++)
		if (!strcmp(f->options[i].value, want) && f->options[i].label &&
		    docs_type_valid(f->options[i].label))
			type = f->options[i].label;
	ct->type = xstrdup(type);
	if (rq_str(d->show, "title"))
		docs_content_set(ct, DF_TITLE, rq_str(d->show, "title"));
}

/*
 * E: the request's document in the user's editor ($VISUAL, as `docket doc
 * edit`): its elements as "%% 标签: value" lines, then the body; saved as a
 * new revision based on the head it started from, so a save by someone
 * else meanwhile is refused, not overwritten. A text that does not parse
 * is kept in its file and nothing is saved.
 */
static void rq_edit_document(struct tui *t, struct view *v, struct rq_data *d)
{
	int draft = !d->ndocs; /* none yet: this drafts the request's first */
	long k = draft ? 0 : rq_pick_document(t, d);
	struct docs *ds = k >= 0 ? tui_docs(t) : NULL;
	if (!ds)
		return;
	char id[DOCS_ID_MAX] = "", head[DOCS_OID_MAX] = "";
	/* only who may change them now (the engine's rule, as `docket doc edit`), before the editor opens */
	engine_set_docs(t->engine, ds);
	if (engine_may_edit_doc(t->engine, t->user, draft ? NULL : d->docs[k].id, draft ? d->id : NULL) < 0) {
		tui_message(t, 1, "%s", engine_error(t->engine));
		return;
	}
	struct docs_content ct;
	docs_content_init(&ct);
	struct buf err = BUF_INIT;
	if (draft) {
		rq_draft_content(t, d, &ct);
	} else {
		snprintf(id, sizeof(id), "%s", d->docs[k].id);
		if (docs_head(ds, id, head) < 0 || docs_load(ds, id, head, &ct) < 0) {
			tui_message(t, 1, "%s", docs_error(ds));
			goto out;
		}
	}
	if (docs_edit_in_file(&ct, rq_editor, t, &err) < 0) {
		tui_message(t, 1, "%s", err.s);
		goto out;
	}
	if (draft) {
		/* nothing written in the body: no document (leaving the editor is how to say no) */
		if (!ct.body.len || ct.body.len == strspn(ct.body.s, " \t\r\n"))
			tui_message(t, 0, "%s", _("the body is empty: no document was made"));
		else if (docs_create(ds, t->user, &ct, d->id, id) < 0)
			tui_message(t, 1, "%s", docs_error(ds));
		else
			tui_message(t, 0, _("created document %s r1"), id);
		rq_load(t, v);
		goto out;
	}
	int rev = 0;
	int st = docs_save(ds, t->user, id, &ct, NULL, head, &rev);
	if (st < 0)
		tui_message(t, 1, "%s", docs_error(ds));
	else if (st == 1)
		tui_message(t, 0, _("no changes: document %s stays at r%d"), id, rev);
	else if (docs_needs_resign(ds, id) == 1)
		tui_message(t, 1, _("saved %s r%d: it was signed off, so it needs the sign-off again"), id, rev);
	else
		tui_message(t, 0, _("saved %s r%d"), id, rev);
	rq_load(t, v);
out:
	buf_release(&err);
	docs_content_release(&ct);
}

static int rq_request(struct tui *t, struct view *v, enum action a)
{
	struct rq_data *d = v->data;
	if (request_action(a)) {
		char *id = xstrdup(d->id);
		int rc = request_act(t, id, a);
		free(id);
		if (rc == 1) {
			rq_refresh_inboxes(t);
			if (rq_leaves(a) && t->nviews > 1)
				tui_pop(t);
			else
				rq_load(t, v);
		}
		return 1;
	}
	if (a == ACT_REFRESH) {
		rq_load(t, v);
		return 1;
	}
	if (a == ACT_OPEN_ATTACHMENT)
		return rq_open_attachment(t, d), 1;
	if (a == ACT_PRINT)
		return rq_print(t, d), 1;
	if (a == ACT_DIFF)
		return rq_documents(t, d), 1;
	if (a == ACT_EDIT_DOCUMENT)
		return rq_edit_document(t, v, d), 1;
	return 0;
}

/* What this screen does besides what every screen does (the help lists them). */
static const enum action request_keys[] = {
	ACT_DIFF, ACT_EDIT_DOCUMENT, ACT_OPEN_ATTACHMENT, ACT_PRINT, ACT_APPROVE, ACT_APPROVE_DEFAULT, ACT_REJECT, ACT_RETURN, ACT_TRANSFER, ACT_DELEGATE, ACT_ADD_SIGNER,
	ACT_REMOVE_SIGNER, ACT_CIRCULATE, ACT_URGE, ACT_WITHDRAW, ACT_SUBMIT, ACT_TERMINATE,
	ACT_TAKE_BACK, ACT_MARK_READ, ACT_NONE
};

const struct view_ops request_view_ops = {
	.name = "request",
	.title = rq_title,
	.open = rq_open,
	.line = rq_line_render,
	.request = rq_request,
	.release = rq_release,
	.layout = rq_layout,
	.empty = N_("nothing to show"),
	.keys = request_keys,
};

/* ---- the action dialogs ---- */

int request_action(enum action a)
{
	switch (a) {
	case ACT_APPROVE: case ACT_REJECT: case ACT_RETURN: case ACT_TRANSFER:
	case ACT_DELEGATE: case ACT_ADD_SIGNER: case ACT_CIRCULATE: case ACT_URGE:
	case ACT_WITHDRAW: case ACT_TAKE_BACK: case ACT_MARK_READ: case ACT_REMOVE_SIGNER:
	case ACT_TERMINATE: case ACT_SUBMIT: case ACT_APPROVE_DEFAULT:
		return 1;
	default:
		return 0;
	}
}

/* What an action's dialog is about. */
struct act_ctx {
	struct tui *t;
	enum action a;
	const json_t *show;      /* the request (engine_show), borrowed */
	size_t f_opinion, f_user, f_where, f_to, f_pick; /* field indexes; SIZE_MAX: none */
	int multi_user;          /* the user field takes several people */
	char **to_values;        /* return targets behind the f_to choices */
	size_t nto;
};

/*
 * 减签: choose among the signers who could be removed — the open tasks
 * (pending or waiting: 审批, 认领, 协办) at the request's current steps,
 * other than the user's own — rather than the whole organisation; whether
 * the user may remove the one chosen is the engine's to say.
 */
static void act_pick_signer(struct tui *t, const json_t *show, struct edit *e)
{
	struct picker p;
	picker_init(&p, _("Signers who have not acted"));
	const char **ids = NULL;
	size_t n = 0, alloc = 0, i;
	json_t *x;
	json_array_foreach(json_object_get(show, "tasks"), i, x) {
		const char *who = rq_str(x, "assignee"), *kind = rq_str(x, "kind"), *st = rq_str(x, "state");
		const char *step = rq_str(x, "step");
		int open = st && (!strcmp(st, "pending") || !strcmp(st, "waiting"));
		int signs = kind && (!strcmp(kind, "approve") || !strcmp(kind, "offer") || !strcmp(kind, "handle_co"));
		int current = 0;
		size_t k;
		json_t *cur;
		json_array_foreach(json_object_get(show, "current"), k, cur)
			current |= step && rq_str(cur, "step") && !strcmp(rq_str(cur, "step"), step);
		if (!who || !open || !signs || !current || !strcmp(who, t->user))
			continue;
		ALLOC_GROW(ids, n + 1, alloc);
		ids[n++] = who;
		struct buf item = BUF_INIT;
		buf_addf(&item, "%s  %s", rq_str(x, "assignee_name") ? rq_str(x, "assignee_name") : who,
			 rq_str(x, "step_name") ? rq_str(x, "step_name") : step);
		picker_add(&p, item.s);
		buf_release(&item);
	}
	if (!n) {
		tui_message(t, 0, "%s", _("no signer at the current step is still to act"));
	} else {
		long sel = picker_run(t, &p);
		const struct org *o = tui_org(t, NULL);
		const char *ref = sel >= 0 ? ids[sel] : NULL;
		for (size_t u = 0; ref && o && u < o->nusers; u++)
			if (!strcmp(o->users[u].id, ids[sel]))
				ref = tui_user_ref(o, u);
		if (ref)
			edit_set(e, ref);
	}
	free(ids);
	picker_release(&p);
}

/* Choose from the user's common opinions, or the organisation's people, into a field. */
static void act_pick(struct tui *t, struct dialog *d, size_t field, enum action a, void *ctxp)
{
	struct act_ctx *c = ctxp;
	if (a != ACT_EDIT_PICK || d->fields[field].kind != FIELD_TEXT)
		return;
	struct picker p;
	struct edit *e = &d->fields[field].edit;
	if (field == c->f_opinion) {
		json_t *ops = engine_opinions(t->engine, t->user);
		if (!json_array_size(ops)) {
			tui_message(t, 0, "%s", _("no common opinions yet (each opinion you give is kept)"));
			json_decref(ops);
			return;
		}
		picker_init(&p, _("Common opinions"));
		size_t i;
		json_t *x;
		json_array_foreach(ops, i, x)
			picker_add(&p, rq_str(x, "text"));
		long k = picker_run(t, &p);
		if (k >= 0)
			edit_insert(e, p.items[k]);
		json_decref(ops);
		picker_release(&p);
		return;
	}
	if (field != c->f_user && field != c->f_pick)
		return;
	if (c->a == ACT_REMOVE_SIGNER) {
		act_pick_signer(t, c->show, e);
		buf_reset(&d->fields[field].msg);
		return;
	}
	const struct org *o = tui_org(t, NULL);
	long k = tui_pick_user(t, o);
	if (k >= 0) {
		if (c->multi_user && field == c->f_user) {
			if (e->text.len && e->text.s[e->text.len - 1] != ' ')
				edit_insert(e, _(", "));
			edit_insert(e, tui_user_ref(o, (size_t)k));
		} else {
			edit_set(e, tui_user_ref(o, (size_t)k));
		}
		buf_reset(&d->fields[field].msg);
	}
}

long tui_pick_user(struct tui *t, const struct org *o)
{
	if (!o || !o->nusers) {
		tui_message(t, 1, "%s", _("no organisation is deployed"));
		return -1;
	}
	struct picker p;
	picker_init(&p, _("People"));
	for (size_t i = 0; i < o->nusers; i++) {
		const struct org_user *u = &o->users[i];
		const struct org_dept *dp = u->dept ? org_dept(o, u->dept) : NULL;
		struct buf s = BUF_INIT;
		/* by name, department and title; the id only to tell two of one name apart
		   (typing a filter still finds a name by its pinyin) */
		const char *ref = tui_user_ref(o, i);
		if (ref == u->id && u->name && *u->name)
			/* TRANSLATORS: a thing and a note on it ("审批（赵磊）"); Chinese uses （） */
			buf_addf(&s, _("%s (%s)"), u->name, u->id);
		else
			buf_adds(&s, u->name && *u->name ? u->name : u->id);
		buf_addf(&s, "  %s%s%s", dp && dp->name ? dp->name : "", u->title ? " " : "", u->title ? u->title : "");
		picker_add(&p, s.s);
		buf_release(&s);
	}
	long k = picker_run(t, &p);
	picker_release(&p);
	return k;
}

const char *tui_user_ref(const struct org *o, size_t i)
{
	const struct org_user *u = &o->users[i];
	if (!u->name || !*u->name)
		return u->id;
	for (size_t j = 0; j < o->nusers; j++)
		if (j != i && o->users[j].name && !strcmp(o->users[j].name, u->name))
			return u->id;
	return u->name;
}

/* A person by id or by unique name, as an id (caller frees); NULL when unknown. */
char *tui_user_id(struct tui *t, const char *s)
{
	const struct org *o = tui_org(t, NULL);
	if (!o)
		return xstrdup(s);
	if (org_user(o, s))
		return xstrdup(s);
	const char *found = NULL;
	for (size_t i = 0; i < o->nusers; i++) {
		if (o->users[i].name && !strcmp(o->users[i].name, s)) {
			if (found)
				return NULL;
			found = o->users[i].id;
		}
	}
	return found ? xstrdup(found) : NULL;
}

/* Split a list of people on blanks and commas (，、 too). */
static size_t act_split(const char *s, char ***out)
{
	char **v = NULL;
	size_t n = 0, alloc = 0;
	struct buf cur = BUF_INIT;
	for (const char *p = s;; ) {
		uint32_t cp = 0;
		size_t len = *p ? utf8_decode(p, &cp) : 0;
		int sep = !*p || cp == ' ' || cp == ',' || cp == '\n' || cp == 0xff0c || cp == 0x3001 ||
			  cp == 0x3000;
		if (sep) {
			if (cur.len) {
				ALLOC_GROW(v, n + 1, alloc);
				v[n++] = buf_detach(&cur);
			}
			if (!*p)
				break;
		} else {
			buf_add(&cur, p, len);
		}
		p += len;
	}
	buf_release(&cur);
	*out = v;
	return n;
}

/* Field f names nobody: say so, with the key that lists the people. */
static void act_no_person(struct tui *t, struct dialog *d, size_t f, const char *name)
{
	struct buf keys = BUF_INIT;
	keymap_describe(&t->keymap, ACT_EDIT_PICK, "/", &keys);
	dialog_error(d, f, _("no person '%s' (%s lists them)"), name, keys.s);
	buf_release(&keys);
}

/* Check the people fields before OK: each must be someone in the organisation. */
static int act_validate(struct dialog *d, void *ctxp)
{
	struct act_ctx *c = ctxp;
	size_t fields[] = { c->f_user, c->f_pick };
	for (size_t k = 0; k < 2; k++) {
		size_t f = fields[k];
		if (f == SIZE_MAX)
			continue;
		char **names;
		size_t n = act_split(dialog_value(d, f), &names);
		for (size_t i = 0; i < n; i++) {
			char *id = tui_user_id(c->t, names[i]);
			if (!id && !d->fields[f].msg.len)
				act_no_person(c->t, d, f, names[i]);
			free(id);
			free(names[i]);
		}
		free(names);
		if (n > 1 && !c->multi_user && !d->fields[f].msg.len)
			dialog_error(d, f, "%s", _("one person only"));
	}
	return 0;
}

/* The workflow step of task `task` in the shown request, or NULL. */
static const struct step *act_step(struct tui *t, const json_t *show, const char *task)
{
	size_t i;
	json_t *x;
	const char *sid = NULL;
	json_array_foreach(json_object_get(show, "tasks"), i, x)
		if (task && rq_str(x, "task") && !strcmp(rq_str(x, "task"), task))
			sid = rq_str(x, "step");
	const struct workflow *w = tui_workflow(t, rq_str(show, "workflow_version"), rq_str(show, "workflow"));
	return w && sid ? workflow_step(w, sid) : NULL;
}

/* Does a step after `s` let the handler pick who acts next? */
static int act_next_picks(struct tui *t, const json_t *show, const struct step *s)
{
	const struct workflow *w = tui_workflow(t, rq_str(show, "workflow_version"), rq_str(show, "workflow"));
	if (!w || !s)
		return 0;
	const struct step *n = workflow_next(w, s);
	if (!n && s->next)
		n = workflow_step(w, s->next);
	if (n && n->pick)
		return 1;
	for (size_t i = 0; n && i < n->nbranches; i++) {
		const struct step *b = workflow_step(w, n->branches[i].next);
		if (b && b->pick)
			return 1;
	}
	return 0;
}

/* My last approval in the request (for take-back), or NULL. */
static char *act_my_approval(struct tui *t, const json_t *show)
{
	const char *found = NULL;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(show, "tasks"), i, x) {
		const char *as = rq_str(x, "assignee"), *dec = rq_str(x, "decision");
		if (as && dec && !strcmp(as, t->user) && !strcmp(dec, "approve"))
			found = rq_str(x, "task");
	}
	return found ? xstrdup(found) : NULL;
}

/* The return targets the step allows, as choices (labels) and what the engine takes. */
static void act_return_targets(struct tui *t, const json_t *show, const struct step *s,
			       struct act_ctx *c, struct buf *labels_out, char ***labels, size_t *n)
{
	(void)labels_out;
	int flags = s ? s->return_to : RETURN_PREVIOUS | RETURN_APPLICANT | RETURN_VISITED;
	if (!flags && !(s && s->nreturn_steps))
		flags = RETURN_PREVIOUS | RETURN_APPLICANT | RETURN_VISITED;
	char **lv = NULL, **vv = NULL;
	size_t k = 0, alloc = 0, alloc2 = 0;
#define ADD_TARGET(value, label) do { \
		ALLOC_GROW(vv, k + 1, alloc); ALLOC_GROW(lv, k + 1, alloc2); \
		vv[k] = xstrdup(value); lv[k] = xstrdup(label); k++; } while (0)
	if (flags & RETURN_PREVIOUS)
		ADD_TARGET("previous", _("previous step"));
	if (flags & RETURN_APPLICANT)
		ADD_TARGET("applicant", _("applicant"));
	const char *wfv = rq_str(show, "workflow_version"), *wfid = rq_str(show, "workflow");
	for (size_t i = 0; s && i < s->nreturn_steps; i++)
		ADD_TARGET(s->return_steps[i], tui_step_name(t, wfv, wfid, s->return_steps[i]));
	if (flags & RETURN_VISITED) {
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(show, "trail"), i, x) {
			const char *st = rq_str(x, "step"), *a = rq_str(x, "action");
			if (!st || (s && !strcmp(st, s->id)) || (a && !strcmp(a, "skipped")))
				continue;
			int dup = 0;
			for (size_t j = 0; j < k; j++)
				dup |= !strcmp(vv[j], st);
			if (!dup)
				ADD_TARGET(st, tui_step_name(t, wfv, wfid, st));
		}
	}
#undef ADD_TARGET
	c->to_values = vv;
	c->nto = k;
	*labels = lv;
	*n = k;
}

/* The engine's row (actions.def) for a key's action; NULL for keys that are no engine action. */
static const struct engine_action *act_row(enum action a)
{
	static const struct {
		enum action a;
		enum engine_op op;
	} map[] = {
		{ ACT_APPROVE, ENG_OP_APPROVED },	{ ACT_REJECT, ENG_OP_REJECTED },
		{ ACT_RETURN, ENG_OP_RETURNED },	{ ACT_TRANSFER, ENG_OP_TRANSFERRED },
		{ ACT_DELEGATE, ENG_OP_DELEGATED },	{ ACT_ADD_SIGNER, ENG_OP_SIGNER_ADDED },
		{ ACT_CIRCULATE, ENG_OP_CIRCULATED },	{ ACT_URGE, ENG_OP_URGED },
		{ ACT_WITHDRAW, ENG_OP_WITHDRAWN },	{ ACT_TAKE_BACK, ENG_OP_TAKENBACK },
		{ ACT_MARK_READ, ENG_OP_READ },		{ ACT_REMOVE_SIGNER, ENG_OP_SIGNER_REMOVED },
		{ ACT_TERMINATE, ENG_OP_TERMINATED },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].a == a)
			return engine_action(map[i].op);
	return NULL;
}

/* The dialog's title for an action (the engine's name for it). */
static const char *act_title(enum action a)
{
	const struct engine_action *r = act_row(a);
	return r ? _(r->title) : "";
}

/* The event type the action makes. */
static const char *act_event(enum action a)
{
	const struct engine_action *r = act_row(a);
	return r ? r->type : NULL;
}

enum action request_action_for_type(const char *type)
{
	for (int a = 0; a < ACT_COUNT; a++) {
		const char *ev = act_event((enum action)a);
		if (ev && !strcmp(ev, type))
			return (enum action)a;
	}
	return ACT_NONE;
}

/* Does the action act on my task (else on the request)? */
static int act_on_task(enum action a)
{
	const struct engine_action *r = act_row(a);
	return r && r->target == ENG_ON_TASK;
}

/* Done: what the status bar says. */
static const char *act_done(enum action a)
{
	const struct engine_action *r = act_row(a);
	return r ? _(r->done) : "%s";
}

/*
 * Does the action's event keep an opinion? Not take-back, nor 加签 (its
 * trail says where the signer goes), 减签 or 传阅: the engine records none
 * for them, so their dialogs ask for none (as `docket takeback`, `addsign`,
 * `removesign` and `circulate` take no -m).
 */
static int act_keeps_opinion(enum action a)
{
	return a != ACT_TAKE_BACK && a != ACT_ADD_SIGNER && a != ACT_REMOVE_SIGNER && a != ACT_CIRCULATE;
}

/* 1 if `task` of the request shown is an item to read (传阅), not one to decide. */
static int act_task_is_read(const json_t *show, const char *task)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(show, "tasks"), i, x) {
		const char *id = rq_str(x, "task"), *kind = rq_str(x, "kind");
		if (id && task && !strcmp(id, task))
			return kind && !strcmp(kind, "read");
	}
	return 0;
}

/*
 * Set up the dialog for action a on the request shown; the task (for task
 * actions) in *task. 0, or -1 with a message when the action cannot start.
 */
static int act_dialog(struct tui *t, struct dialog *d, struct act_ctx *c, const json_t *show,
		      const char *id, char **task)
{
	enum action a = c->a;
	*task = NULL;
	const char *title = rq_str(show, "title") ? rq_str(show, "title") : id;
	if (a == ACT_TAKE_BACK) {
		*task = act_my_approval(t, show);
		if (!*task) {
			tui_message(t, 1, _("you approved nothing in '%s' that you could take back"), title);
			return -1;
		}
	} else if (act_on_task(a)) {
		if (engine_my_task(t->engine, t->user, id, task) < 0) {
			tui_message(t, 1, "%s", engine_error(t->engine));
			return -1;
		}
		/* an item sent to read is marked read, not decided: say so before any dialog */
		const struct engine_action *r = act_row(a);
		if (r && (r->checks & ENG_TO_DECIDE) && act_task_is_read(show, *task)) {
			struct buf k = BUF_INIT;
			keymap_describe(&t->keymap, ACT_MARK_READ, "/", &k);
			tui_message(t, 1, _("'%s' was sent to you for reading: %s marks it read"), title, k.s);
			buf_release(&k);
			free(*task);
			*task = NULL;
			return -1;
		}
	}
	const struct step *s = act_step(t, show, *task);
	dialog_init(d, act_title(a));
	d->confirm_discard = 1;
	struct buf q = BUF_INIT, k = BUF_INIT, hint = BUF_INIT;
	buf_adds(&q, rq_str(show, "title") ? rq_str(show, "title") : id);
	if (s)
		buf_addf(&q, "  @%s", s->name ? s->name : s->id);
	keymap_describe(&t->keymap, ACT_EDIT_PICK, "/", &k);
	if (a == ACT_TAKE_BACK)
		buf_adds(&hint, _("take back your approval?"));
	else if (a == ACT_TERMINATE)
		buf_addf(&hint, _("terminate the request? It ends here and cannot go on (%s: common opinions)"),
			 k.s);
	else if (a == ACT_ADD_SIGNER || a == ACT_CIRCULATE || a == ACT_REMOVE_SIGNER)
		buf_addf(&hint, _("%s: choose people"), k.s);
	else
		buf_addf(&hint, a == ACT_TRANSFER || a == ACT_DELEGATE ? _("%s: choose people or common opinions")
								       : _("%s: choose one of your common opinions"),
			 k.s);
	/* sanitized apart: the newline between them stays */
	utf8_sanitize(&d->text, q.s);
	buf_addch(&d->text, '\n');
	utf8_sanitize(&d->text, hint.s);
	buf_release(&hint);
	buf_release(&q);
	buf_release(&k);
	c->f_opinion = c->f_user = c->f_where = c->f_to = c->f_pick = SIZE_MAX;
	switch (a) {
	case ACT_APPROVE:
		if (act_next_picks(t, show, s))
			c->f_pick = dialog_add_text(d, _("Next handler"), "", 64, 1, 0);
		break;
	case ACT_RETURN: {
		char **labels;
		size_t n;
		act_return_targets(t, show, s, c, NULL, &labels, &n);
		c->f_to = dialog_add_choice(d, _("Return to"), (const char *const *)labels, n, 0);
		for (size_t i = 0; i < n; i++)
			free(labels[i]);
		free(labels);
		break;
	}
	case ACT_TRANSFER:
	case ACT_DELEGATE:
		c->f_user = dialog_add_text(d, _("To"), "", 64, 1, 1);
		break;
	case ACT_ADD_SIGNER: {
		c->f_user = dialog_add_text(d, _("Signer"), "", 64, 1, 1);
		const char *where[] = { _("before me"), _("after me"), _("alongside me") };
		c->f_where = dialog_add_choice(d, _("Where"), where, 3, 0);
		break;
	}
	case ACT_REMOVE_SIGNER:
		c->f_user = dialog_add_text(d, _("Signer"), "", 64, 1, 1);
		break;
	case ACT_CIRCULATE:
		c->multi_user = 1;
		c->f_user = dialog_add_text(d, _("Readers"), "", 500, 2, 1);
		break;
	default:
		break;
	}
	if (act_keeps_opinion(a)) {
		int required = (a == ACT_APPROVE || a == ACT_REJECT || a == ACT_RETURN) &&
			       (!s || s->opinion_required);
		c->f_opinion = dialog_add_text(d, required ? _("Opinion") : _("Opinion (optional)"), "",
					       1000, 4, required);
	}
	d->validate = act_validate;
	d->on_action = act_pick;
	d->ctx = c;
	/* the first field to fill has the focus */
	d->focus = c->f_user != SIZE_MAX ? c->f_user : c->f_opinion != SIZE_MAX ? c->f_opinion : 0;
	if (a == ACT_TAKE_BACK)
		d->focus = d->nfields;
	return 0;
}

/* The payload the CLI verb would send. */
static json_t *act_payload(struct act_ctx *c, struct dialog *d, const char *id, const char *task)
{
	json_t *p = json_object();
	if (act_on_task(c->a))
		json_object_set_new(p, "task", json_string(task));
	else
		json_object_set_new(p, "instance", json_string(id));
	if (c->f_to != SIZE_MAX && c->nto)
		json_object_set_new(p, "to", json_string(c->to_values[d->fields[c->f_to].choice]));
	if (c->f_opinion != SIZE_MAX) {
		const char *op = dialog_value(d, c->f_opinion);
		/* blank is no opinion */
		const char *q = op;
		while (*q == ' ' || *q == '\n')
			q++;
		if (*q)
			json_object_set_new(p, "opinion", json_string(op));
	}
	if (c->f_pick != SIZE_MAX && *dialog_value(d, c->f_pick)) {
		char *u = tui_user_id(c->t, dialog_value(d, c->f_pick));
		json_object_set_new(p, "pick", json_string(u ? u : dialog_value(d, c->f_pick)));
		free(u);
	}
	if (c->f_user != SIZE_MAX) {
		char **names;
		size_t n = act_split(dialog_value(d, c->f_user), &names);
		json_t *users = json_array();
		for (size_t i = 0; i < n; i++) {
			char *u = tui_user_id(c->t, names[i]);
			json_array_append_new(users, json_string(u ? u : names[i]));
			free(u);
			free(names[i]);
		}
		free(names);
		if (c->multi_user)
			json_object_set_new(p, "users", users);
		else {
			json_object_set(p, "user", json_array_size(users) ? json_array_get(users, 0)
									  : json_string(""));
			json_decref(users);
		}
	}
	if (c->f_where != SIZE_MAX) {
		static const char *const where[] = { "before", "after", "parallel" };
		json_object_set_new(p, "where", json_string(where[d->fields[c->f_where].choice % 3]));
	}
	return p;
}

/* The opinion approve-default gives, in the reader's language (同意). */
static const char *act_default_opinion(void)
{
	/* TRANSLATORS: the default opinion of an approval, what a clerk writes most: 同意 */
	return C_("opinion", "Agreed");
}

int request_act(struct tui *t, const char *id, enum action a)
{
	if (!request_action(a))
		return -1;
	/* approve-default: the approval, without its dialog where the step allows it */
	int quick = a == ACT_APPROVE_DEFAULT;
	if (quick)
		a = ACT_APPROVE;
	/* an approval records (and a sign-off freezes) the request's documents */
	struct docs *ds = tui_docs(t);
	if (!ds)
		return -1;
	engine_set_docs(t->engine, ds);
	json_t *show = engine_show(t->engine, id);
	if (!show) {
		tui_message(t, 1, "%s", engine_error(t->engine));
		return -1;
	}
	if (a == ACT_SUBMIT) { /* its form, filled in, to change before it goes (view_new.c) */
		int rc = tui_edit_request(t, id, show);
		json_decref(show);
		return rc;
	}
	struct act_ctx c;
	memset(&c, 0, sizeof(c));
	c.t = t;
	c.a = a;
	c.show = show;
	struct dialog d;
	char *task = NULL;
	if (act_dialog(t, &d, &c, show, id, &task)) {
		json_decref(show);
		return -1;
	}
	/* an opinion typed here before and closed unsent comes back */
	const char *kept = json_string_value(json_object_get(t->unsent, id));
	if (kept && c.f_opinion != SIZE_MAX) {
		edit_set(&d.fields[c.f_opinion].edit, kept);
		tui_message(t, 0, "%s", _("the opinion you did not send is back"));
	}
	int rc = 0, asked = 1;
	if (quick && !kept) {
		/* a step that needs an opinion or a pick asks, with 同意 written for you; else it goes */
		const struct step *s = act_step(t, show, task);
		if (c.f_opinion != SIZE_MAX)
			edit_set(&d.fields[c.f_opinion].edit, act_default_opinion());
		asked = c.f_pick != SIZE_MAX || !s || s->opinion_required;
		if (!asked)
			d.result = DIALOG_OK;
	}
	while ((asked ? dialog_run(t, &d) : d.result) == DIALOG_OK) {
		asked = 1;
		json_t *p = act_payload(&c, &d, id, task);
		int r = engine_act(t->engine, NULL, act_event(a), t->user, p, NULL);
		json_decref(p);
		if (r >= 0) {
			tui_message(t, 0, act_done(a), rq_str(show, "title") ? rq_str(show, "title") : id);
			rc = 1;
			break;
		}
		/* refused: the engine's words next to the field that matters, and try again */
		size_t f = c.f_opinion != SIZE_MAX ? c.f_opinion : 0;
		if (c.f_user != SIZE_MAX)
			f = c.f_user;
		if (d.nfields)
			dialog_error(&d, f, "%s", engine_error(t->engine));
		else
			tui_message(t, 1, "%s", engine_error(t->engine));
		if (!d.nfields)
			break;
		d.result = DIALOG_OPEN;
		d.focus = f;
	}
	/* sent: nothing to keep; closed with an opinion typed: kept for the next time */
	if (c.f_opinion != SIZE_MAX) {
		if (!t->unsent)
			t->unsent = json_object();
		const char *op = dialog_value(&d, c.f_opinion);
		if (rc == 1 || !*op) {
			json_object_del(t->unsent, id);
		} else if (!kept || strcmp(kept, op)) {
			json_object_set_new(t->unsent, id, json_string(op));
			tui_message(t, 0, "%s", _("your opinion was not sent: it is kept, and offered the next time"));
		}
	}
	for (size_t i = 0; i < c.nto; i++)
		free(c.to_values[i]);
	free(c.to_values);
	dialog_release(&d);
	free(task);
	json_decref(show);
	return rc;
}

/*
 * Approve the requests `ids` with one opinion (a dialog asks it, 同意
 * written for you): each its own engine_act(), judged on its own, so a
 * refusal of one leaves the others approved. A box then says how many
 * were approved and why each other one was not. Returns how many were
 * approved (0 also when cancelled).
 */
size_t request_approve_many(struct tui *t, char *const *ids, size_t n)
{
	struct docs *ds = tui_docs(t);
	if (!ds)
		return 0;
	engine_set_docs(t->engine, ds);
	struct dialog d;
	/* TRANSLATORS: the title of the dialog approving several marked items at once */
	dialog_init(&d, _("Approve the marked items"));
	d.confirm_discard = 1;
	buf_addf(&d.text, n == 1 ? _("%zu item, each approved on its own with this opinion")
			      : _("%zu items, each approved on its own with this opinion"), n);
	size_t f = dialog_add_text(&d, _("Opinion"), act_default_opinion(), 1000, 4, 1);
	d.focus = f;
	size_t done = 0;
	if (dialog_run(t, &d) != DIALOG_OK) {
		dialog_release(&d);
		return 0;
	}
	char *opinion = xstrdup(dialog_value(&d, f));
	dialog_release(&d);
	struct buf why = BUF_INIT;
	size_t failed = 0;
	for (size_t i = 0; i < n; i++) {
		char *task = NULL;
		int r = engine_my_task(t->engine, t->user, ids[i], &task);
		if (r >= 0) {
			json_t *p = json_pack("{s:s, s:s}", "task", task, "opinion", opinion);
			r = engine_act(t->engine, NULL, engine_action(ENG_OP_APPROVED)->type, t->user, p, NULL);
			json_decref(p);
		}
		free(task);
		if (r >= 0) {
			done++;
			continue;
		}
		/* the engine's reason, its first line, after the request's title unless it names it */
		char *msg = xstrdup(engine_error(t->engine));
		msg[strcspn(msg, "\n")] = 0;
		json_t *show = engine_show(t->engine, ids[i]);
		const char *title = show && rq_str(show, "title") ? rq_str(show, "title") : ids[i];
		buf_addch(&why, '\n');
		if (strstr(msg, title))
			buf_adds(&why, msg);
		else
			/* TRANSLATORS: a request and why it was not approved; Chinese uses ： */
			buf_addf(&why, _("%s: %s"), title, msg);
		json_decref(show);
		free(msg);
		failed++;
	}
	free(opinion);
	if (!failed) {
		tui_message(t, 0, _("%zu approved"), done);
	} else {
		struct buf sum = BUF_INIT;
		/* TRANSLATORS: the summary of approving several: 3 已同意，1 未能办理 */
		buf_addf(&sum, _("%zu approved, %zu not done:"), done, failed);
		struct dialog s;
		dialog_init(&s, _("Approve the marked items"));
		/* each line sanitized apart: the newlines between them stay */
		buf_add(&sum, why.s, why.len);
		dialog_add_lines(&s, sum.s);
		dialog_buttons(&s, NULL, "");
		dialog_run(t, &s);
		dialog_release(&s);
		buf_release(&sum);
		tui_message(t, failed ? 1 : 0, _("%zu approved, %zu not done"), done, failed);
	}
	buf_release(&why);
	return done;
}
