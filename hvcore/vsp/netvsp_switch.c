// SPDX-License-Identifier: GPL-2.0-only
/*
 * netvsp's switch back end: the NIC is a port of hvcore's L2 switch
 * (net/switch.c), shared with other NICs of this hvcore and of others.
 * No host kernel sits behind the switch to segment or checksum, so the
 * NIC offers no LSO on it and finishes offloaded checksums itself.
 */
#include <errno.h>
#include <string.h>

#include "evloop.h"
#include "log.h"
#include "net/switch.h"
#include "netvsp.h"
#include "vmbus/channel.h"

/* A frame from the switch for the guest. */
static int netvsp_switch_rx(void *opaque, const uint8_t *frame, uint32_t len)
{
	struct netvsp *nv = opaque;
	uint32_t c;

	if (len > NETVSP_RECV_SLOT_SIZE)
		return -EMSGSIZE;
	if (netvsp_rndis_rx_frame(nv, frame, len, 0)) {
		/* No slot or ring space: keep one, the switch drops more. */
		if (nv->held_len)
			return -EAGAIN;
		memcpy(nv->held, frame, len);
		nv->held_len = len;
		nv->held_csum = 0;
		netvsp_rx_pause(nv, true);
		return 0;
	}
	/* Not sent from this NIC's packet(): nobody else signals the guest. */
	for (c = 0; c < NETVSP_MAX_CHANNELS; c++)
		if (nv->chans[c])
			vmbus_chan_flush(nv->chans[c]->ch);
	return 0;
}

int netvsp_switch_open(struct netvsp *nv, const char *path)
{
	int err = 0;

	nv->sw = netsw_join(vmbus_dev_loop(nv->dev), path, netvsp_switch_rx,
			    nv, &err);
	if (!nv->sw) {
		log_msg("netvsp: switch %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

void netvsp_switch_close(struct netvsp *nv)
{
	if (!nv->sw)
		return;
	netsw_leave(nv->sw);
	nv->sw = NULL;
}

int netvsp_switch_xmit(struct netvsp *nv, uint8_t *frame, uint32_t len,
		       const struct netvsp_vnet_hdr *vh,
		       const struct netvsp_tx_info *ti)
{
	uint8_t tagged[NETSW_FRAME_MAX];

	if (vh->gso_type != NETVSP_VNET_GSO_NONE)
		return -EOPNOTSUPP;	/* LSO is not offered on a switch */
	/* The guest asked for a checksum; the peer expects a whole frame. */
	netvsp_rx_csum(frame, len, vh);
	if (!ti->vlan)
		return netsw_send(nv->sw, frame, len);
	if (len + 4 > sizeof(tagged))
		return -EMSGSIZE;
	memcpy(tagged, frame, 12);
	tagged[12] = 0x81;
	tagged[13] = 0x00;
	tagged[14] = (uint8_t)(ti->vlan_tci >> 8);
	tagged[15] = (uint8_t)ti->vlan_tci;
	memcpy(tagged + 16, frame + 12, len - 12);
	return netsw_send(nv->sw, tagged, len + 4);
}
