/*
 * formdata: validating and normalising what is filled in on a form.
 *
 * Every value goes through one pipeline: what was given (JSON from a
 * person or a script) is parsed into a typed `struct value`, checked
 * against the field's rules, and written back as canonical JSON. Defaults
 * and computed values enter the same pipeline as typed values, so they obey
 * the same rules. The canonical data built so far is also what `compute:`
 * and `visible_when:` read (through formdata_scope()), field by field in
 * dependency order, so a condition sees exactly what will be stored.
 *
 * Problems are collected per field and reported only for fields that end
 * up visible: a hidden field is dropped with whatever was wrong with it.
 */
#include "formdata.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "../yaml/ydoc.h"
#include "form.h"
#include "org.h"
#include "pattern.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- errors ------------------------------------------------------------ */

void formdata_errors_release(struct formdata_errors *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].field);
		free(e->v[i].label);
		free(e->v[i].msg);
	}
	free(e->v);
	e->v = NULL;
	e->n = e->alloc = 0;
}

/* Append an error; takes ownership of msg. */
static void add_error(struct formdata_errors *e, const char *field, const char *label,
		      char *msg)
{
	ALLOC_GROW(e->v, e->n + 1, e->alloc);
	e->v[e->n].field = xstrdup(field ? field : "");
	e->v[e->n].label = label ? xstrdup(label) : NULL;
	e->v[e->n].msg = msg;
	e->n++;
}

/* An error about field f; the format's first %s is normally its label. */
__attribute__((format(printf, 3, 4)))
static void ferr(struct formdata_errors *e, const struct field *f, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	add_error(e, f->id, f->label, buf_detach(&b));
}

/* Move every entry of `from` to the end of `to`. */
static void move_errors(struct formdata_errors *to, struct formdata_errors *from)
{
	for (size_t i = 0; i < from->n; i++) {
		ALLOC_GROW(to->v, to->n + 1, to->alloc);
		to->v[to->n++] = from->v[i];
	}
	free(from->v);
	from->v = NULL;
	from->n = from->alloc = 0;
}

/* ---- small text helpers ------------------------------------------------ */

/* Length of a leading space: ' ', tab, newline, or the ideographic space U+3000. */
static size_t space_len(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		return 1;
	if (!strncmp(s, "\xe3\x80\x80", 3))
		return 3;
	return 0;
}

static int blank(const char *s)
{
	size_t k;
	while ((k = space_len(s)))
		s += k;
	return !*s;
}

/* A copy of s without leading and trailing spaces. */
static char *trimmed(const char *s)
{
	size_t k;
	while ((k = space_len(s)))
		s += k;
	size_t n = strlen(s);
	for (;;) {
		if (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
			  s[n - 1] == '\r'))
			n--;
		else if (n >= 3 && !strncmp(s + n - 3, "\xe3\x80\x80", 3))
			n -= 3;
		else
			break;
	}
	return xstrndup(s, n);
}

/* Not filled in: null, a blank string, or an empty list. */
static int json_blank(const json_t *j)
{
	return !j || json_is_null(j) || (json_is_string(j) && blank(json_string_value(j))) ||
	       (json_is_array(j) && !json_array_size(j));
}

/* What a JSON value is, for "must be X, not Y" (translated). */
static const char *json_noun(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return _("a mapping");
	case JSON_ARRAY: return _("a list");
	case JSON_STRING: return _("text");
	case JSON_INTEGER:
	case JSON_REAL: return _("a number");
	case JSON_TRUE:
	case JSON_FALSE: return _("true or false");
	case JSON_NULL: break;
	}
	return _("null");
}

/* What a field takes, for "must be X, not Y" (translated). */
static const char *field_noun(const struct field *f)
{
	switch (f->type) {
	case F_TEXT:
	case F_TEXTAREA: return _("text");
	case F_NUMBER: return _("a number");
	case F_MONEY: return _("an amount of money");
	case F_DATE: return _("a date");
	case F_DATETIME: return _("a date and time");
	case F_CHOICE: return _("one of the options");
	case F_MULTICHOICE: return _("a list of options");
	case F_USER: return f->multiple ? _("a list of users") : _("a user");
	case F_DEPARTMENT: return f->multiple ? _("a list of departments") : _("a department");
	case F_ATTACHMENT: return f->multiple ? _("a list of file names") : _("a file name");
	case F_BOOL: return _("yes or no");
	}
	return "?";
}

static void wrong_kind(struct formdata_errors *e, const struct field *f, const json_t *j)
{
	/* TRANSLATORS: the field's label, what it takes ("a date"), what was given ("a list") */
	ferr(e, f, _("'%s' must be %s, not %s"), f->label, field_noun(f), json_noun(j));
}

/* ---- conversions of single values ------------------------------------- */

/* Strict decimal syntax: [+-] digits [. digits] [e [+-] digits]; no hex, inf or nan. */
static int parse_decimal(const char *s, double *out)
{
	const char *p = s;
	int digits = 0;
	if (*p == '+' || *p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (!digits)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return -1;
	double v = strtod(s, NULL);
	if (!isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/*
 * A JSON number as money. An integer is whole yuan; a real is read through
 * its shortest decimal text (15 significant digits), which gives back
 * exactly what the script wrote for any realistic amount, so 1234.5 is
 * 123450 fen and 12.345 is refused like the text "12.345".
 */
static int money_from_json(const json_t *j, int64_t *fen, char **shown)
{
	char tmp[64];
	if (json_is_integer(j)) {
		json_int_t n = json_integer_value(j);
		snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, n);
		*shown = xstrdup(tmp);
		if (n > INT64_MAX / 100 || n < INT64_MIN / 100)
			return -1;
		*fen = (int64_t)n * 100;
		return 0;
	}
	double x = json_real_value(j);
	snprintf(tmp, sizeof(tmp), "%.15g", x);
	*shown = xstrdup(tmp);
	if (strchr(tmp, 'e') || strtod(tmp, NULL) != x)
		return -1;
	return money_parse(tmp, fen);
}

/* A date-time must say its offset: "…Z" or "…+08:00". */
static int has_offset(const char *s)
{
	size_t n = strlen(s);
	if (n <= 10)
		return 0;
	if (s[n - 1] == 'Z')
		return 1;
	return n >= 16 && (s[n - 6] == '+' || s[n - 6] == '-') && s[n - 3] == ':';
}

/* true/false/yes/no/是/否/1/0 (ASCII words in any case). */
static int parse_bool_text(const char *s, int *b)
{
	static const char *const yes[] = { "true", "yes", "1", "是" };
	static const char *const no[] = { "false", "no", "0", "否" };
	for (size_t i = 0; i < LEN(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*b = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*b = 0;
			return 0;
		}
	}
	return -1;
}

/* Text must be valid for its field: no NUL or control characters; one line for `text`. */
static int check_text_chars(struct formdata_errors *e, const struct field *f, const json_t *j)
{
	const char *s = json_string_value(j);
	if (json_string_length(j) != strlen(s)) {
		ferr(e, f, _("'%s' contains a control character"), f->label);
		return -1;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p == '\n' || *p == '\r') && f->type == F_TEXT) {
			ferr(e, f, _("'%s' must be a single line"), f->label);
			return -1;
		}
		if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f) {
			ferr(e, f, _("'%s' contains a control character"), f->label);
			return -1;
		}
	}
	return 0;
}

/* ---- options, users and departments ----------------------------------- */

/* Report that `s` is none of the field's options, with a hint or the list. */
static void report_no_option(struct formdata_errors *e, const struct field *f, const char *s)
{
	struct buf list = BUF_INIT;
	const char **cands = xcalloc(2 * f->noptions + 1, sizeof(*cands));
	for (size_t i = 0; i < f->noptions; i++) {
		cands[2 * i] = f->options[i].value;
		cands[2 * i + 1] = f->options[i].label;
	}
	const char *near = y_nearest(s, cands, 2 * f->noptions);
	free(cands);
	if (near) {
		ferr(e, f, _("'%s' has no option '%s' (did you mean '%s'?)"), f->label, s, near);
		return;
	}
	for (size_t i = 0; i < f->noptions; i++) {
		const struct field_option *o = &f->options[i];
		buf_addf(&list, "%s%s", list.len ? ", " : "", o->label);
		if (strcmp(o->label, o->value))
			buf_addf(&list, " (%s)", o->value);
	}
	ferr(e, f, _("'%s' has no option '%s' (the options are: %s)"), f->label, s, list.s);
	buf_release(&list);
}

/*
 * The option value that `s` names: a value, else the one option labelled
 * `s`. NULL (with an error) when there is none or the label is ambiguous.
 */
static const char *find_option(struct formdata_errors *e, const struct field *f, const char *s)
{
	const char *found = NULL;
	size_t nlabel = 0;
	for (size_t i = 0; i < f->noptions; i++)
		if (!strcmp(f->options[i].value, s))
			return f->options[i].value;
	for (size_t i = 0; i < f->noptions; i++) {
		if (!strcmp(f->options[i].label, s)) {
			if (!found)
				found = f->options[i].value;
			nlabel++;
		}
	}
	if (nlabel == 1)
		return found;
	struct buf list = BUF_INIT;
	if (nlabel > 1) {
		for (size_t i = 0; i < f->noptions; i++)
			if (!strcmp(f->options[i].label, s))
				buf_addf(&list, "%s%s", list.len ? ", " : "", f->options[i].value);
		ferr(e, f, _("'%s' is ambiguous: several options are labelled '%s' (use a value: %s)"),
		     f->label, s, list.s);
		buf_release(&list);
		return NULL;
	}
	report_no_option(e, f, s);
	return NULL;
}

/* The id and name of the i-th user or department of the organisation. */
static void org_entry(const struct org *org, int dept, size_t i, const char **id,
		      const char **name)
{
	*id = dept ? org->depts[i].id : org->users[i].id;
	*name = dept ? org->depts[i].name : org->users[i].name;
}

/* Report that `s` is no user (or department) of the organisation, with a hint. */
static void report_unknown_person(struct formdata_errors *e, const struct org *org,
				  const struct field *f, const char *s)
{
	int dept = f->type == F_DEPARTMENT;
	size_t n = dept ? org->ndepts : org->nusers;
	const char **cands = xcalloc(2 * n + 1, sizeof(*cands));
	for (size_t i = 0; i < n; i++)
		org_entry(org, dept, i, &cands[2 * i], &cands[2 * i + 1]);
	const char *near = y_nearest(s, cands, 2 * n);
	free(cands);
	if (dept && near)
		ferr(e, f, _("'%s' names an unknown department '%s' (did you mean '%s'?)"),
		     f->label, s, near);
	else if (dept)
		ferr(e, f, _("'%s' names an unknown department '%s'"), f->label, s);
	else if (near)
		ferr(e, f, _("'%s' names an unknown user '%s' (did you mean '%s'?)"), f->label, s,
		     near);
	else
		ferr(e, f, _("'%s' names an unknown user '%s'"), f->label, s);
}

/*
 * The user (or department) id that `s` names: an id, else the one entry
 * whose name is `s`. NULL with an error when there is none or the name is
 * shared. Without an organisation any id is taken as it is.
 */
static const char *find_person(struct formdata_errors *e, const struct org *org,
			       const struct field *f, const char *s)
{
	int dept = f->type == F_DEPARTMENT;
	if (!org)
		return s;
	size_t n = dept ? org->ndepts : org->nusers;
	const char *id, *name, *found = NULL;
	size_t named = 0;
	for (size_t i = 0; i < n; i++) {
		org_entry(org, dept, i, &id, &name);
		if (!strcmp(id, s))
			return id;
	}
	for (size_t i = 0; i < n; i++) {
		org_entry(org, dept, i, &id, &name);
		if (name && !strcmp(name, s)) {
			if (!found)
				found = id;
			named++;
		}
	}
	if (named == 1)
		return found;
	if (named > 1) {
		struct buf ids = BUF_INIT;
		for (size_t i = 0; i < n; i++) {
			org_entry(org, dept, i, &id, &name);
			if (name && !strcmp(name, s))
				buf_addf(&ids, "%s%s", ids.len ? ", " : "", id);
		}
		if (dept)
			ferr(e, f, _("'%s' is ambiguous: more than one department is called '%s' "
				     "(use an id: %s)"), f->label, s, ids.s);
		else
			ferr(e, f, _("'%s' is ambiguous: more than one user is called '%s' "
				     "(use an id: %s)"), f->label, s, ids.s);
		buf_release(&ids);
		return NULL;
	}
	report_unknown_person(e, org, f, s);
	return NULL;
}

/* A file name: not blank, no directory part, no control characters. */
static int file_name_ok(const char *s)
{
	if (blank(s) || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* ---- lists ------------------------------------------------------------- */

static int list_has(const struct value *l, const char *s)
{
	for (size_t i = 0; i < l->u.list.n; i++)
		if (!strcmp(l->u.list.items[i], s))
			return 1;
	return 0;
}

static void list_add(struct value *l, const char *s)
{
	l->u.list.items = xrealloc(l->u.list.items, (l->u.list.n + 1) * sizeof(char *));
	l->u.list.items[l->u.list.n++] = xstrdup(s);
}

/* Length of a list separator at s: ',', '，' (U+FF0C) or '、' (U+3001); 0 if none. */
static size_t separator_len(const char *s)
{
	if (*s == ',')
		return 1;
	if (!strncmp(s, "\xef\xbc\x8c", 3) || !strncmp(s, "\xe3\x80\x81", 3))
		return 3;
	return 0;
}

/*
 * The items of a list given as a JSON array of text, or as one text
 * separated by commas or 、 when `split` (a file name is never split).
 * Items are trimmed and blank ones dropped. -1 (reported) on a non-text item.
 */
static int list_items(struct formdata_errors *e, const struct field *f, const json_t *j,
		      int split, struct value *out)
{
	out->type = V_LIST;
	out->u.list.items = NULL;
	out->u.list.n = 0;
	if (json_is_string(j)) {
		const char *s = json_string_value(j);
		while (*s) {
			size_t n = 0, k = 0;
			while (s[n] && !(split && (k = separator_len(s + n))))
				n++;
			char *part = xstrndup(s, n), *t = trimmed(part);
			if (*t)
				list_add(out, t);
			free(part);
			free(t);
			s += n + (s[n] ? k : 0);
		}
		return 0;
	}
	if (!json_is_array(j)) {
		wrong_kind(e, f, j);
		return -1;
	}
	size_t i;
	json_t *it;
	json_array_foreach(j, i, it) {
		if (!json_is_string(it)) {
			ferr(e, f, _("'%s' must be a list of text values, not a list holding %s"),
			     f->label, json_noun(it));
			value_release(out);
			return -1;
		}
		char *t = trimmed(json_string_value(it));
		if (*t)
			list_add(out, t);
		free(t);
	}
	return 0;
}

/*
 * A list field (multichoice, or user / department / attachment with
 * `multiple`): each item is resolved and duplicates dropped. Choices end up
 * in the order of the options, people in the order given.
 */
static int parse_list(struct formdata_errors *e, const struct org *org, const struct field *f,
		      const json_t *j, struct value *out)
{
	struct value items = VALUE_NULL;
	if (list_items(e, f, j, f->type != F_ATTACHMENT, &items) < 0)
		return -1;
	struct value l = { V_LIST, { 0 } };
	int bad = 0;
	for (size_t i = 0; i < items.u.list.n; i++) {
		const char *s = items.u.list.items[i], *v = s;
		if (f->type == F_MULTICHOICE) {
			v = find_option(e, f, s);
		} else if (f->type == F_ATTACHMENT) {
			if (!file_name_ok(s)) {
				ferr(e, f, _("'%s' is not a file name: '%s'"), f->label, s);
				v = NULL;
			}
		} else {
			v = find_person(e, org, f, s);
		}
		if (!v)
			bad = 1;
		else if (!list_has(&l, v))
			list_add(&l, v);
	}
	value_release(&items);
	if (bad) {
		value_release(&l);
		return -1;
	}
	if (f->type == F_MULTICHOICE) {
		/* canonical order: the order of the options */
		struct value sorted = { V_LIST, { 0 } };
		for (size_t i = 0; i < f->noptions; i++)
			if (list_has(&l, f->options[i].value))
				list_add(&sorted, f->options[i].value);
		value_release(&l);
		l = sorted;
	}
	*out = l;
	return 0;
}

/*
 * Parse one given value (filled in: not null, blank or empty) into the
 * field's type. 0, or -1 with the problem added to e.
 */
static int parse_input(struct formdata_errors *e, const struct org *org, const struct field *f,
		       const json_t *j, struct value *out)
{
	*out = (struct value)VALUE_NULL;
	if (field_vtype(f) == V_LIST)
		return parse_list(e, org, f, j, out);
	if (f->type == F_TEXT || f->type == F_TEXTAREA) {
		if (!json_is_string(j)) {
			wrong_kind(e, f, j);
			return -1;
		}
		if (check_text_chars(e, f, j) < 0)
			return -1;
		out->type = V_STRING;
		out->u.str = xstrdup(json_string_value(j));
		return 0;
	}
	if (f->type == F_NUMBER && json_is_number(j)) {
		out->type = V_NUMBER;
		out->u.num = json_number_value(j);
		return 0;
	}
	if (f->type == F_MONEY && json_is_number(j)) {
		char *shown = NULL;
		int rc = money_from_json(j, &out->u.money, &shown);
		if (rc < 0)
			ferr(e, f, _("'%s' is not an exact amount of money: '%s'"), f->label, shown);
		else
			out->type = V_MONEY;
		free(shown);
		return rc;
	}
	if (f->type == F_BOOL && (json_is_boolean(j) || json_is_integer(j))) {
		json_int_t n = json_is_integer(j) ? json_integer_value(j) : json_is_true(j);
		if (n != 0 && n != 1) {
			char num[32];
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, n);
			ferr(e, f, _("'%s' is not yes or no: '%s'"), f->label, num);
			return -1;
		}
		out->type = V_BOOL;
		out->u.b = (int)n;
		return 0;
	}
	if (!json_is_string(j)) {
		wrong_kind(e, f, j);
		return -1;
	}
	char *s = trimmed(json_string_value(j));
	int rc = 0;
	time_t t;
	switch (f->type) {
	case F_NUMBER:
		if (parse_decimal(s, &out->u.num) < 0) {
			ferr(e, f, _("'%s' is not a number: '%s'"), f->label, s);
			rc = -1;
		} else {
			out->type = V_NUMBER;
		}
		break;
	case F_MONEY:
		if (money_parse(s, &out->u.money) < 0) {
			ferr(e, f, _("'%s' is not an exact amount of money: '%s'"), f->label, s);
			rc = -1;
		} else {
			out->type = V_MONEY;
		}
		break;
	case F_DATE:
		/* as typed (2026/3/2, 2026年3月2日); stored as YYYY-MM-DD */
		if (date_parse_lenient(s, &out->u.date) < 0) {
			ferr(e, f, _("'%s' is not a date (use YYYY-MM-DD): '%s'"), f->label, s);
			rc = -1;
		} else {
			out->type = V_DATE;
		}
		break;
	case F_DATETIME:
		if (!has_offset(s) || clock_parse_iso(s, &t) < 0) {
			ferr(e, f, _("'%s' is not a date and time with its offset "
				     "(use 2026-03-02T09:30:00+08:00): '%s'"), f->label, s);
			rc = -1;
		} else {
			out->type = V_DATETIME;
			out->u.datetime = (int64_t)t;
		}
		break;
	case F_BOOL:
		if (parse_bool_text(s, &out->u.b) < 0) {
			ferr(e, f, _("'%s' is not yes or no: '%s'"), f->label, s);
			rc = -1;
		} else {
			out->type = V_BOOL;
		}
		break;
	case F_CHOICE:
	case F_USER:
	case F_DEPARTMENT:
	case F_ATTACHMENT: {
		const char *v = s;
		if (f->type == F_CHOICE) {
			v = find_option(e, f, s);
		} else if (f->type == F_ATTACHMENT && !file_name_ok(s)) {
			ferr(e, f, _("'%s' is not a file name: '%s'"), f->label, s);
			v = NULL;
		} else if (f->type != F_ATTACHMENT) {
			v = find_person(e, org, f, s);
		}
		if (!v) {
			rc = -1;
		} else {
			out->type = V_STRING;
			out->u.str = xstrdup(v);
		}
		break;
	}
	case F_TEXT:
	case F_TEXTAREA:
	case F_MULTICHOICE:
		break;
	}
	free(s);
	return rc;
}

/* ---- the field's rules ------------------------------------------------- */

/* Is `id` a user (or department) of the organisation? Always without one. */
static int known_person(const struct org *org, const struct field *f, const char *id)
{
	if (!org)
		return 1;
	return f->type == F_DEPARTMENT ? org_dept(org, id) != NULL : org_user(org, id) != NULL;
}

/* One string of a value (or of a list) against options and the organisation. */
static int check_item(struct formdata_errors *e, const struct org *org, const struct field *f,
		      const char *s)
{
	if (f->type == F_CHOICE || f->type == F_MULTICHOICE) {
		for (size_t i = 0; i < f->noptions; i++)
			if (!strcmp(f->options[i].value, s))
				return 0;
		report_no_option(e, f, s);
		return -1;
	}
	if ((f->type == F_USER || f->type == F_DEPARTMENT) && !known_person(org, f, s)) {
		report_unknown_person(e, org, f, s);
		return -1;
	}
	return 0;
}

/*
 * Check a typed value against bounds, lengths, pattern, options and the
 * organisation. Every problem is added; -1 if there was any.
 */
static int check_value(struct formdata_errors *e, const struct org *org, const struct field *f,
		       const struct value *v)
{
	size_t before = e->n;
	char a[64];
	switch (v->type) {
	case V_NUMBER:
		if (f->has_min && v->u.num < f->min)
			ferr(e, f, _("'%s' must be at least %g"), f->label, f->min);
		if (f->has_max && v->u.num > f->max)
			ferr(e, f, _("'%s' must be at most %g"), f->label, f->max);
		break;
	case V_MONEY:
		if (f->has_min && v->u.money < f->min_money) {
			money_format(f->min_money, a, sizeof(a));
			ferr(e, f, _("'%s' must be at least %s"), f->label, a);
		}
		if (f->has_max && v->u.money > f->max_money) {
			money_format(f->max_money, a, sizeof(a));
			ferr(e, f, _("'%s' must be at most %s"), f->label, a);
		}
		break;
	case V_DATE:
		if (f->has_min && v->u.date < f->min_date) {
			date_format(f->min_date, a, sizeof(a));
			ferr(e, f, _("'%s' must be on or after %s"), f->label, a);
		}
		if (f->has_max && v->u.date > f->max_date) {
			date_format(f->max_date, a, sizeof(a));
			ferr(e, f, _("'%s' must be on or before %s"), f->label, a);
		}
		break;
	case V_STRING:
		if (f->type == F_TEXT || f->type == F_TEXTAREA) {
			long chars = (long)utf8_chars(v->u.str, strlen(v->u.str));
			if (f->min_len >= 0 && chars < f->min_len)
				ferr(e, f, _("'%s' must be at least %ld characters (it has %ld)"),
				     f->label, f->min_len, chars);
			if (f->max_len >= 0 && chars > f->max_len)
				ferr(e, f, _("'%s' must be at most %ld characters (it has %ld)"),
				     f->label, f->max_len, chars);
			int m = f->pattern && f->re ? pattern_match(f->re, v->u.str, strlen(v->u.str)) : 1;
			if (f->pattern && !f->re) /* a deployed form whose pattern no longer compiles */
				ferr(e, f, _("'%s' cannot be checked: the form's pattern is not valid (deploy the form again)"),
				     f->label);
			else if (m < 0)
				ferr(e, f, _("'%s' cannot be checked: the form's pattern is too complex for this text"),
				     f->label);
			else if (!m) {
				if (f->help)
					ferr(e, f, _("'%s' is not in the expected format: '%s' (%s)"),
					     f->label, v->u.str, f->help);
				else
					ferr(e, f, _("'%s' is not in the expected format: '%s'"),
					     f->label, v->u.str);
			}
		} else {
			check_item(e, org, f, v->u.str);
		}
		break;
	case V_LIST:
		for (size_t i = 0; i < v->u.list.n; i++)
			check_item(e, org, f, v->u.list.items[i]);
		break;
	default:
		break;
	}
	return e->n > before ? -1 : 0;
}

/* The canonical JSON of a typed value (a new reference). */
static json_t *value_json(const struct value *v)
{
	char tmp[64];
	switch (v->type) {
	case V_BOOL:
		return json_boolean(v->u.b);
	case V_NUMBER:
		/* whole numbers as integers (2, not 2.0), exact up to 2^53 */
		if (v->u.num == floor(v->u.num) && fabs(v->u.num) <= 9007199254740992.0)
			return json_integer((json_int_t)v->u.num);
		return json_real(v->u.num);
	case V_MONEY:
		money_format(v->u.money, tmp, sizeof(tmp));
		return json_string(tmp);
	case V_STRING:
		return json_string(v->u.str);
	case V_DATE:
		date_format(v->u.date, tmp, sizeof(tmp));
		return json_string(tmp);
	case V_DATETIME:
		clock_format_iso((time_t)v->u.datetime, tmp, sizeof(tmp));
		return json_string(tmp);
	case V_LIST: {
		json_t *a = json_array();
		for (size_t i = 0; i < v->u.list.n; i++)
			json_array_append_new(a, json_string(v->u.list.items[i]));
		return a;
	}
	case V_NULL:
	case V_ANY:
		break;
	}
	return json_null();
}

/* ---- reading canonical data -------------------------------------------- */

int formdata_get(const struct form *form, const json_t *data, const char *id,
		 struct value *out)
{
	*out = (struct value)VALUE_NULL;
	const struct field *f = form_field(form, id);
	if (!f)
		return -1;
	const json_t *j = json_object_get(data, id);
	if (!j)
		return 0;
	const char *s = json_string_value(j); /* NULL unless text */
	time_t t;
	switch (field_vtype(f)) {
	case V_LIST: {
		size_t i;
		json_t *it;
		if (!json_is_array(j))
			return 0;
		json_array_foreach(j, i, it)
			if (!json_is_string(it))
				return 0;
		out->type = V_LIST;
		out->u.list.n = json_array_size(j);
		out->u.list.items = out->u.list.n ? xcalloc(out->u.list.n, sizeof(char *)) : NULL;
		json_array_foreach(j, i, it)
			out->u.list.items[i] = xstrdup(json_string_value(it));
		return 0;
	}
	case V_STRING:
		if (s) {
			out->type = V_STRING;
			out->u.str = xstrdup(s);
		}
		return 0;
	case V_NUMBER:
		if (json_is_number(j)) {
			out->type = V_NUMBER;
			out->u.num = json_number_value(j);
		}
		return 0;
	case V_MONEY:
		if (s && !money_parse(s, &out->u.money))
			out->type = V_MONEY;
		return 0;
	case V_DATE:
		if (s && !date_parse(s, &out->u.date))
			out->type = V_DATE;
		return 0;
	case V_DATETIME:
		if (s && !clock_parse_iso(s, &t)) {
			out->type = V_DATETIME;
			out->u.datetime = (int64_t)t;
		}
		return 0;
	case V_BOOL:
		if (json_is_boolean(j)) {
			out->type = V_BOOL;
			out->u.b = json_is_true(j);
		}
		return 0;
	case V_NULL:
	case V_ANY:
		break;
	}
	return 0;
}

int formdata_applicant_from_org(const struct org *org, const char *user_id,
				struct formdata_applicant *who)
{
	const struct org_user *u = org_user(org, user_id);
	memset(who, 0, sizeof(*who));
	if (!u)
		return -1;
	who->id = u->id;
	who->name = u->name;
	who->dept = u->dept;
	who->roles = (const char *const *)u->roles;
	who->nroles = u->nroles;
	who->level = u->level;
	who->title = u->title;
	return 0;
}

/* `applicant.<attr>`; -1 for an attribute that does not exist. */
static int applicant_value(const struct formdata_applicant *who, const char *attr,
			   struct value *out)
{
	static const char *const attrs[] = { "id", "name", "department", "roles", "level",
					     "title" };
	size_t k;
	for (k = 0; k < LEN(attrs) && strcmp(attrs[k], attr); k++)
		;
	if (k == LEN(attrs))
		return -1;
	if (!who)
		return 0;
	const char *s = k == 0 ? who->id : k == 1 ? who->name : k == 2 ? who->dept
			: k == 5 ? who->title : NULL;
	if (k == 3) {
		out->type = V_LIST;
		out->u.list.n = 0;
		out->u.list.items = NULL;
		for (size_t i = 0; i < who->nroles; i++)
			list_add(out, who->roles[i]);
	} else if (k == 4) {
		out->type = V_NUMBER;
		out->u.num = who->level;
	} else if (s) {
		out->type = V_STRING;
		out->u.str = xstrdup(s);
	}
	return 0;
}

static int scope_lookup(void *ctx, const char *name, struct value *out)
{
	const struct formdata_scope *sc = ctx;
	*out = (struct value)VALUE_NULL;
	if (!strncmp(name, "applicant.", 10))
		return applicant_value(sc->who, name + 10, out);
	return formdata_get(sc->form, sc->data, name, out);
}

void formdata_scope(struct formdata_scope *sc, const struct form *f, const json_t *data,
		    const struct formdata_applicant *who, struct expr_scope *out)
{
	sc->form = f;
	sc->data = data;
	sc->who = who;
	out->lookup = scope_lookup;
	out->ctx = sc;
}

/* ---- validating a whole form ------------------------------------------- */

/* State of one formdata_validate() call. */
struct vctx {
	const struct form *form;
	const struct org *org;
	const json_t *input;
	json_t *work;                    /* canonical values so far; what expressions read */
	struct formdata_scope sc;        /* reads `work` */
	struct expr_scope scope;
	struct formdata_errors *pending; /* problems per field, reported if it stays visible */
	unsigned char *state;            /* 0 not resolved, 1 resolving, 2 resolved */
	unsigned char *hidden;           /* visible_when was not true */
};

static void resolve(struct vctx *c, size_t i);

/* Resolve a field an expression reads before the expression runs. */
static void resolve_dep(void *ctx, const char *name)
{
	struct vctx *c = ctx;
	const struct field *g = form_field(c->form, name);
	if (g)
		resolve(c, (size_t)(g - c->form->fields));
}

/* expr_foreach_ident state: the labels of the fields a computation reads, each once. */
struct reads {
	const struct form *form;
	struct buf labels;
	size_t n;
};

static void add_read(void *ctx, const char *name)
{
	struct reads *r = ctx;
	const struct field *g = form_field(r->form, name);
	if (!g)
		return;
	struct buf quoted = BUF_INIT;
	/* TRANSLATORS: a field's name quoted in a message (Chinese: “%s”) */
	buf_addf(&quoted, C_("quoted field name", "'%s'"), g->label);
	if (!r->n || !strstr(r->labels.s, quoted.s)) {
		/* TRANSLATORS: between the fields a computed field is computed from */
		buf_addf(&r->labels, "%s%s", r->n ? C_("between field names", ", ") : "", quoted.s);
		r->n++;
	}
	buf_release(&quoted);
}

/*
 * A computed value broke its field's rules (a leave ending before it
 * starts gives 请假天数 below its min): nobody typed it, so each message
 * from `from` on says what it was computed from and what it came to.
 */
static void explain_computed(struct vctx *c, const struct field *f, const struct value *v,
			     struct formdata_errors *e, size_t from)
{
	struct reads r = { c->form, BUF_INIT, 0 };
	expr_foreach_ident(f->compute, add_read, &r);
	json_t *j = value_json(v);
	struct buf text = BUF_INIT;
	formdata_text(f, c->org, j, &text);
	for (size_t k = from; k < e->n; k++) {
		struct buf m = BUF_INIT;
		if (r.n)
			buf_addf(&m, _("%s (computed from %s, it is %s)"), e->v[k].msg, r.labels.s, text.s);
		else
			buf_addf(&m, _("%s (computed, it is %s)"), e->v[k].msg, text.s);
		free(e->v[k].msg);
		e->v[k].msg = buf_detach(&m);
	}
	buf_release(&text);
	json_decref(j);
	buf_release(&r.labels);
}

/*
 * Decide whether field i is shown and compute it, after the fields it reads.
 * A cycle of conditions (not rejected by lint) reads what is there so far.
 */
static void resolve(struct vctx *c, size_t i)
{
	const struct field *f = &c->form->fields[i];
	struct formdata_errors *e = &c->pending[i];
	if (c->state[i])
		return;
	c->state[i] = 1;
	if (f->visible_when)
		expr_foreach_ident(f->visible_when, resolve_dep, c);
	if (f->compute)
		expr_foreach_ident(f->compute, resolve_dep, c);
	char *err = NULL;
	if (f->visible_when) {
		int shown = 1;
		if (expr_eval_bool(f->visible_when, &c->scope, &shown, &err) < 0) {
			ferr(e, f, _("cannot tell whether '%s' applies: %s"), f->label,
			     err ? err : "?");
			shown = 1;
		}
		free(err);
		err = NULL;
		if (!shown) {
			c->hidden[i] = 1;
			json_object_del(c->work, f->id);
			c->state[i] = 2;
			return;
		}
	}
	if (f->compute) {
		struct value v = VALUE_NULL;
		if (expr_eval(f->compute, &c->scope, &v, &err) < 0) {
			ferr(e, f, _("'%s' cannot be computed: %s"), f->label, err ? err : "?");
		} else if (v.type != V_NULL && v.type != field_vtype(f)) {
			ferr(e, f, _("'%s' cannot be computed: it gives %s, not %s"), f->label,
			     vtype_name(v.type), vtype_name(field_vtype(f)));
		} else if (v.type != V_NULL) {
			size_t before = e->n;
			if (check_value(e, c->org, f, &v) == 0)
				json_object_set_new(c->work, f->id, value_json(&v));
			else
				explain_computed(c, f, &v, e, before);
		}
		value_release(&v);
		free(err);
	}
	c->state[i] = 2;
}

/*
 * A computed field given in the input is accepted only when it equals the
 * computed value, so stored data validates again unchanged; anything else
 * is an attempt to fill it in.
 */
static void check_given_computed(struct vctx *c, size_t i)
{
	const struct field *f = &c->form->fields[i];
	const json_t *given = json_object_get(c->input, f->id);
	if (json_blank(given) || c->hidden[i])
		return;
	struct formdata_errors scratch = FORMDATA_ERRORS_INIT;
	struct value v = VALUE_NULL;
	const json_t *have = json_object_get(c->work, f->id);
	int same = 0;
	if (have && parse_input(&scratch, c->org, f, given, &v) == 0) {
		json_t *gj = value_json(&v);
		same = json_equal(gj, (json_t *)have);
		json_decref(gj);
	}
	value_release(&v);
	formdata_errors_release(&scratch);
	if (!same)
		ferr(&c->pending[i], f, _("'%s' is computed and cannot be filled in"), f->label);
}

/* Fill in field i from the input or its default (not computed fields). */
static void take_input(struct vctx *c, size_t i)
{
	const struct field *f = &c->form->fields[i];
	struct formdata_errors *e = &c->pending[i];
	const json_t *given = json_object_get(c->input, f->id);
	json_t *dflt = NULL;
	struct value v = VALUE_NULL;
	if (!given) {
		if (f->dflt.type == V_NULL)
			return;
		/* a default is read like an answer, so a name or label in it is normalised */
		given = dflt = value_json(&f->dflt);
	}
	if (!json_blank(given) && parse_input(e, c->org, f, given, &v) == 0 &&
	    !(v.type == V_LIST && !v.u.list.n) && check_value(e, c->org, f, &v) == 0)
		json_object_set_new(c->work, f->id, value_json(&v));
	value_release(&v);
	json_decref(dflt);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Report each input key that is no field, in byte order, with a hint. */
static void unknown_fields(const struct form *form, const json_t *input,
			   struct formdata_errors *errs)
{
	const char *key;
	json_t *val;
	const char **keys = xcalloc(json_object_size(input) + 1, sizeof(*keys));
	size_t n = 0;
	json_object_foreach((json_t *)input, key, val)
		if (!form_field(form, key))
			keys[n++] = key;
	qsort(keys, n, sizeof(*keys), cmp_str);
	const char **ids = xcalloc(form->nfields + 1, sizeof(*ids));
	for (size_t i = 0; i < form->nfields; i++)
		ids[i] = form->fields[i].id;
	for (size_t k = 0; k < n; k++) {
		const char *near = NULL;
		for (size_t i = 0; i < form->nfields && !near; i++)
			if (!strcmp(form->fields[i].label, keys[k]))
				near = form->fields[i].id; /* a label where the id belongs */
		if (!near)
			near = y_nearest(keys[k], ids, form->nfields);
		if (near)
			add_error(errs, keys[k], NULL,
				  xasprintf(_("unknown field '%s' (did you mean '%s'?)"), keys[k],
					    near));
		else
			add_error(errs, keys[k], NULL, xasprintf(_("unknown field '%s'"), keys[k]));
	}
	free(ids);
	free(keys);
}

static int validate(const struct form *form, const struct org *org, const struct formdata_applicant *who,
		    const json_t *input, json_t **out, struct formdata_errors *errs, json_t **work,
		    unsigned char *hidden);

int formdata_validate(const struct form *form, const struct org *org,
		      const struct formdata_applicant *who, const json_t *input,
		      json_t **out, struct formdata_errors *errs)
{
	return validate(form, org, who, input, out, errs, NULL, NULL);
}

void formdata_live(const struct form *form, const struct org *org, const struct formdata_applicant *who,
		   const json_t *input, json_t **values, unsigned char *hidden, struct formdata_errors *errs)
{
	json_t *out = NULL;
	*values = NULL;
	memset(hidden, 0, form->nfields);
	validate(form, org, who, input, &out, errs, values, hidden);
	json_decref(out);
}

/* formdata_validate; with `work` and `hidden` (formdata_live) what was worked out, whatever the problems. */
static int validate(const struct form *form, const struct org *org, const struct formdata_applicant *who,
		    const json_t *input, json_t **out, struct formdata_errors *errs, json_t **work,
		    unsigned char *hidden)
{
	size_t before = errs->n, n = form->nfields;
	*out = NULL;
	if (!json_is_object(input)) {
		add_error(errs, "", NULL,
			  xasprintf(_("form data must be a mapping of field ids to values, not %s"),
				    input ? json_noun(input) : _("nothing")));
		return -1;
	}
	struct vctx c = { 0 };
	c.form = form;
	c.org = org;
	c.input = input;
	c.work = json_object();
	c.pending = xcalloc(n + 1, sizeof(*c.pending));
	c.state = xcalloc(n + 1, 1);
	c.hidden = xcalloc(n + 1, 1);
	formdata_scope(&c.sc, form, c.work, who, &c.scope);

	for (size_t i = 0; i < n; i++)
		if (!form->fields[i].compute)
			take_input(&c, i);
	for (size_t i = 0; i < n; i++)
		resolve(&c, i);
	for (size_t i = 0; i < n; i++)
		if (form->fields[i].compute)
			check_given_computed(&c, i);

	json_t *result = json_object();
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &form->fields[i];
		if (c.hidden[i]) {
			/* a value for a field that does not apply is refused, not dropped */
			formdata_errors_release(&c.pending[i]);
			if (!f->compute && !json_blank(json_object_get(input, f->id)))
				ferr(&c.pending[i], f, _("'%s' does not apply here (its condition is not met): leave it empty"),
				     f->label);
			move_errors(errs, &c.pending[i]);
			continue;
		}
		json_t *v = json_object_get(c.work, f->id);
		if (v)
			json_object_set(result, f->id, v);
		else if (f->required && !f->compute && !c.pending[i].n)
			ferr(&c.pending[i], f, _("'%s' is required"), f->label);
		move_errors(errs, &c.pending[i]);
	}
	unknown_fields(form, input, errs);

	if (work)
		*work = json_incref(c.work);
	if (hidden)
		memcpy(hidden, c.hidden, n);
	json_decref(c.work);
	free(c.pending);
	free(c.state);
	free(c.hidden);
	if (errs->n > before) {
		json_decref(result);
		return -1;
	}
	*out = result;
	return 0;
}

/* formdata_text with yes and no as `yes_no` says them. */
static void value_text(const struct field *f, const struct org *org, const json_t *val, const char *const yes_no[2],
		       struct buf *out)
{
	if (json_is_array(val)) {
		size_t i;
		json_t *x;
		json_array_foreach(val, i, x) {
			if (i)
				buf_adds(out, "、");
			value_text(f, org, x, yes_no, out);
		}
		return;
	}
	if (json_is_boolean(val)) {
		buf_adds(out, json_is_true(val) ? yes_no[0] : yes_no[1]);
		return;
	}
	if (!json_is_string(val)) {
		char *s = json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT);
		buf_adds(out, s ? s : "");
		free(s);
		return;
	}
	const char *s = json_string_value(val);
	if (f && (f->type == F_CHOICE || f->type == F_MULTICHOICE)) {
		for (size_t k = 0; k < f->noptions; k++) {
			if (!strcmp(f->options[k].value, s)) {
				buf_adds(out, f->options[k].label ? f->options[k].label : s);
				return;
			}
		}
	}
	if (f && f->type == F_USER && org) {
		const struct org_user *u = org_user(org, s);
		buf_adds(out, u && u->name ? u->name : s);
		return;
	}
	if (f && f->type == F_DEPARTMENT && org) {
		const struct org_dept *dp = org_dept(org, s);
		buf_adds(out, dp && dp->name ? dp->name : s);
		return;
	}
	buf_adds(out, s);
}

void formdata_text(const struct field *f, const struct org *org, const json_t *val, struct buf *out)
{
	const char *const yes_no[2] = { _("yes"), _("no") };
	value_text(f, org, val, yes_no, out);
}

/* A title, yes and no said as `yes_no` says them. */
static void title_words(const struct form *f, const struct org *org, const json_t *data, const char *workflow,
			const char *applicant, const char *const yes_no[2], struct buf *out)
{
	struct buf t = BUF_INIT;
	for (const char *s = f && f->title ? f->title : ""; *s; s++) {
		const char *end = *s == '{' ? strchr(s + 1, '}') : NULL;
		if (!end) {
			buf_addch(&t, *s);
			continue;
		}
		char *name = xstrndup(s + 1, (size_t)(end - s - 1));
		const struct field *fd = form_field(f, name);
		const json_t *v = fd ? json_object_get(data, name) : NULL;
		if (!strcmp(name, "applicant") && !fd)
			buf_adds(&t, applicant);
		else if (!strcmp(name, "workflow") && !fd)
			buf_adds(&t, workflow);
		else if (v && !json_is_null(v))
			value_text(fd, org, v, yes_no, &t);
		free(name);
		s = end;
	}
	/* one line, and what empty fields leave (doubled blanks, blanks at the ends) gone */
	for (size_t i = 0; i < t.len; i++)
		if (t.s[i] == '\n' || t.s[i] == '\r' || t.s[i] == '\t')
			t.s[i] = ' ';
	struct buf clean = BUF_INIT;
	utf8_sanitize(&clean, t.s);
	size_t before = out->len;
	for (const char *c = clean.s; *c; c++)
		if (*c != ' ' || (out->len > before && c[1] && c[1] != ' '))
			buf_addch(out, *c);
	if (out->len == before)
		buf_addf(out, "%s - %s", workflow, applicant);
	buf_release(&t);
	buf_release(&clean);
}

void formdata_title(const struct form *f, const struct org *org, const json_t *data, const char *workflow,
		    const char *applicant, struct buf *out)
{
	static const char *const yes_no[2] = { "是", "否" };
	title_words(f, org, data, workflow, applicant, yes_no, out);
}

void formdata_title_in_locale(const struct form *f, const struct org *org, const json_t *data,
			      const char *workflow, const char *applicant, struct buf *out)
{
	const char *const yes_no[2] = { _("yes"), _("no") };
	title_words(f, org, data, workflow, applicant, yes_no, out);
}
