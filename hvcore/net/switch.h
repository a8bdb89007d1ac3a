/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvcore's L2 switch: a learning Ethernet switch between NICs, named by a
 * unix socket path so that NICs of other hvcore instances join it over
 * that socket (no TAP, no root).
 *
 * The first hvcore to join a path hosts the switch: it binds the socket
 * (SOCK_SEQPACKET, one frame per message) and its NICs are local ports;
 * each hvcore that connects later is one remote port.  A NIC of such an
 * hvcore talks to the hosting switch over its own connection (a link).
 *
 * Flow control: a port that cannot take a frame (its guest has no
 * receive slot) pauses itself; frames for a paused local port are dropped
 * and counted, as a switch with a full queue does, while a paused link
 * stops reading its socket so the host's queue for it fills instead.
 * Everything runs on the event-loop thread.
 */
#ifndef HVCORE_NET_SWITCH_H
#define HVCORE_NET_SWITCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct evloop;
struct netsw_port;

/* The largest frame the switch carries: a 9000-byte MTU, header, tag. */
#define NETSW_FRAME_MAX		(9000u + 14 + 4)

/*
 * A frame for the port's NIC: 0 when taken (delivered, or held by a NIC
 * that then paused the port, see netsw_pause()), or -errno when dropped.
 */
typedef int (*netsw_rx_fn)(void *opaque, const uint8_t *frame, uint32_t len);

/*
 * Join the switch at unix socket @path: host it if nobody does yet.
 * Returns the port, or NULL with *@err set (-errno).
 */
struct netsw_port *netsw_join(struct evloop *loop, const char *path,
			      netsw_rx_fn rx, void *opaque, int *err);
void netsw_leave(struct netsw_port *port);

/* Send a frame from the port's NIC: 0, or -errno (dropped, counted). */
int netsw_send(struct netsw_port *port, const uint8_t *frame, uint32_t len);

/* Stop (or resume) handing frames to the port's NIC. */
void netsw_pause(struct netsw_port *port, bool pause);

/* One line for hvcore ctl: role, ports, frame and drop counts. */
void netsw_print(const struct netsw_port *port, FILE *out);

#endif
