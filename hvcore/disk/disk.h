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

#define DISK_BLOCK		512u
/* The largest read or write one disk_io may carry (what the bounce buffer is sized by). */
#define DISK_MAX_IO		(2u << 20)

/* One ring for many disks; its completion eventfd is watched by @loop. */
struct disk_ring *disk_ring_create(struct evloop *loop, unsigned int depth);
/* Nothing may be in flight on it. */
void disk_ring_destroy(struct disk_ring *r);
/* Operations submitted and not yet completed (queued ones included). */
unsigned int disk_ring_inflight(const struct disk_ring *r);

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
	struct iovec bounce_iov;
	struct iovec *tail;		/* remaining iovecs after a partial op */
	unsigned int tail_cnt;
	struct disk_io *next;		/* ring's wait queue */
};

/*
 * Start @io on @d.  0 (done() will run) or -errno (it will not: a
 * malformed request, e.g. a length over DISK_MAX_IO or a write to a
 * read-only disk).
 */
int disk_submit(struct disk *d, struct disk_io *io);

#endif
