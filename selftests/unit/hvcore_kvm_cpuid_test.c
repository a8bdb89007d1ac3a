// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore/backend/kvm_cpuid.c: the Hyper-V leaves a stock
 * Linux guest needs to pick Hyper-V, and none of KVM's.
 */
#include <errno.h>
#include <string.h>

#include "backend/kvm_cpuid.h"
#include "ktap.h"

#define ENTRIES	64

/* What KVM_GET_SUPPORTED_CPUID gives, in short: KVM's signature included. */
static const struct kvm_cpuid_entry2 test_sup[] = {
	{ .function = 0, .eax = 0xd, .ebx = 0x756e6547, .ecx = 0x6c65746e,
	  .edx = 0x49656e69 },
	{ .function = 1, .eax = 0x806f8, .ecx = 0x7ffafbff, .edx = 0xbfebfbff },
	{ .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .ebx = 0x219c07ab },
	/* "KVMKVMKVM\0\0\0" and KVM's feature leaf. */
	{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b,
	  .ecx = 0x564b4d56, .edx = 0x4d },
	{ .function = 0x40000001, .eax = 0x01007afb },
	/* Where QEMU moves KVM's leaves when it shows Hyper-V's. */
	{ .function = 0x40000100, .eax = 0x40000101, .ebx = 0x4b4d564b,
	  .ecx = 0x564b4d56, .edx = 0x4d },
	{ .function = 0x80000000, .eax = 0x80000008 },
};

static struct kvm_cpuid_entry2 test_out[ENTRIES];
static int test_n;

static const struct kvm_cpuid_entry2 *leaf(unsigned int fn)
{
	const struct kvm_cpuid_entry2 *found = NULL;
	int i;

	for (i = 0; i < test_n; i++) {
		if (test_out[i].function != fn)
			continue;
		if (found)
			return NULL;	/* twice is as bad as never */
		found = &test_out[i];
	}
	return found;
}

static bool build(unsigned int vcpus)
{
	test_n = hv_cpuid_build(test_sup, KTAP_ARRAY_SIZE(test_sup), vcpus,
				test_out, ENTRIES);
	KTAP_CHECK(test_n > 0);
	return true;
}

static bool test_signature(void)
{
	const struct kvm_cpuid_entry2 *v, *i;
	char vendor[13];

	KTAP_CHECK(build(2));
	v = leaf(0x40000000);
	i = leaf(0x40000001);
	KTAP_CHECK(v && i);
	memcpy(vendor, &v->ebx, 4);
	memcpy(vendor + 4, &v->ecx, 4);
	memcpy(vendor + 8, &v->edx, 4);
	vendor[12] = 0;
	KTAP_CHECK(!strcmp(vendor, "Microsoft Hv"));
	/* Linux wants 0x40000005 <= max <= 0x4000ffff. */
	KTAP_CHECK(v->eax >= 0x40000005 && v->eax <= 0x4000ffff);
	KTAP_CHECK(!memcmp(&i->eax, "Hv#1", 4));
	/* Every leaf up to the max is there, once. */
	for (unsigned int fn = 0x40000000; fn <= v->eax; fn++)
		KTAP_CHECK(leaf(fn));
	return true;
}

static bool test_no_kvm(void)
{
	int i;

	KTAP_CHECK(build(2));
	for (i = 0; i < test_n; i++) {
		const struct kvm_cpuid_entry2 *e = &test_out[i];

		if (e->function < 0x40000000 || e->function > 0x4fffffff)
			continue;
		KTAP_CHECK(e->function <= 0x4000000a);
		KTAP_CHECK(e->ebx != 0x4b4d564b);	/* "KVMK" */
		KTAP_CHECK(memcmp(&e->ebx, "Linu", 4));	/* "Linux KVM Hv" */
	}
	/* 4 host leaves outside the range, 11 of Hyper-V's. */
	KTAP_CHECK(test_n == 4 + 11);
	return true;
}

static bool test_privileges(void)
{
	const struct kvm_cpuid_entry2 *f, *r, *l, *one;

	KTAP_CHECK(build(3));
	f = leaf(0x40000003);
	r = leaf(0x40000004);
	l = leaf(0x40000005);
	one = leaf(1);
	KTAP_CHECK(f && r && l && one);
	/* What 6.1's ms_hyperv_platform() insists on. */
	KTAP_CHECK(f->eax & HV_CPUID_HYPERCALL);
	KTAP_CHECK(f->eax & HV_CPUID_VP_INDEX);
	/* What hv_vmbus and the clocks use, and the VP assist page. */
	KTAP_CHECK(f->eax & HV_CPUID_SYNIC);
	KTAP_CHECK(f->eax & HV_CPUID_REF_COUNT);
	KTAP_CHECK(f->eax & HV_CPUID_REF_TSC);
	KTAP_CHECK(f->eax & HV_CPUID_APIC_ACCESS);
	KTAP_CHECK(f->ebx & HV_CPUID_POST_MESSAGES);
	KTAP_CHECK(f->ebx & HV_CPUID_SIGNAL_EVENTS);
	/* Synthetic timers off the VMBus SINT. */
	KTAP_CHECK(!(f->eax & HV_CPUID_STIMER) ||
		   (f->edx & HV_CPUID_STIMER_DIRECT));
	KTAP_CHECK(r->eax & HV_CPUID_DEPRECATE_AEOI);
	KTAP_CHECK(r->ebx == 0xffffffff);
	KTAP_CHECK(l->eax == 3 && l->ebx == 3);
	/* CPUID.1:ECX[31] says "hypervisor"; the rest of the leaf is the host's. */
	KTAP_CHECK(one->ecx == (0x7ffafbffu | 1u << 31));
	KTAP_CHECK(one->eax == 0x806f8 && one->edx == 0xbfebfbff);
	KTAP_CHECK(leaf(7) && leaf(7)->ebx == 0x219c07ab &&
		   leaf(7)->flags == KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	return true;
}

static bool test_limits(void)
{
	/* 15 entries needed: one short is refused, exactly 15 is enough. */
	KTAP_CHECK(hv_cpuid_build(test_sup, KTAP_ARRAY_SIZE(test_sup), 1,
				  test_out, 14) == -ENOSPC);
	KTAP_CHECK(hv_cpuid_build(test_sup, KTAP_ARRAY_SIZE(test_sup), 1,
				  test_out, 15) == 15);
	KTAP_CHECK(hv_cpuid_build(test_sup, KTAP_ARRAY_SIZE(test_sup), 0,
				  test_out, ENTRIES) == -EINVAL);
	KTAP_CHECK(hv_cpuid_build(NULL, 0, 1, test_out, ENTRIES) == 11);
	return true;
}

static const struct ktap_case cpuid_cases[] = {
	{ "0x40000000 says Microsoft Hv, 0x40000001 Hv#1, every leaf once",
	  test_signature },
	{ "none of KVM's signature leaves is left", test_no_kvm },
	{ "privileges, recommendations, limits and the hypervisor bit",
	  test_privileges },
	{ "too small a table and no vCPU are refused", test_limits },
};

int main(void)
{
	return ktap_run_cases("hvcore-kvm-cpuid", cpuid_cases,
			      KTAP_ARRAY_SIZE(cpuid_cases));
}
