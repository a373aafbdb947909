/*
 * buf: the one growable string type (git's strbuf invariants).
 *
 * A buf's `s` is never NULL and always NUL-terminated, so it can be passed
 * to any C string function. BUF_INIT needs no allocation. buf_release()
 * frees the contents and leaves an empty buf; buf_detach() hands the string
 * to the caller, who frees it.
 */
#ifndef DOCKET_BUF_H
#define DOCKET_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *s;      /* contents, NUL-terminated, never NULL */
	size_t len;   /* bytes used, not counting the NUL */
	size_t alloc; /* bytes allocated; 0 while `s` is the shared empty string */
};

extern char buf_empty_[];
#define BUF_INIT { buf_empty_, 0, 0 }

void buf_init(struct buf *b);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b);
void buf_grow(struct buf *b, size_t extra);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
void buf_setlen(struct buf *b, size_t len);

#endif
