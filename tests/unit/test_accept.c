/*
 * engine_accept: what docketd does with a terminal's pushed events
 * (doc/protocol.md). A terminal's store and a server's store, both with
 * the shipped definitions; the terminal's events are judged on the
 * server's state by the same engine: accepted in the server's order with
 * their signatures kept (the server's log then verifies and replays),
 * the same event again a duplicate, and each kind of forgery or stale
 * action refused with its code, leaving nothing behind, while the batch's
 * transaction goes on.
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
#include "sync/wire.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/xalloc.h"
#include "engine_fixture.h"

/* The terminal (t) and the server (s), and the people's keys. */
struct two {
	struct fx *t, *s;
	struct sm2key *tang, *zhang;
	char *req;       /* zhang.wei's leave, made on the terminal */
	int64_t base;    /* the terminal's last deployment: its events after it are pushed */
};

static int setup2(void **state)
{
	struct two *w = xcalloc(1, sizeof(*w));
	void *a, *b;
	if (setup(&a) || setup(&b))
		return -1;
	w->t = a;
	w->s = b;
	w->base = store_event_last_seq(w->t->s);
	*state = w;
	return 0;
}

static int teardown2(void **state)
{
	struct two *w = *state;
	void *a = w->t, *b = w->s;
	teardown(&a);
	teardown(&b);
	sm2key_free(w->tang);
	sm2key_free(w->zhang);
	free(w->req);
	free(w);
	return 0;
}

/* Enrol `person` on f as `by` (NULL: the first, self-signed), returning their key. */
static struct sm2key *enrol(struct fx *f, struct sm2key *by_key, const char *by, const char *person)
{
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	char id[HASH_HEX_LEN + 1];
	assert_int_equal(sm2key_id(k, id), 0);
	char *pub = sm2key_public_b64(k);
	json_t *p = json_pack("{s:s, s:s, s:s}", "person", person, "key_id", id, "public_key", pub);
	char *clear = sm2key_private_b64(by_key ? by_key : k);
	struct auth_session *a = NULL;
	if (!by_key)
		a = auth_session_enrolling(person, sm2key_from_private_b64(clear, &err));
	else
		assert_int_equal(auth_session_from_key(f->s, by, sm2key_from_private_b64(clear, &err), &a, &err), 0);
	auth_use_session(f->s, a);
	if (engine_act(f->e, NULL, AUTH_EV_ENROLLED, by_key ? by : person, p, NULL))
		fail_msg("enrol %s: %s", person, engine_error(f->e));
	auth_use_session(f->s, NULL);
	auth_session_free(a);
	free(clear);
	json_decref(p);
	free(pub);
	buf_release(&err);
	return k;
}

/* Act on f as `person` with key k; engine_act's status. */
static int act(struct fx *f, const struct sm2key *k, const char *person, const char *type, json_t *p)
{
	struct buf err = BUF_INIT;
	char *clear = sm2key_private_b64(k);
	struct auth_session *a = NULL;
	assert_int_equal(auth_session_from_key(f->s, person, sm2key_from_private_b64(clear, &err), &a, &err), 0);
	auth_use_session(f->s, a);
	int rc = engine_act(f->e, NULL, type, person, p, NULL);
	auth_use_session(f->s, NULL);
	auth_session_free(a);
	free(clear);
	buf_release(&err);
	return rc;
}

/* On the terminal: the security administrator, zhang.wei, and zhang.wei's leave. */
static void terminal_work(struct two *w)
{
	w->tang = enrol(w->t, NULL, NULL, "tang.xue");
	w->zhang = enrol(w->t, w->tang, "tang.xue", "zhang.wei");
	struct buf err = BUF_INIT;
	char *clear = sm2key_private_b64(w->zhang);
	struct auth_session *a = NULL;
	assert_int_equal(auth_session_from_key(w->t->s, "zhang.wei", sm2key_from_private_b64(clear, &err), &a, &err), 0);
	auth_use_session(w->t->s, a);
	json_t *in = json_pack("{s:s, s:s, s:s, s:s}", "type", "personal", "start", "2026-04-07", "end", "2026-04-07",
			       "reason", "家中有事");
	if (engine_start(w->t->e, NULL, "zhang.wei", "leave", in, NULL, 0, &w->req))
		fail_msg("leave: %s", engine_error(w->t->e));
	json_decref(in);
	auth_use_session(w->t->s, NULL);
	auth_session_free(a);
	free(clear);
	buf_release(&err);
}

/* The terminal's events after `after`, as the wire carries them (a JSON array; caller decrefs). */
struct grab {
	json_t *a;
};
static int grab_one(void *ctx, int64_t seq, const struct store_event *ev)
{
	(void)seq;
	json_array_append_new(((struct grab *)ctx)->a, wire_event_json(ev, 0));
	return 0;
}
static json_t *events_after(struct fx *f, int64_t after)
{
	struct grab g = { json_array() };
	assert_int_equal(store_event_foreach(f->s, after, grab_one, &g), 0);
	return g.a;
}

/* Push one event (wire JSON) to the server in its own transaction: engine_accept's status, *code, *seq. */
static int push_one(struct two *w, json_t *o, const char **code, int64_t *seq)
{
	struct store_event ev;
	struct buf why = BUF_INIT;
	assert_int_equal(wire_event_parse(o, &ev, NULL, &why), 0);
	buf_release(&why);
	assert_int_equal(store_begin(w->s->s), 0);
	int rc = engine_accept(w->s->e, &ev, seq, code);
	assert_true(rc >= ENG_REFUSED);
	assert_int_equal(store_commit(w->s->s), 0);
	return rc;
}

/* Push every event of the array; each must be accepted. */
static void push_all(struct two *w, json_t *a)
{
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o) {
		const char *code = NULL;
		int64_t seq = 0;
		int rc = push_one(w, o, &code, &seq);
		if (rc)
			fail_msg("event %zu (%s): %s %s", i, json_string_value(json_object_get(o, "type")), code ? code : "",
				 engine_error(w->s->e));
	}
}

/* The server verifies every signature and replays to the same state. */
static void server_checks(struct two *w)
{
	struct auth_report r;
	struct buf why = BUF_INIT, report = BUF_INIT;
	assert_int_equal(auth_verify_log(w->s->s, &r, &why), 0);
	assert_true(r.verified >= 3);
	int64_t n = 0;
	assert_int_equal(engine_check(w->s->e, 0, &report, &n), 0);
	buf_release(&why);
	buf_release(&report);
}

static void test_accepted_in_the_servers_order_then_duplicate(void **state)
{
	struct two *w = *state;
	terminal_work(w);
	json_t *a = events_after(w->t, w->base);
	assert_int_equal(json_array_size(a), 3); /* two enrolments, the leave */
	int64_t before = store_event_last_seq(w->s->s);
	push_all(w, a);
	assert_int_equal(store_event_last_seq(w->s->s), before + 3);
	server_checks(w);
	/* the same request, with the same id, on the server */
	json_t *shown = engine_show(w->s->e, w->req);
	assert_non_null(shown);
	assert_string_equal(json_string_value(json_object_get(shown, "applicant")), "zhang.wei");
	json_decref(shown);
	/* again: the same event, its sequence of the first time, nothing written */
	const char *code = NULL;
	int64_t seq = 0;
	assert_int_equal(push_one(w, json_array_get(a, 2), &code, &seq), 1);
	assert_int_equal(seq, before + 3);
	assert_int_equal(store_event_last_seq(w->s->s), before + 3);
	json_decref(a);
}

/* The event at index i of a, copied, with `key` set to `value`. */
static json_t *changed(json_t *a, size_t i, const char *key, json_t *value)
{
	json_t *o = json_deep_copy(json_array_get(a, i));
	json_object_set_new(o, key, value);
	return o;
}

/* Push o; it must be refused with `code`, nothing written. */
static void refused(struct two *w, json_t *o, const char *want)
{
	int64_t before = store_event_last_seq(w->s->s);
	const char *code = NULL;
	int64_t seq = 0;
	int rc = push_one(w, o, &code, &seq);
	if (rc != ENG_REFUSED || !code || strcmp(code, want))
		fail_msg("wanted %s, got %d %s: %s", want, rc, code ? code : "-", engine_error(w->s->e));
	assert_true(*engine_error(w->s->e));
	assert_int_equal(store_event_last_seq(w->s->s), before);
	json_decref(o);
}

static void test_forgeries_refused_with_their_codes(void **state)
{
	struct two *w = *state;
	terminal_work(w);
	json_t *a = events_after(w->t, w->base);
	char fresh[37];
	/* the leave before anyone's key is known on the server: not the actor's key */
	uuid_v4(fresh);
	refused(w, json_deep_copy(json_array_get(a, 2)), "wrong_key");
	push_all(w, a);
	json_t *leave = json_array_get(a, 2);
	/* a signature moved to a new uuid: the signed text differs */
	uuid_v4(fresh);
	refused(w, changed(a, 2, "uuid", json_string(fresh)), "bad_signature");
	/* another person's name on zhang.wei's signature */
	json_t *o = changed(a, 2, "actor", json_string("tang.xue"));
	uuid_v4(fresh);
	json_object_set_new(o, "uuid", json_string(fresh));
	refused(w, o, "wrong_key");
	/* no signature at all */
	o = changed(a, 2, "sig", json_null());
	json_object_set_new(o, "key_id", json_null());
	uuid_v4(fresh);
	json_object_set_new(o, "uuid", json_string(fresh));
	refused(w, o, "unsigned");
	/* the same uuid with other content */
	const char *p = json_string_value(json_object_get(leave, "payload"));
	struct buf other = BUF_INIT;
	buf_adds(&other, p);
	other.s[other.len - 1] = '\0';
	buf_setlen(&other, other.len - 1);
	buf_adds(&other, ",\"x\":1}");
	refused(w, changed(a, 2, "payload", json_string(other.s)), "uuid_conflict");
	buf_release(&other);
	/* judged by other rules, a timer, a deployment, an unknown type, not JSON */
	uuid_v4(fresh);
	o = changed(a, 2, "payload", json_string("{\"rules\":1}"));
	json_object_set_new(o, "uuid", json_string(fresh));
	refused(w, o, "rules_version");
	o = changed(a, 2, "actor", json_string("system"));
	json_object_set_new(o, "uuid", json_string(fresh));
	refused(w, o, "system_event");
	o = changed(a, 2, "type", json_string("definition.deployed"));
	json_object_set_new(o, "uuid", json_string(fresh));
	refused(w, o, "definition");
	o = changed(a, 2, "type", json_string("task.teleported"));
	json_object_set_new(o, "uuid", json_string(fresh));
	refused(w, o, "unknown_type");
	o = changed(a, 2, "payload", json_string("[1]"));
	json_object_set_new(o, "uuid", json_string(fresh));
	refused(w, o, "malformed");
	o = changed(a, 2, "uuid", json_string("NOT-A-UUID"));
	refused(w, o, "malformed");
	server_checks(w);
	json_decref(a);
}

static void test_the_servers_state_decides(void **state)
{
	struct two *w = *state;
	terminal_work(w);
	json_t *a = events_after(w->t, w->base);
	push_all(w, a);
	json_decref(a);
	int64_t mark = store_event_last_seq(w->t->s);
	/* offline on the terminal, zhang.wei urges; meanwhile on the server, zhang.wei withdrew */
	json_t *p = json_pack("{s:s}", "instance", w->req);
	assert_int_equal(act(w->t, w->zhang, "zhang.wei", "instance.urged", p), 0);
	assert_int_equal(act(w->s, w->zhang, "zhang.wei", "instance.withdrawn", p), 0);
	json_decref(p);
	a = events_after(w->t, mark);
	assert_int_equal(json_array_size(a), 1);
	refused(w, json_incref(json_array_get(a, 0)), "refused");
	assert_non_null(strstr(engine_error(w->s->e), "withdrawn"));
	json_decref(a);
	server_checks(w);
}

static void test_a_refusal_inside_a_batch_leaves_the_rest(void **state)
{
	struct two *w = *state;
	terminal_work(w);
	json_t *a = events_after(w->t, w->base);
	int64_t before = store_event_last_seq(w->s->s);
	/* one transaction: enrolments accepted, a forgery refused between them, the leave accepted */
	assert_int_equal(store_begin(w->s->s), 0);
	const char *code;
	int64_t seq;
	for (size_t i = 0; i < 3; i++) {
		struct store_event ev;
		struct buf why = BUF_INIT;
		assert_int_equal(wire_event_parse(json_array_get(a, i), &ev, NULL, &why), 0);
		assert_int_equal(engine_accept(w->s->e, &ev, &seq, &code), 0);
		if (i == 1) {
			json_t *o = changed(a, 2, "uuid", json_string("11111111-2222-4333-8444-555555555555"));
			assert_int_equal(wire_event_parse(o, &ev, NULL, &why), 0);
			assert_int_equal(engine_accept(w->s->e, &ev, &seq, &code), ENG_REFUSED);
			assert_string_equal(code, "bad_signature");
			json_decref(o);
		}
		buf_release(&why);
	}
	assert_int_equal(store_commit(w->s->s), 0);
	assert_int_equal(store_event_last_seq(w->s->s), before + 3);
	server_checks(w);
	json_decref(a);
}

/* The wire's reader: what it refuses, and a round trip that keeps every field. */
static void test_wire_strict(void **state)
{
	(void)state;
	struct store_event ev = { "0b5e7c1a-3f2d-4e8b-9a61-7c2d9e4f1a03", "task.approved", "huang.wei", NULL, "3f9a",
				  "2026-03-02T01:40:00Z", 41, "{\"opinion\":\"同意\"}", "9f2c", "MEUC" };
	json_t *o = wire_event_json(&ev, 118);
	struct store_event back;
	int64_t seq = 0;
	struct buf why = BUF_INIT;
	assert_int_equal(wire_event_parse(o, &back, &seq, &why), 0);
	assert_int_equal(seq, 118);
	assert_string_equal(back.payload, ev.payload);
	assert_null(back.on_behalf);
	assert_int_equal(back.base_seq, 41);
	struct buf a = BUF_INIT, b = BUF_INIT;
	store_event_signed_text(&ev, &a);
	store_event_signed_text(&back, &b);
	assert_string_equal(a.s, b.s); /* what was signed survives the trip */
	buf_release(&a);
	buf_release(&b);
	static const char *const bad[] = {
		"{\"uuid\":1}",
		"{\"uuid\":\"u\",\"type\":\"t\",\"actor\":\"a\",\"made_at\":\"m\",\"payload\":\"{}\"}",
		"{\"uuid\":\"u\",\"type\":\"t\",\"actor\":\"a\",\"made_at\":\"m\",\"payload\":\"{}\",\"base_seq\":-1}",
		"{\"uuid\":\"u\",\"type\":\"t\",\"actor\":\"a\\u0000b\",\"made_at\":\"m\",\"payload\":\"{}\",\"base_seq\":1}",
		"{\"uuid\":\"u\",\"type\":\"t\",\"actor\":\"a\",\"made_at\":\"m\",\"payload\":{},\"base_seq\":1}",
		"[1]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *x = json_loads(bad[i], JSON_ALLOW_NUL, NULL);
		assert_non_null(x);
		buf_reset(&why);
		assert_int_equal(wire_event_parse(x, &back, NULL, &why), -1);
		assert_true(why.len > 0);
		json_decref(x);
	}
	buf_release(&why);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_strict),
		cmocka_unit_test_setup_teardown(test_accepted_in_the_servers_order_then_duplicate, setup2, teardown2),
		cmocka_unit_test_setup_teardown(test_forgeries_refused_with_their_codes, setup2, teardown2),
		cmocka_unit_test_setup_teardown(test_the_servers_state_decides, setup2, teardown2),
		cmocka_unit_test_setup_teardown(test_a_refusal_inside_a_batch_leaves_the_rest, setup2, teardown2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
