/*
 * tui: the frame around the views — curses setup and teardown, colours
 * from the theme, the title and status bars, the key → action loop and
 * the generic actions (movement, back, help, quit).
 */
#include "tui.h"

#include <curses.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "view.h"
#include "widget.h"
#include "../auth/agent.h"
#include "../auth/auth.h"
#include "../defs/org.h"
#include "../defs/theme.h"
#include "../docs/docs.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/clock.h"
#include "../util/diag.h"
#include "../util/fsutil.h"
#include "../yaml/ydoc.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

/* 1 while curses owns the terminal, so the die paths know to give it back. */
static volatile sig_atomic_t curses_active;

/* Give the terminal back before anything is printed on a fatal path (tig's die_callback). */
static void tui_restore(void)
{
	if (curses_active) {
		curses_active = 0;
		endwin();
	}
}

/* Fatal: restore the terminal, print the message, exit. */
static void tui_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void tui_die(const char *fmt, ...)
{
	tui_restore();
	va_list ap;
	va_start(ap, fmt);
	fputs("docket: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/*
 * Crashes and termination signals: restore the terminal, then let the
 * signal do what it would have done (the handler is one-shot).
 */
static void on_fatal_signal(int sig)
{
	tui_restore();
	raise(sig);
}

volatile sig_atomic_t tui_dialog_depth;
/* Set by Ctrl-C in a dialog; tui_read_key turns it into KEYC_INTERRUPT. */
static volatile sig_atomic_t interrupted;

/*
 * Ctrl-C: in a dialog it cancels that dialog (which asks before losing
 * what was typed); anywhere else it ends docket as any termination does.
 */
static void on_interrupt(int sig)
{
	if (tui_dialog_depth > 0) {
		interrupted = 1;
		return;
	}
	tui_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int fatal_signals[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL,
				     SIGTERM, SIGHUP, SIGINT };
#define NFATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))
static struct sigaction saved_actions[NFATAL];

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFATAL; i++)
		sigaction(fatal_signals[i], &sa, &saved_actions[i]);
	/* SIGINT stays installed: a dialog may take more than one */
	sa.sa_handler = on_interrupt;
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
}

static void restore_signals(void)
{
	for (size_t i = 0; i < NFATAL; i++)
		sigaction(fatal_signals[i], &saved_actions[i], NULL);
}

void tui_message(struct tui *t, int error, const char *fmt, ...)
{
	va_list ap;
	buf_reset(&t->msg);
	va_start(ap, fmt);
	buf_vaddf(&t->msg, fmt, ap);
	va_end(ap);
	t->msg_error = error;
}

void tui_format_time(struct buf *out, const char *iso)
{
	time_t when;
	char s[32];
	if (iso && !clock_parse_iso(iso, &when)) {
		clock_format_local(when, s, sizeof(s));
		buf_adds(out, s);
	} else
		buf_adds(out, iso ? iso : "");
}

static void view_free(struct view *v)
{
	if (v->ops->release)
		v->ops->release(v);
	free(v);
}

int tui_push(struct tui *t, const struct view_ops *ops, void *data)
{
	struct view *v = xcalloc(1, sizeof(*v));
	v->ops = ops;
	v->data = data;
	if (t->nviews == TUI_MAX_VIEWS || (ops->open && ops->open(t, v))) {
		if (t->nviews == TUI_MAX_VIEWS)
			tui_message(t, 1, "%s", _("too many views open"));
		view_free(v);
		return -1;
	}
	t->views[t->nviews++] = v;
	return 0;
}

void tui_pop(struct tui *t)
{
	if (t->nviews > 0)
		view_free(t->views[--t->nviews]);
	if (!t->nviews)
		t->quit = 1;
}

/* ---- colours ---- */

/* A theme colour on this terminal: bright ones fold onto 0..7 when needed. */
static short fit_color(int c, int *bold)
{
	if (c < 0)
		return -1;
	if (c < COLORS)
		return (short)c;
	if (c >= 8 && c < 16 && COLORS >= 8) {
		if (bold)
			*bold = 1;
		return (short)(c - 8);
	}
	return -1;
}

static int curses_attrs(unsigned a)
{
	int r = A_NORMAL;
	if (a & THEME_BOLD)
		r |= A_BOLD;
	if (a & THEME_REVERSE)
		r |= A_REVERSE;
	if (a & THEME_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THEME_DIM)
		r |= A_DIM;
	if (a & THEME_STANDOUT)
		r |= A_STANDOUT;
	return r;
}

/* Work out each element's curses attributes (and colour pairs). */
static void setup_colors(struct tui *t)
{
	int defaults = 0;
	if (!t->mono && has_colors() && start_color() == OK) {
		defaults = use_default_colors() == OK;
	} else {
		t->mono = 1;
	}
	for (int e = 0; e < TE_COUNT; e++) {
		struct theme_color c = t->mono ? theme_mono((enum theme_elem)e)
					       : theme_color(t->theme, (enum theme_elem)e);
		int bold = 0;
		int a = curses_attrs(c.attrs);
		if (!t->mono && (c.fg >= 0 || c.bg >= 0) && e + 1 < COLOR_PAIRS) {
			short fg = fit_color(c.fg, &bold), bg = fit_color(c.bg, NULL);
			if (!defaults) {
				if (fg < 0)
					fg = COLOR_WHITE;
				if (bg < 0)
					bg = COLOR_BLACK;
			}
			init_pair((short)(e + 1), fg, bg);
			a |= (int)COLOR_PAIR(e + 1);
		}
		if (bold)
			a |= A_BOLD;
		t->attrs[e] = a;
	}
}

/* ---- drawing ---- */

/* Is the cell at (y, x) the first half of a double-width character? */
static int wide_at(int y, int x)
{
	cchar_t cc;
	wchar_t wc[CCHARW_MAX + 1];
	attr_t at;
	short pair;
	if (x < 0 || mvin_wch(y, x, &cc) == ERR || getcchar(&cc, wc, &at, &pair, NULL) == ERR)
		return 0;
	return wc[0] && utf8_cp_width((uint32_t)wc[0]) == 2;
}

void tui_draw_row(struct tui *t, int y, int x, const struct row *r, int force)
{
	/* rows are built to fit; one that would not is dropped, never wrapped */
	if (y < 0 || x < 0 || y >= t->rows || x + (int)r->cols > t->cols)
		return;
	/*
	 * a row drawn over part of the screen (a dialog) must not cut a wide
	 * character beneath in two: its other half is blanked first
	 */
	if (x > 0 && wide_at(y, x - 1))
		mvaddch(y, x - 1, ' ');
	int end = x + (int)r->cols - 1;
	if (r->cols && end + 1 < t->cols && wide_at(y, end))
		mvaddstr(y, end, "  ");
	for (size_t i = 0; i < r->nspans; i++) {
		const struct span *s = &r->spans[i];
		int e = force >= 0 ? force : (int)s->elem;
		int a = t->attrs[e];
		if (s->hi && force < 0)
			a |= A_REVERSE;
		/* the cursor keeps the span's colours under reverse in monochrome */
		attrset(a);
		mvaddnstr(y, x, r->text.s + s->off, (int)s->len);
		struct buf tmp = BUF_INIT;
		buf_add(&tmp, r->text.s + s->off, s->len);
		x += (int)utf8_width(tmp.s);
		buf_release(&tmp);
	}
	attrset(A_NORMAL);
}

/* Draw a full-width row at screen line y. */
static void draw_row(struct tui *t, int y, const struct row *r, int force)
{
	tui_draw_row(t, y, 0, r, force);
}

static void draw_title(struct tui *t, struct view *v)
{
	struct row r;
	struct buf s = BUF_INIT;
	row_init(&r, (size_t)t->cols);
	row_add(&r, TE_TITLE, " docket | ", 0);
	v->ops->title(t, v, &s);
	row_add(&r, TE_TITLE, s.s, 0);
	buf_reset(&s);
	if (v->lines && !v->no_cursor)
		buf_addf(&s, "%zu/%zu ", v->cursor + 1, v->lines);
	else if (v->lines)
		buf_addf(&s, "%zu-%zu/%zu ", v->offset + 1,
			 v->offset + (size_t)v->height < v->lines ? v->offset + (size_t)v->height
								  : v->lines, v->lines);
	row_right(&r, TE_TITLE, s.s);
	draw_row(t, 0, &r, -1);
	row_release(&r);
	buf_release(&s);
}

/* The store directory with $HOME shown as "~", as people read paths. */
static void store_label(struct tui *t, struct buf *out)
{
	const char *dir = store_dir(t->store);
	const char *home = getenv("HOME");
	size_t n = home ? strlen(home) : 0;
	if (n > 1 && !strncmp(dir, home, n) && (dir[n] == '/' || !dir[n])) {
		buf_addch(out, '~');
		buf_adds(out, dir + n);
	} else {
		buf_adds(out, dir);
	}
}

static void draw_status(struct tui *t)
{
	struct row r;
	struct buf left = BUF_INIT, right = BUF_INIT;
	row_init(&r, (size_t)t->cols);
	if (t->msg.len) {
		buf_addf(&left, " %s", t->msg.s);
	} else {
		buf_addf(&left, " %s | ", t->user ? tui_user_name(t, t->user) : "");
		store_label(t, &left);
	}
	char now[32];
	clock_format_local(clock_now(), now, sizeof(now));
	char count[32] = "-";
	if (t->pending >= 0)
		snprintf(count, sizeof(count), "%ld", t->pending);
	/* TRANSLATORS: the status bar's count of to-do items ("待办：2") */
	buf_addf(&right, _("pending: %s"), count);
	tui_notices_status(t, &right);
	struct buf sync = BUF_INIT;
	tui_sync_status(t, &sync);
	if (sync.len)
		buf_addf(&right, " | %s", sync.s);
	buf_release(&sync);
	buf_addf(&right, " | %s ", now);
	enum theme_elem e = t->msg.len && t->msg_error ? TE_ERROR : TE_STATUS;
	/* the right side goes first when both do not fit, so the message wins */
	size_t rw = utf8_width(right.s);
	if (utf8_width(left.s) + rw + 1 > (size_t)t->cols && t->msg.len)
		buf_reset(&right);
	else if (rw + 1 > (size_t)t->cols)
		buf_reset(&right);
	size_t lw = (size_t)t->cols - (right.len ? utf8_width(right.s) : 0);
	row_add(&r, e, left.s, lw);
	row_right(&r, TE_STATUS, right.s);
	draw_row(t, t->rows - 1, &r, -1);
	row_release(&r);
	buf_release(&left);
	buf_release(&right);
}

/* Keep the cursor on screen and the offset in range for `height` rows. */
static void view_clamp(struct view *v, int height)
{
	size_t h = height > 0 ? (size_t)height : 1;
	v->height = height;
	if (v->lines == 0) {
		v->cursor = v->offset = 0;
		return;
	}
	if (v->cursor >= v->lines)
		v->cursor = v->lines - 1;
	if (v->no_cursor) {
		if (v->offset + h > v->lines)
			v->offset = v->lines > h ? v->lines - h : 0;
		return;
	}
	if (v->cursor < v->offset)
		v->offset = v->cursor;
	if (v->cursor >= v->offset + h)
		v->offset = v->cursor - h + 1;
	if (v->offset + h > v->lines)
		v->offset = v->lines > h ? v->lines - h : 0;
}

static void draw_body(struct tui *t, struct view *v)
{
	int y = 1, last = t->rows - 2;
	struct row r;
	t->cursor_y = -1;
	if (v->ops->tabbar && y <= last) {
		row_init(&r, (size_t)t->cols);
		v->ops->tabbar(t, v, &r);
		row_fill(&r, TE_TAB);
		draw_row(t, y++, &r, -1);
		row_release(&r);
	}
	if (v->ops->header && y <= last) {
		row_init(&r, (size_t)t->cols);
		v->ops->header(t, v, &r);
		row_fill(&r, TE_HEADER);
		draw_row(t, y++, &r, -1);
		row_release(&r);
	}
	view_clamp(v, last - y + 1);
	t->body_y = y;
	if (!v->lines && y <= last && v->ops->empty) {
		row_init(&r, (size_t)t->cols);
		row_add(&r, TE_MUTED, " ", 0);
		row_add(&r, TE_MUTED, _(v->ops->empty), 0);
		row_fill(&r, TE_NORMAL);
		draw_row(t, y++, &r, -1);
		row_release(&r);
	}
	for (size_t i = v->offset; i < v->lines && y <= last; i++, y++) {
		int sel = !v->no_cursor && i == v->cursor;
		row_init(&r, (size_t)t->cols);
		v->ops->line(t, v, i, &r);
		row_fill(&r, TE_NORMAL);
		draw_row(t, y, &r, sel ? TE_CURSOR : -1);
		row_release(&r);
		if (sel)
			t->cursor_y = y;
	}
}

void tui_place_cursor(struct tui *t, int y, int x)
{
	int want = y >= 0 || t->screen_reader;
	if (want != t->cursor_shown) {
		curs_set(want);
		t->cursor_shown = want;
	}
	if (y >= 0)
		move(y, x);
}

/*
 * The screen covered (sign-in, lock): a title, nothing of any view, and a
 * status bar with the store and the time only — not whose inbox holds what.
 */
static void paint_cover(struct tui *t)
{
	struct row r;
	row_init(&r, (size_t)t->cols);
	row_add(&r, TE_TITLE, " docket | ", 0);
	row_add(&r, TE_TITLE, t->cover, 0);
	row_fill(&r, TE_TITLE);
	draw_row(t, 0, &r, -1);
	row_release(&r);
	struct buf left = BUF_INIT, right = BUF_INIT;
	row_init(&r, (size_t)t->cols);
	buf_addch(&left, ' ');
	store_label(t, &left);
	char now[32];
	clock_format_local(clock_now(), now, sizeof(now));
	buf_addf(&right, "%s ", now);
	size_t rw = utf8_width(right.s);
	if (rw + 1 > (size_t)t->cols)
		buf_reset(&right);
	row_add(&r, TE_STATUS, left.s, (size_t)t->cols - (right.len ? rw : 0));
	row_right(&r, TE_STATUS, right.s);
	draw_row(t, t->rows - 1, &r, -1);
	row_release(&r);
	buf_release(&left);
	buf_release(&right);
	tui_place_cursor(t, -1, 0);
}

void tui_paint(struct tui *t)
{
	getmaxyx(stdscr, t->rows, t->cols);
	attrset(t->attrs[TE_NORMAL]);
	bkgdset((chtype)(' ' | t->attrs[TE_NORMAL]));
	erase();
	if (t->rows < 3 || t->cols < 4) {
		mvaddnstr(0, 0, "docket", t->cols);
		return;
	}
	if (t->cover || !t->nviews) {
		if (t->cover)
			paint_cover(t);
		return;
	}
	struct view *v = t->views[t->nviews - 1];
	/* wrapped text first: the number of lines follows the width */
	if (v->ops->layout && v->width != (size_t)t->cols) {
		v->ops->layout(t, v, (size_t)t->cols);
		v->width = (size_t)t->cols;
	}
	/* the title shows the position, so settle the body's height first */
	view_clamp(v, t->rows - 2 - (v->ops->header ? 1 : 0) - (v->ops->tabbar ? 1 : 0));
	draw_title(t, v);
	draw_body(t, v);
	draw_status(t);
	tui_place_cursor(t, -1, 0);
	if (t->screen_reader)
		move(t->cursor_y >= 0 ? t->cursor_y : 1, 0);
}

/* Draw the whole screen for the top view. */
static void tui_draw(struct tui *t)
{
	tui_paint(t);
	refresh();
}

/* ---- actions ---- */

/* The generic actions every view gets. */
static void tui_request(struct tui *t, enum action a)
{
	struct view *v = t->views[t->nviews - 1];
	if (a == ACT_REFRESH)
		clearok(curscr, TRUE);
	if (v->ops->request && v->ops->request(t, v, a))
		return;
	if (tui_search_request(t, v, a))
		return;
	size_t page = v->height > 1 ? (size_t)v->height - 1 : 1;
	size_t *pos = v->no_cursor ? &v->offset : &v->cursor;
	switch (a) {
	case ACT_QUIT:
		t->quit = 1;
		break;
	case ACT_BACK:
		tui_pop(t);
		break;
	case ACT_HELP:
		if (v->ops != &help_view_ops) /* the keys that work on this screen */
			tui_push(t, &help_view_ops, help_view_data(v->ops));
		break;
	case ACT_COMMAND:
		tui_command(t);
		break;
	case ACT_SWITCH_USER:
		tui_switch_user(t);
		break;
	case ACT_DEFINITIONS:
		if (v->ops != &defs_view_ops)
			tui_push(t, &defs_view_ops, NULL);
		break;
	case ACT_SYNC:
		tui_sync_now(t);
		break;
	case ACT_CONFLICTS:
		if (v->ops != &conflicts_view_ops)
			tui_push(t, &conflicts_view_ops, NULL);
		break;
	case ACT_NEW_REQUEST:
		tui_new_request(t);
		break;
	case ACT_STANDIN:
		tui_standin(t);
		break;
	case ACT_MOVE_DOWN:
		if (*pos + 1 < v->lines)
			(*pos)++;
		break;
	case ACT_MOVE_UP:
		if (*pos > 0)
			(*pos)--;
		break;
	case ACT_PAGE_DOWN:
		*pos = *pos + page < v->lines ? *pos + page : (v->lines ? v->lines - 1 : 0);
		if (!v->no_cursor)
			v->offset += page;
		break;
	case ACT_PAGE_UP:
		*pos = *pos > page ? *pos - page : 0;
		if (!v->no_cursor)
			v->offset = v->offset > page ? v->offset - page : 0;
		break;
	case ACT_FIRST:
		*pos = 0;
		break;
	case ACT_LAST:
		*pos = v->lines ? v->lines - 1 : 0;
		break;
	case ACT_REFRESH:
		if (v->ops->open) {
			size_t cur = v->cursor;
			if (v->ops->release)
				v->ops->release(v);
			v->lines = 0;
			if (!v->ops->open(t, v))
				v->cursor = cur;
		}
		clearok(curscr, TRUE);
		break;
	case ACT_NONE:
	case ACT_COUNT:
		break;
	default: {
		/* said with the keys, never the action's name */
		struct buf keys = BUF_INIT, help = BUF_INIT;
		keymap_describe(&t->keymap, a, "/", &keys);
		keymap_describe(&t->keymap, ACT_HELP, "/", &help);
		tui_message(t, 0, _("%s does nothing on this screen (%s lists the keys that do)"), keys.s,
			    help.s);
		buf_release(&keys);
		buf_release(&help);
		break;
	}
	}
}

void tui_refresh_views(struct tui *t)
{
	for (int k = 0; k + 1 < t->nviews; k++)
		if (t->views[k]->ops == &inbox_view_ops)
			t->views[k]->ops->request(t, t->views[k], ACT_REFRESH);
	if (t->nviews)
		tui_request(t, ACT_REFRESH);
	tui_update_pending(t);
}

/* Map what wget_wch() returned onto docket's key codes; -1 for nothing. */
static int key_from_curses(int rc, wint_t wc)
{
	if (rc == KEY_CODE_YES) {
		switch (wc) {
		case KEY_UP: return KEYC_UP;
		case KEY_DOWN: return KEYC_DOWN;
		case KEY_LEFT: return KEYC_LEFT;
		case KEY_RIGHT: return KEYC_RIGHT;
		case KEY_PPAGE: return KEYC_PGUP;
		case KEY_NPAGE: return KEYC_PGDN;
		case KEY_HOME: return KEYC_HOME;
		case KEY_END: return KEYC_END;
		case KEY_BTAB: return KEYC_BACKTAB;
		case KEY_DC: return KEYC_DELETE;
		case KEY_BACKSPACE: return KEYC_BACKSPACE;
		case KEY_ENTER: return KEYC_ENTER;
		case KEY_MOUSE: return KEYC_MOUSE;
		default:
			if (wc >= KEY_F(1) && wc <= KEY_F(12))
				return KEYC_F((int)(wc - KEY_F0));
			return -1;
		}
	}
	if (rc != OK)
		return -1;
	if (wc == '\n' || wc == '\r')
		return KEYC_ENTER;
	if (wc == 0x7f)
		return KEYC_BACKSPACE;
	return (int)wc;
}

/* Does the user want no colours at all? */
static int want_mono(void)
{
	const char *nc = getenv("NO_COLOR");
	const char *sr = getenv("DOCKET_SCREEN_READER");
	return (nc && *nc) || (sr && !strcmp(sr, "1"));
}

/*
 * DOCKET_KEYS: a theme-format file with only `keys:` (kind and id may be
 * left out), merged over the theme's keymap. Problems go to d; -1 then.
 */
static int load_keys_file(struct tui *t, const char *path, struct diags *d)
{
	struct ydoc doc = YDOC_INIT;
	if (ydoc_load_file(&doc, path, d)) {
		ydoc_release(&doc);
		return -1;
	}
	/* "keys:" alone is fine: supply kind and id after the user's lines */
	if (doc.root && doc.root->type == Y_MAP && !ymap_get(doc.root, "kind") &&
	    !ymap_get(doc.root, "id")) {
		struct buf text = BUF_INIT;
		ydoc_release(&doc);
		if (read_file(path, 1 << 20, &text)) {
			buf_release(&text);
			return -1;
		}
		if (text.len && text.s[text.len - 1] != '\n')
			buf_addch(&text, '\n');
		buf_adds(&text, "kind: theme\nid: keys\n");
		int rc = ydoc_load_buf(&doc, path, text.s, text.len, d);
		buf_release(&text);
		if (rc) {
			ydoc_release(&doc);
			return -1;
		}
	}
	struct theme *k = theme_parse(&doc, d);
	int rc = k && !diags_errors(d) ? 0 : -1;
	for (int e = 0; k && e < TE_COUNT; e++) {
		if (k->has_color[e]) {
			diag_error(d, path, 1, 1, _("a keys file may only have 'keys:'"));
			rc = -1;
			break;
		}
	}
	for (int a = 0; !rc && a < ACT_COUNT; a++)
		if (k->nkeys[a] >= 0)
			keymap_set(&t->keymap, (enum action)a, k->keys[a], (size_t)k->nkeys[a]);
	theme_free(k);
	ydoc_release(&doc);
	return rc;
}

void tui_update_pending(struct tui *t)
{
	json_t *a = t->engine && t->user ? engine_inbox(t->engine, t->user, INBOX_TODO) : NULL;
	t->pending = a ? (long)json_array_size(a) : -1;
	tui_notices_count(t, a);
	json_decref(a);
	tui_update_sync(t);
}

/* Print diagnostics before curses starts (setup errors). */
static void print_diags(struct diags *d)
{
	diags_sort(d);
	diags_print(d, stderr);
	diags_release(d);
}

/*
 * Whether `user` may work here: someone in the deployed organisation, as
 * every verb requires (session_open in src/cli/cmd_engine.c), with the
 * same words. With no organisation deployed there is nobody to check
 * against: the inbox opens, empty. 0, or -1 with the reason in `why`.
 */
static int user_check(struct tui *t, const char *user, struct buf *why)
{
	const struct org *o = engine_org(t->engine);
	if (!o || !user || org_user(o, user))
		return 0;
	buf_addf(why, _("no user '%s' in the deployed organisation"), user);
	return -1;
}

/* Set up everything but curses: theme, keymap, the first view. */
static int tui_setup(struct tui *t, struct store *s, const char *user, const char *theme_path)
{
	memset(t, 0, sizeof(*t));
	buf_init(&t->msg);
	buf_init(&t->search);
	t->store = s;
	t->user = user ? xstrdup(user) : NULL;
	t->cursor_y = -1;
	t->pending = -1;
	t->exe = "/proc/self/exe";
	const char *sr = getenv("DOCKET_SCREEN_READER");
	t->screen_reader = sr && !strcmp(sr, "1");
	t->cursor_shown = -1;
	t->mono = want_mono();
	const char *mouse = getenv("DOCKET_MOUSE");
	t->mouse = mouse && !strcmp(mouse, "1");
	struct diags d = DIAGS_INIT;
	if (theme_path) {
		t->theme = theme_load(theme_path, &d);
		if (!t->theme) {
			print_diags(&d);
			return -1;
		}
		diags_release(&d);
	} else {
		t->theme = theme_default();
	}
	theme_keymap(t->theme, &t->keymap);
	const char *keys = getenv("DOCKET_KEYS");
	if (keys && *keys && load_keys_file(t, keys, &d)) {
		print_diags(&d);
		return -1;
	}
	diags_release(&d);
	t->engine = engine_new(s);
	struct buf why = BUF_INIT;
	if (user_check(t, user, &why)) {
		fprintf(stderr, "docket: %s\n", why.s);
		buf_release(&why);
		return -1;
	}
	buf_release(&why);
	/* like every command: process the timers that are due, once */
	int fired = 0;
	if (engine_tick(t->engine, clock_now(), &fired) < 0)
		tui_message(t, 1, "%s", engine_error(t->engine));
	tui_update_pending(t);
	return 0;
}

static void tui_teardown(struct tui *t)
{
	while (t->nviews)
		view_free(t->views[--t->nviews]);
	tui_sign_out(t);
	free(t->user);
	t->user = NULL;
	free(t->seen_user);
	t->seen_user = NULL;
	tui_defs_free(t);
	json_decref(t->unsent);
	t->unsent = NULL;
	if (t->docs)
		docs_free(t->docs);
	t->docs = NULL;
	if (t->engine)
		engine_free(t->engine);
	t->engine = NULL;
	theme_free(t->theme);
	t->theme = NULL;
	buf_release(&t->msg);
	buf_release(&t->search);
}

/* A click selects the line (or tab) under it; the wheel scrolls three lines. */
static void tui_mouse(struct tui *t)
{
	struct view *v = t->views[t->nviews - 1];
	unsigned long b = t->mouse_bstate;
	if (b & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
		enum action a = b & BUTTON4_PRESSED ? ACT_MOVE_UP : ACT_MOVE_DOWN;
		for (int i = 0; i < 3; i++)
			tui_request(t, a);
		return;
	}
	if (!(b & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_RELEASED)))
		return;
	int y = t->mouse_y;
	if (v->ops->tabbar && v->ops->tab_click && y == 1) {
		v->ops->tab_click(t, v, (size_t)t->mouse_x);
		return;
	}
	if (y < t->body_y || y >= t->rows - 1 || v->no_cursor)
		return;
	size_t line = v->offset + (size_t)(y - t->body_y);
	if (line < v->lines)
		v->cursor = line;
}

/* Handle one key: clear the message, map to an action, run it. */
static void tui_key(struct tui *t, int key)
{
	buf_reset(&t->msg);
	if (key == KEYC_MOUSE) {
		tui_mouse(t);
		return;
	}
	enum action a = keymap_action(&t->keymap, key);
	if (a == ACT_NONE) {
		struct buf name = BUF_INIT, help = BUF_INIT;
		key_format(&name, key);
		keymap_describe(&t->keymap, ACT_HELP, ", ", &help);
		tui_message(t, 0, _("key '%s' does nothing here (help: %s)"), name.s, help.s);
		buf_release(&name);
		buf_release(&help);
		return;
	}
	tui_request(t, a);
}

int tui_read_key(struct tui *t)
{
	if (t->script)
		return t->script(t, t->script_ctx);
	wint_t wc;
	int rc = wget_wch(stdscr, &wc);
	if (interrupted) {
		interrupted = 0;
		return KEYC_INTERRUPT;
	}
	if (rc == ERR) {
		if (!tui_idle_lock(t))
			tui_session_lost(t);
		return TUI_NOKEY;
	}
	t->last_key = tui_uptime();
	if (rc == KEY_CODE_YES && wc == KEY_RESIZE)
		return TUI_RESIZE;
	int key = key_from_curses(rc, wc);
	if (key == KEYC_MOUSE) {
		MEVENT ev;
		if (getmouse(&ev) != OK)
			return TUI_NOKEY;
		t->mouse_y = ev.y;
		t->mouse_x = ev.x;
		t->mouse_bstate = (unsigned long)ev.bstate;
	}
	return key < 0 ? TUI_NOKEY : key;
}

void tui_restart_views(struct tui *t)
{
	while (t->nviews)
		view_free(t->views[--t->nviews]);
	buf_reset(&t->search);
	t->quit = 0;
	tui_update_pending(t);
	if (tui_push(t, &inbox_view_ops, NULL))
		tui_die("%s", t->msg.s);
	tui_notices_start(t); /* what is new, urged, near its deadline since this person last looked */
}

void tui_exit(struct tui *t)
{
	if (t->script) {
		t->quit = 1;
		return;
	}
	tui_restore();
	restore_signals();
	tui_teardown(t);
	exit(0);
}

int tui_run(struct store *s, const char *user, const char *theme_path)
{
	struct tui t;
	if (tui_setup(&t, s, user, theme_path)) {
		tui_teardown(&t);
		return 1;
	}
	int rc = tui_signin_begin(&t);
	if (rc > 1) {
		tui_teardown(&t);
		return rc;
	}
	if (!initscr())
		tui_die("%s", _("unable to start the terminal screen"));
	curses_active = 1;
	install_signals();
	atexit(tui_restore);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	wtimeout(stdscr, 1000); /* wake up for the clock */
	if (t.mouse) {
		mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
		mouseinterval(0);
	}
	setup_colors(&t);
	/* nobody proven yet: the sign-in screen first (Esc there quits) */
	if (rc == 1 && !tui_signin(&t, TUI_SIGNIN_START))
		t.quit = 1;
	else
		tui_restart_views(&t);
	while (!t.quit) {
		tui_draw(&t);
		int key = tui_read_key(&t);
		if (key >= 0)
			tui_key(&t, key);
		/* an action failed because the session can no longer sign: sign in again at once */
		if (auth_session_stale(t.session))
			tui_session_lost(&t);
	}
	tui_restore();
	restore_signals();
	tui_teardown(&t);
	return 0;
}
