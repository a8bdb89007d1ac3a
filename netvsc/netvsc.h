/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv_netvsc driver state: the net_device of one synthetic NIC (struct
 * netvsc, its netdev_priv) and one attachment to the host (struct
 * netvsc_dev: channels, buffers, NVSP and RNDIS state), shared by the NVSP
 * layer (nvsp.c), RNDIS (rndis.c), the data path (datapath.c) and the
 * net_device layer (netdev.c).
 */
#ifndef HVIS_NETVSC_H
#define HVIS_NETVSC_H

#include <linux/completion.h>
#include <linux/hyperv.h>
#include <linux/if_vlan.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include <hvis/nvsp.h>
#include <hvis/rndis.h>

/* Channels one NIC uses at most (the primary and its sub-channels). */
#define NETVSC_MAX_CHANNELS	16
/* Ring size per direction, header page included. */
#define NETVSC_RING_SIZE	VMBUS_RING_SIZE(128 * 4096)
/* Guest buffers lent to the host by GPADL. */
#define NETVSC_RECV_BUF_SIZE	(16u * 1024 * 1024)
#define NETVSC_SEND_BUF_SIZE	(1024u * 1024)
#define NETVSC_SEND_BUF_ID	0
/* How long a control exchange may take before the attach fails. */
#define NETVSC_SYNC_TIMEOUT	(5 * HZ)
/* RSS: indirection table entries and Toeplitz key the driver programs. */
#define NETVSC_RSS_TABLE_SIZE	128
#define NETVSC_RSS_KEY_SIZE	40
/* Largest RNDIS control reply kept (the offload caps are the biggest). */
#define NETVSC_RNDIS_REPLY_MAX	512
/*
 * Room for the RNDIS PACKET header and its per-packet info in front of a
 * frame: header, packet body, and checksum/LSO/VLAN/hash PPIs.
 */
#define NETVSC_PPI_SIZE		(sizeof(struct hvis_rndis_ppi) + sizeof(u32))
#define NETVSC_RNDIS_HDR_MAX	(sizeof(struct hvis_rndis_header) + \
				 sizeof(struct hvis_rndis_packet) + \
				 4 * NETVSC_PPI_SIZE)
/* Transmit queue stops when less than this much of the ring is free. */
#define NETVSC_RING_LOWATER	(16 * 1024)

/* The descriptor a GPA-direct send is built in: ranges and their pages. */
#define NETVSC_MPB_SIZE		2048

/* Requests ids stand for (vmbus requestor); skbs are any other value. */
#define NETVSC_RQST_SYNC	1ul	/* an NVSP control message */
#define NETVSC_RQST_CTRL	2ul	/* an RNDIS control message */

struct netvsc_dev;

/* A host error worth a line, at most a few a second. */
#define netvsc_err_rl(nv, fmt, ...)					\
do {									\
	if (net_ratelimit())						\
		netdev_err((nv)->ndev, fmt, ##__VA_ARGS__);		\
} while (0)

struct netvsc_queue_stats {
	u64 packets;
	u64 bytes;
	struct u64_stats_sync syncp;
};

/* Pieces a coalesced (RSC) frame may come in, as Hyper-V sends at most. */
#define NETVSC_RSC_MAX		562
/* The largest coalesced frame taken: a 64 KiB segment, headers, tag. */
#define NETVSC_RSC_MAX_LEN	(64 * 1024 + VLAN_ETH_HLEN)

/* A piece of a received frame, in the receive buffer. */
struct netvsc_rx_frag {
	const u8 *data;
	u32 len;
};

/* One pending receive completion the ring had no room for. */
struct netvsc_rx_comp {
	u64 trans_id;
	u32 status;
};

/*
 * One channel of an attachment: the primary (index 0) or a sub-channel,
 * with its NAPI context, which runs every packet the host sends on it.
 *
 * Locking: the poll function is the only reader of the inbound ring and
 * the only user of @comps; transmit runs under the matching netdev queue's
 * xmit lock and alone uses @mpb; the ring's own lock orders writers.
 * @tx_pending counts sends whose completion is owed.
 */
struct netvsc_chan {
	struct netvsc_dev *nvdev;
	struct vmbus_channel *channel;
	struct napi_struct napi;
	u16 index;
	atomic_t tx_pending;
	struct netvsc_rx_comp *comps;	/* FIFO of unsent completions */
	u32 comp_head, comp_tail, comp_size;
	void *mpb;			/* GPA-direct descriptor being built */
	struct netvsc_rx_frag *rsc;	/* pieces of a coalesced frame */
	struct netvsc_queue_stats *tx_stats, *rx_stats;	/* in struct netvsc */
};

/*
 * An RNDIS control request in flight.  Only one is in flight per
 * attachment (@rndis_lock); the reply is copied by the poll function of
 * the primary channel when its request id matches @req_id.
 */
struct netvsc_rndis_req {
	struct completion done;
	u32 req_id;
	u32 reply_len;
	u8 reply[NETVSC_RNDIS_REPLY_MAX];
};

/*
 * One attachment to the host: made by netvsc_attach() and torn down by
 * netvsc_detach() under RTNL, published in netvsc->nvdev (RCU) while the
 * data path may use it.
 *
 * Locking: @sync_lock serialises NVSP control exchanges (process context)
 * and @rndis_lock RNDIS ones; their replies arrive in the primary's poll
 * function (softirq), which copies them under @reply_lock so that a reply
 * racing a timed-out waiter never lands in a request being reused.  The
 * send-buffer section bitmap is lock-free (test_and_set_bit).  @sc_lock
 * guards the sub-channel bookkeeping the offer callback updates.
 */
struct netvsc_dev {
	struct netvsc *nv;
	struct hv_device *hdev;
	u32 nvsp_version;
	bool destroy;			/* detaching: refuse new sub-channels */

	void *recv_buf;
	struct vmbus_gpadl recv_gpadl;
	u32 recv_slot_size, recv_slots;

	void *send_buf;
	struct vmbus_gpadl send_gpadl;
	u32 send_section_size, send_sections;
	unsigned long *send_map;

	/* NVSP control exchange (init, buffers, sub-channels) */
	struct mutex sync_lock;
	spinlock_t reply_lock;		/* sync_reply, rndis_req: see above */
	struct completion sync_done;
	bool sync_waiting;
	struct hvis_nvsp_msg sync_reply;

	/* RNDIS control exchange */
	struct mutex rndis_lock;
	struct netvsc_rndis_req *rndis_req;	/* under reply_lock */
	u32 rndis_next_id;
	/* HALT has no reply: the host reads it from here until detach drains */
	struct {
		struct hvis_rndis_header h;
		u32 req_id;
	} __packed halt;
	u32 max_mtu;
	u8 mac[ETH_ALEN];
	netdev_features_t hw_features;	/* offloads the host took */
	u32 gso_max;

	/* sub-channels */
	spinlock_t sc_lock;		/* sc_opened, num_chn while opening */
	u32 num_chn;			/* channels in use, primary included */
	u32 max_chn;			/* what the host's RSS caps allow */
	u32 sc_opened;
	wait_queue_head_t sc_wait;

	bool send_table_valid;
	u32 send_table[HVIS_NVSP_SEND_TABLE_SIZE];
	u32 rss_table[NETVSC_RSS_TABLE_SIZE];

	struct netvsc_chan chan[NETVSC_MAX_CHANNELS];
};

/* Counters beside the per-queue ones, shown by ethtool -S. */
struct netvsc_ethtool_stats {
	atomic64_t tx_scattered;	/* sent by page ranges, not copied */
	atomic64_t tx_no_space;		/* ring or ids full: queue stopped */
	atomic64_t tx_dropped;
	atomic64_t wake_queue;
	atomic64_t rx_bad;		/* malformed from the host, dropped */
	atomic64_t rx_no_memory;
	atomic64_t rx_comp_busy;	/* completion deferred: ring full */
	atomic64_t rx_csum_good;
	atomic64_t link_changes;
};

/*
 * One synthetic NIC: netdev_priv() of its net_device, alive from probe to
 * remove.
 *
 * Locking: @nvdev changes only under RTNL (attach, detach, channel and
 * MTU changes, remove); the data path reads it under RCU (or from NAPI,
 * which detach disables first).  @rx_mode_work runs the packet filter
 * update ndo_set_rx_mode cannot (it sleeps), under RTNL.
 */
struct netvsc {
	struct net_device *ndev;
	struct hv_device *hdev;
	struct netvsc_dev __rcu *nvdev;
	u32 want_chn;			/* channel count asked by ethtool -L */
	u32 link_speed;			/* 100 bps units, from the host */
	bool link_up;
	bool lro;			/* take coalesced frames (RSC) if offered */
	struct work_struct rx_mode_work;
	struct netvsc_ethtool_stats stats;
	/* per queue, kept across attachments so counters never go back */
	struct netvsc_queue_stats tx_stats[NETVSC_MAX_CHANNELS];
	struct netvsc_queue_stats rx_stats[NETVSC_MAX_CHANNELS];
	u8 rss_key[NETVSC_RSS_KEY_SIZE];
};

/* skb->cb while the host owns a frame. */
struct netvsc_skb_cb {
	u32 section;			/* send-buffer section, or NO_SECTION */
	u32 len;			/* bytes counted as sent */
};

static inline struct netvsc_skb_cb *netvsc_cb(struct sk_buff *skb)
{
	return (struct netvsc_skb_cb *)skb->cb;
}

/* nvsp.c */
struct netvsc_dev *netvsc_nvsp_attach(struct netvsc *nv, u32 mtu);
void netvsc_nvsp_detach(struct netvsc_dev *nvdev);
int netvsc_nvsp_sync(struct netvsc_dev *nvdev, const struct hvis_nvsp_msg *req,
		     u32 reply_type, struct hvis_nvsp_msg *reply);
int netvsc_nvsp_open_subchannels(struct netvsc_dev *nvdev, u32 want);
void netvsc_nvsp_completion(struct netvsc_chan *ch,
			    const struct vmpacket_descriptor *desc);
void netvsc_nvsp_inband(struct netvsc_chan *ch,
			const struct vmpacket_descriptor *desc);
int netvsc_nvsp_open_chan(struct netvsc_dev *nvdev, struct vmbus_channel *chan,
			  u16 index);
void netvsc_nvsp_close_chan(struct netvsc_chan *ch);

/* rndis.c */
int netvsc_rndis_init(struct netvsc_dev *nvdev);
void netvsc_rndis_halt(struct netvsc_dev *nvdev);
int netvsc_rndis_query(struct netvsc_dev *nvdev, u32 oid, const void *in,
		       u32 in_len, void *out, u32 *out_len);
int netvsc_rndis_set(struct netvsc_dev *nvdev, u32 oid, const void *in,
		     u32 in_len);
int netvsc_rndis_set_filter(struct netvsc_dev *nvdev, u32 filter);
int netvsc_rndis_set_rss(struct netvsc_dev *nvdev, const u8 *key);
int netvsc_rndis_set_mac(struct netvsc_dev *nvdev, const u8 *mac);
int netvsc_rndis_offloads(struct netvsc_dev *nvdev);
void netvsc_rndis_control(struct netvsc_chan *ch, const void *msg, u32 len);

/* datapath.c */
int netvsc_poll(struct napi_struct *napi, int budget);
void netvsc_chan_cb(void *context);
netdev_tx_t netvsc_xmit(struct sk_buff *skb, struct net_device *ndev);
u16 netvsc_select_queue(struct net_device *ndev, struct sk_buff *skb,
			struct net_device *sb_dev);
void netvsc_tx_done(struct netvsc_chan *ch, struct sk_buff *skb, u32 status);
int netvsc_send_ctrl(struct netvsc_dev *nvdev, const void *msg, u32 len);

/* netdev.c */
void netvsc_link_change(struct netvsc *nv, bool up);
int netvsc_set_channels(struct netvsc *nv, u32 count);

/* ethtool.c */
extern const struct ethtool_ops netvsc_ethtool_ops;

#endif
