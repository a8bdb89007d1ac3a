// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shutdown IC: the host asks for an orderly power-off, reboot or
 * hibernation; the guest answers first, then starts it from a work item.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <asm/mshyperv.h>

#include "hv_utils.h"

static const int hv_shutdown_versions[] = {
	HVIS_IC_SD_VERSION_3_2,
	HVIS_IC_SD_VERSION_3_1,
	HVIS_IC_SD_VERSION_3_0,
	HVIS_IC_SD_VERSION_1_0,
};

/*
 * The in-tree driver accepts a hibernate request when the platform can
 * hibernate a Hyper-V guest (hv_is_hibernation_supported(): ACPI S4, not the
 * root partition), which its VMBus also reports in the bus attribute
 * "hibernation".  hvis's hv_vmbus cannot suspend its channels yet and reports
 * 0 there, so the request is refused; the uevent below is the in-tree action
 * for when it can.
 */
#define HV_SHUTDOWN_VMBUS_CAN_HIBERNATE	false

/* One per device; the works only read @udev->hdev, stable until deinit. */
struct hv_shutdown {
	struct hv_util_dev *udev;
	struct work_struct poweroff_work;
	struct work_struct reboot_work;
	struct work_struct hibernate_work;
};

static void hv_shutdown_poweroff(struct work_struct *work)
{
	orderly_poweroff(true);
}

static void hv_shutdown_reboot(struct work_struct *work)
{
	orderly_reboot();
}

/* As in-tree, user space (udev: systemctl hibernate) does the hibernating. */
static void hv_shutdown_hibernate(struct work_struct *work)
{
	struct hv_shutdown *sd = container_of(work, struct hv_shutdown,
					      hibernate_work);
	char *envp[2];

	envp[0] = "EVENT=hibernate";
	envp[1] = NULL;
	kobject_uevent_env(&sd->udev->hdev->device.kobj, KOBJ_CHANGE, envp);
	pr_info("shutdown: hibernation uevent sent\n");
}

static bool hv_shutdown_can_hibernate(struct hv_util_dev *udev)
{
	return udev->srv_version >= HVIS_IC_SD_VERSION_3_2 &&
	       HV_SHUTDOWN_VMBUS_CAN_HIBERNATE &&
	       hv_is_hibernation_supported();
}

static int hv_shutdown_request(struct hv_util_dev *udev, u8 *buf, u32 len)
{
	struct icmsg_hdr *hdr = (void *)(buf + sizeof(struct vmbuspipe_hdr));
	struct hvis_ic_shutdown_msg *msg = (void *)(buf + HVIS_ICMSG_HDR_SIZE);
	struct hv_shutdown *sd = udev->priv;
	struct work_struct *work = NULL;
	u32 flags = msg->flags;

	/* Bit 0 asks for force; like in-tree, Linux always goes orderly. */
	switch (flags & ~HVIS_IC_SHUTDOWN_FLAG_FORCE) {
	case HVIS_IC_SHUTDOWN_POWEROFF:
		pr_info("shutdown: power-off requested by the host\n");
		work = &sd->poweroff_work;
		break;
	case HVIS_IC_SHUTDOWN_REBOOT:
		pr_info("shutdown: reboot requested by the host\n");
		work = &sd->reboot_work;
		break;
	case HVIS_IC_SHUTDOWN_HIBERNATE:
		if (hv_shutdown_can_hibernate(udev)) {
			pr_info("shutdown: hibernation requested by the host\n");
			work = &sd->hibernate_work;
		} else {
			pr_info("shutdown: hibernation requested by the host, not supported\n");
		}
		break;
	default:
		pr_err_ratelimited("shutdown: unknown request flags %#x\n",
				   flags);
		break;
	}
	if (!work) {
		hdr->status = HVIS_HV_E_FAIL;
		return HV_UTIL_REPLY;
	}
	/*
	 * The host must hear the answer before the guest goes down: reply
	 * now, then start.  A failed send changes nothing: the host asked.
	 */
	hv_util_reply(udev, len, HVIS_HV_S_OK);
	schedule_work(work);
	return HV_UTIL_DEFER;
}

static int hv_shutdown_init(struct hv_util_dev *udev)
{
	struct hv_shutdown *sd;

	sd = kzalloc(sizeof(*sd), GFP_KERNEL);
	if (!sd)
		return -ENOMEM;
	sd->udev = udev;
	INIT_WORK(&sd->poweroff_work, hv_shutdown_poweroff);
	INIT_WORK(&sd->reboot_work, hv_shutdown_reboot);
	INIT_WORK(&sd->hibernate_work, hv_shutdown_hibernate);
	udev->priv = sd;
	return 0;
}

static void hv_shutdown_deinit(struct hv_util_dev *udev)
{
	struct hv_shutdown *sd = udev->priv;

	/* Flushed, not cancelled: a request the host made is carried out. */
	flush_work(&sd->poweroff_work);
	flush_work(&sd->reboot_work);
	flush_work(&sd->hibernate_work);
	udev->priv = NULL;
	kfree(sd);
}

const struct hv_util_svc hv_util_shutdown_svc = {
	.name = "shutdown",
	.msg_type = HVIS_ICMSGTYPE_SHUTDOWN,
	.versions = hv_shutdown_versions,
	.nr_versions = ARRAY_SIZE(hv_shutdown_versions),
	.init = hv_shutdown_init,
	.deinit = hv_shutdown_deinit,
	.request = hv_shutdown_request,
};
