// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore/backend/kvm_boot.c: the e820 map for a RAM size,
 * and the zero page for a bzImage (a made-up header, then Debian's kernel
 * where /boot has it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/kvm_boot.h"
#include "ktap.h"

#define MIB	(1024ull * 1024)
#define GIB	(1024 * MIB)
#define REAL_KERNEL	"/boot/vmlinuz-6.1.0-57-amd64"

static struct boot_params test_bp;
static struct kvm_boot_image test_img;

/* Sorted, not overlapping, and the RAM adds up to @ram less the hole. */
static bool e820_sane(const struct boot_e820_entry *e, int n, uint64_t ram)
{
	uint64_t total = 0, end = 0;
	int i;

	for (i = 0; i < n; i++) {
		KTAP_CHECK(e[i].addr >= end && e[i].size);
		end = e[i].addr + e[i].size;
		if (e[i].type == KVM_BOOT_E820_RAM)
			total += e[i].size;
		/* No RAM in the 3-4 GiB hole. */
		KTAP_CHECK(e[i].type != KVM_BOOT_E820_RAM ||
			   end <= KVM_BOOT_HOLE_START ||
			   e[i].addr >= KVM_BOOT_HIGH_START);
	}
	KTAP_CHECK(total == ram - (KVM_BOOT_KERNEL - KVM_BOOT_LOW_RAM_END));
	return true;
}

static bool test_e820_small(void)
{
	struct boot_e820_entry e[8];
	int n = kvm_boot_e820(512 * MIB, e, 8);

	KTAP_CHECK(n == 3);
	KTAP_CHECK(e[0].addr == 0 && e[0].size == 0x9fc00 &&
		   e[0].type == KVM_BOOT_E820_RAM);
	KTAP_CHECK(e[1].addr == 0x9fc00 && e[1].size == 0x60400 &&
		   e[1].type == KVM_BOOT_E820_RESERVED);
	/* The ACPI tables are in the reserved range. */
	KTAP_CHECK(KVM_BOOT_ACPI_BASE >= e[1].addr &&
		   KVM_BOOT_ACPI_BASE < e[1].addr + e[1].size);
	KTAP_CHECK(e[2].addr == 1 * MIB && e[2].addr + e[2].size == 512 * MIB);
	return e820_sane(e, n, 512 * MIB);
}

static bool test_e820_large(void)
{
	struct boot_e820_entry e[8];
	int n = kvm_boot_e820(6 * GIB, e, 8);

	KTAP_CHECK(n == 4);
	KTAP_CHECK(e[2].addr + e[2].size == 3 * GIB);
	KTAP_CHECK(e[3].addr == 4 * GIB && e[3].size == 3 * GIB);
	KTAP_CHECK(e820_sane(e, n, 6 * GIB));
	KTAP_CHECK(kvm_boot_e820(6 * GIB, e, 3) == -ENOSPC);
	KTAP_CHECK(kvm_boot_e820(1 * MIB, e, 8) == -EINVAL);
	return true;
}

/* A bzImage header as a 2.15 kernel writes it, 4 setup sectors. */
static uint8_t *fake_image(size_t len)
{
	uint8_t *img = calloc(1, len);
	struct setup_header h = { 0 };

	if (!img)
		return NULL;
	h.setup_sects = 4;
	h.boot_flag = 0xaa55;
	h.jump = 0x6aeb;
	h.header = 0x53726448;
	h.version = 0x020f;
	h.loadflags = LOADED_HIGH;
	h.initrd_addr_max = 0x7fffffff;
	h.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
	h.cmdline_size = 2047;
	h.init_size = 16 * MIB;
	memcpy(img + 0x1f1, &h, sizeof(h));
	return img;
}

static bool test_zero_page(void)
{
	const char *why = NULL;
	uint8_t *img = fake_image(1 * MIB);
	bool ok;

	KTAP_CHECK(img);
	ok = !kvm_boot_prepare(img, 1 * MIB, 512 * MIB, "console=ttyS0",
			       32 * MIB, 0xe0000, &test_bp, &test_img, &why);
	free(img);
	if (!ok)
		ktap_diag("refused: %s", why);
	KTAP_CHECK(ok);
	KTAP_CHECK(test_img.kernel_offset == 5 * 512);
	KTAP_CHECK(test_img.entry64 == 0x100200);
	KTAP_CHECK(test_bp.hdr.header == 0x53726448 &&
		   test_bp.hdr.version == 0x020f);
	KTAP_CHECK(test_bp.hdr.type_of_loader == 0xff);
	KTAP_CHECK(test_bp.hdr.loadflags & LOADED_HIGH);
	KTAP_CHECK(test_bp.hdr.cmd_line_ptr == KVM_BOOT_CMDLINE);
	KTAP_CHECK(test_bp.acpi_rsdp_addr == 0xe0000);
	/* The initrd: 2 MiB aligned, at the top of RAM, clear of the kernel. */
	KTAP_CHECK(test_bp.hdr.ramdisk_size == 32 * MIB);
	KTAP_CHECK(test_bp.hdr.ramdisk_image == test_img.initrd_gpa);
	KTAP_CHECK(test_img.initrd_gpa % (2 * MIB) == 0);
	KTAP_CHECK(test_img.initrd_gpa + 32 * MIB <= 512 * MIB);
	KTAP_CHECK(test_img.initrd_gpa >= 1 * MIB + 16 * MIB);
	KTAP_CHECK(test_bp.e820_entries == 3);
	return e820_sane(test_bp.e820_table, test_bp.e820_entries, 512 * MIB);
}

/* Change the fake header with @poke and expect @want in the refusal. */
static bool refused(void (*poke)(struct setup_header *), uint64_t ram,
		    const char *cmdline, uint64_t initrd, const char *want)
{
	uint8_t *img = fake_image(1 * MIB);
	struct setup_header h;
	const char *why = "";
	int r;

	KTAP_CHECK(img);
	memcpy(&h, img + 0x1f1, sizeof(h));
	if (poke)
		poke(&h);
	memcpy(img + 0x1f1, &h, sizeof(h));
	r = kvm_boot_prepare(img, 1 * MIB, ram, cmdline, initrd, 0, &test_bp,
			     &test_img, &why);
	free(img);
	if (r != -EINVAL || !strstr(why, want))
		ktap_diag("wanted \"%s\", got %d \"%s\"", want, r, why);
	KTAP_CHECK(r == -EINVAL && strstr(why, want));
	return true;
}

static void no_magic(struct setup_header *h) { h->header = 0; }
static void old(struct setup_header *h) { h->version = 0x020b; }
static void no_64(struct setup_header *h) { h->xloadflags = 0; }
static void short_cmdline(struct setup_header *h) { h->cmdline_size = 4; }

static bool test_refusals(void)
{
	KTAP_CHECK(refused(no_magic, 512 * MIB, "", 0, "not a bzImage"));
	KTAP_CHECK(refused(old, 512 * MIB, "", 0, "older than 2.12"));
	KTAP_CHECK(refused(no_64, 512 * MIB, "", 0, "64-bit"));
	KTAP_CHECK(refused(short_cmdline, 512 * MIB, "console=ttyS0", 0,
			   "command line"));
	KTAP_CHECK(refused(NULL, 16 * MIB, "", 0, "kernel does not fit"));
	KTAP_CHECK(refused(NULL, 64 * MIB, "", 60 * MIB, "initrd"));
	return true;
}

/* Debian's kernel: its header passes and the pieces land where they fit. */
static bool test_real_kernel(FILE *f)
{
	static uint8_t buf[16 * MIB];
	const char *why = "";
	size_t len = fread(buf, 1, sizeof(buf), f);

	KTAP_CHECK(len > 1 * MIB && len < sizeof(buf));
	if (kvm_boot_prepare(buf, len, 512 * MIB, "console=ttyS0 quiet",
			     64 * MIB, KVM_BOOT_ACPI_BASE, &test_bp, &test_img,
			     &why))
		ktap_diag("refused: %s", why);
	KTAP_CHECK(*why == 0);
	ktap_diag("boot protocol %x.%02x, setup %llu bytes, init_size %u",
		  test_img.version >> 8, test_img.version & 0xff,
		  (unsigned long long)test_img.kernel_offset,
		  test_bp.hdr.init_size);
	KTAP_CHECK(test_img.version >= 0x020f);
	KTAP_CHECK(test_img.initrd_gpa >= KVM_BOOT_KERNEL + test_bp.hdr.init_size);
	return true;
}

static const struct ktap_case boot_cases[] = {
	{ "e820 for 512 MiB: low RAM, reserved to 1 MiB, RAM above", test_e820_small },
	{ "e820 for 6 GiB: no RAM in the 3-4 GiB hole, the rest above 4 GiB",
	  test_e820_large },
	{ "zero page: setup header, loader, command line, initrd, RSDP, e820",
	  test_zero_page },
	{ "refused: no HdrS, protocol < 2.12, no 64-bit entry, long command line, too little RAM",
	  test_refusals },
};

int main(void)
{
	struct ktap k;
	FILE *f;
	int i;

	ktap_plan(&k, KTAP_ARRAY_SIZE(boot_cases) + 1);
	for (i = 0; i < KTAP_ARRAY_SIZE(boot_cases); i++)
		ktap_result(&k, boot_cases[i].run(), "hvcore-kvm-boot: %s",
			    boot_cases[i].what);
	f = fopen(REAL_KERNEL, "rb");
	if (f) {
		ktap_result(&k, test_real_kernel(f),
			    "hvcore-kvm-boot: Debian's 6.1 bzImage is taken");
		fclose(f);
	} else {
		k.n++;
		printf("ok %d unit hvcore-kvm-boot: Debian's 6.1 bzImage is taken # SKIP no %s (scripts/deps.sh installs it)\n",
		       k.n, REAL_KERNEL);
	}
	return k.failed ? 1 : 0;
}
