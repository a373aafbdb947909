/*
 * bench_engine: the approval engine's speed, each against a reference
 * measured in the same run on the same machine.
 *
 *   bench: engine-actions-full: N actions/s (R x raw sqlite N/s)
 *   bench: engine-actions-normal: N actions/s (R x raw sqlite N/s)
 *   bench: engine-floor-full / -normal: N actions/s (R x raw sqlite N/s)
 *   bench: inbox-p50: N ms (R x 5 ms target) ... and inbox-p99
 *   bench: check-replay: N events/s (R x engine-actions-normal)
 *   bench: sign-action: N actions/s (R x unsigned N/s)
 *   bench: verify-signatures: N events/s (R x unsigned actions/s)
 *   bench: sm2-sign / sm2-verify: N/s in process CPU time (R x OpenSSL's EVP
 *          calls alone, a fresh context each, as `openssl speed sm2` counts)
 *
 * "raw sqlite" is what the same durability costs with nothing else: one
 * BEGIN IMMEDIATE ... COMMIT per action that appends an event row and
 * updates a task row, in WAL mode with the same `synchronous`. The inbox
 * store has DOCKET_BENCH_TASKS tasks (default 1,000,000) for 10,000 users,
 * filled by direct inserts (engine_bench_fill). DOCKET_BENCH_ACTIONS sets
 * the number of actions per durability (default 400).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "auth/auth.h"
#include "auth/sm2key.h"
#include "defs/defset.h"
#include "engine/eng_internal.h"
#include "engine/engine.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/xalloc.h"
#include "bench.h"

/*
 * Pages written per commit. In WAL mode every page a transaction dirties
 * is one frame appended at commit: the main cost of a durable action next
 * to the fsync. The hook replaces SQLite's automatic checkpoint, so it
 * does the same (a passive checkpoint past 1000 frames).
 */
struct frames {
	long frames, commits, last;
};

static int count_frames(void *ctx, sqlite3 *db, const char *name, int n)
{
	struct frames *f = ctx;
	f->frames += n - f->last;
	f->commits++;
	f->last = n;
	if (n >= 1000) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		f->last = 0;
	}
	return 0;
}

static double frames_per_commit(const struct frames *f)
{
	return f->commits ? (double)f->frames / f->commits : 0;
}

/*
 * The raw reference: one transaction per action appending an event and
 * updating a task. With `extra` > 0 the same action also updates a row in
 * each of that many more tables (the floor: see compare()).
 */
#define RAW_EXTRA_MAX 8
struct raw {
	sqlite3 *db;
	sqlite3_stmt *ins, *upd, *xupd[RAW_EXTRA_MAX];
	int extra;
	long i;            /* actions done */
	double secs;       /* time spent in them */
	struct frames f;
};

static int raw_open(struct raw *r, const char *path, int full, long n, int extra)
{
	memset(r, 0, sizeof(*r));
	r->extra = extra;
	remove(path);
	if (sqlite3_open(path, &r->db) != SQLITE_OK)
		return -1;
	sqlite3_exec(r->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	sqlite3_exec(r->db, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	sqlite3_exec(r->db,
		     "CREATE TABLE events (seq INTEGER PRIMARY KEY, uuid TEXT UNIQUE, type TEXT, payload TEXT);"
		     "CREATE TABLE tasks (id TEXT PRIMARY KEY, state TEXT, decided_seq INTEGER);",
		     NULL, NULL, NULL);
	sqlite3_stmt *tin;
	sqlite3_prepare_v2(r->db, "INSERT INTO events (uuid, type, payload) VALUES (?1, 'task.approved', ?2)", -1,
			   &r->ins, NULL);
	sqlite3_prepare_v2(r->db, "UPDATE tasks SET state = 'done', decided_seq = ?2 WHERE id = ?1", -1, &r->upd, NULL);
	sqlite3_prepare_v2(r->db, "INSERT INTO tasks (id, state) VALUES (?1, 'pending')", -1, &tin, NULL);
	char id[32], sql[160];
	sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL);
	for (int k = 0; k < extra; k++) {
		snprintf(sql, sizeof(sql), "CREATE TABLE x%d (id TEXT PRIMARY KEY, seq INTEGER, v TEXT) WITHOUT ROWID", k);
		sqlite3_exec(r->db, sql, NULL, NULL, NULL);
		snprintf(sql, sizeof(sql), "UPDATE x%d SET seq = ?2, v = ?3 WHERE id = ?1", k);
		sqlite3_prepare_v2(r->db, sql, -1, &r->xupd[k], NULL);
	}
	for (long i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "t%06ld", i);
		sqlite3_bind_text(tin, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_step(tin);
		sqlite3_reset(tin);
	}
	for (int k = 0; k < extra; k++) {
		snprintf(sql, sizeof(sql), "INSERT INTO x%d (id, seq, v) SELECT id, 0, '' FROM tasks", k);
		sqlite3_exec(r->db, sql, NULL, NULL, NULL);
	}
	sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(tin);
	sqlite3_wal_hook(r->db, count_frames, &r->f);
	return 0;
}

/* `k` more raw actions. */
static void raw_run(struct raw *r, long k)
{
	char id[32], uuid[64];
	double t0 = bench_now();
	for (long end = r->i + k; r->i < end; r->i++) {
		snprintf(id, sizeof(id), "t%06ld", r->i);
		snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012ld", r->i);
		sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_bind_text(r->ins, 1, uuid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(r->ins, 2, "{\"opinion\":\"同意\",\"task\":\"abcdef\"}", -1, SQLITE_STATIC);
		sqlite3_step(r->ins);
		sqlite3_reset(r->ins);
		sqlite3_bind_text(r->upd, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(r->upd, 2, r->i);
		sqlite3_step(r->upd);
		sqlite3_reset(r->upd);
		for (int x = 0; x < r->extra; x++) {
			sqlite3_bind_text(r->xupd[x], 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(r->xupd[x], 2, r->i);
			sqlite3_bind_text(r->xupd[x], 3, "赵磊 已同意 @部门审核: 同意", -1, SQLITE_STATIC);
			sqlite3_step(r->xupd[x]);
			sqlite3_reset(r->xupd[x]);
		}
		sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	}
	r->secs += bench_now() - t0;
}

static void raw_close(struct raw *r, const char *path)
{
	sqlite3_finalize(r->ins);
	sqlite3_finalize(r->upd);
	for (int k = 0; k < r->extra; k++)
		sqlite3_finalize(r->xupd[k]);
	sqlite3_close(r->db);
	char other[600];
	remove(path);
	snprintf(other, sizeof(other), "%s-wal", path);
	remove(other);
	snprintf(other, sizeof(other), "%s-shm", path);
	remove(other);
}

/*
 * Engine actions: n/2 new leave requests, then an approval of each (the
 * task found by request id as the CLI does), each one durable action.
 */
struct eng {
	struct store *s;
	struct engine *e;
	json_t *p;          /* the new request's payload */
	char **ids;         /* the requests made */
	long n, i;          /* actions planned, done */
	double secs;        /* time spent in them */
	int failed;
	struct frames f;
};

static int eng_open(struct eng *g, const char *dir, const char *sync, long n)
{
	memset(g, 0, sizeof(*g));
	setenv("DOCKET_SYNC", sync, 1);
	if (!(g->s = bench_fresh_store(dir)))
		return -1;
	g->e = engine_new(g->s);
	g->p = bench_leave_payload(g->e);
	g->n = n;
	g->ids = xcalloc((size_t)n, sizeof(*g->ids));
	sqlite3_wal_hook(g->e->db, count_frames, &g->f);
	return 0;
}

static void bench_eng_run(struct eng *g, long k)
{
	double t0 = bench_now();
	for (long end = g->i + k; g->i < end && !g->failed; g->i++) {
		long half = g->n / 2;
		int rc;
		if (g->i < half) {
			rc = engine_act(g->e, NULL, "instance.created", "zhang.wei", g->p, &g->ids[g->i]);
		} else {
			char *t = NULL;
			rc = engine_my_task(g->e, "huang.wei", g->ids[g->i - half], &t);
			if (rc >= 0) {
				json_t *a = json_pack("{s:s, s:s}", "task", t, "opinion", "同意");
				rc = engine_act(g->e, NULL, "task.approved", "huang.wei", a, NULL);
				json_decref(a);
			}
			free(t);
		}
		if (rc < 0) {
			fprintf(stderr, "bench: %s\n", engine_error(g->e));
			g->failed = 1;
		}
	}
	g->secs += bench_now() - t0;
}

static void eng_close(struct eng *g, int64_t *events)
{
	*events = store_event_count(g->s);
	for (long i = 0; i < g->n; i++)
		free(g->ids[i]);
	free(g->ids);
	json_decref(g->p);
	engine_free(g->e);
	store_close(g->s);
}

/*
 * The floor: how fast the raw action runs when it also writes FLOOR_EXTRA
 * more tables, one row each, with nothing else to do. An approval changes
 * at least that much besides its event and task: the request's row, the
 * approver's inbox entry and the request's trail. Each table written is at
 * least one more page at commit, which is what synchronous=NORMAL pays
 * for; the rows here are updated in key order, the cheapest case. So the
 * floor's ratio to the raw rate is a ceiling for any engine keeping that
 * state, before it does any work of its own.
 */
#ifndef FLOOR_EXTRA
#define FLOOR_EXTRA 3
#endif

/*
 * Raw, floor and engine in alternating slices of n/20 actions, so that all
 * see the same machine: a burst of someone else's disk or CPU use falls on
 * every side instead of on one. Prints the figures; returns the engine's
 * rate (0 on failure). The store is left in `dir`.
 */
static double compare(const char *dir, const char *raw_path, const char *sync, long n)
{
	struct raw r, fl;
	struct eng g;
	char floor_path[600];
	snprintf(floor_path, sizeof(floor_path), "%s.floor", raw_path);
	int full = !strcmp(sync, "full");
	if (raw_open(&r, raw_path, full, n, 0) < 0 || raw_open(&fl, floor_path, full, n, FLOOR_EXTRA) < 0 ||
	    eng_open(&g, dir, sync, n) < 0)
		return 0;
	long slice = n / 20 > 0 ? n / 20 : 1;
	for (long done = 0; done < n && !g.failed; done += slice) {
		long k = done + slice > n ? n - done : slice;
		raw_run(&r, k);
		raw_run(&fl, k);
		bench_eng_run(&g, k);
	}
	int64_t events = 0;
	double rr = r.i / r.secs, fr = fl.i / fl.secs, er = g.failed ? 0 : g.i / g.secs;
	printf("bench: engine-actions-%s: %.0f actions/s (%.2f x raw sqlite %.0f/s; pages written per action %.1f,"
	       " raw %.1f)\n",
	       sync, er, er / rr, rr, frames_per_commit(&g.f), frames_per_commit(&r.f));
	printf("bench: engine-floor-%s: %.0f actions/s (%.2f x raw sqlite %.0f/s; the raw action writing %d more"
	       " tables, no engine work; pages written per action %.1f)\n",
	       sync, fr, fr / rr, rr, FLOOR_EXTRA, frames_per_commit(&fl.f));
	raw_close(&r, raw_path);
	raw_close(&fl, floor_path);
	eng_close(&g, &events);
	return er;
}

/*
 * Signing: the same actions on two stores, one where nobody has a key
 * (the setup phase: unsigned) and one where zhang.wei and huang.wei sign
 * each event with their SM2 key held in the process (as after a sign-in;
 * the agent adds a local socket round trip). Alternating slices, as above.
 */
struct signer {
	struct auth_session *zhang, *huang;
};

/* Enrol `person` (tang.xue first, self-signed) and return a session for them. */
static struct auth_session *enrol_on(struct eng *g, struct auth_session *by, const char *person)
{
	return bench_enrol(g->s, g->e, by, person);
}

/* bench_eng_run with each actor's session signing their events. */
static void signed_run(struct eng *g, struct signer *sg, long k)
{
	for (long end = g->i + k; g->i < end && !g->failed;) {
		auth_use_session(g->s, g->i < g->n / 2 ? sg->zhang : sg->huang);
		bench_eng_run(g, 1);
	}
}

static void bench_signing(const char *base, long n)
{
	char d1[600], d2[600];
	snprintf(d1, sizeof(d1), "%s/docket-bench-unsigned", base);
	snprintf(d2, sizeof(d2), "%s/docket-bench-signed", base);
	struct eng u, g;
	struct signer sg = { NULL, NULL };
	if (eng_open(&u, d1, "normal", n) < 0 || eng_open(&g, d2, "normal", n) < 0) {
		fprintf(stderr, "bench: sign-action: no store\n");
		return;
	}
	struct auth_session *tang = enrol_on(&g, NULL, "tang.xue");
	sg.zhang = tang ? enrol_on(&g, tang, "zhang.wei") : NULL;
	sg.huang = tang ? enrol_on(&g, tang, "huang.wei") : NULL;
	if (!sg.zhang || !sg.huang) {
		fprintf(stderr, "bench: sign-action: enrolment failed\n");
		return;
	}
	long slice = n / 20 > 0 ? n / 20 : 1;
	double ucpu = 0, scpu = 0;
	for (long done = 0; done < n && !u.failed && !g.failed; done += slice) {
		long k = done + slice > n ? n - done : slice;
		double c0 = bench_cpu();
		bench_eng_run(&u, k);
		double c1 = bench_cpu();
		signed_run(&g, &sg, k);
		ucpu += c1 - c0, scpu += bench_cpu() - c1;
	}
	double ur = u.i / u.secs, sr = g.failed ? 0 : g.i / g.secs;
	printf("bench: sign-action: %.0f actions/s (%.2f x unsigned %.0f/s; SM2 with SM3, key in the process;"
	       " CPU per action %.3f ms, unsigned %.3f ms)\n",
	       sr, sr / ur, ur, g.i ? 1e3 * scpu / g.i : 0, u.i ? 1e3 * ucpu / u.i : 0);
	struct auth_report rep;
	struct buf why = BUF_INIT;
	double t0 = bench_now();
	int rc = auth_verify_log(g.s, &rep, &why);
	double dt = bench_now() - t0;
	if (rc)
		fprintf(stderr, "bench: verify: %s\n", why.s);
	double vr = rep.verified / dt;
	printf("bench: verify-signatures: %.0f events/s (%.2f x unsigned actions %.0f/s; %lld signatures)\n", vr,
	       vr / ur, ur, (long long)rep.verified);
	buf_release(&why);
	auth_use_session(g.s, NULL);
	auth_session_free(sg.zhang);
	auth_session_free(sg.huang);
	auth_session_free(tang);
	int64_t ev;
	eng_close(&u, &ev);
	eng_close(&g, &ev);
}

/* OpenSSL alone: SM2 with SM3 and the default ID, a fresh context per call; 1 when it worked. */
static int evp_sm2(EVP_PKEY *pk, const EVP_MD *md, int sign, unsigned char *sig, size_t *n,
		   const unsigned char *msg, size_t len)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	int ok = m && pc && EVP_PKEY_CTX_set1_id(pc, "1234567812345678", 16) > 0;
	if (ok)
		EVP_MD_CTX_set_pkey_ctx(m, pc);
	if (ok && sign)
		ok = EVP_DigestSignInit(m, NULL, md, NULL, pk) > 0 && EVP_DigestSign(m, sig, n, msg, len) > 0;
	else if (ok)
		ok = EVP_DigestVerifyInit(m, NULL, md, NULL, pk) > 0 && EVP_DigestVerify(m, sig, *n, msg, len) == 1;
	EVP_MD_CTX_free(m);
	EVP_PKEY_CTX_free(pc);
	return ok;
}

/*
 * One SM2 signature and one verification, docket's (sm2key) against
 * OpenSSL's own calls, in the process's CPU time: the machine's load
 * (other processes on the same cores) inflates wall-clock figures such as
 * sign-action, not these. Alternating slices, as above.
 */
static void bench_sm2(long n)
{
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	char *clear = sm2key_private_b64(k), *pub = sm2key_public_b64(k);
	struct sm2key *vk = sm2key_from_public_b64(pub, &err);
	/* the same key for OpenSSL alone, decoded as docket decodes it */
	unsigned char *der = xmalloc(strlen(clear));
	int dl = EVP_DecodeBlock(der, (const unsigned char *)clear, (int)strlen(clear));
	const unsigned char *dp = der;
	PKCS8_PRIV_KEY_INFO *p8 = dl > 0 ? d2i_PKCS8_PRIV_KEY_INFO(NULL, &dp, dl) : NULL;
	EVP_PKEY *pk = p8 ? EVP_PKCS82PKEY(p8) : NULL;
	EVP_MD *md = EVP_MD_fetch(NULL, "SM3", NULL);
	unsigned char msg[400], sig[128], scratch[128];
	memset(msg, 'x', sizeof(msg));
	size_t sn = sizeof(sig);
	double ours[2] = { 0, 0 }, ref[2] = { 0, 0 };
	int bad = !pk || !md || !vk || !evp_sm2(pk, md, 1, sig, &sn, msg, sizeof(msg));
	char *s64 = bad ? NULL : sm2key_sign(k, msg, sizeof(msg), &err);
	for (long done = 0; !bad && done < n; done += n / 10) {
		double t0 = bench_cpu();
		for (long i = 0; i < n / 10; i++) {
			char *x = sm2key_sign(k, msg, sizeof(msg), &err);
			bad |= !x;
			free(x);
		}
		double t1 = bench_cpu();
		for (long i = 0; i < n / 10; i++) {
			size_t m = sizeof(scratch);
			bad |= !evp_sm2(pk, md, 1, scratch, &m, msg, sizeof(msg));
		}
		double t2 = bench_cpu();
		for (long i = 0; i < n / 10; i++)
			bad |= sm2key_verify(vk, msg, sizeof(msg), s64) != 1;
		double t3 = bench_cpu();
		for (long i = 0; i < n / 10; i++) {
			size_t m = sn;
			bad |= !evp_sm2(pk, md, 0, sig, &m, msg, sizeof(msg));
		}
		double t4 = bench_cpu();
		ours[0] += t1 - t0, ref[0] += t2 - t1, ours[1] += t3 - t2, ref[1] += t4 - t3;
	}
	if (bad) {
		fprintf(stderr, "bench: sm2: failed %s\n", err.s);
	} else {
		double m = (double)(n / 10 * 10);
		printf("bench: sm2-sign: %.0f/s CPU (%.2f x OpenSSL EVP alone %.0f/s)\n", m / ours[0], ref[0] / ours[0],
		       m / ref[0]);
		printf("bench: sm2-verify: %.0f/s CPU (%.2f x OpenSSL EVP alone %.0f/s)\n", m / ours[1],
		       ref[1] / ours[1], m / ref[1]);
	}
	free(s64);
	EVP_MD_free(md);
	EVP_PKEY_free(pk);
	PKCS8_PRIV_KEY_INFO_free(p8);
	free(der);
	sm2key_wipe(clear, strlen(clear));
	free(clear);
	free(pub);
	sm2key_free(vk);
	sm2key_free(k);
	buf_release(&err);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(void)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char dir[512], raw[512];
	snprintf(dir, sizeof(dir), "%s/docket-bench-engine", base);
	snprintf(raw, sizeof(raw), "%s/docket-bench-raw.db", base);
	long n = bench_env("DOCKET_BENCH_ACTIONS", 400);
	double eng_normal = 0;
	int status = 0;
	static const char *const syncs[] = { "full", "normal" };
	const char *only = getenv("DOCKET_BENCH_ONLY"); /* "normal" or "full": profile one */
	for (int k = 0; k < 2; k++) {
		if (only && strcmp(only, syncs[k]))
			continue;
		double a = compare(dir, raw, syncs[k], n);
		if (!a)
			status = 1;
		if (k == 1)
			eng_normal = a;
	}
	fflush(stdout);
	if (!only) {
		bench_sm2(n);
		bench_signing(base, n);
	}
	fflush(stdout);

	/* (c) replay: the store the normal run left */
	{
		struct buf err = BUF_INIT, report = BUF_INIT;
		struct store *s = NULL;
		if (store_open(dir, 0, &s, &err) == 0) {
			struct engine *e = engine_new(s);
			int64_t ev = 0;
			double t0 = bench_now();
			int rc = engine_check(e, 0, &report, &ev);
			double dt = bench_now() - t0;
			if (rc)
				fprintf(stderr, "bench: check: %d %s %s\n", rc, report.s, engine_error(e));
			printf("bench: check-replay: %.0f events/s (%.2f x engine-actions-normal; %lld events)\n",
			       ev / dt, ev / dt / eng_normal, (long long)ev);
			engine_free(e);
			store_close(s);
		}
		buf_release(&err);
		buf_release(&report);
	}
	fflush(stdout);

	/* (b) the inbox in a large store */
	long ntasks = bench_env("DOCKET_BENCH_TASKS", 1000000);
	int nusers = 10000;
	setenv("DOCKET_SYNC", "normal", 1);
	struct store *s = bench_fresh_store(dir);
	if (!s)
		return 1;
	struct engine *e = engine_new(s);
	char *wf = engine_current_version(e, "workflow", "leave");
	char *form = engine_current_version(e, "form", "leave");
	char *org = engine_current_version(e, "organisation", NULL);
	double t0 = bench_now();
	if (engine_bench_fill(e, ntasks, nusers, wf, form, org) < 0) {
		fprintf(stderr, "bench: %s\n", engine_error(e));
		return 1;
	}
	double fill = bench_now() - t0;
	free(wf);
	free(form);
	free(org);
	int q = 2000;
	double *lat = xcalloc((size_t)q, sizeof(*lat));
	size_t rows = 0;
	for (int i = 0; i < q; i++) {
		char user[32];
		snprintf(user, sizeof(user), "u%05d", (i * 37) % nusers);
		double a = bench_now();
		json_t *inbox = engine_inbox(e, user, INBOX_TODO);
		lat[i] = (bench_now() - a) * 1000;
		rows += json_array_size(inbox);
		json_decref(inbox);
	}
	qsort(lat, (size_t)q, sizeof(*lat), cmp_double);
	double p50 = lat[q / 2], p99 = lat[q * 99 / 100];
	printf("bench: inbox-p50: %.3f ms (%.3f x 5 ms target; %ld tasks, %d users, %.1f rows each, filled in %.1f s)\n",
	       p50, p50 / 5, ntasks, nusers, (double)rows / q, fill);
	printf("bench: inbox-p99: %.3f ms (%.3f x 5 ms target; %ld tasks, %d users)\n", p99, p99 / 5, ntasks, nusers);
	free(lat);
	engine_free(e);
	store_close(s);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		status = 1;
	return status;
}
