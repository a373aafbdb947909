#include "clock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

int clock_parse_iso(const char *s, time_t *out)
{
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
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
			if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5)
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

time_t clock_now(void)
{
	const char *v = getenv("DOCKET_NOW");
	if (v && *v) {
		time_t t;
		if (clock_parse_iso(v, &t) < 0) {
			fprintf(stderr, _("docket: DOCKET_NOW is not an ISO 8601 time: '%s'\n"), v);
			exit(2);
		}
		return t;
	}
	return time(NULL);
}

int clock_is_fixed(void)
{
	const char *v = getenv("DOCKET_NOW");
	return v && *v;
}
