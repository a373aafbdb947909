/*
 * signin: who acts in the TUI — the sign-in screen, the replacement of an
 * initial passphrase, the idle lock and the switch of person (view.h).
 *
 * The rules and what is recorded are src/signin's, the command line's
 * too: a locked account is refused before its key is opened, a wrong
 * passphrase is recorded as the system's failed sign-in, a passphrase
 * that opens the key is a sign-in signed by the person ("how": "tui", or
 * "unlock" at the lock). A person whose current key the agent holds signs
 * in without a passphrase, as on the command line.
 *
 * The screen is a dialog over a cover (struct tui's `cover`: a title bar,
 * the store and the time, nothing of anyone's work), so the lock hides
 * the views and any half-filled dialog without closing them: the loop
 * that was reading keys draws them again once the lock is gone.
 * Passphrases are typed into secret editors (edit_secret) and wiped as
 * soon as they have been tried.
 */
#include <curses.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "view.h"
#include "widget.h"
#include "../auth/agent.h"
#include "../auth/auth.h"
#include "../defs/org.h"
#include "../engine/engine.h"
#include "../signin/signin.h"
#include "../store/store.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"

/* The passphrase of every person in the demo store (tests/demo-store.sh). */
#define DEMO_PASSPHRASE "Demo-2026"

/* Most characters in a passphrase field: prompt.h's PROMPT_MAX bytes hold 256 of any kind. */
#define PASS_MAX_CHARS 256

/* Most characters in the user field (an id or a name). */
#define USER_MAX_CHARS 64

/* Is this a demonstration store (`docket init --demo`), whose sign-in shows the demo passphrase? */
static int demo_store(struct store *s)
{
	return store_kind(s) == STORE_KIND_DEMO;
}

long tui_uptime(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) && clock_gettime(CLOCK_MONOTONIC, &ts))
		return 0;
	return (long)ts.tv_sec;
}

int tui_idle_seconds(struct tui *t)
{
	/* a test clock may shorten the lock to seconds; a real one never */
	const char *v = getenv("DOCKET_IDLE_SECONDS");
	if (v && *v && clock_is_fixed()) {
		char *end;
		long n = strtol(v, &end, 10);
		if (!*end && n > 0 && n <= 7L * 24 * 3600)
			return (int)n;
	}
	struct auth_policy p;
	if (auth_policy_get(t->store, &p) < 0)
		p = AUTH_POLICY_DEFAULT;
	return p.idle_minutes * 60;
}

void tui_sign_out(struct tui *t)
{
	if (t->session)
		auth_use_session(t->store, NULL);
	auth_session_free(t->session);
	t->session = NULL;
	agent_close(t->agent);
	t->agent = NULL;
	t->idle_secs = 0;
}

/* From now on `person` acts, signing with session a (through the agent conn c, or NULL); both taken over. */
static void adopt(struct tui *t, const char *person, struct auth_session *a, struct agent_conn *c)
{
	char *who = xstrdup(person);
	tui_sign_out(t);
	t->session = a;
	t->agent = c;
	auth_use_session(t->store, a);
	free(t->user);
	t->user = who;
	t->idle_secs = tui_idle_seconds(t);
	t->last_key = tui_uptime();
}

/* The verbs' exit codes (doc/cli.md) that tui_run may return before the screen opens. */
enum { TUI_EXIT_USAGE = 2, TUI_EXIT_STORE = 3, TUI_EXIT_DENIED = 5 };

/* Print a message before the screen opens, as the verbs do. */
static int refuse(int code, const char *msg)
{
	fprintf(stderr, "docket: %s\n", msg);
	return code;
}

int tui_signin_begin(struct tui *t)
{
	t->demo = demo_store(t->store);
	/* every event made here says where from, as on the command line */
	struct buf where = BUF_INIT;
	signin_terminal(&where);
	engine_set_terminal(t->engine, where.s);
	buf_release(&where);
	int any = auth_any_key(t->store);
	if (any < 0)
		return refuse(TUI_EXIT_STORE, store_error(t->store));
	if (!any) {
		/* the setup phase: with an organisation nothing can be signed; without, an empty inbox */
		if (engine_org(t->engine))
			return refuse(TUI_EXIT_DENIED, _("no one has a key in this store yet: its security administrator enrols "
					   "themselves first (docket -u ID enrol ID), then everyone else"));
		if (!t->user)
			return refuse(TUI_EXIT_USAGE, _("no user: give -u USER or set DOCKET_USER"));
		return 0;
	}
	if (!t->user)
		return 1;
	struct auth_session *a = NULL;
	struct agent_conn *c = NULL;
	struct buf err = BUF_INIT;
	int rc = signin_agent(t->store, t->user, &a, &c, &err);
	if (rc > 0) {
		if (!signin_locked(t->store, t->user, NULL, &err)) {
			adopt(t, t->user, a, c);
			buf_release(&err);
			return 0;
		}
		auth_session_free(a);
		agent_close(c);
	} else if (rc < 0) {
		/* the agent's socket refused: said on the sign-in screen */
		tui_message(t, 1, "%s", err.s);
	}
	buf_release(&err);
	return 1;
}

/* ---- the screen ---- */

/* The sign-in in progress. */
struct sin {
	struct tui *t;
	enum tui_signin_mode mode;
	size_t f_user;             /* the user field, or SIZE_MAX at the lock (the person is fixed) */
	size_t f_pass;             /* the passphrase field */
	struct buf user;           /* what the user field holds, kept between rounds */
	struct buf note;           /* said above the fields: why the last try failed at length */
	char *person;              /* who is signing in (an id), once known */
	struct auth_session *got;  /* their session, once proven; owned until adopted */
	struct agent_conn *conn;   /* the agent signing for `got`, or NULL */
	int must_change;           /* got's passphrase is an initial one: replace it first */
	int locked_out;            /* at the lock: the account locked itself, only quitting remains */
};

/* The text above the fields: what the screen is for, the demo hint, the last note. */
static void signin_text(struct sin *x, struct buf *out)
{
	struct tui *t = x->t;
	if (x->mode == TUI_SIGNIN_UNLOCK && auth_session_stale(t->session))
		buf_addf(out, _("Your sign-in has ended: the agent no longer holds your key, or your key was "
				"replaced or revoked. What was on the screen is kept. %s (%s): your passphrase signs "
				"you in again."),
			 tui_user_name(t, t->user), t->user);
	else if (x->mode == TUI_SIGNIN_UNLOCK)
		buf_addf(out, _("The screen locked after a while without a key; what was on it is kept. "
				"%s (%s): your passphrase unlocks it."),
			 tui_user_name(t, t->user), t->user);
	else if (x->mode == TUI_SIGNIN_SWITCH)
		buf_adds(out, _("Sign in as someone else: their id or name, and their passphrase (none is "
				"needed when the agent holds their key)."));
	else
		buf_adds(out, _("Your id or your name, and your passphrase."));
	if (t->demo && x->mode != TUI_SIGNIN_UNLOCK) {
		buf_addch(out, '\n');
		buf_addf(out, _("demo passphrase: %s"), DEMO_PASSPHRASE);
	}
	if (x->note.len) {
		buf_adds(out, "\n\n");
		buf_adds(out, x->note.s);
	}
}

/* Forget a session proven but not adopted. */
static void drop_got(struct sin *x)
{
	auth_session_free(x->got);
	x->got = NULL;
	agent_close(x->conn);
	x->conn = NULL;
	x->must_change = 0;
}

/*
 * Record the sign-in of x->person, signed by x->got: the store signs as
 * them from here on (a failure puts the previous session back). 0, or -1
 * with the message in err.
 */
static int record(struct sin *x, struct buf *err)
{
	struct tui *t = x->t;
	auth_use_session(t->store, x->got);
	if (signin_record(t->engine, x->person, x->mode == TUI_SIGNIN_UNLOCK ? "unlock" : "tui", 0, err) < 0) {
		auth_use_session(t->store, t->session);
		return -1;
	}
	return 0;
}

/*
 * The account is locked (msg says until when, at length, above the
 * fields): at the lock only quitting remains; on the sign-in screen
 * someone else may still sign in.
 */
static void locked(struct sin *x, struct dialog *d, size_t field, const struct buf *msg)
{
	buf_reset(&x->note);
	buf_adds(&x->note, msg->s);
	if (x->mode == TUI_SIGNIN_UNLOCK)
		x->locked_out = 1; /* no field's message: the dialog closes, locked_out() says it */
	else
		dialog_error(d, field, "%s", _("this account is locked"));
}

/*
 * The sign-in dialog's OK: find the person, then the agent or the
 * passphrase. Anything wrong is left as a field's message, which keeps
 * the dialog open; the passphrase is wiped whatever happens.
 */
static int validate_signin(struct dialog *d, void *ctx)
{
	struct sin *x = ctx;
	struct tui *t = x->t;
	struct dialog_field *pf = &d->fields[x->f_pass];
	size_t f_who = x->f_user != SIZE_MAX ? x->f_user : x->f_pass;
	struct buf err = BUF_INIT, agent_note = BUF_INIT;
	buf_reset(&x->note);
	free(x->person);
	x->person = NULL;
	if (x->f_user != SIZE_MAX) {
		const char *typed = dialog_value(d, x->f_user);
		buf_reset(&x->user);
		buf_adds(&x->user, typed);
		if (d->fields[x->f_user].msg.len)
			goto out; /* required */
		x->person = tui_user_id(t, typed);
		if (!x->person) {
			dialog_error(d, x->f_user, _("no user '%s' in the deployed organisation"), typed);
			goto out;
		}
	} else {
		x->person = xstrdup(t->user);
	}
	int rc = signin_has_key(t->store, x->person, &err);
	if (rc < 0) {
		dialog_error(d, f_who, "%s", err.s);
		goto out;
	}
	/* a locked account is not asked (the attempt is recorded, as on the command line) */
	rc = signin_try_locked(t->store, t->engine, x->person, &err);
	if (rc) {
		if (rc > 0)
			locked(x, d, f_who, &err);
		else
			dialog_error(d, f_who, "%s", err.s);
		goto out;
	}
	if (x->mode != TUI_SIGNIN_UNLOCK) {
		/* signed in at the agent: no passphrase, as on the command line */
		rc = signin_agent(t->store, x->person, &x->got, &x->conn, &err);
		if (rc > 0)
			goto out;
		if (rc < 0)
			buf_adds(&agent_note, err.s);
		buf_reset(&err);
	}
	if (!pf->edit.text.len) {
		dialog_error(d, x->f_pass, "%s", agent_note.len ? agent_note.s : _("required"));
		goto out;
	}
	rc = signin_open(t->store, t->engine, x->person, pf->edit.text.s, pf->edit.text.len, &x->got, &err);
	if (rc == SIGNIN_MUST_CHANGE) {
		x->must_change = 1;
	} else if (rc == SIGNIN_OK) {
		if (record(x, &err) < 0) {
			drop_got(x);
			dialog_error(d, x->f_pass, "%s", err.s);
		}
	} else {
		struct buf why = BUF_INIT;
		/* that may have been the failure that locks the account */
		if (signin_locked(t->store, x->person, NULL, &why) > 0)
			locked(x, d, f_who, &why);
		else
			dialog_error(d, x->f_pass, "%s", err.s);
		buf_release(&why);
	}
out:
	edit_set(&pf->edit, "");
	/* the note may have changed (a lock, said at length) */
	buf_reset(&d->text);
	signin_text(x, &d->text);
	buf_release(&err);
	buf_release(&agent_note);
	return 0;
}

/* The sign-in (or lock) dialog for this round. */
static void signin_dialog(struct sin *x, struct dialog *d)
{
	static const char *const titles[] = { N_("Sign in"), N_("Switch person"), N_("Locked") };
	dialog_init(d, _(titles[x->mode]));
	d->enter_ok = 1; /* a person the agent holds needs no passphrase: Enter signs in */
	signin_text(x, &d->text);
	if (x->mode == TUI_SIGNIN_UNLOCK) {
		x->f_user = SIZE_MAX;
		x->f_pass = dialog_add_secret(d, _("Passphrase"), PASS_MAX_CHARS);
		dialog_buttons(d, _("Unlock"), _("Quit"));
	} else {
		x->f_user = dialog_add_text(d, _("User"), x->user.s, USER_MAX_CHARS, 1, 1);
		x->f_pass = dialog_add_secret(d, _("Passphrase"), PASS_MAX_CHARS);
		dialog_buttons(d, _("Sign in"), x->mode == TUI_SIGNIN_SWITCH ? _("Cancel") : _("Quit"));
		/* the user is known: straight to the passphrase */
		if (x->user.len)
			d->focus = x->f_pass;
	}
	d->validate = validate_signin;
	d->ctx = x;
}

/* The replacement dialog's OK: the two agree and the policy takes it; saved and recorded. */
static int validate_change(struct dialog *d, void *ctx)
{
	struct sin *x = ctx;
	struct tui *t = x->t;
	struct dialog_field *a = &d->fields[0], *b = &d->fields[1];
	if (a->msg.len || b->msg.len)
		goto out; /* required */
	if (strcmp(a->edit.text.s, b->edit.text.s)) {
		/* both are wiped: the message goes where typing starts again */
		dialog_error(d, 0, "%s", _("the two passphrases differ"));
		goto out;
	}
	struct buf err = BUF_INIT;
	/* the change is the person's own act: signed with the key it re-encrypts */
	auth_use_session(t->store, x->got);
	int rc = signin_set_passphrase(t->store, t->engine, x->person, auth_session_key(x->got), a->edit.text.s,
				       a->edit.text.len, &err);
	if (!rc)
		rc = record(x, &err);
	else
		auth_use_session(t->store, t->session);
	if (rc < 0)
		dialog_error(d, 0, "%s", err.s);
	buf_release(&err);
out:
	edit_set(&a->edit, "");
	edit_set(&b->edit, "");
	return 0;
}

/* An initial passphrase opened the key: the person chooses their own. 1 when done, 0 when cancelled. */
static int change_initial(struct sin *x)
{
	struct tui *t = x->t;
	struct auth_policy pol;
	if (auth_policy_get(t->store, &pol) < 0)
		pol = AUTH_POLICY_DEFAULT;
	struct dialog d;
	dialog_init(&d, _("Choose your passphrase"));
	buf_addf(&d.text,
		 _("%s (%s) still has the initial passphrase: choose your own now. At least %d characters, "
		   "mixing %d of: lower case, upper case, digits, other characters (Chinese too)."),
		 tui_user_name(t, x->person), x->person, pol.min_length, pol.min_classes);
	size_t i = dialog_add_secret(&d, _("New passphrase"), PASS_MAX_CHARS);
	d.fields[i].required = 1;
	i = dialog_add_secret(&d, _("Repeat it"), PASS_MAX_CHARS);
	d.fields[i].required = 1;
	d.validate = validate_change;
	d.ctx = x;
	int done = dialog_run(t, &d) == DIALOG_OK;
	dialog_release(&d);
	return done;
}

/* The lock found the account locked: say until when; quitting is all that is left. */
static void locked_out(struct sin *x)
{
	struct dialog d;
	dialog_init(&d, _("Locked"));
	buf_adds(&d.text, x->note.s);
	dialog_buttons(&d, _("Quit"), "");
	dialog_run(x->t, &d);
	dialog_release(&d);
}

int tui_signin(struct tui *t, enum tui_signin_mode mode)
{
	struct sin x;
	memset(&x, 0, sizeof(x));
	x.t = t;
	x.mode = mode;
	buf_init(&x.user);
	buf_init(&x.note);
	if (mode == TUI_SIGNIN_START) {
		if (t->user) {
			/* the person named on the command line, as people know them: by name (the id for a twin) */
			const struct org *o = tui_org(t, NULL);
			const char *ref = t->user;
			for (size_t i = 0; o && i < o->nusers; i++)
				if (!strcmp(o->users[i].id, t->user))
					ref = tui_user_ref(o, i);
			buf_adds(&x.user, ref);
		}
		/* what tui_signin_begin found (the agent refused) */
		if (t->msg.len)
			buf_adds(&x.note, t->msg.s);
		buf_reset(&t->msg);
		/* no key, or locked: said before anything is typed (no passphrase is tried then) */
		struct buf why = BUF_INIT;
		if (t->user && !signin_has_key(t->store, t->user, &why))
			signin_locked(t->store, t->user, NULL, &why);
		if (why.len)
			buf_addf(&x.note, "%s%s", x.note.len ? "\n" : "", why.s);
		buf_release(&why);
	}
	const char *cover = t->cover;
	if (mode != TUI_SIGNIN_SWITCH)
		t->cover = mode == TUI_SIGNIN_UNLOCK ? _("Locked") : _("Sign in");
	int done = 0;
	for (;;) {
		struct dialog d;
		signin_dialog(&x, &d);
		enum dialog_result r = dialog_run(t, &d);
		dialog_release(&d);
		if (r != DIALOG_OK)
			break;
		if (x.locked_out) {
			/* no more signing for this person here */
			tui_sign_out(t);
			locked_out(&x);
			break;
		}
		if (x.must_change && !change_initial(&x)) {
			drop_got(&x);
			buf_reset(&x.note);
			continue;
		}
		done = 1;
		break;
	}
	if (done)
		adopt(t, x.person, x.got, x.conn);
	else
		drop_got(&x);
	t->cover = cover;
	free(x.person);
	buf_release(&x.user);
	buf_release(&x.note);
	return done;
}

void tui_switch_user(struct tui *t)
{
	if (!t->session) {
		tui_message(t, 1, "%s", _("no one has a key in this store yet: its security administrator enrols "
					  "themselves first (docket -u ID enrol ID), then everyone else"));
		return;
	}
	if (tui_signin(t, TUI_SIGNIN_SWITCH)) {
		tui_restart_views(t);
		tui_message(t, 0, _("signed in as %s (%s)"), tui_user_name(t, t->user), t->user);
	}
}

int tui_idle_lock(struct tui *t)
{
	if (t->locking || !t->session || t->idle_secs <= 0 || tui_uptime() - t->last_key < t->idle_secs)
		return 0;
	t->locking = 1;
	timeout(1000);
	int unlocked = tui_signin(t, TUI_SIGNIN_UNLOCK);
	t->locking = 0;
	if (!unlocked) {
		tui_exit(t);
		return 1;
	}
	t->last_key = tui_uptime();
	clearok(curscr, TRUE);
	return 1;
}

int tui_session_lost(struct tui *t)
{
	if (t->locking || !t->session)
		return 0;
	/* an agent's session: ask the agent, at most every few seconds, before an action fails on it */
	static long asked;
	if (!auth_session_stale(t->session) && t->agent && tui_uptime() - asked >= 5) {
		asked = tui_uptime();
		if (!signin_agent_holds(t->agent, t->user, auth_session_key_id(t->session)))
			auth_session_mark_stale(t->session);
	}
	if (!auth_session_stale(t->session))
		return 0;
	t->locking = 1;
	timeout(1000);
	int again = tui_signin(t, TUI_SIGNIN_UNLOCK);
	t->locking = 0;
	if (!again) {
		tui_exit(t);
		return 1;
	}
	t->last_key = tui_uptime();
	clearok(curscr, TRUE);
	tui_message(t, 0, "%s", _("signed in again: what failed was not done, do it again"));
	return 1;
}
