/*
 * text: what a person may write into an action (rules 5, ENG_RULES_TEXT).
 *
 * Every text of a payload that a person typed — a request's title and the
 * texts of its form answers, an opinion (also the reason given to
 * withdraw, urge or terminate), the opinion given when signing off, a
 * common opinion — is judged here, inside apply, so every front end and a
 * server applying a pushed event decide alike (doc/security.md, "Hostile
 * text"):
 *
 *   - no control, C1 or bidirectional characters (utf8_text_refused): a
 *     carriage return would let "同意\rFAKE" rewrite what is shown; a title
 *     is one line;
 *   - at most its limit of characters (engine.h, ENG_*_MAX);
 *   - no classification marking (docs_marking_find, however written). Such
 *     a refusal is audited: engine_act records it as action.refused.
 */
#include <string.h>

#include "../defs/form.h"
#include "../docs/docs.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "apply.h"

/* Judge one text: `what` names it in messages ("the opinion"). */
static int check_one(struct ctx *c, const char *what, const char *s, size_t len, size_t max, int multiline)
{
	struct utf8_bad b;
	if (utf8_text_refused(s, len, multiline, &b)) {
		struct buf d = BUF_INIT;
		utf8_describe_cp(&d, b.cp);
		int rc = multiline ? REFUSE(c, _("%s contains %s at line %zu, column %zu: only tab and newline may be used"),
					    what, d.s, b.line, b.col)
				   : REFUSE(c, _("%s contains %s at line %zu, column %zu: it is one line, where only tab may be used besides text"),
					    what, d.s, b.line, b.col);
		buf_release(&d);
		return rc;
	}
	size_t n = utf8_chars(s, len);
	if (n > max)
		return REFUSE(c, _("%s is %zu characters long, over the limit of %zu"), what, n, max);
	struct docs_marking m;
	if (docs_marking_find(s, len, what, &m)) {
		snprintf(c->e->refused_marking, sizeof(c->e->refused_marking), "%s", m.level);
		return REFUSE(c,
			      _("refused: %s carries the classification marking '%s' (line %zu); this network is not for classified content, nothing was saved and the attempt was recorded"),
			      what, m.level, m.line);
	}
	return 0;
}

/* Judge the payload's string `key`, when there is one. */
static int check_key(struct ctx *c, const char *key, const char *what, size_t max, int multiline)
{
	json_t *v = json_object_get(c->ev->p, key);
	if (!json_is_string(v))
		return 0;
	return check_one(c, what, json_string_value(v), json_string_length(v), max, multiline);
}

/* Every string in a form answer (a list's items too), named by its field. */
static int check_answer(struct ctx *c, const char *what, json_t *v)
{
	if (json_is_string(v))
		return check_one(c, what, json_string_value(v), json_string_length(v), ENG_FIELD_TEXT_MAX, 1);
	size_t i;
	const char *k;
	json_t *x;
	int rc = 0;
	if (json_is_array(v))
		json_array_foreach(v, i, x) if (!rc) rc = check_answer(c, what, x);
	if (json_is_object(v))
		json_object_foreach(v, k, x) if (!rc) rc = check_answer(c, what, x);
	return rc;
}

/* The form the answers are given for: the request's, or the one a new request names. */
static const struct form *answers_form(struct ctx *c)
{
	if (c->in.id && c->in.defs)
		return c->in.defs->form;
	const char *wf = eng_pstr(c, "workflow_version"), *fv = eng_pstr(c, "form_version");
	const char *org = eng_pstr(c, "org_version");
	const struct eng_defs *d = wf && fv && org ? eng_defs_get(c->e, wf, fv, org) : NULL;
	return d ? d->form : NULL;
}

int eng_check_text(struct ctx *c)
{
	int rc;
	if ((rc = check_key(c, "title", _("the title"), ENG_TITLE_MAX, 0)) < 0 ||
	    (rc = check_key(c, "opinion", _("the opinion"), ENG_OPINION_MAX, 1)) < 0 ||
	    (rc = check_key(c, "sign_opinion", _("the opinion"), ENG_OPINION_MAX, 1)) < 0)
		return rc;
	if (!strcmp(c->ev->type, engine_action(ENG_OP_OPINION_ADDED)->type) &&
	    (rc = check_key(c, "text", _("the common opinion"), ENG_COMMON_OPINION_MAX, 1)) < 0)
		return rc;
	json_t *data = json_object_get(c->ev->p, "data");
	if (!json_is_object(data))
		return 0;
	const struct form *f = answers_form(c);
	const char *k;
	json_t *v;
	json_object_foreach(data, k, v) {
		const struct field *fd = f ? form_field(f, k) : NULL;
		struct buf what = BUF_INIT;
		buf_addf(&what, _("the field '%s'"), fd && fd->label ? fd->label : k);
		rc = check_answer(c, what.s, v);
		buf_release(&what);
		if (rc < 0)
			return rc;
	}
	return 0;
}
