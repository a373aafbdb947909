/*
 * i18n: message translation (gettext, text domain "docket").
 *
 * Messages are written in English in the source and translated in
 * po/zh_CN.po. i18n_init() must run before any output; it also makes sure
 * the character type is UTF-8 so wcwidth() measures Chinese correctly even
 * when the requested locale is not installed.
 */
#ifndef DOCKET_I18N_H
#define DOCKET_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)
/*
 * A message with a context (gettext's msgctxt), for one English word with
 * two meanings: "approved" is a decision (已同意) and a request's state
 * (已通过). NC_ marks one for xgettext (in a table); C_ translates it.
 */
#define C_(ctx, s) i18n_pgettext(ctx, s)
#define NC_(ctx, s) (s)

/* Set the locale from the environment and bind the message catalogue. */
void i18n_init(void);
/* gettext of msgid in context ctx; msgid itself when not translated. */
const char *i18n_pgettext(const char *ctx, const char *msgid);
/* 1 when messages are shown in Chinese */
int i18n_is_chinese(void);

#endif
