// SPDX-License-Identifier: GPL-2.0-only
/*
 * netvsp's TAP back end: frames from the guest are written to a TAP
 * device, frames read from it go to the guest.  The TAP may live in
 * another network namespace (a test's host end), entered only while the
 * device is opened; the open file keeps working from hvcore's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "netvsp.h"
#include "vmbus/channel.h"

/* Frames read per wakeup before the loop serves others. */
#define NETVSP_TAP_BUDGET	64

_Static_assert(sizeof(struct netvsp_vnet_hdr) == 10,
	       "virtio_net_hdr is 10 bytes");

static void netvsp_tap_readable(void *opaque, uint32_t events)
{
	struct netvsp *nv = opaque;
	uint32_t c;
	int i;

	(void)events;
	for (i = 0; i < NETVSP_TAP_BUDGET && !nv->tap_paused; i++) {
		struct netvsp_vnet_hdr vh;
		struct iovec iov[2] = {
			{ &vh, sizeof(vh) },
			{ nv->rx_buf, NETVSP_RX_FRAME_MAX },
		};
		ssize_t n = readv(nv->tap_fd, iov, 2);

		uint32_t csum;

		if (n <= (ssize_t)sizeof(vh))
			break;
		n -= sizeof(vh);
		csum = netvsp_rx_csum(nv->rx_buf, (uint32_t)n, &vh);
		if (netvsp_rndis_rx_frame(nv, nv->rx_buf, (uint32_t)n, csum)) {
			/* No slot or no ring space: keep it, stop reading. */
			memcpy(nv->held, nv->rx_buf, (size_t)n);
			nv->held_len = (uint32_t)n;
			nv->held_csum = csum;
			netvsp_tap_pause(nv, true);
		}
	}
	for (c = 0; c < NETVSP_MAX_CHANNELS; c++)
		if (nv->chans[c])
			vmbus_chan_flush(nv->chans[c]->ch);
}

/* Open /dev/net/tun as TAP @name in the current namespace. */
static int netvsp_tap_attach(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	/*
	 * With a virtio-net header per frame the kernel checksums and
	 * segments what the guest offloaded, and may hand us frames whose
	 * checksum hvcore finishes (TUN_F_CSUM); GSO frames (TSO) only while
	 * the guest takes coalesced frames (netvsp_tap_set_rsc()), as each
	 * receive buffer slot takes one MTU frame.
	 */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int netvsp_tap_open(struct netvsp *nv, const char *name, const char *netns)
{
	char path[128];
	int home = -1, ns = -1, fd;

	if (netns) {
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		ns = open(path, O_RDONLY | O_CLOEXEC);
		home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (ns < 0 || home < 0 || setns(ns, CLONE_NEWNET)) {
			log_msg("netvsp: network namespace %s: %s", netns,
				strerror(errno));
			fd = -ENOENT;
			goto out;
		}
	}
	fd = netvsp_tap_attach(name);
	if (netns && setns(home, CLONE_NEWNET)) {
		/* Staying in the test's namespace would be worse than exiting. */
		log_msg("netvsp: cannot return to hvcore's network namespace: %s",
			strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -EIO;
	}
	if (fd < 0)
		log_msg("netvsp: TAP device %s%s%s: %s", name,
			netns ? " in namespace " : "", netns ? netns : "",
			strerror(-fd));
out:
	if (ns >= 0)
		close(ns);
	if (home >= 0)
		close(home);
	if (fd < 0)
		return fd;
	nv->tap_fd = fd;
	snprintf(nv->tap_name, sizeof(nv->tap_name), "%s", name);
	nv->tap_paused = true;
	return 0;
}

void netvsp_tap_close(struct netvsp *nv)
{
	if (nv->tap_fd < 0)
		return;
	netvsp_tap_pause(nv, true);
	close(nv->tap_fd);
	nv->tap_fd = -1;
}

int netvsp_tap_xmit(struct netvsp *nv, const uint8_t *frame, uint32_t len,
		    const struct netvsp_vnet_hdr *vh,
		    const struct netvsp_tx_info *ti)
{
	uint8_t tag[4] = { 0x81, 0x00, (uint8_t)(ti->vlan_tci >> 8),
			   (uint8_t)ti->vlan_tci };
	struct netvsp_vnet_hdr h = *vh;
	struct iovec iov[4] = {
		{ &h, sizeof(h) },
		{ (void *)frame, 12 },
		{ tag, sizeof(tag) },
		{ (void *)(frame + 12), len - 12 },
	};
	size_t want = sizeof(h) + len;
	ssize_t n;

	if (nv->tap_fd < 0)
		return -ENODEV;
	if (ti->vlan) {
		/* The tag goes between the addresses and the type. */
		want += sizeof(tag);
		if (h.flags & NETVSP_VNET_F_NEEDS_CSUM) {
			h.csum_start += sizeof(tag);
			if (h.hdr_len)
				h.hdr_len += sizeof(tag);
		}
		n = writev(nv->tap_fd, iov, 4);
	} else {
		iov[1].iov_len = len;
		n = writev(nv->tap_fd, iov, 2);
	}
	if (n < 0)
		return -errno;
	return (size_t)n == want ? 0 : -EIO;
}

int netvsp_tap_set_rsc(struct netvsp *nv, bool on)
{
	unsigned int flags = TUN_F_CSUM;

	if (nv->tap_fd < 0)
		return 0;
	if (on)
		flags |= TUN_F_TSO4 | TUN_F_TSO6;
	if (ioctl(nv->tap_fd, TUNSETOFFLOAD, flags) < 0) {
		log_msg("netvsp: %s: TSO %s: %s", nv->tap_name,
			on ? "on" : "off", strerror(errno));
		return -errno;
	}
	return 0;
}

void netvsp_tap_pause(struct netvsp *nv, bool pause)
{
	struct evloop *loop = vmbus_dev_loop(nv->dev);

	if (nv->tap_fd < 0 || pause == nv->tap_paused)
		return;
	/* Reading waits for a guest that can take frames. */
	if (!pause && (!nv->ch || !nv->rndis_ready))
		return;
	if (pause) {
		evloop_del_fd(loop, nv->tap_fd);
	} else if (evloop_add_fd(loop, nv->tap_fd, EPOLLIN,
				 netvsp_tap_readable, nv)) {
		log_msg("netvsp: %s: cannot poll the TAP device", nv->tap_name);
		return;
	}
	nv->tap_paused = pause;
}
