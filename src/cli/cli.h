/*
 * cli: the docket command line — global options, the verb table, and the
 * helpers verbs share (opening the store, printing JSON).
 *
 * Front end only: verbs parse arguments, call the core library and print.
 * Every rule lives below src/cli/.
 *
 * Exit codes (documented in doc/cli.md and docket(1)):
 */
#ifndef DOCKET_CLI_H
#define DOCKET_CLI_H

#include <jansson.h>

#include "../engine/engine.h"

struct store;

enum exit_code {
	EXIT_OK = 0,        /* success */
	EXIT_INVALID = 1,   /* bad definitions, or an action the rules refuse */
	EXIT_USAGE = 2,     /* wrong command line */
	EXIT_STORE = 3,     /* the store cannot be used (missing, busy, read-only, full, damaged, newer) */
	EXIT_INTERNAL = 4,  /* a bug or an unexpected system failure */
	EXIT_DENIED = 5,    /* who acts is not proven: not signed in, wrong passphrase, locked; a revoked device */
	EXIT_SYNC = 6       /* the server cannot be reached, is not trusted, or failed (docket sync) */
};

struct cli {
	const char *store_dir; /* -C DIR, $DOCKET_STORE, or the default; never NULL after setup */
	char *store_dir_owned; /* the default dir when we computed it */
	const char *user;      /* -u USER, $DOCKET_USER, or NULL; an id once cli_resolve_user ran */
	char *user_owned;      /* the id a display name given as USER resolved to */
	int json;              /* --json */
	const char *uuid;      /* --uuid: the action's event UUID (a retry applies it once), or NULL */
	int argc;              /* the verb's arguments (argv[0] is the verb) */
	char **argv;
	struct agent_conn *agent; /* the agent signing for the user (cli_sign_in), or NULL */
	struct buf *lent;      /* the TUI's session lent to its `:` command (signin_lent_read), or NULL */
	int reading;           /* the verb only reads: on read-only media it opens the store for reading */
};

struct auth_session;
struct engine;
struct sm2key;

/* cli_sign_in: the verb may run unsigned while the store has no key (deploy, enrol). */
#define CLI_SETUP_OK 0x1u
/*
 * Prove that c->user acts (signin.c): their key through the agent, else
 * their passphrase asked on the terminal. On success every event the
 * store appends is signed as them (*out: release with cli_sign_out; NULL
 * in the setup phase). Otherwise the reason is printed and the exit code
 * returned (EXIT_DENIED when who acts is not proven).
 */
int cli_sign_in(struct cli *c, struct store *s, struct engine *e, unsigned flags, struct auth_session **out);
void cli_sign_out(struct cli *c, struct store *s, struct auth_session *a);
/*
 * Ask `person`'s passphrase on the terminal and open their key (src/signin:
 * a locked account is refused before asking, a failed attempt recorded):
 * *out is a session with the key, not yet in use and no sign-in recorded.
 * An initial passphrase is refused unless for_passwd (then the caller
 * replaces it). An exit code, with the refusal printed.
 */
int cli_open_session(struct cli *c, struct store *s, struct engine *e, const char *person, int for_passwd,
		     struct auth_session **out);

struct verb {
	const char *name;
	int (*run)(struct cli *c);
	const char *usage;   /* "lint [PATH...]" */
	const char *summary; /* one line, translated at print time */
	const char *help;    /* paragraph(s), translated at print time */
};

extern const struct verb verbs[];
const struct verb *verb_find(const char *name);

/*
 * -u 王芳: a person's display name where their id is expected. When USER
 * is not an id (ids are ASCII slugs) and exactly one person of the
 * deployed organisation has that name, c->user becomes their id; several
 * people of that name are refused with their ids listed (EXIT_INVALID);
 * otherwise nothing changes (the verb says there is no such user).
 */
int cli_resolve_user(struct cli *c);
/*
 * For a reading verb (c->reading): 1 when the store is on read-only media
 * (store_media_readonly), after a note on stderr that nothing is recorded
 * (timers not run, reads not logged); the verb then opens it for reading.
 */
int cli_reading_readonly(struct cli *c);
/* Open the store for a verb; on failure print the message and return the exit code. */
int cli_open_store(struct cli *c, int readonly, struct store **out);
/* Map a STORE_* status to an exit code. */
int cli_store_exit(int status);
/* The exit for an error passed on as STORE_ERR with message msg: EXIT_STORE
 * when the store's last failure (its message inside msg) was the machine's
 * (out of memory, a disk error or a full disk, busy), else EXIT_INTERNAL. */
int cli_failure_exit(struct store *s, const char *msg);
/* Print a JSON value on stdout (pretty, UTF-8 unescaped) and free it. */
void cli_print_json(json_t *v);
/* Print "docket: MESSAGE" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Take the first "OPT VALUE" (or "ALT VALUE") out of the arguments: the value, or NULL. */
const char *cli_take_opt(struct cli *c, const char *opt, const char *alt);
/* Pull a flag like "--all" or "--json" out of the verb's arguments; 1 if found. */
int cli_take_flag(struct cli *c, const char *flag);
/* Reject any remaining "-x" option; returns 0 or prints usage and returns -1. */
int cli_no_options(struct cli *c);

/*
 * The text of `docket inbox` (rows of engine_inbox) and `docket show` (an
 * engine_show object, named by the definitions request runs on through e);
 * request_text.c, doc/cli.md shows both.
 */
void cli_print_inbox(const json_t *rows, enum inbox_kind k);
void cli_print_request(struct engine *e, const json_t *show);

int cmd_help(struct cli *c);
int cmd_version(struct cli *c);
int cmd_init(struct cli *c);
int cmd_lint(struct cli *c);
int cmd_deploy(struct cli *c);
int cmd_definitions(struct cli *c);
/* approval verbs (cmd_engine.c) */
int cmd_new(struct cli *c);
int cmd_submit(struct cli *c);
int cmd_edit(struct cli *c);
int cmd_approve(struct cli *c);
int cmd_reject(struct cli *c);
int cmd_return(struct cli *c);
int cmd_withdraw(struct cli *c);
int cmd_takeback(struct cli *c);
int cmd_transfer(struct cli *c);
int cmd_delegate(struct cli *c);
int cmd_addsign(struct cli *c);
int cmd_removesign(struct cli *c);
int cmd_circulate(struct cli *c);
int cmd_read(struct cli *c);
int cmd_urge(struct cli *c);
int cmd_terminate(struct cli *c);
int cmd_inbox(struct cli *c);
int cmd_show(struct cli *c);
int cmd_print(struct cli *c);
int cmd_opinions(struct cli *c);
int cmd_standin(struct cli *c);
int cmd_check(struct cli *c);
int cmd_migrate(struct cli *c);
int cmd_tick(struct cli *c);
int cmd_doc(struct cli *c);
int cmd_enrol(struct cli *c);
int cmd_login(struct cli *c);
int cmd_logout(struct cli *c);
int cmd_passwd(struct cli *c);
int cmd_rekey(struct cli *c);
int cmd_unlock(struct cli *c);
int cmd_revoke(struct cli *c);
int cmd_policy(struct cli *c);
int cmd_role(struct cli *c);
int cmd_roles(struct cli *c);
int cmd_agent(struct cli *c);
int cmd_audit(struct cli *c);
int cmd_remote(struct cli *c);
int cmd_sync(struct cli *c);
/* 1 if the argument has the shape of a device enrolment code (XXXX-XXXX-XXXX-XXXX). */
int cli_looks_like_enrol_code(const char *a);
/* `docket enrol CODE [--name NAME]`: this terminal becomes a device of the remote. */
int cli_enrol_device(struct cli *c, const char *code, const char *name);

/* An ISO 8601 time as people read it: local "YYYY-MM-DD HH:MM" ("-" when none or bad). */
void cli_local_time(const char *iso, char *out, size_t n);

/* Say how the verb is used (its usage line) on stderr; returns EXIT_USAGE. */
int cli_usage(struct cli *c);

#endif
