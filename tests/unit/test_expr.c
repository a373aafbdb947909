/*
 * The expression language: every syntax and type error with its exact
 * message and line:col (columns count characters, so Chinese text before
 * an error must not shift it), every operator and function, null rules,
 * exact money, and the size limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "defs_helpers.h"
#include "defs/expr.h"
#include "defs/value.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/xalloc.h"
#include "yaml/ydoc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a small form: names, types and values ---- */

struct field {
	const char *name;
	enum vtype type;        /* what expr_check sees */
	const char *value;      /* parsed by type; NULL = not filled in */
};

static const struct field fields[] = {
	{ "days", V_NUMBER, "5" },
	{ "zero", V_NUMBER, "0" },
	{ "rate", V_NUMBER, "0.15" },
	{ "blank_days", V_NUMBER, NULL },
	{ "amount", V_MONEY, "60000.00" },
	{ "price", V_MONEY, "0.10" },
	{ "price2", V_MONEY, "0.20" },
	{ "huge", V_MONEY, "90000000000000000.00" },
	{ "blank_amount", V_MONEY, NULL },
	{ "reason", V_STRING, "因公出差，前往北京" },
	{ "memo", V_STRING, "" },
	{ "note", V_STRING, NULL },
	{ "applicant.department", V_STRING, "财政局" },
	{ "applicant.roles", V_LIST, "科员|审批人" },
	{ "tags", V_LIST, "" },
	{ "blank_roles", V_LIST, NULL },
	{ "start", V_DATE, "2026-03-02" },
	{ "end", V_DATE, "2026-03-05" },
	{ "blank_date", V_DATE, NULL },
	{ "submitted_at", V_DATETIME, "1772406000" },   /* 2026-03-01T23:00:00Z */
	{ "decided_at", V_DATETIME, "1772575200" },     /* 2026-03-03T22:00:00Z */
	{ "urgent", V_BOOL, "1" },
	{ "blank_flag", V_BOOL, NULL },
	{ "extra", V_ANY, "x" },                        /* unknown type: a string at run time */
};

static const struct field *find_field(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

static int lookup_type(void *ctx, const char *name, enum vtype *type)
{
	(void)ctx;
	const struct field *f = find_field(name);
	if (!f)
		return -1;
	*type = f->type;
	return 0;
}

static const char *const *names(void *ctx)
{
	static const char *list[ARRAY_SIZE(fields) + 1];
	(void)ctx;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		list[i] = fields[i].name;
	return list;
}

static const struct expr_env env = { lookup_type, names, NULL };

static int lookup(void *ctx, const char *name, struct value *out)
{
	(void)ctx;
	const struct field *f = find_field(name);
	if (!f)
		return -1;
	*out = (struct value)VALUE_NULL;
	if (!f->value)
		return 0;
	switch (f->type) {
	case V_NUMBER:
		out->type = V_NUMBER;
		out->u.num = strtod(f->value, NULL);
		break;
	case V_MONEY:
		out->type = V_MONEY;
		assert_int_equal(money_parse(f->value, &out->u.money), 0);
		break;
	case V_DATE:
		out->type = V_DATE;
		assert_int_equal(date_parse(f->value, &out->u.date), 0);
		break;
	case V_DATETIME:
		out->type = V_DATETIME;
		out->u.datetime = strtoll(f->value, NULL, 10);
		break;
	case V_BOOL:
		out->type = V_BOOL;
		out->u.b = f->value[0] == '1';
		break;
	case V_LIST: {
		out->type = V_LIST;
		const char *s = f->value;
		while (*s) {
			const char *bar = strchr(s, '|');
			size_t len = bar ? (size_t)(bar - s) : strlen(s);
			out->u.list.items = xrealloc(out->u.list.items,
						     (out->u.list.n + 1) * sizeof(char *));
			out->u.list.items[out->u.list.n++] = xstrndup(s, len);
			s += len + (bar != NULL);
		}
		break;
	}
	default:
		out->type = V_STRING;
		out->u.str = xstrdup(f->value);
	}
	return 0;
}

static const struct expr_scope scope = { lookup, NULL };

/* ---- helpers ---- */

/* Diagnostics as "line:col: msg" lines (in the order reported). */
static char *show_diags(struct diags *d)
{
	return diags_lines(d, 0);
}

/* Parse at line 4, column 11 (as if after "    when: " in a file). */
static char *parse_errors(const char *src, struct expr **out)
{
	struct diags d = DIAGS_INIT;
	*out = expr_parse(src, "f.yaml", 4, 11, &d);
	return show_diags(&d);
}

/* A value as text for comparing with a table. */
static char *show_value(const struct value *v)
{
	struct buf b = BUF_INIT;
	char tmp[64];
	switch (v->type) {
	case V_NULL: buf_adds(&b, "null"); break;
	case V_BOOL: buf_adds(&b, v->u.b ? "true" : "false"); break;
	case V_NUMBER: buf_addf(&b, "%g", v->u.num); break;
	case V_MONEY:
		money_format(v->u.money, tmp, sizeof(tmp));
		buf_addf(&b, "¥%s", tmp);
		break;
	case V_STRING: buf_addf(&b, "\"%s\"", v->u.str); break;
	case V_DATE:
		date_format(v->u.date, tmp, sizeof(tmp));
		buf_adds(&b, tmp);
		break;
	case V_DATETIME: buf_addf(&b, "@%lld", (long long)v->u.datetime); break;
	case V_LIST:
		buf_addch(&b, '[');
		for (size_t i = 0; i < v->u.list.n; i++)
			buf_addf(&b, "%s%s", i ? ", " : "", v->u.list.items[i]);
		buf_addch(&b, ']');
		break;
	case V_ANY: buf_adds(&b, "any"); break;
	}
	return buf_detach(&b);
}

/* ---- syntax errors ---- */

struct err_case {
	const char *src;
	const char *want;       /* every diagnostic, "line:col: msg\n" each */
};

static const struct err_case parse_cases[] = {
	{ "applicant.department == \"财政局\" )",
	  "4:41: unexpected ')'\n" },
	{ "len(\"审批中\" > 3",
	  "4:24: expected ')' after arguments\n" },
	{ "reason == \"未结束",
	  "4:21: unterminated string\n" },
	{ "reason == '未结束\\'",
	  "4:21: unterminated string\n" },
	{ "days = 3",
	  "4:16: unexpected '=' (did you mean '=='?)\n" },
	{ "contains（reason, \"北京\"）",
	  "4:19: unexpected character '（' (write '(' instead)\n" },
	{ "请假天数 > 3",
	  "4:11: unexpected character '请' (names are field ids in ASCII; put text in quotes)\n" },
	{ "days > ",
	  "4:18: unexpected end of the expression\n" },
	{ "",
	  "4:11: empty expression\n" },
	{ "   ",
	  "4:11: empty expression\n" },
	{ "1 < days < 5",
	  "4:20: comparisons cannot be chained (join them with 'and')\n" },
	{ "lenn(reason) > 3",
	  "4:11: unknown function 'lenn' (did you mean 'len'?)\n" },
	{ "reason == \"审批\" and days(start) > 1",
	  "4:30: 'days' takes 2 arguments, not 1\n" },
	{ "lenn(reason) > 3 or days(start) > 1",
	  "4:11: unknown function 'lenn' (did you mean 'len'?)\n4:31: 'days' takes 2 arguments, not 1\n" },
	{ "len() == 0",
	  "4:11: 'len' takes 1 argument, not 0\n" },
	{ "f(reason)",
	  "4:11: unknown function 'f'\n" },
	{ "reason == \"审\\q\"",
	  "4:23: unknown escape '\\q' in a string\n" },
	{ "applicant. department == \"x\"",
	  "4:20: expected a name after '.'\n" },
	{ "12abc > 3",
	  "4:11: invalid number '12abc'\n" },
	{ "1.5.2 > 3",
	  "4:11: invalid number '1.5.2'\n" },
	{ "(days > 3",
	  "4:20: expected ')'\n" },
	{ "applicant.department in [\"财政局\", \"人事局\"",
	  "4:48: expected ']' after list items\n" },
	{ "reason == \"审批中\" and dyas > 3 & urgent",
	  "4:40: unexpected '&' (did you mean '&&'?)\n" },
	{ "urgent | days > 3",
	  "4:18: unexpected '|' (did you mean '||'?)\n" },
	{ "amount ≥ 50000",
	  "4:18: unexpected character '≥' (write '>=' instead)\n" },
	{ "days > 3 days",
	  "4:20: unexpected 'days'\n" },
	{ "“财政局” == applicant.department",
	  "4:11: unexpected character '“' (write '\"' instead)\n" },
	{ "reason == \"审批中\" and (days > 3))",
	  "4:41: unexpected ')'\n" },
	{ "-",
	  "4:12: unexpected end of the expression\n" },
	{ "days > 3 and and urgent",
	  "4:24: unexpected 'and'\n" },
	{ "reason == \"说明\" or \"审批\" ==",
	  "4:36: unexpected end of the expression\n" },
	{ "reason == \"\xff\"",
	  "4:22: invalid UTF-8 in the expression\n" },
	{ "days > 3 # 注释",
	  "4:20: unexpected character '#'\n" },
	{ "days > 3 and\n  reason == )",
	  "5:13: unexpected ')'\n" },
	{ "reason == \"第一行\n第二行\" and\n  \"中文\" == )",
	  "6:11: unexpected ')'\n" },
};

static void test_parse_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		struct expr *e;
		char *got = parse_errors(parse_cases[i].src, &e);
		if (strcmp(got, parse_cases[i].want))
			fail_msg("case %zu '%s':\n got: %s want: %s", i, parse_cases[i].src, got,
				 parse_cases[i].want);
		assert_null(e);
		free(got);
	}
}

/* Positions inside YAML scalars: plain, quoted, block. */
static void test_parse_node_positions(void **state)
{
	(void)state;
	static const char yaml[] =
		"plain: reason == \"审批中\" )\n"
		"double: \"reason == '审批中' )\"\n"
		"single: 'reason == \"审批中\" )'\n"
		"block: |\n"
		"  days > )\n"
		"名称: 请假\n"
		"ok: applicant.department == \"财政局\"\n"
		"list: [a]\n";
	struct ydoc doc = YDOC_INIT;
	struct diags d = DIAGS_INIT;
	assert_int_equal(ydoc_load_buf(&doc, "leave.yaml", yaml, strlen(yaml), &d), 0);
	static const struct {
		const char *key;
		const char *want;
	} cases[] = {
		{ "plain", "1:24: unexpected ')'\n" },
		{ "double", "2:26: unexpected ')'\n" },
		{ "single", "3:26: unexpected ')'\n" },
		{ "block", "4:8: unexpected ')'\n" },
		{ "list", "8:7: expected an expression, not a list\n" },
		{ "ok", "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct expr *e = expr_parse_node(&doc, ymap_get(doc.root, cases[i].key), &d);
		for (size_t j = 0; j < d.n; j++)
			assert_string_equal(d.v[j].file, "leave.yaml");
		char *got = show_diags(&d);
		if (strcmp(got, cases[i].want))
			fail_msg("%s: got '%s' want '%s'", cases[i].key, got, cases[i].want);
		if (*cases[i].want)
			assert_null(e);
		else
			assert_string_equal(expr_source(e), "applicant.department == \"财政局\"");
		free(got);
		expr_free(e);
	}
	ydoc_release(&doc);
}

/* ---- type errors ---- */

static const struct err_case type_cases[] = {
	{ "amount > \"5000\"",
	  "4:18: cannot compare money with text\n" },
	{ "dyas > 3",
	  "4:11: unknown name 'dyas' (did you mean 'days'?)\n" },
	{ "reason == \"审批中\" and dyas > 3",
	  "4:31: unknown name 'dyas' (did you mean 'days'?)\n" },
	{ "applicant.departmnet == \"财政局\"",
	  "4:11: unknown name 'applicant.departmnet' (did you mean 'applicant.department'?)\n" },
	{ "xyz == \"财政局\"",
	  "4:11: unknown name 'xyz'\n" },
	{ "start + end > 3",
	  "4:17: '+' needs two numbers or two money amounts, not a date and a date\n" },
	{ "amount > 0.001",
	  "4:20: '0.001' is not an exact money amount\n" },
	{ "amount > 1000 * 50",
	  "4:18: cannot compare money with number\n" },
	{ "amount + -0.001 > 0",
	  "4:20: '-0.001' is not an exact money amount\n" },
	{ "days",
	  "4:11: condition must be true or false, not a number\n" },
	{ "reason",
	  "4:11: condition must be true or false, not text\n" },
	{ "amount > \"x\" or dyas > 3 or start > 5",
	  "4:18: cannot compare money with text\n4:27: unknown name 'dyas' (did you mean 'days'?)\n4:45: cannot compare date with number\n" },
	{ "reason in \"财政局\"",
	  "4:21: 'in' needs a list on the right, not text\n" },
	{ "3 in applicant.roles",
	  "4:11: 'in' needs text on the left, not a number\n" },
	{ "reason in [\"财政局\", 1]",
	  "4:29: a list can only hold text, not a number\n" },
	{ "not days",
	  "4:15: 'not' needs true or false, not a number\n" },
	{ "days && urgent",
	  "4:11: '&&' needs true or false, not a number\n" },
	{ "urgent and \"是\"",
	  "4:22: 'and' needs true or false, not text\n" },
	{ "-reason == \"负\"",
	  "4:11: '-' needs a number or money, not text\n" },
	{ "amount < null",
	  "4:18: '<' cannot be used with null (test with empty())\n" },
	{ "start > \"2026-03-01\"",
	  "4:17: cannot compare date with text (write date(\"YYYY-MM-DD\"))\n" },
	{ "len(days) > 1",
	  "4:15: 'len' needs text or a list, not a number\n" },
	{ "days(reason, end) > 1",
	  "4:16: 'days' needs dates, not text\n" },
	{ "date(\"2026-02-29\") < start",
	  "4:16: invalid date '2026-02-29' (expected YYYY-MM-DD)\n" },
	{ "money(\"1.234\") < amount",
	  "4:17: '1.234' is not an exact money amount\n" },
	{ "amount * amount > 1",
	  "4:18: '*' needs two numbers, or money and a number, not money and money\n" },
	{ "days / amount > 1",
	  "4:16: '/' needs two numbers, or money and a number, not a number and money\n" },
	{ "end - amount > 1",
	  "4:15: '-' needs two numbers, two money amounts or two dates, not a date and money\n" },
	{ "amount + rate > 0",
	  "4:18: '+' needs two numbers or two money amounts, not money and a number\n" },
	{ "urgent < true",
	  "4:18: '<' cannot order true/false values\n" },
	{ "applicant.roles == applicant.roles",
	  "4:27: cannot compare lists (use 'in' or contains())\n" },
	{ "submitted_at > start",
	  "4:24: cannot compare date-time with date\n" },
	{ "contains(days, \"北京\")",
	  "4:20: 'contains' needs text or a list to search, not a number\n" },
	{ "contains(reason, 1)",
	  "4:28: 'contains' needs text to look for, not a number\n" },
	{ "\"审批中\" == 3",
	  "4:17: cannot compare text with number\n" },
	{ "len(\"审批中\") == \"3\" and dyas",
	  "4:22: cannot compare number with text\n4:33: unknown name 'dyas' (did you mean 'days'?)\n" },
};

static void test_type_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(type_cases); i++) {
		struct expr *e;
		char *got = parse_errors(type_cases[i].src, &e);
		if (!e)
			fail_msg("case %zu '%s' did not parse: %s", i, type_cases[i].src, got);
		free(got);
		struct diags d = DIAGS_INIT;
		enum vtype t = V_NULL;
		assert_int_equal(expr_check(e, &env, V_BOOL, &t, &d), -1);
		got = show_diags(&d);
		if (strcmp(got, type_cases[i].want))
			fail_msg("case %zu '%s':\n got: %s want: %s", i, type_cases[i].src, got,
				 type_cases[i].want);
		free(got);
		expr_free(e);
	}
}

/* The result type of well-typed expressions, and `want` other than V_BOOL. */
static void test_result_types(void **state)
{
	(void)state;
	static const struct {
		const char *src;
		enum vtype want;
		enum vtype type;        /* expected result */
		const char *errors;     /* "" when fine */
	} cases[] = {
		{ "amount >= 50000", V_BOOL, V_BOOL, "" },
		{ "amount + 100", V_MONEY, V_MONEY, "" },
		{ "amount * rate", V_ANY, V_MONEY, "" },
		{ "2 * amount", V_ANY, V_MONEY, "" },
		{ "amount / 3", V_MONEY, V_MONEY, "" },
		{ "end - start", V_NUMBER, V_NUMBER, "" },
		{ "start + 3", V_DATE, V_DATE, "" },
		{ "3 + start", V_DATE, V_DATE, "" },
		{ "days(submitted_at, decided_at)", V_NUMBER, V_NUMBER, "" },
		{ "date(\"2026-03-01\")", V_DATE, V_DATE, "" },
		{ "money(\"¥1,234.50\")", V_MONEY, V_MONEY, "" },
		{ "[\"财政局\", reason]", V_ANY, V_LIST, "" },
		{ "-amount", V_MONEY, V_MONEY, "" },
		{ "extra + 1", V_ANY, V_ANY, "" },
		{ "extra > 3 and extra == \"x\"", V_BOOL, V_BOOL, "" },
		{ "5000", V_MONEY, V_MONEY, "" },
		{ "null", V_MONEY, V_NULL, "" },
		{ "0.001", V_MONEY, V_NUMBER, "1:1: '0.001' is not an exact money amount\n" },
		{ "days", V_MONEY, V_NUMBER, "1:1: expression must give money, not a number\n" },
		{ "start", V_NUMBER, V_DATE, "1:1: expression must give a number, not a date\n" },
		{ "null", V_BOOL, V_NULL, "1:1: condition must be true or false, not null\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct diags d = DIAGS_INIT;
		struct expr *e = expr_parse(cases[i].src, "f.yaml", 1, 1, &d);
		assert_non_null(e);
		enum vtype t = V_NULL;
		int rc = expr_check(e, &env, cases[i].want, &t, &d);
		char *got = show_diags(&d);
		if (strcmp(got, cases[i].errors))
			fail_msg("'%s': got '%s' want '%s'", cases[i].src, got, cases[i].errors);
		assert_int_equal(rc, *cases[i].errors ? -1 : 0);
		if (t != cases[i].type)
			fail_msg("'%s': type %s, want %s", cases[i].src, vtype_name(t),
				 vtype_name(cases[i].type));
		free(got);
		expr_free(e);
	}
}

/* ---- evaluation ---- */

struct eval_case {
	const char *src;
	const char *want;       /* show_value() of the result */
};

static const struct eval_case eval_cases[] = {
	/* text, in Chinese */
	{ "applicant.department == \"财政局\"", "true" },
	{ "applicant.department != \"人事局\"", "true" },
	{ "contains(reason, \"北京\")", "true" },
	{ "contains(reason, \"上海\")", "false" },
	{ "contains(reason, \"\")", "true" },
	{ "len(\"审批中\") == 3", "true" },
	{ "len(reason)", "9" },
	{ "len('')", "0" },
	{ "\"审批\" < \"批准\"", "true" },     /* U+5BA1 < U+6279 */
	{ "\"B\" < \"a\"", "true" },
	{ "\"审批\" >= \"审批中\"", "false" },
	{ "'它说\\'好\\''", "\"它说'好'\"" },
	{ "\"一\\n二\\\\三\\\"\"", "\"一\n二\\三\"\"" },
	/* lists */
	{ "\"审批人\" in applicant.roles", "true" },
	{ "\"局长\" in applicant.roles", "false" },
	{ "applicant.department in [\"财政局\", \"人事局\"]", "true" },
	{ "reason in []", "false" },
	{ "contains(applicant.roles, \"科员\")", "true" },
	{ "len(applicant.roles)", "2" },
	{ "[\"财政局\", note, applicant.department]", "[财政局, 财政局]" },
	{ "empty(tags)", "true" },
	{ "empty([])", "true" },
	{ "empty(applicant.roles)", "false" },
	/* numbers and precedence */
	{ "days > 3", "true" },
	{ "days >= 5 and days <= 5 and days == 5 and days != 4 and days < 6", "true" },
	{ "days * 2 + 1", "11" },
	{ "days / 2", "2.5" },
	{ "days - 1 - 1", "3" },
	{ "-days", "-5" },
	{ "- -days", "5" },
	{ "1 + 2 * 3", "7" },
	{ "(1 + 2) * 3", "9" },
	{ "-2 * 3", "-6" },
	{ "10 / 4 / 5", "0.5" },
	/* booleans */
	{ "urgent and days > 3", "true" },
	{ "not urgent", "false" },
	{ "!urgent || days > 3", "true" },
	{ "not false and false", "false" },
	{ "true or false and false", "true" },
	{ "urgent == true", "true" },
	{ "urgent != true", "false" },
	/* money: exact fen, literals read as yuan */
	{ "amount >= 50000", "true" },
	{ "amount == 60000", "true" },
	{ "amount == 60000.00", "true" },
	{ "amount == 60000.01", "false" },
	{ "amount > -1", "true" },
	{ "price + price2 == 0.3", "true" },
	{ "price + price2", "¥0.30" },
	{ "money(\"0.10\") + money(\"0.20\") == money(\"0.30\")", "true" },
	{ "amount - 100", "¥59900.00" },
	{ "100 + amount", "¥60100.00" },
	{ "amount - price", "¥59999.90" },
	{ "amount * 0.15", "¥9000.00" },
	{ "amount * rate", "¥9000.00" },
	{ "3 * price", "¥0.30" },
	{ "price * 0.1", "¥0.01" },
	{ "money(\"0.05\") * 0.5", "¥0.03" },          /* 2.5 fen: half away from zero */
	{ "-money(\"0.05\") * 0.5", "¥-0.03" },
	{ "money(\"0.05\") * 0.4", "¥0.02" },
	{ "money(\"100.00\") / 3", "¥33.33" },
	{ "money(\"0.02\") / 3", "¥0.01" },
	{ "money(\"200.00\") / 3", "¥66.67" },
	{ "amount / rate", "¥400000.00" },
	{ "amount / 0.001", "¥60000000.00" },
	{ "-amount", "¥-60000.00" },
	{ "money(\"¥1,234.50\")", "¥1234.50" },
	{ "money(amount)", "¥60000.00" },
	/* dates */
	{ "end - start", "3" },
	{ "start + 3", "2026-03-05" },
	{ "3 + start", "2026-03-05" },
	{ "start - 1", "2026-03-01" },
	{ "start + 3 == end", "true" },
	{ "date(\"2024-02-29\") < start", "true" },
	{ "date(\"2024-02-28\") + 1", "2024-02-29" },
	{ "date(start)", "2026-03-02" },
	{ "days(start, end)", "3" },
	{ "days(end, start)", "-3" },
	{ "days(submitted_at, decided_at)", "1" },      /* 47 hours */
	{ "days(decided_at, submitted_at)", "-2" },     /* -47 hours, floored */
	{ "days(start, decided_at)", "1" },
	{ "submitted_at < decided_at", "true" },
	/* null: unfilled fields */
	{ "note == null", "true" },
	{ "note != null", "false" },
	{ "null == null", "true" },
	{ "reason == null", "false" },
	{ "null != reason", "true" },
	{ "note == \"x\"", "null" },
	{ "note > \"a\"", "null" },
	{ "blank_amount > 5000", "null" },
	{ "blank_amount + amount", "null" },
	{ "blank_days * 2", "null" },
	{ "-blank_days", "null" },
	{ "not (blank_days > 3)", "null" },
	{ "blank_days > 3 and false", "false" },
	{ "blank_days > 3 and true", "null" },
	{ "blank_days > 3 or true", "true" },
	{ "blank_days > 3 or false", "null" },
	{ "false and blank_days > 3", "false" },
	{ "true or blank_days > 3", "true" },
	{ "blank_flag", "null" },
	{ "len(note)", "null" },
	{ "contains(note, \"北京\")", "null" },
	{ "contains(reason, note)", "null" },
	{ "\"科员\" in blank_roles", "null" },
	{ "note in applicant.roles", "null" },
	{ "days(blank_date, end)", "null" },
	{ "blank_date + 1", "null" },
	{ "date(note)", "null" },
	{ "money(note)", "null" },
	{ "empty(note)", "true" },
	{ "empty(memo)", "true" },
	{ "empty(reason)", "false" },
	{ "empty(blank_amount)", "true" },
	{ "empty(blank_roles)", "true" },
	/* short-circuit keeps a guarded division from failing */
	{ "zero != 0 and 10 / zero > 1", "false" },
	{ "zero == 0 or 10 / zero > 1", "true" },
	/* a name of unknown type */
	{ "extra == \"x\"", "true" },
};

static void test_eval(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(eval_cases); i++) {
		struct diags d = DIAGS_INIT;
		struct expr *e = expr_parse(eval_cases[i].src, "f.yaml", 1, 1, &d);
		if (!e || expr_check(e, &env, V_ANY, NULL, &d)) {
			char *msg = show_diags(&d);
			fail_msg("case %zu '%s': %s", i, eval_cases[i].src, msg);
		}
		struct value v;
		char *err = NULL;
		if (expr_eval(e, &scope, &v, &err))
			fail_msg("case %zu '%s': %s", i, eval_cases[i].src, err);
		assert_null(err);
		char *got = show_value(&v);
		if (strcmp(got, eval_cases[i].want))
			fail_msg("case %zu '%s': got %s want %s", i, eval_cases[i].src, got,
				 eval_cases[i].want);
		free(got);
		value_release(&v);
		expr_free(e);
	}
}

/* Conditions: null counts as false; non-booleans are an error. */
static void test_eval_bool(void **state)
{
	(void)state;
	static const struct {
		const char *src;
		int rc, want;
		const char *err;
	} cases[] = {
		{ "applicant.department == \"财政局\"", 0, 1, NULL },
		{ "amount >= 50000 and days > 3", 0, 1, NULL },
		{ "blank_amount >= 50000", 0, 0, NULL },
		{ "not (blank_amount >= 50000)", 0, 0, NULL },
		{ "blank_flag", 0, 0, NULL },
		{ "days", -1, 0, "condition must be true or false, not a number" },
		{ "reason", -1, 0, "condition must be true or false, not text" },
		{ "days / zero > 1", -1, 0, "division by zero" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct expr *e = expr_parse(cases[i].src, "f.yaml", 1, 1, NULL);
		assert_non_null(e);
		int b = 42;
		char *err = NULL;
		int rc = expr_eval_bool(e, &scope, &b, &err);
		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d", cases[i].src, rc);
		if (!rc)
			assert_int_equal(b, cases[i].want);
		if (cases[i].err)
			assert_string_equal(err, cases[i].err);
		else
			assert_null(err);
		free(err);
		expr_free(e);
	}
}

/* Run-time failures: -1 with a message, nothing leaked, *out null. */
static void test_eval_errors(void **state)
{
	(void)state;
	static const struct err_case cases[] = {
		{ "days / 0", "division by zero" },
		{ "days / zero", "division by zero" },
		{ "amount / (days - 5)", "division by zero" },
		{ "amount / 0", "division by zero" },
		{ "date(reason)", "invalid date '因公出差，前往北京' (expected YYYY-MM-DD)" },
		{ "money(reason)", "'因公出差，前往北京' is not an exact money amount" },
		{ "start + 0.5", "a date can only move by whole days, not 0.5" },
		{ "start + 99999999", "date is out of range" },
		{ "huge * 1000", "amount is too large" },
		{ "huge + huge", "amount is too large" },
		{ "extra > 3", "cannot compare text with number" },
		{ "extra + 1", "'+' needs two numbers or two money amounts, not text and a number" },
		{ "[\"财政局\", extra] == [extra]", "cannot compare lists (use 'in' or contains())" },
		{ "unknown_field == 1", "unknown name 'unknown_field'" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct expr *e = expr_parse(cases[i].src, "f.yaml", 1, 1, NULL);
		assert_non_null(e);
		struct value v;
		char *err = NULL;
		if (expr_eval(e, &scope, &v, &err) != -1)
			fail_msg("'%s' did not fail", cases[i].src);
		assert_int_equal(v.type, V_NULL);
		if (!err || strcmp(err, cases[i].want))
			fail_msg("'%s': got '%s' want '%s'", cases[i].src, err ? err : "(null)",
				 cases[i].want);
		free(err);
		/* the message is optional */
		assert_int_equal(expr_eval(e, &scope, &v, NULL), -1);
		expr_free(e);
	}
}

/* ---- limits ---- */

/* "((((x))))" with n brackets */
static char *nested(int n, const char *open, const char *inner, const char *close)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < n; i++)
		buf_adds(&b, open);
	buf_adds(&b, inner);
	for (int i = 0; i < n; i++)
		buf_adds(&b, close);
	return buf_detach(&b);
}

static void expect_one_error(const char *src, int line, int col, const char *msg)
{
	struct diags d = DIAGS_INIT;
	struct expr *e = expr_parse(src, "f.yaml", line, 1, &d);
	assert_null(e);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, line);
	assert_int_equal(d.v[0].col, col);
	assert_string_equal(d.v[0].msg, msg);
	diags_release(&d);
}

/* Parse, check as a condition and evaluate; must be true. */
static void expect_true(const char *src)
{
	struct diags d = DIAGS_INIT;
	struct expr *e = expr_parse(src, "f.yaml", 1, 1, &d);
	assert_non_null(e);
	assert_int_equal(expr_check(e, &env, V_BOOL, NULL, &d), 0);
	int b = 0;
	assert_int_equal(expr_eval_bool(e, &scope, &b, NULL), 0);
	assert_true(b);
	expr_free(e);
	diags_release(&d);
}

static void test_limits(void **state)
{
	(void)state;
	static const char deep[] = "expression is nested too deeply (the limit is 32 levels)";
	/* 32 levels of brackets are fine, the 33rd is refused at its column */
	char *s = nested(32, "(", "days == 5", ")");
	expect_true(s);
	free(s);
	s = nested(33, "(", "days == 5", ")");
	expect_one_error(s, 1, 33, deep);
	free(s);
	s = nested(33, "len(", "reason", ")");
	expect_one_error(s, 1, 132, deep);
	free(s);
	s = nested(33, "[", "\"审批\"", "]");
	expect_one_error(s, 1, 33, deep);
	free(s);
	s = nested(31, "not ", "not urgent", "");
	expect_true(s);
	free(s);
	s = nested(33, "not ", "urgent", "");
	expect_one_error(s, 1, 129, deep);
	free(s);
	s = nested(33, "-", "1 < 0", "");
	expect_one_error(s, 1, 33, deep);
	free(s);
	/* far past the limit: refused the same way, without exhausting the stack */
	s = nested(100000, "(", "1", ")");
	expect_one_error(s, 1, 1, "expression is too long (the limit is 2048 bytes)");
	free(s);
	s = nested(1000, "(", "1", ")");
	expect_one_error(s, 1, 33, deep);
	free(s);

	/* source length: 2048 bytes of Chinese text fit, 2049 do not */
	struct buf b = BUF_INIT;
	buf_adds(&b, "reason != \"");
	while (b.len + 3 <= 2048 - 1)
		buf_adds(&b, "审");
	while (b.len < 2047)
		buf_addch(&b, 'x');
	buf_addch(&b, '"');
	assert_int_equal(b.len, 2048);
	expect_true(b.s);
	buf_addch(&b, ' ');
	expect_one_error(b.s, 3, 1, "expression is too long (the limit is 2048 bytes)");
	buf_release(&b);

	/* node count: 1+1+...+1 == 255 is 511 nodes; 257 ones are 513 */
	for (int i = 0; i < 255; i++)
		buf_adds(&b, i ? "+1" : "1");
	buf_adds(&b, " == 255");
	expect_true(b.s);
	buf_reset(&b);
	for (int i = 0; i < 257; i++)
		buf_adds(&b, i ? "+1" : "1");
	expect_one_error(b.s, 1, 513, "expression is too complex (the limit is 512 parts)");
	buf_release(&b);
}

/* ---- the rest of the interface ---- */

static void collect(void *ctx, const char *name)
{
	struct buf *b = ctx;
	buf_addf(b, "%s;", name);
}

static void test_foreach_ident_and_source(void **state)
{
	(void)state;
	static const char src[] =
		"amount > 5000 and applicant.department == \"财政局\" and amount < 9000\n"
		"  and len(reason) > 1 and \"科员\" in applicant.roles";
	struct expr *e = expr_parse(src, "f.yaml", 1, 1, NULL);
	assert_non_null(e);
	struct buf b = BUF_INIT;
	expr_foreach_ident(e, collect, &b);
	assert_string_equal(b.s, "amount;applicant.department;reason;applicant.roles;");
	assert_string_equal(expr_source(e), src);
	buf_release(&b);
	expr_free(e);

	/* checking without an environment accepts every name */
	e = expr_parse("whatever.field > 3", "f.yaml", 1, 1, NULL);
	assert_int_equal(expr_check(e, NULL, V_BOOL, NULL, NULL), 0);
	expr_free(e);
	expr_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_node_positions),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_result_types),
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_eval_bool),
		cmocka_unit_test(test_eval_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_foreach_ident_and_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
