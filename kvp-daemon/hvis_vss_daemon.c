// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvis_vss_daemon: freezes and thaws the guest's file systems when the
 * host takes an application-consistent backup, for hv_utils' VSS service
 * on /dev/vmbus/hv_vss.  If it dies while they are frozen, hv_utils thaws
 * them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/fs.h>
#include <linux/hyperv.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "daemon_dev.h"
#include "daemon_log.h"

#define VSS_VERSION	"1.0.0-hvis"
#define VSS_MAX_FS	256

static const char *vss_mountinfo = "/proc/self/mountinfo";

static void vss_usage(FILE *f)
{
	fprintf(f,
"Usage: hvis_vss_daemon [OPTION]...\n"
"\n"
"Freeze and thaw this guest's file systems for Hyper-V backups, on\n"
"request from the host through hv_utils' /dev/vmbus/hv_vss.  A freeze\n"
"covers every mounted read-write file system on a block device (/dev/...),\n"
"the root file system last; a thaw undoes it in reverse.  Read-only, network\n"
"and virtual file systems are left alone.\n"
"\n"
"  -n, --no-daemon     stay in the foreground, log to stderr\n"
"  -d, --debug         log debug messages too (to stderr)\n"
"      --device PATH   the driver's device (default /dev/vmbus/hv_vss)\n"
"  -h, --help          this text\n"
"  -V, --version       print the version\n"
"\n"
"If the daemon dies while file systems are frozen, hv_utils thaws them.\n"
"See hvis_vss_daemon(8).\n");
}

/* Undo the escapes mountinfo uses for blanks in paths (\040 and friends). */
static void vss_unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/* The mount points to freeze, in order (root last); the count. */
static int vss_mounts(char (*dirs)[4096], int max)
{
	char line[8192], dir[4096], opts[512], fstype[128], source[4096];
	bool root = false;
	FILE *f = fopen(vss_mountinfo, "re");
	char *sep;
	int n = 0;

	if (!f) {
		daemon_log(LOG_ERR, "%s: %s", vss_mountinfo, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - TYPE SOURCE SUPEROPTS */
		sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s %511s", dir, opts) != 2 ||
		    sscanf(sep + 3, "%127s %4095s", fstype, source) != 2)
			continue;
		vss_unescape(dir);
		if (strncmp(source, "/dev/", 5) || !strcmp(fstype, "iso9660") ||
		    !strcmp(opts, "ro") || !strncmp(opts, "ro,", 3))
			continue;
		if (!strcmp(dir, "/")) {
			root = true;
			continue;
		}
		if (n < max - 1)
			snprintf(dirs[n++], 4096, "%s", dir);
	}
	fclose(f);
	if (root)
		snprintf(dirs[n++], 4096, "/");
	return n;
}

static int vss_ioctl(const char *dir, unsigned long req)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, req, 0) < 0)
		r = -errno;
	close(fd);
	return r;
}

static char vss_dirs[VSS_MAX_FS][4096];

/* Thaw everything we may have frozen, newest first; EINVAL means "not frozen". */
static void vss_thaw(int n)
{
	int r;

	while (n-- > 0) {
		r = vss_ioctl(vss_dirs[n], FITHAW);
		if (r && r != -EINVAL)
			daemon_log(LOG_ERR, "thaw %s: %s", vss_dirs[n], strerror(-r));
	}
}

static int vss_freeze(void)
{
	int n = vss_mounts(vss_dirs, VSS_MAX_FS), i, r;

	if (n < 0)
		return HV_E_FAIL;
	for (i = 0; i < n; i++) {
		r = vss_ioctl(vss_dirs[i], FIFREEZE);
		if (r == -EOPNOTSUPP || r == -EBUSY)
			continue;	/* cannot be frozen, or already is */
		if (r) {
			daemon_log(LOG_ERR, "freeze %s: %s; thawing what was frozen",
				   vss_dirs[i], strerror(-r));
			vss_thaw(i);
			return HV_E_FAIL;
		}
		daemon_log(LOG_DEBUG, "froze %s", vss_dirs[i]);
	}
	daemon_log(LOG_INFO, "froze %d file systems", n);
	return HV_S_OK;
}

static int vss_handle(struct hv_vss_msg *m)
{
	int n;

	switch (m->vss_hdr.operation) {
	case VSS_OP_FREEZE:
		return vss_freeze();
	case VSS_OP_THAW:
		n = vss_mounts(vss_dirs, VSS_MAX_FS);
		if (n < 0)
			return HV_E_FAIL;
		vss_thaw(n);
		daemon_log(LOG_INFO, "thawed");
		return HV_S_OK;
	case VSS_OP_HOT_BACKUP:
		return HV_S_OK;
	default:
		daemon_log(LOG_WARNING, "unknown operation %u", m->vss_hdr.operation);
		return HV_E_FAIL;
	}
}

/* The driver's answer to REGISTER1: 4 bytes, its VSS version. */
static bool vss_registered(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	__u32 ver;
	ssize_t n;

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR || daemon_stop)
			return false;
	n = read(fd, &ver, sizeof(ver));
	if (n != (ssize_t)sizeof(ver)) {
		daemon_log(LOG_ERR, "the driver did not accept REGISTER1 (%s)",
			   n < 0 ? strerror(errno) : "unexpected answer");
		return false;
	}
	daemon_log(LOG_INFO, "registered with hv_utils, driver VSS version %u", ver);
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-daemon", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "device", required_argument, NULL, 'D' },
		{ "mountinfo", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = "/dev/vmbus/hv_vss";
	bool foreground = false, debug = false;
	struct hv_vss_msg m;
	int opt, fd, ret;

	while ((opt = getopt_long(argc, argv, "ndhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': foreground = true; break;
		case 'd': debug = true; break;
		case 'D': device = optarg; break;
		case 'M': vss_mountinfo = optarg; break;
		case 'h': vss_usage(stdout); return 0;
		case 'V': printf("hvis_vss_daemon %s\n", VSS_VERSION); return 0;
		default: vss_usage(stderr); return 2;
		}
	}
	ret = daemon_start("hvis_vss_daemon", argc, argv, foreground, debug, vss_usage);
	if (ret)
		return ret;
	while (!daemon_stop) {
		fd = daemon_dev_open(device);
		if (fd < 0)
			break;
		memset(&m, 0, sizeof(m));
		m.vss_hdr.operation = VSS_OP_REGISTER1;
		/* The driver answers REGISTER1 with its version, a bare u32. */
		if (daemon_dev_write(fd, &m, sizeof(m)) && vss_registered(fd)) {
			while (!daemon_stop && daemon_dev_read(fd, &m, sizeof(m))) {
				m.error = vss_handle(&m);
				if (!daemon_dev_write(fd, &m, sizeof(m)))
					break;
			}
		}
		close(fd);
		if (!daemon_stop)
			sleep(1);
	}
	daemon_log(LOG_INFO, "stopped");
	return daemon_stop ? 0 : 1;
}
