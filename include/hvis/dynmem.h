/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Dynamic memory (DM): the balloon and hot-add protocol between hv_balloon
 * (guest) and the host's DM VSP on a VMBus channel of class
 * HVIS_DM_CLASS_GUID.
 *
 * Every message is VM_PKT_DATA_INBAND, no completion requested, and starts
 * with struct hvis_dm_header whose size counts the whole message; no
 * message is longer than one 4 KiB page.  The exchange:
 *  - G->H VERSION_REQUEST, highest first (2.0, then 1.0, then 0.3 with
 *    IS_LAST_ATTEMPT); H->G VERSION_RESPONSE accepts or refuses each.
 *  - G->H CAPABILITIES_REPORT; H->G CAPABILITIES_RESPONSE.
 *  - G->H STATUS_REPORT about once a second from then on.
 *  - H->G BALLOON_REQUEST (a page count); G->H one or more
 *    BALLOON_RESPONSEs listing the page ranges given up, MORE_PAGES on all
 *    but the last.  The guest may give fewer pages than asked, even none.
 *  - H->G UNBALLOON_REQUEST(s) listing ranges the guest may use again,
 *    MORE_PAGES on all but the last; G->H UNBALLOON_RESPONSE after the last.
 *  - H->G MEM_HOT_ADD_REQUEST (a page range, optionally followed by the
 *    region to add it in); G->H MEM_HOT_ADD_RESPONSE with the pages added.
 *  - H->G INFO_MESSAGE (version 1.0 and later): e.g. the maximum memory.
 * Page numbers and counts are in 4 KiB pages.
 */
#ifndef HVIS_DYNMEM_H
#define HVIS_DYNMEM_H

#include "types.h"

/* {525074dc-8985-46e2-8057-a307dc18a502}: the dynamic memory device. */
#define HVIS_DM_CLASS_GUID_STR	"525074dc-8985-46e2-8057-a307dc18a502"
#define HVIS_DM_CLASS_GUID \
	HVIS_GUID(0x525074dc, 0x8985, 0x46e2, 0x80, 0x57, \
		  0xa3, 0x07, 0xdc, 0x18, 0xa5, 0x02)

/* Versions: major in the high 16 bits, minor in the low 16 bits. */
#define HVIS_DM_VERSION(major, minor)	((u32)(((major) << 16) | (minor)))
#define HVIS_DM_VERSION_MAJOR(v)	((u32)(v) >> 16)
#define HVIS_DM_VERSION_MINOR(v)	((u32)(v) & 0xffff)
#define HVIS_DM_VERSION_WIN7		HVIS_DM_VERSION(0, 3)
#define HVIS_DM_VERSION_WIN8		HVIS_DM_VERSION(1, 0)
#define HVIS_DM_VERSION_WIN10		HVIS_DM_VERSION(2, 0)

/* hvis_dm_header.type */
#define HVIS_DM_ERROR			0
#define HVIS_DM_VERSION_REQUEST		1	/* G->H */
#define HVIS_DM_VERSION_RESPONSE	2	/* H->G */
#define HVIS_DM_CAPABILITIES_REPORT	3	/* G->H */
#define HVIS_DM_CAPABILITIES_RESPONSE	4	/* H->G */
#define HVIS_DM_STATUS_REPORT		5	/* G->H */
#define HVIS_DM_BALLOON_REQUEST		6	/* H->G */
#define HVIS_DM_BALLOON_RESPONSE	7	/* G->H */
#define HVIS_DM_UNBALLOON_REQUEST	8	/* H->G */
#define HVIS_DM_UNBALLOON_RESPONSE	9	/* G->H */
#define HVIS_DM_MEM_HOT_ADD_REQUEST	10	/* H->G */
#define HVIS_DM_MEM_HOT_ADD_RESPONSE	11	/* G->H */
#define HVIS_DM_INFO_MESSAGE		12	/* H->G, version 1.0+ */

/* The largest message either side sends or accepts. */
#define HVIS_DM_MAX_MSG_SIZE		4096u

struct hvis_dm_header {
	u16 type;		/* HVIS_DM_* */
	u16 size;		/* the whole message, header included */
	u32 trans_id;		/* sender's counter; replies do not echo it */
} __packed;
HVIS_SIZE(struct hvis_dm_header, 8);

/*
 * A page range packed in 64 bits: the first PFN in bits 0..39, the page
 * count in bits 40..63.
 */
#define HVIS_DM_RANGE_PFN_BITS		40
#define HVIS_DM_RANGE_PFN_MASK		((1ull << HVIS_DM_RANGE_PFN_BITS) - 1)
#define HVIS_DM_RANGE_MAX_PAGES		((1u << 24) - 1)
#define HVIS_DM_RANGE(pfn, cnt) \
	(((u64)(pfn) & HVIS_DM_RANGE_PFN_MASK) | \
	 ((u64)(cnt) << HVIS_DM_RANGE_PFN_BITS))
#define HVIS_DM_RANGE_START(r)		((u64)(r) & HVIS_DM_RANGE_PFN_MASK)
#define HVIS_DM_RANGE_COUNT(r)		((u32)((u64)(r) >> HVIS_DM_RANGE_PFN_BITS))

/* VERSION_REQUEST (G->H). */
#define HVIS_DM_VERSION_IS_LAST_ATTEMPT	0x1

struct hvis_dm_version_request {
	struct hvis_dm_header hdr;
	u32 version;		/* HVIS_DM_VERSION_* */
	u32 flags;		/* HVIS_DM_VERSION_IS_LAST_ATTEMPT */
} __packed;
HVIS_SIZE(struct hvis_dm_version_request, 16);

/* VERSION_RESPONSE and CAPABILITIES_RESPONSE (H->G). */
#define HVIS_DM_IS_ACCEPTED		0x1

struct hvis_dm_accept {
	struct hvis_dm_header hdr;
	u64 flags;		/* HVIS_DM_IS_ACCEPTED */
} __packed;
HVIS_SIZE(struct hvis_dm_accept, 16);

/* CAPABILITIES_REPORT (G->H). */
#define HVIS_DM_CAP_BALLOON		0x1ull
#define HVIS_DM_CAP_HOT_ADD		0x2ull
/* Hot-add alignment the guest needs: 2^n MiB in bits 2..5. */
#define HVIS_DM_CAP_HOT_ADD_ALIGN_SHIFT	2
#define HVIS_DM_CAP_HOT_ADD_ALIGN_MASK	(0xfull << HVIS_DM_CAP_HOT_ADD_ALIGN_SHIFT)
#define HVIS_DM_CAP_HOT_ADD_ALIGN(n) \
	(((u64)(n) << HVIS_DM_CAP_HOT_ADD_ALIGN_SHIFT) & \
	 HVIS_DM_CAP_HOT_ADD_ALIGN_MASK)
#define HVIS_DM_CAP_HOT_ADD_ALIGN_LOG2(c) \
	((u32)(((c) & HVIS_DM_CAP_HOT_ADD_ALIGN_MASK) >> \
	       HVIS_DM_CAP_HOT_ADD_ALIGN_SHIFT))

struct hvis_dm_capabilities {
	struct hvis_dm_header hdr;
	u64 caps;		/* HVIS_DM_CAP_* */
	u64 min_page_cnt;	/* unused by hosts: 0 */
	u64 max_page_number;	/* unused by hosts: ~0 */
} __packed;
HVIS_SIZE(struct hvis_dm_capabilities, 32);

/* STATUS_REPORT (G->H): pressure, in 4 KiB pages. */
struct hvis_dm_status {
	struct hvis_dm_header hdr;
	u64 num_avail;		/* memory the guest could use now */
	u64 num_committed;	/* in use, ballooned, not onlined, plus floor */
	u64 page_file_size;
	u64 zero_free;
	u32 page_file_writes;
	u32 io_diff;
} __packed;
HVIS_SIZE(struct hvis_dm_status, 48);
HVIS_OFFSET(struct hvis_dm_status, page_file_writes, 40);

/* BALLOON_REQUEST (H->G). */
struct hvis_dm_balloon {
	struct hvis_dm_header hdr;
	u32 num_pages;
	u32 reserved;
} __packed;
HVIS_SIZE(struct hvis_dm_balloon, 16);

/* BALLOON_RESPONSE (G->H): bit 0 MORE_PAGES, bits 1..31 the range count. */
#define HVIS_DM_MORE_PAGES		0x1u
#define HVIS_DM_BALLOON_RESP_COUNT(f)	((u32)(f) >> 1)
#define HVIS_DM_BALLOON_RESP_FLAGS(more, count) \
	(((more) ? HVIS_DM_MORE_PAGES : 0) | ((u32)(count) << 1))

struct hvis_dm_balloon_response {
	struct hvis_dm_header hdr;
	u32 reserved;
	u32 more_count;		/* HVIS_DM_BALLOON_RESP_FLAGS() */
	u64 ranges[];		/* HVIS_DM_RANGE() */
} __packed;
HVIS_SIZE(struct hvis_dm_balloon_response, 16);
HVIS_OFFSET(struct hvis_dm_balloon_response, ranges, 16);

/* UNBALLOON_REQUEST (H->G). */
struct hvis_dm_unballoon_request {
	struct hvis_dm_header hdr;
	u32 flags;		/* HVIS_DM_MORE_PAGES */
	u32 range_count;
	u64 ranges[];		/* HVIS_DM_RANGE() */
} __packed;
HVIS_SIZE(struct hvis_dm_unballoon_request, 16);
HVIS_OFFSET(struct hvis_dm_unballoon_request, ranges, 16);

/* Ranges one balloon response or unballoon request can carry. */
#define HVIS_DM_MAX_RANGES \
	((HVIS_DM_MAX_MSG_SIZE - 16) / sizeof(u64))

/* UNBALLOON_RESPONSE (G->H) is a bare struct hvis_dm_header. */

/*
 * MEM_HOT_ADD_REQUEST (H->G): the pages to add; a host that chooses the
 * region to add them in appends it (hdr.size 24), else the guest rounds
 * the range out to its alignment (hdr.size 16).
 */
struct hvis_dm_hot_add {
	struct hvis_dm_header hdr;
	u64 range;		/* HVIS_DM_RANGE() */
	u64 region;		/* only when hdr.size == sizeof(*this) */
} __packed;
HVIS_SIZE(struct hvis_dm_hot_add, 24);
#define HVIS_DM_HOT_ADD_SIZE		16
#define HVIS_DM_HOT_ADD_REGION_SIZE	24

/* MEM_HOT_ADD_RESPONSE (G->H). */
#define HVIS_DM_HOT_ADD_SUCCESS		1	/* 0: transient failure, retry */

struct hvis_dm_hot_add_response {
	struct hvis_dm_header hdr;
	u32 page_count;		/* pages added */
	u32 result;		/* HVIS_DM_HOT_ADD_SUCCESS or 0 */
} __packed;
HVIS_SIZE(struct hvis_dm_hot_add_response, 16);

/* INFO_MESSAGE (H->G): info_size bytes of hvis_dm_info_header + data. */
#define HVIS_DM_INFO_MAX_PAGE_CNT	0	/* data: u64 pages */

struct hvis_dm_info_header {
	u32 type;		/* HVIS_DM_INFO_* */
	u32 data_size;
} __packed;
HVIS_SIZE(struct hvis_dm_info_header, 8);

struct hvis_dm_info {
	struct hvis_dm_header hdr;
	u32 reserved;
	u32 info_size;
	u8 info[];
} __packed;
HVIS_SIZE(struct hvis_dm_info, 16);

/* The floor hv_balloon keeps and hvcore assumes: see hvis_dm_floor_pages(). */
#define HVIS_DM_MIB_PAGES(mib)		((u64)(mib) << (20 - HVIS_PAGE_SHIFT))

/*
 * hvis_dm_floor_pages - pages a guest of @total pages never balloons below.
 * A continuous piecewise-linear curve (0 -> 0, 128 MiB -> 72 MiB,
 * 512 MiB -> 168, 2 GiB -> 360, 8 GiB -> 744, 32 GiB -> 1512), the rule
 * the in-tree driver applies and Hyper-V hosts expect.
 */
static inline u64 hvis_dm_floor_pages(u64 total)
{
	if (total < HVIS_DM_MIB_PAGES(128))
		return HVIS_DM_MIB_PAGES(8) + (total >> 1);
	if (total < HVIS_DM_MIB_PAGES(512))
		return HVIS_DM_MIB_PAGES(40) + (total >> 2);
	if (total < HVIS_DM_MIB_PAGES(2048))
		return HVIS_DM_MIB_PAGES(104) + (total >> 3);
	if (total < HVIS_DM_MIB_PAGES(8192))
		return HVIS_DM_MIB_PAGES(232) + (total >> 4);
	return HVIS_DM_MIB_PAGES(488) + (total >> 5);
}

/*
 * The validation table: one row per message type either side may receive.
 *   HVIS_DM_RULE(type, struct, minimum size, minimum version, direction)
 * The size is hdr.size, which must also fit in the packet received.  A
 * receiver drops (guest) or refuses (host) a message whose type has no row
 * for its direction, whose size is out of bounds, or that needs a newer
 * version than negotiated (0 before negotiation: only rows at version 0).
 * Messages with ranges are further checked against their range count.
 */
struct hvis_dm_rule {
	u32 type;
	u32 min_size;
	u32 min_version;
	u32 dir;
};

#define HVIS_DM_RULE(t, s, minsize, minver, d)				\
	{ .type = (t), .min_size = (minsize), .min_version = (minver),	\
	  .dir = (d) }

#define HVIS_DM_RULES {							\
	HVIS_DM_RULE(HVIS_DM_VERSION_REQUEST,				\
		struct hvis_dm_version_request, 16, 0, HVIS_DIR_G2H),	\
	HVIS_DM_RULE(HVIS_DM_CAPABILITIES_REPORT,			\
		struct hvis_dm_capabilities, 32, 0, HVIS_DIR_G2H),	\
	HVIS_DM_RULE(HVIS_DM_STATUS_REPORT, struct hvis_dm_status,	\
		48, 0, HVIS_DIR_G2H),					\
	HVIS_DM_RULE(HVIS_DM_BALLOON_RESPONSE,				\
		struct hvis_dm_balloon_response, 16, 0, HVIS_DIR_G2H),	\
	HVIS_DM_RULE(HVIS_DM_UNBALLOON_RESPONSE, struct hvis_dm_header,	\
		8, 0, HVIS_DIR_G2H),					\
	HVIS_DM_RULE(HVIS_DM_MEM_HOT_ADD_RESPONSE,			\
		struct hvis_dm_hot_add_response, 16, 0, HVIS_DIR_G2H),	\
	HVIS_DM_RULE(HVIS_DM_VERSION_RESPONSE, struct hvis_dm_accept,	\
		16, 0, HVIS_DIR_H2G),					\
	HVIS_DM_RULE(HVIS_DM_CAPABILITIES_RESPONSE,			\
		struct hvis_dm_accept, 16, 0, HVIS_DIR_H2G),		\
	HVIS_DM_RULE(HVIS_DM_BALLOON_REQUEST, struct hvis_dm_balloon,	\
		16, 0, HVIS_DIR_H2G),					\
	HVIS_DM_RULE(HVIS_DM_UNBALLOON_REQUEST,				\
		struct hvis_dm_unballoon_request, 16, 0, HVIS_DIR_H2G),	\
	HVIS_DM_RULE(HVIS_DM_MEM_HOT_ADD_REQUEST,			\
		struct hvis_dm_hot_add, HVIS_DM_HOT_ADD_SIZE, 0,	\
		HVIS_DIR_H2G),						\
	HVIS_DM_RULE(HVIS_DM_INFO_MESSAGE, struct hvis_dm_info, 16,	\
		HVIS_DM_VERSION_WIN8, HVIS_DIR_H2G),			\
}

#define HVIS_DM_ESHORT		(-1)	/* shorter than its row or than hdr.size */
#define HVIS_DM_EUNKNOWN	(-2)	/* no row for this type/direction */
#define HVIS_DM_EVERSION	(-3)	/* needs a newer version */
#define HVIS_DM_ELONG		(-4)	/* hdr.size over HVIS_DM_MAX_MSG_SIZE */
#define HVIS_DM_ERANGES		(-5)	/* range count does not match hdr.size */

/* Ranges a BALLOON_RESPONSE or UNBALLOON_REQUEST says it carries, else 0. */
static inline u32 hvis_dm_range_count(const void *buf)
{
	const struct hvis_dm_header *h = (const struct hvis_dm_header *)buf;
	const struct hvis_dm_balloon_response *bal = buf;
	const struct hvis_dm_unballoon_request *unb = buf;

	if (h->type == HVIS_DM_BALLOON_RESPONSE)
		return HVIS_DM_BALLOON_RESP_COUNT(bal->more_count);
	if (h->type == HVIS_DM_UNBALLOON_REQUEST)
		return unb->range_count;
	return 0;
}

/*
 * hvis_dm_check - validate a received message against the table.
 * @buf, @len: the message (the packet's inband payload), a private copy
 * @dir: the direction this side receives
 * @version: negotiated HVIS_DM_VERSION_*, or 0 before negotiation
 *
 * Returns the type, or a negative HVIS_DM_E* reason.  On success
 * hdr.size <= @len, and a message with ranges holds exactly its count.
 */
static inline int hvis_dm_check(const void *buf, u32 len, int dir,
				u32 version)
{
	static const struct hvis_dm_rule rules[] = HVIS_DM_RULES;
	const struct hvis_dm_rule *r;
	const struct hvis_dm_header *h = (const struct hvis_dm_header *)buf;

	if (len < sizeof(*h) || h->size < sizeof(*h) || h->size > len)
		return HVIS_DM_ESHORT;
	if (h->size > HVIS_DM_MAX_MSG_SIZE)
		return HVIS_DM_ELONG;
	for (r = rules; r < rules + sizeof(rules) / sizeof(rules[0]); r++) {
		if (r->type != h->type || r->dir != (u32)dir)
			continue;
		if (h->size < r->min_size)
			return HVIS_DM_ESHORT;
		if (version < r->min_version)
			return HVIS_DM_EVERSION;
		if ((h->type == HVIS_DM_BALLOON_RESPONSE ||
		     h->type == HVIS_DM_UNBALLOON_REQUEST) &&
		    h->size != 16 + (u64)hvis_dm_range_count(buf) * 8)
			return HVIS_DM_ERANGES;
		if (h->type == HVIS_DM_MEM_HOT_ADD_REQUEST &&
		    h->size != HVIS_DM_HOT_ADD_SIZE &&
		    h->size != HVIS_DM_HOT_ADD_REGION_SIZE)
			return HVIS_DM_ERANGES;
		return (int)h->type;
	}
	return HVIS_DM_EUNKNOWN;
}

/* A reason for a negative hvis_dm_check() result, for logs. */
static inline const char *hvis_dm_check_reason(int err)
{
	switch (err) {
	case HVIS_DM_ESHORT:
		return "message shorter than its type or than hdr.size";
	case HVIS_DM_EUNKNOWN:
		return "message type not expected in this direction";
	case HVIS_DM_EVERSION:
		return "message type needs a newer protocol version";
	case HVIS_DM_ELONG:
		return "message longer than a page";
	case HVIS_DM_ERANGES:
		return "range count does not match the message size";
	default:
		return "valid";
	}
}

#endif /* HVIS_DYNMEM_H */
