// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvcore's L2 switch (see switch.h): the hosted switch with its
 * forwarding table, remote ports over a unix socket, and links to a
 * switch another hvcore hosts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "net/switch.h"

/* Ports one hosted switch takes: local NICs and other hvcores. */
#define NETSW_MAX_PORTS		32
/* Forwarding table entries (MAC -> port), replaced round-robin. */
#define NETSW_FDB_SIZE		256
/* Frames read from one socket per wakeup before the loop serves others. */
#define NETSW_BUDGET		64
/* Socket buffer asked for each direction of a connection. */
#define NETSW_SOCK_BUF		(4 << 20)

enum netsw_kind {
	NETSW_LOCAL,		/* a NIC of this hvcore on a switch hosted here */
	NETSW_REMOTE,		/* another hvcore, connected to a switch hosted here */
	NETSW_LINK,		/* a NIC of this hvcore on a switch hosted elsewhere */
};

struct netsw;

struct netsw_port {
	enum netsw_kind kind;
	struct netsw *sw;		/* LOCAL, REMOTE */
	struct evloop *loop;
	int fd;				/* REMOTE, LINK: the connection */
	netsw_rx_fn rx;			/* LOCAL, LINK */
	void *opaque;
	bool paused;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];	/* LINK */
	uint64_t frames_in, frames_out, drops;
};

struct netsw_fdb {
	uint8_t mac[6];
	struct netsw_port *port;	/* NULL: free */
};

struct netsw {
	struct netsw *next;		/* the switches hosted by this process */
	struct evloop *loop;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	struct netsw_port *ports[NETSW_MAX_PORTS];
	unsigned int nr_local;
	struct netsw_fdb fdb[NETSW_FDB_SIZE];
	unsigned int fdb_next;
	uint8_t *buf;			/* NETSW_FRAME_MAX: a frame read */
};

static struct netsw *netsw_hosted;

static bool netsw_mac_eq(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, 6);
}

/* Remember that @mac is behind @port. */
static void netsw_learn(struct netsw *sw, const uint8_t *mac,
			struct netsw_port *port)
{
	unsigned int i;

	if (mac[0] & 1)
		return;
	for (i = 0; i < NETSW_FDB_SIZE; i++) {
		if (sw->fdb[i].port && netsw_mac_eq(sw->fdb[i].mac, mac)) {
			sw->fdb[i].port = port;
			return;
		}
	}
	i = sw->fdb_next++ % NETSW_FDB_SIZE;
	memcpy(sw->fdb[i].mac, mac, 6);
	sw->fdb[i].port = port;
}

static struct netsw_port *netsw_lookup(struct netsw *sw, const uint8_t *mac)
{
	unsigned int i;

	for (i = 0; i < NETSW_FDB_SIZE; i++)
		if (sw->fdb[i].port && netsw_mac_eq(sw->fdb[i].mac, mac))
			return sw->fdb[i].port;
	return NULL;
}

/* Hand one frame to @port, or count it dropped. */
static void netsw_output(struct netsw_port *port, const uint8_t *frame,
			 uint32_t len)
{
	if (port->kind == NETSW_LOCAL) {
		if (port->paused || port->rx(port->opaque, frame, len)) {
			port->drops++;
			return;
		}
	} else if (send(port->fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL) !=
		   (ssize_t)len) {
		port->drops++;
		return;
	}
	port->frames_out++;
}

/* A frame that came in on @in: learn its source, forward or flood it. */
static void netsw_forward(struct netsw *sw, struct netsw_port *in,
			  const uint8_t *frame, uint32_t len)
{
	struct netsw_port *out;
	unsigned int i;

	in->frames_in++;
	netsw_learn(sw, frame + 6, in);
	out = frame[0] & 1 ? NULL : netsw_lookup(sw, frame);
	if (out) {
		if (out != in)
			netsw_output(out, frame, len);
		return;
	}
	for (i = 0; i < NETSW_MAX_PORTS; i++)
		if (sw->ports[i] && sw->ports[i] != in)
			netsw_output(sw->ports[i], frame, len);
}

static void netsw_forget(struct netsw *sw, struct netsw_port *port)
{
	unsigned int i;

	for (i = 0; i < NETSW_FDB_SIZE; i++)
		if (sw->fdb[i].port == port)
			sw->fdb[i].port = NULL;
	for (i = 0; i < NETSW_MAX_PORTS; i++)
		if (sw->ports[i] == port)
			sw->ports[i] = NULL;
}

static int netsw_add_port(struct netsw *sw, struct netsw_port *port)
{
	unsigned int i;

	for (i = 0; i < NETSW_MAX_PORTS; i++) {
		if (!sw->ports[i]) {
			sw->ports[i] = port;
			port->sw = sw;
			return 0;
		}
	}
	return -ENOSPC;
}

static void netsw_remote_close(struct netsw_port *port)
{
	netsw_forget(port->sw, port);
	evloop_del_fd(port->loop, port->fd);
	close(port->fd);
	free(port);
}

/* Frames from another hvcore; a hang-up or error removes its port. */
static void netsw_remote_readable(void *opaque, uint32_t events)
{
	struct netsw_port *port = opaque;
	struct netsw *sw = port->sw;
	int i;

	for (i = 0; i < NETSW_BUDGET; i++) {
		ssize_t n = recv(port->fd, sw->buf, NETSW_FRAME_MAX + 1,
				 MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			log_msg("switch %s: a remote port left", sw->path);
			netsw_remote_close(port);
			return;
		}
		if (n < 14 || n > (ssize_t)NETSW_FRAME_MAX) {
			port->drops++;
			continue;
		}
		netsw_forward(sw, port, sw->buf, (uint32_t)n);
	}
	if (events & (EPOLLHUP | EPOLLERR) && i < NETSW_BUDGET) {
		log_msg("switch %s: a remote port hung up", sw->path);
		netsw_remote_close(port);
	}
}

static void netsw_sock_bufs(int fd)
{
	int size = NETSW_SOCK_BUF;

	/* Best effort: the default only means more drops under load. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static void netsw_accept(void *opaque, uint32_t events)
{
	struct netsw *sw = opaque;
	struct netsw_port *port;
	int fd;

	(void)events;
	fd = accept4(sw->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	port = calloc(1, sizeof(*port));
	if (!port || netsw_add_port(sw, port)) {
		log_msg("switch %s: remote port refused: %s", sw->path,
			port ? "all ports in use" : "out of memory");
		free(port);
		close(fd);
		return;
	}
	port->kind = NETSW_REMOTE;
	port->loop = sw->loop;
	port->fd = fd;
	netsw_sock_bufs(fd);
	if (evloop_add_fd(sw->loop, fd, EPOLLIN, netsw_remote_readable, port)) {
		netsw_forget(sw, port);
		free(port);
		close(fd);
		return;
	}
	log_msg("switch %s: a remote port joined", sw->path);
}

static void netsw_destroy(struct netsw *sw)
{
	struct netsw **pp;
	unsigned int i;

	for (i = 0; i < NETSW_MAX_PORTS; i++)
		if (sw->ports[i] && sw->ports[i]->kind == NETSW_REMOTE)
			netsw_remote_close(sw->ports[i]);
	for (pp = &netsw_hosted; *pp; pp = &(*pp)->next) {
		if (*pp == sw) {
			*pp = sw->next;
			break;
		}
	}
	if (sw->listen_fd >= 0) {
		evloop_del_fd(sw->loop, sw->listen_fd);
		close(sw->listen_fd);
		unlink(sw->path);
	}
	free(sw->buf);
	free(sw);
}

/* Host the switch at @path: -EADDRINUSE if another process just did. */
static int netsw_host(struct evloop *loop, const struct sockaddr_un *addr,
		      struct netsw **out)
{
	struct netsw *sw = calloc(1, sizeof(*sw));
	int r;

	if (!sw)
		return -ENOMEM;
	sw->loop = loop;
	memcpy(sw->path, addr->sun_path, sizeof(sw->path));
	sw->buf = malloc(NETSW_FRAME_MAX + 1);
	sw->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
			       SOCK_CLOEXEC, 0);
	if (!sw->buf || sw->listen_fd < 0) {
		r = sw->buf ? -errno : -ENOMEM;
		goto err;
	}
	if (bind(sw->listen_fd, (const struct sockaddr *)addr, sizeof(*addr)) ||
	    listen(sw->listen_fd, 16)) {
		r = -errno;
		goto err;
	}
	r = evloop_add_fd(loop, sw->listen_fd, EPOLLIN, netsw_accept, sw);
	if (r) {
		unlink(sw->path);
		goto err;
	}
	sw->next = netsw_hosted;
	netsw_hosted = sw;
	*out = sw;
	return 0;
err:
	if (sw->listen_fd >= 0)
		close(sw->listen_fd);
	free(sw->buf);
	free(sw);
	return r;
}

/* Frames from the switch another hvcore hosts, for this link's NIC. */
static void netsw_link_readable(void *opaque, uint32_t events)
{
	struct netsw_port *port = opaque;
	uint8_t buf[NETSW_FRAME_MAX + 1];
	int i;

	(void)events;
	for (i = 0; i < NETSW_BUDGET && !port->paused; i++) {
		ssize_t n = recv(port->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			log_msg("switch %s: the hosting hvcore went away; frames are dropped",
				port->path);
			evloop_del_fd(port->loop, port->fd);
			port->paused = true;
			close(port->fd);
			port->fd = -1;
			return;
		}
		if (n < 14 || n > (ssize_t)NETSW_FRAME_MAX) {
			port->drops++;
			continue;
		}
		port->frames_in++;
		/* Not taken: the NIC holds it and has paused us. */
		if (port->rx(port->opaque, buf, (uint32_t)n))
			port->drops++;
	}
}

/* Connect to the switch at @addr: -ECONNREFUSED/-ENOENT if none runs. */
static int netsw_link(struct netsw_port *port, const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr))) {
		int e = -errno;

		close(fd);
		return e;
	}
	netsw_sock_bufs(fd);
	port->kind = NETSW_LINK;
	port->fd = fd;
	port->paused = true;
	memcpy(port->path, addr->sun_path, sizeof(port->path));
	return 0;
}

struct netsw_port *netsw_join(struct evloop *loop, const char *path,
			      netsw_rx_fn rx, void *opaque, int *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct netsw_port *port;
	struct netsw *sw;
	int r = -EADDRINUSE, tries;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	strcpy(addr.sun_path, path);
	port = calloc(1, sizeof(*port));
	if (!port) {
		*err = -ENOMEM;
		return NULL;
	}
	port->loop = loop;
	port->rx = rx;
	port->opaque = opaque;
	port->fd = -1;

	for (sw = netsw_hosted; sw; sw = sw->next)
		if (!strcmp(sw->path, path))
			break;
	/* Two hvcores starting together: one binds, the other connects. */
	for (tries = 0; !sw && tries < 3 && r == -EADDRINUSE; tries++) {
		r = netsw_link(port, &addr);
		if (!r) {
			log_msg("switch %s: joined the switch another hvcore hosts",
				path);
			return port;
		}
		if (r == -ECONNREFUSED)
			unlink(path);	/* a socket nobody serves any more */
		else if (r != -ENOENT)
			break;
		r = netsw_host(loop, &addr, &sw);
		if (!r)
			log_msg("switch %s: hosting it", path);
	}
	if (!sw || netsw_add_port(sw, port)) {
		*err = sw ? -ENOSPC : r;
		free(port);
		return NULL;
	}
	port->kind = NETSW_LOCAL;
	port->paused = true;
	sw->nr_local++;
	return port;
}

void netsw_leave(struct netsw_port *port)
{
	struct netsw *sw;

	if (!port)
		return;
	sw = port->sw;
	if (port->kind == NETSW_LINK) {
		if (port->fd >= 0) {
			if (!port->paused)
				evloop_del_fd(port->loop, port->fd);
			close(port->fd);
		}
		free(port);
		return;
	}
	netsw_forget(sw, port);
	free(port);
	if (!--sw->nr_local)
		netsw_destroy(sw);
}

int netsw_send(struct netsw_port *port, const uint8_t *frame, uint32_t len)
{
	if (len < 14 || len > NETSW_FRAME_MAX) {
		port->drops++;
		return -EMSGSIZE;
	}
	if (port->kind == NETSW_LOCAL) {
		netsw_forward(port->sw, port, frame, len);
		return 0;
	}
	if (port->fd < 0 || send(port->fd, frame, len,
				 MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len) {
		port->drops++;
		return port->fd < 0 ? -ENOTCONN : -errno;
	}
	port->frames_out++;
	return 0;
}

void netsw_pause(struct netsw_port *port, bool pause)
{
	if (port->paused == pause)
		return;
	if (port->kind == NETSW_LINK) {
		if (port->fd < 0)
			return;
		if (pause) {
			evloop_del_fd(port->loop, port->fd);
		} else if (evloop_add_fd(port->loop, port->fd, EPOLLIN,
					 netsw_link_readable, port)) {
			log_msg("switch %s: cannot poll the link", port->path);
			return;
		}
	}
	port->paused = pause;
}

void netsw_print(const struct netsw_port *port, FILE *out)
{
	unsigned int i, n = 0;

	if (port->kind == NETSW_LINK) {
		fprintf(out, "switch %s role link connected %d frames-in %llu frames-out %llu drops %llu\n",
			port->path, port->fd >= 0,
			(unsigned long long)port->frames_in,
			(unsigned long long)port->frames_out,
			(unsigned long long)port->drops);
		return;
	}
	for (i = 0; i < NETSW_MAX_PORTS; i++)
		n += !!port->sw->ports[i];
	/* For a local port, "in" is what its NIC sent, "out" what it got. */
	fprintf(out, "switch %s role host ports %u frames-in %llu frames-out %llu drops %llu\n",
		port->sw->path, n, (unsigned long long)port->frames_in,
		(unsigned long long)port->frames_out,
		(unsigned long long)port->drops);
}
