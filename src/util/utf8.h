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

struct buf;

/*
 * Check that s[0..len) is valid UTF-8 (no overlongs, surrogates, or code
 * points past U+10FFFF). On failure store the offset of the first bad byte.
 */
int utf8_valid(const char *s, size_t len, size_t *bad_offset);
/* Decode one code point at s (which must be valid); return its length. */
size_t utf8_decode(const char *s, uint32_t *cp);
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
/* Drop control and bidirectional-override characters (safe to draw). */
void utf8_sanitize(struct buf *out, const char *s);
/*
 * Wrap `s` into lines of at most `width` columns: at newlines, after the
 * last blank that fits, or between any two characters (Chinese has no
 * blanks) except that closing punctuation (，。、）》 ...) never starts a
 * line and opening punctuation (（《 ...) never ends one: the character
 * before goes down with it. Returns the number of lines (at least 1); each is a
 * NUL-terminated string in *lines, freed with utf8_lines_free().
 */
size_t utf8_wrap(const char *s, size_t width, char ***lines);
void utf8_lines_free(char **lines, size_t n);

#endif
