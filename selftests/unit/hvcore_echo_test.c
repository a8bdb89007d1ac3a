// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore's VMBus channels and rings, through the echo VSP:
 * round trips, a full ring, corrupt rings and sub-channels, with the guest's
 * side played by the shared ring code over fake guest RAM.
 */
#include <errno.h>
#include <string.h>

#include "hvcore_vmbus_fixture.h"

static bool check_echo(struct gchan *g, uint64_t tid, const void *want,
		       uint32_t wantlen)
{
	static uint8_t buf[32768];
	struct hvis_vmpacket_desc *d = (void *)buf;
	bool sig;
	uint32_t len = grecv(g, buf, sizeof(buf), &sig);

	CHECK(len >= sizeof(*d));
	CHECK(d->type == HVIS_VMPKT_DATA_INBAND && d->flags == 0 &&
	      d->trans_id == tid && d->offset8 == 2);
	CHECK(len - 16 == ((wantlen + 7) & ~7u));
	CHECK(!memcmp(buf + 16, want, wantlen));
	return true;
}

static bool test_echo(void)
{
	static uint8_t payload[8192], want[16400];
	struct gchan g1, g2;
	struct hvis_monitor_page *mp = pfn_ptr(MON2_PFN);
	uint64_t mpbpfn;
	struct {
		uint32_t reserved, range_count;
		struct {
			uint32_t len, offset;	/* struct hvis_mpb_array */
		} mpb;
		uint64_t pfn[3];
	} __attribute__((packed)) gd;
	uint32_t i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	setup(0);
	CHECK(bring_up(2));
	CHECK(open_chan(&g1, 1, 40, 8, 8));
	CHECK(open_chan(&g2, 2, 41, 8, 8));

	/* Inband on the dedicated-interrupt channel. */
	CHECK(gsend(&g1, HVIS_VMPKT_DATA_INBAND, 0x1234, NULL, 0, payload,
		    1000) == HVRING_OK);
	nsignals = 0;
	gsignal(&g1);
	CHECK(nsignals == 1 && last_signal_relid == 1);
	CHECK(check_echo(&g1, 0x1234, payload, 1000));

	/* GPA direct: inband bytes then a 6000-byte range at offset 300. */
	mpbpfn = alloc_pages(3);
	memcpy((uint8_t *)pfn_ptr(mpbpfn) + 300, payload, 6000);
	memset(&gd, 0, sizeof(gd));
	gd.range_count = 1;
	gd.mpb.len = 6000;
	gd.mpb.offset = 300;
	gd.pfn[0] = mpbpfn;
	gd.pfn[1] = mpbpfn + 1;
	CHECK(gsend(&g1, HVIS_VMPKT_DATA_USING_GPA_DIRECT, 77, &gd,
		    sizeof(gd) - 8, payload + 100, 64) == HVRING_OK);
	gsignal(&g1);
	memcpy(want, payload + 100, 64);
	memcpy(want + 64, payload, 6000);
	CHECK(check_echo(&g1, 77, want, 64 + 6000));

	/* The monitored channel: signalled through monitor page 2. */
	CHECK(gsend(&g2, HVIS_VMPKT_DATA_INBAND, 5, NULL, 0, payload, 24) ==
	      HVRING_OK);
	CHECK(srv->monitor_timer > 0);
	mp->trigger_group[0].pending |= 1u << 0;
	nsignals = 0;
	run_timers();
	CHECK(mp->trigger_group[0].pending == 0);
	CHECK(nsignals == 1 && last_signal_relid == 2);
	CHECK(check_echo(&g2, 5, payload, 24));

	/* Sub-channel request: offers with index 1..2, same GUIDs. */
	{
		char req[16] = "HVECHOSC";
		struct hvis_chmsg_offer *s1, *s2;
		uint32_t two = 2;

		memcpy(req + 8, &two, 4);
		CHECK(gsend(&g1, HVIS_VMPKT_DATA_INBAND, 9, NULL, 0, req,
			    sizeof(req)) == HVRING_OK);
		gsignal(&g1);
		s1 = expect(HVIS_CHMSG_OFFERCHANNEL);
		s2 = expect(HVIS_CHMSG_OFFERCHANNEL);
		CHECK(s1 && s2 && s1->offer.sub_channel_index == 1 &&
		      s2->offer.sub_channel_index == 2);
		CHECK(s1->child_relid == 3 && s2->child_relid == 4);
		CHECK(!memcmp(&s1->offer.if_instance,
			      &srv->chans[1]->dev->instance, 16));
		CHECK(check_echo(&g1, 9, req, sizeof(req)));
	}
	/* Over the payload cap: a protocol violation. */
	CHECK(gsend(&g1, HVIS_VMPKT_DATA_INBAND, 10, NULL, 0, want, 16392) ==
	      HVRING_OK);
	gsignal(&g1);
	CHECK(((struct hvis_chmsg_relid *)
	       expect(HVIS_CHMSG_RESCIND_CHANNELOFFER))->child_relid == 4);
	CHECK(expect(HVIS_CHMSG_RESCIND_CHANNELOFFER));
	CHECK(((struct hvis_chmsg_relid *)
	       expect(HVIS_CHMSG_RESCIND_CHANNELOFFER))->child_relid == 1);
	CHECK(srv->chans[2]->state == CHAN_OPEN);
	teardown();
	return true;
}

/* A small host->guest ring fills: the host waits for room, drops nothing. */
static bool test_backpressure(void)
{
	static uint8_t payload[1024], buf[4096];
	struct gchan g;
	uint32_t sent = 0, got = 0, rounds = 0;
	bool sig;

	setup(0);
	CHECK(bring_up(1));
	CHECK(open_chan(&g, 1, 50, 16, 2));	/* rx: 4 KiB of data */
	while (sent < 40 && gsend(&g, HVIS_VMPKT_DATA_INBAND, sent, NULL, 0,
				  payload, sizeof(payload)) == HVRING_OK)
		sent++;
	CHECK(sent == 40);
	gsignal(&g);
	CHECK(srv->chans[1]->send_blocked);
	CHECK(g.rx.ctl->pending_send_sz > 0);
	while (got < sent && rounds++ < 200) {
		uint32_t len;
		bool any_sig = false;

		while ((len = grecv(&g, buf, sizeof(buf), &sig))) {
			struct hvis_vmpacket_desc *d = (void *)buf;

			CHECK(d->trans_id == got);
			got++;
			any_sig |= sig;
		}
		/* The guest signals only because the host asked. */
		if (got < sent)
			CHECK(any_sig);
		gsignal(&g);
	}
	CHECK(got == 40);
	CHECK(!srv->chans[1]->send_blocked);
	CHECK(srv->chans[1]->pkts_in == 40 && srv->chans[1]->pkts_out == 40);
	teardown();
	return true;
}

static bool test_corrupt(void)
{
	struct gchan g1, g2;
	struct hvis_chmsg_relid rel = {
		.header.msgtype = HVIS_CHMSG_RELID_RELEASED,
	};
	struct hvis_chmsg_relid *r;
	uint8_t payload[64] = { 0 };

	setup(0);
	CHECK(bring_up(3));
	CHECK(open_chan(&g1, 1, 60, 4, 4));
	CHECK(open_chan(&g2, 3, 61, 4, 4));
	/* A write index that is not a multiple of 8. */
	CHECK(gsend(&g1, HVIS_VMPKT_DATA_INBAND, 1, NULL, 0, payload, 8) ==
	      HVRING_OK);
	g1.tx.ctl->write_index = 12;
	gsignal(&g1);
	r = expect(HVIS_CHMSG_RESCIND_CHANNELOFFER);
	CHECK(r && r->child_relid == 1);
	CHECK(srv->chans[1]->state == CHAN_RESCINDED);
	gsignal(&g1);		/* no longer serviced */
	CHECK(no_more_msgs());
	/* A packet type echo does not speak. */
	CHECK(gsend(&g2, HVIS_VMPKT_COMP, 1, NULL, 0, payload, 8) == HVRING_OK);
	gsignal(&g2);
	r = expect(HVIS_CHMSG_RESCIND_CHANNELOFFER);
	CHECK(r && r->child_relid == 3);
	/* The guest releases the relids: channels, GPADLs and devices go. */
	rel.child_relid = 1;
	CHECK(post(1, &rel, sizeof(rel)) == 0);
	rel.child_relid = 3;
	CHECK(post(1, &rel, sizeof(rel)) == 0);
	CHECK(!srv->chans[1] && !srv->chans[3] && srv->chans[2]);
	CHECK(srv->nr_gpadls == 0);
	/* Host-side rescind of a live device, and of one already gone. */
	CHECK(vmbus_server_rescind(srv, 2) == 0);
	r = expect(HVIS_CHMSG_RESCIND_CHANNELOFFER);
	CHECK(r && r->child_relid == 2);
	CHECK(vmbus_server_rescind(srv, 1) == -ENOENT);
	/* The freed relid is reused. */
	CHECK(vmbus_server_add_device(srv, "echo", NULL) == 1);
	teardown();
	return true;
}

/*
 * A GPA-direct range over the very ring bytes the echo is written to: the
 * range is copied out first, so the echo carries the bytes as they were and
 * the ring write never copies between overlapping buffers (ASan would say).
 */
static bool test_echo_overlap(void)
{
	static uint8_t want[8 + 256];
	struct gchan g;
	struct {
		uint32_t reserved, range_count;
		struct {
			uint32_t len, offset;	/* struct hvis_mpb_array */
		} mpb;
		uint64_t pfn;
	} __attribute__((packed)) gd;
	uint64_t dst;
	uint32_t i;

	setup(0);
	CHECK(bring_up(1));
	CHECK(open_chan(&g, 1, 42, 4, 4));
	/* The guest's own bytes in the empty host->guest ring. */
	for (i = 0; i < 512; i++)
		g.rx.data[i] = (uint8_t)(i * 13 + 1);
	/* Where the echoed range lands: after the descriptor and 8 inband bytes. */
	dst = (uint64_t)(g.rx.data - ram) + g.rx.ctl->write_index + 16 + 8;
	memset(&gd, 0, sizeof(gd));
	gd.range_count = 1;
	gd.mpb.len = 256;
	gd.mpb.offset = (uint32_t)(dst % HVIS_PAGE_SIZE) - 8;
	gd.pfn = dst / HVIS_PAGE_SIZE;
	memcpy(want, "inband!!", 8);
	memcpy(want + 8, g.rx.data + 16, 256);
	CHECK(gsend(&g, HVIS_VMPKT_DATA_USING_GPA_DIRECT, 66, &gd, sizeof(gd),
		    "inband!!", 8) == HVRING_OK);
	gsignal(&g);
	CHECK(check_echo(&g, 66, want, sizeof(want)));
	CHECK(srv->chans[1]->state == CHAN_OPEN);
	teardown();
	return true;
}

int main(void)
{
	static const struct ktap_case cases[] = {
		{ "echo round trip (inband, GPA direct, MNF, sub-channels)", test_echo },
		{ "full host->guest ring: wait for room, no drops", test_backpressure },
		{ "corrupt ring and bad packet rescind the device", test_corrupt },
		{ "GPA-direct range over the reply's own ring bytes", test_echo_overlap },
	};

	return vmbus_fixture_run("hvcore-echo", cases, KTAP_ARRAY_SIZE(cases));
}
