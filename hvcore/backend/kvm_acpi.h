/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI tables of the KVM backend: RSDP, XSDT, FADT (hardware-reduced),
 * MADT (a local APIC per vCPU, one IOAPIC) and a DSDT whose only device is
 * \_SB.VMOD.VMBS, _HID "VMBus" in an ACPI0004 module device, as Hyper-V
 * describes VMBus; Linux's hv_vmbus binds to it.
 */
#ifndef HVCORE_KVM_ACPI_H
#define HVCORE_KVM_ACPI_H

#include <stddef.h>
#include <stdint.h>

#define KVM_ACPI_LAPIC_BASE	0xfee00000u
#define KVM_ACPI_IOAPIC_BASE	0xfec00000u
#define KVM_ACPI_VMBUS_IRQ	5u	/* what Hyper-V lists; x86 Linux uses 0xF3 */
#define KVM_ACPI_MAX_VCPUS	64u

/* Where each table went, as guest-physical addresses. */
struct kvm_acpi_layout {
	uint64_t rsdp, xsdt, fadt, madt, dsdt;
	uint32_t dsdt_len;
	uint32_t used;		/* bytes of the area filled */
};

/*
 * Write the tables for @nr_vcpus vCPUs into @area (@size bytes), which the
 * guest sees at @gpa (KVM_BOOT_ACPI_BASE); the RSDP goes first, 16-byte
 * aligned, where a BIOS-area scan finds it too.
 * Return: 0, -EINVAL (no vCPU or more than KVM_ACPI_MAX_VCPUS), -ENOSPC.
 */
int kvm_acpi_build(uint8_t *area, size_t size, uint64_t gpa,
		   unsigned int nr_vcpus, struct kvm_acpi_layout *out);

#endif
