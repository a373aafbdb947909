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
 * before git_libgit2_init). Only these two libraries' allocations count:
 * docket's own allocations (xmalloc) end the program with a message by
 * design. tests/faults/t20-oom-sweep.sh runs commands with each N.
 */
#include <git2.h>
#include <git2/sys/alloc.h>
#include <sqlite3.h>
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

static void *g_malloc(size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return fail_now() ? NULL : malloc(n);
}

static void *g_calloc(size_t nelem, size_t elsize, const char *file, int line)
{
	(void)file, (void)line;
	return fail_now() ? NULL : calloc(nelem, elsize);
}

static char *g_strndup_(const char *s, size_t n, int exact)
{
	if (fail_now())
		return NULL;
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
	(void)file, (void)line;
	return fail_now() ? NULL : realloc(p, n);
}

static void *g_reallocarray(void *p, size_t nelem, size_t elsize, const char *file, int line)
{
	(void)file, (void)line;
	if (elsize && nelem > (size_t)-1 / elsize)
		return NULL;
	return fail_now() ? NULL : realloc(p, nelem * elsize);
}

static void *g_mallocarray(size_t nelem, size_t elsize, const char *file, int line)
{
	return g_reallocarray(NULL, nelem, elsize, file, line);
}

static void g_free(void *p)
{
	free(p);
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
		static git_allocator g = {
			g_malloc, g_calloc, g_strdup, g_strndup, g_substrdup,
			g_realloc, g_reallocarray, g_mallocarray, g_free,
		};
		git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, &g);
	}
}
