// SPDX-License-Identifier: GPL-2.0-only
/*
 * dpdk-echo: a minimal DPDK application over one ethdev port (the
 * netvsc PMD in the dpdk e2e suite and `make bench`), polling every
 * queue from the main lcore.
 *
 * usage: dpdk-echo [EAL options] -- echo|tx SECONDS [QUEUES]
 *   echo  send every frame received on a queue back out of the same queue
 *   tx    send 64-byte UDP frames as fast as the port takes them
 * Runs SECONDS, or until SIGINT/SIGTERM, then prints per-queue and total
 * counts.  Output lines (parsed by the tests):
 *   port 0 mac XX:XX:XX:XX:XX:XX link up|down queues N
 *   ready
 *   queue Q rx N tx N
 *   total rx N tx N tx-unsent N seconds S tx-pps P
 *
 * Why not dpdk-testpmd: Debian's 22.11 netvsc PMD never marks its queues
 * started (dev->data->rx_queue_state stays STOPPED), and testpmd 22.11
 * skips streams on stopped queues, so none of its forwarding modes moves
 * a frame on net_netvsc.  This program polls regardless of that state.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "udp-frame.h"

#define MAX_QUEUES	8
#define BURST		32
#define NB_DESC		512
#define NB_MBUFS	8191

static volatile sig_atomic_t stop;

struct queue_stats {
	uint64_t rx, tx;
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int port_setup(uint16_t port, uint16_t queues,
		      struct rte_mempool *pool)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t q;
	int r;

	r = rte_eth_dev_info_get(port, &info);
	if (r < 0)
		return r;
	memset(&conf, 0, sizeof(conf));
	if (queues > 1) {
		/* Whichever of these hash types the port offers. */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP |
						    RTE_ETH_RSS_UDP |
						    RTE_ETH_RSS_TCP) &
						   info.flow_type_rss_offloads;
	}
	r = rte_eth_dev_configure(port, queues, queues, &conf);
	if (r < 0)
		return r;
	for (q = 0; q < queues; q++) {
		r = rte_eth_rx_queue_setup(port, q, NB_DESC,
					   rte_eth_dev_socket_id(port), NULL,
					   pool);
		if (r < 0)
			return r;
		r = rte_eth_tx_queue_setup(port, q, NB_DESC,
					   rte_eth_dev_socket_id(port), NULL);
		if (r < 0)
			return r;
	}
	r = rte_eth_dev_start(port);
	if (r < 0)
		return r;
	return rte_eth_promiscuous_enable(port);
}

/* To 02:00:00:00:00:02, IPv4 10.77.0.2 -> 10.77.0.1, UDP 9 -> 9. */
static struct rte_mbuf *make_frame(struct rte_mempool *pool,
				   const struct rte_ether_addr *src)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 2 };
	static const uint8_t saddr[4] = { 10, 77, 0, 2 };
	static const uint8_t daddr[4] = { 10, 77, 0, 1 };
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	if (!m)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, UDP_FRAME_LEN);
	if (!p) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	udp_frame_fill(p, dst, src->addr_bytes, saddr, daddr, 9, 9);
	return m;
}

int main(int argc, char **argv)
{
	struct queue_stats qs[MAX_QUEUES] = { 0 };
	struct rte_mbuf *pkts[BURST];
	struct rte_eth_link link;
	struct rte_ether_addr mac;
	struct rte_mempool *pool;
	uint64_t start, end, hz, unsent = 0, rx = 0, tx = 0;
	uint16_t port = 0, queues = 1, q, n, sent, i;
	char macstr[RTE_ETHER_ADDR_FMT_SIZE];
	unsigned long seconds;
	int echo, eal, r;

	eal = rte_eal_init(argc, argv);
	if (eal < 0) {
		fprintf(stderr, "dpdk-echo: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	argc -= eal;
	argv += eal;
	if (argc < 3 || argc > 4 || (strcmp(argv[1], "echo") &&
				     strcmp(argv[1], "tx"))) {
		fprintf(stderr, "usage: dpdk-echo [EAL options] -- echo|tx SECONDS [QUEUES]\n");
		return 2;
	}
	echo = !strcmp(argv[1], "echo");
	seconds = strtoul(argv[2], NULL, 0);
	if (argc == 4)
		queues = (uint16_t)strtoul(argv[3], NULL, 0);
	if (!queues || queues > MAX_QUEUES) {
		fprintf(stderr, "dpdk-echo: QUEUES must be 1..%d\n", MAX_QUEUES);
		return 2;
	}
	if (!rte_eth_dev_is_valid_port(port)) {
		fprintf(stderr, "dpdk-echo: no port (is the device bound to a UIO driver?)\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("echo", NB_MBUFS, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (!pool) {
		fprintf(stderr, "dpdk-echo: no mbuf pool: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	r = port_setup(port, queues, pool);
	if (r < 0) {
		fprintf(stderr, "dpdk-echo: port setup failed: %s\n",
			rte_strerror(-r));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rte_eth_macaddr_get(port, &mac);
	rte_ether_format_addr(macstr, sizeof(macstr), &mac);
	rte_eth_link_get(port, &link);
	printf("port %u mac %s link %s queues %u\nready\n", port, macstr,
	       link.link_status ? "up" : "down", queues);
	fflush(stdout);

	hz = rte_get_tsc_hz();
	start = rte_get_tsc_cycles();
	end = start + seconds * hz;
	while (!stop && rte_get_tsc_cycles() < end) {
		for (q = 0; q < queues; q++) {
			if (echo) {
				n = rte_eth_rx_burst(port, q, pkts, BURST);
				qs[q].rx += n;
			} else {
				for (n = 0; n < BURST; n++) {
					pkts[n] = make_frame(pool, &mac);
					if (!pkts[n])
						break;
				}
			}
			if (!n)
				continue;
			sent = rte_eth_tx_burst(port, q, pkts, n);
			qs[q].tx += sent;
			for (i = sent; i < n; i++)
				rte_pktmbuf_free(pkts[i]);
			unsent += n - sent;
		}
	}
	end = rte_get_tsc_cycles();
	for (q = 0; q < queues; q++) {
		printf("queue %u rx %" PRIu64 " tx %" PRIu64 "\n", q, qs[q].rx,
		       qs[q].tx);
		rx += qs[q].rx;
		tx += qs[q].tx;
	}
	printf("total rx %" PRIu64 " tx %" PRIu64 " tx-unsent %" PRIu64
	       " seconds %.2f tx-pps %.0f\n", rx, tx, unsent,
	       (double)(end - start) / (double)hz,
	       (double)tx * (double)hz / (double)(end - start));
	fflush(stdout);
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_eal_cleanup();
	return 0;
}
