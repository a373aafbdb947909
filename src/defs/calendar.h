/*
 * calendar: working days, holidays and deadline arithmetic, read from files
 * of `kind: calendar`.
 *
 * A calendar says which local days an office works: the days of its working
 * week, minus the days off it lists (`holidays:`, 法定节假日 — single days or
 * ranges), plus the make-up working days it lists (`workdays:`, 调休上班 —
 * usually a Saturday or Sunday). Days are local to the office, whose clock
 * is a fixed `utc_offset` (China has no daylight saving time); a day is
 * counted as days since 1970-01-01 in that local time.
 *
 * The approval engine computes a step's deadline and reminder times with
 * calendar_add(). Nothing here reads the wall clock: the caller passes
 * every time, so the same event always gives the same deadline.
 *
 * A NULL calendar is the fallback: Monday to Friday, no holidays, no
 * make-up days, office hours 09:00-17:30, at +08:00.
 *
 * See doc/ref-calendar.md for the file format and the deadline rules.
 * A calendar owns everything in it; calendar_free() releases it.
 */
#ifndef DOCKET_CALENDAR_H
#define DOCKET_CALENDAR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct diags;
struct duration;
struct ydoc;

/* Days of the week as bits of calendar->workweek. */
enum weekday { WD_MON, WD_TUE, WD_WED, WD_THU, WD_FRI, WD_SAT, WD_SUN };

/* One entry of `holidays:` — a range of local days off, both ends included. */
struct cal_holiday {
	char *name;               /* "春节" */
	int64_t from, to;         /* days since the epoch, from <= to */
	int line, col;            /* the entry's mapping */
};

/* One entry of `workdays:` — a make-up working day (调休上班). */
struct cal_workday {
	char *name;               /* "春节调休" */
	int64_t day;              /* days since the epoch */
	int line, col;            /* the entry's mapping */
};

struct calendar {
	char *id;                 /* "cn" */
	char *name;               /* "中国法定节假日" */
	int utc_offset;           /* seconds east of UTC (+08:00 = 28800) */
	unsigned workweek;        /* 1 << WD_MON | ...: the usual working days */
	int office_start;         /* minutes after local midnight (09:00 = 540) */
	int office_end;           /* minutes after local midnight (17:30 = 1050) */
	struct cal_holiday *holidays; /* sorted by `from` */
	size_t nholidays;
	struct cal_workday *workdays; /* sorted by `day` */
	size_t nworkdays;
};

/* The fallback's values, also the defaults of a calendar file. */
#define CALENDAR_DEFAULT_OFFSET (8 * 3600)
#define CALENDAR_DEFAULT_WORKWEEK 0x1fu /* Monday to Friday */
#define CALENDAR_DEFAULT_START (9 * 60)
#define CALENDAR_DEFAULT_END (17 * 60 + 30)

/*
 * Build from a loaded document of `kind: calendar`. Every problem is added
 * to d at its position: unknown keys, bad dates, ranges that end before
 * they start or are longer than 31 days, overlapping holidays, a day that
 * is both a holiday and a make-up working day, bad utc_offset or office
 * hours, unknown weekday names. Returns NULL only when the document is not
 * a mapping; the caller frees the result with calendar_free().
 */
struct calendar *calendar_parse(const struct ydoc *doc, struct diags *d);
void calendar_free(struct calendar *c);

/* 1 if the local `day` (days since the epoch) is a working day, else 0. */
int calendar_is_workday(const struct calendar *c, int64_t day);

/* The local day (days since the epoch) that the instant `t` falls on. */
int64_t calendar_local_day(const struct calendar *c, time_t t);

/*
 * The deadline `dur` after `start`.
 *
 * Minutes, hours and days (`30m`, `8h`, `2d`) are elapsed time: `2d` is 48
 * hours later, whatever the days are. Working days (`3wd`) count whole
 * local working days: the deadline is the end of office hours on the Nth
 * working day after the day the start counts from. A start on a working
 * day before office hours end counts from that day; a start after office
 * hours end, or on a day that is not a working day, counts from the next
 * working day. So a request arriving Friday 10:00 with `1wd` is due
 * Monday 17:30; arriving Friday 18:00 it is due Tuesday 17:30.
 *
 * A duration of 0 (not set) returns `start`. Returns (time_t)-1 when no
 * deadline exists (a calendar with no working days left).
 */
time_t calendar_add(const struct calendar *c, time_t start, const struct duration *dur);

/*
 * The number of working days d with from_day < d <= to_day (the days after
 * `from_day` up to and including `to_day`); negative when to_day is before
 * from_day. With this rule a `Nwd` deadline falls on a day D with
 * calendar_workdays_between(c, base, D) == N, where base is the day the
 * start counts from.
 */
long calendar_workdays_between(const struct calendar *c, int64_t from_day, int64_t to_day);

#endif
