/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interface every VSP (virtualization service provider: the host half of
 * a synthetic device) fills, and the registry the VMBus server looks VSPs up
 * in by name.  A VSP sees only its device, its channels and guest memory.
 */
#ifndef HVCORE_VSP_H
#define HVCORE_VSP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hvis/types.h"

struct vmbus_dev;
struct vmbus_chan;

/* How a VSP's channels ask the guest to signal the host. */
#define VSP_SIGNAL_DEDICATED	0	/* HvSignalEvent on the channel's connection id */
#define VSP_SIGNAL_MONITORED	1	/* MNF: a bit in monitor page 2 */
#define VSP_SIGNAL_ALTERNATE	2	/* devices alternate, to exercise both */

/* packet() results besides 0 (consumed) and -errno (protocol violation). */
#define VSP_PKT_RETRY		1	/* reply did not fit: keep the packet, redeliver later */
/*
 * Out of a VSP resource (e.g. request slots, all busy): keep the packet and
 * stop reading the channel until the VSP calls vmbus_chan_kick().  Unlike
 * VSP_PKT_RETRY, which polls again from a timer when the ring is not full,
 * nothing runs meanwhile; the VSP must have work outstanding that will kick.
 */
#define VSP_PKT_WAIT		2

/*
 * ctl() result besides 0 and -errno: the VSP took the request over with
 * vsp_ctl_defer() and answers it later with vsp_ctl_req_finish().
 */
#define VSP_CTL_PENDING		1

/* One control request whose reply comes later (owned by ctl.c). */
struct vsp_ctl_req;

/*
 * Only from inside ctl(): take over the request being run; ctl() then
 * returns VSP_CTL_PENDING.  NULL (out of memory): answer it now instead.
 */
struct vsp_ctl_req *vsp_ctl_defer(void);
/* Where the deferred reply's body goes. */
FILE *vsp_ctl_req_out(struct vsp_ctl_req *req);
/*
 * Send the body and "ok" (@err 0), or the body alone (@err < 0; the VSP
 * wrote an "error: ..." line to it), and free @req.  The client may have
 * gone meanwhile: the reply is then dropped.  Every deferred request must
 * be finished exactly once, at the latest when the device is released.
 */
void vsp_ctl_req_finish(struct vsp_ctl_req *req, int err);

struct vsp_ops {
	const char *name;
	struct hvis_guid class_id;
	uint32_t signal_style;		/* VSP_SIGNAL_* */

	/*
	 * The device is being created, before its first offer.  Parse @args
	 * (may be NULL) and hang private state on the device.  0 or -errno.
	 */
	int (*offer)(struct vmbus_dev *dev, const char *args);
	/* The guest opened @ch (primary or sub-channel).  0 or -errno. */
	int (*open)(struct vmbus_chan *ch);
	/*
	 * One packet from the guest: @pkt is a private copy of the descriptor
	 * and payload, @len == len8 * 8, the descriptor's offset8/len8 already
	 * checked against @len by the ring code.  Returns 0, VSP_PKT_RETRY,
	 * VSP_PKT_WAIT, or -errno for a protocol violation (the device is
	 * then rescinded; the VSP has logged why).
	 */
	int (*packet)(struct vmbus_chan *ch, const void *pkt, uint32_t len);
	/*
	 * Optional.  @ch's host->guest ring had been full (a send returned
	 * -EAGAIN) and the guest has made room: send what was held back.
	 * Runs before the channel's next packet is read.
	 */
	void (*writable)(struct vmbus_chan *ch);
	/*
	 * Optional.  'hvcore ctl <vsp name> <relid> @argv...': a command for
	 * this device (@argv[0] is the command word).  Write any reply body
	 * to @out and return 0 (the control socket adds "ok"), or write one
	 * line "error: <reason>" and return -errno, or defer the reply
	 * (vsp_ctl_defer()) and return VSP_CTL_PENDING.
	 */
	int (*ctl)(struct vmbus_dev *dev, int argc, char **argv, FILE *out);
	/* @ch was closed by the guest, by an unload, or by a rescind. */
	void (*close)(struct vmbus_chan *ch);
	/*
	 * Optional (NULL: never busy).  Every channel of @dev has just been
	 * closed for a rescind or an unload, after which the guest reuses
	 * the memory it lent: true if some request of @dev may still write
	 * or read guest memory (I/O under way; the VSP cancels what it can
	 * at close).  The server then holds the RESCIND_CHANNELOFFER and the
	 * UNLOAD_RESPONSE, and the channels take nothing new, until the VSP
	 * calls vmbus_dev_quiesced(@dev), which it must do once that I/O has
	 * finished, whatever its result, so the wait is bounded by it.
	 */
	bool (*busy)(struct vmbus_dev *dev);
	/* The guest disconnected (unload or reset): forget negotiated state. */
	void (*reset)(struct vmbus_dev *dev);
	/* The device goes away for good: free what offer() allocated. */
	void (*release)(struct vmbus_dev *dev);
};

/* The VSP registered under @name, or NULL. */
const struct vsp_ops *vsp_lookup(const char *name);

/* Each VSP exports its ops; vsp_lookup() knows them all. */
extern const struct vsp_ops echo_vsp_ops;
extern const struct vsp_ops synthhid_vsp_ops;
extern const struct vsp_ops dynmem_vsp_ops;
extern const struct vsp_ops synthkbd_vsp_ops;
extern const struct vsp_ops storvsp_vsp_ops;
extern const struct vsp_ops ic_shutdown_vsp_ops;
extern const struct vsp_ops ic_timesync_vsp_ops;
extern const struct vsp_ops ic_heartbeat_vsp_ops;
extern const struct vsp_ops ic_kvp_vsp_ops;
extern const struct vsp_ops ic_vss_vsp_ops;
extern const struct vsp_ops netvsp_vsp_ops;

#endif
