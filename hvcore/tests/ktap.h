/* SPDX-License-Identifier: GPL-2.0-only */
/* A minimal KTAP emitter for hvcore's unit tests: every line prefixed "unit hvcore: ". */
#ifndef HVCORE_TESTS_KTAP_H
#define HVCORE_TESTS_KTAP_H

#include <stdbool.h>
#include <stdio.h>

#define KTAP_PREFIX "unit hvcore: "

struct ktap_case {
	const char *name;
	/* Returns true on pass; explains a failure with ktap_fail(). */
	bool (*run)(void);
};

/* Print a diagnostic for the failing case, then evaluate to false. */
#define ktap_fail(...)							\
	(printf(KTAP_PREFIX "# %s:%d: ", __FILE__, __LINE__),		\
	 printf(__VA_ARGS__), printf("\n"), false)

#define KTAP_CHECK(cond)						\
	do {								\
		if (!(cond))						\
			return ktap_fail("check failed: %s", #cond);	\
	} while (0)

extern const struct ktap_case gpa_cases[], evloop_cases[], hvshm_cases[];

#endif
