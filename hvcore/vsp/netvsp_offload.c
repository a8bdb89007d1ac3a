// SPDX-License-Identifier: GPL-2.0-only
/*
 * netvsp's offloads.  Transmit: the per-packet info of a guest frame
 * (checksum, LSOv2, VLAN) read and checked, the frame's headers put the
 * way Linux's TAP takes a partial-checksum or GSO frame, and the
 * virtio-net header that tells the TAP so; the host kernel then checksums
 * and segments.  Receive: a frame the host kernel left with a partial
 * checksum gets it finished here, and the guest is told its TCP/UDP
 * checksum is good, so that it need not check it again.
 *
 * Windows' LSO contract differs from Linux's GSO one in two fields, which
 * are fixed here: the guest leaves the IPv4 total length (IPv6 payload
 * length) at 0 and seeds the TCP checksum with a pseudo-header that has
 * no length; Linux wants both to describe the whole large frame.
 */
#include <errno.h>
#include <string.h>

#include "hvis/rndis.h"
#include "netvsp.h"

#define ETH_HLEN	14
#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6	0x86dd
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The ones'-complement sum of @n bytes (big-endian words), unfolded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int netvsp_tx_ppi(struct netvsp *nv, const uint8_t *body, uint32_t len,
		  const struct hvis_rndis_packet *p, struct netvsp_tx_info *ti)
{
	uint32_t pos, end;

	memset(ti, 0, sizeof(*ti));
	if (!p->ppi_len)
		return 0;
	if (p->ppi_offset < sizeof(*p) || p->ppi_offset > len ||
	    p->ppi_len > len - p->ppi_offset) {
		netvsp_bad(nv, "PPI %u+%u outside the %u-byte PACKET",
			   p->ppi_offset, p->ppi_len, len);
		return -EPROTO;
	}
	end = p->ppi_offset + p->ppi_len;
	for (pos = p->ppi_offset; end - pos >= sizeof(struct hvis_rndis_ppi);) {
		struct hvis_rndis_ppi h;
		uint32_t v;

		memcpy(&h, body + pos, sizeof(h));
		if (h.size < sizeof(h) || h.size > end - pos ||
		    h.value_offset < sizeof(h) || h.value_offset > h.size ||
		    h.size - h.value_offset < sizeof(v)) {
			netvsp_bad(nv, "PPI of %u bytes (value at %u) at %u",
				   h.size, h.value_offset, pos);
			return -EPROTO;
		}
		memcpy(&v, body + pos + h.value_offset, sizeof(v));
		switch (h.type) {
		case HVIS_PPI_CSUM:
			ti->csum = true;
			ti->csum_bits = v;
			break;
		case HVIS_PPI_LSO:
			ti->lso = true;
			ti->lso_value = v;
			break;
		case HVIS_PPI_VLAN:
			ti->vlan = true;
			ti->vlan_tci = (uint16_t)(HVIS_PPI_VLAN_PRI(v) << 13 |
						  HVIS_PPI_VLAN_CFI(v) << 12 |
						  HVIS_PPI_VLAN_VID(v));
			break;
		default:
			/* Hash and the like mean nothing on transmit. */
			break;
		}
		pos += h.size;
	}
	return 0;
}

/*
 * Where the L4 header of @f starts (checked against the IP header and
 * @l4_off the guest gave), with its protocol and IP version; -1 if the
 * frame is not IPv4/IPv6 with that layout.
 */
static int netvsp_l4(const uint8_t *f, uint32_t len, uint32_t l4_off,
		     uint8_t *proto, bool *v6)
{
	uint16_t type;

	if (len < ETH_HLEN + 20)
		return -1;
	type = get16(f + 12);
	if (type == ETH_P_IPV4 && (f[ETH_HLEN] >> 4) == 4) {
		*v6 = false;
		*proto = f[ETH_HLEN + 9];
		if (l4_off != ETH_HLEN + (f[ETH_HLEN] & 0xfu) * 4)
			return -1;
	} else if (type == ETH_P_IPV6 && len >= ETH_HLEN + 40 &&
		   (f[ETH_HLEN] >> 4) == 6) {
		*v6 = true;
		/*
		 * Past extension headers the protocol is the guest's word
		 * (0: taken from the per-packet info by the caller).
		 */
		*proto = l4_off == ETH_HLEN + 40 ? f[ETH_HLEN + 6] : 0;
		if (l4_off < ETH_HLEN + 40 || l4_off > len)
			return -1;
	} else {
		return -1;
	}
	return (int)l4_off;
}

/* The pseudo-header sum of @f's addresses, @proto and @l4_len, folded. */
static uint16_t netvsp_pseudo(const uint8_t *f, bool v6, uint8_t proto,
			      uint32_t l4_len)
{
	uint32_t sum = proto + (l4_len & 0xffff) + (l4_len >> 16);

	if (v6)
		sum = csum_add(sum, f + ETH_HLEN + 8, 32);
	else
		sum = csum_add(sum, f + ETH_HLEN + 12, 8);
	return csum_fold(sum);
}

int netvsp_tx_prepare(uint8_t *f, uint32_t len, const struct netvsp_tx_info *ti,
		      struct netvsp_vnet_hdr *vh)
{
	uint32_t off, mss, l4_len, thlen;
	uint8_t proto = 0;
	bool v6 = false;

	memset(vh, 0, sizeof(*vh));
	if (ti->lso) {
		off = ti->lso_value >> HVIS_PPI_LSO_TCP_OFF_SHIFT &
		      HVIS_PPI_LSO_TCP_OFF_MASK;
		mss = ti->lso_value & HVIS_PPI_LSO_MSS_MASK;
		if (!(ti->lso_value & HVIS_PPI_LSO_V2) || !mss ||
		    netvsp_l4(f, len, off, &proto, &v6) < 0 ||
		    (proto != IPPROTO_TCP_ && !(v6 && !proto)) ||
		    v6 != !!(ti->lso_value & HVIS_PPI_LSO_IPV6) ||
		    len < off + 20)
			return -EPROTO;
		thlen = (f[off + 12] >> 4) * 4u;
		if (thlen < 20 || len < off + thlen)
			return -EPROTO;
		proto = IPPROTO_TCP_;
		l4_len = len - off;
		/* The lengths the guest left at 0, and the IPv4 checksum. */
		if (v6) {
			put16(f + ETH_HLEN + 4, len - ETH_HLEN - 40);
		} else {
			put16(f + ETH_HLEN + 2, len - ETH_HLEN);
			put16(f + ETH_HLEN + 10, 0);
			put16(f + ETH_HLEN + 10,
			      (uint16_t)~csum_fold(csum_add(0, f + ETH_HLEN,
							    off - ETH_HLEN)));
		}
		put16(f + off + 16, netvsp_pseudo(f, v6, proto, l4_len));
		vh->flags = NETVSP_VNET_F_NEEDS_CSUM;
		vh->gso_type = v6 ? NETVSP_VNET_GSO_TCPV6 : NETVSP_VNET_GSO_TCPV4;
		vh->gso_size = (uint16_t)mss;
		vh->hdr_len = (uint16_t)(off + thlen);
		vh->csum_start = (uint16_t)off;
		vh->csum_offset = 16;
		return 0;
	}
	if (ti->csum && ti->csum_bits & (HVIS_PPI_CSUM_TX_TCP |
					 HVIS_PPI_CSUM_TX_UDP)) {
		off = ti->csum_bits >> HVIS_PPI_CSUM_TX_TCP_OFF_SHIFT & 0x3ffu;
		if (netvsp_l4(f, len, off, &proto, &v6) < 0)
			return -EPROTO;
		if (!proto)
			proto = ti->csum_bits & HVIS_PPI_CSUM_TX_TCP ?
				IPPROTO_TCP_ : IPPROTO_UDP_;
		if (ti->csum_bits & HVIS_PPI_CSUM_TX_TCP ?
		    proto != IPPROTO_TCP_ || len < off + 20 :
		    proto != IPPROTO_UDP_ || len < off + 8)
			return -EPROTO;
		/* The guest seeded the field with the pseudo-header sum. */
		vh->flags = NETVSP_VNET_F_NEEDS_CSUM;
		vh->csum_start = (uint16_t)off;
		vh->csum_offset = proto == IPPROTO_TCP_ ? 16 : 6;
	}
	return 0;
}

uint32_t netvsp_rx_csum(uint8_t *f, uint32_t len,
			const struct netvsp_vnet_hdr *vh)
{
	uint32_t start = vh->csum_start, field = start + vh->csum_offset;
	uint16_t type;
	uint8_t proto;

	if (vh->flags & NETVSP_VNET_F_NEEDS_CSUM) {
		if (start < ETH_HLEN + 20 || (uint64_t)field + 2 > len ||
		    (vh->csum_offset != 16 && vh->csum_offset != 6))
			return 0;
		/* The field holds the pseudo-header sum the sender seeded. */
		put16(f + field, (uint16_t)~csum_fold(csum_add(0, f + start,
							       len - start)));
		return vh->csum_offset == 16 ? HVIS_PPI_CSUM_RX_TCP_OK :
					       HVIS_PPI_CSUM_RX_UDP_OK;
	}
	if (!(vh->flags & NETVSP_VNET_F_DATA_VALID) || len < ETH_HLEN + 40)
		return 0;
	type = get16(f + 12);
	if (type == ETH_P_IPV4)
		proto = f[ETH_HLEN + 9];
	else if (type == ETH_P_IPV6)
		proto = f[ETH_HLEN + 6];
	else
		return 0;
	return proto == IPPROTO_TCP_ ? HVIS_PPI_CSUM_RX_TCP_OK :
	       proto == IPPROTO_UDP_ ? HVIS_PPI_CSUM_RX_UDP_OK : 0;
}
