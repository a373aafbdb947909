/*
 * iofail: an LD_PRELOAD shim that makes the Nth write-side I/O operation
 * on files under a directory fail, or kills the process there.
 *
 *   IOFAIL_DIR=/path/store   count only operations on files below it
 *   IOFAIL_AT=N              the operation to act on (0: count only)
 *   IOFAIL_MODE=fail|crash   fail it with IOFAIL_ERRNO, or _exit(137)
 *                            before it happens (as kill -9 would)
 *   IOFAIL_ERRNO=EIO|ENOSPC  (default EIO)
 *   IOFAIL_COUNT=FILE        at exit, write how many operations counted
 *
 * The operations: write, pwrite, writev, pwritev (and their 64-bit
 * forms), fsync, fdatasync, ftruncate, rename, renameat, unlink, link,
 * mkdir, open and openat with O_CREAT. That is every way SQLite (the unix
 * VFS) and libgit2 change a file. A failed operation has done nothing, so
 * the sweep in tests/faults/sweep.sh sees what a full disk or a bad
 * sector would show at each point of a save, an approval and a deploy.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static char dir[PATH_MAX];
static size_t dirlen;
static long at, count;
static int crash, fail_errno = EIO, ready, in_shim;

static void report(void)
{
	const char *f = getenv("IOFAIL_COUNT");
	if (!f)
		return;
	FILE *out = fopen(f, "w");
	if (out) {
		fprintf(out, "%ld\n", count);
		fclose(out);
	}
}

static void setup(void)
{
	if (ready)
		return;
	ready = 1;
	const char *d = getenv("IOFAIL_DIR");
	if (d && realpath(d, dir))
		dirlen = strlen(dir);
	const char *n = getenv("IOFAIL_AT");
	at = n ? atol(n) : 0;
	const char *m = getenv("IOFAIL_MODE");
	crash = m && !strcmp(m, "crash");
	const char *e = getenv("IOFAIL_ERRNO");
	if (e && !strcmp(e, "ENOSPC"))
		fail_errno = ENOSPC;
	atexit(report);
}

static int under(const char *path)
{
	return dirlen && !strncmp(path, dir, dirlen) && (path[dirlen] == '/' || !path[dirlen]);
}

static int path_under(int dirfd, const char *path)
{
	char abs[PATH_MAX * 2], real[PATH_MAX];
	if (path[0] == '/') {
		snprintf(abs, sizeof(abs), "%s", path);
	} else {
		char base[PATH_MAX];
		if (dirfd == AT_FDCWD) {
			if (!getcwd(base, sizeof(base)))
				return 0;
		} else {
			char link[64];
			snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
			ssize_t n = readlink(link, base, sizeof(base) - 1);
			if (n < 0)
				return 0;
			base[n] = '\0';
		}
		snprintf(abs, sizeof(abs), "%s/%s", base, path);
	}
	/* the file may not exist yet: resolve its directory */
	char *slash = strrchr(abs, '/');
	if (slash && slash != abs) {
		*slash = '\0';
		if (!realpath(abs, real))
			return 0;
		return under(real);
	}
	return under(abs);
}

static int fd_under(int fd)
{
	char link[64], real[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, real, sizeof(real) - 1);
	if (n < 0)
		return 0;
	real[n] = '\0';
	return under(real);
}

/* 1: fail this operation (errno set); 0: let it through. */
static int hit(int mine)
{
	setup();
	if (!mine)
		return 0;
	count++;
	if (at && count == at) {
		if (crash)
			_exit(137);
		errno = fail_errno;
		return 1;
	}
	return 0;
}

#define REAL(name) \
	static __typeof__(name) *real_##name; \
	if (!real_##name) \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

/* Checks on paths call realpath and getcwd, which must not count themselves. */
#define GUARD_FD(fd) (!in_shim && (in_shim = 1, setup(), _r = fd_under(fd), in_shim = 0, _r))
#define GUARD_PATH(dfd, p) (!in_shim && (in_shim = 1, setup(), _r = path_under(dfd, p), in_shim = 0, _r))

ssize_t write(int fd, const void *b, size_t n)
{
	REAL(write);
	int _r;
	if (hit(GUARD_FD(fd)))
		return -1;
	return real_write(fd, b, n);
}

ssize_t pwrite(int fd, const void *b, size_t n, off_t off)
{
	REAL(pwrite);
	int _r;
	if (hit(GUARD_FD(fd)))
		return -1;
	return real_pwrite(fd, b, n, off);
}

ssize_t pwrite64(int fd, const void *b, size_t n, off64_t off)
{
	REAL(pwrite64);
	int _r;
	if (hit(GUARD_FD(fd)))
		return -1;
	return real_pwrite64(fd, b, n, off);
}

ssize_t writev(int fd, const struct iovec *v, int n)
{
	REAL(writev);
	int _r;
	if (hit(GUARD_FD(fd)))
		return -1;
	return real_writev(fd, v, n);
}

ssize_t pwritev(int fd, const struct iovec *v, int n, off_t off)
{
	REAL(pwritev);
	int _r;
	if (hit(GUARD_FD(fd)))
		return -1;
	return real_pwritev(fd, v, n, off);
}

int fsync(int fd)
{
	REAL(fsync);
	int _r;
	if (hit(GUARD_FD(fd)))
		return -1;
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	REAL(fdatasync);
	int _r;
	if (hit(GUARD_FD(fd)))
		return -1;
	return real_fdatasync(fd);
}

int ftruncate(int fd, off_t len)
{
	REAL(ftruncate);
	int _r;
	if (hit(GUARD_FD(fd)))
		return -1;
	return real_ftruncate(fd, len);
}

int ftruncate64(int fd, off64_t len)
{
	REAL(ftruncate64);
	int _r;
	if (hit(GUARD_FD(fd)))
		return -1;
	return real_ftruncate64(fd, len);
}

int rename(const char *from, const char *to)
{
	REAL(rename);
	int _r;
	if (hit(GUARD_PATH(AT_FDCWD, to)))
		return -1;
	return real_rename(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to)
{
	REAL(renameat);
	int _r;
	if (hit(GUARD_PATH(fd2, to)))
		return -1;
	return real_renameat(fd1, from, fd2, to);
}

int unlink(const char *path)
{
	REAL(unlink);
	int _r;
	if (hit(GUARD_PATH(AT_FDCWD, path)))
		return -1;
	return real_unlink(path);
}

int link(const char *from, const char *to)
{
	REAL(link);
	int _r;
	if (hit(GUARD_PATH(AT_FDCWD, to)))
		return -1;
	return real_link(from, to);
}

int mkdir(const char *path, mode_t mode)
{
	REAL(mkdir);
	int _r;
	if (hit(GUARD_PATH(AT_FDCWD, path)))
		return -1;
	return real_mkdir(path, mode);
}

static int open_common(int dfd, const char *path, int flags, mode_t mode, int at_form)
{
	static __typeof__(open) *real_open;
	static __typeof__(openat) *real_openat;
	if (!real_open) {
		real_open = (__typeof__(open) *)dlsym(RTLD_NEXT, "open");
		real_openat = (__typeof__(openat) *)dlsym(RTLD_NEXT, "openat");
	}
	int _r;
	if ((flags & O_CREAT) && hit(GUARD_PATH(dfd, path)))
		return -1;
	return at_form ? real_openat(dfd, path, flags, mode) : real_open(path, flags, mode);
}

/* The mode argument of an open that creates (absent otherwise). */
#define OPEN_MODE(flags, mode)                              \
	do {                                                \
		if ((flags) & (O_CREAT | O_TMPFILE)) {     \
			va_list ap;                         \
			va_start(ap, flags);                \
			mode = va_arg(ap, int);             \
			va_end(ap);                         \
		}                                           \
	} while (0)

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	OPEN_MODE(flags, mode);
	return open_common(AT_FDCWD, path, flags, mode, 0);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	OPEN_MODE(flags, mode);
	return open_common(AT_FDCWD, path, flags, mode, 0);
}

int openat(int dfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	OPEN_MODE(flags, mode);
	return open_common(dfd, path, flags, mode, 1);
}
