// SPDX-License-Identifier: GPL-2.0-only
/*
 * The heartbeat IC: a sequence number every interval; the guest answers it
 * plus one.  hvcore calls the guest missing when no right answer came for
 * timeout_ms, or at once when the channel closes, and logs every flip.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evloop.h"
#include "ic.h"
#include "log.h"
#include "vmbus/channel.h"

#define IC_HB_INTERVAL_MS_DEFAULT	1000
#define IC_HB_TIMEOUT_MS_DEFAULT	3000
#define IC_HB_MS_MAX			600000

static const uint32_t ic_heartbeat_versions[] = {
	HVIS_IC_HB_VERSION_3_0, HVIS_IC_HB_VERSION_1_0,
};

/* The service's state; event-loop thread only. */
struct ic_heartbeat {
	uint64_t interval_ms, timeout_ms;
	int timer;
	uint64_t seq;			/* last sequence number sent */
	uint64_t last_answer_ns;	/* CLOCK_MONOTONIC of the last good answer */
	uint64_t missing_since_ns;	/* 0 while alive */
	const char *why;		/* why missing */
	bool ever_alive;
};

static uint64_t ic_hb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void ic_hb_missing(struct ic_dev *ic, const char *why)
{
	struct ic_heartbeat *hb = ic->priv;

	if (hb->missing_since_ns || !hb->ever_alive)
		return;
	hb->missing_since_ns = ic_hb_now();
	hb->why = why;
	log_msg("heartbeat: relid %u: guest missing: %s",
		vmbus_dev_relid(ic->dev), why);
}

static void ic_hb_done(struct ic_dev *ic, struct ic_req *req,
		       const uint8_t *resp, uint32_t len, const char *why)
{
	struct ic_heartbeat *hb = ic->priv;
	const struct hvis_ic_heartbeat_msg *sent = ic_req_body(req), *got;

	(void)why;
	if (!resp)
		return;		/* the timer judges silence */
	got = (const void *)(resp + HVIS_ICMSG_HDR_SIZE);
	if (len < HVIS_ICMSG_HDR_SIZE + sizeof(*got) ||
	    ic_hdr(resp)->status != HVIS_HV_S_OK ||
	    got->seq_num != sent->seq_num + 1) {
		log_guest("heartbeat: relid %u: wrong answer to sequence %llu",
			  vmbus_dev_relid(ic->dev),
			  (unsigned long long)sent->seq_num);
		return;
	}
	hb->last_answer_ns = ic_hb_now();
	hb->ever_alive = true;
	if (hb->missing_since_ns || hb->seq == 1) {
		hb->missing_since_ns = 0;
		log_msg("heartbeat: relid %u: guest alive",
			vmbus_dev_relid(ic->dev));
	}
}

static uint64_t ic_hb_tick(void *opaque)
{
	struct ic_dev *ic = opaque;
	struct ic_heartbeat *hb = ic->priv;
	struct hvis_ic_heartbeat_msg *msg;
	struct ic_req *req;

	if (!ic->srv_version) {
		hb->timer = 0;
		return 0;
	}
	if (ic_hb_now() - hb->last_answer_ns > hb->timeout_ms * 1000000ull)
		ic_hb_missing(ic, "no answer within the timeout");
	if (!ic->queue) {
		req = ic_req_new(ic, sizeof(*msg), ic_hb_done);
		if (req) {
			msg = ic_req_body(req);
			msg->seq_num = ++hb->seq;
			ic_submit(ic, req);
		}
	}
	return hb->interval_ms * 1000000ull;
}

static void ic_hb_timer_stop(struct ic_dev *ic)
{
	struct ic_heartbeat *hb = ic->priv;

	if (hb->timer)
		evloop_del_timer(vmbus_dev_loop(ic->dev), hb->timer);
	hb->timer = 0;
}

static void ic_hb_negotiated(struct ic_dev *ic)
{
	struct ic_heartbeat *hb = ic->priv;
	int id;

	hb->last_answer_ns = ic_hb_now();
	ic_hb_tick(ic);
	if (hb->timer)
		return;
	id = evloop_add_timer(vmbus_dev_loop(ic->dev),
			      hb->interval_ms * 1000000ull, ic_hb_tick, ic);
	if (id > 0)
		hb->timer = id;
	else
		log_msg("heartbeat: no timer: the guest is not watched");
}

static void ic_hb_closed(struct ic_dev *ic)
{
	ic_hb_timer_stop(ic);
	ic_hb_missing(ic, "the guest closed the channel");
}

static int ic_hb_parse_args(struct ic_dev *ic, const char *args)
{
	struct ic_heartbeat *hb = calloc(1, sizeof(*hb));
	char *copy, *tok, *save = NULL;
	unsigned long v;
	char end;
	int r = 0;

	if (!hb)
		return -ENOMEM;
	ic->priv = hb;
	hb->interval_ms = IC_HB_INTERVAL_MS_DEFAULT;
	hb->timeout_ms = IC_HB_TIMEOUT_MS_DEFAULT;
	if (!args || !*args)
		return 0;
	copy = strdup(args);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && !r;
	     tok = strtok_r(NULL, ",", &save)) {
		if (sscanf(tok, "interval_ms=%lu%c", &v, &end) == 1 &&
		    v && v <= IC_HB_MS_MAX)
			hb->interval_ms = v;
		else if (sscanf(tok, "timeout_ms=%lu%c", &v, &end) == 1 &&
			 v && v <= IC_HB_MS_MAX)
			hb->timeout_ms = v;
		else
			r = -EINVAL;
	}
	free(copy);
	if (r)
		log_msg("heartbeat: bad argument \"%s\" (interval_ms=<1..%u>,timeout_ms=<1..%u>)",
			args, IC_HB_MS_MAX, IC_HB_MS_MAX);
	return r;
}

static void ic_hb_release(struct ic_dev *ic)
{
	if (!ic->priv)
		return;
	ic_hb_timer_stop(ic);
	free(ic->priv);
	ic->priv = NULL;
}

static int ic_hb_ctl(struct ic_dev *ic, int argc, char **argv, FILE *out)
{
	struct ic_heartbeat *hb = ic->priv;
	uint64_t now = ic_hb_now();

	if (!strcmp(argv[0], "help")) {
		fprintf(out, "heartbeat           alive or missing, and since when\n"
			     "inject truncated|bad-count  a malformed packet (tests)\n");
		return 0;
	}
	if (strcmp(argv[0], "heartbeat") || argc != 1) {
		fprintf(out, "error: usage: heartbeat\n");
		return -EINVAL;
	}
	if (hb->missing_since_ns)
		fprintf(out, "missing %llums (%s)\n",
			(unsigned long long)((now - hb->missing_since_ns) / 1000000),
			hb->why);
	else if (!hb->ever_alive)
		fprintf(out, "not-connected\n");
	else
		fprintf(out, "alive seq %llu last-answer %llums ago\n",
			(unsigned long long)hb->seq,
			(unsigned long long)((now - hb->last_answer_ns) / 1000000));
	return 0;
}

static const struct ic_svc ic_heartbeat_svc = {
	.name = "heartbeat",
	.msg_type = HVIS_ICMSGTYPE_HEARTBEAT,
	.versions = ic_heartbeat_versions,
	.nr_versions = sizeof(ic_heartbeat_versions) / sizeof(ic_heartbeat_versions[0]),
	.parse_args = ic_hb_parse_args,
	.negotiated = ic_hb_negotiated,
	.closed = ic_hb_closed,
	.ctl = ic_hb_ctl,
	.release = ic_hb_release,
};

static int ic_heartbeat_offer(struct vmbus_dev *dev, const char *args)
{
	return ic_offer(dev, args, &ic_heartbeat_svc);
}

IC_VSP_OPS(ic_heartbeat_vsp_ops, "heartbeat", HVIS_IC_HEARTBEAT_GUID,
	   ic_heartbeat_offer);
