/*
 * diag: diagnostics with a position, reported as `file:line:col: error: msg`.
 *
 * Linting collects every problem rather than stopping at the first, so
 * checks append to a `struct diags` and the front end prints them sorted.
 * Lines and columns are 1-based; column counts characters (code points),
 * so a position in Chinese text lines up with what an editor shows.
 */
#ifndef DOCKET_DIAG_H
#define DOCKET_DIAG_H

#include <stddef.h>
#include <stdio.h>

enum diag_severity { DIAG_ERROR, DIAG_WARNING };

struct diag {
	char *file;                 /* path as the user named it; owned */
	int line, col;              /* 1-based; 0 when not known */
	enum diag_severity severity;
	char *msg;                  /* lowercase, no full stop; owned */
};

struct diags {
	struct diag *v;
	size_t n, alloc;
};

#define DIAGS_INIT { NULL, 0, 0 }

void diag_add(struct diags *d, const char *file, int line, int col,
	      enum diag_severity sev, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
#define diag_error(d, file, line, col, ...) \
	diag_add((d), (file), (line), (col), DIAG_ERROR, __VA_ARGS__)
#define diag_warning(d, file, line, col, ...) \
	diag_add((d), (file), (line), (col), DIAG_WARNING, __VA_ARGS__)

size_t diags_errors(const struct diags *d);
/* Sort by file, line, column (stable), dropping exact duplicates. */
void diags_sort(struct diags *d);
/* Print each as `file:line:col: error: message` (localised severity word). */
void diags_print(const struct diags *d, FILE *out);
void diags_release(struct diags *d);

#endif
