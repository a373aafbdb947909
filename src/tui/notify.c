/*
 * notify: what a person should know when they open docket (doc/tui.md,
 * "Notifications"): to-dos that arrived since they last looked, those
 * urged or reminded (催办), and those near their deadline or past it. On
 * start (and when someone else signs in) the message line says so; the
 * status bar keeps the counts beside 待办.
 *
 * "Since they last looked" is the start of their previous session on this
 * store, kept outside the store (it is nobody's business but this
 * terminal's): $XDG_STATE_HOME/docket/seen (default ~/.local/state),
 * one line per store and person: DIR TAB USER TAB ISO-TIME.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/store.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "view.h"

/* Hours before a deadline that make a to-do "near" it. */
#define NOTICE_NEAR_HOURS 24

/* The file of last looks; NULL when there is no home to keep it in. */
static char *notice_seen_path(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (state && *state == '/')
		return xasprintf("%s/docket/seen", state);
	if (home && *home == '/')
		return xasprintf("%s/.local/state/docket/seen", home);
	return NULL;
}

/* mkdir -p of the file's directory (0700). */
static void notice_make_dirs(const char *path)
{
	char *d = xstrdup(path);
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(d, 0700) < 0 && errno != EEXIST) {
			free(d);
			return;
		}
		*p = '/';
	}
	free(d);
}

/*
 * The time `user` last looked at store `dir` (0: never), and record `now`
 * as this look, keeping every other line.
 */
static time_t notice_look(const char *dir, const char *user, time_t now)
{
	char *path = notice_seen_path();
	if (!path)
		return 0;
	time_t last = 0;
	struct buf keep = BUF_INIT;
	FILE *f = fopen(path, "r");
	char line[4096];
	while (f && fgets(line, sizeof(line), f)) {
		char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		if (!tab2)
			continue;
		*tab1 = *tab2 = 0;
		char *nl = strchr(tab2 + 1, '\n');
		if (nl)
			*nl = 0;
		if (!strcmp(line, dir) && !strcmp(tab1 + 1, user)) {
			clock_parse_iso(tab2 + 1, &last);
			continue;
		}
		buf_addf(&keep, "%s\t%s\t%s\n", line, tab1 + 1, tab2 + 1);
	}
	if (f)
		fclose(f);
	char iso[40];
	clock_format_iso(now, iso, sizeof(iso));
	buf_addf(&keep, "%s\t%s\t%s\n", dir, user, iso);
	/* a private file replaced whole: written beside it, then renamed over it */
	notice_make_dirs(path);
	char *tmp = xasprintf("%s.%ld", path, (long)getpid());
	FILE *w = fopen(tmp, "w");
	if (w) {
		int ok = fwrite(keep.s, 1, keep.len, w) == keep.len;
		ok &= fclose(w) == 0;
		if (!ok || rename(tmp, path) < 0)
			unlink(tmp);
	}
	free(tmp);
	buf_release(&keep);
	free(path);
	return last;
}

void tui_notices_count(struct tui *t, const json_t *todo)
{
	t->notice_new = t->notice_urged = t->notice_due = 0;
	time_t now = clock_now();
	size_t i;
	json_t *row;
	json_array_foreach(todo, i, row) {
		time_t at = 0;
		const char *received = json_string_value(json_object_get(row, "received"));
		if (t->seen > 0 && received && clock_parse_iso(received, &at) == 0 && at > t->seen)
			t->notice_new++;
		if (json_integer_value(json_object_get(row, "reminders")) > 0)
			t->notice_urged++;
		const char *deadline = json_string_value(json_object_get(row, "deadline"));
		if (deadline && clock_parse_iso(deadline, &at) == 0 && at - now <= NOTICE_NEAR_HOURS * 3600)
			t->notice_due++;
	}
}

void tui_notices_start(struct tui *t)
{
	if (!t->user || !t->engine)
		return;
	if (t->seen_user && !strcmp(t->seen_user, t->user))
		return; /* this person's session already began */
	free(t->seen_user);
	t->seen_user = xstrdup(t->user);
	t->seen = notice_look(store_dir(t->store), t->user, clock_now());
	tui_update_pending(t);
	if (t->msg.len)
		return; /* a message from the start (an error) is said first */
	struct buf m = BUF_INIT;
	if (t->notice_new)
		/* TRANSLATORS: on start: to-dos that arrived since the person last looked */
		buf_addf(&m, _("%ld new to-do(s) since you last looked"), t->notice_new);
	if (t->notice_urged) {
		if (m.len)
			buf_adds(&m, _("; "));
		/* TRANSLATORS: on start: to-dos someone urged (催办) or the timers reminded */
		buf_addf(&m, _("%ld urged"), t->notice_urged);
	}
	if (t->notice_due) {
		if (m.len)
			buf_adds(&m, _("; "));
		/* TRANSLATORS: on start: to-dos due within a day, or past due */
		buf_addf(&m, _("%ld due within a day"), t->notice_due);
	}
	if (m.len)
		tui_message(t, 0, "%s", m.s);
	buf_release(&m);
}

void tui_notices_status(const struct tui *t, struct buf *out)
{
	if (t->notice_new)
		/* TRANSLATORS: the status bar: new to-dos since the last look (新 2) */
		buf_addf(out, _(", new %ld"), t->notice_new);
	if (t->notice_urged)
		/* TRANSLATORS: the status bar: urged to-dos (催办 1) */
		buf_addf(out, _(", urged %ld"), t->notice_urged);
	if (t->notice_due)
		/* TRANSLATORS: the status bar: to-dos due within a day (临期 1) */
		buf_addf(out, _(", due %ld"), t->notice_due);
}
