// SPDX-License-Identifier: GPL-2.0-only
/* hvcore's VMBus server: connection-level channel messages and the device list. */
#include "vmbus/server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "evloop.h"
#include "gpa.h"
#include "log.h"
#include "transport.h"
#include "vmbus/channel.h"
#include "vmbus/vmbus_int.h"
#include "vsp/vsp.h"

/* Versions offered to the guest; it walks down its own list until one fits. */
static const uint32_t vmbus_versions[] = {
	HVIS_VMBUS_VERSION_WIN10_V5_3, HVIS_VMBUS_VERSION_WIN10_V5_2,
	HVIS_VMBUS_VERSION_WIN10_V5_1, HVIS_VMBUS_VERSION_WIN10_V5,
	HVIS_VMBUS_VERSION_WIN10_V4_1, HVIS_VMBUS_VERSION_WIN10,
	HVIS_VMBUS_VERSION_WIN8_1, HVIS_VMBUS_VERSION_WIN8,
};

/*
 * A guest can send bad messages as fast as it likes; the log must not become
 * the way it slows the host down, so complaints go through log_guest().
 */
void vmbus_guest_err(struct vmbus_server *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	(void)s;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_guest("vmbus: %s", line);
}

static void vmbus_disconnect(struct vmbus_server *s);

/*
 * A message that never reaches the guest leaves the two sides disagreeing:
 * a lost RESCIND, OPENCHANNEL_RESULT or GPADL_CREATED wedges the guest's
 * driver, a lost TORNDOWN leaks its pages.  Posts fail only when the guest
 * has left its SINT 2 slot busy for a whole queue of messages (1024 per
 * vCPU), i.e. it is not following the protocol; so hvcore does what it does
 * on UNLOAD: drop the connection (channels closed, GPADLs forgotten, nothing
 * more sent) and let the guest INITIATE_CONTACT again.  That never leaves
 * hvcore serving rings the guest may think are closed, and a guest that does
 * reconnect gets fresh, consistent offers.
 *
 * The reset cannot run inside vmbus_post(): its callers may be walking the
 * very channels and devices it frees.  It runs when the guest message or
 * signal being handled is done, or from a timer for posts made elsewhere.
 */
static void vmbus_reset_if_lost(struct vmbus_server *s)
{
	if (!s->post_lost)
		return;
	log_guest("vmbus: guest missed a message: connection dropped, the guest must reconnect");
	vmbus_disconnect(s);
}

static uint64_t vmbus_lost_timer_cb(void *opaque)
{
	struct vmbus_server *s = opaque;

	s->lost_timer = 0;
	vmbus_reset_if_lost(s);
	return 0;
}

void vmbus_post(struct vmbus_server *s, const void *msg, uint32_t len)
{
	int r = s->t->ops->post_to_guest(s->t, s->target_vcpu, msg, len);
	int id;

	if (r >= 0 || s->post_lost)
		return;
	log_guest("vmbus: cannot post message type %u to vCPU %u: %s",
		  ((const struct hvis_chmsg_header *)msg)->msgtype,
		  s->target_vcpu, strerror(-r));
	s->post_lost = true;
	id = evloop_add_timer(s->loop, 0, vmbus_lost_timer_cb, s);
	s->lost_timer = id > 0 ? id : 0;
}

void vmbus_guid_text(const struct hvis_guid *g, char *buf)
{
	const uint8_t *b = g->b;

	/* The first three fields are little-endian on the wire. */
	snprintf(buf, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

static bool version_known(uint32_t v)
{
	size_t i;

	for (i = 0; i < sizeof(vmbus_versions) / sizeof(vmbus_versions[0]); i++)
		if (vmbus_versions[i] == v)
			return true;
	return false;
}

int vmbus_version_parse(const char *text, uint32_t *version)
{
	size_t i;

	/* Only the exact "X.Y" spellings: no signs, blanks or "5.03". */
	for (i = 0; i < sizeof(vmbus_versions) / sizeof(vmbus_versions[0]); i++) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%u.%u",
			 HVIS_VMBUS_VERSION_MAJOR(vmbus_versions[i]),
			 HVIS_VMBUS_VERSION_MINOR(vmbus_versions[i]));
		if (!strcmp(text, buf)) {
			*version = vmbus_versions[i];
			return 0;
		}
	}
	return -EINVAL;
}

int vmbus_server_set_max_version(struct vmbus_server *s, uint32_t version)
{
	if (!version_known(version))
		return -EINVAL;
	/* The live connection keeps its version; the next contact sees the cap. */
	s->max_version = version;
	return 0;
}

uint32_t vmbus_server_max_version(const struct vmbus_server *s)
{
	return s->max_version;
}

uint32_t vmbus_server_version(const struct vmbus_server *s)
{
	return s->version;
}

static void dev_free(struct vmbus_dev *dev)
{
	struct vmbus_server *s = dev->srv;
	struct vmbus_dev **pp;

	/* Only the server's destruction frees a device that still drains. */
	if (dev->draining)
		s->nr_draining--;
	for (pp = &s->devs; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	}
	if (dev->ops->release)
		dev->ops->release(dev);
	free(dev);
}

static bool dev_has_channels(const struct vmbus_dev *dev)
{
	int i;

	for (i = 0; i <= VMBUS_MAX_SUBCHANNELS; i++)
		if (dev->chans[i])
			return true;
	return false;
}

bool vmbus_chan_forget(struct vmbus_chan *ch)
{
	struct vmbus_dev *dev = ch->dev;

	chan_destroy(ch);
	if (!dev->rescinded || dev_has_channels(dev))
		return false;
	/* Its I/O may still hold back an UNLOAD_RESPONSE: keep it till done. */
	if (dev->draining)
		dev->free_pending = true;
	else
		dev_free(dev);
	return true;
}

/*
 * Ask @dev's VSP, its channels all closed, whether I/O of the device may
 * still touch guest memory; if so the device drains.  Whether it does.
 */
static bool dev_start_drain(struct vmbus_dev *dev)
{
	if (!dev->ops->busy || dev->free_pending)
		return dev->draining;
	if (dev->ops->busy(dev)) {
		if (!dev->draining)
			dev->srv->nr_draining++;
		dev->draining = true;
		dev->quiesced = false;
	}
	return dev->draining;
}

/* Tell the guest a rescinded @dev's channels are gone; forget idle ones. */
static void dev_post_rescinds(struct vmbus_dev *dev)
{
	int i;

	/* Sub-channels first, so the primary's removal finds them gone. */
	for (i = VMBUS_MAX_SUBCHANNELS; i >= 0; i--) {
		struct hvis_chmsg_relid msg = {
			.header.msgtype = HVIS_CHMSG_RESCIND_CHANNELOFFER,
		};
		struct vmbus_chan *ch = dev->chans[i];

		if (!ch || ch->state == CHAN_RESCINDED)
			continue;
		if (ch->state == CHAN_IDLE) {
			if (vmbus_chan_forget(ch))
				return;	/* that freed the device */
			continue;
		}
		msg.child_relid = ch->relid;
		vmbus_post(dev->srv, &msg, sizeof(msg));
		ch->state = CHAN_RESCINDED;
	}
}

void vmbus_dev_rescind_subchannels(struct vmbus_dev *dev)
{
	int i;

	if (dev->rescinded)
		return;
	for (i = VMBUS_MAX_SUBCHANNELS; i >= 1; i--) {
		struct hvis_chmsg_relid msg = {
			.header.msgtype = HVIS_CHMSG_RESCIND_CHANNELOFFER,
		};
		struct vmbus_chan *ch = dev->chans[i];

		if (!ch || ch->state == CHAN_RESCINDED ||
		    ch->state == CHAN_DRAINING)
			continue;
		chan_close(ch);
		if (ch->state == CHAN_IDLE) {
			vmbus_chan_forget(ch);
			continue;
		}
		msg.child_relid = ch->relid;
		vmbus_post(dev->srv, &msg, sizeof(msg));
		ch->state = CHAN_RESCINDED;
	}
}

/*
 * The guest takes a rescind as the end of the device's use of its memory
 * and reuses it, so the rescind waits while the VSP still has I/O under
 * way (dev_start_drain); the closed channels refuse to open meanwhile.
 */
void vmbus_dev_rescind(struct vmbus_dev *dev, const char *why)
{
	int i;

	if (dev->rescinded)
		return;
	dev->rescinded = true;
	/* Not log_guest(): at most once per device, and the line that matters. */
	log_msg("vmbus: rescinding %s device (relid %u): %s", dev->ops->name,
		dev->chans[0] ? dev->chans[0]->relid : 0, why);
	for (i = VMBUS_MAX_SUBCHANNELS; i >= 0; i--)
		if (dev->chans[i])
			chan_close(dev->chans[i]);
	if (!dev_start_drain(dev)) {
		dev_post_rescinds(dev);
		return;
	}
	log_msg("vmbus: the rescind of %s device (relid %u) waits for its VSP's I/O",
		dev->ops->name, dev->chans[0] ? dev->chans[0]->relid : 0);
	for (i = 0; i <= VMBUS_MAX_SUBCHANNELS; i++)
		if (dev->chans[i] && dev->chans[i]->state == CHAN_OFFERED)
			dev->chans[i]->state = CHAN_DRAINING;
}

static void vmbus_post_unload_response(struct vmbus_server *s)
{
	struct hvis_chmsg_header resp = {
		.msgtype = HVIS_CHMSG_UNLOAD_RESPONSE,
	};

	s->unload_pending = false;
	vmbus_post(s, &resp, sizeof(resp));
}

/* @dev's VSP has nothing under way any more: do what waited for it. */
static void dev_drain_done(struct vmbus_dev *dev)
{
	dev->draining = false;
	dev->quiesced = false;
	dev->srv->nr_draining--;
	if (dev->free_pending)
		dev_free(dev);
	else if (dev->rescinded)
		dev_post_rescinds(dev);
}

static uint64_t vmbus_drain_timer_cb(void *opaque)
{
	struct vmbus_server *s = opaque;
	struct vmbus_dev *dev;

	s->drain_timer = 0;
again:
	for (dev = s->devs; dev; dev = dev->next) {
		if (dev->draining && dev->quiesced) {
			dev_drain_done(dev);
			goto again;	/* that may have freed @dev */
		}
	}
	if (s->unload_pending && !s->nr_draining)
		vmbus_post_unload_response(s);
	return 0;
}

void vmbus_dev_quiesced(struct vmbus_dev *dev)
{
	struct vmbus_server *s = dev->srv;
	int id;

	if (!dev->draining || dev->quiesced)
		return;
	dev->quiesced = true;
	if (s->drain_timer)
		return;
	/* Not here: the VSP may be deep in its own completion path. */
	id = evloop_add_timer(s->loop, 0, vmbus_drain_timer_cb, s);
	if (id > 0)
		s->drain_timer = id;
	else
		log_msg("vmbus: no timer to end %s device's drain: its rescind or unload answer is lost",
			dev->ops->name);
}

/*
 * Forget the connection: every channel closed, sub-channels and rescinded
 * devices dropped (the guest asks again after it reconnects), GPADLs freed.
 * Nothing is sent: the guest is unloading or gone.
 */
static void vmbus_disconnect(struct vmbus_server *s)
{
	struct vmbus_dev *dev, *next;
	int i;

	monitor_stop(s);
	if (s->lost_timer)
		evloop_del_timer(s->loop, s->lost_timer);
	s->lost_timer = 0;
	s->post_lost = false;
	s->unload_pending = false;
	for (dev = s->devs; dev; dev = next) {
		next = dev->next;
		for (i = VMBUS_MAX_SUBCHANNELS; i >= 0; i--) {
			struct vmbus_chan *ch = dev->chans[i];

			if (!ch)
				continue;
			chan_close(ch);
			if (i || dev->rescinded) {
				if (vmbus_chan_forget(ch))
					break;	/* that freed the device */
			} else {
				ch->state = CHAN_IDLE;
			}
		}
	}
	for (dev = s->devs; dev; dev = dev->next)
		if (dev->ops->reset && !dev->free_pending)
			dev->ops->reset(dev);
	gpadl_release_all(s);
	s->version = 0;
	s->offers_requested = false;
	s->monitor_page[0] = NULL;
	s->monitor_page[1] = NULL;
}

/* After a disconnect: start every device's drain; whether any drains. */
static bool vmbus_drain_all(struct vmbus_server *s)
{
	struct vmbus_dev *dev;

	for (dev = s->devs; dev; dev = dev->next)
		dev_start_drain(dev);
	return s->nr_draining;
}

static struct hvis_monitor_page *map_monitor_page(struct vmbus_server *s,
						  uint64_t gpa)
{
	if (gpa & (HVIS_PAGE_SIZE - 1))
		return NULL;
	return gpa_map(s->mem, gpa, HVIS_PAGE_SIZE);
}

static uint32_t handle_initiate_contact(struct vmbus_server *s,
					uint32_t conn_id, const void *buf)
{
	const struct hvis_chmsg_initiate_contact *req = buf;
	struct hvis_chmsg_version_response resp = {
		.header.msgtype = HVIS_CHMSG_VERSION_RESPONSE,
	};
	uint32_t v = req->version_requested;
	struct hvis_monitor_page *mp1, *mp2;
	bool v5 = v >= HVIS_VMBUS_VERSION_WIN10_V5;
	const char *why = NULL;

	if (s->version) {
		log_guest("vmbus: INITIATE_CONTACT while connected at %u.%u: dropping the old connection",
			  HVIS_VMBUS_VERSION_MAJOR(s->version),
			  HVIS_VMBUS_VERSION_MINOR(s->version));
		vmbus_disconnect(s);
		if (s->t->ops->drop_messages)
			s->t->ops->drop_messages(s->t);
	}
	if (s->unload_pending)
		log_guest("vmbus: INITIATE_CONTACT before the UNLOAD_RESPONSE: not sending it");
	s->unload_pending = false;
	/* Answer on the vCPU the guest named if it exists, else on vCPU 0. */
	s->target_vcpu = req->target_vcpu < s->t->nr_vcpus ? req->target_vcpu : 0;

	mp1 = map_monitor_page(s, req->monitor_page1);
	mp2 = map_monitor_page(s, req->monitor_page2);
	if (!version_known(v) || v > s->max_version)
		why = "version not supported";
	else if (v5 != (conn_id == HVIS_VMBUS_MESSAGE_CONNECTION_ID_4))
		why = "wrong connection id for this version";
	else if (req->target_vcpu >= s->t->nr_vcpus)
		why = "target vCPU out of range";
	else if (v5 && req->msg_sint != HVIS_VMBUS_MESSAGE_SINT)
		why = "message SINT is not 2";
	else if (!mp1 || !mp2 || mp1 == mp2)
		why = "monitor page outside guest RAM, unaligned or shared";

	if (why) {
		log_guest("vmbus: refusing version %u.%u on connection %u: %s",
			  HVIS_VMBUS_VERSION_MAJOR(v),
			  HVIS_VMBUS_VERSION_MINOR(v), conn_id, why);
		vmbus_post(s, &resp, sizeof(resp));
		return HVIS_STATUS_SUCCESS;
	}
	s->version = v;
	s->monitor_page[0] = mp1;
	s->monitor_page[1] = mp2;
	resp.version_supported = 1;
	/* Everything after contact goes to connection id 1, whatever the version. */
	if (v5)
		resp.msg_conn_id = HVIS_VMBUS_MESSAGE_CONNECTION_ID;
	/* Once per connection, but a guest can reconnect in a loop. */
	log_guest("vmbus: guest connected, version %u.%u, vCPU %u",
		  HVIS_VMBUS_VERSION_MAJOR(v), HVIS_VMBUS_VERSION_MINOR(v),
		  s->target_vcpu);
	vmbus_post(s, &resp, sizeof(resp));
	return HVIS_STATUS_SUCCESS;
}

static void handle_request_offers(struct vmbus_server *s)
{
	struct hvis_chmsg_header done = {
		.msgtype = HVIS_CHMSG_ALLOFFERS_DELIVERED,
	};
	uint32_t relid;

	s->offers_requested = true;
	for (relid = 1; relid <= HVIS_VMBUS_MAX_RELID; relid++) {
		struct vmbus_chan *ch = s->chans[relid];

		if (ch && ch->state == CHAN_IDLE && !ch->dev->rescinded)
			chan_offer(ch);
	}
	vmbus_post(s, &done, sizeof(done));
}

static uint32_t handle_relid_released(struct vmbus_server *s, const void *buf)
{
	const struct hvis_chmsg_relid *msg = buf;
	struct vmbus_chan *ch = NULL;

	if (msg->child_relid && msg->child_relid <= HVIS_VMBUS_MAX_RELID)
		ch = s->chans[msg->child_relid];
	if (!ch || ch->state == CHAN_IDLE) {
		vmbus_guest_err(s, "RELID_RELEASED for unknown relid %u",
				msg->child_relid);
		return HVIS_STATUS_INVALID_PARAMETER;
	}
	if (ch->state != CHAN_RESCINDED)
		vmbus_guest_err(s, "guest released relid %u without a rescind",
				ch->relid);
	/* Closed first: the ring may still hold one of the GPADLs. */
	chan_close(ch);
	gpadl_release_channel(s, ch->relid);
	if (ch->state == CHAN_RESCINDED || ch->sub_index) {
		vmbus_chan_forget(ch);
		return HVIS_STATUS_SUCCESS;
	}
	/* The guest gave up a live primary (it rejected the offer): idle it. */
	ch->state = CHAN_IDLE;
	return HVIS_STATUS_SUCCESS;
}

static uint32_t handle_tl_connect(struct vmbus_server *s, const void *buf)
{
	const struct hvis_chmsg_tl_connect_request *req = buf;
	struct hvis_chmsg_tl_connect_result res = {
		.header.msgtype = HVIS_CHMSG_TL_CONNECT_RESULT,
		.guest_endpoint_id = req->guest_endpoint_id,
		.host_service_id = req->host_service_id,
		/* NTSTATUS STATUS_CONNECTION_REFUSED: no hv_sock services here. */
		.status = 0xc0000236u,
	};
	char svc[37];

	vmbus_guid_text(&req->host_service_id, svc);
	vmbus_guest_err(s, "hv_sock connect to service %s refused", svc);
	vmbus_post(s, &res, sizeof(res));
	return HVIS_STATUS_SUCCESS;
}

static const char *chmsg_err_text(int err)
{
	switch (err) {
	case HVIS_CHMSG_ESHORT:
		return "too short";
	case HVIS_CHMSG_EVERSION:
		return "not valid at this version";
	default:
		return "unknown type";
	}
}

static uint32_t vmbus_handle_message(struct vmbus_server *s, uint32_t conn_id,
				     uint32_t message_type, const void *payload,
				     uint32_t payload_size)
{
	/*
	 * Private copy: the guest may rewrite its buffer while we look.  The
	 * handlers read it as their message struct; the union gives it the
	 * alignment and lets it be read as any of them.
	 */
	union {
		struct hvis_chmsg_header hdr;
		struct hvis_chmsg_initiate_contact initiate;
		struct hvis_chmsg_open open;
		struct hvis_chmsg_gpadl_header gpadl_header;
		uint8_t bytes[HVIS_MESSAGE_PAYLOAD_SIZE];
	} store;
	uint8_t *buf = store.bytes;
	struct hvis_chmsg_header hdr = { 0 };
	int type;

	if (payload_size > HVIS_MESSAGE_PAYLOAD_SIZE ||
	    message_type != HVIS_MSG_VMBUS) {
		vmbus_guest_err(s, "post: message type %u size %u rejected",
				message_type, payload_size);
		return HVIS_STATUS_INVALID_PARAMETER;
	}
	memset(&store, 0, sizeof(store));
	if (payload_size)
		memcpy(buf, payload, payload_size);
	memcpy(&hdr, buf, sizeof(hdr));

	if (conn_id == HVIS_VMBUS_MESSAGE_CONNECTION_ID_4) {
		/* A host older than 5.0 has no connection 4: the guest falls back. */
		if (s->max_version < HVIS_VMBUS_VERSION_WIN10_V5)
			return HVIS_STATUS_INVALID_CONNECTION_ID;
		if (payload_size < sizeof(hdr) ||
		    hdr.msgtype != HVIS_CHMSG_INITIATE_CONTACT) {
			vmbus_guest_err(s, "message type %u on connection 4",
					hdr.msgtype);
			return HVIS_STATUS_INVALID_PARAMETER;
		}
	} else if (conn_id != HVIS_VMBUS_MESSAGE_CONNECTION_ID) {
		vmbus_guest_err(s, "post to unknown connection id %u", conn_id);
		return HVIS_STATUS_INVALID_CONNECTION_ID;
	}

	type = hvis_chmsg_check(buf, payload_size, HVIS_DIR_G2H, s->version);
	if (type < 0) {
		vmbus_guest_err(s, "channel message type %u, %u bytes: %s",
				hdr.msgtype, payload_size,
				chmsg_err_text(type));
		return HVIS_STATUS_INVALID_PARAMETER;
	}
	if (!s->version && type != HVIS_CHMSG_INITIATE_CONTACT &&
	    type != HVIS_CHMSG_UNLOAD) {
		vmbus_guest_err(s, "channel message type %d before INITIATE_CONTACT",
				type);
		return HVIS_STATUS_INVALID_PARAMETER;
	}

	switch (type) {
	case HVIS_CHMSG_INITIATE_CONTACT:
		return handle_initiate_contact(s, conn_id, buf);
	case HVIS_CHMSG_REQUESTOFFERS:
		handle_request_offers(s);
		return HVIS_STATUS_SUCCESS;
	case HVIS_CHMSG_UNLOAD:
		if (s->version)
			log_guest("vmbus: guest unloads VMBus");
		vmbus_disconnect(s);
		/*
		 * Always answered: a guest waits for it before kexec, and
		 * reuses all its memory after it, so not while a device's
		 * I/O may still touch that memory.
		 */
		if (vmbus_drain_all(s)) {
			log_guest("vmbus: UNLOAD answered once %u device(s) finish their I/O",
				  s->nr_draining);
			s->unload_pending = true;
			return HVIS_STATUS_SUCCESS;
		}
		vmbus_post_unload_response(s);
		return HVIS_STATUS_SUCCESS;
	case HVIS_CHMSG_GPADL_HEADER:
		return gpadl_handle_header(s, buf, payload_size);
	case HVIS_CHMSG_GPADL_BODY:
		return gpadl_handle_body(s, buf, payload_size);
	case HVIS_CHMSG_GPADL_TEARDOWN:
		return gpadl_handle_teardown(s, buf, payload_size);
	case HVIS_CHMSG_OPENCHANNEL:
		return chan_handle_open(s, buf, payload_size);
	case HVIS_CHMSG_CLOSECHANNEL:
		return chan_handle_close(s, buf, payload_size);
	case HVIS_CHMSG_MODIFYCHANNEL:
		return chan_handle_modify(s, buf, payload_size);
	case HVIS_CHMSG_RELID_RELEASED:
		return handle_relid_released(s, buf);
	case HVIS_CHMSG_TL_CONNECT_REQUEST:
		return handle_tl_connect(s, buf);
	default:
		vmbus_guest_err(s, "channel message type %d not handled", type);
		return HVIS_STATUS_INVALID_PARAMETER;
	}
}

static uint32_t vmbus_post_message(void *opaque, uint32_t conn_id,
				   uint32_t message_type, const void *payload,
				   uint32_t payload_size)
{
	struct vmbus_server *s = opaque;
	uint32_t status = vmbus_handle_message(s, conn_id, message_type,
					       payload, payload_size);

	/* Nothing of the handler is on the stack any more. */
	vmbus_reset_if_lost(s);
	return status;
}

static void vmbus_signal_event(void *opaque, uint32_t conn_id)
{
	struct vmbus_server *s = opaque;
	struct vmbus_chan *ch = NULL;
	uint32_t relid;

	conn_id &= HVIS_CONNECTION_ID_MASK;
	if (conn_id > VMBUS_CHAN_CONN_ID_BASE) {
		relid = conn_id - VMBUS_CHAN_CONN_ID_BASE;
		if (relid <= HVIS_VMBUS_MAX_RELID)
			ch = s->chans[relid];
	}
	if (!ch) {
		vmbus_guest_err(s, "signal on unknown connection id %u", conn_id);
		return;
	}
	chan_service(ch);
	vmbus_reset_if_lost(s);
}

struct vmbus_server *vmbus_server_create(struct evloop *loop,
					 const struct guest_mem *mem,
					 struct transport *t)
{
	struct vmbus_server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->loop = loop;
	s->mem = mem;
	s->t = t;
	s->max_version = HVIS_VMBUS_VERSION_WIN10_V5_3;
	t->client.post_message = vmbus_post_message;
	t->client.signal_event = vmbus_signal_event;
	t->client.opaque = s;
	return s;
}

void vmbus_server_destroy(struct vmbus_server *s)
{
	if (!s)
		return;
	vmbus_disconnect(s);
	if (s->drain_timer)
		evloop_del_timer(s->loop, s->drain_timer);
	s->drain_timer = 0;
	while (s->devs) {
		struct vmbus_dev *dev = s->devs;
		int i;

		for (i = VMBUS_MAX_SUBCHANNELS; i >= 0; i--)
			if (dev->chans[i])
				chan_destroy(dev->chans[i]);
		dev_free(dev);
	}
	s->t->client.post_message = NULL;
	s->t->client.signal_event = NULL;
	s->t->client.opaque = NULL;
	free(s);
}

static int guid_random(struct hvis_guid *g)
{
	ssize_t n = getrandom(g->b, sizeof(g->b), 0);

	if (n != (ssize_t)sizeof(g->b))
		return n < 0 ? -errno : -EIO;
	/* RFC 4122 version 4; byte 7 is the high byte of the LE third field. */
	g->b[7] = (g->b[7] & 0x0f) | 0x40;
	g->b[8] = (g->b[8] & 0x3f) | 0x80;
	return 0;
}

uint32_t vmbus_server_first_relid(struct vmbus_server *s, const char *vsp)
{
	struct vmbus_dev *dev;
	uint32_t best = 0;

	for (dev = s->devs; dev; dev = dev->next)
		if (!dev->rescinded && !strcmp(dev->ops->name, vsp) &&
		    dev->chans[0] && (!best || dev->chans[0]->relid < best))
			best = dev->chans[0]->relid;
	return best;
}

int vmbus_server_dev_ctl(struct vmbus_server *s, const char *vsp,
			 uint32_t relid, int argc, char **argv, FILE *out)
{
	struct vmbus_dev *dev;

	for (dev = s->devs; dev; dev = dev->next) {
		if (dev->rescinded || strcmp(dev->ops->name, vsp) ||
		    !dev->chans[0] || dev->chans[0]->relid != relid)
			continue;
		if (!dev->ops->ctl)
			return -EOPNOTSUPP;
		return dev->ops->ctl(dev, argc, argv, out);
	}
	return -ENOENT;
}

int vmbus_server_add_device(struct vmbus_server *s, const char *vsp,
			    const char *args)
{
	const struct vsp_ops *ops = vsp_lookup(vsp);
	struct vmbus_dev *dev;
	struct vmbus_chan *ch;
	int r;

	if (!ops)
		return -ENOENT;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->srv = s;
	dev->ops = ops;
	dev->class_id = ops->class_id;
	r = guid_random(&dev->instance);
	if (r)
		goto err_free_dev;
	dev->monitored = ops->signal_style == VSP_SIGNAL_MONITORED ||
			 (ops->signal_style == VSP_SIGNAL_ALTERNATE &&
			  (s->nr_devs_added & 1));
	ch = chan_create(dev, 0);
	if (!ch) {
		r = -ENOSPC;
		goto err_free_dev;
	}
	if (ops->offer) {
		r = ops->offer(dev, args);
		if (r)
			goto err_destroy_chan;
	}
	dev->next = s->devs;
	s->devs = dev;
	s->nr_devs_added++;
	if (s->version && s->offers_requested)
		chan_offer(ch);
	return (int)ch->relid;

err_destroy_chan:
	chan_destroy(ch);
err_free_dev:
	free(dev);
	return r;
}

int vmbus_server_rescind(struct vmbus_server *s, uint32_t relid)
{
	struct vmbus_chan *ch;

	if (!relid || relid > HVIS_VMBUS_MAX_RELID || !s->chans[relid])
		return -ENOENT;
	ch = s->chans[relid];
	if (ch->sub_index)
		return -EINVAL;	/* sub-channels go with their device */
	if (ch->dev->rescinded)
		return -EALREADY;
	vmbus_dev_rescind(ch->dev, "host request");
	return 0;
}

static const char *const chan_state_names[] = {
	[CHAN_IDLE] = "idle", [CHAN_OFFERED] = "offered",
	[CHAN_OPEN] = "open", [CHAN_CLOSING] = "closing",
	[CHAN_RESCINDED] = "rescinded", [CHAN_DRAINING] = "draining",
};

void vmbus_server_list(struct vmbus_server *s, FILE *fp)
{
	uint32_t relid;

	for (relid = 1; relid <= HVIS_VMBUS_MAX_RELID; relid++) {
		struct vmbus_chan *ch = s->chans[relid];
		char cls[37], inst[37];

		if (!ch)
			continue;
		vmbus_guid_text(&ch->dev->class_id, cls);
		vmbus_guid_text(&ch->dev->instance, inst);
		fprintf(fp, "relid %u sub %u vsp %s class %s instance %s state %s signal %s in %llu/%llu out %llu/%llu (packets/bytes)\n",
			ch->relid, ch->sub_index, ch->dev->ops->name, cls, inst,
			chan_state_names[ch->state],
			ch->monitor_id >= 0 ? "monitor" : "dedicated",
			(unsigned long long)ch->pkts_in,
			(unsigned long long)ch->bytes_in,
			(unsigned long long)ch->pkts_out,
			(unsigned long long)ch->bytes_out);
	}
}

void vmbus_server_reset(struct vmbus_server *s)
{
	vmbus_disconnect(s);
	if (s->t->ops->drop_messages)
		s->t->ops->drop_messages(s->t);
}
