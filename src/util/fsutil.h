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
/* Write atomically: temp file in the same directory, fsync, rename, fsync dir. */
int write_file_atomic(const char *path, const void *data, size_t len);
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
