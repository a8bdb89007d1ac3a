/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * IC: the integration-component protocols (shutdown, timesync, heartbeat,
 * KVP, VSS) between hv_utils (guest) and hvcore's IC services.
 *
 * Unlike the device protocols, every IC exchange is started by the host:
 * the host sends one VM_PKT_DATA_INBAND packet (no completion requested)
 * holding a pipe header, an IC message header and a body; the guest answers
 * with the same buffer, rewritten in place, as one inband packet carrying
 * the host's trans_id, with ICMSGHDRFLAG_TRANSACTION | RESPONSE in icflags
 * and a status (HV_S_OK, HV_E_FAIL, ...).  The first exchange on every
 * channel is a NEGOTIATE: the host lists the framework versions and then the
 * service versions it supports; the guest answers with one of each (counts
 * 1 and 1) or with counts 0 when nothing matched.
 *
 * Bodies: SHUTDOWN, HEARTBEAT, TIMESYNC (two layouts: service version 4.0
 * carries the host's sample of the guest's reference counter), KVPEXCHANGE
 * (struct hvis_kvp_msg; strings are UTF-16LE on this wire), VSS
 * (struct hvis_vss_msg).  Facts follow the in-tree drivers/hv/hv_util.c,
 * hv_kvp.c, hv_snapshot.c and include/uapi/linux/hyperv.h; the kernel's own
 * copies of these structures are checked against these at build time.
 */
#ifndef HVIS_IC_H
#define HVIS_IC_H

#include "types.h"

/* {0e0b6031-5213-4934-818b-38d90ced39db} */
#define HVIS_IC_SHUTDOWN_GUID_STR	"0e0b6031-5213-4934-818b-38d90ced39db"
#define HVIS_IC_SHUTDOWN_GUID \
	HVIS_GUID(0x0e0b6031, 0x5213, 0x4934, 0x81, 0x8b, \
		  0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb)
/* {9527e630-d0ae-497b-adce-e80ab0175caf} */
#define HVIS_IC_TIMESYNC_GUID_STR	"9527e630-d0ae-497b-adce-e80ab0175caf"
#define HVIS_IC_TIMESYNC_GUID \
	HVIS_GUID(0x9527e630, 0xd0ae, 0x497b, 0xad, 0xce, \
		  0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf)
/* {57164f39-9115-4e78-ab55-382f3bd5422d} */
#define HVIS_IC_HEARTBEAT_GUID_STR	"57164f39-9115-4e78-ab55-382f3bd5422d"
#define HVIS_IC_HEARTBEAT_GUID \
	HVIS_GUID(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, \
		  0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d)
/* {a9a0f4e7-5a45-4d96-b827-8a841e8c03e6} */
#define HVIS_IC_KVP_GUID_STR		"a9a0f4e7-5a45-4d96-b827-8a841e8c03e6"
#define HVIS_IC_KVP_GUID \
	HVIS_GUID(0xa9a0f4e7, 0x5a45, 0x4d96, 0xb8, 0x27, \
		  0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6)
/* {35fa2e29-ea23-4236-96ae-3a6ebacba440} */
#define HVIS_IC_VSS_GUID_STR		"35fa2e29-ea23-4236-96ae-3a6ebacba440"
#define HVIS_IC_VSS_GUID \
	HVIS_GUID(0x35fa2e29, 0xea23, 0x4236, 0x96, 0xae, \
		  0x3a, 0x6e, 0xba, 0xcb, 0xa4, 0x40)

/* Versions: major in the high 16 bits, minor in the low 16, as negotiated. */
#define HVIS_IC_VERSION(major, minor)	((u32)(((major) << 16) | (minor)))
#define HVIS_IC_VERSION_MAJOR(v)	((u32)(v) >> 16)
#define HVIS_IC_VERSION_MINOR(v)	((u32)(v) & 0xffff)

/* Framework versions (the "icframe" half of a negotiation). */
#define HVIS_IC_FW_VERSION_1_0		HVIS_IC_VERSION(1, 0)
#define HVIS_IC_FW_VERSION_3_0		HVIS_IC_VERSION(3, 0)
/* Service versions Linux offers, newest first in each service's list. */
#define HVIS_IC_SD_VERSION_1_0		HVIS_IC_VERSION(1, 0)
#define HVIS_IC_SD_VERSION_3_0		HVIS_IC_VERSION(3, 0)
#define HVIS_IC_SD_VERSION_3_1		HVIS_IC_VERSION(3, 1)
#define HVIS_IC_SD_VERSION_3_2		HVIS_IC_VERSION(3, 2)	/* hibernate */
#define HVIS_IC_TS_VERSION_1_0		HVIS_IC_VERSION(1, 0)
#define HVIS_IC_TS_VERSION_3_0		HVIS_IC_VERSION(3, 0)
#define HVIS_IC_TS_VERSION_4_0		HVIS_IC_VERSION(4, 0)	/* ref time */
#define HVIS_IC_HB_VERSION_1_0		HVIS_IC_VERSION(1, 0)
#define HVIS_IC_HB_VERSION_3_0		HVIS_IC_VERSION(3, 0)
#define HVIS_IC_KVP_VERSION_1_0		HVIS_IC_VERSION(1, 0)	/* WS2008 */
#define HVIS_IC_KVP_VERSION_3_0		HVIS_IC_VERSION(3, 0)	/* WIN7 */
#define HVIS_IC_KVP_VERSION_4_0		HVIS_IC_VERSION(4, 0)	/* WIN8: IP info */
#define HVIS_IC_VSS_VERSION_5_0		HVIS_IC_VERSION(5, 0)

/* hvis_icmsg_hdr.icmsgtype */
#define HVIS_ICMSGTYPE_NEGOTIATE	0
#define HVIS_ICMSGTYPE_HEARTBEAT	1
#define HVIS_ICMSGTYPE_KVPEXCHANGE	2
#define HVIS_ICMSGTYPE_SHUTDOWN		3
#define HVIS_ICMSGTYPE_TIMESYNC		4
#define HVIS_ICMSGTYPE_VSS		5

/* hvis_icmsg_hdr.icflags */
#define HVIS_ICMSGHDRFLAG_TRANSACTION	0x1
#define HVIS_ICMSGHDRFLAG_REQUEST	0x2
#define HVIS_ICMSGHDRFLAG_RESPONSE	0x4

/* hvis_icmsg_hdr.status and hvis_kvp_msg.error (HRESULT-style codes). */
#define HVIS_HV_S_OK			0x00000000u
#define HVIS_HV_E_FAIL			0x80004005u
#define HVIS_HV_S_CONT			0x80070103u	/* enumerate: no such index */
#define HVIS_HV_ERROR_NOT_SUPPORTED	0x80070032u
#define HVIS_HV_ERROR_MACHINE_LOCKED	0x800704f7u
#define HVIS_HV_ERROR_DEVICE_NOT_CONNECTED 0x8007048fu
#define HVIS_HV_INVALIDARG		0x80070057u
#define HVIS_HV_GUID_NOTFOUND		0x80041002u
#define HVIS_HV_ERROR_ALREADY_EXISTS	0x80070050u
#define HVIS_HV_ERROR_DISK_FULL		0x80070070u

/*
 * Every IC packet's payload is at most this long: the in-tree driver reads
 * into a 4-page buffer, and a VSS FREEZE from Hyper-V may carry ~6 KiB of
 * LUN data after the part Linux reads.
 */
#define HVIS_IC_MAX_PKT_SIZE		(4 * 4096)

struct hvis_vmbuspipe_hdr {
	u32 flags;
	u32 msgsize;
} __packed;
HVIS_SIZE(struct hvis_vmbuspipe_hdr, 8);

struct hvis_ic_version {
	u16 major;
	u16 minor;
} __packed;
HVIS_SIZE(struct hvis_ic_version, 4);

struct hvis_icmsg_hdr {
	struct hvis_ic_version icverframe;
	u16 icmsgtype;			/* HVIS_ICMSGTYPE_* */
	struct hvis_ic_version icvermsg;
	u16 icmsgsize;			/* body bytes after this header */
	u32 status;			/* HVIS_HV_* in responses */
	u8 ictransaction_id;
	u8 icflags;			/* HVIS_ICMSGHDRFLAG_* */
	u8 reserved[2];
} __packed;
HVIS_SIZE(struct hvis_icmsg_hdr, 20);

/* Where an IC body starts in the packet payload. */
#define HVIS_ICMSG_HDR_SIZE \
	(sizeof(struct hvis_vmbuspipe_hdr) + sizeof(struct hvis_icmsg_hdr))
HVIS_STATIC_ASSERT(HVIS_ICMSG_HDR_SIZE == 28);

/* NEGOTIATE body: framework versions, then service versions. */
#define HVIS_IC_MAX_VERSION_COUNT	100
struct hvis_icmsg_negotiate {
	u16 icframe_vercnt;
	u16 icmsg_vercnt;
	u32 reserved;
	struct hvis_ic_version icversion_data[];
} __packed;
HVIS_SIZE(struct hvis_icmsg_negotiate, 8);

/* Bytes a NEGOTIATE with @fw framework and @srv service versions needs. */
#define HVIS_ICMSG_NEGOTIATE_PKT_SIZE(fw, srv)				\
	(HVIS_ICMSG_HDR_SIZE + sizeof(struct hvis_icmsg_negotiate) +	\
	 ((fw) + (srv)) * sizeof(struct hvis_ic_version))

/* SHUTDOWN body.  flags: bit 0 "force"; the rest selects the action. */
#define HVIS_IC_SHUTDOWN_FLAG_FORCE	0x1
#define HVIS_IC_SHUTDOWN_POWEROFF	0x0
#define HVIS_IC_SHUTDOWN_REBOOT		0x2
#define HVIS_IC_SHUTDOWN_HIBERNATE	0x4	/* service version 3.2 */
struct hvis_ic_shutdown_msg {
	u32 reason_code;
	u32 timeout_seconds;
	u32 flags;
	u8 display_message[2048];
} __packed;
HVIS_SIZE(struct hvis_ic_shutdown_msg, 2060);

/* HEARTBEAT body: the guest answers with seq_num + 1. */
struct hvis_ic_heartbeat_msg {
	u64 seq_num;
	u32 reserved[8];
} __packed;
HVIS_SIZE(struct hvis_ic_heartbeat_msg, 40);

/* TIMESYNC flags */
#define HVIS_ICTIMESYNCFLAG_PROBE	0
#define HVIS_ICTIMESYNCFLAG_SYNC	1	/* step the guest clock */
#define HVIS_ICTIMESYNCFLAG_SAMPLE	2	/* a reading for slewing/PTP */

/* Host times count 100 ns units since 1601-01-01 UTC. */
#define HVIS_IC_WLTIMEDELTA		116444736000000000ULL

/* TIMESYNC body before service version 4.0. */
struct hvis_ic_timesync_msg {
	u64 parenttime;			/* host UTC, 100 ns since 1601 */
	u64 childtime;
	u64 roundtriptime;
	u8 flags;			/* HVIS_ICTIMESYNCFLAG_* */
} __packed;
HVIS_SIZE(struct hvis_ic_timesync_msg, 25);

/*
 * TIMESYNC body from service version 4.0: parenttime was read when the
 * guest's partition reference counter (100 ns units) read vmreferencetime.
 */
struct hvis_ic_timesync_ref_msg {
	u64 parenttime;
	u64 vmreferencetime;
	u8 flags;			/* HVIS_ICTIMESYNCFLAG_* */
	u8 leapflags;
	u8 stratum;
	u8 reserved[3];
} __packed;
HVIS_SIZE(struct hvis_ic_timesync_ref_msg, 22);

/* ---- KVP -------------------------------------------------------------- */

/* hvis_kvp_hdr.operation (host ops; REGISTER/REGISTER1 are daemon-only) */
#define HVIS_KVP_OP_GET			0
#define HVIS_KVP_OP_SET			1
#define HVIS_KVP_OP_DELETE		2
#define HVIS_KVP_OP_ENUMERATE		3
#define HVIS_KVP_OP_GET_IP_INFO		4
#define HVIS_KVP_OP_SET_IP_INFO		5
#define HVIS_KVP_OP_COUNT		6
#define HVIS_KVP_OP_REGISTER		4	/* daemon: legacy, no IP injection */
#define HVIS_KVP_OP_REGISTER1		100	/* daemon: with IP injection */

/* hvis_kvp_hdr.pool */
#define HVIS_KVP_POOL_EXTERNAL		0	/* host writes, guest reads */
#define HVIS_KVP_POOL_GUEST		1	/* guest writes, host reads */
#define HVIS_KVP_POOL_AUTO		2	/* daemon synthesizes (FQDN, OS...) */
#define HVIS_KVP_POOL_AUTO_EXTERNAL	3
#define HVIS_KVP_POOL_AUTO_INTERNAL	4
#define HVIS_KVP_POOL_COUNT		5

/* hvis_kvp_exchg_msg_value.value_type (registry types) */
#define HVIS_KVP_REG_SZ			1
#define HVIS_KVP_REG_U32		4
#define HVIS_KVP_REG_U64		8

/* Key and value capacity in bytes (UTF-16LE on the VMBus wire). */
#define HVIS_KVP_MAX_KEY_SIZE		512
#define HVIS_KVP_MAX_VALUE_SIZE		2048

/* hvis_kvp_ipaddr_value.addr_family (a bit mask) */
#define HVIS_KVP_ADDR_FAMILY_NONE	0x00
#define HVIS_KVP_ADDR_FAMILY_IPV4	0x01
#define HVIS_KVP_ADDR_FAMILY_IPV6	0x02

/* Capacity of the IP info lists, in UTF-16 units (';'-separated lists). */
#define HVIS_KVP_MAX_ADAPTER_ID		128
#define HVIS_KVP_MAX_IP_ADDR		1024
#define HVIS_KVP_MAX_GATEWAY		512

struct hvis_kvp_hdr {
	u8 operation;			/* HVIS_KVP_OP_* */
	u8 pool;			/* HVIS_KVP_POOL_* */
	u16 pad;
} __packed;
HVIS_SIZE(struct hvis_kvp_hdr, 4);

/* key_size and value_size count bytes including the terminating NUL. */
struct hvis_kvp_exchg_msg_value {
	u32 value_type;			/* HVIS_KVP_REG_* */
	u32 key_size;
	u32 value_size;
	u8 key[HVIS_KVP_MAX_KEY_SIZE];
	union {
		u8 value[HVIS_KVP_MAX_VALUE_SIZE];
		u32 value_u32;
		u64 value_u64;
	} __packed;
} __packed;
HVIS_SIZE(struct hvis_kvp_exchg_msg_value, 2572);

struct hvis_kvp_msg_enumerate {
	u32 index;
	struct hvis_kvp_exchg_msg_value data;
} __packed;
HVIS_SIZE(struct hvis_kvp_msg_enumerate, 2576);

/* Not packed, as in <linux/hyperv.h>: it aligns hvis_kvp_msg's body to 4. */
struct hvis_kvp_msg_delete {
	u32 key_size;
	u8 key[HVIS_KVP_MAX_KEY_SIZE];
};
HVIS_SIZE(struct hvis_kvp_msg_delete, 516);

struct hvis_kvp_ipaddr_value {
	u16 adapter_id[HVIS_KVP_MAX_ADAPTER_ID];	/* the NIC's MAC */
	u8 addr_family;				/* HVIS_KVP_ADDR_FAMILY_* */
	u8 dhcp_enabled;
	u16 ip_addr[HVIS_KVP_MAX_IP_ADDR];
	u16 sub_net[HVIS_KVP_MAX_IP_ADDR];
	u16 gate_way[HVIS_KVP_MAX_GATEWAY];
	u16 dns_addr[HVIS_KVP_MAX_IP_ADDR];
} __packed;
HVIS_SIZE(struct hvis_kvp_ipaddr_value, 7426);

/*
 * GET/SET/DELETE/ENUMERATE on the wire.  The kernel->daemon struct of
 * <linux/hyperv.h> (struct hv_kvp_msg, 7432 bytes) has the same layout with
 * UTF-8 strings; only the first bytes a host operation needs are required
 * on the wire (HVIS_KVP_RULES).
 */
struct hvis_kvp_msg {
	union {
		struct hvis_kvp_hdr kvp_hdr;
		s32 error;
	};
	union {
		struct hvis_kvp_exchg_msg_value kvp_get;
		struct hvis_kvp_exchg_msg_value kvp_set;
		struct hvis_kvp_msg_delete kvp_delete;
		struct hvis_kvp_msg_enumerate kvp_enum_data;
		struct hvis_kvp_ipaddr_value kvp_ip_val;
		u8 kvp_register_version[HVIS_KVP_MAX_KEY_SIZE];
	} body;
} __packed;
HVIS_SIZE(struct hvis_kvp_msg, 7432);

/* GET_IP_INFO / SET_IP_INFO on the VMBus wire (service version 4.0). */
struct hvis_kvp_ip_msg {
	u8 operation;
	u8 pool;
	struct hvis_kvp_ipaddr_value kvp_ip_val;
} __packed;
HVIS_SIZE(struct hvis_kvp_ip_msg, 7428);

/*
 * The shortest KVP body the guest may act on, per operation.  A GET names
 * a key (the value is the guest's to fill); a SET, DELETE and ENUMERATE
 * need their whole structure; the IP operations need the whole
 * hvis_kvp_ip_msg.  Returns 0 for an unknown operation.
 */
static inline u32 hvis_kvp_min_body(u8 op)
{
	switch (op) {
	case HVIS_KVP_OP_GET:
	case HVIS_KVP_OP_SET:
		return sizeof(struct hvis_kvp_hdr) +
		       sizeof(struct hvis_kvp_exchg_msg_value);
	case HVIS_KVP_OP_DELETE:
		return sizeof(struct hvis_kvp_hdr) +
		       sizeof(struct hvis_kvp_msg_delete);
	case HVIS_KVP_OP_ENUMERATE:
		return sizeof(struct hvis_kvp_hdr) +
		       sizeof(struct hvis_kvp_msg_enumerate);
	case HVIS_KVP_OP_GET_IP_INFO:
	case HVIS_KVP_OP_SET_IP_INFO:
		return sizeof(struct hvis_kvp_ip_msg);
	default:
		return 0;
	}
}

/* ---- VSS -------------------------------------------------------------- */

/* hvis_vss_hdr.operation */
#define HVIS_VSS_OP_CREATE		0
#define HVIS_VSS_OP_DELETE		1
#define HVIS_VSS_OP_HOT_BACKUP		2
#define HVIS_VSS_OP_GET_DM_INFO		3
#define HVIS_VSS_OP_BU_COMPLETE		4
#define HVIS_VSS_OP_FREEZE		5	/* service version 5.0 */
#define HVIS_VSS_OP_THAW		6
#define HVIS_VSS_OP_AUTO_RECOVER	7
#define HVIS_VSS_OP_COUNT		8
#define HVIS_VSS_OP_REGISTER		128	/* daemon only */
#define HVIS_VSS_OP_REGISTER1		129	/* daemon only */

/* HOT_BACKUP answer: Linux cannot auto-recover a snapshot. */
#define HVIS_VSS_HBU_NO_AUTO_RECOVERY	0x00000005

struct hvis_vss_hdr {
	u8 operation;			/* HVIS_VSS_OP_* */
	u8 reserved[7];
} __packed;
HVIS_SIZE(struct hvis_vss_hdr, 8);

/* The part of a VSS body Linux reads; a FREEZE from Hyper-V is longer. */
struct hvis_vss_msg {
	union {
		struct hvis_vss_hdr vss_hdr;
		s32 error;
	};
	union {
		u32 vss_cf_flags;	/* HOT_BACKUP answer */
		u32 dm_info_flags;	/* GET_DM_INFO answer */
	};
} __packed;
HVIS_SIZE(struct hvis_vss_msg, 12);

/* ---- validation ------------------------------------------------------- */

#define HVIS_IC_ESHORT		(-1)	/* shorter than its headers/body */
#define HVIS_IC_ELONG		(-2)	/* over HVIS_IC_MAX_PKT_SIZE */
#define HVIS_IC_ESIZE		(-3)	/* icmsgsize runs past the packet */
#define HVIS_IC_ECOUNT		(-4)	/* negotiate counts past the packet */
#define HVIS_IC_ETYPE		(-5)	/* message type not this service's */

/* The body length each service needs for its own message type. */
static inline u32 hvis_ic_min_body(u16 type)
{
	switch (type) {
	case HVIS_ICMSGTYPE_NEGOTIATE:
		return sizeof(struct hvis_icmsg_negotiate);
	case HVIS_ICMSGTYPE_HEARTBEAT:
		return sizeof(struct hvis_ic_heartbeat_msg);
	case HVIS_ICMSGTYPE_SHUTDOWN:
		return sizeof(struct hvis_ic_shutdown_msg);
	case HVIS_ICMSGTYPE_TIMESYNC:
		return sizeof(struct hvis_ic_timesync_ref_msg);
	case HVIS_ICMSGTYPE_KVPEXCHANGE:
		return sizeof(struct hvis_kvp_hdr);
	case HVIS_ICMSGTYPE_VSS:
		return sizeof(struct hvis_vss_hdr);
	default:
		return 0;
	}
}

/*
 * hvis_ic_check - validate an IC packet payload before reading its body.
 * @buf, @len: the payload (after the VMBus descriptor), a private copy
 * @service_type: the HVIS_ICMSGTYPE_* this channel carries besides
 *                NEGOTIATE
 *
 * Checks the two headers fit, the type is NEGOTIATE or @service_type, the
 * body fits its type's fixed part (the pre-4.0 timesync body, 25 bytes, is
 * longer than the 4.0 one, so a caller using it checks for it), and for a
 * NEGOTIATE that both version lists fit in @len.  A KVP or VSS caller then
 * checks the operation's own size (hvis_kvp_min_body()).
 *
 * Returns the message type, or a negative HVIS_IC_E* reason.
 */
static inline int hvis_ic_check(const void *buf, u32 len, u16 service_type)
{
	const struct hvis_icmsg_hdr *hdr;
	const struct hvis_icmsg_negotiate *neg;
	u16 type;

	if (len > HVIS_IC_MAX_PKT_SIZE)
		return HVIS_IC_ELONG;
	if (len < HVIS_ICMSG_HDR_SIZE)
		return HVIS_IC_ESHORT;
	hdr = (const struct hvis_icmsg_hdr *)
	      ((const u8 *)buf + sizeof(struct hvis_vmbuspipe_hdr));
	type = hdr->icmsgtype;
	if (type != HVIS_ICMSGTYPE_NEGOTIATE && type != service_type)
		return HVIS_IC_ETYPE;
	if (len - HVIS_ICMSG_HDR_SIZE < hvis_ic_min_body(type))
		return HVIS_IC_ESHORT;
	if (type == HVIS_ICMSGTYPE_NEGOTIATE) {
		neg = (const struct hvis_icmsg_negotiate *)
		      ((const u8 *)buf + HVIS_ICMSG_HDR_SIZE);
		if (neg->icframe_vercnt > HVIS_IC_MAX_VERSION_COUNT ||
		    neg->icmsg_vercnt > HVIS_IC_MAX_VERSION_COUNT ||
		    HVIS_ICMSG_NEGOTIATE_PKT_SIZE((u32)neg->icframe_vercnt,
						  (u32)neg->icmsg_vercnt) > len)
			return HVIS_IC_ECOUNT;
	}
	return type;
}

/* A short reason for a negative hvis_ic_check() result, for logs. */
static inline const char *hvis_ic_strerror(int err)
{
	switch (err) {
	case HVIS_IC_ESHORT:
		return "IC message shorter than its headers and body";
	case HVIS_IC_ELONG:
		return "IC message over 16 KiB";
	case HVIS_IC_ESIZE:
		return "IC message size runs past the packet";
	case HVIS_IC_ECOUNT:
		return "version counts run past the packet";
	case HVIS_IC_ETYPE:
		return "IC message type not served on this channel";
	default:
		return "invalid IC message";
	}
}

#endif /* HVIS_IC_H */
