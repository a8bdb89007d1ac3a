// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore's synthhid VSP (the synthetic mouse) against a fake
 * guest: handshake and device info, the input reports ctl commands make,
 * malformed guest messages, the test hooks, and queueing on a full ring.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvcore_vmbus_fixture.h"
#include "hvis/synthhid.h"
#include "log.h"
#include "vsp/synthhid.h"

#define PIPE_SZ		sizeof(struct hvis_synthhid_pipe_hdr)

static char log_path[] = "/tmp/hvcore-synthhid-test-XXXXXX";
static char ctl_reply[4096];

/* One pipe message from the guest: @msg behind a pipe header of @pipe_size. */
static int send_msg(struct gchan *g, uint16_t type, const void *msg,
		    uint32_t len, uint32_t pipe_size)
{
	struct hvis_synthhid_pipe_hdr pipe = {
		.type = HVIS_SYNTHHID_PIPE_DATA, .size = pipe_size,
	};
	uint8_t buf[256];

	memcpy(buf, &pipe, sizeof(pipe));
	memcpy(buf + sizeof(pipe), msg, len);
	return gsend(g, type, 0, NULL, 0, buf, sizeof(pipe) + len);
}

static bool send_request(struct gchan *g, uint32_t version)
{
	struct hvis_synthhid_protocol_request req = {
		.header = { HVIS_SYNTHHID_PROTOCOL_REQUEST, 4 },
		.version = version,
	};

	CHECK(send_msg(g, HVIS_VMPKT_DATA_INBAND, &req, sizeof(req),
		       sizeof(req)) == HVRING_OK);
	gsignal(g);
	return true;
}

static bool send_ack(struct gchan *g)
{
	struct hvis_synthhid_device_info_ack ack = {
		.header = { HVIS_SYNTHHID_INITIAL_DEVICE_INFO_ACK, 1 },
	};

	CHECK(send_msg(g, HVIS_VMPKT_DATA_INBAND, &ack, sizeof(ack),
		       sizeof(ack)) == HVRING_OK);
	gsignal(g);
	return true;
}

/*
 * The next host packet, checked against the table as the guest would;
 * returns the message type (or a negative reason), the message in @msg.
 */
static int recv_msg(struct gchan *g, uint8_t **msg, uint32_t *msg_len)
{
	static uint8_t buf[8192];
	struct hvis_vmpacket_desc *d = (void *)buf;
	uint32_t len;
	bool sig;

	len = grecv(g, buf, sizeof(buf), &sig);
	if (!len)
		return -100;	/* ring empty */
	if (len < sizeof(*d) || d->type != HVIS_VMPKT_DATA_INBAND ||
	    d->offset8 != 2) {
		ktap_diag("no inband packet from the host (len %u)", len);
		return -100;
	}
	*msg = buf + 16 + PIPE_SZ;
	return hvis_synthhid_check(buf + 16, len - 16, HVIS_DIR_H2G,
				   HVIS_SYNTHHID_VERSION_2_0, msg_len);
}

static bool ring_empty(struct gchan *g)
{
	uint8_t buf[64];
	bool sig;

	return grecv(g, buf, sizeof(buf), &sig) == 0;
}

/* Run one ctl line on the mouse at relid 1; the reply is in ctl_reply. */
static int ctl(const char *line)
{
	char copy[256], *argv[16], *save = NULL, *tok;
	int argc = 0, r;
	FILE *out = fmemopen(ctl_reply, sizeof(ctl_reply), "w");

	if (!out)
		return -ENOMEM;
	snprintf(copy, sizeof(copy), "%s", line);
	for (tok = strtok_r(copy, " ", &save); tok && argc < 15;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	r = vmbus_server_dev_ctl(srv, "synthhid", 1, argc, argv, out);
	fclose(out);
	return r;
}

/* True if hvcore's log holds @what. */
static bool logged(const char *what)
{
	static char buf[65536];
	FILE *f = fopen(log_path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	if (!strstr(buf, what)) {
		ktap_diag("log lacks \"%s\"", what);
		return false;
	}
	return true;
}

/* A synthhid device (@args) offered and opened; rx ring of @rx_pages. */
static bool mouse_up(struct gchan *g, const char *args, uint32_t rx_pages)
{
	setup(0);
	CHECK(vmbus_server_add_device(srv, "synthhid", args) == 1);
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	CHECK(expect(HVIS_CHMSG_OFFERCHANNEL));
	CHECK(expect(HVIS_CHMSG_ALLOFFERS_DELIVERED));
	CHECK(open_chan(g, 1, 30, 4, rx_pages));
	return true;
}

/* Request, response, device info (checked), ack. */
static bool handshake(struct gchan *g)
{
	const struct hvis_synthhid_protocol_response *resp;
	const struct hvis_synthhid_device_info *di;
	uint8_t *msg;
	uint32_t len;

	CHECK(send_request(g, HVIS_SYNTHHID_VERSION_2_0));
	CHECK(recv_msg(g, &msg, &len) == HVIS_SYNTHHID_PROTOCOL_RESPONSE);
	resp = (const void *)msg;
	CHECK(len == sizeof(*resp) && resp->header.size == 5);
	CHECK(resp->version == 0x00020000 && resp->approved == 1);

	CHECK(recv_msg(g, &msg, &len) == HVIS_SYNTHHID_INITIAL_DEVICE_INFO);
	di = (const void *)msg;
	CHECK(len == sizeof(*di) + synthhid_report_desc_len);
	CHECK(di->header.size == len - 8);
	CHECK(di->info.size == 32 && di->info.vendor == 0x045e &&
	      di->info.product == 0x0621);
	CHECK(di->hid_desc.length == 9 && di->hid_desc.desc_type == 0x21 &&
	      di->hid_desc.num_descs == 1 && di->hid_desc.report_type == 0x22);
	CHECK(di->hid_desc.report_length == synthhid_report_desc_len);
	CHECK(!memcmp(msg + sizeof(*di), synthhid_report_desc,
		      synthhid_report_desc_len));
	CHECK(ring_empty(g));
	/* Input before the ack would be lost in the guest: refused. */
	CHECK(ctl("mouse move 1 1") == -ENOTCONN);
	CHECK(send_ack(g));
	CHECK(srv->chans[1]->state == CHAN_OPEN);
	return true;
}

static bool test_handshake(void)
{
	const struct hvis_synthhid_protocol_response *resp;
	struct gchan g;
	uint8_t *msg;
	uint32_t len;

	CHECK(mouse_up(&g, NULL, 4));
	CHECK(handshake(&g));
	CHECK(ctl("mouse status") == 0);
	CHECK(strstr(ctl_reply, "approved 1 acked 1"));
	teardown();

	/* Version 1.0: refused with the version echoed, no device info. */
	CHECK(mouse_up(&g, NULL, 4));
	CHECK(send_request(&g, HVIS_SYNTHHID_VERSION(1, 0)));
	CHECK(recv_msg(&g, &msg, &len) == HVIS_SYNTHHID_PROTOCOL_RESPONSE);
	resp = (const void *)msg;
	CHECK(resp->version == 0x00010000 && resp->approved == 0);
	CHECK(ring_empty(&g));
	CHECK(logged("synthhid: relid 1: refused protocol version 1.0"));
	CHECK(srv->chans[1]->state == CHAN_OPEN);
	teardown();
	return true;
}

struct want_report {
	uint8_t buttons;
	uint16_t x, y;
	int8_t wheel;
};

static bool expect_report_bytes(const uint8_t *msg, uint32_t len,
				const struct want_report *w)
{
	const uint8_t *r;

	CHECK(hvis_synthhid_report_len(msg, len) == SYNTHHID_REPORT_SIZE);
	CHECK(len == 8 + SYNTHHID_REPORT_SIZE);
	r = msg + 8;
	if (r[0] != w->buttons || (r[1] | r[2] << 8) != w->x ||
	    (r[3] | r[4] << 8) != w->y || (int8_t)r[5] != w->wheel) {
		ktap_diag("report %02x %u %u %d, want %02x %u %u %d", r[0],
			  r[1] | r[2] << 8, r[3] | r[4] << 8, (int8_t)r[5],
			  w->buttons, w->x, w->y, w->wheel);
		return false;
	}
	return true;
}

static bool expect_report(struct gchan *g, const struct want_report *w)
{
	uint8_t *msg;
	uint32_t len;

	CHECK(recv_msg(g, &msg, &len) == HVIS_SYNTHHID_INPUT_REPORT);
	return expect_report_bytes(msg, len, w);
}

static bool test_script(void)
{
	static const char *const script[] = {
		"mouse move 100 200", "mouse click", "mouse wheel -3",
		"mouse down right", "mouse move 32767 0", "mouse up right",
		"mouse click middle", "mouse wheel 127", "move 5 6",
	};
	static const struct want_report want[] = {
		{ 0x00, 100, 200, 0 },
		{ 0x01, 100, 200, 0 }, { 0x00, 100, 200, 0 },
		{ 0x00, 100, 200, -3 },
		{ 0x02, 100, 200, 0 },
		{ 0x02, 32767, 0, 0 },
		{ 0x00, 32767, 0, 0 },
		{ 0x04, 32767, 0, 0 }, { 0x00, 32767, 0, 0 },
		{ 0x00, 32767, 0, 127 },
		{ 0x00, 5, 6, 0 },
	};
	static const char *const bad[] = {
		"mouse move 32768 0", "mouse move -1 0", "mouse move 1",
		"mouse wheel 0", "mouse wheel 128", "mouse click thumb",
		"mouse jump", "mouse inject-oversize 16",
	};
	struct gchan g;
	size_t i;

	CHECK(mouse_up(&g, NULL, 4));
	CHECK(handshake(&g));
	nsignals = 0;
	for (i = 0; i < KTAP_ARRAY_SIZE(script); i++) {
		if (ctl(script[i])) {
			ktap_diag("%s: %s", script[i], ctl_reply);
			return false;
		}
	}
	/* Sent from outside packet(): each command interrupted the guest. */
	CHECK(nsignals >= 1 && last_signal_relid == 1);
	for (i = 0; i < KTAP_ARRAY_SIZE(want); i++)
		CHECK(expect_report(&g, &want[i]));
	CHECK(ring_empty(&g));
	for (i = 0; i < KTAP_ARRAY_SIZE(bad); i++) {
		CHECK(ctl(bad[i]) == -EINVAL);
		CHECK(!strncmp(ctl_reply, "error: ", 7));
	}
	CHECK(ring_empty(&g));
	CHECK(ctl("mouse help") == 0 && strstr(ctl_reply, "mouse wheel N"));
	teardown();
	return true;
}

/* Each malformed message rescinds the device, with its reason logged. */
static bool test_malformed(void)
{
	struct hvis_synthhid_device_info_ack ack = {
		.header = { HVIS_SYNTHHID_INITIAL_DEVICE_INFO_ACK, 1 },
	};
	struct hvis_synthhid_protocol_response resp = {
		.header = { HVIS_SYNTHHID_PROTOCOL_RESPONSE, 5 },
	};
	struct hvis_synthhid_protocol_request req = {
		.header = { HVIS_SYNTHHID_PROTOCOL_REQUEST, 4 },
		.version = HVIS_SYNTHHID_VERSION_2_0,
	};
	struct hvis_synthhid_pipe_hdr bad_pipe = { .type = 0, .size = 12 };
	uint8_t raw[sizeof(bad_pipe) + sizeof(req)];
	struct hvis_chmsg_relid *r;
	struct gchan g;
	int i;

	for (i = 0; i < 7; i++) {
		const char *why = NULL;

		/* log_guest() lets 5 lines a second through past its burst. */
		usleep(250000);
		CHECK(mouse_up(&g, NULL, 4));
		switch (i) {
		case 0:
			memcpy(raw, &bad_pipe, sizeof(bad_pipe));
			memcpy(raw + sizeof(bad_pipe), &req, sizeof(req));
			CHECK(gsend(&g, HVIS_VMPKT_DATA_INBAND, 0, NULL, 0, raw,
				    sizeof(raw)) == HVRING_OK);
			why = "pipe message type is not PIPE_DATA";
			break;
		case 1:	/* pipe size past the packet */
			CHECK(send_msg(&g, HVIS_VMPKT_DATA_INBAND, &req,
				       sizeof(req), 200) == HVRING_OK);
			why = "message shorter than its type or its pipe size";
			break;
		case 2:	/* a request cut short */
			CHECK(send_msg(&g, HVIS_VMPKT_DATA_INBAND, &req, 10,
				       10) == HVRING_OK);
			why = "message shorter than its type or its pipe size";
			break;
		case 3:
			CHECK(send_msg(&g, HVIS_VMPKT_DATA_INBAND, &ack,
				       sizeof(ack), sizeof(ack)) == HVRING_OK);
			why = "message before the protocol was approved";
			break;
		case 4:
			CHECK(send_msg(&g, HVIS_VMPKT_DATA_INBAND, &resp,
				       sizeof(resp), sizeof(resp)) == HVRING_OK);
			why = "message type not sent by a guest";
			break;
		case 5:
			CHECK(send_msg(&g, HVIS_VMPKT_COMP, &req, sizeof(req),
				       sizeof(req)) == HVRING_OK);
			why = "packet type is not inband data";
			break;
		case 6:	/* a second ack */
			CHECK(handshake(&g));
			CHECK(send_msg(&g, HVIS_VMPKT_DATA_INBAND, &ack,
				       sizeof(ack), sizeof(ack)) == HVRING_OK);
			why = "device info ack without device info";
			break;
		}
		gsignal(&g);
		r = expect(HVIS_CHMSG_RESCIND_CHANNELOFFER);
		CHECK(r && r->child_relid == 1);
		CHECK(logged(why));
		teardown();
	}
	return true;
}

/* The test hooks: what the guest's bad-input tests receive. */
static bool test_hooks(void)
{
	const struct hvis_synthhid_device_info *di;
	struct gchan g;
	uint8_t *msg;
	uint32_t len;

	CHECK(mouse_up(&g, NULL, 4));
	CHECK(handshake(&g));
	CHECK(ctl("mouse inject-oversize") == 0);
	CHECK(ctl("mouse inject-oversize 200") == 0);
	CHECK(ctl("mouse inject-short") == 0);
	CHECK(recv_msg(&g, &msg, &len) == HVIS_SYNTHHID_INPUT_REPORT);
	CHECK(len == 8 + 64 && hvis_synthhid_report_len(msg, len) ==
	      HVIS_SYNTHHID_ESIZE);
	CHECK(recv_msg(&g, &msg, &len) == HVIS_SYNTHHID_INPUT_REPORT);
	CHECK(len == 8 + 200 && hvis_synthhid_report_len(msg, len) ==
	      HVIS_SYNTHHID_ESIZE);
	CHECK(recv_msg(&g, &msg, &len) == HVIS_SYNTHHID_INPUT_REPORT);
	CHECK(len == 10 && hvis_synthhid_report_len(msg, len) ==
	      HVIS_SYNTHHID_ESIZE);
	teardown();

	/* bad-descriptor: the report descriptor runs past the message. */
	CHECK(mouse_up(&g, "bad-descriptor", 4));
	CHECK(send_request(&g, HVIS_SYNTHHID_VERSION_2_0));
	CHECK(recv_msg(&g, &msg, &len) == HVIS_SYNTHHID_PROTOCOL_RESPONSE);
	CHECK(recv_msg(&g, &msg, &len) == HVIS_SYNTHHID_INITIAL_DEVICE_INFO);
	di = (const void *)msg;
	CHECK(di->hid_desc.report_length > len - sizeof(*di));
	teardown();

	CHECK(mouse_up(&g, "bad-descriptor=short-hid", 4));
	CHECK(send_request(&g, HVIS_SYNTHHID_VERSION_2_0));
	CHECK(recv_msg(&g, &msg, &len) == HVIS_SYNTHHID_PROTOCOL_RESPONSE);
	CHECK(recv_msg(&g, &msg, &len) == HVIS_SYNTHHID_INITIAL_DEVICE_INFO);
	di = (const void *)msg;
	CHECK(di->hid_desc.length < 9);
	teardown();

	setup(0);
	CHECK(vmbus_server_add_device(srv, "synthhid", "sideways") < 0);
	teardown();
	return true;
}

/*
 * Reports the guest does not read: the ring fills, the rest wait in the
 * VSP's queue, a full queue is a ctl error, and once the guest reads every
 * accepted report arrives, in order.
 */
static bool test_full_ring(void)
{
	struct gchan g;
	uint32_t accepted = 0, got = 0, rounds = 0;
	char line[64];
	int r = 0;

	CHECK(mouse_up(&g, NULL, 2));	/* rx: 4 KiB of data */
	CHECK(handshake(&g));
	while (accepted < 1000) {
		snprintf(line, sizeof(line), "mouse move %u 7", accepted);
		r = ctl(line);
		if (r)
			break;
		accepted++;
	}
	CHECK(r == -ENOBUFS);
	CHECK(strstr(ctl_reply, "error: ") &&
	      strstr(ctl_reply, "wait for the guest"));
	/* About 85 fit the ring, up to 64 more the queue. */
	CHECK(accepted > 100 && accepted < 160);
	CHECK(srv->chans[1]->send_blocked);
	while (got < accepted && rounds++ < 50) {
		uint8_t *msg;
		uint32_t len;

		for (;;) {
			struct want_report w = { 0, (uint16_t)got, 7, 0 };
			int t = recv_msg(&g, &msg, &len);

			if (t == -100)
				break;
			CHECK(t == HVIS_SYNTHHID_INPUT_REPORT);
			CHECK(expect_report_bytes(msg, len, &w));
			got++;
		}
		gsignal(&g);
	}
	if (got != accepted)
		ktap_diag("got %u of %u reports", got, accepted);
	CHECK(got == accepted);
	CHECK(!srv->chans[1]->send_blocked);
	CHECK(ctl("mouse status") == 0 && strstr(ctl_reply, "queued 0"));
	teardown();
	return true;
}

int main(void)
{
	static const struct ktap_case cases[] = {
		{ "handshake, device info, version refused", test_handshake },
		{ "ctl script makes exactly the expected reports", test_script },
		{ "malformed guest messages rescind, reason logged", test_malformed },
		{ "test hooks: oversize/short reports, bad descriptors", test_hooks },
		{ "full ring: reports queue, bounded, delivered in order", test_full_ring },
	};
	int fd = mkstemp(log_path), r;

	if (fd < 0)
		return 1;
	close(fd);
	log_open(log_path);
	r = vmbus_fixture_run("synthhid", cases, KTAP_ARRAY_SIZE(cases));
	log_close();
	if (!getenv("KEEP_LOG")) unlink(log_path); else fprintf(stderr, "%s\n", log_path);
	return r;
}
