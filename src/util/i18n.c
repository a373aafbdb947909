#include "i18n.h"

#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

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

static int has_catalogue(const char *dir)
{
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s/zh_CN/LC_MESSAGES/docket.mo", dir);
	struct stat st;
	int ok = stat(p.s, &st) == 0;
	buf_release(&p);
	return ok;
}

/*
 * Where the message catalogues are: $DOCKET_LOCALEDIR; else next to the
 * binary, installed (PREFIX/bin/../share/locale) or in a checkout
 * (./docket next to build/locale), so `make install PREFIX=...` and
 * running from the source tree both work without rebuilding; else the
 * compiled-in LOCALEDIR.
 */
static void find_localedir(struct buf *out)
{
	const char *env = getenv("DOCKET_LOCALEDIR");
	if (env && *env) {
		buf_adds(out, env);
		return;
	}
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			const char *rel[] = { "/../share/locale", "/build/locale", "/../locale" };
			for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
				buf_reset(out);
				buf_addf(out, "%s%s", exe, rel[i]);
				if (has_catalogue(out->s))
					return;
			}
		}
	}
	buf_reset(out);
	buf_adds(out, LOCALEDIR);
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
	struct buf dir = BUF_INIT;
	find_localedir(&dir);
	bindtextdomain("docket", dir.s);
	buf_release(&dir);
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

/*
 * As gnulib's pgettext: the catalogue keys a message with a context as
 * "CTX\004MSGID"; gettext returns its argument when there is no
 * translation, and then the plain msgid is the answer.
 */
const char *i18n_pgettext(const char *ctx, const char *msgid)
{
	struct buf key = BUF_INIT;
	buf_addf(&key, "%s\004%s", ctx, msgid);
	const char *t = gettext(key.s);
	const char *out = t == key.s ? msgid : t;
	buf_release(&key);
	return out;
}
