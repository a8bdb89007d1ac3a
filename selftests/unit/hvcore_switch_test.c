// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore/net/switch.c on a real event loop and real unix
 * sockets in a temporary directory: learning and flooding between local
 * ports, drops for a paused port, a remote port (a raw socket standing in
 * for another hvcore), a link to a switch hosted elsewhere (a raw
 * listener), malformed messages, stale socket files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "evloop.h"
#include "ktap.h"
#include "net/switch.h"

/* What one port's NIC received. */
struct sw_nic {
	int frames;
	uint8_t last[64];
	uint32_t last_len;
	int refuse;		/* return this instead of taking it */
};

static int sw_rx(void *opaque, const uint8_t *frame, uint32_t len)
{
	struct sw_nic *n = opaque;

	if (n->refuse)
		return n->refuse;
	n->frames++;
	n->last_len = len;
	memcpy(n->last, frame, len < sizeof(n->last) ? len : sizeof(n->last));
	return 0;
}

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0xa };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0xb };
static const uint8_t mac_r[6] = { 0x02, 0, 0, 0, 0, 0xc };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* A 60-byte frame from @src to @dst, payload byte @tag. */
static void sw_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src,
		     uint8_t tag)
{
	memset(f, tag, 60);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
}

static uint64_t sw_stop(void *opaque)
{
	evloop_stop(opaque, 0);
	return 0;
}

/* Let the loop serve what is pending for 20 ms. */
static void sw_spin(struct evloop *loop)
{
	evloop_add_timer(loop, 20000000, sw_stop, loop);
	evloop_run(loop);
}

static char sw_dir[64];

static const char *sw_path(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", sw_dir, name);
	return p;
}

static bool sw_test_local(void)
{
	struct evloop *loop = evloop_create();
	struct sw_nic a = { 0 }, b = { 0 };
	struct netsw_port *pa, *pb;
	uint8_t f[60];
	struct stat st;
	int err = 0;

	KTAP_CHECK(loop);
	pa = netsw_join(loop, sw_path("local.sock"), sw_rx, &a, &err);
	pb = netsw_join(loop, sw_path("local.sock"), sw_rx, &b, &err);
	KTAP_CHECK(pa && pb);
	KTAP_CHECK(!stat(sw_path("local.sock"), &st) && S_ISSOCK(st.st_mode));
	/* Paused until their NICs are ready: nothing is delivered. */
	sw_frame(f, bcast, mac_a, 1);
	KTAP_CHECK(!netsw_send(pa, f, sizeof(f)));
	KTAP_CHECK(b.frames == 0);
	netsw_pause(pa, false);
	netsw_pause(pb, false);
	/* Broadcast floods to the others, never back. */
	KTAP_CHECK(!netsw_send(pa, f, sizeof(f)));
	KTAP_CHECK(b.frames == 1 && a.frames == 0 && b.last[59] == 1);
	/* Unknown unicast floods; once B spoke, frames for B go to B. */
	sw_frame(f, mac_b, mac_a, 2);
	KTAP_CHECK(!netsw_send(pa, f, sizeof(f)));
	KTAP_CHECK(b.frames == 2);
	sw_frame(f, mac_a, mac_b, 3);
	KTAP_CHECK(!netsw_send(pb, f, sizeof(f)));
	KTAP_CHECK(a.frames == 1 && a.last[59] == 3 && b.frames == 2);
	/* A frame for a port that paused itself is dropped. */
	netsw_pause(pb, true);
	sw_frame(f, mac_b, mac_a, 4);
	KTAP_CHECK(!netsw_send(pa, f, sizeof(f)));
	KTAP_CHECK(b.frames == 2);
	/* Runts and giants are refused. */
	KTAP_CHECK(netsw_send(pa, f, 10) == -EMSGSIZE);
	netsw_leave(pa);
	netsw_leave(pb);
	/* The last local port gone, the switch and its socket are. */
	KTAP_CHECK(stat(sw_path("local.sock"), &st) && errno == ENOENT);
	evloop_destroy(loop);
	return true;
}

static bool sw_test_remote(void)
{
	struct evloop *loop = evloop_create();
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sw_nic a = { 0 };
	struct netsw_port *pa;
	uint8_t f[60], in[128];
	int err = 0, fd;

	KTAP_CHECK(loop);
	pa = netsw_join(loop, sw_path("remote.sock"), sw_rx, &a, &err);
	KTAP_CHECK(pa);
	netsw_pause(pa, false);
	/* Another hvcore: one SOCK_SEQPACKET connection, a frame a message. */
	strcpy(addr.sun_path, sw_path("remote.sock"));
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	KTAP_CHECK(fd >= 0 && !connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
	sw_spin(loop);
	sw_frame(f, bcast, mac_r, 5);
	KTAP_CHECK(send(fd, f, sizeof(f), 0) == sizeof(f));
	KTAP_CHECK(send(fd, f, 5, 0) == 5);	/* a runt: dropped */
	sw_spin(loop);
	KTAP_CHECK(a.frames == 1 && a.last_len == 60 && a.last[59] == 5);
	/* The switch learnt where mac_r is. */
	sw_frame(f, mac_r, mac_a, 6);
	KTAP_CHECK(!netsw_send(pa, f, sizeof(f)));
	KTAP_CHECK(recv(fd, in, sizeof(in), MSG_DONTWAIT) == 60 && in[59] == 6);
	/* The remote end leaves: its port goes, the switch stays. */
	close(fd);
	sw_spin(loop);
	KTAP_CHECK(!netsw_send(pa, f, sizeof(f)));
	netsw_leave(pa);
	evloop_destroy(loop);
	return true;
}

static bool sw_test_link(void)
{
	struct evloop *loop = evloop_create();
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sw_nic a = { 0 };
	struct netsw_port *pa;
	uint8_t f[60], in[128];
	int err = 0, lfd, cfd;

	KTAP_CHECK(loop);
	/* A switch another hvcore hosts: a listener this process did not make. */
	strcpy(addr.sun_path, sw_path("link.sock"));
	lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	KTAP_CHECK(lfd >= 0 && !bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) &&
		   !listen(lfd, 1));
	pa = netsw_join(loop, addr.sun_path, sw_rx, &a, &err);
	KTAP_CHECK(pa);
	cfd = accept(lfd, NULL, NULL);
	KTAP_CHECK(cfd >= 0);
	sw_frame(f, mac_a, mac_r, 7);
	KTAP_CHECK(send(cfd, f, sizeof(f), 0) == sizeof(f));
	/* Not read while the NIC is not ready. */
	sw_spin(loop);
	KTAP_CHECK(a.frames == 0);
	netsw_pause(pa, false);
	sw_spin(loop);
	KTAP_CHECK(a.frames == 1 && a.last[59] == 7);
	sw_frame(f, mac_r, mac_a, 8);
	KTAP_CHECK(!netsw_send(pa, f, sizeof(f)));
	KTAP_CHECK(recv(cfd, in, sizeof(in), MSG_DONTWAIT) == 60 && in[59] == 8);
	/* The host goes away: sends fail, nothing crashes. */
	close(cfd);
	close(lfd);
	sw_spin(loop);
	KTAP_CHECK(netsw_send(pa, f, sizeof(f)) < 0);
	netsw_leave(pa);
	unlink(addr.sun_path);
	evloop_destroy(loop);
	return true;
}

static bool sw_test_stale(void)
{
	struct evloop *loop = evloop_create();
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sw_nic a = { 0 };
	struct netsw_port *pa;
	char longp[sizeof(addr.sun_path) + 1];
	int err = 0, fd;

	KTAP_CHECK(loop);
	/* A socket file nobody listens on (an hvcore that died). */
	strcpy(addr.sun_path, sw_path("stale.sock"));
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	KTAP_CHECK(fd >= 0 && !bind(fd, (struct sockaddr *)&addr, sizeof(addr)));
	close(fd);
	pa = netsw_join(loop, addr.sun_path, sw_rx, &a, &err);
	KTAP_CHECK(pa);
	netsw_leave(pa);
	/* A path too long for a unix socket is an error, not a truncation. */
	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	KTAP_CHECK(!netsw_join(loop, longp, sw_rx, &a, &err) &&
		   err == -ENAMETOOLONG);
	evloop_destroy(loop);
	return true;
}

static const struct ktap_case sw_test_cases[] = {
	{ "local ports: flood, learn, paused port drops, runts refused",
	  sw_test_local },
	{ "remote port over the socket: frames both ways, runt dropped, hang-up",
	  sw_test_remote },
	{ "link to a switch hosted elsewhere: paused until ready, both ways",
	  sw_test_link },
	{ "stale socket file replaced, over-long path refused",
	  sw_test_stale },
};

int main(void)
{
	int rc;

	snprintf(sw_dir, sizeof(sw_dir), "/tmp/hvis-switch-test.XXXXXX");
	if (!mkdtemp(sw_dir)) {
		perror("mkdtemp");
		return 1;
	}
	rc = ktap_run_cases("hvcore-switch", sw_test_cases,
			    KTAP_ARRAY_SIZE(sw_test_cases));
	rmdir(sw_dir);
	return rc;
}
