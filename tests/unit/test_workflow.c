/*
 * Workflow definitions: parsing, static checks, and the structures good
 * definitions produce. Each lint case is inline YAML checked against a small
 * inline organisation and form; the expected output is every diagnostic as
 * "line:col: message", sorted, exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "defs_helpers.h"
#include "defs/expr.h"
#include "defs/form.h"
#include "defs/org.h"
#include "defs/workflow.h"
#include "util/buf.h"
#include "util/diag.h"
#include "yaml/ydoc.h"

static const char org_yaml[] =
	"kind: organisation\n"
	"id: test\n"
	"name: 测试市政府\n"
	"roles:\n"
	"  - {id: vice_mayor, name: 副市长}\n"
	"  - {id: director, name: 局长}\n"
	"  - {id: deputy_director, name: 副局长}\n"
	"  - {id: section_chief, name: 科长}\n"
	"  - {id: clerk, name: 科员}\n"
	"  - {id: auditor, name: 审计员}\n"
	"departments:\n"
	"  - {id: gov, name: 市政府, code: 示府, head: li.si}\n"
	"  - {id: finance, name: 财政局, code: 市财, parent: gov, head: liu.yang}\n"
	"  - {id: finance.budget, name: 预算科, parent: finance, head: huang.wei}\n"
	"  - {id: it, name: 信息中心, parent: gov}\n"
	"users:\n"
	"  - {id: li.si, name: 李四, department: gov, roles: [vice_mayor]}\n"
	"  - {id: liu.yang, name: 刘洋, department: finance, roles: [director]}\n"
	"  - {id: sun.li, name: 孙丽, department: finance, roles: [deputy_director]}\n"
	"  - {id: huang.wei, name: 黄伟, department: finance.budget, roles: [section_chief]}\n"
	"  - {id: zhang.wei, name: 张伟, department: finance.budget, roles: [clerk]}\n";

static const char form_yaml[] =
	"kind: form\n"
	"id: f\n"
	"name: 测试表单\n"
	"fields:\n"
	"  - {id: start, label: 开始日期, type: date}\n"
	"  - {id: finish, label: 结束日期, type: date}\n"
	"  - id: days\n"
	"    label: 天数\n"
	"    type: number\n"
	"    compute: days(start, finish) + 1\n"
	"  - {id: reason, label: 事由, type: text}\n"
	"  - {id: amount, label: 金额, type: money}\n"
	"  - {id: handler, label: 经办人, type: user}\n"
	"  - {id: lead_dept, label: 主办单位, type: department}\n"
	"  - {id: co_depts, label: 协办单位, type: department, multiple: true}\n"
	"  - {id: urgent, label: 是否紧急, type: bool}\n";

/* The organisation and form every case is checked against. */
struct fixture {
	struct ydoc odoc, fdoc; /* their documents */
	struct org *org;
	struct form *form;
};

/* Shared by every test of the group (set up once). */
static struct fixture *FX;

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct diags d = DIAGS_INIT;
	struct ydoc init = YDOC_INIT;
	fx->odoc = init;
	fx->fdoc = init;
	assert_int_equal(ydoc_load_buf(&fx->odoc, "org.yaml", org_yaml, strlen(org_yaml), &d), 0);
	fx->org = org_parse(&fx->odoc, &d);
	assert_int_equal(ydoc_load_buf(&fx->fdoc, "f.yaml", form_yaml, strlen(form_yaml), &d), 0);
	fx->form = form_parse(&fx->fdoc, &d);
	if (fx->form)
		form_check(fx->form, &fx->fdoc, fx->org, &d);
	if (d.n)
		diags_print(&d, stderr);
	assert_int_equal(d.n, 0);
	assert_non_null(fx->org);
	assert_non_null(fx->form);
	diags_release(&d);
	FX = fx;
	(void)state;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = FX;
	(void)state;
	if (!fx)
		return 0;
	org_free(fx->org);
	form_free(fx->form);
	ydoc_release(&fx->odoc);
	ydoc_release(&fx->fdoc);
	free(fx);
	return 0;
}

/* How a case is checked. */
enum with { WITH_ALL, NO_FORM, NO_ORG };

/*
 * Parse and check `src` as "wf.yaml"; return every diagnostic as
 * "line:col: message\n", sorted (caller frees). *out gets the workflow when
 * wanted (caller frees), else it is freed here.
 */
static char *lint(struct fixture *fx, const char *src, enum with with, struct workflow **out)
{
	struct diags d = DIAGS_INIT;
	struct ydoc doc = YDOC_INIT;
	struct workflow *w = NULL;
	if (ydoc_load_buf(&doc, "wf.yaml", src, strlen(src), &d) == 0) {
		w = workflow_parse(&doc, &d);
		if (w)
			workflow_check(w, &doc, with == NO_ORG ? NULL : fx->org,
				       with == NO_FORM ? NULL : fx->form, &d);
	}
	char *lines = diags_lines(&d, 1);
	if (out)
		*out = w;
	else
		workflow_free(w);
	ydoc_release(&doc);
	return lines;
}

#define HEAD "kind: workflow\nid: t\nname: 测试流程\nform: f\n"

/* One lint case: a definition and exactly what must be reported. */
struct lint_case {
	const char *name;
	enum with with;
	const char *yaml;
	const char *expected; /* "line:col: message\n" each, sorted; "" = clean */
};

static const struct lint_case cases[] = {
	{ "clean", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: head\n"
	  "    name: 部门负责人审批\n"
	  "    assignees: [{department_head: applicant}]\n",
	  "" },
	{ "unknown top-level key", WITH_ALL,
	  HEAD
	  "polices: {dedupe: true}\n"
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n",
	  "5:1: unknown key 'polices' (did you mean 'policies'?)\n" },
	{ "misspelt required key", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    asignees: [{user: liu.yang}]\n",
	  "7:5: unknown key 'asignees' (did you mean 'assignees'?)\n" },
	{ "unknown step key", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "    deadlin: 2d\n",
	  "8:5: unknown key 'deadlin' (did you mean 'deadline'?)\n" },
	{ "unknown policy key and values", WITH_ALL,
	  HEAD
	  "policies:\n"
	  "  self_approval: skp\n"
	  "  resubmit: back\n"
	  "  dedup: true\n"
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n",
	  "6:18: unknown self_approval 'skp' (did you mean 'skip'?)\n"
	  "7:13: unknown resubmit 'back' (expected restart or to_returner)\n"
	  "8:3: unknown key 'dedup' (did you mean 'dedupe'?)\n" },
	{ "bad types", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: liu.yang\n"
	  "    pick: maybe\n"
	  "    name: [审批]\n",
	  "7:16: 'assignees' must be a list of assignees such as [{role: clerk}], not a value\n"
	  "8:11: 'pick' must be true or false\n"
	  "9:11: 'name' must be a value, not a list\n" },
	{ "steps not a list", WITH_ALL,
	  HEAD
	  "steps: {a: 1}\n",
	  "5:8: 'steps' must be a list, not a mapping\n" },
	{ "missing required keys", WITH_ALL,
	  "kind: workflow\nid: t\n"
	  "steps:\n"
	  "  - name: 无编号\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "  - id: b\n"
	  "  - id: r\n"
	  "    type: exclusive\n"
	  "  - id: n\n"
	  "    type: auto\n"
	  "    action: number\n",
	  "1:1: missing required key 'name'\n"
	  "1:1: missing required key 'form'\n"
	  "4:5: missing required key 'id'\n"
	  "6:5: missing required key 'assignees'\n"
	  "7:5: missing required key 'branches'\n"
	  "9:5: 'action: number' needs 'organ': the department whose code numbers the documents\n" },
	{ "duplicate step id", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "  - id: a\n"
	  "    assignees: [{user: sun.li}]\n",
	  "8:9: duplicate step id 'a' (first at line 6)\n" },
	{ "reserved and invalid step ids", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: end\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "  - id: 审批\n"
	  "    assignees: [{user: sun.li}]\n",
	  "6:9: step id 'end' is reserved: 'next: end' finishes the request\n"
	  "8:9: invalid step id '审批': use lowercase letters, digits, '.', '_' and '-'\n" },
	{ "invalid durations", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "    deadline: 3x\n"
	  "    remind_every: 0h\n",
	  "8:15: invalid duration '3x' for 'deadline' (use a whole number and m, h, d or wd: 30m, 8h, 2d, 3wd)\n"
	  "9:19: invalid duration '0h' for 'remind_every' (use a whole number and m, h, d or wd: 30m, 8h, 2d, 3wd)\n" },
	{ "unknown type and mode", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    type: aproval\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "  - id: b\n"
	  "    mode: all\n"
	  "    assignees: [{user: liu.yang}, {user: sun.li}]\n",
	  "7:11: unknown type 'aproval' (did you mean 'approval'?)\n"
	  "10:11: unknown mode 'all' (expected single, sequential, countersign, any, vote or claim)\n" },
	{ "mode on an exclusive step", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: r\n"
	  "    type: exclusive\n"
	  "    mode: any\n"
	  "    branches:\n"
	  "      - default: true\n"
	  "        next: end\n",
	  "8:5: 'mode' does not apply to exclusive steps\n" },
	{ "branches on an approval step", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "    branches:\n"
	  "      - next: end\n",
	  "8:5: 'branches' does not apply to approval steps\n" },
	{ "vote thresholds", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    mode: countersign\n"
	  "    pass: 2\n"
	  "    assignees: [{user: liu.yang}, {user: sun.li}]\n"
	  "  - id: b\n"
	  "    mode: vote\n"
	  "    assignees: [{user: liu.yang}, {user: sun.li}]\n"
	  "  - id: c\n"
	  "    mode: vote\n"
	  "    pass: 0\n"
	  "    assignees: [{user: liu.yang}, {user: sun.li}]\n"
	  "  - id: d\n"
	  "    mode: vote\n"
	  "    pass: 120%\n"
	  "    assignees: [{user: liu.yang}, {user: sun.li}]\n"
	  "  - id: e\n"
	  "    mode: vote\n"
	  "    pass: most\n"
	  "    assignees: [{user: liu.yang}, {user: sun.li}]\n",
	  "8:5: 'pass' applies only to mode: vote\n"
	  "11:11: mode 'vote' needs 'pass': a number of approvals such as 2 or a percentage such as 60%\n"
	  "15:11: 'pass' must be at least 1\n"
	  "19:11: 'pass' must be between 1% and 100%\n"
	  "23:11: 'pass' must be a number of approvals such as 2 or a percentage such as 60%\n" },
	{ "vote that can never pass", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: v\n"
	  "    mode: vote\n"
	  "    pass: 4\n"
	  "    assignees:\n"
	  "      - role: director\n"
	  "        department: finance\n"
	  "      - user: sun.li\n"
	  "      - department_head: finance.budget\n",
	  "8:11: 'pass: 4' can never be met: step 'v' has only 3 signers\n" },
	{ "assignee specs", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    mode: any\n"
	  "    assignees:\n"
	  "      - department: finance\n"
	  "      - user: liu.yang\n"
	  "        role: director\n"
	  "      - superior: 0\n"
	  "      - user: sun.li\n"
	  "        department: finance\n"
	  "      - rol: clerk\n"
	  "      - {}\n",
	  "9:9: an assignee needs one of user, role, department_head, superior, members or field\n"
	  "11:9: an assignee takes only one of user, role, department_head, superior, members or field (found 'user' and 'role')\n"
	  "12:19: 'superior' must be a whole number from 1 to 10\n"
	  "14:9: 'department' applies only to a 'role' assignee\n"
	  "15:9: unknown key 'rol' (did you mean 'role'?)\n"
	  "16:9: an assignee needs one of user, role, department_head, superior, members or field\n" },
	{ "several assignees need a mode", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}, {user: sun.li}]\n"
	  "  - id: b\n"
	  "    mode: single\n"
	  "    assignees: [{user: liu.yang}, {user: sun.li}]\n"
	  "  - id: c\n"
	  "    pick: true\n"
	  "    assignees: [{user: liu.yang}, {user: sun.li}]\n",
	  "7:16: several assignees need a 'mode': sequential, countersign, any, vote or claim\n"
	  "9:11: mode 'single' takes one assignee; use sequential, countersign, any, vote or claim for several\n" },
	{ "unknown form", NO_FORM,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{field: handler}]\n"
	  "    editable: [reason]\n",
	  "4:7: unknown form 'f'\n" },
	{ "no organisation", NO_ORG,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{role: nobody}]\n",
	  "1:1: no organisation to check assignees against: lint the workflow together with one, or deploy one first\n" },
	{ "unknown organisation references", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    mode: sequential\n"
	  "    assignees:\n"
	  "      - role: directr\n"
	  "      - role: clerk\n"
	  "        department: finanse\n"
	  "      - department_head: budget\n"
	  "      - user: liu.yng\n"
	  "      - members: xyz\n",
	  "9:15: unknown role 'directr' (did you mean 'director'?)\n"
	  "11:21: unknown department 'finanse' (did you mean 'finance'?)\n"
	  "12:26: unknown department 'budget'\n"
	  "13:15: unknown user 'liu.yng' (did you mean 'liu.yang'?)\n"
	  "14:18: unknown department 'xyz'\n" },
	{ "nobody to act", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    mode: any\n"
	  "    assignees:\n"
	  "      - department_head: it\n"
	  "      - role: auditor\n"
	  "      - role: clerk\n"
	  "        department: it\n"
	  "      - members: it\n",
	  "9:26: department 'it' has no head\n"
	  "10:15: no user has role 'auditor'\n"
	  "11:15: no user has role 'clerk' in department 'it'\n"
	  "13:18: department 'it' has no members\n" },
	{ "assignee fields", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    mode: countersign\n"
	  "    assignees:\n"
	  "      - field: handlr\n"
	  "      - field: reason\n"
	  "      - field: co_depts\n",
	  "9:16: unknown field 'handlr' in form 'f' (did you mean 'handler'?)\n"
	  "10:16: field 'reason' is a text field; assignees can only come from a user or department field\n" },
	{ "handling departments", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: h\n"
	  "    type: handling\n"
	  "    lead: {role: director}\n"
	  "    co:\n"
	  "      - field: handler\n"
	  "      - department_head: it\n"
	  "  - id: h2\n"
	  "    type: handling\n"
	  "    assignees: [{user: liu.yang}]\n",
	  "8:12: 'role' cannot name a handling department; use department_head or field\n"
	  "10:16: field 'handler' is a user field; a handling department must come from a department field\n"
	  "11:26: department 'it' has no head\n"
	  "12:5: missing required key 'lead'\n"
	  "14:5: 'assignees' does not apply to handling steps\n" },
	{ "initiators", WITH_ALL,
	  HEAD
	  "initiators:\n"
	  "  - superior: 1\n"
	  "  - department_head: applicant\n"
	  "  - role: clerk\n"
	  "    department: finance.budget\n"
	  "  - role: clerc\n"
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n",
	  "6:5: 'superior' cannot say who may start a workflow; use user, role, department_head or members\n"
	  "7:22: 'applicant' cannot be used in initiators: there is no applicant yet\n"
	  "10:11: unknown role 'clerc' (did you mean 'clerk'?)\n" },
	{ "editable fields", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "    editable: [reasn, days, amount]\n",
	  "8:16: unknown field 'reasn' in form 'f' (did you mean 'reason'?)\n"
	  "8:23: field 'days' is computed and cannot be editable\n" },
	{ "conditions", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: r\n"
	  "    type: exclusive\n"
	  "    branches:\n"
	  "      - when: 1 > 2\n"
	  "        next: a\n"
	  "      - when: applicant.level >= 3 and not urgent\n"
	  "        next: a\n"
	  "      - default: true\n"
	  "        next: a\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n",
	  "9:15: condition '1 > 2' is always false: this branch is never taken\n" },
	{ "condition errors", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: r\n"
	  "    type: exclusive\n"
	  "    branches:\n"
	  "      - when: amount\n"
	  "        next: a\n"
	  "      - when: dais > 3\n"
	  "        next: a\n"
	  "      - when: days >\n"
	  "        next: a\n"
	  "      - when: [days]\n"
	  "        next: a\n"
	  "      - next: a\n"
	  "      - when: urgent\n"
	  "        default: true\n"
	  "        next: a\n"
	  "      - default: true\n"
	  "        next: a\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n",
	  "9:15: condition must be true or false, not money\n"
	  "11:15: unknown name 'dais' (did you mean 'days'?)\n"
	  "13:21: unexpected end of the expression\n"
	  "15:15: 'when' must be a condition such as days > 3\n"
	  "17:9: a branch needs 'when: CONDITION' or 'default: true'\n"
	  "19:9: a branch cannot have both 'when' and 'default'\n" },
	{ "two defaults", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: r\n"
	  "    type: inclusive\n"
	  "    join: j\n"
	  "    branches:\n"
	  "      - default: true\n"
	  "        next: j\n"
	  "      - default: true\n"
	  "        next: j\n"
	  "  - id: j\n"
	  "    type: join\n",
	  "12:9: only one default branch is allowed (first at line 10)\n" },
	{ "organ", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: n1\n"
	  "    type: auto\n"
	  "    action: number\n"
	  "    organ: it\n"
	  "  - id: n2\n"
	  "    type: auto\n"
	  "    action: number\n"
	  "    organ: financ\n"
	  "  - id: n3\n"
	  "    type: auto\n"
	  "    action: archive\n"
	  "    organ: finance\n"
	  "  - id: n4\n"
	  "    type: auto\n"
	  "    action: print\n",
	  "9:12: department 'it' has no organ code to number documents with\n"
	  "13:12: unknown department 'financ' (did you mean 'finance'?)\n"
	  "17:5: 'organ' applies only to action: number\n"
	  "20:13: unknown action 'print' (expected number or archive)\n" },
	{ "unknown targets", WITH_ALL,
	  HEAD
	  "policies:\n"
	  "  separate: [[a, b], [a, revew], [a, a], [a]]\n"
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "    return_to: [previous, revieww, a]\n"
	  "    next: reviw\n"
	  "  - id: review\n"
	  "    assignees: [{user: sun.li}]\n"
	  "    next: end\n",
	  "6:18: unknown step 'b'\n"
	  "6:26: unknown step 'revew' (did you mean 'review'?)\n"
	  "6:38: step 'a' cannot be separated from itself\n"
	  "6:42: each 'separate' entry must be a pair of step ids such as [review, approve]\n"
	  "10:27: unknown step 'revieww' (did you mean 'review'?)\n"
	  "10:36: step 'a' cannot return to itself\n"
	  "11:11: unknown step 'reviw' (did you mean 'review'?)\n" },
	{ "join must be a join step", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: p\n"
	  "    type: parallel\n"
	  "    branches: [{next: a}, {next: b}]\n"
	  "    join: b\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "    next: b\n"
	  "  - id: b\n"
	  "    assignees: [{user: sun.li}]\n"
	  "    next: end\n"
	  "  - id: q\n"
	  "    type: parallel\n"
	  "    branches: [{next: a}]\n"
	  "    join: jj\n",
	  "9:11: join 'b' must be a step of type join, not approval\n"
	  "16:9: step 'q' can never be reached from the first step 'p'\n"
	  "18:15: a parallel step needs at least two branches\n"
	  "19:11: unknown step 'jj'\n" },
	{ "unreachable step", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "    next: end\n"
	  "  - id: orphan\n"
	  "    name: 孤立步骤\n"
	  "    assignees: [{user: sun.li}]\n",
	  "9:9: step 'orphan' can never be reached from the first step 'a'\n" },
	{ "loop with no way out", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "  - id: b\n"
	  "    assignees: [{user: sun.li}]\n"
	  "  - id: c\n"
	  "    assignees: [{user: huang.wei}]\n"
	  "    next: b\n",
	  "6:9: no way to finish from step 'a': every path from it loops without reaching 'end'\n" },
	{ "loop entered from a branch", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: r\n"
	  "    type: exclusive\n"
	  "    branches:\n"
	  "      - when: urgent\n"
	  "        next: b\n"
	  "      - default: true\n"
	  "        next: end\n"
	  "  - id: b\n"
	  "    assignees: [{user: sun.li}]\n"
	  "  - id: c\n"
	  "    assignees: [{user: huang.wei}]\n"
	  "    next: b\n",
	  "13:9: no way to finish from step 'b': every path from it loops without reaching 'end'\n" },
	{ "exclusive with no default", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: route\n"
	  "    type: exclusive\n"
	  "    branches:\n"
	  "      - when: days > 3\n"
	  "        next: director\n"
	  "  - id: director\n"
	  "    assignees: [{role: director, department: finance}]\n",
	  "6:9: no default branch: a request that matches no condition would stop at 'route'\n" },
	{ "parallel branch leaks past its join", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: p\n"
	  "    type: parallel\n"
	  "    branches:\n"
	  "      - next: a\n"
	  "      - next: b\n"
	  "      - next: end\n"
	  "    join: j\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "    next: j\n"
	  "  - id: b\n"
	  "    assignees: [{user: sun.li}]\n"
	  "    next: end\n"
	  "  - id: j\n"
	  "    type: join\n",
	  "10:15: branch 'b' of step 'p' can reach the end without passing its join 'j'\n"
	  "11:15: branch 'end' of step 'p' can reach the end without passing its join 'j'\n" },
	{ "return target never visited", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "    return_to: [c]\n"
	  "  - id: b\n"
	  "    assignees: [{user: sun.li}]\n"
	  "    return_to: [a, applicant]\n"
	  "  - id: c\n"
	  "    assignees: [{user: huang.wei}]\n",
	  "8:17: return target 'c' can never have been visited before step 'a'\n" },
	{ "step keys by type", WITH_ALL,
	  HEAD
	  "steps:\n"
	  "  - id: c\n"
	  "    type: circulate\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "    on_timeout: escalate\n"
	  "    return_to: [previous]\n"
	  "  - id: a\n"
	  "    assignees: [{user: liu.yang}]\n"
	  "    on_timeout: approve\n"
	  "    return_to: none\n"
	  "  - id: e\n"
	  "    type: end\n"
	  "    next: a\n",
	  "9:5: 'on_timeout' does not apply to circulate steps\n"
	  "10:5: 'return_to' does not apply to circulate steps\n"
	  "13:5: 'on_timeout' needs a 'deadline'\n"
	  "17:5: 'next' does not apply to end steps\n" },
};

/* One lint case (its state): exactly the expected diagnostics. */
static void test_lint_case(void **state)
{
	const struct lint_case *c = *state;
	char *got = lint(FX, c->yaml, c->with, NULL);
	if (strcmp(got, c->expected)) {
		print_error("case '%s':\n--- expected\n%s--- got\n%s", c->name, c->expected, got);
		free(got);
		fail();
	}
	free(got);
}

/* A definition using every construct, and the structure it produces. */
static const char full_yaml[] =
	"kind: workflow\n"
	"id: full\n"
	"name: 综合流程\n"
	"form: f\n"
	"category: 测试\n"
	"initiators: [{role: clerk}, {user: sun.li}]\n"
	"policies:\n"
	"  self_approval: superior\n"
	"  dedupe: true\n"
	"  resubmit: to_returner\n"
	"  separate: [[head, vote]]\n"
	"steps:\n"
	"  - id: head\n"
	"    name: 部门负责人审批\n"
	"    assignees: [{department_head: applicant}]\n"
	"    deadline: 1wd\n"
	"    remind_every: 4h\n"
	"    on_timeout: escalate\n"
	"    return_to: [applicant]\n"
	"    opinion: optional\n"
	"    document: sign\n"
	"    editable: [reason]\n"
	"  - id: route\n"
	"    type: exclusive\n"
	"    branches:\n"
	"      - when: amount >= 100000\n"
	"        next: reviews\n"
	"      - default: true\n"
	"        next: vote\n"
	"  - id: reviews\n"
	"    type: parallel\n"
	"    branches: [{next: r1}, {next: r2}]\n"
	"    join: done\n"
	"  - id: r1\n"
	"    assignees: [{role: director, department: finance}]\n"
	"    next: done\n"
	"  - id: r2\n"
	"    type: handling\n"
	"    lead: {field: lead_dept}\n"
	"    co: [{field: co_depts}]\n"
	"    deadline: 30m\n"
	"    next: done\n"
	"  - id: done\n"
	"    type: join\n"
	"  - id: vote\n"
	"    mode: vote\n"
	"    pass: 60%\n"
	"    assignees: [{members: finance}]\n"
	"    return_to: [head, previous]\n"
	"  - id: read\n"
	"    type: circulate\n"
	"    assignees: [{superior: 2}]\n"
	"  - id: number\n"
	"    type: auto\n"
	"    action: number\n"
	"    organ: finance\n"
	"  - id: stop\n"
	"    type: end\n";

static void test_full_structure(void **state)
{
	struct fixture *fx = FX;
	(void)state;
	struct workflow *w = NULL;
	char *got = lint(fx, full_yaml, WITH_ALL, &w);
	assert_string_equal(got, "");
	free(got);
	assert_non_null(w);
	assert_string_equal(w->id, "full");
	assert_string_equal(w->name, "综合流程");
	assert_string_equal(w->form, "f");
	assert_string_equal(w->category, "测试");
	assert_int_equal(w->ninitiators, 2);
	assert_int_equal(w->initiators[0].kind, A_ROLE);
	assert_int_equal(w->initiators[1].kind, A_USER);
	assert_int_equal(w->self_approval, SELF_SUPERIOR);
	assert_int_equal(w->dedupe, 1);
	assert_int_equal(w->resubmit, RESUBMIT_TO_RETURNER);
	assert_int_equal(w->nseparate, 1);
	assert_string_equal(w->separate[0][0], "head");
	assert_string_equal(w->separate[0][1], "vote");
	assert_int_equal(w->nsteps, 10);

	const struct step *s = workflow_step(w, "head");
	assert_non_null(s);
	assert_int_equal(s->index, 0);
	assert_string_equal(s->name, "部门负责人审批");
	assert_int_equal(s->type, STEP_APPROVAL);
	assert_int_equal(s->mode, MODE_SINGLE);
	assert_int_equal(s->nassigns, 1);
	assert_int_equal(s->assigns[0].kind, A_DEPT_HEAD);
	assert_string_equal(s->assigns[0].ref, "applicant");
	assert_int_equal(s->deadline.amount, 1);
	assert_int_equal(s->deadline.unit, DUR_WORKDAYS);
	assert_int_equal(s->remind_every.amount, 4);
	assert_int_equal(s->remind_every.unit, DUR_HOURS);
	assert_int_equal(s->on_timeout, TIMEOUT_ESCALATE);
	assert_int_equal(s->return_to, RETURN_APPLICANT);
	assert_int_equal(s->nreturn_steps, 0);
	assert_int_equal(s->opinion_required, 0);
	assert_int_equal(s->document, DOC_SIGN);
	assert_int_equal(s->neditable, 1);
	assert_string_equal(s->editable[0], "reason");
	assert_int_equal(s->line, 13);
	assert_int_equal(s->col, 9);
	assert_ptr_equal(workflow_next(w, s), workflow_step(w, "route"));

	s = workflow_step(w, "route");
	assert_int_equal(s->type, STEP_EXCLUSIVE);
	assert_int_equal(s->nbranches, 2);
	assert_non_null(s->branches[0].when);
	assert_string_equal(expr_source(s->branches[0].when), "amount >= 100000");
	assert_string_equal(s->branches[0].next, "reviews");
	assert_int_equal(s->branches[1].is_default, 1);
	assert_null(s->branches[1].when);
	assert_null(workflow_next(w, s)); /* routing goes on through branches */

	s = workflow_step(w, "reviews");
	assert_int_equal(s->type, STEP_PARALLEL);
	assert_int_equal(s->nbranches, 2);
	assert_string_equal(s->join, "done");
	assert_null(s->branches[0].when);

	s = workflow_step(w, "r1");
	assert_int_equal(s->assigns[0].kind, A_ROLE);
	assert_string_equal(s->assigns[0].ref, "director");
	assert_string_equal(s->assigns[0].dept, "finance");
	assert_int_equal(s->return_to, RETURN_PREVIOUS | RETURN_APPLICANT | RETURN_VISITED);
	assert_int_equal(s->opinion_required, 1);
	assert_int_equal(s->document, DOC_READ);
	assert_int_equal(s->on_timeout, TIMEOUT_NONE);
	assert_ptr_equal(workflow_next(w, s), workflow_step(w, "done"));

	s = workflow_step(w, "r2");
	assert_int_equal(s->type, STEP_HANDLING);
	assert_non_null(s->lead);
	assert_int_equal(s->lead->kind, A_FIELD);
	assert_string_equal(s->lead->ref, "lead_dept");
	assert_int_equal(s->nco, 1);
	assert_string_equal(s->co[0].ref, "co_depts");
	assert_int_equal(s->deadline.amount, 30);
	assert_int_equal(s->deadline.unit, DUR_MINUTES);
	assert_int_equal(s->on_timeout, TIMEOUT_REMIND); /* the default with a deadline */

	s = workflow_step(w, "done");
	assert_int_equal(s->type, STEP_JOIN);
	assert_ptr_equal(workflow_next(w, s), workflow_step(w, "vote"));

	s = workflow_step(w, "vote");
	assert_int_equal(s->mode, MODE_VOTE);
	assert_int_equal(s->pass_percent, 60);
	assert_int_equal(s->pass_count, 0);
	assert_int_equal(s->assigns[0].kind, A_MEMBERS);
	assert_int_equal(s->return_to, RETURN_PREVIOUS);
	assert_int_equal(s->nreturn_steps, 1);
	assert_string_equal(s->return_steps[0], "head");

	s = workflow_step(w, "read");
	assert_int_equal(s->type, STEP_CIRCULATE);
	assert_int_equal(s->assigns[0].kind, A_SUPERIOR);
	assert_int_equal(s->assigns[0].levels, 2);
	assert_null(s->assigns[0].ref);

	s = workflow_step(w, "number");
	assert_int_equal(s->type, STEP_AUTO);
	assert_int_equal(s->action, AUTO_NUMBER);
	assert_string_equal(s->organ, "finance");
	assert_int_equal(s->document, DOC_NONE);
	assert_ptr_equal(workflow_next(w, s), workflow_step(w, "stop"));

	s = workflow_step(w, "stop");
	assert_int_equal(s->type, STEP_END);
	assert_null(workflow_next(w, s));
	assert_null(workflow_step(w, "missing"));
	assert_null(workflow_step(w, NULL));
	workflow_free(w);
}

/* Vote thresholds as counts, and `next: end` / the last step ending. */
static void test_vote_count_and_end(void **state)
{
	struct fixture *fx = FX;
	(void)state;
	struct workflow *w = NULL;
	char *got = lint(fx, HEAD
			 "steps:\n"
			 "  - id: v\n"
			 "    name: 财政局领导票签\n"
			 "    mode: vote\n"
			 "    pass: 2\n"
			 "    assignees:\n"
			 "      - role: director\n"
			 "        department: finance\n"
			 "      - role: deputy_director\n"
			 "      - role: section_chief\n"
			 "        department: finance.budget\n"
			 "    next: end\n"
			 "  - id: w\n"
			 "    mode: claim\n"
			 "    assignees: [{members: finance.budget}]\n",
			 WITH_ALL, &w);
	/* w is unreachable: v ends the request */
	assert_string_equal(got, "17:9: step 'w' can never be reached from the first step 'v'\n");
	free(got);
	const struct step *v = workflow_step(w, "v");
	assert_int_equal(v->pass_count, 2);
	assert_int_equal(v->pass_percent, 0);
	assert_int_equal(v->nassigns, 3);
	assert_null(workflow_next(w, v));
	const struct step *c = workflow_step(w, "w");
	assert_int_equal(c->mode, MODE_CLAIM);
	assert_null(workflow_next(w, c)); /* the last step ends the request */
	workflow_free(w);
}

/* Durations: every unit, and what is refused. */
static void test_duration_parse(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int ok;
		long amount;
		enum duration_unit unit;
	} t[] = {
		{ "30m", 0, 30, DUR_MINUTES }, { "8h", 0, 8, DUR_HOURS },
		{ "2d", 0, 2, DUR_DAYS },      { "3wd", 0, 3, DUR_WORKDAYS },
		{ "100000m", 0, 100000, DUR_MINUTES },
		{ "3x", -1, 0, 0 },  { "0d", -1, 0, 0 },   { "", -1, 0, 0 },
		{ "d", -1, 0, 0 },   { "-1d", -1, 0, 0 },  { "2 d", -1, 0, 0 },
		{ "1w", -1, 0, 0 },  { "05h", -1, 0, 0 },  { "100001m", -1, 0, 0 },
		{ "3天", -1, 0, 0 }, { "2dd", -1, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct duration d = { 0, DUR_MINUTES };
		int rc = duration_parse(t[i].s, &d);
		if (rc != t[i].ok)
			print_error("duration '%s'\n", t[i].s);
		assert_int_equal(rc, t[i].ok);
		if (!rc) {
			assert_int_equal(d.amount, t[i].amount);
			assert_int_equal(d.unit, t[i].unit);
		}
	}
	assert_int_equal(duration_parse(NULL, NULL), -1);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(step_type_name(STEP_APPROVAL), "approval");
	assert_string_equal(step_type_name(STEP_HANDLING), "handling");
	assert_string_equal(step_type_name(STEP_CIRCULATE), "circulate");
	assert_string_equal(step_type_name(STEP_AUTO), "auto");
	assert_string_equal(step_type_name(STEP_EXCLUSIVE), "exclusive");
	assert_string_equal(step_type_name(STEP_INCLUSIVE), "inclusive");
	assert_string_equal(step_type_name(STEP_PARALLEL), "parallel");
	assert_string_equal(step_type_name(STEP_JOIN), "join");
	assert_string_equal(step_type_name(STEP_END), "end");
	assert_string_equal(step_mode_name(MODE_SINGLE), "single");
	assert_string_equal(step_mode_name(MODE_SEQUENTIAL), "sequential");
	assert_string_equal(step_mode_name(MODE_COUNTERSIGN), "countersign");
	assert_string_equal(step_mode_name(MODE_ANY), "any");
	assert_string_equal(step_mode_name(MODE_VOTE), "vote");
	assert_string_equal(step_mode_name(MODE_CLAIM), "claim");
	assert_string_equal(step_type_name((enum step_type)99), "?");
}

/* Not a mapping at all: nothing to build, nothing reported by us. */
static void test_not_a_mapping(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct ydoc doc = YDOC_INIT;
	assert_int_equal(ydoc_load_buf(&doc, "wf.yaml", "- a\n- b\n", 8, &d), 0);
	assert_null(workflow_parse(&doc, &d));
	assert_int_equal(d.n, 0);
	ydoc_release(&doc);
	workflow_free(NULL);
	assert_int_equal(workflow_check(NULL, NULL, NULL, NULL, &d), -1);
}

/* Read a whole file, or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = BUF_INIT;
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

/* Load and parse one shipped definition; NULL (skipped) when not found. */
static int load_shipped(struct ydoc *doc, const char *path, struct diags *d)
{
	size_t len;
	char *text = slurp(path, &len);
	if (!text)
		return -1;
	int rc = ydoc_load_buf(doc, path, text, len, d);
	free(text);
	return rc;
}

/* The shipped workflows lint clean against the shipped organisation and forms. */
static void test_shipped(void **state)
{
	(void)state;
	static const char *const ids[] = {
		"leave", "trip", "seal", "purchase", "request", "outgoing", "incoming",
	};
	struct diags d = DIAGS_INIT;
	struct ydoc odoc = YDOC_INIT;
	if (load_shipped(&odoc, "workflows/organisation.yaml", &d) < 0) {
		ydoc_release(&odoc);
		skip(); /* not run from the top of the tree */
	}
	struct org *org = org_parse(&odoc, &d);
	assert_non_null(org);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char fpath[64], wpath[64];
		snprintf(fpath, sizeof(fpath), "forms/%s.yaml", ids[i]);
		snprintf(wpath, sizeof(wpath), "workflows/%s.yaml", ids[i]);
		struct ydoc fdoc = YDOC_INIT, wdoc = YDOC_INIT;
		assert_int_equal(load_shipped(&fdoc, fpath, &d), 0);
		struct form *form = form_parse(&fdoc, &d);
		assert_int_equal(load_shipped(&wdoc, wpath, &d), 0);
		struct workflow *w = workflow_parse(&wdoc, &d);
		assert_non_null(w);
		assert_string_equal(w->id, ids[i]);
		workflow_check(w, &wdoc, org, form, &d);
		if (d.n)
			diags_print(&d, stderr);
		assert_int_equal(d.n, 0);
		workflow_free(w);
		form_free(form);
		ydoc_release(&fdoc);
		ydoc_release(&wdoc);
	}
	org_free(org);
	ydoc_release(&odoc);
	diags_release(&d);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_full_structure),
		cmocka_unit_test(test_vote_count_and_end),
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_not_a_mapping),
		cmocka_unit_test(test_shipped),
	};
	size_t ncases = sizeof(cases) / sizeof(cases[0]);
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest *tests = calloc(ncases + nfixed, sizeof(*tests));
	for (size_t i = 0; i < ncases; i++) {
		struct CMUnitTest t = { cases[i].name, test_lint_case, NULL, NULL,
					(void *)&cases[i] };
		tests[i] = t;
	}
	for (size_t i = 0; i < nfixed; i++)
		tests[ncases + i] = fixed[i];
	int rc = _cmocka_run_group_tests("workflow", tests, ncases + nfixed, setup, teardown);
	free(tests);
	return rc;
}
