/*
 * value: the typed values that form fields hold and expressions compute.
 *
 * Money is exact: an integer count of fen (分), never a float. Dates are
 * days since 1970-01-01 and date-times seconds since the epoch (UTC), so
 * comparisons and differences are integer arithmetic. A value owns its
 * strings and list; value_release() frees them.
 */
#ifndef DOCKET_VALUE_H
#define DOCKET_VALUE_H

#include <stddef.h>
#include <stdint.h>

enum vtype {
	V_NULL,     /* absent / not filled in */
	V_BOOL,
	V_NUMBER,   /* a decimal number (double) */
	V_MONEY,    /* fen, int64 */
	V_STRING,   /* UTF-8 text; also user ids, department ids, choices */
	V_DATE,     /* days since 1970-01-01 */
	V_DATETIME, /* seconds since the epoch, UTC */
	V_LIST,     /* list of strings (multiple choice, roles) */
	V_ANY       /* type checking only: unknown, accept anything */
};

struct value {
	enum vtype type;
	union {
		int b;
		double num;
		int64_t money;
		int64_t date;
		int64_t datetime;
		char *str;
		struct {
			char **items;
			size_t n;
		} list;
	} u;
};

#define VALUE_NULL { V_NULL, { 0 } }

const char *vtype_name(enum vtype t);
void value_release(struct value *v);
void value_copy(struct value *dst, const struct value *src);
/* Parse "1234.56" / "1234" / "¥1,234.50" into fen; -1 if not exact money. */
int money_parse(const char *s, int64_t *fen);
/* Format fen as "1234.56" into out (at least 32 bytes). */
void money_format(int64_t fen, char *out, size_t n);
/* Parse "YYYY-MM-DD" into days since the epoch. */
int date_parse(const char *s, int64_t *days);
/* A date as people type it: 2026-3-2, 2026/3/2, 2026.03.02, 2026年3月2日
 * (blanks around the parts allowed); checked as date_parse checks. */
int date_parse_lenient(const char *s, int64_t *days);
void date_format(int64_t days, char *out, size_t n);

#endif
