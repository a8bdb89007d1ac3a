// SPDX-License-Identifier: GPL-2.0-only
/* hvcore's log sink: whole lines, flushed at once so they interleave cleanly with the console. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static FILE *log_fp;
static bool log_is_verbose;

/*
 * The guest-line bucket.  Tokens are kept in units of 1/LOG_GUEST_PER_SEC s
 * worth of nanoseconds so refilling is integer arithmetic.  hvcore logs from
 * the event-loop thread only, so none of this is locked.
 */
#define LOG_GUEST_NS_PER_TOKEN	(1000000000ull / LOG_GUEST_PER_SEC)

static struct {
	uint64_t credit_ns;		/* tokens * LOG_GUEST_NS_PER_TOKEN */
	uint64_t last_ns;
	bool started;
	unsigned long long pending;	/* suppressed since the last line out */
	unsigned long long total;	/* suppressed since the start */
} log_guest_bucket;

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

static uint64_t log_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Take one token if there is one; refill for the time gone by first. */
static bool log_guest_take(void)
{
	const uint64_t cap = LOG_GUEST_BURST * LOG_GUEST_NS_PER_TOKEN;
	uint64_t now = log_now_ns();

	if (!log_guest_bucket.started) {
		log_guest_bucket.started = true;
		log_guest_bucket.credit_ns = cap;
	} else if (now - log_guest_bucket.last_ns >=
		   cap - log_guest_bucket.credit_ns) {
		log_guest_bucket.credit_ns = cap;
	} else {
		log_guest_bucket.credit_ns += now - log_guest_bucket.last_ns;
	}
	log_guest_bucket.last_ns = now;
	if (log_guest_bucket.credit_ns < LOG_GUEST_NS_PER_TOKEN)
		return false;
	log_guest_bucket.credit_ns -= LOG_GUEST_NS_PER_TOKEN;
	return true;
}

void log_guest(const char *fmt, ...)
{
	va_list ap;

	if (!log_guest_take()) {
		log_guest_bucket.pending++;
		log_guest_bucket.total++;
		return;
	}
	if (log_guest_bucket.pending) {
		log_msg("%llu guest-caused messages suppressed",
			log_guest_bucket.pending);
		log_guest_bucket.pending = 0;
	}
	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}

unsigned long long log_guest_suppressed(void)
{
	return log_guest_bucket.total;
}
