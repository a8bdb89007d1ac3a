/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Hypervisor-level structures VMBus rides on: SynIC message slots, event-flag
 * slots, the monitor page, and the HvPostMessage / HvSignalEvent interface.
 *
 * Follows the Hyper-V Top-Level Functional Specification (TLFS) v6.0, chapters
 * "Inter-Partition Communication" (SynIC messages and event flags, monitor
 * pages) and "Hypercalls" (status codes, HvPostMessage = 0x5c,
 * HvSignalEvent = 0x5d).  On the hvshm transport the same slots live in the
 * ivshmem BAR (see hvshm.h) instead of guest pages the hypervisor overlays.
 */
#ifndef HVIS_TLFS_H
#define HVIS_TLFS_H

#include "types.h"

/* Hypercall codes and status values VMBus uses. */
#define HVIS_HVCALL_POST_MESSAGE		0x005c
#define HVIS_HVCALL_SIGNAL_EVENT		0x005d

#define HVIS_STATUS_SUCCESS			0
#define HVIS_STATUS_INVALID_HYPERCALL_CODE	2
#define HVIS_STATUS_INVALID_HYPERCALL_INPUT	3
#define HVIS_STATUS_INVALID_ALIGNMENT		4
#define HVIS_STATUS_INVALID_PARAMETER		5
#define HVIS_STATUS_ACCESS_DENIED		6
#define HVIS_STATUS_INSUFFICIENT_MEMORY		11
#define HVIS_STATUS_INVALID_PORT_ID		17
#define HVIS_STATUS_INVALID_CONNECTION_ID	18
#define HVIS_STATUS_INSUFFICIENT_BUFFERS	19
/* Not a TLFS value: the hvshm transport timed out waiting for the host. */
#define HVIS_STATUS_HVSHM_TIMEOUT		0xffff

/* SynIC: 16 SINTs; VMBus uses SINT 2 for its messages and events. */
#define HVIS_SYNIC_SINT_COUNT		16
#define HVIS_VMBUS_MESSAGE_SINT		2

/* Message types in a SynIC slot; VMBus channel messages carry type 1. */
#define HVIS_MSG_NONE			0x00000000
#define HVIS_MSG_VMBUS			0x00000001
#define HVIS_MSG_TIMER_EXPIRED		0x80000010

#define HVIS_MESSAGE_SIZE		256
#define HVIS_MESSAGE_PAYLOAD_SIZE	240

#define HVIS_MSG_FLAG_PENDING		0x01

/*
 * One SynIC message slot (host -> guest).  The producer writes the payload and
 * header and stores message_type last; the consumer clears message_type to
 * HVIS_MSG_NONE to free the slot and, if HVIS_MSG_FLAG_PENDING was set,
 * signals end-of-message so the producer delivers the next one.
 */
struct hvis_synic_message {
	u32 message_type;
	u8 payload_size;
	u8 message_flags;
	u16 reserved;
	u64 sender;
	u8 payload[HVIS_MESSAGE_PAYLOAD_SIZE];
} __packed;
HVIS_SIZE(struct hvis_synic_message, HVIS_MESSAGE_SIZE);
HVIS_OFFSET(struct hvis_synic_message, payload, 16);

/* The SIMP: one message slot per SINT. */
struct hvis_synic_message_page {
	struct hvis_synic_message sint[HVIS_SYNIC_SINT_COUNT];
} __packed;
HVIS_SIZE(struct hvis_synic_message_page, HVIS_PAGE_SIZE);

/*
 * The SIEFP: 2048 event-flag bits per SINT.  For VMBus >= 2.4 (WIN8) the host
 * sets bit <child_relid> of SINT 2 to say "channel child_relid has work".
 */
#define HVIS_EVENT_FLAGS_BITS		2048
struct hvis_synic_event_flags {
	u64 flags[HVIS_EVENT_FLAGS_BITS / 64];
} __packed;
HVIS_SIZE(struct hvis_synic_event_flags, 256);

struct hvis_synic_event_flags_page {
	struct hvis_synic_event_flags sint[HVIS_SYNIC_SINT_COUNT];
} __packed;
HVIS_SIZE(struct hvis_synic_event_flags_page, HVIS_PAGE_SIZE);

/* HvPostMessage input block (guest -> host), 256 bytes, 8-byte aligned. */
struct hvis_post_message_input {
	u32 connection_id;
	u32 reserved;
	u32 message_type;
	u32 payload_size;
	u8 payload[HVIS_MESSAGE_PAYLOAD_SIZE];
} __packed;
HVIS_SIZE(struct hvis_post_message_input, HVIS_MESSAGE_SIZE);

/* HvSignalEvent fast-call input: connection id in bits 0..23, flag number above. */
#define HVIS_CONNECTION_ID_MASK		0x00ffffffu

/*
 * Monitor page (MNF).  A channel offered with a monitor id m (0..127) is
 * signalled by the guest setting bit m%32 of trigger_group[m/32].pending on
 * the second monitor page it gave in INITIATE_CONTACT; the host polls it, and
 * the host fills parameter[m/32][m%32] with the channel's connection id.
 */
#define HVIS_MONITOR_GROUPS		4
#define HVIS_MONITOR_BITS_PER_GROUP	32
#define HVIS_MONITOR_ID_COUNT		(HVIS_MONITOR_GROUPS * HVIS_MONITOR_BITS_PER_GROUP)

struct hvis_monitor_trigger_group {
	u32 pending;
	u32 armed;
} __packed;
HVIS_SIZE(struct hvis_monitor_trigger_group, 8);

struct hvis_monitor_parameter {
	u32 connection_id;
	u16 flag_number;
	u16 reserved;
} __packed;
HVIS_SIZE(struct hvis_monitor_parameter, 8);

struct hvis_monitor_page {
	u32 trigger_state;	/* bits 0..3: group enable */
	u32 reserved1;
	struct hvis_monitor_trigger_group trigger_group[HVIS_MONITOR_GROUPS];
	u64 reserved2[3];
	s32 next_check_time[HVIS_MONITOR_GROUPS][HVIS_MONITOR_BITS_PER_GROUP];
	u16 latency[HVIS_MONITOR_GROUPS][HVIS_MONITOR_BITS_PER_GROUP];
	u64 reserved3[32];
	struct hvis_monitor_parameter parameter[HVIS_MONITOR_GROUPS]
					       [HVIS_MONITOR_BITS_PER_GROUP];
	u8 reserved4[1984];
} __packed;
HVIS_SIZE(struct hvis_monitor_page, HVIS_PAGE_SIZE);
HVIS_OFFSET(struct hvis_monitor_page, trigger_group, 8);
HVIS_OFFSET(struct hvis_monitor_page, next_check_time, 64);
HVIS_OFFSET(struct hvis_monitor_page, latency, 576);
HVIS_OFFSET(struct hvis_monitor_page, parameter, 1088);

#endif /* HVIS_TLFS_H */
