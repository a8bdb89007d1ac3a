// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_storvsc protocol layer: the VSTOR conversation on a controller's
 * primary channel and sub-channels (include/hvis/vstor.h), with every
 * packet from the host checked before the SCSI layer sees it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/slab.h>

#include "storvsc.h"

/* Protocol versions, best first; the host refuses those it does not speak. */
static const u16 vstor_versions[] = {
	HVIS_VSTOR_VERSION_WIN10,
	HVIS_VSTOR_VERSION_WIN8_1,
	HVIS_VSTOR_VERSION_WIN8,
};

/* Longest time one callback run keeps the tasklet; the core reschedules. */
#define VSTOR_CALLBACK_BUDGET_MS	2

static struct storvsc *vstor_of_channel(struct vmbus_channel *channel)
{
	struct vmbus_channel *primary = channel->primary_channel ?: channel;

	return hv_get_drvdata(primary->device_obj);
}

void storvsc_vstor_put(struct storvsc *stor)
{
	if (atomic_dec_and_test(&stor->outstanding))
		wake_up(&stor->drain_wq);
}

bool storvsc_vstor_wait_drained(struct storvsc *stor, unsigned long timeout)
{
	return wait_event_timeout(stor->drain_wq,
				  !atomic_read(&stor->outstanding), timeout);
}

/*
 * Send @sync's packet with @trans_id and sleep for the reply, waking each
 * second to stop early if the host rescinded the channel meanwhile.
 */
static int vstor_sync_exec(struct storvsc *stor, struct storvsc_sync *sync,
			   u64 trans_id)
{
	struct vmbus_channel *channel = stor->hdev->channel;
	unsigned long end = jiffies + STORVSC_SYNC_TIMEOUT_S * HZ;
	int ret;

	reinit_completion(&sync->done);
	sync->pkt.flags = HVIS_VSTOR_FLAG_REQUEST_COMPLETION;
	/*
	 * pending must be visible before the host can answer: the ring
	 * commit in vmbus_sendpacket() is a release after this store, and
	 * the reply can only follow the host reading the committed packet.
	 */
	atomic_set(&sync->pending, 1);
	ret = vmbus_sendpacket(channel, &sync->pkt, HVIS_VSTOR_PACKET_SIZE,
			       trans_id, VM_PKT_DATA_INBAND,
			       VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	while (!ret) {
		if (wait_for_completion_timeout(&sync->done, HZ))
			return 0;
		if (READ_ONCE(channel->rescind))
			ret = -ENODEV;
		else if (time_after(jiffies, end))
			ret = -ETIMEDOUT;
	}
	/* Give up, unless the callback has taken the reply already. */
	if (atomic_xchg(&sync->pending, 0))
		return ret;
	wait_for_completion(&sync->done);
	return 0;
}

/* The channel callback's half: take a reply for a waiting sync request. */
static void vstor_sync_reply(struct storvsc *stor, struct storvsc_sync *sync,
			     const struct hvis_vstor_packet *pkt)
{
	if (!atomic_xchg(&sync->pending, 0)) {
		dev_err_ratelimited(&stor->hdev->device,
				    "reply to no pending request, dropped\n");
		return;
	}
	memcpy(&sync->pkt, pkt, sizeof(sync->pkt));
	complete(&sync->done);
}

/* One init step: send @op (payload already in init.pkt), check the reply. */
static int vstor_init_step(struct storvsc *stor, u32 op, bool want_success)
{
	struct hvis_vstor_packet *pkt = &stor->init.pkt;
	int ret;

	pkt->operation = op;
	ret = vstor_sync_exec(stor, &stor->init, VMBUS_RQST_INIT);
	if (ret) {
		dev_err(&stor->hdev->device, "VSTOR op %u: no reply (%d)\n",
			op, ret);
		return ret;
	}
	if (pkt->operation != HVIS_VSTOR_OP_COMPLETE_IO) {
		dev_err(&stor->hdev->device,
			"VSTOR op %u: host answered with op %u\n", op,
			pkt->operation);
		return -EPROTO;
	}
	if (want_success && pkt->status != HVIS_VSTOR_STATUS_SUCCESS) {
		dev_err(&stor->hdev->device,
			"VSTOR op %u: host status %#x\n", op, pkt->status);
		return -EIO;
	}
	return 0;
}

static int vstor_negotiate(struct storvsc *stor)
{
	struct hvis_vstor_packet *pkt = &stor->init.pkt;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(vstor_versions); i++) {
		memset(pkt, 0, sizeof(*pkt));
		pkt->version.major_minor = vstor_versions[i];
		ret = vstor_init_step(stor, HVIS_VSTOR_OP_QUERY_PROTOCOL_VERSION,
				      false);
		if (ret)
			return ret;
		if (pkt->status == HVIS_VSTOR_STATUS_SUCCESS) {
			WRITE_ONCE(stor->version, vstor_versions[i]);
			return 0;
		}
	}
	dev_err(&stor->hdev->device,
		"host speaks none of VSTOR 6.2, 6.0, 5.1 (last status %#x)\n",
		pkt->status);
	return -EPROTONOSUPPORT;
}

/*
 * The largest transfer: the host's, in whole pages, no more than the cap,
 * and small enough that its page list takes at most a quarter of a ring
 * (a request that can never fit would be retried for ever).
 */
static u32 vstor_max_transfer(struct storvsc *stor, u32 host_bytes)
{
	u32 xfer = round_down(host_bytes, HV_HYP_PAGE_SIZE);
	u32 ring_pfns;

	/*
	 * 0 means the host did not say.  Less than a page is a limit we
	 * cannot honour (a request moves whole pages): assuming more would
	 * have the host refuse every large request, so give up instead.
	 */
	if (!host_bytes) {
		dev_warn(&stor->hdev->device,
			 "host gave no max transfer, assuming %u bytes\n",
			 HVIS_VSTOR_MAX_TRANSFER_DEFAULT);
		xfer = HVIS_VSTOR_MAX_TRANSFER_DEFAULT;
	} else if (!xfer) {
		dev_err(&stor->hdev->device,
			"host max transfer %u bytes is below a page\n",
			host_bytes);
		return 0;
	}
	xfer = min(xfer, STORVSC_MAX_TRANSFER_CAP);
	ring_pfns = ((stor->ring_size - PAGE_SIZE) / 4 - STORVSC_MPB_HDR_SIZE -
		     HVIS_VSTOR_PACKET_SIZE) / sizeof(u64);
	/* One page more than the bytes need: the buffer may start mid-page. */
	xfer = min_t(u32, xfer, (ring_pfns - 1) << HV_HYP_PAGE_SHIFT);
	return xfer;
}

static int vstor_handshake(struct storvsc *stor)
{
	struct hvis_vstor_packet *pkt = &stor->init.pkt;
	int ret;

	memset(pkt, 0, sizeof(*pkt));
	ret = vstor_init_step(stor, HVIS_VSTOR_OP_BEGIN_INITIALIZATION, true);
	if (ret)
		return ret;
	ret = vstor_negotiate(stor);
	if (ret)
		return ret;

	memset(pkt, 0, sizeof(*pkt));
	ret = vstor_init_step(stor, HVIS_VSTOR_OP_QUERY_PROPERTIES, true);
	if (ret)
		return ret;
	stor->multi_channel = pkt->properties.flags &
			      HVIS_VSTOR_PROP_MULTI_CHANNEL;
	stor->max_sub_channels = pkt->properties.max_channel_cnt;
	stor->max_transfer = vstor_max_transfer(stor,
						pkt->properties.max_transfer_bytes);
	if (!stor->max_transfer)
		return -EPROTO;

	memset(pkt, 0, sizeof(*pkt));
	return vstor_init_step(stor, HVIS_VSTOR_OP_END_INITIALIZATION, true);
}

/*
 * Point every CPU at a channel: the one whose interrupts that CPU takes
 * if there is one, so the completion lands where the request left; else
 * spread the CPUs over all channels.  @moved, if not NULL, is a channel
 * whose target CPU is changing to @new_cpu.
 */
static void vstor_map_cpus(struct storvsc *stor, struct vmbus_channel *moved,
			   u32 new_cpu)
{
	unsigned int n = stor->nr_chans, i, cpu;

	lockdep_assert_held(&stor->chan_lock);
	for_each_possible_cpu(cpu) {
		struct vmbus_channel *pick = stor->chans[cpu % n].channel;

		for (i = 0; i < n; i++) {
			struct vmbus_channel *c = stor->chans[i].channel;
			u32 target = c == moved ? new_cpu :
				     READ_ONCE(c->target_cpu);

			if (target == cpu) {
				pick = c;
				break;
			}
		}
		WRITE_ONCE(stor->cpu_chan[cpu], pick);
	}
}

/* The VMBus core moved @channel's interrupts (sysfs "cpu"). */
static void vstor_change_target_cpu(struct vmbus_channel *channel, u32 old,
				    u32 new)
{
	struct storvsc *stor = vstor_of_channel(channel);
	unsigned long flags;

	if (!stor)
		return;
	spin_lock_irqsave(&stor->chan_lock, flags);
	vstor_map_cpus(stor, channel, new);
	spin_unlock_irqrestore(&stor->chan_lock, flags);
}

static void vstor_on_channel(void *context);

/* The host offered a sub-channel we asked for: open it and use it. */
static void vstor_sc_create(struct vmbus_channel *sc)
{
	struct storvsc *stor = vstor_of_channel(sc);
	struct storvsc_chan *sch;
	unsigned long flags;
	unsigned int n;
	int ret;

	if (!stor)
		return;
	mutex_lock(&stor->sc_mutex);
	if (stor->closing)
		goto out_unlock;
	n = stor->nr_chans;
	if (n >= ARRAY_SIZE(stor->chans)) {
		dev_err_ratelimited(&stor->hdev->device,
				    "host offered more sub-channels than asked, ignored\n");
		goto out_unlock;
	}
	sch = &stor->chans[n];
	sch->stor = stor;
	sch->channel = sc;
	sc->max_pkt_size = STORVSC_MAX_PKT_SIZE;
	ret = vmbus_open(sc, stor->ring_size, stor->ring_size, NULL, 0,
			 vstor_on_channel, sch);
	if (ret) {
		dev_err(&stor->hdev->device, "cannot open sub-channel: %d\n",
			ret);
		goto out_unlock;
	}
	sc->change_target_cpu_callback = vstor_change_target_cpu;

	spin_lock_irqsave(&stor->chan_lock, flags);
	/* Publishes chans[n]; pairs with smp_load_acquire() in vstor_pick(). */
	smp_store_release(&stor->nr_chans, n + 1);
	vstor_map_cpus(stor, NULL, 0);
	spin_unlock_irqrestore(&stor->chan_lock, flags);
out_unlock:
	mutex_unlock(&stor->sc_mutex);
}

/*
 * Ask for a sub-channel per online CPU beyond the first, as many as the
 * host allows; the offers arrive later through vstor_sc_create().  Not
 * getting them is not fatal: the primary channel carries everything.
 * An IDE controller, sized for one channel and one hardware queue, asks
 * for none.
 */
static void vstor_request_sub_channels(struct storvsc *stor)
{
	struct hvis_vstor_packet *pkt = &stor->init.pkt;
	unsigned int want;

	if (!stor->multi_channel || stor->ide)
		return;
	want = min3(num_online_cpus() - 1, (unsigned int)stor->max_sub_channels,
		    (unsigned int)HVIS_VSTOR_MAX_SUB_CHANNELS);
	if (!want)
		return;

	vmbus_set_sc_create_callback(stor->hdev->channel, vstor_sc_create);
	memset(pkt, 0, sizeof(*pkt));
	pkt->sub_channel_count = want;
	if (vstor_init_step(stor, HVIS_VSTOR_OP_CREATE_SUB_CHANNELS, true))
		dev_warn(&stor->hdev->device,
			 "no sub-channels, using the primary channel only\n");
}

int storvsc_vstor_connect(struct storvsc *stor)
{
	struct vmbus_channel *primary = stor->hdev->channel;
	unsigned long flags;
	int ret;

	stor->cpu_chan = kcalloc(nr_cpu_ids, sizeof(*stor->cpu_chan),
				 GFP_KERNEL);
	if (!stor->cpu_chan)
		return -ENOMEM;
	stor->chans[0].stor = stor;
	stor->chans[0].channel = primary;
	stor->nr_chans = 1;

	primary->max_pkt_size = STORVSC_MAX_PKT_SIZE;
	ret = vmbus_open(primary, stor->ring_size, stor->ring_size, NULL, 0,
			 vstor_on_channel, &stor->chans[0]);
	if (ret) {
		dev_err(&stor->hdev->device, "cannot open channel: %d\n", ret);
		goto err_free_map;
	}
	stor->lowater = (u32)div_u64((u64)primary->outbound.ring_datasize *
				     storvsc_ring_avail_percent_lowater, 100);
	spin_lock_irqsave(&stor->chan_lock, flags);
	vstor_map_cpus(stor, NULL, 0);
	spin_unlock_irqrestore(&stor->chan_lock, flags);
	primary->change_target_cpu_callback = vstor_change_target_cpu;

	ret = vstor_handshake(stor);
	if (ret)
		goto err_close;
	vstor_request_sub_channels(stor);
	dev_info(&stor->hdev->device,
		 "VSTOR %u.%u, max transfer %u KiB, %u sub-channels offered\n",
		 stor->version >> 8, stor->version & 0xff,
		 stor->max_transfer >> 10, stor->max_sub_channels);
	return 0;

err_close:
	storvsc_vstor_close(stor);
	return ret;
err_free_map:
	kfree(stor->cpu_chan);
	stor->cpu_chan = NULL;
	return ret;
}

/* Close every channel: no callback runs after this returns. */
void storvsc_vstor_close(struct storvsc *stor)
{
	mutex_lock(&stor->sc_mutex);
	stor->closing = true;
	mutex_unlock(&stor->sc_mutex);
	vmbus_close(stor->hdev->channel);
	kfree(stor->cpu_chan);
	stor->cpu_chan = NULL;
}

/*
 * The channel for a request from this CPU: its own, unless that ring has
 * no more than the low-water mark free; then the next channel that has
 * more, then any one still there.
 */
static struct vmbus_channel *vstor_pick(struct storvsc *stor)
{
	unsigned int cpu = raw_smp_processor_id();	/* a hint only */
	unsigned int n = smp_load_acquire(&stor->nr_chans);
	struct vmbus_channel *home = READ_ONCE(stor->cpu_chan[cpu]);
	struct vmbus_channel *alive = NULL;
	unsigned int i;

	if (n == 1)
		return home;
	if (!READ_ONCE(home->rescind) &&
	    hv_get_bytes_to_write(&home->outbound) > stor->lowater)
		return home;
	for (i = 1; i <= n; i++) {
		struct vmbus_channel *c = stor->chans[(cpu + i) % n].channel;

		if (c == home || READ_ONCE(c->rescind))
			continue;
		if (hv_get_bytes_to_write(&c->outbound) > stor->lowater)
			return c;
		alive = alive ?: c;
	}
	return READ_ONCE(home->rescind) && alive ? alive : home;
}

/*
 * Send one SRB.  Return: 0 once the host owns it (its completion, maybe
 * already run, finishes it), or a negative errno with the command still
 * the caller's.
 */
int storvsc_vstor_send_srb(struct storvsc *stor, struct storvsc_cmd *cmd,
			   u64 trans_id)
{
	struct vmbus_channel *channel = vstor_pick(stor);
	int ret;

	cmd->channel = channel;
	cmd->pkt.operation = HVIS_VSTOR_OP_EXECUTE_SRB;
	cmd->pkt.flags = HVIS_VSTOR_FLAG_REQUEST_COMPLETION;
	atomic_inc(&stor->outstanding);
	/*
	 * Set before the packet is in the ring, which the send commits with
	 * a release: the completion's atomic_cmpxchg() cannot miss it.
	 */
	atomic_set(&cmd->inflight, 1);
	if (cmd->len)
		ret = vmbus_sendpacket_mpb_desc(channel, cmd->mpb,
						cmd->mpb_size, &cmd->pkt,
						HVIS_VSTOR_PACKET_SIZE,
						trans_id);
	else
		ret = vmbus_sendpacket(channel, &cmd->pkt,
				       HVIS_VSTOR_PACKET_SIZE, trans_id,
				       VM_PKT_DATA_INBAND,
				       VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	if (!ret)
		return 0;
	/* A send failing on rescind may have reached the host and back. */
	if (atomic_cmpxchg(&cmd->inflight, 1, 0) != 1)
		return 0;
	storvsc_vstor_put(stor);
	return ret;
}

int storvsc_vstor_reset_bus(struct storvsc *stor)
{
	struct hvis_vstor_packet *pkt = &stor->reset.pkt;
	int ret;

	mutex_lock(&stor->reset_mutex);
	memset(pkt, 0, sizeof(*pkt));
	pkt->operation = HVIS_VSTOR_OP_RESET_BUS;
	pkt->srb.path_id = 0;
	ret = vstor_sync_exec(stor, &stor->reset, VMBUS_RQST_RESET);
	if (!ret && (pkt->operation != HVIS_VSTOR_OP_COMPLETE_IO ||
		     pkt->status != HVIS_VSTOR_STATUS_SUCCESS))
		ret = -EIO;
	mutex_unlock(&stor->reset_mutex);
	return ret;
}

static const char *vstor_reason(int check)
{
	switch (check) {
	case HVIS_VSTOR_ESHORT:
		return "too short";
	case HVIS_VSTOR_EVERSION:
		return "not in the negotiated version";
	default:
		return "unknown operation";
	}
}

/*
 * One packet from the host.  Its bytes are already a private copy (the
 * ring layer copies each packet out before handing it over); @pkt is that
 * copy padded with zeroes to a whole VSTOR packet.
 */
static void vstor_handle_packet(struct storvsc *stor,
				struct vmbus_channel *channel,
				const struct vmpacket_descriptor *desc)
{
	struct device *dev = &stor->hdev->device;
	struct hvis_vstor_packet pkt = {};
	const char *bad = NULL;
	struct storvsc_cmd *cmd;
	u64 id = desc->trans_id;
	u32 len;
	int op;

	if (desc->offset8 > desc->len8) {
		dev_err_ratelimited(dev, "packet id %llu: bad descriptor, dropped\n",
				    id);
		return;
	}
	len = hv_pkt_datalen(desc);
	memcpy(&pkt, hv_pkt_data(desc), min_t(u32, len, sizeof(pkt)));
	op = hvis_vstor_check(&pkt, len, HVIS_DIR_H2G,
			      READ_ONCE(stor->version));
	if (desc->type != VM_PKT_COMP && desc->type != VM_PKT_DATA_INBAND)
		bad = "unexpected packet type";
	else if (op < 0)
		bad = vstor_reason(op);

	if (!id) {
		if (bad || (op != HVIS_VSTOR_OP_ENUMERATE_BUS &&
			    op != HVIS_VSTOR_OP_REMOVE_DEVICE)) {
			dev_err_ratelimited(dev, "host note (op %u, %u bytes): %s, dropped\n",
					    pkt.operation, len,
					    bad ?: "not a note");
			return;
		}
		storvsc_scsi_host_note(stor, op);
		return;
	}

	if (!bad && op != HVIS_VSTOR_OP_COMPLETE_IO)
		bad = "not a completion";

	if (id == VMBUS_RQST_INIT || id == VMBUS_RQST_RESET) {
		if (bad) {
			dev_err_ratelimited(dev, "reply (op %u, %u bytes): %s, request failed\n",
					    pkt.operation, len, bad);
			pkt.operation = 0;	/* the waiter sees a failure */
		}
		vstor_sync_reply(stor, id == VMBUS_RQST_INIT ? &stor->init :
				 &stor->reset, &pkt);
		return;
	}

	cmd = storvsc_scsi_lookup(stor, id);
	if (!cmd || cmd->channel != channel ||
	    atomic_cmpxchg(&cmd->inflight, 1, 0) != 1) {
		dev_err_ratelimited(dev, "completion for unknown transaction id %llu on relid %u, dropped\n",
				    id, channel->offermsg.child_relid);
		return;
	}
	if (bad)
		dev_err_ratelimited(dev, "completion id %llu (op %u, %u bytes): %s, request failed\n",
				    id, pkt.operation, len, bad);
	storvsc_scsi_complete(stor, cmd, &pkt, !bad);
	storvsc_vstor_put(stor);
}

static void vstor_on_channel(void *context)
{
	struct storvsc_chan *sch = context;
	struct vmbus_channel *channel = sch->channel;
	unsigned long end = jiffies + msecs_to_jiffies(VSTOR_CALLBACK_BUDGET_MS);
	const struct vmpacket_descriptor *desc;
	bool progress = false;

	foreach_vmbus_pkt(desc, channel) {
		/*
		 * Stop before handling @desc: it stays unconsumed and the
		 * VMBus core runs the callback again for what is left.  Only
		 * after one packet at least: hvis's core does not rerun a
		 * callback that consumed nothing (it takes that for a packet
		 * the driver refuses), and the host does not signal again
		 * for data already in the ring, so a run that stops with
		 * nothing read could leave completions there for good.
		 */
		if (progress && time_after(jiffies, end)) {
			hv_pkt_iter_close(channel);
			return;
		}
		vstor_handle_packet(sch->stor, channel, desc);
		progress = true;
	}
}
