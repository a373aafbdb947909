/*
 * gitlib: libgit2, started once per process and only when needed.
 *
 * git_libgit2_init() costs several milliseconds (the libgit2 Debian ships
 * loads the system's CA certificates for HTTPS, which docket never uses),
 * a large part of a command that does not touch documents. So nothing
 * starts libgit2 at store open; the document repository and the diff
 * start it on first use.
 */
#ifndef DOCKET_GITLIB_H
#define DOCKET_GITLIB_H

/*
 * Start libgit2 (once; later calls do nothing), with fsync on for
 * everything it writes and the user's and the system's git configuration
 * unread: a store's repository must not change with ~/.gitconfig (nor fail
 * when $HOME cannot be read). It is shut down at exit. 0, or -1 when
 * libgit2 could not start (memory ran out: gitlib_out_of_memory), after
 * which no libgit2 function may be called.
 */
int gitlib_start(void);
/* Whether gitlib_start() has run in this process (for tests). */
int gitlib_started(void);
/*
 * 1 once an allocation libgit2 asked for has failed in this process.
 * Commands are short: any libgit2 failure after that is reported as
 * memory running out (exit 3), whatever libgit2's own message says.
 */
int gitlib_out_of_memory(void);

#endif
