/* calendar.c: broken-down time (struct tm) and strftime, in the proleptic Gregorian
 * calendar. There is no zoneinfo in the guest and TZ is not read: local time is UTC,
 * so localtime is gmtime and mktime is timegm. Days are counted from 1970-01-01 with
 * whole 400-year eras (146097 days each), so no loop runs over years. */
#include <stdio.h>
#include <string.h>
#include <time.h>

char *tzname[2] = { "UTC", "UTC" };
long timezone;
int daylight;

void tzset(void)
{
}

static int is_leap(long long year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static const short days_before_month[2][12] = {
	{ 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 },
	{ 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335 },
};

static long long floor_div(long long a, long long b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days from 1970-01-01 to the first of January of year. */
static long long days_before_year(long long year)
{
	long long y = year - 1;
	return 365 * (year - 1970) + (floor_div(y, 4) - floor_div(y, 100) + floor_div(y, 400)) -
	       (492 - 19 + 4); /* the same count up to 1969: 492 - 19 + 4 leap days */
}

struct tm *gmtime_r(const time_t *restrict t, struct tm *restrict tm)
{
	long long secs = *t;
	long long days = floor_div(secs, 86400);
	int rem = (int)(secs - days * 86400);

	tm->tm_hour = rem / 3600;
	tm->tm_min = rem / 60 % 60;
	tm->tm_sec = rem % 60;
	tm->tm_wday = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */

	/* Whole 400-year eras, then a first guess of the year that is at most one high. */
	long long era = floor_div(days, 146097);
	long long year = 1970 + era * 400 + (days - era * 146097) * 400 / 146097;
	while (days_before_year(year) > days)
		year--;
	while (days_before_year(year + 1) <= days)
		year++;
	int yday = (int)(days - days_before_year(year));
	int leap = is_leap(year);
	int mon = 11;
	while (days_before_month[leap][mon] > yday)
		mon--;
	tm->tm_year = (int)(year - 1900);
	tm->tm_mon = mon;
	tm->tm_mday = yday - days_before_month[leap][mon] + 1;
	tm->tm_yday = yday;
	tm->tm_isdst = 0;
	tm->tm_gmtoff = 0;
	tm->tm_zone = "GMT"; /* as glibc's gmtime names it */
	return tm;
}

struct tm *gmtime(const time_t *t)
{
	static struct tm tm;
	return gmtime_r(t, &tm);
}

struct tm *localtime_r(const time_t *restrict t, struct tm *restrict tm)
{
	gmtime_r(t, tm);
	tm->tm_zone = "UTC";
	return tm;
}

struct tm *localtime(const time_t *t)
{
	static struct tm tm;
	return localtime_r(t, &tm);
}

/* Fields out of their ranges (tm_mon 14, tm_mday 0, tm_sec -1 ...) carry into the
 * next ones, and the struct is rewritten normalized, with tm_wday and tm_yday. */
time_t timegm(struct tm *tm)
{
	long long mon = tm->tm_mon;
	long long year = 1900LL + tm->tm_year + floor_div(mon, 12);
	mon -= floor_div(mon, 12) * 12;
	long long days = days_before_year(year) + days_before_month[is_leap(year)][mon] + tm->tm_mday - 1;
	long long secs = days * 86400 + tm->tm_hour * 3600LL + tm->tm_min * 60LL + tm->tm_sec;
	time_t t = (time_t)secs;
	if ((long long)t != secs)
		return (time_t)-1; /* does not fit a 32-bit time_t (EOVERFLOW in glibc) */
	gmtime_r(&t, tm);
	return t;
}

time_t mktime(struct tm *tm)
{
	time_t t = timegm(tm);
	tm->tm_zone = "UTC";
	return t;
}

static const char *const day_names[7] = { "Sunday", "Monday", "Tuesday", "Wednesday",
	                                   "Thursday", "Friday", "Saturday" };
static const char *const month_names[12] = { "January", "February", "March", "April", "May", "June",
	                                     "July", "August", "September", "October", "November",
	                                     "December" };

/* ISO 8601 week-based year and week (%G, %g, %V): weeks start on Monday, and week 1
 * is the one with the year's first Thursday. */
static int iso_week(const struct tm *tm, int *iso_year)
{
	int year = tm->tm_year + 1900;
	int wday = (tm->tm_wday + 6) % 7; /* Monday 0 */
	int week = (tm->tm_yday - wday + 10) / 7;
	if (week < 1) {
		year--;
		int prev_days = is_leap(year) ? 366 : 365;
		week = (tm->tm_yday + prev_days - wday + 10) / 7;
	} else if (week == 53) {
		int days = is_leap(year) ? 366 : 365;
		if (tm->tm_yday - wday + 3 >= days) { /* that week's Thursday is next year's */
			week = 1;
			year++;
		}
	}
	*iso_year = year;
	return week;
}

struct out {
	char *s;
	size_t max, n;
	int overflow;
};

static void put(struct out *o, const char *text)
{
	for (; *text; text++) {
		if (o->n + 1 >= o->max) {
			o->overflow = 1;
			return;
		}
		o->s[o->n++] = *text;
	}
}

static void put_number(struct out *o, long long v, int width, char pad)
{
	char buf[24];
	if (pad == '0')
		snprintf(buf, sizeof(buf), "%0*lld", width, v);
	else
		snprintf(buf, sizeof(buf), "%*lld", width, v);
	put(o, buf);
}

static void format(struct out *o, const char *fmt, const struct tm *tm)
{
	char buf[64];
	for (; *fmt && !o->overflow; fmt++) {
		if (*fmt != '%') {
			char c[2] = { *fmt, 0 };
			put(o, c);
			continue;
		}
		fmt++;
		if (*fmt == 'E' || *fmt == 'O') /* alternative representations: the same here */
			fmt++;
		int hour12 = tm->tm_hour % 12 ? tm->tm_hour % 12 : 12;
		int iso_year;
		switch (*fmt) {
		case 'a': snprintf(buf, 4, "%s", day_names[tm->tm_wday % 7]); put(o, buf); break;
		case 'A': put(o, day_names[tm->tm_wday % 7]); break;
		case 'b': case 'h': snprintf(buf, 4, "%s", month_names[tm->tm_mon % 12]); put(o, buf); break;
		case 'B': put(o, month_names[tm->tm_mon % 12]); break;
		case 'c': format(o, "%a %b %e %H:%M:%S %Y", tm); break;
		case 'C': put_number(o, (tm->tm_year + 1900LL) / 100, 2, '0'); break;
		case 'd': put_number(o, tm->tm_mday, 2, '0'); break;
		case 'D': format(o, "%m/%d/%y", tm); break;
		case 'e': put_number(o, tm->tm_mday, 2, ' '); break;
		case 'F': format(o, "%Y-%m-%d", tm); break;
		case 'g': iso_week(tm, &iso_year); put_number(o, iso_year % 100, 2, '0'); break;
		case 'G': iso_week(tm, &iso_year); put_number(o, iso_year, 1, '0'); break;
		case 'H': put_number(o, tm->tm_hour, 2, '0'); break;
		case 'I': put_number(o, hour12, 2, '0'); break;
		case 'j': put_number(o, tm->tm_yday + 1, 3, '0'); break;
		case 'k': put_number(o, tm->tm_hour, 2, ' '); break;
		case 'l': put_number(o, hour12, 2, ' '); break;
		case 'm': put_number(o, tm->tm_mon + 1, 2, '0'); break;
		case 'M': put_number(o, tm->tm_min, 2, '0'); break;
		case 'n': put(o, "\n"); break;
		case 'p': put(o, tm->tm_hour < 12 ? "AM" : "PM"); break;
		case 'P': put(o, tm->tm_hour < 12 ? "am" : "pm"); break;
		case 'r': format(o, "%I:%M:%S %p", tm); break;
		case 'R': format(o, "%H:%M", tm); break;
		case 's': {
			struct tm copy = *tm;
			put_number(o, timegm(&copy), 1, '0');
			break;
		}
		case 'S': put_number(o, tm->tm_sec, 2, '0'); break;
		case 't': put(o, "\t"); break;
		case 'T': format(o, "%H:%M:%S", tm); break;
		case 'u': put_number(o, tm->tm_wday ? tm->tm_wday : 7, 1, '0'); break;
		case 'U': put_number(o, (tm->tm_yday + 7 - tm->tm_wday) / 7, 2, '0'); break;
		case 'V': put_number(o, iso_week(tm, &iso_year), 2, '0'); break;
		case 'w': put_number(o, tm->tm_wday, 1, '0'); break;
		case 'W': put_number(o, (tm->tm_yday + 7 - (tm->tm_wday + 6) % 7) / 7, 2, '0'); break;
		case 'x': format(o, "%m/%d/%y", tm); break;
		case 'X': format(o, "%H:%M:%S", tm); break;
		case 'y': put_number(o, (tm->tm_year + 1900LL) % 100, 2, '0'); break;
		case 'Y': put_number(o, tm->tm_year + 1900LL, 1, '0'); break;
		case 'z': put(o, "+0000"); break;
		case 'Z': put(o, tm->tm_zone ? tm->tm_zone : "UTC"); break;
		case '%': put(o, "%"); break;
		case 0: fmt--; break; /* a lone % at the end */
		default: { /* unknown: copied as written */
			char c[3] = { '%', *fmt, 0 };
			put(o, c);
			break;
		}
		}
	}
}

/* The characters written (without the NUL), or 0 if they do not fit in max. */
size_t strftime(char *restrict s, size_t max, const char *restrict fmt, const struct tm *restrict tm)
{
	struct out o = { s, max, 0, 0 };
	if (max == 0)
		return 0;
	format(&o, fmt, tm);
	s[o.n] = '\0';
	return o.overflow ? 0 : o.n;
}

char *asctime_r(const struct tm *restrict tm, char *restrict buf)
{
	snprintf(buf, 26, "%.3s %.3s%3d %.2d:%.2d:%.2d %d\n", day_names[tm->tm_wday % 7],
	         month_names[tm->tm_mon % 12], tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec,
	         tm->tm_year + 1900);
	return buf;
}

char *asctime(const struct tm *tm)
{
	static char buf[26];
	return asctime_r(tm, buf);
}

char *ctime_r(const time_t *t, char *buf)
{
	struct tm tm;
	return asctime_r(gmtime_r(t, &tm), buf);
}

char *ctime(const time_t *t)
{
	static char buf[26];
	return ctime_r(t, buf);
}
