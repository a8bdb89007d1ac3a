// SPDX-License-Identifier: GPL-2.0-only
/* The echo VSP: sends every packet's bytes back, the test device for VMBus itself. */
#include <errno.h>
#include <string.h>

#include "gpa.h"
#include "hvis/echo.h"
#include "hvis/ring.h"
#include "log.h"
#include "vmbus/channel.h"
#include "vsp.h"

/*
 * The bytes of a GPA-direct range, copied out of guest RAM before the reply
 * is written.  The guest may describe any of its pages, including the
 * host->guest ring the reply lands in: gathering straight from guest RAM
 * would make the ring write copy between overlapping buffers, and would
 * echo bytes the guest rewrites meanwhile.  One buffer serves every echo
 * channel: packets are handled one at a time on the event-loop thread and
 * the ring write has copied the reply out before echo_packet() returns.
 */
static uint8_t echo_range_buf[HVIS_ECHO_MAX_PAYLOAD];

static int echo_violation(struct vmbus_chan *ch, const char *why, int err)
{
	log_guest("echo: relid %u: %s", vmbus_chan_relid(ch), why);
	return err;
}

static int echo_reply(struct vmbus_chan *ch, uint64_t trans_id,
		      const struct hvring_iov *iov, uint32_t n)
{
	int r = vmbus_chan_send(ch, HVIS_VMPKT_DATA_INBAND, 0, trans_id, iov, n);

	if (r == -EAGAIN)
		return VSP_PKT_RETRY;
	if (r == -EMSGSIZE)
		return echo_violation(ch, "echo does not fit the guest's ring", r);
	return r;
}

/*
 * A sub-channel request is echoed like any other packet, too.  A count
 * outside 1..16 is a protocol violation; 0 or -errno.
 */
static int echo_maybe_subchannels(struct vmbus_chan *ch, const uint8_t *p,
				  uint32_t n)
{
	struct hvis_echo_sc_request req;
	uint32_t count;
	int r;

	if (n < sizeof(req))
		return 0;
	memcpy(&req, p, sizeof(req));
	if (memcmp(req.magic, HVIS_ECHO_SC_MAGIC, sizeof(req.magic)))
		return 0;
	count = req.count;
	if (!count || count > HVIS_ECHO_MAX_SUBCHANNELS)
		return echo_violation(ch, "sub-channel count out of 1..16",
				      -EPROTO);
	r = vmbus_dev_add_subchannels(vmbus_chan_dev(ch), count);
	if (r)
		log_guest("echo: relid %u: cannot offer %u sub-channels: %s",
			  vmbus_chan_relid(ch), count, strerror(-r));
	return 0;
}

static int echo_inband(struct vmbus_chan *ch, const uint8_t *pkt,
		       uint32_t off, uint32_t len, uint64_t trans_id)
{
	struct hvring_iov iov = { pkt + off, len - off };
	int r;

	if (iov.len > HVIS_ECHO_MAX_PAYLOAD)
		return echo_violation(ch, "inband payload over 16 KiB", -EMSGSIZE);
	r = echo_maybe_subchannels(ch, pkt + off, iov.len);
	if (r)
		return r;
	return echo_reply(ch, trans_id, &iov, 1);
}

/*
 * GPA direct: one multi-page range after the descriptor, then the inband
 * bytes at offset8.  The echo is the inband bytes followed by the range's,
 * snapshotted into echo_range_buf first.
 */
static int echo_gpa_direct(struct vmbus_chan *ch, const uint8_t *pkt,
			   uint32_t off, uint32_t len, uint64_t trans_id)
{
	const struct guest_mem *mem = vmbus_chan_mem(ch);
	struct hvring_iov iov[2];
	struct hvis_gpa_direct_header hdr;
	struct hvis_mpb_array mpb;
	uint32_t npfn, i, done, first;
	uint64_t end;

	if (off < sizeof(hdr) + sizeof(mpb))
		return echo_violation(ch, "GPA-direct packet without a range", -EPROTO);
	memcpy(&hdr, pkt, sizeof(hdr));
	memcpy(&mpb, pkt + sizeof(hdr), sizeof(mpb));
	if (hdr.range_count != 1)
		return echo_violation(ch, "GPA-direct packet with range_count != 1", -EPROTO);
	if (!mpb.len || mpb.offset >= HVIS_PAGE_SIZE)
		return echo_violation(ch, "GPA-direct range empty or offset past its page", -EPROTO);
	if ((uint64_t)len - off + mpb.len > HVIS_ECHO_MAX_PAYLOAD)
		return echo_violation(ch, "GPA-direct echo over 16 KiB", -EMSGSIZE);
	end = (uint64_t)mpb.offset + mpb.len;
	npfn = (uint32_t)((end + HVIS_PAGE_SIZE - 1) / HVIS_PAGE_SIZE);
	if (sizeof(hdr) + sizeof(mpb) + (uint64_t)npfn * sizeof(uint64_t) > off)
		return echo_violation(ch, "GPA-direct PFN list overlaps the payload", -EPROTO);

	iov[0].base = pkt + off;
	iov[0].len = len - off;
	first = mpb.offset;
	for (i = 0, done = 0; i < npfn; i++) {
		uint64_t pfn;
		uint8_t *page;
		uint32_t chunk = HVIS_PAGE_SIZE - first;

		memcpy(&pfn, pkt + sizeof(hdr) + sizeof(mpb) + i * sizeof(pfn),
		       sizeof(pfn));
		page = gpa_map_pfn(mem, pfn);
		if (!page)
			return echo_violation(ch, "GPA-direct PFN outside guest RAM", -EFAULT);
		if (chunk > mpb.len - done)
			chunk = mpb.len - done;
		/* Checked above: done + chunk <= mpb.len <= the buffer. */
		memcpy(echo_range_buf + done, page + first, chunk);
		done += chunk;
		first = 0;
	}
	iov[1].base = echo_range_buf;
	iov[1].len = mpb.len;
	return echo_reply(ch, trans_id, iov, 2);
}

static int echo_packet(struct vmbus_chan *ch, const void *data, uint32_t len)
{
	const uint8_t *pkt = data;
	struct hvis_vmpacket_desc d;
	uint32_t off;

	off = vmbus_pkt_desc(pkt, &d);
	switch (d.type) {
	case HVIS_VMPKT_DATA_INBAND:
		return echo_inband(ch, pkt, off, len, d.trans_id);
	case HVIS_VMPKT_DATA_USING_GPA_DIRECT:
		return echo_gpa_direct(ch, pkt, off, len, d.trans_id);
	default:
		log_guest("echo: relid %u: packet type %u not part of the protocol",
			  vmbus_chan_relid(ch), d.type);
		return -EPROTO;
	}
}

static int echo_offer(struct vmbus_dev *dev, const char *args)
{
	if (args && *args)
		log_msg("echo: ignoring arguments \"%s\"", args);
	(void)dev;
	return 0;
}

const struct vsp_ops echo_vsp_ops = {
	.name = "echo",
	.class_id = HVIS_ECHO_CLASS_GUID,
	.signal_style = VSP_SIGNAL_ALTERNATE,
	.offer = echo_offer,
	.packet = echo_packet,
};
