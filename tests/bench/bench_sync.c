/*
 * bench_sync: what sync costs a clerk (issue 12), each figure against a
 * reference measured in the same run on the same machine.
 *
 *   bench: sync-accept: N events/s (R x raw sqlite batched inserts N/s; B per batch, fsync on)
 *   bench: sync-push-10k: N actions/s (R x the server's engine alone N/s; raw sqlite N/s)
 *   bench: sync-pull-10k: N actions/s (R x the terminal's engine alone N/s)
 *   bench: sync-noop-p99: N ms (p50 N ms; K syncs with nothing new)
 *
 * Terminal A makes DOCKET_BENCH_SYNC_PUSH (default 10,000) signed actions
 * offline (leave requests by zhang.wei, each created and submitted). A
 * real docketd process (the `docketd` binary of the working directory)
 * serves a server store over TLS on 127.0.0.1 with a self-signed
 * certificate; the terminal's side is docket's own sync code called in
 * this process (sync_run: libcurl, a new TLS connection per sync, the
 * pages applied in the terminal's store), so a figure is what `docket
 * sync` pays less the process start.
 *
 * - sync-push-10k: A's `docket sync` that pushes them all (batches of 200,
 *   as the terminal sends them) until every one is answered and durable on
 *   the server; the same sync's pull then acknowledges its own events
 *   coming back, and is counted. Reference: sync-accept, the server's
 *   engine judging the same events in the same batch sizes with no
 *   network (engine_accept, one durable transaction per batch), so R is
 *   what sync itself costs; beside it the raw SQLite batched-insert rate.
 * - sync-pull-10k: terminal B (A before it made the actions, enrolled for
 *   zhang.wei too) pulls them. Reference: the terminal's engine applying
 *   the same events (engine_accept) in pages of 500, one transaction each,
 *   on a copy of B. B has made DOCKET_BENCH_SYNC_PENDING (default 100)
 *   actions of its own offline meanwhile: its sync pushes them, the server
 *   sequences them after A's, and the pull takes them off B's log and
 *   applies them again after A's 10k, as every terminal that worked
 *   offline does (doc/sync.md, "How a terminal keeps the server's order").
 * - sync-noop-p99: DOCKET_BENCH_SYNC_NOOP (default 200) syncs of A with
 *   nothing new: what every terminal pays every minute.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "auth/auth.h"
#include "engine/engine.h"
#include "store/store.h"
#include "sync/sync.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "bench.h"

/* A terminal's events after a sequence, copied. */
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

static void events_release(struct events *x)
{
	for (size_t i = 0; i < x->n; i++)
		store_event_release(&x->v[i]);
	free(x->v);
}

/* Raw batched inserts of rows like the events: rows per second. */
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
	double t0 = bench_now();
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
	double dt = bench_now() - t0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	remove(path);
	return dt > 0 ? (double)x->n / dt : 0;
}

/* engine_accept of every event into s, `batch` per durable transaction: events per second, or -1. */
static double accept_rate(struct store *s, const struct events *x, long batch)
{
	struct engine *e = engine_new(s);
	long accepted = 0;
	double t0 = bench_now();
	for (size_t i = 0; i < x->n;) {
		if (store_begin(s) < 0)
			return -1;
		for (long k = 0; k < batch && i < x->n; k++, i++) {
			int64_t seq;
			const char *code;
			int rc = engine_accept(e, &x->v[i], &seq, &code);
			if (rc == 0 || rc == 1)
				accepted++;
			else
				fprintf(stderr, "bench: accept: event %zu: %s %s\n", i, code ? code : "", engine_error(e));
		}
		if (store_commit(s) < 0)
			return -1;
	}
	double dt = bench_now() - t0;
	engine_free(e);
	return accepted == (long)x->n && dt > 0 ? (double)accepted / dt : -1;
}

/* Run a shell command; 0 when it succeeded. */
static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[2000];
	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd) == 0 ? 0 : -1;
}

/* A one-time code for a device for zhang.wei (docketd enrol-code), caller frees; NULL on failure. */
static char *enrol_code(const char *srv, const char *name)
{
	char cmd[1000], line[100] = "";
	snprintf(cmd, sizeof(cmd), "./docketd enrol-code --store '%s' --name %s --for zhang.wei 2>/dev/null", srv, name);
	FILE *f = popen(cmd, "r");
	if (!f)
		return NULL;
	char *ok = fgets(line, sizeof(line), f);
	pclose(f);
	line[strcspn(line, "\n")] = '\0';
	return ok && *line ? xstrdup(line) : NULL;
}

/* docketd serving srv over TLS on 127.0.0.1, any port: its pid, *url filled; -1 on failure. */
static pid_t serve(const char *srv, const char *cert, const char *key, char *url, size_t n)
{
	int fd[2];
	if (pipe(fd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		const char *log = getenv("DOCKET_BENCH_SERVER_LOG");
		if (!freopen(log && *log ? log : "/dev/null", "w", stderr))
			_exit(127);
		execl("./docketd", "docketd", "--store", srv, "--listen", "127.0.0.1:0", "--cert", cert, "--key", key,
		      (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	FILE *f = fdopen(fd[0], "r");
	char line[300] = "";
	int ok = f && fgets(line, sizeof(line), f) && !strncmp(line, "listening on ", 13);
	if (f)
		fclose(f);
	if (!ok) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return -1;
	}
	line[strcspn(line, "\n")] = '\0';
	snprintf(url, n, "%s", line + 13);
	return pid;
}

/* Open a store (already made); NULL said. */
static struct store *open_store(const char *dir)
{
	struct buf err = BUF_INIT;
	struct store *s = NULL;
	if (store_open(dir, 0, &s, &err) < 0)
		fprintf(stderr, "bench: %s\n", err.s);
	buf_release(&err);
	return s;
}

/* Set the remote and enrol: 0, or -1 said. */
static int connect_terminal(struct store *s, const char *url, const char *ca, const char *code, const char *name)
{
	struct buf err = BUF_INIT;
	int rc = sync_remote_set(s, url, ca, NULL, &err);
	if (!rc)
		rc = sync_enrol(s, code, name, &err);
	if (rc)
		fprintf(stderr, "bench: terminal %s: %s\n", name, err.s);
	buf_release(&err);
	return rc ? -1 : 0;
}

/* One sync, timed: seconds, or -1 said. */
static double timed_sync(struct store *s, struct engine *e, struct sync_counts *n)
{
	struct buf err = BUF_INIT;
	double t0 = bench_now();
	int rc = sync_run(s, e, n, &err);
	double dt = bench_now() - t0;
	if (rc)
		fprintf(stderr, "bench: sync: %s\n", err.s);
	buf_release(&err);
	return rc ? -1 : dt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(void)
{
	long n = bench_env("DOCKET_BENCH_SYNC_PUSH", 10000), batch = bench_env("DOCKET_BENCH_SYNC_BATCH", 200);
	long noops = bench_env("DOCKET_BENCH_SYNC_NOOP", 200);
	const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char da[600], db[600], dbref[600], dref[600], dsrv[600], draw[600], cert[600], key[600];
	snprintf(da, sizeof(da), "%s/docket-bench-sync-a", tmp);
	snprintf(db, sizeof(db), "%s/docket-bench-sync-b", tmp);
	snprintf(dbref, sizeof(dbref), "%s/docket-bench-sync-b-ref", tmp);
	snprintf(dref, sizeof(dref), "%s/docket-bench-sync-ref", tmp);
	snprintf(dsrv, sizeof(dsrv), "%s/docket-bench-sync-server", tmp);
	snprintf(draw, sizeof(draw), "%s/docket-bench-sync-raw.db", tmp);
	snprintf(cert, sizeof(cert), "%s/docket-bench-sync-cert.pem", tmp);
	snprintf(key, sizeof(key), "%s/docket-bench-sync-key.pem", tmp);

	/* terminal A: the definitions, two people with keys; B is A as it is now */
	struct store *a = bench_fresh_store(da);
	if (!a)
		return 1;
	int64_t base = store_event_last_seq(a); /* the deployments stay out of the references */
	struct engine *ae = engine_new(a);
	struct auth_session *tang = bench_enrol(a, ae, NULL, "tang.xue");
	struct auth_session *zhang = tang ? bench_enrol(a, ae, tang, "zhang.wei") : NULL;
	if (!zhang)
		return 1;
	char cmd[4000];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' && cp -a '%s' '%s' && cp -a '%s' '%s'", db, dbref, da, db, da, dbref);
	store_close(a); /* closed, so copied whole (the WAL checkpointed), then opened again */
	if (system(cmd) != 0 || !(a = open_store(da)))
		return 1;
	engine_free(ae);
	ae = engine_new(a);
	auth_use_session(a, zhang);

	/* A's offline work: at least n signed actions */
	json_t *in = json_pack("{s:s, s:s, s:s, s:s}", "type", "personal", "start", "2026-04-07", "end", "2026-04-07",
			       "reason", "家中有事");
	int64_t made_from = store_event_last_seq(a);
	while (store_event_last_seq(a) - made_from < n) {
		char *id = NULL;
		if (engine_start(ae, NULL, "zhang.wei", "leave", in, NULL, 0, &id)) {
			fprintf(stderr, "bench: sync: %s\n", engine_error(ae));
			return 1;
		}
		free(id);
	}
	json_decref(in);
	struct events x = { NULL, 0, 0 };
	store_event_foreach(a, base, copy_one, &x); /* the enrolments and the actions: what A pushes */

	/* the references: the server's engine alone, the terminal's engine alone, raw SQLite */
	struct store *ref = bench_fresh_store(dref);
	double accept = ref ? accept_rate(ref, &x, batch) : -1;
	store_close(ref);
	struct store *bref = open_store(dbref);
	struct events pulled = { NULL, 0, 0 };
	store_event_foreach(a, made_from, copy_one, &pulled);
	double apply = bref ? accept_rate(bref, &pulled, 500) : -1;
	store_close(bref);
	double raw = raw_rate(draw, &x, batch);
	if (accept <= 0 || apply <= 0) {
		fprintf(stderr, "bench: sync: the references failed\n");
		return 1;
	}
	printf("bench: sync-accept: %.0f events/s (%.3f x raw sqlite batched inserts %.0f/s; %ld per batch, fsync on; %zu signed events)\n",
	       accept, raw > 0 ? accept / raw : 0, raw, batch, x.n);
	fflush(stdout);

	/* the server: a real docketd over TLS on loopback */
	char url[300];
	char *ca = NULL, *cb = NULL;
	pid_t pid = -1;
	struct store *srv = NULL;
	if (sh("rm -rf '%s' && ./docketd init --store '%s' >/dev/null", dsrv, dsrv) || !(srv = open_store(dsrv)) ||
	    bench_deploy(srv) < 0 ||
	    sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '%s' -out '%s'"
	       " -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null",
	       key, cert)) {
		fprintf(stderr, "bench: sync: no server store or certificate (is docketd built?)\n");
		return 1;
	}
	store_close(srv);
	if (!(ca = enrol_code(dsrv, "A")) || !(cb = enrol_code(dsrv, "B")) ||
	    (pid = serve(dsrv, cert, key, url, sizeof(url))) < 0) {
		fprintf(stderr, "bench: sync: docketd does not serve\n");
		return 1;
	}
	struct store *b = open_store(db);
	struct engine *be = b ? engine_new(b) : NULL;
	int bad = !b || connect_terminal(a, url, cert, ca, "A") || connect_terminal(b, url, cert, cb, "B");

	char size[32]; /* 10k, as the issue names the figures */
	snprintf(size, sizeof(size), n % 1000 ? "%ld" : "%ldk", n % 1000 ? n : n / 1000);

	/* push: every action answered and durable on the server */
	struct sync_counts c;
	double dt = bad ? -1 : timed_sync(a, ae, &c);
	if (dt > 0 && c.accepted + c.duplicate == (int64_t)x.n && !c.rejected) {
		double rate = (double)c.pushed / dt;
		printf("bench: sync-push-%s: %.0f actions/s (%.3f x the server's engine alone %.0f/s; raw sqlite %.0f/s;"
		       " %lld actions, docketd over TLS on 127.0.0.1, in %.2f s with the pull of them back)\n",
		       size, rate, rate / accept, accept, raw, (long long)c.pushed, dt);
	} else {
		fprintf(stderr, "bench: sync-push: pushed %lld, accepted %lld, rejected %lld\n", (long long)c.pushed,
			(long long)c.accepted, (long long)c.rejected);
		bad = 1;
	}
	fflush(stdout);

	/* B's own offline work meanwhile: pushed, then applied again after A's */
	long pending = bench_env("DOCKET_BENCH_SYNC_PENDING", 100);
	if (!bad) {
		auth_use_session(b, zhang);
		json_t *mine = json_pack("{s:s, s:s, s:s, s:s}", "type", "annual", "start", "2026-04-08", "end",
					 "2026-04-08", "reason", "休息");
		for (long i = 0; i < pending && !bad; i++) {
			char *id = NULL;
			if (engine_start(be, NULL, "zhang.wei", "leave", mine, NULL, 0, &id)) {
				fprintf(stderr, "bench: sync: B: %s\n", engine_error(be));
				bad = 1;
			}
			free(id);
		}
		json_decref(mine);
	}

	/* pull: B receives them */
	dt = bad ? -1 : timed_sync(b, be, &c);
	if (dt > 0 && c.pulled == (int64_t)pulled.n && !c.conflicts && c.rebased) {
		double rate = (double)c.pulled / dt;
		printf("bench: sync-pull-%s: %.0f actions/s (%.3f x the terminal's engine alone %.0f/s; %lld actions,"
		       " pages of 500; with %ld of B's own pushed first and applied again after them%s)\n",
		       size, rate, rate / apply, apply, (long long)c.pulled, pending,
		       c.replayed ? ", the state rebuilt by replay" : ", by the undo journal");
	} else if (!bad) {
		fprintf(stderr, "bench: sync-pull: pulled %lld of %zu, unapplied %lld, conflicts %lld, re-applied %lld\n",
			(long long)c.pulled, pulled.n, (long long)c.unapplied, (long long)c.conflicts,
			(long long)c.rebased);
		bad = 1;
	}
	fflush(stdout);

	/* a sync with nothing new, many times: A first takes what B pushed (its 100 of its own) */
	if (!bad && timed_sync(a, ae, &c) < 0)
		bad = 1;
	double *t = xcalloc((size_t)noops, sizeof(*t));
	for (long i = 0; !bad && i < noops; i++) {
		t[i] = timed_sync(a, ae, &c);
		if (t[i] >= 0 && (c.pushed || c.pulled))
			fprintf(stderr, "bench: sync-noop: sync %ld moved something (pushed %lld, pulled %lld)\n", i,
				(long long)c.pushed, (long long)c.pulled);
		if (t[i] < 0 || c.pushed || c.pulled)
			bad = 1;
	}
	if (!bad && noops > 0) {
		qsort(t, (size_t)noops, sizeof(*t), cmp_double);
		size_t p99 = (size_t)((double)noops * 0.99);
		if (p99 >= (size_t)noops)
			p99 = (size_t)noops - 1;
		printf("bench: sync-noop-p99: %.1f ms (p50 %.1f ms; %ld syncs with nothing new, each a new TLS connection)\n",
		       t[p99] * 1000, t[noops / 2] * 1000, noops);
	}
	free(t);

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	free(ca);
	free(cb);
	events_release(&x);
	events_release(&pulled);
	auth_use_session(a, NULL);
	auth_session_free(zhang);
	auth_session_free(tang);
	engine_free(ae);
	engine_free(be);
	store_close(a);
	store_close(b);
	return bad;
}
