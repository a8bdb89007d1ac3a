// SPDX-License-Identifier: GPL-2.0-only
/* Guest-physical to host-pointer translation, bounds-checked against guest RAM. */
#include "gpa.h"

#include "hvis/types.h"

void *gpa_map(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	if (!mem || !mem->base || !len)
		return NULL;
	/* Written as two comparisons so that gpa + len cannot wrap. */
	if (gpa >= mem->size || len > mem->size - gpa)
		return NULL;
	return mem->base + gpa;
}

void *gpa_map_pfn(const struct guest_mem *mem, uint64_t pfn)
{
	/* A pfn this large would lose bits when shifted into a GPA. */
	if (pfn > (UINT64_MAX >> HVIS_PAGE_SHIFT))
		return NULL;
	return gpa_map(mem, pfn << HVIS_PAGE_SHIFT, HVIS_PAGE_SIZE);
}
