// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvis_kvp_daemon: the guest's half of Hyper-V key-value exchange.  It
 * registers with hv_utils on /dev/vmbus/hv_kvp and serves the host's
 * requests: the pools in /var/lib/hyperv, the AUTO pool, the NICs' IP
 * configuration read and set through libnl.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_dev.h"
#include "daemon_log.h"
#include "kvp_request.h"

#define KVP_VERSION	"1.0.0-hvis"

static void kvp_usage(FILE *f)
{
	fprintf(f,
"Usage: hvis_kvp_daemon [OPTION]...\n"
"\n"
"Serve Hyper-V key-value pair (KVP) requests from the host through\n"
"hv_utils' /dev/vmbus/hv_kvp: the pools the host and guest exchange keys\n"
"in, facts about this guest (FQDN, OS, addresses), and the IP\n"
"configuration of the NIC with a given MAC, which the host may also set.\n"
"Pools are kept in DIR/.kvp_pool_0 to .kvp_pool_4 (external, guest, auto,\n"
"auto_external, auto_internal) in the format of Linux's hv_kvp_daemon, so\n"
"either daemon can replace the other.\n"
"\n"
"  -n, --no-daemon        stay in the foreground, log to stderr\n"
"  -d, --debug            log debug messages too (to stderr)\n"
"      --device PATH      the driver's device (default /dev/vmbus/hv_kvp)\n"
"      --pool-dir DIR     where the pools live (default /var/lib/hyperv)\n"
"      --os-release PATH  OS facts for the AUTO pool (default /etc/os-release)\n"
"      --resolv-conf PATH DNS servers reported (default /etc/resolv.conf)\n"
"      --hook-dir DIR     programs run after a host-set IP configuration is\n"
"                         applied (default /etc/hvis/kvp-set-ip.d)\n"
"  -h, --help             this text\n"
"  -V, --version          print the version\n"
"\n"
"The daemon waits for the device when hv_utils is not loaded yet and\n"
"registers again when the driver comes back.  Exit status: 0 on SIGTERM,\n"
"1 on a fatal error (another daemon holds the device, the pool directory\n"
"cannot be used).  See hvis_kvp_daemon(8).\n");
}

/* REGISTER1 and the driver's answer, its version; false when refused. */
static bool kvp_register(int fd, struct kvp_daemon *d, struct hv_kvp_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->kvp_hdr.operation = KVP_OP_REGISTER1;
	if (!daemon_dev_write(fd, m, sizeof(*m)) ||
	    !daemon_dev_read(fd, m, sizeof(*m)))
		return false;
	if (m->kvp_hdr.operation != KVP_OP_REGISTER1) {
		daemon_log(LOG_ERR, "the driver refused REGISTER1 (answer %u)",
			   m->kvp_hdr.operation);
		return false;
	}
	memcpy(d->version, m->body.kvp_register.version, sizeof(d->version));
	d->version[sizeof(d->version) - 1] = '\0';
	daemon_log(LOG_INFO, "registered with hv_utils, driver version %s",
		   d->version);
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-daemon", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "device", required_argument, NULL, 'D' },
		{ "pool-dir", required_argument, NULL, 'P' },
		{ "os-release", required_argument, NULL, 'O' },
		{ "resolv-conf", required_argument, NULL, 'R' },
		{ "hook-dir", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct kvp_daemon d = {
		.net = { .resolv_conf = "/etc/resolv.conf",
			 .hook_dir = "/etc/hvis/kvp-set-ip.d", .root = "" },
		.os_release = "/etc/os-release",
	};
	static struct hv_kvp_msg msg;
	const char *device = "/dev/vmbus/hv_kvp", *pool_dir = "/var/lib/hyperv";
	bool foreground = false, debug = false;
	int opt, fd, ret;

	while ((opt = getopt_long(argc, argv, "ndhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': foreground = true; break;
		case 'd': debug = true; break;
		case 'D': device = optarg; break;
		case 'P': pool_dir = optarg; break;
		case 'O': d.os_release = optarg; break;
		case 'R': d.net.resolv_conf = optarg; break;
		case 'H': d.net.hook_dir = optarg; break;
		case 'h': kvp_usage(stdout); return 0;
		case 'V': printf("hvis_kvp_daemon %s\n", KVP_VERSION); return 0;
		default: kvp_usage(stderr); return 2;
		}
	}
	ret = daemon_start("hvis_kvp_daemon", argc, argv, foreground, debug, kvp_usage);
	if (ret)
		return ret;
	if (kvp_pools_open(&d.pools, pool_dir))
		return 1;
	while (!daemon_stop) {
		fd = daemon_dev_open(device);
		if (fd < 0)
			break;
		if (kvp_register(fd, &d, &msg)) {
			while (!daemon_stop && daemon_dev_read(fd, &msg, sizeof(msg))) {
				kvp_request(&d, &msg);
				if (!daemon_dev_write(fd, &msg, sizeof(msg)))
					break;
			}
		}
		close(fd);
		if (!daemon_stop)
			sleep(1);	/* the driver is going or coming back */
	}
	kvp_pools_close(&d.pools);
	daemon_log(LOG_INFO, "stopped");
	return daemon_stop ? 0 : 1;
}
