// SPDX-License-Identifier: GPL-2.0-only
/*
 * ic_clock: the guest-side clock probes of the IC e2e suite (PTP clock,
 * host time through a 9p share, stepping the guest clock).
 *
 * usage: ic_clock ptp /dev/ptpN [SAMPLES]
 *            prints "ptp_minus_rt_ns D bracket_ns W": the PTP clock minus
 *            CLOCK_REALTIME, from the sample whose two CLOCK_REALTIME
 *            reads around the PTP read were closest (W apart)
 *        ic_clock host DIR [SAMPLES]
 *            prints "host_minus_rt_ns D best_latency_ns L": the host's
 *            wall clock minus the guest's (see below for its error)
 *        ic_clock shift SECONDS
 *            steps CLOCK_REALTIME by SECONDS (may be negative)
 *
 * Host time without a network: creating a file on a 9p share makes QEMU
 * create it on the host, whose kernel stamps its mtime with the host's
 * clock.  If the guest read t1 before the create and t2 after it, the host
 * stamped it at some host time h in [t1 + o, t2 + o] (o = host - guest),
 * and the stamp m is the host kernel's coarse clock at that moment: never
 * after h, but behind it by up to a timer tick or more (measured: up to
 * 7 ms on a tickless host, while back-to-back stamps can also be 13 us
 * apart, so no fixed granularity bounds it).  Each sample therefore gives
 * only a lower bound o >= m - t2, and the largest over many samples spread
 * across the tick is the estimate: it is low by the staleness of the best
 * stamp plus that sample's create latency (t2 - t1, under a millisecond on
 * the host itself; the probe reports about -1.1 ms there for a true 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The dynamic POSIX clock of an open character device (clock_gettime(2)). */
#define FD_TO_CLOCKID(fd)	((~(clockid_t)(fd) << 3) | 3)

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t rt_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts_ns(&ts);
}

static int ptp_probe(const char *dev, int samples)
{
	int64_t best_w = INT64_MAX, best_d = 0;
	struct timespec ts;
	int fd, i;

	fd = open(dev, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "ic_clock: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	for (i = 0; i < samples; i++) {
		int64_t t1 = rt_ns(), p, t2;

		if (clock_gettime(FD_TO_CLOCKID(fd), &ts)) {
			fprintf(stderr, "ic_clock: clock_gettime(%s): %s\n",
				dev, strerror(errno));
			close(fd);
			return 1;
		}
		p = ts_ns(&ts);
		t2 = rt_ns();
		if (t2 - t1 < best_w) {
			best_w = t2 - t1;
			best_d = p - (t1 + (t2 - t1) / 2);
		}
	}
	close(fd);
	printf("ptp_minus_rt_ns %lld bracket_ns %lld\n",
	       (long long)best_d, (long long)best_w);
	return 0;
}

static int host_probe(const char *dir, int samples)
{
	int64_t lo = INT64_MIN, best_l = INT64_MAX;
	char path[4096];
	struct stat st;
	int i;

	for (i = 0; i < samples; i++) {
		int64_t t1, t2;
		int fd;

		snprintf(path, sizeof(path), "%s/.ic-clock-%d-%d", dir,
			 (int)getpid(), i);
		unlink(path);
		t1 = rt_ns();
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		t2 = rt_ns();
		if (fd < 0) {
			fprintf(stderr, "ic_clock: %s: %s\n", path,
				strerror(errno));
			return 1;
		}
		/* Asks the host (cache=none): the stamp its kernel gave. */
		if (fstat(fd, &st)) {
			fprintf(stderr, "ic_clock: fstat %s: %s\n", path,
				strerror(errno));
			close(fd);
			return 1;
		}
		close(fd);
		unlink(path);
		if (ts_ns(&st.st_mtim) - t2 > lo)
			lo = ts_ns(&st.st_mtim) - t2;
		if (t2 - t1 < best_l)
			best_l = t2 - t1;
		/* Spread the samples over the host's tick. */
		usleep(1000 + (unsigned int)(i * 379) % 3000);
	}
	printf("host_minus_rt_ns %lld best_latency_ns %lld\n",
	       (long long)lo, (long long)best_l);
	return 0;
}

static int clock_shift(long long secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	if (clock_settime(CLOCK_REALTIME, &ts)) {
		fprintf(stderr, "ic_clock: clock_settime: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "ptp"))
		return ptp_probe(argv[2], argc > 3 ? atoi(argv[3]) : 200);
	if (argc >= 3 && !strcmp(argv[1], "host"))
		return host_probe(argv[2], argc > 3 ? atoi(argv[3]) : 60);
	if (argc == 3 && !strcmp(argv[1], "shift"))
		return clock_shift(atoll(argv[2]));
	fprintf(stderr, "usage: ic_clock ptp DEV [N] | host DIR [N] | shift SECONDS\n");
	return 2;
}
