/*
 * TUI snapshots (tig's approach): curses runs in-process on /dev/null at a
 * fixed size, the views draw from a real temporary store, and stdscr is
 * dumped row by row and compared with tests/unit/screens/NAME.txt.
 * Set DOCKET_UPDATE_SCREENS=1 to rewrite the expected screens after a
 * deliberate change (and review the diff). The harness (and the TUI's
 * sources, which are linked only into the docket binary) are in
 * tui_harness.h.
 *
 * Also the pure row rendering at every width from 1 to 130: a row is
 * always exactly the width, valid UTF-8, and never splits a wide character.
 */
#include "tui_harness.h"

static char tmpdir[] = "/tmp/docket-test-tui-XXXXXX";

static void deploy_file(const char *kind, const char *id, const char *name, const char *path)
{
	struct buf b = BUF_INIT;
	assert_int_equal(read_file(path, 1 << 20, &b), 0);
	deploy(kind, id, name, path, b.s, b.len);
	buf_release(&b);
}

static const char long_form[] =
	"kind: form\nid: annual-leave-and-special-leave-application\n"
	"name: 年休假、探亲假、婚丧假及其他特殊假期申请表（适用于全体在编人员）\n";

static int setup_store(void **state)
{
	(void)state;
	store_create(tmpdir);
	assert_int_equal(store_begin(store), 0);
	deploy_file("workflow", "leave", "请假", "workflows/leave.yaml");
	deploy_file("theme", "high-contrast", "高对比度", "themes/high-contrast.yaml");
	deploy("form", "annual-leave-and-special-leave-application",
	       "年休假、探亲假、婚丧假及其他特殊假期申请表（适用于全体在编人员）",
	       "forms/annual.yaml", long_form, sizeof(long_form) - 1);
	/* a name someone typed with control and bidi characters */
	deploy("workflow", "evil", "坏\x1b[31m名\xe2\x80\xae字", "workflows/evil.yaml",
	       "kind: workflow\n", 15);
	assert_int_equal(store_commit(store), 0);
	return 0;
}

static int teardown_store(void **state)
{
	(void)state;
	store_remove(tmpdir);
	return 0;
}

/* Run the TUI on a fixed-size screen: setup, keys, snapshot. */
static void snapshot(const char *name, int rows, int cols, const char *const *keys)
{
	struct term tm;
	struct tui t;
	tui_start(&tm, &t, rows, cols, "wang.fang", &defs_view_ops, NULL);
	struct keyseq q = { keys, 0, NULL };
	int key;
	const char *kname;
	while (keys && keyseq_next(&q, &key, &kname)) {
		tui_draw(&t);
		tui_key(&t, key);
	}
	assert_false(t.quit);
	tui_draw(&t);
	check_screen(name);
	tui_stop(&tm, &t);
}

static void test_definitions_80x24(void **state)
{
	(void)state;
	snapshot("defs-80x24", 24, 80, NULL);
}

static void test_definitions_120x40(void **state)
{
	(void)state;
	static const char *const keys[] = { "j", "j", NULL };
	snapshot("defs-120x40", 40, 120, keys);
}

static void test_definitions_narrow(void **state)
{
	(void)state;
	snapshot("defs-37x10", 10, 37, NULL);
}

/* Every action's help is there whole at 80 columns, in English and Chinese: wrapped, never cut ("~"). */
static void help_whole(const char *locale)
{
	setenv("LC_ALL", locale, 1);
	setenv("LANG", locale, 1);
	i18n_init();
	struct term tm;
	struct tui t;
	tui_start(&tm, &t, 24, 80, "wang.fang", &defs_view_ops, NULL);
	/* open the help, then a page down at a time, checking every page */
	static const char *const keys[] = { "?", "PgDn", "PgDn", "PgDn", "PgDn", "PgDn", "PgDn", NULL };
	struct keyseq q = { keys, 0, NULL };
	int key, saw_last = 0, pages = 0;
	const char *kname;
	while (keyseq_next(&q, &key, &kname)) {
		tui_key(&t, key);
		tui_draw(&t);
		char *screen = dump_screen();
		char *body = strchr(screen, '\n') + 1;
		*strrchr(screen, '\n') = '\0';
		*strrchr(screen, '\n') = '\0'; /* the status line */
		if (strstr(body, "~\n") || body[strlen(body) - 1] == '~')
			fail_msg("a help text is cut at 80 columns (%s):\n%s", locale, body);
		saw_last |= strstr(body, "Ctrl-O, F2") != NULL;
		/* no action names, and nothing this screen does not do */
		if (strstr(body, "move-down") || strstr(body, "edit-pick"))
			fail_msg("an action's name in the help (%s):\n%s", locale, body);
		if (strstr(body, "   a ") || strstr(body, "   h "))
			fail_msg("a key the definitions do not use in their help (%s):\n%s", locale, body);
		pages++;
		free(screen);
	}
	assert_int_equal(pages, 7);
	assert_true(saw_last);
	tui_stop(&tm, &t);
	harness_env();
	i18n_init();
}

/* Wrapped at 60 columns, the help is laid out again when the terminal grows. */
static void test_help_relayout(void **state)
{
	(void)state;
	struct term tm;
	struct tui t;
	tui_start(&tm, &t, 24, 60, "wang.fang", &defs_view_ops, NULL);
	tui_key(&t, key_parse("?"));
	tui_draw(&t);
	char *narrow = dump_screen();
	assert_non_null(strstr(narrow, "Close this view (quit from the first\n"));
	resizeterm(24, 120);
	tui_draw(&t);
	char *wide = dump_screen();
	assert_non_null(strstr(wide, "Close this view (quit from the first view)\n"));
	free(narrow);
	free(wide);
	tui_stop(&tm, &t);
}

static void test_help_whole(void **state)
{
	(void)state;
	help_whole("C.UTF-8");
	help_whole("zh_CN.UTF-8");
}

static void test_workflow_80x24(void **state)
{
	(void)state;
	/* order: form, theme, workflow evil, workflow leave */
	static const char *const keys[] = { "End", "Enter", NULL };
	snapshot("workflow-80x24", 24, 80, keys);
}

static void test_workflow_back(void **state)
{
	(void)state;
	static const char *const keys[] = { "End", "Enter", "q", "k", NULL };
	snapshot("defs-back-80x24", 24, 80, keys);
}

static void test_help_80x24(void **state)
{
	(void)state;
	static const char *const keys[] = { "?", NULL };
	snapshot("help-80x24", 24, 80, keys);
}

static void test_unbound_key_message(void **state)
{
	(void)state;
	static const char *const keys[] = { "Z", NULL };
	snapshot("unbound-80x24", 24, 80, keys);
}

/* q on the first view and Q anywhere quit. */
static void test_quit(void **state)
{
	(void)state;
	struct term tm;
	struct tui t;
	term_open(&tm, 24, 80);
	assert_int_equal(tui_setup(&t, store, "wang.fang", NULL), 0);
	assert_int_equal(tui_push(&t, &defs_view_ops, NULL), 0);
	tui_key(&t, key_parse("?"));
	assert_int_equal(t.nviews, 2);
	tui_key(&t, key_parse("Q"));
	assert_true(t.quit);
	tui_teardown(&t);
	assert_int_equal(tui_setup(&t, store, "wang.fang", NULL), 0);
	assert_int_equal(tui_push(&t, &defs_view_ops, NULL), 0);
	tui_key(&t, key_parse("q"));
	assert_true(t.quit);
	tui_teardown(&t);
	term_close(&tm);
}

/* Every row at every width: exact width, valid UTF-8, wide characters whole. */
static void test_rows_every_width(void **state)
{
	(void)state;
	struct def_item items[] = {
		{ "workflow", "leave", "请假", "0123456789abcdef", "2026-03-01T08:00:00Z" },
		{ "form", "x", "年休假、探亲假、婚丧假及其他特殊假期申请表", "ab", "bad date" },
		{ "organisation", "一二三四五六七八九十一二三四五六七八", NULL, "", "" },
		{ "theme", "t", "a\tb\x1b[0m中\xe2\x80\x8f文", "ffffffffffffffffff", "2026-03-02" },
	};
	for (size_t w = 1; w <= 130; w++) {
		for (size_t i = 0; i <= sizeof(items) / sizeof(items[0]); i++) {
			struct row r;
			row_init(&r, w);
			defs_format(&r, i ? &items[i - 1] : NULL);
			if (r.cols != w || utf8_width(r.text.s) != w)
				fail_msg("width %zu item %zu: %zu columns '%s'", w, i,
					 utf8_width(r.text.s), r.text.s);
			assert_true(utf8_valid(r.text.s, r.text.len, NULL));
			assert_null(strchr(r.text.s, '\x1b'));
			assert_null(strchr(r.text.s, '\t'));
			assert_null(strstr(r.text.s, "\xe2\x80\x8f"));
			size_t covered = 0;
			for (size_t k = 0; k < r.nspans; k++) {
				assert_int_equal(r.spans[k].off, covered);
				covered += r.spans[k].len;
			}
			assert_int_equal(covered, r.text.len);
			row_release(&r);
		}
	}
}

/* An odd width ends on the second half of a wide character: "~" instead. */
static void test_row_odd_width(void **state)
{
	(void)state;
	struct row r;
	row_init(&r, 7);
	row_add(&r, TE_NORMAL, "审批中心", 0);
	assert_string_equal(r.text.s, "审批中~");
	row_release(&r);
	row_init(&r, 6);
	row_add(&r, TE_NORMAL, "a", 1);
	row_add(&r, TE_NORMAL, "中文字", 4);
	row_fill(&r, TE_NORMAL);
	assert_string_equal(r.text.s, "a中~  ");
	row_release(&r);
	row_init(&r, 10);
	row_add(&r, TE_TITLE, "左", 0);
	row_right(&r, TE_TITLE, "右边");
	assert_string_equal(r.text.s, "左    右边");
	row_release(&r);
	row_init(&r, 3);
	row_add(&r, TE_TITLE, "左", 0);
	row_right(&r, TE_TITLE, "右边"); /* does not fit: dropped */
	assert_string_equal(r.text.s, "左 ");
	row_release(&r);
}

int main(void)
{
	harness_env();
	i18n_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_every_width),
		cmocka_unit_test(test_row_odd_width),
		cmocka_unit_test(test_definitions_80x24),
		cmocka_unit_test(test_definitions_120x40),
		cmocka_unit_test(test_definitions_narrow),
		cmocka_unit_test(test_workflow_80x24),
		cmocka_unit_test(test_workflow_back),
		cmocka_unit_test(test_help_80x24),
		cmocka_unit_test(test_help_whole),
		cmocka_unit_test(test_help_relayout),
		cmocka_unit_test(test_unbound_key_message),
		cmocka_unit_test(test_quit),
	};
	return cmocka_run_group_tests_name("tui", tests, setup_store, teardown_store);
}
