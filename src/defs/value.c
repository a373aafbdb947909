#include "value.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xalloc.h"

/* Names used in messages and dumps; stable English words, not translated here. */
static const char *const vtype_names[] = {
	[V_NULL] = "null",
	[V_BOOL] = "boolean",
	[V_NUMBER] = "number",
	[V_MONEY] = "money",
	[V_STRING] = "text",
	[V_DATE] = "date",
	[V_DATETIME] = "datetime",
	[V_LIST] = "list",
	[V_ANY] = "any",
};

const char *vtype_name(enum vtype t)
{
	if ((unsigned)t < sizeof(vtype_names) / sizeof(vtype_names[0]) && vtype_names[t])
		return vtype_names[t];
	return "?";
}

void value_release(struct value *v)
{
	if (v->type == V_STRING) {
		free(v->u.str);
	} else if (v->type == V_LIST) {
		for (size_t i = 0; i < v->u.list.n; i++)
			free(v->u.list.items[i]);
		free(v->u.list.items);
	}
	memset(v, 0, sizeof(*v));
	v->type = V_NULL;
}

/* Deep copy; dst is overwritten without being released first. */
void value_copy(struct value *dst, const struct value *src)
{
	*dst = *src;
	if (src->type == V_STRING) {
		dst->u.str = xstrdup(src->u.str ? src->u.str : "");
	} else if (src->type == V_LIST) {
		dst->u.list.items = src->u.list.n ?
			xcalloc(src->u.list.n, sizeof(char *)) : NULL;
		for (size_t i = 0; i < src->u.list.n; i++)
			dst->u.list.items[i] = xstrdup(src->u.list.items[i]);
	}
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Accept digits with optional strict thousands grouping ("1,234,567"):
 * the first group has 1-3 digits and every later group exactly 3. Adds the
 * integer part to *acc (in yuan); -1 on garbage or overflow.
 */
static int parse_yuan(const char **sp, int64_t *acc)
{
	const char *s = *sp;
	int group = 0, groups = 0;
	for (;; s++) {
		if (*s >= '0' && *s <= '9') {
			int dgt = *s - '0';
			if (*acc > (INT64_MAX - dgt) / 10)
				return -1;
			*acc = *acc * 10 + dgt;
			group++;
		} else if (*s == ',') {
			if (group < 1 || group > 3 || (groups > 0 && group != 3))
				return -1;
			groups++;
			group = 0;
		} else {
			break;
		}
	}
	if (group == 0 || (groups > 0 && group != 3))
		return -1;
	*sp = s;
	return 0;
}

/*
 * Parse an exact amount of money into fen. Accepts an optional sign, an
 * optional "¥" / "￥", thousands commas, and at most two decimals, with
 * surrounding spaces. Anything else (three decimals, exponents, overflow)
 * is refused so that money never passes through a float.
 */
int money_parse(const char *s, int64_t *fen)
{
	int neg = 0;
	int64_t yuan = 0, frac = 0;
	if (!s)
		return -1;
	while (is_space(*s))
		s++;
	for (int pass = 0; pass < 2; pass++) {
		if (!neg && (*s == '-' || *s == '+')) {
			neg = *s == '-';
			s++;
		} else if (!strncmp(s, "\xc2\xa5", 2)) {          /* ¥ */
			s += 2;
		} else if (!strncmp(s, "\xef\xbf\xa5", 3)) {      /* ￥ */
			s += 3;
		}
	}
	if (parse_yuan(&s, &yuan))
		return -1;
	if (*s == '.') {
		s++;
		int nd = 0;
		while (*s >= '0' && *s <= '9') {
			if (++nd > 2)
				return -1;
			frac = frac * 10 + (*s - '0');
			s++;
		}
		if (nd == 0)
			return -1;
		if (nd == 1)
			frac *= 10;
	}
	while (is_space(*s))
		s++;
	if (*s)
		return -1;
	if (yuan > (INT64_MAX - frac) / 100)
		return -1;
	int64_t v = yuan * 100 + frac;
	*fen = neg ? -v : v;
	return 0;
}

/* "1234.56", "-3.00"; no grouping or currency sign (callers add them). */
void money_format(int64_t fen, char *out, size_t n)
{
	uint64_t a = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	snprintf(out, n, "%s%" PRIu64 ".%02u", fen < 0 ? "-" : "", a / 100,
		 (unsigned)(a % 100));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Read exactly n digits. */
static int digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Strict "YYYY-MM-DD" (years 0001-9999) checked against the calendar. */
int date_parse(const char *s, int64_t *days)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, m, d;
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
		return -1;
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return -1;
	unsigned max = mdays[m - 1] + (m == 2 && is_leap(y));
	if (d > max)
		return -1;
	*days = days_from_civil(y, m, d);
	return 0;
}

/* Up to `max` ASCII digits at *p (at least one); advances *p. */
static int lenient_number(const char **p, int max, unsigned *out)
{
	int n = 0;
	unsigned v = 0;
	while (n < max && **p >= '0' && **p <= '9') {
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n ? 0 : -1;
}

/* Skip one separator of a date as people type it: - / . 年 月, or blanks. */
static int lenient_sep(const char **p)
{
	static const char *const seps[] = { "-", "/", ".", "年", "月", NULL };
	while (**p == ' ')
		(*p)++;
	for (int i = 0; seps[i]; i++) {
		size_t n = strlen(seps[i]);
		if (!strncmp(*p, seps[i], n)) {
			*p += n;
			while (**p == ' ')
				(*p)++;
			return 0;
		}
	}
	return -1;
}

int date_parse_lenient(const char *s, int64_t *days)
{
	if (!s)
		return -1;
	while (*s == ' ')
		s++;
	const char *p = s;
	unsigned y, m, d;
	if (lenient_number(&p, 4, &y) || p - s != 4 || lenient_sep(&p) || lenient_number(&p, 2, &m) ||
	    lenient_sep(&p) || lenient_number(&p, 2, &d))
		return -1;
	if (!strncmp(p, "日", strlen("日")))
		p += strlen("日");
	while (*p == ' ')
		p++;
	if (*p)
		return -1;
	char iso[16];
	snprintf(iso, sizeof(iso), "%04u-%02u-%02u", y, m, d);
	return date_parse(iso, days);
}

void date_format(int64_t days, char *out, size_t n)
{
	int64_t y;
	/* far outside any real calendar: avoid overflow in the conversion */
	if (days > INT64_C(1000000000000) || days < -INT64_C(1000000000000)) {
		snprintf(out, n, "%s", "?");
		return;
	}
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%04" PRId64 "-%02u-%02u", y, m, d);
}
