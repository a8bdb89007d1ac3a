// SPDX-License-Identifier: GPL-2.0-only
/* The KVP daemon's network facts and static configuration, read and applied with libnl-route. */
#include "kvp_net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_log.h"

static struct nl_sock *kvp_nl_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk)
		return NULL;
	if (nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

/* Append @item to the ';'-separated @list; -ENOSPC when it does not fit. */
static int kvp_list_add(char *list, size_t cap, const char *item)
{
	size_t n = strlen(list);
	int r = snprintf(list + n, cap - n, "%s%s", n ? ";" : "", item);

	if (r < 0 || (size_t)r >= cap - n) {
		list[n] = '\0';
		return -ENOSPC;
	}
	return 0;
}

/* The ifindex of the NIC whose MAC is @mac (any case), or -ENODEV. */
static int kvp_ifindex_of(struct nl_sock *sk, const char *mac)
{
	struct nl_cache *links;
	struct nl_object *o;
	char buf[64];
	int ifindex = -ENODEV;

	if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &links) < 0)
		return -EIO;
	for (o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		struct nl_addr *a = rtnl_link_get_addr(l);

		if (!a || nl_addr_get_len(a) != 6)
			continue;
		nl_addr2str(a, buf, sizeof(buf));
		if (!strcasecmp(buf, mac)) {
			ifindex = rtnl_link_get_ifindex(l);
			break;
		}
	}
	nl_cache_free(links);
	return ifindex;
}

static void kvp_ntop(struct nl_addr *a, char *buf, size_t len)
{
	inet_ntop(nl_addr_get_family(a), nl_addr_get_binary_addr(a), buf,
		  (socklen_t)len);
}

/* Global addresses of @ifindex (0: every non-loopback NIC) into the lists. */
static int kvp_addrs(struct nl_sock *sk, int ifindex, int family,
		     struct kvp_ip_info *info, char *summary, size_t slen)
{
	struct nl_cache *addrs;
	struct nl_object *o;
	char ip[INET6_ADDRSTRLEN], sub[INET6_ADDRSTRLEN];

	if (rtnl_addr_alloc_cache(sk, &addrs) < 0)
		return -EIO;
	for (o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		int fam = rtnl_addr_get_family(a), plen;

		if (!local || (family && fam != family) ||
		    (fam != AF_INET && fam != AF_INET6) ||
		    rtnl_addr_get_scope(a) >= RT_SCOPE_LINK)
			continue;
		if (ifindex ? rtnl_addr_get_ifindex(a) != ifindex :
			      rtnl_addr_get_ifindex(a) == (int)if_nametoindex("lo"))
			continue;
		kvp_ntop(local, ip, sizeof(ip));
		if (summary) {
			kvp_list_add(summary, slen, ip);
			continue;
		}
		plen = rtnl_addr_get_prefixlen(a);
		if (fam == AF_INET) {
			uint32_t mask = plen ? htonl(~0u << (32 - plen)) : 0;

			inet_ntop(AF_INET, &mask, sub, sizeof(sub));
			info->families |= 1;
		} else {
			snprintf(sub, sizeof(sub), "%d", plen);
			info->families |= 2;
		}
		if (kvp_list_add(info->addrs, sizeof(info->addrs), ip) ||
		    kvp_list_add(info->subnets, sizeof(info->subnets), sub))
			daemon_log(LOG_WARNING, "address list full: %s left out", ip);
	}
	nl_cache_free(addrs);
	return 0;
}

/* Default routes through @ifindex: their gateways. */
static int kvp_gateways(struct nl_sock *sk, int ifindex, struct kvp_ip_info *info)
{
	struct nl_cache *routes;
	struct nl_object *o;
	char gw[INET6_ADDRSTRLEN];

	if (rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &routes) < 0)
		return -EIO;
	for (o = nl_cache_get_first(routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(r);
		int i, n;

		if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
		    (dst && nl_addr_get_prefixlen(dst) != 0))
			continue;
		n = rtnl_route_get_nnexthops(r);
		for (i = 0; i < n; i++) {
			struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, i);
			struct nl_addr *g = rtnl_route_nh_get_gateway(nh);

			if (!g || rtnl_route_nh_get_ifindex(nh) != ifindex)
				continue;
			kvp_ntop(g, gw, sizeof(gw));
			kvp_list_add(info->gateways, sizeof(info->gateways), gw);
		}
	}
	nl_cache_free(routes);
	return 0;
}

static void kvp_dns(const struct kvp_net_config *cfg, struct kvp_ip_info *info)
{
	FILE *f = fopen(cfg->resolv_conf, "re");
	char line[512], ns[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " nameserver %255s", ns) == 1)
			kvp_list_add(info->dns, sizeof(info->dns), ns);
	fclose(f);
}

static bool kvp_exists(const struct kvp_net_config *cfg, const char *path)
{
	char full[4096];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", cfg->root, path);
	return !stat(full, &st);
}

/* A file under @cfg->root that contains a line with all of @words. */
static bool kvp_file_says(const struct kvp_net_config *cfg, const char *path,
			  const char *w1, const char *w2, const char *w3)
{
	char full[4096], line[512];
	bool yes = false;
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", cfg->root, path);
	f = fopen(full, "re");
	if (!f)
		return false;
	while (!yes && fgets(line, sizeof(line), f))
		yes = strstr(line, w1) && strstr(line, w2) && (!w3 || strstr(line, w3));
	fclose(f);
	return yes;
}

/*
 * Is @ifname configured by DHCP?  What the common network managers leave:
 * a systemd-networkd lease, a dhclient lease, an ifupdown "inet dhcp"
 * stanza, a NetworkManager ipv4.method=auto profile for the device.
 */
static bool kvp_dhcp(const struct kvp_net_config *cfg, const char *ifname,
		     int ifindex)
{
	char path[512];

	snprintf(path, sizeof(path), "/run/systemd/netif/leases/%d", ifindex);
	if (kvp_exists(cfg, path))
		return true;
	snprintf(path, sizeof(path), "/var/lib/dhcp/dhclient.%s.leases", ifname);
	if (kvp_exists(cfg, path))
		return true;
	if (kvp_file_says(cfg, "/etc/network/interfaces", "iface", ifname, "dhcp"))
		return true;
	snprintf(path, sizeof(path), "/run/NetworkManager/devices/%d", ifindex);
	return kvp_exists(cfg, path) &&
	       kvp_file_says(cfg, path, "method", "auto", NULL);
}

int kvp_net_get(const struct kvp_net_config *cfg, struct kvp_ip_info *info)
{
	struct nl_sock *sk = kvp_nl_open();
	char ifname[IF_NAMESIZE] = "";
	int ifindex, r;

	if (!sk)
		return -EIO;
	ifindex = kvp_ifindex_of(sk, info->mac);
	if (ifindex < 0) {
		nl_socket_free(sk);
		return ifindex;
	}
	info->families = 0;
	info->addrs[0] = info->subnets[0] = info->gateways[0] = info->dns[0] = '\0';
	r = kvp_addrs(sk, ifindex, 0, info, NULL, 0);
	if (!r)
		r = kvp_gateways(sk, ifindex, info);
	nl_socket_free(sk);
	kvp_dns(cfg, info);
	if_indextoname((unsigned int)ifindex, ifname);
	info->dhcp = kvp_dhcp(cfg, ifname, ifindex);
	return r;
}

int kvp_net_summary(int family, char *out, size_t len)
{
	struct nl_sock *sk = kvp_nl_open();
	int r;

	out[0] = '\0';
	if (!sk)
		return -EIO;
	r = kvp_addrs(sk, 0, family, NULL, out, len);
	nl_socket_free(sk);
	return r;
}

int kvp_net_prefix(const char *subnet, int family)
{
	struct in_addr m;
	char *end;
	long v;
	uint32_t h;
	int n = 0;

	if (family == AF_INET && inet_pton(AF_INET, subnet, &m) == 1) {
		h = ntohl(m.s_addr);
		while (h & 0x80000000u) {
			n++;
			h <<= 1;
		}
		return h ? -1 : n;	/* a mask with holes is no prefix */
	}
	if (*subnet == '/')
		subnet++;
	v = strtol(subnet, &end, 10);
	if (end == subnet || *end || v < 0 || v > (family == AF_INET ? 32 : 128))
		return -1;
	return (int)v;
}

/* Remove every global address of @ifindex (those the host's list replaces). */
static void kvp_flush_addrs(struct nl_sock *sk, int ifindex)
{
	struct nl_cache *addrs;
	struct nl_object *o;

	if (rtnl_addr_alloc_cache(sk, &addrs) < 0)
		return;
	for (o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;

		if (rtnl_addr_get_ifindex(a) == ifindex &&
		    rtnl_addr_get_scope(a) < RT_SCOPE_LINK)
			rtnl_addr_delete(sk, a, 0);
	}
	nl_cache_free(addrs);
}

static int kvp_add_addr(struct nl_sock *sk, int ifindex, const char *ip,
			int plen)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local;
	char spec[INET6_ADDRSTRLEN + 8];
	int r;

	if (!a)
		return -ENOMEM;
	snprintf(spec, sizeof(spec), "%s/%d", ip, plen);
	r = nl_addr_parse(spec, AF_UNSPEC, &local);
	if (r < 0) {
		rtnl_addr_put(a);
		return -EINVAL;
	}
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, plen);
	r = rtnl_addr_add(sk, a, NLM_F_REPLACE);
	nl_addr_put(local);
	rtnl_addr_put(a);
	return r < 0 ? -EIO : 0;
}

static int kvp_add_default(struct nl_sock *sk, int ifindex, const char *gw)
{
	int family = strchr(gw, ':') ? AF_INET6 : AF_INET;
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = NULL, *via = NULL;
	int ret = -EINVAL;

	if (!r || !nh)
		goto out;
	if (nl_addr_parse(gw, family, &via) < 0 ||
	    nl_addr_parse(family == AF_INET ? "0.0.0.0/0" : "::/0", family, &dst) < 0)
		goto out;
	rtnl_route_set_family(r, (uint8_t)family);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_dst(r, dst);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(r, nh);
	nh = NULL;	/* the route owns it now */
	ret = rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_REPLACE) < 0 ? -EIO : 0;
out:
	if (nh)
		rtnl_route_nh_free(nh);
	if (r)
		rtnl_route_put(r);
	if (dst)
		nl_addr_put(dst);
	if (via)
		nl_addr_put(via);
	return ret;
}

/* The hooks in @dir, in name order, with the configuration in their environment. */
static void kvp_run_hooks(const struct kvp_net_config *cfg,
			  const struct kvp_ip_info *info, const char *ifname)
{
	struct dirent **names;
	char path[4096];
	int n, i;

	n = scandir(cfg->hook_dir, &names, NULL, alphasort);
	if (n < 0)
		return;		/* no hooks: nothing to persist with */
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		struct stat st;
		pid_t pid;
		int status;

		snprintf(path, sizeof(path), "%s/%s", cfg->hook_dir, name);
		if (name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode) ||
		    !(st.st_mode & 0111))
			continue;
		pid = fork();
		if (pid == 0) {
			setenv("HVIS_KVP_INTERFACE", ifname, 1);
			setenv("HVIS_KVP_MAC", info->mac, 1);
			setenv("HVIS_KVP_DHCP", info->dhcp ? "yes" : "no", 1);
			setenv("HVIS_KVP_ADDRESSES", info->addrs, 1);
			setenv("HVIS_KVP_SUBNETS", info->subnets, 1);
			setenv("HVIS_KVP_GATEWAYS", info->gateways, 1);
			setenv("HVIS_KVP_DNS", info->dns, 1);
			execl(path, path, ifname, (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			daemon_log(LOG_WARNING, "hook %s failed", path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int kvp_net_set(const struct kvp_net_config *cfg,
		const struct kvp_ip_info *info)
{
	char addrs[sizeof(info->addrs)], subs[sizeof(info->subnets)];
	char gws[sizeof(info->gateways)], ifname[IF_NAMESIZE] = "";
	char *ip, *sub, *save_a = NULL, *save_s = NULL, *gw, *save_g = NULL;
	struct nl_sock *sk = kvp_nl_open();
	int ifindex, r = 0, plen;

	if (!sk)
		return -EIO;
	ifindex = kvp_ifindex_of(sk, info->mac);
	if (ifindex < 0) {
		nl_socket_free(sk);
		return ifindex;
	}
	if_indextoname((unsigned int)ifindex, ifname);
	if (!info->dhcp) {
		snprintf(addrs, sizeof(addrs), "%s", info->addrs);
		snprintf(subs, sizeof(subs), "%s", info->subnets);
		snprintf(gws, sizeof(gws), "%s", info->gateways);
		/* Check the whole list before touching the NIC. */
		for (ip = strtok_r(addrs, ";", &save_a), sub = strtok_r(subs, ";", &save_s);
		     ip; ip = strtok_r(NULL, ";", &save_a), sub = strtok_r(NULL, ";", &save_s))
			if (!sub || kvp_net_prefix(sub, strchr(ip, ':') ? AF_INET6 : AF_INET) < 0)
				r = -EINVAL;
		if (r) {
			daemon_log(LOG_ERR, "SET_IP_INFO for %s: addresses and subnets do not pair up",
				   ifname);
			nl_socket_free(sk);
			return r;
		}
		kvp_flush_addrs(sk, ifindex);
		snprintf(addrs, sizeof(addrs), "%s", info->addrs);
		snprintf(subs, sizeof(subs), "%s", info->subnets);
		save_a = save_s = NULL;
		for (ip = strtok_r(addrs, ";", &save_a), sub = strtok_r(subs, ";", &save_s);
		     ip && sub && !r;
		     ip = strtok_r(NULL, ";", &save_a), sub = strtok_r(NULL, ";", &save_s)) {
			plen = kvp_net_prefix(sub, strchr(ip, ':') ? AF_INET6 : AF_INET);
			r = kvp_add_addr(sk, ifindex, ip, plen);
			if (r)
				daemon_log(LOG_ERR, "cannot add %s/%d to %s", ip, plen, ifname);
		}
		for (gw = strtok_r(gws, ";", &save_g); gw && !r; gw = strtok_r(NULL, ";", &save_g)) {
			r = kvp_add_default(sk, ifindex, gw);
			if (r)
				daemon_log(LOG_ERR, "cannot route through %s on %s", gw, ifname);
		}
	}
	nl_socket_free(sk);
	if (!r)
		daemon_log(LOG_INFO, "%s: %s %s", ifname,
			   info->dhcp ? "DHCP" : "static", info->addrs);
	kvp_run_hooks(cfg, info, ifname);
	return r;
}
