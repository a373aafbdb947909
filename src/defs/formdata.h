/*
 * formdata: what a user fills in on a form — validated and normalised.
 *
 * Input is a JSON object of field id -> value as a person or a script gives
 * it: text from the command line ("1234.5", "2026-03-02", "是"), or JSON
 * numbers, booleans and arrays. Output is the canonical JSON a request
 * stores: money as text with two decimals ("1234.50", never a float), dates
 * as "YYYY-MM-DD", date-times as UTC "...Z", choices as option values, users
 * and departments as ids. Defaults are applied, `compute:` fields computed
 * and `visible_when:` evaluated (a hidden field is dropped). Every problem is
 * reported, each naming the field by its label.
 *
 * The module is pure: no clock, no randomness, no I/O. The approval engine
 * also reads stored data through formdata_scope() to evaluate `when:`.
 * doc/ref-forms.md ("Filling in a form") is the reference for people.
 */
#ifndef DOCKET_FORMDATA_H
#define DOCKET_FORMDATA_H

#include <stddef.h>

#include <jansson.h>

#include "expr.h"
#include "value.h"

struct field;
struct form;
struct org;

/* Who fills in the form: what conditions read as `applicant.*`. */
struct formdata_applicant {
	const char *id;                 /* "zhang.wei" */
	const char *name;               /* "张伟" */
	const char *dept;               /* department id ("finance.budget") */
	const char *const *roles;       /* role ids */
	size_t nroles;
	int level;                      /* rank, 0 if unset */
	const char *title;              /* "科员", or NULL */
};

/*
 * Fill `who` from the organisation's user `user_id`. The strings are
 * borrowed from `org` and live as long as it. 0, or -1 if there is no such user.
 */
int formdata_applicant_from_org(const struct org *org, const char *user_id,
				struct formdata_applicant *who);

/* One problem with what was filled in. */
struct formdata_error {
	char *field;    /* the field id; for an unknown field the key as given; "" for the input as a whole */
	char *label;    /* the field's label ("请假天数"), or NULL when there is no such field */
	char *msg;      /* the whole message, naming the field by its label; translated */
};

/* Every problem, in form order, then unknown fields in key order. */
struct formdata_errors {
	struct formdata_error *v;
	size_t n, alloc;
};

#define FORMDATA_ERRORS_INIT { NULL, 0, 0 }

/* Free the messages; the struct is left empty and may be reused. */
void formdata_errors_release(struct formdata_errors *errs);

/*
 * Validate and normalise `input` (a JSON object) against form `f`.
 *
 * `org` resolves user and department fields (ids, or unambiguous names)
 * and may be NULL: then any non-empty id is accepted as it is. `who` is the
 * applicant conditions read; NULL makes `applicant.*` null.
 *
 * On success returns 0 and sets *out to a new object (the caller
 * json_decref()s it) holding only the visible, filled-in fields, in form
 * order. On failure returns -1, sets *out to NULL and appends every problem
 * to errs (which the caller releases). Validating the output again gives
 * the same output.
 */
int formdata_validate(const struct form *f, const struct org *org,
		      const struct formdata_applicant *who, const json_t *input,
		      json_t **out, struct formdata_errors *errs);

/*
 * What a form shows while it is being filled in (the TUI, as each key is
 * typed): formdata_validate's work whatever the problems — *values (a new
 * object, caller decrefs) holds the canonical values worked out so far,
 * computed fields among them when they could be computed; hidden[i]
 * (f->nfields bytes) is 1 when field i's `visible_when` is not met; every
 * problem is appended to errs, as formdata_validate would report it.
 */
void formdata_live(const struct form *f, const struct org *org, const struct formdata_applicant *who,
		   const json_t *input, json_t **values, unsigned char *hidden, struct formdata_errors *errs);

/*
 * Read field `id` of canonical (stored) data as a typed value: money in
 * fen, dates in days, lists for multiple values. A field that is absent or
 * does not hold a value of its type reads as V_NULL. Returns -1 (out set to
 * V_NULL) if the form has no such field. The caller releases *out.
 */
int formdata_get(const struct form *f, const json_t *data, const char *id,
		 struct value *out);

/*
 * Append a stored value of field `f` as people read it: a choice as its
 * option's label ("普通" for normal), a user or a department as its name
 * from `org`, yes/no (translated), a list joined with "、"; anything else
 * (text, numbers, money, dates) as stored. `f` and `org` may be NULL (then
 * values are shown as stored). Used by the CLI's `show` and the TUI.
 */
struct buf;
void formdata_text(const struct field *f, const struct org *org, const json_t *val, struct buf *out);

/*
 * The title of a request whose applicant gave none: the form's `title:`
 * with each {FIELD} replaced by the field's value in canonical `data` as
 * formdata_text() shows it (nothing when the field is empty or hidden),
 * {applicant} and {workflow} by those names; runs of blanks left by
 * empty fields become one. Without a `title:`, or when it comes out
 * blank, "WORKFLOW - APPLICANT". `f` and `org` may be NULL.
 *
 * The title is stored (the engine makes it), so it never depends on the
 * process's language: yes and no are 是 and 否, in the language of the
 * definitions, as their labels and options are, whatever the locale.
 */
void formdata_title(const struct form *f, const struct org *org, const json_t *data, const char *workflow,
		    const char *applicant, struct buf *out);
/*
 * formdata_title as titles were made before engine rules 4: yes and no
 * translated into the process's language. For replaying older events only.
 */
void formdata_title_in_locale(const struct form *f, const struct org *org, const json_t *data,
			      const char *workflow, const char *applicant, struct buf *out);

/* What formdata_scope() reads from; filled by it, owned by the caller (often on the stack). */
struct formdata_scope {
	const struct form *form;            /* the fields and their types */
	const json_t *data;                 /* canonical data (as formdata_validate() produced) */
	const struct formdata_applicant *who; /* the applicant, or NULL */
};

/*
 * Set *out so that expr_eval() reads the fields of `data` by id (through
 * formdata_get()) and `applicant.id`, `.name`, `.department`, `.roles`,
 * `.level`, `.title`. `sc` holds the pointers and must outlive *out; `f`,
 * `data` and `who` are borrowed.
 */
void formdata_scope(struct formdata_scope *sc, const struct form *f, const json_t *data,
		    const struct formdata_applicant *who, struct expr_scope *out);

#endif
