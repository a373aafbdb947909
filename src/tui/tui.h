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
 * Run until the user quits, as `user` (NULL: whoever signs in). Who acts
 * is proven first: the agent when it holds the user's current key, else
 * the sign-in screen (their passphrase; an initial one replaced there).
 * After the policy's idle time without a key the screen locks until the
 * passphrase is given again. `theme_path` names a theme file, or NULL for
 * the compiled-in default. Honours NO_COLOR, terminals without colours and
 * DOCKET_SCREEN_READER=1; on a test clock (DOCKET_NOW) DOCKET_IDLE_SECONDS
 * replaces the policy's idle time. Returns a process exit code, with the
 * verbs' message on stderr before the screen opens: 0 on a normal quit;
 * 1 (EXIT_INVALID) for a theme or keys file with errors, or a user the
 * deployed organisation does not have; 2 (EXIT_USAGE) for no user where
 * nobody can sign in; 3 (EXIT_STORE) when the store fails; 5
 * (EXIT_DENIED) when no one has a key yet in a store with an organisation.
 */
int tui_run(struct store *s, const char *user, const char *theme_path);

#endif
