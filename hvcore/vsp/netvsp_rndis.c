// SPDX-License-Identifier: GPL-2.0-only
/*
 * netvsp's RNDIS: the control messages a guest miniport sends (INIT,
 * QUERY, SET, KEEPALIVE, HALT, RESET) and their answers, link
 * indications, and PACKET messages in both directions.  Every offset and
 * length inside a message is checked against the message before use.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hvis/nvsp.h"
#include "hvis/rndis.h"
#include "log.h"
#include "netvsp.h"
#include "vmbus/channel.h"

/* Link speed reported in units of 100 bit/s: 10 Gbit/s. */
#define NETVSP_LINK_SPEED	100000000u

/* Largest QUERY answer hvis gives (the offload capabilities). */
#define NETVSP_INFO_MAX		sizeof(struct hvis_ndis_offload)

static int netvsp_send_ctl(struct netvsp *nv, const void *msg, uint32_t len,
			   const void *info, uint32_t info_len)
{
	struct hvring_iov iov[2] = { { msg, len }, { info, info_len } };
	int r = netvsp_deliver(nv, nv->ch, HVIS_NVSP_RNDIS_CONTROL, iov,
			       info_len ? 2 : 1);

	return r == -ENOSPC ? -EAGAIN : r;
}

static int netvsp_init_c(struct netvsp *nv, const uint8_t *body, uint32_t len)
{
	struct hvis_rndis_init req;
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_init_c c;
	} __attribute__((packed)) out = {
		.h = { HVIS_RNDIS_INIT_C, sizeof(out) },
		.c = {
			.status = HVIS_RNDIS_STATUS_SUCCESS,
			.major = HVIS_RNDIS_MAJOR_VERSION,
			.minor = HVIS_RNDIS_MINOR_VERSION,
			.dev_flags = 1,
			.medium = HVIS_RNDIS_MEDIUM_802_3,
			/* One message a packet until batching is taken. */
			.max_pkt_per_msg = 1,
			.max_xfer_size = NETVSP_TX_MAX,
			.pkt_align_shift = 3,
		},
	};
	int r;

	if (len < sizeof(req)) {
		netvsp_bad(nv, "RNDIS INIT of %u bytes", len);
		return -EPROTO;
	}
	memcpy(&req, body, sizeof(req));
	out.c.req_id = req.req_id;
	r = netvsp_send_ctl(nv, &out, sizeof(out), NULL, 0);
	if (!r) {
		nv->rndis_ready = true;
		netvsp_rx_pause(nv, false);
	}
	return r;
}

/* Fill @info for OID @oid; returns its length or -1 (not supported). */
static int netvsp_query_info(struct netvsp *nv, uint32_t oid,
			     const uint8_t *in, uint32_t in_len, uint8_t *info)
{
	struct hvis_ndis_rss_caps rss = {
		.hdr = { HVIS_NDIS_OBJ_RSS_CAPABILITIES,
			 HVIS_NDIS_RSS_CAPS_REVISION_2, sizeof(rss) },
		.flags = HVIS_NDIS_RSS_CAP_HASH_TCP4 | HVIS_NDIS_RSS_CAP_HASH_TCP6,
		.num_int_msg = nv->nr_queues,
		.num_queues = nv->nr_queues,
		.num_table_entries = 128,
	};
	struct hvis_ndis_offload off = { 0 };
	struct hvis_ndis_obj_header want = { 0 };
	uint32_t v;

	switch (oid) {
	case HVIS_OID_802_3_PERMANENT_ADDRESS:
	case HVIS_OID_802_3_CURRENT_ADDRESS:
		memcpy(info, nv->mac, 6);
		return 6;
	case HVIS_OID_GEN_MAXIMUM_FRAME_SIZE:
		/* Guests cap their MTU with this (Linux at every attach). */
		v = NETVSP_MTU_MAX;
		break;
	case HVIS_OID_GEN_LINK_SPEED:
		v = NETVSP_LINK_SPEED;
		break;
	case HVIS_OID_GEN_MEDIA_CONNECT_STATUS:
		v = nv->link_up ? HVIS_RNDIS_MEDIA_CONNECTED :
				  HVIS_RNDIS_MEDIA_DISCONNECTED;
		break;
	case HVIS_OID_GEN_CURRENT_PACKET_FILTER:
		v = nv->filter;
		break;
	case HVIS_OID_TCP_OFFLOAD_HARDWARE_CAPS:
		/*
		 * Answer in the revision the guest asked for (its NVSP
		 * version decides it), sized as that revision is.  Transmit
		 * checksums and LSOv2 are offered (the TAP's kernel does
		 * them), and receive checksums (finished or vouched for by
		 * the TAP's kernel, see netvsp_rx_csum()).
		 */
		if (in_len >= sizeof(want))
			memcpy(&want, in, sizeof(want));
		off.ip4_tx_encap = HVIS_NDIS_ENCAP_8023;
		off.ip4_tx_csum = HVIS_NDIS_CSUM_TCP | HVIS_NDIS_CSUM_TCP_OPTS |
				  HVIS_NDIS_CSUM_UDP | HVIS_NDIS_CSUM_IP_OPTS;
		off.ip6_tx_encap = HVIS_NDIS_ENCAP_8023;
		off.ip6_tx_csum = HVIS_NDIS_CSUM_TCP | HVIS_NDIS_CSUM_TCP_OPTS |
				  HVIS_NDIS_CSUM_UDP | HVIS_NDIS_CSUM_IP_OPTS;
		off.ip4_rx_encap = HVIS_NDIS_ENCAP_8023;
		off.ip4_rx_csum = HVIS_NDIS_CSUM_TCP | HVIS_NDIS_CSUM_UDP;
		off.ip6_rx_encap = HVIS_NDIS_ENCAP_8023;
		off.ip6_rx_csum = HVIS_NDIS_CSUM_TCP | HVIS_NDIS_CSUM_UDP;
		/* LSO and RSC need the TAP's kernel; the switch takes MTU frames. */
		if (!nv->sw && nv->version >= HVIS_NVSP_VERSION_61) {
			off.rsc_ip4 = 1;
			off.rsc_ip6 = 1;
		}
		if (!nv->sw) {
			off.lso4_encap = HVIS_NDIS_ENCAP_8023;
			off.lso4_max_size = NETVSP_LSO_MAX;
			off.lso4_min_segs = 2;
			off.lso6_encap = HVIS_NDIS_ENCAP_8023;
			off.lso6_max_size = NETVSP_LSO_MAX;
			off.lso6_min_segs = 2;
			off.lso6_opts = HVIS_NDIS_LSO6_IP6EXT |
					HVIS_NDIS_LSO6_TCP6OPT;
		}
		off.hdr.type = HVIS_NDIS_OBJ_OFFLOAD;
		off.hdr.revision = want.revision >= HVIS_NDIS_OFFLOAD_REVISION_3 ?
				   HVIS_NDIS_OFFLOAD_REVISION_3 :
				   want.revision == HVIS_NDIS_OFFLOAD_REVISION_2 ?
				   HVIS_NDIS_OFFLOAD_REVISION_2 :
				   HVIS_NDIS_OFFLOAD_REVISION_1;
		off.hdr.size = off.hdr.revision == HVIS_NDIS_OFFLOAD_REVISION_3 ?
			       sizeof(off) :
			       off.hdr.revision == HVIS_NDIS_OFFLOAD_REVISION_2 ?
			       HVIS_NDIS_OFFLOAD_SIZE_6_1 :
			       HVIS_NDIS_OFFLOAD_SIZE_6_0;
		memcpy(info, &off, off.hdr.size);
		return off.hdr.size;
	case HVIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES:
		/* Sub-channels, and with them RSS, came with NVSP 5. */
		if (nv->version < HVIS_NVSP_VERSION_5)
			return -1;
		memcpy(info, &rss, sizeof(rss));
		return sizeof(rss);
	default:
		return -1;
	}
	memcpy(info, &v, sizeof(v));
	return sizeof(v);
}

/*
 * The info buffer of a QUERY or SET: @info_off counts from the body
 * start, which is where @body points; the span must lie inside the body.
 */
static const uint8_t *netvsp_info(const uint8_t *body, uint32_t len,
				  uint32_t info_off, uint32_t info_len)
{
	if (!info_len)
		return body;
	if (info_off < sizeof(struct hvis_rndis_query) || info_off > len ||
	    info_len > len - info_off)
		return NULL;
	return body + info_off;
}

static int netvsp_query_c(struct netvsp *nv, const uint8_t *body,
			  uint32_t len)
{
	struct hvis_rndis_query q;
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_query_c c;
	} __attribute__((packed)) out = {
		.h = { HVIS_RNDIS_QUERY_C, sizeof(out) },
	};
	uint8_t info[NETVSP_INFO_MAX];
	const uint8_t *in;
	int n;

	if (len < sizeof(q)) {
		netvsp_bad(nv, "RNDIS QUERY of %u bytes", len);
		return -EPROTO;
	}
	memcpy(&q, body, sizeof(q));
	in = netvsp_info(body, len, q.info_offset, q.info_len);
	if (!in) {
		netvsp_bad(nv, "RNDIS QUERY %#x: info buffer outside the message",
			   q.oid);
		return -EPROTO;
	}
	out.c.req_id = q.req_id;
	n = netvsp_query_info(nv, q.oid, in, q.info_len, info);
	if (n < 0) {
		out.c.status = HVIS_RNDIS_STATUS_NOT_SUPPORTED;
		n = 0;
	}
	out.c.info_len = (uint32_t)n;
	out.c.info_offset = n ? sizeof(out.c) : 0;
	out.h.len += (uint32_t)n;
	return netvsp_send_ctl(nv, &out, sizeof(out), info, (uint32_t)n);
}

/*
 * RECEIVE_SCALE_PARAMETERS: keep the indirection table (the channel each
 * hash bucket goes to) and the Toeplitz key (netvsp_flow_hash).
 */
static uint32_t netvsp_set_rss(struct netvsp *nv, const uint8_t *in,
			       uint32_t in_len)
{
	struct hvis_ndis_rss_params p;
	uint32_t i, n, e;

	if (in_len < sizeof(p))
		return HVIS_RNDIS_STATUS_INVALID_LENGTH;
	memcpy(&p, in, sizeof(p));
	if (p.flags & HVIS_NDIS_RSS_PARAM_DISABLE) {
		nv->rss_entries = 0;
		return HVIS_RNDIS_STATUS_SUCCESS;
	}
	n = p.table_size / 4;
	if (p.table_size % 4 || !n || n > NETVSP_RSS_TABLE_MAX ||
	    p.table_offset > in_len || p.table_size > in_len - p.table_offset ||
	    p.key_size != NETVSP_RSS_KEY_SIZE || p.key_offset > in_len ||
	    p.key_size > in_len - p.key_offset)
		return HVIS_RNDIS_STATUS_INVALID_DATA;
	for (i = 0; i < n; i++) {
		memcpy(&e, in + p.table_offset + 4 * i, 4);
		if (e >= nv->nr_queues)
			return HVIS_RNDIS_STATUS_INVALID_DATA;
	}
	for (i = 0; i < n; i++) {
		memcpy(&e, in + p.table_offset + 4 * i, 4);
		nv->rss_table[i] = (uint16_t)e;
	}
	memcpy(nv->rss_key, in + p.key_offset, NETVSP_RSS_KEY_SIZE);
	nv->rss_entries = n;
	for (i = 0; i < NETVSP_RSS_KEY_SIZE && !nv->rss_key[i]; i++)
		;
	if (i == NETVSP_RSS_KEY_SIZE)
		log_guest("netvsp: relid %u: the guest's RSS key is all zero: every flow hashes to entry 0",
			  vmbus_dev_relid(nv->dev));
	return HVIS_RNDIS_STATUS_SUCCESS;
}

/* @n bytes of UTF-16LE at @u as ASCII in @out (NUL-ended); false if not. */
static bool netvsp_utf16_ascii(const uint8_t *u, uint32_t n, char *out,
			       uint32_t room)
{
	uint32_t i;

	if (n % 2 || n / 2 >= room)
		return false;
	for (i = 0; i < n / 2; i++) {
		if (u[2 * i + 1] || !u[2 * i] || u[2 * i] > 0x7e)
			return false;
		out[i] = (char)u[2 * i];
	}
	out[i] = '\0';
	return true;
}

/*
 * RNDIS_CONFIG_PARAMETER: "NetworkAddress" (12 hex digits) changes the
 * NIC's address, which the packet filter then matches; Linux's
 * ndo_set_mac_address sends it.  Other names are not supported.
 */
static uint32_t netvsp_set_config(struct netvsp *nv, const uint8_t *in,
				  uint32_t in_len)
{
	struct hvis_rndis_config_param cp;
	char name[32], value[16];
	uint8_t mac[6];
	unsigned int i, b;

	if (in_len < sizeof(cp))
		return HVIS_RNDIS_STATUS_INVALID_LENGTH;
	memcpy(&cp, in, sizeof(cp));
	if (cp.name_offset > in_len || cp.name_len > in_len - cp.name_offset ||
	    cp.value_offset > in_len || cp.value_len > in_len - cp.value_offset ||
	    !netvsp_utf16_ascii(in + cp.name_offset, cp.name_len, name,
				sizeof(name)))
		return HVIS_RNDIS_STATUS_INVALID_DATA;
	if (strcasecmp(name, "NetworkAddress"))
		return HVIS_RNDIS_STATUS_NOT_SUPPORTED;
	if (cp.type != HVIS_RNDIS_CONFIG_PARAM_STRING ||
	    !netvsp_utf16_ascii(in + cp.value_offset, cp.value_len, value,
				sizeof(value)) || strlen(value) != 12)
		return HVIS_RNDIS_STATUS_INVALID_DATA;
	for (i = 0; i < 6; i++) {
		if (sscanf(value + 2 * i, "%2x", &b) != 1 ||
		    !isxdigit((unsigned char)value[2 * i]) ||
		    !isxdigit((unsigned char)value[2 * i + 1]))
			return HVIS_RNDIS_STATUS_INVALID_DATA;
		mac[i] = (uint8_t)b;
	}
	if (mac[0] & 1)
		return HVIS_RNDIS_STATUS_INVALID_DATA;
	memcpy(nv->mac, mac, sizeof(mac));
	log_msg("netvsp: relid %u: guest set its MAC to %s",
		 vmbus_dev_relid(nv->dev), value);
	return HVIS_RNDIS_STATUS_SUCCESS;
}

/*
 * TCP_OFFLOAD_PARAMETERS: checksums and LSO are taken per packet, so only
 * receive segment coalescing changes anything here: on, the TAP's kernel
 * hands over whole TCP segments (TSO) and they reach the guest as RSC.
 */
static uint32_t netvsp_set_offloads(struct netvsp *nv, const uint8_t *in,
				    uint32_t in_len)
{
	struct hvis_ndis_offload_params op = { 0 };
	bool rsc;

	if (in_len < sizeof(struct hvis_ndis_obj_header))
		return HVIS_RNDIS_STATUS_INVALID_LENGTH;
	memcpy(&op, in, in_len < sizeof(op) ? in_len : sizeof(op));
	if (in_len < sizeof(op) || (op.rsc_ip4 == HVIS_NDIS_OFFLOAD_PARAM_NO_CHANGE &&
				    op.rsc_ip6 == HVIS_NDIS_OFFLOAD_PARAM_NO_CHANGE))
		return HVIS_RNDIS_STATUS_SUCCESS;
	rsc = op.rsc_ip4 == HVIS_NDIS_OFFLOAD_PARAM_RSC_ENABLED &&
	      op.rsc_ip6 == HVIS_NDIS_OFFLOAD_PARAM_RSC_ENABLED;
	if (rsc && (nv->sw || nv->version < HVIS_NVSP_VERSION_61))
		return HVIS_RNDIS_STATUS_NOT_SUPPORTED;
	if (rsc != nv->rsc && nv->tap_fd >= 0 && netvsp_tap_set_rsc(nv, rsc))
		return HVIS_RNDIS_STATUS_FAILURE;
	nv->rsc = rsc;
	return HVIS_RNDIS_STATUS_SUCCESS;
}

static uint32_t netvsp_set(struct netvsp *nv, uint32_t oid, const uint8_t *in,
			   uint32_t in_len)
{
	uint32_t v;

	switch (oid) {
	case HVIS_OID_GEN_CURRENT_PACKET_FILTER:
		if (in_len < sizeof(v))
			return HVIS_RNDIS_STATUS_INVALID_LENGTH;
		memcpy(&v, in, sizeof(v));
		nv->filter = v;
		return HVIS_RNDIS_STATUS_SUCCESS;
	case HVIS_OID_TCP_OFFLOAD_PARAMETERS:
		return netvsp_set_offloads(nv, in, in_len);
	case HVIS_OID_GEN_RECEIVE_SCALE_PARAMETERS:
		return netvsp_set_rss(nv, in, in_len);
	case HVIS_OID_GEN_RNDIS_CONFIG_PARAMETER:
		return netvsp_set_config(nv, in, in_len);
	case HVIS_OID_802_3_MULTICAST_LIST:
		/* Multicast frames pass whenever the filter takes multicast. */
		if (in_len % 6)
			return HVIS_RNDIS_STATUS_INVALID_LENGTH;
		return HVIS_RNDIS_STATUS_SUCCESS;
	}
	return HVIS_RNDIS_STATUS_NOT_SUPPORTED;
}

static int netvsp_set_c(struct netvsp *nv, const uint8_t *body, uint32_t len)
{
	struct hvis_rndis_query q;	/* SET has the same layout */
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_set_c c;
	} __attribute__((packed)) out = {
		.h = { HVIS_RNDIS_SET_C, sizeof(out) },
	};
	const uint8_t *in;

	if (len < sizeof(q)) {
		netvsp_bad(nv, "RNDIS SET of %u bytes", len);
		return -EPROTO;
	}
	memcpy(&q, body, sizeof(q));
	in = netvsp_info(body, len, q.info_offset, q.info_len);
	if (!in) {
		netvsp_bad(nv, "RNDIS SET %#x: info buffer outside the message",
			   q.oid);
		return -EPROTO;
	}
	out.c.req_id = q.req_id;
	out.c.status = netvsp_set(nv, q.oid, in, q.info_len);
	return netvsp_send_ctl(nv, &out, sizeof(out), NULL, 0);
}

static int netvsp_keepalive_c(struct netvsp *nv, const uint8_t *body,
			      uint32_t len)
{
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_set_c c;
	} __attribute__((packed)) out = {
		.h = { HVIS_RNDIS_KEEPALIVE_C, sizeof(out) },
	};

	if (len < sizeof(out.c.req_id)) {
		netvsp_bad(nv, "RNDIS KEEPALIVE of %u bytes", len);
		return -EPROTO;
	}
	memcpy(&out.c.req_id, body, sizeof(out.c.req_id));
	return netvsp_send_ctl(nv, &out, sizeof(out), NULL, 0);
}

static int netvsp_reset_c(struct netvsp *nv)
{
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_reset_c c;
	} __attribute__((packed)) out = {
		.h = { HVIS_RNDIS_RESET_C, sizeof(out) },
	};

	return netvsp_send_ctl(nv, &out, sizeof(out), NULL, 0);
}

int netvsp_rndis_indicate_link(struct netvsp *nv)
{
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_indicate i;
	} __attribute__((packed)) out = {
		.h = { HVIS_RNDIS_INDICATE, sizeof(out) },
		.i = {
			.status = nv->link_up ? HVIS_RNDIS_STATUS_MEDIA_CONNECT :
						HVIS_RNDIS_STATUS_MEDIA_DISCONNECT,
			.buf_offset = sizeof(out.i),
		},
	};
	int r = netvsp_send_ctl(nv, &out, sizeof(out), NULL, 0);

	if (!r)
		vmbus_chan_flush(nv->ch);
	return r;
}

/*
 * One PACKET message from the guest (@body is host memory, nv->tx_buf):
 * its frame goes to the back end with the offloads its per-packet info
 * asks for.
 */
static int netvsp_tx_packet(struct netvsp *nv, uint8_t *body, uint32_t len)
{
	struct hvis_rndis_packet p;
	struct netvsp_tx_info ti;
	struct netvsp_vnet_hdr vh;

	if (len < sizeof(p)) {
		netvsp_bad(nv, "RNDIS PACKET of %u bytes", len);
		return -EPROTO;
	}
	memcpy(&p, body, sizeof(p));
	if (p.data_offset < sizeof(p) || p.data_offset > len ||
	    p.data_len > len - p.data_offset || p.data_len < 14) {
		netvsp_bad(nv, "RNDIS PACKET data %u+%u outside its %u bytes",
			   p.data_offset, p.data_len, len);
		return -EPROTO;
	}
	if (netvsp_tx_ppi(nv, body, len, &p, &ti))
		return -EPROTO;
	if (!ti.lso && p.data_len > NETVSP_MTU_MAX + 18) {
		netvsp_bad(nv, "frame of %u bytes without LSO", p.data_len);
		return -EPROTO;
	}
	if (netvsp_tx_prepare(body + p.data_offset, p.data_len, &ti, &vh)) {
		netvsp_bad(nv, "frame of %u bytes does not match its %s info",
			   p.data_len, ti.lso ? "LSO" : "checksum");
		return -EPROTO;
	}
	if (!nv->link_up || netvsp_xmit(nv, body + p.data_offset,
					p.data_len, &vh, &ti)) {
		nv->st.tx_errors++;
		return 0;
	}
	nv->st.tx_frames++;
	nv->st.tx_bytes += p.data_len;
	if (ti.lso)
		nv->st.tx_lso++;
	else if (vh.flags)
		nv->st.tx_csum++;
	return 0;
}

static int netvsp_control(struct netvsp *nv, uint32_t type,
			  const uint8_t *body, uint32_t len)
{
	switch (type) {
	case HVIS_RNDIS_INIT:
		return netvsp_init_c(nv, body, len);
	case HVIS_RNDIS_QUERY:
		return netvsp_query_c(nv, body, len);
	case HVIS_RNDIS_SET:
		return netvsp_set_c(nv, body, len);
	case HVIS_RNDIS_KEEPALIVE:
		return netvsp_keepalive_c(nv, body, len);
	case HVIS_RNDIS_RESET:
		return netvsp_reset_c(nv);
	case HVIS_RNDIS_HALT:
		nv->rndis_ready = false;
		nv->filter = 0;
		if (nv->rsc)
			netvsp_tap_set_rsc(nv, false);
		nv->rsc = false;
		return 0;
	}
	netvsp_bad(nv, "RNDIS message type %#x", type);
	return -EPROTO;
}

int netvsp_rndis_input(struct netvsp *nv, uint32_t channel_type,
		       uint8_t *buf, uint32_t len)
{
	uint32_t pos = 0;
	int r = 0;

	if (len < sizeof(struct hvis_rndis_header)) {
		netvsp_bad(nv, "RNDIS packet of %u bytes", len);
		return -EPROTO;
	}
	while (len - pos >= sizeof(struct hvis_rndis_header)) {
		struct hvis_rndis_header h;

		memcpy(&h, buf + pos, sizeof(h));
		if (h.len < sizeof(h) || h.len > len - pos) {
			netvsp_bad(nv, "RNDIS message length %u at %u of %u",
				   h.len, pos, len);
			return -EPROTO;
		}
		if (h.type == HVIS_RNDIS_PACKET) {
			r = netvsp_tx_packet(nv, buf + pos + sizeof(h),
					     h.len - sizeof(h));
		} else if (channel_type == HVIS_NVSP_RNDIS_CONTROL) {
			/* A control packet carries one message. */
			return netvsp_control(nv, h.type, buf + pos + sizeof(h),
					      h.len - sizeof(h));
		} else {
			netvsp_bad(nv, "RNDIS message %#x on the data path",
				   h.type);
			return -EPROTO;
		}
		if (r)
			return r;
		pos += (h.len + 7) & ~7u;
		if (pos >= len)
			break;
	}
	return 0;
}

/* Whether the guest's packet filter takes a frame for @dst. */
static bool netvsp_filter_takes(const struct netvsp *nv, const uint8_t *dst)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (nv->filter & HVIS_RNDIS_FILTER_PROMISCUOUS)
		return true;
	if (!memcmp(dst, bcast, 6))
		return nv->filter & HVIS_RNDIS_FILTER_BROADCAST;
	if (dst[0] & 1)
		return nv->filter & (HVIS_RNDIS_FILTER_MULTICAST |
				     HVIS_RNDIS_FILTER_ALL_MULTICAST);
	return (nv->filter & HVIS_RNDIS_FILTER_DIRECTED) &&
	       !memcmp(dst, nv->mac, 6);
}

uint32_t netvsp_toeplitz(const uint8_t *key, const uint8_t *in, uint32_t n)
{
	uint32_t h = 0, i, b;
	/* The 32 key bits starting at the current input bit. */
	uint32_t win = (uint32_t)key[0] << 24 | key[1] << 16 | key[2] << 8 |
		       key[3];

	for (i = 0; i < n; i++) {
		for (b = 0; b < 8; b++) {
			if (in[i] & (0x80 >> b))
				h ^= win;
			win = win << 1 | (key[i + 4] >> (7 - b) & 1);
		}
	}
	return h;
}

/*
 * RSS's hash of a frame, as NDIS defines it: Toeplitz over the source and
 * destination addresses, then for TCP the ports, in wire order; 0 (the
 * first table entry) for anything else.
 */
static uint32_t netvsp_flow_hash(const struct netvsp *nv, const uint8_t *f,
				 uint32_t len)
{
	uint8_t in[36];
	uint32_t l3 = 14, alen, l4, n;
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	uint8_t proto;

	if (type == 0x0800 && len >= l3 + 20) {
		alen = 4;
		proto = f[l3 + 9];
		l4 = l3 + (f[l3] & 0xf) * 4u;
		if (f[l3 + 6] & 0x3f || f[l3 + 7])
			proto = 0;		/* a fragment: no ports */
		memcpy(in, f + l3 + 12, 8);
	} else if (type == 0x86dd && len >= l3 + 40) {
		alen = 16;
		proto = f[l3 + 6];		/* no extension headers walked */
		l4 = l3 + 40;
		memcpy(in, f + l3 + 8, 32);
	} else {
		return 0;
	}
	n = 2 * alen;
	if (proto == 6 && len >= l4 + 4) {
		memcpy(in + n, f + l4, 4);
		n += 4;
	}
	return netvsp_toeplitz(nv->rss_key, in, n);
}

/* The open channel a received frame goes out on, by the guest's table. */
static struct vmbus_chan *netvsp_rx_chan(struct netvsp *nv,
					 const uint8_t *frame, uint32_t len)
{
	struct netvsp_chan *nc;
	uint32_t h;

	if (!nv->rss_entries)
		return nv->ch;
	h = netvsp_flow_hash(nv, frame, len);
	nc = nv->chans[nv->rss_table[h % nv->rss_entries]];
	return nc ? nc->ch : nv->ch;
}

/*
 * A frame larger than a slot (a TCP segment the TAP's kernel coalesced):
 * one transfer-page packet whose ranges are PACKET messages carrying
 * consecutive pieces of it, marked by the packet-id PPI as the first,
 * middle and last fragments of one RSC frame.
 */
static int netvsp_rndis_rx_rsc(struct netvsp *nv, struct vmbus_chan *ch,
			       const uint8_t *frame, uint32_t len, uint32_t csum)
{
	struct netvsp_rsc_hdr {
		struct hvis_rndis_header h;
		struct hvis_rndis_packet p;
		struct hvis_rndis_ppi csum_ppi;
		uint32_t csum;
		struct hvis_rndis_ppi id_ppi;
		uint32_t id;		/* version, flags, packet id */
	} __attribute__((packed)) hdr[NETVSP_RSC_RANGES];
	struct hvring_iov iov[NETVSP_RSC_RANGES][2];
	struct netvsp_msg msgs[NETVSP_RSC_RANGES];
	const uint32_t piece_max = NETVSP_RECV_SLOT_SIZE - sizeof(hdr[0]);
	uint32_t n = (len + piece_max - 1) / piece_max, i, off, piece;
	uint32_t ppi_len = 2 * (sizeof(struct hvis_rndis_ppi) + 4);

	if (n > NETVSP_RSC_RANGES)
		return -EMSGSIZE;
	for (i = 0, off = 0; i < n; i++, off += piece) {
		uint8_t flags = HVIS_PPI_PKT_ID_SUBALLOC;

		piece = len - off < piece_max ? len - off : piece_max;
		if (!i)
			flags |= HVIS_PPI_PKT_ID_FIRST;
		if (i == n - 1)
			flags |= HVIS_PPI_PKT_ID_LAST;
		memset(&hdr[i], 0, sizeof(hdr[i]));
		hdr[i].h.type = HVIS_RNDIS_PACKET;
		hdr[i].h.len = sizeof(hdr[i]) + piece;
		hdr[i].p.data_offset = sizeof(hdr[i]) - sizeof(hdr[i].h);
		hdr[i].p.data_len = piece;
		hdr[i].p.ppi_offset = sizeof(hdr[i].p);
		hdr[i].p.ppi_len = ppi_len;
		hdr[i].csum_ppi.size = sizeof(hdr[i].csum_ppi) + 4;
		hdr[i].csum_ppi.type = HVIS_PPI_CSUM;
		hdr[i].csum_ppi.value_offset = sizeof(hdr[i].csum_ppi);
		hdr[i].csum = csum;
		hdr[i].id_ppi.size = sizeof(hdr[i].id_ppi) + 4;
		hdr[i].id_ppi.type = HVIS_PPI_PKT_ID;
		hdr[i].id_ppi.value_offset = sizeof(hdr[i].id_ppi);
		hdr[i].id = HVIS_PPI_PKT_ID_V1 | (uint32_t)flags << 8;
		iov[i][0] = (struct hvring_iov){ &hdr[i], sizeof(hdr[i]) };
		iov[i][1] = (struct hvring_iov){ frame + off, piece };
		msgs[i] = (struct netvsp_msg){ iov[i], 2 };
	}
	return netvsp_deliver_msgs(nv, ch, HVIS_NVSP_RNDIS_DATA, msgs, n);
}

int netvsp_rndis_rx_frame(struct netvsp *nv, const uint8_t *frame,
			  uint32_t len, uint32_t csum)
{
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_packet p;
		struct hvis_rndis_ppi ppi;
		u32 csum;
	} __attribute__((packed)) hdr = {
		.h = { HVIS_RNDIS_PACKET, sizeof(hdr) + len },
		.p = { .data_offset = sizeof(hdr) - sizeof(hdr.h), .data_len = len,
		       .ppi_offset = sizeof(hdr.p),
		       .ppi_len = sizeof(hdr.ppi) + sizeof(hdr.csum) },
		.ppi = { sizeof(hdr.ppi) + sizeof(hdr.csum), HVIS_PPI_CSUM,
			 sizeof(hdr.ppi) },
		.csum = csum,
	};
	struct hvring_iov iov[2] = { { &hdr, sizeof(hdr) }, { frame, len } };
	struct vmbus_chan *ch;
	int r;

	if (len < 14 || !nv->rndis_ready || !nv->link_up) {
		nv->st.rx_dropped++;
		return 0;
	}
	if (!netvsp_filter_takes(nv, frame)) {
		nv->st.rx_filtered++;
		return 0;
	}
	if (!csum) {
		/* No per-packet info: the data follows the PACKET header. */
		hdr.h.len -= sizeof(hdr.ppi) + sizeof(hdr.csum);
		hdr.p.data_offset = sizeof(hdr.p);
		hdr.p.ppi_offset = 0;
		hdr.p.ppi_len = 0;
		iov[0].len = sizeof(hdr.h) + sizeof(hdr.p);
	}
	ch = netvsp_rx_chan(nv, frame, len);
	if (len + sizeof(hdr) > NETVSP_RECV_SLOT_SIZE && nv->rsc) {
		r = netvsp_rndis_rx_rsc(nv, ch, frame, len, csum);
		if (!r)
			nv->st.rx_rsc++;
	} else {
		r = netvsp_deliver(nv, ch, HVIS_NVSP_RNDIS_DATA, iov, 2);
	}
	if (r == -ENOSPC || r == -EAGAIN)
		return -EAGAIN;
	if (r) {
		nv->st.rx_dropped++;
		return 0;
	}
	nv->st.rx_frames++;
	nv->st.rx_bytes += len;
	if (csum)
		nv->st.rx_csum++;
	((struct netvsp_chan *)vmbus_chan_priv(ch))->rx_frames++;
	return 0;
}
