/* SPDX-License-Identifier: GPL-2.0-only */
/* The hvshm transport: SynIC slots in an ivshmem BAR, with hvcore as the ivshmem server. */
#ifndef HVCORE_HVSHM_H
#define HVCORE_HVSHM_H

#include <stdint.h>

#include "transport.h"

struct evloop;

/*
 * The BAR half: the struct transport over a mapped BAR, and the reactions to
 * guest doorbells.  It knows nothing of sockets so the tests run it over
 * plain memory; @raise interrupts vCPU @vector's SINT 2.
 */
struct hvshm_bar;
typedef void (*hvshm_raise_fn)(void *opaque, uint32_t vector);

/* Fills the header; @bar must be HVSHM_BAR_SIZE bytes. */
struct hvshm_bar *hvshm_bar_create(void *bar, uint32_t nr_vcpus,
				   struct evloop *loop, hvshm_raise_fn raise,
				   void *opaque);
void hvshm_bar_destroy(struct hvshm_bar *hb);
struct transport *hvshm_bar_transport(struct hvshm_bar *hb);
/* The guest rang HVSHM_VEC_* @vector. */
void hvshm_bar_doorbell(struct hvshm_bar *hb, uint32_t vector);
/* The guest went away: drop queued messages and clear every slot. */
void hvshm_bar_reset(struct hvshm_bar *hb);

/* Messages that may wait per vCPU while its SINT 2 slot is busy. */
#define HVSHM_QUEUE_LEN		1024
/* How often queued messages are re-tried without an EOM, in ns. */
#define HVSHM_RETRY_NS		10000000ull

/*
 * The server half: owns the BAR memfd and the unix socket QEMU's
 * ivshmem-doorbell chardev connects to (one client at a time).
 */
struct hvshm;

struct hvshm *hvshm_create(struct evloop *loop, const char *socket_path,
			   uint32_t nr_vcpus);
void hvshm_destroy(struct hvshm *h);
struct transport *hvshm_transport(struct hvshm *h);
/* ivshmem "vectors=" QEMU must be given: max(HVSHM_NR_DOORBELLS, nr_vcpus). */
uint32_t hvshm_nr_vectors(const struct hvshm *h);
/* Called when the client (QEMU) disconnects; may be NULL. */
void hvshm_set_disconnect_cb(struct hvshm *h, void (*cb)(void *opaque),
			     void *opaque);

#endif
