/*
 * Forms: every check with its exact message and line:col, the types of
 * `visible_when` and `compute`, defaults against the organisation, and the
 * shipped forms (each parses clean, with the fields workflows rely on).
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
#include "defs/form.h"
#include "defs/org.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/i18n.h"
#include "yaml/ydoc.h"

/* The shipped demo organisation, for defaults naming users and departments. */
static struct org *demo;

static int load_demo(void **state)
{
	(void)state;
	demo = shipped_org();
	return demo ? 0 : -1;
}

static int free_demo(void **state)
{
	(void)state;
	org_free(demo);
	demo = NULL;
	return 0;
}

/* Parse and check text as a form; return the diagnostics as "line:col: msg" lines. */
static char *check_text(const char *file, const char *text, size_t len, const struct org *org,
			struct form **out)
{
	struct diags d = DIAGS_INIT;
	struct ydoc doc = YDOC_INIT;
	struct form *f = NULL;
	if (!ydoc_load_buf(&doc, file, text, len, &d)) {
		f = form_parse(&doc, &d);
		if (f)
			form_check(f, &doc, org, &d);
	}
	char *lines = diags_lines(&d, 1);
	ydoc_release(&doc);
	if (out)
		*out = f;
	else
		form_free(f);
	return lines;
}

static char *check(const char *text, const struct org *org, struct form **out)
{
	return check_text("form.yaml", text, strlen(text), org, out);
}

/* A valid form the broken cases extend (lines 1-8). */
#define HEAD \
	"kind: form\n"                                                           /* 1 */ \
	"id: test-leave\n"                                                       /* 2 */ \
	"name: 测试请假单\n"                                                     /* 3 */ \
	"fields:\n"                                                              /* 4 */ \
	"  - {id: start, label: 开始日期, type: date, required: true}\n"        /* 5 */ \
	"  - {id: end, label: 结束日期, type: date, required: true}\n"          /* 6 */ \
	"  - {id: reason, label: 事由, type: textarea, max_length: 10}\n"       /* 7 */ \
	"  - {id: amount, label: 金额, type: money, min: 0.01, max: 5000}\n"    /* 8 */

struct bad_case {
	const char *title;
	const char *text;
	const char *want;
};

/* Checks of single fields: no expressions involved. */
static const struct bad_case field_cases[] = {
	{ "valid", HEAD, "" },
	{ "unknown type",
	  HEAD "  - {id: fee, label: 费用, type: moneys}\n",
	  "9:32: unknown field type 'moneys' (did you mean 'money'?)\n" },
	{ "unknown type far from any",
	  HEAD "  - {id: fee, label: 费用, type: 金额}\n",
	  "9:32: unknown field type '金额' (one of text, textarea, number, money, date, "
	  "datetime, choice, multichoice, user, department, attachment, bool)\n" },
	{ "unknown key",
	  HEAD "  - {id: note, label: 备注, type: text, max_lenght: 20}\n",
	  "9:39: unknown key 'max_lenght' (did you mean 'max_length'?)\n" },
	{ "duplicate field",
	  HEAD "  - {id: reason, label: 原因, type: text}\n",
	  "9:10: duplicate field 'reason' (first at line 7)\n" },
	{ "field id with a dash",
	  HEAD "  - {id: start-date, label: 开始, type: date}\n",
	  "9:10: invalid field id 'start-date': use lowercase letters, digits and '_', "
	  "starting with a letter\n" },
	{ "field id in chinese",
	  HEAD "  - {id: 备注, label: 备注, type: text}\n",
	  "9:10: invalid field id '备注': use lowercase letters, digits and '_', "
	  "starting with a letter\n" },
	{ "reserved field id",
	  HEAD "  - {id: applicant, label: 申请人, type: user}\n",
	  "9:10: field id 'applicant' is reserved\n" },
	{ "missing label",
	  HEAD "  - {id: note, type: text}\n",
	  "9:5: missing required key 'label'\n" },
	{ "blank label",
	  HEAD "  - {id: note, label: \"　\", type: text}\n",
	  "9:23: 'label' must not be empty\n" },
	{ "choice without options",
	  HEAD "  - {id: kind, label: 类型, type: choice}\n",
	  "9:33: field 'kind' of type 'choice' needs 'options'\n" },
	{ "empty options",
	  HEAD "  - {id: kind, label: 类型, type: choice, options: []}\n",
	  "9:50: 'options' must not be empty\n" },
	{ "duplicate option",
	  HEAD "  - id: kind\n    label: 类型\n    type: choice\n    options:\n"
	  "      - 年假\n      - {value: sick, label: 病假}\n      - {value: 年假, label: 年休假}\n",
	  "15:17: duplicate option '年假' (first at line 13)\n" },
	{ "option not a value",
	  HEAD "  - {id: kind, label: 类型, type: choice, options: [[a, b]]}\n",
	  "9:51: each option must be a value or a mapping with 'value' and 'label', "
	  "not a list\n" },
	{ "options on text",
	  HEAD "  - {id: note, label: 备注, type: text, options: [是, 否]}\n",
	  "9:39: 'options' applies only to choice and multichoice fields\n" },
	{ "multiple on text",
	  HEAD "  - {id: note, label: 备注, type: text, multiple: true}\n",
	  "9:39: 'multiple' applies only to user, department and attachment fields\n" },
	{ "min on text",
	  HEAD "  - {id: note, label: 备注, type: text, min: 1}\n",
	  "9:39: 'min' applies only to number, money and date fields\n" },
	{ "max_length on a number",
	  HEAD "  - {id: n, label: 数量, type: number, max_length: 3}\n",
	  "9:38: 'max_length' applies only to text and textarea fields\n" },
	{ "pattern on a date",
	  HEAD "  - {id: d, label: 日期, type: date, pattern: x}\n",
	  "9:36: 'pattern' applies only to text and textarea fields\n" },
	{ "min greater than max",
	  HEAD "  - {id: n, label: 份数, type: number, min: 10, max: 1}\n",
	  "9:52: 'max' is less than 'min'\n" },
	{ "money bounds compared exactly",
	  HEAD "  - {id: m, label: 金额, type: money, min: 100.01, max: 100.00}\n",
	  "9:55: 'max' is less than 'min'\n" },
	{ "date bounds",
	  HEAD "  - {id: d, label: 日期, type: date, min: 2026-03-01, max: 2026-02-28}\n",
	  "9:58: 'max' is less than 'min'\n" },
	{ "bad number bound",
	  HEAD "  - {id: n, label: 份数, type: number, min: 一}\n",
	  "9:43: 'min' must be a number\n" },
	{ "bad money bound",
	  HEAD "  - {id: m, label: 金额, type: money, max: 1.005}\n",
	  "9:42: 'max' must be exact money (such as 500.00)\n" },
	{ "bad date bound",
	  HEAD "  - {id: d, label: 日期, type: date, min: 2026-13-01}\n",
	  "9:41: 'min' must be a date (YYYY-MM-DD)\n" },
	{ "negative length",
	  HEAD "  - {id: note, label: 备注, type: text, max_length: -1}\n",
	  "9:51: 'max_length' must be between 0 and 1000000\n" },
	{ "min_length above max_length",
	  HEAD "  - {id: note, label: 备注, type: text, min_length: 5, max_length: 2}\n",
	  "9:66: 'max_length' is less than 'min_length'\n" },
	{ "bad pattern",
	  HEAD "  - {id: code, label: 编码, type: text, pattern: '^[0-9{3}$'}\n",
	  "9:48: invalid pattern '^[0-9{3}$': missing terminating ] for character class at character 10\n" },
	{ "pattern too complex (POSIX regcomp grew to 7 GB on it)",
	  HEAD "  - {id: code, label: 编码, type: text, pattern: '((((a{1,100}){1,100}){1,100}){1,100})'}\n",
	  "9:48: invalid pattern '((((a{1,100}){1,100}){1,100}){1,100})': too complex: regular expression is too large at character 38\n" },
	{ "default too complex for the pattern",
	  HEAD "  - {id: code, label: 编码, type: text, pattern: '^(a+)+$', default: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab}\n",
	  "9:48: pattern '^(a+)+$' is too complex: matching the default 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab' reached its limits\n" },
	{ "default does not match pattern",
	  HEAD "  - {id: code, label: 编码, type: text, pattern: '^[0-9]{3}$', default: 12a}\n",
	  "9:71: default '12a' does not match 'pattern'\n" },
	{ "default too long",
	  HEAD "  - {id: note, label: 备注, type: text, max_length: 4, default: 同意报销费用}\n",
	  "9:63: default is longer than 'max_length' (4 characters)\n" },
	{ "default not an option",
	  HEAD "  - {id: kind, label: 类型, type: choice, options: [annual, sick], default: anual}\n",
	  "9:75: default 'anual' is not one of the options (did you mean 'annual'?)\n" },
	{ "multichoice default",
	  HEAD "  - {id: kinds, label: 类型, type: multichoice, options: [甲, 乙], "
	  "default: [甲, 丙]}\n",
	  "9:77: default '丙' is not one of the options\n" },
	{ "multichoice default not a list",
	  HEAD "  - {id: kinds, label: 类型, type: multichoice, options: [甲, 乙], default: 甲}\n",
	  "9:73: 'default' must be a list, not a value\n" },
	{ "money default not exact",
	  HEAD "  - {id: fee, label: 费用, type: money, default: 500.005}\n",
	  "9:48: default '500.005' is not exact money (such as 500.00)\n" },
	{ "money default below min",
	  HEAD "  - {id: fee, label: 费用, type: money, min: 1, default: 0.99}\n",
	  "9:56: default '0.99' is less than 'min'\n" },
	{ "number default above max",
	  HEAD "  - {id: n, label: 份数, type: number, max: 100, default: 101}\n",
	  "9:57: default '101' is greater than 'max'\n" },
	{ "number default not a number",
	  HEAD "  - {id: n, label: 份数, type: number, default: 三份}\n",
	  "9:47: default '三份' is not a number\n" },
	{ "date default",
	  HEAD "  - {id: d, label: 日期, type: date, default: 2026-02-29}\n",
	  "9:45: default '2026-02-29' is not a date (YYYY-MM-DD)\n" },
	{ "datetime default",
	  HEAD "  - {id: t, label: 时间, type: datetime, default: 明天上午}\n",
	  "9:49: default '明天上午' is not a date and time (such as "
	  "2026-03-02T09:30:00+08:00)\n" },
	{ "bool default",
	  HEAD "  - {id: b, label: 上行文, type: bool, default: 是}\n",
	  "9:46: default '是' is not true or false\n" },
	{ "attachment default",
	  HEAD "  - {id: proof, label: 证明, type: attachment, default: 证明.pdf}\n",
	  "9:46: an attachment field cannot have a default\n" },
	{ "list default for a single user",
	  HEAD "  - {id: who, label: 经办人, type: user, default: [zhang.wei]}\n",
	  "9:48: 'default' must be a value, not a list\n" },
	{ "required not a boolean",
	  HEAD "  - {id: note, label: 备注, type: text, required: 必填}\n",
	  "9:49: 'required' must be true or false\n" },
	{ "fields missing", "kind: form\nid: t\nname: 表\n",
	  "1:1: missing required key 'fields'\n" },
	{ "no fields", "kind: form\nid: t\nname: 表\nfields: []\n",
	  "4:9: a form needs at least one field\n" },
	{ "field not a mapping", "kind: form\nid: t\nname: 表\nfields: [事由]\n",
	  "4:10: each field must be a mapping with 'id', 'label' and 'type', not a value\n" },
	{ "form id", "kind: form\nid: 请假\nname: 请假单\nfields: [{id: a, label: 甲}]\n",
	  "2:5: invalid id '请假': use lowercase letters, digits, '.', '_' and '-'\n" },
	{ "wrong kind", "kind: workflow\nid: t\nname: 表\nfields: [{id: a, label: 甲}]\n",
	  "1:7: kind 'workflow' is not 'form'\n" },
	{ "several at once",
	  HEAD "  - {id: kind, label: 类型, type: choise}\n"
	  "  - {id: copies, label: 份数, type: number, min: 1, max: 0, default: 2}\n",
	  "9:33: unknown field type 'choise' (did you mean 'choice'?)\n"
	  "10:56: 'max' is less than 'min'\n"
	  "10:68: default '2' is greater than 'max'\n" },
};

/* Checks that involve expressions and the organisation. */
static const struct bad_case expr_cases[] = {
	{ "computed and conditional fields",
	  HEAD "  - {id: days, label: 天数, type: number, compute: \"days(start, end) + 1\"}\n"
	  "  - {id: handover, label: 交接人, type: user, visible_when: days > 3}\n"
	  "  - {id: senior, label: 领导, type: bool, visible_when: applicant.level >= 7}\n"
	  "  - {id: mine, label: 本部门, type: bool, visible_when: applicant.department == \"finance\"}\n",
	  "" },
	{ "visible_when not a condition",
	  HEAD "  - {id: days, label: 天数, type: number, visible_when: 1 + 2}\n",
	  "9:55: 'visible_when' must be a condition, but its type is number\n" },
	{ "compute of the wrong type",
	  HEAD "  - {id: days, label: 天数, type: number, compute: end}\n",
	  "9:50: 'compute' gives date, but field 'days' holds number\n" },
	{ "compute of itself",
	  HEAD "  - {id: days, label: 天数, type: number, compute: days + 1}\n",
	  "9:50: field 'days' cannot depend on itself in 'compute'\n" },
	{ "visible_when on itself",
	  HEAD "  - {id: days, label: 天数, type: number, visible_when: days > 1}\n",
	  "9:55: field 'days' cannot depend on itself in 'visible_when'\n" },
	{ "compute cycle",
	  HEAD "  - {id: total, label: 合计, type: money, compute: amount + extra}\n"
	  "  - {id: extra, label: 其他, type: money, compute: total - amount}\n",
	  "9:50: computed fields form a cycle: total -> extra -> total\n" },
	{ "computed and required",
	  HEAD "  - {id: days, label: 天数, type: number, required: true, compute: \"days(start, end)\"}\n",
	  "9:41: a computed field cannot be required\n" },
	{ "computed with a default",
	  HEAD "  - {id: days, label: 天数, type: number, default: 1, compute: \"days(start, end)\"}\n",
	  "9:41: a computed field cannot have a default\n" },
	{ "unknown user default",
	  HEAD "  - {id: who, label: 经办人, type: user, default: zhang.wie}\n",
	  "9:48: unknown user 'zhang.wie' (did you mean 'zhang.wei'?)\n" },
	{ "unknown department default",
	  HEAD "  - {id: depts, label: 会签部门, type: department, multiple: true, "
	  "default: [finance, 财政局]}\n",
	  "9:83: unknown department '财政局'\n" },
};

static void run_cases(const struct bad_case *cases, size_t n, const struct org *org)
{
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		char *got = check(cases[i].text, org, NULL);
		if (strcmp(got, cases[i].want)) {
			print_error("case '%s':\n got:\n%s want:\n%s", cases[i].title, got,
				    cases[i].want);
			failed++;
		}
		free(got);
	}
	assert_int_equal(failed, 0);
}

static void test_field_checks(void **state)
{
	(void)state;
	run_cases(field_cases, sizeof(field_cases) / sizeof(field_cases[0]), demo);
}

static void test_expr_checks(void **state)
{
	(void)state;
	run_cases(expr_cases, sizeof(expr_cases) / sizeof(expr_cases[0]), demo);
}

/* Without an organisation, user and department defaults are not judged. */
static void test_no_org(void **state)
{
	(void)state;
	char *got = check(HEAD "  - {id: who, label: 经办人, type: user, default: 无此人}\n",
			  NULL, NULL);
	assert_string_equal(got, "");
	free(got);
}

static void test_values(void **state)
{
	(void)state;
	struct form *f;
	char *got = check(HEAD
			  "  - id: kind\n"
			  "    label: 请假类型\n"
			  "    type: choice\n"
			  "    options: [{value: annual, label: 年假}, sick]\n"
			  "    default: sick\n"
			  "  - {id: fee, label: 补助, type: money, default: \"¥1,234.50\"}\n"
			  "  - {id: due, label: 截止, type: date, default: 2026-03-02, min: 2026-01-01}\n"
			  "  - {id: who, label: 同行, type: user, multiple: true, default: [zhang.wei, 王芳]}\n"
			  "  - {id: ok, label: 同意, type: bool, default: yes}\n",
			  NULL, &f);
	assert_string_equal(got, "");
	free(got);
	assert_string_equal(f->id, "test-leave");
	assert_string_equal(f->name, "测试请假单");
	assert_int_equal(f->nfields, 9);

	const struct field *k = form_field(f, "kind");
	assert_int_equal(k->type, F_CHOICE);
	assert_int_equal(k->noptions, 2);
	assert_string_equal(k->options[0].label, "年假");
	assert_string_equal(k->options[1].value, "sick");
	assert_string_equal(k->options[1].label, "sick"); /* label defaults to value */
	assert_int_equal(k->dflt.type, V_STRING);
	assert_string_equal(k->dflt.u.str, "sick");
	assert_int_equal(k->line, 9);

	const struct field *amount = form_field(f, "amount");
	assert_true(amount->has_min && amount->has_max);
	assert_int_equal(amount->min_money, 1);
	assert_int_equal(amount->max_money, 500000);

	const struct field *fee = form_field(f, "fee");
	assert_int_equal(fee->dflt.type, V_MONEY);
	assert_int_equal(fee->dflt.u.money, 123450);

	const struct field *due = form_field(f, "due");
	assert_int_equal(due->dflt.type, V_DATE);
	assert_int_equal(due->dflt.u.date, 20514); /* 2026-03-02 */
	assert_int_equal(due->min_date, 20454);    /* 2026-01-01 */

	const struct field *who = form_field(f, "who");
	assert_true(who->multiple);
	assert_int_equal(field_vtype(who), V_LIST);
	assert_int_equal(who->dflt.type, V_LIST);
	assert_int_equal(who->dflt.u.list.n, 2);
	assert_string_equal(who->dflt.u.list.items[1], "王芳");

	const struct field *reason = form_field(f, "reason");
	assert_int_equal(reason->max_len, 10);
	assert_int_equal(reason->min_len, -1);
	assert_false(reason->required);
	assert_true(form_field(f, "start")->required);
	assert_int_equal(form_field(f, "ok")->dflt.u.b, 1);
	assert_null(form_field(f, "nothing"));
	form_free(f);
}

static void test_vtypes(void **state)
{
	(void)state;
	static const struct {
		enum field_type t;
		int multiple;
		enum vtype want;
		const char *name;
	} cases[] = {
		{ F_TEXT, 0, V_STRING, "text" },
		{ F_TEXTAREA, 0, V_STRING, "textarea" },
		{ F_NUMBER, 0, V_NUMBER, "number" },
		{ F_MONEY, 0, V_MONEY, "money" },
		{ F_DATE, 0, V_DATE, "date" },
		{ F_DATETIME, 0, V_DATETIME, "datetime" },
		{ F_CHOICE, 0, V_STRING, "choice" },
		{ F_MULTICHOICE, 0, V_LIST, "multichoice" },
		{ F_USER, 0, V_STRING, "user" },
		{ F_USER, 1, V_LIST, "user" },
		{ F_DEPARTMENT, 0, V_STRING, "department" },
		{ F_DEPARTMENT, 1, V_LIST, "department" },
		{ F_ATTACHMENT, 1, V_LIST, "attachment" },
		{ F_BOOL, 0, V_BOOL, "bool" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct field f = { 0 };
		f.type = cases[i].t;
		f.multiple = cases[i].multiple;
		assert_int_equal(field_vtype(&f), cases[i].want);
		assert_string_equal(field_type_name(cases[i].t), cases[i].name);
	}
}

/* Every shipped form parses clean against the demo organisation. */
static void test_shipped(void **state)
{
	(void)state;
	static const struct {
		const char *id;
		const char *fields;  /* the ids workflows are written against */
	} forms[] = {
		{ "leave", "type start end days reason handover" },
		{ "trip", "destination start end days budget purpose companions" },
		{ "seal", "seal_type copies purpose file" },
		{ "purchase", "item category amount budget_code reason quotes" },
		{ "outgoing", "doc_type title urgency main_recipients cosign_depts to_higher "
			      "copy_to note" },
		{ "incoming", "source_organ source_number title received urgency deadline "
			      "lead_dept co_depts summary" },
		{ "request", "title addressee content amount" },
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct buf path = BUF_INIT;
		buf_addf(&path, "forms/%s.yaml", forms[i].id);
		struct diags d = DIAGS_INIT;
		struct ydoc doc = YDOC_INIT;
		struct form *f = NULL;
		if (!ydoc_load_file(&doc, path.s, &d)) {
			f = form_parse(&doc, &d);
			form_check(f, &doc, demo, &d);
		}
		diags_print(&d, stderr);
		assert_int_equal(d.n, 0);
		assert_non_null(f);
		assert_string_equal(f->id, forms[i].id);
		char *ids = strdup(forms[i].fields);
		for (char *save, *t = strtok_r(ids, " ", &save); t; t = strtok_r(NULL, " ", &save))
			if (!form_field(f, t))
				fail_msg("form '%s' has no field '%s'", forms[i].id, t);
		free(ids);
		form_free(f);
		diags_release(&d);
		ydoc_release(&doc);
		buf_release(&path);
	}
}

static void test_shipped_details(void **state)
{
	(void)state;
	struct form *f;
	struct buf text = BUF_INIT;
	/* leave: days is computed and handover depends on it */
	struct diags d = DIAGS_INIT;
	struct ydoc doc = YDOC_INIT;
	assert_int_equal(ydoc_load_file(&doc, "forms/leave.yaml", &d), 0);
	f = form_parse(&doc, &d);
	assert_int_equal(form_check(f, &doc, demo, &d), 0);
	const struct field *days = form_field(f, "days");
	assert_non_null(days->compute);
	assert_string_equal(expr_source(days->compute), "days(start, end) + 1");
	assert_non_null(form_field(f, "handover")->visible_when);
	assert_int_equal(form_field(f, "type")->noptions, 5);
	assert_string_equal(form_field(f, "type")->options[4].label, "产假");
	form_free(f);
	ydoc_release(&doc);

	/* outgoing: all 15 document types, in order */
	assert_int_equal(ydoc_load_file(&doc, "forms/outgoing.yaml", &d), 0);
	f = form_parse(&doc, &d);
	const struct field *dt = form_field(f, "doc_type");
	assert_int_equal(dt->noptions, 15);
	for (size_t i = 0; i < dt->noptions; i++)
		buf_addf(&text, "%s ", dt->options[i].label);
	assert_string_equal(text.s, "决议 决定 命令 公报 公告 通告 意见 通知 通报 报告 请示 批复 "
				    "议案 函 纪要 ");
	assert_int_equal(field_vtype(form_field(f, "cosign_depts")), V_LIST);
	assert_int_equal(form_field(f, "to_higher")->type, F_BOOL);
	form_free(f);
	ydoc_release(&doc);

	/* seal: copies between 1 and 100; purchase: amount at least 0.01 */
	assert_int_equal(ydoc_load_file(&doc, "forms/seal.yaml", &d), 0);
	f = form_parse(&doc, &d);
	assert_true(form_field(f, "copies")->min == 1 && form_field(f, "copies")->max == 100);
	form_free(f);
	ydoc_release(&doc);
	assert_int_equal(ydoc_load_file(&doc, "forms/purchase.yaml", &d), 0);
	f = form_parse(&doc, &d);
	assert_int_equal(form_field(f, "amount")->min_money, 1);
	assert_non_null(form_field(f, "budget_code")->pattern);
	form_free(f);
	ydoc_release(&doc);

	assert_int_equal(d.n, 0);
	diags_release(&d);
	buf_release(&text);
}

int main(void)
{
	i18n_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_checks),
		cmocka_unit_test(test_expr_checks),
		cmocka_unit_test(test_no_org),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_vtypes),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_shipped_details),
	};
	return cmocka_run_group_tests_name("form", tests, load_demo, free_demo);
}
