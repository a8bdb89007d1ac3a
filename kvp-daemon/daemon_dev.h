/* SPDX-License-Identifier: GPL-2.0-only */
/* What both daemons do with their hv_utils device: open it, wait for it, stop on a signal. */
#ifndef HVIS_DAEMON_DEV_H
#define HVIS_DAEMON_DEV_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

extern volatile sig_atomic_t daemon_stop;

/*
 * After a daemon's option parsing: refuse arguments left in @argv from
 * optind on (printing @usage), open the log (stderr when @foreground or
 * @debug), detach unless @foreground, and make SIGTERM/SIGINT set
 * daemon_stop (SIGPIPE ignored).  0, or the exit status for main().
 */
int daemon_start(const char *ident, int argc, char **argv, bool foreground,
		 bool debug, void (*usage)(FILE *));
/*
 * Open @path read-write, waiting (1 s polls, logged once) while it does not
 * exist: hv_utils creates it when its channel is probed.  -1 if stopped.
 */
int daemon_dev_open(const char *path);
/* Write/read one whole message; false (logged) on a short or failed one. */
bool daemon_dev_write(int fd, const void *msg, size_t len);
bool daemon_dev_read(int fd, void *msg, size_t len);

#endif /* HVIS_DAEMON_DEV_H */
