/*
 * bench_sync: what docketd's judging of pushed events costs with no
 * network — the reference the sync-push benchmark (issue 12, with `docket
 * sync`) will divide by — against the raw rate of the same durable
 * batched inserts.
 *
 *   bench: sync-accept: N events/s (R x raw sqlite batched inserts N/s; B per batch, fsync on)
 *
 * A terminal's store makes DOCKET_BENCH_SYNC (default 1000) signed leave
 * requests; a server store with the same definitions judges them with
 * engine_accept in batches of DOCKET_BENCH_SYNC_BATCH (default 500), one
 * durable transaction per batch, as a push does. "raw sqlite" appends the
 * same number of rows of the same size to an events-like table in the
 * same batches, WAL, synchronous=FULL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "auth/auth.h"
#include "auth/sm2key.h"
#include "defs/defset.h"
#include "engine/engine.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/xalloc.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);
	return v && *v ? atol(v) : def;
}

/* A fresh store in dir with the shipped definitions; NULL on failure. */
static struct store *fresh_store(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return NULL;
	struct buf err = BUF_INIT;
	struct store *s = NULL;
	if (store_init(dir, &err) || store_open(dir, 0, &s, &err)) {
		fprintf(stderr, "bench: %s\n", err.s);
		buf_release(&err);
		return NULL;
	}
	buf_release(&err);
	struct defset set = DEFSET_INIT;
	struct diags d = DIAGS_INIT;
	defset_add_path(&set, "workflows", &d);
	defset_add_path(&set, "forms", &d);
	struct deploy_result *res = NULL;
	size_t n = 0;
	int bad = defset_check(&set, &d) || defset_deploy(&set, s, "luo.bin", &res, &n, NULL);
	free(res);
	defset_release(&set);
	diags_release(&d);
	if (bad) {
		store_close(s);
		return NULL;
	}
	return s;
}

/* Enrol `person` on s (by `by`'s session; NULL: the first, self-signed); their session, or NULL. */
static struct auth_session *enrol(struct store *s, struct engine *e, struct auth_session *by, const char *person)
{
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	char id[HASH_HEX_LEN + 1];
	sm2key_id(k, id);
	char *pub = sm2key_public_b64(k), *clear = sm2key_private_b64(k);
	json_t *p = json_pack("{s:s, s:s, s:s}", "person", person, "key_id", id, "public_key", pub);
	struct auth_session *boot = by ? NULL : auth_session_enrolling(person, sm2key_from_private_b64(clear, &err));
	auth_use_session(s, by ? by : boot);
	int rc = engine_act(e, NULL, AUTH_EV_ENROLLED, by ? auth_session_person(by) : person, p, NULL);
	auth_session_free(boot);
	struct auth_session *a = NULL;
	if (!rc)
		auth_session_from_key(s, person, sm2key_from_private_b64(clear, &err), &a, &err);
	if (!a)
		fprintf(stderr, "bench: enrol %s: %s %s\n", person, engine_error(e), err.s);
	sm2key_wipe(clear, strlen(clear));
	free(clear);
	free(pub);
	json_decref(p);
	sm2key_free(k);
	buf_release(&err);
	return a;
}

/* The terminal's events after its deployments, copied. */
struct events {
	struct store_event *v;
	size_t n, alloc;
};

static int copy_one(void *ctx, int64_t seq, const struct store_event *ev)
{
	(void)seq;
	struct events *x = ctx;
	if (x->n == x->alloc) {
		x->alloc = x->alloc ? 2 * x->alloc : 256;
		x->v = xrealloc(x->v, x->alloc * sizeof(*x->v));
	}
	struct store_event c = { xstrdup(ev->uuid), xstrdup(ev->type), xstrdup(ev->actor),
				 ev->on_behalf ? xstrdup(ev->on_behalf) : NULL,
				 ev->def_version ? xstrdup(ev->def_version) : NULL, xstrdup(ev->made_at), ev->base_seq,
				 xstrdup(ev->payload), ev->key_id ? xstrdup(ev->key_id) : NULL,
				 ev->sig ? xstrdup(ev->sig) : NULL };
	x->v[x->n++] = c;
	return 0;
}

/* Raw batched inserts of n rows like the events: rows per second. */
static double raw_rate(const char *path, const struct events *x, long batch)
{
	remove(path);
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 0;
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE ev (seq INTEGER PRIMARY KEY, uuid TEXT UNIQUE, type TEXT, actor TEXT, payload TEXT,"
			 " sig TEXT, hash TEXT)",
		     NULL, NULL, NULL);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "INSERT INTO ev (uuid, type, actor, payload, sig, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1,
			   &st, NULL);
	double t0 = now_s();
	for (size_t i = 0; i < x->n;) {
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		for (long k = 0; k < batch && i < x->n; k++, i++) {
			const struct store_event *ev = &x->v[i];
			sqlite3_bind_text(st, 1, ev->uuid, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, ev->type, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, ev->actor, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, ev->payload, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, ev->sig ? ev->sig : "", -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 6, ev->uuid, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	double dt = now_s() - t0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return dt > 0 ? (double)x->n / dt : 0;
}

int main(void)
{
	long n = env_long("DOCKET_BENCH_SYNC", 1000), batch = env_long("DOCKET_BENCH_SYNC_BATCH", 500);
	const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char dt[600], ds[600], draw[600];
	snprintf(dt, sizeof(dt), "%s/docket-bench-sync-terminal", tmp);
	snprintf(ds, sizeof(ds), "%s/docket-bench-sync-server", tmp);
	snprintf(draw, sizeof(draw), "%s/docket-bench-sync-raw.db", tmp);
	struct store *t = fresh_store(dt), *s = fresh_store(ds);
	if (!t || !s) {
		fprintf(stderr, "bench: sync-accept: no stores\n");
		return 1;
	}
	int64_t base = store_event_last_seq(t);
	struct engine *te = engine_new(t), *se = engine_new(s);
	struct auth_session *tang = enrol(t, te, NULL, "tang.xue");
	struct auth_session *zhang = tang ? enrol(t, te, tang, "zhang.wei") : NULL;
	if (!zhang)
		return 1;
	/* the terminal's work: n signed requests (made offline, as it were) */
	auth_use_session(t, zhang);
	json_t *in = json_pack("{s:s, s:s, s:s, s:s}", "type", "personal", "start", "2026-04-07", "end", "2026-04-07",
			       "reason", "家中有事");
	for (long i = 0; i < n; i++) {
		char *id = NULL;
		if (engine_start(te, NULL, "zhang.wei", "leave", in, NULL, 0, &id)) {
			fprintf(stderr, "bench: sync-accept: %s\n", engine_error(te));
			return 1;
		}
		free(id);
	}
	json_decref(in);
	struct events x = { NULL, 0, 0 };
	store_event_foreach(t, base, copy_one, &x);
	/* the server judges them, batch by batch, one durable transaction each */
	double t0 = now_s();
	long accepted = 0;
	for (size_t i = 0; i < x.n;) {
		if (store_begin(s) < 0)
			return 1;
		for (long k = 0; k < batch && i < x.n; k++, i++) {
			int64_t seq;
			const char *code;
			int rc = engine_accept(se, &x.v[i], &seq, &code);
			if (rc == 0)
				accepted++;
			else
				fprintf(stderr, "bench: sync-accept: event %zu: %s %s\n", i, code ? code : "", engine_error(se));
		}
		if (store_commit(s) < 0)
			return 1;
	}
	double rate = (double)accepted / (now_s() - t0);
	double raw = raw_rate(draw, &x, batch);
	printf("bench: sync-accept: %.0f events/s (%.3f x raw sqlite batched inserts %.0f/s; %ld per batch, fsync on; %zu signed events)\n",
	       rate, raw > 0 ? rate / raw : 0, raw, batch, x.n);
	for (size_t i = 0; i < x.n; i++)
		store_event_release(&x.v[i]);
	free(x.v);
	auth_use_session(t, NULL);
	auth_session_free(zhang);
	auth_session_free(tang);
	engine_free(te);
	engine_free(se);
	store_close(t);
	store_close(s);
	remove(draw);
	return accepted == (long)x.n ? 0 : 1;
}
