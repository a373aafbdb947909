/*
 * Who gets a task: every assignee kind resolved against the shipped demo
 * city (and a small inline one for the corner cases), spec order and
 * duplicates, every "resolves to nobody" message, stand-ins (代理) with
 * date ranges, per workflow, chains and cycles, and the self-approval
 * policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "defs/assign.h"
#include "defs/form.h"
#include "defs/org.h"
#include "defs/workflow.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/diag.h"
#include "util/i18n.h"
#include "yaml/ydoc.h"

/* Departments without heads, a head below their department, a lone member. */
static const char small_yaml[] =
	"kind: organisation\n"
	"id: small\n"
	"name: 小测试县\n"
	"roles:\n"
	"  - {id: director, name: 局长}\n"
	"  - {id: clerk, name: 科员}\n"
	"departments:\n"
	"  - {id: county, name: 小测试县人民政府, head: li.xian}\n"
	"  - {id: office, name: 县政府办公室, parent: county}\n"
	"  - {id: office.docs, name: 文书科, parent: office}\n"
	"  - {id: empty, name: 空科室, parent: county}\n"
	"users:\n"
	"  - {id: li.xian, name: 李县长, department: county, roles: [director]}\n"
	"  - {id: wen.shu, name: 文书, department: office.docs, roles: [clerk]}\n";

static struct org *demo, *small;
static struct form *outgoing, *trip, *incoming;

static struct form *load_form(const char *path, struct diags *d)
{
	struct ydoc doc = YDOC_INIT;
	struct form *f = NULL;
	if (!ydoc_load_file(&doc, path, d))
		f = form_parse(&doc, d);
	ydoc_release(&doc);
	return f;
}

static int setup(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct ydoc doc = YDOC_INIT;
	if (!ydoc_load_file(&doc, "workflows/organisation.yaml", &d))
		demo = org_parse(&doc, &d);
	ydoc_release(&doc);
	if (!ydoc_load_buf(&doc, "small.yaml", small_yaml, strlen(small_yaml), &d))
		small = org_parse(&doc, &d);
	ydoc_release(&doc);
	outgoing = load_form("forms/outgoing.yaml", &d);
	trip = load_form("forms/trip.yaml", &d);
	incoming = load_form("forms/incoming.yaml", &d);
	diags_print(&d, stderr);
	int bad = !demo || !small || !outgoing || !trip || !incoming || d.n;
	diags_release(&d);
	return bad ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	org_free(demo);
	org_free(small);
	form_free(outgoing);
	form_free(trip);
	form_free(incoming);
	return 0;
}

/* Spec constructors, as workflow_parse() would fill them in. */
#define USER(u) { .kind = A_USER, .ref = (char *)(u) }
#define ROLE(r, d) { .kind = A_ROLE, .ref = (char *)(r), .dept = (char *)(d) }
#define HEAD(d) { .kind = A_DEPT_HEAD, .ref = (char *)(d) }
#define SUPERIOR(n) { .kind = A_SUPERIOR, .ref = NULL, .levels = (n) }
#define MEMBERS(d) { .kind = A_MEMBERS, .ref = (char *)(d) }
#define FIELD(f) { .kind = A_FIELD, .ref = (char *)(f) }
#define MAX_SPECS 4

/* A list as "user@spec" words; a stand-in as "user<on_behalf@spec". */
static char *show(const struct assign_list *l)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			buf_addch(&b, ' ');
		buf_adds(&b, l->v[i].user);
		if (l->v[i].on_behalf)
			buf_addf(&b, "<%s", l->v[i].on_behalf);
		buf_addf(&b, "@%zu", l->v[i].spec);
	}
	return buf_detach(&b);
}

struct resolve_case {
	const char *title;
	const char *applicant;
	struct assign specs[MAX_SPECS];
	size_t nspecs;
	const struct form *const *form;  /* points at the loaded form, or NULL */
	const char *data;                /* canonical form data (JSON), or NULL */
	const char *want;                /* "user@spec ..." or "error: message" */
};

/* Resolve one case against org; the result as show() or "error: ...". */
static char *resolve(const struct org *org, const struct resolve_case *c)
{
	json_t *data = c->data ? json_loads(c->data, 0, NULL) : NULL;
	if (c->data && !data)
		fail_msg("bad test data %s", c->data);
	struct assign_list l = ASSIGN_LIST_INIT;
	struct buf err = BUF_INIT;
	int rc = assign_resolve(org, c->specs, c->nspecs, c->applicant, data,
				c->form ? *c->form : NULL, &l, &err);
	char *got;
	if (rc == 0) {
		assert_int_equal(err.len, 0);
		got = show(&l);
	} else {
		assert_int_equal(l.n, 0);
		struct buf b = BUF_INIT;
		buf_addf(&b, "error: %s", err.s);
		got = buf_detach(&b);
	}
	assign_list_release(&l);
	buf_release(&err);
	json_decref(data);
	return got;
}

static void run_resolve(const struct org *org, const struct resolve_case *cases, size_t n)
{
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		char *got = resolve(org, &cases[i]);
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

/* Every kind against the demo city; zhang.wei is a clerk in 预算科 (finance.budget). */
static const struct resolve_case demo_cases[] = {
	{ "a named user", "zhang.wei", { USER("wang.fang") }, 1, NULL, NULL, "wang.fang@0" },
	{ "an unknown user", "zhang.wei", { USER("wang.fnag") }, 1, NULL, NULL,
	  "error: unknown user 'wang.fnag'" },
	{ "role anywhere, in file order", "zhang.wei", { ROLE("director", NULL) }, 1, NULL, NULL,
	  "zhou.min@0 liu.yang@0 wu.jing@0 ma.jun@0 guo.hong@0" },
	{ "role in a department and below it", "zhang.wei", { ROLE("section_chief", "finance") }, 1,
	  NULL, NULL, "huang.wei@0 feng.xue@0" },
	{ "role nobody holds there", "zhang.wei", { ROLE("director", "finance.budget") }, 1,
	  NULL, NULL, "error: no one holds role 'director' in '预算科'" },
	{ "role in the applicant's department: found in it", "zhang.wei",
	  { ROLE("section_chief", "applicant") }, 1, NULL, NULL, "huang.wei@0" },
	{ "role in the applicant's department: one level up", "zhang.wei",
	  { ROLE("director", "applicant") }, 1, NULL, NULL, "liu.yang@0" },
	{ "role in the applicant's department: up to the top", "zhang.wei",
	  { ROLE("vice_mayor", "applicant") }, 1, NULL, NULL, "chen.jianhua@0" },
	{ "role in the applicant's department: never a sibling section", "feng.xue",
	  { ROLE("clerk", "applicant") }, 1, NULL, NULL,
	  "error: no one holds role 'clerk' in '国库科' or a department above it" },
	{ "an unknown role", "zhang.wei", { ROLE("directr", NULL) }, 1, NULL, NULL,
	  "error: unknown role 'directr'" },
	{ "role in an unknown department", "zhang.wei", { ROLE("director", "财政局") }, 1, NULL,
	  NULL, "error: unknown department '财政局'" },
	{ "the applicant's department head", "zhang.wei", { HEAD("applicant") }, 1, NULL, NULL,
	  "huang.wei@0" },
	{ "a head's own department head is themselves (self-approval decides)", "huang.wei",
	  { HEAD("applicant") }, 1, NULL, NULL, "huang.wei@0" },
	{ "a named department's head", "zhang.wei", { HEAD("legal") }, 1, NULL, NULL,
	  "guo.hong@0" },
	{ "superior 1", "zhang.wei", { SUPERIOR(1) }, 1, NULL, NULL, "huang.wei@0" },
	{ "superior 2", "zhang.wei", { SUPERIOR(2) }, 1, NULL, NULL, "liu.yang@0" },
	{ "superior 3: the vice-mayor in charge", "zhang.wei", { SUPERIOR(3) }, 1, NULL, NULL,
	  "chen.jianhua@0" },
	{ "superior 4", "zhang.wei", { SUPERIOR(4) }, 1, NULL, NULL, "li.guoqiang@0" },
	{ "superior past the top", "zhang.wei", { SUPERIOR(5) }, 1, NULL, NULL,
	  "error: '张伟' has no superior 5 levels up" },
	{ "the mayor has no superior", "li.guoqiang", { SUPERIOR(1) }, 1, NULL, NULL,
	  "error: '李国强' has no superior" },
	{ "superior of an unknown applicant", "no.one", { SUPERIOR(1) }, 1, NULL, NULL,
	  "error: unknown applicant 'no.one'" },
	{ "members, with the departments below", "zhang.wei", { MEMBERS("finance") }, 1, NULL, NULL,
	  "liu.yang@0 sun.li@0 huang.wei@0 zhang.wei@0 feng.xue@0" },
	{ "members of the applicant's department", "zhang.wei", { MEMBERS("applicant") }, 1, NULL,
	  NULL, "huang.wei@0 zhang.wei@0" },
	{ "members of a department", "zhang.wei", { MEMBERS("legal") }, 1, NULL, NULL,
	  "guo.hong@0 zheng.hao@0" },
	{ "a department field names their heads", "wang.fang", { FIELD("cosign_depts") }, 1,
	  (const struct form *const *)&outgoing, "{\"cosign_depts\":[\"finance\",\"legal\"]}",
	  "liu.yang@0 guo.hong@0" },
	{ "a single department field", "wang.fang", { FIELD("lead_dept") }, 1,
	  (const struct form *const *)&incoming, "{\"lead_dept\":\"it\"}", "luo.bin@0" },
	{ "a department field, head found upward", "wang.fang", { FIELD("co_depts") }, 1,
	  (const struct form *const *)&incoming, "{\"co_depts\":[\"hr.staff\",\"ndrc.planning\"]}",
	  "xu.ming@0 lin.tao@0" },
	{ "a user field names those users", "zhang.wei", { FIELD("companions") }, 1,
	  (const struct form *const *)&trip, "{\"companions\":[\"huang.wei\",\"sun.li\"]}",
	  "huang.wei@0 sun.li@0" },
	{ "a field not filled in", "wang.fang", { FIELD("cosign_depts") }, 1,
	  (const struct form *const *)&outgoing, "{\"title\":\"通知\"}",
	  "error: '会签部门' is not filled in: no one to assign" },
	{ "a field naming an unknown department", "wang.fang", { FIELD("cosign_depts") }, 1,
	  (const struct form *const *)&outgoing, "{\"cosign_depts\":[\"finance\",\"财政局\"]}",
	  "error: '会签部门' names an unknown department '财政局'" },
	{ "a field naming an unknown user", "zhang.wei", { FIELD("companions") }, 1,
	  (const struct form *const *)&trip, "{\"companions\":[\"no.one\"]}",
	  "error: '同行人员' names an unknown user 'no.one'" },
	{ "a text field", "wang.fang", { FIELD("title") }, 1,
	  (const struct form *const *)&outgoing, "{\"title\":\"通知\"}",
	  "error: field 'title' is a text field; assignees can only come from a user or "
	  "department field" },
	{ "no such field", "wang.fang", { FIELD("cosign") }, 1,
	  (const struct form *const *)&outgoing, "{}", "error: form 'outgoing' has no field 'cosign'" },
	{ "a field without a form", "wang.fang", { FIELD("cosign_depts") }, 1, NULL, NULL,
	  "error: no form to read field 'cosign_depts' from" },
	{ "spec order kept, the first occurrence wins", "zhang.wei",
	  { HEAD("applicant"), SUPERIOR(1), ROLE("director", "applicant"), SUPERIOR(2) }, 4, NULL,
	  NULL, "huang.wei@0 liu.yang@2" },
	{ "a countersign of departments and a named user", "wang.fang",
	  { FIELD("cosign_depts"), USER("sun.li"), HEAD("finance") }, 3,
	  (const struct form *const *)&outgoing, "{\"cosign_depts\":[\"legal\",\"finance\"]}",
	  "guo.hong@0 liu.yang@0 sun.li@1" },
	{ "every failing spec is named", "zhang.wei",
	  { ROLE("sysadmin", "applicant"), USER("wang.fang"), SUPERIOR(9) }, 3, NULL, NULL,
	  "error: no one holds role 'sysadmin' in '预算科' or a department above it; "
	  "'张伟' has no superior 9 levels up" },
};

/* Corner cases on a small county with departments that have no head. */
static const struct resolve_case small_cases[] = {
	{ "no head: the nearest head above", "wen.shu", { HEAD("applicant") }, 1, NULL, NULL,
	  "li.xian@0" },
	{ "a named department without a head", "wen.shu", { HEAD("office") }, 1, NULL, NULL,
	  "li.xian@0" },
	{ "members of a department with none", "wen.shu", { MEMBERS("empty") }, 1, NULL, NULL,
	  "error: '空科室' has no members" },
	{ "members from the department below", "wen.shu", { MEMBERS("office") }, 1, NULL, NULL,
	  "wen.shu@0" },
	{ "role upward from the applicant", "wen.shu", { ROLE("director", "applicant") }, 1,
	  NULL, NULL, "li.xian@0" },
	{ "superior is the nearest head above", "wen.shu", { SUPERIOR(1) }, 1, NULL, NULL,
	  "li.xian@0" },
	{ "no role anywhere", "wen.shu", { ROLE("director", "empty") }, 1, NULL, NULL,
	  "error: no one holds role 'director' in '空科室'" },
};

static void test_resolve_demo(void **state)
{
	(void)state;
	run_resolve(demo, demo_cases, N(demo_cases));
}

static void test_resolve_small(void **state)
{
	(void)state;
	run_resolve(small, small_cases, N(small_cases));
}

/* Without an err buffer a failure still empties the list. */
static void test_resolve_no_err(void **state)
{
	(void)state;
	struct assign specs[] = { USER("wang.fang"), ROLE("mayor", "legal") };
	struct assign_list l = ASSIGN_LIST_INIT;
	assert_int_equal(assign_resolve(demo, specs, 2, "zhang.wei", NULL, NULL, &l, NULL), -1);
	assert_int_equal(l.n, 0);
	assign_list_release(&l);
	/* none: nothing to do */
	assert_int_equal(assign_resolve(demo, specs, 0, "zhang.wei", NULL, NULL, &l, NULL), 0);
	assert_int_equal(l.n, 0);
}

/* Seconds of an ISO time, for stand-in ranges. */
static time_t at(const char *iso)
{
	time_t t;
	assert_int_equal(clock_parse_iso(iso, &t), 0);
	return t;
}

struct standin_case {
	const char *title;
	const char *users;      /* who was assigned, space-separated */
	const char *standins;   /* "user>standin[/workflow]" ..., all away 2026-03-01..03-08 */
	const char *workflow;   /* the request's workflow */
	const char *now;
	const char *want;
};

static const struct standin_case standin_cases[] = {
	{ "away: the stand-in acts on their behalf", "liu.yang", "liu.yang>sun.li", "leave",
	  "2026-03-02T09:30:00+08:00", "sun.li<liu.yang@0" },
	{ "not yet away", "liu.yang", "liu.yang>sun.li", "leave", "2026-02-28T23:59:59+08:00",
	  "liu.yang@0" },
	{ "away from the first moment", "liu.yang", "liu.yang>sun.li", "leave",
	  "2026-03-01T00:00:00+08:00", "sun.li<liu.yang@0" },
	{ "back at the end of the range", "liu.yang", "liu.yang>sun.li", "leave",
	  "2026-03-08T00:00:00+08:00", "liu.yang@0" },
	{ "only for one workflow: that one", "liu.yang", "liu.yang>sun.li/purchase", "purchase",
	  "2026-03-02T09:30:00+08:00", "sun.li<liu.yang@0" },
	{ "only for one workflow: another", "liu.yang", "liu.yang>sun.li/purchase", "leave",
	  "2026-03-02T09:30:00+08:00", "liu.yang@0" },
	{ "only for one workflow: no workflow given", "liu.yang", "liu.yang>sun.li/purchase", NULL,
	  "2026-03-02T09:30:00+08:00", "liu.yang@0" },
	{ "the workflow's stand-in wins over the general one", "liu.yang",
	  "liu.yang>sun.li liu.yang>huang.wei/purchase", "purchase",
	  "2026-03-02T09:30:00+08:00", "huang.wei<liu.yang@0" },
	{ "the general one for other workflows", "liu.yang",
	  "liu.yang>sun.li liu.yang>huang.wei/purchase", "leave",
	  "2026-03-02T09:30:00+08:00", "sun.li<liu.yang@0" },
	{ "of two general ones the first", "liu.yang", "liu.yang>sun.li liu.yang>huang.wei",
	  "leave", "2026-03-02T09:30:00+08:00", "sun.li<liu.yang@0" },
	{ "a chain A -> B -> C", "liu.yang", "liu.yang>sun.li sun.li>huang.wei", "leave",
	  "2026-03-02T09:30:00+08:00", "huang.wei<liu.yang@0" },
	{ "a cycle A -> B -> A stops at B", "liu.yang", "liu.yang>sun.li sun.li>liu.yang",
	  "leave", "2026-03-02T09:30:00+08:00", "sun.li<liu.yang@0" },
	{ "a cycle A -> B -> C -> B stops at C", "liu.yang",
	  "liu.yang>sun.li sun.li>huang.wei huang.wei>sun.li", "leave",
	  "2026-03-02T09:30:00+08:00", "huang.wei<liu.yang@0" },
	{ "one's own stand-in changes nothing", "liu.yang", "liu.yang>liu.yang", "leave",
	  "2026-03-02T09:30:00+08:00", "liu.yang@0" },
	{ "a long chain stops after five hops", "u0",
	  "u0>u1 u1>u2 u2>u3 u3>u4 u4>u5 u5>u6 u6>u7", "leave",
	  "2026-03-02T09:30:00+08:00", "u5<u0@0" },
	{ "someone already assigned keeps their own task too", "liu.yang sun.li",
	  "liu.yang>sun.li", "leave", "2026-03-02T09:30:00+08:00",
	  "sun.li<liu.yang@0 sun.li@1" },
	{ "one stand-in for two people", "liu.yang wu.jing sun.li",
	  "liu.yang>sun.li wu.jing>sun.li", "leave", "2026-03-02T09:30:00+08:00",
	  "sun.li<liu.yang@0 sun.li<wu.jing@1 sun.li@2" },
	{ "only the people who are away", "zhou.min liu.yang guo.hong", "liu.yang>sun.li",
	  "leave", "2026-03-02T09:30:00+08:00", "zhou.min@0 sun.li<liu.yang@1 guo.hong@2" },
	{ "no stand-ins", "liu.yang", "", "leave", "2026-03-02T09:30:00+08:00", "liu.yang@0" },
};

/* Split "a b c" into a list of assigned users (spec = position). */
static void make_list(struct assign_list *l, const char *users)
{
	char *copy = strdup(users), *save = NULL;
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->alloc = l->n + 1;
		l->v[l->n].user = strdup(t);
		l->v[l->n].on_behalf = NULL;
		l->v[l->n].spec = l->n;
		l->n++;
	}
	free(copy);
}

/* Parse "user>standin[/workflow] ..." into s (strings live in `pool`). */
static size_t make_standins(struct standin *s, char *pool)
{
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(pool, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char *gt = strchr(t, '>'), *slash = strchr(t, '/');
		*gt = 0;
		if (slash)
			*slash = 0;
		s[n].user = t;
		s[n].standin = gt + 1;
		s[n].workflow = slash ? slash + 1 : NULL;
		s[n].from = at("2026-03-01T00:00:00+08:00");
		s[n].to = at("2026-03-08T00:00:00+08:00");
		n++;
	}
	return n;
}

static void test_standins(void **state)
{
	(void)state;
	int failed = 0;
	for (size_t i = 0; i < N(standin_cases); i++) {
		const struct standin_case *c = &standin_cases[i];
		struct assign_list l = ASSIGN_LIST_INIT;
		struct standin s[8];
		char *pool = strdup(c->standins);
		make_list(&l, c->users);
		size_t n = make_standins(s, pool);
		assign_apply_standins(&l, s, n, c->workflow, at(c->now));
		char *got = show(&l);
		if (strcmp(got, c->want)) {
			print_error("case '%s':\n got: %s\nwant: %s\n", c->title, got, c->want);
			failed++;
		}
		/* applying again at the same moment changes nothing */
		assign_apply_standins(&l, s, n, c->workflow, at(c->now));
		char *again = show(&l);
		if (strcmp(again, got)) {
			print_error("case '%s' applied twice:\n got: %s\nwant: %s\n", c->title, again,
				    got);
			failed++;
		}
		free(again);
		free(got);
		free(pool);
		assign_list_release(&l);
	}
	assert_int_equal(failed, 0);
}

/* Resolve, then stand-ins: what the engine does when a step starts. */
static void test_resolve_then_standins(void **state)
{
	(void)state;
	struct assign specs[] = { HEAD("applicant"), SUPERIOR(2) };
	struct assign_list l = ASSIGN_LIST_INIT;
	assert_int_equal(assign_resolve(demo, specs, 2, "zhang.wei", NULL, NULL, &l, NULL), 0);
	struct standin s[] = {
		{ "huang.wei", "feng.xue", "leave", at("2026-03-02T00:00:00+08:00"),
		  at("2026-03-03T00:00:00+08:00") },
		{ "liu.yang", "sun.li", NULL, at("2026-03-01T00:00:00+08:00"),
		  at("2026-03-02T00:00:00+08:00") },
	};
	assign_apply_standins(&l, s, N(s), "leave", at("2026-03-02T09:30:00+08:00"));
	char *got = show(&l);
	assert_string_equal(got, "feng.xue<huang.wei@0 liu.yang@1");
	free(got);
	/* later, when huang.wei is back: a task already handed over stays handed over */
	assign_apply_standins(&l, s, N(s), "leave", at("2026-03-04T09:30:00+08:00"));
	got = show(&l);
	assert_string_equal(got, "feng.xue<huang.wei@0 liu.yang@1");
	free(got);
	assign_list_release(&l);
}

static void test_self_target(void **state)
{
	(void)state;
	static const struct {
		enum self_approval policy;
		const char *applicant, *assignee, *want;
	} cases[] = {
		{ SELF_ALLOW, "zhang.wei", "zhang.wei", "zhang.wei" },
		{ SELF_SKIP, "zhang.wei", "zhang.wei", NULL },
		{ SELF_SUPERIOR, "zhang.wei", "zhang.wei", "huang.wei" },
		{ SELF_SUPERIOR, "huang.wei", "huang.wei", "liu.yang" },
		{ SELF_SUPERIOR, "liu.yang", "liu.yang", "chen.jianhua" },
		{ SELF_SUPERIOR, "li.guoqiang", "li.guoqiang", NULL },
		{ SELF_SKIP, "zhang.wei", "huang.wei", "huang.wei" },
		{ SELF_SUPERIOR, "zhang.wei", "liu.yang", "liu.yang" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		const char *got = assign_self_target(demo, cases[i].policy, cases[i].applicant,
						     cases[i].assignee);
		if (!cases[i].want)
			assert_null(got);
		else
			assert_string_equal(got, cases[i].want);
	}
}

int main(void)
{
	i18n_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_demo),
		cmocka_unit_test(test_resolve_small),
		cmocka_unit_test(test_resolve_no_err),
		cmocka_unit_test(test_standins),
		cmocka_unit_test(test_resolve_then_standins),
		cmocka_unit_test(test_self_target),
	};
	return cmocka_run_group_tests_name("assign", tests, setup, teardown);
}
