// SPDX-License-Identifier: GPL-2.0-only
/*
 * send-frames: write COUNT small UDP/IPv4 frames to DST-MAC out of IFACE
 * (a packet socket, so no neighbour or route is needed), at most RATE a
 * second, spread over FLOWS source addresses and ports so that a
 * receiver's RSS, on two or four tuples, puts them on different queues.
 * The host end of the dpdk e2e suite.
 *
 * usage: send-frames IFACE DST-MAC COUNT RATE FLOWS
 * Prints "sent N" and exits 0 when all COUNT went out, 1 otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "udp-frame.h"

#define BATCH		64	/* frames between two looks at the clock */

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

/*
 * Flow n: 10.77.x.y -> 10.77.0.2, UDP 1024 + n -> 9; x.y is 1.1 for flow 0
 * and counts up with it.
 */
static void build_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6],
			unsigned long flow)
{
	const uint8_t saddr[4] = { 10, 77, (uint8_t)(1 + flow / 250),
				   (uint8_t)(1 + flow % 250) };
	const uint8_t daddr[4] = { 10, 77, 0, 2 };

	udp_frame_fill(f, dst, src, saddr, daddr, (uint16_t)(1024 + flow), 9);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint8_t dst[6], src[6] = { 0x02, 0x77, 0, 0, 0, 1 }, frame[UDP_FRAME_LEN];
	struct sockaddr_ll to = { .sll_family = AF_PACKET };
	unsigned long count, rate, flows, sent = 0;
	double start;
	int fd;

	if (argc != 6 || parse_mac(argv[2], dst)) {
		fprintf(stderr, "usage: send-frames IFACE DST-MAC COUNT RATE FLOWS\n");
		return 2;
	}
	count = strtoul(argv[3], NULL, 0);
	rate = strtoul(argv[4], NULL, 0);
	flows = strtoul(argv[5], NULL, 0);
	if (!rate || !flows || flows > 60000) {
		fprintf(stderr, "send-frames: RATE and FLOWS (at most 60000) must be positive\n");
		return 2;
	}
	to.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!to.sll_ifindex) {
		fprintf(stderr, "send-frames: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	to.sll_halen = 6;
	memcpy(to.sll_addr, dst, 6);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("send-frames: packet socket");
		return 2;
	}

	start = now();
	while (sent < count) {
		double due = start + (double)sent / (double)rate, wait = due - now();

		if (wait > 0)
			usleep((useconds_t)(wait * 1e6));
		for (int i = 0; i < BATCH && sent < count; i++) {
			build_frame(frame, dst, src, sent % flows);
			if (sendto(fd, frame, UDP_FRAME_LEN, 0,
				   (struct sockaddr *)&to, sizeof(to)) < 0) {
				if (errno == ENOBUFS || errno == EAGAIN) {
					usleep(1000);
					continue;
				}
				perror("send-frames: sendto");
				goto out;
			}
			sent++;
		}
	}
out:
	close(fd);
	printf("sent %lu\n", sent);
	return sent == count ? 0 : 1;
}
