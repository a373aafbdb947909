/*
 * tui: the full-screen terminal front end (ncursesw).
 *
 * Screens are small vtables (tig's view_ops, see view.h); keys become
 * actions through the keymap from the theme, so nothing here tests a raw
 * key. The caller has already run i18n_init() (setlocale) and opened the
 * store. The TUI holds no rule of its own: it reads through the store and
 * definition APIs and will call the engine for every decision.
 */
#ifndef DOCKET_TUI_H
#define DOCKET_TUI_H

struct store;

/*
 * Run until the user quits. `theme_path` names a theme file, or NULL for
 * the compiled-in default. Honours NO_COLOR, terminals without colours and
 * DOCKET_SCREEN_READER=1. Returns a process exit code: 0 on a normal quit,
 * 1 (the verbs' EXIT_INVALID) when it cannot start — a theme or keys file
 * with errors, or a user the deployed organisation does not have (refused
 * before the screen opens, with the verbs' message on stderr).
 */
int tui_run(struct store *s, const char *user, const char *theme_path);

#endif
