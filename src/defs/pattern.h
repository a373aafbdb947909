/*
 * pattern: the `pattern:` of a text field — a PCRE2 regular expression run
 * with limits, so a hostile definition cannot exhaust memory or time.
 *
 * POSIX regcomp() expands counted repeats as it compiles: the pattern
 * ((((a{1,100}){1,100}){1,100}){1,100}) made `docket lint` and `deploy`
 * grow to 7 GB. PCRE2 refuses it at compile time ("regular expression is
 * too large"), and every compile and match here is bounded:
 *
 *   the pattern's text        at most PATTERN_MAX_BYTES bytes
 *   nesting of parentheses    at most PATTERN_MAX_NEST deep
 *   the compiled pattern      at most PATTERN_MAX_COMPILED bytes
 *   one match                 at most PATTERN_MATCH_LIMIT backtracking
 *                             steps, PATTERN_DEPTH_LIMIT deep, and
 *                             PATTERN_HEAP_KIB KiB of heap
 *
 * A pattern is compiled once, when its form is read (lint, deploy, and
 * every command that loads the form), and kept with the field. Matching
 * follows what POSIX did for a whole answer: UTF-8 characters (not bytes),
 * `$` only at the very end (not before a final newline), `.` also matches
 * a newline, and the pattern matches anywhere unless anchored. Character
 * classes such as \w and [[:alpha:]] follow Unicode (Chinese characters are
 * letters). doc/ref-forms.md is the reference for administrators.
 */
#ifndef DOCKET_PATTERN_H
#define DOCKET_PATTERN_H

#include <stddef.h>

struct buf;

#define PATTERN_MAX_BYTES 1024
#define PATTERN_MAX_NEST 32
#define PATTERN_MAX_COMPILED (64u * 1024)
#define PATTERN_MATCH_LIMIT 1000000u
#define PATTERN_DEPTH_LIMIT 100000u
#define PATTERN_HEAP_KIB 16384u

/* A compiled pattern; pattern_free() frees it. */
struct pattern;

/*
 * Compile `src` (NUL-terminated UTF-8). NULL when it is not a pattern
 * docket accepts, with the reason in err (lowercase, no subject: "missing
 * closing parenthesis at character 17", "too complex: ...").
 */
struct pattern *pattern_compile(const char *src, struct buf *err);
/*
 * Does s[0..len) match? 1 yes, 0 no, -1 when a limit was reached before
 * the answer was known (the pattern is too complex for this text).
 */
int pattern_match(const struct pattern *p, const char *s, size_t len);
void pattern_free(struct pattern *p);

#endif
