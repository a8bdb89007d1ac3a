// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VSS IC: 'hvcore ctl vss freeze|thaw|hot-backup' ask the guest (its
 * VSS daemon) to freeze or thaw its file systems, as a host backup does
 * around a snapshot.
 */
#include <errno.h>
#include <string.h>

#include "ic.h"
#include "log.h"
#include "vmbus/channel.h"

static const uint32_t ic_vss_versions[] = { HVIS_IC_VSS_VERSION_5_0 };

static void ic_vss_done(struct ic_dev *ic, struct ic_req *req,
			const uint8_t *resp, uint32_t len, const char *why)
{
	const struct hvis_vss_msg *sent = ic_req_body(req), *got;

	if (resp) {
		log_msg("vss: relid %u: operation %u answered status 0x%08x",
			vmbus_dev_relid(ic->dev), sent->vss_hdr.operation,
			ic_hdr(resp)->status);
		got = (const void *)(resp + HVIS_ICMSG_HDR_SIZE);
		if (sent->vss_hdr.operation == HVIS_VSS_OP_HOT_BACKUP &&
		    len >= HVIS_ICMSG_HDR_SIZE + sizeof(*got) && req->ctl)
			fprintf(vsp_ctl_req_out(req->ctl), "flags 0x%x\n",
				got->vss_cf_flags);
	}
	ic_ctl_finish_status(req, resp, why);
}

static int ic_vss_ctl(struct ic_dev *ic, int argc, char **argv, FILE *out)
{
	struct hvis_vss_msg *msg;
	struct ic_req *req;
	uint8_t op;

	if (!strcmp(argv[0], "help")) {
		fprintf(out, "vss freeze          freeze the guest's file systems\n"
			     "vss thaw            thaw them\n"
			     "vss hot-backup      ask whether the guest can take a hot backup\n"
			     "vss inject truncated|bad-count  a malformed packet (tests)\n");
		return 0;
	}
	if (argc != 1)
		goto err_usage;
	if (!strcmp(argv[0], "freeze"))
		op = HVIS_VSS_OP_FREEZE;
	else if (!strcmp(argv[0], "thaw"))
		op = HVIS_VSS_OP_THAW;
	else if (!strcmp(argv[0], "hot-backup"))
		op = HVIS_VSS_OP_HOT_BACKUP;
	else
		goto err_usage;
	if (!ic->srv_version) {
		fprintf(out, "error: the guest's VSS service is not connected\n");
		return -ENOTCONN;
	}
	req = ic_req_new(ic, sizeof(*msg), ic_vss_done);
	if (!req)
		goto err_nomem;
	msg = ic_req_body(req);
	msg->vss_hdr.operation = op;
	/* The guest's daemon freezes every file system: give it time. */
	req->timeout_ms = 40000;
	req->ctl = vsp_ctl_defer();
	if (!req->ctl) {
		ic_req_free(req);
		goto err_nomem;
	}
	ic_submit(ic, req);
	return VSP_CTL_PENDING;

err_usage:
	fprintf(out, "error: usage: vss freeze|thaw|hot-backup\n");
	return -EINVAL;
err_nomem:
	fprintf(out, "error: out of memory\n");
	return -ENOMEM;
}

static const struct ic_svc ic_vss_svc = {
	.name = "vss",
	.msg_type = HVIS_ICMSGTYPE_VSS,
	.versions = ic_vss_versions,
	.nr_versions = 1,
	.ctl = ic_vss_ctl,
};

static int ic_vss_offer(struct vmbus_dev *dev, const char *args)
{
	return ic_offer(dev, args, &ic_vss_svc);
}

IC_VSP_OPS(ic_vss_vsp_ops, "vss", HVIS_IC_VSS_GUID, ic_vss_offer);
