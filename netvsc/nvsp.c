// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_netvsc's NVSP layer: opening the channels, the version handshake,
 * lending the receive and send buffers to the host, sub-channels, and the
 * NVSP messages the host sends outside the data path.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "netvsc.h"

/* Versions offered, highest first; 1 (no NDIS config) is not spoken. */
static const u32 netvsc_versions[] = {
	HVIS_NVSP_VERSION_61, HVIS_NVSP_VERSION_6, HVIS_NVSP_VERSION_5,
	HVIS_NVSP_VERSION_4, HVIS_NVSP_VERSION_2,
};

/* Requests a channel may have in flight: what its ring can hold. */
#define NETVSC_RQSTOR_SIZE	(NETVSC_RING_SIZE / 64)
/* Receive completions a channel can owe while its ring is full. */
#define NETVSC_COMP_FIFO	4096

static int netvsc_nvsp_send(struct netvsc_dev *nvdev,
			    const struct hvis_nvsp_msg *msg, bool reply)
{
	return vmbus_sendpacket(nvdev->chan[0].channel, (void *)msg,
				sizeof(*msg), reply ? NETVSC_RQST_SYNC : 0,
				VM_PKT_DATA_INBAND,
				reply ? VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED
				      : 0);
}

/**
 * netvsc_nvsp_sync - send an NVSP control message and wait for its reply
 * @nvdev: the attachment
 * @req: the message
 * @reply_type: the message type the host answers with
 * @reply: receives the reply
 *
 * Context: process; takes @nvdev->sync_lock.
 * Return: 0, -ETIMEDOUT, -EPROTO for a reply of another type, or the
 * send's error.
 */
int netvsc_nvsp_sync(struct netvsc_dev *nvdev, const struct hvis_nvsp_msg *req,
		     u32 reply_type, struct hvis_nvsp_msg *reply)
{
	long left;
	int ret;

	mutex_lock(&nvdev->sync_lock);
	spin_lock_bh(&nvdev->reply_lock);
	reinit_completion(&nvdev->sync_done);
	nvdev->sync_waiting = true;
	spin_unlock_bh(&nvdev->reply_lock);

	ret = netvsc_nvsp_send(nvdev, req, true);
	if (!ret) {
		left = wait_for_completion_timeout(&nvdev->sync_done,
						   NETVSC_SYNC_TIMEOUT);
		if (!left)
			ret = -ETIMEDOUT;
	}

	spin_lock_bh(&nvdev->reply_lock);
	nvdev->sync_waiting = false;
	if (!ret) {
		*reply = nvdev->sync_reply;
		if (reply->type != reply_type)
			ret = -EPROTO;
	}
	spin_unlock_bh(&nvdev->reply_lock);
	mutex_unlock(&nvdev->sync_lock);
	if (ret)
		netdev_err(nvdev->nv->ndev, "NVSP message %u: no reply %u (%d)\n",
			   req->type, reply_type, ret);
	return ret;
}

/*
 * A completion packet on @ch: the reply to an NVSP control message, or
 * the host's word on a frame or RNDIS message the guest sent.
 */
void netvsc_nvsp_completion(struct netvsc_chan *ch,
			    const struct vmpacket_descriptor *desc)
{
	struct netvsc_dev *nvdev = ch->nvdev;
	struct hvis_nvsp_msg msg = {};
	u32 len = hv_pkt_datalen(desc);
	u64 rqst;

	rqst = vmbus_request_addr(ch->channel, desc->trans_id);
	if (rqst == VMBUS_RQST_ERROR) {
		atomic64_inc(&nvdev->nv->stats.rx_bad);
		netvsc_err_rl(nvdev->nv,
			      "completion with unknown id %llu\n",
				       desc->trans_id);
		return;
	}
	memcpy(&msg, hv_pkt_data(desc), min_t(u32, len, sizeof(msg)));

	if (rqst == NETVSC_RQST_SYNC) {
		spin_lock(&nvdev->reply_lock);
		if (nvdev->sync_waiting) {
			nvdev->sync_reply = msg;
			complete(&nvdev->sync_done);
		}
		spin_unlock(&nvdev->reply_lock);
		return;
	}
	if (rqst == NETVSC_RQST_CTRL) {
		atomic_dec(&ch->tx_pending);
		return;
	}
	/* A frame: the host is done with it whatever it says. */
	netvsc_tx_done(ch, (struct sk_buff *)(unsigned long)rqst,
		       len >= HVIS_NVSP_LEN(sizeof(msg.rndis_complete)) &&
		       msg.type == HVIS_NVSP_SEND_RNDIS_PKT_COMPLETE ?
		       msg.rndis_complete.status : HVIS_NVSP_STAT_FAIL);
}

/* The host's send indirection table: which channel each hash bucket uses. */
static void netvsc_nvsp_send_table(struct netvsc_dev *nvdev,
				   const struct hvis_nvsp_msg *msg, u32 len)
{
	const struct hvis_nvsp_send_table *t = &msg->send_table;
	u32 i, v;

	if (len < HVIS_NVSP_LEN(sizeof(*t)) ||
	    t->count != HVIS_NVSP_SEND_TABLE_SIZE || t->offset > len ||
	    len - t->offset < t->count * sizeof(u32)) {
		atomic64_inc(&nvdev->nv->stats.rx_bad);
		netvsc_err_rl(nvdev->nv,
			      "send table of %u entries at %u in %u bytes refused\n",
				       t->count, t->offset, len);
		return;
	}
	for (i = 0; i < HVIS_NVSP_SEND_TABLE_SIZE; i++) {
		memcpy(&v, (const u8 *)msg + t->offset + i * sizeof(v),
		       sizeof(v));
		WRITE_ONCE(nvdev->send_table[i], v);
	}
	WRITE_ONCE(nvdev->send_table_valid, true);
}

/* An in-band NVSP message from the host that is not a completion. */
void netvsc_nvsp_inband(struct netvsc_chan *ch,
			const struct vmpacket_descriptor *desc)
{
	u32 len = hv_pkt_datalen(desc);
	u8 buf[HVIS_NVSP_MSG_SIZE + HVIS_NVSP_SEND_TABLE_SIZE * sizeof(u32)];
	struct hvis_nvsp_msg *msg = (struct hvis_nvsp_msg *)buf;

	if (len < sizeof(u32)) {
		atomic64_inc(&ch->nvdev->nv->stats.rx_bad);
		return;
	}
	len = min_t(u32, len, sizeof(buf));
	memset(buf, 0, sizeof(buf));
	memcpy(buf, hv_pkt_data(desc), len);
	switch (msg->type) {
	case HVIS_NVSP_SEND_INDIRECTION_TABLE:
		netvsc_nvsp_send_table(ch->nvdev, msg, len);
		break;
	case HVIS_NVSP_SEND_VF_ASSOCIATION:
		/* No VF pairing yet: the synthetic path carries everything. */
		break;
	default:
		atomic64_inc(&ch->nvdev->nv->stats.rx_bad);
		netvsc_err_rl(ch->nvdev->nv,
			      "unexpected NVSP message %u from the host\n",
				       msg->type);
	}
}

/**
 * netvsc_nvsp_open_chan - set up and open channel @index of an attachment
 * @nvdev: the attachment
 * @chan: the primary or an offered sub-channel
 * @index: its index (the primary is 0)
 *
 * Context: process.
 */
int netvsc_nvsp_open_chan(struct netvsc_dev *nvdev, struct vmbus_channel *chan,
			  u16 index)
{
	struct netvsc_chan *ch = &nvdev->chan[index];
	int ret;

	ch->nvdev = nvdev;
	ch->channel = chan;
	ch->index = index;
	atomic_set(&ch->tx_pending, 0);
	ch->comp_size = NETVSC_COMP_FIFO;
	ch->comp_head = 0;
	ch->comp_tail = 0;
	ch->comps = kvcalloc(ch->comp_size, sizeof(*ch->comps), GFP_KERNEL);
	if (!ch->comps)
		return -ENOMEM;
	ch->mpb = kzalloc(NETVSC_MPB_SIZE, GFP_KERNEL);
	ch->rsc = kvcalloc(NETVSC_RSC_MAX, sizeof(*ch->rsc), GFP_KERNEL);
	if (!ch->mpb || !ch->rsc) {
		ret = -ENOMEM;
		goto err_free_bufs;
	}
	ch->tx_stats = &nvdev->nv->tx_stats[index];
	ch->rx_stats = &nvdev->nv->rx_stats[index];

	chan->rqstor_size = NETVSC_RQSTOR_SIZE;
	chan->next_request_id_callback = vmbus_next_request_id;
	chan->request_addr_callback = vmbus_request_addr;
	set_channel_read_mode(chan, HV_CALL_ISR);
	netif_napi_add(nvdev->nv->ndev, &ch->napi, netvsc_poll);
	napi_enable(&ch->napi);

	ret = vmbus_open(chan, NETVSC_RING_SIZE, NETVSC_RING_SIZE, NULL, 0,
			 netvsc_chan_cb, ch);
	if (ret)
		goto err_del_napi;
	return 0;

err_del_napi:
	napi_disable(&ch->napi);
	netif_napi_del(&ch->napi);
err_free_bufs:
	kvfree(ch->rsc);
	kfree(ch->mpb);
	ch->rsc = NULL;
	ch->mpb = NULL;
	kvfree(ch->comps);
	ch->comps = NULL;
	ch->channel = NULL;
	return ret;
}

/* Undo netvsc_nvsp_open_chan() once the channel is closed. */
void netvsc_nvsp_close_chan(struct netvsc_chan *ch)
{
	if (!ch->channel)
		return;
	napi_disable(&ch->napi);
	netif_napi_del(&ch->napi);
	kvfree(ch->rsc);
	kfree(ch->mpb);
	kvfree(ch->comps);
	ch->rsc = NULL;
	ch->mpb = NULL;
	ch->comps = NULL;
	ch->channel = NULL;
}

/* Offer callback for a sub-channel: open it while the attach wants it. */
static void netvsc_nvsp_sc_open(struct vmbus_channel *sc)
{
	struct vmbus_channel *primary = sc->primary_channel;
	struct netvsc_dev *nvdev = primary->channel_callback_context ?
		((struct netvsc_chan *)primary->channel_callback_context)->nvdev :
		NULL;
	u16 index = sc->offermsg.offer.sub_channel_index;
	int ret;

	if (!nvdev || READ_ONCE(nvdev->destroy) || !index ||
	    index >= nvdev->num_chn) {
		pr_err_ratelimited("sub-channel %u not wanted: not opened\n",
				   index);
		return;
	}
	ret = netvsc_nvsp_open_chan(nvdev, sc, index);
	if (ret)
		netdev_err(nvdev->nv->ndev, "sub-channel %u: open failed (%d)\n",
			   index, ret);
	spin_lock(&nvdev->sc_lock);
	if (!ret)
		nvdev->sc_opened++;
	spin_unlock(&nvdev->sc_lock);
	wake_up(&nvdev->sc_wait);
}

/**
 * netvsc_nvsp_open_subchannels - ask for @want sub-channels and open them
 * @nvdev: an attachment whose primary is open
 * @want: sub-channels wanted (channels - 1)
 *
 * On return nvdev->num_chn is the number of channels open, primary
 * included (1 if the host granted none or opening them failed).
 */
int netvsc_nvsp_open_subchannels(struct netvsc_dev *nvdev, u32 want)
{
	struct hvis_nvsp_msg req = {}, reply;
	u32 granted;
	int ret;

	nvdev->num_chn = 1;
	if (!want || nvdev->nvsp_version < HVIS_NVSP_VERSION_5)
		return 0;
	req.type = HVIS_NVSP_SUBCHANNEL;
	req.subchannel.op = HVIS_NVSP_SUBCHANNEL_ALLOCATE;
	req.subchannel.count = want;
	/* Offers may arrive before the reply: accept them from here on. */
	nvdev->num_chn = want + 1;
	vmbus_set_sc_create_callback(nvdev->chan[0].channel, netvsc_nvsp_sc_open);
	ret = netvsc_nvsp_sync(nvdev, &req, HVIS_NVSP_SUBCHANNEL, &reply);
	if (ret || reply.subchannel_complete.status != HVIS_NVSP_STAT_SUCCESS) {
		netdev_warn(nvdev->nv->ndev, "host refused sub-channels: one channel\n");
		granted = 0;
	} else {
		granted = min(reply.subchannel_complete.count, want);
	}
	if (!wait_event_timeout(nvdev->sc_wait,
				READ_ONCE(nvdev->sc_opened) >= granted,
				NETVSC_SYNC_TIMEOUT))
		netdev_warn(nvdev->nv->ndev, "%u of %u sub-channels opened\n",
			    READ_ONCE(nvdev->sc_opened), granted);
	spin_lock(&nvdev->sc_lock);
	nvdev->num_chn = 1;
	while (nvdev->num_chn <= granted &&
	       nvdev->chan[nvdev->num_chn].channel)
		nvdev->num_chn++;
	spin_unlock(&nvdev->sc_lock);
	return 0;
}

/*
 * Allocate @size bytes at *@buf, describe them by GPADL and send them to
 * the host as NVSP message @type with buffer id @id; the host's answer
 * (of type @type + 1) is left in @reply.  What was made is undone by
 * netvsc_nvsp_attach()'s unwind or netvsc_nvsp_detach().
 */
static int netvsc_nvsp_lend(struct netvsc_dev *nvdev, u32 type, u16 id,
			    u32 size, void **buf, struct vmbus_gpadl *gpadl,
			    struct hvis_nvsp_msg *reply)
{
	struct hvis_nvsp_msg req = {};
	int ret;

	*buf = vzalloc(size);
	if (!*buf)
		return -ENOMEM;
	ret = vmbus_establish_gpadl(nvdev->chan[0].channel, *buf, size, gpadl);
	if (ret)
		return ret;
	req.type = type;
	req.buf.gpadl = gpadl->gpadl_handle;
	req.buf.id = id;
	return netvsc_nvsp_sync(nvdev, &req, type + 1, reply);
}

/* Lend the receive buffer: the host carves it into slots it fills. */
static int netvsc_nvsp_recv_buf(struct netvsc_dev *nvdev)
{
	const struct hvis_nvsp_recv_section *s;
	struct hvis_nvsp_msg reply;
	int ret;

	ret = netvsc_nvsp_lend(nvdev, HVIS_NVSP_SEND_RECV_BUF,
			       HVIS_NVSP_RECV_BUF_ID, NETVSC_RECV_BUF_SIZE,
			       &nvdev->recv_buf, &nvdev->recv_gpadl, &reply);
	if (ret)
		return ret;
	s = &reply.recv_buf_complete.section;
	if (reply.recv_buf_complete.status != HVIS_NVSP_STAT_SUCCESS ||
	    reply.recv_buf_complete.num_sections != 1 || s->offset ||
	    !s->sub_alloc_size || !s->num_sub_allocs ||
	    (u64)s->sub_alloc_size * s->num_sub_allocs > NETVSC_RECV_BUF_SIZE) {
		netdev_err(nvdev->nv->ndev,
			   "receive buffer refused or carved badly (status %u, %u sections, %u x %u)\n",
			   reply.recv_buf_complete.status,
			   reply.recv_buf_complete.num_sections,
			   s->num_sub_allocs, s->sub_alloc_size);
		return -EPROTO;
	}
	nvdev->recv_slot_size = s->sub_alloc_size;
	nvdev->recv_slots = s->num_sub_allocs;
	return 0;
}

/* Lend the send buffer: the host says how big a section is. */
static int netvsc_nvsp_send_buf(struct netvsc_dev *nvdev)
{
	struct hvis_nvsp_msg reply;
	u32 size;
	int ret;

	ret = netvsc_nvsp_lend(nvdev, HVIS_NVSP_SEND_SEND_BUF,
			       NETVSC_SEND_BUF_ID, NETVSC_SEND_BUF_SIZE,
			       &nvdev->send_buf, &nvdev->send_gpadl, &reply);
	if (ret)
		return ret;
	size = reply.send_buf_complete.section_size;
	if (reply.send_buf_complete.status != HVIS_NVSP_STAT_SUCCESS ||
	    size < NETVSC_RNDIS_HDR_MAX + ETH_ZLEN ||
	    size > NETVSC_SEND_BUF_SIZE) {
		netdev_err(nvdev->nv->ndev,
			   "send buffer refused (status %u, section size %u)\n",
			   reply.send_buf_complete.status, size);
		return -EPROTO;
	}
	nvdev->send_section_size = size;
	nvdev->send_sections = NETVSC_SEND_BUF_SIZE / size;
	nvdev->send_map = bitmap_zalloc(nvdev->send_sections, GFP_KERNEL);
	return nvdev->send_map ? 0 : -ENOMEM;
}

/* Walk down the versions until the host takes one. */
static int netvsc_nvsp_negotiate(struct netvsc_dev *nvdev, u32 mtu)
{
	struct hvis_nvsp_msg req = {}, reply;
	unsigned int i;
	int ret = -EPROTO;

	for (i = 0; i < ARRAY_SIZE(netvsc_versions); i++) {
		memset(&req, 0, sizeof(req));
		req.type = HVIS_NVSP_INIT;
		req.init.min_version = netvsc_versions[i];
		req.init.max_version = netvsc_versions[i];
		ret = netvsc_nvsp_sync(nvdev, &req, HVIS_NVSP_INIT_COMPLETE,
				       &reply);
		if (ret)
			return ret;
		if (reply.init_complete.status == HVIS_NVSP_STAT_SUCCESS)
			break;
	}
	if (i == ARRAY_SIZE(netvsc_versions)) {
		netdev_err(nvdev->nv->ndev, "host takes no NVSP version we speak\n");
		return -EPROTO;
	}
	nvdev->nvsp_version = netvsc_versions[i];

	memset(&req, 0, sizeof(req));
	req.type = HVIS_NVSP_SEND_NDIS_CONFIG;
	req.ndis_config.mtu = mtu + ETH_HLEN;
	req.ndis_config.caps = HVIS_NVSP_CAP_IEEE8021Q;
	ret = netvsc_nvsp_send(nvdev, &req, false);
	if (ret)
		return ret;

	memset(&req, 0, sizeof(req));
	req.type = HVIS_NVSP_SEND_NDIS_VER;
	req.ndis_ver.major = 6;
	req.ndis_ver.minor = nvdev->nvsp_version > HVIS_NVSP_VERSION_4 ? 30 : 1;
	return netvsc_nvsp_send(nvdev, &req, false);
}

/* Give the host's hold on a buffer back before its GPADL goes. */
static void netvsc_nvsp_revoke(struct netvsc_dev *nvdev, u32 type, u16 id)
{
	struct hvis_nvsp_msg req = {};

	req.type = type;
	req.revoke.id = id;
	if (netvsc_nvsp_send(nvdev, &req, false))
		netdev_warn(nvdev->nv->ndev, "could not revoke buffer %u\n", id);
}

static void netvsc_nvsp_free(struct netvsc_dev *nvdev)
{
	bitmap_free(nvdev->send_map);
	vfree(nvdev->send_buf);
	vfree(nvdev->recv_buf);
	kfree(nvdev);
}

/**
 * netvsc_nvsp_attach - open the primary channel and set up NVSP
 * @nv: the NIC
 * @mtu: the MTU to tell the host
 *
 * Context: process, RTNL held.
 * Return: the attachment (one channel open, buffers lent) or ERR_PTR.
 */
struct netvsc_dev *netvsc_nvsp_attach(struct netvsc *nv, u32 mtu)
{
	struct netvsc_dev *nvdev;
	int ret;

	nvdev = kzalloc(sizeof(*nvdev), GFP_KERNEL);
	if (!nvdev)
		return ERR_PTR(-ENOMEM);
	nvdev->nv = nv;
	nvdev->hdev = nv->hdev;
	nvdev->num_chn = 1;
	mutex_init(&nvdev->sync_lock);
	mutex_init(&nvdev->rndis_lock);
	spin_lock_init(&nvdev->reply_lock);
	spin_lock_init(&nvdev->sc_lock);
	init_completion(&nvdev->sync_done);
	init_waitqueue_head(&nvdev->sc_wait);

	ret = netvsc_nvsp_open_chan(nvdev, nv->hdev->channel, 0);
	if (ret)
		goto err_free;
	ret = netvsc_nvsp_negotiate(nvdev, mtu);
	if (ret)
		goto err_close;
	ret = netvsc_nvsp_recv_buf(nvdev);
	if (ret)
		goto err_revoke_recv;
	ret = netvsc_nvsp_send_buf(nvdev);
	if (ret)
		goto err_revoke_send;
	return nvdev;

err_revoke_send:
	if (nvdev->send_gpadl.gpadl_handle)
		netvsc_nvsp_revoke(nvdev, HVIS_NVSP_REVOKE_SEND_BUF,
				   NETVSC_SEND_BUF_ID);
err_revoke_recv:
	if (nvdev->recv_gpadl.gpadl_handle)
		netvsc_nvsp_revoke(nvdev, HVIS_NVSP_REVOKE_RECV_BUF,
				   HVIS_NVSP_RECV_BUF_ID);
err_close:
	vmbus_close(nv->hdev->channel);
	netvsc_nvsp_close_chan(&nvdev->chan[0]);
	if (nvdev->send_gpadl.gpadl_handle)
		vmbus_teardown_gpadl(nv->hdev->channel, &nvdev->send_gpadl);
	if (nvdev->recv_gpadl.gpadl_handle)
		vmbus_teardown_gpadl(nv->hdev->channel, &nvdev->recv_gpadl);
err_free:
	netvsc_nvsp_free(nvdev);
	return ERR_PTR(ret);
}

/*
 * Wait (bounded) for the host to complete what it still holds of ours, so
 * that no frame is left in a requestor slot when the channel closes.
 */
static void netvsc_nvsp_drain(struct netvsc_dev *nvdev)
{
	unsigned long end = jiffies + NETVSC_SYNC_TIMEOUT;
	u32 i, left;

	do {
		left = 0;
		for (i = 0; i < nvdev->num_chn; i++)
			left += atomic_read(&nvdev->chan[i].tx_pending);
		if (!left)
			return;
		msleep(20);
	} while (time_before(jiffies, end));
	netdev_err(nvdev->nv->ndev, "host kept %u sends: their buffers leak\n",
		   left);
}

/**
 * netvsc_nvsp_detach - undo netvsc_nvsp_attach() and the sub-channels
 * @nvdev: an attachment no longer published (RNDIS halted)
 *
 * Context: process, RTNL held.
 */
void netvsc_nvsp_detach(struct netvsc_dev *nvdev)
{
	struct vmbus_channel *primary = nvdev->hdev->channel;
	u32 i;

	WRITE_ONCE(nvdev->destroy, true);
	netvsc_nvsp_drain(nvdev);
	netvsc_nvsp_revoke(nvdev, HVIS_NVSP_REVOKE_RECV_BUF,
			   HVIS_NVSP_RECV_BUF_ID);
	netvsc_nvsp_revoke(nvdev, HVIS_NVSP_REVOKE_SEND_BUF,
			   NETVSC_SEND_BUF_ID);
	vmbus_set_sc_create_callback(primary, NULL);
	/* Closes the sub-channels too; no callback runs after it. */
	vmbus_close(primary);
	for (i = 0; i < NETVSC_MAX_CHANNELS; i++)
		netvsc_nvsp_close_chan(&nvdev->chan[i]);
	vmbus_teardown_gpadl(primary, &nvdev->send_gpadl);
	vmbus_teardown_gpadl(primary, &nvdev->recv_gpadl);
	netvsc_nvsp_free(nvdev);
}
