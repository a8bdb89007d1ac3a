// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore/backend/kvm_acpi.c: every table's checksum and
 * links, the MADT's CPUs, and the DSDT as Debian's iasl disassembles it
 * (acpica-tools; SKIP without it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/kvm_acpi.h"
#include "ktap.h"

#define BASE	0xe0000ull
#define AREA	0x10000u

static uint8_t test_area[AREA];
static struct kvm_acpi_layout test_l;

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static const uint8_t *at(uint64_t gpa)
{
	return gpa >= BASE && gpa < BASE + AREA ? test_area + (gpa - BASE) : NULL;
}

static bool sums_to_zero(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return sum == 0;
}

/* The table at @gpa has signature @sig and a good checksum. */
static bool table_ok(uint64_t gpa, const char *sig)
{
	const uint8_t *t = at(gpa);

	KTAP_CHECK(t && !memcmp(t, sig, 4));
	KTAP_CHECK(get32(t + 4) >= 36 && gpa + get32(t + 4) <= BASE + AREA);
	KTAP_CHECK(sums_to_zero(t, get32(t + 4)));
	return true;
}

static bool build(unsigned int vcpus)
{
	KTAP_CHECK(!kvm_acpi_build(test_area, AREA, BASE, vcpus, &test_l));
	return true;
}

static bool test_links(void)
{
	const uint8_t *r, *x, *f;

	KTAP_CHECK(build(2));
	r = at(test_l.rsdp);
	KTAP_CHECK(r && !memcmp(r, "RSD PTR ", 8) && test_l.rsdp % 16 == 0);
	KTAP_CHECK(sums_to_zero(r, 20) && sums_to_zero(r, 36));
	KTAP_CHECK(r[15] == 2 && get64(r + 24) == test_l.xsdt);
	KTAP_CHECK(table_ok(test_l.xsdt, "XSDT"));
	x = at(test_l.xsdt);
	KTAP_CHECK(get32(x + 4) == 36 + 16);
	KTAP_CHECK(get64(x + 36) == test_l.fadt && get64(x + 44) == test_l.madt);
	KTAP_CHECK(table_ok(test_l.fadt, "FACP"));
	f = at(test_l.fadt);
	KTAP_CHECK(get32(f + 4) == 276 && f[8] == 6);
	KTAP_CHECK(get64(f + 140) == test_l.dsdt && get32(f + 40) == test_l.dsdt);
	KTAP_CHECK(get32(f + 112) & (1u << 20));	/* hardware-reduced */
	KTAP_CHECK(table_ok(test_l.dsdt, "DSDT"));
	KTAP_CHECK(test_l.used <= AREA);
	return true;
}

static bool test_madt(void)
{
	const uint8_t *m, *e, *end;
	unsigned int cpus = 0, ioapics = 0;

	KTAP_CHECK(build(4));
	KTAP_CHECK(table_ok(test_l.madt, "APIC"));
	m = at(test_l.madt);
	KTAP_CHECK(get32(m + 36) == KVM_ACPI_LAPIC_BASE);
	end = m + get32(m + 4);
	for (e = m + 44; e < end; e += e[1]) {
		KTAP_CHECK(e[1] >= 2 && e + e[1] <= end);
		if (e[0] == 0) {
			/* UID and APIC ID are the vCPU index, enabled. */
			KTAP_CHECK(e[2] == cpus && e[3] == cpus && get32(e + 4) == 1);
			cpus++;
		} else if (e[0] == 1) {
			KTAP_CHECK(get32(e + 4) == KVM_ACPI_IOAPIC_BASE);
			ioapics++;
		}
	}
	KTAP_CHECK(e == end && cpus == 4 && ioapics == 1);
	KTAP_CHECK(kvm_acpi_build(test_area, AREA, BASE, 0, &test_l) == -EINVAL);
	KTAP_CHECK(kvm_acpi_build(test_area, AREA, BASE, KVM_ACPI_MAX_VCPUS + 1,
				  &test_l) == -EINVAL);
	KTAP_CHECK(kvm_acpi_build(test_area, 256, BASE, 1, &test_l) == -ENOSPC);
	return true;
}

/* iasl -d on the DSDT; @dsl gets the disassembly (malloc'd). */
static bool disassemble(char **dsl)
{
	char dir[] = "/tmp/hvcore-acpi-XXXXXX", path[64], cmd[160];
	FILE *f;
	long n;

	KTAP_CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dsdt.dat", dir);
	f = fopen(path, "wb");
	KTAP_CHECK(f);
	KTAP_CHECK(fwrite(at(test_l.dsdt), 1, test_l.dsdt_len, f) ==
		   test_l.dsdt_len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d dsdt.dat >iasl.log 2>&1",
		 dir);
	if (system(cmd)) {
		snprintf(cmd, sizeof(cmd), "cat %s/iasl.log", dir);
		KTAP_CHECK(system(cmd) >= 0);
		return false;
	}
	snprintf(path, sizeof(path), "%s/dsdt.dsl", dir);
	f = fopen(path, "r");
	KTAP_CHECK(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*dsl = calloc(1, (size_t)n + 1);
	KTAP_CHECK(*dsl && fread(*dsl, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	KTAP_CHECK(system(cmd) == 0);
	return true;
}

static bool test_dsdt(void)
{
	char *dsl = NULL;
	bool ok;

	KTAP_CHECK(build(1));
	KTAP_CHECK(disassemble(&dsl));
	ok = strstr(dsl, "Device (VMOD)") && strstr(dsl, "\"ACPI0004\"") &&
	     strstr(dsl, "Device (VMBS)") && strstr(dsl, "\"VMBus\"") &&
	     strstr(dsl, "IRQ (Edge, ActiveHigh, Exclusive, )") &&
	     strstr(dsl, "Name (_STA, 0x0F)");
	if (!ok)
		ktap_diag("iasl -d printed:\n%s", dsl);
	free(dsl);
	KTAP_CHECK(ok);
	return true;
}

int main(void)
{
	static const struct ktap_case cases[] = {
		{ "RSDP -> XSDT -> FADT, MADT; FADT -> DSDT; checksums", test_links },
		{ "MADT: a local APIC per vCPU, one IOAPIC; bad sizes refused",
		  test_madt },
	};
	struct ktap k;
	int i;

	ktap_plan(&k, KTAP_ARRAY_SIZE(cases) + 1);
	for (i = 0; i < KTAP_ARRAY_SIZE(cases); i++)
		ktap_result(&k, cases[i].run(), "hvcore-kvm-acpi: %s",
			    cases[i].what);
	if (system("command -v iasl >/dev/null 2>&1") == 0) {
		ktap_result(&k, test_dsdt(),
			    "hvcore-kvm-acpi: iasl -d shows \\_SB.VMOD.VMBS, _HID \"VMBus\", its IRQ");
	} else {
		k.n++;
		printf("ok %d unit hvcore-kvm-acpi: iasl -d shows the VMBus device # SKIP no iasl (scripts/deps.sh installs acpica-tools)\n",
		       k.n);
	}
	return k.failed ? 1 : 0;
}
