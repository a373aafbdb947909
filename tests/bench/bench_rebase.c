/*
 * bench_rebase: what keeping the server's order costs a terminal (the
 * issue's "choose, and measure": SQLite's session extension or a rebuild
 * from a checkpoint; doc/sync.md, "How a terminal keeps the server's
 * order").
 *
 *   bench: rebase-undo-tail: N ms to take a tail of K actions off a log of
 *          H events with the undo journal (R x rebuilding the state by
 *          replaying the H events, the fallback, measured in the same run)
 *   bench: journal-overhead: N actions/s with the undo journal on (R x the
 *          same actions with it off)
 *
 * DOCKET_BENCH_HISTORY (default 4000) actions of history, then
 * DOCKET_BENCH_TAIL (default 100) in the tail. Durability NORMAL for both
 * stores (the journal's cost is CPU and pages, not the fsync).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "bench.h"

/* A fresh store in dir with the shipped definitions, the journal on or off; NULL on failure. */
static struct store *store_with_defs(const char *dir, int journal)
{
	struct store *s = bench_fresh_store(dir);
	if (s && journal && (store_begin(s) || store_undo_enable(s) || store_set_synced(s) || store_commit(s))) {
		fprintf(stderr, "bench: %s\n", store_error(s));
		store_close(s);
		return NULL;
	}
	return s;
}

/* n actions: a new leave request, then its approval, alternately. Seconds taken, or < 0. */
static double act(struct engine *e, json_t *p, long n)
{
	double t0 = bench_now();
	char *id = NULL;
	for (long i = 0; i < n; i++) {
		int rc;
		if (!(i & 1)) {
			free(id);
			id = NULL;
			rc = engine_act(e, NULL, "instance.created", "zhang.wei", p, &id);
		} else {
			char *t = NULL;
			rc = engine_my_task(e, "huang.wei", id, &t);
			if (rc >= 0) {
				json_t *a = json_pack("{s:s, s:s}", "task", t, "opinion", "同意");
				rc = engine_act(e, NULL, "task.approved", "huang.wei", a, NULL);
				json_decref(a);
			}
			free(t);
		}
		if (rc < 0) {
			fprintf(stderr, "bench: %s\n", engine_error(e));
			free(id);
			return -1;
		}
	}
	free(id);
	return bench_now() - t0;
}

int main(void)
{
	long history = bench_env("DOCKET_BENCH_HISTORY", 4000), tail = bench_env("DOCKET_BENCH_TAIL", 100);
	setenv("DOCKET_SYNC", "normal", 1);
	struct store *on = store_with_defs("/tmp/docket-bench-rebase-on", 1);
	struct store *off = store_with_defs("/tmp/docket-bench-rebase-off", 0);
	if (!on || !off)
		return 1;
	struct engine *eon = engine_new(on), *eoff = engine_new(off);
	json_t *pon = bench_leave_payload(eon), *poff = bench_leave_payload(eoff);
	/* the history, in turns so that the machine's load falls on both alike */
	double ton = 0, toff = 0;
	for (long done = 0; done < history; done += 200) {
		double a = act(eoff, poff, 200), b = act(eon, pon, 200);
		if (a < 0 || b < 0)
			return 1;
		toff += a;
		ton += b;
	}
	int64_t base = store_event_last_seq(on);
	if (act(eon, pon, tail) < 0)
		return 1;
	int64_t head = store_event_last_seq(on);
	/* the tail off by the journal, then by replay: each in a transaction rolled back */
	double tj = 0, tr = 0;
	int rounds = 3, bad = 0;
	for (int i = 0; i < rounds && !bad; i++) {
		double t0 = bench_now();
		bad |= store_begin(on) || store_undo_to(on, base) != 0;
		tj += bench_now() - t0;
		store_rollback(on);
		t0 = bench_now();
		bad |= store_begin(on) || engine_rebuild(eon, base) != 0;
		tr += bench_now() - t0;
		store_rollback(on);
	}
	if (bad) {
		fprintf(stderr, "bench: rebase: %s %s\n", store_error(on), engine_error(eon));
		return 1;
	}
	tj /= rounds;
	tr /= rounds;
	printf("bench: rebase-undo-tail: %.2f ms to take %lld events off a log of %lld with the undo journal"
	       " (%.4f x rebuilding the state by replay at %.0f ms)\n",
	       tj * 1e3, (long long)(head - base), (long long)head, tj / tr, tr * 1e3);
	printf("bench: journal-overhead: %.0f actions/s with the undo journal on (%.2f x %.0f/s with it off;"
	       " %ld actions each, synchronous=NORMAL)\n",
	       history / ton, toff / ton, history / toff, history);
	json_decref(pon);
	json_decref(poff);
	engine_free(eon);
	engine_free(eoff);
	store_close(on);
	store_close(off);
	return 0;
}
