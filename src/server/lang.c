/*
 * lang: answers for people in both languages. docketd answers every
 * terminal, whatever its language, so a rejection's reason is worded in
 * English and in Chinese: the message is made once under each (gettext
 * honours LANGUAGE whenever the message locale is not plain "C"; glibc
 * caches translations until _nl_msg_cat_cntr changes). The daemon's
 * requests are handled on one thread, so switching is safe there.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "server.h"

extern int _nl_msg_cat_cntr;

static char *own;  /* LANGUAGE as the process started, or NULL */
static int saved;  /* own was read */

void server_lang(const char *lang)
{
	if (!saved) {
		const char *v = getenv("LANGUAGE");
		own = v ? xstrdup(v) : NULL;
		saved = 1;
		/* LANGUAGE is ignored under the plain "C" locale */
		const char *m = setlocale(LC_MESSAGES, NULL);
		if (m && (!strcmp(m, "C") || !strcmp(m, "POSIX")))
			setlocale(LC_MESSAGES, "C.UTF-8");
	}
	const char *want = lang ? lang : own;
	if (want)
		setenv("LANGUAGE", want, 1);
	else
		unsetenv("LANGUAGE");
	++_nl_msg_cat_cntr;
}

json_t *server_vwords(const char *msgid, va_list ap)
{
	static const char *const langs[] = { "en", "zh_CN" };
	json_t *o = json_object();
	for (int i = 0; i < 2; i++) {
		va_list aq;
		va_copy(aq, ap);
		server_lang(langs[i]);
		struct buf b = BUF_INIT;
		buf_vaddf(&b, gettext(msgid), aq);
		va_end(aq);
		json_object_set_new(o, langs[i], json_string(b.s));
		buf_release(&b);
	}
	server_lang(NULL);
	return o;
}

json_t *server_words(const char *msgid, ...)
{
	va_list ap;
	va_start(ap, msgid);
	json_t *o = server_vwords(msgid, ap);
	va_end(ap);
	return o;
}
