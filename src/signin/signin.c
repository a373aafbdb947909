/*
 * signin: proving who acts, shared by the command line and the TUI
 * (signin.h). The passphrase comes from the caller; everything recorded
 * goes through the engine, which judges it (src/engine/people.c).
 */
#include "signin.h"

#include <jansson.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../auth/agent.h"
#include "../auth/auth.h"
#include "../auth/sm2key.h"
#include "../defs/org.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"

void signin_terminal(struct buf *out)
{
	char host[HOST_NAME_MAX + 1] = "";
	if (gethostname(host, sizeof(host)))
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	const char *tty = ttyname(STDIN_FILENO);
	const struct passwd *pw = getpwuid(getuid());
	buf_addf(out, "%s %s %s", host, tty ? tty : "-", pw ? pw->pw_name : "?");
}

const struct sm2key_kdf *signin_kdf(struct store *s)
{
	return store_kind(s) == STORE_KIND_TEST ? &SM2KEY_KDF_FAST : &SM2KEY_KDF_DEFAULT;
}

int signin_locked(struct store *s, const char *person, time_t *until, struct buf *err)
{
	struct auth_account a;
	if (auth_account_get(s, person, &a) < 0) {
		buf_adds(err, store_error(s));
		return SIGNIN_ERR;
	}
	if (a.locked_until <= (int64_t)clock_now())
		return 0;
	time_t when = (time_t)a.locked_until;
	if (until)
		*until = when;
	char at[64];
	clock_format_local(when, at, sizeof(at));
	buf_addf(err,
		 _("the account of '%s' is locked until %s after too many failed sign-ins "
		   "(the security administrator can unlock it: docket unlock %s)"),
		 person, at, person);
	return 1;
}

int signin_try_locked(struct store *s, struct engine *e, const char *person, struct buf *err)
{
	int rc = signin_locked(s, person, NULL, err);
	if (rc <= 0)
		return rc;
	/* tried while locked: the trail says so */
	struct buf rec = BUF_INIT;
	if (signin_record_failure(e, person, "account locked", &rec) < 0)
		buf_addf(err, "; %s", rec.s);
	buf_release(&rec);
	return 1;
}

int signin_has_key(struct store *s, const char *person, struct buf *err)
{
	char *key_id = NULL;
	int rc = auth_current_key(s, person, &key_id, NULL);
	free(key_id);
	if (rc > 0)
		return 0;
	if (rc < 0) {
		buf_adds(err, store_error(s));
		return SIGNIN_ERR;
	}
	buf_addf(err, _("'%s' has no key in this store: the security administrator enrols people (docket enrol %s)"),
		 person, person);
	return SIGNIN_NOKEY;
}

/* The agent's signer for a remote session: ctx is the connection. */
static int agent_signer(void *ctx, const char *person, const char *key_id, const char *text, size_t len,
			char **sig, struct buf *err)
{
	return agent_sign(ctx, person, key_id, text, len, sig, err);
}

int signin_agent(struct store *s, const char *person, struct auth_session **out, struct agent_conn **conn,
		 struct buf *err)
{
	*out = NULL;
	*conn = NULL;
	char *key_id = NULL;
	int rc = auth_current_key(s, person, &key_id, NULL);
	if (rc <= 0) {
		if (rc < 0)
			buf_adds(err, store_error(s));
		return rc < 0 ? SIGNIN_ERR : 0;
	}
	struct agent_conn *ac = NULL;
	struct buf why = BUF_INIT;
	int held = 0;
	rc = agent_connect(&ac, &why);
	if (rc == AGENT_OK) {
		struct agent_key *keys = NULL;
		size_t n = 0;
		if (agent_list(ac, &keys, &n, &why) == 0)
			for (size_t i = 0; i < n; i++)
				held |= !strcmp(keys[i].person, person) && !strcmp(keys[i].key_id, key_id);
		agent_keys_free(keys, n);
	}
	free(key_id);
	if (rc == AGENT_UNSAFE) {
		/* a socket someone else could have planted is never used */
		buf_adds(err, why.s);
		buf_release(&why);
		return SIGNIN_ERR;
	}
	buf_release(&why);
	if (!held) {
		agent_close(ac);
		return 0;
	}
	if (auth_session_remote(s, person, agent_signer, ac, out, err) < 0) {
		agent_close(ac);
		return SIGNIN_ERR;
	}
	*conn = ac;
	return 1;
}

int signin_agent_holds(struct agent_conn *conn, const char *person, const char *key_id)
{
	struct buf err = BUF_INIT;
	struct agent_key *keys = NULL;
	size_t n = 0;
	int held = 0;
	if (conn && agent_list(conn, &keys, &n, &err) == 0)
		for (size_t i = 0; i < n; i++)
			held |= !strcmp(keys[i].person, person) && !strcmp(keys[i].key_id, key_id);
	agent_keys_free(keys, n);
	buf_release(&err);
	return held;
}

int signin_lend(const struct auth_session *a)
{
	const struct sm2key *k = auth_session_key(a);
	char *clear = k ? sm2key_private_b64(k) : NULL;
	int fd[2];
	if (!clear)
		return -1;
	if (pipe(fd)) {
		sm2key_wipe(clear, strlen(clear));
		free(clear);
		return -1;
	}
	struct buf text = BUF_INIT;
	buf_addf(&text, "%s\n%s\n", auth_session_person(a), clear);
	/* a few hundred bytes: within the pipe's buffer, so no reader is needed yet */
	ssize_t w = write(fd[1], text.s, text.len);
	close(fd[1]);
	sm2key_wipe(text.s, text.len);
	buf_release(&text);
	sm2key_wipe(clear, strlen(clear));
	free(clear);
	if (w < 0) {
		close(fd[0]);
		return -1;
	}
	return fd[0];
}

int signin_lent_read(struct buf *lent)
{
	const char *v = getenv("DOCKET_SESSION_FD");
	if (!v)
		return 0;
	char *end;
	long fd = strtol(v, &end, 10);
	unsetenv("DOCKET_SESSION_FD");
	if (*end || fd < 3 || fd > INT_MAX)
		return 0;
	char chunk[512];
	ssize_t r;
	while (lent->len < 8192 && (r = read((int)fd, chunk, sizeof(chunk))) > 0)
		buf_add(lent, chunk, (size_t)r);
	sm2key_wipe(chunk, sizeof(chunk));
	close((int)fd);
	return lent->len > 0;
}

int signin_lent_session(struct store *s, const char *person, const struct buf *lent, struct auth_session **out,
			struct buf *err)
{
	*out = NULL;
	if (!lent->len)
		return 0;
	struct buf text = BUF_INIT;
	buf_add(&text, lent->s, lent->len);
	char *nl = strchr(text.s, '\n'), *key = nl ? nl + 1 : NULL, *nl2 = key ? strchr(key, '\n') : NULL;
	int rc = 0;
	if (nl2) {
		*nl = *nl2 = '\0';
		if (!strcmp(text.s, person)) {
			struct sm2key *k = sm2key_from_private_b64(key, err);
			rc = k && auth_session_from_key(s, person, k, out, err) == 0 ? 1 : SIGNIN_ERR;
		}
	}
	sm2key_wipe(text.s, text.len);
	buf_release(&text);
	return rc;
}

int signin_record_failure(struct engine *e, const char *person, const char *reason, struct buf *err)
{
	json_t *p = json_object();
	struct buf where = BUF_INIT;
	signin_terminal(&where);
	json_object_set_new(p, "person", json_string(person));
	json_object_set_new(p, "terminal", json_string(where.s));
	json_object_set_new(p, "reason", json_string(reason));
	buf_release(&where);
	/* the system's event: unsigned whoever's session the store has */
	int rc = engine_act(e, NULL, AUTH_EV_SIGNFAIL, "system", p, NULL);
	json_decref(p);
	if (rc < 0) {
		buf_addf(err, _("the failed sign-in could not be recorded: %s"), engine_error(e));
		return SIGNIN_ERR;
	}
	return 0;
}

int signin_record(struct engine *e, const char *person, const char *how, int minutes, struct buf *err)
{
	json_t *p = json_object();
	struct buf where = BUF_INIT;
	signin_terminal(&where);
	json_object_set_new(p, "terminal", json_string(where.s));
	json_object_set_new(p, "how", json_string(how));
	if (minutes > 0)
		json_object_set_new(p, "minutes", json_integer(minutes));
	buf_release(&where);
	int rc = engine_act(e, NULL, AUTH_EV_SIGNIN, person, p, NULL);
	json_decref(p);
	if (rc < 0) {
		buf_adds(err, engine_error(e));
		return SIGNIN_ERR;
	}
	return 0;
}

int signin_open(struct store *s, struct engine *e, const char *person, const char *pass, size_t len,
		struct auth_session **out, struct buf *err)
{
	*out = NULL;
	int rc = signin_try_locked(s, e, person, err);
	if (rc)
		return rc < 0 ? SIGNIN_ERR : SIGNIN_LOCKED;
	struct sm2key *k = NULL;
	struct buf why = BUF_INIT;
	char *path = auth_key_path(s, person);
	rc = sm2key_load(path, pass, len, &k, &why);
	free(path);
	if (rc == SM2KEY_BADPASS || rc == SM2KEY_MISSING) {
		buf_release(&why);
		/* the person by name, as the sign-in screen asks for them */
		const struct org *o = engine_org(e);
		const struct org_user *u = o ? org_user(o, person) : NULL;
		buf_addf(err,
			 rc == SM2KEY_BADPASS ? _("wrong passphrase for %s")
					      : _("%s has no key on this terminal (ask the security administrator)"),
			 u && u->name ? u->name : person);
		struct buf rec = BUF_INIT;
		if (signin_record_failure(e, person, rc == SM2KEY_BADPASS ? "wrong passphrase" : "no key file",
					  &rec) < 0)
			buf_addf(err, "; %s", rec.s);
		buf_release(&rec);
		return SIGNIN_DENIED;
	}
	if (rc < 0) {
		buf_adds(err, why.s);
		buf_release(&why);
		return SIGNIN_ERR;
	}
	buf_release(&why);
	if (auth_session_from_key(s, person, k, out, err) < 0) {
		struct buf rec = BUF_INIT;
		if (signin_record_failure(e, person, "key not enrolled here", &rec) < 0)
			buf_addf(err, "; %s", rec.s);
		buf_release(&rec);
		return SIGNIN_DENIED;
	}
	struct auth_account a;
	if (auth_account_get(s, person, &a) < 0) {
		buf_adds(err, store_error(s));
		auth_session_free(*out);
		*out = NULL;
		return SIGNIN_ERR;
	}
	return a.must_change ? SIGNIN_MUST_CHANGE : SIGNIN_OK;
}

int signin_set_passphrase(struct store *s, struct engine *e, const char *person, const struct sm2key *k,
			  const char *pass, size_t len, struct buf *err)
{
	struct auth_policy pol;
	if (auth_policy_get(s, &pol) < 0) {
		buf_adds(err, store_error(s));
		return SIGNIN_ERR;
	}
	if (auth_policy_check(&pol, pass, err) < 0)
		return SIGNIN_WEAK;
	char *path = auth_key_path(s, person);
	int rc = sm2key_save(k, path, pass, len, signin_kdf(s), err);
	free(path);
	if (rc < 0)
		return SIGNIN_ERR;
	json_t *p = json_object();
	rc = engine_act(e, NULL, AUTH_EV_PASSWD, person, p, NULL);
	json_decref(p);
	if (rc < 0) {
		buf_adds(err, engine_error(e));
		return SIGNIN_ERR;
	}
	return 0;
}

int signin_rotate(struct store *s, struct engine *e, const char *person, const char *pass, size_t len,
		  struct sm2key **newkey, struct buf *err)
{
	*newkey = NULL;
	char *old = NULL;
	int rc = auth_current_key(s, person, &old, NULL);
	if (rc <= 0) {
		if (rc < 0)
			buf_adds(err, store_error(s));
		else
			buf_addf(err, _("'%s' has no key in this store: the security administrator enrols people (docket enrol %s)"),
				 person, person);
		return rc < 0 ? SIGNIN_ERR : SIGNIN_NOKEY;
	}
	struct sm2key *k = sm2key_generate(err);
	char id[HASH_HEX_LEN + 1];
	char *pub = k ? sm2key_public_b64(k) : NULL, *proof = NULL;
	char *path = auth_key_path(s, person), *tmp = xasprintf("%s.new", path);
	struct buf text = BUF_INIT;
	rc = SIGNIN_ERR;
	if (!k || !pub || sm2key_id(k, id) < 0) {
		if (k)
			buf_adds(err, _("unable to read the new key"));
	} else if (sm2key_save(k, tmp, pass, len, signin_kdf(s), err) == 0) {
		auth_rotation_text(person, old, id, &text);
		proof = sm2key_sign(k, text.s, text.len, err);
		rc = proof ? 0 : SIGNIN_ERR;
	}
	if (!rc) {
		json_t *p = json_object();
		json_object_set_new(p, "person", json_string(person));
		json_object_set_new(p, "old_key_id", json_string(old));
		json_object_set_new(p, "key_id", json_string(id));
		json_object_set_new(p, "public_key", json_string(pub));
		json_object_set_new(p, "proof", json_string(proof));
		struct buf where = BUF_INIT;
		signin_terminal(&where);
		json_object_set_new(p, "terminal", json_string(where.s));
		buf_release(&where);
		if (engine_act(e, NULL, AUTH_EV_ROTATED, person, p, NULL) < 0) {
			buf_adds(err, engine_error(e));
			rc = SIGNIN_ERR;
		}
		json_decref(p);
		if (rc)
			unlink(tmp);
	}
	if (!rc && rename(tmp, path)) {
		/* recorded: the new key alone signs now, and its file is the .new one */
		buf_addf(err, _("the key of '%s' is replaced, but the new key file could not be put in place: %s "
				"(move '%s' to '%s')"),
			 person, strerror(errno), tmp, path);
		rc = SIGNIN_ERR;
	}
	if (!rc) {
		*newkey = k;
		k = NULL;
	}
	sm2key_free(k);
	free(pub);
	free(proof);
	free(old);
	free(path);
	free(tmp);
	buf_release(&text);
	return rc;
}
