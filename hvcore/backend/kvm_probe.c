// SPDX-License-Identifier: GPL-2.0-only
/* Decides whether KVM can run guests here: vmx/svm in the CPU flags, then a one-instruction guest that must hlt. */
#include "backend/kvm_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>

#define KVM_PROBE_PAGE		4096
/* Real mode on Intel without unrestricted guest needs a 3-page TSS. */
#define KVM_PROBE_TSS_ADDR	0xfffbd000ul
#define KVM_PROBE_TIMEOUT_S	2

/*
 * /dev/kvm can open, create a VM and even run the hlt guest below where
 * QEMU's guests cannot run: kvm_pvm (software "pagetable-based" nested
 * virtualization) runs only PVM-aware guest kernels and hides vmx/svm, and
 * QEMU 7.2 aborts on it ("failed to set MSR 0x10a").  Hardware KVM needs the
 * flag, so its absence is decisive even when the vCPU test would pass.
 */
static bool kvm_probe_cpu_flag(void)
{
	char line[8192];
	bool found = false;
	FILE *fp;

	fp = fopen("/proc/cpuinfo", "re");
	if (!fp)
		return false;
	while (fgets(line, sizeof(line), fp)) {
		char *tok, *save;

		if (strncmp(line, "flags", 5))
			continue;
		/* The first CPU's flags speak for all of them. */
		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (!strcmp(tok, "vmx") || !strcmp(tok, "svm"))
				found = true;
		break;
	}
	fclose(fp);
	return found;
}

static void kvm_probe_alarm(int sig)
{
	(void)sig;	/* only here so that KVM_RUN returns EINTR */
}

static const char *kvm_probe_exit_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_UNKNOWN:		return "KVM_EXIT_UNKNOWN";
	case KVM_EXIT_EXCEPTION:	return "KVM_EXIT_EXCEPTION";
	case KVM_EXIT_IO:		return "KVM_EXIT_IO";
	case KVM_EXIT_MMIO:		return "KVM_EXIT_MMIO";
	case KVM_EXIT_SHUTDOWN:		return "KVM_EXIT_SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY:	return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR:	return "KVM_EXIT_INTERNAL_ERROR";
	default:			return "exit";
	}
}

/*
 * Runs the vCPU once with a timer armed, since a broken nested setup may
 * never come back; the caller's SIGALRM handler and timer are restored.
 */
static int kvm_probe_run_once(int vcpu, struct kvm_run *run, char *why,
			      size_t len)
{
	struct itimerval timer = { .it_value = { KVM_PROBE_TIMEOUT_S, 0 } };
	struct itimerval old_timer;
	struct sigaction sa = { .sa_handler = kvm_probe_alarm };
	struct sigaction old_sa;
	sigset_t alrm, old_mask;
	int ret, err = 0;

	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alrm, &old_mask);
	sigaction(SIGALRM, &sa, &old_sa);	/* no SA_RESTART: KVM_RUN must stop */
	setitimer(ITIMER_REAL, &timer, &old_timer);
	ret = ioctl(vcpu, KVM_RUN, 0);
	if (ret < 0)
		err = -errno;
	timer = (struct itimerval){ 0 };
	setitimer(ITIMER_REAL, &timer, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	setitimer(ITIMER_REAL, &old_timer, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);

	if (err == -EINTR) {
		snprintf(why, len, "KVM_RUN did not return within %d s",
			 KVM_PROBE_TIMEOUT_S);
		return -ETIMEDOUT;
	}
	if (err) {
		snprintf(why, len, "KVM_RUN: %s", strerror(-err));
		return err;
	}
	if (run->exit_reason == KVM_EXIT_HLT)
		return 0;
	if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		snprintf(why, len,
			 "KVM_RUN: KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	else if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		snprintf(why, len, "KVM_RUN: KVM_EXIT_INTERNAL_ERROR, suberror %u",
			 run->internal.suberror);
	else
		snprintf(why, len, "KVM_RUN: %s (%u) instead of KVM_EXIT_HLT",
			 kvm_probe_exit_name(run->exit_reason), run->exit_reason);
	return -ENODEV;
}

/* Puts the vCPU in real mode at address 0, where the one page holds hlt. */
static int kvm_probe_setup_vcpu(int vcpu, char *why, size_t len)
{
	struct kvm_regs regs = { .rip = 0, .rflags = 0x2 };
	struct kvm_sregs sregs;
	const char *what;

	what = "KVM_GET_SREGS";
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		goto err_report;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	what = "KVM_SET_SREGS";
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		goto err_report;
	what = "KVM_SET_REGS";
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		goto err_report;
	return 0;

err_report:
	snprintf(why, len, "%s: %s", what, strerror(errno));
	return -ENODEV;
}

static int kvm_probe_vcpu(int kvm, int vm, char *why, size_t len)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = KVM_PROBE_PAGE,
	};
	struct kvm_run *run;
	int vcpu, run_size, err;
	unsigned char *page;

	page = mmap(NULL, KVM_PROBE_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		err = -errno;
		snprintf(why, len, "mmap: %s", strerror(errno));
		return err;
	}
	page[0] = 0xf4;	/* hlt */
	region.userspace_addr = (unsigned long)page;
	if (ioctl(vm, KVM_SET_TSS_ADDR, KVM_PROBE_TSS_ADDR) < 0) {
		err = -errno;
		snprintf(why, len, "KVM_SET_TSS_ADDR: %s", strerror(errno));
		goto out_unmap_page;
	}
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		err = -errno;
		snprintf(why, len, "KVM_SET_USER_MEMORY_REGION: %s",
			 strerror(errno));
		goto out_unmap_page;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		err = -errno;
		snprintf(why, len, "KVM_CREATE_VCPU: %s", strerror(errno));
		goto out_unmap_page;
	}
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(*run)) {
		err = -ENODEV;
		snprintf(why, len, "KVM_GET_VCPU_MMAP_SIZE: %s",
			 run_size < 0 ? strerror(errno) : "too small");
		goto out_close_vcpu;
	}
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED) {
		err = -errno;
		snprintf(why, len, "mmap kvm_run: %s", strerror(errno));
		goto out_close_vcpu;
	}
	err = kvm_probe_setup_vcpu(vcpu, why, len);
	if (!err)
		err = kvm_probe_run_once(vcpu, run, why, len);

	munmap(run, (size_t)run_size);
out_close_vcpu:
	close(vcpu);
out_unmap_page:
	munmap(page, KVM_PROBE_PAGE);
	return err;
}

int kvm_probe(char *why, size_t len)
{
	int kvm, vm, err;

	if (!kvm_probe_cpu_flag()) {
		snprintf(why, len, "no vmx or svm flag in /proc/cpuinfo%s",
			 access("/sys/module/kvm_pvm", F_OK) ? "" :
			 " (this /dev/kvm is kvm_pvm, which runs only PVM-aware guests)");
		return -ENODEV;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		err = -errno;
		snprintf(why, len, "/dev/kvm: %s", strerror(errno));
		return err;
	}
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(why, len, "/dev/kvm: unexpected API version");
		err = -ENODEV;
		goto out_close_kvm;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		err = -errno;
		snprintf(why, len, "KVM_CREATE_VM: %s", strerror(errno));
		goto out_close_kvm;
	}
	err = kvm_probe_vcpu(kvm, vm, why, len);
	close(vm);
out_close_kvm:
	close(kvm);
	return err;
}
