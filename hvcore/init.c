// SPDX-License-Identifier: GPL-2.0-only
/* hvcore's bring-up order as one table, undone in exact reverse on failure and at exit. */
#include <errno.h>
#include <string.h>

#include "backend/backend.h"
#include "log.h"
#include "vm.h"

/*
 * A step whose init fails must leave nothing behind: its exit runs only
 * once its init has succeeded, so the unwind below starts with the step
 * before the failing one.
 */
struct vm_init_step {
	const char *name;
	int (*init)(struct vm *vm);
	void (*exit)(struct vm *vm);	/* NULL: nothing to undo */
};

static int vm_backend_init(struct vm *vm)
{
	char why[256] = "";
	int err;

	/* One backend today; the table is where the kvm one goes. */
	vm->backend = backends[0];
	err = vm->backend->probe(vm, why, sizeof(why));
	if (err)
		log_msg("backend %s cannot run: %s", vm->backend->name, why);
	return err;
}

static int vm_mem_init(struct vm *vm)
{
	return vm->backend->mem_create(vm);
}

static void vm_mem_exit(struct vm *vm)
{
	vm->backend->mem_destroy(vm);
}

static int vm_guest_init(struct vm *vm)
{
	return vm->backend->start(vm);
}

static void vm_guest_exit(struct vm *vm)
{
	vm->backend->destroy(vm);
}

static const struct vm_init_step vm_init_steps[] = {
	{ "runtime paths",	vm_paths_init,		vm_paths_exit },
	{ "event loop",		vm_loop_init,		vm_loop_exit },
	{ "backend",		vm_backend_init,	NULL },
	{ "signals",		vm_signals_init,	vm_signals_exit },
	{ "guest memory",	vm_mem_init,		vm_mem_exit },
	{ "hvshm transport",	vm_transport_init,	vm_transport_exit },
	{ "vmbus server",	vm_server_init,		vm_server_exit },
	{ "devices",	vm_devices_init,	NULL },
	{ "control socket",	vm_ctl_init,		vm_ctl_exit },
	{ "guest",		vm_guest_init,		vm_guest_exit },
};

#define VM_NR_STEPS (sizeof(vm_init_steps) / sizeof(vm_init_steps[0]))

static void vm_unwind(struct vm *vm, size_t done)
{
	while (done--) {
		const struct vm_init_step *step = &vm_init_steps[done];

		log_debug("exit: %s", step->name);
		if (step->exit)
			step->exit(vm);
	}
}

int vm_init(struct vm *vm)
{
	size_t i;

	for (i = 0; i < VM_NR_STEPS; i++) {
		int err;

		log_debug("init: %s", vm_init_steps[i].name);
		err = vm_init_steps[i].init(vm);
		if (err) {
			log_msg("%s: %s", vm_init_steps[i].name,
				strerror(err < 0 ? -err : EIO));
			vm_unwind(vm, i);
			return err;
		}
	}
	return 0;
}

void vm_exit(struct vm *vm)
{
	vm_unwind(vm, VM_NR_STEPS);
}
