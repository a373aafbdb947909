/*
 * Holiday calendars: every check with its exact message and line:col; which
 * days the shipped Chinese calendar works (春节 off, 调休 Saturdays on); and
 * deadline arithmetic — elapsed time across midnight, working days across
 * weekends, golden weeks, holidays, after office hours, and time zones; and
 * the lint check that a workflow counting working days has its calendar.
 * Results are compared as UTC ISO 8601 text, and the process runs in a
 * far-away TZ to show that nothing depends on the machine's local time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "defs_helpers.h"
#include "defs/calendar.h"
#include "defs/defset.h"
#include "defs/value.h"
#include "defs/workflow.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/diag.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "util/xalloc.h"
#include "yaml/ydoc.h"

/* Parse text as a calendar; return the diagnostics as "line:col: msg" lines. */
static char *parse(const char *text, struct calendar **out)
{
	struct diags d = DIAGS_INIT;
	struct ydoc doc = YDOC_INIT;
	struct calendar *c = NULL;
	if (!ydoc_load_buf(&doc, "cal.yaml", text, strlen(text), &d))
		c = calendar_parse(&doc, &d);
	diags_sort(&d);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < d.n; i++)
		buf_addf(&b, "%d:%d: %s%s\n", d.v[i].line, d.v[i].col,
			 d.v[i].severity == DIAG_WARNING ? "warning: " : "", d.v[i].msg);
	diags_release(&d);
	ydoc_release(&doc);
	if (out)
		*out = c;
	else
		calendar_free(c);
	return buf_detach(&b);
}

/* A valid calendar's first lines; the cases add to it from line 4. */
#define HEAD \
	"kind: calendar\n"                                                        /* 1 */ \
	"id: test\n"                                                              /* 2 */ \
	"name: 测试日历\n"                                                        /* 3 */

struct bad_case {
	const char *title;
	const char *text;
	const char *want;
};

static const struct bad_case bad_cases[] = {
	{ "valid, defaults only", HEAD, "" },
	{ "valid, everything",
	  HEAD "utc_offset: \"-05:30\"\nworkweek: [sun, mon, tue, wed, thu]\n"
	  "office_hours: {start: \"08:00\", end: \"24:00\"}\ndescription: 全部键\n"
	  "holidays:\n  - {name: 元旦, date: 2026-01-01}\n"
	  "  - {name: 春节, from: 2026-02-15, to: 2026-02-23}\n"
	  "workdays:\n  - {name: 春节调休, date: 2026-02-14}\n",
	  "" },
	{ "unknown top-level key", HEAD "holiday: []\n",
	  "4:1: unknown key 'holiday' (did you mean 'holidays'?)\n" },
	{ "unknown key in a holiday",
	  HEAD "holidays:\n  - {name: 元旦, date: 2026-01-01, tp: 2026-01-02}\n",
	  "5:34: unknown key 'tp' (did you mean 'to'?)\n" },
	{ "unknown key in office hours", HEAD "office_hours: {start: \"09:00\", ende: \"17:00\"}\n",
	  "4:32: unknown key 'ende' (did you mean 'end'?)\n" },
	{ "invalid date",
	  HEAD "holidays:\n  - {name: 春节, from: 2026-02-15, to: 2026-02-30}\n",
	  "5:38: invalid date '2026-02-30' for 'to' (use YYYY-MM-DD)\n" },
	{ "date in another format",
	  HEAD "workdays:\n  - {name: 春节调休, date: 2026/2/14}\n",
	  "5:24: invalid date '2026/2/14' for 'date' (use YYYY-MM-DD)\n" },
	{ "range ends before it starts",
	  HEAD "holidays:\n  - {name: 国庆节, from: 2026-10-07, to: 2026-10-01}\n",
	  "5:39: holiday '国庆节' ends on 2026-10-01, before it starts on 2026-10-07\n" },
	{ "range longer than 31 days",
	  HEAD "holidays:\n  - {name: 暑假, from: 2026-07-01, to: 2026-08-31}\n",
	  "5:38: holiday '暑假' covers 62 days; a range may cover at most 31\n" },
	{ "31 days is the limit",
	  HEAD "holidays:\n  - {name: 长假, from: 2026-07-01, to: 2026-07-31}\n", "" },
	{ "date and a range",
	  HEAD "holidays:\n  - {name: 元旦, date: 2026-01-01, from: 2026-01-01, to: 2026-01-03}\n",
	  "5:16: use either 'date', or 'from' and 'to', not both\n" },
	{ "no days at all", HEAD "holidays:\n  - {name: 元旦}\n",
	  "5:5: a holiday needs 'date', or 'from' and 'to'\n" },
	{ "from without to", HEAD "holidays:\n  - {name: 元旦, from: 2026-01-01}\n",
	  "5:5: missing required key 'to'\n" },
	{ "missing name", HEAD "holidays:\n  - {date: 2026-01-01}\n",
	  "5:5: missing required key 'name'\n" },
	{ "blank name", HEAD "workdays:\n  - {name: \"　\", date: 2026-02-14}\n",
	  "5:12: 'name' must not be empty\n" },
	{ "overlapping holidays",
	  HEAD "holidays:\n"
	  "  - {name: 中秋节, from: 2026-09-25, to: 2026-10-02}\n"
	  "  - {name: 元旦, date: 2026-01-01}\n"
	  "  - {name: 国庆节, from: 2026-10-01, to: 2026-10-07}\n",
	  "7:23: holiday '国庆节' overlaps holiday '中秋节' (line 5)\n" },
	{ "overlap written before the range it falls in",
	  HEAD "holidays:\n"
	  "  - {name: 国庆节, from: 2026-10-01, to: 2026-10-07}\n"
	  "  - {name: 国庆节（重复）, date: 2026-10-03}\n"
	  "  - {name: 另一个, from: 2026-09-30, to: 2026-10-01}\n",
	  "6:27: holiday '国庆节（重复）' overlaps holiday '国庆节' (line 5)\n"
	  "7:23: holiday '另一个' overlaps holiday '国庆节' (line 5)\n" },
	{ "adjacent ranges do not overlap",
	  HEAD "holidays:\n"
	  "  - {name: 甲, from: 2026-10-01, to: 2026-10-03}\n"
	  "  - {name: 乙, from: 2026-10-04, to: 2026-10-07}\n", "" },
	{ "a day both off and on",
	  HEAD "holidays:\n  - {name: 春节, from: 2026-02-15, to: 2026-02-23}\n"
	  "workdays:\n  - {name: 春节调休, date: 2026-02-15}\n",
	  "7:24: 2026-02-15 is both a holiday ('春节', line 5) and a make-up workday\n" },
	{ "make-up day listed twice",
	  HEAD "workdays:\n  - {name: 春节调休, date: 2026-02-28}\n"
	  "  - {name: 春节调休, date: 2026-02-14}\n"
	  "  - {name: 再次, date: 2026-02-28}\n",
	  "7:22: make-up workday 2026-02-28 is listed twice (first at line 5)\n" },
	{ "make-up day on a usual working day",
	  HEAD "workdays:\n  - {name: 多余, date: 2026-02-16}\n",
	  "5:22: warning: make-up workday 2026-02-16 is a 'mon', a working day anyway\n" },
	{ "utc_offset without minutes", HEAD "utc_offset: \"+8\"\n",
	  "4:13: invalid utc_offset '+8' (use +HH:MM or -HH:MM between -12:00 and +14:00, "
	  "such as \"+08:00\")\n" },
	{ "utc_offset out of range", HEAD "utc_offset: \"+15:00\"\n",
	  "4:13: invalid utc_offset '+15:00' (use +HH:MM or -HH:MM between -12:00 and +14:00, "
	  "such as \"+08:00\")\n" },
	{ "utc_offset as a zone name", HEAD "utc_offset: Asia/Shanghai\n",
	  "4:13: invalid utc_offset 'Asia/Shanghai' (use +HH:MM or -HH:MM between -12:00 and "
	  "+14:00, such as \"+08:00\")\n" },
	{ "office hours without a leading zero", HEAD "office_hours: {start: \"9:00\", end: \"17:30\"}\n",
	  "4:23: invalid time '9:00' for 'start' (use HH:MM, such as 09:00)\n" },
	{ "office hours past midnight", HEAD "office_hours: {start: \"09:00\", end: \"24:30\"}\n",
	  "4:37: invalid time '24:30' for 'end' (use HH:MM, such as 09:00)\n" },
	{ "office hours end before they start",
	  HEAD "office_hours: {start: \"17:30\", end: \"09:00\"}\n",
	  "4:37: office hours end at 09:00, not after they start at 17:30\n" },
	{ "office hours end before the default start", HEAD "office_hours: {end: \"08:30\"}\n",
	  "4:21: office hours end at 08:30, not after they start at 09:00\n" },
	{ "office hours not a mapping", HEAD "office_hours: 09:00-17:30\n",
	  "4:15: 'office_hours' must be a mapping, not a value\n" },
	{ "weekday misspelt", HEAD "workweek: [mon, teu, wed]\n",
	  "4:17: unknown weekday 'teu' (did you mean 'tue'?)\n" },
	{ "weekday in full", HEAD "workweek: [Monday, tue]\n",
	  "4:12: unknown weekday 'Monday' (did you mean 'mon'?)\n" },
	{ "weekday in Chinese", HEAD "workweek: [周一, 星期二, 礼拜三]\n",
	  "4:12: unknown weekday '周一' (did you mean 'mon'?)\n"
	  "4:16: unknown weekday '星期二' (did you mean 'tue'?)\n"
	  "4:21: unknown weekday '礼拜三' (use mon, tue, wed, thu, fri, sat, sun)\n" },
	{ "weekday twice", HEAD "workweek: [mon, tue, mon]\n",
	  "4:22: weekday 'mon' is listed twice\n" },
	{ "empty working week", HEAD "workweek: []\n",
	  "4:11: 'workweek' needs at least one day\n" },
	{ "holidays not a list", HEAD "holidays: {元旦: 2026-01-01}\n",
	  "4:11: 'holidays' must be a list, not a mapping\n" },
	{ "holiday not a mapping", HEAD "holidays:\n  - 2026-01-01\n",
	  "5:5: each holiday must be a mapping with 'name' and 'date', or 'name', 'from' and "
	  "'to', not a value\n" },
	{ "make-up day not a mapping", HEAD "workdays:\n  - [春节调休, 2026-02-14]\n",
	  "5:5: each make-up workday must be a mapping with 'name' and 'date', not a list\n" },
	{ "wrong kind", "kind: workflow\nid: t\nname: 测试\n",
	  "1:7: kind 'workflow' is not 'calendar'\n" },
	{ "invalid id", "kind: calendar\nid: 中国\nname: 测试\n",
	  "2:5: invalid id '中国': use lowercase letters, digits, '.', '_' and '-'\n" },
	{ "missing name", "kind: calendar\nid: t\n",
	  "1:1: missing required key 'name'\n" },
	{ "not a mapping", "- 2026-01-01\n",
	  "1:1: a definition must be a mapping of keys, not a list\n" },
	{ "several problems at once",
	  HEAD "utc_offset: \"+08\"\nworkweek: [mon, tue, wed, thu, fir]\n"
	  "holidays:\n"
	  "  - {name: 春节, from: 2026-02-15, to: 2026-02-23}\n"
	  "  - {name: 元宵, from: 2026-02-23, to: 2026-02-24}\n"
	  "  - {name: 坏日子, date: 2026-13-01}\n"
	  "workdays:\n  - {name: 春节调休, date: 2026-02-16}\n",
	  "4:13: invalid utc_offset '+08' (use +HH:MM or -HH:MM between -12:00 and +14:00, "
	  "such as \"+08:00\")\n"
	  "5:32: unknown weekday 'fir' (did you mean 'fri'?)\n"
	  "8:22: holiday '元宵' overlaps holiday '春节' (line 7)\n"
	  "9:23: invalid date '2026-13-01' for 'date' (use YYYY-MM-DD)\n"
	  "11:24: 2026-02-16 is both a holiday ('春节', line 7) and a make-up workday\n" },
};

static void test_bad(void **state)
{
	(void)state;
	int failed = 0;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char *got = parse(bad_cases[i].text, NULL);
		if (strcmp(got, bad_cases[i].want)) {
			print_error("case '%s':\n got:\n%s want:\n%s", bad_cases[i].title, got,
				    bad_cases[i].want);
			failed++;
		}
		free(got);
	}
	assert_int_equal(failed, 0);
}

/* What a good file becomes: defaults, offsets, sorted lists. */
static void test_parsed_values(void **state)
{
	(void)state;
	struct calendar *c;
	char *err = parse(HEAD "utc_offset: \"-05:30\"\nworkweek: [sun, sat]\n"
			  "office_hours: {start: \"08:15\"}\n"
			  "holidays:\n  - {name: 乙, date: 2026-05-01}\n"
			  "  - {name: 甲, from: 2026-01-01, to: 2026-01-03}\n"
			  "workdays:\n  - {name: 丁, date: 2026-05-06}\n  - {name: 丙, date: 2026-01-07}\n",
			  &c);
	assert_string_equal(err, "");
	free(err);
	assert_string_equal(c->id, "test");
	assert_string_equal(c->name, "测试日历");
	assert_int_equal(c->utc_offset, -(5 * 3600 + 30 * 60));
	assert_int_equal(c->workweek, (1u << WD_SAT) | (1u << WD_SUN));
	assert_int_equal(c->office_start, 8 * 60 + 15);
	assert_int_equal(c->office_end, CALENDAR_DEFAULT_END);
	assert_int_equal(c->nholidays, 2);
	assert_string_equal(c->holidays[0].name, "甲");
	assert_int_equal(c->holidays[0].line, 9);
	assert_string_equal(c->holidays[1].name, "乙");
	assert_int_equal(c->holidays[1].from, c->holidays[1].to);
	assert_int_equal(c->nworkdays, 2);
	assert_string_equal(c->workdays[0].name, "丙");
	assert_string_equal(c->workdays[1].name, "丁");
	calendar_free(c);

	err = parse(HEAD, &c);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(c->utc_offset, 8 * 3600);
	assert_int_equal(c->workweek, CALENDAR_DEFAULT_WORKWEEK);
	assert_int_equal(c->office_start, 9 * 60);
	assert_int_equal(c->office_end, 17 * 60 + 30);
	calendar_free(c);
}

/* The shipped calendar, loaded once for the day and deadline tests. */
static struct calendar *cn;

static int load_cn(void **state)
{
	(void)state;
	cn = shipped_calendar();
	return cn ? 0 : -1;
}

static int free_cn(void **state)
{
	(void)state;
	calendar_free(cn);
	cn = NULL;
	return 0;
}

static int64_t day_of(const char *s)
{
	int64_t d = 0;
	assert_int_equal(date_parse(s, &d), 0);
	return d;
}

struct day_case {
	const char *date;
	int workday;
	const char *why;
};

static const struct day_case day_cases[] = {
	{ "2025-01-01", 0, "元旦 2025, a Wednesday" },
	{ "2025-01-26", 1, "春节调休, a Sunday" },
	{ "2025-01-27", 1, "an ordinary Monday" },
	{ "2025-01-28", 0, "除夕, first day of 春节 2025" },
	{ "2025-02-04", 0, "last day of 春节 2025" },
	{ "2025-02-05", 1, "back at work" },
	{ "2025-02-08", 1, "春节调休, a Saturday" },
	{ "2025-02-09", 0, "an ordinary Sunday" },
	{ "2025-04-27", 1, "劳动节调休, a Sunday" },
	{ "2025-05-05", 0, "劳动节, a Monday" },
	{ "2025-06-02", 0, "端午节, a Monday" },
	{ "2025-09-28", 1, "国庆调休, a Sunday" },
	{ "2025-10-08", 0, "国庆·中秋, a Wednesday" },
	{ "2025-10-11", 1, "国庆调休, a Saturday" },
	{ "2026-01-01", 0, "元旦 2026, a Thursday" },
	{ "2026-01-02", 0, "元旦 2026, a Friday" },
	{ "2026-01-04", 1, "元旦调休, a Sunday" },
	{ "2026-02-13", 1, "the Friday before 春节" },
	{ "2026-02-14", 1, "春节调休, a Saturday" },
	{ "2026-02-15", 0, "腊月二十八, a Sunday" },
	{ "2026-02-16", 0, "除夕, a Monday" },
	{ "2026-02-17", 0, "正月初一, a Tuesday" },
	{ "2026-02-23", 0, "正月初七, a Monday" },
	{ "2026-02-24", 1, "back at work, a Tuesday" },
	{ "2026-02-28", 1, "春节调休, a Saturday" },
	{ "2026-03-01", 0, "an ordinary Sunday" },
	{ "2026-03-02", 1, "an ordinary Monday" },
	{ "2026-03-07", 0, "an ordinary Saturday" },
	{ "2026-04-06", 0, "清明节, a Monday" },
	{ "2026-05-05", 0, "劳动节, a Tuesday" },
	{ "2026-05-09", 1, "劳动节调休, a Saturday" },
	{ "2026-06-19", 0, "端午节, a Friday" },
	{ "2026-09-20", 1, "国庆调休, a Sunday" },
	{ "2026-09-25", 0, "中秋节, a Friday" },
	{ "2026-10-07", 0, "国庆节, a Wednesday" },
	{ "2026-10-08", 1, "after 国庆, a Thursday" },
	{ "2026-10-10", 1, "国庆调休, a Saturday" },
	{ "2027-02-05", 1, "2027 is not listed yet: a plain Friday" },
};

static void test_workdays(void **state)
{
	(void)state;
	int failed = 0;
	for (size_t i = 0; i < sizeof(day_cases) / sizeof(day_cases[0]); i++) {
		const struct day_case *k = &day_cases[i];
		int got = calendar_is_workday(cn, day_of(k->date));
		if (got != k->workday) {
			print_error("%s (%s): got %d, want %d\n", k->date, k->why, got, k->workday);
			failed++;
		}
	}
	assert_int_equal(failed, 0);

	/* the fallback: Monday to Friday, nothing else */
	assert_true(calendar_is_workday(NULL, day_of("2026-10-01")));
	assert_false(calendar_is_workday(NULL, day_of("2026-02-14")));
	assert_false(calendar_is_workday(NULL, day_of("1969-12-28"))); /* before the epoch */
	assert_true(calendar_is_workday(NULL, day_of("1969-12-29")));
}

/* Count working days one by one, to check the arithmetic against. */
static long slow_between(const struct calendar *c, int64_t a, int64_t b)
{
	long n = 0;
	for (int64_t d = a + 1; d <= b; d++)
		n += calendar_is_workday(c, d);
	return n;
}

static void test_workdays_between(void **state)
{
	(void)state;
	int64_t a = day_of("2026-02-13"), b = day_of("2026-02-24");
	assert_int_equal(calendar_workdays_between(cn, a, b), 2); /* 2/14 调休, 2/24 */
	assert_int_equal(calendar_workdays_between(cn, b, a), -2);
	assert_int_equal(calendar_workdays_between(cn, a, a), 0);
	/* 2026: 261 weekdays, 19 of them off (元旦 2, 春节 6, 清明 1, 劳动 3,
	 * 端午 1, 中秋 1, 国庆 5), 6 make-up days: 248 */
	assert_int_equal(calendar_workdays_between(cn, day_of("2025-12-31"), day_of("2026-12-31")),
			 248);
	/* 2025: 261 weekdays, 18 of them off (元旦 1, 春节 6, 清明 1, 劳动 3,
	 * 端午 1, 国庆·中秋 6), 5 make-up days: 248 */
	assert_int_equal(calendar_workdays_between(cn, day_of("2024-12-31"), day_of("2025-12-31")),
			 248);
	assert_int_equal(calendar_workdays_between(NULL, day_of("2026-03-01"), day_of("2026-03-08")),
			 5);
	/* every span of up to 40 days across both years, and far from the epoch */
	int failed = 0;
	int64_t first = day_of("2024-12-01"), last = day_of("2027-01-31");
	for (int64_t x = first; x < last; x += 3)
		for (int64_t y = x; y < x + 40; y++)
			if (calendar_workdays_between(cn, x, y) != slow_between(cn, x, y))
				failed++;
	for (int64_t x = -800; x < -700; x++)
		if (calendar_workdays_between(NULL, x, x + 17) != slow_between(NULL, x, x + 17))
			failed++;
	assert_int_equal(failed, 0);
}

struct add_case {
	const char *title;
	const char *start;   /* ISO 8601, any offset */
	const char *dur;     /* as in a workflow file */
	const char *want;    /* UTC */
};

static const struct add_case add_cases[] = {
	{ "minutes", "2026-03-02T10:00:00+08:00", "30m", "2026-03-02T02:30:00Z" },
	{ "hours across midnight", "2026-03-02T23:30:00+08:00", "2h", "2026-03-02T17:30:00Z" },
	{ "hours ignore holidays", "2026-02-14T20:00:00+08:00", "8h", "2026-02-14T20:00:00Z" },
	{ "days are 24 hours, weekend or not", "2026-03-06T10:00:00+08:00", "2d",
	  "2026-03-08T02:00:00Z" },
	{ "1wd in office hours: the next working day, at close",
	  "2026-03-02T10:00:00+08:00", "1wd", "2026-03-03T09:30:00Z" },
	{ "3wd across a weekend", "2026-03-05T10:00:00+08:00", "3wd", "2026-03-10T09:30:00Z" },
	{ "1wd on a Friday", "2026-03-06T16:00:00+08:00", "1wd", "2026-03-09T09:30:00Z" },
	{ "before office hours counts that day", "2026-03-02T07:00:00+08:00", "1wd",
	  "2026-03-03T09:30:00Z" },
	{ "a minute before close counts that day", "2026-03-02T17:29:00+08:00", "1wd",
	  "2026-03-03T09:30:00Z" },
	{ "at close counts from the next day", "2026-03-02T17:30:00+08:00", "1wd",
	  "2026-03-04T09:30:00Z" },
	{ "after office hours", "2026-03-02T18:00:00+08:00", "1wd", "2026-03-04T09:30:00Z" },
	{ "after hours on a Friday", "2026-03-06T18:00:00+08:00", "1wd", "2026-03-10T09:30:00Z" },
	{ "on a Saturday", "2026-03-07T10:00:00+08:00", "1wd", "2026-03-10T09:30:00Z" },
	{ "on a holiday (春节 初一)", "2026-02-17T10:00:00+08:00", "1wd",
	  "2026-02-25T09:30:00Z" },
	{ "after hours before 春节 counts from the 调休 Saturday",
	  "2026-02-13T18:00:00+08:00", "1wd", "2026-02-24T09:30:00Z" },
	{ "across 春节 2026", "2026-02-12T10:00:00+08:00", "3wd", "2026-02-24T09:30:00Z" },
	{ "golden week 2026: 1wd", "2026-09-30T10:00:00+08:00", "1wd", "2026-10-08T09:30:00Z" },
	{ "golden week 2026: 3wd reaches the 调休 Saturday", "2026-09-30T10:00:00+08:00", "3wd",
	  "2026-10-10T09:30:00Z" },
	{ "golden week 2026 after 中秋", "2026-09-24T15:00:00+08:00", "2wd",
	  "2026-09-29T09:30:00Z" },
	{ "golden week 2025 (国庆·中秋 eight days)", "2025-09-30T10:00:00+08:00", "1wd",
	  "2025-10-09T09:30:00Z" },
	{ "new year 2026 ends on the 调休 Sunday", "2025-12-31T10:00:00+08:00", "1wd",
	  "2026-01-04T09:30:00Z" },
	{ "start given in UTC: Monday 09:00 local", "2026-03-02T01:00:00Z", "1wd",
	  "2026-03-03T09:30:00Z" },
	{ "UTC Friday 17:00 is Saturday 01:00 in Beijing", "2026-03-06T17:00:00Z", "1wd",
	  "2026-03-10T09:30:00Z" },
	{ "UTC Sunday 20:00 is Monday 04:00 in Beijing", "2026-03-08T20:00:00Z", "1wd",
	  "2026-03-10T09:30:00Z" },
	{ "a long deadline", "2026-01-05T10:00:00+08:00", "20wd", "2026-02-02T09:30:00Z" },
};

static void test_add(void **state)
{
	(void)state;
	int failed = 0;
	for (size_t i = 0; i < sizeof(add_cases) / sizeof(add_cases[0]); i++) {
		const struct add_case *k = &add_cases[i];
		time_t start;
		struct duration dur;
		assert_int_equal(clock_parse_iso(k->start, &start), 0);
		assert_int_equal(duration_parse(k->dur, &dur), 0);
		char got[32];
		clock_format_iso(calendar_add(cn, start, &dur), got, sizeof(got));
		if (strcmp(got, k->want)) {
			print_error("case '%s': %s + %s = %s, want %s\n", k->title, k->start, k->dur,
				    got, k->want);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* Other offsets and office hours, the fallback, and durations not set. */
static void test_add_other_calendars(void **state)
{
	(void)state;
	struct calendar *ny;
	char *err = parse(HEAD "utc_offset: \"-05:00\"\n"
			  "office_hours: {start: \"08:00\", end: \"16:00\"}\n"
			  "holidays:\n  - {name: Independence Day, date: 2026-07-03}\n", &ny);
	assert_string_equal(err, "");
	free(err);
	time_t t;
	struct duration dur;
	char got[32];
	/* Friday 17:00 local is after 16:00: counts from Monday, due Tuesday 16:00 */
	assert_int_equal(clock_parse_iso("2026-03-06T22:00:00Z", &t), 0);
	duration_parse("1wd", &dur);
	clock_format_iso(calendar_add(ny, t, &dur), got, sizeof(got));
	assert_string_equal(got, "2026-03-10T21:00:00Z");
	/* Thursday 2 July, 1wd: Friday 3 July is off, due Monday 6 July 16:00 */
	assert_int_equal(clock_parse_iso("2026-07-02T10:00:00-05:00", &t), 0);
	clock_format_iso(calendar_add(ny, t, &dur), got, sizeof(got));
	assert_string_equal(got, "2026-07-06T21:00:00Z");
	assert_int_equal(calendar_local_day(ny, t), day_of("2026-07-02"));
	calendar_free(ny);

	/* NULL: Monday to Friday at +08:00, so 2026-10-01 is a working day */
	assert_int_equal(clock_parse_iso("2026-09-30T10:00:00+08:00", &t), 0);
	clock_format_iso(calendar_add(NULL, t, &dur), got, sizeof(got));
	assert_string_equal(got, "2026-10-01T09:30:00Z");
	assert_int_equal(calendar_local_day(NULL, t), day_of("2026-09-30"));
	assert_int_equal(calendar_local_day(NULL, (time_t)-28801), -1);

	/* a duration that is not set leaves the time alone */
	struct duration none = { 0, DUR_WORKDAYS };
	assert_true(calendar_add(cn, t, &none) == t);
	assert_true(calendar_add(cn, t, NULL) == t);
}

/* A deadline of N working days falls N working days after its base day. */
static void test_add_agrees_with_between(void **state)
{
	(void)state;
	int failed = 0;
	time_t t;
	assert_int_equal(clock_parse_iso("2025-01-01T12:00:00+08:00", &t), 0);
	for (int i = 0; i < 730 * 3; i++, t += 8 * 3600) {
		for (long n = 1; n <= 12; n += 5) {
			struct duration dur = { n, DUR_WORKDAYS };
			time_t due = calendar_add(cn, t, &dur);
			int64_t day = calendar_local_day(cn, t);
			int64_t local_secs = ((int64_t)t + cn->utc_offset) - day * 86400;
			int64_t base = day;
			if (!calendar_is_workday(cn, day) || local_secs >= cn->office_end * 60)
				while (!calendar_is_workday(cn, ++base))
					;
			int64_t dday = calendar_local_day(cn, due);
			if (calendar_workdays_between(cn, base, dday) != n ||
			    !calendar_is_workday(cn, dday) ||
			    ((int64_t)due + cn->utc_offset) - dday * 86400 != cn->office_end * 60)
				failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* A workflow file that counts working days, with `extra` top-level lines. */
static char *wf_text(const char *extra, const char *deadline)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "kind: workflow\nid: w\nname: 测试\nform: f\n%s"
		 "steps:\n"
		 "  - id: head\n"
		 "    assignees: [{user: a.a}]\n"
		 "    remind_every: 4h\n"
		 "    deadline: %s\n", extra, deadline);
	return buf_detach(&b);
}

/*
 * Lint a workflow (and optionally a calendar) as `docket lint` does; return
 * only the diagnostics about calendars, as "file:line:col: msg" lines.
 */
static char *lint_calendar(const char *wf, const char *cal)
{
	char dir[] = "/tmp/docket-cal-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *wpath = xasprintf("%s/w.yaml", dir), *cpath = xasprintf("%s/c.yaml", dir);
	assert_int_equal(write_file_atomic(wpath, wf, strlen(wf)), 0);
	if (cal)
		assert_int_equal(write_file_atomic(cpath, cal, strlen(cal)), 0);
	struct defset set = DEFSET_INIT;
	struct diags d = DIAGS_INIT;
	defset_add_path(&set, dir, &d);
	defset_check(&set, &d);
	diags_sort(&d);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < d.n; i++)
		if (strstr(d.v[i].msg, "calendar"))
			buf_addf(&b, "%s:%d:%d: %s\n", d.v[i].file + strlen(dir) + 1, d.v[i].line,
				 d.v[i].col, d.v[i].msg);
	diags_release(&d);
	defset_release(&set);
	unlink(wpath);
	unlink(cpath);
	rmdir(dir);
	free(wpath);
	free(cpath);
	return buf_detach(&b);
}

/* defset: a workflow's calendar must exist when it counts working days. */
static void test_workflow_calendar(void **state)
{
	(void)state;
	static const char cal_cn[] = "kind: calendar\nid: cn\nname: 中国\n";
	static const char cal_office[] = "kind: calendar\nid: office\nname: 本机关\n";
	static const struct {
		const char *title, *extra, *deadline, *cal, *want;
	} cases[] = {
		{ "no calendar at all", "", "3wd", NULL,
		  "w.yaml:9:15: working-day deadlines need a calendar, and there is no "
		  "calendar 'cn'\n" },
		{ "the default calendar is given", "", "3wd", cal_cn, "" },
		{ "no working days, no calendar needed", "", "8h", NULL, "" },
		{ "named and given", "calendar: office\n", "3wd", cal_office, "" },
		{ "named with a typo", "calendar: ofice\n", "3wd", cal_office,
		  "w.yaml:5:11: working-day deadlines need a calendar, and there is no "
		  "calendar 'ofice' (did you mean 'office'?)\n" },
		{ "named, unused, missing", "calendar: office\n", "2d", cal_cn,
		  "w.yaml:5:11: unknown calendar 'office'\n" },
		{ "the default is not enough for another name", "calendar: office\n", "1wd",
		  cal_cn,
		  "w.yaml:5:11: working-day deadlines need a calendar, and there is no "
		  "calendar 'office'\n" },
	};
	int failed = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *wf = wf_text(cases[i].extra, cases[i].deadline);
		char *got = lint_calendar(wf, cases[i].cal);
		if (strcmp(got, cases[i].want)) {
			print_error("case '%s':\n got:\n%s want:\n%s", cases[i].title, got,
				    cases[i].want);
			failed++;
		}
		free(got);
		free(wf);
	}
	assert_int_equal(failed, 0);
}

int main(void)
{
	/* far from Beijing: nothing may depend on the machine's time zone */
	setenv("TZ", "America/Los_Angeles", 1);
	tzset();
	i18n_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_parsed_values),
		cmocka_unit_test(test_workdays),
		cmocka_unit_test(test_workdays_between),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_add_other_calendars),
		cmocka_unit_test(test_add_agrees_with_between),
		cmocka_unit_test(test_workflow_calendar),
	};
	return cmocka_run_group_tests_name("calendar", tests, load_cn, free_cn);
}
