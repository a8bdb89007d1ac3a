// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvis_garbage_test - posts malformed VMBus channel messages to the host on request.
 *
 * Loading it does nothing.  Each case is a write-only module parameter under
 * /sys/module/hvis_garbage_test/parameters/; the write posts the message
 * through hv_vmbus's test hook and returns the hook's result:
 *
 *   post_unknown <type>  an 8-byte header with message type <type> (e.g. 0,
 *                        99) and 16 bytes of junk: the host must log and
 *                        drop it.
 *   gpadl_bogus <relid>  a GPADL_HEADER for channel <relid> whose two PFNs
 *                        lie far beyond guest RAM: the host must refuse the
 *                        GPADL (GPADL_CREATED with a failure status, which
 *                        hv_vmbus drops as unmatched) and keep going.
 *
 * The ring-corruption case lives in hvis_echo_test (echo_corrupt) because it
 * needs an open channel's ring.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include <hvis/vmbus_msg.h>

#include "hvis_test_hooks.h"

/* A gpadl handle that hv_vmbus does not hand out (it counts up from low values). */
#define GARBAGE_GPADL_HANDLE	0x7e570001u
#define GARBAGE_JUNK_BYTES	16

static int garbage_post(const void *msg, u32 len)
{
	int (*post)(const void *msg, u32 len);
	int ret;

	/* Resolved at run time so this module loads without the hook. */
	post = symbol_get(hvis_vmbus_test_post_raw);
	if (!post) {
		pr_err("hv_vmbus has no test hooks (not hvis, or too old)\n");
		return -ENOENT;
	}
	ret = post(msg, len);
	symbol_put(hvis_vmbus_test_post_raw);
	return ret;
}

static int garbage_post_unknown(const char *val, const struct kernel_param *kp)
{
	u8 msg[sizeof(struct hvis_chmsg_header) + GARBAGE_JUNK_BYTES];
	struct hvis_chmsg_header *hdr = (void *)msg;
	u32 type;
	int ret;

	ret = kstrtou32(val, 0, &type);
	if (ret)
		return ret;
	memset(msg, 0xa5, sizeof(msg));
	hdr->msgtype = type;
	hdr->padding = 0;
	ret = garbage_post(msg, sizeof(msg));
	pr_info("posted channel message type %u: %d\n", type, ret);
	return ret;
}

static const struct kernel_param_ops garbage_post_unknown_ops = {
	.set = garbage_post_unknown,
};
module_param_cb(post_unknown, &garbage_post_unknown_ops, NULL, 0200);
MODULE_PARM_DESC(post_unknown, "write a type: post a message of that type");

static int garbage_gpadl_bogus(const char *val, const struct kernel_param *kp)
{
	/* u64 storage keeps the PFN array naturally aligned. */
	u64 buf[(sizeof(struct hvis_chmsg_gpadl_header) +
		 sizeof(struct hvis_gpa_range) + 2 * sizeof(u64) + 7) / 8] = { };
	struct hvis_chmsg_gpadl_header *hdr = (void *)buf;
	struct hvis_gpa_range *range = (void *)(hdr + 1);
	u32 relid, len;
	int ret;

	ret = kstrtou32(val, 0, &relid);
	if (ret)
		return ret;
	if (!relid || relid > HVIS_VMBUS_MAX_RELID)
		return -EINVAL;

	hdr->header.msgtype = HVIS_CHMSG_GPADL_HEADER;
	hdr->child_relid = relid;
	hdr->gpadl = GARBAGE_GPADL_HANDLE;
	hdr->range_buflen = sizeof(*range) + 2 * sizeof(u64);
	hdr->range_count = 1;
	range->byte_count = 2 * HVIS_PAGE_SIZE;
	range->byte_offset = 0;
	/* 64 GiB and 64 TiB: guest RAM is at most 2 GiB. */
	range->pfn[0] = 0x1000000ULL;
	range->pfn[1] = 0xfffffffffULL;
	len = sizeof(*hdr) + hdr->range_buflen;

	ret = garbage_post(hdr, len);
	pr_info("posted GPADL_HEADER with PFNs beyond RAM for relid %u: %d\n",
		relid, ret);
	return ret;
}

static const struct kernel_param_ops garbage_gpadl_bogus_ops = {
	.set = garbage_gpadl_bogus,
};
module_param_cb(gpadl_bogus, &garbage_gpadl_bogus_ops, NULL, 0200);
MODULE_PARM_DESC(gpadl_bogus, "write a relid: post a GPADL_HEADER beyond guest RAM");

static int __init garbage_init(void)
{
	return 0;
}

static void __exit garbage_exit(void)
{
}

module_init(garbage_init);
module_exit(garbage_exit);

MODULE_DESCRIPTION("hvis VMBus garbage message injector (tests only)");
MODULE_LICENSE("GPL");
