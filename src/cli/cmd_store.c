/*
 * cmd_store: `docket init`.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../store/store.h"
#include "../util/buf.h"
#include "../util/i18n.h"
#include "cli.h"

int cmd_init(struct cli *c)
{
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
	buf_release(&err);
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "store", json_string(c->store_dir));
		json_object_set_new(o, "schema", json_integer(STORE_SCHEMA_VERSION));
		cli_print_json(o);
	} else {
		printf(_("created store '%s'\n"), c->store_dir);
	}
	return EXIT_OK;
}
