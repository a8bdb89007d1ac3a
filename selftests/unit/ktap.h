/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * KTAP output for the unit tier: every result line names the tier ("unit")
 * so that scripts/ktap-summary can merge it with the other tiers.
 */
#ifndef HVIS_UNIT_KTAP_H
#define HVIS_UNIT_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

struct ktap {
	int n;		/* results printed */
	int failed;
};

static inline void ktap_plan(struct ktap *k, int count)
{
	k->n = 0;
	k->failed = 0;
	printf("TAP version 13\n1..%d\n", count);
	fflush(stdout);
}

/* "ok N unit <what>" or "not ok N unit <what>". */
__attribute__((format(printf, 3, 4)))
static inline void ktap_result(struct ktap *k, bool ok, const char *fmt, ...)
{
	va_list ap;

	k->n++;
	if (!ok)
		k->failed++;
	printf("%sok %d unit ", ok ? "" : "not ", k->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A "# " diagnostic line. */
__attribute__((format(printf, 1, 2)))
static inline void ktap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

#endif /* HVIS_UNIT_KTAP_H */
