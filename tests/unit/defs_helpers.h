/*
 * What the definition tests share: diagnostics as the text a test compares,
 * and the shipped organisation and holiday calendar, parsed once per group.
 */
#ifndef DOCKET_TEST_DEFS_HELPERS_H
#define DOCKET_TEST_DEFS_HELPERS_H

#include <stdio.h>

#include "defs/calendar.h"
#include "defs/org.h"
#include "util/buf.h"
#include "util/diag.h"
#include "yaml/ydoc.h"

/*
 * Every diagnostic of d as "line:col: msg" lines, sorted by position when
 * `sorted` (else in the order reported); releases d. Caller frees.
 */
static inline char *diags_lines(struct diags *d, int sorted)
{
	if (sorted)
		diags_sort(d);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < d->n; i++)
		buf_addf(&b, "%d:%d: %s\n", d->v[i].line, d->v[i].col, d->v[i].msg);
	diags_release(d);
	return buf_detach(&b);
}

/* workflows/organisation.yaml, or NULL (its problems printed). */
static inline struct org *shipped_org(void)
{
	struct diags d = DIAGS_INIT;
	struct ydoc doc = YDOC_INIT;
	struct org *o = NULL;
	if (ydoc_load_file(&doc, "workflows/organisation.yaml", &d) == 0)
		o = org_parse(&doc, &d);
	diags_print(&d, stderr);
	if (d.n) {
		org_free(o);
		o = NULL;
	}
	diags_release(&d);
	ydoc_release(&doc);
	return o;
}

/* workflows/calendar-cn.yaml, or NULL (its problems printed). */
static inline struct calendar *shipped_calendar(void)
{
	struct diags d = DIAGS_INIT;
	struct ydoc doc = YDOC_INIT;
	struct calendar *c = NULL;
	if (ydoc_load_file(&doc, "workflows/calendar-cn.yaml", &d) == 0)
		c = calendar_parse(&doc, &d);
	diags_print(&d, stderr);
	if (d.n) {
		calendar_free(c);
		c = NULL;
	}
	diags_release(&d);
	ydoc_release(&doc);
	return c;
}

#endif
