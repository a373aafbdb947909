/*
 * TUI snapshots of the approval screens — the inbox (every tab), a
 * request, the approve dialog and the new-request form — at 80x24 and
 * 120x40, on a real temporary store with the shipped definitions deployed
 * (defset, as `docket deploy`) and requests made through engine_act() at
 * pinned times, so ids and screens are stable. Keys come from a script
 * (struct tui's `script`): a key name, "=TEXT" types TEXT, "@NAME" checks
 * the screen against tests/unit/screens/NAME.txt at that moment — inside
 * a dialog too. DOCKET_UPDATE_SCREENS=1 rewrites the expected screens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>
#include <wchar.h>

#include "../../src/tui/cmdline.c"
#include "../../src/tui/dialog.c"
#include "../../src/tui/edit.c"
#include "../../src/tui/row.c"
#include "../../src/tui/search.c"
#include "../../src/tui/tabs.c"
#include "../../src/tui/tdefs.c"
#include "../../src/tui/tui.c"
#include "../../src/tui/view_def.c"
#include "../../src/tui/view_defs.c"
#include "../../src/tui/view_help.c"
#include "../../src/tui/view_inbox.c"
#include "../../src/tui/view_new.c"
#include "../../src/tui/view_pager.c"
#include "../../src/tui/view_request.c"

#include "defs/defset.h"
#include "util/fsutil.h"

static char tmpdir[] = "/tmp/docket-test-tui-inbox-XXXXXX";
static struct store *store;
static struct engine *eng;

/* The current version hash of (kind, id); "" when none. */
static void current_hash(const char *kind, const char *id, char *out)
{
	struct store_def sd;
	assert_int_equal(store_def_get(store, kind, id, &sd), 0);
	strcpy(out, sd.hash);
	store_def_release(&sd);
}

static int org_hash_cb(void *ctx, const struct store_def *d)
{
	if (!strcmp(d->kind, "organisation"))
		strcpy(ctx, d->hash);
	return 0;
}

/* A new request at time `now` by `user`; returns its id (caller frees). */
static char *create(const char *uuid, const char *now, const char *user, const char *wf,
		    const char *title, json_t *data, int draft)
{
	char wh[HASH_HEX_LEN + 1], fh[HASH_HEX_LEN + 1], oh[HASH_HEX_LEN + 1] = "";
	current_hash("workflow", wf, wh);
	current_hash("form", wf, fh);
	store_def_list(store, 0, org_hash_cb, oh);
	setenv("DOCKET_NOW", now, 1);
	json_t *p = json_object();
	json_object_set_new(p, "workflow", json_string(wf));
	json_object_set_new(p, "workflow_version", json_string(wh));
	json_object_set_new(p, "form_version", json_string(fh));
	json_object_set_new(p, "org_version", json_string(oh));
	json_object_set_new(p, "title", json_string(title));
	json_object_set_new(p, "data", data);
	json_object_set_new(p, "draft", json_boolean(draft));
	char *id = NULL;
	int rc = engine_act(eng, uuid, "instance.created", user, p, &id);
	if (rc)
		fail_msg("create '%s': %s", title, engine_error(eng));
	json_decref(p);
	return id;
}

/* `user` approves their task in request `id` with an opinion at time `now`. */
static void approve(const char *uuid, const char *now, const char *user, const char *id, const char *op)
{
	char *task = NULL;
	setenv("DOCKET_NOW", now, 1);
	if (engine_my_task(eng, user, id, &task))
		fail_msg("no task for '%s' in '%s': %s", user, id, engine_error(eng));
	json_t *p = json_pack("{s:s, s:s}", "task", task, "opinion", op);
	if (engine_act(eng, uuid, "task.approved", user, p, NULL))
		fail_msg("approve: %s", engine_error(eng));
	json_decref(p);
	free(task);
}

static int setup_store(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	setenv("HOME", tmpdir, 1);
	struct buf dir = BUF_INIT, err = BUF_INIT;
	buf_addf(&dir, "%s/store", tmpdir);
	if (store_init(dir.s, &err) || store_open(dir.s, 0, &store, &err))
		fail_msg("store: %s", err.s);
	struct defset set = DEFSET_INIT;
	struct diags d = DIAGS_INIT;
	defset_add_path(&set, "workflows", &d);
	defset_add_path(&set, "forms", &d);
	if (defset_check(&set, &d))
		fail_msg("the shipped definitions do not check");
	struct deploy_result *res = NULL;
	size_t n = 0;
	if (defset_deploy(&set, store, "luo.bin", &res, &n))
		fail_msg("deploy: %s", store_error(store));
	free(res);
	defset_release(&set);
	diags_release(&d);
	eng = engine_new(store);
	/* an incoming document from last week: overdue by now */
	free(create("00000000-0000-4000-8000-000000000001", "2026-02-27T09:00:00+08:00", "zhao.lei",
		    "incoming", "关于开展政务服务检查的通知",
		    json_pack("{s:s, s:s, s:s, s:s}", "source_organ", "省人民政府办公厅", "title",
			      "关于开展政务服务检查的通知", "received", "2026-02-27", "urgency", "normal"),
		    0));
	/* an extra urgent one with a title too long for any column */
	free(create("00000000-0000-4000-8000-000000000002", "2026-03-02T09:00:00+08:00", "zhao.lei",
		    "incoming", "关于做好2026年春季森林防火工作的紧急通知（请各区县人民政府、市直各部门认真贯彻落实）",
		    json_pack("{s:s, s:s, s:s, s:s, s:s}", "source_organ", "省应急管理厅", "title",
			      "关于做好2026年春季森林防火工作的紧急通知（请各区县人民政府、市直各部门认真贯彻落实）",
			      "received", "2026-03-02", "urgency", "extra_urgent", "deadline", "2026-03-05"),
		    0));
	/* wang.fang's outgoing document, approved at the first step */
	char *out = create("00000000-0000-4000-8000-000000000003", "2026-03-02T09:05:00+08:00", "wang.fang",
			   "outgoing", "关于召开全市安全生产会议的通知",
			   json_pack("{s:s, s:s, s:s, s:s}", "doc_type", "notice", "title",
				     "关于召开全市安全生产会议的通知", "urgency", "urgent", "main_recipients",
				     "各区县人民政府、市直各部门"),
			   0);
	approve("00000000-0000-4000-8000-000000000004", "2026-03-02T09:10:00+08:00", "zhao.lei", out,
		"同意，请秘书长签发");
	/* circulated to wang.fang for reading (if the rules allow it) */
	setenv("DOCKET_NOW", "2026-03-02T09:12:00+08:00", 1);
	json_t *p = json_pack("{s:s, s:[s]}", "instance", out, "users", "wang.fang");
	engine_act(eng, "00000000-0000-4000-8000-000000000005", "instance.circulated", "zhou.min", p, NULL);
	json_decref(p);
	free(out);
	/* and a draft */
	free(create("00000000-0000-4000-8000-000000000006", "2026-03-02T09:20:00+08:00", "wang.fang", "leave",
		    "请假 - 王芳",
		    json_pack("{s:s, s:s, s:s, s:s}", "type", "personal", "start", "2026-04-07", "end",
			      "2026-04-08", "reason", "家中有事"),
		    1));
	setenv("DOCKET_NOW", "2026-03-02T09:30:00+08:00", 1);
	int fired;
	engine_tick(eng, clock_now(), &fired);
	buf_release(&dir);
	buf_release(&err);
	return 0;
}

static int teardown_store(void **state)
{
	(void)state;
	engine_free(eng);
	store_close(store);
	struct buf cmd = BUF_INIT;
	buf_addf(&cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd.s)) {
		/* a stale temp dir is harmless */
	}
	buf_release(&cmd);
	return 0;
}

/* A curses screen on /dev/null of a fixed size. */
struct term {
	SCREEN *scr;
	FILE *out, *in;
};

static void term_open(struct term *tm, int rows, int cols)
{
	tm->out = fopen("/dev/null", "w");
	tm->in = fopen("/dev/null", "r");
	assert_non_null(tm->out);
	assert_non_null(tm->in);
	tm->scr = newterm("xterm-256color", tm->out, tm->in);
	assert_non_null(tm->scr);
	set_term(tm->scr);
	resizeterm(rows, cols);
}

static void term_close(struct term *tm)
{
	endwin();
	delscreen(tm->scr);
	fclose(tm->out);
	fclose(tm->in);
}

/* Append one code point as UTF-8. */
static void put_utf8(struct buf *b, wchar_t wc)
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
static char *dump_screen(void)
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

/* Compare with tests/unit/screens/NAME.txt (or rewrite it when asked). */
static void check_screen(const char *name)
{
	char *got = dump_screen();
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

/* The key script: key names, "=TEXT" to type, "@NAME" to check the screen. */
struct script {
	const char *const *keys;
	size_t at;
	const char *text;      /* what "=TEXT" still has to type */
	int ends;              /* reads past the end */
	int armed;             /* "@NAME" seen: one redraw first, then the check */
};

static int script_key(struct tui *t, void *ctx)
{
	(void)t;
	struct script *s = ctx;
	for (;;) {
		if (s->text && *s->text) {
			uint32_t cp;
			s->text += utf8_decode(s->text, &cp);
			return (int)cp;
		}
		const char *k = s->keys[s->at];
		if (!k) {
			/* the top loop stops; a dialog still open is cancelled */
			if (++s->ends > 100)
				fail_msg("the script ended inside a loop that does not close");
			return s->ends == 1 ? TUI_NOKEY : KEYC_ESC;
		}
		if (k[0] == '@' && k[1] && !s->armed) {
			/* no key this time, so whatever loop is reading draws the screen */
			s->armed = 1;
			return TUI_NOKEY;
		}
		s->at++;
		if (k[0] == '@' && k[1]) {
			s->armed = 0;
			check_screen(k + 1);
			continue;
		}
		if (k[0] == '=' && k[1]) {
			s->text = k + 1;
			continue;
		}
		int key = key_parse(k);
		if (key < 0)
			fail_msg("bad key '%s' in the script", k);
		return key;
	}
}

/* Run the TUI on a rows x cols screen through the key script, from the inbox. */
static void run(int rows, int cols, const char *const *keys)
{
	struct term tm;
	struct tui t;
	struct script s = { keys, 0, NULL, 0, 0 };
	term_open(&tm, rows, cols);
	assert_int_equal(tui_setup(&t, store, "wang.fang", NULL), 0);
	setup_colors(&t);
	t.script = script_key;
	t.script_ctx = &s;
	assert_int_equal(tui_push(&t, &inbox_view_ops, NULL), 0);
	while (!t.quit && (keys[s.at] || (s.text && *s.text))) {
		tui_draw(&t);
		int key = tui_read_key(&t);
		if (key >= 0)
			tui_key(&t, key);
	}
	tui_teardown(&t);
	term_close(&tm);
}

static void test_inbox_tabs_80x24(void **state)
{
	(void)state;
	static const char *const keys[] = { "@inbox-todo-80x24", "Tab", "@inbox-done-80x24", "Tab",
					    "@inbox-mine-80x24", "Tab", "@inbox-toread-80x24", NULL };
	run(24, 80, keys);
}

static void test_inbox_tabs_120x40(void **state)
{
	(void)state;
	static const char *const keys[] = { "@inbox-todo-120x40", "Tab", "@inbox-done-120x40", "Tab",
					    "@inbox-mine-120x40", "Tab", "@inbox-toread-120x40", NULL };
	run(40, 120, keys);
}

/* `sort` cycles the order; `/` keeps matching rows. */
static void test_inbox_sort_filter(void **state)
{
	(void)state;
	static const char *const keys[] = { "o", "@inbox-sorted-80x24", "/", "=森林", "Enter",
					    "@inbox-filter-80x24", NULL };
	run(24, 80, keys);
}

static void test_request_view(void **state)
{
	(void)state;
	static const char *const k80[] = { "Tab", "Tab", "j", "Enter", "@request-80x24", "Space",
					   "@request-end-80x24", NULL };
	run(24, 80, k80);
	static const char *const k120[] = { "Tab", "Tab", "j", "Enter", "@request-120x40", NULL };
	run(40, 120, k120);
}

static void test_approve_dialog(void **state)
{
	(void)state;
	static const char *const k80[] = { "a", "=同意", "@approve-80x24", "Esc", NULL };
	run(24, 80, k80);
	static const char *const k120[] = { "a", "Ctrl-O", "@opinions-120x40", "Esc", "=拟同意",
					    "@approve-120x40", "Esc", NULL };
	run(40, 120, k120);
}

static void test_new_request_form(void **state)
{
	(void)state;
	static const char *const k80[] = { "+", "/", "=请假", "@new-pick-80x24", "Enter",
					   "@new-leave-80x24", "Enter", "@new-invalid-80x24", "Esc", NULL };
	run(24, 80, k80);
	static const char *const k120[] = { "+", "/", "=发文", "Enter", "@new-outgoing-120x40",
					    "Esc", NULL };
	run(40, 120, k120);
}

/* Screen-reader mode: the terminal cursor sits on the selected row. */
static void test_screen_reader_cursor(void **state)
{
	(void)state;
	struct term tm;
	struct tui t;
	setenv("DOCKET_SCREEN_READER", "1", 1);
	term_open(&tm, 24, 80);
	assert_int_equal(tui_setup(&t, store, "wang.fang", NULL), 0);
	setup_colors(&t);
	assert_int_equal(tui_push(&t, &inbox_view_ops, NULL), 0);
	tui_key(&t, key_parse("j"));
	tui_draw(&t);
	int y, x;
	getyx(stdscr, y, x);
	assert_int_equal(y, t.body_y + 1);
	assert_int_equal(x, 0);
	tui_teardown(&t);
	term_close(&tm);
	unsetenv("DOCKET_SCREEN_READER");
}

/* Is task `task` in wang.fang's inbox `which`? */
static int task_in(enum inbox_kind which, const char *task)
{
	json_t *a = engine_inbox(eng, "wang.fang", which);
	size_t i;
	json_t *o;
	int found = 0;
	json_array_foreach(a, i, o)
		found |= !strcmp(json_string_value(json_object_get(o, "task")), task);
	json_decref(a);
	return found;
}

/* Approving from the inbox: the item leaves 待办 and is in 已办. */
static void test_approve_from_inbox(void **state)
{
	(void)state;
	/* the overdue one is first by deadline */
	json_t *todo = engine_inbox(eng, "wang.fang", INBOX_TODO);
	char *task = NULL;
	size_t i;
	json_t *o;
	json_array_foreach(todo, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "title")), "关于开展政务服务检查的通知"))
			task = xstrdup(json_string_value(json_object_get(o, "task")));
	json_decref(todo);
	assert_non_null(task);
	assert_false(task_in(INBOX_DONE, task));
	static const char *const keys[] = { "a", "=同意", "Tab", "Enter", "@approved-80x24", NULL };
	run(24, 80, keys);
	assert_false(task_in(INBOX_TODO, task));
	assert_true(task_in(INBOX_DONE, task));
	free(task);
}

/* A refusal shows the engine's message in the dialog and leaves the screen usable. */
static void test_refusal_in_dialog(void **state)
{
	(void)state;
	/* withdrawing someone else's request: the engine says no */
	static const char *const keys[] = { "W", "Tab", "Enter", "@refused-80x24", "Esc", "j",
					    "@after-refusal-80x24", NULL };
	run(24, 80, keys);
}

int main(void)
{
	setenv("TZ", "Asia/Shanghai", 1);
	setenv("LC_ALL", "C.UTF-8", 1);
	setenv("LANG", "C.UTF-8", 1);
	unsetenv("LANGUAGE");
	setenv("DOCKET_NOW", "2026-03-02T09:30:00+08:00", 1);
	setenv("TERM", "xterm-256color", 1);
	unsetenv("NO_COLOR");
	unsetenv("DOCKET_SCREEN_READER");
	unsetenv("DOCKET_KEYS");
	unsetenv("LINES");
	unsetenv("COLUMNS");
	i18n_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbox_tabs_80x24),
		cmocka_unit_test(test_inbox_tabs_120x40),
		cmocka_unit_test(test_inbox_sort_filter),
		cmocka_unit_test(test_request_view),
		cmocka_unit_test(test_approve_dialog),
		cmocka_unit_test(test_new_request_form),
		cmocka_unit_test(test_screen_reader_cursor),
		cmocka_unit_test(test_refusal_in_dialog),
		cmocka_unit_test(test_approve_from_inbox),
	};
	return cmocka_run_group_tests_name("tui-inbox", tests, setup_store, teardown_store);
}
