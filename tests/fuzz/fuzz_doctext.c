/*
 * fuzz_doctext: a document as people and other organs hand it over — the
 * text `doc edit` reads back (elements, then the body) and meta.json as
 * it arrives in a revision. What parses must check, export and look for
 * markings without harm, and must round-trip: formatting what was parsed
 * and parsing that again gives the same text.
 */
#include <string.h>

#include "docs/docs.h"
#include "util/buf.h"
#include "fuzz.h"

static void edit_text(const char *text, size_t len)
{
	struct docs_content c, back;
	struct buf err = BUF_INIT, once = BUF_INIT, twice = BUF_INIT, out = BUF_INIT;
	docs_content_init(&c);
	docs_content_init(&back);
	if (docs_edit_parse(&c, text, len, &err) < 0) {
		if (!err.len)
			fuzz_fail("refused without saying why");
		goto done;
	}
	struct docs_marking m;
	docs_content_check(&c, 1024, &err);
	docs_content_marking(&c, &m);
	docs_export_text(&c, &out);
	docs_edit_format(&c, &once);
	buf_reset(&err);
	if (docs_edit_parse(&back, once.s, once.len, &err) < 0)
		fuzz_fail("its own edit text does not parse: %s", err.s);
	docs_edit_format(&back, &twice);
	if (once.len != twice.len || memcmp(once.s, twice.s, once.len))
		fuzz_fail("the edit text changes when read back");
done:
	buf_release(&err);
	buf_release(&once);
	buf_release(&twice);
	buf_release(&out);
	docs_content_release(&c);
	docs_content_release(&back);
}

static void meta(const char *text, size_t len)
{
	struct docs_content c, back;
	struct buf err = BUF_INIT, once = BUF_INIT, twice = BUF_INIT;
	docs_content_init(&c);
	docs_content_init(&back);
	if (docs_meta_parse(&c, text, len, &err) == 0) {
		docs_meta_json(&c, &once);
		if (docs_meta_parse(&back, once.s, once.len, &err) < 0)
			fuzz_fail("its own meta.json does not parse: %s", err.s);
		docs_meta_json(&back, &twice);
		if (once.len != twice.len || memcmp(once.s, twice.s, once.len))
			fuzz_fail("meta.json changes when read back");
	}
	buf_release(&err);
	buf_release(&once);
	buf_release(&twice);
	docs_content_release(&c);
	docs_content_release(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	edit_text((const char *)data, size);
	meta((const char *)data, size);
	return 0;
}
