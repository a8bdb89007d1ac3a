/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The hvis echo device: a test-only VMBus device class of hvis's own, served
 * by hvcore's echo VSP, which sends every packet's bytes back so channels,
 * rings and signalling are testable before real devices exist.
 *
 * Protocol (no specification outside this file):
 *  - G->H VM_PKT_DATA_INBAND: H->G VM_PKT_DATA_INBAND with the same payload
 *    and trans_id, flags 0.
 *  - G->H VM_PKT_DATA_USING_GPA_DIRECT with one multi-page range: H->G
 *    VM_PKT_DATA_INBAND whose payload is the packet's own inband bytes (after
 *    the range descriptor) followed by the bytes of the range, same trans_id.
 *  - A reply payload is at most HVIS_ECHO_MAX_PAYLOAD bytes.
 *  - An inband payload starting with struct hvis_echo_sc_request asks the
 *    host to offer that many sub-channels of the device; it is echoed too.
 *  - Anything else is a protocol violation: the host rescinds the device.
 */
#ifndef HVIS_ECHO_H
#define HVIS_ECHO_H

#include "types.h"

/* {2475eb87-34b6-4e3b-b993-1f47d2db1cd0}: generated for hvis, not Hyper-V's. */
#define HVIS_ECHO_CLASS_GUID_STR	"2475eb87-34b6-4e3b-b993-1f47d2db1cd0"
/* An initializer for struct hvis_guid, or for the kernel's guid_t. */
#define HVIS_ECHO_CLASS_GUID \
	HVIS_GUID(0x2475eb87, 0x34b6, 0x4e3b, 0xb9, 0x93, \
		  0x1f, 0x47, 0xd2, 0xdb, 0x1c, 0xd0)

#define HVIS_ECHO_MAX_PAYLOAD		16384u
#define HVIS_ECHO_MAX_SUBCHANNELS	16u

/* G->H, inband: "HVECHOSC" then the number of sub-channels wanted. */
#define HVIS_ECHO_SC_MAGIC		"HVECHOSC"
struct hvis_echo_sc_request {
	u8 magic[8];
	u32 count;		/* 1 .. HVIS_ECHO_MAX_SUBCHANNELS */
} __packed;
HVIS_SIZE(struct hvis_echo_sc_request, 12);

#endif /* HVIS_ECHO_H */
