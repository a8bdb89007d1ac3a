// SPDX-License-Identifier: GPL-2.0-only
/* hvcore as the ivshmem server: BAR memfd, doorbell and MSI-X eventfds, one QEMU client. */
#include "hvshm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "hvis/hvshm.h"
#include "evloop.h"
#include "log.h"

/* ivshmem peer ids: QEMU's guest is the client we number 0, hvcore is peer 1. */
#define HVSHM_GUEST_PEER	0
#define HVSHM_HOST_PEER		1
#define HVSHM_MAX_VECTORS	HVSHM_MAX_VCPUS

struct hvshm;

/* Lets a doorbell eventfd's callback know its vector. */
struct hvshm_doorbell {
	struct hvshm *h;
	uint32_t vector;
};

struct hvshm {
	struct evloop *loop;
	char *socket_path;
	int listen_fd;
	int client_fd;			/* -1 while no QEMU is connected */
	int shm_fd;
	void *bar;
	uint32_t nr_vectors;
	/* Valid while a client is connected. */
	int doorbell_fd[HVSHM_MAX_VECTORS];	/* QEMU writes, we read */
	int msix_fd[HVSHM_MAX_VECTORS];		/* we write, QEMU injects */
	struct hvshm_doorbell doorbell[HVSHM_MAX_VECTORS];
	struct hvshm_bar *hb;
	void (*disconnect_cb)(void *opaque);
	void *disconnect_opaque;
};

static void hvshm_raise(void *opaque, uint32_t vector)
{
	struct hvshm *h = opaque;
	uint64_t one = 1;

	if (h->client_fd < 0 || vector >= h->nr_vectors) {
		log_debug("hvshm: no client for interrupt vector %u", vector);
		return;
	}
	/*
	 * An eventfd counter only saturates; a short write cannot happen.  The
	 * guest decides how often we get here, so the line is rate limited.
	 */
	if (write(h->msix_fd[vector], &one, sizeof(one)) != sizeof(one))
		log_guest("hvshm: raising vector %u: %s", vector,
			  strerror(errno));
}

/* One protocol message: a little-endian int64, maybe with an fd. */
static int hvshm_send(int sock, int64_t value, int fd)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &value, .iov_len = sizeof(value) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *cmsg;

		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n != sizeof(value))
		return n < 0 ? -errno : -EIO;
	return 0;
}

static void hvshm_doorbell_cb(void *opaque, uint32_t events)
{
	struct hvshm_doorbell *db = opaque;
	struct hvshm *h = db->h;
	uint64_t count;

	(void)events;
	/* Rings coalesce in the counter; the BAR says what each one wanted. */
	if (read(h->doorbell_fd[db->vector], &count, sizeof(count)) < 0)
		return;
	hvshm_bar_doorbell(h->hb, db->vector);
}

static void hvshm_client_close(struct hvshm *h)
{
	uint32_t i;

	if (h->client_fd < 0)
		return;
	for (i = 0; i < h->nr_vectors; i++) {
		if (h->doorbell_fd[i] >= 0) {
			evloop_del_fd(h->loop, h->doorbell_fd[i]);
			close(h->doorbell_fd[i]);
		}
		if (h->msix_fd[i] >= 0)
			close(h->msix_fd[i]);
		h->doorbell_fd[i] = h->msix_fd[i] = -1;
	}
	evloop_del_fd(h->loop, h->client_fd);
	close(h->client_fd);
	h->client_fd = -1;
	hvshm_bar_reset(h->hb);
}

static void hvshm_client_cb(void *opaque, uint32_t events)
{
	struct hvshm *h = opaque;
	char buf[64];
	ssize_t n;

	/* QEMU never talks on this socket; any readability is its goodbye. */
	n = recv(h->client_fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (!(events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR)) &&
	    (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))))
		return;
	log_msg("hvshm: QEMU disconnected from the ivshmem socket");
	hvshm_client_close(h);
	if (h->disconnect_cb)
		h->disconnect_cb(h->disconnect_opaque);
}

/*
 * The ivshmem server handshake, in the order QEMU expects it: protocol
 * version, the client's own id, the shared memory, then every vector of
 * each other peer (here only hvcore), then the client's own vectors.
 */
static int hvshm_client_setup(struct hvshm *h)
{
	uint32_t i;
	int err;

	for (i = 0; i < h->nr_vectors; i++) {
		h->doorbell_fd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		h->msix_fd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (h->doorbell_fd[i] < 0 || h->msix_fd[i] < 0)
			return -errno;
	}
	err = hvshm_send(h->client_fd, 0, -1);
	if (!err)
		err = hvshm_send(h->client_fd, HVSHM_GUEST_PEER, -1);
	if (!err)
		err = hvshm_send(h->client_fd, -1, h->shm_fd);
	for (i = 0; !err && i < h->nr_vectors; i++)
		err = hvshm_send(h->client_fd, HVSHM_HOST_PEER,
				 h->doorbell_fd[i]);
	for (i = 0; !err && i < h->nr_vectors; i++)
		err = hvshm_send(h->client_fd, HVSHM_GUEST_PEER,
				 h->msix_fd[i]);
	if (err)
		return err;
	for (i = 0; i < h->nr_vectors; i++) {
		h->doorbell[i].h = h;
		h->doorbell[i].vector = i;
		err = evloop_add_fd(h->loop, h->doorbell_fd[i], EPOLLIN,
				    hvshm_doorbell_cb, &h->doorbell[i]);
		if (err)
			return err;	/* client_close undoes what was done */
	}
	return 0;
}

static void hvshm_accept_cb(void *opaque, uint32_t events)
{
	struct hvshm *h = opaque;
	int fd, err;

	(void)events;
	fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (h->client_fd >= 0) {
		log_msg("hvshm: refusing a second ivshmem client");
		close(fd);
		return;
	}
	h->client_fd = fd;
	err = evloop_add_fd(h->loop, fd, EPOLLIN | EPOLLRDHUP,
			    hvshm_client_cb, h);
	if (err) {
		close(fd);
		h->client_fd = -1;
		return;
	}
	err = hvshm_client_setup(h);
	if (err) {
		log_msg("hvshm: ivshmem handshake failed: %s", strerror(-err));
		hvshm_client_close(h);
		return;
	}
	log_debug("hvshm: QEMU connected, %u vectors", h->nr_vectors);
}

static int hvshm_listen(struct hvshm *h)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(h->socket_path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, h->socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(h->socket_path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 2) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	h->listen_fd = fd;
	return 0;
}

struct hvshm *hvshm_create(struct evloop *loop, const char *socket_path,
			   uint32_t nr_vcpus)
{
	struct hvshm *h;
	uint32_t i;
	int err;

	if (!nr_vcpus || nr_vcpus > HVSHM_MAX_VCPUS)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->loop = loop;
	h->client_fd = h->listen_fd = -1;
	h->nr_vectors = nr_vcpus > HVSHM_NR_DOORBELLS ? nr_vcpus :
			HVSHM_NR_DOORBELLS;
	for (i = 0; i < HVSHM_MAX_VECTORS; i++)
		h->doorbell_fd[i] = h->msix_fd[i] = -1;
	h->socket_path = strdup(socket_path);
	if (!h->socket_path)
		goto err_free_h;
	h->shm_fd = memfd_create("hvshm-bar", MFD_CLOEXEC);
	if (h->shm_fd < 0)
		goto err_free_path;
	if (ftruncate(h->shm_fd, HVSHM_BAR_SIZE) < 0)
		goto err_close_shm;
	h->bar = mmap(NULL, HVSHM_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      h->shm_fd, 0);
	if (h->bar == MAP_FAILED)
		goto err_close_shm;
	h->hb = hvshm_bar_create(h->bar, nr_vcpus, loop, hvshm_raise, h);
	if (!h->hb)
		goto err_unmap_bar;
	err = hvshm_listen(h);
	if (err) {
		log_msg("hvshm: cannot listen on %s: %s", socket_path,
			strerror(-err));
		goto err_destroy_bar;
	}
	if (evloop_add_fd(loop, h->listen_fd, EPOLLIN, hvshm_accept_cb, h))
		goto err_close_listen;
	return h;

err_close_listen:
	close(h->listen_fd);
	unlink(h->socket_path);
err_destroy_bar:
	hvshm_bar_destroy(h->hb);
err_unmap_bar:
	munmap(h->bar, HVSHM_BAR_SIZE);
err_close_shm:
	close(h->shm_fd);
err_free_path:
	free(h->socket_path);
err_free_h:
	free(h);
	return NULL;
}

void hvshm_destroy(struct hvshm *h)
{
	if (!h)
		return;
	hvshm_client_close(h);
	evloop_del_fd(h->loop, h->listen_fd);
	close(h->listen_fd);
	unlink(h->socket_path);
	hvshm_bar_destroy(h->hb);
	munmap(h->bar, HVSHM_BAR_SIZE);
	close(h->shm_fd);
	free(h->socket_path);
	free(h);
}

struct transport *hvshm_transport(struct hvshm *h)
{
	return hvshm_bar_transport(h->hb);
}

uint32_t hvshm_nr_vectors(const struct hvshm *h)
{
	return h->nr_vectors;
}

void hvshm_set_disconnect_cb(struct hvshm *h, void (*cb)(void *opaque),
			     void *opaque)
{
	h->disconnect_cb = cb;
	h->disconnect_opaque = opaque;
}
