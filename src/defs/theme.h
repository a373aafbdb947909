/*
 * theme: colours and keys read from files of `kind: theme`.
 *
 *   kind: theme
 *   id: default
 *   name: 默认
 *   colors:
 *     title:  {fg: white, bg: blue, attrs: [bold]}
 *     cursor: {attrs: [reverse]}
 *   keys:
 *     quit: [Q]
 *
 * Elements are named by what they mean (neomutt's MT_COLOR_*), never by
 * where they are drawn. An element a theme does not name is drawn as in the
 * monochrome scheme (attributes only), which is also what a terminal
 * without colours or a user with NO_COLOR gets. `keys:` replaces the
 * default keys of each action it names (keys.def); see doc/ref-themes.md.
 *
 * The default theme (themes/default.yaml) is compiled into the binary.
 * A struct theme owns its strings; theme_free() frees it.
 */
#ifndef DOCKET_THEME_H
#define DOCKET_THEME_H

#include <stddef.h>

#include "keys.h"

struct diags;
struct ydoc;

/* THEME_ELEM(ID, "name") — the drawable elements, in manual order. */
#define THEME_ELEMS \
	THEME_ELEM(NORMAL, "normal") \
	THEME_ELEM(TITLE, "title") \
	THEME_ELEM(STATUS, "status") \
	THEME_ELEM(CURSOR, "cursor") \
	THEME_ELEM(HEADER, "header") \
	THEME_ELEM(TAB, "tab") \
	THEME_ELEM(TAB_ACTIVE, "tab-active") \
	THEME_ELEM(BORDER, "border") \
	THEME_ELEM(ID, "id") \
	THEME_ELEM(DATE, "date") \
	THEME_ELEM(MUTED, "muted") \
	THEME_ELEM(ERROR, "error") \
	THEME_ELEM(OK, "ok") \
	THEME_ELEM(OVERDUE, "overdue") \
	THEME_ELEM(URGENT, "urgent") \
	THEME_ELEM(OPINION, "opinion") \
	THEME_ELEM(DIFF_ADD, "diff-add") \
	THEME_ELEM(DIFF_DEL, "diff-del") \
	THEME_ELEM(HELP_KEY, "help-key") \
	THEME_ELEM(HELP_TEXT, "help-text") \
	THEME_ELEM(HELP_GROUP, "help-group")

enum theme_elem {
#define THEME_ELEM(id, name) TE_##id,
	THEME_ELEMS
#undef THEME_ELEM
	TE_COUNT
};

/* Colour numbers: THEME_DEFAULT_COLOR is the terminal's own; 0..255 otherwise. */
#define THEME_DEFAULT_COLOR (-1)

/* Attribute flags. */
#define THEME_BOLD      0x01
#define THEME_REVERSE   0x02
#define THEME_UNDERLINE 0x04
#define THEME_DIM       0x08
#define THEME_STANDOUT  0x10

struct theme_color {
	int fg;          /* THEME_DEFAULT_COLOR or 0..255 (8..15 = bright-*) */
	int bg;          /* same */
	unsigned attrs;  /* THEME_* flags */
};

struct theme {
	char *id;                          /* `id:`; owned */
	char *name;                        /* `name:` or NULL; owned */
	char *file;                        /* where it was read from; owned */
	struct theme_color colors[TE_COUNT]; /* as written; valid where `has_color` */
	unsigned char has_color[TE_COUNT];   /* 1 if the theme names the element */
	int keys[ACT_COUNT][KEYMAP_MAX_KEYS]; /* `keys:` per action */
	int nkeys[ACT_COUNT];                /* -1: the theme leaves the defaults */
};

/*
 * Build a theme from a document, reporting every problem in d at its
 * file:line:col. Returns NULL only when the document is not a mapping;
 * otherwise a theme (possibly partial) that the caller frees — check
 * diags_errors() to know whether it was clean.
 */
struct theme *theme_parse(const struct ydoc *doc, struct diags *d);
void theme_free(struct theme *t);
/* The compiled-in default theme; exits if it does not parse (a build bug). Caller frees. */
struct theme *theme_default(void);
/* The YAML text of the compiled-in default theme. */
const char *theme_default_text(size_t *len);
/*
 * Read a theme file. On problems they are added to d and NULL is returned.
 * Caller frees the result.
 */
struct theme *theme_load(const char *path, struct diags *d);

/* The element called `name`, or -1. */
int theme_elem_lookup(const char *name);
const char *theme_elem_name(enum theme_elem e);
/* The monochrome scheme: attributes only, readable on any terminal. */
struct theme_color theme_mono(enum theme_elem e);
/* The colour of `e`: the theme's, else the monochrome one. `t` may be NULL. */
struct theme_color theme_color(const struct theme *t, enum theme_elem e);
/* Parse a colour name ("bright-red", "color208", "default"); -2 if unknown. */
int theme_color_parse(const char *s);
/* The defaults from keys.def with the theme's `keys:` applied. `t` may be NULL. */
void theme_keymap(const struct theme *t, struct keymap *out);

#endif
