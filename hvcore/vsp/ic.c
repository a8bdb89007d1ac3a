// SPDX-License-Identifier: GPL-2.0-only
/* The IC framework on the host: negotiation, one request in flight, answers matched and timed out. */
#include "ic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "hvis/ring.h"
#include "log.h"
#include "vmbus/channel.h"

static const uint32_t ic_fw_versions[] = {
	HVIS_IC_FW_VERSION_3_0, HVIS_IC_FW_VERSION_1_0,
};

#define IC_NR_FW_VERSIONS (sizeof(ic_fw_versions) / sizeof(ic_fw_versions[0]))

const char *ic_version_str(uint32_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u", HVIS_IC_VERSION_MAJOR(v),
		 HVIS_IC_VERSION_MINOR(v));
	return buf;
}

static struct ic_req *ic_req_alloc(uint32_t body_len, uint16_t type,
				   ic_done_fn done)
{
	struct ic_req *req = calloc(1, sizeof(*req));
	struct hvis_vmbuspipe_hdr *pipe;
	struct hvis_icmsg_hdr *hdr;
	/* Packets travel in 8-byte units; the guest answers in the same size. */
	uint32_t len = (HVIS_ICMSG_HDR_SIZE + body_len + 7) & ~7u;

	if (!req)
		return NULL;
	req->buf = calloc(1, len);
	if (!req->buf) {
		free(req);
		return NULL;
	}
	req->len = len;
	req->done = done;
	pipe = (struct hvis_vmbuspipe_hdr *)req->buf;
	pipe->msgsize = len - sizeof(*pipe);
	hdr = ic_hdr(req->buf);
	hdr->icmsgtype = type;
	hdr->icmsgsize = (uint16_t)body_len;
	hdr->icflags = HVIS_ICMSGHDRFLAG_TRANSACTION | HVIS_ICMSGHDRFLAG_REQUEST;
	return req;
}

void ic_req_free(struct ic_req *req)
{
	free(req->buf);
	free(req);
}

struct ic_req *ic_req_new(struct ic_dev *ic, uint32_t body_len,
			  ic_done_fn done)
{
	return ic_req_alloc(body_len, ic->svc->msg_type, done);
}

/* Requests carry the versions negotiated by the time they are sent. */
static void ic_req_stamp(struct ic_dev *ic, struct ic_req *req)
{
	struct hvis_icmsg_hdr *hdr = ic_hdr(req->buf);
	uint32_t fw = ic->fw_version, srv = ic->srv_version;

	if (hdr->icmsgtype == HVIS_ICMSGTYPE_NEGOTIATE)
		fw = srv = ic_fw_versions[0];
	hdr->icverframe.major = (uint16_t)HVIS_IC_VERSION_MAJOR(fw);
	hdr->icverframe.minor = (uint16_t)HVIS_IC_VERSION_MINOR(fw);
	hdr->icvermsg.major = (uint16_t)HVIS_IC_VERSION_MAJOR(srv);
	hdr->icvermsg.minor = (uint16_t)HVIS_IC_VERSION_MINOR(srv);
}

void *ic_req_body(struct ic_req *req)
{
	return req->buf + HVIS_ICMSG_HDR_SIZE;
}

void ic_ctl_finish_status(struct ic_req *req, const uint8_t *resp,
			  const char *why)
{
	FILE *out;
	uint32_t status;

	if (!req->ctl)
		return;
	out = vsp_ctl_req_out(req->ctl);
	if (!resp) {
		fprintf(out, "error: %s\n", why);
		vsp_ctl_req_finish(req->ctl, -ETIMEDOUT);
	} else if ((status = ic_hdr(resp)->status) != HVIS_HV_S_OK) {
		fprintf(out, "error: guest refused (status 0x%08x)\n", status);
		vsp_ctl_req_finish(req->ctl, -EPERM);
	} else {
		vsp_ctl_req_finish(req->ctl, 0);
	}
	req->ctl = NULL;
}

static void ic_timer_stop(struct ic_dev *ic)
{
	if (ic->timer)
		evloop_del_timer(vmbus_dev_loop(ic->dev), ic->timer);
	ic->timer = 0;
}

/* Take the head request off the queue and tell its owner how it ended. */
static void ic_complete(struct ic_dev *ic, const uint8_t *resp, uint32_t len,
			const char *why)
{
	struct ic_req *req = ic->queue;

	ic_timer_stop(ic);
	ic->queue = req->next;
	if (!ic->queue)
		ic->tail = NULL;
	ic->sent = false;
	if (resp)
		ic->answers++;
	else
		ic->failures++;
	req->done(ic, req, resp, len, why);
	if (req->ctl)	/* a done() that left its control reply open */
		ic_ctl_finish_status(req, resp, why);
	ic_req_free(req);
}

static void ic_kick(struct ic_dev *ic);

static uint64_t ic_timeout(void *opaque)
{
	struct ic_dev *ic = opaque;
	uint32_t ms = ic->queue->timeout_ms ? ic->queue->timeout_ms :
		      IC_TIMEOUT_MS;

	ic->timer = 0;
	log_msg("%s: relid %u: the guest did not answer within %u ms",
		ic->svc->name, vmbus_dev_relid(ic->dev), ms);
	ic_complete(ic, NULL, 0, "guest did not answer in time");
	/* The next request, if any, goes now. */
	ic_kick(ic);
	return 0;
}

/* Send the head request if nothing is in flight. */
static void ic_kick(struct ic_dev *ic)
{
	struct ic_req *req;
	struct hvring_iov iov;
	int r;

	while ((req = ic->queue) && !ic->sent) {
		if (!ic->ch) {
			ic_complete(ic, NULL, 0, "the guest has not opened the channel");
			continue;
		}
		iov.base = req->buf;
		iov.len = req->len;
		ic_req_stamp(ic, req);
		ic_hdr(req->buf)->ictransaction_id = (uint8_t)(ic->next_id + 1);
		r = vmbus_chan_send(ic->ch, HVIS_VMPKT_DATA_INBAND, 0,
				    ++ic->next_id, &iov, 1);
		if (r == -EAGAIN)
			return;		/* writable() calls again */
		if (r) {
			/*
			 * A corrupt ring closes the channel from inside the
			 * send, failing (and freeing) every queued request.
			 */
			if (ic->queue == req)
				ic_complete(ic, NULL, 0, "the channel cannot take the request");
			continue;
		}
		vmbus_chan_flush(ic->ch);
		ic->sent = true;
		ic->requests++;
		ic->timer = evloop_add_timer(vmbus_dev_loop(ic->dev),
					     (req->timeout_ms ? req->timeout_ms :
					      IC_TIMEOUT_MS) * 1000000ull,
					     ic_timeout, ic);
		if (ic->timer < 0)
			ic->timer = 0;
	}
}

void ic_submit(struct ic_dev *ic, struct ic_req *req)
{
	req->next = NULL;
	if (ic->tail)
		ic->tail->next = req;
	else
		ic->queue = req;
	ic->tail = req;
	ic_kick(ic);
}

/* Fail every queued request, the one in flight included. */
static void ic_fail_all(struct ic_dev *ic, const char *why)
{
	while (ic->queue) {
		ic->sent = true;	/* nothing is sent while failing */
		ic_complete(ic, NULL, 0, why);
	}
	ic->sent = false;
}

static void ic_negotiated(struct ic_dev *ic, struct ic_req *req,
			  const uint8_t *resp, uint32_t len, const char *why)
{
	const struct hvis_icmsg_negotiate *neg;
	char fw[16], srv[16];
	uint32_t f, s;

	(void)req;
	if (!resp) {
		log_msg("%s: relid %u: no version negotiation: %s",
			ic->svc->name, vmbus_dev_relid(ic->dev), why);
		return;
	}
	neg = (const void *)(resp + HVIS_ICMSG_HDR_SIZE);
	/* hvis_ic_check() vouched for the counts against @len. */
	if (neg->icframe_vercnt != 1 || neg->icmsg_vercnt != 1 ||
	    len < HVIS_ICMSG_NEGOTIATE_PKT_SIZE(1, 1)) {
		log_msg("%s: relid %u: the guest supports none of our versions",
			ic->svc->name, vmbus_dev_relid(ic->dev));
		return;
	}
	f = HVIS_IC_VERSION(neg->icversion_data[0].major,
			    neg->icversion_data[0].minor);
	s = HVIS_IC_VERSION(neg->icversion_data[1].major,
			    neg->icversion_data[1].minor);
	ic->fw_version = f;
	ic->srv_version = s;
	log_msg("%s: relid %u: framework %s, service %s",
		ic->svc->name, vmbus_dev_relid(ic->dev),
		ic_version_str(f, fw, sizeof(fw)),
		ic_version_str(s, srv, sizeof(srv)));
	if (ic->svc->negotiated)
		ic->svc->negotiated(ic);
}

/* The guest answers a NEGOTIATE with versions from these lists only. */
static bool ic_offered(const struct ic_dev *ic, const uint8_t *resp)
{
	const struct hvis_icmsg_negotiate *neg =
		(const void *)(resp + HVIS_ICMSG_HDR_SIZE);
	uint32_t f, s;
	unsigned int i;
	bool fw_ok = false, srv_ok = false;

	if (!neg->icframe_vercnt && !neg->icmsg_vercnt)
		return true;	/* "nothing in common" is an answer */
	f = HVIS_IC_VERSION(neg->icversion_data[0].major,
			    neg->icversion_data[0].minor);
	s = HVIS_IC_VERSION(neg->icversion_data[1].major,
			    neg->icversion_data[1].minor);
	for (i = 0; i < IC_NR_FW_VERSIONS; i++)
		fw_ok |= ic_fw_versions[i] == f;
	for (i = 0; i < ic->svc->nr_versions; i++)
		srv_ok |= ic->svc->versions[i] == s;
	return fw_ok && srv_ok;
}

static void ic_send_negotiate(struct ic_dev *ic)
{
	const struct ic_svc *svc = ic->svc;
	uint32_t n = IC_NR_FW_VERSIONS + svc->nr_versions, i;
	struct hvis_icmsg_negotiate *neg;
	struct ic_req *req;

	req = ic_req_alloc(sizeof(*neg) + n * sizeof(struct hvis_ic_version),
			   HVIS_ICMSGTYPE_NEGOTIATE, ic_negotiated);
	if (!req) {
		log_msg("%s: out of memory for the negotiation", svc->name);
		return;
	}
	neg = ic_req_body(req);
	neg->icframe_vercnt = IC_NR_FW_VERSIONS;
	neg->icmsg_vercnt = (uint16_t)svc->nr_versions;
	for (i = 0; i < n; i++) {
		uint32_t v = i < IC_NR_FW_VERSIONS ? ic_fw_versions[i] :
			     svc->versions[i - IC_NR_FW_VERSIONS];

		neg->icversion_data[i].major = (uint16_t)HVIS_IC_VERSION_MAJOR(v);
		neg->icversion_data[i].minor = (uint16_t)HVIS_IC_VERSION_MINOR(v);
	}
	/*
	 * Linux's KVP and VSS answer the negotiation only once their daemon
	 * has registered, or after 55 s without one.
	 */
	req->timeout_ms = IC_NEGOTIATE_TIMEOUT_MS;
	/* The negotiation goes first, before anything queued meanwhile. */
	req->next = ic->queue;
	ic->queue = req;
	if (!ic->tail)
		ic->tail = req;
	ic_kick(ic);
}

int ic_offer(struct vmbus_dev *dev, const char *args, const struct ic_svc *svc)
{
	struct ic_dev *ic = calloc(1, sizeof(*ic));
	int r;

	if (!ic)
		return -ENOMEM;
	ic->dev = dev;
	ic->svc = svc;
	vmbus_dev_set_priv(dev, ic);
	if (svc->parse_args) {
		r = svc->parse_args(ic, args);
		if (r) {
			vmbus_dev_set_priv(dev, NULL);
			if (svc->release)
				svc->release(ic);
			free(ic);
			return r;
		}
	} else if (args && *args) {
		log_msg("%s: takes no arguments (got \"%s\")", svc->name, args);
		vmbus_dev_set_priv(dev, NULL);
		free(ic);
		return -EINVAL;
	}
	return 0;
}

int ic_open(struct vmbus_chan *ch)
{
	struct ic_dev *ic = vmbus_dev_priv(vmbus_chan_dev(ch));

	if (vmbus_chan_sub_index(ch))
		return -EINVAL;		/* ICs have no sub-channels */
	ic->ch = ch;
	ic->fw_version = 0;
	ic->srv_version = 0;
	ic_send_negotiate(ic);
	return 0;
}

/* A guest answer that breaks the protocol: log it; the device is rescinded. */
static int ic_violation(struct ic_dev *ic, const char *why)
{
	log_guest("%s: relid %u: %s", ic->svc->name, vmbus_dev_relid(ic->dev),
		  why);
	return -EPROTO;
}

int ic_packet(struct vmbus_chan *ch, const void *pkt, uint32_t len)
{
	struct ic_dev *ic = vmbus_dev_priv(vmbus_chan_dev(ch));
	const struct hvis_icmsg_hdr *hdr, *req_hdr;
	struct hvis_vmpacket_desc d;
	const uint8_t *msg;
	uint32_t off, mlen;
	int type;

	off = vmbus_pkt_desc(pkt, &d);
	if (d.type == HVIS_VMPKT_COMP)
		return 0;	/* nothing here asks for one; harmless */
	if (d.type != HVIS_VMPKT_DATA_INBAND)
		return ic_violation(ic, "not an inband packet");
	msg = (const uint8_t *)pkt + off;
	mlen = len - off;
	if (d.trans_id & IC_INJECT_ID) {
		log_guest("%s: relid %u: the guest answered an injected packet",
			  ic->svc->name, vmbus_dev_relid(ic->dev));
		return 0;
	}
	if (d.trans_id && d.trans_id < ic->next_id + !ic->sent) {
		/* A request that timed out (KVP defers until its daemon runs). */
		log_guest("%s: relid %u: late answer to transaction %llu dropped",
			  ic->svc->name, vmbus_dev_relid(ic->dev),
			  (unsigned long long)d.trans_id);
		return 0;
	}
	if (!ic->queue || !ic->sent || d.trans_id != ic->next_id)
		return ic_violation(ic, "an answer to no request in flight");
	req_hdr = ic_hdr(ic->queue->buf);
	type = hvis_ic_check(msg, mlen, ic->svc->msg_type);
	if (type < 0)
		return ic_violation(ic, hvis_ic_strerror(type));
	hdr = ic_hdr(msg);
	if (type != req_hdr->icmsgtype)
		return ic_violation(ic, "answer of another message type");
	if (!(hdr->icflags & HVIS_ICMSGHDRFLAG_RESPONSE))
		return ic_violation(ic, "answer without the response flag");
	if (type == HVIS_ICMSGTYPE_NEGOTIATE && !ic_offered(ic, msg))
		return ic_violation(ic, "negotiation answer with a version we did not offer");
	ic_complete(ic, msg, mlen, NULL);
	ic_kick(ic);
	return 0;
}

void ic_writable(struct vmbus_chan *ch)
{
	ic_kick(vmbus_dev_priv(vmbus_chan_dev(ch)));
}

/*
 * Test-only malformed packets, sent outside the request queue with a
 * transaction id of their own so that whatever the guest makes of them
 * (it should drop them) is not mistaken for an answer.
 */
int ic_inject(struct ic_dev *ic, const void *buf, uint32_t len, FILE *out)
{
	struct hvring_iov iov = { buf, len };
	int r;

	if (!ic->ch) {
		fprintf(out, "error: the guest has not opened the channel\n");
		return -ENOTCONN;
	}
	r = vmbus_chan_send(ic->ch, HVIS_VMPKT_DATA_INBAND, 0,
			    IC_INJECT_ID | ++ic->injected, &iov, 1);
	if (r) {
		fprintf(out, "error: not sent: %s\n", strerror(-r));
		return r;
	}
	vmbus_chan_flush(ic->ch);
	return 0;
}

/* "inject truncated|bad-count": the framework's own malformed packets. */
static int ic_inject_common(struct ic_dev *ic, const char *what, FILE *out)
{
	uint8_t buf[64] = { 0 };
	struct hvis_icmsg_negotiate *neg = (void *)(buf + HVIS_ICMSG_HDR_SIZE);

	ic_hdr(buf)->icflags = HVIS_ICMSGHDRFLAG_TRANSACTION |
			       HVIS_ICMSGHDRFLAG_REQUEST;
	if (!strcmp(what, "truncated")) {
		/* Pipe header and half an IC header. */
		ic_hdr(buf)->icmsgtype = ic->svc->msg_type;
		return ic_inject(ic, buf, 16, out);
	}
	if (!strcmp(what, "bad-count")) {
		/* 100 versions announced, room for 4. */
		ic_hdr(buf)->icmsgtype = HVIS_ICMSGTYPE_NEGOTIATE;
		neg->icframe_vercnt = 50;
		neg->icmsg_vercnt = 50;
		return ic_inject(ic, buf, 56, out);
	}
	return 1;	/* not ours */
}

int ic_ctl(struct vmbus_dev *dev, int argc, char **argv, FILE *out)
{
	struct ic_dev *ic = vmbus_dev_priv(dev);
	int r;

	/* "kvp get ..." and "vss freeze" arrive with the service's name first. */
	if (argc > 1 && !strcmp(argv[0], ic->svc->name) &&
	    ic->svc->msg_type != HVIS_ICMSGTYPE_SHUTDOWN) {
		argc--;
		argv++;
	}
	if (argc == 2 && !strcmp(argv[0], "inject")) {
		r = ic_inject_common(ic, argv[1], out);
		if (r <= 0)
			return r;
	}
	if (!ic->svc->ctl) {
		fprintf(out, "error: %s takes only 'inject truncated|bad-count'\n",
			ic->svc->name);
		return -EINVAL;
	}
	return ic->svc->ctl(ic, argc, argv, out);
}

static void ic_disconnect(struct ic_dev *ic, const char *why)
{
	ic_timer_stop(ic);
	ic->ch = NULL;
	ic_fail_all(ic, why);
	ic->fw_version = 0;
	ic->srv_version = 0;
	if (ic->svc->closed)
		ic->svc->closed(ic);
}

void ic_close(struct vmbus_chan *ch)
{
	struct ic_dev *ic = vmbus_dev_priv(vmbus_chan_dev(ch));

	if (ic->ch == ch)
		ic_disconnect(ic, "the channel closed");
}

void ic_reset(struct vmbus_dev *dev)
{
	struct ic_dev *ic = vmbus_dev_priv(dev);

	if (ic)
		ic_disconnect(ic, "the guest disconnected");
}

void ic_release(struct vmbus_dev *dev)
{
	struct ic_dev *ic = vmbus_dev_priv(dev);

	if (!ic)
		return;
	ic_timer_stop(ic);
	ic->ch = NULL;
	ic_fail_all(ic, "the device went away");
	if (ic->svc->release)
		ic->svc->release(ic);
	vmbus_dev_set_priv(dev, NULL);
	free(ic);
}
