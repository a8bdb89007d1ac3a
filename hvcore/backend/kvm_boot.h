/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Linux direct boot for the KVM backend (Documentation/arch/x86/boot.rst):
 * the guest-physical layout, the e820 map and the zero page for a bzImage.
 *
 * Layout (guest-physical):
 *   0x0000_7000  the zero page (struct boot_params)
 *   0x0002_0000  the kernel command line (up to KVM_BOOT_CMDLINE_MAX)
 *   0x0009_fc00  reserved to 1 MiB: EBDA, VGA hole, BIOS area; the ACPI
 *                tables sit at KVM_BOOT_ACPI_BASE (RSDP included)
 *   0x0010_0000  the protected-mode kernel, entered at its 64-bit entry
 *                (+0x200) with paging on and RSI = the zero page
 *   below 3 GiB  RAM; the initrd goes at the top of it
 *   3 GiB-4 GiB  no RAM: LAPIC, IOAPIC, the VMBus MMIO window
 *   4 GiB up     the RAM beyond 3 GiB
 */
#ifndef HVCORE_KVM_BOOT_H
#define HVCORE_KVM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>

#define KVM_BOOT_ZERO_PAGE	0x7000ull
#define KVM_BOOT_CMDLINE	0x20000ull
#define KVM_BOOT_CMDLINE_MAX	4096u
#define KVM_BOOT_LOW_RAM_END	0x9fc00ull
#define KVM_BOOT_ACPI_BASE	0xe0000ull
#define KVM_BOOT_KERNEL		0x100000ull
#define KVM_BOOT_HOLE_START	0xc0000000ull
#define KVM_BOOT_HIGH_START	0x100000000ull

/* e820 entry types (the uapi header does not name them). */
#define KVM_BOOT_E820_RAM	1u
#define KVM_BOOT_E820_RESERVED	2u

/*
 * The e820 map for @ram bytes of guest RAM into @out (room for @max).
 * Return: the number of entries, -EINVAL if @ram does not reach past the
 * kernel's 1 MiB, -ENOSPC if @max is too small.
 */
int kvm_boot_e820(uint64_t ram, struct boot_e820_entry *out, unsigned int max);

/* What kvm_boot_prepare() found in the bzImage and where things go. */
struct kvm_boot_image {
	uint64_t kernel_offset;	/* protected-mode code in the file */
	uint64_t kernel_size;
	uint64_t entry64;	/* guest-physical 64-bit entry point */
	uint64_t initrd_gpa;	/* 0 without an initrd */
	uint16_t version;	/* boot protocol, 0x020c = 2.12 */
};

/*
 * Check the bzImage @image (@len bytes) and fill the zero page @bp for a
 * guest of @ram bytes, @cmdline, an initrd of @initrd_size bytes (0: none)
 * and ACPI tables whose RSDP is at @rsdp; @img says where to copy what.
 * Return: 0, or -EINVAL with @why set (not a bzImage, protocol older than
 * 2.12, no 64-bit entry, command line too long, kernel or initrd does not
 * fit).
 */
int kvm_boot_prepare(const uint8_t *image, size_t len, uint64_t ram,
		     const char *cmdline, uint64_t initrd_size, uint64_t rsdp,
		     struct boot_params *bp, struct kvm_boot_image *img,
		     const char **why);

#endif
