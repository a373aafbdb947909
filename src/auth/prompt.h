/*
 * prompt: read a passphrase from the controlling terminal, and only there.
 *
 * The prompt goes to /dev/tty and the answer comes from /dev/tty with echo
 * off, never from stdin: a passphrase fed through a pipe, an argument or
 * an environment variable ends up in shell history, `ps` or a script, so a
 * process without a terminal is refused and pointed at the agent (docket
 * login at a terminal, then scripts use the agent; see doc/security.md).
 *
 * The terminal's settings are restored on every path. SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT and SIGTSTP arriving mid-prompt are caught, the echo is
 * turned back on, and the signal is raised again with the caller's
 * disposition (so ^C still ends the program, ^Z still stops it; after a
 * stop the prompt is shown again). A signal the caller ignores stays
 * ignored.
 *
 * A passphrase is UTF-8 text (Chinese allowed) of at most PROMPT_MAX
 * bytes, without its newline. Functions return 0, or -1 with the message in
 * `err`; an interrupted prompt whose signal did not end the process
 * returns -1 too.
 */
#ifndef DOCKET_PROMPT_H
#define DOCKET_PROMPT_H

struct buf;

#define PROMPT_MAX 1024

/*
 * Show `prompt` on the terminal and read one line with echo off into
 * `out` (replacing what it held, which is wiped first). A newline is
 * written after the answer, since the user's Enter was not echoed. Free
 * `out` with prompt_forget().
 */
int prompt_passphrase(const char *prompt, struct buf *out, struct buf *err);

/*
 * A new passphrase: asked with `prompt`, then again with `again` (NULL:
 * "Repeat the passphrase: "); refused when the two differ or it is empty.
 */
int prompt_new_passphrase(const char *prompt, const char *again, struct buf *out, struct buf *err);

/* Wipe a passphrase (its whole allocation) and release the buf. */
void prompt_forget(struct buf *pass);

#endif
