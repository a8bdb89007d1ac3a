/* SPDX-License-Identifier: GPL-2.0-only */
/* The SCSI target tests' fixture: temp sparse images, commands run to completion on an evloop. */
#ifndef HVIS_UNIT_SCSI_FIXTURE_H
#define HVIS_UNIT_SCSI_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "evloop.h"
#include "ktap.h"
#include "scsi/scsi.h"

#define MIB		(1u << 20)
#define IMG_SIZE	(8u * MIB)	/* 16384 blocks */

extern struct evloop *loop;

/* One command the test sends; done says its done() ran. */
struct treq {
	struct scsi_req req;
	struct iovec iov[64];
	bool done;
};

/* A temp image of some size (sparse) and a target with it at one LUN. */
struct fix {
	struct scsi_target *t;
	char path[64];
	int fd;			/* the test's own view of the image */
};

/* Run the loop until *@flag or @ms pass; whether the flag got set. */
bool run_until(const bool *flag, unsigned int ms);
/* Run the loop for @ms whatever happens. */
void run_for(unsigned int ms);
/* One iovec of @buflen bytes at @buf (none if NULL). */
void treq_init(struct treq *x, const uint8_t *cdb, unsigned int len,
	       int dir, void *buf, uint32_t buflen);
/* Submit and run to completion; false on a 5 s timeout. */
bool run_cmd(struct scsi_target *t, unsigned int lun, struct treq *x);
bool cmd(struct scsi_target *t, unsigned int lun, struct treq *x,
	 const uint8_t *cdb, unsigned int len, int dir, void *buf,
	 uint32_t buflen);
bool tur(struct fix *f, unsigned int lun, struct treq *x);
/* Ended GOOD without sense; or CHECK CONDITION with this fixed sense. */
bool good(const struct treq *x);
bool sense_is(const struct treq *x, uint8_t key, uint8_t asc, uint8_t ascq);

uint32_t be32(const uint8_t *p);
uint64_t be64(const uint8_t *p);
void put32(uint8_t *p, uint32_t v);
void put64(uint8_t *p, uint64_t v);
void cdb_rw10(uint8_t *c, bool write, uint32_t lba, uint16_t n);
void cdb_rw16(uint8_t *c, bool write, uint64_t lba, uint32_t n);

/* @opts: extra DISK spec words ("ro", "direct", ...). */
bool fix_open(struct fix *f, uint64_t size, const char *opts, int lun);
void fix_close(struct fix *f);
void fill(uint8_t *b, size_t len, unsigned int seed);
bool all_zero(const uint8_t *b, size_t len);
/* The image's allocated 512-byte blocks (st_blocks). */
long long img_blocks(const struct fix *f);
/* Write 1 MiB of fill(.., 1) at LBA 0 and SYNCHRONIZE CACHE. */
bool fill_first_mib(struct fix *f, uint8_t *b);

/* Make the loop, run @cases as "unit <component>: ...", exit status. */
int scsi_fixture_main(const char *component, const struct ktap_case *cases,
		      int count);

#endif
