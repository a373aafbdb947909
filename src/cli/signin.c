/*
 * signin: the command line proves who acts before it acts.
 *
 * `-u USER` names a person; this makes it true or refuses. The person's
 * key signs through the agent when they signed in there (docket login),
 * else their passphrase is asked on the terminal (never read from a pipe,
 * an argument or the environment) and their key opened for this one
 * command. The rules and what is recorded are src/signin's, which the TUI's
 * sign-in screen shares: a locked account is refused before any passphrase
 * is asked; a wrong passphrase is recorded as a failed sign-in and counts
 * towards the lock; an initial passphrase must be changed first (docket
 * passwd). While the store is in its setup phase (no one has a key yet)
 * nothing can be signed, and only the verbs that set a store up run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/agent.h"
#include "../auth/auth.h"
#include "../auth/prompt.h"
#include "../defs/org.h"
#include "../engine/engine.h"
#include "../signin/signin.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/i18n.h"
#include "cli.h"

/* A sign-in status as an exit code, with its message printed. */
static int refuse(int status, struct buf *err)
{
	cli_error("%s", err->s);
	buf_release(err);
	return status == SIGNIN_ERR ? EXIT_STORE : EXIT_DENIED;
}

int cli_open_session(struct cli *c, struct store *s, struct engine *e, const char *person, int for_passwd,
		     struct auth_session **out)
{
	(void)c;
	*out = NULL;
	struct buf err = BUF_INIT, pass = BUF_INIT, prompt = BUF_INIT;
	/* a locked account is not asked (the attempt is recorded) */
	int rc = signin_try_locked(s, e, person, &err);
	if (rc)
		return refuse(rc < 0 ? SIGNIN_ERR : SIGNIN_LOCKED, &err);
	buf_addf(&prompt, _("Passphrase for %s: "), person);
	rc = prompt_passphrase(prompt.s, &pass, &err);
	buf_release(&prompt);
	if (rc < 0)
		return refuse(SIGNIN_DENIED, &err);
	rc = signin_open(s, e, person, pass.s, pass.len, out, &err);
	prompt_forget(&pass);
	if (rc == SIGNIN_MUST_CHANGE && !for_passwd) {
		auth_session_free(*out);
		*out = NULL;
		buf_reset(&err);
		buf_addf(&err, _("'%s' still has the initial passphrase: choose your own first (docket -u %s passwd)"),
			 person, person);
		return refuse(SIGNIN_DENIED, &err);
	}
	if (rc < 0 && rc != SIGNIN_MUST_CHANGE)
		return refuse(rc, &err);
	buf_release(&err);
	return EXIT_OK;
}

int cli_sign_in(struct cli *c, struct store *s, struct engine *e, unsigned flags, struct auth_session **out)
{
	*out = NULL;
	struct buf err = BUF_INIT, where = BUF_INIT;
	/* every event made here says where from */
	signin_terminal(&where);
	engine_set_terminal(e, where.s);
	buf_release(&where);
	int any = auth_any_key(s);
	if (any < 0) {
		cli_error("%s", store_error(s));
		return EXIT_STORE;
	}
	if (!any) {
		if (flags & CLI_SETUP_OK)
			return EXIT_OK; /* the setup phase: unsigned, nobody to sign */
		cli_error("%s", _("no one has a key in this store yet: its security administrator enrols "
				  "themselves first (docket -u ID enrol ID), then everyone else"));
		return EXIT_DENIED;
	}
	if (!c->user) {
		cli_error("%s", _("no user: give -u USER or set DOCKET_USER"));
		return EXIT_USAGE;
	}
	/* someone the organisation does not have is told so, before keys come up */
	const struct org *o = engine_org(e);
	if (o && !org_user(o, c->user)) {
		cli_error(_("no user '%s' in the deployed organisation"), c->user);
		return EXIT_INVALID;
	}
	int rc = signin_has_key(s, c->user, &err);
	if (rc < 0)
		return refuse(rc, &err);
	/* a `:` command of the TUI: its session, lent for this one command */
	if (c->lent && (rc = signin_lent_session(s, c->user, c->lent, out, &err)) != 0) {
		if (rc < 0)
			return refuse(SIGNIN_ERR, &err);
		auth_use_session(s, *out);
		buf_release(&err);
		return EXIT_OK;
	}
	/* signed in at the agent? */
	struct agent_conn *ac = NULL;
	rc = signin_agent(s, c->user, out, &ac, &err);
	if (rc < 0) {
		/* a socket someone else may have planted: said, and the passphrase asked instead */
		cli_error("%s", err.s);
		buf_reset(&err);
	}
	if (rc > 0) {
		if ((rc = signin_locked(s, c->user, NULL, &err)) != 0) {
			auth_session_free(*out);
			*out = NULL;
			agent_close(ac);
			return refuse(rc < 0 ? SIGNIN_ERR : SIGNIN_LOCKED, &err);
		}
		c->agent = ac;
		auth_use_session(s, *out);
		buf_release(&err);
		return EXIT_OK;
	}
	/* else the passphrase, at a terminal */
	if ((rc = cli_open_session(c, s, e, c->user, 0, out)) != EXIT_OK) {
		buf_release(&err);
		return rc;
	}
	auth_use_session(s, *out);
	if (signin_record(e, c->user, "prompt", 0, &err) < 0) {
		auth_use_session(s, NULL);
		auth_session_free(*out);
		*out = NULL;
		cli_error("%s", err.s);
		buf_release(&err);
		return EXIT_STORE;
	}
	buf_release(&err);
	return EXIT_OK;
}

void cli_sign_out(struct cli *c, struct store *s, struct auth_session *a)
{
	if (s)
		auth_use_session(s, NULL);
	auth_session_free(a);
	agent_close(c->agent);
	c->agent = NULL;
}
