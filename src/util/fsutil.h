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

#endif
