#include "auth.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/store.h"
#include "../store/store_sql.h"
#include "../util/buf.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "agent.h"
#include "sm2key.h"

/*
 * Version 9: keys and accounts, derived from the identity events (rebuilt
 * by `docket check` like the engine's tables). A key signs for its person
 * from the event that enrolled it until the event that retired it
 * (revoked, or replaced by a newer key): events in between verify with
 * it, forever.
 */
static const char auth_v9[] =
	"CREATE TABLE auth_keys ("
	" key_id TEXT PRIMARY KEY,"        /* SM3 of the public key's DER, hex */
	" person TEXT NOT NULL,"
	" public_key TEXT NOT NULL,"       /* base64 DER SubjectPublicKeyInfo */
	" enrolled_seq INTEGER NOT NULL,"  /* the event that enrolled it */
	" retired_seq INTEGER"             /* the event that retired it, NULL while it signs */
	");"
	"CREATE INDEX auth_keys_person ON auth_keys (person, retired_seq);"
	"CREATE TABLE auth_accounts ("
	" person TEXT PRIMARY KEY,"
	" must_change INTEGER NOT NULL,"   /* 1 while the passphrase is an initial one */
	" failures INTEGER NOT NULL,"      /* failed sign-ins since the last success */
	" locked_until INTEGER NOT NULL,"  /* seconds since the epoch, 0 = not locked */
	" updated_seq INTEGER NOT NULL"
	");"
	"CREATE TABLE auth_policy ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" min_length INTEGER NOT NULL, min_classes INTEGER NOT NULL,"
	" max_failures INTEGER NOT NULL, lock_minutes INTEGER NOT NULL,"
	" idle_minutes INTEGER NOT NULL, session_minutes INTEGER NOT NULL,"
	" set_seq INTEGER NOT NULL"
	");";

/*
 * Version 11: roles the security administrator granted or took away (the
 * last change per person and role), laid over the organisation file's.
 */
static const char auth_v11[] =
	"CREATE TABLE auth_roles ("
	" person TEXT NOT NULL,"
	" role TEXT NOT NULL,"
	" granted INTEGER NOT NULL,"       /* 1 granted, 0 taken away */
	" seq INTEGER NOT NULL,"           /* the event that decided it */
	" PRIMARY KEY (person, role)"
	") WITHOUT ROWID;"
	"CREATE INDEX auth_roles_seq ON auth_roles (seq);";

static const struct store_migration steps[] = {
	{ 9, "auth", auth_v9, NULL },
	{ 11, "auth", auth_v11, NULL },
	{ 0, NULL, NULL, NULL },
};

const struct store_migration *auth_schema(void)
{
	return steps;
}

static const struct auth_table tables[] = {
	{ "auth_keys", "SELECT * FROM auth_keys ORDER BY key_id", "DELETE FROM auth_keys" },
	{ "auth_accounts", "SELECT * FROM auth_accounts ORDER BY person", "DELETE FROM auth_accounts" },
	{ "auth_policy", "SELECT * FROM auth_policy", "DELETE FROM auth_policy" },
	{ "auth_roles", "SELECT * FROM auth_roles ORDER BY person, role", "DELETE FROM auth_roles" },
};

const struct auth_table *auth_derived_tables(size_t *n)
{
	*n = sizeof(tables) / sizeof(tables[0]);
	return tables;
}

/* --- keys --------------------------------------------------------------- */

int auth_key_record(struct store *s, const char *person, const char *key_id, const char *pub_b64,
		    int64_t seq)
{
	int rc = store_sql_run(s,
			       "UPDATE auth_keys SET retired_seq = ?2 WHERE person = ?1 AND retired_seq IS NULL",
			       "si", person, seq);
	if (!rc)
		rc = store_sql_run(s,
				   "INSERT INTO auth_keys (key_id, person, public_key, enrolled_seq)"
				   " VALUES (?1, ?2, ?3, ?4)",
				   "sssi", key_id, person, pub_b64, seq);
	return rc;
}

int auth_key_retire(struct store *s, const char *key_id, int64_t seq)
{
	int64_t n = 0;
	int rc = store_sql_int(s, &n, "SELECT count(*) FROM auth_keys WHERE key_id = ?1 AND retired_seq IS NULL",
			       "s", key_id);
	if (rc < 0)
		return rc;
	if (!n)
		return 0;
	rc = store_sql_run(s, "UPDATE auth_keys SET retired_seq = ?2 WHERE key_id = ?1", "si", key_id, seq);
	return rc < 0 ? rc : 1;
}

int auth_current_key(struct store *s, const char *person, char **key_id, char **pub_b64)
{
	*key_id = NULL;
	if (pub_b64)
		*pub_b64 = NULL;
	sqlite3_stmt *st = store_sql_q(s,
				       "SELECT key_id, public_key FROM auth_keys"
				       " WHERE person = ?1 AND retired_seq IS NULL",
				       "s", person);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*key_id = store_sql_col(st, 0);
		if (pub_b64)
			*pub_b64 = store_sql_col(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_sql_status(s, rc, _("read the keys"));
}

static void netstring(struct buf *b, const char *s)
{
	buf_addf(b, "%zu:%s,", strlen(s), s);
}

void auth_rotation_text(const char *person, const char *old_id, const char *new_id, struct buf *out)
{
	buf_reset(out);
	netstring(out, "docket.rotate.1");
	netstring(out, person);
	netstring(out, old_id);
	netstring(out, new_id);
}

int auth_any_key(struct store *s)
{
	int64_t n = 0;
	int rc = store_sql_int(s, &n, "SELECT EXISTS (SELECT 1 FROM auth_keys)", "");
	return rc < 0 ? rc : n != 0;
}

int auth_person_id_ok(const char *p)
{
	if (!p || !*p || *p == '.' || strlen(p) > 64)
		return 0;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

char *auth_key_path(const struct store *s, const char *person)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s/keys/%s.key", store_dir(s), person);
	return buf_detach(&b);
}

/* --- roles -------------------------------------------------------------- */

int auth_role_set(struct store *s, const char *person, const char *role, int granted, int64_t seq)
{
	return store_sql_run(s, "INSERT OR REPLACE INTO auth_roles (person, role, granted, seq) VALUES (?1, ?2, ?3, ?4)",
			     "ssdi", person, role, granted ? 1 : 0, seq);
}

int auth_roles_version(struct store *s, int64_t *v)
{
	*v = 0;
	return store_sql_int(s, v, "SELECT coalesce(max(seq), 0) FROM auth_roles", "");
}

int auth_roles_list(struct store *s, struct auth_role **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_sql_q(s, "SELECT person, role, granted, seq FROM auth_roles ORDER BY seq", "");
	if (!st)
		return STORE_ERR;
	size_t alloc = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == alloc) {
			alloc = alloc ? 2 * alloc : 8;
			*out = xrealloc(*out, alloc * sizeof(**out));
		}
		struct auth_role *r = &(*out)[(*n)++];
		r->person = store_sql_col(st, 0);
		r->role = store_sql_col(st, 1);
		r->granted = sqlite3_column_int(st, 2);
		r->seq = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		auth_roles_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_sql_status(s, rc, _("read the roles"));
	}
	return 0;
}

void auth_roles_free(struct auth_role *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].person);
		free(r[i].role);
	}
	free(r);
}

/* --- accounts ----------------------------------------------------------- */

const struct auth_policy AUTH_POLICY_DEFAULT = { 8, 3, 5, 30, 15, 480 };

int auth_account_get(struct store *s, const char *person, struct auth_account *a)
{
	memset(a, 0, sizeof(*a));
	sqlite3_stmt *st = store_sql_q(s,
				       "SELECT must_change, failures, locked_until FROM auth_accounts"
				       " WHERE person = ?1",
				       "s", person);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		a->must_change = sqlite3_column_int(st, 0);
		a->failures = sqlite3_column_int(st, 1);
		a->locked_until = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sql_status(s, rc, _("read the accounts"));
}

int auth_account_put(struct store *s, const char *person, const struct auth_account *a, int64_t seq)
{
	return store_sql_run(s,
			     "INSERT OR REPLACE INTO auth_accounts"
			     " (person, must_change, failures, locked_until, updated_seq)"
			     " VALUES (?1, ?2, ?3, ?4, ?5)",
			     "sddii", person, a->must_change, a->failures, a->locked_until, seq);
}

int auth_policy_get(struct store *s, struct auth_policy *p)
{
	*p = AUTH_POLICY_DEFAULT;
	sqlite3_stmt *st = store_sql_q(s,
				       "SELECT min_length, min_classes, max_failures, lock_minutes,"
				       " idle_minutes, session_minutes FROM auth_policy WHERE id = 1",
				       "");
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p->min_length = sqlite3_column_int(st, 0);
		p->min_classes = sqlite3_column_int(st, 1);
		p->max_failures = sqlite3_column_int(st, 2);
		p->lock_minutes = sqlite3_column_int(st, 3);
		p->idle_minutes = sqlite3_column_int(st, 4);
		p->session_minutes = sqlite3_column_int(st, 5);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sql_status(s, rc, _("read the policy"));
}

int auth_policy_put(struct store *s, const struct auth_policy *p, int64_t seq)
{
	return store_sql_run(s,
			     "INSERT OR REPLACE INTO auth_policy (id, min_length, min_classes, max_failures,"
			     " lock_minutes, idle_minutes, session_minutes, set_seq)"
			     " VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			     "ddddddi", p->min_length, p->min_classes, p->max_failures, p->lock_minutes,
			     p->idle_minutes, p->session_minutes, seq);
}

int auth_policy_check(const struct auth_policy *p, const char *pass, struct buf *why)
{
	int lower = 0, upper = 0, digit = 0, other = 0;
	size_t chars = 0;
	for (const unsigned char *c = (const unsigned char *)pass; *c; c++) {
		if ((*c & 0xc0) != 0x80)
			chars++;
		if (*c >= 'a' && *c <= 'z')
			lower = 1;
		else if (*c >= 'A' && *c <= 'Z')
			upper = 1;
		else if (*c >= '0' && *c <= '9')
			digit = 1;
		else if ((*c & 0xc0) != 0x80)
			other = 1;
	}
	if (!utf8_valid(pass, strlen(pass), NULL)) {
		buf_adds(why, _("the passphrase is not valid UTF-8"));
		return -1;
	}
	if ((int)chars < p->min_length) {
		buf_addf(why, _("the passphrase must have at least %d characters"), p->min_length);
		return -1;
	}
	if (lower + upper + digit + other < p->min_classes) {
		buf_addf(why,
			 _("the passphrase must mix at least %d of: lower case, upper case, digits, other characters"),
			 p->min_classes);
		return -1;
	}
	return 0;
}

/* --- sessions ----------------------------------------------------------- */

struct auth_session {
	char *person;
	char key_id[HASH_HEX_LEN + 1];
	struct sm2key *key;     /* in-process, or NULL */
	auth_sign_fn sign;      /* remote, or NULL */
	void *sign_ctx;
	int enrolling;          /* the store's first enrolment: its key is not recorded yet */
	struct store *store;    /* the store it signs for (auth_use_session) */
	int stale;              /* it failed to sign: the key is no longer theirs, or the agent dropped it */
};

/* The person's current key id into out; refused when they have none. */
static int current_key_id(struct store *s, const char *person, char out[HASH_HEX_LEN + 1], struct buf *err)
{
	char *id = NULL;
	int rc = auth_current_key(s, person, &id, NULL);
	if (rc < 0) {
		buf_adds(err, store_error(s));
		return rc;
	}
	if (!rc) {
		buf_addf(err, _("'%s' has no key in this store: the security administrator enrols people (docket enrol)"),
			 person);
		return -1;
	}
	snprintf(out, HASH_HEX_LEN + 1, "%s", id);
	free(id);
	return 0;
}

int auth_session_from_key(struct store *s, const char *person, struct sm2key *k,
			  struct auth_session **out, struct buf *err)
{
	*out = NULL;
	char want[HASH_HEX_LEN + 1], have[HASH_HEX_LEN + 1];
	int rc = current_key_id(s, person, want, err);
	if (rc < 0) {
		sm2key_free(k);
		return rc;
	}
	if (sm2key_id(k, have) < 0 || strcmp(want, have)) {
		sm2key_free(k);
		buf_addf(err, _("this key is not the key of '%s' in this store (copied from another store, or replaced)"),
			 person);
		return -1;
	}
	struct auth_session *a = xcalloc(1, sizeof(*a));
	a->person = xstrdup(person);
	memcpy(a->key_id, want, sizeof(want));
	a->key = k;
	*out = a;
	return 0;
}

int auth_session_remote(struct store *s, const char *person, auth_sign_fn sign, void *ctx,
			struct auth_session **out, struct buf *err)
{
	*out = NULL;
	char want[HASH_HEX_LEN + 1];
	int rc = current_key_id(s, person, want, err);
	if (rc < 0)
		return rc;
	struct auth_session *a = xcalloc(1, sizeof(*a));
	a->person = xstrdup(person);
	memcpy(a->key_id, want, sizeof(want));
	a->sign = sign;
	a->sign_ctx = ctx;
	*out = a;
	return 0;
}

struct auth_session *auth_session_enrolling(const char *person, struct sm2key *k)
{
	struct auth_session *a = xcalloc(1, sizeof(*a));
	a->person = xstrdup(person);
	if (sm2key_id(k, a->key_id) < 0)
		a->key_id[0] = '\0';
	a->key = k;
	a->enrolling = 1;
	return a;
}

void auth_session_free(struct auth_session *a)
{
	if (!a)
		return;
	sm2key_free(a->key);
	free(a->person);
	free(a);
}

const char *auth_session_person(const struct auth_session *a)
{
	return a ? a->person : NULL;
}

const char *auth_session_key_id(const struct auth_session *a)
{
	return a ? a->key_id : NULL;
}

const struct sm2key *auth_session_key(const struct auth_session *a)
{
	return a ? a->key : NULL;
}

/* The store's signer: the session signs its person's events, nobody else's. */
static int session_sign(void *ctx, const struct store_event *ev, const char *text, size_t len, char **key_id,
			char **sig, struct buf *err)
{
	struct auth_session *a = ctx;
	*key_id = *sig = NULL;
	if (!strcmp(ev->actor, "system"))
		return 0;
	if (strcmp(ev->actor, a->person)) {
		buf_addf(err, _("'%s' is signed in here, not '%s': an event is signed by who makes it"),
			 a->person, ev->actor);
		return STORE_ERR;
	}
	/*
	 * The key must still be the person's when it signs, not only when the
	 * session began: replaced (docket rekey, a new enrolment) or revoked
	 * since, by another process, it signs nothing more here — `docket
	 * check` would refuse the event. Read inside the event's transaction.
	 */
	if (!a->enrolling) {
		char *now = NULL;
		int rc = auth_current_key(a->store, a->person, &now, NULL);
		int same = rc > 0 && !strcmp(now, a->key_id);
		free(now);
		if (rc < 0) {
			buf_adds(err, store_error(a->store));
			return rc;
		}
		if (!same) {
			buf_addf(err, _("'%s' signed in with a key that is no longer theirs (replaced or revoked since): "
					"sign in again"),
				 a->person);
			a->stale = 1;
			return STORE_ERR;
		}
	}
	if (a->key) {
		*sig = sm2key_sign(a->key, text, len, err);
	} else {
		int rc = a->sign(a->sign_ctx, a->person, a->key_id, text, len, sig, err);
		if (rc < 0) {
			/* the agent forgot the key (its time ran out, a logout) or is gone */
			free(*sig);
			*sig = NULL;
			a->stale = 1;
		}
		if (rc == AGENT_NOKEY) {
			buf_reset(err);
			buf_addf(err, _("the agent no longer holds the key of '%s' (the sign-in ran out or was ended): "
					"sign in again"),
				 a->person);
		}
	}
	if (!*sig)
		return STORE_ERR;
	*key_id = xstrdup(a->key_id);
	return 0;
}

/* Nobody signed in: the system's events, and the setup phase's, go unsigned; nothing else. */
static int nobody_sign(void *ctx, const struct store_event *ev, const char *text, size_t len, char **key_id,
		       char **sig, struct buf *err)
{
	struct store *s = ctx;
	(void)text, (void)len;
	*key_id = *sig = NULL;
	if (!strcmp(ev->actor, "system"))
		return 0;
	int any = auth_any_key(s);
	if (any < 0) {
		buf_adds(err, store_error(s));
		return any;
	}
	if (any) {
		buf_addf(err, _("'%s' is not signed in: nothing is recorded unsigned in a store where people have keys"),
			 ev->actor);
		return STORE_ERR;
	}
	return 0;
}

int auth_session_stale(const struct auth_session *a)
{
	return a && a->stale;
}

void auth_session_mark_stale(struct auth_session *a)
{
	if (a)
		a->stale = 1;
}

void auth_use_session(struct store *s, struct auth_session *a)
{
	if (a)
		a->store = s;
	if (a)
		store_set_signer(s, session_sign, a);
	else
		store_set_signer(s, nobody_sign, s);
}

/* --- checking a log ----------------------------------------------------- */

/* A key as the walk through the log knows it. */
struct vkey {
	char *key_id, *person;
	struct sm2key *pub;
	int retired;
};

struct walk {
	struct vkey *keys;
	size_t n, alloc;
	struct auth_report *r;
	struct buf *why;
	struct buf text;
};

static struct vkey *find_key(struct walk *w, const char *key_id)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->keys[i].key_id, key_id))
			return &w->keys[i];
	return NULL;
}

static void add_key(struct walk *w, const char *person, const char *key_id, struct sm2key *pub)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->keys[i].person, person))
			w->keys[i].retired = 1;
	if (w->n == w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 16;
		w->keys = xrealloc(w->keys, w->alloc * sizeof(*w->keys));
	}
	w->keys[w->n++] = (struct vkey){ xstrdup(key_id), xstrdup(person), pub, 0 };
}

/* The enrolment's key, checked against its id; NULL (why set) when it does not hold. */
static struct sm2key *enrolled_key(struct walk *w, json_t *p, const char **person, const char **key_id)
{
	*person = json_string_value(json_object_get(p, "person"));
	*key_id = json_string_value(json_object_get(p, "key_id"));
	const char *pub = json_string_value(json_object_get(p, "public_key"));
	struct buf err = BUF_INIT;
	struct sm2key *k = *person && *key_id && pub ? sm2key_from_public_b64(pub, &err) : NULL;
	char id[HASH_HEX_LEN + 1];
	if (k && (sm2key_id(k, id) < 0 || strcmp(id, *key_id))) {
		sm2key_free(k);
		k = NULL;
	}
	if (!k)
		buf_adds(w->why, _("its enrolment names a key that does not match its key id"));
	buf_release(&err);
	return k;
}

static int fail_at(struct walk *w, int64_t seq, const struct store_event *ev, const char *why)
{
	w->r->bad_seq = seq;
	struct buf msg = BUF_INIT;
	buf_addf(&msg, _("event %lld (%s by %s): %s"), (long long)seq, ev->type, ev->actor, why);
	buf_reset(w->why);
	buf_add(w->why, msg.s, msg.len);
	buf_release(&msg);
	return 1;
}

static int walk_one(void *ctx, int64_t seq, const struct store_event *ev)
{
	struct walk *w = ctx;
	int enrol = !strcmp(ev->type, AUTH_EV_ENROLLED);
	/* a rotation names the person's next key like an enrolment, signed by their key until then */
	int rotate = !strcmp(ev->type, AUTH_EV_ROTATED);
	json_t *p = NULL;
	struct sm2key *newkey = NULL;
	const char *person = NULL, *key_id = NULL;
	int rc = 0;
	if (enrol || rotate || !strcmp(ev->type, AUTH_EV_REVOKED)) {
		p = json_loads(ev->payload, JSON_REJECT_DUPLICATES, NULL);
		if (!p)
			return fail_at(w, seq, ev, _("its payload cannot be read"));
	}
	if ((enrol || rotate) && !(newkey = enrolled_key(w, p, &person, &key_id))) {
		json_decref(p);
		return fail_at(w, seq, ev, _("its enrolment names a key that does not match its key id"));
	}
	if (rotate && strcmp(person, ev->actor)) {
		sm2key_free(newkey);
		json_decref(p);
		return fail_at(w, seq, ev, _("a person replaces only their own key"));
	}

	if (!ev->sig) {
		if (!strcmp(ev->actor, "system"))
			w->r->system++;
		else if (!w->n && !enrol && !rotate)
			w->r->setup++;
		else
			rc = fail_at(w, seq, ev, _("it is not signed"));
	} else {
		/* who signs: a key of the actor's that signed at that moment, or, for the
		   store's first enrolment only, the key it enrols (the security
		   administrator enrolling themselves) */
		const struct sm2key *by = NULL;
		struct vkey *k = find_key(w, ev->key_id);
		if (k && !k->retired && !strcmp(k->person, ev->actor))
			by = k->pub;
		else if (enrol && !w->n && !strcmp(ev->key_id, key_id) && !strcmp(person, ev->actor))
			by = newkey;
		if (!by) {
			rc = fail_at(w, seq, ev,
				     k ? (strcmp(k->person, ev->actor) ? _("it is signed with another person's key")
								       : _("it is signed with a key that no longer signs"))
				       : _("it is signed with a key that was never enrolled"));
		} else {
			store_event_signed_text(ev, &w->text);
			int ok = sm2key_verify(by, w->text.s, w->text.len, ev->sig);
			if (ok == 1)
				w->r->verified++;
			else
				rc = fail_at(w, seq, ev, _("its signature does not match its content"));
		}
	}
	if (!rc && (enrol || rotate)) {
		add_key(w, person, key_id, newkey);
		newkey = NULL;
	} else if (!rc && p) {
		struct vkey *k = find_key(w, json_string_value(json_object_get(p, "key_id")) ?: "");
		if (k)
			k->retired = 1;
	}
	sm2key_free(newkey);
	json_decref(p);
	return rc;
}

int auth_verify_log(struct store *s, struct auth_report *r, struct buf *why)
{
	memset(r, 0, sizeof(*r));
	struct walk w = { NULL, 0, 0, r, why, BUF_INIT };
	int rc = store_event_foreach(s, 0, walk_one, &w);
	for (size_t i = 0; i < w.n; i++) {
		free(w.keys[i].key_id);
		free(w.keys[i].person);
		sm2key_free(w.keys[i].pub);
	}
	free(w.keys);
	buf_release(&w.text);
	if (rc < 0)
		buf_adds(why, store_error(s));
	return rc;
}

int auth_verify_event(struct store *s, int64_t seq)
{
	struct store_event ev;
	int rc = store_event_by_seq(s, seq, &ev);
	if (rc <= 0)
		return rc < 0 ? rc : AUTH_SIG_NONE;
	if (!ev.sig || !ev.key_id) {
		store_event_release(&ev);
		return AUTH_SIG_NONE;
	}
	/* the actor's key that signed at that moment: enrolled by then, not
	   retired before (a rotation is signed by the key it retires) */
	int status = 0;
	char *pub = store_sql_str(s, &status,
				  "SELECT public_key FROM auth_keys WHERE key_id = ?1 AND person = ?2"
				  " AND enrolled_seq <= ?3 AND (retired_seq IS NULL OR retired_seq >= ?3)",
				  "ssi", ev.key_id, ev.actor, seq);
	rc = AUTH_SIG_BAD;
	if (status < 0) {
		rc = status;
	} else if (pub) {
		struct buf err = BUF_INIT, text = BUF_INIT;
		struct sm2key *k = sm2key_from_public_b64(pub, &err);
		store_event_signed_text(&ev, &text);
		if (k && sm2key_verify(k, text.s, text.len, ev.sig) == 1)
			rc = AUTH_SIG_OK;
		sm2key_free(k);
		buf_release(&err);
		buf_release(&text);
	}
	free(pub);
	store_event_release(&ev);
	return rc;
}
