// SPDX-License-Identifier: GPL-2.0-only
/* Linux direct boot: the e820 map and the zero page (see kvm_boot.h). */
#include <errno.h>
#include <string.h>

#include "backend/kvm_boot.h"

#define SETUP_HDR_OFFSET	0x1f1u
#define BOOT_FLAG		0xaa55u
#define HDRS_MAGIC		0x53726448u	/* "HdrS" */
#define PROTOCOL_MIN		0x020cu		/* 2.12: xloadflags */
#define LOADER_UNDEFINED	0xffu
#define ENTRY64_OFFSET		0x200u
#define DEFAULT_SETUP_SECTS	4u
#define INITRD_ALIGN		0x200000ull

static int e820_put(struct boot_e820_entry *out, unsigned int max,
		    unsigned int *n, uint64_t addr, uint64_t size, uint32_t type)
{
	if (*n >= max)
		return -ENOSPC;
	out[*n].addr = addr;
	out[*n].size = size;
	out[*n].type = type;
	(*n)++;
	return 0;
}

int kvm_boot_e820(uint64_t ram, struct boot_e820_entry *out, unsigned int max)
{
	uint64_t low_end = ram < KVM_BOOT_HOLE_START ? ram : KVM_BOOT_HOLE_START;
	unsigned int n = 0;

	if (ram <= KVM_BOOT_KERNEL)
		return -EINVAL;
	if (e820_put(out, max, &n, 0, KVM_BOOT_LOW_RAM_END, KVM_BOOT_E820_RAM) ||
	    e820_put(out, max, &n, KVM_BOOT_LOW_RAM_END,
		     KVM_BOOT_KERNEL - KVM_BOOT_LOW_RAM_END,
		     KVM_BOOT_E820_RESERVED) ||
	    e820_put(out, max, &n, KVM_BOOT_KERNEL, low_end - KVM_BOOT_KERNEL,
		     KVM_BOOT_E820_RAM))
		return -ENOSPC;
	if (ram > KVM_BOOT_HOLE_START &&
	    e820_put(out, max, &n, KVM_BOOT_HIGH_START,
		     ram - KVM_BOOT_HOLE_START, KVM_BOOT_E820_RAM))
		return -ENOSPC;
	return (int)n;
}

static int boot_fail(const char **why, const char *what)
{
	*why = what;
	return -EINVAL;
}

int kvm_boot_prepare(const uint8_t *image, size_t len, uint64_t ram,
		     const char *cmdline, uint64_t initrd_size, uint64_t rsdp,
		     struct boot_params *bp, struct kvm_boot_image *img,
		     const char **why)
{
	struct setup_header h;
	uint64_t low_end, initrd_max, setup_sects;
	size_t hdr_len, cmd_len = strlen(cmdline);
	int n;

	if (len < SETUP_HDR_OFFSET + sizeof(h))
		return boot_fail(why, "too short for a setup header");
	memcpy(&h, image + SETUP_HDR_OFFSET, sizeof(h));
	if (h.boot_flag != BOOT_FLAG || h.header != HDRS_MAGIC)
		return boot_fail(why, "not a bzImage (no 0xAA55 / HdrS)");
	if (h.version < PROTOCOL_MIN)
		return boot_fail(why, "boot protocol older than 2.12");
	if (!(h.xloadflags & XLF_KERNEL_64))
		return boot_fail(why, "no 64-bit entry point");
	if (cmd_len >= KVM_BOOT_CMDLINE_MAX || cmd_len > h.cmdline_size)
		return boot_fail(why, "command line too long");

	setup_sects = h.setup_sects ? h.setup_sects : DEFAULT_SETUP_SECTS;
	img->kernel_offset = (setup_sects + 1) * 512;
	if (img->kernel_offset >= len)
		return boot_fail(why, "no protected-mode kernel after the setup");
	img->kernel_size = len - img->kernel_offset;
	low_end = ram < KVM_BOOT_HOLE_START ? ram : KVM_BOOT_HOLE_START;
	/* The kernel decompresses in place: it needs init_size from 1 MiB. */
	if (KVM_BOOT_KERNEL + (h.init_size > img->kernel_size ?
			       h.init_size : img->kernel_size) > low_end)
		return boot_fail(why, "the kernel does not fit in guest RAM");
	img->entry64 = KVM_BOOT_KERNEL + ENTRY64_OFFSET;
	img->version = h.version;

	img->initrd_gpa = 0;
	if (initrd_size) {
		initrd_max = (uint64_t)h.initrd_addr_max + 1;
		if (initrd_max > low_end || (h.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G))
			initrd_max = low_end;
		if (initrd_size > initrd_max)
			return boot_fail(why, "the initrd does not fit in guest RAM");
		img->initrd_gpa = (initrd_max - initrd_size) & ~(INITRD_ALIGN - 1);
		if (img->initrd_gpa < KVM_BOOT_KERNEL + h.init_size)
			return boot_fail(why, "the initrd does not fit beside the kernel");
	}

	/* The zero page: the file's setup header as the protocol asks. */
	memset(bp, 0, sizeof(*bp));
	hdr_len = (size_t)0x202 + image[0x201] - SETUP_HDR_OFFSET;
	if (hdr_len > sizeof(bp->hdr))
		hdr_len = sizeof(bp->hdr);
	memcpy(&bp->hdr, image + SETUP_HDR_OFFSET, hdr_len);
	bp->hdr.type_of_loader = LOADER_UNDEFINED;
	bp->hdr.loadflags |= LOADED_HIGH | KEEP_SEGMENTS;
	bp->hdr.loadflags &= (uint8_t)~QUIET_FLAG;
	bp->hdr.cmd_line_ptr = (uint32_t)KVM_BOOT_CMDLINE;
	bp->hdr.ramdisk_image = (uint32_t)img->initrd_gpa;
	bp->hdr.ramdisk_size = (uint32_t)initrd_size;
	bp->ext_ramdisk_image = (uint32_t)(img->initrd_gpa >> 32);
	bp->ext_ramdisk_size = (uint32_t)(initrd_size >> 32);
	bp->hdr.code32_start = (uint32_t)KVM_BOOT_KERNEL;
	bp->acpi_rsdp_addr = rsdp;
	n = kvm_boot_e820(ram, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
	if (n < 0)
		return boot_fail(why, "guest RAM too small");
	bp->e820_entries = (uint8_t)n;
	return 0;
}
