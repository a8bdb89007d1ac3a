// SPDX-License-Identifier: GPL-2.0-only
/* Raw image files on io_uring: reads, writes, fdatasync and hole punching. */
#include "disk/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include "evloop.h"
#include "log.h"

/*
 * Locking: none; one ring and its disks belong to the event-loop thread.
 * The kernel only sees the SQ/CQ rings, through liburing.
 */
struct disk_ring {
	struct io_uring uring;
	struct evloop *loop;
	int efd;		/* the ring's completion eventfd, on the loop */
	unsigned int issued;	/* operations the kernel holds */
	unsigned int cap;	/* at most this many: the CQ never overflows */
	unsigned int queued;	/* waiting for room, FIFO */
	struct disk_io *wait_head, *wait_tail;
	/* Bounce buffers: bytes held, the most ever held, and who waits, FIFO. */
	uint64_t bounce_bytes, bounce_peak;
	unsigned int bounce_waiting;
	struct disk_io *bounce_head, *bounce_tail;
	int retry_timer;	/* resubmits SQEs a failed submit left, or 0 */
	bool submit_failing;	/* logged once until a submit succeeds */
};

struct disk {
	struct disk_ring *ring;
	int fd;
	bool read_only;
	bool direct;
};

/* O_DIRECT wants buffers, lengths and offsets aligned to the block. */
#define DISK_DIRECT_ALIGN	4096u
/* After a failed io_uring_submit, try again this much later. */
#define DISK_SUBMIT_RETRY_NS	1000000ull

int (*disk_uring_submit)(struct io_uring *uring) = io_uring_submit;

static bool disk_ring_try_issue(struct disk_ring *r, struct disk_io *io);
static void disk_ring_submit(struct disk_ring *r);
static void disk_ring_admit(struct disk_ring *r);

static uint64_t disk_ring_retry(void *opaque)
{
	struct disk_ring *r = opaque;

	r->retry_timer = 0;
	disk_ring_submit(r);
	return 0;
}

/*
 * Hand the SQEs in the ring to the kernel.  A submit can fail for a while
 * (-EAGAIN, -EBUSY, -EINTR) or take only some; what it leaves stays in
 * the SQ ring, and io_uring_get_sqe never hands those slots out again.
 * With nothing else in flight no completion would come to submit them
 * later, so a timer does.
 */
static void disk_ring_submit(struct disk_ring *r)
{
	int ret = disk_uring_submit(&r->uring);
	int id;

	if (!io_uring_sq_ready(&r->uring)) {
		r->submit_failing = false;
		return;
	}
	if (ret < 0 && ret != -EAGAIN && ret != -EBUSY && ret != -EINTR &&
	    !r->submit_failing)
		log_msg("disk: io_uring_submit: %s; retrying", strerror(-ret));
	r->submit_failing = true;
	if (r->retry_timer)
		return;
	id = evloop_add_timer(r->loop, DISK_SUBMIT_RETRY_NS, disk_ring_retry, r);
	if (id > 0)
		r->retry_timer = id;
	else
		log_msg("disk: no timer to retry a failed io_uring_submit");
}

static void disk_ring_enqueue(struct disk_ring *r, struct disk_io *io)
{
	io->next = NULL;
	if (r->wait_tail)
		r->wait_tail->next = io;
	else
		r->wait_head = io;
	r->wait_tail = io;
	r->queued++;
}

static void disk_ring_drain_queue(struct disk_ring *r)
{
	struct disk_io *io;

	while ((io = r->wait_head) && disk_ring_try_issue(r, io)) {
		r->wait_head = io->next;
		if (!r->wait_head)
			r->wait_tail = NULL;
		r->queued--;
	}
}

/* The iovecs the next op moves: what is left after io->moved bytes. */
static void disk_io_vec(struct disk_io *io, const struct iovec **vec,
			unsigned int *cnt)
{
	if (io->bounce) {
		io->bounce_iov.iov_base = (char *)io->bounce + io->moved;
		io->bounce_iov.iov_len = io->len - io->moved;
		*vec = &io->bounce_iov;
		*cnt = 1;
	} else if (io->tail) {
		*vec = io->tail;
		*cnt = io->tail_cnt;
	} else {
		*vec = io->iov;
		*cnt = io->iovcnt;
	}
}

/* Hand @io to the kernel, or false when the ring has no room now. */
static bool disk_ring_try_issue(struct disk_ring *r, struct disk_io *io)
{
	struct io_uring_sqe *sqe;
	const struct iovec *vec;
	unsigned int cnt;
	int fd = io->disk->fd;

	if (r->issued >= r->cap)
		return false;
	sqe = io_uring_get_sqe(&r->uring);
	if (!sqe)
		return false;
	switch (io->op) {
	case DISK_OP_READ:
		disk_io_vec(io, &vec, &cnt);
		io_uring_prep_readv(sqe, fd, vec, cnt, io->offset + io->moved);
		break;
	case DISK_OP_WRITE:
		disk_io_vec(io, &vec, &cnt);
		io_uring_prep_writev(sqe, fd, vec, cnt, io->offset + io->moved);
		break;
	case DISK_OP_FLUSH:
		io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
		break;
	default:
		io_uring_prep_fallocate(sqe, fd,
					FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					(off_t)io->offset, (off_t)io->len);
		break;
	}
	io_uring_sqe_set_data(sqe, io);
	r->issued++;
	/* One submit per op: the loop has no end-of-round hook to batch on. */
	disk_ring_submit(r);
	return true;
}

/* Issue now, or queue behind what already waits (FIFO). */
static void disk_ring_issue(struct disk_ring *r, struct disk_io *io)
{
	if (r->wait_head || !disk_ring_try_issue(r, io))
		disk_ring_enqueue(r, io);
}

/* Zero what a read could not fill: the file ends before the request. */
static void disk_io_zero_rest(struct disk_io *io)
{
	uint64_t skip = io->moved;
	unsigned int i;

	if (io->bounce) {
		memset((char *)io->bounce + io->moved, 0, io->len - io->moved);
		return;
	}
	for (i = 0; i < io->iovcnt; i++) {
		size_t l = io->iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		memset((char *)io->iov[i].iov_base + skip, 0, l - skip);
		skip = 0;
	}
}

/* Rebuild io->tail as the original iovecs less the first io->moved bytes. */
static int disk_io_make_tail(struct disk_io *io)
{
	uint64_t skip = io->moved;
	unsigned int i, n = 0;
	struct iovec *tail;

	tail = malloc(sizeof(*tail) * io->iovcnt);
	if (!tail)
		return -ENOMEM;
	for (i = 0; i < io->iovcnt; i++) {
		size_t l = io->iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		tail[n].iov_base = (char *)io->iov[i].iov_base + skip;
		tail[n].iov_len = l - skip;
		skip = 0;
		n++;
	}
	free(io->tail);
	io->tail = tail;
	io->tail_cnt = n;
	return 0;
}

static void disk_io_copy_out(struct disk_io *io)
{
	const char *src = io->bounce;
	unsigned int i;

	for (i = 0; i < io->iovcnt; i++) {
		memcpy(io->iov[i].iov_base, src, io->iov[i].iov_len);
		src += io->iov[i].iov_len;
	}
}

static void disk_io_finish(struct disk_io *io, int result)
{
	if (io->bounce) {
		struct disk_ring *r = io->disk->ring;

		if (!result && io->op == DISK_OP_READ)
			disk_io_copy_out(io);
		free(io->bounce);
		io->bounce = NULL;
		r->bounce_bytes -= io->bounce_size;
	}
	free(io->tail);
	io->tail = NULL;
	io->result = result;
	io->done(io);	/* may free or reuse io */
}

static void disk_io_complete(struct disk_ring *r, struct disk_io *io, int res)
{
	if (res == -EAGAIN || res == -EINTR) {
		disk_ring_issue(r, io);
		return;
	}
	if (res < 0) {
		disk_io_finish(io, res);
		return;
	}
	if (io->op != DISK_OP_READ && io->op != DISK_OP_WRITE) {
		disk_io_finish(io, 0);
		return;
	}
	if (res == 0) {
		/* A write that moves nothing would loop forever. */
		if (io->op == DISK_OP_WRITE) {
			disk_io_finish(io, -EIO);
			return;
		}
		disk_io_zero_rest(io);
		disk_io_finish(io, 0);
		return;
	}
	io->moved += (uint64_t)res;
	if (io->moved >= io->len) {
		disk_io_finish(io, 0);
		return;
	}
	/*
	 * Short: a regular file only reads short at EOF, and O_DIRECT could
	 * not go on from an unaligned offset anyway; else try the rest.
	 */
	if (io->op == DISK_OP_READ && io->disk->direct &&
	    io->moved % DISK_BLOCK) {
		disk_io_zero_rest(io);
		disk_io_finish(io, 0);
		return;
	}
	if (!io->bounce && disk_io_make_tail(io) < 0) {
		disk_io_finish(io, -ENOMEM);
		return;
	}
	disk_ring_issue(r, io);
}

static void disk_ring_event(void *opaque, uint32_t events)
{
	struct disk_ring *r = opaque;
	struct io_uring_cqe *cqe;
	uint64_t cnt;

	(void)events;
	if (read(r->efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		log_msg("disk: eventfd read: %s", strerror(errno));
	while (io_uring_peek_cqe(&r->uring, &cqe) == 0) {
		struct disk_io *io = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&r->uring, cqe);
		r->issued--;
		disk_io_complete(r, io, res);
		disk_ring_admit(r);
		disk_ring_drain_queue(r);
	}
	disk_ring_admit(r);
	disk_ring_drain_queue(r);
	/* SQEs a failed io_uring_submit left behind go in now. */
	if (io_uring_sq_ready(&r->uring))
		disk_ring_submit(r);
}

struct disk_ring *disk_ring_create(struct evloop *loop, unsigned int depth)
{
	struct io_uring_params p = { 0 };
	struct disk_ring *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return NULL;
	r->loop = loop;
	ret = io_uring_queue_init_params(depth, &r->uring, &p);
	if (ret < 0) {
		log_msg("disk: io_uring_queue_init: %s", strerror(-ret));
		goto err_free_ring;
	}
	r->cap = p.cq_entries;
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->efd < 0)
		goto err_exit_uring;
	ret = io_uring_register_eventfd(&r->uring, r->efd);
	if (ret < 0) {
		log_msg("disk: io_uring_register_eventfd: %s", strerror(-ret));
		goto err_close_efd;
	}
	if (evloop_add_fd(loop, r->efd, EPOLLIN, disk_ring_event, r) < 0)
		goto err_close_efd;
	return r;

err_close_efd:
	close(r->efd);
err_exit_uring:
	io_uring_queue_exit(&r->uring);
err_free_ring:
	free(r);
	return NULL;
}

void disk_ring_destroy(struct disk_ring *r)
{
	if (!r)
		return;
	if (r->issued || r->queued || r->bounce_waiting)
		log_msg("disk: ring destroyed with %u operations in flight",
			disk_ring_inflight(r));
	if (r->retry_timer)
		evloop_del_timer(r->loop, r->retry_timer);
	evloop_del_fd(r->loop, r->efd);
	io_uring_queue_exit(&r->uring);
	close(r->efd);
	free(r);
}

unsigned int disk_ring_inflight(const struct disk_ring *r)
{
	return r->issued + r->queued + r->bounce_waiting;
}

void disk_ring_bounce_stats(const struct disk_ring *r, uint64_t *bytes,
			    uint64_t *peak, unsigned int *waiting)
{
	*bytes = r->bounce_bytes;
	*peak = r->bounce_peak;
	*waiting = r->bounce_waiting;
}

/* Whether O_DIRECT accepts 512-byte blocks here (4K-sector devices do not). */
static int disk_probe_direct(int fd)
{
	void *buf;
	int ret = 0;

	if (posix_memalign(&buf, DISK_DIRECT_ALIGN, DISK_BLOCK))
		return -ENOMEM;
	if (pread(fd, buf, DISK_BLOCK, 0) < 0)
		ret = -errno;
	free(buf);
	return ret;
}

int disk_open(struct disk_ring *r, const char *path, bool read_only,
	      bool direct, struct disk **out, char *err, size_t errlen)
{
	int flags = (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	struct disk *d;
	struct stat st;
	int ret;

	if (direct)
		flags |= O_DIRECT;
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->ring = r;
	d->read_only = read_only;
	d->direct = direct;
	d->fd = open(path, flags);
	if (d->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto err_free_disk;
	}
	if (fstat(d->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: not a regular file", path);
		goto err_close_fd;
	}
	if (direct) {
		ret = disk_probe_direct(d->fd);
		if (ret < 0) {
			snprintf(err, errlen,
				 "%s: O_DIRECT 512-byte reads fail: %s", path,
				 strerror(-ret));
			goto err_close_fd;
		}
	}
	*out = d;
	return 0;

err_close_fd:
	close(d->fd);
err_free_disk:
	free(d);
	return ret;
}

void disk_close(struct disk *d)
{
	if (!d)
		return;
	close(d->fd);
	free(d);
}

uint64_t disk_size(const struct disk *d)
{
	struct stat st;

	if (fstat(d->fd, &st) < 0 || st.st_size < 0)
		return 0;
	return (uint64_t)st.st_size;
}

int disk_resize(struct disk *d, uint64_t bytes)
{
	if (d->read_only)
		return -EROFS;
	if (bytes > (uint64_t)INT64_MAX)
		return -EFBIG;
	if (ftruncate(d->fd, (off_t)bytes) < 0)
		return -errno;
	return 0;
}

/* O_DIRECT needs aligned memory; readv/writev take at most IOV_MAX. */
static bool disk_io_needs_bounce(const struct disk *d, const struct disk_io *io)
{
	unsigned int i;

	if (io->iovcnt > IOV_MAX)
		return true;
	if (!d->direct)
		return false;
	for (i = 0; i < io->iovcnt; i++)
		if ((uintptr_t)io->iov[i].iov_base % DISK_BLOCK ||
		    io->iov[i].iov_len % DISK_BLOCK)
			return true;
	return false;
}

static int disk_io_make_bounce(struct disk_ring *r, struct disk_io *io)
{
	unsigned int i;
	char *dst;

	if (posix_memalign(&io->bounce, DISK_DIRECT_ALIGN, io->bounce_size)) {
		io->bounce = NULL;
		return -ENOMEM;
	}
	r->bounce_bytes += io->bounce_size;
	if (r->bounce_bytes > r->bounce_peak)
		r->bounce_peak = r->bounce_bytes;
	if (io->op != DISK_OP_WRITE)
		return 0;
	dst = io->bounce;
	for (i = 0; i < io->iovcnt; i++) {
		memcpy(dst, io->iov[i].iov_base, io->iov[i].iov_len);
		dst += io->iov[i].iov_len;
	}
	return 0;
}

/* One alone always fits: a budget below DISK_MAX_IO must not wedge. */
static bool disk_bounce_fits(const struct disk_ring *r, size_t size)
{
	return !r->bounce_bytes || r->bounce_bytes + size <= DISK_BOUNCE_BUDGET;
}

static void disk_bounce_enqueue(struct disk_ring *r, struct disk_io *io)
{
	io->next = NULL;
	if (r->bounce_tail)
		r->bounce_tail->next = io;
	else
		r->bounce_head = io;
	r->bounce_tail = io;
	r->bounce_waiting++;
}

/*
 * Bounce buffers were freed: start, in order, what waited for budget.
 * Runs from the completion handler, so done() may run here.
 */
static void disk_ring_admit(struct disk_ring *r)
{
	struct disk_io *io;

	while ((io = r->bounce_head) && disk_bounce_fits(r, io->bounce_size)) {
		r->bounce_head = io->next;
		if (!r->bounce_head)
			r->bounce_tail = NULL;
		r->bounce_waiting--;
		if (disk_io_make_bounce(r, io) == 0) {
			disk_ring_issue(r, io);
			continue;
		}
		if (r->bounce_bytes) {
			/* Memory comes back with the next completion: wait for it. */
			io->next = r->bounce_head;
			r->bounce_head = io;
			if (!r->bounce_tail)
				r->bounce_tail = io;
			r->bounce_waiting++;
			return;
		}
		disk_io_finish(io, -ENOMEM);
	}
}

/* @io needs a bounce buffer: take one now, or wait for the budget. */
static int disk_submit_bounced(struct disk_ring *r, struct disk_io *io)
{
	io->bounce_size = (io->len + DISK_DIRECT_ALIGN - 1) &
			  ~(size_t)(DISK_DIRECT_ALIGN - 1);
	/* Nothing overtakes a request already waiting for budget. */
	if (r->bounce_head || !disk_bounce_fits(r, io->bounce_size)) {
		disk_bounce_enqueue(r, io);
		return 0;
	}
	if (disk_io_make_bounce(r, io) < 0)
		return -ENOMEM;
	disk_ring_issue(r, io);
	return 0;
}

int disk_submit(struct disk *d, struct disk_io *io)
{
	io->disk = d;
	io->moved = 0;
	io->bounce = NULL;
	io->bounce_size = 0;
	io->tail = NULL;
	io->tail_cnt = 0;
	io->result = 0;
	switch (io->op) {
	case DISK_OP_WRITE:
		if (d->read_only)
			return -EROFS;
		/* fall through */
	case DISK_OP_READ:
		if (!io->len || io->len > DISK_MAX_IO || !io->iovcnt)
			return -EINVAL;
		if (disk_io_needs_bounce(d, io))
			return disk_submit_bounced(d->ring, io);
		break;
	case DISK_OP_PUNCH:
		if (d->read_only)
			return -EROFS;
		if (!io->len || io->offset > (uint64_t)INT64_MAX ||
		    io->len > (uint64_t)INT64_MAX - io->offset)
			return -EINVAL;
		break;
	case DISK_OP_FLUSH:
		break;
	default:
		return -EINVAL;
	}
	disk_ring_issue(d->ring, io);
	return 0;
}
