/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CPUID a guest of the KVM backend sees: the host's, with the Hyper-V
 * personality in the hypervisor range and KVM's own leaves gone (Linux
 * would take the guest for a KVM guest and never load hv_vmbus).
 */
#ifndef HVCORE_KVM_CPUID_H
#define HVCORE_KVM_CPUID_H

#include <linux/kvm.h>

/* The hypervisor leaves hvcore answers: vendor and limits up to this one. */
#define HV_CPUID_MAX_LEAF	0x4000000Au

/* 0x40000003 EAX: the MSRs the guest may use. */
#define HV_CPUID_REF_COUNT	(1u << 1)	/* TIME_REF_COUNT */
#define HV_CPUID_SYNIC		(1u << 2)	/* SynIC MSRs */
#define HV_CPUID_STIMER		(1u << 3)	/* synthetic timers */
#define HV_CPUID_APIC_ACCESS	(1u << 4)	/* EOI/ICR/TPR MSRs, VP assist page */
#define HV_CPUID_HYPERCALL	(1u << 5)	/* GUEST_OS_ID, HYPERCALL */
#define HV_CPUID_VP_INDEX	(1u << 6)
#define HV_CPUID_REF_TSC	(1u << 9)	/* reference TSC page */
#define HV_CPUID_FREQ_MSRS	(1u << 11)	/* TSC/APIC frequency MSRs */
/* 0x40000003 EBX: partition privileges (the high half of the mask). */
#define HV_CPUID_POST_MESSAGES	(1u << 4)
#define HV_CPUID_SIGNAL_EVENTS	(1u << 5)
/* 0x40000003 EDX. */
#define HV_CPUID_FREQ_AVAILABLE	(1u << 8)	/* the frequencies are exact */
#define HV_CPUID_STIMER_DIRECT	(1u << 19)	/* timers on their own vector */
/* 0x40000004 EAX: recommendations. */
#define HV_CPUID_DEPRECATE_AEOI	(1u << 9)

/*
 * Fill @out (room for @max entries) from the host's supported list @sup
 * (@n entries, KVM_GET_SUPPORTED_CPUID): every leaf outside the hypervisor
 * range 0x40000000-0x4fffffff copied, leaf 1 with the hypervisor bit, and
 * the Hyper-V leaves 0x40000000-HV_CPUID_MAX_LEAF for @nr_vcpus vCPUs.
 *
 * Return: the number of entries written, or -ENOSPC (@max too small) or
 * -EINVAL (no vCPU).
 */
int hv_cpuid_build(const struct kvm_cpuid_entry2 *sup, unsigned int n,
		   unsigned int nr_vcpus, struct kvm_cpuid_entry2 *out,
		   unsigned int max);

#endif
