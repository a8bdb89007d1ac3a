// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore's synthetic keyboard VSP against a fake guest: the
 * handshake, the exact events of `type` and `key`, LED state, malformed
 * packets and a full host->guest ring.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvcore_vmbus_fixture.h"
#include "hvis/synthkbd.h"
#include "log.h"

#define KBD_RELID	1

/* A key event as the guest sees it: make code, bit 8 break, bit 9 E0. */
#define MK(c)		(c)
#define BRK(c)		((c) | 0x100)
#define E0(c)		((c) | 0x200)

static char log_path[] = "/tmp/hvcore-synthkbd-test-XXXXXX";

/* Run one control command, split on blanks the way hvcore's socket does. */
static int kbd_ctl(const char *line, char *reply, size_t size)
{
	char buf[8192], *argv[64], *save = NULL, *tok;
	FILE *out = fmemopen(reply, size, "w");
	int argc = 0, r;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " \t", &save); tok && argc < 63;
	     tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (!out)
		return -1;
	r = vmbus_server_dev_ctl(srv, "synthkbd", KBD_RELID, argc, argv, out);
	fclose(out);
	return r;
}

static bool kbd_send(struct gchan *g, uint64_t tid, const void *msg,
		     uint32_t len)
{
	CHECK(gsend(g, HVIS_VMPKT_DATA_INBAND, tid, NULL, 0, msg, len) ==
	      HVRING_OK);
	gsignal(g);
	return true;
}

/*
 * Offer a keyboard with @args, connect, open its channel with an @rx_pages
 * ring.
 */
static bool kbd_up_args(struct gchan *g, uint32_t rx_pages, const char *args)
{
	struct hvis_chmsg_offer *o;

	setup(0);
	CHECK(log_open(log_path) == 0);
	CHECK(vmbus_server_add_device(srv, "synthkbd", args) == KBD_RELID);
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	o = expect(HVIS_CHMSG_OFFERCHANNEL);
	CHECK(o && !(o->monitor_flags & HVIS_OFFER_MONITOR_ALLOCATED));
	CHECK(!memcmp(&o->offer.if_type,
		      &(struct hvis_guid)HVIS_SYNTHKBD_CLASS_GUID, 16));
	CHECK(expect(HVIS_CHMSG_ALLOFFERS_DELIVERED));
	CHECK(open_chan(g, KBD_RELID, 90, 4, rx_pages));
	return true;
}

/* Most cases want every event at once: no pacing. */
static bool kbd_up(struct gchan *g, uint32_t rx_pages)
{
	return kbd_up_args(g, rx_pages, "interval_ms=0");
}

/* The protocol request; true if the host answered with @accepted. */
static bool kbd_handshake(struct gchan *g, uint32_t version, bool accepted)
{
	struct hvis_synthkbd_protocol_request req = {
		.header.type = HVIS_SYNTHKBD_PROTOCOL_REQUEST,
		.version = version,
	};
	uint8_t buf[64];
	struct hvis_vmpacket_desc *d = (void *)buf;
	struct hvis_synthkbd_protocol_response *resp = (void *)(buf + 16);
	bool sig;

	CHECK(kbd_send(g, 0xabc, &req, sizeof(req)));
	CHECK(grecv(g, buf, sizeof(buf), &sig) == 16 + 8);
	CHECK(d->type == HVIS_VMPKT_DATA_INBAND && d->trans_id == 0xabc);
	CHECK(resp->header.type == HVIS_SYNTHKBD_PROTOCOL_RESPONSE);
	CHECK(resp->status == (accepted ? HVIS_SYNTHKBD_PROTOCOL_ACCEPTED : 0));
	return true;
}

/* The next key event on the guest's ring, as MK/BRK/E0, or -1. */
static int kbd_next_event(struct gchan *g)
{
	uint8_t buf[64];
	struct hvis_vmpacket_desc *d = (void *)buf;
	struct hvis_synthkbd_keystroke *ks = (void *)(buf + 16);
	bool sig;
	uint32_t len = grecv(g, buf, sizeof(buf), &sig);
	int ev;

	if (len != 16 + 16 || d->type != HVIS_VMPKT_DATA_INBAND ||
	    ks->header.type != HVIS_SYNTHKBD_EVENT ||
	    ks->make_code > HVIS_SYNTHKBD_MAKE_CODE_MAX ||
	    (ks->info & ~(HVIS_SYNTHKBD_INFO_BREAK | HVIS_SYNTHKBD_INFO_E0)))
		return -1;
	ev = ks->make_code;
	if (ks->info & HVIS_SYNTHKBD_INFO_BREAK)
		ev |= 0x100;
	if (ks->info & HVIS_SYNTHKBD_INFO_E0)
		ev |= 0x200;
	return ev;
}

static bool kbd_expect_events(struct gchan *g, const int *want, int n)
{
	int i, ev;

	for (i = 0; i < n; i++) {
		ev = kbd_next_event(g);
		if (ev != want[i])
			ktap_diag("event %d: got 0x%x, want 0x%x", i, ev,
				  want[i]);
		CHECK(ev == want[i]);
	}
	CHECK(kbd_next_event(g) == -1);
	return true;
}

static bool log_has(const char *what)
{
	return log_file_has(log_path, what);
}

static void kbd_down(void)
{
	log_close();
	teardown();
}

static bool test_handshake(void)
{
	struct gchan g;
	char reply[2048];

	CHECK(kbd_up(&g, 4));
	/* Nothing to type into before the guest's driver connects. */
	CHECK(kbd_ctl("type x", reply, sizeof(reply)) < 0);
	CHECK(strstr(reply, "error: the guest's keyboard driver is not connected"));
	/* A version the host does not speak: refused, still unconnected. */
	CHECK(kbd_handshake(&g, HVIS_SYNTHKBD_VERSION(2, 0), false));
	CHECK(log_has("refused protocol version 2.0"));
	CHECK(kbd_ctl("status", reply, sizeof(reply)) == 0);
	CHECK(!strncmp(reply, "connected no", 12));
	/* The in-tree driver's 1.0. */
	CHECK(kbd_handshake(&g, HVIS_SYNTHKBD_VERSION_1_0, true));
	CHECK(kbd_ctl("status", reply, sizeof(reply)) == 0);
	CHECK(!strncmp(reply, "connected yes version 1.0 queued 0", 34));
	CHECK(kbd_ctl("help", reply, sizeof(reply)) == 0);
	CHECK(strstr(reply, "pagedown"));
	CHECK(kbd_ctl("frobnicate", reply, sizeof(reply)) < 0);
	CHECK(kbd_ctl("key nosuchkey", reply, sizeof(reply)) < 0);
	CHECK(strstr(reply, "no key named 'nosuchkey'"));
	CHECK(kbd_ctl("type caf\xc3\xa9", reply, sizeof(reply)) < 0);
	CHECK(strstr(reply, "cannot type byte 0xc3"));
	CHECK(kbd_next_event(&g) == -1);	/* refused whole: nothing sent */
	kbd_down();
	return true;
}

static bool test_type(void)
{
	static const int want[] = {
		MK(0x2a), MK(0x23), BRK(0x23), BRK(0x2a),	/* H */
		MK(0x12), BRK(0x12), MK(0x26), BRK(0x26),	/* e l */
		MK(0x26), BRK(0x26), MK(0x18), BRK(0x18),	/* l o */
		MK(0x33), BRK(0x33), MK(0x39), BRK(0x39),	/* , space */
		MK(0x2a), MK(0x11), BRK(0x11), BRK(0x2a),	/* W */
		MK(0x18), BRK(0x18), MK(0x13), BRK(0x13),	/* o r */
		MK(0x26), BRK(0x26), MK(0x20), BRK(0x20),	/* l d */
		MK(0x39), BRK(0x39), MK(0x02), BRK(0x02),	/* space 1 */
		MK(0x03), BRK(0x03), MK(0x04), BRK(0x04),	/* 2 3 */
	};
	static const int want_key[] = {
		MK(0x1d), MK(0x38), E0(0x53), E0(BRK(0x53)), BRK(0x38),
		BRK(0x1d),
	};
	static const int want_sym[] = {
		MK(0x2a), MK(0x03), BRK(0x03), BRK(0x2a),	/* @ */
		MK(0x2b), BRK(0x2b), MK(0x2a), MK(0x1b),	/* \ } */
		BRK(0x1b), BRK(0x2a), MK(0x2a), MK(0x29),	/* ~ */
		BRK(0x29), BRK(0x2a),
	};
	struct gchan g;
	char reply[512];

	CHECK(kbd_up(&g, 4));
	CHECK(kbd_handshake(&g, HVIS_SYNTHKBD_VERSION_1_0, true));
	nsignals = 0;
	CHECK(kbd_ctl("type Hello, World 123", reply, sizeof(reply)) == 0);
	CHECK(nsignals >= 1 && last_signal_relid == KBD_RELID);
	CHECK(kbd_expect_events(&g, want, KTAP_ARRAY_SIZE(want)));
	CHECK(kbd_ctl("key ctrl alt del", reply, sizeof(reply)) == 0);
	CHECK(kbd_expect_events(&g, want_key, KTAP_ARRAY_SIZE(want_key)));
	CHECK(kbd_ctl("type @\\}~", reply, sizeof(reply)) == 0);
	CHECK(kbd_expect_events(&g, want_sym, KTAP_ARRAY_SIZE(want_sym)));
	CHECK(kbd_ctl("status", reply, sizeof(reply)) == 0);
	CHECK(strstr(reply, "sent 56 refused 0"));
	kbd_down();
	return true;
}

static bool test_leds(void)
{
	struct hvis_synthkbd_led_indicators led = {
		.header.type = HVIS_SYNTHKBD_LED_INDICATORS,
	};
	struct gchan g;
	char reply[512];

	CHECK(kbd_up(&g, 4));
	/* Before the handshake the guest has no say. */
	led.led_flags = HVIS_SYNTHKBD_LED_NUM_LOCK;
	CHECK(kbd_send(&g, 0, &led, sizeof(led)));
	CHECK(kbd_ctl("leds", reply, sizeof(reply)) == 0);
	CHECK(!strcmp(reply, "leds caps=0 num=0 scroll=0 raw=0x0 updates=0\n"));
	CHECK(log_has("message before the protocol was accepted"));
	CHECK(kbd_handshake(&g, HVIS_SYNTHKBD_VERSION_1_0, true));
	led.led_flags = HVIS_SYNTHKBD_LED_CAPS_LOCK;
	CHECK(kbd_send(&g, 0, &led, sizeof(led)));
	CHECK(kbd_ctl("leds", reply, sizeof(reply)) == 0);
	CHECK(!strcmp(reply, "leds caps=1 num=0 scroll=0 raw=0x4 updates=1\n"));
	led.led_flags = HVIS_SYNTHKBD_LED_ALL;
	/* Only the 6 bytes up to led_flags are required. */
	CHECK(kbd_send(&g, 0, &led, HVIS_SYNTHKBD_LED_MIN_SIZE));
	CHECK(kbd_ctl("leds", reply, sizeof(reply)) == 0);
	CHECK(!strcmp(reply, "leds caps=1 num=1 scroll=1 raw=0x7 updates=2\n"));
	kbd_down();
	return true;
}

static bool test_malformed(void)
{
	struct hvis_synthkbd_led_indicators led = {
		.header.type = HVIS_SYNTHKBD_LED_INDICATORS,
		.led_flags = 0x80,
	};
	struct hvis_synthkbd_keystroke ks = {
		.header.type = HVIS_SYNTHKBD_EVENT, .make_code = 0x1e,
	};
	struct {
		uint32_t reserved, range_count, len, offset;
		uint64_t pfn;
	} gd = { 0, 1, 8, 0, FIRST_FREE_PFN };
	uint32_t unknown = 99;
	uint8_t big[300] = { HVIS_SYNTHKBD_LED_INDICATORS };
	struct gchan g;
	char reply[512];

	CHECK(kbd_up(&g, 4));
	CHECK(kbd_handshake(&g, HVIS_SYNTHKBD_VERSION_1_0, true));
	CHECK(kbd_send(&g, 1, &unknown, 0));	/* no message at all */
	CHECK(log_has("message shorter than its type needs"));
	CHECK(kbd_send(&g, 2, &ks, sizeof(ks)));	/* host-to-guest type */
	CHECK(kbd_send(&g, 3, &unknown, sizeof(unknown)));
	CHECK(log_has("message type unknown or sent the wrong way"));
	CHECK(kbd_send(&g, 4, big, sizeof(big)));
	CHECK(log_has("message over 256 bytes"));
	CHECK(kbd_send(&g, 5, &led, sizeof(led)));
	CHECK(log_has("unknown LED bits"));
	CHECK(gsend(&g, HVIS_VMPKT_DATA_USING_GPA_DIRECT, 6, &gd, sizeof(gd),
		    &led, sizeof(led)) == HVRING_OK);
	gsignal(&g);
	CHECK(log_has("relid 1: dropped a packet: not an inband packet"));
	/* Dropped, not fatal: the keyboard is still there and working. */
	CHECK(no_more_msgs());
	CHECK(srv->chans[KBD_RELID]->state == CHAN_OPEN);
	CHECK(kbd_ctl("status", reply, sizeof(reply)) == 0);
	CHECK(strstr(reply, "connected yes") && strstr(reply, "refused 6"));
	CHECK(kbd_ctl("leds", reply, sizeof(reply)) == 0);
	CHECK(strstr(reply, "raw=0x0 updates=0"));
	CHECK(kbd_ctl("key a", reply, sizeof(reply)) == 0);
	CHECK(kbd_next_event(&g) == MK(0x1e));
	CHECK(kbd_next_event(&g) == BRK(0x1e));
	kbd_down();
	return true;
}

/*
 * A ring of one data page holds about a hundred events: the rest wait
 * in the VSP's queue and follow as the guest reads, none lost, in order; a
 * command that would overflow the queue is refused whole.
 */
static bool test_full_ring(void)
{
	static char line[2100];
	struct gchan g;
	char reply[512];
	uint32_t got = 0, rounds = 0;
	int i, ev;

	CHECK(kbd_up(&g, 2));
	CHECK(kbd_handshake(&g, HVIS_SYNTHKBD_VERSION_1_0, true));
	/* "type aaa...": 2000 events a command; 4 fit the 8192-event queue. */
	memcpy(line, "type ", 5);
	memset(line + 5, 'a', 1000);
	for (i = 0; i < 4; i++)
		CHECK(kbd_ctl(line, reply, sizeof(reply)) == 0);
	CHECK(srv->chans[KBD_RELID]->send_blocked);
	CHECK(kbd_ctl(line, reply, sizeof(reply)) < 0);
	CHECK(strstr(reply, "error: keyboard queue full"));
	CHECK(kbd_ctl("status", reply, sizeof(reply)) == 0);
	reply[strcspn(reply, "\n")] = 0;
	ktap_diag("with a full ring: %s", reply);
	while (got < 8000 && rounds++ < 1000) {
		while ((ev = kbd_next_event(&g)) >= 0) {
			CHECK(ev == (got & 1 ? BRK(0x1e) : MK(0x1e)));
			got++;
		}
		gsignal(&g);	/* writable() refills the ring */
	}
	CHECK(got == 8000);
	CHECK(!srv->chans[KBD_RELID]->send_blocked);
	CHECK(kbd_ctl("status", reply, sizeof(reply)) == 0);
	CHECK(strstr(reply, "queued 0 sent 8000 "));
	/* Room again. */
	CHECK(kbd_ctl("key b", reply, sizeof(reply)) == 0);
	CHECK(kbd_next_event(&g) == MK(0x30));
	CHECK(kbd_next_event(&g) == BRK(0x30));
	kbd_down();
	return true;
}

/*
 * Paced (the default): one event per timer tick, in order; a full ring
 * stops the timer and writable() restarts it.
 */
static bool test_paced(void)
{
	static const int want[] = {
		MK(0x2a), MK(0x1e), BRK(0x1e), BRK(0x2a), MK(0x30), BRK(0x30),
	};
	static char line[256];
	struct gchan g;
	char reply[512];
	int i, ev;

	setup(0);
	CHECK(log_open(log_path) == 0);
	CHECK(vmbus_server_add_device(srv, "synthkbd", "interval_ms=x") < 0);
	CHECK(vmbus_server_add_device(srv, "synthkbd", "interval_ms=1001") < 0);
	CHECK(vmbus_server_add_device(srv, "synthkbd", "speed=3") < 0);
	CHECK(log_has("bad arguments \"speed=3\""));
	kbd_down();
	CHECK(kbd_up_args(&g, 4, NULL));
	CHECK(kbd_handshake(&g, HVIS_SYNTHKBD_VERSION_1_0, true));
	CHECK(kbd_ctl("type Ab", reply, sizeof(reply)) == 0);
	for (i = 0; i < KTAP_ARRAY_SIZE(want); i++) {
		CHECK(kbd_next_event(&g) == want[i]);
		CHECK(kbd_next_event(&g) == -1);	/* the next waits */
		run_timers();
	}
	CHECK(kbd_ctl("status", reply, sizeof(reply)) == 0);
	CHECK(strstr(reply, "queued 0 sent 6 "));
	kbd_down();

	/* A one-page ring fills at the pace too; none lost. */
	CHECK(kbd_up_args(&g, 2, "interval_ms=1"));
	CHECK(kbd_handshake(&g, HVIS_SYNTHKBD_VERSION_1_0, true));
	memcpy(line, "type ", 5);
	memset(line + 5, 'a', 130);
	CHECK(kbd_ctl(line, reply, sizeof(reply)) == 0);
	for (i = 0; i < 300; i++)
		run_timers();
	CHECK(srv->chans[KBD_RELID]->send_blocked);
	for (i = 0; i < 260; i++) {
		ev = kbd_next_event(&g);
		if (ev < 0) {
			gsignal(&g);
			run_timers();
			ev = kbd_next_event(&g);
		}
		CHECK(ev == (i & 1 ? BRK(0x1e) : MK(0x1e)));
	}
	CHECK(kbd_next_event(&g) == -1);
	kbd_down();
	return true;
}

int main(void)
{
	static const struct ktap_case cases[] = {
		{ "protocol handshake: 1.0 accepted, others refused", test_handshake },
		{ "type and key: exact scan code events", test_type },
		{ "LED indicators from the guest reach `leds`", test_leds },
		{ "malformed packets dropped with a logged reason", test_malformed },
		{ "full host->guest ring: events queue, none lost", test_full_ring },
		{ "paced events: one per tick, ring full and refilled", test_paced },
	};
	int fd = mkstemp(log_path), r;

	if (fd < 0)
		return 1;
	close(fd);
	r = vmbus_fixture_run("hvcore-synthkbd", cases, KTAP_ARRAY_SIZE(cases));
	unlink(log_path);
	return r;
}
