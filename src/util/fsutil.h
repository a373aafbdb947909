/*
 * fsutil: small file-system helpers with clear failure reporting.
 *
 * Every function returns 0 on success and -1 on failure with errno set, so
 * the caller can report "unable to read 'PATH': REASON".
 */
#ifndef DOCKET_FSUTIL_H
#define DOCKET_FSUTIL_H

#include <stddef.h>

struct buf;

/* Read a whole file into `out`; fails with EFBIG when larger than `max`. */
int read_file(const char *path, size_t max, struct buf *out);
/*
 * Write atomically: a temporary file in the same directory, fsync, rename,
 * fsync the directory. The temporary file gets a fresh random name and is
 * created with O_CREAT|O_EXCL|O_NOFOLLOW (mkstemp-style), so a file or a
 * symbolic link planted in the directory is never written through; the
 * rename replaces a symbolic link at `path` itself instead of following it.
 * Safe in a directory docket does not own (doc export --dir, --text).
 */
int write_file_atomic(const char *path, const void *data, size_t len);
/* The same for `name` (one path component) in the open directory dirfd. */
int write_file_at(int dirfd, const char *name, const void *data, size_t len);
/*
 * Make the directory `name` in dirfd if missing and open it; a symbolic
 * link (or anything not a directory) in its place is refused, not
 * followed. Returns an fd, or -1 with errno set (ELOOP, ENOTDIR, ...).
 */
int open_subdir(int dirfd, const char *name, int mode);
/* mkdir -p with the given mode */
int mkdir_p(const char *path, int mode);
int is_dir(const char *path);
int file_exists(const char *path);
/*
 * Run the user's editor ($VISUAL, else $EDITOR, else vi; a shell command
 * line, so "code --wait" works) on `path` and wait for it. 0 when it exited
 * with status 0; -1 otherwise (errno set when it could not be started).
 */
int run_editor(const char *path);

#endif
