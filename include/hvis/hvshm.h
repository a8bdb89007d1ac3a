/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * hvshm: hvcore's stand-in for the Hyper-V SynIC on hosts without VT-x.
 *
 * The guest sees an ivshmem-doorbell PCI device (1af4:1110, QEMU's
 * docs/specs/ivshmem-spec) whose shared-memory BAR 2 starts with the header
 * below.  hvcore is the ivshmem server and the one other peer.  The BAR holds
 * what the hypervisor would otherwise overlay on guest pages:
 *
 *   page 0              header (written by hvcore before the guest boots)
 *   page 1              post-message slot (guest -> host, HvPostMessage)
 *   page 2              signal-event bitmap (guest -> host, HvSignalEvent)
 *   simp_offset + i*4K  SIMP of vCPU i   (host -> guest messages)
 *   siefp_offset + i*4K SIEFP of vCPU i  (host -> guest event flags)
 *
 * Guest -> host: the guest writes the slot or sets a bitmap bit, then writes
 * the ivshmem Doorbell register with (host_peer_id << 16) | vector, vector one
 * of HVSHM_VEC_*.  Host -> guest: hvcore fills the vCPU's SIMP/SIEFP slot for
 * SINT 2 exactly as Hyper-V would and raises MSI-X vector i for vCPU i.
 */
#ifndef HVIS_HVSHM_H
#define HVIS_HVSHM_H

#include "types.h"
#include "tlfs.h"

#define HVSHM_PCI_VENDOR	0x1af4
#define HVSHM_PCI_DEVICE	0x1110

/* "HVCORE01" read as a little-endian u64: anything else is not ours. */
#define HVSHM_MAGIC		0x313045524f435648ull
#define HVSHM_LAYOUT_VERSION	1

#define HVSHM_MAX_VCPUS		64
#define HVSHM_BAR_SIZE		(1u << 20)	/* power of two, as ivshmem wants */

/* Doorbell vectors, guest -> host. */
#define HVSHM_VEC_POST		0	/* post slot holds a request */
#define HVSHM_VEC_EVENT		1	/* signal bitmap has bits set */
#define HVSHM_VEC_EOM		2	/* a SIMP slot with msg_pending was freed */
#define HVSHM_NR_DOORBELLS	3

/* ivshmem register block (BAR 0). */
#define HVSHM_REG_IVPOSITION	8
#define HVSHM_REG_DOORBELL	12

struct hvshm_header {
	u64 magic;
	u32 layout_version;
	u32 bar_size;
	u32 nr_vcpus;		/* SIMP/SIEFP pairs present = MSI-X vectors used */
	u32 host_peer_id;	/* ivshmem peer id to ring */
	u32 post_offset;
	u32 signal_offset;
	u32 simp_offset;
	u32 siefp_offset;
	u32 max_connection_id;	/* signal bitmap covers ids 0 .. this - 1 */
	u32 reserved0;
	/* Written by the guest; hvcore only reports them. */
	u32 guest_attached;	/* 1 while a guest driver owns the device */
	u32 guest_peer_id;
} __packed;
HVIS_SIZE(struct hvshm_header, 56);

/*
 * Post-message slot.  state is the handshake: the guest fills input and sets
 * HVSHM_POST_REQUEST (store-release), rings HVSHM_VEC_POST and waits for
 * HVSHM_POST_DONE (load-acquire), reads status, sets HVSHM_POST_IDLE.  One
 * request is in flight at a time; the guest serialises its posters.
 */
#define HVSHM_POST_IDLE		0
#define HVSHM_POST_REQUEST	1
#define HVSHM_POST_DONE		2

struct hvshm_post_slot {
	u32 state;
	u32 status;		/* HVIS_STATUS_* written by hvcore */
	u64 sequence;		/* guest's request counter, echoed back */
	struct hvis_post_message_input input;
} __packed;
HVIS_SIZE(struct hvshm_post_slot, 16 + HVIS_MESSAGE_SIZE);

/* Signal bitmap: bit n set = HvSignalEvent(connection id n). */
#define HVSHM_MAX_CONNECTION_ID	4096
struct hvshm_signal_page {
	u64 pending[HVSHM_MAX_CONNECTION_ID / 64];
} __packed;
HVIS_SIZE(struct hvshm_signal_page, 512);

#define HVSHM_POST_OFFSET	(1 * HVIS_PAGE_SIZE)
#define HVSHM_SIGNAL_OFFSET	(2 * HVIS_PAGE_SIZE)
#define HVSHM_SIMP_OFFSET	(4 * HVIS_PAGE_SIZE)
#define HVSHM_SIEFP_OFFSET	(HVSHM_SIMP_OFFSET + HVSHM_MAX_VCPUS * HVIS_PAGE_SIZE)
HVIS_STATIC_ASSERT(HVSHM_SIEFP_OFFSET + HVSHM_MAX_VCPUS * HVIS_PAGE_SIZE <=
		   HVSHM_BAR_SIZE);

#endif /* HVIS_HVSHM_H */
