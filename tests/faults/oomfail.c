/*
 * oomfail: an LD_PRELOAD shim that makes the Nth allocation SQLite or
 * libgit2 asks for fail, as when memory runs out.
 *
 *   OOMFAIL_AT=N        the allocation to fail (0: count only)
 *   OOMFAIL_COUNT=FILE  at exit, write how many allocations were counted
 *   OOMFAIL_LIBS=L      whose allocations: sqlite, git or both (default)
 *
 * It installs its allocators before main (SQLITE_CONFIG_MALLOC around
 * SQLite's own; GIT_OPT_SET_ALLOCATOR, which libgit2 keeps when it is set
 * before git_libgit2_init). docket sets an allocator of its own in
 * libgit2 (src/util/gitlib.c: it notes a failed allocation, since libgit2
 * often reports one as something else), so this library also stands in
 * for git_libgit2_opts: an allocator set there becomes the inner one, and
 * the Nth allocation fails *through it* (asking it for SIZE_MAX bytes),
 * as a real failure would. Only these two libraries' allocations count:
 * docket's own allocations (xmalloc) end the program with a message by
 * design. tests/faults/t20-oom-sweep.sh runs commands with each N.
 */
#include <dlfcn.h>
#include <git2.h>
#include <git2/sys/alloc.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long at, count;
static sqlite3_mem_methods orig;

static int fail_now(void)
{
	return ++count == at;
}

static void report(void)
{
	const char *f = getenv("OOMFAIL_COUNT");
	FILE *out = f ? fopen(f, "w") : NULL;
	if (out) {
		fprintf(out, "%ld\n", count);
		fclose(out);
	}
}

/* --- SQLite ---------------------------------------------------------------- */

static void *sq_malloc(int n)
{
	return fail_now() ? NULL : orig.xMalloc(n);
}

static void *sq_realloc(void *p, int n)
{
	return fail_now() ? NULL : orig.xRealloc(p, n);
}

/* --- libgit2 --------------------------------------------------------------- */

/* The program's own allocator (set through git_libgit2_opts), or NULL: the C library's. */
static git_allocator inner;
static int has_inner, git_active;

/* A failure: through the program's allocator when it has one, so it sees it. */
static void *failed(const char *file, int line)
{
	return has_inner ? inner.gmalloc(SIZE_MAX, file, line) : NULL;
}

static void *g_malloc(size_t n, const char *file, int line)
{
	if (fail_now())
		return failed(file, line);
	return has_inner ? inner.gmalloc(n, file, line) : malloc(n);
}

static void *g_calloc(size_t nelem, size_t elsize, const char *file, int line)
{
	if (fail_now())
		return failed(file, line);
	return has_inner ? inner.gcalloc(nelem, elsize, file, line) : calloc(nelem, elsize);
}

static char *g_strndup_(const char *s, size_t n, int exact)
{
	if (fail_now())
		return failed(__FILE__, __LINE__);
	size_t len = exact ? n : strnlen(s, n);
	char *p = malloc(len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static char *g_strdup(const char *s, const char *file, int line)
{
	(void)file, (void)line;
	return g_strndup_(s, strlen(s), 1);
}

static char *g_strndup(const char *s, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return g_strndup_(s, n, 0);
}

static char *g_substrdup(const char *s, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return g_strndup_(s, n, 1);
}

static void *g_realloc(void *p, size_t n, const char *file, int line)
{
	if (fail_now())
		return failed(file, line); /* p stays the caller's, as realloc leaves it */
	return has_inner ? inner.grealloc(p, n, file, line) : realloc(p, n);
}

static void *g_reallocarray(void *p, size_t nelem, size_t elsize, const char *file, int line)
{
	if (elsize && nelem > (size_t)-1 / elsize)
		return NULL;
	return g_realloc(p, nelem * elsize, file, line);
}

static void *g_mallocarray(size_t nelem, size_t elsize, const char *file, int line)
{
	return g_reallocarray(NULL, nelem, elsize, file, line);
}

static void g_free(void *p)
{
	if (has_inner)
		inner.gfree(p);
	else
		free(p);
}

static git_allocator counting = {
	g_malloc, g_calloc, g_strdup, g_strndup, g_substrdup,
	g_realloc, g_reallocarray, g_mallocarray, g_free,
};

/*
 * Stands in for libgit2's: an allocator the program sets becomes the inner
 * one, under the counting one. Every other option is passed on with up to
 * four arguments, each an int, a size_t or a pointer (all that libgit2's
 * options take), read as 64-bit words as the x86-64 and AArch64 calling
 * conventions pass them.
 */
int git_libgit2_opts(int option, ...)
{
	static int (*real)(int, ...);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "git_libgit2_opts");
	va_list ap;
	va_start(ap, option);
	if (option == GIT_OPT_SET_ALLOCATOR) {
		git_allocator *a = va_arg(ap, git_allocator *);
		va_end(ap);
		if (!git_active || a == &counting)
			return real(option, a);
		inner = *a;
		has_inner = 1;
		return real(option, &counting);
	}
	void *a1 = va_arg(ap, void *), *a2 = va_arg(ap, void *), *a3 = va_arg(ap, void *),
	     *a4 = va_arg(ap, void *);
	va_end(ap);
	return real(option, a1, a2, a3, a4);
}

__attribute__((constructor)) static void oomfail_init(void)
{
	const char *n = getenv("OOMFAIL_AT");
	if (!n && !getenv("OOMFAIL_COUNT"))
		return;
	at = n ? atol(n) : 0;
	const char *libs = getenv("OOMFAIL_LIBS");
	atexit(report);
	if (!libs || strcmp(libs, "git")) {
		sqlite3_config(SQLITE_CONFIG_GETMALLOC, &orig);
		sqlite3_mem_methods mine = orig;
		mine.xMalloc = sq_malloc;
		mine.xRealloc = sq_realloc;
		sqlite3_config(SQLITE_CONFIG_MALLOC, &mine);
	}
	if (!libs || strcmp(libs, "sqlite")) {
		git_active = 1;
		git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, &counting);
	}
}
