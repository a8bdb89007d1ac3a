// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_vmbus module entry points: the bus first, then the platforms that find
 * the host and attach the VMBus connection.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "vmbus_priv.h"

static bool hv_vmbus_hyperv_up;

static int __init hv_vmbus_init(void)
{
	int ret;

	ret = vmbus_bus_init();
	if (ret)
		return ret;
	ret = platform_hvshm_init();
	if (ret)
		goto err_bus_exit;
	/* -ENODEV: not running on Hyper-V, which is fine under hvcore. */
	ret = platform_hyperv_init();
	if (ret && ret != -ENODEV)
		goto err_hvshm_exit;
	hv_vmbus_hyperv_up = !ret;
	return 0;

err_hvshm_exit:
	platform_hvshm_exit();
err_bus_exit:
	vmbus_bus_exit();
	return ret;
}

static void __exit hv_vmbus_exit(void)
{
	if (hv_vmbus_hyperv_up)
		platform_hyperv_exit();
	platform_hvshm_exit();
	vmbus_bus_exit();
}

module_init(hv_vmbus_init);
module_exit(hv_vmbus_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Microsoft Hyper-V VMBus Driver (hvis)");
MODULE_VERSION("1.0.0-hvis");
