#include "i18n.h"

#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

static int chinese;

/* The language the user asked for, following POSIX precedence. */
static const char *requested_language(void)
{
	const char *names[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = getenv(names[i]);
		if (v && *v)
			return v;
	}
	return "";
}

void i18n_init(void)
{
	const char *want = requested_language();
	if (!setlocale(LC_ALL, "")) {
		/*
		 * The requested locale is not installed. Keep UTF-8 character
		 * handling (C.UTF-8 is always present in glibc) and still honour
		 * the requested language for messages through LANGUAGE, which
		 * gettext consults whenever the message locale is not plain "C".
		 */
		setlocale(LC_ALL, "C.UTF-8");
		if (!strncmp(want, "zh", 2) && !getenv("LANGUAGE"))
			setenv("LANGUAGE", "zh_CN", 1);
	}
	/*
	 * docket's text is always UTF-8; in a "C" or legacy locale, measure it
	 * as UTF-8 anyway so widths and input stay right.
	 */
	if (strcmp(nl_langinfo(CODESET), "UTF-8"))
		setlocale(LC_CTYPE, "C.UTF-8");
	const char *dir = getenv("DOCKET_LOCALEDIR");
	struct stat st;
	if (!dir || stat(dir, &st) != 0)
		dir = LOCALEDIR;
	bindtextdomain("docket", dir);
	bind_textdomain_codeset("docket", "UTF-8");
	textdomain("docket");
	const char *lang = getenv("LANGUAGE");
	chinese = !strncmp(want, "zh", 2) || (lang && !strncmp(lang, "zh", 2));
	if (!strcmp(want, "C") || !strcmp(want, "POSIX"))
		chinese = 0;
}

int i18n_is_chinese(void)
{
	return chinese;
}
