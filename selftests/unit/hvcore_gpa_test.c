// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of hvcore/gpa.c: every edge of the guest RAM range and every overflow. */
#include <stdint.h>

#include "gpa.h"
#include "ktap.h"

static uint8_t gpa_test_ram[4 * 4096];
static const struct guest_mem gpa_test_mem = {
	.base = gpa_test_ram, .size = sizeof(gpa_test_ram), .fd = -1,
};

static bool gpa_test_bounds(void)
{
	const struct guest_mem *m = &gpa_test_mem;

	KTAP_CHECK(gpa_map(m, 0, 1) == gpa_test_ram);
	KTAP_CHECK(gpa_map(m, 0, m->size) == gpa_test_ram);
	KTAP_CHECK(gpa_map(m, m->size - 1, 1) == gpa_test_ram + m->size - 1);
	KTAP_CHECK(!gpa_map(m, m->size - 1, 2));
	KTAP_CHECK(!gpa_map(m, m->size, 1));
	KTAP_CHECK(!gpa_map(m, 0, m->size + 1));
	KTAP_CHECK(!gpa_map(m, 0, 0));
	KTAP_CHECK(!gpa_map(NULL, 0, 1));
	return true;
}

static bool gpa_test_overflow(void)
{
	const struct guest_mem *m = &gpa_test_mem;

	/* gpa + len wraps to a small value: must not look in range. */
	KTAP_CHECK(!gpa_map(m, UINT64_MAX, 2));
	KTAP_CHECK(!gpa_map(m, 16, UINT64_MAX));
	KTAP_CHECK(!gpa_map(m, UINT64_MAX - 15, 32));
	return true;
}

static bool gpa_test_pfn(void)
{
	const struct guest_mem *m = &gpa_test_mem;

	KTAP_CHECK(gpa_map_pfn(m, 0) == gpa_test_ram);
	KTAP_CHECK(gpa_map_pfn(m, 3) == gpa_test_ram + 3 * 4096);
	KTAP_CHECK(!gpa_map_pfn(m, 4));
	/* Shifting these left by 12 would drop the high bits onto a valid GPA. */
	KTAP_CHECK(!gpa_map_pfn(m, 1ull << 52));
	KTAP_CHECK(!gpa_map_pfn(m, UINT64_MAX));
	return true;
}

static const struct ktap_case gpa_test_cases[] = {
	{ "bounds of the RAM range", gpa_test_bounds },
	{ "gpa + len overflow rejected", gpa_test_overflow },
	{ "PFN mapping and shifted-out high bits", gpa_test_pfn },
};

int main(void)
{
	return ktap_run_cases("hvcore-gpa", gpa_test_cases,
			      KTAP_ARRAY_SIZE(gpa_test_cases));
}
