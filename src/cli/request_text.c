/*
 * request_text: `docket show` and `docket inbox` as people read them.
 *
 * The engine gives ids (zhao.lei, dept_head, normal) and, next to each, the
 * name from the definitions the request runs on (赵磊, 部门负责人审批); a
 * form field is shown by its label with its value as people read it
 * (formdata_text: option labels, names, 是/否); states and actions are the
 * engine's words (engine_state_label, ...), translated; times are local.
 * Columns are aligned by display width (a Chinese character takes two),
 * like tig's views. `--json` prints the engine's JSON instead, ids intact.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../defs/form.h"
#include "../defs/formdata.h"
#include "../defs/org.h"
#include "../defs/workflow.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "cli.h"

/* ---- a table of cells, columns aligned by display width ---- */

#define TABLE_MAX_COLS 6

struct table {
	size_t ncols;                 /* cells per row; the last one is never padded */
	size_t cap[TABLE_MAX_COLS];   /* the widest a column may get (0: no limit); wider cells are cut with "~" */
	size_t width[TABLE_MAX_COLS]; /* the widest cell of each column so far */
	char **cells;                 /* nrows * ncols, sanitized; owned */
	size_t nrows, alloc;
};

static void table_init(struct table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

/* Add a row of t->ncols cells (NULL: empty); each is sanitized for the terminal. */
static void table_add(struct table *t, ...)
{
	if (t->nrows == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 8;
		t->cells = xrealloc(t->cells, t->alloc * t->ncols * sizeof(*t->cells));
	}
	va_list ap;
	va_start(ap, t);
	for (size_t i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		struct buf clean = BUF_INIT;
		utf8_sanitize(&clean, s ? s : "");
		size_t w = utf8_width(clean.s);
		if (w > t->width[i])
			t->width[i] = w;
		t->cells[t->nrows * t->ncols + i] = buf_detach(&clean);
	}
	va_end(ap);
	t->nrows++;
}

/* Print every row after `indent`, two spaces between columns, no trailing blanks; then free. */
static void table_print(struct table *t, const char *indent)
{
	struct buf line = BUF_INIT;
	for (size_t r = 0; r < t->nrows; r++) {
		buf_reset(&line);
		buf_adds(&line, indent);
		for (size_t i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];
			if (i + 1 == t->ncols) {
				buf_adds(&line, s);
				break;
			}
			size_t w = t->width[i];
			if (t->cap[i] && w > t->cap[i])
				w = t->cap[i];
			utf8_fit(&line, s, w, 1, 1);
			buf_adds(&line, "  ");
		}
		while (line.len && line.s[line.len - 1] == ' ')
			buf_setlen(&line, line.len - 1);
		puts(line.s);
	}
	buf_release(&line);
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* ---- shared bits ---- */

static const char *jget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The name next to an id (`KEY_name`), else the id; "" for none. */
static const char *jname(const json_t *o, const char *k)
{
	char key[64];
	snprintf(key, sizeof(key), "%s_name", k);
	const char *n = jget(o, key);
	if (n)
		return n;
	n = jget(o, k);
	return n ? n : "";
}

/* The name of the step at key "step" of `o`, "-" when it has none (an item circulated by hand). */
static const char *jstep(const json_t *o)
{
	const char *id = jget(o, "step");
	return id && *id ? jname(o, "step") : "-";
}

/* The ISO time at key `k` of `o` as local "YYYY-MM-DD HH:MM" into when; "-" when none. */
static void local_time(const json_t *o, const char *k, char *when, size_t n)
{
	cli_local_time(jget(o, k), when, n);
}

/* "NAME (id)", or the id alone when it has no other name. */
static void name_and_id(struct buf *out, const char *name, const char *id)
{
	if (!id)
		id = "";
	if (name && *name && strcmp(name, id))
		/* TRANSLATORS: a thing and a note on it ("审批（赵磊）"); Chinese uses （） */
		buf_addf(out, _("%s (%s)"), name, id);
	else
		buf_adds(out, id);
}

/* ---- the inbox ---- */

void cli_print_inbox(const json_t *a, enum inbox_kind k)
{
	struct table t;
	size_t i;
	json_t *v;
	struct buf last = BUF_INIT;
	char when[32];
	if (k == INBOX_MINE) {
		/* request, last changed, workflow, state, title and document number */
		table_init(&t, 5);
		t.cap[2] = 20;
		json_array_foreach(a, i, v) {
			const char *num = jget(v, "doc_number");
			buf_reset(&last);
			buf_adds(&last, jget(v, "title") ? jget(v, "title") : "");
			if (num)
				buf_addf(&last, "  %s", num);
			local_time(v, "updated_at", when, sizeof(when));
			table_add(&t, jget(v, "request"), when, jname(v, "workflow"), engine_state_label(jget(v, "state")),
				  last.s);
		}
		table_print(&t, "");
		buf_release(&last);
		return;
	}
	/* task, request, when (received; decided on the done tab), step, title and notes */
	table_init(&t, 5);
	t.cap[3] = 20;
	json_array_foreach(a, i, v) {
		const char *dec = jget(v, "decision"), *op = jget(v, "opinion");
		const char *kind = jget(v, "kind");
		int resubmit = kind && !strcmp(kind, "resubmit");
		const char *step = jstep(v);
		buf_reset(&last);
		buf_adds(&last, jget(v, "title") ? jget(v, "title") : "");
		if (dec)
			buf_addf(&last, "  [%s]", engine_action_label(dec));
		if (jget(v, "on_behalf"))
			buf_addf(&last, _("  (for %s)"), jname(v, "on_behalf"));
		if (jget(v, "waiting_for")) {
			buf_adds(&last, "  ");
			engine_waiting_note(v, &last);
		}
		if (resubmit && jget(v, "returned_by")) {
			/* who sent it back, from which step, and why */
			if (op)
				buf_addf(&last, _("  (returned by %s at %s: %s)"), jname(v, "returned_by"), step, op);
			else
				buf_addf(&last, _("  (returned by %s at %s)"), jname(v, "returned_by"), step);
		}
		local_time(v, k == INBOX_DONE ? "decided_at" : "received", when, sizeof(when));
		table_add(&t, jget(v, "task") ? jget(v, "task") : "-", jget(v, "request"), when,
			  resubmit ? _("to resubmit") : step, last.s);
	}
	table_print(&t, "");
	buf_release(&last);
}

/* ---- one request ---- */

/* A field's row; text of several lines (a textarea) goes on under its first line. */
static void add_field(struct table *t, const char *label, char *text)
{
	char *line = text;
	for (int first = 1; line; first = 0) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		table_add(t, first ? label : "", line);
		line = nl ? nl + 1 : NULL;
	}
}

/* The form's fields with their labels, in form order, then fields the form does not have. */
static void print_fields(const json_t *fields, const struct form *fm, const struct org *org)
{
	struct table t;
	table_init(&t, 2);
	struct buf label = BUF_INIT, text = BUF_INIT;
	for (size_t i = 0; fm && i < fm->nfields; i++) {
		const struct field *f = &fm->fields[i];
		const json_t *val = json_object_get(fields, f->id);
		if (!val || json_is_null(val))
			continue;
		buf_reset(&label);
		buf_reset(&text);
		/* TRANSLATORS: a form field's label before its value in `docket show` */
		buf_addf(&label, C_("field label", "%s:"), f->label ? f->label : f->id);
		formdata_text(f, org, val, &text);
		add_field(&t, label.s, text.s);
	}
	const char *k;
	json_t *val;
	json_object_foreach((json_t *)fields, k, val) {
		if ((fm && form_field(fm, k)) || json_is_null(val))
			continue;
		buf_reset(&label);
		buf_reset(&text);
		buf_addf(&label, C_("field label", "%s:"), k);
		formdata_text(NULL, NULL, val, &text);
		add_field(&t, label.s, text.s);
	}
	table_print(&t, "  ");
	buf_release(&label);
	buf_release(&text);
}

void cli_print_request(struct engine *e, const json_t *o)
{
	const struct workflow *wf = NULL;
	const struct form *fm = NULL;
	const struct org *org = NULL;
	/* the definitions it runs on; without them, ids stand in for names */
	engine_request_defs(e, jget(o, "request"), &wf, &fm, &org);
	struct buf title = BUF_INIT, wfs = BUF_INIT, app = BUF_INIT, s = BUF_INIT;
	utf8_sanitize(&title, jget(o, "title") ? jget(o, "title") : "");
	printf("%s  %s\n", jget(o, "request"), title.s);
	name_and_id(&wfs, jget(o, "workflow_name"), jget(o, "workflow"));
	name_and_id(&app, jget(o, "applicant_name"), jget(o, "applicant"));
	if (jget(o, "applicant_department_name"))
		buf_addf(&app, " %s", jget(o, "applicant_department_name"));
	buf_reset(&title);
	utf8_sanitize(&title, app.s);
	buf_reset(&s);
	utf8_sanitize(&s, wfs.s); /* names from definitions, as everything shown */
	printf(_("workflow:  %s\napplicant: %s\nstate:     %s\n"), s.s, title.s,
	       engine_state_label(jget(o, "state")));
	if (jget(o, "doc_number")) {
		buf_reset(&s);
		utf8_sanitize(&s, jget(o, "doc_number"));
		printf(_("number:    %s\n"), s.s);
	}
	printf("%s\n", _("fields:"));
	print_fields(json_object_get(o, "fields"), fm, org);

	size_t i;
	json_t *v;
	/* a finished or returned request is at no step: say so, never a heading over nothing */
	if (json_array_size(json_object_get(o, "current")))
		printf("%s\n", _("current steps:"));
	else
		printf("%s\n", _("current steps: none"));
	buf_reset(&title);
	json_array_foreach(json_object_get(o, "current"), i, v) {
		name_and_id(&title, jget(v, "name"), jget(v, "step"));
		buf_reset(&s);
		utf8_sanitize(&s, title.s);
		buf_reset(&title);
		printf("  %s\n", s.s);
	}

	/* tasks: id, step, who, kind, state (a done task: its decision) */
	printf("%s\n", _("tasks:"));
	struct table t;
	table_init(&t, 5);
	t.cap[1] = 20;
	t.cap[2] = 20;
	json_array_foreach(json_object_get(o, "tasks"), i, v) {
		buf_reset(&s);
		buf_adds(&s, engine_task_state_label(jget(v, "state"), jget(v, "decision")));
		if (jget(v, "on_behalf"))
			buf_addf(&s, _(" (for %s)"), jname(v, "on_behalf"));
		table_add(&t, jget(v, "task"), jstep(v), jname(v, "assignee"),
			  engine_task_kind_label(jget(v, "kind")), s.s);
	}
	table_print(&t, "  ");

	if (json_array_size(json_object_get(o, "documents")))
		printf("%s\n", _("documents:"));
	json_array_foreach(json_object_get(o, "documents"), i, v) {
		const char *sc = jget(v, "signed_commit");
		buf_reset(&s);
		utf8_sanitize(&s, jget(v, "title") ? jget(v, "title") : "");
		printf("  %s r%lld (%.7s) %s\n", jget(v, "id"), (long long)json_integer_value(json_object_get(v, "rev")),
		       jget(v, "head"), s.s);
		if (sc)
			printf(_("    signed off: r%lld (%.7s)\n"),
			       (long long)json_integer_value(json_object_get(v, "signed_rev")), sc);
		if (json_is_true(json_object_get(v, "needs_resign")))
			printf("    %s\n", _("changed after sign-off: needs the sign-off again"));
	}

	/* the trail: when (local), who (for whom), then what, where and why */
	printf("%s\n", _("trail:"));
	table_init(&t, 3);
	t.cap[1] = 24;
	json_array_foreach(json_object_get(o, "trail"), i, v) {
		char when[32];
		local_time(v, "at", when, sizeof(when));
		struct buf by = BUF_INIT;
		engine_trail_who(v, &by);
		buf_reset(&s);
		engine_trail_what(v, wf, org, 1, &s);
		table_add(&t, when, by.s, s.s);
		buf_release(&by);
	}
	table_print(&t, "  ");
	buf_release(&title);
	buf_release(&wfs);
	buf_release(&app);
	buf_release(&s);
}
