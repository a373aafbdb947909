/*
 * widget: the reusable TUI building blocks (internal to src/tui/).
 *
 *   edit     a line editor, single- or multi-line, for Chinese text
 *   tabs     a tab bar with counts, drawn by columns
 *   dialog   a centred box of fields with OK/Cancel; a confirm dialog
 *   picker   choose one of N items, with `/` filtering
 *   prompt   one editable line on the bottom row (`:` and `/`)
 *   cmdline  shell-like word splitting and running a docket verb
 *
 * Widgets get docket key codes (keys.h) and turn them into actions through
 * the keymap; only the editor's printable-character path looks at the key
 * itself. Each interactive widget has an event core (`*_key`, `*_draw`)
 * that tests drive key by key, and a blocking `*_run` for callers, which
 * reads keys with wget_wch() and redraws on KEY_RESIZE. Rendering goes
 * through struct row (view.h), so nothing is ever drawn past an edge or
 * into half of a double-width character.
 */
#ifndef DOCKET_TUI_WIDGET_H
#define DOCKET_TUI_WIDGET_H

#include <signal.h>
#include <stddef.h>

#include "view.h"

/* ---- edit: the line editor (edit.c) ---- */

struct edit {
	struct buf text;    /* the contents: sanitized UTF-8 ('\n' only when multiline) */
	size_t cur;         /* cursor: byte offset into text, on a character boundary */
	size_t scroll;      /* single-line: first column shown; multi-line: first row shown */
	size_t max_chars;   /* most characters accepted; 0 for no limit */
	int multiline;      /* 1: newlines allowed, long lines wrap by columns */
	int full;           /* 1: the last insertion was cut at max_chars */
	size_t width;       /* columns at the last render (for up/down); 0 before */
	int secret;         /* 1: a passphrase — drawn as one '*' per character, wiped when it changes */
};

/* Set up an empty editor (no allocation). */
void edit_init(struct edit *e, int multiline, size_t max_chars);
/* Free the text (wiped first when secret); the editor is empty and usable again. */
void edit_release(struct edit *e);
/*
 * Make e a passphrase editor (single line, empty): drawn as '*'s, its text
 * kept in one allocation that is wiped whenever text leaves it, so no copy
 * of a passphrase is left in freed memory. Call right after edit_init.
 */
void edit_secret(struct edit *e);
/* Replace the text (sanitized, cut at max_chars); the cursor goes to the end. */
void edit_set(struct edit *e, const char *s);
/*
 * Insert `s` at the cursor: control and bidi characters are dropped,
 * newlines become spaces in a single-line editor. Stops at max_chars
 * (and sets `full`). Returns the number of characters inserted.
 */
size_t edit_insert(struct edit *e, const char *s);
/* Run an editing action; 1 when the editor used it, 0 when it is not its. */
int edit_action(struct edit *e, enum action a);
/*
 * Handle a key: an action of the edit group, else a printable character
 * (typed), else the other actions the editor understands (first, last,
 * move-up, move-down). Returns 1 when handled; otherwise 0 and *out is the
 * key's action (or ACT_NONE) for the caller: open, back, next-tab, ...
 */
int edit_key(struct edit *e, const struct keymap *km, int key, enum action *out);
/* The cursor column from the start of its (hard) line, in display columns. */
size_t edit_cursor_col(const struct edit *e);
/*
 * Render `height` rows of `width` columns into rows[] (each row_init'ed by
 * the caller to `width`), scrolling so the cursor is visible; a single-line
 * editor uses rows[0] only. Sets *cy and *cx to the cursor's row and column.
 */
void edit_render(struct edit *e, struct row *rows, size_t width, size_t height,
		 enum theme_elem elem, size_t *cy, size_t *cx);

/* Does `key` type a character (not a control, bidi or special key)? */
int key_is_printable(int key);
/* Is `needle` in `hay`? ASCII letters match either case; "" matches anything. */
int text_match(const char *hay, const char *needle);

/* ---- tabs: the tab bar (tabs.c) ---- */

struct tab {
	char *label;        /* translated label; owned */
	long count;         /* shown after the label; < 0 for none */
};

struct tabs {
	struct tab *v;      /* the tabs in order */
	size_t n, alloc;
	size_t active;      /* the selected tab */
	size_t *xs;         /* start column of each tab at the last render (SIZE_MAX: hidden) */
	size_t nxs;         /* entries in xs */
};

void tabs_init(struct tabs *tb);
void tabs_release(struct tabs *tb);
/* Add a tab; returns its index. */
size_t tabs_add(struct tabs *tb, const char *label, long count);
/* Change a tab's count. */
void tabs_set_count(struct tabs *tb, size_t i, long count);
/* next-tab / prev-tab (wrapping); 1 when the action was one of them. */
int tabs_action(struct tabs *tb, enum action a);
/*
 * Render into r (to its full width): "label N | label N | ...", the active
 * tab in TE_TAB_ACTIVE. When too wide, labels are cut with "~"; when even
 * that does not fit, a window of tabs around the active one is shown with
 * "<" and ">" marking the hidden ones.
 */
void tabs_render(struct tabs *tb, struct row *r);
/* The tab drawn at column x at the last render, or -1. */
long tabs_hit(const struct tabs *tb, size_t x);

/* ---- dialog: boxes with fields, and confirm (dialog.c) ---- */

enum dialog_result { DIALOG_OPEN, DIALOG_OK, DIALOG_CANCEL };
enum field_kind { FIELD_TEXT, FIELD_CHOICE };

struct dialog_field {
	enum field_kind kind;  /* text entry or a choice list */
	char *label;           /* shown left of the field; owned */
	struct edit edit;      /* FIELD_TEXT: the editor */
	int lines;             /* FIELD_TEXT: rows wanted (1 = single line) */
	int required;          /* 1: OK refuses a blank value */
	char **choices;        /* FIELD_CHOICE: the options; owned */
	size_t nchoices;
	size_t choice;         /* FIELD_CHOICE: the selected option */
	struct buf msg;        /* validation message shown next to it ("" = fine) */
	char *help;            /* a hint shown under it while it has the focus, or NULL; owned */
	int hidden;            /* 1: not shown, and the focus never goes there (a condition not met) */
	int readonly;          /* 1: shown, but Tab and Enter go past it (a computed value) */
};

struct dialog;
/* Check the values before OK; set messages with dialog_error(), return 0 when fine. */
typedef int (*dialog_validate_fn)(struct dialog *d, void *ctx);
/*
 * An action the dialog does not use itself (edit-pick: choose from a list)
 * while field `field` has the focus. May run a picker and change the field.
 */
typedef void (*dialog_action_fn)(struct tui *t, struct dialog *d, size_t field, enum action a,
				 void *ctx);

struct dialog {
	struct buf title;            /* in the top border */
	struct buf text;             /* wrapped above the fields (the confirm question) */
	struct dialog_field *fields; /* in order */
	size_t nfields, alloc;
	size_t focus;                /* a field, or nfields (OK) or nfields + 1 (Cancel) */
	size_t first;                /* first field shown when not all fit */
	char *ok_label;              /* button labels; owned */
	char *cancel_label;
	dialog_validate_fn validate; /* NULL: only `required` is checked */
	void *ctx;                   /* for validate and on_action */
	dialog_action_fn on_action;  /* NULL: other actions are ignored */
	enum dialog_result result;   /* DIALOG_OPEN until OK or Cancel */
	int cur_y, cur_x;            /* terminal cursor at the last draw, or -1 */
	int confirm_discard;         /* 1: Cancel (Esc, Ctrl-C) asks before dropping what was typed */
	int enter_ok;                /* 1: Enter is OK on any field (sign-in); 0: it goes to the next field */
	char **initial;              /* each field's value when dialog_run first ran (confirm_discard) */
	/*
	 * Called after every key the dialog took while open (a value typed,
	 * a choice moved, the focus changed), to show what follows from the
	 * values at once: fields shown or hidden, computed values and their
	 * messages. NULL: nothing to follow.
	 */
	void (*changed)(struct dialog *d, void *ctx);
};

/* Set up an empty dialog titled `title` with OK/Cancel buttons. */
void dialog_init(struct dialog *d, const char *title);
void dialog_release(struct dialog *d);
/* Add a text field (lines > 1: multi-line) with an initial value; returns its index. */
size_t dialog_add_text(struct dialog *d, const char *label, const char *value,
		       size_t max_chars, int lines, int required);
/* Add a passphrase field (edit_secret: shown as '*'s, wiped on release); returns its index. */
size_t dialog_add_secret(struct dialog *d, const char *label, size_t max_chars);
/* Add a choice field; returns its index. */
size_t dialog_add_choice(struct dialog *d, const char *label, const char *const *choices,
			 size_t n, size_t selected);
/*
 * Append `text` to the dialog's text above its fields, sanitized line by
 * line: its line breaks stay (utf8_sanitize alone makes them spaces).
 */
void dialog_add_lines(struct dialog *d, const char *text);
/* Replace the button labels (NULL keeps one; a cancel label "" leaves only the OK button). */
void dialog_buttons(struct dialog *d, const char *ok, const char *cancel);
/* Field i's hint (shown under it while it has the focus); NULL removes it. */
void dialog_set_help(struct dialog *d, size_t i, const char *help);
/* The value of field i: its text, or the selected choice. */
const char *dialog_value(const struct dialog *d, size_t i);
/* Set field i's validation message (printf-style; "" clears it). */
void dialog_error(struct dialog *d, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Handle one key; returns d->result. */
enum dialog_result dialog_key(struct tui *t, struct dialog *d, int key);
/* Draw over the current screen (layout recomputed for the screen size). */
void dialog_draw(struct tui *t, struct dialog *d);
/*
 * Run until OK or Cancel; returns the result. With confirm_discard, a
 * Cancel after a field changed (since the first run) asks first, and No
 * goes back to the dialog as it was.
 */
enum dialog_result dialog_run(struct tui *t, struct dialog *d);
/* Has any field changed since dialog_run first ran (0 before it ran)? */
int dialog_changed(const struct dialog *d);
/* Ask a yes/no question in a box; 1 for yes. */
int dialog_confirm(struct tui *t, const char *title, const char *question);

/* ---- picker: one of N with `/` filtering (dialog.c) ---- */

struct picker {
	struct buf title;           /* in the top border */
	char **items;               /* owned, in order */
	size_t n, alloc;
	size_t *shown;              /* indexes of the items that match the filter */
	size_t nshown, shown_alloc;
	size_t cursor, offset;      /* within shown */
	struct edit filter;         /* the `/` filter */
	int filtering;              /* 1 while the filter is being typed */
	enum dialog_result result;  /* DIALOG_OK: `chosen` is set */
	size_t chosen;              /* index into items */
	int height;                 /* list rows at the last draw */
	int cur_y, cur_x;           /* terminal cursor at the last draw, or -1 */
};

void picker_init(struct picker *p, const char *title);
void picker_release(struct picker *p);
void picker_add(struct picker *p, const char *item);
enum dialog_result picker_key(struct tui *t, struct picker *p, int key);
void picker_draw(struct tui *t, struct picker *p);
/* Run until picked or cancelled; the item's index, or -1. */
long picker_run(struct tui *t, struct picker *p);
/*
 * A month of days to pick a date from (a date field's edit-pick): arrows
 * move a day (left, right) or a week (up, down), PgUp/PgDn a month, Home
 * today, Enter picks, Esc cancels. Starts at `initial` (YYYY-MM-DD) or
 * today. 1 with out set to YYYY-MM-DD, or 0 cancelled.
 */
int date_picker_run(struct tui *t, const char *title, const char *initial, char out[11]);

/* ---- prompt: the bottom-row line editor (cmdline.c) ---- */

struct prompt;
/* Called after each change of the text (live filtering, incremental search). */
typedef void (*prompt_changed_fn)(struct tui *t, struct prompt *p, void *ctx);

struct prompt {
	const char *label;          /* ":" or "/"; borrowed */
	struct edit edit;           /* the line */
	struct buf info;            /* right-aligned note ("3 matches"), set by `changed` */
	prompt_changed_fn changed;  /* may be NULL */
	void *ctx;                  /* for changed */
	enum dialog_result result;  /* DIALOG_OK on Enter, DIALOG_CANCEL on Esc */
	int cur_x;                  /* terminal cursor column at the last draw */
};

void prompt_init(struct prompt *p, const char *label, const char *initial);
void prompt_release(struct prompt *p);
enum dialog_result prompt_key(struct tui *t, struct prompt *p, int key);
/* Draw on the bottom row (over the status bar). */
void prompt_draw(struct tui *t, struct prompt *p);
/* Run until Enter or Esc; returns the result, the text is in p->edit.text. */
enum dialog_result prompt_run(struct tui *t, struct prompt *p);

/* ---- cmdline: the `:` command (cmdline.c) ---- */

/*
 * Split a command line into words as a shell would, without running one:
 * blanks separate words, '...' is literal, "..." allows \" \\ \$ \`, and
 * a backslash outside quotes escapes the next character. Returns 0 and a
 * NULL-terminated argv (free with cmd_free_words), or -1 with a message.
 */
int cmd_split(const char *line, char ***words, size_t *n, struct buf *err);
void cmd_free_words(char **words);
/*
 * Run `exe argv...` with stdin on /dev/null, capturing stdout and stderr
 * together in out (at most 4 MiB kept). Returns 0 and the exit status in
 * *status (128 + N when killed by signal N), or -1 with a message in out.
 */
int cmd_capture(const char *exe, char *const argv[], struct buf *out, int *status);
/* The same, the child inheriting session_fd as DOCKET_SESSION_FD (signin_lend) when it is >= 0. */
int cmd_capture_session(const char *exe, char *const argv[], int session_fd, struct buf *out, int *status);
/* The `:` action: prompt, run `docket -C STORE -u USER WORDS`, show the output. */
void tui_command(struct tui *t);

/* ---- pager: any text, scrolled and searched (view_pager.c) ---- */

/* A pager's data titled `title`, showing `text` split into lines; for tui_push(). */
void *pager_data(const char *title, const char *text, size_t len);

/* ---- frame helpers for widgets (tui.c) ---- */

/* Dialogs open now (dialog_run): Ctrl-C cancels the top one instead of leaving docket. */
extern volatile sig_atomic_t tui_dialog_depth;

/* tui_read_key() results that are not keys. */
#define TUI_NOKEY  (-1)
#define TUI_RESIZE (-2)

/* Wait for a key (up to the clock tick): a docket key code, TUI_NOKEY or TUI_RESIZE. */
int tui_read_key(struct tui *t);
/* Draw the top view and the frame without refreshing the terminal. */
void tui_paint(struct tui *t);
/* Draw a row at (y, x), clipped to the screen; `force` >= 0 replaces its elements. */
void tui_draw_row(struct tui *t, int y, int x, const struct row *r, int force);
/* Show the terminal cursor at (y, x), or hide it (y < 0) unless in screen-reader mode. */
void tui_place_cursor(struct tui *t, int y, int x);

#endif
