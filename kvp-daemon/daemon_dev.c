// SPDX-License-Identifier: GPL-2.0-only
/* The daemons' hv_utils device: open (waiting for it), whole-message I/O, stop on a signal. */
#include "daemon_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon_log.h"

volatile sig_atomic_t daemon_stop;

static void daemon_on_signal(int sig)
{
	(void)sig;
	daemon_stop = 1;
}

int daemon_start(const char *ident, int argc, char **argv, bool foreground,
		 bool debug, void (*usage)(FILE *))
{
	struct sigaction sa = { .sa_handler = daemon_on_signal };

	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", ident,
			argv[optind]);
		usage(stderr);
		return 2;
	}
	daemon_log_open(ident, foreground || debug, debug);
	if (!foreground && daemon(0, 0) < 0) {
		fprintf(stderr, "%s: cannot detach: %s\n", ident, strerror(errno));
		return 1;
	}
	/* No SA_RESTART: a blocked poll() returns so the loop sees daemon_stop. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int daemon_dev_open(const char *path)
{
	bool told = false;
	int fd;

	while (!daemon_stop) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno == EBUSY) {
			daemon_log(LOG_ERR, "%s is held by another daemon", path);
			return -1;
		}
		if (!told)
			daemon_log(LOG_INFO, "waiting for %s (%s)", path,
				   strerror(errno));
		told = true;
		sleep(1);
	}
	return -1;
}

bool daemon_dev_write(int fd, const void *msg, size_t len)
{
	ssize_t n = write(fd, msg, len);

	if (n == (ssize_t)len)
		return true;
	daemon_log(LOG_ERR, "write to the driver failed: %s",
		   n < 0 ? strerror(errno) : "short write");
	return false;
}

bool daemon_dev_read(int fd, void *msg, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (!daemon_stop) {
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			daemon_log(LOG_ERR, "poll: %s", strerror(errno));
			return false;
		}
		if (p.revents & (POLLERR | POLLHUP)) {
			daemon_log(LOG_INFO, "the driver went away");
			return false;
		}
		n = read(fd, msg, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == (ssize_t)len)
			return true;
		daemon_log(LOG_ERR, "read from the driver failed: %s",
			   n < 0 ? strerror(errno) : "short message");
		return false;
	}
	return false;
}
