// SPDX-License-Identifier: GPL-2.0-only
/* hvcore's log sink: whole lines, flushed at once so they interleave cleanly with the console. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static FILE *log_fp;
static bool log_is_verbose;

int log_open(const char *path)
{
	FILE *fp;

	if (!path)
		return 0;
	fp = fopen(path, "ae");
	if (!fp)
		return -errno;
	setvbuf(fp, NULL, _IOLBF, 0);
	log_close();
	log_fp = fp;
	return 0;
}

void log_close(void)
{
	if (log_fp)
		fclose(log_fp);
	log_fp = NULL;
}

void log_set_verbose(bool verbose)
{
	log_is_verbose = verbose;
}

bool log_verbose(void)
{
	return log_is_verbose;
}

static void log_vprint(const char *fmt, va_list ap)
{
	FILE *fp = log_fp ? log_fp : stderr;
	char line[1024];
	int n;

	/*
	 * Built whole, then written once: the guest console shares the
	 * terminal and a line split in two writes gets interleaved with it.
	 */
	n = snprintf(line, sizeof(line), "hvcore: ");
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	line[n] = '\0';
	fputs(line, fp);
	fflush(fp);
}

void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_is_verbose)
		return;
	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}
