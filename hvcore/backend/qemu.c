// SPDX-License-Identifier: GPL-2.0-only
/* The qemu backend: Debian's qemu-system-x86_64 with shared RAM and hvcore as its ivshmem server. */
#include "backend/backend.h"
#include "backend/kvm_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "evloop.h"
#include "hvshm.h"
#include "kernel.h"
#include "log.h"
#include "vm.h"

/*
 * Added before the user's --append.  console=ttyS0 because -nodefaults leaves
 * only the serial port; panic=-1 turns a panic into a reset, which -no-reboot
 * turns into QEMU exiting (reported as "guest-reset", not a clean poweroff).
 * The rest skips probing that costs seconds under TCG and finds nothing here:
 * the i8042 controller, and the 8250 ports beyond the first.
 */
#define QEMU_BASE_CMDLINE \
	"console=ttyS0 panic=-1 i8042.noaux i8042.nokbd i8042.nopnp " \
	"8250.nr_uarts=1 no_timer_check"

#define QEMU_KILL_DELAY_NS	5000000000ull
#define QEMU_MAX_ARGS		(64 + VM_MAX_QEMU_ARGS)

struct qemu {
	char ram_path[PATH_MAX];
	char vmlinux[PATH_MAX];		/* PVH image, or "" to boot the bzImage */
	char qmp_path[PATH_MAX];
	int ram_fd;
	pid_t pid;
	int pidfd;
	int qmp_listen_fd;
	int qmp_fd;
	char qmp_buf[4096];
	size_t qmp_len;
	char shutdown_reason[32];	/* from QMP's SHUTDOWN event */
	int kill_timer;
	bool use_kvm;
};

static bool qemu_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/*
 * Resolves --accel auto here, once, into "kvm" or "tcg": only a KVM that can
 * run a vCPU counts, because QEMU started on one that cannot aborts with an
 * assertion instead of an error.
 */
static int qemu_probe(struct vm *vm, char *why, size_t len)
{
	struct vm_config *cfg = &vm->cfg;
	char kvm_why[192];

	if (!qemu_in_path(cfg->qemu)) {
		snprintf(why, len, "%s not found", cfg->qemu);
		return -ENOENT;
	}
	if (!strcmp(cfg->accel, "kvm")) {
		if (kvm_probe(kvm_why, sizeof(kvm_why))) {
			snprintf(why, len,
				 "--accel kvm, but KVM cannot run a guest here: %s. Use --accel tcg or auto",
				 kvm_why);
			return -ENODEV;
		}
	} else if (!strcmp(cfg->accel, "auto")) {
		if (kvm_probe(kvm_why, sizeof(kvm_why))) {
			log_debug("qemu: --accel auto chose tcg: %s", kvm_why);
			cfg->accel = "tcg";
		} else {
			log_debug("qemu: --accel auto chose kvm: /dev/kvm ran a test vCPU");
			cfg->accel = "kvm";
		}
	} else if (strcmp(cfg->accel, "tcg")) {
		snprintf(why, len, "unknown accelerator '%s'", cfg->accel);
		return -EINVAL;
	}
	return 0;
}

static int qemu_mem_create(struct vm *vm)
{
	struct qemu *q = calloc(1, sizeof(*q));
	uint64_t size = (uint64_t)vm->cfg.memory_mib << 20;
	int err;

	if (!q)
		return -ENOMEM;
	q->ram_fd = q->pidfd = q->qmp_listen_fd = q->qmp_fd = -1;
	q->pid = -1;
	vm->backend_priv = q;
	snprintf(q->ram_path, sizeof(q->ram_path), "/dev/shm/hvcore-%d.ram",
		 (int)getpid());
	q->ram_fd = open(q->ram_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			 0600);
	if (q->ram_fd < 0) {
		err = -errno;
		log_msg("qemu: %s: %s", q->ram_path, strerror(errno));
		goto err_free_q;
	}
	/*
	 * QEMU opens the file as /proc/self/fd/N, so the name can go now and
	 * no exit path, not even SIGKILL, leaves guest RAM behind in /dev/shm.
	 */
	unlink(q->ram_path);
	if (ftruncate(q->ram_fd, (off_t)size) < 0) {
		err = -errno;
		log_msg("qemu: cannot size guest RAM: %s", strerror(errno));
		goto err_close_ram;
	}
	vm->mem.base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			    q->ram_fd, 0);
	if (vm->mem.base == MAP_FAILED) {
		err = -errno;
		vm->mem.base = NULL;
		goto err_close_ram;
	}
	vm->mem.size = size;
	vm->mem.fd = q->ram_fd;
	return 0;

err_close_ram:
	close(q->ram_fd);
err_free_q:
	free(q);
	vm->backend_priv = NULL;
	return err;
}

static void qemu_mem_destroy(struct vm *vm)
{
	struct qemu *q = vm->backend_priv;

	if (vm->mem.base)
		munmap(vm->mem.base, vm->mem.size);
	vm->mem.base = NULL;
	vm->mem.size = 0;
	vm->mem.fd = -1;
	if (q) {
		close(q->ram_fd);
		free(q);
	}
	vm->backend_priv = NULL;
}

/*
 * QMP tells why QEMU is exiting, which its exit status alone cannot, and
 * when it reset the machine (a reboot when the guest runs with
 * -action reboot=reset), which nothing on the ivshmem side shows.
 */
static void qemu_qmp_line(struct vm *vm, struct qemu *q, const char *line)
{
	const char *r;
	size_t n;

	if (strstr(line, "\"QMP\"")) {
		static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\n";

		if (send(q->qmp_fd, caps, sizeof(caps) - 1, MSG_NOSIGNAL) < 0)
			log_msg("qemu: QMP: %s", strerror(errno));
		return;
	}
	if (strstr(line, "\"RESET\"")) {
		vm_guest_reset(vm);
		return;
	}
	if (!strstr(line, "\"SHUTDOWN\""))
		return;
	r = strstr(line, "\"reason\"");
	if (!r)
		return;
	r += strlen("\"reason\"");
	r += strspn(r, " :");
	if (*r++ != '"')
		return;
	n = strcspn(r, "\"");
	if (n >= sizeof(q->shutdown_reason))
		n = sizeof(q->shutdown_reason) - 1;
	memcpy(q->shutdown_reason, r, n);
	q->shutdown_reason[n] = '\0';
	log_debug("qemu: shutdown, reason %s", q->shutdown_reason);
}

static void qemu_qmp_close(struct vm *vm, struct qemu *q)
{
	if (q->qmp_fd < 0)
		return;
	evloop_del_fd(vm->loop, q->qmp_fd);
	close(q->qmp_fd);
	q->qmp_fd = -1;
}

static void qemu_qmp_cb(void *opaque, uint32_t events)
{
	struct vm *vm = opaque;
	struct qemu *q = vm->backend_priv;
	ssize_t n;
	char *nl;

	(void)events;
	n = recv(q->qmp_fd, q->qmp_buf + q->qmp_len,
		 sizeof(q->qmp_buf) - 1 - q->qmp_len, MSG_DONTWAIT);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		qemu_qmp_close(vm, q);
		return;
	}
	q->qmp_len += (size_t)n;
	q->qmp_buf[q->qmp_len] = '\0';
	while ((nl = strchr(q->qmp_buf, '\n'))) {
		*nl = '\0';
		qemu_qmp_line(vm, q, q->qmp_buf);
		q->qmp_len -= (size_t)(nl + 1 - q->qmp_buf);
		memmove(q->qmp_buf, nl + 1, q->qmp_len + 1);
	}
	/* A line longer than the buffer is a reply we do not need. */
	if (q->qmp_len == sizeof(q->qmp_buf) - 1)
		q->qmp_len = 0;
}

static void qemu_qmp_accept_cb(void *opaque, uint32_t events)
{
	struct vm *vm = opaque;
	struct qemu *q = vm->backend_priv;
	int fd;

	(void)events;
	fd = accept4(q->qmp_listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (q->qmp_fd >= 0 ||
	    evloop_add_fd(vm->loop, fd, EPOLLIN, qemu_qmp_cb, vm)) {
		close(fd);
		return;
	}
	q->qmp_fd = fd;
}

static int qemu_qmp_listen(struct vm *vm, struct qemu *q)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err;

	if (snprintf(q->qmp_path, sizeof(q->qmp_path), "%s/%d.qmp",
		     vm->run_dir, (int)getpid()) >= (int)sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, q->qmp_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(q->qmp_path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 1) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	err = evloop_add_fd(vm->loop, fd, EPOLLIN, qemu_qmp_accept_cb, vm);
	if (err) {
		close(fd);
		unlink(q->qmp_path);
		return err;
	}
	q->qmp_listen_fd = fd;
	return 0;
}

/* What hvcore returns once QEMU has exited with wait status @status. */
static int qemu_exit_code(struct vm *vm, struct qemu *q, int status)
{
	if (vm->stopping)
		return vm->exit_code;
	if (!strcmp(q->shutdown_reason, "guest-shutdown") &&
	    WIFEXITED(status) && !WEXITSTATUS(status)) {
		log_msg("guest powered off");
		return 0;
	}
	if (!strcmp(q->shutdown_reason, "guest-reset")) {
		log_msg("guest reset (reboot or panic) with -no-reboot");
		return 1;
	}
	if (q->shutdown_reason[0])
		log_msg("QEMU shut down: %s", q->shutdown_reason);
	if (WIFSIGNALED(status)) {
		log_msg("QEMU killed by signal %d", WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	if (WEXITSTATUS(status))
		log_msg("QEMU exited with status %d", WEXITSTATUS(status));
	else if (!q->shutdown_reason[0])
		log_msg("QEMU exited without saying why");
	return WEXITSTATUS(status) ? WEXITSTATUS(status) : 1;
}

static void qemu_reap(struct vm *vm, struct qemu *q)
{
	int status = 0;

	if (q->pid <= 0)
		return;
	while (waitpid(q->pid, &status, 0) < 0 && errno == EINTR)
		;
	q->pid = -1;
	if (q->pidfd >= 0) {
		evloop_del_fd(vm->loop, q->pidfd);
		close(q->pidfd);
		q->pidfd = -1;
	}
	if (q->kill_timer)
		evloop_del_timer(vm->loop, q->kill_timer);
	q->kill_timer = 0;
	/* Events QEMU sent just before exiting may still be unread. */
	if (q->qmp_fd >= 0)
		qemu_qmp_cb(vm, EPOLLIN);
	vm_guest_exited(vm, qemu_exit_code(vm, q, status));
}

static void qemu_pidfd_cb(void *opaque, uint32_t events)
{
	struct vm *vm = opaque;

	(void)events;
	qemu_reap(vm, vm->backend_priv);
}

static void qemu_add_arg(char **argv, int *argc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void qemu_add_arg(char **argv, int *argc, const char *fmt, ...)
{
	va_list ap;

	if (*argc >= QEMU_MAX_ARGS - 1)
		return;
	va_start(ap, fmt);
	if (vasprintf(&argv[*argc], fmt, ap) >= 0)
		(*argc)++;
	va_end(ap);
}

static int qemu_build_argv(struct vm *vm, struct qemu *q, char **argv)
{
	const struct vm_config *cfg = &vm->cfg;
	int argc = 0;
	uint32_t i;

	/* qemu_probe() has turned "auto" into "kvm" or "tcg". */
	q->use_kvm = !strcmp(cfg->accel, "kvm");
	qemu_add_arg(argv, &argc, "%s", cfg->qemu);
	qemu_add_arg(argv, &argc, "-name");
	qemu_add_arg(argv, &argc, "hvcore-%d", (int)getpid());
	qemu_add_arg(argv, &argc, "-nodefaults");
	qemu_add_arg(argv, &argc, "-no-user-config");
	qemu_add_arg(argv, &argc, "-display");
	qemu_add_arg(argv, &argc, "none");
	qemu_add_arg(argv, &argc, "-no-reboot");
	qemu_add_arg(argv, &argc, "-accel");
	/* MTTCG runs each vCPU on its own host thread instead of round-robin. */
	qemu_add_arg(argv, &argc, "%s", q->use_kvm ? "kvm" :
		     cfg->cpus > 1 ? "tcg,thread=multi" : "tcg");
	qemu_add_arg(argv, &argc, "-cpu");
	qemu_add_arg(argv, &argc, "%s", q->use_kvm ? "host" : "max");
	qemu_add_arg(argv, &argc, "-machine");
	qemu_add_arg(argv, &argc, "q35,memory-backend=ram");
	/*
	 * A Hyper-V VM offers no ACPI sleep states unless hibernation is
	 * configured for it, and the in-tree drivers read S4 as that
	 * (hv_is_hibernation_supported()): with it, hv_balloon ignores
	 * balloon and hot-add requests.
	 */
	qemu_add_arg(argv, &argc, "-global");
	qemu_add_arg(argv, &argc, "ICH9-LPC.disable_s3=1");
	qemu_add_arg(argv, &argc, "-global");
	qemu_add_arg(argv, &argc, "ICH9-LPC.disable_s4=1");
	qemu_add_arg(argv, &argc, "-m");
	qemu_add_arg(argv, &argc, "%uM", cfg->memory_mib);
	qemu_add_arg(argv, &argc, "-smp");
	qemu_add_arg(argv, &argc, "%u", cfg->cpus);
	qemu_add_arg(argv, &argc, "-object");
	qemu_add_arg(argv, &argc,
		     "memory-backend-file,id=ram,size=%uM,mem-path=/proc/self/fd/%d,share=on",
		     cfg->memory_mib, q->ram_fd);
	qemu_add_arg(argv, &argc, "-chardev");
	qemu_add_arg(argv, &argc, "socket,id=hvshm,path=%s", vm->hvshm_path);
	qemu_add_arg(argv, &argc, "-device");
	qemu_add_arg(argv, &argc, "ivshmem-doorbell,chardev=hvshm,vectors=%u",
		     hvshm_nr_vectors(vm->hvshm));
	qemu_add_arg(argv, &argc, "-chardev");
	qemu_add_arg(argv, &argc, "socket,id=qmp,path=%s", q->qmp_path);
	qemu_add_arg(argv, &argc, "-mon");
	qemu_add_arg(argv, &argc, "chardev=qmp,mode=control");
	qemu_add_arg(argv, &argc, "-serial");
	if (!strncmp(cfg->console, "file:", 5))
		qemu_add_arg(argv, &argc, "file:%s", cfg->console + 5);
	else
		qemu_add_arg(argv, &argc, "stdio");
	qemu_add_arg(argv, &argc, "-kernel");
	qemu_add_arg(argv, &argc, "%s", q->vmlinux[0] ? q->vmlinux : cfg->kernel);
	if (cfg->initrd) {
		qemu_add_arg(argv, &argc, "-initrd");
		qemu_add_arg(argv, &argc, "%s", cfg->initrd);
	}
	qemu_add_arg(argv, &argc, "-append");
	qemu_add_arg(argv, &argc, "%s%s%s", QEMU_BASE_CMDLINE,
		     cfg->append ? " " : "", cfg->append ? cfg->append : "");
	for (i = 0; i < cfg->nr_qemu_args; i++)
		qemu_add_arg(argv, &argc, "%s", cfg->qemu_args[i]);
	argv[argc] = NULL;
	return argc;
}

static void qemu_free_argv(char **argv)
{
	for (; *argv; argv++)
		free(*argv);
}

static void qemu_exec_child(struct qemu *q, char **argv)
{
	sigset_t none;

	/* QEMU must not outlive hvcore, even one killed with SIGKILL. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* The RAM fd is the one hvcore fd QEMU inherits (/proc/self/fd/N). */
	fcntl(q->ram_fd, F_SETFD, 0);
	execvp(argv[0], argv);
	fprintf(stderr, "hvcore: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void qemu_destroy(struct vm *vm);

/* On failure nothing is left: QEMU killed and reaped, QMP socket gone. */
static int qemu_start(struct vm *vm)
{
	struct qemu *q = vm->backend_priv;
	char *argv[QEMU_MAX_ARGS];
	pid_t parent = getpid();
	int i, err;

	err = qemu_qmp_listen(vm, q);
	if (err)
		return err;
	/*
	 * Under TCG a bzImage spends seconds decompressing itself; the same
	 * kernel as an ELF boots through QEMU's PVH entry and skips that.
	 */
	if (!vm->cfg.bzimage_boot) {
		err = kernel_pvh_image(vm->cfg.kernel, q->vmlinux,
				       sizeof(q->vmlinux));
		if (err) {
			log_debug("qemu: booting %s as is (%s)", vm->cfg.kernel,
				  strerror(-err));
			q->vmlinux[0] = '\0';
		}
	}
	qemu_build_argv(vm, q, argv);
	if (log_verbose()) {
		char line[4096] = "qemu:";
		size_t n = strlen(line);

		for (i = 0; argv[i] && n < sizeof(line); i++)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
					      " %s", argv[i]);
		log_debug("%s", line);
	}
	q->pid = fork();
	if (q->pid < 0) {
		err = -errno;
		goto err_free_argv;
	}
	if (!q->pid) {
		if (getppid() != parent)
			_exit(127);
		qemu_exec_child(q, argv);
	}
	qemu_free_argv(argv);
	q->pidfd = (int)syscall(SYS_pidfd_open, q->pid, 0);
	if (q->pidfd < 0) {
		err = -errno;
		log_msg("qemu: pidfd_open: %s", strerror(errno));
		goto err_destroy;
	}
	err = evloop_add_fd(vm->loop, q->pidfd, EPOLLIN, qemu_pidfd_cb, vm);
	if (err)
		goto err_destroy;
	log_msg("started %s (pid %d, %s, %u MiB, %u vCPUs)", vm->cfg.qemu,
		(int)q->pid, q->use_kvm ? "kvm" : "tcg", vm->cfg.memory_mib,
		vm->cfg.cpus);
	return 0;

err_free_argv:
	qemu_free_argv(argv);
err_destroy:
	/* Idempotent: kills and reaps QEMU if it runs, closes the QMP socket. */
	qemu_destroy(vm);
	return err;
}

static uint64_t qemu_kill_timer_cb(void *opaque)
{
	struct vm *vm = opaque;
	struct qemu *q = vm->backend_priv;

	q->kill_timer = 0;
	if (q->pid > 0) {
		log_msg("QEMU did not stop in time, killing it");
		kill(q->pid, SIGKILL);
	}
	return 0;
}

static void qemu_stop(struct vm *vm)
{
	struct qemu *q = vm->backend_priv;
	int id;

	if (!q || q->pid <= 0)
		return;
	if (q->kill_timer) {
		/* Asked twice: stop waiting. */
		kill(q->pid, SIGKILL);
		return;
	}
	kill(q->pid, SIGTERM);
	id = evloop_add_timer(vm->loop, QEMU_KILL_DELAY_NS, qemu_kill_timer_cb,
			      vm);
	q->kill_timer = id > 0 ? id : 0;
}

static void qemu_destroy(struct vm *vm)
{
	struct qemu *q = vm->backend_priv;

	if (!q)
		return;
	if (q->pid > 0) {
		kill(q->pid, SIGKILL);
		qemu_reap(vm, q);
	}
	if (q->pidfd >= 0) {
		evloop_del_fd(vm->loop, q->pidfd);
		close(q->pidfd);
		q->pidfd = -1;
	}
	qemu_qmp_close(vm, q);
	if (q->qmp_listen_fd >= 0) {
		evloop_del_fd(vm->loop, q->qmp_listen_fd);
		close(q->qmp_listen_fd);
		unlink(q->qmp_path);
		q->qmp_listen_fd = -1;
	}
}

const struct backend_ops backend_qemu = {
	.name = "qemu",
	.probe = qemu_probe,
	.mem_create = qemu_mem_create,
	.mem_destroy = qemu_mem_destroy,
	.start = qemu_start,
	.stop = qemu_stop,
	.destroy = qemu_destroy,
};

const struct backend_ops *const backends[] = {
	&backend_qemu,
	NULL,
};
