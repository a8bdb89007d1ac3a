// SPDX-License-Identifier: GPL-2.0-only
/* Logging for hvis's daemons: syslog when detached, stderr in the foreground. */
#include "daemon_log.h"

#include <stdarg.h>
#include <stdio.h>

static bool log_stderr;
static bool log_debug;
static const char *log_ident = "hvis";

void daemon_log_open(const char *ident, bool to_stderr, bool debug)
{
	log_ident = ident;
	log_stderr = to_stderr;
	log_debug = debug;
	if (!to_stderr)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

void daemon_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !log_debug)
		return;
	va_start(ap, fmt);
	if (log_stderr) {
		fprintf(stderr, "%s: ", log_ident);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}
