/*
 * Themes: every problem reported at its line:col with a suggestion, keys
 * overriding the defaults, the shipped themes clean, and the compiled-in
 * default identical to themes/default.yaml.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "defs_helpers.h"
#include "defs/theme.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "yaml/ydoc.h"

/* Parse text as a theme; *out gets the theme, the return value every
 * diagnostic as "line:col: msg" lines. */
static char *parse(const char *text, struct theme **out)
{
	struct diags d = DIAGS_INIT;
	struct ydoc doc = YDOC_INIT;
	struct theme *t = NULL;
	if (!ydoc_load_buf(&doc, "t.yaml", text, strlen(text), &d))
		t = theme_parse(&doc, &d);
	char *lines = diags_lines(&d, 1);
	ydoc_release(&doc);
	if (out)
		*out = t;
	else
		theme_free(t);
	return lines;
}

#define HEAD "kind: theme\nid: t\nname: 测试\n"

struct bad_case {
	const char *text;
	const char *want;
};

static const struct bad_case bad_cases[] = {
	{ HEAD "colors:\n  titel: {fg: red}\n",
	  "5:3: unknown element 'titel' (did you mean 'title'?)\n" },
	{ HEAD "colors:\n  标题: {fg: red}\n",
	  "5:3: unknown element '标题'\n" },
	{ HEAD "colors:\n  title: {fg: rde, bg: bright-bleu}\n",
	  "5:15: unknown colour 'rde' (did you mean 'red'?)\n"
	  "5:24: unknown colour 'bright-bleu' (did you mean 'bright-blue'?)\n" },
	{ HEAD "colors:\n  title: {fg: color256}\n",
	  "5:15: unknown colour 'color256'\n" },
	{ HEAD "colors:\n  cursor: {attrs: [bold, revers, blink]}\n",
	  "5:26: unknown attribute 'revers' (did you mean 'reverse'?)\n"
	  "5:34: unknown attribute 'blink'\n" },
	{ HEAD "colors:\n  cursor: {attrs: bold}\n",
	  "5:19: 'attrs' must be a list, not a value\n" },
	{ HEAD "colors:\n  cursor: {fgg: red}\n",
	  "5:12: unknown key 'fgg' (did you mean 'fg'?)\n" },
	{ HEAD "colors:\n  cursor: red\n",
	  "5:11: 'cursor' must be a mapping, not a value\n" },
	{ HEAD "colors: [title]\n",
	  "4:9: 'colors' must be a mapping, not a list\n" },
	{ HEAD "keys:\n  qiut: [q]\n",
	  "5:3: unknown action 'qiut' (did you mean 'quit'?)\n" },
	{ HEAD "keys:\n  quit: q\n",
	  "5:9: keys for 'quit' must be a list, not a value\n" },
	{ HEAD "keys:\n  quit: [q, Ctrl-, F13]\n",
	  "5:13: unknown key name 'Ctrl-'\n5:20: unknown key name 'F13'\n" },
	{ HEAD "keys:\n  quit: [q, Q]\n  back: [Esc, q]\n",
	  "6:15: key 'q' is already bound to 'quit' on line 5\n" },
	{ HEAD "keys:\n  quit: [q, Q]\n  back:\n    - Escape\n    - Q\n",
	  "8:7: key 'Q' is already bound to 'quit' on line 5\n" },
	{ HEAD "keys:\n  quit: [q, q]\n",
	  "5:13: key 'q' is listed twice for 'quit'\n" },
	{ HEAD "keys:\n  quit: [a, b, c, d, e, f, g, h, i]\n",
	  "5:34: too many keys for 'quit' (at most 8)\n" },
	{ "kind: theme\nname: x\ncolour: {}\n",
	  "1:1: missing required key 'id'\n"
	  "3:1: unknown key 'colour' (did you mean 'colors'?)\n" },
	{ "kind: workflow\nid: x\n",
	  "1:7: kind 'workflow' is not 'theme'\n" },
	/* every problem in one file, not just the first */
	{ HEAD "colors:\n  titl: {fg: red}\n  status: {fg: blu}\nkeys:\n  hepl: [h]\n  open: [Entr]\n",
	  "5:3: unknown element 'titl' (did you mean 'title'?)\n"
	  "6:16: unknown colour 'blu' (did you mean 'blue'?)\n"
	  "8:3: unknown action 'hepl' (did you mean 'help'?)\n"
	  "9:10: unknown key name 'Entr'\n" },
};

static void test_errors(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char *got = parse(bad_cases[i].text, NULL);
		if (strcmp(got, bad_cases[i].want))
			print_message("case %zu:\ngot:\n%swant:\n%s", i, got, bad_cases[i].want), bad = 1;
		free(got);
	}
	if (bad)
		fail_msg("theme messages differ");
}

static void test_not_a_mapping(void **state)
{
	(void)state;
	struct theme *t;
	char *got = parse("- a\n- b\n", &t);
	assert_string_equal(got, "1:1: a theme must be a mapping, not a list\n");
	assert_null(t);
	free(got);
}

static void test_colors_resolved(void **state)
{
	(void)state;
	struct theme *t;
	char *got = parse(HEAD "colors:\n"
			  "  title: {fg: white, bg: blue, attrs: [bold]}\n"
			  "  overdue: {fg: bright-red, bg: color208, attrs: [bold, underline]}\n"
			  "  cursor: {attrs: [bold, normal, reverse]}\n", &t);
	assert_string_equal(got, "");
	assert_string_equal(t->id, "t");
	assert_string_equal(t->name, "测试");
	struct theme_color c = theme_color(t, TE_TITLE);
	assert_int_equal(c.fg, 7);
	assert_int_equal(c.bg, 4);
	assert_int_equal(c.attrs, THEME_BOLD);
	c = theme_color(t, TE_OVERDUE);
	assert_int_equal(c.fg, 9);
	assert_int_equal(c.bg, 208);
	assert_int_equal(c.attrs, THEME_BOLD | THEME_UNDERLINE);
	c = theme_color(t, TE_CURSOR); /* "normal" clears what came before it */
	assert_int_equal(c.attrs, THEME_REVERSE);
	assert_int_equal(c.fg, THEME_DEFAULT_COLOR);
	/* not named: the monochrome scheme */
	c = theme_color(t, TE_STATUS);
	assert_int_equal(c.fg, THEME_DEFAULT_COLOR);
	assert_int_equal(c.bg, THEME_DEFAULT_COLOR);
	assert_int_equal(c.attrs, THEME_REVERSE);
	assert_int_equal(theme_color(NULL, TE_HEADER).attrs, THEME_BOLD | THEME_UNDERLINE);
	assert_int_equal(theme_color_parse("default"), THEME_DEFAULT_COLOR);
	assert_int_equal(theme_color_parse("color0"), 0);
	assert_int_equal(theme_color_parse("color07"), -2);
	assert_int_equal(theme_elem_lookup("diff-add"), TE_DIFF_ADD);
	assert_string_equal(theme_elem_name(TE_TAB_ACTIVE), "tab-active");
	free(got);
	theme_free(t);
}

static void test_keys_override(void **state)
{
	(void)state;
	struct theme *t;
	char *got = parse(HEAD "keys:\n  quit: [q, Q, Ctrl-C]\n  move-down: [j, Down, Ctrl-N]\n"
			  "  approve: []\n", &t);
	assert_string_equal(got, "");
	struct keymap km;
	theme_keymap(t, &km);
	assert_int_equal(keymap_action(&km, 'q'), ACT_QUIT);
	assert_int_equal(keymap_action(&km, KEYC_CTRL('C')), ACT_QUIT);
	assert_int_equal(keymap_action(&km, KEYC_CTRL('N')), ACT_MOVE_DOWN);
	assert_int_equal(keymap_action(&km, 'a'), ACT_NONE); /* unbound */
	assert_int_equal(keymap_action(&km, 'k'), ACT_MOVE_UP); /* untouched default */
	struct buf b = BUF_INIT;
	keymap_describe(&km, ACT_BACK, ", ", &b); /* lost 'q' to quit */
	assert_string_equal(b.s, "Esc");
	buf_release(&b);
	free(got);
	theme_free(t);
}

/* Load a shipped theme from the repository (tests run from its root). */
static struct theme *load_shipped(const char *path)
{
	struct diags d = DIAGS_INIT;
	struct theme *t = theme_load(path, &d);
	if (d.n) {
		diags_print(&d, stderr);
		fail_msg("'%s' is not clean", path);
	}
	diags_release(&d);
	assert_non_null(t);
	return t;
}

static void test_shipped_clean(void **state)
{
	(void)state;
	static const char *const files[] = {
		"themes/default.yaml", "themes/high-contrast.yaml", "themes/monochrome.yaml",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct theme *t = load_shipped(files[i]);
		for (int e = 0; e < TE_COUNT; e++)
			if (!t->has_color[e])
				fail_msg("'%s' leaves out '%s'", files[i], theme_elem_name((enum theme_elem)e));
		theme_free(t);
	}
}

/* themes/monochrome.yaml spells out exactly the built-in monochrome scheme. */
static void test_monochrome_matches(void **state)
{
	(void)state;
	struct theme *t = load_shipped("themes/monochrome.yaml");
	for (int e = 0; e < TE_COUNT; e++) {
		struct theme_color a = theme_color(t, (enum theme_elem)e);
		struct theme_color b = theme_mono((enum theme_elem)e);
		if (a.fg != b.fg || a.bg != b.bg || a.attrs != b.attrs)
			fail_msg("'%s' differs from the built-in monochrome scheme",
				 theme_elem_name((enum theme_elem)e));
	}
	theme_free(t);
}

/* The compiled-in default is the shipped file, and its keys are keys.def's. */
static void test_default_compiled_in(void **state)
{
	(void)state;
	struct buf file = BUF_INIT;
	assert_int_equal(read_file("themes/default.yaml", 1 << 20, &file), 0);
	size_t len;
	const char *text = theme_default_text(&len);
	assert_int_equal(len, file.len);
	assert_memory_equal(text, file.s, len);
	assert_int_equal(text[len], '\0');
	buf_release(&file);

	struct theme *t = theme_default();
	assert_string_equal(t->id, "default");
	struct keymap with, defaults;
	theme_keymap(t, &with);
	keymap_defaults(&defaults);
	for (int a = 0; a < ACT_COUNT; a++) {
		if (t->nkeys[a] < 0)
			fail_msg("themes/default.yaml does not list '%s'",
				 action_info((enum action)a)->name);
		struct buf x = BUF_INIT, y = BUF_INIT;
		keymap_describe(&with, (enum action)a, " ", &x);
		keymap_describe(&defaults, (enum action)a, " ", &y);
		if (strcmp(x.s, y.s))
			fail_msg("'%s': themes/default.yaml has '%s', keys.def '%s'",
				 action_info((enum action)a)->name, x.s, y.s);
		buf_release(&x);
		buf_release(&y);
	}
	theme_free(t);
}

static void test_load_missing(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	assert_null(theme_load("themes/no-such-theme.yaml", &d));
	assert_int_equal(diags_errors(&d), 1);
	diags_release(&d);
}

int main(void)
{
	i18n_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_not_a_mapping),
		cmocka_unit_test(test_colors_resolved),
		cmocka_unit_test(test_keys_override),
		cmocka_unit_test(test_shipped_clean),
		cmocka_unit_test(test_monochrome_matches),
		cmocka_unit_test(test_default_compiled_in),
		cmocka_unit_test(test_load_missing),
	};
	return cmocka_run_group_tests_name("theme", tests, NULL, NULL);
}
