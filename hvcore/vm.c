// SPDX-License-Identifier: GPL-2.0-only
/* The pieces of a running guest that are not a backend: paths, loop, signals, transport, server. */
#include "vm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include "backend/backend.h"
#include "ctl.h"
#include "evloop.h"
#include "hvshm.h"
#include "log.h"
#include "vmbus/server.h"

/*
 * The directory holds the control socket (which can stop the guest and add
 * devices) and the ivshmem socket: anyone who could write it could plant
 * sockets of their own.  /tmp/hvcore-<uid> in particular may have been
 * created by another user first, so accept only a real directory (not a
 * symlink) owned by us that nobody else can enter.
 */
static int vm_run_dir_check(const char *dir, bool create)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		if (errno == ENOENT && !create)
			return 0;	/* nothing running; the caller says so */
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_msg("runtime directory %s is not a directory (a symlink?): refusing it",
			dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		log_msg("runtime directory %s is owned by uid %u with mode %03o, not by uid %u with mode 700: refusing it; remove it or set XDG_RUNTIME_DIR",
			dir, (unsigned int)st.st_uid,
			(unsigned int)(st.st_mode & 0777),
			(unsigned int)geteuid());
		return -EPERM;
	}
	return 0;
}

int vm_default_run_dir(char *buf, size_t len, bool create)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (xdg && *xdg)
		n = snprintf(buf, len, "%s/hvcore", xdg);
	else if (!geteuid())
		n = snprintf(buf, len, "/run/hvcore");
	else
		n = snprintf(buf, len, "/tmp/hvcore-%u", (unsigned int)geteuid());
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (create && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return vm_run_dir_check(buf, create);
}

int vm_paths_init(struct vm *vm)
{
	int err, n, pid = (int)getpid();

	err = vm_default_run_dir(vm->run_dir, sizeof(vm->run_dir), true);
	if (err) {
		log_msg("runtime directory %s: %s", vm->run_dir, strerror(-err));
		return err;
	}
	if (vm->cfg.ctl_path)
		n = snprintf(vm->ctl_path, sizeof(vm->ctl_path), "%s",
			     vm->cfg.ctl_path);
	else
		n = snprintf(vm->ctl_path, sizeof(vm->ctl_path), "%s/%d.sock",
			     vm->run_dir, pid);
	if (n >= (int)sizeof(vm->ctl_path) ||
	    snprintf(vm->hvshm_path, sizeof(vm->hvshm_path), "%s/%d.ivshmem",
		     vm->run_dir, pid) >= (int)sizeof(vm->hvshm_path))
		return -ENAMETOOLONG;
	return 0;
}

void vm_paths_exit(struct vm *vm)
{
	/* Each socket's owner unlinks it; the shared directory stays. */
	(void)vm;
}

int vm_loop_init(struct vm *vm)
{
	vm->loop = evloop_create();
	return vm->loop ? 0 : -ENOMEM;
}

void vm_loop_exit(struct vm *vm)
{
	evloop_destroy(vm->loop);
	vm->loop = NULL;
}

static void vm_signal_cb(void *opaque, uint32_t events)
{
	struct vm *vm = opaque;
	struct signalfd_siginfo si;
	int signo;

	(void)events;
	if (read(vm->signal_fd, &si, sizeof(si)) != sizeof(si))
		return;
	signo = (int)si.ssi_signo;
	log_msg("caught signal %d, stopping the guest", signo);
	if (!vm->stopping) {
		vm->stopping = true;
		vm->exit_code = 128 + signo;
	}
	vm->backend->stop(vm);
}

/*
 * Termination signals arrive through a signalfd on the loop, so cleanup
 * runs in ordinary code rather than in a handler; the mask is inherited
 * across fork and the QEMU child clears it before exec.
 */
int vm_signals_init(struct vm *vm)
{
	sigset_t set;
	int err;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	vm->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (vm->signal_fd < 0) {
		err = -errno;
		goto err_unblock;
	}
	err = evloop_add_fd(vm->loop, vm->signal_fd, EPOLLIN, vm_signal_cb, vm);
	if (err)
		goto err_close_signalfd;
	return 0;

err_close_signalfd:
	close(vm->signal_fd);
err_unblock:
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return err;
}

void vm_signals_exit(struct vm *vm)
{
	sigset_t set;

	evloop_del_fd(vm->loop, vm->signal_fd);
	close(vm->signal_fd);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int vm_transport_init(struct vm *vm)
{
	vm->hvshm = hvshm_create(vm->loop, vm->hvshm_path, vm->cfg.cpus);
	return vm->hvshm ? 0 : -EIO;
}

void vm_transport_exit(struct vm *vm)
{
	hvshm_destroy(vm->hvshm);
	vm->hvshm = NULL;
}

/* QEMU dropped the ivshmem socket: whatever the guest had set up is gone. */
static void vm_transport_gone(void *opaque)
{
	struct vm *vm = opaque;

	vmbus_server_reset(vm->server);
}

int vm_server_init(struct vm *vm)
{
	vm->server = vmbus_server_create(vm->loop, &vm->mem,
					 hvshm_transport(vm->hvshm));
	if (!vm->server)
		return -ENOMEM;
	/* Checked when parsed: a known version cannot be refused here. */
	if (vm->cfg.vmbus_version)
		vmbus_server_set_max_version(vm->server, vm->cfg.vmbus_version);
	hvshm_set_disconnect_cb(vm->hvshm, vm_transport_gone, vm);
	return 0;
}

void vm_server_exit(struct vm *vm)
{
	hvshm_set_disconnect_cb(vm->hvshm, NULL, NULL);
	vmbus_server_destroy(vm->server);
	vm->server = NULL;
}

int vm_devices_init(struct vm *vm)
{
	uint32_t i;

	for (i = 0; i < vm->cfg.echo_devices; i++) {
		int relid = vmbus_server_add_device(vm->server, "echo", NULL);

		if (relid < 0) {
			log_msg("echo device %u: %s", i, strerror(-relid));
			return relid;
		}
		log_debug("echo device %u at relid %d", i, relid);
	}
	for (i = 0; i < vm->cfg.nr_devices; i++) {
		const char *spec = vm->cfg.devices[i];
		const char *colon = strchr(spec, ':');
		size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
		char name[32];
		int relid;

		if (n >= sizeof(name)) {
			log_msg("--device %s: no such VSP", spec);
			return -EINVAL;
		}
		memcpy(name, spec, n);
		name[n] = '\0';
		relid = vmbus_server_add_device(vm->server, name,
						colon ? colon + 1 : NULL);
		if (relid < 0) {
			log_msg("--device %s: %s", spec, strerror(-relid));
			return relid;
		}
		log_msg("device %s at relid %d", name, relid);
	}
	return 0;
}

int vm_ctl_init(struct vm *vm)
{
	vm->ctl = ctl_create(vm->loop, vm->ctl_path, vm->server);
	if (!vm->ctl)
		return -EIO;
	log_msg("control socket %s", vm->ctl_path);
	return 0;
}

void vm_ctl_exit(struct vm *vm)
{
	ctl_destroy(vm->ctl);
	vm->ctl = NULL;
}

void vm_guest_exited(struct vm *vm, int code)
{
	evloop_stop(vm->loop, code);
}

void vm_guest_reset(struct vm *vm)
{
	log_msg("guest reset: its VMBus connection is dropped");
	vmbus_server_reset(vm->server);
}

int vm_run(struct vm *vm)
{
	int code = evloop_run(vm->loop);

	if (code < 0) {
		log_msg("event loop: %s", strerror(-code));
		code = 1;
	}
	/* The guest is gone: its connection state with it. */
	vmbus_server_reset(vm->server);
	return code;
}
