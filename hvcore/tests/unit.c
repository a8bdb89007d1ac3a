// SPDX-License-Identifier: GPL-2.0-only
/* Runs every hvcore unit test case and reports KTAP with a totals line. */
#include <stdio.h>

#include "ktap.h"

static const struct ktap_case *const ktap_suites[] = {
	gpa_cases, evloop_cases, hvshm_cases,
};

int main(void)
{
	int total = 0, passed = 0, n = 0;
	size_t s;

	for (s = 0; s < sizeof(ktap_suites) / sizeof(ktap_suites[0]); s++)
		for (const struct ktap_case *c = ktap_suites[s]; c->name; c++)
			total++;
	printf(KTAP_PREFIX "KTAP version 1\n");
	printf(KTAP_PREFIX "1..%d\n", total);
	for (s = 0; s < sizeof(ktap_suites) / sizeof(ktap_suites[0]); s++) {
		for (const struct ktap_case *c = ktap_suites[s]; c->name; c++) {
			bool ok = c->run();

			passed += ok;
			printf(KTAP_PREFIX "%s %d %s\n", ok ? "ok" : "not ok", ++n,
			       c->name);
			fflush(stdout);
		}
	}
	printf(KTAP_PREFIX "# %d passed, %d failed, 0 skipped\n", passed,
	       total - passed);
	return passed == total ? 0 : 1;
}
