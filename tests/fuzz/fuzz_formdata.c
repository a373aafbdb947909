/*
 * fuzz_formdata: a request's form data as a client sends it (JSON, as
 * `new --data` and, later, sync read it) validated against each shipped
 * form with the shipped organisation. What validates must validate again
 * to the same object (doc/ref-forms.md: validation is idempotent), and
 * must title and print.
 */
#include <jansson.h>
#include <string.h>

#include "defs/defset.h"
#include "defs/form.h"
#include "defs/formdata.h"
#include "util/buf.h"
#include "util/diag.h"
#include "fuzz.h"

static struct defset set = DEFSET_INIT;
static const struct org *org;

static void load(void)
{
	struct diags d = DIAGS_INIT;
	defset_add_path(&set, FUZZ_REPO "/forms", &d);
	defset_add_path(&set, FUZZ_REPO "/workflows/organisation.yaml", &d);
	if (defset_check(&set, &d) || !defset_org(&set)) {
		diags_print(&d, stderr);
		fuzz_fail("the shipped definitions do not load from %s", FUZZ_REPO);
	}
	org = defset_org(&set)->org;
	diags_release(&d);
}

static const char *const roles[] = { "staff" };

static void validate(const struct form *f, const json_t *in)
{
	struct formdata_applicant who = { "wang.fang", "王芳", "general", roles, 1, 3, "科员" };
	struct formdata_errors errs = FORMDATA_ERRORS_INIT;
	json_t *out = NULL, *again = NULL;
	if (formdata_validate(f, org, &who, in, &out, &errs) < 0) {
		if (!errs.n)
			fuzz_fail("refused without saying why");
		formdata_errors_release(&errs);
		return;
	}
	if (formdata_validate(f, org, &who, out, &again, &errs) < 0 || !json_equal(out, again))
		fuzz_fail("form %s: its own output does not validate to itself", f->id);
	struct buf b = BUF_INIT;
	formdata_title(f, org, out, "流程", "王芳", &b);
	for (size_t i = 0; i < f->nfields; i++) {
		json_t *v = json_object_get(out, f->fields[i].id);
		if (v)
			formdata_text(&f->fields[i], org, v, &b);
	}
	buf_release(&b);
	json_decref(again);
	json_decref(out);
	formdata_errors_release(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!org)
		load();
	json_error_t jerr;
	json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!in)
		return 0;
	if (json_is_object(in))
		for (size_t i = 0; i < set.n; i++)
			if (set.v[i].form)
				validate(set.v[i].form, in);
	json_decref(in);
	return 0;
}
