#include "clock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "i18n.h"

int clock_parse_iso(const char *s, time_t *out)
{
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
	/* four digits of year: sscanf would also take "-001" or "+123" */
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)s[i]))
			return -1;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	const char *p = s + n;
	long off = 0;
	if (*p == 'T' || *p == ' ') {
		int m = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5)
			return -1;
		p += 1 + m;
		if (*p == ':') {
			if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
				return -1;
			se = (p[1] - '0') * 10 + (p[2] - '0');
			p += 3;
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om, k = 0;
			if (!isdigit((unsigned char)p[1]) || sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 ||
			    oh > 23 || om > 59)
				return -1;
			off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
			p += 1 + k;
		}
	}
	if (*p)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	struct tm tm = { 0 };
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	time_t t = timegm(&tm);
	struct tm chk;
	gmtime_r(&t, &chk);
	if (chk.tm_mday != d)
		return -1; /* 2026-02-30 */
	*out = t - off;
	return 0;
}

void clock_format_iso(time_t t, char *out, size_t n)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void clock_format_local(time_t t, char *out, size_t n)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

void clock_format_local_short(time_t t, char *out, size_t n)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, n, "%m-%d %H:%M", &tm);
}

int clock_env_check(struct buf *err)
{
	const char *v = getenv("DOCKET_NOW");
	time_t t;
	if (!v || !*v)
		return 0;
	if (clock_parse_iso(v, &t) < 0) {
		buf_addf(err, _("DOCKET_NOW is not an ISO 8601 time: '%s' (give e.g. 2026-03-02T09:30:00+08:00)"), v);
		return -1;
	}
	if (t < CLOCK_MIN || t > CLOCK_MAX) {
		buf_addf(err, _("DOCKET_NOW is out of range: '%s' (docket's clock runs from 1970-01-01T00:00:00Z to 2106-02-07T06:28:15Z)"),
			 v);
		return -1;
	}
	return 0;
}

time_t clock_now(void)
{
	const char *v = getenv("DOCKET_NOW");
	if (v && *v) {
		time_t t;
		struct buf err = BUF_INIT;
		if (clock_env_check(&err) < 0) {
			/* front ends checked first; a library caller gets the same words */
			fprintf(stderr, "docket: %s\n", err.s);
			exit(2);
		}
		buf_release(&err);
		clock_parse_iso(v, &t);
		return t;
	}
	return time(NULL);
}

int clock_is_fixed(void)
{
	const char *v = getenv("DOCKET_NOW");
	return v && *v;
}
