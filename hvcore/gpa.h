/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest physical memory as hvcore sees it: the only path from a guest address
 * to a host pointer.  Every lookup is bounds-checked against the RAM the
 * backend created; a guest value never reaches a pointer any other way.
 */
#ifndef HVCORE_GPA_H
#define HVCORE_GPA_H

#include <stddef.h>
#include <stdint.h>

struct guest_mem {
	uint8_t *base;		/* host mapping of guest RAM */
	uint64_t size;		/* bytes; GPA range is [0, size) */
	int fd;			/* the shared RAM file, kept for the backend */
};

/*
 * Map [gpa, gpa + len) to a host pointer, or NULL if any byte of it lies
 * outside guest RAM or the sum overflows.  len == 0 is rejected.
 */
void *gpa_map(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Same for a guest page frame number: one 4 KiB page. */
void *gpa_map_pfn(const struct guest_mem *mem, uint64_t pfn);

#endif
