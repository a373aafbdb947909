/*
 * The harness of the in-process TUI tests (test_tui.c, test_tui_widgets.c,
 * test_tui_inbox.c), tig's approach: curses runs on /dev/null at a fixed
 * size, the views draw from a real temporary store, and stdscr is dumped
 * row by row and compared with tests/unit/screens/NAME.txt. Set
 * DOCKET_UPDATE_SCREENS=1 to rewrite the expected screens after a
 * deliberate change (and review the diff).
 *
 * Keys are given as lists of strings: a key name ("Left", "Ctrl-W",
 * "Enter"), or "=TEXT" to type TEXT character by character. A key script
 * (struct script) feeds such a list through the TUI's own key source
 * (struct tui's `script`), and there "@NAME" checks the screen against
 * NAME.txt at that moment — inside a dialog too.
 *
 * The TUI is linked only into the docket binary, so its sources are
 * included here, and with them the static functions the tests reach
 * (setup_colors, ...). That is also why this is a header and not an
 * object of its own: each test binary is one translation unit with the
 * TUI in it. Its functions are static inline, so a test file that does
 * not use one of them is not warned about it.
 */
#ifndef DOCKET_TUI_HARNESS_H
#define DOCKET_TUI_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

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

#include "util/fsutil.h"
#include "util/hash.h"

/* ---- the environment and the store ---- */

/* The store the tests draw from, made by each test file's group setup. */
static struct store *store;

/*
 * The environment the expected screens were made in: the time, the
 * locale, the terminal, and none of the user's display settings.
 */
static inline void harness_env(void)
{
	setenv("TZ", "Asia/Shanghai", 1);
	setenv("LC_ALL", "C.UTF-8", 1);
	setenv("LANG", "C.UTF-8", 1);
	unsetenv("LANGUAGE");
	setenv("DOCKET_NOW", "2026-03-02T09:30:00+08:00", 1);
	setenv("TERM", "xterm-256color", 1);
	unsetenv("NO_COLOR");
	unsetenv("DOCKET_SCREEN_READER");
	unsetenv("LINES");
	unsetenv("COLUMNS");
}

/* A new empty store in DIR/store, DIR made from the mkdtemp template `dir`, and HOME there. */
static inline void store_create(char *dir)
{
	assert_non_null(mkdtemp(dir));
	setenv("HOME", dir, 1);
	struct buf path = BUF_INIT, err = BUF_INIT;
	buf_addf(&path, "%s/store", dir);
	if (store_init(path.s, &err) || store_open(path.s, 0, &store, &err))
		fail_msg("store: %s", err.s);
	/* a test store, as `docket init` makes one under a pinned clock: its events keep the times given */
	if (store_set_kind(store, STORE_KIND_TEST) < 0)
		fail_msg("store: %s", store_error(store));
	buf_release(&path);
	buf_release(&err);
}

/* Close the store and remove `dir` with it. */
static inline void store_remove(const char *dir)
{
	store_close(store);
	struct buf cmd = BUF_INIT;
	buf_addf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.s)) {
		/* nothing to do: a stale temp dir is harmless */
	}
	buf_release(&cmd);
}

/* Deploy one definition into the store (inside a transaction). */
static inline void deploy(const char *kind, const char *id, const char *name, const char *source,
			  const char *content, size_t len)
{
	char hash[HASH_HEX_LEN + 1], uuid[37];
	assert_int_equal(hash_sm3_hex(content, len, hash), 0);
	uuid_v4(uuid);
	assert_int_equal(store_def_deploy(store, uuid, "admin", "2026-03-01T08:00:00Z", kind, id,
					  name, hash, source, content, len), 0);
}

/* ---- a terminal on /dev/null ---- */

/* A curses screen on /dev/null of a fixed size. */
struct term {
	SCREEN *scr;
	FILE *out, *in;
};

/* Curses as terminal type `term` at rows x cols. */
static inline void term_open_as(struct term *tm, const char *term, int rows, int cols)
{
	tm->out = fopen("/dev/null", "w");
	tm->in = fopen("/dev/null", "r");
	assert_non_null(tm->out);
	assert_non_null(tm->in);
	tm->scr = newterm(term, tm->out, tm->in);
	assert_non_null(tm->scr);
	set_term(tm->scr);
	resizeterm(rows, cols);
}

static inline void term_open(struct term *tm, int rows, int cols)
{
	term_open_as(tm, "xterm-256color", rows, cols);
}

static inline void term_close(struct term *tm)
{
	endwin();
	delscreen(tm->scr);
	fclose(tm->out);
	fclose(tm->in);
}

/* ---- screens ---- */

/*
 * Set by a test file whose screens show something random (an id): it
 * masks that in a dump before the dump is compared or written.
 */
static void (*screen_mask)(char *screen);

/* Append one code point as UTF-8. */
static inline void put_utf8(struct buf *b, wchar_t wc)
{
	char s[MB_LEN_MAX];
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t n = wcrtomb(s, wc, &st);
	if (n != (size_t)-1)
		buf_add(b, s, n);
}

/*
 * stdscr as text, one line per row with trailing spaces removed. Each row
 * must be exactly the screen width: anything else means text overflowed
 * or a wide character was split.
 */
static inline char *dump_screen(void)
{
	struct buf out = BUF_INIT;
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	wchar_t *line = calloc((size_t)cols + 1, sizeof(wchar_t));
	for (int y = 0; y < rows; y++) {
		struct buf row = BUF_INIT;
		int n = mvwinnwstr(stdscr, y, 0, line, cols);
		for (int i = 0; i < n && line[i]; i++)
			put_utf8(&row, line[i]);
		if (utf8_width(row.s) != (size_t)cols)
			fail_msg("row %d is %zu columns, not %d: '%s'", y, utf8_width(row.s), cols,
				 row.s);
		while (row.len && row.s[row.len - 1] == ' ')
			buf_setlen(&row, row.len - 1);
		buf_add(&out, row.s, row.len);
		buf_addch(&out, '\n');
		buf_release(&row);
	}
	free(line);
	return buf_detach(&out);
}

/* Compare stdscr with tests/unit/screens/NAME.txt (or rewrite it when asked). */
static inline void check_screen(const char *name)
{
	char *got = dump_screen();
	if (screen_mask)
		screen_mask(got);
	struct buf path = BUF_INIT, want = BUF_INIT;
	buf_addf(&path, "tests/unit/screens/%s.txt", name);
	const char *update = getenv("DOCKET_UPDATE_SCREENS");
	if (update && !strcmp(update, "1")) {
		assert_int_equal(write_file_atomic(path.s, got, strlen(got)), 0);
	} else {
		if (read_file(path.s, 1 << 20, &want))
			fail_msg("no expected screen '%s' (run with DOCKET_UPDATE_SCREENS=1)", path.s);
		if (strcmp(got, want.s)) {
			fprintf(stderr, "--- expected %s\n%s--- got\n%s", path.s, want.s, got);
			fail_msg("screen '%s' differs", name);
		}
	}
	free(got);
	buf_release(&path);
	buf_release(&want);
}

/* ---- keys ---- */

/* A list of keys being read: key names and "=TEXT" (NULL-terminated). */
struct keyseq {
	const char *const *keys;
	size_t at;             /* the next entry */
	const char *text;      /* what "=TEXT" still has to type */
};

/* Is a character of "=TEXT" still to come? */
static inline int keyseq_typing(const struct keyseq *q)
{
	return q->text && *q->text;
}

/* Is there anything left? */
static inline int keyseq_more(const struct keyseq *q)
{
	return keyseq_typing(q) || q->keys[q->at];
}

/*
 * The next key into *key: a character of "=TEXT" (*name NULL), or the
 * key_parse() of a name (*name the name; the key is < 0 for a bad name).
 * 0 at the end of the list.
 */
static inline int keyseq_next(struct keyseq *q, int *key, const char **name)
{
	for (;;) {
		if (keyseq_typing(q)) {
			uint32_t cp;
			q->text += utf8_decode(q->text, &cp);
			*key = (int)cp;
			*name = NULL;
			return 1;
		}
		const char *k = q->keys[q->at];
		if (!k)
			return 0;
		q->at++;
		if (k[0] == '=' && k[1]) {
			q->text = k + 1;
			continue;
		}
		*key = key_parse(k);
		*name = k;
		return 1;
	}
}

/* The key script: key names, "=TEXT" to type, "@NAME" to check the screen. */
struct script {
	struct keyseq seq;
	int ends;              /* reads past the end */
	int armed;             /* "@NAME" seen: one redraw first, then the check */
};

/* struct tui's `script`: the next key from the struct script at `ctx`. */
static inline int script_key(struct tui *t, void *ctx)
{
	struct script *s = ctx;
	for (;;) {
		const char *k = keyseq_typing(&s->seq) ? NULL : s->seq.keys[s->seq.at];
		if (k && k[0] == '@' && k[1]) {
			if (!s->armed) {
				/* no key this time, so whatever loop is reading draws the screen */
				s->armed = 1;
				return TUI_NOKEY;
			}
			s->armed = 0;
			s->seq.at++;
			check_screen(k + 1);
			continue;
		}
		int key;
		const char *name;
		if (!keyseq_next(&s->seq, &key, &name)) {
			/* the top loop stops; a dialog still open is cancelled, without asking */
			if (++s->ends > 100)
				fail_msg("the script ended inside a loop that does not close");
			t->script_ended = 1;
			return s->ends == 1 ? TUI_NOKEY : KEYC_ESC;
		}
		if (key < 0)
			fail_msg("bad key '%s' in the script", name);
		return key;
	}
}

/* ---- the TUI ---- */

/*
 * Curses at rows x cols and a TUI as `user` (its colours set up) on the
 * view `first`; its keys from the script `s` when that is not NULL.
 */
/* Say the start's notices (notify.c) as a real start does; off for screens that test other things. */
static int harness_notices;

static inline void tui_start(struct term *tm, struct tui *t, int rows, int cols, const char *user,
			     const struct view_ops *first, struct script *s)
{
	term_open(tm, rows, cols);
	assert_int_equal(tui_setup(t, store, user, NULL), 0);
	setup_colors(t);
	if (s) {
		t->script = script_key;
		t->script_ctx = s;
	}
	assert_int_equal(tui_push(t, first, NULL), 0);
	if (harness_notices)
		tui_notices_start(t); /* as tui_restart_views does at a real start */
}

static inline void tui_stop(struct term *tm, struct tui *t)
{
	tui_teardown(t);
	term_close(tm);
}

/*
 * Run the TUI on a rows x cols screen as `user` from the view `first`,
 * its top loop reading the key script `keys` until it ends or quits.
 */
static inline void run_script(const char *user, const struct view_ops *first, int rows, int cols,
			      const char *const *keys)
{
	struct term tm;
	struct tui t;
	struct script s = { .seq = { keys, 0, NULL } };
	tui_start(&tm, &t, rows, cols, user, first, &s);
	while (!t.quit && keyseq_more(&s.seq)) {
		tui_draw(&t);
		int key = tui_read_key(&t);
		if (key >= 0)
			tui_key(&t, key);
	}
	tui_stop(&tm, &t);
}

#endif
