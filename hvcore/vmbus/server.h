/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvcore's VMBus server: the host half of the channel-message protocol
 * (versions, offers, GPADLs, open/close, rescind, unload) and the owner of
 * every channel and the VSP behind it.  Runs on the event loop thread.
 */
#ifndef HVCORE_VMBUS_SERVER_H
#define HVCORE_VMBUS_SERVER_H

#include <stdint.h>
#include <stdio.h>

struct evloop;
struct guest_mem;
struct transport;
struct vmbus_server;

/* Takes over t->client; the transport must outlive the server. */
struct vmbus_server *vmbus_server_create(struct evloop *loop,
					 const struct guest_mem *mem,
					 struct transport *t);
void vmbus_server_destroy(struct vmbus_server *s);

/*
 * Add a device served by the VSP named @vsp ("echo", ...), with VSP-specific
 * @args (may be NULL).  Offered at once if the guest is connected, else when
 * it asks for offers.  Returns the relid (> 0) or -errno.
 */
int vmbus_server_add_device(struct vmbus_server *s, const char *vsp,
			    const char *args);

/* Rescind the device at @relid (closing its channel first). 0 or -errno. */
int vmbus_server_rescind(struct vmbus_server *s, uint32_t relid);

/*
 * Hand a control command to the device at @relid, which must be served by
 * the VSP named @vsp: its vsp_ops.ctl writes the reply to @out.  -ENOENT
 * (nothing written) if there is no such device, -EOPNOTSUPP if the VSP
 * takes no commands, else what the VSP returned.
 */
int vmbus_server_dev_ctl(struct vmbus_server *s, const char *vsp,
			 uint32_t relid, int argc, char **argv, FILE *out);

/* The relid of the first live device served by @vsp, or 0 if none. */
uint32_t vmbus_server_first_relid(struct vmbus_server *s, const char *vsp);

/* One line per channel: relid, vsp, class, instance, state, counters. */
void vmbus_server_list(struct vmbus_server *s, FILE *fp);

/* The guest was reset or powered off: forget every connection-level state. */
void vmbus_server_reset(struct vmbus_server *s);

/*
 * The highest version the server accepts, HVIS_VMBUS_VERSION_WIN10_V5_3
 * unless set.  It applies from the next INITIATE_CONTACT; a live connection
 * keeps its version.  Below 5.0 connection id 4 is refused at the post, as
 * a host that predates it does, so the guest must fall back to id 1.
 * Only known versions (2.4 .. 5.3): 0 or -EINVAL.
 */
int vmbus_server_set_max_version(struct vmbus_server *s, uint32_t version);
uint32_t vmbus_server_max_version(const struct vmbus_server *s);
/* The version negotiated on the live connection; 0 while disconnected. */
uint32_t vmbus_server_version(const struct vmbus_server *s);
/* "X.Y", one of the known versions, to its wire value: 0 or -EINVAL. */
int vmbus_version_parse(const char *text, uint32_t *version);

#endif
