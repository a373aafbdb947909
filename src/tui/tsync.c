/*
 * tsync: sync in the TUI (doc/tui.md, "Sync"): the status bar's 已同步 /
 * 离线 / 同步中 with the counts of actions waiting and of rejected ones,
 * the sync action (the same sync as `docket sync`, with a progress bar
 * when much moves), and the trail's 待同步 marks.
 */
#define _POSIX_C_SOURCE 200809L
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "view.h"
#include "widget.h"
#include "../store/store.h"
#include "../sync/conflicts.h"
#include "../sync/sync.h"
#include "../util/clock.h"
#include "../util/i18n.h"

/* Above this many events a sync shows a progress bar (fewer go by too fast to read one). */
#define SYNC_BAR_MIN 200
/* The bar's cells between its brackets. */
#define SYNC_BAR_CELLS 10

/* The last sync as the bar says it: "09:30" today, else the day "2026-03-01". */
static void last_label(const char *iso, char *out, size_t n)
{
	time_t at, now = clock_now();
	char a[32], b[32];
	out[0] = 0;
	if (!iso || clock_parse_iso(iso, &at))
		return;
	clock_format_local(at, a, sizeof(a));
	clock_format_local(now, b, sizeof(b));
	if (!strncmp(a, b, 10))
		snprintf(out, n, "%s", a + 11);
	else
		snprintf(out, n, "%.10s", a);
}

void tui_update_sync(struct tui *t)
{
	struct tui_sync *y = &t->sync;
	y->remote = y->offline = 0;
	y->last[0] = 0;
	y->waiting = y->conflicts = 0;
	if (!t->store)
		return;
	struct sync_remote r;
	if (sync_remote_get(t->store, &r) != 1)
		return;
	y->remote = 1;
	y->offline = r.last_status == SYNC_HTTP_UNREACHABLE;
	last_label(r.last_sync, y->last, sizeof(y->last));
	sync_remote_release(&r);
	int64_t n = sync_waiting(t->store);
	y->waiting = n > 0 ? (long)n : 0;
	n = t->user ? sync_conflicts_count(t->store, t->user) : 0;
	y->conflicts = n > 0 ? (long)n : 0;
}

void tui_sync_status(struct tui *t, struct buf *out)
{
	const struct tui_sync *y = &t->sync;
	if (!y->remote)
		return;
	if (y->busy) {
		/* TRANSLATORS: the status bar while a sync runs */
		buf_adds(out, _("syncing"));
		if (y->total > SYNC_BAR_MIN) {
			long long done = y->done < y->total ? y->done : y->total;
			int cells = (int)(done * SYNC_BAR_CELLS / y->total);
			buf_adds(out, " [");
			for (int i = 0; i < SYNC_BAR_CELLS; i++)
				buf_addch(out, i < cells ? '=' : ' ');
			buf_addf(out, "] %lld%%", done * 100 / y->total);
		}
	} else if (y->offline) {
		/* TRANSLATORS: the status bar: the last sync could not reach the server */
		buf_adds(out, _("offline"));
	} else if (y->last[0]) {
		/* TRANSLATORS: the status bar: when the last sync was ("已同步 09:30") */
		buf_addf(out, _("synced %s"), y->last);
	} else {
		/* TRANSLATORS: the status bar: a server is set but no sync has run yet */
		buf_adds(out, _("not synced yet"));
	}
	/* TRANSLATORS: between the parts of sync's status ("synced 09:30, to sync: 2"); zh_CN a blank */
	const char *sep = C_("sync status", ", ");
	if (y->waiting > 0) {
		buf_adds(out, sep);
		/* TRANSLATORS: the status bar: actions not yet on the server ("待同步：2") */
		buf_addf(out, _("to sync: %ld"), y->waiting);
	}
	if (y->conflicts > 0) {
		buf_adds(out, sep);
		/* TRANSLATORS: the status bar: the user's actions the server rejected ("冲突：1") */
		buf_addf(out, _("conflicts: %ld"), y->conflicts);
	}
}

/* sync_run_progress's callback: the bar moves when there is much to move. */
static void progress(void *ctx, int64_t done, int64_t total)
{
	struct tui *t = ctx;
	t->sync.done = done;
	t->sync.total = total;
	if (total > SYNC_BAR_MIN) {
		tui_paint(t);
		refresh();
	}
}

/* What went wrong, for the message line: words for a clerk (no command, no library's English). */
static void sync_failure(struct tui *t, int st, const char *err)
{
	switch (st) {
	case SYNC_NO_REMOTE:
		tui_message(t, 1, "%s", _("this terminal has no server to sync with: ask the administrator to connect it"));
		break;
	case SYNC_NOT_ENROLLED:
	case SYNC_HTTP_UNAUTHORIZED:
		tui_message(t, 1, "%s",
			    _("the server does not know this terminal (revoked or never enrolled): ask the administrator for an enrolment code"));
		break;
	case SYNC_HTTP_UNREACHABLE:
		tui_message(t, 1, "%s",
			    _("the server cannot be reached: working offline, nothing was lost; sync again later"));
		break;
	case SYNC_HTTP_CERT:
		tui_message(t, 1, "%s",
			    _("the server's certificate is not trusted: ask the administrator to check the address and the CA"));
		break;
	default:
		tui_message(t, 1, "%s", err);
		break;
	}
}

void tui_sync_now(struct tui *t)
{
	tui_update_sync(t);
	if (!t->sync.remote) {
		sync_failure(t, SYNC_NO_REMOTE, "");
		return;
	}
	t->sync.busy = 1;
	t->sync.done = t->sync.total = 0;
	tui_paint(t);
	refresh();
	struct sync_counts n;
	struct buf err = BUF_INIT;
	int st = sync_run_progress(t->store, t->engine, &n, progress, t, &err);
	t->sync.busy = 0;
	/* what was pulled changes the lists and the page on screen */
	tui_refresh_views(t);
	if (st) {
		sync_failure(t, st, err.s);
	} else if (n.rejected) {
		tui_message(t, 0, _("synced: sent %lld, received %lld; %lld action(s) not accepted by the server, see the sync conflicts"),
			    (long long)n.pushed, (long long)n.pulled, (long long)n.rejected);
	} else {
		tui_message(t, 0, _("synced: sent %lld, received %lld"), (long long)n.pushed, (long long)n.pulled);
	}
	buf_release(&err);
}

int tui_sync_waiting_seq(struct tui *t, long long seq)
{
	return t->sync.remote && t->store && sync_event_waiting(t->store, (int64_t)seq) == 1;
}
