// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore's network VSP against a fake guest: NVSP version
 * and buffer negotiation, RNDIS control through the send buffer and the
 * receive buffer's transfer-page packets, GPA-direct packets, and
 * malformed NVSP/RNDIS that must be dropped, counted and completed while
 * the channel keeps working.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvcore_vmbus_fixture.h"
#include "hvis/nvsp.h"
#include "hvis/rndis.h"
#include "log.h"
#include "vsp/netvsp.h"

#define NV_RELID	1
#define RECV_PAGES	8	/* 32 KiB: three 9728-byte slots */
#define SEND_PAGES	4	/* 16 KiB: two 6144-byte sections */
#define SLOT_SIZE	9728u
#define SECTION_SIZE	6144u

static char log_path[] = "/tmp/hvcore-netvsp-test-XXXXXX";

/* The guest's view: its channel and the buffers it lent. */
struct nv_guest {
	struct gchan g;
	uint64_t recv_pfn, send_pfn;
	uint32_t next_req;
};

static int nv_ctl(const char *line, char *reply, size_t size)
{
	char buf[512], *argv[16], *save = NULL, *tok;
	FILE *out = fmemopen(reply, size, "w");
	int argc = 0, r;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 15;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (!out)
		return -1;
	r = vmbus_server_dev_ctl(srv, "netvsp", NV_RELID, argc, argv, out);
	fclose(out);
	return r;
}

/* The value after @key in `netvsp status`, or -1. */
static long long nv_stat(const char *key)
{
	char reply[2048], *p;

	if (nv_ctl("status", reply, sizeof(reply)))
		return -1;
	p = strstr(reply, key);
	return p ? strtoll(p + strlen(key) + 1, NULL, 0) : -1;
}

static bool nv_send(struct nv_guest *ng, uint16_t type, uint64_t tid,
		    const void *pre, uint32_t prelen, const void *msg,
		    uint32_t len)
{
	CHECK(gsend(&ng->g, type, tid, pre, prelen, msg, len) == HVRING_OK);
	gsignal(&ng->g);
	return true;
}

/* The next host packet: its descriptor in @d, its payload copied to @body. */
static uint32_t nv_recv(struct nv_guest *ng, struct hvis_vmpacket_desc *d,
			void *body, uint32_t size)
{
	uint8_t buf[512];
	bool sig;
	uint32_t len = grecv(&ng->g, buf, sizeof(buf), &sig);

	if (len < sizeof(*d))
		return 0;
	memcpy(d, buf, sizeof(*d));
	if (d->offset8 * 8u > len || len - d->offset8 * 8u > size)
		return 0;
	memcpy(body, buf + d->offset8 * 8, len - d->offset8 * 8);
	return len - d->offset8 * 8;
}

/* Send NVSP @msg (inband) with @tid; expect a completion: its message. */
static bool nv_request(struct nv_guest *ng, uint64_t tid,
		       const struct hvis_nvsp_msg *msg, struct hvis_nvsp_msg *out)
{
	struct hvis_vmpacket_desc d;

	CHECK(nv_send(ng, HVIS_VMPKT_DATA_INBAND, tid, NULL, 0, msg,
		      sizeof(*msg)));
	/* Linux needs the full 40-byte frame in every completion. */
	CHECK(nv_recv(ng, &d, out, sizeof(*out)) == HVIS_NVSP_MSG_SIZE);
	CHECK(d.type == HVIS_VMPKT_COMP && d.trans_id == tid);
	return true;
}

static bool nv_up(struct nv_guest *ng, const char *args)
{
	struct hvis_chmsg_offer *o;

	memset(ng, 0, sizeof(*ng));
	setup(0);
	CHECK(log_open(log_path) == 0);
	CHECK(vmbus_server_add_device(srv, "netvsp", args) == NV_RELID);
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	o = expect(HVIS_CHMSG_OFFERCHANNEL);
	CHECK(o && !memcmp(&o->offer.if_type,
			   &(struct hvis_guid)HVIS_NETVSC_CLASS_GUID, 16));
	CHECK(expect(HVIS_CHMSG_ALLOFFERS_DELIVERED));
	CHECK(open_chan(&ng->g, NV_RELID, 90, 8, 8));
	return true;
}

static bool nv_init(struct nv_guest *ng, uint32_t version, bool ok)
{
	struct hvis_nvsp_msg m = { .type = HVIS_NVSP_INIT }, r;

	m.init.min_version = version;
	m.init.max_version = version;
	CHECK(nv_request(ng, 0x10, &m, &r));
	CHECK(r.type == HVIS_NVSP_INIT_COMPLETE);
	CHECK(r.init_complete.status ==
	      (ok ? HVIS_NVSP_STAT_SUCCESS : HVIS_NVSP_STAT_FAIL));
	CHECK(!ok || r.init_complete.version == version);
	return true;
}

/* Lend a buffer of @pages by GPADL @handle and announce it as @type. */
static bool nv_lend(struct nv_guest *ng, uint32_t type, uint32_t handle,
		    uint32_t pages, uint64_t *pfn, struct hvis_nvsp_msg *r)
{
	uint64_t rb[1 + 16];
	struct hvis_nvsp_msg m = { .type = type };

	*pfn = alloc_pages(pages);
	CHECK(post_gpadl(NV_RELID, handle, rb, build_range(rb, *pfn, pages),
			 1) == 0);
	CHECK(gpadl_status(handle) == 0);
	m.buf.gpadl = handle;
	m.buf.id = HVIS_NVSP_RECV_BUF_ID;
	CHECK(nv_request(ng, 0x20 + type, &m, r));
	return true;
}

/* INIT at 6.1, NDIS version and config, receive and send buffers. */
static bool nv_connect(struct nv_guest *ng, const char *args)
{
	struct hvis_nvsp_msg m = { .type = HVIS_NVSP_SEND_NDIS_VER }, r;
	struct hvis_nvsp_recv_section *sec = &r.recv_buf_complete.section;

	CHECK(nv_up(ng, args));
	CHECK(nv_init(ng, HVIS_NVSP_VERSION_61, true));
	m.ndis_ver.major = 6;
	m.ndis_ver.minor = 30;
	CHECK(nv_send(ng, HVIS_VMPKT_DATA_INBAND, 0, NULL, 0, &m, sizeof(m)));
	m.type = HVIS_NVSP_SEND_NDIS_CONFIG;
	m.ndis_config.mtu = 1514;
	CHECK(nv_send(ng, HVIS_VMPKT_DATA_INBAND, 0, NULL, 0, &m, sizeof(m)));
	CHECK(nv_lend(ng, HVIS_NVSP_SEND_RECV_BUF, 91, RECV_PAGES,
		      &ng->recv_pfn, &r));
	CHECK(r.type == HVIS_NVSP_SEND_RECV_BUF_COMPLETE);
	CHECK(r.recv_buf_complete.status == HVIS_NVSP_STAT_SUCCESS);
	CHECK(r.recv_buf_complete.num_sections == 1 && sec->offset == 0);
	CHECK(sec->sub_alloc_size == SLOT_SIZE);
	CHECK(sec->num_sub_allocs == RECV_PAGES * 4096 / SLOT_SIZE);
	CHECK(nv_lend(ng, HVIS_NVSP_SEND_SEND_BUF, 92, SEND_PAGES,
		      &ng->send_pfn, &r));
	CHECK(r.type == HVIS_NVSP_SEND_SEND_BUF_COMPLETE);
	CHECK(r.send_buf_complete.status == HVIS_NVSP_STAT_SUCCESS);
	CHECK(r.send_buf_complete.section_size == SECTION_SIZE);
	return true;
}

/*
 * Expect a transfer-page packet carrying one RNDIS message; copy it from
 * the receive buffer to @msg and complete the slot (unless !@complete).
 * Returns its length, 0 on any mismatch.
 */
static uint32_t nv_take_rndis(struct nv_guest *ng, uint32_t channel_type,
			      void *msg, uint32_t size, bool complete)
{
	struct {
		u16 pageset_id;
		u8 owns;
		u8 reserved;
		u32 count;
		struct hvis_xfer_page_range range;
		struct hvis_nvsp_msg nvsp;
	} __attribute__((packed)) x;
	struct hvis_vmpacket_desc d;
	struct { u32 type; u32 status; } done = {
		HVIS_NVSP_SEND_RNDIS_PKT_COMPLETE, HVIS_NVSP_STAT_SUCCESS
	};
	uint8_t buf[512];
	bool sig;
	uint32_t len = grecv(&ng->g, buf, sizeof(buf), &sig);

	if (len < sizeof(d) + 16 + 16)
		return 0;
	memcpy(&d, buf, sizeof(d));
	memcpy(&x, buf + sizeof(d), sizeof(x) < len - sizeof(d) ?
	       sizeof(x) : len - sizeof(d));
	if (d.type != HVIS_VMPKT_DATA_USING_XFER_PAGES || d.offset8 != 4 ||
	    x.pageset_id != HVIS_NVSP_RECV_BUF_ID || x.count != 1 ||
	    x.nvsp.type != HVIS_NVSP_SEND_RNDIS_PKT ||
	    x.nvsp.rndis.channel_type != channel_type ||
	    x.range.byte_offset % SLOT_SIZE || x.range.byte_count > size ||
	    x.range.byte_offset + x.range.byte_count > RECV_PAGES * 4096)
		return 0;
	memcpy(msg, (uint8_t *)pfn_ptr(ng->recv_pfn) + x.range.byte_offset,
	       x.range.byte_count);
	if (complete &&
	    (gsend(&ng->g, HVIS_VMPKT_COMP, d.trans_id, NULL, 0, &done,
		   sizeof(done)) != HVRING_OK))
		return 0;
	gsignal(&ng->g);
	return x.range.byte_count;
}

/* Expect the completion of the guest's RNDIS packet @tid. */
static bool nv_take_completion(struct nv_guest *ng, uint64_t tid)
{
	struct hvis_vmpacket_desc d;
	struct { u32 type; u32 status; } c;

	CHECK(nv_recv(ng, &d, &c, sizeof(c)) == sizeof(c));
	CHECK(d.type == HVIS_VMPKT_COMP && d.trans_id == tid);
	CHECK(c.type == HVIS_NVSP_SEND_RNDIS_PKT_COMPLETE &&
	      c.status == HVIS_NVSP_STAT_SUCCESS);
	return true;
}

/* Send @len bytes of RNDIS in send-buffer section @section. */
static bool nv_send_section(struct nv_guest *ng, uint64_t tid,
			    uint32_t channel_type, uint32_t section,
			    const void *rndis, uint32_t len)
{
	struct hvis_nvsp_msg m = { .type = HVIS_NVSP_SEND_RNDIS_PKT };

	if (section < SEND_PAGES * 4096 / SECTION_SIZE)
		memcpy((uint8_t *)pfn_ptr(ng->send_pfn) + section * SECTION_SIZE,
		       rndis, len);
	m.rndis.channel_type = channel_type;
	m.rndis.section_index = section;
	m.rndis.section_size = len;
	return nv_send(ng, HVIS_VMPKT_DATA_INBAND, tid, NULL, 0, &m,
		       sizeof(m));
}

/* A QUERY for @oid; the QUERY_C's body is left in @c, its info in @info. */
static bool nv_query(struct nv_guest *ng, uint32_t oid,
		     struct hvis_rndis_query_c *c, void *info, uint32_t size)
{
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_query q;
		struct hvis_ndis_obj_header want;
	} __attribute__((packed)) m = {
		.h = { HVIS_RNDIS_QUERY, sizeof(m) },
		.q = { .req_id = ++ng->next_req, .oid = oid,
		       .info_len = sizeof(m.want),
		       .info_offset = sizeof(m.q) },
		.want = { HVIS_NDIS_OBJ_OFFLOAD, HVIS_NDIS_OFFLOAD_REVISION_3, 156 },
	};
	uint8_t reply[512];
	struct hvis_rndis_header h;
	uint32_t len;

	CHECK(nv_send_section(ng, 0x300 + ng->next_req, HVIS_NVSP_RNDIS_CONTROL,
			      0, &m, sizeof(m)));
	len = nv_take_rndis(ng, HVIS_NVSP_RNDIS_CONTROL, reply, sizeof(reply),
			    true);
	CHECK(len >= sizeof(h) + sizeof(*c));
	memcpy(&h, reply, sizeof(h));
	memcpy(c, reply + sizeof(h), sizeof(*c));
	CHECK(h.type == HVIS_RNDIS_QUERY_C && h.len == len);
	CHECK(c->req_id == ng->next_req);
	CHECK(!c->info_len || (c->info_offset >= sizeof(*c) &&
			       c->info_offset + c->info_len <= len - 8));
	CHECK(c->info_len <= size);
	memcpy(info, reply + 8 + c->info_offset, c->info_len);
	CHECK(nv_take_completion(ng, 0x300 + ng->next_req));
	return true;
}

/* A SET of @oid with @len bytes of @info; the SET_C status. */
static uint32_t nv_set(struct nv_guest *ng, uint32_t oid, const void *info,
		       uint32_t len)
{
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_query q;
		uint8_t info[200];
	} __attribute__((packed)) m = {
		.h = { HVIS_RNDIS_SET, (uint32_t)(8 + sizeof(m.q) + len) },
		.q = { .req_id = ++ng->next_req, .oid = oid, .info_len = len,
		       .info_offset = sizeof(m.q) },
	};
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_set_c c;
	} __attribute__((packed)) r;

	if (len > sizeof(m.info))
		return ~0u;
	memcpy(m.info, info, len);
	if (!nv_send_section(ng, 0x400 + ng->next_req, HVIS_NVSP_RNDIS_CONTROL,
			     0, &m, m.h.len) ||
	    nv_take_rndis(ng, HVIS_NVSP_RNDIS_CONTROL, &r, sizeof(r), true) !=
	    sizeof(r) || r.h.type != HVIS_RNDIS_SET_C ||
	    r.c.req_id != ng->next_req ||
	    !nv_take_completion(ng, 0x400 + ng->next_req))
		return ~0u;
	return r.c.status;
}

/* A "name"="value" configuration parameter, both UTF-16LE. */
static uint32_t nv_config(uint8_t *buf, const char *name, const char *value,
			  uint32_t type)
{
	struct hvis_rndis_config_param cp = {
		.name_offset = sizeof(cp), .name_len = 2 * strlen(name),
		.type = type, .value_len = 2 * strlen(value),
	};
	uint32_t i;

	cp.value_offset = cp.name_offset + cp.name_len;
	memset(buf, 0, 200);
	for (i = 0; name[i]; i++)
		buf[cp.name_offset + 2 * i] = (uint8_t)name[i];
	for (i = 0; value[i]; i++)
		buf[cp.value_offset + 2 * i] = (uint8_t)value[i];
	memcpy(buf, &cp, sizeof(cp));
	return cp.value_offset + cp.value_len;
}

static bool nv_rndis_init(struct nv_guest *ng)
{
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_init i;
	} __attribute__((packed)) m = {
		.h = { HVIS_RNDIS_INIT, sizeof(m) },
		.i = { .req_id = 7, .major = 1, .max_xfer_size = 0x4000 },
	};
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_init_c c;
	} __attribute__((packed)) r;

	CHECK(nv_send_section(ng, 0x200, HVIS_NVSP_RNDIS_CONTROL, 1, &m,
			      sizeof(m)));
	CHECK(nv_take_rndis(ng, HVIS_NVSP_RNDIS_CONTROL, &r, sizeof(r), true) ==
	      sizeof(r));
	CHECK(r.h.type == HVIS_RNDIS_INIT_C && r.h.len == sizeof(r));
	CHECK(r.c.req_id == 7 && r.c.status == HVIS_RNDIS_STATUS_SUCCESS);
	CHECK(r.c.medium == HVIS_RNDIS_MEDIUM_802_3 && r.c.max_pkt_per_msg >= 1);
	CHECK(nv_take_completion(ng, 0x200));
	return true;
}

static bool log_has(const char *what)
{
	return log_file_has(log_path, what);
}

static void nv_down(void)
{
	log_close();
	teardown();
}

static bool test_versions(void)
{
	struct nv_guest ng;
	struct hvis_nvsp_msg m = { .type = HVIS_NVSP_SEND_RECV_BUF }, r;

	CHECK(nv_up(&ng, NULL));
	/* Nothing but INIT is taken before INIT. */
	CHECK(nv_send(&ng, HVIS_VMPKT_DATA_INBAND, 1, NULL, 0, &m, sizeof(m)));
	run_timers();
	CHECK(nv_stat("bad-packets") == 1);
	/* Linux walks down from 6.1; an unknown version is refused. */
	CHECK(nv_init(&ng, 0x70000, false));
	CHECK(nv_init(&ng, HVIS_NVSP_VERSION_2, true));
	CHECK(nv_init(&ng, HVIS_NVSP_VERSION_61, true));
	CHECK(nv_stat("nvsp-version") == HVIS_NVSP_VERSION_61);
	/* A receive buffer under two slots is refused with a reason. */
	CHECK(nv_lend(&ng, HVIS_NVSP_SEND_RECV_BUF, 93, 4, &ng.recv_pfn, &r));
	CHECK(r.recv_buf_complete.status == HVIS_NVSP_STAT_FAIL);
	CHECK(log_has("receive buffer smaller than two slots"));
	/* A GPADL the guest never made. */
	m.buf.gpadl = 4242;
	CHECK(nv_request(&ng, 5, &m, &r));
	CHECK(r.recv_buf_complete.status == HVIS_NVSP_STAT_FAIL);
	CHECK(log_has("unknown GPADL"));
	nv_down();
	return true;
}

static bool test_buffers_and_rndis(void)
{
	struct nv_guest ng;
	struct hvis_rndis_query_c c;
	struct hvis_ndis_offload off;
	uint8_t info[256];
	uint32_t v;
	int i;

	CHECK(nv_connect(&ng, "mac=02:11:22:33:44:55"));
	CHECK(nv_rndis_init(&ng));
	CHECK(nv_query(&ng, HVIS_OID_802_3_PERMANENT_ADDRESS, &c, info,
		       sizeof(info)));
	CHECK(c.status == HVIS_RNDIS_STATUS_SUCCESS && c.info_len == 6);
	CHECK(!memcmp(info, "\x02\x11\x22\x33\x44\x55", 6));
	CHECK(nv_query(&ng, HVIS_OID_GEN_MEDIA_CONNECT_STATUS, &c, &v,
		       sizeof(v)));
	CHECK(c.info_len == 4 && v == HVIS_RNDIS_MEDIA_CONNECTED);
	CHECK(nv_query(&ng, HVIS_OID_TCP_OFFLOAD_HARDWARE_CAPS, &c, &off,
		       sizeof(off)));
	CHECK(c.info_len == sizeof(off) && off.hdr.type == HVIS_NDIS_OBJ_OFFLOAD);
	CHECK(off.hdr.revision == 3 && off.hdr.size == sizeof(off));
	CHECK(nv_query(&ng, HVIS_OID_GEN_FRIENDLY_NAME, &c, info, sizeof(info)));
	CHECK(c.status == HVIS_RNDIS_STATUS_NOT_SUPPORTED && !c.info_len);
	/* Slots come back: more replies than slots all arrive. */
	for (i = 0; i < 8; i++)
		CHECK(nv_query(&ng, HVIS_OID_GEN_LINK_SPEED, &c, &v, sizeof(v)));
	CHECK(nv_stat("recv-slots") == 3 && nv_stat("free") == 3);
	CHECK(nv_stat("bad-packets") == 0);
	nv_down();
	return true;
}

static bool test_set_mac(void)
{
	struct nv_guest ng;
	struct hvis_rndis_query_c c;
	struct hvis_rndis_config_param cp;
	uint8_t buf[200], info[16];
	char reply[1024];
	uint32_t n;

	CHECK(nv_connect(&ng, "mac=02:11:22:33:44:55"));
	CHECK(nv_rndis_init(&ng));
	n = nv_config(buf, "NetworkAddress", "02a0b0c0d0e0",
		      HVIS_RNDIS_CONFIG_PARAM_STRING);
	CHECK(nv_set(&ng, HVIS_OID_GEN_RNDIS_CONFIG_PARAMETER, buf, n) ==
	      HVIS_RNDIS_STATUS_SUCCESS);
	CHECK(nv_ctl("status", reply, sizeof(reply)) == 0);
	CHECK(strstr(reply, "mac 02:a0:b0:c0:d0:e0\n"));
	CHECK(nv_query(&ng, HVIS_OID_802_3_CURRENT_ADDRESS, &c, info,
		       sizeof(info)));
	CHECK(c.info_len == 6 && !memcmp(info, "\x02\xa0\xb0\xc0\xd0\xe0", 6));
	/* Refused, the address kept: multicast, not hex, short, wrong type. */
	n = nv_config(buf, "NetworkAddress", "03a0b0c0d0e0",
		      HVIS_RNDIS_CONFIG_PARAM_STRING);
	CHECK(nv_set(&ng, HVIS_OID_GEN_RNDIS_CONFIG_PARAMETER, buf, n) ==
	      HVIS_RNDIS_STATUS_INVALID_DATA);
	n = nv_config(buf, "NetworkAddress", "02a0b0c0d0zz",
		      HVIS_RNDIS_CONFIG_PARAM_STRING);
	CHECK(nv_set(&ng, HVIS_OID_GEN_RNDIS_CONFIG_PARAMETER, buf, n) ==
	      HVIS_RNDIS_STATUS_INVALID_DATA);
	n = nv_config(buf, "NetworkAddress", "02a0b0",
		      HVIS_RNDIS_CONFIG_PARAM_STRING);
	CHECK(nv_set(&ng, HVIS_OID_GEN_RNDIS_CONFIG_PARAMETER, buf, n) ==
	      HVIS_RNDIS_STATUS_INVALID_DATA);
	n = nv_config(buf, "NetworkAddress", "02a0b0c0d0e1",
		      HVIS_RNDIS_CONFIG_PARAM_INT);
	CHECK(nv_set(&ng, HVIS_OID_GEN_RNDIS_CONFIG_PARAMETER, buf, n) ==
	      HVIS_RNDIS_STATUS_INVALID_DATA);
	/* A name outside the parameter, and one netvsp does not know. */
	n = nv_config(buf, "NetworkAddress", "02a0b0c0d0e1",
		      HVIS_RNDIS_CONFIG_PARAM_STRING);
	memcpy(&cp, buf, sizeof(cp));
	cp.name_len = 190;
	memcpy(buf, &cp, sizeof(cp));
	CHECK(nv_set(&ng, HVIS_OID_GEN_RNDIS_CONFIG_PARAMETER, buf, n) ==
	      HVIS_RNDIS_STATUS_INVALID_DATA);
	n = nv_config(buf, "VlanID", "5", HVIS_RNDIS_CONFIG_PARAM_STRING);
	CHECK(nv_set(&ng, HVIS_OID_GEN_RNDIS_CONFIG_PARAMETER, buf, n) ==
	      HVIS_RNDIS_STATUS_NOT_SUPPORTED);
	CHECK(nv_ctl("status", reply, sizeof(reply)) == 0);
	CHECK(strstr(reply, "mac 02:a0:b0:c0:d0:e0\n"));
	nv_down();
	return true;
}

/* The offer of a netvsp device made with @args: monitor flags and id. */
static bool nv_offer_monitor(const char *args, uint8_t *flags, uint8_t *id)
{
	struct hvis_chmsg_offer *o;

	setup(0);
	CHECK(log_open(log_path) == 0);
	CHECK(vmbus_server_add_device(srv, "netvsp", args) == NV_RELID);
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	o = expect(HVIS_CHMSG_OFFERCHANNEL);
	CHECK(o);
	*flags = o->monitor_flags;
	*id = o->monitor_id;
	nv_down();
	return true;
}

static bool test_signal_styles(void)
{
	uint8_t flags, id;

	CHECK(nv_offer_monitor(NULL, &flags, &id));
	CHECK(!(flags & HVIS_OFFER_MONITOR_ALLOCATED));
	CHECK(nv_offer_monitor("signal=monitored", &flags, &id));
	CHECK(flags & HVIS_OFFER_MONITOR_ALLOCATED);
	CHECK(nv_offer_monitor("signal=dedicated", &flags, &id));
	CHECK(!(flags & HVIS_OFFER_MONITOR_ALLOCATED));
	return true;
}

static bool test_switch_offloads(void)
{
	struct nv_guest ng;
	struct hvis_rndis_query_c c;
	struct hvis_ndis_offload off;
	char path[64];

	snprintf(path, sizeof(path), "switch=/tmp/hvcore-netvsp-sw-%d",
		 (int)getpid());
	CHECK(nv_connect(&ng, path));
	CHECK(nv_rndis_init(&ng));
	CHECK(nv_query(&ng, HVIS_OID_TCP_OFFLOAD_HARDWARE_CAPS, &c, &off,
		       sizeof(off)));
	/* Checksums are finished by hvcore; LSO is not offered on a switch. */
	CHECK(off.ip4_tx_csum & HVIS_NDIS_CSUM_TCP);
	CHECK(!off.lso4_max_size && !off.lso6_max_size && !off.lso4_encap);
	nv_down();
	return true;
}

static bool test_rsc(void)
{
	struct nv_guest ng;
	struct hvis_rndis_query_c c;
	struct hvis_ndis_offload off;
	struct hvis_ndis_offload_params op = {
		.hdr = { HVIS_NDIS_OBJ_DEFAULT, 3, sizeof(op) },
		.rsc_ip4 = HVIS_NDIS_OFFLOAD_PARAM_RSC_ENABLED,
		.rsc_ip6 = HVIS_NDIS_OFFLOAD_PARAM_RSC_ENABLED,
	};
	struct hvis_xfer_page_header xh;
	struct hvis_xfer_page_range r[2];
	struct hvis_rndis_packet p;
	struct hvis_rndis_ppi ppi;
	struct { u32 type; u32 status; } done = {
		HVIS_NVSP_SEND_RNDIS_PKT_COMPLETE, HVIS_NVSP_STAT_SUCCESS
	};
	uint8_t raw[256], *rb;
	char reply[1024];
	uint32_t i, id;
	bool sig;

	CHECK(nv_connect(&ng, NULL));
	CHECK(nv_rndis_init(&ng));
	/* NVSP 6.1 on a TAP-less device: RSC offered, taken, and shown. */
	CHECK(nv_query(&ng, HVIS_OID_TCP_OFFLOAD_HARDWARE_CAPS, &c, &off,
		       sizeof(off)));
	CHECK(off.rsc_ip4 == 1 && off.rsc_ip6 == 1);
	CHECK(nv_set(&ng, HVIS_OID_TCP_OFFLOAD_PARAMETERS, &op, sizeof(op)) ==
	      HVIS_RNDIS_STATUS_SUCCESS);
	CHECK(nv_ctl("status", reply, sizeof(reply)) == 0);
	CHECK(strstr(reply, "rsc on rx-rsc 0\n"));
	/* A coalesced frame in two ranges (its end missing, for guests). */
	CHECK(nv_ctl("inject bad-rsc", reply, sizeof(reply)) == 0);
	CHECK(nv_stat("free") == 1);
	CHECK(grecv(&ng.g, raw, sizeof(raw), &sig) >= sizeof(xh) + sizeof(r));
	memcpy(&xh, raw, sizeof(xh));
	memcpy(r, raw + sizeof(xh), sizeof(r));
	CHECK(xh.d.type == HVIS_VMPKT_DATA_USING_XFER_PAGES && xh.range_count == 2);
	CHECK(xh.d.offset8 * 8 == sizeof(xh) + sizeof(r));
	rb = pfn_ptr(ng.recv_pfn);
	for (i = 0; i < 2; i++) {
		CHECK(r[i].byte_offset % SLOT_SIZE == 0 &&
		      r[i].byte_offset + r[i].byte_count <= RECV_PAGES * 4096);
		memcpy(&p, rb + r[i].byte_offset + 8, sizeof(p));
		CHECK(p.ppi_offset == sizeof(p) && p.ppi_len == sizeof(ppi) + 4);
		memcpy(&ppi, rb + r[i].byte_offset + 8 + p.ppi_offset,
		       sizeof(ppi));
		memcpy(&id, rb + r[i].byte_offset + 8 + p.ppi_offset +
		       ppi.value_offset, 4);
		CHECK(ppi.type == HVIS_PPI_PKT_ID);
		CHECK(id == (HVIS_PPI_PKT_ID_V1 | (HVIS_PPI_PKT_ID_SUBALLOC |
			     (i ? 0 : HVIS_PPI_PKT_ID_FIRST)) << 8));
	}
	/* One completion gives both slots back; a second is not ours. */
	CHECK(gsend(&ng.g, HVIS_VMPKT_COMP, xh.d.trans_id, NULL, 0, &done,
		    sizeof(done)) == HVRING_OK);
	gsignal(&ng.g);
	CHECK(nv_stat("free") == 3 && nv_stat("bad-packets") == 0);
	CHECK(gsend(&ng.g, HVIS_VMPKT_COMP, xh.d.trans_id, NULL, 0, &done,
		    sizeof(done)) == HVRING_OK);
	gsignal(&ng.g);
	CHECK(nv_stat("free") == 3 && nv_stat("bad-packets") == 1);
	/* Off again with RSC disabled. */
	op.rsc_ip4 = op.rsc_ip6 = HVIS_NDIS_OFFLOAD_PARAM_RSC_DISABLED;
	CHECK(nv_set(&ng, HVIS_OID_TCP_OFFLOAD_PARAMETERS, &op, sizeof(op)) ==
	      HVIS_RNDIS_STATUS_SUCCESS);
	CHECK(nv_ctl("status", reply, sizeof(reply)) == 0);
	CHECK(strstr(reply, "rsc off"));
	nv_down();
	return true;
}

static bool test_link_indication(void)
{
	struct nv_guest ng;
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_indicate i;
	} __attribute__((packed)) ind;
	char reply[256];

	CHECK(nv_connect(&ng, "link=down"));
	CHECK(nv_rndis_init(&ng));
	CHECK(nv_ctl("link up", reply, sizeof(reply)) == 0);
	CHECK(nv_take_rndis(&ng, HVIS_NVSP_RNDIS_CONTROL, &ind, sizeof(ind),
			    true) == sizeof(ind));
	CHECK(ind.h.type == HVIS_RNDIS_INDICATE &&
	      ind.i.status == HVIS_RNDIS_STATUS_MEDIA_CONNECT);
	CHECK(nv_ctl("link down", reply, sizeof(reply)) == 0);
	CHECK(nv_take_rndis(&ng, HVIS_NVSP_RNDIS_CONTROL, &ind, sizeof(ind),
			    true) == sizeof(ind));
	CHECK(ind.i.status == HVIS_RNDIS_STATUS_MEDIA_DISCONNECT);
	CHECK(nv_ctl("link sideways", reply, sizeof(reply)) < 0);
	nv_down();
	return true;
}

/* A frame by GPA-direct pages: counted as sent (no back end: an error). */
static bool test_gpa_direct(void)
{
	struct nv_guest ng;
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_packet p;
		uint8_t frame[60];
	} __attribute__((packed)) m = {
		.h = { HVIS_RNDIS_PACKET, sizeof(m) },
		.p = { .data_offset = sizeof(m.p), .data_len = 60 },
	};
	struct {
		u32 reserved;
		u32 count;
		struct hvis_gpa_range r;
		u64 pfn;
	} __attribute__((packed)) pre = { 0, 1, { sizeof(m), 100 }, 0 };
	struct hvis_nvsp_msg n = { .type = HVIS_NVSP_SEND_RNDIS_PKT };

	CHECK(nv_connect(&ng, NULL));
	pre.pfn = alloc_pages(1);
	memcpy((uint8_t *)pfn_ptr(pre.pfn) + 100, &m, sizeof(m));
	n.rndis.section_index = HVIS_NVSP_NO_SECTION;
	CHECK(nv_send(&ng, HVIS_VMPKT_DATA_USING_GPA_DIRECT, 0x400, &pre,
		      sizeof(pre), &n, sizeof(n)));
	CHECK(nv_take_completion(&ng, 0x400));
	CHECK(nv_stat("tx-errors") == 1 && nv_stat("bad-packets") == 0);
	/* The same range, one page beyond guest RAM: dropped and counted. */
	pre.pfn = RAM_PAGES;
	CHECK(nv_send(&ng, HVIS_VMPKT_DATA_USING_GPA_DIRECT, 0x401, &pre,
		      sizeof(pre), &n, sizeof(n)));
	CHECK(nv_take_completion(&ng, 0x401));
	CHECK(nv_stat("bad-packets") == 1);
	CHECK(log_has("malformed GPA-direct page list"));
	nv_down();
	return true;
}

static bool test_malformed(void)
{
	struct nv_guest ng;
	struct hvis_rndis_query_c c;
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_query q;
	} __attribute__((packed)) q = {
		.h = { HVIS_RNDIS_QUERY, sizeof(q) },
		.q = { .req_id = 9, .oid = HVIS_OID_GEN_LINK_SPEED,
		       .info_len = 64, .info_offset = 20 },
	};
	struct hvis_rndis_header bad = { HVIS_RNDIS_QUERY, 4096 };
	struct { u32 type; u32 status; } done = {
		HVIS_NVSP_SEND_RNDIS_PKT_COMPLETE, HVIS_NVSP_STAT_SUCCESS
	};
	struct hvis_nvsp_msg shortmsg = { .type = HVIS_NVSP_SEND_RNDIS_PKT };
	uint32_t v;

	CHECK(nv_connect(&ng, NULL));
	CHECK(nv_rndis_init(&ng));
	/* A length past the bytes sent. */
	CHECK(nv_send_section(&ng, 0x500, HVIS_NVSP_RNDIS_CONTROL, 0, &bad,
			      sizeof(bad)));
	CHECK(nv_take_completion(&ng, 0x500));
	CHECK(log_has("RNDIS message length 4096"));
	/* An info buffer outside its message. */
	CHECK(nv_send_section(&ng, 0x501, HVIS_NVSP_RNDIS_CONTROL, 0, &q,
			      sizeof(q)));
	CHECK(nv_take_completion(&ng, 0x501));
	CHECK(log_has("info buffer outside the message"));
	/* A section past the send buffer. */
	CHECK(nv_send_section(&ng, 0x502, HVIS_NVSP_RNDIS_CONTROL, 99, &q,
			      sizeof(q)));
	CHECK(nv_take_completion(&ng, 0x502));
	CHECK(log_has("outside the send buffer"));
	/* An NVSP message shorter than its type needs. */
	CHECK(nv_send(&ng, HVIS_VMPKT_DATA_INBAND, 0x503, NULL, 0, &shortmsg, 8));
	/* A completion for a receive slot never lent. */
	CHECK(gsend(&ng.g, HVIS_VMPKT_COMP, 77, NULL, 0, &done, sizeof(done)) ==
	      HVRING_OK);
	gsignal(&ng.g);
	run_timers();
	CHECK(log_has("receive slot 77 not lent"));
	CHECK(nv_stat("bad-packets") == 5);
	/* The channel still works. */
	CHECK(nv_query(&ng, HVIS_OID_GEN_LINK_SPEED, &c, &v, sizeof(v)));
	CHECK(c.status == HVIS_RNDIS_STATUS_SUCCESS && v == 100000000);
	nv_down();
	return true;
}

/*
 * SUBCHANNEL: one per vCPU less the primary is granted and offered; RSS
 * capabilities say so; a table naming a channel not offered is refused;
 * closing the primary rescinds the sub-channel and forgets NVSP state.
 */
static bool test_subchannels(void)
{
	struct nv_guest ng;
	struct hvis_nvsp_msg m = { .type = HVIS_NVSP_SUBCHANNEL }, r;
	struct hvis_chmsg_offer *o;
	struct hvis_chmsg_relid *rel;
	struct hvis_chmsg_relid close = {
		.header.msgtype = HVIS_CHMSG_CLOSECHANNEL,
		.child_relid = NV_RELID,
	};
	struct hvis_rndis_query_c c;
	struct hvis_ndis_rss_caps caps;
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_query q;
		struct hvis_ndis_rss_params p;
		u32 table[4];
		u8 key[40];
	} __attribute__((packed)) set = {
		.h = { HVIS_RNDIS_SET, sizeof(set) },
		.q = { .req_id = 40, .oid = HVIS_OID_GEN_RECEIVE_SCALE_PARAMETERS,
		       .info_len = sizeof(set.p) + sizeof(set.table) +
				   sizeof(set.key),
		       .info_offset = sizeof(set.q) },
		.p = { .hdr = { HVIS_NDIS_OBJ_RSS_PARAMETERS, 2, 40 },
		       .table_size = sizeof(set.table),
		       .table_offset = sizeof(set.p),
		       .key_size = sizeof(set.key),
		       .key_offset = sizeof(set.p) + sizeof(set.table) },
		.table = { 0, 1, 0, 1 },
	};
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_set_c c;
	} __attribute__((packed)) sc;
	uint32_t sub_relid;

	CHECK(nv_connect(&ng, NULL));
	CHECK(nv_rndis_init(&ng));
	CHECK(nv_query(&ng, HVIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES, &c, &caps,
		       sizeof(caps)));
	CHECK(c.info_len == sizeof(caps) && caps.num_queues == NR_VCPUS);
	m.subchannel.op = HVIS_NVSP_SUBCHANNEL_ALLOCATE;
	m.subchannel.count = 7;
	msgs_reset();
	CHECK(nv_request(&ng, 0x600, &m, &r));
	CHECK(r.subchannel_complete.status == HVIS_NVSP_STAT_SUCCESS);
	CHECK(r.subchannel_complete.count == NR_VCPUS - 1);
	o = expect(HVIS_CHMSG_OFFERCHANNEL);
	CHECK(o && o->offer.sub_channel_index == 1);
	sub_relid = o->child_relid;
	/* A table naming channel 1 is taken, one naming channel 5 refused. */
	CHECK(nv_send_section(&ng, 0x601, HVIS_NVSP_RNDIS_CONTROL, 0, &set,
			      sizeof(set)));
	CHECK(nv_take_rndis(&ng, HVIS_NVSP_RNDIS_CONTROL, &sc, sizeof(sc),
			    true) == sizeof(sc));
	CHECK(sc.c.status == HVIS_RNDIS_STATUS_SUCCESS);
	CHECK(nv_take_completion(&ng, 0x601));
	CHECK(nv_stat("rss-table") == 4);
	set.table[2] = 5;
	CHECK(nv_send_section(&ng, 0x602, HVIS_NVSP_RNDIS_CONTROL, 0, &set,
			      sizeof(set)));
	CHECK(nv_take_rndis(&ng, HVIS_NVSP_RNDIS_CONTROL, &sc, sizeof(sc),
			    true) == sizeof(sc));
	CHECK(sc.c.status == HVIS_RNDIS_STATUS_INVALID_DATA);
	CHECK(nv_take_completion(&ng, 0x602));
	/* Closing the primary takes the sub-channel away. */
	msgs_reset();
	CHECK(post(1, &close, sizeof(close)) == 0);
	rel = expect(HVIS_CHMSG_RESCIND_CHANNELOFFER);
	CHECK(rel && rel->child_relid == sub_relid);
	CHECK(nv_stat("channels") == 0 && nv_stat("nvsp-version") == 0);
	nv_down();
	return true;
}

/* RSS's Toeplitz hash against the verification vectors NDIS publishes. */
static bool test_toeplitz(void)
{
	static const uint8_t key[40] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
		0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
		0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
		0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
	};
	/* 66.9.149.187:2794 -> 161.142.100.80:1766 */
	static const uint8_t v4[12] = {
		66, 9, 149, 187, 161, 142, 100, 80, 0x0a, 0xea, 0x06, 0xe6,
	};
	/* 199.92.111.2:14230 -> 65.69.140.83:4739 */
	static const uint8_t v4b[12] = {
		199, 92, 111, 2, 65, 69, 140, 83, 0x37, 0x96, 0x12, 0x83,
	};

	CHECK(netvsp_toeplitz(key, v4, 12) == 0x51ccc178);
	CHECK(netvsp_toeplitz(key, v4, 8) == 0x323e8fc2);
	CHECK(netvsp_toeplitz(key, v4b, 12) == 0xc626b0ea);
	CHECK(netvsp_toeplitz(key, v4b, 8) == 0xd718262a);
	return true;
}

/* The ones'-complement sum of @n bytes, folded (0xffff: valid). */
static uint16_t sum16(const uint8_t *p, uint32_t n)
{
	uint32_t s = 0, i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * LSOv2 as Windows guests send it (IPv4 total length and checksum 0, TCP
 * checksum seeded without the length) becomes a GSO frame Linux takes;
 * a checksum request names its field; mismatched info is refused.
 */
static bool test_tx_offload(void)
{
	uint8_t f[14 + 20 + 20 + 3000] = { 0 };
	struct netvsp_tx_info ti = { 0 };
	struct netvsp_vnet_hdr vh;
	uint32_t len = sizeof(f), tcp_len = len - 34, ph;
	uint8_t ph_bytes[12];

	f[12] = 0x08;			/* IPv4 */
	f[14] = 0x45;
	f[14 + 9] = 6;			/* TCP */
	memcpy(f + 14 + 12, "\x0a\x4d\x00\x02\x0a\x4d\x00\x01", 8);
	f[34 + 12] = 5 << 4;		/* 20-byte TCP header */
	ti.lso = true;
	ti.lso_value = HVIS_PPI_LSO_V2 | 34u << HVIS_PPI_LSO_TCP_OFF_SHIFT | 1448;
	CHECK(netvsp_tx_prepare(f, len, &ti, &vh) == 0);
	CHECK(vh.gso_type == NETVSP_VNET_GSO_TCPV4 && vh.gso_size == 1448);
	CHECK(vh.hdr_len == 54 && vh.csum_start == 34 && vh.csum_offset == 16);
	CHECK(vh.flags == NETVSP_VNET_F_NEEDS_CSUM);
	CHECK((uint32_t)(f[16] << 8 | f[17]) == len - 14);
	CHECK(sum16(f + 14, 20) == 0xffff);
	/* The seed: the pseudo-header with the whole TCP length. */
	memcpy(ph_bytes, f + 26, 8);
	ph_bytes[8] = 0;
	ph_bytes[9] = 6;
	ph_bytes[10] = (uint8_t)(tcp_len >> 8);
	ph_bytes[11] = (uint8_t)tcp_len;
	ph = sum16(ph_bytes, 12);
	CHECK((uint32_t)(f[50] << 8 | f[51]) == ph);
	/* LSO that says IPv6 for an IPv4 frame, or a wrong TCP offset. */
	ti.lso_value |= HVIS_PPI_LSO_IPV6;
	CHECK(netvsp_tx_prepare(f, len, &ti, &vh) == -EPROTO);
	ti.lso_value = HVIS_PPI_LSO_V2 | 38u << HVIS_PPI_LSO_TCP_OFF_SHIFT | 1448;
	CHECK(netvsp_tx_prepare(f, len, &ti, &vh) == -EPROTO);
	/* A UDP checksum request on a short frame. */
	memset(&ti, 0, sizeof(ti));
	f[14 + 9] = 17;
	ti.csum = true;
	ti.csum_bits = HVIS_PPI_CSUM_TX_IPV4 | HVIS_PPI_CSUM_TX_UDP |
		       34u << HVIS_PPI_CSUM_TX_TCP_OFF_SHIFT;
	CHECK(netvsp_tx_prepare(f, 46, &ti, &vh) == 0);
	CHECK(vh.flags == NETVSP_VNET_F_NEEDS_CSUM && vh.csum_start == 34 &&
	      vh.csum_offset == 6 && vh.gso_type == NETVSP_VNET_GSO_NONE);
	CHECK(netvsp_tx_prepare(f, 40, &ti, &vh) == -EPROTO);
	/* TCP claimed for a UDP frame. */
	ti.csum_bits ^= HVIS_PPI_CSUM_TX_UDP | HVIS_PPI_CSUM_TX_TCP;
	CHECK(netvsp_tx_prepare(f, 100, &ti, &vh) == -EPROTO);
	return true;
}

/*
 * A frame from the TAP with a partial checksum: netvsp finishes it (the
 * segment and its pseudo-header then sum to 0xffff) and tells the guest;
 * DATA_VALID is passed on; a header pointing outside the frame is not.
 */
static bool test_rx_csum(void)
{
	uint8_t f[14 + 20 + 20 + 333] = { 0 };
	uint8_t ph[12 + sizeof(f) - 34];
	struct netvsp_vnet_hdr vh = {
		.flags = NETVSP_VNET_F_NEEDS_CSUM,
		.csum_start = 34,
		.csum_offset = 16,
	};
	uint32_t tcp_len = sizeof(f) - 34, i;
	uint16_t seed;

	f[12] = 0x08;
	f[14] = 0x45;
	f[14 + 9] = 6;
	memcpy(f + 26, "\x0a\x4d\x00\x01\x0a\x4d\x00\x02", 8);
	for (i = 54; i < sizeof(f); i++)
		f[i] = (uint8_t)(i * 7);
	memcpy(ph, f + 26, 8);
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = (uint8_t)(tcp_len >> 8);
	ph[11] = (uint8_t)tcp_len;
	seed = sum16(ph, 12);
	f[50] = (uint8_t)(seed >> 8);
	f[51] = (uint8_t)seed;
	CHECK(netvsp_rx_csum(f, sizeof(f), &vh) == HVIS_PPI_CSUM_RX_TCP_OK);
	memcpy(ph + 12, f + 34, tcp_len);
	CHECK(sum16(ph, sizeof(ph)) == 0xffff);
	vh.flags = NETVSP_VNET_F_DATA_VALID;
	CHECK(netvsp_rx_csum(f, sizeof(f), &vh) == HVIS_PPI_CSUM_RX_TCP_OK);
	vh.flags = NETVSP_VNET_F_NEEDS_CSUM;
	vh.csum_start = sizeof(f) - 10;
	CHECK(netvsp_rx_csum(f, sizeof(f), &vh) == 0);
	vh.flags = 0;
	CHECK(netvsp_rx_csum(f, sizeof(f), &vh) == 0);
	return true;
}

/* The test hooks: a range past the buffer, data past the message. */
static bool test_inject(void)
{
	struct nv_guest ng;
	struct hvis_vmpacket_desc d;
	struct {
		u16 pageset_id;
		u8 owns;
		u8 reserved;
		u32 count;
		struct hvis_xfer_page_range range;
		struct hvis_nvsp_msg nvsp;
	} __attribute__((packed)) x;
	struct { u32 type; u32 status; } fail = {
		HVIS_NVSP_SEND_RNDIS_PKT_COMPLETE, HVIS_NVSP_STAT_FAIL
	};
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_packet p;
		uint8_t frame[60];
	} __attribute__((packed)) m;
	char reply[256];
	uint8_t raw[256];
	bool sig;

	CHECK(nv_connect(&ng, NULL));
	CHECK(nv_rndis_init(&ng));
	CHECK(nv_ctl("inject bad-range", reply, sizeof(reply)) == 0);
	CHECK(grecv(&ng.g, raw, sizeof(raw), &sig) >= sizeof(d) + 16 + 16);
	memcpy(&d, raw, sizeof(d));
	memcpy(&x, raw + sizeof(d), 16);
	CHECK(d.type == HVIS_VMPKT_DATA_USING_XFER_PAGES);
	CHECK(x.range.byte_offset >= RECV_PAGES * 4096);
	CHECK(gsend(&ng.g, HVIS_VMPKT_COMP, d.trans_id, NULL, 0, &fail,
		    sizeof(fail)) == HVRING_OK);
	gsignal(&ng.g);
	CHECK(nv_stat("guest-refused") == 1);
	CHECK(nv_ctl("inject bad-rndis", reply, sizeof(reply)) == 0);
	CHECK(nv_take_rndis(&ng, HVIS_NVSP_RNDIS_DATA, &m, sizeof(m), true) ==
	      sizeof(m));
	CHECK(m.h.type == HVIS_RNDIS_PACKET &&
	      m.p.data_offset + m.p.data_len > m.h.len - 8);
	CHECK(nv_ctl("inject nonsense", reply, sizeof(reply)) < 0);
	CHECK(nv_stat("free") == 3);
	nv_down();
	return true;
}

int main(void)
{
	static const struct ktap_case cases[] = {
		{ "NVSP versions and buffer refusals", test_versions },
		{ "buffers, RNDIS INIT and QUERY through the slots", test_buffers_and_rndis },
		{ "link up/down from ctl reaches the guest as INDICATE", test_link_indication },
		{ "GPA-direct packets: gathered, bad pages dropped", test_gpa_direct },
		{ "malformed NVSP/RNDIS dropped, counted, completed", test_malformed },
		{ "inject bad-range and bad-rndis reach the guest", test_inject },
		{ "sub-channels, RSS table, rescinded with the primary", test_subchannels },
		{ "Toeplitz hash: NDIS verification vectors", test_toeplitz },
		{ "transmit offloads: Windows LSO to Linux GSO, checksum requests", test_tx_offload },
		{ "receive checksums: partial ones finished, valid ones vouched for", test_rx_csum },
		{ "NetworkAddress sets the MAC; malformed ones refused", test_set_mac },
		{ "on a switch: checksums offered, no LSO", test_switch_offloads },
		{ "RSC: offered at 6.1, switched on and off, multi-range packets", test_rsc },
		{ "signal=monitored offers a monitor id, dedicated (default) none", test_signal_styles },
	};
	int fd = mkstemp(log_path), r;

	if (fd < 0)
		return 1;
	close(fd);
	r = vmbus_fixture_run("hvcore-netvsp", cases, KTAP_ARRAY_SIZE(cases));
	unlink(log_path);
	return r;
}
