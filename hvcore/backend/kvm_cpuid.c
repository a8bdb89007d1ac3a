// SPDX-License-Identifier: GPL-2.0-only
/* The Hyper-V CPUID leaves of the KVM backend (TLFS "Feature discovery"). */
#include <errno.h>
#include <string.h>

#include "backend/kvm_cpuid.h"

#define CPUID_HV_FIRST		0x40000000u
#define CPUID_HV_LAST		0x4fffffffu
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)

/* "Microsoft Hv" in EBX, ECX, EDX; "Hv#1" (the interface) in EAX. */
#define HV_VENDOR_EBX		0x7263694du
#define HV_VENDOR_ECX		0x666f736fu
#define HV_VENDOR_EDX		0x76482074u
#define HV_INTERFACE_HV1	0x31237648u

/* Spin forever rather than notify the hypervisor of a long spin wait. */
#define HV_SPIN_NEVER_NOTIFY	0xffffffffu

static int hv_cpuid_put(struct kvm_cpuid_entry2 *out, unsigned int max,
			unsigned int *at, const struct kvm_cpuid_entry2 *e)
{
	if (*at >= max)
		return -ENOSPC;
	out[(*at)++] = *e;
	return 0;
}

/* The hypervisor range as hvcore answers it, leaf by leaf. */
static void hv_cpuid_leaf(unsigned int leaf, unsigned int nr_vcpus,
			  struct kvm_cpuid_entry2 *e)
{
	memset(e, 0, sizeof(*e));
	e->function = leaf;
	switch (leaf) {
	case 0x40000000:
		e->eax = HV_CPUID_MAX_LEAF;
		e->ebx = HV_VENDOR_EBX;
		e->ecx = HV_VENDOR_ECX;
		e->edx = HV_VENDOR_EDX;
		break;
	case 0x40000001:
		e->eax = HV_INTERFACE_HV1;
		break;
	case 0x40000003:
		/*
		 * Linux requires HYPERCALL and VP_INDEX; APIC_ACCESS because it
		 * always writes the VP assist page; the rest are what
		 * hv_vmbus and the Hyper-V clocks use.
		 */
		e->eax = HV_CPUID_REF_COUNT | HV_CPUID_SYNIC |
			 HV_CPUID_STIMER | HV_CPUID_APIC_ACCESS |
			 HV_CPUID_HYPERCALL | HV_CPUID_VP_INDEX |
			 HV_CPUID_REF_TSC | HV_CPUID_FREQ_MSRS;
		e->ebx = HV_CPUID_POST_MESSAGES | HV_CPUID_SIGNAL_EVENTS;
		e->edx = HV_CPUID_FREQ_AVAILABLE | HV_CPUID_STIMER_DIRECT;
		break;
	case 0x40000004:
		/* Explicit EOI keeps SINT delivery compatible with APICv. */
		e->eax = HV_CPUID_DEPRECATE_AEOI;
		e->ebx = HV_SPIN_NEVER_NOTIFY;
		break;
	case 0x40000005:
		e->eax = nr_vcpus;	/* virtual processors */
		e->ebx = nr_vcpus;	/* logical processors */
		break;
	default:
		/* 0x40000002 (build), 0x40000006-A (hardware, nested): none. */
		break;
	}
}

int hv_cpuid_build(const struct kvm_cpuid_entry2 *sup, unsigned int n,
		   unsigned int nr_vcpus, struct kvm_cpuid_entry2 *out,
		   unsigned int max)
{
	struct kvm_cpuid_entry2 e;
	unsigned int i, at = 0, leaf;

	if (!nr_vcpus)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		/* KVM's "KVMKVMKVM" leaves live here: none of them passes. */
		if (sup[i].function >= CPUID_HV_FIRST &&
		    sup[i].function <= CPUID_HV_LAST)
			continue;
		e = sup[i];
		if (e.function == 1)
			e.ecx |= CPUID_1_ECX_HYPERVISOR;
		if (hv_cpuid_put(out, max, &at, &e))
			return -ENOSPC;
	}
	for (leaf = CPUID_HV_FIRST; leaf <= HV_CPUID_MAX_LEAF; leaf++) {
		hv_cpuid_leaf(leaf, nr_vcpus, &e);
		if (hv_cpuid_put(out, max, &at, &e))
			return -ENOSPC;
	}
	return (int)at;
}
