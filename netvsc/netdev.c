// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_netvsc module entry points and the net_device: probe and remove of
 * a synthetic NIC, attaching it to the host and detaching it again (on
 * MTU and channel-count changes, which the host only takes at attach),
 * and the net_device operations.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>

#include <hvis/nvsp.h>

#include "compat.h"
#include "netvsc.h"

/* Offloads the driver does itself, whatever the host offers. */
#define NETVSC_BASE_FEATURES	(NETIF_F_SG | NETIF_F_HIGHDMA | \
				 NETIF_F_RXHASH | NETIF_F_HW_VLAN_CTAG_TX | \
				 NETIF_F_HW_VLAN_CTAG_RX)

/* Link state, from the host's indications or the attach's query. */
void netvsc_link_change(struct netvsc *nv, bool up)
{
	if (READ_ONCE(nv->link_up) == up && netif_carrier_ok(nv->ndev) == up)
		return;
	WRITE_ONCE(nv->link_up, up);
	atomic64_inc(&nv->stats.link_changes);
	if (up)
		netif_carrier_on(nv->ndev);
	else
		netif_carrier_off(nv->ndev);
}

static u32 netvsc_filter(struct net_device *ndev)
{
	if (ndev->flags & IFF_PROMISC)
		return HVIS_RNDIS_FILTER_PROMISCUOUS;
	/* No per-group list: multicast is all of it, as in-tree. */
	return HVIS_RNDIS_FILTER_DIRECTED | HVIS_RNDIS_FILTER_BROADCAST |
	       HVIS_RNDIS_FILTER_MULTICAST | HVIS_RNDIS_FILTER_ALL_MULTICAST;
}

/*
 * Attach to the host with @mtu and up to @want channels, and publish the
 * attachment.  Context: RTNL held.
 */
static int netvsc_attach(struct netvsc *nv, u32 mtu, u32 want)
{
	struct net_device *ndev = nv->ndev;
	struct netvsc_dev *nvdev;
	int ret;

	ASSERT_RTNL();
	nvdev = netvsc_nvsp_attach(nv, mtu);
	if (IS_ERR(nvdev))
		return PTR_ERR(nvdev);
	ret = netvsc_rndis_init(nvdev);
	if (ret)
		goto err_detach;
	if (mtu > nvdev->max_mtu) {
		ret = -EINVAL;
		goto err_detach;
	}
	want = clamp_t(u32, want, 1, min(nvdev->max_chn, num_online_cpus()));
	netvsc_nvsp_open_subchannels(nvdev, want - 1);
	if (nvdev->num_chn > 1 && netvsc_rndis_set_rss(nvdev, nv->rss_key))
		netdev_warn(ndev, "host refused RSS: received frames all come on channel 0\n");
	ret = netif_set_real_num_tx_queues(ndev, nvdev->num_chn);
	if (!ret)
		ret = netif_set_real_num_rx_queues(ndev, nvdev->num_chn);
	if (ret)
		goto err_detach;

	ndev->max_mtu = nvdev->max_mtu;
	ndev->hw_features = NETVSC_BASE_FEATURES | nvdev->hw_features;
	if (nvdev->gso_max)
		netif_set_tso_max_size(ndev, nvdev->gso_max);
	rcu_assign_pointer(nv->nvdev, nvdev);

	if (netif_running(ndev)) {
		ret = netvsc_rndis_set_filter(nvdev, netvsc_filter(ndev));
		if (ret)
			netdev_warn(ndev, "packet filter not taken (%d)\n", ret);
	}
	netif_device_attach(ndev);
	return 0;

err_detach:
	netvsc_rndis_halt(nvdev);
	netvsc_nvsp_detach(nvdev);
	return ret;
}

/* Unpublish the attachment and give everything back.  RTNL held. */
static void netvsc_detach(struct netvsc *nv)
{
	struct netvsc_dev *nvdev = rtnl_dereference(nv->nvdev);

	ASSERT_RTNL();
	if (!nvdev)
		return;
	netif_device_detach(nv->ndev);
	if (netif_running(nv->ndev))
		netvsc_rndis_set_filter(nvdev, 0);
	RCU_INIT_POINTER(nv->nvdev, NULL);
	synchronize_net();
	netvsc_rndis_halt(nvdev);
	netvsc_nvsp_detach(nvdev);
}

/*
 * Detach and attach again with @mtu and @want channels; if the host will
 * not take them, attach as before.  RTNL held.
 */
static int netvsc_reattach(struct netvsc *nv, u32 mtu, u32 want)
{
	u32 old_mtu = nv->ndev->mtu, old_want = nv->want_chn;
	int ret;

	netvsc_detach(nv);
	ret = netvsc_attach(nv, mtu, want);
	if (!ret) {
		WRITE_ONCE(nv->ndev->mtu, mtu);
		nv->want_chn = want;
		return 0;
	}
	netdev_err(nv->ndev, "attach with MTU %u, %u channels failed (%d): back to %u, %u\n",
		   mtu, want, ret, old_mtu, old_want);
	if (netvsc_attach(nv, old_mtu, old_want))
		netdev_err(nv->ndev, "re-attach failed: the NIC is detached\n");
	return ret;
}

int netvsc_set_channels(struct netvsc *nv, u32 count)
{
	return netvsc_reattach(nv, nv->ndev->mtu, count);
}

static int netvsc_change_mtu(struct net_device *ndev, int mtu)
{
	struct netvsc *nv = netdev_priv(ndev);

	return netvsc_reattach(nv, mtu, nv->want_chn);
}

static int netvsc_open(struct net_device *ndev)
{
	struct netvsc *nv = netdev_priv(ndev);
	struct netvsc_dev *nvdev = rtnl_dereference(nv->nvdev);
	int ret;

	if (!nvdev)
		return -ENODEV;
	ret = netvsc_rndis_set_filter(nvdev, netvsc_filter(ndev));
	if (ret) {
		netdev_err(ndev, "host refused the packet filter (%d)\n", ret);
		return ret;
	}
	netif_tx_wake_all_queues(ndev);
	return 0;
}

static int netvsc_close(struct net_device *ndev)
{
	struct netvsc *nv = netdev_priv(ndev);
	struct netvsc_dev *nvdev = rtnl_dereference(nv->nvdev);

	netif_tx_disable(ndev);
	if (nvdev && netvsc_rndis_set_filter(nvdev, 0))
		netdev_warn(ndev, "host kept the packet filter\n");
	return 0;
}

/* The filter update sleeps; ndo_set_rx_mode may not. */
static void netvsc_rx_mode_work(struct work_struct *work)
{
	struct netvsc *nv = container_of(work, struct netvsc, rx_mode_work);
	struct netvsc_dev *nvdev;

	rtnl_lock();
	nvdev = rtnl_dereference(nv->nvdev);
	if (nvdev && netif_running(nv->ndev))
		netvsc_rndis_set_filter(nvdev, netvsc_filter(nv->ndev));
	rtnl_unlock();
}

static void netvsc_set_rx_mode(struct net_device *ndev)
{
	struct netvsc *nv = netdev_priv(ndev);

	schedule_work(&nv->rx_mode_work);
}

static int netvsc_set_mac(struct net_device *ndev, void *p)
{
	struct netvsc *nv = netdev_priv(ndev);
	struct netvsc_dev *nvdev = rtnl_dereference(nv->nvdev);
	struct sockaddr *sa = p;
	int ret;

	ret = eth_prepare_mac_addr_change(ndev, p);
	if (ret)
		return ret;
	if (!nvdev)
		return -ENODEV;
	ret = netvsc_rndis_set_mac(nvdev, sa->sa_data);
	if (ret)
		return ret;
	eth_commit_mac_addr_change(ndev, p);
	return 0;
}

/* LRO is the host's RSC: tell it (other offloads are per packet). */
static int netvsc_set_features(struct net_device *ndev,
			       netdev_features_t features)
{
	struct netvsc *nv = netdev_priv(ndev);
	struct netvsc_dev *nvdev = rtnl_dereference(nv->nvdev);
	bool lro = features & NETIF_F_LRO;
	int ret;

	if (!((ndev->features ^ features) & NETIF_F_LRO) || !nvdev)
		return 0;
	nv->lro = lro;
	ret = netvsc_rndis_offloads(nvdev);
	if (ret)
		nv->lro = !lro;
	return ret;
}

static void netvsc_get_stats64(struct net_device *ndev,
			       struct rtnl_link_stats64 *st)
{
	struct netvsc *nv = netdev_priv(ndev);
	u64 packets, bytes;
	unsigned int start;
	u32 i;

	netdev_stats_to_stats64(st, &ndev->stats);
	for (i = 0; i < NETVSC_MAX_CHANNELS; i++) {
		struct netvsc_queue_stats *tx = &nv->tx_stats[i];
		struct netvsc_queue_stats *rx = &nv->rx_stats[i];

		do {
			start = u64_stats_fetch_begin(&tx->syncp);
			packets = tx->packets;
			bytes = tx->bytes;
		} while (u64_stats_fetch_retry(&tx->syncp, start));
		st->tx_packets += packets;
		st->tx_bytes += bytes;
		do {
			start = u64_stats_fetch_begin(&rx->syncp);
			packets = rx->packets;
			bytes = rx->bytes;
		} while (u64_stats_fetch_retry(&rx->syncp, start));
		st->rx_packets += packets;
		st->rx_bytes += bytes;
	}
	st->tx_dropped += atomic64_read(&nv->stats.tx_dropped);
}

static const struct net_device_ops netvsc_netdev_ops = {
	.ndo_open		= netvsc_open,
	.ndo_stop		= netvsc_close,
	.ndo_start_xmit		= netvsc_xmit,
	.ndo_select_queue	= netvsc_select_queue,
	.ndo_change_mtu		= netvsc_change_mtu,
	.ndo_set_mac_address	= netvsc_set_mac,
	.ndo_set_rx_mode	= netvsc_set_rx_mode,
	.ndo_set_features	= netvsc_set_features,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_get_stats64	= netvsc_get_stats64,
};

static int netvsc_probe(struct hv_device *hdev,
			const struct hv_vmbus_device_id *dev_id)
{
	struct net_device *ndev;
	struct netvsc_dev *nvdev;
	struct netvsc *nv;
	int ret;

	ndev = alloc_etherdev_mq(sizeof(*nv), NETVSC_MAX_CHANNELS);
	if (!ndev)
		return -ENOMEM;
	/* The interface's "device" link names the VMBus device. */
	SET_NETDEV_DEV(ndev, &hdev->device);
	nv = netdev_priv(ndev);
	nv->ndev = ndev;
	nv->hdev = hdev;
	INIT_WORK(&nv->rx_mode_work, netvsc_rx_mode_work);
	for (ret = 0; ret < NETVSC_MAX_CHANNELS; ret++) {
		u64_stats_init(&nv->tx_stats[ret].syncp);
		u64_stats_init(&nv->rx_stats[ret].syncp);
	}
	netdev_rss_key_fill(nv->rss_key, sizeof(nv->rss_key));
	nv->want_chn = min_t(u32, num_online_cpus(), NETVSC_MAX_CHANNELS);
	nv->lro = true;
	hv_set_drvdata(hdev, ndev);
	netif_carrier_off(ndev);

	ndev->netdev_ops = &netvsc_netdev_ops;
	ndev->ethtool_ops = &netvsc_ethtool_ops;
	ndev->needed_headroom = NETVSC_RNDIS_HDR_MAX;
	ndev->min_mtu = ETH_MIN_MTU;
	/* The host takes a new address while the NIC runs. */
	ndev->priv_flags |= IFF_LIVE_ADDR_CHANGE;

	rtnl_lock();
	ret = netvsc_attach(nv, ETH_DATA_LEN, nv->want_chn);
	rtnl_unlock();
	if (ret)
		goto err_free;
	/* Not registered yet: nothing else can see the attachment. */
	nvdev = rcu_dereference_protected(nv->nvdev, true);
	eth_hw_addr_set(ndev, nvdev->mac);
	ndev->features = ndev->hw_features;
	ndev->vlan_features = ndev->hw_features & ~(NETIF_F_HW_VLAN_CTAG_TX |
						    NETIF_F_HW_VLAN_CTAG_RX |
						    NETIF_F_LRO);

	ret = register_netdev(ndev);
	if (ret)
		goto err_detach;
	netdev_info(ndev, "NVSP %#x, %u channel(s), MTU up to %u\n",
		    nvdev->nvsp_version, nvdev->num_chn, nvdev->max_mtu);
	return 0;

err_detach:
	rtnl_lock();
	netvsc_detach(nv);
	rtnl_unlock();
err_free:
	hv_set_drvdata(hdev, NULL);
	free_netdev(ndev);
	return ret;
}

static HVIS_HV_REMOVE_TYPE netvsc_remove(struct hv_device *hdev)
{
	struct net_device *ndev = hv_get_drvdata(hdev);
	struct netvsc *nv = netdev_priv(ndev);

	unregister_netdev(ndev);
	cancel_work_sync(&nv->rx_mode_work);
	rtnl_lock();
	netvsc_detach(nv);
	rtnl_unlock();
	hv_set_drvdata(hdev, NULL);
	free_netdev(ndev);
	return HVIS_HV_REMOVE_RET;
}

static const struct hv_vmbus_device_id netvsc_id_table[] = {
	{ HV_NIC_GUID, },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, netvsc_id_table);

static struct hv_driver netvsc_drv = {
	.name		= KBUILD_MODNAME,
	.id_table	= netvsc_id_table,
	.probe		= netvsc_probe,
	.remove		= netvsc_remove,
	.driver = {
		.probe_type = PROBE_FORCE_SYNCHRONOUS,
	},
};

static int __init netvsc_init(void)
{
	return vmbus_driver_register(&netvsc_drv);
}

static void __exit netvsc_exit(void)
{
	vmbus_driver_unregister(&netvsc_drv);
}

module_init(netvsc_init);
module_exit(netvsc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Microsoft Hyper-V network driver (hvis)");
MODULE_VERSION("1.0.0-hvis");
