/*
 * sync: the terminal's side without a server (tests/cli/t97-sync.sh runs
 * it against docketd): the remote kept in the store and refused when it
 * is no address; what waits to be pushed (never the deployments); a sync
 * without enrolment or remote refused before any network; an unreachable
 * server said so after its retries, with nothing written.
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
#include <time.h>

#include "auth/auth.h"
#include "auth/sm2key.h"
#include "defs/defset.h"
#include "engine/engine.h"
#include "store/store.h"
#include "store/store_sql.h"
#include "sync/conflicts.h"
#include "sync/sync.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/xalloc.h"
#include "engine_fixture.h"

static void test_remote_kept_and_checked(void **state)
{
	struct fx *f = *state;
	struct sync_remote r;
	struct buf err = BUF_INIT;
	struct sync_counts n;
	assert_int_equal(sync_remote_get(f->s, &r), 0);
	assert_int_equal(sync_run(f->s, f->e, &n, &err), SYNC_NO_REMOTE);
	assert_non_null(strstr(err.s, "docket remote set"));
	buf_reset(&err);
	assert_int_equal(sync_remote_set(f->s, "ftp://x", NULL, NULL, &err), STORE_ERR);
	assert_non_null(strstr(err.s, "not a server address"));
	buf_reset(&err);
	assert_int_equal(sync_remote_set(f->s, "https://x", NULL, "proxy:3128", &err), STORE_ERR);
	assert_non_null(strstr(err.s, "not a proxy address"));
	buf_reset(&err);
	assert_int_equal(sync_remote_set(f->s, "https://srv.example:8443/", "/etc/ca.pem", "http://10.8.0.1:3128", &err), 0);
	assert_int_equal(sync_remote_get(f->s, &r), 1);
	assert_string_equal(r.url, "https://srv.example:8443/");
	assert_string_equal(r.ca, "/etc/ca.pem");
	assert_string_equal(r.proxy, "http://10.8.0.1:3128");
	assert_int_equal(r.enrolled, 0);
	assert_int_equal(r.skew_known, 0);
	assert_null(r.last_sync);
	sync_remote_release(&r);
	/* set again: one remote, the CA dropped, no proxy at all */
	assert_int_equal(sync_remote_set(f->s, "http://127.0.0.1:9", NULL, "", &err), 0);
	assert_int_equal(sync_remote_get(f->s, &r), 1);
	assert_string_equal(r.url, "http://127.0.0.1:9");
	assert_null(r.ca);
	assert_string_equal(r.proxy, "");
	sync_remote_release(&r);
	/* and again: the environment's proxy */
	assert_int_equal(sync_remote_set(f->s, "http://127.0.0.1:9", NULL, NULL, &err), 0);
	assert_int_equal(sync_remote_get(f->s, &r), 1);
	assert_null(r.proxy);
	sync_remote_release(&r);
	assert_int_equal(sync_run(f->s, f->e, &n, &err), SYNC_NOT_ENROLLED);
	assert_non_null(strstr(err.s, "docket enrol CODE"));
	buf_release(&err);
}

static void test_deployments_never_wait(void **state)
{
	struct fx *f = *state;
	struct buf err = BUF_INIT;
	assert_true(store_event_last_seq(f->s) > 0);
	assert_int_equal(sync_waiting(f->s), 0);
	/* a person's action waits */
	struct sm2key *k = sm2key_generate(&err);
	char id[HASH_HEX_LEN + 1];
	assert_int_equal(sm2key_id(k, id), 0);
	char *pub = sm2key_public_b64(k), *clear = sm2key_private_b64(k);
	json_t *p = json_pack("{s:s, s:s, s:s}", "person", "tang.xue", "key_id", id, "public_key", pub);
	struct auth_session *a = auth_session_enrolling("tang.xue", sm2key_from_private_b64(clear, &err));
	auth_use_session(f->s, a);
	if (engine_act(f->e, NULL, AUTH_EV_ENROLLED, "tang.xue", p, NULL))
		fail_msg("enrol: %s", engine_error(f->e));
	auth_use_session(f->s, NULL);
	auth_session_free(a);
	assert_int_equal(sync_waiting(f->s), 1);
	json_decref(p);
	free(pub);
	free(clear);
	sm2key_free(k);
	buf_release(&err);
}

static void test_unreachable_after_retries(void **state)
{
	struct fx *f = *state;
	struct buf err = BUF_INIT;
	setenv("DOCKET_SYNC_RETRIES", "2", 1);
	setenv("DOCKET_SYNC_RETRY_MS", "40", 1);
	assert_int_equal(sync_remote_set(f->s, "http://127.0.0.1:9", NULL, NULL, &err), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sync_enrol(f->s, "AAAA-BBBB-CCCC-DDDD", "t", &err), SYNC_HTTP_UNREACHABLE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	/* two retries with backoff 40 then 80 ms, each between half and one and a half of it */
	assert_true(ms >= 60);
	assert_non_null(strstr(err.s, "cannot be reached"));
	struct sync_remote r;
	assert_int_equal(sync_remote_get(f->s, &r), 1);
	assert_int_equal(r.enrolled, 0);
	sync_remote_release(&r);
	unsetenv("DOCKET_SYNC_RETRIES");
	unsetenv("DOCKET_SYNC_RETRY_MS");
	buf_release(&err);
}

/* sync_run_progress's callback: how often, and the last figures. */
struct prog {
	int calls;
	int64_t done, total;
};

static void on_progress(void *ctx, int64_t done, int64_t total)
{
	struct prog *p = ctx;
	p->calls++;
	p->done = done;
	p->total = total;
}

/* An action of tang.xue (her enrolment, signed), which waits to be pushed; its sequence. */
static int64_t person_acts(struct fx *f)
{
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	char id[HASH_HEX_LEN + 1];
	assert_int_equal(sm2key_id(k, id), 0);
	char *pub = sm2key_public_b64(k), *clear = sm2key_private_b64(k);
	json_t *p = json_pack("{s:s, s:s, s:s}", "person", "tang.xue", "key_id", id, "public_key", pub);
	struct auth_session *a = auth_session_enrolling("tang.xue", sm2key_from_private_b64(clear, &err));
	auth_use_session(f->s, a);
	if (engine_act(f->e, NULL, AUTH_EV_ENROLLED, "tang.xue", p, NULL))
		fail_msg("enrol: %s", engine_error(f->e));
	auth_use_session(f->s, NULL);
	auth_session_free(a);
	json_decref(p);
	free(pub);
	free(clear);
	sm2key_free(k);
	buf_release(&err);
	return store_event_last_seq(f->s);
}

/*
 * A sync that cannot reach the server: the progress starts at 0 of what
 * waits, and the attempt is kept as failed (the status bar's 离线) with no
 * last sync.
 */
static void test_attempt_recorded(void **state)
{
	struct fx *f = *state;
	struct buf err = BUF_INIT;
	setenv("DOCKET_SYNC_RETRIES", "0", 1);
	person_acts(f);
	assert_int_equal(sync_remote_set(f->s, "http://127.0.0.1:9", NULL, NULL, &err), 0);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_sql_run(f->s, "UPDATE sync_remote SET token = 'x', device = 'd', server_id = 's'", ""), 0);
	assert_int_equal(store_commit(f->s), 0);
	struct sync_remote r;
	assert_int_equal(sync_remote_get(f->s, &r), 1);
	assert_null(r.last_attempt);
	assert_int_equal(r.last_status, 0);
	sync_remote_release(&r);
	struct prog p = { 0, -1, -1 };
	struct sync_counts n;
	assert_int_equal(sync_run_progress(f->s, f->e, &n, on_progress, &p, &err), SYNC_HTTP_UNREACHABLE);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.done, 0);
	assert_int_equal(p.total, 1);
	assert_int_equal(sync_remote_get(f->s, &r), 1);
	assert_non_null(r.last_attempt);
	assert_int_equal(r.last_status, SYNC_HTTP_UNREACHABLE);
	assert_null(r.last_sync);
	sync_remote_release(&r);
	assert_int_equal(sync_waiting(f->s), 1);
	unsetenv("DOCKET_SYNC_RETRIES");
	buf_release(&err);
}

struct seen {
	int n;
	char resolved[4][16];
};

static int seen_row(void *ctx, const struct sync_conflict *c)
{
	struct seen *s = ctx;
	snprintf(s->resolved[s->n++ % 4], 16, "%s", c->resolved ? c->resolved : "-");
	assert_string_equal(c->reason, "refused here");
	return 0;
}

/*
 * Rejected actions as their authors deal with them: counted and listed per
 * author; discarded or redone by the author only, once; hidden from the
 * waiting list then, kept in the whole one. And what waits: a person's
 * action until the server answers it.
 */
static void test_conflicts_resolved(void **state)
{
	struct fx *f = *state;
	struct buf err = BUF_INIT;
	int64_t seq = person_acts(f);
	assert_int_equal(sync_event_waiting(f->s, seq), 0); /* no server: nothing waits for one */
	assert_int_equal(sync_remote_set(f->s, "http://127.0.0.1:9", NULL, NULL, &err), 0);
	assert_int_equal(sync_event_waiting(f->s, seq), 1);
	assert_int_equal(sync_event_waiting(f->s, 1), 0); /* a deployment is never pushed */
	assert_int_equal(store_begin(f->s), 0);
	static const char *const rows[][2] = { { "u-1", "wang.fang" }, { "u-2", "wang.fang" }, { "u-3", "zhao.lei" } };
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(store_sql_run(f->s,
					       "INSERT INTO sync_rejected (uuid, type, actor, made_at, code, reason_en,"
					       " reason_zh, at) VALUES (?1, 'task.approved', ?2, '2026-03-02T01:00:00Z',"
					       " 'refused', 'refused here', '此处拒绝', '2026-03-02T01:30:00Z')",
					       "ss", rows[i][0], rows[i][1]),
				 0);
	struct store_event ev;
	assert_int_equal(store_event_by_seq(f->s, seq, &ev), 1);
	assert_int_equal(store_sql_run(f->s, "INSERT INTO sync_acked (uuid, server_seq, how) VALUES (?1, 7, 'accepted')",
				       "s", ev.uuid),
			 0);
	store_event_release(&ev);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(sync_event_waiting(f->s, seq), 0); /* answered */
	assert_int_equal(sync_conflicts_count(f->s, "wang.fang"), 2);
	assert_int_equal(sync_conflicts_count(f->s, NULL), 3);
	/* someone else's, or one that is not there: refused, nothing changes */
	assert_int_equal(sync_conflict_discard(f->s, "u-3", "wang.fang", &err), 1);
	assert_non_null(strstr(err.s, "not a rejected action of wang.fang"));
	buf_reset(&err);
	assert_int_equal(sync_conflict_discard(f->s, "nope", "wang.fang", &err), 1);
	buf_reset(&err);
	assert_int_equal(sync_conflict_discard(f->s, "u-1", "wang.fang", &err), 0);
	assert_int_equal(sync_conflict_redone(f->s, "u-2", "wang.fang", &err), 0);
	assert_int_equal(sync_conflict_discard(f->s, "u-1", "wang.fang", &err), 1); /* once */
	buf_reset(&err);
	assert_int_equal(sync_conflicts_count(f->s, "wang.fang"), 0);
	assert_int_equal(sync_conflicts_count(f->s, "zhao.lei"), 1);
	struct seen w = { 0 }, all = { 0 };
	assert_int_equal(sync_conflicts_foreach(f->s, f->e, "wang.fang", SYNC_CONFLICTS_WAITING, seen_row, &w), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(sync_conflicts_foreach(f->s, f->e, "wang.fang", SYNC_CONFLICTS_ALL, seen_row, &all), 0);
	assert_int_equal(all.n, 2);
	assert_string_equal(all.resolved[0], "discarded");
	assert_string_equal(all.resolved[1], "redone");
	int64_t who = 0;
	assert_int_equal(store_sql_int(f->s, &who,
				       "SELECT count(*) FROM sync_rejected WHERE resolved_by = 'wang.fang' AND resolved_at IS NOT NULL",
				       ""),
			 1);
	assert_int_equal(who, 2);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_remote_kept_and_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deployments_never_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_after_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attempt_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflicts_resolved, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
