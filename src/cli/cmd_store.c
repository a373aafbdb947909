/*
 * cmd_store: `docket init`.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../store/store.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "cli.h"

int cmd_init(struct cli *c)
{
	int demo = cli_take_flag(c, "--demo");
	if (cli_no_options(c) < 0)
		return cli_usage(c);
	if (c->argc > 1) {
		cli_error("%s", _("'init' takes no arguments; choose the directory with -C DIR"));
		return EXIT_USAGE;
	}
	struct buf err = BUF_INIT;
	int rc = store_init(c->store_dir, &err);
	if (rc != STORE_OK) {
		cli_error("%s", err.s);
		buf_release(&err);
		return rc == STORE_ERR ? EXIT_STORE : cli_store_exit(rc);
	}
	/* what it is for: a pinned clock makes a test store (doc/store.md, "Kinds") */
	enum store_kind kind = demo ? STORE_KIND_DEMO : clock_is_fixed() ? STORE_KIND_TEST : STORE_KIND_PRODUCTION;
	struct store *s = NULL;
	if (kind != STORE_KIND_PRODUCTION) {
		rc = store_open(c->store_dir, 0, &s, &err);
		if (!rc && store_set_kind(s, kind) < 0) {
			buf_adds(&err, store_error(s));
			rc = STORE_ERR;
		}
		store_close(s);
		if (rc) {
			cli_error("%s", err.s);
			buf_release(&err);
			return EXIT_STORE;
		}
	}
	buf_release(&err);
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "store", json_string(c->store_dir));
		json_object_set_new(o, "kind", json_string(store_kind_name(kind)));
		json_object_set_new(o, "schema", json_integer(STORE_SCHEMA_VERSION));
		cli_print_json(o);
	} else {
		printf(kind == STORE_KIND_PRODUCTION ? _("created store '%s'\n")
			: kind == STORE_KIND_TEST ? _("created test store '%s' (DOCKET_NOW may set its clock)\n")
						  : _("created demonstration store '%s'\n"),
		       c->store_dir);
	}
	return EXIT_OK;
}
