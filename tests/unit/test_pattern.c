/*
 * Form field patterns (src/defs/pattern.c): PCRE2 with limits. The
 * semantics administrators had with POSIX for a whole answer (characters,
 * not bytes; `$` only at the very end; `.` across lines), table-driven
 * with Chinese text; and hostile patterns that made glibc's regcomp grow to
 * 7 GB, which must now fail fast with a clear reason and little memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "defs/pattern.h"
#include "util/buf.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Peak resident memory of this process so far, in KiB. */
static long max_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void test_semantics(void **state)
{
	(void)state;
	static const struct {
		const char *pattern;
		const char *text;
		int want; /* 1 match, 0 no match */
	} cases[] = {
		{ "^[0-9]{3}(-[0-9]{2}){0,2}$", "123-45", 1 }, /* the shipped purchase form */
		{ "^[0-9]{3}(-[0-9]{2}){0,2}$", "123-4", 0 },
		{ "^[0-9]{3}$", "123\n", 0 },       /* $ only at the very end, as in POSIX */
		{ "^.{2}$", "张伟", 1 },            /* characters, not bytes */
		{ "^.{6}$", "张伟", 0 },
		{ "^a.b$", "a\nb", 1 },             /* . matches a newline, as in POSIX */
		{ "^[[:alpha:]]+$", "审批中", 1 },   /* Chinese characters are letters */
		{ "^\\w+$", "预算abc_1", 1 },
		{ "^[一-龥]{2,4}$", "欧阳修文", 1 },
		{ "^[一-龥]{2,4}$", "欧阳", 1 },
		{ "^[一-龥]{2,4}$", "欧", 0 },
		{ "市财发〔[0-9]{4}〕[0-9]+号", "见市财发〔2026〕12号文", 1 }, /* unanchored: anywhere */
		{ "^1[3-9][0-9]{9}$", "13912345678", 1 },
		{ "^1[3-9][0-9]{9}$", "１３９１２３４５６７８", 0 }, /* full-width digits are not [0-9] */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf err = BUF_INIT;
		struct pattern *p = pattern_compile(cases[i].pattern, &err);
		if (!p)
			fail_msg("'%s': %s", cases[i].pattern, err.s);
		int got = pattern_match(p, cases[i].text, strlen(cases[i].text));
		if (got != cases[i].want)
			fail_msg("'%s' on '%s': %d, want %d", cases[i].pattern, cases[i].text, got, cases[i].want);
		pattern_free(p);
		buf_release(&err);
	}
}

static void test_refused(void **state)
{
	(void)state;
	char nest[80] = "", big[PATTERN_MAX_BYTES + 8];
	for (int i = 0; i < PATTERN_MAX_NEST + 2; i++)
		strcat(nest, "(");
	strcat(nest, "a");
	for (int i = 0; i < PATTERN_MAX_NEST + 2; i++)
		strcat(nest, ")");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	static const char *const bad[][2] = {
		{ "^(1[3-9][0-9]{9}$", "missing closing parenthesis at character 18" },
		{ "^[0-9{3}$", "missing terminating ] for character class at character 10" },
		{ "((((a{1,100}){1,100}){1,100}){1,100})", "too complex: regular expression is too large" },
		{ "(((((((((a{1,1000}){1,1000}){1,1000}){1,1000}){1,1000}){1,1000}){1,1000}){1,1000}){1,1000})",
		  "too complex:" },
		{ "a\\Cb", "using \\C is disabled" }, /* one byte of a UTF-8 character */
	};
	long before = max_rss_kib();
	double t0 = now_s();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf err = BUF_INIT;
		struct pattern *p = pattern_compile(bad[i][0], &err);
		if (p || !strstr(err.s, bad[i][1]))
			fail_msg("'%s': '%s', want '%s'", bad[i][0], err.s, bad[i][1]);
		buf_release(&err);
	}
	struct buf err = BUF_INIT;
	assert_null(pattern_compile(nest, &err));
	assert_non_null(strstr(err.s, "too complex: parentheses are too deeply nested"));
	buf_reset(&err);
	assert_null(pattern_compile(big, &err));
	assert_non_null(strstr(err.s, "longer than 1024 bytes"));
	buf_release(&err);
	/* fast, and a few MiB at most where regcomp took 7 GB */
	assert_true(now_s() - t0 < 1.0);
	assert_true(max_rss_kib() - before < 32 * 1024);
}

/* Catastrophic backtracking stops at the match limit: -1, quickly, not a hang. */
static void test_match_limits(void **state)
{
	(void)state;
	struct buf err = BUF_INIT, text = BUF_INIT;
	struct pattern *p = pattern_compile("^(a+)+$", &err);
	assert_non_null(p);
	for (int i = 0; i < 40; i++)
		buf_addch(&text, 'a');
	buf_addch(&text, 'b');
	double t0 = now_s();
	assert_int_equal(pattern_match(p, text.s, text.len), -1);
	assert_true(now_s() - t0 < 2.0);
	/* a long answer that is fine: matched in one pass, no limit reached */
	struct pattern *q = pattern_compile("^[^<>]*$", &err);
	buf_reset(&text);
	for (int i = 0; i < 100000; i++)
		buf_adds(&text, "同意");
	assert_int_equal(pattern_match(q, text.s, text.len), 1);
	pattern_free(p);
	pattern_free(q);
	buf_release(&err);
	buf_release(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_match_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
