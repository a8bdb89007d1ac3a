// SPDX-License-Identifier: GPL-2.0-only
/* The ACPI tables of the KVM backend (ACPI 6.x; see kvm_acpi.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "backend/kvm_acpi.h"

#define SDT_HEADER_LEN	36u
#define RSDP_LEN	36u
#define FADT_LEN	276u	/* revision 6 */
#define FADT_HW_REDUCED	(1u << 20)

/* Little-endian stores into the tables. */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* The byte that makes @len bytes from @p sum to zero. */
static uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

static void sdt_header(uint8_t *t, const char sig[4], uint32_t len,
		       uint8_t revision)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = revision;
	memcpy(t + 10, "HVIS  ", 6);		/* OEM ID */
	memcpy(t + 16, "HVCORE  ", 8);		/* OEM table ID */
	put32(t + 24, 1);			/* OEM revision */
	memcpy(t + 28, "HVIS", 4);		/* creator ID */
	put32(t + 32, 1);			/* creator revision */
}

static void sdt_finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = acpi_checksum(t, len);
}

/* --- AML, just what the DSDT needs --- */

#define AML_NAME_OP	0x08
#define AML_BYTE_PREFIX	0x0a
#define AML_STRING	0x0d
#define AML_SCOPE_OP	0x10
#define AML_BUFFER_OP	0x11
#define AML_EXT_PREFIX	0x5b
#define AML_DEVICE_OP	0x82
#define AML_ZERO_OP	0x00

struct aml {
	uint8_t *p;
	size_t len, cap;
	bool full;
};

static void aml_bytes(struct aml *a, const void *b, size_t n)
{
	if (a->full || n > a->cap - a->len) {
		a->full = true;
		return;
	}
	memcpy(a->p + a->len, b, n);
	a->len += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

/*
 * Open a package (Scope, Device, Buffer): room for a two-byte PkgLength is
 * kept, aml_close() fills it in. Every package here is under 4 KiB.
 */
static size_t aml_open(struct aml *a)
{
	size_t at = a->len;

	aml_bytes(a, "\0\0", 2);
	return at;
}

static void aml_close(struct aml *a, size_t at)
{
	size_t len = a->len - at;	/* PkgLength counts its own bytes */

	if (a->full || len > 0xfff) {
		a->full = true;
		return;
	}
	a->p[at] = (uint8_t)(0x40 | (len & 0xf));
	a->p[at + 1] = (uint8_t)(len >> 4);
}

static void aml_name_string(struct aml *a, const char *name, const char *s)
{
	aml_byte(a, AML_NAME_OP);
	aml_bytes(a, name, 4);
	aml_byte(a, AML_STRING);
	aml_bytes(a, s, strlen(s) + 1);
}

static void aml_name_byte(struct aml *a, const char *name, uint8_t v)
{
	aml_byte(a, AML_NAME_OP);
	aml_bytes(a, name, 4);
	if (!v) {
		aml_byte(a, AML_ZERO_OP);
		return;
	}
	aml_byte(a, AML_BYTE_PREFIX);
	aml_byte(a, v);
}

static size_t aml_device(struct aml *a, const char *name)
{
	size_t at;

	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	at = aml_open(a);
	aml_bytes(a, name, 4);
	return at;
}

/*
 * Scope (\_SB) { Device (VMOD) { _HID "ACPI0004", _UID 0,
 *   Device (VMBS) { _STA 0x0F, _HID "VMBus", _UID 0,
 *     _CRS { IRQ (Edge, ActiveHigh, Exclusive) {5} } } } }
 */
static void aml_vmbus(struct aml *a)
{
	static const uint8_t crs[] = {
		0x23, 1u << KVM_ACPI_VMBUS_IRQ, 0x00, 0x01,	/* IRQ, edge */
		0x79, 0x00,					/* end tag */
	};
	size_t scope, vmod, vmbs, buf;

	aml_byte(a, AML_SCOPE_OP);
	scope = aml_open(a);
	aml_bytes(a, "\\_SB_", 5);
	vmod = aml_device(a, "VMOD");
	aml_name_string(a, "_HID", "ACPI0004");
	aml_name_byte(a, "_UID", 0);
	vmbs = aml_device(a, "VMBS");
	aml_name_byte(a, "_STA", 0x0f);
	aml_name_string(a, "_HID", "VMBus");
	aml_name_byte(a, "_UID", 0);
	aml_byte(a, AML_NAME_OP);
	aml_bytes(a, "_CRS", 4);
	aml_byte(a, AML_BUFFER_OP);
	buf = aml_open(a);
	aml_byte(a, AML_BYTE_PREFIX);
	aml_byte(a, sizeof(crs));
	aml_bytes(a, crs, sizeof(crs));
	aml_close(a, buf);
	aml_close(a, vmbs);
	aml_close(a, vmod);
	aml_close(a, scope);
}

/* --- the tables --- */

static int build_dsdt(uint8_t *t, size_t room, uint32_t *len)
{
	struct aml a = { t + SDT_HEADER_LEN, 0, 0, false };

	if (room < SDT_HEADER_LEN)
		return -ENOSPC;
	a.cap = room - SDT_HEADER_LEN;
	aml_vmbus(&a);
	if (a.full)
		return -ENOSPC;
	*len = (uint32_t)(SDT_HEADER_LEN + a.len);
	sdt_header(t, "DSDT", *len, 2);
	sdt_finish(t, *len);
	return 0;
}

static void build_madt(uint8_t *t, unsigned int nr_vcpus)
{
	uint32_t len = SDT_HEADER_LEN + 8;
	unsigned int i;

	put32(t + 36, KVM_ACPI_LAPIC_BASE);
	put32(t + 40, 1);		/* PCAT_COMPAT: there are 8259s */
	for (i = 0; i < nr_vcpus; i++, len += 8) {
		t[len] = 0;		/* processor local APIC */
		t[len + 1] = 8;
		t[len + 2] = (uint8_t)i;	/* ACPI processor UID */
		t[len + 3] = (uint8_t)i;	/* APIC ID = vCPU index */
		put32(t + len + 4, 1);	/* enabled */
	}
	t[len] = 1;			/* I/O APIC */
	t[len + 1] = 12;
	t[len + 2] = (uint8_t)nr_vcpus;	/* its APIC ID, after the CPUs' */
	put32(t + len + 4, KVM_ACPI_IOAPIC_BASE);
	put32(t + len + 8, 0);		/* GSI base */
	len += 12;
	t[len] = 2;			/* ISA IRQ 0 (the PIT) is GSI 2 */
	t[len + 1] = 10;
	put32(t + len + 4, 2);
	len += 10;
	sdt_header(t, "APIC", len, 5);
	sdt_finish(t, len);
}

static void build_fadt(uint8_t *t, uint64_t dsdt)
{
	put32(t + 40, (uint32_t)dsdt);		/* DSDT (32-bit) */
	put32(t + 112, FADT_HW_REDUCED);	/* Flags */
	t[131] = 5;				/* FADT minor version */
	put64(t + 140, dsdt);			/* X_DSDT */
	memcpy(t + 268, "HVIS    ", 8);		/* hypervisor vendor */
	sdt_header(t, "FACP", FADT_LEN, 6);
	sdt_finish(t, FADT_LEN);
}

static void build_rsdp(uint8_t *r, uint64_t xsdt)
{
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "HVIS  ", 6);
	r[15] = 2;				/* ACPI 2.0+: XSDT */
	put32(r + 20, RSDP_LEN);
	put64(r + 24, xsdt);
	r[8] = acpi_checksum(r, 20);
	r[32] = acpi_checksum(r, RSDP_LEN);
}

int kvm_acpi_build(uint8_t *area, size_t size, uint64_t gpa,
		   unsigned int nr_vcpus, struct kvm_acpi_layout *out)
{
	uint32_t xsdt_len = SDT_HEADER_LEN + 2 * 8;
	size_t at = 0, madt_max = SDT_HEADER_LEN + 8 + 8 * nr_vcpus + 12 + 10;
	int r;

	if (!nr_vcpus || nr_vcpus > KVM_ACPI_MAX_VCPUS)
		return -EINVAL;
	/* RSDP, XSDT, FADT, MADT at 16-byte boundaries, then the DSDT. */
	if (size < 48 + 64 + 288 + madt_max + SDT_HEADER_LEN)
		return -ENOSPC;
	memset(area, 0, size);
	out->rsdp = gpa;
	out->xsdt = gpa + 48;
	out->fadt = out->xsdt + 64;
	out->madt = out->fadt + 288;
	at = (size_t)(out->madt - gpa) + ((madt_max + 15) & ~(size_t)15);
	out->dsdt = gpa + at;

	r = build_dsdt(area + at, size - at, &out->dsdt_len);
	if (r)
		return r;
	build_madt(area + (out->madt - gpa), nr_vcpus);
	build_fadt(area + (out->fadt - gpa), out->dsdt);
	put64(area + (out->xsdt - gpa) + SDT_HEADER_LEN, out->fadt);
	put64(area + (out->xsdt - gpa) + SDT_HEADER_LEN + 8, out->madt);
	sdt_header(area + (out->xsdt - gpa), "XSDT", xsdt_len, 1);
	sdt_finish(area + (out->xsdt - gpa), xsdt_len);
	build_rsdp(area, out->xsdt);
	out->used = (uint32_t)(at + out->dsdt_len);
	return 0;
}
