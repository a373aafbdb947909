/*
 * The action table and key names: every default parses, names round-trip,
 * the keymap gives each key one action, and rebinding takes a key away
 * from its old action.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "defs/keys.h"
#include "util/buf.h"
#include "util/i18n.h"

/* key_format as a fresh string */
static char *name_of(int key)
{
	struct buf b = BUF_INIT;
	key_format(&b, key);
	return buf_detach(&b);
}

struct parse_case {
	const char *name;
	int code;
	const char *canonical; /* what key_format gives back */
};

static const struct parse_case parse_cases[] = {
	{ "q", 'q', "q" },
	{ "Q", 'Q', "Q" },
	{ "?", '?', "?" },
	{ "/", '/', "/" },
	{ "+", '+', "+" },
	{ "审", 0x5ba1, "审" },
	{ "Ctrl-R", KEYC_CTRL('R'), "Ctrl-R" },
	{ "C-r", KEYC_CTRL('R'), "Ctrl-R" },
	{ "^r", KEYC_CTRL('R'), "Ctrl-R" },
	{ "ctrl-l", KEYC_CTRL('L'), "Ctrl-L" },
	{ "Ctrl-I", KEYC_TAB, "Tab" },
	{ "Ctrl-M", KEYC_ENTER, "Enter" },
	{ "Ctrl-[", KEYC_ESC, "Esc" },
	{ "F1", KEYC_F(1), "F1" },
	{ "f12", KEYC_F(12), "F12" },
	{ "Enter", KEYC_ENTER, "Enter" },
	{ "Return", KEYC_ENTER, "Enter" },
	{ "Esc", KEYC_ESC, "Esc" },
	{ "escape", KEYC_ESC, "Esc" },
	{ "Tab", KEYC_TAB, "Tab" },
	{ "BackTab", KEYC_BACKTAB, "BackTab" },
	{ "Space", ' ', "Space" },
	{ "Up", KEYC_UP, "Up" },
	{ "DOWN", KEYC_DOWN, "Down" },
	{ "Left", KEYC_LEFT, "Left" },
	{ "Right", KEYC_RIGHT, "Right" },
	{ "PgUp", KEYC_PGUP, "PgUp" },
	{ "PageDown", KEYC_PGDN, "PgDn" },
	{ "Home", KEYC_HOME, "Home" },
	{ "End", KEYC_END, "End" },
	{ "Backspace", KEYC_BACKSPACE, "Backspace" },
	{ "Delete", KEYC_DELETE, "Delete" },
};

static void test_parse_and_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		int got = key_parse(c->name);
		if (got != c->code)
			fail_msg("'%s': got %#x want %#x", c->name, got, c->code);
		char *back = name_of(got);
		if (strcmp(back, c->canonical))
			fail_msg("'%s': formatted as '%s' want '%s'", c->name, back, c->canonical);
		assert_int_equal(key_parse(back), got);
		free(back);
	}
}

static void test_bad_names(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "Ctrl-", "Ctrl-RR", "C-1", "F0", "F13", "F01", "Fx", "Upp", "qq",
		"中文", "\t", "\x7f", "Ctrl-中", "Shift-Q",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (key_parse(bad[i]) != -1)
			fail_msg("'%s' should not parse", bad[i]);
	assert_int_equal(key_parse(NULL), -1);
}

/* Every code a name can produce formats to a name that parses back to it. */
static void test_round_trip_all(void **state)
{
	(void)state;
	int codes[] = { KEYC_ENTER, KEYC_BACKTAB, KEYC_BACKSPACE, KEYC_DELETE, KEYC_UP,
			KEYC_DOWN, KEYC_LEFT, KEYC_RIGHT, KEYC_PGUP, KEYC_PGDN, KEYC_HOME,
			KEYC_END, KEYC_TAB, KEYC_ESC, KEYC_SPACE };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		char *n = name_of(codes[i]);
		assert_int_equal(key_parse(n), codes[i]);
		free(n);
	}
	for (int f = 1; f <= 12; f++) {
		char *n = name_of(KEYC_F(f));
		assert_int_equal(key_parse(n), KEYC_F(f));
		free(n);
	}
	for (int c = 'A'; c <= '_'; c++) {
		char *n = name_of(KEYC_CTRL(c));
		int want = KEYC_CTRL(c) == '\r' || KEYC_CTRL(c) == '\n' ? KEYC_ENTER : KEYC_CTRL(c);
		assert_int_equal(key_parse(n), want);
		free(n);
	}
	for (int c = 0x21; c < 0x7f; c++) {
		char *n = name_of(c);
		assert_int_equal(key_parse(n), c);
		free(n);
	}
}

static void test_action_table(void **state)
{
	(void)state;
	static const char *const want[] = {
		"quit", "move-down", "move-up", "page-down", "page-up", "first", "last",
		"open", "back", "help", "search", "command", "refresh", "next-tab",
		"prev-tab", "approve", "reject", "return", "transfer", "delegate",
		"add-signer", "circulate", "urge", "withdraw", "new-request", "diff", "history",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		enum action a = action_lookup(want[i]);
		if (a == ACT_NONE)
			fail_msg("no action '%s'", want[i]);
		assert_string_equal(action_info(a)->name, want[i]);
		assert_non_null(action_info(a)->help);
	}
	assert_int_equal(action_lookup("nothing"), ACT_NONE);
	assert_null(action_info(ACT_NONE));
	assert_null(action_info(ACT_COUNT));
	const char *const *names = action_names();
	size_t n = 0;
	while (names[n])
		n++;
	assert_int_equal(n, ACT_COUNT);
}

/* The defaults: every key parses and no key has two actions. */
static void test_defaults(void **state)
{
	(void)state;
	struct keymap km;
	keymap_defaults(&km);
	for (int a = 0; a < ACT_COUNT; a++) {
		const struct action_info *ai = action_info((enum action)a);
		struct buf b = BUF_INIT;
		keymap_describe(&km, (enum action)a, " ", &b);
		if (strcmp(b.s, ai->keys))
			fail_msg("'%s': keys '%s' want '%s' (a key bound twice in keys.def?)",
				 ai->name, b.s, ai->keys);
		buf_release(&b);
	}
	assert_int_equal(keymap_action(&km, 'j'), ACT_MOVE_DOWN);
	assert_int_equal(keymap_action(&km, KEYC_DOWN), ACT_MOVE_DOWN);
	assert_int_equal(keymap_action(&km, KEYC_ENTER), ACT_OPEN);
	assert_int_equal(keymap_action(&km, 'q'), ACT_BACK);
	assert_int_equal(keymap_action(&km, 'Q'), ACT_QUIT);
	assert_int_equal(keymap_action(&km, '?'), ACT_HELP);
	assert_int_equal(keymap_action(&km, KEYC_F(1)), ACT_HELP);
	assert_int_equal(keymap_action(&km, KEYC_CTRL('L')), ACT_REFRESH);
	assert_int_equal(keymap_action(&km, 'Z'), ACT_NONE);
}

/* Binding a key elsewhere takes it away from its old action. */
static void test_rebind_moves_key(void **state)
{
	(void)state;
	struct keymap km;
	keymap_defaults(&km);
	int keys[] = { 'q', 'Q' };
	keymap_set(&km, ACT_QUIT, keys, 2);
	assert_int_equal(keymap_action(&km, 'q'), ACT_QUIT);
	struct buf b = BUF_INIT;
	keymap_describe(&km, ACT_BACK, ", ", &b);
	assert_string_equal(b.s, "Esc");
	buf_reset(&b);
	keymap_set(&km, ACT_BACK, NULL, 0);
	keymap_describe(&km, ACT_BACK, ", ", &b);
	assert_string_equal(b.s, "");
	assert_int_equal(keymap_action(&km, KEYC_ESC), ACT_NONE);
	buf_release(&b);
}

int main(void)
{
	i18n_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_round_trip_all),
		cmocka_unit_test(test_action_table),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_rebind_moves_key),
	};
	return cmocka_run_group_tests_name("keys", tests, NULL, NULL);
}
