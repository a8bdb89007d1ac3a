// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore's storvsp (the VSTOR VSP) against the SCSI target
 * and real image files, with the guest's storvsc played over the fixture's
 * fake guest RAM: handshake, sub-channels, data through GPA-direct ranges,
 * errors, malformed packets, a full host->guest ring, back-pressure on the
 * request pool, control commands, an IDE controller, and teardown with I/O
 * in flight.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvcore_storvsp_fixture.h"
#include "log.h"

/* --- Cases --- */

static bool test_handshake(void)
{
	struct gchan g, g2;
	struct hvis_vstor_packet p = {
		.operation = HVIS_VSTOR_OP_QUERY_PROTOCOL_VERSION,
	};
	struct hvis_chmsg_offer *o;

	CHECK(bring_up_stor(NULL, &g, 8, 8, false));
	/* Out of order: properties before a version, END before BEGIN. */
	CHECK(simple_op(&g, HVIS_VSTOR_OP_QUERY_PROPERTIES, 9) ==
	      HVIS_VSTOR_STATUS_INVALID_DEVICE_STATE);
	CHECK(simple_op(&g, HVIS_VSTOR_OP_BEGIN_INITIALIZATION, 1) == 0);
	CHECK(simple_op(&g, HVIS_VSTOR_OP_END_INITIALIZATION, 9) ==
	      HVIS_VSTOR_STATUS_INVALID_DEVICE_STATE);
	/* 4.2 (WIN7) is refused, the guest falls back to... 6.2 works. */
	p.version.major_minor = HVIS_VSTOR_VERSION_WIN7;
	CHECK(ctl_req(&g, &p, 2) == HVIS_VSTOR_STATUS_REVISION_MISMATCH);
	memset(&p, 0, sizeof(p));
	p.operation = HVIS_VSTOR_OP_QUERY_PROTOCOL_VERSION;
	p.version.major_minor = HVIS_VSTOR_VERSION_WIN10;
	CHECK(ctl_req(&g, &p, 3) == 0);
	memset(&p, 0, sizeof(p));
	p.operation = HVIS_VSTOR_OP_QUERY_PROPERTIES;
	CHECK(ctl_req(&g, &p, 4) == 0);
	CHECK(p.properties.max_channel_cnt == NR_VCPUS);
	CHECK(p.properties.flags & HVIS_VSTOR_PROP_MULTI_CHANNEL);
	CHECK(p.properties.max_transfer_bytes == HVIS_VSTOR_MAX_TRANSFER_DEFAULT);
	/* Sub-channels only after END_INITIALIZATION. */
	memset(&p, 0, sizeof(p));
	p.operation = HVIS_VSTOR_OP_CREATE_SUB_CHANNELS;
	p.sub_channel_count = 1;
	CHECK(ctl_req(&g, &p, 5) == HVIS_VSTOR_STATUS_INVALID_DEVICE_STATE);
	CHECK(simple_op(&g, HVIS_VSTOR_OP_END_INITIALIZATION, 6) == 0);
	memset(&p, 0, sizeof(p));
	p.operation = HVIS_VSTOR_OP_CREATE_SUB_CHANNELS;
	p.sub_channel_count = NR_VCPUS + 1;
	CHECK(ctl_req(&g, &p, 7) == HVIS_VSTOR_STATUS_INVALID_PARAMETER);
	memset(&p, 0, sizeof(p));
	p.operation = HVIS_VSTOR_OP_CREATE_SUB_CHANNELS;
	p.sub_channel_count = 1;
	CHECK(ctl_req(&g, &p, 8) == 0);
	o = expect(HVIS_CHMSG_OFFERCHANNEL);
	CHECK(o && o->offer.sub_channel_index == 1 && o->child_relid == 2);
	CHECK(o->interrupt_flags == HVIS_OFFER_DEDICATED_INTERRUPT);
	/* The sub-channel takes SRBs but not handshake steps. */
	CHECK(open_chan(&g2, 2, 41, 4, 4));
	CHECK(simple_op(&g2, HVIS_VSTOR_OP_BEGIN_INITIALIZATION, 1) ==
	      HVIS_VSTOR_STATUS_INVALID_DEVICE_STATE);
	CHECK(log_has("handshake request on a sub-channel"));
	{
		uint8_t tur[6] = { 0 };
		struct hvis_vstor_packet s;

		srb_init(&s, 0, tur, 6, HVIS_SRB_DATA_UNKNOWN, 0);
		CHECK(srb_io(&g2, 0x55, &s, NULL));
		/* No disk: LUN 0 does not exist. */
		CHECK(s.srb.srb_status == HVIS_SRB_STATUS_INVALID_LUN);
	}
	teardown();
	return true;
}

static bool test_read_write(void)
{
	static uint8_t data[8192], back[8192];
	char args[160];
	struct gchan g;
	struct gbuf wb, rb;
	struct hvis_vstor_packet p;
	uint8_t cdb[10];
	uint32_t i;

	snprintf(args, sizeof(args), "file=%s,serial=disk-a", img_a);
	CHECK(bring_up_stor(args, &g, 8, 8, true));
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	/* WRITE(10) 16 blocks at LBA 8 from 3 contiguous pages, offset 512. */
	gbuf_init(&wb, 3, 512, 8192, false);
	gbuf_copy(&wb, data, true);
	rw10(cdb, 0x2a, 8, 16);
	srb_init(&p, 0, cdb, 10, HVIS_SRB_DATA_OUT, 8192);
	CHECK(srb_io(&g, 100, &p, &wb));
	CHECK(p.status == 0 && p.srb.srb_status == HVIS_SRB_STATUS_SUCCESS);
	CHECK(p.srb.scsi_status == 0 && p.srb.data_transfer_length == 8192);
	CHECK(image_has(img_a, 8 * 512, data, sizeof(data)));
	/* READ(10) it back into pages in reverse physical order. */
	gbuf_init(&rb, 3, 100, 8192, true);
	rw10(cdb, 0x28, 8, 16);
	srb_init(&p, 0, cdb, 10, HVIS_SRB_DATA_IN, 8192);
	CHECK(srb_io(&g, 101, &p, &rb));
	CHECK(p.srb.srb_status == HVIS_SRB_STATUS_SUCCESS &&
	      p.srb.data_transfer_length == 8192);
	gbuf_copy(&rb, back, false);
	CHECK(!memcmp(back, data, sizeof(data)));
	/* INQUIRY: vendor and model as configured (defaults). */
	{
		uint8_t inq[6] = { 0x12, 0, 0, 0, 96, 0 };
		uint8_t resp[96];
		struct gbuf ib;

		gbuf_init(&ib, 1, 0, 96, false);
		srb_init(&p, 0, inq, 6, HVIS_SRB_DATA_IN, 96);
		CHECK(srb_io(&g, 102, &p, &ib));
		CHECK(p.srb.srb_status == HVIS_SRB_STATUS_SUCCESS);
		CHECK(p.srb.data_transfer_length >= 36);
		gbuf_copy(&ib, resp, false);
		CHECK((resp[0] & 0xe0) == 0 && !memcmp(resp + 8, "Msft    ", 8));
		CHECK(!memcmp(resp + 16, "Virtual Disk", 12));
	}
	/* Counters. */
	{
		char *text = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&text, &len);
		char *argv[] = { "list" };

		CHECK(out);
		CHECK(vmbus_server_dev_ctl(srv, "storvsp", 1, 1, argv, out) == 0);
		fclose(out);
		CHECK(strstr(text, "disk-a"));
		CHECK(strstr(text, "stats lun 0 requests 3 read-bytes "));
		CHECK(strstr(text, "written-bytes 8192 errors 0"));
		CHECK(strstr(text, "version 6.2 state ready"));
		free(text);
	}
	teardown();
	return true;
}

static bool test_errors(void)
{
	char args[200];
	struct gchan g;
	struct gbuf b;
	struct hvis_vstor_packet p;
	uint8_t cdb[10], tur[6] = { 0 };
	uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 }, resp[36];

	snprintf(args, sizeof(args), "file=%s;file=%s,lun=3,ro", img_a, img_b);
	CHECK(bring_up_stor(args, &g, 8, 8, false));
	/* SRB before the handshake is done. */
	srb_init(&p, 0, tur, 6, HVIS_SRB_DATA_UNKNOWN, 0);
	CHECK(srb_io(&g, 1, &p, NULL));
	CHECK(p.status == HVIS_VSTOR_STATUS_INVALID_DEVICE_STATE &&
	      p.srb.srb_status == HVIS_SRB_STATUS_INVALID_REQUEST);
	CHECK(handshake(&g));
	/* A LUN that does not exist. */
	srb_init(&p, 5, tur, 6, HVIS_SRB_DATA_UNKNOWN, 0);
	CHECK(srb_io(&g, 2, &p, NULL));
	CHECK(p.srb.srb_status == HVIS_SRB_STATUS_INVALID_LUN);
	/* Another target: INVALID_LUN, but INQUIRY answers "no device". */
	srb_init(&p, 0, tur, 6, HVIS_SRB_DATA_UNKNOWN, 0);
	p.srb.target_id = 1;
	CHECK(srb_io(&g, 3, &p, NULL));
	CHECK(p.srb.srb_status == HVIS_SRB_STATUS_INVALID_LUN);
	gbuf_init(&b, 1, 0, 36, false);
	srb_init(&p, 0, inq, 6, HVIS_SRB_DATA_IN, 36);
	p.srb.path_id = 2;
	CHECK(srb_io(&g, 4, &p, &b));
	CHECK(p.srb.srb_status == HVIS_SRB_STATUS_SUCCESS &&
	      p.srb.data_transfer_length == 36);
	gbuf_copy(&b, resp, false);
	CHECK(resp[0] == 0x7f);
	/* ... REPORT LUNS an empty list; other paths never say INVALID_LUN. */
	{
		uint8_t rl[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0 };
		uint8_t list[16];

		memset(pfn_ptr(b.pfn[0]), 0xee, 64);
		b.len = 64;
		srb_init(&p, 0, rl, 12, HVIS_SRB_DATA_IN, 64);
		p.srb.target_id = 1;
		CHECK(srb_io(&g, 40, &p, &b));
		CHECK(p.srb.srb_status == HVIS_SRB_STATUS_SUCCESS &&
		      p.srb.data_transfer_length == 8);
		memcpy(list, pfn_ptr(b.pfn[0]), sizeof(list));
		CHECK(!list[0] && !list[3] && list[8] == 0xee);
		srb_init(&p, 0, tur, 6, HVIS_SRB_DATA_UNKNOWN, 0);
		p.srb.path_id = 1;
		CHECK(srb_io(&g, 41, &p, NULL));
		CHECK(p.srb.srb_status == HVIS_SRB_STATUS_SELECTION_TIMEOUT);
	}
	/* A write to the read-only LUN: DATA PROTECT, autosense. */
	gbuf_init(&b, 1, 0, 512, false);
	rw10(cdb, 0x2a, 0, 1);
	srb_init(&p, 3, cdb, 10, HVIS_SRB_DATA_OUT, 512);
	CHECK(srb_io(&g, 5, &p, &b));
	CHECK(p.srb.srb_status == (HVIS_SRB_STATUS_ERROR |
				   HVIS_SRB_STATUS_AUTOSENSE_VALID));
	CHECK(p.srb.scsi_status == 0x02);
	CHECK(p.srb.sense_info_length >= 14 && p.srb.sense_info_length <= 20);
	CHECK((p.srb.sense_data[2] & 0xf) == 7 && p.srb.sense_data[12] == 0x27);
	CHECK(p.srb.data_transfer_length == 0);
	/* Bad CDB length and direction: failed, channel kept. */
	srb_init(&p, 0, tur, 6, HVIS_SRB_DATA_UNKNOWN, 0);
	p.srb.cdb_length = 17;
	CHECK(srb_io(&g, 6, &p, NULL));
	CHECK(p.srb.srb_status == HVIS_SRB_STATUS_INVALID_REQUEST);
	srb_init(&p, 0, tur, 6, HVIS_SRB_DATA_UNKNOWN, 512);
	CHECK(srb_io(&g, 7, &p, &b));
	CHECK(p.srb.srb_status == HVIS_SRB_STATUS_INVALID_REQUEST);
	CHECK(log_has("data direction does not match the buffer"));
	/* Short packet and unknown operation: failed, channel kept. */
	{
		struct reply r;
		uint32_t op = HVIS_VSTOR_OP_EXECUTE_SRB;

		memset(&p, 0, sizeof(p));
		p.operation = op;
		CHECK(send_inband(&g, 8, &p, 16));
		CHECK(get_reply(&g, &r) && r.d.trans_id == 8);
		CHECK(r.p.status == HVIS_VSTOR_STATUS_INVALID_PARAMETER);
		CHECK(simple_op(&g, 99, 9) == HVIS_VSTOR_STATUS_INVALID_PARAMETER);
		CHECK(simple_op(&g, HVIS_VSTOR_OP_FCHBA_DATA, 10) ==
		      HVIS_VSTOR_STATUS_INVALID_PARAMETER);
		CHECK(log_has("packet shorter than its operation needs"));
		CHECK(log_has("unknown operation (99) failed"));
	}
	/* Bus reset from the guest: status 0, then I/O goes on. */
	CHECK(simple_op(&g, HVIS_VSTOR_OP_RESET_BUS, 11) == 0);
	CHECK(srv->chans[1]->state == CHAN_OPEN);
	CHECK(no_more_msgs());
	teardown();
	return true;
}

/* Each corrupt input closes the channel (device rescinded), logged. */
static bool test_violations(void)
{
	static const char *const why[] = {
		"outside guest RAM", "larger than its", "over the",
		"not part of VSTOR", "ranges, not 1",
	};
	char args[160];
	unsigned int i;

	snprintf(args, sizeof(args), "file=%s", img_a);
	for (i = 0; i < sizeof(why) / sizeof(why[0]); i++) {
		struct gchan g;
		struct gbuf b;
		struct hvis_vstor_packet p;
		uint8_t cdb[10];

		CHECK(bring_up_stor(args, &g, 8, 8, true));
		gbuf_init(&b, 2, 0, 8192, false);
		rw10(cdb, 0x28, 0, 16);
		srb_init(&p, 0, cdb, 10, HVIS_SRB_DATA_IN, 8192);
		switch (i) {
		case 0:		/* a page past the end of guest RAM */
			b.pfn[1] = RAM_PAGES + 5;
			CHECK(send_srb(&g, 1, &p, &b));
			break;
		case 1:		/* data length beyond the range */
			b.len = 4096;
			CHECK(send_srb(&g, 1, &p, &b));
			break;
		case 2:		/* more than max_transfer_bytes */
			p.srb.data_transfer_length =
				HVIS_VSTOR_MAX_TRANSFER_DEFAULT + 512;
			CHECK(send_srb(&g, 1, &p, NULL));
			break;
		case 3:		/* a packet type VSTOR does not use */
			CHECK(gsend(&g, HVIS_VMPKT_COMP, 1, NULL, 0, &p, PKT) ==
			      HVRING_OK);
			gsignal(&g);
			break;
		case 4: {	/* two ranges */
			uint32_t hdr[6] = { 0, 2, 512, 0 };

			hdr[4] = (uint32_t)b.pfn[0];
			CHECK(gsend(&g, HVIS_VMPKT_DATA_USING_GPA_DIRECT, 1, hdr,
				    24, &p, PKT) == HVRING_OK);
			gsignal(&g);
			break;
		}
		}
		CHECK(chan_rescinded(1));
		CHECK(log_has(why[i]));
		teardown();
	}
	return true;
}

/*
 * Completions outlive a full host->guest ring: 120 requests, room for
 * about 50 replies; the rest wait, in order, until the guest reads.
 */
static bool test_full_ring(void)
{
	char args[160];
	struct gchan g;
	struct hvis_vstor_packet p;
	uint8_t tur[6] = { 0 };
	uint32_t sent, got = 0, rounds = 0;

	snprintf(args, sizeof(args), "file=%s", img_a);
	CHECK(bring_up_stor(args, &g, 8, 2, true));
	srb_init(&p, 0, tur, 6, HVIS_SRB_DATA_UNKNOWN, 0);
	for (sent = 0; sent < 120; sent++)
		CHECK(gsend(&g, HVIS_VMPKT_DATA_INBAND, 1000 + sent, NULL, 0,
			    &p, PKT) == HVRING_OK);
	gsignal(&g);
	while (got < sent && rounds++ < 1000) {
		uint8_t buf[256];
		bool sig;
		uint32_t len = grecv(&g, buf, sizeof(buf), &sig);
		struct hvis_vmpacket_desc d;
		struct hvis_vstor_packet *r = (void *)(buf + 16);

		if (!len) {
			run_fds(10);
			run_timers();
			continue;
		}
		memcpy(&d, buf, sizeof(d));
		CHECK(d.trans_id == 1000 + got);
		/* (The first may carry a unit attention: any SRB result.) */
		CHECK(r->operation == HVIS_VSTOR_OP_COMPLETE_IO &&
		      r->srb.srb_status);
		got++;
		if (got == 1)
			CHECK(srv->chans[1]->send_blocked);
		if (sig)
			gsignal(&g);
	}
	CHECK(got == sent);
	CHECK(!srv->chans[1]->send_blocked);
	teardown();
	return true;
}

/*
 * More requests than a channel's slots (the test build has 8): the
 * channel stops reading and resumes as completions free slots.
 */
static bool test_request_pool(void)
{
	char args[160];
	struct gchan g;
	struct hvis_vstor_packet p;
	uint8_t tur[6] = { 0 };
	char *argv[] = { "fault", "0", "delay", "1", "40" };
	uint32_t sent, got = 0, rounds = 0;
	FILE *out = fopen("/dev/null", "w");

	CHECK(out);
	snprintf(args, sizeof(args), "file=%s", img_a);
	CHECK(bring_up_stor(args, &g, 8, 8, true));
	CHECK(vmbus_server_dev_ctl(srv, "storvsp", 1, 5, argv, out) == 0);
	fclose(out);
	srb_init(&p, 0, tur, 6, HVIS_SRB_DATA_UNKNOWN, 0);
	for (sent = 0; sent < 40; sent++)
		CHECK(gsend(&g, HVIS_VMPKT_DATA_INBAND, 1 + sent, NULL, 0, &p,
			    PKT) == HVRING_OK);
	gsignal(&g);
	CHECK(srv->chans[1]->vsp_waiting);
	CHECK(g.tx.ctl->read_index != g.tx.ctl->write_index);
	while (got < sent && rounds++ < 2000) {
		struct reply r;
		uint8_t buf[256];
		bool sig;
		uint32_t len = grecv(&g, buf, sizeof(buf), &sig);

		if (!len) {
			run_fds(5);
			run_timers();
			continue;
		}
		memcpy(&r.d, buf, sizeof(r.d));
		CHECK(r.d.trans_id >= 1 && r.d.trans_id <= sent);
		got++;
		if (sig)
			gsignal(&g);
	}
	CHECK(got == sent);
	CHECK(!srv->chans[1]->vsp_waiting);
	teardown();
	return true;
}

static bool test_ctl(void)
{
	char args[160], line[200], *text = NULL;
	struct gchan g;
	struct reply r;

	snprintf(args, sizeof(args), "file=%s", img_a);
	CHECK(bring_up_stor(args, &g, 8, 8, true));
	snprintf(line, sizeof(line), "lun-add file=%s,lun=2,serial=hot", img_b);
	CHECK(ctl(line, &text) == 0 && !*text);
	free(text);
	CHECK(ctl("list", &text) == 0 && strstr(text, "hot"));
	CHECK(strstr(text, "stats lun 2 requests 0"));
	free(text);
	/* The guest is told to rescan: ENUMERATE_BUS, trans_id 0, inband. */
	CHECK(get_reply(&g, &r));
	CHECK(r.d.type == HVIS_VMPKT_DATA_INBAND && r.d.trans_id == 0 &&
	      r.d.flags == 0 && r.p.operation == HVIS_VSTOR_OP_ENUMERATE_BUS);
	CHECK(ctl(line, &text) < 0 && strstr(text, "error: "));
	free(text);
	CHECK(ctl("resize 2 2M", &text) == 0);
	free(text);
	CHECK(get_reply(&g, &r) &&
	      r.p.operation == HVIS_VSTOR_OP_ENUMERATE_BUS);
	CHECK(ctl("resize 2 1000", &text) < 0 && strstr(text, "multiple of 512"));
	free(text);
	CHECK(ctl("lun-remove 2", &text) == 0);
	free(text);
	CHECK(get_reply(&g, &r) &&
	      r.p.operation == HVIS_VSTOR_OP_ENUMERATE_BUS);
	CHECK(ctl("lun-remove 2", &text) < 0 && strstr(text, "no LUN 2"));
	free(text);
	CHECK(ctl("lun-add", &text) < 0 && strstr(text, "error: usage: lun-add"));
	free(text);
	CHECK(ctl("fault 0 eio 1", &text) < 0 && strstr(text, "error: usage"));
	free(text);
	CHECK(ctl("fault 99 clear", &text) < 0 && strstr(text, "0..63"));
	free(text);
	CHECK(ctl("fault 0 eio 10 2", &text) == 0);
	free(text);
	CHECK(ctl("fault 0 clear", &text) == 0);
	free(text);
	CHECK(ctl("reset", &text) == 0);
	free(text);
	CHECK(ctl("bogus", &text) < 0 && strstr(text, "unknown storvsp command"));
	free(text);
	CHECK(ctl("help", &text) == 0 && strstr(text, "lun-add DISK"));
	free(text);
	teardown();
	return true;
}

static bool test_bad_args(void)
{
	char args[200];

	setup(0);
	CHECK(vmbus_server_add_device(srv, "storvsp",
				      "file=/nonexistent/hvis.img") == -EINVAL);
	snprintf(args, sizeof(args), "file=%s,lun=1;file=%s,lun=1", img_a, img_b);
	CHECK(vmbus_server_add_device(srv, "storvsp", args) == -EINVAL);
	CHECK(vmbus_server_add_device(srv, "storvsp", "lun=1") == -EINVAL);
	CHECK(log_has("/nonexistent/hvis.img"));
	/* IDE: one disk, at LUN 0, target 0..1. */
	snprintf(args, sizeof(args), "ide;file=%s;file=%s", img_a, img_b);
	CHECK(vmbus_server_add_device(srv, "storvsp", args) == -EINVAL);
	CHECK(log_has("an IDE controller's disk is LUN 0, not 1"));
	CHECK(vmbus_server_add_device(srv, "storvsp", "ide") == -EINVAL);
	CHECK(log_has("an IDE controller holds exactly one disk, not 0"));
	snprintf(args, sizeof(args), "ide;file=%s,lun=3", img_a);
	CHECK(vmbus_server_add_device(srv, "storvsp", args) == -EINVAL);
	CHECK(log_has("disk is LUN 0, not 3"));
	snprintf(args, sizeof(args), "ide=2;file=%s", img_a);
	CHECK(vmbus_server_add_device(srv, "storvsp", args) == -EINVAL);
	CHECK(log_has("the IDE target must be 0..1"));
	/* No disks at all is a valid (empty) controller. */
	CHECK(vmbus_server_add_device(srv, "storvsp", "") == 1);
	teardown();
	return true;
}

/*
 * An IDE controller: the IDE class, target 1 in instance bytes 4-5 (what
 * the in-tree guest reads), no sub-channels, I/O on target 1 only, and
 * its one disk fixed.
 */
static bool test_ide(void)
{
	static const struct hvis_guid ide = HVIS_VSTOR_IDE_CLASS_GUID;
	static const uint8_t inst[6] = { 0, 0, 0, 0, 1, 0 };
	static uint8_t data[4096], back[4096];
	struct hvis_vstor_packet p = {
		.operation = HVIS_VSTOR_OP_QUERY_PROTOCOL_VERSION,
		.version.major_minor = HVIS_VSTOR_VERSION_WIN10,
	};
	struct hvis_chmsg_offer *o;
	char args[160], *text = NULL;
	uint8_t cdb[10], tur[6] = { 0 };
	struct gchan g;
	struct gbuf b;
	uint32_t i;

	setup(0);
	snprintf(args, sizeof(args), "ide=1;file=%s,serial=ide-disk", img_c);
	CHECK(vmbus_server_add_device(srv, "storvsp", args) == 1);
	CHECK(connect_53() && simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	o = expect(HVIS_CHMSG_OFFERCHANNEL);
	CHECK(o && !memcmp(&o->offer.if_type, &ide, sizeof(ide)));
	CHECK(!memcmp(o->offer.if_instance.b, inst, sizeof(inst)));
	CHECK(expect(HVIS_CHMSG_ALLOFFERS_DELIVERED));
	CHECK(open_chan(&g, 1, 40, 8, 8));
	CHECK(simple_op(&g, HVIS_VSTOR_OP_BEGIN_INITIALIZATION, 1) == 0);
	CHECK(ctl_req(&g, &p, 2) == 0);
	memset(&p, 0, sizeof(p));
	p.operation = HVIS_VSTOR_OP_QUERY_PROPERTIES;
	CHECK(ctl_req(&g, &p, 3) == 0);
	CHECK(!p.properties.max_channel_cnt && !p.properties.flags);
	CHECK(simple_op(&g, HVIS_VSTOR_OP_END_INITIALIZATION, 4) == 0);
	memset(&p, 0, sizeof(p));
	p.operation = HVIS_VSTOR_OP_CREATE_SUB_CHANNELS;
	p.sub_channel_count = 1;
	CHECK(ctl_req(&g, &p, 5) == HVIS_VSTOR_STATUS_INVALID_PARAMETER);
	/* WRITE(10) then READ(10) of 8 blocks at LBA 16 of target 1, LUN 0. */
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 5);
	gbuf_init(&b, 2, 256, sizeof(data), false);
	gbuf_copy(&b, data, true);
	rw10(cdb, 0x2a, 16, 8);
	srb_init(&p, 0, cdb, 10, HVIS_SRB_DATA_OUT, sizeof(data));
	p.srb.target_id = 1;
	CHECK(srb_io(&g, 6, &p, &b));
	CHECK(p.srb.srb_status == HVIS_SRB_STATUS_SUCCESS &&
	      p.srb.data_transfer_length == sizeof(data));
	CHECK(image_has(img_c, 16 * 512, data, sizeof(data)));
	gbuf_init(&b, 2, 0, sizeof(back), true);
	rw10(cdb, 0x28, 16, 8);
	srb_init(&p, 0, cdb, 10, HVIS_SRB_DATA_IN, sizeof(back));
	p.srb.target_id = 1;
	CHECK(srb_io(&g, 7, &p, &b));
	CHECK(p.srb.srb_status == HVIS_SRB_STATUS_SUCCESS);
	gbuf_copy(&b, back, false);
	CHECK(!memcmp(back, data, sizeof(data)));
	/* Target 0 (the guest's scan) finds nothing. */
	srb_init(&p, 0, tur, 6, HVIS_SRB_DATA_UNKNOWN, 0);
	CHECK(srb_io(&g, 8, &p, NULL));
	CHECK(p.srb.srb_status == HVIS_SRB_STATUS_INVALID_LUN);
	snprintf(args, sizeof(args), "lun-add file=%s,lun=1", img_b);
	CHECK(ctl(args, &text) < 0 && strstr(text, "disk is fixed"));
	free(text);
	CHECK(ctl("lun-remove 0", &text) < 0 && strstr(text, "disk is fixed"));
	free(text);
	CHECK(ctl("list", &text) == 0 && strstr(text, "ide-disk"));
	CHECK(strstr(text, " ide target 1\n"));
	free(text);
	CHECK(no_more_msgs());
	teardown();
	return true;
}

/*
 * Close a channel, then drop the device, while a request is held at the
 * target: its completion is dropped, everything is freed afterwards (ASan
 * watches).
 */
static bool test_teardown_inflight(void)
{
	char args[160], *text = NULL;
	struct gchan g;
	struct gbuf b;
	struct hvis_vstor_packet p;
	struct hvis_chmsg_relid rel = {
		.header.msgtype = HVIS_CHMSG_RELID_RELEASED,
		.child_relid = 1,
	};
	uint8_t cdb[10];
	unsigned int i;

	snprintf(args, sizeof(args), "file=%s", img_a);
	CHECK(bring_up_stor(args, &g, 8, 8, true));
	CHECK(ctl("fault 0 delay 1 2", &text) == 0);
	free(text);
	gbuf_init(&b, 1, 0, 4096, false);
	rw10(cdb, 0x28, 0, 8);
	srb_init(&p, 0, cdb, 10, HVIS_SRB_DATA_IN, 4096);
	CHECK(send_srb(&g, 1, &p, &b));
	CHECK(send_srb(&g, 2, &p, &b));
	CHECK(vmbus_server_rescind(srv, 1) == 0);
	CHECK(chan_rescinded(1));
	CHECK(post(1, &rel, sizeof(rel)) == 0);
	CHECK(!srv->chans[1]);
	for (i = 0; i < 50; i++) {
		run_fds(5);
		run_timers();
	}
	teardown();
	return true;
}

int main(void)
{
	static const struct ktap_case cases[] = {
		{ "handshake, version fallback, properties, sub-channels", test_handshake },
		{ "WRITE/READ through GPA-direct ranges, INQUIRY, counters", test_read_write },
		{ "invalid LUN/target, read-only write sense, failed requests", test_errors },
		{ "corrupt packets close the channel with a logged reason", test_violations },
		{ "completions survive a full host->guest ring, in order", test_full_ring },
		{ "request pool exhausted: channel waits, then resumes", test_request_pool },
		{ "ctl lun-add/resize/lun-remove send ENUMERATE_BUS; usage errors", test_ctl },
		{ "bad --device arguments fail the offer", test_bad_args },
		{ "IDE controller: class, instance target, no sub-channels, I/O", test_ide },
		{ "teardown with requests in flight", test_teardown_inflight },
	};
	int r;

	strcpy(log_path, "/tmp/hvis-storvsp-log-XXXXXX");
	r = mkstemp(log_path);
	if (r < 0 || !make_image(img_a, 1) || !make_image(img_b, 2) ||
	    !make_image(img_c, 3))
		return 1;
	close(r);
	log_open(log_path);
	r = vmbus_fixture_run("hvcore-storvsp", cases, KTAP_ARRAY_SIZE(cases));
	log_close();
	unlink(img_a);
	unlink(img_b);
	unlink(img_c);
	unlink(log_path);
	return r;
}
