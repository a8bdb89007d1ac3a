// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hvshm platform: SynIC traffic over hvcore's ivshmem-doorbell device.
 *
 * The device is QEMU's ivshmem-doorbell (1af4:1110).  BAR 0 holds the ivshmem
 * registers, BAR 2 the shared memory whose layout include/hvis/hvshm.h fixes.
 * Guest -> host requests are a write to the shared memory followed by a
 * doorbell; host -> guest messages and events arrive in the per-vCPU SIMP and
 * SIEFP pages of BAR 2 and are announced by MSI-X vector <vcpu>.
 */
#include <linux/bitops.h>
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>

#include <hvis/hvshm.h>

#include "vmbus_priv.h"

/* How long a poster spins for hvcore's answer before giving up. */
#define HVSHM_POST_TIMEOUT_NS	NSEC_PER_SEC

/* The ivshmem register block is 256 bytes; we touch up to Doorbell. */
#define HVSHM_REGS_MIN_LEN	(HVSHM_REG_DOORBELL + sizeof(u32))

struct hvshm_vector {
	struct hvshm_dev *hd;
	unsigned int vcpu;
};

/*
 * struct hvshm_dev - the one bound hvcore device.
 *
 * Locking:
 *  - The post slot has one owner at a time.  post_lock (spinlock, irqsave)
 *    protects post_owned, the claim on it; the owner alone then writes
 *    the slot's input, sequence and state on our side and post_seq.
 *  - post_mutex (sleeping) queues sleepable posters, so only atomic
 *    posters ever compete for the claim with a sleeping owner.
 *    Lock order: post_mutex before post_lock.
 *  - A sleepable owner waits for hvcore with interrupts and preemption on
 *    (polling, then sleeping in short slices); an atomic one spins with
 *    interrupts off, bounded by HVSHM_POST_TIMEOUT_NS, as before.
 *  - The signal bitmap is shared lock-free with hvcore (atomic bit ops).
 *  - Everything else is written in probe before vmbus_platform_attach() and
 *    read-only until remove, after vmbus_platform_detach().
 *  - live gates the interrupt handlers: set before attach, cleared after
 *    detach; free_irq() then waits out any handler that saw it set.
 */
struct hvshm_dev {
	struct pci_dev *pdev;
	void __iomem *regs;		/* BAR 0 */
	void *shm;			/* BAR 2, bar_size bytes */
	struct hvshm_header *hdr;	/* == shm */
	struct hvshm_post_slot *post;
	struct hvshm_signal_page *signal;
	/* Validated copies of the header; the live header is never re-read. */
	u32 bar_size;
	u32 nr_vcpus;
	u32 host_peer_id;
	u32 max_connection_id;
	u32 simp_offset;
	u32 siefp_offset;

	struct mutex post_mutex;	/* sleepable posters, see above */
	spinlock_t post_lock;		/* post_owned, see above */
	bool post_owned;
	u64 post_seq;

	bool live;
	struct hvshm_vector *vectors;	/* nr_vcpus entries */
};

/* The ops carry no context: this is the device they act on while attached. */
static struct hvshm_dev *hvshm_bound;
static DEFINE_MUTEX(hvshm_bind_lock);

static void hvshm_ring(struct hvshm_dev *hd, u32 vector)
{
	/*
	 * writel orders every earlier store to the shared BAR before the
	 * doorbell, so hvcore sees the request once the eventfd fires.
	 */
	writel((hd->host_peer_id << 16) | vector, hd->regs + HVSHM_REG_DOORBELL);
}

/* Polls of the slot before a sleepable poster starts sleeping between them. */
#define HVSHM_POST_SPINS	200

/*
 * Wait until hvcore completes request @seq.  An atomic poster spins; its
 * interrupts may be off, so the clock is the NMI-safe monotonic one, not
 * jiffies.  A sleepable one polls a while (hvcore usually answers within
 * microseconds), then sleeps in short slices.
 */
static bool hvshm_post_wait(struct hvshm_post_slot *slot, u64 seq,
			    bool can_sleep)
{
	u64 deadline = ktime_get_mono_fast_ns() + HVSHM_POST_TIMEOUT_NS;
	unsigned int spins = 0;

	for (;;) {
		/*
		 * Pairs with hvcore's store-release of HVSHM_POST_DONE, made
		 * after it wrote status and sequence.
		 */
		if (virt_load_acquire(&slot->state) == HVSHM_POST_DONE &&
		    READ_ONCE(slot->sequence) == seq)
			return true;
		if (ktime_get_mono_fast_ns() > deadline)
			return false;
		if (can_sleep && ++spins > HVSHM_POST_SPINS)
			usleep_range(10, 50);
		else
			cpu_relax();
	}
}

/* Become the slot's owner; false if another owner kept it too long. */
static bool hvshm_post_claim(struct hvshm_dev *hd, bool can_sleep)
{
	u64 deadline = ktime_get_mono_fast_ns() + HVSHM_POST_TIMEOUT_NS;
	unsigned long flags;
	bool claimed;

	for (;;) {
		spin_lock_irqsave(&hd->post_lock, flags);
		claimed = !hd->post_owned;
		hd->post_owned = true;
		spin_unlock_irqrestore(&hd->post_lock, flags);
		if (claimed)
			return true;
		if (ktime_get_mono_fast_ns() > deadline)
			return false;
		if (can_sleep)
			cond_resched();
		else
			cpu_relax();
	}
}

static void hvshm_post_release(struct hvshm_dev *hd)
{
	unsigned long flags;

	spin_lock_irqsave(&hd->post_lock, flags);
	hd->post_owned = false;
	spin_unlock_irqrestore(&hd->post_lock, flags);
}

/* The exchange itself; the caller owns the slot. */
static u32 hvshm_post_exchange(struct hvshm_dev *hd, u32 connection_id,
			       u32 message_type, const void *payload, u32 len,
			       bool can_sleep)
{
	struct hvshm_post_slot *slot = hd->post;
	u32 status;
	u64 seq;

	/*
	 * After a timeout the slot still belongs to hvcore (state REQUEST):
	 * rewriting it could hand hvcore a torn message.  Give the late answer
	 * another chance, and fail again without touching the slot if it
	 * does not come.  Pairs with hvcore's store-release of the state.
	 */
	if (virt_load_acquire(&slot->state) == HVSHM_POST_REQUEST &&
	    !hvshm_post_wait(slot, hd->post_seq, can_sleep)) {
		pr_err_ratelimited("hvshm: host still owes post #%llu\n",
				   hd->post_seq);
		return HVIS_STATUS_HVSHM_TIMEOUT;
	}

	slot->input.connection_id = connection_id;
	slot->input.reserved = 0;
	slot->input.message_type = message_type;
	slot->input.payload_size = len;
	memcpy(slot->input.payload, payload, len);
	seq = ++hd->post_seq;
	WRITE_ONCE(slot->sequence, seq);
	/* Publishes the input; pairs with hvcore's load-acquire of state. */
	virt_store_release(&slot->state, HVSHM_POST_REQUEST);
	hvshm_ring(hd, HVSHM_VEC_POST);

	if (!hvshm_post_wait(slot, seq, can_sleep)) {
		pr_err_ratelimited("hvshm: no answer to post #%llu (conn %u) in %llu ms\n",
				   seq, connection_id,
				   (u64)HVSHM_POST_TIMEOUT_NS / NSEC_PER_MSEC);
		return HVIS_STATUS_HVSHM_TIMEOUT;
	}
	status = READ_ONCE(slot->status);
	WRITE_ONCE(slot->state, HVSHM_POST_IDLE);
	return status;
}

static u32 hvshm_post_msg(u32 connection_id, u32 message_type,
			  const void *payload, u32 len, bool can_sleep)
{
	struct hvshm_dev *hd = READ_ONCE(hvshm_bound);
	unsigned long flags = 0;
	u32 status;

	/* The core stops calling before unbinding (vmbus_platform_srcu). */
	if (!hd)
		return VMBUS_STATUS_NO_PLATFORM;
	if (len > HVIS_MESSAGE_PAYLOAD_SIZE)
		return HVIS_STATUS_INVALID_PARAMETER;

	if (can_sleep)
		mutex_lock(&hd->post_mutex);
	else
		local_irq_save(flags);
	if (!hvshm_post_claim(hd, can_sleep)) {
		pr_err_ratelimited("hvshm: post slot busy for %llu ms\n",
				   (u64)HVSHM_POST_TIMEOUT_NS / NSEC_PER_MSEC);
		status = HVIS_STATUS_HVSHM_TIMEOUT;
		goto out_unlock;
	}
	status = hvshm_post_exchange(hd, connection_id, message_type, payload,
				     len, can_sleep);
	hvshm_post_release(hd);
out_unlock:
	if (can_sleep)
		mutex_unlock(&hd->post_mutex);
	else
		local_irq_restore(flags);
	return status;
}

static void hvshm_signal_event(u32 connection_id)
{
	struct hvshm_dev *hd = READ_ONCE(hvshm_bound);

	if (!hd)
		return;
	if (connection_id >= hd->max_connection_id) {
		pr_err_ratelimited("hvshm: signal on connection %u, host covers < %u\n",
				   connection_id, hd->max_connection_id);
		return;
	}

	/*
	 * Only the setter that moves the bit from 0 to 1 rings.  hvcore, on a
	 * doorbell, atomically exchanges each bitmap word with 0 and only then
	 * services the bits it took.  So a bit found already set has not been
	 * taken yet: the setter that set it has rung or is about to, and the
	 * scan that doorbell triggers will see our bit too.  A bit set after
	 * hvcore's exchange is a fresh 0 -> 1 whose setter rings again.
	 * test_and_set_bit() is a full barrier, so the bit is visible before
	 * the doorbell write; pairs with hvcore's exchange.  (Bit n of the u64
	 * words equals bit n of the unsigned long view: 64-bit little-endian.)
	 */
	if (!test_and_set_bit(connection_id, (unsigned long *)hd->signal->pending))
		hvshm_ring(hd, HVSHM_VEC_EVENT);
}

static void hvshm_eom(unsigned int cpu)
{
	/* hvcore rescans every vCPU's SINT 2 slot, so the CPU is not sent. */
	struct hvshm_dev *hd = READ_ONCE(hvshm_bound);

	if (hd)
		hvshm_ring(hd, HVSHM_VEC_EOM);
}

static struct hvis_synic_message_page *hvshm_simp(unsigned int cpu)
{
	struct hvshm_dev *hd = READ_ONCE(hvshm_bound);

	if (!hd || WARN_ON_ONCE(cpu >= hd->nr_vcpus))
		return NULL;
	return hd->shm + hd->simp_offset + (size_t)cpu * HVIS_PAGE_SIZE;
}

static struct hvis_synic_event_flags_page *hvshm_siefp(unsigned int cpu)
{
	struct hvshm_dev *hd = READ_ONCE(hvshm_bound);

	if (!hd || WARN_ON_ONCE(cpu >= hd->nr_vcpus))
		return NULL;
	return hd->shm + hd->siefp_offset + (size_t)cpu * HVIS_PAGE_SIZE;
}

/* hvcore numbers its vCPUs as QEMU does, which is Linux's CPU order. */
static u32 hvshm_vp_index(unsigned int cpu)
{
	return cpu;
}

/* Only CPUs below the header's vCPU count have SynIC pages and a vector. */
static bool hvshm_cpu_usable(unsigned int cpu)
{
	struct hvshm_dev *hd = READ_ONCE(hvshm_bound);

	return hd && cpu < hd->nr_vcpus;
}

static const struct vmbus_platform_ops hvshm_ops = {
	.name		= "hvshm",
	.post_msg	= hvshm_post_msg,
	.signal_event	= hvshm_signal_event,
	.eom		= hvshm_eom,
	.simp		= hvshm_simp,
	.siefp		= hvshm_siefp,
	.vp_index	= hvshm_vp_index,
	.cpu_usable	= hvshm_cpu_usable,
};

static irqreturn_t hvshm_vector_isr(int irq, void *data)
{
	struct hvshm_vector *vec = data;

	/* A host may raise a vector before we attached; nobody to tell. */
	if (!READ_ONCE(vec->hd->live))
		return IRQ_NONE;
	vmbus_isr(vec->vcpu);
	return IRQ_HANDLED;
}

struct hvshm_range {
	const char *name;
	u64 start;
	u64 len;
};

/* Every region lies inside the BAR, page-aligned, and overlaps no other. */
static int hvshm_ranges_check(struct device *dev, const struct hvshm_range *r,
			      unsigned int n, u64 bar_size)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (!IS_ALIGNED(r[i].start, HVIS_PAGE_SIZE) ||
		    r[i].start + r[i].len > bar_size) {
			dev_err(dev, "hvshm: %s at %#llx+%#llx outside the %#llx-byte BAR\n",
				r[i].name, r[i].start, r[i].len, bar_size);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (r[i].start < r[j].start + r[j].len &&
			    r[j].start < r[i].start + r[i].len) {
				dev_err(dev, "hvshm: %s overlaps %s\n",
					r[i].name, r[j].name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/*
 * Decide from a private copy of the header whether the device is ours and
 * sane.  -ENODEV: some other ivshmem user, left alone without a word.
 */
static int hvshm_header_check(struct device *dev, const struct hvshm_header *h,
			      u64 bar_len)
{
	struct hvshm_range ranges[5];

	if (h->magic != HVSHM_MAGIC) {
		dev_dbg(dev, "hvshm: no hvcore magic, not ours\n");
		return -ENODEV;
	}
	if (h->layout_version != HVSHM_LAYOUT_VERSION) {
		dev_dbg(dev, "hvshm: layout %u, want %u: not ours\n",
			h->layout_version, HVSHM_LAYOUT_VERSION);
		return -ENODEV;
	}

	if (h->bar_size < HVIS_PAGE_SIZE || h->bar_size > bar_len) {
		dev_err(dev, "hvshm: header bar_size %#x, BAR is %#llx\n",
			h->bar_size, bar_len);
		return -EINVAL;
	}
	if (!h->nr_vcpus || h->nr_vcpus > HVSHM_MAX_VCPUS) {
		dev_err(dev, "hvshm: nr_vcpus %u not in 1..%u\n",
			h->nr_vcpus, HVSHM_MAX_VCPUS);
		return -EINVAL;
	}
	if (h->host_peer_id > 0xffff) {
		dev_err(dev, "hvshm: host_peer_id %u does not fit the doorbell\n",
			h->host_peer_id);
		return -EINVAL;
	}
	if (!h->max_connection_id ||
	    h->max_connection_id > HVSHM_MAX_CONNECTION_ID) {
		dev_err(dev, "hvshm: max_connection_id %u not in 1..%u\n",
			h->max_connection_id, HVSHM_MAX_CONNECTION_ID);
		return -EINVAL;
	}

	ranges[0] = (struct hvshm_range){ "header", 0, sizeof(*h) };
	ranges[1] = (struct hvshm_range){ "post slot", h->post_offset,
					  sizeof(struct hvshm_post_slot) };
	ranges[2] = (struct hvshm_range){ "signal page", h->signal_offset,
					  sizeof(struct hvshm_signal_page) };
	ranges[3] = (struct hvshm_range){ "SIMPs", h->simp_offset,
					  (u64)h->nr_vcpus * HVIS_PAGE_SIZE };
	ranges[4] = (struct hvshm_range){ "SIEFPs", h->siefp_offset,
					  (u64)h->nr_vcpus * HVIS_PAGE_SIZE };
	return hvshm_ranges_check(dev, ranges, ARRAY_SIZE(ranges), h->bar_size);
}

/*
 * Read the header through a one-page mapping, so a foreign ivshmem device
 * with a huge BAR costs us nothing, and validate the copy.
 */
static int hvshm_header_read(struct pci_dev *pdev, struct hvshm_header *h)
{
	resource_size_t len = pci_resource_len(pdev, 2);
	void *first;

	if (!(pci_resource_flags(pdev, 2) & IORESOURCE_MEM) ||
	    len < HVIS_PAGE_SIZE)
		return -ENODEV;
	first = memremap(pci_resource_start(pdev, 2), HVIS_PAGE_SIZE,
			 MEMREMAP_WB);
	if (!first)
		return -ENOMEM;
	memcpy(h, first, sizeof(*h));
	memunmap(first);
	return hvshm_header_check(&pdev->dev, h, len);
}

static void hvshm_vectors_free(struct hvshm_dev *hd, unsigned int count)
{
	while (count--) {
		int irq = pci_irq_vector(hd->pdev, count);

		irq_update_affinity_hint(irq, NULL);
		free_irq(irq, &hd->vectors[count]);
	}
}

/* MSI-X vector i is SINT 2 of vCPU i: steer it to CPU i where there is one. */
static int hvshm_vectors_request(struct hvshm_dev *hd)
{
	struct pci_dev *pdev = hd->pdev;
	unsigned int i;
	int ret;

	for (i = 0; i < hd->nr_vcpus; i++) {
		int irq = pci_irq_vector(pdev, i);

		hd->vectors[i].hd = hd;
		hd->vectors[i].vcpu = i;
		ret = request_irq(irq, hvshm_vector_isr, 0, "hvshm-sint2",
				  &hd->vectors[i]);
		if (ret) {
			dev_err(&pdev->dev, "hvshm: vector %u: irq %d: %d\n",
				i, irq, ret);
			hvshm_vectors_free(hd, i);
			return ret;
		}
		if (i < nr_cpu_ids && cpu_possible(i))
			irq_set_affinity_and_hint(irq, cpumask_of(i));
	}
	return 0;
}

static int hvshm_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct hvshm_header h;
	struct hvshm_dev *hd;
	int ret, nvec;

	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	ret = hvshm_header_read(pdev, &h);
	if (ret)
		goto err_disable_device;

	/* One SIMP per CPU that can take a channel, or interrupts go astray. */
	if (h.nr_vcpus < num_online_cpus()) {
		dev_err(&pdev->dev, "hvshm: %u vCPUs in the header, %u CPUs online\n",
			h.nr_vcpus, num_online_cpus());
		ret = -EINVAL;
		goto err_disable_device;
	}
	if (pci_resource_len(pdev, 0) < HVSHM_REGS_MIN_LEN) {
		dev_err(&pdev->dev, "hvshm: register BAR too small\n");
		ret = -ENODEV;
		goto err_disable_device;
	}

	mutex_lock(&hvshm_bind_lock);
	if (hvshm_bound) {
		dev_err(&pdev->dev, "hvshm: a second hvcore device, ignored\n");
		ret = -EBUSY;
		goto err_unlock;
	}

	hd = kzalloc(sizeof(*hd), GFP_KERNEL);
	if (!hd) {
		ret = -ENOMEM;
		goto err_unlock;
	}
	hd->pdev = pdev;
	hd->bar_size = h.bar_size;
	hd->nr_vcpus = h.nr_vcpus;
	hd->host_peer_id = h.host_peer_id;
	hd->max_connection_id = h.max_connection_id;
	hd->simp_offset = h.simp_offset;
	hd->siefp_offset = h.siefp_offset;
	mutex_init(&hd->post_mutex);
	spin_lock_init(&hd->post_lock);

	hd->vectors = kcalloc(hd->nr_vcpus, sizeof(*hd->vectors), GFP_KERNEL);
	if (!hd->vectors) {
		ret = -ENOMEM;
		goto err_free_dev;
	}

	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret)
		goto err_free_vectors;
	hd->regs = pci_iomap(pdev, 0, 0);
	if (!hd->regs) {
		ret = -ENOMEM;
		goto err_release_regions;
	}
	/*
	 * BAR 2 is host RAM (the memory-backend file hvcore also maps), not a
	 * device register file.  memremap(WB) gives it normal cacheable
	 * memory semantics: locked bit operations, acquire/release ordering
	 * and plain memcpy behave exactly as on guest RAM and stay coherent
	 * with hvcore's mapping.  ioremap_wc would make loads uncached and
	 * stores weakly ordered, and atomics on WC memory are not
	 * architecturally coherent, which the signal bitmap and the post
	 * handshake rely on.
	 */
	hd->shm = memremap(pci_resource_start(pdev, 2), hd->bar_size,
			   MEMREMAP_WB);
	if (!hd->shm) {
		ret = -ENOMEM;
		goto err_unmap_regs;
	}
	hd->hdr = hd->shm;
	hd->post = hd->shm + h.post_offset;
	hd->signal = hd->shm + h.signal_offset;

	nvec = pci_msix_vec_count(pdev);
	if (nvec < 0 || (u32)nvec < hd->nr_vcpus) {
		dev_err(&pdev->dev, "hvshm: %d MSI-X vectors, need %u\n",
			nvec, hd->nr_vcpus);
		ret = -ENODEV;
		goto err_unmap_shm;
	}
	ret = pci_alloc_irq_vectors(pdev, hd->nr_vcpus, hd->nr_vcpus,
				    PCI_IRQ_MSIX);
	if (ret < 0)
		goto err_unmap_shm;
	pci_set_master(pdev);

	ret = hvshm_vectors_request(hd);
	if (ret)
		goto err_free_irq_vectors;

	WRITE_ONCE(hd->hdr->guest_peer_id,
		   readl(hd->regs + HVSHM_REG_IVPOSITION));
	WRITE_ONCE(hd->hdr->guest_attached, 1);
	pci_set_drvdata(pdev, hd);
	WRITE_ONCE(hvshm_bound, hd);
	WRITE_ONCE(hd->live, true);

	ret = vmbus_platform_attach(&hvshm_ops, &pdev->dev);
	if (ret)
		goto err_unpublish;
	mutex_unlock(&hvshm_bind_lock);

	dev_info(&pdev->dev, "hvshm: hvcore transport, %u vCPUs, host peer %u\n",
		 hd->nr_vcpus, hd->host_peer_id);
	return 0;

err_unpublish:
	WRITE_ONCE(hd->live, false);
	WRITE_ONCE(hvshm_bound, NULL);
	WRITE_ONCE(hd->hdr->guest_attached, 0);
	hvshm_vectors_free(hd, hd->nr_vcpus);
err_free_irq_vectors:
	pci_clear_master(pdev);
	pci_free_irq_vectors(pdev);
err_unmap_shm:
	memunmap(hd->shm);
err_unmap_regs:
	pci_iounmap(pdev, hd->regs);
err_release_regions:
	pci_release_regions(pdev);
err_free_vectors:
	kfree(hd->vectors);
err_free_dev:
	kfree(hd);
err_unlock:
	mutex_unlock(&hvshm_bind_lock);
err_disable_device:
	pci_disable_device(pdev);
	return ret;
}

static void hvshm_remove(struct pci_dev *pdev)
{
	struct hvshm_dev *hd = pci_get_drvdata(pdev);

	mutex_lock(&hvshm_bind_lock);
	vmbus_platform_detach(&hvshm_ops);
	WRITE_ONCE(hd->live, false);
	/* free_irq() waits for handlers that still saw live set. */
	hvshm_vectors_free(hd, hd->nr_vcpus);
	/* Detach waited for every op caller (vmbus_platform_srcu). */
	WRITE_ONCE(hvshm_bound, NULL);
	WRITE_ONCE(hd->hdr->guest_attached, 0);
	mutex_unlock(&hvshm_bind_lock);

	pci_clear_master(pdev);
	pci_free_irq_vectors(pdev);
	memunmap(hd->shm);
	pci_iounmap(pdev, hd->regs);
	pci_release_regions(pdev);
	kfree(hd->vectors);
	kfree(hd);
	pci_disable_device(pdev);
}

static const struct pci_device_id hvshm_pci_ids[] = {
	{ PCI_DEVICE(HVSHM_PCI_VENDOR, HVSHM_PCI_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, hvshm_pci_ids);

static struct pci_driver hvshm_pci_driver = {
	.name		= "hvshm",
	.id_table	= hvshm_pci_ids,
	.probe		= hvshm_probe,
	.remove		= hvshm_remove,
};

int platform_hvshm_init(void)
{
	return pci_register_driver(&hvshm_pci_driver);
}

void platform_hvshm_exit(void)
{
	pci_unregister_driver(&hvshm_pci_driver);
}
