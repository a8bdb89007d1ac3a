/* SPDX-License-Identifier: GPL-2.0-only */
/* The interface every way of running the guest (QEMU, KVM) fills in. */
#ifndef HVCORE_BACKEND_H
#define HVCORE_BACKEND_H

#include <stddef.h>

struct vm;

struct backend_ops {
	const char *name;
	/* Whether this backend can run vm->cfg here; if not, why in @why. */
	int (*probe)(struct vm *vm, char *why, size_t len);
	/* Create guest RAM and fill vm->mem; undone by mem_destroy. */
	int (*mem_create)(struct vm *vm);
	void (*mem_destroy)(struct vm *vm);
	/* Start the guest; its end is reported through vm_guest_exited(). */
	int (*start)(struct vm *vm);
	/* Ask the guest to go away now (a signal reached hvcore); returns at once. */
	void (*stop)(struct vm *vm);
	/* Make sure it is gone (kill and reap) and free what start made. */
	void (*destroy)(struct vm *vm);
};

extern const struct backend_ops backend_qemu;

/* Every backend, in order of preference. */
extern const struct backend_ops *const backends[];

#endif
