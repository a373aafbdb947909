/*
 * TUI widgets: the line editor, tabs, dialogs, the picker, the prompt and
 * `:` command line, the pager, `/` filtering in the definitions view, the
 * mouse and DOCKET_KEYS. Pure checks run on the widgets' data; screens are
 * snapshots made with tui_harness.h, as in test_tui.c (curses on /dev/null
 * at a fixed size, dumped and compared with tests/unit/screens/NAME.txt;
 * DOCKET_UPDATE_SCREENS=1 rewrites them). Keys go in through curses' own input queue (unget_wch /
 * ungetch) and come out through wget_wch, as typed keys would.
 */
#include <sys/stat.h>

#include "tui_harness.h"

static char tmpdir[] = "/tmp/docket-test-widgets-XXXXXX";

/* ---- fixtures ---- */

static void deploy_text(const char *kind, const char *id, const char *name, const char *content)
{
	deploy(kind, id, name, "x.yaml", content, strlen(content));
}

static int setup_store(void **state)
{
	(void)state;
	store_create(tmpdir);
	assert_int_equal(store_begin(store), 0);
	deploy_text("workflow", "leave", "请假", "kind: workflow\nid: leave\n");
	deploy_text("workflow", "purchase", "采购审批", "kind: workflow\nid: purchase\n");
	deploy_text("form", "leave", "请假单", "kind: form\nid: leave\n");
	deploy_text("theme", "high-contrast", "高对比度", "kind: theme\nid: high-contrast\n");
	assert_int_equal(store_commit(store), 0);
	return 0;
}

static int teardown_store(void **state)
{
	(void)state;
	store_remove(tmpdir);
	return 0;
}

/* ---- a terminal on /dev/null with a TUI on it ---- */

struct tui_term {
	struct term tm;
	struct tui t;
};

/* Curses at rows x cols, keypad on, and a TUI on the definitions view. */
static void tui_term_open(struct tui_term *tt, int rows, int cols)
{
	tui_start(&tt->tm, &tt->t, rows, cols, "wang.fang", &defs_view_ops, NULL);
	keypad(stdscr, TRUE);
}

static void tui_term_close(struct tui_term *tt)
{
	tui_stop(&tt->tm, &tt->t);
}

/* The curses key code for a docket key without a character, or 0. */
static int curses_code(int key)
{
	switch (key) {
	case KEYC_UP: return KEY_UP;
	case KEYC_DOWN: return KEY_DOWN;
	case KEYC_LEFT: return KEY_LEFT;
	case KEYC_RIGHT: return KEY_RIGHT;
	case KEYC_HOME: return KEY_HOME;
	case KEYC_END: return KEY_END;
	case KEYC_PGUP: return KEY_PPAGE;
	case KEYC_PGDN: return KEY_NPAGE;
	case KEYC_BACKTAB: return KEY_BTAB;
	case KEYC_DELETE: return KEY_DC;
	case KEYC_BACKSPACE: return KEY_BACKSPACE;
	default: return 0;
	}
}

/*
 * Queue keys (names and "=TEXT", as in a struct keyseq) for wget_wch.
 * Curses' queue is last in, first out, so they go in backwards.
 */
static void feed(const char *const *keys)
{
	int codes[512];
	size_t n = 0;
	struct keyseq q = { keys, 0, NULL };
	int k;
	const char *name;
	while (keyseq_next(&q, &k, &name)) {
		if (name && k < 0)
			fail_msg("bad key name '%s'", name);
		assert_true(n < 512);
		codes[n++] = name && k == KEYC_ENTER ? '\r' : k;
	}
	assert_true(n < 130); /* the size of curses' queue */
	while (n--) {
		int c = curses_code(codes[n]);
		if (c)
			assert_int_equal(ungetch(c), OK);
		else
			assert_int_equal(unget_wch((wchar_t)codes[n]), OK);
	}
}

/* Type keys into an editor through the keymap, as a widget would. */
static void type_keys(struct edit *e, const struct keymap *km, const char *const *keys)
{
	struct keyseq q = { keys, 0, NULL };
	int k;
	const char *name;
	while (keyseq_next(&q, &k, &name)) {
		enum action a;
		edit_key(e, km, k, &a);
	}
}

/* ---- the line editor ---- */

/* Editing keys as actions, on Chinese text, with the cursor by characters. */
static void test_edit_keys(void **state)
{
	(void)state;
	struct keymap km;
	keymap_defaults(&km);
	struct edit e;
	edit_init(&e, 0, 0);
	static const struct {
		const char *const keys[8];
		const char *text;
		size_t col;         /* cursor column after the keys */
	} cases[] = {
		{ { "=同意报销", NULL }, "同意报销", 8 },
		{ { "=同意报销", "Left", "Left", "Backspace", NULL }, "同报销", 2 },
		{ { "=同意报销", "Home", "Delete", NULL }, "意报销", 0 },
		{ { "=同意报销", "Ctrl-A", "Right", "Ctrl-K", NULL }, "同", 2 },
		{ { "=同意报销", "Left", "Ctrl-U", NULL }, "销", 0 },
		{ { "=同意，请按规定办理", "Ctrl-W", NULL }, "同意，", 6 },
		{ { "=lint 不存在.yaml", "Ctrl-W", NULL }, "lint ", 5 },
		{ { "=ab审c", "Left", "Left", "=x", NULL }, "abx审c", 3 },
		{ { "=请假", "End", "Ctrl-E", "Right", "=!", NULL }, "请假!", 5 },
		{ { "=a", "Ctrl-N", "=b", NULL }, "ab", 2 }, /* no newline in one line */
		{ { "=q/:jk", NULL }, "q/:jk", 5 }, /* keys bound to actions are typed */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		edit_set(&e, "");
		type_keys(&e, &km, cases[i].keys);
		if (strcmp(e.text.s, cases[i].text) || edit_cursor_col(&e) != cases[i].col)
			fail_msg("case %zu: '%s' col %zu, want '%s' col %zu", i, e.text.s,
				 edit_cursor_col(&e), cases[i].text, cases[i].col);
	}
	/* control, escape and bidi characters never get in */
	edit_set(&e, "坏\x1b[31m名\xe2\x80\xae字\xff");
	assert_string_equal(e.text.s, "坏[31m名字");
	edit_release(&e);
}

/*
 * A passphrase editor: one '*' per character (Chinese too), the cursor by
 * characters, scrolled like any line; and nothing of the text is left in
 * its allocation once it is deleted, set again or released.
 */
static void test_edit_secret(void **state)
{
	(void)state;
	struct keymap km;
	keymap_defaults(&km);
	struct edit e;
	edit_init(&e, 0, 40);
	edit_secret(&e);
	static const char *const keys[] = { "=口令Ab1", "Left", "Backspace", "=Z", NULL };
	type_keys(&e, &km, keys);
	assert_string_equal(e.text.s, "口令AZ1");
	struct row r;
	row_init(&r, 10);
	size_t cy, cx;
	edit_render(&e, &r, 10, 1, TE_NORMAL, &cy, &cx);
	assert_string_equal(r.text.s, "*****     ");
	assert_int_equal(cx, 4);
	row_release(&r);
	/* longer than the field: scrolled by characters, each one column */
	edit_set(&e, "很长的口令很长的口令很长的口令");
	row_init(&r, 10);
	edit_render(&e, &r, 10, 1, TE_NORMAL, &cy, &cx);
	assert_string_equal(r.text.s, "********* ");
	assert_int_equal(cx, 9);
	row_release(&r);
	/* deleting, replacing: the allocation holds nothing of the text after its end */
	char *mem = e.text.s;
	size_t alloc = e.text.alloc;
	static const char *const kill[] = { "Ctrl-A", "Right", "Ctrl-K", NULL };
	type_keys(&e, &km, kill);
	assert_string_equal(e.text.s, "很");
	assert_ptr_equal(e.text.s, mem); /* never moved: no copy left behind */
	for (size_t i = e.text.len; i < alloc; i++)
		assert_int_equal(mem[i], 0);
	edit_set(&e, "");
	for (size_t i = 0; i < alloc; i++)
		assert_int_equal(mem[i], 0);
	edit_release(&e);
}

/* A maximum in characters (not bytes), and a long paste stops at it. */
static void test_edit_max_and_paste(void **state)
{
	(void)state;
	struct edit e;
	edit_init(&e, 0, 10);
	struct buf paste = BUF_INIT;
	for (int i = 0; i < 100; i++)
		buf_adds(&paste, "同意");
	assert_int_equal(edit_insert(&e, paste.s), 10);
	assert_true(e.full);
	assert_int_equal(utf8_chars(e.text.s, e.text.len), 10);
	assert_int_equal(e.text.len, 30);
	edit_release(&e);
	/* no limit: a 2000-character paste in one go, newlines become spaces */
	edit_init(&e, 0, 0);
	buf_adds(&paste, "\n结束");
	edit_insert(&e, paste.s);
	assert_int_equal(utf8_chars(e.text.s, e.text.len), 203);
	assert_non_null(strstr(e.text.s, " 结束"));
	edit_release(&e);
	buf_release(&paste);
}

/*
 * Scrolling a long Chinese line sideways at every width and every cursor
 * position: the row is exactly the width, the cursor cell is on it, and
 * the character under the cursor is drawn whole where the cursor is.
 */
static void test_edit_scroll_every_width(void **state)
{
	(void)state;
	const char *text = "关于2026年度办公用品采购预算的请示abc：经研究，同意。";
	for (size_t w = 1; w <= 40; w++) {
		struct edit e;
		edit_init(&e, 0, 0);
		edit_set(&e, text);
		size_t steps = utf8_chars(e.text.s, e.text.len);
		for (size_t k = 0; k <= steps; k++) {
			struct row r;
			size_t cy, cx;
			row_init(&r, w);
			edit_render(&e, &r, w, 1, TE_NORMAL, &cy, &cx);
			if (utf8_width(r.text.s) != w || cx >= w)
				fail_msg("width %zu step %zu: '%s' cursor %zu", w, k, r.text.s, cx);
			/* the cell at the cursor holds the character at the cursor */
			if (e.cur < e.text.len) {
				uint32_t cp;
				size_t n = utf8_decode(e.text.s + e.cur, &cp);
				size_t cw = (size_t)utf8_cp_width(cp);
				if (cx + cw <= w) {
					struct buf at = BUF_INIT;
					size_t col = 0;
					for (const char *p = r.text.s; *p;) {
						uint32_t c2;
						size_t n2 = utf8_decode(p, &c2);
						if (col == cx) {
							buf_add(&at, p, n2);
							break;
						}
						col += (size_t)utf8_cp_width(c2);
						p += n2;
					}
					if (strncmp(at.s, e.text.s + e.cur, n))
						fail_msg("width %zu step %zu: '%s' at %zu, want '%.*s'",
							 w, k, at.s, cx, (int)n, e.text.s + e.cur);
					buf_release(&at);
				}
			}
			row_release(&r);
			edit_action(&e, k % 2 ? ACT_EDIT_LEFT : ACT_EDIT_RIGHT);
			edit_action(&e, ACT_EDIT_RIGHT);
		}
		edit_release(&e);
	}
}

/* Multi-line: wraps by columns, Up/Down keep the column, the cursor at a full row's end. */
static void test_edit_multiline(void **state)
{
	(void)state;
	struct edit e;
	edit_init(&e, 1, 0);
	edit_set(&e, "同意。\n请财务处按规定办理报销手续");
	struct row rows[4];
	size_t cy, cx;
	for (int i = 0; i < 4; i++)
		row_init(&rows[i], 9);
	edit_render(&e, rows, 9, 4, TE_NORMAL, &cy, &cx);
	/* five rows ("同意。" then four of the wrapped line) in four: scrolled by one */
	assert_string_equal(rows[0].text.s, "请财务处 ");
	assert_string_equal(rows[1].text.s, "按规定办 ");
	assert_string_equal(rows[2].text.s, "理报销手 ");
	assert_string_equal(rows[3].text.s, "续       ");
	assert_int_equal(e.scroll, 1);
	assert_int_equal(cy, 3);
	assert_int_equal(cx, 2);
	edit_action(&e, ACT_MOVE_UP);
	edit_action(&e, ACT_MOVE_UP);
	edit_action(&e, ACT_MOVE_UP);
	assert_int_equal(edit_cursor_col(&e), 2); /* after 请 */
	edit_action(&e, ACT_EDIT_RIGHT);
	edit_action(&e, ACT_MOVE_UP); /* into "同意。" at column 4 */
	edit_action(&e, ACT_EDIT_NEWLINE);
	assert_string_equal(e.text.s, "同意\n。\n请财务处按规定办理报销手续");
	/* up from the first row is not the editor's: the dialog moves focus */
	edit_action(&e, ACT_MOVE_UP);
	assert_int_equal(edit_action(&e, ACT_MOVE_UP), 0);
	for (int i = 0; i < 4; i++)
		row_release(&rows[i]);
	edit_release(&e);
}

/* Keys typed on the terminal: wget_wch, UTF-8 in, the cursor after wide characters. */
static void test_edit_typed_through_curses(void **state)
{
	(void)state;
	struct tui_term tm;
	tui_term_open(&tm, 24, 80);
	static const char *const keys[] = { "=请假三天，事由：探亲", "Left", "Left", "Ctrl-H",
					    "=家人", "Home", "Delete", "End", NULL };
	feed(keys);
	struct prompt p;
	prompt_init(&p, ":", "");
	int k;
	while ((k = tui_read_key(&tm.t)) != TUI_NOKEY)
		prompt_key(&tm.t, &p, k);
	assert_string_equal(p.edit.text.s, "假三天，事由家人探亲");
	assert_int_equal(edit_cursor_col(&p.edit), 20);
	tui_paint(&tm.t);
	prompt_draw(&tm.t, &p);
	/* the terminal cursor is after ":" and 10 double-width characters */
	assert_int_equal(getcury(stdscr), 23);
	assert_int_equal(getcurx(stdscr), 21);
	check_screen("prompt-80x24");
	prompt_release(&p);
	tui_term_close(&tm);
}

/* ---- tabs ---- */

static void inbox_tabs(struct tabs *tb)
{
	tabs_init(tb);
	tabs_add(tb, "待办", 12);
	tabs_add(tb, "已办", 3);
	tabs_add(tb, "我的申请", 5);
	tabs_add(tb, "待阅", 1);
}

/* Sync's part of the status bar: nothing without a server, then each state, and the bar past 200 events. */
static void test_sync_status(void **state)
{
	(void)state;
	struct tui t;
	memset(&t, 0, sizeof(t));
	static const struct {
		struct tui_sync y;
		const char *want;
	} cases[] = {
		{ { 0, 0, 0, "09:30", 3, 1, 0, 0 }, "" },
		{ { 1, 0, 0, "09:30", 0, 0, 0, 0 }, "synced 09:30" },
		{ { 1, 0, 0, "2026-03-01", 2, 0, 0, 0 }, "synced 2026-03-01, to sync: 2" },
		{ { 1, 0, 0, "", 0, 0, 0, 0 }, "not synced yet" },
		{ { 1, 0, 1, "09:30", 4, 1, 0, 0 }, "offline, to sync: 4, conflicts: 1" },
		{ { 1, 1, 1, "09:30", 4, 0, 10, 150 }, "syncing, to sync: 4" },
		{ { 1, 1, 0, "09:30", 0, 0, 250, 500 }, "syncing [=====     ] 50%" },
		{ { 1, 1, 0, "09:30", 0, 0, 0, 201 }, "syncing [          ] 0%" },
		{ { 1, 1, 0, "09:30", 0, 0, 900, 800 }, "syncing [==========] 100%" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		t.sync = cases[i].y;
		tui_sync_status(&t, &out);
		assert_string_equal(out.s, cases[i].want);
		buf_release(&out);
	}
}

static void test_tabs(void **state)
{
	(void)state;
	struct tabs tb;
	inbox_tabs(&tb);
	struct row r;
	static const struct {
		size_t width, active;
		const char *want;
	} cases[] = {
		{ 50, 0, " 待办 12 | 已办 3 | 我的申请 5 | 待阅 1           " },
		{ 36, 2, " 待办 12 | 已办 3 | 我~ 5 | 待阅 1  " },
		{ 33, 0, " 待~ 12 | 已~ 3 | 我~ 5 | 待~ 1  " },
		{ 24, 2, "< 我的~ 5 | 待阅 1      " },
		{ 12, 3, "< 待阅 1    " },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tb.active = cases[i].active;
		row_init(&r, cases[i].width);
		tabs_render(&tb, &r);
		if (strcmp(r.text.s, cases[i].want))
			fail_msg("width %zu: '%s' want '%s'", cases[i].width, r.text.s, cases[i].want);
		row_release(&r);
	}
	/* every width: exact, and the active tab is always shown */
	for (size_t w = 1; w <= 60; w++) {
		for (size_t a = 0; a < tb.n; a++) {
			tb.active = a;
			row_init(&r, w);
			tabs_render(&tb, &r);
			assert_int_equal(utf8_width(r.text.s), w);
			assert_true(utf8_valid(r.text.s, r.text.len, NULL));
			if (w >= 8 && tb.xs[a] == SIZE_MAX)
				fail_msg("width %zu: active tab %zu hidden: '%s'", w, a, r.text.s);
			row_release(&r);
		}
	}
	tb.active = 3;
	assert_true(tabs_action(&tb, ACT_NEXT_TAB));
	assert_int_equal(tb.active, 0);
	assert_true(tabs_action(&tb, ACT_PREV_TAB));
	assert_int_equal(tb.active, 3);
	assert_false(tabs_action(&tb, ACT_OPEN));
	row_init(&r, 50);
	tabs_render(&tb, &r);
	assert_int_equal(tabs_hit(&tb, 12), 1);
	row_release(&r);
	tabs_release(&tb);
}

/* ---- dialogs ---- */

static const char *const results[] = { "同意", "不同意", "退回修改" };

/* The approval dialog the inbox will use, with some Chinese typed in. */
static void approval_dialog(struct dialog *d)
{
	dialog_init(d, "审批：关于采购办公用品的请示");
	dialog_add_choice(d, "结果", results, 3, 0);
	dialog_add_text(d, "审批意见", "", 200, 3, 1);
	dialog_add_text(d, "抄送", "办公室；财务处；人事处；后勤服务中心；信息中心", 100, 1, 0);
}

/* Draw the screen with a dialog over it after typing `keys`, then compare. */
static void dialog_snapshot(const char *name, int rows, int cols, const char *const *keys)
{
	struct tui_term tm;
	tui_term_open(&tm, rows, cols);
	struct dialog d;
	approval_dialog(&d);
	feed(keys);
	int k;
	while ((k = tui_read_key(&tm.t)) != TUI_NOKEY)
		dialog_key(&tm.t, &d, k);
	assert_int_equal(d.result, DIALOG_OPEN);
	tui_paint(&tm.t);
	dialog_draw(&tm.t, &d);
	check_screen(name);
	dialog_release(&d);
	tui_term_close(&tm);
}

static void test_dialog_80x24(void **state)
{
	(void)state;
	static const char *const keys[] = { "Right", "Tab", "=同意。请财务处按规定办理，", "Ctrl-N",
					    "=报销金额以发票为准。", NULL };
	dialog_snapshot("dialog-80x24", 24, 80, keys);
}

static void test_dialog_120x40(void **state)
{
	(void)state;
	static const char *const keys[] = { "Tab", "=同意", NULL };
	dialog_snapshot("dialog-120x40", 40, 120, keys);
}

/* At 40x12: the box takes the width, the multi-line field shrinks, OK (F10) with nothing typed. */
static void test_dialog_40x12_required(void **state)
{
	(void)state;
	static const char *const keys[] = { "F10", NULL };
	dialog_snapshot("dialog-40x12", 12, 40, keys);
}

/*
 * Enter goes to the next field and never past the opinion (issue 14): on
 * the result it moves to the opinion, on the opinion to 抄送, and only on
 * the last field is it OK — refused here, the opinion being required, with
 * the focus back on it. F10 is OK from any field.
 */
static void test_dialog_enter_next(void **state)
{
	(void)state;
	struct tui_term tm;
	tui_term_open(&tm, 24, 80);
	struct dialog d;
	approval_dialog(&d);
	static const char *const steps[][2] = { { "Enter", "1" }, { "Enter", "2" }, { "Enter", "1" } };
	for (size_t i = 0; i < 3; i++) {
		static const char *keys[2];
		keys[0] = steps[i][0];
		feed(keys);
		int k;
		while ((k = tui_read_key(&tm.t)) != TUI_NOKEY)
			dialog_key(&tm.t, &d, k);
		assert_int_equal(d.result, DIALOG_OPEN);
		assert_int_equal(d.focus, (size_t)atoi(steps[i][1]));
	}
	assert_string_equal(d.fields[1].msg.s, "required");
	static const char *const ok[] = { "=同意", "BackTab", "F10", NULL };
	feed(ok);
	int k;
	while ((k = tui_read_key(&tm.t)) != TUI_NOKEY)
		dialog_key(&tm.t, &d, k);
	assert_int_equal(d.result, DIALOG_OK);
	assert_string_equal(dialog_value(&d, 1), "同意");
	dialog_release(&d);
	tui_term_close(&tm);
}

/* A resize recomputes the layout: 80x24 then 40x12 draws as a fresh 40x12. */
static void test_dialog_resize(void **state)
{
	(void)state;
	struct tui_term tm;
	tui_term_open(&tm, 24, 80);
	struct dialog d;
	approval_dialog(&d);
	static const char *const keys[] = { "F10", NULL };
	feed(keys);
	int k;
	while ((k = tui_read_key(&tm.t)) != TUI_NOKEY)
		dialog_key(&tm.t, &d, k);
	tui_paint(&tm.t);
	dialog_draw(&tm.t, &d);
	resizeterm(12, 40);
	tui_paint(&tm.t);
	dialog_draw(&tm.t, &d);
	check_screen("dialog-40x12");
	/* and smaller still: nothing overflows */
	for (int rows = 3; rows <= 12; rows++) {
		for (int cols = 8; cols <= 40; cols += 3) {
			resizeterm(rows, cols);
			tui_paint(&tm.t);
			dialog_draw(&tm.t, &d);
			free(dump_screen());
		}
	}
	dialog_release(&d);
	tui_term_close(&tm);
}

/* Validation from the caller, focus moves to the field; the run loop returns OK. */
static int validate_cc(struct dialog *d, void *ctx)
{
	(void)ctx;
	if (strstr(dialog_value(d, 2), "无此人"))
		dialog_error(d, 2, "'%s' 不是本单位的部门", "无此人");
	return 0;
}

static void test_dialog_validate_and_run(void **state)
{
	(void)state;
	struct tui_term tm;
	tui_term_open(&tm, 24, 80);
	struct dialog d;
	approval_dialog(&d);
	d.validate = validate_cc;
	static const char *const keys[] = { "Tab", "=同意", "Tab", "Ctrl-U", "=无此人", "Enter",
					    NULL };
	feed(keys);
	int k;
	while ((k = tui_read_key(&tm.t)) != TUI_NOKEY)
		dialog_key(&tm.t, &d, k);
	assert_int_equal(d.result, DIALOG_OPEN);
	assert_int_equal(d.focus, 2);
	tui_paint(&tm.t);
	dialog_draw(&tm.t, &d);
	check_screen("dialog-invalid-80x24");
	/* fix it and accept, through the blocking loop */
	static const char *const fix[] = { "Ctrl-U", "=办公室", "Enter", NULL };
	feed(fix);
	assert_int_equal(dialog_run(&tm.t, &d), DIALOG_OK);
	assert_string_equal(dialog_value(&d, 0), "同意");
	assert_string_equal(dialog_value(&d, 1), "同意");
	assert_string_equal(dialog_value(&d, 2), "办公室");
	dialog_release(&d);
	/* Esc cancels, even from a text field */
	approval_dialog(&d);
	static const char *const esc[] = { "Tab", "=不", "Esc", NULL };
	feed(esc);
	assert_int_equal(dialog_run(&tm.t, &d), DIALOG_CANCEL);
	dialog_release(&d);
	tui_term_close(&tm);
}

static const char question[] =
	"确定撤回申请“关于2026年度办公用品采购预算的请示”吗？撤回后，已审批的意见将保留在流转记录中，申请回到草稿状态。";

static void confirm_snapshot(const char *name, int rows, int cols)
{
	struct tui_term tm;
	tui_term_open(&tm, rows, cols);
	struct dialog d;
	dialog_init(&d, "撤回申请");
	utf8_sanitize(&d.text, question);
	dialog_buttons(&d, "撤回", "不撤回");
	tui_paint(&tm.t);
	dialog_draw(&tm.t, &d);
	check_screen(name);
	dialog_release(&d);
	/* Right moves to the second button, Enter answers no */
	static const char *const keys[] = { "Right", "Enter", NULL };
	feed(keys);
	assert_false(dialog_confirm(&tm.t, "撤回申请", question));
	static const char *const yes[] = { "Enter", NULL };
	feed(yes);
	assert_true(dialog_confirm(&tm.t, "撤回申请", question));
	tui_term_close(&tm);
}

static void test_confirm_80x24(void **state)
{
	(void)state;
	confirm_snapshot("confirm-80x24", 24, 80);
}

static void test_confirm_40x12(void **state)
{
	(void)state;
	confirm_snapshot("confirm-40x12", 12, 40);
}

/* ---- the picker ---- */

static const char *const opinions[] = {
	"同意。",
	"同意，请按规定办理。",
	"拟同意，请领导审定。",
	"不同意，理由如下：",
	"请补充相关材料后再报。",
	"已阅。",
	"情况属实，建议同意。",
	"Agree (English opinion for the foreign affairs office)",
};

static void picker_snapshot(const char *name, int rows, int cols, const char *const *keys,
			    const char *want_filter)
{
	struct tui_term tm;
	tui_term_open(&tm, rows, cols);
	struct picker p;
	picker_init(&p, "常用意见");
	for (size_t i = 0; i < sizeof(opinions) / sizeof(opinions[0]); i++)
		picker_add(&p, opinions[i]);
	feed(keys);
	int k;
	while ((k = tui_read_key(&tm.t)) != TUI_NOKEY)
		picker_key(&tm.t, &p, k);
	assert_string_equal(p.filter.text.s, want_filter);
	tui_paint(&tm.t);
	picker_draw(&tm.t, &p);
	check_screen(name);
	/* Enter picks the selected one */
	static const char *const enter[] = { "Enter", NULL };
	feed(enter);
	long got = picker_run(&tm.t, &p);
	assert_true(got >= 0);
	assert_true(text_match(opinions[got], want_filter));
	picker_release(&p);
	tui_term_close(&tm);
}

static void test_picker_80x24(void **state)
{
	(void)state;
	static const char *const keys[] = { "j", "j", NULL };
	picker_snapshot("picker-80x24", 24, 80, keys, "");
}

static void test_picker_filter_120x40(void **state)
{
	(void)state;
	static const char *const keys[] = { "/", "=同意", "Down", NULL };
	picker_snapshot("picker-filter-120x40", 40, 120, keys, "同意");
}

static void test_picker_40x12(void **state)
{
	(void)state;
	static const char *const keys[] = { "/", "=AGREE", NULL };
	picker_snapshot("picker-40x12", 12, 40, keys, "AGREE");
}

/* Esc leaves the filter, a second Esc cancels; no match shows so. */
static void test_picker_cancel(void **state)
{
	(void)state;
	struct tui_term tm;
	tui_term_open(&tm, 24, 80);
	struct picker p;
	picker_init(&p, "选择用户");
	picker_add(&p, "王芳 wang.fang");
	picker_add(&p, "李明 li.ming");
	struct tui *t = &tm.t;
	picker_key(t, &p, '/');
	picker_key(t, &p, 0x5f20); /* 张 */
	assert_int_equal(p.nshown, 0);
	picker_key(t, &p, KEYC_ENTER);
	assert_int_equal(p.result, DIALOG_OPEN);
	picker_key(t, &p, KEYC_ESC);
	assert_int_equal(p.nshown, 2);
	assert_false(p.filtering);
	picker_key(t, &p, KEYC_ESC);
	assert_int_equal(p.result, DIALOG_CANCEL);
	picker_release(&p);
	tui_term_close(&tm);
}

/* ---- the command line and the pager ---- */

static void test_cmd_split(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		const char *words; /* joined with '|'; NULL for an error */
	} cases[] = {
		{ "lint 不存在.yaml", "lint|不存在.yaml" },
		{ "  definitions   --all  ", "definitions|--all" },
		{ "deploy '我的 流程.yaml'", "deploy|我的 流程.yaml" },
		{ "x \"a \\\"b\\\" \\n\"", "x|a \"b\" \\n" },
		{ "a\\ b c", "a b|c" },
		{ "it''s \"\"", "its|" },
		{ "'$HOME' *.yaml", "$HOME|*.yaml" },
		{ "", "" },
		{ "echo '未结束", NULL },
		{ "echo \"未结束", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char **w;
		size_t n;
		struct buf err = BUF_INIT, joined = BUF_INIT;
		int rc = cmd_split(cases[i].line, &w, &n, &err);
		if (!cases[i].words) {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(err.s, "unterminated"));
		} else {
			assert_int_equal(rc, 0);
			for (size_t k = 0; k < n; k++)
				buf_addf(&joined, "%s%s", k ? "|" : "", w[k]);
			assert_null(w[n]);
			if (strcmp(joined.s, cases[i].words))
				fail_msg("'%s': '%s' want '%s'", cases[i].line, joined.s,
					 cases[i].words);
			cmd_free_words(w);
		}
		buf_release(&err);
		buf_release(&joined);
	}
}

/* A stand-in for docket: prints its arguments after -C STORE -u USER. */
static char *fake_docket(void)
{
	struct buf path = BUF_INIT;
	buf_addf(&path, "%s/fake-docket", tmpdir);
	static const char script[] =
		"#!/bin/sh\n"
		"[ \"$1\" = -C ] && [ \"$3\" = -u ] && [ \"$4\" = wang.fang ] || exit 99\n"
		"shift 4\n"
		"echo \"参数: $*\"\n"
		"printf '第二行\\t制表符\\n'\n"
		"i=1; while [ $i -le 30 ]; do echo \"第 $i 行 line $i\"; i=$((i + 1)); done\n"
		"echo \"$2: 错误: 文件不存在\" >&2\n"
		"exit 3\n";
	assert_int_equal(write_file_atomic(path.s, script, sizeof(script) - 1), 0);
	assert_int_equal(chmod(path.s, 0755), 0);
	return buf_detach(&path);
}

/* `:lint 不存在.yaml` runs the binary, the output opens in the pager, the status in the bar. */
static void test_command_pager(void **state)
{
	(void)state;
	char *exe = fake_docket();
	struct tui_term tm;
	tui_term_open(&tm, 24, 80);
	tm.t.exe = exe;
	static const char *const keys[] = { "=lint 不存在.yaml", "Enter", NULL };
	feed(keys);
	tui_key(&tm.t, ':');
	assert_int_equal(tm.t.nviews, 2);
	assert_string_equal(tm.t.views[1]->ops->name, "pager");
	tui_paint(&tm.t);
	check_screen("pager-80x24");
	/* refresh keeps the text (there is nothing to run again) */
	tui_key(&tm.t, 'R');
	assert_int_equal(tm.t.nviews, 2);
	assert_string_equal(tm.t.views[1]->ops->name, "pager");
	const struct pager *pg = tm.t.views[1]->data;
	assert_non_null(pg);
	assert_int_equal(pg->n, 33);
	assert_int_equal(tm.t.views[1]->lines, 33);
	assert_string_equal(pg->lines[31], "第 30 行 line 30");
	tui_paint(&tm.t);
	/* `/` search, highlighted, and n */
	static const char *const search[] = { "=LINE 2", "Enter", NULL };
	feed(search);
	tui_key(&tm.t, '/');
	assert_string_equal(tm.t.search.s, "LINE 2");
	tui_key(&tm.t, 'n');
	tui_key(&tm.t, 'n');
	tui_paint(&tm.t);
	check_screen("pager-search-80x24");
	tui_key(&tm.t, 'q');
	assert_int_equal(tm.t.nviews, 1);
	tui_term_close(&tm);
	/* 120x40, scrolled right by Right */
	tui_term_open(&tm, 40, 120);
	tm.t.exe = exe;
	feed(keys);
	tui_key(&tm.t, ':');
	tui_key(&tm.t, KEYC_RIGHT);
	tui_paint(&tm.t);
	check_screen("pager-120x40");
	tui_term_close(&tm);
	free(exe);
}

/* A binary that cannot run: the message, and no pager. */
static void test_command_fails(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	int status = 0;
	char *argv[] = { "docket", "help", NULL };
	assert_int_equal(cmd_capture("/nonexistent/docket", argv, &out, &status), 0);
	assert_int_equal(status, 127);
	assert_non_null(strstr(out.s, "unable to run"));
	buf_release(&out);
	struct tui_term tm;
	tui_term_open(&tm, 24, 80);
	static const char *const keys[] = { "=lint 'x", "Enter", NULL };
	feed(keys);
	tui_key(&tm.t, ':');
	assert_int_equal(tm.t.nviews, 1);
	assert_non_null(strstr(tm.t.msg.s, "unterminated"));
	tui_term_close(&tm);
}

/* ---- the definitions view: tabs and `/` ---- */

static void test_defs_filter(void **state)
{
	(void)state;
	struct tui_term tm;
	tui_term_open(&tm, 24, 80);
	static const char *const keys[] = { "=请假", NULL };
	feed(keys);
	/* while typing: live, the count at the right of the prompt */
	struct view *v = tm.t.views[0];
	struct prompt p;
	prompt_init(&p, "/", "");
	p.changed = defs_filter_changed;
	p.ctx = v;
	int k;
	while ((k = tui_read_key(&tm.t)) != TUI_NOKEY)
		prompt_key(&tm.t, &p, k);
	tui_paint(&tm.t);
	prompt_draw(&tm.t, &p);
	check_screen("defs-filter-typing-80x24");
	prompt_release(&p);
	/* Enter: the count in the status bar */
	static const char *const enter[] = { "Enter", NULL };
	feed(enter);
	tui_key(&tm.t, '/');
	assert_int_equal(v->lines, 2);
	tui_paint(&tm.t);
	check_screen("defs-filter-80x24");
	/* Tab: workflows only; case-insensitive ASCII */
	tui_key(&tm.t, KEYC_TAB);
	assert_int_equal(v->lines, 1);
	static const char *const ascii[] = { "Ctrl-U", "=LEAVE", "Enter", NULL };
	feed(ascii);
	tui_key(&tm.t, '/');
	assert_int_equal(v->lines, 1);
	/* Esc drops the filter instead of quitting */
	tui_key(&tm.t, KEYC_ESC);
	assert_false(tm.t.quit);
	assert_int_equal(v->lines, 2);
	tui_key(&tm.t, KEYC_BACKTAB);
	assert_int_equal(v->lines, 4);
	tui_term_close(&tm);
	/* 120x40 on the form tab */
	tui_term_open(&tm, 40, 120);
	tui_key(&tm.t, KEYC_TAB);
	tui_key(&tm.t, KEYC_TAB);
	tui_paint(&tm.t);
	check_screen("defs-tab-form-120x40");
	tui_term_close(&tm);
}

/* ---- mouse and DOCKET_KEYS ---- */

static void test_mouse(void **state)
{
	(void)state;
	struct tui_term tm;
	tui_term_open(&tm, 24, 80);
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	tui_paint(&tm.t);
	struct view *v = tm.t.views[0];
	/* rows: title, tabs, header, then the definitions from row 3 */
	MEVENT ev = { 0, 10, 5, 0, BUTTON1_PRESSED };
	assert_int_equal(ungetmouse(&ev), OK);
	int k = tui_read_key(&tm.t);
	assert_int_equal(k, KEYC_MOUSE);
	tui_key(&tm.t, k);
	assert_int_equal(v->cursor, 2);
	/* wheel down: three lines (clamped to the last) */
	MEVENT wheel = { 0, 10, 5, 0, BUTTON5_PRESSED };
	ungetmouse(&wheel);
	tui_key(&tm.t, tui_read_key(&tm.t));
	assert_int_equal(v->cursor, 3);
	/* a click on the tab bar: the tab under it */
	MEVENT tab = { 0, 13, 1, 0, BUTTON1_PRESSED };
	ungetmouse(&tab);
	tui_key(&tm.t, tui_read_key(&tm.t));
	assert_int_equal(v->lines, 2); /* workflow */
	tui_term_close(&tm);
}

static void test_keys_file(void **state)
{
	(void)state;
	struct buf path = BUF_INIT;
	buf_addf(&path, "%s/keys.yaml", tmpdir);
	static const char keys[] = "# my keys\nkeys:\n  quit: [x]\n  edit-home: [Home, Ctrl-A]\n";
	assert_int_equal(write_file_atomic(path.s, keys, sizeof(keys) - 1), 0);
	setenv("DOCKET_KEYS", path.s, 1);
	struct tui t;
	assert_int_equal(tui_setup(&t, store, "wang.fang", NULL), 0);
	assert_int_equal(keymap_action(&t.keymap, 'x'), ACT_QUIT);
	assert_int_equal(keymap_action(&t.keymap, 'Q'), ACT_NONE);
	assert_int_equal(keymap_action(&t.keymap, KEYC_HOME), ACT_EDIT_HOME);
	assert_int_equal(keymap_action(&t.keymap, 'g'), ACT_FIRST);
	tui_teardown(&t);
	/* colours do not belong in a keys file; an unknown action is an error */
	static const char bad[] = "keys:\n  quit: [x]\ncolors:\n  title: {fg: red}\n";
	assert_int_equal(write_file_atomic(path.s, bad, sizeof(bad) - 1), 0);
	FILE *saved = stderr;
	stderr = fopen("/dev/null", "w");
	assert_int_equal(tui_setup(&t, store, "wang.fang", NULL), -1);
	tui_teardown(&t);
	static const char unknown[] = "keys:\n  qiut: [x]\n";
	assert_int_equal(write_file_atomic(path.s, unknown, sizeof(unknown) - 1), 0);
	assert_int_equal(tui_setup(&t, store, "wang.fang", NULL), -1);
	tui_teardown(&t);
	fclose(stderr);
	stderr = saved;
	unsetenv("DOCKET_KEYS");
	buf_release(&path);
}

int main(void)
{
	harness_env();
	unsetenv("DOCKET_KEYS");
	unsetenv("DOCKET_MOUSE");
	i18n_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_keys),
		cmocka_unit_test(test_edit_secret),
		cmocka_unit_test(test_edit_max_and_paste),
		cmocka_unit_test(test_edit_scroll_every_width),
		cmocka_unit_test(test_edit_multiline),
		cmocka_unit_test(test_edit_typed_through_curses),
		cmocka_unit_test(test_tabs),
		cmocka_unit_test(test_sync_status),
		cmocka_unit_test(test_dialog_80x24),
		cmocka_unit_test(test_dialog_120x40),
		cmocka_unit_test(test_dialog_40x12_required),
		cmocka_unit_test(test_dialog_resize),
		cmocka_unit_test(test_dialog_enter_next),
		cmocka_unit_test(test_dialog_validate_and_run),
		cmocka_unit_test(test_confirm_80x24),
		cmocka_unit_test(test_confirm_40x12),
		cmocka_unit_test(test_picker_80x24),
		cmocka_unit_test(test_picker_filter_120x40),
		cmocka_unit_test(test_picker_40x12),
		cmocka_unit_test(test_picker_cancel),
		cmocka_unit_test(test_cmd_split),
		cmocka_unit_test(test_command_pager),
		cmocka_unit_test(test_command_fails),
		cmocka_unit_test(test_defs_filter),
		cmocka_unit_test(test_mouse),
		cmocka_unit_test(test_keys_file),
	};
	return cmocka_run_group_tests_name("tui widgets", tests, setup_store, teardown_store);
}
