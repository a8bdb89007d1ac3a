/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one frame the dpdk tests send, from either end: 60 bytes (64 on the
 * wire with the FCS) of Ethernet, IPv4 and UDP with a zero payload and no
 * UDP checksum.
 */
#ifndef HVIS_SELFTESTS_UDP_FRAME_H
#define HVIS_SELFTESTS_UDP_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define UDP_FRAME_LEN	60

static inline uint16_t udp_frame_ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* @f: UDP_FRAME_LEN bytes; addresses in network order. */
static inline void udp_frame_fill(uint8_t *f, const uint8_t dst[6],
				  const uint8_t src[6],
				  const uint8_t saddr[4], const uint8_t daddr[4],
				  uint16_t sport, uint16_t dport)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint16_t csum;

	memset(f, 0, UDP_FRAME_LEN);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;			/* IPv4 */
	ip[0] = 0x45;
	ip[3] = UDP_FRAME_LEN - 14;
	ip[8] = 64;			/* TTL */
	ip[9] = 17;			/* UDP */
	memcpy(ip + 12, saddr, 4);
	memcpy(ip + 16, daddr, 4);
	csum = udp_frame_ip_csum(ip, 20);
	ip[10] = (uint8_t)(csum >> 8);
	ip[11] = (uint8_t)csum;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[5] = UDP_FRAME_LEN - 14 - 20;
}

#endif
