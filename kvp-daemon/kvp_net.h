/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The KVP daemon's view of the guest's network, through libnl-route (no
 * shell-outs): a NIC's addresses, prefixes and default gateways for the
 * host's GET_IP_INFO, and a static configuration applied for SET_IP_INFO.
 */
#ifndef HVIS_KVP_NET_H
#define HVIS_KVP_NET_H

#include <stddef.h>
#include <stdint.h>

/* The lists travel ';'-separated, as the in-tree daemon writes them. */
struct kvp_ip_info {
	char mac[64];			/* AA:BB:CC:DD:EE:FF */
	uint8_t families;		/* 1 IPv4, 2 IPv6 (ADDR_FAMILY_*) */
	uint8_t dhcp;
	char addrs[2048];		/* 192.0.2.10;2001:db8::10 */
	char subnets[2048];		/* 255.255.255.0;64 */
	char gateways[1024];
	char dns[2048];
};

struct kvp_net_config {
	const char *resolv_conf;	/* nameservers (default /etc/resolv.conf) */
	const char *hook_dir;		/* SET_IP_INFO hooks (/etc/hvis/kvp-set-ip.d) */
	const char *root;		/* prefix for DHCP state files ("" = /) */
};

/*
 * Fill @info (whose @mac names the NIC) from the live system: 0, -ENODEV
 * when no NIC has that MAC, another -errno on netlink failure.
 */
int kvp_net_get(const struct kvp_net_config *cfg, struct kvp_ip_info *info);

/* All global addresses of @family (AF_INET/AF_INET6) of non-loopback NICs, ';'-separated. */
int kvp_net_summary(int family, char *out, size_t len);

/*
 * Apply @info to the NIC with its MAC: its global addresses replaced by the
 * list, default routes through the gateways; then run the hooks.  0,
 * -ENODEV (no such NIC), -EINVAL (a bad list), or another -errno.
 */
int kvp_net_set(const struct kvp_net_config *cfg,
		const struct kvp_ip_info *info);

/* "255.255.255.0" -> 24, "64" -> 64; -1 if neither. */
int kvp_net_prefix(const char *subnet, int family);

#endif /* HVIS_KVP_NET_H */
