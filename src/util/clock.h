/*
 * clock: the one injectable source of time.
 *
 * Nothing in docket calls time() directly. DOCKET_NOW (ISO 8601, e.g.
 * 2026-03-02T09:30:00+08:00 or 2026-03-02T01:30:00Z) pins the clock for
 * tests and operations; otherwise the system clock is used.
 */
#ifndef DOCKET_CLOCK_H
#define DOCKET_CLOCK_H

#include <stddef.h>
#include <time.h>

/* 1 when DOCKET_NOW pins the clock (tests and demonstrations). */
int clock_is_fixed(void);
struct buf;

/*
 * The times docket's clock can take: from the epoch to the last second a
 * git commit made through libgit2 can hold (it writes commit times as
 * 32-bit unsigned numbers: 1900 became 2036, 9999 became 2106).
 */
#define CLOCK_MIN ((time_t)0)                   /* 1970-01-01T00:00:00Z */
#define CLOCK_MAX ((time_t)4294967295LL)        /* 2106-02-07T06:28:15Z */

/*
 * Is DOCKET_NOW usable? 0 when it is unset or an ISO 8601 time within
 * [CLOCK_MIN, CLOCK_MAX]; else -1 with the reason in err (it names the
 * variable and its value). Front ends call this before any work, so a bad
 * value is a clear usage error, not a failure halfway through a command.
 */
int clock_env_check(struct buf *err);
/* Seconds since the epoch; exits 2 with clock_env_check's message if DOCKET_NOW is bad. */
time_t clock_now(void);
/*
 * Parse ISO 8601 (date, or date-time with Z / ±hh:mm; bare time = UTC):
 * a four-digit year, an offset of at most 23:59.
 */
int clock_parse_iso(const char *s, time_t *out);
/* Format as UTC "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void clock_format_iso(time_t t, char *out, size_t n);

/* Format in local time as "YYYY-MM-DD HH:MM" (what people read). */
void clock_format_local(time_t t, char *out, size_t n);
/* The same without the year, "MM-DD HH:MM", for narrow columns. */
void clock_format_local_short(time_t t, char *out, size_t n);

#endif
