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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_remote_kept_and_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deployments_never_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_after_retries, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
