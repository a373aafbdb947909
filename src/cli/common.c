/*
 * common: what verbs share — opening the store with a clear message,
 * printing JSON, and taking flags out of the argument list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/auth.h"
#include "../defs/org.h"
#include "../docs/docs.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "cli.h"

int cli_store_exit(int status)
{
	return status == STORE_OK ? EXIT_OK : status == STORE_ERR ? EXIT_INTERNAL : EXIT_STORE;
}

int cli_failure_exit(struct store *s, const char *msg)
{
	/* a failure of the machine (memory, disk) passed on as a plain error */
	int st = store_error_status(s);
	if ((st == STORE_NOMEM || st == STORE_IO || st == STORE_FULL || st == STORE_BUSY) && msg &&
	    *store_error(s) && strstr(msg, store_error(s)))
		return EXIT_STORE;
	return EXIT_INTERNAL;
}

int cli_resolve_user(struct cli *c)
{
	if (!c->user || auth_person_id_ok(c->user))
		return EXIT_OK;
	struct buf err = BUF_INIT, ids = BUF_INIT;
	struct store *s = NULL;
	int rc = EXIT_OK;
	if (store_open(c->store_dir, 1, &s, &err) == STORE_OK) {
		struct engine *e = engine_new(s);
		const struct org *o = engine_org(e);
		const char *id = NULL;
		size_t n = 0;
		for (size_t i = 0; o && i < o->nusers; i++)
			if (o->users[i].name && !strcmp(o->users[i].name, c->user)) {
				id = o->users[i].id;
				buf_addf(&ids, "%s%s", n++ ? ", " : "", id);
			}
		if (n == 1) {
			c->user_owned = xstrdup(id);
			c->user = c->user_owned;
		} else if (n > 1) {
			cli_error(_("'%s' is the name of several people (%s): give the id with -u"), c->user, ids.s);
			rc = EXIT_INVALID;
		}
		engine_free(e);
		store_close(s);
	}
	buf_release(&ids);
	buf_release(&err);
	return rc;
}

int cli_reading_readonly(struct cli *c)
{
	if (!c->reading || !store_media_readonly(c->store_dir))
		return 0;
	/* said once, on stderr: the output itself stays what scripts read */
	fprintf(stderr, _("docket: note: store '%s' is read-only: reading only (due timers are not run, this read is not recorded)\n"),
		c->store_dir);
	return 1;
}

int cli_open_store(struct cli *c, int readonly, struct store **out)
{
	struct buf err = BUF_INIT;
	int rc = store_open(c->store_dir, readonly, out, &err);
	if (rc == STORE_NEEDS_UPGRADE) {
		/* an older store upgrades on first open, even by a reading verb */
		buf_reset(&err);
		rc = store_open(c->store_dir, 0, out, &err);
	}
	if (rc != STORE_OK) {
		cli_error("%s", err.s);
		if (rc == STORE_MISSING)
			fprintf(stderr, _("hint: create one with 'docket -C %s init'\n"), c->store_dir);
		buf_release(&err);
		return rc == STORE_ERR ? EXIT_STORE : cli_store_exit(rc);
	}
	/* the clock is not the user's: DOCKET_NOW is for test and demonstration stores */
	if (clock_is_fixed() && store_kind(*out) == STORE_KIND_PRODUCTION) {
		cli_error(_("store '%s' is a production store: its events take the system's time, not DOCKET_NOW "
			    "(which only test and demonstration stores accept)"),
			  c->store_dir);
		buf_release(&err);
		store_close(*out);
		*out = NULL;
		return EXIT_USAGE;
	}
	/*
	 * Every writing command (and check, and the TUI) first puts the
	 * document refs back in line with SQLite when a save was cut short, so
	 * a ref left ahead by a crash never outlives the next write, whatever
	 * the command (doc/documents.md, "Order of writes and reconciliation").
	 */
	if (!readonly) {
		struct buf report = BUF_INIT;
		int st = docs_recover(*out, &report, &err);
		for (const char *p = report.s; *p;) {
			size_t n = strcspn(p, "\n");
			fprintf(stderr, _("docket: note: %.*s\n"), (int)n, p);
			p += n + (p[n] == '\n');
		}
		buf_release(&report);
		if (st < 0) {
			cli_error("%s", err.s);
			buf_release(&err);
			store_close(*out);
			*out = NULL;
			return st == DOCS_STORE ? EXIT_STORE : EXIT_INTERNAL;
		}
	}
	buf_release(&err);
	/* nothing a person does is recorded unsigned, until cli_sign_in proves who acts */
	auth_use_session(*out, NULL);
	return EXIT_OK;
}

void cli_print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s) {
		puts(s);
		free(s);
	}
	json_decref(v);
}

const char *cli_take_opt(struct cli *c, const char *opt, const char *alt)
{
	const char *val = NULL;
	int w = 1;
	for (int i = 1; i < c->argc; i++) {
		if (!val && (!strcmp(c->argv[i], opt) || (alt && !strcmp(c->argv[i], alt))) &&
		    i + 1 < c->argc) {
			val = c->argv[++i];
			continue;
		}
		c->argv[w++] = c->argv[i];
	}
	c->argc = w;
	return val;
}

int cli_take_flag(struct cli *c, const char *flag)
{
	int found = 0;
	int w = 1;
	for (int i = 1; i < c->argc; i++) {
		if (!strcmp(c->argv[i], flag))
			found = 1;
		else
			c->argv[w++] = c->argv[i];
	}
	c->argc = w;
	return found;
}

int cli_no_options(struct cli *c)
{
	for (int i = 1; i < c->argc; i++) {
		const char *a = c->argv[i];
		if (a[0] == '-' && a[1]) {
			cli_error(_("unknown option '%s' for '%s'"), a, c->argv[0]);
			return -1;
		}
	}
	return 0;
}

void cli_local_time(const char *iso, char *out, size_t n)
{
	time_t t;
	snprintf(out, n, "-");
	if (iso && !clock_parse_iso(iso, &t))
		clock_format_local(t, out, n);
}

int cli_usage(struct cli *c)
{
	const struct verb *v = verb_find(c->argv[0]);
	fprintf(stderr, _("usage: docket %s\n"), v ? _(v->usage) : c->argv[0]);
	return EXIT_USAGE;
}
