// SPDX-License-Identifier: GPL-2.0-only
/* A stand-in for hvcore's control socket in unit tests: deferred VSP replies are captured here. */
#include "fake_ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsp/vsp.h"

struct vsp_ctl_req {
	FILE *out;
	char *body;
	size_t len;
};

char fake_ctl_reply[16384];
int fake_ctl_err;
unsigned int fake_ctl_deferred, fake_ctl_finished;

void fake_ctl_reset(void)
{
	fake_ctl_reply[0] = '\0';
	fake_ctl_err = 0;
	fake_ctl_deferred = 0;
	fake_ctl_finished = 0;
}

struct vsp_ctl_req *vsp_ctl_defer(void)
{
	struct vsp_ctl_req *req = calloc(1, sizeof(*req));

	if (!req)
		return NULL;
	req->out = open_memstream(&req->body, &req->len);
	if (!req->out) {
		free(req);
		return NULL;
	}
	fake_ctl_deferred++;
	return req;
}

FILE *vsp_ctl_req_out(struct vsp_ctl_req *req)
{
	return req->out;
}

void vsp_ctl_req_finish(struct vsp_ctl_req *req, int err)
{
	if (!err)
		fputs("ok\n", req->out);
	fclose(req->out);
	snprintf(fake_ctl_reply, sizeof(fake_ctl_reply), "%s", req->body);
	fake_ctl_err = err;
	fake_ctl_finished++;
	free(req->body);
	free(req);
}
