/* SPDX-License-Identifier: GPL-2.0-only */
/* Logging for hvis's daemons: syslog when detached, stderr in the foreground. */
#ifndef HVIS_DAEMON_LOG_H
#define HVIS_DAEMON_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* @to_stderr: foreground (-n) or debug (-d); @debug: LOG_DEBUG lines too. */
void daemon_log_open(const char *ident, bool to_stderr, bool debug);
void daemon_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* HVIS_DAEMON_LOG_H */
