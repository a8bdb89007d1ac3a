/* SPDX-License-Identifier: GPL-2.0-only */
/* hvcore's own log: one line per event, to stderr or a file, prefixed "hvcore: ". */
#ifndef HVCORE_LOG_H
#define HVCORE_LOG_H

#include <stdbool.h>

/* Open @path for appending (NULL = stderr).  0 or -errno. */
int log_open(const char *path);
void log_close(void);
void log_set_verbose(bool verbose);
bool log_verbose(void);

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed only with -v. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * For every line a guest can cause, however harmless: one token bucket for
 * all of them (LOG_GUEST_BURST lines, refilled at LOG_GUEST_PER_SEC), so a
 * guest cannot use hvcore's log to slow the host or fill its disk.  Lines
 * over the limit are counted, and the count is printed before the next line
 * that gets through.
 */
#define LOG_GUEST_BURST		20
#define LOG_GUEST_PER_SEC	5
void log_guest(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Guest lines suppressed since the start (for tests and the control socket). */
unsigned long long log_guest_suppressed(void);

#endif
