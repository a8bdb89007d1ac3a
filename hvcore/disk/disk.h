/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvcore's disk back end: raw image files read and written asynchronously
 * through one io_uring per ring owner (a SCSI target), whose completions
 * arrive on the event loop.  Everything runs on the event-loop thread.
 */
#ifndef HVCORE_DISK_H
#define HVCORE_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct evloop;
struct disk;
struct disk_ring;
struct io_uring;

#define DISK_BLOCK		512u
/* The largest read or write one disk_io may carry (what the bounce buffer is sized by). */
#define DISK_MAX_IO		(2u << 20)
/*
 * Bytes of bounce buffers (O_DIRECT with a guest buffer that is not
 * block-aligned) one ring holds at once.  Requests over it wait, in order,
 * until others free theirs; one alone always goes.  Without it each of
 * the thousands of requests a guest may queue would hold DISK_MAX_IO.
 */
#ifndef DISK_BOUNCE_BUDGET	/* unit tests build with a small one */
#define DISK_BOUNCE_BUDGET	(64ull << 20)
#endif

/* One ring for many disks; its completion eventfd is watched by @loop. */
struct disk_ring *disk_ring_create(struct evloop *loop, unsigned int depth);
/* Nothing may be in flight on it. */
void disk_ring_destroy(struct disk_ring *r);
/* Operations submitted and not yet completed (queued ones included). */
unsigned int disk_ring_inflight(const struct disk_ring *r);
/* Bounce bytes held now and at most so far; operations waiting for budget. */
void disk_ring_bounce_stats(const struct disk_ring *r, uint64_t *bytes,
			    uint64_t *peak, unsigned int *waiting);
/*
 * What rings call to hand SQEs to the kernel: io_uring_submit().  Tests
 * point it elsewhere to make submits fail; nothing else may touch it.
 */
extern int (*disk_uring_submit)(struct io_uring *uring);

/*
 * Open the raw image @path (it must exist) read-only or read-write, with
 * O_DIRECT if @direct.  0 or -errno with the reason in @err.
 */
int disk_open(struct disk_ring *r, const char *path, bool read_only,
	      bool direct, struct disk **out, char *err, size_t errlen);
/* Nothing may be in flight on it. */
void disk_close(struct disk *d);
/* The file's size now (fstat), in bytes; 0 when fstat fails. */
uint64_t disk_size(const struct disk *d);
/* ftruncate to @bytes.  0 or -errno (-EROFS on a read-only disk). */
int disk_resize(struct disk *d, uint64_t bytes);

#define DISK_OP_READ	0	/* file -> iov; past EOF reads zeros */
#define DISK_OP_WRITE	1	/* iov -> file */
#define DISK_OP_FLUSH	2	/* fdatasync: every write completed before is durable */
#define DISK_OP_PUNCH	3	/* deallocate [offset, offset + len): reads zeros after */

/*
 * One operation.  The caller owns it and keeps it and the buffers alive
 * until done() runs, which is always from the event loop, never inside
 * disk_submit().  done() may free or resubmit the disk_io.
 */
struct disk_io {
	int op;				/* DISK_OP_* */
	uint64_t offset;		/* bytes; a multiple of DISK_BLOCK */
	uint64_t len;			/* bytes: READ/WRITE the iovecs' total */
	const struct iovec *iov;
	unsigned int iovcnt;
	int result;			/* when done() runs: 0 or -errno */
	void (*done)(struct disk_io *io);

	/* The back end's, while in flight. */
	struct disk *disk;
	uint64_t moved;			/* bytes done by earlier partial ops */
	void *bounce;			/* aligned copy for O_DIRECT, or NULL */
	size_t bounce_size;		/* its size, counted in the ring's budget */
	struct iovec bounce_iov;
	struct iovec *tail;		/* remaining iovecs after a partial op */
	unsigned int tail_cnt;
	struct disk_io *next;		/* ring's wait or bounce-budget queue */
};

/*
 * Start @io on @d.  0 (done() will run) or -errno (it will not: a
 * malformed request, e.g. a length over DISK_MAX_IO or a write to a
 * read-only disk, or no memory for a bounce buffer).
 */
int disk_submit(struct disk *d, struct disk_io *io);

#endif
