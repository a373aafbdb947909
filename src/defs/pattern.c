/*
 * pattern: PCRE2 with limits for form field patterns (see pattern.h).
 *
 * The compile and match contexts are made once per process and shared:
 * they only hold the limits, and PCRE2 allocates through xmalloc (so
 * running out of memory ends docket in the one place it does). The limits
 * keep every allocation small. A match makes its own match data (one pair
 * of offsets: only match / no match is asked), so a compiled pattern is
 * read-only and can be shared between threads.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pattern.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

struct pattern {
	pcre2_code *code; /* the compiled pattern */
};

/* The limits, made on first use (never freed: they live as long as the process). */
static pcre2_general_context *gcontext;
static pcre2_compile_context *ccontext;
static pcre2_match_context *mcontext;

static void *pcre_alloc(PCRE2_SIZE n, void *data)
{
	(void)data;
	return xmalloc(n ? n : 1);
}

static void pcre_free(void *p, void *data)
{
	(void)data;
	free(p);
}

static void make_contexts(void)
{
	gcontext = pcre2_general_context_create(pcre_alloc, pcre_free, NULL);
	ccontext = pcre2_compile_context_create(gcontext);
	mcontext = pcre2_match_context_create(gcontext);
	pcre2_set_max_pattern_length(ccontext, PATTERN_MAX_BYTES);
	pcre2_set_parens_nest_limit(ccontext, PATTERN_MAX_NEST);
	pcre2_set_match_limit(mcontext, PATTERN_MATCH_LIMIT);
	pcre2_set_depth_limit(mcontext, PATTERN_DEPTH_LIMIT);
	pcre2_set_heap_limit(mcontext, PATTERN_HEAP_KIB);
}

static void contexts(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, make_contexts);
}

/* PCRE2's message for an error code. */
static void pcre_message(struct buf *err, int code)
{
	PCRE2_UCHAR msg[256];
	if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
		buf_addf(err, "PCRE2 error %d", code);
	else
		buf_adds(err, (const char *)msg);
}

struct pattern *pattern_compile(const char *src, struct buf *err)
{
	size_t len = strlen(src);
	if (len > PATTERN_MAX_BYTES) {
		buf_addf(err, _("longer than %d bytes"), PATTERN_MAX_BYTES);
		return NULL;
	}
	contexts();
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)src, len,
				       PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY | PCRE2_DOTALL |
					       PCRE2_NEVER_BACKSLASH_C,
				       &code, &off, ccontext);
	if (!re) {
		/* PCRE2's own size limit, from the link size it was built with */
		if (code == PCRE2_ERROR_PATTERN_TOO_LARGE || code == PCRE2_ERROR_PARENTHESES_NEST_TOO_DEEP)
			buf_adds(err, _("too complex: "));
		pcre_message(err, code);
		/* the offset is in bytes; people count characters */
		if (off <= len && utf8_valid(src, off, NULL))
			buf_addf(err, _(" at character %zu"), utf8_chars(src, off) + 1);
		return NULL;
	}
	size_t size = 0;
	pcre2_pattern_info(re, PCRE2_INFO_SIZE, &size);
	if (size > PATTERN_MAX_COMPILED) {
		buf_addf(err, _("too complex: it compiles to %zu bytes, more than %u"), size,
			 PATTERN_MAX_COMPILED);
		pcre2_code_free(re);
		return NULL;
	}
	struct pattern *p = xcalloc(1, sizeof(*p));
	p->code = re;
	return p;
}

int pattern_match(const struct pattern *p, const char *s, size_t len)
{
	pcre2_match_data *md = pcre2_match_data_create(1, gcontext);
	int rc = pcre2_match(p->code, (PCRE2_SPTR)s, len, 0, 0, md, mcontext);
	pcre2_match_data_free(md);
	if (rc >= 0)
		return 1; /* 0: matched, with more groups than the offsets kept */
	if (rc == PCRE2_ERROR_NOMATCH || (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21))
		return 0;
	return -1; /* a match, depth or heap limit, or no memory */
}

void pattern_free(struct pattern *p)
{
	if (!p)
		return;
	pcre2_code_free(p->code);
	free(p);
}
