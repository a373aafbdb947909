/*
 * cmd_help: `docket help [VERB]` and `docket version`, generated from the
 * verb table so help cannot drift from what the command line accepts.
 */
#include <stdio.h>
#include <string.h>

#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/buf.h"
#include "cli.h"

int cmd_version(struct cli *c)
{
	(void)c;
	printf("docket %s\n", DOCKET_VERSION);
	return EXIT_OK;
}

int cmd_help(struct cli *c)
{
	if (c->argc > 2) {
		cli_error("%s", _("too many arguments"));
		fprintf(stderr, _("usage: docket %s\n"), _(verb_find("help")->usage));
		return EXIT_USAGE;
	}
	if (c->argc == 2) {
		const struct verb *v = verb_find(c->argv[1]);
		if (!v) {
			cli_error(_("unknown verb '%s' (see 'docket help')"), c->argv[1]);
			return EXIT_USAGE;
		}
		printf(_("usage: docket %s\n"), _(v->usage));
		printf("\n%s\n", _(v->summary));
		if (v->help)
			printf("\n%s\n", _(v->help));
		return EXIT_OK;
	}
	printf(_("usage: docket [-C DIR] [-u USER] [--json] VERB [ARGS...]\n"));
	printf("\n%s\n\n", _("Approvals and official documents at the terminal. Without a verb,\n"
			   "on a terminal, docket opens its full-screen interface."));
	printf("%s\n", _("verbs:"));
	for (const struct verb *v = verbs; v->name; v++) {
		struct buf b = BUF_INIT;
		utf8_fit(&b, v->name, 14, 0, 1);
		printf("  %s %s\n", b.s, _(v->summary));
		buf_release(&b);
	}
	printf("\n%s\n", _("options:"));
	printf("  -C DIR         %s\n", _("use the store in DIR (default $DOCKET_STORE or $XDG_DATA_HOME/docket)"));
	printf("  -u USER        %s\n", _("act as USER (default $DOCKET_USER)"));
	printf("  --json         %s\n", _("print results as JSON"));
	printf("  --version      %s\n", _("print the version"));
	printf("\n%s\n", _("See 'docket help VERB' and docket(1)."));
	return EXIT_OK;
}
