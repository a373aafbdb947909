/*
 * main: global options, verb dispatch, and the TUI when no verb is given.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/store.h"
#include "../tui/tui.h"
#include "../util/buf.h"
#include "../util/i18n.h"
#include "cli.h"

const struct verb verbs[] = {
	{ "help", cmd_help, N_("help [VERB]"), N_("show help for docket or one verb"),
	  N_("Without a verb, list every verb. With one, show its usage and what it does.") },
	{ "version", cmd_version, N_("version"), N_("print the version"), NULL },
	{ "init", cmd_init, N_("init"), N_("create a new store"),
	  N_("Create the store named by -C, $DOCKET_STORE or the default\n"
	     "($XDG_DATA_HOME/docket): its SQLite database and the git repository\n"
	     "that will hold documents. An existing store is never overwritten.") },
	{ "lint", cmd_lint, N_("lint [--json] [PATH...]"),
	  N_("check definition files and report every problem"),
	  N_("Check organisation, form, workflow and theme files. Directories are\n"
	     "searched for *.yaml and *.yml. Without a path, the workflows, forms and\n"
	     "themes directories here are checked. References resolve against the\n"
	     "files given, then against what is deployed in the store (if there is\n"
	     "one). Every problem is printed as FILE:LINE:COL: error: MESSAGE; the\n"
	     "exit status is 1 if there is any error.") },
	{ "deploy", cmd_deploy, N_("deploy [--json] PATH..."),
	  N_("lint, then record changed definitions as new versions"),
	  N_("Lint the files and, only if there is no error, record each changed\n"
	     "definition as a new immutable version (named by the SM3 hash of its\n"
	     "content) in one transaction. An unchanged file is a no-op. Requests\n"
	     "already running stay on the version they started with.") },
	{ "definitions", cmd_definitions, N_("definitions [--all] [--json] [KIND [ID]]"),
	  N_("list deployed definitions, or show one"),
	  N_("List the current version of every deployed definition; --all lists\n"
	     "every version ever deployed. With KIND and ID, print that\n"
	     "definition's deployed text.") },
	{ NULL, NULL, NULL, NULL, NULL }
};

const struct verb *verb_find(const char *name)
{
	for (const struct verb *v = verbs; v->name; v++)
		if (!strcmp(v->name, name))
			return v;
	if (!strcmp(name, "defs"))
		return verb_find("definitions");
	return NULL;
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("docket: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage_line(FILE *out)
{
	fprintf(out, _("usage: docket [-C DIR] [-u USER] [--json] VERB [ARGS...]\n"));
}

/* Run the TUI when we are on a terminal, otherwise explain. */
static int run_tui(struct cli *c)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		usage_line(stderr);
		cli_error("%s", _("no verb given and not on a terminal (try 'docket help')"));
		return EXIT_USAGE;
	}
	if (!c->user) {
		cli_error("%s", _("no user: give -u USER or set DOCKET_USER"));
		return EXIT_USAGE;
	}
	struct store *s;
	int rc = cli_open_store(c, 0, &s);
	if (rc)
		return rc;
	rc = tui_run(s, c->user, getenv("DOCKET_THEME"));
	store_close(s);
	return rc;
}

int main(int argc, char **argv)
{
	i18n_init();
	struct cli c = { 0 };
	c.user = getenv("DOCKET_USER");
	if (c.user && !*c.user)
		c.user = NULL;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-C") || !strcmp(a, "-u")) {
			if (i + 1 >= argc) {
				usage_line(stderr);
				cli_error(_("option '%s' needs a value"), a);
				return EXIT_USAGE;
			}
			if (a[1] == 'C')
				c.store_dir = argv[++i];
			else
				c.user = argv[++i];
		} else if (!strncmp(a, "-C", 2) && a[2]) {
			c.store_dir = a + 2;
		} else if (!strncmp(a, "-u", 2) && a[2]) {
			c.user = a + 2;
		} else if (!strcmp(a, "--json")) {
			c.json = 1;
		} else if (!strcmp(a, "--version")) {
			c.argc = 0;
			return cmd_version(&c);
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			c.argc = 0;
			return cmd_help(&c);
		} else if (a[0] == '-' && a[1]) {
			usage_line(stderr);
			cli_error(_("unknown option '%s'"), a);
			return EXIT_USAGE;
		} else {
			break;
		}
	}
	if (!c.store_dir) {
		c.store_dir_owned = store_default_dir();
		c.store_dir = c.store_dir_owned;
	}
	int rc;
	if (i >= argc) {
		rc = run_tui(&c);
	} else {
		const struct verb *v = verb_find(argv[i]);
		if (!v) {
			usage_line(stderr);
			cli_error(_("unknown verb '%s' (see 'docket help')"), argv[i]);
			rc = EXIT_USAGE;
		} else {
			c.argc = argc - i;
			c.argv = argv + i;
			if (cli_take_flag(&c, "--json"))
				c.json = 1;
			rc = v->run(&c);
		}
	}
	free(c.store_dir_owned);
	return rc;
}
