/*
 * fuzz_expr: the condition language — parse, type-check against a form's
 * names, evaluate with values and with everything unfilled. A refusal
 * always says why.
 */
#include <string.h>

#include "defs/expr.h"
#include "util/diag.h"
#include "fuzz.h"

static const struct {
	const char *name;
	enum vtype type;
} names[] = {
	{ "days", V_NUMBER },	      { "amount", V_MONEY },	{ "reason", V_STRING },
	{ "start", V_DATE },	      { "end", V_DATE },	{ "urgent", V_BOOL },
	{ "kinds", V_LIST },	      { "applicant.department", V_STRING },
	{ "applicant.level", V_NUMBER }, { "applicant.roles", V_LIST },
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static int type_of(void *ctx, const char *name, enum vtype *type)
{
	(void)ctx;
	for (size_t i = 0; i < NNAMES; i++)
		if (!strcmp(names[i].name, name)) {
			*type = names[i].type;
			return 0;
		}
	return -1;
}

static int value_of(void *ctx, const char *name, struct value *out)
{
	int filled = *(int *)ctx;
	enum vtype t;
	if (type_of(NULL, name, &t) < 0)
		return -1;
	struct value v = VALUE_NULL;
	if (filled) {
		v.type = t;
		switch (t) {
		case V_NUMBER: v.u.num = 3; break;
		case V_MONEY: v.u.money = 500000; break;
		case V_STRING: v.u.str = strdup("病假 机密"); break;
		case V_DATE: v.u.date = 20514; break;
		case V_BOOL: v.u.b = 1; break;
		case V_LIST:
			v.u.list.n = 1;
			v.u.list.items = malloc(sizeof(char *));
			v.u.list.items[0] = strdup("finance");
			break;
		default: v.type = V_NULL; break;
		}
	}
	*out = v;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *src = malloc(size + 1);
	memcpy(src, data, size);
	src[size] = '\0';
	struct diags d = DIAGS_INIT;
	struct expr *e = expr_parse(src, "fuzz", 1, 1, &d);
	if (!e) {
		if (!diags_errors(&d))
			fuzz_fail("refused without saying why");
		goto out;
	}
	struct expr_env env = { type_of, NULL, NULL };
	enum vtype result;
	if (expr_check(e, &env, V_ANY, &result, &d) == 0) {
		for (int filled = 0; filled < 2; filled++) {
			struct expr_scope scope = { value_of, &filled };
			struct value v = VALUE_NULL;
			char *err = NULL;
			if (expr_eval(e, &scope, &v, &err) == 0)
				value_release(&v);
			free(err);
		}
	}
	expr_free(e);
out:
	diags_release(&d);
	free(src);
	return 0;
}
