// SPDX-License-Identifier: GPL-2.0-only
/*
 * The heartbeat IC: the host counts the guest alive while it answers each
 * sequence number with the next one.
 */
#include "hv_utils.h"

static const int hv_heartbeat_versions[] = {
	HVIS_IC_HB_VERSION_3_0,
	HVIS_IC_HB_VERSION_1_0,
};

static int hv_heartbeat_request(struct hv_util_dev *udev, u8 *buf, u32 len)
{
	struct icmsg_hdr *hdr = (void *)(buf + sizeof(struct vmbuspipe_hdr));
	struct hvis_ic_heartbeat_msg *msg = (void *)(buf + HVIS_ICMSG_HDR_SIZE);

	msg->seq_num++;
	hdr->status = HVIS_HV_S_OK;
	return HV_UTIL_REPLY;
}

const struct hv_util_svc hv_util_heartbeat_svc = {
	.name = "heartbeat",
	.msg_type = HVIS_ICMSGTYPE_HEARTBEAT,
	.versions = hv_heartbeat_versions,
	.nr_versions = ARRAY_SIZE(hv_heartbeat_versions),
	.request = hv_heartbeat_request,
};
