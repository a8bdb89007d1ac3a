// SPDX-License-Identifier: GPL-2.0-only
/* The dynamic memory VSP: version and capability negotiation, status reports, message dispatch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dynmem_int.h"
#include "gpa.h"
#include "hvis/ring.h"
#include "log.h"
#include "vmbus/channel.h"
#include "vsp.h"

struct dm_dev *dm_from_dev(const struct vmbus_dev *dev)
{
	return vmbus_dev_priv(dev);
}

uint64_t dm_visible_pages(const struct dm_dev *dm)
{
	if (!dm->ha_base_pfn)
		return dm->ram_pages;
	return dm->ha_base_pfn + dm->ha_added;
}

int dm_send(struct dm_dev *dm, void *msg, uint16_t type, uint16_t size)
{
	struct vmbus_chan *ch = vmbus_dev_chan(dm->dev, 0);
	struct hvis_dm_header *h = msg;
	struct hvring_iov iov = { msg, size };

	if (!ch || !vmbus_chan_is_open(ch))
		return -EPIPE;
	h->type = type;
	h->size = size;
	h->trans_id = ++dm->trans_id;
	return vmbus_chan_send(ch, HVIS_VMPKT_DATA_INBAND, 0, 0, &iov, 1);
}

static uint64_t dm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool dm_version_known(uint32_t v)
{
	return v == HVIS_DM_VERSION_WIN10 || v == HVIS_DM_VERSION_WIN8 ||
	       v == HVIS_DM_VERSION_WIN7;
}

/* A reply to the message being handled: -EAGAIN means retry the packet. */
static int dm_reply(struct dm_dev *dm, uint16_t type, bool accepted)
{
	struct hvis_dm_accept a = { .flags = accepted ? HVIS_DM_IS_ACCEPTED : 0 };
	int r = dm_send(dm, &a, type, sizeof(a));

	return r == -EAGAIN ? VSP_PKT_RETRY : r;
}

static int dm_version_request(struct dm_dev *dm,
			      const struct hvis_dm_version_request *req)
{
	bool ok = dm_version_known(req->version) &&
		  req->version <= dm->max_version;
	int r = dm_reply(dm, HVIS_DM_VERSION_RESPONSE, ok);

	if (r)
		return r;
	if (ok) {
		dm->version = req->version;
		dm->caps_ok = false;
		log_msg("dynmem: relid %u: protocol version %u.%u",
			vmbus_dev_relid(dm->dev),
			HVIS_DM_VERSION_MAJOR(req->version),
			HVIS_DM_VERSION_MINOR(req->version));
	} else if (req->flags & HVIS_DM_VERSION_IS_LAST_ATTEMPT) {
		log_guest("dynmem: relid %u: no common version (guest's last is %#x)",
			  vmbus_dev_relid(dm->dev), req->version);
	}
	return 0;
}

static int dm_capabilities(struct dm_dev *dm,
			   const struct hvis_dm_capabilities *c)
{
	bool ok = dm->version != 0;
	int r = dm_reply(dm, HVIS_DM_CAPABILITIES_RESPONSE, ok);

	if (r)
		return r;
	if (!ok) {
		log_guest("dynmem: relid %u: capabilities before a version was agreed",
			  vmbus_dev_relid(dm->dev));
		return 0;
	}
	dm->caps = c->caps;
	dm->caps_ok = true;
	log_msg("dynmem: relid %u: guest can%s balloon, can%s hot-add (align %u MiB)",
		vmbus_dev_relid(dm->dev),
		c->caps & HVIS_DM_CAP_BALLOON ? "" : "not",
		c->caps & HVIS_DM_CAP_HOT_ADD ? "" : "not",
		1u << HVIS_DM_CAP_HOT_ADD_ALIGN_LOG2(c->caps));
	return 0;
}

static void dm_status(struct dm_dev *dm, const struct hvis_dm_status *s)
{
	uint64_t now = dm_now_ns();

	if (dm->status_last_ns && now - dm->status_last_ns > dm->status_max_gap_ns)
		dm->status_max_gap_ns = now - dm->status_last_ns;
	if (dm->status_last_ns && now - dm->status_last_ns > dm->status_window_gap_ns)
		dm->status_window_gap_ns = now - dm->status_last_ns;
	dm->status_last_ns = now;
	dm->status = *s;
	dm->status_count++;
	log_debug("dynmem: relid %u: status avail %llu committed %llu pages",
		  vmbus_dev_relid(dm->dev), (unsigned long long)s->num_avail,
		  (unsigned long long)s->num_committed);
}

/* Every message needs a negotiated version except the negotiation itself. */
static int dm_dispatch(struct vmbus_chan *ch, struct dm_dev *dm,
		       const void *msg, int type)
{
	const struct guest_mem *mem = vmbus_chan_mem(ch);

	if (type != HVIS_DM_VERSION_REQUEST &&
	    type != HVIS_DM_CAPABILITIES_REPORT && !dm->caps_ok) {
		log_guest("dynmem: relid %u: message %d before negotiation ended",
			  vmbus_chan_relid(ch), type);
		return -EPROTO;
	}
	switch (type) {
	case HVIS_DM_VERSION_REQUEST:
		return dm_version_request(dm, msg);
	case HVIS_DM_CAPABILITIES_REPORT:
		return dm_capabilities(dm, msg);
	case HVIS_DM_STATUS_REPORT:
		dm_status(dm, msg);
		return 0;
	case HVIS_DM_BALLOON_RESPONSE:
		dm_balloon_response(dm, mem, msg);
		return 0;
	case HVIS_DM_UNBALLOON_RESPONSE:
		dm_unballoon_response(dm, mem);
		return 0;
	case HVIS_DM_MEM_HOT_ADD_RESPONSE:
		dm_hot_add_response(dm, msg);
		return 0;
	}
	return -EPROTO;		/* hvis_dm_check() lets no other type through */
}

static int dm_packet(struct vmbus_chan *ch, const void *data, uint32_t len)
{
	/* A private, aligned copy: one message is at most a page. */
	static uint64_t buf[HVIS_DM_MAX_MSG_SIZE / 8];
	struct dm_dev *dm = dm_from_dev(vmbus_chan_dev(ch));
	const uint8_t *pkt = data;
	struct hvis_vmpacket_desc d;
	uint32_t off, n;
	int type;

	off = vmbus_pkt_desc(pkt, &d);
	if (d.type != HVIS_VMPKT_DATA_INBAND) {
		log_guest("dynmem: relid %u: packet type %u not part of the protocol",
			  vmbus_chan_relid(ch), d.type);
		return -EPROTO;
	}
	n = len - off;
	if (n > sizeof(buf)) {
		log_guest("dynmem: relid %u: %u-byte message, over a page",
			  vmbus_chan_relid(ch), n);
		return -EMSGSIZE;
	}
	memcpy(buf, pkt + off, n);
	type = hvis_dm_check(buf, n, HVIS_DIR_G2H, dm->version);
	if (type < 0) {
		uint16_t t = 0;

		if (n >= sizeof(t))
			memcpy(&t, buf, sizeof(t));
		log_guest("dynmem: relid %u: refused message (type %u): %s",
			  vmbus_chan_relid(ch), t, hvis_dm_check_reason(type));
		return -EPROTO;
	}
	return dm_dispatch(ch, dm, buf, type);
}

static void dm_writable(struct vmbus_chan *ch)
{
	struct dm_dev *dm = dm_from_dev(vmbus_chan_dev(ch));

	if (dm->send_pending)
		dm_balloon_pump(dm, vmbus_chan_mem(ch));
}

/* The guest let the channel go: whatever it had ballooned is its own again. */
static void dm_forget(struct dm_dev *dm)
{
	if (dm->ballooned)
		log_msg("dynmem: relid %u: guest left with %llu pages ballooned",
			vmbus_dev_relid(dm->dev),
			(unsigned long long)dm->ballooned);
	dm_balloon_forget(dm);
	dm->version = 0;
	dm->caps_ok = false;
	dm->caps = 0;
	dm->status_last_ns = 0;
	dm->ha_added = 0;
	dm->ha_offered = 0;
}

static void dm_close(struct vmbus_chan *ch)
{
	dm_forget(dm_from_dev(vmbus_chan_dev(ch)));
}

static void dm_reset(struct vmbus_dev *dev)
{
	dm_forget(dm_from_dev(dev));
}

/*
 * @args: space- or comma-separated key=value words:
 *   max-version=X.Y   the highest version accepted (2.0, 1.0 or 0.3)
 *   hot-add-base=MIB  the guest kernel was booted with mem=MIB M: RAM above
 *                     it is hidden and may be offered by 'hot-add'
 *   hot-add-end=MIB   where the hidden RAM ends.  By default the last
 *                     128 MiB block of RAM is not offered: under QEMU the
 *                     firmware (SeaBIOS) keeps its tables in the top
 *                     256 KiB, e820-reserved, so the guest cannot add it.
 */
/* The hot-add unit hvcore's arguments use: 128 MiB, in 4 KiB pages. */
#define DM_HOT_ADD_BLOCK	HVIS_DM_MIB_PAGES(128)

static int dm_parse_args(struct dm_dev *dm, const char *args)
{
	char buf[256], *tok, *save = NULL;
	unsigned int major, minor;
	unsigned long mib;

	if (!args)
		args = "";
	if (strlen(args) >= sizeof(buf))
		return -E2BIG;
	strcpy(buf, args);
	for (tok = strtok_r(buf, " ,", &save); tok;
	     tok = strtok_r(NULL, " ,", &save)) {
		char end;

		if (sscanf(tok, "max-version=%u.%u%c", &major, &minor, &end) == 2 &&
		    dm_version_known(HVIS_DM_VERSION(major, minor))) {
			dm->max_version = HVIS_DM_VERSION(major, minor);
		} else if (sscanf(tok, "hot-add-base=%lu%c", &mib, &end) == 1 &&
			   mib && !(mib % 128) &&
			   HVIS_DM_MIB_PAGES(mib) < dm->ram_pages) {
			dm->ha_base_pfn = HVIS_DM_MIB_PAGES(mib);
		} else if (sscanf(tok, "hot-add-end=%lu%c", &mib, &end) == 1 &&
			   mib && !(mib % 128) &&
			   HVIS_DM_MIB_PAGES(mib) <= dm->ram_pages) {
			dm->ha_end_pfn = HVIS_DM_MIB_PAGES(mib);
		} else {
			log_msg("dynmem: bad argument \"%s\" (max-version=2.0|1.0|0.3, hot-add-base=<MiB>, hot-add-end=<MiB>: multiples of 128 within RAM)",
				tok);
			return -EINVAL;
		}
	}
	if (!dm->ha_end_pfn && dm->ram_pages > DM_HOT_ADD_BLOCK)
		dm->ha_end_pfn = (dm->ram_pages - 1) / DM_HOT_ADD_BLOCK *
				 DM_HOT_ADD_BLOCK;
	if (dm->ha_base_pfn && dm->ha_base_pfn >= dm->ha_end_pfn) {
		log_msg("dynmem: no RAM to hot-add between hot-add-base and hot-add-end (%llu MiB of RAM; the last 128 MiB block is the firmware's unless hot-add-end says otherwise)",
			(unsigned long long)dm->ram_pages >> (20 - HVIS_PAGE_SHIFT));
		return -EINVAL;
	}
	return 0;
}

/* The device's guest RAM, without a channel yet: the server hands it to channels. */
static int dm_offer(struct vmbus_dev *dev, const char *args)
{
	struct vmbus_chan *ch = vmbus_dev_chan(dev, 0);
	struct dm_dev *dm;
	int r;

	if (!ch)
		return -EINVAL;
	dm = calloc(1, sizeof(*dm));
	if (!dm)
		return -ENOMEM;
	dm->dev = dev;
	dm->max_version = HVIS_DM_VERSION_WIN10;
	r = dm_balloon_init(dm, vmbus_chan_mem(ch));
	if (r)
		goto err_free_dm;
	r = dm_parse_args(dm, args);
	if (r)
		goto err_balloon_exit;
	vmbus_dev_set_priv(dev, dm);
	return 0;

err_balloon_exit:
	dm_balloon_exit(dm);
err_free_dm:
	free(dm);
	return r;
}

static void dm_release(struct vmbus_dev *dev)
{
	struct dm_dev *dm = dm_from_dev(dev);

	if (!dm)
		return;
	dm_balloon_exit(dm);
	free(dm);
	vmbus_dev_set_priv(dev, NULL);
}

const struct vsp_ops dynmem_vsp_ops = {
	.name = "dynmem",
	.class_id = HVIS_DM_CLASS_GUID,
	.signal_style = VSP_SIGNAL_DEDICATED,
	.offer = dm_offer,
	.packet = dm_packet,
	.writable = dm_writable,
	.ctl = dm_ctl,
	.close = dm_close,
	.reset = dm_reset,
	.release = dm_release,
};
