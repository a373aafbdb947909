/*
 * The YAML reader: positions, limits and everything it refuses, each with
 * the exact message and line:col an administrator will see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "defs_helpers.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/i18n.h"
#include "yaml/ydoc.h"

/* Load text; return all diagnostics as "line:col: msg" lines. */
static char *load(const char *text, struct ydoc *doc)
{
	struct diags d = DIAGS_INIT;
	ydoc_load_buf(doc, "t.yaml", text, strlen(text), &d);
	return diags_lines(&d, 0);
}

struct bad_case {
	const char *text;
	const char *want;
};

static const struct bad_case bad_cases[] = {
	{ "a: &x 1\nb: 2\n", "1:4: anchors are not allowed ('&x'); repeat the text instead\n" },
	{ "a: 1\nb: *x\n", "2:4: aliases are not allowed ('*x'); repeat the text instead\n" },
	{ "a: !!str 1\n", "1:4: tags are not allowed ('tag:yaml.org,2002:str')\n" },
	{ "名称: 请假\n审批: 1\n名称: 出差\n", "3:1: duplicate key '名称' (first at line 1)\n" },
	{ "a:\n  - b: 1\n    b: 2\n", "3:5: duplicate key 'b' (first at line 2)\n" },
	{ "? [a, b]\n: 1\n", "1:3: a mapping key must be a plain value, not a list\n" },
	{ "a: 1\n---\nb: 2\n", "2:1: only one YAML document is allowed per file\n" },
	{ "a: \"审批中\n", "2:1: YAML syntax: found unexpected end of stream while scanning a quoted scalar\n" },
	{ "name: 审批\xff\n", "1:9: invalid UTF-8 (byte 0xff)\n" },
	{ "steps:\n  - id: a\n   name: b\n", "3:4: YAML syntax: did not find expected '-' indicator while parsing a block collection\n" },
	{ "标题: 请假: 出差\n", "1:7: YAML syntax: mapping values are not allowed in this context\n" },
};

static void test_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct ydoc doc = YDOC_INIT;
		char *got = load(bad_cases[i].text, &doc);
		if (strcmp(got, bad_cases[i].want))
			fail_msg("case %zu: got '%s' want '%s'", i, got, bad_cases[i].want);
		assert_null(doc.root);
		free(got);
		ydoc_release(&doc);
	}
}

static void test_positions_count_characters(void **state)
{
	(void)state;
	struct ydoc doc = YDOC_INIT;
	char *err = load("名称: 请假\nsteps:\n  - {id: 部门审批, next: 结束}\n", &doc);
	assert_string_equal(err, "");
	struct ynode *name = ymap_get(doc.root, "名称");
	assert_non_null(name);
	assert_int_equal(name->line, 1);
	assert_int_equal(name->col, 5);
	assert_string_equal(name->value, "请假");
	struct ynode *steps = ymap_get(doc.root, "steps");
	assert_int_equal(steps->type, Y_SEQ);
	struct ynode *next = ymap_get(steps->items[0], "next");
	assert_int_equal(next->line, 3);
	assert_int_equal(next->col, 22);
	free(err);
	ydoc_release(&doc);
}

static void test_byte_order_mark(void **state)
{
	(void)state;
	struct ydoc doc = YDOC_INIT;
	char *err = load("\xef\xbb\xbfname: 请假\nid: [\n", &doc);
	/* columns count from after the mark, as editors show them */
	assert_string_equal(err, "3:1: YAML syntax: did not find expected node content while parsing a flow node\n");
	free(err);
	ydoc_release(&doc);
	err = load("\xef\xbb\xbfname: 请假\n", &doc);
	assert_string_equal(err, "");
	assert_int_equal(ymap_get(doc.root, "name")->col, 7);
	free(err);
	ydoc_release(&doc);
}

static void test_scalar_styles(void **state)
{
	(void)state;
	struct ydoc doc = YDOC_INIT;
	char *err = load("a: 123\nb: \"123\"\nc: ~\nd:\ne: yes\n", &doc);
	assert_string_equal(err, "");
	long long v;
	assert_int_equal(yparse_int(ymap_get(doc.root, "a"), &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(yparse_int(ymap_get(doc.root, "b"), &v), -1); /* quoted: text */
	assert_true(yis_null(ymap_get(doc.root, "c")));
	assert_true(yis_null(ymap_get(doc.root, "d")));
	int b;
	assert_int_equal(yparse_bool(ymap_get(doc.root, "e"), &b), 0);
	assert_true(b);
	free(err);
	ydoc_release(&doc);
}

static void test_depth_limit(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 40; i++)
		buf_adds(&b, "[");
	for (int i = 0; i < 40; i++)
		buf_adds(&b, "]");
	struct ydoc doc = YDOC_INIT;
	char *err = load(b.s, &doc);
	assert_string_equal(err, "1:33: nesting is too deep (the limit is 32 levels)\n");
	free(err);
	ydoc_release(&doc);
	buf_release(&b);
}

static void test_size_limit(void **state)
{
	(void)state;
	size_t n = YDOC_MAX_BYTES + 10;
	char *big = malloc(n + 1);
	memset(big, '#', n);
	big[n] = '\0';
	struct diags d = DIAGS_INIT;
	struct ydoc doc = YDOC_INIT;
	assert_int_equal(ydoc_load_buf(&doc, "big.yaml", big, n, &d), -1);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "file is too large"));
	diags_release(&d);
	ydoc_release(&doc);
	free(big);
}

static void test_check_keys_suggests(void **state)
{
	(void)state;
	struct ydoc doc = YDOC_INIT;
	char *err = load("id: a\nasignees: []\ncolour: red\n", &doc);
	assert_string_equal(err, "");
	static const char *const allowed[] = { "id", "assignees", "name", NULL };
	struct diags d = DIAGS_INIT;
	assert_int_equal(y_check_keys(&d, &doc, doc.root, allowed), -1);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].msg, "unknown key 'asignees' (did you mean 'assignees'?)");
	assert_int_equal(d.v[0].line, 2);
	assert_string_equal(d.v[1].msg, "unknown key 'colour'");
	diags_release(&d);
	free(err);
	ydoc_release(&doc);
}

static void test_empty_and_scalar_root(void **state)
{
	(void)state;
	struct ydoc doc = YDOC_INIT;
	char *err = load("", &doc);
	assert_string_equal(err, "");
	assert_null(doc.root);
	free(err);
	ydoc_release(&doc);
	err = load("只有一行\n", &doc);
	assert_string_equal(err, "");
	assert_int_equal(doc.root->type, Y_SCALAR);
	assert_string_equal(doc.root->value, "只有一行");
	free(err);
	ydoc_release(&doc);
}

int main(void)
{
	i18n_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_positions_count_characters),
		cmocka_unit_test(test_byte_order_mark),
		cmocka_unit_test(test_scalar_styles),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_check_keys_suggests),
		cmocka_unit_test(test_empty_and_scalar_root),
	};
	return cmocka_run_group_tests_name("ydoc", tests, NULL, NULL);
}
