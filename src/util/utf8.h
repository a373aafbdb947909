/*
 * utf8: validation, decoding and display width of UTF-8 text.
 *
 * The one place that knows bytes are not columns: "审批中" is 9 bytes,
 * 3 characters and 6 columns. Everything that measures, pads or truncates
 * text for a terminal goes through here.
 */
#ifndef DOCKET_UTF8_H
#define DOCKET_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct buf;

/*
 * Check that s[0..len) is valid UTF-8 (no overlongs, surrogates, or code
 * points past U+10FFFF). On failure store the offset of the first bad byte.
 */
int utf8_valid(const char *s, size_t len, size_t *bad_offset);
/* Decode one code point at s (which must be valid); return its length. */
size_t utf8_decode(const char *s, uint32_t *cp);
/* Append the UTF-8 encoding of cp (a valid scalar value). */
void utf8_encode(struct buf *out, uint32_t cp);
/* Number of code points in the first `len` bytes of valid UTF-8. */
size_t utf8_chars(const char *s, size_t len);
/* Display columns of one code point: 0, 1 or 2 (control characters: 0). */
int utf8_cp_width(uint32_t cp);
/* Display columns of a valid UTF-8 string. */
size_t utf8_width(const char *s);
/*
 * Append to `out` the longest prefix of `s` that fits in `cols` columns,
 * never splitting a double-width character; if `s` was cut and `ellipsis`
 * is set, the last column holds "~" instead. Pads with spaces to exactly
 * `cols` columns when `pad` is set. Returns the columns written.
 */
size_t utf8_fit(struct buf *out, const char *s, size_t cols, int ellipsis, int pad);
/*
 * A character that may not be written to a terminal as it is: a C0
 * control (tab and newline included: callers decide about those), DEL, a
 * C1 control (U+0080-U+009F; U+009B is CSI on many terminals) or a
 * bidirectional control (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
 * U+061C), which could move the cursor, rewrite the screen or reverse what
 * a reviewer reads.
 */
int utf8_cp_unsafe(uint32_t cp);
/* utf8_sanitize's flags: what is written as it is instead of escaped. */
#define UTF8_KEEP_NL  0x1u /* newlines stay (multi-line text such as a body) */
#define UTF8_KEEP_TAB 0x2u /* tabs stay (else each becomes a space) */
/*
 * The one way untrusted text (anything a person, a file or the server
 * wrote) reaches a terminal. Appends s[0..len) to `out` with every
 * utf8_cp_unsafe character shown as a visible escape, so nothing is
 * hidden and nothing acts on the terminal (doc/security.md, "Text on a
 * terminal"): a byte that is not UTF-8, a C0 control or DEL as \xNN
 * ("\x0d" for a carriage return, "\x1b" for escape), a C1 or
 * bidirectional control as \uNNNN ("\u202e"). Without UTF8_KEEP_NL a
 * newline becomes a space; without UTF8_KEEP_TAB a tab does too.
 */
void utf8_sanitize_n(struct buf *out, const char *s, size_t len, unsigned flags);
/* utf8_sanitize_n of a NUL-terminated string, one line (flags 0). */
void utf8_sanitize(struct buf *out, const char *s);
/* Write s to f through utf8_sanitize_n (for printing to a terminal). */
void utf8_fputs_safe(const char *s, unsigned flags, FILE *f);
/*
 * Where text holds a character a person's text may not hold: a
 * utf8_cp_unsafe one other than tab, and newline unless `multiline`
 * (a carriage return is always refused: only "\n" ends a line). s must be
 * valid UTF-8. 0 when there is none; else 1 with the code point, its
 * 1-based line and column (columns count characters) in *bad.
 */
struct utf8_bad {
	uint32_t cp;        /* the character refused */
	size_t line, col;   /* where: 1-based, columns in characters */
};
int utf8_text_refused(const char *s, size_t len, int multiline, struct utf8_bad *bad);
/*
 * Describe a refused character for a message, translated: "a carriage
 * return (U+000D)", "a bidirectional control (U+202E)", ...
 */
void utf8_describe_cp(struct buf *out, uint32_t cp);
/*
 * Wrap `s` into lines of at most `width` columns: at newlines, after the
 * last blank that fits, or between any two characters (Chinese has no
 * blanks) except that closing punctuation (，。、）》 ...) never starts a
 * line and opening punctuation (（《 ...) never ends one: the character
 * before goes down with it. Returns the number of lines (at least 1); each is a
 * NUL-terminated string in *lines, freed with utf8_lines_free().
 */
size_t utf8_wrap(const char *s, size_t width, char ***lines);
/*
 * The rule utf8_wrap breaks lines by (行首/行尾禁则), for text laid out
 * elsewhere (the side-by-side diff): may a line end after `before` and
 * the next start with `after`? 0 when `after` is closing punctuation or
 * `before` opening punctuation.
 */
int utf8_may_break(uint32_t before, uint32_t after);
void utf8_lines_free(char **lines, size_t n);

#endif
