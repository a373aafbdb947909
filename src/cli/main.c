/*
 * main: global options, verb dispatch, and the TUI when no verb is given.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../auth/sm2key.h"
#include "../engine/engine.h"
#include "../signin/signin.h"
#include "../store/store.h"
#include "../tui/tui.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/hash.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "cli.h"

const struct verb verbs[] = {
	{ "help", cmd_help, N_("help [VERB]"), N_("show help for docket or one verb"),
	  N_("Without a verb, list every verb. With one, show its usage and what it does.") },
	{ "version", cmd_version, N_("version"), N_("print the version"), NULL },
	{ "init", cmd_init, N_("init [--demo]"), N_("create a new store"),
	  N_("Create the store named by -C, $DOCKET_STORE or the default\n"
	     "($XDG_DATA_HOME/docket): its SQLite database and the git repository\n"
	     "that will hold documents. An existing store is never overwritten.\n"
	     "Made while DOCKET_NOW pins the clock, it is a test store; --demo makes\n"
	     "a demonstration store. Only those two accept DOCKET_NOW later.") },
	{ "lint", cmd_lint, N_("lint [--json] [PATH...]"),
	  N_("check definition files and report every problem"),
	  N_("Check organisation, calendar, form, workflow and theme files. Directories are\n"
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
	{ "new", cmd_new, N_("new WORKFLOW [--set FIELD=VALUE ...] [--data FILE.json] [--title TITLE] [--draft]"),
	  N_("start a request (or save it as a draft)"),
	  N_("Fill in the workflow's form from --set and --data (a JSON object) and\n"
	     "submit the request; --draft saves it without submitting. Every field\n"
	     "error is listed and nothing is saved while there is one.") },
	{ "submit", cmd_submit, N_("submit ID [--set FIELD=VALUE ...] [--data FILE.json] [--title TITLE]"),
	  N_("submit a draft, or resubmit a returned or withdrawn request"),
	  N_("Changed fields are merged over the request's data and checked again.\n"
	     "A returned request goes back to the first step, or straight to the\n"
	     "step that returned it when the workflow says 'resubmit: to_returner'.") },
	{ "edit", cmd_edit, N_("edit ID [--set FIELD=VALUE ...] [--data FILE.json] [--title TITLE]"),
	  N_("change a draft, or a returned or withdrawn request, without submitting it"),
	  N_("Only the applicant can change a request, and only while it is a draft,\n"
	     "returned to them or withdrawn. Changed fields are merged over the\n"
	     "request's data and checked again; 'docket submit ID' sends it on.") },
	{ "approve", cmd_approve, N_("approve ID... [-m OPINION] [--pick USER]"),
	  N_("approve your task (ID: a task or a request)"),
	  N_("Record your approval with your opinion (审批意见); an opinion is required\n"
	     "unless the step says 'opinion: optional'. --pick chooses the handler of\n"
	     "the next step when it says 'pick: true'. Several IDs: each is approved\n"
	     "with the one opinion as its own action, a line each, and a refusal of\n"
	     "one leaves the others approved.") },
	{ "reject", cmd_reject, N_("reject ID [-m OPINION]"), N_("reject: the request fails"),
	  N_("One rejection fails the step (一票否决) and ends the request as rejected.") },
	{ "return", cmd_return, N_("return ID --to previous|applicant|STEP [-m OPINION]"),
	  N_("send the request back (退回)"),
	  N_("Back to the previous step, the applicant, or any step the request\n"
	     "actually visited, as the step's 'return_to' allows. Every open task of\n"
	     "the request is cancelled, in every parallel branch.") },
	{ "withdraw", cmd_withdraw, N_("withdraw ID"), N_("pull your request back (撤回)"),
	  N_("Only the applicant, and only before anyone approved it.") },
	{ "takeback", cmd_takeback, N_("takeback ID"), N_("retract your approval (拿回)"),
	  N_("Only while what came next has not acted.") },
	{ "transfer", cmd_transfer, N_("transfer ID USER [-m NOTE]"), N_("hand your task to someone else (转办)"), NULL },
	{ "delegate", cmd_delegate, N_("delegate ID USER [-m NOTE]"),
	  N_("have someone act first; the task comes back to you (委派)"), NULL },
	{ "addsign", cmd_addsign, N_("addsign ID USER --before|--after|--parallel"),
	  N_("add a signer (加签)"),
	  N_("--before: they sign first and your task waits; --after: they sign after\n"
	     "you; --parallel: they sign alongside you. The step waits for them.") },
	{ "removesign", cmd_removesign, N_("removesign ID USER"), N_("remove a signer who has not acted (减签)"), NULL },
	{ "circulate", cmd_circulate, N_("circulate ID USER..."), N_("send for reading (传阅); never blocks"),
	  N_("One read item per person however often they are added.") },
	{ "read", cmd_read, N_("read ID [-m COMMENT]"), N_("mark a circulated item read (已阅)"), NULL },
	{ "urge", cmd_urge, N_("urge ID"), N_("remind the current handlers (催办)"), NULL },
	{ "terminate", cmd_terminate, N_("terminate ID [-m REASON]"), N_("stop a request (system administrators)"), NULL },
	{ "inbox", cmd_inbox, N_("inbox [--todo|--done|--mine|--toread] [--json]"),
	  N_("your tasks, decisions, requests or items to read"),
	  N_("--todo (the default, 待办): your pending tasks, your tasks waiting for a\n"
	     "signer you added before you or for your delegate (\"waiting for ...\"),\n"
	     "and your requests returned to you (\"to resubmit\": 'docket submit ID'),\n"
	     "in the order they arrived.\n"
	     "--done (已办): the tasks you decided, newest first. --mine (我的申请):\n"
	     "every request you started, drafts too, last changed first. --toread\n"
	     "(待阅): items circulated to you. Times are local; --json gives them in\n"
	     "ISO 8601 UTC.") },
	{ "show", cmd_show, N_("show ID [--json]"),
	  N_("one request: fields, current steps, tasks and the trail"), NULL },
	{ "print", cmd_print, N_("print ID --pdf FILE"),
	  N_("the request's 审批单 (approval form) as a PDF"),
	  N_("Writes the request's approval form: its fields, then the trail with\n"
	     "every opinion, who gave it and when, in a ruled A4 table (doc/print.md).\n"
	     "FILE is replaced atomically; a file or link planted next to it is never\n"
	     "written through. Who may `show` the request may print it.") },
	{ "opinions", cmd_opinions, N_("opinions [add TEXT|list] [--json]"), N_("your common opinions (常用意见)"), NULL },
	{ "standin", cmd_standin, N_("standin USER --from DATE --to DATE [--workflow WF] | standin list [--all] [--json] | standin cancel ID"),
	  N_("name, list or cancel a stand-in while you are away (代理)"),
	  N_("New tasks for you between the dates (inclusive, local) go to USER,\n"
	     "recorded as 'USER on behalf of you'. USER may be a name, WF a\n"
	     "workflow's id or name. list: the stand-ins not yet ended that you\n"
	     "named or that name you (--all: everyone's), each with its id; cancel\n"
	     "ID: it ends now (yours, or anyone's by a system administrator); tasks\n"
	     "already given to the stand-in stay theirs.") },
	{ "enrol", cmd_enrol, N_("enrol PERSON... | enrol --passphrases FILE | enrol CODE [--name NAME]"),
	  N_("give people keys (security administrator)"),
	  N_("Make each person an SM2 key, kept only encrypted under an initial\n"
	     "passphrase asked here twice (or taken from FILE: lines 'PERSON\n"
	     "PASSPHRASE', a file only you can read); they choose their own at their\n"
	     "first sign-in. Enrolling someone again replaces their key. In a new\n"
	     "store the security administrator enrols themselves first.") },
	{ "login", cmd_login, N_("login [--for MINUTES]"),
	  N_("sign in at the agent, so later commands need no passphrase"),
	  N_("Ask your passphrase on the terminal and hand your unlocked key to the\n"
	     "agent (started when needed) for the policy's session length or\n"
	     "MINUTES; it forgets it sooner when unused. See doc/security.md.") },
	{ "logout", cmd_logout, N_("logout [--all]"), N_("make the agent forget your key (or every key)"), NULL },
	{ "agent", cmd_agent, N_("agent start|stop|list [--json]"),
	  N_("the agent that signs for people who signed in (docket login)"),
	  N_("list: who is signed in there, until when. stop: forget every key and\n"
	     "stop. The agent listens on $DOCKET_AGENT, else\n"
	     "$XDG_RUNTIME_DIR/docket/agent.sock, else /tmp/docket-UID/agent.sock.") },
	{ "passwd", cmd_passwd, N_("passwd"), N_("change your passphrase"), NULL },
	{ "rekey", cmd_rekey, N_("rekey [--new-passphrase]"), N_("replace your key with a new one"),
	  N_("Make a new key pair, kept under your passphrase (or a new one, asked\n"
	     "twice, with --new-passphrase), and record the change signed by your old\n"
	     "key. From then on only the new key signs for you; what the old one\n"
	     "signed stays valid. If the agent held your old key, it gets the new one\n"
	     "for the rest of that sign-in.") },
	{ "unlock", cmd_unlock, N_("unlock PERSON"),
	  N_("lift a lock after failed sign-ins (security administrator)"), NULL },
	{ "revoke", cmd_revoke, N_("revoke PERSON|KEY-ID"),
	  N_("stop a key from signing (security administrator)"),
	  N_("What it signed before stays valid; the person needs a new key\n"
	     "(docket enrol) to act again.") },
	{ "policy", cmd_policy,
	  N_("policy [--min-length N] [--min-classes N] [--max-failures N] [--lock-minutes N] "
	     "[--idle-minutes N] [--session-minutes N]"),
	  N_("show or set the sign-in and passphrase policy (security administrator)"), NULL },
	{ "role", cmd_role, N_("role grant|revoke PERSON ROLE"),
	  N_("give a person a role, or take one away (security administrator)"),
	  N_("The organisation file says who holds which role; the security\n"
	     "administrator changes that here, recorded and signed. A role granted\n"
	     "counts for every step that starts from now on, in running requests\n"
	     "too; revoke also takes away a role the file gives. The\n"
	     "administrators' own roles (sysadmin, secadmin, auditadmin) are the\n"
	     "file's alone, and an administrator is given no other role.\n"
	     "A grant outlives a new organisation file while the role exists.") },
	{ "roles", cmd_roles, N_("roles [PERSON] [--json]"),
	  N_("who holds which role: the organisation file's, granted (+), taken away (-)"), NULL },
	{ "audit", cmd_audit, N_("audit [--person ID] [--kind TYPE] [--since DAY] [--until DAY] [--verify] [--json]"),
	  N_("read the audit trail: who did what, when, from where (audit administrator)"),
	  N_("Every event of the log, oldest first: its time, who, what (--kind matches\n"
	     "the start of the type: signin, person, task ...), what it concerns, where\n"
	     "it was done from, and a check mark when it is signed. --person matches\n"
	     "who acted or whom it concerns. --verify also checks the chain and every\n"
	     "signature.") },
	{ "remote", cmd_remote, N_("remote [set URL [--ca FILE] [--proxy URL|--no-proxy]] [--json]"),
	  N_("show or set the extranet server this terminal syncs with"),
	  N_("URL is http://HOST:PORT or https://HOST:PORT; --ca FILE is the CA\n"
	     "certificate that signed the server's (else the system's are trusted).\n"
	     "--proxy URL: reach the server through this proxy; --no-proxy: directly,\n"
	     "whatever the environment says; neither: the environment's (https_proxy,\n"
	     "no_proxy). Then `docket enrol CODE` with the code the administrator gave.") },
	{ "sync", cmd_sync, N_("sync [--status | --discard UUID] [--json]"),
	  N_("send this terminal's actions to the server, then fetch the others'"),
	  N_("Pushes the actions not yet on the server, oldest first, then pulls what\n"
	     "the server has that this terminal lacks. An action the server rejects\n"
	     "(someone else decided first) is kept and listed by --status with its\n"
	     "reason; nothing is ever dropped. --discard UUID: its author gives one up\n"
	     "(recorded, who and when). The proxy is the remote's (docket remote set\n"
	     "--proxy), else the environment's. A terminal clock more than 5 minutes\n"
	     "from the server's is warned about (the server's order decides).") },
	{ "check", cmd_check, N_("check [--repair] [--json]"),
	  N_("verify the event log and that replaying it gives the same state"), NULL },
	{ "migrate", cmd_migrate,
	  N_("migrate WORKFLOW --to VERSION --map OLD=NEW... [--instance ID...] [--dry-run] [--json]"),
	  N_("move running requests to another deployed version (administrators)"),
	  N_("VERSION is a prefix of the version's hash (see 'docket definitions --all').\n"
	     "Every step a request is at must be mapped (--map OLD=NEW, once per step);\n"
	     "when one request cannot move, nothing moves. --dry-run shows the plan.") },
	{ "tick", cmd_tick, N_("tick"), N_("process reminders and deadlines due now"),
	  N_("Every command does this first; run it from cron for unattended stores.") },
	{ "doc", cmd_doc,
	  N_("doc new|edit|show|log|diff|attach|detach|restore|export|search|list [ARGS...] [--json]"),
	  N_("official documents with their full history (in git)"),
	  N_("doc new [--type T] [--title T] [--body-file F|-] [--instance ID] [--ELEMENT V...]\n"
	     "doc edit ID [--title T] [--urgency U] [--body-file F] ...  (no flags: $VISUAL/$EDITOR)\n"
	     "doc show ID[@REV]           doc log ID\n"
	     "doc diff ID [REV [REV]] [--side-by-side] [--color=always|never|auto] [--width N]\n"
	     "doc attach ID FILE... [--name NAME]    doc detach ID NAME\n"
	     "doc restore ID REV          doc export ID[@REV] [--dir D | --text F | --pdf F]\n"
	     "doc search QUERY... [--limit N]        doc list [--instance ID]\n"
	     "doc signoff ID [REV]\n"
	     "IDs may be shortened to a unique prefix; REV is rN or a commit id prefix.\n"
	     "Elements: --copy-no --urgency --organ --number --signer --title --recipients\n"
	     "--attachment-list --signature --date --seal --note --cc --printer --print-date.\n"
	     "Content carrying a classification marking (绝密, 机密, 秘密, ★) is refused\n"
	     "and the attempt is recorded. You read only the documents of requests you are\n"
	     "involved in; they change and are signed off only by whom the request's steps\n"
	     "name (doc/security.md). See doc/documents.md.") },
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
	/* messages echo arguments and stored text: shown escaped (utf8_sanitize_n) */
	va_list ap;
	struct buf m = BUF_INIT;
	va_start(ap, fmt);
	buf_vaddf(&m, fmt, ap);
	va_end(ap);
	fputs("docket: ", stderr);
	utf8_fputs_safe(m.s, UTF8_KEEP_NL | UTF8_KEEP_TAB, stderr);
	fputc('\n', stderr);
	buf_release(&m);
}

/*
 * `docket VERB --help` anywhere among its arguments, or `docket VERB -h`
 * alone (as git reads -h: a lone one cannot be an option's value), is
 * `docket help VERB`.
 */
static int asks_help(const struct cli *c)
{
	if (c->argc == 2 && !strcmp(c->argv[1], "-h"))
		return 1;
	for (int k = 1; k < c->argc; k++) {
		if (!strcmp(c->argv[k], "--"))
			break;
		if (!strcmp(c->argv[k], "--help"))
			return 1;
	}
	return 0;
}

/*
 * --uuid UUID: the event the verb's one action is recorded as. Run again
 * with the same UUID (a script retrying after a crash or a timeout), the
 * action is applied once: the second run does nothing and reports what the
 * first did. Only verbs that make exactly one action take it.
 */
static int take_uuid(struct cli *c, const struct verb *v)
{
	int w = 1, found = 0, rest = 0;
	for (int i = 1; i < c->argc; i++) {
		rest |= !strcmp(c->argv[i], "--");
		if (rest || found || strcmp(c->argv[i], "--uuid")) {
			c->argv[w++] = c->argv[i];
			continue;
		}
		found = 1;
		if (i + 1 >= c->argc) {
			cli_error("%s", _("--uuid needs a UUID"));
			return EXIT_USAGE;
		}
		c->uuid = c->argv[++i];
	}
	c->argc = w;
	if (!found)
		return 0;
	/* the verbs of the engine's action table that make one action (actions.def) */
	const struct engine_action *a = engine_action_by_verb(v->name);
	if (!a || !(a->checks & ENG_BY_PERSON) || (a->checks & ENG_BATCH)) {
		cli_error(_("'%s' takes no --uuid: it does not make one action"), v->name);
		return EXIT_USAGE;
	}
	if (!uuid_valid(c->uuid)) {
		cli_error(_("'%s' is not a UUID (8-4-4-4-12 lowercase hex digits, as uuidgen prints)"), c->uuid);
		return EXIT_USAGE;
	}
	return 0;
}

static int verb_help(struct cli *c, const struct verb *v)
{
	const char *argv[] = { "help", v->name, NULL };
	c->argc = 2;
	c->argv = (char **)argv;
	return cmd_help(c);
}

static void usage_line(FILE *out)
{
	fprintf(out, _("usage: docket [-C DIR] [-u USER] [--json] VERB [ARGS...]\n"));
}

/*
 * Run the TUI when we are on a terminal, otherwise explain. The TUI proves
 * who acts itself: the agent, else its sign-in screen (src/tui/signin.c).
 */
static int run_tui(struct cli *c)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		usage_line(stderr);
		cli_error("%s", _("no verb given and not on a terminal (try 'docket help')"));
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
	/* a clock docket cannot use is a usage error up front, not a failure halfway through */
	if (i >= argc || (strcmp(argv[i], "help") && strcmp(argv[i], "version"))) {
		struct buf err = BUF_INIT;
		if (clock_env_check(&err) < 0) {
			cli_error("%s", err.s);
			buf_release(&err);
			free(c.store_dir_owned);
			return EXIT_USAGE;
		}
	}
	/* a `:` command of the TUI: the session it lends, read and its pipe closed at once */
	struct buf lent = BUF_INIT;
	if (signin_lent_read(&lent))
		c.lent = &lent;
	int rc;
	/* -u 王芳: a unique display name stands for the person's id (not for help, version, init) */
	if (i >= argc || (strcmp(argv[i], "help") && strcmp(argv[i], "version") && strcmp(argv[i], "init"))) {
		rc = cli_resolve_user(&c);
	} else {
		rc = EXIT_OK;
	}
	if (rc != EXIT_OK) {
		/* nothing runs */
	} else if (i >= argc) {
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
			if (asks_help(&c))
				rc = verb_help(&c, v);
			else if ((rc = take_uuid(&c, v)) == 0)
				rc = v->run(&c);
		}
	}
	free(c.store_dir_owned);
	free(c.user_owned);
	sm2key_wipe(lent.s, lent.len);
	buf_release(&lent);
	return rc;
}
