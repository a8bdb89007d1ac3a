// SPDX-License-Identifier: GPL-2.0-only
/*
 * The timesync IC: a SYNC (step the guest's clock) once the versions are
 * agreed, then a SAMPLE every interval, and both on demand from ctl.
 *
 * From service version 4.0 a sample also carries the guest's partition
 * reference counter as the host read it with the time.  hvcore cannot read
 * that counter of a guest under QEMU (there is none), so it sends 0 and the
 * guest anchors the sample to its arrival instead (utils/timesync.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evloop.h"
#include "ic.h"
#include "log.h"
#include "vmbus/channel.h"

#define IC_TIMESYNC_INTERVAL_MS_DEFAULT	5000
#define IC_TIMESYNC_INTERVAL_MS_MAX	3600000

static const uint32_t ic_timesync_versions[] = {
	HVIS_IC_TS_VERSION_4_0, HVIS_IC_TS_VERSION_3_0,
	HVIS_IC_TS_VERSION_1_0,
};

/* The service's state; event-loop thread only. */
struct ic_timesync {
	uint64_t interval_ms;	/* 0: no periodic samples */
	int timer;
	uint64_t samples, syncs;
};

/* Host UTC now, in the IC's unit: 100 ns since 1601-01-01. */
static uint64_t ic_timesync_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return HVIS_IC_WLTIMEDELTA + (uint64_t)ts.tv_sec * 10000000ull +
	       (uint64_t)ts.tv_nsec / 100;
}

static void ic_timesync_done(struct ic_dev *ic, struct ic_req *req,
			     const uint8_t *resp, uint32_t len,
			     const char *why)
{
	(void)len;
	if (!resp)
		log_msg("timesync: relid %u: %s", vmbus_dev_relid(ic->dev), why);
	ic_ctl_finish_status(req, resp, why);
}

/*
 * Queue one SYNC or SAMPLE.  The time is read now; the request waits in the
 * queue only behind another timesync request, which the guest answers at
 * once.
 */
static int ic_timesync_send(struct ic_dev *ic, uint8_t flags,
			    struct vsp_ctl_req *ctl)
{
	struct ic_timesync *ts = ic->priv;
	struct ic_req *req;
	bool ref = ic->srv_version >= HVIS_IC_TS_VERSION_4_0;

	req = ic_req_new(ic, ref ? sizeof(struct hvis_ic_timesync_ref_msg) :
			 sizeof(struct hvis_ic_timesync_msg), ic_timesync_done);
	if (!req)
		return -ENOMEM;
	if (ref) {
		struct hvis_ic_timesync_ref_msg *m = ic_req_body(req);

		m->parenttime = ic_timesync_now();
		m->vmreferencetime = 0;
		m->flags = flags;
	} else {
		struct hvis_ic_timesync_msg *m = ic_req_body(req);

		m->parenttime = ic_timesync_now();
		m->flags = flags;
	}
	req->ctl = ctl;
	if (flags == HVIS_ICTIMESYNCFLAG_SYNC)
		ts->syncs++;
	else
		ts->samples++;
	ic_submit(ic, req);
	return 0;
}

static uint64_t ic_timesync_tick(void *opaque)
{
	struct ic_dev *ic = opaque;
	struct ic_timesync *ts = ic->priv;

	if (!ic->srv_version) {
		ts->timer = 0;
		return 0;
	}
	/* Skip a beat rather than pile samples up behind a silent guest. */
	if (!ic->queue)
		ic_timesync_send(ic, HVIS_ICTIMESYNCFLAG_SAMPLE, NULL);
	return ts->interval_ms * 1000000ull;
}

static void ic_timesync_timer_stop(struct ic_dev *ic)
{
	struct ic_timesync *ts = ic->priv;

	if (ts->timer)
		evloop_del_timer(vmbus_dev_loop(ic->dev), ts->timer);
	ts->timer = 0;
}

static void ic_timesync_negotiated(struct ic_dev *ic)
{
	struct ic_timesync *ts = ic->priv;
	int id;

	ic_timesync_send(ic, HVIS_ICTIMESYNCFLAG_SYNC, NULL);
	if (!ts->interval_ms || ts->timer)
		return;
	id = evloop_add_timer(vmbus_dev_loop(ic->dev),
			      ts->interval_ms * 1000000ull,
			      ic_timesync_tick, ic);
	if (id > 0)
		ts->timer = id;
	else
		log_msg("timesync: no timer: no periodic samples");
}

static void ic_timesync_closed(struct ic_dev *ic)
{
	ic_timesync_timer_stop(ic);
}

static int ic_timesync_parse_args(struct ic_dev *ic, const char *args)
{
	struct ic_timesync *ts = calloc(1, sizeof(*ts));
	unsigned long ms;
	char end;

	if (!ts)
		return -ENOMEM;
	ic->priv = ts;
	ts->interval_ms = IC_TIMESYNC_INTERVAL_MS_DEFAULT;
	if (!args || !*args)
		return 0;
	if (sscanf(args, "interval_ms=%lu%c", &ms, &end) != 1 ||
	    ms > IC_TIMESYNC_INTERVAL_MS_MAX) {
		log_msg("timesync: bad argument \"%s\" (interval_ms=<0..%u>, 0: no samples)",
			args, IC_TIMESYNC_INTERVAL_MS_MAX);
		return -EINVAL;
	}
	ts->interval_ms = ms;
	return 0;
}

static void ic_timesync_release(struct ic_dev *ic)
{
	if (!ic->priv)
		return;
	ic_timesync_timer_stop(ic);
	free(ic->priv);
	ic->priv = NULL;
}

static int ic_timesync_ctl(struct ic_dev *ic, int argc, char **argv,
			   FILE *out)
{
	struct ic_timesync *ts = ic->priv;
	struct vsp_ctl_req *ctl;
	struct timespec now;
	uint8_t flags;
	char v[16];
	int r;

	if (!strcmp(argv[0], "help")) {
		fprintf(out, "time                host time, negotiated version, counters\n"
			     "time sync|sample    send a SYNC (step) or SAMPLE now\n"
			     "inject truncated|bad-count  a malformed packet (tests)\n");
		return 0;
	}
	if (strcmp(argv[0], "time") || argc > 2) {
		fprintf(out, "error: usage: time [sync|sample]\n");
		return -EINVAL;
	}
	if (argc == 1) {
		clock_gettime(CLOCK_REALTIME, &now);
		fprintf(out, "host %lld.%09ld version %s samples %llu syncs %llu\n",
			(long long)now.tv_sec, now.tv_nsec,
			ic->srv_version ? ic_version_str(ic->srv_version, v, sizeof(v)) :
					  "none",
			(unsigned long long)ts->samples,
			(unsigned long long)ts->syncs);
		return 0;
	}
	if (!strcmp(argv[1], "sync"))
		flags = HVIS_ICTIMESYNCFLAG_SYNC;
	else if (!strcmp(argv[1], "sample"))
		flags = HVIS_ICTIMESYNCFLAG_SAMPLE;
	else {
		fprintf(out, "error: usage: time [sync|sample]\n");
		return -EINVAL;
	}
	if (!ic->srv_version) {
		fprintf(out, "error: the guest's timesync service is not connected\n");
		return -ENOTCONN;
	}
	ctl = vsp_ctl_defer();
	if (!ctl) {
		fprintf(out, "error: out of memory\n");
		return -ENOMEM;
	}
	r = ic_timesync_send(ic, flags, ctl);
	if (r) {
		fprintf(vsp_ctl_req_out(ctl), "error: out of memory\n");
		vsp_ctl_req_finish(ctl, r);
	}
	return VSP_CTL_PENDING;
}

static const struct ic_svc ic_timesync_svc = {
	.name = "timesync",
	.msg_type = HVIS_ICMSGTYPE_TIMESYNC,
	.versions = ic_timesync_versions,
	.nr_versions = sizeof(ic_timesync_versions) / sizeof(ic_timesync_versions[0]),
	.parse_args = ic_timesync_parse_args,
	.negotiated = ic_timesync_negotiated,
	.closed = ic_timesync_closed,
	.ctl = ic_timesync_ctl,
	.release = ic_timesync_release,
};

static int ic_timesync_offer(struct vmbus_dev *dev, const char *args)
{
	return ic_offer(dev, args, &ic_timesync_svc);
}

IC_VSP_OPS(ic_timesync_vsp_ops, "timesync", HVIS_IC_TIMESYNC_GUID,
	   ic_timesync_offer);
