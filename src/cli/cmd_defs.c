/*
 * cmd_defs: `docket lint`, `docket deploy` and `docket definitions`.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../defs/defset.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/diag.h"
#include "../util/fsutil.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "cli.h"

static const char *const default_dirs[] = { "workflows", "forms", "themes", NULL };

/* Add the verb's paths, or the default directories when none are given. */
static int collect_paths(struct cli *c, struct defset *set, struct diags *d)
{
	if (c->argc > 1) {
		for (int i = 1; i < c->argc; i++)
			defset_add_path(set, c->argv[i], d);
		return 0;
	}
	int any = 0;
	for (size_t i = 0; default_dirs[i]; i++) {
		if (is_dir(default_dirs[i])) {
			defset_add_path(set, default_dirs[i], d);
			any = 1;
		}
	}
	if (!any) {
		cli_error("%s", _("nothing to check: give files or directories, or run where "
				  "workflows/, forms/ or themes/ are"));
		return -1;
	}
	return 0;
}

static json_t *diags_json(const struct diags *d)
{
	json_t *a = json_array();
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *x = &d->v[i];
		json_t *o = json_object();
		json_object_set_new(o, "file", json_string(x->file));
		json_object_set_new(o, "line", json_integer(x->line));
		json_object_set_new(o, "col", json_integer(x->col));
		json_object_set_new(o, "severity",
				   json_string(x->severity == DIAG_ERROR ? "error" : "warning"));
		json_object_set_new(o, "message", json_string(x->msg));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *files_json(const struct defset *set)
{
	json_t *a = json_array();
	for (size_t i = 0; i < set->n; i++) {
		const struct def_file *f = &set->v[i];
		if (f->from_store)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "path", json_string(f->path));
		json_object_set_new(o, "kind", f->kind == DEF_UNKNOWN ? json_null()
								  : json_string(def_kind_name(f->kind)));
		json_object_set_new(o, "id", f->id ? json_string(f->id) : json_null());
		json_object_set_new(o, "name", f->name ? json_string(f->name) : json_null());
		json_object_set_new(o, "version", f->hash[0] ? json_string(f->hash) : json_null());
		json_object_set_new(o, "errors", json_integer((json_int_t)f->errors));
		json_array_append_new(a, o);
	}
	return a;
}

static size_t user_files(const struct defset *set)
{
	size_t n = 0;
	for (size_t i = 0; i < set->n; i++)
		n += !set->v[i].from_store;
	return n;
}

/*
 * Open the store only to resolve references: a missing default store is
 * fine (lint works on files alone); a store named with -C must exist.
 */
static struct store *reference_store(struct cli *c, int explicit_store, int *rc)
{
	*rc = 0;
	struct store *s = NULL;
	struct buf err = BUF_INIT;
	int st = store_open(c->store_dir, 1, &s, &err);
	if (st == STORE_NEEDS_UPGRADE) {
		buf_reset(&err);
		st = store_open(c->store_dir, 0, &s, &err);
	}
	if (st == STORE_OK) {
		buf_release(&err);
		return s;
	}
	if (st != STORE_MISSING || explicit_store) {
		cli_error("%s", err.s);
		*rc = st == STORE_ERR ? EXIT_STORE : cli_store_exit(st);
	}
	buf_release(&err);
	return NULL;
}

static int lint_report(struct cli *c, struct defset *set, struct diags *d, size_t errors)
{
	diags_sort(d);
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "files", files_json(set));
		json_object_set_new(o, "diagnostics", diags_json(d));
		json_object_set_new(o, "errors", json_integer((json_int_t)errors));
		cli_print_json(o);
	} else {
		diags_print(d, stdout);
		fflush(stdout);
		size_t nf = user_files(set);
		struct buf msg = BUF_INIT;
		struct buf what = BUF_INIT;
		buf_addf(&msg, ngettext("checked %zu file", "checked %zu files", nf), nf);
		if (errors)
			buf_addf(&what, ngettext("%zu error", "%zu errors", errors), errors);
		else
			buf_adds(&what, _("no errors"));
		/* TRANSLATORS: a heading and what it is about ("New request: 请假"); Chinese uses ： */
		fprintf(stderr, _("%s: %s"), msg.s, what.s);
		fputc('\n', stderr);
		buf_release(&what);
		buf_release(&msg);
	}
	return errors ? EXIT_INVALID : EXIT_OK;
}

int cmd_lint(struct cli *c)
{
	if (cli_no_options(c) < 0)
		return cli_usage(c);
	struct defset set = DEFSET_INIT;
	struct diags d = DIAGS_INIT;
	if (collect_paths(c, &set, &d) < 0) {
		defset_release(&set);
		return EXIT_USAGE;
	}
	int explicit_store = getenv("DOCKET_STORE") || c->store_dir != c->store_dir_owned;
	int rc;
	struct store *s = reference_store(c, explicit_store, &rc);
	if (rc) {
		defset_release(&set);
		diags_release(&d);
		return rc;
	}
	if (s)
		defset_add_store(&set, s, &d);
	size_t errors = defset_check(&set, &d);
	rc = lint_report(c, &set, &d, errors);
	defset_release(&set);
	diags_release(&d);
	if (s)
		store_close(s);
	return rc;
}

/* Who is deploying: -u, $DOCKET_USER, else the login name. */
static const char *acting_user(const struct cli *c)
{
	if (c->user)
		return c->user;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_name ? pw->pw_name : "unknown";
}

int cmd_deploy(struct cli *c)
{
	if (cli_no_options(c) < 0)
		return cli_usage(c);
	if (c->argc < 2) {
		cli_error("%s", _("nothing to deploy: give the definition files or directories"));
		fprintf(stderr, _("usage: docket %s\n"), _(verb_find("deploy")->usage));
		return EXIT_USAGE;
	}
	struct store *s;
	int rc = cli_open_store(c, 0, &s);
	if (rc)
		return rc;
	/* deployed by who says so, proven (unsigned only while the store is being set up) */
	struct engine *e = engine_new(s);
	struct auth_session *who = NULL;
	if (!c->user)
		c->user = acting_user(c);
	if ((rc = cli_sign_in(c, s, e, CLI_SETUP_OK, &who)) != 0) {
		engine_free(e);
		store_close(s);
		return rc;
	}
	struct defset set = DEFSET_INIT;
	struct diags d = DIAGS_INIT;
	collect_paths(c, &set, &d);
	defset_add_store(&set, s, &d);
	size_t errors = defset_check(&set, &d);
	if (errors) {
		lint_report(c, &set, &d, errors);
		if (!c->json)
			fprintf(stderr, "%s\n", _("nothing was deployed"));
		rc = EXIT_INVALID;
		goto out;
	}
	struct deploy_result *res = NULL;
	size_t nres = 0;
	struct buf why = BUF_INIT;
	int st = defset_deploy(&set, s, acting_user(c), &res, &nres, &why);
	if (st == DEFSET_DENIED) {
		cli_error("%s", why.s);
		buf_release(&why);
		fprintf(stderr, "%s\n", _("nothing was deployed"));
		rc = EXIT_INVALID;
		goto out;
	}
	buf_release(&why);
	if (st < 0) {
		cli_error("%s", store_error(s));
		fprintf(stderr, "%s\n", _("nothing was deployed"));
		rc = st == STORE_ERR ? cli_failure_exit(s, store_error(s)) : cli_store_exit(st);
		goto out;
	}
	size_t changed = 0;
	json_t *arr = c->json ? json_array() : NULL;
	for (size_t i = 0; i < nres; i++) {
		const struct def_file *f = res[i].file;
		changed += (size_t)res[i].changed;
		if (arr) {
			json_t *o = json_object();
			json_object_set_new(o, "kind", json_string(def_kind_name(f->kind)));
			json_object_set_new(o, "id", json_string(f->id));
			json_object_set_new(o, "name", f->name ? json_string(f->name) : json_null());
			json_object_set_new(o, "version", json_string(f->hash));
			json_object_set_new(o, "path", json_string(f->path));
			json_object_set_new(o, "changed", json_boolean(res[i].changed));
			json_array_append_new(arr, o);
			continue;
		}
		printf(res[i].changed ? _("deployed  %s '%s' version %.8s (%s)\n")
				      : _("unchanged %s '%s' version %.8s (%s)\n"),
		       def_kind_name(f->kind), f->id, f->hash, f->path);
	}
	if (arr)
		cli_print_json(arr);
	else
		fprintf(stderr, _("%zu deployed, %zu unchanged\n"), changed, nres - changed);
	diags_print(&d, stderr); /* warnings, if any */
	free(res);
	rc = EXIT_OK;
out:
	defset_release(&set);
	diags_release(&d);
	cli_sign_out(c, s, who);
	engine_free(e);
	store_close(s);
	return rc;
}

struct list_ctx {
	struct cli *cli;
	json_t *arr;
	size_t n;
};

static void print_cell(const char *text, size_t cols)
{
	struct buf b = BUF_INIT, clean = BUF_INIT;
	utf8_sanitize(&clean, text ? text : "-");
	utf8_fit(&b, clean.s, cols, 1, 1);
	fputs(b.s, stdout);
	fputc(' ', stdout);
	buf_release(&b);
	buf_release(&clean);
}

static int list_one(void *ctx, const struct store_def *sd)
{
	struct list_ctx *l = ctx;
	l->n++;
	if (l->arr) {
		json_t *o = json_object();
		json_object_set_new(o, "kind", json_string(sd->kind));
		json_object_set_new(o, "id", json_string(sd->id));
		json_object_set_new(o, "name", sd->name ? json_string(sd->name) : json_null());
		json_object_set_new(o, "version", json_string(sd->hash));
		json_object_set_new(o, "number", json_integer(sd->version));
		json_object_set_new(o, "current", json_boolean(sd->current));
		json_object_set_new(o, "deployed_at", json_string(sd->deployed_at));
		json_object_set_new(o, "deployed_by", json_string(sd->deployed_by));
		json_object_set_new(o, "source", sd->source ? json_string(sd->source) : json_null());
		json_array_append_new(l->arr, o);
		return 0;
	}
	char ver[16];
	snprintf(ver, sizeof(ver), "%.8s%s", sd->hash, sd->current ? "" : " ");
	print_cell(sd->kind, 12);
	print_cell(sd->id, 14);
	print_cell(sd->name, 20);
	print_cell(ver, 9);
	time_t at;
	char when[32];
	if (clock_parse_iso(sd->deployed_at, &at) == 0)
		clock_format_local(at, when, sizeof(when));
	else
		snprintf(when, sizeof(when), "%s", sd->deployed_at);
	print_cell(when, 16);
	printf("%s\n", sd->deployed_by);
	return 0;
}

/* `definitions KIND ID`: print the deployed text. */
static int show_definition(struct cli *c, struct store *s)
{
	struct store_def sd;
	int r = store_def_get(s, c->argv[1], c->argv[2], &sd);
	if (r < 0) {
		cli_error("%s", store_error(s));
		return EXIT_STORE;
	}
	if (r == 1) {
		cli_error(_("no %s '%s' is deployed"), c->argv[1], c->argv[2]);
		return EXIT_INVALID;
	}
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "kind", json_string(sd.kind));
		json_object_set_new(o, "id", json_string(sd.id));
		json_object_set_new(o, "name", sd.name ? json_string(sd.name) : json_null());
		json_object_set_new(o, "version", json_string(sd.hash));
		json_object_set_new(o, "deployed_at", json_string(sd.deployed_at));
		json_object_set_new(o, "deployed_by", json_string(sd.deployed_by));
		json_object_set_new(o, "content", json_stringn(sd.content, sd.len));
		cli_print_json(o);
	} else if (isatty(STDOUT_FILENO)) {
		/* on a terminal, what the file holds is shown escaped; to a file it is the file */
		struct buf b = BUF_INIT;
		utf8_sanitize_n(&b, sd.content, sd.len, UTF8_KEEP_NL | UTF8_KEEP_TAB);
		fwrite(b.s, 1, b.len, stdout);
		buf_release(&b);
	} else {
		fwrite(sd.content, 1, sd.len, stdout);
	}
	store_def_release(&sd);
	return EXIT_OK;
}

int cmd_definitions(struct cli *c)
{
	int all = cli_take_flag(c, "--all");
	if (cli_no_options(c) < 0)
		return cli_usage(c);
	if (c->argc == 2 || c->argc > 3) {
		cli_error("%s", _("give both KIND and ID, or neither"));
		fprintf(stderr, _("usage: docket %s\n"), _(verb_find("definitions")->usage));
		return EXIT_USAGE;
	}
	struct store *s;
	int rc = cli_open_store(c, 1, &s);
	if (rc)
		return rc;
	if (c->argc == 3) {
		rc = show_definition(c, s);
		store_close(s);
		return rc;
	}
	struct list_ctx l = { c, c->json ? json_array() : NULL, 0 };
	if (!c->json) {
		print_cell(_("KIND"), 12);
		print_cell(_("ID"), 14);
		print_cell(_("NAME"), 20);
		print_cell(_("VERSION"), 9);
		print_cell(_("DEPLOYED"), 16);
		printf("%s\n", _("BY"));
	}
	if (store_def_list(s, all, list_one, &l) < 0) {
		cli_error("%s", store_error(s));
		if (l.arr)
			json_decref(l.arr);
		store_close(s);
		return EXIT_STORE;
	}
	if (l.arr)
		cli_print_json(l.arr);
	else if (!l.n)
		fprintf(stderr, "%s\n", _("nothing is deployed yet (see 'docket deploy')"));
	store_close(s);
	return EXIT_OK;
}
