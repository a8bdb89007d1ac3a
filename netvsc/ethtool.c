// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_netvsc's ethtool operations: driver info, link settings, channels
 * (ethtool -L re-attaches with the new count), ring sizes, statistics.
 */
#include <linux/ethtool.h>
#include <linux/rtnetlink.h>

#include "netvsc.h"

/* Statistic names; the in-tree driver's where it counts the same thing. */
static const struct {
	const char *name;
	size_t offset;
} netvsc_stat_names[] = {
#define NETVSC_STAT(n) { #n, offsetof(struct netvsc_ethtool_stats, n) }
	NETVSC_STAT(tx_scattered),
	NETVSC_STAT(tx_no_space),
	NETVSC_STAT(tx_dropped),
	NETVSC_STAT(wake_queue),
	NETVSC_STAT(rx_bad),
	NETVSC_STAT(rx_no_memory),
	NETVSC_STAT(rx_comp_busy),
	NETVSC_STAT(rx_csum_good),
	NETVSC_STAT(link_changes),
#undef NETVSC_STAT
};

/* Per queue: tx packets, tx bytes, rx packets, rx bytes. */
#define NETVSC_QUEUE_STATS	4

static u32 netvsc_queues(struct net_device *ndev)
{
	return ndev->real_num_tx_queues;
}

static void netvsc_get_drvinfo(struct net_device *ndev,
			       struct ethtool_drvinfo *info)
{
	struct netvsc *nv = netdev_priv(ndev);

	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->bus_info, dev_name(&nv->hdev->device),
		sizeof(info->bus_info));
	strscpy(info->fw_version, "N/A", sizeof(info->fw_version));
}

static int netvsc_get_link_ksettings(struct net_device *ndev,
				     struct ethtool_link_ksettings *cmd)
{
	struct netvsc *nv = netdev_priv(ndev);

	ethtool_link_ksettings_zero_link_mode(cmd, supported);
	ethtool_link_ksettings_zero_link_mode(cmd, advertising);
	/* The host reports in 100 bps units. */
	cmd->base.speed = netif_carrier_ok(ndev) ?
			  READ_ONCE(nv->link_speed) / 10000 : SPEED_UNKNOWN;
	cmd->base.duplex = netif_carrier_ok(ndev) ? DUPLEX_FULL :
			   DUPLEX_UNKNOWN;
	cmd->base.port = PORT_OTHER;
	cmd->base.autoneg = AUTONEG_DISABLE;
	return 0;
}

static void netvsc_get_channels(struct net_device *ndev,
				struct ethtool_channels *ch)
{
	struct netvsc *nv = netdev_priv(ndev);
	struct netvsc_dev *nvdev = rtnl_dereference(nv->nvdev);

	if (!nvdev)
		return;
	ch->max_combined = min(nvdev->max_chn, num_online_cpus());
	ch->combined_count = nvdev->num_chn;
}

static int netvsc_set_channels_op(struct net_device *ndev,
				  struct ethtool_channels *ch)
{
	struct netvsc *nv = netdev_priv(ndev);
	struct netvsc_dev *nvdev = rtnl_dereference(nv->nvdev);

	if (!nvdev)
		return -ENODEV;
	if (ch->rx_count || ch->tx_count || ch->other_count ||
	    !ch->combined_count ||
	    ch->combined_count > min(nvdev->max_chn, num_online_cpus()))
		return -EINVAL;
	if (ch->combined_count == nvdev->num_chn)
		return 0;
	return netvsc_set_channels(nv, ch->combined_count);
}

static void netvsc_get_ringparam(struct net_device *ndev,
				 struct ethtool_ringparam *ring,
				 struct kernel_ethtool_ringparam *kring,
				 struct netlink_ext_ack *extack)
{
	struct netvsc *nv = netdev_priv(ndev);
	struct netvsc_dev *nvdev = rtnl_dereference(nv->nvdev);

	if (!nvdev)
		return;
	/* Frames that fit in the buffers the host was lent. */
	ring->rx_max_pending = nvdev->recv_slots;
	ring->rx_pending = nvdev->recv_slots;
	ring->tx_max_pending = nvdev->send_sections;
	ring->tx_pending = nvdev->send_sections;
}

static int netvsc_get_sset_count(struct net_device *ndev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return ARRAY_SIZE(netvsc_stat_names) +
	       NETVSC_QUEUE_STATS * netvsc_queues(ndev);
}

static void netvsc_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	u32 i;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < ARRAY_SIZE(netvsc_stat_names); i++)
		ethtool_sprintf(&data, "%s", netvsc_stat_names[i].name);
	for (i = 0; i < netvsc_queues(ndev); i++) {
		ethtool_sprintf(&data, "tx_queue_%u_packets", i);
		ethtool_sprintf(&data, "tx_queue_%u_bytes", i);
		ethtool_sprintf(&data, "rx_queue_%u_packets", i);
		ethtool_sprintf(&data, "rx_queue_%u_bytes", i);
	}
}

static void netvsc_queue_stats(struct netvsc_queue_stats *qs, u64 *out)
{
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&qs->syncp);
		out[0] = qs->packets;
		out[1] = qs->bytes;
	} while (u64_stats_fetch_retry(&qs->syncp, start));
}

static void netvsc_get_ethtool_stats(struct net_device *ndev,
				     struct ethtool_stats *stats, u64 *data)
{
	struct netvsc *nv = netdev_priv(ndev);
	u32 i, n = 0;

	for (i = 0; i < ARRAY_SIZE(netvsc_stat_names); i++)
		data[n++] = atomic64_read((atomic64_t *)((u8 *)&nv->stats +
					  netvsc_stat_names[i].offset));
	for (i = 0; i < netvsc_queues(ndev); i++, n += NETVSC_QUEUE_STATS) {
		netvsc_queue_stats(&nv->tx_stats[i], &data[n]);
		netvsc_queue_stats(&nv->rx_stats[i], &data[n + 2]);
	}
}

const struct ethtool_ops netvsc_ethtool_ops = {
	.get_drvinfo		= netvsc_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= netvsc_get_link_ksettings,
	.get_channels		= netvsc_get_channels,
	.set_channels		= netvsc_set_channels_op,
	.get_ringparam		= netvsc_get_ringparam,
	.get_sset_count		= netvsc_get_sset_count,
	.get_strings		= netvsc_get_strings,
	.get_ethtool_stats	= netvsc_get_ethtool_stats,
	.get_ts_info		= ethtool_op_get_ts_info,
};
