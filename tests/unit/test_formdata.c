/*
 * Filling in forms: every conversion from what people and scripts type to
 * the canonical stored JSON, every error with its exact message, defaults,
 * computed fields in dependency order, visible_when, names and labels
 * accepted for ids and options, exact money, and the scope the engine's
 * `when:` conditions read — on the shipped forms and the demo city, and on
 * small inline forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "defs/expr.h"
#include "defs/form.h"
#include "defs/formdata.h"
#include "defs/org.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/i18n.h"
#include "yaml/ydoc.h"

/* A form with one field of every type and rule. */
static const char all_yaml[] =
	"kind: form\n"
	"id: all\n"
	"name: 全类型测试单\n"
	"fields:\n"
	"  - {id: title, label: 标题, type: text, min_length: 2, max_length: 10}\n"
	"  - {id: note, label: 备注, type: textarea}\n"
	"  - {id: copies, label: 份数, type: number, min: 1, max: 100}\n"
	"  - {id: amount, label: 金额, type: money, min: 0.01, max: 5000}\n"
	"  - {id: day, label: 日期, type: date, min: 2026-01-01, max: 2026-12-31}\n"
	"  - {id: at, label: 时间, type: datetime}\n"
	"  - id: kind\n"
	"    label: 类型\n"
	"    type: choice\n"
	"    options: [{value: annual, label: 年假}, {value: sick, label: 病假}, 其他]\n"
	"  - id: tags\n"
	"    label: 标签\n"
	"    type: multichoice\n"
	"    options: [{value: goods, label: 货物}, {value: service, label: 服务},\n"
	"              {value: works, label: 工程}]\n"
	"  - {id: who, label: 经办人, type: user}\n"
	"  - {id: team, label: 同行人员, type: user, multiple: true}\n"
	"  - {id: dept, label: 主办部门, type: department}\n"
	"  - {id: depts, label: 会签部门, type: department, multiple: true}\n"
	"  - {id: file, label: 附件, type: attachment}\n"
	"  - {id: files, label: 材料, type: attachment, multiple: true}\n"
	"  - {id: ok, label: 同意, type: bool}\n"
	"  - {id: code, label: 编码, type: text, pattern: '^[0-9]{3}$', help: 三位数字}\n"
	"  - id: seal\n"
	"    label: 印章\n"
	"    type: choice\n"
	"    options: [{value: official, label: 公章}, {value: party, label: 公章}, 财务章]\n"
	"  - {id: slow, label: 慢速, type: text, pattern: '^(a+)+$'}\n";

/* Computed fields that read each other, declared before what they read. */
static const char calc_yaml[] =
	"kind: form\n"
	"id: calc\n"
	"name: 计算测试单\n"
	"fields:\n"
	"  - {id: total, label: 合计, type: money, compute: subtotal + fee}\n"
	"  - {id: subtotal, label: 小计, type: money, compute: price * count}\n"
	"  - {id: price, label: 单价, type: money, required: true}\n"
	"  - {id: count, label: 数量, type: number, default: 2}\n"
	"  - {id: fee, label: 手续费, type: money, default: 1.50}\n"
	"  - {id: each, label: 平均, type: money, compute: total / count, visible_when: count > 1}\n";

/* A computation that can fail at run time. */
static const char div_yaml[] =
	"kind: form\n"
	"id: div\n"
	"name: 分摊测试单\n"
	"fields:\n"
	"  - {id: price, label: 总金额, type: money}\n"
	"  - {id: count, label: 份数, type: number}\n"
	"  - {id: per, label: 单份金额, type: money, compute: price / count}\n";

/* Conditions and computations on the applicant. */
static const char who_yaml[] =
	"kind: form\n"
	"id: who\n"
	"name: 申请人测试单\n"
	"fields:\n"
	"  - {id: leader_note, label: 领导意见, type: textarea, required: true,\n"
	"     visible_when: applicant.level >= 5}\n"
	"  - {id: dept_of, label: 所在部门, type: text, compute: applicant.department}\n"
	"  - {id: is_clerk, label: 是否科员, type: bool, compute: '\"clerk\" in applicant.roles'}\n"
	"  - {id: who_name, label: 姓名, type: text, compute: applicant.name}\n";

/* An organisation where two people and two departments share a name. */
static const char twins_yaml[] =
	"kind: organisation\n"
	"id: twins\n"
	"name: 同名测试市\n"
	"roles:\n"
	"  - {id: clerk, name: 科员}\n"
	"departments:\n"
	"  - {id: gov, name: 同名测试市人民政府, head: li.guoqiang}\n"
	"  - {id: a, name: 办公室, parent: gov}\n"
	"  - {id: b, name: 办公室, parent: gov}\n"
	"users:\n"
	"  - {id: li.guoqiang, name: 李国强, department: gov}\n"
	"  - {id: zhang.wei, name: 张伟, department: a, roles: [clerk]}\n"
	"  - {id: zhang.wei2, name: 张伟, department: b, roles: [clerk]}\n";

static struct org *demo, *twins;

/* The forms by id: shipped ones from forms/, inline ones from the texts above. */
static const char *const shipped[] = { "leave", "trip", "outgoing", "purchase", "incoming" };
static struct {
	const char *id;
	struct form *f;
} forms[16];
static size_t nforms;

static struct form *form_by_id(const char *id)
{
	for (size_t i = 0; i < nforms; i++)
		if (!strcmp(forms[i].id, id))
			return forms[i].f;
	fail_msg("no form '%s' loaded", id);
	return NULL;
}

/* Load a document from a file (text NULL) or a buffer; count its problems. */
static int load(struct ydoc *doc, const char *path, const char *text, struct diags *d)
{
	if (text)
		return ydoc_load_buf(doc, path, text, strlen(text), d);
	return ydoc_load_file(doc, path, d);
}

static struct org *load_org(const char *path, const char *text, struct diags *d)
{
	struct ydoc doc = YDOC_INIT;
	struct org *o = NULL;
	if (!load(&doc, path, text, d))
		o = org_parse(&doc, d);
	ydoc_release(&doc);
	return o;
}

static void load_form(const char *id, const char *path, const char *text, struct diags *d)
{
	struct ydoc doc = YDOC_INIT;
	struct form *f = NULL;
	if (!load(&doc, path, text, d)) {
		f = form_parse(&doc, d);
		if (f)
			form_check(f, &doc, demo, d);
	}
	ydoc_release(&doc);
	forms[nforms].id = id;
	forms[nforms++].f = f;
}

static int setup(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	demo = load_org("workflows/organisation.yaml", NULL, &d);
	twins = load_org("twins.yaml", twins_yaml, &d);
	for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		struct buf path = BUF_INIT;
		buf_addf(&path, "forms/%s.yaml", shipped[i]);
		load_form(shipped[i], path.s, NULL, &d);
		buf_release(&path);
	}
	load_form("all", "all.yaml", all_yaml, &d);
	load_form("calc", "calc.yaml", calc_yaml, &d);
	load_form("who", "who.yaml", who_yaml, &d);
	load_form("div", "div.yaml", div_yaml, &d);
	diags_print(&d, stderr);
	int bad = !demo || !twins || d.n;
	for (size_t i = 0; i < nforms; i++)
		bad |= !forms[i].f;
	diags_release(&d);
	return bad ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nforms; i++)
		form_free(forms[i].f);
	nforms = 0;
	org_free(demo);
	org_free(twins);
	return 0;
}

/*
 * Validate `input` (JSON text) on form `form_id` for applicant `who_id`
 * (NULL: none) against `org`. The result is the canonical JSON (compact,
 * in form order) or the errors as "field: message" lines.
 */
static char *fill_in(const char *form_id, const struct org *org, const char *who_id,
		     const char *input)
{
	const struct form *f = form_by_id(form_id);
	struct formdata_applicant who;
	json_error_t jerr;
	json_t *in = json_loads(input, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!in)
		fail_msg("bad test input %s: %s", input, jerr.text);
	if (who_id)
		assert_int_equal(formdata_applicant_from_org(org, who_id, &who), 0);
	json_t *out = NULL;
	struct formdata_errors errs = FORMDATA_ERRORS_INIT;
	int rc = formdata_validate(f, org, who_id ? &who : NULL, in, &out, &errs);
	struct buf b = BUF_INIT;
	if (rc == 0) {
		assert_int_equal(errs.n, 0);
		char *s = json_dumps(out, JSON_COMPACT);
		buf_adds(&b, s);
		free(s);
	} else {
		assert_null(out);
		assert_true(errs.n > 0);
		for (size_t i = 0; i < errs.n; i++)
			buf_addf(&b, "%s: %s\n", errs.v[i].field, errs.v[i].msg);
	}
	json_decref(out);
	json_decref(in);
	formdata_errors_release(&errs);
	return buf_detach(&b);
}

struct fill_case {
	const char *title;
	const char *form;
	const char *who;      /* applicant id in the demo city, or NULL */
	const char *input;    /* JSON as given */
	const char *want;     /* canonical JSON, or "field: message" lines */
};

static void run_fill(const struct fill_case *cases, size_t n, const struct org *org)
{
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		char *got = fill_in(cases[i].form, org, cases[i].who, cases[i].input);
		if (strcmp(got, cases[i].want)) {
			print_error("case '%s':\n got: %s\nwant: %s\n", cases[i].title, got,
				    cases[i].want);
			failed++;
		}
		free(got);
	}
	assert_int_equal(failed, 0);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* What is accepted, and how it is stored. */
static const struct fill_case conversions[] = {
	{ "nothing filled in", "all", NULL, "{}", "{}" },
	{ "text", "all", NULL, "{\"title\": \"关于采购的请示\"}", "{\"title\":\"关于采购的请示\"}" },
	{ "text at its length limit, counted in characters", "all", NULL,
	  "{\"title\": \"一二三四五六七八九十\"}", "{\"title\":\"一二三四五六七八九十\"}" },
	{ "textarea keeps its lines", "all", NULL, "{\"note\": \"第一行\\n第二行\"}",
	  "{\"note\":\"第一行\\n第二行\"}" },
	{ "number from text", "all", NULL, "{\"copies\": \" 12 \"}", "{\"copies\":12}" },
	{ "decimal number", "all", NULL, "{\"copies\": \"2.5\"}", "{\"copies\":2.5}" },
	{ "JSON numbers", "all", NULL, "{\"copies\": 3}", "{\"copies\":3}" },
	{ "JSON real that is whole", "all", NULL, "{\"copies\": 3.0}", "{\"copies\":3}" },
	{ "money gets two decimals", "all", NULL, "{\"amount\": \"1234.5\"}",
	  "{\"amount\":\"1234.50\"}" },
	{ "money with ¥ and commas", "all", NULL, "{\"amount\": \"¥1,234.50\"}",
	  "{\"amount\":\"1234.50\"}" },
	{ "money with ￥", "all", NULL, "{\"amount\": \"￥0.01\"}", "{\"amount\":\"0.01\"}" },
	{ "money as a JSON number", "all", NULL, "{\"amount\": 1234.5}",
	  "{\"amount\":\"1234.50\"}" },
	{ "money as a JSON integer is yuan", "all", NULL, "{\"amount\": 12}",
	  "{\"amount\":\"12.00\"}" },
	{ "money that is not exact as a double", "all", NULL, "{\"amount\": 0.07}",
	  "{\"amount\":\"0.07\"}" },
	{ "date", "all", NULL, "{\"day\": \"2026-03-02\"}", "{\"day\":\"2026-03-02\"}" },
	{ "date with slashes, as typed", "all", NULL, "{\"day\": \"2026/3/2\"}", "{\"day\":\"2026-03-02\"}" },
	{ "date without leading zeros", "all", NULL, "{\"day\": \"2026-3-2\"}", "{\"day\":\"2026-03-02\"}" },
	{ "date with dots", "all", NULL, "{\"day\": \"2026.03.02\"}", "{\"day\":\"2026-03-02\"}" },
	{ "date in Chinese with its year", "all", NULL, "{\"day\": \"2026年3月2日\"}",
	  "{\"day\":\"2026-03-02\"}" },
	{ "date-time to UTC", "all", NULL, "{\"at\": \"2026-03-02T09:30:00+08:00\"}",
	  "{\"at\":\"2026-03-02T01:30:00Z\"}" },
	{ "date-time without seconds", "all", NULL, "{\"at\": \"2026-03-02T01:30Z\"}",
	  "{\"at\":\"2026-03-02T01:30:00Z\"}" },
	{ "choice by value", "all", NULL, "{\"kind\": \"sick\"}", "{\"kind\":\"sick\"}" },
	{ "choice by its Chinese label", "all", NULL, "{\"kind\": \"病假\"}",
	  "{\"kind\":\"sick\"}" },
	{ "choice that is its own label", "all", NULL, "{\"kind\": \"其他\"}",
	  "{\"kind\":\"其他\"}" },
	{ "multichoice in option order", "all", NULL, "{\"tags\": [\"工程\", \"goods\"]}",
	  "{\"tags\":[\"goods\",\"works\"]}" },
	{ "multichoice from text with a Chinese comma", "all", NULL,
	  "{\"tags\": \"服务，货物\"}", "{\"tags\":[\"goods\",\"service\"]}" },
	{ "multichoice repeats dropped", "all", NULL, "{\"tags\": [\"goods\", \"货物\"]}",
	  "{\"tags\":[\"goods\"]}" },
	{ "user by id", "all", NULL, "{\"who\": \"zhang.wei\"}", "{\"who\":\"zhang.wei\"}" },
	{ "user by name", "all", NULL, "{\"who\": \"王芳\"}", "{\"who\":\"wang.fang\"}" },
	{ "several users, given order, once each", "all", NULL,
	  "{\"team\": [\"王芳\", \"zhang.wei\", \"wang.fang\"]}",
	  "{\"team\":[\"wang.fang\",\"zhang.wei\"]}" },
	{ "several users from text with 、", "all", NULL, "{\"team\": \"王芳、刘洋\"}",
	  "{\"team\":[\"wang.fang\",\"liu.yang\"]}" },
	{ "department by name", "all", NULL, "{\"dept\": \"市财政局\"}", "{\"dept\":\"finance\"}" },
	{ "several departments", "all", NULL, "{\"depts\": [\"finance\", \"市司法局\"]}",
	  "{\"depts\":[\"finance\",\"legal\"]}" },
	{ "one file", "all", NULL, "{\"file\": \"请示.pdf\"}", "{\"file\":\"请示.pdf\"}" },
	{ "files", "all", NULL, "{\"files\": [\"报价单一.pdf\", \"报价单二.pdf\"]}",
	  "{\"files\":[\"报价单一.pdf\",\"报价单二.pdf\"]}" },
	{ "a file name is never split at commas", "all", NULL, "{\"files\": \"报价,单.pdf\"}",
	  "{\"files\":[\"报价,单.pdf\"]}" },
	{ "bool 是", "all", NULL, "{\"ok\": \"是\"}", "{\"ok\":true}" },
	{ "bool 否", "all", NULL, "{\"ok\": \"否\"}", "{\"ok\":false}" },
	{ "bool YES", "all", NULL, "{\"ok\": \"YES\"}", "{\"ok\":true}" },
	{ "bool no", "all", NULL, "{\"ok\": \"no\"}", "{\"ok\":false}" },
	{ "bool 0", "all", NULL, "{\"ok\": \"0\"}", "{\"ok\":false}" },
	{ "bool 1", "all", NULL, "{\"ok\": 1}", "{\"ok\":true}" },
	{ "bool JSON", "all", NULL, "{\"ok\": true}", "{\"ok\":true}" },
	{ "pattern", "all", NULL, "{\"code\": \"201\"}", "{\"code\":\"201\"}" },
	{ "blank, null and empty lists are not filled in", "all", NULL,
	  "{\"title\": \"　\", \"copies\": null, \"team\": [], \"tags\": \"\"}", "{}" },
	{ "every field at once, stored in form order", "all", NULL,
	  "{\"ok\": \"是\", \"title\": \"请示\", \"amount\": \"5000\", \"kind\": \"年假\"}",
	  "{\"title\":\"请示\",\"amount\":\"5000.00\",\"kind\":\"annual\",\"ok\":true}" },
};

/* Every problem, with its exact message. */
static const struct fill_case errors[] = {
	{ "text too long", "all", NULL, "{\"title\": \"一二三四五六七八九十一\"}",
	  "title: '标题' must be at most 10 characters (it has 11)\n" },
	{ "text too short", "all", NULL, "{\"title\": \"甲\"}",
	  "title: '标题' must be at least 2 characters (it has 1)\n" },
	{ "text on two lines", "all", NULL, "{\"title\": \"第一\\n第二\"}",
	  "title: '标题' must be a single line\n" },
	{ "text with a control character", "all", NULL, "{\"note\": \"响铃\\u0007\"}",
	  "note: '备注' contains a control character\n" },
	{ "text with a NUL", "all", NULL, "{\"note\": \"空\\u0000字\"}",
	  "note: '备注' contains a control character\n" },
	{ "text given a number", "all", NULL, "{\"title\": 12}",
	  "title: '标题' must be text, not a number\n" },
	{ "not a number", "all", NULL, "{\"copies\": \"三\"}",
	  "copies: '份数' is not a number: '三'\n" },
	{ "hex is not a number", "all", NULL, "{\"copies\": \"0x10\"}",
	  "copies: '份数' is not a number: '0x10'\n" },
	{ "nan is not a number", "all", NULL, "{\"copies\": \"nan\"}",
	  "copies: '份数' is not a number: 'nan'\n" },
	{ "number below min", "all", NULL, "{\"copies\": \"0\"}",
	  "copies: '份数' must be at least 1\n" },
	{ "number above max", "all", NULL, "{\"copies\": 100.5}",
	  "copies: '份数' must be at most 100\n" },
	{ "number given true", "all", NULL, "{\"copies\": true}",
	  "copies: '份数' must be a number, not true or false\n" },
	{ "money with three decimals", "all", NULL, "{\"amount\": \"12.345\"}",
	  "amount: '金额' is not an exact amount of money: '12.345'\n" },
	{ "money with three decimals as a JSON number", "all", NULL, "{\"amount\": 12.345}",
	  "amount: '金额' is not an exact amount of money: '12.345'\n" },
	{ "money with an exponent", "all", NULL, "{\"amount\": \"1e3\"}",
	  "amount: '金额' is not an exact amount of money: '1e3'\n" },
	{ "money in words", "all", NULL, "{\"amount\": \"一千元\"}",
	  "amount: '金额' is not an exact amount of money: '一千元'\n" },
	{ "money below min", "all", NULL, "{\"amount\": \"0\"}",
	  "amount: '金额' must be at least 0.01\n" },
	{ "money above max by a fen", "all", NULL, "{\"amount\": \"5000.01\"}",
	  "amount: '金额' must be at most 5000.00\n" },
	{ "date in Chinese", "all", NULL, "{\"day\": \"3月2日\"}",
	  "day: '日期' is not a date (use YYYY-MM-DD): '3月2日'\n" },
	{ "no such day", "all", NULL, "{\"day\": \"2026-02-29\"}",
	  "day: '日期' is not a date (use YYYY-MM-DD): '2026-02-29'\n" },
	{ "no such day, as typed", "all", NULL, "{\"day\": \"2026/2/29\"}",
	  "day: '日期' is not a date (use YYYY-MM-DD): '2026/2/29'\n" },
	{ "a two-digit year", "all", NULL, "{\"day\": \"26/3/2\"}",
	  "day: '日期' is not a date (use YYYY-MM-DD): '26/3/2'\n" },
	{ "date with something after it", "all", NULL, "{\"day\": \"2026-3-2x\"}",
	  "day: '日期' is not a date (use YYYY-MM-DD): '2026-3-2x'\n" },
	{ "date as a number", "all", NULL, "{\"day\": 20260302}",
	  "day: '日期' must be a date, not a number\n" },
	{ "date before min", "all", NULL, "{\"day\": \"2025-12-31\"}",
	  "day: '日期' must be on or after 2026-01-01\n" },
	{ "date after max", "all", NULL, "{\"day\": \"2027-01-01\"}",
	  "day: '日期' must be on or before 2026-12-31\n" },
	{ "date-time without its offset", "all", NULL, "{\"at\": \"2026-03-02 09:30\"}",
	  "at: '时间' is not a date and time with its offset (use 2026-03-02T09:30:00+08:00): "
	  "'2026-03-02 09:30'\n" },
	{ "date-time that is only a date", "all", NULL, "{\"at\": \"2026-03-02\"}",
	  "at: '时间' is not a date and time with its offset (use 2026-03-02T09:30:00+08:00): "
	  "'2026-03-02'\n" },
	{ "option misspelt", "all", NULL, "{\"kind\": \"年休假\"}",
	  "kind: '类型' has no option '年休假' (did you mean '年假'?)\n" },
	{ "option far from any", "all", NULL, "{\"kind\": \"holiday\"}",
	  "kind: '类型' has no option 'holiday' (the options are: 年假 (annual), 病假 (sick), "
	  "其他)\n" },
	{ "one bad option among several", "all", NULL, "{\"tags\": [\"货物\", \"咨询服务费\"]}",
	  "tags: '标签' has no option '咨询服务费' (the options are: 货物 (goods), "
	  "服务 (service), 工程 (works))\n" },
	{ "single choice given a list", "all", NULL, "{\"kind\": [\"sick\"]}",
	  "kind: '类型' must be one of the options, not a list\n" },
	{ "unknown user id", "all", NULL, "{\"who\": \"zhang.wie\"}",
	  "who: '经办人' names an unknown user 'zhang.wie' (did you mean 'zhang.wei'?)\n" },
	{ "unknown user name", "all", NULL, "{\"who\": \"张三\"}",
	  "who: '经办人' names an unknown user '张三' (did you mean '张伟'?)\n" },
	{ "unknown user far from any", "all", NULL, "{\"who\": \"欧阳修\"}",
	  "who: '经办人' names an unknown user '欧阳修'\n" },
	{ "one user given a list", "all", NULL, "{\"who\": [\"zhang.wei\"]}",
	  "who: '经办人' must be a user, not a list\n" },
	{ "every bad user of a list", "all", NULL,
	  "{\"team\": [\"wang.fang\", \"no.one\", \"欧阳修\"]}",
	  "team: '同行人员' names an unknown user 'no.one'\n"
	  "team: '同行人员' names an unknown user '欧阳修'\n" },
	{ "list holding a number", "all", NULL, "{\"team\": [\"wang.fang\", 7]}",
	  "team: '同行人员' must be a list of text values, not a list holding a number\n" },
	{ "list given a mapping", "all", NULL, "{\"depts\": {\"a\": 1}}",
	  "depts: '会签部门' must be a list of departments, not a mapping\n" },
	{ "unknown department", "all", NULL, "{\"dept\": \"财政局\"}",
	  "dept: '主办部门' names an unknown department '财政局' (did you mean '市财政局'?)\n" },
	{ "a path is not a file name", "all", NULL, "{\"file\": \"../机密/a.pdf\"}",
	  "file: '附件' is not a file name: '../机密/a.pdf'\n" },
	{ "not yes or no", "all", NULL, "{\"ok\": \"可能\"}",
	  "ok: '同意' is not yes or no: '可能'\n" },
	{ "bool given 2", "all", NULL, "{\"ok\": 2}", "ok: '同意' is not yes or no: '2'\n" },
	{ "pattern not matched, with the help text", "all", NULL, "{\"code\": \"12a\"}",
	  "code: '编码' is not in the expected format: '12a' (三位数字)\n" },
	{ "a pattern too complex for the answer stops at its limit", "all", NULL,
	  "{\"slow\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\"}",
	  "slow: '慢速' cannot be checked: the form's pattern is too complex for this text\n" },
	{ "a label two options share", "all", NULL, "{\"seal\": \"公章\"}",
	  "seal: '印章' is ambiguous: several options are labelled '公章' "
	  "(use a value: official, party)\n" },
	{ "unknown field", "all", NULL, "{\"titel\": \"请示\"}",
	  "titel: unknown field 'titel' (did you mean 'title'?)\n" },
	{ "a label where the id belongs", "all", NULL, "{\"标题\": \"请示\"}",
	  "标题: unknown field '标题' (did you mean 'title'?)\n" },
	{ "unknown field far from any", "all", NULL, "{\"预算\": 1}",
	  "预算: unknown field '预算'\n" },
	{ "not an object", "all", NULL, "[1, 2]",
	  ": form data must be a mapping of field ids to values, not a list\n" },
	{ "every error at once, in form order, unknown fields last", "all", NULL,
	  "{\"备用\": 1, \"ok\": \"可能\", \"title\": \"甲\", \"amount\": \"12.345\", \"zz\": 2}",
	  "title: '标题' must be at least 2 characters (it has 1)\n"
	  "amount: '金额' is not an exact amount of money: '12.345'\n"
	  "ok: '同意' is not yes or no: '可能'\n"
	  "zz: unknown field 'zz'\n"
	  "备用: unknown field '备用'\n" },
};

/* The shipped leave form: computed days, defaults, visible_when. */
static const struct fill_case leave_cases[] = {
	{ "five days: handover shown and given by name", "leave", "zhang.wei",
	  "{\"type\": \"病假\", \"start\": \"2026-03-02\", \"end\": \"2026-03-06\", "
	  "\"reason\": \"发烧住院\", \"handover\": \"王芳\", \"attachments\": [\"诊断证明.pdf\"]}",
	  "{\"type\":\"sick\",\"start\":\"2026-03-02\",\"end\":\"2026-03-06\",\"days\":5,"
	  "\"reason\":\"发烧住院\",\"handover\":\"wang.fang\",\"attachments\":[\"诊断证明.pdf\"]}" },
	{ "twelve days without a handover: required while shown", "leave", "zhang.wei",
	  "{\"start\": \"2026-03-02\", \"end\": \"2026-03-13\", \"reason\": \"探亲\"}",
	  "handover: '工作交接人' is required\n" },
	{ "sick leave without proof: required while shown", "leave", "zhang.wei",
	  "{\"type\": \"sick\", \"start\": \"2026-03-02\", \"end\": \"2026-03-03\", \"reason\": \"发烧\"}",
	  "attachments: '证明材料' is required\n" },
	{ "three days: a handover given is refused, not dropped", "leave", "zhang.wei",
	  "{\"start\": \"2026-03-02\", \"end\": \"2026-03-04\", \"reason\": \"事假\", "
	  "\"handover\": \"查无此人\"}",
	  "handover: '工作交接人' does not apply here (its condition is not met): leave it empty\n" },
	{ "three days: a blank handover is no value", "leave", "zhang.wei",
	  "{\"start\": \"2026-03-02\", \"end\": \"2026-03-04\", \"reason\": \"事假\", "
	  "\"handover\": \"\"}",
	  "{\"type\":\"annual\",\"start\":\"2026-03-02\",\"end\":\"2026-03-04\",\"days\":3,"
	  "\"reason\":\"事假\"}" },
	{ "nothing filled in: every required field listed", "leave", "zhang.wei", "{}",
	  "start: '开始日期' is required\n"
	  "end: '结束日期' is required\n"
	  "reason: '事由' is required\n" },
	{ "computed days cannot be given", "leave", "zhang.wei",
	  "{\"start\": \"2026-03-02\", \"end\": \"2026-03-06\", \"reason\": \"探亲\", \"days\": 2, \"handover\": \"wang.fang\"}",
	  "days: '请假天数' is computed and cannot be filled in\n" },
	{ "computed days given as computed are accepted", "leave", "zhang.wei",
	  "{\"start\": \"2026-03-02\", \"end\": \"2026-03-03\", \"reason\": \"探亲\", \"days\": \"2\"}",
	  "{\"type\":\"annual\",\"start\":\"2026-03-02\",\"end\":\"2026-03-03\",\"days\":2,"
	  "\"reason\":\"探亲\"}" },
	{ "ending before it starts: days below its min, saying what it was computed from", "leave", "zhang.wei",
	  "{\"start\": \"2026-04-07\", \"end\": \"2026-04-01\", \"reason\": \"家中有事\"}",
	  "days: '请假天数' must be at least 1 (computed from '开始日期', '结束日期', it is -5)\n" },
	{ "a bad start date: days not computed, handover not asked", "leave", "zhang.wei",
	  "{\"start\": \"3月2日\", \"end\": \"2026-03-06\", \"reason\": \"探亲\"}",
	  "start: '开始日期' is not a date (use YYYY-MM-DD): '3月2日'\n" },
	{ "sick leave shows the attachments", "leave", "zhang.wei",
	  "{\"type\": \"sick\", \"start\": \"2026-03-02\", \"end\": \"2026-03-02\", "
	  "\"reason\": \"看病\", \"attachments\": \"诊断证明.pdf\"}",
	  "{\"type\":\"sick\",\"start\":\"2026-03-02\",\"end\":\"2026-03-02\",\"days\":1,"
	  "\"reason\":\"看病\",\"attachments\":[\"诊断证明.pdf\"]}" },
	{ "annual leave hides the attachments: none may be given", "leave", "zhang.wei",
	  "{\"type\": \"年假\", \"start\": \"2026-03-02\", \"end\": \"2026-03-02\", "
	  "\"reason\": \"休假\", \"attachments\": [\"a.pdf\"]}",
	  "attachments: '证明材料' does not apply here (its condition is not met): leave it empty\n" },
	{ "reason too long", "leave", "zhang.wei",
	  "{\"start\": \"2026-03-02\", \"end\": \"2026-03-02\", \"reason\": \""
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假请假"
	  "请\"}",
	  "reason: '事由' must be at most 500 characters (it has 521)\n" },
	{ "a handover who does not exist, when it is asked", "leave", "zhang.wei",
	  "{\"start\": \"2026-03-02\", \"end\": \"2026-03-10\", \"reason\": \"探亲\", "
	  "\"handover\": \"查无此人\"}",
	  "handover: '工作交接人' names an unknown user '查无此人'\n" },
};

/* The other shipped forms: defaults, multiple users and departments, patterns. */
static const struct fill_case shipped_cases[] = {
	{ "outgoing: defaults applied, departments by name", "outgoing", "wang.fang",
	  "{\"title\": \"关于做好2026年预算编制工作的通知\", \"main_recipients\": \"各区人民政府\", "
	  "\"cosign_depts\": \"市财政局，legal\"}",
	  "{\"doc_type\":\"notice\",\"title\":\"关于做好2026年预算编制工作的通知\","
	  "\"urgency\":\"normal\",\"main_recipients\":\"各区人民政府\","
	  "\"cosign_depts\":[\"finance\",\"legal\"],\"to_higher\":false}" },
	{ "outgoing: labels for choices, 是 for a bool", "outgoing", "wang.fang",
	  "{\"doc_type\": \"请示\", \"urgency\": \"特急\", \"title\": \"关于追加预算的请示\", "
	  "\"main_recipients\": \"省财政厅\", \"to_higher\": \"是\"}",
	  "{\"doc_type\":\"request\",\"title\":\"关于追加预算的请示\",\"urgency\":\"extra_urgent\","
	  "\"main_recipients\":\"省财政厅\",\"to_higher\":true}" },
	{ "trip: companions by name and id", "trip", "zhang.wei",
	  "{\"destination\": \"北京\", \"start\": \"2026-03-02\", \"end\": \"2026-03-04\", "
	  "\"budget\": 3500, \"purpose\": \"参加全国财政工作会议\", "
	  "\"companions\": [\"黄伟\", \"sun.li\"]}",
	  "{\"destination\":\"北京\",\"start\":\"2026-03-02\",\"end\":\"2026-03-04\",\"days\":3,"
	  "\"budget\":\"3500.00\",\"purpose\":\"参加全国财政工作会议\","
	  "\"companions\":[\"huang.wei\",\"sun.li\"]}" },
	{ "purchase: budget code pattern", "purchase", "zhang.wei",
	  "{\"item\": \"办公电脑\", \"category\": \"货物\", \"amount\": \"58,000.00\", "
	  "\"budget_code\": \"201-03\", \"reason\": \"更新老旧设备\"}",
	  "{\"item\":\"办公电脑\",\"category\":\"goods\",\"amount\":\"58000.00\","
	  "\"budget_code\":\"201-03\",\"reason\":\"更新老旧设备\"}" },
	{ "purchase: everything wrong", "purchase", "zhang.wei",
	  "{\"item\": \"办公电脑\", \"category\": \"货\", \"amount\": \"0.001\", "
	  "\"budget_code\": \"201-3\", \"reason\": \"\", \"quotes\": \"报价.pdf\"}",
	  "category: '采购类别' has no option '货' (the options are: 货物 (goods), 服务 (service), "
	  "工程 (works))\n"
	  "amount: '采购金额' is not an exact amount of money: '0.001'\n"
	  "budget_code: '预算科目编码' is not in the expected format: '201-3' "
	  "(政府收支分类科目编码，如 201-03-01)\n"
	  "reason: '采购理由' is required\n" },
	{ "incoming: deadline only when urgent", "incoming", "wang.fang",
	  "{\"source_organ\": \"省财政厅\", \"title\": \"关于预算执行的通知\", "
	  "\"received\": \"2026-03-02\", \"lead_dept\": \"市财政局\"}",
	  "{\"source_organ\":\"省财政厅\",\"title\":\"关于预算执行的通知\","
	  "\"received\":\"2026-03-02\",\"urgency\":\"normal\",\"lead_dept\":\"finance\"}" },
	{ "incoming: a deadline for a normal one is refused", "incoming", "wang.fang",
	  "{\"source_organ\": \"省财政厅\", \"title\": \"关于预算执行的通知\", "
	  "\"received\": \"2026-03-02\", \"deadline\": \"2026-03-05\", \"lead_dept\": \"市财政局\"}",
	  "deadline: '办理时限' does not apply here (its condition is not met): leave it empty\n" },
	{ "incoming: urgent keeps the deadline", "incoming", "wang.fang",
	  "{\"source_organ\": \"省财政厅\", \"title\": \"关于预算执行的通知\", "
	  "\"received\": \"2026-03-02\", \"urgency\": \"加急\", \"deadline\": \"2026-03-05\"}",
	  "{\"source_organ\":\"省财政厅\",\"title\":\"关于预算执行的通知\","
	  "\"received\":\"2026-03-02\",\"urgency\":\"urgent\",\"deadline\":\"2026-03-05\"}" },
};

/* Computed fields in dependency order, exact money, conditions on the applicant. */
static const struct fill_case computed_cases[] = {
	{ "computed from computed, declared first", "calc", NULL, "{\"price\": \"100.25\"}",
	  "{\"total\":\"202.00\",\"subtotal\":\"200.50\",\"price\":\"100.25\",\"count\":2,"
	  "\"fee\":\"1.50\",\"each\":\"101.00\"}" },
	{ "money stays exact: 0.1 + 0.2", "calc", NULL,
	  "{\"price\": \"0.1\", \"count\": 1, \"fee\": \"0.2\"}",
	  "{\"total\":\"0.30\",\"subtotal\":\"0.10\",\"price\":\"0.10\",\"count\":1,"
	  "\"fee\":\"0.20\"}" },
	{ "division rounds half away from zero to the fen", "calc", NULL,
	  "{\"price\": \"0.01\", \"count\": 3, \"fee\": \"0.02\"}",
	  "{\"total\":\"0.05\",\"subtotal\":\"0.03\",\"price\":\"0.01\",\"count\":3,"
	  "\"fee\":\"0.02\",\"each\":\"0.02\"}" },
	{ "a computation that fails is an error of its field", "div", NULL,
	  "{\"price\": \"10\", \"count\": 0}",
	  "per: '单份金额' cannot be computed: division by zero\n" },
	{ "and fine otherwise", "div", NULL, "{\"price\": \"10\", \"count\": 4}",
	  "{\"price\":\"10.00\",\"count\":4,\"per\":\"2.50\"}" },
	{ "missing input: computed fields left empty", "calc", NULL, "{}",
	  "price: '单价' is required\n" },
	{ "a computed field cannot be given another value", "calc", NULL,
	  "{\"price\": \"1\", \"total\": \"999\"}",
	  "total: '合计' is computed and cannot be filled in\n" },
	{ "a clerk: the leader's note is not asked", "who", "zhang.wei", "{}",
	  "{\"dept_of\":\"finance.budget\",\"is_clerk\":true,\"who_name\":\"张伟\"}" },
	{ "a section chief must give it", "who", "huang.wei", "{}",
	  "leader_note: '领导意见' is required\n" },
	{ "a section chief who gives it", "who", "huang.wei", "{\"leader_note\": \"同意。\"}",
	  "{\"leader_note\":\"同意。\",\"dept_of\":\"finance.budget\",\"is_clerk\":false,"
	  "\"who_name\":\"黄伟\"}" },
	{ "no applicant: applicant.* is null", "who", NULL, "{}", "{}" },
	{ "no applicant: the leader's note does not apply", "who", NULL, "{\"leader_note\": \"同意\"}",
	  "leader_note: '领导意见' does not apply here (its condition is not met): leave it empty\n" },
};

static void test_conversions(void **state)
{
	(void)state;
	run_fill(conversions, N(conversions), demo);
}

static void test_errors(void **state)
{
	(void)state;
	run_fill(errors, N(errors), demo);
}

static void test_leave(void **state)
{
	(void)state;
	run_fill(leave_cases, N(leave_cases), demo);
}

static void test_shipped_forms(void **state)
{
	(void)state;
	run_fill(shipped_cases, N(shipped_cases), demo);
}

static void test_computed(void **state)
{
	(void)state;
	run_fill(computed_cases, N(computed_cases), demo);
}

/* Names shared by two people or two departments must be given as ids. */
static void test_ambiguous_names(void **state)
{
	(void)state;
	static const struct fill_case cases[] = {
		{ "two people called 张伟", "all", NULL, "{\"who\": \"张伟\"}",
		  "who: '经办人' is ambiguous: more than one user is called '张伟' "
		  "(use an id: zhang.wei, zhang.wei2)\n" },
		{ "the id settles it", "all", NULL, "{\"who\": \"zhang.wei2\"}",
		  "{\"who\":\"zhang.wei2\"}" },
		{ "a unique name is fine", "all", NULL, "{\"who\": \"李国强\"}",
		  "{\"who\":\"li.guoqiang\"}" },
		{ "two departments called 办公室", "all", NULL, "{\"depts\": [\"办公室\", \"gov\"]}",
		  "depts: '会签部门' is ambiguous: more than one department is called '办公室' "
		  "(use an id: a, b)\n" },
	};
	run_fill(cases, N(cases), twins);
}

/* Without an organisation, ids are taken as they are. */
static void test_no_org(void **state)
{
	(void)state;
	char *got = fill_in("all", NULL, NULL, "{\"who\": \"任何人\", \"depts\": \"甲,乙\"}");
	assert_string_equal(got, "{\"who\":\"任何人\",\"depts\":[\"甲\",\"乙\"]}");
	free(got);
}

/* Canonical data validates again to itself. */
static void test_idempotent(void **state)
{
	(void)state;
	static const struct {
		const char *form, *who, *input;
	} cases[] = {
		{ "leave", "zhang.wei", "{\"type\": \"病假\", \"start\": \"2026-03-02\", "
		  "\"end\": \"2026-03-06\", \"reason\": \"发烧\", \"handover\": \"王芳\", "
		  "\"attachments\": \"证明.pdf\"}" },
		{ "all", NULL, "{\"title\": \"请示\", \"note\": \"一\\n二\", \"copies\": \"2.5\", "
		  "\"amount\": \"¥1,000\", \"day\": \"2026-03-02\", "
		  "\"at\": \"2026-03-02T09:30:00+08:00\", \"kind\": \"其他\", \"tags\": \"工程,货物\", "
		  "\"who\": \"王芳\", \"team\": \"刘洋\", \"dept\": \"市司法局\", "
		  "\"depts\": [\"legal\"], \"file\": \"a.pdf\", \"files\": \"b.pdf\", \"ok\": \"是\", "
		  "\"code\": \"007\"}" },
		{ "calc", NULL, "{\"price\": \"33.33\", \"count\": 3}" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char *once = fill_in(cases[i].form, demo, cases[i].who, cases[i].input);
		assert_true(once[0] == '{');
		char *twice = fill_in(cases[i].form, demo, cases[i].who, once);
		assert_string_equal(twice, once);
		free(once);
		free(twice);
	}
}

/* Each error carries the field id and label apart from the message. */
static void test_error_parts(void **state)
{
	(void)state;
	const struct form *f = form_by_id("leave");
	json_t *in = json_loads("{\"start\": \"明天\", \"dayz\": 3}", 0, NULL);
	json_t *out = (json_t *)1;
	struct formdata_errors errs = FORMDATA_ERRORS_INIT;
	assert_int_equal(formdata_validate(f, demo, NULL, in, &out, &errs), -1);
	assert_null(out);
	assert_int_equal(errs.n, 4);
	assert_string_equal(errs.v[0].field, "start");
	assert_string_equal(errs.v[0].label, "开始日期");
	assert_string_equal(errs.v[0].msg, "'开始日期' is not a date (use YYYY-MM-DD): '明天'");
	assert_string_equal(errs.v[1].field, "end");
	assert_string_equal(errs.v[2].field, "reason");
	assert_string_equal(errs.v[3].field, "dayz");
	assert_null(errs.v[3].label);
	assert_string_equal(errs.v[3].msg, "unknown field 'dayz' (did you mean 'days'?)");
	/* errors accumulate across calls until released */
	assert_int_equal(formdata_validate(f, demo, NULL, in, &out, &errs), -1);
	assert_int_equal(errs.n, 8);
	formdata_errors_release(&errs);
	assert_int_equal(errs.n, 0);
	assert_null(errs.v);
	formdata_errors_release(&errs);
	json_decref(in);
}

/* Evaluate `cond` over canonical data of `form_id` for applicant `who_id`. */
static int eval_when(const char *form_id, const char *who_id, const char *data_text,
		     const char *cond)
{
	struct diags d = DIAGS_INIT;
	struct expr *e = expr_parse(cond, "when", 1, 1, &d);
	assert_non_null(e);
	diags_release(&d);
	struct formdata_applicant who;
	if (who_id)
		assert_int_equal(formdata_applicant_from_org(demo, who_id, &who), 0);
	json_t *data = json_loads(data_text, 0, NULL);
	assert_non_null(data);
	struct formdata_scope sc;
	struct expr_scope scope;
	formdata_scope(&sc, form_by_id(form_id), data, who_id ? &who : NULL, &scope);
	int r = -1;
	char *err = NULL;
	if (expr_eval_bool(e, &scope, &r, &err) < 0) {
		print_error("'%s': %s\n", cond, err);
		r = -1;
	}
	free(err);
	json_decref(data);
	expr_free(e);
	return r;
}

/* The engine's `when:` conditions read stored data with the right types. */
static void test_scope(void **state)
{
	(void)state;
	static const char leave[] =
		"{\"type\":\"sick\",\"start\":\"2026-03-02\",\"end\":\"2026-03-06\",\"days\":5,"
		"\"reason\":\"发烧\",\"handover\":\"wang.fang\"}";
	static const char purchase[] =
		"{\"item\":\"电脑\",\"category\":\"goods\",\"amount\":\"5000.01\","
		"\"budget_code\":\"201\",\"reason\":\"更新\"}";
	static const char outgoing[] =
		"{\"doc_type\":\"notice\",\"title\":\"通知\",\"urgency\":\"normal\","
		"\"main_recipients\":\"各区\",\"cosign_depts\":[\"finance\",\"legal\"],"
		"\"to_higher\":false}";
	static const struct {
		const char *form, *who, *data, *cond;
		int want;
	} cases[] = {
		{ "leave", "zhang.wei", leave, "days > 3", 1 },
		{ "leave", "zhang.wei", leave, "days(start, end) == 4", 1 },
		{ "leave", "zhang.wei", leave, "start == date(\"2026-03-02\")", 1 },
		{ "leave", "zhang.wei", leave, "type == \"sick\" and handover == \"wang.fang\"", 1 },
		{ "leave", "zhang.wei", leave, "empty(attachments)", 1 },
		{ "leave", "zhang.wei", leave, "applicant.department == \"finance.budget\"", 1 },
		{ "leave", "zhang.wei", leave, "\"clerk\" in applicant.roles", 1 },
		{ "leave", "zhang.wei", leave, "applicant.level < 5", 1 },
		{ "leave", "zhang.wei", leave, "applicant.name == \"张伟\"", 1 },
		{ "leave", "zhang.wei", leave, "applicant.title == \"科员\"", 1 },
		{ "leave", "zhang.wei", leave, "applicant.id == \"zhang.wei\"", 1 },
		{ "leave", NULL, leave, "applicant.level < 5", 0 },
		{ "purchase", "zhang.wei", purchase, "amount > 5000", 1 },
		{ "purchase", "zhang.wei", purchase, "amount > money(\"5000.01\")", 0 },
		{ "purchase", "zhang.wei", purchase, "amount == 5000.01", 1 },
		{ "outgoing", "wang.fang", outgoing, "\"legal\" in cosign_depts", 1 },
		{ "outgoing", "wang.fang", outgoing, "len(cosign_depts) == 2", 1 },
		{ "outgoing", "wang.fang", outgoing, "to_higher", 0 },
		{ "outgoing", "wang.fang", outgoing, "empty(copy_to)", 1 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		int got = eval_when(cases[i].form, cases[i].who, cases[i].data, cases[i].cond);
		if (got != cases[i].want)
			fail_msg("'%s' gave %d, want %d", cases[i].cond, got, cases[i].want);
	}
}

/* formdata_get: typed values from stored data; wrong shapes read as null. */
/* A request's default title: the form's template, values as people read them, blanks tidied. */
static void title_is(const char *form, const char *data, const char *want)
{
	json_t *j = json_loads(data, 0, NULL);
	assert_non_null(j);
	struct buf b = BUF_INIT;
	formdata_title(form ? form_by_id(form) : NULL, demo, j, "出差审批", "张伟", &b);
	assert_string_equal(b.s, want);
	buf_release(&b);
	json_decref(j);
}

static void test_title(void **state)
{
	(void)state;
	title_is("trip", "{\"destination\":\"北京市\",\"days\":3}", "出差 北京市 3天 - 张伟");
	/* a choice by its label */
	title_is("leave", "{\"type\":\"sick\",\"days\":2}", "病假 2天 - 张伟");
	/* an empty field leaves no doubled or dangling blank */
	title_is("trip", "{\"days\":3}", "出差 3天 - 张伟");
	/* one line, whatever the text holds */
	title_is("trip", "{\"destination\":\"北京市\\n朝阳区\",\"days\":1}", "出差 北京市 朝阳区 1天 - 张伟");
	/* no template: workflow and applicant */
	title_is("outgoing", "{}", "出差审批 - 张伟");
	title_is(NULL, "{}", "出差审批 - 张伟");
}

static void test_get(void **state)
{
	(void)state;
	const struct form *f = form_by_id("all");
	json_t *data = json_loads("{\"amount\":\"1234.50\",\"day\":\"2026-03-02\","
				  "\"at\":\"2026-03-02T01:30:00Z\",\"team\":[\"wang.fang\",\"liu.yang\"],"
				  "\"copies\":2.5,\"ok\":true,\"title\":\"请示\",\"files\":[1],"
				  "\"who\":7}", 0, NULL);
	struct value v;
	assert_int_equal(formdata_get(f, data, "amount", &v), 0);
	assert_int_equal(v.type, V_MONEY);
	assert_int_equal(v.u.money, 123450);
	assert_int_equal(formdata_get(f, data, "day", &v), 0);
	assert_int_equal(v.type, V_DATE);
	assert_int_equal(v.u.date, 20514);
	assert_int_equal(formdata_get(f, data, "at", &v), 0);
	assert_int_equal(v.type, V_DATETIME);
	assert_int_equal(v.u.datetime, 1772415000);
	assert_int_equal(formdata_get(f, data, "team", &v), 0);
	assert_int_equal(v.type, V_LIST);
	assert_int_equal(v.u.list.n, 2);
	assert_string_equal(v.u.list.items[1], "liu.yang");
	value_release(&v);
	assert_int_equal(formdata_get(f, data, "copies", &v), 0);
	assert_int_equal(v.type, V_NUMBER);
	assert_true(v.u.num == 2.5);
	assert_int_equal(formdata_get(f, data, "ok", &v), 0);
	assert_int_equal(v.type, V_BOOL);
	assert_int_equal(v.u.b, 1);
	assert_int_equal(formdata_get(f, data, "title", &v), 0);
	assert_string_equal(v.u.str, "请示");
	value_release(&v);
	/* absent, or not of the field's shape: null */
	assert_int_equal(formdata_get(f, data, "note", &v), 0);
	assert_int_equal(v.type, V_NULL);
	assert_int_equal(formdata_get(f, data, "files", &v), 0);
	assert_int_equal(v.type, V_NULL);
	assert_int_equal(formdata_get(f, data, "who", &v), 0);
	assert_int_equal(v.type, V_NULL);
	assert_int_equal(formdata_get(f, data, "nothing", &v), -1);
	assert_int_equal(v.type, V_NULL);
	json_decref(data);

	struct formdata_applicant who;
	assert_int_equal(formdata_applicant_from_org(demo, "liu.yang", &who), 0);
	assert_string_equal(who.name, "刘洋");
	assert_string_equal(who.dept, "finance");
	assert_int_equal(who.nroles, 1);
	assert_string_equal(who.roles[0], "director");
	assert_int_equal(who.level, 7);
	assert_string_equal(who.title, "局长");
	assert_int_equal(formdata_applicant_from_org(demo, "no.one", &who), -1);
	assert_null(who.id);
}

int main(void)
{
	i18n_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_leave),
		cmocka_unit_test(test_shipped_forms),
		cmocka_unit_test(test_computed),
		cmocka_unit_test(test_ambiguous_names),
		cmocka_unit_test(test_no_org),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_error_parts),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_title),
	};
	return cmocka_run_group_tests_name("formdata", tests, setup, teardown);
}
