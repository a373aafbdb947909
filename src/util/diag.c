#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "i18n.h"
#include "utf8.h"
#include "xalloc.h"

void diag_add(struct diags *d, const char *file, int line, int col,
	      enum diag_severity sev, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	ALLOC_GROW(d->v, d->n + 1, d->alloc);
	struct diag *x = &d->v[d->n++];
	x->file = xstrdup(file ? file : "");
	x->line = line;
	x->col = col;
	x->severity = sev;
	x->msg = buf_detach(&msg);
}

size_t diags_errors(const struct diags *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += d->v[i].severity == DIAG_ERROR;
	return n;
}

static int diag_cmp(const struct diag *a, const struct diag *b)
{
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void diags_sort(struct diags *d)
{
	/* insertion sort: stable, and lists are short */
	for (size_t i = 1; i < d->n; i++) {
		struct diag t = d->v[i];
		size_t j = i;
		while (j > 0 && diag_cmp(&d->v[j - 1], &t) > 0) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = t;
	}
	size_t w = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (w && !diag_cmp(&d->v[w - 1], &d->v[i]) &&
		    d->v[w - 1].severity == d->v[i].severity &&
		    !strcmp(d->v[w - 1].msg, d->v[i].msg)) {
			free(d->v[i].file);
			free(d->v[i].msg);
			continue;
		}
		d->v[w++] = d->v[i];
	}
	d->n = w;
}

void diags_print(const struct diags *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *x = &d->v[i];
		const char *sev = x->severity == DIAG_ERROR ? _("error") : _("warning");
		/* a message may echo what the file says (a key, a value): shown escaped */
		struct buf file = BUF_INIT, msg = BUF_INIT;
		utf8_sanitize(&file, x->file);
		utf8_sanitize(&msg, x->msg);
		if (x->line > 0)
			fprintf(out, "%s:%d:%d: %s: %s\n", file.s, x->line,
				x->col > 0 ? x->col : 1, sev, msg.s);
		else
			fprintf(out, "%s: %s: %s\n", file.s, sev, msg.s);
		buf_release(&file);
		buf_release(&msg);
	}
}

void diags_release(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->alloc = 0;
}
