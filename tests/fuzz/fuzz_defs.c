/*
 * fuzz_defs: a definition file as `docket lint` reads it — the YAML reader
 * under its limits, dispatch on kind, each kind's parser and checks — on
 * its own and beside the shipped organisation (so workflows and forms are
 * checked against real roles and departments). Every diagnostic must have
 * a message and a position inside the file.
 */
#include <string.h>

#include "defs/defset.h"
#include "util/diag.h"
#include "fuzz.h"

static void check_diags(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		if (!d->v[i].msg || !d->v[i].msg[0])
			fuzz_fail("a diagnostic without a message");
		if (d->v[i].line < 0 || d->v[i].col < 0)
			fuzz_fail("a diagnostic at %d:%d", d->v[i].line, d->v[i].col);
	}
}

static void lint(const uint8_t *data, size_t size, int with_org)
{
	struct defset set = DEFSET_INIT;
	struct diags d = DIAGS_INIT;
	if (with_org)
		defset_add_path(&set, FUZZ_REPO "/workflows/organisation.yaml", &d);
	defset_add_text(&set, "fuzz.yaml", (const char *)data, size, &d);
	defset_check(&set, &d);
	diags_sort(&d);
	check_diags(&d);
	diags_release(&d);
	defset_release(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lint(data, size, 0);
	lint(data, size, 1);
	return 0;
}
