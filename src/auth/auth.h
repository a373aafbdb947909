/*
 * auth: who acts in a store — people's keys, their accounts, the signer
 * that signs every event a person makes, and the check of every
 * signature in a log.
 *
 * auth sits beside the store (it keeps tables in the store's database
 * through store_sql.h) and below the engine: the engine judges the
 * identity actions (enrolling, revoking, signing in, locking: their event
 * types are here, their rules in src/engine/people.c) and calls the
 * writers below inside its transaction; `docket check` rebuilds these
 * tables by replay like the engine's own (auth_derived_tables).
 *
 * A store begins in its setup phase: no one has a key, definitions can be
 * deployed unsigned, and only a security administrator enrolling
 * themselves can end it (that first enrolment is signed by the key it
 * enrols). From then on every event a person makes carries their SM2
 * signature (doc/security.md).
 */
#ifndef DOCKET_AUTH_H
#define DOCKET_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "../util/hash.h"

struct buf;
struct sm2key;
struct store;
struct store_event;
struct store_migration;

/* The identity events (judged by the engine: src/engine/actions.def). */
#define AUTH_EV_ENROLLED  "person.enrolled"    /* a key for a person (replaces their previous one) */
#define AUTH_EV_REVOKED   "key.revoked"        /* a key no longer signs */
#define AUTH_EV_PASSWD    "passphrase.changed" /* the person chose a passphrase: no longer initial */
#define AUTH_EV_SIGNIN    "signin.succeeded"
#define AUTH_EV_SIGNFAIL  "signin.failed"      /* by the system: who, where, why */
#define AUTH_EV_UNLOCKED  "account.unlocked"   /* the security administrator lifts a lock */
#define AUTH_EV_POLICY    "policy.set"         /* sign-in and passphrase policy */
#define AUTH_EV_REFUSED   "action.refused"     /* an administrator's (or administrative) action the engine refused */
#define AUTH_EV_ROTATED   "key.rotated"        /* a person replaces their own key: signed by the old one */
#define AUTH_EV_ROLE_GRANTED "role.granted"    /* the security administrator gives a person a role */
#define AUTH_EV_ROLE_REVOKED "role.revoked"    /* ... or takes one away (also one the organisation file gives) */

/* The store's schema steps of auth (src/schema.c lists them). */
const struct store_migration *auth_schema(void);

/* The tables auth derives from the log, for `docket check` to rebuild and compare. */
struct auth_table {
	const char *name;
	const char *dump; /* every row, in a fixed order */
	const char *del;  /* empty it before the replay */
};
const struct auth_table *auth_derived_tables(size_t *n);

/* --- keys --------------------------------------------------------------- */

/*
 * Record `key_id` (public key `pub_b64`) as `person`'s key from event `seq`
 * on; their previous key, if any, stops signing at `seq`. Inside the
 * caller's transaction. 0 or a negative STORE_* status.
 */
int auth_key_record(struct store *s, const char *person, const char *key_id, const char *pub_b64,
		    int64_t seq);
/* Key `key_id` stops signing at event `seq`: 1 done, 0 no such key (or already stopped), or < 0. */
int auth_key_retire(struct store *s, const char *key_id, int64_t seq);
/*
 * The key that signs for `person` now: 1 and *key_id (and *pub_b64 when
 * not NULL; caller frees both), 0 when they have none, or < 0.
 */
int auth_current_key(struct store *s, const char *person, char **key_id, char **pub_b64);
/*
 * What a rotation's new key signs to prove it is held (the payload's
 * "proof"): the tag docket.rotate.1, then person, old key id, new key id,
 * each as a netstring. Binds the new key to this person and this change.
 */
void auth_rotation_text(const char *person, const char *old_id, const char *new_id, struct buf *out);
/* 1 when anyone has ever had a key (the setup phase is over), 0 when not, < 0 on error. */
int auth_any_key(struct store *s);
/* Where `person`'s encrypted private key lives in the store: DIR/keys/PERSON.key (caller frees). */
char *auth_key_path(const struct store *s, const char *person);
/* A person id safe to be a file name (what the organisation allows, no '/' or leading '.'). */
int auth_person_id_ok(const char *person);

/* --- roles -------------------------------------------------------------- */

/*
 * The security administrator's changes to who holds which role, laid over
 * the organisation file's (the engine does: org_apply_role_changes). One
 * row per person and role: the last change. The administrators' own roles
 * are never changed here (the engine refuses it).
 */
struct auth_role {
	char *person, *role;
	int granted;  /* 1 granted, 0 taken away */
	int64_t seq;  /* the event that decided it */
};
/* Record a change (inside the caller's transaction). */
int auth_role_set(struct store *s, const char *person, const char *role, int granted, int64_t seq);
/* Every change, oldest first (free with auth_roles_free): 0 or < 0. */
int auth_roles_list(struct store *s, struct auth_role **out, size_t *n);
void auth_roles_free(struct auth_role *r, size_t n);
/* A number that changes whenever the changes do (the last event's seq, 0 for none): 0 or < 0. */
int auth_roles_version(struct store *s, int64_t *v);

/* --- accounts ----------------------------------------------------------- */

/* A person's account as the sign-in sees it. */
struct auth_account {
	int must_change;      /* the passphrase is an initial one: change it at sign-in */
	int failures;         /* failed sign-ins since the last success */
	int64_t locked_until; /* seconds since the epoch; 0 not locked */
};
/* Read it (zeroed when the person has no row): 0 or < 0. */
int auth_account_get(struct store *s, const char *person, struct auth_account *a);
/* Write it (inside the caller's transaction), as of event seq. */
int auth_account_put(struct store *s, const char *person, const struct auth_account *a, int64_t seq);

/* The sign-in and passphrase policy the security administrator sets. */
struct auth_policy {
	int min_length;       /* characters (not bytes) */
	int min_classes;      /* of: lower, upper, digit, other (a CJK character counts as other) */
	int max_failures;     /* failed sign-ins before the account locks */
	int lock_minutes;     /* how long it stays locked */
	int idle_minutes;     /* the TUI locks after this long untouched; the agent forgets a key */
	int session_minutes;  /* the longest an agent keeps a key */
};
/* Defaults: 8 characters of 3 classes, 5 failures lock for 30 minutes, 15 idle, 480 session. */
extern const struct auth_policy AUTH_POLICY_DEFAULT;
/* The policy in force (the defaults until one is set): 0 or < 0. */
int auth_policy_get(struct store *s, struct auth_policy *p);
/* Record a policy (inside the caller's transaction). */
int auth_policy_put(struct store *s, const struct auth_policy *p, int64_t seq);
/* 0 when `pass` meets the policy, else -1 with the reason in `why`. */
int auth_policy_check(const struct auth_policy *p, const char *pass, struct buf *why);

/* --- who acts in this process ------------------------------------------ */

struct auth_session; /* a person whose key this process may sign with */

/*
 * A session for `person` with their decrypted key k (taken over: freed
 * with the session). Refused when k is not the person's current key in
 * this store (a key file copied from another store, or a retired key).
 */
int auth_session_from_key(struct store *s, const char *person, struct sm2key *k,
			  struct auth_session **out, struct buf *err);
/*
 * A session for `person` whose key a signer elsewhere holds (the agent):
 * sign(ctx, key_id, text, len, &sig, err) returns 0 and a malloc'd base64
 * signature. The key id is the person's current one.
 */
typedef int (*auth_sign_fn)(void *ctx, const char *person, const char *key_id, const char *text,
			    size_t len, char **sig, struct buf *err);
int auth_session_remote(struct store *s, const char *person, auth_sign_fn sign, void *ctx,
			struct auth_session **out, struct buf *err);
/*
 * For the enrolment that ends the setup phase only: a session that signs
 * as `person` with k (taken over), a key not enrolled yet — the event
 * enrolling it. The engine accepts that only while the store has no key.
 */
struct auth_session *auth_session_enrolling(const char *person, struct sm2key *k);
void auth_session_free(struct auth_session *a);
const char *auth_session_person(const struct auth_session *a);
const char *auth_session_key_id(const struct auth_session *a);
/*
 * 1 once the session failed to sign because it can no longer: its key was
 * replaced or revoked since it began (another terminal, the security
 * administrator), or the agent signing for it dropped the key (ttl, idle,
 * logout). The person must sign in again; a front end asks at once.
 */
int auth_session_stale(const struct auth_session *a);
/* Mark it so (a front end saw the agent no longer holds the key). */
void auth_session_mark_stale(struct auth_session *a);
/* The in-process key (NULL for a remote session): for handing it to the agent. */
const struct sm2key *auth_session_key(const struct auth_session *a);
/*
 * Sign every event this store appends from now on as the session's
 * person; events by "system" stay unsigned, an event by anyone else is
 * refused, and so is every event once the session's key is no longer the
 * person's current one (checked as each event is signed). With a NULL session nobody signs: only the system's events,
 * and any event during the setup phase, may then be appended. A store
 * with neither appends events as they are given (tests, tools).
 */
void auth_use_session(struct store *s, struct auth_session *a);

/* --- checking a log ----------------------------------------------------- */

struct auth_report {
	int64_t verified;      /* signatures that verified */
	int64_t setup;         /* unsigned events of the setup phase */
	int64_t system;        /* unsigned events of the system (timers, failed sign-ins) */
	int64_t bad_seq;       /* the first event that fails, or 0 */
};
/*
 * Verify every signature in the log against the key its signer had at
 * that moment, and that every event a person made after the setup phase
 * is signed. 0 when all holds; 1 when an event fails (r->bad_seq, and
 * why in `why`); < 0 when the log could not be read.
 */
int auth_verify_log(struct store *s, struct auth_report *r, struct buf *why);

enum { AUTH_SIG_NONE = 0, AUTH_SIG_OK = 1, AUTH_SIG_BAD = 2 };
/*
 * The signature of the event at `seq` alone, against the key its actor had
 * then (auth_keys, as check rebuilds it): AUTH_SIG_OK when it verifies,
 * AUTH_SIG_NONE when the event is not signed (or there is none),
 * AUTH_SIG_BAD when it does not hold, or a negative store status. What the
 * interface shows beside a decision; `docket check` walks the whole log.
 */
int auth_verify_event(struct store *s, int64_t seq);

#endif
