/*
 * xalloc: allocation that never returns NULL.
 *
 * Owns the single place where docket reacts to memory exhaustion: it prints
 * one message and aborts, so callers never test for NULL (htop's xMalloc).
 */
#ifndef DOCKET_XALLOC_H
#define DOCKET_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh allocation; the caller frees */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow an array so that it holds at least `nr` elements (git's ALLOC_GROW). */
#define ALLOC_GROW(x, nr, alloc) \
	do { \
		if ((nr) > (alloc)) { \
			size_t alloc_grow_n_ = (alloc) ? (alloc) * 2 : 8; \
			if (alloc_grow_n_ < (size_t)(nr)) \
				alloc_grow_n_ = (nr); \
			(x) = xrealloc((x), alloc_grow_n_ * sizeof(*(x))); \
			(alloc) = alloc_grow_n_; \
		} \
	} while (0)

#endif
