// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore's IC services against a fake guest: negotiation,
 * heartbeat alive/missing, shutdown and timesync requests with deferred
 * control replies, KVP get/list and its UTF-16 conversions, and guest
 * answers that break the protocol.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake_ctl.h"
#include "hvcore_vmbus_fixture.h"
#include "hvis/ic.h"
#include "log.h"
#include "hvis/kvp_utf.h"
#include "vsp/vsp.h"

#define IC_RELID	1

static char log_path[] = "/tmp/hvcore-ic-test-XXXXXX";

/* One host->guest packet as the guest reads it. */
struct gpkt {
	uint8_t buf[16384];
	uint32_t len;		/* payload bytes */
	uint64_t tid;
	uint8_t *msg;		/* the payload: pipe header, IC header, body */
};

static bool ic_up(struct gchan *g, const char *vsp, const char *args)
{
	setup(0);
	fake_ctl_reset();
	CHECK(log_open(log_path) == 0);
	CHECK(vmbus_server_add_device(srv, vsp, args) == IC_RELID);
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	CHECK(expect(HVIS_CHMSG_OFFERCHANNEL));
	CHECK(expect(HVIS_CHMSG_ALLOFFERS_DELIVERED));
	CHECK(open_chan(g, IC_RELID, 90, 8, 8));
	return true;
}

/* The next packet from the host; false if there is none. */
static bool ic_recv(struct gchan *g, struct gpkt *p)
{
	struct hvis_vmpacket_desc *d = (void *)p->buf;
	bool sig;
	uint32_t n = grecv(g, p->buf, sizeof(p->buf), &sig);

	if (!n || d->type != HVIS_VMPKT_DATA_INBAND)
		return false;
	p->msg = p->buf + d->offset8 * 8u;
	p->len = n - d->offset8 * 8u;
	p->tid = d->trans_id;
	return true;
}

static struct hvis_icmsg_hdr *hdr_of(const struct gpkt *p)
{
	return (struct hvis_icmsg_hdr *)(p->msg + sizeof(struct hvis_vmbuspipe_hdr));
}

static void *body_of(const struct gpkt *p)
{
	return p->msg + HVIS_ICMSG_HDR_SIZE;
}

/* Answer @p in place with @status, as hv_utils does. */
static bool ic_answer(struct gchan *g, struct gpkt *p, uint32_t status)
{
	hdr_of(p)->icflags = HVIS_ICMSGHDRFLAG_TRANSACTION |
			     HVIS_ICMSGHDRFLAG_RESPONSE;
	hdr_of(p)->status = status;
	CHECK(gsend(g, HVIS_VMPKT_DATA_INBAND, p->tid, NULL, 0, p->msg,
		    p->len) == HVRING_OK);
	gsignal(g);
	return true;
}

/* Receive the NEGOTIATE, check the lists, answer with @fw/@srv (0: none). */
static bool ic_negotiate(struct gchan *g, uint16_t nsrv, uint32_t srv)
{
	struct hvis_icmsg_negotiate *neg;
	struct gpkt p;

	CHECK(ic_recv(g, &p));
	CHECK(hdr_of(&p)->icmsgtype == HVIS_ICMSGTYPE_NEGOTIATE);
	CHECK(hdr_of(&p)->icflags == (HVIS_ICMSGHDRFLAG_TRANSACTION |
				      HVIS_ICMSGHDRFLAG_REQUEST));
	CHECK(hvis_ic_check(p.msg, p.len, 0xffff) == HVIS_ICMSGTYPE_NEGOTIATE);
	neg = body_of(&p);
	CHECK(neg->icframe_vercnt == 2 && neg->icmsg_vercnt == nsrv);
	CHECK(neg->icversion_data[0].major == 3 && neg->icversion_data[1].major == 1);
	if (srv) {
		neg->icframe_vercnt = 1;
		neg->icmsg_vercnt = 1;
		neg->icversion_data[0] = neg->icversion_data[0];
		neg->icversion_data[1].major = (uint16_t)HVIS_IC_VERSION_MAJOR(srv);
		neg->icversion_data[1].minor = (uint16_t)HVIS_IC_VERSION_MINOR(srv);
	} else {
		neg->icframe_vercnt = 0;
		neg->icmsg_vercnt = 0;
	}
	return ic_answer(g, &p, HVIS_HV_S_OK);
}

/* Run a control command on the device, split on blanks. */
static int ic_ctl(const char *vsp, const char *line, char *reply, size_t size)
{
	char buf[1024], *argv[32], *save = NULL, *tok;
	FILE *out = fmemopen(reply, size, "w");
	int argc = 0, r;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 31;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (!out)
		return -1;
	r = vmbus_server_dev_ctl(srv, vsp, IC_RELID, argc, argv, out);
	fclose(out);
	return r;
}

static bool rescinded(void)
{
	struct hvis_chmsg_relid *r = expect(HVIS_CHMSG_RESCIND_CHANNELOFFER);

	return r && r->child_relid == IC_RELID;
}

static bool test_heartbeat(void)
{
	struct hvis_chmsg_relid close = {
		.header.msgtype = HVIS_CHMSG_CLOSECHANNEL,
		.child_relid = IC_RELID,
	};
	struct hvis_ic_heartbeat_msg *hb;
	char reply[256];
	struct gchan g;
	struct gpkt p;

	CHECK(ic_up(&g, "heartbeat", "interval_ms=600000,timeout_ms=600000"));
	CHECK(ic_ctl("heartbeat", "heartbeat", reply, sizeof(reply)) == 0);
	CHECK(!strcmp(reply, "not-connected\n"));
	CHECK(ic_negotiate(&g, 2, HVIS_IC_HB_VERSION_3_0));
	/* Right after the versions: sequence 1. */
	CHECK(ic_recv(&g, &p));
	CHECK(hdr_of(&p)->icmsgtype == HVIS_ICMSGTYPE_HEARTBEAT);
	CHECK(hdr_of(&p)->icvermsg.major == 3);
	hb = body_of(&p);
	CHECK(hb->seq_num == 1);
	hb->seq_num++;
	CHECK(ic_answer(&g, &p, HVIS_HV_S_OK));
	CHECK(ic_ctl("heartbeat", "heartbeat", reply, sizeof(reply)) == 0);
	CHECK(!strncmp(reply, "alive seq 1 ", 12));
	/* The guest closes the channel (rmmod hv_utils): missing at once. */
	CHECK(post(1, &close, sizeof(close)) == 0);
	CHECK(ic_ctl("heartbeat", "heartbeat", reply, sizeof(reply)) == 0);
	CHECK(!strncmp(reply, "missing ", 8) && strstr(reply, "closed the channel"));
	teardown();
	return true;
}

static bool test_no_common_version(void)
{
	char reply[256];
	struct gchan g;
	struct gpkt p;

	CHECK(ic_up(&g, "heartbeat", "interval_ms=600000"));
	CHECK(ic_negotiate(&g, 2, 0));
	/* Nothing more is sent, and the device stays. */
	CHECK(!ic_recv(&g, &p));
	CHECK(no_more_msgs());
	CHECK(ic_ctl("heartbeat", "heartbeat", reply, sizeof(reply)) == 0);
	CHECK(!strcmp(reply, "not-connected\n"));
	teardown();
	return true;
}

/* Answers the host must not accept; each rescinds the device. */
static bool test_violations(void)
{
	struct hvis_icmsg_negotiate *neg;
	struct gchan g;
	struct gpkt p;
	int i;

	for (i = 0; i < 4; i++) {
		CHECK(ic_up(&g, "heartbeat", "interval_ms=600000"));
		CHECK(ic_recv(&g, &p));
		neg = body_of(&p);
		neg->icframe_vercnt = 1;
		neg->icmsg_vercnt = 1;
		switch (i) {
		case 0:	/* a version it never offered */
			neg->icversion_data[1].major = 9;
			break;
		case 1:	/* another transaction */
			p.tid += 5;
			break;
		case 2:	/* counts past the packet */
			neg->icmsg_vercnt = 90;
			break;
		case 3:	/* no response flag */
			CHECK(gsend(&g, HVIS_VMPKT_DATA_INBAND, p.tid, NULL, 0,
				    p.msg, p.len) == HVRING_OK);
			gsignal(&g);
			CHECK(rescinded());
			teardown();
			continue;
		}
		CHECK(ic_answer(&g, &p, HVIS_HV_S_OK));
		CHECK(rescinded());
		teardown();
	}
	return true;
}

static bool test_shutdown(void)
{
	struct hvis_ic_shutdown_msg *m;
	char reply[256];
	struct gchan g;
	struct gpkt p;

	CHECK(ic_up(&g, "shutdown", NULL));
	CHECK(ic_ctl("shutdown", "shutdown", reply, sizeof(reply)) == -ENOTCONN);
	CHECK(ic_negotiate(&g, 4, HVIS_IC_SD_VERSION_3_2));
	CHECK(ic_ctl("shutdown", "shutdown", reply, sizeof(reply)) == VSP_CTL_PENDING);
	CHECK(fake_ctl_deferred == 1 && fake_ctl_finished == 0);
	CHECK(ic_recv(&g, &p));
	CHECK(hdr_of(&p)->icmsgtype == HVIS_ICMSGTYPE_SHUTDOWN);
	m = body_of(&p);
	CHECK(m->flags == HVIS_IC_SHUTDOWN_POWEROFF);
	CHECK(ic_answer(&g, &p, HVIS_HV_S_OK));
	CHECK(fake_ctl_finished == 1 && !strcmp(fake_ctl_reply, "ok\n"));
	/* A refusal reaches the control client as an error. */
	CHECK(ic_ctl("shutdown", "reboot force", reply, sizeof(reply)) == VSP_CTL_PENDING);
	CHECK(ic_recv(&g, &p));
	m = body_of(&p);
	CHECK(m->flags == (HVIS_IC_SHUTDOWN_REBOOT | HVIS_IC_SHUTDOWN_FLAG_FORCE));
	CHECK(ic_answer(&g, &p, HVIS_HV_E_FAIL));
	CHECK(fake_ctl_finished == 2 && fake_ctl_err < 0 &&
	      strstr(fake_ctl_reply, "refused (status 0x80004005)"));
	/* A request still waiting when the device goes is answered too. */
	CHECK(ic_ctl("shutdown", "hibernate", reply, sizeof(reply)) == VSP_CTL_PENDING);
	CHECK(vmbus_server_rescind(srv, IC_RELID) == 0);
	CHECK(fake_ctl_finished == 3 && fake_ctl_err < 0 &&
	      !strncmp(fake_ctl_reply, "error: ", 7));
	teardown();
	return true;
}

static bool test_timesync(void)
{
	struct hvis_ic_timesync_ref_msg *t;
	struct timespec now;
	uint64_t host;
	char reply[256];
	struct gchan g;
	struct gpkt p;

	CHECK(ic_up(&g, "timesync", "interval_ms=0"));
	CHECK(ic_negotiate(&g, 3, HVIS_IC_TS_VERSION_4_0));
	/* A SYNC right after the versions, stamped with the host's clock now. */
	CHECK(ic_recv(&g, &p));
	CHECK(hdr_of(&p)->icmsgtype == HVIS_ICMSGTYPE_TIMESYNC);
	t = body_of(&p);
	clock_gettime(CLOCK_REALTIME, &now);
	host = HVIS_IC_WLTIMEDELTA + (uint64_t)now.tv_sec * 10000000ull +
	       (uint64_t)now.tv_nsec / 100;
	CHECK(t->flags == HVIS_ICTIMESYNCFLAG_SYNC);
	CHECK(t->parenttime <= host && host - t->parenttime < 10000000ull);
	CHECK(ic_answer(&g, &p, HVIS_HV_S_OK));
	CHECK(ic_ctl("timesync", "time sample", reply, sizeof(reply)) == VSP_CTL_PENDING);
	CHECK(ic_recv(&g, &p));
	t = body_of(&p);
	CHECK(t->flags == HVIS_ICTIMESYNCFLAG_SAMPLE);
	CHECK(ic_answer(&g, &p, HVIS_HV_S_OK));
	CHECK(!strcmp(fake_ctl_reply, "ok\n"));
	CHECK(ic_ctl("timesync", "time", reply, sizeof(reply)) == 0);
	CHECK(strstr(reply, "version 4.0 samples 1 syncs 1"));
	teardown();
	return true;
}

/* The guest's side of a KVP exchange: @key -> @value, as UTF-16. */
static bool kvp_answer_value(struct gchan *g, struct gpkt *p,
			     const char *key, const char *value)
{
	struct hvis_kvp_msg *m = body_of(p);
	struct hvis_kvp_exchg_msg_value *v = &m->body.kvp_enum_data.data;
	int n;

	if (m->kvp_hdr.operation == HVIS_KVP_OP_GET)
		v = &m->body.kvp_get;
	n = hvis_utf8_to_utf16(key, 512, v->key, sizeof(v->key) / 2);
	CHECK(n > 0);
	v->key_size = (uint32_t)n * 2;
	n = hvis_utf8_to_utf16(value, 2048, v->value, sizeof(v->value) / 2);
	CHECK(n > 0);
	v->value_size = (uint32_t)n * 2;
	v->value_type = HVIS_KVP_REG_SZ;
	return ic_answer(g, p, HVIS_HV_S_OK);
}

static bool test_kvp(void)
{
	struct hvis_kvp_msg *m;
	char reply[256], key[64];
	struct gchan g;
	struct gpkt p;

	CHECK(ic_up(&g, "kvp", NULL));
	CHECK(ic_negotiate(&g, 3, HVIS_IC_KVP_VERSION_4_0));
	CHECK(ic_ctl("kvp", "kvp get external some-key", reply, sizeof(reply)) ==
	      VSP_CTL_PENDING);
	CHECK(ic_recv(&g, &p));
	m = body_of(&p);
	CHECK(m->kvp_hdr.operation == HVIS_KVP_OP_GET &&
	      m->kvp_hdr.pool == HVIS_KVP_POOL_EXTERNAL);
	CHECK(m->body.kvp_get.key_size == 2 * sizeof("some-key"));
	CHECK(hvis_utf16_to_utf8(m->body.kvp_get.key, 256, key, sizeof(key)) == 8);
	CHECK(!strcmp(key, "some-key"));
	CHECK(kvp_answer_value(&g, &p, "some-key", "v\xc3\xa4lue \xe2\x82\xac"));
	CHECK(!strcmp(fake_ctl_reply, "v\xc3\xa4lue \xe2\x82\xac\nok\n"));

	/* list: index 0, 1, ... until the guest says there is no more. */
	CHECK(ic_ctl("kvp", "kvp list guest", reply, sizeof(reply)) == VSP_CTL_PENDING);
	CHECK(ic_recv(&g, &p));
	m = body_of(&p);
	CHECK(m->kvp_hdr.operation == HVIS_KVP_OP_ENUMERATE &&
	      m->kvp_hdr.pool == HVIS_KVP_POOL_GUEST &&
	      m->body.kvp_enum_data.index == 0);
	CHECK(kvp_answer_value(&g, &p, "a", "1"));
	CHECK(ic_recv(&g, &p));
	m = body_of(&p);
	CHECK(m->body.kvp_enum_data.index == 1);
	CHECK(kvp_answer_value(&g, &p, "b", "two words"));
	CHECK(ic_recv(&g, &p));
	CHECK(ic_answer(&g, &p, HVIS_HV_S_CONT));
	CHECK(!strcmp(fake_ctl_reply, "a=1\nb=two words\nok\n"));

	/* Bad arguments never reach the guest. */
	CHECK(ic_ctl("kvp", "kvp get nopool k", reply, sizeof(reply)) == -EINVAL);
	CHECK(ic_ctl("kvp", "kvp ip 00:15:5d", reply, sizeof(reply)) == -EINVAL);
	CHECK(!ic_recv(&g, &p));
	teardown();
	return true;
}

static bool test_kvp_conv(void)
{
	/* a, e-acute, euro, U+1F600 (a surrogate pair) */
	static const char text[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	uint8_t u16[64];
	char back[64];
	uint8_t lone[4] = { 0x00, 0xd8, 'x', 0 };

	CHECK(hvis_utf8_to_utf16(text, sizeof(text), u16, 32) == 6);
	CHECK(u16[6] == 0x3d && u16[7] == 0xd8 && u16[8] == 0x00 && u16[9] == 0xde);
	CHECK(hvis_utf16_to_utf8(u16, 32, back, sizeof(back)) == (int)strlen(text));
	CHECK(!strcmp(back, text));
	/* The length bounds the input even without a NUL. */
	CHECK(hvis_utf8_to_utf16("abc", 2, u16, 32) == 3);
	/* An unpaired surrogate, overlong and truncated UTF-8, no room. */
	CHECK(hvis_utf16_to_utf8(lone, 2, back, sizeof(back)) == HVIS_UTF_EILSEQ);
	CHECK(hvis_utf8_to_utf16("\xc0\x80", 2, u16, 32) == HVIS_UTF_EILSEQ);
	CHECK(hvis_utf8_to_utf16("ab\xe2\x82", 4, u16, 32) == HVIS_UTF_EILSEQ);
	CHECK(hvis_utf8_to_utf16("\xed\xa0\x80", 3, u16, 32) == HVIS_UTF_EILSEQ);
	CHECK(hvis_utf8_to_utf16("abcd", 4, u16, 4) == HVIS_UTF_ENOSPC);
	CHECK(hvis_utf16_to_utf8(u16, 32, back, 3) == HVIS_UTF_ENOSPC);
	return true;
}

int main(void)
{
	static const struct ktap_case cases[] = {
		{ "negotiation, heartbeat alive, missing when the channel closes", test_heartbeat },
		{ "negotiation with no common version leaves the device idle", test_no_common_version },
		{ "answers that break the protocol rescind the device", test_violations },
		{ "shutdown/reboot/hibernate: deferred replies, refusal, release", test_shutdown },
		{ "timesync: SYNC on connect with host time, SAMPLE on demand", test_timesync },
		{ "kvp: get and list in UTF-16, bad arguments stay local", test_kvp },
		{ "kvp: strict UTF-8 <-> UTF-16 conversion", test_kvp_conv },
	};
	int fd = mkstemp(log_path), r;

	if (fd < 0)
		return 1;
	close(fd);
	r = vmbus_fixture_run("hvcore-ic", cases, KTAP_ARRAY_SIZE(cases));
	unlink(log_path);
	return r;
}
