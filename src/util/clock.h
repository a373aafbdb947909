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
/* Seconds since the epoch; exits with a clear message if DOCKET_NOW is bad. */
time_t clock_now(void);
/* Parse ISO 8601 (date, or date-time with Z / ±hh:mm; bare time = UTC). */
int clock_parse_iso(const char *s, time_t *out);
/* Format as UTC "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void clock_format_iso(time_t t, char *out, size_t n);

/* Format in local time as "YYYY-MM-DD HH:MM" (what people read). */
void clock_format_local(time_t t, char *out, size_t n);
/* The same without the year, "MM-DD HH:MM", for narrow columns. */
void clock_format_local_short(time_t t, char *out, size_t n);

#endif
