/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * KTAP output for every unit-tier program: each prints one KTAP document and
 * every result line names the tier and the component ("ok 3 unit ring: ...")
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
	printf("KTAP version 1\n1..%d\n", count);
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

/*
 * Fail the enclosing bool test function, naming the check: the first failed
 * check is the one worth reading, the rest usually follow from it.
 */
#define KTAP_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			ktap_diag("%s:%d: check failed: %s", __FILE__,	\
				  __LINE__, #cond);			\
			return false;					\
		}							\
	} while (0)

/* One test of a table run by ktap_run_cases(). */
struct ktap_case {
	const char *what;
	bool (*run)(void);	/* true on pass; says why not with ktap_diag() */
};

#define KTAP_ARRAY_SIZE(a)	((int)(sizeof(a) / sizeof((a)[0])))

/*
 * Run every case of @cases as "unit <component>: <what>"; the result is the
 * program's exit status.
 */
static inline int ktap_run_cases(const char *component,
				 const struct ktap_case *cases, int count)
{
	struct ktap k;
	int i;

	ktap_plan(&k, count);
	for (i = 0; i < count; i++)
		ktap_result(&k, cases[i].run(), "%s: %s", component,
			    cases[i].what);
	return k.failed ? 1 : 0;
}

#endif /* HVIS_UNIT_KTAP_H */
