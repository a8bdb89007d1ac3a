// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvis_echo_test - a VMBus driver for the hvis echo VSP that checks every echoed byte.
 *
 * It uses only the <linux/hyperv.h> driver API, so it exercises hv_vmbus the
 * way an in-tree VSC would: open with rings each way, inband and GPA-direct
 * (multi-page buffer) sends, the in-place packet iterator, sub-channels and
 * rescind.  The sysfs ABI is described in selftests/README.md.
 */
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/hyperv.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uuid.h>
#include <linux/wait.h>

#include <hvis/echo.h>

/* Ring size each way: large enough for a window of big packets. */
#define ECHO_RING_SIZE		(128 * 1024)
/*
 * hv_pkt_iter_first() copies each packet into a buffer of max_pkt_size bytes
 * and truncates longer ones, so it must hold the largest echo plus header.
 */
#define ECHO_MAX_PKT		(HVIS_ECHO_MAX_PAYLOAD + 4096)
#define ECHO_MAX_SUBCHANNELS	HVIS_ECHO_MAX_SUBCHANNELS
#define ECHO_MAX_CHANNELS	(1 + ECHO_MAX_SUBCHANNELS)
/* Packets in flight per channel; a power of two (slot index = seq mod). */
#define ECHO_WINDOW		128
#define ECHO_INBAND_MAX		6144
/* Shared, read-only source of every GPA-direct range. */
#define ECHO_MPB_BUF_SIZE	(4 * HV_HYP_PAGE_SIZE)
#define ECHO_MPB_RANGE_MAX	(2 * HV_HYP_PAGE_SIZE)
#define ECHO_MPB_MAX_PFNS	3
#define ECHO_MPB_DESC_WORDS \
	((sizeof(struct vmbus_packet_mpb_array) + ECHO_MPB_MAX_PFNS * sizeof(u64)) / sizeof(u64))
#define ECHO_RUN_MAX		100000000u
/* No echo for this long while packets are outstanding = the host stalled. */
#define ECHO_STALL_MS		10000
#define ECHO_SC_TIMEOUT_MS	10000
/* How often a waiting writer re-checks rescind and the stall clock. */
#define ECHO_POLL_MS		20

/*
 * Transaction ids: bit 63 marks the sub-channel request; then the run
 * generation (so echoes of an abandoned run are told apart), the channel
 * index and the per-channel sequence number.
 */
#define ECHO_TID_CTL		BIT_ULL(63)
#define ECHO_TID_GEN_SHIFT	48
#define ECHO_TID_GEN_MASK	0x7fffu
#define ECHO_TID_CHAN_SHIFT	40
#define ECHO_TID_SEQ_MASK	(BIT_ULL(ECHO_TID_CHAN_SHIFT) - 1)

#define ECHO_SC_REQ_LEN		sizeof(struct hvis_echo_sc_request)
/* The smallest small_pkt: a descriptor and some payload to compare. */
#define ECHO_SMALL_PKT_MIN	64

/*
 * small_pkt < ECHO_MAX_PKT makes echoes longer than it arrive truncated
 * (hv_vmbus hands over the first max_pkt_size bytes and moves on): such an
 * echo counts, its prefix is checked, and echo_result reports how many.
 */
static uint small_pkt;
module_param(small_pkt, uint, 0444);
MODULE_PARM_DESC(small_pkt,
		 "max_pkt_size of every channel (0: room for any echo); smaller values exercise truncation");

/* One packet in flight: enough to regenerate and check its echo. */
struct echo_slot {
	u64 trans_id;
	u16 inband_len;
	u16 range_off;		/* into echo_dev.mpb_buf */
	u16 range_len;		/* 0: an inband packet */
};

/*
 * struct echo_chan - one open channel (primary or sub-channel) of a device.
 *
 * Locking: lock (spinlock, irqsave) protects gen, head, tail and slots[]:
 * the run writer reserves slots at head in process context, the channel
 * callback (tasklet or ISR, one at a time per channel) retires them at tail.
 * The slot for an echo is copied out under the lock and checked after it.
 */
struct echo_chan {
	struct echo_dev *edev;
	struct vmbus_channel *channel;
	u32 index;
	spinlock_t lock;	/* gen, head, tail, slots[] */
	u16 gen;
	u32 head;
	u32 tail;
	struct echo_slot slots[ECHO_WINDOW];
};

/*
 * struct echo_dev - driver state of one echo device.
 *
 * Locking:
 *  - run_lock (mutex) serialises the sysfs writers (echo_run,
 *    echo_subchannels, echo_corrupt) and protects gen, tx_buf and corrupted.
 *  - sc_lock (mutex) serialises sub-channel opens (sc_create work) against
 *    remove() via closing.  Never held while waiting for the host.
 *  - lock (spinlock, irqsave) protects chans[], nchans, sc_failed and the
 *    last result; readers snapshot under it.  Order: run_lock, sc_lock, lock.
 *  - The counters are atomics updated by the channel callbacks; the run
 *    writer resets them only while no slot of the current generation exists.
 * Lifetime: probe() to remove(); the kernfs drain in device_remove_groups()
 * guarantees no sysfs writer runs when remove() starts.
 */
struct echo_dev {
	struct hv_device *hdev;
	u64 seed;
	struct mutex run_lock;	/* sysfs writers: gen, tx_buf, corrupted */
	struct mutex sc_lock;	/* sub-channel open vs. remove: closing */
	spinlock_t lock;	/* chans[], nchans, sc_failed, res_* */
	wait_queue_head_t wq;

	struct echo_chan *chans[ECHO_MAX_CHANNELS];
	u32 nchans;
	u32 sc_failed;
	bool closing;
	bool corrupted;

	u16 gen;
	u8 *tx_buf;
	u8 *mpb_buf;
	u8 ctl_req[16];
	atomic_t ctl_echoed;

	atomic64_t done;	/* echoes checked this run */
	atomic64_t bytes;
	atomic_t errors;
	atomic_t stray;		/* echoes of an abandoned run */
	atomic_t truncated;	/* echoes cut to max_pkt_size (small_pkt) */
	unsigned long last_echo;	/* jiffies */

	u64 res_packets;
	u64 res_bytes;
	u32 res_errors;
	u64 res_ns;
};

/* splitmix64: a good, cheap and deterministic mixer. */
static u64 echo_mix(u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Word @k of a packet's content; word 0 is the transaction id itself. */
static u64 echo_word(u64 key, u32 k)
{
	return k ? (key ^ ((u64)k * 0xd6e8feb86659fd93ULL)) * 0x9e3779b97f4a7c15ULL : key;
}

/*
 * Byte access through memcpy() of a __le64: one load or store on x86, and
 * neither alignment nor the 6.12 move of <asm/unaligned.h> matters.
 */
static void echo_put_le64(u8 *p, u64 v)
{
	__le64 w = cpu_to_le64(v);

	memcpy(p, &w, sizeof(w));
}

static u64 echo_get_le64(const u8 *p)
{
	__le64 w;

	memcpy(&w, p, sizeof(w));
	return le64_to_cpu(w);
}

static void echo_fill(u8 *buf, u32 len, u64 key)
{
	u32 k;

	for (k = 0; k < len / 8; k++)
		echo_put_le64(buf + k * 8, echo_word(key, k));
	if (len % 8) {
		__le64 last = cpu_to_le64(echo_word(key, k));

		memcpy(buf + k * 8, &last, len % 8);
	}
}

static bool echo_content_ok(const u8 *buf, u32 len, u64 key)
{
	u32 k;

	for (k = 0; k < len / 8; k++)
		if (echo_get_le64(buf + k * 8) != echo_word(key, k))
			return false;
	if (len % 8) {
		__le64 last = cpu_to_le64(echo_word(key, k));

		return !memcmp(buf + k * 8, &last, len % 8);
	}
	return true;
}

/*
 * The shape of packet @seq, a pure function of (seed, seq) so a retry after
 * a full ring sends the same packet.  Half are small, most of the rest up to
 * 2 KiB, one in eight up to 6 KiB; in mpb mode every fourth packet carries
 * 8..128 inband bytes and a 1..8192 byte range of mpb_buf.
 */
static void echo_plan(const struct echo_dev *edev, u64 seq, bool mpb,
		      struct echo_slot *s)
{
	u64 r = echo_mix(edev->seed ^ (seq * 0xff51afd7ed558ccdULL));
	u32 c = r & 7;

	r >>= 3;
	if (mpb && seq % 4 == 3) {
		s->inband_len = 8 * (1 + (r & 15));
		s->range_len = 1 + (r >> 4) % ECHO_MPB_RANGE_MAX;
		s->range_off = (r >> 20) % (ECHO_MPB_BUF_SIZE - s->range_len + 1);
		return;
	}
	s->range_len = 0;
	s->range_off = 0;
	if (c < 4)
		s->inband_len = 1 + r % 256;
	else if (c < 7)
		s->inband_len = 257 + r % (2048 - 256);
	else
		s->inband_len = 2049 + r % (ECHO_INBAND_MAX - 2048);
}

/* The length of an echo: the host echoes what it read, padded to 8. */
static u32 echo_expected_len(const struct echo_slot *s)
{
	return ALIGN(ALIGN(s->inband_len, 8) + s->range_len, 8);
}

static void echo_fail(struct echo_dev *edev, struct echo_chan *ec,
		      const char *why, u64 trans_id)
{
	atomic_inc(&edev->errors);
	dev_err_ratelimited(&edev->hdev->device,
			    "channel %u: %s (trans_id %#llx)\n",
			    ec->index, why, trans_id);
}

static void echo_check_ctl(struct echo_dev *edev, struct echo_chan *ec,
			   const u8 *data, u32 len, u64 trans_id)
{
	if (ec->index != 0 || len != sizeof(edev->ctl_req) ||
	    memcmp(data, edev->ctl_req, ECHO_SC_REQ_LEN)) {
		echo_fail(edev, ec, "bad echo of the sub-channel request", trans_id);
		return;
	}
	atomic_set(&edev->ctl_echoed, 1);
}

static void echo_check_packet(struct echo_chan *ec,
			      const struct vmpacket_descriptor *desc)
{
	struct echo_dev *edev = ec->edev;
	u64 trans_id = desc->trans_id;
	u32 off8 = desc->offset8, len8 = desc->len8;
	struct echo_slot s;
	unsigned long flags;
	const u8 *data;
	u32 len, inb;

	/* Everything below comes from the host: bound it before use. */
	if (desc->type != VM_PKT_DATA_INBAND || desc->flags) {
		echo_fail(edev, ec, "echo is not a plain inband packet", trans_id);
		return;
	}
	if (off8 * 8 < sizeof(*desc) || len8 < off8 ||
	    (len8 - off8) * 8 > HVIS_ECHO_MAX_PAYLOAD + 8) {
		echo_fail(edev, ec, "echo descriptor lengths out of range", trans_id);
		return;
	}
	data = (const u8 *)desc + off8 * 8;
	len = (len8 - off8) * 8;

	if (trans_id & ECHO_TID_CTL) {
		echo_check_ctl(edev, ec, data, len, trans_id);
		return;
	}

	spin_lock_irqsave(&ec->lock, flags);
	if (((trans_id >> ECHO_TID_GEN_SHIFT) & ECHO_TID_GEN_MASK) != ec->gen) {
		spin_unlock_irqrestore(&ec->lock, flags);
		atomic_inc(&edev->stray);
		return;
	}
	if (ec->tail == ec->head) {
		spin_unlock_irqrestore(&ec->lock, flags);
		echo_fail(edev, ec, "echo with nothing in flight", trans_id);
		return;
	}
	s = ec->slots[ec->tail % ECHO_WINDOW];
	ec->tail++;
	spin_unlock_irqrestore(&ec->lock, flags);

	if (s.trans_id != trans_id) {
		echo_fail(edev, ec, "echo out of order", trans_id);
		return;
	}
	if (small_pkt && len < echo_expected_len(&s) &&
	    len8 * 8 == round_down(ec->channel->max_pkt_size, 8)) {
		/* Cut by hv_vmbus: what arrived must still be the echo's start. */
		if (!echo_content_ok(data, min_t(u32, len, s.inband_len),
				     trans_id)) {
			echo_fail(edev, ec, "truncated echo payload differs",
				  trans_id);
			return;
		}
		atomic_inc(&edev->truncated);
		goto done;
	}
	if (len != echo_expected_len(&s)) {
		echo_fail(edev, ec, "echo has the wrong length", trans_id);
		return;
	}
	if (!echo_content_ok(data, s.inband_len, trans_id)) {
		echo_fail(edev, ec, "echo payload differs", trans_id);
		return;
	}
	inb = ALIGN(s.inband_len, 8);
	if (s.range_len && memcmp(data + inb, edev->mpb_buf + s.range_off,
				  s.range_len)) {
		echo_fail(edev, ec, "echo of the GPA range differs", trans_id);
		return;
	}
	atomic64_add(s.inband_len + s.range_len, &edev->bytes);
done:
	WRITE_ONCE(edev->last_echo, jiffies);
	/* Pairs with atomic64_read() in the writer: bytes are counted first. */
	smp_mb__before_atomic();
	atomic64_inc(&edev->done);
}

/* Channel callback: drain everything, then let a waiting writer go on. */
static void echo_chan_cb(void *context)
{
	struct echo_chan *ec = context;
	struct vmpacket_descriptor *desc;
	bool any = false;

	foreach_vmbus_pkt(desc, ec->channel) {
		echo_check_packet(ec, desc);
		any = true;
	}
	if (any)
		wake_up(&ec->edev->wq);
}

static struct echo_chan *echo_chan_alloc(struct echo_dev *edev,
					 struct vmbus_channel *channel, u32 index)
{
	struct echo_chan *ec = kzalloc(sizeof(*ec), GFP_KERNEL);

	if (!ec)
		return NULL;
	ec->edev = edev;
	ec->channel = channel;
	ec->index = index;
	spin_lock_init(&ec->lock);
	channel->max_pkt_size = small_pkt ?
		clamp_t(u32, small_pkt, ECHO_SMALL_PKT_MIN, ECHO_MAX_PKT) :
		ECHO_MAX_PKT;
	return ec;
}

/* Called from hv_vmbus's sub-channel offer work for each offered sub-channel. */
static void echo_sc_create(struct vmbus_channel *sc)
{
	struct vmbus_channel *primary = sc->primary_channel;
	struct echo_chan *ec = NULL;
	struct echo_dev *edev;
	unsigned long flags;
	u32 index;
	int ret;

	if (!primary || !primary->device_obj)
		return;
	edev = hv_get_drvdata(primary->device_obj);
	if (!edev)
		return;

	mutex_lock(&edev->sc_lock);
	spin_lock_irqsave(&edev->lock, flags);
	index = edev->nchans;
	spin_unlock_irqrestore(&edev->lock, flags);
	if (edev->closing || index >= ECHO_MAX_CHANNELS) {
		ret = -EBUSY;
		goto out_unlock;
	}
	ret = -ENOMEM;
	ec = echo_chan_alloc(edev, sc, index);
	if (!ec)
		goto out_unlock;
	ret = vmbus_open(sc, ECHO_RING_SIZE, ECHO_RING_SIZE, NULL, 0,
			 echo_chan_cb, ec);
	if (ret) {
		kfree(ec);
		goto out_unlock;
	}
	spin_lock_irqsave(&edev->lock, flags);
	edev->chans[index] = ec;
	WRITE_ONCE(edev->nchans, index + 1);
	spin_unlock_irqrestore(&edev->lock, flags);
out_unlock:
	if (ret) {
		spin_lock_irqsave(&edev->lock, flags);
		WRITE_ONCE(edev->sc_failed, edev->sc_failed + 1);
		spin_unlock_irqrestore(&edev->lock, flags);
		dev_err(&edev->hdev->device,
			"sub-channel %u (relid %u) not opened: %d\n",
			sc->offermsg.offer.sub_channel_index,
			sc->offermsg.child_relid, ret);
	}
	mutex_unlock(&edev->sc_lock);
	wake_up(&edev->wq);
}

static u32 echo_chans_snapshot(struct echo_dev *edev,
			       struct echo_chan **chans)
{
	unsigned long flags;
	u32 n;

	spin_lock_irqsave(&edev->lock, flags);
	n = edev->nchans;
	memcpy(chans, edev->chans, n * sizeof(*chans));
	spin_unlock_irqrestore(&edev->lock, flags);
	return n;
}

/* Why the current run or request cannot go on, or 0. */
static int echo_check_alive(struct echo_dev *edev, struct echo_chan **chans,
			    u32 nchans)
{
	u32 i;

	if (atomic_read(&edev->errors))
		return -EIO;
	for (i = 0; i < nchans; i++)
		if (READ_ONCE(chans[i]->channel->rescind))
			return -ENODEV;
	if (time_after(jiffies, READ_ONCE(edev->last_echo) +
		       msecs_to_jiffies(ECHO_STALL_MS)))
		return -ETIMEDOUT;
	if (signal_pending(current))
		return -EINTR;
	return 0;
}

/* Sleep until an echo is checked or a short poll interval passes. */
static void echo_wait_progress(struct echo_dev *edev)
{
	s64 seen = atomic64_read(&edev->done);

	wait_event_interruptible_timeout(edev->wq,
					 atomic64_read(&edev->done) != seen ||
					 atomic_read(&edev->errors),
					 msecs_to_jiffies(ECHO_POLL_MS));
}

static int echo_send(struct echo_dev *edev, struct echo_chan *ec,
		     const struct echo_slot *s)
{
	u64 descbuf[ECHO_MPB_DESC_WORDS];
	struct vmbus_packet_mpb_array *desc = (void *)descbuf;
	u32 first, npfn, i;

	echo_fill(edev->tx_buf, s->inband_len, s->trans_id);
	if (!s->range_len)
		return vmbus_sendpacket(ec->channel, edev->tx_buf, s->inband_len,
					s->trans_id, VM_PKT_DATA_INBAND,
					(s->trans_id & 1) ?
					VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED : 0);

	first = s->range_off & HV_HYP_PAGE_MASK;
	/* As in-tree, the caller fills the ranges and their count. */
	desc->rangecount = 1;
	desc->range.offset = s->range_off & ~HV_HYP_PAGE_MASK;
	desc->range.len = s->range_len;
	npfn = HVPFN_UP(desc->range.offset + s->range_len);
	for (i = 0; i < npfn; i++)
		desc->range.pfn_array[i] =
			virt_to_hvpfn(edev->mpb_buf + first + i * HV_HYP_PAGE_SIZE);
	return vmbus_sendpacket_mpb_desc(ec->channel, desc,
					 sizeof(*desc) + npfn * sizeof(u64),
					 edev->tx_buf, s->inband_len, s->trans_id);
}

/* Reserve the next slot of @ec for @s; false when the window is full. */
static bool echo_slot_reserve(struct echo_chan *ec, struct echo_slot *s)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&ec->lock, flags);
	ok = ec->head - ec->tail < ECHO_WINDOW;
	if (ok) {
		s->trans_id = ((u64)ec->gen << ECHO_TID_GEN_SHIFT) |
			      ((u64)ec->index << ECHO_TID_CHAN_SHIFT) |
			      (ec->head & ECHO_TID_SEQ_MASK);
		ec->slots[ec->head % ECHO_WINDOW] = *s;
		ec->head++;
	}
	spin_unlock_irqrestore(&ec->lock, flags);
	return ok;
}

/* Give back the slot of a packet that was not sent. */
static void echo_slot_unreserve(struct echo_chan *ec)
{
	unsigned long flags;

	spin_lock_irqsave(&ec->lock, flags);
	ec->head--;
	if (ec->tail > ec->head)
		ec->tail = ec->head;
	spin_unlock_irqrestore(&ec->lock, flags);
}

static void echo_run_reset(struct echo_dev *edev, struct echo_chan **chans,
			   u32 nchans)
{
	unsigned long flags;
	u32 i;

	edev->gen = (edev->gen + 1) & ECHO_TID_GEN_MASK;
	if (!edev->gen)
		edev->gen = 1;
	for (i = 0; i < nchans; i++) {
		spin_lock_irqsave(&chans[i]->lock, flags);
		chans[i]->gen = edev->gen;
		chans[i]->head = 0;
		chans[i]->tail = 0;
		spin_unlock_irqrestore(&chans[i]->lock, flags);
	}
	atomic64_set(&edev->done, 0);
	atomic64_set(&edev->bytes, 0);
	atomic_set(&edev->errors, 0);
	atomic_set(&edev->truncated, 0);
	WRITE_ONCE(edev->last_echo, jiffies);
}

/* Send @count packets spread over all open channels and check their echoes. */
static int echo_run_exec(struct echo_dev *edev, u32 count, bool mpb)
{
	struct echo_chan *chans[ECHO_MAX_CHANNELS];
	u32 nchans, sent = 0, next = 0, ring_full = 0, i;
	struct echo_chan *ec = NULL;
	struct echo_slot s;
	unsigned long flags;
	u64 start, ns;
	int ret = 0;

	lockdep_assert_held(&edev->run_lock);
	nchans = echo_chans_snapshot(edev, chans);
	echo_run_reset(edev, chans, nchans);
	start = ktime_get_ns();

	while (sent < count) {
		ret = echo_check_alive(edev, chans, nchans);
		if (ret)
			break;
		echo_plan(edev, sent, mpb, &s);
		for (i = 0; i < nchans; i++) {
			ec = chans[(next + i) % nchans];
			if (echo_slot_reserve(ec, &s))
				break;
		}
		if (i == nchans) {
			echo_wait_progress(edev);
			continue;
		}
		ret = echo_send(edev, ec, &s);
		if (ret) {
			echo_slot_unreserve(ec);
			if (ret != -EAGAIN)
				break;
			/* Ring full: the host frees space as it echoes. */
			ring_full++;
			ret = 0;
			echo_wait_progress(edev);
			continue;
		}
		next = (next + i + 1) % nchans;
		sent++;
	}
	while (!ret && atomic64_read(&edev->done) < sent) {
		ret = echo_check_alive(edev, chans, nchans);
		if (!ret)
			echo_wait_progress(edev);
	}
	ns = ktime_get_ns() - start;
	/* A stall, rescind or send error is an error of the run too. */
	if (ret && !atomic_read(&edev->errors))
		atomic_inc(&edev->errors);

	spin_lock_irqsave(&edev->lock, flags);
	edev->res_packets = atomic64_read(&edev->done);
	edev->res_bytes = atomic64_read(&edev->bytes);
	edev->res_errors = atomic_read(&edev->errors);
	edev->res_ns = ns;
	spin_unlock_irqrestore(&edev->lock, flags);

	dev_info(&edev->hdev->device,
		 "run: %u/%u sent on %u channel(s), %llu checked, %u error(s), %u ring-full retries, %d stray, result %d\n",
		 sent, count, nchans, edev->res_packets, edev->res_errors,
		 ring_full, atomic_read(&edev->stray), ret);
	return (ret || edev->res_errors) ? -EIO : 0;
}

static struct echo_dev *echo_dev_from(struct device *dev)
{
	return hv_get_drvdata(device_to_hv_device(dev));
}

static ssize_t echo_run_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	struct echo_dev *edev = echo_dev_from(dev);
	char mode[8] = "";
	unsigned int n;
	bool mpb;
	int fields, ret;

	fields = sscanf(buf, "%u %7s", &n, mode);
	if (fields < 1 || n == 0 || n > ECHO_RUN_MAX)
		return -EINVAL;
	mpb = fields == 2 && !strcmp(mode, "mpb");
	if (fields == 2 && !mpb)
		return -EINVAL;

	mutex_lock(&edev->run_lock);
	ret = edev->corrupted ? -EIO : echo_run_exec(edev, n, mpb);
	mutex_unlock(&edev->run_lock);
	return ret ? ret : count;
}
static DEVICE_ATTR_WO(echo_run);

static ssize_t echo_result_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct echo_dev *edev = echo_dev_from(dev);
	u64 packets, bytes, ns;
	unsigned long flags;
	u32 errors;

	spin_lock_irqsave(&edev->lock, flags);
	packets = edev->res_packets;
	bytes = edev->res_bytes;
	errors = edev->res_errors;
	ns = edev->res_ns;
	spin_unlock_irqrestore(&edev->lock, flags);
	return sysfs_emit(buf, "packets=%llu bytes=%llu errors=%u ns=%llu truncated=%d\n",
			  packets, bytes, errors, ns,
			  atomic_read(&edev->truncated));
}
static DEVICE_ATTR_RO(echo_result);

/* Wake-up condition only; the caller re-checks everything under the lock. */
static bool echo_sc_settled(struct echo_dev *edev, u32 k)
{
	return (READ_ONCE(edev->nchans) > k && atomic_read(&edev->ctl_echoed)) ||
	       READ_ONCE(edev->sc_failed) || atomic_read(&edev->errors);
}

/* Ask the host for @k sub-channels and wait until they are all open. */
static int echo_subchannels_request(struct echo_dev *edev, u32 k)
{
	struct vmbus_channel *primary = edev->hdev->channel;
	struct echo_chan *chans[ECHO_MAX_CHANNELS];
	unsigned long deadline, flags;
	u32 nchans, failed;
	struct hvis_echo_sc_request req = {
		.magic = HVIS_ECHO_SC_MAGIC,
		.count = k,
	};
	int ret;

	lockdep_assert_held(&edev->run_lock);
	if (echo_chans_snapshot(edev, chans) > 1)
		return -EBUSY;
	spin_lock_irqsave(&edev->lock, flags);
	edev->sc_failed = 0;
	spin_unlock_irqrestore(&edev->lock, flags);

	memset(edev->ctl_req, 0, sizeof(edev->ctl_req));
	memcpy(edev->ctl_req, &req, sizeof(req));
	atomic_set(&edev->ctl_echoed, 0);
	atomic_set(&edev->errors, 0);
	ret = vmbus_sendpacket(primary, edev->ctl_req, ECHO_SC_REQ_LEN, ECHO_TID_CTL | k,
			       VM_PKT_DATA_INBAND,
			       VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	if (ret)
		return ret;

	deadline = jiffies + msecs_to_jiffies(ECHO_SC_TIMEOUT_MS);
	for (;;) {
		nchans = echo_chans_snapshot(edev, chans);
		spin_lock_irqsave(&edev->lock, flags);
		failed = edev->sc_failed;
		spin_unlock_irqrestore(&edev->lock, flags);
		if (nchans - 1 >= k && atomic_read(&edev->ctl_echoed))
			return 0;
		if (failed || atomic_read(&edev->errors))
			return -EIO;
		if (READ_ONCE(primary->rescind))
			return -ENODEV;
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		if (signal_pending(current))
			return -EINTR;
		wait_event_interruptible_timeout(edev->wq,
						 echo_sc_settled(edev, k),
						 msecs_to_jiffies(ECHO_POLL_MS));
	}
}

static ssize_t echo_subchannels_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t count)
{
	struct echo_dev *edev = echo_dev_from(dev);
	u32 k;
	int ret;

	ret = kstrtou32(buf, 0, &k);
	if (ret)
		return ret;
	if (k < 1 || k > ECHO_MAX_SUBCHANNELS)
		return -EINVAL;

	mutex_lock(&edev->run_lock);
	ret = edev->corrupted ? -EIO : echo_subchannels_request(edev, k);
	mutex_unlock(&edev->run_lock);
	return ret ? ret : count;
}

static ssize_t echo_subchannels_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct echo_dev *edev = echo_dev_from(dev);
	unsigned long flags;
	u32 n;

	spin_lock_irqsave(&edev->lock, flags);
	n = edev->nchans - 1;
	spin_unlock_irqrestore(&edev->lock, flags);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RW(echo_subchannels);

/* How the host signals this device: tells the tests which style they cover. */
static ssize_t echo_mode_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct vmbus_channel *channel = device_to_hv_device(dev)->channel;

	return sysfs_emit(buf, "%s\n", channel->offermsg.monitor_allocated ?
			  "monitored" : "dedicated");
}
static DEVICE_ATTR_RO(echo_mode);

/*
 * Deliberately corrupt our outbound ring's write index and kick the host,
 * which must detect it, log why and rescind the device.  Nothing may be sent
 * on this channel afterwards: the ring writer trusts its own index.
 */
static ssize_t echo_corrupt_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct echo_dev *edev = echo_dev_from(dev);
	struct vmbus_channel *channel = edev->hdev->channel;
	bool doit;
	int ret;

	ret = kstrtobool(buf, &doit);
	if (ret)
		return ret;
	if (!doit)
		return count;

	mutex_lock(&edev->run_lock);
	edev->corrupted = true;
	/* Neither 8-aligned nor inside any ring's data area. */
	WRITE_ONCE(channel->outbound.ring_buffer->write_index, U32_MAX - 3);
	/* Publish the index before the host is told to look (pairs with its read). */
	virt_mb();
	vmbus_setevent(channel);
	mutex_unlock(&edev->run_lock);
	dev_info(dev, "outbound ring write_index corrupted on request\n");
	return count;
}
static DEVICE_ATTR_WO(echo_corrupt);

static struct attribute *echo_attrs[] = {
	&dev_attr_echo_run.attr,
	&dev_attr_echo_result.attr,
	&dev_attr_echo_subchannels.attr,
	&dev_attr_echo_mode.attr,
	&dev_attr_echo_corrupt.attr,
	NULL,
};
ATTRIBUTE_GROUPS(echo);

static int echo_probe(struct hv_device *hdev,
		      const struct hv_vmbus_device_id *dev_id)
{
	struct vmbus_channel *channel = hdev->channel;
	struct echo_dev *edev;
	struct echo_chan *ec;
	int ret = -ENOMEM;
	u32 k;

	edev = kzalloc(sizeof(*edev), GFP_KERNEL);
	if (!edev)
		return -ENOMEM;
	edev->hdev = hdev;
	mutex_init(&edev->run_lock);
	mutex_init(&edev->sc_lock);
	spin_lock_init(&edev->lock);
	init_waitqueue_head(&edev->wq);
	edev->seed = echo_get_le64(&hdev->dev_instance.b[0]) ^
		     echo_get_le64(&hdev->dev_instance.b[8]);

	edev->tx_buf = kmalloc(ECHO_INBAND_MAX, GFP_KERNEL);
	if (!edev->tx_buf)
		goto err_free_edev;
	/* A power-of-two kmalloc is naturally aligned: page aligned here. */
	edev->mpb_buf = kmalloc(ECHO_MPB_BUF_SIZE, GFP_KERNEL);
	if (!edev->mpb_buf)
		goto err_free_tx_buf;
	for (k = 0; k < ECHO_MPB_BUF_SIZE / 8; k++)
		echo_put_le64(edev->mpb_buf + k * 8, echo_mix(edev->seed + k));

	ec = echo_chan_alloc(edev, channel, 0);
	if (!ec)
		goto err_free_mpb_buf;
	edev->chans[0] = ec;
	edev->nchans = 1;
	hv_set_drvdata(hdev, edev);
	vmbus_set_sc_create_callback(channel, echo_sc_create);

	ret = vmbus_open(channel, ECHO_RING_SIZE, ECHO_RING_SIZE, NULL, 0,
			 echo_chan_cb, ec);
	if (ret)
		goto err_clear_drvdata;
	dev_info(&hdev->device, "echo device open: relid %u, %s\n",
		 channel->offermsg.child_relid,
		 channel->offermsg.monitor_allocated ? "monitored" : "dedicated interrupt");
	return 0;

err_clear_drvdata:
	vmbus_set_sc_create_callback(channel, NULL);
	hv_set_drvdata(hdev, NULL);
	kfree(ec);
err_free_mpb_buf:
	kfree(edev->mpb_buf);
err_free_tx_buf:
	kfree(edev->tx_buf);
err_free_edev:
	kfree(edev);
	return ret;
}

static void echo_remove_common(struct hv_device *hdev)
{
	struct echo_dev *edev = hv_get_drvdata(hdev);
	u32 i;

	/* No sub-channel is opened after this; one being opened finishes first. */
	mutex_lock(&edev->sc_lock);
	edev->closing = true;
	mutex_unlock(&edev->sc_lock);
	/* Closes the sub-channels too, so no callback runs after this. */
	vmbus_close(hdev->channel);
	hv_set_drvdata(hdev, NULL);
	for (i = 0; i < edev->nchans; i++)
		kfree(edev->chans[i]);
	kfree(edev->mpb_buf);
	kfree(edev->tx_buf);
	kfree(edev);
}

/*
 * hv_driver.remove returns int before 6.3 and void after; Kbuild tests the
 * header for it (HVIS_HV_REMOVE_VOID) rather than the version.
 */
#ifdef HVIS_HV_REMOVE_VOID
static void echo_remove(struct hv_device *hdev)
{
	echo_remove_common(hdev);
}
#else
static int echo_remove(struct hv_device *hdev)
{
	echo_remove_common(hdev);
	return 0;
}
#endif

static const struct hv_vmbus_device_id echo_id_table[] = {
	{ .guid = HVIS_ECHO_CLASS_GUID },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, echo_id_table);

static struct hv_driver echo_driver = {
	.name = KBUILD_MODNAME,
	.id_table = echo_id_table,
	.probe = echo_probe,
	.remove = echo_remove,
	.driver = {
		.dev_groups = echo_groups,
	},
};

static int __init echo_init(void)
{
	return vmbus_driver_register(&echo_driver);
}

static void __exit echo_exit(void)
{
	vmbus_driver_unregister(&echo_driver);
}

module_init(echo_init);
module_exit(echo_exit);

MODULE_DESCRIPTION("hvis VMBus echo test driver");
MODULE_LICENSE("GPL");
