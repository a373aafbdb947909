/*
 * Who acts: the setup phase ends with the security administrator's
 * self-signed enrolment; from then on every event a person makes is
 * signed, and auth_verify_log finds every forgery an attacker with the
 * database could try — a signature removed or altered, another person's
 * key, a revoked key, a signed event replayed under a new UUID, content
 * changed after signing — naming the first bad event. Events are forged
 * by writing rows the way the store would (its hash chain recomputed),
 * so only the signatures can catch them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/sm2key.h"
#include "defs/defset.h"
#include "engine/engine.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/xalloc.h"
#include "engine_fixture.h"

/* Enrol `person` as `by` (whose session signs), returning their key. */
static struct sm2key *enrol(struct fx *f, struct auth_session *by, const char *person)
{
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	char id[HASH_HEX_LEN + 1];
	assert_int_equal(sm2key_id(k, id), 0);
	char *pub = sm2key_public_b64(k);
	json_t *p = json_pack("{s:s, s:s, s:s}", "person", person, "key_id", id, "public_key", pub);
	struct auth_session *boot = NULL;
	if (!by) {
		/* the store's first: signed by the key it enrols */
		char *clear = sm2key_private_b64(k);
		boot = auth_session_enrolling(person, sm2key_from_private_b64(clear, &err));
		free(clear);
		auth_use_session(f->s, boot);
	} else {
		auth_use_session(f->s, by);
	}
	int rc = engine_act(f->e, NULL, AUTH_EV_ENROLLED, by ? auth_session_person(by) : person, p, NULL);
	if (rc)
		fail_msg("enrol %s: %s", person, engine_error(f->e));
	json_decref(p);
	free(pub);
	auth_use_session(f->s, NULL);
	auth_session_free(boot);
	buf_release(&err);
	return k;
}

/* A session for `person` with a copy of key k. */
static struct auth_session *session(struct fx *f, const char *person, const struct sm2key *k)
{
	struct buf err = BUF_INIT;
	char *clear = sm2key_private_b64(k);
	struct auth_session *a = NULL;
	int rc = auth_session_from_key(f->s, person, sm2key_from_private_b64(clear, &err), &a, &err);
	if (rc)
		fail_msg("session %s: %s", person, err.s);
	free(clear);
	buf_release(&err);
	return a;
}

/* Start a leave as `a`'s person; the request id (caller frees). */
static char *leave(struct fx *f, struct auth_session *a)
{
	auth_use_session(f->s, a);
	json_t *in = json_pack("{s:s, s:s, s:s, s:s}", "type", "personal", "start", "2026-04-07", "end",
			       "2026-04-07", "reason", "家中有事");
	char *id = NULL;
	int rc = engine_start(f->e, NULL, auth_session_person(a), "leave", in, NULL, 0, &id);
	if (rc)
		fail_msg("leave: %s", engine_error(f->e));
	json_decref(in);
	auth_use_session(f->s, NULL);
	return id;
}

/* auth_verify_log: 0, or the first bad sequence. */
static int64_t verify(struct fx *f, struct auth_report *r)
{
	struct buf why = BUF_INIT;
	int rc = auth_verify_log(f->s, r, &why);
	assert_true(rc >= 0);
	int64_t bad = rc ? r->bad_seq : 0;
	buf_release(&why);
	return bad;
}

/* Rewrite event seq's columns with SQL, then the chain from there on (as an attacker with the file would). */
static void forge(struct fx *f, const char *sql, int64_t seq)
{
	sqlite3 *db = store_sqlite(f->s);
	char *q = sqlite3_mprintf("DROP TRIGGER IF EXISTS events_immutable_update;"
				  "DROP TRIGGER IF EXISTS events_immutable_delete;");
	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(q);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, seq);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	/* a correct chain: only the signature can tell */
	assert_int_equal(store_event_rechain_for_tests(f->s), 0);
	int64_t bad = 0;
	assert_int_equal(store_event_verify(f->s, &bad), 0);
}

static void test_setup_phase_and_signed_actions(void **state)
{
	struct fx *f = *state;
	struct auth_report r;
	assert_int_equal(verify(f, &r), 0);
	assert_int_equal(r.verified, 0);
	assert_true(r.setup > 0); /* the deployment, unsigned while nobody has a key */

	/* nobody but a security administrator ends the setup phase, and only by enrolling themselves */
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	char id[HASH_HEX_LEN + 1];
	sm2key_id(k, id);
	char *pub = sm2key_public_b64(k);
	json_t *p = json_pack("{s:s, s:s, s:s}", "person", "zhang.wei", "key_id", id, "public_key", pub);
	assert_int_equal(engine_act(f->e, NULL, AUTH_EV_ENROLLED, "zhang.wei", p, NULL), ENG_REFUSED);
	assert_non_null(strstr(engine_error(f->e), "security administrator"));
	json_decref(p);
	free(pub);
	sm2key_free(k);

	struct sm2key *sec = enrol(f, NULL, "tang.xue");
	struct auth_session *tang = session(f, "tang.xue", sec);
	struct sm2key *zk = enrol(f, tang, "zhang.wei");
	sm2key_free(enrol(f, tang, "huang.wei"));
	struct auth_session *zhang = session(f, "zhang.wei", zk);
	free(leave(f, zhang));
	assert_int_equal(verify(f, &r), 0);
	assert_int_equal(r.verified, 4); /* three enrolments, one leave */

	/* after the setup phase nothing a person does goes unsigned */
	auth_use_session(f->s, NULL);
	json_t *o = json_pack("{s:s}", "text", "同意");
	assert_true(engine_act(f->e, NULL, "opinion.added", "zhang.wei", o, NULL) < 0);
	assert_non_null(strstr(engine_error(f->e), "not signed in"));
	/* nor as someone else than the session's person */
	auth_use_session(f->s, zhang);
	assert_true(engine_act(f->e, NULL, "opinion.added", "huang.wei", o, NULL) < 0);
	json_decref(o);
	auth_use_session(f->s, NULL);

	/* a key file from elsewhere is not the person's key here */
	struct sm2key *stranger = sm2key_generate(&err);
	struct auth_session *fake = NULL;
	assert_true(auth_session_from_key(f->s, "zhang.wei", stranger, &fake, &err) < 0);
	assert_non_null(strstr(err.s, "not the key"));

	/* the administrators do their own work only */
	struct auth_session *t2 = tang;
	json_t *in = json_pack("{s:s, s:s, s:s, s:s}", "type", "personal", "start", "2026-04-07", "end",
			       "2026-04-07", "reason", "私事");
	auth_use_session(f->s, t2);
	assert_int_equal(engine_start(f->e, NULL, "tang.xue", "leave", in, NULL, 0, NULL), ENG_REFUSED);
	assert_non_null(strstr(engine_error(f->e), "三员分立"));
	json_decref(in);
	auth_use_session(f->s, NULL);

	auth_session_free(zhang);
	auth_session_free(tang);
	sm2key_free(sec);
	sm2key_free(zk);
	buf_release(&err);
}

/* A store past its setup phase with zhang.wei's leave at the last event. */
static int64_t signed_leave(struct fx *f)
{
	struct sm2key *sec = enrol(f, NULL, "tang.xue");
	struct auth_session *tang = session(f, "tang.xue", sec);
	struct sm2key *zk = enrol(f, tang, "zhang.wei");
	struct sm2key *hk = enrol(f, tang, "huang.wei");
	struct auth_session *zhang = session(f, "zhang.wei", zk);
	free(leave(f, zhang));
	auth_session_free(zhang);
	auth_session_free(tang);
	sm2key_free(sec);
	sm2key_free(zk);
	sm2key_free(hk);
	return store_event_last_seq(f->s);
}

static void test_signature_removed(void **state)
{
	struct fx *f = *state;
	int64_t seq = signed_leave(f);
	assert_int_equal(auth_verify_event(f->s, seq), AUTH_SIG_OK); /* the TUI's ✓ */
	forge(f, "UPDATE events SET key_id = NULL, sig = NULL WHERE seq = ?1", seq);
	struct auth_report r;
	assert_int_equal(verify(f, &r), seq);
	assert_int_equal(auth_verify_event(f->s, seq), AUTH_SIG_NONE);
}

static void test_content_changed_after_signing(void **state)
{
	struct fx *f = *state;
	int64_t seq = signed_leave(f);
	forge(f, "UPDATE events SET payload = replace(payload, '家中有事', '出国旅游') WHERE seq = ?1", seq);
	struct auth_report r;
	assert_int_equal(verify(f, &r), seq);
	assert_int_equal(auth_verify_event(f->s, seq), AUTH_SIG_BAD); /* the TUI's warning */
}

static void test_signed_with_another_persons_key(void **state)
{
	struct fx *f = *state;
	int64_t seq = signed_leave(f);
	/* huang.wei's key id on zhang.wei's event (his signature bytes are kept) */
	forge(f,
	      "UPDATE events SET key_id = (SELECT key_id FROM auth_keys WHERE person = 'huang.wei')"
	      " WHERE seq = ?1",
	      seq);
	struct auth_report r;
	assert_int_equal(verify(f, &r), seq);
	assert_int_equal(auth_verify_event(f->s, seq), AUTH_SIG_BAD);
}

static void test_replayed_under_a_new_uuid(void **state)
{
	struct fx *f = *state;
	int64_t seq = signed_leave(f);
	forge(f, "UPDATE events SET uuid = '00000000-0000-4000-8000-000000000000' WHERE seq = ?1", seq);
	struct auth_report r;
	assert_int_equal(verify(f, &r), seq);
}

static void test_revoked_key_signs_nothing_after(void **state)
{
	struct fx *f = *state;
	struct sm2key *sec = enrol(f, NULL, "tang.xue");
	struct auth_session *tang = session(f, "tang.xue", sec);
	struct sm2key *zk = enrol(f, tang, "zhang.wei");
	struct auth_session *zhang = session(f, "zhang.wei", zk);
	free(leave(f, zhang)); /* signed while the key was good: stays valid */
	char *kid = NULL;
	assert_int_equal(auth_current_key(f->s, "zhang.wei", &kid, NULL), 1);
	json_t *p = json_pack("{s:s}", "key_id", kid);
	auth_use_session(f->s, tang);
	assert_int_equal(engine_act(f->e, NULL, AUTH_EV_REVOKED, "tang.xue", p, NULL), 0);
	json_decref(p);
	/* the live path refuses the old key at once */
	struct buf err = BUF_INIT;
	char *clear = sm2key_private_b64(zk);
	struct auth_session *again = NULL;
	assert_true(auth_session_from_key(f->s, "zhang.wei", sm2key_from_private_b64(clear, &err), &again, &err) < 0);
	free(clear);
	/* nor does a session opened before it (a TUI left open): refused as it signs, and marked stale */
	auth_use_session(f->s, zhang);
	json_t *o = json_pack("{s:s}", "text", "同意");
	assert_true(engine_act(f->e, NULL, "opinion.added", "zhang.wei", o, NULL) < 0);
	assert_non_null(strstr(engine_error(f->e), "no longer theirs"));
	assert_true(auth_session_stale(zhang));
	json_decref(o);
	auth_use_session(f->s, NULL);
	struct auth_report r;
	assert_int_equal(verify(f, &r), 0);
	/* an event made after the revocation, signed with the old key (someone kept a copy) */
	char uuid[37];
	uuid_v4(uuid);
	struct store_event ev = { uuid, "opinion.added", "zhang.wei", NULL, NULL, "2026-03-02T01:30:00Z", 0,
				  "{\"text\":\"同意\"}", NULL, NULL };
	struct buf text = BUF_INIT;
	store_event_signed_text(&ev, &text);
	char *sig = sm2key_sign(zk, text.s, text.len, &err);
	ev.key_id = kid;
	ev.sig = sig;
	store_set_signer(f->s, NULL, NULL);
	int64_t seq = 0;
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_event_append(f->s, &ev, &seq), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(verify(f, &r), seq);
	free(sig);
	buf_release(&text);
	auth_use_session(f->s, NULL);
	auth_session_free(zhang);
	auth_session_free(tang);
	sm2key_free(sec);
	sm2key_free(zk);
	free(kid);
	buf_release(&err);
}

/* zhang.wei replaces key `old` (his session `by`) with `next`; the engine's answer. */
static int rotate(struct fx *f, struct auth_session *by, const char *actor, const struct sm2key *old,
		  const struct sm2key *next, const struct sm2key *prover)
{
	char oid[HASH_HEX_LEN + 1], nid[HASH_HEX_LEN + 1];
	sm2key_id(old, oid);
	sm2key_id(next, nid);
	struct buf text = BUF_INIT, err = BUF_INIT;
	auth_rotation_text("zhang.wei", oid, nid, &text);
	char *proof = sm2key_sign(prover, text.s, text.len, &err), *pub = sm2key_public_b64(next);
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s}", "person", "zhang.wei", "old_key_id", oid, "key_id", nid,
			      "public_key", pub, "proof", proof);
	auth_use_session(f->s, by);
	int rc = engine_act(f->e, NULL, AUTH_EV_ROTATED, actor, p, NULL);
	auth_use_session(f->s, NULL);
	json_decref(p);
	free(proof);
	free(pub);
	buf_release(&text);
	buf_release(&err);
	return rc;
}

static void test_rotated_key(void **state)
{
	struct fx *f = *state;
	struct sm2key *sec = enrol(f, NULL, "tang.xue");
	struct auth_session *tang = session(f, "tang.xue", sec);
	struct sm2key *zk = enrol(f, tang, "zhang.wei");
	struct auth_session *zhang = session(f, "zhang.wei", zk);
	free(leave(f, zhang)); /* signed by the old key: stays valid */
	struct buf err = BUF_INIT;
	struct sm2key *nk = sm2key_generate(&err), *other = sm2key_generate(&err);

	/* only the person, with the new key's proof */
	assert_int_equal(rotate(f, tang, "tang.xue", zk, nk, nk), ENG_REFUSED);
	assert_non_null(strstr(engine_error(f->e), "only their own key"));
	assert_int_equal(rotate(f, zhang, "zhang.wei", zk, nk, other), ENG_REFUSED);
	assert_non_null(strstr(engine_error(f->e), "proof"));
	assert_int_equal(rotate(f, zhang, "zhang.wei", zk, nk, nk), 0);
	char *kid = NULL, nid[HASH_HEX_LEN + 1];
	sm2key_id(nk, nid);
	assert_int_equal(auth_current_key(f->s, "zhang.wei", &kid, NULL), 1);
	assert_string_equal(kid, nid);
	free(kid);

	/* the session that began with the old key signs nothing more, and says so */
	assert_false(auth_session_stale(zhang));
	auth_use_session(f->s, zhang);
	json_t *o = json_pack("{s:s}", "text", "同意");
	assert_true(engine_act(f->e, NULL, "opinion.added", "zhang.wei", o, NULL) < 0);
	assert_non_null(strstr(engine_error(f->e), "sign in again"));
	assert_true(auth_session_stale(zhang));
	/* the new key signs */
	struct auth_session *z2 = session(f, "zhang.wei", nk);
	auth_use_session(f->s, z2);
	assert_int_equal(engine_act(f->e, NULL, "opinion.added", "zhang.wei", o, NULL), 0);
	json_decref(o);
	auth_use_session(f->s, NULL);
	struct auth_report r;
	assert_int_equal(verify(f, &r), 0);
	assert_int_equal(r.verified, 6); /* 2 enrolments, the leave, tang.xue's refusal (audited), the rotation, the opinion */

	/* an event after the rotation signed with the old key (a copy kept somewhere) fails check */
	char uuid[37], oid[HASH_HEX_LEN + 1];
	uuid_v4(uuid);
	sm2key_id(zk, oid);
	struct store_event ev = { uuid, "opinion.added", "zhang.wei", NULL, NULL, "2026-03-02T01:40:00Z", 0,
				  "{\"text\":\"已阅\"}", NULL, NULL };
	struct buf text = BUF_INIT;
	store_event_signed_text(&ev, &text);
	char *sig = sm2key_sign(zk, text.s, text.len, &err);
	ev.key_id = oid;
	ev.sig = sig;
	store_set_signer(f->s, NULL, NULL);
	int64_t seq = 0;
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_event_append(f->s, &ev, &seq), 0);
	assert_int_equal(store_commit(f->s), 0);
	struct buf why = BUF_INIT;
	assert_int_equal(auth_verify_log(f->s, &r, &why), 1);
	assert_int_equal(r.bad_seq, seq);
	assert_non_null(strstr(why.s, "no longer signs"));
	buf_release(&why);
	free(sig);
	buf_release(&text);
	auth_session_free(z2);
	auth_session_free(zhang);
	auth_session_free(tang);
	sm2key_free(sec);
	sm2key_free(zk);
	sm2key_free(nk);
	sm2key_free(other);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_setup_phase_and_signed_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signature_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_changed_after_signing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_with_another_persons_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replayed_under_a_new_uuid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_key_signs_nothing_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotated_key, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
