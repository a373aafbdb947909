/*
 * form: parsing and checking `kind: form` files.
 *
 * form_parse() reads each field with the checks that need only the field
 * itself: keys, id, type, bounds, options, pattern (compiled once, with
 * PCRE2's limits, and kept for matching), the default against the type, and the syntax of its
 * expressions. form_check() then looks at the fields together — the types
 * of `visible_when` and `compute` against the other fields and the
 * applicant, computed fields that depend on themselves — and at the
 * organisation, for defaults that name users or departments.
 *
 * The reference for administrators is doc/ref-forms.md.
 */
#include "form.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/diag.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "../yaml/ydoc.h"
#include "expr.h"
#include "org.h"
#include "pattern.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const type_names[] = {
	[F_TEXT] = "text",
	[F_TEXTAREA] = "textarea",
	[F_NUMBER] = "number",
	[F_MONEY] = "money",
	[F_DATE] = "date",
	[F_DATETIME] = "datetime",
	[F_CHOICE] = "choice",
	[F_MULTICHOICE] = "multichoice",
	[F_USER] = "user",
	[F_DEPARTMENT] = "department",
	[F_ATTACHMENT] = "attachment",
	[F_BOOL] = "bool",
};

const char *field_type_name(enum field_type t)
{
	if ((unsigned)t < LEN(type_names))
		return type_names[t];
	return "?";
}

enum vtype field_vtype(const struct field *f)
{
	switch (f->type) {
	case F_TEXT:
	case F_TEXTAREA:
	case F_CHOICE:
		return V_STRING;
	case F_NUMBER:
		return V_NUMBER;
	case F_MONEY:
		return V_MONEY;
	case F_DATE:
		return V_DATE;
	case F_DATETIME:
		return V_DATETIME;
	case F_MULTICHOICE:
		return V_LIST;
	case F_USER:
	case F_DEPARTMENT:
	case F_ATTACHMENT:
		return f->multiple ? V_LIST : V_STRING;
	case F_BOOL:
		return V_BOOL;
	}
	return V_ANY;
}

const struct field *form_field(const struct form *f, const char *id)
{
	for (size_t i = 0; f && id && i < f->nfields; i++)
		if (!strcmp(f->fields[i].id, id))
			return &f->fields[i];
	return NULL;
}

static void field_release(struct field *f)
{
	free(f->id);
	free(f->label);
	value_release(&f->dflt);
	free(f->pattern);
	pattern_free(f->re);
	free(f->help);
	for (size_t i = 0; i < f->noptions; i++) {
		free(f->options[i].value);
		free(f->options[i].label);
	}
	free(f->options);
	if (f->visible_when)
		expr_free(f->visible_when);
	if (f->compute)
		expr_free(f->compute);
	memset(f, 0, sizeof(*f));
}

void form_free(struct form *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nfields; i++)
		field_release(&f->fields[i]);
	free(f->fields);
	free(f->id);
	free(f->name);
	free(f->title);
	free(f);
}

/* ---- parsing one field ------------------------------------------------ */

/* State while parsing a form. */
struct fparse {
	const struct ydoc *doc;
	struct diags *d;
	struct form *f;
};

/* A field id must also be an expression identifier: [a-z][a-z0-9_]* */
static int valid_field_id(const char *id)
{
	if (!(*id >= 'a' && *id <= 'z'))
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

/* Words of the expression language, and the applicant's namespace. */
static int reserved_field_id(const char *id)
{
	static const char *const words[] = {
		"applicant", "true", "false", "null", "and", "or", "not", "in",
	};
	for (size_t i = 0; i < LEN(words); i++)
		if (!strcmp(id, words[i]))
			return 1;
	return 0;
}

/* A required or optional text that must not be blank; NULL when absent. */
static char *read_text(struct fparse *p, const struct ynode *map, const char *key,
		       int required)
{
	const char *s = y_str(p->d, p->doc, map, key, required);
	if (!s)
		return NULL;
	if (y_is_blank(s)) {
		y_error(p->d, p->doc, ymap_get(map, key), _("'%s' must not be empty"), key);
		return NULL;
	}
	return xstrdup(s);
}

/* Parse a whole decimal number (plain or quoted); 0 on success. */
static int parse_number(const char *s, double *out)
{
	char *end;
	if (!*s)
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* Report `key` present on a field of a type it does not apply to. */
static void not_for_type(struct fparse *p, const struct ynode *item, const char *key,
			 const char *msg)
{
	y_error(p->d, p->doc, ymap_key(item, key), msg, key);
}

static int is_text(enum field_type t)
{
	return t == F_TEXT || t == F_TEXTAREA;
}

static int is_ranged(enum field_type t)
{
	return t == F_NUMBER || t == F_MONEY || t == F_DATE;
}

/*
 * Read `min` or `max` for a number, money or date field into the field.
 * Returns 1 when present and valid.
 */
static int read_bound(struct fparse *p, const struct ynode *item, struct field *f, int is_max)
{
	const char *key = is_max ? "max" : "min";
	const struct ynode *n = ymap_get(item, key);
	if (!n || yis_null(n))
		return 0;
	if (!is_ranged(f->type)) {
		not_for_type(p, item, key, _("'%s' applies only to number, money and date fields"));
		return 0;
	}
	if (n->type != Y_SCALAR) {
		y_error(p->d, p->doc, n, _("'%s' must be a value, not a %s"), key,
			ytype_name(n->type));
		return 0;
	}
	double num;
	int64_t x;
	if (f->type == F_NUMBER) {
		if (parse_number(n->value, &num) < 0) {
			y_error(p->d, p->doc, n, _("'%s' must be a number"), key);
			return 0;
		}
		*(is_max ? &f->max : &f->min) = num;
	} else if (f->type == F_MONEY) {
		if (money_parse(n->value, &x) < 0) {
			y_error(p->d, p->doc, n, _("'%s' must be exact money (such as 500.00)"), key);
			return 0;
		}
		*(is_max ? &f->max_money : &f->min_money) = x;
		*(is_max ? &f->max : &f->min) = (double)x / 100;
	} else {
		if (date_parse(n->value, &x) < 0) {
			y_error(p->d, p->doc, n, _("'%s' must be a date (YYYY-MM-DD)"), key);
			return 0;
		}
		*(is_max ? &f->max_date : &f->min_date) = x;
		*(is_max ? &f->max : &f->min) = (double)x;
	}
	*(is_max ? &f->has_max : &f->has_min) = 1;
	return 1;
}

/* min_length / max_length for text fields; -1 when unset. */
static long read_length(struct fparse *p, const struct ynode *item, const struct field *f,
			const char *key)
{
	const struct ynode *n = ymap_get(item, key);
	if (!n || yis_null(n))
		return -1;
	if (!is_text(f->type)) {
		not_for_type(p, item, key, _("'%s' applies only to text and textarea fields"));
		return -1;
	}
	int present;
	long long v = y_int(p->d, p->doc, item, key, 0, -1, &present);
	if (!present)
		return -1;
	if (v < 0 || v > 1000000) {
		y_error(p->d, p->doc, n, _("'%s' must be between 0 and 1000000"), key);
		return -1;
	}
	return (long)v;
}

static void read_options(struct fparse *p, const struct ynode *item, struct field *f)
{
	static const char *const keys[] = { "value", "label", NULL };
	const struct ynode *opts = ymap_get(item, "options");
	int wants = f->type == F_CHOICE || f->type == F_MULTICHOICE;
	if (!opts || yis_null(opts)) {
		if (wants)
			y_error(p->d, p->doc, ymap_get(item, "type"),
				_("field '%s' of type '%s' needs 'options'"), f->id ? f->id : "",
				field_type_name(f->type));
		return;
	}
	if (!wants) {
		not_for_type(p, item, "options",
			     _("'%s' applies only to choice and multichoice fields"));
		return;
	}
	if (y_expect(p->d, p->doc, opts, Y_SEQ, "options") < 0)
		return;
	if (!opts->n) {
		y_error(p->d, p->doc, opts, _("'options' must not be empty"));
		return;
	}
	f->options = xcalloc(opts->n, sizeof(*f->options));
	int *lines = xcalloc(opts->n, sizeof(*lines));
	for (size_t i = 0; i < opts->n; i++) {
		const struct ynode *o = opts->items[i], *vn = o;
		const char *value = NULL, *label = NULL;
		if (o->type == Y_SCALAR) {
			value = o->value;
		} else if (o->type == Y_MAP) {
			y_check_keys(p->d, p->doc, o, keys);
			value = y_str(p->d, p->doc, o, "value", 1);
			vn = ymap_get(o, "value");
			label = y_str(p->d, p->doc, o, "label", 0);
			if (label && y_is_blank(label)) {
				y_error(p->d, p->doc, ymap_get(o, "label"), _("'%s' must not be empty"),
					"label");
				label = NULL;
			}
		} else {
			y_error(p->d, p->doc, o, _("each option must be a value or a mapping with "
						   "'value' and 'label', not a %s"),
				ytype_name(o->type));
			continue;
		}
		if (!value)
			continue;
		if (y_is_blank(value)) {
			y_error(p->d, p->doc, vn, _("'%s' must not be empty"), "value");
			continue;
		}
		size_t j;
		for (j = 0; j < f->noptions; j++)
			if (!strcmp(f->options[j].value, value))
				break;
		if (j < f->noptions) {
			y_error(p->d, p->doc, vn, _("duplicate option '%s' (first at line %d)"), value,
				lines[j]);
			continue;
		}
		lines[f->noptions] = vn->line;
		f->options[f->noptions].value = xstrdup(value);
		f->options[f->noptions].label = xstrdup(label ? label : value);
		f->noptions++;
	}
	free(lines);
}

/* The nearest option value, for hints. */
static const char *nearest_option(const struct field *f, const char *s)
{
	const char **vals = xcalloc(f->noptions ? f->noptions : 1, sizeof(*vals));
	for (size_t i = 0; i < f->noptions; i++)
		vals[i] = f->options[i].value;
	const char *near = y_nearest(s, vals, f->noptions);
	free(vals);
	return near;
}

/* Check one choice value of a default against the options. */
static int check_option(struct fparse *p, const struct field *f, const struct ynode *n)
{
	for (size_t i = 0; i < f->noptions; i++)
		if (!strcmp(f->options[i].value, n->value))
			return 0;
	if (!f->noptions)
		return -1; /* the missing options are reported already */
	const char *near = nearest_option(f, n->value);
	if (near)
		y_error(p->d, p->doc, n, _("default '%s' is not one of the options (did you mean '%s'?)"),
			n->value, near);
	else
		y_error(p->d, p->doc, n, _("default '%s' is not one of the options"), n->value);
	return -1;
}

/* A default that is a list of strings (multichoice, multiple). */
static void read_list_default(struct fparse *p, struct field *f, const struct ynode *n)
{
	if (y_expect(p->d, p->doc, n, Y_SEQ, "default") < 0)
		return;
	char **items = xcalloc(n->n ? n->n : 1, sizeof(*items));
	size_t k = 0;
	int bad = 0;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i];
		if (y_expect(p->d, p->doc, it, Y_SCALAR, "default") < 0 ||
		    (f->type == F_MULTICHOICE && check_option(p, f, it) < 0)) {
			bad = 1;
			continue;
		}
		items[k++] = xstrdup(it->value);
	}
	if (bad) {
		for (size_t i = 0; i < k; i++)
			free(items[i]);
		free(items);
		return;
	}
	f->dflt.type = V_LIST;
	f->dflt.u.list.items = items;
	f->dflt.u.list.n = k;
}

/* Read and type-check `default`; bounds, length and pattern apply to it. */
static void read_default(struct fparse *p, const struct ynode *item, struct field *f)
{
	const struct ynode *n = ymap_get(item, "default");
	if (!n || yis_null(n))
		return;
	if (f->type == F_ATTACHMENT) {
		y_error(p->d, p->doc, ymap_key(item, "default"),
			_("an attachment field cannot have a default"));
		return;
	}
	if (field_vtype(f) == V_LIST) {
		read_list_default(p, f, n);
		return;
	}
	if (y_expect(p->d, p->doc, n, Y_SCALAR, "default") < 0)
		return;
	const char *s = n->value;
	int64_t x;
	double num;
	int b;
	time_t t;
	switch (f->type) {
	case F_TEXT:
	case F_TEXTAREA:
	case F_USER:
	case F_DEPARTMENT:
	case F_CHOICE:
		if (f->type == F_CHOICE && check_option(p, f, n) < 0)
			return;
		f->dflt.type = V_STRING;
		f->dflt.u.str = xstrdup(s);
		break;
	case F_NUMBER:
		if (parse_number(s, &num) < 0) {
			y_error(p->d, p->doc, n, _("default '%s' is not a number"), s);
			return;
		}
		f->dflt.type = V_NUMBER;
		f->dflt.u.num = num;
		break;
	case F_MONEY:
		if (money_parse(s, &x) < 0) {
			y_error(p->d, p->doc, n, _("default '%s' is not exact money (such as 500.00)"), s);
			return;
		}
		f->dflt.type = V_MONEY;
		f->dflt.u.money = x;
		break;
	case F_DATE:
		if (date_parse(s, &x) < 0) {
			y_error(p->d, p->doc, n, _("default '%s' is not a date (YYYY-MM-DD)"), s);
			return;
		}
		f->dflt.type = V_DATE;
		f->dflt.u.date = x;
		break;
	case F_DATETIME:
		if (clock_parse_iso(s, &t) < 0) {
			y_error(p->d, p->doc, n,
				_("default '%s' is not a date and time (such as 2026-03-02T09:30:00+08:00)"),
				s);
			return;
		}
		f->dflt.type = V_DATETIME;
		f->dflt.u.datetime = (int64_t)t;
		break;
	case F_BOOL:
		if (yparse_bool(n, &b) < 0) {
			y_error(p->d, p->doc, n, _("default '%s' is not true or false"), s);
			return;
		}
		f->dflt.type = V_BOOL;
		f->dflt.u.b = b;
		break;
	case F_MULTICHOICE:
	case F_ATTACHMENT:
		break;
	}

	/* the default must itself be a valid answer */
	double v = f->dflt.type == V_NUMBER ? f->dflt.u.num
		   : f->dflt.type == V_MONEY ? (double)f->dflt.u.money / 100
		   : f->dflt.type == V_DATE ? (double)f->dflt.u.date : 0;
	if (is_ranged(f->type) && f->has_min && v < f->min)
		y_error(p->d, p->doc, n, _("default '%s' is less than 'min'"), s);
	else if (is_ranged(f->type) && f->has_max && v > f->max)
		y_error(p->d, p->doc, n, _("default '%s' is greater than 'max'"), s);
	if (is_text(f->type)) {
		long chars = (long)utf8_chars(s, strlen(s));
		if (f->max_len >= 0 && chars > f->max_len)
			y_error(p->d, p->doc, n, _("default is longer than 'max_length' (%ld characters)"),
				f->max_len);
		if (f->min_len >= 0 && chars < f->min_len)
			y_error(p->d, p->doc, n, _("default is shorter than 'min_length' (%ld characters)"),
				f->min_len);
	}
}

/*
 * Compile `pattern` (pattern.h: PCRE2 with limits) and keep it with the
 * field; a pattern that does not compile, or is too complex, is an error
 * at its position in the file.
 */
static void read_pattern(struct fparse *p, const struct ynode *item, struct field *f)
{
	const struct ynode *n = ymap_get(item, "pattern");
	if (!n || yis_null(n))
		return;
	if (!is_text(f->type)) {
		not_for_type(p, item, "pattern", _("'%s' applies only to text and textarea fields"));
		return;
	}
	const char *s = y_str(p->d, p->doc, item, "pattern", 0);
	if (!s)
		return;
	struct buf msg = BUF_INIT;
	struct pattern *re = pattern_compile(s, &msg);
	f->pattern = xstrdup(s); /* kept even when bad: formdata then refuses, it never skips the check */
	if (!re) {
		y_error(p->d, p->doc, n, _("invalid pattern '%s': %s"), s, msg.s);
		buf_release(&msg);
		return;
	}
	const struct ynode *dn = ymap_get(item, "default");
	const char *dv = yscalar(dn);
	int m = dv && !yis_null(dn) ? pattern_match(re, dv, strlen(dv)) : 1;
	if (m == 0)
		y_error(p->d, p->doc, dn, _("default '%s' does not match 'pattern'"), dv);
	else if (m < 0)
		y_error(p->d, p->doc, n, _("pattern '%s' is too complex: matching the default '%s' reached its limits"),
			s, dv);
	f->re = re;
}

/* Parse an expression key (`visible_when`, `compute`); NULL when absent or bad. */
static struct expr *read_expr(struct fparse *p, const struct ynode *item, const char *key)
{
	const struct ynode *n = ymap_get(item, key);
	if (!n || yis_null(n))
		return NULL;
	if (n->type != Y_SCALAR) {
		y_error(p->d, p->doc, n, _("'%s' must be an expression, not a %s"), key,
			ytype_name(n->type));
		return NULL;
	}
	return expr_parse_node(p->doc, n, p->d);
}

/* Field type by name; -1 (reported at `n`) when unknown. */
static int read_type(struct fparse *p, const struct ynode *item)
{
	const struct ynode *n = ymap_get(item, "type");
	const char *s = y_str(p->d, p->doc, item, "type", 0);
	if (!s)
		return n && !yis_null(n) ? -1 : F_TEXT;
	for (size_t i = 0; i < LEN(type_names); i++)
		if (!strcmp(s, type_names[i]))
			return (int)i;
	const char *near = y_nearest(s, type_names, LEN(type_names));
	if (near)
		y_error(p->d, p->doc, n, _("unknown field type '%s' (did you mean '%s'?)"), s, near);
	else
		y_error(p->d, p->doc, n,
			_("unknown field type '%s' (one of text, textarea, number, money, date, "
			  "datetime, choice, multichoice, user, department, attachment, bool)"),
			s);
	return -1;
}

/* Parse one field mapping into *f; returns -1 when it has no usable id. */
static int parse_field(struct fparse *p, const struct ynode *item, struct field *f)
{
	static const char *const keys[] = {
		"id", "label", "type", "required", "multiple", "default", "min", "max",
		"min_length", "max_length", "pattern", "help", "options", "visible_when",
		"compute", NULL
	};
	memset(f, 0, sizeof(*f));
	f->min_len = f->max_len = -1;
	f->line = item->line;
	f->col = item->col;
	y_check_keys(p->d, p->doc, item, keys);

	const char *id = y_str(p->d, p->doc, item, "id", 1);
	if (id && !valid_field_id(id))
		y_error(p->d, p->doc, ymap_get(item, "id"),
			_("invalid field id '%s': use lowercase letters, digits and '_', "
			  "starting with a letter"), id);
	else if (id && reserved_field_id(id))
		y_error(p->d, p->doc, ymap_get(item, "id"), _("field id '%s' is reserved"), id);
	f->id = id ? xstrdup(id) : NULL;
	f->label = read_text(p, item, "label", 1);

	int type = read_type(p, item);
	f->help = read_text(p, item, "help", 0);
	f->visible_when = read_expr(p, item, "visible_when");
	f->compute = read_expr(p, item, "compute");
	/*
	 * A field asked for only under a condition is asked for a reason: it is
	 * required while shown, unless the form says `required: false`.
	 */
	f->required = y_bool(p->d, p->doc, item, "required",
			     ymap_get(item, "visible_when") && !ymap_get(item, "compute"));
	if (type < 0) {
		/* without a type, the type-dependent keys cannot be judged */
		return f->id ? 0 : -1;
	}
	f->type = (enum field_type)type;

	const struct ynode *mn = ymap_get(item, "multiple");
	if (mn && !yis_null(mn)) {
		if (f->type == F_USER || f->type == F_DEPARTMENT || f->type == F_ATTACHMENT)
			f->multiple = y_bool(p->d, p->doc, item, "multiple", 0);
		else
			not_for_type(p, item, "multiple",
				     _("'%s' applies only to user, department and attachment fields"));
	}
	read_options(p, item, f);
	int has_min = read_bound(p, item, f, 0);
	int has_max = read_bound(p, item, f, 1);
	if (has_min && has_max && f->min > f->max)
		y_error(p->d, p->doc, ymap_get(item, "max"), _("'max' is less than 'min'"));
	f->min_len = read_length(p, item, f, "min_length");
	f->max_len = read_length(p, item, f, "max_length");
	if (f->min_len >= 0 && f->max_len >= 0 && f->min_len > f->max_len)
		y_error(p->d, p->doc, ymap_get(item, "max_length"),
			_("'max_length' is less than 'min_length'"));
	read_pattern(p, item, f);

	if (ymap_get(item, "compute") && !yis_null(ymap_get(item, "compute"))) {
		/* a computed field is filled in by docket, never by a person */
		if (f->required)
			y_error(p->d, p->doc, ymap_key(item, "required"),
				_("a computed field cannot be required"));
		if (ymap_get(item, "default"))
			y_error(p->d, p->doc, ymap_key(item, "default"),
				_("a computed field cannot have a default"));
		return f->id ? 0 : -1;
	}
	read_default(p, item, f);
	return f->id ? 0 : -1;
}

/*
 * `title:` (read once the fields are known): every {NAME} must name a
 * field, applicant or workflow, and braces must pair.
 */
static void check_title(struct fparse *p, const struct ynode *root)
{
	const struct ynode *n = ymap_get(root, "title");
	if (!n || yis_null(n))
		return;
	const char *t = y_str(p->d, p->doc, root, "title", 0);
	if (!t)
		return;
	for (const char *s = t; *s; s++) {
		if (*s == '}') {
			y_error(p->d, p->doc, n, _("'title' has a '}' without its '{'"));
			return;
		}
		if (*s != '{')
			continue;
		const char *end = strchr(s + 1, '}');
		const char *open = strchr(s + 1, '{');
		if (!end || (open && open < end)) {
			y_error(p->d, p->doc, n, _("'title' has a '{' without its '}'"));
			return;
		}
		char *name = xstrndup(s + 1, (size_t)(end - s - 1));
		if (strcmp(name, "applicant") && strcmp(name, "workflow") && !form_field(p->f, name)) {
			/* the names that may be used, for a suggestion */
			const char **names = xcalloc(p->f->nfields + 2, sizeof(*names));
			for (size_t i = 0; i < p->f->nfields; i++)
				names[i] = p->f->fields[i].id;
			names[p->f->nfields] = "applicant";
			names[p->f->nfields + 1] = "workflow";
			const char *near = y_nearest(name, names, p->f->nfields + 2);
			if (near)
				y_error(p->d, p->doc, n, _("'title' names '{%s}', which is no field of this form (did you mean '{%s}'?)"),
					name, near);
			else
				y_error(p->d, p->doc, n,
					_("'title' names '{%s}', which is no field of this form (nor applicant or workflow)"),
					name);
			free(names);
		}
		free(name);
		s = end;
	}
	p->f->title = xstrdup(t);
}

static int is_form_kind(const char *kind)
{
	return !strcmp(kind, "form");
}

struct form *form_parse(const struct ydoc *doc, struct diags *d)
{
	static const char *const top[] = { "kind", "id", "name", "description", "title", "fields", NULL };
	const struct ynode *root = doc->root;
	if (!root || root->type != Y_MAP) {
		if (root)
			y_error(d, doc, root, _("a definition must be a mapping of keys, not a %s"),
				ytype_name(root->type));
		else
			diag_error(d, doc->file, 1, 1, _("empty definition: expected 'kind:' and 'id:'"));
		return NULL;
	}
	struct form *form = xcalloc(1, sizeof(*form));
	struct fparse p = { doc, d, form };
	y_check_keys(d, doc, root, top);
	const char *kind = y_str(d, doc, root, "kind", 1);
	if (kind && !is_form_kind(kind))
		y_error(d, doc, ymap_get(root, "kind"), _("kind '%s' is not 'form'"), kind);
	/* the same messages as defset's header check, so lint shows them once */
	const struct ynode *id = ymap_get(root, "id");
	if (!id || yis_null(id) || !yscalar(id))
		y_error(d, doc, id ? id : root, _("missing 'id'"));
	else if (!y_is_slug(id->value))
		y_error(d, doc, id, _("invalid id '%s': use lowercase letters, digits, '.', '_' and '-'"),
			id->value);
	form->id = xstrdup(yscalar(id) ? id->value : "");
	form->name = read_text(&p, root, "name", 1);
	y_str(d, doc, root, "description", 0);

	const struct ynode *fields = ymap_get(root, "fields");
	if (!fields || yis_null(fields)) {
		y_error(d, doc, fields ? fields : root, _("missing required key '%s'"), "fields");
		return form;
	}
	if (y_expect(d, doc, fields, Y_SEQ, "fields") < 0)
		return form;
	if (!fields->n) {
		y_error(d, doc, fields, _("a form needs at least one field"));
		return form;
	}
	form->fields = xcalloc(fields->n, sizeof(*form->fields));
	for (size_t i = 0; i < fields->n; i++) {
		const struct ynode *it = fields->items[i];
		if (it->type != Y_MAP) {
			y_error(d, doc, it, _("each field must be a mapping with 'id', 'label' and "
					      "'type', not a %s"), ytype_name(it->type));
			continue;
		}
		struct field *f = &form->fields[form->nfields];
		if (parse_field(&p, it, f) < 0) {
			field_release(f);
			continue;
		}
		const struct field *prev = form_field(form, f->id);
		if (prev) {
			y_error(d, doc, ymap_get(it, "id"), _("duplicate field '%s' (first at line %d)"),
				f->id, prev->line);
			field_release(f);
			continue;
		}
		form->nfields++;
	}
	check_title(&p, root);
	return form;
}

/* ---- cross-checks ----------------------------------------------------- */

static const char *const applicant_names[] = {
	"applicant.id", "applicant.name", "applicant.department", "applicant.roles",
	"applicant.level", "applicant.title",
};
static const enum vtype applicant_types[] = {
	V_STRING, V_STRING, V_STRING, V_LIST, V_NUMBER, V_STRING,
};

/* The type environment of a form's expressions. */
struct form_env {
	const struct form *form;
	const char **names;   /* field ids, then applicant.*, NULL-terminated */
};

static int env_lookup(void *ctx, const char *name, enum vtype *type)
{
	const struct form_env *e = ctx;
	for (size_t i = 0; i < LEN(applicant_names); i++) {
		if (!strcmp(name, applicant_names[i])) {
			*type = applicant_types[i];
			return 0;
		}
	}
	const struct field *f = form_field(e->form, name);
	if (!f)
		return -1;
	*type = field_vtype(f);
	return 0;
}

static const char *const *env_names(void *ctx)
{
	const struct form_env *e = ctx;
	return e->names;
}

/* The YAML mapping a field came from (found again by its position). */
static const struct ynode *field_item(const struct ydoc *doc, const struct field *f)
{
	const struct ynode *fields = ymap_get(doc->root, "fields");
	for (size_t i = 0; fields && fields->type == Y_SEQ && i < fields->n; i++)
		if (fields->items[i]->line == f->line && fields->items[i]->col == f->col)
			return fields->items[i];
	return NULL;
}

/* Collects whether an expression reads one given name. */
struct reads_ctx {
	const char *name;
	int found;
};

static void reads_one(void *ctx, const char *name)
{
	struct reads_ctx *c = ctx;
	if (!strcmp(name, c->name))
		c->found = 1;
}

static int expr_reads(const struct expr *e, const char *name)
{
	struct reads_ctx c = { name, 0 };
	expr_foreach_ident(e, reads_one, &c);
	return c.found;
}

/* Type-check one expression of a field; `want` V_BOOL for conditions. */
static void check_expr(const struct field *f, const struct ydoc *doc,
		       const struct expr_env *env, const char *key, struct diags *d)
{
	const struct expr *e = !strcmp(key, "compute") ? f->compute : f->visible_when;
	const struct ynode *at = ymap_get(field_item(doc, f), key);
	if (expr_reads(e, f->id)) {
		y_error(d, doc, at, _("field '%s' cannot depend on itself in '%s'"), f->id, key);
		return;
	}
	enum vtype rt = V_ANY;
	if (expr_check((struct expr *)e, env, V_ANY, &rt, d) < 0)
		return;
	if (rt == V_ANY || rt == V_NULL)
		return;
	if (!strcmp(key, "visible_when")) {
		if (rt != V_BOOL)
			y_error(d, doc, at, _("'visible_when' must be a condition, but its type is %s"),
				vtype_name(rt));
	} else if (rt != field_vtype(f)) {
		y_error(d, doc, at, _("'compute' gives %s, but field '%s' holds %s"),
			vtype_name(rt), f->id, vtype_name(field_vtype(f)));
	}
}

/*
 * Computed fields that read each other in a circle can never be filled in.
 * Depth-first search over "compute reads": state 0 new, 1 on the path, 2 done.
 */
static int cycle_dfs(const struct form *form, size_t i, int *state, size_t *path,
		     size_t depth, struct buf *out)
{
	state[i] = 1;
	path[depth] = i;
	for (size_t j = 0; j < form->nfields; j++) {
		const struct field *g = &form->fields[j];
		if (j == i || !g->compute || !expr_reads(form->fields[i].compute, g->id))
			continue;
		if (state[j] == 1) {
			size_t k = 0;
			while (path[k] != j)
				k++;
			for (; k <= depth; k++)
				buf_addf(out, "%s -> ", form->fields[path[k]].id);
			buf_adds(out, g->id);
			return 1;
		}
		if (state[j] == 0 && cycle_dfs(form, j, state, path, depth + 1, out))
			return 1;
	}
	state[i] = 2;
	return 0;
}

/* Report each cycle among computed fields once, at the first field on it. */
static void check_compute_cycles(const struct form *form, const struct ydoc *doc,
				 struct diags *d)
{
	size_t n = form->nfields;
	int *state = xcalloc(n ? n : 1, sizeof(*state));
	size_t *path = xcalloc(n ? n : 1, sizeof(*path));
	for (size_t i = 0; i < n; i++) {
		if (!form->fields[i].compute || state[i])
			continue;
		struct buf b = BUF_INIT;
		if (cycle_dfs(form, i, state, path, 0, &b)) {
			/* the cycle starts at the field named first; report there */
			size_t len = strcspn(b.s, " ");
			const struct field *first = NULL;
			for (size_t k = 0; k < n && !first; k++)
				if (strlen(form->fields[k].id) == len &&
				    !strncmp(form->fields[k].id, b.s, len))
					first = &form->fields[k];
			y_error(d, doc, ymap_get(field_item(doc, first), "compute"),
				_("computed fields form a cycle: %s"), b.s);
			/* mark the whole component done so it is reported once */
			for (size_t k = 0; k < n; k++)
				if (state[k] == 1)
					state[k] = 2;
		}
		buf_release(&b);
	}
	free(state);
	free(path);
}

/* Report a default user / department id that the organisation lacks. */
static void check_org_ref(const struct org *org, const struct field *f, const struct ynode *n,
			  const struct ydoc *doc, struct diags *d)
{
	int dept = f->type == F_DEPARTMENT;
	if (dept ? org_dept(org, n->value) != NULL : org_user(org, n->value) != NULL)
		return;
	size_t count = dept ? org->ndepts : org->nusers;
	const char **ids = xcalloc(count ? count : 1, sizeof(*ids));
	for (size_t i = 0; i < count; i++)
		ids[i] = dept ? org->depts[i].id : org->users[i].id;
	const char *near = y_nearest(n->value, ids, count);
	if (dept && near)
		y_error(d, doc, n, _("unknown department '%s' (did you mean '%s'?)"), n->value, near);
	else if (dept)
		y_error(d, doc, n, _("unknown department '%s'"), n->value);
	else if (near)
		y_error(d, doc, n, _("unknown user '%s' (did you mean '%s'?)"), n->value, near);
	else
		y_error(d, doc, n, _("unknown user '%s'"), n->value);
	free(ids);
}

int form_check(struct form *form, const struct ydoc *doc, const struct org *org,
	       struct diags *d)
{
	if (!form)
		return -1;
	size_t before = diags_errors(d);
	struct form_env fe = { form, xcalloc(form->nfields + LEN(applicant_names) + 1,
					     sizeof(char *)) };
	size_t k = 0;
	for (size_t i = 0; i < form->nfields; i++)
		fe.names[k++] = form->fields[i].id;
	for (size_t i = 0; i < LEN(applicant_names); i++)
		fe.names[k++] = applicant_names[i];
	struct expr_env env = { env_lookup, env_names, &fe };

	for (size_t i = 0; i < form->nfields; i++) {
		const struct field *f = &form->fields[i];
		if (f->visible_when)
			check_expr(f, doc, &env, "visible_when", d);
		if (f->compute)
			check_expr(f, doc, &env, "compute", d);
		if (org && (f->type == F_USER || f->type == F_DEPARTMENT) &&
		    f->dflt.type != V_NULL) {
			const struct ynode *dn = ymap_get(field_item(doc, f), "default");
			if (dn && dn->type == Y_SCALAR)
				check_org_ref(org, f, dn, doc, d);
			for (size_t j = 0; dn && dn->type == Y_SEQ && j < dn->n; j++)
				check_org_ref(org, f, dn->items[j], doc, d);
		}
	}
	check_compute_cycles(form, doc, d);
	free(fe.names);
	return diags_errors(d) > before ? -1 : 0;
}
