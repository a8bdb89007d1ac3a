/* SPDX-License-Identifier: GPL-2.0-only */
/* One guest run by hvcore: its configuration and every object that serves it. */
#ifndef HVCORE_VM_H
#define HVCORE_VM_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "gpa.h"

#define VM_DEFAULT_MEMORY_MIB	512
/* Above this, QEMU would split RAM around the PCI hole and GPA != file offset. */
#define VM_MAX_MEMORY_MIB	2048
#define VM_DEFAULT_CPUS		2
#define VM_MAX_DEVICES		64
#define VM_MAX_QEMU_ARGS	64

struct vm_config {
	const char *kernel;
	const char *initrd;
	const char *append;
	uint32_t memory_mib;
	uint32_t cpus;
	uint32_t echo_devices;
	/* --device VSP[:ARGS], in command-line order */
	const char *devices[VM_MAX_DEVICES];
	uint32_t nr_devices;
	/* --qemu-arg, appended to QEMU's command line as given */
	const char *qemu_args[VM_MAX_QEMU_ARGS];
	uint32_t nr_qemu_args;
	uint32_t vmbus_version;		/* highest offered; 0: the server's default */
	const char *ctl_path;		/* NULL: default in the runtime dir */
	const char *accel;		/* "tcg", "kvm" or "auto" */
	const char *qemu;
	const char *console;		/* "stdio" or "file:PATH" */
	const char *log_path;		/* NULL: stderr */
	bool verbose;
	bool bzimage_boot;		/* no PVH shortcut: boot --kernel as is */
};

struct backend_ops;
struct ctl;
struct evloop;
struct hvshm;
struct vmbus_server;

struct vm {
	struct vm_config cfg;
	char run_dir[PATH_MAX];		/* where hvcore's sockets live */
	char ctl_path[PATH_MAX];
	char hvshm_path[PATH_MAX];	/* ivshmem server socket */
	struct evloop *loop;
	int signal_fd;
	int signal_timer;		/* escalates a stop that takes too long */
	struct guest_mem mem;
	struct hvshm *hvshm;
	struct vmbus_server *server;
	struct ctl *ctl;
	const struct backend_ops *backend;
	void *backend_priv;
	int exit_code;
	bool stopping;
};

/* Ordered bring-up and its exact reverse (init.c). */
int vm_init(struct vm *vm);
void vm_exit(struct vm *vm);

/* Steps of that table that live in vm.c. */
int vm_paths_init(struct vm *vm);
void vm_paths_exit(struct vm *vm);
int vm_loop_init(struct vm *vm);
void vm_loop_exit(struct vm *vm);
int vm_signals_init(struct vm *vm);
void vm_signals_exit(struct vm *vm);
int vm_transport_init(struct vm *vm);
void vm_transport_exit(struct vm *vm);
int vm_server_init(struct vm *vm);
void vm_server_exit(struct vm *vm);
int vm_devices_init(struct vm *vm);
int vm_ctl_init(struct vm *vm);
void vm_ctl_exit(struct vm *vm);

/*
 * The directory hvcore puts its sockets in by default (created on demand);
 * refused (-ENOTDIR, -EPERM, logged) unless it is a directory owned by the
 * effective uid with no group or other access.  Without @create a missing
 * directory is not an error.
 */
int vm_default_run_dir(char *buf, size_t len, bool create);

/* Run the guest to its end; returns hvcore's exit status. */
int vm_run(struct vm *vm);

/* The backend saw the guest end: stop the loop with @code. */
void vm_guest_exited(struct vm *vm, int code);

/*
 * The backend reset the machine and the guest starts over: its VMBus
 * connection is gone with the kernel that made it, so stop serving its rings
 * (the next kernel reuses those pages) before that kernel runs.
 */
void vm_guest_reset(struct vm *vm);

#endif
