// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only entry points, inert unless the test_hooks parameter is set at
 * load time: they let a test module send the host arbitrary channel messages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "vmbus_priv.h"

static bool test_hooks;
module_param(test_hooks, bool, 0444);
MODULE_PARM_DESC(test_hooks,
		 "Enable test-only entry points (hvis_vmbus_test_*); never in production");

/**
 * hvis_vmbus_test_post_raw - post any channel message to the host
 * @msg: the message, starting with a channel-message header
 * @len: its length, 8..240
 *
 * Return: 0, -EPERM without test_hooks, -EINVAL for a bad length, or the
 * vmbus_post_msg() error.
 */
int hvis_vmbus_test_post_raw(const void *msg, u32 len)
{
	u8 buf[HVIS_MESSAGE_PAYLOAD_SIZE];

	if (!test_hooks)
		return -EPERM;
	if (len < sizeof(struct hvis_chmsg_header) ||
	    len > HVIS_MESSAGE_PAYLOAD_SIZE)
		return -EINVAL;
	/* vmbus_post_msg() takes a writable buffer; never hand it the caller's. */
	memcpy(buf, msg, len);
	return vmbus_post_msg(buf, len, true);
}
EXPORT_SYMBOL_GPL(hvis_vmbus_test_post_raw);
