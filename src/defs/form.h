/*
 * form: request forms read from files of `kind: form`.
 *
 * A form is a list of typed fields with their rules. The same form
 * definition validates input from the CLI, the TUI and the server, and its
 * field types are what workflow conditions are type-checked against.
 */
#ifndef DOCKET_FORM_H
#define DOCKET_FORM_H

#include <stddef.h>

#include "value.h"

struct diags;
struct expr;
struct pattern;
struct org;
struct ydoc;

enum field_type {
	F_TEXT,        /* one line */
	F_TEXTAREA,    /* several lines */
	F_NUMBER,
	F_MONEY,       /* exact, in fen */
	F_DATE,
	F_DATETIME,
	F_CHOICE,      /* single choice */
	F_MULTICHOICE, /* several choices */
	F_USER,        /* a user id from the organisation (a list when multiple) */
	F_DEPARTMENT,  /* a department id (a list when multiple) */
	F_ATTACHMENT,  /* file names (contents live with the document) */
	F_BOOL         /* yes/no */
};

struct field_option {
	char *value;   /* stored value ("annual") */
	char *label;   /* shown ("年假"); defaults to value */
};

struct field {
	char *id;                  /* "days" */
	char *label;               /* "请假天数" */
	enum field_type type;
	int required;
	int multiple;               /* user / department / attachment: a list of them */
	struct value dflt;         /* default (V_NULL when none) */
	int has_min, has_max;
	double min, max;           /* number: value; date: days; text: unused */
	int64_t min_money, max_money; /* money bounds in fen */
	int64_t min_date, max_date;   /* date bounds (days since epoch) */
	long min_len, max_len;     /* text length in characters; -1 when unset */
	char *pattern;             /* PCRE2 regular expression for text (pattern.h), or NULL */
	struct pattern *re;        /* it compiled, once, when the form was read; NULL if it did not */
	char *help;                /* help text, or NULL */
	struct field_option *options;
	size_t noptions;
	struct expr *visible_when; /* shown (and required) only when true; or NULL */
	struct expr *compute;      /* computed, read-only field; or NULL */
	int line, col;
};

struct form {
	char *id;
	char *name;
	/*
	 * The title a request gets when its applicant gives none: text with
	 * {FIELD} for a field's value as people read it, {applicant} and
	 * {workflow} for their names ("出差 {destination} - {applicant}");
	 * NULL: "WORKFLOW - APPLICANT". See formdata_title().
	 */
	char *title;
	struct field *fields;
	size_t nfields;
};

/*
 * Build from a document; problems local to the file are added to d: keys,
 * ids, types, bounds, options, patterns, defaults against the field type,
 * and the syntax of visible_when / compute (parsed here, so a parsed form
 * holds its expressions). Returns NULL only when the document is not a
 * mapping; the caller frees with form_free().
 */
struct form *form_parse(const struct ydoc *doc, struct diags *d);
/*
 * Cross-checks that need the organisation (a default user that exists)
 * and type-checks visible_when / compute against the fields. `org` may be NULL.
 */
int form_check(struct form *f, const struct ydoc *doc, const struct org *org,
	       struct diags *d);
void form_free(struct form *f);

const struct field *form_field(const struct form *f, const char *id);
/* The value type a field holds (F_MONEY -> V_MONEY, F_MULTICHOICE or multiple -> V_LIST, ...). */
enum vtype field_vtype(const struct field *f);
const char *field_type_name(enum field_type t);

#endif
