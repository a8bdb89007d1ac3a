/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvcore's VMBus channels: the calls a VSP makes on its channel and device
 * (send a packet, keep private state, add sub-channels), and the channel
 * state machine the server drives (offer, open, close, rescind, service).
 */
#ifndef HVCORE_VMBUS_CHANNEL_H
#define HVCORE_VMBUS_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "hvis/ring.h"
#include "ring/ring_ops.h"

struct guest_mem;
struct hvis_guid;
struct vmbus_chan;
struct vmbus_dev;

/* --- For VSPs --- */

const struct guest_mem *vmbus_chan_mem(const struct vmbus_chan *ch);
struct vmbus_dev *vmbus_chan_dev(const struct vmbus_chan *ch);
uint32_t vmbus_chan_relid(const struct vmbus_chan *ch);
uint16_t vmbus_chan_sub_index(const struct vmbus_chan *ch);
/* The 120 user-data bytes of the guest's OPENCHANNEL. */
const uint8_t *vmbus_chan_open_data(const struct vmbus_chan *ch);
void *vmbus_chan_priv(const struct vmbus_chan *ch);
void vmbus_chan_set_priv(struct vmbus_chan *ch, void *priv);

void *vmbus_dev_priv(const struct vmbus_dev *dev);
void vmbus_dev_set_priv(struct vmbus_dev *dev, void *priv);
const char *vmbus_dev_name(const struct vmbus_dev *dev);
/*
 * From offer() only, before the device is first offered: the class the
 * offer carries (default: the VSP's class_id), for a VSP that serves
 * two classes; and the instance GUID (random), which offer() may rewrite
 * where a class gives its bytes a meaning.
 */
void vmbus_dev_set_class(struct vmbus_dev *dev,
			 const struct hvis_guid *class_id);
struct hvis_guid *vmbus_dev_instance(struct vmbus_dev *dev);

/* The event loop everything runs on, for a VSP's timers and fds. */
struct evloop *vmbus_dev_loop(const struct vmbus_dev *dev);
/* vCPUs the guest has: the ceiling for per-CPU sub-channels. */
uint32_t vmbus_dev_nr_vcpus(const struct vmbus_dev *dev);
/* The device's relid (its primary channel's). */
uint32_t vmbus_dev_relid(const struct vmbus_dev *dev);
/*
 * From vsp_ops.offer() only (before the first offer): signal the guest's
 * channels through the monitor page (MNF, @on) or a dedicated interrupt,
 * overriding the VSP's signal_style for this device.
 */
void vmbus_dev_set_monitored(struct vmbus_dev *dev, bool on);
/* Channel @sub_index of @dev (0 = primary) if it exists, else NULL. */
struct vmbus_chan *vmbus_dev_chan(const struct vmbus_dev *dev,
				  uint16_t sub_index);
/*
 * Copy the descriptor of @pkt, a packet as vsp_ops.packet() receives it,
 * into @d and return where its payload starts (offset8 * 8).  The ring code
 * has checked that offset: 16 <= it <= the packet's length.
 */
uint32_t vmbus_pkt_desc(const void *pkt, struct hvis_vmpacket_desc *d);

/*
 * Take @dev's sub-channels away, closing any still open, as Hyper-V does
 * when a primary channel closes: each is forgotten once the guest releases
 * its relid, and a later vmbus_dev_add_subchannels() offers fresh ones
 * (a guest that re-attaches waits for new offers).  Never from a VSP's
 * close() of a sub-channel.
 */
void vmbus_dev_rescind_subchannels(struct vmbus_dev *dev);

/* True while the guest has @ch open. */
bool vmbus_chan_is_open(const struct vmbus_chan *ch);
/*
 * @dev's requests no longer touch guest memory, after its busy() said they
 * did (see vsp_ops.busy): a held rescind or unload answer goes out, from
 * a timer (never inside the caller).  Harmless when nothing waits; never
 * after release().
 */
void vmbus_dev_quiesced(struct vmbus_dev *dev);

/*
 * Offer sub-channels 1..@count of @dev that do not exist yet (the guest
 * asked for them).  0 or -errno.
 */
int vmbus_dev_add_subchannels(struct vmbus_dev *dev, uint32_t count);

/*
 * Send one packet to the guest: a descriptor of @type/@flags/@trans_id with
 * offset8 = 2, then the bytes of @iov[0..n).  Returns 0; -EAGAIN when the
 * host->guest ring is full (the channel then waits for the guest to free
 * space: the VSP returns VSP_PKT_RETRY and sees the packet again, so it must
 * send nothing before a send that can fail); -EMSGSIZE if it can never fit;
 * -EPIPE if the channel is not open.  Sends made while the channel is being
 * serviced (from packet()) signal the guest when the batch ends; a VSP that
 * sends from anywhere else (an I/O completion, a timer) calls
 * vmbus_chan_flush() after its sends.  A VSP that sends from outside
 * packet() keeps what -EAGAIN refused and sends it from writable().
 */
int vmbus_chan_send(struct vmbus_chan *ch, uint16_t type, uint16_t flags,
		    uint64_t trans_id, const struct hvring_iov *iov,
		    uint32_t n);
/*
 * vmbus_chan_send() with @hdr_len (a multiple of 8) bytes of @hdr between
 * the descriptor and the payload, offset8 pointing past them: the page
 * ranges of a transfer-page packet (struct hvis_xfer_page_header less
 * its descriptor).
 */
int vmbus_chan_send_hdr(struct vmbus_chan *ch, uint16_t type,
			uint16_t flags, uint64_t trans_id, const void *hdr,
			uint32_t hdr_len, const struct hvring_iov *iov,
			uint32_t n);
/*
 * A buffer the guest lent @dev through GPADL @handle on its primary
 * channel (netvsc's receive and send buffers), held until
 * vmbus_dev_put_buffer(), at the latest from the VSP's close() of the
 * primary channel: a teardown the guest asks for meanwhile is answered
 * once it is put.  *@size: its length in bytes.  NULL, with *@why, when
 * there is no such complete GPADL of @dev, it is being torn down, or it is
 * not one range starting on a page boundary.
 */
struct gpadl *vmbus_dev_get_buffer(struct vmbus_dev *dev, uint32_t handle,
				   uint32_t *size, const char **why);
void vmbus_dev_put_buffer(struct vmbus_dev *dev, struct gpadl *gp);
/*
 * Copy @len bytes to or from offset @off of a held buffer, page by page
 * (its pages need not be contiguous).  0, or -EFAULT if the span is not
 * inside the buffer.  The guest may change the bytes at any time: read
 * them once into host memory and check them there.
 */
int vmbus_buffer_write(const struct vmbus_dev *dev, const struct gpadl *gp,
		       uint64_t off, const void *src, uint64_t len);
int vmbus_buffer_read(const struct vmbus_dev *dev, const struct gpadl *gp,
		      uint64_t off, void *dst, uint64_t len);

/* Interrupt the guest now if a send since the last signal asked for it. */
void vmbus_chan_flush(struct vmbus_chan *ch);
/*
 * The VSP can take packets again after its packet() returned VSP_PKT_WAIT:
 * servicing resumes from a timer, never inside the caller (which may be
 * an I/O completion in the middle of its own bookkeeping).  No-op if the
 * channel is not waiting.
 */
void vmbus_chan_kick(struct vmbus_chan *ch);

/* --- For the server --- */

struct vmbus_server;

struct vmbus_chan *chan_create(struct vmbus_dev *dev, uint16_t sub_index);
void chan_destroy(struct vmbus_chan *ch);
/* Send OFFERCHANNEL for @ch (connected guest). */
void chan_offer(struct vmbus_chan *ch);
/* Host-side close: VSP close, rings unmapped, ring GPADL released. */
void chan_close(struct vmbus_chan *ch);
/* The guest signalled @ch (event or monitor bit): read and dispatch. */
void chan_service(struct vmbus_chan *ch);

uint32_t chan_handle_open(struct vmbus_server *s, const void *msg,
			  uint32_t len);
uint32_t chan_handle_close(struct vmbus_server *s, const void *msg,
			   uint32_t len);
uint32_t chan_handle_modify(struct vmbus_server *s, const void *msg,
			    uint32_t len);

#endif
