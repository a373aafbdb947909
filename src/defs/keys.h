/*
 * keys: actions, key names and the keymap that joins them.
 *
 * The actions come from keys.def (one X-macro table: name, default keys,
 * help text). Key codes are docket's own and independent of curses, so the
 * definition layer can parse and check `keys:` in a theme; the TUI maps
 * what ncurses returns onto these codes.
 *
 * A key code is either a Unicode code point (printable characters, and the
 * control codes 1..31 for Ctrl-A..Ctrl-_, Tab and Esc) or one of the
 * KEYC_* values above U+10FFFF for keys that have no character.
 */
#ifndef DOCKET_KEYS_H
#define DOCKET_KEYS_H

#include <stddef.h>

struct buf;

enum action {
	ACT_NONE = -1,
#define ACTION(id, name, group, keys, help) ACT_##id,
#include "keys.def"
#undef ACTION
	ACT_COUNT
};

/* Where the help screen lists an action. */
enum keygroup {
	KEYGROUP_GENERAL, KEYGROUP_MOVE, KEYGROUP_VIEW, KEYGROUP_APPROVAL, KEYGROUP_EDIT,
	KEYGROUP_COUNT
};

struct action_info {
	const char *name;     /* "move-down" */
	enum keygroup group;  /* help screen section */
	const char *keys;     /* default key names, space separated */
	const char *help;     /* untranslated; pass through _() to show */
};

/* Key codes for keys without a character. */
#define KEYC_TAB       9
#define KEYC_ESC       27
#define KEYC_SPACE     32
#define KEYC_BASE      0x110000
#define KEYC_ENTER     (KEYC_BASE + 1)
#define KEYC_BACKTAB   (KEYC_BASE + 2)
#define KEYC_BACKSPACE (KEYC_BASE + 3)
#define KEYC_DELETE    (KEYC_BASE + 4)
#define KEYC_UP        (KEYC_BASE + 5)
#define KEYC_DOWN      (KEYC_BASE + 6)
#define KEYC_LEFT      (KEYC_BASE + 7)
#define KEYC_RIGHT     (KEYC_BASE + 8)
#define KEYC_PGUP      (KEYC_BASE + 9)
#define KEYC_PGDN      (KEYC_BASE + 10)
#define KEYC_HOME      (KEYC_BASE + 11)
#define KEYC_END       (KEYC_BASE + 12)
#define KEYC_F0        (KEYC_BASE + 0x100)  /* KEYC_F(1)..KEYC_F(12) */
#define KEYC_F(n)      (KEYC_F0 + (n))
#define KEYC_CTRL(c)   ((c) & 0x1f)         /* KEYC_CTRL('R') */

/* The table row of an action, or NULL when out of range. */
const struct action_info *action_info(enum action a);
/* The action called `name`, or ACT_NONE. */
enum action action_lookup(const char *name);
/* Every action name, NULL-terminated (for "did you mean"). */
const char *const *action_names(void);

/*
 * Parse a key name: a single character ("q", "Q", "?", "审"), "Ctrl-R" /
 * "C-r" / "^R", "F1".."F12", or one of Enter, Esc, Tab, BackTab, Space,
 * Up, Down, Left, Right, PgUp, PgDn, Home, End, Backspace, Delete (named
 * keys ignore case). Returns the key code, or -1 if the name is unknown.
 */
int key_parse(const char *name);
/* Append the canonical name of `key` (what key_parse reads back). */
void key_format(struct buf *out, int key);

/* Most keys one action can have. */
#define KEYMAP_MAX_KEYS 8

/* Keys for every action; each key belongs to at most one action. */
struct keymap {
	int keys[ACT_COUNT][KEYMAP_MAX_KEYS]; /* key codes, in the order given */
	int n[ACT_COUNT];                     /* keys used per action */
};

/* Fill with the defaults from keys.def. */
void keymap_defaults(struct keymap *km);
/*
 * Replace the keys of action `a` with keys[0..n) (n <= KEYMAP_MAX_KEYS).
 * A key taken from another action is removed from it, so the last binding
 * wins and a key never means two things.
 */
void keymap_set(struct keymap *km, enum action a, const int *keys, size_t n);
/* The action bound to `key`, or ACT_NONE. */
enum action keymap_action(const struct keymap *km, int key);
/* Append the key names of `a` separated by `sep` ("j, Down"). */
void keymap_describe(const struct keymap *km, enum action a, const char *sep, struct buf *out);

#endif
