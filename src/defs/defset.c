#include "defset.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../auth/auth.h"
#include "../store/store.h"
#include "../util/clock.h"
#include "../util/diag.h"
#include "../util/fsutil.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "calendar.h"
#include "form.h"
#include "org.h"
#include "theme.h"
#include "workflow.h"

static const char *const kind_names[DEF_NKINDS + 1] = {
	"organisation", "form", "workflow", "theme", "calendar", NULL
};

const char *def_kind_name(enum def_kind k)
{
	return k >= 0 && k < DEF_NKINDS ? kind_names[k] : "unknown";
}

enum def_kind def_kind_parse(const char *s)
{
	for (int k = 0; k < DEF_NKINDS; k++)
		if (!strcmp(s, kind_names[k]))
			return (enum def_kind)k;
	if (!strcmp(s, "organization") || !strcmp(s, "org"))
		return DEF_ORG;
	return DEF_UNKNOWN;
}

static struct def_file *new_file(struct defset *set, const char *path)
{
	ALLOC_GROW(set->v, set->n + 1, set->alloc);
	struct def_file *f = &set->v[set->n++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	f->kind = DEF_UNKNOWN;
	buf_init(&f->text);
	return f;
}

static int has_yaml_ext(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(name + n - 4, ".yml"));
}

static int add_file(struct defset *set, const char *path, struct diags *d)
{
	struct def_file *f = new_file(set, path);
	if (read_file(path, YDOC_MAX_BYTES, &f->text) < 0) {
		if (errno == EFBIG)
			diag_error(d, path, 0, 0, _("file is too large (the limit is %d bytes)"),
				   YDOC_MAX_BYTES);
		else
			diag_error(d, path, 0, 0, _("unable to read: %s"), strerror(errno));
		f->errors++;
		return -1;
	}
	return 0;
}

int defset_add_text(struct defset *set, const char *path, const char *data, size_t len,
		    struct diags *d)
{
	struct def_file *f = new_file(set, path);
	if (len > YDOC_MAX_BYTES) {
		diag_error(d, path, 0, 0, _("file is too large (the limit is %d bytes)"), YDOC_MAX_BYTES);
		f->errors++;
		return -1;
	}
	buf_add(&f->text, data, len);
	return 0;
}

/* Walk a directory in name order, taking *.yaml and *.yml files. */
static int add_dir(struct defset *set, const char *dir, struct diags *d, int depth)
{
	struct dirent **names;
	if (depth > 8)
		return 0;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		diag_error(d, dir, 0, 0, _("unable to read directory: %s"), strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (name[0] != '.') {
			size_t len = strlen(dir);
			char *path = len && dir[len - 1] == '/' ? xasprintf("%s%s", dir, name)
								 : xasprintf("%s/%s", dir, name);
			if (is_dir(path))
				add_dir(set, path, d, depth + 1);
			else if (has_yaml_ext(name))
				add_file(set, path, d);
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

int defset_add_path(struct defset *set, const char *path, struct diags *d)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		diag_error(d, path, 0, 0, _("unable to read: %s"), strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		size_t before = set->n;
		int r = add_dir(set, path, d, 0);
		if (r == 0 && set->n == before)
			diag_error(d, path, 0, 0, _("no definition files (*.yaml, *.yml) here"));
		return r;
	}
	return add_file(set, path, d);
}

struct store_add_ctx {
	struct defset *set;
	struct store *store;
};

static int add_stored(void *ctx, const struct store_def *sd)
{
	struct store_add_ctx *c = ctx;
	struct store_def full;
	if (store_def_get(c->store, sd->kind, sd->id, &full) != 0)
		return 0;
	char *path = xasprintf("deployed:%s/%s", sd->kind, sd->id);
	struct def_file *f = new_file(c->set, path);
	free(path);
	buf_add(&f->text, full.content, full.len);
	f->from_store = 1;
	store_def_release(&full);
	return 0;
}

int defset_add_store(struct defset *set, struct store *s, struct diags *d)
{
	struct store_add_ctx c = { set, s };
	if (store_def_list(s, 0, add_stored, &c) < 0) {
		diag_error(d, store_dir(s), 0, 0, "%s", store_error(s));
		return -1;
	}
	return 0;
}

/* Load the YAML and read kind, id and name; errors go to d. */
static void load_header(struct def_file *f, struct diags *d)
{
	if (ydoc_load_buf(&f->doc, f->path, f->text.s, f->text.len, d) < 0)
		return;
	hash_sm3_hex(f->text.s, f->text.len, f->hash);
	struct ynode *root = f->doc.root;
	if (!root || yis_null(root)) {
		diag_error(d, f->path, 1, 1, _("empty definition: expected 'kind:' and 'id:'"));
		return;
	}
	if (root->type != Y_MAP) {
		y_error(d, &f->doc, root, _("a definition must be a mapping of keys, not a %s"),
			ytype_name(root->type));
		return;
	}
	struct ynode *kind = ymap_get(root, "kind");
	if (!kind || !yscalar(kind)) {
		y_error(d, &f->doc, kind ? kind : root,
			_("missing 'kind' (one of organisation, form, workflow, theme, calendar)"));
		return;
	}
	f->kind = def_kind_parse(kind->value);
	if (f->kind == DEF_UNKNOWN) {
		const char *near = y_nearest(kind->value, kind_names, DEF_NKINDS);
		if (near)
			y_error(d, &f->doc, kind, _("unknown kind '%s' (did you mean '%s'?)"),
				kind->value, near);
		else
			y_error(d, &f->doc, kind,
				_("unknown kind '%s' (one of organisation, form, workflow, theme, "
				  "calendar)"),
				kind->value);
		return;
	}
	struct ynode *id = ymap_get(root, "id");
	if (!id || yis_null(id) || !yscalar(id)) {
		y_error(d, &f->doc, id ? id : root, _("missing 'id'"));
	} else if (!y_is_slug(id->value)) {
		y_error(d, &f->doc, id,
			_("invalid id '%s': use lowercase letters, digits, '.', '_' and '-'"),
			id->value);
	} else {
		f->id = xstrdup(id->value);
	}
	const char *name = yscalar(ymap_get(root, "name"));
	if (name)
		f->name = xstrdup(name);
}

static void parse_body(struct def_file *f, struct diags *d)
{
	switch (f->kind) {
	case DEF_ORG:
		f->org = org_parse(&f->doc, d);
		break;
	case DEF_FORM:
		f->form = form_parse(&f->doc, d);
		break;
	case DEF_WORKFLOW:
		f->workflow = workflow_parse(&f->doc, d);
		break;
	case DEF_THEME:
		f->theme = theme_parse(&f->doc, d);
		break;
	case DEF_CALENDAR:
		f->calendar = calendar_parse(&f->doc, d);
		break;
	default:
		break;
	}
}

/* The live file of a kind and id: a user file, else an unshadowed deployed one. */
const struct def_file *defset_find(const struct defset *set, enum def_kind k, const char *id)
{
	const struct def_file *found = NULL;
	for (size_t i = 0; i < set->n; i++) {
		const struct def_file *f = &set->v[i];
		if (f->kind != k || f->shadowed || !f->id || strcmp(f->id, id))
			continue;
		if (!f->from_store)
			return f;
		if (!found)
			found = f;
	}
	return found;
}

const struct def_file *defset_org(const struct defset *set)
{
	const struct def_file *found = NULL;
	for (size_t i = 0; i < set->n; i++) {
		const struct def_file *f = &set->v[i];
		if (f->kind != DEF_ORG || f->shadowed || !f->org)
			continue;
		if (!f->from_store)
			return f;
		if (!found)
			found = f;
	}
	return found;
}

/* Mark deployed definitions that a user file replaces. */
static void shadow_deployed(struct defset *set)
{
	int user_org = 0;
	for (size_t i = 0; i < set->n; i++)
		if (!set->v[i].from_store && set->v[i].kind == DEF_ORG)
			user_org = 1;
	for (size_t i = 0; i < set->n; i++) {
		struct def_file *f = &set->v[i];
		if (!f->from_store)
			continue;
		if (f->kind == DEF_ORG && user_org) {
			f->shadowed = 1;
			continue;
		}
		for (size_t j = 0; j < set->n; j++) {
			const struct def_file *u = &set->v[j];
			if (!u->from_store && u->kind == f->kind && u->id && f->id &&
			    !strcmp(u->id, f->id))
				f->shadowed = 1;
		}
	}
}

/* ---- calendar of a workflow (owner: calendar) ---- */

/* The first working-day duration (`deadline: 3wd`, `remind_every: 1wd`) in a
 * workflow file, or NULL: where to report a missing calendar. */
static const struct ynode *first_workday_duration(const struct ydoc *doc)
{
	static const char *const keys[] = { "deadline", "remind_every" };
	const struct ynode *steps = ymap_get(doc->root, "steps");
	const struct ynode *first = NULL;
	for (size_t i = 0; steps && steps->type == Y_SEQ && i < steps->n && !first; i++) {
		for (size_t k = 0; k < 2; k++) {
			const struct ynode *v = ymap_get(steps->items[i], keys[k]);
			struct duration dur;
			if (!yscalar(v) || duration_parse(v->value, &dur) < 0 ||
			    dur.unit != DUR_WORKDAYS)
				continue;
			if (!first || v->line < first->line ||
			    (v->line == first->line && v->col < first->col))
				first = v;
		}
	}
	return first;
}

/*
 * A workflow's `calendar:` must name a calendar in the set or deployed. It
 * is needed only by working-day durations, so with the key absent (the
 * default "cn") a missing calendar is reported at the first of those.
 */
static void check_workflow_calendar(const struct defset *set, struct def_file *f,
				    struct diags *d)
{
	const struct workflow *w = f->workflow;
	if (!w->calendar || defset_find(set, DEF_CALENDAR, w->calendar))
		return;
	const struct ynode *wd = first_workday_duration(&f->doc);
	const char **ids = xcalloc(set->n ? set->n : 1, sizeof(*ids));
	size_t nids = 0;
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].kind == DEF_CALENDAR && set->v[i].id && !set->v[i].shadowed)
			ids[nids++] = set->v[i].id;
	const char *near = y_nearest(w->calendar, ids, nids);
	free(ids);
	int line = w->calendar_pos.line, col = w->calendar_pos.col;
	if (!line && !wd)
		return;
	if (!line) {
		line = wd->line;
		col = wd->col;
	}
	if (wd && near)
		diag_error(d, f->path, line, col, _("working-day deadlines need a calendar, and "
						    "there is no calendar '%s' (did you mean '%s'?)"),
			   w->calendar, near);
	else if (wd)
		diag_error(d, f->path, line, col, _("working-day deadlines need a calendar, and "
						    "there is no calendar '%s'"), w->calendar);
	else if (near)
		diag_error(d, f->path, line, col, _("unknown calendar '%s' (did you mean '%s'?)"),
			   w->calendar, near);
	else
		diag_error(d, f->path, line, col, _("unknown calendar '%s'"), w->calendar);
}

/* ---- end of the calendar block ---- */

/* Two user files defining the same thing (or two organisations). */
static void check_duplicates(struct defset *set, struct diags *d)
{
	for (size_t i = 0; i < set->n; i++) {
		struct def_file *f = &set->v[i];
		if (f->from_store || f->kind == DEF_UNKNOWN)
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct def_file *g = &set->v[j];
			if (g->from_store || g->kind != f->kind)
				continue;
			struct ynode *at = ymap_get(f->doc.root, "id");
			if (f->kind == DEF_ORG) {
				y_error(d, &f->doc, at ? at : f->doc.root,
					_("only one organisation can be deployed; '%s' already defines one"),
					g->path);
				break;
			}
			if (f->id && g->id && !strcmp(f->id, g->id)) {
				y_error(d, &f->doc, at, _("%s '%s' is also defined in '%s'"),
					def_kind_name(f->kind), f->id, g->path);
				break;
			}
		}
	}
}

size_t defset_check(struct defset *set, struct diags *d)
{
	struct diags scratch = DIAGS_INIT;
	for (size_t i = 0; i < set->n; i++) {
		struct def_file *f = &set->v[i];
		if (f->errors) /* unreadable */
			continue;
		load_header(f, f->from_store ? &scratch : d);
	}
	shadow_deployed(set);
	check_duplicates(set, d);
	for (size_t i = 0; i < set->n; i++) {
		struct def_file *f = &set->v[i];
		if (f->kind != DEF_UNKNOWN && !f->shadowed)
			parse_body(f, f->from_store ? &scratch : d);
	}
	const struct def_file *orgf = defset_org(set);
	const struct org *org = orgf ? orgf->org : NULL;
	for (size_t i = 0; i < set->n; i++) {
		struct def_file *f = &set->v[i];
		if (f->shadowed || f->from_store)
			continue;
		if (f->form)
			form_check(f->form, &f->doc, org, d);
		if (f->workflow) {
			/* before the form lookup, which skips workflows with a broken form */
			check_workflow_calendar(set, f, d);
			const char *fid = yscalar(ymap_get(f->doc.root, "form"));
			const struct def_file *ff = fid ? defset_find(set, DEF_FORM, fid) : NULL;
			if (ff && !ff->form)
				continue; /* that form's own errors are already reported */
			workflow_check(f->workflow, &f->doc, org, ff ? ff->form : NULL, d);
		}
	}
	diags_release(&scratch);

	size_t total = 0;
	for (size_t i = 0; i < set->n; i++) {
		struct def_file *f = &set->v[i];
		if (f->from_store)
			continue;
		for (size_t k = 0; k < d->n; k++)
			if (d->v[k].severity == DIAG_ERROR && !strcmp(d->v[k].file, f->path))
				f->errors++;
		total += f->errors;
	}
	/* errors not tied to a loaded file (a missing path) */
	for (size_t k = 0; k < d->n; k++) {
		if (d->v[k].severity != DIAG_ERROR)
			continue;
		int known = 0;
		for (size_t i = 0; i < set->n && !known; i++)
			known = !strcmp(d->v[k].file, set->v[i].path);
		total += !known;
	}
	return total;
}

void defset_release(struct defset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct def_file *f = &set->v[i];
		free(f->path);
		free(f->id);
		free(f->name);
		buf_release(&f->text);
		ydoc_release(&f->doc);
		if (f->org)
			org_free(f->org);
		if (f->form)
			form_free(f->form);
		if (f->workflow)
			workflow_free(f->workflow);
		if (f->theme)
			theme_free(f->theme);
		if (f->calendar)
			calendar_free(f->calendar);
	}
	free(set->v);
	set->v = NULL;
	set->n = set->alloc = 0;
}

/* Whether `actor` may deploy into s: 1, 0 (why says so), or a negative status. */
static int may_deploy(struct defset *set, struct store *s, const char *actor, struct buf *why)
{
	int any = auth_any_key(s);
	if (any <= 0)
		return any < 0 ? any : 1; /* the setup phase: anyone sets the store up */
	const struct org *cur = NULL;
	for (size_t i = 0; i < set->n; i++) {
		struct def_file *f = &set->v[i];
		if (!f->from_store || f->kind != DEF_ORG)
			continue;
		if (!f->org) {
			/* shadowed by the organisation being deployed: read it all the same */
			struct diags scratch = DIAGS_INIT;
			parse_body(f, &scratch);
			diags_release(&scratch);
		}
		cur = f->org;
	}
	const struct org_user *u = cur ? org_user(cur, actor) : NULL;
	if (u && org_user_has_role(u, "sysadmin"))
		return 1;
	if (why)
		buf_addf(why, _("only a system administrator of the deployed organisation deploys definitions ('%s' is not one)"),
			 actor);
	return 0;
}

int defset_deploy(struct defset *set, struct store *s, const char *actor,
		  struct deploy_result **out, size_t *nout, struct buf *why)
{
	static const enum def_kind order[] = {
		DEF_ORG, DEF_CALENDAR, DEF_FORM, DEF_WORKFLOW, DEF_THEME
	};
	struct deploy_result *res = xcalloc(set->n ? set->n : 1, sizeof(*res));
	size_t nres = 0;
	char made_at[32];
	int may = may_deploy(set, s, actor, why);
	if (may <= 0) {
		free(res);
		return may < 0 ? may : DEFSET_DENIED;
	}
	int rc = store_begin(s);
	if (rc < 0) {
		free(res);
		return rc;
	}
	/* inside the transaction: never before the log's last event */
	clock_format_iso(store_event_time(s, clock_now()), made_at, sizeof(made_at));
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		for (size_t i = 0; i < set->n; i++) {
			struct def_file *f = &set->v[i];
			if (f->from_store || f->kind != order[o] || !f->id)
				continue;
			char uuid[37];
			uuid_v4(uuid);
			rc = store_def_deploy(s, uuid, actor, made_at, def_kind_name(f->kind), f->id,
					      f->name, f->hash, f->path, f->text.s, f->text.len);
			if (rc < 0) {
				store_rollback(s);
				free(res);
				return rc;
			}
			res[nres].file = f;
			res[nres].changed = rc == 0;
			nres++;
		}
	}
	rc = store_commit(s);
	if (rc < 0) {
		free(res);
		return rc;
	}
	*out = res;
	*nout = nres;
	return 0;
}
