/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The storvsp unit tests' fixture, on top of the VMBus one: temp image
 * files and the log to inspect, and the guest's storvsc (handshake, SRBs
 * with GPA-direct buffers in fake guest RAM, control commands).
 */
#ifndef HVIS_UNIT_HVCORE_STORVSP_FIXTURE_H
#define HVIS_UNIT_HVCORE_STORVSP_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "hvcore_vmbus_fixture.h"
#include "hvis/vstor.h"

#define IMG_SIZE	(1u << 20)
#define PKT		HVIS_VSTOR_PACKET_SIZE

/* Three images (made by make_image()) and the log file the tests read. */
extern char img_a[64], img_b[64], img_c[64], log_path[64];

/* --- Host-side files --- */

/* A temp image of IMG_SIZE bytes, a pattern that @seed varies. */
bool make_image(char *path, uint8_t seed);
bool image_has(const char *path, uint64_t off, const void *want,
	       uint32_t len);
/* The log holds @what (else says so in a diagnostic). */
bool log_has(const char *what);

/* --- The guest's storvsc --- */

struct reply {
	struct hvis_vmpacket_desc d;
	struct hvis_vstor_packet p;
};

/* The next packet from the host, waiting for the target's I/O if need be. */
bool get_reply(struct gchan *g, struct reply *r);
bool send_inband(struct gchan *g, uint64_t tid,
		 const struct hvis_vstor_packet *p, uint32_t len);
/* A control request; the COMPLETE_IO status, or -1. */
int64_t ctl_req(struct gchan *g, struct hvis_vstor_packet *p, uint64_t tid);
int64_t simple_op(struct gchan *g, uint32_t op, uint64_t tid);
/* BEGIN, version 6.2, properties, END: all succeed. */
bool handshake(struct gchan *g);
/* Add a storvsp controller with @args, connect, open its primary channel. */
bool bring_up_stor(const char *args, struct gchan *g, uint32_t tx_pages,
		   uint32_t rx_pages, bool shake);

/* A guest data buffer: @npages pages, possibly in reverse physical order. */
struct gbuf {
	uint64_t pfn[8];
	uint32_t npages, offset, len;
};

void gbuf_init(struct gbuf *b, uint32_t npages, uint32_t offset,
	       uint32_t len, bool reversed);
void gbuf_copy(struct gbuf *b, void *data, bool to_guest);
void srb_init(struct hvis_vstor_packet *p, uint8_t lun, const uint8_t *cdb,
	      uint8_t cdb_len, uint8_t data_in, uint32_t len);
/* Send an SRB with @b as its GPA-direct range (NULL: inband). */
bool send_srb(struct gchan *g, uint64_t tid,
	      const struct hvis_vstor_packet *p, const struct gbuf *b);
/* Send an SRB and take its completion into @p. */
bool srb_io(struct gchan *g, uint64_t tid, struct hvis_vstor_packet *p,
	    const struct gbuf *b);
void rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t blocks);
/* The next message is the rescind of @relid. */
bool chan_rescinded(uint32_t relid);
/* `hvcore ctl storvsp 1 @line`: its status, the reply body in @text. */
int ctl(const char *line, char **text);

#endif /* HVIS_UNIT_HVCORE_STORVSP_FIXTURE_H */
