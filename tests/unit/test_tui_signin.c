/*
 * TUI snapshots of who acts (src/tui/signin.c): the sign-in screen, a
 * wrong passphrase said there and recorded as the CLI records it, an
 * initial passphrase replaced under the policy before the sign-in is
 * recorded, a person found by their Chinese name, the demo hint, the idle
 * lock (the inbox beneath it intact once unlocked, recorded as "unlock")
 * and an account that locks itself at the lock. The store has the shipped
 * definitions and people enrolled with key files, as `docket enrol` makes
 * them; no agent runs (DOCKET_AGENT names a socket nobody listens on), so
 * every sign-in here is by passphrase. DOCKET_UPDATE_SCREENS=1 rewrites
 * the expected screens (tests/unit/screens/signin-*.txt).
 */
#include "tui_harness.h"

#include "auth/sm2key.h"
#include "defs/defset.h"
#include "signin/signin.h"

static char tmpdir[] = "/tmp/docket-test-tui-signin-XXXXXX";

/* The passphrases: everyone's own, and wang.fang's initial one. */
#define OWN "Docket-2026"
#define INITIAL "初始口令Ab1"

/*
 * Enrol `person` as `by` (NULL: the store's first enrolment, the security
 * administrator herself), their key file under `pass`.
 */
static void enrol(struct engine *e, struct auth_session *by, const char *person, const char *pass)
{
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	char id[HASH_HEX_LEN + 1];
	assert_int_equal(sm2key_id(k, id), 0);
	char *pub = sm2key_public_b64(k);
	char *dir = xasprintf("%s/keys", store_dir(store));
	mkdir(dir, 0700);
	char *path = auth_key_path(store, person);
	assert_int_equal(sm2key_save(k, path, pass, strlen(pass), &SM2KEY_KDF_FAST, &err), 0);
	json_t *p = json_pack("{s:s, s:s, s:s}", "person", person, "key_id", id, "public_key", pub);
	struct auth_session *boot = by ? NULL : auth_session_enrolling(person, k);
	if (boot)
		k = NULL;
	auth_use_session(store, by ? by : boot);
	if (engine_act(e, NULL, AUTH_EV_ENROLLED, by ? auth_session_person(by) : person, p, NULL))
		fail_msg("enrol %s: %s", person, engine_error(e));
	auth_use_session(store, NULL);
	json_decref(p);
	auth_session_free(boot);
	sm2key_free(k);
	free(pub);
	free(path);
	free(dir);
	buf_release(&err);
}

/* `person`'s initial passphrase replaced by the same one: their own from now on. */
static void own_passphrase(struct engine *e, const char *person)
{
	struct auth_session *a = NULL;
	struct buf err = BUF_INIT;
	assert_int_equal(signin_open(store, e, person, OWN, strlen(OWN), &a, &err), SIGNIN_MUST_CHANGE);
	auth_use_session(store, a);
	assert_int_equal(signin_set_passphrase(store, e, person, auth_session_key(a), OWN, strlen(OWN), &err), 0);
	auth_use_session(store, NULL);
	auth_session_free(a);
	buf_release(&err);
}

static int setup_store(void **state)
{
	(void)state;
	store_create(tmpdir);
	/* no agent: a socket path nobody listens on */
	struct buf sock = BUF_INIT;
	buf_addf(&sock, "%s/agent/agent.sock", tmpdir);
	setenv("DOCKET_AGENT", sock.s, 1);
	buf_release(&sock);
	unsetenv("DOCKET_IDLE_SECONDS");
	struct defset set = DEFSET_INIT;
	struct diags d = DIAGS_INIT;
	defset_add_path(&set, "workflows", &d);
	defset_add_path(&set, "forms", &d);
	if (defset_check(&set, &d))
		fail_msg("the shipped definitions do not check");
	struct deploy_result *res = NULL;
	size_t n = 0;
	if (defset_deploy(&set, store, "luo.bin", &res, &n, NULL))
		fail_msg("deploy: %s", store_error(store));
	free(res);
	defset_release(&set);
	diags_release(&d);
	struct engine *e = engine_new(store);
	enrol(e, NULL, "tang.xue", OWN);
	struct auth_session *tang = NULL;
	struct buf err = BUF_INIT;
	assert_int_equal(signin_open(store, e, "tang.xue", OWN, strlen(OWN), &tang, &err), SIGNIN_OK);
	enrol(e, tang, "wang.fang", INITIAL);
	enrol(e, tang, "zhao.lei", OWN);
	enrol(e, tang, "zhou.min", OWN);
	own_passphrase(e, "zhao.lei");
	own_passphrase(e, "zhou.min");
	auth_session_free(tang);
	engine_free(e);
	buf_release(&err);
	return 0;
}

static int teardown_store(void **state)
{
	(void)state;
	store_remove(tmpdir);
	return 0;
}

/* The last event's type and actor, and its payload's member `key` ("" when none). */
static void last_event(char *type, size_t ntype, char *actor, size_t nactor, const char *key, char *val,
		       size_t nval)
{
	struct store_event ev;
	assert_int_equal(store_event_by_seq(store, store_event_last_seq(store), &ev), 1);
	snprintf(type, ntype, "%s", ev.type);
	snprintf(actor, nactor, "%s", ev.actor);
	json_t *p = json_loads(ev.payload, 0, NULL);
	const char *v = json_string_value(json_object_get(p, key));
	snprintf(val, nval, "%s", v ? v : "");
	json_decref(p);
	store_event_release(&ev);
}

/* Curses at 24x80 and a TUI as `user` (NULL: nobody named), keys from `s`; no view yet. */
static void start(struct term *tm, struct tui *t, const char *user, struct script *s)
{
	term_open(tm, 24, 80);
	assert_int_equal(tui_setup(t, store, user, NULL), 0);
	setup_colors(t);
	t->script = script_key;
	t->script_ctx = s;
}

static void test_wrong_passphrase_then_quit(void **state)
{
	(void)state;
	static const char *const keys[] = { "@signin-start", "=错了Wrong1", "@signin-typed", "Enter",
					    "@signin-wrong", "Esc", NULL };
	struct term tm;
	struct tui t;
	struct script s = { .seq = { keys, 0, NULL } };
	start(&tm, &t, "zhao.lei", &s);
	assert_int_equal(tui_signin_begin(&t), 1);
	assert_int_equal(tui_signin(&t, TUI_SIGNIN_START), 0);
	assert_null(t.session);
	char type[64], actor[64], reason[64];
	last_event(type, sizeof(type), actor, sizeof(actor), "reason", reason, sizeof(reason));
	assert_string_equal(type, AUTH_EV_SIGNFAIL);
	assert_string_equal(actor, "system");
	assert_string_equal(reason, "wrong passphrase");
	tui_stop(&tm, &t);
}

static void test_initial_passphrase_changed(void **state)
{
	(void)state;
	static const char *const keys[] = { "=" INITIAL, "Enter", "@signin-change", "=short", "Tab", "=short",
					    "Enter", "@signin-change-weak", "=王芳的口令Xy9", "Tab",
					    "=王芳的口令Xz9", "Enter", "@signin-change-differ", "=王芳的口令Xy9",
					    "Tab", "=王芳的口令Xy9", "Enter", NULL };
	struct term tm;
	struct tui t;
	struct script s = { .seq = { keys, 0, NULL } };
	start(&tm, &t, "wang.fang", &s);
	assert_int_equal(tui_signin_begin(&t), 1);
	assert_int_equal(tui_signin(&t, TUI_SIGNIN_START), 1);
	assert_string_equal(t.user, "wang.fang");
	assert_non_null(t.session);
	char type[64], actor[64], how[64];
	last_event(type, sizeof(type), actor, sizeof(actor), "how", how, sizeof(how));
	assert_string_equal(type, AUTH_EV_SIGNIN);
	assert_string_equal(actor, "wang.fang");
	assert_string_equal(how, "tui");
	struct store_event ev;
	assert_int_equal(store_event_by_seq(store, store_event_last_seq(store) - 1, &ev), 1);
	assert_string_equal(ev.type, AUTH_EV_PASSWD);
	assert_non_null(ev.sig);
	store_event_release(&ev);
	struct auth_account a;
	assert_int_equal(auth_account_get(store, "wang.fang", &a), 0);
	assert_int_equal(a.must_change, 0);
	tui_stop(&tm, &t);
}

static void test_by_name_with_the_demo_hint(void **state)
{
	(void)state;
	static const char *const keys[] = { "@signin-demo", "=赵磊", "Tab", "=" OWN, "Enter", NULL };
	struct term tm;
	struct tui t;
	struct script s = { .seq = { keys, 0, NULL } };
	start(&tm, &t, NULL, &s);
	assert_int_equal(tui_signin_begin(&t), 1);
	/* the store's kind says whether it is a demonstration store: this one is not */
	assert_int_equal(t.demo, 0);
	t.demo = 1;
	assert_int_equal(tui_signin(&t, TUI_SIGNIN_START), 1);
	assert_string_equal(t.user, "zhao.lei");
	assert_string_equal(auth_session_person(t.session), "zhao.lei");
	tui_stop(&tm, &t);
}

/* The idle lock over the inbox: a wrong passphrase, then the right one; the inbox is as it was. */
static void test_idle_lock(void **state)
{
	(void)state;
	static const char *const keys[] = { "=" OWN, "Enter", NULL };
	static const char *const lock[] = { "@signin-lock", "=wrong", "Enter", "@signin-lock-wrong", "=" OWN,
					    "Enter", NULL };
	struct term tm;
	struct tui t;
	struct script s = { .seq = { keys, 0, NULL } };
	start(&tm, &t, "zhao.lei", &s);
	assert_int_equal(tui_signin_begin(&t), 1);
	assert_int_equal(tui_signin(&t, TUI_SIGNIN_START), 1);
	assert_int_equal(t.idle_secs, 15 * 60); /* the policy's */
	tui_restart_views(&t);
	tui_paint(&t);
	char *before = dump_screen();
	/* not yet idle: nothing happens */
	assert_int_equal(tui_idle_lock(&t), 0);
	t.last_key = tui_uptime() - 15 * 60;
	struct script sl = { .seq = { lock, 0, NULL } };
	t.script_ctx = &sl;
	assert_int_equal(tui_idle_lock(&t), 1);
	assert_non_null(t.session);
	assert_null(t.cover);
	tui_paint(&t);
	char *after = dump_screen();
	assert_string_equal(before, after);
	char type[64], actor[64], how[64];
	last_event(type, sizeof(type), actor, sizeof(actor), "how", how, sizeof(how));
	assert_string_equal(type, AUTH_EV_SIGNIN);
	assert_string_equal(how, "unlock");
	free(before);
	free(after);
	tui_stop(&tm, &t);
}

/*
 * The session can no longer sign (the agent dropped the key, or the key was
 * replaced elsewhere): the TUI asks the passphrase again at once, over the
 * screen, instead of letting the next action fail; the inbox is kept.
 */
static void test_session_lost(void **state)
{
	(void)state;
	static const char *const keys[] = { "=" OWN, "Enter", NULL };
	static const char *const again[] = { "=" OWN, "Enter", NULL };
	struct term tm;
	struct tui t;
	struct script s = { .seq = { keys, 0, NULL } };
	start(&tm, &t, "zhao.lei", &s);
	assert_int_equal(tui_signin_begin(&t), 1);
	assert_int_equal(tui_signin(&t, TUI_SIGNIN_START), 1);
	tui_restart_views(&t);
	/* a good session: nothing asked */
	assert_int_equal(tui_session_lost(&t), 0);
	struct auth_session *old = t.session;
	auth_session_mark_stale(t.session);
	struct script sa = { .seq = { again, 0, NULL } };
	t.script_ctx = &sa;
	assert_int_equal(tui_session_lost(&t), 1);
	assert_non_null(t.session);
	assert_true(t.session != old);
	assert_false(auth_session_stale(t.session));
	assert_null(t.cover);
	assert_non_null(strstr(t.msg.s, "signed in again"));
	char type[64], actor[64], how[64];
	last_event(type, sizeof(type), actor, sizeof(actor), "how", how, sizeof(how));
	assert_string_equal(type, AUTH_EV_SIGNIN);
	assert_string_equal(actor, "zhao.lei");
	tui_stop(&tm, &t);
}

/* At the lock the wrong passphrases lock the account: said, and only quitting remains. */
static void test_locked_at_the_lock(void **state)
{
	(void)state;
	static const char *const keys[] = { "=" OWN, "Enter", NULL };
	static const char *const lock[] = { "=wrong1", "Enter", "=wrong2", "Enter", "=wrong3", "Enter",
					    "=wrong4", "Enter", "=wrong5", "Enter", "@signin-locked-out", "Enter",
					    NULL };
	struct term tm;
	struct tui t;
	struct script s = { .seq = { keys, 0, NULL } };
	start(&tm, &t, "zhou.min", &s);
	assert_int_equal(tui_signin_begin(&t), 1);
	assert_int_equal(tui_signin(&t, TUI_SIGNIN_START), 1);
	tui_restart_views(&t);
	t.last_key = tui_uptime() - t.idle_secs;
	struct script sl = { .seq = { lock, 0, NULL } };
	t.script_ctx = &sl;
	assert_int_equal(tui_idle_lock(&t), 1);
	assert_true(t.quit);
	assert_null(t.session);
	struct buf err = BUF_INIT;
	assert_int_equal(signin_locked(store, "zhou.min", NULL, &err), 1);
	buf_release(&err);
	tui_stop(&tm, &t);
}

/* A locked account on the sign-in screen: said until when before anything is typed, and no passphrase tried. */
static void test_locked_account_not_asked(void **state)
{
	(void)state;
	static const char *const keys[] = { "@signin-locked", "=" OWN, "Enter", "@signin-locked-tried", "Esc",
					    NULL };
	struct term tm;
	struct tui t;
	struct script s = { .seq = { keys, 0, NULL } };
	start(&tm, &t, "zhou.min", &s);
	int64_t seq = store_event_last_seq(store);
	assert_int_equal(tui_signin_begin(&t), 1);
	assert_int_equal(tui_signin(&t, TUI_SIGNIN_START), 0);
	/* the passphrase was not tried; the attempt is in the trail, as the command line records it */
	assert_int_equal(store_event_last_seq(store), seq + 1);
	char type[64], actor[64], reason[64];
	last_event(type, sizeof(type), actor, sizeof(actor), "reason", reason, sizeof(reason));
	assert_string_equal(type, AUTH_EV_SIGNFAIL);
	assert_string_equal(reason, "account locked");
	tui_stop(&tm, &t);
}

/* DOCKET_IDLE_SECONDS shortens the lock on a test clock only. */
static void test_idle_seconds(void **state)
{
	(void)state;
	struct tui t;
	memset(&t, 0, sizeof(t));
	t.store = store;
	assert_int_equal(tui_idle_seconds(&t), 15 * 60);
	setenv("DOCKET_IDLE_SECONDS", "2", 1);
	assert_int_equal(tui_idle_seconds(&t), 2);
	setenv("DOCKET_IDLE_SECONDS", "2x", 1);
	assert_int_equal(tui_idle_seconds(&t), 15 * 60);
	setenv("DOCKET_IDLE_SECONDS", "2", 1);
	unsetenv("DOCKET_NOW");
	assert_int_equal(tui_idle_seconds(&t), 15 * 60);
	setenv("DOCKET_NOW", "2026-03-02T09:30:00+08:00", 1);
	unsetenv("DOCKET_IDLE_SECONDS");
}

int main(void)
{
	harness_env();
	i18n_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrong_passphrase_then_quit),
		cmocka_unit_test(test_initial_passphrase_changed),
		cmocka_unit_test(test_by_name_with_the_demo_hint),
		cmocka_unit_test(test_idle_lock),
		cmocka_unit_test(test_session_lost),
		cmocka_unit_test(test_locked_at_the_lock),
		cmocka_unit_test(test_locked_account_not_asked),
		cmocka_unit_test(test_idle_seconds),
	};
	return cmocka_run_group_tests(tests, setup_store, teardown_store);
}
