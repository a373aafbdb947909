/*
 * signin: the command line proves who acts before it acts.
 *
 * `-u USER` names a person; this makes it true or refuses. The person's
 * key signs through the agent when they signed in there (docket login),
 * else their passphrase is asked on the terminal (never read from a pipe,
 * an argument or the environment) and their key opened for this one
 * command. A locked account is refused before any passphrase is asked;
 * a wrong passphrase is recorded as a failed sign-in and counts towards
 * the lock; an initial passphrase must be changed first (docket passwd).
 * While the store is in its setup phase (no one has a key yet) nothing
 * can be signed, and only the verbs that set a store up run.
 */
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../auth/agent.h"
#include "../auth/auth.h"
#include "../auth/prompt.h"
#include "../auth/sm2key.h"
#include "../defs/org.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "cli.h"

void cli_terminal(struct buf *out)
{
	char host[HOST_NAME_MAX + 1] = "";
	if (gethostname(host, sizeof(host)))
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	const char *tty = ttyname(STDIN_FILENO);
	const struct passwd *pw = getpwuid(getuid());
	buf_addf(out, "%s %s %s", host, tty ? tty : "-", pw ? pw->pw_name : "?");
}

/* Record a failed sign-in of `person` (as the system: nobody's key proves it). */
static void record_failure(struct engine *e, const char *person, const char *why)
{
	json_t *p = json_object();
	struct buf where = BUF_INIT;
	cli_terminal(&where);
	json_object_set_new(p, "person", json_string(person));
	json_object_set_new(p, "terminal", json_string(where.s));
	json_object_set_new(p, "reason", json_string(why));
	buf_release(&where);
	/* the store signs as nobody here: a system event goes unsigned */
	if (engine_act(e, NULL, AUTH_EV_SIGNFAIL, "system", p, NULL) < 0)
		cli_error(_("the failed sign-in could not be recorded: %s"), engine_error(e));
	json_decref(p);
}

/* Record a sign-in that succeeded (signed with the key just opened). */
static int record_signin(struct engine *e, const char *person, const char *how)
{
	json_t *p = json_object();
	struct buf where = BUF_INIT;
	cli_terminal(&where);
	json_object_set_new(p, "terminal", json_string(where.s));
	json_object_set_new(p, "how", json_string(how));
	buf_release(&where);
	int rc = engine_act(e, NULL, AUTH_EV_SIGNIN, person, p, NULL);
	json_decref(p);
	if (rc < 0)
		cli_error("%s", engine_error(e));
	return rc < 0 ? rc : 0;
}

/* The agent's signer for a remote session. */
static int agent_signer(void *ctx, const char *person, const char *key_id, const char *text, size_t len,
			char **sig, struct buf *err)
{
	return agent_sign(ctx, person, key_id, text, len, sig, err);
}

/* Until when the account is locked (0: it is not), with the lock message printed. */
static int locked(struct store *s, const char *person)
{
	struct auth_account a;
	if (auth_account_get(s, person, &a) < 0) {
		cli_error("%s", store_error(s));
		return -1;
	}
	time_t now = clock_now();
	if (a.locked_until <= (int64_t)now)
		return 0;
	char when[64];
	struct tm tm;
	time_t until = (time_t)a.locked_until;
	localtime_r(&until, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	cli_error(_("the account of '%s' is locked until %s after too many failed sign-ins "
		    "(the security administrator can unlock it: docket unlock %s)"),
		  person, when, person);
	return 1;
}

int cli_unlock_key(struct cli *c, struct store *s, struct engine *e, const char *person, int for_passwd,
		   struct sm2key **out)
{
	*out = NULL;
	int rc = locked(s, person);
	if (rc > 0)
		record_failure(e, person, "account locked"); /* tried while locked: the trail says so */
	if (rc)
		return rc < 0 ? EXIT_STORE : EXIT_DENIED;
	struct buf pass = BUF_INIT, err = BUF_INIT, prompt = BUF_INIT;
	buf_addf(&prompt, _("Passphrase for %s: "), person);
	if (prompt_passphrase(prompt.s, &pass, &err) < 0) {
		cli_error("%s", err.s);
		buf_release(&err);
		buf_release(&prompt);
		return EXIT_DENIED;
	}
	buf_release(&prompt);
	char *path = auth_key_path(s, person);
	rc = sm2key_load(path, pass.s, pass.len, out, &err);
	prompt_forget(&pass);
	free(path);
	if (rc == SM2KEY_BADPASS || rc == SM2KEY_MISSING) {
		cli_error(rc == SM2KEY_BADPASS ? _("wrong passphrase for '%s'")
					       : _("'%s' has no key on this terminal (ask the security administrator)"),
			  person);
		record_failure(e, person, rc == SM2KEY_BADPASS ? "wrong passphrase" : "no key file");
		buf_release(&err);
		return EXIT_DENIED;
	}
	if (rc < 0) {
		cli_error("%s", err.s);
		buf_release(&err);
		return EXIT_DENIED;
	}
	buf_release(&err);
	struct auth_account a;
	if (!for_passwd && auth_account_get(s, person, &a) == 0 && a.must_change) {
		sm2key_free(*out);
		*out = NULL;
		cli_error(_("'%s' still has the initial passphrase: choose your own first (docket -u %s passwd)"),
			  person, person);
		return EXIT_DENIED;
	}
	(void)c;
	return EXIT_OK;
}

int cli_sign_in(struct cli *c, struct store *s, struct engine *e, unsigned flags, struct auth_session **out)
{
	*out = NULL;
	struct buf err = BUF_INIT;
	/* every event made here says where from */
	cli_terminal(&err);
	engine_set_terminal(e, err.s);
	buf_reset(&err);
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
	char *key_id = NULL;
	int rc = auth_current_key(s, c->user, &key_id, NULL);
	if (rc <= 0) {
		if (rc < 0)
			cli_error("%s", store_error(s));
		else
			cli_error(_("'%s' has no key in this store: the security administrator enrols people "
				    "(docket enrol %s)"),
				  c->user, c->user);
		return rc < 0 ? EXIT_STORE : EXIT_DENIED;
	}
	/* signed in at the agent? */
	struct agent_conn *ac = NULL;
	int held = 0;
	rc = agent_connect(&ac, &err);
	if (rc == AGENT_OK) {
		struct agent_key *keys = NULL;
		size_t n = 0;
		if (agent_list(ac, &keys, &n, &err) == 0)
			for (size_t i = 0; i < n; i++)
				held |= !strcmp(keys[i].person, c->user) && !strcmp(keys[i].key_id, key_id);
		agent_keys_free(keys, n);
		if (!held) {
			agent_close(ac);
			ac = NULL;
		}
	} else if (rc == AGENT_UNSAFE) {
		/* a socket someone else could have planted is never used */
		cli_error("%s", err.s);
	}
	free(key_id);
	buf_reset(&err);
	if (held > 0) {
		if (locked(s, c->user)) {
			agent_close(ac);
			return EXIT_DENIED;
		}
		if (auth_session_remote(s, c->user, agent_signer, ac, out, &err) < 0) {
			cli_error("%s", err.s);
			buf_release(&err);
			agent_close(ac);
			return EXIT_DENIED;
		}
		c->agent = ac;
		auth_use_session(s, *out);
		return EXIT_OK;
	}
	/* else the passphrase, at a terminal */
	struct sm2key *k = NULL;
	if ((rc = cli_unlock_key(c, s, e, c->user, 0, &k)) != EXIT_OK)
		return rc;
	if (auth_session_from_key(s, c->user, k, out, &err) < 0) {
		cli_error("%s", err.s);
		buf_release(&err);
		record_failure(e, c->user, "key not enrolled here");
		return EXIT_DENIED;
	}
	auth_use_session(s, *out);
	if (record_signin(e, c->user, "prompt") < 0) {
		auth_use_session(s, NULL);
		auth_session_free(*out);
		*out = NULL;
		return EXIT_STORE;
	}
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
