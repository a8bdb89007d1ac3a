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

#endif
