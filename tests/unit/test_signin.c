/*
 * The sign-in both front ends share (src/signin): a passphrase opens a
 * person's key; a wrong one, a missing key file or a key from elsewhere
 * is recorded as the system's failed sign-in and counts towards the lock;
 * a locked account is refused before its key is opened, saying until
 * when; an initial passphrase opens the key but must be replaced, under
 * the policy, before the sign-in is recorded, signed by the person.
 * People here have Chinese passphrases too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/sm2key.h"
#include "defs/defset.h"
#include "engine/engine.h"
#include "signin/signin.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/xalloc.h"
#include "engine_fixture.h"

/*
 * Enrol `person` as `by` (NULL: the store's first enrolment, by the person
 * themselves), their key saved under `pass` where the store keeps keys.
 */
static void enrol(struct fx *f, struct auth_session *by, const char *person, const char *pass)
{
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	char id[HASH_HEX_LEN + 1];
	assert_int_equal(sm2key_id(k, id), 0);
	char *pub = sm2key_public_b64(k);
	char *dir = xasprintf("%s/keys", store_dir(f->s));
	mkdir(dir, 0700);
	char *path = auth_key_path(f->s, person);
	assert_int_equal(sm2key_save(k, path, pass, strlen(pass), &SM2KEY_KDF_FAST, &err), 0);
	json_t *p = json_pack("{s:s, s:s, s:s}", "person", person, "key_id", id, "public_key", pub);
	struct auth_session *boot = NULL;
	if (!by) {
		boot = auth_session_enrolling(person, k);
		k = NULL;
	}
	auth_use_session(f->s, by ? by : boot);
	if (engine_act(f->e, NULL, AUTH_EV_ENROLLED, by ? auth_session_person(by) : person, p, NULL))
		fail_msg("enrol %s: %s", person, engine_error(f->e));
	auth_use_session(f->s, NULL);
	json_decref(p);
	auth_session_free(boot);
	sm2key_free(k);
	free(pub);
	free(path);
	free(dir);
	buf_release(&err);
}

/* The last event: its type, actor and payload (caller frees the payload). */
static json_t *last_event(struct fx *f, char *type, size_t ntype, char *actor, size_t nactor, int *signed_)
{
	struct store_event ev;
	assert_int_equal(store_event_by_seq(f->s, store_event_last_seq(f->s), &ev), 1);
	snprintf(type, ntype, "%s", ev.type);
	snprintf(actor, nactor, "%s", ev.actor);
	*signed_ = ev.sig != NULL;
	json_t *p = json_loads(ev.payload, 0, NULL);
	store_event_release(&ev);
	return p;
}

/* A store where tang.xue (security administrator) and wang.fang have keys; wang.fang's passphrase is initial. */
static struct auth_session *people(struct fx *f)
{
	enrol(f, NULL, "tang.xue", "Tang-2026");
	struct auth_session *tang = NULL;
	struct buf err = BUF_INIT;
	assert_int_equal(signin_open(f->s, f->e, "tang.xue", "Tang-2026", 9, &tang, &err), SIGNIN_OK);
	enrol(f, tang, "wang.fang", "初始口令Ab1");
	buf_release(&err);
	return tang;
}

static void test_wrong_passphrase_recorded_then_locked(void **state)
{
	struct fx *f = *state;
	struct auth_session *tang = people(f), *a = NULL;
	struct buf err = BUF_INIT;
	char type[64], actor[64];
	int sig;
	struct auth_policy pol;
	assert_int_equal(auth_policy_get(f->s, &pol), 0);
	for (int i = 1; i <= pol.max_failures; i++) {
		buf_reset(&err);
		assert_int_equal(signin_open(f->s, f->e, "wang.fang", "错误", strlen("错误"), &a, &err), SIGNIN_DENIED);
		assert_null(a);
		assert_string_equal(err.s, "wrong passphrase for 王芳");
		json_t *p = last_event(f, type, sizeof(type), actor, sizeof(actor), &sig);
		assert_string_equal(type, AUTH_EV_SIGNFAIL);
		assert_string_equal(actor, "system");
		assert_false(sig);
		assert_string_equal(json_string_value(json_object_get(p, "person")), "wang.fang");
		assert_string_equal(json_string_value(json_object_get(p, "reason")), "wrong passphrase");
		assert_non_null(json_string_value(json_object_get(p, "terminal")));
		json_decref(p);
	}
	/* locked: the right passphrase is not even tried; the attempt is recorded as such */
	int64_t seq = store_event_last_seq(f->s);
	time_t until = 0;
	buf_reset(&err);
	assert_int_equal(signin_locked(f->s, "wang.fang", &until, &err), 1);
	assert_true(until > 0);
	assert_non_null(strstr(err.s, "is locked until 2026-03-02 10:00"));
	buf_reset(&err);
	assert_int_equal(signin_open(f->s, f->e, "wang.fang", "初始口令Ab1", strlen("初始口令Ab1"), &a, &err),
			 SIGNIN_LOCKED);
	assert_null(a);
	assert_non_null(strstr(err.s, "docket unlock wang.fang"));
	assert_int_equal(store_event_last_seq(f->s), seq + 1);
	json_t *p = last_event(f, type, sizeof(type), actor, sizeof(actor), &sig);
	assert_string_equal(type, AUTH_EV_SIGNFAIL);
	assert_string_equal(json_string_value(json_object_get(p, "reason")), "account locked");
	json_decref(p);
	/* the lock stays as it was */
	time_t again = 0;
	buf_reset(&err);
	assert_int_equal(signin_locked(f->s, "wang.fang", &again, &err), 1);
	assert_true(again == until);
	auth_session_free(tang);
	buf_release(&err);
}

static void test_missing_key_file_and_no_key(void **state)
{
	struct fx *f = *state;
	struct auth_session *tang = people(f), *a = NULL;
	struct buf err = BUF_INIT;
	char type[64], actor[64];
	int sig;
	char *path = auth_key_path(f->s, "wang.fang");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(signin_open(f->s, f->e, "wang.fang", "x", 1, &a, &err), SIGNIN_DENIED);
	assert_string_equal(err.s, "王芳 has no key on this terminal (ask the security administrator)");
	json_t *p = last_event(f, type, sizeof(type), actor, sizeof(actor), &sig);
	assert_string_equal(json_string_value(json_object_get(p, "reason")), "no key file");
	json_decref(p);
	/* someone never enrolled */
	buf_reset(&err);
	assert_int_equal(signin_has_key(f->s, "zhao.lei", &err), SIGNIN_NOKEY);
	assert_non_null(strstr(err.s, "'zhao.lei' has no key in this store"));
	buf_reset(&err);
	assert_int_equal(signin_has_key(f->s, "tang.xue", &err), 0);
	free(path);
	auth_session_free(tang);
	buf_release(&err);
}

static void test_initial_passphrase_replaced_then_signed_in(void **state)
{
	struct fx *f = *state;
	struct auth_session *tang = people(f), *a = NULL;
	struct buf err = BUF_INIT;
	char type[64], actor[64];
	int sig;
	int64_t seq = store_event_last_seq(f->s);
	const char *initial = "初始口令Ab1";
	assert_int_equal(signin_open(f->s, f->e, "wang.fang", initial, strlen(initial), &a, &err),
			 SIGNIN_MUST_CHANGE);
	assert_non_null(a);
	assert_int_equal(store_event_last_seq(f->s), seq); /* nothing recorded yet */
	auth_use_session(f->s, a);
	/* the policy: 8 characters of 3 kinds */
	assert_int_equal(signin_set_passphrase(f->s, f->e, "wang.fang", auth_session_key(a), "短", 3, &err),
			 SIGNIN_WEAK);
	assert_int_equal(store_event_last_seq(f->s), seq);
	buf_reset(&err);
	const char *mine = "王芳的口令Xy9";
	assert_int_equal(signin_set_passphrase(f->s, f->e, "wang.fang", auth_session_key(a), mine, strlen(mine),
					       &err), 0);
	json_t *p = last_event(f, type, sizeof(type), actor, sizeof(actor), &sig);
	assert_string_equal(type, AUTH_EV_PASSWD);
	assert_string_equal(actor, "wang.fang");
	assert_true(sig);
	json_decref(p);
	assert_int_equal(signin_record(f->e, "wang.fang", "tui", 0, &err), 0);
	p = last_event(f, type, sizeof(type), actor, sizeof(actor), &sig);
	assert_string_equal(type, AUTH_EV_SIGNIN);
	assert_string_equal(actor, "wang.fang");
	assert_true(sig);
	assert_string_equal(json_string_value(json_object_get(p, "how")), "tui");
	assert_null(json_object_get(p, "minutes"));
	json_decref(p);
	auth_use_session(f->s, NULL);
	auth_session_free(a);
	a = NULL;
	/* the key file opens with the new passphrase only; the account is no longer initial */
	assert_int_equal(signin_open(f->s, f->e, "wang.fang", initial, strlen(initial), &a, &err), SIGNIN_DENIED);
	buf_reset(&err);
	assert_int_equal(signin_open(f->s, f->e, "wang.fang", mine, strlen(mine), &a, &err), SIGNIN_OK);
	assert_string_equal(auth_session_person(a), "wang.fang");
	auth_session_free(a);
	auth_session_free(tang);
	buf_release(&err);
}

static void test_key_from_another_store(void **state)
{
	struct fx *f = *state;
	struct auth_session *tang = people(f), *a = NULL;
	struct buf err = BUF_INIT;
	char type[64], actor[64];
	int sig;
	/* a key that opens with the passphrase, but is not wang.fang's here */
	struct sm2key *k = sm2key_generate(&err);
	char *path = auth_key_path(f->s, "wang.fang");
	assert_int_equal(sm2key_save(k, path, "Other-2026", 10, &SM2KEY_KDF_FAST, &err), 0);
	assert_int_equal(signin_open(f->s, f->e, "wang.fang", "Other-2026", 10, &a, &err), SIGNIN_DENIED);
	assert_null(a);
	json_t *p = last_event(f, type, sizeof(type), actor, sizeof(actor), &sig);
	assert_string_equal(type, AUTH_EV_SIGNFAIL);
	assert_string_equal(json_string_value(json_object_get(p, "reason")), "key not enrolled here");
	json_decref(p);
	sm2key_free(k);
	free(path);
	auth_session_free(tang);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wrong_passphrase_recorded_then_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_key_file_and_no_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initial_passphrase_replaced_then_signed_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_from_another_store, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
