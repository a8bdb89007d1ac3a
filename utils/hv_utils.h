/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv_utils' IC framework: what main.c (the VMBus driver, the negotiation and
 * the request loop) offers the services (shutdown.c, timesync.c,
 * heartbeat.c, kvp.c, vss.c) and what each service fills in.
 */
#ifndef HVIS_UTILS_HV_UTILS_H
#define HVIS_UTILS_HV_UTILS_H

#include <linux/hyperv.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <hvis/ic.h>

struct hv_util_dev;

/* hv_util_svc.request() results */
#define HV_UTIL_DROP	(-1)	/* bad request, logged: answer nothing */
#define HV_UTIL_REPLY	0	/* answer now with the buffer as it stands */
#define HV_UTIL_DEFER	1	/* the service calls hv_util_reply() later */

/*
 * One IC service.  The framework owns the channel: it reads each packet
 * into @udev->recv_buf, checks it with hvis_ic_check() against @msg_type,
 * answers NEGOTIATE itself (framework 3.0/1.0, then @versions), and hands
 * every other request to request() with the negotiated version in
 * @udev->srv_version.  The channel's max_pkt_size is HVIS_IC_MAX_PKT_SIZE,
 * so a 7.4 KiB KVP message arrives whole.
 */
struct hv_util_svc {
	const char *name;
	u16 msg_type;			/* HVIS_ICMSGTYPE_* */
	const int *versions;		/* HVIS_IC_VERSION()s, newest first */
	int nr_versions;

	/* Optional.  At probe, before the channel opens: 0 or -errno. */
	int (*init)(struct hv_util_dev *udev);
	/* Optional.  At remove, after the channel has closed. */
	void (*deinit)(struct hv_util_dev *udev);
	/*
	 * One checked request: @buf (== @udev->recv_buf) holds @len bytes,
	 * the pipe header, the IC header and at least hvis_ic_min_body()
	 * bytes of body.  Rewrite the body in place, set the IC header's
	 * status (HVIS_HV_S_OK, HVIS_HV_E_FAIL, ...), and return
	 * HV_UTIL_REPLY; or return HV_UTIL_DEFER, after which the framework
	 * reads no new packet until the service calls hv_util_reply(); or
	 * HV_UTIL_DROP for a request it logged as bad and will not answer.
	 * The framework marks the request deferred before the call, so the
	 * service may call hv_util_reply() from another CPU before request()
	 * has returned.  Runs in the channel callback (softirq): never sleeps.
	 */
	int (*request)(struct hv_util_dev *udev, u8 *buf, u32 len);
	/* Optional hibernation hooks, as the in-tree pre_suspend/pre_resume. */
	int (*pre_suspend)(struct hv_util_dev *udev);
	int (*pre_resume)(struct hv_util_dev *udev);
};

/*
 * One bound IC device.
 *
 * Locking: @recv_buf, @req_id and @deferred belong to the channel callback,
 * except while @deferred is set: then the service that deferred owns
 * @recv_buf (it may sleep and write it from process context) until its
 * hv_util_reply(), which clears @deferred under @lock and reschedules the
 * callback.  @srv_version and @fw_version are written by the callback on
 * NEGOTIATE only and read by the service's request().  @priv is the
 * service's own.
 */
struct hv_util_dev {
	struct hv_device *hdev;
	struct vmbus_channel *channel;
	const struct hv_util_svc *svc;
	u8 *recv_buf;			/* HVIS_IC_MAX_PKT_SIZE bytes */
	u32 recv_len;			/* bytes of the pending request */
	u64 req_id;			/* trans_id of the pending request */
	u32 fw_version;
	u32 srv_version;		/* 0 until negotiated */
	spinlock_t lock;
	bool deferred;
	void *priv;
};

/*
 * Answer the request a service deferred: @status into its IC header,
 * the response flags, then @len bytes of @udev->recv_buf back to the host.
 * Safe from any context; returns 0 or -errno from the send, -ENODEV once
 * remove has begun (so a service's deinit flushes its own work first).
 */
int hv_util_reply(struct hv_util_dev *udev, u32 len, u32 status);

/* The services, defined in their own files. */
extern const struct hv_util_svc hv_util_shutdown_svc;
extern const struct hv_util_svc hv_util_timesync_svc;
extern const struct hv_util_svc hv_util_heartbeat_svc;
extern const struct hv_util_svc hv_util_kvp_svc;
extern const struct hv_util_svc hv_util_vss_svc;

#endif /* HVIS_UTILS_HV_UTILS_H */
