/*
 * bench_tui: how fast the inbox appears and answers a key on a large
 * store, against the time to open that store alone, measured in the same
 * run (in-process, curses on /dev/null as the snapshot tests do).
 *
 *   bench: tui-first-paint: N ms (R x store_open N ms; ...)
 *   bench: tui-repaint: N ms (R x store_open N ms; ...)
 *
 * First paint is everything from store_open() to the inbox drawn: the
 * store, the engine with its timers, the four tabs read and the screen
 * painted (median of 5). Repaint is one key (move-down, or next-tab every
 * fourth time) to the screen drawn again (median of 400). The store has
 * DOCKET_BENCH_REQUESTS requests (default 100,000, ten tasks each, for
 * 10,000 users), filled by direct inserts (engine_bench_fill); the user
 * benchmarked is the one with the most to do. Targets: 50 ms and 10 ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/tui/attach.c"
#include "../../src/tui/cmdline.c"
#include "../../src/tui/dialog.c"
#include "../../src/tui/notify.c"
#include "../../src/tui/edit.c"
#include "../../src/tui/row.c"
#include "../../src/tui/search.c"
#include "../../src/tui/signin.c"
#include "../../src/tui/tabs.c"
#include "../../src/tui/tsync.c"
#include "../../src/tui/tdefs.c"
#include "../../src/tui/tui.c"
#include "../../src/tui/view_conflicts.c"
#include "../../src/tui/view_def.c"
#include "../../src/tui/view_defs.c"
#include "../../src/tui/view_doc.c"
#include "../../src/tui/view_help.c"
#include "../../src/tui/view_inbox.c"
#include "../../src/tui/view_new.c"
#include "../../src/tui/standin.c"
#include "../../src/tui/view_pager.c"
#include "../../src/tui/view_request.c"

#include "defs/defset.h"
/*
 * From engine/eng_internal.h, which cannot be included here: its struct
 * act_ctx and the TUI's (view_request.c, included above) share a name.
 */
int engine_bench_fill(struct engine *e, int64_t ntasks, int nusers, const char *wf, const char *form,
		      const char *org);

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* A fresh store in dir with the shipped definitions and `requests` requests. */
static int fill_store(const char *dir, long requests, double *fill_s)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return -1;
	struct buf err = BUF_INIT;
	struct store *s = NULL;
	if (store_init(dir, &err) || store_open(dir, 0, &s, &err)) {
		fprintf(stderr, "bench: %s\n", err.s);
		buf_release(&err);
		return -1;
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
		fprintf(stderr, "bench: the shipped definitions do not deploy\n");
		store_close(s);
		return -1;
	}
	struct engine *e = engine_new(s);
	char *wf = engine_current_version(e, "workflow", "leave");
	char *form = engine_current_version(e, "form", "leave");
	char *org = engine_current_version(e, "organisation", NULL);
	double t0 = now_s();
	int rc = engine_bench_fill(e, (int64_t)requests * 10, 10000, wf, form, org);
	*fill_s = now_s() - t0;
	if (rc < 0)
		fprintf(stderr, "bench: %s\n", engine_error(e));
	free(wf);
	free(form);
	free(org);
	engine_free(e);
	store_close(s);
	return rc < 0 ? -1 : 0;
}

/* The user with the most tasks to do (u00000.. are filled round-robin). */
static void busiest_user(const char *dir, char *user, size_t size, long *todo)
{
	struct buf err = BUF_INIT;
	struct store *s = NULL;
	snprintf(user, size, "u00000");
	*todo = 0;
	if (store_open(dir, 1, &s, &err)) {
		buf_release(&err);
		return;
	}
	buf_release(&err);
	struct engine *e = engine_new(s);
	for (int i = 0; i < 20; i++) {
		char u[32];
		snprintf(u, sizeof(u), "u%05d", i * 7);
		json_t *a = engine_inbox(e, u, INBOX_TODO);
		if ((long)json_array_size(a) > *todo) {
			*todo = (long)json_array_size(a);
			snprintf(user, size, "%s", u);
		}
		json_decref(a);
	}
	engine_free(e);
	store_close(s);
}

int main(void)
{
	i18n_init();
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/docket-bench-tui", base);
	const char *env = getenv("DOCKET_BENCH_REQUESTS");
	long requests = env && *env ? atol(env) : 100000;
	if (requests < 1)
		requests = 1;
	unsetenv("NO_COLOR");
	unsetenv("DOCKET_SCREEN_READER");
	unsetenv("DOCKET_KEYS");
	setenv("DOCKET_SYNC", "normal", 1);
	double fill = 0;
	if (fill_store(dir, requests, &fill))
		return 1;
	char user[32];
	long todo;
	busiest_user(dir, user, sizeof(user), &todo);

	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *scr = newterm("xterm-256color", out, in);
	if (!scr) {
		fprintf(stderr, "bench: no terminal 'xterm-256color'\n");
		return 1;
	}
	set_term(scr);
	resizeterm(24, 80);

	/* the reference: opening the store alone */
	enum { OPENS = 5 };
	double open_ms[OPENS], paint_ms[OPENS], ui_ms[OPENS];
	for (int i = 0; i < OPENS; i++) {
		struct buf err = BUF_INIT;
		struct store *s = NULL;
		double t0 = now_s();
		int rc = store_open(dir, 0, &s, &err);
		open_ms[i] = (now_s() - t0) * 1000;
		buf_release(&err);
		if (rc)
			return 1;
		store_close(s);
	}
	/* first paint: open, set up, read the inbox, draw */
	struct tui t;
	struct store *s = NULL;
	size_t rows = 0;
	for (int i = 0; i < OPENS; i++) {
		struct buf err = BUF_INIT;
		double t0 = now_s();
		if (store_open(dir, 0, &s, &err))
			return 1;
		double t1 = now_s();
		if (tui_setup(&t, s, user, NULL))
			return 1;
		buf_release(&err);
		setup_colors(&t);
		if (tui_push(&t, &inbox_view_ops, NULL))
			return 1;
		tui_draw(&t);
		paint_ms[i] = (now_s() - t0) * 1000;
		ui_ms[i] = (now_s() - t1) * 1000;
		rows = t.views[0]->lines;
		if (i + 1 < OPENS) {
			tui_teardown(&t);
			store_close(s);
		}
	}
	/* keypress to repaint on the open inbox */
	enum { KEYS = 400 };
	double key_ms[KEYS];
	int down = key_parse("j"), tab = key_parse("Tab");
	for (int i = 0; i < KEYS; i++) {
		double t0 = now_s();
		tui_key(&t, i % 4 == 3 ? tab : down);
		tui_draw(&t);
		key_ms[i] = (now_s() - t0) * 1000;
	}
	tui_teardown(&t);
	store_close(s);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);

	double o = median(open_ms, OPENS), p = median(paint_ms, OPENS), k = median(key_ms, KEYS);
	double ui = median(ui_ms, OPENS);
	double k99 = key_ms[KEYS * 99 / 100];
	printf("bench: tui-first-paint: %.2f ms (%.2f x store_open %.2f ms; target 50 ms; %.2f ms after the "
	       "store is open; %ld requests, user %s with %ld to do, %zu rows shown, filled in %.1f s)\n",
	       p, p / o, o, ui, requests, user, todo, rows, fill);
	printf("bench: tui-repaint: %.3f ms (%.3f x store_open %.2f ms; target 10 ms; p99 %.3f ms; %ld requests)\n",
	       k, k / o, o, k99, requests);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	int status = system(cmd) != 0;
	return status;
}
