/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the kernels hvis builds for (Debian 6.1 and 6.12)
 * lives here, tested by feature where the headers allow it.
 */
#ifndef HVIS_VMBUS_COMPAT_H
#define HVIS_VMBUS_COMPAT_H

#include <linux/version.h>

/* The one version test; features the preprocessor cannot see use it. */
#define HVIS_KERNEL_GE(maj, min)	(KERNEL_VERSION(maj, min, 0) <= LINUX_VERSION_CODE)

/*
 * struct bus_type callbacks: 6.3 made ->uevent() take a const device and
 * bus_attribute ->show() a const bus_type; 6.11 made ->match() take a const
 * driver.  The signatures are not testable by the preprocessor.
 */
#ifndef HVIS_BUS_UEVENT_CONST
#if HVIS_KERNEL_GE(6, 3)
#define HVIS_BUS_UEVENT_CONST	const
#define HVIS_BUS_ATTR_CONST	const
#else
#define HVIS_BUS_UEVENT_CONST
#define HVIS_BUS_ATTR_CONST
#endif
#endif

#ifndef HVIS_BUS_MATCH_CONST
#if HVIS_KERNEL_GE(6, 11)
#define HVIS_BUS_MATCH_CONST	const
#else
#define HVIS_BUS_MATCH_CONST
#endif
#endif

/*
 * driver_override: on 6.1 the bus keeps it in struct hv_device and exposes
 * the attribute itself; Debian's 6.12 carries the driver-core version
 * (struct device::driver_override, bus_type::driver_override = true) and
 * hyperv.h lost hv_device::driver_override with it.
 */
#ifndef HVIS_CORE_DRIVER_OVERRIDE
#if HVIS_KERNEL_GE(6, 12)
#define HVIS_CORE_DRIVER_OVERRIDE	1
#else
#define HVIS_CORE_DRIVER_OVERRIDE	0
#endif
#endif

/*
 * Debian's 6.12 has the channel "ring" bin attribute owned by hv_vmbus
 * (hv_create_ring_sysfs/hv_remove_ring_sysfs, channel->mmap_ring_buffer);
 * on 6.1 uio_hv_generic creates it itself.
 */
#ifndef HVIS_HAVE_RING_SYSFS
#if HVIS_KERNEL_GE(6, 12)
#define HVIS_HAVE_RING_SYSFS	1
#else
#define HVIS_HAVE_RING_SYSFS	0
#endif
#endif

/* vmbus_devs[HV_PCIE].allowed_in_isolated became true in 6.12. */
#ifndef HVIS_PCIE_ALLOWED_IN_ISOLATED
#if HVIS_KERNEL_GE(6, 12)
#define HVIS_PCIE_ALLOWED_IN_ISOLATED	true
#else
#define HVIS_PCIE_ALLOWED_IN_ISOLATED	false
#endif
#endif

/*
 * SynIC MSR accessors: 6.1 has hv_get_register()/hv_set_register() taking
 * HV_REGISTER_* numbers; 6.8 renamed them hv_get_msr()/hv_set_msr() taking
 * HV_MSR_* (HV_REGISTER_* became arm64 register names).  HV_MSR_EOM marks
 * the new scheme.  Use as hvis_hv_set_msr(HVIS_HV_MSR(EOM), 0).
 */
#ifndef HVIS_HV_MSR
#include <asm/mshyperv.h>
#ifdef HV_MSR_EOM
#define HVIS_HV_MSR(name)		HV_MSR_##name
#define hvis_hv_get_msr(reg)		hv_get_msr(reg)
#define hvis_hv_set_msr(reg, val)	hv_set_msr(reg, val)
#else
#define HVIS_HV_MSR(name)		HV_REGISTER_##name
#define hvis_hv_get_msr(reg)		hv_get_register(reg)
#define hvis_hv_set_msr(reg, val)	hv_set_register(reg, val)
#endif
#endif

/*
 * The VMBus ACPI node (_HID "VMBUS"/"VMBus"): 6.1's vmbus_drv.c binds it
 * with an acpi_driver (->remove returns int); 6.12's with a platform_driver
 * carrying an ACPI match table, whose ->remove returns void from 6.11.
 * Not testable by the preprocessor.
 */
#ifndef HVIS_VMBUS_ACPI_PLATFORM_DRIVER
#if HVIS_KERNEL_GE(6, 11)
#define HVIS_VMBUS_ACPI_PLATFORM_DRIVER	1
#else
#define HVIS_VMBUS_ACPI_PLATFORM_DRIVER	0
#endif
#endif

/*
 * hv_driver.remove returns int up to 6.2 and void from 6.3.  Declare a
 * remove callback as "static HVIS_HV_REMOVE_TYPE f(struct hv_device *)"
 * ending in "return HVIS_HV_REMOVE_RET;".
 */
#ifndef HVIS_HV_REMOVE_TYPE
#if HVIS_KERNEL_GE(6, 3)
#define HVIS_HV_REMOVE_TYPE	void
#define HVIS_HV_REMOVE_RET
#else
#define HVIS_HV_REMOVE_TYPE	int
#define HVIS_HV_REMOVE_RET	0
#endif
#endif

/*
 * scsi_host_template.eh_timed_out returns enum blk_eh_timer_return
 * (BLK_EH_*) up to 6.1 and enum scsi_timeout_action (SCSI_EH_*) from 6.2;
 * enum constants are invisible to the preprocessor.
 */
#ifndef HVIS_SCSI_TIMEOUT_RET
#if HVIS_KERNEL_GE(6, 2)
#define HVIS_SCSI_TIMEOUT_RET		enum scsi_timeout_action
#define HVIS_SCSI_EH_RESET_TIMER	SCSI_EH_RESET_TIMER
#define HVIS_SCSI_EH_DONE		SCSI_EH_DONE
#else
#define HVIS_SCSI_TIMEOUT_RET		enum blk_eh_timer_return
#define HVIS_SCSI_EH_RESET_TIMER	BLK_EH_RESET_TIMER
#define HVIS_SCSI_EH_DONE		BLK_EH_DONE
#endif
#endif

/*
 * hid_device.ll_driver points to a const struct hid_ll_driver from 6.3;
 * 6.1's is not const, so a const driver would lose its qualifier there.
 */
#ifndef HVIS_HID_LL_DRIVER_CONST
#if HVIS_KERNEL_GE(6, 3)
#define HVIS_HID_LL_DRIVER_CONST	const
#else
#define HVIS_HID_LL_DRIVER_CONST
#endif
#endif

/*
 * 6.6 made freezing per holder: a file system frozen by user space (FIFREEZE,
 * what the VSS daemon does) is thawed as FREEZE_HOLDER_USERSPACE.
 */
#ifndef HVIS_THAW_USER_SUPER
#if HVIS_KERNEL_GE(6, 6)
#define HVIS_THAW_USER_SUPER(sb)	thaw_super(sb, FREEZE_HOLDER_USERSPACE)
#else
#define HVIS_THAW_USER_SUPER(sb)	thaw_super(sb)
#endif
#endif

#endif /* HVIS_VMBUS_COMPAT_H */
