/*
 * signin: proving who acts, for both front ends — the command line asks a
 * passphrase on the terminal, the TUI on its sign-in screen, and both hand
 * it here; the rules and the records are the same whichever asked.
 *
 * signin sits above the engine (it records sign-ins through engine_act, so
 * the engine judges them) and below src/cli and src/tui. It never reads a
 * terminal itself: the caller brings the passphrase and wipes it.
 *
 * What is recorded (doc/security.md, "Signing in"):
 *   - a wrong passphrase, a missing key file or a key not enrolled here is
 *     a failed sign-in (signin.failed, made by "system": nobody's key
 *     proves it), which counts towards the account's lock;
 *   - a locked account is refused before its key is opened, the attempt
 *     recorded too;
 *   - a passphrase that opens the key is a sign-in (signin.succeeded,
 *     signed by the person) once the caller has put the session in use:
 *     signin_record;
 *   - an initial passphrase opens the key but must be replaced first:
 *     signin_set_passphrase, then signin_record.
 * A key the agent holds signs without any of this (signin_agent).
 *
 * Functions return 0 or a negative SIGNIN_* status with the message for
 * people in `err` (translated, lowercase, subject quoted).
 */
#ifndef DOCKET_SIGNIN_H
#define DOCKET_SIGNIN_H

#include <stddef.h>
#include <time.h>

struct agent_conn;
struct auth_session;
struct buf;
struct engine;
struct sm2key;
struct sm2key_kdf;
struct store;

enum signin_status {
	SIGNIN_OK = 0,
	SIGNIN_ERR = -1,         /* the store, the engine or the key file failed */
	SIGNIN_DENIED = -2,      /* wrong passphrase, no key file, a key from elsewhere: recorded */
	SIGNIN_LOCKED = -3,      /* the account is locked: nothing opened, nothing recorded */
	SIGNIN_MUST_CHANGE = -4, /* the key opened, but the passphrase is an initial one */
	SIGNIN_NOKEY = -5,       /* the person has no key in this store */
	SIGNIN_WEAK = -6,        /* a new passphrase the policy refuses */
};

/* Where a sign-in happens, as its events say: "HOST TTY OS-USER" (the tty of stdin, or "-"). */
void signin_terminal(struct buf *out);

/* The key-derivation cost for a key saved in store s: the fast one on test stores only. */
const struct sm2key_kdf *signin_kdf(struct store *s);

/*
 * Is person's account locked now? 1 with *until (may be NULL) and the
 * message in err (until when, and who can lift it), 0 when not, or
 * SIGNIN_ERR.
 */
int signin_locked(struct store *s, const char *person, time_t *until, struct buf *err);

/*
 * Someone tries to sign in as person: when the account is locked, 1 with
 * the message in err and the attempt recorded as a failed sign-in
 * ("account locked": the trail shows who keeps trying); 0 when it is not
 * locked; SIGNIN_ERR. Nothing is asked of a locked account.
 */
int signin_try_locked(struct store *s, struct engine *e, const char *person, struct buf *err);

/*
 * Does person have a key in this store? 0 when they do; SIGNIN_NOKEY
 * (message: the security administrator enrols people) or SIGNIN_ERR.
 */
int signin_has_key(struct store *s, const char *person, struct buf *err);

/*
 * If the agent holds person's current key: 1, with *out a session that
 * signs through it and *conn the connection it uses (close it after
 * freeing the session). 0 when it does not, or no agent runs. SIGNIN_ERR
 * when the agent's socket was refused (someone else's, err says whose)
 * or the store failed: the caller says so and asks the passphrase.
 */
int signin_agent(struct store *s, const char *person, struct auth_session **out,
		 struct agent_conn **conn, struct buf *err);

/*
 * Does the agent behind conn still hold person's key key_id (its ttl or
 * idle limit may have run out, someone may have logged out)? 1 yes, 0 no
 * (or the agent is gone), so the front end asks the passphrase again
 * before an action fails on it.
 */
int signin_agent_holds(struct agent_conn *conn, const char *person, const char *key_id);

/*
 * The TUI's `:` commands run docket as a child without a terminal: the
 * TUI lends it its signed-in session. signin_lend writes the session's
 * person and clear key into a new pipe and returns its read end (for the
 * child to inherit, named by DOCKET_SESSION_FD), or -1 when the session
 * has no key in the process (the agent signs for it: the child asks the
 * agent itself). The caller closes the fd after starting the child.
 */
int signin_lend(const struct auth_session *a);
/*
 * In the child, first thing: when DOCKET_SESSION_FD names such a pipe,
 * read what was lent into `lent` (the caller wipes it: sm2key_wipe) and
 * close the fd, so nothing the child starts inherits it; the variable is
 * unset. 1 when something was read, 0 when nothing was lent.
 */
int signin_lent_read(struct buf *lent);
/*
 * A session from what was lent, when its person is `person`: 1 and *out
 * (the key checked to be their current key here, like any key file); 0
 * when it is someone else's (not used); SIGNIN_ERR with err.
 */
int signin_lent_session(struct store *s, const char *person, const struct buf *lent, struct auth_session **out,
			struct buf *err);

/*
 * Open person's key with the passphrase pass[0..len) and make a session of
 * it (*out, not yet in use, nothing recorded): SIGNIN_OK, or
 * SIGNIN_MUST_CHANGE with *out set too when the passphrase is an initial
 * one (replace it with signin_set_passphrase before acting). Refused:
 * SIGNIN_LOCKED before the key is opened (signin_try_locked); SIGNIN_DENIED for a wrong
 * passphrase, no key file or a key that is not the person's here, each
 * recorded as a failed sign-in through e (the account may lock: say so
 * with signin_locked).
 */
int signin_open(struct store *s, struct engine *e, const char *person, const char *pass, size_t len,
		struct auth_session **out, struct buf *err);

/*
 * Record a failed sign-in of person (reason: "wrong passphrase", "no key
 * file", "key not enrolled here", "account locked") as the system's
 * event. 0 or SIGNIN_ERR.
 */
int signin_record_failure(struct engine *e, const char *person, const char *reason, struct buf *err);

/*
 * Record person's sign-in (the store's session must be theirs: it signs
 * the event), with the terminal and `how` ("prompt", "agent", "tui",
 * "unlock"); minutes > 0 adds how long the agent keeps the key. 0 or
 * SIGNIN_ERR.
 */
int signin_record(struct engine *e, const char *person, const char *how, int minutes, struct buf *err);

/*
 * Replace person's passphrase with pass[0..len) (NUL-terminated): SIGNIN_WEAK when the
 * policy refuses it (why in err); else the key k is saved under it
 * (signin_kdf) and the change recorded (passphrase.changed, signed: the
 * store's session must be the person's, usually the one holding k).
 */
int signin_set_passphrase(struct store *s, struct engine *e, const char *person, const struct sm2key *k,
			  const char *pass, size_t len, struct buf *err);

/*
 * Replace person's key (docket rekey): a new SM2 key pair, saved under
 * pass[0..len) (the same passphrase or a new one: the caller asked), and
 * the change recorded as key.rotated, signed by the key it replaces — the
 * store's session must be the person's, with their key open or at the
 * agent. The new key proves it is held (auth_rotation_text). The key file
 * is written beside the old one first (PERSON.key.new) and moved into
 * place once the event is recorded; *newkey (caller frees) is the new key,
 * for the agent. From the event on, only the new key signs for them.
 */
int signin_rotate(struct store *s, struct engine *e, const char *person, const char *pass, size_t len,
		  struct sm2key **newkey, struct buf *err);

#endif
