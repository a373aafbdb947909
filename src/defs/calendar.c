/*
 * calendar: parsing and checking `kind: calendar` files, and the working-day
 * arithmetic the approval engine uses for deadlines and reminders.
 *
 * Parsing reads each entry with its local checks (keys, names, dates,
 * ranges) and keeps the YAML nodes of every accepted entry beside it, so
 * the checks across entries — overlapping holidays, a make-up day listed
 * twice or also listed as a holiday — report at the exact value. The lists
 * are then sorted by day, which is what the lookups rely on.
 *
 * All times are integers: a local day is days since 1970-01-01 at the
 * calendar's fixed UTC offset, and deadlines are seconds since the epoch.
 */
#include "calendar.h"

#include <stdlib.h>
#include <string.h>

#include "../util/diag.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "../yaml/ydoc.h"
#include "value.h"
#include "workflow.h"

#define DAY_SECS 86400
/* A holiday range longer than this is almost certainly a typo in a date. */
#define MAX_RANGE_DAYS 31

/* Keywords of the language: stable English words, never translated. */
static const char *const weekday_names[] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL
};

/* Chinese spellings an administrator may type, for the "did you mean" hint only. */
static const struct {
	const char *zh;
	enum weekday day;
} weekday_zh[] = {
	{ "周一", WD_MON }, { "周二", WD_TUE }, { "周三", WD_WED }, { "周四", WD_THU },
	{ "周五", WD_FRI }, { "周六", WD_SAT }, { "周日", WD_SUN }, { "周天", WD_SUN },
	{ "星期一", WD_MON }, { "星期二", WD_TUE }, { "星期三", WD_WED },
	{ "星期四", WD_THU }, { "星期五", WD_FRI }, { "星期六", WD_SAT },
	{ "星期日", WD_SUN }, { "星期天", WD_SUN },
};

/* The fallback used for a NULL calendar (see calendar.h). */
static const struct calendar fallback = {
	NULL, NULL, CALENDAR_DEFAULT_OFFSET, CALENDAR_DEFAULT_WORKWEEK,
	CALENDAR_DEFAULT_START, CALENDAR_DEFAULT_END, NULL, 0, NULL, 0
};

/* ---- day arithmetic --------------------------------------------------- */

/* floor(a / b) for b > 0, correct for negative a */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Day -3 (1969-12-29) was a Monday; weekdays count from it. */
#define MONDAY_ORIGIN (-3)

static enum weekday weekday_of(int64_t day)
{
	int64_t r = (day - MONDAY_ORIGIN) % 7;
	return (enum weekday)(r < 0 ? r + 7 : r);
}

static int popcount7(unsigned bits)
{
	int n = 0;
	for (int i = 0; i < 7; i++)
		n += (bits >> i) & 1;
	return n;
}

/* Usual working days (by the working week alone) among the days before `day`,
 * counted from MONDAY_ORIGIN; negative below it. Only differences matter. */
static int64_t week_prefix(unsigned workweek, int64_t day)
{
	int64_t q = floor_div(day - MONDAY_ORIGIN, 7);
	int64_t r = day - MONDAY_ORIGIN - 7 * q;
	return q * popcount7(workweek) + popcount7(workweek & ((1u << r) - 1));
}

static int in_workweek(const struct calendar *c, int64_t day)
{
	return (c->workweek >> weekday_of(day)) & 1;
}

/* The holiday covering `day`, or NULL (holidays are sorted and disjoint). */
static const struct cal_holiday *holiday_at(const struct calendar *c, int64_t day)
{
	size_t lo = 0, hi = c->nholidays;
	while (lo < hi) { /* first holiday with from > day */
		size_t mid = lo + (hi - lo) / 2;
		if (c->holidays[mid].from <= day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && c->holidays[lo - 1].to >= day)
		return &c->holidays[lo - 1];
	return NULL;
}

/* The make-up working day `day`, or NULL (workdays are sorted). */
static const struct cal_workday *workday_at(const struct calendar *c, int64_t day)
{
	size_t lo = 0, hi = c->nworkdays;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->workdays[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nworkdays && c->workdays[lo].day == day ? &c->workdays[lo] : NULL;
}

/* A make-up working day wins over a holiday (a valid file never has both). */
int calendar_is_workday(const struct calendar *c, int64_t day)
{
	if (!c)
		c = &fallback;
	if (workday_at(c, day))
		return 1;
	if (holiday_at(c, day))
		return 0;
	return in_workweek(c, day);
}

int64_t calendar_local_day(const struct calendar *c, time_t t)
{
	if (!c)
		c = &fallback;
	return floor_div((int64_t)t + c->utc_offset, DAY_SECS);
}

/*
 * The first working day after `day` into *day; -1 when there is none (only
 * possible with an empty working week once the make-up days run out).
 */
static int next_workday(const struct calendar *c, int64_t *day)
{
	int64_t d = *day;
	if (!c->workweek && (!c->nworkdays || d >= c->workdays[c->nworkdays - 1].day))
		return -1;
	do
		d++;
	while (!calendar_is_workday(c, d));
	*day = d;
	return 0;
}

/*
 * Working days: find the day counting starts from (the start's own day if
 * it is a working day and office hours have not yet ended, else the next
 * working day), step N working days on, and end at the close of office.
 */
time_t calendar_add(const struct calendar *c, time_t start, const struct duration *dur)
{
	if (!c)
		c = &fallback;
	if (!dur || dur->amount <= 0)
		return start;
	switch (dur->unit) {
	case DUR_MINUTES:
		return start + (time_t)dur->amount * 60;
	case DUR_HOURS:
		return start + (time_t)dur->amount * 3600;
	case DUR_DAYS:
		return start + (time_t)dur->amount * DAY_SECS;
	case DUR_WORKDAYS:
		break;
	}
	int64_t local = (int64_t)start + c->utc_offset;
	int64_t day = floor_div(local, DAY_SECS);
	int64_t secs = local - day * DAY_SECS;
	if (!calendar_is_workday(c, day) || secs >= (int64_t)c->office_end * 60)
		if (next_workday(c, &day) < 0)
			return (time_t)-1;
	for (long i = 0; i < dur->amount; i++)
		if (next_workday(c, &day) < 0)
			return (time_t)-1;
	return (time_t)(day * DAY_SECS + (int64_t)c->office_end * 60 - c->utc_offset);
}

/*
 * Count by the working week arithmetically, then correct for the listed
 * days inside the span: a holiday on a usual working day takes one away, a
 * make-up day outside the working week adds one. Holidays are disjoint, so
 * no day is counted twice.
 */
long calendar_workdays_between(const struct calendar *c, int64_t from_day, int64_t to_day)
{
	if (!c)
		c = &fallback;
	if (to_day < from_day)
		return -calendar_workdays_between(c, to_day, from_day);
	int64_t n = week_prefix(c->workweek, to_day + 1) - week_prefix(c->workweek, from_day + 1);
	for (size_t i = 0; i < c->nholidays; i++) {
		const struct cal_holiday *h = &c->holidays[i];
		int64_t a = h->from > from_day + 1 ? h->from : from_day + 1;
		int64_t b = h->to < to_day ? h->to : to_day;
		for (int64_t d = a; d <= b; d++)
			if (in_workweek(c, d) && !workday_at(c, d))
				n--;
	}
	for (size_t i = 0; i < c->nworkdays; i++) {
		int64_t d = c->workdays[i].day;
		if (d > from_day && d <= to_day && !in_workweek(c, d))
			n++;
	}
	return (long)n;
}

/* ---- freeing ---------------------------------------------------------- */

void calendar_free(struct calendar *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nholidays; i++)
		free(c->holidays[i].name);
	for (size_t i = 0; i < c->nworkdays; i++)
		free(c->workdays[i].name);
	free(c->holidays);
	free(c->workdays);
	free(c->id);
	free(c->name);
	free(c);
}

/* ---- parsing ---------------------------------------------------------- */

/* Where an accepted entry's days were written, for the checks across entries. */
struct day_nodes {
	const struct ynode *first;   /* `from:` or `date:` value */
	const struct ynode *last;    /* `to:` or `date:` value */
};

/* State shared by the parsing functions. */
struct cparse {
	const struct ydoc *doc;
	struct diags *d;
	struct calendar *c;
	struct day_nodes *hn;        /* one per accepted holiday, in file order */
	struct day_nodes *wn;        /* one per accepted make-up day, in file order */
};

/* "+08:00" / "-05:30" into seconds east of UTC; -1 if malformed or out of range. */
static int parse_offset(const char *s, int *out)
{
	if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':')
		return -1;
	for (int i = 1; i < 6; i++)
		if (i != 3 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[1] - '0') * 10 + (s[2] - '0');
	int m = (s[4] - '0') * 10 + (s[5] - '0');
	int v = (h * 60 + m) * 60 * (s[0] == '-' ? -1 : 1);
	if (m > 59 || v < -12 * 3600 || v > 14 * 3600)
		return -1;
	*out = v;
	return 0;
}

/* "09:00" into minutes after midnight (up to "24:00"); -1 if malformed. */
static int parse_hhmm(const char *s, int *out)
{
	if (strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0');
	int m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m))
		return -1;
	*out = h * 60 + m;
	return 0;
}

/* A required, non-blank `name:` of an entry, or NULL (reported). */
static char *read_name(struct cparse *p, const struct ynode *item)
{
	const char *s = y_str(p->d, p->doc, item, "name", 1);
	if (!s)
		return NULL;
	if (y_is_blank(s)) {
		y_error(p->d, p->doc, ymap_get(item, "name"), _("'%s' must not be empty"), "name");
		return NULL;
	}
	return xstrdup(s);
}

/* A date value under `key`; 0 and its node on success, -1 (reported when present). */
static int read_date(struct cparse *p, const struct ynode *item, const char *key, int required,
		     int64_t *day, const struct ynode **node)
{
	const char *s = y_str(p->d, p->doc, item, key, required);
	if (!s)
		return -1;
	*node = ymap_get(item, key);
	if (date_parse(s, day) < 0) {
		y_error(p->d, p->doc, *node, _("invalid date '%s' for '%s' (use YYYY-MM-DD)"), s, key);
		return -1;
	}
	return 0;
}

static void parse_utc_offset(struct cparse *p, const struct ynode *root)
{
	const char *s = y_str(p->d, p->doc, root, "utc_offset", 0);
	if (s && parse_offset(s, &p->c->utc_offset) < 0)
		y_error(p->d, p->doc, ymap_get(root, "utc_offset"),
			_("invalid utc_offset '%s' (use +HH:MM or -HH:MM between -12:00 and "
			  "+14:00, such as \"+08:00\")"), s);
}

static void parse_office_hours(struct cparse *p, const struct ynode *root)
{
	static const char *const keys[] = { "start", "end", NULL };
	const struct ynode *v = ymap_get(root, "office_hours");
	if (!v || yis_null(v) || y_expect(p->d, p->doc, v, Y_MAP, "office_hours") < 0)
		return;
	y_check_keys(p->d, p->doc, v, keys);
	int ok = 1;
	for (int i = 0; i < 2; i++) {
		const char *s = y_str(p->d, p->doc, v, keys[i], 0);
		int *out = i ? &p->c->office_end : &p->c->office_start;
		if (s && parse_hhmm(s, out) < 0) {
			y_error(p->d, p->doc, ymap_get(v, keys[i]),
				_("invalid time '%s' for '%s' (use HH:MM, such as 09:00)"), s, keys[i]);
			ok = 0;
		}
	}
	if (ok && p->c->office_end <= p->c->office_start) {
		const struct ynode *at = ymap_get(v, "end") ? ymap_get(v, "end") : v;
		y_error(p->d, p->doc, at, _("office hours end at %02d:%02d, not after they start at "
					      "%02d:%02d"),
			p->c->office_end / 60, p->c->office_end % 60,
			p->c->office_start / 60, p->c->office_start % 60);
	}
}

/* The weekday a name means, or -1; `near` gets a suggestion for an unknown one. */
static int weekday_parse(const char *s, const char **near)
{
	for (int i = 0; weekday_names[i]; i++)
		if (!strcmp(s, weekday_names[i]))
			return i;
	*near = y_nearest(s, weekday_names, 7);
	for (size_t i = 0; !*near && i < sizeof(weekday_zh) / sizeof(weekday_zh[0]); i++)
		if (!strcmp(s, weekday_zh[i].zh))
			*near = weekday_names[weekday_zh[i].day];
	/* "Monday", "TUESDAY": the first three letters, in any case */
	if (!*near && strlen(s) >= 3) {
		char lower[4];
		for (int i = 0; i < 3; i++)
			lower[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
		lower[3] = '\0';
		for (int i = 0; weekday_names[i]; i++)
			if (!strcmp(lower, weekday_names[i]))
				*near = weekday_names[i];
	}
	return -1;
}

static void parse_workweek(struct cparse *p, const struct ynode *root)
{
	const struct ynode *v = ymap_get(root, "workweek");
	if (!v || yis_null(v) || y_expect(p->d, p->doc, v, Y_SEQ, "workweek") < 0)
		return;
	unsigned bits = 0;
	int bad = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *it = v->items[i];
		if (it->type != Y_SCALAR || yis_null(it)) {
			y_error(p->d, p->doc, it, _("each entry of '%s' must be a value"), "workweek");
			bad = 1;
			continue;
		}
		const char *near = NULL;
		int wd = weekday_parse(it->value, &near);
		if (wd < 0) {
			if (near)
				y_error(p->d, p->doc, it, _("unknown weekday '%s' (did you mean '%s'?)"),
					it->value, near);
			else
				y_error(p->d, p->doc, it, _("unknown weekday '%s' (use mon, tue, wed, "
							    "thu, fri, sat, sun)"), it->value);
			bad = 1;
		} else if (bits & (1u << wd)) {
			y_error(p->d, p->doc, it, _("weekday '%s' is listed twice"), it->value);
		} else {
			bits |= 1u << wd;
		}
	}
	if (!bits && !bad)
		y_error(p->d, p->doc, v, _("'workweek' needs at least one day"));
	if (bits)
		p->c->workweek = bits;
}

/* The list under `key`, or NULL (reported when it is not a list). */
static const struct ynode *read_list(struct cparse *p, const struct ynode *root, const char *key)
{
	const struct ynode *seq = ymap_get(root, key);
	if (!seq || yis_null(seq) || y_expect(p->d, p->doc, seq, Y_SEQ, key) < 0)
		return NULL;
	return seq;
}

/* One `holidays:` entry: {name, date} or {name, from, to}; 0 if accepted. */
static int parse_holiday(struct cparse *p, const struct ynode *it, struct cal_holiday *h,
			 struct day_nodes *dn)
{
	static const char *const keys[] = { "name", "date", "from", "to", NULL };
	if (it->type != Y_MAP) {
		y_error(p->d, p->doc, it, _("each holiday must be a mapping with 'name' and 'date', "
					    "or 'name', 'from' and 'to', not a %s"),
			ytype_name(it->type));
		return -1;
	}
	y_check_keys(p->d, p->doc, it, keys);
	char *name = read_name(p, it);
	int ok = name != NULL;
	const struct ynode *date = ymap_get(it, "date");
	int has_range = ymap_get(it, "from") || ymap_get(it, "to");
	if (date && has_range) {
		y_error(p->d, p->doc, ymap_key(it, "date"),
			_("use either 'date', or 'from' and 'to', not both"));
		ok = 0;
	} else if (date) {
		ok &= read_date(p, it, "date", 1, &h->from, &dn->first) == 0;
		h->to = h->from;
		dn->last = dn->first;
	} else if (has_range) {
		ok &= read_date(p, it, "from", 1, &h->from, &dn->first) == 0;
		ok &= read_date(p, it, "to", 1, &h->to, &dn->last) == 0;
		if (ok && h->to < h->from) {
			char a[16], b[16];
			date_format(h->from, a, sizeof(a));
			date_format(h->to, b, sizeof(b));
			y_error(p->d, p->doc, dn->last,
				_("holiday '%s' ends on %s, before it starts on %s"), name, b, a);
			ok = 0;
		} else if (ok && h->to - h->from + 1 > MAX_RANGE_DAYS) {
			y_error(p->d, p->doc, dn->last,
				_("holiday '%s' covers %ld days; a range may cover at most %d"), name,
				(long)(h->to - h->from + 1), MAX_RANGE_DAYS);
			ok = 0;
		}
	} else {
		y_error(p->d, p->doc, it, _("a holiday needs 'date', or 'from' and 'to'"));
		ok = 0;
	}
	if (!ok) {
		free(name);
		return -1;
	}
	h->name = name;
	h->line = it->line;
	h->col = it->col;
	return 0;
}

/* One `workdays:` entry: {name, date}; 0 if accepted. */
static int parse_workday(struct cparse *p, const struct ynode *it, struct cal_workday *w,
			 struct day_nodes *dn)
{
	static const char *const keys[] = { "name", "date", NULL };
	if (it->type != Y_MAP) {
		y_error(p->d, p->doc, it,
			_("each make-up workday must be a mapping with 'name' and 'date', not a %s"),
			ytype_name(it->type));
		return -1;
	}
	y_check_keys(p->d, p->doc, it, keys);
	char *name = read_name(p, it);
	if (read_date(p, it, "date", 1, &w->day, &dn->first) < 0 || !name) {
		free(name);
		return -1;
	}
	dn->last = dn->first;
	w->name = name;
	w->line = it->line;
	w->col = it->col;
	return 0;
}

/* An entry's place when sorting by day, then by position in the file. */
struct day_key {
	int64_t day;
	int line, col;
	size_t idx;                  /* index in the unsorted list */
};

static int cmp_day_key(const void *a, const void *b)
{
	const struct day_key *x = a, *y = b;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->col > y->col) - (x->col < y->col);
}

/* The indexes 0..n-1 in day order; the caller frees. */
static size_t *sorted_order(struct day_key *keys, size_t n)
{
	qsort(keys, n, sizeof(*keys), cmp_day_key);
	size_t *order = xcalloc(n ? n : 1, sizeof(*order));
	for (size_t k = 0; k < n; k++)
		order[k] = keys[k].idx;
	return order;
}

/* 1 if entry at (la, ca) comes after (lb, cb) in the file */
static int later(int la, int ca, int lb, int cb)
{
	return la > lb || (la == lb && ca > cb);
}

/*
 * Holidays that overlap: sweep them in order of their first day, keeping
 * the one that reaches furthest; an entry starting on or before that day
 * overlaps it. Each clash is reported once, at the entry written later.
 */
static void check_overlaps(struct cparse *p, const size_t *order)
{
	const struct calendar *c = p->c;
	size_t reach = 0;
	for (size_t k = 1; k < c->nholidays; k++) {
		size_t i = order[k], r = order[reach];
		const struct cal_holiday *h = &c->holidays[i], *g = &c->holidays[r];
		if (h->from <= g->to) {
			int hl = later(h->line, h->col, g->line, g->col);
			const struct cal_holiday *at = hl ? h : g, *other = hl ? g : h;
			y_error(p->d, p->doc, p->hn[hl ? i : r].first,
				_("holiday '%s' overlaps holiday '%s' (line %d)"), at->name,
				other->name, other->line);
		}
		if (h->to > g->to)
			reach = k;
	}
}

/*
 * A make-up day listed twice, or also a holiday, or a usual working day
 * anyway. Runs on the sorted lists, so a repeat follows its first listing.
 */
static void check_workdays(struct cparse *p)
{
	const struct calendar *c = p->c;
	for (size_t i = 0; i < c->nworkdays; i++) {
		const struct cal_workday *w = &c->workdays[i];
		char day[16];
		date_format(w->day, day, sizeof(day));
		if (i && c->workdays[i - 1].day == w->day) {
			y_error(p->d, p->doc, p->wn[i].first,
				_("make-up workday %s is listed twice (first at line %d)"), day,
				c->workdays[i - 1].line);
			continue;
		}
		const struct cal_holiday *h = holiday_at(c, w->day);
		if (h)
			y_error(p->d, p->doc, p->wn[i].first,
				_("%s is both a holiday ('%s', line %d) and a make-up workday"), day,
				h->name, h->line);
		else if (in_workweek(c, w->day))
			y_warning(p->d, p->doc, p->wn[i].first,
				  _("make-up workday %s is a '%s', a working day anyway"), day,
				  weekday_names[weekday_of(w->day)]);
	}
}

/* Reorder n entries of `size` bytes (and their nodes) as `order` says. */
static void reorder(void *v, struct day_nodes *nodes, size_t n, size_t size, const size_t *order)
{
	char *tmp = xmalloc(n ? n * size : 1);
	struct day_nodes *tn = xcalloc(n ? n : 1, sizeof(*tn));
	for (size_t k = 0; k < n; k++) {
		memcpy(tmp + k * size, (char *)v + order[k] * size, size);
		tn[k] = nodes[order[k]];
	}
	if (n) {
		memcpy(v, tmp, n * size);
		memcpy(nodes, tn, n * sizeof(*tn));
	}
	free(tmp);
	free(tn);
}

/*
 * Check the holidays and make-up days against one another, leaving both
 * lists sorted by day (what the lookups need). Ties keep file order.
 */
static void check_days(struct cparse *p)
{
	struct calendar *c = p->c;
	struct day_key *hk = xcalloc(c->nholidays ? c->nholidays : 1, sizeof(*hk));
	struct day_key *wk = xcalloc(c->nworkdays ? c->nworkdays : 1, sizeof(*wk));
	for (size_t i = 0; i < c->nholidays; i++)
		hk[i] = (struct day_key){ c->holidays[i].from, c->holidays[i].line,
					  c->holidays[i].col, i };
	for (size_t i = 0; i < c->nworkdays; i++)
		wk[i] = (struct day_key){ c->workdays[i].day, c->workdays[i].line,
					  c->workdays[i].col, i };
	size_t *horder = sorted_order(hk, c->nholidays);
	size_t *worder = sorted_order(wk, c->nworkdays);
	free(hk);
	free(wk);
	check_overlaps(p, horder);
	if (c->nholidays)
		reorder(c->holidays, p->hn, c->nholidays, sizeof(*c->holidays), horder);
	if (c->nworkdays)
		reorder(c->workdays, p->wn, c->nworkdays, sizeof(*c->workdays), worder);
	check_workdays(p);
	free(horder);
	free(worder);
}

struct calendar *calendar_parse(const struct ydoc *doc, struct diags *d)
{
	static const char *const top[] = {
		"kind", "id", "name", "description", "utc_offset", "workweek", "office_hours",
		"holidays", "workdays", NULL
	};
	const struct ynode *root = doc->root;
	if (!root || root->type != Y_MAP) {
		if (root)
			y_error(d, doc, root, _("a definition must be a mapping of keys, not a %s"),
				ytype_name(root->type));
		else
			diag_error(d, doc->file, 1, 1, _("empty definition: expected 'kind:' and 'id:'"));
		return NULL;
	}
	struct calendar *c = xcalloc(1, sizeof(*c));
	c->utc_offset = CALENDAR_DEFAULT_OFFSET;
	c->workweek = CALENDAR_DEFAULT_WORKWEEK;
	c->office_start = CALENDAR_DEFAULT_START;
	c->office_end = CALENDAR_DEFAULT_END;
	struct cparse p = { doc, d, c, NULL, NULL };
	y_check_keys(d, doc, root, top);
	const char *kind = y_str(d, doc, root, "kind", 1);
	if (kind && strcmp(kind, "calendar"))
		y_error(d, doc, ymap_get(root, "kind"), _("kind '%s' is not 'calendar'"), kind);
	/* the same messages as defset's header check, so lint shows them once */
	const struct ynode *id = ymap_get(root, "id");
	if (!id || yis_null(id) || !yscalar(id))
		y_error(d, doc, id ? id : root, _("missing 'id'"));
	else if (!y_is_slug(id->value))
		y_error(d, doc, id, _("invalid id '%s': use lowercase letters, digits, '.', '_' and '-'"),
			id->value);
	c->id = xstrdup(yscalar(id) ? id->value : "");
	c->name = read_name(&p, root);
	y_str(d, doc, root, "description", 0);
	parse_utc_offset(&p, root);
	parse_workweek(&p, root);
	parse_office_hours(&p, root);

	const struct ynode *seq = read_list(&p, root, "holidays");
	if (seq) {
		c->holidays = xcalloc(seq->n ? seq->n : 1, sizeof(*c->holidays));
		p.hn = xcalloc(seq->n ? seq->n : 1, sizeof(*p.hn));
		for (size_t i = 0; i < seq->n; i++)
			if (parse_holiday(&p, seq->items[i], &c->holidays[c->nholidays],
					  &p.hn[c->nholidays]) == 0)
				c->nholidays++;
	}
	seq = read_list(&p, root, "workdays");
	if (seq) {
		c->workdays = xcalloc(seq->n ? seq->n : 1, sizeof(*c->workdays));
		p.wn = xcalloc(seq->n ? seq->n : 1, sizeof(*p.wn));
		for (size_t i = 0; i < seq->n; i++)
			if (parse_workday(&p, seq->items[i], &c->workdays[c->nworkdays],
					  &p.wn[c->nworkdays]) == 0)
				c->nworkdays++;
	}
	check_days(&p);
	free(p.hn);
	free(p.wn);
	return c;
}
