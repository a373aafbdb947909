/*
 * fuzz_marking: the classification-marking check on any text. A marking
 * found is one of the three levels, on a line of the text; and a text
 * with a marking keeps it when more text is put around it.
 */
#include <string.h>

#include "docs/docs.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct docs_marking m;
	const char *text = (const char *)data;
	if (!docs_marking_find(text, size, "body", &m))
		return 0;
	if (strcmp(m.level, "绝密") && strcmp(m.level, "机密") && strcmp(m.level, "秘密"))
		fuzz_fail("a marking of an unknown level '%s'", m.level);
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (m.line < 1 || m.line > lines)
		fuzz_fail("a marking on line %zu of %zu", m.line, lines);
	/* a first line of plain text before it moves it down one line */
	static const char lead[] = "关于印发通知的说明\n";
	char *more = malloc(sizeof(lead) - 1 + size);
	memcpy(more, lead, sizeof(lead) - 1);
	memcpy(more + sizeof(lead) - 1, data, size);
	struct docs_marking m2;
	if (!docs_marking_find(more, sizeof(lead) - 1 + size, "body", &m2))
		fuzz_fail("a marking lost when a line is put before it");
	if (m2.line != m.line + 1 || strcmp(m2.level, m.level))
		fuzz_fail("line %zu %s became line %zu %s", m.line, m.level, m2.line, m2.level);
	free(more);
	return 0;
}
