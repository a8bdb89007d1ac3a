// SPDX-License-Identifier: GPL-2.0-only
/* The shutdown IC: 'hvcore ctl shutdown|reboot|hibernate' as orderly requests to the guest. */
#include <errno.h>
#include <string.h>

#include "ic.h"
#include "log.h"
#include "vmbus/channel.h"

static const uint32_t ic_shutdown_versions[] = {
	HVIS_IC_SD_VERSION_3_2, HVIS_IC_SD_VERSION_3_1,
	HVIS_IC_SD_VERSION_3_0, HVIS_IC_SD_VERSION_1_0,
};

static void ic_shutdown_done(struct ic_dev *ic, struct ic_req *req,
			     const uint8_t *resp, uint32_t len,
			     const char *why)
{
	const struct hvis_ic_shutdown_msg *msg = ic_req_body(req);

	(void)len;
	if (resp)
		log_msg("shutdown: relid %u: guest answered flags 0x%x with status 0x%08x",
			vmbus_dev_relid(ic->dev), msg->flags, ic_hdr(resp)->status);
	else
		log_msg("shutdown: relid %u: flags 0x%x: %s",
			vmbus_dev_relid(ic->dev), msg->flags, why);
	ic_ctl_finish_status(req, resp, why);
}

static int ic_shutdown_ctl(struct ic_dev *ic, int argc, char **argv,
			   FILE *out)
{
	struct hvis_ic_shutdown_msg *msg;
	struct ic_req *req;
	uint32_t flags;

	if (!strcmp(argv[0], "shutdown") || !strcmp(argv[0], "poweroff"))
		flags = HVIS_IC_SHUTDOWN_POWEROFF;
	else if (!strcmp(argv[0], "reboot"))
		flags = HVIS_IC_SHUTDOWN_REBOOT;
	else if (!strcmp(argv[0], "hibernate"))
		flags = HVIS_IC_SHUTDOWN_HIBERNATE;
	else if (!strcmp(argv[0], "help")) {
		fprintf(out, "shutdown [force]    orderly power-off\n"
			     "reboot [force]      orderly reboot\n"
			     "hibernate           hibernate (the guest may refuse)\n"
			     "inject truncated|bad-count  a malformed packet (tests)\n");
		return 0;
	} else {
		fprintf(out, "error: unknown command '%s' (shutdown, reboot, hibernate, inject)\n",
			argv[0]);
		return -EINVAL;
	}
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "force"))) {
		fprintf(out, "error: usage: %s [force]\n", argv[0]);
		return -EINVAL;
	}
	if (argc == 2)
		flags |= HVIS_IC_SHUTDOWN_FLAG_FORCE;
	if (!ic->srv_version) {
		fprintf(out, "error: the guest's shutdown service is not connected\n");
		return -ENOTCONN;
	}
	req = ic_req_new(ic, sizeof(*msg), ic_shutdown_done);
	if (!req)
		goto err_nomem;
	msg = ic_req_body(req);
	msg->flags = flags;
	msg->timeout_seconds = 60;
	req->ctl = vsp_ctl_defer();
	if (!req->ctl)
		goto err_free_req;
	ic_submit(ic, req);
	return VSP_CTL_PENDING;

err_free_req:
	ic_req_free(req);
err_nomem:
	fprintf(out, "error: out of memory\n");
	return -ENOMEM;
}

static const struct ic_svc ic_shutdown_svc = {
	.name = "shutdown",
	.msg_type = HVIS_ICMSGTYPE_SHUTDOWN,
	.versions = ic_shutdown_versions,
	.nr_versions = sizeof(ic_shutdown_versions) / sizeof(ic_shutdown_versions[0]),
	.ctl = ic_shutdown_ctl,
};

static int ic_shutdown_offer(struct vmbus_dev *dev, const char *args)
{
	return ic_offer(dev, args, &ic_shutdown_svc);
}

IC_VSP_OPS(ic_shutdown_vsp_ops, "shutdown", HVIS_IC_SHUTDOWN_GUID,
	   ic_shutdown_offer);
