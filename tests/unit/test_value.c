/*
 * Typed values: exact money in fen, calendar dates, and the ownership rules
 * of value_copy() / value_release().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "defs/value.h"
#include "util/xalloc.h"

struct money_case {
	const char *text;
	int ok;         /* 0 if money_parse must accept */
	int64_t fen;
};

static const struct money_case money_cases[] = {
	{ "1234", 0, 123400 },
	{ "1234.5", 0, 123450 },
	{ "1234.56", 0, 123456 },
	{ "¥1,234.50", 0, 123450 },
	{ "￥1,234.50", 0, 123450 },
	{ "-3.00", 0, -300 },
	{ "-¥3.00", 0, -300 },
	{ "¥-3", 0, -300 },
	{ "+5", 0, 500 },
	{ "0.01", 0, 1 },
	{ "0", 0, 0 },
	{ "-0", 0, 0 },
	{ " 12.30 ", 0, 1230 },
	{ "1,234,567.89", 0, 123456789 },
	{ "50000", 0, 5000000 },
	{ "92233720368547758.07", 0, INT64_MAX },
	{ "-92233720368547758.07", 0, -INT64_MAX },
	/* refused */
	{ "", -1, 0 },
	{ "1234.567", -1, 0 },
	{ "0.001", -1, 0 },
	{ "1,23", -1, 0 },
	{ "12,3456", -1, 0 },
	{ "1234,567", -1, 0 },
	{ "1,234,56", -1, 0 },
	{ ",123", -1, 0 },
	{ "1e3", -1, 0 },
	{ "abc", -1, 0 },
	{ "12.", -1, 0 },
	{ ".5", -1, 0 },
	{ "¥", -1, 0 },
	{ "--1", -1, 0 },
	{ "1 234", -1, 0 },
	{ "12元", -1, 0 },
	{ "五十", -1, 0 },
	{ "0x10", -1, 0 },
	{ "92233720368547758.08", -1, 0 },
	{ "99999999999999999999", -1, 0 },
	{ "NaN", -1, 0 },
};

static void test_money_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(money_cases) / sizeof(money_cases[0]); i++) {
		const struct money_case *c = &money_cases[i];
		int64_t fen = 77;
		int rc = money_parse(c->text, &fen);
		if (rc != c->ok)
			fail_msg("'%s': money_parse returned %d, want %d", c->text, rc, c->ok);
		if (!rc && fen != c->fen)
			fail_msg("'%s': got %lld fen, want %lld", c->text, (long long)fen,
				 (long long)c->fen);
	}
	assert_int_equal(money_parse(NULL, &(int64_t){ 0 }), -1);
}

static void test_money_format(void **state)
{
	(void)state;
	static const struct {
		int64_t fen;
		const char *want;
	} cases[] = {
		{ 0, "0.00" },
		{ 5, "0.05" },
		{ -5, "-0.05" },
		{ 123450, "1234.50" },
		{ -300, "-3.00" },
		{ 5000000, "50000.00" },
		{ INT64_MAX, "92233720368547758.07" },
		{ INT64_MIN, "-92233720368547758.08" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[32];
		money_format(cases[i].fen, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
	/* format and parse agree */
	for (int64_t f = -100000; f <= 100000; f += 37) {
		char out[32];
		int64_t back;
		money_format(f, out, sizeof(out));
		assert_int_equal(money_parse(out, &back), 0);
		assert_int_equal(back, f);
	}
}

struct date_case {
	const char *text;
	int ok;
	int64_t days;
};

static const struct date_case date_cases[] = {
	{ "1970-01-01", 0, 0 },
	{ "1969-12-31", 0, -1 },
	{ "2026-03-02", 0, 20514 },
	{ "2024-02-29", 0, 19782 },
	{ "2000-02-29", 0, 11016 },
	{ "0001-01-01", 0, -719162 },
	{ "9999-12-31", 0, 2932896 },
	/* refused */
	{ "2023-02-29", -1, 0 },
	{ "1900-02-29", -1, 0 },
	{ "2026-04-31", -1, 0 },
	{ "2026-13-01", -1, 0 },
	{ "2026-00-10", -1, 0 },
	{ "2026-01-00", -1, 0 },
	{ "2026-01-32", -1, 0 },
	{ "0000-01-01", -1, 0 },
	{ "2026-1-01", -1, 0 },
	{ "2026-01-01x", -1, 0 },
	{ "2026/01/01", -1, 0 },
	{ "２０２６-01-01", -1, 0 },
	{ "二〇二六年三月二日", -1, 0 },
	{ "", -1, 0 },
};

static void test_date_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(date_cases) / sizeof(date_cases[0]); i++) {
		const struct date_case *c = &date_cases[i];
		int64_t days = 77;
		int rc = date_parse(c->text, &days);
		if (rc != c->ok)
			fail_msg("'%s': date_parse returned %d, want %d", c->text, rc, c->ok);
		if (!rc && days != c->days)
			fail_msg("'%s': got %lld, want %lld", c->text, (long long)days,
				 (long long)c->days);
	}
}

static void test_date_roundtrip(void **state)
{
	(void)state;
	char out[32];
	date_format(20514, out, sizeof(out));
	assert_string_equal(out, "2026-03-02");
	date_format(-719162, out, sizeof(out));
	assert_string_equal(out, "0001-01-01");
	for (int64_t d = -719162; d <= 2932896; d += 13) {
		int64_t back;
		date_format(d, out, sizeof(out));
		assert_int_equal(date_parse(out, &back), 0);
		assert_int_equal(back, d);
	}
}

static void test_names_and_ownership(void **state)
{
	(void)state;
	assert_string_equal(vtype_name(V_MONEY), "money");
	assert_string_equal(vtype_name(V_STRING), "text");
	assert_string_equal(vtype_name(V_DATETIME), "datetime");
	assert_string_equal(vtype_name(V_NULL), "null");

	struct value s = { V_STRING, { 0 } }, c;
	s.u.str = xstrdup("财政局");
	value_copy(&c, &s);
	assert_ptr_not_equal(c.u.str, s.u.str);
	assert_string_equal(c.u.str, "财政局");
	value_release(&s);
	assert_int_equal(s.type, V_NULL);
	value_release(&c);

	struct value l = { V_LIST, { 0 } };
	l.u.list.n = 2;
	l.u.list.items = xcalloc(2, sizeof(char *));
	l.u.list.items[0] = xstrdup("科员");
	l.u.list.items[1] = xstrdup("审批人");
	value_copy(&c, &l);
	value_release(&l);
	assert_int_equal(c.u.list.n, 2);
	assert_string_equal(c.u.list.items[1], "审批人");
	value_release(&c);

	struct value m = { V_MONEY, { 0 } }, mc;
	m.u.money = 123450;
	value_copy(&mc, &m);
	assert_int_equal(mc.u.money, 123450);
	value_release(&mc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money_parse),
		cmocka_unit_test(test_money_format),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_date_roundtrip),
		cmocka_unit_test(test_names_and_ownership),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
