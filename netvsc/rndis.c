// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_netvsc's RNDIS control: INIT, QUERY, SET and HALT requests with
 * their replies, and the status indications (link state) the host sends.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/slab.h>

#include "netvsc.h"

/* What the host may hand us in one RNDIS message, as in-tree. */
#define NETVSC_RNDIS_MAX_XFER	0x4000

/*
 * Send @msg (header and body, the body starting with a request id that
 * is filled in here) and wait for the completion the host answers with.
 * The reply, validated only for type and id, is left in *@reply (the
 * caller frees it).
 */
static int netvsc_rndis_exchange(struct netvsc_dev *nvdev,
				 struct hvis_rndis_header *msg, u32 reply_type,
				 struct netvsc_rndis_req **reply)
{
	struct netvsc_rndis_req *req;
	int ret;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	init_completion(&req->done);

	mutex_lock(&nvdev->rndis_lock);
	req->req_id = ++nvdev->rndis_next_id ?: ++nvdev->rndis_next_id;
	memcpy(msg + 1, &req->req_id, sizeof(req->req_id));
	spin_lock_bh(&nvdev->reply_lock);
	nvdev->rndis_req = req;
	spin_unlock_bh(&nvdev->reply_lock);

	ret = netvsc_send_ctrl(nvdev, msg, msg->len);
	if (!ret && !wait_for_completion_timeout(&req->done,
						 NETVSC_SYNC_TIMEOUT))
		ret = -ETIMEDOUT;

	spin_lock_bh(&nvdev->reply_lock);
	nvdev->rndis_req = NULL;
	spin_unlock_bh(&nvdev->reply_lock);
	mutex_unlock(&nvdev->rndis_lock);

	if (!ret && (req->reply_len < sizeof(struct hvis_rndis_header) + 8 ||
		     ((struct hvis_rndis_header *)req->reply)->type != reply_type))
		ret = -EPROTO;
	if (ret) {
		netdev_err(nvdev->nv->ndev, "RNDIS request %#x failed (%d)\n",
			   msg->type, ret);
		kfree(req);
		return ret;
	}
	*reply = req;
	return 0;
}

/* The status word after the request id in INIT_C, QUERY_C and SET_C. */
static u32 netvsc_rndis_status(const struct netvsc_rndis_req *req)
{
	u32 status;

	memcpy(&status, req->reply + sizeof(struct hvis_rndis_header) + 4,
	       sizeof(status));
	return status;
}

/**
 * netvsc_rndis_query - ask the host for an OID's value
 * @nvdev: the attachment
 * @oid: HVIS_OID_*
 * @in: what the query carries (an object header for versioned OIDs)
 * @in_len: its length
 * @out: receives the value
 * @out_len: in: room at @out; out: bytes the host answered
 *
 * Context: process.
 */
int netvsc_rndis_query(struct netvsc_dev *nvdev, u32 oid, const void *in,
		       u32 in_len, void *out, u32 *out_len)
{
	struct hvis_rndis_header *msg;
	struct hvis_rndis_query *q;
	struct hvis_rndis_query_c c;
	struct netvsc_rndis_req *req;
	u32 body;
	int ret;

	msg = kzalloc(sizeof(*msg) + sizeof(*q) + in_len, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	q = (struct hvis_rndis_query *)(msg + 1);
	msg->type = HVIS_RNDIS_QUERY;
	msg->len = sizeof(*msg) + sizeof(*q) + in_len;
	q->oid = oid;
	q->info_len = in_len;
	q->info_offset = in_len ? sizeof(*q) : 0;
	memcpy(q + 1, in, in_len);
	ret = netvsc_rndis_exchange(nvdev, msg, HVIS_RNDIS_QUERY_C, &req);
	kfree(msg);
	if (ret)
		return ret;

	body = req->reply_len - sizeof(struct hvis_rndis_header);
	memcpy(&c, req->reply + sizeof(struct hvis_rndis_header),
	       min_t(u32, body, sizeof(c)));
	if (body < sizeof(c) || c.status != HVIS_RNDIS_STATUS_SUCCESS) {
		ret = body < sizeof(c) ? -EPROTO : -EOPNOTSUPP;
	} else if (c.info_offset > body || c.info_len > body - c.info_offset ||
		   c.info_len > *out_len) {
		netdev_err(nvdev->nv->ndev,
			   "query %#x: answer %u+%u outside the %u-byte reply\n",
			   oid, c.info_offset, c.info_len, body);
		ret = -EPROTO;
	} else {
		memcpy(out, req->reply + sizeof(struct hvis_rndis_header) +
		       c.info_offset, c.info_len);
		*out_len = c.info_len;
	}
	kfree(req);
	return ret;
}

/**
 * netvsc_rndis_set - set an OID on the host
 * @nvdev: the attachment
 * @oid: HVIS_OID_*
 * @in: the value
 * @in_len: its length
 *
 * Context: process.
 * Return: 0, -EOPNOTSUPP if the host refused, or another negative errno.
 */
int netvsc_rndis_set(struct netvsc_dev *nvdev, u32 oid, const void *in,
		     u32 in_len)
{
	struct hvis_rndis_header *msg;
	struct hvis_rndis_query *s;
	struct netvsc_rndis_req *req;
	u32 status;
	int ret;

	msg = kzalloc(sizeof(*msg) + sizeof(*s) + in_len, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	s = (struct hvis_rndis_query *)(msg + 1);
	msg->type = HVIS_RNDIS_SET;
	msg->len = sizeof(*msg) + sizeof(*s) + in_len;
	s->oid = oid;
	s->info_len = in_len;
	s->info_offset = sizeof(*s);
	memcpy(s + 1, in, in_len);
	ret = netvsc_rndis_exchange(nvdev, msg, HVIS_RNDIS_SET_C, &req);
	kfree(msg);
	if (ret)
		return ret;
	status = netvsc_rndis_status(req);
	kfree(req);
	if (status != HVIS_RNDIS_STATUS_SUCCESS) {
		netdev_dbg(nvdev->nv->ndev, "set %#x refused: status %#x\n",
			   oid, status);
		return -EOPNOTSUPP;
	}
	return 0;
}

int netvsc_rndis_set_filter(struct netvsc_dev *nvdev, u32 filter)
{
	return netvsc_rndis_set(nvdev, HVIS_OID_GEN_CURRENT_PACKET_FILTER,
				&filter, sizeof(filter));
}

/**
 * netvsc_rndis_set_rss - program the indirection table and hash key
 * @nvdev: an attachment with its channels open
 * @key: NETVSC_RSS_KEY_SIZE bytes of Toeplitz key
 *
 * The table spreads buckets round-robin over the channels in use.
 */
int netvsc_rndis_set_rss(struct netvsc_dev *nvdev, const u8 *key)
{
	struct hvis_ndis_rss_params *p;
	u32 size, i;
	int ret;

	size = sizeof(*p) + sizeof(nvdev->rss_table) + NETVSC_RSS_KEY_SIZE;
	p = kzalloc(size, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->hdr.type = HVIS_NDIS_OBJ_RSS_PARAMETERS;
	p->hdr.revision = HVIS_NDIS_RSS_PARAMS_REVISION_2;
	p->hdr.size = sizeof(*p);
	p->hash_info = HVIS_NDIS_HASH_FUNC_TOEPLITZ | HVIS_NDIS_HASH_IPV4 |
		       HVIS_NDIS_HASH_TCP_IPV4 | HVIS_NDIS_HASH_IPV6 |
		       HVIS_NDIS_HASH_TCP_IPV6;
	p->table_size = sizeof(nvdev->rss_table);
	p->table_offset = sizeof(*p);
	p->key_size = NETVSC_RSS_KEY_SIZE;
	p->key_offset = sizeof(*p) + sizeof(nvdev->rss_table);
	for (i = 0; i < NETVSC_RSS_TABLE_SIZE; i++)
		nvdev->rss_table[i] = i % nvdev->num_chn;
	memcpy((u8 *)p + p->table_offset, nvdev->rss_table,
	       sizeof(nvdev->rss_table));
	memcpy((u8 *)p + p->key_offset, key, NETVSC_RSS_KEY_SIZE);
	ret = netvsc_rndis_set(nvdev, HVIS_OID_GEN_RECEIVE_SCALE_PARAMETERS,
			       p, size);
	kfree(p);
	return ret;
}

/* Put @s into @dst as UTF-16LE; returns the bytes written. */
static u32 netvsc_rndis_utf16(u8 *dst, const char *s)
{
	u32 n = 0;

	for (; *s; s++, n += 2) {
		dst[n] = *s;
		dst[n + 1] = 0;
	}
	return n;
}

/**
 * netvsc_rndis_set_mac - ask the host to use @mac as the NIC's address
 * @nvdev: the attachment
 * @mac: ETH_ALEN bytes
 *
 * The address travels as the "NetworkAddress" configuration parameter,
 * a string of 12 hex digits, which is what Hyper-V takes.
 */
int netvsc_rndis_set_mac(struct netvsc_dev *nvdev, const u8 *mac)
{
	struct hvis_rndis_config_param *cp;
	char hex[2 * ETH_ALEN + 1];
	u8 *buf;
	u32 size;
	int ret;

	snprintf(hex, sizeof(hex), "%pm", mac);
	size = sizeof(*cp) + 2 * sizeof("NetworkAddress") + 2 * sizeof(hex);
	buf = kzalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cp = (struct hvis_rndis_config_param *)buf;
	cp->type = HVIS_RNDIS_CONFIG_PARAM_STRING;
	cp->name_offset = sizeof(*cp);
	cp->name_len = netvsc_rndis_utf16(buf + cp->name_offset,
					  "NetworkAddress");
	cp->value_offset = cp->name_offset + cp->name_len;
	cp->value_len = netvsc_rndis_utf16(buf + cp->value_offset, hex);
	ret = netvsc_rndis_set(nvdev, HVIS_OID_GEN_RNDIS_CONFIG_PARAMETER, buf,
			       cp->value_offset + cp->value_len);
	kfree(buf);
	return ret;
}

/**
 * netvsc_rndis_offloads - ask for the offload capabilities, turn on what
 * the host offers (RSC only while nv->lro)
 * @nvdev: an attachment after RNDIS INIT
 */
int netvsc_rndis_offloads(struct netvsc_dev *nvdev)
{
	struct hvis_ndis_offload caps = {};
	struct hvis_ndis_offload_params op = {};
	u32 len = sizeof(caps);
	bool v5 = nvdev->nvsp_version >= HVIS_NVSP_VERSION_5;
	int ret;

	caps.hdr.type = HVIS_NDIS_OBJ_OFFLOAD;
	caps.hdr.revision = v5 ? HVIS_NDIS_OFFLOAD_REVISION_3 :
			    HVIS_NDIS_OFFLOAD_REVISION_1;
	caps.hdr.size = v5 ? sizeof(caps) : HVIS_NDIS_OFFLOAD_SIZE_6_0;
	ret = netvsc_rndis_query(nvdev, HVIS_OID_TCP_OFFLOAD_HARDWARE_CAPS,
				 &caps, caps.hdr.size, &caps, &len);
	nvdev->hw_features = 0;
	if (ret || len < HVIS_NDIS_OFFLOAD_SIZE_6_0 ||
	    caps.hdr.type != HVIS_NDIS_OBJ_OFFLOAD) {
		netdev_info(nvdev->nv->ndev, "host offers no offloads\n");
		return 0;
	}

	op.hdr.type = HVIS_NDIS_OBJ_DEFAULT;
	op.hdr.revision = v5 ? HVIS_NDIS_OFFLOAD_PARAMS_REVISION_3 :
			  HVIS_NDIS_OFFLOAD_PARAMS_REVISION_2;
	op.hdr.size = v5 ? sizeof(op) : HVIS_NDIS_OFFLOAD_PARAMS_V4_SIZE;
#define NETVSC_CSUM_L4	(HVIS_NDIS_CSUM_TCP | HVIS_NDIS_CSUM_UDP)
	if ((caps.ip4_tx_csum & NETVSC_CSUM_L4) == NETVSC_CSUM_L4) {
		nvdev->hw_features |= NETIF_F_IP_CSUM;
		op.tcp4_csum = HVIS_NDIS_OFFLOAD_PARAM_TX_RX;
		op.udp4_csum = HVIS_NDIS_OFFLOAD_PARAM_TX_RX;
	}
	if ((caps.ip6_tx_csum & NETVSC_CSUM_L4) == NETVSC_CSUM_L4) {
		nvdev->hw_features |= NETIF_F_IPV6_CSUM;
		op.tcp6_csum = HVIS_NDIS_OFFLOAD_PARAM_TX_RX;
		op.udp6_csum = HVIS_NDIS_OFFLOAD_PARAM_TX_RX;
	}
	if ((caps.ip4_rx_csum & NETVSC_CSUM_L4) == NETVSC_CSUM_L4)
		nvdev->hw_features |= NETIF_F_RXCSUM;
#undef NETVSC_CSUM_L4
	nvdev->gso_max = 0;
	if ((nvdev->hw_features & NETIF_F_IP_CSUM) &&
	    caps.lso4_encap & HVIS_NDIS_ENCAP_8023 && caps.lso4_min_segs <= 2 &&
	    caps.lso4_max_size > 2 * ETH_DATA_LEN) {
		nvdev->hw_features |= NETIF_F_TSO;
		nvdev->gso_max = caps.lso4_max_size;
		op.lsov2_ip4 = HVIS_NDIS_OFFLOAD_PARAM_LSOV2_ENABLED;
	}
	if ((nvdev->hw_features & NETIF_F_IPV6_CSUM) &&
	    caps.lso6_encap & HVIS_NDIS_ENCAP_8023 && caps.lso6_min_segs <= 2 &&
	    caps.lso6_max_size > 2 * ETH_DATA_LEN &&
	    (caps.lso6_opts & (HVIS_NDIS_LSO6_IP6EXT | HVIS_NDIS_LSO6_TCP6OPT)) ==
	    (HVIS_NDIS_LSO6_IP6EXT | HVIS_NDIS_LSO6_TCP6OPT)) {
		nvdev->hw_features |= NETIF_F_TSO6;
		nvdev->gso_max = nvdev->gso_max ?
				 min(nvdev->gso_max, caps.lso6_max_size) :
				 caps.lso6_max_size;
		op.lsov2_ip6 = HVIS_NDIS_OFFLOAD_PARAM_LSOV2_ENABLED;
	}
	nvdev->gso_max = min_t(u32, nvdev->gso_max, GSO_LEGACY_MAX_SIZE);
	/* Receive segment coalescing: whole TCP segments, in pieces (RSC). */
	if (nvdev->nvsp_version >= HVIS_NVSP_VERSION_61 && len >= sizeof(caps) &&
	    caps.rsc_ip4 && caps.rsc_ip6) {
		nvdev->hw_features |= NETIF_F_LRO;
		op.rsc_ip4 = nvdev->nv->lro ? HVIS_NDIS_OFFLOAD_PARAM_RSC_ENABLED :
			     HVIS_NDIS_OFFLOAD_PARAM_RSC_DISABLED;
		op.rsc_ip6 = op.rsc_ip4;
	}

	ret = netvsc_rndis_set(nvdev, HVIS_OID_TCP_OFFLOAD_PARAMETERS, &op,
			       op.hdr.size);
	if (ret) {
		netdev_warn(nvdev->nv->ndev,
			    "host refused the offload settings: none used\n");
		nvdev->hw_features = 0;
		nvdev->gso_max = 0;
	}
	return 0;
}

/* How many receive queues the host's RSS can feed. */
static void netvsc_rndis_rss_caps(struct netvsc_dev *nvdev)
{
	struct hvis_ndis_rss_caps caps = {};
	u32 len = sizeof(caps);

	nvdev->max_chn = 1;
	if (nvdev->nvsp_version < HVIS_NVSP_VERSION_5)
		return;
	caps.hdr.type = HVIS_NDIS_OBJ_RSS_CAPABILITIES;
	caps.hdr.revision = HVIS_NDIS_RSS_CAPS_REVISION_2;
	caps.hdr.size = sizeof(caps);
	if (netvsc_rndis_query(nvdev, HVIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES,
			       &caps, sizeof(caps), &caps, &len) ||
	    len < sizeof(caps) || !caps.num_queues)
		return;
	nvdev->max_chn = min_t(u32, caps.num_queues, NETVSC_MAX_CHANNELS);
}

/**
 * netvsc_rndis_init - RNDIS INIT and the queries the NIC is built from
 * @nvdev: an attachment with NVSP set up
 *
 * Leaves the permanent MAC in @nvdev->mac, the link state in the NIC,
 * the offloads in @nvdev->hw_features and the RSS queue count in
 * @nvdev->max_chn.
 */
int netvsc_rndis_init(struct netvsc_dev *nvdev)
{
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_init i;
	} *msg;
	struct hvis_rndis_init_c c;
	struct netvsc_rndis_req *req;
	u32 len, v;
	int ret;

	msg = kzalloc(sizeof(*msg), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	msg->h.type = HVIS_RNDIS_INIT;
	msg->h.len = sizeof(*msg);
	msg->i.major = HVIS_RNDIS_MAJOR_VERSION;
	msg->i.minor = HVIS_RNDIS_MINOR_VERSION;
	msg->i.max_xfer_size = NETVSC_RNDIS_MAX_XFER;
	ret = netvsc_rndis_exchange(nvdev, &msg->h, HVIS_RNDIS_INIT_C, &req);
	kfree(msg);
	if (ret)
		return ret;
	memcpy(&c, req->reply + sizeof(struct hvis_rndis_header),
	       min_t(u32, sizeof(c),
		     req->reply_len - sizeof(struct hvis_rndis_header)));
	kfree(req);
	if (c.status != HVIS_RNDIS_STATUS_SUCCESS) {
		netdev_err(nvdev->nv->ndev, "RNDIS INIT refused: %#x\n",
			   c.status);
		return -EPROTO;
	}

	len = ETH_ALEN;
	ret = netvsc_rndis_query(nvdev, HVIS_OID_802_3_PERMANENT_ADDRESS, NULL,
				 0, nvdev->mac, &len);
	if (ret || len != ETH_ALEN || !is_valid_ether_addr(nvdev->mac)) {
		netdev_err(nvdev->nv->ndev, "host gave no valid MAC address\n");
		return ret ?: -EPROTO;
	}

	len = sizeof(v);
	nvdev->max_mtu = ETH_DATA_LEN;
	if (!netvsc_rndis_query(nvdev, HVIS_OID_GEN_MAXIMUM_FRAME_SIZE, NULL, 0,
				&v, &len) && len == sizeof(v) && v >= ETH_MIN_MTU)
		nvdev->max_mtu = min_t(u32, v, ETH_MAX_MTU);
	len = sizeof(v);
	if (!netvsc_rndis_query(nvdev, HVIS_OID_GEN_LINK_SPEED, NULL, 0, &v,
				&len) && len == sizeof(v))
		nvdev->nv->link_speed = v;
	len = sizeof(v);
	if (!netvsc_rndis_query(nvdev, HVIS_OID_GEN_MEDIA_CONNECT_STATUS, NULL,
				0, &v, &len) && len == sizeof(v))
		netvsc_link_change(nvdev->nv, v == HVIS_RNDIS_MEDIA_CONNECTED);

	ret = netvsc_rndis_offloads(nvdev);
	if (ret)
		return ret;
	netvsc_rndis_rss_caps(nvdev);
	return 0;
}

/*
 * HALT: the host stops sending.  It has no reply, so the message lives in
 * the attachment, which netvsc_nvsp_detach() frees only once the host
 * completed every send.
 */
void netvsc_rndis_halt(struct netvsc_dev *nvdev)
{
	nvdev->halt.h.type = HVIS_RNDIS_HALT;
	nvdev->halt.h.len = sizeof(nvdev->halt);
	nvdev->halt.req_id = ++nvdev->rndis_next_id;
	if (netvsc_send_ctrl(nvdev, &nvdev->halt, sizeof(nvdev->halt)))
		netdev_warn(nvdev->nv->ndev, "RNDIS HALT not sent\n");
}

/* An INDICATE: only link changes matter to the NIC. */
static void netvsc_rndis_indicate(struct netvsc_dev *nvdev, const u8 *msg,
				  u32 len)
{
	struct hvis_rndis_indicate ind;

	if (len < sizeof(struct hvis_rndis_header) + sizeof(ind)) {
		atomic64_inc(&nvdev->nv->stats.rx_bad);
		return;
	}
	memcpy(&ind, msg + sizeof(struct hvis_rndis_header), sizeof(ind));
	switch (ind.status) {
	case HVIS_RNDIS_STATUS_MEDIA_CONNECT:
		netvsc_link_change(nvdev->nv, true);
		break;
	case HVIS_RNDIS_STATUS_MEDIA_DISCONNECT:
		netvsc_link_change(nvdev->nv, false);
		break;
	default:
		/* speed and network changes: nothing the NIC shows */
		break;
	}
}

/**
 * netvsc_rndis_control - an RNDIS message from the host that is no frame
 * @ch: the channel it came on
 * @msg: the message, in the receive buffer (the host can still write it)
 * @len: its length, checked against the buffer
 *
 * Context: the channel's NAPI poll (softirq).
 */
void netvsc_rndis_control(struct netvsc_chan *ch, const void *msg, u32 len)
{
	struct netvsc_dev *nvdev = ch->nvdev;
	struct netvsc_rndis_req *req;
	struct hvis_rndis_header h;
	u32 id;

	memcpy(&h, msg, sizeof(h));
	if (h.type == HVIS_RNDIS_INDICATE) {
		netvsc_rndis_indicate(nvdev, msg, len);
		return;
	}
	if (!(h.type & HVIS_RNDIS_COMPLETION) ||
	    len < sizeof(h) + sizeof(id)) {
		atomic64_inc(&nvdev->nv->stats.rx_bad);
		netvsc_err_rl(nvdev->nv, "unexpected RNDIS message %#x (%u bytes)\n",
			      h.type, len);
		return;
	}
	memcpy(&id, (const u8 *)msg + sizeof(h), sizeof(id));

	spin_lock(&nvdev->reply_lock);
	req = nvdev->rndis_req;
	if (req && req->req_id == id && !completion_done(&req->done)) {
		req->reply_len = min_t(u32, len, sizeof(req->reply));
		memcpy(req->reply, msg, req->reply_len);
		/* The copy is what gets checked; the header too. */
		((struct hvis_rndis_header *)req->reply)->len = req->reply_len;
		complete(&req->done);
	} else if (h.type != HVIS_RNDIS_KEEPALIVE_C) {
		netvsc_err_rl(nvdev->nv, "RNDIS reply %#x with stale id %u dropped\n",
			      h.type, id);
	}
	spin_unlock(&nvdev->reply_lock);
}
