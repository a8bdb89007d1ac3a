/* SPDX-License-Identifier: GPL-2.0-only */
/* hvcore's control socket (server side on the event loop) and its command-line client. */
#ifndef HVCORE_CTL_H
#define HVCORE_CTL_H

struct evloop;
struct vmbus_server;
struct ctl;

/* Listen on @path (replacing a stale socket there). */
struct ctl *ctl_create(struct evloop *loop, const char *path,
		       struct vmbus_server *server);
void ctl_destroy(struct ctl *c);

/* `hvcore ctl ...`: argv[0] is "ctl".  Returns the process exit status. */
int ctl_client_main(int argc, char **argv);

#endif
