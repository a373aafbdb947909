/*
 * Utilities: column widths and truncation of Chinese text, the clock,
 * SM3, diagnostics ordering, strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/diag.h"
#include "util/hash.h"
#include "util/i18n.h"
#include "util/utf8.h"

static void test_width(void **state)
{
	(void)state;
	static const struct { const char *s; size_t w; } cases[] = {
		{ "", 0 }, { "abc", 3 }, { "审批中", 6 }, { "请假a", 5 },
		{ "ｆｕｌｌ", 8 },            /* fullwidth latin */
		{ "〔2026〕", 8 },          /* 〔 〕 are wide */
		{ "e\xcc\x81", 1 },        /* e + combining acute */
		{ "𠀀", 2 },               /* CJK extension B, 4 bytes */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(utf8_width(cases[i].s), cases[i].w);
}

static void test_fit(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t cols;
		int ellipsis, pad;
		const char *want;
		size_t used;
	} cases[] = {
		{ "审批中", 6, 1, 1, "审批中", 6 },
		{ "审批中", 5, 0, 0, "审批", 4 },        /* never half a character */
		{ "审批中", 5, 0, 1, "审批 ", 5 },       /* padded to the column */
		{ "审批中", 5, 1, 1, "审批~", 5 },       /* cut: marked */
		{ "审批中", 4, 1, 1, "审~ ", 4 },
		{ "a审批", 2, 1, 0, "a~", 2 },
		{ "abc", 5, 1, 1, "abc  ", 5 },
		{ "市财发〔2026〕12号", 10, 1, 1, "市财发〔2~", 10 },
		{ "x", 0, 1, 1, "", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		size_t used = utf8_fit(&b, cases[i].s, cases[i].cols, cases[i].ellipsis, cases[i].pad);
		if (strcmp(b.s, cases[i].want) || used != cases[i].used)
			fail_msg("case %zu: got '%s' (%zu) want '%s' (%zu)", i, b.s, used,
				 cases[i].want, cases[i].used);
		assert_true(utf8_width(b.s) <= cases[i].cols);
		buf_release(&b);
	}
}

static void test_valid_and_sanitize(void **state)
{
	(void)state;
	size_t bad;
	assert_true(utf8_valid("请假", 6, &bad));
	assert_false(utf8_valid("请\xe5\x81", 5, &bad));
	assert_int_equal(bad, 3);
	assert_false(utf8_valid("\xc0\xaf", 2, &bad));          /* overlong '/' */
	assert_false(utf8_valid("\xed\xa0\x80", 3, &bad));      /* surrogate */
	struct buf b = BUF_INIT;
	/* what a terminal would act on is shown escaped, never dropped or sent (issue 13) */
	utf8_sanitize(&b, "同意\x1b[31m\xe2\x80\xae伪造\tok\n");
	assert_string_equal(b.s, "同意\\x1b[31m\\u202e伪造 ok ");
	buf_release(&b);
}

/* The one sanitiser for terminals (utf8_sanitize_n): every kind of character, each flag. */
static void test_sanitize_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t len;     /* 0: strlen */
		unsigned flags;
		const char *out;
	} cases[] = {
		{ "正文\rFAKE", 0, 0, "正文\\x0dFAKE" },
		{ "正文\rFAKE", 0, UTF8_KEEP_NL | UTF8_KEEP_TAB, "正文\\x0dFAKE" },
		{ "a\x1b]0;title\x07" "b", 0, 0, "a\\x1b]0;title\\x07b" },
		{ "del\x7f", 0, 0, "del\\x7f" },
		{ "c1\xc2\x9b" "2J", 0, 0, "c1\\u009b2J" },        /* U+009B, CSI */
		{ "raw\x9b" "2J", 0, 0, "raw\\x9b2J" },              /* not UTF-8: the byte */
		{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae", 0, 0,
		  "\\u202a\\u202b\\u202c\\u202d\\u202e" },
		{ "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", 0, 0, "\\u2066\\u2067\\u2068\\u2069" },
		{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", 0, 0, "\\u200e\\u200f\\u061c" },
		{ "行一\n行二\t甲", 0, 0, "行一 行二 甲" },
		{ "行一\n行二\t甲", 0, UTF8_KEEP_NL, "行一\n行二 甲" },
		{ "行一\n行二\t甲", 0, UTF8_KEEP_NL | UTF8_KEEP_TAB, "行一\n行二\t甲" },
		{ "nul\0x", 5, 0, "nul\\x00x" },
		{ "\xe5\x81", 0, 0, "\\xe5\\x81" },             /* a cut sequence */
		{ "审批中 ★ 世蓮 é", 0, 0, "审批中 ★ 世蓮 é" },     /* text stays as it is */
		{ "C:\\x0d", 0, 0, "C:\\x0d" },                   /* a backslash typed stays */
		{ "", 0, 0, "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		utf8_sanitize_n(&b, cases[i].in, cases[i].len ? cases[i].len : strlen(cases[i].in), cases[i].flags);
		if (strcmp(b.s, cases[i].out))
			fail_msg("case %zu: got '%s', want '%s'", i, b.s, cases[i].out);
		buf_release(&b);
	}
}

/* What a person's text may not hold (utf8_text_refused): where, and how it is named. */
static void test_text_refused(void **state)
{
	(void)state;
	struct utf8_bad bad;
	assert_false(utf8_text_refused("同意\t拟办", strlen("同意\t拟办"), 0, &bad));
	assert_false(utf8_text_refused("一\n二", strlen("一\n二"), 1, &bad));
	assert_true(utf8_text_refused("一\n二", strlen("一\n二"), 0, &bad));
	assert_int_equal(bad.cp, '\n');
	assert_true(utf8_text_refused("第一行\n正文\rFAKE", strlen("第一行\n正文\rFAKE"), 1, &bad));
	assert_int_equal(bad.cp, '\r');
	assert_int_equal(bad.line, 2);
	assert_int_equal(bad.col, 3);
	assert_true(utf8_text_refused("同意\xc2\x9b", strlen("同意\xc2\x9b"), 1, &bad));
	assert_int_equal(bad.cp, 0x9b);
	assert_true(utf8_text_refused("ab\xe2\x81\xa6", 5, 1, &bad));
	assert_int_equal(bad.cp, 0x2066);
	assert_int_equal(bad.col, 3);
	struct buf d = BUF_INIT;
	utf8_describe_cp(&d, '\r');
	assert_string_equal(d.s, "a carriage return (U+000D)");
	buf_reset(&d);
	utf8_describe_cp(&d, 0x202e);
	assert_string_equal(d.s, "a bidirectional control (U+202E)");
	buf_release(&d);
}

static void test_clock(void **state)
{
	(void)state;
	time_t t;
	assert_int_equal(clock_parse_iso("2026-03-02T09:30:00+08:00", &t), 0);
	char out[32];
	clock_format_iso(t, out, sizeof(out));
	assert_string_equal(out, "2026-03-02T01:30:00Z");
	assert_int_equal(clock_parse_iso("2026-03-02", &t), 0);
	clock_format_iso(t, out, sizeof(out));
	assert_string_equal(out, "2026-03-02T00:00:00Z");
	assert_int_equal(clock_parse_iso("2026-02-30", &t), -1);
	assert_int_equal(clock_parse_iso("2026-3-2", &t), -1);
	assert_int_equal(clock_parse_iso("2026-03-02T25:00", &t), -1);
	assert_int_equal(clock_parse_iso("yesterday", &t), -1);
	assert_int_equal(clock_parse_iso("-001-01-01", &t), -1);            /* a sign is not a year */
	assert_int_equal(clock_parse_iso("2026-03-02T09:30:00+99:99", &t), -1); /* no such offset */
	assert_int_equal(clock_parse_iso("2026-03-02T09:30:00+08:60", &t), -1);
	/* DOCKET_NOW: within what a git commit time holds (libgit2 writes 32 bits unsigned) */
	static const struct {
		const char *v;    /* DOCKET_NOW */
		const char *why;  /* in the message, or NULL when usable */
	} env[] = {
		{ "", NULL },
		{ "1970-01-01T00:00:00Z", NULL },
		{ "2106-02-07T06:28:15Z", NULL },
		{ "2106-02-07T14:28:15+08:00", NULL },
		{ "1969-12-31T23:59:59Z", "out of range" },
		{ "1970-01-01T00:00:00+08:00", "out of range" },
		{ "2106-02-07T06:28:16Z", "out of range" },
		{ "0000-01-01T00:00:00Z", "out of range" },
		{ "9999-12-31T23:59:59Z", "out of range" },
		{ "2026-13-01", "not an ISO 8601 time" },
		{ "明天", "not an ISO 8601 time" },
	};
	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++) {
		struct buf err = BUF_INIT;
		setenv("DOCKET_NOW", env[i].v, 1);
		int rc = clock_env_check(&err);
		if (env[i].why ? rc != -1 || !strstr(err.s, env[i].why) : rc != 0)
			fail_msg("DOCKET_NOW='%s': %d '%s'", env[i].v, rc, err.s);
		buf_release(&err);
	}
	setenv("DOCKET_NOW", "2026-03-02T09:30:00+08:00", 1);
	clock_format_iso(clock_now(), out, sizeof(out));
	assert_string_equal(out, "2026-03-02T01:30:00Z");
}

/* Wrapping by display columns: Chinese anywhere, other text at blanks, newlines kept. */
static void wraps(const char *s, size_t width, const char *want)
{
	char **lines;
	size_t n = utf8_wrap(s, width, &lines);
	struct buf got = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		assert_true(utf8_width(lines[i]) <= width);
		buf_addf(&got, "%s|", lines[i]);
	}
	assert_string_equal(got.s, want);
	buf_release(&got);
	utf8_lines_free(lines, n);
}

static void test_wrap(void **state)
{
	(void)state;
	wraps("", 10, "|");
	wraps("同意，请秘书长签发", 6, "同意，|请秘书|长签发|");
	wraps("同意，请秘书长签发", 5, "同|意，|请秘|书长|签发|"); /* never half a character, never a comma first */
	wraps("Close this view (quit from the first view)", 20, "Close this view|(quit from the first|view)|");
	wraps("第一行\n\nsecond line", 8, "第一行||second|line|");
	wraps("abcdefghij", 4, "abcd|efgh|ij|");
	wraps("请假 days", 4, "请假|days|");
	/* no closing punctuation starts a line, no opening one ends it: the character before goes down too */
	wraps("切换排序（期限、流程）", 20, "切换排序（期限、流|程）|");
	wraps("同意，请秘书长签发", 4, "同|意，|请秘|书长|签发|");
	wraps("请按《办法》执行", 6, "请按|《办|法》执|行|");
}

static void test_sm3(void **state)
{
	(void)state;
	char hex[HASH_HEX_LEN + 1];
	/* GB/T 32905-2016 example 1 */
	assert_int_equal(hash_sm3_hex("abc", 3, hex), 0);
	assert_string_equal(hex, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
	char u1[37], u2[37];
	uuid_v4(u1);
	uuid_v4(u2);
	assert_int_equal(strlen(u1), 36);
	assert_int_equal(u1[14], '4');
	assert_string_not_equal(u1, u2);
	/* canonical form: 8-4-4-4-12 lowercase hex, RFC 4122 variant */
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(u1[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", u1[i]));
	}
	assert_non_null(strchr("89ab", u1[19]));
	assert_true(uuid_valid(u1));
	assert_false(uuid_valid("0B0E8A34-1C1D-4C2E-9F00-000000000001")); /* upper case */
	assert_false(uuid_valid("0b0e8a341c1d4c2e9f00000000000001"));     /* no dashes */
	assert_false(uuid_valid("0b0e8a34-1c1d-4c2e-9f00-00000000000"));  /* short */
	assert_false(uuid_valid(NULL));
	/* the digest is the same when asked again (the implementation is looked up once) */
	char again[HASH_HEX_LEN + 1];
	assert_int_equal(hash_sm3_hex("abc", 3, again), 0);
	assert_string_equal(again, hex);
}

static void test_diags_sorted_and_deduplicated(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	diag_error(&d, "b.yaml", 1, 1, "x");
	diag_error(&d, "a.yaml", 9, 2, "late");
	diag_error(&d, "a.yaml", 2, 7, "early");
	diag_error(&d, "a.yaml", 2, 7, "early");
	diag_warning(&d, "a.yaml", 2, 3, "warn");
	diags_sort(&d);
	assert_int_equal(d.n, 4);
	assert_string_equal(d.v[0].msg, "warn");
	assert_string_equal(d.v[1].msg, "early");
	assert_string_equal(d.v[2].msg, "late");
	assert_string_equal(d.v[3].file, "b.yaml");
	assert_int_equal(diags_errors(&d), 3);
	diags_release(&d);
}

static void test_buf(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	assert_string_equal(b.s, "");
	buf_release(&b); /* releasing an empty buf is fine */
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%d审", i % 10);
	assert_int_equal(b.len, 4000);
	char *s = buf_detach(&b);
	assert_string_equal(b.s, "");
	assert_int_equal(strncmp(s, "0审1审", 8), 0);
	free(s);
	s = buf_detach(&b);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	i18n_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_valid_and_sanitize),
		cmocka_unit_test(test_sanitize_table),
		cmocka_unit_test(test_text_refused),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_sm3),
		cmocka_unit_test(test_diags_sorted_and_deduplicated),
		cmocka_unit_test(test_buf),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
