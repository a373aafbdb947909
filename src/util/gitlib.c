#include "gitlib.h"

#include <git2.h>
#include <git2/sys/alloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int started;
static int failed; /* git_libgit2_init failed: libgit2 may not be used at all */
/* A libgit2 allocation returned NULL in this process (sticky: see gitlib.h). */
static atomic_int alloc_failed;

/*
 * libgit2's allocator: the C library's, noting a failure. libgit2 1.5
 * often loses its own "out of memory" on the way up (a later lookup
 * overwrites it with "object not found" or "config value … was not
 * found", or a callback's failure is reported as "callback returned -1"),
 * so whether memory ran out is read here, not from its message.
 */
static void *noted(void *p)
{
	if (!p)
		atomic_store(&alloc_failed, 1);
	return p;
}

static void *a_malloc(size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return noted(malloc(n));
}

static void *a_calloc(size_t nelem, size_t elsize, const char *file, int line)
{
	(void)file, (void)line;
	return noted(calloc(nelem, elsize));
}

static char *a_strdup(const char *str, const char *file, int line)
{
	(void)file, (void)line;
	return noted(strdup(str));
}

static char *a_strndup(const char *str, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return noted(strndup(str, n));
}

/* The first n bytes of str, which has at least n (no NUL looked for). */
static char *a_substrdup(const char *str, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	if (n == SIZE_MAX)
		return noted(NULL);
	char *p = noted(malloc(n + 1));
	if (p) {
		memcpy(p, str, n);
		p[n] = '\0';
	}
	return p;
}

static void *a_realloc(void *ptr, size_t size, const char *file, int line)
{
	(void)file, (void)line;
	return noted(realloc(ptr, size));
}

static void *a_reallocarray(void *ptr, size_t nelem, size_t elsize, const char *file, int line)
{
	(void)file, (void)line;
	if (elsize && nelem > SIZE_MAX / elsize)
		return noted(NULL);
	return noted(realloc(ptr, nelem * elsize));
}

static void *a_mallocarray(size_t nelem, size_t elsize, const char *file, int line)
{
	return a_reallocarray(NULL, nelem, elsize, file, line);
}

static void a_free(void *ptr)
{
	free(ptr);
}

static void stop(void)
{
	git_libgit2_shutdown();
}

static void start(void)
{
	static const int levels[] = { GIT_CONFIG_LEVEL_PROGRAMDATA, GIT_CONFIG_LEVEL_SYSTEM,
				      GIT_CONFIG_LEVEL_XDG, GIT_CONFIG_LEVEL_GLOBAL };
	static git_allocator alloc = {
		a_malloc, a_calloc, a_strdup, a_strndup, a_substrdup,
		a_realloc, a_reallocarray, a_mallocarray, a_free,
	};
	git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, &alloc); /* before init, as libgit2 wants */
	/* it fails when memory runs out; then every other libgit2 call would crash */
	if (git_libgit2_init() < 0) {
		failed = 1;
		return;
	}
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], "");
	atexit(stop);
	started = 1;
}

int gitlib_start(void)
{
	pthread_once(&once, start);
	return failed ? -1 : 0;
}

int gitlib_started(void)
{
	return started;
}

int gitlib_out_of_memory(void)
{
	return atomic_load(&alloc_failed);
}
